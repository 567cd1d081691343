//! Where a project's files come from: a plain folder, or a tree at a git commit (read from the
//! object database, never from the work tree). Both give the same files and blob ids.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository};

/// One file of the project: its path relative to the project root, and its git blob id when the
/// source already knows it (a git tree does; a folder hashes on read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// `/`-separated path relative to the project root.
    pub path: String,
    /// The blob id, when known without reading.
    pub oid: Option<Oid>,
    /// Size in bytes, when known without reading.
    pub size: Option<u64>,
}

/// Why a source could not list or read a file.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The folder or file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A git operation failed (unknown revision, corrupt object ...).
    #[error("{context}: {source}")]
    Git {
        /// What was being done.
        context: String,
        /// The git error.
        source: git2::Error,
    },
    /// A symlink that points outside the project.
    #[error("{0}: symlink points outside the project")]
    SymlinkEscape(String),
}

/// A place to read a dbt project's files from.
pub trait ProjectSource {
    /// Every file below the project root (folders dbt never reads, such as `.git`, `target`,
    /// `dbt_packages` and `logs`, are skipped).
    fn list(&self) -> Result<Vec<SourceFile>, SourceError>;
    /// The bytes of one listed file.
    fn read(&self, file: &SourceFile) -> Result<Vec<u8>, SourceError>;
    /// A short description for messages (`folder /x` or `git /x@abc123`).
    fn describe(&self) -> String;
    /// An id of the exact content of every file the source lists (a git tree id), when the
    /// source knows one without reading: a reader that already read a project with this id can
    /// reuse the whole result. `None` (the default) when the content is only known by reading.
    fn content_id(&self) -> Option<Oid> {
        None
    }
    /// The same [`ProjectSource::read`], usable from several threads at once, when the source
    /// has one: files are then read and parsed in parallel. `None` (the default) reads them one
    /// by one.
    fn parallel(&self) -> Option<&dyn ParallelRead> {
        None
    }
}

/// Reads files of a source from several threads at once.
pub trait ParallelRead: Sync {
    /// The bytes of one listed file, as [`ProjectSource::read`] gives them.
    fn read(&self, file: &SourceFile) -> Result<Vec<u8>, SourceError>;
}

/// Folders below the project root that dbt never reads and that can be large.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "target",
    "dbt_packages",
    "dbt_modules",
    "logs",
    "node_modules",
];

/// Reads objects the way git itself does: the content is inflated and checked by zlib, but
/// its SHA-1 is not recomputed on every read (libgit2 does that by default, and it is a tenth
/// of a cold read). A corrupt object still fails to inflate; `git fsck` is the place for a
/// full check. The setting is process-wide and only concerns reading.
fn skip_hash_verification() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

fn skipped(name: &str) -> bool {
    SKIPPED_DIRS.contains(&name) || name.starts_with(".venv")
}

/// A project in a plain folder.
#[derive(Debug, Clone)]
pub struct FolderSource {
    root: PathBuf,
}

