//! Catalogs: annotations (descriptions, owners, tags, glossary terms, custom meta) ↔ the
//! properties of dbt's resources, both ways, never SQL.
//!
//! A vendor keeps one [`Annotation`] per resource or column (serde, snake_case: the schema of
//! the CLI's state file, the Python binding and the conformance protocol), all in one
//! [`Catalog`]. Where each part goes:
//!
//! | annotation | models, sources, seeds, snapshots, metrics, semantic models | exposures, groups |
//! |---|---|---|
//! | `description` | `description` | `description` |
//! | `owner` | `config.meta.owner` | `owner: {name, email}` |
//! | `tags` | `config.tags` | `config.tags` |
//! | `terms` | `config.meta.glossary_terms` | `config.meta.glossary_terms` |
//! | `meta` | the other keys of `config.meta` | the other keys of `config.meta` |
//!
//! Columns take `description`, and `config.meta` / `config.tags` the same way. A docs block
//! (`{kind: doc, name: finance_orders}`) takes a description only: its text, edited inside
//! the block, while every `{{ doc('finance_orders') }}` stays as written. An entry that
//! keeps `meta:` or `tags:` at its top level (or a repo on dbt before 1.10) is written there
//! instead. A value the repo already holds in a form that means the same is kept as written:
//! a description that is `{{ doc('x') }}` (or any of the customer's own Jinja) stays byte for
//! byte while the vendor changes the owner; vendor text that looks like Jinja is escaped.
//!
//! The session's scope ([`crate::Scope::catalog`]) lets a catalog change these fields of
//! existing resources only: it never creates or removes a resource and never touches SQL.
//! Each annotated resource is one desired object with the id `<kind>:<name>`
//! (`model:orders`, `source:shop_db.customers`, `group:finance`), or the id the sync state
//! already binds to it.

mod read;
mod write;

use interop_sync::model::ResourceKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use read::annotated;

/// The kinds of resource a catalog annotates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogKind {
    /// A model.
    Model,
    /// A source table.
    Source,
    /// A seed.
    Seed,
    /// A snapshot.
    Snapshot,
    /// An exposure.
    Exposure,
    /// A group (its owner is the group's owner).
    Group,
    /// A metric.
    Metric,
    /// A semantic model.
    SemanticModel,
    /// A docs block (`{% docs name %}`): its description is the block's text.
    Doc,
}

const KINDS: &[(CatalogKind, ResourceKind, &str)] = &[
    (CatalogKind::Model, ResourceKind::Model, "model"),
    (CatalogKind::Source, ResourceKind::Source, "source"),
    (CatalogKind::Seed, ResourceKind::Seed, "seed"),
    (CatalogKind::Snapshot, ResourceKind::Snapshot, "snapshot"),
    (CatalogKind::Exposure, ResourceKind::Exposure, "exposure"),
    (CatalogKind::Group, ResourceKind::Group, "group"),
    (CatalogKind::Metric, ResourceKind::Metric, "metric"),
    (
        CatalogKind::SemanticModel,
        ResourceKind::SemanticModel,
        "semantic_model",
    ),
    (CatalogKind::Doc, ResourceKind::Doc, "doc"),
];

impl CatalogKind {
    /// The dbt resource kind.
    pub fn resource_kind(self) -> ResourceKind {
        KINDS
            .iter()
            .find(|k| k.0 == self)
            .map(|k| k.1)
            .unwrap_or(ResourceKind::Model)
    }

    fn label(self) -> &'static str {
        KINDS
            .iter()
            .find(|k| k.0 == self)
            .map(|k| k.2)
            .unwrap_or("model")
    }

    /// Whether the owner is dbt's own `owner:` property (exposures, groups) rather than
    /// `config.meta.owner`.
    fn has_owner_property(self) -> bool {
        matches!(self, CatalogKind::Exposure | CatalogKind::Group)
    }
}

/// An annotated resource: `{kind: model, name: orders}`,
/// `{kind: source, source: shop_db, name: customers}`, `{kind: group, name: finance}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// What kind of resource.
    pub kind: CatalogKind,
    /// For a source table: the source's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The dbt name.
    pub name: String,
}

impl Target {
    /// A resource of `kind` named `name`.
    pub fn new(kind: CatalogKind, name: &str) -> Target {
        Target {
            kind,
            source: None,
            name: name.into(),
        }
    }

    /// A source table.
    pub fn source(source: &str, table: &str) -> Target {
        Target {
            kind: CatalogKind::Source,
            source: Some(source.into()),
            name: table.into(),
        }
    }

    /// The desired object id when the sync state binds none: `model:orders`.
    pub fn object_id(&self) -> String {
        match &self.source {
            Some(s) => format!("{}:{s}.{}", self.kind.label(), self.name),
            None => format!("{}:{}", self.kind.label(), self.name),
        }
    }

    /// dbt's unique id in project `package`.
    pub fn unique_id(&self, package: &str) -> String {
        match &self.source {
            Some(s) => format!("source.{package}.{s}.{}", self.name),
            None => format!("{}.{package}.{}", self.kind.label(), self.name),
        }
    }

