//! `interop plan|apply|pull|status|resolve`: a vendor's sync session from the command line. The
//! vendor's desired objects come from a state file (YAML or JSON, the SDK's schema): resource
//! states under `objects:`, and the category objects under `semantic_models:` / `metrics:` /
//! `saved_queries:` / `dashboards:` / `transforms:` (BI), `monitors:` / `descriptions:`
//! (observability), `annotations:` (catalog), `elt:` (connectors and transforms), `jobs:`
//! (orchestration), `syncs:` (reverse ETL), `publications:` (notebook), `feature_sets:` /
//! `predictions:` (ML) and `streams:` (product analytics, with its metrics under the BI keys),
//! mapped into the repo the session reads.
//! `interop pull --state FILE --out FILE` writes the state file back with the repo's changes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use interop_sdk::bi::BiObjects;
use interop_sdk::sync::git::{Credentials, GitError};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::read::yaml;
use interop_sdk::sync::safety::Limits;
use interop_sdk::{
    CategoryObjects, Choice, Desired, Scope, SessionError, SessionOptions, SyncPlan, SyncSession,
    VendorChange,
};
use serde::Serialize;
use serde_json::Value;

use crate::exit;

/// What every session command takes.
#[derive(clap::Args, Debug, Clone)]
pub struct SessionArgs {
    /// The customer's repository: a local path, or a URL (`file://`, `https://`, `ssh://`).
    #[arg(long, value_name = "PATH|URL")]
    repo: String,
    /// The vendor's name; the sync branch is `interop/<vendor>`.
    #[arg(long)]
    vendor: String,
    /// The vendor's category, which sets the scope: bi, catalog, observability, elt,
    /// orchestration, reverse_etl, notebook, ml, product_analytics, all.
    #[arg(long, default_value = "bi")]
    category: String,
    /// The sync branch (default `interop/<vendor>`).
    #[arg(long)]
    branch: Option<String>,
    /// The main branch (default `main`, else `master`, else HEAD's branch).
    #[arg(long)]
    main: Option<String>,
    /// The dbt project's folder inside the repository.
    #[arg(long, default_value = "")]
    subdir: String,
    /// For a URL: where the repository is cached (default `./.interop-cache`).
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// For https: the name of an environment variable holding the token (never pass the token
    /// itself on the command line).
    #[arg(long, value_name = "VAR")]
    token_env: Option<String>,
    /// The user sent with the token (GitHub: x-access-token).
    #[arg(long, default_value = "x-access-token")]
    token_user: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

/// `interop plan` / `interop apply`.
#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// The vendor's desired objects (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    state: PathBuf,
    /// Exit 1 when the repo side would change (plan only).
    #[arg(long)]
    check: bool,
    /// Push the sync branch and the base to the remote (apply only).
    #[arg(long)]
    push: bool,
    /// Where to write the sync record JSON (apply only).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Where to write the vendor's objects after the sync's changes from the repo (apply only;
    /// JSON, the state file's schema).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// `interop status`.
#[derive(clap::Args, Debug)]
pub struct ReadArgs {
    #[command(flatten)]
    session: SessionArgs,
}

/// `interop pull`.
#[derive(clap::Args, Debug)]
pub struct PullArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// The vendor's objects before the pull (a state file, YAML or JSON).
    #[arg(long, value_name = "FILE", requires = "out")]
    state: Option<PathBuf>,
    /// Where to write the vendor's objects after the repo's changes (JSON, the state file's
    /// schema).
    #[arg(long, value_name = "FILE", requires = "state")]
    out: Option<PathBuf>,
}

/// `interop resolve`.
#[derive(clap::Args, Debug)]
pub struct ResolveArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// The vendor's object id.
    id: String,
    /// The field (`description`, `columns[name=id].description`).
    field: String,
    /// Which side wins: vendor or repo.
    #[arg(value_parser = ["vendor", "repo"])]
    choice: String,
}

/// The state file: the vendor's desired objects.
#[derive(Debug, Default, Serialize)]
struct StateFile {
    /// The objects, as resource states (read and checked one by one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    objects: Vec<Desired>,
    /// The category objects (the SDK's schema: BI keys, `monitors`, … `streams`, `elt`).
    #[serde(flatten)]
    categories: CategoryObjects,
}

