//! Credentials never leave the place they were given: a token (from the environment, or written
//! into the remote URL) appears in no output (text or `--json`), no error, no sync record, no
//! commit, no base, no file of the local cache, and no line of the git server's log.

#[allow(dead_code)]
#[path = "../../interop-sync/tests/common/http_git.rs"]
mod http_git;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use http_git::HttpGitServer;

const TOKEN: &str = "tok-5e3c9a-never-print-me";
const USER: &str = "interop-bot";

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Customer")
        .env("GIT_AUTHOR_EMAIL", "ae@customer.test")
        .env("GIT_COMMITTER_NAME", "Customer")
        .env("GIT_COMMITTER_EMAIL", "ae@customer.test")
        .output()
        .unwrap()
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A shop repository served over smart HTTP behind basic auth, and a state file that adds a
/// metric (so an apply commits, stores a base and pushes).
struct Remote {
    dir: tempfile::TempDir,
    server: HttpGitServer,
}

impl Remote {
    fn start() -> Remote {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        let shop = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../interop-sync/tests/fixtures/projects/shop");
        copy_dir(&shop, &work);
        git_ok(&work, &["init", "-q", "-b", "main"]);
        git_ok(&work, &["add", "-A"]);
        git_ok(&work, &["commit", "-qm", "shop"]);
        let served = dir.path().join("served");
        std::fs::create_dir_all(&served).unwrap();
        git_ok(&served, &["init", "-q", "--bare", "-b", "main", "shop.git"]);
        let bare = served.join("shop.git");
        git_ok(&work, &["push", "-q", bare.to_str().unwrap(), "main"]);
        std::fs::write(
            dir.path().join("state.yml"),
            "objects:\n  - id: bi-42\n    kind: metric\n    name: revenue_per_order\n    value:\n      label: Revenue per order\n      description: Revenue divided by orders.\n      type: derived\n      expr: revenue / nullif(order_count, 0)\n      input_metrics:\n        - name: revenue\n        - name: order_count\n",
        )
        .unwrap();
        let server = HttpGitServer::start(&served, USER, TOKEN);
        Remote { dir, server }
    }

    fn url(&self) -> String {
        self.server.url("shop.git")
    }

    fn bare(&self) -> PathBuf {
        self.dir.path().join("served/shop.git")
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Runs `interop` with `GIT_TOKEN` set to `token`; returns exit code and all it printed.
    fn interop(&self, token: &str, args: &[&str]) -> (Option<i32>, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_interop"))
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("GIT_TOKEN", token)
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), printed)
    }

    fn session(&self, repo: &str, cmd: &str, extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = [cmd, "--repo", repo, "--vendor", "acme-bi"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(["--cache".to_string(), self.cache().display().to_string()]);
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }
}

fn run(remote: &Remote, token: &str, args: &[String]) -> (Option<i32>, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    remote.interop(token, &args)
}

/// Every file below `dir` whose bytes hold `secret` (object files are compressed; they are
/// searched through git by [`assert_not_in_history`]).
fn files_holding(dir: &Path, secret: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.to_string_lossy().contains(secret) {
                found.push(path.clone());
            }
            if path.is_dir() {
                pending.push(path);
            } else if std::fs::read(&path)
                .unwrap()
                .windows(secret.len())
                .any(|w| w == secret.as_bytes())
            {
                found.push(path);
            }
        }
    }
    found
}

