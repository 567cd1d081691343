//! `SyncSession`: one vendor's sync with one repo. `plan` reads the three states (base, vendor,
//! repo), merges them per resource and field, and says what would change on each side without
//! writing anything; `apply` writes the repo side as one commit on the vendor's sync branch and
//! stores the new base; `pull` gives the repo's changes since the base; `resolve` settles a
//! conflict.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use interop_sync::edit::dbt_rules::unescape_value;
use interop_sync::edit::plan::{FileChange, PlanOptions, ResourceOp, apply_plan};
use interop_sync::git::{
    Author, BaseStore, CommitRequest, Credentials, DiffStats, FileWrite, GitError, GitRefBaseStore,
    GitStore, PrInput, PrText, RefLease, ResourceChange, ResourceChangeKind, sync_branch_name,
};
use interop_sync::merge::{Conflict, Policies, Policy, merge_resource, put};
use interop_sync::model::ResourceKind;
use interop_sync::plan::{ResourceState, changed_fields, ops_between, state_of};
use interop_sync::read::{GitTreeSource, Project, ReadError, ReadErrorKind, ReadProgress, Reader};
use interop_sync::safety::{Limits, validate_repo_path};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::identity::{match_identities, unique_id_for, unique_id_with};
use crate::scope::{Scope, ScopeError};
use crate::state::{SyncState, Synced, advance, restrict};

/// One object the vendor wants in the repo: its own id and the resource state it maps to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    /// The vendor's id for the object (stable across renames).
    pub id: String,
    /// The resource it maps to.
    #[serde(flatten)]
    pub state: ResourceState,
}

/// Which side wins a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// The vendor's value goes into the repo.
    Vendor,
    /// The repo's value goes to the vendor.
    Repo,
}

/// Where to push, when the session works on a remote.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// The remote's URL (no credentials in it; they go in `credentials`).
    pub url: String,
    /// How to authenticate.
    pub credentials: Credentials,
}

/// How a session is set up.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// The vendor's name (letters, digits, `-`, `_`, `.`).
    pub vendor: String,
    /// What the vendor owns.
    pub scope: Scope,
    /// What happens to fields both sides changed.
    pub policies: Policies,
    /// The sync branch (default `interop/<vendor>`).
    pub branch: Option<String>,
    /// The customer's main branch (default: `main`, else `master`, else `HEAD`'s branch).
    pub main_branch: Option<String>,
    /// The dbt project's folder in the repo (`""`: the root).
    pub subdir: String,
    /// Author of the sync commits.
    pub author: Author,
    /// The pull request's diff budget, in changed lines (0: none).
    pub budget_lines: usize,
    /// The remote to push to (set by [`SyncSession::open_remote`]).
    pub remote: Option<RemoteOptions>,
    /// Limits on what is read from the repo (file size, nesting, aliases, file count).
    pub limits: Limits,
    /// Told how far each read of the repo is (a progress bar for large repos).
    pub progress: Option<ReadProgress>,
}

impl SessionOptions {
    /// Options for `vendor` with `scope`, everything else at its default.
    pub fn new(vendor: &str, scope: Scope) -> Self {
        SessionOptions {
            vendor: vendor.into(),
            scope,
            policies: Policies::new(Policy::Manual),
            branch: None,
            main_branch: None,
            subdir: String::new(),
            author: Author::default(),
            budget_lines: 400,
            remote: None,
            limits: Limits::default(),
            progress: None,
        }
    }

    /// The reader these options ask for.
    fn reader(&self) -> Reader {
        let reader = Reader::new(self.limits.clone());
        match &self.progress {
            Some(progress) => reader.with_progress(progress.clone()),
            None => reader,
        }
    }
}

/// Why a session step failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// A desired object reaches outside the scope.
    #[error(transparent)]
    Scope(#[from] ScopeError),
    /// A git operation failed (including "repo moved": read again and retry).
    #[error(transparent)]
    Git(#[from] GitError),
    /// The repo's project could not be read at all (no usable `dbt_project.yml`, an unreadable
    /// tree, too many files). A broken file elsewhere is not this: the rest is still read.
    #[error("reading the project: {0}")]
    Project(#[source] interop_sync::read::ProjectReadError),
    /// A resource's state could not be taken from the repo.
    #[error("reading the project: {0}")]
    Read(String),
    /// The stored sync state is unreadable.
    #[error("{0}")]
    State(String),
    /// Bad input from the vendor (duplicate ids, an unknown conflict ...).
    #[error("{0}")]
    Input(String),
    /// The repo's project has files a sync cannot read, so it cannot tell what they declare:
    /// going on would read their resources as deleted. Nothing is written until they are fixed.
    #[error("{}", unreadable_message(.0))]
    Unreadable(Vec<ReadError>),
}

fn unreadable_message(errors: &[ReadError]) -> String {
    let mut out = format!(
        "the project has {} error(s) to fix before it can be synced:",
        errors.len()
    );
    for e in errors {
        out.push_str(&format!("\n  {e}"));
    }
    out
}

/// Whether a read error leaves a sync unable to see what a file declares. Unknown keys and
/// dangling references are reported by dbt too, but lose nothing.
fn blocks_sync(kind: ReadErrorKind) -> bool {
    !matches!(kind, ReadErrorKind::UnknownKey | ReadErrorKind::Reference)
}

/// Names MetricFlow keeps for itself (dbt parse fails on a metric or semantic model so named).
const RESERVED_SEMANTIC_NAMES: &[&str] = &["metric_time"];

/// A name the vendor gives a resource (new, or renamed) must be one dbt accepts: letters,
/// digits and `_`, not starting with a digit. The semantic layer (metrics, semantic models,
/// saved queries) is stricter, as dbt parse checks: lower case, starting with a letter, at
/// least two characters, no `__`, not ending with `_`, and not a name MetricFlow reserves.
fn check_name(id: &str, state: &ResourceState) -> Result<(), SessionError> {
    let name = state.name.as_str();
    let semantic = matches!(
        state.kind,
        ResourceKind::Metric | ResourceKind::SemanticModel | ResourceKind::SavedQuery
    );
    let bad = |rule: &str| {
        Err(SessionError::Input(format!(
            "{id}: '{name}' is not a valid {} name ({rule})",
            state.kind.label()
        )))
    };
    if semantic {
        if RESERVED_SEMANTIC_NAMES.contains(&name) {
            return bad("reserved by MetricFlow");
        }
        let ok = name.len() >= 2
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && !name.ends_with('_')
            && !name.contains("__")
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            return bad(
                "lower-case letters, digits and '_', starting with a letter, no '__', not ending with '_'",
            );
        }
        return Ok(());
    }
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return bad("letters, digits and '_', not starting with a digit");
    }
    Ok(())
}

