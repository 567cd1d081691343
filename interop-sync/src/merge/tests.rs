//! The merge rules, one test a rule, on realistic dbt entries.

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
fn a_one_line_description_changed_differently_conflicts_without_a_text_merge() {
    let base = orders();
    let vendor = with(&base, "/description", Some(json!("Orders placed online.")));
    let repo = with(&base, "/description", Some(json!("All orders.")));
    let result = merge(&base, &vendor, &repo);
    assert_eq!(paths(&result.conflicts), ["description"]);
    let conflict = &result.conflicts[0];
    assert_eq!(conflict.text, None);
    assert_eq!(conflict.base, Some(json!("One row per order.")));
    assert_eq!(result.merged.unwrap()["description"], "All orders.");
}

#[test]
fn a_multi_line_description_edited_in_different_places_merges() {
    let base =
        json!({"name": "orders", "description": "Orders.\n\nOne row per order.\nSource: shop."});
    let vendor = json!({"name": "orders", "description": "Orders placed online.\n\nOne row per order.\nSource: shop."});
    let repo = json!({"name": "orders", "description": "Orders.\n\nOne row per order.\nSource: shop.\nRefreshed hourly."});
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean());
    assert_eq!(
        result.merged.unwrap()["description"],
        "Orders placed online.\n\nOne row per order.\nSource: shop.\nRefreshed hourly."
    );
}

#[test]
fn any_string_with_lines_on_both_sides_merges_as_text() {
    let base =
        json!({"name": "orders", "config": {"post_hook": "grant select\non orders\nto a;\n"}});
    let vendor =
        json!({"name": "orders", "config": {"post_hook": "grant select\non orders\nto b;\n"}});
    let repo =
        json!({"name": "orders", "config": {"post_hook": "GRANT SELECT\non orders\nto a;\n"}});
    let result = merge(&base, &vendor, &repo);
    assert!(result.is_clean());
    assert_eq!(
        result.merged.unwrap()["config"]["post_hook"],
        "GRANT SELECT\non orders\nto b;\n"
    );
}

#[test]
fn sql_edited_in_the_same_lines_is_a_text_conflict() {
    let sql = "select\n    id,\n    amount\nfrom {{ ref('stg_orders') }}\nwhere amount > 0\n";
    let base = json!({"name": "orders", "sql": sql});
    let vendor = json!({"name": "orders", "sql": sql.replace("amount > 0", "amount >= 0")});
    let repo = json!({"name": "orders", "sql": sql.replace("amount > 0", "status <> 'test'").replace("    id,", "    order_id,")});
    let result = merge(&base, &vendor, &repo);
    assert_eq!(paths(&result.conflicts), ["sql"]);
    let text = result.conflicts[0].text.as_ref().unwrap();
    let regions: Vec<_> = text.regions().collect();
    assert_eq!(regions.len(), 1);
    assert_eq!(regions[0].base, "where amount > 0\n");
    assert_eq!(regions[0].vendor, "where amount >= 0\n");
    assert_eq!(regions[0].repo, "where status <> 'test'\n");
    assert_eq!(regions[0].base_lines, 4..5);
    assert_eq!(
        text.render_markers(),
        "select\n    order_id,\n    amount\nfrom {{ ref('stg_orders') }}\n\
         <<<<<<< repo\nwhere status <> 'test'\n||||||| base\nwhere amount > 0\n=======\n\
         where amount >= 0\n>>>>>>> vendor\n"
    );
    // Manual: the repository's SQL stays as it is, without markers.
    assert_eq!(result.merged.unwrap()["sql"], repo["sql"]);
}

#[test]
fn markers_are_longer_than_any_marker_like_run_in_the_text() {
    let base = "# Orders\n=========\nold\n";
    let conflict = merge_text(
        base,
        "# Orders\n=========\nvendor\n",
        "# Orders\n=========\nrepo\n",
    )
    .unwrap_err();
    assert_eq!(conflict.marker_len(), 10);
    let rendered = conflict.render_markers();
    assert!(rendered.contains("\n<<<<<<<<<< repo\n"));
    assert!(rendered.contains("\n==========\n"));
    assert!(rendered.contains("\n>>>>>>>>>> vendor"));
}

