//! What the ELT mapping reads from a repo: its sources with their own keys, its models and the
//! relations they are built as, the session's states, and which objects the tool created.

use std::collections::{BTreeMap, BTreeSet};

use interop_sync::git::BaseStore as _;
use interop_sync::git::GitRefBaseStore;
use interop_sync::model::ResourceKind;
use interop_sync::read::Project;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::rewrite::{KnownRelation, Relations, to_tool_sql};
use super::sql::Dialect;
use super::{
    Connector, ConnectorColumn, ConnectorTable, EltObjects, Freshness, Materialization, Transform,
};
use crate::mapping::{RepoView, from_repo_text, text_of};
use crate::observability::Target;
use crate::session::{SessionError, SyncSession};
use crate::state::SyncState;

/// Where dbt builds models: the target's database and schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Warehouse {
    /// The target database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The target schema.
    pub schema: String,
}

/// A source of the repo: its file and its own keys (without `tables`).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// The properties file that declares it.
    pub file: String,
    /// Its entry without `tables`.
    pub entry: Map<String, Value>,
    /// Its tables' names and their `identifier`s.
    pub tables: Vec<(String, Option<String>)>,
}

/// A model of the repo, as the relation dbt builds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// Its name.
    pub name: String,
    /// Its `database` config.
    pub database: Option<String>,
    /// Its `schema` config (a custom schema, appended to the target's).
    pub schema: Option<String>,
    /// Its `alias` config.
    pub alias: Option<String>,
}

/// A repo as the ELT mapping sees it.
#[derive(Debug, Clone, Default)]
pub struct EltRepo {
    /// The states, bindings and conventions every mapping reads.
    pub view: RepoView,
    /// The first model path.
    pub model_path: String,
    /// Sources by name.
    pub sources: BTreeMap<String, SourceInfo>,
    /// Models by name (enabled, of the project).
    pub models: BTreeMap<String, ModelInfo>,
    /// The vendor ids of resources the tool created.
    pub created: BTreeSet<String>,
    /// The dialect of the adapter the repo's own `profiles.yml` targets, when it has one.
    pub dialect: Option<Dialect>,
}

impl EltRepo {
    /// Reads the main branch head of the session's repo and its sync state.
    pub fn read(session: &SyncSession) -> Result<EltRepo, SessionError> {
        let view = RepoView::read(session)?;
        let store = session.store();
        let options = session.options();
        let (main, _, project) = session.main_project()?;
        let mut repo = EltRepo::of_project(&project, view, &|path| {
            let full = if options.subdir.is_empty() {
                path.to_string()
            } else {
                format!("{}/{path}", options.subdir.trim_end_matches('/'))
            };
            store.file_at(main, &full).ok().flatten()
        });
        if let Some(stored) = GitRefBaseStore::for_vendor(store, &options.vendor)?.load()? {
            let state = SyncState::from_json(&stored.data).map_err(SessionError::State)?;
            repo.created = state.created.iter().cloned().collect();
        }
        Ok(repo)
    }

    /// The sources and models of a project already read, with `view` for the states.
    pub fn of_project(
        project: &Project,
        view: RepoView,
        read_file: &dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> EltRepo {
        let mut sources: BTreeMap<String, SourceInfo> = BTreeMap::new();
        let mut files: BTreeMap<String, Option<Value>> = BTreeMap::new();
        let prefix = format!("source.{}.", project.dbt_project.name);
        for r in project
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Source)
        {
            let Some((source, table)) = r
                .unique_id
                .as_str()
                .strip_prefix(&prefix)
                .and_then(|rest| rest.split_once('.'))
            else {
                continue;
            };
            let file = r.location.file.to_string();
            let json = files.entry(file.clone()).or_insert_with(|| {
                let text = String::from_utf8(read_file(&file)?).ok()?;
                let root = interop_sync::read::yaml::parse(&text, &Default::default())
                    .ok()
                    .flatten()?;
                Some(root.to_json())
            });
            let identifier = r
                .properties
                .to_json()
                .get("identifier")
                .and_then(Value::as_str)
                .map(str::to_string);
            let info = sources.entry(source.to_string()).or_insert_with(|| {
                let entry = json
                    .as_ref()
                    .and_then(|j| j.get("sources"))
                    .and_then(Value::as_array)
                    .and_then(|s| {
                        s.iter()
                            .find(|e| e.get("name").and_then(Value::as_str) == Some(source))
                    })
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let mut entry = entry;
                entry.shift_remove("tables");
                SourceInfo {
                    file: file.clone(),
                    entry,
                    tables: vec![],
                }
            });
            info.tables.push((table.to_string(), identifier));
        }
        let mut models = BTreeMap::new();
        for r in project.resources.iter().filter(|r| {
            r.kind == ResourceKind::Model && r.enabled && r.package == project.dbt_project.name
        }) {
            let props = r.properties.to_json();
            let config = |key: &str| {
                r.sql_config
                    .get(key)
                    .or_else(|| props.get("config").and_then(|c| c.get(key)))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            models.insert(
                r.name.clone(),
                ModelInfo {
                    name: r.name.clone(),
                    database: config("database"),
                    schema: config("schema"),
                    alias: config("alias"),
                },
            );
        }
        let dialect = read_file("profiles.yml")
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|text| adapter_of(&text, project.dbt_project.profile.as_deref()?));
        EltRepo {
            dialect,
            view,
            model_path: project
                .dbt_project
                .paths
                .model
                .first()
                .cloned()
                .unwrap_or_else(|| "models".into()),
            sources,
            models,
            created: BTreeSet::new(),
        }
    }

