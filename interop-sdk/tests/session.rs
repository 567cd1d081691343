//! Sync sessions on a real project in a temp git repo: the vendor's objects land on the sync
//! branch, the customer's edits come back, conflicts are values, identities survive renames,
//! and the PR lifecycle (open, merged, squash-merged, merged with edits, closed) ends right.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{
    Choice, Desired, Scope, SessionError, SessionOptions, SyncSession, VendorChange,
};
use serde_json::{Value, json};

use common::{git, repo};

fn metric(name: &str, description: &str) -> Desired {
    Desired {
        id: "bi-42".into(),
        state: ResourceState {
            kind: ResourceKind::Metric,
            name: name.into(),
            value: json!({
                "name": name,
                "label": "Revenue per order",
                "description": description,
                "type": "derived",
                "expr": "revenue / nullif(order_count, 0)",
                "input_metrics": [{"name": "revenue"}, {"name": "order_count"}]
            }),
            file: Some("models/marts/_metrics.yml".into()),
        },
    }
}

fn bi(dir: &Path) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new("acme-bi", Scope::bi())).unwrap()
}

/// The customer merges the sync branch into main (a merge commit, as a PR merge does).
fn merge_pr(dir: &Path) {
    git(
        dir,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge PR",
            "interop/acme-bi",
        ],
    );
}

fn edit_file(dir: &Path, path: &str, from: &str, to: &str) {
    let p = dir.join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{path} has no {from:?}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    git(dir, &["commit", "-qam", &format!("edit {path}")]);
}

/// The changes about the vendor's own object (the repo's other metrics arrive as `Created`).
fn mine(changes: &[VendorChange]) -> Vec<&VendorChange> {
    changes
        .iter()
        .filter(|c| !matches!(c, VendorChange::Created { .. }))
        .collect()
}

