//! The whole suite against Interop's reference integration (in process) and against the
//! example stdio adapter (a separate process speaking the protocol): both must pass. Adapters
//! that misbehave on purpose must fail the scenarios they break, saying why.

use std::collections::BTreeMap;

use interop_conformance::adapter::{Adapter, AdapterError, AdapterFactory};
use interop_conformance::protocol::{Op, Request, Response};
use interop_conformance::reference::{ReferenceAdapter, ReferenceFactory};
use interop_conformance::{
    Filter, Outcome, Report, RunOptions, StdioFactory, default_scenarios, run, run_with, scenario,
};
use serde_json::{Value, json};

fn scenarios() -> Vec<interop_conformance::Scenario> {
    scenario::load_dir(&default_scenarios()).expect("the shipped scenarios load")
}

/// `CONFORMANCE_ONLY=rename,jinja` narrows a run while working on scenarios.
fn filter() -> Filter {
    Filter {
        ids: std::env::var("CONFORMANCE_ONLY")
            .map(|s| s.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        ..Filter::default()
    }
}

fn assert_all_pass(report: &Report) {
    println!("{}", report.table());
    assert!(!report.scenarios.is_empty());
    assert!(report.passed(), "{}", report.table());
    assert!(
        report
            .scenarios
            .iter()
            .all(|s| s.outcome == Outcome::Passed),
        "every category the scenarios use is implemented:\n{}",
        report.table()
    );
}

/// Without dbt: the reference run judges the same trees with dbt when the oracle is there.
fn reader_only() -> RunOptions {
    RunOptions {
        oracle: None,
        ..RunOptions::default()
    }
}

#[test]
fn the_reference_integration_passes_every_scenario() {
    // dbt parses every proposed tree and every merged main when the oracle is installed; with
    // `INTEROP_REQUIRE_ORACLE` (set by `scripts/test`) it must be.
    let report = run(&scenarios(), &ReferenceFactory, &filter());
    assert!(
        report.dbt_checked || std::env::var_os("INTEROP_REQUIRE_ORACLE").is_none(),
        "INTEROP_REQUIRE_ORACLE is set but the oracle was not found (INTEROP_SHARED, \
         INTEROP_ORACLE_VENV)"
    );
    assert_all_pass(&report);
}

#[test]
fn the_example_stdio_adapter_passes_every_scenario() {
    let factory = StdioFactory {
        command: env!("CARGO_BIN_EXE_interop-example-adapter").to_string(),
    };
    let report = run_with(&scenarios(), &factory, &filter(), &reader_only());
    assert!(report.adapter.contains("interop-example-adapter"));
    assert_all_pass(&report);
}

/// Wraps the reference integration and changes what goes through it.
struct Broken<F: Fn(&mut Request, &mut BTreeMap<String, Vec<Value>>)> {
    inner: ReferenceAdapter,
    tamper: F,
    memory: BTreeMap<String, Vec<Value>>,
}

impl<F: Fn(&mut Request, &mut BTreeMap<String, Vec<Value>>)> Adapter for Broken<F> {
    fn call(&mut self, request: &Request) -> Result<Response, AdapterError> {
        let mut request = request.clone();
        (self.tamper)(&mut request, &mut self.memory);
        if let Op::List { vendor } = &request.op
            && let Some(objects) = self.memory.get(vendor)
        {
            return Ok(Response::ok(request.seq, json!({"objects": objects})));
        }
        self.inner.call(&request)
    }
}

struct BrokenFactory<F: Fn(&mut Request, &mut BTreeMap<String, Vec<Value>>) + Clone>(
    &'static str,
    F,
);

impl<F: Fn(&mut Request, &mut BTreeMap<String, Vec<Value>>) + Clone + 'static> AdapterFactory
    for BrokenFactory<F>
{
    fn start(&self) -> Result<Box<dyn Adapter>, AdapterError> {
        Ok(Box::new(Broken {
            inner: ReferenceAdapter::default(),
            tamper: self.1.clone(),
            memory: BTreeMap::new(),
        }))
    }

    fn describe(&self) -> String {
        self.0.into()
    }
}

fn failure_of<'a>(report: &'a Report, id: &str) -> &'a str {
    let s = report
        .scenarios
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("{id} ran"));
    assert_eq!(s.outcome, Outcome::Failed, "{}", report.table());
    s.why.as_deref().unwrap_or_default()
}

