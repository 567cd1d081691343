//! The observability mapping on the shop project in a temp git repo: a tool's monitors land as
//! dbt tests, freshness and singular tests that dbt accepts and runs; the repo's tests come
//! back as the same monitors; a customer's threshold or severity edit arrives as an update of
//! the same monitor; tests the tool does not know arrive as opaque monitors.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use interop_sdk::mapping::RepoView;
use interop_sdk::observability::{
    Check, Description, Monitor, Observability, ObservabilityChange, Period, PeriodUnit, Severity,
    Target, observed,
};
use interop_sdk::{Scope, SessionOptions, SyncSession};
use serde_json::{Value, json};

use common::{dbt_check, edit_file, export, git, merge, repo};

const BRANCH: &str = "interop/watchtower";

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(
        dir,
        SessionOptions::new("watchtower", Scope::observability()),
    )
    .unwrap()
}

fn monitors() -> Observability {
    let customers = Target::model("stg_shop_db__customers");
    let mut first_name = Monitor::new(
        "wt-1",
        customers.clone(),
        Some("first_name"),
        Check::NotNull,
    );
    first_name.severity = Some(Severity::Warn);
    first_name.owner = Some("@data-quality".into());
    first_name.description = Some("Mail merges need a name; {{ first_name }} must render.".into());
    let freshness = Monitor::new(
        "wt-2",
        Target::source("shop_db", "customers"),
        None,
        Check::Freshness {
            warn_after: Some(Period {
                count: 3,
                period: PeriodUnit::Hour,
            }),
            error_after: Some(Period {
                count: 1,
                period: PeriodUnit::Day,
            }),
            loaded_at_field: Some("_loaded_at".into()),
            filter: None,
        },
    );
    let mut active = Monitor::new(
        "wt-3",
        Target::model("stg_shop_db__products"),
        Some("is_active"),
        Check::AcceptedValues {
            values: vec![json!(true), json!(false)],
            quote: Some(false),
        },
    );
    active.filter = Some("updated_at >= '{{ var(\"orders_start_date\") }}'".into());
    let mut countries = Monitor::new(
        "wt-4",
        customers.clone(),
        Some("country_code"),
        Check::Relationships {
            to: Target {
                kind: interop_sdk::observability::TargetKind::Seed,
                source: None,
                name: "country_codes".into(),
            },
            field: "country_code".into(),
        },
    );
    countries.severity = Some(Severity::Warn);
    let mut totals = Monitor::new(
        "wt-5",
        Target::model("orders"),
        None,
        Check::CustomSql {
            name: "assert_order_totals_not_negative".into(),
            sql: "select order_id, order_total\nfrom {{ ref('orders') }}\nwhere order_total < 0"
                .into(),
        },
    );
    totals.severity = Some(Severity::Warn);
    totals.description = Some("No order has a negative total.".into());
    Observability {
        monitors: vec![first_name, freshness, active, countries, totals],
        descriptions: vec![Description {
            target: Target::source("shop_db", "orders"),
            column: Some("customer_id".into()),
            text: "Account that placed the order.".into(),
        }],
    }
}

/// Plans and applies; returns the plan's repo changes.
fn sync(session: &SyncSession, objects: &Observability) -> interop_sdk::SyncRecord {
    let view = RepoView::read(session).unwrap();
    let desired = objects.to_desired(&view).unwrap();
    let plan = session.plan(&desired).unwrap();
    assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
    assert!(
        plan.conflicts.is_empty(),
        "{:?}",
        plan.conflicts
            .iter()
            .map(|c| (
                c.summary("watchtower"),
                format!(
                    "{:?} {:?} {:?}",
                    c.conflict.base, c.conflict.vendor, c.conflict.repo
                )
            ))
            .collect::<Vec<_>>()
    );
    session.apply(plan, false).unwrap()
}

