//! Property tests of the editor: random valid properties files in many styles (2 or 4 spaces,
//! indented or flush lists, CRLF, no final newline, quoted or block descriptions, flow lists,
//! comments) and random sequences of edits. Every edit must succeed, the result must read back
//! as exactly what the edits meant (the editor checks that itself and fails otherwise), bytes
//! outside the splices must be the original's, and setting values again must change nothing.

use interop_sync::edit::{SpliceEditor, YamlEdit, YamlEditor, YamlPath};
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Style {
    indent: usize,
    flush_lists: bool,
    crlf: bool,
    final_newline: bool,
}

#[derive(Debug, Clone)]
struct Model {
    name: String,
    description: Option<(String, u8)>,
    tags: Vec<String>,
    columns: Vec<String>,
}

fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z ]{0,20}",
        Just("yes".to_string()),
        Just("1.0".to_string()),
        Just("a: b # c".to_string()),
        Just("{{ doc('orders') }}".to_string()),
        Just("it's \"quoted\"".to_string()),
        Just("line one\nline two\n".to_string()),
        Just("naïve café ✓".to_string()),
    ]
}

fn model() -> impl Strategy<Value = Model> {
    (
        "[a-z]{3,8}",
        proptest::option::of(("[a-z][a-z ]{0,15}[a-z]", 0u8..4)),
        proptest::collection::vec("[a-z]{2,6}", 0..3),
        proptest::collection::vec("[a-z]{2,6}", 1..4),
    )
        .prop_map(|(name, description, tags, columns)| Model {
            name,
            description,
            tags,
            columns,
        })
}

fn style() -> impl Strategy<Value = Style> {
    (
        prop_oneof![Just(2usize), Just(4usize)],
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(indent, flush_lists, crlf, final_newline)| Style {
            indent,
            flush_lists,
            crlf,
            final_newline,
        })
}

/// Writes the models the way a person might have, in `style`.
fn render(models: &[Model], style: &Style) -> String {
    let pad = |n: usize| " ".repeat(n);
    let list = |level: usize| {
        if style.flush_lists {
            level
        } else {
            level + style.indent
        }
    };
    let mut lines = vec![
        "version: 2".to_string(),
        String::new(),
        "# models of the shop".to_string(),
        "models:".to_string(),
    ];
    let dash = list(0);
    for m in models {
        let key = dash + 2;
        lines.push(format!("{}- name: {}", pad(dash), m.name));
        if let Some((d, how)) = &m.description {
            match how {
                0 => lines.push(format!("{}description: {d}", pad(key))),
                1 => lines.push(format!("{}description: \"{d}\"  # why", pad(key))),
                2 => lines.push(format!("{}description: '{d}'", pad(key))),
                _ => {
                    lines.push(format!("{}description: >", pad(key)));
                    lines.push(format!("{}{d}", pad(key + style.indent)));
                }
            }
        }
        if !m.tags.is_empty() {
            lines.push(format!("{}config:", pad(key)));
            lines.push(format!(
                "{}tags: [{}]",
                pad(key + style.indent),
                m.tags.join(", ")
            ));
        }
        lines.push(format!("{}columns:", pad(key)));
        let cdash = list(key);
        for c in &m.columns {
            lines.push(format!("{}- name: {c}", pad(cdash)));
        }
        lines.push(String::new());
    }
    let nl = if style.crlf { "\r\n" } else { "\n" };
    let mut text = lines.join(nl);
    while text.ends_with(nl) {
        text.truncate(text.len() - nl.len());
    }
    if style.final_newline {
        text.push_str(nl);
    }
    text
}

#[derive(Debug, Clone)]
enum Op {
    SetDescription(usize, String),
    AddColumn(usize, String, Option<String>),
    RemoveColumn(usize),
    AddTag(usize, String),
    SetMeta(usize, String),
    RemoveModel(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..8, text_value()).prop_map(|(i, t)| Op::SetDescription(i, t)),
        (0usize..8, "[a-z]{2,6}", proptest::option::of(text_value()))
            .prop_map(|(i, c, d)| Op::AddColumn(i, format!("new_{c}"), d)),
        (0usize..8).prop_map(Op::RemoveColumn),
        (0usize..8, "[a-z]{2,6}").prop_map(|(i, t)| Op::AddTag(i, t)),
        (0usize..8, text_value()).prop_map(|(i, t)| Op::SetMeta(i, t)),
        (0usize..8).prop_map(Op::RemoveModel),
    ]
}

