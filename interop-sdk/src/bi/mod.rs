//! BI tools: metrics, dimensions, entities, saved queries, dashboards and the tool's own
//! transforms ↔ the repo's semantic layer, exposures and models.
//!
//! The objects here are vendor-neutral and serde-serialisable (snake_case): the schema the
//! CLI's state file, the Python binding and the conformance protocol share. Each carries the
//! vendor's `id`. [`to_desired`] turns them into the resources a [`SyncSession`] opened with
//! [`Scope::bi`] plans with, written in the semantic-layer spec the repo already uses (the
//! legacy `semantic_models:` + `metrics:` with `type_params`, or dbt 1.12's model-embedded
//! spec; a repo with neither gets the embedded spec when its `require-dbt-version` allows
//! dbt 1.12, else the legacy one), with a time spine when metrics need one and the repo has
//! none. [`from_states`] and [`apply_changes`] read them back from either spec, including
//! metrics written by hand in the repo.
//!
//! Filters keep dbt's `{{ Dimension('entity__dim') }}` syntax both ways; other text from the
//! tool that dbt would render as Jinja (`{{`, `{%`, `{#`) is escaped on the way in and
//! unescaped on the way out, except `{{ doc() }}` references, which are kept as written.
//!
//! [`SyncSession`]: crate::SyncSession
//! [`Scope::bi`]: crate::Scope::bi

mod decode;
mod encode;
mod repo;
mod text;

use serde::{Deserialize, Serialize};

pub use decode::{apply_changes, from_states};
pub use encode::{TIME_SPINE_ID, to_desired};
pub use repo::{RepoInfo, Spec};

/// Everything a BI tool syncs with one repo.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BiObjects {
    /// Tables the tool models: entities and dimensions on a dbt model.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub semantic_models: Vec<SemanticModel>,
    /// Metrics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    /// Saved queries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub saved_queries: Vec<SavedQuery>,
    /// Dashboards (exposures).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dashboards: Vec<Dashboard>,
    /// The tool's own modelled tables (models with their SQL).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
}

/// A table the tool models: a dbt model with the entities and dimensions it exposes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SemanticModel {
    /// The vendor's id.
    pub id: String,
    /// The semantic model's name (in the embedded spec, the model's name unless set apart).
    pub name: String,
    /// The dbt model it reads.
    pub model: String,
    /// What it is (legacy spec only: in the embedded spec the model's own description is it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A display name (legacy spec only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The time dimension metrics aggregate over by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agg_time_dimension: Option<String>,
    /// Its entities (join keys).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
    /// Its dimensions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<Dimension>,
}

/// The role of an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    /// One row per value, every value present.
    Primary,
    /// A reference to another semantic model's entity.
    Foreign,
    /// At most one row per value.
    Unique,
    /// A natural key (slowly changing dimensions).
    Natural,
}

/// A join key of a semantic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// The vendor's id (read back: the known id of the same name, else `<model id>.<name>`).
    pub id: String,
    /// The entity's name (`customer`), used in filters as `customer__…`.
    pub name: String,
    /// Its role.
    #[serde(rename = "type")]
    pub entity_type: EntityType,
    /// The column or SQL expression (default: the column named like the entity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    /// What it is (legacy spec only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The grain of a time dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// Nanosecond.
    Nanosecond,
    /// Microsecond.
    Microsecond,
    /// Millisecond.
    Millisecond,
    /// Second.
    Second,
    /// Minute.
    Minute,
    /// Hour.
    Hour,
    /// Day.
    Day,
    /// Week.
    Week,
    /// Month.
    Month,
    /// Quarter.
    Quarter,
    /// Year.
    Year,
}

/// What kind of dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DimensionType {
    /// Group by its values.
    Categorical,
    /// A point in time at a grain.
    Time {
        /// The finest grain it holds.
        granularity: Granularity,
    },
}

/// A dimension of a semantic model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DimensionFields")]
pub struct Dimension {
    /// The vendor's id (read back: the known id of the same name, else `<model id>.<name>`).
    pub id: String,
    /// The dimension's name.
    pub name: String,
    /// Categorical or time.
    #[serde(flatten)]
    pub dimension_type: DimensionType,
    /// The column or SQL expression (default: the column named like the dimension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What it is (legacy spec only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// How a simple metric aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agg {
    /// Sum.
    Sum,
    /// Row count.
    Count,
    /// Distinct values.
    CountDistinct,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
    /// Mean.
    Average,
    /// Median.
    Median,
    /// A percentile (the fraction is the simple metric's `percentile`).
    Percentile,
    /// Sum of a boolean (true as 1).
    SumBoolean,
}

/// A metric another metric is built from, with optional filter, alias and time offset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricInput {
    /// The metric's name.
    pub name: String,
    /// A filter on the input (`{{ Dimension('order__status') }} = 'paid'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The name the expression uses for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// An offset in time (`1 month`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_window: Option<String>,
    /// An offset to the start of a grain (`month`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset_to_grain: Option<String>,
}

/// How a conversion metric reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calculation {
    /// Conversions over base events.
    ConversionRate,
    /// The number of conversions.
    Conversions,
}

/// How a cumulative metric aggregates over its period when queried at a coarser grain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodAgg {
    /// The first value.
    First,
    /// The last value.
    Last,
    /// The mean.
    Average,
}

