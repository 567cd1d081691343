//! Feature stores and ML tools: feature sets (one row per entity, features as SQL expressions
//! over a model, BI metrics used as features) and predictions (a model's output table) ↔
//! models.
//!
//! A [`FeatureSet`] becomes a model `<model path>/<folder>/<name>.sql` (folder `ml` unless
//! given) that aggregates its base model per entity key:
//!
//! ```sql
//! with
//!
//! base as (
//!
//!     select * from {{ ref('orders') }}
//!
//! ),
//!
//! features as (
//!
//!     select
//!         customer_id,
//!         count(*) as order_count,
//!         sum(order_total) as revenue
//!     from base
//!     group by customer_id
//!
//! )
//!
//! select * from features
//! ```
//!
//! Its entry describes every column (the key: "One row per <entity>.", tested `unique` and
//! `not_null`; a feature: its description; a metric used as a feature: the metric's) and keeps
//! `config.meta.interop_feature_set: {entity, key, metrics}`. A metric used as a feature is a
//! BI [`Metric`](crate::bi::Metric) of type simple on a semantic model of the base model,
//! without a filter: its aggregation becomes the column (`sum(order_total) as revenue`).
//!
//! A [`Prediction`] becomes a model with the tool's SQL (its `upstream` models are the ones the
//! SQL refs), its column descriptions, and `config.meta.interop_prediction: true`. Predictions
//! may sit anywhere in the DAG: customer models may ref them, and a prediction without SQL
//! only flags an existing model of the customer's as one.
//!
//! The session's scope ([`crate::Scope::ml`]) lets the tool create and remove its own models,
//! write their SQL, descriptions and key tests, and set the prediction flag on any model.
//! Reading a feature set back parses the `features` CTE; a feature-set model edited so that it
//! no longer has that layout is reported, not guessed.

use std::collections::BTreeSet;

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use interop_sync::read::jinja::extract_sql;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::bi::{self, Agg, BiObjects, Metric, MetricType, RepoInfo, TransformColumn};
use crate::mapping::{RepoView, states_after, text_of, view_states};
use crate::session::{Desired, VendorChange};
use crate::sqltext;

/// The `config.meta` key of a feature set's model.
pub const FEATURE_SET_KEY: &str = "interop_feature_set";
/// The `config.meta` key that flags a model as a prediction.
pub const PREDICTION_KEY: &str = "interop_prediction";

/// One feature: a SQL aggregate over the base model's rows of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    /// The column's name.
    pub name: String,
    /// The SQL expression (an aggregate: `count(*)`, `max(ordered_at)`).
    pub expr: String,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Features of one entity, computed from one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSet {
    /// The vendor's id.
    pub id: String,
    /// The model's name.
    pub name: String,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The entity (`customer`).
    pub entity: String,
    /// The entity's key column in the base model (`customer_id`).
    pub key: String,
    /// The base model.
    pub model: String,
    /// The features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<Feature>,
    /// BI metrics (by name) used as features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<String>,
    /// The folder under the first model path (default `ml`).
    #[serde(default = "default_folder")]
    pub folder: String,
}

fn default_folder() -> String {
    "ml".into()
}

/// A model's output table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prediction {
    /// The vendor's id.
    pub id: String,
    /// The model's name.
    pub name: String,
    /// What it predicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The models it reads (the ones its SQL refs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    /// Its columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<TransformColumn>,
    /// The SQL that produces it; `None` flags an existing model of the customer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// The folder under the first model path (default `ml`).
    #[serde(default = "default_folder")]
    pub folder: String,
}

/// An ML tool's objects: the state file's `feature_sets:` and `predictions:`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MlObjects {
    /// Feature sets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature_sets: Vec<FeatureSet>,
    /// Predictions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predictions: Vec<Prediction>,
}

/// An object that cannot be written, or a model that cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{id}: {reason}")]
pub struct MlError {
    /// The object's id (or the model's name).
    pub id: String,
    /// Why.
    pub reason: String,
}

fn valid_name(name: &str) -> bool {
    crate::mapping::is_dbt_name(name)
}

