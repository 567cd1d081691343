//! The whole suite against Interop's reference integration (in process) and against the
//! example stdio adapter (a separate process speaking the protocol): both must pass.

use interop_conformance::reference::ReferenceFactory;
use interop_conformance::{Filter, Outcome, StdioFactory, default_scenarios, run, scenario};

fn scenarios() -> Vec<interop_conformance::Scenario> {
    scenario::load_dir(&default_scenarios()).expect("the shipped scenarios load")
}

fn filter() -> Filter {
    Filter {
        ids: std::env::var("CONFORMANCE_ONLY")
            .map(|s| s.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        ..Filter::default()
    }
}

#[test]
fn the_reference_integration_passes_every_scenario() {
    let report = run(&scenarios(), &ReferenceFactory, &filter());
    println!("{}", report.table());
    assert!(!report.scenarios.is_empty());
    assert!(report.passed(), "{}", report.table());
    assert!(
        report
            .scenarios
            .iter()
            .all(|s| s.outcome == Outcome::Passed),
        "the reference implements every category the scenarios use"
    );
}
