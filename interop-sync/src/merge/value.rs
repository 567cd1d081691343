//! The recursive merge of JSON values: trivial merges first, then mappings key by key, keyed
//! lists item by item, text fields line by line, and everything else as a single value.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::conflict::Conflict;
use super::list::keyed;
use super::policy::{Policies, Policy};
use super::text::{Side, TextConflict, merge_text};
use super::{FieldPath, MergeResult};
use crate::edit::Segment;

/// Keys whose string values are prose or code, merged line by line even when on one line.
const TEXT_KEYS: &[&str] = &["description", "sql", "raw_sql", "block"];

/// Walks the three versions together, collecting conflicts as it resolves them by policy.
pub(crate) struct Merger<'p> {
    policies: &'p Policies,
    conflicts: Vec<Conflict>,
    auto_resolved: Vec<Conflict>,
}

impl<'p> Merger<'p> {
    pub(crate) fn new(policies: &'p Policies) -> Self {
        Merger {
            policies,
            conflicts: Vec::new(),
            auto_resolved: Vec::new(),
        }
    }

    pub(crate) fn finish(self, merged: Option<Value>) -> MergeResult {
        MergeResult {
            merged,
            conflicts: self.conflicts,
            auto_resolved: self.auto_resolved,
        }
    }

    /// The merged value at `path` (`None`: the field is absent from the result).
    pub(crate) fn merge(
        &mut self,
        path: &FieldPath,
        base: Option<&Value>,
        vendor: Option<&Value>,
        repo: Option<&Value>,
    ) -> Option<Value> {
        // jj's trivial merge: a side that did not change yields to the other.
        if vendor == repo || vendor == base {
            return repo.cloned();
        }
        if repo == base {
            return vendor.cloned();
        }
        let (Some(v), Some(r)) = (vendor, repo) else {
            return self.conflict(path, base, vendor, repo, None);
        };
        match (v, r) {
            (Value::Object(v), Value::Object(r)) => {
                let base = base.and_then(Value::as_object);
                Some(Value::Object(self.merge_objects(path, base, v, r)))
            }
            (Value::Array(v_items), Value::Array(r_items)) => {
                let lists = (
                    match base {
                        Some(Value::Array(b_items)) => keyed(b_items),
                        _ => Some(IndexMap::new()),
                    },
                    keyed(v_items),
                    keyed(r_items),
                );
                match lists {
                    (Some(b), Some(v), Some(r)) => {
                        Some(Value::Array(self.merge_lists(path, &b, &v, &r)))
                    }
                    _ => self.conflict(path, base, vendor, repo, None),
                }
            }
            (Value::String(v_text), Value::String(r_text)) if is_text(path, v_text, r_text) => {
                self.merge_texts(path, base, v_text, r_text)
            }
            _ => self.conflict(path, base, vendor, repo, None),
        }
    }

    /// Key by key; the repository's key order, then keys only the vendor has, in its order.
    fn merge_objects(
        &mut self,
        path: &FieldPath,
        base: Option<&Map<String, Value>>,
        vendor: &Map<String, Value>,
        repo: &Map<String, Value>,
    ) -> Map<String, Value> {
        let keys = repo
            .keys()
            .chain(vendor.keys().filter(|k| !repo.contains_key(*k)));
        let mut merged = Map::new();
        for key in keys {
            let value = self.merge(
                &path.key(key),
                base.and_then(|b| b.get(key)),
                vendor.get(key),
                repo.get(key),
            );
            if let Some(value) = value {
                merged.insert(key.clone(), value);
            }
        }
        merged
    }

    /// Item by identity; the repository's order, each item only the vendor has placed after the
    /// item before it in the vendor's list when that is in the result, else at the end.
    fn merge_lists(
        &mut self,
        path: &FieldPath,
        base: &IndexMap<String, &Value>,
        vendor: &IndexMap<String, &Value>,
        repo: &IndexMap<String, &Value>,
    ) -> Vec<Value> {
        let mut ids: Vec<&str> = Vec::new();
        let mut items: Vec<Value> = Vec::new();
        for (id, item) in repo {
            let value = self.merge(
                &named(path, id),
                base.get(id).copied(),
                vendor.get(id).copied(),
                Some(item),
            );
            if let Some(value) = value {
                ids.push(id);
                items.push(value);
            }
        }
        let mut previous: Option<&str> = None;
        for (id, item) in vendor {
            if !repo.contains_key(id)
                && let Some(value) =
                    self.merge(&named(path, id), base.get(id).copied(), Some(item), None)
            {
                let at = previous
                    .and_then(|p| ids.iter().position(|i| *i == p))
                    .map_or(ids.len(), |i| i + 1);
                ids.insert(at, id);
                items.insert(at, value);
            }
            previous = Some(id);
        }
        items
    }

    fn merge_texts(
        &mut self,
        path: &FieldPath,
        base: Option<&Value>,
        vendor: &str,
        repo: &str,
    ) -> Option<Value> {
        let vendor_value = Value::String(vendor.to_string());
        let repo_value = Value::String(repo.to_string());
        let (vendor_side, repo_side) = (Some(&vendor_value), Some(&repo_value));
        // Added on both sides, or a text where there was something else: nothing to diff against.
        let Some(base_text) = base.and_then(Value::as_str) else {
            return self.conflict(path, base, vendor_side, repo_side, None);
        };
        // One line changed two ways: the whole value is the conflict.
        if [base_text, vendor, repo]
            .iter()
            .all(|t| t.lines().nth(1).is_none())
        {
            return self.conflict(path, base, vendor_side, repo_side, None);
        }
        match merge_text(base_text, vendor, repo) {
            Ok(merged) => Some(Value::String(merged)),
            Err(text) => self.conflict(path, base, vendor_side, repo_side, Some(text)),
        }
    }

    /// Records a conflict and returns the value its policy gives the field.
    fn conflict(
        &mut self,
        path: &FieldPath,
        base: Option<&Value>,
        vendor: Option<&Value>,
        repo: Option<&Value>,
        text: Option<TextConflict>,
    ) -> Option<Value> {
        let conflict = Conflict {
            path: path.clone(),
            base: base.cloned(),
            vendor: vendor.cloned(),
            repo: repo.cloned(),
            text,
        };
        let (value, list) = match self.policies.policy_for(path) {
            Policy::Manual => (conflict.repo.clone(), &mut self.conflicts),
            Policy::PreferRepo => (conflict.resolve(Side::Repo), &mut self.auto_resolved),
            Policy::PreferVendor => (conflict.resolve(Side::Vendor), &mut self.auto_resolved),
        };
        list.push(conflict);
        value
    }
}

/// Whether two changed strings are text to merge line by line: a text key, or lines on both
/// sides.
fn is_text(path: &FieldPath, vendor: &str, repo: &str) -> bool {
    let text_key =
        matches!(path.0.last(), Some(Segment::Key(k)) if TEXT_KEYS.contains(&k.as_str()));
    text_key || (vendor.contains('\n') && repo.contains('\n'))
}

fn named(path: &FieldPath, id: &str) -> FieldPath {
    let mut path = path.clone();
    path.0.push(Segment::Named(id.to_string()));
    path
}
