//! Reading a dbt project into resources: list the files of a [`ProjectSource`], parse each one
//! once per blob id (in parallel), then assemble dbt's resources from them.
//!
//! ```no_run
//! use interop_sync::read::{FolderSource, Reader};
//! let reader = Reader::default();
//! let project = reader.read(&FolderSource::new("my_dbt_project")).unwrap();
//! for resource in &project.resources {
//!     println!("{} {}:{}", resource.unique_id, resource.location.file, resource.location.line);
//! }
//! for error in &project.errors {
//!     eprintln!("{error}");
//! }
//! ```

mod assemble;
mod error;
mod files;
pub mod jinja;
mod project_file;
mod properties;
mod source;
pub mod yaml;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use git2::{ObjectType, Oid};
use rayon::prelude::*;
use serde::Serialize;

pub use error::{ReadError, ReadErrorKind};
pub use properties::SELECTORS_FILE;
pub use source::{
    FolderSource, GitTreeSource, ParallelRead, ProjectSource, SourceError, SourceFile,
};

use crate::model::{DbtProject, Resource, ResourceId};
use crate::safety::Limits;

/// What a file is to dbt, decided by its folder (from `dbt_project.yml`) and its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileRole {
    /// `dbt_project.yml`.
    Project,
    /// A properties YAML file.
    Properties,
    /// A SQL model.
    Model,
    /// A Python model.
    PythonModel,
    /// A CSV seed.
    Seed,
    /// An analysis.
    Analysis,
    /// A singular data test.
    SingularTest,
    /// A file of `{% test %}` definitions under `<test-path>/generic/`.
    GenericTestDefinition,
    /// A macro file.
    Macro,
    /// A snapshot file of `{% snapshot %}` blocks.
    Snapshot,
    /// A markdown file of `{% docs %}` blocks.
    Docs,
    /// A user-defined function's SQL.
    Function,
}

/// One file that was read and what it was to dbt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectFile {
    /// Path relative to the project root.
    pub path: String,
    /// Git blob id (hex), the same for a folder and a commit with the same bytes.
    pub blob: String,
    /// What the file is.
    pub role: FileRole,
}

/// A project as read: its `dbt_project.yml`, every resource, and every problem found.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// What `dbt_project.yml` says.
    pub dbt_project: DbtProject,
    /// Every resource, sorted by unique id (disabled ones included, with `enabled: false`).
    pub resources: Vec<Resource>,
    /// Problems found; the files they name were read as far as possible.
    pub errors: Vec<ReadError>,
    /// Every file dbt would read, with its role.
    pub files: Vec<ProjectFile>,
}

impl Project {
    /// The enabled resource with this unique id.
    pub fn get(&self, unique_id: &str) -> Option<&Resource> {
        let start = self
            .resources
            .partition_point(|r| r.unique_id.as_str() < unique_id);
        self.resources[start..]
            .iter()
            .take_while(|r| r.unique_id.as_str() == unique_id)
            .find(|r| r.enabled)
            .or_else(|| {
                self.resources
                    .get(start)
                    .filter(|r| r.unique_id.as_str() == unique_id)
            })
    }

