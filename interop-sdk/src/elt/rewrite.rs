//! Warehouse SQL ↔ model SQL. To the repo, every table a transform reads becomes one import
//! CTE at the top (`orders as (select * from {{ source('shop_db', 'orders') }})`) and the
//! reference in the tool's text is replaced by the CTE's name, byte range by byte range, so the
//! tool's formatting and comments stay. From the repo, the import CTEs are taken off again and
//! each `source()` / `ref()` becomes the relation's name (`database.schema.identifier`).

use std::collections::{BTreeMap, BTreeSet};

use super::sql::{Dialect, NamePart, ParserScanner, SqlError, TableRef, TableScanner};
use crate::observability::Target;

/// A relation the repo knows: a source table or a model, and the warehouse name it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownRelation {
    /// The source table (`source('a', 'b')`) or model (`ref('m')`).
    pub target: Target,
    /// The database, when declared.
    pub database: Option<String>,
    /// The schema, when known.
    pub schema: Option<String>,
    /// The table's name in the warehouse.
    pub identifier: String,
}

impl KnownRelation {
    /// `database.schema.identifier`, with the parts that are known, quoted where needed.
    pub fn relation_name(&self, dialect: Dialect) -> String {
        [&self.database, &self.schema, &Some(self.identifier.clone())]
            .into_iter()
            .flatten()
            .map(|p| quote_if_needed(p, dialect))
            .collect::<Vec<_>>()
            .join(".")
    }

    fn matches(&self, parts: &[NamePart]) -> bool {
        let same = |want: &Option<String>, got: &NamePart| match want {
            None => true,
            Some(w) if got.quoted => w == &got.value,
            Some(w) => w.eq_ignore_ascii_case(&got.value),
        };
        let id = Some(self.identifier.clone());
        match parts {
            [t] => same(&id, t),
            [s, t] => same(&self.schema, s) && same(&id, t),
            [d, s, t] => same(&self.database, d) && same(&self.schema, s) && same(&id, t),
            _ => false,
        }
    }
}

fn quote_if_needed(part: &str, dialect: Dialect) -> String {
    let plain = part
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && part
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        return part.to_string();
    }
    match dialect {
        Dialect::BigQuery | Dialect::Databricks => format!("`{part}`"),
        _ => format!("\"{}\"", part.replace('"', "\"\"")),
    }
}

/// Why a transform's SQL could not become a model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// The SQL does not parse.
    #[error(transparent)]
    Sql(#[from] SqlError),
    /// Tables that are neither a source table nor a model the repo knows (or more than one).
    #[error("{}", .0.join("; "))]
    Unmapped(Vec<String>),
}

/// The relations the repo knows, looked up by the names a query writes.
#[derive(Debug, Clone, Default)]
pub struct Relations {
    /// Every known relation.
    pub known: Vec<KnownRelation>,
}

