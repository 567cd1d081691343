//! Reading a project (`inspect`), scaffolding one (`init`) and loading a state file of
//! desired objects (`load_desired`).

use std::path::{Path, PathBuf};

use interop_sdk::sync::read::{FolderSource, GitTreeSource, Project, ProjectSource, Reader, yaml};
use interop_sdk::sync::safety::Limits;
use interop_sdk::sync::scaffold::{
    Adapter, InitReport as RustInitReport, ScaffoldOptions, init_project, project_name_from,
    validate_name,
};
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde_json::Value;

use crate::errors::{input_error, interop_error, project_read_error, read_error, read_error_at};
use crate::objects::{Desired, desired_from_json};

/// One resource of a project as dbt declares it, with where it is declared.
#[pyclass(module = "interop_sync", frozen, get_all)]
#[derive(Clone)]
pub struct Resource {
    /// dbt's unique id (`model.shop.orders`).
    pub unique_id: String,
    /// The kind (`model`, `generic_test`, `metric`, ...).
    pub kind: String,
    /// The dbt name.
    pub name: String,
    /// The version of a versioned model.
    pub version: Option<String>,
    /// Whether dbt enables it.
    pub enabled: bool,
    /// The file it is declared in.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The YAML path of its entry (empty for a SQL file).
    pub yaml_path: String,
    /// The properties file that describes it, for resources declared in SQL.
    pub properties_file: Option<String>,
    /// The resource a test belongs to.
    pub parent: Option<String>,
    /// Its description, as written (`{{ doc('x') }}` stays text).
    pub description: Option<String>,
}

#[pymethods]
impl Resource {
    fn __repr__(&self) -> String {
        format!(
            "Resource({} {} at {}:{}{})",
            self.kind,
            self.unique_id,
            self.file,
            self.line,
            if self.enabled { "" } else { ", disabled" }
        )
    }
}

/// What `inspect` read: the project's `name`, `profile` and `require_dbt_version`, every
/// `resource`, every read problem in `errors` (`ReadError` objects, not raised), and how many
/// `files` dbt would read.
#[pyclass(module = "interop_sync", frozen)]
pub struct Inspection {
    project: Project,
}

#[pymethods]
impl Inspection {
    /// The dbt project's name.
    #[getter]
    fn name(&self) -> &str {
        &self.project.dbt_project.name
    }

    /// The profile `dbt_project.yml` names.
    #[getter]
    fn profile(&self) -> Option<&str> {
        self.project.dbt_project.profile.as_deref()
    }

    /// `require-dbt-version`, as written.
    #[getter]
    fn require_dbt_version(&self) -> Vec<String> {
        self.project.dbt_project.require_dbt_version.clone()
    }

    /// Every resource, sorted by unique id (disabled ones included).
    #[getter]
    fn resources(&self) -> Vec<Resource> {
        self.project
            .resources
            .iter()
            .map(|r| Resource {
                unique_id: r.unique_id.as_str().to_string(),
                kind: r.kind.label().to_string(),
                name: r.name.clone(),
                version: r.version.clone(),
                enabled: r.enabled,
                file: r.location.file.to_string(),
                line: r.location.line,
                column: r.location.column,
                yaml_path: r.location.yaml_path.clone(),
                properties_file: r.properties_location.as_ref().map(|l| l.file.to_string()),
                parent: r.parent.as_ref().map(|p| p.as_str().to_string()),
                description: r.description.clone(),
            })
            .collect()
    }

    /// Every read problem, as `ReadError` objects (the rest of the project was still read).
    #[getter]
    fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for e in &self.project.errors {
            list.append(read_error(e).into_value(py))?;
        }
        Ok(list)
    }

    /// How many files dbt would read.
    #[getter]
    fn files(&self) -> usize {
        self.project.files.len()
    }

    /// The resource with this unique id (`None`: there is none).
    fn get(&self, unique_id: &str) -> Option<Resource> {
        self.resources()
            .into_iter()
            .find(|r| r.unique_id == unique_id)
    }

    /// Raises the first read problem as a `ReadError`, if there is one.
    fn raise_for_errors(&self) -> PyResult<()> {
        match self.project.errors.first() {
            Some(e) => Err(read_error(e)),
            None => Ok(()),
        }
    }

    fn __len__(&self) -> usize {
        self.project.resources.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Inspection({}: {} resources in {} files, {} error(s))",
            self.project.dbt_project.name,
            self.project.resources.len(),
            self.project.files.len(),
            self.project.errors.len()
        )
    }
}

/// Reads the dbt project at `path` (a folder), or at revision `rev` of the git repository at
/// `path` (read from the object database; the work tree is not looked at). `subdir` is the
/// project's folder inside. Raises `ReadError` only when the project cannot be read at all;
/// broken files are listed in `Inspection.errors`.
#[pyfunction]
#[pyo3(signature = (path, rev = None, subdir = None))]
pub fn inspect(
    py: Python<'_>,
    path: PathBuf,
    rev: Option<String>,
    subdir: Option<String>,
) -> PyResult<Inspection> {
    let read = py.detach(move || -> Result<Result<Project, _>, String> {
        let source: Box<dyn ProjectSource> = match rev {
            Some(rev) => {
                let mut git = GitTreeSource::open(&path, &rev).map_err(|e| e.to_string())?;
                if let Some(sub) = &subdir {
                    git = git.with_subdir(sub);
                }
                Box::new(git)
            }
            None => {
                let dir = match &subdir {
                    Some(sub) => path.join(sub),
                    None => path,
                };
                if !dir.is_dir() {
                    return Err(format!("{}: no such folder", dir.display()));
                }
                Box::new(FolderSource::new(dir))
            }
        };
        Ok(Reader::default().read(source.as_ref()))
    });
    match read {
        Err(message) => Err(read_error_at("io", "", 1, 1, "", &message)),
        Ok(Err(e)) => Err(project_read_error(&e)),
        Ok(Ok(project)) => Ok(Inspection { project }),
    }
}

