//! The `interop` command: a thin layer over the library crates.
#![forbid(unsafe_code)]

mod conformance;
mod demo;
mod edit;
mod init;
mod inspect;
mod limits;
mod progress;
mod sync;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in `--help` and the README.
pub mod exit {
    /// Everything went well.
    pub const OK: u8 = 0;
    /// `--check`: changes are pending.
    pub const CHANGES_PENDING: u8 = 1;
    /// Conflicts: fields both sides changed; the repo's value is kept until resolved.
    pub const CONFLICTS: u8 = 2;
    /// Bad input: the project or a file in it could not be read.
    pub const BAD_INPUT: u8 = 3;
    /// The repo moved under the sync (another sync won) or the remote refused the push.
    pub const REPO_MOVED: u8 = 4;
}

#[derive(Parser)]
#[command(
    name = "interop",
    version,
    about = "Two-way sync between data tools and a dbt repository",
    after_help = "Exit codes: 0 ok, 1 changes pending (--check), 2 conflicts, 3 bad input (a read error names file:line:column and YAML path), 4 repo moved or push rejected (plan again and retry)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new dbt project, with git initialised, for a customer who has none.
    #[command(
        after_help = "Examples:\n  interop init ./analytics\n  interop init ./acme-dbt --name acme --adapter snowflake\n  interop init . --no-git\n\nDIR must not exist yet, or be empty; missing parent folders are created. The project holds\ndbt_project.yml (dbt >= 1.10.8; staging as views, marts as tables), profiles.yml.example for\nthe adapter, README.md, .gitignore, the standard folders and a daily MetricFlow time spine\nmodel, and passes `dbt parse` with no warning. Unless --no-git, it is the first commit on\nbranch main. Nothing is left behind when it fails (exit 3)."
    )]
    Init(init::Args),
    /// List every resource of a dbt project (unique id, kind, file, line) and every read error.
    #[command(
        after_help = "Examples:\n  interop inspect ./analytics\n  interop inspect ./analytics@main --json\n  interop inspect ./repo@HEAD~3 --subdir dbt\n\nPATH@REV reads the tree of commit REV from the git repository at PATH without touching its\nwork tree. --json prints the schema documented in README.md (\"interop.inspect/v1\")."
    )]
    Inspect(inspect::Args),
    /// Apply operations to a project folder's files, losslessly, and print the diff.
    #[command(
        after_help = "Examples:\n  interop edit ./analytics --op 'set model.shop.orders description=\"One row per order\"'\n  interop edit ./analytics --op 'add-test model.shop.orders:status accepted_values {\"values\": [\"placed\", \"shipped\"]}'\n  interop edit ./analytics --op 'set-column model.shop.orders amount description=\"Total in EUR\"' --check\n  interop edit ./analytics --plan ops.yml\n\nOperations: set ID FIELD=VALUE, unset ID FIELD, set-column ID COLUMN FIELD=VALUE,\nremove-column ID COLUMN, add-test ID[:COLUMN] TEST [ARGS-JSON], remove-test TEST-ID,\nremove ID, move ID FILE, rename ID NEW-NAME. VALUE is JSON when it parses as JSON, else text. A plan file is a YAML\nlist of {op: set|unset|set_column|remove_column|add_test|remove_test|remove|move|rename, resource, ...}.\nOnly the touched YAML nodes change; a file that cannot be edited safely is reported and left\nalone (exit 3). --check prints the diff and exits 1 when anything would change."
    )]
    Edit(edit::Args),
    /// The whole story on an embedded project: two vendors sync, the customer merges and edits, the vendors pull, a conflict is resolved, a last sync is a no-op.
    #[command(
        after_help = "Examples:\n  cargo run --release -p interop-cli -- demo\n  interop demo /tmp/interop-demo\n\nNeeds the git command (the demo plays the customer with it). Ends with dbt's verdict when the\noracle venv is present (./.venv-oracle or $INTEROP_ORACLE_VENV) and prints where everything is."
    )]
    Demo(demo::Args),
    /// Certify an integration: run the conformance scenarios against it and report per category and level.
    #[command(
        after_help = "Examples:\n  interop conformance                                   # Interop's reference integration\n  interop conformance --adapter './my-adapter --stdio' --category bi --report out/\n  interop conformance --adapter 'python3 adapter.py' --level reference --only rename\n\nThe adapter is a command that reads requests and writes responses as JSON lines on\nstdin/stdout (conformance/README.md documents the protocol); a fresh process is started for\neach scenario. The runner plays the customer and the repo host: a bare remote in a temp\nfolder, merged, squash-merged or closed with git. dbt parses every proposed tree when the\noracle is installed. Exit 0 when every scenario run passes, 1 otherwise."
    )]
    Conformance(conformance::Args),
    /// Show what a sync would do: repo changes, changes for the vendor, conflicts. Writes nothing.
    #[command(
        after_help = "Examples:\n  interop plan --repo ./analytics --vendor acme-bi --state metrics.yml\n  interop plan --repo https://git.example.com/acme/dbt.git --token-env GIT_TOKEN --vendor acme-bi --state metrics.yml --json\n\nThe state file lists the vendor's objects:\n  objects:\n    - id: bi-42\n      kind: metric\n      name: revenue_per_order\n      value: {label: Revenue per order, type: derived, expr: revenue / nullif(order_count, 0), input_metrics: [{name: revenue}, {name: order_count}]}\n\nNext to objects, the SDK's category objects: semantic_models, metrics, saved_queries, dashboards, transforms (bi); monitors, descriptions (observability); annotations (catalog).\n\nExit codes: 0 ok, 1 changes pending (--check), 2 conflicts, 3 bad input, 4 repo moved."
    )]
    Plan(sync::PlanArgs),
    /// Sync: commit the repo side on the vendor's branch (interop/<vendor>), store the new base, push with --push.
    #[command(
        after_help = "Examples:\n  interop apply --repo ./analytics --vendor acme-bi --state metrics.yml\n  interop apply --repo file:///srv/git/analytics.git --vendor acme-bi --state metrics.yml --push --record sync.json\n\nThe customer's work tree, index and main branch are never touched. Exit codes as for plan."
    )]
    Apply(sync::PlanArgs),
    /// What changed in the repo since the last agreed state, as changes for the vendor.
    #[command(
        after_help = "Examples:\n  interop pull --repo ./analytics --vendor acme-bi --json\n  interop pull --repo ./analytics --vendor acme-bi --state metrics.yml --out metrics.json\n\nWith --state and --out, the state file is written back (JSON) with the repo's changes applied."
    )]
    Pull(sync::PullArgs),
    /// Where a vendor's sync stands: its branch, agreed and proposed resources.
    #[command(after_help = "Example:\n  interop status --repo ./analytics --vendor acme-bi")]
    Status(sync::ReadArgs),
    /// Settle a conflict: which side wins a field on the next sync.
    #[command(
        after_help = "Example:\n  interop resolve --repo ./analytics --vendor acme-bi bi-42 description vendor"
    )]
    Resolve(sync::ResolveArgs),
}

/// The allocator. glibc's malloc grows the heap of each reading thread a page at a time, one
/// `mprotect` call per page under the process's memory-map lock, which serialises the parallel
/// read of a large project; with jemalloc a 10,000-model project reads about 15% faster at the
/// same peak memory (see `scripts/bench`).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => init::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Edit(args) => edit::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Conformance(args) => conformance::run(args),
        Command::Plan(args) => return finish(sync::plan(args)),
        Command::Apply(args) => return finish(sync::apply(args)),
        Command::Pull(args) => return finish(sync::pull(args)),
        Command::Status(args) => return finish(sync::status(args)),
        Command::Resolve(args) => return finish(sync::resolve(args)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("interop: {}", error_text(&e));
            ExitCode::from(exit::BAD_INPUT)
        }
    }
}

fn finish(result: Result<u8, sync::CliError>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("interop: {}", error_text(&e.error));
            ExitCode::from(e.code)
        }
    }
}

/// An error and its causes on one line, `outer: inner`, leaving out a cause whose text the
/// line already holds (library errors often print their source as part of their own message).
fn error_text(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
