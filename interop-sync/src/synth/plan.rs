//! Decides the shape of a generated project (which sources, models, columns, tests and metrics
//! exist) before anything is rendered to text. Every choice comes from the seeded [`Rng`].

use std::collections::BTreeSet;

use super::SynthOptions;
use super::names::{
    self, CATEGORIES, Category, DOMAINS, INT_VERBS, MART_QUALIFIERS, SYSTEMS, System,
    TEXT_SUFFIXES, TIMESTAMPS,
};
use super::rng::Rng;

/// Name of the time spine model that every semantic model relies on.
pub(crate) const TIME_SPINE: &str = "metricflow_time_spine";

/// Amount column names (the raw column is `<name>_cents`).
const AMOUNTS: &[&str] = &[
    "amount",
    "total_amount",
    "net_amount",
    "fee_amount",
    "unit_price",
];

/// Everything a generated project contains, before rendering.
pub(crate) struct Plan {
    pub project: String,
    pub sources: Vec<SourcePlan>,
    pub models: Vec<ModelPlan>,
}

/// One source system (one `_<source>__sources.yml`).
pub(crate) struct SourcePlan {
    pub name: String,
    pub system: &'static System,
    pub tables: Vec<TablePlan>,
    /// Whether the source declares freshness (the others leave it to the platform team).
    pub freshness: bool,
}

/// One raw table of a source, with the columns the extract has.
pub(crate) struct TablePlan {
    pub name: String,
    pub category: &'static Category,
    pub timestamp: &'static str,
    pub amount: &'static str,
    pub text: Option<&'static str>,
    pub rows: usize,
}

/// Where a model sits in the DAG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layer {
    /// `stg_<source>__<table>`, selecting from one source table.
    Staging { source: usize, table: usize },
    /// `int_<entities>_<verb>`.
    Intermediate,
    /// `fct_*` / `dim_*`.
    Mart,
    /// The MetricFlow time spine.
    TimeSpine,
}

/// One SQL model and its properties.
pub(crate) struct ModelPlan {
    pub name: String,
    /// Folder below `models/`, e.g. `staging/stripe` or `marts/finance`.
    pub dir: String,
    pub layer: Layer,
    pub domain: Option<usize>,
    /// Singular business entity, e.g. `order`.
    pub entity: String,
    /// Parent models, main parent first (empty for staging models and the time spine).
    pub parents: Vec<usize>,
    pub columns: Vec<ColumnPlan>,
    pub description: String,
    pub semantic: Option<SemanticPlan>,
}

impl ModelPlan {
    /// The primary key column (always the first column).
    pub(crate) fn key(&self) -> &ColumnPlan {
        &self.columns[0]
    }

    /// The first column of the given kind, if any.
    pub(crate) fn column(&self, pred: impl Fn(&ColumnKind) -> bool) -> Option<&ColumnPlan> {
        self.columns.iter().find(|c| pred(&c.kind))
    }
}

/// What a column holds; decides its SQL, tests and semantic role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Key,
    Foreign { parent: usize, field: String },
    Time { verb: &'static str },
    Category(&'static [&'static str]),
    Amount,
    Text,
    Flag,
    Day,
}

/// One column: name, SQL expression (without alias) and its tests.
pub(crate) struct ColumnPlan {
    pub name: String,
    pub kind: ColumnKind,
    pub expr: String,
    pub description: String,
    pub accepted_values: bool,
    pub relationship: bool,
}

/// The semantic model embedded in a mart and its metrics.
pub(crate) struct SemanticPlan {
    /// `(column, entity name)` of foreign keys whose parent also has a semantic model.
    pub foreign_entities: Vec<(String, String)>,
    pub metrics: Vec<MetricPlan>,
}

/// A metric, in the dbt 1.12 model-embedded spec.
pub(crate) enum MetricPlan {
    Simple {
        name: String,
        label: String,
        agg: &'static str,
        expr: String,
        filter: Option<String>,
    },
    Ratio {
        name: String,
        label: String,
        numerator: String,
        denominator: String,
    },
    Cumulative {
        name: String,
        label: String,
        input: String,
        window: Option<&'static str>,
        grain_to_date: Option<&'static str>,
    },
    /// Top-level (cross-model) metric: a period-over-period change.
    Derived {
        name: String,
        label: String,
        input: String,
        offset: &'static str,
    },
}

