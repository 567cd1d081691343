//! `Session`: one vendor's sync with one repository, over `interop_sdk::SyncSession`. Every
//! call that reads the repo, merges or runs git releases the GIL; one session can be shared
//! between threads (its calls take turns), and different sessions run in parallel.

use std::path::PathBuf;
use std::sync::Mutex;

use interop_sdk::sync::git::{Author, Credentials as RustCredentials};
use interop_sdk::sync::merge::{Policies, Policy};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::{Choice, SessionError, SessionOptions, SyncPlan, SyncSession};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::Value;

use interop_sdk::bi::{self, BiError, RepoInfo};
use interop_sdk::elt::{self, EltError, EltRepo};
use interop_sdk::mapping::RepoView;
use interop_sdk::ml::{MlObjects, repo_metrics};
use interop_sdk::notebook::Notebooks;
use interop_sdk::orchestration::Orchestration;
use interop_sdk::product_analytics::ProductAnalytics;
use interop_sdk::reverse_etl::ReverseEtl;

use crate::categories::{
    ActivityStream, FeatureSet, Job, Prediction, Publication, ReverseEtlSync, Scope,
};
use crate::category_sync::{self, Pulled};
use crate::convert::{from_py, quoted, serde_from_json};
use crate::errors::{conflict_error, input_error, interop_error, session_error};
use crate::objects::{
    Conflict, Desired, FileChange, ResourceChange, Status, SyncRecord, VendorChange,
    desired_from_json,
};

/// How to authenticate to a remote. Build one with `Credentials.token(...)`,
/// `Credentials.ssh_key(...)` or `Credentials.ssh_agent(...)`; secrets never appear in `repr`.
#[pyclass(module = "interop_sync", frozen)]
#[derive(Clone)]
pub struct Credentials {
    inner: RustCredentials,
}

#[pymethods]
impl Credentials {
    /// HTTPS with a token (GitHub: user `x-access-token`; GitLab: `oauth2`).
    #[staticmethod]
    #[pyo3(signature = (token, username = "x-access-token"))]
    fn token(token: &str, username: &str) -> Self {
        Credentials {
            inner: RustCredentials::Token {
                username: username.into(),
                token: token.into(),
            },
        }
    }

    /// ssh with a private key file (and its passphrase, if any).
    #[staticmethod]
    #[pyo3(signature = (private_key, username = "git", passphrase = None))]
    fn ssh_key(private_key: PathBuf, username: &str, passphrase: Option<String>) -> Self {
        Credentials {
            inner: RustCredentials::SshKey {
                username: username.into(),
                private_key,
                passphrase,
            },
        }
    }

    /// ssh through the running ssh agent.
    #[staticmethod]
    #[pyo3(signature = (username = "git"))]
    fn ssh_agent(username: &str) -> Self {
        Credentials {
            inner: RustCredentials::SshAgent {
                username: username.into(),
            },
        }
    }

    /// No credentials (`file://` and public remotes).
    #[staticmethod]
    fn none() -> Self {
        Credentials {
            inner: RustCredentials::None,
        }
    }

    fn __repr__(&self) -> String {
        match &self.inner {
            RustCredentials::None => "Credentials.none()".into(),
            RustCredentials::Token { username, .. } => {
                format!(
                    "Credentials.token(username={}, token=<hidden>)",
                    quoted(username)
                )
            }
            RustCredentials::SshKey {
                username,
                private_key,
                ..
            } => format!(
                "Credentials.ssh_key({}, username={})",
                quoted(&private_key.display().to_string()),
                quoted(username)
            ),
            RustCredentials::SshAgent { username } => {
                format!("Credentials.ssh_agent(username={})", quoted(username))
            }
        }
    }
}

/// The scope for a category name (`bi`, `observability`, `catalog`, `elt`, `orchestration`,
/// `reverse_etl`, `notebook`, `ml`, `product_analytics`, `everything`).
fn named_scope(name: &str) -> PyResult<interop_sdk::Scope> {
    use ResourceKind as K;
    Ok(match name {
        "bi" => interop_sdk::Scope::bi(),
        "observability" => interop_sdk::Scope::observability(),
        "catalog" => interop_sdk::Scope::catalog(),
        "elt" => interop_sdk::Scope::elt(),
        "orchestration" => interop_sdk::Scope::orchestration(),
        "reverse_etl" => interop_sdk::Scope::reverse_etl(),
        "notebook" => interop_sdk::Scope::notebook(),
        "ml" => interop_sdk::Scope::ml(),
        "product_analytics" => interop_sdk::Scope::product_analytics(),
        "everything" | "all" => interop_sdk::Scope::everything(&[
            K::Model,
            K::Source,
            K::Seed,
            K::Snapshot,
            K::Exposure,
            K::Metric,
            K::SemanticModel,
            K::SavedQuery,
            K::Group,
            K::SingularTest,
        ]),
        other => {
            return Err(input_error(
                "scope",
                &format!(
                    "unknown category '{other}' (bi, observability, catalog, elt, \
                     orchestration, reverse_etl, notebook, ml, product_analytics, everything)"
                ),
            ));
        }
    })
}

