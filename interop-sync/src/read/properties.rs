//! Properties YAML: walks one file's top-level keys and turns each entry into a resource, a patch
//! for a file-based resource (a model's `models:` entry), or a pending generic test.

use super::error::{ReadError, ReadErrorKind};
use super::yaml::Node;
use std::sync::Arc;

use crate::model::{Column, Location, Properties, Reference, Resource, ResourceKind};

/// Top-level keys a properties file may hold (dbt-core 1.12).
/// The project's YAML selectors file, at the project root.
pub const SELECTORS_FILE: &str = "selectors.yml";

const TOP_LEVEL_KEYS: &[&str] = &[
    "version",
    "models",
    "sources",
    "seeds",
    "snapshots",
    "analyses",
    "macros",
    "exposures",
    "groups",
    "unit_tests",
    "data_tests",
    "tests",
    "metrics",
    "semantic_models",
    "saved_queries",
    "functions",
    "anchors",
];

/// An entry that describes a resource declared by another file.
#[derive(Debug)]
pub(crate) struct Patch<'a> {
    pub root: Arc<Node>,
    pub kind: ResourceKind,
    pub name: String,
    pub node: &'a Node,
    pub location: Location,
    /// The entry's columns, read with the file (in parallel with other files); empty for a
    /// versioned model, whose columns depend on its versions.
    pub columns: Vec<Column>,
    /// Problems in those columns, reported only if the entry finds its resource.
    pub column_errors: Vec<ReadError>,
}

/// What a generic test is attached to, before versions are known.
#[derive(Debug, Clone)]
pub(crate) enum PendingTarget {
    /// A model, seed, snapshot (by name); for models, `version` is set when the test comes from
    /// a `versions:` entry.
    Node {
        kind: ResourceKind,
        name: String,
        version: Option<String>,
    },
    /// A source table.
    Source { source: String, table: String },
}

/// A generic test entry waiting for its target's unique id.
#[derive(Debug)]
pub(crate) struct PendingTest<'a> {
    pub root: Arc<Node>,
    pub target: Arc<PendingTarget>,
    pub column: Option<Arc<str>>,
    pub entry: &'a Node,
    pub location: Location,
    pub fqn_dirs: Arc<[String]>,
}

/// Everything one properties file declares.
#[derive(Debug, Default)]
pub(crate) struct FileDeclarations<'a> {
    pub resources: Vec<Resource>,
    pub patches: Vec<Patch<'a>>,
    pub tests: Vec<PendingTest<'a>>,
    pub errors: Vec<ReadError>,
}

pub(crate) struct PropertiesFile<'a> {
    /// The file's root, shared with the reader's cache, for [`Properties`] handles.
    pub root: Arc<Node>,
    pub package: &'a str,
    pub file: &'a str,
    /// `file`, shared by every [`Location`] made in it.
    pub shared_file: Arc<str>,
    pub fqn_dirs: Arc<[String]>,
    pub out: FileDeclarations<'a>,
}

impl<'a> PropertiesFile<'a> {
    pub fn location(&self, node: &Node, yaml_path: &str) -> Location {
        Location {
            file: Arc::clone(&self.shared_file),
            line: node.line as usize,
            column: node.column as usize,
            span: node.start()..node.end(),
            yaml_path: yaml_path.to_string(),
        }
    }

    pub fn error(
        &mut self,
        node: &Node,
        yaml_path: &str,
        kind: ReadErrorKind,
        message: impl Into<String>,
    ) {
        self.out.errors.push(ReadError {
            kind,
            file: self.file.to_string(),
            line: node.line as usize,
            column: node.column as usize,
            yaml_path: yaml_path.to_string(),
            message: message.into(),
        });
    }

