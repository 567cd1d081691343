//! Reverse ETL: syncs of a model's rows to a destination (a CRM object, an ad audience) ↔
//! exposures of type `application`.
//!
//! A [`Sync`] becomes one exposure named after it:
//!
//! ```yaml
//! exposures:
//!   - name: crm_contacts
//!     label: CRM contacts
//!     type: application
//!     description: Pushes customers to the CRM every hour.
//!     depends_on:
//!       - ref('dim_customers')
//!     owner:
//!       name: Growth Engineering
//!       email: growth@shop.example.com
//!     config:
//!       meta:
//!         destination: salesforce.Contact
//!         field_mapping:
//!           - {column: customer_id, field: External_Id__c}
//!         schedule: "0 * * * *"
//! ```
//!
//! The destination, the field mapping and the schedule live under `config.meta`; other meta
//! keys the customer adds there are kept. A sync with `post_hook` set (and only then) also
//! puts that statement in the model's `config.post_hook` (object id `post_hook:<model>`;
//! several syncs of one model share the model's list, in the order of the syncs).
//!
//! The session's scope ([`crate::Scope::reverse_etl`]) lets the tool create, change and remove
//! exposures, and set the post-hooks of existing models: it never creates a model and never
//! writes a model's SQL. Every `type: application` exposure in the repo reads back as a sync,
//! including one written by hand.

use std::collections::BTreeMap;

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::bi::Owner;
use crate::mapping::{RepoView, bound_id, states_after, text_of};
use crate::session::{Desired, VendorChange};

/// The prefix of the object id of a model's post-hooks.
pub const POST_HOOK_PREFIX: &str = "post_hook:";

/// One column of the model and the destination field it fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMap {
    /// The model's column.
    pub column: String,
    /// The destination's field.
    pub field: String,
}

/// A sync of one model to one destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sync {
    /// The vendor's id.
    pub id: String,
    /// Its dbt name (the exposure's; lower case, digits, `_`).
    pub name: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The model whose rows it sends.
    pub model: String,
    /// Where the rows go (`salesforce.Contact`, `hubspot.companies`).
    pub destination: String,
    /// Which column fills which field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mapping: Vec<FieldMap>,
    /// Who owns it (dbt requires a name or an email).
    pub owner: Owner,
    /// When it runs (cron).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Where it is in the tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A statement to run after each build of the model (`grant select on {{ this }} to role
    /// census`); only when the tool asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_hook: Option<String>,
}

/// A reverse-ETL tool's objects: the state file's `syncs:`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReverseEtl {
    /// The syncs.
    #[serde(default)]
    pub syncs: Vec<Sync>,
}

/// A sync that cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sync {id}: {reason}")]
pub struct ReverseEtlError {
    /// The sync's id.
    pub id: String,
    /// Why.
    pub reason: String,
}

fn valid_name(name: &str) -> bool {
    crate::mapping::is_dbt_name(name)
}

impl ReverseEtl {
    /// The desired resources in the repo `view` describes: one exposure per sync, one
    /// post-hook list per model a sync asks a hook for, and an empty list for a model whose
    /// hooks the sync state binds but no sync asks for any more.
    pub fn to_desired(&self, view: &RepoView) -> Result<Vec<Desired>, ReverseEtlError> {
        let mut out = Vec::new();
        let mut hooks: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for s in &self.syncs {
            let bad = |reason: &str| ReverseEtlError {
                id: s.id.clone(),
                reason: reason.into(),
            };
            if !valid_name(&s.name) {
                return Err(bad("the name is lower-case letters, digits and _"));
            }
            if s.owner.name.is_none() && s.owner.email.is_none() {
                return Err(bad("a sync needs an owner (name or email)"));
            }
            if out.iter().any(|d: &Desired| d.id == s.id) {
                return Err(bad("the id is used twice"));
            }
            // The exposure would ref a model dbt cannot find; the tool may not make one up.
            if !view.models.contains(&s.model) {
                return Err(bad(&format!(
                    "no model '{}' in the repo to sync from (or it is disabled)",
                    s.model
                )));
            }
            out.push(Desired {
                id: s.id.clone(),
                state: ResourceState {
                    kind: ResourceKind::Exposure,
                    name: s.name.clone(),
                    value: exposure(s, view),
                    file: None,
                },
            });
            if let Some(hook) = &s.post_hook {
                hooks.entry(&s.model).or_default().push(hook);
            }
        }
        for (model, list) in &hooks {
            let uid = format!("model.{}.{model}", view.project);
            if !view.states.contains_key(&uid) {
                return Err(ReverseEtlError {
                    id: format!("{POST_HOOK_PREFIX}{model}"),
                    reason: format!("no model '{model}' in the repo for the post-hook"),
                });
            }
            let hook: Value = match list.as_slice() {
                [one] => json!(one),
                many => json!(many),
            };
            out.push(hook_desired(view, model, Some(hook)));
        }
        for (id, uid) in &view.bound {
            let Some(model) = id.strip_prefix(POST_HOOK_PREFIX) else {
                continue;
            };
            if !hooks.contains_key(model) && view.states.contains_key(uid) {
                out.push(hook_desired(view, model, None));
            }
        }
        Ok(out)
    }