/// A change the vendor should make to its own objects, because the repo changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum VendorChange {
    /// A resource in scope that the vendor does not have yet (written in the repo by hand).
    /// `id` is a suggestion (the unique id); the vendor sends it back with that id.
    Created {
        /// The id to use.
        id: String,
        /// dbt's unique id.
        unique_id: String,
        /// The resource.
        state: ResourceState,
    },
    /// Fields changed in the repo (or were merged); `state` is the whole new state.
    Updated {
        /// The vendor's id.
        id: String,
        /// dbt's unique id (the new one after a rename).
        unique_id: String,
        /// The changed fields.
        fields: Vec<String>,
        /// The resource after the change.
        state: ResourceState,
    },
    /// The resource is gone from the repo.
    Deleted {
        /// The vendor's id.
        id: String,
        /// dbt's unique id it had.
        unique_id: String,
    },
}

/// A conflict, with the resource it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConflictReport {
    /// The vendor's id.
    pub id: String,
    /// dbt's unique id.
    pub unique_id: String,
    /// The field and its three versions.
    #[serde(flatten)]
    pub conflict: Conflict,
}

impl ConflictReport {
    /// One line for a PR or a terminal.
    pub fn summary(&self, vendor: &str) -> String {
        let field = self.conflict.path.to_string();
        let field = if field.is_empty() {
            "(whole resource)".into()
        } else {
            field
        };
        let what = if self.conflict.is_deletion_against_edit() {
            "deleted on one side and edited on the other"
        } else {
            "changed differently here and in the vendor's tool"
        };
        format!(
            "`{}` `{field}`: {what} ({vendor}); the repo's version is kept",
            self.unique_id
        )
    }
}

/// What a sync would do; nothing is written until [`SyncSession::apply`].
#[derive(Debug, Clone, Serialize)]
pub struct SyncPlan {
    /// The main branch head the plan was made from.
    pub main_commit: String,
    /// The sync branch.
    pub branch: String,
    /// Per-resource changes to the repo.
    pub changes: Vec<ResourceChange>,
    /// The file changes.
    #[serde(skip)]
    pub files: Vec<FileChange>,
    /// Files deleted.
    pub deleted: Vec<String>,
    /// What the vendor should change on its side.
    pub vendor_changes: Vec<VendorChange>,
    /// Conflicts a person must resolve (the repo's value is kept meanwhile).
    pub conflicts: Vec<ConflictReport>,
    /// Conflicts a policy resolved.
    pub auto_resolved: Vec<ConflictReport>,
    /// Edits that could not be made (the file is left alone).
    pub errors: Vec<String>,
    /// The pull request text.
    pub pr: PrText,
    /// Diff stats of the file changes.
    pub stats: DiffStats,
    #[serde(skip)]
    ops: Vec<ResourceOp>,
    #[serde(skip)]
    main: git2::Oid,
    #[serde(skip)]
    branch_expected: Option<git2::Oid>,
    #[serde(skip)]
    base_version: Option<String>,
    #[serde(skip)]
    base_unchanged: bool,
    #[serde(skip)]
    next_state: SyncState,
    #[serde(skip)]
    read_ms: u128,
    #[serde(skip)]
    merge_ms: u128,
}

impl SyncPlan {
    /// Whether the repo side changes nothing.
    pub fn is_noop(&self) -> bool {
        self.files.is_empty() && self.deleted.is_empty()
    }

    /// The edit operations behind the file changes.
    pub fn operations(&self) -> &[ResourceOp] {
        &self.ops
    }
}

/// The schema name of sync records.
pub const RECORD_SCHEMA: &str = "interop.sync-record/v1";

/// What an apply did, as a machine-readable record (schema in the README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRecord {
    /// Always [`RECORD_SCHEMA`].
    pub schema: String,
    /// The vendor.
    pub vendor: String,
    /// The sync branch.
    pub branch: String,
    /// The main commit the sync started from.
    pub main_commit: String,
    /// The sync branch's commit (`None`: nothing to propose).
    pub commit: Option<String>,
    /// Whether a new commit was written.
    pub created_commit: bool,
    /// Whether the branch and base were pushed.
    pub pushed: bool,
    /// The base version after the sync.
    pub base_version: Option<String>,
    /// Per-resource repo changes.
    pub changes: Vec<ResourceChange>,
    /// Changes for the vendor.
    pub vendor_changes: Vec<VendorChange>,
    /// Open conflicts.
    pub conflicts: Vec<ConflictReport>,
    /// Milliseconds spent reading, merging, and writing (commit + base + push).
    pub timings_ms: BTreeMap<String, u128>,
}