fn updated(changes: &[VendorChange]) -> Vec<(String, Vec<String>, Value)> {
    changes
        .iter()
        .filter_map(|c| match c {
            VendorChange::Updated {
                id, fields, state, ..
            } => Some((id.clone(), fields.clone(), state.value.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_vendor_metric_lands_on_the_sync_branch_and_a_second_sync_changes_nothing() {
    let repo = repo();
    let main_before = git(repo.path(), &["rev-parse", "main"]);
    let session = bi(repo.path());
    let desired = [metric("revenue_per_order", "Revenue divided by orders.")];
    let plan = session.plan(&desired).unwrap();
    assert_eq!(plan.changes.len(), 1, "{:?}", plan.changes);
    assert_eq!(plan.changes[0].resource, "metric.shop.revenue_per_order");
    assert_eq!(plan.files.len(), 1);
    assert_eq!(plan.files[0].path, "models/marts/_metrics.yml");
    assert!(plan.errors.is_empty() && plan.conflicts.is_empty());
    assert!(plan.pr.title.contains("1 added"), "{}", plan.pr.title);
    let record = session.apply(plan, false).unwrap();
    assert!(record.created_commit);
    assert_eq!(git(repo.path(), &["rev-parse", "main"]), main_before);
    let diff = git(repo.path(), &["diff", "main", "interop/acme-bi", "--stat"]);
    assert!(
        diff.contains("_metrics.yml") && diff.contains("1 file changed"),
        "{diff}"
    );

    // The same sync again: the open PR is not touched.
    let again = session.plan(&desired).unwrap();
    let record2 = session.apply(again, false).unwrap();
    assert!(!record2.created_commit);
    assert_eq!(record2.commit, record.commit);

    // After the customer merges, the sync is a no-op and everything is agreed.
    merge_pr(repo.path());
    let after = session.plan(&desired).unwrap();
    assert!(
        after.is_noop() && mine(&after.vendor_changes).is_empty(),
        "{:?}",
        after.changes
    );
    session.apply(after, false).unwrap();
    let status = session.status().unwrap();
    assert_eq!((status.agreed, status.proposed), (1, 0));
}

#[test]
fn customer_edits_arrive_and_pulling_them_then_syncing_is_a_no_op() {
    let repo = repo();
    let session = bi(repo.path());
    let desired = [metric("revenue_per_order", "Revenue divided by orders.")];
    session
        .apply(session.plan(&desired).unwrap(), false)
        .unwrap();
    merge_pr(repo.path());
    session
        .apply(session.plan(&desired).unwrap(), false)
        .unwrap();

    edit_file(
        repo.path(),
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Revenue divided by the number of orders, refunds excluded.",
    );
    let pulled = session.pull().unwrap();
    let changes = updated(&pulled);
    assert_eq!(changes.len(), 1, "{pulled:?}");
    assert_eq!(changes[0].0, "bi-42");
    assert_eq!(changes[0].1, ["description"]);
    // The vendor applies the change and syncs: nothing to do.
    let mut next = metric("revenue_per_order", "");
    next.state.value = changes[0].2.clone();
    let plan = session.plan(&[next]).unwrap();
    assert!(plan.is_noop() && mine(&plan.vendor_changes).is_empty() && plan.conflicts.is_empty());
}

/// A metric synced and merged, then its description edited by the customer ("Net …") and by
/// the vendor ("Gross …", not yet synced): the repo, the session and the vendor's objects.
fn description_edited_on_both_sides() -> (tempfile::TempDir, SyncSession, [Desired; 1]) {
    let repo = repo();
    let session = bi(repo.path());
    let desired = [metric("revenue_per_order", "Revenue divided by orders.")];
    session
        .apply(session.plan(&desired).unwrap(), false)
        .unwrap();
    merge_pr(repo.path());
    session
        .apply(session.plan(&desired).unwrap(), false)
        .unwrap();
    edit_file(
        repo.path(),
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Net revenue per order.",
    );
    let vendor_edit = [metric("revenue_per_order", "Gross revenue per order.")];
    (repo, session, vendor_edit)
}

#[test]
fn both_sides_editing_a_description_is_a_conflict_until_resolved() {
    let (_repo, session, vendor_edit) = description_edited_on_both_sides();
    let plan = session.plan(&vendor_edit).unwrap();
    assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
    let conflict = &plan.conflicts[0];
    assert_eq!(conflict.conflict.path.to_string(), "description");
    assert_eq!(
        conflict.conflict.base,
        Some(json!("Revenue divided by orders."))
    );
    assert_eq!(
        conflict.conflict.vendor,
        Some(json!("Gross revenue per order."))
    );
    assert_eq!(
        conflict.conflict.repo,
        Some(json!("Net revenue per order."))
    );
    assert!(
        plan.is_noop(),
        "the repo's value is kept: {:?}",
        plan.changes
    );
    assert!(plan.pr.body.contains("`description`"), "{}", plan.pr.body);
    session.apply(plan, false).unwrap();

    session
        .resolve("bi-42", "description", Choice::Vendor)
        .unwrap();
    let plan = session.plan(&vendor_edit).unwrap();
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert_eq!(plan.files.len(), 1);
    assert!(
        plan.files[0]
            .after
            .contains("description: Gross revenue per order.")
    );
}

/// The description `pull` gives the vendor for `bi-42`, when it gives one.
fn pulled_description(session: &SyncSession) -> Option<Value> {
    session.pull().unwrap().into_iter().find_map(|c| match c {
        VendorChange::Updated {
            id, state, fields, ..
        } if id == "bi-42" && fields.iter().any(|f| f == "description") => {
            Some(state.value["description"].clone())
        }
        _ => None,
    })
}

#[test]
fn a_pull_while_a_conflict_is_open_keeps_the_vendors_side_until_it_is_resolved() {
    let (_repo, session, vendor_edit) = description_edited_on_both_sides();
    let plan = session.plan(&vendor_edit).unwrap();
    assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
    session.apply(plan, false).unwrap();

    // Taking the pull would otherwise overwrite the tool's side with the repo's.
    assert_eq!(pulled_description(&session), None);
    // Resolved for the repo: now the pull brings the repo's text, and then all is agreed.
    session
        .resolve("bi-42", "description", Choice::Repo)
        .unwrap();
    assert_eq!(
        pulled_description(&session),
        Some(json!("Net revenue per order."))
    );
    let settled = [metric("revenue_per_order", "Net revenue per order.")];
    let plan = session.plan(&settled).unwrap();
    assert!(
        plan.conflicts.is_empty() && plan.is_noop(),
        "{:?}",
        plan.changes
    );
    session.apply(plan, false).unwrap();
    assert_eq!(pulled_description(&session), None);
}

#[test]
fn a_customer_rename_keeps_the_vendor_id_and_a_vendor_rename_renames_in_place() {
    let repo = repo();
    let session = bi(repo.path());
    let desired = [metric("revenue_per_order", "Revenue divided by orders.")];
    session
        .apply(session.plan(&desired).unwrap(), false)
        .unwrap();
    merge_pr(repo.path());
    session
        .apply(session.plan(&desired).unwrap(), false)
        .unwrap();

    edit_file(
        repo.path(),
        "models/marts/_metrics.yml",
        "name: revenue_per_order",
        "name: avg_order_revenue",
    );
    let plan = session.plan(&desired).unwrap();
    assert!(
        plan.changes.is_empty(),
        "no duplicate, no re-create: {:?}",
        plan.changes
    );
    let changes = updated(&plan.vendor_changes);
    assert_eq!(changes.len(), 1, "{:?}", plan.vendor_changes);
    assert_eq!(changes[0].0, "bi-42");
    assert_eq!(changes[0].2["name"], "avg_order_revenue");

    // The vendor takes the new name; then renames it itself.
    let renamed = [metric("avg_order_revenue", "Revenue divided by orders.")];
    let plan = session.plan(&renamed).unwrap();
    assert!(plan.is_noop() && mine(&plan.vendor_changes).is_empty());
    session.apply(plan, false).unwrap();
    let vendor_rename = [metric("revenue_per_order_v2", "Revenue divided by orders.")];
    let plan = session.plan(&vendor_rename).unwrap();
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].resource, "metric.shop.revenue_per_order_v2");
    assert!(plan.files[0].after.contains("name: revenue_per_order_v2"));
    assert!(!plan.files[0].after.contains("name: avg_order_revenue"));
}

#[test]
fn squash_merge_and_merge_with_edits_are_agreed_and_not_reverted() {
    let repo = repo();
    let session = bi(repo.path());
    let desired = [metric("revenue_per_order", "Revenue divided by orders.")];
    session
        .apply(session.plan(&desired).unwrap(), false)
        .unwrap();
    // Squash: the branch's files land on main as a new commit, with a customer tweak.
    git(
        repo.path(),
        &[
            "checkout",
            "-q",
            "interop/acme-bi",
            "--",
            "models/marts/_metrics.yml",
        ],
    );
    git(repo.path(), &["commit", "-qm", "Squashed PR"]);
    edit_file(
        repo.path(),
        "models/marts/_metrics.yml",
        "label: Revenue per order",
        "label: Avg. revenue per order",
    );
    let plan = session.plan(&desired).unwrap();
    assert!(
        plan.is_noop(),
        "the customer's edit is not reverted: {:?}",
        plan.changes
    );
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    let changes = updated(&plan.vendor_changes);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].1, ["label"]);
}

#[test]
fn a_closed_pull_request_is_the_customers_answer() {
    let repo = repo();
    let session = bi(repo.path());
    let desired = [metric("revenue_per_order", "Revenue divided by orders.")];
    session
        .apply(session.plan(&desired).unwrap(), false)
        .unwrap();
    git(repo.path(), &["branch", "-D", "interop/acme-bi"]);
    let plan = session.plan(&desired).unwrap();
    assert!(
        plan.is_noop(),
        "a declined proposal is not re-opened: {:?}",
        plan.changes
    );
    assert!(
        matches!(mine(&plan.vendor_changes).as_slice(), [VendorChange::Deleted { id, .. }] if id == "bi-42"),
        "{:?}",
        plan.vendor_changes
    );
}

#[test]
fn a_catalog_session_cannot_write_sql_or_create_models() {
    let repo = repo();
    let session = SyncSession::open(
        repo.path(),
        SessionOptions::new("acme-catalog", Scope::catalog()),
    )
    .unwrap();
    let sql = Desired {
        id: "c1".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "orders".into(),
            value: json!({"name": "orders", "sql": "select 1"}),
            file: None,
        },
    };
    let err = session.plan(&[sql]).unwrap_err();
    assert!(matches!(err, SessionError::Scope(_)), "{err}");
    assert!(err.to_string().contains("'sql'"), "{err}");
    let new_model = Desired {
        id: "c2".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "not_in_repo".into(),
            value: json!({"name": "not_in_repo", "description": "x"}),
            file: None,
        },
    };
    let err = session.plan(&[new_model]).unwrap_err();
    assert!(err.to_string().contains("creating a model"), "{err}");

    // Docs are fine: a description lands, nothing else in the file moves.
    let doc = Desired {
        id: "c3".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "order_items".into(),
            value: json!({"name": "order_items", "description": "Every item of every order, priced."}),
            file: None,
        },
    };
    // The repo already has a description the catalog never saw: a conflict, the repo's kept.
    let plan = session.plan(std::slice::from_ref(&doc)).unwrap();
    assert!(plan.is_noop());
    assert_eq!(plan.conflicts.len(), 1, "{:?}", plan.conflicts);
    session.apply(plan, false).unwrap();
    session
        .resolve("c3", "description", Choice::Vendor)
        .unwrap();
    let plan = session.plan(&[doc]).unwrap();
    assert_eq!(plan.files.len(), 1, "{:?}", plan.errors);
    let f = &plan.files[0];
    let before = f.before.as_deref().unwrap();
    let changed: Vec<_> = before
        .lines()
        .zip(f.after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
}

