//! The sync state: what a vendor and a repo last agreed on, kept by a
//! [`BaseStore`](interop_sync::git::BaseStore) (by default under `refs/interop/<vendor>/base`
//! in the customer's repo). It is also where identity lives: the vendor's object ids mapped to
//! dbt unique ids, so the customer's files carry no Interop bookkeeping.

use std::collections::{BTreeMap, BTreeSet};

use interop_sync::merge::Conflict;
use interop_sync::plan::ResourceState;
use serde::{Deserialize, Serialize};

/// The schema name written into every state.
pub const STATE_SCHEMA: &str = "interop.sync-state/v1";

/// One resource both sides know, under the vendor's id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Synced {
    /// dbt's unique id in the repo.
    pub unique_id: String,
    /// The state (fields in the session's scope).
    pub state: ResourceState,
    /// For a proposal: the repo's state when it was proposed (`None` for a new resource), to
    /// tell later whether the customer took it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<ResourceState>,
    /// For a proposal: the vendor removed the resource and the sync branch deletes it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// The state of a vendor's sync with one repo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    /// Always [`STATE_SCHEMA`].
    pub schema: String,
    /// The vendor.
    pub vendor: String,
    /// What both sides agree on, by vendor id.
    #[serde(default)]
    pub agreed: BTreeMap<String, Synced>,
    /// What the open sync branch proposes to the repo, by vendor id.
    #[serde(default)]
    pub proposed: BTreeMap<String, Synced>,
    /// The commit of the open sync branch, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_commit: Option<String>,
    /// Conflicts a person resolved, by vendor id and field path: which side wins there.
    #[serde(default)]
    pub resolutions: BTreeMap<String, BTreeMap<String, crate::Choice>>,
    /// The vendor ids of resources the vendor created (its own transforms): fields a scope
    /// owns only on such resources are the vendor's there.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub created: BTreeSet<String>,
    /// Conflicts the last sync left open, by vendor id. Their vendor side is what the vendor
    /// still holds, so a pull before they are resolved keeps it rather than taking the
    /// repo's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub open_conflicts: BTreeMap<String, Vec<Conflict>>,
}

impl SyncState {
    /// An empty state for `vendor` (before the first sync).
    pub fn new(vendor: &str) -> Self {
        SyncState {
            schema: STATE_SCHEMA.into(),
            vendor: vendor.into(),
            agreed: BTreeMap::new(),
            proposed: BTreeMap::new(),
            proposal_commit: None,
            resolutions: BTreeMap::new(),
            created: BTreeSet::new(),
            open_conflicts: BTreeMap::new(),
        }
    }

    /// Parses a stored state.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        let state: SyncState =
            serde_json::from_slice(bytes).map_err(|e| format!("sync state: {e}"))?;
        if state.schema != STATE_SCHEMA {
            return Err(format!(
                "sync state: schema '{}' is not '{STATE_SCHEMA}'",
                state.schema
            ));
        }
        Ok(state)
    }

    /// The stored form: pretty JSON, keys in a stable order.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

