//! Interop's reference integration: a vendor's tool reduced to its objects, synced with the
//! SDK. It answers the protocol in process ([`ReferenceAdapter`]) and is what every other
//! integration is measured against.
//!
//! What it does per request:
//! - `open`: remembers the vendor, its scope (from the category) and the repository; an empty
//!   repository gets the `interop init` scaffold (project `analytics`) as main's first commit;
//! - `put` / `delete` / `list`: the tool's objects, by id;
//! - `sync`: a session on the remote (cloned into the vendor's workdir), plan, apply with push;
//!   then the vendor changes are applied to the objects, except the fields in conflict, which
//!   keep the tool's value until resolved;
//! - `pull`: the repo's changes since the last agreed state, applied to the objects (resources
//!   the tool did not have are adopted under the id the SDK suggests);
//! - `resolve`: the SDK's resolve; when the repo wins, the tool takes the repo's value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use interop_sdk::sync::git::{Credentials, GitError};
use interop_sdk::sync::scaffold::{ScaffoldOptions, init_project};
use interop_sdk::{Choice, Scope, SessionError, SessionOptions, SyncSession, VendorChange};
use serde_json::{Value, json};

use crate::adapter::{Adapter, AdapterError, AdapterFactory};
use crate::object::{CategoryObjects, MapError, ObjectSpec};
use crate::protocol::{ErrorKind, Op, PROTOCOL, Request, Response};

/// The categories the reference implements, and their scopes.
pub fn reference_scope(category: &str) -> Option<Scope> {
    Scope::of_category(category)
}

/// The categories the reference implements: every category of the SDK.
pub const CATEGORIES: [&str; 9] = interop_sdk::CATEGORIES;

/// The project name the reference gives a repository it creates.
pub const SCAFFOLD_PROJECT: &str = "analytics";

/// Fields in conflict after a sync, by object id: field → (the tool's value, the repo's).
type Conflicts = BTreeMap<String, BTreeMap<String, (Option<Value>, Option<Value>)>>;

/// One vendor connected to the repository.
#[derive(Debug)]
struct Vendor {
    category: String,
    repo: String,
    workdir: PathBuf,
    objects: BTreeMap<String, ObjectSpec>,
    /// The conflicts of the last sync, by object id: field → (vendor, repo) values.
    conflicts: Conflicts,
    /// Whether the tool holds its category's own objects (put at least once): then the repo's
    /// changes reach it through the category's mapping, not as resource states.
    category_objects: bool,
}

/// The reference integration's state: its vendors.
#[derive(Debug, Default)]
pub struct ReferenceVendor {
    vendors: BTreeMap<String, Vendor>,
}

type Answer = Result<Value, (ErrorKind, String)>;

fn session_error(e: SessionError) -> (ErrorKind, String) {
    let kind = match &e {
        SessionError::Scope(_) => ErrorKind::Scope,
        SessionError::Input(_) => ErrorKind::Input,
        SessionError::Git(GitError::RepoMoved { .. } | GitError::PushRejected { .. }) => {
            ErrorKind::RepoMoved
        }
        SessionError::Git(_) => ErrorKind::Git,
        SessionError::Read(_) | SessionError::Project(_) | SessionError::Unreadable(_) => {
            ErrorKind::Read
        }
        SessionError::State(_) => ErrorKind::Internal,
    };
    (kind, e.to_string())
}

impl ReferenceVendor {
    /// Answers one request.
    pub fn handle(&mut self, request: &Request) -> Response {
        let answer = match &request.op {
            Op::Hello { .. } => Ok(json!({
                "protocol": PROTOCOL,
                "name": "interop reference (SDK, in process)",
                "categories": CATEGORIES,
            })),
            Op::Open {
                vendor,
                category,
                repo,
                workdir,
            } => self.open(vendor, category, repo, Path::new(workdir)),
            Op::Put { vendor, objects } => self.put(vendor, objects),
            Op::Delete { vendor, ids } => self.vendor(vendor).map(|v| {
                for id in ids {
                    v.objects.remove(id);
                }
                json!({})
            }),
            Op::List { vendor } => self.vendor(vendor).map(|v| {
                json!({"objects": v.objects.values().map(ObjectSpec::to_json).collect::<Vec<_>>()})
            }),
            Op::Sync { vendor } => self.sync(vendor),
            Op::Pull { vendor } => self.pull(vendor),
            Op::Resolve {
                vendor,
                id,
                field,
                choice,
            } => self.resolve(vendor, id, field, choice),
            Op::Shutdown => Ok(json!({})),
        };
        match answer {
            Ok(result) => Response::ok(request.seq, result),
            Err((kind, message)) => Response::error(request.seq, kind, message),
        }
    }

