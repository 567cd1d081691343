//! The ELT category on the demo shop: connectors ↔ sources, SQL transforms ↔ import-CTE
//! models, staging models; round trips, customer edits, scope, idempotence, dbt and sqlfluff
//! on what is written, and a corpus of warehouse SQL whose models select the same rows.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use interop_sdk::elt::{
    Connector, ConnectorColumn, ConnectorTable, Dialect, EltObjects, EltRepo, Freshness,
    Materialization, Transform, Warehouse, from_repo, to_desired,
};
use interop_sdk::observability::{Period, PeriodUnit};
use interop_sdk::{Scope, SessionError, SessionOptions, SyncSession};

use common::{dbt_check, edit_file, export, git, merge, oracle_venv, repo, shared_dir};

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new("elt", Scope::elt())).unwrap()
}

fn hubspot() -> Connector {
    let col = |name: &str, t: &str, d: &str| ConnectorColumn {
        name: name.into(),
        data_type: Some(t.into()),
        description: Some(d.into()),
    };
    Connector {
        id: "conn-hubspot".into(),
        name: "hubspot".into(),
        loader: Some("fivetran".into()),
        database: Some("raw".into()),
        schema: Some("hubspot_crm".into()),
        description: Some("CRM objects synced from HubSpot.".into()),
        loaded_at: Some("_fivetran_synced".into()),
        freshness: Some(Freshness {
            warn_after: Some(Period {
                count: 12,
                period: PeriodUnit::Hour,
            }),
            error_after: Some(Period {
                count: 1,
                period: PeriodUnit::Day,
            }),
        }),
        tables: vec![
            ConnectorTable {
                name: "companies".into(),
                identifier: None,
                description: Some("One row per company record.".into()),
                primary_key: Some("id".into()),
                loaded_at: None,
                freshness: None,
                no_freshness: false,
                columns: vec![
                    col("id", "bigint", "HubSpot company id."),
                    col("name", "varchar", "Company name."),
                    col("_fivetran_synced", "timestamp", "When the row was loaded."),
                ],
            },
            ConnectorTable {
                name: "contacts".into(),
                identifier: Some("contact".into()),
                description: Some("One row per contact.".into()),
                primary_key: Some("id".into()),
                loaded_at: None,
                freshness: None,
                no_freshness: true,
                columns: vec![
                    col("id", "bigint", "HubSpot contact id."),
                    col("company_id", "bigint", "The contact's company."),
                    col("email", "varchar", "Work email."),
                ],
            },
        ],
        staging: true,
    }
}

fn transform() -> Transform {
    Transform {
        id: "tf-contacts".into(),
        name: "elt_contacts_per_company".into(),
        folder: Some("elt".into()),
        sql: "-- Contacts per company.\nselect\n    companies.id as company_id,\n    count(contact.id) as contact_count\nfrom raw.hubspot_crm.companies as companies\nleft join raw.hubspot_crm.contact as contact\n    on companies.id = contact.company_id\ngroup by companies.id\n".into(),
        description: Some("How many contacts each company has.".into()),
        owner: Some("revops".into()),
        materialization: Some(Materialization::Table),
    }
}

fn objects() -> EltObjects {
    EltObjects {
        dialect: Some(Dialect::DuckDb),
        warehouse: None,
        connectors: vec![hubspot()],
        transforms: vec![transform()],
    }
}

/// Plans, applies and merges `objects` into the repo; returns what the repo reads back as.
fn sync(dir: &Path, objects: &EltObjects) -> EltObjects {
    let s = session(dir);
    let repo = EltRepo::read(&s).unwrap();
    let mapped = to_desired(objects, &repo).unwrap();
    assert!(mapped.unmapped.is_empty(), "{:#?}", mapped.unmapped);
    let plan = s.plan(&mapped.desired).unwrap();
    assert!(plan.errors.is_empty(), "{:#?}", plan.errors);
    assert!(plan.conflicts.is_empty(), "{:#?}", plan.conflicts);
    if !plan.is_noop() {
        s.apply(plan, false).unwrap();
        merge(dir, "interop/elt");
    }
    from_repo(&EltRepo::read(&session(dir)).unwrap(), objects)
}

fn only_mine(read: &EltObjects, names: &[&str]) -> EltObjects {
    EltObjects {
        connectors: read
            .connectors
            .iter()
            .filter(|c| names.contains(&c.name.as_str()))
            .cloned()
            .collect(),
        ..read.clone()
    }
}

