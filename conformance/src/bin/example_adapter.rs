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
    CategoryError, CategoryObjects, Choice, Desired, Scope, SessionError, SessionOptions,
    SyncSession, VendorChange,
};
use serde_json::{Value, json};

/// One connected vendor: where the repo is, and the tool's objects.
struct Tool {
    category: String,
    scope: Scope,
    repo: String,
    cache: PathBuf,
    objects: Vec<Desired>,
    /// The tool's category objects (`{id, category, <type>: {...}}` on the wire): id, type
    /// and the object as the SDK's category module reads it.
    items: Vec<Item>,
    /// Fields in conflict after the last sync: (id, field) → (the tool's value, the repo's).
    conflicts: BTreeMap<(String, String), (Option<Value>, Option<Value>)>,
}

/// An error answer: kind and message.
type Failure = (&'static str, String);

/// A category object: its id, its type (`metric`, `monitor`, `annotation` ...) and its body.
#[derive(Clone)]
struct Item {
    id: String,
    kind: String,
    body: Value,
}

/// Each object type, its category, and where it goes in the SDK's category objects (the
/// state file's keys; `elt.connectors` is `connectors` under `elt`).
const TYPES: [(&str, &str, &str); 19] = [
    ("semantic_model", "bi", "semantic_models"),
    ("metric", "bi", "metrics"),
    ("saved_query", "bi", "saved_queries"),
    ("dashboard", "bi", "dashboards"),
    ("transform", "bi", "transforms"),
    ("monitor", "observability", "monitors"),
    ("description", "observability", "descriptions"),
    ("annotation", "catalog", "annotations"),
    ("connector", "elt", "elt.connectors"),
    ("transform", "elt", "elt.transforms"),
    ("job", "orchestration", "jobs"),
    ("transform", "orchestration", "elt.transforms"),
    ("sync", "reverse_etl", "syncs"),
    ("publication", "notebook", "publications"),
    ("feature_set", "ml", "feature_sets"),
    ("prediction", "ml", "predictions"),
    ("activity_stream", "product_analytics", "streams"),
    ("semantic_model", "product_analytics", "semantic_models"),
    ("metric", "product_analytics", "metrics"),
];

/// Where objects of `kind` go for a tool of `category`.
fn list_of(kind: &str, category: &str) -> Option<&'static str> {
    TYPES
        .iter()
        .find(|(t, c, _)| *t == kind && *c == category)
        .map(|(_, _, l)| *l)
}

/// Whether objects of this type are known by target and column rather than by an id.
fn keyed_by_target(kind: &str) -> bool {
    kind == "description" || kind == "annotation"
}

impl Item {
    fn read(object: &Value, category: &str) -> Result<Item, Failure> {
        let id = text(object, "id")?;
        let map = object
            .as_object()
            .ok_or(("input", "an object is a mapping".into()))?;
        let kinds: Vec<&String> = map
            .keys()
            .filter(|k| *k != "id" && *k != "category")
            .collect();
        let [kind] = kinds.as_slice() else {
            return Err((
                "input",
                format!("object {id}: one object type, found {kinds:?}"),
            ));
        };
        if !TYPES.iter().any(|(t, _, _)| t == kind) {
            return Err(("input", format!("object {id}: unknown object type {kind}")));
        }
        if list_of(kind, category).is_none()
            || map.get("category").and_then(Value::as_str) != Some(category)
        {
            return Err((
                "input",
                format!("object {id}: a {category} tool has no {kind} objects"),
            ));
        }
        let mut body = map[kind.as_str()].clone();
        if !keyed_by_target(kind)
            && let Some(b) = body.as_object_mut()
        {
            b.insert("id".into(), json!(id));
        }
        Ok(Item {
            id,
            kind: kind.to_string(),
            body,
        })
    }

    fn wire(&self, category: &str) -> Value {
        let mut body = self.body.clone();
        if let Some(b) = body.as_object_mut() {
            b.remove("id");
        }
        json!({"id": self.id, "category": category, self.kind.clone(): body})
    }
}

/// The items gathered the way the SDK's category objects read them
/// (`{"metrics": [...], "monitors": [...], "elt": {"connectors": [...]}, ...}`).
fn gathered(items: &[Item], category: &str) -> Value {
    let mut lists = json!({});
    for item in items {
        let Some(list) = list_of(&item.kind, category) else {
            continue;
        };
        let mut at = &mut lists;
        let mut keys = list.split('.').peekable();
        while let Some(key) = keys.next() {
            let empty = if keys.peek().is_some() {
                json!({})
            } else {
                json!([])
            };
            at = at
                .as_object_mut()
                .expect("a map")
                .entry(key.to_string())
                .or_insert(empty);
        }
        at.as_array_mut().expect("a list").push(item.body.clone());
    }
    lists
}

/// The SDK's category objects split back into items; objects known by target keep the id
/// the tool gave them, new ones get `<type>:<target>/<column>`.
fn split(lists: &Value, before: &[Item], category: &str) -> Vec<Item> {
    let mut out = Vec::new();
    for (kind, of, list) in TYPES {
        if of != category {
            continue;
        }
        let mut at = Some(lists);
        for key in list.split('.') {
            at = at.and_then(|v| v.get(key));
        }
        for body in at.and_then(Value::as_array).into_iter().flatten() {
            let id = if keyed_by_target(kind) {
                let same =
                    |b: &Value| b["target"] == body["target"] && b["column"] == body["column"];
                before
                    .iter()
                    .find(|i| i.kind == kind && same(&i.body))
                    .map(|i| i.id.clone())
                    .unwrap_or_else(|| {
                        let target = &body["target"];
                        let mut id = format!(
                            "{kind}:{}.{}",
                            target["kind"].as_str().unwrap_or(""),
                            target["name"].as_str().unwrap_or("")
                        );
                        if let Some(column) = body["column"].as_str() {
                            id = format!("{id}/{column}");
                        }
                        id
                    })
            } else {
                body["id"].as_str().unwrap_or_default().to_string()
            };
            out.push(Item {
                id,
                kind: kind.to_string(),
                body: body.clone(),
            });
        }
    }
    out
}

