//! Resource states (either spec) → BI objects: each state is read on its own into pieces, then
//! the pieces are resolved against each other (a legacy metric's measure lives in a semantic
//! model; an embedded metric's semantic model is its model's).

use std::collections::BTreeMap;

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::encode::to_desired;
use super::repo::RepoInfo;
use super::text::unescape;
use super::{
    Agg, BiError, BiObjects, Calculation, Dashboard, DashboardInput, Dimension, DimensionType,
    Entity, Granularity, Maturity, Metric, MetricInput, MetricType, Owner, SavedQuery,
    SemanticModel, Transform, TransformColumn,
};
use crate::VendorChange;

/// A measure of a legacy semantic model.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct Measure {
    name: String,
    agg: Agg,
    expr: Option<String>,
    percentile: Option<f64>,
    discrete: bool,
}

/// What a metric still needs from other pieces.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Pending {
    Nothing,
    /// Legacy simple: the measure it reads.
    Measure(String),
    /// Legacy cumulative and conversion: inputs named by measure.
    MeasureInputs,
    /// Embedded simple: the model whose entry declares it.
    Model(String),
}

/// What one state holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    SemanticModel(SemanticModel, Vec<Measure>),
    Metric(Metric, Pending),
    SavedQuery(SavedQuery),
    Dashboard(Dashboard),
    Transform(Transform),
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(unescape)
}

fn raw(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse<T: DeserializeOwned>(v: Option<&Value>) -> Option<T> {
    serde_json::from_value(v?.clone()).ok()
}

fn name_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        other => raw(other, "name"),
    }
}

fn metric_input(v: &Value) -> Option<MetricInput> {
    Some(MetricInput {
        name: name_of(v)?,
        filter: raw(v, "filter"),
        alias: raw(v, "alias"),
        offset_window: raw(v, "offset_window"),
        offset_to_grain: raw(v, "offset_to_grain"),
    })
}

/// `ref('orders')` → `orders`.
fn ref_name(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix("ref(")?.strip_suffix(')')?;
    let last = inner.split(',').next_back()?.trim();
    Some(last.trim_matches(|c| c == '\'' || c == '"').to_string())
}

/// A column's entity and dimension (model-embedded spec), ids left empty.
pub(crate) fn column_meaning(col: &Value) -> (Option<Entity>, Option<Dimension>) {
    let Some(name) = raw(col, "name") else {
        return (None, None);
    };
    let entity = col.get("entity").and_then(|e| {
        let (kind, ename) = match e {
            Value::String(s) => (parse(Some(&Value::String(s.clone())))?, None),
            other => (parse(other.get("type"))?, raw(other, "name")),
        };
        let ename = ename.unwrap_or(name.clone());
        Some(Entity {
            id: String::new(),
            expr: (ename != name).then(|| name.clone()),
            name: ename,
            entity_type: kind,
            description: None,
        })
    });
    let dimension = col.get("dimension").and_then(|d| {
        let (kind, dname, label) = match d {
            Value::String(s) => (s.clone(), None, None),
            other => (
                raw(other, "type")?,
                raw(other, "name"),
                text(other, "label"),
            ),
        };
        let dname = dname.unwrap_or(name.clone());
        let dimension_type = match kind.as_str() {
            "time" => DimensionType::Time {
                granularity: parse(col.get("granularity"))
                    .or_else(|| parse(d.get("granularity")))
                    .unwrap_or(Granularity::Day),
            },
            _ => DimensionType::Categorical,
        };
        Some(Dimension {
            id: String::new(),
            expr: (dname != name).then(|| name.clone()),
            name: dname,
            dimension_type,
            label,
            description: None,
        })
    });
    (entity, dimension)
}

pub(crate) fn legacy_entity(v: &Value) -> Option<Entity> {
    Some(Entity {
        id: String::new(),
        name: raw(v, "name")?,
        entity_type: parse(v.get("type"))?,
        expr: raw(v, "expr"),
        description: text(v, "description"),
    })
}