#[test]
fn connectors_and_transforms_round_trip_and_a_second_sync_is_a_no_op() {
    let tmp = repo();
    let back = sync(tmp.path(), &objects());
    assert_eq!(only_mine(&back, &["hubspot"]), objects());
    let sources = std::fs::read_to_string(
        tmp.path()
            .join("models/staging/hubspot/_hubspot__sources.yml"),
    )
    .unwrap();
    insta::assert_snapshot!("hubspot_sources", sources);
    let model = std::fs::read_to_string(tmp.path().join("models/elt/elt_contacts_per_company.sql"))
        .unwrap();
    insta::assert_snapshot!("contacts_per_company_sql", model);
    let staged = std::fs::read_to_string(
        tmp.path()
            .join("models/staging/hubspot/stg_hubspot__contacts.sql"),
    )
    .unwrap();
    assert!(
        staged.contains("cast(id as bigint) as contact_id"),
        "{staged}"
    );
    // The second sync writes nothing.
    let s = session(tmp.path());
    let mapped = to_desired(&objects(), &EltRepo::read(&s).unwrap()).unwrap();
    let plan = s.plan(&mapped.desired).unwrap();
    assert!(plan.is_noop(), "{:#?}", plan.files);
    assert!(plan.vendor_changes.is_empty(), "{:#?}", plan.vendor_changes);
    // Everything written parses with dbt and passes the house style.
    dbt_check(export(tmp.path(), "HEAD").path(), &[]);
    if let Some(venv) = oracle_venv() {
        sql_style(
            tmp.path(),
            &[
                "models/elt/elt_contacts_per_company.sql",
                "models/staging/hubspot/stg_hubspot__contacts.sql",
                "models/staging/hubspot/stg_hubspot__companies.sql",
            ],
            &venv,
        );
    }
}

#[test]
fn hand_written_sources_arrive_as_connectors() {
    let tmp = repo();
    let read = from_repo(&EltRepo::read(&session(tmp.path())).unwrap(), &objects());
    let shop_db = read
        .connectors
        .iter()
        .find(|c| c.name == "shop_db")
        .unwrap();
    assert_eq!(shop_db.id, "source:shop_db");
    assert_eq!(shop_db.loader.as_deref(), Some("airbyte"));
    assert_eq!(shop_db.loaded_at.as_deref(), Some("_loaded_at"));
    let customers = &shop_db.tables[0];
    assert_eq!(customers.primary_key.as_deref(), Some("id"));
    let items = shop_db
        .tables
        .iter()
        .find(|t| t.name == "order_items")
        .unwrap();
    assert!(items.no_freshness);
    let products = shop_db
        .tables
        .iter()
        .find(|t| t.name == "products")
        .unwrap();
    assert_eq!(products.loaded_at.as_deref(), Some("updated_at"));
    // Models the tool did not create are not its transforms.
    assert!(read.transforms.is_empty());
}