/// The oracle venv beside the repo (or `$INTEROP_ORACLE_VENV`); `None` skips the dbt check
/// unless `INTEROP_REQUIRE_ORACLE` is set.
fn oracle_venv() -> Option<PathBuf> {
    let venv = std::env::var_os("INTEROP_ORACLE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-oracle"));
    if venv.join("bin/dbt").exists() {
        return Some(venv);
    }
    assert!(
        std::env::var_os("INTEROP_REQUIRE_ORACLE").is_none(),
        "the oracle venv is required but missing at {}",
        venv.display()
    );
    None
}

#[test]
fn what_a_sync_writes_passes_dbt_parse() {
    let Some(venv) = oracle_venv() else { return };
    let repo = repo();
    let session = bi(repo.path());
    let hostile = metric(
        "revenue_per_order",
        "Revenue per order, {{ run_query('drop table orders') }} style.",
    );
    session
        .apply(session.plan(&[hostile]).unwrap(), false)
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let archive = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "git -C '{}' archive interop/acme-bi | tar -x -C '{}'",
            repo.path().display(),
            out.path().display()
        ))
        .status()
        .unwrap();
    assert!(archive.success());
    let shared = std::env::var_os("INTEROP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let check = Command::new("bash")
        .arg(shared.join("oracle/dbt-check.sh"))
        .arg(out.path())
        .env("INTEROP_ORACLE_VENV", &venv)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "dbt-check failed:\n{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn a_vendor_that_knows_only_some_fields_never_deletes_the_others() {
    let repo = repo();
    let session = SyncSession::open(
        repo.path(),
        SessionOptions::new("acme-catalog", Scope::catalog()),
    )
    .unwrap();
    // The catalog only knows an owner note; the model has a description, columns and tags.
    let note = [Desired {
        id: "c1".into(),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: "order_items".into(),
            value: json!({"name": "order_items", "config": {"meta": {"steward": "finance"}}}),
            file: None,
        },
    }];
    let plan = session.plan(&note).unwrap();
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(
        plan.changes[0].fields,
        ["config"],
        "no meta in scope before"
    );
    assert_eq!(plan.stats.insertions, 2, "{:?}", plan.stats);
    session.apply(plan, false).unwrap();
    git(
        repo.path(),
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "merge",
            "interop/acme-catalog",
        ],
    );
    for _ in 0..2 {
        let plan = session.plan(&note).unwrap();
        assert!(plan.is_noop(), "{:?}", plan.changes);
        assert!(plan.conflicts.is_empty());
        session.apply(plan, false).unwrap();
    }
    let status = session.status().unwrap();
    assert_eq!((status.agreed, status.proposed), (1, 0));
}