/// Where a session stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// The vendor.
    pub vendor: String,
    /// The sync branch and where it points.
    pub branch: String,
    /// The sync branch's commit, when it exists.
    pub branch_commit: Option<String>,
    /// Resources both sides agree on.
    pub agreed: usize,
    /// Resources proposed on the sync branch, waiting for the customer.
    pub proposed: usize,
    /// Conflict resolutions waiting to be applied.
    pub resolutions: usize,
}

/// A vendor's sync with one repository.
pub struct SyncSession {
    store: GitStore,
    options: SessionOptions,
    reader: Reader,
    states: Mutex<Option<(git2::Oid, Arc<RepoStates>)>>,
}

/// The states of the repo's resources in scope, by unique id.
type RepoStates = BTreeMap<String, ResourceState>;

impl std::fmt::Debug for SyncSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncSession")
            .field("store", &self.store)
            .field("vendor", &self.options.vendor)
            .finish()
    }
}

impl SyncSession {
    /// A session on a local repository (its work tree and index are never touched).
    pub fn open(repo: &Path, options: SessionOptions) -> Result<Self, SessionError> {
        sync_branch_name(&options.vendor)?;
        Ok(SyncSession {
            store: GitStore::open(repo)?,
            reader: options.reader(),
            options,
            states: Mutex::default(),
        })
    }

    /// A session on a remote: cloned (or fetched) into `cache_dir`; `apply(.., push = true)`
    /// pushes the sync branch and the base back.
    pub fn open_remote(
        url: &str,
        cache_dir: &Path,
        credentials: Credentials,
        mut options: SessionOptions,
    ) -> Result<Self, SessionError> {
        sync_branch_name(&options.vendor)?;
        let store = GitStore::open_remote(url, cache_dir, &credentials)?;
        options.remote = Some(RemoteOptions {
            url: url.into(),
            credentials,
        });
        Ok(SyncSession {
            store,
            reader: options.reader(),
            options,
            states: Mutex::default(),
        })
    }

    /// The git store (for reading trees and refs).
    pub fn store(&self) -> &GitStore {
        &self.store
    }

    /// The options.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// The main branch head, its tree as a source, and the project there, read through the
    /// session's reader: blobs it parsed before are not parsed again, and the same tree read
    /// twice is the same project.
    pub fn main_project(&self) -> Result<(git2::Oid, GitTreeSource, Arc<Project>), SessionError> {
        let main = self
            .store
            .resolve(&format!("refs/heads/{}", self.main_branch()?))?;
        let source = self.store.tree_source(main, &self.options.subdir)?;
        let project = self
            .reader
            .read_shared(&source)
            .map_err(|e| SessionError::Read(e.to_string()))?;
        Ok((main, source, project))
    }

    fn branch(&self) -> Result<String, SessionError> {
        match &self.options.branch {
            Some(b) => Ok(b.clone()),
            None => Ok(sync_branch_name(&self.options.vendor)?),
        }
    }

    fn main_branch(&self) -> Result<String, SessionError> {
        match &self.options.main_branch {
            Some(b) => Ok(b.clone()),
            None => Ok(self.store.main_branch()?),
        }
    }

