//! The state of one resource as the merge sees it: its YAML entry as JSON (with `name`), plus
//! its SQL under the key `sql` for resources that live in a SQL file, and a docs block's text
//! under `description`.

use serde_json::{Map, Value};

use crate::model::{Resource, ResourceKind};
use crate::read::{Project, ProjectSource, SourceFile};

/// One resource's state: what a sync compares between base, vendor and repo.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResourceState {
    /// The kind.
    pub kind: ResourceKind,
    /// The dbt name.
    pub name: String,
    /// The YAML entry as JSON, `name` first; for SQL-file resources the SQL is under `sql`.
    pub value: Value,
    /// The properties file (or the SQL file) it is declared in, relative to the project root;
    /// `None` lets the writer choose (the repo's convention). A metric inside a model's entry
    /// (dbt 1.12's model-embedded semantic layer) has `<file>#<model>`; a new one written
    /// `#<model>` goes into that model's entry wherever it is declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// Why a state could not be taken from the repo.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct StateError {
    /// The file.
    pub file: String,
    /// What went wrong.
    pub message: String,
}

/// The top-level key of a properties file that declares entries of `kind` (`metrics`,
/// `semantic_models` ...), for kinds that can be added as a YAML entry.
pub fn entry_key(kind: ResourceKind) -> Option<&'static str> {
    Some(match kind {
        ResourceKind::Metric => "metrics",
        ResourceKind::SemanticModel => "semantic_models",
        ResourceKind::SavedQuery => "saved_queries",
        ResourceKind::Exposure => "exposures",
        ResourceKind::Group => "groups",
        ResourceKind::UnitTest => "unit_tests",
        ResourceKind::Selector => "selectors",
        _ => return None,
    })
}

/// Whether a resource of this kind keeps its body in a SQL file.
fn has_sql_file(resource: &Resource) -> bool {
    matches!(
        resource.kind,
        ResourceKind::Model
            | ResourceKind::Analysis
            | ResourceKind::SingularTest
            | ResourceKind::Snapshot
    ) && resource.location.file.ends_with(".sql")
}

/// The model whose entry declares this metric (model-embedded semantic layer).
fn embedded_in(project: &Project, resource: &Resource) -> Option<String> {
    if resource.kind != ResourceKind::Metric || !resource.location.yaml_path.starts_with("models[")
    {
        return None;
    }
    let semantic_model = project.get(resource.parent.as_ref()?.as_str())?;
    let model = project.get(semantic_model.parent.as_ref()?.as_str())?;
    Some(model.name.clone())
}

/// The state of `resource` as read from `source`; with `with_sql`, the SQL of a resource that
/// lives in a SQL file is read too (under `sql`).
pub fn state_of(
    project: &Project,
    source: &dyn ProjectSource,
    resource: &Resource,
    with_sql: bool,
) -> Result<ResourceState, StateError> {
    let mut value = Map::new();
    value.insert("name".into(), Value::String(resource.name.clone()));
    // Text the writer escaped for dbt (`{% raw %}…{% endraw %}`) is compared, and handed to
    // the vendor, as the vendor wrote it; the writer escapes it again on the way out.
    if let Value::Object(entry) = resource.properties.to_json() {
        for (k, v) in entry {
            if k != "name" {
                let v = crate::edit::dbt_rules::unescape_value(&v, Some(&k));
                value.insert(k, v);
            }
        }
    }
    // A docs block's text is its description (without the block's own first and last line
    // breaks, which an edit keeps).
    if resource.kind == ResourceKind::Doc
        && let Some(body) = &resource.description
    {
        value.insert(
            "description".into(),
            Value::String(body.trim_matches('\n').to_string()),
        );
    }
    if with_sql && has_sql_file(resource) {
        let file = SourceFile {
            path: resource.location.file.to_string(),
            oid: None,
            size: None,
        };
        let bytes = source.read(&file).map_err(|e| StateError {
            file: resource.location.file.to_string(),
            message: e.to_string(),
        })?;
        let sql = String::from_utf8(bytes).map_err(|_| StateError {
            file: resource.location.file.to_string(),
            message: "not UTF-8".into(),
        })?;
        value.insert("sql".into(), Value::String(sql));
    }
    let file = resource
        .properties_location
        .as_ref()
        .map(|l| l.file.to_string())
        .or_else(|| Some(resource.location.file.to_string()));
    let file = match embedded_in(project, resource) {
        Some(model) => file.map(|f| format!("{f}#{model}")),
        None => file,
    };
    Ok(ResourceState {
        kind: resource.kind,
        name: resource.name.clone(),
        value: Value::Object(value),
        file,
    })
}
