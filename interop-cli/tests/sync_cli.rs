//! `interop plan|apply|pull|status|resolve` end to end on a git copy of the shop project:
//! exit codes (0 ok, 1 pending with --check, 2 conflicts, 3 bad input), JSON output, the sync
//! record, and the customer's checkout left alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn interop(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("running interop")
}

/// Command output with the commit ids (which depend on the clock) replaced.
fn stable(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("main@") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let hex = rest.chars().take_while(char::is_ascii_hexdigit).count();
        out.push_str(if hex > 0 { "[commit]" } else { "" });
        rest = &rest[hex..];
    }
    out.push_str(rest);
    out
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "c")
        .env("GIT_AUTHOR_EMAIL", "c@example.com")
        .env("GIT_COMMITTER_NAME", "c")
        .env("GIT_COMMITTER_EMAIL", "c@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8(out.stdout).unwrap()
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

fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let shop = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../interop-sync/tests/fixtures/projects/shop");
    copy_dir(&shop, &tmp.path().join("repo"));
    let repo = tmp.path().join("repo");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "shop"]);
    write_state(tmp.path(), "Revenue divided by orders.");
    tmp
}

fn write_state(dir: &Path, description: &str) {
    std::fs::write(
        dir.join("state.yml"),
        format!(
            "objects:\n  - id: bi-42\n    kind: metric\n    name: revenue_per_order\n    value:\n      label: Revenue per order\n      description: {description}\n      type: derived\n      expr: revenue / nullif(order_count, 0)\n      input_metrics:\n        - name: revenue\n        - name: order_count\n"
        ),
    )
    .unwrap();
}

const SESSION: &[&str] = &["--repo", "repo", "--vendor", "acme-bi"];

fn args<'a>(cmd: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![cmd];
    v.extend_from_slice(SESSION);
    v.extend_from_slice(extra);
    v
}

#[test]
fn plan_apply_status_and_a_second_apply_that_writes_nothing() {
    let tmp = setup();
    let dir = tmp.path();
    let out = interop(dir, &args("plan", &["--state", "state.yml", "--check"]));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("+ metric.shop.revenue_per_order"),
        "{stdout}"
    );
    insta::assert_snapshot!("plan_of_a_new_metric", stable(&stdout));
    assert!(stdout.contains("+  - name: revenue_per_order"), "{stdout}");

    let out = interop(
        dir,
        &args(
            "apply",
            &["--state", "state.yml", "--record", "record.json"],
        ),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("record.json")).unwrap()).unwrap();
    assert_eq!(record["schema"], "interop.sync-record/v1");
    assert_eq!(record["created_commit"], true);
    assert_eq!(
        record["changes"][0]["resource"],
        "metric.shop.revenue_per_order"
    );
    let commit = record["commit"].as_str().unwrap().to_string();
    assert_eq!(
        git(&dir.join("repo"), &["rev-parse", "interop/acme-bi"]).trim(),
        commit
    );
    assert_eq!(git(&dir.join("repo"), &["status", "--porcelain"]), "");

    let out = interop(dir, &args("apply", &["--state", "state.yml", "--json"]));
    assert_eq!(out.status.code(), Some(0));
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["created_commit"], false);
    assert_eq!(again["commit"].as_str(), Some(commit.as_str()));

    let out = interop(dir, &args("status", &["--json"]));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["proposed"], 1);
}

#[test]
fn conflicts_exit_2_and_resolve_settles_them() {
    let tmp = setup();
    let dir = tmp.path();
    let repo = dir.join("repo");
    interop(dir, &args("apply", &["--state", "state.yml"]));
    git(
        &repo,
        &["merge", "-q", "--no-ff", "-m", "merge", "interop/acme-bi"],
    );
    interop(dir, &args("apply", &["--state", "state.yml"]));
    let file = repo.join("models/marts/_metrics.yml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("Revenue divided by orders.", "Net revenue per order."),
    )
    .unwrap();
    git(&repo, &["commit", "-qam", "customer edit"]);

    let out = interop(dir, &args("pull", &["--json"]));
    let pulled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mine: Vec<_> = pulled
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "bi-42")
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["fields"][0], "description");

    write_state(dir, "Gross revenue per order.");
    let out = interop(dir, &args("plan", &["--state", "state.yml"]));
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("vendor: \"Gross revenue per order.\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("repo:   \"Net revenue per order.\""),
        "{stdout}"
    );
    insta::assert_snapshot!("plan_with_a_conflict", stable(&stdout));

    let out = interop(
        dir,
        &args("resolve", &["bi-42", "description", "vendor", "--json"]),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resolved: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        resolved,
        serde_json::json!({"id": "bi-42", "field": "description", "choice": "vendor"})
    );
    let out = interop(dir, &args("plan", &["--state", "state.yml"]));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("+    description: Gross revenue per order.")
    );
}

