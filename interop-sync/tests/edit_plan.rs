//! Edit plans on a realistic project: the operations land where a person would put them, the
//! project still reads, and dbt itself accepts the result with zero warnings — including vendor
//! text that looks like Jinja, which must reach dbt's manifest as written.

mod common;

use interop_sync::edit::dbt_rules::TestSpec;
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

const HOSTILE: &str = "Revenue for {{ run_query('drop table orders') }} and {% if x %}";

fn ops() -> Vec<ResourceOp> {
    vec![
        // A description that is a `{{ doc() }}` reference: the docs block is edited instead.
        ResourceOp::Set {
            resource: "model.shop.orders".into(),
            field: "description".into(),
            value: json!("One row per order.\n\nTotals in EUR."),
        },
        // Vendor text with Jinja is escaped.
        ResourceOp::Set {
            resource: "metric.shop.revenue".into(),
            field: "description".into(),
            value: json!(HOSTILE),
        },
        ResourceOp::Set {
            resource: "metric.shop.revenue".into(),
            field: "label".into(),
            value: json!("Revenue (EUR)"),
        },
        // Nested keys are created where missing.
        ResourceOp::Set {
            resource: "model.shop.orders".into(),
            field: "config.meta.owner".into(),
            value: json!("@finance"),
        },
        ResourceOp::AddTest {
            resource: "model.shop.orders".into(),
            column: Some("order_id".into()),
            test: TestSpec {
                name: "accepted_values".into(),
                arguments: json!({"values": [1, 2, 3]}).as_object().unwrap().clone(),
                config: json!({"severity": "warn", "where": "order_id < 4"})
                    .as_object()
                    .unwrap()
                    .clone(),
                ..Default::default()
            },
        },
        ResourceOp::SetColumn {
            resource: "model.shop.orders".into(),
            column: "order_id".into(),
            field: "description".into(),
            value: json!("yes"),
        },
        ResourceOp::Rename {
            resource: "exposure.shop.executive_kpis".into(),
            new_name: "executive_kpi_dashboard".into(),
        },
    ]
}

#[test]
fn plan_lands_and_dbt_accepts_it() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let reader = Reader::default();
    let project = reader.read(&source).unwrap();
    let ops = ops();
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    assert!(
        changes.files.len() >= 2,
        "{:#?}",
        changes.files.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    for change in &changes.files {
        std::fs::write(tmp.path().join(&change.path), &change.after).unwrap();
    }
    let after = reader.read(&source).unwrap();
    assert!(after.errors.is_empty(), "{:#?}", after.errors);
    // The doc reference stayed; the docs block holds the new text.
    let orders = after.get("model.shop.orders").unwrap();
    assert!(
        orders
            .description
            .as_deref()
            .unwrap()
            .contains("doc('finance_orders')")
    );
    let doc = after.get("doc.shop.finance_orders").unwrap();
    assert_eq!(
        doc.description.as_deref().unwrap().trim(),
        "One row per order.\n\nTotals in EUR."
    );
    assert_eq!(
        orders.properties.get("config").unwrap()["meta"]["owner"],
        json!("@finance")
    );
    let col = orders
        .columns
        .iter()
        .find(|c| c.name == "order_id")
        .unwrap();
    assert_eq!(col.description.as_deref(), Some("yes"));
    assert!(after.resources.iter().any(|r| {
        r.unique_id
            .as_str()
            .starts_with("test.shop.accepted_values_orders_order_id__1__2__3.")
    }));
    assert_eq!(after.resources.len(), project.resources.len() + 1);
    assert!(after.get("exposure.shop.executive_kpi_dashboard").is_some());
    assert!(after.get("exposure.shop.executive_kpis").is_none());

    // dbt agrees, and the hostile text reached the manifest as written, not executed.
    if let Some(manifest) = common::dbt_manifest(tmp.path()) {
        let metric = &manifest["metrics"]["metric.shop.revenue"];
        assert_eq!(metric["description"], json!(HOSTILE));
        assert_eq!(metric["label"], json!("Revenue (EUR)"));
        let docs = &manifest["docs"]["doc.shop.finance_orders"]["block_contents"];
        assert_eq!(
            docs.as_str().unwrap().trim(),
            "One row per order.\n\nTotals in EUR."
        );
    }
}

