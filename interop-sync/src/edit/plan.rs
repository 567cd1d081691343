//! Edit plans: operations on resources (set a description, add a column or a test, rename a
//! metric, change a docs block ...) turned into YAML edits of the files that declare them, then
//! applied losslessly. A file that cannot be edited safely is reported and left as it was.

use std::collections::BTreeMap;

use serde_json::Value;

use super::dbt_rules::{DbtVersion, TestSpec, escape_value};
use super::path::{Segment, YamlPath};
use super::{EditError, SpliceEditor, YamlEdit, YamlEditor};
use crate::model::{Resource, ResourceKind};
use crate::read::yaml::Node;
use crate::read::{Project, ProjectSource};

/// One operation on a resource, named by its dbt unique id.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceOp {
    /// Sets a field of the resource's YAML entry; `field` is a dotted path such as
    /// `description`, `label` or `config.meta.owner`. Missing parents are created. The
    /// `description` of a docs block is its text.
    Set {
        /// The resource.
        resource: String,
        /// The field.
        field: String,
        /// The value (strings are Jinja-escaped unless the field takes Jinja).
        value: Value,
    },
    /// Appends an item to a list field of the resource's YAML entry (`measures`,
    /// `input_metrics`), creating the list when missing; the items before stay as written.
    Append {
        /// The resource.
        resource: String,
        /// The list field, dotted (`measures`, `query_params.metrics`).
        field: String,
        /// The new item (strings are Jinja-escaped unless the field takes Jinja).
        value: Value,
    },
    /// Removes a field.
    Unset {
        /// The resource.
        resource: String,
        /// The field.
        field: String,
    },
    /// Sets a field of one column, adding the column entry when it is missing.
    SetColumn {
        /// The resource.
        resource: String,
        /// The column name.
        column: String,
        /// The field (`description`, `data_type`, `config.meta.pii`).
        field: String,
        /// The value.
        value: Value,
    },
    /// Removes a field of one column (nothing happens when the column has no entry).
    UnsetColumn {
        /// The resource.
        resource: String,
        /// The column name.
        column: String,
        /// The field (`description`, `config.meta.pii`).
        field: String,
    },
    /// Removes a column entry.
    RemoveColumn {
        /// The resource.
        resource: String,
        /// The column name.
        column: String,
    },
    /// Adds a generic test to a resource, or to one of its columns.
    AddTest {
        /// The resource.
        resource: String,
        /// The column, for a column test.
        column: Option<String>,
        /// The test.
        test: TestSpec,
    },
    /// Removes a generic test, named by its own unique id.
    RemoveTest {
        /// The test's unique id.
        test: String,
    },
    /// Adds an entry declared in YAML alone (an exposure, metric, saved query, group, source,
    /// semantic model, unit test) under the top-level `key` of a properties file: `file`, else
    /// the first file that already has that key, else `<model-path>/_<key>.yml`. A `file`
    /// ending in `#<model>` puts a metric inside that model's entry instead (`metrics:` of the
    /// model-embedded semantic layer of dbt 1.12), in whichever file declares the model.
    AddEntry {
        /// The top-level key: `exposures`, `metrics`, `sources` ...
        key: String,
        /// The entry (strings are Jinja-escaped except filters and expressions).
        entry: Value,
        /// The properties file, relative to the project root (`#<model>`: inside a model).
        file: Option<String>,
    },
    /// Sets keyword arguments of a model's `{{ config(...) }}` call in its SQL (adding the call
    /// when there is none). Only literal arguments can be rewritten; anything else is refused.
    SetSqlConfig {
        /// The model.
        resource: String,
        /// The arguments to set.
        values: serde_json::Map<String, Value>,
    },
    /// Adds a singular data test: a SQL file under the first test path (or at `file`, which
    /// must lie under a test path).
    AddSingularTest {
        /// The test name (the file stem).
        name: String,
        /// The SQL (a query returning the failing rows).
        sql: String,
        /// The file, relative to the project root.
        file: Option<String>,
    },
    /// Adds an analysis: a SQL file under the first analysis path (or at `file`, which must
    /// lie under an analysis path and be named after the analysis).
    AddAnalysis {
        /// The analysis name (the file stem).
        name: String,
        /// The SQL.
        sql: String,
        /// The file, relative to the project root.
        file: Option<String>,
    },
    /// Replaces the SQL of a model, analysis or singular test the vendor owns.
    ReplaceSql {
        /// The model or singular test.
        resource: String,
        /// The new SQL.
        sql: String,
    },
    /// Adds a model: its SQL in import-CTE style and its properties entry, in the folder's
    /// properties file (created, named after the repo's convention, when there is none).
    AddModel {
        /// The model name (the file stem).
        name: String,
        /// The folder under the first model path (`marts/finance`).
        folder: String,
        /// The SQL.
        sql: crate::render::ModelSql,
        /// Its description.
        description: Option<String>,
        /// The columns the vendor knows.
        columns: Vec<crate::render::ColumnSpec>,
        /// Custom data for `config.meta`.
        meta: Option<Value>,
    },
    /// Adds a model whose SQL is given as written (a vendor's own transform, the time spine),
    /// with its properties entry, placed like [`ResourceOp::AddModel`]'s.
    AddSqlModel {
        /// The SQL file, relative to the project root, under a model path
        /// (`models/marts/metricflow_time_spine.sql`).
        path: String,
        /// The SQL.
        sql: String,
        /// The properties entry (`name` first; strings are Jinja-escaped except expressions).
        entry: Value,
    },
    /// Removes a resource: its YAML entry, and for a model, seed, analysis or singular test its
    /// file too.
    Remove {
        /// The resource.
        resource: String,
    },
    /// Moves a resource's YAML entry to another properties file (created when missing), under
    /// the same top-level key. The moved entry is written in the target file's style; comments
    /// inside the entry do not travel with it.
    Move {
        /// The resource.
        resource: String,
        /// The target properties file, relative to the project root.
        to_file: String,
    },
    /// Renames a resource declared in YAML (a metric, an exposure, a saved query ...).
    Rename {
        /// The resource.
        resource: String,
        /// The new name.
        new_name: String,
    },
}

/// Options for turning a plan into file edits.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// The dbt version to write for; default: the project's `require-dbt-version`, else the
    /// current one.
    pub dbt_version: Option<DbtVersion>,
    /// The limits files are read within, before and after each edit.
    pub limits: crate::safety::Limits,
}

/// Why an operation could not be planned, or a file could not be edited.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// No resource with that id.
    #[error("{0}: no such resource")]
    UnknownResource(String),
    /// The operation does not apply to this resource.
    #[error("{resource}: {reason}")]
    NotApplicable {
        /// The resource.
        resource: String,
        /// Why.
        reason: String,
    },
    /// A file could not be read or edited; it is left as it was.
    #[error("{file}: {error}")]
    File {
        /// The file.
        file: String,
        /// What went wrong.
        error: EditError,
    },
}