#[test]
fn a_missing_final_newline_does_not_make_an_append_collide() {
    // git merge-file would conflict here: the vendor's new last line changes the old last line
    // (which gains a newline), right next to the repository's edit.
    let base = "Orders.\nOne row per order.";
    let vendor = "Orders.\nOne row per order.\nSource: shop.";
    let repo = "All orders.\nOne row per order.";
    assert_eq!(
        merge_text(base, vendor, repo).unwrap(),
        "All orders.\nOne row per order.\nSource: shop."
    );
    // The final newline itself merges like a field.
    assert_eq!(merge_text("a\nb", "a\nb\n", "A\nb").unwrap(), "A\nb\n");
    assert_eq!(merge_text("a\nb\n", "a\nb\n", "A\nb").unwrap(), "A\nb");
}

#[test]
fn conflict_regions_keep_each_side_exact_at_the_end_of_a_text() {
    let conflict = merge_text("a\nb", "a\nvendor", "a\nrepo\n").unwrap_err();
    let region = conflict.regions().next().unwrap();
    assert_eq!(
        (region.base.as_str(), region.vendor.as_str()),
        ("b", "vendor")
    );
    assert_eq!(region.repo, "repo\n");
    assert_eq!(
        conflict.render_markers(),
        "a\n<<<<<<< repo\nrepo\n||||||| base\nb\n=======\nvendor\n>>>>>>> vendor\n"
    );
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

#[test]
fn a_change_of_type_on_both_sides_conflicts() {
    let base = json!({"name": "orders", "config": {"meta": {"owner": "ana"}}});
    let vendor = json!({"name": "orders", "config": {"meta": "see docs"}});
    let repo = json!({"name": "orders", "config": {"meta": {"owner": "bea"}}});
    let result = merge(&base, &vendor, &repo);
    assert_eq!(paths(&result.conflicts), ["config.meta"]);
}

#[test]
fn policies_pick_a_side_and_keep_the_conflict_for_reporting() {
    let base = orders();
    let vendor = with(&base, "/description", Some(json!("Vendor text.")));
    let vendor = with(
        &vendor,
        "/columns/0/description",
        Some(json!("Vendor key.")),
    );
    let vendor = with(&vendor, "/config/meta/owner", Some(json!("vendor")));
    let repo = with(&base, "/description", Some(json!("Repo text.")));
    let repo = with(&repo, "/columns/0/description", Some(json!("Repo key.")));
    let repo = with(&repo, "/config/meta/owner", Some(json!("repo")));

    let policies = Policies::new(Policy::Manual)
        .with("description", Policy::PreferVendor)
        .unwrap()
        .with("columns[*].description", Policy::PreferVendor)
        .unwrap()
        .with("config.meta.*", Policy::PreferRepo)
        .unwrap();
    let result = merge_resource(Some(&base), Some(&vendor), Some(&repo), &policies);
    assert!(result.is_clean());
    assert_eq!(
        paths(&result.auto_resolved),
        [
            "description",
            "config.meta.owner",
            "columns[name=id].description"
        ]
    );
    let merged = result.merged.unwrap();
    assert_eq!(merged["description"], "Vendor text.");
    assert_eq!(merged["columns"][0]["description"], "Vendor key.");
    assert_eq!(merged["config"]["meta"]["owner"], "repo");

    // The last matching rule wins.
    let policies = policies.with("columns[name=id]", Policy::Manual).unwrap();
    let result = merge_resource(Some(&base), Some(&vendor), Some(&repo), &policies);
    assert_eq!(paths(&result.conflicts), ["columns[name=id].description"]);
    assert_eq!(
        result.merged.unwrap()["columns"][0]["description"],
        "Repo key."
    );
}

#[test]
fn a_prefer_policy_on_text_takes_its_side_only_where_the_lines_conflict() {
    let base = json!({"name": "orders", "sql": "select id\nfrom a\nwhere x\n"});
    let vendor = json!({"name": "orders", "sql": "select id\nfrom a\nwhere y\n"});
    let repo = json!({"name": "orders", "sql": "select id, amount\nfrom a\nwhere z\n"});
    let policies = Policies::new(Policy::PreferVendor);
    let result = merge_resource(Some(&base), Some(&vendor), Some(&repo), &policies);
    assert!(result.is_clean());
    assert_eq!(paths(&result.auto_resolved), ["sql"]);
    // The repository's edit of the first line is kept; the conflicting line is the vendor's.
    assert_eq!(
        result.merged.unwrap()["sql"],
        "select id, amount\nfrom a\nwhere y\n"
    );

    let policies = Policies::new(Policy::PreferRepo);
    let result = merge_resource(Some(&base), Some(&vendor), Some(&repo), &policies);
    assert_eq!(result.merged.unwrap()["sql"], repo["sql"]);
}

#[test]
fn field_patterns_parse_match_and_reject_positions() {
    let path = |p: &str| FieldPath::parse(p).unwrap();
    let pattern = |p: &str| FieldPattern::parse(p).unwrap();
    assert!(pattern("columns[*].description").matches(&path("columns[name=id].description")));
    assert!(!pattern("columns[*].description").matches(&path("columns[name=id]")));
    assert!(!pattern("columns[*].description").matches(&path("description")));
    assert!(pattern("config.meta.*").matches(&path("config.meta.owner.email")));
    assert!(!pattern("config.meta.*").matches(&path("config.meta")));
    assert!(pattern("*").matches(&path("columns[name=id]")));
    assert!(pattern("tables[name='orders']").matches(&path("tables[name=orders].description")));
    assert!(!pattern("columns.id").matches(&path("columns[name=id]")));
    assert_eq!(
        pattern("columns[*].description").to_string(),
        "columns[*].description"
    );

    let err = FieldPattern::parse("columns[0].description").unwrap_err();
    assert!(err.to_string().contains("list positions"), "{err}");
    assert!(FieldPattern::parse("").is_err());
    assert!(FieldPattern::parse("columns[*").is_err());
}

#[test]
fn policies_read_from_configuration() {
    let policies: Policies = serde_json::from_value(json!({
        "default": "prefer-repo",
        "fields": [["description", "prefer-vendor"], ["columns[*].description", "manual"]]
    }))
    .unwrap();
    assert_eq!(policies.default, Policy::PreferRepo);
    assert_eq!(policies.fields[1].1, Policy::Manual);
    let empty: Policies = serde_json::from_value(json!({})).unwrap();
    assert_eq!(empty, Policies::default());
    assert_eq!(empty.default, Policy::Manual);
    assert_eq!(
        serde_json::to_value(Policy::PreferVendor).unwrap(),
        "prefer-vendor"
    );
    assert!(serde_json::from_value::<Policies>(json!({"fields": [["a[0]", "manual"]]})).is_err());
}

#[test]
fn conflicts_round_trip_through_json_telling_absent_from_null() {
    let base = json!({"name": "orders", "meta": null, "description": "a\nb\n"});
    let vendor = json!({"name": "orders", "meta": {"x": 1}, "description": "a\nB\n"});
    let repo = json!({"name": "orders", "description": "a\nb2\n"});
    let result = merge(&base, &vendor, &repo);
    assert_eq!(paths(&result.conflicts), ["description", "meta"]);
    let meta = &result.conflicts[1];
    assert_eq!(
        (meta.base.clone(), meta.repo.clone()),
        (Some(Value::Null), None)
    );
    let stored = serde_json::to_value(&result).unwrap();
    assert_eq!(stored["conflicts"][1]["path"], "meta");
    assert_eq!(
        serde_json::from_value::<MergeResult>(stored).unwrap(),
        result
    );
}
