//! Synthetic dbt projects for tests and benchmarks.
//!
//! [`generate`] builds a complete, realistic-looking dbt 1.12 project from a few numbers and a
//! seed: sources per source system, `staging/<source>/stg_<source>__<table>` models,
//! `intermediate/<domain>/int_*` and `marts/<domain>/{fct,dim}_*` models in import-CTE style
//! forming a DAG (1–4 parents each), one properties file per folder with descriptions, 3–8
//! columns per model and generic tests (`unique`/`not_null` on every key, sometimes
//! `accepted_values` and `relationships` with `arguments:`), docs blocks, and semantic models with
//! metrics in the model-embedded spec of dbt 1.12 plus the `metricflow_time_spine` model.
//!
//! The output depends only on [`SynthOptions`]: the same options always give byte-identical
//! files. Generated projects pass `dbt parse` on dbt-core 1.12 without warnings; their sources
//! read small CSV extracts under `raw_data/` through dbt-duckdb's `external_location`, so they
//! also build on DuckDB.
//!
//! ```no_run
//! use interop_sync::synth::{SynthOptions, generate};
//!
//! let project = generate(&SynthOptions { models: 200, ..SynthOptions::default() });
//! project.write_to(std::path::Path::new("/tmp/synthetic")).unwrap();
//! ```

mod names;
mod plan;
mod render;
mod rng;

use std::collections::BTreeMap;
use std::path::Path;

/// Shape of a generated project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthOptions {
    /// dbt project name (and profile name). Characters other than ASCII letters, digits and `_`
    /// become `_`, upper case is lowered, and a leading digit gets a `project_` prefix.
    pub name: String,
    /// Total number of SQL models, the time spine included. About 30 % become staging models
    /// (at least one per source while models last), the rest are split between intermediate
    /// models and marts.
    pub models: usize,
    /// Number of source systems, each with its own `staging/<source>/` folder. Raised to 1 when
    /// `models > 0`; names repeat with a suffix (`stripe_2`) after the built-in systems run out.
    pub sources: usize,
    /// Number of marts that carry a semantic model. Capped at the number of marts; when it is
    /// positive and `models >= 3`, one model is the `metricflow_time_spine`.
    pub semantic_models: usize,
    /// Metrics per semantic model, in this order: count, sum, ratio, cumulative (7-day window),
    /// derived week-over-week growth (a top-level metric), cumulative month-to-date, distinct
    /// count (or max), median, min, average, then filtered sums.
    pub metrics_per_semantic_model: usize,
    /// Seed of the pseudo-random choices (names, parents, columns, tests, data).
    pub seed: u64,
}

impl Default for SynthOptions {
    /// A small project: 10 models over 3 sources with 2 semantic models of 4 metrics each.
    fn default() -> Self {
        SynthOptions {
            name: "synthetic".to_string(),
            models: 10,
            sources: 3,
            semantic_models: 2,
            metrics_per_semantic_model: 4,
            seed: 1,
        }
    }
}

/// A generated project: relative path → file contents, sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SynthProject {
    /// Files keyed by their `/`-separated path relative to the project root.
    pub files: BTreeMap<String, String>,
}

/// Generates the project described by `options`. Deterministic: equal options give equal files.
pub fn generate(options: &SynthOptions) -> SynthProject {
    let plan = plan::plan(options);
    SynthProject {
        files: render::render(&plan, options.seed),
    }
}

