//! Resource states → monitors and descriptions; the session's vendor changes → changes of the
//! vendor's monitors.

use std::collections::BTreeMap;

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde_json::{Map, Value};

use super::write::{object_id, repo_tests};
use super::{
    Check, Description, Monitor, Observability, ObservabilityChange, Period, Severity, Target,
    TargetKind,
};
use crate::mapping::{RepoView, from_repo_text, text_of};
use crate::session::VendorChange;

/// Config keys dbt reads at the top of an old-style test entry.
const CONFIG_KEYS: &[&str] = &[
    "severity",
    "where",
    "warn_if",
    "error_if",
    "tags",
    "meta",
    "store_failures",
    "store_failures_as",
    "limit",
    "fail_calc",
    "enabled",
    "alias",
    "schema",
    "database",
];

/// The monitor a test list item means. `id` is the id it gets.
pub(super) fn parse_item(
    item: &Value,
    target: &Target,
    column: Option<&str>,
    id: &str,
    view: &RepoView,
) -> Monitor {
    let opaque = |test: String, arguments: Map<String, Value>| Check::Generic {
        test,
        arguments,
        entry: Some(item.clone()),
    };
    let mut m = Monitor::new(id, target.clone(), column, Check::NotNull);
    let (test, body) = match item {
        Value::String(s) => (s.clone(), Map::new()),
        Value::Object(map) if map.len() == 1 => {
            let (k, v) = map.iter().next().expect("one key");
            match v {
                Value::Object(body) => (k.clone(), body.clone()),
                Value::Null => (k.clone(), Map::new()),
                _ => {
                    m.check = opaque(k.clone(), Map::new());
                    return m;
                }
            }
        }
        _ => {
            let test = text_of(item, "test_name").unwrap_or_else(|| "unknown".into());
            m.check = opaque(test, Map::new());
            return m;
        }
    };
    // Arguments and config, from either form.
    let mut args = Map::new();
    let mut config = Map::new();
    let mut shape_ok = true;
    for (k, v) in &body {
        match k.as_str() {
            "name" => m.name = v.as_str().map(str::to_string),
            "description" => m.description = v.as_str().map(from_repo_text),
            "arguments" => match v.as_object() {
                Some(a) => args.extend(a.clone()),
                None => shape_ok = false,
            },
            "config" => match v.as_object() {
                Some(c) => config.extend(c.clone()),
                None => shape_ok = false,
            },
            k if CONFIG_KEYS.contains(&k) => {
                config.insert(k.to_string(), v.clone());
            }
            _ => {
                args.insert(k.clone(), v.clone());
            }
        }
    }
    // The monitor's own fields from config; the rest stays as written.
    if let Some(Value::String(s)) = config.get("severity") {
        let severity = match s.as_str() {
            "warn" => Some(Severity::Warn),
            "error" => Some(Severity::Error),
            _ => None,
        };
        if severity.is_some() {
            m.severity = severity;
            config.shift_remove("severity");
        }
    }
    for (key, slot) in [
        ("where", &mut m.filter),
        ("warn_if", &mut m.warn_if),
        ("error_if", &mut m.error_if),
    ] {
        if let Some(Value::String(s)) = config.get(key) {
            *slot = Some(s.clone());
            config.shift_remove(key);
        }
    }
    if let Some(Value::Object(meta)) = config.get_mut("meta") {
        if let Some(Value::String(owner)) = meta.get("owner") {
            m.owner = Some(from_repo_text(owner));
            meta.shift_remove("owner");
        }
        if meta.is_empty() {
            config.shift_remove("meta");
        }
    }
    m.config = config;
    let only = |allowed: &[&str]| args.keys().all(|k| allowed.contains(&k.as_str()));
    let check = match test.as_str() {
        _ if !shape_ok => None,
        "not_null" if args.is_empty() && column.is_some() => Some(Check::NotNull),
        "unique" if args.is_empty() && column.is_some() => Some(Check::Unique),
        "accepted_values" if column.is_some() && only(&["values", "quote"]) => {
            match (args.get("values"), args.get("quote")) {
                (Some(Value::Array(values)), None | Some(Value::Bool(_))) => {
                    Some(Check::AcceptedValues {
                        values: values.clone(),
                        quote: args.get("quote").and_then(Value::as_bool),
                    })
                }
                _ => None,
            }
        }
        "relationships" if column.is_some() && only(&["to", "field"]) => {
            let to = args
                .get("to")
                .and_then(Value::as_str)
                .and_then(Target::from_jinja)
                .map(|t| resolved(t, view));
            match (to, args.get("field").and_then(Value::as_str)) {
                (Some(to), Some(field)) => Some(Check::Relationships {
                    to,
                    field: field.to_string(),
                }),
                _ => None,
            }
        }
        "dbt_utils.expression_is_true" | "dbt_expectations.expression_is_true"
            if only(&["expression"]) =>
        {
            args.get("expression")
                .and_then(Value::as_str)
                .map(|e| Check::Expression {
                    expression: e.to_string(),
                })
        }
        "dbt_utils.accepted_range"
            if column.is_some() && only(&["min_value", "max_value", "inclusive"]) =>
        {
            Some(Check::Range {
                min: args.get("min_value").cloned(),
                max: args.get("max_value").cloned(),
                inclusive: args.get("inclusive").and_then(Value::as_bool),
            })
        }
        "dbt_expectations.expect_column_values_to_be_between"
            if column.is_some() && only(&["min_value", "max_value", "strictly"]) =>
        {
            Some(Check::Range {
                min: args.get("min_value").cloned(),
                max: args.get("max_value").cloned(),
                inclusive: args.get("strictly").and_then(Value::as_bool).map(|s| !s),
            })
        }
        "dbt_expectations.expect_table_row_count_to_be_between"
            if column.is_none() && only(&["min_value", "max_value"]) =>
        {
            let count = |k: &str| args.get(k).map(Value::as_u64);
            match (count("min_value"), count("max_value")) {
                (Some(None), _) | (_, Some(None)) => None,
                (min, max) => Some(Check::RowCount {
                    min: min.flatten(),
                    max: max.flatten(),
                }),
            }
        }
        _ => None,
    };
    m.check = check.unwrap_or_else(|| opaque(test.clone(), args.clone()));
    m
}

