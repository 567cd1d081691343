//! Resource states → annotations; the session's vendor changes → changes of the vendor's
//! annotations.

use interop_sync::plan::ResourceState;
use serde_json::{Map, Value};

use super::write::object_id;
use super::{Annotation, Catalog, CatalogChange, Owner, TERMS_KEY, Target};
use crate::mapping::{RepoView, from_repo_text, text_of, with_repo_fields};
use crate::session::VendorChange;

/// The meta of an entry: top-level `meta`, then `config.meta` over it.
pub(super) fn meta_of(holder: &Value) -> Map<String, Value> {
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
pub(super) fn read_holder(target: &Target, column: Option<&str>, holder: &Value) -> Annotation {
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

impl Catalog {
    /// What the vendor should change in its annotations for the session's vendor changes
    /// (from `pull` or a plan).
    pub fn changes(&self, changes: &[VendorChange], view: &RepoView) -> Vec<CatalogChange> {
        let mut out = Vec::new();
        // The vendor's own states, mapped once for all the updates.
        let mine: std::cell::OnceCell<Vec<crate::Desired>> = std::cell::OnceCell::new();
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
                    fields,
                } => {
                    // Only what the repo changed comes from the repo: a change the vendor
                    // proposed that the customer has not merged yet stays the vendor's.
                    let mine = mine
                        .get_or_init(|| self.to_desired(view).unwrap_or_default())
                        .iter()
                        .find(|d| d.id == *id && d.state.kind == state.kind);
                    let patched;
                    let state = match mine {
                        Some(mine) => {
                            patched = ResourceState {
                                value: with_repo_fields(&mine.state.value, &state.value, fields),
                                ..state.clone()
                            };
                            &patched
                        }
                        None => state,
                    };
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