#[test]
fn a_bad_state_file_or_scope_violation_exits_3() {
    let tmp = setup();
    let dir = tmp.path();
    std::fs::write(dir.join("bad.yml"), "objects: []\nunknown_key: 1\n").unwrap();
    let out = interop(dir, &args("plan", &["--state", "bad.yml"]));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("bad.yml:2:1: unknown_key: unknown key 'unknown_key'")
    );
    std::fs::write(dir.join("broken.yml"), "objects:\n  - id: x\n    kind: [\n").unwrap();
    let out = interop(dir, &args("plan", &["--state", "broken.yml"]));
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.yml:"));
    std::fs::write(
        dir.join("sql.yml"),
        "objects:\n  - id: c1\n    kind: model\n    name: orders\n    value: {sql: select 1}\n",
    )
    .unwrap();
    let out = interop(
        dir,
        &[
            "plan",
            "--repo",
            "repo",
            "--vendor",
            "cat",
            "--category",
            "catalog",
            "--state",
            "sql.yml",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside this session's scope"));
}

#[test]
fn the_demo_runs_the_whole_story() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["demo", dir.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Both vendors committed, the conflict was shown with both sides and resolved, and the
    // last syncs did nothing.
    assert!(stdout.contains("on interop/acme-bi and pushed"), "{stdout}");
    assert!(
        stdout.contains("on interop/watchtower and pushed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("vendor: \"Average number of orders per customer.\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("repo:   \"Orders per ordering customer, refunds included.\""),
        "{stdout}"
    );
    // The vendors' own objects took the customer's edits: the rename, the threshold.
    assert!(
        stdout.contains("~ acme-bi bi-101: name = \"average_order_revenue\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("~ watchtower wt-1: warn_after = {\"count\":24,\"period\":\"hour\"}"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pull request: acme-bi: 2 added resources"),
        "{stdout}"
    );
    // dbt builds the repo the demo leaves, when the oracle is installed.
    if PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../.venv-oracle/bin/dbt")
        .exists()
    {
        assert!(
            stdout.contains("dbt parse + build: dbt-check: OK parse and build"),
            "{stdout}"
        );
    }
    let last = stdout.split("== 8.").nth(1).unwrap();
    assert_eq!(
        last.matches("nothing to do: no commit, no push").count(),
        2,
        "{last}"
    );
    // The customer's checkout is clean and main has everything.
    let status = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(dir.join("analytics"))
        .output()
        .unwrap();
    assert!(status.stdout.is_empty());
}

#[test]
fn the_demo_tells_the_same_story_as_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["demo", dir.to_str().unwrap(), "--json"])
        .env("INTEROP_ORACLE_VENV", tmp.path().join("no-oracle"))
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["schema"], "interop.demo/v1");
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 10, "{doc:#}");
    let events = |step: usize, kind: &str| -> Vec<serde_json::Value> {
        steps[step - 1]["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == kind)
            .map(|e| e["data"].clone())
            .collect()
    };
    // Both vendors committed and pushed.
    for step in [2, 3] {
        let sync = &events(step, "sync")[0];
        assert_eq!(sync["created_commit"], true, "{sync:#}");
        assert_eq!(sync["pushed"], true, "{sync:#}");
    }
    // The pull shows the conflict with both sides, and the BI tool's metric was renamed.
    let plan = &events(6, "plan")[0];
    let conflict = &plan["conflicts"][0];
    assert_eq!(conflict["id"], "bi-102");
    assert_eq!(conflict["vendor"], "Average number of orders per customer.");
    assert_eq!(
        conflict["repo"],
        "Orders per ordering customer, refunds included."
    );
    let objects = &events(6, "vendor_objects")[0]["objects"];
    assert_eq!(objects["metrics"][0]["name"], "average_order_revenue");
    assert_eq!(events(7, "resolved")[0]["choice"], "vendor");
    // The last syncs wrote nothing; without the oracle the verdict says how to get it.
    for sync in events(8, "sync") {
        assert_eq!(sync["created_commit"], false, "{sync:#}");
    }
    let verdict = &events(9, "verdict")[0];
    assert_eq!(verdict["ran"], false);
    assert!(verdict["text"].as_str().unwrap().contains("install.sh"));
}

