//! Product analytics: activity streams (the activity schema: one row per thing a customer did)
//! ↔ models with tests, and metrics on them through the BI mapping.
//!
//! An [`ActivityStream`] maps the columns of a source model to the activity schema's and
//! becomes a model `<model path>/<folder>/<name>.sql` (folder `activities` unless given):
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
//! activity as (
//!
//!     select
//!         'order_' || order_id as activity_id,
//!         ordered_at as ts,
//!         customer_id as customer,
//!         'placed_order' as activity,
//!         null as feature_json,
//!         order_total as revenue_impact,
//!         null as link
//!     from base
//!
//! )
//!
//! select * from activity
//! ```
//!
//! Its entry describes the seven columns, tests `activity_id` (`unique`, `not_null`) and `ts`,
//! `customer`, `activity` (`not_null`), and keeps `config.meta.interop_activity_stream:
//! true`. A column the stream does not map is `null`. Metrics on a stream are BI objects
//! ([`crate::bi::SemanticModel`] on the stream's model, [`crate::bi::Metric`]s on it), written
//! by the BI mapping in the repo's semantic-layer spec; the stream model is, to the BI mapping,
//! the tool's own transform. The session's scope ([`crate::Scope::product_analytics`]) is the
//! BI scope plus the tests and key of the tool's own stream models.

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use interop_sync::read::jinja::extract_sql;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::bi::{
    self, BiError, BiObjects, Metric, RepoInfo, SemanticModel, Transform, TransformColumn,
};
use crate::mapping::{RepoView, states_after, view_states};
use crate::session::{Desired, VendorChange};
use crate::sqltext;

/// The `config.meta` key of an activity stream's model.
pub const STREAM_KEY: &str = "interop_activity_stream";

/// The activity schema's columns, with their descriptions and tests.
const COLUMNS: &[(&str, &str, &[&str])] = &[
    (
        "activity_id",
        "Unique id of the activity.",
        &["unique", "not_null"],
    ),
    ("ts", "When the activity happened.", &["not_null"]),
    ("customer", "The customer who did it.", &["not_null"]),
    ("activity", "What the customer did.", &["not_null"]),
    ("feature_json", "Attributes of the activity, as JSON.", &[]),
    (
        "revenue_impact",
        "Revenue the activity brought, if any.",
        &[],
    ),
    (
        "link",
        "Where the activity can be seen in its source system.",
        &[],
    ),
];

/// One stream of activities from one source model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityStream {
    /// The vendor's id.
    pub id: String,
    /// The model's name.
    pub name: String,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The source model.
    pub model: String,
    /// SQL for the activity's unique id.
    pub activity_id: String,
    /// SQL for when it happened.
    pub ts: String,
    /// SQL for who did it.
    pub customer: String,
    /// SQL for what happened (often a literal: `'placed_order'`).
    pub activity: String,
    /// SQL for its attributes as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_json: Option<String>,
    /// SQL for the revenue it brought.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_impact: Option<String>,
    /// SQL for a link to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The folder under the first model path (default `activities`).
    #[serde(default = "default_folder")]
    pub folder: String,
}

fn default_folder() -> String {
    "activities".into()
}

/// A product-analytics tool's objects: the state file's `streams:`, `semantic_models:` and
/// `metrics:`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProductAnalytics {
    /// Activity streams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub streams: Vec<ActivityStream>,
    /// Semantic models (on stream models or any other).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub semantic_models: Vec<SemanticModel>,
    /// Metrics.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
}

/// A stream model that cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{model}: {reason}")]
pub struct StreamError {
    /// The model.
    pub model: String,
    /// Why.
    pub reason: String,
}

