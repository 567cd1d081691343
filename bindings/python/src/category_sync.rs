//! The category objects as sets a session syncs: BI objects (`bi::BiObjects`, mapped with the
//! repo's conventions), monitors and descriptions (`observability::Observability`),
//! annotations (`catalog::Catalog`), connectors and transforms (`elt::EltObjects`), jobs
//! (`orchestration::Orchestration`), syncs (`reverse_etl::ReverseEtl`), publications
//! (`notebook::Notebooks`), feature sets and predictions (`ml::MlObjects`) and activity
//! streams (`product_analytics::ProductAnalytics`). Each set is taken from Python as a list of
//! the typed objects (or the set's dict), and given back after a pull as [`Pulled`].

use interop_sdk::bi::BiObjects;
use interop_sdk::catalog::Catalog;
use interop_sdk::elt::EltObjects;
use interop_sdk::observability::Observability;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;

use crate::categories::{
    Annotation, Connector, Dashboard, Description, EltTransform, Metric, Monitor, SavedQuery,
    SemanticModel, SerdeClass, Transform,
};
use crate::convert::{from_py, serde_from_json, to_py};
use crate::errors::input_error;
use crate::objects::VendorChange;

/// The type name of a Python value, for errors.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "value".into())
}

/// A set from a dict of its serde shape, or `None` when `objects` is not a dict.
fn set_from_dict<T: serde::de::DeserializeOwned>(
    objects: &Bound<'_, PyAny>,
    what: &str,
) -> PyResult<Option<T>> {
    if objects.is_instance_of::<PyDict>() {
        return serde_from_json(from_py(objects, "")?, what).map(Some);
    }
    Ok(None)
}

/// BI objects from a list of `Metric`, `SemanticModel`, `SavedQuery`, `Dashboard` and
/// `Transform` objects, or from a dict `{metrics, semantic_models, ...}`.
pub fn bi_objects(objects: &Bound<'_, PyAny>) -> PyResult<BiObjects> {
    if let Some(set) = set_from_dict(objects, "BI objects")? {
        return Ok(set);
    }
    let mut out = BiObjects::default();
    for (i, item) in objects.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(m) = item.cast::<Metric>() {
            out.metrics.push(m.get().inner.clone());
        } else if let Ok(s) = item.cast::<SemanticModel>() {
            out.semantic_models.push(s.get().inner.clone());
        } else if let Ok(q) = item.cast::<SavedQuery>() {
            out.saved_queries.push(q.get().inner.clone());
        } else if let Ok(d) = item.cast::<Dashboard>() {
            out.dashboards.push(d.get().inner.clone());
        } else if let Ok(t) = item.cast::<Transform>() {
            out.transforms.push(t.get().inner.clone());
        } else {
            return Err(input_error(
                &format!("[{i}]"),
                &format!(
                    "a BI object is a Metric, SemanticModel, SavedQuery, Dashboard or \
                     Transform, not a {}",
                    type_name(&item)
                ),
            ));
        }
    }
    Ok(out)
}

/// BI objects as a Python list of typed objects: semantic models, metrics, saved queries,
/// dashboards, transforms.
pub fn bi_list(py: Python<'_>, objects: BiObjects) -> PyResult<Vec<Py<PyAny>>> {
    let mut out = Vec::new();
    for inner in objects.semantic_models {
        out.push(Py::new(py, SemanticModel { inner })?.into_any());
    }
    for inner in objects.metrics {
        out.push(Py::new(py, Metric { inner })?.into_any());
    }
    for inner in objects.saved_queries {
        out.push(Py::new(py, SavedQuery { inner })?.into_any());
    }
    for inner in objects.dashboards {
        out.push(Py::new(py, Dashboard { inner })?.into_any());
    }
    for inner in objects.transforms {
        out.push(Py::new(py, Transform { inner })?.into_any());
    }
    Ok(out)
}

/// Monitors and descriptions from a list of `Monitor` and `Description` objects, or from a
/// dict `{monitors, descriptions}`.
pub fn observability(objects: &Bound<'_, PyAny>) -> PyResult<Observability> {
    if let Some(set) = set_from_dict(objects, "monitors")? {
        return Ok(set);
    }
    let mut out = Observability::default();
    for (i, item) in objects.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(m) = item.cast::<Monitor>() {
            out.monitors.push(m.get().inner.clone());
        } else if let Ok(d) = item.cast::<Description>() {
            out.descriptions.push(d.get().inner.clone());
        } else {
            return Err(input_error(
                &format!("[{i}]"),
                &format!(
                    "an observability object is a Monitor or a Description, not a {}",
                    type_name(&item)
                ),
            ));
        }
    }
    Ok(out)
}

