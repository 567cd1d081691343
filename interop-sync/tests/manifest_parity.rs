//! What Interop reads must be what dbt reads: for every fixture project and for generated
//! projects, the unique ids Interop finds equal the ones in dbt's own `manifest.json`, section by
//! section (disabled resources against the manifest's `disabled` section). And a project read
//! from a folder and from a git commit gives the same resources.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use interop_sync::model::ResourceKind;
use interop_sync::read::{FolderSource, GitTreeSource, Project, Reader};
use interop_sync::synth::{SynthOptions, generate};

/// The manifest section a resource of this kind lands in.
fn section(kind: ResourceKind) -> Option<&'static str> {
    Some(match kind {
        ResourceKind::Model
        | ResourceKind::Seed
        | ResourceKind::Snapshot
        | ResourceKind::Analysis
        | ResourceKind::GenericTest
        | ResourceKind::SingularTest
        | ResourceKind::Operation => "nodes",
        ResourceKind::Source => "sources",
        ResourceKind::Exposure => "exposures",
        ResourceKind::Metric => "metrics",
        ResourceKind::SemanticModel => "semantic_models",
        ResourceKind::SavedQuery => "saved_queries",
        ResourceKind::Group => "groups",
        ResourceKind::UnitTest => "unit_tests",
        ResourceKind::Doc => "docs",
        ResourceKind::Function => "functions",
        ResourceKind::Macro | ResourceKind::Selector => return None,
    })
}

const SECTIONS: &[&str] = &[
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "groups",
    "unit_tests",
    "docs",
    "functions",
];

fn interop_ids(project: &Project) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in &project.resources {
        let Some(section) = section(r.kind) else {
            continue;
        };
        let section = if r.enabled { section } else { "disabled" };
        out.insert(format!("{section} {}", r.unique_id));
    }
    out
}

fn manifest_ids(manifest: &serde_json::Value, package: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for section in SECTIONS.iter().chain(["disabled"].iter()) {
        let Some(map) = manifest.get(*section).and_then(|v| v.as_object()) else {
            continue;
        };
        for id in map.keys() {
            // dbt's own docs (`doc.dbt.__overview__`) and other packages are not the project's.
            let pkg = id.split('.').nth(1).unwrap_or_default();
            if pkg == package {
                out.insert(format!("{section} {id}"));
            }
        }
    }
    out
}

fn assert_parity(dir: &Path) {
    let project = Reader::default()
        .read(&FolderSource::new(dir))
        .expect("read");
    assert!(
        project.errors.is_empty(),
        "{}: read errors:\n{:#?}",
        dir.display(),
        project.errors
    );
    let Some(manifest) = common::dbt_manifest(dir) else {
        return;
    };
    let ours = interop_ids(&project);
    let theirs = manifest_ids(&manifest, &project.dbt_project.name);
    let missing: Vec<_> = theirs.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{}: ids differ from dbt's manifest\n  dbt has, Interop lacks: {missing:#?}\n  Interop has, dbt lacks: {extra:#?}",
        dir.display()
    );
    eprintln!("{}: {} ids equal dbt's manifest", dir.display(), ours.len());
}

#[test]
fn fixture_projects_match_dbt_manifest() {
    let fixtures = common::fixture_projects();
    assert!(fixtures.len() >= 2, "fixture projects are missing");
    for dir in fixtures {
        assert_parity(&dir);
    }
}

#[test]
fn generated_project_matches_dbt_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let options = SynthOptions {
        name: "synth".into(),
        models: 120,
        sources: 4,
        semantic_models: 6,
        metrics_per_semantic_model: 3,
        seed: 7,
    };
    generate(&options).write_to(tmp.path()).unwrap();
    assert_parity(tmp.path());
}

#[test]
fn folder_and_git_commit_read_the_same() {
    for dir in common::fixture_projects() {
        let repo = common::git_copy(&dir);
        let reader = Reader::default();
        let from_folder = reader.read(&FolderSource::new(&dir)).unwrap();
        let from_git = reader
            .read(&GitTreeSource::open(repo.path(), "HEAD").unwrap())
            .unwrap();
        assert_eq!(
            serde_json::to_value(&from_folder.resources).unwrap(),
            serde_json::to_value(&from_git.resources).unwrap(),
            "{}",
            dir.display()
        );
        assert_eq!(from_folder.files, from_git.files);
        // The second read found every blob in the cache: nothing was parsed twice.
        let cached = reader.cached_blobs();
        reader
            .read(&GitTreeSource::open(repo.path(), "HEAD").unwrap())
            .unwrap();
        assert_eq!(reader.cached_blobs(), cached);
    }
}
