//! The house style of one YAML file, detected so that new entries look like their neighbours:
//! indent width, whether block sequences are indented under their key, line endings.

use crate::read::yaml::{Node, NodeValue};

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStyle {
    /// Spaces per nesting level of a mapping (2 or 4 usually).
    pub indent: usize,
    /// Whether `- item` lines sit deeper than their parent key (`key:\n  - a`) rather than
    /// flush with it (`key:\n- a`).
    pub indented_sequences: bool,
    /// `\r\n` line endings.
    pub crlf: bool,
}

impl FileStyle {
    /// The line ending.
    pub fn newline(&self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }

    /// Detects the style of `text`, whose tree is `root`; defaults to dbt's usual 2-space,
    /// indented-sequence style.
    pub fn detect(text: &str, root: Option<&Node>) -> Self {
        let mut style = FileStyle {
            indent: 2,
            indented_sequences: true,
            crlf: text.contains("\r\n"),
        };
        let Some(root) = root else { return style };
        let mut indents = Vec::new();
        let mut seq_votes = (0usize, 0usize);
        walk(text, root, &mut indents, &mut seq_votes);
        if let Some(min) = indents.iter().copied().filter(|i| *i > 0).min() {
            style.indent = min;
        }
        style.indented_sequences = seq_votes.0 >= seq_votes.1;
        style
    }
}

fn column_of(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    offset - line_start
}

/// Collects the indent step of block mappings under mapping keys, and whether block sequences
/// under keys are indented (votes: indented, flush).
fn walk(text: &str, node: &Node, indents: &mut Vec<usize>, seq: &mut (usize, usize)) {
    match &node.value {
        NodeValue::Map(entries) => {
            for (k, v) in entries {
                if k.aliased() || v.aliased() || v.start() < k.end() {
                    continue;
                }
                let key_col = column_of(text, k.start());
                let v_on_next_line = text[k.end()..v.start().min(text.len())].contains('\n');
                match &v.value {
                    NodeValue::Map(_) if v_on_next_line => {
                        indents.push(column_of(text, v.start()).saturating_sub(key_col));
                    }
                    NodeValue::Seq(items) if v_on_next_line && !items.is_empty() => {
                        let dash_col = column_of(text, v.start());
                        if dash_col > key_col {
                            seq.0 += 1;
                            indents.push(dash_col - key_col);
                        } else {
                            seq.1 += 1;
                        }
                    }
                    _ => {}
                }
                walk(text, v, indents, seq);
            }
        }
        NodeValue::Seq(items) => {
            for item in items {
                walk(text, item, indents, seq);
            }
        }
        NodeValue::Scalar { .. } => {}
    }
}
