//! Notebooks: a published notebook (ordered cells of SQL, each free to query the cells before
//! it) ↔ one dbt analysis.
//!
//! A [`Publication`] becomes `analyses/<name>.sql`: its description as `--` comment lines at the
//! top, every cell but the last as a CTE named after the cell, and the last cell as the final
//! query (preceded by `-- cell: <name>` unless the cell is named like the publication):
//!
//! ```sql
//! -- Repeat purchase rate by first-order month.
//! with
//!
//! orders as (
//!
//!     select * from {{ ref('orders') }}
//!
//! ),
//!
//! cohorts as (
//!
//!     select customer_id, min(ordered_at) as first_ordered_at
//!     from orders
//!     group by customer_id
//!
//! )
//!
//! -- cell: repeat_rate
//! select …
//! from cohorts
//! ```
//!
//! A cell may name a dbt model by `{{ ref('orders') }}` or by its relation name after `from`
//! or `join` (`analytics.orders`, `orders`: the last part is the model's name), a source table
//! by `{{ source('shop_db', 'orders') }}` or `shop_db.orders` (`<source>.<table>`, perhaps
//! with a database before it), a variable by `{{ var('orders_start_date') }}`, and an earlier
//! cell by its name. Relation names become `ref()` / `source()`; a cell's name always wins over
//! a model of the same name. Reading an analysis gives its cells back; an analysis whose layout
//! cannot be split into cells (a recursive CTE, a comment between CTEs, Jinja before the
//! query) is reported as such, never guessed. The session's scope ([`crate::Scope::notebook`])
//! owns analyses' SQL and nothing else.

use std::collections::BTreeSet;

use interop_sync::model::ResourceKind;
use interop_sync::plan::ResourceState;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::mapping::{RepoView, states_after, view_states};
use crate::session::{Desired, VendorChange};
use crate::sqltext;

/// One cell of a notebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    /// Its name (a SQL identifier: later cells query it by this name).
    pub name: String,
    /// Its query.
    pub sql: String,
}

/// A published notebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    /// The vendor's id.
    pub id: String,
    /// Its name (the analysis's: lower case, digits, `_`).
    pub name: String,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The cells, in order; the last one is the result.
    pub cells: Vec<Cell>,
}

/// A notebook tool's objects: the state file's `publications:`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Notebooks {
    /// The publications.
    #[serde(default)]
    pub publications: Vec<Publication>,
}

/// A publication that cannot be written, or an analysis that cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{id}: {reason}")]
pub struct NotebookError {
    /// The publication's id (or the analysis's name).
    pub id: String,
    /// Why.
    pub reason: String,
}

/// The line that names the last cell when it is not named like the publication.
const CELL_MARKER: &str = "-- cell: ";

fn identifier(name: &str) -> bool {
    crate::mapping::is_dbt_name(name)
}

/// A cell's SQL with relation names of models and sources as `ref()` / `source()`.
fn with_refs(sql: &str, earlier: &BTreeSet<&str>, view: &RepoView) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (name, range) in sqltext::relation_names(sql) {
        let parts: Vec<&str> = name.split('.').collect();
        let lower: Vec<String> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
        let replacement = match lower.as_slice() {
            [one] if earlier.contains(one.as_str()) => None,
            [.., source, table] if view.sources.contains(&(source.clone(), table.clone())) => {
                Some(format!("{{{{ source('{source}', '{table}') }}}}"))
            }
            [.., model] if parts.len() <= 3 && view.models.contains(model) => {
                Some(format!("{{{{ ref('{model}') }}}}"))
            }
            _ => None,
        };
        if let Some(r) = replacement {
            out.push_str(&sql[at..range.start]);
            out.push_str(&r);
            at = range.end;
        }
    }
    out.push_str(&sql[at..]);
    out
}

