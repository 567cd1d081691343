//! An example stdio adapter: what a vendor writes to have its integration certified. It is a
//! separate process that reads protocol requests from stdin, one JSON object per line, and
//! answers on stdout; its "tool" is an in-memory list of objects per vendor, synced with the
//! Interop SDK. It shares no code with the runner or the reference integration — only the wire
//! format in `conformance/README.md` — so passing the suite shows that any process speaking the
//! protocol can be certified.
//!
//! ```sh
//! interop conformance --adapter "cargo run -q -p interop-conformance --bin interop-example-adapter"
//! ```
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use interop_sdk::sync::git::Credentials;
use interop_sdk::sync::scaffold::{ScaffoldOptions, init_project};
use interop_sdk::{
    Choice, Desired, Scope, SessionError, SessionOptions, SyncSession, VendorChange,
};
use serde_json::{Value, json};

/// One connected vendor: where the repo is, and the tool's objects.
struct Tool {
    scope: Scope,
    repo: String,
    cache: PathBuf,
    objects: Vec<Desired>,
    /// Fields in conflict after the last sync: (id, field) → (the tool's value, the repo's).
    conflicts: BTreeMap<(String, String), (Option<Value>, Option<Value>)>,
}

/// An error answer: kind and message.
type Failure = (&'static str, String);

fn sdk(e: SessionError) -> Failure {
    let kind = match &e {
        SessionError::Scope(_) => "scope",
        SessionError::Input(_) => "input",
        SessionError::Read(_) | SessionError::Project(_) | SessionError::Unreadable(_) => "read",
        SessionError::Git(g) if g.to_string().contains("moved") => "repo_moved",
        SessionError::Git(_) => "git",
        SessionError::State(_) => "internal",
    };
    (kind, e.to_string())
}

fn text(request: &Value, key: &str) -> Result<String, Failure> {
    request
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or(("input", format!("missing \"{key}\"")))
}

/// Sets `value` at a field path (`description`, `config.meta.owner`,
/// `columns[name=id].description`); `None` removes it.
fn set_field(target: &mut Value, path: &str, value: Option<Value>) {
    let mut steps: Vec<(String, Option<String>)> = Vec::new();
    for part in path.split('.') {
        match part.split_once("[name=") {
            Some((key, item)) => steps.push((
                key.to_string(),
                Some(item.trim_end_matches(']').to_string()),
            )),
            None => steps.push((part.to_string(), None)),
        }
    }
    let mut at = target;
    for (i, (key, item)) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        if !at.is_object() {
            *at = json!({});
        }
        let map = at.as_object_mut().expect("a map");
        if last && item.is_none() {
            match value {
                Some(v) => {
                    map.insert(key.clone(), v);
                }
                None => {
                    map.shift_remove(key);
                }
            }
            return;
        }
        at = map.entry(key.clone()).or_insert(Value::Null);
        if let Some(name) = item {
            if !at.is_array() {
                *at = json!([]);
            }
            let list = at.as_array_mut().expect("a list");
            let found = list.iter().position(|x| x["name"] == json!(name));
            let index = found.unwrap_or_else(|| {
                list.push(json!({"name": name}));
                list.len() - 1
            });
            if last {
                match value {
                    Some(v) => list[index] = v,
                    None => {
                        list.remove(index);
                    }
                }
                return;
            }
            at = &mut list[index];
        }
    }
}

impl Tool {
    fn session(&self, vendor: &str) -> Result<SyncSession, Failure> {
        SyncSession::open_remote(
            &self.repo,
            &self.cache,
            Credentials::None,
            SessionOptions::new(vendor, self.scope.clone()),
        )
        .map_err(sdk)
    }

    /// The tool takes in what changed in the repo; a field in conflict keeps the tool's value.
    fn take(&mut self, changes: &[VendorChange]) {
        for change in changes {
            match change {
                VendorChange::Created { id, state, .. } => {
                    if !self.objects.iter().any(|o| &o.id == id) {
                        self.objects.push(Desired {
                            id: id.clone(),
                            state: state.clone(),
                        });
                    }
                }
                VendorChange::Updated { id, state, .. } => {
                    if let Some(object) = self.objects.iter_mut().find(|o| &o.id == id) {
                        object.state = state.clone();
                        for ((cid, field), (mine, _)) in &self.conflicts {
                            if cid == id {
                                set_field(&mut object.state.value, field, mine.clone());
                            }
                        }
                    }
                }
                VendorChange::Deleted { id, .. } => self.objects.retain(|o| &o.id != id),
            }
        }
    }
}