impl MetricPlan {
    pub(crate) fn name(&self) -> &str {
        match self {
            MetricPlan::Simple { name, .. }
            | MetricPlan::Ratio { name, .. }
            | MetricPlan::Cumulative { name, .. }
            | MetricPlan::Derived { name, .. } => name,
        }
    }
}

/// How many models of each layer a project of `options` gets.
struct Counts {
    staging: usize,
    intermediate: usize,
    marts: usize,
    time_spine: bool,
}

fn counts(options: &SynthOptions, sources: usize) -> Counts {
    let n = options.models;
    let time_spine = options.semantic_models > 0 && n >= 3;
    let rest = n - usize::from(time_spine);
    if rest == 0 {
        return Counts {
            staging: 0,
            intermediate: 0,
            marts: 0,
            time_spine,
        };
    }
    let mut staging = (rest * 3).div_ceil(10).max(sources.min(rest)).min(rest);
    if time_spine {
        // Leave room for at least one mart to carry a semantic model.
        staging = staging.min(rest - 1);
    }
    let remaining = rest - staging;
    let marts = (remaining * 6)
        .div_ceil(10)
        .max(options.semantic_models.min(remaining));
    Counts {
        staging,
        intermediate: remaining - marts,
        marts,
        time_spine,
    }
}

/// A dbt project name made from `name`: lower-case ASCII letters, digits and `_`, not starting
/// with a digit, never empty.
pub(crate) fn project_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "project_");
    }
    out
}

/// Builds the plan for `options`.
pub(crate) fn plan(options: &SynthOptions) -> Plan {
    let mut rng = Rng::new(options.seed);
    let source_count = if options.models > 0 {
        options.sources.max(1)
    } else {
        options.sources
    };
    let counts = counts(options, source_count);
    let mut taken: BTreeSet<String> = BTreeSet::new();
    taken.insert(TIME_SPINE.to_string());

    let mut sources: Vec<SourcePlan> = (0..source_count)
        .map(|i| {
            let system = &SYSTEMS[i % SYSTEMS.len()];
            let round = i / SYSTEMS.len();
            let name = if round == 0 {
                system.name.to_string()
            } else {
                format!("{}_{}", system.name, round + 1)
            };
            SourcePlan {
                name,
                system,
                tables: Vec::new(),
                freshness: rng.chance(70),
            }
        })
        .collect();

    let mut models: Vec<ModelPlan> = Vec::with_capacity(options.models);
    for j in 0..counts.staging {
        let s = j % source_count;
        let index = j / source_count;
        models.push(staging_model(
            &mut rng,
            &mut sources[s],
            s,
            index,
            &mut taken,
        ));
    }
    // Sources that no staging model reads still declare one table.
    for source in &mut sources {
        if source.tables.is_empty() {
            source
                .tables
                .push(raw_table(&mut rng, source.system.tables[0].to_string()));
        }
    }

    let business = counts.intermediate + counts.marts;
    let domain_count = business.div_ceil(12).clamp(1, DOMAINS.len());
    for _ in 0..counts.intermediate {
        let model = downstream_model(
            &mut rng,
            &models,
            Layer::Intermediate,
            domain_count,
            &mut taken,
        );
        models.push(model);
    }
    let first_mart = models.len();
    for _ in 0..counts.marts {
        let model = downstream_model(&mut rng, &models, Layer::Mart, domain_count, &mut taken);
        models.push(model);
    }
    if counts.time_spine {
        models.push(time_spine());
    }

    // Semantic models go on marts spread evenly over the marts (so over domains, too).
    // Without a time spine (too few models) MetricFlow would reject any semantic model.
    let semantic = if counts.time_spine {
        options.semantic_models.min(counts.marts)
    } else {
        0
    };
    let mut with_semantics: Vec<usize> = (0..semantic)
        .map(|k| first_mart + k * counts.marts / semantic.max(1))
        .collect();
    with_semantics.dedup();
    let chosen: BTreeSet<usize> = with_semantics.iter().copied().collect();
    for &m in &with_semantics {
        let plan = semantic_plan(&models, m, &chosen, options.metrics_per_semantic_model);
        models[m].semantic = Some(plan);
    }

    Plan {
        project: project_name(&options.name),
        sources,
        models,
    }
}

fn raw_table(rng: &mut Rng, name: String) -> TablePlan {
    TablePlan {
        name,
        category: rng.pick(CATEGORIES),
        timestamp: rng.pick(TIMESTAMPS).0,
        amount: AMOUNTS[rng.below(AMOUNTS.len())],
        text: if rng.chance(60) {
            Some(*rng.pick(TEXT_SUFFIXES))
        } else {
            None
        },
        rows: rng.range(8, 24),
    }
}

