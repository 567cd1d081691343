//! The edit operations that turn a resource's current state into a target state, touching only
//! the fields that differ.

use serde_json::{Map, Value};

use super::state::{ResourceState, entry_key};
use crate::edit::plan::ResourceOp;

/// Operations that turn `current` (the resource `unique_id` as the repo has it) into `target`.
/// `None` on one side means the resource does not exist there: creation (for kinds declared by
/// a YAML entry) or removal.
pub fn ops_between(
    unique_id: Option<&str>,
    current: Option<&ResourceState>,
    target: Option<&ResourceState>,
) -> Vec<ResourceOp> {
    match (unique_id, current, target) {
        (_, None, None) => vec![],
        (Some(id), Some(_), None) => vec![ResourceOp::Remove {
            resource: id.to_string(),
        }],
        (_, None, Some(target)) => create(target),
        (Some(id), Some(current), Some(target)) => update(id, current, target),
        (None, Some(_), _) => vec![],
    }
}

fn create(target: &ResourceState) -> Vec<ResourceOp> {
    if target.kind == crate::model::ResourceKind::SingularTest {
        return match target.value.get("sql").and_then(Value::as_str) {
            Some(sql) => vec![ResourceOp::AddSingularTest {
                name: target.name.clone(),
                sql: sql.to_string(),
                file: target.file.clone().filter(|f| f.ends_with(".sql")),
            }],
            None => vec![],
        };
    }
    if target.kind == crate::model::ResourceKind::Analysis {
        // Only the SQL file: an analysis's properties entry is the customer's to write.
        let sql_only = object(&target.value)
            .keys()
            .all(|k| k == "name" || k == "sql");
        return match target.value.get("sql").and_then(Value::as_str) {
            Some(sql) if sql_only => vec![ResourceOp::AddAnalysis {
                name: target.name.clone(),
                sql: sql.to_string(),
                file: target.file.clone().filter(|f| f.ends_with(".sql")),
            }],
            _ => vec![],
        };
    }
    if target.kind == crate::model::ResourceKind::Model {
        return create_model(target);
    }
    if target.kind == crate::model::ResourceKind::Source {
        return create_source_table(target);
    }
    let Some(key) = entry_key(target.kind) else {
        return vec![];
    };
    let mut entry = object(&target.value).clone();
    entry.remove("sql");
    entry.insert("name".into(), Value::String(target.name.clone()));
    vec![ResourceOp::AddEntry {
        key: key.to_string(),
        entry: Value::Object(reorder_name_first(entry)),
        file: target.file.clone(),
    }]
}

/// The key of a new source table's state that holds its source's own keys (`database`,
/// `schema`, `loader`, `description`, `config` ...), used when the source entry is created
/// with the table; it is never written as a key of the table.
pub const NEW_SOURCE_KEYS: &str = "_source";

/// A source table is created from its `file`, `<properties file>#<source>` (the properties
/// file may be empty): appended to the source's `tables:` where the source exists, else as a
/// new source entry with the keys under [`NEW_SOURCE_KEYS`].
fn create_source_table(target: &ResourceState) -> Vec<ResourceOp> {
    let Some((file, source)) = target.file.as_deref().and_then(|f| f.rsplit_once('#')) else {
        return vec![];
    };
    let mut table = object(&target.value).clone();
    let keys = table.remove(NEW_SOURCE_KEYS);
    table.remove("sql");
    table.insert("name".into(), Value::String(target.name.clone()));
    let mut entry = Map::new();
    entry.insert("name".into(), Value::String(source.to_string()));
    if let Some(Value::Object(keys)) = keys {
        for (k, v) in keys {
            if k != "name" && k != "tables" {
                entry.insert(k, v);
            }
        }
    }
    entry.insert(
        "tables".into(),
        Value::Array(vec![Value::Object(reorder_name_first(table))]),
    );
    vec![ResourceOp::AddEntry {
        key: "sources".into(),
        entry: Value::Object(entry),
        file: (!file.is_empty()).then(|| file.to_string()),
    }]
}

/// A model is created from its SQL (under `sql`) and its `file`, the SQL file's path.
fn create_model(target: &ResourceState) -> Vec<ResourceOp> {
    let (Some(path), Some(sql)) = (
        target.file.as_deref().filter(|f| f.ends_with(".sql")),
        target.value.get("sql").and_then(Value::as_str),
    ) else {
        return vec![];
    };
    let mut entry = object(&target.value).clone();
    entry.remove("sql");
    entry.insert("name".into(), Value::String(target.name.clone()));
    vec![ResourceOp::AddSqlModel {
        path: path.to_string(),
        sql: sql.to_string(),
        entry: Value::Object(reorder_name_first(entry)),
    }]
}

