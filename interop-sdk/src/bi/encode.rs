//! BI objects → the resources a BI session plans with, in the repo's spec.

use std::collections::{BTreeMap, BTreeSet};

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde_json::{Map, Value, json};

use super::decode::{column_meaning, piece};
use super::repo::{RepoInfo, Spec};
use super::text::escape_all;
use super::{
    Agg, BiError, BiObjects, DashboardInput, Dimension, DimensionType, Entity, Metric, MetricInput,
    MetricType, SemanticModel,
};
use crate::{Desired, Scope};

/// The vendor id of the time spine the mapping adds to a repo that has none.
pub const TIME_SPINE_ID: &str = "interop-time-spine";
/// The time spine model's name.
pub(crate) const TIME_SPINE_MODEL: &str = "metricflow_time_spine";

/// Portable SQL for one row per day (no package needed): 10,000 days from 2015-01-01.
pub(crate) const TIME_SPINE_SQL: &str = "\
-- One row per day: the calendar dbt's semantic layer joins metrics to. 10,000 days from
-- 2015-01-01; change the start date or add a digit to widen the range.

with

digits as (

    select 0 as digit
    union all select 1
    union all select 2
    union all select 3
    union all select 4
    union all select 5
    union all select 6
    union all select 7
    union all select 8
    union all select 9

),

day_numbers as (

    select
        thousands.digit * 1000
        + hundreds.digit * 100
        + tens.digit * 10
        + units.digit as day_number
    from digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units

),

final as (

    select cast(cast('2015-01-01' as date) + day_number as date) as date_day
    from day_numbers

)

select * from final
";

fn bad(id: &str, message: impl Into<String>) -> BiError {
    BiError::Invalid {
        id: id.to_string(),
        message: message.into(),
    }
}

fn valid_name(name: &str) -> bool {
    crate::mapping::is_dbt_name(name)
}

/// A name MetricFlow accepts for a semantic model, metric, entity or dimension: a dbt name
/// without `__` (which separates entity and dimension in filters), not ending in `_`.
fn valid_semantic_name(name: &str) -> bool {
    valid_name(name) && name.len() >= 2 && !name.contains("__") && !name.ends_with('_')
}

