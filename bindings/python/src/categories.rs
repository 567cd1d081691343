//! The generic path for vendor-neutral serde objects (the category objects of `interop_sdk::bi`,
//! `observability`, `catalog`, `elt`, `orchestration`, `reverse_etl`, `notebook`, `ml`,
//! `product_analytics`, and the `Scope`): [`serde_object!`] turns any type that is
//! `Serialize + DeserializeOwned + Clone + Send + Sync` into a Python class that is built from
//! keyword arguments or a dict, reads its fields as attributes, and gives its dict back. The
//! dict shape is the type's serde JSON, so Rust and Python agree by construction.
//!
//! Exposing a category object is two lines here plus its entry in `__init__.pyi`:
//!
//! ```ignore
//! serde_object! {
//!     /// A metric as a BI tool defines it.
//!     Metric => interop_sdk::bi::Metric, desired = interop_sdk::bi::Metric::to_desired
//! }
//! ```
//!
//! and `m.add_class::<Metric>()?` in `lib.rs`. With `desired = f` (`f(&T) -> Result<Desired,
//! impl Display>`), the class gets `to_desired()`, and `Session.plan` takes its objects as they
//! are.

use pyo3::PyClass;
use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::True;
use pyo3::types::PyDict;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::convert::{from_py, serde_from_json, short_repr, to_py};
use crate::errors::input_error;

/// A class [`serde_object!`] defines: its Rust value, in and out.
pub trait SerdeClass: PyClass<Frozen = True> + Sync {
    /// The Rust type.
    type Inner: Clone + DeserializeOwned;
    /// The Rust value.
    fn inner(&self) -> &Self::Inner;
    /// A new Python object of the class over a Rust value.
    fn new_object(py: Python<'_>, inner: Self::Inner) -> PyResult<Py<PyAny>>;
}

/// Builds a `T` from an optional dict (or object with `to_dict()`) and keyword arguments
/// (which win over the dict's keys).
pub fn build<T: DeserializeOwned>(
    class: &str,
    data: Option<&Bound<'_, PyAny>>,
    fields: Option<&Bound<'_, PyDict>>,
) -> PyResult<T> {
    let mut map = match data.map(|d| from_py(d, "")).transpose()? {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(input_error(
                "",
                &format!("{class}() takes a dict or keyword arguments, not {other}"),
            ));
        }
    };
    if let Some(fields) = fields {
        for (k, v) in fields.iter() {
            let key: String = k.extract()?;
            let value = from_py(&v, &key)?;
            map.insert(key, value);
        }
    }
    serde_from_json(Value::Object(map), class)
}

/// The JSON of a serde value (a value that cannot be serialised reads as null).
pub fn json_of<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The field `name` of a serde value, for `__getattr__`. A field in `known` that the value
/// leaves out (serde skips unset fields) reads as its empty value: `None`, or `[]` for a name
/// written `name[]`, `{}` for `name{}`, `False` for `name?`.
pub fn field<T: Serialize>(
    py: Python<'_>,
    class: &str,
    value: &T,
    name: &str,
    known: &[&str],
) -> PyResult<Py<PyAny>> {
    match json_of(value).get(name) {
        Some(v) => to_py(py, v),
        None => {
            for k in known {
                let empty = match k.strip_prefix(name) {
                    Some("") => Value::Null,
                    Some("[]") => Value::Array(vec![]),
                    Some("{}") => Value::Object(Map::new()),
                    Some("?") => Value::Bool(false),
                    _ => continue,
                };
                return to_py(py, &empty);
            }
            Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                "'{class}' object has no attribute '{name}'"
            )))
        }
    }
}

/// `Class(key=value, ...)` with values cut short.
pub fn repr<T: Serialize>(py: Python<'_>, class: &str, value: &T) -> String {
    let json = json_of(value);
    let parts: Vec<String> = match &json {
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}={}", short_repr(py, v, 40)))
            .collect(),
        other => vec![short_repr(py, other, 60)],
    };
    format!("{class}({})", parts.join(", "))
}

