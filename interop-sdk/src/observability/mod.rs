//! Observability tools: monitors ↔ dbt data tests, source freshness and descriptions.
//!
//! A vendor keeps its monitors as [`Monitor`] objects (serde, snake_case: the schema of the
//! CLI's state file, the Python binding and the conformance protocol) and the descriptions of
//! the resources it monitors as [`Description`]s, both held in one [`Observability`] set.
//!
//! **To the repo** ([`Observability::to_desired`]): the monitors of one model, source table,
//! seed or snapshot become one desired resource holding its tests (`data_tests:`, or `tests:`
//! where the repo writes that), column by column, its freshness and its descriptions:
//!
//! | check | dbt |
//! |---|---|
//! | `not_null`, `unique`, `accepted_values`, `relationships` | dbt's built-in generic tests |
//! | `expression` | `dbt_utils.expression_is_true` (or `dbt_expectations.expression_is_true`) |
//! | `range` | `dbt_utils.accepted_range` (or `dbt_expectations.expect_column_values_to_be_between`) |
//! | `row_count` | `dbt_expectations.expect_table_row_count_to_be_between` |
//! | `freshness` | `config.freshness` and `config.loaded_at_field` of a source table |
//! | `custom_sql` | a singular test: a `.sql` file under the first test path |
//! | `generic` | a test the tool does not know, written back exactly as the repo had it |
//!
//! Package tests are written only when the repo declares the package (`packages.yml` or
//! `dependencies.yml`); otherwise the monitor is a [`MappingError`]. Tests are written with
//! `arguments:`/`config:` for dbt ≥ 1.10.5 and with top-level arguments before. A test the
//! repo already holds that means the same as the monitor is kept as written (its form, its
//! comments), so a sync never rewrites a customer's test into another spelling. Severity,
//! `where`, `warn_if`, `error_if` and other config go under the test's `config:`, the owner
//! under `config.meta.owner`. Vendor text that looks like Jinja is escaped; a description that
//! is exactly `{{ doc('name') }}` is dbt's own and stays as it is.
//!
//! **From the repo** ([`Observability::changes`], [`observed`]): every data test of a resource
//! in scope arrives as a monitor, including tests the customer wrote and custom generic tests
//! the tool does not know (as [`Check::Generic`]: visible, not editable). Monitors are matched
//! to the vendor's own by what they check (target, column, kind of check, explicit test name),
//! so a threshold or severity changed in the repo arrives as an update of the same monitor id.
//!
//! Each monitored resource is one desired object with the id `<kind>:<name>`
//! (`model:orders`, `source:shop_db.customers`), or the id the sync state already binds to it;
//! a custom SQL monitor is a desired object of its own under the monitor's id.

mod read;
mod write;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use interop_sync::model::ResourceKind;

pub use read::observed;

/// The kinds of resource a monitor can be attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A model.
    Model,
    /// A table of a source.
    Source,
    /// A seed.
    Seed,
    /// A snapshot.
    Snapshot,
}

impl TargetKind {
    /// The dbt resource kind.
    pub fn resource_kind(self) -> ResourceKind {
        match self {
            TargetKind::Model => ResourceKind::Model,
            TargetKind::Source => ResourceKind::Source,
            TargetKind::Seed => ResourceKind::Seed,
            TargetKind::Snapshot => ResourceKind::Snapshot,
        }
    }

    /// The target kind of a dbt resource kind, if monitors can be attached to it.
    pub fn of(kind: ResourceKind) -> Option<TargetKind> {
        Some(match kind {
            ResourceKind::Model => TargetKind::Model,
            ResourceKind::Source => TargetKind::Source,
            ResourceKind::Seed => TargetKind::Seed,
            ResourceKind::Snapshot => TargetKind::Snapshot,
            _ => return None,
        })
    }

    fn label(self) -> &'static str {
        match self {
            TargetKind::Model => "model",
            TargetKind::Source => "source",
            TargetKind::Seed => "seed",
            TargetKind::Snapshot => "snapshot",
        }
    }
}

/// A model, source table, seed or snapshot: `{kind: model, name: orders}`,
/// `{kind: source, source: shop_db, name: customers}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// What kind of resource.
    pub kind: TargetKind,
    /// For a source table: the source's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The dbt name (for a source table, the table's name).
    pub name: String,
}