fn scope_of(scope: &Bound<'_, PyAny>) -> PyResult<interop_sdk::Scope> {
    if let Ok(name) = scope.cast::<PyString>() {
        return named_scope(name.to_str()?);
    }
    if let Ok(s) = scope.cast::<Scope>() {
        return Ok(s.get().inner.clone());
    }
    serde_from_json(from_py(scope, "scope")?, "scope")
}

fn policy_of(text: &str, path: &str) -> PyResult<Policy> {
    serde_from_json::<Policy>(Value::String(text.to_string()), "policy").map_err(|_| {
        input_error(
            path,
            &format!("unknown policy '{text}' (manual, prefer-repo, prefer-vendor)"),
        )
    })
}

fn choice_of(text: &str) -> PyResult<Choice> {
    match text {
        "vendor" => Ok(Choice::Vendor),
        "repo" => Ok(Choice::Repo),
        other => Err(input_error(
            "choice",
            &format!("'{other}' is not a side (vendor or repo)"),
        )),
    }
}

/// The desired objects of a `plan` call: `Desired` objects, dicts, or objects with a
/// `to_desired()` method (category objects).
fn desired_list(objects: &Bound<'_, PyAny>) -> PyResult<Vec<interop_sdk::Desired>> {
    let mut out = Vec::new();
    for (i, item) in objects.try_iter()?.enumerate() {
        let item = item?;
        let at = format!("[{i}]");
        if let Ok(d) = item.cast::<Desired>() {
            out.push(d.get().inner.clone());
            continue;
        }
        if !item.is_instance_of::<PyDict>() && item.hasattr("to_desired")? {
            let d = item.call_method0("to_desired")?;
            if let Ok(d) = d.cast::<Desired>() {
                out.push(d.get().inner.clone());
            } else {
                out.push(desired_from_json(&from_py(&d, &at)?, &at)?);
            }
            continue;
        }
        out.push(desired_from_json(&from_py(&item, &at)?, &at)?);
    }
    Ok(out)
}

/// What a sync would do; nothing is written until `Session.apply(plan)`. Lists the repo
/// `changes`, the `files` they touch, the `vendor_changes` the vendor should make, the
/// `conflicts` a person must resolve, edits that could not be made (`errors`), and the pull
/// request text.
#[pyclass(module = "interop_sync", frozen)]
pub struct Plan {
    inner: SyncPlan,
    unmapped: Vec<String>,
}

impl Plan {
    fn of(inner: SyncPlan) -> Plan {
        Plan {
            inner,
            unmapped: Vec::new(),
        }
    }
}

#[pymethods]
impl Plan {
    /// The main branch head the plan was made from.
    #[getter]
    fn main_commit(&self) -> &str {
        &self.inner.main_commit
    }

    /// The sync branch (`interop/<vendor>`).
    #[getter]
    fn branch(&self) -> &str {
        &self.inner.branch
    }

    /// Per-resource changes to the repo.
    #[getter]
    fn changes(&self) -> Vec<ResourceChange> {
        self.inner
            .changes
            .iter()
            .map(|c| ResourceChange { inner: c.clone() })
            .collect()
    }

    /// The files written (new or edited).
    #[getter]
    fn files(&self) -> Vec<FileChange> {
        self.inner
            .files
            .iter()
            .map(|f| FileChange {
                path: f.path.clone(),
                before: f.before.clone(),
                after: f.after.clone(),
            })
            .collect()
    }

    /// The files deleted.
    #[getter]
    fn deleted(&self) -> Vec<String> {
        self.inner.deleted.clone()
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

    /// Conflicts a person must resolve (the repo's value is kept meanwhile).
    #[getter]
    fn conflicts(&self) -> Vec<Conflict> {
        self.inner
            .conflicts
            .iter()
            .map(|c| Conflict { inner: c.clone() })
            .collect()
    }

    /// Conflicts a policy resolved.
    #[getter]
    fn auto_resolved(&self) -> Vec<Conflict> {
        self.inner
            .auto_resolved
            .iter()
            .map(|c| Conflict { inner: c.clone() })
            .collect()
    }

    /// Edits that could not be made safely (those files are left alone).
    #[getter]
    fn errors(&self) -> Vec<String> {
        self.inner.errors.clone()
    }

    /// Objects the category mapping left out of the plan, with why (`plan_elt`: a transform
    /// reading a table that is neither a source table nor a model of the repo). One the repo
    /// already has reads as deleted by the vendor in this plan.
    #[getter]
    fn unmapped(&self) -> Vec<String> {
        self.unmapped.clone()
    }

    /// The pull request title.
    #[getter]
    fn pr_title(&self) -> &str {
        &self.inner.pr.title
    }

    /// The pull request body (markdown).
    #[getter]
    fn pr_body(&self) -> &str {
        &self.inner.pr.body
    }

    /// The sync commit's message.
    #[getter]
    fn commit_message(&self) -> &str {
        &self.inner.pr.commit_message
    }

    /// Whether the diff is over the session's budget of changed lines.
    #[getter]
    fn over_budget(&self) -> bool {
        self.inner.pr.over_budget
    }

    /// Lines added over the changed files.
    #[getter]
    fn insertions(&self) -> usize {
        self.inner.stats.insertions
    }

    /// Lines removed over the changed files.
    #[getter]
    fn deletions(&self) -> usize {
        self.inner.stats.deletions
    }

    /// Whether the repo side changes nothing.
    #[getter]
    fn is_noop(&self) -> bool {
        self.inner.is_noop()
    }

    /// Raises `ConflictError` (listing them) when the plan has conflicts.
    fn check_conflicts(&self, py: Python<'_>) -> PyResult<()> {
        if self.inner.conflicts.is_empty() {
            Ok(())
        } else {
            Err(conflict_error(py, &self.inner.conflicts)?)
        }
    }

    /// The plan as a dict (what `interop plan --json` prints).
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        crate::convert::serde_to_py(py, &self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Plan({}: {} change(s) in {} file(s) (+{} -{}), {} vendor change(s), {} conflict(s){}{})",
            quoted(&self.inner.pr.title),
            self.inner.changes.len(),
            self.inner.files.len() + self.inner.deleted.len(),
            self.inner.stats.insertions,
            self.inner.stats.deletions,
            self.inner.vendor_changes.len(),
            self.inner.conflicts.len(),
            if self.inner.errors.is_empty() {
                String::new()
            } else {
                format!(", {} refused edit(s)", self.inner.errors.len())
            },
            if self.unmapped.is_empty() {
                String::new()
            } else {
                format!(", {} unmapped", self.unmapped.len())
            }
        )
    }
}

