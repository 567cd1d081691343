//! `interop conformance` end to end: the built-in reference, an adapter in Python that drives
//! this very binary, and an adapter that does not speak the protocol.

use std::path::Path;
use std::process::{Command, Output};

fn conformance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .arg("conformance")
        .args(args)
        .env("INTEROP_BIN", env!("CARGO_BIN_EXE_interop"))
        .output()
        .expect("running interop conformance")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_reference_passes_and_the_report_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("out");
    let out = conformance(&[
        "--only",
        "sync-twice",
        "--no-dbt",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("| bi.sync-twice-changes-nothing | bi | reference | pass |"),
        "{stdout}"
    );
    assert!(
        stdout.contains("## Summary\n\n- BI reference 1/1\n"),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).ends_with("BI reference 1/1\n"),
        "{}",
        text(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["schema"], "interop.conformance-report/v1");
    assert_eq!(json["scenarios"][0]["outcome"], "passed");
    assert!(report.join("report.md").exists());
    let junit = std::fs::read_to_string(report.join("junit.xml")).unwrap();
    assert!(
        junit
            .contains(r#"<testcase classname="bi.reference" name="bi.sync-twice-changes-nothing""#),
        "{junit}"
    );
}

#[test]
fn the_report_as_json_on_stdout() {
    let out = conformance(&["--only", "sync-twice", "--no-dbt", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("only JSON");
    assert_eq!(json["schema"], "interop.conformance-report/v1");
    assert_eq!(json["scenarios"][0]["id"], "bi.sync-twice-changes-nothing");
    assert_eq!(json["scenarios"][0]["outcome"], "passed");
}

#[test]
fn a_python_adapter_driving_the_cli_passes_every_scenario() {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/adapters/cli_adapter.py");
    let command = format!("python3 {}", script.display());
    let out = conformance(&["--adapter", &command, "--no-dbt"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert!(!stdout.contains("skipped"), "{stdout}");
}

#[test]
fn an_adapter_that_does_not_speak_the_protocol_fails_with_exit_1() {
    let out = conformance(&[
        "--adapter",
        "while read line; do echo hello there; done",
        "--category",
        "catalog",
        "--level",
        "reference",
        "--no-dbt",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("the adapter's answer to `hello` is not a protocol response"),
        "{stdout}"
    );
    assert!(stdout.contains("Catalog reference 0/"), "{stdout}");
}

#[test]
fn one_category_of_the_sdk_runs_alone_with_its_summary_line() {
    let out = conformance(&["--category", "reverse_etl", "--no-dbt"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("| reverse_etl.boundary-holds | reverse_etl | reference | pass |"));
    assert!(!stdout.contains("| bi."), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.trim_end().ends_with("Reverse ETL reference 2/2"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_category_is_bad_input() {
    let out = conformance(&["--category", "crm"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("unknown category 'crm' (bi, catalog, observability, elt, orchestration, reverse_etl, notebook, ml, product_analytics, any)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unknown_level_is_bad_input() {
    let out = conformance(&["--level", "gold"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("unknown level 'gold'"));
}
