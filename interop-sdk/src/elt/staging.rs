//! Staging models for a connector: one `stg_<source>__<table>` per table, selecting each column
//! from the `source()` under a clean name and cast to its type, with primary-key tests.

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde_json::{Map, Value, json};

use super::repo::EltRepo;
use super::write::column_tests;
use super::{Connector, ConnectorTable};
use crate::mapping::repo_text;
use crate::session::Desired;

/// A column name in snake case (`CreatedAt` → `created_at`, `e-mail` → `e_mail`).
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{out}")
    } else {
        out
    }
}

/// The singular of a table name, for its key column (`orders` → `order`).
fn singular(table: &str) -> String {
    if let Some(stem) = table.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = table.strip_suffix('s').filter(|s| !s.ends_with('s')) {
        stem.to_string()
    } else {
        table.to_string()
    }
}

/// The name a column gets in the staging model: the primary key `id` becomes
/// `<singular table>_id`, everything else its snake case.
pub fn staged_name(table: &ConnectorTable, column: &str) -> String {
    if table.primary_key.as_deref() == Some(column) && column.eq_ignore_ascii_case("id") {
        format!("{}_id", snake_case(&singular(&table.name)))
    } else {
        snake_case(column)
    }
}

/// The staging model's SQL.
pub fn staging_sql(source: &str, table: &ConnectorTable) -> String {
    let mut lines = Vec::new();
    for c in &table.columns {
        let plain = c
            .name
            .chars()
            .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || x == '_')
            && c.name
                .starts_with(|x: char| x.is_ascii_lowercase() || x == '_');
        let column = if plain {
            c.name.clone()
        } else {
            format!("\"{}\"", c.name.replace('"', "\"\""))
        };
        let expr = match &c.data_type {
            Some(t) => format!("cast({column} as {})", t.to_lowercase()),
            None => column,
        };
        lines.push(format!("        {expr} as {}", staged_name(table, &c.name)));
    }
    format!(
        "with\n\nsource as (\n    select * from {{{{ source('{source}', '{}') }}}}\n),\n\nrenamed as (\n    select\n{}\n    from source\n)\n\nselect * from renamed\n",
        table.name,
        lines.join(",\n")
    )
}

/// The staging models of a connector as desired resources (id
/// `<connector id>/staging/<table>`).
pub fn staging_models(c: &Connector, repo: &EltRepo, tests_key: &str) -> Vec<Desired> {
    let mut out = Vec::new();
    for t in &c.tables {
        let name = format!("stg_{}__{}", c.name, t.name);
        let uid = format!("model.{}.{name}", repo.view.project);
        let current = repo.view.states.get(&uid).map(|s| &s.value);
        let mut value = Map::new();
        value.insert("name".into(), json!(name));
        let description = match &t.description {
            Some(d) => format!("Staged from {}.{}: {d}", c.name, t.name),
            None => format!("Staged from {}.{}, one row per source row.", c.name, t.name),
        };
        let now = current
            .and_then(|v| v.get("description"))
            .and_then(Value::as_str);
        value.insert("description".into(), json!(repo_text(&description, now)));
        let columns: Vec<Value> = t
            .columns
            .iter()
            .map(|col| {
                let staged = staged_name(t, &col.name);
                let mut m = Map::new();
                m.insert("name".into(), json!(staged));
                if let Some(d) = &col.description {
                    m.insert("description".into(), json!(repo_text(d, None)));
                }
                let pk = t.primary_key.as_deref() == Some(col.name.as_str());
                let here = current
                    .and_then(|v| v.get("columns"))
                    .and_then(Value::as_array)
                    .and_then(|cs| {
                        cs.iter()
                            .find(|x| x.get("name").and_then(Value::as_str) == Some(&staged))
                    });
                let tests = column_tests(here, pk);
                if !tests.is_empty() {
                    m.insert(tests_key.into(), Value::Array(tests));
                }
                Value::Object(m)
            })
            .collect();
        if !columns.is_empty() {
            value.insert("columns".into(), Value::Array(columns));
        }
        value.insert("sql".into(), json!(staging_sql(&c.name, t)));
        out.push(Desired {
            id: format!("{}/staging/{}", c.id, t.name),
            state: ResourceState {
                kind: ResourceKind::Model,
                name: name.clone(),
                value: Value::Object(value),
                file: Some(format!("{}/staging/{}/{name}.sql", repo.model_path, c.name)),
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elt::ConnectorColumn;

    #[test]
    fn columns_are_renamed_and_cast() {
        assert_eq!(snake_case("CreatedAt"), "created_at");
        assert_eq!(snake_case("e-mail Address"), "e_mail_address");
        let t = ConnectorTable {
            name: "companies".into(),
            identifier: None,
            description: None,
            primary_key: Some("id".into()),
            loaded_at: None,
            freshness: None,
            no_freshness: false,
            columns: vec![
                ConnectorColumn {
                    name: "id".into(),
                    data_type: Some("BIGINT".into()),
                    description: None,
                },
                ConnectorColumn {
                    name: "DomainName".into(),
                    data_type: None,
                    description: None,
                },
            ],
        };
        assert_eq!(
            staging_sql("hubspot", &t),
            "with\n\nsource as (\n    select * from {{ source('hubspot', 'companies') }}\n),\n\nrenamed as (\n    select\n        cast(id as bigint) as company_id,\n        \"DomainName\" as domain_name\n    from source\n)\n\nselect * from renamed\n"
        );
    }
}
