//! Criterion benchmarks of the engine's hot paths: reading a large properties YAML file, a
//! verified edit of one entry in it, a three-way merge of one resource, writing a tree with one
//! changed file into a repository of a generated project, and reading a whole project.
//!
//! `cargo bench -p interop-sync --bench hot_paths` (`scripts/bench --criterion` runs it too).

use std::hint::black_box;
use std::path::Path;
use std::process::Command;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use interop_sync::edit::{SpliceEditor, YamlEdit, YamlEditor, YamlPath};
use interop_sync::git::{Author, CommitRequest, FileWrite, GitStore};
use interop_sync::merge::{Policies, merge_resource, merge_text};
use interop_sync::read::{FolderSource, Reader, yaml};
use interop_sync::safety::Limits;
use interop_sync::synth::{SynthOptions, generate};
use serde_json::{Value, json};

/// One properties file of `models` entries, each with a description, five columns and tests:
/// the shape of the 10,000-line `_models.yml` files of large projects.
fn large_properties(models: usize) -> String {
    let mut out = String::from("version: 2\n\nmodels:\n");
    for m in 0..models {
        out.push_str(&format!(
            "  - name: model_{m}\n    description: \"{{{{ doc('model_{m}') }}}}\"\n    config:\n      tags: [daily, finance]\n      meta:\n        owner: team_{}\n    columns:\n",
            m % 7
        ));
        for c in 0..5 {
            out.push_str(&format!(
                "      - name: column_{c}\n        description: Column {c} of model {m}, in the warehouse's units.\n        data_type: varchar\n"
            ));
            if c == 0 {
                out.push_str("        data_tests:\n          - not_null\n          - unique\n");
            }
        }
    }
    out
}

fn yaml_read(c: &mut Criterion) {
    let text = large_properties(1_000);
    let limits = Limits::default();
    let mut group = c.benchmark_group("yaml_read");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("properties_1000_models", |b| {
        b.iter(|| yaml::parse(black_box(&text), &limits).expect("parses"))
    });
    group.finish();
}

fn yaml_edit(c: &mut Criterion) {
    let text = large_properties(1_000);
    let editor = SpliceEditor::default();
    let edits = vec![YamlEdit::Set {
        path: YamlPath::parse("models[name=model_500].columns[name=column_3].description")
            .expect("path"),
        value: json!("Edited by the vendor."),
    }];
    let mut group = c.benchmark_group("yaml_edit");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("set_one_description_in_1000_models", |b| {
        b.iter(|| editor.apply(black_box(&text), &edits).expect("edits"))
    });
    group.finish();
}

/// A model's state with `columns` columns, as the merge sees it.
fn model_state(columns: usize) -> Value {
    let columns: Vec<Value> = (0..columns)
        .map(|c| {
            json!({
                "name": format!("column_{c}"),
                "description": format!("Column {c}."),
                "data_type": "varchar",
                "data_tests": ["not_null"],
            })
        })
        .collect();
    json!({
        "name": "orders",
        "description": "One row per order.",
        "config": { "tags": ["daily"], "meta": { "owner": "finance" } },
        "columns": columns,
    })
}

fn merge(c: &mut Criterion) {
    let base = model_state(50);
    let mut vendor = base.clone();
    vendor["columns"][10]["description"] = json!("The vendor's text.");
    vendor["config"]["meta"]["owner"] = json!("analytics");
    let mut repo = base.clone();
    repo["columns"][40]["description"] = json!("The customer's text.");
    repo["description"] = json!("One row per order, refunds included.");
    let policies = Policies::default();
    c.bench_function("merge/model_50_columns_both_sides_edited", |b| {
        b.iter(|| {
            let result = merge_resource(
                Some(black_box(&base)),
                Some(black_box(&vendor)),
                Some(black_box(&repo)),
                &policies,
            );
            assert!(result.is_clean());
            result
        })
    });
}

/// A model's SQL of `ctes` import CTEs and a final select.
fn model_sql(ctes: usize) -> String {
    let mut out = String::from("with\n\n");
    for i in 0..ctes {
        out.push_str(&format!(
            "source_{i} as (\n    select\n        id,\n        amount_{i},\n        created_at\n    from {{{{ ref('stg_{i}') }}}}\n),\n\n"
        ));
    }
    out.push_str("final as (\n    select * from source_0\n)\n\nselect * from final\n");
    out
}

fn merge_sql(c: &mut Criterion) {
    let base = model_sql(40);
    let vendor = base.replacen("amount_3,", "amount_3 * 100 as amount_3_cents,", 1);
    let repo = base.replacen("amount_30,", "round(amount_30, 2) as amount_30,", 1);
    c.bench_function("merge/sql_40_ctes_both_sides_edited", |b| {
        b.iter(|| {
            merge_text(black_box(&base), black_box(&vendor), black_box(&repo)).expect("clean")
        })
    });
}

/// A generated project of `models` models, committed on `main` in a new repository.
fn committed_project(dir: &Path, models: usize) {
    let options = SynthOptions {
        name: "bench".into(),
        models,
        sources: (models / 50).max(2),
        semantic_models: (models / 100).max(1),
        metrics_per_semantic_model: 3,
        seed: 7,
    };
    generate(&options).write_to(dir).expect("write project");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "generated"],
    ] {
        let ok = Command::new("git")
            .args([
                "-c",
                "user.name=bench",
                "-c",
                "user.email=bench@example.com",
            ])
            .args(args)
            .current_dir(dir)
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    }
}

fn tree_write(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    committed_project(dir.path(), 3_000);
    let store = GitStore::open(dir.path()).expect("open");
    let parent = store.resolve("main").expect("main");
    let mut n = 0u64;
    c.bench_function("tree_write/one_file_in_3000_models", |b| {
        b.iter_batched(
            || {
                n += 1;
                CommitRequest {
                    parent,
                    subdir: String::new(),
                    writes: vec![FileWrite::Put {
                        path: "models/marts/_vendor_notes.yml".into(),
                        content: format!("version: 2\n\n# note {n}\n").into_bytes(),
                    }],
                    message: "Bench commit".into(),
                    author: Author::default(),
                    committer: None,
                }
            },
            |request| store.write_commit(&request).expect("commit"),
            BatchSize::SmallInput,
        )
    });
}

fn project_read(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    committed_project(dir.path(), 1_000);
    let mut group = c.benchmark_group("project_read");
    group.sample_size(20);
    group.bench_function("folder_1000_models_cold", |b| {
        b.iter(|| {
            Reader::default()
                .read(&FolderSource::new(dir.path()))
                .expect("reads")
        })
    });
    let reader = Reader::default();
    reader.read(&FolderSource::new(dir.path())).expect("reads");
    group.bench_function("folder_1000_models_warm", |b| {
        b.iter(|| reader.read(&FolderSource::new(dir.path())).expect("reads"))
    });
    group.finish();
}

criterion_group!(
    benches,
    yaml_read,
    yaml_edit,
    merge,
    merge_sql,
    tree_write,
    project_read
);
criterion_main!(benches);
