//! The typed objects that cross the boundary: desired objects, changes, conflicts, the sync
//! record and the session's status. Each wraps the SDK's own serde value, reads it through
//! properties, and converts to and from plain dicts through its JSON form (`to_dict()`,
//! `from_dict()`), so the dict shape is the SDK's documented schema.

use interop_sdk::sync::git::{ResourceChange as RustChange, ResourceChangeKind};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{
    ConflictReport, Status as RustStatus, SyncRecord as RustRecord,
    VendorChange as RustVendorChange,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};

use crate::convert::{from_py, quoted, serde_from_json, serde_to_py, short_repr, to_py};
use crate::errors::input_error;

/// `kind` as the SDK spells it (`semantic_model`).
pub fn kind_name(kind: ResourceKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_else(|| kind.label().to_string())
}

/// A kind from its name (`metric`, `semantic_model`; `-` and spaces read as `_`).
pub fn parse_kind(text: &str, path: &str) -> PyResult<ResourceKind> {
    let normal = text.trim().to_lowercase().replace(['-', ' '], "_");
    serde_json::from_value(Value::String(normal)).map_err(|_| {
        input_error(
            path,
            &format!(
                "'{text}' is not a resource kind (model, source, metric, semantic_model, ...)"
            ),
        )
    })
}

/// Checks a desired object's JSON (`{id, kind, name, value?, file?}`) and builds it; errors
/// name the path under `at`.
pub fn desired_from_json(json: &Value, at: &str) -> PyResult<interop_sdk::Desired> {
    let join = |k: &str| crate::convert::join(at, k);
    let Some(map) = json.as_object() else {
        return Err(input_error(
            at,
            "a desired object is a mapping with id, kind, name, value",
        ));
    };
    for key in map.keys() {
        if !["id", "kind", "name", "value", "file"].contains(&key.as_str()) {
            return Err(input_error(
                &join(key),
                "unknown key (a desired object has id, kind, name, value, file)",
            ));
        }
    }
    let text = |key: &str, required: bool| -> PyResult<Option<String>> {
        match map.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            None | Some(Value::Null) if !required => Ok(None),
            None => Err(input_error(&join(key), "missing")),
            Some(other) => Err(input_error(
                &join(key),
                &format!("expected a non-empty string, found {other}"),
            )),
        }
    };
    let id = text("id", true)?.unwrap_or_default();
    let kind = parse_kind(&text("kind", true)?.unwrap_or_default(), &join("kind"))?;
    let name = text("name", true)?.unwrap_or_default();
    let file = text("file", false)?;
    let mut value = match map.get("value") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(input_error(
                &join("value"),
                &format!("expected a mapping (the resource's YAML entry), found {other}"),
            ));
        }
    };
    match value.get("name") {
        Some(Value::String(n)) if *n != name => {
            return Err(input_error(
                &crate::convert::join(&join("value"), "name"),
                &format!("'{n}' differs from the object's name '{name}'"),
            ));
        }
        _ => {}
    }
    value.shift_remove("name");
    let mut with_name = Map::new();
    with_name.insert("name".into(), Value::String(name.clone()));
    with_name.append(&mut value);
    Ok(interop_sdk::Desired {
        id,
        state: ResourceState {
            kind,
            name,
            value: Value::Object(with_name),
            file,
        },
    })
}

/// `{id, kind, name, value, file?}` of a desired object.
fn desired_json(d: &interop_sdk::Desired) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), Value::String(d.id.clone()));
    map.insert("kind".into(), Value::String(kind_name(d.state.kind)));
    map.insert("name".into(), Value::String(d.state.name.clone()));
    map.insert("value".into(), d.state.value.clone());
    if let Some(file) = &d.state.file {
        map.insert("file".into(), Value::String(file.clone()));
    }
    Value::Object(map)
}

/// One object the vendor wants in the repo: the vendor's own `id` (stable across renames), the
/// dbt resource `kind` and `name`, its YAML entry as `value` (a dict; `sql` holds the SQL of
/// resources that live in a SQL file), and optionally the properties `file` it goes in.
#[pyclass(module = "interop_sync", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Desired {
    /// The SDK's value.
    pub inner: interop_sdk::Desired,
}

