//! Vendor objects as scenarios write them, and their conversion to what the SDK syncs.
//!
//! Two forms travel in `put` and `list`:
//!
//! - the **generic form** of the CLI's state file: `{id, kind, name, value, file?}` — the
//!   vendor's id and the dbt resource it maps to (`value` is the YAML entry as JSON; `sql`
//!   inside it for SQL files);
//! - a **category object**: `{id, category, <type>: {...}}`, the category's own object as the
//!   SDK defines it (`interop_sdk::bi`, `observability`, `catalog`, `elt`, ...), e.g.
//!   `{id: m-1, category: bi, metric: {name: arpu, type: simple, ...}}`. The types:
//!   - `bi`: `semantic_model`, `metric`, `saved_query`, `dashboard`, `transform`;
//!   - `observability`: `monitor`, `description`;
//!   - `catalog`: `annotation`;
//!   - `elt`: `connector`, `transform` (ELT's: warehouse SQL);
//!   - `orchestration`: `job`, `transform` (ELT's);
//!   - `reverse_etl`: `sync`; `notebook`: `publication`; `ml`: `feature_set`, `prediction`;
//!   - `product_analytics`: `activity_stream`, `semantic_model`, `metric` (BI's).
//!
//!   The object's own `id` is the outer `id` (it may be left out inside). The adapter maps
//!   them into the repo itself, the way its tool would: a category object has no single dbt
//!   resource (a metric may land inside a model's entry, a monitor is a test in a column's
//!   list), so [`CategoryObjects`] gathers them and maps them through the SDK's category
//!   mappings ([`interop_sdk::CategoryObjects`]) with the repo in view.
//!
//! Every adapter receives objects exactly as the scenario wrote them and answers `list` in the
//! same form; the runner compares them by the keys a scenario gives.

use std::collections::BTreeMap;

use interop_sdk::bi;
use interop_sdk::catalog::Annotation;
use interop_sdk::elt;
use interop_sdk::ml::{FeatureSet, Prediction};
use interop_sdk::notebook::Publication;
use interop_sdk::observability::{self, Monitor};
use interop_sdk::orchestration::Job;
use interop_sdk::product_analytics::ActivityStream;
use interop_sdk::reverse_etl;
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{CategoryError, Desired, SessionError, SyncSession, VendorChange};
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
    /// `bi` or `product_analytics` / `semantic_model`.
    SemanticModel(bi::SemanticModel),
    /// `bi` or `product_analytics` / `metric`.
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
    /// `elt` / `connector`.
    Connector(elt::Connector),
    /// `elt` / `transform` (warehouse SQL, not the BI transform).
    EltTransform(elt::Transform),
    /// `orchestration` / `job`.
    Job(Job),
    /// `reverse_etl` / `sync`.
    Sync(reverse_etl::Sync),
    /// `notebook` / `publication`.
    Publication(Publication),
    /// `ml` / `feature_set`.
    FeatureSet(FeatureSet),
    /// `ml` / `prediction`.
    Prediction(Prediction),
    /// `product_analytics` / `activity_stream`.
    ActivityStream(ActivityStream),
}

/// The type keys of category objects and the categories they belong to (a type key may serve
/// several: `transform` is BI's and ELT's, `metric` BI's and product analytics').
pub const CATEGORY_TYPES: [(&str, &str); 19] = [
    ("semantic_model", "bi"),
    ("metric", "bi"),
    ("saved_query", "bi"),
    ("dashboard", "bi"),
    ("transform", "bi"),
    ("monitor", "observability"),
    ("description", "observability"),
    ("annotation", "catalog"),
    ("connector", "elt"),
    ("transform", "elt"),
    ("job", "orchestration"),
    ("sync", "reverse_etl"),
    ("publication", "notebook"),
    ("feature_set", "ml"),
    ("prediction", "ml"),
    ("activity_stream", "product_analytics"),
    ("semantic_model", "product_analytics"),
    ("metric", "product_analytics"),
    ("transform", "orchestration"),
];