    /// The relations the repo's sources and models are, models built in `warehouse`.
    pub fn relations(&self, warehouse: Option<&Warehouse>) -> Relations {
        let mut known = Vec::new();
        for (name, info) in &self.sources {
            let text = |k: &str| {
                info.entry
                    .get(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            for (table, identifier) in &info.tables {
                known.push(KnownRelation {
                    target: Target::source(name, table),
                    database: text("database"),
                    schema: Some(text("schema").unwrap_or_else(|| name.clone())),
                    identifier: identifier.clone().unwrap_or_else(|| table.clone()),
                });
            }
        }
        for m in self.models.values() {
            let schema = warehouse.map(|w| match &m.schema {
                Some(custom) => format!("{}_{custom}", w.schema),
                None => w.schema.clone(),
            });
            known.push(KnownRelation {
                target: Target::model(&m.name),
                database: m
                    .database
                    .clone()
                    .or_else(|| warehouse.and_then(|w| w.database.clone())),
                schema,
                identifier: m.alias.clone().unwrap_or_else(|| m.name.clone()),
            });
        }
        Relations { known }
    }

    /// The vendor id bound to a unique id, if any.
    pub fn bound_id(&self, unique_id: &str) -> Option<&String> {
        self.view
            .bound
            .iter()
            .find(|(_, uid)| *uid == unique_id)
            .map(|(id, _)| id)
    }
}

/// The dialect of the adapter a `profiles.yml` gives `profile`'s default target (or, when the
/// target is not literal, the one adapter type all its outputs share).
fn adapter_of(text: &str, profile: &str) -> Option<Dialect> {
    let root = interop_sync::read::yaml::parse(text, &Default::default())
        .ok()
        .flatten()?
        .to_json();
    let profile = root.get(profile)?;
    let outputs = profile.get("outputs")?.as_object()?;
    let target = profile.get("target").and_then(Value::as_str);
    let kind = |o: &Value| o.get("type").and_then(Value::as_str).map(str::to_string);
    let adapter = match target.and_then(|t| outputs.get(t)) {
        Some(o) => kind(o)?,
        None => {
            let kinds: BTreeSet<String> = outputs.values().filter_map(kind).collect();
            if kinds.len() != 1 {
                return None;
            }
            kinds.into_iter().next()?
        }
    };
    Dialect::from_adapter(&adapter)
}

fn freshness_of(value: Option<&Value>) -> Option<Freshness> {
    let f = value?.as_object()?;
    let period = |k: &str| {
        f.get(k)
            .and_then(|p| serde_json::from_value(p.clone()).ok())
    };
    Some(Freshness {
        warn_after: period("warn_after"),
        error_after: period("error_after"),
    })
}

/// A key of an entry, under `config:` or (older dbt) at the top.
fn configured<'a>(entry: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    entry
        .get("config")
        .and_then(|c| c.get(key))
        .or_else(|| entry.get(key))
}

/// Whether a column's tests make it a primary key (`not_null` and `unique`).
fn is_primary_key(column: &Value) -> bool {
    let tests: Vec<&str> = ["data_tests", "tests"]
        .iter()
        .filter_map(|k| column.get(*k).and_then(Value::as_array))
        .flatten()
        .filter_map(|t| {
            t.as_str().or_else(|| {
                t.as_object()
                    .and_then(|m| m.keys().next())
                    .map(String::as_str)
            })
        })
        .collect();
    tests.contains(&"not_null") && tests.contains(&"unique")
}

/// The tool's objects as the repo holds them: every source as a connector (ids: the bound
/// ones, else `source:<name>`), every model the tool created as a transform (staging models
/// are part of their connector). `known` gives the dialect, the warehouse and which
/// connectors ask for staging models.
pub fn from_repo(repo: &EltRepo, known: &EltObjects) -> EltObjects {
    let dialect = known.dialect.or(repo.dialect).unwrap_or_default();
    let relations = repo.relations(known.warehouse.as_ref());
    let prefix = format!("source.{}.", repo.view.project);
    let mut connectors: Vec<Connector> = Vec::new();
    for (name, info) in &repo.sources {
        let entry = &info.entry;
        let text = |k: &str| entry.get(k).and_then(Value::as_str).map(from_repo_text);
        let source_fresh = configured(entry, "freshness");
        let source_loaded = configured(entry, "loaded_at_field")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut id = format!("source:{name}");
        let mut tables = Vec::new();
        for (table, _) in &info.tables {
            let uid = format!("{prefix}{name}.{table}");
            let Some(state) = repo.view.states.get(&uid) else {
                continue;
            };
            if let Some(bound) = repo.bound_id(&uid)
                && let Some((connector, _)) = bound.rsplit_once('/')
            {
                id = connector.to_string();
            }
            let value = state.value.as_object().cloned().unwrap_or_default();
            let columns: Vec<&Value> = value
                .get("columns")
                .and_then(Value::as_array)
                .map(|c| c.iter().collect())
                .unwrap_or_default();
            let table_fresh = configured(&value, "freshness");
            tables.push(ConnectorTable {
                name: table.clone(),
                identifier: text_of(&state.value, "identifier"),
                description: text_of(&state.value, "description").map(|d| from_repo_text(&d)),
                primary_key: columns
                    .iter()
                    .find(|c| is_primary_key(c))
                    .and_then(|c| text_of(c, "name")),
                loaded_at: configured(&value, "loaded_at_field")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                freshness: freshness_of(table_fresh),
                no_freshness: table_fresh.is_some_and(Value::is_null),
                columns: columns
                    .iter()
                    .filter_map(|c| {
                        Some(ConnectorColumn {
                            name: text_of(c, "name")?,
                            data_type: text_of(c, "data_type"),
                            description: text_of(c, "description").map(|d| from_repo_text(&d)),
                        })
                    })
                    .collect(),
            });
        }
        let staging = known.connectors.iter().any(|c| c.id == id && c.staging);
        connectors.push(Connector {
            id,
            name: name.clone(),
            loader: text("loader"),
            database: text("database"),
            schema: text("schema"),
            description: text("description"),
            loaded_at: source_loaded,
            freshness: freshness_of(source_fresh),
            tables,
            staging,
        });
    }
    let mut transforms = Vec::new();
    for (id, uid) in &repo.view.bound {
        if !repo.created.contains(id) || !uid.starts_with("model.") || id.contains("/staging/") {
            continue;
        }
        let Some(state) = repo.view.states.get(uid) else {
            continue;
        };
        let Some(sql) = text_of(&state.value, "sql") else {
            continue;
        };
        let tool_sql = to_tool_sql(&sql, dialect, &relations).unwrap_or(sql);
        let folder = state.file.as_deref().and_then(|f| {
            let rest = f.strip_prefix(&format!("{}/", repo.model_path))?;
            rest.rsplit_once('/').map(|(dir, _)| dir.to_string())
        });
        let config = state.value.get("config");
        transforms.push(Transform {
            id: id.clone(),
            name: state.name.clone(),
            folder,
            sql: tool_sql,
            description: text_of(&state.value, "description").map(|d| from_repo_text(&d)),
            owner: config
                .and_then(|c| c.get("meta"))
                .and_then(|m| text_of(m, "owner"))
                .map(|o| from_repo_text(&o)),
            materialization: config
                .and_then(|c| c.get("materialized"))
                .and_then(Value::as_str)
                .and_then(Materialization::of),
        });
    }
    EltObjects {
        dialect: known.dialect,
        warehouse: known.warehouse.clone(),
        connectors,
        transforms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profiles_adapter_names_the_dialect() {
        let text = "shop:\n  target: prod\n  outputs:\n    dev: {type: duckdb, path: x.duckdb}\n    prod: {type: snowflake, account: a}\n";
        assert_eq!(adapter_of(text, "shop"), Some(Dialect::Snowflake));
        let templated = "shop:\n  target: \"{{ env_var('T') }}\"\n  outputs:\n    a: {type: bigquery}\n    b: {type: bigquery}\n";
        assert_eq!(adapter_of(templated, "shop"), Some(Dialect::BigQuery));
        assert_eq!(adapter_of(text, "other"), None);
    }
}
