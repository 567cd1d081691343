//! The reconcile scenario matrix, driven by data: for every resource kind (one file per kind in
//! `tests/matrix/`), both sides × {add, edit the same field, edit different fields, delete,
//! rename, move to another file}. Each case syncs the shop project in a temp git repo and
//! records what the repo gets (the sync branch's diff), what the vendor is told (plan and
//! pull) and the conflicts; the records are insta snapshots, one per kind. Beside the
//! snapshots, every case checks the invariants: nothing either side changed is lost without a
//! conflict, and once the vendor takes what `pull` gave, a sync changes nothing.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use interop_sdk::sync::model::ResourceKind;
use interop_sdk::sync::plan::{ResourceState, state_of};
use interop_sdk::sync::read::{FolderSource, Reader, yaml};
use interop_sdk::sync::safety::Limits;
use interop_sdk::{Desired, Scope, SessionOptions, SyncPlan, SyncSession, VendorChange};
use serde::Deserialize;
use serde_json::Value;

use common::{git, repo};

/// One kind's cases.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindCases {
    /// The resource every case starts from (a unique id in the shop project).
    resource: String,
    /// Two fields the sides edit, with the vendor's value and the customer's edit.
    edit_a: FieldEdit,
    edit_b: FieldEdit,
    /// A new name, and how the customer renames it.
    rename: Rename,
    /// Another file, and how the customer moves it there.
    #[serde(rename = "move")]
    move_to: Move,
    /// A new resource of the kind: the vendor's, and the customer's text for the same one.
    add: Add,
    /// How the customer deletes the resource.
    delete: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldEdit {
    /// Dotted path in the resource state (`description`, `config.meta.owner`).
    field: String,
    /// The vendor's new value.
    vendor: Value,
    /// The customer's edit, giving `repo_value`.
    repo: Vec<Step>,
    /// The value the customer's edit gives.
    repo_value: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    to: String,
    repo: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Move {
    to: String,
    repo: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Add {
    /// dbt's unique id of the new resource.
    unique_id: String,
    vendor: ResourceState,
    repo: Vec<Step>,
}

/// A customer's step on the repo's work tree (committed on `main` after all steps).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Step {
    /// Replace the first occurrence of a text in a file.
    Edit([String; 3]),
    /// Rename a file.
    Mv([String; 2]),
    /// Write a whole file.
    Write([String; 2]),
    /// Append text to a file.
    Append([String; 2]),
    /// Delete a file.
    Rm(String),
    /// Cut the YAML entry `- name: <name>` out of a file (as a person cuts its lines).
    CutEntry([String; 2]),
    /// Cut the YAML entry out of the first file and paste it at the end of the second (created
    /// with `version: 2` and the same top-level key when missing).
    MoveEntry([String; 3]),
}

/// Cuts the lines of the entry `- name: <name>` (and one blank line after it) out of `text`;
/// returns the text left, the entry's lines and the top-level key above it.
fn cut_entry(text: &str, name: &str) -> (String, String, String) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().strip_prefix("- name: ").map(str::trim) == Some(name))
        .unwrap_or_else(|| panic!("no entry {name}"));
    let indent = lines[start].len() - lines[start].trim_start().len();
    let mut end = start + 1;
    while end < lines.len() {
        let l = lines[end];
        let lead = l.len() - l.trim_start().len();
        if !l.trim().is_empty()
            && (lead < indent || (lead == indent && l.trim_start().starts_with("- ")))
        {
            break;
        }
        end += 1;
    }
    let key = lines[..start]
        .iter()
        .rev()
        .find(|l| !l.starts_with(' ') && l.trim_end().ends_with(':'))
        .map(|l| l.trim_end().trim_end_matches(':').to_string())
        .expect("a top-level key above the entry");
    let entry: String = lines[start..end].concat();
    let mut rest: String = lines[..start].concat();
    rest.push_str(&lines[end..].concat());
    (rest, entry.trim_end().to_string() + "\n", key)
}

#[derive(Debug, Clone, Copy)]
enum Side {
    Vendor,
    Repo,
    Both,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Add,
    EditSameField,
    EditDifferentFields,
    Delete,
    Rename,
    Move,
}

const ACTIONS: [Action; 6] = [
    Action::Add,
    Action::EditSameField,
    Action::EditDifferentFields,
    Action::Delete,
    Action::Rename,
    Action::Move,
];

