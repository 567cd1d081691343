//! Vendor objects as scenarios write them, and their conversion to what the SDK syncs.
//!
//! Two forms travel in `put` and `list`:
//!
//! - the **generic form** of the CLI's state file: `{id, kind, name, value, file?}` — the
//!   vendor's id and the dbt resource it maps to (`value` is the YAML entry as JSON; `sql`
//!   inside it for SQL files);
//! - a **category object**: `{id, category, <type>: {...}}`, the category's own object as the
//!   SDK defines it (`interop_sdk::bi`, `observability`, `catalog`), e.g.
//!   `{id: m-1, category: bi, metric: {name: arpu, type: simple, ...}}`. The types:
//!   - `bi`: `semantic_model`, `metric`, `saved_query`, `dashboard`, `transform`;
//!   - `observability`: `monitor`, `description`;
//!   - `catalog`: `annotation`.
//!
//!   The object's own `id` is the outer `id` (it may be left out inside). The adapter maps
//!   them into the repo itself, the way its tool would: a category object has no single dbt
//!   resource (a metric may land inside a model's entry, a monitor is a test in a column's
//!   list), so [`CategoryObjects`] gathers them and maps them through the SDK's category
//!   mapping with the repo in view.
//!
//! Every adapter receives objects exactly as the scenario wrote them and answers `list` in the
//! same form; the runner compares them by the keys a scenario gives.

use std::collections::BTreeMap;

use interop_sdk::bi::{self, BiObjects, RepoInfo};
use interop_sdk::catalog::{Annotation, Catalog};
use interop_sdk::mapping::RepoView;
use interop_sdk::observability::{self, Monitor, Observability};
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{Desired, SessionError, SyncSession, VendorChange};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

/// A category's own object (the SDK's type), by its type key on the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum CategoryObject {
    /// `bi` / `semantic_model`.
    SemanticModel(bi::SemanticModel),
    /// `bi` / `metric`.
    Metric(bi::Metric),
    /// `bi` / `saved_query`.
    SavedQuery(bi::SavedQuery),
    /// `bi` / `dashboard`.
    Dashboard(bi::Dashboard),
    /// `bi` / `transform`.
    Transform(bi::Transform),
    /// `observability` / `monitor`.
    Monitor(Monitor),
    /// `observability` / `description` (keyed by its target and column, not by an id).
    Description(observability::Description),
    /// `catalog` / `annotation` (keyed by its target and column, not by an id).
    Annotation(Annotation),
}

/// The type keys of category objects and their categories.
pub const CATEGORY_TYPES: [(&str, &str); 8] = [
    ("semantic_model", "bi"),
    ("metric", "bi"),
    ("saved_query", "bi"),
    ("dashboard", "bi"),
    ("transform", "bi"),
    ("monitor", "observability"),
    ("description", "observability"),
    ("annotation", "catalog"),
];

impl CategoryObject {
    /// The type key (`metric`, `monitor` ...).
    pub fn type_key(&self) -> &'static str {
        match self {
            CategoryObject::SemanticModel(_) => "semantic_model",
            CategoryObject::Metric(_) => "metric",
            CategoryObject::SavedQuery(_) => "saved_query",
            CategoryObject::Dashboard(_) => "dashboard",
            CategoryObject::Transform(_) => "transform",
            CategoryObject::Monitor(_) => "monitor",
            CategoryObject::Description(_) => "description",
            CategoryObject::Annotation(_) => "annotation",
        }
    }

    /// The category (`bi`, `observability`, `catalog`).
    pub fn category(&self) -> &'static str {
        let key = self.type_key();
        CATEGORY_TYPES
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("", |(_, c)| c)
    }

    fn payload(&self) -> Value {
        let value = match self {
            CategoryObject::SemanticModel(o) => serde_json::to_value(o),
            CategoryObject::Metric(o) => serde_json::to_value(o),
            CategoryObject::SavedQuery(o) => serde_json::to_value(o),
            CategoryObject::Dashboard(o) => serde_json::to_value(o),
            CategoryObject::Transform(o) => serde_json::to_value(o),
            CategoryObject::Monitor(o) => serde_json::to_value(o),
            CategoryObject::Description(o) => serde_json::to_value(o),
            CategoryObject::Annotation(o) => serde_json::to_value(o),
        };
        let mut value = value.unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.shift_remove("id");
        }
        value
    }

    fn read(key: &str, id: &str, mut payload: Value) -> Result<CategoryObject, String> {
        let with_id = !matches!(key, "description" | "annotation");
        if let Value::Object(map) = &mut payload {
            match map.get("id") {
                Some(inner) if inner.as_str() != Some(id) => {
                    return Err(format!(
                        "the {key}'s own id {inner} differs from the object's id (leave it out)"
                    ));
                }
                Some(_) if !with_id => {
                    map.shift_remove("id");
                }
                None if with_id => {
                    map.insert("id".into(), Value::String(id.to_string()));
                }
                _ => {}
            }
        } else {
            return Err(format!("'{key}' must be a mapping"));
        }
        let e = |e: serde_json::Error| format!("{key}: {e}");
        Ok(match key {
            "semantic_model" => {
                CategoryObject::SemanticModel(serde_json::from_value(payload).map_err(e)?)
            }
            "metric" => CategoryObject::Metric(serde_json::from_value(payload).map_err(e)?),
            "saved_query" => {
                CategoryObject::SavedQuery(serde_json::from_value(payload).map_err(e)?)
            }
            "dashboard" => CategoryObject::Dashboard(serde_json::from_value(payload).map_err(e)?),
            "transform" => CategoryObject::Transform(serde_json::from_value(payload).map_err(e)?),
            "monitor" => CategoryObject::Monitor(serde_json::from_value(payload).map_err(e)?),
            "description" => {
                CategoryObject::Description(serde_json::from_value(payload).map_err(e)?)
            }
            "annotation" => CategoryObject::Annotation(serde_json::from_value(payload).map_err(e)?),
            other => return Err(format!("unknown object type '{other}'")),
        })
    }
}

