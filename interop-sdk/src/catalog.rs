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

use std::collections::BTreeMap;

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::mapping::{RepoView, from_repo_text, repo_text, text_of};
use crate::session::{Desired, VendorChange};

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
const TERMS_KEY: &str = "glossary_terms";

/// Where an entry keeps its meta and tags: `config.meta` (current dbt) or top-level `meta`.
fn meta_at_top(holder: Option<&Value>, view: &RepoView) -> bool {
    match holder {
        Some(h) if h.get("meta").is_some() => true,
        Some(h) if h.get("config").and_then(|c| c.get("meta")).is_some() => false,
        _ => !view.version().meta_under_config(),
    }
}

fn tags_at_top(holder: Option<&Value>, view: &RepoView) -> bool {
    match holder {
        Some(h) if h.get("tags").is_some() => true,
        Some(h) if h.get("config").and_then(|c| c.get("tags")).is_some() => false,
        _ => !view.version().meta_under_config(),
    }
}

/// The meta of an entry: top-level `meta`, then `config.meta` over it.
fn meta_of(holder: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for m in [
        holder.get("meta"),
        holder.get("config").and_then(|c| c.get("meta")),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(m) = m.as_object() {
            out.extend(m.clone());
        }
    }
    out
}

fn tags_of(holder: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in [
        holder.get("tags"),
        holder.get("config").and_then(|c| c.get("tags")),
    ]
    .into_iter()
    .flatten()
    {
        match t {
            Value::String(s) => out.push(s.clone()),
            Value::Array(items) => {
                out.extend(items.iter().filter_map(|i| i.as_str().map(String::from)))
            }
            _ => {}
        }
    }
    out.dedup();
    out
}

fn owner_of_value(v: &Value) -> Option<Owner> {
    match v {
        Value::String(s) if s.contains('@') && !s.contains(' ') && !s.starts_with('@') => {
            Some(Owner {
                name: None,
                email: vec![s.clone()],
            })
        }
        Value::String(s) => Some(Owner {
            name: Some(from_repo_text(s)),
            email: vec![],
        }),
        Value::Object(map) => {
            let email = match map.get("email") {
                Some(Value::String(e)) => vec![e.clone()],
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect(),
                _ => vec![],
            };
            Some(Owner {
                name: map.get("name").and_then(Value::as_str).map(from_repo_text),
                email,
            })
        }
        _ => None,
    }
}

/// The annotation a holder (an entry or a column) means.
fn read_holder(target: &Target, column: Option<&str>, holder: &Value) -> Annotation {
    let mut a = Annotation::new(target.clone(), column);
    a.description = text_of(holder, "description").map(|d| from_repo_text(&d));
    let mut meta = meta_of(holder);
    if column.is_none() && target.kind.has_owner_property() {
        a.owner = holder.get("owner").and_then(owner_of_value);
    } else if let Some(owner) = meta.shift_remove("owner") {
        match owner_of_value(&owner) {
            Some(o) => a.owner = Some(o),
            None => {
                meta.insert("owner".into(), owner);
            }
        }
    }
    if let Some(Value::Array(terms)) = meta.get(TERMS_KEY)
        && terms.iter().all(Value::is_string)
    {
        a.terms = terms
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect();
        meta.shift_remove(TERMS_KEY);
    }
    a.meta = meta;
    a.tags = tags_of(holder);
    a
}

/// The annotations a resource state holds: the resource's and each annotated column's.
fn of_state(uid: &str, state: &ResourceState) -> Vec<Annotation> {
    // A versioned model's versions share one name: not mapped (yet).
    if crate::mapping::is_versioned(uid) {
        return vec![];
    }
    let Some(target) = Target::from_unique_id(uid).filter(|t| t.kind.resource_kind() == state.kind)
    else {
        return vec![];
    };
    let mut out = Vec::new();
    let top = read_holder(&target, None, &state.value);
    if !top.is_empty() {
        out.push(top);
    }
    for column in state
        .value
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = text_of(column, "name") {
            let a = read_holder(&target, Some(&name), column);
            if !a.is_empty() {
                out.push(a);
            }
        }
    }
    out
}