/// A customer without a repo gets one: the `interop init` scaffold pushed as main.
fn create_repo_if_empty(url: &str, workdir: &std::path::Path) -> Result<(), Failure> {
    let git = |e: git2::Error| ("git", e.to_string());
    let probe = git2::Repository::init_bare(workdir.join("ls-remote")).map_err(git)?;
    let mut remote = probe.remote_anonymous(url).map_err(git)?;
    remote.connect(git2::Direction::Fetch).map_err(git)?;
    let empty = remote.list().map_err(git)?.is_empty();
    drop(remote);
    if !empty {
        return Ok(());
    }
    let dir = workdir.join("scaffold");
    init_project(&dir, &ScaffoldOptions::new("analytics"))
        .map_err(|e| ("internal", e.to_string()))?;
    let repo = git2::Repository::open(&dir).map_err(git)?;
    repo.remote_anonymous(url)
        .and_then(|mut r| r.push(&["refs/heads/main:refs/heads/main"], None))
        .map_err(git)
}

fn handle(tools: &mut BTreeMap<String, Tool>, request: &Value) -> Result<Value, Failure> {
    let op = text(request, "op")?;
    if op == "hello" {
        return Ok(json!({
            "protocol": "interop.conformance/v1",
            "name": "example stdio adapter (Rust, SDK)",
            "categories": ["bi", "catalog", "observability"],
        }));
    }
    if op == "shutdown" {
        return Ok(json!({}));
    }
    let vendor = text(request, "vendor")?;
    if op == "open" {
        let scope = match text(request, "category")?.as_str() {
            "bi" => Scope::bi(),
            "catalog" => Scope::catalog(),
            "observability" => Scope::observability(),
            other => return Err(("unsupported", format!("no {other} integration here"))),
        };
        let workdir = PathBuf::from(text(request, "workdir")?);
        std::fs::create_dir_all(&workdir).map_err(|e| ("internal", e.to_string()))?;
        let repo = text(request, "repo")?;
        create_repo_if_empty(&repo, &workdir)?;
        tools.insert(
            vendor,
            Tool {
                scope,
                repo,
                cache: workdir.join("cache"),
                objects: Vec::new(),
                conflicts: BTreeMap::new(),
            },
        );
        return Ok(json!({}));
    }
    let tool = tools
        .get_mut(&vendor)
        .ok_or(("input", format!("{vendor} is not open")))?;
    match op.as_str() {
        "put" => {
            let objects = request.get("objects").cloned().unwrap_or(json!([]));
            let objects: Vec<Desired> =
                serde_json::from_value(objects).map_err(|e| ("input", e.to_string()))?;
            for object in objects {
                tool.objects.retain(|o| o.id != object.id);
                tool.objects.push(object);
            }
            Ok(json!({}))
        }
        "delete" => {
            let ids: Vec<String> = serde_json::from_value(request["ids"].clone())
                .map_err(|e| ("input", e.to_string()))?;
            tool.objects.retain(|o| !ids.contains(&o.id));
            Ok(json!({}))
        }
        "list" => Ok(json!({ "objects": tool.objects })),
        "sync" => {
            let session = tool.session(&vendor)?;
            let plan = session.plan(&tool.objects).map_err(sdk)?;
            let record = session.apply(plan, true).map_err(sdk)?;
            tool.conflicts = record
                .conflicts
                .iter()
                .map(|c| {
                    (
                        (c.id.clone(), c.conflict.path.to_string()),
                        (c.conflict.vendor.clone(), c.conflict.repo.clone()),
                    )
                })
                .collect();
            tool.take(&record.vendor_changes);
            serde_json::to_value(&record).map_err(|e| ("internal", e.to_string()))
        }
        "pull" => {
            let changes = tool.session(&vendor)?.pull().map_err(sdk)?;
            tool.take(&changes);
            Ok(json!({ "changes": changes }))
        }
        "resolve" => {
            let (id, field) = (text(request, "id")?, text(request, "field")?);
            let choice = match text(request, "choice")?.as_str() {
                "vendor" => Choice::Vendor,
                _ => Choice::Repo,
            };
            tool.session(&vendor)?
                .resolve(&id, &field, choice)
                .map_err(sdk)?;
            if let Some((_, repo)) = tool.conflicts.remove(&(id.clone(), field.clone()))
                && choice == Choice::Repo
                && let Some(object) = tool.objects.iter_mut().find(|o| o.id == id)
            {
                set_field(&mut object.state.value, &field, repo);
            }
            Ok(json!({}))
        }
        other => Err(("unsupported", format!("unknown op {other}"))),
    }
}

fn main() -> std::io::Result<()> {
    let mut tools = BTreeMap::new();
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let request: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("example adapter: not JSON: {e}");
                continue;
            }
        };
        let seq = request.get("seq").cloned().unwrap_or(json!(0));
        let answer = match handle(&mut tools, &request) {
            Ok(result) => json!({"seq": seq, "ok": true, "result": result}),
            Err((kind, message)) => {
                json!({"seq": seq, "ok": false, "error": {"kind": kind, "message": message}})
            }
        };
        writeln!(stdout, "{answer}")?;
        stdout.flush()?;
        if request.get("op").and_then(Value::as_str) == Some("shutdown") {
            break;
        }
    }
    Ok(())
}
