//! The vendor-facing Interop API. Sessions, identity, scopes and the category mappings land here
//! on top of [`interop_sync`]; today it re-exports the engine's reader so vendors have one import.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use interop_sync as sync;
