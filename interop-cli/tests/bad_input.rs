//! The bad-input catalogue at the command line: every case exits 3, prints one located error
//! (file:line:column and YAML path where there is one), snapshotted, and leaves the repository
//! byte for byte as it was (work tree, objects, refs, the vendor's branch and base).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn interop(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GIT_TOKEN")
        .output()
        .expect("running interop")
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Customer")
        .env("GIT_AUTHOR_EMAIL", "ae@customer.test")
        .env("GIT_COMMITTER_NAME", "Customer")
        .env("GIT_COMMITTER_EMAIL", "ae@customer.test")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file below `root`, `.git` included, with its bytes.
fn everything(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else {
                out.insert(entry.path(), std::fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

/// The vendor's objects: the shop's own `revenue_per_customer` metric, unchanged.
const STATE: &str = "objects:
  - id: bi-7
    kind: metric
    name: revenue_per_customer
    value:
      label: Revenue per customer
      description: Revenue divided by the number of distinct customers who ordered.
      type: derived
      expr: revenue / nullif(customers_with_orders, 0)
      input_metrics:
        - name: revenue
        - name: customers_with_orders
";

/// A folder with `repo/` (a git copy of the shop project on `main`) and `state.yml`.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let shop = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../interop-sync/tests/fixtures/projects/shop");
        let repo = dir.path().join("repo");
        copy_dir(&shop, &repo);
        git(&repo, &["init", "-q", "-b", "main"]);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-qm", "shop"]);
        std::fs::write(dir.path().join("state.yml"), STATE).unwrap();
        Setup { dir }
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// The customer commits `text` as `file` on main.
    fn customer_commits(&self, file: &str, text: &[u8]) {
        let path = self.repo().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        git(&self.repo(), &["add", "-A"]);
        git(&self.repo(), &["commit", "-qm", "customer edit"]);
    }

    fn state(&self, text: &str) {
        std::fs::write(self.dir().join("state.yml"), text).unwrap();
    }

    /// Runs `interop` and asserts exit 3, an error on stderr, nothing on stdout, and the repo
    /// unchanged; returns stderr with the temporary folder shown as `<tmp>`.
    fn bad(&self, args: &[&str]) -> String {
        let before = everything(&self.repo());
        let out = interop(self.dir(), args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(3),
            "stdout:\n{}\nstderr:\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(stderr.starts_with("interop: "), "{stderr}");
        assert!(before == everything(&self.repo()), "the repository changed");
        let canonical = self.dir().canonicalize().unwrap();
        stderr
            .replace(&canonical.display().to_string(), "<tmp>")
            .replace(&self.dir().display().to_string(), "<tmp>")
    }
}

fn session<'a>(cmd: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![cmd, "--repo", "repo", "--vendor", "acme-bi"];
    v.extend_from_slice(extra);
    v
}

const BROKEN_METRICS: &[u8] = b"version: 2

metrics:
  - name: revenue_per_customer
    label: Revenue per customer
    label: Revenue / customer
    type: derived
";

#[test]
fn inspect_of_a_broken_properties_file_exits_3() {
    let s = Setup::new();
    s.customer_commits("models/marts/_metrics.yml", BROKEN_METRICS);
    let before = everything(&s.repo());
    let out = interop(s.dir(), &["inspect", "repo@main"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    insta::assert_snapshot!(stderr.trim());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("metric.shop.revenue "),
        "the rest is listed:\n{stdout}"
    );
    assert!(before == everything(&s.repo()));
}

#[test]
fn inspect_of_a_folder_without_dbt_project_yml_exits_3() {
    let s = Setup::new();
    std::fs::create_dir_all(s.dir().join("empty/models")).unwrap();
    insta::assert_snapshot!(s.bad(&["inspect", "empty"]));
}

#[test]
fn inspect_of_a_corrupt_git_object_exits_3() {
    let s = Setup::new();
    let blob = git(&s.repo(), &["rev-parse", "main:dbt_project.yml"]);
    let blob = blob.trim();
    let object = s
        .repo()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"not a zlib stream").unwrap();
    insta::assert_snapshot!(s.bad(&["inspect", "repo@main"]));
}

#[test]
fn plan_on_a_repo_with_a_broken_file_exits_3_instead_of_reading_deletions() {
    let s = Setup::new();
    let out = interop(s.dir(), &session("apply", &["--state", "state.yml"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The file holding the vendor's metric breaks: without it the metric would read as deleted.
    s.customer_commits("models/marts/_metrics.yml", BROKEN_METRICS);
    insta::assert_snapshot!(s.bad(&session("plan", &["--state", "state.yml"])));
}

#[test]
fn apply_on_a_repo_with_a_broken_file_writes_nothing() {
    let s = Setup::new();
    interop(s.dir(), &session("apply", &["--state", "state.yml"]));
    s.customer_commits("models/marts/_metrics.yml", BROKEN_METRICS);
    let refs = git(&s.repo(), &["for-each-ref"]);
    let stderr = s.bad(&session("apply", &["--state", "state.yml", "--json"]));
    assert!(
        stderr.contains("models/marts/_metrics.yml:6:5: metrics[0].label: duplicate key"),
        "{stderr}"
    );
    assert_eq!(git(&s.repo(), &["for-each-ref"]), refs);
}

#[test]
fn pull_on_a_repo_with_a_broken_file_exits_3() {
    let s = Setup::new();
    interop(s.dir(), &session("apply", &["--state", "state.yml"]));
    s.customer_commits("models/marts/_metrics.yml", b"metrics: [\n");
    insta::assert_snapshot!(s.bad(&session("pull", &["--json"])));
}

#[test]
fn vendor_name_with_a_slash_exits_3() {
    let s = Setup::new();
    let args = [
        "plan",
        "--repo",
        "repo",
        "--vendor",
        "acme/bi",
        "--state",
        "state.yml",
    ];
    insta::assert_snapshot!(s.bad(&args));
}

#[test]
fn vendor_name_climbing_out_with_dot_dot_exits_3() {
    let s = Setup::new();
    let args = [
        "apply",
        "--repo",
        "repo",
        "--vendor",
        "../../heads/main",
        "--state",
        "state.yml",
    ];
    insta::assert_snapshot!(s.bad(&args));
}

#[test]
fn state_file_with_an_unknown_field_exits_3() {
    let s = Setup::new();
    s.state(&STATE.replace("    kind: metric\n", "    kind: metric\n    colour: red\n"));
    insta::assert_snapshot!(s.bad(&session("plan", &["--state", "state.yml"])));
}

#[test]
fn state_file_with_an_unknown_top_level_key_exits_3() {
    let s = Setup::new();
    s.state(&format!("{STATE}dashboards: []\n"));
    insta::assert_snapshot!(s.bad(&session("plan", &["--state", "state.yml"])));
}

#[test]
fn state_file_with_broken_yaml_exits_3() {
    let s = Setup::new();
    s.state("objects:\n  - id: bi-7\n    kind: metric\n    name: [revenue\n");
    insta::assert_snapshot!(s.bad(&session("plan", &["--state", "state.yml"])));
}

#[test]
fn state_file_not_utf8_exits_3() {
    let s = Setup::new();
    std::fs::write(s.dir().join("state.yml"), b"objects:\n  - id: caf\xe9\n").unwrap();
    insta::assert_snapshot!(s.bad(&session("plan", &["--state", "state.yml"])));
}

#[test]
fn state_object_of_an_unknown_kind_exits_3() {
    let s = Setup::new();
    s.state(&STATE.replace("kind: metric", "kind: dashboardz"));
    insta::assert_snapshot!(s.bad(&session("plan", &["--state", "state.yml"])));
}

#[test]
fn state_objects_with_the_same_id_exit_3() {
    let s = Setup::new();
    let second = STATE
        .replace("objects:\n", "")
        .replace("revenue_per_customer", "revenue_twice");
    s.state(&format!("{STATE}{second}"));
    insta::assert_snapshot!(s.bad(&session("plan", &["--state", "state.yml"])));
}

#[test]
fn state_object_file_with_dot_dot_exits_3() {
    let s = Setup::new();
    s.state(&format!("{STATE}    file: ../../outside.yml\n"));
    insta::assert_snapshot!(s.bad(&session("apply", &["--state", "state.yml"])));
    assert!(!s.dir().join("outside.yml").exists());
}

#[test]
fn state_object_with_an_absolute_file_exits_3() {
    let s = Setup::new();
    s.state(&format!("{STATE}    file: /tmp/interop-outside.yml\n"));
    insta::assert_snapshot!(s.bad(&session("apply", &["--state", "state.yml"])));
}

#[test]
fn state_object_name_with_a_slash_exits_3() {
    let s = Setup::new();
    s.state(&STATE.replace("name: revenue_per_customer", "name: finance/revenue"));
    insta::assert_snapshot!(s.bad(&session("apply", &["--state", "state.yml"])));
}

#[test]
fn state_object_name_with_dot_dot_exits_3() {
    let s = Setup::new();
    s.state(&STATE.replace("name: revenue_per_customer", "name: ../revenue"));
    insta::assert_snapshot!(s.bad(&session("apply", &["--state", "state.yml"])));
}

#[test]
fn state_object_with_a_name_reserved_by_metricflow_exits_3() {
    let s = Setup::new();
    s.state(&STATE.replace("name: revenue_per_customer", "name: metric_time"));
    insta::assert_snapshot!(s.bad(&session("apply", &["--state", "state.yml"])));
}

#[test]
fn repo_that_does_not_exist_exits_3() {
    let s = Setup::new();
    let args = [
        "plan",
        "--repo",
        "nowhere",
        "--vendor",
        "acme-bi",
        "--state",
        "state.yml",
    ];
    insta::assert_snapshot!(s.bad(&args));
}

#[test]
fn subdir_outside_the_repo_exits_3() {
    let s = Setup::new();
    insta::assert_snapshot!(s.bad(&session(
        "plan",
        &["--state", "state.yml", "--subdir", "../.."]
    )));
}

#[test]
fn unset_token_variable_exits_3() {
    let s = Setup::new();
    let args = [
        "plan",
        "--repo",
        "https://git.example.invalid/acme/dbt.git",
        "--token-env",
        "GIT_TOKEN",
        "--vendor",
        "acme-bi",
        "--state",
        "state.yml",
    ];
    insta::assert_snapshot!(s.bad(&args));
}

#[test]
fn inspect_with_a_lower_max_depth_exits_3() {
    let s = Setup::new();
    insta::assert_snapshot!(s.bad(&["inspect", "repo", "--max-depth", "4"]));
}

#[test]
fn plan_with_a_lower_max_file_bytes_exits_3() {
    let s = Setup::new();
    let stderr = s.bad(&session(
        "plan",
        &["--state", "state.yml", "--max-file-bytes", "4000"],
    ));
    assert!(stderr.contains("(max_file_bytes)"), "{stderr}");
    insta::assert_snapshot!(stderr);
}

#[test]
fn state_file_over_max_file_bytes_exits_3() {
    let s = Setup::new();
    let args = session("plan", &["--state", "state.yml", "--max-file-bytes", "100"]);
    insta::assert_snapshot!(s.bad(&args));
}

#[test]
fn unknown_vendor_category_exits_3() {
    let s = Setup::new();
    let args = [
        "plan",
        "--repo",
        "repo",
        "--vendor",
        "acme",
        "--category",
        "crystal-ball",
        "--state",
        "state.yml",
    ];
    insta::assert_snapshot!(s.bad(&args));
}
