//! Broken input gives a precise error (file, line, column, YAML path), never a panic, and one
//! broken file does not stop the rest of the project from being read.

use std::path::Path;

use interop_sync::read::{FolderSource, ProjectReadError, ReadError, ReadErrorKind, Reader};
use interop_sync::safety::Limits;

/// A small valid project plus one extra file.
fn project_with(extra_path: &str, extra: &[u8]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let write = |p: &str, bytes: &[u8]| {
        let path = tmp.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write("dbt_project.yml", b"name: acme\nprofile: acme\n");
    write("models/orders.sql", b"select 1 as order_id\n");
    write(
        "models/_models.yml",
        b"models:\n  - name: orders\n    description: Orders\n    columns:\n      - name: order_id\n        data_tests: [unique]\n",
    );
    write(extra_path, extra);
    tmp
}

fn read_errors(extra_path: &str, extra: &[u8]) -> Vec<ReadError> {
    let tmp = project_with(extra_path, extra);
    let project = Reader::default()
        .read(&FolderSource::new(tmp.path()))
        .unwrap();
    // The good files are still read.
    assert!(
        project.get("model.acme.orders").is_some(),
        "the valid model was not read"
    );
    assert!(project.resources.iter().any(|r| {
        r.unique_id
            .as_str()
            .starts_with("test.acme.unique_orders_order_id.")
    }));
    assert!(
        !project.errors.is_empty(),
        "no error reported for {extra_path}"
    );
    project.errors
}

fn one_error(extra_path: &str, extra: &str) -> ReadError {
    let errors = read_errors(extra_path, extra.as_bytes());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

fn assert_at(e: &ReadError, kind: ReadErrorKind, line: usize, column: usize, yaml_path: &str) {
    assert_eq!(
        (e.kind, e.line, e.column, e.yaml_path.as_str()),
        (kind, line, column, yaml_path),
        "{e}"
    );
}

#[test]
fn broken_yaml_syntax() {
    let e = one_error(
        "models/bad.yml",
        "models:\n  - name: x\n    description: [unclosed\n",
    );
    assert_eq!(e.file, "models/bad.yml");
    assert_eq!(e.kind, ReadErrorKind::Syntax);
    assert!(e.line >= 3, "{e}");
    assert!(e.to_string().starts_with("models/bad.yml:"), "{e}");
}

#[test]
fn duplicate_keys() {
    let e = one_error(
        "models/dup.yml",
        "models:\n  - name: orders_2\n    description: a\n    description: b\n",
    );
    assert_at(&e, ReadErrorKind::Syntax, 4, 5, "models[0].description");
    assert!(
        e.message
            .contains("duplicate key 'description' (first defined on line 3)"),
        "{e}"
    );
}

#[test]
fn wrong_type_for_a_list() {
    let e = one_error(
        "models/wrong.yml",
        "sources:\n  - name: shop\n    tables: raw_orders\n",
    );
    assert_at(&e, ReadErrorKind::WrongType, 3, 13, "sources[0].tables");
}

#[test]
fn wrong_type_for_tests() {
    // The seed does not exist either; that is reported too.
    let errors = read_errors(
        "models/wrong_tests.yml",
        b"seeds:\n  - name: s\n    data_tests: unique\n",
    );
    let e = errors
        .iter()
        .find(|e| e.kind == ReadErrorKind::WrongType)
        .expect("a wrong-type error");
    assert_at(e, ReadErrorKind::WrongType, 3, 17, "seeds[0].data_tests");
    assert!(
        errors
            .iter()
            .any(|e| e.kind == ReadErrorKind::Reference && e.message.contains("no seed named 's'"))
    );
}

#[test]
fn entry_without_a_name() {
    let e = one_error(
        "models/noname.yml",
        "exposures:\n  - type: dashboard\n    owner: {name: a}\n",
    );
    assert_at(&e, ReadErrorKind::Missing, 2, 5, "exposures[0]");
}

#[test]
fn unknown_top_level_key() {
    let e = one_error(
        "models/unknown.yml",
        "version: 2\nlightdash:\n  charts: []\n",
    );
    assert_at(&e, ReadErrorKind::UnknownKey, 2, 1, "lightdash");
}

#[test]
fn non_utf8_file() {
    let errors = read_errors("models/latin1.yml", b"models:\n  - name: caf\xe9\n");
    assert_eq!(errors.len(), 1);
    assert_at(&errors[0], ReadErrorKind::Encoding, 2, 14, "");
}

#[test]
fn byte_order_mark_is_accepted() {
    let tmp = project_with(
        "models/bom.yml",
        "\u{feff}groups:\n  - name: finance\n    owner: {name: Fin}\n".as_bytes(),
    );
    let project = Reader::default()
        .read(&FolderSource::new(tmp.path()))
        .unwrap();
    assert!(project.errors.is_empty(), "{:#?}", project.errors);
    assert!(project.get("group.acme.finance").is_some());
}

#[test]
fn enormous_file_is_refused_before_parsing() {
    let big = "# padding\n".repeat(5_300_000); // 53 MB
    let errors = read_errors("models/huge.yml", big.as_bytes());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind, ReadErrorKind::Limit);
    assert!(
        errors[0].message.contains("max_file_bytes"),
        "{}",
        errors[0]
    );
}

#[test]
fn deep_nesting() {
    let deep = format!(
        "models:\n  - name: orders_deep\n    config:\n      meta: {}{}\n",
        "[".repeat(500),
        "]".repeat(500)
    );
    let e = one_error("models/deep.yml", &deep);
    assert_eq!(e.kind, ReadErrorKind::Limit, "{e}");
    assert_eq!(e.line, 4, "{e}");
}

#[test]
fn alias_bomb() {
    let mut text = String::from("anchors:\n  - &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9u8 {
        let (p, c) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        text.push_str(&format!(
            "  - &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        ));
    }
    let e = one_error("models/bomb.yml", &text);
    assert_eq!(e.kind, ReadErrorKind::Limit, "{e}");
    assert!(e.message.contains("max_alias_nodes"), "{e}");
}

#[test]
fn unclosed_jinja_block_in_docs() {
    let e = one_error("models/docs.md", "intro\n\n{% docs orders %}\nOrders.\n");
    assert_eq!(e.kind, ReadErrorKind::Jinja);
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn missing_docs_block() {
    let e = one_error(
        "models/more.yml",
        "models:\n  - name: orders_more\n    description: \"{{ doc('nope') }}\"\n",
    );
    // Both the dangling patch and the missing doc are reported; the doc one is checked here.
    assert!(
        e.message.contains("no model named 'orders_more'") || e.message.contains("doc('nope')"),
        "{e}"
    );
}

#[test]
fn missing_dbt_project_yml() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("models")).unwrap();
    let err = Reader::default()
        .read(&FolderSource::new(tmp.path()))
        .unwrap_err();
    assert!(matches!(err, ProjectReadError::Project(_)));
    assert!(err.to_string().contains("no dbt_project.yml"), "{err}");
}

#[test]
fn invalid_project_name() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("dbt_project.yml"), "name: my-project\n").unwrap();
    let err = Reader::default()
        .read(&FolderSource::new(tmp.path()))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("dbt_project.yml:1:7: name: 'my-project' is not a valid project name"),
        "{err}"
    );
}