    /// Files that had at least one error.
    pub fn failed_files(&self) -> Vec<&str> {
        let mut files: Vec<&str> = self.errors.iter().map(|e| e.file.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// Ids of the enabled resources.
    pub fn enabled_ids(&self) -> impl Iterator<Item = &ResourceId> {
        self.resources
            .iter()
            .filter(|r| r.enabled)
            .map(|r| &r.unique_id)
    }
}

/// Why a project could not be read at all (a broken file is not one of these: it is reported in
/// [`Project::errors`] and the rest is read).
#[derive(Debug, thiserror::Error)]
pub enum ProjectReadError {
    /// The source could not be listed or read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// No usable `dbt_project.yml`.
    #[error("{0}")]
    Project(ReadError),
    /// More files than [`Limits::max_files`].
    #[error("{found} files in the project, more than the limit of {limit} (max_files)")]
    TooManyFiles {
        /// How many were found.
        found: usize,
        /// The limit.
        limit: usize,
    },
}

/// A file parsed once, shared by every read of the same blob in this process.
#[derive(Debug)]
pub(crate) enum Parsed {
    Yaml(Result<Option<Arc<yaml::Node>>, yaml::YamlError>),
    /// The file's facts and its length in bytes (the text itself is not needed again).
    Sql {
        facts: jinja::SqlFacts,
        len: usize,
    },
    Blocks(Result<Vec<jinja::JinjaBlock>, jinja::JinjaError>, Arc<str>),
    Csv,
    Unreadable(ReadError),
}

/// Called as files are read: how many of the project's files are done, and how many there
/// are. It runs on the reading threads, so it must be cheap (a progress bar redraws only when
/// the shown value changes).
#[derive(Clone)]
pub struct ReadProgress(Arc<dyn Fn(usize, usize) + Send + Sync>);

impl ReadProgress {
    /// A progress hook calling `f(done, total)`.
    pub fn new(f: impl Fn(usize, usize) + Send + Sync + 'static) -> Self {
        ReadProgress(Arc::new(f))
    }
}

impl std::fmt::Debug for ReadProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadProgress(..)")
    }
}

/// Reads projects; keeps parsed blobs so that reading the same commit again, or a commit that
/// shares most files, only parses what changed. The last project read from a source with a
/// [`ProjectSource::content_id`] is kept whole: reading the same tree again reuses it.
#[derive(Debug, Default)]
pub struct Reader {
    limits: Limits,
    cache: Mutex<HashMap<(Oid, FileRole), Arc<Parsed>>>,
    last: Mutex<Option<(Oid, Arc<Project>)>>,
    progress: Option<ReadProgress>,
}

/// A file of the project, parsed (or found in the cache).
type Loaded = (SourceFile, FileRole, Oid, Arc<Parsed>);

impl Reader {
    /// A reader with the given limits.
    pub fn new(limits: Limits) -> Self {
        Reader {
            limits,
            cache: Mutex::default(),
            last: Mutex::default(),
            progress: None,
        }
    }