fn scope_of(category: &str) -> anyhow::Result<Scope> {
    use interop_sdk::sync::model::ResourceKind as K;
    if let Some(scope) = Scope::of_category(category) {
        return Ok(scope);
    }
    Ok(match category {
        "all" => Scope::everything(&[
            K::Model,
            K::Source,
            K::Seed,
            K::Snapshot,
            K::Exposure,
            K::Metric,
            K::SemanticModel,
            K::SavedQuery,
            K::Group,
            K::SingularTest,
        ]),
        other => {
            return Err(anyhow!(
                "unknown category '{other}' ({}, all)",
                interop_sdk::CATEGORIES.join(", ")
            ));
        }
    })
}

fn open(args: &SessionArgs) -> Result<SyncSession, CliError> {
    let mut options = SessionOptions::new(&args.vendor, scope_of(&args.category)?);
    options.branch = args.branch.clone();
    options.main_branch = args.main.clone();
    options.subdir = args.subdir.clone();
    options.limits = args.limits.limits();
    options.progress = crate::progress::on_terminal();
    let credentials = match &args.token_env {
        Some(var) => Credentials::Token {
            username: args.token_user.clone(),
            token: std::env::var(var)
                .map_err(|_| anyhow!("the environment variable {var} is not set"))?,
        },
        None => Credentials::None,
    };
    let is_url = args.repo.contains("://") || args.repo.starts_with("git@");
    Ok(if is_url {
        let cache = args
            .cache
            .clone()
            .unwrap_or_else(|| PathBuf::from(".interop-cache"));
        SyncSession::open_remote(&args.repo, &cache, credentials, options)?
    } else {
        SyncSession::open(Path::new(&args.repo), options)?
    })
}

/// An error with its exit code.
pub struct CliError {
    pub code: u8,
    pub error: anyhow::Error,
}

impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> Self {
        CliError {
            code: exit::BAD_INPUT,
            error,
        }
    }
}

impl From<SessionError> for CliError {
    fn from(e: SessionError) -> Self {
        let code = match &e {
            SessionError::Git(GitError::RepoMoved { .. } | GitError::PushRejected { .. }) => {
                exit::REPO_MOVED
            }
            _ => exit::BAD_INPUT,
        };
        CliError {
            code,
            error: e.into(),
        }
    }
}

/// The keys of one object in a state file.
const OBJECT_KEYS: &[&str] = &["id", "kind", "name", "value", "file"];

/// The top-level keys of a state file.
const STATE_KEYS: &[&str] = &[
    "objects",
    "semantic_models",
    "metrics",
    "saved_queries",
    "dashboards",
    "transforms",
    "monitors",
    "descriptions",
    "annotations",
    "elt",
    "jobs",
    "syncs",
    "publications",
    "feature_sets",
    "predictions",
    "streams",
];

/// The items of the category list `key` of a state file, each checked by serde; an error
/// points at the item (`metrics[2]: missing field `agg``).
fn category_items<T: serde::de::DeserializeOwned>(
    root: &yaml::Node,
    key: &str,
    at: &dyn Fn(&yaml::Node, &str, String) -> anyhow::Error,
) -> anyhow::Result<Vec<T>> {
    let Some(node) = root.get(key) else {
        return Ok(vec![]);
    };
    let Some(items) = node.as_seq() else {
        return Err(at(node, key, format!("'{key}' must be a list")));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item.to_json())
                .map_err(|e| at(item, &format!("{key}[{i}]"), e.to_string()))
        })
        .collect()
}

