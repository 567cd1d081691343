//! Keyed lists: columns, tests, tags, source tables, semantic model entries.

use serde_json::json;

use super::*;

#[test]
fn a_column_added_by_the_vendor_goes_after_its_vendor_neighbour() {
    let base = orders();
    let vendor = with(
        &base,
        "/columns",
        Some(json!([
            base["columns"][0],
            {"name": "customer_id", "data_tests": ["not_null"]},
            {"name": "ordered_at"},
            base["columns"][1],
            base["columns"][2]
        ])),
    );
    let repo = with(
        &base,
        "/columns/2/description",
        Some(json!("Total in euros.")),
    );
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean());
    let merged = result.merged.unwrap();
    let names: Vec<&str> = merged["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["id", "customer_id", "ordered_at", "status", "amount"]
    );
    assert_eq!(merged["columns"][4]["description"], "Total in euros.");
}

#[test]
fn a_vendor_addition_without_a_neighbour_in_the_result_goes_at_the_end() {
    let base = json!({"name": "orders", "columns": [{"name": "id"}, {"name": "amount"}]});
    // First in the vendor's list: no neighbour before it.
    let vendor = json!({"name": "orders", "columns": [{"name": "_loaded_at"}, {"name": "id"}, {"name": "amount"}]});
    let repo = json!({"name": "orders", "columns": [{"name": "amount"}, {"name": "id"}]});
    let merged = merge(&base, &vendor, &repo).merged.unwrap();
    assert_eq!(
        merged["columns"],
        json!([{"name": "amount"}, {"name": "id"}, {"name": "_loaded_at"}])
    );

    let base = json!({"columns": [{"name": "a"}, {"name": "b"}]});
    let vendor = json!({"columns": [{"name": "a"}, {"name": "b"}, {"name": "c"}]});
    let repo = json!({"columns": [{"name": "a"}, {"name": "z"}]});
    // `c` follows `b`, which the repository removed: it goes at the end.
    let merged = merge(&base, &vendor, &repo).merged.unwrap();
    assert_eq!(
        merged["columns"],
        json!([{"name": "a"}, {"name": "z"}, {"name": "c"}])
    );
}

#[test]
fn columns_added_on_both_sides_are_both_kept() {
    let base = orders();
    let vendor = with(&base, "/columns/-", Some(json!({"name": "currency"})));
    let repo = with(&base, "/columns/-", Some(json!({"name": "discount"})));
    let merged = merge(&base, &vendor, &repo).merged.unwrap();
    let names: Vec<&str> = merged["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    // `currency` follows `amount` in the vendor's list, so it goes right after it.
    assert_eq!(names, ["id", "status", "amount", "currency", "discount"]);
}

#[test]
fn the_same_column_added_differently_on_both_sides_merges_field_by_field() {
    let base = orders();
    let vendor = with(
        &base,
        "/columns/-",
        Some(json!({"name": "currency", "description": "ISO code", "data_type": "text"})),
    );
    let repo = with(
        &base,
        "/columns/-",
        Some(json!({"name": "currency", "description": "Currency", "data_tests": ["not_null"]})),
    );
    let result = merge(&base, &vendor, &repo);
    assert_eq!(
        paths(&result.conflicts),
        ["columns[name=currency].description"]
    );
    assert_eq!(result.conflicts[0].base, None);
    assert_eq!(
        result.merged.unwrap()["columns"][3],
        json!({"name": "currency", "description": "Currency", "data_tests": ["not_null"], "data_type": "text"})
    );
}

#[test]
fn a_column_removed_on_one_side_and_unchanged_on_the_other_is_removed() {
    let base = orders();
    let vendor = with(&base, "/columns/1", None);
    let repo = with(&base, "/columns/0/description", Some(json!("Key.")));
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean());
    let columns = result.merged.unwrap()["columns"].clone();
    assert_eq!(columns.as_array().unwrap().len(), 2);
    assert_eq!(columns[0]["description"], "Key.");
    assert_eq!(columns[1]["name"], "amount");
}

#[test]
fn a_column_removed_on_one_side_and_edited_on_the_other_conflicts() {
    let base = orders();
    let vendor = with(&base, "/columns/2/description", Some(json!("Total, EUR.")));
    let repo = with(&base, "/columns/2", None);
    let result = merge(&base, &vendor, &repo);
    assert_eq!(paths(&result.conflicts), ["columns[name=amount]"]);
    assert!(result.conflicts[0].is_deletion_against_edit());
    assert_eq!(
        result.merged.unwrap()["columns"].as_array().unwrap().len(),
        2
    );

    // The other way round: the repository edited what the vendor removed.
    let result = merge(&base, &repo, &vendor);
    assert_eq!(paths(&result.conflicts), ["columns[name=amount]"]);
    assert_eq!(
        result.merged.unwrap()["columns"][2]["description"],
        "Total, EUR."
    );
}