    /// Reads every top-level key of the file.
    pub fn read(&mut self, root: &'a Node) {
        let Some(entries) = root.as_map() else {
            if !root.is_null() {
                self.error(
                    root,
                    "",
                    ReadErrorKind::WrongType,
                    format!(
                        "a properties file must be a mapping, not {}",
                        root.type_name()
                    ),
                );
            }
            return;
        };
        let selectors_file = self.file == SELECTORS_FILE;
        for (key, value) in entries {
            let Some(name) = key.as_str() else { continue };
            // The project's `selectors.yml` holds selectors (and a version) only; dbt reads
            // nothing else there.
            if selectors_file && !matches!(name, "selectors" | "version") {
                continue;
            }
            let known = TOP_LEVEL_KEYS.contains(&name) || (selectors_file && name == "selectors");
            if !known {
                self.error(
                    key,
                    name,
                    ReadErrorKind::UnknownKey,
                    format!(
                        "unknown top-level key '{name}' (dbt reads: {})",
                        TOP_LEVEL_KEYS.join(", ")
                    ),
                );
                continue;
            }
            if name == "version" {
                if value.as_text().as_deref() != Some("2") {
                    self.error(value, name, ReadErrorKind::WrongType, "'version' must be 2");
                }
                continue;
            }
            if name == "anchors" || value.is_null() {
                continue;
            }
            let Some(items) = value.as_seq() else {
                self.error(
                    value,
                    name,
                    ReadErrorKind::WrongType,
                    format!("'{name}' must be a list, not {}", value.type_name()),
                );
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                let path = format!("{name}[{i}]");
                if item.as_map().is_none() {
                    self.error(
                        item,
                        &path,
                        ReadErrorKind::WrongType,
                        format!(
                            "each entry of '{name}' must be a mapping, not {}",
                            item.type_name()
                        ),
                    );
                    continue;
                }
                let Some(entry_name) = self.required_name(item, &path) else {
                    continue;
                };
                match name {
                    "models" => self.model(item, &path, entry_name),
                    "seeds" => self.file_patch(ResourceKind::Seed, item, &path, entry_name, true),
                    "snapshots" => self.snapshot(item, &path, entry_name),
                    "analyses" => {
                        self.file_patch(ResourceKind::Analysis, item, &path, entry_name, false)
                    }
                    "macros" => {
                        self.file_patch(ResourceKind::Macro, item, &path, entry_name, false)
                    }
                    "functions" => {
                        self.file_patch(ResourceKind::Function, item, &path, entry_name, false)
                    }
                    "data_tests" | "tests" => {
                        self.file_patch(ResourceKind::SingularTest, item, &path, entry_name, false)
                    }
                    "sources" => self.source(item, &path, &entry_name),
                    "exposures" => self.simple(ResourceKind::Exposure, item, &path, &entry_name),
                    "groups" => self.simple(ResourceKind::Group, item, &path, &entry_name),
                    "metrics" => self.simple(ResourceKind::Metric, item, &path, &entry_name),
                    "saved_queries" => {
                        self.simple(ResourceKind::SavedQuery, item, &path, &entry_name)
                    }
                    "semantic_models" => self.semantic_model(item, &path, &entry_name),
                    "unit_tests" => self.unit_test(item, &path, &entry_name),
                    "selectors" => self.simple(ResourceKind::Selector, item, &path, &entry_name),
                    _ => {}
                }
            }
        }
    }

    fn required_name(&mut self, item: &Node, path: &str) -> Option<String> {
        match item.get("name") {
            Some(n) => match n.as_text() {
                Some(s) if !s.is_empty() => Some(s),
                _ => {
                    self.error(
                        n,
                        &format!("{path}.name"),
                        ReadErrorKind::WrongType,
                        format!("'name' must be a non-empty string, not {}", n.type_name()),
                    );
                    None
                }
            },
            None => {
                self.error(item, path, ReadErrorKind::Missing, "entry has no 'name'");
                None
            }
        }
    }

    /// A resource declared entirely by its YAML entry.
    fn yaml_resource(
        &self,
        kind: ResourceKind,
        item: &Node,
        path: &str,
        name: &str,
        unique_id: String,
    ) -> Resource {
        let mut r = Resource::new(
            kind,
            self.package,
            name,
            unique_id,
            self.location(item, path),
        );
        r.properties = Properties::at(&self.root, path);
        r.description = item.get("description").and_then(Node::as_text);
        r.enabled = enabled_in(item).unwrap_or(true);
        r
    }

    fn simple(&mut self, kind: ResourceKind, item: &'a Node, path: &str, name: &str) {
        let id = format!("{}.{}.{name}", kind.id_prefix(), self.package);
        let mut r = self.yaml_resource(kind, item, path, name, id);
        if let Some(deps) = item.get("depends_on").and_then(Node::as_seq) {
            for dep in deps {
                if let Some(text) = dep.as_str()
                    && let Some(reference) = parse_depends_on(text)
                {
                    r.references.push(reference);
                }
            }
        }
        self.out.resources.push(r);
    }

    fn semantic_model(&mut self, item: &'a Node, path: &str, name: &str) {
        self.simple(ResourceKind::SemanticModel, item, path, name);
        // `create_metric: true` on a measure also declares a simple metric of the same name.
        let Some(measures) = item.get("measures").and_then(Node::as_seq) else {
            return;
        };
        for (i, measure) in measures.iter().enumerate() {
            let creates = measure.get("create_metric").map(Node::to_json)
                == Some(serde_json::Value::Bool(true));
            if let (true, Some(mname)) = (creates, measure.get("name").and_then(Node::as_text)) {
                let mpath = format!("{path}.measures[{i}]");
                let id = format!("metric.{}.{mname}", self.package);
                let mut r = self.yaml_resource(ResourceKind::Metric, measure, &mpath, &mname, id);
                r.parent = Some(crate::model::ResourceId(format!(
                    "semantic_model.{}.{name}",
                    self.package
                )));
                self.out.resources.push(r);
            }
        }
    }

