//! Orchestration: jobs (a named selection of models, run on a schedule) ↔ the project's YAML
//! selectors (`selectors.yml`), and a new repo for a customer who has none.
//!
//! A [`Job`] becomes one selector named after it:
//!
//! ```yaml
//! selectors:
//!   - name: nightly_marts
//!     description: "Marts for the morning report. Schedule: 0 6 * * * (cron)"
//!     definition:
//!       union:
//!         - method: path
//!           value: models/marts
//!         - exclude:
//!             - method: tag
//!               value: legacy
//! ```
//!
//! A selection is a method and value (`tag: nightly`, `path: models/marts`, `fqn: orders`,
//! with `parents` / `children` for `+`), a union or an intersection of selections, each with
//! selections to exclude, or a selector string as dbt reads it (`"tag:nightly,config.materialized:table"`),
//! kept as written. dbt allows no keys of its own on a selector, so the schedule (cron) is the
//! end of the description: `Schedule: <cron> (cron)`. Selectors written by hand read back as
//! jobs. The session's scope ([`crate::Scope::orchestration`]) owns selectors, and the models of
//! the SQL transforms the orchestrator runs: those are ELT transforms ([`crate::elt::Transform`],
//! mapped by [`crate::elt::to_desired`]; [`crate::CategoryObjects`] holds both), never a source
//! and never another model's SQL.
//!
//! [`bootstrap`] creates a complete dbt project with git for a customer without a repo (the
//! engine's scaffold, as `interop init` writes it); the first sync of the jobs then goes to the
//! sync branch like any other.

use std::path::Path;

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::mapping::{RepoView, states_after, text_of, view_states};
use crate::session::{Desired, VendorChange};

pub use interop_sync::scaffold::{
    Adapter, InitReport, ScaffoldError, ScaffoldOptions, scaffold_files,
};