/// Every annotation the repo `view` describes (its resources in the catalog's scope).
pub fn annotated(view: &RepoView) -> Catalog {
    Catalog {
        annotations: view
            .states
            .iter()
            .flat_map(|(uid, s)| of_state(uid, s))
            .collect(),
    }
}

/// Sets `value` at the dotted `path` under `map`, creating objects on the way.
fn put(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert((*last).to_string(), value);
        }
        [first, rest @ ..] => {
            let inner = map.entry((*first).to_string()).or_insert_with(|| json!({}));
            if !inner.is_object() {
                *inner = json!({});
            }
            if let Value::Object(m) = inner {
                put(m, rest, value);
            }
        }
    }
}

/// An owner as written: `owner: {name, email}` for exposures and groups, else a name or an
/// email for `meta.owner` (both: a mapping).
fn owner_value(o: &Owner, owner_property: bool) -> Value {
    let email = match o.email.as_slice() {
        [] => None,
        [one] => Some(json!(one)),
        many => Some(json!(many)),
    };
    match (&o.name, email) {
        (Some(n), None) if !owner_property => json!(repo_text(n, None)),
        (None, Some(e)) if !owner_property => e,
        (name, email) => {
            let mut m = Map::new();
            if let Some(n) = name {
                m.insert("name".into(), json!(repo_text(n, None)));
            }
            if let Some(e) = email {
                m.insert("email".into(), e);
            }
            Value::Object(m)
        }
    }
}

/// The desired fields of one holder for an annotation, written where the repo keeps them and
/// as the repo writes them when they mean the same.
fn write_holder(
    a: &Annotation,
    holder: Option<&Value>,
    view: &RepoView,
    out: &mut Map<String, Value>,
) {
    let current = holder.map(|h| read_holder(&a.target, a.column.as_deref(), h));
    if let Some(d) = &a.description {
        let raw = holder
            .and_then(|h| h.get("description"))
            .and_then(Value::as_str);
        out.insert("description".into(), json!(repo_text(d, raw)));
    }
    let owner_property = a.column.is_none() && a.target.kind.has_owner_property();
    let mut meta = a.meta.clone();
    if let Some(o) = &a.owner {
        let same = current.as_ref().and_then(|c| c.owner.as_ref()) == Some(o);
        let existing = if owner_property {
            holder.and_then(|h| h.get("owner")).cloned()
        } else {
            holder.map(meta_of).and_then(|m| m.get("owner").cloned())
        };
        let written = match existing {
            Some(raw) if same => raw,
            _ => owner_value(o, owner_property),
        };
        if owner_property {
            out.insert("owner".into(), written);
        } else {
            meta.insert("owner".into(), written);
        }
    }
    if !a.terms.is_empty() {
        meta.insert(TERMS_KEY.into(), json!(a.terms));
    }
    // Meta values the repo holds as they are; new text escaped.
    let repo_meta = holder.map(meta_of).unwrap_or_default();
    for (k, v) in meta.iter_mut() {
        if k == "owner" {
            continue;
        }
        let raw = repo_meta.get(k);
        let same = raw.is_some_and(|r| {
            r == v || matches!((r, &*v), (Value::String(r), Value::String(t)) if from_repo_text(r) == *t)
        });
        match (raw, &*v) {
            (Some(r), _) if same => *v = r.clone(),
            (_, Value::String(t)) => *v = json!(repo_text(t, None)),
            _ => {}
        }
    }
    if !meta.is_empty() {
        let path: &[&str] = if meta_at_top(holder, view) {
            &["meta"]
        } else {
            &["config", "meta"]
        };
        put(out, path, Value::Object(meta));
    }
    if !a.tags.is_empty() {
        let same = current.as_ref().is_some_and(|c| c.tags == a.tags);
        let raw = holder.and_then(|h| {
            h.get("tags")
                .or_else(|| h.get("config").and_then(|c| c.get("tags")))
        });
        let value = match (same, raw) {
            (true, Some(raw)) => raw.clone(),
            _ => json!(a.tags),
        };
        let path: &[&str] = if tags_at_top(holder, view) {
            &["tags"]
        } else {
            &["config", "tags"]
        };
        put(out, path, value);
    }
}