    /// The same reader, reporting its progress through `progress` on every read.
    pub fn with_progress(mut self, progress: ReadProgress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How many parsed blobs are cached.
    pub fn cached_blobs(&self) -> usize {
        self.cache.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Reads the project in `source`.
    pub fn read(&self, source: &dyn ProjectSource) -> Result<Project, ProjectReadError> {
        self.read_shared(source).map(Arc::unwrap_or_clone)
    }

    /// Reads the project in `source`, sharing the result with the reader: reading a source
    /// whose [`ProjectSource::content_id`] is the one read last returns the same project
    /// without listing, reading or copying anything.
    pub fn read_shared(
        &self,
        source: &dyn ProjectSource,
    ) -> Result<Arc<Project>, ProjectReadError> {
        let content_id = source.content_id();
        if let Some(id) = content_id
            && let Ok(last) = self.last.lock()
            && let Some((last_id, project)) = last.as_ref()
            && *last_id == id
        {
            return Ok(Arc::clone(project));
        }
        let project = Arc::new(self.read_uncached(source)?);
        if let Some(id) = content_id
            && let Ok(mut last) = self.last.lock()
        {
            *last = Some((id, Arc::clone(&project)));
        }
        Ok(project)
    }

    fn read_uncached(&self, source: &dyn ProjectSource) -> Result<Project, ProjectReadError> {
        let listed = source.list()?;
        if listed.len() > self.limits.max_files {
            return Err(ProjectReadError::TooManyFiles {
                found: listed.len(),
                limit: self.limits.max_files,
            });
        }
        let project_file = listed
            .iter()
            .find(|f| f.path == "dbt_project.yml")
            .ok_or_else(|| {
                ProjectReadError::Project(ReadError::file(
                    ReadErrorKind::Io,
                    "dbt_project.yml",
                    format!("{} has no dbt_project.yml at its root", source.describe()),
                ))
            })?;
        let (dbt_project, mut errors) = {
            let bytes = source.read(project_file)?;
            let text = decode(&bytes, "dbt_project.yml").map_err(ProjectReadError::Project)?;
            let root = yaml::parse(text, &self.limits)
                .map_err(|e| ProjectReadError::Project(yaml_error("dbt_project.yml", e)))?;
            project_file::read_project("dbt_project.yml", root.as_ref(), text.len())
                .map_err(ProjectReadError::Project)?
        };

        let mut selected: Vec<(SourceFile, FileRole)> = listed
            .into_iter()
            .filter_map(|f| files::classify(&f.path, &dbt_project.paths).map(|role| (f, role)))
            .collect();
        selected.sort_by(|a, b| a.0.path.cmp(&b.0.path));

        let total = selected.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let tick = || {
            if let Some(progress) = &self.progress {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                (progress.0)(n, total);
            }
        };
        let parsed: Vec<Loaded> = match source.parallel() {
            // Each file is read, hashed and parsed on one thread, and its bytes dropped there.
            Some(shared) => selected
                .into_par_iter()
                .map(|(file, role)| {
                    let loaded = self.load(file, role, |f| shared.read(f));
                    tick();
                    loaded
                })
                .collect::<Result<_, _>>()?,
            // Bytes are read one by one, skipping blobs already parsed; parsing is parallel.
            None => {
                let mut bytes: Vec<Option<Vec<u8>>> = Vec::with_capacity(selected.len());
                for (file, role) in &selected {
                    let known = file
                        .oid
                        .is_some_and(|oid| self.cached(oid, *role).is_some());
                    let too_big = file.size.is_some_and(|s| s > self.limits.max_file_bytes);
                    bytes.push(if known || too_big {
                        None
                    } else {
                        Some(source.read(file)?)
                    });
                }
                selected
                    .into_par_iter()
                    .zip(bytes)
                    .map(|((file, role), bytes)| {
                        let loaded = self.load(file, role, |f| match bytes {
                            Some(b) => Ok(b),
                            None => source_read_again(f),
                        });
                        tick();
                        loaded
                    })
                    .collect::<Result<_, _>>()?
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            for (_, role, oid, p) in &parsed {
                if !oid.is_zero() {
                    cache.entry((*oid, *role)).or_insert_with(|| p.clone());
                }
            }
        }

        let files_out = parsed
            .iter()
            .map(|(f, role, oid, _)| ProjectFile {
                path: f.path.clone(),
                blob: oid.to_string(),
                role: *role,
            })
            .collect();
        let inputs: Vec<assemble::Input<'_>> = parsed
            .iter()
            .map(|(f, role, _, p)| assemble::Input {
                path: &f.path,
                role: *role,
                parsed: p,
            })
            .collect();
        let (resources, more_errors) = assemble::assemble(&dbt_project, &inputs);
        errors.extend(more_errors);
        let resources = sorted_resources(resources);
        errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        Ok(Project {
            dbt_project,
            resources,
            errors,
            files: files_out,
        })
    }

    /// One file: reported when too large, taken from the cache when its blob was parsed
    /// before, otherwise read with `read` and parsed.
    fn load(
        &self,
        file: SourceFile,
        role: FileRole,
        read: impl FnOnce(&SourceFile) -> Result<Vec<u8>, SourceError>,
    ) -> Result<Loaded, SourceError> {
        if let Some(size) = file.size
            && size > self.limits.max_file_bytes
        {
            let err = ReadError::file(
                ReadErrorKind::Limit,
                &file.path,
                format!(
                    "{size} bytes, more than the limit of {} (max_file_bytes)",
                    self.limits.max_file_bytes
                ),
            );
            return Ok((
                file,
                role,
                Oid::ZERO_SHA1,
                Arc::new(Parsed::Unreadable(err)),
            ));
        }
        if let Some(oid) = file.oid
            && let Some(hit) = self.cached(oid, role)
        {
            return Ok((file, role, oid, hit));
        }
        let bytes = read(&file)?;
        let oid = match file.oid {
            Some(oid) => oid,
            None => Oid::hash_object(ObjectType::Blob, &bytes).map_err(|e| SourceError::Git {
                context: format!("hashing {}", file.path),
                source: e,
            })?,
        };
        if let Some(hit) = self.cached(oid, role) {
            return Ok((file, role, oid, hit));
        }
        let parsed = Arc::new(parse_file(&file.path, role, &bytes, &self.limits));
        Ok((file, role, oid, parsed))
    }

    fn cached(&self, oid: Oid, role: FileRole) -> Option<Arc<Parsed>> {
        self.cache.lock().ok()?.get(&(oid, role)).cloned()
    }
}

/// Resources by unique id, enabled ones first, otherwise in the order given. Resources are
/// large: their indices are sorted, then each resource is swapped into place, with no second
/// vector of resources (which raised the peak memory of a large read by tens of MiB).
fn sorted_resources(mut resources: Vec<Resource>) -> Vec<Resource> {
    // The sort keys sit side by side (id, disabled, position), so that comparing two of them
    // does not visit the resources.
    let mut keys: Vec<(&str, bool, usize)> = resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.unique_id.as_str(), !r.enabled, i))
        .collect();
    keys.par_sort_unstable();
    let order: Vec<usize> = keys.into_iter().map(|(_, _, i)| i).collect();
    // `dest[i]`: where the resource now at `i` belongs. Each swap puts one resource in place.
    let mut dest = vec![0; order.len()];
    for (position, &from) in order.iter().enumerate() {
        dest[from] = position;
    }
    for i in 0..resources.len() {
        while dest[i] != i {
            let d = dest[i];
            resources.swap(i, d);
            dest.swap(i, d);
        }
    }
    resources
}

/// Reached only when a blob that was in the cache while listing is gone by the time it is
/// loaded, which cannot happen: the cache only grows.
fn source_read_again(file: &SourceFile) -> Result<Vec<u8>, SourceError> {
    Err(SourceError::Io {
        path: file.path.clone(),
        source: std::io::Error::other("blob left the cache while reading"),
    })
}

/// UTF-8 text of a file, without a leading byte-order mark.
fn decode<'a>(bytes: &'a [u8], path: &str) -> Result<&'a str, ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        ReadError {
            kind: ReadErrorKind::Encoding,
            file: path.to_string(),
            line,
            column,
            yaml_path: String::new(),
            message: format!("not valid UTF-8 (byte {})", e.valid_up_to()),
        }
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