    fn vendor(&mut self, name: &str) -> Result<&mut Vendor, (ErrorKind, String)> {
        self.vendors.get_mut(name).ok_or_else(|| {
            (
                ErrorKind::Input,
                format!("vendor {name} is not open (send open first)"),
            )
        })
    }

    fn open(&mut self, vendor: &str, category: &str, repo: &str, workdir: &Path) -> Answer {
        if reference_scope(category).is_none() {
            return Err((
                ErrorKind::Unsupported,
                format!(
                    "the reference integration implements {} (not {category})",
                    CATEGORIES.join(", ")
                ),
            ));
        }
        std::fs::create_dir_all(workdir)
            .map_err(|e| (ErrorKind::Internal, format!("{}: {e}", workdir.display())))?;
        ensure_repo(repo, workdir)?;
        self.vendors.insert(
            vendor.to_string(),
            Vendor {
                category: category.to_string(),
                repo: repo.to_string(),
                workdir: workdir.to_path_buf(),
                objects: BTreeMap::new(),
                conflicts: BTreeMap::new(),
                category_objects: false,
            },
        );
        Ok(json!({}))
    }

    fn put(&mut self, vendor: &str, objects: &[Value]) -> Answer {
        let specs = objects
            .iter()
            .map(ObjectSpec::from_json)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| (ErrorKind::Input, e.to_string()))?;
        let v = self.vendor(vendor)?;
        for spec in &specs {
            if let ObjectSpec::Category {
                id,
                category,
                object,
            } = spec
                && (*category != v.category || !object.belongs_to(&v.category))
            {
                return Err((
                    ErrorKind::Input,
                    format!(
                        "object {id}: a {} tool has no {} objects (this one is written for {category})",
                        v.category,
                        object.type_key(),
                    ),
                ));
            }
        }
        for spec in specs {
            v.category_objects |= matches!(spec, ObjectSpec::Category { .. });
            v.objects.insert(spec.id().to_string(), spec);
        }
        Ok(json!({}))
    }

    fn session(name: &str, v: &Vendor) -> Result<SyncSession, (ErrorKind, String)> {
        let scope = reference_scope(&v.category).expect("checked at open");
        SyncSession::open_remote(
            &v.repo,
            &v.workdir.join("cache"),
            Credentials::None,
            SessionOptions::new(name, scope),
        )
        .map_err(session_error)
    }

    fn sync(&mut self, name: &str) -> Answer {
        let v = self.vendor(name)?;
        let session = Self::session(name, v)?;
        let mut desired: Vec<_> = v
            .objects
            .values()
            .filter_map(ObjectSpec::to_desired)
            .collect();
        desired.extend(
            CategoryObjects::gather(v.objects.values())
                .to_desired(&session)
                .map_err(map_error)?,
        );
        let plan = session.plan(&desired).map_err(session_error)?;
        let record = session.apply(plan, true).map_err(session_error)?;
        v.conflicts.clear();
        for c in &record.conflicts {
            v.conflicts.entry(c.id.clone()).or_default().insert(
                c.conflict.path.to_string(),
                (c.conflict.vendor.clone(), c.conflict.repo.clone()),
            );
        }
        apply_changes(v, &record.vendor_changes, &session)?;
        serde_json::to_value(&record).map_err(|e| (ErrorKind::Internal, e.to_string()))
    }

    fn pull(&mut self, name: &str) -> Answer {
        let v = self.vendor(name)?;
        let session = Self::session(name, v)?;
        let changes = session.pull().map_err(session_error)?;
        apply_changes(v, &changes, &session)?;
        Ok(json!({"changes": changes}))
    }

    fn resolve(&mut self, name: &str, id: &str, field: &str, choice: &str) -> Answer {
        let v = self.vendor(name)?;
        let session = Self::session(name, v)?;
        let choice = match choice {
            "vendor" => Choice::Vendor,
            "repo" => Choice::Repo,
            other => {
                return Err((
                    ErrorKind::Input,
                    format!("choice is vendor or repo, not {other}"),
                ));
            }
        };
        session.resolve(id, field, choice).map_err(session_error)?;
        let repo_value = v
            .conflicts
            .get_mut(id)
            .and_then(|fields| fields.remove(field))
            .map(|(_, repo)| repo);
        if choice == Choice::Repo
            && let (Some(repo_value), Some(ObjectSpec::Generic(g))) =
                (repo_value, v.objects.get_mut(id))
        {
            set_path(&mut g.value, field, repo_value);
        }
        Ok(json!({}))
    }
}