/// What `init` created: the project folder `dir`, the `files` written, and with git the first
/// `commit` and its `branch`.
#[pyclass(module = "interop_sync", frozen, get_all)]
pub struct InitReport {
    /// The project folder.
    pub dir: PathBuf,
    /// Every file written, relative to the folder, sorted.
    pub files: Vec<String>,
    /// The first commit (hex), when git was initialised.
    pub commit: Option<String>,
    /// The branch holding it.
    pub branch: Option<String>,
}

impl From<RustInitReport> for InitReport {
    fn from(r: RustInitReport) -> Self {
        InitReport {
            dir: r.dir,
            files: r.files,
            commit: r.commit,
            branch: r.branch,
        }
    }
}

#[pymethods]
impl InitReport {
    fn __repr__(&self) -> String {
        format!(
            "InitReport({}: {} files{})",
            self.dir.display(),
            self.files.len(),
            match (&self.commit, &self.branch) {
                (Some(c), Some(b)) => format!(", committed {} on {b}", &c[..c.len().min(12)]),
                _ => String::new(),
            }
        )
    }
}

/// Creates a new dbt project in `path` (which must not exist or be empty) for a customer who
/// has none: a complete scaffold that `dbt parse` accepts, with git initialised and the files
/// as the first commit on `main` (unless `git=False`). `name` defaults to the folder's name;
/// `adapter` is one of duckdb, postgres, snowflake, bigquery.
#[pyfunction]
#[pyo3(signature = (path, name = None, *, adapter = "duckdb", git = true))]
pub fn init(
    py: Python<'_>,
    path: PathBuf,
    name: Option<String>,
    adapter: &str,
    git: bool,
) -> PyResult<InitReport> {
    let name = match name {
        Some(name) => {
            validate_name(&name).map_err(|e| input_error("name", &e.to_string()))?;
            name
        }
        None => project_name_from(&folder_name(&path)),
    };
    let adapter: Adapter =
        adapter
            .parse()
            .map_err(|e: interop_sdk::sync::scaffold::ScaffoldError| {
                input_error("adapter", &e.to_string())
            })?;
    let mut options = ScaffoldOptions::new(name);
    options.adapter = adapter;
    options.with_git = git;
    py.detach(move || init_project(&path, &options))
        .map(InitReport::from)
        .map_err(|e| interop_error(e.to_string()))
}

fn folder_name(dir: &Path) -> String {
    let resolved = dir
        .canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf());
    resolved
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The YAML node at a path of keys and indexes (`objects[2].kind`), and the deepest node
/// found on the way.
fn node_at<'a>(root: &'a yaml::Node, path: &str) -> &'a yaml::Node {
    let mut node = root;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            match node.get(key) {
                Some(n) => node = n,
                None => return node,
            }
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.trim_end_matches(']').parse().unwrap_or(usize::MAX);
            match node.as_seq().and_then(|s| s.get(i)) {
                Some(n) => node = n,
                None => return node,
            }
        }
    }
    node
}

/// Reads a state file (YAML or JSON: `objects:` a list of `{id, kind, name, value, file?}`,
/// the schema `interop plan --state` takes) into `Desired` objects. Every problem raises
/// `ReadError` with the file, line, column and YAML path.
#[pyfunction]
pub fn load_desired(py: Python<'_>, path: PathBuf) -> PyResult<Vec<Desired>> {
    let file = path.display().to_string();
    let text = py
        .detach(|| std::fs::read_to_string(&path))
        .map_err(|e| read_error_at("io", &file, 1, 1, "", &e.to_string()))?;
    let root = yaml::parse(&text, &Limits::default())
        .map_err(|e| read_error_at("syntax", &file, e.line, e.column, &e.yaml_path, &e.message))?;
    let Some(root) = root else {
        return Ok(vec![]);
    };
    let fail = |at: &str, kind: &str, message: &str| {
        let node = node_at(&root, at);
        read_error_at(
            kind,
            &file,
            node.line as usize,
            node.column as usize,
            at,
            message,
        )
    };
    let json = root.to_json();
    let objects = match &json {
        Value::Object(map) => {
            if let Some(key) = map.keys().find(|k| *k != "objects") {
                return Err(fail(
                    key,
                    "unknown_key",
                    "unknown key (a state file has objects:)",
                ));
            }
            match map.get("objects") {
                None | Some(Value::Null) => return Ok(vec![]),
                Some(Value::Array(items)) => items.clone(),
                Some(_) => {
                    return Err(fail("objects", "wrong_type", "expected a list of objects"));
                }
            }
        }
        _ => return Err(fail("", "wrong_type", "expected a mapping with objects:")),
    };
    let mut out = Vec::new();
    for (i, item) in objects.iter().enumerate() {
        let at = format!("objects[{i}]");
        match desired_from_json(item, &at) {
            Ok(inner) => out.push(Desired { inner }),
            Err(err) => {
                let where_: String = err
                    .value(py)
                    .getattr("yaml_path")
                    .and_then(|p| p.extract())
                    .unwrap_or_else(|_| at.clone());
                let message = err
                    .value(py)
                    .str()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let message = message
                    .strip_prefix(&format!("{where_}: "))
                    .unwrap_or(&message)
                    .to_string();
                let kind = if message == "missing" {
                    "missing"
                } else if message.starts_with("unknown key") {
                    "unknown_key"
                } else {
                    "wrong_type"
                };
                return Err(fail(&where_, kind, &message));
            }
        }
    }
    Ok(out)
}
