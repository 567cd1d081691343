//! `dbt_project.yml`: the project's name, paths, vars, flags and `+config` trees.

use serde::Serialize;

use super::Location;

/// The folders a project reads, from the `*-paths` keys of `dbt_project.yml` (dbt's defaults
/// when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectPaths {
    /// `model-paths`.
    pub model: Vec<String>,
    /// `analysis-paths`.
    pub analysis: Vec<String>,
    /// `test-paths`.
    pub test: Vec<String>,
    /// `seed-paths`.
    pub seed: Vec<String>,
    /// `macro-paths`.
    pub macros: Vec<String>,
    /// `snapshot-paths`.
    pub snapshot: Vec<String>,
    /// `docs-paths`; when absent dbt reads docs from every other path.
    pub docs: Option<Vec<String>>,
    /// `function-paths` (dbt 1.11+).
    pub function: Vec<String>,
}

impl Default for ProjectPaths {
    fn default() -> Self {
        let one = |s: &str| vec![s.to_string()];
        ProjectPaths {
            model: one("models"),
            analysis: one("analyses"),
            test: one("tests"),
            seed: one("seeds"),
            macros: one("macros"),
            snapshot: one("snapshots"),
            docs: None,
            function: one("functions"),
        }
    }
}

impl ProjectPaths {
    /// The folders dbt reads docs blocks from: `docs-paths`, or every source path.
    pub fn docs_paths(&self) -> Vec<String> {
        match &self.docs {
            Some(docs) => docs.clone(),
            None => self.all_source_paths(),
        }
    }

    /// Every folder dbt reads properties YAML from.
    pub fn all_source_paths(&self) -> Vec<String> {
        let mut all = Vec::new();
        for group in [
            &self.model,
            &self.seed,
            &self.snapshot,
            &self.analysis,
            &self.macros,
            &self.test,
            &self.function,
        ] {
            for p in group {
                if !all.contains(p) {
                    all.push(p.clone());
                }
            }
        }
        all
    }
}

/// What `dbt_project.yml` declares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DbtProject {
    /// `name`: the package name in every `unique_id`.
    pub name: String,
    /// `profile`.
    pub profile: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `require-dbt-version`, as a list of constraints.
    pub require_dbt_version: Vec<String>,
    /// The folders read.
    pub paths: ProjectPaths,
    /// `vars`.
    pub vars: serde_json::Value,
    /// `flags`.
    pub flags: serde_json::Value,
    /// `on-run-start` hooks.
    pub on_run_start: Vec<String>,
    /// `on-run-end` hooks.
    pub on_run_end: Vec<String>,
    /// The whole file as JSON, every key kept (including the `+config` trees under `models:`,
    /// `seeds:`, `data_tests:` ...).
    pub raw: serde_json::Value,
    /// Where it was read from.
    pub location: Location,
}

impl DbtProject {
    /// The `+config` tree for a resource block (`models`, `seeds`, `snapshots`, `sources`,
    /// `data_tests` (or its alias `tests`), `unit_tests`, `analyses`, `exposures`, `metrics`,
    /// `semantic-models`, `saved-queries`, `functions`).
    pub fn config_tree(&self, block: &str) -> Option<&serde_json::Value> {
        let v = self.raw.get(block);
        if v.is_none() && block == "data_tests" {
            return self.raw.get("tests");
        }
        v
    }

    /// The configuration `dbt_project.yml` gives a resource with the given fqn (`[package,
    /// folders..., name]`) in `block`: the `+key` (and legacy bare-key) values along the path,
    /// the most specific last. `tags` are unioned, `meta` dicts merged, other keys replaced.
    pub fn config_for(
        &self,
        block: &str,
        fqn: &[String],
    ) -> serde_json::Map<String, serde_json::Value> {
        let mut out = serde_json::Map::new();
        let Some(mut node) = self.config_tree(block) else {
            return out;
        };
        apply_level(&mut out, node);
        for segment in fqn {
            match node.get(segment.as_str()) {
                Some(next) if next.is_object() => {
                    node = next;
                    apply_level(&mut out, node);
                }
                _ => break,
            }
        }
        out
    }
}

impl DbtProject {
    /// One key of [`DbtProject::config_for`], for a key that is replaced level by level (any key
    /// but `tags` and `meta`), without building the whole merged configuration.
    pub fn config_value_for(
        &self,
        block: &str,
        fqn: &[String],
        key: &str,
    ) -> Option<&serde_json::Value> {
        let mut node = self.config_tree(block)?;
        let mut found = level_value(node, key, None);
        for segment in fqn {
            match node.get(segment.as_str()) {
                Some(next) if next.is_object() => {
                    node = next;
                    found = level_value(node, key, found);
                }
                _ => break,
            }
        }
        found
    }
}

/// The value `apply_level` would leave for `key` after this level, given the one before.
fn level_value<'v>(
    level: &'v serde_json::Value,
    key: &str,
    before: Option<&'v serde_json::Value>,
) -> Option<&'v serde_json::Value> {
    let Some(map) = level.as_object() else {
        return before;
    };
    let mut found = before;
    for (k, value) in map {
        let name = match k.strip_prefix('+') {
            Some(stripped) => stripped,
            None if value.is_object() => continue,
            None => k.as_str(),
        };
        if name == key {
            found = Some(value);
        }
    }
    found
}

fn apply_level(out: &mut serde_json::Map<String, serde_json::Value>, level: &serde_json::Value) {
    let Some(map) = level.as_object() else { return };
    for (key, value) in map {
        let name = match key.strip_prefix('+') {
            Some(stripped) => stripped,
            // A bare key holding a mapping is a folder or package; a bare scalar key is an old
            // style config key that dbt still applies.
            None if value.is_object() => continue,
            None => key.as_str(),
        };
        merge_config_value(out, name, value);
    }
}

/// Merges one config key the way dbt does: `tags` unioned, `meta` merged per key, the rest
/// replaced.
pub(crate) fn merge_config_value(
    out: &mut serde_json::Map<String, serde_json::Value>,
    name: &str,
    value: &serde_json::Value,
) {
    match (name, out.get_mut(name)) {
        ("tags", Some(existing)) => {
            let mut tags: Vec<serde_json::Value> = match existing.take() {
                serde_json::Value::Array(a) => a,
                serde_json::Value::Null => Vec::new(),
                other => vec![other],
            };
            let new: Vec<serde_json::Value> = match value {
                serde_json::Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            for t in new {
                if !tags.contains(&t) {
                    tags.push(t);
                }
            }
            *existing = serde_json::Value::Array(tags);
        }
        ("meta", Some(serde_json::Value::Object(existing))) if value.is_object() => {
            for (k, v) in value.as_object().into_iter().flatten() {
                existing.insert(k.clone(), v.clone());
            }
        }
        _ => {
            out.insert(name.to_string(), value.clone());
        }
    }
}
