//! The report: per scenario, whether it passed and why not; per category and level, a count.
//! Written as JSON (schema `interop.conformance-report/v1`) and as a markdown table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::scenario::Level;

/// The report's schema name.
pub const REPORT_SCHEMA: &str = "interop.conformance-report/v1";

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every step and check held.
    Passed,
    /// A step failed or a check did not hold.
    Failed,
    /// Not run: the adapter does not implement a category the scenario needs.
    Skipped,
}

/// One step's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    /// 1-based.
    pub step: usize,
    /// What the step did.
    pub label: String,
    /// Whether it held.
    pub passed: bool,
    /// Why not, one message per failed check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
}

/// One scenario's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// The scenario's id.
    pub id: String,
    /// Its category.
    pub category: String,
    /// Its level.
    pub level: Level,
    /// The requirement.
    pub requirement: String,
    /// The scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// The first reason it failed (or was skipped), for the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The steps that ran.
    pub steps: Vec<StepResult>,
    /// Wall time, milliseconds.
    pub millis: u128,
    /// The scenario's folder, when kept (`RunOptions::keep`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_SCHEMA`].
    pub schema: String,
    /// The adapter certified.
    pub adapter: String,
    /// Whether dbt judged the trees (the oracle was there).
    pub dbt_checked: bool,
    /// Every scenario run (or skipped).
    pub scenarios: Vec<ScenarioResult>,
}

/// Counts of one category and level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Passed.
    pub passed: usize,
    /// Run (passed or failed).
    pub run: usize,
    /// Skipped.
    pub skipped: usize,
}

impl Report {
    /// Whether no scenario failed.
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(|s| s.outcome != Outcome::Failed)
    }

    /// The scenarios that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios
            .iter()
            .filter(|s| s.outcome == Outcome::Failed)
    }

    /// Counts per category and level.
    pub fn tallies(&self) -> BTreeMap<String, BTreeMap<Level, Tally>> {
        let mut out: BTreeMap<String, BTreeMap<Level, Tally>> = BTreeMap::new();
        for s in &self.scenarios {
            let t = out
                .entry(s.category.clone())
                .or_default()
                .entry(s.level)
                .or_default();
            match s.outcome {
                Outcome::Passed => {
                    t.passed += 1;
                    t.run += 1;
                }
                Outcome::Failed => t.run += 1,
                Outcome::Skipped => t.skipped += 1,
            }
        }
        out
    }

    /// One line per category: `BI reference 7/7, nice-to-have 1/1`.
    pub fn summary(&self) -> Vec<String> {
        self.tallies()
            .into_iter()
            .map(|(category, levels)| {
                let parts: Vec<String> = levels
                    .iter()
                    .map(|(level, t)| {
                        let skipped = if t.skipped > 0 {
                            format!(" ({} skipped)", t.skipped)
                        } else {
                            String::new()
                        };
                        format!(
                            "{} {}/{}{skipped}",
                            level.as_str().replace('_', "-"),
                            t.passed,
                            t.run
                        )
                    })
                    .collect();
                format!("{} {}", category_name(&category), parts.join(", "))
            })
            .collect()
    }

    /// The summary, one category per line, as the last lines of a run's output.
    pub fn summary_text(&self) -> String {
        self.summary().iter().map(|l| format!("{l}\n")).collect()
    }

    /// The readable table (markdown): per scenario its category, level, result and why.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Conformance: {}\n", self.adapter);
        if !self.dbt_checked {
            let _ = writeln!(
                out,
                "dbt was not available: trees were checked with Interop's reader only.\n"
            );
        }
        let _ = writeln!(out, "| scenario | category | level | result | why |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for s in &self.scenarios {
            let result = match s.outcome {
                Outcome::Passed => "pass",
                Outcome::Failed => "**FAIL**",
                Outcome::Skipped => "skipped",
            };
            let why = s
                .why
                .as_deref()
                .unwrap_or("")
                .replace('|', "\\|")
                .replace('\n', " ");
            let _ = writeln!(
                out,
                "| {} | {} | {} | {result} | {why} |",
                s.id,
                s.category,
                s.level.as_str()
            );
        }
        let _ = writeln!(out, "\n## Summary\n");
        for line in self.summary() {
            let _ = writeln!(out, "- {line}");
        }
        let failed: Vec<&ScenarioResult> = self.failed().collect();
        if !failed.is_empty() {
            let _ = writeln!(out, "\n## Failures\n");
            for s in failed {
                let _ = writeln!(out, "### {}\n\n{}\n", s.id, s.requirement);
                if let Some(dir) = &s.workdir {
                    let _ = writeln!(out, "Kept in {dir}\n");
                }
                for step in &s.steps {
                    let mark = if step.passed { "ok" } else { "FAILED" };
                    let _ = writeln!(out, "{}. {} — {mark}", step.step, step.label);
                    for f in &step.failures {
                        let _ = writeln!(out, "   - {}", f.replace('\n', "\n     "));
                    }
                }
                let _ = writeln!(out);
            }
        }
        out
    }

    /// JUnit XML: one test suite per category, one test case per scenario.
    pub fn junit(&self) -> String {
        fn esc(text: &str) -> String {
            text.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        }
        let mut by_category: BTreeMap<&str, Vec<&ScenarioResult>> = BTreeMap::new();
        for s in &self.scenarios {
            by_category.entry(&s.category).or_default().push(s);
        }
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
        for (category, list) in by_category {
            let failures = list.iter().filter(|s| s.outcome == Outcome::Failed).count();
            let skipped = list
                .iter()
                .filter(|s| s.outcome == Outcome::Skipped)
                .count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
                esc(category),
                list.len()
            );
            for s in list {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\"",
                    esc(category),
                    s.level.as_str(),
                    esc(&s.id),
                    s.millis as f64 / 1000.0
                );
                let why = esc(s.why.as_deref().unwrap_or_default());
                match s.outcome {
                    Outcome::Passed => out.push_str("/>\n"),
                    Outcome::Skipped => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{why}\"/>\n    </testcase>"
                        );
                    }
                    Outcome::Failed => {
                        let detail: Vec<String> = s
                            .steps
                            .iter()
                            .flat_map(|st| {
                                st.failures
                                    .iter()
                                    .map(move |f| format!("step {} ({}): {f}", st.step, st.label))
                            })
                            .collect();
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{why}\">{}</failure>\n    </testcase>",
                            esc(&detail.join("\n"))
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// Writes `report.json`, `report.md` and `junit.xml` into `dir` (created if needed).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("report.json"), format!("{json}\n"))?;
        std::fs::write(dir.join("report.md"), self.table())?;
        std::fs::write(dir.join("junit.xml"), self.junit())?;
        Ok(())
    }
}

