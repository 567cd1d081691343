//! Monitors and descriptions → desired resources.

use std::collections::BTreeMap;

use interop_sync::edit::dbt_rules::TestSpec;
use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde_json::{Map, Value, json};

use super::read::{parse_item, parse_singular};
use super::{Check, Description, MappingError, Monitor, Observability, Severity, Target};
use crate::mapping::{RepoView, repo_text, to_repo_text};
use crate::session::Desired;

/// Everything the vendor says about one resource.
#[derive(Default)]
struct Group<'a> {
    monitors: Vec<&'a Monitor>,
    descriptions: Vec<&'a Description>,
}

impl Observability {
    /// The desired resources for these objects in the repo `view` describes: one per
    /// monitored resource (its tests, freshness and descriptions), one per custom SQL monitor,
    /// and an empty one for each resource the sync state binds that has no monitor left (so
    /// that the tests the vendor removed are removed).
    pub fn to_desired(&self, view: &RepoView) -> Result<Vec<Desired>, MappingError> {
        let mut groups: BTreeMap<Target, Group<'_>> = BTreeMap::new();
        let mut out = Vec::new();
        let mut seen_ids = std::collections::BTreeSet::new();
        for m in &self.monitors {
            if !seen_ids.insert(m.id.as_str()) {
                return Err(MappingError {
                    id: m.id.clone(),
                    reason: "the id is used twice".into(),
                });
            }
            if let Check::CustomSql { name, sql } = &m.check {
                out.push(singular(m, name, sql, view)?);
                continue;
            }
            let target = m.target.clone().ok_or_else(|| MappingError {
                id: m.id.clone(),
                reason: "a monitor needs a target (a model, source table, seed or snapshot)".into(),
            })?;
            if let Some(field) = unkept_by_freshness(m) {
                return Err(MappingError {
                    id: m.id.clone(),
                    reason: format!(
                        "a freshness check has no {field} in dbt (its thresholds are its severity)"
                    ),
                });
            }
            groups.entry(target).or_default().monitors.push(m);
        }
        for d in &self.descriptions {
            groups
                .entry(d.target.clone())
                .or_default()
                .descriptions
                .push(d);
        }
        let mut used_ids = std::collections::BTreeSet::new();
        for (target, group) in &groups {
            let uid = target.unique_id(&view.project);
            let id = object_id(view, target, &uid);
            used_ids.insert(id.clone());
            let repo = view.states.get(&uid).map(|s| &s.value);
            out.push(Desired {
                id,
                state: ResourceState {
                    kind: target.kind.resource_kind(),
                    name: target.name.clone(),
                    value: group_value(target, group, repo, view)?,
                    file: None,
                },
            });
        }
        // Resources the vendor monitored before and no longer does: their tests go.
        for (id, uid) in &view.bound {
            let Some(target) = super::Target::from_unique_id(uid) else {
                continue;
            };
            if used_ids.contains(id) || groups.contains_key(&target) || !id.contains(':') {
                continue;
            }
            let Some(state) = view.states.get(uid) else {
                continue;
            };
            out.push(Desired {
                id: id.clone(),
                state: ResourceState {
                    kind: state.kind,
                    name: state.name.clone(),
                    value: group_value(&target, &Group::default(), Some(&state.value), view)?,
                    file: None,
                },
            });
        }
        Ok(out)
    }
}

/// The id of a monitored resource's desired object: the one the sync state binds to it, else
/// `<kind>:<name>`.
pub(super) fn object_id(view: &RepoView, target: &Target, unique_id: &str) -> String {
    view.bound
        .iter()
        .find(|(id, uid)| *uid == unique_id && id.contains(':'))
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| target.object_id())
}