/// The new agreed value of a resource: for every field where `vendor` and `repo` hold the same
/// value, that value; everywhere else the old agreed value (or nothing). A vendor that only
/// describes some fields of a resource agrees on those alone, so the others never read as
/// "deleted by the vendor" later.
pub fn advance(
    old: Option<&serde_json::Value>,
    vendor: Option<&serde_json::Value>,
    repo: Option<&serde_json::Value>,
) -> Option<serde_json::Value> {
    use serde_json::{Map, Value};
    match (vendor, repo) {
        (Some(v), Some(r)) if v == r => Some(v.clone()),
        // Both sides dropped it: they agree it is gone.
        (None, None) => None,
        (Some(Value::Object(v)), Some(Value::Object(r))) => {
            let empty = Map::new();
            let o = old.and_then(Value::as_object).unwrap_or(&empty);
            let mut out = Map::new();
            // The repo's key order, then the vendor's new keys, then keys only the base has.
            let mut keys: Vec<&String> = r.keys().collect();
            keys.extend(v.keys().filter(|k| !r.contains_key(*k)));
            keys.extend(
                o.keys()
                    .filter(|k| !r.contains_key(*k) && !v.contains_key(*k)),
            );
            for key in keys {
                if let Some(value) = advance(o.get(key), v.get(key), r.get(key)) {
                    out.insert(key.clone(), value);
                }
            }
            Some(Value::Object(out))
        }
        (Some(Value::Array(v)), Some(Value::Array(r))) if named(v) && named(r) => {
            let o: &[Value] = old.and_then(Value::as_array).map_or(&[], |a| a.as_slice());
            let find = |list: &[Value], name: &Value| {
                list.iter().find(|i| i.get("name") == Some(name)).cloned()
            };
            let mut out = Vec::new();
            let mut names: Vec<Value> = Vec::new();
            for item in r.iter().chain(v.iter()).chain(o.iter()) {
                if let Some(n) = item.get("name")
                    && !names.contains(n)
                {
                    names.push(n.clone());
                }
            }
            for name in names {
                let (ov, vv, rv) = (find(o, &name), find(v, &name), find(r, &name));
                if let Some(item) = advance(ov.as_ref(), vv.as_ref(), rv.as_ref()) {
                    out.push(item);
                }
            }
            Some(Value::Array(out))
        }
        _ => old.cloned(),
    }
}

/// Whether every item has a name no other item has (a derived metric's inputs may name one
/// metric twice, with and without an offset: such a list is one value).
fn named(items: &[serde_json::Value]) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    items.iter().all(|i| {
        i.get("name")
            .and_then(serde_json::Value::as_str)
            .is_some_and(|n| seen.insert(n))
    })
}

/// `merged` reduced to the fields `vendor` has: what the vendor holds once it applies the
/// vendor changes of a sync (fields it never had stay unknown to it).
pub fn restrict(merged: &serde_json::Value, vendor: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Map, Value};
    match (merged, vendor) {
        (Value::Object(m), Value::Object(v)) => {
            let mut out = Map::new();
            for (k, mv) in m {
                if let Some(vv) = v.get(k) {
                    out.insert(k.clone(), restrict(mv, vv));
                }
            }
            Value::Object(out)
        }
        (Value::Array(m), Value::Array(v)) if named(m) && named(v) => Value::Array(
            m.iter()
                .filter_map(|item| {
                    let theirs = v.iter().find(|i| i.get("name") == item.get("name"))?;
                    Some(restrict(item, theirs))
                })
                .collect(),
        ),
        (m, _) => m.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::advance;
    use serde_json::json;

    #[test]
    fn lists_naming_an_item_twice_advance_whole() {
        let inputs = json!({"name": "g", "input_metrics": [
            {"name": "revenue"}, {"name": "revenue", "alias": "prior", "offset_window": "1 week"}]});
        assert_eq!(
            advance(None, Some(&inputs), Some(&inputs)),
            Some(inputs.clone())
        );
        assert_eq!(super::restrict(&inputs, &inputs), inputs);
    }

    #[test]
    fn only_fields_both_sides_hold_advance() {
        let old = json!({"name": "m", "label": "A", "description": "old"});
        let vendor = json!({"name": "m", "label": "B", "description": "new"});
        let repo = json!({"name": "m", "label": "C", "description": "new", "tags": ["x"],
            "columns": [{"name": "id", "description": "Id"}]});
        assert_eq!(
            advance(Some(&old), Some(&vendor), Some(&repo)),
            Some(json!({"name": "m", "label": "A", "description": "new"}))
        );
        assert_eq!(advance(None, None, Some(&repo)), None);
        assert_eq!(
            advance(Some(&old), None, None),
            None,
            "deleted on both sides"
        );
    }
}
