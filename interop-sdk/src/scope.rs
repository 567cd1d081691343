//! Scopes: which resource kinds and which fields a vendor's session owns. The session never
//! writes outside its scope, and a desired object that reaches outside it is an error, not a
//! silent drop.

use std::collections::BTreeMap;

use interop_sync::model::ResourceKind;
use serde_json::{Map, Value};

/// A field pattern: dotted keys, named list items as `[*]` (any) or `[name=x]`, and `*` for
/// any one key: `description`, `columns[*].description`, `config.meta.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern(Vec<Seg>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    AnyKey,
    Item(Option<String>),
}

impl Pattern {
    fn parse(text: &str) -> Pattern {
        let mut segs = Vec::new();
        for part in text.split('.').filter(|p| !p.is_empty()) {
            let (key, rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !key.is_empty() {
                segs.push(if key == "*" {
                    Seg::AnyKey
                } else {
                    Seg::Key(key.to_string())
                });
            }
            for item in rest.split('[').filter(|s| !s.is_empty()) {
                let inner = item.trim_end_matches(']');
                segs.push(Seg::Item(inner.strip_prefix("name=").map(str::to_string)));
            }
        }
        Pattern(segs)
    }
}

/// What a session may write.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scope {
    /// The kinds the vendor reads and writes.
    pub kinds: Vec<ResourceKind>,
    /// The fields the vendor owns (patterns as above); empty: every field.
    #[serde(default)]
    pub fields: Vec<String>,
    /// The kinds the vendor may create.
    #[serde(default)]
    pub create: Vec<ResourceKind>,
    /// The kinds the vendor may delete.
    #[serde(default)]
    pub delete: Vec<ResourceKind>,
    /// Field patterns for one kind, in place of `fields` (a BI tool owns the semantic keys of
    /// a model's entry, not the model).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub kind_fields: BTreeMap<ResourceKind, Vec<String>>,
    /// Fields of a kind the vendor owns only on resources it created itself (a BI tool's own
    /// transform's SQL); on any other resource they are neither read nor written.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub created_only: BTreeMap<ResourceKind, Vec<String>>,
}

/// A desired object that reaches outside the session's scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{object}: {what} is outside this session's scope")]
pub struct ScopeError {
    /// The vendor's object id.
    pub object: String,
    /// What it tried to write.
    pub what: String,
}

impl Scope {
    /// The scope of a vendor category by its name ([`crate::CATEGORIES`]: `bi`,
    /// `observability`, `catalog`, `elt`, `orchestration`, `reverse_etl`, `notebook`, `ml`,
    /// `product_analytics`).
    pub fn of_category(category: &str) -> Option<Scope> {
        Some(match category {
            "bi" => Scope::bi(),
            "observability" => Scope::observability(),
            "catalog" => Scope::catalog(),
            "elt" => Scope::elt(),
            "orchestration" => Scope::orchestration(),
            "reverse_etl" => Scope::reverse_etl(),
            "notebook" => Scope::notebook(),
            "ml" => Scope::ml(),
            "product_analytics" => Scope::product_analytics(),
            _ => return None,
        })
    }

    /// Every kind and field: a scope for tests and for tools that own whole resources.
    pub fn everything(kinds: &[ResourceKind]) -> Scope {
        Scope {
            kinds: kinds.to_vec(),
            fields: vec![],
            create: kinds.to_vec(),
            delete: kinds.to_vec(),
            kind_fields: BTreeMap::new(),
            created_only: BTreeMap::new(),
        }
    }

