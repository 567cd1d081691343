//! `protocol.schema.json` against real transcripts: every line the runner wrote to the example
//! stdio adapter and every line it answered (captured on the wire with `tee`), and every
//! message exchanged with the in-process reference integration, validate against the schema;
//! each result validates against the result schema of its op. The transcripts cover every op,
//! success and error answers, and every object form. The schema also rejects malformed lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use interop_conformance::adapter::{Adapter, AdapterError, AdapterFactory};
use interop_conformance::protocol::{Request, Response};
use interop_conformance::reference::ReferenceAdapter;
use interop_conformance::{
    Filter, RunOptions, StdioFactory, default_scenarios, run_with, scenario,
};
use serde_json::{Value, json};

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("protocol.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A validator for the whole schema (`None`) or for one of its definitions.
fn validator(definition: Option<&str>) -> jsonschema::Validator {
    let mut schema = schema();
    if let Some(name) = definition {
        let root = schema.as_object_mut().unwrap();
        root.shift_remove("oneOf");
        root.insert("$ref".into(), json!(format!("#/$defs/{name}")));
    }
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// The scenarios that between them use every op, both object forms, conflicts and errors.
fn covering() -> Filter {
    Filter {
        ids: [
            "objects-two-way",
            "concurrent-edits",
            "boundary-holds",
            "customer-rename",
            "vendor-delete",
            "repo-created-when-missing",
        ]
        .map(String::from)
        .to_vec(),
        ..Filter::default()
    }
}

fn reader_only() -> RunOptions {
    RunOptions {
        oracle: None,
        ..RunOptions::default()
    }
}

/// Checks request/response pairs: each line against the schema and its own definition, each
/// result against its op's result schema. Returns the ops seen and whether an error was seen.
fn check_transcript(pairs: &[(Value, Value)]) -> (BTreeSet<String>, BTreeSet<String>) {
    let line = validator(None);
    let request = validator(Some("request"));
    let response = validator(Some("response"));
    let mut results: BTreeMap<&str, jsonschema::Validator> = BTreeMap::new();
    for (op, def) in [
        ("hello", "result_hello"),
        ("list", "result_list"),
        ("sync", "result_sync"),
        ("pull", "result_pull"),
        ("open", "result_empty"),
        ("put", "result_empty"),
        ("delete", "result_empty"),
        ("resolve", "result_empty"),
        ("shutdown", "result_empty"),
    ] {
        results.insert(op, validator(Some(def)));
    }
    let mut ops = BTreeSet::new();
    let mut error_kinds = BTreeSet::new();
    for (req, resp) in pairs {
        for (what, v, instance) in [
            ("line", &line, req),
            ("request", &request, req),
            ("line", &line, resp),
            ("response", &response, resp),
        ] {
            let found = errors(v, instance);
            assert!(found.is_empty(), "{what} {instance}: {found:?}");
        }
        let op = req["op"].as_str().unwrap();
        ops.insert(op.to_string());
        assert_eq!(req["seq"], resp["seq"]);
        if resp["ok"] == json!(true) {
            let found = errors(&results[op], &resp["result"]);
            assert!(
                found.is_empty(),
                "{op} result {}: {found:?}",
                resp["result"]
            );
        } else {
            error_kinds.insert(resp["error"]["kind"].as_str().unwrap().to_string());
        }
    }
    (ops, error_kinds)
}

fn all_ops() -> BTreeSet<String> {
    [
        "hello", "open", "put", "delete", "list", "sync", "pull", "resolve",
    ]
    .map(String::from)
    .into()
}

#[test]
fn the_example_adapters_wire_transcript_matches_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (ins, outs) = (dir.path().join("in.jsonl"), dir.path().join("out.jsonl"));
    let factory = StdioFactory {
        command: format!(
            "tee -a '{}' | '{}' | tee -a '{}'",
            ins.display(),
            env!("CARGO_BIN_EXE_interop-example-adapter"),
            outs.display()
        ),
    };
    let scenarios = scenario::load_dir(&default_scenarios()).unwrap();
    let report = run_with(&scenarios, &factory, &covering(), &reader_only());
    assert!(report.passed(), "{}", report.table());
    assert!(report.scenarios.len() >= 8, "{}", report.table());

    // The messages as they went by. (A `tee` can lose the line break after the last request of
    // a session when the adapter exits first, so the files are read as a stream of values.)
    let lines = |path: &Path| -> Vec<Value> {
        let text = std::fs::read_to_string(path).unwrap();
        serde_json::Deserializer::from_str(&text)
            .into_iter::<Value>()
            .map(|v| v.unwrap_or_else(|e| panic!("{e} in {}", path.display())))
            .collect()
    };
    let (requests, responses) = (lines(&ins), lines(&outs));
    // Every request is answered, in order (sessions follow each other in the files), except
    // the `shutdown` that ends a session: the runner does not wait for that answer.
    let line = validator(None);
    let mut pairs: Vec<(Value, Value)> = Vec::new();
    let mut answers = responses.into_iter().peekable();
    let mut shutdowns = 0;
    for request in requests {
        if request["op"] == "shutdown" {
            shutdowns += 1;
            assert!(line.is_valid(&request), "{request}");
            if answers.peek().is_some_and(|a| a["seq"] == request["seq"]) {
                answers.next();
            }
            continue;
        }
        let answer = answers
            .next()
            .unwrap_or_else(|| panic!("no answer to {request}"));
        pairs.push((request, answer));
    }
    assert!(answers.next().is_none(), "answers without a request");
    assert!(
        shutdowns >= report.scenarios.len(),
        "one shutdown per session"
    );
    let (ops, error_kinds) = check_transcript(&pairs);
    assert_eq!(ops, all_ops());
    assert!(error_kinds.contains("scope"), "{error_kinds:?}");
    // Both object forms went over the wire.
    let objects: Vec<&Value> = pairs
        .iter()
        .filter(|(r, _)| r["op"] == "put")
        .flat_map(|(r, _)| r["objects"].as_array().unwrap())
        .collect();
    assert!(objects.iter().any(|o| o.get("kind").is_some()));
    for category in [
        "bi",
        "observability",
        "catalog",
        "elt",
        "orchestration",
        "reverse_etl",
        "notebook",
        "ml",
        "product_analytics",
    ] {
        assert!(
            objects.iter().any(|o| o["category"] == category),
            "a {category} object"
        );
    }
}

/// The reference integration, with every exchange written down as it would go on the wire.
struct Recording {
    inner: ReferenceAdapter,
    log: Arc<Mutex<Vec<(Value, Value)>>>,
}

impl Adapter for Recording {
    fn call(&mut self, request: &Request) -> Result<Response, AdapterError> {
        let response = self.inner.call(request)?;
        let wire = |v: String| serde_json::from_str::<Value>(&v).unwrap();
        self.log.lock().unwrap().push((
            wire(serde_json::to_string(request).unwrap()),
            wire(serde_json::to_string(&response).unwrap()),
        ));
        Ok(response)
    }
}

struct RecordingFactory(Arc<Mutex<Vec<(Value, Value)>>>);

impl AdapterFactory for RecordingFactory {
    fn start(&self) -> Result<Box<dyn Adapter>, AdapterError> {
        Ok(Box::new(Recording {
            inner: ReferenceAdapter::default(),
            log: self.0.clone(),
        }))
    }

    fn describe(&self) -> String {
        "reference (recorded)".into()
    }
}

#[test]
fn the_reference_transcript_matches_the_schema() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let scenarios = scenario::load_dir(&default_scenarios()).unwrap();
    let report = run_with(
        &scenarios,
        &RecordingFactory(log.clone()),
        &covering(),
        &reader_only(),
    );
    assert!(report.passed(), "{}", report.table());
    let pairs = log.lock().unwrap().clone();
    let (ops, error_kinds) = check_transcript(&pairs);
    assert!(ops.is_superset(&all_ops()), "{ops:?}");
    assert!(error_kinds.contains("scope"), "{error_kinds:?}");
}