/// The SQL aggregate of a simple metric over the base model, or why it has none.
fn metric_sql(m: &Metric, model: &str, bi: &BiObjects) -> Result<String, String> {
    let MetricType::Simple {
        semantic_model,
        agg,
        expr,
        ..
    } = &m.metric_type
    else {
        return Err(format!("metric '{}' is not a simple metric", m.name));
    };
    if m.filter.is_some() {
        return Err(format!("metric '{}' has a filter", m.name));
    }
    let on = bi
        .semantic_models
        .iter()
        .find(|s| &s.name == semantic_model)
        .map(|s| s.model.as_str());
    if on != Some(model) {
        return Err(format!(
            "metric '{}' is not on a semantic model of '{model}'",
            m.name
        ));
    }
    let e = expr.clone().unwrap_or_else(|| m.name.clone());
    Ok(match agg {
        Agg::Count if e == "1" || expr.is_none() => "count(*)".into(),
        Agg::Count => format!("count({e})"),
        Agg::CountDistinct => format!("count(distinct {e})"),
        Agg::Sum => format!("sum({e})"),
        Agg::Min => format!("min({e})"),
        Agg::Max => format!("max({e})"),
        Agg::Average => format!("avg({e})"),
        Agg::Median => format!("median({e})"),
        Agg::SumBoolean => format!("sum(cast({e} as integer))"),
        Agg::Percentile => {
            return Err(format!(
                "metric '{}' is a percentile, which has no portable SQL",
                m.name
            ));
        }
    })
}

/// A select list, one item a line, continuation lines indented.
fn select_list(items: &[(String, String)]) -> String {
    items
        .iter()
        .map(|(expr, name)| {
            let item = if expr == name {
                expr.clone()
            } else {
                format!("{expr} as {name}")
            };
            sqltext::indent(&item, 4)
        })
        .collect::<Vec<_>>()
        .join(",\n")
}

fn column(name: &str, description: Option<&str>, tests: bool) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    if let Some(d) = description {
        c.insert("description".into(), json!(d));
    }
    if tests {
        c.insert("data_tests".into(), json!(["unique", "not_null"]));
    }
    Value::Object(c)
}

impl FeatureSet {
    /// The model's SQL.
    fn sql(&self, bi: &BiObjects) -> Result<String, MlError> {
        let bad = |reason: String| MlError {
            id: self.id.clone(),
            reason,
        };
        let mut items = vec![(self.key.clone(), self.key.clone())];
        let mut names = BTreeSet::from([self.key.as_str()]);
        for f in &self.features {
            if !valid_name(&f.name) || !names.insert(&f.name) {
                return Err(bad(format!(
                    "feature '{}' is not a new column name",
                    f.name
                )));
            }
            items.push((sqltext::normalize(&f.expr), f.name.clone()));
        }
        for name in &self.metrics {
            let m = bi
                .metrics
                .iter()
                .find(|m| &m.name == name)
                .ok_or_else(|| bad(format!("no BI metric '{name}'")))?;
            if !names.insert(name) {
                return Err(bad(format!("metric '{name}' is named like another column")));
            }
            items.push((metric_sql(m, &self.model, bi).map_err(bad)?, name.clone()));
        }
        let ctes = vec![
            (
                "base".to_string(),
                format!("select * from {{{{ ref('{}') }}}}", self.model),
            ),
            (
                "features".to_string(),
                format!(
                    "select\n{}\nfrom base\ngroup by {}",
                    select_list(&items),
                    self.key
                ),
            ),
        ];
        Ok(sqltext::join(&[], &ctes, "select * from features"))
    }

    fn desired(&self, view: &RepoView, bi: &BiObjects) -> Result<Desired, MlError> {
        if !valid_name(&self.name) || !valid_name(&self.key) {
            return Err(MlError {
                id: self.id.clone(),
                reason: "the name and the key are lower case, digits and _".into(),
            });
        }
        let mut value = Map::new();
        value.insert("name".into(), json!(self.name));
        if let Some(d) = &self.description {
            value.insert("description".into(), json!(d));
        }
        value.insert(
            "config".into(),
            json!({"meta": {FEATURE_SET_KEY: {
                "entity": self.entity,
                "key": self.key,
                "metrics": self.metrics,
            }}}),
        );
        let mut columns = vec![column(
            &self.key,
            Some(&format!("One row per {}.", self.entity)),
            true,
        )];
        for f in &self.features {
            columns.push(column(&f.name, f.description.as_deref(), false));
        }
        for name in &self.metrics {
            let m = bi.metrics.iter().find(|m| &m.name == name);
            let d = m.and_then(|m| m.description.clone().or(m.label.clone()));
            columns.push(column(name, d.as_deref(), false));
        }
        value.insert("columns".into(), Value::Array(columns));
        value.insert("sql".into(), json!(self.sql(bi)?));
        Ok(Desired {
            id: self.id.clone(),
            state: ResourceState {
                kind: ResourceKind::Model,
                name: self.name.clone(),
                value: Value::Object(value),
                file: Some(view.model_file(&self.folder, &self.name)),
            },
        })
    }
}

