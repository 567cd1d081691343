//! Scopes: which resource kinds and which fields a vendor's session owns. The session never
//! writes outside its scope, and a desired object that reaches outside it is an error, not a
//! silent drop.

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
    /// When `sql` is among the fields: the kinds whose SQL the vendor owns (empty: every kind).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sql_kinds: Vec<ResourceKind>,
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
    /// Every kind and field: a scope for tests and for tools that own whole resources.
    pub fn everything(kinds: &[ResourceKind]) -> Scope {
        Scope {
            kinds: kinds.to_vec(),
            fields: vec![],
            create: kinds.to_vec(),
            delete: kinds.to_vec(),
            sql_kinds: vec![],
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
            sql_kinds: vec![],
        }
    }

    /// BI tools: the semantic layer, saved queries, dashboards as exposures, and transforms as
    /// models.
    pub fn bi() -> Scope {
        let kinds = vec![
            ResourceKind::Metric,
            ResourceKind::SemanticModel,
            ResourceKind::SavedQuery,
            ResourceKind::Exposure,
        ];
        Scope {
            fields: vec![],
            create: kinds.clone(),
            delete: kinds.clone(),
            sql_kinds: vec![],
            kinds,
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
                "sql",
            ]
            .map(String::from)
            .to_vec(),
            create: vec![ResourceKind::SingularTest],
            delete: vec![ResourceKind::SingularTest],
            sql_kinds: vec![ResourceKind::SingularTest],
        }
    }

    fn patterns(&self) -> Vec<Pattern> {
        self.fields.iter().map(|f| Pattern::parse(f)).collect()
    }

    /// Whether the scope owns the SQL of SQL-file resources.
    pub fn owns_sql(&self) -> bool {
        self.fields.is_empty() || self.fields.iter().any(|f| f == "sql")
    }

    /// Whether the scope owns the SQL of resources of this kind.
    pub fn owns_sql_of(&self, kind: ResourceKind) -> bool {
        self.owns_sql() && (self.sql_kinds.is_empty() || self.sql_kinds.contains(&kind))
    }

    /// `value`, a state of a resource of `kind`, reduced to the fields the scope owns for
    /// that kind.
    pub fn project_for(&self, kind: ResourceKind, value: &Value) -> Value {
        let mut out = self.project(value);
        if !self.owns_sql_of(kind)
            && let Value::Object(map) = &mut out
        {
            map.shift_remove("sql");
        }
        out
    }

    /// The first field of `value`, a state of a resource of `kind`, outside the scope.
    pub fn outside_for(&self, kind: ResourceKind, value: &Value) -> Option<String> {
        if value.get("sql").is_some() && !self.owns_sql_of(kind) {
            return Some("sql".into());
        }
        self.outside(value)
    }

    /// Whether the session reads and writes this kind.
    pub fn covers(&self, kind: ResourceKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// `value` reduced to the fields the scope owns (`name` is always kept).
    pub fn project(&self, value: &Value) -> Value {
        if self.fields.is_empty() {
            return value.clone();
        }
        let patterns = self.patterns();
        let mut out = project_object(value.as_object().unwrap_or(&Map::new()), &patterns, &[]);
        if let Some(name) = value.get("name") {
            let mut with_name = Map::new();
            with_name.insert("name".into(), name.clone());
            with_name.append(&mut out);
            return Value::Object(with_name);
        }
        Value::Object(out)
    }

    /// The first field of `value` outside the scope, as a path (`None`: all inside).
    pub fn outside(&self, value: &Value) -> Option<String> {
        let projected = self.project(value);
        first_difference("", value, &projected)
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
        let named_only = json!({"name": "orders", "columns": [{"name": "id"}]});
        assert_eq!(scope.outside(&named_only), None);
        assert_eq!(
            Scope::everything(&[ResourceKind::Model]).outside(&model),
            None
        );
    }

    #[test]
    fn observability_owns_the_sql_of_singular_tests_only() {
        let scope = Scope::observability();
        let model = json!({"name": "orders", "sql": "select 1", "data_tests": ["x"]});
        assert_eq!(
            scope.outside_for(ResourceKind::Model, &model).as_deref(),
            Some("sql")
        );
        assert_eq!(
            scope.project_for(ResourceKind::Model, &model),
            json!({"name": "orders", "data_tests": ["x"]})
        );
        let test = json!({"name": "assert_x", "sql": "select 1 where false"});
        assert_eq!(scope.outside_for(ResourceKind::SingularTest, &test), None);
        assert_eq!(scope.project_for(ResourceKind::SingularTest, &test), test);
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
