//! A repository handle that writes only objects and refs: blobs → tree → commit, then a
//! compare-and-swap on the ref.

use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, ObjectType, Oid, Repository, Signature};

use super::error::GitError;
use crate::read::GitTreeSource;
use crate::safety::validate_repo_path;

/// Who a commit is by. Default: `Interop <interop@localhost>`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Author {
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

impl Default for Author {
    fn default() -> Self {
        Author {
            name: "Interop".into(),
            email: "interop@localhost".into(),
        }
    }
}

/// One change to a file of the project, as a commit writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileWrite {
    /// The file gets these bytes (created when missing).
    Put {
        /// `/`-separated path relative to the project root.
        path: String,
        /// The new content.
        content: Vec<u8>,
    },
    /// The file is removed (nothing happens when it is already gone).
    Delete {
        /// `/`-separated path relative to the project root.
        path: String,
    },
}

impl FileWrite {
    /// The path written.
    pub fn path(&self) -> &str {
        match self {
            FileWrite::Put { path, .. } | FileWrite::Delete { path } => path,
        }
    }
}

/// A commit to write: the parent, the file changes and who it is by.
#[derive(Debug, Clone)]
pub struct CommitRequest {
    /// The parent commit (the main branch head the sync read).
    pub parent: Oid,
    /// The project's folder inside the repository (`""` at the root, `analytics` in a monorepo).
    pub subdir: String,
    /// The file changes, relative to the project folder.
    pub writes: Vec<FileWrite>,
    /// The commit message.
    pub message: String,
    /// The author.
    pub author: Author,
    /// The committer (default: the author).
    pub committer: Option<Author>,
}

/// The steps of writing a commit and publishing it, in order. A step hook sees each one and may
/// stop the sync there (used for progress reports and by the fault-injection tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStep {
    /// Every new file content is stored as a blob.
    Blobs,
    /// The new tree is stored.
    Tree,
    /// The commit is stored (no ref points at it yet).
    Commit,
    /// About to move the ref.
    RefUpdate,
    /// About to push.
    Push,
}

impl std::fmt::Display for SyncStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SyncStep::Blobs => "blobs",
            SyncStep::Tree => "tree",
            SyncStep::Commit => "commit",
            SyncStep::RefUpdate => "ref update",
            SyncStep::Push => "push",
        })
    }
}

type StepHook = Box<dyn Fn(SyncStep) -> Result<(), String> + Send>;

/// What [`GitStore::update_sync_branch`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncBranchUpdate {
    /// The branch's ref (`refs/heads/interop/acme`).
    pub reference: String,
    /// Where the branch pointed before (`None`: it did not exist).
    pub previous: Option<Oid>,
    /// Where it points now; `None` when the plan changes nothing (the branch is left as it was).
    pub commit: Option<Oid>,
    /// Whether a new commit was written; `false` when the branch already held exactly this
    /// change on top of the same parent (re-running a sync writes nothing).
    pub created: bool,
}

/// A git repository (with or without a work tree) that Interop reads trees from and writes
/// commits and refs to. The work tree and the index are never touched.
pub struct GitStore {
    repo: Repository,
    path: PathBuf,
    hook: Option<StepHook>,
}

impl std::fmt::Debug for GitStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitStore")
            .field("path", &self.path)
            .finish()
    }
}

/// A write must not go through or over a symlink of the tree (nor put a file where a folder
/// is, or under a file): the customer's link stays as it is, and nothing is ever written where
/// a link points.
fn refuse_symlinks(base: &git2::Tree<'_>, full: &str) -> Result<(), GitError> {
    let parts: Vec<&str> = full.split('/').collect();
    for end in 1..=parts.len() {
        let prefix = parts[..end].join("/");
        let Ok(entry) = base.get_path(Path::new(&prefix)) else {
            return Ok(());
        };
        let mode = entry.filemode();
        let last = end == parts.len();
        let refused = if mode == i32::from(FileMode::Link) {
            Some("is a symlink; Interop does not write through or over symlinks")
        } else if !last && entry.kind() != Some(git2::ObjectType::Tree) {
            Some("is a file, not a folder")
        } else if last && entry.kind() == Some(git2::ObjectType::Tree) {
            Some("is a folder")
        } else {
            None
        };
        if let Some(reason) = refused {
            return Err(GitError::InvalidPath(format!("{full}: {prefix} {reason}")));
        }
    }
    Ok(())
}

