//! Every category's objects in one set: what a vendor's tool holds, mapped into a repo and read
//! back through each category's own mapping. The CLI's state file and the conformance
//! adapters hold their objects in a [`CategoryObjects`] (its serde form is the state file's:
//! `semantic_models`, `metrics`, … `monitors`, `annotations`, `jobs`, `syncs`, `publications`,
//! `feature_sets`, `predictions`, `streams`, `elt`).
//!
//! - [`CategoryObjects::to_desired`] maps them for the repo a session reads (each category
//!   through its module; activity streams with the BI semantic models and metrics beside them);
//! - [`CategoryObjects::after`] gives the objects once the repo's changes (a sync's or a pull's
//!   vendor changes) are applied, each category through its reverse mapping.
//!
//! The scope of each category is [`crate::Scope::of_category`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::bi::{self, BiError, BiObjects, RepoInfo};
use crate::catalog::{Annotation, Catalog};
use crate::elt::{self, EltError, EltObjects, EltRepo, Mapped};
use crate::mapping::RepoView;
use crate::ml::{self, FeatureSet, MlObjects, Prediction};
use crate::notebook::{Notebooks, Publication};
use crate::observability::{Description, Monitor, Observability};
use crate::orchestration::{Job, Orchestration};
use crate::product_analytics::{ActivityStream, ProductAnalytics};
use crate::reverse_etl::{self, ReverseEtl};
use crate::session::{SessionError, SyncSession, VendorChange};

/// The vendor categories, as sessions, the CLI and the conformance suite name them.
pub const CATEGORIES: [&str; 9] = [
    "bi",
    "catalog",
    "observability",
    "elt",
    "orchestration",
    "reverse_etl",
    "notebook",
    "ml",
    "product_analytics",
];

/// A tool's objects of every category (the schema of the CLI's state file, without its
/// resource states).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CategoryObjects {
    /// BI objects (with `streams`: the product-analytics tool's semantic models and metrics).
    #[serde(flatten)]
    pub bi: BiObjects,
    /// Observability monitors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monitors: Vec<Monitor>,
    /// Descriptions of monitored resources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<Description>,
    /// Catalog annotations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub annotations: Vec<Annotation>,
    /// Orchestration jobs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<Job>,
    /// Reverse-ETL syncs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub syncs: Vec<reverse_etl::Sync>,
    /// Published notebooks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub publications: Vec<Publication>,
    /// ML feature sets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feature_sets: Vec<FeatureSet>,
    /// ML predictions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub predictions: Vec<Prediction>,
    /// Product-analytics activity streams (their metrics are under the BI keys).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub streams: Vec<ActivityStream>,
    /// ELT connectors and transforms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elt: Option<EltObjects>,
}

/// Why objects could not be mapped or read back.
#[derive(Debug, thiserror::Error)]
pub enum CategoryError {
    /// The repo could not be read.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// An object does not fit the repo (an unknown model, a bad name, …).
    #[error("{0}")]
    Invalid(String),
}

fn invalid(e: impl std::fmt::Display) -> CategoryError {
    CategoryError::Invalid(e.to_string())
}

fn bi_error(e: BiError) -> CategoryError {
    match e {
        BiError::Session(e) => CategoryError::Session(e),
        other => invalid(other),
    }
}

fn elt_error(e: EltError) -> CategoryError {
    match e {
        EltError::Session(e) => CategoryError::Session(e),
        other => CategoryError::Invalid(format!("elt: {other}")),
    }
}

impl CategoryObjects {
    /// Whether the set holds objects of `category` (BI objects beside activity streams count
    /// as product analytics).
    pub fn holds(&self, category: &str) -> bool {
        match category {
            "bi" => self.bi != BiObjects::default() && self.streams.is_empty(),
            "product_analytics" => !self.streams.is_empty(),
            "observability" => !self.monitors.is_empty() || !self.descriptions.is_empty(),
            "catalog" => !self.annotations.is_empty(),
            "orchestration" => !self.jobs.is_empty(),
            "reverse_etl" => !self.syncs.is_empty(),
            "notebook" => !self.publications.is_empty(),
            "ml" => !self.feature_sets.is_empty() || !self.predictions.is_empty(),
            "elt" => self.elt.is_some(),
            _ => false,
        }
    }

    /// Whether the set holds no objects at all.
    pub fn is_empty(&self) -> bool {
        !CATEGORIES.iter().any(|c| self.holds(c))
    }

    fn observability(&self) -> Observability {
        Observability {
            monitors: self.monitors.clone(),
            descriptions: self.descriptions.clone(),
        }
    }