fn staging_model(
    rng: &mut Rng,
    source: &mut SourcePlan,
    source_index: usize,
    index: usize,
    taken: &mut BTreeSet<String>,
) -> ModelPlan {
    let tables = source.system.tables;
    let base = tables[index % tables.len()];
    let round = index / tables.len();
    let (table_name, entity) = if round == 0 {
        (base.to_string(), names::singular(base))
    } else {
        (
            format!("{base}_{}", round + 1),
            format!("{}_{}", names::singular(base), round + 1),
        )
    };
    let table = raw_table(rng, table_name);
    let name = format!("stg_{}__{}", source.name, table.name);
    taken.insert(name.clone());
    let title = source.system.title;
    let entity_words = names::words(&entity);
    let verb = TIMESTAMPS
        .iter()
        .find(|t| t.0 == table.timestamp)
        .map_or("created", |t| t.1);

    let mut columns = vec![
        ColumnPlan {
            name: format!("{entity}_id"),
            kind: ColumnKind::Key,
            expr: "cast(id as integer)".to_string(),
            description: format!("Primary key: the {entity_words} id in {title}."),
            accepted_values: false,
            relationship: false,
        },
        ColumnPlan {
            name: table.category.name.to_string(),
            kind: ColumnKind::Category(table.category.values),
            expr: format!("lower({})", table.category.name),
            description: format!(
                "{} of the {entity_words}, lower-cased: {}.",
                capitalise(table.category.name),
                table.category.values.join(", ")
            ),
            accepted_values: rng.chance(50),
            relationship: false,
        },
        ColumnPlan {
            name: table.timestamp.to_string(),
            kind: ColumnKind::Time { verb },
            expr: format!("cast({} as timestamp)", table.timestamp),
            description: format!("When the {entity_words} was {verb} (UTC)."),
            accepted_values: false,
            relationship: false,
        },
        ColumnPlan {
            name: table.amount.to_string(),
            kind: ColumnKind::Amount,
            expr: format!("cast({}_cents / 100.0 as numeric(16, 2))", table.amount),
            description: format!(
                "{} in the reporting currency (source stores cents).",
                capitalise(&names::words(table.amount))
            ),
            accepted_values: false,
            relationship: false,
        },
    ];
    if let Some(suffix) = table.text {
        columns.push(ColumnPlan {
            name: format!("{entity}_{suffix}"),
            kind: ColumnKind::Text,
            expr: format!("trim({suffix})"),
            description: format!("{} of the {entity_words}, trimmed.", capitalise(suffix)),
            accepted_values: false,
            relationship: false,
        });
    }
    source.tables.push(table);
    let table_index = source.tables.len() - 1;
    let table = &source.tables[table_index];
    ModelPlan {
        description: format!(
            "Staged `{}` records from {title}: one row per {entity_words}, typed and renamed, \
             amounts converted from cents.",
            table.name
        ),
        name,
        dir: format!("staging/{}", source.name),
        layer: Layer::Staging {
            source: source_index,
            table: table_index,
        },
        domain: None,
        entity,
        parents: Vec::new(),
        columns,
        semantic: None,
    }
}

