//! The vendor-facing Interop API: a [`SyncSession`] per vendor and repository (plan, apply,
//! pull, resolve), the [`Scope`] a vendor's category may write, and identity kept in the sync
//! state. The engine is re-exported as [`sync`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bi;
pub mod catalog;
pub mod categories;
pub mod elt;
pub mod identity;
pub mod mapping;
pub mod ml;
pub mod notebook;
pub mod observability;
pub mod orchestration;
pub mod product_analytics;
pub mod reverse_etl;
pub mod scope;
pub mod session;
mod sqltext;
pub mod state;

pub use categories::{CATEGORIES, CategoryError, CategoryObjects};
pub use interop_sync as sync;
pub use scope::{Scope, ScopeError};
pub use session::{
    Choice, ConflictReport, Desired, RECORD_SCHEMA, RemoteOptions, SessionError, SessionOptions,
    Status, SyncPlan, SyncRecord, SyncSession, VendorChange,
};
pub use state::{STATE_SCHEMA, SyncState, Synced};

/// The README's Rust tour, compiled and run as a doctest so that it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeTour;
