//! The `interop` binary end to end: output, JSON, exit codes, errors on one line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .output()
        .expect("running interop")
}

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop-sync/tests/fixtures/projects/shop")
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn inspect_lists_resources() {
    let out = interop(&["inspect", shop().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("model.shop.orders"));
    assert!(
        stdout.lines().last().unwrap().contains("resources"),
        "{stdout}"
    );
}

#[test]
fn inspect_json_has_the_documented_shape() {
    let out = interop(&["inspect", shop().to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], "interop.inspect/v1");
    assert_eq!(json["project"]["name"], "shop");
    let first = &json["resources"][0];
    for key in [
        "unique_id",
        "kind",
        "name",
        "enabled",
        "file",
        "line",
        "column",
        "yaml_path",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert_eq!(json["errors"], serde_json::json!([]));
}

#[test]
fn inspect_a_git_revision() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&shop(), tmp.path());
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(tmp.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap()
            .success();
        assert!(ok);
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "shop"]);
    let from_folder = interop(&["inspect", tmp.path().to_str().unwrap(), "--json"]);
    let from_git = interop(&[
        "inspect",
        &format!("{}@main", tmp.path().display()),
        "--json",
    ]);
    assert_eq!(
        from_git.status.code(),
        Some(0),
        "{}",
        text(&from_git.stderr)
    );
    let a: serde_json::Value = serde_json::from_slice(&from_folder.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&from_git.stdout).unwrap();
    assert_eq!(a["resources"], b["resources"]);
}

#[test]
fn bad_input_exits_3_with_a_located_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("dbt_project.yml"), "name: acme\n").unwrap();
    std::fs::create_dir_all(tmp.path().join("models")).unwrap();
    std::fs::write(
        tmp.path().join("models/bad.yml"),
        "models:\n  - name: a\n    description: x\n    description: y\n",
    )
    .unwrap();
    let out = interop(&["inspect", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("models/bad.yml:4:5: models[0].description: duplicate key 'description'"),
        "{stderr}"
    );
}

#[test]
fn missing_project_is_one_line() {
    let out = interop(&["inspect", "/nonexistent/project"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("interop: "), "{stderr}");
}

#[test]
fn edit_check_then_apply_then_nothing_left() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&shop(), tmp.path());
    let dir = tmp.path().to_str().unwrap();
    let op = "set metric.shop.revenue label=\"Revenue (EUR)\"";
    let check = interop(&["edit", dir, "--op", op, "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    let diff = text(&check.stdout);
    assert!(
        diff.contains("-        label: Revenue\n+        label: Revenue (EUR)\n"),
        "{diff}"
    );
    let apply = interop(&["edit", dir, "--op", op]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    // The same operation again is a no-op.
    let again = interop(&["edit", dir, "--op", op, "--check"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    assert!(text(&again.stdout).is_empty());
}

#[test]
fn edit_of_unknown_resource_exits_3() {
    let out = interop(&[
        "edit",
        shop().to_str().unwrap(),
        "--op",
        "set model.shop.nope description=x",
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("model.shop.nope: no such resource"));
}

#[test]
fn init_creates_a_project_then_refuses_to_overwrite_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("Acme Analytics");
    let out = interop(&["init", dir.to_str().unwrap(), "--adapter", "snowflake"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Created the dbt project `acme_analytics`"),
        "{stdout}"
    );
    assert!(stdout.contains("  dbt_project.yml\n"), "{stdout}");
    assert!(stdout.contains("on branch main"), "{stdout}");
    assert!(stdout.contains("Next steps:"), "{stdout}");
    assert!(
        stdout.contains("pip install dbt-core dbt-snowflake"),
        "{stdout}"
    );
    let project = std::fs::read_to_string(dir.join("dbt_project.yml")).unwrap();
    assert!(project.contains("\nname: acme_analytics\n"), "{project}");
    let profiles = std::fs::read_to_string(dir.join("profiles.yml.example")).unwrap();
    assert!(profiles.contains("type: snowflake"), "{profiles}");
    assert!(dir.join(".git").is_dir());

    // The project reads cleanly.
    let out = interop(&["inspect", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("model.acme_analytics.metricflow_time_spine"));

    // A second run on the same folder: exit 3, one line naming the folder, nothing changed.
    let before = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let out = interop(&["init", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("interop: "), "{stderr}");
    assert!(stderr.contains("not empty"), "{stderr}");
    assert!(stderr.contains("Acme Analytics"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        before
    );
}

#[test]
fn init_refuses_a_bad_name_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj");
    let out = interop(&[
        "init",
        dir.to_str().unwrap(),
        "--name",
        "My-Project",
        "--no-git",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("'My-Project' is not a valid dbt project name"));
    assert!(!dir.exists());

    let out = interop(&["init", dir.to_str().unwrap(), "--name", "proj", "--no-git"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!dir.join(".git").exists());
    assert!(text(&out.stdout).contains("git init"));
}

#[test]
fn edit_and_init_speak_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    copy_dir(&shop(), &dir);
    let op = "set model.shop.stg_shop_db__orders description=\"One row per order, in JSON.\"";
    let out = interop(&[
        "edit",
        dir.to_str().unwrap(),
        "--op",
        op,
        "--check",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["written"], false);
    let file = &doc["files"][0];
    assert!(file["path"].as_str().unwrap().ends_with(".yml"), "{doc:#}");
    assert!(
        file["after"]
            .as_str()
            .unwrap()
            .contains("One row per order, in JSON.")
    );
    assert!(
        file["diff"]
            .as_str()
            .unwrap()
            .contains("description: One row per order, in JSON."),
        "{doc:#}"
    );
    assert_eq!(doc["errors"], serde_json::json!([]));

    let new = tmp.path().join("fresh");
    let out = interop(&["init", new.to_str().unwrap(), "--name", "fresh", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["name"], "fresh");
    assert_eq!(doc["branch"], "main");
    assert_eq!(doc["commit"].as_str().unwrap().len(), 40);
    let files: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(files.contains(&"dbt_project.yml"), "{files:?}");
    for f in files {
        assert!(new.join(f).is_file(), "{f}");
    }
}
