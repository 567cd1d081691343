//! BI objects through a sync session on real repos (legacy spec, model-embedded spec, no
//! semantic layer yet): they land as dbt code dbt parses without a warning, come back equal,
//! and the customer's edits and hand-written metrics reach the tool.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use interop_sdk::bi::{
    self, Agg, BiObjects, Calculation, Dashboard, DashboardInput, Dimension, DimensionType,
    Entity, EntityType, Granularity, Maturity, Metric, MetricInput, MetricType, Owner, RepoInfo,
    SavedQuery, SemanticModel, Spec, Transform, TransformColumn,
};
use interop_sdk::{Scope, SessionError, SessionOptions, SyncSession, VendorChange};
use serde_json::Value;

use common::{copy_dir, git};

fn fixture(name: &str) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    match name {
        "plain" => here.join("tests/fixtures/bi/plain"),
        other => here.join("../interop-sync/tests/fixtures/projects").join(other),
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
    (bi::apply_changes(objects, &info, &changes).unwrap(), changes)
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
    let mut p90 = simple("m-p90", "order_amount_p90", "orders", Agg::Percentile, "amount");
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
    assert_eq!(held, objects, "the tool's objects are not changed by its own sync");

    let files = git(repo.path(), &["diff", "--name-only", "main", "interop/acme-bi"]);
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
    assert!(marts.contains("  # The orders mart the BI tool reads.\n"), "{marts}");
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