/// The default name of a vendor's sync branch: `interop/<vendor>`. The vendor name must be a
/// simple name (letters, digits, `-`, `_`, `.`), so it cannot escape the `interop/` namespace.
pub fn sync_branch_name(vendor: &str) -> Result<String, GitError> {
    let ok = !vendor.is_empty()
        && !vendor.starts_with('.')
        && !vendor.starts_with('-')
        && !vendor.ends_with(".lock")
        && !vendor.contains("..")
        && vendor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        return Err(GitError::RefusedRef {
            reference: format!("interop/{vendor}"),
            reason:
                "a vendor name is letters, digits, '-', '_' and '.', not starting with '.' or '-'"
                    .into(),
        });
    }
    Ok(format!("interop/{vendor}"))
}

impl GitStore {
    /// Opens the repository at `path` (a work tree, its `.git` folder, or a bare repository).
    pub fn open(path: &Path) -> Result<Self, GitError> {
        let repo =
            Repository::open(path).map_err(GitError::git(format!("opening {}", path.display())))?;
        Ok(Self::from_repository(repo))
    }

    pub(crate) fn from_repository(repo: Repository) -> Self {
        let path = repo.path().to_path_buf();
        GitStore {
            repo,
            path,
            hook: None,
        }
    }

    /// Calls `hook` before each step of a write; an `Err` stops the write there, leaving every
    /// ref as it was.
    pub fn with_step_hook(
        mut self,
        hook: impl Fn(SyncStep) -> Result<(), String> + Send + 'static,
    ) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    pub(crate) fn step(&self, step: SyncStep) -> Result<(), GitError> {
        match &self.hook {
            Some(hook) => hook(step).map_err(|message| GitError::Stopped {
                step: step.to_string(),
                message,
            }),
            None => Ok(()),
        }
    }

    /// The repository's git folder.
    pub fn git_dir(&self) -> &Path {
        &self.path
    }

