//! A new dbt project for a customer who has none: files in house style, git initialised.
//!
//! [`scaffold_files`] is pure: it returns every file of a complete dbt project (dbt-core 1.12
//! style: `dbt_project.yml`, the standard folders, a profiles example for the chosen adapter, a
//! README and a `.gitignore`). [`init_project`] writes them into a new folder and, when asked,
//! makes them the first commit of a new git repository.
//!
//! The project holds one model: `models/marts/metricflow_time_spine.sql`, the daily calendar
//! that dbt's semantic layer requires before any semantic model or metric parses (dbt ≥ 1.9 reads
//! it from the YAML `time_spine:` entry). With it, a BI vendor's first sync can add metrics
//! straight away, and every folder configured in `dbt_project.yml` applies to a resource, which
//! keeps `dbt parse` free of the "unused configuration paths" warning.
//!
//! ```
//! use interop_sync::scaffold::{ScaffoldOptions, scaffold_files};
//! let files = scaffold_files(&ScaffoldOptions::new("analytics"));
//! let project = &files.iter().find(|(path, _)| path == "dbt_project.yml").unwrap().1;
//! assert!(project.contains("name: analytics\n"));
//! ```

mod files;
mod init;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub use files::scaffold_files;
pub use init::init_project;

/// The warehouse adapter the profiles example (`profiles.yml.example`) is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Adapter {
    /// DuckDB: a local file, nothing to set up (`dbt-duckdb`).
    #[default]
    DuckDb,
    /// PostgreSQL (`dbt-postgres`).
    Postgres,
    /// Snowflake (`dbt-snowflake`).
    Snowflake,
    /// BigQuery (`dbt-bigquery`).
    BigQuery,
}

impl Adapter {
    /// Every adapter, in the order `--help` lists them.
    pub const ALL: [Adapter; 4] = [
        Adapter::DuckDb,
        Adapter::Postgres,
        Adapter::Snowflake,
        Adapter::BigQuery,
    ];

    /// The adapter's `type:` in `profiles.yml` (`duckdb`, `postgres`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Adapter::DuckDb => "duckdb",
            Adapter::Postgres => "postgres",
            Adapter::Snowflake => "snowflake",
            Adapter::BigQuery => "bigquery",
        }
    }

    /// The Python package that installs the adapter (`dbt-duckdb`, ...).
    pub fn package(self) -> &'static str {
        match self {
            Adapter::DuckDb => "dbt-duckdb",
            Adapter::Postgres => "dbt-postgres",
            Adapter::Snowflake => "dbt-snowflake",
            Adapter::BigQuery => "dbt-bigquery",
        }
    }

    /// The warehouse's name for people (`DuckDB`, `BigQuery`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Adapter::DuckDb => "DuckDB",
            Adapter::Postgres => "PostgreSQL",
            Adapter::Snowflake => "Snowflake",
            Adapter::BigQuery => "BigQuery",
        }
    }
}

impl fmt::Display for Adapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Adapter {
    type Err = ScaffoldError;

    /// Parses `duckdb`, `postgres`, `snowflake` or `bigquery` (any case; `postgresql` too).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "postgresql" {
            return Ok(Adapter::Postgres);
        }
        Adapter::ALL
            .into_iter()
            .find(|a| a.as_str() == lower)
            .ok_or_else(|| ScaffoldError::UnknownAdapter(s.to_string()))
    }
}

/// What to scaffold. [`ScaffoldOptions::new`] fills in the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaffoldOptions {
    /// The dbt project name (`name:` in `dbt_project.yml`): lower-case ASCII letters, digits and
    /// underscores, starting with a letter, and not a name dbt reserves (see [`validate_name`]).
    pub name: String,
    /// The profile `dbt_project.yml` points at; `None` means the project name.
    pub profile: Option<String>,
    /// The warehouse `profiles.yml.example` and the README are written for.
    pub adapter: Adapter,
    /// Initialise a git repository and commit the files ([`init_project`] only).
    pub with_git: bool,
    /// Author (and committer) name of the first commit.
    pub author_name: String,
    /// Author (and committer) email of the first commit.
    pub author_email: String,
    /// The branch the first commit lands on.
    pub initial_branch: String,
}

impl ScaffoldOptions {
    /// Options for a project called `name`: profile of the same name, DuckDB, git initialised
    /// on `main`, first commit by `Interop <interop@localhost>`.
    pub fn new(name: impl Into<String>) -> Self {
        ScaffoldOptions {
            name: name.into(),
            profile: None,
            adapter: Adapter::default(),
            with_git: true,
            author_name: "Interop".into(),
            author_email: "interop@localhost".into(),
            initial_branch: "main".into(),
        }
    }

    /// The profile name: [`ScaffoldOptions::profile`], else the project name.
    pub fn profile_name(&self) -> &str {
        self.profile.as_deref().unwrap_or(&self.name)
    }

