//! `interop edit DIR`: applies resource operations to a project folder and prints the diff.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use interop_sdk::sync::edit::dbt_rules::TestSpec;
use interop_sdk::sync::edit::plan::{FileChange, PlanOptions, ResourceOp, apply_plan};
use interop_sdk::sync::read::{FolderSource, Reader};
use interop_sdk::sync::safety::{Limits, validate_repo_path};
use serde_json::Value;

use crate::exit;

#[derive(clap::Args)]
pub struct Args {
    /// The dbt project folder.
    dir: PathBuf,
    /// An operation (repeatable); see the examples below.
    #[arg(long = "op", value_name = "OP")]
    ops: Vec<String>,
    /// A YAML or JSON file holding a list of operations.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Only print the diff; exit 1 if anything would change.
    #[arg(long)]
    check: bool,
    /// Print the changes as JSON: `{files: [{path, before, after, diff}], deleted, errors,
    /// written}`.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: crate::limits::LimitArgs,
}

/// Parses `VALUE` as JSON when it is JSON, else takes it as a string.
fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// `set ID FIELD=VALUE`, `unset ID FIELD`, `set-column ID COLUMN FIELD=VALUE`,
/// `remove-column ID COLUMN`, `add-test ID[:COLUMN] TEST [ARGS-JSON]`, `remove-test TEST-ID`,
/// `rename ID NEW-NAME`.
fn parse_op(text: &str) -> anyhow::Result<ResourceOp> {
    let words = shell_words(text);
    let w = |i: usize| -> anyhow::Result<&str> {
        words
            .get(i)
            .map(String::as_str)
            .with_context(|| format!("'{text}': too few words"))
    };
    let assignment = |s: &str| -> anyhow::Result<(String, Value)> {
        let (k, v) = s
            .split_once('=')
            .with_context(|| format!("'{s}': expected FIELD=VALUE"))?;
        Ok((k.to_string(), value(v)))
    };
    Ok(match w(0)? {
        "set" => {
            let (field, value) = assignment(w(2)?)?;
            ResourceOp::Set {
                resource: w(1)?.into(),
                field,
                value,
            }
        }
        "unset" => ResourceOp::Unset {
            resource: w(1)?.into(),
            field: w(2)?.into(),
        },
        "set-column" => {
            let (field, value) = assignment(w(3)?)?;
            ResourceOp::SetColumn {
                resource: w(1)?.into(),
                column: w(2)?.into(),
                field,
                value,
            }
        }
        "remove-column" => ResourceOp::RemoveColumn {
            resource: w(1)?.into(),
            column: w(2)?.into(),
        },
        "add-test" => {
            let (resource, column) = match w(1)?.split_once(':') {
                Some((r, c)) => (r.to_string(), Some(c.to_string())),
                None => (w(1)?.to_string(), None),
            };
            let arguments = match words.get(3) {
                Some(json) => match value(json) {
                    Value::Object(m) => m,
                    _ => bail!("'{json}': test arguments must be a JSON object"),
                },
                None => Default::default(),
            };
            ResourceOp::AddTest {
                resource,
                column,
                test: TestSpec {
                    name: w(2)?.into(),
                    arguments,
                    ..Default::default()
                },
            }
        }
        "remove-test" => ResourceOp::RemoveTest { test: w(1)?.into() },
        "remove" => ResourceOp::Remove {
            resource: w(1)?.into(),
        },
        "move" => ResourceOp::Move {
            resource: w(1)?.into(),
            to_file: w(2)?.into(),
        },
        "rename" => ResourceOp::Rename {
            resource: w(1)?.into(),
            new_name: w(2)?.into(),
        },
        other => bail!(
            "unknown operation '{other}' (set, unset, set-column, remove-column, add-test, remove-test, remove, move, rename)"
        ),
    })
}

/// Splits on spaces outside quotes and outside `{...}`/`[...]`. Double quotes stay in the word
/// (so `description="a b"` gives the JSON string `"a b"`); a word wrapped in single quotes loses
/// them.
fn shell_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '{' | '[') => {
                depth += 1;
                cur.push(c);
            }
            (None, '}' | ']') => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            (None, c) if c.is_whitespace() && depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out.into_iter()
        .map(
            |w| match w.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
                Some(inner) => inner.to_string(),
                None => w,
            },
        )
        .collect()
}