impl Catalog {
    /// The desired resources for these annotations in the repo `view` describes: one per
    /// annotated resource, and one for each resource the sync state binds whose annotations
    /// are all gone (so that what the vendor removed is removed).
    pub fn to_desired(&self, view: &RepoView) -> Result<Vec<Desired>, CatalogError> {
        let mut groups: BTreeMap<Target, Vec<&Annotation>> = BTreeMap::new();
        for a in &self.annotations {
            let list = groups.entry(a.target.clone()).or_default();
            if list.iter().any(|b| b.column == a.column) {
                return Err(CatalogError {
                    target: format!(
                        "{}{}",
                        a.target.object_id(),
                        a.column
                            .as_deref()
                            .map(|c| format!(".{c}"))
                            .unwrap_or_default()
                    ),
                    reason: "annotated twice".into(),
                });
            }
            if a.target.kind == CatalogKind::Doc
                && (a.column.is_some()
                    || a.owner.is_some()
                    || !a.tags.is_empty()
                    || !a.terms.is_empty()
                    || !a.meta.is_empty())
            {
                return Err(CatalogError {
                    target: a.target.object_id(),
                    reason: "a docs block has a text (its description) and nothing else".into(),
                });
            }
            if a.column.is_some() && a.owner.is_some() && a.target.kind.has_owner_property() {
                return Err(CatalogError {
                    target: a.target.object_id(),
                    reason: "columns of exposures and groups have no owner".into(),
                });
            }
            list.push(a);
        }
        let mut out = Vec::new();
        let mut used = std::collections::BTreeSet::new();
        for (target, list) in &groups {
            let uid = target.unique_id(&view.project);
            let id = object_id(view, target, &uid);
            used.insert(id.clone());
            let repo = view.states.get(&uid).map(|s| &s.value);
            out.push(Desired {
                id,
                state: ResourceState {
                    kind: target.kind.resource_kind(),
                    name: target.name.clone(),
                    value: group_value(target, list, repo, view),
                    file: None,
                },
            });
        }
        for (id, uid) in &view.bound {
            let Some(target) = Target::from_unique_id(uid) else {
                continue;
            };
            if used.contains(id) || groups.contains_key(&target) {
                continue;
            }
            if let Some(state) = view.states.get(uid) {
                out.push(Desired {
                    id: id.clone(),
                    state: ResourceState {
                        kind: state.kind,
                        name: state.name.clone(),
                        value: group_value(&target, &[], Some(&state.value), view),
                        file: None,
                    },
                });
            }
        }
        Ok(out)
    }

