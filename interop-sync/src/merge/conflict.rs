//! A conflict is a value: the path of the field and its three versions, kept in the sync state
//! and shown to a person; markers are drawn only at the edges.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::FieldPath;
use super::text::{Side, TextConflict};

/// A field both sides changed differently (or one deleted while the other edited).
///
/// `None` means the field (or, at the root path, the whole resource) does not exist on that
/// side; `Some(Value::Null)` is a field whose value is null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// The field; the empty path is the whole resource.
    #[serde(with = "path_text")]
    pub path: FieldPath,
    /// The value at the last sync.
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    pub base: Option<Value>,
    /// The value the vendor wants.
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    pub vendor: Option<Value>,
    /// The value in the repository.
    #[serde(default, with = "present", skip_serializing_if = "Option::is_none")]
    pub repo: Option<Value>,
    /// For a text field whose line merge found overlapping edits: the merged text with its
    /// conflicting regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextConflict>,
}

impl Conflict {
    /// Whether one side deleted the field while the other changed it.
    pub fn is_deletion_against_edit(&self) -> bool {
        self.base.is_some() && (self.vendor.is_none() || self.repo.is_none())
    }

    /// The value when `side` wins: that side's value, or for a text conflict the merged text
    /// with that side's lines in each conflicting region (edits elsewhere are kept).
    pub(crate) fn resolve(&self, side: Side) -> Option<Value> {
        match (&self.text, side) {
            (Some(text), _) => Some(Value::String(text.resolve(side))),
            (None, Side::Vendor) => self.vendor.clone(),
            (None, Side::Repo) => self.repo.clone(),
        }
    }
}

/// Serializes a path as its text, `columns[name=id].description`.
pub(crate) mod path_text {
    use super::*;

    pub fn serialize<S: Serializer>(path: &FieldPath, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(path)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<FieldPath, D::Error> {
        let text = String::deserialize(d)?;
        FieldPath::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An optional value that tells "absent" (the key left out, with `skip_serializing_if`) from
/// "null" (`null`), which serde's `Option` would read back alike.
pub(crate) mod present {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<Value>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => s.serialize_some(value),
            // Fields using this skip `None`; were one not to, null is the closest there is.
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Value::deserialize(d).map(Some)
    }
}