/// Reads the state file (resource states under `objects`, category objects under the BI keys,
/// `monitors`, `descriptions` and `annotations`); every error names the file, line, column and
/// YAML path.
fn read_state_file(path: &Path, limits: &Limits) -> anyhow::Result<StateFile> {
    let shown = path.display();
    let bytes = std::fs::read(path).with_context(|| shown.to_string())?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| anyhow!("{shown}: not valid UTF-8 (byte {})", e.valid_up_to()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(anyhow!(
            "{shown}: {} bytes, more than the limit of {} (max_file_bytes)",
            bytes.len(),
            limits.max_file_bytes
        ));
    }
    let root = yaml::parse(text, limits).map_err(|e| anyhow!("{shown}:{e}"))?;
    let Some(root) = root else {
        return Ok(StateFile::default());
    };
    let at = |node: &yaml::Node, yaml_path: &str, message: String| {
        let prefix = if yaml_path.is_empty() {
            String::new()
        } else {
            format!("{yaml_path}: ")
        };
        anyhow!("{shown}:{}:{}: {prefix}{message}", node.line, node.column)
    };
    let Some(entries) = root.as_map() else {
        return Err(at(
            &root,
            "",
            format!("a state file is a mapping with {}", STATE_KEYS.join(", ")),
        ));
    };
    for (key, _) in entries {
        let name = key.as_text().unwrap_or_default();
        if !STATE_KEYS.contains(&name.as_str()) {
            return Err(at(
                key,
                &name,
                format!(
                    "unknown key '{name}' (a state file has {})",
                    STATE_KEYS.join(", ")
                ),
            ));
        }
    }
    // The category objects: serde checks them one by one; errors point at the item.
    let categories = CategoryObjects {
        bi: BiObjects {
            semantic_models: category_items(&root, "semantic_models", &at)?,
            metrics: category_items(&root, "metrics", &at)?,
            saved_queries: category_items(&root, "saved_queries", &at)?,
            dashboards: category_items(&root, "dashboards", &at)?,
            transforms: category_items(&root, "transforms", &at)?,
        },
        monitors: category_items(&root, "monitors", &at)?,
        descriptions: category_items(&root, "descriptions", &at)?,
        annotations: category_items(&root, "annotations", &at)?,
        jobs: category_items(&root, "jobs", &at)?,
        syncs: category_items(&root, "syncs", &at)?,
        publications: category_items(&root, "publications", &at)?,
        feature_sets: category_items(&root, "feature_sets", &at)?,
        predictions: category_items(&root, "predictions", &at)?,
        streams: category_items(&root, "streams", &at)?,
        elt: match root.get("elt") {
            Some(node) => Some(
                serde_json::from_value(node.to_json())
                    .map_err(|e| at(node, "elt", e.to_string()))?,
            ),
            None => None,
        },
    };
    let mut file = StateFile {
        objects: vec![],
        categories,
    };
    let Some(objects) = root.get("objects") else {
        return Ok(file);
    };
    let Some(items) = objects.as_seq() else {
        return Err(at(objects, "objects", "'objects' must be a list".into()));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let here = format!("objects[{i}]");
        let Some(fields) = item.as_map() else {
            return Err(at(item, &here, "an object must be a mapping".into()));
        };
        for (key, _) in fields {
            let name = key.as_text().unwrap_or_default();
            if !OBJECT_KEYS.contains(&name.as_str()) {
                return Err(at(
                    key,
                    &format!("{here}.{name}"),
                    format!(
                        "unknown field '{name}' (an object has {})",
                        OBJECT_KEYS.join(", ")
                    ),
                ));
            }
        }
        for key in ["id", "kind", "name", "value"] {
            if item.get(key).is_none() {
                return Err(at(item, &here, format!("missing field '{key}'")));
            }
        }
        for key in ["id", "kind", "name", "file"] {
            if let Some(node) = item.get(key).filter(|n| n.as_str().is_none()) {
                let message = format!("'{key}' must be a string, not a {}", node.type_name());
                return Err(at(node, &format!("{here}.{key}"), message));
            }
        }
        if let Some(kind) = item.get("kind")
            && let Err(e) = serde_json::from_value::<ResourceKind>(kind.to_json())
        {
            return Err(at(kind, &format!("{here}.kind"), e.to_string()));
        }
        let desired: Desired =
            serde_json::from_value(item.to_json()).map_err(|e| at(item, &here, e.to_string()))?;
        out.push(desired);
    }
    file.objects = out;
    Ok(file)
}

/// The vendor's desired objects from a state file, category objects mapped for this repo.
fn read_state(path: &Path, limits: &Limits, session: &SyncSession) -> anyhow::Result<Vec<Desired>> {
    desired_of(&read_state_file(path, limits)?, path, session)
}

/// What the SDK syncs for a state file read from `path`.
fn desired_of(
    file: &StateFile,
    path: &Path,
    session: &SyncSession,
) -> anyhow::Result<Vec<Desired>> {
    let mut desired = file.objects.clone();
    let mapped = file
        .categories
        .to_desired(session)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    // What cannot be mapped is left out and said, never guessed.
    for reason in &mapped.unmapped {
        eprintln!("warning: {}: elt: {reason}", path.display());
    }
    desired.extend(mapped.desired);
    Ok(desired)
}

pub(crate) struct Style {
    color: bool,
}

impl Style {
    /// No colours (machine output, pipes).
    pub(crate) fn plain() -> Style {
        Style { color: false }
    }