/// A `ref()` target names a model, seed or snapshot: the repo says which.
fn resolved(mut target: Target, view: &RepoView) -> Target {
    if target.source.is_none() {
        for kind in [TargetKind::Model, TargetKind::Seed, TargetKind::Snapshot] {
            if view
                .find(kind.resource_kind(), None, &target.name)
                .is_some()
            {
                target.kind = kind;
                break;
            }
        }
    }
    target
}

/// The custom SQL monitor a singular test's file means: leading `--` lines are its
/// description, a `{{ config(...) }}` right after them its config, the rest its query.
pub(super) fn parse_singular(
    id: &str,
    name: &str,
    text: &str,
    description: Option<&str>,
    view: &RepoView,
) -> Monitor {
    let mut rest = text;
    let mut comment = Vec::new();
    while let Some(line) = rest.strip_prefix("--") {
        let end = line.find('\n').map_or(line.len(), |i| i + 1);
        let text = line[..end].trim_end_matches(['\n', '\r']);
        comment.push(text.strip_prefix(' ').unwrap_or(text).to_string());
        rest = &line[end..];
    }
    let mut config = Map::new();
    let trimmed = rest.trim_start_matches(['\n', ' ']);
    if trimmed.starts_with("{{") && trimmed[2..].trim_start().starts_with("config(") {
        let facts = interop_sync::read::jinja::extract_sql(trimmed);
        if let Some(end) = trimmed.find("}}")
            && facts.config_uncertain_keys.is_empty()
        {
            config = facts.config;
            rest = trimmed[end + 2..].trim_start_matches(['\n', '\r']);
        }
    }
    let sql = rest.trim_end_matches(['\n', '\r']).to_string();
    let facts = interop_sync::read::jinja::extract_sql(&sql);
    let target = match (facts.refs.as_slice(), facts.sources.as_slice()) {
        ([r], []) if r.package.is_none() => Some(resolved(Target::model(&r.name), view)),
        ([], [s]) => Some(Target::source(&s.source, &s.table)),
        _ => None,
    };
    // The config reads like a test entry's.
    let mut entry = Map::new();
    entry.insert("config".into(), Value::Object(config));
    if !comment.is_empty() {
        entry.insert("description".into(), Value::String(comment.join("\n")));
    } else if let Some(d) = description {
        entry.insert("description".into(), Value::String(d.to_string()));
    }
    let as_item = Value::Object(
        [("custom".to_string(), Value::Object(entry))]
            .into_iter()
            .collect(),
    );
    let mut m = parse_item(&as_item, &Target::model(name), None, id, view);
    m.target = target;
    m.check = Check::CustomSql {
        name: name.to_string(),
        sql,
    };
    m
}