    /// Catalogs: descriptions, owners, tags and meta on existing resources and columns, and
    /// the text of docs blocks; never SQL, never a new or removed resource.
    pub fn catalog() -> Scope {
        Scope {
            kinds: vec![
                ResourceKind::Model,
                ResourceKind::Source,
                ResourceKind::Seed,
                ResourceKind::Snapshot,
                ResourceKind::Exposure,
                ResourceKind::Metric,
                ResourceKind::SemanticModel,
                ResourceKind::Group,
                ResourceKind::Doc,
            ],
            fields: [
                "description",
                "columns[*].description",
                "config.meta.*",
                "config.tags",
                "tags",
                "meta.*",
                "columns[*].config.meta.*",
                "columns[*].meta.*",
                "columns[*].config.tags",
                "columns[*].tags",
                "owner",
            ]
            .map(String::from)
            .to_vec(),
            create: vec![],
            delete: vec![],
            kind_fields: BTreeMap::new(),
            created_only: BTreeMap::new(),
        }
    }

    /// BI tools: the semantic layer (legacy semantic models and metrics, or the semantic keys
    /// of a model's entry in dbt 1.12's model-embedded spec: `semantic_model`,
    /// `agg_time_dimension`, column entities, dimensions and granularity, `derived_semantics`,
    /// `time_spine`), saved queries, dashboards as exposures, and transforms as models. A
    /// model's SQL and descriptions are the vendor's only on models it created (its own
    /// transforms, the time spine); BI never deletes a model.
    pub fn bi() -> Scope {
        let kinds = vec![
            ResourceKind::Metric,
            ResourceKind::SemanticModel,
            ResourceKind::SavedQuery,
            ResourceKind::Exposure,
        ];
        let created_only = [
            "sql",
            "description",
            "columns[*].description",
            "config.meta.owner",
        ]
        .map(String::from);
        let model_fields = [
            "semantic_model",
            "agg_time_dimension",
            "columns[*].entity",
            "columns[*].dimension",
            "columns[*].granularity",
            "derived_semantics",
            "time_spine",
        ]
        .map(String::from)
        .into_iter()
        .chain(created_only.clone())
        .collect();
        let mut with_models = kinds.clone();
        with_models.push(ResourceKind::Model);
        Scope {
            fields: vec![],
            create: with_models.clone(),
            delete: kinds,
            kinds: with_models,
            kind_fields: BTreeMap::from([(ResourceKind::Model, model_fields)]),
            created_only: BTreeMap::from([(ResourceKind::Model, created_only.to_vec())]),
        }
    }

    /// Observability tools: data tests, freshness and docs on models, sources, seeds and
    /// snapshots; singular tests as their own SQL files (the only SQL they own).
    pub fn observability() -> Scope {
        Scope {
            kinds: vec![
                ResourceKind::Model,
                ResourceKind::Source,
                ResourceKind::Seed,
                ResourceKind::Snapshot,
                ResourceKind::SingularTest,
            ],
            fields: [
                "data_tests",
                "tests",
                "columns[*].data_tests",
                "columns[*].tests",
                "description",
                "columns[*].description",
                "freshness",
                "config.freshness",
                "loaded_at_field",
                "config.loaded_at_field",
            ]
            .map(String::from)
            .to_vec(),
            create: vec![ResourceKind::SingularTest],
            delete: vec![ResourceKind::SingularTest],
            // The only SQL it owns is its singular tests'.
            kind_fields: BTreeMap::from([(
                ResourceKind::SingularTest,
                vec!["sql".into(), "description".into()],
            )]),
            created_only: BTreeMap::new(),
        }
    }

    /// Reverse-ETL tools: exposures (type `application`) whole, and the post-hooks of
    /// existing models; never a new model, never SQL.
    pub fn reverse_etl() -> Scope {
        Scope {
            kinds: vec![ResourceKind::Exposure, ResourceKind::Model],
            fields: vec![],
            create: vec![ResourceKind::Exposure],
            delete: vec![ResourceKind::Exposure],
            kind_fields: BTreeMap::from([(
                ResourceKind::Model,
                vec!["config.post_hook".to_string()],
            )]),
            created_only: BTreeMap::new(),
        }
    }

    /// Notebooks: analyses, their SQL only (the customer's properties of an analysis stay
    /// the customer's).
    pub fn notebook() -> Scope {
        Scope {
            kinds: vec![ResourceKind::Analysis],
            fields: vec![],
            create: vec![ResourceKind::Analysis],
            delete: vec![ResourceKind::Analysis],
            kind_fields: BTreeMap::from([(ResourceKind::Analysis, vec!["sql".to_string()])]),
            created_only: BTreeMap::new(),
        }
    }