/// A sync now writes nothing and has nothing for the vendor's own monitors (`strict`: for
/// any monitor, the vendor holds every test of the repo).
fn plan_is_noop(session: &SyncSession, objects: &Observability, strict: bool) {
    let view = RepoView::read(session).unwrap();
    let plan = session.plan(&objects.to_desired(&view).unwrap()).unwrap();
    let changes: Vec<ObservabilityChange> = objects
        .changes(&plan.vendor_changes, &view)
        .into_iter()
        .filter(|c| {
            strict
                || matches!(
                    c,
                    ObservabilityChange::MonitorUpdated { .. }
                        | ObservabilityChange::MonitorDeleted { .. }
                )
        })
        .collect();
    // Strict: not even a raw change the mapping would drop (a `freshness: null`, a singular
    // test's description kept in YAML) is left for the vendor.
    let raw_left = strict && !plan.vendor_changes.is_empty();
    assert!(
        plan.is_noop() && changes.is_empty() && plan.conflicts.is_empty() && !raw_left,
        "changes: {:#?}\nvendor: {:#?}\nraw: {:#?}\nfiles: {:#?}\nconflicts: {:#?}",
        plan.changes,
        changes,
        plan.vendor_changes,
        plan.files,
        plan.conflicts
    );
}

/// The monitor among `found` that checks what `m` checks.
fn counterpart<'a>(m: &Monitor, found: &'a [Monitor]) -> &'a Monitor {
    found
        .iter()
        .find(|f| {
            f.column == m.column
                && f.check.label() == m.check.label()
                && match f.check {
                    Check::CustomSql { .. } => true,
                    _ => f.target == m.target,
                }
        })
        .unwrap_or_else(|| panic!("no monitor like {m:?}"))
}

#[test]
fn monitors_land_as_tests_dbt_accepts_and_come_back_equal() {
    let repo = repo();
    let session = session(repo.path());
    let objects = monitors();
    let record = sync(&session, &objects);
    assert!(record.created_commit);
    let diff = git(repo.path(), &["diff", "--stat", "main", BRANCH]);
    assert!(diff.contains("3 files changed"), "{diff}");
    let models = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:models/staging/shop_db/_shop_db__models.yml"),
        ],
    );
    // Version-aware form, config and escaped vendor text.
    assert!(
        models.contains(
            "      - name: first_name\n        description: Given name.\n        data_tests:\n          - not_null:\n"
        ),
        "{models}"
    );
    assert!(models.contains("severity: warn"), "{models}");
    assert!(
        models.contains(
            "{% raw %}Mail merges need a name; {{ first_name }} must render.{% endraw %}"
        ),
        "{models}"
    );
    assert!(models.contains("to: ref('country_codes')"), "{models}");
    let sources = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:models/staging/shop_db/_shop_db__sources.yml"),
        ],
    );
    assert!(sources.contains("warn_after:"), "{sources}");
    assert!(
        sources.contains(
            "          - name: customer_id\n            data_tests:\n              - not_null\n            description: Account that placed the order.\n"
        ),
        "{sources}"
    );
    let singular = git(
        repo.path(),
        &[
            "show",
            &format!("{BRANCH}:tests/assert_order_totals_not_negative.sql"),
        ],
    );
    assert_eq!(
        singular,
        "-- No order has a negative total.\n{{ config(severity='warn') }}\n\nselect order_id, order_total\nfrom {{ ref('orders') }}\nwhere order_total < 0\n"
    );
    if let Some(out) = dbt_check(export(repo.path(), BRANCH).path(), &[]) {
        assert!(out.contains("OK parse"), "{out}");
    }

    // The same sync again leaves the open PR as it is; after the merge, nothing to do.
    let again = sync(&session, &objects);
    assert!(!again.created_commit);
    assert_eq!(again.commit, record.commit);
    merge(repo.path(), BRANCH);
    plan_is_noop(&session, &objects, false);
    sync(&session, &objects);
    plan_is_noop(&session, &objects, false);

    // Repo → vendor: the monitors read back equal, and a pull changes none of them.
    let view = RepoView::read(&session).unwrap();
    let found = observed(&view);
    for m in &objects.monitors {
        let back = counterpart(m, &found.monitors);
        assert_eq!(
            Monitor {
                id: m.id.clone(),
                ..back.clone()
            },
            *m
        );
    }
    assert!(found.descriptions.contains(&objects.descriptions[0]));
    let pulled = session.pull().unwrap();
    let changes = objects.changes(&pulled, &view);
    let mine: Vec<&ObservabilityChange> = changes
        .iter()
        .filter(|c| match c {
            ObservabilityChange::MonitorUpdated { monitor, .. } => {
                objects.monitors.iter().any(|m| m.id == monitor.id)
            }
            ObservabilityChange::MonitorDeleted { id } => {
                objects.monitors.iter().any(|m| &m.id == id)
            }
            _ => false,
        })
        .collect();
    assert!(mine.is_empty(), "{mine:#?}");
}