    fn base(&self) -> Result<GitRefBaseStore<'_>, SessionError> {
        Ok(GitRefBaseStore::for_vendor(
            &self.store,
            &self.options.vendor,
        )?)
    }

    fn load_state(&self) -> Result<(SyncState, Option<String>), SessionError> {
        match self.base()?.load()? {
            Some(stored) => Ok((
                SyncState::from_json(&stored.data).map_err(SessionError::State)?,
                Some(stored.version),
            )),
            None => Ok((SyncState::new(&self.options.vendor), None)),
        }
    }

    /// Reads the main branch's project and the states of the resources in scope. Both are
    /// kept for the next call: an unchanged tree is neither read nor turned into states again.
    /// The unique ids in the project as it was just before `commit` (its first parent): for a
    /// sync branch's commit, the repo the proposal was made against. `None` when unknown.
    fn ids_before(&self, commit: Option<&str>) -> Option<BTreeSet<String>> {
        let oid = git2::Oid::from_str(commit?).ok()?;
        let parent = self
            .store
            .repository()
            .find_commit(oid)
            .ok()?
            .parent_id(0)
            .ok()?;
        let source = self.store.tree_source(parent, &self.options.subdir).ok()?;
        let project = self.reader.read_shared(&source).ok()?;
        Some(
            project
                .resources
                .iter()
                .map(|r| r.unique_id.to_string())
                .collect(),
        )
    }

    fn read_repo(&self) -> Result<(git2::Oid, Arc<Project>, Arc<RepoStates>), SessionError> {
        let main = self
            .store
            .resolve(&format!("refs/heads/{}", self.main_branch()?))?;
        let source = self.store.tree_source(main, &self.options.subdir)?;
        let tree = interop_sync::read::ProjectSource::content_id(&source);
        let project = self
            .reader
            .read_shared(&source)
            .map_err(SessionError::Project)?;
        let blocking: Vec<ReadError> = project
            .errors
            .iter()
            .filter(|e| blocks_sync(e.kind))
            .cloned()
            .collect();
        if !blocking.is_empty() {
            return Err(SessionError::Unreadable(blocking));
        }
        if let (Some(tree), Ok(cache)) = (tree, self.states.lock())
            && let Some((id, states)) = cache.as_ref()
            && *id == tree
        {
            return Ok((main, project, states.clone()));
        }
        let mut states = BTreeMap::new();
        for r in &project.resources {
            if !self.options.scope.covers(r.kind)
                || r.package != project.dbt_project.name
                || !r.enabled
            {
                continue;
            }
            let mut state = state_of(&project, &source, r, self.options.scope.owns_sql_of(r.kind))
                .map_err(|e| SessionError::Read(e.to_string()))?;
            // (`state_of` already gives escaped text back as the vendor wrote it.)
            state.value = self.options.scope.project_kind(r.kind, &state.value);
            states.insert(r.unique_id.as_str().to_string(), state);
        }
        let states = Arc::new(states);
        if let (Some(tree), Ok(mut cache)) = (tree, self.states.lock()) {
            *cache = Some((tree, states.clone()));
        }
        Ok((main, project, states))
    }

    /// What a sync with these desired objects would do. Writes nothing. The vendor changes
    /// cover the vendor's own objects; resources in scope the vendor has never had (written by
    /// hand in the repo) are listed by [`SyncSession::pull`].
    pub fn plan(&self, desired: &[Desired]) -> Result<SyncPlan, SessionError> {
        self.plan_with(Some(desired), false)
    }

    /// `desired: None` plans as if the vendor had changed nothing since the base (for `pull`).
    fn plan_with(
        &self,
        desired: Option<&[Desired]>,
        with_new: bool,
    ) -> Result<SyncPlan, SessionError> {
        let started = Instant::now();
        let scope = &self.options.scope;
        let mut vendor: BTreeMap<String, ResourceState> = BTreeMap::new();
        for d in desired.unwrap_or_default() {
            if !scope.covers(d.state.kind) {
                return Err(ScopeError {
                    object: d.id.clone(),
                    what: format!("a {}", d.state.kind.label()),
                }
                .into());
            }
            if let Some(file) = &d.state.file {
                validate_repo_path(file)
                    .map_err(|e| SessionError::Input(format!("{}: file {e}", d.id)))?;
            }
            let mut state = d.state.clone();
            if let Value::Object(map) = &mut state.value {
                map.shift_insert(0, "name".into(), Value::String(state.name.clone()));
            } else {
                return Err(SessionError::Input(format!(
                    "{}: the state's value must be a mapping",
                    d.id
                )));
            }
            // Both sides are compared as the vendor writes text; the writer escapes it for dbt.
            state.value = unescape_value(&state.value, None);
            if let Some(field) = scope.outside_kind(state.kind, &state.value) {
                return Err(ScopeError {
                    object: d.id.clone(),
                    what: format!("the field '{field}'"),
                }
                .into());
            }
            if vendor.insert(d.id.clone(), state).is_some() {
                return Err(SessionError::Input(format!(
                    "{}: the id is used twice",
                    d.id
                )));
            }
        }
        let (main, project, repo) = self.read_repo()?;
        let repo: &RepoStates = &repo;
        let read_ms = started.elapsed().as_millis();
        let merge_started = Instant::now();
        let (mut state, base_version) = self.load_state()?;
        let loaded = state.clone();
        let branch = self.branch()?;
        let branch_ref = format!("refs/heads/{branch}");
        let branch_expected = self.store.ref_target(&branch_ref)?;
        // The unique ids the repo had when the open sync branch was proposed, read only when
        // a rename check needs them.
        let at_proposal: std::cell::OnceCell<Option<BTreeSet<String>>> = Default::default();
        let proposal_commit = state.proposal_commit.clone();
        let existed_at_proposal = |uid: &str| {
            at_proposal
                .get_or_init(|| self.ids_before(proposal_commit.as_deref()))
                .as_ref()
                .is_some_and(|ids| ids.contains(uid))
        };
        // A proposal whose commit main has merged (a plain merge) is taken, whatever the
        // customer changed after it; a squash merge is told by the content.
        let proposal_merged = proposal_commit
            .as_deref()
            .and_then(|c| git2::Oid::from_str(c).ok())
            .is_some_and(|p| {
                p == main
                    || self
                        .store
                        .repository()
                        .graph_descendant_of(main, p)
                        .unwrap_or(false)
            });
        settle_proposals(
            &mut state,
            repo,
            Settling {
                branch_gone: branch_expected.is_none(),
                merged: proposal_merged,
            },
            &existed_at_proposal,
            scope,
        );
        if desired.is_none() {
            // The vendor holds what was agreed, less what it asked to remove, and its own side
            // of every field still in conflict (whole-resource conflicts are not kept).
            vendor = state
                .agreed
                .iter()
                .filter(|(id, _)| !state.proposed.get(*id).is_some_and(|p| p.removed))
                .map(|(id, s)| (id.clone(), s.state.clone()))
                .collect();
            for (id, open) in &state.open_conflicts {
                if let Some(s) = vendor.get_mut(id) {
                    for c in open {
                        put(&mut s.value, &c.path, c.vendor.clone());
                    }
                }
            }
        }

        let identities = match_identities(&state, &vendor, repo, &existed_at_proposal);
        // A name is checked where it would be written: a new resource, or a vendor rename.
        for (id, wanted) in &vendor {
            let current = identities.matched.get(id).and_then(|u| repo.get(u));
            if current.is_none_or(|c| c.name != wanted.name) {
                check_name(id, wanted)?;
            }
        }
        let package = project.dbt_project.name.clone();
        let mut ops = Vec::new();
        let mut changes = Vec::new();
        let mut vendor_changes = Vec::new();
        let mut conflicts = Vec::new();
        let mut auto_resolved = Vec::new();
        let mut refused: Vec<String> = Vec::new();
        let mut ids: BTreeSet<String> = state.agreed.keys().cloned().collect();
        ids.extend(vendor.keys().cloned());
        for id in &ids {
            let base_state = state.agreed.get(id).map(|s| s.state.clone());
            let base = base_state.as_ref();
            let wanted = vendor.get(id);
            let uid = identities.matched.get(id);
            // Fields the vendor owns only where it created the resource: elsewhere the repo's
            // are not its to see, and its own are refused.
            let created = state.created.contains(id);
            let visible = uid.and_then(|u| repo.get(u)).map(|c| ResourceState {
                value: if created {
                    c.value.clone()
                } else {
                    scope.without_created_only(c.kind, &c.value)
                },
                ..c.clone()
            });
            let current = visible.as_ref();
            if let (Some(w), Some(c), false) = (wanted, current, created)
                && let Some(field) = scope.created_only_field(c.kind, &w.value)
            {
                return Err(ScopeError {
                    object: id.clone(),
                    what: format!(
                        "the field '{field}' of a {} it did not create",
                        c.kind.label()
                    ),
                }
                .into());
            }
            let kind = wanted
                .or(base)
                .or(current)
                .map(|s| s.kind)
                .unwrap_or(ResourceKind::Model);
            let mut policies = self.options.policies.clone();
            for (path, choice) in state.resolutions.get(id).into_iter().flatten() {
                let policy = match choice {
                    Choice::Vendor => Policy::PreferVendor,
                    Choice::Repo => Policy::PreferRepo,
                };
                policies = policies
                    .with(path, policy)
                    .map_err(|e| SessionError::State(e.to_string()))?;
            }
            let result = merge_resource(
                base.map(|s| &s.value),
                wanted.map(|s| &s.value),
                current.map(|s| &s.value),
                &policies,
            );
            let report = |c: Conflict| ConflictReport {
                id: id.clone(),
                unique_id: uid.cloned().unwrap_or_default(),
                conflict: c,
            };
            conflicts.extend(result.conflicts.iter().cloned().map(report));
            if desired.is_some() {
                let open: Vec<Conflict> = result
                    .conflicts
                    .iter()
                    .filter(|c| !c.path.0.is_empty())
                    .cloned()
                    .collect();
                if open.is_empty() {
                    state.open_conflicts.remove(id);
                } else {
                    state.open_conflicts.insert(id.clone(), open);
                }
            }
            auto_resolved.extend(result.auto_resolved.iter().cloned().map(report));
            let merged = result.merged.map(|value| ResourceState {
                kind,
                name: value
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                file: merged_file(
                    base.and_then(|b| b.file.as_deref()),
                    wanted.and_then(|w| w.file.as_deref()),
                    current.and_then(|c| c.file.as_deref()),
                ),
                value,
            });
            // What the vendor is told: the merge, except where a field conflicts; there the
            // vendor keeps its own value until the conflict is resolved.
            let vendor_view = merged.as_ref().map(|m| {
                let mut value = m.value.clone();
                for c in &result.conflicts {
                    if !c.path.0.is_empty() {
                        put(&mut value, &c.path, c.vendor.clone());
                    }
                }
                ResourceState { value, ..m.clone() }
            });
            // The repo side.
            let repo_value = current.map(|s| &s.value);
            let merged_value = merged.as_ref().map(|s| &s.value);
            let moved = matches!((current, &merged), (Some(c), Some(m))
                if placement(c.file.as_deref()) != placement(m.file.as_deref()));
            let mut proposes = false;
            if merged_value != repo_value || moved {
                match (current, &merged) {
                    (None, Some(m)) if !scope.create.contains(&kind) => {
                        return Err(ScopeError {
                            object: id.clone(),
                            what: format!("creating a {}", kind.label()),
                        }
                        .into());
                    }
                    (Some(_), None) if !scope.delete.contains(&kind) => {}
                    _ => {
                        let new_ops =
                            ops_between(uid.map(String::as_str), current, merged.as_ref());
                        if new_ops.is_empty() && current.is_none() {
                            refused.push(format!(
                                "{id}: a new {} cannot be written from this state (a model needs \
                                 `sql` and `file`, its .sql path; an analysis `sql` and no \
                                 other field; seeds and SQL snapshots are the customer's); \
                                 nothing was created",
                                kind.label()
                            ));
                        }
                        if current.is_none() && !new_ops.is_empty() {
                            state.created.insert(id.clone());
                        }
                        if !new_ops.is_empty() {
                            proposes = true;
                            let mut change = change_of(&package, uid, current, merged.as_ref());
                            if moved {
                                change.fields.push("file".into());
                            }
                            changes.push(change);
                            ops.extend(new_ops);
                        }
                    }
                }
            }
            // The vendor applies this sync's vendor changes (outside conflicts, where it keeps
            // its value): on its own fields it then holds the merged values.
            let applied = match (&vendor_view, wanted) {
                (Some(m), Some(w)) => Some(restrict(&m.value, &w.value)),
                (None, Some(_)) if result.conflicts.is_empty() => None,
                _ => wanted.map(|w| w.value.clone()),
            };
            if proposes {
                if let Some(m) = &merged {
                    let mut value =
                        advance(base.map(|b| &b.value), applied.as_ref(), Some(&m.value))
                            .unwrap_or_else(|| m.value.clone());
                    // A new source's own keys are written with its table, never kept on it.
                    if let Value::Object(map) = &mut value {
                        map.shift_remove(interop_sync::plan::NEW_SOURCE_KEYS);
                    }
                    state.proposed.insert(
                        id.clone(),
                        Synced {
                            unique_id: unique_id_with(&package, m, uid.map(String::as_str)),
                            state: ResourceState { value, ..m.clone() },
                            before: current.cloned(),
                            removed: false,
                        },
                    );
                } else if let (Some(c), Some(u)) = (current, uid) {
                    state.proposed.insert(
                        id.clone(),
                        Synced {
                            unique_id: u.clone(),
                            state: c.clone(),
                            before: Some(c.clone()),
                            removed: true,
                        },
                    );
                }
            } else {
                state.proposed.remove(id);
            }
            // The vendor side.
            let file_news = moved_in_repo(base, wanted, vendor_view.as_ref(), current);
            if vendor_view.as_ref().map(|s| &s.value) != wanted.map(|s| &s.value) || file_news {
                let unique_id = merged
                    .as_ref()
                    .map(|m| unique_id_with(&package, m, uid.map(String::as_str)))
                    .or_else(|| uid.cloned())
                    .or_else(|| state.agreed.get(id).map(|s| s.unique_id.clone()))
                    .unwrap_or_default();
                vendor_changes.push(match (&vendor_view, wanted) {
                    (Some(m), Some(w)) => VendorChange::Updated {
                        id: id.clone(),
                        unique_id,
                        fields: {
                            let mut fields = changed_fields(&w.value, &m.value);
                            if file_news {
                                fields.push("file".into());
                            }
                            fields
                        },
                        state: m.clone(),
                    },
                    (Some(m), None) => VendorChange::Updated {
                        id: id.clone(),
                        unique_id,
                        fields: vec!["(whole)".into()],
                        state: m.clone(),
                    },
                    (None, _) => VendorChange::Deleted {
                        id: id.clone(),
                        unique_id,
                    },
                });
            }
            // Agreement advances, field by field, where both sides now hold the same value (a
            // field the sync branch proposes is not there yet: the repo still differs).
            {
                match advance(base.map(|b| &b.value), applied.as_ref(), repo_value) {
                    // Gone on both sides: nothing is agreed any more.
                    _ if wanted.is_none() && current.is_none() && merged.is_none() => {
                        state.agreed.remove(id);
                    }
                    Some(value) => {
                        let m = if proposes { current } else { merged.as_ref() }
                            .or(merged.as_ref())
                            .or(current)
                            .or(wanted)
                            .expect("a side exists");
                        state.agreed.insert(
                            id.clone(),
                            Synced {
                                unique_id: unique_id_with(&package, m, uid.map(String::as_str)),
                                state: ResourceState { value, ..m.clone() },
                                before: None,
                                removed: false,
                            },
                        );
                    }
                    None if applied.is_none() && current.is_none() => {
                        state.agreed.remove(id);
                    }
                    None => {}
                }
                if result.conflicts.is_empty() && !proposes {
                    state.resolutions.remove(id);
                }
            }
        }
        if desired.is_some() {
            state.open_conflicts.retain(|id, _| ids.contains(id));
        }
        // Resources in scope only the repo has: they arrive in the tool.
        for (uid, s) in repo.iter().filter(|_| with_new) {
            let value = scope.without_created_only(s.kind, &s.value);
            // A resource of a kind the scope sees in part, with nothing of that part (a model
            // without a semantic model, for a BI tool), is nothing to the vendor.
            let nothing = scope.kind_fields.contains_key(&s.kind)
                && value
                    .as_object()
                    .is_some_and(|m| m.keys().all(|k| k == "name"));
            if !identities.claimed.contains(uid) && !nothing {
                vendor_changes.push(VendorChange::Created {
                    id: uid.clone(),
                    unique_id: uid.clone(),
                    state: ResourceState { value, ..s.clone() },
                });
            }
        }
        let source = self.store.tree_source(main, &self.options.subdir)?;
        let plan_options = PlanOptions {
            limits: self.options.limits.clone(),
            ..PlanOptions::default()
        };
        let planned = apply_plan(&project, &source, &ops, &plan_options);
        let mut errors: Vec<String> = planned.errors.iter().map(|e| e.to_string()).collect();
        errors.extend(refused);
        if state.proposed.is_empty() {
            state.proposal_commit = None;
        }
        let stats = DiffStats::of(
            planned
                .files
                .iter()
                .map(|f| (f.before.as_deref(), Some(f.after.as_str())))
                .chain(planned.deleted.iter().map(|_| (Some(""), None))),
        );
        let main_name = self.main_branch()?;
        let pr = PrInput {
            vendor: self.options.vendor.clone(),
            branch: branch.clone(),
            main_branch: main_name,
            changes: changes.clone(),
            stats,
            conflicts: conflicts
                .iter()
                .map(|c| c.summary(&self.options.vendor))
                .collect(),
            checks: vec![interop_sync::git::CheckRun {
                name: "re-read".into(),
                passed: errors.is_empty(),
                detail: if errors.is_empty() {
                    "every edited file was read back and means what the plan meant".into()
                } else {
                    format!(
                        "{} edit(s) refused; those files are left alone",
                        errors.len()
                    )
                },
            }],
            budget_lines: self.options.budget_lines,
        }
        .render();
        Ok(SyncPlan {
            main_commit: main.to_string(),
            branch,
            changes,
            files: planned.files,
            deleted: planned.deleted,
            vendor_changes,
            conflicts,
            auto_resolved,
            errors,
            pr,
            stats,
            ops,
            main,
            branch_expected,
            base_unchanged: state == loaded,
            base_version,
            next_state: state,
            read_ms,
            merge_ms: merge_started.elapsed().as_millis(),
        })
    }

    /// Writes the plan's repo side as one commit on the sync branch (recomputed from main, so
    /// an open PR is updated in place), stores the new base, and pushes both when `push` is
    /// set and the session has a remote. Every ref moves by compare-and-swap from where
    /// [`SyncSession::plan`] read it: if anything moved meanwhile, nothing is written and the
    /// error says "repo moved"; plan again and retry.
    pub fn apply(&self, plan: SyncPlan, push: bool) -> Result<SyncRecord, SessionError> {
        let started = Instant::now();
        let mut next = plan.next_state.clone();
        let mut commit = None;
        let mut created = false;
        if !plan.is_noop() {
            let mut writes = FileWrite::from_files(&plan.files, &plan.deleted);
            writes.sort_by(|a, b| a.path().cmp(b.path()));
            let request = CommitRequest {
                parent: plan.main,
                subdir: self.options.subdir.clone(),
                writes,
                message: plan.pr.commit_message.clone(),
                author: self.options.author.clone(),
                committer: None,
            };
            let main_name = self.main_branch()?;
            let update = self.store.update_sync_branch(
                &plan.branch,
                &[main_name.as_str()],
                &request,
                plan.branch_expected,
            )?;
            commit = update.commit;
            created = update.created;
        }
        if !next.proposed.is_empty() {
            next.proposal_commit = commit.map(|c| c.to_string()).or(next.proposal_commit);
        }
        let base = self.base()?;
        let base_version =
            if plan.base_unchanged && next == plan.next_state && plan.base_version.is_some() {
                plan.base_version.clone()
            } else {
                Some(base.store(plan.base_version.as_deref(), &next.to_json())?)
            };
        let mut pushed = false;
        if push && let Some(remote) = &self.options.remote {
            let main_name = self.main_branch()?;
            let mut leases = Vec::new();
            let branch_ref = format!("refs/heads/{}", plan.branch);
            if commit.is_some() {
                leases.push(RefLease {
                    local: branch_ref.clone(),
                    remote: branch_ref,
                    expected: plan.branch_expected,
                });
            }
            let base_ref = base.reference().to_string();
            leases.push(RefLease {
                local: base_ref.clone(),
                remote: base_ref,
                expected: plan
                    .base_version
                    .as_deref()
                    .and_then(|v| git2::Oid::from_str(v).ok()),
            });
            if created || base_version != plan.base_version {
                self.store.push(
                    &remote.url,
                    &leases,
                    &[main_name.as_str()],
                    &remote.credentials,
                )?;
                pushed = true;
            }
        }
        let mut timings = BTreeMap::new();
        timings.insert("read".to_string(), plan.read_ms);
        timings.insert("merge".to_string(), plan.merge_ms);
        timings.insert("write".to_string(), started.elapsed().as_millis());
        Ok(SyncRecord {
            schema: RECORD_SCHEMA.into(),
            vendor: self.options.vendor.clone(),
            branch: plan.branch,
            main_commit: plan.main_commit,
            commit: commit.map(|c| c.to_string()),
            created_commit: created,
            pushed,
            base_version,
            changes: plan.changes,
            vendor_changes: plan.vendor_changes,
            conflicts: plan.conflicts,
            timings_ms: timings,
        })
    }

    /// What changed in the repo since the base, as changes for the vendor, and every resource
    /// in scope the vendor does not have yet (nothing is written). A field the last sync left
    /// in conflict keeps the vendor's side until the conflict is resolved.
    pub fn pull(&self) -> Result<Vec<VendorChange>, SessionError> {
        Ok(self.plan_with(None, true)?.vendor_changes)
    }

    /// Settles a conflict on field `path` (as in [`ConflictReport`]) of the vendor's object
    /// `id`: the chosen side wins there on the next sync. Stored in the sync state.
    pub fn resolve(&self, id: &str, path: &str, choice: Choice) -> Result<(), SessionError> {
        let (mut state, version) = self.load_state()?;
        state
            .resolutions
            .entry(id.to_string())
            .or_default()
            .insert(path.to_string(), choice);
        let base = self.base()?;
        base.store(version.as_deref(), &state.to_json())?;
        // With a remote, the resolution is pushed at once, like any other base update.
        if let Some(remote) = &self.options.remote {
            let main = self.main_branch()?;
            self.store.push(
                &remote.url,
                &[RefLease {
                    local: base.reference().to_string(),
                    remote: base.reference().to_string(),
                    expected: version.as_deref().and_then(|v| git2::Oid::from_str(v).ok()),
                }],
                &[main.as_str()],
                &remote.credentials,
            )?;
        }
        Ok(())
    }

    /// Where the session stands.
    pub fn status(&self) -> Result<Status, SessionError> {
        let (state, _) = self.load_state()?;
        let branch = self.branch()?;
        Ok(Status {
            vendor: self.options.vendor.clone(),
            branch_commit: self
                .store
                .ref_target(&format!("refs/heads/{branch}"))?
                .map(|c| c.to_string()),
            branch,
            agreed: state.agreed.len(),
            proposed: state.proposed.len(),
            resolutions: state.resolutions.values().map(BTreeMap::len).sum(),
        })
    }
}