/// No commit message, author, tree or blob reachable from any ref of `git_dir` holds `secret`.
fn assert_not_in_history(git_dir: &Path, secret: &str) {
    let log = git_ok(
        git_dir,
        &["log", "--all", "--format=%H %an %ae %cn %ce%n%B"],
    );
    assert!(!log.contains(secret), "{}: {log}", git_dir.display());
    let revs = git_ok(git_dir, &["rev-list", "--all"]);
    let revs: Vec<&str> = revs.lines().collect();
    assert!(!revs.is_empty());
    let mut args = vec!["grep", "-I", "-F", "-e", secret];
    args.extend(revs);
    let out = git(git_dir, &args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "found in history: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn cached_repos(cache: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(cache)
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn a_token_from_the_environment_is_nowhere_after_a_sync() {
    let remote = Remote::start();
    let url = remote.url();
    let auth = ["--token-env", "GIT_TOKEN", "--token-user", USER];
    let mut printed = String::new();
    let apply = [
        &auth[..],
        &[
            "--state",
            "state.yml",
            "--push",
            "--json",
            "--record",
            "record.json",
        ],
    ]
    .concat();
    let (code, out) = run(&remote, TOKEN, &remote.session(&url, "apply", &apply));
    assert_eq!(code, Some(0), "{out}");
    printed.push_str(&out);
    for (cmd, extra) in [
        ("plan", &["--state", "state.yml", "--json"][..]),
        ("plan", &["--state", "state.yml"][..]),
        ("pull", &["--json"][..]),
        ("status", &["--json"][..]),
        ("resolve", &["bi-42", "description", "repo"][..]),
    ] {
        let (code, out) = run(
            &remote,
            TOKEN,
            &remote.session(&url, cmd, &[&auth[..], extra].concat()),
        );
        assert!(matches!(code, Some(0..=2)), "{cmd}: {out}");
        printed.push_str(&out);
    }
    assert!(printed.contains("revenue_per_order"), "{printed}");
    assert!(!printed.contains(TOKEN), "{printed}");
    let record = std::fs::read_to_string(remote.dir.path().join("record.json")).unwrap();
    assert!(record.contains("\"pushed\": true"), "{record}");
    assert!(!record.contains(TOKEN));

    // The pushed branch and base, in the remote and in the cache: no trace of the token.
    assert!(git_ok(&remote.bare(), &["for-each-ref"]).contains("refs/interop/acme-bi/base"));
    assert_not_in_history(&remote.bare(), TOKEN);
    let cached = cached_repos(&remote.cache());
    assert_eq!(cached.len(), 1);
    assert_not_in_history(&cached[0], TOKEN);
    assert_eq!(files_holding(&remote.cache(), TOKEN), Vec::<PathBuf>::new());
    for line in remote.server.log() {
        assert!(!line.contains(TOKEN), "{line}");
    }
}

#[test]
fn a_wrong_token_is_a_clear_error_that_does_not_repeat_it() {
    let remote = Remote::start();
    let wrong = "wrong-5f0d1c-also-secret";
    let args = remote.session(
        &remote.url(),
        "plan",
        &["--token-env", "GIT_TOKEN", "--state", "state.yml", "--json"],
    );
    let (code, out) = run(&remote, wrong, &args);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("interop: "), "{out}");
    assert!(out.to_lowercase().contains("auth"), "{out}");
    assert!(!out.contains(wrong), "{out}");
    assert_eq!(files_holding(&remote.cache(), wrong), Vec::<PathBuf>::new());
    for line in remote.server.log() {
        assert!(!line.contains(wrong), "{line}");
    }
}

#[test]
fn a_token_written_into_the_url_is_never_repeated() {
    let remote = Remote::start();
    let url = remote
        .url()
        .replacen("http://", &format!("http://{USER}:{TOKEN}@"), 1);
    let args = remote.session(
        &url,
        "apply",
        &[
            "--state",
            "state.yml",
            "--push",
            "--json",
            "--record",
            "record.json",
        ],
    );
    let (code, out) = run(&remote, "", &args);
    // Whether the remote takes credentials from the URL or not, they are never printed or kept.
    assert!(matches!(code, Some(0 | 3)), "{out}");
    assert!(!out.contains(TOKEN), "{out}");
    if let Ok(record) = std::fs::read_to_string(remote.dir.path().join("record.json")) {
        assert!(!record.contains(TOKEN));
    }
    assert_eq!(files_holding(&remote.cache(), TOKEN), Vec::<PathBuf>::new());
    for repo in cached_repos(&remote.cache()) {
        if git(&repo, &["rev-list", "--all"]).stdout.is_empty() {
            continue;
        }
        assert_not_in_history(&repo, TOKEN);
    }
    for line in remote.server.log() {
        assert!(!line.contains(TOKEN), "{line}");
    }
}
