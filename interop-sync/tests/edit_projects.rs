//! The editor on whole real-looking projects: setting the description of each resource in turn
//! changes only that value's bytes, the project still reads the same otherwise, and a no-op
//! edit changes nothing.

mod common;

use std::path::Path;

use interop_sync::edit::{SpliceEditor, YamlEdit, YamlEditor, YamlPath};
use interop_sync::model::ResourceKind;
use interop_sync::read::yaml::{self, Node};
use interop_sync::read::{FolderSource, Reader};
use interop_sync::safety::Limits;
use interop_sync::synth::{SynthOptions, generate};
use serde_json::json;

/// The node at a reader's YAML path (`models[3].columns[1]`), if any.
fn node_at<'a>(root: &'a Node, path: &str) -> Option<&'a Node> {
    let parsed = YamlPath::parse(path).ok()?;
    let mut node = root;
    for seg in &parsed.0 {
        node = match seg {
            interop_sync::edit::Segment::Key(k) => node.get(k)?,
            interop_sync::edit::Segment::Index(i) => node.as_seq()?.get(*i)?,
            interop_sync::edit::Segment::Named(_) => return None,
        };
    }
    Some(node)
}

/// Every `stride`-th resource is edited (1: all of them); the whole project is re-read after
/// every `reread_every`-th edit (a re-read per edit is quadratic on large projects).
fn check_project(dir: &Path, stride: usize, reread_every: usize) {
    let reader = Reader::default();
    let project = reader.read(&FolderSource::new(dir)).unwrap();
    assert!(project.errors.is_empty(), "{:#?}", project.errors);
    let editor = SpliceEditor::default();
    let mut edited = 0;
    let mut files: std::collections::HashMap<String, (String, Node)> = Default::default();
    for r in project.resources.iter().step_by(stride) {
        let loc = r.properties_location.as_deref().unwrap_or(&r.location);
        if loc.yaml_path.is_empty() || !loc.file.ends_with(".yml") {
            continue;
        }
        let (text, root) = files.entry(loc.file.to_string()).or_insert_with(|| {
            let text = std::fs::read_to_string(dir.join(&*loc.file)).unwrap();
            let root = yaml::parse(&text, &Limits::default()).unwrap().unwrap();
            (text, root)
        });
        let (text, root) = (&*text, &*root);
        let Some(entry) = node_at(root, &loc.yaml_path) else {
            continue;
        };
        if entry.aliased() || entry.as_map().is_none() {
            continue;
        }
        // A generic test written as `- test_name: {...}` keeps its properties inside that map.
        let (entry, yaml_path) = match entry.as_map() {
            Some([(key, inner)]) if r.kind == ResourceKind::GenericTest => {
                if inner.as_map().is_none() {
                    continue;
                }
                (
                    inner,
                    format!("{}.{}", loc.yaml_path, key.as_str().unwrap()),
                )
            }
            _ => (entry, loc.yaml_path.clone()),
        };
        let path = YamlPath::parse(&format!("{yaml_path}.description")).unwrap();

        // Setting the description it already has changes nothing.
        if let Some(old) = entry.get("description").and_then(Node::as_str) {
            let same = editor
                .apply(
                    text,
                    &[YamlEdit::Set {
                        path: path.clone(),
                        value: json!(old),
                    }],
                )
                .unwrap();
            assert_eq!(
                &same.text, text,
                "{}: no-op edit changed bytes",
                r.unique_id
            );
            assert!(same.splices.is_empty());
        }

        let new = format!("Changed for {}", r.name);
        let out = editor
            .apply(
                text,
                &[YamlEdit::Set {
                    path,
                    value: json!(new),
                }],
            )
            .unwrap_or_else(|e| panic!("{}: {}: {e}", r.unique_id, loc.file));
        assert_eq!(out.splices.len(), 1);
        let splice = &out.splices[0];
        match entry.get("description") {
            // Only the old value's bytes are replaced.
            Some(old) => assert!(
                splice.range.start >= old.start() && splice.range.end <= old.end(),
                "{}: splice {:?} outside the description {}..{}",
                r.unique_id,
                splice.range,
                old.start(),
                old.end()
            ),
            // A new key is inserted inside the entry (a flow mapping) or at the end of its last
            // line (a block mapping); nothing is removed.
            None => {
                let line_end = text[entry.end()..]
                    .find('\n')
                    .map_or(text.len(), |i| entry.end() + i);
                assert!(
                    splice.range.is_empty()
                        && splice.range.start > entry.start()
                        && splice.range.start <= line_end,
                    "{}: insertion at {:?}, entry {}..{}",
                    r.unique_id,
                    splice.range,
                    entry.start(),
                    entry.end()
                );
            }
        }
        edited += 1;
        if edited % reread_every != 0 {
            continue;
        }
        // The edited project reads the same, with the one description changed.
        let copy = tempfile::tempdir().unwrap();
        common::copy_dir(dir, copy.path());
        std::fs::write(copy.path().join(&*loc.file), &out.text).unwrap();
        let again = reader.read(&FolderSource::new(copy.path())).unwrap();
        assert!(
            again.errors.is_empty(),
            "{}: {:#?}",
            r.unique_id,
            again.errors
        );
        let ids: Vec<_> = again.resources.iter().map(|r| &r.unique_id).collect();
        let before: Vec<_> = project.resources.iter().map(|r| &r.unique_id).collect();
        assert_eq!(ids, before, "{}: the set of resources changed", r.unique_id);
        let changed = again
            .resources
            .iter()
            .find(|x| x.unique_id == r.unique_id && x.kind == r.kind)
            .unwrap();
        assert_eq!(
            changed.description.as_deref(),
            Some(new.as_str()),
            "{}",
            r.unique_id
        );
    }
    assert!(
        edited > 10,
        "{}: only {edited} resources edited",
        dir.display()
    );
    eprintln!("{}: {edited} descriptions edited in place", dir.display());
}

#[test]
fn set_description_of_every_resource_in_fixtures() {
    for dir in common::fixture_projects() {
        check_project(&dir, 1, 1);
    }
}

#[test]
fn set_description_of_every_resource_in_a_generated_project() {
    let tmp = tempfile::tempdir().unwrap();
    let options = SynthOptions {
        name: "synth".into(),
        models: 60,
        sources: 3,
        semantic_models: 3,
        metrics_per_semantic_model: 2,
        seed: 11,
    };
    generate(&options).write_to(tmp.path()).unwrap();
    check_project(tmp.path(), 1, 1);
}

#[test]
fn set_description_of_every_resource_in_a_3k_model_project() {
    let tmp = tempfile::tempdir().unwrap();
    let options = SynthOptions {
        name: "synth".into(),
        models: 3000,
        sources: 40,
        semantic_models: 30,
        metrics_per_semantic_model: 3,
        seed: 3,
    };
    generate(&options).write_to(tmp.path()).unwrap();
    // Each edit parses its whole file twice (plan and verification) in a debug build: every
    // 25th of the ~14,000 resources keeps this test under a minute.
    check_project(tmp.path(), 25, 128);
}
