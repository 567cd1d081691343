//! YAML selectors are resources of the project's `selectors.yml` (kind `selector`): read with
//! their location, created in a new `selectors.yml`, edited in place with every other byte of
//! the file kept; analyses are created and their SQL replaced like a model's.

mod common;

use interop_sync::edit::plan::{PlanOptions, ResourceOp, apply_plan};
use interop_sync::model::ResourceKind;
use interop_sync::plan::{ops_between, state_of};
use interop_sync::read::{FolderSource, Reader};
use serde_json::json;

fn shop_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let shop = common::fixture_projects()
        .into_iter()
        .find(|p| p.ends_with("shop"))
        .expect("shop fixture");
    common::copy_dir(&shop, tmp.path());
    tmp
}

/// Writes the plan's files into the folder.
fn write(dir: &std::path::Path, changes: &interop_sync::edit::plan::PlannedChanges) {
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    for f in &changes.files {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &f.after).unwrap();
    }
}

const SELECTORS: &str = "\
# Jobs the scheduler runs.
selectors:
  # Every night.
  - name: nightly_marts
    description: Marts, rebuilt every night.
    definition:
      union:
        - method: path
          value: models/marts
        - exclude:
            - method: tag
              value: legacy
  - name: staging_only
    definition: \"tag:staging\"   # every staging model
";

#[test]
fn selectors_are_read_created_and_edited_in_place() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let reader = Reader::default();
    let project = reader.read(&source).unwrap();
    assert!(
        !project
            .resources
            .iter()
            .any(|r| r.kind == ResourceKind::Selector)
    );
    // A new selector in a repo without selectors.yml: the file is created.
    let created = ResourceOp::AddEntry {
        key: "selectors".into(),
        entry: json!({"name": "hourly_orders", "description": "Orders, hourly.",
                      "definition": {"method": "fqn", "value": "orders"}}),
        file: None,
    };
    let changes = apply_plan(&project, &source, &[created], &PlanOptions::default());
    assert_eq!(changes.files.len(), 1);
    assert_eq!(changes.files[0].path, "selectors.yml");
    assert!(changes.files[0].before.is_none());
    write(tmp.path(), &changes);
    let project = reader.read(&source).unwrap();
    assert!(project.errors.is_empty(), "{:#?}", project.errors);
    let r = project
        .get("selector.shop.hourly_orders")
        .expect("read back");
    assert_eq!(&*r.location.file, "selectors.yml");
    assert_eq!(r.location.yaml_path, "selectors[0]");
    let state = state_of(&project, &source, r, false).unwrap();
    assert_eq!(
        state.value,
        json!({"name": "hourly_orders", "description": "Orders, hourly.",
               "definition": {"method": "fqn", "value": "orders"}})
    );

    // The customer's own file with comments: one selector's definition changes, another is
    // renamed; the comments and the untouched entry stay byte for byte.
    std::fs::write(tmp.path().join("selectors.yml"), SELECTORS).unwrap();
    let project = reader.read(&source).unwrap();
    let nightly = project.get("selector.shop.nightly_marts").unwrap();
    let current = state_of(&project, &source, nightly, false).unwrap();
    let mut target = current.clone();
    target.value["definition"]["union"][0]["value"] = json!("models/marts/finance");
    let mut ops = ops_between(
        Some("selector.shop.nightly_marts"),
        Some(&current),
        Some(&target),
    );
    ops.push(ResourceOp::Rename {
        resource: "selector.shop.staging_only".into(),
        new_name: "staging".into(),
    });
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    let after = &changes.files[0].after;
    assert_eq!(
        after,
        &SELECTORS
            .replace("value: models/marts\n", "value: models/marts/finance\n")
            .replace("- name: staging_only", "- name: staging")
    );
    // A selector is removed with its entry only.
    let removed = apply_plan(
        &project,
        &source,
        &[ResourceOp::Remove {
            resource: "selector.shop.staging_only".into(),
        }],
        &PlanOptions::default(),
    );
    assert!(removed.errors.is_empty(), "{:#?}", removed.errors);
    assert_eq!(
        removed.files[0].after,
        SELECTORS.split("  - name: staging_only").next().unwrap()
    );
}

#[test]
fn a_selectors_key_elsewhere_is_not_a_selector() {
    let tmp = shop_copy();
    std::fs::write(
        tmp.path().join("models/_selectors.yml"),
        "selectors:\n  - name: x\n    definition: \"tag:a\"\n",
    )
    .unwrap();
    let project = Reader::default()
        .read(&FolderSource::new(tmp.path()))
        .unwrap();
    assert!(project.get("selector.shop.x").is_none());
    assert!(
        project
            .errors
            .iter()
            .any(|e| e.file == "models/_selectors.yml" && e.message.contains("selectors")),
        "{:#?}",
        project.errors
    );
}

#[test]
fn analyses_are_created_and_their_sql_replaced() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let reader = Reader::default();
    let project = reader.read(&source).unwrap();
    let sql = "select order_id\nfrom {{ ref('orders') }}\n";
    let target = interop_sync::plan::ResourceState {
        kind: ResourceKind::Analysis,
        name: "large_orders".into(),
        value: json!({"name": "large_orders", "sql": sql}),
        file: None,
    };
    let ops = ops_between(None, None, Some(&target));
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert_eq!(changes.files[0].path, "analyses/large_orders.sql");
    write(tmp.path(), &changes);
    let project = reader.read(&source).unwrap();
    let r = project
        .get("analysis.shop.large_orders")
        .expect("read back");
    let current = state_of(&project, &source, r, true).unwrap();
    assert_eq!(current.value["sql"], json!(sql));
    let mut next = current.clone();
    next.value["sql"] =
        json!("select order_id\nfrom {{ ref('orders') }}\nwhere order_total > 100\n");
    let ops = ops_between(
        Some("analysis.shop.large_orders"),
        Some(&current),
        Some(&next),
    );
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    assert_eq!(changes.files[0].after, next.value["sql"].as_str().unwrap());
    // Not outside the analysis paths.
    let elsewhere = ResourceOp::AddAnalysis {
        name: "x".into(),
        sql: "select 1".into(),
        file: Some("models/x.sql".into()),
    };
    let refused = apply_plan(&project, &source, &[elsewhere], &PlanOptions::default());
    assert_eq!(refused.errors.len(), 1);
}
