//! `interop init` in the library: the scaffold is a dbt project that Interop reads without an
//! error and dbt parses and builds without a warning, git is clean with one commit, and refused
//! input leaves the file system as it was.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use interop_sync::model::ResourceKind;
use interop_sync::read::{FolderSource, GitTreeSource, Reader};
use interop_sync::scaffold::{
    Adapter, ScaffoldError, ScaffoldOptions, init_project, project_name_from, scaffold_files,
    validate_name,
};

/// Every entry of `dir`, recursively, as sorted `/`-separated relative paths (folders end in `/`).
fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                out.push(format!("{rel}/"));
                walk(root, &path, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn scaffold_reads_clean_and_dbt_parses_and_builds_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("analytics");
    let report = init_project(&dir, &ScaffoldOptions::new("analytics")).unwrap();
    assert_eq!(report.dir, dir);

    let project = Reader::default()
        .read(&FolderSource::new(&dir))
        .expect("read");
    assert!(
        project.errors.is_empty(),
        "read errors: {:#?}",
        project.errors
    );
    assert_eq!(project.dbt_project.name, "analytics");
    assert_eq!(project.dbt_project.profile.as_deref(), Some("analytics"));
    assert_eq!(project.dbt_project.require_dbt_version, vec![">=1.10.8"]);
    let ids: Vec<(&str, ResourceKind)> = project
        .resources
        .iter()
        .map(|r| (r.unique_id.as_str(), r.kind))
        .collect();
    assert!(
        ids.contains(&("model.analytics.metricflow_time_spine", ResourceKind::Model)),
        "{ids:#?}"
    );
    assert_eq!(
        ids.iter()
            .filter(|(_, k)| *k == ResourceKind::GenericTest)
            .count(),
        2,
        "{ids:#?}"
    );

    // The same project read from the first commit.
    let committed = Reader::default()
        .read(&GitTreeSource::open(&dir, "main").unwrap())
        .expect("read the commit");
    assert!(committed.errors.is_empty(), "{:#?}", committed.errors);
    assert_eq!(committed.resources.len(), project.resources.len());

    // dbt: parse without a warning or deprecation, then build on DuckDB; the SQL in house style.
    let dir_arg = dir.as_os_str();
    if let Some(out) = common::oracle("dbt-check.sh", &[OsStr::new("--build"), dir_arg]) {
        eprintln!("{}", out.trim_end());
        assert!(out.contains("dbt-check: OK parse and build"), "{out}");
    }
    if let Some(out) = common::oracle("sql-style.sh", &[dir_arg]) {
        eprintln!("{}", out.trim_end());
    }
}

/// The profiles example works as the README says: copied to `profiles.yml`, `dbt build` runs.
#[test]
fn duckdb_profile_example_builds_as_the_readme_says() {
    let Some(venv) = common::oracle_venv() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    let mut options = ScaffoldOptions::new("shop");
    options.with_git = false;
    init_project(&dir, &options).unwrap();
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(readme.contains("cp profiles.yml.example profiles.yml"));
    std::fs::copy(dir.join("profiles.yml.example"), dir.join("profiles.yml")).unwrap();
    let out = Command::new(venv.join("bin/dbt"))
        .args(["--no-use-colors", "build"])
        .current_dir(&dir)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DO_NOT_TRACK", "1")
        .env_remove("DBT_PROFILES_DIR")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "dbt build failed:\n{text}");
    assert!(text.contains("PASS=3"), "{text}");
    assert!(dir.join("shop.duckdb").is_file());
}

#[test]
fn git_is_clean_with_one_commit_on_main() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("jaffle");
    let report = init_project(&dir, &ScaffoldOptions::new("jaffle")).unwrap();

    assert_eq!(git(&dir, &["status", "--porcelain", "--ignored"]), "");
    assert_eq!(
        git(&dir, &["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
        "main"
    );
    assert_eq!(git(&dir, &["rev-list", "--count", "HEAD"]).trim(), "1");
    assert_eq!(
        Some(git(&dir, &["rev-parse", "HEAD"]).trim().to_string()),
        report.commit
    );
    assert_eq!(report.branch.as_deref(), Some("main"));
    assert_eq!(
        git(&dir, &["log", "-1", "--format=%s|%an <%ae>|%cn <%ce>"]).trim(),
        "Initial dbt project (interop init)|Interop <interop@localhost>|Interop <interop@localhost>"
    );
    let tracked: Vec<String> = git(&dir, &["ls-files"]).lines().map(String::from).collect();
    assert_eq!(tracked, report.files);
    // Everything on disk is tracked, and nothing but the repository is left over.
    let mut on_disk: Vec<String> = listing(&dir)
        .into_iter()
        .filter(|p| !p.ends_with('/') && !p.starts_with(".git/"))
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, report.files);
    assert_eq!(
        listing(tmp.path())
            .iter()
            .filter(|p| !p.starts_with("jaffle/"))
            .count(),
        0
    );
}

