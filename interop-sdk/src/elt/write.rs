//! ELT objects → desired resource states.

use std::collections::BTreeSet;

use interop_sync::model::ResourceKind;
use interop_sync::plan::{NEW_SOURCE_KEYS, ResourceState};
use serde_json::{Map, Value, json};

use super::repo::EltRepo;
use super::rewrite::to_model_sql;
use super::staging;
use super::{Connector, ConnectorTable, EltError, EltObjects, Freshness};
use crate::mapping::repo_text;
use crate::session::Desired;

/// The desired resources of a set of ELT objects, and what could not be mapped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapped {
    /// One per source table, transform and staging model.
    pub desired: Vec<Desired>,
    /// Transforms left out, with why (`<id>: the table raw.x.y is neither ...`).
    pub unmapped: Vec<String>,
}

fn valid_name(name: &str) -> bool {
    crate::mapping::is_dbt_name(name)
}

fn bad(id: &str, message: impl Into<String>) -> EltError {
    EltError::Invalid {
        id: id.to_string(),
        message: message.into(),
    }
}

pub(super) fn freshness_value(f: &Freshness) -> Value {
    let mut m = Map::new();
    if let Some(p) = f.warn_after {
        m.insert(
            "warn_after".into(),
            serde_json::to_value(p).unwrap_or_default(),
        );
    }
    if let Some(p) = f.error_after {
        m.insert(
            "error_after".into(),
            serde_json::to_value(p).unwrap_or_default(),
        );
    }
    Value::Object(m)
}

/// The test list of a column: the repo's own, with `not_null` and `unique` added for a primary
/// key (or taken away when it no longer is one).
pub(super) fn column_tests(repo: Option<&Value>, primary_key: bool) -> Vec<Value> {
    let mut tests: Vec<Value> = repo
        .and_then(|c| c.get("data_tests").or_else(|| c.get("tests")))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let named = |t: &Value, n: &str| t.as_str() == Some(n);
    for name in ["unique", "not_null"] {
        let has = tests.iter().any(|t| named(t, name));
        if primary_key && !has {
            tests.push(json!(name));
        }
    }
    if !primary_key {
        let both = ["unique", "not_null"]
            .iter()
            .all(|n| tests.iter().any(|t| named(t, n)));
        if both {
            tests.retain(|t| !named(t, "unique") && !named(t, "not_null"));
        }
    }
    tests
}

/// The state of one source table.
fn table_value(
    table: &ConnectorTable,
    current: Option<&Value>,
    tests_key: &str,
    under_config: bool,
) -> Value {
    fn text<'v>(v: Option<&'v Value>, k: &str) -> Option<&'v str> {
        v.and_then(|x| x.get(k)).and_then(Value::as_str)
    }
    let mut value = Map::new();
    value.insert("name".into(), json!(table.name));
    if let Some(i) = &table.identifier {
        value.insert("identifier".into(), json!(i));
    }
    if let Some(d) = &table.description {
        value.insert(
            "description".into(),
            json!(repo_text(d, text(current, "description"))),
        );
    }
    let mut config = Map::new();
    if let Some(l) = &table.loaded_at {
        config.insert("loaded_at_field".into(), json!(l));
    }
    if table.no_freshness {
        config.insert("freshness".into(), Value::Null);
    } else if let Some(f) = &table.freshness {
        config.insert("freshness".into(), freshness_value(f));
    }
    // Where the repo's table keeps them already, else where its dbt version reads them.
    let top_level = current
        .is_some_and(|c| c.get("freshness").is_some() || c.get("loaded_at_field").is_some())
        || !under_config;
    if top_level {
        value.append(&mut config);
    } else if !config.is_empty() {
        value.insert("config".into(), Value::Object(config));
    }
    let repo_columns = current
        .and_then(|c| c.get("columns"))
        .and_then(Value::as_array);
    let mut columns = Vec::new();
    for c in &table.columns {
        let here = repo_columns.and_then(|cols| {
            cols.iter()
                .find(|x| x.get("name").and_then(Value::as_str) == Some(c.name.as_str()))
        });
        let mut column = Map::new();
        column.insert("name".into(), json!(c.name));
        if let Some(t) = &c.data_type {
            column.insert("data_type".into(), json!(t));
        }
        if let Some(d) = &c.description {
            column.insert(
                "description".into(),
                json!(repo_text(d, text(here, "description"))),
            );
        }
        let pk = table.primary_key.as_deref() == Some(c.name.as_str());
        let tests = column_tests(here, pk);
        if !tests.is_empty() {
            let key = match here {
                Some(h) if h.get("tests").is_some() => "tests",
                _ => tests_key,
            };
            column.insert(key.into(), Value::Array(tests));
        }
        columns.push(Value::Object(column));
    }
    if !columns.is_empty() {
        value.insert("columns".into(), Value::Array(columns));
    }
    Value::Object(value)
}