fn input<T>(r: Result<T, impl std::fmt::Display>) -> Result<T, Failure> {
    r.map_err(|e| ("input", e.to_string()))
}

fn category_error(e: CategoryError) -> Failure {
    match e {
        CategoryError::Session(e) => sdk(e),
        CategoryError::Invalid(message) => ("input", message),
    }
}

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

    /// What the SDK syncs: the generic objects as they are, the category objects through
    /// their category's mapping for this repo.
    fn desired(&self, session: &SyncSession) -> Result<Vec<Desired>, Failure> {
        let mut out = self.objects.clone();
        if self.items.is_empty() {
            return Ok(out);
        }
        let objects: CategoryObjects = input(serde_json::from_value(gathered(
            &self.items,
            &self.category,
        )))?;
        let mapped = objects.to_desired(session).map_err(category_error)?;
        if !mapped.unmapped.is_empty() {
            return Err(("input", mapped.unmapped.join("; ")));
        }
        out.extend(mapped.desired);
        Ok(out)
    }

    /// The tool takes in what changed in the repo; a field in conflict keeps the tool's value
    /// (for a category object: the whole object, until resolved).
    fn take(&mut self, changes: &[VendorChange], session: &SyncSession) -> Result<(), Failure> {
        if self.items.is_empty() {
            self.take_generic(changes);
            return Ok(());
        }
        let mine = |id: &String| self.objects.iter().any(|o| &o.id == id);
        let (generic, mapped): (Vec<VendorChange>, Vec<VendorChange>) =
            changes.iter().cloned().partition(|c| match c {
                VendorChange::Updated { id, .. } | VendorChange::Deleted { id, .. } => mine(id),
                VendorChange::Created { .. } => false,
            });
        let in_conflict = |id: &String| self.conflicts.keys().any(|(c, _)| c == id);
        let mapped: Vec<VendorChange> = mapped
            .into_iter()
            .filter(|c| !matches!(c, VendorChange::Updated { id, .. } if in_conflict(id)))
            .collect();
        let objects: CategoryObjects = input(serde_json::from_value(gathered(
            &self.items,
            &self.category,
        )))?;
        let (after, _kept_as_they_were) = objects
            .after(Some(&self.category), &mapped, session)
            .map_err(category_error)?;
        self.items = split(
            &input(serde_json::to_value(after))?,
            &self.items,
            &self.category,
        );
        self.take_generic(&generic);
        Ok(())
    }

    fn take_generic(&mut self, changes: &[VendorChange]) {
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
            "categories": interop_sdk::CATEGORIES,
        }));
    }
    if op == "shutdown" {
        return Ok(json!({}));
    }
    let vendor = text(request, "vendor")?;
    if op == "open" {
        let category = text(request, "category")?;
        let Some(scope) = Scope::of_category(&category) else {
            return Err(("unsupported", format!("no {category} integration here")));
        };
        let workdir = PathBuf::from(text(request, "workdir")?);
        std::fs::create_dir_all(&workdir).map_err(|e| ("internal", e.to_string()))?;
        let repo = text(request, "repo")?;
        create_repo_if_empty(&repo, &workdir)?;
        tools.insert(
            vendor,
            Tool {
                category,
                scope,
                repo,
                cache: workdir.join("cache"),
                objects: Vec::new(),
                items: Vec::new(),
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
            let objects: Vec<Value> = input(serde_json::from_value(objects))?;
            for object in objects {
                if object.get("category").is_some() {
                    let item = Item::read(&object, &tool.category)?;
                    tool.items.retain(|i| i.id != item.id);
                    tool.items.push(item);
                } else {
                    let object: Desired = input(serde_json::from_value(object))?;
                    tool.objects.retain(|o| o.id != object.id);
                    tool.objects.push(object);
                }
            }
            Ok(json!({}))
        }
        "delete" => {
            let ids: Vec<String> = serde_json::from_value(request["ids"].clone())
                .map_err(|e| ("input", e.to_string()))?;
            tool.objects.retain(|o| !ids.contains(&o.id));
            tool.items.retain(|i| !ids.contains(&i.id));
            Ok(json!({}))
        }
        "list" => {
            let mut objects: Vec<Value> = tool.objects.iter().map(|o| json!(o)).collect();
            objects.extend(tool.items.iter().map(|i| i.wire(&tool.category)));
            Ok(json!({ "objects": objects }))
        }
        "sync" => {
            let session = tool.session(&vendor)?;
            let desired = tool.desired(&session)?;
            let plan = session.plan(&desired).map_err(sdk)?;
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
            tool.take(&record.vendor_changes, &session)?;
            serde_json::to_value(&record).map_err(|e| ("internal", e.to_string()))
        }
        "pull" => {
            let session = tool.session(&vendor)?;
            let changes = session.pull().map_err(sdk)?;
            tool.take(&changes, &session)?;
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