/// A plain column name (an expression that is one).
pub(crate) fn is_column(expr: &str) -> bool {
    let e = expr.trim();
    e.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.into(), v.into());
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The resources `objects` map to in `repo`: one [`Desired`] per semantic model (a semantic
/// model entry, or in the embedded spec the model's semantic keys), metric, saved query,
/// dashboard and transform, under the object's id, plus the time spine (id
/// [`TIME_SPINE_ID`]) when there are metrics and the repo's main branch has no time spine. A resource the repo already holds with the same meaning is given in
/// the repo's own shape, and keys the mapping does not model are kept as the repo has them.
pub fn to_desired(objects: &BiObjects, repo: &RepoInfo) -> Result<Vec<Desired>, BiError> {
    let mut ids = BTreeSet::new();
    let all_ids = objects
        .semantic_models
        .iter()
        .map(|o| &o.id)
        .chain(objects.metrics.iter().map(|o| &o.id))
        .chain(objects.saved_queries.iter().map(|o| &o.id))
        .chain(objects.dashboards.iter().map(|o| &o.id))
        .chain(objects.transforms.iter().map(|o| &o.id));
    for id in all_ids {
        if !ids.insert(id.clone()) || id == TIME_SPINE_ID {
            return Err(bad(id, "the id is used twice"));
        }
    }
    let mut out: Vec<Desired> = Vec::new();
    // Transforms first: an embedded semantic model on one adds to its entry.
    for t in &objects.transforms {
        if !valid_name(&t.name) {
            return Err(bad(&t.id, format!("'{}' is not a model name", t.name)));
        }
        if t.sql.trim().is_empty() {
            return Err(bad(&t.id, "a transform needs SQL"));
        }
        let mut value = Map::new();
        value.insert("name".into(), json!(t.name));
        put(&mut value, "description", t.description.clone());
        if !t.columns.is_empty() {
            let columns: Vec<Value> = t
                .columns
                .iter()
                .map(|c| {
                    let mut m = Map::new();
                    m.insert("name".into(), json!(c.name));
                    put(&mut m, "description", c.description.clone());
                    Value::Object(m)
                })
                .collect();
            value.insert("columns".into(), Value::Array(columns));
        }
        if let Some(owner) = &t.owner {
            value.insert("config".into(), json!({"meta": {"owner": owner}}));
        }
        value.insert("sql".into(), json!(t.sql));
        let folder = t.folder.trim_matches('/');
        let file = if folder.is_empty() {
            format!("{}/{}.sql", repo.model_path, t.name)
        } else {
            format!("{}/{folder}/{}.sql", repo.model_path, t.name)
        };
        out.push(desired(
            &t.id,
            ResourceKind::Model,
            &t.name,
            value,
            Some(file),
        ));
    }
    let models: BTreeSet<&str> = repo
        .models
        .iter()
        .map(String::as_str)
        .chain(objects.transforms.iter().map(|t| t.name.as_str()))
        .collect();
    let semantic: BTreeMap<&str, &SemanticModel> = objects
        .semantic_models
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let semantic_names = objects
        .semantic_models
        .iter()
        .flat_map(|s| {
            std::iter::once((&s.id, &s.name))
                .chain(s.entities.iter().map(|e| (&e.id, &e.name)))
                .chain(s.dimensions.iter().map(|d| (&d.id, &d.name)))
        })
        .chain(objects.metrics.iter().map(|m| (&m.id, &m.name)));
    for (id, name) in semantic_names {
        if !valid_semantic_name(name) {
            return Err(bad(
                id,
                format!(
                    "'{name}' is not a semantic-layer name (lower case, digits and _, no __, not ending in _)"
                ),
            ));
        }
    }
    for m in &objects.metrics {
        if let MetricType::Simple { semantic_model, .. } = &m.metric_type
            && !semantic.contains_key(semantic_model.as_str())
        {
            return Err(bad(
                &m.id,
                format!("no semantic model '{semantic_model}' among the objects"),
            ));
        }
    }
    for sm in &objects.semantic_models {
        if !models.contains(sm.model.as_str()) {
            return Err(bad(&sm.id, format!("no model '{}' in the repo", sm.model)));
        }
        match repo.spec {
            Spec::Legacy => out.push(legacy_semantic_model(sm, objects)),
            Spec::Embedded => {
                let value = embedded_model(sm, repo);
                match out
                    .iter_mut()
                    .find(|d| d.state.kind == ResourceKind::Model && d.state.name == sm.model)
                {
                    // The tool's own transform: one resource, the transform's id.
                    Some(t) => {
                        if let Value::Object(to) = &mut t.state.value {
                            for (k, v) in value {
                                match (k.as_str(), to.get_mut("columns"), v) {
                                    ("name", _, _) => {}
                                    // The transform's columns keep their descriptions and
                                    // take the semantic keys, by name.
                                    ("columns", Some(Value::Array(mine)), Value::Array(keys)) => {
                                        for column in keys {
                                            let name = column.get("name").cloned();
                                            match mine
                                                .iter_mut()
                                                .find(|c| c.get("name") == name.as_ref())
                                            {
                                                Some(Value::Object(m)) => {
                                                    if let Value::Object(extra) = column {
                                                        m.extend(extra);
                                                    }
                                                }
                                                _ => mine.push(column),
                                            }
                                        }
                                    }
                                    (_, _, v) => {
                                        to.insert(k, v);
                                    }
                                }
                            }
                        }
                    }
                    None => out.push(desired(&sm.id, ResourceKind::Model, &sm.model, value, None)),
                }
            }
        }
    }
    for m in &objects.metrics {
        out.push(match repo.spec {
            Spec::Legacy => legacy_metric(m, objects),
            Spec::Embedded => embedded_metric(m, &semantic),
        });
    }
    for q in &objects.saved_queries {
        let mut params = Map::new();
        params.insert("metrics".into(), json!(q.metrics));
        if !q.group_by.is_empty() {
            params.insert("group_by".into(), json!(q.group_by));
        }
        if !q.filters.is_empty() {
            params.insert("where".into(), json!(q.filters));
        }
        let mut value = Map::new();
        value.insert("name".into(), json!(q.name));
        put(&mut value, "label", q.label.clone());
        put(&mut value, "description", q.description.clone());
        value.insert("query_params".into(), Value::Object(params));
        out.push(desired(
            &q.id,
            ResourceKind::SavedQuery,
            &q.name,
            value,
            None,
        ));
    }
    for d in &objects.dashboards {
        let mut value = Map::new();
        value.insert("name".into(), json!(d.name));
        put(&mut value, "label", d.label.clone());
        value.insert("type".into(), json!("dashboard"));
        put(&mut value, "maturity", d.maturity.map(|m| to_json(&m)));
        put(&mut value, "url", d.url.clone());
        put(&mut value, "description", d.description.clone());
        if !d.depends_on.is_empty() {
            let deps: Vec<String> = d
                .depends_on
                .iter()
                .map(|i| match i {
                    DashboardInput::Metric(m) => format!("metric('{m}')"),
                    DashboardInput::Model(m) => format!("ref('{m}')"),
                    DashboardInput::Source(s, t) => format!("source('{s}', '{t}')"),
                })
                .collect();
            value.insert("depends_on".into(), json!(deps));
        }
        if d.owner.name.is_none() && d.owner.email.is_none() {
            return Err(bad(&d.id, "a dashboard needs an owner (name or email)"));
        }
        value.insert("owner".into(), to_json(&d.owner));
        out.push(desired(&d.id, ResourceKind::Exposure, &d.name, value, None));
    }
    // Once the customer has merged it, the repo has a time spine and the mapping leaves it
    // alone (BI never deletes a model), as it leaves alone one another tool added.
    if !objects.metrics.is_empty()
        && repo.time_spine.is_none()
        && !repo.models.iter().any(|m| m == TIME_SPINE_MODEL)
    {
        out.push(time_spine(repo));
    }
    // Text dbt would render is escaped as the writer will; what the repo holds with the same
    // meaning is given in its own shape.
    for d in &mut out {
        d.state.value = escape_all(&d.state.value, None);
        in_repo_shape(d, repo);
    }
    Ok(out)
}

fn desired(
    id: &str,
    kind: ResourceKind,
    name: &str,
    value: Map<String, Value>,
    file: Option<String>,
) -> Desired {
    Desired {
        id: id.to_string(),
        state: ResourceState {
            kind,
            name: name.to_string(),
            value: Value::Object(value),
            file,
        },
    }
}

fn time_spine(repo: &RepoInfo) -> Desired {
    let value = json!({
        "name": TIME_SPINE_MODEL,
        "description": "One row per calendar day, 10,000 days from 2015-01-01: the calendar dbt's semantic layer joins metrics to.",
        "time_spine": {"standard_granularity_column": "date_day"},
        "columns": [{"name": "date_day", "description": "The calendar day.", "granularity": "day"}],
        "sql": TIME_SPINE_SQL,
    });
    let Value::Object(map) = value else {
        unreachable!("a literal object")
    };
    desired(
        TIME_SPINE_ID,
        ResourceKind::Model,
        TIME_SPINE_MODEL,
        map,
        Some(format!("{}/{TIME_SPINE_MODEL}.sql", repo.model_path)),
    )
}

/// The repo's value where it means the same; else the repo's value with the keys the mapping
/// writes replaced (keys it does not model stay as the repo has them).
fn in_repo_shape(d: &mut Desired, repo: &RepoInfo) {
    let Some(current) = repo.states.get(&(d.state.kind, d.state.name.clone())) else {
        return;
    };
    let scope = Scope::bi();
    let theirs = scope.without_created_only(
        current.kind,
        &scope.project_kind(current.kind, &current.value),
    );
    if d.state.file.is_none() {
        d.state.file = current.file.clone();
    }
    let as_state = |value: &Value| ResourceState {
        value: value.clone(),
        ..d.state.clone()
    };
    if piece(&d.id, &as_state(&theirs)) == piece(&d.id, &d.state) {
        let mut value = theirs;
        // Created-only fields (a transform's SQL) are the vendor's to give.
        if let (Value::Object(to), Value::Object(from)) = (&mut value, &d.state.value) {
            for (k, v) in from {
                match (to.get_mut(k), v) {
                    (Some(Value::Array(cols)), Value::Array(mine)) if k == "columns" => {
                        fill_columns(cols, mine)
                    }
                    _ => {
                        to.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
        d.state.value = value;
        return;
    }
    let (Value::Object(mine), Value::Object(theirs)) = (&mut d.state.value, theirs) else {
        return;
    };
    let written = written_keys(d.state.kind);
    for (k, v) in theirs {
        if k == "columns"
            && let Some(Value::Array(cols)) = mine.get_mut("columns")
        {
            // A column that means the same keeps the repo's shape (`dimension: categorical`).
            for col in cols.iter_mut() {
                let name = col.get("name").cloned();
                if let Some(old) = v
                    .as_array()
                    .and_then(|o| o.iter().find(|c| c.get("name") == name.as_ref()))
                    && column_meaning(old) == column_meaning(col)
                {
                    // Keys the scope hides here (a created model's descriptions and tests)
                    // stay the vendor's.
                    let mut kept = old.clone();
                    if let (Value::Object(k), Value::Object(c)) = (&mut kept, &*col) {
                        for (key, value) in c {
                            k.entry(key.clone()).or_insert_with(|| value.clone());
                        }
                    }
                    *col = kept;
                }
            }
            continue;
        }
        if d.state.kind == ResourceKind::SemanticModel
            && matches!(k.as_str(), "entities" | "dimensions" | "measures")
        {
            let merged = same_items(&k, mine.get(&k), &v);
            if let Some(list) = merged {
                mine.insert(k, list);
            }
            continue;
        }
        if !written.contains(&k.as_str()) && !mine.contains_key(&k) {
            mine.insert(k, v);
        }
    }
}

/// The vendor's `columns` into the repo's: keys a repo column lacks are added, columns it
/// lacks appended.
fn fill_columns(cols: &mut Vec<Value>, mine: &[Value]) {
    for m in mine {
        let name = m.get("name");
        match cols.iter_mut().find(|c| c.get("name") == name) {
            Some(Value::Object(c)) => {
                if let Value::Object(from) = m {
                    for (key, value) in from {
                        c.entry(key.clone()).or_insert_with(|| value.clone());
                    }
                }
            }
            _ => cols.push(m.clone()),
        }
    }
}

/// A legacy semantic model's list with the repo's items where they mean the same; for
/// `measures`, the repo's measures no metric of the tool reads are kept too (other metrics,
/// written by hand, read them).
fn same_items(key: &str, mine: Option<&Value>, theirs: &Value) -> Option<Value> {
    let theirs = theirs.as_array()?;
    let mine: Vec<Value> = mine.and_then(Value::as_array).cloned().unwrap_or_default();
    let meaning = |v: &Value| -> Value {
        match key {
            "entities" => to_json(&super::decode::legacy_entity(v)),
            "dimensions" => to_json(&super::decode::legacy_dimension(v)),
            _ => to_json(&super::decode::measure(v)),
        }
    };
    let name = |v: &Value| v.get("name").cloned();
    let mut out: Vec<Value> = mine
        .iter()
        .map(|m| {
            theirs
                .iter()
                .find(|t| name(t) == name(m) && meaning(t) == meaning(m))
                .cloned()
                .unwrap_or_else(|| m.clone())
        })
        .collect();
    if key == "measures" {
        // The repo's order, the tool's new measures after.
        let mut ordered: Vec<Value> = theirs
            .iter()
            .map(|t| {
                out.iter()
                    .find(|m| name(m) == name(t))
                    .cloned()
                    .unwrap_or_else(|| t.clone())
            })
            .collect();
        ordered.extend(
            out.iter()
                .filter(|m| !theirs.iter().any(|t| name(t) == name(m)))
                .cloned(),
        );
        out = ordered;
    }
    if out.is_empty() {
        return None;
    }
    Some(Value::Array(out))
}

/// The top-level keys the mapping writes for a kind (others in the repo are kept).
fn written_keys(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Metric => &[
            "label",
            "description",
            "filter",
            "type",
            "type_params",
            "agg",
            "expr",
            "percentile",
            "percentile_type",
            "fill_nulls_with",
            "join_to_timespine",
            "numerator",
            "denominator",
            "input_metrics",
            "input_metric",
            "window",
            "grain_to_date",
            "period_agg",
            "entity",
            "calculation",
            "base_metric",
            "conversion_metric",
        ],
        ResourceKind::SemanticModel => &[
            "label",
            "description",
            "model",
            "defaults",
            "entities",
            "dimensions",
            "measures",
        ],
        ResourceKind::SavedQuery => &["label", "description", "query_params"],
        ResourceKind::Exposure => &[
            "label",
            "type",
            "maturity",
            "url",
            "description",
            "depends_on",
            "owner",
        ],
        ResourceKind::Model => &[
            "semantic_model",
            "agg_time_dimension",
            "columns",
            "derived_semantics",
            "description",
            "sql",
            "time_spine",
        ],
        _ => &[],
    }
}

fn legacy_entity(e: &Entity) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(e.name));
    m.insert("type".into(), to_json(&e.entity_type));
    put(&mut m, "expr", e.expr.clone());
    put(&mut m, "description", e.description.clone());
    Value::Object(m)
}

fn legacy_dimension(d: &Dimension) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(d.name));
    match d.dimension_type {
        DimensionType::Categorical => {
            m.insert("type".into(), json!("categorical"));
        }
        DimensionType::Time { .. } => {
            m.insert("type".into(), json!("time"));
        }
    }
    put(&mut m, "expr", d.expr.clone());
    put(&mut m, "label", d.label.clone());
    put(&mut m, "description", d.description.clone());
    if let DimensionType::Time { granularity } = d.dimension_type {
        m.insert(
            "type_params".into(),
            json!({"time_granularity": to_json(&granularity)}),
        );
    }
    Value::Object(m)
}

