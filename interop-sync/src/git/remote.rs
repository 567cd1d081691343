//! Remotes: clone or fetch into a cache folder, push with lease. Credentials are handed to
//! libgit2 through callbacks only: they are never part of a URL Interop stores, never written to
//! the repository's config (remotes are anonymous) and never in a message.

use std::cell::Cell;
use std::path::{Path, PathBuf};

use git2::{Cred, CredentialType, FetchOptions, Oid, PushOptions, RemoteCallbacks, Repository};
use md5::{Digest, Md5};

use super::error::GitError;
use super::store::{GitStore, SyncStep};

/// How to authenticate to a remote.
#[derive(Clone, Default)]
pub enum Credentials {
    /// No credentials (`file://`, public remotes).
    #[default]
    None,
    /// HTTP(S) basic auth with a token (GitHub: user `x-access-token`; GitLab: `oauth2`).
    Token {
        /// The user name sent with the token.
        username: String,
        /// The token. Never logged.
        token: String,
    },
    /// ssh with a private key file.
    SshKey {
        /// The ssh user (usually `git`).
        username: String,
        /// The private key file.
        private_key: PathBuf,
        /// The key's passphrase, if any. Never logged.
        passphrase: Option<String>,
    },
    /// ssh through the running ssh agent.
    SshAgent {
        /// The ssh user (usually `git`).
        username: String,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("Credentials::None"),
            Credentials::Token { username, .. } => {
                write!(
                    f,
                    "Credentials::Token {{ username: {username:?}, token: \"***\" }}"
                )
            }
            Credentials::SshKey {
                username,
                private_key,
                ..
            } => write!(
                f,
                "Credentials::SshKey {{ username: {username:?}, private_key: {private_key:?} }}"
            ),
            Credentials::SshAgent { username } => {
                write!(f, "Credentials::SshAgent {{ username: {username:?} }}")
            }
        }
    }
}

/// The expected value of a ref on the remote before a push (force-with-lease): the push goes
/// through only if the remote ref is still there (`None`: only if it does not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefLease {
    /// The local ref to push (`refs/heads/interop/acme`).
    pub local: String,
    /// The remote ref to update (usually the same name).
    pub remote: String,
    /// Where the remote ref must still point.
    pub expected: Option<Oid>,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushOutcome {
    /// The remote refs updated and their new targets.
    pub updated: Vec<(String, Oid)>,
}

/// `url` without user name or password (`https://x:tok@host/r.git` → `https://host/r.git`).
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{}://{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Every URL in `text` redacted (libgit2 messages can quote the URL).
pub(crate) fn redact_text(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains("://") {
                let start = word.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(0);
                format!("{}{}", &word[..start], redact_url(&word[start..]))
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Callbacks that answer a credential request once; a second request for the same operation
/// means the remote refused them, and is answered with an error rather than a retry loop.
fn callbacks<'a>(credentials: &'a Credentials, attempts: &'a Cell<u32>) -> RemoteCallbacks<'a> {
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |_url, username_from_url, allowed| {
        attempts.set(attempts.get() + 1);
        if attempts.get() > 1 {
            return Err(git2::Error::new(
                git2::ErrorCode::Auth,
                git2::ErrorClass::Http,
                "the remote refused the credentials",
            ));
        }
        match credentials {
            Credentials::Token { username, token }
                if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) =>
            {
                Cred::userpass_plaintext(username, token)
            }
            Credentials::SshKey {
                username,
                private_key,
                passphrase,
            } if allowed.contains(CredentialType::SSH_KEY) => {
                Cred::ssh_key(username, None, private_key, passphrase.as_deref())
            }
            Credentials::SshAgent { username } if allowed.contains(CredentialType::SSH_KEY) => {
                Cred::ssh_key_from_agent(username)
            }
            _ if allowed.contains(CredentialType::USERNAME) => {
                Cred::username(username_from_url.unwrap_or("git"))
            }
            _ => Err(git2::Error::new(
                git2::ErrorCode::Auth,
                git2::ErrorClass::Http,
                "the remote asks for credentials and none fit",
            )),
        }
    });
    callbacks
}

