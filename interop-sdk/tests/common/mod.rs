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