#[test]
fn branch_author_and_no_git() {
    let tmp = tempfile::tempdir().unwrap();
    let mut options = ScaffoldOptions::new("finance");
    options.initial_branch = "trunk".into();
    options.author_name = "Ada Analyst".into();
    options.author_email = "ada@example.com".into();
    let dir = tmp.path().join("nested/parents/finance");
    let report = init_project(&dir, &options).unwrap();
    assert_eq!(
        git(&dir, &["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
        "trunk"
    );
    assert_eq!(
        git(&dir, &["log", "-1", "--format=%an <%ae>"]).trim(),
        "Ada Analyst <ada@example.com>"
    );
    assert_eq!(report.branch.as_deref(), Some("trunk"));

    options.with_git = false;
    let plain = tmp.path().join("plain");
    let report = init_project(&plain, &options).unwrap();
    assert_eq!(report.commit, None);
    assert_eq!(report.branch, None);
    assert!(!plain.join(".git").exists());
    assert!(plain.join("dbt_project.yml").is_file());
}

#[test]
fn an_existing_empty_folder_is_filled_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("empty");
    std::fs::create_dir(&dir).unwrap();
    let report = init_project(&dir, &ScaffoldOptions::new("empty_one")).unwrap();
    assert_eq!(git(&dir, &["status", "--porcelain"]), "");
    assert!(report.files.iter().all(|f| dir.join(f).is_file()));
    // No staging folder is left, inside or beside.
    assert!(!listing(&dir).iter().any(|p| p.contains("interop-init")));
    assert_eq!(
        listing(tmp.path())
            .iter()
            .filter(|p| !p.starts_with("empty/"))
            .count(),
        0
    );
}

#[test]
fn a_non_empty_folder_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("busy");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let before = listing(tmp.path());
    let err = init_project(&dir, &ScaffoldOptions::new("busy")).unwrap_err();
    assert!(matches!(err, ScaffoldError::NotEmpty(_)), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(&dir.display().to_string()), "{message}");
    assert!(message.contains("not empty"), "{message}");
    assert_eq!(listing(tmp.path()), before);

    // A second init on a project is refused the same way.
    let project = tmp.path().join("twice");
    init_project(&project, &ScaffoldOptions::new("twice")).unwrap();
    let before = listing(tmp.path());
    let err = init_project(&project, &ScaffoldOptions::new("twice")).unwrap_err();
    assert!(matches!(err, ScaffoldError::NotEmpty(_)), "{err:?}");
    assert_eq!(listing(tmp.path()), before);

    // A file is not a folder.
    let file = tmp.path().join("busy/notes.txt");
    let err = init_project(&file, &ScaffoldOptions::new("notes")).unwrap_err();
    assert!(matches!(err, ScaffoldError::NotAFolder(_)), "{err:?}");
    assert_eq!(listing(tmp.path()), before);
}

#[test]
fn invalid_names_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in [
        "",
        "Analytics",
        "1st",
        "_private",
        "my-project",
        "my project",
        "café",
        "dbt",
        "ref",
        "source",
        "config",
        "target",
        "this",
        "dbt_duckdb",
        "true",
    ] {
        let err = init_project(&tmp.path().join("x/y"), &ScaffoldOptions::new(bad)).unwrap_err();
        assert!(
            matches!(err, ScaffoldError::InvalidName { .. }),
            "{bad:?}: {err:?}"
        );
        assert!(validate_name(bad).is_err());
        assert!(err.to_string().contains(&format!("'{bad}'")), "{err}");
    }
    let mut bad_branch = ScaffoldOptions::new("ok");
    bad_branch.initial_branch = "no..dots".into();
    assert!(matches!(
        init_project(&tmp.path().join("x"), &bad_branch),
        Err(ScaffoldError::InvalidBranch(_))
    ));
    let mut bad_profile = ScaffoldOptions::new("ok");
    bad_profile.profile = Some("a profile".into());
    assert!(matches!(
        init_project(&tmp.path().join("x"), &bad_profile),
        Err(ScaffoldError::InvalidProfile(_))
    ));
    assert!(listing(tmp.path()).is_empty(), "{:?}", listing(tmp.path()));

    for good in ["analytics", "jaffle_shop", "a1", "acme_2024", "no"] {
        assert!(validate_name(good).is_ok(), "{good}");
    }
}

#[test]
fn folder_names_become_valid_project_names() {
    for (folder, name) in [
        ("analytics", "analytics"),
        ("Acme Analytics", "acme_analytics"),
        ("acme-dbt--repo_", "acme_dbt_repo"),
        ("2024_models", "dbt_2024_models"),
        ("dbt", "dbt_project"),
        ("Source", "source_project"),
        ("données", "donn_es"),
        ("_", "analytics"),
        ("", "analytics"),
    ] {
        assert_eq!(project_name_from(folder), name, "{folder:?}");
        assert!(validate_name(&project_name_from(folder)).is_ok());
    }
    let long = "x".repeat(200);
    assert!(validate_name(&project_name_from(&long)).is_ok());
}