impl Target {
    /// A model.
    pub fn model(name: &str) -> Target {
        Target {
            kind: TargetKind::Model,
            source: None,
            name: name.into(),
        }
    }

    /// A source table.
    pub fn source(source: &str, table: &str) -> Target {
        Target {
            kind: TargetKind::Source,
            source: Some(source.into()),
            name: table.into(),
        }
    }

    /// The desired object id of the resource when the sync state binds none:
    /// `model:orders`, `source:shop_db.customers`.
    pub fn object_id(&self) -> String {
        match &self.source {
            Some(source) => format!("{}:{source}.{}", self.kind.label(), self.name),
            None => format!("{}:{}", self.kind.label(), self.name),
        }
    }

    /// dbt's unique id in project `package`.
    pub fn unique_id(&self, package: &str) -> String {
        match &self.source {
            Some(source) => format!("source.{package}.{source}.{}", self.name),
            None => format!("{}.{package}.{}", self.kind.label(), self.name),
        }
    }

    /// The target a unique id names (`model.shop.orders`, `source.shop.shop_db.customers`).
    pub fn from_unique_id(unique_id: &str) -> Option<Target> {
        let mut parts = unique_id.splitn(3, '.');
        let kind = match parts.next()? {
            "model" => TargetKind::Model,
            "source" => TargetKind::Source,
            "seed" => TargetKind::Seed,
            "snapshot" => TargetKind::Snapshot,
            _ => return None,
        };
        let _package = parts.next()?;
        let rest = parts.next()?;
        Some(match kind {
            TargetKind::Source => {
                let (source, table) = rest.split_once('.')?;
                Target::source(source, table)
            }
            _ => Target {
                kind,
                source: None,
                // A versioned model's id ends in `.v2`: the name is the part before.
                name: rest.split('.').next().unwrap_or(rest).to_string(),
            },
        })
    }

    /// As dbt writes a relation to it in a test argument: `ref('orders')`,
    /// `source('shop_db', 'customers')`.
    pub fn to_jinja(&self) -> String {
        match &self.source {
            Some(source) => format!("source('{source}', '{}')", self.name),
            None => format!("ref('{}')", self.name),
        }
    }

    /// The target of a `ref('x')` / `source('a', 'b')` argument (literal arguments only).
    pub fn from_jinja(text: &str) -> Option<Target> {
        let t = text.trim();
        let t = t
            .strip_prefix("{{")
            .and_then(|t| t.strip_suffix("}}"))
            .unwrap_or(t)
            .trim();
        let args = |inner: &str| -> Option<Vec<String>> {
            inner
                .split(',')
                .map(|a| {
                    let a = a.trim();
                    let quoted = (a.starts_with('\'') && a.ends_with('\''))
                        || (a.starts_with('"') && a.ends_with('"'));
                    (quoted && a.len() >= 2).then(|| a[1..a.len() - 1].to_string())
                })
                .collect()
        };
        if let Some(inner) = t.strip_prefix("ref(").and_then(|r| r.strip_suffix(')')) {
            let a = args(inner)?;
            return match a.as_slice() {
                [name] => Some(Target::model(name)),
                _ => None,
            };
        }
        if let Some(inner) = t.strip_prefix("source(").and_then(|r| r.strip_suffix(')')) {
            let a = args(inner)?;
            return match a.as_slice() {
                [source, table] => Some(Target::source(source, table)),
                _ => None,
            };
        }
        None
    }
}

/// How bad a failing monitor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The run goes on; dbt reports a warning.
    Warn,
    /// The test fails.
    Error,
}

/// A time unit of a freshness threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
}

/// A freshness threshold: `{count: 12, period: hour}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// How many.
    pub count: u64,
    /// Of what.
    pub period: PeriodUnit,
}