/// The monitors and descriptions a resource state holds (`uid`: its unique id). Ids are
/// suggestions: `<object id>/<column>/<check>`.
fn of_state(uid: &str, state: &ResourceState, view: &RepoView) -> (Vec<Monitor>, Vec<Description>) {
    // A versioned model's versions share one name: not mapped (yet).
    if crate::mapping::is_versioned(uid) {
        return (vec![], vec![]);
    }
    if state.kind == ResourceKind::SingularTest {
        let Some(sql) = state.value.get("sql").and_then(Value::as_str) else {
            return (vec![], vec![]);
        };
        let description = text_of(&state.value, "description");
        let m = parse_singular(
            &format!("singular:{}", state.name),
            &state.name,
            sql,
            description.as_deref(),
            view,
        );
        return (vec![m], vec![]);
    }
    let Some(target) = Target::from_unique_id(uid).filter(|t| t.kind.resource_kind() == state.kind)
    else {
        return (vec![], vec![]);
    };
    let base = object_id(view, &target, uid);
    let mut monitors = Vec::new();
    let mut descriptions = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut push = |mut m: Monitor, monitors: &mut Vec<Monitor>| {
        let key = format!(
            "{base}/{}/{}{}",
            m.column.as_deref().unwrap_or("-"),
            m.check.label(),
            m.name
                .as_deref()
                .map(|n| format!(":{n}"))
                .unwrap_or_default()
        );
        let n = counts.entry(key.clone()).or_default();
        *n += 1;
        m.id = if *n == 1 { key } else { format!("{key}#{n}") };
        monitors.push(m);
    };
    let value = &state.value;
    if let Some(d) = text_of(value, "description") {
        descriptions.push(Description {
            target: target.clone(),
            column: None,
            text: from_repo_text(&d),
        });
    }
    for item in repo_tests(Some(value)) {
        push(parse_item(&item, &target, None, "", view), &mut monitors);
    }
    let config = value.get("config");
    let freshness = config
        .and_then(|c| c.get("freshness"))
        .or_else(|| value.get("freshness"))
        .filter(|f| f.is_object());
    if let Some(f) = freshness {
        let period = |k: &str| {
            f.get(k)
                .and_then(|p| serde_json::from_value::<Period>(p.clone()).ok())
        };
        let loaded_at = config
            .and_then(|c| c.get("loaded_at_field"))
            .or_else(|| value.get("loaded_at_field"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let check = Check::Freshness {
            warn_after: period("warn_after"),
            error_after: period("error_after"),
            loaded_at_field: loaded_at,
            filter: text_of(f, "filter"),
        };
        push(Monitor::new("", target.clone(), None, check), &mut monitors);
    }
    for column in value
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = text_of(column, "name") else {
            continue;
        };
        if let Some(d) = text_of(column, "description") {
            descriptions.push(Description {
                target: target.clone(),
                column: Some(name.clone()),
                text: from_repo_text(&d),
            });
        }
        for item in repo_tests(Some(column)) {
            push(
                parse_item(&item, &target, Some(&name), "", view),
                &mut monitors,
            );
        }
    }
    (monitors, descriptions)
}

/// Every monitor and description in the repo `view` describes (its resources in scope), with
/// suggested ids; descriptions only of resources that have monitors.
pub fn observed(view: &RepoView) -> Observability {
    let mut out = Observability::default();
    for (uid, state) in &view.states {
        let (monitors, descriptions) = of_state(uid, state, view);
        if !monitors.is_empty() {
            out.monitors.extend(monitors);
            out.descriptions.extend(descriptions);
        }
    }
    out
}

/// The fields of a monitor that differ between two versions.
fn changed(a: &Monitor, b: &Monitor) -> Vec<String> {
    let (x, y) = (
        serde_json::to_value(a).unwrap_or_default(),
        serde_json::to_value(b).unwrap_or_default(),
    );
    let empty = Map::new();
    let (x, y) = (
        x.as_object().unwrap_or(&empty),
        y.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<String> = x.keys().chain(y.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| x.get(k) != y.get(k)).collect()
}

impl Observability {
    /// What the vendor should change in its objects for the session's vendor changes (from
    /// `pull` or a plan): tests that changed in the repo update the monitor they belong to
    /// (same id), new tests are new monitors, removed tests delete theirs; descriptions of the
    /// monitored resources follow.
    pub fn changes(&self, changes: &[VendorChange], view: &RepoView) -> Vec<ObservabilityChange> {
        let renames = self.renames(changes, view);
        let mut out = Vec::new();
        for change in changes {
            match change {
                VendorChange::Created {
                    unique_id, state, ..
                } => {
                    let (monitors, descriptions) = of_state(unique_id, state, view);
                    if monitors.is_empty() {
                        continue;
                    }
                    let target = Target::from_unique_id(unique_id);
                    let mut known: Vec<&Monitor> = self
                        .monitors
                        .iter()
                        .filter(|m| match &m.check {
                            Check::CustomSql { name, .. } => {
                                state.kind == ResourceKind::SingularTest && name == &state.name
                            }
                            _ => target.is_some() && m.target == target,
                        })
                        .collect();
                    // A resource the customer renamed: the monitors of the old name.
                    let renamed = renames.iter().find(|(_, uid)| uid == unique_id);
                    if let Some((id, _)) = renamed {
                        known.extend(self.known(id, view));
                    }
                    self.match_monitors(&known, monitors, &mut out);
                    if let Some(t) = &target {
                        self.match_descriptions(t, descriptions, &mut out);
                    }
                    if let Some(old) = renamed
                        .and_then(|(id, _)| self.known(id, view).first().copied())
                        .and_then(|m| m.target.clone())
                    {
                        for d in self.descriptions.iter().filter(|d| d.target == old) {
                            out.push(ObservabilityChange::DescriptionRemoved {
                                target: old.clone(),
                                column: d.column.clone(),
                            });
                        }
                    }
                }
                VendorChange::Deleted { id, .. }
                    if renames.iter().any(|(renamed, _)| renamed == id) => {}
                VendorChange::Updated {
                    id,
                    unique_id,
                    state,
                    ..
                } => {
                    let known = self.known(id, view);
                    let (mut monitors, descriptions) = of_state(unique_id, state, view);
                    if state.kind == ResourceKind::SingularTest {
                        for m in &mut monitors {
                            m.id = id.clone();
                        }
                    }
                    self.match_monitors(&known, monitors, &mut out);
                    // Descriptions of the resource; after a rename in the repo the vendor's
                    // move to the new name.
                    if let Some(new) = Target::from_unique_id(unique_id)
                        && state.kind != ResourceKind::SingularTest
                    {
                        let old = known
                            .iter()
                            .find_map(|m| m.target.clone())
                            .unwrap_or_else(|| new.clone());
                        if old == new {
                            self.match_descriptions(&new, descriptions, &mut out);
                        } else {
                            for d in self.descriptions.iter().filter(|d| d.target == old) {
                                out.push(ObservabilityChange::DescriptionRemoved {
                                    target: old.clone(),
                                    column: d.column.clone(),
                                });
                            }
                            out.extend(descriptions.into_iter().map(|description| {
                                ObservabilityChange::DescriptionSet { description }
                            }));
                        }
                    }
                }
                VendorChange::Deleted { id, .. } => {
                    for m in self.known(id, view) {
                        out.push(ObservabilityChange::MonitorDeleted { id: m.id.clone() });
                    }
                }
            }
        }
        out
    }

    /// Resources the customer renamed, as the session reports them when it cannot tell (the
    /// old one deleted, a new one created): a deleted object id whose monitors all reappear,
    /// the name aside, on exactly one created resource of the same kind. Object id → the new
    /// unique id.
    fn renames(&self, changes: &[VendorChange], view: &RepoView) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for change in changes {
            let VendorChange::Deleted { id, .. } = change else {
                continue;
            };
            let known = self.known(id, view);
            let Some(old) = known.first().and_then(|m| m.target.clone()) else {
                continue;
            };
            if known
                .iter()
                .any(|m| matches!(m.check, Check::CustomSql { .. }))
            {
                continue;
            }
            let candidates: Vec<&String> = changes
                .iter()
                .filter_map(|c| match c {
                    VendorChange::Created {
                        unique_id, state, ..
                    } if state.kind == old.kind.resource_kind() => {
                        let (found, _) = of_state(unique_id, state, view);
                        let all = known.iter().all(|k| {
                            found.iter().any(|f| {
                                Monitor {
                                    id: k.id.clone(),
                                    target: k.target.clone(),
                                    ..f.clone()
                                } == **k
                            })
                        });
                        all.then_some(unique_id)
                    }
                    _ => None,
                })
                .collect();
            if let [uid] = candidates.as_slice() {
                out.push((id.clone(), (*uid).clone()));
            }
        }
        out
    }

    /// The vendor's monitors behind a desired object id: the custom SQL monitor of that id,
    /// or the monitors of the resource the id stands for.
    fn known(&self, id: &str, view: &RepoView) -> Vec<&Monitor> {
        if let Some(m) = self
            .monitors
            .iter()
            .find(|m| m.id == id && matches!(m.check, Check::CustomSql { .. }))
        {
            return vec![m];
        }
        self.monitors
            .iter()
            .filter(|m| !matches!(m.check, Check::CustomSql { .. }))
            .filter(|m| {
                m.target.as_ref().is_some_and(|t| {
                    let uid = t.unique_id(&view.project);
                    object_id(view, t, &uid) == id
                })
            })
            .collect()
    }

    fn match_monitors(
        &self,
        known: &[&Monitor],
        found: Vec<Monitor>,
        out: &mut Vec<ObservabilityChange>,
    ) {
        let mut used = vec![false; known.len()];
        let mut unmatched = Vec::new();
        // Exact matches first, then by what they check.
        let mut pending: Vec<Monitor> = Vec::new();
        for m in found {
            match (0..known.len()).find(|&i| !used[i] && known[i].same_as(&m)) {
                Some(i) => used[i] = true,
                None => pending.push(m),
            }
        }
        for mut m in pending {
            let slot = m.slot();
            let same_target = |k: &Monitor| {
                // A renamed resource: the column and check still say which monitor it is.
                let (a, b) = (k.slot(), slot.clone());
                a == b || (a.1 == b.1 && a.2 == b.2 && a.3 == b.3)
            };
            match (0..known.len()).find(|&i| !used[i] && same_target(known[i])) {
                Some(i) => {
                    used[i] = true;
                    m.id = known[i].id.clone();
                    out.push(ObservabilityChange::MonitorUpdated {
                        fields: changed(known[i], &m),
                        monitor: m,
                    });
                }
                None => unmatched.push(m),
            }
        }
        for m in unmatched {
            out.push(ObservabilityChange::MonitorCreated { monitor: m });
        }
        for (i, k) in known.iter().enumerate() {
            if !used[i] {
                out.push(ObservabilityChange::MonitorDeleted { id: k.id.clone() });
            }
        }
    }

    fn match_descriptions(
        &self,
        target: &Target,
        found: Vec<Description>,
        out: &mut Vec<ObservabilityChange>,
    ) {
        let mine: Vec<&Description> = self
            .descriptions
            .iter()
            .filter(|d| &d.target == target)
            .collect();
        for d in &found {
            if !mine.contains(&d) {
                out.push(ObservabilityChange::DescriptionSet {
                    description: d.clone(),
                });
            }
        }
        for d in mine {
            if !found.iter().any(|f| f.column == d.column) {
                out.push(ObservabilityChange::DescriptionRemoved {
                    target: d.target.clone(),
                    column: d.column.clone(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_test_forms_read_as_one_monitor() {
        let view = RepoView::default();
        let target = Target::model("orders");
        let current = json!({"accepted_values": {
            "arguments": {"values": ["a", "b"]},
            "config": {"severity": "warn", "where": "x > 1", "meta": {"owner": "@dq"}, "tags": ["t"]}
        }});
        let old = json!({"accepted_values": {
            "values": ["a", "b"], "severity": "warn", "where": "x > 1",
            "config": {"meta": {"owner": "@dq"}, "tags": ["t"]}
        }});
        let a = parse_item(&current, &target, Some("status"), "m", &view);
        let b = parse_item(&old, &target, Some("status"), "m", &view);
        assert_eq!(a, b);
        assert_eq!(a.severity, Some(Severity::Warn));
        assert_eq!(a.owner.as_deref(), Some("@dq"));
        assert_eq!(a.config, *json!({"tags": ["t"]}).as_object().unwrap());
        assert!(a.editable());
        // An argument the check does not know makes it opaque.
        let odd = json!({"accepted_values": {"arguments": {"values": ["a"], "case": "lower"}}});
        let m = parse_item(&odd, &target, Some("status"), "m", &view);
        assert!(matches!(m.check, Check::Generic { .. }) && !m.editable());
    }

    #[test]
    fn a_singular_test_reads_its_description_and_config() {
        let view = RepoView::default();
        let text = "-- Orders are paid.\n-- Refunds aside.\n{{ config(severity='warn', meta={'owner': '@billing'}) }}\n\nselect * from {{ ref('orders') }} where paid < total\n";
        let m = parse_singular("s1", "assert_paid", text, None, &view);
        assert_eq!(
            m.description.as_deref(),
            Some("Orders are paid.\nRefunds aside.")
        );
        assert_eq!(m.severity, Some(Severity::Warn));
        assert_eq!(m.owner.as_deref(), Some("@billing"));
        assert_eq!(m.target, Some(Target::model("orders")));
        assert!(matches!(&m.check, Check::CustomSql { sql, .. } if sql.starts_with("select *")));
        assert_eq!(
            super::super::write::singular_text(
                &m,
                "select * from {{ ref('orders') }} where paid < total",
                true
            ),
            text
        );
    }
}