#[test]
fn a_plan_that_cannot_apply_leaves_files_alone() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let project = Reader::default().read(&source).unwrap();
    let changes = apply_plan(
        &project,
        &source,
        &[
            ResourceOp::Set {
                resource: "model.shop.nope".into(),
                field: "description".into(),
                value: json!("x"),
            },
            ResourceOp::Rename {
                resource: "model.shop.orders".into(),
                new_name: "orders2".into(),
            },
        ],
        &PlanOptions::default(),
    );
    assert!(changes.files.is_empty());
    assert_eq!(changes.errors.len(), 2, "{:#?}", changes.errors);
    assert!(
        changes.errors[0]
            .to_string()
            .contains("model.shop.nope: no such resource")
    );
    assert!(
        changes.errors[1]
            .to_string()
            .contains("is named by its file")
    );
}

#[test]
fn new_models_are_house_style_and_build() {
    use interop_sync::render::{ColumnSpec, ModelSql, Upstream};
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let reader = Reader::default();
    let project = reader.read(&source).unwrap();
    let customer_orders = ResourceOp::AddModel {
        name: "customer_order_counts".into(),
        folder: "marts/finance".into(),
        sql: ModelSql {
            imports: vec![("orders".into(), Upstream::Ref("orders".into()))],
            body: "select\n    customer_id,\n    count(*) as order_count\nfrom orders\ngroup by customer_id".into(),
        },
        description: Some("Orders per customer, from the BI tool.".into()),
        columns: vec![
            ColumnSpec { name: "customer_id".into(), description: Some("The customer.".into()), primary_key: true, ..Default::default() },
            ColumnSpec { name: "order_count".into(), description: Some("How many orders.".into()), ..Default::default() },
        ],
        meta: Some(json!({"source_tool": "bi"})),
    };
    let new_folder = ResourceOp::AddModel {
        name: "payment_methods".into(),
        folder: "marts/payments".into(),
        sql: ModelSql {
            imports: vec![(
                "payments".into(),
                Upstream::Ref("stg_stripe__payments".into()),
            )],
            body: "select distinct payment_method\nfrom payments".into(),
        },
        description: Some("Payment methods seen.".into()),
        columns: vec![ColumnSpec {
            name: "payment_method".into(),
            description: Some("The method.".into()),
            primary_key: true,
            ..Default::default()
        }],
        meta: None,
    };
    let changes = apply_plan(
        &project,
        &source,
        &[customer_orders, new_folder],
        &PlanOptions::default(),
    );
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    let paths: Vec<&str> = changes.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "models/marts/finance/_finance__models.yml",
            "models/marts/finance/customer_order_counts.sql",
            "models/marts/payments/_payments__models.yml",
            "models/marts/payments/payment_methods.sql",
        ]
    );
    for change in &changes.files {
        let path = tmp.path().join(&change.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &change.after).unwrap();
    }
    insta::assert_snapshot!("new_model_sql", changes.files[1].after);
    insta::assert_snapshot!("new_properties_file", changes.files[2].after);
    let after = reader.read(&source).unwrap();
    assert!(after.errors.is_empty(), "{:#?}", after.errors);
    assert!(after.get("model.shop.customer_order_counts").is_some());
    assert!(after.resources.iter().any(|r| {
        r.unique_id
            .as_str()
            .starts_with("test.shop.unique_payment_methods_payment_method.")
    }));
    let sql_files: Vec<std::ffi::OsString> = [&changes.files[1].path, &changes.files[3].path]
        .iter()
        .map(|p| tmp.path().join(p).into_os_string())
        .collect();
    let args: Vec<&std::ffi::OsStr> = sql_files.iter().map(|s| s.as_os_str()).collect();
    common::oracle("sql-style.sh", &args);
    common::oracle(
        "dbt-check.sh",
        &["--build".as_ref(), tmp.path().as_os_str()],
    );
}