/// Defines a Python class over a serde type; see the module documentation.
macro_rules! serde_object {
    ($(#[$doc:meta])* $py:ident => $rust:ty $(, desired = $desired:expr)? $(, fields = [$($field:literal),* $(,)?])?) => {
        $(#[$doc])*
        #[pyclass(module = "interop_sync", frozen)]
        #[derive(Clone)]
        pub struct $py {
            /// The Rust value.
            pub inner: $rust,
        }

        impl $crate::categories::SerdeClass for $py {
            type Inner = $rust;

            fn inner(&self) -> &$rust {
                &self.inner
            }

            fn new_object(py: Python<'_>, inner: $rust) -> PyResult<Py<PyAny>> {
                Ok(Py::new(py, $py { inner })?.into_any())
            }
        }

        #[pymethods]
        impl $py {
            #[new]
            #[pyo3(signature = (data = None, **fields))]
            fn new(
                data: Option<&Bound<'_, PyAny>>,
                fields: Option<&Bound<'_, PyDict>>,
            ) -> PyResult<Self> {
                Ok($py {
                    inner: $crate::categories::build(stringify!($py), data, fields)?,
                })
            }

            /// Builds one from its dict form.
            #[staticmethod]
            fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
                Ok($py {
                    inner: $crate::categories::build(stringify!($py), Some(data), None)?,
                })
            }

            /// The dict form (the serde JSON of the Rust type).
            fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                $crate::convert::serde_to_py(py, &self.inner)
            }

            fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
                let known: &[&str] = &[$($($field),*)?];
                $crate::categories::field(py, stringify!($py), &self.inner, name, known)
            }

            fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
                match other.cast::<$py>() {
                    Ok(o) => {
                        $crate::categories::json_of(&self.inner)
                            == $crate::categories::json_of(&o.get().inner)
                    }
                    Err(_) => false,
                }
            }

            fn __repr__(&self, py: Python<'_>) -> String {
                $crate::categories::repr(py, stringify!($py), &self.inner)
            }

            $(
            /// The desired object this maps to, for `Session.plan`.
            fn to_desired(&self) -> PyResult<$crate::objects::Desired> {
                let f = $desired;
                f(&self.inner)
                    .map(|inner| $crate::objects::Desired { inner })
                    .map_err(|e| $crate::errors::input_error("", &e.to_string()))
            }
            )?
        }
    };
}

serde_object! {
    /// What a session may write: the resource `kinds` it reads and writes, the `fields` it
    /// owns (patterns such as `columns[*].description`; empty: every field), the kinds it may
    /// `create` and `delete`.
    Scope => interop_sdk::Scope
}

// BI (`interop_sdk::bi`): synced as a set with `Session.plan_bi` / `Session.pull_bi`, which map
// them in the repo's own semantic-layer spec.

serde_object! {
    /// A BI metric: `simple` (an aggregation of a semantic model's column), `ratio`, `derived`,
    /// `cumulative` or `conversion` (the `type` key), with the keys that type needs beside it.
    Metric => interop_sdk::bi::Metric,
    fields = [
        "label", "description", "filter", "semantic_model", "agg", "expr", "percentile",
        "discrete_percentile?", "fill_nulls_with", "join_to_timespine?", "measure", "numerator",
        "denominator", "inputs", "input", "window", "grain_to_date", "period_agg", "entity",
        "calculation", "base", "conversion"
    ]
}

serde_object! {
    /// A dimension of a semantic model: `categorical`, or `time` with its `granularity`.
    Dimension => interop_sdk::bi::Dimension,
    fields = ["granularity", "expr", "label", "description"]
}

serde_object! {
    /// An entity (join key) of a semantic model: `primary`, `foreign`, `unique` or `natural`.
    Entity => interop_sdk::bi::Entity,
    fields = ["expr", "description"]
}

serde_object! {
    /// A table the BI tool models: a dbt model with the entities and dimensions it exposes.
    SemanticModel => interop_sdk::bi::SemanticModel,
    fields = ["description", "label", "agg_time_dimension", "entities[]", "dimensions[]"]
}

serde_object! {
    /// A saved query: metrics grouped by dimensions, with filters.
    SavedQuery => interop_sdk::bi::SavedQuery,
    fields = ["label", "description", "group_by[]", "filters[]"]
}

serde_object! {
    /// A dashboard: an exposure of type `dashboard` depending on what it reads.
    Dashboard => interop_sdk::bi::Dashboard,
    fields = ["label", "description", "url", "maturity", "depends_on[]"]
}

