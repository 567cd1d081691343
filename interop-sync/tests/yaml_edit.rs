//! The lossless editor, case by case: each case gives the bytes before, the edits, and the exact
//! bytes after. `verified_edit` also checks that nothing outside the splices moved.

use interop_sync::edit::{EditError, SpliceEditor, YamlEdit, YamlEditor, YamlPath};
use serde_json::{Value, json};

fn p(path: &str) -> YamlPath {
    YamlPath::parse(path).unwrap()
}

fn set(path: &str, value: Value) -> YamlEdit {
    YamlEdit::Set {
        path: p(path),
        value,
    }
}

/// Applies `edits` to `before`, asserts the exact `after`, and that the bytes outside the
/// splices are the original's.
fn verified_edit(before: &str, edits: &[YamlEdit], after: &str) {
    let out = SpliceEditor::default()
        .apply(before, edits)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.text, after,
        "\n--- got ---\n{}\n--- want ---\n{after}",
        out.text
    );
    // Replaying the splices on the original reproduces the result, and every byte outside them
    // is carried over untouched.
    let mut replay = before.to_string();
    for s in &out.splices {
        assert!(replay.is_char_boundary(s.range.start) && replay.is_char_boundary(s.range.end));
        replay.replace_range(s.range.clone(), &s.text);
    }
    assert_eq!(replay, out.text);
    if out.splices.len() == 1 {
        let s = &out.splices[0];
        assert_eq!(&out.text[..s.range.start], &before[..s.range.start]);
        assert_eq!(
            &out.text[s.range.start + s.text.len()..],
            &before[s.range.end..]
        );
    }
}

const SHOP: &str = "\
version: 2

# Orders, one row per order.
models:
  - name: orders
    description: \"{{ doc('orders') }}\"   # keep the doc block
    config:
      materialized: table
      tags: ['finance']
    columns:
      - name: order_id
        description: 'Primary key'
        data_tests:
          - unique
          - not_null

      - name: status
        description: >
          Where the order is
          in its life.
";

#[test]
fn set_keeps_double_quotes_and_the_comment() {
    verified_edit(
        "models:\n  - name: a\n    description: \"Old\"  # note\n",
        &[set("models[name=a].description", json!("New text"))],
        "models:\n  - name: a\n    description: \"New text\"  # note\n",
    );
}

#[test]
fn set_keeps_single_quotes() {
    let after = SHOP.replace("'Primary key'", "'The order''s key'");
    verified_edit(
        SHOP,
        &[set(
            "models[name=orders].columns[name=order_id].description",
            json!("The order's key"),
        )],
        &after,
    );
}

#[test]
fn set_plain_value_quotes_what_yaml_would_misread() {
    verified_edit("a: x\n", &[set("a", json!("yes"))], "a: 'yes'\n");
    verified_edit("a: x\n", &[set("a", json!("1.0"))], "a: '1.0'\n");
    verified_edit("a: x\n", &[set("a", json!("b: c"))], "a: 'b: c'\n");
    verified_edit("a: x\n", &[set("a", json!("x #y"))], "a: 'x #y'\n");
}

#[test]
fn set_folded_block_keeps_its_indentation() {
    let after = SHOP.replace(
        ">\n          Where the order is\n          in its life.",
        "|\n          Order status.\n          One of placed, shipped.",
    );
    verified_edit(
        SHOP,
        &[set(
            "models[name=orders].columns[name=status].description",
            json!("Order status.\nOne of placed, shipped.\n"),
        )],
        &after,
    );
}

#[test]
fn insert_new_key_after_last_with_file_indent() {
    verified_edit(
        "models:\n    - name: a\n      description: x\n",
        &[set(
            "models[name=a].config",
            json!({"materialized": "view", "tags": ["x"]}),
        )],
        "models:\n    - name: a\n      description: x\n      config:\n          materialized: view\n          tags:\n              - x\n",
    );
}

