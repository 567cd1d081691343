//! The base snapshot: the last state both sides agreed on, stored durably and versioned. By
//! default it lives in the customer's repository under `refs/interop/<vendor>/base`, as a chain
//! of commits whose tree holds one `base.json`; a vendor that prefers to keep it in its own
//! database implements [`BaseStore`].

use std::sync::Mutex;

use git2::{Oid, Signature};

use super::error::GitError;
use super::store::GitStore;

/// A stored base: its bytes and an opaque version (the commit id for the git store) that the
/// next store must name, so two syncs cannot both advance it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBase {
    /// The version this content was stored as.
    pub version: String,
    /// The snapshot (JSON written by the sync session).
    pub data: Vec<u8>,
}

/// Where the base snapshot is kept.
pub trait BaseStore {
    /// The current snapshot; `None` before the first sync.
    fn load(&self) -> Result<Option<StoredBase>, GitError>;
    /// Stores `data` as the new snapshot if the current version is still `expected` (`None`:
    /// only if nothing is stored yet); returns the new version. Otherwise nothing changes and
    /// the error is [`GitError::RepoMoved`].
    fn store(&self, expected: Option<&str>, data: &[u8]) -> Result<String, GitError>;
}

/// The base kept in the customer's repository under a ref (default
/// `refs/interop/<vendor>/base`): each version is a commit whose parent is the previous one.
#[derive(Debug)]
pub struct GitRefBaseStore<'a> {
    store: &'a GitStore,
    reference: String,
}

/// The file name of the snapshot inside a base commit's tree.
const BASE_FILE: &str = "base.json";

impl<'a> GitRefBaseStore<'a> {
    /// The base of `vendor` in `store`, under `refs/interop/<vendor>/base`.
    pub fn for_vendor(store: &'a GitStore, vendor: &str) -> Result<Self, GitError> {
        super::store::sync_branch_name(vendor)?;
        Ok(GitRefBaseStore {
            store,
            reference: format!("refs/interop/{vendor}/base"),
        })
    }

    /// The base under any ref name.
    pub fn at(store: &'a GitStore, reference: impl Into<String>) -> Self {
        GitRefBaseStore {
            store,
            reference: reference.into(),
        }
    }

    /// The ref the base is kept under.
    pub fn reference(&self) -> &str {
        &self.reference
    }
}

impl BaseStore for GitRefBaseStore<'_> {
    fn load(&self) -> Result<Option<StoredBase>, GitError> {
        let Some(commit) = self.store.ref_target(&self.reference)? else {
            return Ok(None);
        };
        let data = self
            .store
            .file_at(commit, BASE_FILE)?
            .ok_or_else(|| GitError::Git {
                context: format!("reading {}", self.reference),
                message: format!("commit {commit} has no {BASE_FILE}"),
                code: git2::ErrorCode::NotFound,
            })?;
        Ok(Some(StoredBase {
            version: commit.to_string(),
            data,
        }))
    }

    fn store(&self, expected: Option<&str>, data: &[u8]) -> Result<String, GitError> {
        let repo = self.store.repository();
        let expected = match expected {
            Some(v) => Some(Oid::from_str(v).map_err(|_| GitError::RepoMoved {
                reference: self.reference.clone(),
                expected: v.to_string(),
                actual: "a different store".into(),
            })?),
            None => None,
        };
        let blob = repo
            .blob(data)
            .map_err(GitError::git("writing the base snapshot"))?;
        let mut builder = repo
            .treebuilder(None)
            .map_err(GitError::git("writing the base tree"))?;
        builder
            .insert(BASE_FILE, blob, git2::FileMode::Blob.into())
            .map_err(GitError::git("writing the base tree"))?;
        let tree = builder
            .write()
            .and_then(|t| repo.find_tree(t))
            .map_err(GitError::git("writing the base tree"))?;
        let parent = match expected {
            Some(oid) => Some(
                repo.find_commit(oid)
                    .map_err(GitError::git("reading the previous base"))?,
            ),
            None => None,
        };
        if let Some(p) = &parent
            && p.tree_id() == tree.id()
        {
            // Same content: the version does not move.
            if self.store.ref_target(&self.reference)? == Some(p.id()) {
                return Ok(p.id().to_string());
            }
        }
        let signature = Signature::now("Interop", "interop@localhost")
            .map_err(GitError::git("making a signature"))?;
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let commit = repo
            .commit(
                None,
                &signature,
                &signature,
                "interop: base snapshot",
                &tree,
                &parents,
            )
            .map_err(GitError::git("writing the base commit"))?;
        self.store
            .update_ref(&self.reference, commit, expected, "interop: advance base")?;
        Ok(commit.to_string())
    }
}

/// A base kept in memory: for tests, and as the model for a vendor's own store (a database row
/// with a version column).
#[derive(Debug, Default)]
pub struct MemoryBaseStore {
    current: Mutex<Option<(u64, Vec<u8>)>>,
}

impl BaseStore for MemoryBaseStore {
    fn load(&self) -> Result<Option<StoredBase>, GitError> {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        Ok(current.as_ref().map(|(v, data)| StoredBase {
            version: v.to_string(),
            data: data.clone(),
        }))
    }

    fn store(&self, expected: Option<&str>, data: &[u8]) -> Result<String, GitError> {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let actual = current.as_ref().map(|(v, _)| v.to_string());
        if actual.as_deref() != expected {
            return Err(GitError::RepoMoved {
                reference: "base snapshot".into(),
                expected: expected.unwrap_or("none").into(),
                actual: actual.unwrap_or_else(|| "none".into()),
            });
        }
        let next = current.as_ref().map_or(1, |(v, _)| v + 1);
        *current = Some((next, data.to_vec()));
        Ok(next.to_string())
    }
}
