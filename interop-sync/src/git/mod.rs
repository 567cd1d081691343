//! The git store: reads trees, writes commits on a sync branch, moves refs by compare-and-swap,
//! keeps the base snapshot, pushes.
//!
//! Interop never touches a customer's checkout. A sync reads the tree of the main branch's head,
//! writes the edited files as blobs → tree → commit whose parent is that head, and moves the
//! vendor's own branch (`interop/<vendor>`) to it only if the branch still points where the
//! sync found it. The work tree and the index are never read or written.

mod base;
mod error;
mod pr;
mod remote;
mod store;

pub use base::{BaseStore, GitRefBaseStore, MemoryBaseStore, StoredBase};
pub use error::GitError;
pub use pr::{CheckRun, DiffStats, PrInput, PrText, ResourceChange, ResourceChangeKind};
pub use remote::{Credentials, PushOutcome, RefLease, redact_url};
pub use store::{
    Author, CommitRequest, FileWrite, GitStore, SyncBranchUpdate, SyncStep, sync_branch_name,
};