const ALL_KINDS: [ResourceKind; 11] = [
    ResourceKind::Model,
    ResourceKind::Seed,
    ResourceKind::Snapshot,
    ResourceKind::Source,
    ResourceKind::Exposure,
    ResourceKind::Metric,
    ResourceKind::SavedQuery,
    ResourceKind::Group,
    ResourceKind::UnitTest,
    ResourceKind::Analysis,
    ResourceKind::SemanticModel,
];

const VENDOR_ID: &str = "v-1";
const ADDED_ID: &str = "v-new";

fn run_steps(dir: &Path, steps: &[Step]) {
    for step in steps {
        match step {
            Step::Edit([file, from, to]) => {
                let p = dir.join(file);
                let text = std::fs::read_to_string(&p).unwrap();
                assert!(text.contains(from.as_str()), "{file} has no {from:?}");
                std::fs::write(&p, text.replacen(from.as_str(), to, 1)).unwrap();
            }
            Step::Mv([from, to]) => {
                git(dir, &["mv", from, to]);
            }
            Step::Write([file, text]) => {
                let p = dir.join(file);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, text).unwrap();
            }
            Step::Append([file, text]) => {
                let p = dir.join(file);
                let mut old = std::fs::read_to_string(&p).unwrap();
                old.push_str(text);
                std::fs::write(p, old).unwrap();
            }
            Step::Rm(file) => {
                git(dir, &["rm", "-q", file]);
            }
            Step::CutEntry([file, name]) => {
                let p = dir.join(file);
                let (rest, _, _) = cut_entry(&std::fs::read_to_string(&p).unwrap(), name);
                std::fs::write(p, rest).unwrap();
            }
            Step::MoveEntry([file, name, to]) => {
                let p = dir.join(file);
                let (rest, entry, key) = cut_entry(&std::fs::read_to_string(&p).unwrap(), name);
                std::fs::write(p, rest).unwrap();
                let target = dir.join(to);
                let mut text = std::fs::read_to_string(&target)
                    .unwrap_or_else(|_| format!("version: 2\n\n{key}:\n"));
                if !text.ends_with(&format!("{key}:\n")) {
                    text.push('\n');
                }
                text.push_str(&entry);
                std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                std::fs::write(target, text).unwrap();
            }
        }
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "customer edit"]);
}

/// Sets a dotted path in a JSON object, creating maps on the way.
fn set_path(value: &mut Value, path: &str, new: Value) {
    let mut cur = value;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let map = cur.as_object_mut().unwrap();
        if i + 1 == parts.len() {
            map.insert(part.to_string(), new);
            return;
        }
        cur = map.entry(part.to_string()).or_insert(Value::Null);
    }
}

fn get_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, k| v.get(k))
}

fn session(dir: &Path) -> SyncSession {
    SyncSession::open(
        dir,
        SessionOptions::new("matrix", Scope::everything(&ALL_KINDS)),
    )
    .unwrap()
}

