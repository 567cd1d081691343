//! The runner: for each scenario, a fresh repo host and a fresh adapter; the steps in order,
//! the vendor's through the adapter and the customer's played here; after each step the
//! scenario's expectations and the checks made after every sync and merge.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use git2::Oid;
use interop_sdk::sync::read::Project;
use serde_json::{Value, json};

use crate::adapter::{Adapter, AdapterFactory};
use crate::checks::{self, Oracle};
use crate::host::Host;
use crate::protocol::{
    ErrorBody, HelloResult, ListResult, Op, PROTOCOL, PullResult, Request, SyncResult,
};
use crate::reference::reference_scope;
use crate::report::{Outcome, REPORT_SCHEMA, Report, ScenarioResult, StepResult};
use crate::scenario::{Action, CommitExpect, FileEdit, Level, Scenario, StartRepo, TreeExpect};

/// Which scenarios to run.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Categories (empty: all). A scenario matches by its category or a vendor's category.
    pub categories: Vec<String>,
    /// Only this level.
    pub level: Option<Level>,
    /// Only scenarios whose id contains one of these (empty: all).
    pub ids: Vec<String>,
}

impl Filter {
    /// Whether `s` is selected.
    pub fn accepts(&self, s: &Scenario) -> bool {
        let category = self.categories.is_empty()
            || self
                .categories
                .iter()
                .any(|c| *c == s.category || s.vendor_categories().values().any(|v| v == c));
        let level = self.level.is_none_or(|l| l == s.level);
        let id = self.ids.is_empty() || self.ids.iter().any(|i| s.id.contains(i.as_str()));
        category && level && id
    }
}

/// How the runner runs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Where fixture repos live.
    pub fixtures: PathBuf,
    /// dbt, when available: every tree a vendor proposes and every merged main is parsed.
    pub oracle: Option<Oracle>,
    /// Keep each scenario's folder (remote, customer checkout, vendor workdirs) and name it in
    /// the report; default: when `INTEROP_CONFORMANCE_KEEP` is set.
    pub keep: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            fixtures: default_fixtures(),
            oracle: Oracle::from_env(),
            keep: std::env::var_os("INTEROP_CONFORMANCE_KEEP").is_some(),
        }
    }
}

/// The scenarios shipped with Interop (`conformance/scenarios`).
pub fn default_scenarios() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The fixture repos shipped with Interop: the engine's realistic projects
/// (`interop-sync/tests/fixtures/projects`, `shop` among them), shared rather than copied.
pub fn default_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop-sync/tests/fixtures/projects")
}

/// Runs the selected scenarios against integrations started by `adapter`, with the default
/// options (shipped fixtures; dbt when the oracle is installed).
pub fn run(scenarios: &[Scenario], adapter: &dyn AdapterFactory, filter: &Filter) -> Report {
    run_with(scenarios, adapter, filter, &RunOptions::default())
}

/// [`run`] with options.
pub fn run_with(
    scenarios: &[Scenario],
    adapter: &dyn AdapterFactory,
    filter: &Filter,
    options: &RunOptions,
) -> Report {
    let results = scenarios
        .iter()
        .filter(|s| filter.accepts(s))
        .map(|s| run_one(s, adapter, options))
        .collect();
    Report {
        schema: REPORT_SCHEMA.into(),
        adapter: adapter.describe(),
        dbt_checked: options.oracle.is_some(),
        scenarios: results,
    }
}

/// The running state of one scenario.
struct Ctx<'a> {
    options: &'a RunOptions,
    host: Host,
    adapter: Box<dyn Adapter>,
    seq: u64,
    /// Vendor → category.
    vendors: BTreeMap<String, String>,
    /// Vendor → sync branch (as its syncs report it).
    branches: BTreeMap<String, String>,
    /// Files on main at the start.
    initial: BTreeMap<String, Vec<u8>>,
    /// The project on main at the start (None: no repo).
    initial_project: Option<Arc<Project>>,
}