/// The source's own keys, for a source the repo does not have yet.
fn source_keys(connector: &Connector, under_config: bool) -> Value {
    let mut keys = Map::new();
    if let Some(d) = &connector.description {
        keys.insert("description".into(), json!(repo_text(d, None)));
    }
    if let Some(d) = &connector.database {
        keys.insert("database".into(), json!(d));
    }
    if let Some(s) = &connector.schema {
        keys.insert("schema".into(), json!(s));
    }
    if let Some(l) = &connector.loader {
        keys.insert("loader".into(), json!(l));
    }
    let mut config = Map::new();
    if let Some(l) = &connector.loaded_at {
        config.insert("loaded_at_field".into(), json!(l));
    }
    if let Some(f) = &connector.freshness {
        config.insert("freshness".into(), freshness_value(f));
    }
    if !under_config {
        keys.append(&mut config);
    } else if !config.is_empty() {
        keys.insert("config".into(), Value::Object(config));
    }
    Value::Object(keys)
}

/// The source's keys as the repo has them differ from the connector's: which.
fn changed_source_keys(connector: &Connector, entry: &Map<String, Value>) -> Vec<&'static str> {
    let text = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_string);
    let configured = |k: &str| {
        entry
            .get("config")
            .and_then(|c| c.get(k))
            .or_else(|| entry.get(k))
    };
    let mut out = Vec::new();
    if text("loader") != connector.loader {
        out.push("loader");
    }
    if text("database") != connector.database {
        out.push("database");
    }
    if text("schema") != connector.schema {
        out.push("schema");
    }
    if text("description").map(|d| crate::mapping::from_repo_text(&d)) != connector.description {
        out.push("description");
    }
    if configured("loaded_at_field").and_then(Value::as_str) != connector.loaded_at.as_deref() {
        out.push("loaded_at");
    }
    let fresh = connector.freshness.as_ref().map(freshness_value);
    let repo_fresh = configured("freshness").cloned().map(|v| {
        let mut v = v;
        if let Value::Object(m) = &mut v {
            m.shift_remove("filter");
        }
        v
    });
    if repo_fresh != fresh {
        out.push("freshness");
    }
    out
}

