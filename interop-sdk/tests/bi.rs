//! BI objects through a sync session on real repos (legacy spec, model-embedded spec, no
//! semantic layer yet): they land as dbt code dbt parses without a warning, come back equal,
//! and the customer's edits and hand-written metrics reach the tool.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use interop_sdk::bi::{
    self, Agg, BiObjects, Calculation, Dashboard, DashboardInput, Dimension, DimensionType, Entity,
    EntityType, Granularity, Maturity, Metric, MetricInput, MetricType, Owner, RepoInfo,
    SavedQuery, SemanticModel, Spec, Transform, TransformColumn,
};
use interop_sdk::{Scope, SessionError, SessionOptions, SyncSession, VendorChange};
use serde_json::Value;

use common::{copy_dir, git};

fn fixture(name: &str) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    match name {
        "plain" => here.join("tests/fixtures/bi/plain"),
        other => here
            .join("../interop-sync/tests/fixtures/projects")
            .join(other),
    }
}

/// A temp git repo (branch `main`) holding a copy of a fixture project.
fn repo(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), tmp.path());
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-qm", "project"]);
    tmp
}

fn session(dir: &Path, vendor: &str) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new(vendor, Scope::bi())).unwrap()
}

fn merge(dir: &Path, vendor: &str) {
    let branch = format!("interop/{vendor}");
    git(dir, &["merge", "-q", "--no-ff", "-m", "Merge PR", &branch]);
}

fn edit_file(dir: &Path, path: &str, from: &str, to: &str) {
    let p = dir.join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{path} has no {from:?}");
    std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    git(dir, &["commit", "-qam", &format!("edit {path}")]);
}

/// Syncs `objects` (plan + apply) and returns them as the tool holds them afterwards.
fn sync(session: &SyncSession, objects: &BiObjects) -> BiObjects {
    let info = RepoInfo::read(session).unwrap();
    let desired = bi::to_desired(objects, &info).unwrap();
    let plan = session.plan(&desired).unwrap();
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    let changes = plan.vendor_changes.clone();
    session.apply(plan, false).unwrap();
    bi::apply_changes(objects, &info, &changes).unwrap()
}

/// What the tool knows after pulling: its objects with the repo's changes applied.
fn pull(session: &SyncSession, objects: &BiObjects) -> (BiObjects, Vec<VendorChange>) {
    let info = RepoInfo::read(session).unwrap();
    let changes = session.pull().unwrap();
    (
        bi::apply_changes(objects, &info, &changes).unwrap(),
        changes,
    )
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

/// dbt parse (zero warnings) of a branch of the repo, with its semantic manifest.
fn dbt_parses(dir: &Path, branch: &str, venv: &Path) -> Value {
    let out = tempfile::tempdir().unwrap();
    let archive = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "git -C '{}' archive {branch} | tar -x -C '{}'",
            dir.display(),
            out.path().display()
        ))
        .status()
        .unwrap();
    assert!(archive.success());
    let shared = std::env::var_os("INTEROP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let manifest = out.path().join("manifest.json");
    let check = Command::new("bash")
        .arg(shared.join("oracle/dbt-check.sh"))
        .arg("--manifest")
        .arg(&manifest)
        .arg(out.path())
        .env("INTEROP_ORACLE_VENV", venv)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "dbt-check failed:\n{}\n{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap()
}

fn simple(id: &str, name: &str, sm: &str, agg: Agg, expr: &str) -> Metric {
    Metric {
        id: id.into(),
        name: name.into(),
        label: None,
        description: None,
        filter: None,
        metric_type: MetricType::Simple {
            semantic_model: sm.into(),
            agg,
            expr: Some(expr.into()),
            percentile: None,
            discrete_percentile: false,
            fill_nulls_with: None,
            join_to_timespine: false,
            measure: None,
        },
    }
}

fn input(name: &str) -> MetricInput {
    MetricInput {
        name: name.into(),
        filter: None,
        alias: None,
        offset_window: None,
        offset_to_grain: None,
    }
}

