//! The catalog mapping on the shop project in a temp git repo: annotations land as
//! descriptions, owners, tags, terms and meta that dbt accepts, come back equal, keep a
//! `{{ doc() }}` description byte for byte, never reach SQL, and a second sync changes nothing.

mod common;

use std::path::Path;

use interop_sdk::catalog::{
    Annotation, Catalog, CatalogChange, CatalogKind, Owner, Target, annotated,
};
use interop_sdk::mapping::RepoView;
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{Desired, Scope, SessionError, SessionOptions, SyncSession};
use serde_json::json;

use common::{dbt_check, edit_file, export, git, merge, repo};

const BRANCH: &str = "interop/atlas";

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new("atlas", Scope::catalog())).unwrap()
}

fn owner(name: &str) -> Option<Owner> {
    Some(Owner {
        name: Some(name.into()),
        email: vec![],
    })
}

/// What the catalog knows: it starts from the repo (a pull), then annotates.
fn start(session: &SyncSession) -> Catalog {
    let view = RepoView::read(session).unwrap();
    let mut catalog = Catalog::default();
    let changes = catalog.changes(&session.pull().unwrap(), &view);
    catalog.apply(&changes);
    let all = annotated(&view);
    for a in &all.annotations {
        assert!(catalog.annotations.contains(a), "missing {a:?}");
    }
    assert_eq!(catalog.annotations.len(), all.annotations.len());
    // Everything the repo holds, sent back as it came: nothing to write, and the base now
    // holds what both sides agree on.
    plan_is_noop(session, &catalog);
    assert!(!sync(session, &catalog).created_commit);
    catalog
}

fn annotation<'a>(
    catalog: &'a mut Catalog,
    target: &Target,
    column: Option<&str>,
) -> &'a mut Annotation {
    if let Some(i) = catalog
        .annotations
        .iter()
        .position(|a| &a.target == target && a.column.as_deref() == column)
    {
        return &mut catalog.annotations[i];
    }
    catalog
        .annotations
        .push(Annotation::new(target.clone(), column));
    catalog.annotations.last_mut().unwrap()
}

fn sync(session: &SyncSession, catalog: &Catalog) -> interop_sdk::SyncRecord {
    let view = RepoView::read(session).unwrap();
    let plan = session.plan(&catalog.to_desired(&view).unwrap()).unwrap();
    assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
    session.apply(plan, false).unwrap()
}

fn plan_is_noop(session: &SyncSession, catalog: &Catalog) {
    let view = RepoView::read(session).unwrap();
    let plan = session.plan(&catalog.to_desired(&view).unwrap()).unwrap();
    let changes = catalog.changes(&plan.vendor_changes, &view);
    assert!(
        plan.is_noop() && plan.conflicts.is_empty() && changes.is_empty(),
        "{:#?}\n{:#?}\n{:#?}",
        plan.changes,
        plan.files,
        changes
    );
}

fn edited(catalog: &Catalog) -> Catalog {
    let mut catalog = catalog.clone();
    let orders = Target::new(CatalogKind::Model, "orders");
    // The finance orders model: its description is a docs-block reference; only the owner
    // and terms change.
    let a = annotation(&mut catalog, &orders, None);
    a.owner = owner("@revenue-ops");
    a.terms = vec!["Order".into(), "Net revenue".into()];
    let c = annotation(&mut catalog, &orders, Some("amount_paid"));
    c.description = Some("Captured payments; see {{ the payments runbook }}.".into());
    c.tags = vec!["pii".into()];
    let payments = Target::source("stripe", "payments");
    let p = annotation(&mut catalog, &payments, None);
    p.meta.insert("certified".into(), json!(true));
    let group = Target::new(CatalogKind::Group, "finance");
    let g = annotation(&mut catalog, &group, None);
    g.owner = Some(Owner {
        name: Some("Finance Analytics".into()),
        email: vec!["finance@shop.example.com".into()],
    });
    // A docs block's text, edited by the catalog: every `{{ doc('order_status') }}` stays.
    let docs = Target::new(CatalogKind::Doc, "order_status");
    let d = annotation(&mut catalog, &docs, None);
    let text = d.description.clone().expect("the block's text");
    d.description = Some(text.replace(
        "| placed         | checkout finished, payment not captured yet       |",
        "| placed         | checkout finished, payment not captured yet (see {{ the runbook }}) |",
    ));
    assert_ne!(d.description.as_deref(), Some(text.as_str()));
    let seed = Target::new(CatalogKind::Seed, "country_codes");
    let s = annotation(&mut catalog, &seed, Some("region"));
    s.description = Some("Sales region (AMER, EMEA, APAC).".into());
    catalog
}