    /// Feature stores and ML tools: their own models (feature sets and predictions: SQL,
    /// descriptions, key tests, their `config.meta` keys), and the prediction flag on any
    /// model.
    pub fn ml() -> Scope {
        let created_only = [
            "sql",
            "description",
            "columns[*].description",
            "columns[*].data_tests",
            "config.meta.interop_feature_set",
        ]
        .map(String::from)
        .to_vec();
        let mut fields = created_only.clone();
        fields.push("config.meta.interop_prediction".into());
        Scope {
            kinds: vec![ResourceKind::Model],
            fields: vec![],
            create: vec![ResourceKind::Model],
            delete: vec![ResourceKind::Model],
            kind_fields: BTreeMap::from([(ResourceKind::Model, fields)]),
            created_only: BTreeMap::from([(ResourceKind::Model, created_only)]),
        }
    }

    /// Product analytics: what a BI tool may write (metrics on its models), and its own
    /// activity-stream models with their tests.
    pub fn product_analytics() -> Scope {
        let mut scope = Scope::bi();
        for list in [
            scope.kind_fields.entry(ResourceKind::Model).or_default(),
            scope.created_only.entry(ResourceKind::Model).or_default(),
        ] {
            list.extend(
                [
                    "columns[*].data_tests",
                    "config.meta.interop_activity_stream",
                ]
                .map(String::from),
            );
        }
        scope
    }

    /// Orchestration: the project's YAML selectors (jobs), whole; and the models of the SQL
    /// transforms it runs, as an ELT tool owns them (SQL, description, owner, materialization,
    /// column docs and tests, only on models it created). Never a source, never another
    /// model's SQL.
    pub fn orchestration() -> Scope {
        let model_fields = Scope::elt()
            .kind_fields
            .remove(&ResourceKind::Model)
            .unwrap_or_default();
        let kinds = vec![ResourceKind::Selector, ResourceKind::Model];
        Scope {
            kinds: kinds.clone(),
            fields: vec![],
            create: kinds.clone(),
            delete: kinds,
            kind_fields: BTreeMap::from([(ResourceKind::Model, model_fields.clone())]),
            created_only: BTreeMap::from([(ResourceKind::Model, model_fields)]),
        }
    }

    /// The field patterns that apply to `kind`.
    fn fields_of(&self, kind: Option<ResourceKind>) -> &[String] {
        kind.and_then(|k| self.kind_fields.get(&k))
            .unwrap_or(&self.fields)
    }

    /// ELT tools: sources (their tables, columns, types, descriptions, primary-key tests,
    /// load-time column and freshness; a new source's own keys) and the models they create
    /// (SQL, description, owner, materialization, column descriptions and tests). The SQL and
    /// docs of a model are the vendor's only where it created the model; other models' SQL
    /// is neither read nor written.
    pub fn elt() -> Scope {
        let source_fields = [
            "description",
            "identifier",
            "columns[*].description",
            "columns[*].data_type",
            "columns[*].data_tests",
            "columns[*].tests",
            "config.freshness",
            "config.loaded_at_field",
            "freshness",
            "loaded_at_field",
            interop_sync::plan::NEW_SOURCE_KEYS,
        ]
        .map(String::from)
        .to_vec();
        let model_fields = [
            "sql",
            "description",
            "columns[*].description",
            "columns[*].data_tests",
            "columns[*].tests",
            "config.materialized",
            "config.meta.owner",
        ]
        .map(String::from)
        .to_vec();
        Scope {
            kinds: vec![ResourceKind::Source, ResourceKind::Model],
            fields: vec![],
            create: vec![ResourceKind::Source, ResourceKind::Model],
            delete: vec![ResourceKind::Model],
            kind_fields: BTreeMap::from([
                (ResourceKind::Source, source_fields),
                (ResourceKind::Model, model_fields.clone()),
            ]),
            created_only: BTreeMap::from([(ResourceKind::Model, model_fields)]),
        }
    }