/// Where a resource lives after a sync: a move on one side is taken (the repo's wins when
/// both moved it); a vendor without an opinion leaves it where it is.
fn merged_file(base: Option<&str>, vendor: Option<&str>, repo: Option<&str>) -> Option<String> {
    match (placement(vendor), placement(repo)) {
        (Some(v), Some(r)) if placement(base) == Some(r) && v != r => Some(v.to_string()),
        _ => repo.or(vendor).map(str::to_string),
    }
}

/// A state's file when it names a properties file an entry can move to (not a SQL file, not an
/// entry inside a model's entry such as `file.yml#model`).
fn placement(file: Option<&str>) -> Option<&str> {
    file.filter(|f| f.ends_with(".yml") || f.ends_with(".yaml"))
}

/// Whether the customer moved the resource to another properties file since the base, so the
/// vendor should learn its new place.
fn moved_in_repo(
    base: Option<&ResourceState>,
    wanted: Option<&ResourceState>,
    merged: Option<&ResourceState>,
    current: Option<&ResourceState>,
) -> bool {
    fn file(s: Option<&ResourceState>) -> Option<&str> {
        placement(s.and_then(|s| s.file.as_deref()))
    }
    let (b, w, m, c) = (file(base), file(wanted), file(merged), file(current));
    b.is_some() && c.is_some() && b != c && w.is_some() && w != m
}