/// A vendor's sync with one repository.
///
/// `repo` is a local path (its work tree and index are never touched) or a URL (`file://`,
/// `https://`, `ssh://`, `git@host:path`), cloned into `cache_dir`. `scope` is a category name
/// (`"bi"`, `"observability"`, `"catalog"`, `"elt"`, `"orchestration"`, `"reverse_etl"`,
/// `"notebook"`, `"ml"`, `"product_analytics"`, `"everything"`), a `Scope` or its dict; `policy`
/// (`"manual"`, `"prefer-repo"`, `"prefer-vendor"`) decides fields both sides changed, and
/// `policies` maps field patterns (`columns[*].description`) to a policy of their own.
#[pyclass(module = "interop_sync", frozen)]
pub struct Session {
    inner: Mutex<SyncSession>,
    vendor: String,
    repo: String,
}

impl Session {
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&SyncSession) -> Result<T, SessionError> + Send,
    ) -> PyResult<T> {
        py.detach(|| {
            let session = self
                .inner
                .lock()
                .map_err(|_| "a call on this session panicked".to_string())?;
            Ok(f(&session))
        })
        .map_err(interop_error)?
        .map_err(session_error)
    }

    /// [`Session::run`] for a category's mapping: its own errors (an object that cannot be
    /// mapped) are the caller's input and raise `InputError`.
    fn run_mapped<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&SyncSession) -> Result<Result<T, String>, SessionError> + Send,
    ) -> PyResult<T> {
        self.run(py, f)?
            .map_err(|message| input_error("", &message))
    }
}

/// A BI mapping result: the session's errors go on as they are, the others are the input's.
fn bi_mapped<T>(result: Result<T, BiError>) -> Result<Result<T, String>, SessionError> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(BiError::Session(e)) => Err(e),
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// An ELT mapping result: the session's errors go on as they are, the others are the input's.
fn elt_mapped<T>(result: Result<T, EltError>) -> Result<Result<T, String>, SessionError> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(EltError::Session(e)) => Err(e),
        Err(e) => Ok(Err(e.to_string())),
    }
}

/// A mapping result whose errors are all the input's.
fn input_mapped<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, String> {
    result.map_err(|e| e.to_string())
}

/// The changes a category pull starts from: the caller's, or the session's pull.
fn pulled_changes(
    s: &SyncSession,
    given: Option<Vec<interop_sdk::VendorChange>>,
) -> Result<Vec<interop_sdk::VendorChange>, SessionError> {
    match given {
        Some(c) => Ok(c),
        None => s.pull(),
    }
}

/// A [`Pulled`] whose changes are the session's vendor changes.
fn pulled_of(
    objects: Vec<Py<PyAny>>,
    changes: Vec<interop_sdk::VendorChange>,
    errors: Vec<String>,
    category: &'static str,
) -> Pulled {
    let json = changes_json(&changes);
    pulled_with(objects, json, changes, errors, category)
}

/// A [`Pulled`] with the category's own change records (`changes`) next to the session's
/// vendor changes they came from.
fn pulled_with(
    objects: Vec<Py<PyAny>>,
    changes: Value,
    vendor_changes: Vec<interop_sdk::VendorChange>,
    errors: Vec<String>,
    category: &'static str,
) -> Pulled {
    Pulled {
        objects,
        changes,
        vendor_changes: vendor_changes
            .into_iter()
            .map(|inner| VendorChange { inner })
            .collect(),
        errors,
        category,
    }
}

