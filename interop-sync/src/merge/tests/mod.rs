//! The merge rules, one test a rule, on realistic dbt entries: here values, mappings and whole
//! resources; lists, text and policies in their own files.

mod lists;
mod policy;
mod text;

use serde_json::{Value, json};

use super::*;

fn merge(base: &Value, vendor: &Value, repo: &Value) -> MergeResult {
    merge_resource(Some(base), Some(vendor), Some(repo), &Policies::default())
}

fn paths(conflicts: &[Conflict]) -> Vec<String> {
    conflicts.iter().map(|c| c.path.to_string()).collect()
}

fn orders() -> Value {
    json!({
        "name": "orders",
        "description": "One row per order.",
        "config": {"materialized": "table", "tags": ["nightly", "finance"], "meta": {"owner": "ana"}},
        "columns": [
            {"name": "id", "description": "The order key.", "data_tests": ["unique", "not_null"]},
            {"name": "status", "data_tests": [
                {"accepted_values": {"values": ["placed", "shipped"]}}
            ]},
            {"name": "amount", "description": "Total in EUR."}
        ]
    })
}

/// `value` with the JSON pointer `pointer` set to `to` (or removed when `to` is `None`).
fn with(value: &Value, pointer: &str, to: Option<Value>) -> Value {
    let mut value = value.clone();
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let parent = value.pointer_mut(parent).unwrap();
    match (parent, to) {
        (Value::Object(map), Some(to)) => {
            map.insert(last.to_string(), to);
        }
        (Value::Object(map), None) => {
            map.shift_remove(last);
        }
        (Value::Array(items), Some(to)) => match last {
            "-" => items.push(to),
            i => items[i.parse::<usize>().unwrap()] = to,
        },
        (Value::Array(items), None) => {
            items.remove(last.parse::<usize>().unwrap());
        }
        _ => panic!("{pointer} is not in a container"),
    }
    value
}

#[test]
fn a_side_equal_to_base_yields_to_the_other() {
    let base = orders();
    let vendor = with(&base, "/description", Some(json!("Orders, one row each.")));
    assert_eq!(merge(&base, &vendor, &base).merged, Some(vendor.clone()));
    assert_eq!(merge(&base, &base, &vendor).merged, Some(vendor.clone()));
    let both = merge(&base, &vendor, &vendor);
    assert_eq!(both.merged, Some(vendor));
    assert!(both.is_clean() && both.auto_resolved.is_empty());
}

#[test]
fn edits_of_different_fields_combine() {
    let base = orders();
    let vendor = with(&base, "/config/meta/owner", Some(json!("bea")));
    let repo = with(&base, "/config/materialized", Some(json!("incremental")));
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean());
    let merged = result.merged.unwrap();
    assert_eq!(merged["config"]["meta"]["owner"], "bea");
    assert_eq!(merged["config"]["materialized"], "incremental");
}

#[test]
fn keys_keep_the_repo_order_then_new_vendor_keys_in_vendor_order() {
    let base = json!({"name": "orders", "description": "x"});
    let vendor = json!({"z_label": "Orders", "name": "orders", "description": "x", "a_group": "g"});
    let repo = json!({"description": "x", "name": "orders", "docs": {"show": false}});
    let merged = merge(&base, &vendor, &repo).merged.unwrap();
    let keys: Vec<&str> = merged
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["description", "name", "docs", "z_label", "a_group"]);
}

#[test]
fn a_key_deleted_on_one_side_and_unchanged_on_the_other_is_deleted() {
    let base = orders();
    let vendor = with(&base, "/config/meta", None);
    let repo = with(&base, "/description", Some(json!("Orders.")));
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean());
    let merged = result.merged.unwrap();
    assert!(merged["config"].get("meta").is_none());
    assert_eq!(merged["description"], "Orders.");
}

#[test]
fn a_key_deleted_on_one_side_and_changed_on_the_other_conflicts() {
    let base = orders();
    let vendor = with(&base, "/config/meta/owner", Some(json!("bea")));
    let repo = with(&base, "/config/meta", None);
    let result = merge(&base, &vendor, &repo);
    assert_eq!(paths(&result.conflicts), ["config.meta"]);
    let conflict = &result.conflicts[0];
    assert!(conflict.is_deletion_against_edit());
    assert_eq!(conflict.repo, None);
    assert_eq!(conflict.vendor, Some(json!({"owner": "bea"})));
    // Manual: the repository's value (here: no meta) stays.
    assert!(result.merged.unwrap()["config"].get("meta").is_none());
}

