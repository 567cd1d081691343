//! Limits that keep hostile or broken input from exhausting memory or time, and the checks that
//! keep paths from a vendor inside the repository.

mod limits;
mod paths;

pub use limits::Limits;
pub use paths::{RepoPathError, validate_repo_path};