#[test]
fn files_are_complete_deterministic_and_adapter_specific() {
    let options = ScaffoldOptions::new("jaffle_shop");
    let files = scaffold_files(&options);
    assert_eq!(files, scaffold_files(&options));
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    for expected in [
        "dbt_project.yml",
        "profiles.yml.example",
        "README.md",
        ".gitignore",
        "models/marts/metricflow_time_spine.sql",
        "models/marts/_marts__models.yml",
        "models/staging/.gitkeep",
        "seeds/.gitkeep",
        "snapshots/.gitkeep",
        "tests/.gitkeep",
        "macros/.gitkeep",
        "analyses/.gitkeep",
    ] {
        assert!(paths.contains(&expected), "{expected} missing: {paths:?}");
    }
    assert_eq!(paths.len(), 12, "{paths:?}");
    assert!(!paths.contains(&"packages.yml"));
    for path in &paths {
        assert!(
            interop_sync::safety::validate_repo_path(path).is_ok(),
            "{path}"
        );
    }
    let gitignore = &files.iter().find(|(p, _)| p == ".gitignore").unwrap().1;
    for entry in [
        "target/",
        "dbt_packages/",
        "logs/",
        ".user.yml",
        "profiles.yml",
    ] {
        assert!(gitignore.lines().any(|l| l == entry), "{entry}");
    }

    for adapter in Adapter::ALL {
        assert_eq!(adapter.as_str().parse::<Adapter>().unwrap(), adapter);
        let mut options = ScaffoldOptions::new("jaffle_shop");
        options.adapter = adapter;
        options.profile = Some("warehouse".into());
        let files = scaffold_files(&options);
        let get = |p: &str| files.iter().find(|(path, _)| path == p).unwrap().1.clone();
        let profiles = get("profiles.yml.example");
        assert!(
            profiles.contains("\nwarehouse:\n  target: dev\n"),
            "{profiles}"
        );
        assert!(
            profiles.contains(&format!("      type: {adapter}\n")),
            "{profiles}"
        );
        assert!(get("dbt_project.yml").contains("\nprofile: warehouse\n"));
        assert!(get("README.md").contains(&format!("pip install dbt-core {}", adapter.package())));
    }
    assert!("oracle".parse::<Adapter>().is_err());
}

/// The snowflake example is a profile dbt accepts (`dbt parse` makes no connection).
#[test]
fn snowflake_profile_example_parses() {
    let Some(venv) = common::oracle_venv() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snow");
    let mut options = ScaffoldOptions::new("snow");
    options.adapter = Adapter::Snowflake;
    options.with_git = false;
    init_project(&dir, &options).unwrap();
    std::fs::copy(dir.join("profiles.yml.example"), dir.join("profiles.yml")).unwrap();
    let out = Command::new(venv.join("bin/dbt"))
        .args(["--no-use-colors", "parse", "--no-partial-parse"])
        .current_dir(&dir)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DO_NOT_TRACK", "1")
        .env("SNOWFLAKE_ACCOUNT", "stand_in")
        .env("SNOWFLAKE_USER", "stand_in")
        .env_remove("DBT_PROFILES_DIR")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "dbt parse failed:\n{text}");
    assert!(!text.contains("[WARNING]"), "{text}");
}

#[test]
fn snapshots_of_dbt_project_yml_and_readme() {
    let files = scaffold_files(&ScaffoldOptions::new("jaffle_shop"));
    let get = |p: &str| files.iter().find(|(path, _)| path == p).unwrap().1.clone();
    insta::assert_snapshot!("dbt_project_yml", get("dbt_project.yml"));
    insta::assert_snapshot!("readme", get("README.md"));
}

/// Why the scaffold holds a time spine: a BI vendor's first metric parses on it as it is
/// (without a time spine, dbt refuses any semantic model).
#[test]
fn a_first_metric_parses_on_the_scaffold() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bi");
    let mut options = ScaffoldOptions::new("bi");
    options.with_git = false;
    init_project(&dir, &options).unwrap();
    std::fs::write(
        dir.join("models/marts/orders.sql"),
        "select\n    1 as order_id,\n    cast('2024-01-01' as date) as ordered_at,\n    10 as amount\n",
    )
    .unwrap();
    let yaml = std::fs::read_to_string(dir.join("models/marts/_marts__models.yml")).unwrap();
    let orders = r#"  - name: orders
    description: One row per order.
    semantic_model:
      enabled: true
    agg_time_dimension: ordered_at
    columns:
      - name: order_id
        entity:
          type: primary
          name: order
      - name: ordered_at
        granularity: day
        dimension:
          type: time
    metrics:
      - name: revenue
        type: simple
        label: Revenue
        agg: sum
        expr: amount
"#;
    std::fs::write(
        dir.join("models/marts/_marts__models.yml"),
        format!("{yaml}{orders}"),
    )
    .unwrap();
    if let Some(out) = common::oracle("dbt-check.sh", &[dir.as_os_str()]) {
        assert!(out.contains("1 metrics, 1 semantic models"), "{out}");
    }
}