/// Monitors, then descriptions, as typed objects.
pub fn observability_list(py: Python<'_>, objects: Observability) -> PyResult<Vec<Py<PyAny>>> {
    let mut out = Vec::new();
    for inner in objects.monitors {
        out.push(Py::new(py, Monitor { inner })?.into_any());
    }
    for inner in objects.descriptions {
        out.push(Py::new(py, Description { inner })?.into_any());
    }
    Ok(out)
}

/// Annotations from a list of `Annotation` objects (or their dicts), or from a dict
/// `{annotations}`.
pub fn catalog(objects: &Bound<'_, PyAny>) -> PyResult<Catalog> {
    if let Some(set) = set_from_dict(objects, "annotations")? {
        return Ok(set);
    }
    let mut out = Catalog::default();
    for (i, item) in objects.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(a) = item.cast::<Annotation>() {
            out.annotations.push(a.get().inner.clone());
        } else {
            let at = format!("[{i}]");
            let json = from_py(&item, &at)?;
            out.annotations.push(
                serde_json::from_value(json)
                    .map_err(|e| input_error(&at, &format!("annotation: {e}")))?,
            );
        }
    }
    Ok(out)
}

/// Annotations as typed objects.
pub fn catalog_list(py: Python<'_>, objects: Catalog) -> PyResult<Vec<Py<PyAny>>> {
    objects
        .annotations
        .into_iter()
        .map(|inner| Ok(Py::new(py, Annotation { inner })?.into_any()))
        .collect()
}

/// The Rust values of a list of one class's objects (or of their dicts); `what` names the
/// class in errors.
pub fn items<C: SerdeClass>(objects: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<C::Inner>> {
    let mut out = Vec::new();
    for (i, item) in objects.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(c) = item.cast::<C>() {
            out.push(c.get().inner().clone());
        } else {
            let at = format!("[{i}]");
            let json = from_py(&item, &at)?;
            out.push(
                serde_json::from_value(json)
                    .map_err(|e| input_error(&at, &format!("{what}: {e}")))?,
            );
        }
    }
    Ok(out)
}

/// Rust values as typed objects of class `C`.
pub fn typed<C: SerdeClass>(py: Python<'_>, values: Vec<C::Inner>) -> PyResult<Vec<Py<PyAny>>> {
    values
        .into_iter()
        .map(|inner| C::new_object(py, inner))
        .collect()
}

/// A set given as its dict (`{"jobs": [...]}`), or built from a list of one class's objects.
pub fn set_or_items<C: SerdeClass, S: serde::de::DeserializeOwned>(
    objects: &Bound<'_, PyAny>,
    what: &str,
    set: impl FnOnce(Vec<C::Inner>) -> S,
) -> PyResult<S> {
    match set_from_dict(objects, what)? {
        Some(s) => Ok(s),
        None => Ok(set(items::<C>(objects, what)?)),
    }
}

/// ELT objects from a list of `Connector` and `EltTransform` objects, or from a dict
/// `{dialect, warehouse, connectors, transforms}`; `dialect` and `warehouse`, when given, win.
pub fn elt_objects(
    objects: &Bound<'_, PyAny>,
    dialect: Option<&str>,
    warehouse: Option<&Bound<'_, PyAny>>,
) -> PyResult<EltObjects> {
    let mut out = match set_from_dict::<EltObjects>(objects, "ELT objects")? {
        Some(set) => set,
        None => {
            let mut out = EltObjects::default();
            for (i, item) in objects.try_iter()?.enumerate() {
                let item = item?;
                if let Ok(c) = item.cast::<Connector>() {
                    out.connectors.push(c.get().inner.clone());
                } else if let Ok(t) = item.cast::<EltTransform>() {
                    out.transforms.push(t.get().inner.clone());
                } else {
                    return Err(input_error(
                        &format!("[{i}]"),
                        &format!(
                            "an ELT object is a Connector or an EltTransform, not a {}",
                            type_name(&item)
                        ),
                    ));
                }
            }
            out
        }
    };
    if let Some(d) = dialect {
        out.dialect = Some(
            serde_from_json(Value::String(d.to_string()), "dialect")
                .map_err(|_| input_error("dialect", &format!("unknown dialect '{d}'")))?,
        );
    }
    if let Some(w) = warehouse {
        out.warehouse = Some(serde_from_json(from_py(w, "warehouse")?, "warehouse")?);
    }
    Ok(out)
}