#[test]
fn a_resource_deleted_on_one_side_and_unchanged_on_the_other_is_deleted() {
    let base = orders();
    let policies = Policies::default();
    let result = merge_resource(Some(&base), None, Some(&base), &policies);
    assert_eq!(result.merged, None);
    assert!(result.is_clean());
    let result = merge_resource(Some(&base), Some(&base), None, &policies);
    assert_eq!(result.merged, None);
    let result = merge_resource(Some(&base), None, None, &policies);
    assert_eq!(result.merged, None);
    assert!(result.is_clean());
}

#[test]
fn a_resource_deleted_on_one_side_and_changed_on_the_other_conflicts_at_the_root() {
    let base = orders();
    let edited = with(&base, "/config/materialized", Some(json!("view")));
    let policies = Policies::default();
    let result = merge_resource(Some(&base), Some(&edited), None, &policies);
    assert_eq!(paths(&result.conflicts), [""]);
    assert!(result.conflicts[0].path.0.is_empty());
    assert_eq!(result.merged, None);

    let result = merge_resource(Some(&base), None, Some(&edited), &policies);
    assert_eq!(paths(&result.conflicts), [""]);
    assert_eq!(result.merged, Some(edited.clone()));

    let prefer_vendor = Policies::new(Policy::PreferVendor);
    let result = merge_resource(Some(&base), Some(&edited), None, &prefer_vendor);
    assert_eq!(result.merged, Some(edited));
    assert!(result.is_clean());
    assert_eq!(paths(&result.auto_resolved), [""]);
}

#[test]
fn a_resource_added_on_both_sides_merges_field_by_field_without_a_base() {
    let policies = Policies::default();
    let metric = json!({"name": "revenue", "label": "Revenue", "type": "simple",
        "type_params": {"measure": "amount"}});
    let result = merge_resource(None, Some(&metric), Some(&metric), &policies);
    assert_eq!(result.merged, Some(metric.clone()));
    assert!(result.is_clean());

    let vendor = json!({"name": "revenue", "label": "Revenue (EUR)", "type": "simple",
        "type_params": {"measure": "amount"}, "description": "Gross revenue."});
    let repo = json!({"name": "revenue", "label": "Revenue", "type": "simple",
        "type_params": {"measure": "amount"}, "filter": "{{ Dimension('order__status') }} = 'paid'"});
    let result = merge_resource(None, Some(&vendor), Some(&repo), &policies);
    assert_eq!(paths(&result.conflicts), ["label"]);
    assert_eq!(result.conflicts[0].base, None);
    assert_eq!(
        result.merged,
        Some(
            json!({"name": "revenue", "label": "Revenue", "type": "simple",
            "type_params": {"measure": "amount"},
            "filter": "{{ Dimension('order__status') }} = 'paid'",
            "description": "Gross revenue."})
        )
    );
}

#[test]
fn a_metric_edited_on_both_sides_in_different_fields_merges() {
    let base = json!({
        "name": "order_total", "label": "Order total", "type": "simple",
        "type_params": {"measure": {"name": "order_total", "fill_nulls_with": 0}},
        "config": {"meta": {"owner": "finance"}}
    });
    let vendor = with(&base, "/label", Some(json!("Order total (gross)")));
    let vendor = with(
        &vendor,
        "/type_params/measure/join_to_timespine",
        Some(json!(true)),
    );
    let repo = with(
        &base,
        "/filter",
        Some(json!("{{ Dimension('order__is_test') }} = false")),
    );
    let repo = with(&repo, "/config/meta/owner", Some(json!("revenue-team")));
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean());
    let merged = result.merged.unwrap();
    assert_eq!(merged["label"], "Order total (gross)");
    assert_eq!(merged["type_params"]["measure"]["join_to_timespine"], true);
    assert_eq!(merged["config"]["meta"]["owner"], "revenue-team");
    assert!(merged["filter"].is_string());
}

#[test]
fn a_change_of_type_on_both_sides_conflicts() {
    let base = json!({"name": "orders", "config": {"meta": {"owner": "ana"}}});
    let vendor = json!({"name": "orders", "config": {"meta": "see docs"}});
    let repo = json!({"name": "orders", "config": {"meta": {"owner": "bea"}}});
    let result = merge(&base, &vendor, &repo);
    assert_eq!(paths(&result.conflicts), ["config.meta"]);
}
