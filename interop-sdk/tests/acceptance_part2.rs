//! Acceptance of the orchestration, reverse-ETL, notebook, ML and product-analytics categories
//! on the demo shop: per category a state file of realistic objects is synced (plan + apply)
//! into a git copy of the shop by its own vendor and merged; the merged tree then parses with
//! zero warnings and builds with dbt on DuckDB (`dbt-check.sh --build`: the feature sets,
//! predictions and activity streams run and their tests pass), every SQL file Interop wrote
//! passes the house style (`sql-style.sh`), and the repo reads back as the state files'
//! objects. Without the oracle venv the dbt and sqlfluff checks are skipped.

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use interop_sdk::bi::RepoInfo;
use interop_sdk::mapping::RepoView;
use interop_sdk::ml::{MlObjects, modelled, repo_metrics};
use interop_sdk::notebook::{Notebooks, published};
use interop_sdk::orchestration::{Orchestration, scheduled};
use interop_sdk::product_analytics::ProductAnalytics;
use interop_sdk::reverse_etl::{ReverseEtl, synced};
use interop_sdk::{Desired, Scope, SessionOptions, SyncSession};
use serde_json::Value;

use common::{dbt_check, export, git, merge, oracle_venv, repo, shared_dir};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/acceptance")
        .join(name)
}

/// The state file's objects; the file is the state schema (it serialises back to itself).
fn state_file<T: serde::Serialize + serde::de::DeserializeOwned>(name: &str) -> T {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let objects: T = serde_json::from_str(&text).unwrap();
    let raw: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(serde_json::to_value(&objects).unwrap(), raw, "{name}");
    objects
}

fn session(dir: &Path, vendor: &str, scope: Scope) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new(vendor, scope)).unwrap()
}

/// Plans `desired`, applies it, and merges the vendor's sync branch into main.
fn sync_and_merge(repo: &Path, session: &SyncSession, desired: &[Desired], vendor: &str) {
    let plan = session.plan(desired).unwrap();
    assert!(plan.errors.is_empty(), "{vendor}: {:#?}", plan.errors);
    assert!(plan.conflicts.is_empty(), "{vendor}: {:#?}", plan.conflicts);
    let record = session.apply(plan, false).unwrap();
    assert!(record.created_commit, "{vendor}");
    merge(repo, &format!("interop/{vendor}"));
    // A second sync of the same objects has nothing to do.
    let again = session.plan(desired).unwrap();
    assert!(again.is_noop(), "{vendor}: {:#?}", again.changes);
}

fn sorted<T: Clone>(items: &[T], key: impl Fn(&T) -> String) -> Vec<T> {
    let mut out = items.to_vec();
    out.sort_by_key(|i| key(i));
    out
}

#[test]
fn five_categories_of_objects_sync_into_the_shop_build_and_read_back() {
    let repo = repo();
    let dir = repo.path();
    let first = git(dir, &["rev-parse", "HEAD"]).trim().to_string();

    let jobs: Orchestration = state_file("orchestration.json");
    let s = session(dir, "dagster", Scope::orchestration());
    let desired = jobs.to_desired(&RepoView::read(&s).unwrap()).unwrap();
    sync_and_merge(dir, &s, &desired, "dagster");

    let syncs: ReverseEtl = state_file("reverse_etl.json");
    let s = session(dir, "census", Scope::reverse_etl());
    let desired = syncs.to_desired(&RepoView::read(&s).unwrap()).unwrap();
    sync_and_merge(dir, &s, &desired, "census");

    let notebooks: Notebooks = state_file("notebook.json");
    let s = session(dir, "hex", Scope::notebook());
    let desired = notebooks.to_desired(&RepoView::read(&s).unwrap()).unwrap();
    sync_and_merge(dir, &s, &desired, "hex");

    let ml: MlObjects = state_file("ml.json");
    let s = session(dir, "tecton", Scope::ml());
    let metrics = repo_metrics(&RepoInfo::read(&s).unwrap());
    let desired = ml
        .to_desired(&RepoView::read(&s).unwrap(), &metrics)
        .unwrap();
    sync_and_merge(dir, &s, &desired, "tecton");

    let analytics: ProductAnalytics = state_file("product_analytics.json");
    let s = session(dir, "amplitude", Scope::product_analytics());
    let desired = analytics.to_desired(&RepoInfo::read(&s).unwrap()).unwrap();
    sync_and_merge(dir, &s, &desired, "amplitude");

    // The repo reads back as the objects.
    let view = |vendor: &str, scope: Scope| RepoView::read(&session(dir, vendor, scope)).unwrap();
    let (back, errors) = scheduled(&view("dagster", Scope::orchestration()));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        sorted(&back.jobs, |j| j.id.clone()),
        sorted(&jobs.jobs, |j| j.id.clone())
    );
    let back = synced(&view("census", Scope::reverse_etl()));
    let mine: Vec<_> = back
        .syncs
        .into_iter()
        .filter(|s| s.id.starts_with("census-"))
        .collect();
    assert_eq!(
        sorted(&mine, |s| s.id.clone()),
        sorted(&syncs.syncs, |s| s.id.clone())
    );
    let (back, errors) = published(&view("hex", Scope::notebook()));
    assert!(errors.is_empty(), "{errors:?}");
    for p in &notebooks.publications {
        assert!(back.publications.contains(p), "{}", p.id);
    }
    let (back, errors) = modelled(&view("tecton", Scope::ml()));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        sorted(&back.feature_sets, |f| f.id.clone()),
        sorted(&ml.feature_sets, |f| f.id.clone())
    );
    assert_eq!(
        sorted(&back.predictions, |p| p.id.clone()),
        sorted(&ml.predictions, |p| p.id.clone())
    );
    let s = session(dir, "amplitude", Scope::product_analytics());
    let (back, errors) = analytics
        .apply_changes(
            &RepoInfo::read(&s).unwrap(),
            &RepoView::read(&s).unwrap(),
            &s.pull().unwrap(),
        )
        .unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(back.streams, analytics.streams);
    for m in &analytics.metrics {
        assert!(back.metrics.contains(m), "{}", m.id);
    }

    // What dbt and sqlfluff say.
    let Some(venv) = oracle_venv() else {
        return;
    };
    let tree = export(dir, "HEAD");
    let out = dbt_check(tree.path(), &[OsStr::new("--build")]).unwrap();
    assert!(out.contains("dbt-check: OK parse and build"), "{out}");
    let written: Vec<PathBuf> = git(dir, &["diff", "--name-status", &first, "HEAD"])
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(status, path)| !status.starts_with('D') && path.ends_with(".sql"))
        .map(|(_, path)| tree.path().join(path))
        .collect();
    assert!(written.len() >= 9, "{written:?}");
    let style = Command::new("bash")
        .arg(shared_dir().join("oracle/sql-style.sh"))
        .args(&written)
        .env("INTEROP_ORACLE_VENV", &venv)
        .output()
        .unwrap();
    assert!(
        style.status.success(),
        "sql-style failed:\n{}{}",
        String::from_utf8_lossy(&style.stdout),
        String::from_utf8_lossy(&style.stderr)
    );
}