    fn unit_test(&mut self, item: &'a Node, path: &str, name: &str) {
        let Some(model) = item.get("model").and_then(Node::as_text) else {
            self.error(
                item,
                path,
                ReadErrorKind::Missing,
                "unit test has no 'model'",
            );
            return;
        };
        let id = format!("unit_test.{}.{model}.{name}", self.package);
        let mut r = self.yaml_resource(ResourceKind::UnitTest, item, path, name, id);
        r.references.push(Reference::Ref {
            package: None,
            name: model,
            version: None,
        });
        self.out.resources.push(r);
    }

    fn file_patch(
        &mut self,
        kind: ResourceKind,
        item: &'a Node,
        path: &str,
        name: String,
        tests: bool,
    ) {
        self.push_patch(kind, item, path, name.clone());
        if tests {
            let target = PendingTarget::Node {
                kind,
                name,
                version: None,
            };
            self.node_tests(item, path, &target);
            self.column_tests(item, path, &target);
        }
    }

    fn model(&mut self, item: &'a Node, path: &str, name: String) {
        self.push_patch(ResourceKind::Model, item, path, name.clone());
        // Tests of versioned models are declared per version by the assembler, which knows the
        // versions; here only unversioned models get theirs.
        if item.get("versions").is_none() {
            let target = PendingTarget::Node {
                kind: ResourceKind::Model,
                name,
                version: None,
            };
            self.node_tests(item, path, &target);
            self.column_tests(item, path, &target);
        }
    }

    fn snapshot(&mut self, item: &'a Node, path: &str, name: String) {
        if item.get("relation").is_some() {
            let id = format!("snapshot.{}.{name}", self.package);
            let mut r = self.yaml_resource(ResourceKind::Snapshot, item, path, &name, id);
            r.columns = self.columns(item, path);
            if let Some(rel) = item.get("relation").and_then(Node::as_str)
                && let Some(reference) = parse_depends_on(rel)
            {
                r.references.push(reference);
            }
            self.out.resources.push(r);
            let target = PendingTarget::Node {
                kind: ResourceKind::Snapshot,
                name,
                version: None,
            };
            self.node_tests(item, path, &target);
            self.column_tests(item, path, &target);
        } else {
            self.file_patch(ResourceKind::Snapshot, item, path, name, true);
        }
    }

    fn source(&mut self, item: &'a Node, path: &str, source_name: &str) {
        let Some(tables) = item.get("tables") else {
            return;
        };
        let Some(tables) = tables.as_seq() else {
            self.error(
                tables,
                &format!("{path}.tables"),
                ReadErrorKind::WrongType,
                "'tables' must be a list",
            );
            return;
        };
        let source_enabled = enabled_in(item);
        for (i, table) in tables.iter().enumerate() {
            let tpath = format!("{path}.tables[{i}]");
            if table.as_map().is_none() {
                self.error(
                    table,
                    &tpath,
                    ReadErrorKind::WrongType,
                    "each table must be a mapping",
                );
                continue;
            }
            let Some(table_name) = self.required_name(table, &tpath) else {
                continue;
            };
            let id = format!("source.{}.{source_name}.{table_name}", self.package);
            let mut r = self.yaml_resource(ResourceKind::Source, table, &tpath, &table_name, id);
            r.enabled = enabled_in(table).or(source_enabled).unwrap_or(true);
            r.columns = self.columns(table, &tpath);
            // Properties are the table's own entry; the source's keys are at the parent path
            // (`sources[i]`), and the source's name is in the unique id.
            self.out.resources.push(r);
            let target = PendingTarget::Source {
                source: source_name.to_string(),
                table: table_name,
            };
            self.node_tests(table, &tpath, &target);
            self.column_tests(table, &tpath, &target);
        }
    }

    /// The columns of an entry.
    fn push_patch(&mut self, kind: ResourceKind, item: &'a Node, path: &str, name: String) {
        let versioned =
            kind == ResourceKind::Model && item.get("versions").and_then(Node::as_seq).is_some();
        let errors_before = self.out.errors.len();
        let columns = if versioned {
            Vec::new()
        } else {
            self.columns(item, path)
        };
        let column_errors = self.out.errors.split_off(errors_before);
        self.out.patches.push(Patch {
            root: self.root.clone(),
            kind,
            name,
            node: item,
            location: self.location(item, path),
            columns,
            column_errors,
        });
    }