#[test]
fn an_adapter_that_drops_descriptions_fails_with_the_field_named() {
    let factory = BrokenFactory("drops descriptions", |request: &mut Request, _: &mut _| {
        if let Op::Put { objects, .. } = &mut request.op {
            for o in objects {
                if let Some(v) = o.get_mut("value").and_then(Value::as_object_mut) {
                    v.shift_remove("description");
                }
            }
        }
    });
    let only = Filter {
        ids: vec!["concurrent-edits".into(), "jinja".into()],
        ..Filter::default()
    };
    let report = run_with(&scenarios(), &factory, &only, &reader_only());
    assert!(!report.passed());
    let why = failure_of(&report, "bi.concurrent-edits-conflict");
    assert!(
        why.contains("step 2 (sync): expected models/marts/_metrics.yml on interop/vendor to contain \"description: Revenue divided by the number of orders.\""),
        "{why}"
    );
    let why = failure_of(&report, "bi.vendor-jinja-escaped");
    assert!(why.contains("{% raw %}"), "{why}");
    assert!(report.table().contains("**FAIL**"));
}

/// Remembers what was put, so that `list` answers with the objects as the tool was given
/// them: the repo's changes never reach the tool.
fn remember_puts(request: &mut Request, memory: &mut BTreeMap<String, Vec<Value>>) {
    if let Op::Put { vendor, objects } = &request.op {
        let kept = memory.entry(vendor.clone()).or_default();
        for o in objects {
            kept.retain(|k| k["id"] != o["id"]);
            kept.push(o.clone());
        }
    }
}

#[test]
fn an_adapter_that_ignores_repo_edits_fails_the_rename_scenario() {
    // The customer's rename never reaches the tool.
    let factory = BrokenFactory("ignores repo edits", remember_puts);
    let only = Filter {
        ids: vec!["customer-rename".into()],
        ..Filter::default()
    };
    let report = run_with(&scenarios(), &factory, &only, &reader_only());
    let why = failure_of(&report, "bi.customer-rename-keeps-identity");
    assert!(
        why.contains(
            r#"expected vendor's objects to include {"id":"bi-1","name":"average_order_revenue"}"#
        ),
        "{why}"
    );
}

#[test]
fn an_adapter_that_ignores_repo_edits_fails_every_two_way_scenario_of_the_sdk_categories() {
    let factory = BrokenFactory("ignores repo edits", remember_puts);
    let two_way = [
        "observability.docs-two-way",
        "elt.transforms-two-way-as-models",
        "elt.connectors-as-sources",
        "orchestration.jobs-as-selectors-two-way",
        "orchestration.transforms-two-way",
        "reverse_etl.syncs-as-exposures",
        "notebook.published-queries-as-analyses-two-way",
        "ml.feature-sets-and-predictions-two-way",
        "product_analytics.activity-schema-and-metrics",
    ];
    let only = Filter {
        ids: two_way.map(String::from).to_vec(),
        ..Filter::default()
    };
    let report = run_with(&scenarios(), &factory, &only, &reader_only());
    assert_eq!(report.scenarios.len(), two_way.len(), "{}", report.table());
    for id in two_way {
        let why = failure_of(&report, id);
        assert!(
            why.contains("(pull): expected vendor's objects to include"),
            "{id}: {why}"
        );
    }
}

#[test]
fn an_adapter_that_dies_is_reported_with_its_stderr() {
    let factory = StdioFactory {
        command: "read line; echo 'integration crashed: no licence key' >&2; exit 7".into(),
    };
    let only = Filter {
        ids: vec!["sync-twice".into()],
        ..Filter::default()
    };
    let report = run_with(&scenarios(), &factory, &only, &reader_only());
    assert!(!report.passed());
    let why = report.scenarios[0].why.clone().unwrap_or_default();
    assert!(
        why.contains("the adapter stopped answering during `hello`"),
        "{why}"
    );
    assert!(why.contains("no licence key"), "{why}");
}

