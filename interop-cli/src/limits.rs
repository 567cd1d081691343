//! `--max-file-bytes`, `--max-depth`, `--max-alias-nodes`, `--max-files`: the reader's limits,
//! shared by every command that reads a project.

use interop_sdk::sync::safety::Limits;

/// Limits on what is read (defaults: `interop_sync::safety::Limits::default()`).
#[derive(clap::Args, Debug, Clone)]
pub struct LimitArgs {
    /// Largest file read, in bytes (larger files are reported, not parsed) [default: 16 MiB].
    #[arg(long, value_name = "BYTES")]
    max_file_bytes: Option<u64>,
    /// Deepest YAML nesting accepted [default: 64].
    #[arg(long, value_name = "LEVELS")]
    max_depth: Option<usize>,
    /// Most nodes YAML aliases may expand to in one file [default: 100000].
    #[arg(long, value_name = "NODES")]
    max_alias_nodes: Option<usize>,
    /// Most files a project may have [default: 500000].
    #[arg(long, value_name = "FILES")]
    max_files: Option<usize>,
}

impl LimitArgs {
    /// The limits: the defaults, with what was given on the command line.
    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_file_bytes: self.max_file_bytes.unwrap_or(d.max_file_bytes),
            max_depth: self.max_depth.unwrap_or(d.max_depth),
            max_alias_nodes: self.max_alias_nodes.unwrap_or(d.max_alias_nodes),
            max_files: self.max_files.unwrap_or(d.max_files),
        }
    }
}