    /// The target a unique id names.
    pub fn from_unique_id(unique_id: &str) -> Option<Target> {
        let (prefix, rest) = unique_id.split_once('.')?;
        let kind = KINDS.iter().find(|k| k.2 == prefix)?.0;
        let (_package, rest) = rest.split_once('.')?;
        Some(match kind {
            CatalogKind::Source => {
                let (s, t) = rest.split_once('.')?;
                Target::source(s, t)
            }
            CatalogKind::Model => Target::new(kind, rest.split('.').next().unwrap_or(rest)),
            _ => Target::new(kind, rest),
        })
    }
}

/// Who owns a resource: a name, emails, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    /// A person's or team's name (`Finance Analytics`, `@finance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email: Vec<String>,
}

/// What a catalog says about one resource or one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    /// The resource.
    pub target: Target,
    /// The column, for a column's annotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The description (markdown; `{{ doc('name') }}` when the repo keeps it in a docs block).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Glossary terms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<String>,
    /// Other custom metadata (`config.meta`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub meta: Map<String, Value>,
}

impl Annotation {
    /// An empty annotation of `target` (and `column`).
    pub fn new(target: Target, column: Option<&str>) -> Annotation {
        Annotation {
            target,
            column: column.map(str::to_string),
            description: None,
            owner: None,
            tags: vec![],
            terms: vec![],
            meta: Map::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.description.is_none()
            && self.owner.is_none()
            && self.tags.is_empty()
            && self.terms.is_empty()
            && self.meta.is_empty()
    }
}

/// A catalog vendor's objects: the state file's `annotations:`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// The annotations, at most one per resource or column.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

/// A change the vendor makes to its annotations because the repo changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum CatalogChange {
    /// An annotation is new or changed: it replaces the vendor's one of the same target and
    /// column.
    Set {
        /// The annotation as the repo has it now.
        annotation: Box<Annotation>,
        /// The fields that changed (`description`, `owner`, `tags`, `terms`, `meta`).
        fields: Vec<String>,
    },
    /// Nothing is annotated there any more (or the resource is gone).
    Removed {
        /// The resource.
        target: Target,
        /// The column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        column: Option<String>,
    },
}

/// An annotation that cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("annotation of {target}: {reason}")]
pub struct CatalogError {
    /// The resource (and column).
    pub target: String,
    /// Why.
    pub reason: String,
}

/// The key under which the glossary terms live in `meta`.
pub(crate) const TERMS_KEY: &str = "glossary_terms";

impl Catalog {
    /// Applies changes from [`Catalog::changes`]: what a vendor does with them.
    pub fn apply(&mut self, changes: &[CatalogChange]) {
        for change in changes {
            match change {
                CatalogChange::Removed { target, column } => self
                    .annotations
                    .retain(|a| !(&a.target == target && &a.column == column)),
                CatalogChange::Set { .. } => {}
            }
        }
        for change in changes {
            if let CatalogChange::Set { annotation, .. } = change {
                match self
                    .annotations
                    .iter_mut()
                    .find(|a| a.target == annotation.target && a.column == annotation.column)
                {
                    Some(a) => *a = (**annotation).clone(),
                    None => self.annotations.push((**annotation).clone()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read::read_holder;
    use super::write::write_holder;
    use super::*;
    use crate::mapping::RepoView;
    use serde_json::json;

    #[test]
    fn annotations_read_owner_terms_meta_and_tags() {
        let target = Target::new(CatalogKind::Model, "orders");
        let holder = json!({
            "name": "orders",
            "description": "{{ doc('orders') }}",
            "config": {"meta": {"owner": "@finance", "tier": "gold", "glossary_terms": ["Order"]},
                       "tags": ["finance"]}
        });
        let a = read_holder(&target, None, &holder);
        assert_eq!(a.description.as_deref(), Some("{{ doc('orders') }}"));
        assert_eq!(a.owner.as_ref().unwrap().name.as_deref(), Some("@finance"));
        assert_eq!(a.terms, ["Order"]);
        assert_eq!(a.meta, json!({"tier": "gold"}).as_object().unwrap().clone());
        assert_eq!(a.tags, ["finance"]);
        let group = json!({"name": "marketing", "owner": {"name": "Marketing", "email": ["a@x.com", "b@x.com"]}});
        let g = read_holder(&Target::new(CatalogKind::Group, "marketing"), None, &group);
        assert_eq!(g.owner.unwrap().email, ["a@x.com", "b@x.com"]);
    }

    #[test]
    fn written_where_the_repo_keeps_it() {
        let view = RepoView::default();
        let mut a = Annotation::new(Target::new(CatalogKind::Model, "orders"), None);
        a.owner = Some(Owner {
            name: Some("@growth".into()),
            email: vec![],
        });
        a.tags = vec!["pii".into()];
        let mut out = Map::new();
        write_holder(
            &a,
            Some(&json!({"name": "orders", "meta": {"x": 1}})),
            &view,
            &mut out,
        );
        assert_eq!(
            Value::Object(out),
            json!({"meta": {"owner": "@growth"}, "config": {"tags": ["pii"]}})
        );
    }
}