fn dimension(id: &str, name: &str, expr: Option<&str>, time: bool) -> Dimension {
    Dimension {
        id: id.into(),
        name: name.into(),
        dimension_type: if time {
            DimensionType::Time {
                granularity: Granularity::Day,
            }
        } else {
            DimensionType::Categorical
        },
        expr: expr.map(str::to_string),
        label: None,
        description: None,
    }
}

fn entity(id: &str, name: &str, kind: EntityType, expr: &str) -> Entity {
    Entity {
        id: id.into(),
        name: name.into(),
        entity_type: kind,
        expr: Some(expr.into()),
        description: None,
    }
}

/// What a BI tool defines on the plain shop: a semantic model on `orders`, every kind of
/// metric, a saved query, a dashboard and its own transform.
fn plain_objects() -> BiObjects {
    let mut revenue = simple("m-revenue", "revenue", "orders", Agg::Sum, "amount");
    revenue.label = Some("Revenue".into());
    revenue.description = Some("Order totals, returns excluded.".into());
    revenue.filter = Some("{{ Dimension('order__status') }} != 'returned'".into());
    if let MetricType::Simple {
        fill_nulls_with,
        join_to_timespine,
        ..
    } = &mut revenue.metric_type
    {
        *fill_nulls_with = Some(0);
        *join_to_timespine = true;
    }
    let mut p90 = simple(
        "m-p90",
        "order_amount_p90",
        "orders",
        Agg::Percentile,
        "amount",
    );
    if let MetricType::Simple {
        percentile,
        discrete_percentile,
        ..
    } = &mut p90.metric_type
    {
        *percentile = Some(0.9);
        *discrete_percentile = true;
    }
    let mut orders = simple("m-orders", "order_count", "orders", Agg::Count, "order_id");
    orders.label = Some("Orders".into());
    let customers = simple(
        "m-customers",
        "ordering_customers",
        "orders",
        Agg::CountDistinct,
        "customer_id",
    );
    BiObjects {
        semantic_models: vec![SemanticModel {
            id: "sm-orders".into(),
            name: "orders".into(),
            model: "orders".into(),
            description: None,
            label: None,
            agg_time_dimension: Some("ordered_at".into()),
            entities: vec![
                entity("e-order", "order", EntityType::Primary, "order_id"),
                entity("e-customer", "customer", EntityType::Foreign, "customer_id"),
            ],
            dimensions: vec![
                dimension("d-status", "status", None, false),
                dimension("d-ordered-at", "ordered_at", None, true),
                dimension("d-returned", "returned", Some("is_returned"), false),
            ],
        }],
        metrics: vec![
            revenue,
            orders,
            customers,
            p90,
            Metric {
                id: "m-aov".into(),
                name: "average_order_value".into(),
                label: Some("Average order value".into()),
                description: None,
                filter: None,
                metric_type: MetricType::Ratio {
                    numerator: input("revenue"),
                    denominator: input("order_count"),
                },
            },
            Metric {
                id: "m-growth".into(),
                name: "revenue_growth_wow".into(),
                label: Some("Revenue growth (week over week)".into()),
                description: None,
                filter: None,
                metric_type: MetricType::Derived {
                    expr: "(revenue - prior) / nullif(prior, 0)".into(),
                    inputs: vec![
                        input("revenue"),
                        MetricInput {
                            alias: Some("prior".into()),
                            offset_window: Some("1 week".into()),
                            ..input("revenue")
                        },
                    ],
                },
            },
            Metric {
                id: "m-rev7".into(),
                name: "revenue_7d".into(),
                label: Some("Revenue, trailing 7 days".into()),
                description: None,
                filter: None,
                metric_type: MetricType::Cumulative {
                    input: "revenue".into(),
                    window: Some("7 days".into()),
                    grain_to_date: None,
                    period_agg: None,
                },
            },
            Metric {
                id: "m-mtd".into(),
                name: "revenue_mtd".into(),
                label: Some("Revenue, month to date".into()),
                description: None,
                filter: None,
                metric_type: MetricType::Cumulative {
                    input: "revenue".into(),
                    window: None,
                    grain_to_date: Some("month".into()),
                    period_agg: None,
                },
            },
            Metric {
                id: "m-repeat".into(),
                name: "repeat_order_rate".into(),
                label: Some("Repeat order rate".into()),
                description: None,
                filter: None,
                metric_type: MetricType::Conversion {
                    entity: "customer".into(),
                    calculation: Calculation::ConversionRate,
                    base: "ordering_customers".into(),
                    conversion: "order_count".into(),
                    window: Some("30 days".into()),
                },
            },
        ],
        saved_queries: vec![SavedQuery {
            id: "q-weekly".into(),
            name: "weekly_revenue".into(),
            label: Some("Weekly revenue".into()),
            description: None,
            metrics: vec!["revenue".into(), "order_count".into()],
            group_by: vec!["TimeDimension('order__ordered_at', 'week')".into()],
            filters: vec!["{{ Dimension('order__status') }} != 'returned'".into()],
        }],
        dashboards: vec![Dashboard {
            id: "dash-7".into(),
            name: "sales_overview".into(),
            label: Some("Sales overview".into()),
            description: Some("Revenue and orders by week.".into()),
            url: Some("https://bi.example.com/d/7".into()),
            maturity: Some(Maturity::High),
            owner: Owner {
                name: Some("Sales analytics".into()),
                email: Some("sales-analytics@example.com".into()),
            },
            depends_on: vec![
                DashboardInput::Metric("revenue".into()),
                DashboardInput::Model("orders".into()),
            ],
        }],
        transforms: vec![Transform {
            id: "t-daily".into(),
            name: "daily_order_totals".into(),
            folder: "marts".into(),
            sql: "select\n    cast(ordered_at as date) as order_date,\n    sum(amount) as total\nfrom {{ ref('orders') }}\ngroup by 1\n".into(),
            description: Some("Order totals per day.".into()),
            columns: vec![TransformColumn {
                name: "order_date".into(),
                description: Some("The day.".into()),
            }],
            owner: Some("@sales-analytics".into()),
        }],
    }
}

