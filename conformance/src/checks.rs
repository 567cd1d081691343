//! What the runner checks: expectations a scenario writes (lists matched by the keys given,
//! trees of main or a sync branch), and the checks made after every vendor sync and every merge
//! without being asked — the project still reads, dbt still parses it, the vendor stayed inside
//! its category's boundary, and every byte it did not mean to change is identical.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use git2::Oid;
use interop_sdk::Scope;
use interop_sdk::sync::model::{Resource, ResourceKind};
use interop_sdk::sync::plan::{ResourceState, changed_fields, state_of};
use interop_sdk::sync::read::{Project, ProjectSource};
use serde_json::Value;

use crate::host::Host;
use crate::reference::{get_path, set_path};
use crate::scenario::{FileExpect, ListExpect, TreeExpect};

/// Whether `expected` matches `actual`: maps compare the keys `expected` gives (recursively);
/// a list of named maps (dbt's `columns`, `metrics` ...) matches when each entry matches the
/// item of the same name; other lists compare element by element with the same length;
/// anything else by equality. A key given as `null` matches a missing key.
pub fn matches(expected: &Value, actual: &Value) -> bool {
    let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| matches(v, a.get(k).unwrap_or(&Value::Null))),
        (Value::Array(e), Value::Array(a))
            if !e.is_empty() && e.iter().chain(a).all(|i| name(i).is_some()) =>
        {
            e.iter()
                .all(|x| a.iter().any(|y| name(x) == name(y) && matches(x, y)))
        }
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y))
        }
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        _ => expected == actual,
    }
}

/// Compact JSON of items for a message, without the bulky `state` of changes.
pub fn show(items: &[Value]) -> String {
    let shown: Vec<Value> = items
        .iter()
        .map(|i| match i {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| k.as_str() != "state")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            other => other.clone(),
        })
        .collect();
    let text = serde_json::to_string(&shown).unwrap_or_default();
    if text.chars().count() > 900 {
        format!("{}…", text.chars().take(900).collect::<String>())
    } else {
        text
    }
}