#[pymethods]
impl Desired {
    #[new]
    #[pyo3(signature = (id, kind, name, value = None, file = None))]
    fn new(
        id: &str,
        kind: &str,
        name: &str,
        value: Option<&Bound<'_, PyAny>>,
        file: Option<&str>,
    ) -> PyResult<Self> {
        let value = match value {
            Some(v) => from_py(v, "value")?,
            None => Value::Null,
        };
        let mut map = Map::new();
        map.insert("id".into(), Value::String(id.into()));
        map.insert("kind".into(), Value::String(kind.into()));
        map.insert("name".into(), Value::String(name.into()));
        map.insert("value".into(), value);
        if let Some(f) = file {
            map.insert("file".into(), Value::String(f.into()));
        }
        Ok(Desired {
            inner: desired_from_json(&Value::Object(map), "")?,
        })
    }

    /// Builds one from a dict `{"id", "kind", "name", "value", "file"}` (the SDK's schema).
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Desired {
            inner: desired_from_json(&from_py(data, "")?, "")?,
        })
    }

    /// The dict form: `{"id", "kind", "name", "value", "file"?}`.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &desired_json(&self.inner))
    }

    /// The vendor's id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The dbt resource kind (`metric`, `semantic_model`, `model`, ...).
    #[getter]
    fn kind(&self) -> String {
        kind_name(self.inner.state.kind)
    }

    /// The dbt name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.state.name
    }

    /// The YAML entry as a dict (a copy; `name` first).
    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.inner.state.value)
    }

    /// The properties (or SQL) file, relative to the project root; `None`: the writer chooses.
    #[getter]
    fn file(&self) -> Option<&str> {
        self.inner.state.file.as_deref()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let mut value = self.inner.state.value.clone();
        if let Value::Object(m) = &mut value {
            m.shift_remove("name");
        }
        format!(
            "Desired(id={}, kind={}, name={}, value={}{})",
            quoted(&self.inner.id),
            quoted(&kind_name(self.inner.state.kind)),
            quoted(&self.inner.state.name),
            short_repr(py, &value, 60),
            self.inner
                .state
                .file
                .as_ref()
                .map(|f| format!(", file={}", quoted(f)))
                .unwrap_or_default()
        )
    }
}

/// What the vendor should change on its side because the repo changed: `change` is
/// `"created"` (a resource in scope the vendor does not have; `id` is a suggestion, the
/// unique id), `"updated"` (`fields` changed; `value` is the whole new entry) or `"deleted"`.
#[pyclass(module = "interop_sync", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct VendorChange {
    /// The SDK's value.
    pub inner: RustVendorChange,
}

impl VendorChange {
    fn state(&self) -> Option<&ResourceState> {
        match &self.inner {
            RustVendorChange::Created { state, .. } | RustVendorChange::Updated { state, .. } => {
                Some(state)
            }
            RustVendorChange::Deleted { .. } => None,
        }
    }
}

