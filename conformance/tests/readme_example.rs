//! The scenario `conformance/README.md` walks a vendor engineer through ("Writing a scenario")
//! works as printed: it is taken out of the README, loaded like any scenario file, and passes
//! on the reference integration (with dbt parse when the oracle is installed). Broken on
//! purpose as step 6 of the walk-through says, it fails, naming the step.

use std::path::Path;

use interop_conformance::reference::ReferenceFactory;
use interop_conformance::{Filter, Outcome, run, scenario};

/// The first YAML block after the heading "## Writing a scenario".
fn readme_example() -> String {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(readme).unwrap();
    let section = &text[text.find("## Writing a scenario").expect("the section")..];
    let start = section.find("```yaml\n").expect("a YAML block") + "```yaml\n".len();
    let end = start + section[start..].find("```").expect("the block ends");
    section[start..end].to_string()
}

fn run_text(text: &str) -> interop_conformance::Report {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("bi")).unwrap();
    std::fs::write(dir.path().join("bi/metric-relabelled.yaml"), text).unwrap();
    let scenarios = scenario::load_dir(dir.path()).expect("the README's scenario loads");
    assert_eq!(scenarios.len(), 1);
    run(&scenarios, &ReferenceFactory, &Filter::default())
}

#[test]
fn the_readme_scenario_passes_as_written() {
    let text = readme_example();
    assert!(
        text.contains("id: bi.readme-example-metric-relabelled"),
        "{text}"
    );
    let report = run_text(&text);
    assert_eq!(
        report.scenarios[0].outcome,
        Outcome::Passed,
        "{}",
        report.table()
    );
    assert!(report.table().contains("BI reference 1/1"));
}

#[test]
fn the_readme_scenario_broken_on_purpose_fails_at_the_pull() {
    let text = readme_example().replace(
        "metric: {name: largest_charge, label: Biggest charge}",
        "metric: {name: largest_charge, label: Largest charge}",
    );
    let report = run_text(&text);
    let why = report.scenarios[0].why.clone().unwrap_or_default();
    assert_eq!(report.scenarios[0].outcome, Outcome::Failed);
    assert!(
        why.starts_with("step 5 (pull): expected vendor's objects to include"),
        "{why}"
    );
}
