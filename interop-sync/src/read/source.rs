//! Where a project's files come from: a plain folder, or a tree at a git commit (read from the
//! object database, never from the work tree). Both give the same files and blob ids.

use std::path::{Path, PathBuf};

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
}

/// A project as committed: the tree of a commit in a git repository, optionally below a
/// subfolder (for repos whose dbt project is not at the root).
pub struct GitTreeSource {
    repo: Repository,
    commit: Oid,
    tree: Oid,
    subdir: String,
    description: String,
}

impl GitTreeSource {
    /// Opens `repo_path` and resolves `rev` (a branch, tag, `HEAD`, or commit id).
    pub fn open(repo_path: &Path, rev: &str) -> Result<Self, SourceError> {
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
        })
    }

    /// Reads the project from a subfolder of the tree (`analytics/` in a monorepo).
    pub fn with_subdir(mut self, subdir: &str) -> Self {
        self.subdir = subdir.trim_matches('/').to_string();
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
        let oid = match file.oid {
            Some(oid) => oid,
            None => {
                let tree = self
                    .repo
                    .find_tree(self.tree)
                    .map_err(Self::git_err("reading tree".into()))?;
                let full = if self.subdir.is_empty() {
                    file.path.clone()
                } else {
                    format!("{}/{}", self.subdir, file.path)
                };
                tree.get_path(Path::new(&full))
                    .map_err(Self::git_err(format!("finding {}", file.path)))?
                    .id()
            }
        };
        let blob = self
            .repo
            .find_blob(oid)
            .map_err(Self::git_err(format!("reading {}", file.path)))?;
        Ok(blob.content().to_vec())
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}