fn downstream_model(
    rng: &mut Rng,
    models: &[ModelPlan],
    layer: Layer,
    domain_count: usize,
    taken: &mut BTreeSet<String>,
) -> ModelPlan {
    let domain_index = rng.below(domain_count);
    let domain = &DOMAINS[domain_index];
    let entity = (*rng.pick(domain.entities)).to_string();
    let entities = names::plural(&entity);

    let (name, dir) = match layer {
        Layer::Intermediate => {
            let start = rng.below(INT_VERBS.len());
            let candidates = (0..INT_VERBS.len()).map(|k| {
                format!(
                    "int_{entities}_{}",
                    INT_VERBS[(start + k) % INT_VERBS.len()]
                )
            });
            (
                unique_name(candidates, taken),
                format!("intermediate/{}", domain.name),
            )
        }
        _ => {
            let prefix = if rng.chance(35) { "dim" } else { "fct" };
            let start = rng.below(MART_QUALIFIERS.len());
            let candidates = std::iter::once(format!("{prefix}_{entities}")).chain(
                (0..MART_QUALIFIERS.len()).map(|k| {
                    let q = MART_QUALIFIERS[(start + k) % MART_QUALIFIERS.len()];
                    format!("{prefix}_{entities}_{q}")
                }),
            );
            (
                unique_name(candidates, taken),
                format!("marts/{}", domain.name),
            )
        }
    };

    // Parents: the main parent decides the grain; the others are joined on their keys.
    let staging: Vec<usize> = (0..models.len())
        .filter(|&i| matches!(models[i].layer, Layer::Staging { .. }))
        .collect();
    let intermediate: Vec<usize> = (0..models.len())
        .filter(|&i| models[i].layer == Layer::Intermediate)
        .collect();
    let main = if layer == Layer::Mart && !intermediate.is_empty() && rng.chance(70) {
        *rng.pick(&intermediate)
    } else {
        *rng.pick(&staging)
    };
    let wanted = 1 + rng.weighted(&[35, 35, 20, 10]);
    let mut parents = vec![main];
    let pool: Vec<usize> = (0..models.len()).filter(|&i| i != main).collect();
    let mut tries = 0;
    while parents.len() < wanted && parents.len() <= pool.len() && tries < 32 {
        tries += 1;
        let candidate = *rng.pick(&pool);
        if !parents.contains(&candidate) {
            parents.push(candidate);
        }
    }

    let entity_words = names::words(&entity);
    let p = &models[main];
    let mut columns: Vec<ColumnPlan> = Vec::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let key_name = format!("{entity}_id");
    used.insert(key_name.clone());
    columns.push(ColumnPlan {
        name: key_name,
        kind: ColumnKind::Key,
        expr: format!("{}.{}", p.name, p.key().name),
        description: format!(
            "Primary key: one row per {entity_words} (from `{}`).",
            p.name
        ),
        accepted_values: false,
        relationship: false,
    });
    for &q in &parents[1..] {
        let parent = &models[q];
        let base = parent.key().name.clone();
        let fk = if used.contains(&base) {
            unique_name(
                ["related_", "linked_", "source_"]
                    .iter()
                    .map(|pre| format!("{pre}{base}")),
                &mut used,
            )
        } else {
            base
        };
        used.insert(fk.clone());
        columns.push(ColumnPlan {
            name: fk,
            kind: ColumnKind::Foreign {
                parent: q,
                field: parent.key().name.clone(),
            },
            expr: format!("{}.{}", parent.name, parent.key().name),
            description: format!(
                "Foreign key to `{}`; null when there is no match.",
                parent.name
            ),
            accepted_values: false,
            relationship: rng.chance(50),
        });
    }
    for c in &p.columns {
        let keep = match c.kind {
            ColumnKind::Time { .. } | ColumnKind::Category(_) | ColumnKind::Amount => true,
            ColumnKind::Text => columns.len() < 6 && rng.chance(50),
            _ => false,
        };
        if keep && !used.contains(&c.name) {
            used.insert(c.name.clone());
            let description = match &c.kind {
                ColumnKind::Time { verb } => format!("When the {entity_words} was {verb} (UTC)."),
                ColumnKind::Category(values) => format!(
                    "{} carried over from `{}`: {}.",
                    capitalise(&c.name),
                    p.name,
                    values.join(", ")
                ),
                _ => c.description.clone(),
            };
            columns.push(ColumnPlan {
                name: c.name.clone(),
                kind: c.kind.clone(),
                expr: format!("{}.{}", p.name, c.name),
                description,
                accepted_values: matches!(c.kind, ColumnKind::Category(_)) && rng.chance(40),
                relationship: false,
            });
        }
    }
    if columns.len() < 8
        && rng.chance(45)
        && let Some(flag) = flag_column(rng, models, &columns, &entity)
        && used.insert(flag.name.clone())
    {
        columns.push(flag);
    }

    let others: Vec<String> = parents[1..]
        .iter()
        .map(|&q| format!("`{}`", models[q].name))
        .collect();
    let joined = if others.is_empty() {
        String::new()
    } else {
        format!(", joined to {}", others.join(", "))
    };
    let description = match layer {
        Layer::Intermediate => format!(
            "{} built from `{}`{joined}. Internal building block for the {} marts.",
            capitalise(&names::words(&entities)),
            p.name,
            domain.name
        ),
        _ if name.starts_with("dim_") => format!(
            "Dimension with one row per {entity_words}, built from `{}`{joined}.",
            p.name
        ),
        _ => format!(
            "Fact table with one row per {entity_words}, built from `{}`{joined}.",
            p.name
        ),
    };
    ModelPlan {
        name,
        dir,
        layer,
        domain: Some(domain_index),
        entity,
        parents,
        columns,
        description,
        semantic: None,
    }
}