/// Connectors, then transforms, as typed objects.
pub fn elt_list(py: Python<'_>, objects: EltObjects) -> PyResult<Vec<Py<PyAny>>> {
    let mut out = typed::<Connector>(py, objects.connectors)?;
    out.extend(typed::<EltTransform>(py, objects.transforms)?);
    Ok(out)
}

/// The semantic models and metrics on activity streams, from a list of `SemanticModel` and
/// `Metric` objects (or the BI set's dict, with those two keys only).
pub fn stream_metrics(
    metrics: Option<&Bound<'_, PyAny>>,
) -> PyResult<(
    Vec<interop_sdk::bi::SemanticModel>,
    Vec<interop_sdk::bi::Metric>,
)> {
    let Some(metrics) = metrics else {
        return Ok((vec![], vec![]));
    };
    let set = bi_objects(metrics)?;
    if !set.saved_queries.is_empty() || !set.dashboards.is_empty() || !set.transforms.is_empty() {
        return Err(input_error(
            "metrics",
            "the metrics of activity streams are Metric and SemanticModel objects \
             (saved queries, dashboards and transforms sync with plan_bi)",
        ));
    }
    Ok((set.semantic_models, set.metrics))
}

/// The vendor changes a caller passes (a plan's `vendor_changes`), if any.
pub fn vendor_changes(
    changes: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<Vec<interop_sdk::VendorChange>>> {
    let Some(changes) = changes else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for (i, item) in changes.try_iter()?.enumerate() {
        let item = item?;
        match item.cast::<VendorChange>() {
            Ok(c) => out.push(c.get().inner.clone()),
            Err(_) => {
                let at = format!("changes[{i}]");
                out.push(serde_from_json(from_py(&item, &at)?, &at)?);
            }
        }
    }
    Ok(Some(out))
}

/// What a category pull gives: the vendor's `objects` after the repo's changes (typed
/// category objects), the category's `changes` that led there, and the session's
/// `vendor_changes` they come from.
#[pyclass(module = "interop_sync", frozen)]
pub struct Pulled {
    /// The objects, typed.
    pub objects: Vec<Py<PyAny>>,
    /// The category's changes, as JSON.
    pub changes: Value,
    /// The session's vendor changes.
    pub vendor_changes: Vec<VendorChange>,
    /// What the repo holds that could not be read as the category's objects.
    pub errors: Vec<String>,
    /// The category, for the `repr`.
    pub category: &'static str,
}

#[pymethods]
impl Pulled {
    /// The vendor's objects as the repo now has them: what the vendor stores.
    #[getter]
    fn objects<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.objects.iter().map(|o| o.clone_ref(py)))
    }

    /// What changed for the vendor, as dicts: for BI, ELT, jobs, syncs, publications, ML and
    /// activity streams, the vendor changes (`change` created, updated or deleted, `id`,
    /// `fields`, ...); for monitors, `monitor_created`,
    /// `monitor_updated` (with `fields`), `monitor_deleted`, `description_set`,
    /// `description_removed`; for annotations, `set` (with `fields`) and `removed`.
    #[getter]
    fn changes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.changes)
    }

    /// The session's changes these come from (as `Session.pull` gives them).
    #[getter]
    fn vendor_changes(&self) -> Vec<VendorChange> {
        self.vendor_changes.clone()
    }

    /// What the repo holds that could not be read as the category's objects (an analysis
    /// that does not split into cells, a feature-set or stream model edited out of its
    /// layout): the tool's own objects stay in `objects` as it had them.
    #[getter]
    fn errors(&self) -> Vec<String> {
        self.errors.clone()
    }

    fn __repr__(&self) -> String {
        let count = self.changes.as_array().map_or(0, Vec::len);
        format!(
            "Pulled({}: {} object(s), {} change(s){})",
            self.category,
            self.objects.len(),
            count,
            if self.errors.is_empty() {
                String::new()
            } else {
                format!(", {} unreadable", self.errors.len())
            }
        )
    }
}