/// Objects with their ids dropped (ids of what arrives from the repo are suggestions).
fn without_ids(objects: &BiObjects) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.shift_remove("id");
                m.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(objects).unwrap();
    strip(&mut v);
    // Order does not matter: pull lists by dbt's unique id.
    for list in v.as_object_mut().unwrap().values_mut() {
        if let Value::Array(items) = list {
            items.sort_by_key(|i| i["name"].as_str().unwrap_or_default().to_string());
        }
    }
    v
}

#[test]
fn a_repo_without_a_semantic_layer_gets_the_embedded_spec_and_a_time_spine() {
    let repo = repo("plain");
    let session = session(repo.path(), "acme-bi");
    let info = RepoInfo::read(&session).unwrap();
    assert_eq!(info.spec, Spec::Embedded);
    assert!(info.time_spine.is_none());
    let objects = plain_objects();
    let held = sync(&session, &objects);
    assert_eq!(
        held, objects,
        "the tool's objects are not changed by its own sync"
    );

    let files = git(
        repo.path(),
        &["diff", "--name-only", "main", "interop/acme-bi"],
    );
    for f in [
        "models/marts/_marts__models.yml",
        "models/metricflow_time_spine.sql",
        "models/marts/daily_order_totals.sql",
    ] {
        assert!(files.contains(f), "{f} not in\n{files}");
    }
    let marts = git(
        repo.path(),
        &["show", "interop/acme-bi:models/marts/_marts__models.yml"],
    );
    // The customer's comment and descriptions stay; the semantic keys join the columns.
    assert!(
        marts.contains("  # The orders mart the BI tool reads.\n"),
        "{marts}"
    );
    assert!(marts.contains("semantic_model:"), "{marts}");
    // The filter is dbt's Jinja, not escaped.
    assert!(
        marts.contains("filter: '{{ Dimension(''order__status'') }} != ''returned'''"),
        "{marts}"
    );

    if let Some(venv) = oracle_venv() {
        let manifest = dbt_parses(repo.path(), "interop/acme-bi", &venv);
        let metrics = manifest["metrics"].as_object().unwrap();
        for m in &objects.metrics {
            assert!(
                metrics.contains_key(&format!("metric.plain_shop.{}", m.name)),
                "{} not in the manifest",
                m.name
            );
        }
        let exposure = &manifest["exposures"]["exposure.plain_shop.sales_overview"];
        let deps: Vec<&str> = exposure["depends_on"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(deps.contains(&"metric.plain_shop.revenue"), "{deps:?}");
        assert!(deps.contains(&"model.plain_shop.orders"), "{deps:?}");
    }

    // Merged: a second sync changes nothing, and what another tool reads back is the same.
    merge(repo.path(), "acme-bi");
    let plan = session
        .plan(&bi::to_desired(&held, &RepoInfo::read(&session).unwrap()).unwrap())
        .unwrap();
    assert!(plan.is_noop(), "{:?}", plan.changes);
    assert!(plan.vendor_changes.is_empty(), "{:?}", plan.vendor_changes);
    session.apply(plan, false).unwrap();

    let other = self::session(repo.path(), "other-bi");
    let (seen, _) = pull(&other, &BiObjects::default());
    let mut expected = without_ids(&objects);
    // Another tool does not own the transform's SQL.
    expected.as_object_mut().unwrap().shift_remove("transforms");
    assert_eq!(without_ids(&seen), expected);
}

fn metric_named<'a>(objects: &'a BiObjects, name: &str) -> &'a Metric {
    objects
        .metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// A vendor on a repo that already has a semantic layer: it first takes what is there (as