/// The measure a legacy simple metric reads (its own name unless set apart).
pub(crate) fn measure_name(m: &Metric) -> Option<String> {
    match &m.metric_type {
        MetricType::Simple { measure, .. } => Some(measure.clone().unwrap_or(m.name.clone())),
        _ => None,
    }
}

fn legacy_semantic_model(sm: &SemanticModel, objects: &BiObjects) -> Desired {
    let mut value = Map::new();
    value.insert("name".into(), json!(sm.name));
    put(&mut value, "label", sm.label.clone());
    put(&mut value, "description", sm.description.clone());
    value.insert("model".into(), json!(format!("ref('{}')", sm.model)));
    if let Some(t) = &sm.agg_time_dimension {
        value.insert("defaults".into(), json!({"agg_time_dimension": t}));
    }
    if !sm.entities.is_empty() {
        value.insert(
            "entities".into(),
            Value::Array(sm.entities.iter().map(legacy_entity).collect()),
        );
    }
    if !sm.dimensions.is_empty() {
        value.insert(
            "dimensions".into(),
            Value::Array(sm.dimensions.iter().map(legacy_dimension).collect()),
        );
    }
    let mut measures: Vec<Value> = Vec::new();
    let mut seen = BTreeSet::new();
    for m in &objects.metrics {
        let MetricType::Simple {
            semantic_model,
            agg,
            expr,
            percentile,
            discrete_percentile,
            ..
        } = &m.metric_type
        else {
            continue;
        };
        let Some(name) = measure_name(m) else {
            continue;
        };
        if semantic_model != &sm.name || !seen.insert(name.clone()) {
            continue;
        }
        let mut measure = Map::new();
        measure.insert("name".into(), json!(name));
        measure.insert("agg".into(), to_json(agg));
        put(&mut measure, "expr", expr.clone());
        if *agg == Agg::Percentile {
            let mut params = Map::new();
            put(&mut params, "percentile", *percentile);
            if *discrete_percentile {
                params.insert("use_discrete_percentile".into(), json!(true));
            }
            measure.insert("agg_params".into(), Value::Object(params));
        }
        measures.push(Value::Object(measure));
    }
    if !measures.is_empty() {
        value.insert("measures".into(), Value::Array(measures));
    }
    desired(&sm.id, ResourceKind::SemanticModel, &sm.name, value, None)
}