pub(crate) fn legacy_dimension(v: &Value) -> Option<Dimension> {
    let dimension_type = match raw(v, "type")?.as_str() {
        "time" => DimensionType::Time {
            granularity: parse(v.get("type_params").and_then(|p| p.get("time_granularity")))
                .unwrap_or(Granularity::Day),
        },
        _ => DimensionType::Categorical,
    };
    Some(Dimension {
        id: String::new(),
        name: raw(v, "name")?,
        dimension_type,
        expr: raw(v, "expr"),
        label: text(v, "label"),
        description: text(v, "description"),
    })
}

pub(crate) fn measure(v: &Value) -> Option<Measure> {
    let params = v.get("agg_params");
    Some(Measure {
        name: raw(v, "name")?,
        agg: parse(v.get("agg"))?,
        expr: raw(v, "expr"),
        percentile: params
            .and_then(|p| p.get("percentile"))
            .and_then(Value::as_f64),
        discrete: params.and_then(|p| p.get("use_discrete_percentile")) == Some(&Value::Bool(true)),
    })
}

fn list<T>(v: Option<&Value>, f: impl Fn(&Value) -> Option<T>) -> Vec<T> {
    v.and_then(Value::as_array)
        .map(|items| items.iter().filter_map(f).collect())
        .unwrap_or_default()
}

/// The pieces one state holds (nothing for what is not a BI object: a time spine, a model
/// without a semantic model, the marker of an embedded semantic model).
pub(crate) fn piece(id: &str, state: &ResourceState) -> Vec<Piece> {
    let v = &state.value;
    match state.kind {
        ResourceKind::SemanticModel => {
            let Some(model) = v.get("model").and_then(Value::as_str).and_then(ref_name) else {
                return vec![];
            };
            let sm = SemanticModel {
                id: id.to_string(),
                name: state.name.clone(),
                model,
                description: text(v, "description"),
                label: text(v, "label"),
                agg_time_dimension: v.get("defaults").and_then(|d| raw(d, "agg_time_dimension")),
                entities: list(v.get("entities"), legacy_entity),
                dimensions: list(v.get("dimensions"), legacy_dimension),
            };
            vec![Piece::SemanticModel(sm, list(v.get("measures"), measure))]
        }
        ResourceKind::Model => {
            let mut out = Vec::new();
            if v.get("time_spine").is_some() {
                return out;
            }
            if let Some(sql) = v.get("sql").and_then(Value::as_str) {
                let dir = state
                    .file
                    .as_deref()
                    .and_then(|f| f.rsplit_once('/'))
                    .map(|(d, _)| d)
                    .unwrap_or_default();
                let folder = dir
                    .split_once('/')
                    .map(|(_, rest)| rest)
                    .unwrap_or_default();
                out.push(Piece::Transform(Transform {
                    id: id.to_string(),
                    name: state.name.clone(),
                    folder: folder.to_string(),
                    sql: sql.to_string(),
                    description: text(v, "description"),
                    columns: list(v.get("columns"), |c| {
                        let description = text(c, "description");
                        description.as_ref()?;
                        Some(TransformColumn {
                            name: raw(c, "name")?,
                            description,
                        })
                    }),
                    owner: v
                        .get("config")
                        .and_then(|c| c.get("meta"))
                        .and_then(|m| text(m, "owner")),
                }));
            }
            let (on, name) = match v.get("semantic_model") {
                Some(Value::Bool(b)) => (*b, None),
                Some(m @ Value::Object(_)) => (
                    m.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                    raw(m, "name"),
                ),
                _ => (false, None),
            };
            if on {
                let mut entities = Vec::new();
                let mut dimensions = Vec::new();
                for col in v
                    .get("columns")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let (e, d) = column_meaning(col);
                    entities.extend(e);
                    dimensions.extend(d);
                }
                let derived = v.get("derived_semantics");
                for d in list(derived.and_then(|d| d.get("dimensions")), |d| {
                    let mut dim = legacy_dimension(d)?;
                    if let DimensionType::Time { granularity } = &mut dim.dimension_type
                        && let Some(g) = parse(d.get("granularity"))
                    {
                        *granularity = g;
                    }
                    Some(dim)
                }) {
                    dimensions.push(d);
                }
                entities.extend(list(derived.and_then(|d| d.get("entities")), legacy_entity));
                out.push(Piece::SemanticModel(
                    SemanticModel {
                        id: id.to_string(),
                        name: name.unwrap_or(state.name.clone()),
                        model: state.name.clone(),
                        description: None,
                        label: None,
                        agg_time_dimension: raw(v, "agg_time_dimension"),
                        entities,
                        dimensions,
                    },
                    vec![],
                ));
            }
            out
        }
        ResourceKind::Metric => metric(id, state).into_iter().collect(),
        ResourceKind::SavedQuery => {
            let params = v.get("query_params");
            let strings = |key: &str| -> Vec<String> {
                match params.and_then(|p| p.get(key)) {
                    Some(Value::String(s)) => vec![s.clone()],
                    other => list(other, |x| x.as_str().map(str::to_string)),
                }
            };
            vec![Piece::SavedQuery(SavedQuery {
                id: id.to_string(),
                name: state.name.clone(),
                label: text(v, "label"),
                description: text(v, "description"),
                metrics: strings("metrics"),
                group_by: strings("group_by"),
                filters: strings("where"),
            })]
        }
        ResourceKind::Exposure => {
            let owner = v.get("owner");
            vec![Piece::Dashboard(Dashboard {
                id: id.to_string(),
                name: state.name.clone(),
                label: text(v, "label"),
                description: text(v, "description"),
                url: text(v, "url"),
                maturity: parse::<Maturity>(v.get("maturity")),
                owner: Owner {
                    name: owner.and_then(|o| text(o, "name")),
                    email: owner.and_then(|o| text(o, "email")),
                },
                depends_on: list(v.get("depends_on"), |d| dashboard_input(d.as_str()?)),
            })]
        }
        _ => vec![],
    }
}