    pub(crate) fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

pub(crate) fn print_plan(plan: &SyncPlan, style: &Style) {
    println!(
        "{} {} from main@{} → {}",
        style.paint("1", "Plan"),
        plan.pr.title,
        &plan.main_commit[..12],
        plan.branch
    );
    for change in &plan.changes {
        let what = match &change.kind {
            interop_sdk::sync::git::ResourceChangeKind::Renamed { from } => {
                format!("(from {from})")
            }
            interop_sdk::sync::git::ResourceChangeKind::Moved { from } => format!("(from {from})"),
            _ => change.fields.join(", "),
        };
        let sign = change.kind.sign();
        let color = match sign {
            "+" => "32",
            "-" => "31",
            _ => "33",
        };
        println!(
            "  {} {}  {}",
            style.paint(color, sign),
            change.resource,
            what
        );
    }
    let count = |sign: &str| {
        plan.changes
            .iter()
            .filter(|c| c.kind.sign() == sign)
            .count()
    };
    println!(
        "  {} {} added, {} {} changed, {} {} removed, {} {} renamed, {} {} moved; {} file(s), +{} −{} lines",
        style.paint("32", "+"),
        count("+"),
        style.paint("33", "~"),
        count("~"),
        style.paint("31", "-"),
        count("-"),
        style.paint("33", "⇄"),
        count("⇄"),
        style.paint("33", "→"),
        count("→"),
        plan.stats.files,
        plan.stats.insertions,
        plan.stats.deletions
    );
    let mine: Vec<&VendorChange> = plan.vendor_changes.iter().collect();
    if !mine.is_empty() {
        println!(
            "{}",
            style.paint("1", "For the vendor (changed in the repo)")
        );
        for change in mine {
            match change {
                VendorChange::Created { unique_id, .. } => {
                    println!("  {} {unique_id}", style.paint("32", "+"))
                }
                VendorChange::Updated {
                    id,
                    unique_id,
                    fields,
                    ..
                } => println!(
                    "  {} {id} ({unique_id}): {}",
                    style.paint("33", "~"),
                    fields.join(", ")
                ),
                VendorChange::Deleted { id, unique_id } => {
                    println!("  {} {id} ({unique_id})", style.paint("31", "-"))
                }
            }
        }
    }
    if !plan.conflicts.is_empty() {
        println!(
            "{}",
            style.paint("1;31", "Conflicts (the repo's value is kept)")
        );
        for c in &plan.conflicts {
            println!("  ! {} ({}) {}", c.id, c.unique_id, c.conflict.path);
            let show = |v: &Option<Value>| {
                v.as_ref()
                    .map_or_else(|| "(absent)".to_string(), |v| v.to_string())
            };
            println!("      base:   {}", show(&c.conflict.base));
            println!("      vendor: {}", show(&c.conflict.vendor));
            println!("      repo:   {}", show(&c.conflict.repo));
            println!(
                "      resolve: interop resolve ... {} '{}' vendor|repo",
                c.id, c.conflict.path
            );
        }
    }
    for e in &plan.errors {
        println!("{} {e}", style.paint("31", "error:"));
    }
    for file in &plan.files {
        let diff = crate::edit::unified_diff(file);
        for line in diff.lines() {
            let code = if line.starts_with('+') && !line.starts_with("+++") {
                "32"
            } else if line.starts_with('-') && !line.starts_with("---") {
                "31"
            } else if line.starts_with("@@") {
                "36"
            } else {
                ""
            };
            if code.is_empty() {
                println!("{line}");
            } else {
                println!("{}", style.paint(code, line));
            }
        }
    }
}

pub(crate) fn style() -> Style {
    Style {
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

fn outcome(plan: &SyncPlan, check: bool) -> u8 {
    if !plan.conflicts.is_empty() {
        exit::CONFLICTS
    } else if check && !plan.is_noop() {
        exit::CHANGES_PENDING
    } else {
        exit::OK
    }
}

/// `interop plan`.
pub fn plan(args: PlanArgs) -> Result<u8, CliError> {
    let session = open(&args.session)?;
    let desired = read_state(&args.state, &args.session.limits.limits(), &session)?;
    let plan = session.plan(&desired)?;
    if args.session.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&plan).map_err(anyhow::Error::from)?
        );
    } else {
        print_plan(&plan, &style());
    }
    Ok(outcome(&plan, args.check))
}

