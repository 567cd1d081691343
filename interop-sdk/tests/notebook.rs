//! The notebook mapping on the shop project: a publication lands as one analysis (cells as
//! CTEs, relation names as `ref()` / `source()`, vars kept), reads back as its cells, a
//! customer's edit of a cell arrives as a change of the publication while an edit that breaks
//! the layout is reported, nothing but analyses' SQL is in reach, and a second sync changes
//! nothing.

mod common;

use std::path::Path;

use interop_sdk::mapping::RepoView;
use interop_sdk::notebook::{Cell, Notebooks, Publication, published};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{Desired, Scope, SessionError, SessionOptions, SyncSession};
use serde_json::json;

use common::{edit_file, git, merge, repo};

const BRANCH: &str = "interop/hex";

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new("hex", Scope::notebook())).unwrap()
}

fn cell(name: &str, sql: &str) -> Cell {
    Cell {
        name: name.into(),
        sql: sql.into(),
    }
}

fn repeat_buyers() -> Publication {
    Publication {
        id: "hex-7".into(),
        name: "repeat_buyers_by_region".into(),
        description: Some("Share of customers who ordered twice or more, by region.".into()),
        cells: vec![
            cell(
                "recent_orders",
                "select\n    customer_id,\n    customer_region,\n    order_id\nfrom {{ ref('orders') }}\nwhere ordered_at >= '{{ var(\"orders_start_date\") }}'",
            ),
            cell(
                "orders_per_customer",
                "select\n    customer_id,\n    customer_region,\n    count(order_id) as order_count\nfrom recent_orders\ngroup by customer_id, customer_region",
            ),
            cell(
                "repeat_rate",
                "select\n    customer_region,\n    avg(case when order_count > 1 then 1.0 else 0.0 end) as repeat_rate\nfrom orders_per_customer\ngroup by customer_region",
            ),
        ],
    }
}

/// A notebook whose cells use the warehouse's relation names.
fn payment_mix() -> Publication {
    Publication {
        id: "hex-9".into(),
        name: "payment_mix".into(),
        description: None,
        cells: vec![
            cell(
                "payments",
                "select\n    payment_method,\n    amount_cents\nfrom raw.stripe.payments",
            ),
            cell(
                "payment_mix",
                "select\n    payments.payment_method,\n    count(*) as payment_count\nfrom payments\ninner join analytics.orders on 1 = 1\ngroup by payments.payment_method",
            ),
        ],
    }
}

fn desired(session: &SyncSession, objects: &Notebooks) -> Vec<interop_sdk::Desired> {
    objects
        .to_desired(&RepoView::read(session).unwrap())
        .unwrap()
}

fn sync(session: &SyncSession, objects: &Notebooks) -> interop_sdk::SyncRecord {
    common::sync_desired(session, &desired(session, objects))
}

fn plan_is_noop(session: &SyncSession, objects: &Notebooks) {
    common::assert_at_rest(session, &desired(session, objects));
}

