//! The ML mapping on the shop project: a feature set lands as a model aggregating its base
//! model per entity (BI metrics of the repo used as features), a prediction as a flagged model
//! in the middle of the DAG (and as a flag on a customer's model); both read back equal, a
//! customer's edit of a feature arrives, other models' SQL stays out of reach, and a second
//! sync changes nothing.

mod common;

use std::path::Path;

use interop_sdk::bi::{BiObjects, RepoInfo, TransformColumn};
use interop_sdk::mapping::RepoView;
use interop_sdk::ml::{Feature, FeatureSet, MlObjects, Prediction, modelled, repo_metrics};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{Desired, Scope, SessionError, SessionOptions, SyncSession};
use serde_json::json;

use common::{edit_file, git, merge, repo};

const BRANCH: &str = "interop/tecton";

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new("tecton", Scope::ml())).unwrap()
}

fn metrics(session: &SyncSession) -> BiObjects {
    repo_metrics(&RepoInfo::read(session).unwrap())
}

fn objects() -> MlObjects {
    MlObjects {
        feature_sets: vec![FeatureSet {
            id: "fs-customer".into(),
            name: "customer_order_features".into(),
            description: Some("Order history features per customer, for churn and LTV models.".into()),
            entity: "customer".into(),
            key: "customer_id".into(),
            model: "orders".into(),
            features: vec![
                Feature {
                    name: "first_ordered_at".into(),
                    expr: "min(ordered_at)".into(),
                    description: Some("When the customer first ordered.".into()),
                },
                Feature {
                    name: "lifetime_revenue".into(),
                    expr: "sum(order_total)".into(),
                    description: Some("Sum of the customer's order totals.".into()),
                },
                Feature {
                    name: "paid_share".into(),
                    expr: "avg(case when is_fully_paid then 1.0 else 0.0 end)".into(),
                    description: None,
                },
            ],
            metrics: vec!["order_count".into(), "largest_order_amount".into()],
            folder: "ml".into(),
        }],
        predictions: vec![
            Prediction {
                id: "pred-ltv".into(),
                name: "customer_ltv_predictions".into(),
                description: Some("Predicted 12-month revenue per customer.".into()),
                upstream: vec!["customer_order_features".into()],
                columns: vec![
                    TransformColumn {
                        name: "customer_id".into(),
                        description: Some("The customer.".into()),
                    },
                    TransformColumn {
                        name: "predicted_revenue_12m".into(),
                        description: Some("Expected revenue over the next 12 months.".into()),
                    },
                ],
                sql: Some(
                    "with\n\nfeatures as (\n\n    select * from {{ ref('customer_order_features') }}\n\n)\n\nselect\n    customer_id,\n    lifetime_revenue / greatest(order_count, 1) * 4 as predicted_revenue_12m\nfrom features\n"
                        .into(),
                ),
                folder: "ml".into(),
            },
            // The customer's web sessions model, flagged as a scored table.
            Prediction {
                id: "pred-sessions".into(),
                name: "web_sessions".into(),
                description: None,
                upstream: vec![],
                columns: vec![],
                sql: None,
                folder: "ml".into(),
            },
        ],
    }
}

fn sync(session: &SyncSession, objects: &MlObjects) -> interop_sdk::SyncRecord {
    let view = RepoView::read(session).unwrap();
    let desired = objects.to_desired(&view, &metrics(session)).unwrap();
    let plan = session.plan(&desired).unwrap();
    assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
    session.apply(plan, false).unwrap()
}

fn plan_is_noop(session: &SyncSession, objects: &MlObjects) {
    let view = RepoView::read(session).unwrap();
    let desired = objects.to_desired(&view, &metrics(session)).unwrap();
    let plan = session.plan(&desired).unwrap();
    assert!(
        plan.is_noop() && plan.vendor_changes.is_empty(),
        "{:#?}\n{:#?}",
        plan.changes,
        plan.vendor_changes
    );
}