/// A file as the plan would leave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// Path relative to the project root.
    pub path: String,
    /// The text before (`None` for a new file).
    pub before: Option<String>,
    /// The text after.
    pub after: String,
}

/// What applying a plan gives: changed files and what could not be done.
#[derive(Debug, Clone, Default)]
pub struct PlannedChanges {
    /// Files that change, by path.
    pub files: Vec<FileChange>,
    /// Files to delete (a removed model's SQL ...).
    pub deleted: Vec<String>,
    /// Operations or files that failed; their files are not in `files`.
    pub errors: Vec<PlanError>,
}

/// Turns `ops` into edits of `project`'s files (read from `source`) and applies them.
pub fn apply_plan(
    project: &Project,
    source: &dyn ProjectSource,
    ops: &[ResourceOp],
    options: &PlanOptions,
) -> PlannedChanges {
    let version = options
        .dbt_version
        .unwrap_or_else(|| DbtVersion::from_requirements(&project.dbt_project.require_dbt_version));
    let tests_key = tests_key(project);
    let mut per_file: BTreeMap<String, Vec<FileEdit>> = BTreeMap::new();
    let mut out = PlannedChanges::default();
    // Metrics for a model the same plan adds go into its new entry, once that is planned.
    let (later, now): (Vec<&ResourceOp>, Vec<&ResourceOp>) = ops
        .iter()
        .partition(|op| embedded_in_new_model(project, op).is_some());
    for op in now.into_iter().chain(later) {
        if let Some((model, key, entry)) = embedded_in_new_model(project, op)
            && let Some(file) = new_model_file(&per_file, model)
        {
            let edit = FileEdit::Yaml(YamlEdit::Append {
                path: YamlPath(vec![
                    Segment::Key("models".into()),
                    Segment::Named(model.to_string()),
                    Segment::Key(key.to_string()),
                ]),
                value: escape_value(entry, None),
            });
            per_file.entry(file).or_default().push(edit);
            continue;
        }
        match plan_op(project, op, version, tests_key) {
            Ok(edits) => {
                for (file, edit) in edits {
                    push_edit(per_file.entry(file).or_default(), edit);
                }
            }
            Err(e) => out.errors.push(e),
        }
    }
    let editor = SpliceEditor::new(options.limits.clone());
    for (path, mut edits) in per_file {
        if edits.contains(&FileEdit::Delete) {
            out.deleted.push(path);
            continue;
        }
        // A move into a file that does not exist yet creates it.
        let creates = !project.files.iter().any(|f| f.path == path)
            && edits
                .iter()
                .all(|e| matches!(e, FileEdit::Yaml(YamlEdit::Append { .. })));
        if creates {
            edits.insert(0, FileEdit::Create("version: 2\n".into()));
        }
        if let Some(FileEdit::Create(text)) = edits.first().cloned() {
            let exists = project.files.iter().any(|f| f.path == path);
            if crate::safety::validate_repo_path(&path).is_err() || exists {
                let reason = "the file already exists or is not a valid path".into();
                out.errors.push(PlanError::File {
                    file: path,
                    error: EditError::Path {
                        path: String::new(),
                        reason,
                    },
                });
                continue;
            }
            edits.remove(0);
            match apply_file_edits(&editor, &text, edits) {
                Ok(after) => out.files.push(FileChange {
                    path,
                    before: None,
                    after,
                }),
                Err(error) => out.errors.push(PlanError::File { file: path, error }),
            }
            continue;
        }
        let listed = crate::read::SourceFile {
            path: path.clone(),
            oid: None,
            size: None,
        };
        let before = match source.read(&listed) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    out.errors.push(PlanError::File {
                        file: path,
                        error: EditError::Unreadable("not UTF-8".into()),
                    });
                    continue;
                }
            },
            Err(e) => {
                out.errors.push(PlanError::File {
                    file: path,
                    error: EditError::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        let properties = path.ends_with(".yml") || path.ends_with(".yaml");
        match apply_file_edits(&editor, &before, edits) {
            Ok(after) if after != before => match tidy_emptied(&before, after, properties) {
                Some(after) => out.files.push(FileChange {
                    path,
                    before: Some(before),
                    after,
                }),
                None => out.deleted.push(path),
            },
            Ok(_) => {}
            Err(error) => out.errors.push(PlanError::File { file: path, error }),
        }
    }
    out
}

/// After entries were removed from a properties file: a top-level key the edit left as an empty
/// list (`models: []`, not there before) is dropped, and a file left with nothing but
/// `version:`, blank lines and comments is deleted (`None`).
fn tidy_emptied(before: &str, after: String, properties: bool) -> Option<String> {
    if !properties {
        return Some(after);
    }
    let emptied = |line: &str| {
        line.strip_suffix(": []").is_some_and(|key| {
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let was_there: Vec<&str> = before.lines().filter(|l| emptied(l)).collect();
    let mut out = String::with_capacity(after.len());
    let mut dropped = false;
    for line in after.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if emptied(bare) && !was_there.contains(&bare) {
            // The blank line that separated the key from what came before goes with it.
            if out.ends_with("\n\n") {
                out.pop();
            }
            dropped = true;
            continue;
        }
        out.push_str(line);
    }
    if !dropped {
        return Some(after);
    }
    let only_version = out.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t.starts_with("version:")
    });
    (!only_version).then_some(out)
}

/// An edit of one file: YAML edits for properties files, a docs block's body for markdown.
#[derive(Debug, Clone, PartialEq)]
enum FileEdit {
    Yaml(YamlEdit),
    DocsBody {
        name: String,
        text: String,
    },
    /// A new file with this text; the file must not exist.
    Create(String),
    /// Delete the file.
    Delete,
    /// Replace the whole text (SQL files).
    Replace(String),
    /// Set the arguments of the SQL file's `{{ config(...) }}` call to exactly these.
    SqlConfig(serde_json::Map<String, Value>),
}

fn apply_file_edits(
    editor: &SpliceEditor,
    before: &str,
    edits: Vec<FileEdit>,
) -> Result<String, EditError> {
    let mut yaml = Vec::new();
    let mut text = before.to_string();
    // Several edits of one file: name list items by their `name` in the original, so that an
    // earlier removal does not shift a later edit's index.
    let original = crate::read::yaml::parse(before, &Default::default())
        .ok()
        .flatten();
    for edit in edits {
        match edit {
            FileEdit::Yaml(mut e) => {
                if let Some(root) = &original {
                    stable_path(root, e.path_mut());
                }
                yaml.push(e)
            }
            FileEdit::Replace(new) => text = new,
            FileEdit::SqlConfig(args) => {
                text =
                    crate::render::with_sql_config(&text, &args).map_err(EditError::Unreadable)?
            }
            FileEdit::Create(_) | FileEdit::Delete => {
                return Err(EditError::Path {
                    path: String::new(),
                    reason: "the file already exists".into(),
                });
            }
            FileEdit::DocsBody { name, text: body } => {
                let blocks = crate::read::jinja::scan_blocks(&text)
                    .map_err(|e| EditError::Unreadable(e.to_string()))?;
                let block = blocks
                    .iter()
                    .find(|b| b.kind == crate::read::jinja::BlockKind::Docs && b.name == name)
                    .ok_or_else(|| EditError::Path {
                        path: name.clone(),
                        reason: "no such docs block".into(),
                    })?;
                // The body keeps the block's own first and last line breaks.
                let old = &text[block.body.clone()];
                let lead = if old.starts_with('\n') { "\n" } else { "" };
                let trail = if old.ends_with('\n') { "\n" } else { "" };
                let new_body = format!("{lead}{}{trail}", body.trim_matches('\n'));
                text.replace_range(block.body.clone(), &new_body);
            }
        }
    }
    if yaml.is_empty() {
        return Ok(text);
    }
    editor.apply(&text, &yaml).map(|e| e.text)
}

/// The parts of an [`ResourceOp::AddModel`].
struct NewModel<'o> {
    name: &'o str,
    folder: &'o str,
    sql: &'o crate::render::ModelSql,
    description: Option<&'o str>,
    columns: &'o [crate::render::ColumnSpec],
    meta: Option<&'o Value>,
}