    pub fn columns(&mut self, item: &Node, path: &str) -> Vec<Column> {
        let Some(columns) = item.get("columns") else {
            return Vec::new();
        };
        let Some(columns) = columns.as_seq() else {
            self.error(
                columns,
                &format!("{path}.columns"),
                ReadErrorKind::WrongType,
                "'columns' must be a list",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, column) in columns.iter().enumerate() {
            let cpath = format!("{path}.columns[{i}]");
            // `include`/`exclude` entries of a version's columns are not columns.
            if column.get("include").is_some() || column.get("exclude").is_some() {
                continue;
            }
            if column.as_map().is_none() {
                self.error(
                    column,
                    &cpath,
                    ReadErrorKind::WrongType,
                    "each column must be a mapping",
                );
                continue;
            }
            let Some(name) = self.required_name(column, &cpath) else {
                continue;
            };
            out.push(Column {
                name,
                description: column.get("description").and_then(Node::as_text),
                data_type: column.get("data_type").and_then(Node::as_text),
                location: self.location(column, &cpath),
            });
        }
        out
    }

    /// The entry's own `data_tests:` (or `tests:`).
    pub fn node_tests(&mut self, item: &'a Node, path: &str, target: &PendingTarget) {
        self.tests_of(item, path, target, None);
    }

    /// The `data_tests:` of every column of the entry.
    pub fn column_tests(&mut self, item: &'a Node, path: &str, target: &PendingTarget) {
        let Some(columns) = item.get("columns").and_then(Node::as_seq) else {
            return;
        };
        for (i, column) in columns.iter().enumerate() {
            if let Some(name) = column.get("name").and_then(Node::as_text) {
                self.tests_of(column, &format!("{path}.columns[{i}]"), target, Some(name));
            }
        }
    }

    fn tests_of(
        &mut self,
        item: &'a Node,
        path: &str,
        target: &PendingTarget,
        column: Option<String>,
    ) {
        let (key, list) = match (item.get("data_tests"), item.get("tests")) {
            (Some(_), Some(t)) => {
                self.error(
                    t,
                    &format!("{path}.tests"),
                    ReadErrorKind::WrongType,
                    "'tests' and 'data_tests' on one entry; keep 'data_tests'",
                );
                return;
            }
            (Some(d), None) => ("data_tests", d),
            (None, Some(t)) => ("tests", t),
            (None, None) => return,
        };
        if list.is_null() {
            return;
        }
        let Some(items) = list.as_seq() else {
            self.error(
                list,
                &format!("{path}.{key}"),
                ReadErrorKind::WrongType,
                format!("'{key}' must be a list, not {}", list.type_name()),
            );
            return;
        };
        let target = Arc::new(target.clone());
        let column: Option<Arc<str>> = column.map(Arc::from);
        for (i, entry) in items.iter().enumerate() {
            let tpath = format!("{path}.{key}[{i}]");
            self.out.tests.push(PendingTest {
                root: self.root.clone(),
                target: target.clone(),
                column: column.clone(),
                entry,
                location: self.location(entry, &tpath),
                fqn_dirs: self.fqn_dirs.clone(),
            });
        }
    }
}

/// `config.enabled` of an entry, when set to a boolean.
pub(crate) fn enabled_in(item: &Node) -> Option<bool> {
    let value = item
        .get("config")
        .and_then(|c| c.get("enabled"))
        .or_else(|| item.get("enabled"))?;
    value.to_json().as_bool()
}

/// `ref('x')`, `source('a', 'b')`, `metric('m')` as written in `depends_on` or `relation`.
pub(crate) fn parse_depends_on(text: &str) -> Option<Reference> {
    let text = text.trim();
    let open = text.find('(')?;
    let func = text[..open].trim();
    let inner = text[open + 1..].strip_suffix(')')?;
    let mut positional = Vec::new();
    let mut version = None;
    for arg in inner.split(',') {
        let arg = arg.trim();
        if let Some((k, v)) = arg.split_once('=') {
            if matches!(k.trim(), "v" | "version") {
                version = Some(v.trim().trim_matches(['\'', '"']).to_string());
            }
            continue;
        }
        positional.push(arg.trim_matches(['\'', '"']).to_string());
    }
    match (func, positional.as_slice()) {
        ("ref", [name]) => Some(Reference::Ref {
            package: None,
            name: name.clone(),
            version,
        }),
        ("ref", [pkg, name]) => Some(Reference::Ref {
            package: Some(pkg.clone()),
            name: name.clone(),
            version,
        }),
        ("source", [s, t]) => Some(Reference::Source {
            source: s.clone(),
            table: t.clone(),
        }),
        ("metric", [m]) => Some(Reference::Metric { name: m.clone() }),
        _ => None,
    }
}
