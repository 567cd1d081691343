//! The one place the SQL parser is used: finding the tables a warehouse query reads, with the
//! byte range each reference has in the query's own text. Everything else in the ELT mapping
//! works on [`TableRef`]s and text, so the parser can be swapped behind [`TableScanner`].

use std::collections::BTreeSet;
use std::ops::{ControlFlow, Range};

use serde::{Deserialize, Serialize};
use sqlparser::ast::{ObjectName, ObjectNamePart, Query, TableFactor, Visit, Visitor};
use sqlparser::dialect::{
    BigQueryDialect, DatabricksDialect, Dialect as ParserDialect, DuckDbDialect, PostgreSqlDialect,
    RedshiftSqlDialect, SnowflakeDialect,
};
use sqlparser::parser::Parser;

/// The SQL dialect of a warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// Snowflake.
    Snowflake,
    /// Google BigQuery.
    #[serde(rename = "bigquery")]
    BigQuery,
    /// PostgreSQL.
    Postgres,
    /// DuckDB (the default).
    #[default]
    #[serde(rename = "duckdb")]
    DuckDb,
    /// Amazon Redshift.
    Redshift,
    /// Databricks.
    Databricks,
}

impl Dialect {
    /// The dialect of a dbt adapter type (`snowflake`, `bigquery`, `postgres`, `duckdb`,
    /// `redshift`, `databricks`, `spark`).
    pub fn from_adapter(adapter: &str) -> Option<Dialect> {
        Some(match adapter.trim().to_ascii_lowercase().as_str() {
            "snowflake" => Dialect::Snowflake,
            "bigquery" => Dialect::BigQuery,
            "postgres" | "postgresql" => Dialect::Postgres,
            "duckdb" | "motherduck" => Dialect::DuckDb,
            "redshift" => Dialect::Redshift,
            "databricks" | "spark" => Dialect::Databricks,
            _ => return None,
        })
    }

    fn parser_dialect(self) -> Box<dyn ParserDialect> {
        match self {
            Dialect::Snowflake => Box::new(SnowflakeDialect {}),
            Dialect::BigQuery => Box::new(BigQueryDialect {}),
            Dialect::Postgres => Box::new(PostgreSqlDialect {}),
            Dialect::DuckDb => Box::new(DuckDbDialect {}),
            Dialect::Redshift => Box::new(RedshiftSqlDialect {}),
            Dialect::Databricks => Box::new(DatabricksDialect {}),
        }
    }
}

/// One part of a table name as written: its value without quotes, and whether it was quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePart {
    /// The identifier, quotes removed.
    pub value: String,
    /// Whether it was quoted (`"Orders"`): compared exactly, not case-folded.
    pub quoted: bool,
}

/// A table the query reads (not a CTE of the query itself), and where its name is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    /// The parts of the name: `[database, schema, table]`, `[schema, table]` or `[table]`.
    pub parts: Vec<NamePart>,
    /// The byte range of the whole name in the query's text.
    pub span: Range<usize>,
    /// Whether the query gives the table an alias (`orders as o`).
    pub aliased: bool,
}

