//! Which files dbt reads and what each one is, and the resources a non-YAML file declares by
//! itself (models, seeds, analyses, singular tests, snapshots, macros, docs blocks, functions).

use super::FileRole;
use super::jinja::{self, BlockKind, SqlFacts};
use crate::model::{Location, ProjectPaths, Reference, Resource, ResourceKind};

fn under<'a>(path: &'a str, folders: &[String]) -> Option<&'a str> {
    folders.iter().find_map(|f| {
        if f.is_empty() || f == "." {
            return Some(path);
        }
        path.strip_prefix(f.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
    })
}

/// The role of a file, or `None` when dbt does not read it.
pub(crate) fn classify(path: &str, paths: &ProjectPaths) -> Option<FileRole> {
    if path == "dbt_project.yml" {
        return Some(FileRole::Project);
    }
    if path == super::properties::SELECTORS_FILE {
        return Some(FileRole::Properties);
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "yml" | "yaml" => under(path, &paths.all_source_paths()).map(|_| FileRole::Properties),
        "md" => under(path, &paths.docs_paths()).map(|_| FileRole::Docs),
        "csv" => under(path, &paths.seed).map(|_| FileRole::Seed),
        "py" => under(path, &paths.model).map(|_| FileRole::PythonModel),
        "sql" => {
            if under(path, &paths.model).is_some() {
                Some(FileRole::Model)
            } else if under(path, &paths.snapshot).is_some() {
                Some(FileRole::Snapshot)
            } else if under(path, &paths.analysis).is_some() {
                Some(FileRole::Analysis)
            } else if let Some(rest) = under(path, &paths.test) {
                if rest.starts_with("generic/") {
                    Some(FileRole::GenericTestDefinition)
                } else if rest.starts_with("fixtures/") {
                    None
                } else {
                    Some(FileRole::SingularTest)
                }
            } else if under(path, &paths.macros).is_some() {
                Some(FileRole::Macro)
            } else if under(path, &paths.function).is_some() {
                Some(FileRole::Function)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The folders between a resource's source path and its file: the middle of dbt's fqn.
pub(crate) fn fqn_dirs(path: &str, paths: &ProjectPaths) -> Vec<String> {
    let rest = under(path, &paths.all_source_paths()).unwrap_or(path);
    let mut parts: Vec<String> = rest.split('/').map(str::to_string).collect();
    parts.pop();
    parts
}

/// A file name without its folder and extension.
pub(crate) fn stem(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split_once('.').map_or(file, |(s, _)| s)
}

/// A resource declared by a whole SQL or Python file, with what its SQL says.
pub(crate) fn sql_resource(
    kind: ResourceKind,
    package: &str,
    path: &str,
    facts: &SqlFacts,
    len: usize,
) -> Resource {
    let name = stem(path);
    let mut r = Resource::new(
        kind,
        package,
        name,
        format!("{}.{package}.{name}", kind.id_prefix()),
        Location::whole_file(path, len),
    );
    apply_sql_facts(&mut r, facts);
    r
}

pub(crate) fn apply_sql_facts(r: &mut Resource, facts: &SqlFacts) {
    for call in &facts.refs {
        r.references.push(Reference::Ref {
            package: call.package.clone(),
            name: call.name.clone(),
            version: call.version.clone(),
        });
    }
    for call in &facts.sources {
        r.references.push(Reference::Source {
            source: call.source.clone(),
            table: call.table.clone(),
        });
    }
    r.sql_config = facts.config.clone().into();
    r.vars = facts.vars.iter().map(|v| v.name.clone()).collect();
    if !facts.is_certain() {
        r.uncertain = Some(
            facts
                .uncertain
                .iter()
                .map(|u| u.reason.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        );
    }
}

/// Resources declared by `{% ... %}` blocks: snapshots, macros (and generic test
/// definitions), materializations, docs blocks.
pub(crate) fn block_resources(
    package: &str,
    path: &str,
    text: &str,
    blocks: &[jinja::JinjaBlock],
) -> Vec<Resource> {
    let mut out = Vec::new();
    for block in blocks {
        let (kind, name) = match block.kind {
            BlockKind::Docs => (ResourceKind::Doc, block.name.clone()),
            BlockKind::Snapshot => (ResourceKind::Snapshot, block.name.clone()),
            BlockKind::Macro => (ResourceKind::Macro, block.name.clone()),
            BlockKind::Test => (ResourceKind::Macro, format!("test_{}", block.name)),
            BlockKind::Materialization => {
                let adapter = block.adapter.as_deref().unwrap_or("default");
                (
                    ResourceKind::Macro,
                    format!("materialization_{}_{adapter}", block.name),
                )
            }
        };
        let (line, column) = jinja::line_col(text, block.span.start);
        let location = Location {
            file: path.into(),
            line,
            column,
            span: block.span.clone(),
            yaml_path: String::new(),
        };
        let mut r = Resource::new(
            kind,
            package,
            &name,
            format!("{}.{package}.{name}", kind.id_prefix()),
            location,
        );
        let body = text.get(block.body.clone()).unwrap_or_default();
        match block.kind {
            BlockKind::Docs => r.description = Some(body.to_string()),
            BlockKind::Snapshot => apply_sql_facts(&mut r, &jinja::extract_sql(body)),
            _ => {}
        }
        out.push(r);
    }
    out
}

/// `dbt.ref("x")`, `dbt.source("s", "t")` and `dbt.config(...)` in a Python model. Only string
/// literal arguments are read; anything else marks the extraction uncertain.
pub(crate) fn python_facts(text: &str) -> SqlFacts {
    let mut facts = SqlFacts::default();
    for (call, is_ref) in [("dbt.ref(", true), ("dbt.source(", false)] {
        let mut rest = text;
        let mut base = 0;
        while let Some(i) = rest.find(call) {
            let args_start = i + call.len();
            let args = &rest[args_start..];
            let close = args.find(')').unwrap_or(args.len());
            let literals: Option<Vec<String>> = args[..close]
                .split(',')
                .map(|a| {
                    let a = a.trim();
                    let q = a.chars().next()?;
                    (matches!(q, '"' | '\'') && a.len() >= 2 && a.ends_with(q))
                        .then(|| a[1..a.len() - 1].to_string())
                })
                .collect();
            match (literals, is_ref) {
                (Some(l), true) if l.len() == 1 || l.len() == 2 => {
                    let (package, name) = if l.len() == 2 {
                        (Some(l[0].clone()), l[1].clone())
                    } else {
                        (None, l[0].clone())
                    };
                    facts.refs.push(jinja::RefCall {
                        package,
                        name,
                        version: None,
                        offset: base + i,
                    });
                }
                (Some(l), false) if l.len() == 2 => facts.sources.push(jinja::SourceCall {
                    source: l[0].clone(),
                    table: l[1].clone(),
                    offset: base + i,
                }),
                _ => facts.uncertain.push(jinja::Uncertainty {
                    reason: format!("{call}...) with arguments that are not string literals"),
                    offset: base + i,
                }),
            }
            base += args_start;
            rest = &rest[args_start..];
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_by_folder_and_extension() {
        let paths = ProjectPaths::default();
        assert_eq!(classify("models/a/b.sql", &paths), Some(FileRole::Model));
        assert_eq!(
            classify("models/a/_models.yml", &paths),
            Some(FileRole::Properties)
        );
        assert_eq!(
            classify("models/a/b.py", &paths),
            Some(FileRole::PythonModel)
        );
        assert_eq!(
            classify("tests/generic/is_even.sql", &paths),
            Some(FileRole::GenericTestDefinition)
        );
        assert_eq!(classify("tests/fixtures/rows.sql", &paths), None);
        assert_eq!(
            classify("tests/assert_x.sql", &paths),
            Some(FileRole::SingularTest)
        );
        assert_eq!(classify("seeds/raw.csv", &paths), Some(FileRole::Seed));
        assert_eq!(classify("docs/overview.md", &paths), None);
        assert_eq!(classify("models/docs.md", &paths), Some(FileRole::Docs));
        assert_eq!(classify("README.md", &paths), None);
        assert_eq!(classify("dbt_project.yml", &paths), Some(FileRole::Project));
        assert_eq!(classify("packages.yml", &paths), None);
    }

    #[test]
    fn fqn_middle_is_the_folders() {
        let paths = ProjectPaths::default();
        assert_eq!(
            fqn_dirs("models/marts/finance/orders.sql", &paths),
            vec!["marts", "finance"]
        );
        assert!(fqn_dirs("models/orders.sql", &paths).is_empty());
        assert_eq!(stem("models/a/orders.sql"), "orders");
    }

    #[test]
    fn python_model_refs() {
        let f = python_facts(
            "def model(dbt, session):\n    a = dbt.ref(\"orders\")\n    b = dbt.source('shop', 'raw')\n    c = dbt.ref(name)\n",
        );
        assert_eq!(f.refs.len(), 1);
        assert_eq!(f.refs[0].name, "orders");
        assert_eq!(f.sources.len(), 1);
        assert_eq!(f.uncertain.len(), 1);
    }
}
