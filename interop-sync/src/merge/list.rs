//! Lists of dbt entries (columns, tables, tests, entities, measures, tags...) are merged as
//! collections keyed by each item's identity, so that an item matches itself across the three
//! sides wherever it moved.
//!
//! An item's identity, which is also its `[name=...]` segment in a [`FieldPath`](super::FieldPath):
//!
//! - a mapping with a string `name` (a column, table, entity, metric): the name,
//!   `columns[name=id]`;
//! - a mapping with one key (a test with arguments, `{accepted_values: {values: [...]}}`): the
//!   key, or `key:name` when the arguments carry a string `name` (two `accepted_values` tests
//!   of one column are told apart by their names), `data_tests[name=accepted_values]`;
//! - a scalar (a tag, a test without arguments like `unique`): its string, or its JSON text for
//!   numbers, booleans and null, `tags[name=nightly]`.
//!
//! So `unique` and `{unique: {config: {severity: warn}}}` are the same test in two forms, and
//! changing one into the other is an edit of that item. A list with any other item (a list, a
//! mapping of several keys without a `name`) or with two items of one identity is not keyed and
//! is merged as a single value.

use indexmap::IndexMap;
use serde_json::Value;

/// The items of a list by identity, in list order; `None` when the list is not keyed.
pub(crate) fn keyed(items: &[Value]) -> Option<IndexMap<String, &Value>> {
    let mut keyed = IndexMap::with_capacity(items.len());
    for item in items {
        if keyed.insert(identity(item)?, item).is_some() {
            return None;
        }
    }
    Some(keyed)
}

/// The identity of a list item (see the module documentation).
pub(crate) fn identity(item: &Value) -> Option<String> {
    match item {
        Value::Object(map) => {
            if let Some(Value::String(name)) = map.get("name") {
                return Some(name.clone());
            }
            let mut entries = map.iter();
            match (entries.next(), entries.next()) {
                (Some((key, args)), None) => Some(match args.get("name") {
                    Some(Value::String(name)) => format!("{key}:{name}"),
                    _ => key.clone(),
                }),
                _ => None,
            }
        }
        Value::String(text) => Some(text.clone()),
        Value::Array(_) => None,
        scalar => Some(scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identities_of_dbt_list_items() {
        let id = |v: Value| identity(&v);
        assert_eq!(
            id(json!({"name": "id", "data_type": "int"})),
            Some("id".into())
        );
        assert_eq!(id(json!("unique")), Some("unique".into()));
        assert_eq!(
            id(json!({"accepted_values": {"values": ["a"]}})),
            Some("accepted_values".into())
        );
        assert_eq!(
            id(json!({"accepted_values": {"name": "status_ok", "values": ["a"]}})),
            Some("accepted_values:status_ok".into())
        );
        assert_eq!(id(json!(3)), Some("3".into()));
        assert_eq!(id(json!({"a": 1, "b": 2})), None);
        assert_eq!(id(json!([1])), None);
    }

    #[test]
    fn lists_with_repeated_identities_are_not_keyed() {
        assert!(keyed(&[json!("unique"), json!({"unique": {}})]).is_none());
        assert!(keyed(&[json!("a"), json!("b")]).is_some());
        assert!(keyed(&[]).is_some());
    }
}
