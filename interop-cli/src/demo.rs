//! `interop demo [DIR] [--json]`: the whole story on an embedded project, with nothing to
//! configure. A customer repo (the shop project, git, a bare "remote" beside it); a BI vendor
//! (metrics, as `bi` objects) and an observability vendor (monitors, as `observability` objects)
//! sync; the customer merges, then edits in the repo (renames a metric, changes a freshness
//! threshold, edits a description the BI vendor also edited); the vendors pull and update their
//! objects, the conflict is shown and resolved; a last sync is a no-op; the oracle builds the
//! repo. `--json` prints the same story as one document for machines.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use std::cell::RefCell;

use interop_sdk::bi::{self, BiObjects, RepoInfo};
use interop_sdk::mapping::RepoView;
use interop_sdk::observability::Observability;
use interop_sdk::sync::edit::plan::{PlanOptions, ResourceOp, apply_plan};
use interop_sdk::sync::git::Credentials;
use interop_sdk::sync::read::{FolderSource, Reader};
use interop_sdk::{Choice, Desired, Scope, SessionOptions, SyncPlan, SyncSession};
use serde_json::{Value, json};

use crate::exit;
use crate::sync::{Style, print_plan, style};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/shop.rs"));
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to create the demo (default: a new folder under the system's temp folder).
    dir: Option<PathBuf>,
    /// Print the story as one JSON document (`interop.demo/v1`) instead of text.
    #[arg(long)]
    json: bool,
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Dana (analytics engineer)")
        .env("GIT_AUTHOR_EMAIL", "dana@shop.example.com")
        .env("GIT_COMMITTER_NAME", "Dana (analytics engineer)")
        .env("GIT_COMMITTER_EMAIL", "dana@shop.example.com")
        .output()
        .context("running git (the demo plays the customer with the git command)")?;
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The BI tool's objects, as it keeps them: two derived metrics over the shop's metrics.
fn bi_objects() -> anyhow::Result<BiObjects> {
    let objects = json!({
        "metrics": [
            {
                "id": "bi-101",
                "name": "revenue_per_order",
                "label": "Revenue per order",
                "description": "Revenue divided by the number of orders.",
                "type": "derived",
                "expr": "revenue / nullif(order_count, 0)",
                "inputs": [{"name": "revenue"}, {"name": "order_count"}],
            },
            {
                "id": "bi-102",
                "name": "orders_per_customer",
                "label": "Orders per customer",
                "description": "Orders divided by the customers who ordered.",
                "type": "derived",
                "expr": "order_count / nullif(customers_with_orders, 0)",
                "inputs": [{"name": "order_count"}, {"name": "customers_with_orders"}],
            },
        ],
    });
    Ok(serde_json::from_value(objects)?)
}

/// The observability tool's monitors: freshness of a raw table, a column that must be set.
fn monitors() -> anyhow::Result<Observability> {
    let objects = json!({
        "monitors": [
            {
                "id": "wt-1",
                "target": {"kind": "source", "source": "shop_db", "name": "customers"},
                "check": "freshness",
                "warn_after": {"count": 12, "period": "hour"},
            },
            {
                "id": "wt-2",
                "target": {"kind": "model", "name": "order_items"},
                "column": "quantity",
                "check": "not_null",
            },
        ],
    });
    Ok(serde_json::from_value(objects)?)
}

struct Demo {
    work: PathBuf,
    url: String,
    cache: PathBuf,
    style: Style,
    /// `--json`: the steps so far, each `{step, title, events: [...]}`; nothing is printed
    /// until the end.
    steps: Option<RefCell<Vec<Value>>>,
}

impl Demo {
    fn heading(&self, text: &str) {
        match &self.steps {
            Some(steps) => {
                let mut steps = steps.borrow_mut();
                let n = steps.len() + 1;
                steps.push(json!({"step": n, "title": text, "events": []}));
            }
            None => println!("\n{}", self.style.paint("1;34", &format!("== {text}"))),
        }
    }

    /// A line for people (text mode only).
    fn say(&self, text: &str) {
        if self.steps.is_none() {
            println!("{text}");
        }
    }

    /// A fact for machines (JSON mode only), as an event of the current step.
    fn emit(&self, event: &str, value: Value) {
        if let Some(steps) = &self.steps
            && let Some(step) = steps.borrow_mut().last_mut()
            && let Some(events) = step["events"].as_array_mut()
        {
            events.push(json!({"event": event, "data": value}));
        }
    }

    fn session(&self, vendor: &str, scope: Scope) -> anyhow::Result<SyncSession> {
        Ok(SyncSession::open_remote(
            &self.url,
            &self.cache.join(vendor),
            Credentials::None,
            SessionOptions::new(vendor, scope),
        )?)
    }

    fn show_plan(&self, plan: &SyncPlan) -> anyhow::Result<()> {
        if self.steps.is_some() {
            self.emit("plan", serde_json::to_value(plan)?);
        } else {
            print_plan(plan, &self.style);
        }
        Ok(())
    }

    /// One sync: plan, show, apply with push, show the pull request.
    fn sync(&self, session: &SyncSession, desired: &[Desired]) -> anyhow::Result<()> {
        let plan = session.plan(desired)?;
        self.show_plan(&plan)?;
        let noop = plan.is_noop();
        let pr = plan.pr.clone();
        let record = session.apply(plan, true)?;
        self.emit("sync", serde_json::to_value(&record)?);
        match (&record.commit, record.created_commit) {
            (Some(c), true) => {
                self.say(&format!(
                    "{} {} on {} and pushed",
                    self.style.paint("32", "committed"),
                    &c[..10],
                    record.branch,
                ));
                self.say(&format!(
                    "pull request: {}",
                    self.style.paint("1", &pr.title)
                ));
                for line in pr.body.lines() {
                    self.say(&format!("  | {line}"));
                }
            }
            _ if noop => self.say(&self.style.paint("32", "nothing to do: no commit, no push")),
            _ => self.say("the open pull request already holds this change"),
        }
        Ok(())
    }

    /// The customer edits files with resource operations, commits and pushes.
    fn customer_edit(&self, message: &str, ops: &[ResourceOp]) -> anyhow::Result<()> {
        let source = FolderSource::new(&self.work);
        let project = Reader::default().read(&source)?;
        let changes = apply_plan(&project, &source, ops, &PlanOptions::default());
        if let Some(e) = changes.errors.first() {
            bail!("the customer's edit failed: {e}");
        }
        for f in &changes.files {
            std::fs::write(self.work.join(&f.path), &f.after)?;
        }
        git(&self.work, &["commit", "-qam", message])?;
        git(&self.work, &["push", "-q", "origin", "main"])?;
        let files: Vec<&str> = changes.files.iter().map(|f| f.path.as_str()).collect();
        self.emit(
            "customer_commit",
            json!({"message": message, "files": files}),
        );
        self.say(&format!("customer: {message}"));
        Ok(())
    }

    fn merge_pr(&self, branch: &str) -> anyhow::Result<()> {
        git(&self.work, &["fetch", "-q", "origin"])?;
        git(
            &self.work,
            &[
                "merge",
                "-q",
                "--no-ff",
                "-m",
                &format!("Merge {branch}"),
                &format!("origin/{branch}"),
            ],
        )?;
        git(&self.work, &["push", "-q", "origin", "main"])?;
        self.emit("customer_merge", json!({"branch": branch}));
        self.say(&format!("customer: reviewed and merged {branch}"));
        Ok(())
    }

    /// What the vendor's objects look like after it took the repo's changes.
    fn vendor_took(&self, vendor: &str, before: Value, after: Value) {
        self.emit(
            "vendor_objects",
            json!({"vendor": vendor, "objects": after}),
        );
        let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
            return;
        };
        for (list, items) in after {
            let mut added = 0;
            for item in items.as_array().into_iter().flatten() {
                let old = before
                    .get(list)
                    .and_then(Value::as_array)
                    .and_then(|l| l.iter().find(|o| same_object(o, item)));
                match old {
                    Some(old) if old != item => {
                        let id = item["id"].as_str().unwrap_or("?");
                        self.say(&format!(
                            "  {} {vendor} {id}: {}",
                            self.style.paint("33", "~"),
                            changed_keys(old, item).join(", ")
                        ));
                    }
                    None => added += 1,
                    _ => {}
                }
            }
            if added > 0 {
                self.say(&format!(
                    "  {} {added} {} already in the repo, now shown in {vendor}",
                    self.style.paint("32", "+"),
                    list.replace('_', " ")
                ));
            }
        }
    }
}