#[test]
fn remove_and_move_resources() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let reader = Reader::default();
    let project = reader.read(&source).unwrap();
    let analysis = project
        .resources
        .iter()
        .find(|r| r.kind == interop_sync::model::ResourceKind::Analysis)
        .unwrap();
    let ops = vec![
        ResourceOp::Remove {
            resource: "exposure.shop.crm_customer_sync".into(),
        },
        ResourceOp::Move {
            resource: "exposure.shop.channel_attribution".into(),
            to_file: "models/marts/marketing/_marketing__exposures.yml".into(),
        },
        ResourceOp::Remove {
            resource: analysis.unique_id.to_string(),
        },
    ];
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    // The analyses' properties file held only this analysis: it goes too, rather than
    // staying behind as `analyses: []`.
    assert_eq!(
        changes.deleted,
        vec![
            "analyses/_analyses.yml".to_string(),
            analysis.location.file.to_string()
        ]
    );
    for change in &changes.files {
        std::fs::write(tmp.path().join(&change.path), &change.after).unwrap();
    }
    for path in &changes.deleted {
        std::fs::remove_file(tmp.path().join(path)).unwrap();
    }
    let after = reader.read(&source).unwrap();
    assert!(after.errors.is_empty(), "{:#?}", after.errors);
    assert!(after.get("exposure.shop.crm_customer_sync").is_none());
    let moved = after.get("exposure.shop.channel_attribution").unwrap();
    assert_eq!(
        &*moved.location.file,
        "models/marts/marketing/_marketing__exposures.yml"
    );
    assert_eq!(
        moved.properties,
        project
            .get("exposure.shop.channel_attribution")
            .unwrap()
            .properties
    );
    assert!(after.get(analysis.unique_id.as_str()).is_none());
    assert_eq!(after.resources.len(), project.resources.len() - 2);
    common::dbt_manifest(tmp.path());
}

#[test]
fn entries_sql_config_and_vendor_sql() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let reader = Reader::default();
    let project = reader.read(&source).unwrap();
    let payments_sql = std::fs::read_to_string(
        tmp.path()
            .join("models/staging/stripe/stg_stripe__payments.sql"),
    )
    .unwrap();
    let ops = vec![
        ResourceOp::AddEntry {
            key: "exposures".into(),
            entry: json!({
                "name": "churn_board",
                "label": "Churn board {{ from the BI tool }}",
                "type": "dashboard",
                "maturity": "medium",
                "url": "https://bi.example.com/d/7",
                "depends_on": ["ref('orders')", "metric('revenue')"],
                "owner": {"name": "Growth", "email": "growth@example.com"},
                "config": {"meta": {"external_id": "dash-7"}}
            }),
            file: None,
        },
        ResourceOp::AddEntry {
            key: "metrics".into(),
            entry: json!({
                "name": "revenue_per_order",
                "label": "Revenue per order",
                "type": "derived",
                "expr": "revenue / nullif(order_count, 0)",
                "input_metrics": [{"name": "revenue"}, {"name": "order_count"}]
            }),
            file: Some("models/marts/finance/_finance__metrics.yml".into()),
        },
        ResourceOp::AddEntry {
            key: "groups".into(),
            entry: json!({"name": "growth", "owner": {"name": "Growth", "email": "growth@example.com"}}),
            file: None,
        },
        ResourceOp::SetSqlConfig {
            resource: "model.shop.stg_shop_db__customers".into(),
            values: json!({"tags": ["vendor"], "meta": {"owner": "@growth"}})
                .as_object()
                .unwrap()
                .clone(),
        },
        ResourceOp::ReplaceSql {
            resource: "model.shop.stg_stripe__payments".into(),
            sql: format!("-- managed by the ELT tool\n{payments_sql}"),
        },
    ];
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    for change in &changes.files {
        let path = tmp.path().join(&change.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &change.after).unwrap();
    }
    let after = reader.read(&source).unwrap();
    assert!(after.errors.is_empty(), "{:#?}", after.errors);
    assert!(after.get("exposure.shop.churn_board").is_some());
    assert_eq!(
        &*after
            .get("metric.shop.revenue_per_order")
            .unwrap()
            .location
            .file,
        "models/marts/finance/_finance__metrics.yml"
    );
    assert!(after.get("group.shop.growth").is_some());
    let customers = after.get("model.shop.stg_shop_db__customers").unwrap();
    assert_eq!(customers.sql_config["tags"], json!(["vendor"]));
    if let Some(manifest) = common::dbt_manifest(tmp.path()) {
        assert_eq!(
            manifest["exposures"]["exposure.shop.churn_board"]["label"],
            json!("Churn board {{ from the BI tool }}")
        );
        assert_eq!(
            manifest["nodes"]["model.shop.stg_shop_db__customers"]["config"]["meta"]["owner"],
            json!("@growth")
        );
        assert!(manifest["metrics"]["metric.shop.revenue_per_order"].is_object());
    }
}

