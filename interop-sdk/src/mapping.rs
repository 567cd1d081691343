//! What the category mappings need to know about a repo to turn vendor objects into resource
//! states that read exactly as the repo will hold them: the project's name and dbt version, the
//! tests key it writes, the packages it installs, the current states of the resources in the
//! session's scope, and the vendor ids the sync state already binds to repo resources.

use std::collections::{BTreeMap, BTreeSet};

use interop_sync::edit::dbt_rules::{DbtVersion, escape_jinja, looks_like_jinja, unescape_jinja};
use interop_sync::git::BaseStore as _;
use interop_sync::git::GitRefBaseStore;
use interop_sync::merge::{FieldPath, get, put};
use interop_sync::model::ResourceKind;
use interop_sync::plan::{ResourceState, state_of};
use interop_sync::read::Project;
use serde_json::Value;

use crate::session::{Desired, SessionError, SyncSession, VendorChange};
use crate::state::SyncState;

/// A repo as a category mapping sees it (read from the main branch head of a session).
#[derive(Debug, Clone, Default)]
pub struct RepoView {
    /// The dbt project's name (the package of its unique ids).
    pub project: String,
    /// The dbt version the repo targets (its `require-dbt-version`, else the current one).
    pub dbt_version: Option<DbtVersion>,
    /// `data_tests`, or `tests` when the repo writes only the old key.
    pub tests_key: String,
    /// The packages the repo declares in `packages.yml` or `dependencies.yml`, by their
    /// name (`dbt_utils`, `dbt_expectations`).
    pub packages: BTreeSet<String>,
    /// The folders dbt reads tests from (`test-paths`).
    pub test_paths: Vec<String>,
    /// The repo's resources of the scope's kinds (the fields the scope owns, as the session
    /// sees them), by unique id.
    pub states: BTreeMap<String, ResourceState>,
    /// The vendor ids the sync state binds, with the unique id each is bound to.
    pub bound: BTreeMap<String, String>,
    /// The names of the project's enabled models (seeds and snapshots too: what `ref()`
    /// reaches).
    pub models: BTreeSet<String>,
    /// The project's enabled source tables: source name and table name.
    pub sources: BTreeSet<(String, String)>,
    /// The project's model paths (`model-paths`).
    pub model_paths: Vec<String>,
    /// The vendor ids of the resources the vendor created (from the sync state).
    pub created: BTreeSet<String>,
}

impl RepoView {
    /// Reads the main branch head of the session's repo and the session's sync state.
    pub fn read(session: &SyncSession) -> Result<RepoView, SessionError> {
        let store = session.store();
        let options = session.options();
        let (main, source, project) = session.main_project()?;
        let mut view = RepoView::of_project(&project, &|path| {
            let full = if options.subdir.is_empty() {
                path.to_string()
            } else {
                format!("{}/{path}", options.subdir.trim_end_matches('/'))
            };
            store.file_at(main, &full).ok().flatten()
        });
        for r in &project.resources {
            if !options.scope.covers(r.kind) || r.package != project.dbt_project.name || !r.enabled
            {
                continue;
            }
            let mut state = state_of(&project, &source, r, options.scope.owns_sql_of(r.kind))
                .map_err(|e| SessionError::Read(e.to_string()))?;
            state.value = options.scope.project_kind(r.kind, &state.value);
            view.states.insert(r.unique_id.as_str().to_string(), state);
        }
        if let Some(stored) = GitRefBaseStore::for_vendor(store, &options.vendor)?.load()? {
            let state = SyncState::from_json(&stored.data).map_err(SessionError::State)?;
            for (id, synced) in state.agreed.iter().chain(&state.proposed) {
                view.bound.insert(id.clone(), synced.unique_id.clone());
            }
            view.created = state.created.clone();
        }
        Ok(view)
    }