/// A boolean column: "has a matching parent row" for a foreign key, or "is large" for an amount.
fn flag_column(
    rng: &mut Rng,
    models: &[ModelPlan],
    columns: &[ColumnPlan],
    entity: &str,
) -> Option<ColumnPlan> {
    let foreign = columns.iter().find_map(|c| match c.kind {
        ColumnKind::Foreign { parent, .. } => Some((c, &models[parent])),
        _ => None,
    });
    let amount = columns.iter().find(|c| c.kind == ColumnKind::Amount);
    let (name, expr, description) = match (foreign, amount) {
        (Some((column, parent)), _) if rng.chance(50) => (
            format!("has_{}", parent.entity),
            format!("{} is not null", column.expr),
            format!(
                "True when a matching {} exists in `{}`.",
                names::words(&parent.entity),
                parent.name
            ),
        ),
        (_, Some(amount)) => (
            format!("is_large_{entity}"),
            format!("{} >= 100", amount.expr),
            format!(
                "True for {} of 100 or more.",
                names::words(&names::plural(entity))
            ),
        ),
        _ => return None,
    };
    Some(ColumnPlan {
        name,
        kind: ColumnKind::Flag,
        expr,
        description,
        accepted_values: false,
        relationship: false,
    })
}

fn time_spine() -> ModelPlan {
    ModelPlan {
        name: TIME_SPINE.to_string(),
        dir: "utilities".to_string(),
        layer: Layer::TimeSpine,
        domain: None,
        entity: "day".to_string(),
        parents: Vec::new(),
        columns: vec![ColumnPlan {
            name: "date_day".to_string(),
            kind: ColumnKind::Day,
            expr: "cast(date_day as date)".to_string(),
            description: "Calendar day.".to_string(),
            accepted_values: false,
            relationship: false,
        }],
        description: "One row per calendar day; MetricFlow's time spine.".to_string(),
        semantic: None,
    }
}

fn semantic_plan(
    models: &[ModelPlan],
    m: usize,
    with_semantics: &BTreeSet<usize>,
    count: usize,
) -> SemanticPlan {
    let model = &models[m];
    let foreign_entities = model
        .columns
        .iter()
        .filter_map(|c| match &c.kind {
            ColumnKind::Foreign { parent, .. } if with_semantics.contains(parent) => {
                Some((c.name.clone(), models[*parent].name.clone()))
            }
            _ => None,
        })
        .collect();

    let base = &model.name;
    let title = model_title(&model.name);
    let key = model.key().name.clone();
    let amount = model
        .column(|k| *k == ColumnKind::Amount)
        .map_or("amount", |c| &c.name);
    let amount_words = names::words(amount);
    let category = model.column(|k| matches!(k, ColumnKind::Category(_)));
    let foreign = model.column(|k| matches!(k, ColumnKind::Foreign { .. }));
    let count_metric = format!("{base}_count");
    let sum_metric = format!("{base}_{amount}");

    let mut metrics: Vec<MetricPlan> = Vec::with_capacity(count);
    let mut k = 0;
    while metrics.len() < count {
        let metric = match k {
            0 => MetricPlan::Simple {
                name: count_metric.clone(),
                label: format!("{title}: count"),
                agg: "count",
                expr: key.clone(),
                filter: None,
            },
            1 => MetricPlan::Simple {
                name: sum_metric.clone(),
                label: format!("{title}: {amount_words}"),
                agg: "sum",
                expr: amount.to_string(),
                filter: None,
            },
            2 => MetricPlan::Ratio {
                name: format!("{base}_{amount}_per_{}", model.entity),
                label: format!(
                    "{title}: average {amount_words} per {}",
                    names::words(&model.entity)
                ),
                numerator: sum_metric.clone(),
                denominator: count_metric.clone(),
            },
            3 => MetricPlan::Cumulative {
                name: format!("{base}_{amount}_trailing_7d"),
                label: format!("{title}: {amount_words}, trailing 7 days"),
                input: sum_metric.clone(),
                window: Some("7 days"),
                grain_to_date: None,
            },
            4 => MetricPlan::Derived {
                name: format!("{base}_{amount}_growth_wow"),
                label: format!("{title}: {amount_words} growth, week over week"),
                input: sum_metric.clone(),
                offset: "1 week",
            },
            5 => MetricPlan::Cumulative {
                name: format!("{base}_{amount}_mtd"),
                label: format!("{title}: {amount_words}, month to date"),
                input: sum_metric.clone(),
                window: None,
                grain_to_date: Some("month"),
            },
            6 => match foreign {
                Some(f) => MetricPlan::Simple {
                    name: format!("{base}_distinct_{}", f.name),
                    label: format!("{title}: distinct {}", names::words(&f.name)),
                    agg: "count_distinct",
                    expr: f.name.clone(),
                    filter: None,
                },
                None => MetricPlan::Simple {
                    name: format!("{base}_max_{amount}"),
                    label: format!("{title}: largest {amount_words}"),
                    agg: "max",
                    expr: amount.to_string(),
                    filter: None,
                },
            },
            7 => simple_agg(&title, base, amount, "median"),
            8 => simple_agg(&title, base, amount, "min"),
            9 => simple_agg(&title, base, amount, "average"),
            _ => {
                // Filtered sums, one per category value, then numbered variants.
                let extra = k - 10;
                match category {
                    Some(ColumnPlan {
                        name: cat,
                        kind: ColumnKind::Category(values),
                        ..
                    }) if extra < values.len() => {
                        let value = values[extra];
                        MetricPlan::Simple {
                            name: format!("{base}_{amount}_{value}"),
                            label: format!("{title}: {amount_words} ({cat} {value})"),
                            agg: "sum",
                            expr: amount.to_string(),
                            filter: Some(format!(
                                "{{{{ Dimension('{base}__{cat}') }}}} = '{value}'"
                            )),
                        }
                    }
                    _ => MetricPlan::Simple {
                        name: format!("{base}_{amount}_variant_{}", extra + 1),
                        label: format!("{title}: {amount_words} (variant {})", extra + 1),
                        agg: "sum",
                        expr: amount.to_string(),
                        filter: None,
                    },
                }
            }
        };
        metrics.push(metric);
        k += 1;
    }
    SemanticPlan {
        foreign_entities,
        metrics,
    }
}