/// An object as a scenario (or an adapter's `list`) writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectSpec {
    /// `{id, kind, name, value, file?}`.
    Generic(GenericObject),
    /// `{id, category, <type>: {...}}`.
    Category {
        /// The tool's id for the object.
        id: String,
        /// The object.
        object: Box<CategoryObject>,
    },
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
        let fail = |message: String| ObjectError {
            id: id.clone(),
            message,
        };
        if let Some(category) = value.get("category") {
            let Some(map) = value.as_object() else {
                return Err(fail("an object is a mapping".into()));
            };
            let category = category
                .as_str()
                .ok_or_else(|| fail("'category' must be a string".into()))?;
            if value.get("id").and_then(Value::as_str).is_none() {
                return Err(fail("a category object needs a string 'id'".into()));
            }
            let types: Vec<&str> = CATEGORY_TYPES
                .iter()
                .filter(|(_, c)| *c == category)
                .map(|(k, _)| *k)
                .collect();
            if types.is_empty() {
                return Err(fail(format!(
                    "no category objects for '{category}' (bi, observability, catalog; other categories use the generic form {{id, kind, name, value, file?}})"
                )));
            }
            let others: Vec<&String> = map
                .keys()
                .filter(|k| *k != "id" && *k != "category")
                .collect();
            let [key] = others.as_slice() else {
                return Err(fail(format!(
                    "a {category} object has id, category and one of {}; found {others:?}",
                    types.join(", ")
                )));
            };
            if !types.contains(&key.as_str()) {
                return Err(fail(format!(
                    "'{key}' is not a {category} object (one of {})",
                    types.join(", ")
                )));
            }
            let object = CategoryObject::read(key, &id, map[key.as_str()].clone()).map_err(fail)?;
            return Ok(ObjectSpec::Category {
                id,
                object: Box::new(object),
            });
        }
        serde_json::from_value(value.clone())
            .map(ObjectSpec::Generic)
            .map_err(|e| {
                fail(format!(
                    "{e} (the generic form is {{id, kind, name, value, file?}}; a category object is {{id, category, <type>: {{...}}}})"
                ))
            })
    }

    /// The vendor's id.
    pub fn id(&self) -> &str {
        match self {
            ObjectSpec::Generic(g) => &g.id,
            ObjectSpec::Category { id, .. } => id,
        }
    }

    /// What the SDK syncs for a generic object (`None` for a category object, which
    /// [`CategoryObjects`] maps together with the others of its category).
    pub fn to_desired(&self) -> Option<Desired> {
        match self {
            ObjectSpec::Generic(g) => Some(generic_to_desired(g)),
            ObjectSpec::Category { .. } => None,
        }
    }

    /// The object back from what the SDK reports (a vendor change's state): a generic object
    /// takes the state; a category object is left as it is (its category's mapping reads the
    /// changes, see [`CategoryObjects::after`]).
    pub fn with_state(&self, state: &ResourceState) -> ObjectSpec {
        match self {
            ObjectSpec::Generic(g) => ObjectSpec::Generic(GenericObject {
                id: g.id.clone(),
                kind: state.kind,
                name: state.name.clone(),
                value: state.value.clone(),
                file: state.file.clone(),
            }),
            other => other.clone(),
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
        match self {
            ObjectSpec::Generic(g) => serde_json::to_value(g).unwrap_or(Value::Null),
            ObjectSpec::Category { id, object } => {
                let mut map = Map::new();
                map.insert("id".into(), Value::String(id.clone()));
                map.insert("category".into(), Value::String(object.category().into()));
                map.insert(object.type_key().into(), object.payload());
                Value::Object(map)
            }
        }
    }
}