/// What a job runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Selection {
    /// The nodes one selector method picks.
    Method {
        /// The method: `tag`, `path`, `fqn`, `config.materialized`, `source`, `state` …
        method: String,
        /// Its value.
        value: String,
        /// And everything upstream (`+` before).
        #[serde(default, skip_serializing_if = "is_false")]
        parents: bool,
        /// And everything downstream (`+` after).
        #[serde(default, skip_serializing_if = "is_false")]
        children: bool,
    },
    /// Nodes any of the selections picks, less the excluded.
    Union {
        /// The selections.
        union: Vec<Selection>,
        /// Selections to leave out.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclude: Vec<Selection>,
    },
    /// Nodes every selection picks, less the excluded.
    Intersection {
        /// The selections.
        intersection: Vec<Selection>,
        /// Selections to leave out.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclude: Vec<Selection>,
    },
    /// A selector string in dbt's command-line syntax, kept as written.
    Spec {
        /// The string.
        spec: String,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl<'de> Deserialize<'de> for Selection {
    /// The form is told by its key (`method`, `union`, `intersection` or `spec`), so that a
    /// key the form does not have is an error naming it, not a mismatch of every form.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Selection, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct MethodForm {
            method: String,
            value: String,
            #[serde(default)]
            parents: bool,
            #[serde(default)]
            children: bool,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct UnionForm {
            union: Vec<Selection>,
            #[serde(default)]
            exclude: Vec<Selection>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct IntersectionForm {
            intersection: Vec<Selection>,
            #[serde(default)]
            exclude: Vec<Selection>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct SpecForm {
            spec: String,
        }
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let key = ["method", "union", "intersection", "spec"]
            .into_iter()
            .find(|k| map.contains_key(*k));
        let value = Value::Object(map);
        let form = match key {
            Some("method") => {
                serde_json::from_value::<MethodForm>(value).map(|f| Selection::Method {
                    method: f.method,
                    value: f.value,
                    parents: f.parents,
                    children: f.children,
                })
            }
            Some("union") => serde_json::from_value::<UnionForm>(value).map(|f| Selection::Union {
                union: f.union,
                exclude: f.exclude,
            }),
            Some("intersection") => {
                serde_json::from_value::<IntersectionForm>(value).map(|f| Selection::Intersection {
                    intersection: f.intersection,
                    exclude: f.exclude,
                })
            }
            Some(_) => {
                serde_json::from_value::<SpecForm>(value).map(|f| Selection::Spec { spec: f.spec })
            }
            None => {
                return Err(D::Error::custom(
                    "a selection has `method` and `value`, `union`, `intersection` or `spec`",
                ));
            }
        };
        form.map_err(D::Error::custom)
    }
}

/// A job: a named selection of models and when it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// The vendor's id.
    pub id: String,
    /// Its name (the selector's: letters, digits, `_`).
    pub name: String,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it runs (cron: `0 6 * * *`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// What it runs.
    pub select: Selection,
}

/// An orchestrator's objects: the state file's `jobs:`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Orchestration {
    /// The jobs.
    #[serde(default)]
    pub jobs: Vec<Job>,
}

/// A job that cannot be written, or a selector that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("job {id}: {reason}")]
pub struct OrchestrationError {
    /// The job's id (or the selector's name).
    pub id: String,
    /// Why.
    pub reason: String,
}

const SCHEDULE: &str = "Schedule: ";
const CRON: &str = " (cron)";

/// The selector's description for a job's description and schedule.
fn description(job: &Job) -> Option<String> {
    match (&job.description, &job.schedule) {
        (d, None) => d.clone(),
        (None, Some(s)) => Some(format!("{SCHEDULE}{s}{CRON}")),
        (Some(d), Some(s)) => Some(format!("{} {SCHEDULE}{s}{CRON}", d.trim_end())),
    }
}

/// A selector's description split into the job's description and schedule.
fn split_description(text: Option<String>) -> (Option<String>, Option<String>) {
    let Some(text) = text else {
        return (None, None);
    };
    let Some(head) = text.strip_suffix(CRON) else {
        return (Some(text), None);
    };
    match head.rsplit_once(SCHEDULE) {
        Some((before, cron)) if before.is_empty() || before.ends_with(' ') => {
            let before = before.trim_end();
            (
                (!before.is_empty()).then(|| before.to_string()),
                Some(cron.to_string()),
            )
        }
        _ => (Some(text), None),
    }
}

/// The YAML definition of a selection.
fn definition(s: &Selection) -> Value {
    let list = |items: &[Selection], exclude: &[Selection]| {
        let mut out: Vec<Value> = items.iter().map(definition).collect();
        if !exclude.is_empty() {
            out.push(json!({"exclude": exclude.iter().map(definition).collect::<Vec<_>>()}));
        }
        Value::Array(out)
    };
    match s {
        Selection::Method {
            method,
            value,
            parents,
            children,
        } => {
            let mut m = Map::new();
            m.insert("method".into(), json!(method));
            m.insert("value".into(), json!(value));
            if *parents {
                m.insert("parents".into(), json!(true));
            }
            if *children {
                m.insert("children".into(), json!(true));
            }
            Value::Object(m)
        }
        Selection::Union { union, exclude } => json!({"union": list(union, exclude)}),
        Selection::Intersection {
            intersection,
            exclude,
        } => json!({"intersection": list(intersection, exclude)}),
        Selection::Spec { spec } => json!(spec),
    }
}

/// The selection a YAML definition means.
fn selection(v: &Value) -> Result<Selection, String> {
    let items = |list: &Value| -> Result<(Vec<Selection>, Vec<Selection>), String> {
        let mut items = Vec::new();
        let mut exclude = Vec::new();
        for item in list
            .as_array()
            .ok_or("union and intersection take a list")?
        {
            match item.get("exclude") {
                Some(ex) => {
                    for e in ex.as_array().ok_or("exclude takes a list")? {
                        exclude.push(selection(e)?);
                    }
                }
                None => items.push(selection(item)?),
            }
        }
        Ok((items, exclude))
    };
    match v {
        Value::String(s) => Ok(Selection::Spec { spec: s.clone() }),
        Value::Object(m) if m.contains_key("union") => {
            let (union, exclude) = items(&m["union"])?;
            Ok(Selection::Union { union, exclude })
        }
        Value::Object(m) if m.contains_key("intersection") => {
            let (intersection, exclude) = items(&m["intersection"])?;
            Ok(Selection::Intersection {
                intersection,
                exclude,
            })
        }
        Value::Object(m) if m.contains_key("method") => {
            let known = ["method", "value", "parents", "children"];
            if let Some(other) = m.keys().find(|k| !known.contains(&k.as_str())) {
                return Err(format!("the selector key '{other}' is not modelled"));
            }
            let flag = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
            Ok(Selection::Method {
                method: text_of(v, "method").ok_or("'method' is not a string")?,
                value: match m.get("value") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => return Err("a method has no value".into()),
                },
                parents: flag("parents"),
                children: flag("children"),
            })
        }
        _ => Err("a definition is a string, a method, a union or an intersection".into()),
    }
}