/// Turns a transport error into [`GitError::Auth`] when it is about credentials.
fn transport_error(url: &str, context: &str, attempts: u32, e: git2::Error) -> GitError {
    let message = redact_text(e.message());
    let lower = message.to_ascii_lowercase();
    if e.code() == git2::ErrorCode::Auth
        || attempts > 1
        || lower.contains("authentication")
        || lower.contains("401")
        || lower.contains("credentials")
    {
        GitError::Auth {
            url: redact_url(url),
            message,
        }
    } else {
        GitError::Git {
            context: format!("{context} {}", redact_url(url)),
            message,
            code: e.code(),
        }
    }
}

/// The refs a cache keeps from the remote: every branch and Interop's own refs.
const CACHE_REFSPECS: &[&str] = &[
    "+refs/heads/*:refs/heads/*",
    "+refs/interop/*:refs/interop/*",
];

impl GitStore {
    /// Opens a bare copy of the remote `url` in `cache_dir` (a folder per remote, named from the
    /// URL without credentials), cloning on first use and fetching afterwards.
    pub fn open_remote(
        url: &str,
        cache_dir: &Path,
        credentials: &Credentials,
    ) -> Result<GitStore, GitError> {
        let folder = cache_dir.join(cache_folder_name(url));
        let repo = if folder.join("HEAD").exists() {
            Repository::open_bare(&folder).map_err(GitError::git(format!(
                "opening the cache {}",
                folder.display()
            )))?
        } else {
            std::fs::create_dir_all(cache_dir).map_err(|source| GitError::Io {
                path: cache_dir.display().to_string(),
                source,
            })?;
            Repository::init_bare(&folder).map_err(GitError::git(format!(
                "creating the cache {}",
                folder.display()
            )))?
        };
        let store = GitStore::from_repository(repo);
        store.fetch(url, credentials)?;
        Ok(store)
    }

    /// Fetches every branch and Interop's refs from `url` into this repository (forced: the
    /// remote is the truth). Used on the cache of a remote, not on a customer's own checkout.
    pub fn fetch(&self, url: &str, credentials: &Credentials) -> Result<(), GitError> {
        let attempts = Cell::new(0);
        let mut remote = self
            .repository()
            .remote_anonymous(url)
            .map_err(|e| transport_error(url, "connecting to", 0, e))?;
        let mut options = FetchOptions::new();
        options.remote_callbacks(callbacks(credentials, &attempts));
        options.prune(git2::FetchPrune::On);
        remote
            .fetch(CACHE_REFSPECS, Some(&mut options), None)
            .map_err(|e| transport_error(url, "fetching from", attempts.get(), e))?;
        Ok(())
    }

    /// Where each ref of the remote points (`ls-remote`).
    pub fn list_remote(
        &self,
        url: &str,
        credentials: &Credentials,
    ) -> Result<Vec<(String, Oid)>, GitError> {
        let attempts = Cell::new(0);
        let mut remote = self
            .repository()
            .remote_anonymous(url)
            .map_err(|e| transport_error(url, "connecting to", 0, e))?;
        let connection = remote
            .connect_auth(
                git2::Direction::Fetch,
                Some(callbacks(credentials, &attempts)),
                None,
            )
            .map_err(|e| transport_error(url, "connecting to", attempts.get(), e))?;
        let heads = connection
            .list()
            .map_err(|e| transport_error(url, "listing", attempts.get(), e))?;
        Ok(heads
            .iter()
            .map(|h| (h.name().to_string(), h.oid()))
            .collect())
    }