serde_object! {
    /// A table the BI tool models itself: a dbt model with the tool's SQL.
    Transform => interop_sdk::bi::Transform,
    fields = ["description", "columns[]", "owner"]
}

// Observability (`interop_sdk::observability`): `Session.plan_monitors` / `pull_monitors`.

serde_object! {
    /// A monitor: one check (the `check` key, with its parameters beside it) on a model,
    /// source table, seed or snapshot, or on one of its columns.
    Monitor => interop_sdk::observability::Monitor,
    fields = [
        "target", "column", "severity", "where", "warn_if", "error_if", "owner", "description",
        "name", "config{}", "values", "quote", "to", "field", "expression", "min", "max",
        "inclusive", "warn_after", "error_after", "loaded_at_field", "filter", "sql", "test",
        "arguments{}", "entry"
    ]
}

serde_object! {
    /// The description of a monitored resource (`target`) or of one of its columns.
    Description => interop_sdk::observability::Description,
    fields = ["column"]
}

// Catalog (`interop_sdk::catalog`): `Session.plan_annotations` / `pull_annotations`.

serde_object! {
    /// What a catalog says about one resource or column: description, owner, tags, glossary
    /// terms and other metadata.
    Annotation => interop_sdk::catalog::Annotation,
    fields = ["column", "description", "owner", "tags[]", "terms[]", "meta{}"]
}

// ELT (`interop_sdk::elt`): `Session.plan_elt` / `Session.pull_elt`.

serde_object! {
    /// An ELT connector: the tables one loader writes into one schema, synced as a dbt source
    /// (each table a source table with its columns; a primary key as `not_null` + `unique`).
    Connector => interop_sdk::elt::Connector,
    fields = [
        "loader", "database", "schema", "description", "loaded_at", "freshness", "tables[]",
        "staging?"
    ]
}

serde_object! {
    /// An ELT tool's SQL transform: a query over warehouse tables, synced as a model whose
    /// tables are import CTEs over `source()` / `ref()`.
    EltTransform => interop_sdk::elt::Transform,
    fields = ["folder", "description", "owner", "materialization"]
}

// Orchestration (`interop_sdk::orchestration`): `Session.plan_jobs` / `pull_jobs`.

serde_object! {
    /// An orchestrator's job: a named selection of models (`select`) and its cron `schedule`,
    /// synced as a YAML selector in `selectors.yml`.
    Job => interop_sdk::orchestration::Job,
    fields = ["description", "schedule"]
}

// Reverse ETL (`interop_sdk::reverse_etl`): `Session.plan_syncs` / `pull_syncs`.

serde_object! {
    /// A reverse-ETL sync of one model's rows to a destination, synced as an exposure of type
    /// `application` (and, when asked, a post-hook on the model).
    ReverseEtlSync => interop_sdk::reverse_etl::Sync,
    fields = ["label", "description", "mapping[]", "schedule", "url", "post_hook"]
}

// Notebooks (`interop_sdk::notebook`): `Session.plan_publications` / `pull_publications`.

serde_object! {
    /// A published notebook: ordered cells of SQL, synced as one dbt analysis (cells as CTEs).
    Publication => interop_sdk::notebook::Publication,
    fields = ["description"]
}

// ML (`interop_sdk::ml`): `Session.plan_ml` / `pull_ml`.

serde_object! {
    /// An ML feature set: features of one entity aggregated from one model (BI metrics of the
    /// repo may be features), synced as a model.
    FeatureSet => interop_sdk::ml::FeatureSet,
    fields = ["description", "features[]", "metrics[]"]
}

serde_object! {
    /// An ML model's output table, synced as a flagged model with the tool's SQL (or, without
    /// SQL, as the flag on an existing model).
    Prediction => interop_sdk::ml::Prediction,
    fields = ["description", "upstream[]", "columns[]", "sql"]
}

// Product analytics (`interop_sdk::product_analytics`): `Session.plan_streams` / `pull_streams`.

serde_object! {
    /// A product-analytics activity stream: SQL for the activity schema's columns over one
    /// model, synced as a model with tests (metrics on it go through the BI mapping).
    ActivityStream => interop_sdk::product_analytics::ActivityStream,
    fields = ["description", "feature_json", "revenue_impact", "link"]
}
