//! From resources to states and back to edits: the state of a synced resource as a JSON value
//! (what the three-way merge compares), and the edit operations that turn one state into
//! another in the repo's own files.

mod diff;
mod state;

pub use diff::{NEW_SOURCE_KEYS, changed_fields, ops_between};
pub use state::{ResourceState, StateError, entry_key, state_of};