/// `interop apply`.
pub fn apply(args: PlanArgs) -> Result<u8, CliError> {
    let session = open(&args.session)?;
    let file = read_state_file(&args.state, &args.session.limits.limits())?;
    let desired = desired_of(&file, &args.state, &session)?;
    let plan = session.plan(&desired)?;
    let code = outcome(&plan, false);
    if !args.session.json {
        print_plan(&plan, &style());
    }
    let record = session.apply(plan, args.push)?;
    let json = serde_json::to_string_pretty(&record).map_err(anyhow::Error::from)?;
    if let Some(path) = &args.record {
        std::fs::write(path, format!("{json}\n")).with_context(|| path.display().to_string())?;
    }
    if let Some(out) = &args.out {
        let after = updated_state(file, &record.vendor_changes, &session)
            .map_err(|e| anyhow!("{}: {e}", args.state.display()))?;
        let text = serde_json::to_string_pretty(&after).map_err(anyhow::Error::from)?;
        std::fs::write(out, format!("{text}\n")).with_context(|| out.display().to_string())?;
    }
    if args.session.json {
        println!("{json}");
    } else {
        match &record.commit {
            Some(c) if record.created_commit => {
                println!("Committed {} on {}", &c[..12], record.branch)
            }
            Some(c) => println!("{} is already at {} (nothing new)", record.branch, &c[..12]),
            None => println!("Nothing to propose; {} left as it was", record.branch),
        }
        if record.pushed {
            println!("Pushed {} and the base", record.branch);
        }
    }
    Ok(code)
}

/// The vendor's objects in `file` after the repo's `changes`: each category through its own
/// reverse mapping; resource states by id (resources new in the repo join `objects` only when
/// the file has no category objects, which would claim them).
fn updated_state(
    mut file: StateFile,
    changes: &[VendorChange],
    session: &SyncSession,
) -> anyhow::Result<StateFile> {
    let (after, errors) = file.categories.after(None, changes, session)?;
    for e in &errors {
        eprintln!("warning: {e} (the object is kept as the state file has it)");
    }
    file.categories = after;
    let adopt = file.categories.is_empty();
    for change in changes {
        match change {
            VendorChange::Created { id, state, .. } if adopt => {
                if !file.objects.iter().any(|d| &d.id == id) {
                    file.objects.push(Desired {
                        id: id.clone(),
                        state: state.clone(),
                    });
                }
            }
            VendorChange::Created { .. } => {}
            VendorChange::Updated { id, state, .. } => {
                if let Some(d) = file.objects.iter_mut().find(|d| &d.id == id) {
                    d.state = state.clone();
                }
            }
            VendorChange::Deleted { id, .. } => file.objects.retain(|d| &d.id != id),
        }
    }
    Ok(file)
}

/// `interop pull`.
pub fn pull(args: PullArgs) -> Result<u8, CliError> {
    let session = open(&args.session)?;
    let before = match &args.state {
        Some(path) => Some(read_state_file(path, &args.session.limits.limits())?),
        None => None,
    };
    let changes = session.pull()?;
    if let (Some(before), Some(out)) = (before, &args.out) {
        let after = updated_state(before, &changes, &session)
            .map_err(|e| anyhow!("{}: {e}", args.state.as_ref().expect("given").display()))?;
        let json = serde_json::to_string_pretty(&after).map_err(anyhow::Error::from)?;
        std::fs::write(out, format!("{json}\n")).with_context(|| out.display().to_string())?;
    }
    if args.session.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&changes).map_err(anyhow::Error::from)?
        );
    } else if changes.is_empty() {
        println!("Nothing changed in the repo since the last sync.");
    } else {
        for change in &changes {
            match change {
                VendorChange::Created { unique_id, .. } => println!("+ {unique_id}"),
                VendorChange::Updated {
                    id,
                    unique_id,
                    fields,
                    ..
                } => println!("~ {id} ({unique_id}): {}", fields.join(", ")),
                VendorChange::Deleted { id, unique_id } => println!("- {id} ({unique_id})"),
            }
        }
    }
    Ok(exit::OK)
}

/// `interop status`.
pub fn status(args: ReadArgs) -> Result<u8, CliError> {
    let session = open(&args.session)?;
    let status = session.status()?;
    if args.session.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&status).map_err(anyhow::Error::from)?
        );
    } else {
        println!(
            "{}: branch {} ({}), {} agreed, {} proposed, {} resolution(s) pending",
            status.vendor,
            status.branch,
            status
                .branch_commit
                .as_deref()
                .map_or("not created", |c| &c[..12]),
            status.agreed,
            status.proposed,
            status.resolutions
        );
    }
    Ok(exit::OK)
}

/// `interop resolve`.
pub fn resolve(args: ResolveArgs) -> Result<u8, CliError> {
    let session = open(&args.session)?;
    let choice = if args.choice == "vendor" {
        Choice::Vendor
    } else {
        Choice::Repo
    };
    session.resolve(&args.id, &args.field, choice)?;
    if args.session.json {
        let doc = serde_json::json!({"id": args.id, "field": args.field, "choice": args.choice});
        println!("{doc}");
    } else {
        println!(
            "Resolved {} {}: the {} side wins on the next sync.",
            args.id, args.field, args.choice
        );
    }
    Ok(exit::OK)
}