/// `Created` objects), sends it back unchanged (nothing to do), then adds its own.
fn adopt_and_add(fixture_name: &str, spec: Spec, add: impl Fn(&mut BiObjects)) {
    let repo = repo(fixture_name);
    let session = session(repo.path(), "acme-bi");
    assert_eq!(RepoInfo::read(&session).unwrap().spec, spec);
    let (known, changes) = pull(&session, &BiObjects::default());
    assert!(
        changes
            .iter()
            .all(|c| matches!(c, VendorChange::Created { .. })),
        "{changes:?}"
    );
    assert!(!known.metrics.is_empty() && !known.semantic_models.is_empty());
    // What the repo has, sent back as the tool now holds it: nothing to write.
    let info = RepoInfo::read(&session).unwrap();
    let plan = session
        .plan(&bi::to_desired(&known, &info).unwrap())
        .unwrap();
    assert!(plan.is_noop(), "{:#?}", plan.changes);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    session.apply(plan, false).unwrap();

    let mut objects = known.clone();
    add(&mut objects);
    let held = sync(&session, &objects);
    assert_eq!(without_ids(&held), without_ids(&objects));
    let diff = git(repo.path(), &["diff", "main", "interop/acme-bi"]);
    // Only additions and the lines they extend; nothing the customer wrote is rewritten.
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    assert!(removed.len() <= 2, "{diff}");
    if let Some(venv) = oracle_venv() {
        let manifest = dbt_parses(repo.path(), "interop/acme-bi", &venv);
        let project = RepoInfo::read(&session).unwrap().project;
        for m in &objects.metrics {
            let id = format!("metric.{project}.{}", m.name);
            assert!(manifest["metrics"].get(&id).is_some(), "{id}");
        }
    }
    merge(repo.path(), "acme-bi");
    for _ in 0..2 {
        let info = RepoInfo::read(&session).unwrap();
        let plan = session
            .plan(&bi::to_desired(&held, &info).unwrap())
            .unwrap();
        assert!(plan.is_noop(), "{:?}", plan.changes);
        assert!(plan.vendor_changes.is_empty(), "{:?}", plan.vendor_changes);
        session.apply(plan, false).unwrap();
    }
}

