//! `interop inspect PATH[@REV]`: what Interop reads in a project.

use std::path::{Path, PathBuf};

use anyhow::Context;
use interop_sdk::sync::read::{FolderSource, GitTreeSource, Project, ProjectSource, Reader};
use serde::Serialize;

use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// A project folder, or `REPO@REV` for a commit of a git repository.
    target: String,
    /// Print JSON (schema `interop.inspect/v1`) instead of a table.
    #[arg(long)]
    json: bool,
    /// The dbt project's folder inside the repository, for `REPO@REV`.
    #[arg(long)]
    subdir: Option<String>,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

/// Splits `PATH@REV` when PATH is a folder and the text after the last `@` looks like a revision.
fn split_target(target: &str) -> (PathBuf, Option<String>) {
    if let Some((path, rev)) = target.rsplit_once('@')
        && !rev.is_empty()
        && !rev.contains('/')
        && Path::new(path).is_dir()
    {
        return (PathBuf::from(path), Some(rev.to_string()));
    }
    (PathBuf::from(target), None)
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let (path, rev) = split_target(&args.target);
    let source: Box<dyn ProjectSource> = match rev {
        Some(rev) => {
            let mut git = GitTreeSource::open(&path, &rev)?;
            if let Some(sub) = &args.subdir {
                git = git.with_subdir(sub);
            }
            Box::new(git)
        }
        None => {
            let dir = match &args.subdir {
                Some(sub) => path.join(sub),
                None => path,
            };
            anyhow::ensure!(dir.is_dir(), "{}: no such folder", dir.display());
            Box::new(FolderSource::new(dir))
        }
    };
    let mut reader = Reader::new(args.limits.limits());
    if let Some(progress) = crate::progress::on_terminal() {
        reader = reader.with_progress(progress);
    }
    let project = reader
        .read(source.as_ref())
        .context("reading the project")?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&InspectJson::from(&project))?
        );
    } else {
        print_table(&project);
    }
    Ok(if project.errors.is_empty() {
        exit::OK
    } else {
        exit::BAD_INPUT
    })
}

fn print_table(project: &Project) {
    let width = project
        .resources
        .iter()
        .map(|r| r.unique_id.as_str().len())
        .max()
        .unwrap_or(0);
    for r in &project.resources {
        let state = if r.enabled { "" } else { "  (disabled)" };
        println!(
            "{:<width$}  {:<14} {}:{}{state}",
            r.unique_id.as_str(),
            r.kind.label(),
            r.location.file,
            r.location.line
        );
    }
    for e in &project.errors {
        eprintln!("error: {e}");
    }
    let enabled = project.resources.iter().filter(|r| r.enabled).count();
    println!(
        "{} resources ({} enabled) in {} files, {} errors",
        project.resources.len(),
        enabled,
        project.files.len(),
        project.errors.len()
    );
}

/// The stable JSON printed by `inspect --json`.
#[derive(Serialize)]
struct InspectJson<'a> {
    schema: &'static str,
    project: ProjectJson<'a>,
    resources: Vec<ResourceJson<'a>>,
    errors: &'a [interop_sdk::sync::read::ReadError],
    files: usize,
}

#[derive(Serialize)]
struct ProjectJson<'a> {
    name: &'a str,
    profile: Option<&'a str>,
    require_dbt_version: &'a [String],
}

#[derive(Serialize)]
struct ResourceJson<'a> {
    unique_id: &'a str,
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    enabled: bool,
    file: &'a str,
    line: usize,
    column: usize,
    yaml_path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties_file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent: Option<&'a str>,
}

impl<'a> From<&'a Project> for InspectJson<'a> {
    fn from(p: &'a Project) -> Self {
        InspectJson {
            schema: "interop.inspect/v1",
            project: ProjectJson {
                name: &p.dbt_project.name,
                profile: p.dbt_project.profile.as_deref(),
                require_dbt_version: &p.dbt_project.require_dbt_version,
            },
            resources: p
                .resources
                .iter()
                .map(|r| ResourceJson {
                    unique_id: r.unique_id.as_str(),
                    kind: r.kind.label(),
                    name: &r.name,
                    version: r.version.as_deref(),
                    enabled: r.enabled,
                    file: &r.location.file,
                    line: r.location.line,
                    column: r.location.column,
                    yaml_path: &r.location.yaml_path,
                    properties_file: r.properties_location.as_ref().map(|l| &*l.file),
                    parent: r.parent.as_ref().map(|p| p.as_str()),
                })
                .collect(),
            errors: &p.errors,
            files: p.files.len(),
        }
    }
}