fn reorder_name_first(entry: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(name) = entry.get("name") {
        out.insert("name".into(), name.clone());
    }
    for (k, v) in entry {
        if k != "name" {
            out.insert(k, v);
        }
    }
    out
}

fn object(value: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value
        .as_object()
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn update(id: &str, current: &ResourceState, target: &ResourceState) -> Vec<ResourceOp> {
    let mut ops = Vec::new();
    let cur = object(&current.value);
    let mut tgt = object(&target.value);
    let without_source_keys;
    if tgt.contains_key(NEW_SOURCE_KEYS) {
        without_source_keys = {
            let mut t = tgt.clone();
            t.remove(NEW_SOURCE_KEYS);
            t
        };
        tgt = &without_source_keys;
    }
    if let (Some(a), Some(b)) = (cur.get("sql"), tgt.get("sql"))
        && a != b
        && let Some(sql) = b.as_str()
    {
        ops.push(ResourceOp::ReplaceSql {
            resource: id.to_string(),
            sql: sql.to_string(),
        });
    }
    for key in union_keys(cur, tgt) {
        if key == "name" || key == "sql" {
            continue;
        }
        match (cur.get(key), tgt.get(key)) {
            (a, b) if a == b => {}
            (Some(a), Some(b)) if key == "columns" && named_list(a) && named_list(b) => {
                column_ops(id, a, b, &mut ops);
            }
            // Columns where the state had none (a scope that sees some column fields only):
            // each column's fields are set, the column entries the file has stay.
            (None, Some(b)) if key == "columns" && named_list(b) => {
                column_ops(id, &Value::Array(vec![]), b, &mut ops);
            }
            // A top-level map the current state does not show may still be in the file with
            // keys outside the session's view (`config.access` next to `config.meta`): its keys
            // are set one by one, so nothing already there is replaced. (Where the file has no
            // such map, the editor joins the sets into one that creates it.)
            (None, Some(Value::Object(b))) if !b.is_empty() => {
                for (k, y) in b {
                    field_ops(id, &format!("{key}.{k}"), None, Some(y), true, &mut ops);
                }
            }
            (a, b) => field_ops(id, key, a, b, true, &mut ops),
        }
    }
    if let (Some(from), Some(to)) = (&current.file, &target.file)
        && from != to
        && entry_file(from)
        && entry_file(to)
    {
        ops.push(ResourceOp::Move {
            resource: id.to_string(),
            to_file: to.clone(),
        });
    }
    if current.name != target.name {
        ops.push(ResourceOp::Rename {
            resource: id.to_string(),
            new_name: target.name.clone(),
        });
    }
    ops
}

/// Whether a state's file is a properties file (an entry there can move to another one).
fn entry_file(path: &str) -> bool {
    path.ends_with(".yml") || path.ends_with(".yaml")
}

fn union_keys<'a>(a: &'a Map<String, Value>, b: &'a Map<String, Value>) -> Vec<&'a str> {
    let mut keys: Vec<&str> = a.keys().map(String::as_str).collect();
    for k in b.keys() {
        if !a.contains_key(k) {
            keys.push(k);
        }
    }
    keys
}

fn named_list(v: &Value) -> bool {
    v.as_array().is_some_and(|items| {
        items
            .iter()
            .all(|i| i.get("name").and_then(Value::as_str).is_some())
    })
}

fn named<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list.as_array()?
        .iter()
        .find(|i| i.get("name").and_then(Value::as_str) == Some(name))
}

/// Set / unset ops for one field, recursing into maps so that only the differing leaves are
/// written (`config.meta.owner`, not the whole `config`).
fn field_ops(
    id: &str,
    path: &str,
    a: Option<&Value>,
    b: Option<&Value>,
    append: bool,
    ops: &mut Vec<ResourceOp>,
) {
    if a == b {
        return;
    }
    match (a, b) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            for key in union_keys(a, b) {
                let (x, y) = (a.get(key), b.get(key));
                if x != y {
                    field_ops(id, &format!("{path}.{key}"), x, y, append, ops);
                }
            }
        }
        // Items added at the end of a list: appended, the list's own items left as written.
        (Some(Value::Array(x)), Some(Value::Array(y)))
            if append && !x.is_empty() && y.len() > x.len() && y.starts_with(x) =>
        {
            for item in &y[x.len()..] {
                ops.push(ResourceOp::Append {
                    resource: id.to_string(),
                    field: path.to_string(),
                    value: item.clone(),
                });
            }
        }
        (_, Some(value)) => ops.push(ResourceOp::Set {
            resource: id.to_string(),
            field: path.to_string(),
            value: value.clone(),
        }),
        (Some(_), None) => ops.push(ResourceOp::Unset {
            resource: id.to_string(),
            field: path.to_string(),
        }),
        (None, None) => {}
    }
}