impl Serialize for ObjectSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// Why category objects could not be mapped into the repo.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The repo could not be read.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// An object does not fit the repo (unknown model, bad reference ...).
    #[error("{0}")]
    Invalid(String),
}

/// A tool's category objects, gathered per category for the SDK's mappings; the ids of the
/// objects the SDK keys by target (descriptions, annotations) are kept aside.
#[derive(Debug, Default)]
pub struct CategoryObjects {
    /// BI objects.
    pub bi: BiObjects,
    /// Monitors and descriptions.
    pub observability: Observability,
    /// Annotations.
    pub catalog: Catalog,
    /// The tool's id of each description and annotation, by (type, target, column).
    keyed: BTreeMap<(String, String, Option<String>), String>,
}

fn target_key(object: &CategoryObject) -> Option<(String, String, Option<String>)> {
    match object {
        CategoryObject::Description(d) => {
            Some(("description".into(), d.target.object_id(), d.column.clone()))
        }
        CategoryObject::Annotation(a) => {
            Some(("annotation".into(), a.target.object_id(), a.column.clone()))
        }
        _ => None,
    }
}

impl CategoryObjects {
    /// Gathers the category objects among `objects`.
    pub fn gather<'a>(objects: impl IntoIterator<Item = &'a ObjectSpec>) -> CategoryObjects {
        let mut out = CategoryObjects::default();
        for spec in objects {
            let ObjectSpec::Category { id, object } = spec else {
                continue;
            };
            if let Some(key) = target_key(object) {
                out.keyed.insert(key, id.clone());
            }
            match (**object).clone() {
                CategoryObject::SemanticModel(o) => out.bi.semantic_models.push(o),
                CategoryObject::Metric(o) => out.bi.metrics.push(o),
                CategoryObject::SavedQuery(o) => out.bi.saved_queries.push(o),
                CategoryObject::Dashboard(o) => out.bi.dashboards.push(o),
                CategoryObject::Transform(o) => out.bi.transforms.push(o),
                CategoryObject::Monitor(o) => out.observability.monitors.push(o),
                CategoryObject::Description(o) => out.observability.descriptions.push(o),
                CategoryObject::Annotation(o) => out.catalog.annotations.push(o),
            }
        }
        out
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.bi == BiObjects::default()
            && self.observability == Observability::default()
            && self.catalog == Catalog::default()
    }

    /// What the SDK syncs for them, mapped for the repo of `session` (its main branch).
    pub fn to_desired(&self, session: &SyncSession) -> Result<Vec<Desired>, MapError> {
        let mut out = Vec::new();
        if self.bi != BiObjects::default() {
            let repo = RepoInfo::read(session)?;
            out.extend(bi::to_desired(&self.bi, &repo).map_err(|e| match e {
                bi::BiError::Session(e) => MapError::Session(e),
                other => MapError::Invalid(other.to_string()),
            })?);
        }
        if self.observability != Observability::default() || self.catalog != Catalog::default() {
            let view = RepoView::read(session)?;
            if self.observability != Observability::default() {
                out.extend(
                    self.observability
                        .to_desired(&view)
                        .map_err(|e| MapError::Invalid(e.to_string()))?,
                );
            }
            if self.catalog != Catalog::default() {
                out.extend(
                    self.catalog
                        .to_desired(&view)
                        .map_err(|e| MapError::Invalid(e.to_string()))?,
                );
            }
        }
        Ok(out)
    }

    /// The objects after the repo's `changes` (from a sync or a pull), each category through
    /// its own reverse mapping, for a tool of `category`: objects the repo holds and the tool
    /// did not (written by hand) join under the ids the SDK suggests.
    pub fn after(
        &self,
        category: &str,
        changes: &[VendorChange],
        session: &SyncSession,
    ) -> Result<Vec<ObjectSpec>, MapError> {
        let mut bi_objects = self.bi.clone();
        let mut observability = self.observability.clone();
        let mut catalog = self.catalog.clone();
        match category {
            "bi" => {
                let repo = RepoInfo::read(session)?;
                bi_objects = bi::apply_changes(&self.bi, &repo, changes)
                    .map_err(|e| MapError::Invalid(e.to_string()))?;
            }
            "observability" => {
                let view = RepoView::read(session)?;
                let mine = observability.changes(changes, &view);
                observability.apply(&mine);
            }
            "catalog" => {
                let view = RepoView::read(session)?;
                let mine = catalog.changes(changes, &view);
                catalog.apply(&mine);
            }
            _ => {}
        }
        let mut out = Vec::new();
        let mut push = |object: CategoryObject, id: String| {
            out.push(ObjectSpec::Category {
                id,
                object: Box::new(object),
            });
        };
        for o in bi_objects.semantic_models {
            push(CategoryObject::SemanticModel(o.clone()), o.id);
        }
        for o in bi_objects.metrics {
            push(CategoryObject::Metric(o.clone()), o.id);
        }
        for o in bi_objects.saved_queries {
            push(CategoryObject::SavedQuery(o.clone()), o.id);
        }
        for o in bi_objects.dashboards {
            push(CategoryObject::Dashboard(o.clone()), o.id);
        }
        for o in bi_objects.transforms {
            push(CategoryObject::Transform(o.clone()), o.id);
        }
        for o in observability.monitors {
            push(CategoryObject::Monitor(o.clone()), o.id);
        }
        let keyed = |object: CategoryObject, prefix: &str| {
            let key = target_key(&object).expect("keyed by target");
            let id = self
                .keyed
                .get(&key)
                .cloned()
                .unwrap_or_else(|| match &key.2 {
                    Some(column) => format!("{prefix}:{}/{column}", key.1),
                    None => format!("{prefix}:{}", key.1),
                });
            (object, id)
        };
        for o in observability.descriptions {
            let (object, id) = keyed(CategoryObject::Description(o), "description");
            push(object, id);
        }
        for o in catalog.annotations {
            let (object, id) = keyed(CategoryObject::Annotation(o), "annotation");
            push(object, id);
        }
        Ok(out)
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
        let d = spec.to_desired().unwrap();
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
        assert!(
            e.to_string().contains("metric: missing field `name`"),
            "{e}"
        );
        let e = ObjectSpec::from_json(&json!({"id": "x", "category": "bi", "monitor": {}}))
            .unwrap_err();
        assert!(
            e.to_string().contains("'monitor' is not a bi object"),
            "{e}"
        );
        let e = ObjectSpec::from_json(&json!({"id": "x", "category": "elt", "connector": {}}))
            .unwrap_err();
        assert!(e.to_string().contains("generic form"), "{e}");
    }

    #[test]
    fn category_objects_read_and_list_in_the_same_form() {
        let wire = json!({
            "id": "m-1", "category": "bi",
            "metric": {"name": "order_count", "type": "simple", "semantic_model": "orders", "agg": "count"}
        });
        let spec = ObjectSpec::from_json(&wire).unwrap();
        let ObjectSpec::Category { object, .. } = &spec else {
            panic!("{spec:?}");
        };
        let CategoryObject::Metric(m) = object.as_ref() else {
            panic!("{spec:?}");
        };
        assert_eq!(m.id, "m-1");
        assert_eq!(spec.to_json(), wire);
        assert!(spec.to_desired().is_none());

        let wire = json!({
            "id": "own-1", "category": "catalog",
            "annotation": {"target": {"kind": "model", "name": "orders"}, "owner": {"name": "@finance"}}
        });
        let spec = ObjectSpec::from_json(&wire).unwrap();
        assert_eq!(spec.to_json(), wire);
        let gathered = CategoryObjects::gather([&spec]);
        assert_eq!(gathered.catalog.annotations.len(), 1);
        assert!(!gathered.is_empty());

        let e = ObjectSpec::from_json(&json!({
            "id": "a", "category": "observability",
            "monitor": {"id": "b", "target": {"kind": "model", "name": "orders"}, "check": "not_null"}
        }))
        .unwrap_err();
        assert!(
            e.to_string().contains("differs from the object's id"),
            "{e}"
        );
    }
}
