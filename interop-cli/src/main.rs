//! The `interop` command: a thin layer over the library crates.
#![forbid(unsafe_code)]

mod edit;
mod init;
mod inspect;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in `--help` and the README.
pub mod exit {
    /// Everything went well.
    pub const OK: u8 = 0;
    /// `--check`: changes are pending.
    pub const CHANGES_PENDING: u8 = 1;
    /// Bad input: the project or a file in it could not be read.
    pub const BAD_INPUT: u8 = 3;
}

#[derive(Parser)]
#[command(
    name = "interop",
    version,
    about = "Two-way sync between data tools and a dbt repository",
    after_help = "Exit codes: 0 ok, 1 changes pending (--check), 3 bad input (a read error names file:line:column and YAML path)."
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => init::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Edit(args) => edit::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("interop: {e:#}");
            ExitCode::from(exit::BAD_INPUT)
        }
    }
}
