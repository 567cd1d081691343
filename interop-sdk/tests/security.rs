//! Security of what a vendor sends: its text can never become Jinja that dbt runs (proved with
//! dbt itself: the manifest holds the text as written), and nothing it names can be written
//! outside the repository, over a symlink, or through one.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::{Desired, Scope, SessionError, SessionOptions, SyncSession};
use serde_json::{Value, json};

use common::{git, repo};

/// Vendor text that would run, log, hide or break out of an escape if dbt rendered it.
const PAYLOADS: &[&str] = &[
    "{{ run_query('select 1') }}",
    "{% do log('vendor text ran', info=True) %}",
    "{# hidden #}",
    "{%- endraw %}{{ run_query('select 2') }}{% raw -%}",
    "{%endraw%}{{ var('secret', 'leaked') }}",
    "{%+ endraw +%}{{ env_var('HOME') }}",
];

fn bi(dir: &Path) -> SyncSession {
    SyncSession::open(dir, SessionOptions::new("acme-bi", Scope::bi())).unwrap()
}

fn desired(id: &str, kind: ResourceKind, value: Value, file: Option<&str>) -> Desired {
    Desired {
        id: id.into(),
        state: ResourceState {
            kind,
            name: value["name"].as_str().unwrap().into(),
            value,
            file: file.map(str::to_string),
        },
    }
}

fn hostile_metric(description: &str) -> Desired {
    desired(
        "bi-1",
        ResourceKind::Metric,
        json!({
            "name": "hostile_revenue_per_order",
            "label": "Revenue {{ run_query('select 3') }} per order",
            "description": description,
            "type": "derived",
            "expr": "revenue / nullif(order_count, 0)",
            "input_metrics": [{"name": "revenue"}, {"name": "order_count"}]
        }),
        Some("models/marts/_metrics.yml"),
    )
}

fn hostile_exposure(description: &str) -> Desired {
    desired(
        "bi-2",
        ResourceKind::Exposure,
        json!({
            "name": "hostile_dashboard",
            "label": "{% do log('label ran') %}Dashboard",
            "type": "dashboard",
            "description": description,
            "depends_on": ["ref('orders')"],
            "owner": {"name": "BI {# team #}", "email": "bi@shop.example.com"}
        }),
        None,
    )
}

/// `git archive` of a ref into a fresh folder.
fn checkout(repo: &Path, rev: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "git -C '{}' archive {rev} | tar -x -C '{}'",
            repo.display(),
            out.path().display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    out
}

fn oracle_venv() -> Option<PathBuf> {
    let venv = std::env::var_os("INTEROP_ORACLE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv-oracle"));
    if venv.join("bin/dbt").exists() {
        return Some(venv);
    }
    assert!(
        std::env::var_os("INTEROP_REQUIRE_ORACLE").is_none(),
        "the oracle venv is required but missing at {}",
        venv.display()
    );
    None
}