/// A dimension as written, its type's keys beside its own: read through this so that a key
/// a dimension does not have is an error naming it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DimensionFields {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: DimensionKind,
    #[serde(default)]
    granularity: Option<Granularity>,
    #[serde(default)]
    expr: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum DimensionKind {
    Categorical,
    Time,
}

impl TryFrom<DimensionFields> for Dimension {
    type Error = String;

    fn try_from(f: DimensionFields) -> Result<Dimension, String> {
        let dimension_type = match (f.kind, f.granularity) {
            (DimensionKind::Categorical, None) => DimensionType::Categorical,
            (DimensionKind::Time, Some(granularity)) => DimensionType::Time { granularity },
            (DimensionKind::Categorical, Some(_)) => {
                return Err(format!(
                    "dimension {}: a categorical dimension has no `granularity`",
                    f.name
                ));
            }
            (DimensionKind::Time, None) => return Err("missing field `granularity`".into()),
        };
        Ok(Dimension {
            id: f.id,
            name: f.name,
            dimension_type,
            expr: f.expr,
            label: f.label,
            description: f.description,
        })
    }
}

/// The kinds of metric and what each needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum MetricType {
    /// An aggregation of a column of one semantic model.
    Simple {
        /// The semantic model (by name) it aggregates.
        semantic_model: String,
        /// The aggregation.
        agg: Agg,
        /// The column or SQL expression (default: the column named like the metric; `1`
        /// for counts of rows).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expr: Option<String>,
        /// For `percentile`: the fraction (0.95).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        percentile: Option<f64>,
        /// For `percentile`: discrete instead of continuous.
        #[serde(default, skip_serializing_if = "is_false")]
        discrete_percentile: bool,
        /// The value for periods without data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill_nulls_with: Option<i64>,
        /// Joins to the time spine so that periods without data appear.
        #[serde(default, skip_serializing_if = "is_false")]
        join_to_timespine: bool,
        /// Legacy spec: the measure's name when it differs from the metric's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        measure: Option<String>,
    },
    /// One metric divided by another.
    Ratio {
        /// The numerator.
        numerator: MetricInput,
        /// The denominator.
        denominator: MetricInput,
    },
    /// An expression over other metrics (with offsets for period-over-period).
    Derived {
        /// The expression, over the inputs' names or aliases.
        expr: String,
        /// The inputs.
        inputs: Vec<MetricInput>,
    },
    /// A running total of a simple metric, over a window or from the start of a grain.
    Cumulative {
        /// The simple metric it accumulates.
        input: String,
        /// A trailing window (`7 days`); neither this nor `grain_to_date`: all time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<String>,
        /// Restart at each grain (`month`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        grain_to_date: Option<String>,
        /// The aggregation over the period at coarser grains.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period_agg: Option<PeriodAgg>,
    },
    /// The share (or count) of base events followed by a conversion event.
    Conversion {
        /// The entity both events share.
        entity: String,
        /// Rate or count.
        calculation: Calculation,
        /// The simple metric counting base events.
        base: String,
        /// The simple metric counting conversions.
        conversion: String,
        /// How long after the base event a conversion counts (`7 days`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<String>,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// The vendor's id.
    pub id: String,
    /// The metric's name (lower case, digits, `_`).
    pub name: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What it measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A filter, in dbt's syntax: `{{ Dimension('order__status') }} != 'returned'`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// What kind of metric, with what it needs.
    #[serde(flatten)]
    pub metric_type: MetricType,
}

/// A saved query: metrics grouped by dimensions, with filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedQuery {
    /// The vendor's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The metrics.
    pub metrics: Vec<String>,
    /// Group-bys in dbt's syntax: `Dimension('order__status')`,
    /// `TimeDimension('order__ordered_at', 'month')`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    /// Filters in dbt's syntax: `{{ Dimension('order__status') }} != 'returned'`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
}

/// What a dashboard reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    content = "name",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum DashboardInput {
    /// A metric.
    Metric(String),
    /// A model.
    Model(String),
    /// A source table: `[source, table]`.
    Source(String, String),
}

/// Who owns a dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    /// A name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// How much a dashboard is relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Maturity {
    /// Relied on.
    High,
    /// In use.
    Medium,
    /// Exploratory.
    Low,
}

/// A dashboard: an exposure of type `dashboard` that depends on what it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    /// The vendor's id.
    pub id: String,
    /// Its dbt name (letters, digits, `_`).
    pub name: String,
    /// Its title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How much it is relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maturity: Option<Maturity>,
    /// Its owner (dbt requires one).
    pub owner: Owner,
    /// What it reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<DashboardInput>,
}

/// A column of a transform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformColumn {
    /// The column.
    pub name: String,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A table the tool models itself: a dbt model with the tool's SQL (which should use `ref()`
/// and `source()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transform {
    /// The vendor's id.
    pub id: String,
    /// The model's name.
    pub name: String,
    /// The folder under the first model path (`marts/bi`; empty: the model path itself).
    #[serde(default)]
    pub folder: String,
    /// The SQL.
    pub sql: String,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<TransformColumn>,
    /// Who answers for it (the model's `config.meta.owner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// Why BI objects could not be mapped.
#[derive(Debug, thiserror::Error)]
pub enum BiError {
    /// An object refers to something that does not exist, or is not valid.
    #[error("{id}: {message}")]
    Invalid {
        /// The object's id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// The repo could not be read.
    #[error(transparent)]
    Session(#[from] crate::SessionError),
}
