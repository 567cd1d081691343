//! ELT tools: connectors ↔ `sources:`, SQL transforms ↔ models, and staging models for a
//! connector on request.
//!
//! The objects are vendor-neutral and serde-serialisable (snake_case), held in one
//! [`EltObjects`] set: the schema of the CLI's state file (`elt:`).
//!
//! **To the repo** ([`to_desired`], with [`Scope::elt`]):
//! - a [`Connector`] is one source: each of its tables a source table with its columns
//!   (`data_type`, `description`), its `identifier`, and a primary key as `not_null` + `unique`
//!   tests on the column (tests the repo already has on the column stay). The source's own
//!   keys (`database`, `schema`, `loader`, `description`, `config.loaded_at_field`,
//!   `config.freshness`) are written when the source is created, in
//!   `models/staging/<source>/_<source>__sources.yml`; a table's own load-time column or
//!   freshness goes under the table's `config:`.
//! - a [`Transform`] is a model: the tool's warehouse SQL with every table it reads replaced by
//!   an import CTE over `{{ source() }}` or `{{ ref() }}` (see [`rewrite`]); a table that is
//!   neither a known source table nor a model is reported in [`Mapped::unmapped`], and the
//!   transform is left out rather than guessed.
//! - a connector with `staging: true` also gets one `stg_<source>__<table>` model per table,
//!   renaming and casting its columns, with primary-key tests (see [`staging`]).
//!
//! **From the repo** ([`from_repo`]): every source of the repo, hand-written ones included,
//! arrives as a connector; every model the tool created arrives as a transform whose SQL names
//! relations again (`database.schema.identifier`), so a customer's edit of the model is the
//! tool's SQL.
//!
//! [`Scope::elt`]: crate::Scope::elt

pub mod repo;
pub mod rewrite;
pub mod sql;
pub mod staging;
mod write;

use serde::{Deserialize, Serialize};

use crate::observability::Period;

pub use repo::{EltRepo, Warehouse, from_repo};
pub use sql::Dialect;
pub use write::{Mapped, to_desired};

/// The folder of a transform's model under the first model path when the tool names none.
pub const DEFAULT_FOLDER: &str = "elt";

/// Everything an ELT tool syncs with one repo.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EltObjects {
    /// The SQL dialect of the tool's transforms (default: the repo's, else DuckDB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    /// Where dbt builds models, so that transforms reading a model by its table name find it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<Warehouse>,
    /// Connectors (sources).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<Connector>,
    /// SQL transforms (models).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
}

/// How old a source's newest row may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Freshness {
    /// Older than this warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_after: Option<Period>,
    /// Older than this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_after: Option<Period>,
}

/// A connector: the tables one loader writes into one schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connector {
    /// The vendor's id.
    pub id: String,
    /// The source's name in dbt (`hubspot`).
    pub name: String,
    /// The tool that loads it (`fivetran`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loader: Option<String>,
    /// The database it loads into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The schema it loads into (default: the source's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The column holding each row's load time, for every table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded_at: Option<String>,
    /// Freshness thresholds for every table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<Freshness>,
    /// Its tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<ConnectorTable>,
    /// Whether to write a staging model per table.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub staging: bool,
}

/// A table a connector loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorTable {
    /// The table's name in dbt.
    pub name: String,
    /// The table's name in the warehouse, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The column that identifies a row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<String>,
    /// This table's load-time column, when it differs from the connector's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded_at: Option<String>,
    /// This table's freshness, when it differs from the connector's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<Freshness>,
    /// Whether freshness is not checked on this table.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_freshness: bool,
    /// Its columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ConnectorColumn>,
}

/// A column of a connector's table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorColumn {
    /// The column.
    pub name: String,
    /// Its warehouse type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// How dbt builds a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Materialization {
    /// A view.
    View,
    /// A table.
    Table,
    /// Built in every query that uses it.
    Ephemeral,
}

impl Materialization {
    fn label(self) -> &'static str {
        match self {
            Materialization::View => "view",
            Materialization::Table => "table",
            Materialization::Ephemeral => "ephemeral",
        }
    }

    fn of(label: &str) -> Option<Materialization> {
        Some(match label {
            "view" => Materialization::View,
            "table" => Materialization::Table,
            "ephemeral" => Materialization::Ephemeral,
            _ => return None,
        })
    }
}

/// A SQL transform the tool holds: a query over warehouse tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transform {
    /// The vendor's id.
    pub id: String,
    /// The model's name.
    pub name: String,
    /// The folder under the first model path (default `elt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// The query, naming warehouse tables.
    pub sql: String,
    /// What it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Who answers for it (`config.meta.owner`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// How dbt builds it (default: the repo's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub materialization: Option<Materialization>,
}

/// Why ELT objects could not be mapped.
#[derive(Debug, thiserror::Error)]
pub enum EltError {
    /// An object is not valid.
    #[error("{id}: {message}")]
    Invalid {
        /// The object's id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// The repo could not be read.
    #[error(transparent)]
    Session(#[from] crate::SessionError),
}
