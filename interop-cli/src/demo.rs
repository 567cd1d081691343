//! `interop demo [DIR]`: the whole story on an embedded project, with nothing to configure. A
//! customer repo (the shop project, git, a bare "remote" beside it); a BI vendor and an
//! observability vendor sync; the customer merges, then edits in the repo (renames a metric,
//! changes a freshness threshold, edits a description the BI vendor also edited); the vendors
//! pull, the conflict is shown and resolved; a last sync is a no-op; the oracle judges the repo.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use interop_sdk::sync::edit::plan::{PlanOptions, ResourceOp, apply_plan};
use interop_sdk::sync::git::Credentials;
use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::ResourceState;
use interop_sdk::sync::read::{FolderSource, Reader};
use interop_sdk::{Choice, Desired, Scope, SessionOptions, SyncSession, VendorChange};
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

fn state(id: &str, kind: ResourceKind, name: &str, value: Value, file: Option<&str>) -> Desired {
    let mut value = value;
    value["name"] = json!(name);
    Desired {
        id: id.into(),
        state: ResourceState {
            kind,
            name: name.into(),
            value,
            file: file.map(str::to_string),
        },
    }
}

fn bi_objects() -> Vec<Desired> {
    let metric =
        |id: &str, name: &str, label: &str, description: &str, expr: &str, inputs: &[&str]| {
            state(
                id,
                ResourceKind::Metric,
                name,
                json!({
                    "label": label,
                    "description": description,
                    "type": "derived",
                    "expr": expr,
                    "input_metrics": inputs.iter().map(|i| json!({"name": i})).collect::<Vec<_>>(),
                }),
                Some("models/marts/_metrics.yml"),
            )
        };
    vec![
        metric(
            "bi-101",
            "revenue_per_order",
            "Revenue per order",
            "Revenue divided by the number of orders.",
            "revenue / nullif(order_count, 0)",
            &["revenue", "order_count"],
        ),
        metric(
            "bi-102",
            "orders_per_customer",
            "Orders per customer",
            "Orders divided by the customers who ordered.",
            "order_count / nullif(customers_with_orders, 0)",
            &["order_count", "customers_with_orders"],
        ),
    ]
}

fn monitors() -> Vec<Desired> {
    vec![
        state(
            "wt-1",
            ResourceKind::Source,
            "customers",
            json!({"config": {"freshness": {"warn_after": {"count": 12, "period": "hour"}}}}),
            None,
        ),
        state(
            "wt-2",
            ResourceKind::Model,
            "order_items",
            json!({"columns": [{"name": "quantity", "data_tests": ["not_null"]}]}),
            None,
        ),
    ]
}

struct Demo {
    work: PathBuf,
    url: String,
    cache: PathBuf,
    style: Style,
}

impl Demo {
    fn heading(&self, text: &str) {
        println!("\n{}", self.style.paint("1;34", &format!("== {text}")));
    }

    fn session(&self, vendor: &str, scope: Scope) -> anyhow::Result<SyncSession> {
        Ok(SyncSession::open_remote(
            &self.url,
            &self.cache.join(vendor),
            Credentials::None,
            SessionOptions::new(vendor, scope),
        )?)
    }

