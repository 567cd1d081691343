//! The orchestration mapping: jobs land as YAML selectors in `selectors.yml` (created when the
//! repo has none, edited in place when it has), read back equal, a customer's edit (and a
//! selector written by hand) arrives as a job change, the SQL transforms it runs land as
//! models and come back, nothing but selectors and its own models is in reach, a second sync
//! changes nothing, and a customer without a repo gets one.

mod common;

use std::path::Path;

use interop_sdk::elt::{EltObjects, Transform};
use interop_sdk::mapping::RepoView;
use interop_sdk::orchestration::{
    Job, Orchestration, ScaffoldOptions, Selection, bootstrap, scheduled,
};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{
    CategoryObjects, Desired, Scope, SessionError, SessionOptions, SyncSession, VendorChange,
};
use serde_json::json;

use common::{edit_file, git, merge, repo};

const BRANCH: &str = "interop/dagster";

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new("dagster", Scope::orchestration())).unwrap()
}

fn method(method: &str, value: &str) -> Selection {
    Selection::Method {
        method: method.into(),
        value: value.into(),
        parents: false,
        children: false,
    }
}

fn jobs() -> Orchestration {
    Orchestration {
        jobs: vec![
            Job {
                id: "job-1".into(),
                name: "nightly_marts".into(),
                description: Some("Every mart for the morning report.".into()),
                schedule: Some("0 6 * * *".into()),
                select: Selection::Union {
                    union: vec![
                        method("path", "models/marts"),
                        Selection::Method {
                            method: "fqn".into(),
                            value: "stg_stripe__payments".into(),
                            parents: false,
                            children: true,
                        },
                    ],
                    exclude: vec![method("tag", "legacy")],
                },
            },
            Job {
                id: "job-2".into(),
                name: "finance_tables".into(),
                description: None,
                schedule: Some("*/30 8-18 * * 1-5".into()),
                select: Selection::Intersection {
                    intersection: vec![
                        method("tag", "finance"),
                        method("config.materialized", "table"),
                    ],
                    exclude: vec![],
                },
            },
            Job {
                id: "job-3".into(),
                name: "staging_refresh".into(),
                description: Some("Staging views after each load.".into()),
                schedule: None,
                select: Selection::Spec {
                    spec: "tag:staging".into(),
                },
            },
        ],
    }
}

fn desired(session: &SyncSession, objects: &Orchestration) -> Vec<interop_sdk::Desired> {
    objects
        .to_desired(&RepoView::read(session).unwrap())
        .unwrap()
}

fn sync(session: &SyncSession, objects: &Orchestration) -> interop_sdk::SyncRecord {
    common::sync_desired(session, &desired(session, objects))
}

fn plan_is_noop(session: &SyncSession, objects: &Orchestration) {
    common::assert_at_rest(session, &desired(session, objects));
}

#[test]
fn jobs_round_trip_through_a_new_selectors_file_and_sync_twice_is_a_noop() {
    let repo = repo();
    let session = session(repo.path());
    let objects = jobs();
    assert!(sync(&session, &objects).created_commit);
    let file = git(repo.path(), &["show", &format!("{BRANCH}:selectors.yml")]);
    insta::assert_snapshot!("orchestration_selectors_yml", file);
    merge(repo.path(), BRANCH);
    let (mut back, errors) = scheduled(&RepoView::read(&session).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    back.jobs.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(back, objects);
    plan_is_noop(&session, &objects);
    assert!(!sync(&session, &objects).created_commit);
}

#[test]
fn a_customer_edit_and_a_hand_written_selector_arrive_as_job_changes() {
    let repo = repo();
    let session = session(repo.path());
    let objects = jobs();
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    // The customer moves the nightly job and narrows it, and adds a selector of their own
    // with a comment.
    edit_file(
        repo.path(),
        "selectors.yml",
        "Schedule: 0 6 * * * (cron)",
        "Schedule: 30 5 * * * (cron)",
    );
    edit_file(
        repo.path(),
        "selectors.yml",
        "value: models/marts\n",
        "value: models/marts/finance\n",
    );
    let text = std::fs::read_to_string(repo.path().join("selectors.yml")).unwrap();
    std::fs::write(
        repo.path().join("selectors.yml"),
        format!(
            "{text}  # Ad-hoc backfill of the marketing marts.\n  - name: marketing_backfill\n    definition: \"+tag:marketing\"\n"
        ),
    )
    .unwrap();
    git(repo.path(), &["commit", "-qam", "marketing backfill"]);
    let view = RepoView::read(&session).unwrap();
    let changes = session.pull().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, VendorChange::Created { .. }))
    );
    let after = objects.apply_changes(&view, &changes).unwrap();
    let nightly = after.jobs.iter().find(|j| j.id == "job-1").unwrap();
    assert_eq!(nightly.schedule.as_deref(), Some("30 5 * * *"));
    let Selection::Union { union, .. } = &nightly.select else {
        panic!("{nightly:?}")
    };
    assert_eq!(union[0], method("path", "models/marts/finance"));
    let backfill = after
        .jobs
        .iter()
        .find(|j| j.name == "marketing_backfill")
        .unwrap();
    assert_eq!(
        backfill.select,
        Selection::Spec {
            spec: "+tag:marketing".into()
        }
    );
    // With the edits taken in, nothing is left to write, and the customer's comment stays.
    plan_is_noop(&session, &after);
    assert!(!sync(&session, &after).created_commit);
    // The tool then changes one job: only its lines move.
    let mut next = after.clone();
    next.jobs
        .iter_mut()
        .find(|j| j.id == "job-3")
        .unwrap()
        .schedule = Some("15 * * * *".into());
    assert!(sync(&session, &next).created_commit);
    let diff = git(repo.path(), &["diff", "main", BRANCH]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        [
            "-    description: Staging views after each load.",
            "+    description: 'Staging views after each load. Schedule: 15 * * * * (cron)'"
        ]
    );
    let file = git(repo.path(), &["show", &format!("{BRANCH}:selectors.yml")]);
    assert!(
        file.contains("  # Ad-hoc backfill of the marketing marts.\n"),
        "{file}"
    );
}