#[test]
fn the_schema_rejects_malformed_lines() {
    let line = validator(None);
    let object = validator(Some("object"));
    for bad in [
        // A request without its vendor.
        json!({"seq": 1, "op": "sync"}),
        // An unknown op.
        json!({"seq": 1, "op": "push", "vendor": "v"}),
        // Success with an error, failure without one.
        json!({"seq": 1, "ok": true, "error": {"kind": "input", "message": "x"}}),
        json!({"seq": 1, "ok": false}),
        // An error kind the protocol does not have.
        json!({"seq": 1, "ok": false, "error": {"kind": "oops", "message": "x"}}),
        // A resolve choice that is neither side.
        json!({"seq": 1, "op": "resolve", "vendor": "v", "id": "a", "field": "b", "choice": "both"}),
    ] {
        assert!(!line.is_valid(&bad), "accepted {bad}");
    }
    for bad in [
        json!({"id": "a", "kind": "metrc", "name": "x"}),
        json!({"id": "a", "category": "bi", "metric": {"name": "m", "type": "simple"}, "dashboard": {}}),
        json!({"id": "a", "category": "bi", "monitor": {"check": "not_null"}}),
        json!({"id": "a", "category": "catalog"}),
        // A job is orchestration's, a transform needs its SQL.
        json!({"id": "a", "category": "elt", "job": {"name": "j", "select": "tag:x"}}),
        json!({"id": "a", "category": "orchestration", "transform": {"name": "t"}}),
    ] {
        assert!(!object.is_valid(&bad), "accepted {bad}");
    }
    assert!(object.is_valid(&json!({
        "id": "m-1", "category": "bi",
        "metric": {"name": "orders", "type": "simple", "semantic_model": "o", "agg": "count"}
    })));
    assert!(object.is_valid(&json!({
        "id": "t-1", "category": "elt",
        "transform": {"name": "order_days", "sql": "select 1 from raw.shop_db.orders"}
    })));
    assert!(object.is_valid(&json!({
        "id": "m-1", "category": "product_analytics",
        "metric": {"name": "placed_orders", "type": "simple", "semantic_model": "a", "agg": "count"}
    })));
}