    /// The facts of a project already read (no resource states, no bindings); `read_file`
    /// gives a file's bytes by its path relative to the project root.
    pub fn of_project(project: &Project, read_file: &dyn Fn(&str) -> Option<Vec<u8>>) -> Self {
        let old_key = project
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::GenericTest)
            .all(|r| r.location.yaml_path.contains(".tests["));
        let any_test = project
            .resources
            .iter()
            .any(|r| r.kind == ResourceKind::GenericTest);
        let mut packages = BTreeSet::new();
        for file in ["packages.yml", "dependencies.yml"] {
            if let Some(bytes) = read_file(file) {
                packages.extend(package_names(&String::from_utf8_lossy(&bytes)));
            }
        }
        RepoView {
            project: project.dbt_project.name.clone(),
            dbt_version: Some(DbtVersion::from_requirements(
                &project.dbt_project.require_dbt_version,
            )),
            tests_key: if any_test && old_key {
                "tests".into()
            } else {
                "data_tests".into()
            },
            packages,
            test_paths: project.dbt_project.paths.test.clone(),
            model_paths: project.dbt_project.paths.model.clone(),
            created: BTreeSet::new(),
            states: BTreeMap::new(),
            bound: BTreeMap::new(),
            models: project
                .resources
                .iter()
                .filter(|r| r.enabled && r.package == project.dbt_project.name)
                .filter(|r| {
                    matches!(
                        r.kind,
                        ResourceKind::Model | ResourceKind::Seed | ResourceKind::Snapshot
                    )
                })
                .map(|r| r.name.clone())
                .collect(),
            sources: project
                .resources
                .iter()
                .filter(|r| r.enabled && r.kind == ResourceKind::Source)
                .filter_map(|r| {
                    let prefix = format!("source.{}.", r.package);
                    let rest = r.unique_id.as_str().strip_prefix(&prefix)?;
                    let (source, table) = rest.split_once('.')?;
                    Some((source.to_string(), table.to_string()))
                })
                .collect(),
        }
    }

    /// The file of a new model `name` in `folder` under the first model path.
    pub fn model_file(&self, folder: &str, name: &str) -> String {
        let root = self.model_paths.first().map_or("models", String::as_str);
        let folder = folder.trim_matches('/');
        if folder.is_empty() {
            format!("{root}/{name}.sql")
        } else {
            format!("{root}/{folder}/{name}.sql")
        }
    }

    /// The folder of a model's file under its model path (`marts/ml` for
    /// `models/marts/ml/x.sql`).
    pub fn folder_of(&self, file: Option<&str>) -> String {
        let Some((dir, _)) = file.and_then(|f| f.rsplit_once('/')) else {
            return String::new();
        };
        for root in &self.model_paths {
            if dir == root {
                return String::new();
            }
            if let Some(rest) = dir.strip_prefix(&format!("{root}/")) {
                return rest.to_string();
            }
        }
        dir.split_once('/')
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default()
    }

    /// The dbt version to write for.
    pub fn version(&self) -> DbtVersion {
        self.dbt_version.unwrap_or(DbtVersion::CURRENT)
    }

    /// Whether the repo declares the package (`dbt_utils`, `dbt_expectations`).
    pub fn has_package(&self, name: &str) -> bool {
        self.packages.contains(name)
    }

    /// The repo's state of a resource of `kind` named `name` (for a source table, of source
    /// `source`).
    pub fn find(
        &self,
        kind: ResourceKind,
        source: Option<&str>,
        name: &str,
    ) -> Option<(&String, &ResourceState)> {
        self.states.iter().find(|(uid, s)| {
            s.kind == kind
                && s.name == name
                && match source {
                    Some(src) => uid.ends_with(&format!(".{src}.{name}")),
                    None => true,
                }
        })
    }
}

/// The states a vendor's objects have once the repo's changes are applied: `desired` (what
/// the objects map to now) with each `Updated` state in place of its object's, `Created`
/// states added under the id the change suggests, and `Deleted` objects gone. Each category
/// reads its objects back from these.
pub fn states_after(
    desired: Vec<Desired>,
    changes: &[VendorChange],
) -> Vec<(String, ResourceState)> {
    let mut states: Vec<(String, ResourceState)> =
        desired.into_iter().map(|d| (d.id, d.state)).collect();
    for change in changes {
        match change {
            VendorChange::Created { id, state, .. } => {
                if !states.iter().any(|(i, _)| i == id) {
                    states.push((id.clone(), state.clone()));
                }
            }
            VendorChange::Updated { id, state, .. } => {
                match states.iter_mut().find(|(i, _)| i == id) {
                    Some((_, s)) => *s = state.clone(),
                    None => states.push((id.clone(), state.clone())),
                }
            }
            VendorChange::Deleted { id, .. } => states.retain(|(i, _)| i != id),
        }
    }
    states
}

/// The id of the object bound to `unique_id` in the sync state, else `fallback`.
pub fn bound_id(view: &RepoView, unique_id: &str, fallback: &str) -> String {
    view.bound
        .iter()
        .find(|(_, uid)| *uid == unique_id)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| fallback.to_string())
}