impl Orchestration {
    /// The desired selectors in the repo `view` describes, one per job. A selector the repo
    /// holds with the same meaning is given as the repo writes it.
    pub fn to_desired(&self, view: &RepoView) -> Result<Vec<Desired>, OrchestrationError> {
        let mut out: Vec<Desired> = Vec::new();
        for job in &self.jobs {
            let bad = |reason: &str| OrchestrationError {
                id: job.id.clone(),
                reason: reason.into(),
            };
            if job.name.is_empty()
                || !job
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(bad("a job name is letters, digits, _ and -"));
            }
            if out.iter().any(|d| d.id == job.id) {
                return Err(bad("the id is used twice"));
            }
            let mut value = Map::new();
            value.insert("name".into(), json!(job.name));
            if let Some(d) = description(job) {
                value.insert("description".into(), json!(d));
            }
            value.insert("definition".into(), definition(&job.select));
            let mut value = Value::Object(value);
            if let Some((_, current)) = view.find(ResourceKind::Selector, None, &job.name)
                && read_job(&job.id, current).as_ref() == Ok(job)
            {
                value = current.value.clone();
            }
            out.push(Desired {
                id: job.id.clone(),
                state: ResourceState {
                    kind: ResourceKind::Selector,
                    name: job.name.clone(),
                    value,
                    file: None,
                },
            });
        }
        Ok(out)
    }

    /// The jobs `states` hold, and the selectors that cannot be read as one.
    pub fn from_states(
        states: &[(String, ResourceState)],
    ) -> (Orchestration, Vec<OrchestrationError>) {
        let mut jobs = Vec::new();
        let mut errors = Vec::new();
        for (id, s) in states {
            if s.kind != ResourceKind::Selector {
                continue;
            }
            match read_job(id, s) {
                Ok(job) => jobs.push(job),
                Err(e) => errors.push(e),
            }
        }
        (Orchestration { jobs }, errors)
    }

    /// The jobs after the repo's changes (a pull's or a plan's vendor changes).
    pub fn apply_changes(
        &self,
        view: &RepoView,
        changes: &[VendorChange],
    ) -> Result<Orchestration, OrchestrationError> {
        let (out, errors) =
            Orchestration::from_states(&states_after(self.to_desired(view)?, changes));
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}

fn read_job(id: &str, s: &ResourceState) -> Result<Job, OrchestrationError> {
    let definition = s.value.get("definition").ok_or(OrchestrationError {
        id: s.name.clone(),
        reason: "the selector has no definition".into(),
    })?;
    let select = selection(definition).map_err(|reason| OrchestrationError {
        id: s.name.clone(),
        reason,
    })?;
    let (description, schedule) = split_description(text_of(&s.value, "description"));
    Ok(Job {
        id: id.to_string(),
        name: s.name.clone(),
        description,
        schedule,
        select,
    })
}

/// The jobs the repo holds (every selector), under the ids the sync state binds, and the
/// selectors that cannot be read as one.
pub fn scheduled(view: &RepoView) -> (Orchestration, Vec<OrchestrationError>) {
    Orchestration::from_states(&view_states(view, &crate::Scope::orchestration()))
}

/// A new dbt project at `dir` for a customer who has none: the engine's scaffold (the files
/// `interop init` writes), with git initialised and the files as the first commit on
/// `options.initial_branch`. Jobs then sync into it like into any repo.
pub fn bootstrap(dir: &Path, options: &ScaffoldOptions) -> Result<InitReport, ScaffoldError> {
    let mut options = options.clone();
    options.with_git = true;
    interop_sync::scaffold::init_project(dir, &options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_rides_at_the_end_of_the_description() {
        let job = |d: Option<&str>, s: Option<&str>| Job {
            id: "j".into(),
            name: "j".into(),
            description: d.map(String::from),
            schedule: s.map(String::from),
            select: Selection::Spec {
                spec: "tag:a".into(),
            },
        };
        for (d, s) in [
            (Some("Marts."), Some("0 6 * * *")),
            (None, Some("*/15 * * * *")),
            (Some("No schedule"), None),
            (None, None),
        ] {
            let j = job(d, s);
            assert_eq!(
                split_description(description(&j)),
                (j.description.clone(), j.schedule.clone())
            );
        }
        assert_eq!(
            split_description(Some("Runs when (cron)".into())),
            (Some("Runs when (cron)".into()), None)
        );
    }

    #[test]
    fn definitions_both_ways() {
        let v = json!({"union": [
            {"method": "path", "value": "models/marts", "children": true},
            {"intersection": ["tag:finance", {"method": "config.materialized", "value": "table"}]},
            {"exclude": [{"method": "tag", "value": "legacy"}]}
        ]});
        let s = selection(&v).unwrap();
        assert!(matches!(&s, Selection::Union { exclude, .. } if exclude.len() == 1));
        assert_eq!(definition(&s), v);
        assert!(
            selection(&json!({"method": "tag", "value": "x", "indirect_selection": "cautious"}))
                .is_err()
        );
    }
}