/// A category as people write it: `BI`, `Catalog`, `Reverse ETL`; `any` for requirements across
/// categories is `All categories`.
pub fn category_name(category: &str) -> String {
    match category {
        "bi" => "BI".into(),
        "elt" => "ELT".into(),
        "ml" => "ML".into(),
        "reverse_etl" | "reverse-etl" => "Reverse ETL".into(),
        "any" => "All categories".into(),
        other => {
            let spaced = other.replace(['_', '-'], " ");
            let mut chars = spaced.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(id: &str, category: &str, level: Level, outcome: Outcome) -> ScenarioResult {
        let failed = outcome == Outcome::Failed;
        ScenarioResult {
            id: id.into(),
            category: category.into(),
            level,
            requirement: format!("What {id} requires."),
            file: None,
            outcome,
            why: match outcome {
                Outcome::Passed => None,
                Outcome::Failed => Some(
                    "step 2 (sync): expected conflicts to include {\"id\":\"bi-1\",\"path\":\"description\"}; got []".into(),
                ),
                Outcome::Skipped => Some("the adapter does not implement catalog".into()),
            },
            steps: vec![
                StepResult {
                    step: 1,
                    label: "put bi-1".into(),
                    passed: true,
                    failures: vec![],
                },
                StepResult {
                    step: 2,
                    label: "sync".into(),
                    passed: !failed,
                    failures: if failed {
                        vec!["expected conflicts to include {\"id\":\"bi-1\",\"path\":\"description\"}; got []".into()]
                    } else {
                        vec![]
                    },
                },
            ],
            millis: 1250,
            workdir: None,
        }
    }

    fn report() -> Report {
        Report {
            schema: REPORT_SCHEMA.into(),
            adapter: "acme-adapter --stdio".into(),
            dbt_checked: true,
            scenarios: vec![
                scenario("bi.sync-twice", "bi", Level::Reference, Outcome::Passed),
                scenario("bi.conflict", "bi", Level::Reference, Outcome::Failed),
                scenario("bi.closed-pr", "bi", Level::NiceToHave, Outcome::Passed),
                scenario(
                    "catalog.boundary",
                    "catalog",
                    Level::Reference,
                    Outcome::Skipped,
                ),
            ],
        }
    }

    #[test]
    fn the_table_says_what_failed_and_why() {
        let report = report();
        assert!(!report.passed());
        assert_eq!(
            report.summary(),
            [
                "BI reference 1/2, nice-to-have 1/1",
                "Catalog reference 0/0 (1 skipped)"
            ]
        );
        insta::assert_snapshot!("table", report.table());
        insta::assert_snapshot!("junit", report.junit());
    }

    #[test]
    fn every_category_of_the_sdk_has_a_summary_line() {
        let mut report = report();
        report.scenarios = interop_sdk::CATEGORIES
            .iter()
            .map(|c| scenario(&format!("{c}.x"), c, Level::Reference, Outcome::Passed))
            .collect();
        report.scenarios.push(scenario(
            "elt.staging",
            "elt",
            Level::NiceToHave,
            Outcome::Failed,
        ));
        assert_eq!(
            report.summary(),
            [
                "BI reference 1/1",
                "Catalog reference 1/1",
                "ELT reference 1/1, nice-to-have 0/1",
                "ML reference 1/1",
                "Notebook reference 1/1",
                "Observability reference 1/1",
                "Orchestration reference 1/1",
                "Product analytics reference 1/1",
                "Reverse ETL reference 1/1",
            ]
        );
    }
}