/// What a monitor checks (the `check` key of a monitor, with its parameters beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The column has no nulls.
    NotNull,
    /// The column's values are unique.
    Unique,
    /// The column only holds these values.
    AcceptedValues {
        /// The values.
        values: Vec<Value>,
        /// Whether the values are quoted in SQL (dbt's default: yes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quote: Option<bool>,
    },
    /// Every value of the column is found in `field` of `to`.
    Relationships {
        /// The referenced resource.
        to: Target,
        /// Its column.
        field: String,
    },
    /// A SQL expression true for every row (for a column monitor, the rest of an expression
    /// on the column: `>= 0`).
    Expression {
        /// The expression.
        expression: String,
    },
    /// The column's values lie between `min` and `max`.
    Range {
        /// The lower bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<Value>,
        /// The upper bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<Value>,
        /// Whether the bounds are allowed (default: yes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inclusive: Option<bool>,
    },
    /// The number of rows lies between `min` and `max`.
    RowCount {
        /// The least number of rows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u64>,
        /// The most.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u64>,
    },
    /// A source table's data is fresh: its newest `loaded_at_field` is not older than the
    /// thresholds.
    Freshness {
        /// Older than this warns.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warn_after: Option<Period>,
        /// Older than this fails.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_after: Option<Period>,
        /// The column holding the load time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        loaded_at_field: Option<String>,
        /// A SQL filter on the rows looked at.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<String>,
    },
    /// A query returning the failing rows, kept as a singular test named `name`.
    CustomSql {
        /// The test's name (its file name without `.sql`).
        name: String,
        /// The query.
        sql: String,
    },
    /// A generic test the tool does not know (a custom or package test): shown, not edited.
    Generic {
        /// The test (`row_count_between`, `dbt_utils.at_least_one`).
        test: String,
        /// Its arguments.
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        arguments: Map<String, Value>,
        /// The test as the repo writes it (written back as it is).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entry: Option<Value>,
    },
}

impl Check {
    /// The check's name (`not_null`, `freshness`, `generic:row_count_between`), with which
    /// monitors are matched across syncs.
    pub fn label(&self) -> String {
        match self {
            Check::NotNull => "not_null".into(),
            Check::Unique => "unique".into(),
            Check::AcceptedValues { .. } => "accepted_values".into(),
            Check::Relationships { .. } => "relationships".into(),
            Check::Expression { .. } => "expression".into(),
            Check::Range { .. } => "range".into(),
            Check::RowCount { .. } => "row_count".into(),
            Check::Freshness { .. } => "freshness".into(),
            Check::CustomSql { name, .. } => format!("custom_sql:{name}"),
            Check::Generic { test, .. } => format!("generic:{test}"),
        }
    }
}

/// A monitor: one check on a model, source table, seed or snapshot, or on one of its columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitor {
    /// The vendor's id.
    pub id: String,
    /// What it is attached to (for a custom SQL monitor: the one resource its SQL reads, when
    /// there is one; it does not decide where the test goes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// The column, for a column monitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// What it checks.
    #[serde(flatten)]
    pub check: Check,
    /// `warn` or `error` (dbt's default: error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// A SQL filter on the rows tested (dbt's `where`).
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// The failure count condition that warns (`> 10`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_if: Option<String>,
    /// The failure count condition that fails (`> 100`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_if: Option<String>,
    /// Who is told when it fails (`config.meta.owner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// What it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An explicit dbt test name (a generic test's `name:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Other test config, kept as written (`tags`, `store_failures`, `limit`, other `meta`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
}

/// The monitor's own keys; every other key belongs to its check.
const MONITOR_KEYS: &[&str] = &[
    "id",
    "target",
    "column",
    "severity",
    "where",
    "warn_if",
    "error_if",
    "owner",
    "description",
    "name",
    "config",
];

/// A monitor's own fields, as the state file writes them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonitorFields {
    id: String,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    column: Option<String>,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default, rename = "where")]
    filter: Option<String>,
    #[serde(default)]
    warn_if: Option<String>,
    #[serde(default)]
    error_if: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    config: Map<String, Value>,
}