#[pymethods]
impl VendorChange {
    /// Builds one from its dict form (as `to_dict()` gives it).
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(VendorChange {
            inner: serde_from_json(from_py(data, "")?, "a vendor change")?,
        })
    }

    /// The dict form (schema `vendor_changes[*]` of the sync record).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serde_to_py(py, &self.inner)
    }

    /// `"created"`, `"updated"` or `"deleted"`.
    #[getter]
    fn change(&self) -> &'static str {
        match self.inner {
            RustVendorChange::Created { .. } => "created",
            RustVendorChange::Updated { .. } => "updated",
            RustVendorChange::Deleted { .. } => "deleted",
        }
    }

    /// The vendor's id (for `"created"`: the id to use, the unique id).
    #[getter]
    fn id(&self) -> &str {
        match &self.inner {
            RustVendorChange::Created { id, .. }
            | RustVendorChange::Updated { id, .. }
            | RustVendorChange::Deleted { id, .. } => id,
        }
    }

    /// dbt's unique id (after a rename, the new one).
    #[getter]
    fn unique_id(&self) -> &str {
        match &self.inner {
            RustVendorChange::Created { unique_id, .. }
            | RustVendorChange::Updated { unique_id, .. }
            | RustVendorChange::Deleted { unique_id, .. } => unique_id,
        }
    }

    /// The fields that changed (`description`, `columns[name=id].description`); empty for
    /// `"created"` and `"deleted"`.
    #[getter]
    fn fields(&self) -> Vec<String> {
        match &self.inner {
            RustVendorChange::Updated { fields, .. } => fields.clone(),
            _ => vec![],
        }
    }

    /// The resource kind (`None` for `"deleted"`).
    #[getter]
    fn kind(&self) -> Option<String> {
        self.state().map(|s| kind_name(s.kind))
    }

    /// The dbt name after the change (`None` for `"deleted"`).
    #[getter]
    fn name(&self) -> Option<&str> {
        self.state().map(|s| s.name.as_str())
    }

    /// The whole entry after the change, as a dict (`None` for `"deleted"`).
    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.state().map(|s| to_py(py, &s.value)).transpose()
    }

    /// The file it is declared in (`None` for `"deleted"` or unknown).
    #[getter]
    fn file(&self) -> Option<&str> {
        self.state().and_then(|s| s.file.as_deref())
    }

    /// The object as the vendor now holds it, ready to send back in the next `plan` (`None`
    /// for `"deleted"`).
    fn to_desired(&self) -> Option<Desired> {
        self.state().map(|s| Desired {
            inner: interop_sdk::Desired {
                id: self.id().to_string(),
                state: s.clone(),
            },
        })
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            RustVendorChange::Created { unique_id, .. } => {
                format!("VendorChange(created {unique_id})")
            }
            RustVendorChange::Updated {
                id,
                unique_id,
                fields,
                ..
            } => format!(
                "VendorChange(updated {id} ({unique_id}): {})",
                fields.join(", ")
            ),
            RustVendorChange::Deleted { id, unique_id } => {
                format!("VendorChange(deleted {id} ({unique_id}))")
            }
        }
    }
}

/// A field both sides changed differently: the vendor's object `id` (`unique_id` in dbt), the
/// field `path` (empty: the whole resource) and its `base`, `vendor` and `repo` values. An
/// absent side reads as `None`; `to_dict()` leaves its key out, so a JSON null and an absent
/// value stay apart there (`sides` lists the present ones).
#[pyclass(module = "interop_sync", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Conflict {
    /// The SDK's value.
    pub inner: ConflictReport,
}

impl From<ConflictReport> for Conflict {
    fn from(inner: ConflictReport) -> Self {
        Conflict { inner }
    }
}

fn side(py: Python<'_>, v: &Option<Value>) -> PyResult<Py<PyAny>> {
    match v {
        Some(v) => to_py(py, v),
        None => Ok(py.None()),
    }
}

#[pymethods]
impl Conflict {
    /// Builds one from its dict form.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Conflict {
            inner: serde_from_json(from_py(data, "")?, "a conflict")?,
        })
    }

    /// The dict form (schema `conflicts[*]` of the sync record).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serde_to_py(py, &self.inner)
    }

    /// The vendor's id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// dbt's unique id.
    #[getter]
    fn unique_id(&self) -> &str {
        &self.inner.unique_id
    }

    /// The field (`description`, `columns[name=id].description`; empty: the whole resource):
    /// what `Session.resolve` takes.
    #[getter]
    fn path(&self) -> String {
        self.inner.conflict.path.to_string()
    }

    /// The value both sides last agreed on.
    #[getter]
    fn base(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        side(py, &self.inner.conflict.base)
    }

    /// The vendor's value.
    #[getter]
    fn vendor(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        side(py, &self.inner.conflict.vendor)
    }

    /// The repo's value (kept in the repo until the conflict is resolved).
    #[getter]
    fn repo(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        side(py, &self.inner.conflict.repo)
    }

    /// The sides that hold a value: a subset of `("base", "vendor", "repo")`.
    #[getter]
    fn sides(&self) -> Vec<&'static str> {
        let c = &self.inner.conflict;
        [("base", &c.base), ("vendor", &c.vendor), ("repo", &c.repo)]
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(n, _)| n)
            .collect()
    }

    /// Whether one side deleted the field while the other edited it.
    #[getter]
    fn is_deletion(&self) -> bool {
        self.inner.conflict.is_deletion_against_edit()
    }

    /// One line for a PR or a log, naming `vendor`.
    fn summary(&self, vendor: &str) -> String {
        self.inner.summary(vendor)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let c = &self.inner.conflict;
        let show = |v: &Option<Value>| match v {
            Some(v) => short_repr(py, v, 40),
            None => "<absent>".into(),
        };
        format!(
            "Conflict({} ({}) {}: base={} vendor={} repo={})",
            self.inner.id,
            self.inner.unique_id,
            quoted(&c.path.to_string()),
            show(&c.base),
            show(&c.vendor),
            show(&c.repo)
        )
    }
}