impl CategoryObject {
    /// The type key (`metric`, `monitor`, `job` ...).
    pub fn type_key(&self) -> &'static str {
        match self {
            CategoryObject::SemanticModel(_) => "semantic_model",
            CategoryObject::Metric(_) => "metric",
            CategoryObject::SavedQuery(_) => "saved_query",
            CategoryObject::Dashboard(_) => "dashboard",
            CategoryObject::Transform(_) | CategoryObject::EltTransform(_) => "transform",
            CategoryObject::Monitor(_) => "monitor",
            CategoryObject::Description(_) => "description",
            CategoryObject::Annotation(_) => "annotation",
            CategoryObject::Connector(_) => "connector",
            CategoryObject::Job(_) => "job",
            CategoryObject::Sync(_) => "sync",
            CategoryObject::Publication(_) => "publication",
            CategoryObject::FeatureSet(_) => "feature_set",
            CategoryObject::Prediction(_) => "prediction",
            CategoryObject::ActivityStream(_) => "activity_stream",
        }
    }

    /// Whether a tool of `category` holds objects of this type.
    pub fn belongs_to(&self, category: &str) -> bool {
        let key = self.type_key();
        let elt_transform = matches!(self, CategoryObject::EltTransform(_));
        let bi_transform = matches!(self, CategoryObject::Transform(_));
        CATEGORY_TYPES.iter().any(|(k, c)| {
            *k == key
                && *c == category
                && !(elt_transform && *c == "bi")
                && !(bi_transform && *c != "bi")
        })
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
            CategoryObject::Connector(o) => serde_json::to_value(o),
            CategoryObject::EltTransform(o) => serde_json::to_value(o),
            CategoryObject::Job(o) => serde_json::to_value(o),
            CategoryObject::Sync(o) => serde_json::to_value(o),
            CategoryObject::Publication(o) => serde_json::to_value(o),
            CategoryObject::FeatureSet(o) => serde_json::to_value(o),
            CategoryObject::Prediction(o) => serde_json::to_value(o),
            CategoryObject::ActivityStream(o) => serde_json::to_value(o),
        };
        let mut value = value.unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.shift_remove("id");
        }
        value
    }

    fn read(
        key: &str,
        category: &str,
        id: &str,
        mut payload: Value,
    ) -> Result<CategoryObject, String> {
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
        fn parse<T: serde::de::DeserializeOwned>(key: &str, payload: Value) -> Result<T, String> {
            serde_json::from_value(payload).map_err(|e| format!("{key}: {e}"))
        }
        Ok(match (key, category) {
            ("semantic_model", _) => CategoryObject::SemanticModel(parse(key, payload)?),
            ("metric", _) => CategoryObject::Metric(parse(key, payload)?),
            ("saved_query", _) => CategoryObject::SavedQuery(parse(key, payload)?),
            ("dashboard", _) => CategoryObject::Dashboard(parse(key, payload)?),
            ("transform", "bi") => CategoryObject::Transform(parse(key, payload)?),
            ("transform", _) => CategoryObject::EltTransform(parse(key, payload)?),
            ("monitor", _) => CategoryObject::Monitor(parse(key, payload)?),
            ("description", _) => CategoryObject::Description(parse(key, payload)?),
            ("annotation", _) => CategoryObject::Annotation(parse(key, payload)?),
            ("connector", _) => CategoryObject::Connector(parse(key, payload)?),
            ("job", _) => CategoryObject::Job(parse(key, payload)?),
            ("sync", _) => CategoryObject::Sync(parse(key, payload)?),
            ("publication", _) => CategoryObject::Publication(parse(key, payload)?),
            ("feature_set", _) => CategoryObject::FeatureSet(parse(key, payload)?),
            ("prediction", _) => CategoryObject::Prediction(parse(key, payload)?),
            ("activity_stream", _) => CategoryObject::ActivityStream(parse(key, payload)?),
            (other, _) => return Err(format!("unknown object type '{other}'")),
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
        /// The category it was written for (`bi`, `elt`, `product_analytics` ...).
        category: String,
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
                    "no category objects for '{category}' (the categories are {}; the generic form is {{id, kind, name, value, file?}})",
                    interop_sdk::CATEGORIES.join(", ")
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
            let object = CategoryObject::read(key, category, &id, map[key.as_str()].clone())
                .map_err(fail)?;
            return Ok(ObjectSpec::Category {
                id,
                category: category.to_string(),
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
            ObjectSpec::Category {
                id,
                category,
                object,
            } => {
                let mut map = Map::new();
                map.insert("id".into(), Value::String(id.clone()));
                map.insert("category".into(), Value::String(category.clone()));
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

/// A tool's category objects, gathered for the SDK's mappings
/// ([`interop_sdk::CategoryObjects`]); the ids of the objects the SDK keys by target
/// (descriptions, annotations) are kept aside.
#[derive(Debug, Default)]
pub struct CategoryObjects {
    /// The objects, as the SDK holds them.
    pub objects: interop_sdk::CategoryObjects,
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
        let o = &mut out.objects;
        for spec in objects {
            let ObjectSpec::Category { id, object, .. } = spec else {
                continue;
            };
            if let Some(key) = target_key(object) {
                out.keyed.insert(key, id.clone());
            }
            match (**object).clone() {
                CategoryObject::SemanticModel(x) => o.bi.semantic_models.push(x),
                CategoryObject::Metric(x) => o.bi.metrics.push(x),
                CategoryObject::SavedQuery(x) => o.bi.saved_queries.push(x),
                CategoryObject::Dashboard(x) => o.bi.dashboards.push(x),
                CategoryObject::Transform(x) => o.bi.transforms.push(x),
                CategoryObject::Monitor(x) => o.monitors.push(x),
                CategoryObject::Description(x) => o.descriptions.push(x),
                CategoryObject::Annotation(x) => o.annotations.push(x),
                CategoryObject::Connector(x) => o
                    .elt
                    .get_or_insert_with(Default::default)
                    .connectors
                    .push(x),
                CategoryObject::EltTransform(x) => o
                    .elt
                    .get_or_insert_with(Default::default)
                    .transforms
                    .push(x),
                CategoryObject::Job(x) => o.jobs.push(x),
                CategoryObject::Sync(x) => o.syncs.push(x),
                CategoryObject::Publication(x) => o.publications.push(x),
                CategoryObject::FeatureSet(x) => o.feature_sets.push(x),
                CategoryObject::Prediction(x) => o.predictions.push(x),
                CategoryObject::ActivityStream(x) => o.streams.push(x),
            }
        }
        out
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// What the SDK syncs for them, mapped for the repo of `session` (its main branch). An
    /// ELT transform the SDK cannot map (a table that is neither a source nor a model) is an
    /// error here: a tool in a scenario says what it means.
    pub fn to_desired(&self, session: &SyncSession) -> Result<Vec<Desired>, MapError> {
        let mapped = self.objects.to_desired(session).map_err(map_error)?;
        if !mapped.unmapped.is_empty() {
            return Err(MapError::Invalid(mapped.unmapped.join("; ")));
        }
        Ok(mapped.desired)
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
        let (after, _kept) = self
            .objects
            .after(Some(category), changes, session)
            .map_err(map_error)?;
        let mut out = Vec::new();
        let mut push = |object: CategoryObject, id: String| {
            out.push(ObjectSpec::Category {
                id,
                category: category.to_string(),
                object: Box::new(object),
            });
        };
        let bi = after.bi;
        for x in bi.semantic_models {
            push(CategoryObject::SemanticModel(x.clone()), x.id);
        }
        for x in bi.metrics {
            push(CategoryObject::Metric(x.clone()), x.id);
        }
        for x in bi.saved_queries {
            push(CategoryObject::SavedQuery(x.clone()), x.id);
        }
        for x in bi.dashboards {
            push(CategoryObject::Dashboard(x.clone()), x.id);
        }
        for x in bi.transforms {
            push(CategoryObject::Transform(x.clone()), x.id);
        }
        for x in after.monitors {
            push(CategoryObject::Monitor(x.clone()), x.id);
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
        for x in after.descriptions {
            let (object, id) = keyed(CategoryObject::Description(x), "description");
            push(object, id);
        }
        for x in after.annotations {
            let (object, id) = keyed(CategoryObject::Annotation(x), "annotation");
            push(object, id);
        }
        let elt = after.elt.unwrap_or_default();
        for x in elt.connectors {
            push(CategoryObject::Connector(x.clone()), x.id);
        }
        for x in elt.transforms {
            push(CategoryObject::EltTransform(x.clone()), x.id);
        }
        for x in after.jobs {
            push(CategoryObject::Job(x.clone()), x.id);
        }
        for x in after.syncs {
            push(CategoryObject::Sync(x.clone()), x.id);
        }
        for x in after.publications {
            push(CategoryObject::Publication(x.clone()), x.id);
        }
        for x in after.feature_sets {
            push(CategoryObject::FeatureSet(x.clone()), x.id);
        }
        for x in after.predictions {
            push(CategoryObject::Prediction(x.clone()), x.id);
        }
        for x in after.streams {
            push(CategoryObject::ActivityStream(x.clone()), x.id);
        }
        Ok(out)
    }
}

fn map_error(e: CategoryError) -> MapError {
    match e {
        CategoryError::Session(e) => MapError::Session(e),
        CategoryError::Invalid(message) => MapError::Invalid(message),
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
        assert!(
            e.to_string().contains("connector: missing field `name`"),
            "{e}"
        );
        let e =
            ObjectSpec::from_json(&json!({"id": "x", "category": "crm", "lead": {}})).unwrap_err();
        assert!(e.to_string().contains("generic form"), "{e}");
        // A key the type does not have (here a YAML flow map split at a comma).
        let description = json!({
            "target": {"kind": "model", "name": "orders"},
            "text": "Orders",
            "one row each.": null
        });
        let e = ObjectSpec::from_json(
            &json!({"id": "x", "category": "observability", "description": description}),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("description: unknown field `one row each.`"),
            "{e}"
        );
    }

    #[test]
    fn one_type_key_serves_several_categories() {
        let sql = "select id from raw.shop.orders";
        let elt = ObjectSpec::from_json(&json!({
            "id": "t-1", "category": "elt", "transform": {"name": "orders_copy", "sql": sql}
        }))
        .unwrap();
        let ObjectSpec::Category { object, .. } = &elt else {
            panic!("{elt:?}");
        };
        assert!(matches!(object.as_ref(), CategoryObject::EltTransform(t) if t.sql == sql));
        assert!(object.belongs_to("elt") && object.belongs_to("orchestration"));
        assert!(!object.belongs_to("bi"));
        let stream_metric = json!({
            "id": "m-1", "category": "product_analytics",
            "metric": {"name": "orders_placed", "type": "simple", "semantic_model": "activities", "agg": "count"}
        });
        let spec = ObjectSpec::from_json(&stream_metric).unwrap();
        assert_eq!(spec.to_json(), stream_metric);
        let gathered = CategoryObjects::gather([&elt, &spec]);
        assert_eq!(gathered.objects.elt.as_ref().unwrap().transforms.len(), 1);
        assert_eq!(gathered.objects.bi.metrics.len(), 1);
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
        assert_eq!(gathered.objects.annotations.len(), 1);
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