#[test]
fn a_legacy_spec_repo_gets_legacy_semantic_models_measures_and_metrics() {
    adopt_and_add("legacy_metrics", Spec::Legacy, |objects| {
        // What was written by hand arrived, measures resolved.
        let collected = metric_named(objects, "collected_revenue");
        assert_eq!(
            collected.filter.as_deref(),
            Some("{{ Dimension('invoice__invoice_status') }} = 'paid'\n")
        );
        assert!(matches!(
            &collected.metric_type,
            MetricType::Simple { semantic_model, agg: Agg::Sum, measure: Some(m), join_to_timespine: true, .. }
                if semantic_model == "invoices" && m == "paid_amount"
        ));
        objects.semantic_models.push(SemanticModel {
            id: "sm-staged".into(),
            name: "staged_invoices".into(),
            model: "stg_invoices".into(),
            description: Some("Invoices as billing exports them.".into()),
            label: Some("Staged invoices".into()),
            agg_time_dimension: Some("invoiced_at".into()),
            entities: vec![entity(
                "e-staged",
                "staged_invoice",
                EntityType::Primary,
                "invoice_id",
            )],
            dimensions: vec![
                dimension("d-st", "staged_status", Some("invoice_status"), false),
                dimension("d-at", "invoiced_at", None, true),
            ],
        });
        objects.metrics.push(simple(
            "m-staged",
            "staged_invoice_count",
            "staged_invoices",
            Agg::Count,
            "invoice_id",
        ));
        let mut average = simple(
            "m-avg",
            "average_invoice_amount",
            "invoices",
            Agg::Average,
            "amount_usd",
        );
        average.label = Some("Average invoice".into());
        average.filter = Some("{{ Dimension('invoice__plan') }} != 'free'".into());
        objects.metrics.push(average);
        objects.metrics.push(Metric {
            id: "m-cum".into(),
            name: "paid_revenue_qtd".into(),
            label: Some("Paid revenue, quarter to date".into()),
            description: None,
            filter: None,
            metric_type: MetricType::Cumulative {
                input: "collected_revenue".into(),
                window: None,
                grain_to_date: Some("quarter".into()),
                period_agg: None,
            },
        });
    });
}

#[test]
fn an_embedded_spec_repo_gets_semantic_keys_on_models_and_metrics_inside_them() {
    adopt_and_add("shop", Spec::Embedded, |objects| {
        let revenue = metric_named(objects, "revenue");
        assert_eq!(
            revenue.filter.as_deref(),
            Some("{{ Dimension('order__status') }} != 'returned'")
        );
        assert!(matches!(&revenue.metric_type,
            MetricType::Simple { semantic_model, .. } if semantic_model == "orders"));
        objects.semantic_models.push(SemanticModel {
            id: "sm-signups".into(),
            name: "signups_by_customer".into(),
            model: "stg_shop_db__customers".into(),
            description: None,
            label: None,
            agg_time_dimension: Some("created_at".into()),
            entities: vec![entity(
                "e-signup",
                "signup",
                EntityType::Primary,
                "customer_id",
            )],
            dimensions: vec![
                dimension("d-country", "signup_country", Some("country_code"), false),
                dimension("d-created", "created_at", None, true),
            ],
        });
        objects.metrics.push(simple(
            "m-signups",
            "signups",
            "signups_by_customer",
            Agg::Count,
            "customer_id",
        ));
        let mut big = simple("m-big", "large_orders", "orders", Agg::Count, "order_id");
        big.filter = Some("{{ Dimension('order__status') }} != 'returned'".into());
        big.label = Some("Large orders".into());
        objects.metrics.push(big);
        objects.metrics.push(Metric {
            id: "m-rev30".into(),
            name: "revenue_30d".into(),
            label: Some("Revenue, trailing 30 days".into()),
            description: None,
            filter: None,
            metric_type: MetricType::Cumulative {
                input: "revenue".into(),
                window: Some("30 days".into()),
                grain_to_date: None,
                period_agg: None,
            },
        });
    });
}

/// The plain shop synced and merged, with the tool's objects as it holds them.
fn synced_plain() -> (tempfile::TempDir, SyncSession, BiObjects) {
    let repo = repo("plain");
    let session = session(repo.path(), "acme-bi");
    let held = sync(&session, &plain_objects());
    merge(repo.path(), "acme-bi");
    let held = sync(&session, &held);
    (repo, session, held)
}