/// Runs `git` in `dir`, as the adapter's own tooling would.
fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Broken Adapter")
        .env("GIT_AUTHOR_EMAIL", "broken@example.com")
        .env("GIT_COMMITTER_NAME", "Broken Adapter")
        .env("GIT_COMMITTER_EMAIL", "broken@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The reference integration, whose sync branch is then amended by `amend` (given the
/// checkout and the files the sync changed) and force-pushed: what an integration that
/// post-processes its own output does.
struct Amending {
    inner: ReferenceAdapter,
    repos: BTreeMap<String, String>,
    amend: fn(&std::path::Path, &[String]),
}

impl Adapter for Amending {
    fn call(&mut self, request: &Request) -> Result<Response, AdapterError> {
        if let Op::Open { vendor, repo, .. } = &request.op {
            self.repos.insert(vendor.clone(), repo.clone());
        }
        let mut response = self.inner.call(request)?;
        if let (Op::Sync { vendor }, Some(result)) = (&request.op, response.result.as_mut())
            && result["created_commit"] == json!(true)
        {
            let branch = result["branch"].as_str().unwrap().to_string();
            let work = tempfile::tempdir().unwrap();
            let dir = work.path();
            git(dir, &["clone", "-q", &self.repos[vendor], "."]);
            git(dir, &["checkout", "-q", &branch]);
            let changed: Vec<String> = git(dir, &["diff", "--name-only", "HEAD~1", "HEAD"])
                .lines()
                .map(str::to_string)
                .collect();
            (self.amend)(dir, &changed);
            git(dir, &["commit", "-qa", "--amend", "--no-edit"]);
            git(dir, &["push", "-qf", "origin", &branch]);
            result["commit"] = json!(git(dir, &["rev-parse", "HEAD"]).trim());
        }
        Ok(response)
    }
}

struct AmendingFactory(&'static str, fn(&std::path::Path, &[String]));

impl AdapterFactory for AmendingFactory {
    fn start(&self) -> Result<Box<dyn Adapter>, AdapterError> {
        Ok(Box::new(Amending {
            inner: ReferenceAdapter::default(),
            repos: BTreeMap::new(),
            amend: self.1,
        }))
    }

    fn describe(&self) -> String {
        self.0.into()
    }
}

#[test]
fn an_adapter_that_rewrites_whole_files_fails_on_the_bytes_it_did_not_mean_to_change() {
    // It writes each YAML file it touches out again in its own style, as a YAML library's dump
    // would: everything under a top-level key indented two more spaces, no comments.
    let factory = AmendingFactory("rewrites whole files", |dir, changed| {
        for file in changed.iter().filter(|f| f.ends_with(".yml")) {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let rewritten: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .map(|l| {
                    if l.starts_with(' ') {
                        format!("  {l}\n")
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect();
            std::fs::write(dir.join(file), rewritten).unwrap();
        }
    });
    let only = Filter {
        ids: vec!["sync-twice".into(), "metric-objects-two-way".into()],
        ..Filter::default()
    };
    let report = run_with(&scenarios(), &factory, &only, &reader_only());
    assert!(!report.passed());
    for id in ["bi.sync-twice-changes-nothing", "bi.metric-objects-two-way"] {
        let why = failure_of(&report, id);
        assert!(
            why.contains("step 2 (sync): vendor rewrote the bytes of ")
                && why.contains("although it did not change it"),
            "{id}: {why}"
        );
    }
    // Every failure of the step is in the report, the dropped comments too.
    let metrics = report
        .scenarios
        .iter()
        .find(|s| s.id == "bi.metric-objects-two-way")
        .unwrap();
    let failures: Vec<&String> = metrics.steps.iter().flat_map(|s| &s.failures).collect();
    assert!(
        failures
            .iter()
            .any(|f| f.starts_with("vendor dropped the comment \"#")),
        "{failures:?}"
    );
}

#[test]
fn an_adapter_that_writes_outside_its_scope_fails_the_boundary() {
    // A catalog that also "tidies" the SQL of the model it documents.
    let factory = AmendingFactory("writes outside its scope", |dir, _| {
        let sql = dir.join("models/marts/finance/order_items.sql");
        let text = std::fs::read_to_string(&sql).unwrap();
        std::fs::write(&sql, text.replace("select", "SELECT")).unwrap();
    });
    let only = Filter {
        ids: vec!["catalog.annotation-objects-two-way".into()],
        ..Filter::default()
    };
    let report = run_with(&scenarios(), &factory, &only, &reader_only());
    let why = failure_of(&report, "catalog.annotation-objects-two-way");
    assert!(
        why.contains(
            "step 2 (sync): vendor changed the SQL of model.shop.order_items, outside its category's boundary"
        ),
        "{why}"
    );
}

#[test]
fn a_reverse_etl_adapter_that_writes_a_model_fails_the_boundary() {
    // A reverse-ETL tool that also materialises what it sends as a model of its own.
    let factory = AmendingFactory("reverse ETL writing a model", |dir, _| {
        let file = "models/marts/hubspot_deals_export.sql";
        std::fs::write(
            dir.join(file),
            "select order_id, order_total from {{ ref('orders') }}\n",
        )
        .unwrap();
        git(dir, &["add", file]);
    });
    let only = Filter {
        ids: vec!["reverse_etl.boundary-holds".into()],
        ..Filter::default()
    };
    let report = run_with(&scenarios(), &factory, &only, &reader_only());
    let why = failure_of(&report, "reverse_etl.boundary-holds");
    assert!(
        why.contains(
            "step 11 (sync): vendor created model.shop.hubspot_deals_export, a model its category may not create"
        ),
        "{why}"
    );
}

#[test]
fn an_adapter_that_duplicates_on_rename_fails_the_rename_scenario() {
    // When the repo renames an object, it keeps the old one and adds the renamed resource as
    // a new object: the next sync writes the old name back next to the new one.
    #[derive(Default)]
    struct Duplicating {
        inner: ReferenceAdapter,
    }
    impl Adapter for Duplicating {
        fn call(&mut self, request: &Request) -> Result<Response, AdapterError> {
            let Op::Pull { vendor } = &request.op else {
                return self.inner.call(request);
            };
            let list = Request {
                seq: request.seq,
                op: Op::List {
                    vendor: vendor.clone(),
                },
            };
            let before = self.inner.call(&list)?.result.unwrap()["objects"].clone();
            let response = self.inner.call(request)?;
            let mut objects = Vec::new();
            for change in response.result.as_ref().unwrap()["changes"]
                .as_array()
                .unwrap()
            {
                let old = before
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o["id"] == change["id"]);
                if change["change"] == "updated"
                    && let Some(old) = old
                    && old["name"] != change["state"]["name"]
                {
                    objects.push(old.clone());
                    let mut new = change["state"].clone();
                    new["id"] = change["unique_id"].clone();
                    objects.push(new);
                }
            }
            if !objects.is_empty() {
                self.inner.call(&Request {
                    seq: request.seq,
                    op: Op::Put {
                        vendor: vendor.clone(),
                        objects,
                    },
                })?;
            }
            Ok(response)
        }
    }
    struct DuplicatingFactory;
    impl AdapterFactory for DuplicatingFactory {
        fn start(&self) -> Result<Box<dyn Adapter>, AdapterError> {
            Ok(Box::new(Duplicating::default()))
        }
        fn describe(&self) -> String {
            "duplicates on rename".into()
        }
    }
    let only = Filter {
        ids: vec!["customer-rename".into()],
        ..Filter::default()
    };
    let report = run_with(&scenarios(), &DuplicatingFactory, &only, &reader_only());
    let why = failure_of(&report, "bi.customer-rename-keeps-identity");
    assert!(
        why.contains(
            r#"expected vendor's objects to include {"id":"bi-1","name":"average_order_revenue"}"#
        ),
        "{why}"
    );
    assert!(
        why.contains(r#"expected no vendor's objects like {"name":"revenue_per_order"}"#)
            || why.contains("revenue_per_order"),
        "{why}"
    );
}