fn singular(m: &Monitor, name: &str, sql: &str, view: &RepoView) -> Result<Desired, MappingError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(MappingError {
            id: m.id.clone(),
            reason: format!("'{name}' is not a test name (letters, digits, _ and -)"),
        });
    }
    if m.column.is_some() || m.name.is_some() {
        return Err(MappingError {
            id: m.id.clone(),
            reason:
                "a custom SQL monitor has no column and takes its name from `name` of the check"
                    .into(),
        });
    }
    // The repo's own text when it means the same (its comments, its spacing).
    let existing = view
        .states
        .values()
        .find(|s| s.kind == ResourceKind::SingularTest && s.name == name);
    // A description the repo keeps in the test's properties entry stays there.
    let yaml_description = existing.and_then(|s| crate::mapping::text_of(&s.value, "description"));
    let text = match existing.and_then(|s| s.value.get("sql").and_then(Value::as_str)) {
        Some(repo_sql)
            if parse_singular(&m.id, name, repo_sql, yaml_description.as_deref(), view)
                .same_as(m) =>
        {
            repo_sql.to_string()
        }
        _ => singular_text(m, sql, yaml_description.is_none()),
    };
    let mut value = json!({"name": name, "sql": text});
    // A description in the test's properties entry: when the SQL has a header comment, the
    // monitor's description is that comment and the entry's text stays as the repo has it;
    // otherwise the monitor's description is the entry's, edited there.
    if let Some(current) = &yaml_description {
        if text.starts_with("--") {
            value["description"] = json!(current);
        } else if let Some(description) = &m.description {
            value["description"] = json!(repo_text(description, Some(current)));
        }
    }
    Ok(Desired {
        id: m.id.clone(),
        state: ResourceState {
            kind: ResourceKind::SingularTest,
            name: name.to_string(),
            value,
            file: None,
        },
    })
}

/// A singular test's file: the description as leading `--` comments (unless the repo keeps it
/// in YAML), a `{{ config(...) }}` line with the severity and other config, a blank line, the
/// query.
pub(super) fn singular_text(m: &Monitor, sql: &str, with_description: bool) -> String {
    let mut out = String::new();
    if let Some(d) = m.description.as_ref().filter(|_| with_description) {
        for line in d.lines() {
            out.push_str(format!("-- {line}").trim_end());
            out.push('\n');
        }
    }
    let config = test_config(m);
    if !config.is_empty() {
        out.push_str(&interop_sync::render::config_call(&config));
        out.push_str("\n\n");
    }
    out.push_str(sql.trim_end_matches('\n'));
    out.push('\n');
    out
}

/// A test's `config:` from a monitor's severity, filter, thresholds, owner and other config.
fn test_config(m: &Monitor) -> Map<String, Value> {
    let mut config = Map::new();
    if let Some(s) = m.severity {
        config.insert(
            "severity".into(),
            json!(match s {
                Severity::Warn => "warn",
                Severity::Error => "error",
            }),
        );
    }
    for (key, value) in [
        ("where", &m.filter),
        ("warn_if", &m.warn_if),
        ("error_if", &m.error_if),
    ] {
        if let Some(v) = value {
            config.insert(key.into(), json!(v));
        }
    }
    for (k, v) in &m.config {
        if k != "meta" {
            config.insert(k.clone(), v.clone());
        }
    }
    let mut meta = m
        .config
        .get("meta")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(owner) = &m.owner {
        meta.insert("owner".into(), json!(to_repo_text(owner)));
    }
    if !meta.is_empty() {
        config.insert("meta".into(), Value::Object(meta));
    }
    config
}