impl SynthProject {
    /// Writes every file below `dir`, creating folders as needed and overwriting files that
    /// exist. Other files in `dir` are left alone.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for (path, contents) in &self.files {
            let target = path
                .split('/')
                .fold(dir.to_path_buf(), |acc, part| acc.join(part));
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, contents)?;
        }
        Ok(())
    }

    /// Paths of the SQL model files (`models/**/*.sql`).
    pub fn model_files(&self) -> impl Iterator<Item = &str> {
        self.files
            .keys()
            .map(String::as_str)
            .filter(|p| p.starts_with("models/") && p.ends_with(".sql"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn options(models: usize, seed: u64) -> SynthOptions {
        SynthOptions {
            name: "synth_test".into(),
            models,
            sources: 4,
            semantic_models: 3,
            metrics_per_semantic_model: 6,
            seed,
        }
    }

    fn model_names(project: &SynthProject) -> BTreeSet<String> {
        project
            .model_files()
            .map(|p| {
                p.rsplit('/')
                    .next()
                    .unwrap()
                    .trim_end_matches(".sql")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = generate(&options(120, 7));
        let b = generate(&options(120, 7));
        let c = generate(&options(120, 8));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            a.files.keys().collect::<Vec<_>>(),
            b.files.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn file_counts_follow_the_options() {
        for models in [0, 1, 2, 3, 10, 57, 200] {
            let opts = options(models, 3);
            let project = generate(&opts);
            assert_eq!(project.model_files().count(), models, "models={models}");
            assert_eq!(
                model_names(&project).len(),
                models,
                "model names are unique"
            );

            // One properties file per folder holding models, and one sources file per source.
            let dirs: BTreeSet<&str> = project
                .model_files()
                .map(|p| p.rsplit_once('/').unwrap().0)
                .collect();
            let props: BTreeSet<&str> = project
                .files
                .keys()
                .filter(|p| p.ends_with("__models.yml"))
                .map(|p| p.rsplit_once('/').unwrap().0)
                .collect();
            assert_eq!(dirs, props, "models={models}");
            let sources = project
                .files
                .keys()
                .filter(|p| p.ends_with("__sources.yml"))
                .count();
            assert_eq!(sources, if models == 0 { 4 } else { opts.sources.max(1) });

            let has_spine = project
                .files
                .contains_key("models/utilities/metricflow_time_spine.sql");
            assert_eq!(has_spine, models >= 3, "models={models}");
            assert!(project.files.contains_key("dbt_project.yml"));
        }
    }

    #[test]
    fn metric_count_is_semantic_models_times_metrics() {
        let project = generate(&options(200, 11));
        let yaml: String = project
            .files
            .iter()
            .filter(|(p, _)| p.ends_with(".yml"))
            .map(|(_, c)| c.as_str())
            .collect();
        assert_eq!(yaml.matches("semantic_model:\n").count(), 3);
        assert_eq!(yaml.matches("time_spine:\n").count(), 1);
        let metrics: usize = ["simple", "ratio", "cumulative", "derived"]
            .iter()
            .map(|t| yaml.matches(&format!("type: {t}\n")).count())
            .sum();
        assert_eq!(metrics, 3 * 6);
    }

    #[test]
    fn every_ref_points_at_an_existing_model() {
        for (models, seed) in [(10, 1), (200, 2), (1000, 3)] {
            let project = generate(&options(models, seed));
            let names = model_names(&project);
            let mut refs = 0;
            for (path, contents) in &project.files {
                for target in render::refs_in(contents) {
                    refs += 1;
                    assert!(
                        names.contains(&target),
                        "{path} refs missing model {target}"
                    );
                }
            }
            assert!(refs > 0);
        }
    }

    #[test]
    fn refs_only_point_upstream() {
        // A model's parents were all generated before it, so the DAG has no cycles: check that
        // topological order exists by repeatedly removing models whose refs are resolved.
        let project = generate(&options(300, 5));
        let mut pending: BTreeMap<String, BTreeSet<String>> = project
            .model_files()
            .map(|p| {
                let name = p
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .trim_end_matches(".sql")
                    .to_string();
                (
                    name,
                    render::refs_in(&project.files[p]).into_iter().collect(),
                )
            })
            .collect();
        while !pending.is_empty() {
            let ready: Vec<String> = pending
                .iter()
                .filter(|(_, deps)| deps.iter().all(|d| !pending.contains_key(d)))
                .map(|(n, _)| n.clone())
                .collect();
            assert!(
                !ready.is_empty(),
                "cycle among {:?}",
                pending.keys().collect::<Vec<_>>()
            );
            for name in ready {
                pending.remove(&name);
            }
        }
    }

    #[test]
    fn models_have_three_to_eight_columns_and_one_to_four_parents() {
        let plan = plan::plan(&options(400, 9));
        for model in &plan.models {
            if model.layer != plan::Layer::TimeSpine {
                assert!((3..=8).contains(&model.columns.len()), "{}", model.name);
            }
            if matches!(model.layer, plan::Layer::Intermediate | plan::Layer::Mart) {
                assert!((1..=4).contains(&model.parents.len()), "{}", model.name);
            }
        }
    }

    #[test]
    fn metric_names_are_unique_and_avoid_double_underscores() {
        let opts = SynthOptions {
            semantic_models: 40,
            metrics_per_semantic_model: 20,
            ..options(500, 4)
        };
        let plan = plan::plan(&opts);
        let mut seen = BTreeSet::new();
        for model in plan.models.iter().filter(|m| m.semantic.is_some()) {
            assert!(!model.name.contains("__"), "{}", model.name);
            for metric in &model.semantic.as_ref().unwrap().metrics {
                assert!(!metric.name().contains("__"), "{}", metric.name());
                assert!(
                    seen.insert(metric.name().to_string()),
                    "duplicate {}",
                    metric.name()
                );
            }
        }
        assert_eq!(seen.len(), 40 * 20);
    }

    #[test]
    fn write_to_creates_the_tree() {
        let dir = std::env::temp_dir().join(format!("synth-write-{}", std::process::id()));
        let project = generate(&options(12, 1));
        project.write_to(&dir).unwrap();
        for path in project.files.keys() {
            assert!(dir.join(path).is_file(), "{path}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
