//! Reads `dbt_project.yml` into a [`DbtProject`].

use super::error::{ReadError, ReadErrorKind};
use super::yaml::Node;
use crate::model::{DbtProject, Location, ProjectPaths};

/// Keys `dbt_project.yml` may hold (dbt-core 1.12). Anything else is reported.
const PROJECT_KEYS: &[&str] = &[
    "name",
    "version",
    "config-version",
    "profile",
    "model-paths",
    "analysis-paths",
    "test-paths",
    "seed-paths",
    "macro-paths",
    "snapshot-paths",
    "docs-paths",
    "function-paths",
    "asset-paths",
    "osi-paths",
    "packages-install-path",
    "clean-targets",
    "target-path",
    "log-path",
    "source-paths",
    "data-paths",
    "quoting",
    "on-run-start",
    "on-run-end",
    "require-dbt-version",
    "dispatch",
    "restrict-access",
    "query-comment",
    "vars",
    "flags",
    "dbt-cloud",
    "models",
    "seeds",
    "snapshots",
    "sources",
    "data_tests",
    "tests",
    "unit_tests",
    "analyses",
    "exposures",
    "metrics",
    "semantic-models",
    "saved-queries",
    "functions",
];

/// The reserved words dbt refuses as a project name.
const RESERVED_NAMES: &[&str] = &[
    "ref", "source", "config", "var", "env_var", "this", "model", "target", "adapter", "dbt",
];

pub(crate) fn read_project(
    file: &str,
    root: Option<&Node>,
    len: usize,
) -> Result<(DbtProject, Vec<ReadError>), ReadError> {
    let err = |node: &Node, path: &str, kind: ReadErrorKind, message: String| ReadError {
        kind,
        file: file.to_string(),
        line: node.line as usize,
        column: node.column as usize,
        yaml_path: path.to_string(),
        message,
    };
    let Some(root) = root.filter(|r| r.as_map().is_some()) else {
        return Err(ReadError::file(
            ReadErrorKind::WrongType,
            file,
            "dbt_project.yml must be a mapping",
        ));
    };
    let mut warnings = Vec::new();
    for (key, _) in root.as_map().unwrap_or_default() {
        let name = key.as_str().unwrap_or_default();
        if !PROJECT_KEYS.contains(&name) {
            warnings.push(err(
                key,
                name,
                ReadErrorKind::UnknownKey,
                format!("unknown key '{name}' in dbt_project.yml"),
            ));
        }
    }
    let name_node = root.get("name").ok_or_else(|| {
        ReadError::file(
            ReadErrorKind::Missing,
            file,
            "dbt_project.yml has no 'name'",
        )
    })?;
    let name = name_node.as_text().ok_or_else(|| {
        err(
            name_node,
            "name",
            ReadErrorKind::WrongType,
            "'name' must be a string".into(),
        )
    })?;
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !valid || RESERVED_NAMES.contains(&name.as_str()) {
        return Err(err(
            name_node,
            "name",
            ReadErrorKind::WrongType,
            format!(
                "'{name}' is not a valid project name (letters, digits and _, not a reserved word)"
            ),
        ));
    }

    let mut paths = ProjectPaths::default();
    let list = |key: &str, target: &mut Vec<String>, warnings: &mut Vec<ReadError>| {
        if let Some(node) = root.get(key) {
            match string_list(node) {
                Some(v) => {
                    *target = v
                        .into_iter()
                        .map(|p| p.trim_end_matches('/').to_string())
                        .collect()
                }
                None => warnings.push(err(
                    node,
                    key,
                    ReadErrorKind::WrongType,
                    format!("'{key}' must be a list of folders"),
                )),
            }
        }
    };
    list("model-paths", &mut paths.model, &mut warnings);
    list("analysis-paths", &mut paths.analysis, &mut warnings);
    list("test-paths", &mut paths.test, &mut warnings);
    list("seed-paths", &mut paths.seed, &mut warnings);
    list("macro-paths", &mut paths.macros, &mut warnings);
    list("snapshot-paths", &mut paths.snapshot, &mut warnings);
    list("function-paths", &mut paths.function, &mut warnings);
    if root.get("docs-paths").is_some() {
        let mut docs = Vec::new();
        list("docs-paths", &mut docs, &mut warnings);
        paths.docs = Some(docs);
    }
    // Paths dbt 1.x still honours under their old names.
    if root.get("model-paths").is_none() {
        list("source-paths", &mut paths.model, &mut warnings);
    }
    if root.get("seed-paths").is_none() {
        list("data-paths", &mut paths.seed, &mut warnings);
    }

    let hooks = |key: &str| root.get(key).and_then(string_list).unwrap_or_default();
    let project = DbtProject {
        profile: root.get("profile").and_then(Node::as_text),
        version: root.get("version").and_then(Node::as_text),
        require_dbt_version: root
            .get("require-dbt-version")
            .and_then(string_list)
            .unwrap_or_default(),
        paths,
        vars: root
            .get("vars")
            .map(Node::to_json)
            .unwrap_or(serde_json::Value::Null),
        flags: root
            .get("flags")
            .map(Node::to_json)
            .unwrap_or(serde_json::Value::Null),
        on_run_start: hooks("on-run-start"),
        on_run_end: hooks("on-run-end"),
        raw: root.to_json(),
        location: Location::whole_file(file, len),
        name,
    };
    Ok((project, warnings))
}

/// A string or a list of strings.
pub(crate) fn string_list(node: &Node) -> Option<Vec<String>> {
    if let Some(items) = node.as_seq() {
        return items.iter().map(Node::as_text).collect();
    }
    if node.is_null() {
        return Some(Vec::new());
    }
    node.as_text().map(|s| vec![s])
}