/// What a vendor step gave back.
#[derive(Default)]
struct StepOutcome {
    error: Option<ErrorBody>,
    sync: Option<SyncResult>,
    changes: Option<Vec<Value>>,
}

fn run_one(s: &Scenario, factory: &dyn AdapterFactory, options: &RunOptions) -> ScenarioResult {
    let started = Instant::now();
    let mut result = ScenarioResult {
        id: s.id.clone(),
        category: s.category.clone(),
        level: s.level,
        requirement: s.requirement.clone(),
        file: s.path.as_ref().map(|p| p.display().to_string()),
        outcome: Outcome::Passed,
        why: None,
        steps: Vec::new(),
        millis: 0,
        workdir: None,
    };
    match execute(s, factory, options, &mut result) {
        Ok(()) => {}
        Err(Setup::Skip(why)) => {
            result.outcome = Outcome::Skipped;
            result.why = Some(why);
        }
        Err(Setup::Fail(why)) => {
            result.outcome = Outcome::Failed;
            result.why = Some(why);
        }
    }
    if result.outcome == Outcome::Passed
        && let Some(step) = result.steps.iter().find(|s| !s.passed)
    {
        result.outcome = Outcome::Failed;
        result.why = Some(format!(
            "step {} ({}): {}",
            step.step,
            step.label,
            step.failures.first().cloned().unwrap_or_default()
        ));
    }
    result.millis = started.elapsed().as_millis();
    result
}

enum Setup {
    Skip(String),
    Fail(String),
}

fn execute(
    s: &Scenario,
    factory: &dyn AdapterFactory,
    options: &RunOptions,
    result: &mut ScenarioResult,
) -> Result<(), Setup> {
    let temp = tempfile::Builder::new()
        .prefix("interop-conformance-")
        .tempdir()
        .map_err(|e| Setup::Fail(format!("a temp folder: {e}")))?;
    let host = Host::new(temp.path(), &s.repo, &options.fixtures)
        .map_err(|e| Setup::Fail(format!("setting up the repo: {e}")))?;
    let adapter = factory.start().map_err(|e| Setup::Fail(e.to_string()))?;
    let mut ctx = Ctx {
        options,
        host,
        adapter,
        seq: 0,
        vendors: s.vendor_categories(),
        branches: BTreeMap::new(),
        initial: BTreeMap::new(),
        initial_project: None,
    };
    if let StartRepo::Fixture(_) = s.repo {
        let main = ctx
            .main()
            .map_err(Setup::Fail)?
            .ok_or_else(|| Setup::Fail("the fixture was not committed".into()))?;
        ctx.initial = ctx
            .host
            .files(main)
            .map_err(|e| Setup::Fail(e.to_string()))?;
        ctx.initial_project = Some(
            ctx.host
                .read(main)
                .map_err(|e| Setup::Fail(e.to_string()))?,
        );
    }
    // hello
    let hello = ctx
        .call(Op::Hello {
            protocol: PROTOCOL.into(),
        })
        .map_err(Setup::Fail)?;
    let hello: HelloResult = parse_result("hello", hello).map_err(Setup::Fail)?;
    if hello.protocol != PROTOCOL {
        return Err(Setup::Fail(format!(
            "the adapter speaks {}, the runner {PROTOCOL}",
            hello.protocol
        )));
    }
    for category in ctx.vendors.values() {
        if !hello.categories.contains(category) {
            return Err(Setup::Skip(format!(
                "the adapter does not implement {category}"
            )));
        }
    }
    // open
    for (vendor, category) in ctx.vendors.clone() {
        let workdir = temp.path().join("vendors").join(&vendor);
        let answer = ctx
            .call(Op::Open {
                vendor: vendor.clone(),
                category: category.clone(),
                repo: ctx.host.url(),
                workdir: workdir.display().to_string(),
            })
            .map_err(Setup::Fail)?;
        if let Err(e) = answer {
            return Err(Setup::Fail(format!(
                "open {vendor} ({category}) failed: {}: {}",
                e.kind.as_str(),
                e.message
            )));
        }
    }
    if s.repo == StartRepo::None && ctx.main().map_err(Setup::Fail)?.is_some() {
        // The vendor created the repo: its first state is what the scenario starts from.
        let main = ctx.main().map_err(Setup::Fail)?.expect("checked");
        ctx.initial = ctx
            .host
            .files(main)
            .map_err(|e| Setup::Fail(e.to_string()))?;
    }
    for (i, step) in s.steps.iter().enumerate() {
        let failures = ctx.step(&step.action, &step.expect);
        let passed = failures.is_empty();
        result.steps.push(StepResult {
            step: i + 1,
            label: step.action.label(),
            passed,
            failures,
        });
        if !passed {
            break;
        }
    }
    let _ = ctx.call(Op::Shutdown);
    drop(ctx);
    if options.keep {
        result.workdir = Some(temp.keep().display().to_string());
    }
    Ok(())
}