#[test]
fn customer_edits_arrive_as_the_tools_objects() {
    let tmp = repo();
    sync(tmp.path(), &objects());
    edit_file(
        tmp.path(),
        "models/staging/hubspot/_hubspot__sources.yml",
        "description: Work email.",
        "description: Work email, lower-cased by the loader.",
    );
    edit_file(
        tmp.path(),
        "models/elt/elt_contacts_per_company.sql",
        "group by companies.id\n",
        "where contact.email is not null\ngroup by companies.id\n",
    );
    let s = session(tmp.path());
    // Besides the shop's own sources (new to the tool), the two edited objects change.
    let mut updated: Vec<String> = s
        .pull()
        .unwrap()
        .into_iter()
        .filter_map(|c| match c {
            interop_sdk::VendorChange::Updated { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    updated.sort();
    assert_eq!(updated, ["conn-hubspot/contacts", "tf-contacts"]);
    let back = from_repo(&EltRepo::read(&s).unwrap(), &objects());
    let hub = back
        .connectors
        .iter()
        .find(|c| c.name == "hubspot")
        .unwrap();
    assert_eq!(
        hub.tables[1].columns[2].description.as_deref(),
        Some("Work email, lower-cased by the loader.")
    );
    assert_eq!(
        back.transforms[0].sql,
        transform().sql.replace(
            "group by companies.id\n",
            "where contact.email is not null\ngroup by companies.id\n"
        )
    );
}

#[test]
fn another_models_sql_is_refused_and_unknown_tables_are_reported() {
    let tmp = repo();
    let s = session(tmp.path());
    let repo = EltRepo::read(&s).unwrap();
    let mut objects = objects();
    objects.transforms.push(Transform {
        id: "tf-orders".into(),
        name: "orders".into(),
        folder: Some("marts/finance".into()),
        sql: "select * from raw.shop_db.orders".into(),
        description: None,
        owner: None,
        materialization: None,
    });
    objects.transforms.push(Transform {
        id: "tf-unknown".into(),
        name: "elt_leads".into(),
        folder: None,
        sql: "select * from raw.salesforce.leads".into(),
        description: None,
        owner: None,
        materialization: None,
    });
    let mapped = to_desired(&objects, &repo).unwrap();
    assert_eq!(
        mapped.unmapped,
        [
            "tf-unknown: the table raw.salesforce.leads is neither a source table nor a model of the repo"
        ]
    );
    match s.plan(&mapped.desired) {
        Err(SessionError::Scope(e)) => {
            assert_eq!(e.object, "tf-orders");
            assert!(e.what.contains("'sql'"), "{e}");
        }
        other => panic!("expected a scope error, got {other:?}"),
    }
}

/// `sql-style.sh` on files of the repo's work tree.
fn sql_style(dir: &Path, files: &[&str], venv: &Path) {
    let out = Command::new("bash")
        .arg(shared_dir().join("oracle/sql-style.sh"))
        .args(files.iter().map(|f| dir.join(f)))
        .env("INTEROP_ORACLE_VENV", venv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sql-style failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

#[test]
fn the_acceptance_state_file_builds_and_reads_back() {
    let text = std::fs::read_to_string(fixture("acceptance/elt.json")).unwrap();
    let objects: EltObjects = serde_json::from_str(&text).unwrap();
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&objects).unwrap(), raw);
    let tmp = repo();
    let mut back = only_mine(&sync(tmp.path(), &objects), &["stripe"]);
    back.transforms.sort_by(|a, b| a.id.cmp(&b.id));
    let mut want = objects.clone();
    want.transforms.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(back, want);
    let files: Vec<String> = git(tmp.path(), &["diff", "--name-only", "HEAD^1", "HEAD"])
        .lines()
        .map(str::to_string)
        .collect();
    assert!(files.contains(&"models/staging/stripe/_stripe__sources.yml".to_string()));
    // The hand-written source file is only added to: types, descriptions, new columns.
    let diff = git(
        tmp.path(),
        &[
            "diff",
            "HEAD^1",
            "HEAD",
            "--",
            "models/staging/stripe/_stripe__sources.yml",
        ],
    );
    assert!(
        diff.lines()
            .all(|l| !l.starts_with('-') || l.starts_with("---")),
        "{diff}"
    );
    assert!(diff.contains("+            data_type: varchar"), "{diff}");
    let out = dbt_check(export(tmp.path(), "HEAD").path(), &[OsStr::new("--build")]);
    if let (Some(out), Some(venv)) = (out, oracle_venv()) {
        assert!(out.contains("dbt-check: OK parse and build"), "{out}");
        let sql: Vec<&str> = files
            .iter()
            .filter(|f| f.ends_with(".sql"))
            .map(String::as_str)
            .collect();
        assert_eq!(sql.len(), 4);
        sql_style(tmp.path(), &sql, &venv);
    }
}

/// The corpus: each warehouse query becomes a model; dbt compiles the models on DuckDB, and
/// the compiled SQL selects the same rows as the original over the shop's raw data.
#[test]
fn corpus_models_select_what_the_warehouse_sql_selects() {
    let dir = fixture("elt/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension() == Some(OsStr::new("sql")))
        .collect();
    files.sort();
    assert!(files.len() >= 30);
    let transforms: Vec<Transform> = files
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_str().unwrap().to_string();
            Transform {
                id: format!("corpus-{name}"),
                name: format!("corpus_{name}"),
                folder: Some("corpus".into()),
                sql: std::fs::read_to_string(p).unwrap(),
                description: None,
                owner: None,
                materialization: None,
            }
        })
        .collect();
    // dbt-duckdb builds models in the catalog named after its database file, schema main.
    let objects = EltObjects {
        dialect: Some(Dialect::DuckDb),
        warehouse: Some(Warehouse {
            database: Some("local".into()),
            schema: "main".into(),
        }),
        connectors: vec![],
        transforms: transforms.clone(),
    };
    let tmp = repo();
    let back = sync(tmp.path(), &objects);
    // Every model reads back as the tool's SQL, and names no warehouse table any more.
    for t in &transforms {
        let read = back.transforms.iter().find(|b| b.id == t.id).unwrap();
        let model =
            std::fs::read_to_string(tmp.path().join(format!("models/corpus/{}.sql", t.name)))
                .unwrap();
        assert!(
            !model.contains("raw.") && !model.contains("local."),
            "{}: {model}",
            t.name
        );
        assert!(
            model.contains("{{ source(") || model.contains("{{ ref("),
            "{}: {model}",
            t.name
        );
        // Names the tool wrote in two parts or quoted come back as the relation's full name.
        // The tool's first CTE reads back one space after `with`.
        let canonical = |s: &str| {
            s.replace("with\n\nitems as", "with items as")
                .replace(
                    "from main.stg_shop_db__customers",
                    "from local.main.stg_shop_db__customers",
                )
                .replace(
                    "\"local\".\"main\".\"stg_stripe__payments\"",
                    "local.main.stg_stripe__payments",
                )
                .replace("\"raw\".\"shop_db\".\"products\"", "raw.shop_db.products")
                .replace("\"raw\".stripe.payments", "raw.stripe.payments")
                .replace("from shop_db.orders o", "from raw.shop_db.orders o")
                .replace("join stripe.payments pay", "join raw.stripe.payments pay")
                .replace("from shop_db.order_items", "from raw.shop_db.order_items")
                .replace(
                    "select * from raw.shop_db.orders where",
                    "select * from raw.shop_db.orders as orders where",
                )
        };
        assert_eq!(read.sql, canonical(&t.sql), "{}", t.name);
    }
    let Some(venv) = oracle_venv() else {
        return;
    };
    let project = export(tmp.path(), "HEAD");
    let out = Command::new(venv.join("bin/python"))
        .arg(fixture("elt/compare_corpus.py"))
        .arg(venv.join("bin/dbt"))
        .arg(project.path())
        .arg(&dir)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DO_NOT_TRACK", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("same rows: {} of {}", files.len(), files.len())),
        "{text}"
    );
}

#[test]
fn an_older_dbt_reads_freshness_beside_the_table_and_the_profile_names_the_dialect() {
    let tmp = repo();
    edit_file(
        tmp.path(),
        "dbt_project.yml",
        "require-dbt-version: [\">=1.12.0\", \"<2.0.0\"]",
        "require-dbt-version: [\">=1.8.0\", \"<1.10.0\"]",
    );
    std::fs::write(
        tmp.path().join("profiles.yml"),
        "shop:\n  target: prod\n  outputs:\n    prod:\n      type: snowflake\n      account: acme\n",
    )
    .unwrap();
    git(tmp.path(), &["add", "profiles.yml"]);
    git(tmp.path(), &["commit", "-qm", "profiles"]);
    let s = session(tmp.path());
    let repo = EltRepo::read(&s).unwrap();
    assert_eq!(repo.dialect, Some(Dialect::Snowflake));
    let mut objects = objects();
    objects.dialect = None;
    // Parsed as Snowflake, the repo's adapter.
    objects.transforms[0].sql =
        "select id::varchar as company_key from raw.hubspot_crm.companies".into();
    let mapped = to_desired(&objects, &repo).unwrap();
    assert!(mapped.unmapped.is_empty(), "{:?}", mapped.unmapped);
    let companies = &mapped.desired[0].state.value;
    assert_eq!(companies["_source"]["loaded_at_field"], "_fivetran_synced");
    assert!(companies["_source"].get("config").is_none());
    let contacts = &mapped.desired[1].state.value;
    assert_eq!(contacts.get("freshness"), Some(&serde_json::Value::Null));
    assert!(contacts.get("config").is_none());
}

#[test]
fn taking_over_the_hand_written_sources_as_they_are_writes_nothing() {
    let tmp = repo();
    let s = session(tmp.path());
    let repo = EltRepo::read(&s).unwrap();
    let objects = from_repo(&repo, &EltObjects::default());
    assert_eq!(objects.connectors.len(), 3);
    let mapped = to_desired(&objects, &repo).unwrap();
    assert!(mapped.unmapped.is_empty(), "{:?}", mapped.unmapped);
    assert_eq!(mapped.desired.len(), 7);
    let plan = s.plan(&mapped.desired).unwrap();
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    assert!(plan.is_noop(), "{:#?}", plan.files);
    assert!(plan.vendor_changes.is_empty(), "{:#?}", plan.vendor_changes);
}

#[test]
fn a_new_table_of_an_existing_source_joins_its_tables() {
    let tmp = repo();
    let s = session(tmp.path());
    let repo = EltRepo::read(&s).unwrap();
    let mut objects = from_repo(&repo, &EltObjects::default());
    objects.connectors.retain(|c| c.name == "stripe");
    objects.connectors[0].tables.push(ConnectorTable {
        name: "refunds".into(),
        identifier: None,
        description: Some("One row per refund.".into()),
        primary_key: Some("id".into()),
        loaded_at: None,
        freshness: None,
        no_freshness: false,
        columns: vec![ConnectorColumn {
            name: "id".into(),
            data_type: Some("varchar".into()),
            description: None,
        }],
    });
    let back = sync(tmp.path(), &objects);
    let stripe = back.connectors.iter().find(|c| c.name == "stripe").unwrap();
    assert_eq!(stripe, &objects.connectors[0]);
    let diff = git(
        tmp.path(),
        &["diff", "HEAD^1", "HEAD", "--stat", "--", "models"],
    );
    assert!(
        diff.contains("models/staging/stripe/_stripe__sources.yml | 8 +"),
        "{diff}"
    );
    dbt_check(export(tmp.path(), "HEAD").path(), &[]);
}