#[test]
fn too_many_files() {
    let tmp = project_with("models/a.sql", b"select 1");
    let limits = Limits {
        max_files: 2,
        ..Limits::default()
    };
    let err = Reader::new(limits)
        .read(&FolderSource::new(tmp.path()))
        .unwrap_err();
    assert!(
        matches!(err, ProjectReadError::TooManyFiles { .. }),
        "{err}"
    );
}

#[test]
#[cfg(unix)]
fn symlink_out_of_the_project_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.yml"), "models: []\n").unwrap();
    let tmp = project_with("models/a.sql", b"select 1");
    std::os::unix::fs::symlink(
        outside.path().join("secret.yml"),
        tmp.path().join("models/link.yml"),
    )
    .unwrap();
    let err = Reader::default()
        .read(&FolderSource::new(tmp.path()))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("models/link.yml: symlink points outside the project"),
        "{err}"
    );
}

#[test]
fn random_bytes_never_panic() {
    // A cheap deterministic stand-in for the fuzz target: every prefix of a realistic file.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/shop/dbt_project.yml"),
    )
    .unwrap_or_else(|_| "name: x\nmodels:\n  x:\n    +materialized: view\n".into());
    for end in 0..text.len() {
        if text.is_char_boundary(end) {
            let _ = interop_sync::read::yaml::parse(&text[..end], &Limits::default());
        }
    }
}