fn input(i: &MetricInput) -> Value {
    if i.filter.is_none()
        && i.alias.is_none()
        && i.offset_window.is_none()
        && i.offset_to_grain.is_none()
    {
        return json!(i.name);
    }
    let mut m = Map::new();
    m.insert("name".into(), json!(i.name));
    put(&mut m, "filter", i.filter.clone());
    put(&mut m, "alias", i.alias.clone());
    put(&mut m, "offset_window", i.offset_window.clone());
    put(&mut m, "offset_to_grain", i.offset_to_grain.clone());
    Value::Object(m)
}

/// Inputs of a derived metric, always as maps (as dbt's examples write them).
fn input_map(i: &MetricInput) -> Value {
    match input(i) {
        Value::String(name) => json!({"name": name}),
        other => other,
    }
}

fn metric_head(m: &Metric, label_required: bool) -> Map<String, Value> {
    let mut value = Map::new();
    value.insert("name".into(), json!(m.name));
    let label = match (&m.label, label_required) {
        (Some(l), _) => Some(l.clone()),
        (None, true) => Some(m.name.clone()),
        (None, false) => None,
    };
    put(&mut value, "label", label);
    put(&mut value, "description", m.description.clone());
    value
}

fn measure_of(name: &str, objects: &BiObjects) -> String {
    objects
        .metrics
        .iter()
        .find(|m| m.name == name)
        .and_then(measure_name)
        .unwrap_or_else(|| name.to_string())
}