#[test]
fn monitors_and_annotations_in_a_state_file_are_mapped() {
    let tmp = setup();
    let dir = tmp.path();
    std::fs::write(
        dir.join("monitors.yml"),
        "monitors:\n  - id: wt-1\n    target: {kind: model, name: stg_shop_db__customers}\n    column: first_name\n    check: not_null\n    severity: warn\n  - id: wt-2\n    target: {kind: source, source: shop_db, name: customers}\n    check: freshness\n    warn_after: {count: 3, period: hour}\n",
    )
    .unwrap();
    let out = interop(
        dir,
        &[
            "apply",
            "--repo",
            "repo",
            "--vendor",
            "watchtower",
            "--category",
            "observability",
            "--state",
            "monitors.yml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let models = git(
        &dir.join("repo"),
        &[
            "show",
            "interop/watchtower:models/staging/shop_db/_shop_db__models.yml",
        ],
    );
    assert!(models.contains("severity: warn"), "{models}");

    std::fs::write(
        dir.join("annotations.yml"),
        "annotations:\n  - target: {kind: model, name: order_items}\n    owner: {name: \"@merchandising\"}\n    terms: [Order line]\n",
    )
    .unwrap();
    let out = interop(
        dir,
        &[
            "plan",
            "--repo",
            "repo",
            "--vendor",
            "atlas",
            "--category",
            "catalog",
            "--state",
            "annotations.yml",
            "--json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["changes"][0]["resource"], "model.shop.order_items");
    assert_eq!(plan["conflicts"], serde_json::json!([]));
}

/// A BI tool's state file: a semantic model, simple and ratio metrics, a saved query, a
/// dashboard and a transform.
const BI_STATE: &str = r#"semantic_models:
  - id: lk-view-payments
    name: payments
    model: stg_stripe__payments
    agg_time_dimension: created_at
    entities:
      - {id: lk-payment, name: payment, type: primary, expr: payment_id}
    dimensions:
      - {id: lk-method, name: payment_method, type: categorical, label: Payment method}
      - {id: lk-pay-status, name: payment_status, type: categorical, expr: status}
      - {id: lk-pay-created, name: created_at, type: time, granularity: day}
metrics:
  - id: lk-m-1
    name: charge_attempts
    label: Charge attempts
    type: simple
    semantic_model: payments
    agg: count
    expr: payment_id
  - id: lk-m-2
    name: failed_charges
    label: Failed charges
    filter: "{{ Dimension('payment__payment_status') }} = 'failed'"
    type: simple
    semantic_model: payments
    agg: count
    expr: payment_id
  - id: lk-m-3
    name: charge_failure_rate
    label: Charge failure rate
    type: ratio
    numerator: {name: failed_charges}
    denominator: {name: charge_attempts}
saved_queries:
  - id: lk-q-1
    name: charges_by_method
    label: Charges by method
    metrics: [charge_attempts, charge_failure_rate]
    group_by: ["Dimension('payment__payment_method')"]
dashboards:
  - id: lk-d-1
    name: payments_health
    label: Payments health
    maturity: high
    owner: {name: Payments team, email: payments@shop.example}
    depends_on:
      - {type: metric, name: charge_failure_rate}
      - {type: model, name: stg_stripe__payments}
transforms:
  - id: lk-pdt-1
    name: daily_charge_attempts
    folder: marts/bi
    owner: "@payments-analytics"
    description: Charges per day.
    sql: |
      select
          cast(created_at as date) as charge_date,
          count(*) as charge_attempts
      from {{ ref('stg_stripe__payments') }}
      group by 1
"#;

#[test]
fn a_bi_state_file_is_synced_and_read_back_with_the_customers_edit() {
    let tmp = setup();
    let dir = tmp.path();
    let repo = dir.join("repo");
    std::fs::write(dir.join("bi.yml"), BI_STATE).unwrap();
    let looker = |cmd: &'static str, extra: &[&'static str]| {
        let mut v = vec![cmd, "--repo", "repo", "--vendor", "looker"];
        v.extend_from_slice(extra);
        interop(dir, &v)
    };
    let out = looker("apply", &["--state", "bi.yml", "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut resources: Vec<&str> = record["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource"].as_str().unwrap())
        .collect();
    resources.sort();
    for expected in [
        "exposure.shop.payments_health",
        "metric.shop.charge_attempts",
        "metric.shop.charge_failure_rate",
        "metric.shop.failed_charges",
        "model.shop.daily_charge_attempts",
        "saved_query.shop.charges_by_method",
    ] {
        assert!(resources.contains(&expected), "{expected} in {resources:?}");
    }
    let sql = git(
        &repo,
        &[
            "show",
            "interop/looker:models/marts/bi/daily_charge_attempts.sql",
        ],
    );
    assert!(sql.contains("ref('stg_stripe__payments')"), "{sql}");

    // The customer merges the sync branch; syncing the same file again proposes nothing.
    git(
        &repo,
        &["merge", "-q", "--no-ff", "-m", "bi", "interop/looker"],
    );
    let out = looker("plan", &["--state", "bi.yml", "--check", "--json"]);
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{again:#}");

    // Read back before the customer edits anything: the objects as sent, through the mapping
    // both ways.
    let out = looker("pull", &["--state", "bi.yml", "--out", "sent.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // (The repo's own semantic layer arrives too, under the ids the SDK suggests.)
    let sent = vendor_objects(&std::fs::read(dir.join("sent.json")).unwrap());
    let count = |key: &str| sent[key].as_array().map_or(0, Vec::len);
    assert_eq!(
        [
            count("semantic_models"),
            count("metrics"),
            count("saved_queries"),
            count("dashboards"),
            count("transforms")
        ],
        [1, 3, 1, 1, 1],
        "{sent:#}"
    );
    assert_eq!(sent["metrics"][0]["label"], "Charge attempts");
    assert_eq!(
        sent["metrics"][1]["filter"],
        "{{ Dimension('payment__payment_status') }} = 'failed'"
    );

    // The customer renames a metric's label on main.
    let grep = git(&repo, &["grep", "-l", "label: Charge attempts"]);
    let file = grep.lines().next().expect("the metric's file");
    let path = repo.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("label: Charge attempts", "label: Payment attempts"),
    )
    .unwrap();
    git(&repo, &["commit", "-qam", "relabel"]);

    let out = looker("pull", &["--state", "bi.yml", "--out", "back.json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("~ lk-m-1 (metric.shop.charge_attempts): label"),
        "{stdout}"
    );
    let back = vendor_objects(&std::fs::read(dir.join("back.json")).unwrap());
    let mut expected = sent.clone();
    expected["metrics"][0]["label"] = "Payment attempts".into();
    assert_eq!(back, expected);

    // Read back as the tool's own file, it syncs as a no-op.
    let out = looker("plan", &["--state", "back.json", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A state file's BI objects that carry the tool's own ids (`lk-…`).
fn vendor_objects(json: &[u8]) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_slice(json).unwrap();
    for list in value.as_object_mut().unwrap().values_mut() {
        list.as_array_mut()
            .unwrap()
            .retain(|o| o["id"].as_str().is_some_and(|id| id.starts_with("lk-")));
    }
    value
}

/// Writes `text` to the state file `state` and checks that `interop plan` of it exits 3
/// (`vendor`: the vendor's name and any flags after it); gives its stderr.
fn plan_refuses(dir: &Path, state: &str, text: &str, vendor: &[&str]) -> String {
    std::fs::write(dir.join(state), text).unwrap();
    let mut args = vec!["plan", "--repo", "repo", "--vendor"];
    args.extend_from_slice(vendor);
    args.extend(["--state", state]);
    let out = interop(dir, &args);
    assert_eq!(out.status.code(), Some(3));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_bi_object_is_located_in_the_state_file() {
    let tmp = setup();
    let dir = tmp.path();
    let broken = BI_STATE.replace(
        "    agg: count\n    expr: payment_id\n  - id: lk-m-2",
        "    expr: payment_id\n  - id: lk-m-2",
    );
    let stderr = plan_refuses(dir, "bi.yml", &broken, &["looker"]);
    assert!(
        stderr.contains("bi.yml:13:5: metrics[0]: missing field `agg`"),
        "{stderr}"
    );

    let dangling = BI_STATE.replace(
        "semantic_model: payments\n    agg: count\n    expr: payment_id\n  - id: lk-m-2",
        "semantic_model: charges\n    agg: count\n    expr: payment_id\n  - id: lk-m-2",
    );
    let stderr = plan_refuses(dir, "bi.yml", &dangling, &["looker"]);
    assert!(stderr.contains("bi.yml: lk-m-1:"), "{stderr}");
    assert!(stderr.contains("charges"), "{stderr}");

    // A key the object does not have is named, never dropped in silence.
    let misspelled = BI_STATE.replace(
        "    agg: count\n    expr: payment_id\n  - id: lk-m-2",
        "    agg: count\n    expr: payment_id\n    fill_null_with: 0\n  - id: lk-m-2",
    );
    let stderr = plan_refuses(dir, "bi.yml", &misspelled, &["looker"]);
    assert!(
        stderr.contains("bi.yml:13:5: metrics[0]: unknown field `fill_null_with`"),
        "{stderr}"
    );
    let selection = "jobs:\n  - id: job-1\n    name: nightly\n    select: {method: path, value: models, parent: true}\n";
    let stderr = plan_refuses(
        dir,
        "jobs.yml",
        selection,
        &["dagster", "--category", "orchestration"],
    );
    assert!(
        stderr.contains("jobs.yml:2:5: jobs[0]: unknown field `parent`, expected one of"),
        "{stderr}"
    );
}

#[test]
fn jobs_syncs_publications_feature_sets_and_streams_in_a_state_file_are_mapped() {
    let tmp = setup();
    let dir = tmp.path();
    let cases: [(&str, &str, &str, &str, &str); 5] = [
        (
            "orchestration",
            "dagster",
            "jobs:\n  - id: job-1\n    name: nightly_marts\n    schedule: \"0 5 * * *\"\n    select: {method: path, value: models/marts}\n",
            "selectors.yml",
            "Schedule: 0 5 * * * (cron)",
        ),
        (
            "reverse_etl",
            "census",
            "syncs:\n  - id: s-1\n    name: salesforce_contacts\n    model: dim_customers\n    destination: salesforce.Contact\n    owner: {name: Growth Engineering}\n",
            "models/marts/_exposures.yml",
            "destination: salesforce.Contact",
        ),
        (
            "notebook",
            "hex",
            "publications:\n  - id: nb-1\n    name: order_statuses\n    cells:\n      - name: statuses\n        sql: select status, count(*) as order_count from analytics.orders group by status\n",
            "analyses/order_statuses.sql",
            "from {{ ref('orders') }}",
        ),
        (
            "ml",
            "tecton",
            "feature_sets:\n  - id: fs-1\n    name: customer_features\n    entity: customer\n    key: customer_id\n    model: orders\n    features:\n      - {name: first_ordered_at, expr: min(ordered_at)}\n    metrics: [order_count]\n",
            "models/ml/customer_features.sql",
            "count(order_id) as order_count",
        ),
        (
            "product_analytics",
            "amplitude",
            "streams:\n  - id: st-1\n    name: order_activities\n    model: orders\n    activity_id: order_id\n    ts: ordered_at\n    customer: customer_id\n    activity: \"'placed_order'\"\n",
            "models/activities/order_activities.sql",
            "'placed_order' as activity",
        ),
    ];
    for (category, vendor, state, file, expected) in cases {
        let name = format!("{category}.yml");
        std::fs::write(dir.join(&name), state).unwrap();
        let out = interop(
            dir,
            &[
                "apply",
                "--repo",
                "repo",
                "--vendor",
                vendor,
                "--category",
                category,
                "--state",
                &name,
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{category}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = git(
            &dir.join("repo"),
            &["show", &format!("interop/{vendor}:{file}")],
        );
        assert!(text.contains(expected), "{category}: {text}");
    }
    // A job whose selection is not one: the error names the file, line, column and key.
    std::fs::write(
        dir.join("bad_jobs.yml"),
        "jobs:\n  - id: job-1\n    name: nightly\n    select: [path, models]\n",
    )
    .unwrap();
    let out = interop(
        dir,
        &[
            "plan",
            "--repo",
            "repo",
            "--vendor",
            "dagster",
            "--category",
            "orchestration",
            "--state",
            "bad_jobs.yml",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad_jobs.yml:2:5: jobs[0]:"), "{err}");
}

#[test]
fn a_second_sync_before_the_merge_keeps_its_new_metrics_apart_from_the_repos() {
    let tmp = setup();
    let dir = tmp.path();
    std::fs::write(dir.join("bi.yml"), BI_STATE).unwrap();
    let looker = |cmd: &'static str, extra: &[&'static str]| {
        let mut v = vec![cmd, "--repo", "repo", "--vendor", "looker"];
        v.extend_from_slice(extra);
        interop(dir, &v)
    };
    let first: serde_json::Value =
        serde_json::from_slice(&looker("apply", &["--state", "bi.yml", "--json"]).stdout).unwrap();
    assert_eq!(first["created_commit"], true);
    // Nobody merged: the metrics proposed are not in main, and no metric of main (the shop's
    // `sessions` looks much like `charge_attempts`) is taken for a customer's rename of them.
    let out = looker("apply", &["--state", "bi.yml", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["created_commit"], false, "{again:#}");
    assert_eq!(again["commit"], first["commit"]);
    let mine: Vec<&serde_json::Value> = again["vendor_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|id| id.starts_with("lk-")))
        .collect();
    assert!(mine.is_empty(), "{mine:#?}");
}

#[test]
fn connectors_and_transforms_in_a_state_file_are_mapped() {
    let tmp = setup();
    let dir = tmp.path();
    std::fs::write(
        dir.join("elt.yml"),
        "elt:\n  dialect: duckdb\n  connectors:\n    - id: c-hub\n      name: hubspot\n      database: raw\n      schema: hubspot_crm\n      loader: fivetran\n      tables:\n        - name: companies\n          primary_key: id\n          columns:\n            - {name: id, data_type: bigint}\n            - {name: name, data_type: varchar}\n  transforms:\n    - id: t-1\n      name: elt_company_names\n      sql: \"select id, name from raw.hubspot_crm.companies\\n\"\n    - id: t-2\n      name: elt_leads\n      sql: \"select * from raw.salesforce.leads\\n\"\n",
    )
    .unwrap();
    let out = interop(
        dir,
        &[
            "apply",
            "--repo",
            "repo",
            "--vendor",
            "loader",
            "--category",
            "elt",
            "--state",
            "elt.yml",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("elt: t-2: the table raw.salesforce.leads is neither a source table nor a model of the repo"),
        "{stderr}"
    );
    let sources = git(
        &dir.join("repo"),
        &[
            "show",
            "interop/loader:models/staging/hubspot/_hubspot__sources.yml",
        ],
    );
    assert!(sources.contains("schema: hubspot_crm"), "{sources}");
    let model = git(
        &dir.join("repo"),
        &["show", "interop/loader:models/elt/elt_company_names.sql"],
    );
    assert!(
        model.contains("select * from {{ source('hubspot', 'companies') }}"),
        "{model}"
    );
}

#[test]
fn a_bad_elt_state_file_names_the_place() {
    let tmp = setup();
    let dir = tmp.path();
    std::fs::write(
        dir.join("elt.yml"),
        "elt:\n  connectors:\n    - id: c-hub\n      name: hubspot\n      tabels: []\n",
    )
    .unwrap();
    let out = interop(
        dir,
        &[
            "plan",
            "--repo",
            "repo",
            "--vendor",
            "loader",
            "--category",
            "elt",
            "--state",
            "elt.yml",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("elt.yml:2:3: elt: "), "{stderr}");
    assert!(stderr.contains("tabels"), "{stderr}");
}