impl<'de> Deserialize<'de> for Monitor {
    /// The keys are split between the monitor and its check by name; a custom SQL check's
    /// `name` is the check's (its test's file name), as [`Monitor`]'s serialisation writes it.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Monitor, D::Error> {
        use serde::de::Error;
        let mut own = Map::<String, Value>::deserialize(deserializer)?;
        let custom_sql = own.get("check").and_then(Value::as_str) == Some("custom_sql");
        let check_keys: Vec<String> = own
            .keys()
            .filter(|k| !MONITOR_KEYS.contains(&k.as_str()) || (custom_sql && *k == "name"))
            .cloned()
            .collect();
        let mut check = Map::new();
        for key in check_keys {
            if let Some(v) = own.remove(&key) {
                check.insert(key, v);
            }
        }
        // Checks without parameters take no other key (serde lets a unit variant ignore them).
        if matches!(
            check.get("check").and_then(Value::as_str),
            Some("not_null" | "unique")
        ) && let Some(extra) = check.keys().find(|k| *k != "check")
        {
            return Err(D::Error::custom(format!(
                "unknown field `{extra}`, expected one of `{}`",
                MONITOR_KEYS.join("`, `")
            )));
        }
        let check: Check =
            serde_json::from_value(Value::Object(check)).map_err(D::Error::custom)?;
        let f: MonitorFields =
            serde_json::from_value(Value::Object(own)).map_err(D::Error::custom)?;
        Ok(Monitor {
            id: f.id,
            target: f.target,
            column: f.column,
            check,
            severity: f.severity,
            filter: f.filter,
            warn_if: f.warn_if,
            error_if: f.error_if,
            owner: f.owner,
            description: f.description,
            name: f.name,
            config: f.config,
        })
    }
}

impl Monitor {
    /// A monitor of `check` on `target` (and `column`), with nothing else set.
    pub fn new(id: &str, target: Target, column: Option<&str>, check: Check) -> Monitor {
        Monitor {
            id: id.into(),
            target: Some(target),
            column: column.map(str::to_string),
            check,
            severity: None,
            filter: None,
            warn_if: None,
            error_if: None,
            owner: None,
            description: None,
            name: None,
            config: Map::new(),
        }
    }

    /// Whether the tool may change it (a [`Check::Generic`] test read from the repo may not).
    pub fn editable(&self) -> bool {
        !matches!(self.check, Check::Generic { entry: Some(_), .. })
    }

    /// What the monitor is matched by across syncs: target, column, check, explicit name.
    fn slot(&self) -> (Option<Target>, Option<String>, String, Option<String>) {
        let target = match self.check {
            Check::CustomSql { .. } => None,
            _ => self.target.clone(),
        };
        (
            target,
            self.column.clone(),
            self.check.label(),
            self.name.clone(),
        )
    }

    /// Equal in everything but the id.
    fn same_as(&self, other: &Monitor) -> bool {
        Monitor {
            id: other.id.clone(),
            ..self.clone()
        } == *other
    }
}

/// The description of a monitored resource or of one of its columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Description {
    /// The resource.
    pub target: Target,
    /// The column, for a column's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The text (markdown; `{{ doc('name') }}` when the repo keeps it in a docs block).
    pub text: String,
}

/// An observability vendor's objects: the state file's `monitors:` and `descriptions:`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Observability {
    /// The monitors.
    #[serde(default)]
    pub monitors: Vec<Monitor>,
    /// Descriptions of monitored resources and their columns.
    #[serde(default)]
    pub descriptions: Vec<Description>,
}

/// A change the vendor makes to its objects because the repo changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ObservabilityChange {
    /// A test in the repo the vendor has no monitor for (the id is a suggestion).
    MonitorCreated {
        /// The monitor.
        monitor: Monitor,
    },
    /// A monitor changed in the repo.
    MonitorUpdated {
        /// The monitor as it is now (same id).
        monitor: Monitor,
        /// The monitor's fields that changed (`severity`, `warn_after` ...).
        fields: Vec<String>,
    },
    /// A monitor's test is gone from the repo.
    MonitorDeleted {
        /// The monitor's id.
        id: String,
    },
    /// A description was written or changed in the repo.
    DescriptionSet {
        /// The description.
        description: Description,
    },
    /// A description was removed in the repo.
    DescriptionRemoved {
        /// The resource.
        target: Target,
        /// The column.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        column: Option<String>,
    },
}

