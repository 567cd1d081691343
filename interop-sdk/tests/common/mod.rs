//! Helpers shared by the SDK's integration tests: a git copy of the shop fixture, git as the
//! customer runs it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shop fixture project.
pub fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop-sync/tests/fixtures/projects/shop")
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
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

/// Runs git in `dir` as the customer; panics on failure; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Customer")
        .env("GIT_AUTHOR_EMAIL", "ae@customer.test")
        .env("GIT_COMMITTER_NAME", "Customer")
        .env("GIT_COMMITTER_EMAIL", "ae@customer.test")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A temp git repo (branch `main`, one commit) holding a copy of the shop fixture.
pub fn repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&shop(), tmp.path());
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-qm", "shop"]);
    tmp
}

/// `../shared`, beside the repository (or `$INTEROP_SHARED`).
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("INTEROP_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The oracle venv beside the repo (or `$INTEROP_ORACLE_VENV`); `None` skips the dbt check
/// unless `INTEROP_REQUIRE_ORACLE` is set.
pub fn oracle_venv() -> Option<PathBuf> {
    let venv = std::env::var_os("INTEROP_ORACLE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-oracle"));
    if venv.join("bin/dbt").exists() {
        return Some(venv);
    }
    assert!(
        std::env::var_os("INTEROP_REQUIRE_ORACLE").is_none(),
        "the oracle venv is required but missing at {}",
        venv.display()
    );
    eprintln!("oracle venv not installed: skipping the check with dbt");
    None
}

/// The tree of `rev` in the git repo at `repo`, written to a new temp folder.
pub fn export(repo: &Path, rev: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "git -C '{}' archive '{rev}' | tar -x -C '{}'",
            repo.display(),
            out.path().display()
        ))
        .status()
        .unwrap();
    assert!(status.success(), "git archive {rev}");
    out
}

/// Runs `dbt-check.sh` with `args` and the project `dir`; panics with dbt's output when it
/// fails; `None` when the oracle is not installed (and not required).
pub fn dbt_check(dir: &Path, args: &[&std::ffi::OsStr]) -> Option<String> {
    let venv = oracle_venv()?;
    let out = Command::new("bash")
        .arg(shared_dir().join("oracle/dbt-check.sh"))
        .args(args)
        .arg(dir)
        .env("INTEROP_ORACLE_VENV", &venv)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "dbt-check failed:\n{text}");
    Some(text)
}

/// Replaces the first `from` in a file of the repo by `to` and commits it as the customer.
pub fn edit_file(dir: &Path, path: &str, from: &str, to: &str) {
    let p = dir.join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{path} has no {from:?}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    git(dir, &["commit", "-qam", &format!("edit {path}")]);
}

/// The customer merges a sync branch into main (a merge commit, as a PR merge does).
pub fn merge(dir: &Path, branch: &str) {
    git(dir, &["merge", "-q", "--no-ff", "-m", "Merge PR", branch]);
}

/// Plans `desired`, expecting no error and no conflict, and applies it without pushing.
pub fn sync_desired(
    session: &interop_sdk::SyncSession,
    desired: &[interop_sdk::Desired],
) -> interop_sdk::SyncRecord {
    let plan = session.plan(desired).unwrap();
    assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
    session.apply(plan, false).unwrap()
}

/// A plan of `desired` writes nothing and has nothing for the vendor.
pub fn assert_at_rest(session: &interop_sdk::SyncSession, desired: &[interop_sdk::Desired]) {
    let plan = session.plan(desired).unwrap();
    assert!(
        plan.is_noop() && plan.vendor_changes.is_empty(),
        "{:#?}\n{:#?}",
        plan.changes,
        plan.vendor_changes
    );
}