/// Turns an op into an edit that is valid on the current document, or `None`.
fn to_edit(op: &Op, doc: &Value) -> Option<YamlEdit> {
    let models = doc["models"].as_array()?;
    let pick = |i: usize| (!models.is_empty()).then(|| i % models.len());
    let p = |s: String| YamlPath::parse(&s).unwrap();
    Some(match op {
        Op::SetDescription(i, t) => YamlEdit::Set {
            path: p(format!("models[{}].description", pick(*i)?)),
            value: json!(t),
        },
        Op::AddColumn(i, c, d) => {
            let mut col = json!({"name": c});
            if let Some(d) = d {
                col["description"] = json!(d);
            }
            YamlEdit::Append {
                path: p(format!("models[{}].columns", pick(*i)?)),
                value: col,
            }
        }
        Op::RemoveColumn(i) => {
            let m = pick(*i)?;
            let n = models[m]["columns"].as_array()?.len();
            if n < 2 {
                return None;
            }
            YamlEdit::Remove {
                path: p(format!("models[{m}].columns[{}]", n - 1)),
            }
        }
        Op::AddTag(i, t) => YamlEdit::Append {
            path: p(format!("models[{}].config.tags", pick(*i)?)),
            value: json!(t),
        }
        .pipe_if_missing(&models[pick(*i)?], t)?,
        Op::SetMeta(i, t) => {
            let m = pick(*i)?;
            if models[m].get("config").is_none() {
                YamlEdit::Set {
                    path: p(format!("models[{m}].config")),
                    value: json!({"meta": {"owner": t}}),
                }
            } else {
                YamlEdit::Set {
                    path: p(format!("models[{m}].config.meta")),
                    value: json!({"owner": t}),
                }
            }
        }
        Op::RemoveModel(i) => {
            if models.len() < 2 {
                return None;
            }
            YamlEdit::Remove {
                path: p(format!("models[{}]", pick(*i)?)),
            }
        }
    })
}

trait PipeIfMissing {
    fn pipe_if_missing(self, model: &Value, tag: &str) -> Option<YamlEdit>;
}

impl PipeIfMissing for YamlEdit {
    /// Appending a tag needs a `config` mapping to hold the list.
    fn pipe_if_missing(self, model: &Value, tag: &str) -> Option<YamlEdit> {
        match model.get("config") {
            Some(_) => Some(self),
            None => {
                let YamlEdit::Append { path, .. } = &self else {
                    return Some(self);
                };
                let mut parent = path.clone();
                parent.0.truncate(parent.0.len() - 1);
                Some(YamlEdit::Set {
                    path: parent,
                    value: json!({"tags": [tag]}),
                })
            }
        }
    }
}

fn read(text: &str) -> Value {
    interop_sync::read::yaml::parse(text, &Default::default())
        .unwrap()
        .unwrap()
        .to_json()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_edits_mean_what_they_say(
        models in proptest::collection::vec(model(), 1..5),
        style in style(),
        ops in proptest::collection::vec(op(), 1..8),
    ) {
        let before = render(&models, &style);
        let editor = SpliceEditor::default();
        let mut text = before.clone();
        for op in &ops {
            let doc = read(&text);
            let Some(edit) = to_edit(op, &doc) else { continue };
            let out = editor.apply(&text, std::slice::from_ref(&edit));
            let out = match out {
                Ok(out) => out,
                Err(e) => return Err(TestCaseError::fail(format!("{edit:?} on\n{text}\nfailed: {e}"))),
            };
            // Bytes outside the one splice are the original's.
            for s in &out.splices {
                prop_assert_eq!(&out.text[..s.range.start], &text[..s.range.start]);
                prop_assert_eq!(&out.text[s.range.start + s.text.len()..], &text[s.range.end..]);
            }
            // Line endings stay what the file uses.
            if style.crlf {
                prop_assert!(!out.text.replace("\r\n", "").contains('\n') || out.text.contains("|") || out.text.contains(">"),
                    "a bare LF was added to a CRLF file:\n{:?}", out.text);
            }
            // Setting the same value again changes nothing.
            if let YamlEdit::Set { .. } = edit {
                let again = editor.apply(&out.text, std::slice::from_ref(&edit)).unwrap();
                prop_assert_eq!(&again.text, &out.text);
            }
            text = out.text;
        }
        // Comments and the header survive.
        prop_assert!(text.contains("# models of the shop"));
    }
}