    /// What the vendor should change in its annotations for the session's vendor changes
    /// (from `pull` or a plan).
    pub fn changes(&self, changes: &[VendorChange], view: &RepoView) -> Vec<CatalogChange> {
        let mut out = Vec::new();
        for change in changes {
            match change {
                VendorChange::Created {
                    unique_id, state, ..
                } => {
                    let found = of_state(unique_id, state);
                    let Some(target) = Target::from_unique_id(unique_id) else {
                        continue;
                    };
                    self.compare(&target, &target, found, &mut out);
                }
                VendorChange::Updated {
                    id,
                    unique_id,
                    state,
                    ..
                } => {
                    let Some(new) = Target::from_unique_id(unique_id) else {
                        continue;
                    };
                    let old = self
                        .annotations
                        .iter()
                        .map(|a| &a.target)
                        .find(|t| object_id(view, t, &t.unique_id(&view.project)) == *id)
                        .cloned()
                        .unwrap_or_else(|| new.clone());
                    self.compare(&old, &new, of_state(unique_id, state), &mut out);
                }
                VendorChange::Deleted { id, .. } => {
                    for a in self.annotations.iter().filter(|a| {
                        object_id(view, &a.target, &a.target.unique_id(&view.project)) == *id
                    }) {
                        out.push(CatalogChange::Removed {
                            target: a.target.clone(),
                            column: a.column.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    fn compare(
        &self,
        old: &Target,
        new: &Target,
        found: Vec<Annotation>,
        out: &mut Vec<CatalogChange>,
    ) {
        let mine: Vec<&Annotation> = self
            .annotations
            .iter()
            .filter(|a| &a.target == old)
            .collect();
        for a in &found {
            let before = mine.iter().find(|m| m.column == a.column);
            let fields = match before {
                Some(b) if old == new && *b == a => continue,
                Some(b) => changed_fields(b, a),
                None => changed_fields(&Annotation::new(a.target.clone(), None), a),
            };
            out.push(CatalogChange::Set {
                annotation: Box::new(a.clone()),
                fields,
            });
        }
        for m in mine {
            let gone = old != new || !found.iter().any(|a| a.column == m.column);
            if gone {
                out.push(CatalogChange::Removed {
                    target: m.target.clone(),
                    column: m.column.clone(),
                });
            }
        }
    }

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

fn changed_fields(a: &Annotation, b: &Annotation) -> Vec<String> {
    let mut out = Vec::new();
    if a.target != b.target {
        out.push("target".into());
    }
    if a.description != b.description {
        out.push("description".into());
    }
    if a.owner != b.owner {
        out.push("owner".into());
    }
    if a.tags != b.tags {
        out.push("tags".into());
    }
    if a.terms != b.terms {
        out.push("terms".into());
    }
    if a.meta != b.meta {
        out.push("meta".into());
    }
    out
}

/// The id of an annotated resource's desired object.
fn object_id(view: &RepoView, target: &Target, unique_id: &str) -> String {
    view.bound
        .iter()
        .find(|(_, uid)| *uid == unique_id)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| target.object_id())
}

/// The desired value of one annotated resource: its own fields, then every column the repo
/// annotates (by name at least, so that a removed annotation is removed and not the column)
/// and the vendor's annotated columns.
fn group_value(
    target: &Target,
    annotations: &[&Annotation],
    repo: Option<&Value>,
    view: &RepoView,
) -> Value {
    let mut value = Map::new();
    value.insert("name".into(), json!(target.name));
    if let Some(a) = annotations.iter().find(|a| a.column.is_none()) {
        write_holder(a, repo, view, &mut value);
    }
    let repo_columns: Vec<&Value> = repo
        .and_then(|r| r.get("columns"))
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let mut names: Vec<String> = repo_columns
        .iter()
        .filter_map(|c| {
            let name = text_of(c, "name")?;
            (!read_holder(target, Some(&name), c).is_empty()).then_some(name)
        })
        .collect();
    for a in annotations {
        if let Some(c) = &a.column
            && !names.contains(c)
        {
            names.push(c.clone());
        }
    }
    let mut columns = Vec::new();
    for name in names {
        let holder = repo_columns
            .iter()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name.as_str()))
            .copied();
        let mut column = Map::new();
        column.insert("name".into(), json!(name));
        if let Some(a) = annotations
            .iter()
            .find(|a| a.column.as_deref() == Some(name.as_str()))
        {
            write_holder(a, holder, view, &mut column);
        }
        columns.push(Value::Object(column));
    }
    if !columns.is_empty() {
        value.insert("columns".into(), Value::Array(columns));
    }
    Value::Object(value)
}

#[cfg(test)]
mod tests {
    use super::*;

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
