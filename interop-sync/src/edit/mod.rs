//! Lossless edits of existing files. An edit is planned as an operation at a YAML path and
//! applied as a splice of the file's own text; the result is re-read and must mean exactly what
//! the operation meant, or the file is left alone and the edit reported.
//!
//! ```
//! use interop_sync::edit::{SpliceEditor, YamlEdit, YamlEditor, YamlPath};
//! let before = "models:\n  - name: orders   # the orders\n    description: \"Old\"\n";
//! let edit = YamlEdit::Set {
//!     path: YamlPath::parse("models[name=orders].description").unwrap(),
//!     value: "New".into(),
//! };
//! let after = SpliceEditor::default().apply(before, &[edit]).unwrap();
//! assert_eq!(after.text, "models:\n  - name: orders   # the orders\n    description: \"New\"\n");
//! ```

pub mod dbt_rules;
pub mod emit;
mod path;
pub mod plan;
mod splice;
mod style;

use serde_json::Value;

pub use path::{PathSyntaxError, Segment, YamlPath};
pub use splice::Splice;
pub use style::FileStyle;

use crate::read::yaml;
use crate::safety::Limits;

/// One operation on a YAML document.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlEdit {
    /// Sets the value at `path`, creating the last key when it is missing.
    Set {
        /// Where.
        path: YamlPath,
        /// The new value.
        value: Value,
    },
    /// Adds `key` to the mapping at `path`, after the key `after` (or last).
    Insert {
        /// The mapping.
        path: YamlPath,
        /// The new key.
        key: String,
        /// Its value.
        value: Value,
        /// The key to insert after.
        after: Option<String>,
    },
    /// Appends an item to the list at `path` (creating the list when missing).
    Append {
        /// The list.
        path: YamlPath,
        /// The new item.
        value: Value,
    },
    /// Removes the key or item at `path`.
    Remove {
        /// What to remove.
        path: YamlPath,
    },
    /// Renames the key at `path`.
    RenameKey {
        /// The key.
        path: YamlPath,
        /// Its new name.
        new_key: String,
    },
}

impl YamlEdit {
    /// The path the edit works at, to change.
    pub fn path_mut(&mut self) -> &mut YamlPath {
        match self {
            YamlEdit::Set { path, .. }
            | YamlEdit::Insert { path, .. }
            | YamlEdit::Append { path, .. }
            | YamlEdit::Remove { path }
            | YamlEdit::RenameKey { path, .. } => path,
        }
    }

    /// The path the edit works at.
    pub fn path(&self) -> &YamlPath {
        match self {
            YamlEdit::Set { path, .. }
            | YamlEdit::Insert { path, .. }
            | YamlEdit::Append { path, .. }
            | YamlEdit::Remove { path }
            | YamlEdit::RenameKey { path, .. } => path,
        }
    }
}

/// Why an edit was refused. The file is left as it was.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The file does not parse, so it cannot be edited safely.
    #[error("the file cannot be read: {0}")]
    Unreadable(String),
    /// The path does not lead where the edit needs.
    #[error("{path}: {reason}")]
    Path {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The edited text does not mean what the edit meant (a bug in the editor, caught).
    #[error("the edited file would not mean what the edit meant: {0}")]
    Verification(String),
}

/// An edited file.
#[derive(Debug, Clone, PartialEq)]
pub struct EditedText {
    /// The new text.
    pub text: String,
    /// The splices made, in order, each against the text as it was after the ones before.
    pub splices: Vec<Splice>,
}

/// Applies YAML edits to a file's text without re-serialising it.
///
/// The one implementation today is [`SpliceEditor`]; the trait keeps the door open for a
/// syntax-tree editor such as the `yaml-edit` crate.
pub trait YamlEditor {
    /// Applies `edits` in order, verifying the result.
    fn apply(&self, text: &str, edits: &[YamlEdit]) -> Result<EditedText, EditError>;
}

/// The span-splicing editor.
#[derive(Debug, Clone, Default)]
pub struct SpliceEditor {
    limits: Limits,
}

impl SpliceEditor {
    /// An editor that reads files (before and after each edit) within `limits`.
    pub fn new(limits: Limits) -> Self {
        SpliceEditor { limits }
    }
}

