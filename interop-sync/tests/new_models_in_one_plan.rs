//! Several new things in one plan that land in one new properties file: two models in a new
//! folder share the folder's new file, and a metric of a model the same plan adds goes into
//! that model's new entry (whatever the order of the operations).

mod common;

use interop_sync::edit::plan::{PlanOptions, ResourceOp, apply_plan};
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

fn model(name: &str, entry: serde_json::Value) -> ResourceOp {
    ResourceOp::AddSqlModel {
        path: format!("models/ml/{name}.sql"),
        sql: "select customer_id from {{ ref('orders') }}\n".into(),
        entry,
    }
}

#[test]
fn two_new_models_and_a_metric_on_one_of_them_share_the_new_file() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let reader = Reader::default();
    let project = reader.read(&source).unwrap();
    let ops = vec![
        // The metric first: it waits for its model's entry.
        ResourceOp::AddEntry {
            key: "metrics".into(),
            entry: json!({"name": "scored_customers", "type": "simple", "agg": "count",
                          "expr": "customer_id"}),
            file: Some("#customer_scores".into()),
        },
        model(
            "customer_scores",
            json!({"name": "customer_scores", "description": "Scores.",
                   "semantic_model": {"enabled": true},
                   "columns": [{"name": "customer_id",
                                "entity": {"type": "primary", "name": "scored_customer"}}]}),
        ),
        model(
            "customer_features",
            json!({"name": "customer_features", "description": "Features."}),
        ),
    ];
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    let yml: Vec<_> = changes
        .files
        .iter()
        .filter(|f| f.path.ends_with(".yml"))
        .collect();
    assert_eq!(yml.len(), 1, "{:#?}", changes.files);
    let text = &yml[0].after;
    assert!(
        text.starts_with("version: 2\n\nmodels:\n  - name: "),
        "{text}"
    );
    assert!(text.contains("  - name: customer_features\n"), "{text}");
    assert!(
        text.contains("    metrics:\n      - name: scored_customers\n"),
        "{text}"
    );
    for f in &changes.files {
        let path = tmp.path().join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &f.after).unwrap();
    }
    let project = reader.read(&source).unwrap();
    assert!(project.errors.is_empty(), "{:#?}", project.errors);
    for id in [
        "model.shop.customer_scores",
        "model.shop.customer_features",
        "metric.shop.scored_customers",
    ] {
        assert!(project.get(id).is_some(), "{id}");
    }
}