fn column_ops(id: &str, a: &Value, b: &Value, ops: &mut Vec<ResourceOp>) {
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("name").and_then(Value::as_str).map(str::to_string))
            .collect()
    };
    let (before, after) = (names(a), names(b));
    for name in &before {
        if !after.contains(name) {
            ops.push(ResourceOp::RemoveColumn {
                resource: id.to_string(),
                column: name.clone(),
            });
        }
    }
    for name in &after {
        let old = named(a, name).map(object);
        let new = named(b, name).map(object).cloned().unwrap_or_default();
        let empty = Map::new();
        let old = old.unwrap_or(&empty);
        for key in union_keys(old, &new) {
            if key == "name" {
                continue;
            }
            let mut leaf = Vec::new();
            field_ops(id, key, old.get(key), new.get(key), false, &mut leaf);
            for op in leaf {
                ops.push(match op {
                    ResourceOp::Set { field, value, .. } => ResourceOp::SetColumn {
                        resource: id.to_string(),
                        column: name.clone(),
                        field,
                        value,
                    },
                    ResourceOp::Unset { field, .. } => ResourceOp::UnsetColumn {
                        resource: id.to_string(),
                        column: name.clone(),
                        field,
                    },
                    other => other,
                });
            }
        }
        if old.is_empty() && new.len() == 1 {
            // A new column with only a name.
            ops.push(ResourceOp::SetColumn {
                resource: id.to_string(),
                column: name.clone(),
                field: "name".into(),
                value: Value::String(name.clone()),
            });
        }
    }
}

/// The fields that differ between two states, as paths (`description`,
/// `columns[name=id].description`, `config.meta.owner`, `sql`, `name`), for reports.
pub fn changed_fields(a: &Value, b: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_changes("", a, b, &mut out);
    out
}

