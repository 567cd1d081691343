//! Vendor objects as scenarios write them, and their conversion to what the SDK syncs.
//!
//! Today a scenario writes objects in the generic form the CLI's state file uses:
//! `{id, kind, name, value, file?}` — the vendor's id and the dbt resource it maps to (`value`
//! is the YAML entry as JSON; `sql` inside it for SQL files). Every adapter receives objects
//! exactly as the scenario wrote them and answers `list` in the same form.
//!
//! **Category objects.** When a category module of the SDK lands (`interop_sdk::bi`, ...), a
//! scenario may write that category's own object instead: `{id, category: bi, metric: {...}}`.
//! Adding one is a variant of [`ObjectSpec`] plus one conversion function in this module
//! (`ObjectSpec::to_desired` calls it); the scenarios, the protocol and the runner stay as they
//! are, because they carry objects as JSON and compare them by the keys a scenario gives.

use interop_sdk::Desired;
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The generic form: a vendor id and the resource it maps to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericObject {
    /// The vendor's id (stable across renames).
    pub id: String,
    /// The dbt resource kind (`metric`, `model`, `source`, `semantic_model` ...).
    pub kind: ResourceKind,
    /// The dbt name.
    pub name: String,
    /// The YAML entry as JSON (`name` may be left out: it is set from `name`).
    #[serde(default)]
    pub value: Value,
    /// The properties (or SQL) file it belongs in; absent: the repo's convention decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// An object as a scenario (or an adapter's `list`) writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ObjectSpec {
    /// `{id, kind, name, value, file?}`.
    Generic(GenericObject),
}

/// Why an object could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("object {id}: {message}")]
pub struct ObjectError {
    /// The object's id (or `?`).
    pub id: String,
    /// What is wrong.
    pub message: String,
}

impl ObjectSpec {
    /// Reads an object from its JSON.
    pub fn from_json(value: &Value) -> Result<ObjectSpec, ObjectError> {
        let id = value
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        if let Some(category) = value.get("category") {
            return Err(ObjectError {
                id,
                message: format!(
                    "category objects ({category}) are read once that category's SDK module has a conversion in conformance/src/object.rs; write the generic form {{id, kind, name, value, file?}}"
                ),
            });
        }
        serde_json::from_value(value.clone())
            .map(ObjectSpec::Generic)
            .map_err(|e| ObjectError {
                id,
                message: format!("{e} (the generic form is {{id, kind, name, value, file?}})"),
            })
    }

    /// The vendor's id.
    pub fn id(&self) -> &str {
        match self {
            ObjectSpec::Generic(g) => &g.id,
        }
    }

    /// What the SDK syncs for this object.
    pub fn to_desired(&self) -> Desired {
        match self {
            ObjectSpec::Generic(g) => generic_to_desired(g),
        }
    }

    /// The object back from what the SDK reports (a vendor change's state), in the same form
    /// as `self` (for a category object: through that category's reverse mapping).
    pub fn with_state(&self, state: &ResourceState) -> ObjectSpec {
        match self {
            ObjectSpec::Generic(g) => ObjectSpec::Generic(GenericObject {
                id: g.id.clone(),
                kind: state.kind,
                name: state.name.clone(),
                value: state.value.clone(),
                file: state.file.clone(),
            }),
        }
    }

    /// A new object from a resource the repo has and the vendor does not.
    pub fn from_state(id: &str, state: &ResourceState) -> ObjectSpec {
        ObjectSpec::Generic(GenericObject {
            id: id.to_string(),
            kind: state.kind,
            name: state.name.clone(),
            value: state.value.clone(),
            file: state.file.clone(),
        })
    }

    /// The object as JSON (the form `list` answers with).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The generic form's conversion: `value.name` is set from `name`.
fn generic_to_desired(g: &GenericObject) -> Desired {
    let mut value = match &g.value {
        Value::Object(map) => Value::Object(map.clone()),
        _ => Value::Object(Default::default()),
    };
    // `name` first, as the reader gives it.
    if let Value::Object(map) = &mut value {
        map.shift_remove("name");
        let mut with_name = serde_json::Map::new();
        with_name.insert("name".into(), Value::String(g.name.clone()));
        with_name.append(map);
        *map = with_name;
    }
    Desired {
        id: g.id.clone(),
        state: ResourceState {
            kind: g.kind,
            name: g.name.clone(),
            value,
            file: g.file.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generic_objects_become_desired_states_with_the_name_first() {
        let spec = ObjectSpec::from_json(&json!({
            "id": "bi-1", "kind": "metric", "name": "arpu",
            "value": {"label": "ARPU", "type": "simple"}, "file": "models/_metrics.yml"
        }))
        .unwrap();
        let d = spec.to_desired();
        assert_eq!(d.id, "bi-1");
        assert_eq!(d.state.kind, ResourceKind::Metric);
        assert_eq!(
            serde_json::to_string(&d.state.value).unwrap(),
            r#"{"name":"arpu","label":"ARPU","type":"simple"}"#
        );
        assert_eq!(d.state.file.as_deref(), Some("models/_metrics.yml"));
    }

    #[test]
    fn unknown_keys_and_category_objects_are_named() {
        let e =
            ObjectSpec::from_json(&json!({"id": "x", "kind": "metric", "name": "a", "vlaue": {}}))
                .unwrap_err();
        assert!(e.to_string().contains("vlaue"), "{e}");
        let e =
            ObjectSpec::from_json(&json!({"id": "x", "category": "bi", "metric": {}})).unwrap_err();
        assert!(e.to_string().contains("conformance/src/object.rs"), "{e}");
    }
}
