//! The checks behind each fuzz target. Every function takes the fuzzer's bytes, runs one part of
//! the engine on them and panics only when an invariant breaks; the engine itself must never
//! panic, whatever the bytes.
#![forbid(unsafe_code)]

use std::collections::HashMap;

use arbitrary::{Arbitrary, Unstructured};
use interop_sync::edit::dbt_rules::{escape_jinja, looks_like_jinja, unescape_jinja};
use interop_sync::edit::{Segment, SpliceEditor, YamlEdit, YamlEditor, YamlPath};
use interop_sync::merge::{Policies, Policy, merge_resource, merge_text};
use interop_sync::read::jinja::{doc_refs, extract_sql, line_col, scan_blocks};
use interop_sync::read::yaml::{self, Node, NodeValue};
use interop_sync::read::{ProjectSource, Reader, SourceError, SourceFile};
use interop_sync::safety::Limits;
use serde_json::{Map, Value};

/// Valid dbt properties files the editor target starts from (the fuzzer picks one, or brings
/// its own text).
const SEEDS: &[&str] = &[
    include_str!("../../interop-sync/tests/fixtures/edits/two_space__set_description/before.yml"),
    include_str!("../../interop-sync/tests/fixtures/edits/crlf__set_description/before.yml"),
    include_str!(
        "../../interop-sync/tests/fixtures/edits/anchors_doc_refs__set_description/before.yml"
    ),
    include_str!(
        "../../interop-sync/tests/fixtures/edits/block_scalars_comments__set_description/before.yml"
    ),
    include_str!(
        "../../interop-sync/tests/fixtures/edits/flow_no_final_newline__set_description/before.yml"
    ),
    include_str!(
        "../../interop-sync/tests/fixtures/edits/four_space_flush__set_description/before.yml"
    ),
];

/// Small limits, so that the fuzzer reaches them with short inputs.
fn small_limits() -> Limits {
    Limits {
        max_file_bytes: 64 * 1024,
        max_depth: 16,
        max_alias_nodes: 500,
        max_files: 100,
    }
}

/// An in-memory project: a fixed `dbt_project.yml` and model, plus the fuzzed file.
struct MemorySource(HashMap<String, Vec<u8>>);