#[test]
fn a_changed_test_list_is_edited_item_by_item_and_singular_tests_are_files() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let reader = Reader::default();
    let project = reader.read(&source).unwrap();
    let file = "models/staging/shop_db/_shop_db__models.yml";
    let before = std::fs::read_to_string(tmp.path().join(file)).unwrap();
    let ops = vec![
        // One test of three changes its severity, one goes, one is new; the flow list of the
        // order items' key keeps its style.
        ResourceOp::SetColumn {
            resource: "model.shop.stg_shop_db__orders".into(),
            column: "customer_id".into(),
            field: "data_tests".into(),
            value: json!([
                {"not_null": {"config": {"severity": "warn"}}},
                {"unique": {"config": {"where": "ordered_at > '{{ var(\"orders_start_date\") }}'"}}}
            ]),
        },
        ResourceOp::SetColumn {
            resource: "model.shop.stg_shop_db__order_items".into(),
            column: "order_item_id".into(),
            field: "data_tests".into(),
            value: json!(["unique", "not_null", {"not_negative": {"arguments": {"allow_null": false}}}]),
        },
        // A docs block's description is its text.
        ResourceOp::Set {
            resource: "doc.shop.order_status".into(),
            field: "description".into(),
            value: json!("Lifecycle state of an order (see the checkout service)."),
        },
        ResourceOp::AddSingularTest {
            name: "assert_positive_totals".into(),
            sql: "select order_id\nfrom {{ ref('orders') }}\nwhere order_total < 0".into(),
            file: None,
        },
    ];
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    let edited = changes.files.iter().find(|f| f.path == file).unwrap();
    // Only the changed tests' lines differ: the relationships test is gone, not_null became a
    // mapping, a unique test follows; the flow list gained one item on its own line.
    assert!(
        edited.after.contains(
            "        data_tests:\n          - not_null:\n              config:\n                severity: warn\n          - unique:\n"
        ),
        "{}",
        edited.after
    );
    assert!(
        edited.after.contains(
            "data_tests: [unique, not_null, {not_negative: {arguments: {allow_null: false}}}]"
        ),
        "{}",
        edited.after
    );
    assert!(
        !edited.after.contains("to: ref('stg_shop_db__customers')"),
        "the relationships test is removed"
    );
    // Outside the two edited lists, every byte is as it was.
    let split = |t: &str| {
        let orders = t.find("  - name: stg_shop_db__orders").unwrap();
        let column = orders + t[orders..].find("      - name: customer_id").unwrap();
        let status = orders + t[orders..].find("      - name: status").unwrap();
        (t[..column].to_string(), t[status..].to_string())
    };
    let (head_before, tail_before) = split(&before);
    let (head_after, tail_after) = split(&edited.after);
    assert_eq!(head_before, head_after);
    assert_eq!(
        tail_before.replacen(
            "data_tests: [unique, not_null]\n      - name: order_id",
            "data_tests: [unique, not_null, {not_negative: {arguments: {allow_null: false}}}]\n      - name: order_id",
            1
        ),
        tail_after
    );
    let docs = changes
        .files
        .iter()
        .find(|f| f.path == "models/staging/shop_db/_shop_db__docs.md")
        .expect("the docs file");
    assert!(docs.after.contains(
        "{% docs order_status %}\nLifecycle state of an order (see the checkout service).\n{% enddocs %}"
    ));
    let singular = changes
        .files
        .iter()
        .find(|f| f.path == "tests/assert_positive_totals.sql")
        .expect("the singular test file");
    assert!(singular.before.is_none() && singular.after.ends_with("< 0\n"));
    let written = tempfile::tempdir().unwrap();
    common::copy_dir(tmp.path(), written.path());
    for change in &changes.files {
        std::fs::write(written.path().join(&change.path), &change.after).unwrap();
    }
    let after = reader.read(&FolderSource::new(written.path())).unwrap();
    assert!(after.errors.is_empty(), "{:#?}", after.errors);
    assert!(after.get("test.shop.assert_positive_totals").is_some());
    common::dbt_manifest(written.path());

    // A reorder of kept tests falls back to setting the whole list (still lossless elsewhere).
    let reorder = vec![ResourceOp::SetColumn {
        resource: "model.shop.stg_shop_db__products".into(),
        column: "product_id".into(),
        field: "data_tests".into(),
        value: json!(["not_null", "unique"]),
    }];
    let changes = apply_plan(&project, &source, &reorder, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    assert!(changes.files[0].after.contains("not_null"));
}

