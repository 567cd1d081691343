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
    // dbt parses every proposed tree and every merged main when the oracle is installed.
    assert_all_pass(&run(&scenarios(), &ReferenceFactory, &filter()));
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

#[test]
fn an_adapter_that_ignores_repo_edits_fails_the_rename_scenario() {
    // It answers `list` with the objects as it was given them: the customer's rename never
    // reaches the tool.
    let factory = BrokenFactory(
        "ignores repo edits",
        |request: &mut Request, memory: &mut BTreeMap<String, Vec<Value>>| {
            if let Op::Put { vendor, objects } = &request.op {
                let kept = memory.entry(vendor.clone()).or_default();
                for o in objects {
                    kept.retain(|k| k["id"] != o["id"]);
                    kept.push(o.clone());
                }
            }
        },
    );
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