#[test]
fn a_customer_threshold_or_severity_edit_arrives_as_an_update_of_the_same_monitor() {
    let repo = repo();
    let session = session(repo.path());
    let mut objects = monitors();
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    sync(&session, &objects);

    let sources = std::fs::read_to_string(
        repo.path()
            .join("models/staging/shop_db/_shop_db__sources.yml"),
    )
    .unwrap();
    // The customer relaxes the new threshold and makes the first-name monitor an error.
    let relaxed = sources.replacen("count: 3", "count: 6", 1);
    assert_ne!(relaxed, sources, "{sources}");
    std::fs::write(
        repo.path()
            .join("models/staging/shop_db/_shop_db__sources.yml"),
        relaxed,
    )
    .unwrap();
    git(
        repo.path(),
        &["commit", "-qam", "relax customers freshness"],
    );
    let models = "models/staging/shop_db/_shop_db__models.yml";
    let text = std::fs::read_to_string(repo.path().join(models)).unwrap();
    let at = text.find("- name: first_name").unwrap();
    let sev = at + text[at..].find("severity: warn").unwrap();
    let edited = format!(
        "{}severity: error{}",
        &text[..sev],
        &text[sev + "severity: warn".len()..]
    );
    std::fs::write(repo.path().join(models), edited).unwrap();
    git(repo.path(), &["commit", "-qam", "first names are required"]);

    let view = RepoView::read(&session).unwrap();
    let pulled = session.pull().unwrap();
    let changes = objects.changes(&pulled, &view);
    let updates: Vec<(String, Vec<String>, Monitor)> = changes
        .iter()
        .filter_map(|c| match c {
            ObservabilityChange::MonitorUpdated { monitor, fields } => {
                Some((monitor.id.clone(), fields.clone(), monitor.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(updates.len(), 2, "{changes:#?}");
    let by_id = |id: &str| updates.iter().find(|u| u.0 == id).unwrap();
    assert_eq!(by_id("wt-1").1, ["severity"]);
    assert_eq!(by_id("wt-1").2.severity, Some(Severity::Error));
    assert_eq!(by_id("wt-2").1, ["warn_after"]);
    assert!(matches!(
        by_id("wt-2").2.check,
        Check::Freshness {
            warn_after: Some(Period { count: 6, .. }),
            ..
        }
    ));
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, ObservabilityChange::MonitorDeleted { .. })),
        "{changes:#?}"
    );
    // The vendor takes them (and the customer's own tests, new to it): the next sync has
    // nothing to do.
    objects.apply(&changes);
    plan_is_noop(&session, &objects, true);
}

#[test]
fn a_vendor_severity_change_touches_only_that_test() {
    let repo = repo();
    let session = session(repo.path());
    let mut objects = monitors();
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    sync(&session, &objects);

    objects.monitors[3].severity = Some(Severity::Error);
    let view = RepoView::read(&session).unwrap();
    let plan = session.plan(&objects.to_desired(&view).unwrap()).unwrap();
    assert_eq!(plan.files.len(), 1, "{:#?}", plan.changes);
    let file = &plan.files[0];
    let before = file.before.as_deref().unwrap();
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(file.after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [(
            "                severity: warn",
            "                severity: error"
        )]
    );
}

#[test]
fn the_repos_tests_arrive_as_monitors_and_writing_them_back_changes_nothing() {
    let repo = repo();
    let session = session(repo.path());
    let view = RepoView::read(&session).unwrap();
    let pulled = session.pull().unwrap();
    let mut objects = Observability::default();
    let changes = objects.changes(&pulled, &view);
    assert!(
        changes.iter().all(|c| matches!(
            c,
            ObservabilityChange::MonitorCreated { .. } | ObservabilityChange::DescriptionSet { .. }
        )),
        "{changes:#?}"
    );
    objects.apply(&changes);
    assert_eq!(objects.monitors, observed(&view).monitors);

    // Built-in tests are typed; the shop's own generic tests are opaque and read-only.
    let status = objects
        .monitors
        .iter()
        .find(|m| {
            m.target == Some(Target::model("stg_shop_db__orders"))
                && m.column.as_deref() == Some("status")
        })
        .unwrap();
    assert!(matches!(&status.check, Check::AcceptedValues { values, .. } if values.len() == 5));
    assert_eq!(status.severity, Some(Severity::Warn));
    let not_negative = objects
        .monitors
        .iter()
        .find(|m| matches!(&m.check, Check::Generic { test, .. } if test == "not_negative"))
        .unwrap();
    assert!(!not_negative.editable());
    let named = objects
        .monitors
        .iter()
        .find(|m| {
            m.target == Some(Target::source("stripe", "payments"))
                && m.column.as_deref() == Some("amount_cents")
        })
        .unwrap();
    assert!(matches!(&named.check, Check::Generic { test, .. } if test == "not_negative"));
    let freshness = objects
        .monitors
        .iter()
        .find(|m| {
            m.target == Some(Target::source("shop_db", "orders")) && m.check.label() == "freshness"
        })
        .unwrap();
    assert!(matches!(
        freshness.check,
        Check::Freshness {
            warn_after: Some(Period {
                count: 6,
                period: PeriodUnit::Hour
            }),
            ..
        }
    ));
    let singular = objects
        .monitors
        .iter()
        .find(|m| m.check.label() == "custom_sql:assert_no_orders_before_signup")
        .unwrap();
    assert!(matches!(&singular.check, Check::CustomSql { sql, .. } if sql.contains("ref(")));

    // Everything written back as the tool now holds it: not one byte changes.
    let plan = session.plan(&objects.to_desired(&view).unwrap()).unwrap();
    assert!(
        plan.is_noop() && plan.conflicts.is_empty() && plan.errors.is_empty(),
        "{:#?}\n{:#?}\n{:#?}\n{:#?}",
        plan.changes,
        plan.files,
        plan.conflicts,
        plan.errors
    );
    session.apply(plan, false).unwrap();
    plan_is_noop(&session, &objects, true);

    // An opaque monitor cannot be edited.
    let mut edited = objects.clone();
    let i = edited.monitors.iter().position(|m| !m.editable()).unwrap();
    edited.monitors[i].severity = Some(Severity::Warn);
    let err = edited.to_desired(&view).unwrap_err();
    assert!(err.reason.contains("not edited"), "{err}");
}

#[test]
fn package_tests_need_the_package_and_old_targets_get_top_level_arguments() {
    let repo = repo();
    let session = session(repo.path());
    let positive = Monitor::new(
        "wt-9",
        Target::model("stg_shop_db__orders"),
        Some("shipping_amount"),
        Check::Range {
            min: Some(json!(0)),
            max: None,
            inclusive: Some(true),
        },
    );
    let objects = Observability {
        monitors: vec![positive],
        descriptions: vec![],
    };
    let view = RepoView::read(&session).unwrap();
    let err = objects.to_desired(&view).unwrap_err();
    assert!(err.reason.contains("dbt_utils"), "{err}");

    std::fs::write(
        repo.path().join("packages.yml"),
        "packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.3.0\", \"<2.0.0\"]\n",
    )
    .unwrap();
    edit_file(
        repo.path(),
        "dbt_project.yml",
        "require-dbt-version: [\">=1.12.0\", \"<2.0.0\"]",
        "require-dbt-version: [\">=1.8.0\", \"<2.0.0\"]",
    );
    git(repo.path(), &["add", "packages.yml"]);
    git(repo.path(), &["commit", "-qm", "dbt_utils"]);
    let view = RepoView::read(&session).unwrap();
    assert!(view.has_package("dbt_utils"));
    let desired = objects.to_desired(&view).unwrap();
    let column = &desired[0].state.value["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "shipping_amount")
        .unwrap()
        .clone();
    // The vendor's list; the merge keeps the customer's `not_negative` beside it.
    assert_eq!(
        column["data_tests"],
        json!([{"dbt_utils.accepted_range": {"min_value": 0, "inclusive": true}}])
    );
    let plan = session.plan(&desired).unwrap();
    assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
    let after = &plan.files[0].after;
    assert!(
        after.contains("          - not_negative\n          - dbt_utils.accepted_range:\n              min_value: 0\n"),
        "{after}"
    );
}

#[test]
fn a_warn_monitor_catches_a_planted_bad_row_and_the_others_pass() {
    let Some(_) = common::oracle_venv() else {
        return;
    };
    let repo = repo();
    let session = session(repo.path());
    let mut objects = monitors();
    // Only monitors that run on a local build (no freshness: `dbt build` does not check it).
    objects.monitors.retain(|m| m.id != "wt-2");
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    // The bad row: a customer without a first name.
    let csv = repo.path().join("raw_data/customers.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push_str("41,,Doe,jane.doe@example.com,GB,2024-06-01 10:00:00,2024-06-01 10:00:00,2024-06-01 11:00:00\n");
    std::fs::write(&csv, text).unwrap();
    git(
        repo.path(),
        &["commit", "-qam", "a customer without a first name"],
    );

    let out = export(repo.path(), "main");
    let results = tempfile::tempdir().unwrap();
    let file = results.path().join("run_results.json");
    dbt_check(
        out.path(),
        &[
            OsStr::new("--build"),
            OsStr::new("--run-results"),
            file.as_os_str(),
        ],
    );
    let run: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let results = run["results"].as_array().unwrap();
    let status_of = |needle: &str| -> Vec<String> {
        results
            .iter()
            .filter(|r| r["unique_id"].as_str().unwrap().contains(needle))
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        status_of("test.shop.not_null_stg_shop_db__customers_first_name"),
        ["warn"]
    );
    assert_eq!(status_of("assert_order_totals_not_negative"), ["pass"]);
    assert_eq!(
        status_of("accepted_values_stg_shop_db__products_is_active"),
        ["pass"]
    );
    let failed: Vec<&Value> = results
        .iter()
        .filter(|r| matches!(r["status"].as_str(), Some("fail" | "error")))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn a_customer_rename_moves_the_monitors_to_the_new_name() {
    let repo = repo();
    let session = session(repo.path());
    let mut objects = monitors();
    sync(&session, &objects);
    merge(repo.path(), BRANCH);
    sync(&session, &objects);

    // The customer renames the staging model (its file and its properties entry).
    git(
        repo.path(),
        &[
            "mv",
            "models/staging/shop_db/stg_shop_db__customers.sql",
            "models/staging/shop_db/stg_shop_db__accounts.sql",
        ],
    );
    edit_file(
        repo.path(),
        "models/staging/shop_db/_shop_db__models.yml",
        "  - name: stg_shop_db__customers\n",
        "  - name: stg_shop_db__accounts\n",
    );
    let view = RepoView::read(&session).unwrap();
    let changes = objects.changes(&session.pull().unwrap(), &view);
    let moved: Vec<(&str, &[String])> = changes
        .iter()
        .filter_map(|c| match c {
            ObservabilityChange::MonitorUpdated { monitor, fields } => {
                Some((monitor.id.as_str(), fields.as_slice()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        moved,
        [
            ("wt-1", &["target".to_string()][..]),
            ("wt-4", &["target".to_string()][..])
        ],
        "{changes:#?}"
    );
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, ObservabilityChange::MonitorDeleted { .. })),
        "{changes:#?}"
    );
    objects.apply(&changes);
    assert!(
        objects
            .monitors
            .iter()
            .any(|m| m.id == "wt-1" && m.target == Some(Target::model("stg_shop_db__accounts")))
    );
    // Nothing to write after the vendor follows the rename.
    let view = RepoView::read(&session).unwrap();
    let plan = session.plan(&objects.to_desired(&view).unwrap()).unwrap();
    assert!(
        plan.is_noop() && plan.conflicts.is_empty(),
        "{:#?}\n{:#?}",
        plan.changes,
        plan.conflicts
    );
}

#[test]
fn a_freshness_monitor_with_a_field_dbt_cannot_keep_is_an_error() {
    let repo = repo();
    let session = session(repo.path());
    let mut freshness = Monitor::new(
        "wt-9",
        Target::source("stripe", "payments"),
        None,
        Check::Freshness {
            warn_after: Some(Period {
                count: 6,
                period: PeriodUnit::Hour,
            }),
            error_after: None,
            loaded_at_field: Some("created".into()),
            filter: None,
        },
    );
    freshness.owner = Some("@payments".into());
    let objects = Observability {
        monitors: vec![freshness.clone()],
        descriptions: vec![],
    };
    let view = RepoView::read(&session).unwrap();
    let err = objects.to_desired(&view).unwrap_err();
    assert_eq!(err.id, "wt-9");
    assert!(err.reason.contains("owner"), "{}", err.reason);
    // Without it, the check lands as the source table's freshness.
    freshness.owner = None;
    let objects = Observability {
        monitors: vec![freshness],
        descriptions: vec![],
    };
    assert_eq!(objects.to_desired(&view).unwrap().len(), 1);
}