impl FolderSource {
    /// A folder holding `dbt_project.yml`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FolderSource { root: root.into() }
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl ProjectSource for FolderSource {
    fn list(&self) -> Result<Vec<SourceFile>, SourceError> {
        let canonical_root = self.root.canonicalize().map_err(|source| SourceError::Io {
            path: self.root.display().to_string(),
            source,
        })?;
        let mut out = Vec::new();
        let mut pending = vec![(self.root.clone(), String::new())];
        while let Some((dir, prefix)) = pending.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|source| SourceError::Io {
                path: dir.display().to_string(),
                source,
            })?;
            for entry in entries {
                let entry = entry.map_err(|source| SourceError::Io {
                    path: dir.display().to_string(),
                    source,
                })?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}/{name}")
                };
                let file_type = entry.file_type().map_err(|source| SourceError::Io {
                    path: rel.clone(),
                    source,
                })?;
                let path = entry.path();
                let (is_dir, size) = if file_type.is_symlink() {
                    let target = path.canonicalize().map_err(|source| SourceError::Io {
                        path: rel.clone(),
                        source,
                    })?;
                    if !target.starts_with(&canonical_root) {
                        return Err(SourceError::SymlinkEscape(rel));
                    }
                    let meta = std::fs::metadata(&target).map_err(|source| SourceError::Io {
                        path: rel.clone(),
                        source,
                    })?;
                    (meta.is_dir(), meta.len())
                } else {
                    let meta = entry.metadata().map_err(|source| SourceError::Io {
                        path: rel.clone(),
                        source,
                    })?;
                    (file_type.is_dir(), meta.len())
                };
                if is_dir {
                    if !skipped(&name) && !file_type.is_symlink() {
                        pending.push((path, rel));
                    }
                } else {
                    out.push(SourceFile {
                        path: rel,
                        oid: None,
                        size: Some(size),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn read(&self, file: &SourceFile) -> Result<Vec<u8>, SourceError> {
        std::fs::read(self.root.join(&file.path)).map_err(|source| SourceError::Io {
            path: file.path.clone(),
            source,
        })
    }

    fn describe(&self) -> String {
        format!("folder {}", self.root.display())
    }

    fn parallel(&self) -> Option<&dyn ParallelRead> {
        Some(self)
    }
}

impl ParallelRead for FolderSource {
    fn read(&self, file: &SourceFile) -> Result<Vec<u8>, SourceError> {
        ProjectSource::read(self, file)
    }
}

/// A project as committed: the tree of a commit in a git repository, optionally below a
/// subfolder (for repos whose dbt project is not at the root).
pub struct GitTreeSource {
    repo: Repository,
    commit: Oid,
    tree: Oid,
    subdir: String,
    description: String,
    blobs: GitBlobs,
}

/// Reads blobs from several threads: a `Repository` handle cannot be shared between threads, so
/// each thread takes one from a pool (opened on first need, at most one per thread at a time).
struct GitBlobs {
    repo_path: PathBuf,
    tree: Oid,
    subdir: String,
    pool: Mutex<Vec<Repository>>,
}

impl GitBlobs {
    fn read_with(&self, repo: &Repository, file: &SourceFile) -> Result<Vec<u8>, SourceError> {
        let oid = match file.oid {
            Some(oid) => oid,
            None => {
                let tree = repo
                    .find_tree(self.tree)
                    .map_err(GitTreeSource::git_err("reading tree".into()))?;
                let full = if self.subdir.is_empty() {
                    file.path.clone()
                } else {
                    format!("{}/{}", self.subdir, file.path)
                };
                tree.get_path(Path::new(&full))
                    .map_err(GitTreeSource::git_err(format!("finding {}", file.path)))?
                    .id()
            }
        };
        let blob = repo
            .find_blob(oid)
            .map_err(GitTreeSource::git_err(format!("reading {}", file.path)))?;
        Ok(blob.content().to_vec())
    }
}

impl ParallelRead for GitBlobs {
    fn read(&self, file: &SourceFile) -> Result<Vec<u8>, SourceError> {
        let pooled = self.pool.lock().ok().and_then(|mut pool| pool.pop());
        let repo = match pooled {
            Some(repo) => repo,
            None => Repository::open(&self.repo_path).map_err(GitTreeSource::git_err(format!(
                "opening {}",
                self.repo_path.display()
            )))?,
        };
        let result = self.read_with(&repo, file);
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(repo);
        }
        result
    }
}

impl GitTreeSource {
    /// Opens `repo_path` and resolves `rev` (a branch, tag, `HEAD`, or commit id).
    pub fn open(repo_path: &Path, rev: &str) -> Result<Self, SourceError> {
        skip_hash_verification();
        let repo = Repository::open(repo_path).map_err(|source| SourceError::Git {
            context: format!("opening {}", repo_path.display()),
            source,
        })?;
        let object = repo
            .revparse_single(rev)
            .map_err(|source| SourceError::Git {
                context: format!("resolving '{rev}' in {}", repo_path.display()),
                source,
            })?;
        let (commit, tree) = {
            let commit = object.peel_to_commit().map_err(|source| SourceError::Git {
                context: format!("'{rev}' is not a commit"),
                source,
            })?;
            (commit.id(), commit.tree_id())
        };
        drop(object);
        let description = format!("git {}@{}", repo_path.display(), &commit.to_string()[..12]);
        Ok(GitTreeSource {
            repo,
            commit,
            tree,
            subdir: String::new(),
            description,
            blobs: GitBlobs {
                repo_path: repo_path.to_path_buf(),
                tree,
                subdir: String::new(),
                pool: Mutex::new(Vec::new()),
            },
        })
    }

    /// Reads the project from a subfolder of the tree (`analytics/` in a monorepo).
    pub fn with_subdir(mut self, subdir: &str) -> Self {
        self.subdir = subdir.trim_matches('/').to_string();
        self.blobs.subdir = self.subdir.clone();
        self
    }

    /// The commit being read.
    pub fn commit(&self) -> Oid {
        self.commit
    }

    fn git_err(context: String) -> impl FnOnce(git2::Error) -> SourceError {
        move |source| SourceError::Git { context, source }
    }
}

impl ProjectSource for GitTreeSource {
    fn list(&self) -> Result<Vec<SourceFile>, SourceError> {
        let mut tree = self
            .repo
            .find_tree(self.tree)
            .map_err(Self::git_err("reading tree".into()))?;
        if !self.subdir.is_empty() {
            let entry = tree
                .get_path(Path::new(&self.subdir))
                .map_err(Self::git_err(format!("finding {}", self.subdir)))?;
            tree = self
                .repo
                .find_tree(entry.id())
                .map_err(Self::git_err(format!("{} is not a folder", self.subdir)))?;
        }
        let mut out = Vec::new();
        let mut pending = vec![(tree, String::new())];
        while let Some((tree, prefix)) = pending.pop() {
            for entry in tree.iter() {
                let Ok(name) = entry.name() else { continue };
                let rel = if prefix.is_empty() {
                    name.to_string()
                } else {
                    format!("{prefix}/{name}")
                };
                match entry.kind() {
                    Some(ObjectType::Tree) if !skipped(name) => {
                        let sub = self
                            .repo
                            .find_tree(entry.id())
                            .map_err(Self::git_err(format!("reading tree {rel}")))?;
                        pending.push((sub, rel));
                    }
                    // Symlinks (mode 120000) are blobs holding the target; dbt would follow
                    // them on disk, but a committed link can point anywhere, so they are skipped.
                    Some(ObjectType::Blob) if entry.filemode() != 0o120000 => {
                        out.push(SourceFile {
                            path: rel,
                            oid: Some(entry.id()),
                            size: None,
                        });
                    }
                    _ => {}
                }
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn read(&self, file: &SourceFile) -> Result<Vec<u8>, SourceError> {
        self.blobs.read_with(&self.repo, file)
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn content_id(&self) -> Option<Oid> {
        if self.subdir.is_empty() {
            return Some(self.tree);
        }
        let tree = self.repo.find_tree(self.tree).ok()?;
        let entry = tree.get_path(Path::new(&self.subdir)).ok()?;
        (entry.kind() == Some(ObjectType::Tree)).then(|| entry.id())
    }

    fn parallel(&self) -> Option<&dyn ParallelRead> {
        Some(&self.blobs)
    }
}