#[test]
fn a_customer_who_reverts_a_merged_proposal_is_heard() {
    let repo = repo();
    let session = bi(repo.path());
    let first = [metric("revenue_per_order", "Revenue divided by orders.")];
    session.apply(session.plan(&first).unwrap(), false).unwrap();
    merge_pr(repo.path());
    session.apply(session.plan(&first).unwrap(), false).unwrap();

    // The vendor changes the description; the customer merges it, then puts the old text back
    // (the sync branch is still there, as after a PR merge without branch deletion).
    let second = [metric(
        "revenue_per_order",
        "Revenue per order, returns included.",
    )];
    session
        .apply(session.plan(&second).unwrap(), false)
        .unwrap();
    merge_pr(repo.path());
    edit_file(
        repo.path(),
        "models/marts/_metrics.yml",
        "description: Revenue per order, returns included.",
        "description: Revenue divided by orders.",
    );
    let plan = session.plan(&second).unwrap();
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert!(
        plan.is_noop(),
        "the customer's revert stays: {:?}",
        plan.changes
    );
    let description = plan.vendor_changes.iter().find_map(|c| match c {
        VendorChange::Updated { id, state, .. } if id == "bi-42" => {
            Some(state.value["description"].clone())
        }
        _ => None,
    });
    assert_eq!(description, Some(json!("Revenue divided by orders.")));
}
