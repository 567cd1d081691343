//! New files in house style: model SQL in import-CTE form (dbt Labs' style guide: lower case,
//! 4-space indents, one CTE per upstream relation, a `final` CTE), and properties entries with a
//! description for the model and every column the vendor knows, and primary-key tests.

use serde_json::Value;

use crate::edit::dbt_rules::{DbtVersion, TestSpec, escape_jinja};

/// Where an import CTE selects from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// `{{ ref('name') }}`.
    Ref(String),
    /// `{{ source('source', 'table') }}`.
    Source(String, String),
}

impl Upstream {
    fn jinja(&self) -> String {
        match self {
            Upstream::Ref(name) => format!("{{{{ ref('{name}') }}}}"),
            Upstream::Source(s, t) => format!("{{{{ source('{s}', '{t}') }}}}"),
        }
    }
}

/// A new model's SQL: the relations it imports (each becomes a CTE named after it) and the
/// body of its `final` CTE, written against those CTE names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSql {
    /// `(cte name, upstream)` pairs, in order.
    pub imports: Vec<(String, Upstream)>,
    /// The select of the `final` CTE, without indentation.
    pub body: String,
}

/// Renders a model in import-CTE style.
///
/// ```
/// use interop_sync::render::{ModelSql, Upstream, model_sql};
/// let sql = model_sql(&ModelSql {
///     imports: vec![("orders".into(), Upstream::Ref("stg_orders".into()))],
///     body: "select\n    order_id,\n    amount\nfrom orders".into(),
/// });
/// assert!(sql.starts_with("with\n\norders as (\n\n    select * from {{ ref('stg_orders') }}\n\n),"));
/// assert!(sql.ends_with("select * from final\n"));
/// ```
pub fn model_sql(model: &ModelSql) -> String {
    let mut out = String::from("with\n\n");
    for (name, upstream) in &model.imports {
        out.push_str(&format!(
            "{name} as (\n\n    select * from {}\n\n),\n\n",
            upstream.jinja()
        ));
    }
    out.push_str("final as (\n\n");
    for line in model.body.trim().lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            out.push_str("    ");
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.push_str("\n)\n\nselect * from final\n");
    out
}

/// A JSON value as a Jinja literal (`'text'`, `3`, `true`, `none`, `['a']`, `{'k': 1}`).
pub fn jinja_literal(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!(
            "'{}'",
            s.replace('\\', "\\\\")
                .replace('\'', "\\'")
                .replace('\n', "\\n")
        ),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(jinja_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!(
                    "{}: {}",
                    jinja_literal(&Value::String(k.clone())),
                    jinja_literal(v)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A `{{ config(...) }}` call: on one line when it fits in 100 columns, else one argument per
/// line as the dbt style guide writes it.
pub fn config_call(args: &serde_json::Map<String, Value>) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|(k, v)| format!("{k}={}", jinja_literal(v)))
        .collect();
    let one_line = format!("{{{{ config({}) }}}}", parts.join(", "));
    if one_line.len() <= 100 {
        return one_line;
    }
    format!(
        "{{{{\n    config(\n        {}\n    )\n}}}}",
        parts.join(",\n        ")
    )
}

/// The byte range of the first `{{ config(...) }}` expression in SQL, quotes respected.
fn config_span(sql: &str) -> Option<std::ops::Range<usize>> {
    let mut from = 0;
    while let Some(open) = sql[from..].find("{{").map(|i| from + i) {
        let inner = sql[open + 2..].trim_start_matches(['-', ' ', '\n', '\t', '\r']);
        if inner.starts_with("config") && inner["config".len()..].trim_start().starts_with('(') {
            let mut quote: Option<char> = None;
            let bytes: Vec<(usize, char)> = sql[open + 2..].char_indices().collect();
            let mut i = 0;
            while i < bytes.len() {
                let (off, c) = bytes[i];
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), '\\') => i += 1,
                    (Some(_), _) => {}
                    (None, '\'' | '"') => quote = Some(c),
                    (None, '}') if bytes.get(i + 1).map(|b| b.1) == Some('}') => {
                        return Some(open..open + 2 + off + 2);
                    }
                    _ => {}
                }
                i += 1;
            }
            return None;
        }
        from = open + 2;
    }
    None
}

/// SQL with its `{{ config(...) }}` call replaced by one with exactly `args` (added at the top,
/// followed by a blank line, when there is none). Everything else stays byte for byte.
pub fn with_sql_config(sql: &str, args: &serde_json::Map<String, Value>) -> Result<String, String> {
    let call = config_call(args);
    Ok(match config_span(sql) {
        Some(span) => format!("{}{call}{}", &sql[..span.start], &sql[span.end..]),
        None if sql.contains("{{ config") || sql.contains("{{config") => {
            return Err("a config() call that cannot be read".into());
        }
        None => format!("{call}\n\n{sql}"),
    })
}

