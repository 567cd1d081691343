//! The repo host and the customer, played by the runner: a bare repository in a temp folder is
//! the remote every vendor clones and pushes to; a work tree beside it is the customer's
//! checkout, driven with the `git` command (edit, move, delete files on main; merge,
//! squash-merge or close a sync branch). Trees are read back with git2 and Interop's reader.

use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use interop_sdk::sync::git::GitStore;
use interop_sdk::sync::read::{GitTreeSource, Project, Reader};

use crate::scenario::{FileEdit, StartRepo};

/// Why the host or the customer could not do something.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HostError(pub String);

impl HostError {
    fn new(what: impl std::fmt::Display) -> Self {
        HostError(what.to_string())
    }
}

/// The remote and the customer's checkout.
pub struct Host {
    root: PathBuf,
    remote: PathBuf,
    work: PathBuf,
    reader: Reader,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host").field("root", &self.root).finish()
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String, HostError> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Casey (customer)")
        .env("GIT_AUTHOR_EMAIL", "casey@customer.example.com")
        .env("GIT_COMMITTER_NAME", "Casey (customer)")
        .env("GIT_COMMITTER_EMAIL", "casey@customer.example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| {
            HostError(format!(
                "running git (the runner plays the customer with it): {e}"
            ))
        })?;
    if !out.status.success() {
        return Err(HostError(format!(
            "git {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), HostError> {
    std::fs::create_dir_all(to).map_err(|e| HostError(format!("{}: {e}", to.display())))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| HostError(format!("{}: {e}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(HostError::new)?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .map_err(|e| HostError(format!("{}: {e}", path.display())))?;
        }
    }
    Ok(())
}

impl Host {
    /// A new remote under `root`, holding `start` (a fixture under `fixtures`) as main's first
    /// commit, or empty for [`StartRepo::None`].
    pub fn new(root: &Path, start: &StartRepo, fixtures: &Path) -> Result<Host, HostError> {
        let remote = root.join("remote.git");
        let work = root.join("customer");
        std::fs::create_dir_all(&remote).map_err(HostError::new)?;
        git(&remote, &["init", "-q", "--bare", "-b", "main"])?;
        let host = Host {
            root: root.to_path_buf(),
            remote,
            work,
            reader: Reader::default(),
        };
        if let StartRepo::Fixture(name) = start {
            let folder = fixtures.join(name);
            if !folder.join("dbt_project.yml").exists() {
                return Err(HostError(format!(
                    "the fixture {} has no dbt_project.yml",
                    folder.display()
                )));
            }
            copy_dir(&folder, &host.work)?;
            git(&host.work, &["init", "-q", "-b", "main"])?;
            git(&host.work, &["add", "-A"])?;
            git(
                &host.work,
                &["commit", "-qm", &format!("The {name} project")],
            )?;
            let url = host.remote.display().to_string();
            git(&host.work, &["remote", "add", "origin", &url])?;
            git(&host.work, &["push", "-q", "origin", "main"])?;
        }
        Ok(host)
    }

    /// The URL vendors get.
    pub fn url(&self) -> String {
        format!("file://{}", self.remote.display())
    }

    /// The scenario's temp folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn repo(&self) -> Result<Repository, HostError> {
        Repository::open_bare(&self.remote).map_err(HostError::new)
    }

    /// Where a ref of the remote points (`main`, `interop/acme`), if it exists.
    pub fn head(&self, branch: &str) -> Result<Option<Oid>, HostError> {
        let repo = self.repo()?;
        let found = repo.find_reference(&format!("refs/heads/{branch}"));
        match found {
            Ok(r) => Ok(r.target()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(HostError::new(e)),
        }
    }

    /// The tree id of a commit.
    pub fn tree_of(&self, commit: Oid) -> Result<Oid, HostError> {
        let repo = self.repo()?;
        let c = repo.find_commit(commit).map_err(HostError::new)?;
        Ok(c.tree_id())
    }

    /// Commits `branch` has that `base` has not, and the reverse.
    pub fn ahead_behind(&self, branch: Oid, base: Oid) -> Result<(usize, usize), HostError> {
        self.repo()?
            .graph_ahead_behind(branch, base)
            .map_err(HostError::new)
    }

    /// Reads the dbt project at a commit with Interop.
    pub fn read(&self, commit: Oid) -> Result<std::sync::Arc<Project>, HostError> {
        let store = GitStore::open(&self.remote).map_err(HostError::new)?;
        let source = store.tree_source(commit, "").map_err(HostError::new)?;
        self.reader
            .read_shared(&source)
            .map_err(|e| HostError(format!("Interop cannot read the project: {e}")))
    }

    /// A commit's tree as a project source.
    pub fn source(&self, commit: Oid) -> Result<GitTreeSource, HostError> {
        let store = GitStore::open(&self.remote).map_err(HostError::new)?;
        store.tree_source(commit, "").map_err(HostError::new)
    }

    /// Every file of a commit: path → bytes.
    pub fn files(
        &self,
        commit: Oid,
    ) -> Result<std::collections::BTreeMap<String, Vec<u8>>, HostError> {
        let repo = self.repo()?;
        let tree = repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(HostError::new)?;
        let mut out = std::collections::BTreeMap::new();
        let mut failure = None;
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) {
                let path = format!("{dir}{}", entry.name().unwrap_or_default());
                match repo.find_blob(entry.id()) {
                    Ok(blob) => {
                        out.insert(path, blob.content().to_vec());
                    }
                    Err(e) => {
                        failure = Some(e);
                        return TreeWalkResult::Abort;
                    }
                }
            }
            TreeWalkResult::Ok
        })
        .map_err(HostError::new)?;
        if let Some(e) = failure {
            return Err(HostError::new(e));
        }
        Ok(out)
    }

    /// Writes a commit's files into `dir` (for dbt).
    pub fn export(&self, commit: Oid, dir: &Path) -> Result<(), HostError> {
        for (path, bytes) in self.files(commit)? {
            let target = dir.join(&path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(HostError::new)?;
            }
            std::fs::write(&target, bytes).map_err(HostError::new)?;
        }
        Ok(())
    }

    /// The customer's checkout, up to date with the remote's main.
    fn checkout_main(&self) -> Result<(), HostError> {
        if !self.work.join(".git").exists() {
            if self.head("main")?.is_none() {
                return Err(HostError::new(
                    "the repository has no main branch yet: there is nothing for the customer to edit",
                ));
            }
            let url = self.remote.display().to_string();
            let work = self.work.display().to_string();
            git(&self.root, &["clone", "-q", &url, &work])?;
        }
        git(&self.work, &["fetch", "-q", "--prune", "origin"])?;
        git(&self.work, &["checkout", "-q", "main"])?;
        git(&self.work, &["reset", "-q", "--hard", "origin/main"])?;
        Ok(())
    }

    fn edit_in_work(&self, edit: &FileEdit) -> Result<(), HostError> {
        let path = self.work.join(&edit.file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| HostError(format!("the customer cannot open {}: {e}", edit.file)))?;
        let found = text.matches(edit.replace.as_str()).count();
        if found != 1 {
            return Err(HostError(format!(
                "the customer's edit of {} expects the text {:?} exactly once; it occurs {found} times (does the repo hold what the vendor was to write?)",
                edit.file, edit.replace
            )));
        }
        std::fs::write(&path, text.replacen(&edit.replace, &edit.with, 1)).map_err(HostError::new)
    }

    fn commit_and_push(&self, message: &str, branch: &str) -> Result<(), HostError> {
        git(&self.work, &["add", "-A"])?;
        git(&self.work, &["commit", "-qm", message])?;
        git(
            &self.work,
            &["push", "-q", "origin", &format!("HEAD:{branch}")],
        )?;
        Ok(())
    }

    /// The customer edits a file on main (text replaced once), commits and pushes.
    pub fn edit_file(&self, edit: &FileEdit) -> Result<(), HostError> {
        self.checkout_main()?;
        self.edit_in_work(edit)?;
        self.commit_and_push(&format!("Edit {}", edit.file), "main")
    }

    /// The customer writes a whole file on main.
    pub fn write_file(&self, file: &str, content: &str) -> Result<(), HostError> {
        self.checkout_main()?;
        let path = self.work.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(HostError::new)?;
        }
        std::fs::write(&path, content).map_err(HostError::new)?;
        self.commit_and_push(&format!("Write {file}"), "main")
    }

    /// The customer renames or moves a file on main.
    pub fn move_file(&self, from: &str, to: &str) -> Result<(), HostError> {
        self.checkout_main()?;
        if let Some(parent) = self.work.join(to).parent() {
            std::fs::create_dir_all(parent).map_err(HostError::new)?;
        }
        git(&self.work, &["mv", from, to])?;
        self.commit_and_push(&format!("Move {from} to {to}"), "main")
    }

    /// The customer deletes a file on main.
    pub fn delete_file(&self, file: &str) -> Result<(), HostError> {
        self.checkout_main()?;
        git(&self.work, &["rm", "-q", file])?;
        self.commit_and_push(&format!("Delete {file}"), "main")
    }

    /// The customer merges `branch` into main: review edits first (committed on the branch),
    /// then a merge commit or a squash. A merge git cannot make cleanly fails.
    pub fn merge(&self, branch: &str, squash: bool, edits: &[FileEdit]) -> Result<(), HostError> {
        self.checkout_main()?;
        if self.head(branch)?.is_none() {
            return Err(HostError(format!(
                "there is no branch {branch} to merge (the vendor has not proposed anything)"
            )));
        }
        if !edits.is_empty() {
            git(
                &self.work,
                &["checkout", "-q", "-B", branch, &format!("origin/{branch}")],
            )?;
            for edit in edits {
                self.edit_in_work(edit)?;
            }
            self.commit_and_push("Review edits", branch)?;
            git(&self.work, &["checkout", "-q", "main"])?;
            git(&self.work, &["fetch", "-q", "origin"])?;
        }
        let theirs = format!("origin/{branch}");
        let merged = if squash {
            git(&self.work, &["merge", "-q", "--squash", &theirs]).and_then(|_| {
                git(
                    &self.work,
                    &["commit", "-qm", &format!("{branch} (squashed)")],
                )
            })
        } else {
            git(
                &self.work,
                &[
                    "merge",
                    "-q",
                    "--no-ff",
                    "-m",
                    &format!("Merge {branch}"),
                    &theirs,
                ],
            )
        };
        if let Err(e) = merged {
            let _ = git(&self.work, &["merge", "--abort"]);
            let _ = git(&self.work, &["reset", "-q", "--hard", "origin/main"]);
            return Err(HostError(format!(
                "git could not merge {branch} into main cleanly: {e}"
            )));
        }
        git(&self.work, &["push", "-q", "origin", "main"])?;
        if squash {
            // As a forge does after a squash merge: the branch is deleted.
            git(&self.work, &["push", "-q", "origin", "--delete", branch])?;
        }
        Ok(())
    }

    /// The customer closes the pull request: the branch is deleted unmerged.
    pub fn close(&self, branch: &str) -> Result<(), HostError> {
        self.checkout_main()?;
        git(&self.work, &["push", "-q", "origin", "--delete", branch])?;
        Ok(())
    }
}