fn add_model(
    project: &Project,
    m: &NewModel<'_>,
    version: DbtVersion,
    tests_key: &str,
) -> Result<Vec<(String, FileEdit)>, PlanError> {
    let root = project
        .dbt_project
        .paths
        .model
        .first()
        .cloned()
        .unwrap_or_else(|| "models".into());
    let entry =
        crate::render::model_entry(m.name, m.description, m.columns, m.meta, version, tests_key);
    place_model(
        project,
        m.name,
        &format!("{root}/{}", m.folder),
        crate::render::model_sql(m.sql),
        entry,
    )
}

/// A new model given as SQL text and a properties entry.
fn add_sql_model(
    project: &Project,
    path: &str,
    sql: &str,
    entry: &Value,
) -> Result<Vec<(String, FileEdit)>, PlanError> {
    let bad = |reason: String| PlanError::NotApplicable {
        resource: path.to_string(),
        reason,
    };
    let (dir, file) = path
        .rsplit_once('/')
        .ok_or_else(|| bad("a model's SQL file lives in a model path".into()))?;
    let name = file
        .strip_suffix(".sql")
        .ok_or_else(|| bad("a model's SQL file ends in .sql".into()))?;
    let in_model_path = project
        .dbt_project
        .paths
        .model
        .iter()
        .any(|root| dir == root || dir.starts_with(&format!("{root}/")));
    if !in_model_path {
        return Err(bad("not under one of the project's model paths".into()));
    }
    if entry.get("name").and_then(Value::as_str) != Some(name) {
        return Err(bad(format!("the properties entry is not named '{name}'")));
    }
    let mut sql = sql.to_string();
    if !sql.ends_with('\n') {
        sql.push('\n');
    }
    place_model(project, name, dir, sql, escape_value(entry, None))
}

/// The files of a new model `name` in folder `dir` (from the project root): its SQL, and its
/// entry appended to the folder's properties file that lists models, or to a new one.
fn place_model(
    project: &Project,
    name: &str,
    dir: &str,
    sql: String,
    entry: Value,
) -> Result<Vec<(String, FileEdit)>, PlanError> {
    let bad = |reason: String| PlanError::NotApplicable {
        resource: format!("model.{}.{name}", project.dbt_project.name),
        reason,
    };
    let valid_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_name {
        return Err(bad(format!(
            "'{name}' is not a model name (lower-case letters, digits and _)"
        )));
    }
    if project
        .resources
        .iter()
        .any(|r| r.kind == ResourceKind::Model && r.name == name)
    {
        return Err(bad("a model of that name exists".into()));
    }
    let dir = crate::safety::validate_repo_path(dir).map_err(|e| bad(e.to_string()))?;
    let sql_path = format!("{dir}/{name}.sql");
    // The folder's properties file that already lists models, if any.
    let existing = project
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Model)
        .filter_map(|r| r.properties_location.as_ref())
        .find(|l| l.file.rsplit_once('/').map(|(d, _)| d) == Some(dir.as_str()));
    let mut out = vec![(sql_path, FileEdit::Create(sql))];
    let style = super::FileStyle {
        indent: 2,
        indented_sequences: true,
        crlf: false,
    };
    let new_file = |entry: Value| {
        format!(
            "version: 2\n\nmodels:\n{}\n",
            super::emit::block_sequence(&[entry], 2, &style)
        )
    };
    if let Some((prefix, ext)) = per_model_properties(project) {
        // The repo declares each model in a file of its own: so does the new one.
        let file = format!("{dir}/{prefix}{name}.{ext}");
        out.push((file, FileEdit::Create(new_file(entry))));
        return Ok(out);
    }
    match existing {
        Some(loc) => out.push((
            loc.file.to_string(),
            FileEdit::Yaml(YamlEdit::Append {
                path: YamlPath(vec![Segment::Key("models".into())]),
                value: entry,
            }),
        )),
        None => {
            let prefix = format!("{dir}/");
            let names: Vec<&str> = project
                .files
                .iter()
                .filter_map(|f| f.path.strip_prefix(prefix.as_str()))
                .filter(|rest| !rest.contains('/'))
                .collect();
            let file = format!(
                "{dir}/{}",
                crate::render::properties_file_name(&dir, &names)
            );
            out.push((file, FileEdit::Create(new_file(entry))));
        }
    }
    Ok(out)
}

/// The repo's convention when it declares each model in a properties file of its own, named
/// after the model (`orders.yml`, or `_orders.yml`): the name's prefix and the extension, when
/// most model properties files are like that (at least two).
fn per_model_properties(project: &Project) -> Option<(&'static str, String)> {
    let mut files: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in project
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Model)
    {
        if let Some(loc) = &r.properties_location {
            files
                .entry(loc.file.as_ref())
                .or_default()
                .push(r.name.as_str());
        }
    }
    let (mut own, mut shared, mut style) = (0usize, 0usize, None);
    for (file, names) in &files {
        let stem = file.rsplit('/').next().unwrap_or(file);
        let Some((base, ext)) = stem.rsplit_once('.') else {
            continue;
        };
        let prefix = match names.as_slice() {
            [one] if base == *one => Some(""),
            [one] if base.strip_prefix('_') == Some(one) => Some("_"),
            _ => None,
        };
        match prefix {
            Some(p) => {
                own += 1;
                style = Some((p, ext.to_string()));
            }
            None => shared += 1,
        }
    }
    if own >= 2 && own > shared {
        style
    } else {
        None
    }
}