#[test]
fn a_customer_rename_and_edits_arrive_as_updates_of_the_same_object() {
    let (repo, session, held) = synced_plain();
    let file = "models/marts/_marts__models.yml";
    edit_file(
        repo.path(),
        file,
        "- name: ordering_customers",
        "- name: customers_with_orders",
    );
    edit_file(
        repo.path(),
        file,
        "filter: '{{ Dimension(''order__status'') }} != ''returned'''",
        "filter: \"{{ Dimension('order__status') }} not in ('returned', 'return_pending')\"",
    );
    edit_file(
        repo.path(),
        file,
        "label: Revenue\n",
        "label: Net revenue\n",
    );
    let (after, changes) = pull(&session, &held);
    let mut updated: Vec<(&str, Vec<String>)> = changes
        .iter()
        .filter_map(|c| match c {
            VendorChange::Updated { id, fields, .. } => Some((id.as_str(), fields.clone())),
            _ => None,
        })
        .collect();
    updated.sort();
    assert_eq!(
        updated,
        [
            ("m-customers", vec!["name".to_string()]),
            ("m-revenue", vec!["label".to_string(), "filter".to_string()]),
        ],
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .all(|c| !matches!(c, VendorChange::Deleted { .. })),
        "no delete: {changes:?}"
    );
    assert!(
        !changes.iter().any(|c| matches!(c,
            VendorChange::Created { state, .. } if state.name == "customers_with_orders")),
        "no duplicate: {changes:?}"
    );
    let renamed = after
        .metrics
        .iter()
        .find(|m| m.id == "m-customers")
        .unwrap();
    assert_eq!(renamed.name, "customers_with_orders");
    let revenue = after.metrics.iter().find(|m| m.id == "m-revenue").unwrap();
    assert_eq!(revenue.label.as_deref(), Some("Net revenue"));
    assert_eq!(
        revenue.filter.as_deref(),
        Some("{{ Dimension('order__status') }} not in ('returned', 'return_pending')")
    );
    assert_eq!(after.metrics.len(), held.metrics.len());
    // The tool takes the edits; syncing then changes nothing.
    let plan = session
        .plan(&bi::to_desired(&after, &RepoInfo::read(&session).unwrap()).unwrap())
        .unwrap();
    assert!(plan.is_noop(), "{:?}", plan.changes);
    assert!(plan.vendor_changes.is_empty(), "{:?}", plan.vendor_changes);
}

