//! Resource limits: the defaults are the documented ones, they fit real projects and stop
//! hostile input quickly, and each limit is honoured when set, by the reader and the editor.

use std::path::Path;
use std::time::{Duration, Instant};

use interop_sync::edit::plan::{PlanOptions, ResourceOp, apply_plan};
use interop_sync::read::{FolderSource, ProjectReadError, ReadErrorKind, Reader, yaml};
use interop_sync::safety::Limits;
use serde_json::json;

/// A small project with one extra properties file.
fn project(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("dbt_project.yml", "name: acme\nprofile: acme\n");
    write("models/orders.sql", "select 1 as order_id\n");
    write("models/_extra.yml", extra);
    dir
}

fn limit_errors(dir: &Path, limits: Limits) -> Vec<String> {
    let project = Reader::new(limits).read(&FolderSource::new(dir)).unwrap();
    project
        .errors
        .iter()
        .filter(|e| e.kind == ReadErrorKind::Limit)
        .map(|e| e.to_string())
        .collect()
}

const NESTED: &str = "groups:\n  - name: finance\n    owner: {name: Finance}\n    config:\n      meta:\n        a: {b: {c: 1}}\n";
const ALIASES: &str = "anchors:\n  - &tags [a, b, c, d]\ngroups:\n  - name: finance\n    owner: {name: Finance}\n    config:\n      meta: {x: *tags, y: *tags}\n";

#[test]
fn the_defaults_are_the_documented_ones() {
    assert_eq!(
        Limits::default(),
        Limits {
            max_file_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_alias_nodes: 100_000,
            max_files: 500_000,
        }
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    for row in [
        "| `max_file_bytes` | 16 MiB |",
        "| `max_depth` | 64 |",
        "| `max_alias_nodes` | 100,000 |",
        "| `max_files` | 500,000 |",
    ] {
        assert!(
            readme.contains(row),
            "the README's Limits table lacks {row}"
        );
    }
}

#[test]
fn each_limit_is_honoured_when_set() {
    let nested = project(NESTED);
    assert!(limit_errors(nested.path(), Limits::default()).is_empty());
    let errors = limit_errors(
        nested.path(),
        Limits {
            max_depth: 6,
            ..Limits::default()
        },
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("(limit max_depth)"), "{errors:?}");

    let aliases = project(ALIASES);
    assert!(limit_errors(aliases.path(), Limits::default()).is_empty());
    let errors = limit_errors(
        aliases.path(),
        Limits {
            max_alias_nodes: 6,
            ..Limits::default()
        },
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("(limit max_alias_nodes)"), "{errors:?}");

    let errors = limit_errors(
        nested.path(),
        Limits {
            max_file_bytes: NESTED.len() as u64 - 1,
            ..Limits::default()
        },
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("(max_file_bytes)"), "{errors:?}");

    let err = Reader::new(Limits {
        max_files: 2,
        ..Limits::default()
    })
    .read(&FolderSource::new(nested.path()))
    .unwrap_err();
    assert!(
        matches!(err, ProjectReadError::TooManyFiles { found: 3, limit: 2 }),
        "{err}"
    );
}

#[test]
fn the_editor_reads_within_the_plan_limits() {
    let dir = project(NESTED);
    let source = FolderSource::new(dir.path());
    let project = Reader::default().read(&source).unwrap();
    let op = ResourceOp::Set {
        resource: "group.acme.finance".into(),
        field: "description".into(),
        value: json!("Finance team."),
    };
    let default = apply_plan(
        &project,
        &source,
        std::slice::from_ref(&op),
        &PlanOptions::default(),
    );
    assert!(default.errors.is_empty(), "{:?}", default.errors);
    assert_eq!(default.files.len(), 1);
    let strict = PlanOptions {
        limits: Limits {
            max_depth: 6,
            ..Limits::default()
        },
        ..PlanOptions::default()
    };
    let refused = apply_plan(&project, &source, &[op], &strict);
    assert!(refused.files.is_empty());
    assert_eq!(refused.errors.len(), 1);
    assert!(
        refused.errors[0].to_string().contains("max_depth"),
        "{}",
        refused.errors[0]
    );
}

#[test]
fn the_defaults_read_a_large_real_file_and_stop_hostile_ones_fast() {
    // 2,000 models of five columns each: about 30,000 lines, read whole.
    let mut large = String::from("version: 2\nmodels:\n");
    for m in 0..2000 {
        large.push_str(&format!(
            "  - name: model_{m}\n    description: Model {m}.\n    columns:\n"
        ));
        for c in 0..5 {
            large.push_str(&format!(
                "      - name: col_{c}\n        description: Column {c} of model {m}.\n"
            ));
        }
    }
    assert!(yaml::parse(&large, &Limits::default()).unwrap().is_some());

    // A billion laughs (10^9 nodes once expanded) and 200,000 open brackets.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let deep = "[".repeat(200_000);
    for hostile in [bomb.as_str(), deep.as_str()] {
        let started = Instant::now();
        let err = yaml::parse(hostile, &Limits::default()).unwrap_err();
        assert!(err.message.contains("(limit max_"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