fn dashboard_input(text: &str) -> Option<DashboardInput> {
    let text = text.trim();
    let args = |prefix: &str| -> Option<Vec<String>> {
        let inner = text.strip_prefix(prefix)?.strip_suffix(')')?;
        Some(
            inner
                .split(',')
                .map(|a| a.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
                .collect(),
        )
    };
    if let Some(a) = args("metric(") {
        return Some(DashboardInput::Metric(a.last()?.clone()));
    }
    if let Some(a) = args("ref(") {
        return Some(DashboardInput::Model(a.last()?.clone()));
    }
    match args("source(")?.as_slice() {
        [s, t] => Some(DashboardInput::Source(s.clone(), t.clone())),
        _ => None,
    }
}

fn metric(id: &str, state: &ResourceState) -> Option<Piece> {
    let v = &state.value;
    // A metric a legacy measure declares (`create_metric: true`) belongs to its semantic model.
    if v.get("create_metric").is_some() || v.get("agg_params").is_some() {
        return None;
    }
    let kind = raw(v, "type").unwrap_or_else(|| "simple".into());
    let mut label = text(v, "label");
    let (metric_type, pending) = match v.get("type_params") {
        Some(p) => {
            // Legacy: a label is required, so one equal to the name stands for none.
            if label.as_deref() == Some(state.name.as_str()) {
                label = None;
            }
            legacy_type(&kind, p)?
        }
        None => v2_type(&kind, v, state.file.as_deref())?,
    };
    Some(Piece::Metric(
        Metric {
            id: id.to_string(),
            name: state.name.clone(),
            label,
            description: text(v, "description"),
            filter: raw(v, "filter"),
            metric_type,
        },
        pending,
    ))
}

fn legacy_type(kind: &str, p: &Value) -> Option<(MetricType, Pending)> {
    Some(match kind {
        "simple" => {
            let m = p.get("measure")?;
            (
                MetricType::Simple {
                    semantic_model: String::new(),
                    agg: Agg::Sum,
                    expr: None,
                    percentile: None,
                    discrete_percentile: false,
                    fill_nulls_with: m.get("fill_nulls_with").and_then(Value::as_i64),
                    join_to_timespine: m.get("join_to_timespine") == Some(&Value::Bool(true)),
                    measure: None,
                },
                Pending::Measure(name_of(m)?),
            )
        }
        "ratio" => (
            MetricType::Ratio {
                numerator: metric_input(p.get("numerator")?)?,
                denominator: metric_input(p.get("denominator")?)?,
            },
            Pending::Nothing,
        ),
        "derived" => (
            MetricType::Derived {
                expr: raw(p, "expr")?,
                inputs: list(p.get("metrics"), metric_input),
            },
            Pending::Nothing,
        ),
        "cumulative" => {
            let c = p.get("cumulative_type_params").unwrap_or(p);
            (
                MetricType::Cumulative {
                    input: name_of(p.get("measure")?)?,
                    window: raw(c, "window"),
                    grain_to_date: raw(c, "grain_to_date"),
                    period_agg: parse(c.get("period_agg")),
                },
                Pending::MeasureInputs,
            )
        }
        "conversion" => {
            let c = p.get("conversion_type_params")?;
            (
                MetricType::Conversion {
                    entity: raw(c, "entity")?,
                    calculation: parse(c.get("calculation")).unwrap_or(Calculation::ConversionRate),
                    base: name_of(c.get("base_measure")?)?,
                    conversion: name_of(c.get("conversion_measure")?)?,
                    window: raw(c, "window"),
                },
                Pending::MeasureInputs,
            )
        }
        _ => return None,
    })
}

fn v2_type(kind: &str, v: &Value, file: Option<&str>) -> Option<(MetricType, Pending)> {
    Some(match kind {
        "simple" => {
            let model = file
                .and_then(|f| f.split_once('#'))
                .map(|(_, m)| m.to_string());
            (
                MetricType::Simple {
                    semantic_model: String::new(),
                    agg: parse(v.get("agg"))?,
                    expr: raw(v, "expr"),
                    percentile: v.get("percentile").and_then(Value::as_f64),
                    discrete_percentile: raw(v, "percentile_type").as_deref() == Some("discrete"),
                    fill_nulls_with: v.get("fill_nulls_with").and_then(Value::as_i64),
                    join_to_timespine: v.get("join_to_timespine") == Some(&Value::Bool(true)),
                    measure: None,
                },
                model.map(Pending::Model).unwrap_or(Pending::Nothing),
            )
        }
        "ratio" => (
            MetricType::Ratio {
                numerator: metric_input(v.get("numerator")?)?,
                denominator: metric_input(v.get("denominator")?)?,
            },
            Pending::Nothing,
        ),
        "derived" => (
            MetricType::Derived {
                expr: raw(v, "expr")?,
                inputs: list(v.get("input_metrics"), metric_input),
            },
            Pending::Nothing,
        ),
        "cumulative" => (
            MetricType::Cumulative {
                input: name_of(v.get("input_metric")?)?,
                window: raw(v, "window"),
                grain_to_date: raw(v, "grain_to_date"),
                period_agg: parse(v.get("period_agg")),
            },
            Pending::Nothing,
        ),
        "conversion" => (
            MetricType::Conversion {
                entity: raw(v, "entity")?,
                calculation: parse(v.get("calculation")).unwrap_or(Calculation::ConversionRate),
                base: name_of(v.get("base_metric")?)?,
                conversion: name_of(v.get("conversion_metric")?)?,
                window: raw(v, "window"),
            },
            Pending::Nothing,
        ),
        _ => return None,
    })
}

/// The BI objects `states` hold (vendor id and state, as [`to_desired`] gives them or
/// [`crate::SyncSession::pull`] reports them), in either spec. Ids of entities and
/// dimensions, which the repo does not keep, come from `known` (the tool's objects before),
/// matched by name; new ones get `<semantic model id>.<name>`.
pub fn from_states(states: &[(String, ResourceState)], known: &BiObjects) -> BiObjects {
    let pieces: Vec<Piece> = states.iter().flat_map(|(id, s)| piece(id, s)).collect();
    let mut measures: BTreeMap<String, (String, Measure)> = BTreeMap::new();
    let mut model_to_sm: BTreeMap<String, String> = BTreeMap::new();
    let mut out = BiObjects::default();
    for p in &pieces {
        match p {
            Piece::SemanticModel(sm, ms) => {
                model_to_sm.insert(sm.model.clone(), sm.name.clone());
                for m in ms {
                    measures.insert(m.name.clone(), (sm.name.clone(), m.clone()));
                }
            }
            Piece::Transform(t) => {
                let mut t = t.clone();
                if let Some(k) = known.transforms.iter().find(|k| k.id == t.id) {
                    t.folder = k.folder.clone();
                }
                out.transforms.push(t);
            }
            Piece::SavedQuery(q) => out.saved_queries.push(q.clone()),
            Piece::Dashboard(d) => out.dashboards.push(d.clone()),
            Piece::Metric(..) => {}
        }
    }
    for p in &pieces {
        if let Piece::SemanticModel(sm, _) = p {
            let mut sm = sm.clone();
            // A semantic model on the tool's own transform shares its resource (and id).
            let known_sm = known
                .semantic_models
                .iter()
                .find(|k| k.id == sm.id)
                .or_else(|| known.semantic_models.iter().find(|k| k.model == sm.model));
            if out.transforms.iter().any(|t| t.id == sm.id) {
                sm.id = known_sm
                    .map(|k| k.id.clone())
                    .unwrap_or_else(|| format!("{}.semantic_model", sm.id));
            }
            for e in &mut sm.entities {
                e.id = known_sm
                    .and_then(|k| k.entities.iter().find(|x| x.name == e.name))
                    .map(|x| x.id.clone())
                    .unwrap_or_else(|| format!("{}.{}", sm.id, e.name));
            }
            for d in &mut sm.dimensions {
                d.id = known_sm
                    .and_then(|k| k.dimensions.iter().find(|x| x.name == d.name))
                    .map(|x| x.id.clone())
                    .unwrap_or_else(|| format!("{}.{}", sm.id, d.name));
            }
            out.semantic_models.push(sm);
        }
    }
    // Legacy inputs are measures: the simple metric reading each stands for it.
    let mut metric_of_measure: BTreeMap<String, String> = BTreeMap::new();
    for p in &pieces {
        if let Piece::Metric(m, Pending::Measure(measure)) = p {
            let entry = metric_of_measure
                .entry(measure.clone())
                .or_insert(m.name.clone());
            if m.name == *measure {
                *entry = m.name.clone();
            }
        }
    }
    let input_metric = |name: &str| metric_of_measure.get(name).cloned().unwrap_or(name.into());
    for p in &pieces {
        let Piece::Metric(m, pending) = p else {
            continue;
        };
        let mut m = m.clone();
        match (pending, &mut m.metric_type) {
            (
                Pending::Measure(name),
                MetricType::Simple {
                    semantic_model,
                    agg,
                    expr,
                    percentile,
                    discrete_percentile,
                    measure,
                    ..
                },
            ) => {
                if let Some((sm, found)) = measures.get(name) {
                    *semantic_model = sm.clone();
                    *agg = found.agg;
                    *expr = found.expr.clone();
                    *percentile = found.percentile;
                    *discrete_percentile = found.discrete;
                }
                if *name != m.name {
                    *measure = Some(name.clone());
                }
            }
            (Pending::Model(model), MetricType::Simple { semantic_model, .. }) => {
                *semantic_model = model_to_sm.get(model).cloned().unwrap_or(model.clone());
            }
            (Pending::MeasureInputs, MetricType::Cumulative { input, .. }) => {
                *input = input_metric(input);
            }
            (
                Pending::MeasureInputs,
                MetricType::Conversion {
                    base, conversion, ..
                },
            ) => {
                *base = input_metric(base);
                *conversion = input_metric(conversion);
            }
            _ => {}
        }
        out.metrics.push(m);
    }
    out
}

/// The tool's objects after the repo's changes (from [`crate::SyncSession::pull`] or a plan's
/// `vendor_changes`): updates and deletions of its own objects, and objects written by hand
/// in the repo (`Created`, under the id the change suggests).
pub fn apply_changes(
    objects: &BiObjects,
    repo: &RepoInfo,
    changes: &[VendorChange],
) -> Result<BiObjects, BiError> {
    let mut states: Vec<(String, ResourceState)> = to_desired(objects, repo)?
        .into_iter()
        .map(|d| (d.id, d.state))
        .collect();
    for change in changes {
        match change {
            VendorChange::Created { id, state, .. } => {
                if !states.iter().any(|(i, _)| i == id) {
                    states.push((id.clone(), state.clone()));
                }
            }
            VendorChange::Updated { id, state, .. } => {
                match states.iter_mut().find(|(i, _)| i == id) {
                    Some((_, s)) => *s = state.clone(),
                    None => states.push((id.clone(), state.clone())),
                }
            }
            VendorChange::Deleted { id, .. } => states.retain(|(i, _)| i != id),
        }
    }
    Ok(from_states(&states, objects))
}
