//! The README cannot rot: its shell tour runs as written (every line exits as the README says),
//! and every `interop` command line anywhere in it names a real subcommand with real flags.

use std::path::{Path, PathBuf};
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap()
}

/// Fenced blocks: (info string, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut body = String::new();
        for inner in lines.by_ref() {
            if inner.starts_with("```") {
                break;
            }
            body.push_str(inner);
            body.push('\n');
        }
        out.push((info.trim().to_string(), body));
    }
    out
}

fn interop() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_interop"))
}

/// A shell line without its trailing comment, and the exit code the comment promises
/// (`# exits 1`; 0 when it says nothing).
fn command_and_code(line: &str) -> (String, i32) {
    match line.split_once("  #") {
        Some((cmd, comment)) => {
            let code = comment
                .trim()
                .strip_prefix("exits ")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            (cmd.trim().to_string(), code)
        }
        None => (line.trim().to_string(), 0),
    }
}

#[test]
fn the_shell_tour_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let blocks = blocks(&readme());
    let mut ran = 0;
    for (info, body) in &blocks {
        if let Some(file) = info
            .split_whitespace()
            .find_map(|w| w.strip_prefix("tour:"))
        {
            std::fs::write(dir.path().join(file), body).unwrap();
        }
    }
    for (info, body) in blocks.iter().filter(|(i, _)| i == "sh tour") {
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            let (cmd, code) = command_and_code(line);
            let cmd = match cmd.strip_prefix("interop ") {
                Some(rest) => format!("'{}' {rest}", interop().display()),
                None => cmd,
            };
            let out = Command::new("bash")
                .args(["-c", &cmd])
                .current_dir(dir.path())
                .env("NO_COLOR", "1")
                .env("GIT_AUTHOR_NAME", "Dana")
                .env("GIT_AUTHOR_EMAIL", "dana@shop.example.com")
                .env("GIT_COMMITTER_NAME", "Dana")
                .env("GIT_COMMITTER_EMAIL", "dana@shop.example.com")
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(code),
                "README ({info}): {line}\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 8, "the tour has {ran} commands");
    // What the tour promises: the monitor is in the repo, the record was written.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sync.json")).unwrap()).unwrap();
    assert_eq!(record["created_commit"], true);
    assert!(dir.path().join("conformance-report/report.md").is_file());
}

#[test]
fn every_interop_command_in_the_readme_is_real() {
    let mut checked = 0;
    for (info, body) in blocks(&readme()) {
        if !info.starts_with("sh") {
            continue;
        }
        for line in body.lines() {
            let (cmd, _) = command_and_code(line);
            let rest = match (
                cmd.strip_prefix("interop "),
                cmd.split_once("-p interop-cli -- "),
            ) {
                (Some(rest), _) => rest.to_string(),
                (None, Some((_, rest))) => rest.to_string(),
                _ => continue,
            };
            let sub = rest.split_whitespace().next().unwrap().to_string();
            let help = Command::new(interop())
                .args([sub.as_str(), "--help"])
                .output()
                .unwrap();
            assert!(help.status.success(), "README: unknown command in `{cmd}`");
            let help = String::from_utf8_lossy(&help.stdout);
            for flag in rest
                .split_whitespace()
                .filter(|w| w.starts_with("--"))
                .map(|w| w.split('=').next().unwrap())
            {
                assert!(
                    help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                    "README: `interop {sub}` has no {flag} (in `{cmd}`)"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} command lines found");
}