#[test]
fn tests_merge_by_name_in_their_short_and_long_forms() {
    let base = orders();
    // The vendor relaxes `unique` to a warning (the same test, in its long form) and adds one.
    let vendor = with(
        &base,
        "/columns/0/data_tests",
        Some(json!([
            {"unique": {"config": {"severity": "warn"}}},
            "not_null",
            {"relationships": {"to": "ref('customers')", "field": "id"}}
        ])),
    );
    // The repository drops `not_null` and adds its own accepted_values to `status`.
    let repo = with(&base, "/columns/0/data_tests", Some(json!(["unique"])));
    let repo = with(
        &repo,
        "/columns/1/data_tests/-",
        Some(json!({"accepted_values": {"name": "status_known", "values": ["returned"]}})),
    );
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean(), "{:?}", result.conflicts);
    let merged = result.merged.unwrap();
    assert_eq!(
        merged["columns"][0]["data_tests"],
        json!([
            {"unique": {"config": {"severity": "warn"}}},
            {"relationships": {"to": "ref('customers')", "field": "id"}}
        ])
    );
    assert_eq!(
        merged["columns"][1]["data_tests"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn test_arguments_changed_on_both_sides_conflict_at_the_test() {
    let base = orders();
    let at = "/columns/1/data_tests/0/accepted_values/values";
    let vendor = with(&base, at, Some(json!(["placed", "shipped", "returned"])));
    let repo = with(&base, at, Some(json!(["placed", "shipped", "lost"])));
    let result = merge(&base, &vendor, &repo);
    // Scalar lists are keyed too: both additions are kept, the vendor's after its neighbour.
    assert!(result.is_clean());
    assert_eq!(
        result.merged.unwrap().pointer(at).unwrap(),
        &json!(["placed", "shipped", "returned", "lost"])
    );

    let at = "/columns/1/data_tests/0/accepted_values/quote";
    let vendor = with(&base, at, Some(json!(false)));
    let repo = with(&base, at, Some(json!(true)));
    let result = merge(&base, &vendor, &repo);
    assert_eq!(
        paths(&result.conflicts),
        ["columns[name=status].data_tests[name=accepted_values].accepted_values.quote"]
    );
}

#[test]
fn tags_merge_as_a_set_in_the_repo_order() {
    let base = orders();
    let vendor = with(
        &base,
        "/config/tags",
        Some(json!(["nightly", "finance", "pii"])),
    );
    let repo = with(&base, "/config/tags", Some(json!(["finance"])));
    let merged = merge(&base, &vendor, &repo).merged.unwrap();
    assert_eq!(merged["config"]["tags"], json!(["finance", "pii"]));
}

#[test]
fn lists_that_are_not_keyed_merge_as_one_value() {
    let base =
        json!({"name": "orders", "config": {"pre_hook": ["a", "a"], "grants": {"select": ["x"]}}});
    let vendor = with(&base, "/config/pre_hook", Some(json!(["a", "a", "b"])));
    let repo = with(&base, "/config/pre_hook", Some(json!(["c"])));
    let result = merge(&base, &vendor, &repo);
    assert_eq!(paths(&result.conflicts), ["config.pre_hook"]);
    assert_eq!(result.merged.unwrap()["config"]["pre_hook"], json!(["c"]));

    // A list of lists has no identities either.
    let base = json!({"rows": [[1, 2]]});
    let vendor = json!({"rows": [[1, 2], [3, 4]]});
    let repo = json!({"rows": [[0, 2]]});
    assert_eq!(paths(&merge(&base, &vendor, &repo).conflicts), ["rows"]);
}

#[test]
fn source_tables_are_a_named_list() {
    let base = json!({
        "name": "shop", "database": "raw", "schema": "shop",
        "tables": [
            {"name": "orders", "columns": [{"name": "id"}]},
            {"name": "customers", "loaded_at_field": "_loaded_at"}
        ]
    });
    let vendor = with(
        &base,
        "/tables/-",
        Some(json!({"name": "payments", "description": "Payments."})),
    );
    let vendor = with(
        &vendor,
        "/tables/0/columns/0/description",
        Some(json!("Order key.")),
    );
    let repo = with(
        &base,
        "/tables/1/freshness",
        Some(json!({"warn_after": {"count": 12, "period": "hour"}})),
    );
    let repo = with(
        &repo,
        "/tables/0/columns/0/description",
        Some(json!("Primary key.")),
    );
    let result = merge(&base, &vendor, &repo);
    assert_eq!(
        paths(&result.conflicts),
        ["tables[name=orders].columns[name=id].description"]
    );
    let merged = result.merged.unwrap();
    assert_eq!(merged["tables"][2]["name"], "payments");
    assert_eq!(merged["tables"][1]["freshness"]["warn_after"]["count"], 12);
    assert_eq!(
        merged["tables"][0]["columns"][0]["description"],
        "Primary key."
    );
}

#[test]
fn semantic_model_entities_dimensions_and_measures_merge_by_name() {
    let base = json!({
        "name": "orders", "model": "ref('orders')",
        "entities": [{"name": "order", "type": "primary", "expr": "id"}],
        "dimensions": [{"name": "ordered_at", "type": "time", "type_params": {"time_granularity": "day"}}],
        "measures": [{"name": "order_total", "agg": "sum", "expr": "amount"}]
    });
    let vendor = with(
        &base,
        "/measures/-",
        Some(json!({"name": "order_count", "agg": "count", "expr": "1"})),
    );
    let vendor = with(
        &vendor,
        "/dimensions/0/type_params/time_granularity",
        Some(json!("hour")),
    );
    let repo = with(
        &base,
        "/entities/-",
        Some(json!({"name": "customer", "type": "foreign", "expr": "customer_id"})),
    );
    let repo = with(&repo, "/measures/0/agg", Some(json!("average")));
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean());
    let merged = result.merged.unwrap();
    assert_eq!(merged["entities"].as_array().unwrap().len(), 2);
    assert_eq!(
        merged["dimensions"][0]["type_params"]["time_granularity"],
        "hour"
    );
    assert_eq!(merged["measures"][0]["agg"], "average");
    assert_eq!(merged["measures"][1]["name"], "order_count");
}