    /// Pushes each lease's local ref to its remote ref, forced, but only if the remote ref is
    /// still where the lease expects (force-with-lease). Refs named in `protected` (the main
    /// branch) are refused before anything is sent. A remote that refuses an update gives
    /// [`GitError::PushRejected`]; a lease that no longer holds gives [`GitError::RepoMoved`].
    pub fn push(
        &self,
        url: &str,
        leases: &[RefLease],
        protected: &[&str],
        credentials: &Credentials,
    ) -> Result<PushOutcome, GitError> {
        for lease in leases {
            let short = lease
                .remote
                .strip_prefix("refs/heads/")
                .unwrap_or(&lease.remote);
            if protected.contains(&short) || protected.contains(&lease.remote.as_str()) {
                return Err(GitError::RefusedRef {
                    reference: lease.remote.clone(),
                    reason: "Interop never pushes to the main branch".into(),
                });
            }
        }
        self.step(SyncStep::Push)?;
        let attempts = Cell::new(0);
        let moved: std::cell::RefCell<Option<GitError>> = std::cell::RefCell::new(None);
        let rejected: std::cell::RefCell<Vec<(String, String)>> = Default::default();
        let mut outcome = PushOutcome::default();
        {
            let mut callbacks = callbacks(credentials, &attempts);
            callbacks.push_negotiation(|updates| {
                for update in updates {
                    let Ok(dst) = update.dst_refname() else {
                        continue;
                    };
                    let Some(lease) = leases.iter().find(|l| l.remote == dst) else {
                        continue;
                    };
                    let actual = (!update.src().is_zero()).then(|| update.src());
                    if actual != lease.expected {
                        *moved.borrow_mut() = Some(GitError::RepoMoved {
                            reference: format!("{} on {}", dst, redact_url(url)),
                            expected: lease
                                .expected
                                .map_or_else(|| "none".into(), |o| o.to_string()),
                            actual: actual.map_or_else(|| "none".into(), |o| o.to_string()),
                        });
                        return Err(git2::Error::from_str("lease no longer holds"));
                    }
                }
                Ok(())
            });
            callbacks.push_update_reference(|reference, status| {
                if let Some(message) = status {
                    rejected
                        .borrow_mut()
                        .push((reference.to_string(), message.to_string()));
                }
                Ok(())
            });
            let mut remote = self
                .repository()
                .remote_anonymous(url)
                .map_err(|e| transport_error(url, "connecting to", 0, e))?;
            let refspecs: Vec<String> = leases
                .iter()
                .map(|l| format!("+{}:{}", l.local, l.remote))
                .collect();
            let mut options = PushOptions::new();
            options.remote_callbacks(callbacks);
            let result = remote.push(&refspecs, Some(&mut options));
            if let Some(e) = moved.borrow_mut().take() {
                return Err(e);
            }
            result.map_err(|e| transport_error(url, "pushing to", attempts.get(), e))?;
        }
        if let Some((reference, message)) = rejected.into_inner().into_iter().next() {
            return Err(GitError::PushRejected { reference, message });
        }
        for lease in leases {
            if let Some(oid) = self.ref_target(&lease.local)? {
                outcome.updated.push((lease.remote.clone(), oid));
            }
        }
        Ok(outcome)
    }
}

/// A folder name for a remote's cache: readable, and unique per URL (without credentials).
fn cache_folder_name(url: &str) -> String {
    let clean = redact_url(url);
    let readable: String = clean
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("repo")
        .trim_end_matches(".git")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    let digest = Md5::digest(clean.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{readable}-{hex}.git")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redact_url("https://x-access-token:s3cret@github.com/acme/dbt.git"),
            "https://github.com/acme/dbt.git"
        );
        assert_eq!(redact_url("file:///tmp/r.git"), "file:///tmp/r.git");
        assert_eq!(
            redact_text("failed to fetch 'https://u:p@h/x.git': 401"),
            "failed to fetch 'https://h/x.git': 401"
        );
        let cache = cache_folder_name("https://u:tok@example.com/acme/analytics.git");
        assert!(
            cache.starts_with("analytics-") && !cache.contains("tok"),
            "{cache}"
        );
        assert_eq!(
            cache,
            cache_folder_name("https://example.com/acme/analytics.git")
        );
    }

    #[test]
    fn debug_output_hides_the_token() {
        let c = Credentials::Token {
            username: "x".into(),
            token: "s3cret".into(),
        };
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
