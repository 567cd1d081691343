//! The exception hierarchy: `InteropError` and its subclasses, each carrying the facts of its
//! Rust error as attributes (a `ReadError` has `file`, `line`, `column`, `yaml_path`).

use interop_sdk::sync::git::GitError as RustGitError;
use interop_sdk::sync::read::{ProjectReadError, ReadError as RustReadError};
use interop_sdk::{ConflictReport, ScopeError as RustScopeError, SessionError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::type_object::PyTypeInfo;

create_exception!(
    interop_sync,
    InteropError,
    PyException,
    "Base class of every error raised by interop_sync."
);
create_exception!(
    interop_sync,
    ReadError,
    InteropError,
    "A file could not be read: `kind`, `file`, `line`, `column` (1-based), `yaml_path` \
     (`models[0].columns[1]`, empty outside YAML) and `message` say what and where."
);
create_exception!(
    interop_sync,
    InputError,
    InteropError,
    "A value given from Python is not what the call takes: `yaml_path` says where inside it \
     (`[2].value.columns[0]`, empty for the whole value)."
);
create_exception!(
    interop_sync,
    ConflictError,
    InteropError,
    "A sync has conflicts a person must resolve: `conflicts` lists them (`Conflict` objects)."
);
create_exception!(
    interop_sync,
    ScopeError,
    InteropError,
    "A desired object reaches outside the session's scope: `object` is its id, `what` what \
     it tried to write."
);
create_exception!(
    interop_sync,
    RepoMovedError,
    InteropError,
    "A ref moved between the read and the write (another sync got there first); nothing was \
     written: plan again and retry. `reference`, `expected`, `actual` say which and where."
);
create_exception!(
    interop_sync,
    GitError,
    InteropError,
    "A git operation failed: `kind` is one of push_rejected, auth, unknown_revision, \
     refused_ref, invalid_path, stopped, io, git."
);

/// An exception of type `T` with `message` and the given attributes.
fn raise<T: PyTypeInfo>(message: String, attrs: Vec<(&'static str, Py<PyAny>)>) -> PyErr {
    Python::attach(|py| {
        let err = PyErr::new::<T, _>(message);
        let value = err.value(py);
        for (name, attr) in attrs {
            // Setting an attribute on a fresh exception instance cannot fail.
            let _ = value.setattr(name, attr);
        }
        err
    })
}

fn text(py: Python<'_>, s: &str) -> Py<PyAny> {
    pyo3::types::PyString::new(py, s).into_any().unbind()
}

fn number(py: Python<'_>, n: usize) -> Py<PyAny> {
    match n.into_pyobject(py) {
        Ok(v) => v.into_any().unbind(),
        Err(never) => match never {},
    }
}

/// An `InteropError` with `message`.
pub fn interop_error(message: String) -> PyErr {
    PyErr::new::<InteropError, _>(message)
}

/// An `InputError` about the value at `yaml_path`.
pub fn input_error(yaml_path: &str, message: &str) -> PyErr {
    let full = if yaml_path.is_empty() {
        message.to_string()
    } else {
        format!("{yaml_path}: {message}")
    };
    Python::attach(|py| raise::<InputError>(full, vec![("yaml_path", text(py, yaml_path))]))
}

/// A `ReadError` instance for one read problem (raised or listed).
pub fn read_error(e: &RustReadError) -> PyErr {
    let kind = serde_json::to_value(e.kind)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    Python::attach(|py| {
        raise::<ReadError>(
            e.to_string(),
            vec![
                ("kind", text(py, &kind)),
                ("file", text(py, &e.file)),
                ("line", number(py, e.line)),
                ("column", number(py, e.column)),
                ("yaml_path", text(py, &e.yaml_path)),
                ("message", text(py, &e.message)),
            ],
        )
    })
}

/// A `ReadError` about a place given by parts (a state file, a project that cannot be read).
pub fn read_error_at(
    kind: &str,
    file: &str,
    line: usize,
    column: usize,
    yaml_path: &str,
    message: &str,
) -> PyErr {
    let prefix = if yaml_path.is_empty() {
        String::new()
    } else {
        format!("{yaml_path}: ")
    };
    Python::attach(|py| {
        raise::<ReadError>(
            format!("{file}:{line}:{column}: {prefix}{message}"),
            vec![
                ("kind", text(py, kind)),
                ("file", text(py, file)),
                ("line", number(py, line)),
                ("column", number(py, column)),
                ("yaml_path", text(py, yaml_path)),
                ("message", text(py, message)),
            ],
        )
    })
}

/// The `ReadError` of a project that cannot be read at all.
pub fn project_read_error(e: &ProjectReadError) -> PyErr {
    match e {
        ProjectReadError::Project(read) => read_error(read),
        ProjectReadError::Source(source) => read_error_at("io", "", 1, 1, "", &source.to_string()),
        ProjectReadError::TooManyFiles { .. } => {
            read_error_at("limit", "", 1, 1, "", &e.to_string())
        }
    }
}

/// A `ScopeError`.
pub fn scope_error(e: &RustScopeError) -> PyErr {
    Python::attach(|py| {
        raise::<ScopeError>(
            e.to_string(),
            vec![("object", text(py, &e.object)), ("what", text(py, &e.what))],
        )
    })
}

/// The exception for a git error: `RepoMovedError` for a moved ref, else `GitError`.
pub fn git_error(e: &RustGitError) -> PyErr {
    Python::attach(|py| {
        let message = e.to_string();
        let (kind, reference) = match e {
            RustGitError::RepoMoved {
                reference,
                expected,
                actual,
            } => {
                return raise::<RepoMovedError>(
                    message,
                    vec![
                        ("reference", text(py, reference)),
                        ("expected", text(py, expected)),
                        ("actual", text(py, actual)),
                    ],
                );
            }
            RustGitError::PushRejected { reference, .. } => ("push_rejected", reference.clone()),
            RustGitError::Auth { .. } => ("auth", String::new()),
            RustGitError::UnknownRevision(rev) => ("unknown_revision", rev.clone()),
            RustGitError::RefusedRef { reference, .. } => ("refused_ref", reference.clone()),
            RustGitError::InvalidPath(_) => ("invalid_path", String::new()),
            RustGitError::Stopped { .. } => ("stopped", String::new()),
            RustGitError::Io { .. } => ("io", String::new()),
            RustGitError::Git { .. } => ("git", String::new()),
        };
        raise::<GitError>(
            message,
            vec![
                ("kind", text(py, kind)),
                ("reference", text(py, &reference)),
            ],
        )
    })
}

/// The Python exception for a session error.
pub fn session_error(e: SessionError) -> PyErr {
    match &e {
        SessionError::Scope(s) => scope_error(s),
        SessionError::Git(g) => git_error(g),
        SessionError::Project(p) => project_read_error(p),
        // The first unreadable file, located; the sync wrote nothing.
        SessionError::Unreadable(errors) => match errors.first() {
            Some(first) => read_error(first),
            None => interop_error(e.to_string()),
        },
        SessionError::Input(message) => input_error("", message),
        SessionError::Read(_) | SessionError::State(_) => interop_error(e.to_string()),
    }
}

/// A `ConflictError` listing `conflicts`.
pub fn conflict_error(py: Python<'_>, conflicts: &[ConflictReport]) -> PyResult<PyErr> {
    let list = pyo3::types::PyList::empty(py);
    for c in conflicts {
        list.append(Py::new(py, crate::objects::Conflict::from(c.clone()))?)?;
    }
    let lines: Vec<String> = conflicts
        .iter()
        .map(|c| format!("{} ({}) {}", c.id, c.unique_id, c.conflict.path))
        .collect();
    Ok(raise::<ConflictError>(
        format!(
            "{} conflict(s) to resolve: {}",
            conflicts.len(),
            lines.join("; ")
        ),
        vec![("conflicts", list.into_any().unbind())],
    ))
}

/// Registers the exception classes in the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("InteropError", py.get_type::<InteropError>())?;
    m.add("ReadError", py.get_type::<ReadError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add("ScopeError", py.get_type::<ScopeError>())?;
    m.add("RepoMovedError", py.get_type::<RepoMovedError>())?;
    m.add("GitError", py.get_type::<GitError>())?;
    Ok(())
}
