//! The reverse-ETL mapping on the shop project in a temp git repo: syncs land as application
//! exposures (and a post-hook only where asked), read back equal, a customer's edit of the
//! exposure arrives as a change of the sync, models and SQL stay out of reach, and a second
//! sync changes nothing.

mod common;

use std::path::Path;

use interop_sdk::bi::Owner;
use interop_sdk::mapping::RepoView;
use interop_sdk::reverse_etl::{FieldMap, ReverseEtl, Sync, synced};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{Desired, Scope, SessionError, SessionOptions, SyncSession};
use serde_json::json;

use common::{edit_file, git, merge, repo};

const BRANCH: &str = "interop/hightouch";

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new("hightouch", Scope::reverse_etl())).unwrap()
}

/// What the tool knows after a pull: the repo's application exposures.
fn start(session: &SyncSession) -> ReverseEtl {
    let view = RepoView::read(session).unwrap();
    let pulled = session.pull().unwrap();
    ReverseEtl::default().apply_changes(&view, &pulled).unwrap()
}

fn desired(session: &SyncSession, objects: &ReverseEtl) -> Vec<interop_sdk::Desired> {
    objects
        .to_desired(&RepoView::read(session).unwrap())
        .unwrap()
}

fn sync(session: &SyncSession, objects: &ReverseEtl) -> interop_sdk::SyncRecord {
    common::sync_desired(session, &desired(session, objects))
}

fn plan_is_noop(session: &SyncSession, objects: &ReverseEtl) {
    common::assert_at_rest(session, &desired(session, objects));
}

fn syncs() -> Vec<Sync> {
    vec![
        Sync {
            id: "ht-101".into(),
            name: "salesforce_contacts".into(),
            label: Some("Salesforce contacts".into()),
            description: Some(
                "Customer profile and lifetime value pushed to Salesforce hourly.".into(),
            ),
            model: "dim_customers".into(),
            destination: "salesforce.Contact".into(),
            mapping: vec![
                FieldMap {
                    column: "customer_id".into(),
                    field: "External_Id__c".into(),
                },
                FieldMap {
                    column: "email".into(),
                    field: "Email".into(),
                },
                FieldMap {
                    column: "lifetime_value".into(),
                    field: "LTV__c".into(),
                },
            ],
            owner: Owner {
                name: Some("Growth Engineering".into()),
                email: Some("growth@shop.example.com".into()),
            },
            schedule: Some("0 * * * *".into()),
            url: Some("https://app.hightouch.example.com/syncs/101".into()),
            post_hook: None,
        },
        Sync {
            id: "ht-102".into(),
            name: "ads_high_value_orders".into(),
            label: None,
            description: Some("Orders above 200 as an ads conversion audience.".into()),
            model: "orders".into(),
            destination: "google_ads.offline_conversions".into(),
            mapping: vec![FieldMap {
                column: "order_id".into(),
                field: "order_id".into(),
            }],
            owner: Owner {
                name: None,
                email: Some("marketing-ops@shop.example.com".into()),
            },
            schedule: None,
            url: None,
            post_hook: Some(
                "{{ log('orders rebuilt: ads audience refresh queued', info=true) }}".into(),
            ),
        },
    ]
}

#[test]
fn syncs_round_trip_with_a_post_hook_only_where_asked_and_sync_twice_is_a_noop() {
    let repo = repo();
    let session = session(repo.path());
    let mut objects = start(&session);
    // The customer's own application exposure reads as a sync.
    let crm = objects
        .syncs
        .iter()
        .find(|s| s.name == "crm_customer_sync")
        .expect("the hand-written exposure");
    assert_eq!(crm.model, "dim_customers");
    assert_eq!(crm.owner.name.as_deref(), Some("Growth Engineering"));
    // Sent back as it came, nothing changes.
    plan_is_noop(&session, &objects);
    objects.syncs.extend(syncs());
    let record = sync(&session, &objects);
    assert!(record.created_commit);
    let exposures = git(
        repo.path(),
        &["show", &format!("{BRANCH}:models/marts/_exposures.yml")],
    );
    assert!(
        exposures.contains("type: application")
            && exposures.contains("destination: salesforce.Contact"),
        "{exposures}"
    );
    let diff = git(repo.path(), &["diff", "--stat", "main", BRANCH]);
    // The orders model got its post-hook; dim_customers (no hook asked) is untouched.
    let finance = git(
        repo.path(),
        &[
            "diff",
            "main",
            BRANCH,
            "--",
            "models/marts/finance/_finance__models.yml",
        ],
    );
    assert!(finance.contains("+      post_hook:"), "{finance}");
    assert!(!diff.contains("_marketing__models.yml"), "{diff}");
    assert!(!diff.contains(".sql"), "no SQL file is touched: {diff}");
    merge(repo.path(), BRANCH);
    let view = RepoView::read(&session).unwrap();
    let back = synced(&view);
    for s in &objects.syncs {
        let found = back.syncs.iter().find(|b| b.id == s.id).expect("read back");
        let mut expected = s.clone();
        // A hook reads back with the sync of its model.
        if s.model == "orders" {
            expected.post_hook = syncs()[1].post_hook.clone();
        }
        assert_eq!(found, &expected);
    }
    plan_is_noop(&session, &objects);
    assert!(!sync(&session, &objects).created_commit);
    // The tool drops the hook: it leaves the model's entry, the sync stays.
    objects.syncs.iter_mut().for_each(|s| s.post_hook = None);
    assert!(sync(&session, &objects).created_commit);
    let finance = git(
        repo.path(),
        &[
            "diff",
            "main",
            BRANCH,
            "--",
            "models/marts/finance/_finance__models.yml",
        ],
    );
    assert!(finance.contains("-      post_hook:"), "{finance}");
}