#[test]
fn annotations_round_trip_and_a_doc_reference_is_kept_byte_for_byte() {
    let repo = repo();
    let session = session(repo.path());
    let catalog = edited(&start(&session));
    let record = sync(&session, &catalog);
    assert!(record.created_commit);
    let diff = git(repo.path(), &["diff", "main", BRANCH]);
    let finance = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:models/marts/finance/_finance__models.yml"),
        ],
    );
    assert!(
        finance.contains("  - name: orders\n    description: \"{{ doc('finance_orders') }}\"\n"),
        "{finance}"
    );
    assert!(finance.contains("owner: \"@revenue-ops\""), "{diff}");
    assert!(
        finance.contains("{% raw %}Captured payments; see {{ the payments runbook }}.{% endraw %}"),
        "{diff}"
    );
    // Only the owner line of the orders entry changed there; nothing else of the file moved.
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    assert!(
        removed.iter().all(|l| !l.contains("doc(")),
        "a doc() reference was touched:\n{diff}"
    );
    assert!(!diff.contains(".sql"), "{diff}");
    let docs = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:models/staging/shop_db/_shop_db__docs.md"),
        ],
    );
    assert!(
        docs.contains("{% docs order_status %}\n{% raw %}Lifecycle state of an order:"),
        "{docs}"
    );
    assert!(docs.contains("(see {{ the runbook }}) |"), "{docs}");
    if let Some(out) = dbt_check(export(repo.path(), BRANCH).path(), &[]) {
        assert!(out.contains("OK parse"), "{out}");
    }

    // The same sync again leaves the PR as it is; merged, the annotations come back equal and
    // a sync has nothing to do.
    assert!(!sync(&session, &catalog).created_commit);
    merge(repo.path(), BRANCH);
    plan_is_noop(&session, &catalog);
    sync(&session, &catalog);
    plan_is_noop(&session, &catalog);
    let view = RepoView::read(&session).unwrap();
    let back = annotated(&view);
    for a in &catalog.annotations {
        assert!(back.annotations.contains(a), "{a:#?} did not come back");
    }
    assert_eq!(back.annotations.len(), catalog.annotations.len());
}

#[test]
fn a_customer_edit_arrives_and_taking_it_leaves_nothing_to_do() {
    let repo = repo();
    let session = session(repo.path());
    let mut catalog = edited(&start(&session));
    sync(&session, &catalog);
    merge(repo.path(), BRANCH);
    sync(&session, &catalog);

    edit_file(
        repo.path(),
        "models/marts/finance/_finance__models.yml",
        "owner: \"@revenue-ops\"",
        "owner: \"@finance-analytics\"",
    );
    let view = RepoView::read(&session).unwrap();
    let changes = catalog.changes(&session.pull().unwrap(), &view);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let CatalogChange::Set { annotation, fields } = &changes[0] else {
        panic!("{changes:#?}")
    };
    assert_eq!(annotation.target, Target::new(CatalogKind::Model, "orders"));
    assert_eq!(fields, &["owner"]);
    assert_eq!(annotation.owner, owner("@finance-analytics"));
    catalog.apply(&changes);
    plan_is_noop(&session, &catalog);
}

#[test]
fn a_catalog_never_writes_sql_nor_creates_resources() {
    let repo = repo();
    let session = session(repo.path());
    let sql = Desired {
        id: "model:orders".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "orders".into(),
            value: json!({"name": "orders", "sql": "select 1 as order_id"}),
            file: None,
        },
    };
    match session.plan(&[sql]) {
        Err(SessionError::Scope(e)) => assert!(e.what.contains("sql"), "{e}"),
        other => panic!("expected a scope error, got {other:?}"),
    }
    let mut catalog = Catalog::default();
    let ghost = annotation(
        &mut catalog,
        &Target::new(CatalogKind::Model, "no_such_model"),
        None,
    );
    ghost.description = Some("Nothing here.".into());
    let view = RepoView::read(&session).unwrap();
    match session.plan(&catalog.to_desired(&view).unwrap()) {
        Err(SessionError::Scope(e)) => assert!(e.what.contains("creating"), "{e}"),
        other => panic!("expected a scope error, got {other:?}"),
    }
    // A real plan of every kind of annotation touches properties YAML and docs blocks only.
    let catalog = edited(&start(&session));
    let plan = session.plan(&catalog.to_desired(&view).unwrap()).unwrap();
    assert!(!plan.files.is_empty());
    for f in &plan.files {
        assert!(
            f.path.ends_with(".yml") || f.path.ends_with(".md"),
            "{} is neither properties nor docs",
            f.path
        );
    }
    assert!(plan.deleted.is_empty());
}

#[test]
fn an_owner_and_tags_new_to_a_config_keep_its_other_keys_and_a_pull_before_the_merge_keeps_them() {
    let repo = repo();
    let session = session(repo.path());
    let mut catalog = start(&session);
    // `order_items` has `config: {access: protected}`; the catalog sees neither `meta` nor
    // `tags` there and adds both.
    let order_items = Target::new(CatalogKind::Model, "order_items");
    let a = annotation(&mut catalog, &order_items, None);
    a.owner = owner("@finance");
    a.tags = vec!["finance".into()];
    let record = sync(&session, &catalog);
    assert!(record.created_commit);
    let file = "models/marts/finance/_finance__models.yml";
    let after = git(repo.path(), &["show", &format!("{BRANCH}:{file}")]);
    let entry = &after[after.find("  - name: order_items").unwrap()..];
    let config = &entry[..entry.find("    semantic_model:").unwrap()];
    assert!(config.contains("      access: protected\n"), "{config}");
    assert!(
        config.contains("@finance") && config.contains("finance"),
        "{config}"
    );
    assert_eq!(config.matches("config:").count(), 1, "{config}");

    // Before the customer merges, a pull does not take the proposed owner back out.
    let view = RepoView::read(&session).unwrap();
    let changes = catalog.changes(&session.pull().unwrap(), &view);
    let mut pulled = catalog.clone();
    pulled.apply(&changes);
    let kept = pulled
        .annotations
        .iter()
        .find(|a| a.target == order_items && a.column.is_none())
        .unwrap();
    assert_eq!(kept.owner, owner("@finance"), "{changes:#?}");
    assert_eq!(kept.tags, vec!["finance".to_string()]);
}