/// What is known of the open proposal's branch.
struct Settling {
    /// The sync branch no longer exists.
    branch_gone: bool,
    /// Main has merged the proposal's commit.
    merged: bool,
}

/// Proposals the customer has acted on become agreed: merged (main holds the proposal's
/// commit, whatever changed since; or squashed, the repo now holds them), merged with the
/// customer's own edits (the repo holds some of the proposed changes), or declined (the sync
/// branch is gone and the repo holds none of them: the repo's state then reads as the
/// customer's answer).
fn settle_proposals(
    state: &mut SyncState,
    repo: &BTreeMap<String, ResourceState>,
    settling: Settling,
    existed_at_proposal: &dyn Fn(&str) -> bool,
    scope: &Scope,
) {
    let Settling {
        branch_gone,
        merged,
    } = settling;
    let proposed = std::mem::take(&mut state.proposed);
    for (id, mut p) in proposed {
        if p.removed {
            // Settled when the repo no longer has it (merged) or the branch is gone (declined:
            // the resource stays and, no longer agreed, comes back to the vendor as new).
            let gone = !repo.contains_key(&p.unique_id);
            if gone || merged || (branch_gone && state.proposal_commit.is_some()) {
                state.agreed.remove(&id);
            } else {
                state.proposed.insert(id, p);
            }
            continue;
        }
        // What the proposal changed is measured from the agreed state, else from the repo's
        // state when it was proposed; a proposal of a new resource is taken when it exists.
        let baseline = state
            .agreed
            .get(&id)
            .map(|s| s.state.value.clone())
            .or_else(|| p.before.as_ref().map(|b| b.value.clone()));
        // The customer may have renamed it right after merging: into a resource the repo did
        // not have when it was proposed, when it is new.
        let new = !state.agreed.contains_key(&id);
        let current = repo
            .get(&p.unique_id)
            .or_else(|| {
                crate::identity::renamed(&p.state, repo, |uid| !(new && existed_at_proposal(uid)))
                    .and_then(|uid| repo.get(&uid))
            })
            // As the merge sees it: fields the vendor owns only on what it created are not its
            // to compare elsewhere.
            .map(|s| {
                if state.created.contains(&id) {
                    s.value.clone()
                } else {
                    scope.without_created_only(s.kind, &s.value)
                }
            });
        let accepted = merged
            || match (current.as_ref(), &baseline) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(now), Some(b)) => {
                    let proposed_fields = changed_fields(b, &p.state.value);
                    let differing = changed_fields(&p.state.value, now);
                    now != b && proposed_fields.iter().any(|f| !differing.contains(f))
                }
            };
        let declined = !accepted && branch_gone && state.proposal_commit.is_some();
        if accepted || declined {
            p.before = None;
            state.agreed.insert(id, p);
        } else {
            state.proposed.insert(id, p);
        }
    }
}