/// Replaces each index in `path` by the item's `name` when the item has one no sibling shares.
fn stable_path(root: &Node, path: &mut YamlPath) {
    let mut node = root;
    for seg in path.0.iter_mut() {
        let next = match (&*seg, &node.value) {
            (Segment::Key(k), _) => node.get(k),
            (Segment::Index(i), crate::read::yaml::NodeValue::Seq(items)) => {
                let item = items.get(*i);
                let name = item.and_then(|n| n.get("name")).and_then(Node::as_text);
                if let Some(name) = name {
                    let unique = items
                        .iter()
                        .filter(|n| {
                            n.get("name").and_then(Node::as_text).as_deref() == Some(name.as_str())
                        })
                        .count()
                        == 1;
                    if unique {
                        *seg = Segment::Named(name);
                    }
                }
                item
            }
            (Segment::Named(n), _) => node.item_named(n).map(|(_, item)| item),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return,
        }
    }
}

/// The top-level keys that hold entries declared in YAML alone.
const ENTRY_KEYS: &[&str] = &[
    "exposures",
    "metrics",
    "saved_queries",
    "groups",
    "sources",
    "semantic_models",
    "unit_tests",
    "selectors",
];

fn add_entry(
    project: &Project,
    key: &str,
    entry: &Value,
    file: Option<&str>,
) -> Result<Vec<(String, FileEdit)>, PlanError> {
    let bad = |reason: String| PlanError::NotApplicable {
        resource: format!("{key} entry"),
        reason,
    };
    if !ENTRY_KEYS.contains(&key) {
        return Err(bad(format!(
            "'{key}' is not a key for YAML-only entries ({})",
            ENTRY_KEYS.join(", ")
        )));
    }
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the entry has no name".into()))?;
    let prefix = match key {
        "exposures" => "exposure",
        "metrics" => "metric",
        "saved_queries" => "saved_query",
        "groups" => "group",
        "semantic_models" => "semantic_model",
        "selectors" => "selector",
        _ => "",
    };
    if !prefix.is_empty()
        && project
            .get(&format!("{prefix}.{}.{name}", project.dbt_project.name))
            .is_some()
    {
        return Err(bad(format!("{prefix} '{name}' exists")));
    }
    if let Some((_, model)) = file.and_then(|f| f.split_once('#')) {
        return add_embedded(project, key, entry, model);
    }
    if key == "sources"
        && let Some(edits) = add_source_tables(project, name, entry)?
    {
        return Ok(edits);
    }
    let target = match file {
        // Selectors live in the project's one selectors file.
        _ if key == "selectors" => crate::read::SELECTORS_FILE.to_string(),
        Some(f) => crate::safety::validate_repo_path(f).map_err(|e| bad(e.to_string()))?,
        None => {
            let with_key = project
                .resources
                .iter()
                .map(|r| r.properties_location.as_deref().unwrap_or(&r.location))
                .find(|l| l.yaml_path.starts_with(&format!("{key}[")))
                .map(|l| l.file.to_string());
            let root = project
                .dbt_project
                .paths
                .model
                .first()
                .cloned()
                .unwrap_or_else(|| "models".into());
            with_key.unwrap_or_else(|| format!("{root}/_{key}.yml"))
        }
    };
    let value = escape_value(entry, None);
    Ok(vec![(
        target,
        FileEdit::Yaml(YamlEdit::Append {
            path: YamlPath(vec![Segment::Key(key.into())]),
            value,
        }),
    )])
}

/// The tables of a new `sources:` entry whose source the project already declares: appended
/// to that source's `tables:` (in the file that declares it) instead of a second entry of the
/// same name. `None` when the project has no such source.
fn add_source_tables(
    project: &Project,
    source: &str,
    entry: &Value,
) -> Result<Option<Vec<(String, FileEdit)>>, PlanError> {
    let prefix = format!("source.{}.{source}.", project.dbt_project.name);
    let Some(existing) = project
        .resources
        .iter()
        .find(|r| r.kind == ResourceKind::Source && r.unique_id.as_str().starts_with(&prefix))
    else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for table in entry
        .get("tables")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = table.get("name").and_then(Value::as_str).unwrap_or("");
        if project.get(&format!("{prefix}{name}")).is_some() {
            return Err(PlanError::NotApplicable {
                resource: format!("{prefix}{name}"),
                reason: "the source already has a table of that name".into(),
            });
        }
        out.push((
            existing.location.file.to_string(),
            FileEdit::Yaml(YamlEdit::Append {
                path: YamlPath(vec![
                    Segment::Key("sources".into()),
                    Segment::Named(source.into()),
                    Segment::Key("tables".into()),
                ]),
                value: escape_value(table, None),
            }),
        ));
    }
    Ok(Some(out))
}

fn add_singular_test(
    project: &Project,
    name: &str,
    sql: &str,
    file: Option<&str>,
) -> Result<Vec<(String, FileEdit)>, PlanError> {
    add_sql_file(project, ResourceKind::SingularTest, name, sql, file)
}

/// A new SQL file of a singular test or an analysis, under the kind's first path or at
/// `file` (under one of its paths, named after the resource).
fn add_sql_file(
    project: &Project,
    kind: ResourceKind,
    name: &str,
    sql: &str,
    file: Option<&str>,
) -> Result<Vec<(String, FileEdit)>, PlanError> {
    let bad = |reason: String| PlanError::NotApplicable {
        resource: format!("{}.{}.{name}", kind.id_prefix(), project.dbt_project.name),
        reason,
    };
    let what = if kind == ResourceKind::Analysis {
        "an analysis"
    } else {
        "a test"
    };
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_name {
        return Err(bad(format!(
            "'{name}' is not {what} name (letters, digits, _ and -)"
        )));
    }
    if project
        .resources
        .iter()
        .any(|r| r.kind == kind && r.name == name)
    {
        return Err(bad(format!("{what} of that name exists")));
    }
    let (roots, default_root) = if kind == ResourceKind::Analysis {
        (&project.dbt_project.paths.analysis, "analyses")
    } else {
        (&project.dbt_project.paths.test, "tests")
    };
    let root = roots
        .first()
        .cloned()
        .unwrap_or_else(|| default_root.into());
    let path = match file {
        Some(f) => {
            let f = crate::safety::validate_repo_path(f).map_err(|e| bad(e.to_string()))?;
            let under_tests = roots
                .iter()
                .any(|r| f.starts_with(&format!("{}/", r.trim_end_matches('/'))));
            if !under_tests || !f.ends_with(&format!("/{name}.sql")) {
                return Err(bad(format!(
                    "'{f}' is not a file named after {what} under one of its paths"
                )));
            }
            f
        }
        None => crate::safety::validate_repo_path(&format!("{root}/{name}.sql"))
            .map_err(|e| bad(e.to_string()))?,
    };
    let mut text = sql.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(vec![(path, FileEdit::Create(text))])
}