    /// Whether the scope owns the SQL of SQL-file resources.
    pub fn owns_sql(&self) -> bool {
        self.fields.is_empty() || self.fields.iter().any(|f| f == "sql")
    }

    /// Whether the scope owns the SQL of resources of `kind` (perhaps only those it created).
    pub fn owns_sql_of(&self, kind: ResourceKind) -> bool {
        let fields = self.fields_of(Some(kind));
        fields.is_empty() || fields.iter().any(|f| f == "sql")
    }

    /// Whether the session reads and writes this kind.
    pub fn covers(&self, kind: ResourceKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// `value` reduced to the fields the scope owns (`name` is always kept).
    pub fn project(&self, value: &Value) -> Value {
        project_with(&self.fields, value)
    }

    /// `value`, a resource of `kind`, reduced to the fields the scope owns there.
    pub fn project_kind(&self, kind: ResourceKind, value: &Value) -> Value {
        project_with(self.fields_of(Some(kind)), value)
    }

    /// The first field of `value` outside the scope, as a path (`None`: all inside).
    pub fn outside(&self, value: &Value) -> Option<String> {
        first_difference("", value, &self.project(value))
    }

    /// The first field of `value`, a resource of `kind`, outside the scope.
    pub fn outside_kind(&self, kind: ResourceKind, value: &Value) -> Option<String> {
        first_difference("", value, &self.project_kind(kind, value))
    }

    /// The first field of `value` (a resource of `kind`) that the vendor owns only on
    /// resources it created.
    pub fn created_only_field(&self, kind: ResourceKind, value: &Value) -> Option<String> {
        let fields = self.created_only.get(&kind)?;
        let mut only_fields = project_with(fields, value);
        if let Value::Object(m) = &mut only_fields {
            m.shift_remove("name");
        }
        first_difference("", &only_fields, &Value::Object(Map::new()))
    }

    /// `value` without the fields the vendor owns only on resources it created.
    pub fn without_created_only(&self, kind: ResourceKind, value: &Value) -> Value {
        let Some(fields) = self.created_only.get(&kind) else {
            return value.clone();
        };
        let mut out = value.clone();
        for field in fields {
            remove_pattern(&mut out, &Pattern::parse(field).0);
        }
        out
    }
}

/// `value` reduced to `fields` (empty: all of it); `name` is always kept.
fn project_with(fields: &[String], value: &Value) -> Value {
    if fields.is_empty() {
        return value.clone();
    }
    let patterns: Vec<Pattern> = fields.iter().map(|f| Pattern::parse(f)).collect();
    let mut out = project_object(value.as_object().unwrap_or(&Map::new()), &patterns, &[]);
    if let Some(name) = value.get("name") {
        let mut with_name = Map::new();
        with_name.insert("name".into(), name.clone());
        with_name.append(&mut out);
        return Value::Object(with_name);
    }
    Value::Object(out)
}

/// Removes what `segs` names from `value`, as projection would have left it: list items are
/// matched by name, and an item left with only its name, or a list or map left empty, goes
/// too.
fn remove_pattern(value: &mut Value, segs: &[Seg]) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    let emptied = |v: &Value| match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    match (first, value) {
        (Seg::Key(k), Value::Object(map)) => {
            if rest.is_empty() {
                map.shift_remove(k);
            } else if let Some(inner) = map.get_mut(k) {
                remove_pattern(inner, rest);
                if emptied(inner) {
                    map.shift_remove(k);
                }
            }
        }
        (Seg::AnyKey, Value::Object(map)) => {
            if rest.is_empty() {
                map.clear();
            } else {
                for inner in map.values_mut() {
                    remove_pattern(inner, rest);
                }
                map.retain(|_, v| !emptied(v));
            }
        }
        (Seg::Item(name), Value::Array(items)) => {
            items.retain_mut(|item| {
                let matches = match name {
                    None => true,
                    Some(n) => item.get("name").and_then(Value::as_str) == Some(n),
                };
                if !matches {
                    return true;
                }
                remove_pattern(item, rest);
                !item
                    .as_object()
                    .is_some_and(|m| m.len() == 1 && m.contains_key("name"))
            });
        }
        _ => {}
    }
}

