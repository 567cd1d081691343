//! The sync state: what a vendor and a repo last agreed on, kept by a
//! [`BaseStore`](interop_sync::git::BaseStore) (by default under `refs/interop/<vendor>/base`
//! in the customer's repo). It is also where identity lives: the vendor's object ids mapped to
//! dbt unique ids, so the customer's files carry no Interop bookkeeping.

use std::collections::BTreeMap;

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
