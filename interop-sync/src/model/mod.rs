//! The resource model: what a dbt project declares, as typed values that know where they came
//! from (file, byte span, line, column, YAML path) and dbt's own `unique_id` for each of them.

mod kind;
mod project;
mod properties;
pub mod test_name;

use std::sync::Arc;

use serde::Serialize;

pub use kind::ResourceKind;
pub use project::{DbtProject, ProjectPaths};
pub use properties::Properties;

/// dbt's `unique_id` of a resource, e.g. `model.jaffle.orders` or
/// `test.jaffle.unique_orders_order_id.fe1a2b3c4d`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ResourceId(pub String);

impl ResourceId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Resource {
    /// A resource with the given identity and location and nothing else known yet.
    pub fn new(
        kind: ResourceKind,
        package: &str,
        name: &str,
        unique_id: String,
        location: Location,
    ) -> Self {
        Resource {
            unique_id: ResourceId(unique_id),
            kind,
            package: package.to_string(),
            name: name.to_string(),
            version: None,
            location,
            properties_location: None,
            description: None,
            enabled: true,
            properties: Properties::default(),
            references: Vec::new(),
            sql_config: SqlConfig::default(),
            vars: Vec::new(),
            uncertain: None,
            columns: Vec::new(),
            parent: None,
        }
    }
}

impl std::fmt::Display for ResourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a resource or a value was declared.
///
/// `line` and `column` are 1-based, `span` is a byte range into the file, and `yaml_path` is the
/// path inside a YAML file in the form `models[3].columns[1].data_tests[0]` (empty for resources
/// declared by a whole file, such as a model's SQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file, relative to the project root, with `/` separators (shared by every location in
    /// the file).
    pub file: Arc<str>,
    /// 1-based line of the first byte.
    pub line: usize,
    /// 1-based column of the first byte.
    pub column: usize,
    /// Byte range in the file.
    pub span: std::ops::Range<usize>,
    /// YAML path of the node, empty for whole files.
    pub yaml_path: String,
}

impl Location {
    /// A location covering a whole file.
    pub fn whole_file(file: &str, len: usize) -> Self {
        Location {
            file: Arc::from(file),
            line: 1,
            column: 1,
            span: 0..len,
            yaml_path: String::new(),
        }
    }
}

/// A reference from one resource to another, as written (`ref()`, `source()`, `doc()` ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reference {
    /// `ref('name')`, `ref('package', 'name')`, `ref('name', v=2)`.
    Ref {
        /// Package or project named as the first argument of a two-argument ref.
        package: Option<String>,
        /// The model (or seed, snapshot) name.
        name: String,
        /// `v=` / `version=` when given.
        version: Option<String>,
    },
    /// `source('source', 'table')`.
    Source {
        /// The source name.
        source: String,
        /// The table name.
        table: String,
    },
    /// `doc('name')` or `doc('package', 'name')` in a description.
    Doc {
        /// The package when given.
        package: Option<String>,
        /// The docs block name.
        name: String,
    },
    /// `metric('name')` in an exposure's `depends_on`.
    Metric {
        /// The metric name.
        name: String,
    },
}

/// One resource a dbt project declares.
///
/// `properties` keeps every key the file wrote for the resource, modelled by Interop or not,
/// with string values exactly as written (descriptions keep `{{ doc('x') }}` as text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    /// dbt's unique id.
    pub unique_id: ResourceId,
    /// What kind of resource this is.
    pub kind: ResourceKind,
    /// The package (project name) that defines it.
    pub package: String,
    /// The resource's name (for a versioned model, the model name without the version).
    pub name: String,
    /// The model version, for versioned models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where the main declaration is: the SQL or Python file for models, the YAML entry for
    /// YAML-only resources.
    pub location: Location,
    /// The properties-YAML entry that describes a file-based resource (a model's `models:`
    /// entry), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties_location: Option<Box<Location>>,
    /// The resource's description, raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether dbt would treat the resource as enabled.
    pub enabled: bool,
    /// Every key of the YAML entry (or the merged `config()` of a SQL file), as JSON.
    pub properties: Properties,
    /// References found in SQL, in `depends_on` lists and in descriptions.
    pub references: Vec<Reference>,
    /// Keyword arguments of `{{ config(...) }}` in the resource's SQL, when literal.
    #[serde(skip_serializing_if = "SqlConfig::is_empty")]
    pub sql_config: SqlConfig,
    /// Names passed to `var()` in the resource's SQL.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vars: Vec<String>,
    /// Set when static extraction of SQL was not certain (Jinja control flow, macro calls with
    /// arguments that are not literals): the references may be incomplete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
    /// Columns declared in properties YAML (models, seeds, snapshots, sources, analyses).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
    /// For resources that belong to another one (a test to its model, a column-less metric to
    /// its semantic model): the parent's unique id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<ResourceId>,
}

/// A column declared in properties YAML.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// The description, raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `data_type` when declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Where the column entry is.
    pub location: Location,
}

/// The literal keyword arguments of `{{ config(...) }}` in a resource's SQL, read as a JSON map
/// (it dereferences to one). Most resources have none and then hold no map at all, which keeps
/// a large project's resources small.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SqlConfig(Option<Box<serde_json::Map<String, serde_json::Value>>>);

impl SqlConfig {
    /// Whether `config()` set nothing.
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|m| m.is_empty())
    }
}

impl std::ops::Deref for SqlConfig {
    type Target = serde_json::Map<String, serde_json::Value>;

    fn deref(&self) -> &Self::Target {
        static EMPTY: std::sync::OnceLock<serde_json::Map<String, serde_json::Value>> =
            std::sync::OnceLock::new();
        self.0
            .as_deref()
            .unwrap_or_else(|| EMPTY.get_or_init(serde_json::Map::new))
    }
}

impl From<serde_json::Map<String, serde_json::Value>> for SqlConfig {
    fn from(map: serde_json::Map<String, serde_json::Value>) -> Self {
        SqlConfig((!map.is_empty()).then(|| Box::new(map)))
    }
}

impl Serialize for SqlConfig {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}