pub(crate) fn yaml_error(path: &str, e: yaml::YamlError) -> ReadError {
    let kind = if e.message.contains("(limit ") {
        ReadErrorKind::Limit
    } else {
        ReadErrorKind::Syntax
    };
    ReadError {
        kind,
        file: path.to_string(),
        line: e.line,
        column: e.column,
        yaml_path: e.yaml_path,
        message: e.message,
    }
}

fn parse_file(path: &str, role: FileRole, bytes: &[u8], limits: &Limits) -> Parsed {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Parsed::Unreadable(ReadError::file(
            ReadErrorKind::Limit,
            path,
            format!(
                "{} bytes, more than the limit of {} (max_file_bytes)",
                bytes.len(),
                limits.max_file_bytes
            ),
        ));
    }
    if role == FileRole::Seed {
        return Parsed::Csv;
    }
    let text = match decode(bytes, path) {
        Ok(t) => t,
        Err(e) => return Parsed::Unreadable(e),
    };
    match role {
        FileRole::Project | FileRole::Properties => {
            Parsed::Yaml(yaml::parse(text, limits).map(|root| root.map(Arc::new)))
        }
        FileRole::Model
        | FileRole::Analysis
        | FileRole::SingularTest
        | FileRole::Function
        | FileRole::PythonModel => Parsed::Sql {
            facts: if role == FileRole::PythonModel {
                files::python_facts(text)
            } else {
                jinja::extract_sql(text)
            },
            len: text.len(),
        },
        FileRole::Macro | FileRole::GenericTestDefinition | FileRole::Snapshot | FileRole::Docs => {
            Parsed::Blocks(jinja::scan_blocks(text), Arc::from(text))
        }
        FileRole::Seed => Parsed::Csv,
    }
}
