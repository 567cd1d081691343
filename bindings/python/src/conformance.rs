//! The conformance suite from Python (crate `interop-conformance`): list the scenarios and run
//! some of them against an adapter command. The pytest plugin (`interop_sync.pytest_plugin`)
//! is built on these two functions. A run releases the GIL.

use std::path::PathBuf;

use interop_conformance::checks::Oracle;
use interop_conformance::reference::ReferenceFactory;
use interop_conformance::{
    AdapterFactory, Filter, RunOptions, StdioFactory, default_fixtures, default_scenarios,
    run_with, scenario,
};
use pyo3::prelude::*;
use serde_json::json;

use crate::convert::{serde_to_py, to_py};
use crate::errors::input_error;

/// The scenarios in `directory` (default: the ones shipped with Interop), sorted by id, as
/// dicts `{id, category, level, requirement, file}`. A scenario file that cannot be read
/// raises `InputError` naming it.
#[pyfunction]
#[pyo3(signature = (directory = None))]
pub fn conformance_scenarios(
    py: Python<'_>,
    directory: Option<PathBuf>,
) -> PyResult<Vec<Py<PyAny>>> {
    let dir = directory.unwrap_or_else(default_scenarios);
    let scenarios = py
        .detach(|| scenario::load_dir(&dir))
        .map_err(|e| input_error("", &e.to_string()))?;
    scenarios
        .iter()
        .map(|s| {
            let file = s.path.as_ref().map(|p| p.display().to_string());
            to_py(
                py,
                &json!({
                    "id": s.id,
                    "category": s.category,
                    "level": s.level.as_str(),
                    "requirement": s.requirement,
                    "file": file,
                }),
            )
        })
        .collect()
}

/// Runs the scenarios with these `ids` (empty: every one) from `scenarios` (default: the
/// shipped ones) against `adapter`, a shell command speaking the adapter protocol (`None`:
/// Interop's reference integration), and returns the report as a dict (schema
/// `interop.conformance-report/v1`: one entry per scenario with its `outcome`, `why` and
/// `steps`). `dbt=False` skips dbt parse even when the oracle is installed.
#[pyfunction]
#[pyo3(signature = (adapter, ids = Vec::new(), *, scenarios = None, fixtures = None, dbt = true, keep = false))]
pub fn run_conformance(
    py: Python<'_>,
    adapter: Option<String>,
    ids: Vec<String>,
    scenarios: Option<PathBuf>,
    fixtures: Option<PathBuf>,
    dbt: bool,
    keep: bool,
) -> PyResult<Py<PyAny>> {
    let dir = scenarios.unwrap_or_else(default_scenarios);
    let all = py
        .detach(|| scenario::load_dir(&dir))
        .map_err(|e| input_error("", &e.to_string()))?;
    for id in &ids {
        if !all.iter().any(|s| &s.id == id) {
            return Err(input_error(
                "ids",
                &format!("no scenario '{id}' in {}", dir.display()),
            ));
        }
    }
    let selected: Vec<_> = all
        .into_iter()
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .collect();
    let options = RunOptions {
        fixtures: fixtures.unwrap_or_else(default_fixtures),
        oracle: if dbt { Oracle::from_env() } else { None },
        keep,
    };
    let factory: Box<dyn AdapterFactory + Send + Sync> = match adapter {
        Some(command) => Box::new(StdioFactory { command }),
        None => Box::new(ReferenceFactory),
    };
    let report = py.detach(|| run_with(&selected, factory.as_ref(), &Filter::default(), &options));
    serde_to_py(py, &report)
}