impl Observability {
    /// Applies changes from [`Observability::changes`]: what a vendor does with them.
    pub fn apply(&mut self, changes: &[ObservabilityChange]) {
        for change in changes {
            match change {
                ObservabilityChange::MonitorCreated { monitor } => {
                    self.monitors.retain(|m| m.id != monitor.id);
                    self.monitors.push(monitor.clone());
                }
                ObservabilityChange::MonitorUpdated { monitor, .. } => {
                    match self.monitors.iter_mut().find(|m| m.id == monitor.id) {
                        Some(m) => *m = monitor.clone(),
                        None => self.monitors.push(monitor.clone()),
                    }
                }
                ObservabilityChange::MonitorDeleted { id } => {
                    self.monitors.retain(|m| &m.id != id);
                }
                ObservabilityChange::DescriptionSet { description } => {
                    match self
                        .descriptions
                        .iter_mut()
                        .find(|d| d.target == description.target && d.column == description.column)
                    {
                        Some(d) => *d = description.clone(),
                        None => self.descriptions.push(description.clone()),
                    }
                }
                ObservabilityChange::DescriptionRemoved { target, column } => {
                    self.descriptions
                        .retain(|d| !(&d.target == target && &d.column == column));
                }
            }
        }
    }
}

/// A monitor that cannot be written into this repo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("monitor {id}: {reason}")]
pub struct MappingError {
    /// The monitor's id (or the description's target).
    pub id: String,
    /// Why.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_monitor_schema_reads_as_documented() {
        let yaml = r#"
id: mon-7
target: {kind: model, name: orders}
column: status
check: accepted_values
values: [placed, shipped]
severity: warn
where: "ordered_at > current_date - 7"
owner: "@data-quality"
"#;
        let m: Monitor = serde_yaml_ng_like(yaml);
        assert_eq!(m.check.label(), "accepted_values");
        assert_eq!(m.severity, Some(Severity::Warn));
        assert_eq!(m.filter.as_deref(), Some("ordered_at > current_date - 7"));
        let back = serde_json::to_value(&m).unwrap();
        assert_eq!(back["check"], json!("accepted_values"));
        assert_eq!(back["where"], json!("ordered_at > current_date - 7"));
        assert!(back.get("config").is_none());
    }

    #[test]
    fn a_custom_sql_monitor_reads_back_from_its_own_serialisation() {
        let mut m = Monitor::new(
            "mon-9",
            Target::model("orders"),
            None,
            Check::CustomSql {
                name: "assert_order_totals_not_negative".into(),
                sql: "select order_id\nfrom {{ ref('orders') }}\nwhere order_total < 0\n".into(),
            },
        );
        m.severity = Some(Severity::Warn);
        let text = serde_json::to_string(&m).unwrap();
        let back: Monitor = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m);
        // A generic test's explicit name stays the monitor's.
        let named = serde_yaml_ng_like(
            "id: mon-10\ntarget: {kind: model, name: orders}\ncolumn: order_id\ncheck: unique\nname: orders_are_unique\n",
        );
        assert_eq!(named.name.as_deref(), Some("orders_are_unique"));
        assert_eq!(named.check, Check::Unique);
        let err = serde_json::from_value::<Monitor>(json!({"id": "x", "check": "custom_sql"}));
        assert!(err.is_err());
    }

    /// YAML through the engine's reader (JSON-compatible), then serde.
    fn serde_yaml_ng_like(text: &str) -> Monitor {
        let node = interop_sync::read::yaml::parse(text, &Default::default())
            .unwrap()
            .unwrap();
        serde_json::from_value(node.to_json()).unwrap()
    }

    #[test]
    fn targets_from_ids_and_jinja() {
        assert_eq!(
            Target::from_unique_id("source.shop.shop_db.customers"),
            Some(Target::source("shop_db", "customers"))
        );
        assert_eq!(
            Target::from_unique_id("model.shop.dim_customers.v2"),
            Some(Target::model("dim_customers"))
        );
        assert_eq!(
            Target::from_jinja("ref('country_codes')"),
            Some(Target::model("country_codes"))
        );
        assert_eq!(
            Target::from_jinja("source(\"shop_db\", 'orders')"),
            Some(Target::source("shop_db", "orders"))
        );
        assert_eq!(Target::from_jinja("ref('pkg', 'x')"), None);
        assert_eq!(
            Target::source("shop_db", "orders").object_id(),
            "source:shop_db.orders"
        );
    }
}