/// The models a SQL text refs, in order of first appearance.
fn refs_of(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in extract_sql(sql).refs {
        if !out.contains(&r.name) {
            out.push(r.name);
        }
    }
    out
}

impl Prediction {
    fn desired(&self, view: &RepoView) -> Result<Desired, MlError> {
        let bad = |reason: String| MlError {
            id: self.id.clone(),
            reason,
        };
        if !valid_name(&self.name) {
            return Err(bad("the name is lower case, digits and _".into()));
        }
        let mut value = Map::new();
        value.insert("name".into(), json!(self.name));
        let file = match &self.sql {
            Some(sql) => {
                let mut refs = refs_of(sql);
                let mut upstream = self.upstream.clone();
                refs.sort();
                upstream.sort();
                if refs != upstream {
                    return Err(bad(format!(
                        "the SQL refs {refs:?}, not the upstream models {upstream:?}"
                    )));
                }
                if let Some(d) = &self.description {
                    value.insert("description".into(), json!(d));
                }
                Some(view.model_file(&self.folder, &self.name))
            }
            None => {
                if self.description.is_some() || !self.columns.is_empty() {
                    return Err(bad(
                        "a flag on the customer's model carries no description or columns".into(),
                    ));
                }
                if !view.models.contains(&self.name) {
                    return Err(bad(format!("no model '{}' to flag", self.name)));
                }
                None
            }
        };
        value.insert("config".into(), json!({"meta": {PREDICTION_KEY: true}}));
        if !self.columns.is_empty() {
            let columns = self
                .columns
                .iter()
                .map(|c| column(&c.name, c.description.as_deref(), false))
                .collect();
            value.insert("columns".into(), Value::Array(columns));
        }
        if let Some(sql) = &self.sql {
            value.insert("sql".into(), json!(sql));
        }
        Ok(Desired {
            id: self.id.clone(),
            state: ResourceState {
                kind: ResourceKind::Model,
                name: self.name.clone(),
                value: Value::Object(value),
                file,
            },
        })
    }
}

fn meta_of<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get("config")?.get("meta")?.get(key)
}

fn column_description(v: &Value, name: &str) -> Option<String> {
    v.get("columns")?
        .as_array()?
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|c| text_of(c, "description"))
}

fn read_feature_set(id: &str, s: &ResourceState, view: &RepoView) -> Result<FeatureSet, MlError> {
    let bad = |reason: &str| MlError {
        id: s.name.clone(),
        reason: reason.into(),
    };
    let v = &s.value;
    let meta = meta_of(v, FEATURE_SET_KEY).cloned().unwrap_or_default();
    let metrics: Vec<String> = meta
        .get("metrics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect();
    let sql = v
        .get("sql")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the feature set's SQL is not the tool's to read"))?;
    let layout = sqltext::split(sql).map_err(|e| bad(&format!("its SQL cannot be read: {e}")))?;
    let cte = |name: &str| layout.ctes.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let model = cte("base")
        .and_then(|b| refs_of(b).into_iter().next())
        .ok_or_else(|| bad("its `base` CTE refs no model"))?;
    let (list, rest) = cte("features")
        .and_then(|b| sqltext::select_parts(b))
        .ok_or_else(|| bad("it has no `features` CTE of the form `select … from base`"))?;
    let items = sqltext::select_items(&list)
        .ok_or_else(|| bad("a feature of its select list has no name"))?;
    let Some(((_, key), features)) = items.split_first() else {
        return Err(bad("its select list is empty"));
    };
    if !rest
        .to_ascii_lowercase()
        .contains(&format!("group by {key}"))
    {
        return Err(bad("it is not grouped by its key"));
    }
    Ok(FeatureSet {
        id: id.to_string(),
        name: s.name.clone(),
        description: text_of(v, "description"),
        entity: text_of(&meta, "entity").unwrap_or_else(|| key.trim_end_matches("_id").into()),
        key: key.clone(),
        model,
        features: features
            .iter()
            .filter(|(_, name)| !metrics.contains(name))
            .map(|(expr, name)| Feature {
                name: name.clone(),
                expr: expr.clone(),
                description: column_description(v, name),
            })
            .collect(),
        metrics,
        folder: view.folder_of(s.file.as_deref()),
    })
}

fn read_prediction(id: &str, s: &ResourceState, view: &RepoView) -> Prediction {
    let v = &s.value;
    let sql = v.get("sql").and_then(Value::as_str).map(str::to_string);
    Prediction {
        id: id.to_string(),
        name: s.name.clone(),
        description: text_of(v, "description"),
        upstream: sql.as_deref().map(refs_of).unwrap_or_default(),
        columns: v
            .get("columns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some(TransformColumn {
                    name: text_of(c, "name")?,
                    description: text_of(c, "description"),
                })
            })
            .collect(),
        folder: if sql.is_some() {
            view.folder_of(s.file.as_deref())
        } else {
            default_folder()
        },
        sql,
    }
}