/// Feature sets and predictions from two lists of typed objects (or their dicts).
fn ml_objects(
    feature_sets: &Bound<'_, PyAny>,
    predictions: Option<&Bound<'_, PyAny>>,
) -> PyResult<MlObjects> {
    Ok(MlObjects {
        feature_sets: category_sync::items::<FeatureSet>(feature_sets, "feature set")?,
        predictions: match predictions {
            Some(p) => category_sync::items::<Prediction>(p, "prediction")?,
            None => Vec::new(),
        },
    })
}

/// Activity streams (typed objects or their dicts) with the semantic models and metrics on
/// them.
fn product_analytics(
    streams: &Bound<'_, PyAny>,
    metrics: Option<&Bound<'_, PyAny>>,
) -> PyResult<ProductAnalytics> {
    let (semantic_models, metrics) = category_sync::stream_metrics(metrics)?;
    Ok(ProductAnalytics {
        streams: category_sync::items::<ActivityStream>(streams, "activity stream")?,
        semantic_models,
        metrics,
    })
}

/// Category changes as JSON.
fn changes_json<T: serde::Serialize>(changes: &[T]) -> Value {
    serde_json::to_value(changes).unwrap_or(Value::Array(vec![]))
}

#[pymethods]
impl Session {
    #[new]
    #[pyo3(signature = (
        repo, vendor, scope = None, *, policy = "manual", policies = None, credentials = None,
        cache_dir = None, branch = None, main_branch = None, subdir = "", budget_lines = 400,
        author = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        repo: PathBuf,
        vendor: &str,
        scope: Option<&Bound<'_, PyAny>>,
        policy: &str,
        policies: Option<&Bound<'_, PyDict>>,
        credentials: Option<&Bound<'_, Credentials>>,
        cache_dir: Option<PathBuf>,
        branch: Option<String>,
        main_branch: Option<String>,
        subdir: &str,
        budget_lines: usize,
        author: Option<(String, String)>,
    ) -> PyResult<Self> {
        let scope = match scope {
            Some(s) => scope_of(s)?,
            None => named_scope("bi")?,
        };
        let mut options = SessionOptions::new(vendor, scope);
        let mut rules = Policies::new(policy_of(policy, "policy")?);
        if let Some(policies) = policies {
            for (k, v) in policies.iter() {
                let pattern: String = k.extract()?;
                let path = format!("policies.{pattern}");
                let value: String = v
                    .extract()
                    .map_err(|_| input_error(&path, "expected a policy name"))?;
                rules = rules
                    .with(&pattern, policy_of(&value, &path)?)
                    .map_err(|e| input_error(&path, &e.to_string()))?;
            }
        }
        options.policies = rules;
        options.branch = branch;
        options.main_branch = main_branch;
        options.subdir = subdir.to_string();
        options.budget_lines = budget_lines;
        if let Some((name, email)) = author {
            options.author = Author { name, email };
        }
        let text = repo.to_string_lossy().into_owned();
        let is_url = text.contains("://") || text.starts_with("git@");
        let credentials = credentials
            .map(|c| c.get().inner.clone())
            .unwrap_or_default();
        let opened = py.detach(|| {
            if is_url {
                let cache = cache_dir.unwrap_or_else(|| PathBuf::from(".interop-cache"));
                SyncSession::open_remote(&text, &cache, credentials, options)
            } else {
                SyncSession::open(&repo, options)
            }
        });
        let session = opened.map_err(session_error)?;
        Ok(Session {
            inner: Mutex::new(session),
            vendor: vendor.to_string(),
            repo: if is_url {
                interop_sdk::sync::git::redact_url(&text)
            } else {
                text
            },
        })
    }

    /// The vendor's name.
    #[getter]
    fn vendor(&self) -> &str {
        &self.vendor
    }

    /// What the session owns, as a `Scope`.
    #[getter]
    fn scope(&self, py: Python<'_>) -> PyResult<Scope> {
        self.run(py, |s| Ok(s.options().scope.clone()))
            .map(|inner| Scope { inner })
    }

    /// Reads the three states (base, vendor, repo), merges them per resource and field, and
    /// says what would change on each side. Writes nothing. `desired` is every object the
    /// vendor has in scope: `Desired` objects, dicts of the same shape, or category objects
    /// (anything with `to_desired()`); an object left out reads as deleted by the vendor.
    fn plan(&self, py: Python<'_>, desired: &Bound<'_, PyAny>) -> PyResult<Plan> {
        let desired = desired_list(desired)?;
        let inner = self.run(py, move |s| s.plan(&desired))?;
        Ok(Plan::of(inner))
    }

    /// Writes the plan's repo side as one commit on the sync branch, stores the new base, and
    /// with `push` pushes both to the remote. Raises `RepoMovedError` when a ref moved since
    /// the plan (nothing is written: plan again). With `allow_conflicts=False`, a plan with
    /// conflicts raises `ConflictError` and writes nothing.
    #[pyo3(signature = (plan, push = false, *, allow_conflicts = true))]
    fn apply(
        &self,
        py: Python<'_>,
        plan: &Plan,
        push: bool,
        allow_conflicts: bool,
    ) -> PyResult<SyncRecord> {
        if !allow_conflicts && !plan.inner.conflicts.is_empty() {
            return Err(conflict_error(py, &plan.inner.conflicts)?);
        }
        let plan = plan.inner.clone();
        let inner = self.run(py, move |s| s.apply(plan, push))?;
        Ok(SyncRecord { inner })
    }

    /// `plan` then `apply` in one call (the GIL is released once for both).
    #[pyo3(signature = (desired, push = false, *, allow_conflicts = true))]
    fn sync(
        &self,
        py: Python<'_>,
        desired: &Bound<'_, PyAny>,
        push: bool,
        allow_conflicts: bool,
    ) -> PyResult<SyncRecord> {
        let desired = desired_list(desired)?;
        let outcome = self.run(py, move |s| {
            let plan = s.plan(&desired)?;
            if !allow_conflicts && !plan.conflicts.is_empty() {
                return Ok(Err(plan.conflicts));
            }
            s.apply(plan, push).map(Ok)
        })?;
        match outcome {
            Ok(inner) => Ok(SyncRecord { inner }),
            Err(conflicts) => Err(conflict_error(py, &conflicts)?),
        }
    }

    /// What changed in the repo since the last sync, as changes for the vendor, and every
    /// resource in scope the vendor does not have yet. Writes nothing.
    fn pull(&self, py: Python<'_>) -> PyResult<Vec<VendorChange>> {
        let changes = self.run(py, |s| s.pull())?;
        Ok(changes
            .into_iter()
            .map(|inner| VendorChange { inner })
            .collect())
    }

    /// Settles the conflict on field `path` of the vendor's object `id`: `choice` `"vendor"`
    /// or `"repo"` wins there on the next sync (pushed at once with a remote).
    fn resolve(&self, py: Python<'_>, id: &str, path: &str, choice: &str) -> PyResult<()> {
        let choice = choice_of(choice)?;
        let (id, path) = (id.to_string(), path.to_string());
        self.run(py, move |s| s.resolve(&id, &path, choice))
    }

    /// Where the session stands.
    fn status(&self, py: Python<'_>) -> PyResult<Status> {
        self.run(py, |s| s.status()).map(Status::from)
    }

    /// Plans a BI tool's objects: `Metric`, `SemanticModel`, `SavedQuery`, `Dashboard` and
    /// `Transform` objects (or the set's dict, `{"metrics": [...], ...}`), mapped together in
    /// the semantic-layer spec the repo uses (with a time spine when metrics need one). Every
    /// object the tool has goes in: one left out reads as deleted. Writes nothing.
    fn plan_bi(&self, py: Python<'_>, objects: &Bound<'_, PyAny>) -> PyResult<Plan> {
        let objects = category_sync::bi_objects(objects)?;
        let inner = self.run_mapped(py, move |s| {
            let info = RepoInfo::read(s)?;
            match bi_mapped(bi::to_desired(&objects, &info))? {
                Ok(desired) => s.plan(&desired).map(Ok),
                Err(e) => Ok(Err(e)),
            }
        })?;
        Ok(Plan::of(inner))
    }

    /// The BI tool's objects after the customer's changes since the last sync: `objects` is
    /// what the tool holds now; the result's `objects` are what it should hold (edits and
    /// deletions of its own, and metrics, semantic models ... written by hand in the repo).
    ///
    /// With `changes` (a plan's `vendor_changes`), those are taken instead of pulling.
    #[pyo3(signature = (objects, changes = None))]
    fn pull_bi(
        &self,
        py: Python<'_>,
        objects: &Bound<'_, PyAny>,
        changes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let known = category_sync::bi_objects(objects)?;
        let given = category_sync::vendor_changes(changes)?;
        let (after, changes) = self.run_mapped(py, move |s| {
            let info = RepoInfo::read(s)?;
            let changes = pulled_changes(s, given)?;
            Ok(bi_mapped(bi::apply_changes(&known, &info, &changes))?.map(|o| (o, changes)))
        })?;
        let objects = category_sync::bi_list(py, after)?;
        Ok(pulled_of(objects, changes, Vec::new(), "bi"))
    }

    /// Plans an observability tool's `Monitor` and `Description` objects (or the dict
    /// `{"monitors": [...], "descriptions": [...]}`): the monitors of each resource become its
    /// data tests and freshness, custom SQL monitors singular tests. Writes nothing.
    fn plan_monitors(&self, py: Python<'_>, objects: &Bound<'_, PyAny>) -> PyResult<Plan> {
        let objects = category_sync::observability(objects)?;
        let inner = self.run_mapped(py, move |s| {
            let view = RepoView::read(s)?;
            match objects.to_desired(&view) {
                Ok(desired) => s.plan(&desired).map(Ok),
                Err(e) => Ok(Err(e.to_string())),
            }
        })?;
        Ok(Plan::of(inner))
    }

    /// The monitors and descriptions after the customer's changes since the last sync: tests
    /// edited in the repo update the monitor they belong to (same id), new tests arrive as new
    /// monitors, removed ones are gone.
    ///
    /// With `changes` (a plan's `vendor_changes`), those are taken instead of pulling.
    #[pyo3(signature = (objects, changes = None))]
    fn pull_monitors(
        &self,
        py: Python<'_>,
        objects: &Bound<'_, PyAny>,
        changes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let mut known = category_sync::observability(objects)?;
        let given = category_sync::vendor_changes(changes)?;
        let (after, changes, pulled) = self.run(py, move |s| {
            let view = RepoView::read(s)?;
            let pulled = pulled_changes(s, given)?;
            let changes = known.changes(&pulled, &view);
            known.apply(&changes);
            Ok((known, changes, pulled))
        })?;
        let objects = category_sync::observability_list(py, after)?;
        let changes = changes_json(&changes);
        Ok(pulled_with(
            objects,
            changes,
            pulled,
            Vec::new(),
            "observability",
        ))
    }

    /// Plans a catalog's `Annotation` objects (or their dicts, or `{"annotations": [...]}`):
    /// descriptions, owners, tags, terms and meta of existing resources. Writes nothing.
    fn plan_annotations(&self, py: Python<'_>, objects: &Bound<'_, PyAny>) -> PyResult<Plan> {
        let objects = category_sync::catalog(objects)?;
        let inner = self.run_mapped(py, move |s| {
            let view = RepoView::read(s)?;
            match objects.to_desired(&view) {
                Ok(desired) => s.plan(&desired).map(Ok),
                Err(e) => Ok(Err(e.to_string())),
            }
        })?;
        Ok(Plan::of(inner))
    }

    /// The annotations after the customer's changes since the last sync.
    ///
    /// With `changes` (a plan's `vendor_changes`), those are taken instead of pulling.
    #[pyo3(signature = (objects, changes = None))]
    fn pull_annotations(
        &self,
        py: Python<'_>,
        objects: &Bound<'_, PyAny>,
        changes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let mut known = category_sync::catalog(objects)?;
        let given = category_sync::vendor_changes(changes)?;
        let (after, changes, pulled) = self.run(py, move |s| {
            let view = RepoView::read(s)?;
            let pulled = pulled_changes(s, given)?;
            let changes = known.changes(&pulled, &view);
            known.apply(&changes);
            Ok((known, changes, pulled))
        })?;
        let objects = category_sync::catalog_list(py, after)?;
        let changes = changes_json(&changes);
        Ok(pulled_with(objects, changes, pulled, Vec::new(), "catalog"))
    }

    /// Plans an ELT tool's `Connector` and `EltTransform` objects (or the dict `{"dialect":
    /// ..., "warehouse": ..., "connectors": [...], "transforms": [...]}`): each connector one
    /// source (and staging models when it asks), each transform a model whose warehouse tables
    /// become import CTEs over `source()` / `ref()`. `dialect` (`duckdb`, `snowflake`,
    /// `bigquery`, `postgres`, `redshift`, `databricks`; default: the repo's profile's, else
    /// DuckDB) is the SQL of the transforms, and `warehouse` (`{"database": ..., "schema":
    /// ...}`) where dbt builds models, so that a transform reading a model by its table name
    /// finds it.
    ///
    /// A transform that cannot be mapped (it reads a table that is neither a source table nor
    /// a model of the repo) is left out of the plan, never guessed, and listed with why in the
    /// plan's `unmapped`. Writes nothing.
    #[pyo3(signature = (objects, *, dialect = None, warehouse = None))]
    fn plan_elt(
        &self,
        py: Python<'_>,
        objects: &Bound<'_, PyAny>,
        dialect: Option<&str>,
        warehouse: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Plan> {
        let objects = category_sync::elt_objects(objects, dialect, warehouse)?;
        let (inner, unmapped) = self.run_mapped(py, move |s| {
            let repo = EltRepo::read(s)?;
            match elt_mapped(elt::to_desired(&objects, &repo))? {
                Ok(mapped) => s.plan(&mapped.desired).map(|p| Ok((p, mapped.unmapped))),
                Err(e) => Ok(Err(e)),
            }
        })?;
        Ok(Plan { inner, unmapped })
    }

    /// The ELT tool's objects as the repo's main branch holds them: every source as a
    /// `Connector` (hand-written ones included, under `source:<name>` until the tool binds
    /// them) and every model the tool created as an `EltTransform` whose SQL names warehouse
    /// tables again, so a customer's edit of the model is the tool's SQL. `objects` (and
    /// `dialect`, `warehouse`) give the dialect, the warehouse and which connectors ask for
    /// staging models. The result's `changes` and `vendor_changes` are the session's pull.
    #[pyo3(signature = (objects, *, dialect = None, warehouse = None))]
    fn pull_elt(
        &self,
        py: Python<'_>,
        objects: &Bound<'_, PyAny>,
        dialect: Option<&str>,
        warehouse: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let known = category_sync::elt_objects(objects, dialect, warehouse)?;
        let (after, changes) = self.run(py, move |s| {
            let repo = EltRepo::read(s)?;
            Ok((elt::from_repo(&repo, &known), s.pull()?))
        })?;
        Ok(pulled_of(
            category_sync::elt_list(py, after)?,
            changes,
            Vec::new(),
            "elt",
        ))
    }

    /// Plans an orchestrator's `Job` objects (or their dicts, or `{"jobs": [...]}`): one YAML
    /// selector per job in `selectors.yml`, its schedule at the end of the description.
    /// Writes nothing.
    fn plan_jobs(&self, py: Python<'_>, objects: &Bound<'_, PyAny>) -> PyResult<Plan> {
        let objects =
            category_sync::set_or_items::<Job, _>(objects, "job", |jobs| Orchestration { jobs })?;
        let inner = self.run_mapped(py, move |s| {
            let view = RepoView::read(s)?;
            match input_mapped(objects.to_desired(&view)) {
                Ok(desired) => s.plan(&desired).map(Ok),
                Err(e) => Ok(Err(e)),
            }
        })?;
        Ok(Plan::of(inner))
    }

    /// The jobs after the customer's changes since the last sync: edited selectors update
    /// their job, selectors written by hand arrive as new jobs.
    ///
    /// With `changes` (a plan's `vendor_changes`), those are taken instead of pulling.
    #[pyo3(signature = (objects, changes = None))]
    fn pull_jobs(
        &self,
        py: Python<'_>,
        objects: &Bound<'_, PyAny>,
        changes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let known =
            category_sync::set_or_items::<Job, _>(objects, "job", |jobs| Orchestration { jobs })?;
        let given = category_sync::vendor_changes(changes)?;
        let (after, changes) = self.run_mapped(py, move |s| {
            let view = RepoView::read(s)?;
            let changes = pulled_changes(s, given)?;
            Ok(input_mapped(known.apply_changes(&view, &changes)).map(|o| (o, changes)))
        })?;
        Ok(pulled_of(
            category_sync::typed::<Job>(py, after.jobs)?,
            changes,
            Vec::new(),
            "orchestration",
        ))
    }

    /// Plans a reverse-ETL tool's `ReverseEtlSync` objects (or their dicts, or `{"syncs":
    /// [...]}`): one `type: application` exposure per sync, and a model's `post_hook` where a
    /// sync asks for one. Writes nothing.
    fn plan_syncs(&self, py: Python<'_>, objects: &Bound<'_, PyAny>) -> PyResult<Plan> {
        let objects = category_sync::set_or_items::<ReverseEtlSync, _>(objects, "sync", |syncs| {
            ReverseEtl { syncs }
        })?;
        let inner = self.run_mapped(py, move |s| {
            let view = RepoView::read(s)?;
            match input_mapped(objects.to_desired(&view)) {
                Ok(desired) => s.plan(&desired).map(Ok),
                Err(e) => Ok(Err(e)),
            }
        })?;
        Ok(Plan::of(inner))
    }

    /// The syncs after the customer's changes since the last sync: edited exposures update
    /// their sync, application exposures written by hand arrive as new syncs.
    ///
    /// With `changes` (a plan's `vendor_changes`), those are taken instead of pulling.
    #[pyo3(signature = (objects, changes = None))]
    fn pull_syncs(
        &self,
        py: Python<'_>,
        objects: &Bound<'_, PyAny>,
        changes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let known = category_sync::set_or_items::<ReverseEtlSync, _>(objects, "sync", |syncs| {
            ReverseEtl { syncs }
        })?;
        let given = category_sync::vendor_changes(changes)?;
        let (after, changes) = self.run_mapped(py, move |s| {
            let view = RepoView::read(s)?;
            let changes = pulled_changes(s, given)?;
            Ok(input_mapped(known.apply_changes(&view, &changes)).map(|o| (o, changes)))
        })?;
        Ok(pulled_of(
            category_sync::typed::<ReverseEtlSync>(py, after.syncs)?,
            changes,
            Vec::new(),
            "reverse_etl",
        ))
    }

    /// Plans a notebook tool's `Publication` objects (or their dicts, or `{"publications":
    /// [...]}`): one analysis per publication, its cells as CTEs, relation names as `ref()` /
    /// `source()`. Writes nothing.
    fn plan_publications(&self, py: Python<'_>, objects: &Bound<'_, PyAny>) -> PyResult<Plan> {
        let objects = category_sync::set_or_items::<Publication, _>(
            objects,
            "publication",
            |publications| Notebooks { publications },
        )?;
        let inner = self.run_mapped(py, move |s| {
            let view = RepoView::read(s)?;
            match input_mapped(objects.to_desired(&view)) {
                Ok(desired) => s.plan(&desired).map(Ok),
                Err(e) => Ok(Err(e)),
            }
        })?;
        Ok(Plan::of(inner))
    }

    /// The publications after the customer's changes since the last sync: an edited cell
    /// updates its publication, analyses of the repo arrive as new publications. An analysis
    /// edited so that it no longer splits into cells is listed in the result's `errors`, and
    /// its publication stays as the tool has it.
    ///
    /// With `changes` (a plan's `vendor_changes`), those are taken instead of pulling.
    #[pyo3(signature = (objects, changes = None))]
    fn pull_publications(
        &self,
        py: Python<'_>,
        objects: &Bound<'_, PyAny>,
        changes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let known = category_sync::set_or_items::<Publication, _>(
            objects,
            "publication",
            |publications| Notebooks { publications },
        )?;
        let given = category_sync::vendor_changes(changes)?;
        let ((after, errors), changes) = self.run_mapped(py, move |s| {
            let view = RepoView::read(s)?;
            let changes = pulled_changes(s, given)?;
            Ok(input_mapped(known.apply_changes(&view, &changes)).map(|o| (o, changes)))
        })?;
        Ok(pulled_of(
            category_sync::typed::<Publication>(py, after.publications)?,
            changes,
            errors.iter().map(ToString::to_string).collect(),
            "notebook",
        ))
    }

    /// Plans an ML tool's `FeatureSet` and `Prediction` objects (or their dicts): a model per
    /// feature set aggregating its base model per entity (the repo's simple BI metrics may be
    /// features), a flagged model per prediction (or only the flag, on an existing model, for
    /// a prediction without SQL). Writes nothing.
    #[pyo3(signature = (feature_sets, predictions = None))]
    fn plan_ml(
        &self,
        py: Python<'_>,
        feature_sets: &Bound<'_, PyAny>,
        predictions: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Plan> {
        let objects = ml_objects(feature_sets, predictions)?;
        let inner = self.run_mapped(py, move |s| {
            let metrics = repo_metrics(&RepoInfo::read(s)?);
            let view = RepoView::read(s)?;
            match input_mapped(objects.to_desired(&view, &metrics)) {
                Ok(desired) => s.plan(&desired).map(Ok),
                Err(e) => Ok(Err(e)),
            }
        })?;
        Ok(Plan::of(inner))
    }

    /// The feature sets and predictions after the customer's changes since the last sync
    /// (`objects`: feature sets, then predictions). A feature-set model edited out of its
    /// layout is listed in the result's `errors`, and its feature set stays as the tool has
    /// it.
    ///
    /// With `changes` (a plan's `vendor_changes`), those are taken instead of pulling.
    #[pyo3(signature = (feature_sets, predictions = None, changes = None))]
    fn pull_ml(
        &self,
        py: Python<'_>,
        feature_sets: &Bound<'_, PyAny>,
        predictions: Option<&Bound<'_, PyAny>>,
        changes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let known = ml_objects(feature_sets, predictions)?;
        let given = category_sync::vendor_changes(changes)?;
        let ((after, errors), changes) = self.run_mapped(py, move |s| {
            let metrics = repo_metrics(&RepoInfo::read(s)?);
            let view = RepoView::read(s)?;
            let changes = pulled_changes(s, given)?;
            Ok(input_mapped(known.apply_changes(&view, &metrics, &changes)).map(|o| (o, changes)))
        })?;
        let mut objects = category_sync::typed::<FeatureSet>(py, after.feature_sets)?;
        objects.extend(category_sync::typed::<Prediction>(py, after.predictions)?);
        Ok(pulled_of(
            objects,
            changes,
            errors.iter().map(ToString::to_string).collect(),
            "ml",
        ))
    }

    /// Plans a product-analytics tool's `ActivityStream` objects (or their dicts) with the
    /// `SemanticModel` and `Metric` objects on them (`metrics`): a model per stream in the
    /// activity schema, with its tests, and the metrics through the BI mapping in the repo's
    /// semantic-layer spec. Writes nothing.
    #[pyo3(signature = (streams, metrics = None))]
    fn plan_streams(
        &self,
        py: Python<'_>,
        streams: &Bound<'_, PyAny>,
        metrics: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Plan> {
        let objects = product_analytics(streams, metrics)?;
        let inner = self.run_mapped(py, move |s| {
            let repo = RepoInfo::read(s)?;
            match bi_mapped(objects.to_desired(&repo))? {
                Ok(desired) => s.plan(&desired).map(Ok),
                Err(e) => Ok(Err(e)),
            }
        })?;
        Ok(Plan::of(inner))
    }

    /// The activity streams, semantic models and metrics after the customer's changes since
    /// the last sync (`objects`: streams, then semantic models, then metrics; the repo's other
    /// semantic models and metrics arrive too). A stream model edited out of its layout is
    /// listed in the result's `errors`, and its stream stays as the tool has it.
    ///
    /// With `changes` (a plan's `vendor_changes`), those are taken instead of pulling.
    #[pyo3(signature = (streams, metrics = None, changes = None))]
    fn pull_streams(
        &self,
        py: Python<'_>,
        streams: &Bound<'_, PyAny>,
        metrics: Option<&Bound<'_, PyAny>>,
        changes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Pulled> {
        let known = product_analytics(streams, metrics)?;
        let given = category_sync::vendor_changes(changes)?;
        let ((after, errors), changes) = self.run_mapped(py, move |s| {
            let repo = RepoInfo::read(s)?;
            let view = RepoView::read(s)?;
            let changes = pulled_changes(s, given)?;
            Ok(bi_mapped(known.apply_changes(&repo, &view, &changes))?.map(|o| (o, changes)))
        })?;
        let mut objects = category_sync::typed::<ActivityStream>(py, after.streams)?;
        objects.extend(category_sync::bi_list(
            py,
            bi::BiObjects {
                semantic_models: after.semantic_models,
                metrics: after.metrics,
                ..bi::BiObjects::default()
            },
        )?);
        Ok(pulled_of(
            objects,
            changes,
            errors.iter().map(ToString::to_string).collect(),
            "product_analytics",
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "Session(vendor={}, repo={})",
            quoted(&self.vendor),
            quoted(&self.repo)
        )
    }
}