/// A metric appended to the `metrics:` list of a model's entry (created when missing).
fn add_embedded(
    project: &Project,
    key: &str,
    item: &Value,
    model: &str,
) -> Result<Vec<(String, FileEdit)>, PlanError> {
    let bad = |reason: String| PlanError::NotApplicable {
        resource: format!("model.{}.{model}", project.dbt_project.name),
        reason,
    };
    if key != "metrics" {
        return Err(bad(format!(
            "only metrics live inside a model, not '{key}'"
        )));
    }
    let r = project
        .resources
        .iter()
        .find(|r| {
            r.kind == ResourceKind::Model
                && r.name == model
                && r.package == project.dbt_project.name
                && r.version.is_none()
        })
        .ok_or_else(|| bad("no such model".into()))?;
    let (file, base, _) = entry(r)?;
    Ok(vec![(
        file.to_string(),
        FileEdit::Yaml(YamlEdit::Append {
            path: path_of(base, key),
            value: escape_value(item, None),
        }),
    )])
}

/// Rewrites the `{{ config(...) }}` call of a model's SQL with `values` set.
fn sql_config_edit(
    r: &Resource,
    values: &serde_json::Map<String, Value>,
) -> Result<FileEdit, PlanError> {
    let bad = |reason: String| PlanError::NotApplicable {
        resource: r.unique_id.to_string(),
        reason,
    };
    if !(r.kind == ResourceKind::Model && r.location.file.ends_with(".sql")) {
        return Err(bad("not a SQL model".into()));
    }
    if r.uncertain.as_deref().is_some_and(|u| u.contains("config")) {
        return Err(bad(format!(
            "its config() is not all literal ({}); edit it by hand",
            r.uncertain.as_deref().unwrap_or_default()
        )));
    }
    let mut merged = (*r.sql_config).clone();
    for (k, v) in values {
        merged.insert(k.clone(), v.clone());
    }
    Ok(FileEdit::SqlConfig(merged))
}

/// The docs block a description consists of, when it is exactly `{{ doc('name') }}`.
fn doc_only(description: &str) -> Option<String> {
    let calls = crate::read::jinja::doc_refs(description);
    let [call] = calls.as_slice() else {
        return None;
    };
    let t = description.trim();
    (t.starts_with("{{") && t.ends_with("}}") && t.matches("{{").count() == 1)
        .then(|| call.name.clone())
}

/// `tests` when the project writes only the old key, else `data_tests`.
fn tests_key(project: &Project) -> &'static str {
    let (mut old, mut new) = (0, 0);
    for r in project
        .resources
        .iter()
        .filter(|r| r.kind == ResourceKind::GenericTest)
    {
        if r.location.yaml_path.contains(".tests[") {
            old += 1;
        } else {
            new += 1;
        }
    }
    if old > 0 && new == 0 {
        "tests"
    } else {
        "data_tests"
    }
}

fn find<'p>(project: &'p Project, id: &str) -> Result<&'p Resource, PlanError> {
    project
        .get(id)
        .ok_or_else(|| PlanError::UnknownResource(id.to_string()))
}

/// The YAML entry of a resource: its file, YAML path and node.
fn entry(r: &Resource) -> Result<(&str, &str, &Node), PlanError> {
    let loc = r.properties_location.as_deref().unwrap_or(&r.location);
    let node = r.properties.node().filter(|_| !loc.yaml_path.is_empty());
    match node {
        Some(node) => Ok((&loc.file, &loc.yaml_path, node)),
        None => Err(PlanError::NotApplicable {
            resource: r.unique_id.to_string(),
            reason: "it has no properties entry in YAML to edit".into(),
        }),
    }
}

fn path_of(base: &str, field: &str) -> YamlPath {
    let mut p = YamlPath::parse(base).unwrap_or_default();
    p.0.extend(
        field
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| Segment::Key(s.to_string())),
    );
    p
}

/// The path of the column entry named `column` under the entry at `base`.
fn column_path(base: &str, column: &str) -> YamlPath {
    let mut path = path_of(base, "columns");
    path.0.push(Segment::Named(column.to_string()));
    path
}

/// A `Set` of a dotted field under `node` at `base`: set where the field exists, else create
/// the first missing key with the rest nested inside it.
fn set_nested(base: &str, node: &Node, field: &str, value: Value) -> YamlEdit {
    let parts: Vec<&str> = field.split('.').filter(|s| !s.is_empty()).collect();
    let mut here = node;
    for (i, part) in parts.iter().enumerate() {
        match here.get(part) {
            Some(next) if i + 1 < parts.len() && next.as_map().is_some() => here = next,
            Some(_) if i + 1 == parts.len() => break,
            _ => {
                let nested = nest(&parts[i + 1..], value);
                return YamlEdit::Set {
                    path: path_of(base, &parts[..=i].join(".")),
                    value: nested,
                };
            }
        }
    }
    YamlEdit::Set {
        path: path_of(base, field),
        value,
    }
}

/// A list of data tests set to a new value, edited item by item: tests that went away are
/// removed, changed tests are replaced, new tests are appended, and every other item keeps its
/// bytes (comments, flow or block style). `None` when the field is not a test list, when it is
/// not there yet, when an item's identity (the test's name, as the merge keys lists) is not
/// unique, or when the new list reorders kept tests or puts a new one before them: the whole
/// list is set then.
fn test_list_edits(base: &str, node: &Node, field: &str, target: &Value) -> Option<Vec<YamlEdit>> {
    if !matches!(last_key(field), Some("data_tests" | "tests")) {
        return None;
    }
    let current = field
        .split('.')
        .filter(|s| !s.is_empty())
        .try_fold(node, |n, k| n.get(k))?;
    let items: Vec<Value> = current.as_seq()?.iter().map(Node::to_json).collect();
    let wanted = target.as_array()?;
    let ids = |list: &[Value]| -> Option<Vec<String>> {
        let ids: Vec<String> = list
            .iter()
            .map(crate::merge::list_identity)
            .collect::<Option<_>>()?;
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        (sorted.len() == ids.len()).then_some(ids)
    };
    let (have, want) = (ids(&items)?, ids(wanted)?);
    let kept_have: Vec<&String> = have.iter().filter(|i| want.contains(i)).collect();
    let kept_want: Vec<&String> = want.iter().filter(|i| have.contains(i)).collect();
    if kept_have.is_empty() || kept_have != kept_want {
        return None;
    }
    // New tests may only follow the last kept one.
    let last_kept = want.iter().rposition(|i| have.contains(i))?;
    if want[..last_kept].iter().any(|i| !have.contains(i)) {
        return None;
    }
    let list = path_of(base, field);
    let at = |i: usize| {
        let mut p = list.clone();
        p.0.push(Segment::Index(i));
        p
    };
    let mut edits = Vec::new();
    // From the end, so that a removal never shifts an item still to be edited.
    for (i, id) in have.iter().enumerate().rev() {
        match want.iter().position(|w| w == id) {
            None => edits.push(YamlEdit::Remove { path: at(i) }),
            Some(j) if wanted[j] != items[i] => edits.push(YamlEdit::Set {
                path: at(i),
                value: wanted[j].clone(),
            }),
            Some(_) => {}
        }
    }
    for (j, id) in want.iter().enumerate() {
        if !have.contains(id) {
            edits.push(YamlEdit::Append {
                path: list.clone(),
                value: wanted[j].clone(),
            });
        }
    }
    Some(edits)
}