impl MlObjects {
    /// The desired models in the repo `view` describes; `bi` holds the metrics (and their
    /// semantic models) feature sets use (for instance what [`crate::bi::from_states`] reads
    /// from the repo).
    pub fn to_desired(&self, view: &RepoView, bi: &BiObjects) -> Result<Vec<Desired>, MlError> {
        let mut out: Vec<Desired> = Vec::new();
        let all = self
            .feature_sets
            .iter()
            .map(|f| f.desired(view, bi))
            .chain(self.predictions.iter().map(|p| p.desired(view)));
        for d in all {
            let d = d?;
            if out.iter().any(|o| o.id == d.id) {
                return Err(MlError {
                    id: d.id,
                    reason: "the id is used twice".into(),
                });
            }
            out.push(d);
        }
        Ok(out)
    }

    /// The feature sets and predictions `states` hold (models with the feature-set or the
    /// prediction key), and the feature-set models that cannot be read as one.
    pub fn from_states(
        states: &[(String, ResourceState)],
        view: &RepoView,
    ) -> (MlObjects, Vec<MlError>) {
        let mut out = MlObjects::default();
        let mut errors = Vec::new();
        for (id, s) in states {
            if s.kind != ResourceKind::Model {
                continue;
            }
            if meta_of(&s.value, FEATURE_SET_KEY).is_some() {
                match read_feature_set(id, s, view) {
                    Ok(f) => out.feature_sets.push(f),
                    Err(e) => errors.push(e),
                }
            } else if meta_of(&s.value, PREDICTION_KEY) == Some(&Value::Bool(true)) {
                out.predictions.push(read_prediction(id, s, view));
            }
        }
        (out, errors)
    }

    /// The objects after the repo's changes (a pull's or a plan's vendor changes), and the
    /// models that changed in a way that cannot be read (those objects stay as the tool has
    /// them).
    pub fn apply_changes(
        &self,
        view: &RepoView,
        bi: &BiObjects,
        changes: &[VendorChange],
    ) -> Result<(MlObjects, Vec<MlError>), MlError> {
        let (mut out, errors) =
            MlObjects::from_states(&states_after(self.to_desired(view, bi)?, changes), view);
        for e in &errors {
            if let Some(mine) = self.feature_sets.iter().find(|f| f.name == e.id) {
                out.feature_sets.push(mine.clone());
            }
        }
        // The tool's objects in its order, then new ones.
        let order =
            |id: &str, ids: Vec<&str>| ids.iter().position(|m| *m == id).unwrap_or(usize::MAX);
        out.feature_sets.sort_by_key(|f| {
            order(
                &f.id,
                self.feature_sets.iter().map(|m| m.id.as_str()).collect(),
            )
        });
        out.predictions.sort_by_key(|p| {
            order(
                &p.id,
                self.predictions.iter().map(|m| m.id.as_str()).collect(),
            )
        });
        Ok((out, errors))
    }
}

/// The semantic models and metrics a repo holds (as the BI mapping reads them): what feature
/// sets can use as features.
pub fn repo_metrics(repo: &RepoInfo) -> BiObjects {
    let states: Vec<(String, ResourceState)> = repo
        .states
        .iter()
        .map(|((_, name), s)| (name.clone(), s.clone()))
        .collect();
    bi::from_states(&states, &BiObjects::default())
}

/// The feature sets and predictions the repo holds, under the ids the sync state binds.
pub fn modelled(view: &RepoView) -> (MlObjects, Vec<MlError>) {
    MlObjects::from_states(&view_states(view, &crate::Scope::ml()), view)
}