    /// Checks the project name, the profile name and, when git is wanted, the branch name and
    /// the author.
    pub fn validate(&self) -> Result<(), ScaffoldError> {
        validate_name(&self.name)?;
        let profile = self.profile_name();
        let profile_ok = !profile.is_empty()
            && profile
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !profile_ok {
            return Err(ScaffoldError::InvalidProfile(profile.to_string()));
        }
        if self.with_git {
            let branch = &self.initial_branch;
            if branch.is_empty() || !git2::Reference::is_valid_name(&format!("refs/heads/{branch}"))
            {
                return Err(ScaffoldError::InvalidBranch(branch.clone()));
            }
            for value in [&self.author_name, &self.author_email] {
                if value.trim().is_empty() || value.contains(['<', '>', '\n']) {
                    return Err(ScaffoldError::InvalidAuthor(format!(
                        "{} <{}>",
                        self.author_name, self.author_email
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Names dbt refuses for a project (dbt-core's `BANNED_PROJECT_NAMES`), plus `dbt` and the
/// adapters' internal packages, which would shadow their macros, and the Jinja words that cannot
/// be a macro namespace (`{{ my_project.my_macro() }}`).
const RESERVED: &[&str] = &[
    "_sql_results",
    "adapter",
    "and",
    "api",
    "column",
    "config",
    "context",
    "database",
    "dbt",
    "dbt_bigquery",
    "dbt_databricks",
    "dbt_duckdb",
    "dbt_postgres",
    "dbt_redshift",
    "dbt_snowflake",
    "dbt_spark",
    "elif",
    "else",
    "env",
    "env_var",
    "exceptions",
    "execute",
    "false",
    "flags",
    "for",
    "fromjson",
    "fromyaml",
    "graph",
    "if",
    "in",
    "invocation_id",
    "is",
    "load_agate_table",
    "load_result",
    "log",
    "model",
    "modules",
    "none",
    "not",
    "or",
    "post_hooks",
    "pre_hooks",
    "ref",
    "render",
    "return",
    "run_started_at",
    "schema",
    "source",
    "sql",
    "sql_now",
    "store_raw_result",
    "store_result",
    "target",
    "this",
    "tojson",
    "toyaml",
    "true",
    "try_or_compiler_error",
    "var",
    "write",
];

/// Checks a dbt project name: lower-case ASCII letters, digits and underscores, starting with a
/// letter, at most 64 characters, and not reserved (`dbt`, `ref`, `source`, `config`, ...).
///
/// ```
/// use interop_sync::scaffold::validate_name;
/// assert!(validate_name("jaffle_shop").is_ok());
/// assert!(validate_name("Jaffle").is_err());
/// assert!(validate_name("dbt").is_err());
/// ```
pub fn validate_name(name: &str) -> Result<(), ScaffoldError> {
    let invalid = |reason: &str| ScaffoldError::InvalidName {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    match name.chars().next() {
        None => return Err(invalid("it is empty")),
        Some(c) if !c.is_ascii_lowercase() => {
            return Err(invalid("it must start with a lower-case letter"));
        }
        _ => {}
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(invalid(
            "only lower-case letters, digits and underscores are allowed",
        ));
    }
    if name.len() > 64 {
        return Err(invalid("it is longer than 64 characters"));
    }
    if RESERVED.contains(&name) {
        return Err(invalid("dbt reserves it"));
    }
    Ok(())
}

/// A valid project name made from any text, such as a folder name: lower case, every run of
/// other characters becomes one `_`, a leading digit gets a `dbt_` prefix, a reserved name a
/// `_project` suffix; `analytics` when nothing usable is left.
///
/// ```
/// use interop_sync::scaffold::project_name_from;
/// assert_eq!(project_name_from("Acme Analytics-Repo"), "acme_analytics_repo");
/// assert_eq!(project_name_from("2024-dbt"), "dbt_2024_dbt");
/// assert_eq!(project_name_from("dbt"), "dbt_project");
/// assert_eq!(project_name_from("---"), "analytics");
/// ```
pub fn project_name_from(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut name = out.trim_end_matches('_').to_string();
    if name.is_empty() {
        return "analytics".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "dbt_");
    }
    if name.len() > 64 {
        name.truncate(64);
        name = name.trim_end_matches('_').to_string();
    }
    if RESERVED.contains(&name.as_str()) {
        name.push_str("_project");
    }
    name
}

/// Why a project could not be scaffolded. Every error about the file system names the path.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScaffoldError {
    /// The project name is not a valid dbt project name.
    #[error(
        "'{name}' is not a valid dbt project name: {reason} (use lower-case letters, digits and _, starting with a letter, e.g. 'analytics')"
    )]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The profile name holds characters other than letters, digits, `_` and `-`.
    #[error("'{0}' is not a valid profile name (use letters, digits, _ and -)")]
    InvalidProfile(String),
    /// Not one of the adapters the scaffold knows.
    #[error("unknown adapter '{0}' (expected duckdb, postgres, snowflake or bigquery)")]
    UnknownAdapter(String),
    /// The initial branch is not a valid git branch name.
    #[error("'{0}' is not a valid git branch name")]
    InvalidBranch(String),
    /// The commit author is empty or holds `<`, `>` or a line break.
    #[error("'{0}' is not a valid commit author (expected a name and an email)")]
    InvalidAuthor(String),
    /// The target exists and is not an empty folder.
    #[error("{}: the folder exists and is not empty; nothing was written", .0.display())]
    NotEmpty(PathBuf),
    /// The target exists and is a file or a symbolic link.
    #[error("{}: exists and is not a folder; nothing was written", .0.display())]
    NotAFolder(PathBuf),
    /// Reading or writing the file system failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Creating the git repository or its first commit failed.
    #[error("{}: git: {}", path.display(), source.message())]
    Git {
        /// The repository's folder.
        path: PathBuf,
        /// The underlying error.
        source: git2::Error,
    },
}

/// What [`init_project`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    /// The project folder.
    pub dir: PathBuf,
    /// Every file written, relative to the folder, `/`-separated, sorted.
    pub files: Vec<String>,
    /// The first commit's id (hex), when git was initialised.
    pub commit: Option<String>,
    /// The branch holding that commit, when git was initialised.
    pub branch: Option<String>,
}
