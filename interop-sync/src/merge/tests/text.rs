//! Text fields: line merges, text conflicts and their markers.

use serde_json::json;

use super::*;

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
