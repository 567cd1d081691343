//! Policies and field patterns, and conflicts kept as values (JSON round trip).

use serde_json::{Value, json};

use super::*;

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
