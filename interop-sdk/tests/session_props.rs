//! Invariants of sync sessions under random edit sequences on both sides (proptest): every
//! change from either side ends up in the repo or in a reported conflict, nothing is silently
//! lost; a second sync changes nothing; a vendor that applies `pull()` and syncs again has
//! nothing left to do.

mod common;

use std::path::PathBuf;

use common::git;

use interop_sdk::sync::edit::plan::{PlanOptions, ResourceOp, apply_plan};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::sync::read::{FolderSource, Reader};
use interop_sdk::{Desired, Scope, SessionOptions, SyncSession, VendorChange};
use proptest::prelude::*;
use serde_json::{Value, json};

const FIELDS: [&str; 3] = ["label", "description", "expr"];
const EXPRS: [&str; 3] = [
    "revenue / nullif(order_count, 0)",
    "revenue / order_count",
    "revenue * 1.0 / nullif(order_count, 0)",
];

fn value_of(field: usize, n: usize) -> String {
    match FIELDS[field] {
        "expr" => EXPRS[n % 3].to_string(),
        f => format!("{f} version {n}"),
    }
}

#[derive(Debug, Clone)]
enum Step {
    Vendor(usize, usize),
    Customer(usize, usize),
    Sync,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..3usize, 1..4usize).prop_map(|(f, n)| Step::Vendor(f, n)),
        (0..3usize, 4..7usize).prop_map(|(f, n)| Step::Customer(f, n)),
        Just(Step::Sync),
    ]
}

struct World {
    _tmp: tempfile::TempDir,
    repo: PathBuf,
    session: SyncSession,
    vendor: serde_json::Map<String, Value>,
}

impl World {
    fn new() -> World {
        let tmp = common::repo();
        let repo = tmp.path().to_path_buf();
        let session = SyncSession::open(&repo, SessionOptions::new("acme", Scope::bi())).unwrap();
        let vendor = json!({
            "name": "revenue_per_order",
            "label": "label version 0",
            "description": "description version 0",
            "type": "derived",
            "expr": EXPRS[0],
            "input_metrics": [{"name": "revenue"}, {"name": "order_count"}]
        })
        .as_object()
        .unwrap()
        .clone();
        let mut world = World {
            _tmp: tmp,
            repo,
            session,
            vendor,
        };
        world.sync_and_merge();
        world
    }

    fn desired(&self) -> Vec<Desired> {
        vec![Desired {
            id: "m1".into(),
            state: ResourceState {
                kind: ResourceKind::Metric,
                name: "revenue_per_order".into(),
                value: Value::Object(self.vendor.clone()),
                file: Some("models/marts/_metrics.yml".into()),
            },
        }]
    }

    /// Syncs and merges the PR; the vendor takes the repo's changes (outside conflicts) as a
    /// vendor does with a plan's vendor changes. Returns the conflicts' field paths.
    fn sync_and_merge(&mut self) -> Vec<String> {
        let plan = self.session.plan(&self.desired()).unwrap();
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        let conflicts: Vec<String> = plan
            .conflicts
            .iter()
            .map(|c| c.conflict.path.to_string())
            .collect();
        for change in &plan.vendor_changes {
            if let VendorChange::Updated { id, state, .. } = change
                && id == "m1"
            {
                for (k, v) in state.value.as_object().unwrap() {
                    if !conflicts.contains(k) {
                        self.vendor.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let record = self.session.apply(plan, false).unwrap();
        if record.commit.is_some() {
            git(
                &self.repo,
                &["merge", "-q", "--no-ff", "-m", "merge", "interop/acme"],
            );
        }
        conflicts
    }

    fn customer_edit(&self, field: usize, text: &str) {
        let source = FolderSource::new(&self.repo);
        let project = Reader::default().read(&source).unwrap();
        let ops = [ResourceOp::Set {
            resource: "metric.shop.revenue_per_order".into(),
            field: FIELDS[field].into(),
            value: json!(text),
        }];
        let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
        assert!(changes.errors.is_empty(), "{:?}", changes.errors);
        for f in &changes.files {
            std::fs::write(self.repo.join(&f.path), &f.after).unwrap();
        }
        if !changes.files.is_empty() {
            git(&self.repo, &["commit", "-qam", "customer edit"]);
        }
    }

    fn repo_value(&self, field: usize) -> Value {
        let project = Reader::default()
            .read(&FolderSource::new(&self.repo))
            .unwrap();
        let metric = project
            .get("metric.shop.revenue_per_order")
            .expect("the metric");
        metric.properties.get(FIELDS[field]).unwrap_or(Value::Null)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_silently_lost(steps in prop::collection::vec(step(), 1..6)) {
        let mut world = World::new();
        // The last value each side set per field since the last sync.
        let mut vendor_set: [Option<String>; 3] = Default::default();
        let mut customer_set: [Option<String>; 3] = Default::default();
        let mut steps = steps;
        steps.push(Step::Sync);
        for step in steps {
            match step {
                Step::Vendor(f, n) => {
                    let v = value_of(f, n);
                    world.vendor.insert(FIELDS[f].into(), json!(v));
                    vendor_set[f] = Some(v);
                }
                Step::Customer(f, n) => {
                    let v = value_of(f, n);
                    world.customer_edit(f, &v);
                    customer_set[f] = Some(v);
                }
                Step::Sync => {
                    let conflicts = world.sync_and_merge();
                    for f in 0..3 {
                        let now = world.repo_value(f);
                        match (&vendor_set[f], &customer_set[f]) {
                            (Some(v), Some(c)) if v != c => prop_assert!(
                                conflicts.contains(&FIELDS[f].to_string()) || now == json!(v) || now == json!(c),
                                "{}: vendor {v:?}, customer {c:?}, repo {now}", FIELDS[f]
                            ),
                            (Some(v), _) => prop_assert_eq!(&now, &json!(v), "{}: the vendor's change", FIELDS[f]),
                            (None, Some(c)) => prop_assert_eq!(&now, &json!(c), "{}: the customer's change", FIELDS[f]),
                            (None, None) => {}
                        }
                        // A field in conflict stays as the repo had it.
                        if conflicts.contains(&FIELDS[f].to_string()) {
                            prop_assert_eq!(&now, &json!(customer_set[f].clone().unwrap()));
                        }
                    }
                    // Conflicts carry on until resolved; forget what was settled.
                    for f in 0..3 {
                        if !conflicts.contains(&FIELDS[f].to_string()) {
                            vendor_set[f] = None;
                            customer_set[f] = None;
                        }
                    }
                }
            }
        }
        // A second sync changes nothing.
        let plan = world.session.plan(&world.desired()).unwrap();
        prop_assert!(plan.is_noop(), "{:?}", plan.changes);
        // The vendor applies what the repo changed (keeping its side of conflicts) and syncs:
        // nothing left to do on the repo side.
        let conflicted: Vec<String> = plan.conflicts.iter().map(|c| c.conflict.path.to_string()).collect();
        for change in world.session.pull().unwrap() {
            if let VendorChange::Updated { id, state, .. } = change && id == "m1" {
                for (k, v) in state.value.as_object().unwrap() {
                    if !conflicted.contains(k) {
                        world.vendor.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let plan = world.session.plan(&world.desired()).unwrap();
        prop_assert!(plan.is_noop(), "{:?}", plan.changes);
        let mine: Vec<_> = plan.vendor_changes.iter().filter(|c| !matches!(c, VendorChange::Updated { fields, .. } if fields.iter().all(|f| conflicted.contains(f)))).collect();
        prop_assert!(mine.is_empty(), "{:?}", mine);
    }
}