fn walk_changes(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in union_keys(x, y) {
                let (p, q) = (
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                );
                walk_changes(&join(key), p, q, out);
            }
        }
        (x, y) if named_list(x) && named_list(y) => {
            let mut names: Vec<&str> = Vec::new();
            for item in x.as_array().into_iter().chain(y.as_array()).flatten() {
                if let Some(n) = item.get("name").and_then(Value::as_str)
                    && !names.contains(&n)
                {
                    names.push(n);
                }
            }
            for n in names {
                let p = named(x, n).unwrap_or(&Value::Null);
                let q = named(y, n).unwrap_or(&Value::Null);
                walk_changes(&format!("{path}[name={n}]"), p, q, out);
            }
        }
        _ => out.push(if path.is_empty() {
            "(whole)".into()
        } else {
            path.to_string()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceKind;
    use serde_json::json;

    fn state(value: Value) -> ResourceState {
        ResourceState {
            kind: ResourceKind::Model,
            name: value["name"].as_str().unwrap().to_string(),
            value,
            file: None,
        }
    }

    #[test]
    fn only_differing_leaves_become_operations() {
        let a = state(json!({"name": "orders", "description": "Orders",
            "config": {"meta": {"owner": "a", "tier": 1}},
            "columns": [{"name": "id", "description": "Id"}, {"name": "old"}]}));
        let b = state(json!({"name": "orders", "description": "Orders",
            "config": {"meta": {"owner": "b", "tier": 1}},
            "columns": [{"name": "id"}, {"name": "new", "description": "New"}]}));
        let ops = ops_between(Some("model.x.orders"), Some(&a), Some(&b));
        let text: Vec<String> = ops.iter().map(|o| format!("{o:?}")).collect();
        assert_eq!(ops.len(), 4, "{text:#?}");
        assert!(matches!(&ops[0], ResourceOp::Set { field, .. } if field == "config.meta.owner"));
        assert!(matches!(&ops[1], ResourceOp::RemoveColumn { column, .. } if column == "old"));
        assert!(
            matches!(&ops[2], ResourceOp::UnsetColumn { column, field, .. } if column == "id" && field == "description")
        );
        assert!(
            matches!(&ops[3], ResourceOp::SetColumn { column, field, .. } if column == "new" && field == "description")
        );
        assert_eq!(
            changed_fields(&a.value, &b.value),
            [
                "config.meta.owner",
                "columns[name=id].description",
                "columns[name=old]",
                "columns[name=new]"
            ]
        );
    }

    #[test]
    fn singular_tests_are_created_as_sql_files() {
        let mut t = state(json!({"name": "assert_paid", "sql": "select 1 where false"}));
        t.kind = ResourceKind::SingularTest;
        let ops = ops_between(None, None, Some(&t));
        assert_eq!(
            ops,
            [ResourceOp::AddSingularTest {
                name: "assert_paid".into(),
                sql: "select 1 where false".into(),
                file: None
            }]
        );
        let mut edited = t.clone();
        edited.value["sql"] = json!("select 2 where false");
        let ops = ops_between(Some("test.x.assert_paid"), Some(&t), Some(&edited));
        assert!(
            matches!(&ops[..], [ResourceOp::ReplaceSql { sql, .. }] if sql.starts_with("select 2"))
        );
    }

    #[test]
    fn columns_new_to_a_state_are_set_one_field_at_a_time() {
        let a = state(json!({"name": "customers"}));
        let b = state(json!({"name": "customers", "columns": [
            {"name": "customer_id", "entity": {"type": "primary"}}]}));
        let ops = ops_between(Some("model.x.customers"), Some(&a), Some(&b));
        assert_eq!(
            ops,
            [ResourceOp::SetColumn {
                resource: "model.x.customers".into(),
                column: "customer_id".into(),
                field: "entity".into(),
                value: json!({"type": "primary"}),
            }]
        );
    }

    #[test]
    fn items_added_at_the_end_of_a_list_are_appended() {
        let mut a = state(json!({"name": "invoices", "measures": [{"name": "n", "agg": "count"}]}));
        a.kind = ResourceKind::SemanticModel;
        let mut b = a.clone();
        b.value["measures"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "avg", "agg": "average"}));
        let ops = ops_between(Some("semantic_model.x.invoices"), Some(&a), Some(&b));
        assert_eq!(
            ops,
            [ResourceOp::Append {
                resource: "semantic_model.x.invoices".into(),
                field: "measures".into(),
                value: json!({"name": "avg", "agg": "average"}),
            }]
        );
        // Anything else replaces the list.
        b.value["measures"] = json!([{"name": "avg", "agg": "average"}]);
        let ops = ops_between(Some("semantic_model.x.invoices"), Some(&a), Some(&b));
        assert!(matches!(&ops[0], ResourceOp::Set { field, .. } if field == "measures"));
    }

    #[test]
    fn a_source_table_is_created_with_its_source_and_its_keys_never_stay_on_it() {
        let mut table = state(json!({"name": "companies", "description": "Companies",
            "_source": {"schema": "hubspot_crm", "loader": "fivetran"}}));
        table.kind = ResourceKind::Source;
        table.file = Some("models/staging/hubspot/_hubspot__sources.yml#hubspot".into());
        let ops = ops_between(None, None, Some(&table));
        assert_eq!(
            ops,
            [ResourceOp::AddEntry {
                key: "sources".into(),
                entry: json!({"name": "hubspot", "schema": "hubspot_crm", "loader": "fivetran",
                    "tables": [{"name": "companies", "description": "Companies"}]}),
                file: Some("models/staging/hubspot/_hubspot__sources.yml".into()),
            }]
        );
        // Without the source's name there is nothing to create it in.
        table.file = None;
        assert!(ops_between(None, None, Some(&table)).is_empty());
        // Once it exists, the source's keys are not a field of the table.
        let mut current = table.clone();
        current.value.as_object_mut().unwrap().remove("_source");
        assert!(
            ops_between(
                Some("source.x.hubspot.companies"),
                Some(&current),
                Some(&table)
            )
            .is_empty()
        );
    }

    #[test]
    fn a_model_is_created_from_its_sql_and_file() {
        let mut spine = state(json!({"name": "metricflow_time_spine", "sql": "select 1",
            "time_spine": {"standard_granularity_column": "date_day"}}));
        spine.file = Some("models/metricflow_time_spine.sql".into());
        let ops = ops_between(None, None, Some(&spine));
        assert_eq!(
            ops,
            [ResourceOp::AddSqlModel {
                path: "models/metricflow_time_spine.sql".into(),
                sql: "select 1".into(),
                entry: json!({"name": "metricflow_time_spine",
                    "time_spine": {"standard_granularity_column": "date_day"}}),
            }]
        );
        spine.file = None;
        assert!(ops_between(None, None, Some(&spine)).is_empty());
    }

    #[test]
    fn metrics_are_created_as_entries_and_renamed_in_place() {
        let mut m = state(json!({"name": "revenue", "label": "Revenue", "type": "simple"}));
        m.kind = ResourceKind::Metric;
        let ops = ops_between(None, None, Some(&m));
        assert!(matches!(&ops[0], ResourceOp::AddEntry { key, .. } if key == "metrics"));
        let mut embedded = m.clone();
        embedded.file = Some("#orders".into());
        let ops = ops_between(None, None, Some(&embedded));
        assert!(matches!(&ops[0], ResourceOp::AddEntry { file: Some(f), .. } if f == "#orders"));
        let mut renamed = m.clone();
        renamed.name = "gmv".into();
        renamed.value["name"] = json!("gmv");
        let ops = ops_between(Some("metric.x.revenue"), Some(&m), Some(&renamed));
        assert_eq!(ops.len(), 1);
        assert!(matches!(&ops[0], ResourceOp::Rename { new_name, .. } if new_name == "gmv"));
    }
}