    /// One sync: plan, show, apply with push.
    fn sync(&self, session: &SyncSession, desired: &[Desired]) -> anyhow::Result<()> {
        let plan = session.plan(desired)?;
        print_plan(&plan, &self.style);
        let noop = plan.is_noop();
        let record = session.apply(plan, true)?;
        match (&record.commit, record.created_commit) {
            (Some(c), true) => println!(
                "{} {} on {} and pushed; PR title: \"{}\"",
                self.style.paint("32", "committed"),
                &c[..10],
                record.branch,
                record.changes.len().to_string() + " resource change(s)"
            ),
            _ if noop => println!(
                "{}",
                self.style.paint("32", "nothing to do: no commit, no push")
            ),
            _ => println!("the open PR already holds this change"),
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
        println!("customer: {message}");
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
        println!("customer: reviewed and merged {branch}");
        Ok(())
    }
}

/// The vendor applies what the repo changed to its own objects (keeping its side of fields in
/// conflict until they are resolved).
fn apply_changes(objects: &mut [Desired], changes: &[VendorChange], style: &Style) {
    for change in changes {
        if let VendorChange::Updated {
            id,
            unique_id,
            fields,
            state,
        } = change
            && let Some(object) = objects.iter_mut().find(|o| &o.id == id)
        {
            println!(
                "  {} {id} ← {unique_id}: {}",
                style.paint("33", "~"),
                fields.join(", ")
            );
            object.state = state.clone();
        }
    }
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
        style: style(),
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
    println!(
        "{} resources read from {} (work tree) with a bare remote at {}",
        project.resources.len(),
        work.display(),
        remote.display()
    );

    demo.heading("2. A BI tool syncs two metrics (vendor acme-bi)");
    let bi = demo.session("acme-bi", Scope::bi())?;
    let mut metrics = bi_objects();
    demo.sync(&bi, &metrics)?;

    demo.heading("3. An observability tool syncs monitors (vendor watchtower)");
    let wt = demo.session("watchtower", Scope::observability())?;
    let mut checks = monitors();
    demo.sync(&wt, &checks)?;

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
    if let Some(m) = metrics.iter_mut().find(|m| m.id == "bi-102") {
        m.state.value["description"] = json!("Average number of orders per customer.");
        println!("acme-bi user: edits the description of orders_per_customer too");
    }

    demo.heading("6. The vendors pull");
    let bi = demo.session("acme-bi", Scope::bi())?;
    let plan = bi.plan(&metrics)?;
    print_plan(&plan, &demo.style);
    println!("acme-bi applies what changed in the repo:");
    apply_changes(&mut metrics, &plan.vendor_changes, &demo.style);
    let wt = demo.session("watchtower", Scope::observability())?;
    let changes = wt.pull()?;
    println!("watchtower applies what changed in the repo:");
    apply_changes(&mut checks, &changes, &demo.style);

    demo.heading("7. The conflict is resolved: the vendor's wording wins");
    for conflict in &plan.conflicts {
        bi.resolve(
            &conflict.id,
            &conflict.conflict.path.to_string(),
            Choice::Vendor,
        )?;
        println!(
            "resolved {} {} → vendor",
            conflict.id, conflict.conflict.path
        );
        if let Some(m) = metrics.iter_mut().find(|m| m.id == conflict.id)
            && let Some(v) = &conflict.conflict.vendor
        {
            m.state.value["description"] = v.clone();
        }
    }
    demo.sync(&bi, &metrics)?;
    demo.merge_pr("interop/acme-bi")?;

    demo.heading("8. A last sync of both vendors changes nothing");
    let bi = demo.session("acme-bi", Scope::bi())?;
    demo.sync(&bi, &metrics)?;
    let wt = demo.session("watchtower", Scope::observability())?;
    demo.sync(&wt, &checks)?;

    demo.heading("9. dbt's verdict on the repo");
    let code = oracle(&work, &demo.style);

    demo.heading("Where everything is");
    println!("customer work tree: {}", work.display());
    println!("remote (bare):      {}", remote.display());
    println!("vendor caches:      {}", demo.cache.display());
    println!(
        "history:            git -C {} log --oneline --graph --all",
        work.display()
    );
    println!(
        "sync state:         git -C {} show refs/interop/acme-bi/base:base.json",
        remote.display()
    );
    Ok(code)
}

/// Runs `../shared/oracle/dbt-check.sh` when the oracle venv is there.
fn oracle(work: &Path, style: &Style) -> u8 {
    let here = std::env::current_dir().unwrap_or_default();
    let shared = std::env::var_os("INTEROP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join("../shared"));
    let venv = std::env::var_os("INTEROP_ORACLE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join(".venv-oracle"));
    let script = shared.join("oracle/dbt-check.sh");
    if !script.exists() || !venv.join("bin/dbt").exists() {
        println!(
            "The oracle is not installed here. To get dbt's verdict: bash ../shared/oracle/install.sh .venv-oracle\n(or run ./scripts/test once), then run the demo again."
        );
        return exit::OK;
    }
    let out = Command::new("bash")
        .arg(&script)
        .arg(work)
        .env("INTEROP_ORACLE_VENV", &venv)
        .output();
    match out {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            println!(
                "{} {}",
                style.paint("32", "dbt parse:"),
                text.lines().last().unwrap_or("OK")
            );
            exit::OK
        }
        Ok(out) => {
            println!(
                "{}\n{}{}",
                style.paint("31", "dbt parse failed:"),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            exit::BAD_INPUT
        }
        Err(e) => {
            println!("could not run the oracle: {e}");
            exit::OK
        }
    }
}