    /// The underlying libgit2 repository.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// Where the ref `name` points (`None` when it does not exist).
    pub fn ref_target(&self, name: &str) -> Result<Option<Oid>, GitError> {
        match self.repo.find_reference(name) {
            Ok(r) => Ok(r.resolve().ok().and_then(|r| r.target())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(GitError::git(format!("reading {name}"))(e)),
        }
    }

    /// The commit `rev` names (a branch, tag, `HEAD`, `main~2`, a commit id).
    pub fn resolve(&self, rev: &str) -> Result<Oid, GitError> {
        let object = self
            .repo
            .revparse_single(rev)
            .map_err(|_| GitError::UnknownRevision(rev.to_string()))?;
        object
            .peel_to_commit()
            .map(|c| c.id())
            .map_err(|_| GitError::UnknownRevision(rev.to_string()))
    }

    /// The customer's main branch: `main` when it exists, else `master`, else the branch `HEAD`
    /// points to.
    pub fn main_branch(&self) -> Result<String, GitError> {
        for name in ["main", "master"] {
            if self.ref_target(&format!("refs/heads/{name}"))?.is_some() {
                return Ok(name.to_string());
            }
        }
        let head = self
            .repo
            .find_reference("HEAD")
            .map_err(GitError::git("reading HEAD"))?;
        head.symbolic_target()
            .ok()
            .flatten()
            .and_then(|t| t.strip_prefix("refs/heads/"))
            .map(str::to_string)
            .ok_or_else(|| GitError::UnknownRevision("the main branch".into()))
    }

    /// A reader input for the tree of `commit` (below `subdir` when not empty).
    pub fn tree_source(&self, commit: Oid, subdir: &str) -> Result<GitTreeSource, GitError> {
        let source =
            GitTreeSource::open(&self.path, &commit.to_string()).map_err(|e| GitError::Git {
                context: format!("reading commit {commit}"),
                message: e.to_string(),
                code: git2::ErrorCode::GenericError,
            })?;
        Ok(if subdir.is_empty() {
            source
        } else {
            source.with_subdir(subdir)
        })
    }

    /// The bytes of `path` (relative to the repository root) at `commit`; `None` when absent.
    pub fn file_at(&self, commit: Oid, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(GitError::git(format!("reading commit {commit}")))?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(GitError::git(format!("finding {path}"))(e)),
        };
        if entry.kind() != Some(ObjectType::Blob) {
            return Ok(None);
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(GitError::git(format!("reading {path}")))?;
        Ok(Some(blob.content().to_vec()))
    }

    /// Writes the request's files as blobs, the tree, and the commit; moves no ref. Returns the
    /// new commit, or `None` when the writes leave the parent's tree unchanged.
    pub fn write_commit(&self, request: &CommitRequest) -> Result<Option<Oid>, GitError> {
        let parent = self
            .repo
            .find_commit(request.parent)
            .map_err(GitError::git(format!("reading commit {}", request.parent)))?;
        let base_tree = parent
            .tree()
            .map_err(GitError::git("reading the parent's tree"))?;
        let tree = self.write_tree(&base_tree, &request.subdir, &request.writes)?;
        if tree == base_tree.id() {
            return Ok(None);
        }
        self.commit_tree(tree, &[&parent], request).map(Some)
    }

    fn write_tree(
        &self,
        base: &git2::Tree<'_>,
        subdir: &str,
        writes: &[FileWrite],
    ) -> Result<Oid, GitError> {
        let subdir = subdir.trim_matches('/');
        let mut update = TreeUpdateBuilder::new();
        for write in writes {
            let rel = validate_repo_path(write.path())
                .map_err(|e| GitError::InvalidPath(e.to_string()))?;
            let full = if subdir.is_empty() {
                rel
            } else {
                format!("{subdir}/{rel}")
            };
            refuse_symlinks(base, &full)?;
            match write {
                FileWrite::Put { content, .. } => {
                    let oid = self
                        .repo
                        .blob(content)
                        .map_err(GitError::git(format!("writing {full}")))?;
                    // An existing file keeps its mode (an executable script stays executable).
                    let mode = match base.get_path(Path::new(&full)) {
                        Ok(entry) if entry.filemode() == i32::from(FileMode::BlobExecutable) => {
                            FileMode::BlobExecutable
                        }
                        _ => FileMode::Blob,
                    };
                    update.upsert(&full, oid, mode);
                }
                FileWrite::Delete { .. } => {
                    update.remove(&full);
                }
            }
        }
        self.step(SyncStep::Blobs)?;
        let tree = update
            .create_updated(&self.repo, base)
            .map_err(GitError::git("writing the tree"))?;
        self.step(SyncStep::Tree)?;
        Ok(tree)
    }

    fn commit_tree(
        &self,
        tree: Oid,
        parents: &[&git2::Commit<'_>],
        request: &CommitRequest,
    ) -> Result<Oid, GitError> {
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(GitError::git("reading the new tree"))?;
        let author = signature(&request.author)?;
        let committer = signature(request.committer.as_ref().unwrap_or(&request.author))?;
        let oid = self
            .repo
            .commit(None, &author, &committer, &request.message, &tree, parents)
            .map_err(GitError::git("writing the commit"))?;
        self.step(SyncStep::Commit)?;
        Ok(oid)
    }

    /// Moves ref `name` to `new` only if it still points at `expected` (`None`: only if it does
    /// not exist yet). Otherwise nothing changes and the error is [`GitError::RepoMoved`].
    pub fn update_ref(
        &self,
        name: &str,
        new: Oid,
        expected: Option<Oid>,
        log_message: &str,
    ) -> Result<(), GitError> {
        self.step(SyncStep::RefUpdate)?;
        let result = match expected {
            Some(old) => self
                .repo
                .reference_matching(name, new, true, old, log_message)
                .map(drop),
            // libgit2 compares under the ref's lock; a zero id means "must not exist yet".
            None => self
                .repo
                .reference_matching(name, new, true, Oid::ZERO_SHA1, log_message)
                .map(drop),
        };
        match result {
            Ok(()) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::Modified
                        | git2::ErrorCode::Exists
                        | git2::ErrorCode::Locked
                        | git2::ErrorCode::NotFound
                ) =>
            {
                let actual = self.ref_target(name).ok().flatten();
                Err(GitError::RepoMoved {
                    reference: name.to_string(),
                    expected: describe(expected),
                    actual: describe(actual),
                })
            }
            Err(e) => Err(GitError::git(format!("updating {name}"))(e)),
        }
    }

    /// Deletes ref `name` if it still points at `expected`.
    pub fn delete_ref(&self, name: &str, expected: Oid) -> Result<(), GitError> {
        let mut reference = match self.repo.find_reference(name) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                return Err(GitError::RepoMoved {
                    reference: name.into(),
                    expected: expected.to_string(),
                    actual: "none".into(),
                });
            }
            Err(e) => return Err(GitError::git(format!("reading {name}"))(e)),
        };
        if reference.target() != Some(expected) {
            return Err(GitError::RepoMoved {
                reference: name.into(),
                expected: expected.to_string(),
                actual: describe(reference.target()),
            });
        }
        reference
            .delete()
            .map_err(GitError::git(format!("deleting {name}")))
    }

    /// Writes the request as a commit on branch `branch` (a short name such as `interop/acme`)
    /// and moves the branch there, if it still points at `expected` (what the sync read; `None`
    /// when the branch did not exist). The branch is recomputed from the request's parent (the
    /// main branch head) on every sync, so an open pull request is updated, not stacked.
    ///
    /// When the branch already holds exactly this change on top of the same parent, nothing is
    /// written. When the change is empty, the branch is left alone and `commit` is `None`.
    pub fn update_sync_branch(
        &self,
        branch: &str,
        protected: &[&str],
        request: &CommitRequest,
        expected: Option<Oid>,
    ) -> Result<SyncBranchUpdate, GitError> {
        let reference = format!("refs/heads/{branch}");
        if protected.contains(&branch) || !git2::Reference::is_valid_name(&reference) {
            return Err(GitError::RefusedRef {
                reference,
                reason: "the sync branch must be the vendor's own branch, never the main branch"
                    .into(),
            });
        }
        let parent = self
            .repo
            .find_commit(request.parent)
            .map_err(GitError::git(format!("reading commit {}", request.parent)))?;
        let base_tree = parent
            .tree()
            .map_err(GitError::git("reading the parent's tree"))?;
        let tree = self.write_tree(&base_tree, &request.subdir, &request.writes)?;
        let mut update = SyncBranchUpdate {
            reference: reference.clone(),
            previous: expected,
            commit: None,
            created: false,
        };
        if tree == base_tree.id() {
            return Ok(update);
        }
        if let Some(current) = expected {
            let same = self.repo.find_commit(current).is_ok_and(|c| {
                c.tree_id() == tree && c.parent_ids().collect::<Vec<_>>() == [request.parent]
            });
            if same {
                // Still check that nobody moved the branch meanwhile.
                if self.ref_target(&reference)? != Some(current) {
                    return Err(GitError::RepoMoved {
                        reference,
                        expected: current.to_string(),
                        actual: describe(self.ref_target(&update.reference)?),
                    });
                }
                update.commit = Some(current);
                return Ok(update);
            }
        }
        let commit = self.commit_tree(tree, &[&parent], request)?;
        self.update_ref(
            &reference,
            commit,
            expected,
            &format!("interop: sync {branch}"),
        )?;
        update.commit = Some(commit);
        update.created = true;
        Ok(update)
    }
}

fn signature(author: &Author) -> Result<Signature<'static>, GitError> {
    Signature::now(&author.name, &author.email).map_err(GitError::git(format!(
        "invalid author '{} <{}>'",
        author.name, author.email
    )))
}

fn describe(oid: Option<Oid>) -> String {
    oid.map_or_else(|| "none".to_string(), |o| o.to_string())
}

impl FileWrite {
    /// The writes of an applied edit plan: changed and new files, then deleted ones. Files the
    /// plan could not edit are not in `changes.files`, so they are not written.
    pub fn from_changes(changes: &crate::edit::plan::PlannedChanges) -> Vec<FileWrite> {
        Self::from_files(&changes.files, &changes.deleted)
    }

    /// The writes of changed and new files, then of deleted ones.
    pub fn from_files(
        files: &[crate::edit::plan::FileChange],
        deleted: &[String],
    ) -> Vec<FileWrite> {
        let mut writes: Vec<FileWrite> = files
            .iter()
            .map(|f| FileWrite::Put {
                path: f.path.clone(),
                content: f.after.clone().into_bytes(),
            })
            .collect();
        writes.extend(
            deleted
                .iter()
                .map(|path| FileWrite::Delete { path: path.clone() }),
        );
        writes
    }
}