/// The repo's states in the view as `(id, state)` pairs, under the ids the sync state binds
/// (else the unique id), as the vendor sees them in `scope`: fields it owns only on what it
/// created are left out elsewhere. What a category reads the repo's objects from.
pub fn view_states(view: &RepoView, scope: &crate::Scope) -> Vec<(String, ResourceState)> {
    view.states
        .iter()
        .map(|(uid, s)| {
            let id = bound_id(view, uid, uid);
            let mut s = s.clone();
            if !view.created.contains(&id) {
                s.value = scope.without_created_only(s.kind, &s.value);
            }
            (id, s)
        })
        .collect()
}

/// The package names a `packages.yml` / `dependencies.yml` declares: the last part of
/// `package: dbt-labs/dbt_utils`, the repository of a `git:` URL, the folder of a `local:`.
fn package_names(text: &str) -> Vec<String> {
    let Ok(Some(root)) = interop_sync::read::yaml::parse(text, &Default::default()) else {
        return vec![];
    };
    let json = root.to_json();
    json.get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let spec = p
                .get("package")
                .or_else(|| p.get("git"))
                .or_else(|| p.get("local"))?
                .as_str()?;
            let last = spec
                .trim_end_matches('/')
                .trim_end_matches(".git")
                .rsplit(['/', ':'])
                .next()?;
            Some(last.replace('-', "_"))
        })
        .collect()
}

/// Vendor text as the repo holds it: Jinja-looking text wrapped in `{% raw %}` (so dbt reads
/// it as written), except a description that is exactly a `{{ doc('name') }}` reference,
/// which is dbt's own and stays as it is.
pub fn to_repo_text(text: &str) -> String {
    if is_doc_reference(text) {
        text.to_string()
    } else {
        escape_jinja(text)
    }
}

/// Text from the repo as the vendor shows it: the escape undone (Jinja the customer wrote
/// stays as written).
pub fn from_repo_text(text: &str) -> String {
    unescape_jinja(text)
}

/// Vendor text for a field that holds `current` in the repo: `current` itself when it reads
/// as the vendor's text (so the customer's own Jinja, such as `{{ doc('x') }} and more`, is
/// never escaped), else the text as [`to_repo_text`] writes it.
pub fn repo_text(text: &str, current: Option<&str>) -> String {
    match current {
        Some(c) if from_repo_text(c) == text => c.to_string(),
        _ => to_repo_text(text),
    }
}

/// Whether `text` is exactly one `{{ doc('name') }}` reference.
pub fn is_doc_reference(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("{{")
        && t.ends_with("}}")
        && t.matches("{{").count() == 1
        && looks_like_jinja(t)
        && interop_sync::read::jinja::doc_refs(t).len() == 1
}

/// Whether a unique id names one version of a versioned model (`model.shop.dim_customers.v2`).
pub fn is_versioned(unique_id: &str) -> bool {
    unique_id.starts_with("model.") && unique_id.split('.').count() > 3
}

/// The vendor's own state of a resource with only the fields the repo changed taken from the
/// repo's state (`fields` as a [`crate::VendorChange::Updated`] names them): what the vendor
/// holds after a pull, where a change it proposed but the customer has not merged yet stays.
pub fn with_repo_fields(vendor: &Value, repo: &Value, fields: &[String]) -> Value {
    let mut out = vendor.clone();
    for field in fields {
        match FieldPath::parse(field) {
            Ok(path) => put(&mut out, &path, get(repo, &path).cloned()),
            // A field the path syntax cannot name: the repo's whole state is the safe answer.
            Err(_) => return repo.clone(),
        }
    }
    out
}

/// Whether `name` is a name dbt and the warehouse take without quoting: lower-case letters,
/// digits and `_`, not starting with a digit.
pub fn is_dbt_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A string field of a JSON object.
pub(crate) fn text_of(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_from_every_form() {
        let text = "packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n  - git: https://github.com/metaplane/dbt-expectations.git\n    revision: 0.10.4\n  - local: ../shared_macros\n";
        assert_eq!(
            package_names(text),
            ["dbt_utils", "dbt_expectations", "shared_macros"]
        );
        assert!(package_names("not: [a list").is_empty());
    }

    #[test]
    fn doc_references_stay_and_other_jinja_is_escaped() {
        assert_eq!(to_repo_text("{{ doc('orders') }}"), "{{ doc('orders') }}");
        assert_eq!(
            to_repo_text("Rows for {{ var('x') }}"),
            "{% raw %}Rows for {{ var('x') }}{% endraw %}"
        );
        assert_eq!(
            from_repo_text(&to_repo_text("Rows for {{ var('x') }}")),
            "Rows for {{ var('x') }}"
        );
        assert!(!is_doc_reference("See {{ doc('a') }} and more"));
    }
}