/// How a path prefix relates to the patterns.
enum Coverage {
    /// A pattern ends here or above: the whole value is owned.
    Whole,
    /// A pattern goes deeper: look inside.
    Partial,
    /// No pattern: not owned.
    None,
}

fn coverage(path: &[Seg], patterns: &[Pattern]) -> Coverage {
    let mut partial = false;
    for pattern in patterns {
        let n = path.len().min(pattern.0.len());
        let matches = path[..n]
            .iter()
            .zip(&pattern.0[..n])
            .all(|(p, q)| match (p, q) {
                (Seg::Key(a), Seg::Key(b)) => a == b,
                (Seg::Key(_), Seg::AnyKey) => true,
                (Seg::Item(_), Seg::Item(None)) => true,
                (Seg::Item(a), Seg::Item(b)) => a == b,
                _ => false,
            });
        if !matches {
            continue;
        }
        if pattern.0.len() <= path.len() {
            return Coverage::Whole;
        }
        partial = true;
    }
    if partial {
        Coverage::Partial
    } else {
        Coverage::None
    }
}

fn project_object(
    map: &Map<String, Value>,
    patterns: &[Pattern],
    path: &[Seg],
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in map {
        if key == "name" && path.is_empty() {
            continue;
        }
        let mut here = path.to_vec();
        here.push(Seg::Key(key.clone()));
        if let Some(v) = project_value(value, patterns, &here) {
            out.insert(key.clone(), v);
        }
    }
    out
}

fn project_value(value: &Value, patterns: &[Pattern], path: &[Seg]) -> Option<Value> {
    match coverage(path, patterns) {
        Coverage::Whole => Some(value.clone()),
        Coverage::None => None,
        Coverage::Partial => match value {
            Value::Object(map) => {
                let inner = project_object(map, patterns, path);
                (!inner.is_empty()).then_some(Value::Object(inner))
            }
            Value::Array(items) => {
                let kept: Vec<Value> = items
                    .iter()
                    .filter_map(|item| {
                        let name = item.get("name")?.as_str()?.to_string();
                        let mut here = path.to_vec();
                        here.push(Seg::Item(Some(name.clone())));
                        let map = item.as_object()?;
                        let mut inner = Map::new();
                        inner.insert("name".into(), Value::String(name));
                        let mut rest = project_object(map, patterns, &here);
                        rest.remove("name");
                        // An item that is only its name (a column the vendor keeps, with
                        // nothing of its own left) is inside the scope as it is.
                        if rest.is_empty() && map.len() > 1 {
                            return None;
                        }
                        inner.append(&mut rest);
                        Some(Value::Object(inner))
                    })
                    .collect();
                (!kept.is_empty()).then_some(Value::Array(kept))
            }
            _ => None,
        },
    }
}

