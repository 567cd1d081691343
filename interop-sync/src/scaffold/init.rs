//! Writing the scaffold to disk, all or nothing, and its first commit.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use git2::{Repository, RepositoryInitOptions, Signature};

use super::{InitReport, ScaffoldError, ScaffoldOptions, scaffold_files};

/// The first commit's subject.
const COMMIT_SUBJECT: &str = "Initial dbt project (interop init)";

/// Creates a new dbt project in `dir` (see [`scaffold_files`]) and, with
/// [`ScaffoldOptions::with_git`], a git repository whose first commit on
/// [`ScaffoldOptions::initial_branch`] holds every file, so that `git status` is clean.
///
/// `dir` must not exist or be an empty folder; anything else is refused before anything is
/// written. Missing parent folders are created.
///
/// All or nothing: the files are written, and committed, in a hidden staging folder
/// (`.<dir>.interop-init-…` beside `dir` when `dir` does not exist yet, `dir/.interop-init-…`
/// when it is an existing empty folder, whose permissions and owner are then kept), and only then
/// moved into place by renames on the same file system. On any error the staging folder, anything
/// already moved into `dir`, and the parent folders this call created are removed again, so the
/// file system is left as it was.
pub fn init_project(dir: &Path, options: &ScaffoldOptions) -> Result<InitReport, ScaffoldError> {
    options.validate()?;
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source: io::Error| ScaffoldError::Io { path, source }
    };

    // What is there now.
    let existing_empty = match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() || !meta.is_dir() => {
            return Err(ScaffoldError::NotAFolder(dir.to_path_buf()));
        }
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir).map_err(io_err(dir))?;
            if entries.next().is_some() {
                return Err(ScaffoldError::NotEmpty(dir.to_path_buf()));
            }
            true
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(io_err(dir)(e)),
    };

    let mut guard = Cleanup::default();
    let staging = if existing_empty {
        let staging = dir.join(staging_name(""));
        std::fs::create_dir(&staging).map_err(io_err(&staging))?;
        guard.staging = Some(staging.clone());
        staging
    } else {
        let absolute = std::path::absolute(dir).map_err(io_err(dir))?;
        let (Some(parent), Some(file_name)) = (absolute.parent(), absolute.file_name()) else {
            return Err(ScaffoldError::NotAFolder(dir.to_path_buf()));
        };
        guard.created_parents = create_parents(parent).map_err(io_err(parent))?;
        let staging = parent.join(staging_name(&file_name.to_string_lossy()));
        std::fs::create_dir(&staging).map_err(io_err(&staging))?;
        guard.staging = Some(staging.clone());
        staging
    };

    let files = scaffold_files(options);
    for (rel, content) in &files {
        let path = staging.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        std::fs::write(&path, content).map_err(io_err(&dir.join(rel)))?;
    }
    let commit = if options.with_git {
        let git_err = |source: git2::Error| ScaffoldError::Git {
            path: dir.to_path_buf(),
            source,
        };
        Some(commit_all(&staging, &files, options).map_err(git_err)?)
    } else {
        None
    };

    // Into place.
    if existing_empty {
        let entries = std::fs::read_dir(&staging).map_err(io_err(&staging))?;
        for entry in entries {
            let entry = entry.map_err(io_err(&staging))?;
            let target = dir.join(entry.file_name());
            std::fs::rename(entry.path(), &target).map_err(io_err(&target))?;
            guard.moved.push(target);
        }
        std::fs::remove_dir(&staging).map_err(io_err(&staging))?;
    } else {
        std::fs::rename(&staging, dir).map_err(io_err(dir))?;
    }
    guard.disarm();

    let mut written: Vec<String> = files.into_iter().map(|(path, _)| path).collect();
    written.sort();
    Ok(InitReport {
        dir: dir.to_path_buf(),
        files: written,
        commit,
        branch: options.with_git.then(|| options.initial_branch.clone()),
    })
}

/// A staging folder name no other call (in this process or another) uses at the same time.
fn staging_name(base: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        ".{base}{}interop-init-{}-{nanos}-{}",
        if base.is_empty() { "" } else { "." },
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates `dir` and its missing ancestors; returns the ones created, deepest first.
fn create_parents(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(p) = cur {
        if p.as_os_str().is_empty() || p.exists() {
            break;
        }
        missing.push(p.to_path_buf());
        cur = p.parent();
    }
    std::fs::create_dir_all(dir)?;
    Ok(missing)
}

/// A new repository in `root` whose first commit holds `files`; returns the commit id (hex).
fn commit_all(
    root: &Path,
    files: &[(String, String)],
    options: &ScaffoldOptions,
) -> Result<String, git2::Error> {
    let mut init = RepositoryInitOptions::new();
    init.initial_head(&options.initial_branch)
        .mkdir(false)
        .external_template(false);
    let repo = Repository::init_opts(root, &init)?;
    let mut index = repo.index()?;
    for (rel, _) in files {
        index.add_path(Path::new(rel))?;
    }
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let who = Signature::now(&options.author_name, &options.author_email)?;
    let message = format!(
        "{COMMIT_SUBJECT}\n\nThe dbt project `{}` (profile `{}`, {}), created by `interop init`.\n",
        options.name,
        options.profile_name(),
        options.adapter.label()
    );
    let oid = repo.commit(Some("HEAD"), &who, &who, &message, &tree, &[])?;
    Ok(oid.to_string())
}

/// Undoes a half-done [`init_project`] when dropped before [`Cleanup::disarm`].
#[derive(Default)]
struct Cleanup {
    staging: Option<PathBuf>,
    moved: Vec<PathBuf>,
    created_parents: Vec<PathBuf>,
}

impl Cleanup {
    fn disarm(&mut self) {
        self.staging = None;
        self.moved.clear();
        self.created_parents.clear();
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        // Best effort: the error being returned is the one worth reporting.
        for path in self.moved.drain(..) {
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
        if let Some(staging) = self.staging.take() {
            let _ = std::fs::remove_dir_all(staging);
        }
        // Only folders that are empty again: nothing someone else put there meanwhile.
        for dir in self.created_parents.drain(..) {
            let _ = std::fs::remove_dir(dir);
        }
    }
}
