//! Read errors: every one names the file, line, column and YAML path of what is wrong.

use serde::Serialize;

/// What kind of problem a [`ReadError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReadErrorKind {
    /// The file could not be read, or the project has no `dbt_project.yml`.
    Io,
    /// Not UTF-8.
    Encoding,
    /// A limit was exceeded (file size, nesting, alias expansion, file count).
    Limit,
    /// YAML syntax, a duplicate key, more than one document.
    Syntax,
    /// A key holds the wrong type (a string where a list is needed ...).
    WrongType,
    /// A required key is missing.
    Missing,
    /// A key dbt does not know (dbt would warn or fail).
    UnknownKey,
    /// Jinja that cannot be read (an unclosed block).
    Jinja,
    /// Two resources with the same unique id.
    Duplicate,
    /// A reference to something that does not exist (a `doc()` with no docs block ...).
    Reference,
}

/// A problem in one file. Reading goes on: the rest of the project is still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}:{line}:{column}: {path_prefix}{message}", path_prefix = path_prefix(yaml_path))]
pub struct ReadError {
    /// The kind of problem.
    pub kind: ReadErrorKind,
    /// The file, relative to the project root.
    pub file: String,
    /// 1-based line (1 when the whole file is concerned).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// YAML path such as `models[3].columns[1].data_tests[0]`, empty when not in YAML.
    pub yaml_path: String,
    /// What is wrong and, where it helps, what to write instead.
    pub message: String,
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl ReadError {
    /// An error about a whole file.
    pub fn file(kind: ReadErrorKind, file: &str, message: impl Into<String>) -> Self {
        ReadError {
            kind,
            file: file.to_string(),
            line: 1,
            column: 1,
            yaml_path: String::new(),
            message: message.into(),
        }
    }
}
