//! `interop conformance`: runs the conformance scenarios against a vendor's integration (a
//! command speaking the adapter protocol on stdin/stdout, or Interop's built-in reference) and
//! prints the report.

use std::path::PathBuf;

use anyhow::Context;
use interop_conformance::checks::Oracle;
use interop_conformance::reference::ReferenceFactory;
use interop_conformance::{
    AdapterFactory, Filter, Level, RunOptions, StdioFactory, default_fixtures, default_scenarios,
    run_with, scenario,
};

use crate::exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The integration to certify: a shell command that speaks the adapter protocol (JSON lines
    /// on stdin/stdout, see conformance/README.md). Default: Interop's reference integration.
    #[arg(long, value_name = "CMD")]
    adapter: Option<String>,
    /// Only scenarios of this category (repeatable): bi, catalog, observability, elt,
    /// orchestration, reverse_etl, notebook, ml, product_analytics, or any (requirements across
    /// vendors).
    #[arg(long = "category", value_name = "C")]
    categories: Vec<String>,
    /// Only scenarios of this level: reference or nice_to_have.
    #[arg(long, value_name = "L")]
    level: Option<String>,
    /// Only scenarios whose id contains this text (repeatable).
    #[arg(long = "only", value_name = "TEXT")]
    only: Vec<String>,
    /// Write report.json, report.md and junit.xml into this folder.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// The scenario folder (default: the scenarios shipped with Interop).
    #[arg(long, value_name = "DIR")]
    scenarios: Option<PathBuf>,
    /// The fixture repos the scenarios start from (default: the shipped fixtures).
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Do not run dbt even when the oracle is installed (Interop's reader still checks).
    #[arg(long)]
    no_dbt: bool,
    /// Keep each scenario's folder (remote, customer checkout, vendor workdirs) for a look.
    #[arg(long)]
    keep: bool,
    /// Print the report as JSON (the schema of report.json) instead of the table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let dir = args.scenarios.unwrap_or_else(default_scenarios);
    let scenarios = scenario::load_dir(&dir)?;
    let level = args
        .level
        .as_deref()
        .map(str::parse::<Level>)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    if let Some(unknown) = args
        .categories
        .iter()
        .find(|c| *c != "any" && !interop_sdk::CATEGORIES.contains(&c.as_str()))
    {
        anyhow::bail!(
            "unknown category '{unknown}' ({}, any)",
            interop_sdk::CATEGORIES.join(", ")
        );
    }
    let filter = Filter {
        categories: args.categories,
        level,
        ids: args.only,
    };
    let options = RunOptions {
        fixtures: args.fixtures.unwrap_or_else(default_fixtures),
        oracle: if args.no_dbt {
            None
        } else {
            Oracle::from_env()
        },
        keep: args.keep,
    };
    let factory: Box<dyn AdapterFactory> = match args.adapter {
        Some(command) => Box::new(StdioFactory { command }),
        None => Box::new(ReferenceFactory),
    };
    let selected = scenarios.iter().filter(|s| filter.accepts(s)).count();
    if selected == 0 {
        anyhow::bail!(
            "no scenario in {} matches the filter ({} scenarios there)",
            dir.display(),
            scenarios.len()
        );
    }
    eprintln!(
        "Running {selected} scenario(s) from {} against {}{}",
        dir.display(),
        factory.describe(),
        if options.oracle.is_some() {
            ", with dbt parse"
        } else {
            " (dbt not available: Interop's reader only)"
        }
    );
    let report = run_with(&scenarios, factory.as_ref(), &filter, &options);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    if let Some(dir) = &args.report {
        report
            .write(dir)
            .with_context(|| format!("writing the report into {}", dir.display()))?;
        eprintln!(
            "Report: {} (also report.md and junit.xml there)",
            dir.join("report.json").display()
        );
    }
    // The summary again, last, where a long run's output ends.
    eprint!("{}", report.summary_text());
    Ok(if report.passed() {
        exit::OK
    } else {
        exit::CHANGES_PENDING
    })
}
