//! Shared helpers for the integration tests: fixture discovery, the dbt oracle, git copies.
#![allow(dead_code)]

pub mod http_git;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixture project folders under `tests/fixtures/projects/`.
pub fn fixture_projects() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("dbt_project.yml").is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// `../shared`, beside the repository (or `$INTEROP_SHARED`).
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("INTEROP_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The oracle venv, when installed. With `INTEROP_REQUIRE_ORACLE=1` (set by `scripts/test`) a
/// missing oracle fails the test instead of skipping the dbt comparison.
pub fn oracle_venv() -> Option<PathBuf> {
    let venv = match std::env::var_os("INTEROP_ORACLE_VENV") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-oracle"),
    };
    if venv.join("bin/dbt").is_file() {
        return Some(venv);
    }
    assert!(
        std::env::var_os("INTEROP_REQUIRE_ORACLE").is_none(),
        "the oracle venv is required but missing at {}",
        venv.display()
    );
    eprintln!("oracle venv not installed: skipping the comparison with dbt");
    None
}

/// Runs `dbt-check.sh --manifest` on `dir` and returns the manifest; panics with dbt's output if
/// dbt finds an error, warning or deprecation.
pub fn dbt_manifest(dir: &Path) -> Option<serde_json::Value> {
    let venv = oracle_venv()?;
    let out_dir = tempfile::tempdir().unwrap();
    let manifest = out_dir.path().join("manifest.json");
    let output = Command::new("bash")
        .arg(shared_dir().join("oracle/dbt-check.sh"))
        .arg("--manifest")
        .arg(&manifest)
        .arg(dir)
        .env("INTEROP_ORACLE_VENV", &venv)
        .output()
        .expect("running dbt-check.sh");
    assert!(
        output.status.success(),
        "dbt-check failed on {}:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&manifest).unwrap();
    Some(serde_json::from_str(&text).unwrap())
}

/// A git repository in a temp folder holding a copy of `dir` as its one commit.
pub fn git_copy(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(dir, tmp.path());
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(tmp.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["-c", "core.autocrlf=false", "add", "-A"]);
    git(&["commit", "-q", "-m", "fixture"]);
    tmp
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

/// Runs an oracle script (`dbt-check.sh`, `sql-style.sh`) with arguments; panics with its output
/// when it fails. `None` when the oracle is not installed (and not required).
pub fn oracle(script: &str, args: &[&std::ffi::OsStr]) -> Option<String> {
    let venv = oracle_venv()?;
    let output = Command::new("bash")
        .arg(shared_dir().join("oracle").join(script))
        .args(args)
        .env("INTEROP_ORACLE_VENV", &venv)
        .output()
        .expect("running the oracle");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script} failed:\n{text}");
    Some(text)
}