/// The dbt test (name and arguments) that implements a check.
fn test_of(m: &Monitor, view: &RepoView) -> Result<(String, Map<String, Value>), MappingError> {
    let bad = |reason: String| MappingError {
        id: m.id.clone(),
        reason,
    };
    let needs_column = |what: &str| -> Result<(), MappingError> {
        match m.column {
            Some(_) => Ok(()),
            None => Err(bad(format!("{what} is a column monitor: set `column`"))),
        }
    };
    let args = |v: Value| v.as_object().cloned().unwrap_or_default();
    let utils = view.has_package("dbt_utils");
    let expectations = view.has_package("dbt_expectations");
    let missing = |what: &str, packages: &str| {
        bad(format!(
            "{what} needs {packages} in the repo's packages.yml or dependencies.yml"
        ))
    };
    Ok(match &m.check {
        Check::NotNull => {
            needs_column("not_null")?;
            ("not_null".into(), Map::new())
        }
        Check::Unique => {
            needs_column("unique")?;
            ("unique".into(), Map::new())
        }
        Check::AcceptedValues { values, quote } => {
            needs_column("accepted_values")?;
            let mut a = args(json!({ "values": values }));
            if let Some(q) = quote {
                a.insert("quote".into(), json!(q));
            }
            ("accepted_values".into(), a)
        }
        Check::Relationships { to, field } => {
            needs_column("relationships")?;
            (
                "relationships".into(),
                args(json!({"to": to.to_jinja(), "field": field})),
            )
        }
        Check::Expression { expression } => {
            let test = if utils {
                "dbt_utils.expression_is_true"
            } else if expectations {
                "dbt_expectations.expression_is_true"
            } else {
                return Err(missing(
                    "an expression check",
                    "dbt_utils or dbt_expectations",
                ));
            };
            (test.into(), args(json!({ "expression": expression })))
        }
        Check::Range {
            min,
            max,
            inclusive,
        } => {
            needs_column("range")?;
            let mut a = Map::new();
            if let Some(v) = min {
                a.insert("min_value".into(), v.clone());
            }
            if let Some(v) = max {
                a.insert("max_value".into(), v.clone());
            }
            if utils {
                if let Some(i) = inclusive {
                    a.insert("inclusive".into(), json!(i));
                }
                ("dbt_utils.accepted_range".into(), a)
            } else if expectations {
                if let Some(i) = inclusive {
                    a.insert("strictly".into(), json!(!i));
                }
                (
                    "dbt_expectations.expect_column_values_to_be_between".into(),
                    a,
                )
            } else {
                return Err(missing("a range check", "dbt_utils or dbt_expectations"));
            }
        }
        Check::RowCount { min, max } => {
            if m.column.is_some() {
                return Err(bad(
                    "a row count is checked on a whole resource, not a column".into(),
                ));
            }
            if !expectations {
                return Err(missing("a row count check", "dbt_expectations"));
            }
            let mut a = Map::new();
            if let Some(v) = min {
                a.insert("min_value".into(), json!(v));
            }
            if let Some(v) = max {
                a.insert("max_value".into(), json!(v));
            }
            (
                "dbt_expectations.expect_table_row_count_to_be_between".into(),
                a,
            )
        }
        Check::Generic {
            test, arguments, ..
        } => (test.clone(), arguments.clone()),
        Check::Freshness { .. } | Check::CustomSql { .. } => {
            return Err(bad("not a generic test".into()));
        }
    })
}

/// The test list item for a monitor: the repo's own item when it means the same, else a new
/// one in the form the repo's dbt version reads.
fn test_item(
    m: &Monitor,
    repo_items: &[Value],
    target: &Target,
    view: &RepoView,
) -> Result<Value, MappingError> {
    for item in repo_items {
        if parse_item(item, target, m.column.as_deref(), &m.id, view).same_as(m) {
            return Ok(item.clone());
        }
    }
    if let Check::Generic {
        entry: Some(entry), ..
    } = &m.check
    {
        // Not editable: written as the repo had it, and only unchanged.
        let shown = parse_item(entry, target, m.column.as_deref(), &m.id, view);
        if !shown.same_as(m) {
            return Err(MappingError {
                id: m.id.clone(),
                reason: "a generic test the tool does not know can be shown but not edited".into(),
            });
        }
        return Ok(entry.clone());
    }
    let (name, arguments) = test_of(m, view)?;
    let spec = TestSpec {
        name,
        arguments,
        config: test_config(m),
        test_name: m.name.clone(),
        description: m.description.as_deref().map(to_repo_text),
    };
    Ok(spec.to_entry(view.version()))
}