fn legacy_metric(m: &Metric, objects: &BiObjects) -> Desired {
    let mut value = metric_head(m, true);
    let (kind, params) = match &m.metric_type {
        MetricType::Simple {
            fill_nulls_with,
            join_to_timespine,
            ..
        } => {
            let name = measure_name(m).unwrap_or_default();
            let measure = if fill_nulls_with.is_none() && !join_to_timespine {
                json!(name)
            } else {
                let mut mm = Map::new();
                mm.insert("name".into(), json!(name));
                put(&mut mm, "fill_nulls_with", *fill_nulls_with);
                if *join_to_timespine {
                    mm.insert("join_to_timespine".into(), json!(true));
                }
                Value::Object(mm)
            };
            ("simple", json!({"measure": measure}))
        }
        MetricType::Ratio {
            numerator,
            denominator,
        } => (
            "ratio",
            json!({"numerator": input(numerator), "denominator": input(denominator)}),
        ),
        MetricType::Derived { expr, inputs } => (
            "derived",
            json!({"expr": expr, "metrics": inputs.iter().map(input_map).collect::<Vec<_>>()}),
        ),
        MetricType::Cumulative {
            input,
            window,
            grain_to_date,
            period_agg,
        } => {
            let mut c = Map::new();
            put(&mut c, "window", window.clone());
            put(&mut c, "grain_to_date", grain_to_date.clone());
            put(&mut c, "period_agg", period_agg.map(|p| to_json(&p)));
            let mut p = Map::new();
            p.insert("measure".into(), json!(measure_of(input, objects)));
            if !c.is_empty() {
                p.insert("cumulative_type_params".into(), Value::Object(c));
            }
            ("cumulative", Value::Object(p))
        }
        MetricType::Conversion {
            entity,
            calculation,
            base,
            conversion,
            window,
        } => {
            let mut c = Map::new();
            c.insert("entity".into(), json!(entity));
            c.insert("calculation".into(), to_json(calculation));
            c.insert(
                "base_measure".into(),
                json!({"name": measure_of(base, objects)}),
            );
            c.insert(
                "conversion_measure".into(),
                json!({"name": measure_of(conversion, objects)}),
            );
            put(&mut c, "window", window.clone());
            ("conversion", json!({"conversion_type_params": c}))
        }
    };
    value.insert("type".into(), json!(kind));
    put(&mut value, "filter", m.filter.clone());
    value.insert("type_params".into(), params);
    desired(&m.id, ResourceKind::Metric, &m.name, value, None)
}