/// dbt parse (zero warnings) of `dir` through the oracle; the manifest it wrote.
fn dbt_manifest(dir: &Path, venv: &Path) -> Value {
    let shared = std::env::var_os("INTEROP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let out = tempfile::tempdir().unwrap();
    let manifest = out.path().join("manifest.json");
    let check = Command::new("bash")
        .arg(shared.join("oracle/dbt-check.sh"))
        .arg("--manifest")
        .arg(&manifest)
        .arg(dir)
        .env("INTEROP_ORACLE_VENV", venv)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(check.status.success(), "dbt-check failed:\n{log}");
    for marker in ["vendor text ran", "label ran"] {
        assert!(!log.contains(marker), "dbt ran vendor text:\n{log}");
    }
    serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap()
}

#[test]
fn vendor_jinja_reaches_dbt_as_text() {
    let Some(venv) = oracle_venv() else { return };
    let repo = repo();
    let session = bi(repo.path());
    let text = format!("Revenue per order. {}", PAYLOADS.join(" | "));
    let objects = [hostile_metric(&text), hostile_exposure(&text)];
    let plan = session.plan(&objects).unwrap();
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    session.apply(plan, false).unwrap();

    let tree = checkout(repo.path(), "interop/acme-bi");
    let manifest = dbt_manifest(tree.path(), &venv);
    let metric = &manifest["metrics"]["metric.shop.hostile_revenue_per_order"];
    assert_eq!(metric["description"], text.as_str());
    assert_eq!(
        metric["label"],
        "Revenue {{ run_query('select 3') }} per order"
    );
    let exposure = &manifest["exposures"]["exposure.shop.hostile_dashboard"];
    assert_eq!(exposure["description"], text.as_str());
    assert_eq!(exposure["label"], "{% do log('label ran') %}Dashboard");
    assert_eq!(exposure["owner"]["name"], "BI {# team #}");

    // Merged and read back, the repo holds exactly what the vendor sent: nothing to change.
    git(
        repo.path(),
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge PR",
            "interop/acme-bi",
        ],
    );
    let plan = session.plan(&objects).unwrap();
    assert!(plan.is_noop(), "{:?}", plan.changes);
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert!(plan.vendor_changes.is_empty(), "{:#?}", plan.vendor_changes);
}

/// A folder holding only `repo/`, a git copy of the shop project.
fn repo_in_a_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    common::copy_dir(&common::shop(), &repo);
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-qm", "shop"]);
    (dir, repo)
}

/// The refs of the repository, and what lies beside it.
fn snapshot(root: &Path) -> (String, Vec<PathBuf>) {
    let refs = git(root, &["for-each-ref"]);
    let mut beside: Vec<PathBuf> = std::fs::read_dir(root.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    beside.sort();
    (refs, beside)
}

#[test]
fn vendor_paths_and_names_cannot_leave_the_repo() {
    let (_dir, repo) = repo_in_a_folder();
    let session = bi(&repo);
    let before = snapshot(&repo);
    let metric = |name: &str, file: Option<&str>| {
        let mut d = hostile_metric("Plain.");
        d.state.name = name.into();
        d.state.value["name"] = json!(name);
        d.state.file = file.map(str::to_string);
        d
    };
    let refused = [
        metric("a_metric", Some("../outside.yml")),
        metric("a_metric", Some("models/../../outside.yml")),
        metric("a_metric", Some("/tmp/interop-outside.yml")),
        metric("a_metric", Some(".git/config")),
        metric("a_metric", Some("models\\..\\..\\outside.yml")),
        metric("../a_metric", None),
        metric("models/a_metric", None),
        metric("/etc/a_metric", None),
    ];
    for d in refused {
        let err = session.plan(std::slice::from_ref(&d)).unwrap_err();
        assert!(
            matches!(err, SessionError::Input(_)),
            "{:?}: {err}",
            d.state
        );
    }
    assert_eq!(snapshot(&repo), before);
}

#[test]
#[cfg(unix)]
fn a_committed_symlink_is_never_written_through_or_over() {
    let repo = repo();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("metrics.yml");
    std::fs::write(&target, "# outside the repository\n").unwrap();
    std::os::unix::fs::symlink(&target, repo.path().join("models/marts/linked.yml")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join("models/elsewhere")).unwrap();
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "links"]);
    let session = bi(repo.path());
    let refs = git(repo.path(), &["for-each-ref"]);
    for file in ["models/marts/linked.yml", "models/elsewhere/metrics.yml"] {
        let mut d = hostile_metric("Plain.");
        d.state.file = Some(file.into());
        let plan = session.plan(&[d]).unwrap();
        let err = session.apply(plan, false).unwrap_err();
        assert!(err.to_string().contains("symlink"), "{file}: {err}");
    }
    assert_eq!(git(repo.path(), &["for-each-ref"]), refs);
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "# outside the repository\n"
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}