impl Relations {
    /// The one relation `table` names; an error text when none or several.
    pub fn resolve(&self, table: &TableRef) -> Result<&KnownRelation, String> {
        let found: Vec<&KnownRelation> = self
            .known
            .iter()
            .filter(|k| k.matches(&table.parts))
            .collect();
        // A source table named in full wins over a model named by its identifier alone.
        let exact: Vec<&KnownRelation> = found
            .iter()
            .copied()
            .filter(|k| {
                table.parts.len() == 1
                    || (table.parts.len() == 2 && k.schema.is_some())
                    || (k.schema.is_some() && k.database.is_some())
            })
            .collect();
        let pick = if exact.len() == 1 { &exact } else { &found };
        match pick.as_slice() {
            [one] => Ok(one),
            [] => Err(format!(
                "the table {} is neither a source table nor a model of the repo",
                table.dotted()
            )),
            many => Err(format!(
                "the table {} could be any of {}",
                table.dotted(),
                many.iter()
                    .map(|k| k.target.to_jinja())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The relation of a `source()` / `ref()` target.
    pub fn of_target(&self, target: &Target) -> Option<&KnownRelation> {
        self.known
            .iter()
            .find(|k| k.target.source == target.source && k.target.name == target.name)
    }
}

/// Where a query's text starts after leading blank space and comments.
fn lead_len(sql: &str) -> usize {
    let mut i = 0;
    let bytes = sql.as_bytes();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if sql[i..].starts_with("--") {
            i += sql[i..].find('\n').map_or(sql.len() - i, |n| n + 1);
        } else if sql[i..].starts_with("/*") {
            match sql[i..].find("*/") {
                Some(n) => i += n + 2,
                None => return sql.len(),
            }
        } else {
            return i;
        }
    }
}

/// The leading `with` (or `with recursive`) keyword(s) at `at`: their length.
fn with_keyword(sql: &str, at: usize) -> Option<usize> {
    let rest = &sql[at..];
    let word = |s: &str, w: &str| {
        s.len() >= w.len()
            && s[..w.len()].eq_ignore_ascii_case(w)
            && !s[w.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if !word(rest, "with") {
        return None;
    }
    let after = &rest[4..];
    let ws = after.len() - after.trim_start().len();
    if word(after.trim_start(), "recursive") {
        return Some(4 + ws + "recursive".len());
    }
    Some(4)
}

fn valid_cte(name: &str) -> bool {
    crate::mapping::is_dbt_name(name)
}

fn sanitize(name: &str) -> String {
    let mut out: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// The import CTE text of a relation.
fn import_cte(name: &str, target: &Target) -> String {
    format!(
        "{name} as (\n    select * from {{{{ {} }}}}\n)",
        target.to_jinja()
    )
}

/// The tool's SQL as a model: import CTEs for each table it reads, the rest as written.
pub fn to_model_sql(
    sql: &str,
    dialect: Dialect,
    relations: &Relations,
) -> Result<String, ConvertError> {
    let scan = ParserScanner { dialect }.scan(sql)?;
    let mut errors = Vec::new();
    let mut resolved = Vec::new();
    for table in &scan.tables {
        match relations.resolve(table) {
            Ok(k) => resolved.push((table, k)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        errors.dedup();
        return Err(ConvertError::Unmapped(errors));
    }
    // One import CTE per relation, named after it, apart from the query's own CTE names.
    let mut taken: BTreeSet<String> = scan.ctes.clone();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut imports = Vec::new();
    for (_, k) in &resolved {
        let key = k.target.to_jinja();
        if names.contains_key(&key) {
            continue;
        }
        let mut candidates = vec![sanitize(&k.target.name)];
        if let Some(source) = &k.target.source {
            candidates.push(sanitize(&format!("{source}_{}", k.target.name)));
        }
        let base = candidates.last().cloned().unwrap_or_default();
        let name = candidates
            .into_iter()
            .chain((2..).map(|n| format!("{base}_{n}")))
            .find(|c| valid_cte(c) && !taken.contains(c))
            .unwrap_or(base);
        taken.insert(name.clone());
        imports.push(import_cte(&name, &k.target));
        names.insert(key, name);
    }
    // The tool's text with each table name replaced by its CTE's name.
    let mut body = String::with_capacity(sql.len());
    let mut at = 0;
    for (table, k) in &resolved {
        body.push_str(&sql[at..table.span.start]);
        let name = &names[&k.target.to_jinja()];
        body.push_str(name);
        let last = table.parts.last().expect("a name has parts");
        let same = !last.quoted && last.value.eq_ignore_ascii_case(name) || last.value == *name;
        if !same && !table.aliased {
            // Column references qualified by the table's name keep working.
            body.push_str(" as ");
            body.push_str(&quote_if_needed(&last.value, dialect));
        }
        at = table.span.end;
    }
    body.push_str(&sql[at..]);
    if imports.is_empty() {
        return Ok(body);
    }
    let lead = lead_len(&body);
    let mut out = body[..lead].to_string();
    match with_keyword(&body, lead) {
        Some(n) => {
            out.push_str(&body[lead..lead + n]);
            out.push_str("\n\n");
            out.push_str(&imports.join(",\n\n"));
            // The tool's first CTE follows after a blank line, as the imports do.
            out.push_str(",\n\n");
            out.push_str(body[lead + n..].trim_start());
        }
        None => {
            out.push_str("with\n\n");
            out.push_str(&imports.join(",\n\n"));
            out.push_str("\n\n");
            out.push_str(&body[lead..]);
        }
    }
    Ok(out)
}

/// The `{{ ... }}` expressions of a text: byte range and the target when it is a literal
/// `ref()` / `source()`.
fn jinja_calls(text: &str) -> Vec<(std::ops::Range<usize>, Option<Target>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = text[from..].find("{{").map(|i| from + i) {
        let Some(end) = text[start..].find("}}").map(|i| start + i + 2) else {
            break;
        };
        out.push((start..end, Target::from_jinja(&text[start..end])));
        from = end;
    }
    out
}

/// An import CTE at the start of `text` (after blank space): its name, target and length.
fn parse_import(text: &str) -> Option<(String, Target, usize)> {
    let skip_ws = |s: &str, i: usize| i + (s[i..].len() - s[i..].trim_start().len());
    let mut i = skip_ws(text, 0);
    let name_len = text[i..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len() - i);
    if name_len == 0 {
        return None;
    }
    let name = text[i..i + name_len].to_string();
    i = skip_ws(text, i + name_len);
    for word in ["as", "(", "select", "*", "from"] {
        if !text[i..].to_ascii_lowercase().starts_with(word) {
            return None;
        }
        i = skip_ws(text, i + word.len());
    }
    if !text[i..].starts_with("{{") {
        return None;
    }
    let end = i + text[i..].find("}}")? + 2;
    let target = Target::from_jinja(&text[i..end])?;
    i = skip_ws(text, end);
    if !text[i..].starts_with(')') {
        return None;
    }
    Some((name, target, i + 1))
}

/// A model's SQL as the tool's warehouse SQL: import CTEs taken off, and every table they and
/// `source()` / `ref()` stand for written as its relation name. An error names what cannot be
/// resolved.
pub fn to_tool_sql(sql: &str, dialect: Dialect, relations: &Relations) -> Result<String, String> {
    let lead = lead_len(sql);
    let mut imports: BTreeMap<String, Target> = BTreeMap::new();
    let mut text = sql.to_string();
    if let Some(n) = with_keyword(sql, lead) {
        let keyword = &sql[lead..lead + n];
        let mut at = lead + n;
        let mut rest_with_ctes = None;
        let mut rest_plain = None;
        while let Some((name, target, len)) = parse_import(&sql[at..]) {
            imports.insert(name.to_lowercase(), target);
            at += len;
            if sql[at..].starts_with(',') {
                if parse_import(&sql[at + 1..]).is_some() {
                    at += 1;
                    continue;
                }
                rest_with_ctes = Some(at + 1);
            } else {
                rest_plain = Some(at);
            }
            break;
        }
        if let Some(r) = rest_with_ctes {
            text = format!("{}{keyword} {}", &sql[..lead], sql[r..].trim_start());
        } else if let Some(r) = rest_plain {
            let rest = &sql[r..];
            let rest = rest
                .strip_prefix("\n\n")
                .unwrap_or_else(|| rest.trim_start());
            text = format!("{}{rest}", &sql[..lead]);
        } else {
            imports.clear();
        }
    }
    // Jinja `source()` / `ref()` written in the body.
    let mut out = String::new();
    let mut at = 0;
    for (range, target) in jinja_calls(&text) {
        let Some(target) = target else {
            return Err(format!(
                "the SQL holds Jinja the tool cannot read: {}",
                &text[range]
            ));
        };
        let k = relations
            .of_target(&target)
            .ok_or_else(|| format!("{} is not in the repo", target.to_jinja()))?;
        out.push_str(&text[at..range.start]);
        out.push_str(&k.relation_name(dialect));
        at = range.end;
    }
    out.push_str(&text[at..]);
    if imports.is_empty() {
        return Ok(out);
    }
    // References to the import CTEs become the relations' names.
    let scan = ParserScanner { dialect }
        .scan(&out)
        .map_err(|e| e.to_string())?;
    let mut tool = String::with_capacity(out.len());
    let mut at = 0;
    for table in &scan.tables {
        let [part] = table.parts.as_slice() else {
            continue;
        };
        let Some(target) = imports.get(&part.value.to_lowercase()) else {
            continue;
        };
        let k = relations
            .of_target(target)
            .ok_or_else(|| format!("{} is not in the repo", target.to_jinja()))?;
        tool.push_str(&out[at..table.span.start]);
        tool.push_str(&k.relation_name(dialect));
        at = table.span.end;
    }
    tool.push_str(&out[at..]);
    Ok(tool)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relations() -> Relations {
        let source = |s: &str, t: &str, schema: &str| KnownRelation {
            target: Target::source(s, t),
            database: Some("raw".into()),
            schema: Some(schema.into()),
            identifier: t.into(),
        };
        Relations {
            known: vec![
                source("shop_db", "orders", "shop_db"),
                source("shop_db", "customers", "shop_db"),
                source("stripe", "payments", "stripe"),
                KnownRelation {
                    target: Target::model("stg_shop_db__orders"),
                    database: Some("analytics".into()),
                    schema: Some("main".into()),
                    identifier: "stg_shop_db__orders".into(),
                },
            ],
        }
    }

    #[test]
    fn tables_become_import_ctes_and_come_back() {
        let sql = "-- Paid orders.\nselect o.id, sum(p.amount_cents) as paid -- cents\nfrom raw.shop_db.orders as o\njoin raw.stripe.payments as p on p.order_id = o.id\ngroup by o.id\n";
        let model = to_model_sql(sql, Dialect::DuckDb, &relations()).unwrap();
        assert_eq!(
            model,
            "-- Paid orders.\nwith\n\norders as (\n    select * from {{ source('shop_db', 'orders') }}\n),\n\npayments as (\n    select * from {{ source('stripe', 'payments') }}\n)\n\nselect o.id, sum(p.amount_cents) as paid -- cents\nfrom orders as o\njoin payments as p on p.order_id = o.id\ngroup by o.id\n"
        );
        assert_eq!(
            to_tool_sql(&model, Dialect::DuckDb, &relations()).unwrap(),
            sql
        );
    }

    #[test]
    fn the_tools_own_ctes_follow_the_imports() {
        let sql = "with orders as (\n    select * from shop_db.orders where status = 'completed'\n)\n\nselect * from orders\n";
        let model = to_model_sql(sql, Dialect::DuckDb, &relations()).unwrap();
        assert!(
            model.starts_with(
                "with\n\nshop_db_orders as (\n    select * from {{ source('shop_db', 'orders') }}\n),\n\norders as (\n    select * from shop_db_orders as orders where"
            ),
            "{model}"
        );
        assert_eq!(
            to_tool_sql(&model, Dialect::DuckDb, &relations()).unwrap(),
            sql.replace("shop_db.orders where", "raw.shop_db.orders as orders where")
        );
    }

    #[test]
    fn models_are_refs_and_unknown_tables_are_reported() {
        let sql = "select * from analytics.main.stg_shop_db__orders";
        let model = to_model_sql(sql, Dialect::DuckDb, &relations()).unwrap();
        assert!(model.contains("{{ ref('stg_shop_db__orders') }}"));
        let err = to_model_sql(
            "select * from raw.hubspot.contacts join orders_archive on true",
            Dialect::DuckDb,
            &relations(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the table raw.hubspot.contacts is neither a source table nor a model of the repo; the table orders_archive is neither a source table nor a model of the repo"
        );
    }

    #[test]
    fn a_model_written_with_inline_calls_reads_back() {
        let sql = "select c.id\nfrom {{ source('shop_db', 'customers') }} as c\nwhere c.id in (select customer_id from {{ ref('stg_shop_db__orders') }})\n";
        assert_eq!(
            to_tool_sql(sql, Dialect::DuckDb, &relations()).unwrap(),
            "select c.id\nfrom raw.shop_db.customers as c\nwhere c.id in (select customer_id from analytics.main.stg_shop_db__orders)\n"
        );
        assert!(to_tool_sql("select {{ var('x') }}", Dialect::DuckDb, &relations()).is_err());
    }
}