#[test]
fn publications_round_trip_through_analyses_and_sync_twice_is_a_noop() {
    let repo = repo();
    let session = session(repo.path());
    // The shop's own analysis reads as a publication: its comment is the description, its
    // final query the cell named after it.
    let (existing, errors) = published(&RepoView::read(&session).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    let cohort = &existing.publications[0];
    assert_eq!(cohort.name, "customer_cohort_retention");
    let names: Vec<&str> = cohort.cells.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "orders",
            "first_orders",
            "activity",
            "customer_cohort_retention"
        ]
    );
    let objects = Notebooks {
        publications: vec![repeat_buyers(), payment_mix()],
    };
    assert!(sync(&session, &objects).created_commit);
    let sql = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:analyses/repeat_buyers_by_region.sql"),
        ],
    );
    insta::assert_snapshot!("notebook_repeat_buyers_sql", sql);
    let mix = git(
        repo.path(),
        &["show", &format!("{BRANCH}:analyses/payment_mix.sql")],
    );
    assert!(
        mix.contains("from {{ source('stripe', 'payments') }}"),
        "{mix}"
    );
    assert!(
        mix.contains("inner join {{ ref('orders') }} on 1 = 1"),
        "{mix}"
    );
    // Two new files; the customer's analysis and its properties are untouched.
    let stat = git(repo.path(), &["diff", "--name-status", "main", BRANCH]);
    assert_eq!(
        stat,
        "A\tanalyses/payment_mix.sql\nA\tanalyses/repeat_buyers_by_region.sql\n"
    );
    merge(repo.path(), BRANCH);
    let (back, errors) = published(&RepoView::read(&session).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    let found = |id: &str| {
        back.publications
            .iter()
            .find(|p| p.id == id)
            .unwrap()
            .clone()
    };
    assert_eq!(found("hex-7"), repeat_buyers());
    // Relation names come back as the refs they became.
    let mut expected = payment_mix();
    expected.cells[0].sql = expected.cells[0]
        .sql
        .replace("raw.stripe.payments", "{{ source('stripe', 'payments') }}");
    expected.cells[1].sql = expected.cells[1]
        .sql
        .replace("analytics.orders", "{{ ref('orders') }}");
    assert_eq!(found("hex-9"), expected);
    plan_is_noop(&session, &objects);
    assert!(!sync(&session, &objects).created_commit);
}

#[test]
fn a_customer_edit_of_a_cell_arrives_and_a_broken_layout_is_reported() {
    let repo = repo();
    let session = session(repo.path());
    let objects = Notebooks {
        publications: vec![repeat_buyers()],
    };
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    let file = "analyses/repeat_buyers_by_region.sql";
    edit_file(
        repo.path(),
        file,
        "count(order_id) as order_count",
        "count(distinct order_id) as order_count",
    );
    let view = RepoView::read(&session).unwrap();
    let (after, errors) = objects
        .apply_changes(&view, &session.pull().unwrap())
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    let mut expected = repeat_buyers();
    expected.cells[1].sql = expected.cells[1]
        .sql
        .replace("count(order_id)", "count(distinct order_id)");
    assert_eq!(after.publications[0], expected);
    // The customer's own analysis arrives as a publication too.
    assert_eq!(after.publications[1].name, "customer_cohort_retention");
    plan_is_noop(&session, &after);
    // A comment between two CTEs belongs to no cell: reported, the tool keeps its cells.
    edit_file(
        repo.path(),
        file,
        "),\n\norders_per_customer as (",
        ")\n-- TODO: drop test customers\n,\n\norders_per_customer as (",
    );
    let view = RepoView::read(&session).unwrap();
    let (kept, errors) = after
        .apply_changes(&view, &session.pull().unwrap())
        .unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].reason.contains("comment between CTEs"),
        "{errors:?}"
    );
    assert_eq!(kept, after);
}

#[test]
fn the_scope_holds_the_sql_of_analyses_only() {
    let repo = repo();
    let session = session(repo.path());
    let analysis = |value: serde_json::Value| Desired {
        id: "hex-1".into(),
        state: ResourceState {
            kind: ResourceKind::Analysis,
            name: "customer_cohort_retention".into(),
            value,
            file: None,
        },
    };
    // Not the customer's description of an analysis.
    let err = session
        .plan(&[analysis(json!({"sql": "select 1", "description": "x"}))])
        .unwrap_err();
    assert!(err.to_string().contains("description"), "{err}");
    // Not a model.
    let model = Desired {
        id: "hex-2".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "notebook_model".into(),
            value: json!({"sql": "select 1"}),
            file: Some("models/notebook_model.sql".into()),
        },
    };
    assert!(matches!(
        session.plan(&[model]),
        Err(SessionError::Scope(_))
    ));
    // Cells that cannot be told apart are refused by the mapping.
    let view = RepoView::read(&session).unwrap();
    let mut twice = repeat_buyers();
    twice.cells[1].name = "recent_orders".into();
    assert!(
        Notebooks {
            publications: vec![twice]
        }
        .to_desired(&view)
        .unwrap_err()
        .reason
        .contains("two cells")
    );
}