fn map_error(e: MapError) -> (ErrorKind, String) {
    match e {
        MapError::Session(e) => session_error(e),
        MapError::Invalid(message) => (ErrorKind::Input, message),
    }
}

/// The tool applies what the repo changed, keeping its own value where a field is in conflict.
/// A tool with category objects reads the changes through its category's mapping (an object in
/// conflict keeps the tool's value as a whole until resolved); its generic objects, if any,
/// take the changes of their own ids.
fn apply_changes(
    v: &mut Vendor,
    changes: &[VendorChange],
    session: &SyncSession,
) -> Result<(), (ErrorKind, String)> {
    if v.category_objects {
        let id_of = |c: &VendorChange| match c {
            VendorChange::Created { id, .. }
            | VendorChange::Updated { id, .. }
            | VendorChange::Deleted { id, .. } => id.clone(),
        };
        let generic: Vec<VendorChange> = changes
            .iter()
            .filter(|c| {
                matches!(v.objects.get(&id_of(c)), Some(ObjectSpec::Generic(_)))
                    && !matches!(c, VendorChange::Created { .. })
            })
            .cloned()
            .collect();
        let mapped: Vec<VendorChange> = changes
            .iter()
            .filter(|c| {
                let id = id_of(c);
                let generic = matches!(v.objects.get(&id), Some(ObjectSpec::Generic(_)));
                let held =
                    matches!(c, VendorChange::Updated { .. }) && v.conflicts.contains_key(&id);
                !(generic || held)
            })
            .cloned()
            .collect();
        let after = CategoryObjects::gather(v.objects.values())
            .after(&v.category, &mapped, session)
            .map_err(map_error)?;
        v.objects.retain(|_, o| matches!(o, ObjectSpec::Generic(_)));
        for object in after {
            v.objects.insert(object.id().to_string(), object);
        }
        apply_generic(v, &generic);
    } else {
        apply_generic(v, changes);
    }
    Ok(())
}

/// Resource-state changes applied to generic objects.
fn apply_generic(v: &mut Vendor, changes: &[VendorChange]) {
    for change in changes {
        match change {
            VendorChange::Created { id, state, .. } => {
                v.objects
                    .entry(id.clone())
                    .or_insert_with(|| ObjectSpec::from_state(id, state));
            }
            VendorChange::Updated { id, state, .. } => {
                let Some(object) = v.objects.get(id) else {
                    continue;
                };
                let mut updated = object.with_state(state);
                if let (Some(fields), ObjectSpec::Generic(old), ObjectSpec::Generic(new)) =
                    (v.conflicts.get(id), object, &mut updated)
                {
                    for field in fields.keys() {
                        if field.is_empty() {
                            new.clone_from(old);
                        } else {
                            set_path(&mut new.value, field, get_path(&old.value, field).cloned());
                        }
                    }
                }
                v.objects.insert(id.clone(), updated);
            }
            VendorChange::Deleted { id, .. } => {
                v.objects.remove(id);
            }
        }
    }
}

/// One step of a field path: a key, or a list item by name (`columns[name=id]`).
enum Seg<'a> {
    Key(&'a str),
    Named(&'a str),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        for item in rest.split('[').filter(|s| !s.is_empty()) {
            let inner = item.trim_end_matches(']');
            out.push(Seg::Named(inner.strip_prefix("name=").unwrap_or(inner)));
        }
    }
    out
}

/// The value at `path` (`description`, `columns[name=id].description`).
pub fn get_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut at = value;
    for seg in segments(path) {
        at = match seg {
            Seg::Key(k) => at.get(k)?,
            Seg::Named(n) => at
                .as_array()?
                .iter()
                .find(|i| i.get("name").and_then(Value::as_str) == Some(n))?,
        };
    }
    Some(at)
}