/// `value` under the keys `a.b.c`, innermost last: `{a: {b: {c: value}}}`.
fn nest(keys: &[&str], value: Value) -> Value {
    keys.iter().rev().fold(value, |acc, k| {
        let mut m = serde_json::Map::new();
        m.insert((*k).to_string(), acc);
        Value::Object(m)
    })
}

fn last_key(field: &str) -> Option<&str> {
    field.rsplit('.').next()
}

/// The model, key and item of an entry to add inside a model's entry (`file: "#orders"`)
/// when the project has no such model yet.
fn embedded_in_new_model<'o>(
    project: &Project,
    op: &'o ResourceOp,
) -> Option<(&'o str, &'o str, &'o Value)> {
    let ResourceOp::AddEntry {
        key,
        entry,
        file: Some(file),
    } = op
    else {
        return None;
    };
    let (_, model) = file.split_once('#')?;
    let exists = project.resources.iter().any(|r| {
        r.kind == ResourceKind::Model && r.name == model && r.package == project.dbt_project.name
    });
    (!exists).then_some((model, key.as_str(), entry))
}

/// The properties file the plan adds model `name`'s entry to.
fn new_model_file(per_file: &BTreeMap<String, Vec<FileEdit>>, name: &str) -> Option<String> {
    let named = |v: &Value| v.get("name").and_then(Value::as_str) == Some(name);
    per_file.iter().find_map(|(file, edits)| {
        edits
            .iter()
            .any(|e| match e {
                FileEdit::Yaml(YamlEdit::Append { path, value }) => {
                    path.0 == [Segment::Key("models".into())] && named(value)
                }
                FileEdit::Create(text) => crate::read::yaml::parse(text, &Default::default())
                    .ok()
                    .flatten()
                    .and_then(|root| root.to_json().get("models").cloned())
                    .and_then(|m| m.as_array().map(|items| items.iter().any(named)))
                    .unwrap_or(false),
                _ => false,
            })
            .then(|| file.clone())
    })
}

/// Adds `edit` to a file's edits. A column entry appended under a name that an earlier edit
/// of the plan already appends to the same `columns` list joins that entry: a column new to
/// the file gets one entry, however many of its fields the plan sets.
fn push_edit(edits: &mut Vec<FileEdit>, edit: FileEdit) {
    // Sets of one path with maps of different keys (fields of a map missing from the file,
    // each creating it) join into one Set, so the second does not replace the first.
    if let FileEdit::Yaml(YamlEdit::Set {
        path,
        value: Value::Object(new),
    }) = &edit
    {
        for earlier in edits.iter_mut() {
            if let FileEdit::Yaml(YamlEdit::Set {
                path: p,
                value: Value::Object(set),
            }) = earlier
                && p == path
                && new.keys().all(|k| !set.contains_key(k))
            {
                set.extend(new.iter().map(|(k, v)| (k.clone(), v.clone())));
                return;
            }
        }
    }
    // Two new models in one new folder both create its properties file: the second one's
    // entries are appended to the first one's file.
    if let FileEdit::Create(text) = &edit
        && edits.iter().any(|e| matches!(e, FileEdit::Create(_)))
        && let Ok(Some(root)) = crate::read::yaml::parse(text, &Default::default())
        && let Some(Value::Array(items)) = root.to_json().get("models").cloned()
    {
        for item in items {
            edits.push(FileEdit::Yaml(YamlEdit::Append {
                path: YamlPath(vec![Segment::Key("models".into())]),
                value: item,
            }));
        }
        return;
    }
    // Columns appended one by one to one entry, and tables of one new source, join up.
    if let FileEdit::Yaml(YamlEdit::Append {
        path,
        value: Value::Object(new),
    }) = &edit
        && (path.0.last() == Some(&Segment::Key("columns".into()))
            || path.0 == [Segment::Key("sources".into())])
        && let Some(name) = new.get("name")
    {
        for earlier in edits.iter_mut() {
            if let FileEdit::Yaml(YamlEdit::Append {
                path: p,
                value: Value::Object(entry),
            }) = earlier
                && p == path
                && entry.get("name") == Some(name)
            {
                merge_entry(entry, new);
                return;
            }
        }
    }
    edits.push(edit);
}

