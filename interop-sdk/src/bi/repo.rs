//! What the BI mapping needs to know about a repo: its semantic-layer spec, its time spine, its
//! models, and the states of what is already there (to write back a resource the repo holds
//! in its own shape when its meaning has not changed).

use std::collections::BTreeMap;

use interop_sync::edit::dbt_rules::DbtVersion;
use interop_sync::model::{Resource, ResourceKind};
use interop_sync::plan::{ResourceState, state_of};
use interop_sync::read::{Project, ProjectSource};
use serde::{Deserialize, Serialize};

use crate::{SessionError, SyncSession};

/// The semantic-layer spec a repo uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spec {
    /// `semantic_models:` with measures, and `metrics:` with `type_params` (dbt 1.6 and later).
    Legacy,
    /// dbt 1.12: `semantic_model:` on a model's entry, simple metrics in the model's
    /// `metrics:`, others in top-level `metrics:` without `type_params`.
    Embedded,
}

/// The lowest dbt version that reads the model-embedded spec.
const EMBEDDED_SINCE: DbtVersion = DbtVersion(1, 12, 0);

/// A repo as the BI mapping sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RepoInfo {
    /// The dbt project's name.
    pub project: String,
    /// The spec to write.
    pub spec: Spec,
    /// The first model path (`models`).
    pub model_path: String,
    /// The time spine model (name, SQL), when the repo has one.
    pub time_spine: Option<(String, Option<String>)>,
    /// The names of the repo's models (enabled, in this project).
    pub models: Vec<String>,
    /// The semantic keys of each model's columns: model → column → whether it has an entity,
    /// dimension or granularity.
    pub semantic_columns: BTreeMap<String, Vec<String>>,
    /// The states of the repo's semantic models, metrics, saved queries, exposures and models
    /// with a semantic model, by kind and name.
    pub states: BTreeMap<(ResourceKind, String), ResourceState>,
}

impl RepoInfo {
    /// Reads the main branch of the session's repo.
    pub fn read(session: &SyncSession) -> Result<RepoInfo, SessionError> {
        let (_, source, project) = session.main_project()?;
        Ok(RepoInfo::of(&project, &source))
    }

    /// The view of a project read from `source`.
    pub fn of(project: &Project, source: &dyn ProjectSource) -> RepoInfo {
        let own = |r: &&Resource| r.package == project.dbt_project.name && r.enabled;
        let mut legacy = false;
        let mut embedded = false;
        for r in project.resources.iter().filter(own) {
            match r.kind {
                ResourceKind::SemanticModel if r.location.yaml_path.starts_with("models[") => {
                    embedded = true
                }
                ResourceKind::SemanticModel => legacy = true,
                ResourceKind::Metric if r.properties.get("type_params").is_some() => legacy = true,
                ResourceKind::Metric if r.location.yaml_path.starts_with("models[") => {
                    embedded = true
                }
                _ => {}
            }
        }
        let version = DbtVersion::from_requirements(&project.dbt_project.require_dbt_version);
        let spec = match (legacy, embedded) {
            (true, false) => Spec::Legacy,
            (false, true) => Spec::Embedded,
            // Both: new objects go where the current spec puts them.
            (true, true) => Spec::Embedded,
            (false, false) if version >= EMBEDDED_SINCE => Spec::Embedded,
            (false, false) => Spec::Legacy,
        };
        let mut info = RepoInfo {
            project: project.dbt_project.name.clone(),
            spec,
            model_path: project
                .dbt_project
                .paths
                .model
                .first()
                .cloned()
                .unwrap_or_else(|| "models".into()),
            time_spine: None,
            models: Vec::new(),
            semantic_columns: BTreeMap::new(),
            states: BTreeMap::new(),
        };
        for r in project.resources.iter().filter(own) {
            let wanted = match r.kind {
                ResourceKind::Model => {
                    info.models.push(r.name.clone());
                    let spine = r.properties.get("time_spine").is_some();
                    if spine || r.name == super::encode::TIME_SPINE_MODEL {
                        let sql = state_of(project, source, r, true)
                            .ok()
                            .and_then(|s| s.value.get("sql")?.as_str().map(str::to_string));
                        if spine || info.time_spine.is_none() {
                            info.time_spine = Some((r.name.clone(), sql));
                        }
                    }
                    let columns: Vec<String> = r
                        .properties
                        .get("columns")
                        .and_then(|c| c.as_array().cloned())
                        .unwrap_or_default()
                        .iter()
                        .filter(|c| {
                            ["entity", "dimension", "granularity"]
                                .iter()
                                .any(|k| c.get(k).is_some())
                        })
                        .filter_map(|c| c.get("name")?.as_str().map(str::to_string))
                        .collect();
                    if !columns.is_empty() {
                        info.semantic_columns.insert(r.name.clone(), columns);
                    }
                    r.properties.get("semantic_model").is_some()
                }
                ResourceKind::Metric
                | ResourceKind::SemanticModel
                | ResourceKind::SavedQuery
                | ResourceKind::Exposure => true,
                _ => false,
            };
            if wanted && let Ok(state) = state_of(project, source, r, false) {
                info.states.insert((r.kind, r.name.clone()), state);
            }
        }
        info
    }
}