impl TableRef {
    /// The name as the query writes it, parts joined by `.` (quotes removed).
    pub fn dotted(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// What the scanner found in a query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The tables read, in the order of the text.
    pub tables: Vec<TableRef>,
    /// The names of the query's own CTEs (lower-cased).
    pub ctes: BTreeSet<String>,
}

/// A query that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the SQL does not parse as {dialect:?}: {message}")]
pub struct SqlError {
    /// The dialect tried.
    pub dialect: Dialect,
    /// The parser's message.
    pub message: String,
}

/// Finds the tables a query reads.
pub trait TableScanner {
    /// The tables `sql` reads, and its own CTE names.
    fn scan(&self, sql: &str) -> Result<Scan, SqlError>;
}

/// [`TableScanner`] over sqlparser, in one dialect.
#[derive(Debug, Clone, Copy)]
pub struct ParserScanner {
    /// The dialect queries are parsed in.
    pub dialect: Dialect,
}

struct Collect {
    relations: Vec<ObjectName>,
    ctes: BTreeSet<String>,
    /// Where the names of aliased tables start (line, column).
    aliased: BTreeSet<(u64, u64)>,
}

impl Visitor for Collect {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table {
            name,
            alias: Some(_),
            ..
        } = factor
            && let Some(ObjectNamePart::Identifier(first)) = name.0.first()
        {
            self.aliased
                .insert((first.span.start.line, first.span.start.column));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        self.relations.push(relation.clone());
        ControlFlow::Continue(())
    }
}

/// Byte offsets of the start of each line of `text`.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte offset of a 1-based line and character column.
fn offset(text: &str, starts: &[usize], line: u64, column: u64) -> Option<usize> {
    let start = *starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
    let column = usize::try_from(column).ok()?.checked_sub(1)?;
    let rest = &text[start..];
    match rest.char_indices().nth(column) {
        Some((i, _)) => Some(start + i),
        None if rest.chars().count() == column => Some(start + rest.len()),
        None => None,
    }
}

impl TableScanner for ParserScanner {
    fn scan(&self, sql: &str) -> Result<Scan, SqlError> {
        let dialect = self.dialect.parser_dialect();
        let statements = Parser::parse_sql(dialect.as_ref(), sql).map_err(|e| SqlError {
            dialect: self.dialect,
            message: e.to_string(),
        })?;
        let mut collect = Collect {
            relations: Vec::new(),
            ctes: BTreeSet::new(),
            aliased: BTreeSet::new(),
        };
        let _ = statements.visit(&mut collect);
        let starts = line_starts(sql);
        let mut tables = Vec::new();
        for relation in collect.relations {
            let idents: Vec<_> = relation
                .0
                .iter()
                .filter_map(|p| match p {
                    ObjectNamePart::Identifier(i) => Some(i),
                    ObjectNamePart::Function(_) => None,
                })
                .collect();
            if idents.len() != relation.0.len() || idents.is_empty() {
                continue;
            }
            let parts: Vec<NamePart> = idents
                .iter()
                .map(|i| NamePart {
                    value: i.value.clone(),
                    quoted: i.quote_style.is_some(),
                })
                .collect();
            if parts.len() == 1
                && !parts[0].quoted
                && collect.ctes.contains(&parts[0].value.to_lowercase())
            {
                continue;
            }
            let (first, last) = (idents[0], idents[idents.len() - 1]);
            let start = offset(sql, &starts, first.span.start.line, first.span.start.column);
            let end = offset(sql, &starts, last.span.end.line, last.span.end.column);
            let (Some(start), Some(end)) = (start, end) else {
                return Err(SqlError {
                    dialect: self.dialect,
                    message: format!("no position for the table {}", relation),
                });
            };
            tables.push(TableRef {
                parts,
                span: start..end,
                aliased: collect
                    .aliased
                    .contains(&(first.span.start.line, first.span.start.column)),
            });
        }
        tables.sort_by_key(|t| t.span.start);
        tables.dedup_by_key(|t| t.span.start);
        Ok(Scan {
            tables,
            ctes: collect.ctes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(sql: &str) -> Scan {
        ParserScanner {
            dialect: Dialect::DuckDb,
        }
        .scan(sql)
        .unwrap()
    }

    #[test]
    fn spans_cover_each_name_as_written() {
        let sql = "with recent as (\n    select * from raw.shop_db.orders where id > 1\n)\nselect r.id, \"Payments\".x\nfrom recent as r\njoin \"raw\".stripe.\"payments\" as \"Payments\" on true";
        let s = scan(sql);
        let names: Vec<&str> = s.tables.iter().map(|t| &sql[t.span.clone()]).collect();
        assert_eq!(names, ["raw.shop_db.orders", "\"raw\".stripe.\"payments\""]);
        assert_eq!(s.tables[1].dotted(), "raw.stripe.payments");
        assert!(s.tables[1].parts[0].quoted && !s.tables[1].parts[1].quoted);
        assert!(s.ctes.contains("recent"));
    }

    #[test]
    fn subqueries_unions_and_non_ascii_text_are_found() {
        let sql = "-- café\nselect 'é' as x from (select id from shop_db.orders) as o\nunion all\nselect 'ü' as x from customers where id in (select customer_id from stripe.payments)";
        let s = scan(sql);
        let names: Vec<&str> = s.tables.iter().map(|t| &sql[t.span.clone()]).collect();
        assert_eq!(names, ["shop_db.orders", "customers", "stripe.payments"]);
    }

    #[test]
    fn adapters_name_dialects() {
        assert_eq!(Dialect::from_adapter("Snowflake"), Some(Dialect::Snowflake));
        assert_eq!(Dialect::from_adapter("spark"), Some(Dialect::Databricks));
        assert_eq!(Dialect::from_adapter("oracle"), None);
        assert!(
            ParserScanner {
                dialect: Dialect::BigQuery
            }
            .scan("select * from `proj.ds.t`")
            .is_ok()
        );
    }
}
