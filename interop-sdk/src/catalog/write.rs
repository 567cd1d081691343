//! Annotations → desired resources.

use std::collections::BTreeMap;

use interop_sync::plan::ResourceState;
use serde_json::{Map, Value, json};

use super::read::{meta_of, read_holder};
use super::{Annotation, Catalog, CatalogError, CatalogKind, Owner, TERMS_KEY, Target};
use crate::mapping::{RepoView, from_repo_text, repo_text, text_of};
use crate::session::Desired;

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
pub(super) fn write_holder(
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
}

/// The id of an annotated resource's desired object.
pub(super) fn object_id(view: &RepoView, target: &Target, unique_id: &str) -> String {
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