#[test]
fn insert_after_a_named_key() {
    verified_edit(
        "models:\n  - name: a\n    columns: []\n",
        &[YamlEdit::Insert {
            path: p("models[name=a]"),
            key: "description".into(),
            value: json!("A"),
            after: Some("name".into()),
        }],
        "models:\n  - name: a\n    description: A\n    columns: []\n",
    );
}

#[test]
fn append_column_in_indentless_file() {
    verified_edit(
        "models:\n- name: a\n  columns:\n  - name: id\n",
        &[YamlEdit::Append {
            path: p("models[name=a].columns"),
            value: json!({"name": "amount", "data_tests": ["not_null"]}),
        }],
        "models:\n- name: a\n  columns:\n  - name: id\n  - name: amount\n    data_tests:\n    - not_null\n",
    );
}

#[test]
fn append_test_keeps_the_blank_line_and_comments() {
    let after = SHOP.replace("          - not_null\n", "          - not_null\n          - accepted_values:\n              arguments:\n                values:\n                  - 1\n");
    verified_edit(
        SHOP,
        &[YamlEdit::Append {
            path: p("models[name=orders].columns[name=order_id].data_tests"),
            value: json!({"accepted_values": {"arguments": {"values": [1]}}}),
        }],
        &after,
    );
}

#[test]
fn append_to_flow_sequence_stays_flow() {
    let after = SHOP.replace("tags: ['finance']", "tags: ['finance', core]");
    verified_edit(
        SHOP,
        &[YamlEdit::Append {
            path: p("models[name=orders].config.tags"),
            value: json!("core"),
        }],
        &after,
    );
}

#[test]
fn set_key_in_flow_mapping_stays_flow() {
    verified_edit(
        "a: {owner: bob}\n",
        &[set("a.team", json!("data"))],
        "a: {owner: bob, team: data}\n",
    );
}

#[test]
fn remove_key_takes_its_lines() {
    let after = SHOP.replace("      materialized: table\n", "");
    verified_edit(
        SHOP,
        &[YamlEdit::Remove {
            path: p("models[name=orders].config.materialized"),
        }],
        &after,
    );
}

#[test]
fn remove_first_key_of_a_list_item() {
    verified_edit(
        "cols:\n  - description: d\n    name: a\n",
        &[YamlEdit::Remove {
            path: p("cols[0].description"),
        }],
        "cols:\n  - name: a\n",
    );
}

#[test]
fn remove_list_item() {
    let after = SHOP.replace("          - unique\n", "");
    verified_edit(
        SHOP,
        &[YamlEdit::Remove {
            path: p("models[name=orders].columns[name=order_id].data_tests[0]"),
        }],
        &after,
    );
}

#[test]
fn remove_from_flow_list() {
    verified_edit(
        "t: [a, b, c]\n",
        &[YamlEdit::Remove { path: p("t[1]") }],
        "t: [a, c]\n",
    );
    verified_edit(
        "t: [a, b, c]\n",
        &[YamlEdit::Remove { path: p("t[2]") }],
        "t: [a, b]\n",
    );
}

#[test]
fn rename_key() {
    verified_edit(
        "models:\n  - name: a\n    tests: [unique]\n",
        &[YamlEdit::RenameKey {
            path: p("models[0].tests"),
            new_key: "data_tests".into(),
        }],
        "models:\n  - name: a\n    data_tests: [unique]\n",
    );
}

#[test]
fn crlf_file_stays_crlf() {
    verified_edit(
        "models:\r\n  - name: a\r\n    description: x\r\n",
        &[set("models[name=a].data_tests", json!(["unique"]))],
        "models:\r\n  - name: a\r\n    description: x\r\n    data_tests:\r\n      - unique\r\n",
    );
}

#[test]
fn missing_final_newline_is_kept() {
    verified_edit(
        "models:\n  - name: a\n    description: x",
        &[set("models[name=a].label", json!("A"))],
        "models:\n  - name: a\n    description: x\n    label: A",
    );
}

#[test]
fn doc_block_reference_is_left_alone_when_another_key_changes() {
    let after = SHOP.replace("materialized: table", "materialized: view");
    verified_edit(
        SHOP,
        &[set(
            "models[name=orders].config.materialized",
            json!("view"),
        )],
        &after,
    );
    assert!(after.contains("\"{{ doc('orders') }}\"   # keep the doc block"));
}