/// One resource's change in the repo: `change` is `"added"`, `"modified"`, `"removed"`,
/// `"renamed"` or `"moved"` (`previous` is then the old unique id or file), `fields` what
/// changed.
#[pyclass(module = "interop_sync", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct ResourceChange {
    /// The engine's value.
    pub inner: RustChange,
}

#[pymethods]
impl ResourceChange {
    /// Builds one from its dict form.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(ResourceChange {
            inner: serde_from_json(from_py(data, "")?, "a resource change")?,
        })
    }

    /// The dict form (schema `changes[*]` of the sync record).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serde_to_py(py, &self.inner)
    }

    /// The resource's unique id (after the change).
    #[getter]
    fn resource(&self) -> &str {
        &self.inner.resource
    }

    /// `"added"`, `"modified"`, `"removed"`, `"renamed"` or `"moved"`.
    #[getter]
    fn change(&self) -> &'static str {
        match self.inner.kind {
            ResourceChangeKind::Added => "added",
            ResourceChangeKind::Modified => "modified",
            ResourceChangeKind::Removed => "removed",
            ResourceChangeKind::Renamed { .. } => "renamed",
            ResourceChangeKind::Moved { .. } => "moved",
        }
    }

    /// For a rename the old unique id, for a move the old file; else `None`.
    #[getter]
    fn previous(&self) -> Option<&str> {
        match &self.inner.kind {
            ResourceChangeKind::Renamed { from } | ResourceChangeKind::Moved { from } => Some(from),
            _ => None,
        }
    }

    /// The fields that changed.
    #[getter]
    fn fields(&self) -> Vec<String> {
        self.inner.fields.clone()
    }

    fn __repr__(&self) -> String {
        let detail = match self.previous() {
            Some(from) => format!(" from {from}"),
            None if !self.inner.fields.is_empty() => format!(": {}", self.inner.fields.join(", ")),
            None => String::new(),
        };
        format!(
            "ResourceChange({} {} {}{detail})",
            self.inner.kind.sign(),
            self.change(),
            self.inner.resource
        )
    }
}

/// One file a plan changes: `path` (relative to the project root), the text `before` (`None`
/// for a new file) and `after`.
#[pyclass(module = "interop_sync", frozen, get_all)]
#[derive(Clone)]
pub struct FileChange {
    /// The path, relative to the project root.
    pub path: String,
    /// The text before (`None`: a new file).
    pub before: Option<String>,
    /// The text after.
    pub after: String,
}

#[pymethods]
impl FileChange {
    fn __repr__(&self) -> String {
        let what = if self.before.is_some() { "edit" } else { "new" };
        format!(
            "FileChange({what} {}, {} lines)",
            self.path,
            self.after.lines().count()
        )
    }
}

/// What an `apply` did (schema `interop.sync-record/v1`, documented in the README).
#[pyclass(module = "interop_sync", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct SyncRecord {
    /// The SDK's value.
    pub inner: RustRecord,
}