/// Sets (or with `None` removes) the value at `path`, creating maps on the way.
pub fn set_path(value: &mut Value, path: &str, new: Option<Value>) {
    let segs = segments(path);
    let Some((last, parents)) = segs.split_last() else {
        return;
    };
    let mut at = value;
    for seg in parents {
        at = match seg {
            Seg::Key(k) => {
                if !at.is_object() {
                    *at = json!({});
                }
                at.as_object_mut()
                    .expect("a map")
                    .entry(k.to_string())
                    .or_insert_with(|| json!({}))
            }
            Seg::Named(n) => {
                if !at.is_array() {
                    *at = json!([]);
                }
                let list = at.as_array_mut().expect("a list");
                let i = match list
                    .iter()
                    .position(|i| i.get("name").and_then(Value::as_str) == Some(n))
                {
                    Some(i) => i,
                    None => {
                        list.push(json!({"name": n}));
                        list.len() - 1
                    }
                };
                &mut list[i]
            }
        };
    }
    match (last, new) {
        (Seg::Key(k), Some(new)) => {
            if !at.is_object() {
                *at = json!({});
            }
            at.as_object_mut()
                .expect("a map")
                .insert(k.to_string(), new);
        }
        (Seg::Key(k), None) => {
            if let Some(map) = at.as_object_mut() {
                map.shift_remove(*k);
            }
        }
        (Seg::Named(n), new) => {
            if let Some(list) = at.as_array_mut() {
                let pos = list
                    .iter()
                    .position(|i| i.get("name").and_then(Value::as_str) == Some(n));
                match (pos, new) {
                    (Some(i), Some(new)) => list[i] = new,
                    (Some(i), None) => {
                        list.remove(i);
                    }
                    (None, Some(new)) => list.push(new),
                    (None, None) => {}
                }
            }
        }
    }
}

/// An empty remote gets the scaffold of `interop init` as main's first commit: a customer
/// without a dbt project gets one from the vendor's first sync.
fn ensure_repo(url: &str, workdir: &Path) -> Result<(), (ErrorKind, String)> {
    let git = |e: git2::Error| (ErrorKind::Git, format!("{url}: {e}"));
    let scratch = git2::Repository::init_bare(workdir.join("probe")).map_err(git)?;
    let mut remote = scratch.remote_anonymous(url).map_err(git)?;
    remote.connect(git2::Direction::Fetch).map_err(git)?;
    let empty = remote.list().map_err(git)?.is_empty();
    remote.disconnect().map_err(git)?;
    drop(remote);
    drop(scratch);
    let _ = std::fs::remove_dir_all(workdir.join("probe"));
    if !empty {
        return Ok(());
    }
    let dir = workdir.join("new-project");
    let options = ScaffoldOptions::new(SCAFFOLD_PROJECT);
    init_project(&dir, &options).map_err(|e| (ErrorKind::Internal, e.to_string()))?;
    let repo = git2::Repository::open(&dir).map_err(git)?;
    let mut remote = repo.remote_anonymous(url).map_err(git)?;
    let refspec = format!("refs/heads/{b}:refs/heads/{b}", b = options.initial_branch);
    remote.push(&[refspec.as_str()], None).map_err(git)?;
    Ok(())
}

/// [`ReferenceVendor`] as an [`Adapter`], in process.
#[derive(Debug, Default)]
pub struct ReferenceAdapter {
    vendor: ReferenceVendor,
}

impl Adapter for ReferenceAdapter {
    fn call(&mut self, request: &Request) -> Result<Response, AdapterError> {
        // A panic in the SDK is a failed scenario with its message, not a crashed run.
        let vendor = &mut self.vendor;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| vendor.handle(request))).map_err(
            |panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                AdapterError::Gone {
                    op: request.op.name().into(),
                    detail: format!("the reference integration panicked: {message}"),
                    stderr: String::new(),
                }
            },
        )
    }
}

/// Starts a fresh [`ReferenceAdapter`] per scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferenceFactory;

impl AdapterFactory for ReferenceFactory {
    fn start(&self) -> Result<Box<dyn Adapter>, AdapterError> {
        Ok(Box::new(ReferenceAdapter::default()))
    }

    fn describe(&self) -> String {
        "interop reference (built in)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_named_list_items() {
        let mut v = json!({"columns": [{"name": "id", "description": "a"}]});
        assert_eq!(
            get_path(&v, "columns[name=id].description"),
            Some(&json!("a"))
        );
        set_path(&mut v, "columns[name=id].description", Some(json!("b")));
        set_path(&mut v, "config.meta.owner", Some(json!("x")));
        set_path(&mut v, "columns[name=id].tags", None);
        assert_eq!(
            v,
            json!({"columns": [{"name": "id", "description": "b"}], "config": {"meta": {"owner": "x"}}})
        );
        set_path(&mut v, "columns[name=id].description", None);
        assert_eq!(get_path(&v, "columns[name=id].description"), None);
    }
}
