//! `interop init DIR`: a new dbt project for a customer who has none, with git initialised.

use std::path::{Path, PathBuf};

use interop_sdk::sync::scaffold::{
    Adapter, ScaffoldOptions, init_project, project_name_from, validate_name,
};

use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// The project folder to create; it must not exist yet, or be empty.
    dir: PathBuf,
    /// The dbt project name (lower-case letters, digits and _) [default: the folder's name,
    /// made valid].
    #[arg(long)]
    name: Option<String>,
    /// The warehouse the example profile (profiles.yml.example) is written for.
    #[arg(long, default_value = "duckdb", value_parser = ["duckdb", "postgres", "snowflake", "bigquery"])]
    adapter: String,
    /// Write the files only: no git repository, no first commit.
    #[arg(long)]
    no_git: bool,
    /// Print what was created as JSON: `{name, dir, adapter, files, commit, branch}`.
    #[arg(long)]
    json: bool,
}

/// The last component of `dir`, resolved when `dir` is `.` or ends in `..`.
fn folder_name(dir: &Path) -> String {
    let resolved = dir
        .canonicalize()
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf());
    resolved
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `dir` as a shell word for the "next steps".
fn shell_word(dir: &Path) -> String {
    let text = dir.display().to_string();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-~".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let name = match args.name {
        Some(name) => {
            validate_name(&name)?;
            name
        }
        None => project_name_from(&folder_name(&args.dir)),
    };
    let adapter: Adapter = args.adapter.parse()?;
    let mut options = ScaffoldOptions::new(name);
    options.adapter = adapter;
    options.with_git = !args.no_git;
    let report = init_project(&args.dir, &options)?;
    if args.json {
        let doc = serde_json::json!({
            "name": options.name,
            "dir": report.dir,
            "adapter": args.adapter,
            "files": report.files,
            "commit": report.commit,
            "branch": report.branch,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(exit::OK);
    }

    println!(
        "Created the dbt project `{}` in {} ({} files):",
        options.name,
        args.dir.display(),
        report.files.len()
    );
    for file in &report.files {
        println!("  {file}");
    }
    if let (Some(commit), Some(branch)) = (&report.commit, &report.branch) {
        println!(
            "Committed {} on branch {branch}: Initial dbt project (interop init)",
            &commit[..commit.len().min(12)]
        );
    }
    println!();
    println!("Next steps:");
    println!("  cd {}", shell_word(&args.dir));
    println!("  python -m pip install dbt-core {}", adapter.package());
    println!(
        "  cp profiles.yml.example profiles.yml   # then adjust it for your {} connection",
        adapter.label()
    );
    println!(
        "  dbt build                              # builds the time spine model and runs its tests"
    );
    if let Some(branch) = &report.branch {
        println!("  git remote add origin <repository URL> && git push -u origin {branch}");
    } else {
        println!("  git init && git add -A && git commit -m 'Initial dbt project'");
    }
    println!(
        "Then connect your data tool: it syncs into its own interop/<vendor> branch and opens a pull request for you to review."
    );
    Ok(exit::OK)
}