/// Checks a list against a [`ListExpect`]; `what` names the list in messages.
pub fn check_list(what: &str, expect: &ListExpect, items: &[Value]) -> Vec<String> {
    let mut failures = Vec::new();
    for e in &expect.include {
        if !items.iter().any(|i| matches(e, i)) {
            failures.push(format!(
                "expected {what} to include {}; got {}",
                compact(e),
                show(items)
            ));
        }
    }
    for e in &expect.exclude {
        let hits: Vec<Value> = items.iter().filter(|i| matches(e, i)).cloned().collect();
        if !hits.is_empty() {
            failures.push(format!(
                "expected no {what} matching {}; got {}",
                compact(e),
                show(&hits)
            ));
        }
    }
    if let Some(n) = expect.count
        && items.len() != n
    {
        failures.push(format!(
            "expected {n} {what}, got {}: {}",
            items.len(),
            show(items)
        ));
    }
    failures
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Where dbt lives, for the oracle check.
#[derive(Debug, Clone)]
pub struct Oracle {
    /// `dbt-check.sh`.
    pub script: PathBuf,
    /// The venv holding dbt.
    pub venv: PathBuf,
}

impl Oracle {
    /// The oracle from `INTEROP_SHARED` (default `../shared`) and `INTEROP_ORACLE_VENV`
    /// (default `.venv-oracle`), when both are there.
    pub fn from_env() -> Option<Oracle> {
        let here = std::env::current_dir().unwrap_or_default();
        let shared = std::env::var_os("INTEROP_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| here.join("../shared"));
        let venv = std::env::var_os("INTEROP_ORACLE_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| here.join(".venv-oracle"));
        let script = shared.join("oracle/dbt-check.sh");
        (script.exists() && venv.join("bin/dbt").exists()).then_some(Oracle { script, venv })
    }
}

/// dbt's verdicts, by tree id: the same tree is judged once per process.
static VERDICTS: Mutex<BTreeMap<String, Result<(), String>>> = Mutex::new(BTreeMap::new());

/// Runs `dbt parse` (zero warnings) on a commit's tree.
pub fn dbt_parse(host: &Host, commit: Oid, oracle: &Oracle) -> Result<(), String> {
    let tree = host.tree_of(commit).map_err(|e| e.to_string())?.to_string();
    if let Some(v) = VERDICTS.lock().ok().and_then(|m| m.get(&tree).cloned()) {
        return v;
    }
    let dir = host.root().join(format!("dbt-{}", &tree[..12]));
    let verdict = (|| {
        host.export(commit, &dir).map_err(|e| e.to_string())?;
        let out = Command::new("bash")
            .arg(&oracle.script)
            .arg(&dir)
            .env("INTEROP_ORACLE_VENV", &oracle.venv)
            .output()
            .map_err(|e| format!("running {}: {e}", oracle.script.display()))?;
        if out.status.success() {
            Ok(())
        } else {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let tail: Vec<&str> = text.lines().rev().take(12).collect();
            Err(format!(
                "dbt parse fails: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ))
        }
    })();
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(mut m) = VERDICTS.lock() {
        m.insert(tree, verdict.clone());
    }
    verdict
}

/// Read errors of `after` that `before` does not have, as messages.
pub fn new_read_errors(before: Option<&Project>, after: &Project) -> Vec<String> {
    let old: BTreeSet<String> = before
        .map(|p| p.errors.iter().map(|e| e.to_string()).collect())
        .unwrap_or_default();
    after
        .errors
        .iter()
        .map(|e| e.to_string())
        .filter(|e| !old.contains(e))
        .collect()
}

/// A resource's state with everything (SQL included), by unique id.
fn states(
    project: &Project,
    source: &dyn ProjectSource,
) -> BTreeMap<String, (ResourceState, Resource)> {
    let mut out = BTreeMap::new();
    for r in &project.resources {
        if r.package != project.dbt_project.name {
            continue;
        }
        if let Ok(state) = state_of(project, source, r, true) {
            out.insert(r.unique_id.as_str().to_string(), (state, r.clone()));
        }
    }
    out
}

/// The files a resource is declared in.
fn files_of(r: &Resource) -> Vec<&str> {
    let mut files = vec![&*r.location.file];
    if let Some(p) = &r.properties_location {
        files.push(&*p.file);
    }
    files
}

/// The byte range of a resource's entry in `file`.
fn span_in(r: &Resource, file: &str) -> Option<std::ops::Range<usize>> {
    if &*r.location.file == file {
        Some(r.location.span.clone())
    } else {
        r.properties_location
            .as_ref()
            .filter(|p| &*p.file == file)
            .map(|p| p.span.clone())
    }
}

/// The boundary and untouched-bytes checks of a sync branch against main: every changed
/// resource is one the scope may change, in fields it owns; every changed file holds a changed
/// resource; resources that did not change keep their bytes; comments survive.
pub fn check_diff(
    host: &Host,
    main: Oid,
    branch: Oid,
    scope: Option<&Scope>,
    vendor: &str,
) -> Result<Vec<String>, String> {
    let mut failures = Vec::new();
    let before_files = host.files(main).map_err(|e| e.to_string())?;
    let after_files = host.files(branch).map_err(|e| e.to_string())?;
    let before_project = host.read(main).map_err(|e| e.to_string())?;
    let after_project = host.read(branch).map_err(|e| e.to_string())?;
    let before = states(
        &before_project,
        &host.source(main).map_err(|e| e.to_string())?,
    );
    let after = states(
        &after_project,
        &host.source(branch).map_err(|e| e.to_string())?,
    );

    // A docs block's text is not part of its state: compare its bytes.
    let text_of = |files: &BTreeMap<String, Vec<u8>>, r: &Resource| {
        files
            .get(&*r.location.file)
            .and_then(|b| b.get(r.location.span.clone()))
            .map(<[u8]>::to_vec)
    };
    let same = |old: &(ResourceState, Resource), new: &(ResourceState, Resource)| {
        old.0 == new.0
            && (old.1.kind != ResourceKind::Doc
                || text_of(&before_files, &old.1) == text_of(&after_files, &new.1))
    };

    // Which resources changed, and how.
    let mut changed_files: BTreeSet<&str> = BTreeSet::new();
    let mut changed: BTreeSet<&str> = BTreeSet::new();
    for (uid, entry) in &after {
        let (state, r) = entry;
        match before.get(uid) {
            Some(old) if same(old, entry) => {}
            Some((old, old_r)) => {
                changed.insert(uid);
                changed_files.extend(files_of(r));
                changed_files.extend(files_of(old_r));
                if let Some(scope) = scope {
                    failures.extend(boundary_of_edit(scope, vendor, uid, r.kind, old, state));
                }
            }
            None => {
                changed.insert(uid);
                changed_files.extend(files_of(r));
                if let Some(scope) = scope
                    && !may(scope, r.kind, &scope.create)
                {
                    failures.push(format!(
                        "{vendor} created {uid}, a {} its category may not create",
                        r.kind.label()
                    ));
                }
            }
        }
    }
    for (uid, (_, r)) in &before {
        if !after.contains_key(uid) {
            changed.insert(uid);
            changed_files.extend(files_of(r));
            if let Some(scope) = scope
                && !may(scope, r.kind, &scope.delete)
            {
                failures.push(format!(
                    "{vendor} removed {uid}, a {} its category may not remove",
                    r.kind.label()
                ));
            }
        }
    }

    // Files: only those holding a changed resource.
    let all: BTreeSet<&String> = before_files.keys().chain(after_files.keys()).collect();
    for path in all {
        let (b, a) = (before_files.get(path), after_files.get(path));
        if b == a {
            continue;
        }
        if !changed_files.contains(path.as_str()) {
            let what = match (b, a) {
                (None, _) => "created",
                (_, None) => "deleted",
                _ => "changed",
            };
            failures.push(format!(
                "{vendor} {what} {path}, which holds no resource the sync changed"
            ));
            continue;
        }
        let (Some(b), Some(a)) = (b, a) else { continue };
        let (b, a) = (String::from_utf8_lossy(b), String::from_utf8_lossy(a));
        // Resources of this file that did not change keep their bytes.
        for (uid, (state, r)) in &before {
            if changed.contains(uid.as_str()) {
                continue;
            }
            let (Some(old_span), Some((new_state, new_r))) = (span_in(r, path), after.get(uid))
            else {
                continue;
            };
            let Some(new_span) = span_in(new_r, path) else {
                continue;
            };
            if state == new_state
                && b.get(old_span.clone()) != a.get(new_span.clone())
                && r.kind != ResourceKind::GenericTest
            {
                failures.push(format!(
                    "{vendor} rewrote the bytes of {uid} in {path} (line {}) although it did not change it",
                    r.location.line
                ));
            }
        }
        // Comments outside changed resources survive.
        let inside_changed = |offset: usize| {
            before.iter().any(|(uid, (_, r))| {
                changed.contains(uid.as_str())
                    && span_in(r, path).is_some_and(|s| s.contains(&offset))
            })
        };
        let mut offset = 0;
        for line in b.split_inclusive('\n') {
            let trimmed = line.trim();
            if trimmed.starts_with('#')
                && !inside_changed(offset)
                && !a.lines().any(|l| l.trim() == trimmed)
            {
                failures.push(format!(
                    "{vendor} dropped the comment {trimmed:?} from {path}"
                ));
            }
            offset += line.len();
        }
    }
    Ok(failures)
}

/// Whether the scope lets a vendor create (or remove) a resource of this kind. Generic tests
/// and docs blocks belong to their parent: they follow the fields the scope owns.
fn may(scope: &Scope, kind: ResourceKind, list: &[ResourceKind]) -> bool {
    match kind {
        ResourceKind::GenericTest => {
            scope.fields.iter().any(|f| f.contains("tests"))
                || (scope.fields.is_empty() && scope.covers(ResourceKind::Model))
        }
        ResourceKind::Doc => {
            scope.fields.is_empty() || scope.fields.iter().any(|f| f.ends_with("description"))
        }
        k => list.contains(&k),
    }
}

fn boundary_of_edit(
    scope: &Scope,
    vendor: &str,
    uid: &str,
    kind: ResourceKind,
    old: &ResourceState,
    new: &ResourceState,
) -> Vec<String> {
    if matches!(kind, ResourceKind::GenericTest | ResourceKind::Doc) {
        return if may(scope, kind, &[]) {
            vec![]
        } else {
            vec![format!(
                "{vendor} changed {uid}, which its category may not change"
            )]
        };
    }
    if !scope.covers(kind) {
        return vec![format!(
            "{vendor} changed {uid}: its category does not cover {} resources",
            kind.label()
        )];
    }
    let renames_outside = !scope.fields.is_empty() && !scope.fields.iter().any(|x| x == "name");
    let mut out = Vec::new();
    for field in changed_fields(&old.value, &new.value) {
        let owned = match field.as_str() {
            "(whole)" => scope.fields.is_empty(),
            "name" => !renames_outside,
            path => {
                // The changed subtree alone, as a value: inside the scope when the scope keeps
                // all of it.
                let mut probe = Value::Object(Default::default());
                let part = get_path(&new.value, path)
                    .filter(|v| !v.is_null())
                    .or_else(|| get_path(&old.value, path))
                    .cloned();
                set_path(&mut probe, path, part);
                scope.outside(&probe).is_none()
            }
        };
        if !owned {
            let what = if field == "sql" {
                "the SQL".to_string()
            } else {
                field
            };
            out.push(format!(
                "{vendor} changed {what} of {uid}, outside its category's boundary"
            ));
        }
    }
    out
}

/// Checks a tree against a [`TreeExpect`]. `initial` holds the files at the scenario's start.
pub fn check_tree(
    host: &Host,
    label: &str,
    commit: Option<Oid>,
    main: Option<Oid>,
    expect: &TreeExpect,
    initial: &BTreeMap<String, Vec<u8>>,
    other: Option<Option<Oid>>,
) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(exists) = expect.exists
        && exists != commit.is_some()
    {
        failures.push(if exists {
            format!("expected {label} to exist; it does not")
        } else {
            format!("expected {label} not to exist; it does")
        });
    }
    let Some(commit) = commit else {
        let needs_tree = expect.ahead.is_some()
            || expect.behind.is_some()
            || !expect.resources.is_empty()
            || !expect.files.is_empty();
        if needs_tree && expect.exists != Some(false) {
            failures.push(format!("{label} does not exist"));
        }
        return failures;
    };
    if let (Some(main), true) = (main, expect.ahead.is_some() || expect.behind.is_some()) {
        match host.ahead_behind(commit, main) {
            Ok((ahead, behind)) => {
                if let Some(n) = expect.ahead
                    && n != ahead
                {
                    failures.push(format!(
                        "expected {label} to be {n} commit(s) ahead of main, it is {ahead} (a PR must be updated in place, not stacked)"
                    ));
                }
                if let Some(n) = expect.behind
                    && n != behind
                {
                    failures.push(format!(
                        "expected {label} to be {n} commit(s) behind main, it is {behind} (a sync recomputes its branch from main)"
                    ));
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    if !expect.resources.is_empty() || !expect.absent.is_empty() {
        match host.read(commit) {
            Ok(project) => {
                for uid in &expect.resources {
                    if project.get(uid).is_none() {
                        failures.push(format!("expected {label} to declare {uid}; it does not"));
                    }
                }
                for uid in &expect.absent {
                    if project.get(uid).is_some() {
                        failures.push(format!("expected {label} not to declare {uid}; it does"));
                    }
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    if !expect.files.is_empty() {
        match host.files(commit) {
            Ok(files) => {
                for (path, fe) in &expect.files {
                    failures.extend(check_file(
                        label,
                        path,
                        fe,
                        files.get(path),
                        initial.get(path),
                    ));
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    if let Some(other) = other {
        let same = match other {
            Some(o) => host.tree_of(o).ok() == host.tree_of(commit).ok(),
            None => false,
        };
        if !same {
            failures.push(format!(
                "expected {label} to hold the same files as {}",
                expect.same_as.as_deref().unwrap_or("?")
            ));
        }
    }
    failures
}

fn check_file(
    label: &str,
    path: &str,
    expect: &FileExpect,
    bytes: Option<&Vec<u8>>,
    initial: Option<&Vec<u8>>,
) -> Vec<String> {
    let mut failures = Vec::new();
    let exists = expect
        .exists
        .unwrap_or(!expect.contains.is_empty() || expect.unchanged);
    match (bytes, exists) {
        (None, true) => {
            failures.push(format!("expected {path} on {label}; it is not there"));
            return failures;
        }
        (Some(_), false) if expect.exists == Some(false) => {
            failures.push(format!("expected no {path} on {label}; it is there"));
            return failures;
        }
        _ => {}
    }
    let Some(bytes) = bytes else { return failures };
    let text = String::from_utf8_lossy(bytes);
    for c in &expect.contains {
        if !text.contains(c.as_str()) {
            failures.push(format!("expected {path} on {label} to contain {c:?}"));
        }
    }
    for c in &expect.lacks {
        if text.contains(c.as_str()) {
            failures.push(format!("expected {path} on {label} not to contain {c:?}"));
        }
    }
    if expect.unchanged && Some(bytes) != initial {
        failures.push(format!(
            "expected {path} on {label} to be byte-identical to the start of the scenario"
        ));
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_match_on_the_keys_they_give() {
        let item = json!({"change": "updated", "id": "a", "fields": ["name"], "state": {"x": 1}});
        assert!(matches(&json!({"change": "updated", "id": "a"}), &item));
        assert!(matches(&json!({"fields": ["name"]}), &item));
        assert!(!matches(&json!({"fields": []}), &item));
        assert!(!matches(&json!({"change": "deleted"}), &item));
        assert!(matches(&json!({"missing": null}), &item));
        let columns = json!([{"name": "a", "tests": ["x"]}, {"name": "b"}]);
        assert!(matches(&json!([{"name": "a", "tests": ["x"]}]), &columns));
        assert!(!matches(&json!([{"name": "a", "tests": []}]), &columns));
        assert!(!matches(&json!([{"name": "c"}]), &columns));
        let expect = ListExpect {
            include: vec![json!({"id": "a"})],
            exclude: vec![json!({"change": "deleted"})],
            count: Some(1),
        };
        assert!(check_list("changes", &expect, std::slice::from_ref(&item)).is_empty());
        let failures = check_list("changes", &expect, &[]);
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(
            failures[0].contains(r#"include {"id":"a"}"#),
            "{failures:?}"
        );
    }
}