fn parse_result<T: serde::de::DeserializeOwned>(
    op: &str,
    answer: Result<Value, ErrorBody>,
) -> Result<T, String> {
    match answer {
        Ok(v) => serde_json::from_value(v.clone()).map_err(|e| {
            format!(
                "the adapter's result for {op} does not follow the protocol ({e}): {}",
                checks::show(&[v])
            )
        }),
        Err(e) => Err(format!("{op} failed: {}: {}", e.kind.as_str(), e.message)),
    }
}

impl Ctx<'_> {
    /// Sends a request; the outer error is a broken adapter, the inner an error it reports.
    fn call(&mut self, op: Op) -> Result<Result<Value, ErrorBody>, String> {
        self.seq += 1;
        let request = Request { seq: self.seq, op };
        let response = self.adapter.call(&request).map_err(|e| e.to_string())?;
        if response.ok {
            Ok(Ok(response.result.unwrap_or_else(|| json!({}))))
        } else {
            Ok(Err(response.error.unwrap_or(ErrorBody {
                kind: crate::protocol::ErrorKind::Internal,
                message: "the adapter said ok: false without an error".into(),
            })))
        }
    }

    fn main(&self) -> Result<Option<Oid>, String> {
        self.host.head("main").map_err(|e| e.to_string())
    }

    fn vendor_name(&self, vendor: &Option<String>) -> String {
        vendor
            .clone()
            .unwrap_or_else(|| self.vendors.keys().next().cloned().unwrap_or_default())
    }

    fn branch_of(&self, vendor: &str) -> String {
        self.branches
            .get(vendor)
            .cloned()
            .unwrap_or_else(|| format!("interop/{vendor}"))
    }

    fn head_of(&self, vendor: &str) -> Result<Option<Oid>, String> {
        self.host
            .head(&self.branch_of(vendor))
            .map_err(|e| e.to_string())
    }

    /// Runs one step and its checks; the failures, empty when it held.
    fn step(&mut self, action: &Action, expect: &crate::scenario::Expect) -> Vec<String> {
        let mut failures = Vec::new();
        let vendor = action.vendor().map(|v| self.vendor_name(v));
        let main_before = match self.main() {
            Ok(m) => m,
            Err(e) => return vec![e],
        };
        let branch_before = match &vendor {
            Some(v) => match self.head_of(v) {
                Ok(b) => b,
                Err(e) => return vec![e],
            },
            None => None,
        };
        let outcome = match self.act(action, vendor.as_deref()) {
            Ok(o) => o,
            Err(e) => return vec![e],
        };
        // Errors.
        match (&expect.error, &outcome.error) {
            (Some(want), Some(got)) => {
                if want.kind != got.kind.as_str() {
                    failures.push(format!(
                        "expected a {} error, got a {} error: {}",
                        want.kind,
                        got.kind.as_str(),
                        got.message
                    ));
                }
                if let Some(text) = &want.contains
                    && !got.message.contains(text.as_str())
                {
                    failures.push(format!(
                        "expected the error to mention {text:?}: {}",
                        got.message
                    ));
                }
            }
            (Some(want), None) => failures.push(format!(
                "expected a {} error{}, but {} succeeded",
                want.kind,
                want.contains
                    .as_deref()
                    .map(|c| format!(" mentioning {c:?}"))
                    .unwrap_or_default(),
                action.label()
            )),
            (None, Some(got)) => {
                failures.push(format!(
                    "{} failed: {}: {}",
                    action.label(),
                    got.kind.as_str(),
                    got.message
                ));
                return failures;
            }
            (None, None) => {}
        }
        let main_after = match self.main() {
            Ok(m) => m,
            Err(e) => return vec![e],
        };
        if let Some(v) = &vendor
            && action_is_vendors(action)
        {
            if main_before.is_some() && main_before != main_after {
                failures.push(format!(
                    "{v} moved main: a vendor writes only its own sync branch"
                ));
            }
            let branch_after = match self.head_of(v) {
                Ok(b) => b,
                Err(e) => return vec![e],
            };
            failures.extend(self.after_vendor_step(
                v,
                &outcome,
                branch_before,
                branch_after,
                main_after,
            ));
            if let Some(want) = &expect.sync {
                match &outcome.sync {
                    Some(sync) => {
                        match want.commit {
                            Some(CommitExpect::New) if !sync.created_commit => {
                                failures.push(format!(
                                    "expected the sync to write a new commit; it wrote none (repo changes {}, vendor changes {}, conflicts {})",
                                    checks::show(&sync.changes),
                                    checks::show(&sync.vendor_changes),
                                    checks::show(&sync.conflicts)
                                ))
                            }
                            Some(CommitExpect::Unchanged)
                                if sync.created_commit || branch_before != branch_after =>
                            {
                                failures.push(format!(
                                    "expected the sync to write nothing; it moved {} ({} changes: {})",
                                    self.branch_of(v),
                                    sync.changes.len(),
                                    checks::show(&sync.changes)
                                ))
                            }
                            _ => {}
                        }
                        if let Some(list) = &want.changes {
                            failures.extend(checks::check_list(
                                "repo changes",
                                list,
                                &sync.changes,
                            ));
                        }
                    }
                    None => failures.push("sync: expectations on a step that is not a sync".into()),
                }
            }
        }
        if let Some(list) = &expect.changes {
            let items = outcome
                .sync
                .as_ref()
                .map(|s| s.vendor_changes.clone())
                .or_else(|| outcome.changes.clone());
            match items {
                Some(items) => failures.extend(checks::check_list("vendor changes", list, &items)),
                None => failures
                    .push("changes: expectations on a step that is not a sync or pull".into()),
            }
        }
        if let Some(list) = &expect.conflicts {
            let items = match (&outcome.sync, &outcome.changes) {
                (Some(s), _) => Some(s.conflicts.clone()),
                (None, Some(_)) => Some(vec![]),
                _ => None,
            };
            match items {
                Some(items) => failures.extend(checks::check_list("conflicts", list, &items)),
                None => failures
                    .push("conflicts: expectations on a step that is not a sync or pull".into()),
            }
        }
        if let Some(list) = &expect.objects {
            let v = vendor.clone().unwrap_or_else(|| self.vendor_name(&None));
            match self
                .call(Op::List { vendor: v.clone() })
                .and_then(|a| parse_result::<ListResult>("list", a))
            {
                Ok(l) => failures.extend(checks::check_list(
                    &format!("{v}'s objects"),
                    list,
                    &l.objects,
                )),
                Err(e) => failures.push(e),
            }
        }
        if matches!(action, Action::Merge { .. }) {
            failures.extend(self.check_main(main_after));
        }
        if let Some(t) = &expect.main {
            failures.extend(self.tree("main", main_after, main_after, t));
        }
        if let Some(t) = &expect.branch {
            let v = self.vendor_name(&t.vendor);
            match self.head_of(&v) {
                Ok(head) => {
                    let label = self.branch_of(&v);
                    failures.extend(self.tree(&label, head, main_after, t));
                }
                Err(e) => failures.push(e),
            }
        }
        failures
    }

    fn tree(
        &self,
        label: &str,
        commit: Option<Oid>,
        main: Option<Oid>,
        t: &TreeExpect,
    ) -> Vec<String> {
        let other = t.same_as.as_ref().map(|name| {
            if name == "main" {
                main
            } else {
                self.head_of(name).ok().flatten()
            }
        });
        checks::check_tree(&self.host, label, commit, main, t, &self.initial, other)
    }

    /// After a merge: main still reads, and dbt parses it.
    fn check_main(&self, main: Option<Oid>) -> Vec<String> {
        let Some(main) = main else {
            return vec!["main is gone after the merge".into()];
        };
        let mut failures = Vec::new();
        match self.host.read(main) {
            Ok(p) => {
                for e in checks::new_read_errors(self.initial_project.as_deref(), &p) {
                    failures.push(format!("main no longer reads cleanly after the merge: {e}"));
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
        if let Some(oracle) = &self.options.oracle
            && let Err(e) = checks::dbt_parse(&self.host, main, oracle)
        {
            failures.push(format!("main after the merge: {e}"));
        }
        failures
    }

    /// The checks after every vendor step: a sync's commit is on the remote, one commit on top
    /// of main; it reads, dbt parses it, it stays inside the boundary and the untouched bytes.
    fn after_vendor_step(
        &self,
        vendor: &str,
        outcome: &StepOutcome,
        before: Option<Oid>,
        after: Option<Oid>,
        main: Option<Oid>,
    ) -> Vec<String> {
        let mut failures = Vec::new();
        let branch = self.branch_of(vendor);
        if let Some(sync) = &outcome.sync {
            if sync.created_commit {
                let pushed = sync.commit.as_deref().and_then(|c| Oid::from_str(c).ok());
                if pushed.is_none() || pushed != after {
                    failures.push(format!(
                        "{vendor} reported commit {} on {branch}, but the repo's {branch} is at {} (was it pushed?)",
                        sync.commit.as_deref().unwrap_or("null"),
                        after.map(|o| o.to_string()).unwrap_or_else(|| "nothing".into())
                    ));
                }
            } else if before != after {
                failures.push(format!(
                    "{vendor} moved {branch} but reported no new commit"
                ));
            }
        } else if before != after {
            failures.push(format!("{vendor} moved {branch} outside a sync"));
        }
        let (Some(head), Some(main)) = (after, main) else {
            return failures;
        };
        if before == after {
            return failures;
        }
        match self.host.ahead_behind(head, main) {
            Ok((1, 0)) => {}
            Ok((ahead, behind)) => failures.push(format!(
                "{branch} must be one commit on top of main (the PR is updated, not stacked); it is {ahead} ahead and {behind} behind"
            )),
            Err(e) => failures.push(e.to_string()),
        }
        match self.host.read(head) {
            Ok(p) => {
                let base = self.host.read(main).ok();
                for e in checks::new_read_errors(base.as_deref(), &p) {
                    failures.push(format!("{branch} does not read cleanly: {e}"));
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
        if let Some(oracle) = &self.options.oracle
            && let Err(e) = checks::dbt_parse(&self.host, head, oracle)
        {
            failures.push(format!("{branch}: {e}"));
        }
        let category = self.vendors.get(vendor).cloned().unwrap_or_default();
        let scope = reference_scope(&category);
        match checks::check_diff(&self.host, main, head, scope.as_ref(), vendor) {
            Ok(f) => failures.extend(f),
            Err(e) => failures.push(format!("comparing {branch} with main: {e}")),
        }
        failures
    }

    /// Does what the step says; `Err` when it could not be done at all.
    fn act(&mut self, action: &Action, vendor: Option<&str>) -> Result<StepOutcome, String> {
        let v = || vendor.unwrap_or_default().to_string();
        let mut out = StepOutcome::default();
        let answer = match action {
            Action::Put { objects, .. } => self.call(Op::Put {
                vendor: v(),
                objects: objects.clone(),
            })?,
            Action::Edit {
                id, set, rename, ..
            } => {
                let list: ListResult = parse_result("list", self.call(Op::List { vendor: v() })?)?;
                let Some(mut object) = list
                    .objects
                    .into_iter()
                    .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
                else {
                    return Err(format!("{} has no object {id} to edit", v()));
                };
                // A category object's body is under its type key; a generic one's is `value`.
                let body_key = match object.as_object() {
                    Some(map) if map.contains_key("category") => {
                        map.keys().find(|k| *k != "id" && *k != "category").cloned()
                    }
                    _ => None,
                };
                if let Some(key) = body_key {
                    merge_patch(&mut object[key.as_str()], set);
                    if let Some(name) = rename {
                        object[key.as_str()]["name"] = json!(name);
                    }
                } else {
                    if let Some(value) = object.get_mut("value") {
                        merge_patch(value, set);
                    } else {
                        object["value"] = set.clone();
                    }
                    if let Some(name) = rename {
                        object["name"] = json!(name);
                        if object["value"].get("name").is_some() {
                            object["value"]["name"] = json!(name);
                        }
                    }
                }
                self.call(Op::Put {
                    vendor: v(),
                    objects: vec![object],
                })?
            }
            Action::Delete { ids, .. } => self.call(Op::Delete {
                vendor: v(),
                ids: ids.clone(),
            })?,
            Action::Sync { .. } => {
                let answer = self.call(Op::Sync { vendor: v() })?;
                if let Ok(value) = &answer {
                    let sync: SyncResult = parse_result("sync", Ok(value.clone()))?;
                    self.branches.insert(v(), sync.branch.clone());
                    out.sync = Some(sync);
                }
                answer
            }
            Action::Pull { .. } => {
                let answer = self.call(Op::Pull { vendor: v() })?;
                if let Ok(value) = &answer {
                    let pull: PullResult = parse_result("pull", Ok(value.clone()))?;
                    out.changes = Some(pull.changes);
                }
                answer
            }
            Action::Resolve {
                id, field, choice, ..
            } => self.call(Op::Resolve {
                vendor: v(),
                id: id.clone(),
                field: field.clone(),
                choice: choice.clone(),
            })?,
            Action::EditFile {
                file,
                replace,
                with,
            } => {
                self.host
                    .edit_file(&FileEdit {
                        file: file.clone(),
                        replace: replace.clone(),
                        with: with.clone(),
                    })
                    .map_err(|e| e.to_string())?;
                Ok(json!({}))
            }
            Action::WriteFile { file, content } => {
                self.host
                    .write_file(file, content)
                    .map_err(|e| e.to_string())?;
                Ok(json!({}))
            }
            Action::MoveFile { from, to } => {
                self.host.move_file(from, to).map_err(|e| e.to_string())?;
                Ok(json!({}))
            }
            Action::DeleteFile { file } => {
                self.host.delete_file(file).map_err(|e| e.to_string())?;
                Ok(json!({}))
            }
            Action::Merge { squash, edits, .. } => {
                let branch = self.branch_of(&v());
                self.host
                    .merge(&branch, *squash, edits)
                    .map_err(|e| e.to_string())?;
                Ok(json!({}))
            }
            Action::Close { .. } => {
                let branch = self.branch_of(&v());
                self.host.close(&branch).map_err(|e| e.to_string())?;
                Ok(json!({}))
            }
        };
        if let Err(e) = answer {
            out.error = Some(e);
            out.sync = None;
            out.changes = None;
        }
        Ok(out)
    }
}

fn action_is_vendors(action: &Action) -> bool {
    matches!(
        action,
        Action::Put { .. }
            | Action::Edit { .. }
            | Action::Delete { .. }
            | Action::Sync { .. }
            | Action::Pull { .. }
            | Action::Resolve { .. }
    )
}

/// RFC 7386 merge patch: maps merge, `null` removes, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().expect("a map");
            for (k, v) in p {
                if v.is_null() {
                    t.shift_remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}