fn read_plan_file(path: &Path, limits: &Limits) -> anyhow::Result<Vec<ResourceOp>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let root = interop_sdk::sync::read::yaml::parse(&text, limits)
        .map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
    let json = root.map(|r| r.to_json()).unwrap_or(Value::Null);
    let items = json
        .as_array()
        .with_context(|| format!("{}: a plan is a list of operations", path.display()))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            ResourceOp::from_json(item)
                .map_err(|e| anyhow::anyhow!("{}: [{i}]: {e}", path.display()))
        })
        .collect()
}

pub fn unified_diff(change: &FileChange) -> String {
    let before = change.before.as_deref().unwrap_or("");
    let old_name = if change.before.is_some() {
        format!("a/{}", change.path)
    } else {
        "/dev/null".into()
    };
    similar::TextDiff::from_lines(before, &change.after)
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("b/{}", change.path))
        .to_string()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut ops: Vec<ResourceOp> = args
        .ops
        .iter()
        .map(|o| parse_op(o))
        .collect::<anyhow::Result<_>>()?;
    if let Some(plan) = &args.plan {
        ops.extend(read_plan_file(plan, &args.limits.limits())?);
    }
    anyhow::ensure!(!ops.is_empty(), "nothing to do: give --op or --plan");
    anyhow::ensure!(args.dir.is_dir(), "{}: no such folder", args.dir.display());
    let source = FolderSource::new(&args.dir);
    let limits = args.limits.limits();
    let project = Reader::new(limits.clone())
        .read(&source)
        .context("reading the project")?;
    let options = PlanOptions {
        limits,
        ..PlanOptions::default()
    };
    let changes = apply_plan(&project, &source, &ops, &options);
    if args.json {
        let written = changes.errors.is_empty() && !args.check;
        let files: Vec<Value> = changes
            .files
            .iter()
            .map(|c| {
                serde_json::json!({
                    "path": c.path,
                    "before": c.before,
                    "after": c.after,
                    "diff": unified_diff(c),
                })
            })
            .collect();
        let errors: Vec<String> = changes.errors.iter().map(ToString::to_string).collect();
        let doc = serde_json::json!({
            "files": files,
            "deleted": changes.deleted,
            "errors": errors,
            "written": written,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for change in &changes.files {
            print!("{}", unified_diff(change));
        }
        for path in &changes.deleted {
            println!("deleted: {path}");
        }
        for e in &changes.errors {
            eprintln!("error: {e}");
        }
    }
    if !changes.errors.is_empty() {
        return Ok(exit::BAD_INPUT);
    }
    if args.check {
        let pending = !changes.files.is_empty() || !changes.deleted.is_empty();
        return Ok(if !pending {
            exit::OK
        } else {
            exit::CHANGES_PENDING
        });
    }
    for change in &changes.files {
        let rel = validate_repo_path(&change.path).map_err(|e| anyhow::anyhow!("{e}"))?;
        let target = args.dir.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating the folder of {rel}"))?;
        }
        // Written beside the target and renamed over it, so a crash leaves the old file whole.
        let tmp = target.with_extension("interop-tmp");
        std::fs::write(&tmp, &change.after).with_context(|| format!("writing {rel}"))?;
        std::fs::rename(&tmp, &target).with_context(|| format!("writing {rel}"))?;
    }
    for path in &changes.deleted {
        let rel = validate_repo_path(path).map_err(|e| anyhow::anyhow!("{e}"))?;
        std::fs::remove_file(args.dir.join(&rel)).with_context(|| format!("deleting {rel}"))?;
    }
    eprintln!(
        "{} files changed, {} deleted",
        changes.files.len(),
        changes.deleted.len()
    );
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_from_the_command_line() {
        assert_eq!(
            parse_op("set model.a.orders description=\"All the orders\"").unwrap(),
            ResourceOp::Set {
                resource: "model.a.orders".into(),
                field: "description".into(),
                value: Value::String("All the orders".into())
            }
        );
        match parse_op("add-test model.a.orders:status accepted_values '{\"values\": [\"a\"]}'")
            .unwrap()
        {
            ResourceOp::AddTest { column, test, .. } => {
                assert_eq!(column.as_deref(), Some("status"));
                assert_eq!(test.arguments["values"], serde_json::json!(["a"]));
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_op("frobnicate x").is_err());
    }
}