fn read_back(session: &SyncSession) -> MlObjects {
    let (mut back, errors) = modelled(&RepoView::read(session).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    back.predictions.sort_by(|a, b| a.id.cmp(&b.id));
    back
}

#[test]
fn feature_sets_and_predictions_round_trip_and_sync_twice_is_a_noop() {
    let repo = repo();
    let session = session(repo.path());
    let objects = objects();
    assert!(sync(&session, &objects).created_commit);
    let sql = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:models/ml/customer_order_features.sql"),
        ],
    );
    insta::assert_snapshot!("ml_feature_set_sql", sql);
    let entry = git(
        repo.path(),
        &["show", &format!("{BRANCH}:models/ml/_ml__models.yml")],
    );
    assert!(entry.contains("interop_prediction: true"), "{entry}");
    assert!(entry.contains("One row per customer."), "{entry}");
    // The customer's model only gets the flag.
    let marketing = git(
        repo.path(),
        &[
            "diff",
            "main",
            BRANCH,
            "--",
            "models/marts/marketing/_marketing__models.yml",
        ],
    );
    let added: Vec<&str> = marketing
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    // Under its existing `config:`: `meta:` and the flag.
    assert_eq!(added.len(), 2, "{marketing}");
    assert!(added[0].ends_with("meta:"), "{marketing}");
    assert!(
        added[1].ends_with("interop_prediction: true"),
        "{marketing}"
    );
    merge(repo.path(), BRANCH);
    let mut expected = objects.clone();
    expected.predictions.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(read_back(&session), expected);
    plan_is_noop(&session, &objects);
    assert!(!sync(&session, &objects).created_commit);
}

#[test]
fn a_customer_edit_of_a_feature_arrives() {
    let repo = repo();
    let session = session(repo.path());
    let objects = objects();
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    edit_file(
        repo.path(),
        "models/ml/customer_order_features.sql",
        "sum(order_total) as lifetime_revenue",
        "sum(amount_paid) as lifetime_revenue",
    );
    edit_file(
        repo.path(),
        "models/ml/_ml__models.yml",
        "When the customer first ordered.",
        "Timestamp of the customer's first order.",
    );
    let view = RepoView::read(&session).unwrap();
    let (after, errors) = objects
        .apply_changes(&view, &metrics(&session), &session.pull().unwrap())
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let mut expected = objects.clone();
    expected.feature_sets[0].features[1].expr = "sum(amount_paid)".into();
    expected.feature_sets[0].features[0].description =
        Some("Timestamp of the customer's first order.".into());
    assert_eq!(after, expected);
    plan_is_noop(&session, &after);
}

#[test]
fn the_scope_keeps_other_models_sql_out_of_reach() {
    let repo = repo();
    let session = session(repo.path());
    // The SQL of a customer's model.
    let orders = Desired {
        id: "x".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "orders".into(),
            value: json!({"sql": "select 1 as order_id"}),
            file: None,
        },
    };
    assert!(matches!(
        session.plan(&[orders]),
        Err(SessionError::Scope(_))
    ));
    // An exposure.
    let exposure = Desired {
        id: "y".into(),
        state: ResourceState {
            kind: ResourceKind::Exposure,
            name: "ml_app".into(),
            value: json!({"type": "ml"}),
            file: None,
        },
    };
    assert!(matches!(
        session.plan(&[exposure]),
        Err(SessionError::Scope(_))
    ));
    // A metric with a filter is not a feature; nor is one on another model.
    let view = RepoView::read(&session).unwrap();
    for (metric, reason) in [
        ("revenue", "filter"),
        ("sessions", "not on a semantic model"),
    ] {
        let mut o = objects();
        o.feature_sets[0].metrics = vec![metric.into()];
        let err = o.to_desired(&view, &metrics(&session)).unwrap_err();
        assert!(err.reason.contains(reason), "{metric}: {err}");
    }
    // A prediction's upstream is what its SQL refs.
    let mut o = objects();
    o.predictions[0].upstream = vec!["orders".into()];
    assert!(o.to_desired(&view, &metrics(&session)).is_err());
}