impl Publication {
    /// The analysis's SQL for this publication in the repo `view` describes.
    pub fn to_sql(&self, view: &RepoView) -> Result<String, NotebookError> {
        let bad = |reason: String| NotebookError {
            id: self.id.clone(),
            reason,
        };
        if !identifier(&self.name) {
            return Err(bad(format!(
                "'{}' is not an analysis name (lower case, digits, _)",
                self.name
            )));
        }
        if self.cells.is_empty() {
            return Err(bad("a publication has at least one cell".into()));
        }
        let mut earlier: BTreeSet<&str> = BTreeSet::new();
        let mut parts = Vec::new();
        for cell in &self.cells {
            if !identifier(&cell.name) {
                return Err(bad(format!(
                    "cell '{}' is not named as SQL can query it (lower case, digits, _)",
                    cell.name
                )));
            }
            if earlier.contains(cell.name.as_str()) {
                return Err(bad(format!("two cells are named '{}'", cell.name)));
            }
            if cell.sql.trim().is_empty() {
                return Err(bad(format!("cell '{}' has no SQL", cell.name)));
            }
            let sql = sqltext::normalize(&with_refs(&cell.sql, &earlier, view));
            parts.push((cell.name.clone(), sql));
            earlier.insert(&cell.name);
        }
        let written: Vec<Cell> = parts
            .iter()
            .map(|(name, sql)| Cell {
                name: name.clone(),
                sql: sql.clone(),
            })
            .collect();
        let (last_name, last_sql) = parts.pop().unwrap_or_default();
        let rest = if last_name == self.name {
            last_sql
        } else {
            format!("{CELL_MARKER}{last_name}\n{last_sql}")
        };
        let comments: Vec<String> = self
            .description
            .as_deref()
            .map(|d| d.lines().map(|l| l.trim_end().to_string()).collect())
            .unwrap_or_default();
        let sql = sqltext::join(&comments, &parts, &rest);
        // What is written must read back as these cells and this description.
        let description = (!comments.is_empty()).then(|| comments.join("\n"));
        match read_sql(&self.id, &self.name, &sql) {
            Ok(back) if back.cells == written && back.description == description => Ok(sql),
            Ok(_) => Err(bad(
                "a cell's SQL would not read back as that cell (a leading comment, or a \
                 `with` that continues the layout)"
                    .into(),
            )),
            Err(e) => Err(bad(e.reason)),
        }
    }
}

/// The publication an analysis's SQL holds.
pub fn read_sql(id: &str, name: &str, sql: &str) -> Result<Publication, NotebookError> {
    let layout = sqltext::split(sql).map_err(|reason| NotebookError {
        id: name.to_string(),
        reason: format!("the analysis cannot be split into cells: {reason}"),
    })?;
    let mut comments = layout.comments;
    // Without CTEs the line naming the only cell is the last comment before the query.
    let marker = CELL_MARKER.trim_start_matches("-- ");
    let only_cell = match comments.last() {
        Some(last) if layout.ctes.is_empty() => last.strip_prefix(marker).map(str::to_string),
        _ => None,
    };
    if only_cell.is_some() {
        comments.pop();
    }
    let mut cells: Vec<Cell> = layout
        .ctes
        .into_iter()
        .map(|(name, sql)| Cell { name, sql })
        .collect();
    let (last, sql) = match layout.rest.strip_prefix(CELL_MARKER) {
        _ if only_cell.is_some() => (only_cell.unwrap_or_default(), layout.rest.as_str()),
        Some(marked) => {
            let (cell, rest) = marked.split_once('\n').unwrap_or((marked, ""));
            (cell.trim().to_string(), rest)
        }
        None => (name.to_string(), layout.rest.as_str()),
    };
    cells.push(Cell {
        name: last,
        sql: sqltext::normalize(sql),
    });
    let description = (!comments.is_empty()).then(|| comments.join("\n"));
    Ok(Publication {
        id: id.to_string(),
        name: name.to_string(),
        description,
        cells,
    })
}

impl Notebooks {
    /// The desired analyses in the repo `view` describes, one per publication.
    pub fn to_desired(&self, view: &RepoView) -> Result<Vec<Desired>, NotebookError> {
        let mut out: Vec<Desired> = Vec::new();
        for p in &self.publications {
            if out.iter().any(|d| d.id == p.id) {
                return Err(NotebookError {
                    id: p.id.clone(),
                    reason: "the id is used twice".into(),
                });
            }
            out.push(Desired {
                id: p.id.clone(),
                state: ResourceState {
                    kind: ResourceKind::Analysis,
                    name: p.name.clone(),
                    value: json!({"name": p.name, "sql": p.to_sql(view)?}),
                    file: None,
                },
            });
        }
        Ok(out)
    }