impl ProjectSource for MemorySource {
    fn list(&self) -> Result<Vec<SourceFile>, SourceError> {
        let mut files: Vec<SourceFile> = self
            .0
            .keys()
            .map(|path| SourceFile {
                path: path.clone(),
                oid: None,
                size: None,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn read(&self, file: &SourceFile) -> Result<Vec<u8>, SourceError> {
        self.0
            .get(&file.path)
            .cloned()
            .ok_or_else(|| SourceError::Io {
                path: file.path.clone(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            })
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

fn check_yaml_error(text: &str, e: &yaml::YamlError) {
    assert!(e.line >= 1 && e.column >= 1, "{e:?}");
    assert!(
        e.offset <= text.len(),
        "{e:?} past the end ({})",
        text.len()
    );
}

fn check_spans(text: &str, node: &Node) {
    assert!(node.start() <= node.end() && node.end() <= text.len(), "{node:?}");
    match &node.value {
        NodeValue::Scalar { .. } => {}
        NodeValue::Seq(items) => items.iter().for_each(|n| check_spans(text, n)),
        NodeValue::Map(entries) => entries.iter().for_each(|(k, v)| {
            check_spans(text, k);
            check_spans(text, v);
        }),
    }
}

/// The YAML reader: any bytes parse or give a located error, and a properties file holding
/// them reads into a project (with errors) without panicking.
pub fn yaml_read(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        for limits in [Limits::default(), small_limits()] {
            match yaml::parse(text, &limits) {
                Ok(Some(root)) => {
                    check_spans(text, &root);
                    let _ = root.to_json();
                }
                Ok(None) => {}
                Err(e) => check_yaml_error(text, &e),
            }
        }
    }
    let mut files = HashMap::new();
    files.insert(
        "dbt_project.yml".to_string(),
        b"name: fuzz\nprofile: fuzz\n".to_vec(),
    );
    files.insert(
        "models/orders.sql".to_string(),
        b"select 1 as id\n".to_vec(),
    );
    files.insert("models/_fuzz.yml".to_string(), data.to_vec());
    let project = Reader::new(small_limits())
        .read(&MemorySource(files))
        .expect("a project with a dbt_project.yml always reads");
    for e in &project.errors {
        assert!(e.line >= 1 && e.column >= 1, "{e:?}");
        assert!(!e.file.is_empty(), "{e:?}");
    }
    assert!(project.get("model.fuzz.orders").is_some());
}

/// The Jinja scanner of SQL, docs and macro files: offsets stay inside the text, blocks nest
/// properly, nothing panics.
pub fn sql_jinja(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let facts = extract_sql(text);
    for u in &facts.uncertain {
        assert!(u.offset <= text.len(), "{u:?}");
    }
    for r in &facts.refs {
        assert!(r.offset <= text.len(), "{r:?}");
    }
    let _ = doc_refs(text);
    // Vendor text escaped for dbt comes back unchanged, and nothing in it is Jinja any more.
    let escaped = escape_jinja(text);
    assert_eq!(unescape_jinja(&escaped), text, "escaped as {escaped:?}");
    if looks_like_jinja(text) {
        let inert = extract_sql(&escaped);
        assert!(
            inert.is_certain()
                && inert.refs.is_empty()
                && inert.sources.is_empty()
                && inert.vars.is_empty()
                && inert.config.is_empty(),
            "escaped text still acts: {escaped:?} -> {inert:?}"
        );
    }
    match scan_blocks(text) {
        Ok(blocks) => {
            let mut last_end = 0;
            for b in &blocks {
                assert!(b.span.start >= last_end, "blocks overlap: {blocks:?}");
                assert!(b.span.end <= text.len(), "{b:?}");
                assert!(
                    b.span.start <= b.body.start
                        && b.body.start <= b.body.end
                        && b.body.end <= b.span.end,
                    "{b:?}"
                );
                assert!(
                    text.get(b.body.clone()).is_some(),
                    "body off a char boundary"
                );
                last_end = b.span.end;
            }
        }
        Err(e) => {
            assert!(e.offset <= text.len(), "{e:?}");
            assert_eq!(line_col(text, e.offset), (e.line, e.column), "{e:?}");
        }
    }
}

/// Every path to a node of the tree (keys, indices and, for named items, names).
fn paths(node: &Node, at: &mut Vec<Segment>, out: &mut Vec<(YamlPath, bool)>) {
    out.push((
        YamlPath(at.clone()),
        matches!(node.value, NodeValue::Seq(_)),
    ));
    match &node.value {
        NodeValue::Scalar { .. } => {}
        NodeValue::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let named = item
                    .get("name")
                    .and_then(Node::as_str)
                    .map(|n| Segment::Named(n.to_string()));
                at.push(named.unwrap_or(Segment::Index(i)));
                paths(item, at, out);
                at.pop();
            }
        }
        NodeValue::Map(entries) => {
            for (k, v) in entries {
                if let Some(key) = k.as_str() {
                    at.push(Segment::Key(key.to_string()));
                    paths(v, at, out);
                    at.pop();
                }
            }
        }
    }
}

/// A small JSON value, with the strings that YAML and dbt find tricky.
fn value(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
    const TEXTS: &[&str] = &[
        "plain text",
        "yes",
        "1.0",
        "a: b",
        "x #y",
        "{{ run_query('select 1') }}",
        "{% do log('x') %}",
        "{# c #}",
        "two\nlines\n",
        "'quoted'",
        "\"dq\"",
        "- dash",
        "&anchor",
        "*alias",
        "",
        " lead",
        "tab\there",
        "null",
        "~",
    ];
    Ok(match u.int_in_range(0..=7)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i32>()?),
        3 | 4 => Value::String((*u.choose(TEXTS)?).to_string()),
        5 => Value::String(String::arbitrary(u)?),
        6 if depth < 3 => {
            let n = u.int_in_range(0..=3)?;
            Value::Array(
                (0..n)
                    .map(|_| value(u, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        _ if depth < 3 => {
            let n = u.int_in_range(0..=3)?;
            let mut m = Map::new();
            for _ in 0..n {
                let key = (*u.choose(&["name", "description", "meta", "tags", "k"])?).to_string();
                m.insert(key, value(u, depth + 1)?);
            }
            Value::Object(m)
        }
        _ => Value::String("leaf".into()),
    })
}

/// The editor: one edit at a real path of a valid file is either refused (the file untouched)
/// or gives a file that parses, changed only inside the spliced range; repeating a `Set`
/// changes no byte.
pub fn yaml_edit(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(pick) = u.int_in_range(0..=SEEDS.len()) else {
        return;
    };
    let own;
    let text: &str = if pick < SEEDS.len() {
        SEEDS[pick]
    } else {
        own = match <&str>::arbitrary(&mut u) {
            Ok(t) => t.to_string(),
            Err(_) => return,
        };
        &own
    };
    let Ok(Some(root)) = yaml::parse(text, &Limits::default()) else {
        return;
    };
    let mut all = Vec::new();
    paths(&root, &mut Vec::new(), &mut all);
    let Ok((path, is_seq)) = u.choose(&all).cloned() else {
        return;
    };
    let Ok(op) = u.int_in_range(0..=4u8) else {
        return;
    };
    let Ok(v) = value(&mut u, 0) else { return };
    let key = u
        .choose(&["description", "tags", "new_key", "name", "meta"])
        .map(|k| (*k).to_string())
        .unwrap_or_else(|_| "k".into());
    let edit = match op {
        0 if !path.0.is_empty() => YamlEdit::Set {
            path: path.clone(),
            value: v,
        },
        1 => YamlEdit::Insert {
            path: path.clone(),
            key,
            value: v,
            after: None,
        },
        2 if is_seq => YamlEdit::Append {
            path: path.clone(),
            value: v,
        },
        3 if !path.0.is_empty() => YamlEdit::Remove { path: path.clone() },
        4 if matches!(path.0.last(), Some(Segment::Key(_))) => YamlEdit::RenameKey {
            path: path.clone(),
            new_key: key,
        },
        _ => YamlEdit::Set {
            path: path.key(&key),
            value: v,
        },
    };
    let editor = SpliceEditor::default();
    let Ok(edited) = editor.apply(text, std::slice::from_ref(&edit)) else {
        return;
    };
    let after = &edited.text;
    assert!(
        yaml::parse(after, &Limits::default()).is_ok(),
        "the edited file does not parse:\n{after}"
    );
    match edited.splices.as_slice() {
        [] => assert_eq!(after, text, "no splice but the text changed"),
        [s] => {
            assert_eq!(&after[..s.range.start], &text[..s.range.start], "{edit:?}");
            let tail = text.len() - s.range.end;
            assert_eq!(
                &after[after.len() - tail..],
                &text[s.range.end..],
                "bytes after the splice moved: {edit:?}"
            );
        }
        more => panic!("one edit made {} splices", more.len()),
    }
    // Setting a key again changes nothing (a `Set` of a named item, or of its `name`, changes
    // what the path names, so it cannot be repeated).
    if let YamlEdit::Set { path: set_at, .. } = &edit
        && matches!(set_at.0.last(), Some(Segment::Key(k)) if k != "name")
    {
        let again = editor
            .apply(after, std::slice::from_ref(&edit))
            .expect("repeating an edit that succeeded is accepted");
        assert_eq!(
            &again.text, after,
            "repeating a Set changed bytes: {edit:?}"
        );
    }
}

#[derive(Debug, Arbitrary)]
struct MergeInput {
    base: Option<Vec<u8>>,
    vendor: Option<Vec<u8>>,
    repo: Option<Vec<u8>>,
    policy: u8,
    texts: (String, String, String),
}

/// The three-way merge: never panics; a side equal to the base yields to the other; equal
/// sides agree; the text merge of an unchanged side gives the other side.
pub fn merge(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(input) = MergeInput::arbitrary(&mut u) else {
        return;
    };
    let to_value = |bytes: &Option<Vec<u8>>| {
        bytes
            .as_ref()
            .and_then(|b| value(&mut Unstructured::new(b), 0).ok())
    };
    let (base, vendor, repo) = (
        to_value(&input.base),
        to_value(&input.vendor),
        to_value(&input.repo),
    );
    let policy = match input.policy % 3 {
        0 => Policy::Manual,
        1 => Policy::PreferRepo,
        _ => Policy::PreferVendor,
    };
    let policies = Policies::new(policy);
    let result = merge_resource(base.as_ref(), vendor.as_ref(), repo.as_ref(), &policies);
    if base == vendor {
        assert!(result.conflicts.is_empty(), "{result:?}");
        assert_eq!(
            result.merged, repo,
            "vendor unchanged: the repo's side wins"
        );
    }
    if base == repo {
        assert!(result.conflicts.is_empty(), "{result:?}");
        assert_eq!(
            result.merged, vendor,
            "repo unchanged: the vendor's side wins"
        );
    }
    if vendor == repo {
        assert!(result.conflicts.is_empty(), "{result:?}");
        assert_eq!(result.merged, vendor, "both sides agree");
    }
    let (b, v, r) = &input.texts;
    assert_eq!(merge_text(b, b, r).as_deref().ok(), Some(r.as_str()));
    assert_eq!(merge_text(b, v, b).as_deref().ok(), Some(v.as_str()));
    assert_eq!(merge_text(b, v, v).as_deref().ok(), Some(v.as_str()));
    if let Err(conflict) = merge_text(b, v, r) {
        assert!(
            conflict.regions().next().is_some(),
            "a conflict with no region"
        );
    }
}