/// The vendor's starting object: the repo's resource, adopted through `pull`, and agreed.
fn adopt(session: &SyncSession, resource: &str) -> Desired {
    let state = session
        .pull()
        .unwrap()
        .into_iter()
        .find_map(|c| match c {
            VendorChange::Created {
                unique_id, state, ..
            } if unique_id == resource => Some(state),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{resource} is not offered by pull"));
    let desired = Desired {
        id: VENDOR_ID.into(),
        state,
    };
    let plan = session.plan(std::slice::from_ref(&desired)).unwrap();
    assert!(plan.is_noop(), "adopting {resource} changes the repo");
    session.apply(plan, false).unwrap();
    desired
}

/// The vendor changes about the vendor's own objects (or the resource the case is about).
fn relevant(changes: &[VendorChange], resource: &str, added: Option<&str>) -> Vec<VendorChange> {
    changes
        .iter()
        .filter(|c| match c {
            VendorChange::Created { unique_id, .. } => {
                unique_id == resource || Some(unique_id.as_str()) == added
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// The vendor takes the changes: its objects become what `pull` said.
fn take(desired: &mut Vec<Desired>, changes: &[VendorChange]) {
    for change in changes {
        match change {
            VendorChange::Created { id, state, .. } => {
                if !desired.iter().any(|d| d.id == *id || d.state == *state) {
                    desired.push(Desired {
                        id: id.clone(),
                        state: state.clone(),
                    });
                }
            }
            VendorChange::Updated { id, state, .. } => {
                if let Some(d) = desired.iter_mut().find(|d| d.id == *id) {
                    d.state = state.clone();
                }
            }
            VendorChange::Deleted { id, .. } => desired.retain(|d| d.id != *id),
        }
    }
}

fn describe_changes(out: &mut String, title: &str, changes: &[VendorChange]) {
    writeln!(out, "{title}:").unwrap();
    if changes.is_empty() {
        writeln!(out, "  (none)").unwrap();
    }
    for c in changes {
        let line = match c {
            VendorChange::Created { id, unique_id, .. } => format!("  + {id} ({unique_id})"),
            VendorChange::Updated {
                id,
                unique_id,
                fields,
                ..
            } => format!("  ~ {id} ({unique_id}): {}", fields.join(", ")),
            VendorChange::Deleted { id, unique_id } => format!("  - {id} ({unique_id})"),
        };
        writeln!(out, "{line}").unwrap();
    }
}

fn describe_plan(out: &mut String, plan: &SyncPlan) {
    writeln!(out, "repo changes:").unwrap();
    if plan.changes.is_empty() {
        writeln!(out, "  (none)").unwrap();
    }
    for c in &plan.changes {
        let fields = if c.fields.is_empty() {
            String::new()
        } else {
            format!(": {}", c.fields.join(", "))
        };
        writeln!(out, "  {:?} {}{fields}", c.kind, c.resource).unwrap();
    }
    for c in &plan.conflicts {
        writeln!(
            out,
            "conflict: {} `{}` base={} vendor={} repo={}",
            c.unique_id,
            c.conflict.path,
            short(&c.conflict.base),
            short(&c.conflict.vendor),
            short(&c.conflict.repo)
        )
        .unwrap();
    }
    for e in &plan.errors {
        writeln!(out, "error: {e}").unwrap();
    }
}

fn short(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => {
            let s = v.to_string();
            if s.len() > 60 {
                let cut = (0..=60).rev().find(|i| s.is_char_boundary(*i)).unwrap_or(0);
                format!("{}…", &s[..cut])
            } else {
                s
            }
        }
    }
}

/// The diff the customer reviews: main against the sync branch, file contents with 1 line of
/// context.
fn has_branch(dir: &Path) -> bool {
    std::process::Command::new("git")
        .args(["rev-parse", "--verify", "-q", "refs/heads/interop/matrix"])
        .current_dir(dir)
        .output()
        .unwrap()
        .status
        .success()
}

fn branch_diff(dir: &Path) -> String {
    if !has_branch(dir) {
        return "(no sync branch)\n".into();
    }
    let diff = git(
        dir,
        &["diff", "-U1", "--no-color", "-M", "main...interop/matrix"],
    );
    diff.lines()
        .filter(|l| !l.starts_with("index "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn merge_branch(dir: &Path) {
    if !has_branch(dir) {
        return;
    }
    let ahead = git(dir, &["rev-list", "--count", "main..interop/matrix"]);
    if ahead.trim() != "0" {
        git(
            dir,
            &[
                "merge",
                "-q",
                "--no-ff",
                "-m",
                "Merge sync",
                "interop/matrix",
            ],
        );
    }
}

/// Runs one case and returns its record; broken invariants go to `problems`.
fn run_case(cases: &KindCases, action: Action, side: Side, problems: &mut Vec<String>) -> String {
    let tmp = repo();
    let dir = tmp.path();
    let s = session(dir);
    let start = adopt(&s, &cases.resource);
    let mut desired = vec![start.clone()];
    let vendor = matches!(side, Side::Vendor | Side::Both);
    let customer = matches!(side, Side::Repo | Side::Both);
    // What each side changed, for the nothing-lost check: (field, value).
    let mut vendor_edit: Option<(&str, &Value)> = None;
    let mut repo_edit: Option<(&str, &Value)> = None;

    match action {
        Action::Add => {
            if vendor {
                desired.push(Desired {
                    id: ADDED_ID.into(),
                    state: cases.add.vendor.clone(),
                });
            }
            if customer {
                run_steps(dir, &cases.add.repo);
            }
        }
        Action::EditSameField | Action::EditDifferentFields => {
            let theirs = if matches!(action, Action::EditSameField) {
                &cases.edit_a
            } else {
                &cases.edit_b
            };
            if vendor {
                set_path(
                    &mut desired[0].state.value,
                    &cases.edit_a.field,
                    cases.edit_a.vendor.clone(),
                );
                vendor_edit = Some((&cases.edit_a.field, &cases.edit_a.vendor));
            }
            if customer {
                run_steps(dir, &theirs.repo);
                repo_edit = Some((&theirs.field, &theirs.repo_value));
            }
        }
        Action::Delete => {
            if vendor {
                desired.clear();
            }
            if customer {
                run_steps(dir, &cases.delete);
            }
        }
        Action::Rename => {
            if vendor {
                desired[0].state.name = cases.rename.to.clone();
                set_path(
                    &mut desired[0].state.value,
                    "name",
                    Value::String(cases.rename.to.clone()),
                );
            }
            if customer {
                run_steps(dir, &cases.rename.repo);
            }
        }
        Action::Move => {
            if vendor {
                desired[0].state.file = Some(cases.move_to.to.clone());
            }
            if customer {
                run_steps(dir, &cases.move_to.repo);
            }
        }
    }

    let mut out = String::new();
    let plan = s.plan(&desired).unwrap();
    describe_plan(&mut out, &plan);
    let conflicts: Vec<String> = plan
        .conflicts
        .iter()
        .map(|c| c.conflict.path.to_string())
        .collect();
    let added_uid = matches!(action, Action::Add).then(|| cases.add.unique_id.clone());
    let planned = relevant(&plan.vendor_changes, &cases.resource, added_uid.as_deref());
    describe_changes(&mut out, "vendor changes (plan)", &planned);
    s.apply(plan, false).unwrap();
    // The vendor's part of the contract: it applies the sync's vendor changes.
    take(&mut desired, &planned);
    out.push_str("sync branch diff:\n");
    out.push_str(&branch_diff(dir));
    merge_branch(dir);
    let pulled = s.pull().unwrap();
    let pulled = relevant(&pulled, &cases.resource, added_uid.as_deref());
    describe_changes(&mut out, "pull after merge", &pulled);

    // Nothing lost: the vendor's edit is in the repo, the customer's edit reached the vendor,
    // or the field is a reported conflict.
    if let Some((field, value)) = vendor_edit
        && !conflicts.iter().any(|c| c == field)
    {
        let now = repo_value(dir, desired[0].state.kind, &desired[0].state.name);
        let got = now.as_ref().and_then(|v| get_path(v, field));
        if got != Some(value) {
            problems.push(format!("the vendor's {field} is lost: repo has {got:?}"));
        }
    }
    take(&mut desired, &pulled);
    if let Some((field, value)) = repo_edit
        && !conflicts.iter().any(|c| c == field)
    {
        let got = desired
            .iter()
            .find(|d| d.id == VENDOR_ID)
            .and_then(|d| get_path(&d.state.value, field));
        if got != Some(value) {
            problems.push(format!(
                "the customer's {field} is lost: vendor has {got:?}"
            ));
        }
    }

    // The vendor took what pull said: the next sync changes nothing on either side.
    let again = s.plan(&desired).unwrap();
    if !again.is_noop() {
        problems.push(format!(
            "a sync after taking pull changes the repo: {:?}",
            again.changes
        ));
    }
    let more = relevant(&again.vendor_changes, &cases.resource, added_uid.as_deref());
    if !more.is_empty() {
        describe_changes(&mut out, "vendor changes after taking pull", &more);
    }
    out
}

/// The repo's (main's) current value of the resource `kind`/`name`, SQL included.
fn repo_value(dir: &Path, kind: ResourceKind, name: &str) -> Option<Value> {
    let source = FolderSource::new(dir);
    let project = Reader::default().read(&source).unwrap();
    let resource = project
        .resources
        .iter()
        .find(|r| r.kind == kind && r.name == name && r.package == project.dbt_project.name)?;
    Some(state_of(&project, &source, resource, true).unwrap().value)
}

fn run_kind(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/matrix")
        .join(format!("{name}.yml"));
    let text = std::fs::read_to_string(&path).unwrap();
    let cases: KindCases = parse_cases(&text, &path);
    let mut record = BTreeMap::new();
    let mut failures = Vec::new();
    for action in ACTIONS {
        for side in [Side::Vendor, Side::Repo, Side::Both] {
            let key = format!("{action:?} / {side:?}");
            let mut problems = Vec::new();
            record.insert(key.clone(), run_case(&cases, action, side, &mut problems));
            failures.extend(problems.into_iter().map(|p| format!("{key}: {p}")));
        }
    }
    let mut text = String::new();
    for (k, v) in record {
        writeln!(text, "=== {k}\n{v}").unwrap();
    }
    insta::assert_snapshot!(name, text);
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

/// The case file, parsed by Interop's own YAML reader.
fn parse_cases(text: &str, path: &Path) -> KindCases {
    let root = yaml::parse(text, &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .expect("an empty case file");
    serde_json::from_value(root.to_json()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

macro_rules! kinds {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_kind(stringify!($name));
            }
        )*
    };
}

kinds!(
    model,
    seed,
    snapshot,
    source,
    exposure,
    metric,
    saved_query,
    group,
    unit_test,
    analysis,
);