#[test]
fn the_scope_holds_selectors_only() {
    let repo = repo();
    let session = session(repo.path());
    let model = Desired {
        id: "job-x".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "orders".into(),
            value: json!({"sql": "select 1"}),
            file: None,
        },
    };
    assert!(matches!(
        session.plan(&[model]),
        Err(SessionError::Scope(_))
    ));
    let exposure = Desired {
        id: "job-y".into(),
        state: ResourceState {
            kind: ResourceKind::Exposure,
            name: "x".into(),
            value: json!({"type": "application"}),
            file: None,
        },
    };
    assert!(matches!(
        session.plan(&[exposure]),
        Err(SessionError::Scope(_))
    ));
    // A selector is always written to selectors.yml, whatever file the object names.
    let mut desired = jobs()
        .to_desired(&RepoView::read(&session).unwrap())
        .unwrap();
    desired[0].state.file = Some("models/elsewhere.yml".into());
    let plan = session.plan(&desired).unwrap();
    assert_eq!(plan.files.len(), 1);
    assert_eq!(plan.files[0].path, "selectors.yml");
}

#[test]
fn a_customer_without_a_repo_gets_one_and_the_first_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("analytics");
    let report = bootstrap(&dir, &ScaffoldOptions::new("analytics")).unwrap();
    assert!(report.commit.is_some());
    assert!(dir.join("dbt_project.yml").exists() && dir.join(".git").exists());
    let session = session(&dir);
    let objects = Orchestration {
        jobs: vec![Job {
            id: "job-1".into(),
            name: "daily".into(),
            description: Some("Everything, once a day.".into()),
            schedule: Some("0 4 * * *".into()),
            select: method("path", "models"),
        }],
    };
    assert!(sync(&session, &objects).created_commit);
    merge(&dir, BRANCH);
    let (back, _) = scheduled(&RepoView::read(&session).unwrap());
    assert_eq!(back, objects);
    if let Some(out) = common::dbt_check(&dir, &[]) {
        assert!(out.contains("dbt-check: OK"), "{out}");
    }
}

#[test]
fn the_transforms_it_runs_land_as_models_and_a_customer_edit_comes_back() {
    let repo = repo();
    let session = session(repo.path());
    let sql = "select\n    cast(ordered_at as date) as order_date,\n    count(*) as order_count\nfrom raw.shop_db.orders\ngroup by 1\n";
    let objects = CategoryObjects {
        jobs: jobs().jobs,
        elt: Some(EltObjects {
            transforms: vec![Transform {
                id: "tf-days".into(),
                name: "orders_per_day".into(),
                folder: Some("orchestrated".into()),
                sql: sql.into(),
                description: Some("Orders placed per day.".into()),
                owner: None,
                materialization: None,
            }],
            ..EltObjects::default()
        }),
        ..CategoryObjects::default()
    };
    let mapped = objects.to_desired(&session).unwrap();
    assert!(mapped.unmapped.is_empty(), "{:?}", mapped.unmapped);
    assert!(common::sync_desired(&session, &mapped.desired).created_commit);
    merge(repo.path(), BRANCH);
    let model = std::fs::read_to_string(repo.path().join("models/orchestrated/orders_per_day.sql"))
        .unwrap();
    assert!(
        model.contains("{{ source('shop_db', 'orders') }}"),
        "{model}"
    );
    assert!(!model.contains("raw.shop_db.orders"), "{model}");
    common::assert_at_rest(&session, &objects.to_desired(&session).unwrap().desired);
    edit_file(
        repo.path(),
        "models/orchestrated/orders_per_day.sql",
        "count(*) as order_count",
        "count(distinct id) as order_count",
    );
    let changes = session.pull().unwrap();
    let (after, errors) = objects.after(None, &changes, &session).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(after.jobs, objects.jobs);
    let transforms = after.elt.clone().unwrap().transforms;
    assert_eq!(
        transforms[0].sql,
        sql.replace("count(*)", "count(distinct id)")
    );
    assert_eq!(transforms[0].folder.as_deref(), Some("orchestrated"));
    common::assert_at_rest(&session, &after.to_desired(&session).unwrap().desired);
}
