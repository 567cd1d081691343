//! The Interop engine: reads a dbt project (from a folder or a git commit) into typed resources
//! that know dbt's `unique_id`s and where they were written.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod edit;
pub mod git;
pub mod merge;
pub mod model;
pub mod plan;
pub mod read;
pub mod render;
pub mod safety;
pub mod scaffold;
pub mod synth;
