//! The adapter protocol: JSON lines over stdin/stdout. The runner writes one request per line
//! to the adapter's stdin and reads one response per line from its stdout; anything the adapter
//! prints on stderr is kept for the report. `conformance/README.md` documents every message.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The protocol's name and version, sent in `hello`.
pub const PROTOCOL: &str = "interop.conformance/v1";

/// A request from the runner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// A number the response repeats.
    pub seq: u64,
    /// What to do.
    #[serde(flatten)]
    pub op: Op,
}

/// The operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// First message: the adapter answers with its name and the categories it implements.
    Hello {
        /// [`PROTOCOL`].
        protocol: String,
    },
    /// Connect a vendor to the repository (a URL the adapter clones and pushes to).
    Open {
        /// The vendor's name (the sync branch is `interop/<vendor>`).
        vendor: String,
        /// Its category (`bi`, `catalog`, `observability`, ...).
        category: String,
        /// The repository's URL (`file://...`).
        repo: String,
        /// A folder the adapter may use for this vendor (caches, its own state).
        workdir: String,
    },
    /// Create or replace objects in the vendor's tool.
    Put {
        /// The vendor.
        vendor: String,
        /// The objects, as the scenario wrote them.
        objects: Vec<Value>,
    },
    /// Delete objects from the tool.
    Delete {
        /// The vendor.
        vendor: String,
        /// Their ids.
        ids: Vec<String>,
    },
    /// The tool's objects.
    List {
        /// The vendor.
        vendor: String,
    },
    /// One sync: plan, apply, push the sync branch; then apply the vendor changes (outside
    /// conflicts) to the tool's objects.
    Sync {
        /// The vendor.
        vendor: String,
    },
    /// What changed in the repo since the last agreed state; the tool applies the changes.
    Pull {
        /// The vendor.
        vendor: String,
    },
    /// Settle a conflict.
    Resolve {
        /// The vendor.
        vendor: String,
        /// The object's id.
        id: String,
        /// The field.
        field: String,
        /// `vendor` or `repo`.
        choice: String,
    },
    /// Last message: the adapter exits.
    Shutdown,
}

impl Op {
    /// The op's name, as on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Hello { .. } => "hello",
            Op::Open { .. } => "open",
            Op::Put { .. } => "put",
            Op::Delete { .. } => "delete",
            Op::List { .. } => "list",
            Op::Sync { .. } => "sync",
            Op::Pull { .. } => "pull",
            Op::Resolve { .. } => "resolve",
            Op::Shutdown => "shutdown",
        }
    }
}

/// A response from the adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The request's `seq`.
    pub seq: u64,
    /// Whether the operation succeeded.
    pub ok: bool,
    /// The result (see each op in the README); absent on error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The error, when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

impl Response {
    /// A success.
    pub fn ok(seq: u64, result: Value) -> Self {
        Response {
            seq,
            ok: true,
            result: Some(result),
            error: None,
        }
    }

    /// A failure.
    pub fn error(seq: u64, kind: ErrorKind, message: impl Into<String>) -> Self {
        Response {
            seq,
            ok: false,
            result: None,
            error: Some(ErrorBody {
                kind,
                message: message.into(),
            }),
        }
    }
}

/// An error's kind and message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What kind of error.
    pub kind: ErrorKind,
    /// For people.
    pub message: String,
}

/// Error kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// An object reaches outside the vendor's scope.
    Scope,
    /// A bad request or object.
    Input,
    /// The repo moved during the sync (plan again).
    RepoMoved,
    /// Another git failure.
    Git,
    /// The repo could not be read.
    Read,
    /// The adapter does not implement this (category or op).
    Unsupported,
    /// Anything else.
    Internal,
}

impl ErrorKind {
    /// The kind as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Scope => "scope",
            ErrorKind::Input => "input",
            ErrorKind::RepoMoved => "repo_moved",
            ErrorKind::Git => "git",
            ErrorKind::Read => "read",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Internal => "internal",
        }
    }
}

/// The result of `sync`: the SDK's sync record (schema `interop.sync-record/v1`), of which the
/// runner reads these keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResult {
    /// The sync branch.
    pub branch: String,
    /// The branch's commit after the sync (`null`: nothing proposed).
    #[serde(default)]
    pub commit: Option<String>,
    /// Whether a new commit was written.
    pub created_commit: bool,
    /// Repo-side changes: `{resource, change, from?, fields}`.
    #[serde(default)]
    pub changes: Vec<Value>,
    /// What the vendor should change: `{change, id, unique_id, fields?, state?}`.
    #[serde(default)]
    pub vendor_changes: Vec<Value>,
    /// Open conflicts: `{id, unique_id, path, base?, vendor?, repo?}`.
    #[serde(default)]
    pub conflicts: Vec<Value>,
}

/// The result of `pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResult {
    /// The changes, as in a sync record's `vendor_changes`.
    pub changes: Vec<Value>,
}

/// The result of `list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListResult {
    /// The objects.
    pub objects: Vec<Value>,
}

/// The result of `hello`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelloResult {
    /// [`PROTOCOL`].
    pub protocol: String,
    /// The adapter's name, for the report.
    pub name: String,
    /// The categories it implements.
    pub categories: Vec<String>,
}