#[test]
fn a_customer_edit_of_the_exposure_arrives_as_a_change_of_the_sync() {
    let repo = repo();
    let session = session(repo.path());
    let mut objects = start(&session);
    objects.syncs.extend(syncs());
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    edit_file(
        repo.path(),
        "models/marts/_exposures.yml",
        "destination: salesforce.Contact",
        "destination: salesforce.Lead",
    );
    edit_file(
        repo.path(),
        "models/marts/_exposures.yml",
        "field: LTV__c",
        "field: Lifetime_Value__c",
    );
    let view = RepoView::read(&session).unwrap();
    let changes = session.pull().unwrap();
    let after = objects.apply_changes(&view, &changes).unwrap();
    let s = after.syncs.iter().find(|s| s.id == "ht-101").unwrap();
    assert_eq!(s.destination, "salesforce.Lead");
    assert_eq!(s.mapping[2].field, "Lifetime_Value__c");
    // Everything else is as the tool had it.
    let mut expected = syncs()[0].clone();
    expected.destination = "salesforce.Lead".into();
    expected.mapping[2].field = "Lifetime_Value__c".into();
    assert_eq!(s, &expected);
    // Taking the edit in, the next sync has nothing to write.
    plan_is_noop(&session, &after);
}

#[test]
fn the_scope_refuses_models_and_sql() {
    let repo = repo();
    let session = session(repo.path());
    let model = |name: &str, value: serde_json::Value, file: Option<&str>| Desired {
        id: format!("x-{name}"),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: name.into(),
            value,
            file: file.map(String::from),
        },
    };
    // A new model, even with the one field the scope has on models.
    let new_model = model(
        "crm_extract",
        json!({"config": {"post_hook": "select 1"}}),
        None,
    );
    assert!(matches!(
        session.plan(&[new_model]),
        Err(SessionError::Scope(_))
    ));
    // A model's SQL.
    let sql = model(
        "orders",
        json!({"sql": "select 1 as order_id"}),
        Some("models/marts/finance/orders.sql"),
    );
    let err = session.plan(&[sql]).unwrap_err();
    assert!(err.to_string().contains("sql"), "{err}");
    // An analysis or a singular test.
    let analysis = Desired {
        id: "x-a".into(),
        state: ResourceState {
            kind: ResourceKind::Analysis,
            name: "a".into(),
            value: json!({"sql": "select 1"}),
            file: None,
        },
    };
    assert!(matches!(
        session.plan(&[analysis]),
        Err(SessionError::Scope(_))
    ));
    // A post-hook on a model the repo does not have is refused by the mapping.
    let view = RepoView::read(&session).unwrap();
    let mut s = syncs()[1].clone();
    s.model = "no_such_model".into();
    let err = ReverseEtl { syncs: vec![s] }.to_desired(&view).unwrap_err();
    assert!(err.reason.contains("no model"), "{err}");
}

#[test]
fn a_sync_of_a_model_the_repo_lacks_or_disables_is_refused() {
    // Its exposure would ref a model dbt cannot find, and the tool may not create one.
    let repo = repo();
    let session = session(repo.path());
    let view = RepoView::read(&session).unwrap();
    for model in ["marketing_audience", "customer_churn_scores"] {
        let mut s = syncs()[0].clone();
        s.model = model.into();
        let err = ReverseEtl { syncs: vec![s] }.to_desired(&view).unwrap_err();
        assert_eq!(err.id, "ht-101");
        assert!(
            err.reason
                .contains(&format!("no model '{model}' in the repo to sync from")),
            "{err}"
        );
    }
    assert_eq!(
        ReverseEtl { syncs: syncs() }
            .to_desired(&view)
            .unwrap()
            .len(),
        syncs().len() + 1,
        "the syncs of existing models map, with the one post-hook asked for"
    );
}