/// A column the vendor knows about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnSpec {
    /// The name.
    pub name: String,
    /// What it means.
    pub description: Option<String>,
    /// Its type, when known.
    pub data_type: Option<String>,
    /// Whether it is the primary key (gets `unique` and `not_null`).
    pub primary_key: bool,
    /// Other tests.
    pub tests: Vec<TestSpec>,
}

/// The properties entry (`models:` item) of a new model.
pub fn model_entry(
    name: &str,
    description: Option<&str>,
    columns: &[ColumnSpec],
    meta: Option<&Value>,
    version: DbtVersion,
    tests_key: &str,
) -> Value {
    let mut entry = serde_json::Map::new();
    entry.insert("name".into(), Value::String(name.to_string()));
    if let Some(d) = description {
        entry.insert("description".into(), Value::String(escape_jinja(d)));
    }
    if let Some(meta) = meta {
        let mut config = serde_json::Map::new();
        config.insert("meta".into(), meta.clone());
        let key = if version.meta_under_config() {
            "config"
        } else {
            "meta"
        };
        if key == "config" {
            entry.insert("config".into(), Value::Object(config));
        } else {
            entry.insert("meta".into(), meta.clone());
        }
    }
    if !columns.is_empty() {
        let cols = columns
            .iter()
            .map(|c| {
                let mut col = serde_json::Map::new();
                col.insert("name".into(), Value::String(c.name.clone()));
                if let Some(d) = &c.description {
                    col.insert("description".into(), Value::String(escape_jinja(d)));
                }
                if let Some(t) = &c.data_type {
                    col.insert("data_type".into(), Value::String(t.clone()));
                }
                let mut tests: Vec<Value> = Vec::new();
                if c.primary_key {
                    tests.push(Value::String("unique".into()));
                    tests.push(Value::String("not_null".into()));
                }
                tests.extend(c.tests.iter().map(|t| t.to_entry(version)));
                if !tests.is_empty() {
                    col.insert(tests_key.into(), Value::Array(tests));
                }
                Value::Object(col)
            })
            .collect();
        entry.insert("columns".into(), Value::Array(cols));
    }
    Value::Object(entry)
}

/// The file name the repo's convention gives the properties file of a models folder:
/// `_<folder>__models.yml` (the dbt style guide), or `schema.yml` when the project uses that.
pub fn properties_file_name(folder: &str, existing_names: &[&str]) -> String {
    if existing_names.contains(&"schema.yml") && !existing_names.iter().any(|n| n.starts_with('_'))
    {
        return "schema.yml".into();
    }
    let last = folder
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("models");
    format!("_{last}__models.yml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_calls_are_rewritten_in_place() {
        let args =
            serde_json::json!({"materialized": "incremental", "unique_key": "id", "tags": ["a"]});
        let args = args.as_object().unwrap();
        let sql = "-- head\n{{ config(materialized='view', alias=\"x}}\") }}\nselect 1\n";
        assert_eq!(
            with_sql_config(sql, args).unwrap(),
            "-- head\n{{ config(materialized='incremental', unique_key='id', tags=['a']) }}\nselect 1\n"
        );
        assert_eq!(
            with_sql_config("select 1\n", args).unwrap(),
            "{{ config(materialized='incremental', unique_key='id', tags=['a']) }}\n\nselect 1\n"
        );
        assert_eq!(
            jinja_literal(&serde_json::json!({"k": "it's", "n": null})),
            "{'k': 'it\\'s', 'n': none}"
        );
    }

    #[test]
    fn properties_names_follow_the_repo() {
        assert_eq!(
            properties_file_name("models/marts/finance", &["orders.sql"]),
            "_finance__models.yml"
        );
        assert_eq!(
            properties_file_name("models/staging", &["schema.yml"]),
            "schema.yml"
        );
    }

    #[test]
    fn entry_has_descriptions_and_key_tests() {
        let e = model_entry(
            "orders",
            Some("One row per order"),
            &[ColumnSpec {
                name: "order_id".into(),
                description: Some("Key".into()),
                primary_key: true,
                ..Default::default()
            }],
            None,
            DbtVersion::CURRENT,
            "data_tests",
        );
        assert_eq!(
            e,
            serde_json::json!({"name": "orders", "description": "One row per order",
                "columns": [{"name": "order_id", "description": "Key", "data_tests": ["unique", "not_null"]}]})
        );
    }
}