    /// The syncs `states` hold (ids and states as [`ReverseEtl::to_desired`] gives them or
    /// the session reports them): every `type: application` exposure, with the post-hooks of
    /// its model.
    pub fn from_states(states: &[(String, ResourceState)]) -> ReverseEtl {
        let mut hooks: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (_, s) in states {
            if s.kind != ResourceKind::Model {
                continue;
            }
            let list = match s.value.get("config").and_then(|c| c.get("post_hook")) {
                Some(Value::String(h)) => vec![h.clone()],
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
                _ => continue,
            };
            hooks.insert(s.name.clone(), list);
        }
        let mut syncs = Vec::new();
        for (id, s) in states {
            if s.kind != ResourceKind::Exposure
                || s.value.get("type").and_then(Value::as_str) != Some("application")
            {
                continue;
            }
            syncs.push(read_sync(id, s));
        }
        // A model's hooks go to its syncs in order, one each.
        for (model, list) in hooks {
            let mut list = list.into_iter();
            for s in syncs.iter_mut().filter(|s| s.model == model) {
                s.post_hook = list.next();
            }
        }
        // Syncs that asked for no hook are read back without one.
        ReverseEtl { syncs }
    }

    /// The syncs after the repo's changes (a pull's or a plan's vendor changes).
    pub fn apply_changes(
        &self,
        view: &RepoView,
        changes: &[VendorChange],
    ) -> Result<ReverseEtl, ReverseEtlError> {
        let mut out = ReverseEtl::from_states(&states_after(self.to_desired(view)?, changes));
        // A model's hooks go first to the syncs that asked for one.
        let models: Vec<String> = out.syncs.iter().map(|s| s.model.clone()).collect();
        for model in models {
            let on_model: Vec<usize> = (0..out.syncs.len())
                .filter(|&i| out.syncs[i].model == model)
                .collect();
            let mut hooks: Vec<String> = on_model
                .iter()
                .filter_map(|&i| out.syncs[i].post_hook.take())
                .collect();
            hooks.reverse();
            let asked = |i: &usize| {
                self.syncs
                    .iter()
                    .any(|m| m.id == out.syncs[*i].id && m.post_hook.is_some())
            };
            let known = |i: &usize| self.syncs.iter().any(|m| m.id == out.syncs[*i].id);
            let order: Vec<usize> = on_model
                .iter()
                .copied()
                .filter(asked)
                .chain(on_model.iter().copied().filter(|i| !known(i)))
                .collect();
            for i in order {
                out.syncs[i].post_hook = hooks.pop();
            }
        }
        Ok(out)
    }
}

/// The syncs the repo holds (every application exposure), under the ids the sync state
/// binds.
pub fn synced(view: &RepoView) -> ReverseEtl {
    ReverseEtl::from_states(&crate::mapping::view_states(
        view,
        &crate::Scope::reverse_etl(),
    ))
}

fn hook_desired(view: &RepoView, model: &str, hook: Option<Value>) -> Desired {
    let uid = format!("model.{}.{model}", view.project);
    let mut value = Map::new();
    value.insert("name".into(), json!(model));
    if let Some(h) = hook {
        value.insert("config".into(), json!({"post_hook": h}));
    }
    Desired {
        id: bound_id(view, &uid, &format!("{POST_HOOK_PREFIX}{model}")),
        state: ResourceState {
            kind: ResourceKind::Model,
            name: model.to_string(),
            value: Value::Object(value),
            file: None,
        },
    }
}