/// The resources `objects` map to in `repo`. Source tables have the id
/// `<connector id>/<table>`, staging models `<connector id>/staging/<table>`, transforms
/// their own id.
pub fn to_desired(objects: &EltObjects, repo: &EltRepo) -> Result<Mapped, EltError> {
    let mut out = Mapped::default();
    let mut ids = BTreeSet::new();
    let tests_key = repo.view.tests_key.clone();
    let prefix = format!("source.{}.", repo.view.project);
    // dbt 1.10 moved a source's `freshness` and `loaded_at_field` under `config:`.
    let under_config = repo.view.version().meta_under_config();
    for c in &objects.connectors {
        if !valid_name(&c.name) {
            return Err(bad(&c.id, format!("'{}' is not a source name", c.name)));
        }
        if !ids.insert(c.id.clone()) {
            return Err(bad(&c.id, "the id is used twice"));
        }
        let existing = repo.sources.get(&c.name);
        if let Some(info) = existing {
            let changed = changed_source_keys(c, &info.entry);
            if !changed.is_empty() {
                out.unmapped.push(format!(
                    "{}: the source's {} differ from the repo's; a source's own keys are \
                     written when it is created and otherwise left to the customer",
                    c.id,
                    changed.join(", ")
                ));
            }
        }
        let file = match existing {
            Some(info) => info.file.clone(),
            None => format!(
                "{}/staging/{}/_{}__sources.yml",
                repo.model_path, c.name, c.name
            ),
        };
        let mut tables = BTreeSet::new();
        for t in &c.tables {
            if !tables.insert(t.name.clone()) {
                return Err(bad(
                    &c.id,
                    format!("the table '{}' is listed twice", t.name),
                ));
            }
            if t.primary_key
                .as_ref()
                .is_some_and(|pk| !t.columns.iter().any(|col| &col.name == pk))
            {
                return Err(bad(
                    &c.id,
                    format!("the primary key of '{}' is not one of its columns", t.name),
                ));
            }
            let uid = format!("{prefix}{}.{}", c.name, t.name);
            let current = repo.view.states.get(&uid).map(|s| &s.value);
            let mut value = table_value(t, current, &tests_key, under_config);
            if existing.is_none()
                && let Value::Object(m) = &mut value
            {
                m.insert(NEW_SOURCE_KEYS.into(), source_keys(c, under_config));
            }
            out.desired.push(Desired {
                id: repo
                    .bound_id(&uid)
                    .cloned()
                    .unwrap_or_else(|| format!("{}/{}", c.id, t.name)),
                state: ResourceState {
                    kind: ResourceKind::Source,
                    name: t.name.clone(),
                    value,
                    file: Some(format!("{file}#{}", c.name)),
                },
            });
        }
        if c.staging {
            out.desired
                .extend(staging::staging_models(c, repo, &tests_key));
        }
    }
    // Transforms read the connectors' tables as well as the repo's.
    let mut relations = repo.relations(objects.warehouse.as_ref());
    for c in &objects.connectors {
        for t in &c.tables {
            if relations
                .of_target(&crate::observability::Target::source(&c.name, &t.name))
                .is_none()
            {
                relations.known.push(super::rewrite::KnownRelation {
                    target: crate::observability::Target::source(&c.name, &t.name),
                    database: c.database.clone(),
                    schema: Some(c.schema.clone().unwrap_or_else(|| c.name.clone())),
                    identifier: t.identifier.clone().unwrap_or_else(|| t.name.clone()),
                });
            }
        }
    }
    let dialect = objects.dialect.or(repo.dialect).unwrap_or_default();
    for t in &objects.transforms {
        if !valid_name(&t.name) {
            return Err(bad(&t.id, format!("'{}' is not a model name", t.name)));
        }
        if !ids.insert(t.id.clone()) {
            return Err(bad(&t.id, "the id is used twice"));
        }
        let sql = match to_model_sql(&t.sql, dialect, &relations) {
            Ok(sql) => sql,
            Err(e) => {
                out.unmapped.push(format!("{}: {e}", t.id));
                continue;
            }
        };
        let uid = format!("model.{}.{}", repo.view.project, t.name);
        let current = repo.view.states.get(&uid);
        let mut value = Map::new();
        value.insert("name".into(), json!(t.name));
        if let Some(d) = &t.description {
            let now = current
                .and_then(|c| c.value.get("description"))
                .and_then(Value::as_str);
            value.insert("description".into(), json!(repo_text(d, now)));
        }
        let mut config = Map::new();
        if let Some(m) = t.materialization {
            config.insert("materialized".into(), json!(m.label()));
        }
        if let Some(o) = &t.owner {
            config.insert("meta".into(), json!({ "owner": repo_text(o, None) }));
        }
        if !config.is_empty() {
            value.insert("config".into(), Value::Object(config));
        }
        value.insert("sql".into(), json!(sql));
        let folder = t
            .folder
            .as_deref()
            .unwrap_or(super::DEFAULT_FOLDER)
            .trim_matches('/');
        let file = if folder.is_empty() {
            format!("{}/{}.sql", repo.model_path, t.name)
        } else {
            format!("{}/{folder}/{}.sql", repo.model_path, t.name)
        };
        out.desired.push(Desired {
            id: t.id.clone(),
            state: ResourceState {
                kind: ResourceKind::Model,
                name: t.name.clone(),
                value: Value::Object(value),
                file: Some(file),
            },
        });
    }
    Ok(out)
}