fn change_of(
    package: &str,
    uid: Option<&String>,
    current: Option<&ResourceState>,
    merged: Option<&ResourceState>,
) -> ResourceChange {
    match (current, merged) {
        (None, Some(m)) => ResourceChange {
            resource: unique_id_for(package, m),
            kind: ResourceChangeKind::Added,
            fields: vec![],
        },
        (Some(_), None) => ResourceChange {
            resource: uid.cloned().unwrap_or_default(),
            kind: ResourceChangeKind::Removed,
            fields: vec![],
        },
        (Some(c), Some(m)) if c.name != m.name => ResourceChange {
            resource: unique_id_with(package, m, uid.map(String::as_str)),
            kind: ResourceChangeKind::Renamed {
                from: uid.cloned().unwrap_or_default(),
            },
            fields: changed_fields(&c.value, &m.value)
                .into_iter()
                .filter(|f| f != "name")
                .collect(),
        },
        (Some(c), Some(m)) => ResourceChange {
            resource: uid.cloned().unwrap_or_default(),
            kind: ResourceChangeKind::Modified,
            fields: changed_fields(&c.value, &m.value),
        },
        (None, None) => ResourceChange {
            resource: uid.cloned().unwrap_or_default(),
            kind: ResourceChangeKind::Modified,
            fields: vec![],
        },
    }
}