fn first_difference(path: &str, full: &Value, projected: &Value) -> Option<String> {
    if full == projected {
        return None;
    }
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (full, projected) {
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, v)| match b.get(k) {
            None => Some(join(k)),
            Some(w) => first_difference(&join(k), v, w),
        }),
        (Value::Object(a), _) => a.keys().next().map(|k| join(k)),
        (Value::Array(a), Value::Array(b)) => a.iter().find_map(|item| {
            let name = item.get("name").and_then(Value::as_str).unwrap_or("?");
            let label = format!("{path}[name={name}]");
            match b.iter().find(|w| w.get("name") == item.get("name")) {
                None => Some(label),
                Some(w) => first_difference(&label, item, w),
            }
        }),
        _ => Some(if path.is_empty() {
            "(whole)".into()
        } else {
            path.to_string()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_catalog_sees_docs_and_owners_only() {
        let model = json!({
            "name": "orders",
            "description": "Orders",
            "config": {"materialized": "table", "meta": {"owner": "finance"}},
            "columns": [
                {"name": "id", "description": "Id", "data_tests": ["unique"]},
                {"name": "amount", "data_type": "numeric"}
            ],
            "sql": "select 1"
        });
        let scope = Scope::catalog();
        assert_eq!(
            scope.project(&model),
            json!({
                "name": "orders",
                "description": "Orders",
                "config": {"meta": {"owner": "finance"}},
                "columns": [{"name": "id", "description": "Id"}]
            })
        );
        assert_eq!(
            scope.outside(&model).as_deref(),
            Some("config.materialized")
        );
        assert_eq!(scope.outside(&scope.project(&model)), None);
        assert_eq!(
            Scope::everything(&[ResourceKind::Model]).outside(&model),
            None
        );
    }

    #[test]
    fn bi_owns_the_semantic_keys_of_models_and_sql_only_where_it_created() {
        let model = json!({
            "name": "orders",
            "description": "Orders",
            "agg_time_dimension": "ordered_at",
            "config": {"materialized": "table"},
            "columns": [
                {"name": "id", "entity": {"type": "primary", "name": "order"}, "data_tests": ["unique"]},
                {"name": "amount", "data_type": "numeric"}
            ],
            "sql": "select 1"
        });
        let scope = Scope::bi();
        let projected = scope.project_kind(ResourceKind::Model, &model);
        assert_eq!(
            projected,
            json!({
                "name": "orders",
                "description": "Orders",
                "agg_time_dimension": "ordered_at",
                "columns": [{"name": "id", "entity": {"type": "primary", "name": "order"}}],
                "sql": "select 1"
            })
        );
        assert_eq!(
            scope
                .created_only_field(ResourceKind::Model, &projected)
                .as_deref(),
            Some("description")
        );
        assert_eq!(
            scope.without_created_only(ResourceKind::Model, &projected),
            json!({
                "name": "orders",
                "agg_time_dimension": "ordered_at",
                "columns": [{"name": "id", "entity": {"type": "primary", "name": "order"}}]
            })
        );
        assert_eq!(
            scope.outside_kind(ResourceKind::Model, &model).as_deref(),
            Some("config")
        );
        // Metrics are the vendor's whole.
        let metric = json!({"name": "m", "type": "simple", "agg": "sum", "expr": "amount"});
        assert_eq!(scope.outside_kind(ResourceKind::Metric, &metric), None);
        assert_eq!(
            scope.created_only_field(ResourceKind::Metric, &metric),
            None
        );
    }

    #[test]
    fn observability_owns_the_sql_of_singular_tests_only() {
        let scope = Scope::observability();
        let model = json!({"name": "orders", "sql": "select 1", "data_tests": ["x"]});
        assert_eq!(
            scope.outside_kind(ResourceKind::Model, &model).as_deref(),
            Some("sql")
        );
        assert_eq!(
            scope.project_kind(ResourceKind::Model, &model),
            json!({"name": "orders", "data_tests": ["x"]})
        );
        let test = json!({"name": "assert_x", "sql": "select 1 where false"});
        assert_eq!(scope.outside_kind(ResourceKind::SingularTest, &test), None);
        assert_eq!(scope.project_kind(ResourceKind::SingularTest, &test), test);
        assert!(scope.owns_sql_of(ResourceKind::SingularTest));
        assert!(!scope.owns_sql_of(ResourceKind::Model));
        let named_only = json!({"name": "orders", "columns": [{"name": "id"}]});
        assert_eq!(scope.outside_kind(ResourceKind::Model, &named_only), None);
    }

    #[test]
    fn observability_owns_tests_but_not_types() {
        let model = json!({"name": "orders", "columns": [
            {"name": "id", "data_tests": ["unique"], "data_type": "int"}]});
        assert_eq!(
            Scope::observability().outside(&model).as_deref(),
            Some("columns[name=id].data_type")
        );
    }
}