/// The key a holder (an entry or a column) keeps its tests under.
fn tests_key(holder: Option<&Value>, view: &RepoView) -> String {
    match holder {
        Some(h) if h.get("data_tests").is_some() => "data_tests".into(),
        Some(h) if h.get("tests").is_some() => "tests".into(),
        _ => view.tests_key.clone(),
    }
}

/// The repo's tests of a holder, both keys.
pub(super) fn repo_tests(holder: Option<&Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for key in ["data_tests", "tests"] {
        if let Some(items) = holder.and_then(|h| h.get(key)).and_then(Value::as_array) {
            out.extend(items.iter().cloned());
        }
    }
    out
}

/// The tests of one holder, in the repo's order: a monitor that keeps its test (or changes
/// it) takes that test's place, new ones follow.
fn test_list(
    monitors: &[&Monitor],
    holder: Option<&Value>,
    target: &Target,
    view: &RepoView,
) -> Result<Vec<Value>, MappingError> {
    let repo_items = repo_tests(holder);
    let mut placed: Vec<Option<Value>> = vec![None; repo_items.len()];
    let mut rest = Vec::new();
    let mut taken = vec![false; repo_items.len()];
    for m in monitors {
        let item = test_item(m, &repo_items, target, view)?;
        // The repo item it replaces: the same item, else the one checking the same thing.
        let slot = m.slot();
        let at = (0..repo_items.len())
            .find(|&i| !taken[i] && repo_items[i] == item)
            .or_else(|| {
                (0..repo_items.len()).find(|&i| {
                    !taken[i]
                        && parse_item(&repo_items[i], target, m.column.as_deref(), &m.id, view)
                            .slot()
                            == slot
                })
            });
        match at {
            Some(i) => {
                taken[i] = true;
                placed[i] = Some(item);
            }
            None => rest.push(item),
        }
    }
    Ok(placed.into_iter().flatten().chain(rest).collect())
}

/// The first field a freshness monitor sets that dbt's `freshness:` cannot hold (it would be
/// lost on the way to the repo).
fn unkept_by_freshness(m: &Monitor) -> Option<&'static str> {
    if !matches!(m.check, Check::Freshness { .. }) {
        return None;
    }
    [
        ("severity", m.severity.is_some()),
        ("where", m.filter.is_some()),
        ("warn_if", m.warn_if.is_some()),
        ("error_if", m.error_if.is_some()),
        ("owner", m.owner.is_some()),
        ("description", m.description.is_some()),
        ("name", m.name.is_some()),
        ("config", !m.config.is_empty()),
    ]
    .into_iter()
    .find(|(_, set)| *set)
    .map(|(field, _)| field)
}

fn freshness_value(m: &Monitor) -> Option<(Value, Option<String>)> {
    let Check::Freshness {
        warn_after,
        error_after,
        loaded_at_field,
        filter,
    } = &m.check
    else {
        return None;
    };
    let mut f = Map::new();
    if let Some(p) = warn_after {
        f.insert("warn_after".into(), serde_json::to_value(p).ok()?);
    }
    if let Some(p) = error_after {
        f.insert("error_after".into(), serde_json::to_value(p).ok()?);
    }
    if let Some(x) = filter {
        f.insert("filter".into(), json!(x));
    }
    Some((Value::Object(f), loaded_at_field.clone()))
}