fn embedded_metric(m: &Metric, semantic: &BTreeMap<&str, &SemanticModel>) -> Desired {
    let mut value = metric_head(m, false);
    let mut file = None;
    match &m.metric_type {
        MetricType::Simple {
            semantic_model,
            agg,
            expr,
            percentile,
            discrete_percentile,
            fill_nulls_with,
            join_to_timespine,
            ..
        } => {
            value.insert("type".into(), json!("simple"));
            value.insert("agg".into(), to_json(agg));
            put(&mut value, "expr", expr.clone());
            put(&mut value, "percentile", *percentile);
            if *agg == Agg::Percentile {
                let kind = if *discrete_percentile {
                    "discrete"
                } else {
                    "continuous"
                };
                value.insert("percentile_type".into(), json!(kind));
            }
            put(&mut value, "fill_nulls_with", *fill_nulls_with);
            if *join_to_timespine {
                value.insert("join_to_timespine".into(), json!(true));
            }
            if let Some(sm) = semantic.get(semantic_model.as_str()) {
                file = Some(format!("#{}", sm.model));
            }
        }
        MetricType::Ratio {
            numerator,
            denominator,
        } => {
            value.insert("type".into(), json!("ratio"));
            value.insert("numerator".into(), input(numerator));
            value.insert("denominator".into(), input(denominator));
        }
        MetricType::Derived { expr, inputs } => {
            value.insert("type".into(), json!("derived"));
            value.insert("expr".into(), json!(expr));
            value.insert(
                "input_metrics".into(),
                Value::Array(inputs.iter().map(input_map).collect()),
            );
        }
        MetricType::Cumulative {
            input,
            window,
            grain_to_date,
            period_agg,
        } => {
            value.insert("type".into(), json!("cumulative"));
            value.insert("input_metric".into(), json!(input));
            put(&mut value, "window", window.clone());
            put(&mut value, "grain_to_date", grain_to_date.clone());
            put(&mut value, "period_agg", period_agg.map(|p| to_json(&p)));
        }
        MetricType::Conversion {
            entity,
            calculation,
            base,
            conversion,
            window,
        } => {
            value.insert("type".into(), json!("conversion"));
            value.insert("entity".into(), json!(entity));
            value.insert("calculation".into(), to_json(calculation));
            value.insert("base_metric".into(), json!(base));
            value.insert("conversion_metric".into(), json!(conversion));
            put(&mut value, "window", window.clone());
        }
    }
    put(&mut value, "filter", m.filter.clone());
    desired(&m.id, ResourceKind::Metric, &m.name, value, file)
}