    fn product_analytics(&self) -> ProductAnalytics {
        ProductAnalytics {
            streams: self.streams.clone(),
            semantic_models: self.bi.semantic_models.clone(),
            metrics: self.bi.metrics.clone(),
        }
    }

    fn ml(&self) -> MlObjects {
        MlObjects {
            feature_sets: self.feature_sets.clone(),
            predictions: self.predictions.clone(),
        }
    }

    /// What the SDK syncs for the objects, mapped for the repo of `session` (its main branch),
    /// and the ELT transforms that could not be mapped (each with why).
    pub fn to_desired(&self, session: &SyncSession) -> Result<Mapped, CategoryError> {
        let mut out = Mapped::default();
        let desired = &mut out.desired;
        let with_view = ["observability", "catalog", "orchestration", "reverse_etl"]
            .into_iter()
            .chain(["notebook", "ml"])
            .any(|c| self.holds(c));
        // The repo as the category mappings see it, read once for all of them.
        let view = if with_view {
            Some(RepoView::read(session)?)
        } else {
            None
        };
        let needs_bi = self.bi != BiObjects::default() || self.holds("product_analytics");
        let repo = if needs_bi || self.holds("ml") {
            Some(RepoInfo::read(session)?)
        } else {
            None
        };
        if let Some(repo) = &repo {
            if self.streams.is_empty() {
                if self.bi != BiObjects::default() {
                    desired.extend(bi::to_desired(&self.bi, repo).map_err(bi_error)?);
                }
            } else {
                // Activity streams with the metrics on them, through the BI mapping; the rest
                // of the BI objects beside them.
                desired.extend(
                    self.product_analytics()
                        .to_desired(repo)
                        .map_err(bi_error)?,
                );
                let rest = BiObjects {
                    saved_queries: self.bi.saved_queries.clone(),
                    dashboards: self.bi.dashboards.clone(),
                    transforms: self.bi.transforms.clone(),
                    ..BiObjects::default()
                };
                if rest != BiObjects::default() {
                    desired.extend(bi::to_desired(&rest, repo).map_err(bi_error)?);
                }
            }
        }
        if let Some(view) = &view {
            if self.holds("ml") {
                let metrics = ml::repo_metrics(repo.as_ref().expect("read for ml"));
                desired.extend(self.ml().to_desired(view, &metrics).map_err(invalid)?);
            }
            if self.holds("observability") {
                desired.extend(self.observability().to_desired(view).map_err(invalid)?);
            }
            if self.holds("catalog") {
                let catalog = Catalog {
                    annotations: self.annotations.clone(),
                };
                desired.extend(catalog.to_desired(view).map_err(invalid)?);
            }
            if self.holds("orchestration") {
                let jobs = Orchestration {
                    jobs: self.jobs.clone(),
                };
                desired.extend(jobs.to_desired(view).map_err(invalid)?);
            }
            if self.holds("reverse_etl") {
                let syncs = ReverseEtl {
                    syncs: self.syncs.clone(),
                };
                desired.extend(syncs.to_desired(view).map_err(invalid)?);
            }
            if self.holds("notebook") {
                let notebooks = Notebooks {
                    publications: self.publications.clone(),
                };
                desired.extend(notebooks.to_desired(view).map_err(invalid)?);
            }
        }
        if let Some(objects) = &self.elt {
            let repo = EltRepo::read(session)?;
            let mapped = elt::to_desired(objects, &repo).map_err(elt_error)?;
            out.desired.extend(mapped.desired);
            out.unmapped.extend(mapped.unmapped);
        }
        Ok(out)
    }