/// The desired value of one monitored resource.
fn group_value(
    target: &Target,
    group: &Group<'_>,
    repo: Option<&Value>,
    view: &RepoView,
) -> Result<Value, MappingError> {
    let mut value = Map::new();
    value.insert("name".into(), json!(target.name));
    let repo_columns: Vec<&Value> = repo
        .and_then(|r| r.get("columns"))
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    let repo_column = |name: &str| {
        repo_columns
            .iter()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
            .copied()
    };
    let description = |column: Option<&str>| {
        let holder = match column {
            Some(c) => repo_column(c),
            None => repo,
        };
        let current = holder
            .and_then(|h| h.get("description"))
            .and_then(Value::as_str);
        group
            .descriptions
            .iter()
            .find(|d| d.column.as_deref() == column)
            .map(|d| json!(repo_text(&d.text, current)))
    };
    if let Some(d) = description(None) {
        value.insert("description".into(), d);
    }
    // Resource-level tests and freshness.
    let mut top: Vec<&Monitor> = Vec::new();
    for m in group.monitors.iter().filter(|m| m.column.is_none()) {
        if let Some((freshness, loaded_at)) = freshness_value(m) {
            if target.source.is_none() {
                return Err(MappingError {
                    id: m.id.clone(),
                    reason: "freshness is checked on a source table".into(),
                });
            }
            if m.severity.is_some() || m.filter.is_some() || m.warn_if.is_some() {
                return Err(MappingError {
                    id: m.id.clone(),
                    reason: "a freshness check has thresholds, not a severity or where".into(),
                });
            }
            // Where the repo keeps it: under `config` (current dbt) or at the top.
            let top_level = repo.is_some_and(|r| r.get("freshness").is_some());
            let holder = if top_level {
                &mut value
            } else {
                value
                    .entry("config")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("an object")
            };
            holder.insert("freshness".into(), freshness);
            if let Some(field) = loaded_at {
                holder.insert("loaded_at_field".into(), json!(field));
            }
            continue;
        }
        top.push(m);
    }
    // `freshness: null` in the repo turns off a freshness inherited from the source; no
    // monitor stands for it, so it stays as the repo has it.
    if target.source.is_some() {
        let written = value.contains_key("freshness")
            || value
                .get("config")
                .is_some_and(|c| c.get("freshness").is_some());
        let off_at_top = repo.and_then(|r| r.get("freshness")) == Some(&Value::Null);
        let off_in_config = repo
            .and_then(|r| r.get("config"))
            .and_then(|c| c.get("freshness"))
            == Some(&Value::Null);
        if !written && off_at_top {
            value.insert("freshness".into(), Value::Null);
        } else if !written && off_in_config {
            value
                .entry("config")
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("an object")
                .insert("freshness".into(), Value::Null);
        }
    }
    if !top.is_empty() {
        let list = test_list(&top, repo, target, view)?;
        value.insert(tests_key(repo, view), Value::Array(list));
    }
    // Columns: every column the repo describes or tests (so a removed test is removed, not
    // the column), then the vendor's new ones.
    let mut names: Vec<String> = repo_columns
        .iter()
        .filter(|c| {
            c.get("description").is_some()
                || c.get("data_tests").is_some()
                || c.get("tests").is_some()
        })
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    for name in group
        .monitors
        .iter()
        .filter_map(|m| m.column.clone())
        .chain(group.descriptions.iter().filter_map(|d| d.column.clone()))
    {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut columns = Vec::new();
    for name in names {
        let holder = repo_column(&name);
        let mut column = Map::new();
        column.insert("name".into(), json!(name));
        if let Some(d) = description(Some(&name)) {
            column.insert("description".into(), d);
        }
        let mine: Vec<&Monitor> = group
            .monitors
            .iter()
            .filter(|m| m.column.as_deref() == Some(name.as_str()))
            .copied()
            .collect();
        for m in &mine {
            if matches!(m.check, Check::Freshness { .. } | Check::RowCount { .. }) {
                return Err(MappingError {
                    id: m.id.clone(),
                    reason: format!(
                        "{} is checked on a whole resource, not a column",
                        m.check.label()
                    ),
                });
            }
        }
        if !mine.is_empty() {
            let list = test_list(&mine, holder, target, view)?;
            column.insert(tests_key(holder, view), Value::Array(list));
        }
        columns.push(Value::Object(column));
    }
    if !columns.is_empty() {
        value.insert("columns".into(), Value::Array(columns));
    }
    Ok(Value::Object(value))
}