/// The semantic keys of a model's entry (embedded spec).
fn embedded_model(sm: &SemanticModel, repo: &RepoInfo) -> Map<String, Value> {
    let mut value = Map::new();
    value.insert("name".into(), json!(sm.model));
    let mut marker = Map::new();
    marker.insert("enabled".into(), json!(true));
    if sm.name != sm.model {
        marker.insert("name".into(), json!(sm.name));
    }
    value.insert("semantic_model".into(), Value::Object(marker));
    put(
        &mut value,
        "agg_time_dimension",
        sm.agg_time_dimension.clone(),
    );
    let mut columns: Vec<Map<String, Value>> = Vec::new();
    let mut derived_entities = Vec::new();
    let mut derived_dimensions = Vec::new();
    let column = |columns: &mut Vec<Map<String, Value>>, name: &str| -> usize {
        match columns
            .iter()
            .position(|c| c.get("name") == Some(&json!(name)))
        {
            Some(i) => i,
            None => {
                let mut c = Map::new();
                c.insert("name".into(), json!(name));
                columns.push(c);
                columns.len() - 1
            }
        }
    };
    for e in &sm.entities {
        let col = match e.expr.as_deref() {
            None => Some(e.name.clone()),
            Some(x) if is_column(x) => Some(x.trim().to_string()),
            Some(_) => None,
        };
        let taken = col.as_deref().is_some_and(|c| {
            columns
                .iter()
                .any(|m| m.get("name") == Some(&json!(c)) && m.contains_key("entity"))
        });
        match col {
            Some(c) if !taken => {
                let i = column(&mut columns, &c);
                let mut entity = Map::new();
                entity.insert("type".into(), to_json(&e.entity_type));
                if e.name != c {
                    entity.insert("name".into(), json!(e.name));
                }
                columns[i].insert("entity".into(), Value::Object(entity));
            }
            _ => {
                let mut d = Map::new();
                d.insert("name".into(), json!(e.name));
                d.insert("type".into(), to_json(&e.entity_type));
                d.insert(
                    "expr".into(),
                    json!(e.expr.clone().unwrap_or_else(|| e.name.clone())),
                );
                derived_entities.push(Value::Object(d));
            }
        }
    }
    for dim in &sm.dimensions {
        let col = match dim.expr.as_deref() {
            None => Some(dim.name.clone()),
            Some(x) if is_column(x) => Some(x.trim().to_string()),
            Some(_) => None,
        };
        let taken = col.as_deref().is_some_and(|c| {
            columns.iter().any(|m| {
                m.get("name") == Some(&json!(c))
                    && (m.contains_key("dimension") || m.contains_key("granularity"))
            })
        });
        let type_name = match dim.dimension_type {
            DimensionType::Categorical => "categorical",
            DimensionType::Time { .. } => "time",
        };
        match col {
            Some(c) if !taken => {
                let i = column(&mut columns, &c);
                let mut d = Map::new();
                d.insert("type".into(), json!(type_name));
                if dim.name != c {
                    d.insert("name".into(), json!(dim.name));
                }
                put(&mut d, "label", dim.label.clone());
                if let DimensionType::Time { granularity } = dim.dimension_type {
                    columns[i].insert("granularity".into(), to_json(&granularity));
                }
                columns[i].insert("dimension".into(), Value::Object(d));
            }
            _ => {
                let mut d = Map::new();
                d.insert("name".into(), json!(dim.name));
                d.insert("type".into(), json!(type_name));
                d.insert(
                    "expr".into(),
                    json!(dim.expr.clone().unwrap_or_else(|| dim.name.clone())),
                );
                put(&mut d, "label", dim.label.clone());
                if let DimensionType::Time { granularity } = dim.dimension_type {
                    d.insert("granularity".into(), to_json(&granularity));
                }
                derived_dimensions.push(Value::Object(d));
            }
        }
    }
    // Columns whose semantic keys the repo has and the tool dropped: named, so that only
    // those keys are removed (never the customer's column entry).
    for name in repo.semantic_columns.get(&sm.model).into_iter().flatten() {
        column(&mut columns, name);
    }
    if !columns.is_empty() {
        value.insert(
            "columns".into(),
            Value::Array(columns.into_iter().map(Value::Object).collect()),
        );
    }
    if !derived_entities.is_empty() || !derived_dimensions.is_empty() {
        let mut d = Map::new();
        if !derived_dimensions.is_empty() {
            d.insert("dimensions".into(), Value::Array(derived_dimensions));
        }
        if !derived_entities.is_empty() {
            d.insert("entities".into(), Value::Array(derived_entities));
        }
        value.insert("derived_semantics".into(), Value::Object(d));
    }
    value
}