    /// The objects after the repo's `changes` (a sync's or a pull's vendor changes), each
    /// category through its own reverse mapping, and what could not be read back (a model
    /// edited out of its category's layout: that object stays as the tool has it).
    ///
    /// `category` names the tool's category: its mapping runs even when the set holds none of
    /// its objects yet, so resources the customer wrote by hand join (with the ids the SDK
    /// suggests). `None`: every category the set holds objects of.
    pub fn after(
        &self,
        category: Option<&str>,
        changes: &[VendorChange],
        session: &SyncSession,
    ) -> Result<(CategoryObjects, Vec<String>), CategoryError> {
        let runs = |c: &str| match category {
            Some(only) => only == c,
            None => self.holds(c),
        };
        let mut out = self.clone();
        let mut errors: Vec<String> = Vec::new();
        let mut view = None;
        let mut view = |session: &SyncSession| -> Result<RepoView, SessionError> {
            if view.is_none() {
                view = Some(RepoView::read(session)?);
            }
            Ok(view.clone().expect("just read"))
        };
        if runs("bi") {
            let repo = RepoInfo::read(session)?;
            out.bi = bi::apply_changes(&self.bi, &repo, changes).map_err(bi_error)?;
        }
        if runs("product_analytics") {
            let repo = RepoInfo::read(session)?;
            let (after, failed) = self
                .product_analytics()
                .apply_changes(&repo, &view(session)?, changes)
                .map_err(bi_error)?;
            errors.extend(failed.iter().map(ToString::to_string));
            out.streams = after.streams;
            out.bi.semantic_models = after.semantic_models;
            out.bi.metrics = after.metrics;
        }
        if runs("observability") {
            let mut objects = self.observability();
            let mine = objects.changes(changes, &view(session)?);
            objects.apply(&mine);
            out.monitors = objects.monitors;
            out.descriptions = objects.descriptions;
        }
        if runs("catalog") {
            let mut catalog = Catalog {
                annotations: self.annotations.clone(),
            };
            let mine = catalog.changes(changes, &view(session)?);
            catalog.apply(&mine);
            out.annotations = catalog.annotations;
        }
        if runs("orchestration") {
            let jobs = Orchestration {
                jobs: self.jobs.clone(),
            };
            out.jobs = jobs
                .apply_changes(&view(session)?, changes)
                .map_err(invalid)?
                .jobs;
        }
        if runs("reverse_etl") {
            let syncs = ReverseEtl {
                syncs: self.syncs.clone(),
            };
            out.syncs = syncs
                .apply_changes(&view(session)?, changes)
                .map_err(invalid)?
                .syncs;
        }
        if runs("notebook") {
            let notebooks = Notebooks {
                publications: self.publications.clone(),
            };
            let (after, failed) = notebooks
                .apply_changes(&view(session)?, changes)
                .map_err(invalid)?;
            errors.extend(failed.iter().map(ToString::to_string));
            out.publications = after.publications;
        }
        if runs("ml") {
            let metrics = ml::repo_metrics(&RepoInfo::read(session)?);
            let (after, failed) = self
                .ml()
                .apply_changes(&view(session)?, &metrics, changes)
                .map_err(invalid)?;
            errors.extend(failed.iter().map(ToString::to_string));
            out.feature_sets = after.feature_sets;
            out.predictions = after.predictions;
        }
        // An orchestrator's transforms are ELT transforms.
        if runs("elt") || (category == Some("orchestration") && self.elt.is_some()) {
            let known = self.elt.clone().unwrap_or_default();
            let repo = EltRepo::read(session)?;
            out.elt = Some(elt_after(&known, &elt::from_repo(&repo, &known), changes));
        }
        Ok((out, errors))
    }
}

/// The ELT objects after the repo's changes: an object a change touches is taken as the repo
/// holds it ([`elt::from_repo`]), gone when the repo no longer has it; a source the customer
/// wrote by hand joins as a connector; the others (perhaps proposed and not merged yet) stay
/// as the tool has them.
fn elt_after(known: &EltObjects, repo: &EltObjects, changes: &[VendorChange]) -> EltObjects {
    // What the changes touch: object ids (a source table's id is `<connector>/<table>`, a
    // staging model's `<connector>/staging/<table>`) and source names (resources new to the
    // tool are named by unique id).
    let mut ids = BTreeSet::new();
    let mut sources = BTreeSet::new();
    let mut deleted = BTreeSet::new();
    for change in changes {
        let (id, unique_id) = match change {
            VendorChange::Created { id, unique_id, .. }
            | VendorChange::Updated { id, unique_id, .. } => (id, unique_id),
            VendorChange::Deleted { id, unique_id } => {
                deleted.insert(id.clone());
                (id, unique_id)
            }
        };
        ids.insert(id.split('/').next().unwrap_or(id).to_string());
        if let Some(rest) = unique_id.strip_prefix("source.")
            && let Some(source) = rest.split('.').nth(1)
        {
            sources.insert(source.to_string());
        }
    }
    let touched_connector = |id: &str, name: &str| ids.contains(id) || sources.contains(name);
    let mut connectors = Vec::new();
    for c in &known.connectors {
        if !touched_connector(&c.id, &c.name) {
            connectors.push(c.clone());
        } else if let Some(r) = repo
            .connectors
            .iter()
            .find(|r| r.id == c.id || r.name == c.name)
        {
            let mut r = r.clone();
            r.id.clone_from(&c.id);
            connectors.push(r);
        }
    }
    for r in &repo.connectors {
        let known = connectors.iter().any(|c| c.id == r.id || c.name == r.name)
            || known.connectors.iter().any(|c| c.name == r.name);
        if !known && touched_connector(&r.id, &r.name) {
            connectors.push(r.clone());
        }
    }
    let mut transforms = Vec::new();
    for t in &known.transforms {
        if !ids.contains(&t.id) {
            transforms.push(t.clone());
        } else if deleted.contains(&t.id) {
            continue;
        } else if let Some(r) = repo.transforms.iter().find(|r| r.id == t.id) {
            let mut r = r.clone();
            // The folder the tool left to the default stays so.
            if t.folder.is_none() && r.folder.as_deref() == Some(elt::DEFAULT_FOLDER) {
                r.folder = None;
            }
            transforms.push(r);
        } else {
            transforms.push(t.clone());
        }
    }
    EltObjects {
        dialect: known.dialect,
        warehouse: known.warehouse.clone(),
        connectors,
        transforms,
    }
}

