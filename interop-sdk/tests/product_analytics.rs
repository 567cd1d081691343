//! The product-analytics mapping on the shop project: activity streams land as activity-schema
//! models with their tests, metrics on them through the BI mapping; everything reads back
//! equal, a customer's edit of a stream's column arrives, other models stay out of reach, and a
//! second sync changes nothing.

mod common;

use std::path::Path;

use interop_sdk::bi::{
    Agg, Dimension, DimensionType, Entity, EntityType, Granularity, Metric, MetricType, RepoInfo,
    SemanticModel,
};
use interop_sdk::mapping::RepoView;
use interop_sdk::product_analytics::{ActivityStream, ProductAnalytics, streams};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{Desired, Scope, SessionError, SessionOptions, SyncSession};
use serde_json::json;

use common::{edit_file, git, merge, repo};

const BRANCH: &str = "interop/amplitude";

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(
        dir,
        SessionOptions::new("amplitude", Scope::product_analytics()),
    )
    .unwrap()
}

fn order_stream() -> ActivityStream {
    ActivityStream {
        id: "stream-orders".into(),
        name: "order_activities".into(),
        description: Some("One row per order placed, in the activity schema.".into()),
        model: "orders".into(),
        activity_id: "'order_' || order_id".into(),
        ts: "ordered_at".into(),
        customer: "cast(customer_id as varchar)".into(),
        activity: "'placed_order'".into(),
        feature_json: None,
        revenue_impact: Some("order_total".into()),
        link: Some("'https://admin.shop.example.com/orders/' || order_id".into()),
        folder: "activities".into(),
    }
}

fn session_stream() -> ActivityStream {
    ActivityStream {
        id: "stream-sessions".into(),
        name: "session_activities".into(),
        description: None,
        model: "web_sessions".into(),
        activity_id: "session_id".into(),
        ts: "session_started_at".into(),
        customer: "coalesce(cast(customer_id as varchar), 'anonymous')".into(),
        activity: "'started_session'".into(),
        feature_json: None,
        revenue_impact: None,
        link: None,
        folder: "activities".into(),
    }
}

fn count(id: &str, name: &str, sm: &str, expr: &str) -> Metric {
    Metric {
        id: id.into(),
        name: name.into(),
        label: None,
        description: None,
        filter: None,
        metric_type: MetricType::Simple {
            semantic_model: sm.into(),
            agg: Agg::Count,
            expr: Some(expr.into()),
            percentile: None,
            discrete_percentile: false,
            fill_nulls_with: None,
            join_to_timespine: false,
            measure: None,
        },
    }
}

fn objects() -> ProductAnalytics {
    let mut revenue = count(
        "m-rev",
        "activity_revenue",
        "order_activities",
        "revenue_impact",
    );
    if let MetricType::Simple { agg, .. } = &mut revenue.metric_type {
        *agg = Agg::Sum;
    }
    revenue.label = Some("Revenue from activities".into());
    ProductAnalytics {
        streams: vec![order_stream(), session_stream()],
        semantic_models: vec![SemanticModel {
            id: "sm-orders".into(),
            name: "order_activities".into(),
            model: "order_activities".into(),
            description: None,
            label: None,
            agg_time_dimension: Some("ts".into()),
            entities: vec![Entity {
                id: "e-act".into(),
                name: "order_activity".into(),
                entity_type: EntityType::Primary,
                expr: Some("activity_id".into()),
                description: None,
            }],
            dimensions: vec![
                Dimension {
                    id: "d-ts".into(),
                    name: "ts".into(),
                    dimension_type: DimensionType::Time {
                        granularity: Granularity::Day,
                    },
                    expr: None,
                    label: None,
                    description: None,
                },
                Dimension {
                    id: "d-act".into(),
                    name: "activity".into(),
                    dimension_type: DimensionType::Categorical,
                    expr: None,
                    label: None,
                    description: None,
                },
            ],
        }],
        metrics: vec![
            count(
                "m-count",
                "placed_orders",
                "order_activities",
                "activity_id",
            ),
            revenue,
        ],
    }
}

fn sync(session: &SyncSession, objects: &ProductAnalytics) -> interop_sdk::SyncRecord {
    let repo = RepoInfo::read(session).unwrap();
    let plan = session.plan(&objects.to_desired(&repo).unwrap()).unwrap();
    assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
    session.apply(plan, false).unwrap()
}

fn plan_is_noop(session: &SyncSession, objects: &ProductAnalytics) {
    let repo = RepoInfo::read(session).unwrap();
    let plan = session.plan(&objects.to_desired(&repo).unwrap()).unwrap();
    assert!(
        plan.is_noop() && plan.vendor_changes.is_empty(),
        "{:#?}\n{:#?}",
        plan.changes,
        plan.vendor_changes
    );
}

/// The tool's own objects after a pull (the repo's other metrics arrive as `Created`; the tool
/// keeps only its own here).
fn pulled(session: &SyncSession, objects: &ProductAnalytics) -> ProductAnalytics {
    let repo = RepoInfo::read(session).unwrap();
    let view = RepoView::read(session).unwrap();
    let (mut after, errors) = objects
        .apply_changes(&repo, &view, &session.pull().unwrap())
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    after.metrics.retain(|m| m.id.starts_with("m-"));
    after.semantic_models.retain(|s| s.id.starts_with("sm-"));
    after
}

#[test]
fn streams_and_their_metrics_round_trip_and_sync_twice_is_a_noop() {
    let repo = repo();
    let session = session(repo.path());
    let objects = objects();
    assert!(sync(&session, &objects).created_commit);
    let sql = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:models/activities/order_activities.sql"),
        ],
    );
    insta::assert_snapshot!("product_analytics_order_stream_sql", sql);
    let entry = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:models/activities/_activities__models.yml"),
        ],
    );
    insta::assert_snapshot!("product_analytics_stream_entries", entry);
    merge(repo.path(), BRANCH);
    let (back, errors) = streams(&RepoView::read(&session).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(back, objects.streams);
    assert_eq!(pulled(&session, &objects), objects);
    plan_is_noop(&session, &objects);
    assert!(!sync(&session, &objects).created_commit);
}

#[test]
fn a_customer_edit_of_a_stream_column_arrives() {
    let repo = repo();
    let session = session(repo.path());
    let objects = objects();
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    edit_file(
        repo.path(),
        "models/activities/order_activities.sql",
        "order_total as revenue_impact",
        "amount_paid as revenue_impact",
    );
    let after = pulled(&session, &objects);
    let mut expected = objects.clone();
    expected.streams[0].revenue_impact = Some("amount_paid".into());
    assert_eq!(after, expected);
    plan_is_noop(&session, &after);
}

#[test]
fn the_scope_keeps_other_models_and_their_tests_out_of_reach() {
    let repo = repo();
    let session = session(repo.path());
    let model = |value: serde_json::Value| Desired {
        id: "x".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "orders".into(),
            value,
            file: None,
        },
    };
    for value in [
        json!({"sql": "select 1 as order_id"}),
        json!({"columns": [{"name": "order_id", "data_tests": ["unique"]}]}),
    ] {
        assert!(
            matches!(
                session.plan(&[model(value.clone())]),
                Err(SessionError::Scope(_))
            ),
            "{value}"
        );
    }
    let test = Desired {
        id: "y".into(),
        state: ResourceState {
            kind: ResourceKind::SingularTest,
            name: "assert_x".into(),
            value: json!({"sql": "select 1"}),
            file: None,
        },
    };
    assert!(matches!(session.plan(&[test]), Err(SessionError::Scope(_))));
}