fn exposure(s: &Sync, view: &RepoView) -> Value {
    let current = view
        .find(ResourceKind::Exposure, None, &s.name)
        .map(|(_, st)| &st.value);
    let mut v = Map::new();
    v.insert("name".into(), json!(s.name));
    if let Some(l) = &s.label {
        v.insert("label".into(), json!(l));
    }
    v.insert("type".into(), json!("application"));
    // A maturity the customer set stays.
    if let Some(m) = current.and_then(|c| c.get("maturity")) {
        v.insert("maturity".into(), m.clone());
    }
    if let Some(u) = &s.url {
        v.insert("url".into(), json!(u));
    }
    if let Some(d) = &s.description {
        v.insert("description".into(), json!(d));
    }
    // The model as the repo refers to it when it means the same (`ref('dim_customers', v=2)`
    // stays), else `ref('<model>')`; other inputs the customer listed stay after it.
    let mut deps = vec![json!(format!("ref('{}')", s.model))];
    if let Some(list) = current
        .and_then(|c| c.get("depends_on"))
        .and_then(Value::as_array)
    {
        let mine = list
            .iter()
            .position(|d| d.as_str().and_then(ref_model).as_deref() == Some(&s.model));
        if let Some(i) = mine {
            deps[0] = list[i].clone();
        }
        for (j, d) in list.iter().enumerate() {
            if Some(j) != mine && d.as_str().and_then(ref_model).is_none() {
                deps.push(d.clone());
            }
        }
    }
    v.insert("depends_on".into(), Value::Array(deps));
    v.insert(
        "owner".into(),
        serde_json::to_value(&s.owner).unwrap_or_default(),
    );
    let mut meta = current
        .and_then(|c| c.get("config"))
        .and_then(|c| c.get("meta"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if s.destination.is_empty() {
        meta.shift_remove("destination");
    } else {
        meta.insert("destination".into(), json!(s.destination));
    }
    if s.mapping.is_empty() {
        meta.shift_remove("field_mapping");
    } else {
        meta.insert(
            "field_mapping".into(),
            serde_json::to_value(&s.mapping).unwrap_or_default(),
        );
    }
    match &s.schedule {
        Some(c) => meta.insert("schedule".into(), json!(c)),
        None => meta.shift_remove("schedule"),
    };
    let mut config = current
        .and_then(|c| c.get("config"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if meta.is_empty() {
        config.shift_remove("meta");
    } else {
        config.insert("meta".into(), Value::Object(meta));
    }
    if !config.is_empty() {
        v.insert("config".into(), Value::Object(config));
    }
    Value::Object(v)
}

/// The model a `ref('name')` / `ref("name", v=2)` dependency names.
fn ref_model(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix("ref(")?.strip_suffix(')')?;
    let first = inner.split(',').next()?.trim();
    Some(first.trim_matches(|c| c == '\'' || c == '"').to_string())
}

/// The field mapping as the repo keeps it (`config.meta.field_mapping`): each entry's column
/// and field, whatever else the customer noted beside them.
fn field_mapping(value: Option<&Value>) -> Vec<FieldMap> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| {
            Some(FieldMap {
                column: text_of(m, "column")?,
                field: text_of(m, "field")?,
            })
        })
        .collect()
}

fn read_sync(id: &str, s: &ResourceState) -> Sync {
    let v = &s.value;
    let meta = v
        .get("config")
        .and_then(|c| c.get("meta"))
        .cloned()
        .unwrap_or_default();
    let model = v
        .get("depends_on")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|d| d.as_str().and_then(ref_model))
        .unwrap_or_default();
    let owner = v.get("owner");
    Sync {
        id: id.to_string(),
        name: s.name.clone(),
        label: text_of(v, "label"),
        description: text_of(v, "description"),
        model,
        destination: text_of(&meta, "destination").unwrap_or_default(),
        mapping: field_mapping(meta.get("field_mapping")),
        owner: Owner {
            name: owner.and_then(|o| text_of(o, "name")),
            email: owner.and_then(|o| text_of(o, "email")),
        },
        schedule: text_of(&meta, "schedule"),
        url: text_of(v, "url"),
        post_hook: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_name_their_model() {
        assert_eq!(ref_model("ref('orders')").as_deref(), Some("orders"));
        assert_eq!(
            ref_model("ref('dim_customers', v=2)").as_deref(),
            Some("dim_customers")
        );
        assert_eq!(ref_model("source('a', 'b')"), None);
    }
}
