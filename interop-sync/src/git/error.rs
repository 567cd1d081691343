//! What can go wrong in the git store. Messages never contain credentials: URLs are redacted
//! before they reach an error.

/// An error of the git store.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// A ref moved between the read and the update: another sync (or a person) got there first.
    /// Nothing was changed; read again and retry.
    #[error(
        "repo moved: {reference} is at {actual} but this sync read it at {expected}; read again and retry"
    )]
    RepoMoved {
        /// The ref.
        reference: String,
        /// Where the sync found it (`none` when it did not exist).
        expected: String,
        /// Where it is now (`none` when it is gone).
        actual: String,
    },
    /// The remote refused a pushed ref.
    #[error("push rejected: {reference}: {message}")]
    PushRejected {
        /// The ref the remote refused.
        reference: String,
        /// The remote's reason.
        message: String,
    },
    /// The remote refused the credentials (or asked for some and none were given).
    #[error("authentication failed for {url}: {message}")]
    Auth {
        /// The remote, without credentials.
        url: String,
        /// What the transport said.
        message: String,
    },
    /// A revision that does not name a commit.
    #[error("'{0}' does not name a commit")]
    UnknownRevision(String),
    /// A ref name or branch the store refuses to write (the main branch, a name outside the
    /// vendor's namespace, a malformed name).
    #[error("refusing to write {reference}: {reason}")]
    RefusedRef {
        /// The ref.
        reference: String,
        /// Why.
        reason: String,
    },
    /// A path from the plan that cannot be written into a tree.
    #[error("invalid path in the plan: {0}")]
    InvalidPath(String),
    /// A step failed on purpose (fault-injection hook) or a hook refused to go on.
    #[error("stopped at {step}: {message}")]
    Stopped {
        /// The step.
        step: String,
        /// Why.
        message: String,
    },
    /// A file system error (cache folder, repository folder).
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Any other libgit2 error, with what was being done.
    #[error("{context}: {message}")]
    Git {
        /// What was being done.
        context: String,
        /// libgit2's message (credentials redacted).
        message: String,
        /// libgit2's error code.
        code: git2::ErrorCode,
    },
}

impl GitError {
    /// Wraps a libgit2 error with what was being done.
    pub(crate) fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> GitError {
        let context = context.into();
        move |e| GitError::Git {
            context,
            message: super::remote::redact_text(e.message()),
            code: e.code(),
        }
    }

    /// Whether retrying the whole sync after reading again can succeed.
    pub fn is_repo_moved(&self) -> bool {
        matches!(self, GitError::RepoMoved { .. })
    }
}