/// The same object of a vendor's list: by id, or by target and column for descriptions.
fn same_object(a: &Value, b: &Value) -> bool {
    match (a.get("id"), b.get("id")) {
        (Some(x), Some(y)) => x == y,
        _ => a.get("target") == b.get("target") && a.get("column") == b.get("column"),
    }
}

/// Keys of two JSON objects whose values differ, with the new value when it is short.
fn changed_keys(old: &Value, new: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (o, n) = (
        old.as_object().unwrap_or(&empty),
        new.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| o.get(*k) != n.get(*k))
        .map(|k| match n.get(k) {
            Some(v) if v.to_string().len() <= 60 => format!("{k} = {v}"),
            _ => k.clone(),
        })
        .collect()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let root = args.dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("interop-demo-{}", std::process::id()))
    });
    if root.exists() && std::fs::read_dir(&root)?.next().is_some() {
        bail!(
            "{} is not empty; give an empty or new folder",
            root.display()
        );
    }
    let work = root.join("analytics");
    let remote = root.join("remote.git");
    let demo = Demo {
        url: format!("file://{}", remote.display()),
        cache: root.join("vendor-caches"),
        work: work.clone(),
        style: if args.json { Style::plain() } else { style() },
        steps: args.json.then(|| RefCell::new(Vec::new())),
    };

    demo.heading("1. The customer's dbt repo");
    for (path, bytes) in embedded::SHOP {
        let target = work.join(path);
        std::fs::create_dir_all(target.parent().expect("a parent"))?;
        std::fs::write(target, bytes)?;
    }
    git(&work, &["init", "-q", "-b", "main"])?;
    git(&work, &["add", "-A"])?;
    git(&work, &["commit", "-qm", "The shop project"])?;
    std::fs::create_dir_all(&remote)?;
    git(&remote, &["init", "-q", "--bare", "-b", "main"])?;
    git(
        &work,
        &[
            "remote",
            "add",
            "origin",
            remote.to_str().context("a UTF-8 path")?,
        ],
    )?;
    git(&work, &["push", "-q", "origin", "main"])?;
    let project = Reader::default().read(&FolderSource::new(&work))?;
    demo.emit(
        "repo",
        json!({"resources": project.resources.len(), "work_tree": work, "remote": remote}),
    );
    demo.say(&format!(
        "{} resources read from {} (work tree) with a bare remote at {}",
        project.resources.len(),
        work.display(),
        remote.display()
    ));

    demo.heading("2. A BI tool syncs two metrics (vendor acme-bi)");
    let bi = demo.session("acme-bi", Scope::bi())?;
    let mut metrics = bi_objects()?;
    let info = RepoInfo::read(&bi)?;
    demo.sync(&bi, &bi::to_desired(&metrics, &info)?)?;

    demo.heading("3. An observability tool syncs monitors (vendor watchtower)");
    let wt = demo.session("watchtower", Scope::observability())?;
    let mut checks = monitors()?;
    demo.sync(&wt, &checks.to_desired(&RepoView::read(&wt)?)?)?;

    demo.heading("4. The customer merges both pull requests");
    demo.merge_pr("interop/acme-bi")?;
    demo.merge_pr("interop/watchtower")?;

    demo.heading("5. The customer edits the repo");
    demo.customer_edit(
        "Rename revenue_per_order, relax customers freshness, reword a metric",
        &[
            ResourceOp::Rename {
                resource: "metric.shop.revenue_per_order".into(),
                new_name: "average_order_revenue".into(),
            },
            ResourceOp::Set {
                resource: "source.shop.shop_db.customers".into(),
                field: "config.freshness.warn_after.count".into(),
                value: json!(24),
            },
            ResourceOp::Set {
                resource: "metric.shop.orders_per_customer".into(),
                field: "description".into(),
                value: json!("Orders per ordering customer, refunds included."),
            },
        ],
    )?;
    // Meanwhile, in the BI tool, someone edits the same description.
    let reworded = "Average number of orders per customer.";
    if let Some(m) = metrics.metrics.iter_mut().find(|m| m.id == "bi-102") {
        m.description = Some(reworded.into());
    }
    demo.emit(
        "vendor_edit",
        json!({"vendor": "acme-bi", "id": "bi-102", "description": reworded}),
    );
    demo.say("acme-bi user: edits the description of orders_per_customer too");

    demo.heading("6. The vendors pull");
    let bi = demo.session("acme-bi", Scope::bi())?;
    let info = RepoInfo::read(&bi)?;
    let plan = bi.plan(&bi::to_desired(&metrics, &info)?)?;
    demo.show_plan(&plan)?;
    demo.say("acme-bi updates its metrics from what changed in the repo:");
    let before = serde_json::to_value(&metrics)?;
    metrics = bi::apply_changes(&metrics, &info, &plan.vendor_changes)?;
    demo.vendor_took("acme-bi", before, serde_json::to_value(&metrics)?);
    let wt = demo.session("watchtower", Scope::observability())?;
    let changes = wt.pull()?;
    demo.say("watchtower updates its monitors from what changed in the repo:");
    let before = serde_json::to_value(&checks)?;
    checks.apply(&checks.changes(&changes, &RepoView::read(&wt)?));
    demo.vendor_took("watchtower", before, serde_json::to_value(&checks)?);

    demo.heading("7. The conflict is resolved: the vendor's wording wins");
    for conflict in &plan.conflicts {
        let field = conflict.conflict.path.to_string();
        bi.resolve(&conflict.id, &field, Choice::Vendor)?;
        demo.emit(
            "resolved",
            json!({"id": conflict.id, "field": field, "choice": "vendor"}),
        );
        demo.say(&format!("resolved {} {field} → vendor", conflict.id));
        // The tool keeps its own wording: the conflict's vendor side.
        if field == "description"
            && let Some(m) = metrics.metrics.iter_mut().find(|m| m.id == conflict.id)
        {
            m.description = Some(reworded.into());
        }
    }
    demo.sync(&bi, &bi::to_desired(&metrics, &info)?)?;
    demo.merge_pr("interop/acme-bi")?;

    demo.heading("8. A last sync of both vendors changes nothing");
    let bi = demo.session("acme-bi", Scope::bi())?;
    let info = RepoInfo::read(&bi)?;
    demo.sync(&bi, &bi::to_desired(&metrics, &info)?)?;
    let wt = demo.session("watchtower", Scope::observability())?;
    demo.sync(&wt, &checks.to_desired(&RepoView::read(&wt)?)?)?;

    demo.heading("9. dbt's verdict on the repo (dbt build on DuckDB)");
    let (code, verdict) = oracle(&work, &demo.style);
    demo.emit("verdict", verdict.clone());
    demo.say(verdict["text"].as_str().unwrap_or_default());

    demo.heading("Where everything is");
    let history = format!("git -C {} log --oneline --graph --all", work.display());
    let base = format!(
        "git -C {} show refs/interop/acme-bi/base:base.json",
        remote.display()
    );
    demo.emit(
        "paths",
        json!({"work_tree": work, "remote": remote, "vendor_caches": demo.cache, "history": history, "sync_state": base}),
    );
    demo.say(&format!("customer work tree: {}", work.display()));
    demo.say(&format!("remote (bare):      {}", remote.display()));
    demo.say(&format!("vendor caches:      {}", demo.cache.display()));
    demo.say(&format!("history:            {history}"));
    demo.say(&format!("sync state:         {base}"));
    if let Some(steps) = demo.steps {
        let doc = json!({
            "schema": "interop.demo/v1",
            "dir": root,
            "exit_code": code,
            "steps": steps.into_inner(),
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    }
    Ok(code)
}

/// Runs `../shared/oracle/dbt-check.sh --build` when the oracle venv is there: the exit code
/// and `{ran, ok, text}`.
fn oracle(work: &Path, style: &Style) -> (u8, Value) {
    let here = std::env::current_dir().unwrap_or_default();
    let shared = std::env::var_os("INTEROP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join("../shared"));
    let venv = std::env::var_os("INTEROP_ORACLE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join(".venv-oracle"));
    let script = shared.join("oracle/dbt-check.sh");
    if !script.exists() || !venv.join("bin/dbt").exists() {
        let text = "The oracle is not installed here. To get dbt's verdict: bash ../shared/oracle/install.sh .venv-oracle\n(or run ./scripts/test once), then run the demo again.";
        return (exit::OK, json!({"ran": false, "ok": null, "text": text}));
    }
    let out = Command::new("bash")
        .arg(&script)
        .arg("--build")
        .arg(work)
        .env("INTEROP_ORACLE_VENV", &venv)
        .output();
    match out {
        Ok(out) if out.status.success() => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let last = stdout.lines().last().unwrap_or("OK");
            let text = format!("{} {last}", style.paint("32", "dbt parse + build:"));
            (exit::OK, json!({"ran": true, "ok": true, "text": text}))
        }
        Ok(out) => {
            let text = format!(
                "{}\n{}{}",
                style.paint("31", "dbt parse + build failed:"),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (
                exit::BAD_INPUT,
                json!({"ran": true, "ok": false, "text": text}),
            )
        }
        Err(e) => {
            let text = format!("could not run the oracle: {e}");
            (exit::OK, json!({"ran": false, "ok": null, "text": text}))
        }
    }
}