#[test]
fn embedded_metrics_appended_list_items_and_models_from_sql() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let project = Reader::default().read(&source).unwrap();
    let finance = "models/marts/finance/_finance__models.yml";
    let ops = vec![
        // A metric inside the `orders` model's entry (model-embedded semantic layer).
        ResourceOp::AddEntry {
            key: "metrics".into(),
            entry: json!({"name": "gift_orders", "type": "simple", "agg": "count",
                "expr": "order_id", "filter": "{{ Dimension('order__status') }} != 'returned'"}),
            file: Some("#orders".into()),
        },
        // An item appended to a list field; the items before stay as written.
        ResourceOp::Append {
            resource: "metric.shop.revenue_per_customer".into(),
            field: "input_metrics".into(),
            value: json!({"name": "order_count"}),
        },
        // A model given as SQL, with its properties entry.
        ResourceOp::AddSqlModel {
            path: "models/marts/finance/daily_totals.sql".into(),
            sql: "select 1 as day_number".into(),
            entry: json!({"name": "daily_totals", "description": "Per day {{ x }}."}),
        },
    ];
    let planned = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(planned.errors.is_empty(), "{:?}", planned.errors);
    let file = |path: &str| planned.files.iter().find(|f| f.path == path).unwrap();
    let models = file(finance);
    let before = models.before.as_deref().unwrap();
    // Only insertions: nothing the file had is rewritten.
    let kept: Vec<&str> = models.after.lines().collect();
    assert!(before.lines().all(|l| kept.contains(&l)));
    let revenue_metrics = models.after.find("      - name: revenue\n").unwrap();
    let gift = models.after.find("      - name: gift_orders\n").unwrap();
    assert!(gift > revenue_metrics, "inside the orders entry's metrics");
    assert!(models.after.contains("{{ Dimension(''order__status'') }}"));
    assert!(
        models
            .after
            .contains("'{% raw %}Per day {{ x }}.{% endraw %}'")
    );
    let metrics = file("models/marts/_metrics.yml");
    let added: Vec<&str> = metrics
        .after
        .lines()
        .filter(|l| !metrics.before.as_deref().unwrap().lines().any(|b| b == *l))
        .collect();
    assert_eq!(added, ["      - name: order_count"], "{}", metrics.after);
    assert_eq!(
        file("models/marts/finance/daily_totals.sql").after,
        "select 1 as day_number\n"
    );
    // Read back, the new metric is in the orders semantic model and the model exists.
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(tmp.path(), dir.path());
    for f in &planned.files {
        std::fs::write(dir.path().join(&f.path), &f.after).unwrap();
    }
    let after = Reader::default()
        .read(&FolderSource::new(dir.path()))
        .unwrap();
    let gift = after.get("metric.shop.gift_orders").expect("read back");
    assert_eq!(
        gift.parent.as_ref().map(|p| p.as_str()),
        Some("semantic_model.shop.orders")
    );
    assert!(after.get("model.shop.daily_totals").is_some());
    // A model outside the model paths, or a second one of a name, is refused.
    let refused = apply_plan(
        &project,
        &source,
        &[ResourceOp::AddSqlModel {
            path: "analyses/orders.sql".into(),
            sql: "select 1".into(),
            entry: json!({"name": "orders"}),
        }],
        &PlanOptions::default(),
    );
    assert_eq!(refused.errors.len(), 1, "{:?}", refused.errors);
}