fn simple_agg(title: &str, base: &str, amount: &str, agg: &'static str) -> MetricPlan {
    MetricPlan::Simple {
        name: format!("{base}_{agg}_{amount}"),
        label: format!("{title}: {agg} {}", names::words(amount)),
        agg,
        expr: amount.to_string(),
        filter: None,
    }
}

/// The first candidate not in `taken` (or the first one with a numeric suffix), now taken.
fn unique_name(
    candidates: impl IntoIterator<Item = String>,
    taken: &mut BTreeSet<String>,
) -> String {
    let candidates: Vec<String> = candidates.into_iter().collect();
    let found = candidates
        .iter()
        .find(|c| !taken.contains(*c))
        .cloned()
        .unwrap_or_else(|| {
            let first = &candidates[0];
            (2..)
                .map(|n| format!("{first}_{n}"))
                .find(|c| !taken.contains(c))
                .unwrap_or_default()
        });
    taken.insert(found.clone());
    found
}

/// A human title for a mart, unique like its name: `fct_orders_daily` → `Orders daily`,
/// `dim_orders` → `Orders (dimension)`.
fn model_title(name: &str) -> String {
    match name.strip_prefix("dim_") {
        Some(rest) => format!("{} (dimension)", capitalise(&names::words(rest))),
        None => capitalise(&names::words(name.strip_prefix("fct_").unwrap_or(name))),
    }
}

/// `net amount` → `Net amount`.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(models: usize, sources: usize, semantic: usize) -> SynthOptions {
        SynthOptions {
            name: "t".into(),
            models,
            sources,
            semantic_models: semantic,
            metrics_per_semantic_model: 3,
            seed: 1,
        }
    }

    #[test]
    fn layer_counts_add_up() {
        for (n, s, sm) in [
            (0, 0, 0),
            (1, 0, 0),
            (2, 3, 1),
            (3, 3, 1),
            (10, 3, 2),
            (1000, 12, 40),
        ] {
            let c = counts(&options(n, s, sm), s.max(1));
            let total = c.staging + c.intermediate + c.marts + usize::from(c.time_spine);
            assert_eq!(total, n, "models={n}");
            if c.time_spine {
                assert!(c.marts >= 1);
            }
        }
    }

    #[test]
    fn project_names_are_valid() {
        assert_eq!(project_name("My Shop"), "my_shop");
        assert_eq!(project_name("3d"), "project_3d");
        assert_eq!(project_name(""), "project_");
    }
}