/// Adds the keys of `from` to `into`, joining nested mappings key by key and lists (two tests
/// added to one new column) item after item.
fn merge_entry(into: &mut serde_json::Map<String, Value>, from: &serde_json::Map<String, Value>) {
    for (key, value) in from {
        match (into.get_mut(key), value) {
            (Some(Value::Object(a)), Value::Object(b)) => merge_entry(a, b),
            (Some(Value::Array(a)), Value::Array(b)) => a.extend(b.iter().cloned()),
            _ => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

fn plan_op(
    project: &Project,
    op: &ResourceOp,
    version: DbtVersion,
    tests_key: &str,
) -> Result<Vec<(String, FileEdit)>, PlanError> {
    match op {
        ResourceOp::AddEntry { key, entry, file } => {
            return add_entry(project, key, entry, file.as_deref());
        }
        ResourceOp::AddSqlModel { path, sql, entry } => {
            return add_sql_model(project, path, sql, entry);
        }
        ResourceOp::SetSqlConfig { resource, values } => {
            let r = find(project, resource)?;
            return sql_config_edit(r, values)
                .map(|edit| vec![(r.location.file.to_string(), edit)]);
        }
        ResourceOp::AddSingularTest { name, sql, file } => {
            return add_singular_test(project, name, sql, file.as_deref());
        }
        ResourceOp::AddAnalysis { name, sql, file } => {
            return add_sql_file(project, ResourceKind::Analysis, name, sql, file.as_deref());
        }
        ResourceOp::Set {
            resource,
            field,
            value: Value::String(text),
        } if field == "description"
            && project
                .get(resource)
                .is_some_and(|r| r.kind == ResourceKind::Doc) =>
        {
            // A docs block's description is its text.
            let r = find(project, resource)?;
            return Ok(vec![(
                r.location.file.to_string(),
                FileEdit::DocsBody {
                    name: r.name.clone(),
                    text: super::dbt_rules::escape_jinja(text),
                },
            )]);
        }
        ResourceOp::ReplaceSql { resource, sql } => {
            let r = find(project, resource)?;
            let sql_file = matches!(
                r.kind,
                ResourceKind::Model | ResourceKind::SingularTest | ResourceKind::Analysis
            ) && r.location.file.ends_with(".sql");
            if !sql_file {
                return Err(PlanError::NotApplicable {
                    resource: resource.clone(),
                    reason: "not a SQL model, analysis or singular test".into(),
                });
            }
            let mut sql = sql.clone();
            if !sql.ends_with('\n') {
                sql.push('\n');
            }
            return Ok(vec![(r.location.file.to_string(), FileEdit::Replace(sql))]);
        }
        _ => {}
    }
    if let ResourceOp::AddModel {
        name,
        folder,
        sql,
        description,
        columns,
        meta,
    } = op
    {
        let spec = NewModel {
            name,
            folder,
            sql,
            description: description.as_deref(),
            columns,
            meta: meta.as_ref(),
        };
        return add_model(project, &spec, version, tests_key);
    }
    Ok(plan_yaml_op(project, op, version, tests_key)?
        .into_iter()
        .map(|(file, edit)| match doc_redirect(project, op, &edit) {
            Some(redirect) => redirect,
            None if matches!(&edit, YamlEdit::Remove { path } if path.0.is_empty()) => {
                (file, FileEdit::Delete)
            }
            None => (file, FileEdit::Yaml(edit)),
        })
        .collect())
}

/// Setting a description that is exactly a `{{ doc() }}` reference edits the docs block it
/// names, and leaves the reference in place.
fn doc_redirect(project: &Project, op: &ResourceOp, edit: &YamlEdit) -> Option<(String, FileEdit)> {
    let ResourceOp::Set {
        resource,
        field,
        value,
    } = op
    else {
        return None;
    };
    let (Some(text), "description") = (value.as_str(), field.as_str()) else {
        return None;
    };
    let r = project.get(resource)?;
    let name = doc_only(r.description.as_deref()?)?;
    let doc = project.get(&format!("doc.{}.{name}", r.package))?;
    let _ = edit;
    Some((
        doc.location.file.to_string(),
        FileEdit::DocsBody {
            name,
            text: super::dbt_rules::escape_jinja(text),
        },
    ))
}

fn plan_yaml_op(
    project: &Project,
    op: &ResourceOp,
    version: DbtVersion,
    tests_key: &str,
) -> Result<Vec<(String, YamlEdit)>, PlanError> {
    match op {
        ResourceOp::Set {
            resource,
            field,
            value,
        } => {
            let r = find(project, resource)?;
            let (file, base, node) = entry(r)?;
            let value = escape_value(value, last_key(field));
            if let Some(edits) = test_list_edits(base, node, field, &value) {
                return Ok(edits.into_iter().map(|e| (file.to_string(), e)).collect());
            }
            Ok(vec![(
                file.to_string(),
                set_nested(base, node, field, value),
            )])
        }
        ResourceOp::Append {
            resource,
            field,
            value,
        } => {
            let r = find(project, resource)?;
            let (file, base, _) = entry(r)?;
            Ok(vec![(
                file.to_string(),
                YamlEdit::Append {
                    path: path_of(base, field),
                    value: escape_value(value, last_key(field)),
                },
            )])
        }
        ResourceOp::Unset { resource, field } => {
            let r = find(project, resource)?;
            let (file, base, _) = entry(r)?;
            Ok(vec![(
                file.to_string(),
                YamlEdit::Remove {
                    path: path_of(base, field),
                },
            )])
        }
        ResourceOp::SetColumn {
            resource,
            column,
            field,
            value,
        } => {
            let r = find(project, resource)?;
            let (file, base, node) = entry(r)?;
            let value = escape_value(value, last_key(field));
            let existing = node.get("columns").and_then(|c| c.item_named(column));
            if let Some((i, col)) = existing
                && let Some(edits) =
                    test_list_edits(&format!("{base}.columns[{i}]"), col, field, &value)
            {
                return Ok(edits.into_iter().map(|e| (file.to_string(), e)).collect());
            }
            let edit = match existing {
                Some((i, col)) => set_nested(&format!("{base}.columns[{i}]"), col, field, value),
                None => {
                    let mut entry = serde_json::Map::new();
                    entry.insert("name".into(), Value::String(column.clone()));
                    let parts: Vec<&str> = field.split('.').collect();
                    let nested = nest(&parts[1..], value);
                    entry.insert(parts[0].to_string(), nested);
                    YamlEdit::Append {
                        path: path_of(base, "columns"),
                        value: Value::Object(entry),
                    }
                }
            };
            Ok(vec![(file.to_string(), edit)])
        }
        ResourceOp::UnsetColumn {
            resource,
            column,
            field,
        } => {
            let r = find(project, resource)?;
            let (file, base, _) = entry(r)?;
            let mut path = column_path(base, column);
            path.0
                .extend(field.split('.').map(|s| Segment::Key(s.to_string())));
            Ok(vec![(file.to_string(), YamlEdit::Remove { path })])
        }
        ResourceOp::RemoveColumn { resource, column } => {
            let r = find(project, resource)?;
            let (file, base, _) = entry(r)?;
            Ok(vec![(
                file.to_string(),
                YamlEdit::Remove {
                    path: column_path(base, column),
                },
            )])
        }
        ResourceOp::AddTest {
            resource,
            column,
            test,
        } => {
            let r = find(project, resource)?;
            let (file, base, node) = entry(r)?;
            let (holder, holder_path) = match column {
                None => (Some(node), base.to_string()),
                Some(c) => match node.get("columns").and_then(|cols| cols.item_named(c)) {
                    Some((i, col)) => (Some(col), format!("{base}.columns[{i}]")),
                    None => (None, String::new()),
                },
            };
            let item = test.to_entry(version);
            let Some(holder) = holder else {
                // The column has no entry yet: add it with the test.
                let mut entry = serde_json::Map::new();
                entry.insert(
                    "name".into(),
                    Value::String(column.clone().unwrap_or_default()),
                );
                entry.insert(tests_key.into(), Value::Array(vec![item]));
                return Ok(vec![(
                    file.to_string(),
                    YamlEdit::Append {
                        path: path_of(base, "columns"),
                        value: Value::Object(entry),
                    },
                )]);
            };
            // The entry's own key wins over the project's habit.
            let key = if holder.get("tests").is_some() && holder.get("data_tests").is_none() {
                "tests"
            } else if holder.get("data_tests").is_some() {
                "data_tests"
            } else {
                tests_key
            };
            Ok(vec![(
                file.to_string(),
                YamlEdit::Append {
                    path: path_of(&holder_path, key),
                    value: item,
                },
            )])
        }
        ResourceOp::RemoveTest { test } => {
            let r = find(project, test)?;
            if r.kind != ResourceKind::GenericTest {
                return Err(PlanError::NotApplicable {
                    resource: test.clone(),
                    reason: "not a generic test".into(),
                });
            }
            let path =
                YamlPath::parse(&r.location.yaml_path).map_err(|e| PlanError::NotApplicable {
                    resource: test.clone(),
                    reason: e.to_string(),
                })?;
            Ok(vec![(
                r.location.file.to_string(),
                YamlEdit::Remove { path },
            )])
        }
        ResourceOp::AddEntry { .. }
        | ResourceOp::AddSingularTest { .. }
        | ResourceOp::AddAnalysis { .. }
        | ResourceOp::SetSqlConfig { .. }
        | ResourceOp::ReplaceSql { .. } => Err(PlanError::NotApplicable {
            resource: String::new(),
            reason: "planned as whole-file edits".into(),
        }),
        ResourceOp::AddModel { .. } | ResourceOp::AddSqlModel { .. } => {
            Err(PlanError::NotApplicable {
                resource: String::new(),
                reason: "a new model is planned as files, not YAML edits".into(),
            })
        }
        ResourceOp::Remove { resource } => {
            let r = find(project, resource)?;
            let mut out = Vec::new();
            if matches!(
                r.kind,
                ResourceKind::Model
                    | ResourceKind::Seed
                    | ResourceKind::Analysis
                    | ResourceKind::SingularTest
            ) {
                out.push((
                    r.location.file.to_string(),
                    YamlEdit::Remove {
                        path: YamlPath::default(),
                    },
                ));
            }
            if let Some(loc) =
                r.properties_location
                    .as_deref()
                    .or((!r.location.yaml_path.is_empty()).then_some(&r.location))
            {
                let path =
                    YamlPath::parse(&loc.yaml_path).map_err(|e| PlanError::NotApplicable {
                        resource: resource.clone(),
                        reason: e.to_string(),
                    })?;
                out.push((loc.file.to_string(), YamlEdit::Remove { path }));
            }
            Ok(out)
        }
        ResourceOp::Move { resource, to_file } => {
            let r = find(project, resource)?;
            let (file, base, _) = entry(r)?;
            let target = crate::safety::validate_repo_path(to_file).map_err(|e| {
                PlanError::NotApplicable {
                    resource: resource.clone(),
                    reason: e.to_string(),
                }
            })?;
            if target == file {
                return Ok(Vec::new());
            }
            let path = YamlPath::parse(base).map_err(|e| PlanError::NotApplicable {
                resource: resource.clone(),
                reason: e.to_string(),
            })?;
            let Some(Segment::Key(list)) = path.0.first().cloned() else {
                return Err(PlanError::NotApplicable {
                    resource: resource.clone(),
                    reason: "its entry is not in a top-level list".into(),
                });
            };
            if path.0.len() != 2 {
                return Err(PlanError::NotApplicable {
                    resource: resource.clone(),
                    reason:
                        "only whole top-level entries can move (not a source table or a version)"
                            .into(),
                });
            }
            Ok(vec![
                (file.to_string(), YamlEdit::Remove { path }),
                (
                    target,
                    YamlEdit::Append {
                        path: YamlPath(vec![Segment::Key(list)]),
                        value: r.properties.to_json(),
                    },
                ),
            ])
        }
        ResourceOp::Rename { resource, new_name } => {
            let r = find(project, resource)?;
            let yaml_declared = matches!(
                r.kind,
                ResourceKind::Metric
                    | ResourceKind::Exposure
                    | ResourceKind::SavedQuery
                    | ResourceKind::Group
                    | ResourceKind::SemanticModel
                    | ResourceKind::UnitTest
                    | ResourceKind::Source
                    | ResourceKind::Selector
            ) || (r.kind == ResourceKind::Snapshot
                && !r.location.file.ends_with(".sql"));
            if !yaml_declared {
                return Err(PlanError::NotApplicable {
                    resource: resource.clone(),
                    reason: format!(
                        "the {} is named by its file: renaming it moves the file and breaks every \
                         ref() to it, so it is left to the customer",
                        r.kind.label()
                    ),
                });
            }
            let (file, base, node) = entry(r)?;
            if node.get("name").is_none() {
                return Err(PlanError::NotApplicable {
                    resource: resource.clone(),
                    reason: "its entry has no name key".into(),
                });
            }
            Ok(vec![(
                file.to_string(),
                YamlEdit::Set {
                    path: path_of(base, "name"),
                    value: Value::String(new_name.clone()),
                },
            )])
        }
    }
}

impl ResourceOp {
    /// Reads an operation from its JSON (or YAML) form, as used by plan files:
    /// `{op: set, resource: model.acme.orders, field: description, value: "Orders"}`,
    /// `{op: add_test, resource: ..., column: order_id, test: unique, arguments: {...}, config: {...}}`,
    /// and likewise `unset`, `set_column`, `unset_column`, `remove_column`, `remove_test`, `rename`.
    pub fn from_json(v: &Value) -> Result<ResourceOp, String> {
        let text = |key: &str| -> Result<String, String> {
            v.get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("'{key}' is missing or not a string"))
        };
        let map = |key: &str| -> serde_json::Map<String, Value> {
            v.get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let op = text("op")?;
        Ok(match op.as_str() {
            "set" => ResourceOp::Set {
                resource: text("resource")?,
                field: text("field")?,
                value: v.get("value").cloned().ok_or("'value' is missing")?,
            },
            "append" => ResourceOp::Append {
                resource: text("resource")?,
                field: text("field")?,
                value: v.get("value").cloned().ok_or("'value' is missing")?,
            },
            "unset" => ResourceOp::Unset {
                resource: text("resource")?,
                field: text("field")?,
            },
            "set_column" => ResourceOp::SetColumn {
                resource: text("resource")?,
                column: text("column")?,
                field: text("field")?,
                value: v.get("value").cloned().ok_or("'value' is missing")?,
            },
            "unset_column" => ResourceOp::UnsetColumn {
                resource: text("resource")?,
                column: text("column")?,
                field: text("field")?,
            },
            "remove_column" => ResourceOp::RemoveColumn {
                resource: text("resource")?,
                column: text("column")?,
            },
            "add_test" => ResourceOp::AddTest {
                resource: text("resource")?,
                column: text("column").ok(),
                test: TestSpec {
                    name: text("test")?,
                    arguments: map("arguments"),
                    config: map("config"),
                    test_name: text("name").ok(),
                    description: text("description").ok(),
                },
            },
            "remove_test" => ResourceOp::RemoveTest {
                test: text("test")?,
            },
            "add_entry" => ResourceOp::AddEntry {
                key: text("key")?,
                entry: v.get("entry").cloned().ok_or("'entry' is missing")?,
                file: text("file").ok(),
            },
            "set_sql_config" => ResourceOp::SetSqlConfig {
                resource: text("resource")?,
                values: map("values"),
            },
            "add_singular_test" => ResourceOp::AddSingularTest {
                name: text("name")?,
                sql: text("sql")?,
                file: text("file").ok(),
            },
            "add_analysis" => ResourceOp::AddAnalysis {
                name: text("name")?,
                sql: text("sql")?,
                file: text("file").ok(),
            },
            "replace_sql" => ResourceOp::ReplaceSql {
                resource: text("resource")?,
                sql: text("sql")?,
            },
            "remove" => ResourceOp::Remove {
                resource: text("resource")?,
            },
            "move" => ResourceOp::Move {
                resource: text("resource")?,
                to_file: text("to_file")?,
            },
            "rename" => ResourceOp::Rename {
                resource: text("resource")?,
                new_name: text("new_name")?,
            },
            other => {
                return Err(format!(
                    "unknown op '{other}' (set, unset, set_column, remove_column, add_test, remove_test, remove, move, rename, add_entry, add_singular_test, add_analysis, set_sql_config, replace_sql)"
                ));
            }
        })
    }
}
