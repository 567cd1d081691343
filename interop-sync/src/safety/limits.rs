//! Resource limits for reading a project. The defaults fit the largest real dbt projects
//! (10,000-line YAML files, 10,000 models) with a wide margin.

/// Limits applied while reading a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes; larger files are reported, not parsed. Default 16 MiB.
    pub max_file_bytes: u64,
    /// Deepest YAML nesting accepted. Default 64.
    pub max_depth: usize,
    /// Most nodes that YAML aliases may expand to in one file. Default 100,000.
    pub max_alias_nodes: usize,
    /// Most files a project may have in the folders dbt reads. Default 500,000.
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_alias_nodes: 100_000,
            max_files: 500_000,
        }
    }
}
