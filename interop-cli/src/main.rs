//! The `interop` command: a thin layer over the library crates.
#![forbid(unsafe_code)]

mod inspect;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, documented in `--help` and the README.
pub mod exit {
    /// Everything went well.
    pub const OK: u8 = 0;
    /// Bad input: the project or a file in it could not be read.
    pub const BAD_INPUT: u8 = 3;
}

#[derive(Parser)]
#[command(
    name = "interop",
    version,
    about = "Two-way sync between data tools and a dbt repository",
    after_help = "Exit codes: 0 ok, 3 bad input (a read error names file:line:column and YAML path)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List every resource of a dbt project (unique id, kind, file, line) and every read error.
    #[command(
        after_help = "Examples:\n  interop inspect ./analytics\n  interop inspect ./analytics@main --json\n  interop inspect ./repo@HEAD~3 --subdir dbt\n\nPATH@REV reads the tree of commit REV from the git repository at PATH without touching its\nwork tree. --json prints the schema documented in README.md (\"interop.inspect/v1\")."
    )]
    Inspect(inspect::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => inspect::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("interop: {e:#}");
            ExitCode::from(exit::BAD_INPUT)
        }
    }
}