#[test]
fn anchors_and_aliases_survive_an_edit_elsewhere() {
    let before = "anchors:\n  - &cfg {severity: warn}\nmodels:\n  - name: a\n    config: *cfg\n    description: x\n";
    verified_edit(
        before,
        &[set("models[name=a].description", json!("y"))],
        &before.replace("description: x", "description: y"),
    );
}

#[test]
fn several_edits_in_one_file() {
    let out = SpliceEditor::default()
        .apply(
            SHOP,
            &[
                set("models[name=orders].description", json!("All orders")),
                YamlEdit::Append {
                    path: p("models[name=orders].columns"),
                    value: json!({"name": "amount", "description": "Total"}),
                },
                YamlEdit::Remove {
                    path: p("models[name=orders].columns[name=status]"),
                },
            ],
        )
        .unwrap();
    assert!(
        out.text
            .contains("description: \"All orders\"   # keep the doc block")
    );
    assert!(
        out.text
            .contains("      - name: amount\n        description: Total\n")
    );
    assert!(!out.text.contains("status"));
    assert!(
        out.text
            .starts_with("version: 2\n\n# Orders, one row per order.\n")
    );
}

#[test]
fn bad_path_is_an_error_and_nothing_changes() {
    let err = SpliceEditor::default()
        .apply(SHOP, &[set("models[name=nope].description", json!("x"))])
        .unwrap_err();
    assert!(matches!(err, EditError::Path { .. }), "{err}");
    assert!(err.to_string().contains("no entry named 'nope'"), "{err}");
}

#[test]
fn broken_file_is_refused() {
    let err = SpliceEditor::default()
        .apply("a: [\n", &[set("a", json!(1))])
        .unwrap_err();
    assert!(matches!(err, EditError::Unreadable(_)), "{err}");
}

#[test]
fn empty_file_gets_its_first_key() {
    verified_edit(
        "",
        &[YamlEdit::Append {
            path: p("models"),
            value: json!({"name": "a"}),
        }],
        "models:\n  - name: a\n",
    );
}

/// Found by the property test: a multi-line value replacing a scalar that has a comment after
/// it would have swallowed the comment into a block scalar.
#[test]
fn regression_multiline_value_before_a_comment_stays_on_its_line() {
    verified_edit(
        "models:\n  - name: a\n    description: \"aa\"  # why\n",
        &[set("models[0].description", json!("line one\nline two\n"))],
        "models:\n  - name: a\n    description: \"line one\\nline two\\n\"  # why\n",
    );
}

// Regressions found by the `yaml_edit` fuzz target (fuzz/): each input once panicked.

#[test]
fn fuzz_insert_of_a_key_that_exists_is_refused() {
    let before = "models:\n  - name: orders\n    description: Orders\n";
    for after in [None, Some("name".to_string())] {
        let edit = YamlEdit::Insert {
            path: p("models[name=orders]"),
            key: "description".into(),
            value: json!("Again"),
            after,
        };
        let err = SpliceEditor::default().apply(before, &[edit]).unwrap_err();
        assert!(
            matches!(&err, EditError::Path { reason, .. } if reason.contains("'description' exists")),
            "{err}"
        );
    }
}

#[test]
fn fuzz_rename_onto_a_key_that_exists_is_refused() {
    let before = "models:\n  - name: orders\n    description: Orders\n    tags: [a]\n";
    let edit = YamlEdit::RenameKey {
        path: p("models[name=orders].tags"),
        new_key: "description".into(),
    };
    let err = SpliceEditor::default().apply(before, &[edit]).unwrap_err();
    assert!(
        matches!(&err, EditError::Path { reason, .. } if reason.contains("'description' exists")),
        "{err}"
    );
    // Renaming a key to itself changes nothing.
    let same = YamlEdit::RenameKey {
        path: p("models[name=orders].tags"),
        new_key: "tags".into(),
    };
    verified_edit(before, &[same], before);
}