impl YamlEditor for SpliceEditor {
    fn apply(&self, text: &str, edits: &[YamlEdit]) -> Result<EditedText, EditError> {
        let before =
            yaml::parse(text, &self.limits).map_err(|e| EditError::Unreadable(e.to_string()))?;
        let mut expected = before.as_ref().map_or(Value::Null, |n| n.to_json());
        // The first edit plans on the tree already parsed; later ones re-parse the edited text.
        let mut parsed = Some(before);
        let mut current = text.to_string();
        let mut splices = Vec::with_capacity(edits.len());
        for edit in edits {
            let unchanged = expected.clone();
            apply_to_json(&mut expected, edit).map_err(|reason| EditError::Path {
                path: edit.path().to_string(),
                reason,
            })?;
            // An edit that changes no meaning changes no byte (no requoting, no reflow).
            if expected == unchanged {
                continue;
            }
            let splice = match parsed.take() {
                Some(root) => splice::plan_parsed(&current, root, edit)?,
                None => splice::plan(&current, edit, &self.limits)?,
            };
            current.replace_range(splice.range.clone(), &splice.text);
            splices.push(splice);
        }
        let after = yaml::parse(&current, &self.limits)
            .map_err(|e| EditError::Verification(format!("the result does not parse: {e}")))?;
        let got = after.as_ref().map_or(Value::Null, |n| n.to_json());
        if got != expected {
            return Err(EditError::Verification(format!(
                "expected {expected}, read back {got}"
            )));
        }
        Ok(EditedText {
            text: current,
            splices,
        })
    }
}

/// What an edit means, applied to the document's JSON.
fn apply_to_json(doc: &mut Value, edit: &YamlEdit) -> Result<(), String> {
    fn step<'a>(v: &'a mut Value, seg: &Segment) -> Result<&'a mut Value, String> {
        match (seg, v) {
            (Segment::Key(k), Value::Object(m)) => {
                m.get_mut(k).ok_or_else(|| format!("no key {k}"))
            }
            (Segment::Index(i), Value::Array(a)) => {
                a.get_mut(*i).ok_or_else(|| format!("no item {i}"))
            }
            (Segment::Named(n), Value::Array(a)) => a
                .iter_mut()
                .find(|item| name_of(item).as_deref() == Some(n.as_str()))
                .ok_or_else(|| format!("no entry named '{n}'")),
            (seg, _) => Err(format!("cannot step into {seg:?}")),
        }
    }
    fn walk<'a>(doc: &'a mut Value, path: &[Segment]) -> Result<&'a mut Value, String> {
        path.iter().try_fold(doc, |v, s| step(v, s))
    }
    let parent_and_last = |path: &YamlPath| -> Result<(Vec<Segment>, Segment), String> {
        let (last, parent) = path.0.split_last().ok_or("empty path")?;
        Ok((parent.to_vec(), last.clone()))
    };
    if doc.is_null() {
        *doc = Value::Object(Default::default());
    }
    match edit {
        YamlEdit::Set { path, value } => {
            let (parent, last) = parent_and_last(path)?;
            let p = walk(doc, &parent)?;
            match (&last, p) {
                (Segment::Key(k), Value::Object(m)) => {
                    m.insert(k.clone(), value.clone());
                }
                (seg, p) => *step(p, seg)? = value.clone(),
            }
        }
        YamlEdit::Insert {
            path,
            key,
            value,
            after,
        } => {
            let Value::Object(m) = walk(doc, &path.0)? else {
                return Err("not a mapping".into());
            };
            if m.contains_key(key) {
                return Err(format!("the key '{key}' exists (set it instead)"));
            }
            let at = after
                .as_ref()
                .and_then(|a| m.keys().position(|k| k == a))
                .map_or(m.len(), |i| i + 1);
            m.shift_insert(at, key.clone(), value.clone());
        }
        YamlEdit::Append { path, value } => {
            let (parent, last) = parent_and_last(path)?;
            let p = walk(doc, &parent)?;
            if let (Segment::Key(k), Value::Object(m)) = (&last, &mut *p)
                && !m.contains_key(k)
            {
                m.insert(k.clone(), Value::Array(vec![]));
            }
            match step(p, &last)? {
                Value::Array(a) => a.push(value.clone()),
                _ => return Err("not a list".into()),
            }
        }
        YamlEdit::Remove { path } => {
            let (parent, last) = parent_and_last(path)?;
            match (walk(doc, &parent)?, &last) {
                (Value::Object(m), Segment::Key(k)) => {
                    m.shift_remove(k);
                }
                (Value::Array(a), Segment::Index(i)) if *i < a.len() => {
                    a.remove(*i);
                }
                (Value::Array(a), Segment::Named(n)) => {
                    let i = a
                        .iter()
                        .position(|item| name_of(item).as_deref() == Some(n.as_str()))
                        .ok_or("no such entry")?;
                    a.remove(i);
                }
                _ => return Err("nothing to remove".into()),
            }
        }
        YamlEdit::RenameKey { path, new_key } => {
            let (parent, last) = parent_and_last(path)?;
            let (Value::Object(m), Segment::Key(k)) = (walk(doc, &parent)?, &last) else {
                return Err("not a key".into());
            };
            let i = m.keys().position(|key| key == k).ok_or("no such key")?;
            if new_key != k && m.contains_key(new_key) {
                return Err(format!("the key '{new_key}' exists"));
            }
            let v = m.shift_remove(k).ok_or("no such key")?;
            m.shift_insert(i, new_key.clone(), v);
        }
    }
    Ok(())
}

/// The `name` of a dbt entry, compared as text the way the reader does.
fn name_of(item: &Value) -> Option<String> {
    match item.get("name")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        _ => None,
    }
}
