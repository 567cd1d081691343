//! Invariants of sync sessions under random edit sequences on both sides (proptest): every
//! change from either side ends up in the repo or in a reported conflict, nothing is silently
//! lost, over two metrics (one the vendor created, one adopted from the repo); a second sync changes nothing; a vendor that applies `pull()` and syncs again has
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

/// The metrics both sides edit: one the vendor creates, one the repo already has.
const METRICS: [(&str, &str); 2] = [("m1", "revenue_per_order"), ("m2", "revenue_per_customer")];

#[derive(Debug, Clone)]
enum Step {
    Vendor(usize, usize, usize),
    Customer(usize, usize, usize),
    Sync,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..2usize, 0..3usize, 1..4usize).prop_map(|(r, f, n)| Step::Vendor(r, f, n)),
        (0..2usize, 0..3usize, 4..7usize).prop_map(|(r, f, n)| Step::Customer(r, f, n)),
        Just(Step::Sync),
    ]
}

struct World {
    _tmp: tempfile::TempDir,
    repo: PathBuf,
    session: SyncSession,
    vendor: [serde_json::Map<String, Value>; 2],
}

impl World {
    fn new() -> World {
        let tmp = common::repo();
        let repo = tmp.path().to_path_buf();
        let session = SyncSession::open(&repo, SessionOptions::new("acme", Scope::bi())).unwrap();
        let created = json!({
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
        // The second metric is adopted from the repo, as `pull` offers it.
        let adopted = session
            .pull()
            .unwrap()
            .into_iter()
            .find_map(|c| match c {
                VendorChange::Created {
                    unique_id, state, ..
                } if unique_id == "metric.shop.revenue_per_customer" => {
                    state.value.as_object().cloned()
                }
                _ => None,
            })
            .expect("the repo's metric");
        let mut world = World {
            _tmp: tmp,
            repo,
            session,
            vendor: [created, adopted],
        };
        world.sync_and_merge();
        world
    }

    fn desired(&self) -> Vec<Desired> {
        METRICS
            .iter()
            .zip(&self.vendor)
            .map(|((id, name), value)| Desired {
                id: (*id).into(),
                state: ResourceState {
                    kind: ResourceKind::Metric,
                    name: (*name).into(),
                    value: Value::Object(value.clone()),
                    file: Some("models/marts/_metrics.yml".into()),
                },
            })
            .collect()
    }

    /// Takes vendor changes as a vendor does (vendor changes keep the vendor's own value on
    /// fields in conflict).
    fn take(&mut self, changes: &[VendorChange]) {
        for change in changes {
            if let VendorChange::Updated { id, state, .. } = change
                && let Some(r) = METRICS.iter().position(|(m, _)| m == id)
            {
                for (k, v) in state.value.as_object().unwrap() {
                    self.vendor[r].insert(k.clone(), v.clone());
                }
            }
        }
    }

    /// Syncs and merges the PR; the vendor takes the plan's vendor changes. Returns the
    /// conflicts as (metric index, field path).
    fn sync_and_merge(&mut self) -> Vec<(usize, String)> {
        let plan = self.session.plan(&self.desired()).unwrap();
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        let conflicts: Vec<(usize, String)> = plan
            .conflicts
            .iter()
            .map(|c| {
                let r = METRICS.iter().position(|(m, _)| *m == c.id).unwrap();
                (r, c.conflict.path.to_string())
            })
            .collect();
        let changes = plan.vendor_changes.clone();
        let record = self.session.apply(plan, false).unwrap();
        self.take(&changes);
        if record.commit.is_some() {
            git(
                &self.repo,
                &["merge", "-q", "--no-ff", "-m", "merge", "interop/acme"],
            );
        }
        conflicts
    }

    fn customer_edit(&self, r: usize, field: usize, text: &str) {
        let source = FolderSource::new(&self.repo);
        let project = Reader::default().read(&source).unwrap();
        let ops = [ResourceOp::Set {
            resource: format!("metric.shop.{}", METRICS[r].1),
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

    fn repo_value(&self, r: usize, field: usize) -> Value {
        let project = Reader::default()
            .read(&FolderSource::new(&self.repo))
            .unwrap();
        let metric = project
            .get(&format!("metric.shop.{}", METRICS[r].1))
            .expect("the metric");
        metric.properties.get(FIELDS[field]).unwrap_or(Value::Null)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_silently_lost(steps in prop::collection::vec(step(), 1..8)) {
        let mut world = World::new();
        // The last value each side set per metric and field since the last sync.
        let mut vendor_set: [[Option<String>; 3]; 2] = Default::default();
        let mut customer_set: [[Option<String>; 3]; 2] = Default::default();
        let mut steps = steps;
        steps.push(Step::Sync);
        for step in steps {
            match step {
                Step::Vendor(r, f, n) => {
                    let v = value_of(f, n);
                    world.vendor[r].insert(FIELDS[f].into(), json!(v));
                    vendor_set[r][f] = Some(v);
                }
                Step::Customer(r, f, n) => {
                    let v = value_of(f, n);
                    world.customer_edit(r, f, &v);
                    customer_set[r][f] = Some(v);
                }
                Step::Sync => {
                    let conflicts = world.sync_and_merge();
                    for r in 0..2 {
                        for f in 0..3 {
                            let now = world.repo_value(r, f);
                            let conflicted = conflicts.contains(&(r, FIELDS[f].to_string()));
                            match (&vendor_set[r][f], &customer_set[r][f]) {
                                (Some(v), Some(c)) if v != c => prop_assert!(
                                    conflicted || now == json!(v) || now == json!(c),
                                    "{}.{}: vendor {v:?}, customer {c:?}, repo {now}", METRICS[r].1, FIELDS[f]
                                ),
                                (Some(v), _) => prop_assert_eq!(&now, &json!(v), "{}.{}: the vendor's change", METRICS[r].1, FIELDS[f]),
                                (None, Some(c)) => prop_assert_eq!(&now, &json!(c), "{}.{}: the customer's change", METRICS[r].1, FIELDS[f]),
                                (None, None) => {}
                            }
                            // A field in conflict stays as the repo had it.
                            if conflicted {
                                prop_assert_eq!(&now, &json!(customer_set[r][f].clone().unwrap()));
                            } else {
                                // Conflicts carry on until resolved; forget what was settled.
                                vendor_set[r][f] = None;
                                customer_set[r][f] = None;
                            }
                        }
                    }
                }
            }
        }
        // A second sync changes nothing.
        let plan = world.session.plan(&world.desired()).unwrap();
        prop_assert!(plan.is_noop(), "{:?}", plan.changes);
        // The vendor applies what the repo changed and syncs: nothing left to do on the repo
        // side, and nothing new for the vendor.
        let pulled = world.session.pull().unwrap();
        let conflicted: Vec<String> = plan.conflicts.iter().map(|c| c.conflict.path.to_string()).collect();
        let mine: Vec<VendorChange> = pulled
            .into_iter()
            .filter(|c| !matches!(c, VendorChange::Created { .. }))
            .filter(|c| !matches!(c, VendorChange::Updated { fields, .. } if fields.iter().all(|f| conflicted.contains(f))))
            .collect();
        world.take(&mine);
        let plan = world.session.plan(&world.desired()).unwrap();
        prop_assert!(plan.is_noop(), "{:?}", plan.changes);
        prop_assert!(plan.vendor_changes.is_empty(), "{:?}", plan.vendor_changes);
    }
}