#[cfg(test)]
mod tests {
    use interop_sync::model::ResourceKind;
    use interop_sync::plan::ResourceState;
    use serde_json::json;

    use super::*;
    use crate::elt::{Connector, Transform};

    fn connector(id: &str, name: &str, description: &str) -> Connector {
        serde_json::from_value(json!({"id": id, "name": name, "description": description})).unwrap()
    }

    fn transform(id: &str, sql: &str) -> Transform {
        serde_json::from_value(json!({"id": id, "name": id.replace('-', "_"), "sql": sql})).unwrap()
    }

    fn state(kind: ResourceKind, name: &str) -> ResourceState {
        ResourceState {
            kind,
            name: name.into(),
            value: json!({"name": name}),
            file: None,
        }
    }

    #[test]
    fn elt_objects_take_the_repo_only_where_a_change_touches_them() {
        let known = EltObjects {
            connectors: vec![
                connector("c-hub", "hubspot", "tool"),
                connector("c-new", "stripe_eu", "proposed, not merged"),
            ],
            transforms: vec![
                transform("t-edited", "select 1"),
                transform("t-proposed", "select 2"),
                transform("t-gone", "select 3"),
            ],
            ..EltObjects::default()
        };
        let repo = EltObjects {
            connectors: vec![
                connector("c-hub", "hubspot", "customer"),
                connector("source:shop_db", "shop_db", "hand-written"),
                connector("source:snowplow", "snowplow", "hand-written, untouched"),
            ],
            transforms: vec![transform("t-edited", "select 10")],
            ..EltObjects::default()
        };
        let changes = vec![
            VendorChange::Updated {
                id: "c-hub/companies".into(),
                unique_id: "source.shop.hubspot.companies".into(),
                fields: vec!["description".into()],
                state: state(ResourceKind::Source, "companies"),
            },
            VendorChange::Created {
                id: "source.shop.shop_db.orders".into(),
                unique_id: "source.shop.shop_db.orders".into(),
                state: state(ResourceKind::Source, "orders"),
            },
            VendorChange::Updated {
                id: "t-edited".into(),
                unique_id: "model.shop.t_edited".into(),
                fields: vec!["sql".into()],
                state: state(ResourceKind::Model, "t_edited"),
            },
            VendorChange::Deleted {
                id: "t-gone".into(),
                unique_id: "model.shop.t_gone".into(),
            },
        ];
        let after = elt_after(&known, &repo, &changes);
        let described: Vec<(&str, &str)> = after
            .connectors
            .iter()
            .map(|c| (c.id.as_str(), c.description.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            described,
            [
                ("c-hub", "customer"),
                ("c-new", "proposed, not merged"),
                ("source:shop_db", "hand-written"),
            ]
        );
        let sql: Vec<(&str, &str)> = after
            .transforms
            .iter()
            .map(|t| (t.id.as_str(), t.sql.as_str()))
            .collect();
        assert_eq!(sql, [("t-edited", "select 10"), ("t-proposed", "select 2")]);
    }

    #[test]
    fn every_category_has_a_scope_and_a_test_of_what_it_holds() {
        let empty = CategoryObjects::default();
        assert!(empty.is_empty());
        for category in CATEGORIES {
            assert!(crate::Scope::of_category(category).is_some(), "{category}");
            assert!(!empty.holds(category), "{category}");
        }
        assert!(crate::Scope::of_category("crm").is_none());
        let streams: CategoryObjects = serde_json::from_value(json!({
            "streams": [{"id": "s", "name": "a", "model": "orders", "activity_id": "id",
                         "ts": "ordered_at", "customer": "customer_id", "activity": "'x'"}],
            "metrics": [{"id": "m", "name": "n", "type": "simple", "semantic_model": "a", "agg": "count"}]
        }))
        .unwrap();
        assert!(streams.holds("product_analytics") && !streams.holds("bi"));
    }
}