#[test]
fn a_repo_with_one_properties_file_per_model_gets_one_for_a_new_model() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let p = tmp.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "dbt_project.yml",
        "name: acme\nversion: '1.0'\nprofile: acme\nmodel-paths: [models]\n",
    );
    for name in ["stg_orders", "stg_customers"] {
        write(&format!("models/staging/{name}.sql"), "select 1 as id\n");
        write(
            &format!("models/staging/{name}.yml"),
            &format!("version: 2\n\nmodels:\n  - name: {name}\n    description: One row per id.\n"),
        );
    }
    let source = FolderSource::new(tmp.path());
    let project = Reader::default().read(&source).unwrap();
    let ops = [ResourceOp::AddSqlModel {
        path: "models/staging/stg_payments.sql".into(),
        sql: "select 1 as id\n".into(),
        entry: json!({"name": "stg_payments", "description": "One row per payment."}),
    }];
    let planned = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(planned.errors.is_empty(), "{:?}", planned.errors);
    let mut paths: Vec<&str> = planned.files.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "models/staging/stg_payments.sql",
            "models/staging/stg_payments.yml"
        ]
    );
    let yml = planned
        .files
        .iter()
        .find(|f| f.path.ends_with(".yml"))
        .unwrap();
    assert_eq!(
        yml.after,
        "version: 2\n\nmodels:\n  - name: stg_payments\n    description: One row per payment.\n"
    );
    assert!(
        planned.files.iter().all(|f| f.before.is_none()),
        "no existing file is touched"
    );
}

#[test]
fn a_new_column_gets_one_entry_however_many_fields_are_set() {
    let tmp = shop_copy();
    let source = FolderSource::new(tmp.path());
    let project = Reader::default().read(&source).unwrap();
    let set = |field: &str, value: serde_json::Value| ResourceOp::SetColumn {
        resource: "source.shop.shop_db.customers".into(),
        column: "first_name".into(),
        field: field.into(),
        value,
    };
    let ops = vec![
        set("description", json!("Given name as typed at sign-up.")),
        set("config.meta", json!({"glossary_terms": ["Customer"]})),
        set("config.tags", json!(["pii"])),
        ResourceOp::AddTest {
            resource: "source.shop.shop_db.customers".into(),
            column: Some("first_name".into()),
            test: TestSpec {
                name: "not_null".into(),
                ..Default::default()
            },
        },
        ResourceOp::AddTest {
            resource: "source.shop.shop_db.customers".into(),
            column: Some("first_name".into()),
            test: TestSpec {
                name: "unique".into(),
                ..Default::default()
            },
        },
    ];
    let changes = apply_plan(&project, &source, &ops, &PlanOptions::default());
    assert!(changes.errors.is_empty(), "{:#?}", changes.errors);
    let [change] = &changes.files[..] else {
        panic!("{:#?}", changes.files)
    };
    assert_eq!(
        change.after.matches("- name: first_name").count(),
        1,
        "{}",
        change.after
    );
    std::fs::write(tmp.path().join(&change.path), &change.after).unwrap();
    let after = Reader::default().read(&source).unwrap();
    assert!(after.errors.is_empty(), "{:#?}", after.errors);
    let customers = after.get("source.shop.shop_db.customers").unwrap();
    let column = customers
        .columns
        .iter()
        .find(|c| c.name == "first_name")
        .expect("the new column");
    assert_eq!(
        column.description.as_deref(),
        Some("Given name as typed at sign-up.")
    );
    assert!(
        change.after.contains("tags:") && change.after.contains("glossary_terms:"),
        "{}",
        change.after
    );
    assert!(change.after.contains("- not_null"), "{}", change.after);
    assert!(change.after.contains("- unique"), "{}", change.after);
}