    /// The publications `states` hold, and the analyses that cannot be read as one.
    pub fn from_states(states: &[(String, ResourceState)]) -> (Notebooks, Vec<NotebookError>) {
        let mut publications = Vec::new();
        let mut errors = Vec::new();
        for (id, s) in states {
            if s.kind != ResourceKind::Analysis {
                continue;
            }
            let Some(sql) = s.value.get("sql").and_then(|v| v.as_str()) else {
                continue;
            };
            match read_sql(id, &s.name, sql) {
                Ok(p) => publications.push(p),
                Err(e) => errors.push(e),
            }
        }
        (Notebooks { publications }, errors)
    }

    /// The publications after the repo's changes (a pull's or a plan's vendor changes), and
    /// the analyses that changed in a way that cannot be read as cells (those publications
    /// stay as the tool has them).
    pub fn apply_changes(
        &self,
        view: &RepoView,
        changes: &[VendorChange],
    ) -> Result<(Notebooks, Vec<NotebookError>), NotebookError> {
        let (mut out, errors) =
            Notebooks::from_states(&states_after(self.to_desired(view)?, changes));
        for e in &errors {
            if let Some(mine) = self.publications.iter().find(|p| p.name == e.id) {
                out.publications.push(mine.clone());
            }
        }
        // The tool's publications in its order, then new ones.
        out.publications.sort_by_key(|p| {
            self.publications
                .iter()
                .position(|m| m.id == p.id)
                .unwrap_or(usize::MAX)
        });
        Ok((out, errors))
    }
}

/// The publications the repo holds (every analysis that splits into cells), under the ids
/// the sync state binds, and the analyses that do not.
pub fn published(view: &RepoView) -> (Notebooks, Vec<NotebookError>) {
    Notebooks::from_states(&view_states(view, &crate::Scope::notebook()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> RepoView {
        let mut view = RepoView::default();
        view.models.insert("orders".into());
        view.models.insert("dim_customers".into());
        view.sources.insert(("stripe".into(), "payments".into()));
        view
    }

    #[test]
    fn relation_names_become_refs_and_sources_but_cells_win() {
        let earlier = BTreeSet::from(["orders"]);
        assert_eq!(
            with_refs(
                "select * from analytics.dim_customers c\njoin raw.stripe.payments p on 1 = 1\njoin orders o on 1 = 1",
                &earlier,
                &view()
            ),
            "select * from {{ ref('dim_customers') }} c\njoin {{ source('stripe', 'payments') }} p on 1 = 1\njoin orders o on 1 = 1"
        );
    }

    #[test]
    fn a_publication_round_trips_through_its_analysis() {
        let p = Publication {
            id: "nb-1".into(),
            name: "repeat_buyers".into(),
            description: Some("Who buys again.\nBy first-order month.".into()),
            cells: vec![
                Cell {
                    name: "base".into(),
                    sql: "select * from {{ ref('orders') }}\nwhere ordered_at >= '{{ var(\"orders_start_date\") }}'".into(),
                },
                Cell {
                    name: "summary".into(),
                    sql: "select count(*) as orders\nfrom base".into(),
                },
            ],
        };
        let sql = p.to_sql(&view()).unwrap();
        assert!(
            sql.starts_with(
                "-- Who buys again.\n-- By first-order month.\nwith\n\nbase as (\n\n    select"
            ),
            "{sql}"
        );
        assert!(
            sql.ends_with(")\n\n-- cell: summary\nselect count(*) as orders\nfrom base\n"),
            "{sql}"
        );
        assert_eq!(read_sql("nb-1", "repeat_buyers", &sql).unwrap(), p);
        // A single cell that starts with a comment would read back as the description.
        let mut commented = p.clone();
        commented.cells.truncate(1);
        commented.description = None;
        commented.cells[0].name = commented.name.clone();
        commented.cells[0].sql = "-- recent orders only\nselect 1 as x".into();
        assert!(commented.to_sql(&view()).is_err());
        // A single cell named apart from the publication keeps its name.
        let mut single = p.clone();
        single.cells.remove(0);
        single.cells[0].sql = "select 1 as x".into();
        let sql = single.to_sql(&view()).unwrap();
        assert!(sql.ends_with("-- cell: summary\nselect 1 as x\n"), "{sql}");
        assert_eq!(read_sql("nb-1", "repeat_buyers", &sql).unwrap(), single);
        let bad = "with a as (select 1)\n-- stray\n, b as (select 2)\nselect * from b";
        assert!(
            read_sql("x", "x", bad)
                .unwrap_err()
                .reason
                .contains("comment between CTEs")
        );
    }
}
