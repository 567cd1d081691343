//! Paths that come from outside (a vendor, a state file) must name a file inside the repository.

/// Why a path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoPathError {
    /// An empty path.
    #[error("empty path")]
    Empty,
    /// `/etc/passwd`, `C:\x`.
    #[error("'{0}' is absolute; paths are relative to the repository root")]
    Absolute(String),
    /// `../x`, `a/../../b`.
    #[error("'{0}' leaves the repository ('..')")]
    ParentDir(String),
    /// Backslashes, NUL, `.git/`.
    #[error("'{0}' is not a valid repository path: {1}")]
    Invalid(String, &'static str),
}

/// Checks a relative `/`-separated path from outside the repository: not empty, not absolute,
/// no `..`, no `.git` component, no backslash or NUL. Returns the path with `./` segments and
/// repeated slashes removed.
///
/// ```
/// use interop_sync::safety::validate_repo_path;
/// assert_eq!(validate_repo_path("models/./orders.sql").unwrap(), "models/orders.sql");
/// assert!(validate_repo_path("../secrets").is_err());
/// assert!(validate_repo_path("/etc/passwd").is_err());
/// ```
pub fn validate_repo_path(path: &str) -> Result<String, RepoPathError> {
    if path.is_empty() {
        return Err(RepoPathError::Empty);
    }
    if path.starts_with('/') || path.as_bytes().get(1) == Some(&b':') {
        return Err(RepoPathError::Absolute(path.to_string()));
    }
    if path.contains('\\') {
        return Err(RepoPathError::Invalid(
            path.to_string(),
            "use '/' as the separator",
        ));
    }
    if path.contains('\0') {
        return Err(RepoPathError::Invalid(
            path.to_string(),
            "contains a NUL byte",
        ));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(RepoPathError::ParentDir(path.to_string())),
            ".git" => return Err(RepoPathError::Invalid(path.to_string(), "inside .git")),
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Err(RepoPathError::Empty);
    }
    Ok(parts.join("/"))
}
