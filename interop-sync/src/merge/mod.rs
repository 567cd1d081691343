//! Three-way merge of resources: per field, text leaves by line-level diff3, conflicts as values.
//!
//! A resource is the JSON form of its dbt YAML entry (plus a `sql` string for a model's SQL).
//! [`merge_resource`] takes three versions of it: `base`, the last state both sides agreed on;
//! `vendor`, what the vendor tool wants; `repo`, what is in the customer's repository now. Each
//! may be absent (the resource does not exist on that side). The merge goes field by field:
//!
//! - a side equal to the base yields to the other, and equal sides agree (jj's trivial merge);
//! - mappings merge key by key, in the repository's key order, then keys new from the vendor;
//! - lists of dbt entries (columns, tables, tests, tags...) merge item by item, matched by
//!   identity (see [`FieldPath`] for how items are named);
//! - text fields (`description`, `sql`, `raw_sql`, `block`, or any text with lines on both
//!   sides) merge line by line with diff3 ([`merge_text`]);
//! - anything else both sides changed differently, or that one side deleted while the other
//!   changed it, is a [`Conflict`]. Its field's [`Policy`] decides the merged value: `manual`
//!   keeps the repository's and reports it, `prefer-repo` and `prefer-vendor` pick a side and
//!   keep the conflict for reporting.
//!
//! Conflicts are values: nothing here writes conflict markers; [`TextConflict::render_markers`]
//! draws them for display.
//!
//! ```
//! use interop_sync::merge::{Policies, merge_resource};
//! use serde_json::json;
//! let base = json!({"name": "orders", "columns": [{"name": "id"}]});
//! let vendor = json!({"name": "orders", "columns": [{"name": "id", "description": "Key"}]});
//! let repo = json!({"name": "orders", "columns": [{"name": "id"}, {"name": "amount"}]});
//! let result = merge_resource(Some(&base), Some(&vendor), Some(&repo), &Policies::default());
//! assert!(result.conflicts.is_empty());
//! assert_eq!(
//!     result.merged,
//!     Some(json!({"name": "orders", "columns": [
//!         {"name": "id", "description": "Key"}, {"name": "amount"}
//!     ]}))
//! );
//! ```

mod conflict;
mod list;
mod policy;
mod text;
mod value;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use conflict::Conflict;
pub(crate) use list::identity as list_identity;
pub use policy::{FieldPattern, PatternError, Policies, Policy};
pub use text::{ConflictRegion, TextConflict, TextHunk, merge_text};

/// A path to a field of a resource: `columns[name=id].description`.
///
/// The same paths the editor uses: keys, and `[name=...]` for an item of a keyed list. An item's
/// name there is its identity in the merge: the `name` of a mapping (`columns[name=id]`), the
/// key of a one-key mapping (`data_tests[name=accepted_values]`, or
/// `data_tests[name=accepted_values:status_ok]` when its arguments carry a `name`), or the value
/// of a scalar (`tags[name=nightly]`, `data_tests[name=unique]`). The editor's `[name=...]`
/// lookup finds only the first kind. Merge paths never hold list positions (`[0]`). The empty
/// path is the whole resource.
pub type FieldPath = crate::edit::YamlPath;

/// The value at `path` in `value`, found the way [`put`] finds it.
pub fn get<'a>(value: &'a Value, path: &FieldPath) -> Option<&'a Value> {
    use crate::edit::Segment;
    path.0.iter().try_fold(value, |cur, seg| match seg {
        Segment::Key(k) => cur.get(k),
        Segment::Index(i) => cur.get(*i),
        Segment::Named(n) => cur
            .as_array()?
            .iter()
            .find(|item| list::identity(item).as_deref() == Some(n.as_str())),
    })
}

/// Puts `new` at `path` in `value` (removes the field for `None`): keys are created on the way,
/// `[name=...]` finds a list item by its merge identity (an item missing there is appended, or
/// removed for `None`). Used to show one side's version of a conflicting field.
pub fn put(value: &mut Value, path: &FieldPath, new: Option<Value>) {
    use crate::edit::Segment;
    let Some((last, parents)) = path.0.split_last() else {
        if let Some(v) = new {
            *value = v;
        }
        return;
    };
    let mut cur = value;
    for seg in parents {
        cur = match seg {
            Segment::Key(k) => {
                if !cur.is_object() {
                    *cur = Value::Object(Default::default());
                }
                let map = cur.as_object_mut().expect("an object");
                map.entry(k.clone())
                    .or_insert_with(|| Value::Object(Default::default()))
            }
            Segment::Named(n) => {
                let Some(items) = cur.as_array_mut() else {
                    return;
                };
                match items
                    .iter()
                    .position(|i| list::identity(i).as_deref() == Some(n))
                {
                    Some(i) => &mut items[i],
                    None => return,
                }
            }
            Segment::Index(i) => match cur.get_mut(*i) {
                Some(v) => v,
                None => return,
            },
        };
    }
    match (last, cur) {
        (Segment::Key(k), Value::Object(map)) => match new {
            Some(v) => {
                map.insert(k.clone(), v);
            }
            None => {
                map.shift_remove(k);
            }
        },
        (Segment::Named(n), Value::Array(items)) => {
            let at = items
                .iter()
                .position(|i| list::identity(i).as_deref() == Some(n));
            match (at, new) {
                (Some(i), Some(v)) => items[i] = v,
                (Some(i), None) => {
                    items.remove(i);
                }
                (None, Some(v)) => items.push(v),
                (None, None) => {}
            }
        }
        (Segment::Index(i), Value::Array(items)) if *i < items.len() => match new {
            Some(v) => items[*i] = v,
            None => {
                items.remove(*i);
            }
        },
        _ => {}
    }
}

/// The outcome of [`merge_resource`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeResult {
    /// The merged resource; `None` when the result is that it does not exist. Fields in
    /// `conflicts` hold the repository's value.
    #[serde(
        default,
        with = "conflict::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub merged: Option<Value>,
    /// Conflicts for a person to resolve (fields under the `manual` policy).
    pub conflicts: Vec<Conflict>,
    /// Conflicts a `prefer-repo` or `prefer-vendor` policy resolved, kept for reporting.
    pub auto_resolved: Vec<Conflict>,
}

impl MergeResult {
    /// Whether nothing is left for a person to resolve.
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// Merges three versions of one resource field by field (see the [module](self) documentation
/// for the rules); `None` is a side where the resource does not exist.
pub fn merge_resource(
    base: Option<&Value>,
    vendor: Option<&Value>,
    repo: Option<&Value>,
    policies: &Policies,
) -> MergeResult {
    let mut merger = value::Merger::new(policies);
    let merged = merger.merge(&FieldPath::default(), base, vendor, repo);
    merger.finish(merged)
}