#[test]
fn a_metric_written_by_hand_arrives_as_created() {
    let (repo, session, held) = synced_plain();
    edit_file(
        repo.path(),
        "models/marts/_marts__models.yml",
        "    metrics:\n",
        "    metrics:\n      - name: returned_orders\n        label: Returned orders\n        type: simple\n        agg: sum_boolean\n        expr: is_returned\n",
    );
    let (after, changes) = pull(&session, &held);
    let created: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            VendorChange::Created { state, .. } if state.name == "returned_orders" => {
                Some(state.name.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(created, ["returned_orders"], "{changes:?}");
    let m = metric_named(&after, "returned_orders");
    assert_eq!(m.id, "metric.plain_shop.returned_orders");
    assert_eq!(m.label.as_deref(), Some("Returned orders"));
    assert!(matches!(&m.metric_type,
        MetricType::Simple { semantic_model, agg: Agg::SumBoolean, expr: Some(e), .. }
            if semantic_model == "orders" && e == "is_returned"));
    // The tool adopts it under the suggested id: nothing to write.
    let plan = session
        .plan(&bi::to_desired(&after, &RepoInfo::read(&session).unwrap()).unwrap())
        .unwrap();
    assert!(plan.is_noop(), "{:?}", plan.changes);
}

#[test]
fn tool_text_is_escaped_but_filters_keep_their_jinja() {
    let repo = repo("plain");
    let session = session(repo.path(), "acme-bi");
    let mut objects = plain_objects();
    objects.transforms.clear();
    let revenue = objects
        .metrics
        .iter_mut()
        .find(|m| m.name == "revenue")
        .unwrap();
    revenue.description =
        Some("Revenue {{ run_query('drop table orders') }} net of returns.".into());
    revenue.label = Some("Revenue {% if true %}(net){% endif %}".into());
    objects.dashboards[0].description = Some("Weekly {# internal #} view.".into());
    let held = sync(&session, &objects);
    assert_eq!(held, objects);
    let marts = git(
        repo.path(),
        &["show", "interop/acme-bi:models/marts/_marts__models.yml"],
    );
    assert!(
        marts.contains(
            "description: '{% raw %}Revenue {{ run_query(''drop table orders'') }} net of returns.{% endraw %}'"
        ),
        "{marts}"
    );
    assert!(
        marts.contains("filter: '{{ Dimension(''order__status'') }} != ''returned'''"),
        "{marts}"
    );
    if let Some(venv) = oracle_venv() {
        let manifest = dbt_parses(repo.path(), "interop/acme-bi", &venv);
        let m = &manifest["metrics"]["metric.plain_shop.revenue"];
        assert_eq!(
            m["description"],
            "Revenue {{ run_query('drop table orders') }} net of returns."
        );
        assert_eq!(m["label"], "Revenue {% if true %}(net){% endif %}");
        let e = &manifest["exposures"]["exposure.plain_shop.sales_overview"];
        assert_eq!(e["description"], "Weekly {# internal #} view.");
    }
    merge(repo.path(), "acme-bi");
    let other = self::session(repo.path(), "other-bi");
    let (seen, _) = pull(&other, &BiObjects::default());
    assert_eq!(without_ids(&seen), without_ids(&objects));
}

#[test]
fn a_dashboard_becomes_an_exposure_that_depends_on_what_it_reads() {
    let repo = repo("plain");
    let session = session(repo.path(), "acme-bi");
    let objects = plain_objects();
    sync(&session, &objects);
    let exposures = git(
        repo.path(),
        &["show", "interop/acme-bi:models/_exposures.yml"],
    );
    assert!(exposures.contains("- name: sales_overview"), "{exposures}");
    assert!(exposures.contains("type: dashboard"), "{exposures}");
    assert!(exposures.contains("- metric('revenue')"), "{exposures}");
    assert!(exposures.contains("- ref('orders')"), "{exposures}");
    assert!(
        exposures.contains("email: sales-analytics@example.com"),
        "{exposures}"
    );
}

#[test]
fn sql_is_the_tools_only_on_models_it_created() {
    let (_repo, session, held) = synced_plain();
    let info = RepoInfo::read(&session).unwrap();
    // Its own transform's SQL: an edit goes through.
    let mut mine = held.clone();
    mine.transforms[0].sql = mine.transforms[0]
        .sql
        .replace("sum(amount)", "sum(amount) filter (where not is_returned)");
    let plan = session
        .plan(&bi::to_desired(&mine, &info).unwrap())
        .unwrap();
    assert_eq!(plan.files.len(), 1, "{:?}", plan.changes);
    assert_eq!(plan.files[0].path, "models/marts/daily_order_totals.sql");
    // Its owner is the model's `config.meta.owner`, and the tool's to change.
    let mut handed_over = held.clone();
    handed_over.transforms[0].owner = Some("@finance-analytics".into());
    let plan = session
        .plan(&bi::to_desired(&handed_over, &info).unwrap())
        .unwrap();
    let [file] = &plan.files[..] else {
        panic!("{:?}", plan.changes)
    };
    assert!(
        file.after
            .contains("    config:\n      meta:\n        owner: '@finance-analytics'\n"),
        "{}",
        file.after
    );
    // A transform named like a customer's model is refused, not written over it.
    let mut theirs = held.clone();
    theirs.transforms.push(Transform {
        id: "t-orders".into(),
        name: "stg_orders".into(),
        folder: "staging".into(),
        sql: "select 1 as order_id\n".into(),
        description: None,
        columns: vec![],
        owner: None,
    });
    let err = session
        .plan(&bi::to_desired(&theirs, &info).unwrap())
        .unwrap_err();
    assert!(matches!(err, SessionError::Scope(_)), "{err}");
    assert!(err.to_string().contains("'sql'"), "{err}");
    // Other fields of customers' models stay out of reach.
    let mut desired = bi::to_desired(&held, &info).unwrap();
    let sm = desired.iter_mut().find(|d| d.id == "sm-orders").unwrap();
    sm.state.value["config"] = serde_json::json!({"materialized": "view"});
    let err = session.plan(&desired).unwrap_err();
    assert!(err.to_string().contains("'config'"), "{err}");
}

#[test]
fn twenty_objects_from_a_state_file_sync_into_the_shop() {
    let text = std::fs::read_to_string(fixture("plain").join("../../acceptance/bi.json")).unwrap();
    let objects: BiObjects = serde_json::from_str(&text).unwrap();
    let count = objects.semantic_models.len()
        + objects.metrics.len()
        + objects.saved_queries.len()
        + objects.dashboards.len()
        + objects.transforms.len();
    assert!(count >= 20, "{count}");
    // The file is the schema: what it holds serialises back to the same JSON.
    assert_eq!(
        serde_json::to_value(&objects).unwrap(),
        serde_json::from_str::<Value>(&text).unwrap()
    );
    let repo = repo("shop");
    let session = session(repo.path(), "looker-like");
    let held = sync(&session, &objects);
    assert_eq!(held, objects);
    if let Some(venv) = oracle_venv() {
        let manifest = dbt_parses(repo.path(), "interop/looker-like", &venv);
        for m in &objects.metrics {
            let id = format!("metric.shop.{}", m.name);
            assert!(manifest["metrics"].get(&id).is_some(), "{id}");
        }
        for q in &objects.saved_queries {
            let id = format!("saved_query.shop.{}", q.name);
            assert!(manifest["saved_queries"].get(&id).is_some(), "{id}");
        }
    }
    merge(repo.path(), "looker-like");
    let plan = session
        .plan(&bi::to_desired(&held, &RepoInfo::read(&session).unwrap()).unwrap())
        .unwrap();
    assert!(plan.is_noop(), "{:?}", plan.changes);
    assert!(plan.vendor_changes.is_empty(), "{:?}", plan.vendor_changes);
    // Another tool reads the same objects back (ids aside; the SQL is the first tool's).
    let (seen, _) = pull(
        &self::session(repo.path(), "other-bi"),
        &BiObjects::default(),
    );
    let names =
        |o: &BiObjects| -> Vec<String> { o.metrics.iter().map(|m| m.name.clone()).collect() };
    let mut back = seen.clone();
    back.metrics.retain(|m| names(&objects).contains(&m.name));
    back.semantic_models
        .retain(|s| objects.semantic_models.iter().any(|o| o.name == s.name));
    back.saved_queries
        .retain(|q| objects.saved_queries.iter().any(|o| o.name == q.name));
    back.dashboards
        .retain(|d| objects.dashboards.iter().any(|o| o.name == d.name));
    let mut expected = objects.clone();
    expected.transforms.clear();
    assert_eq!(without_ids(&back), without_ids(&expected));
}

#[test]
fn a_repo_without_a_semantic_layer_on_an_older_dbt_gets_the_legacy_spec() {
    let repo = repo("plain");
    edit_file(
        repo.path(),
        "dbt_project.yml",
        "require-dbt-version: [\">=1.12.0\", \"<2.0.0\"]",
        "require-dbt-version: [\">=1.10.0\", \"<2.0.0\"]",
    );
    let session = session(repo.path(), "acme-bi");
    assert_eq!(RepoInfo::read(&session).unwrap().spec, Spec::Legacy);
    let objects = plain_objects();
    let held = sync(&session, &objects);
    assert_eq!(held, objects);
    let semantic = git(
        repo.path(),
        &["show", "interop/acme-bi:models/_semantic_models.yml"],
    );
    assert!(semantic.contains("model: ref('orders')"), "{semantic}");
    assert!(semantic.contains("measures:"), "{semantic}");
    let metrics = git(
        repo.path(),
        &["show", "interop/acme-bi:models/_metrics.yml"],
    );
    assert!(metrics.contains("type_params:"), "{metrics}");
    if let Some(venv) = oracle_venv() {
        dbt_parses(repo.path(), "interop/acme-bi", &venv);
    }
    merge(repo.path(), "acme-bi");
    let plan = session
        .plan(&bi::to_desired(&held, &RepoInfo::read(&session).unwrap()).unwrap())
        .unwrap();
    assert!(plan.is_noop(), "{:?}", plan.changes);
    assert!(plan.vendor_changes.is_empty(), "{:?}", plan.vendor_changes);
    let (seen, _) = pull(
        &self::session(repo.path(), "other-bi"),
        &BiObjects::default(),
    );
    let mut expected = objects.clone();
    expected.transforms.clear();
    assert_eq!(without_ids(&seen), without_ids(&expected));
}