#[pymethods]
impl SyncRecord {
    /// Builds one from its dict form.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(SyncRecord {
            inner: serde_from_json(from_py(data, "")?, "a sync record")?,
        })
    }

    /// The record as a dict (the JSON schema).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        serde_to_py(py, &self.inner)
    }

    /// The record as JSON text (indented).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string_pretty(&self.inner)
            .map_err(|e| crate::errors::interop_error(e.to_string()))
    }

    /// The vendor.
    #[getter]
    fn vendor(&self) -> &str {
        &self.inner.vendor
    }

    /// The sync branch.
    #[getter]
    fn branch(&self) -> &str {
        &self.inner.branch
    }

    /// The main branch commit the sync started from.
    #[getter]
    fn main_commit(&self) -> &str {
        &self.inner.main_commit
    }

    /// The sync branch's commit (`None`: nothing proposed).
    #[getter]
    fn commit(&self) -> Option<&str> {
        self.inner.commit.as_deref()
    }

    /// Whether this apply wrote a new commit.
    #[getter]
    fn created_commit(&self) -> bool {
        self.inner.created_commit
    }

    /// Whether the branch and the base were pushed.
    #[getter]
    fn pushed(&self) -> bool {
        self.inner.pushed
    }

    /// The base version after the sync.
    #[getter]
    fn base_version(&self) -> Option<&str> {
        self.inner.base_version.as_deref()
    }

    /// The repo changes.
    #[getter]
    fn changes(&self) -> Vec<ResourceChange> {
        self.inner
            .changes
            .iter()
            .map(|c| ResourceChange { inner: c.clone() })
            .collect()
    }

    /// What the vendor should change on its side.
    #[getter]
    fn vendor_changes(&self) -> Vec<VendorChange> {
        self.inner
            .vendor_changes
            .iter()
            .map(|c| VendorChange { inner: c.clone() })
            .collect()
    }

    /// The open conflicts.
    #[getter]
    fn conflicts(&self) -> Vec<Conflict> {
        self.inner
            .conflicts
            .iter()
            .map(|c| Conflict { inner: c.clone() })
            .collect()
    }

    /// Milliseconds spent reading, merging and writing.
    #[getter]
    fn timings_ms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.inner.timings_ms {
            d.set_item(k, u64::try_from(*v).unwrap_or(u64::MAX))?;
        }
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let commit = match (&self.inner.commit, self.inner.created_commit) {
            (Some(c), true) => format!("committed {}", &c[..c.len().min(12)]),
            (Some(c), false) => format!("unchanged at {}", &c[..c.len().min(12)]),
            (None, _) => "nothing proposed".into(),
        };
        format!(
            "SyncRecord({} on {}: {commit}, {} change(s), {} vendor change(s), {} conflict(s){})",
            self.inner.vendor,
            self.inner.branch,
            self.inner.changes.len(),
            self.inner.vendor_changes.len(),
            self.inner.conflicts.len(),
            if self.inner.pushed { ", pushed" } else { "" }
        )
    }
}

/// Where a session stands: the sync branch and its commit, how many resources both sides
/// agree on, how many the open sync branch proposes, how many resolutions wait.
#[pyclass(module = "interop_sync", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct Status {
    /// The vendor.
    pub vendor: String,
    /// The sync branch.
    pub branch: String,
    /// The sync branch's commit (`None`: not created).
    pub branch_commit: Option<String>,
    /// Resources both sides agree on.
    pub agreed: usize,
    /// Resources the sync branch proposes, waiting for the customer.
    pub proposed: usize,
    /// Conflict resolutions waiting for the next sync.
    pub resolutions: usize,
}

impl From<RustStatus> for Status {
    fn from(s: RustStatus) -> Self {
        Status {
            vendor: s.vendor,
            branch: s.branch,
            branch_commit: s.branch_commit,
            agreed: s.agreed,
            proposed: s.proposed,
            resolutions: s.resolutions,
        }
    }
}

#[pymethods]
impl Status {
    /// The dict form.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("vendor", &self.vendor)?;
        d.set_item("branch", &self.branch)?;
        d.set_item("branch_commit", &self.branch_commit)?;
        d.set_item("agreed", self.agreed)?;
        d.set_item("proposed", self.proposed)?;
        d.set_item("resolutions", self.resolutions)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "Status({} on {} ({}): {} agreed, {} proposed, {} resolution(s) pending)",
            self.vendor,
            self.branch,
            self.branch_commit
                .as_deref()
                .map_or("not created", |c| &c[..c.len().min(12)]),
            self.agreed,
            self.proposed,
            self.resolutions
        )
    }
}