impl ActivityStream {
    fn exprs(&self) -> [(&'static str, Option<&str>); 7] {
        [
            ("activity_id", Some(self.activity_id.as_str())),
            ("ts", Some(self.ts.as_str())),
            ("customer", Some(self.customer.as_str())),
            ("activity", Some(self.activity.as_str())),
            ("feature_json", self.feature_json.as_deref()),
            ("revenue_impact", self.revenue_impact.as_deref()),
            ("link", self.link.as_deref()),
        ]
    }

    /// The model's SQL.
    pub fn sql(&self) -> String {
        let list = self
            .exprs()
            .iter()
            .map(|(name, expr)| {
                let expr = sqltext::normalize(expr.unwrap_or("null"));
                let item = if expr == *name {
                    expr
                } else {
                    format!("{expr} as {name}")
                };
                sqltext::indent(&item, 4)
            })
            .collect::<Vec<_>>()
            .join(",\n");
        let ctes = vec![
            (
                "base".to_string(),
                format!("select * from {{{{ ref('{}') }}}}", self.model),
            ),
            ("activity".to_string(), format!("select\n{list}\nfrom base")),
        ];
        sqltext::join(&[], &ctes, "select * from activity")
    }

    fn transform(&self) -> Transform {
        Transform {
            id: self.id.clone(),
            name: self.name.clone(),
            folder: self.folder.clone(),
            sql: self.sql(),
            description: self.description.clone(),
            columns: COLUMNS
                .iter()
                .map(|(name, description, _)| TransformColumn {
                    name: (*name).to_string(),
                    description: Some((*description).to_string()),
                })
                .collect(),
            owner: None,
        }
    }
}

fn read_stream(
    id: &str,
    s: &ResourceState,
    view: &RepoView,
) -> Result<ActivityStream, StreamError> {
    let bad = |reason: String| StreamError {
        model: s.name.clone(),
        reason,
    };
    let sql = s
        .value
        .get("sql")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the stream's SQL is not the tool's to read".into()))?;
    let layout = sqltext::split(sql).map_err(|e| bad(format!("its SQL cannot be read: {e}")))?;
    let cte = |name: &str| layout.ctes.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let model = cte("base")
        .and_then(|b| extract_sql(b).refs.into_iter().next())
        .map(|r| r.name)
        .ok_or_else(|| bad("its `base` CTE refs no model".into()))?;
    let items = cte("activity")
        .and_then(|b| sqltext::select_parts(b))
        .filter(|(_, rest)| rest == "from base")
        .and_then(|(list, _)| sqltext::select_items(&list))
        .ok_or_else(|| bad("it has no `activity` CTE of the form `select … from base`".into()))?;
    let get = |name: &str| {
        items
            .iter()
            .find(|(_, n)| n == name)
            .map(|(e, _)| e.clone())
            .filter(|e| !e.eq_ignore_ascii_case("null"))
    };
    let required = |name: &str| get(name).ok_or_else(|| bad(format!("it has no `{name}` column")));
    if let Some((_, extra)) = items
        .iter()
        .find(|(_, n)| !COLUMNS.iter().any(|c| c.0 == n))
    {
        return Err(bad(format!(
            "`{extra}` is not a column of the activity schema"
        )));
    }
    Ok(ActivityStream {
        id: id.to_string(),
        name: s.name.clone(),
        description: crate::mapping::text_of(&s.value, "description"),
        model,
        activity_id: required("activity_id")?,
        ts: required("ts")?,
        customer: required("customer")?,
        activity: required("activity")?,
        feature_json: get("feature_json"),
        revenue_impact: get("revenue_impact"),
        link: get("link"),
        folder: view.folder_of(s.file.as_deref()),
    })
}

impl ProductAnalytics {
    fn bi_objects(&self) -> BiObjects {
        BiObjects {
            semantic_models: self.semantic_models.clone(),
            metrics: self.metrics.clone(),
            transforms: self.streams.iter().map(ActivityStream::transform).collect(),
            ..BiObjects::default()
        }
    }

    /// The desired resources in the repo (`repo` as the BI mapping reads it): one model per
    /// stream, with its tests and key, and the semantic models and metrics as the BI mapping
    /// writes them.
    pub fn to_desired(&self, repo: &RepoInfo) -> Result<Vec<Desired>, BiError> {
        let mut out = bi::to_desired(&self.bi_objects(), repo)?;
        for d in &mut out {
            if !self.streams.iter().any(|s| s.id == d.id) {
                continue;
            }
            let Value::Object(v) = &mut d.state.value else {
                continue;
            };
            let config = v.entry("config").or_insert_with(|| json!({}));
            if let Value::Object(c) = config {
                let meta = c.entry("meta").or_insert_with(|| json!({}));
                if let Value::Object(m) = meta {
                    m.insert(STREAM_KEY.into(), json!(true));
                }
            }
            if let Some(Value::Array(columns)) = v.get_mut("columns") {
                for c in columns {
                    let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
                    let tests = COLUMNS
                        .iter()
                        .find(|col| col.0 == name)
                        .map(|col| col.2)
                        .unwrap_or_default();
                    if let (Value::Object(m), false) = (c, tests.is_empty()) {
                        m.insert("data_tests".into(), json!(tests));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The objects `states` hold: streams (models with the stream key), and the semantic
    /// models and metrics as the BI mapping reads them (`known`: the tool's objects before,
    /// for the ids of entities and dimensions); and the stream models that cannot be read.
    pub fn from_states(
        states: &[(String, ResourceState)],
        known: &ProductAnalytics,
        view: &RepoView,
    ) -> (ProductAnalytics, Vec<StreamError>) {
        let mut out = ProductAnalytics::default();
        let mut errors = Vec::new();
        for (id, s) in states {
            let flagged = s
                .value
                .get("config")
                .and_then(|c| c.get("meta"))
                .and_then(|m| m.get(STREAM_KEY))
                == Some(&Value::Bool(true));
            if s.kind == ResourceKind::Model && flagged {
                match read_stream(id, s, view) {
                    Ok(stream) => out.streams.push(stream),
                    Err(e) => errors.push(e),
                }
            }
        }
        let read = bi::from_states(states, &known.bi_objects());
        out.semantic_models = read.semantic_models;
        out.metrics = read.metrics;
        (out, errors)
    }

    /// The objects after the repo's changes (a pull's or a plan's vendor changes); stream
    /// models that changed in a way that cannot be read stay as the tool has them.
    pub fn apply_changes(
        &self,
        repo: &RepoInfo,
        view: &RepoView,
        changes: &[VendorChange],
    ) -> Result<(ProductAnalytics, Vec<StreamError>), BiError> {
        let states = states_after(self.to_desired(repo)?, changes);
        let (mut out, errors) = ProductAnalytics::from_states(&states, self, view);
        for e in &errors {
            if let Some(mine) = self.streams.iter().find(|s| s.name == e.model) {
                out.streams.push(mine.clone());
            }
        }
        Ok((out, errors))
    }
}

/// The streams the repo holds (models with the stream key), under the ids the sync state
/// binds.
pub fn streams(view: &RepoView) -> (Vec<ActivityStream>, Vec<StreamError>) {
    let (out, errors) = ProductAnalytics::from_states(
        &view_states(view, &crate::Scope::product_analytics()),
        &ProductAnalytics::default(),
        view,
    );
    (out.streams, errors)
}
