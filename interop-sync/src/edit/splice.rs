//! The editor: each edit becomes one splice of the file's own text, at the byte span the reader
//! recorded for the node. Nothing outside the spliced range moves.

use std::ops::Range;

use serde_json::Value;

use super::emit;
use super::path::{Segment, YamlPath};
use super::style::FileStyle;
use super::{EditError, YamlEdit};
use crate::read::yaml::{self, Node, NodeValue, ScalarStyle};
use crate::safety::Limits;

/// One splice: replace `range` of the text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    /// The bytes replaced.
    pub range: Range<usize>,
    /// What replaces them.
    pub text: String,
}

/// Where a path leads: the node, and for mapping values the key node and the parent mapping.
struct Found<'a> {
    node: &'a Node,
    key: Option<&'a Node>,
    parent: Option<&'a Node>,
}

fn find<'a>(root: &'a Node, path: &YamlPath) -> Result<Found<'a>, String> {
    let mut found = Found {
        node: root,
        key: None,
        parent: None,
    };
    for (i, seg) in path.0.iter().enumerate() {
        let here = found.node;
        let at = || YamlPath(path.0[..=i].to_vec()).to_string();
        found = match (seg, &here.value) {
            (Segment::Key(k), NodeValue::Map(entries)) => {
                let (key, value) = entries
                    .iter()
                    .find(|(key, _)| key.as_str() == Some(k))
                    .ok_or_else(|| format!("no key at {}", at()))?;
                Found {
                    node: value,
                    key: Some(key),
                    parent: Some(here),
                }
            }
            (Segment::Index(n), NodeValue::Seq(items)) => Found {
                node: items
                    .get(*n)
                    .ok_or_else(|| format!("no item at {}", at()))?,
                key: None,
                parent: Some(here),
            },
            (Segment::Named(name), NodeValue::Seq(_)) => Found {
                node: here
                    .item_named(name)
                    .map(|(_, item)| item)
                    .ok_or_else(|| format!("no entry named '{name}' at {}", at()))?,
                key: None,
                parent: Some(here),
            },
            _ => {
                return Err(format!(
                    "{} is {}, not what the path expects",
                    at(),
                    here.type_name()
                ));
            }
        };
        if found.node.aliased() || found.key.is_some_and(|k| k.aliased()) {
            return Err(format!(
                "{} comes from a YAML alias or merge key; edit the anchor instead",
                at()
            ));
        }
    }
    Ok(found)
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset of the end of the line holding `at` (before its newline).
fn line_end(text: &str, at: usize) -> usize {
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    if end > at && text.as_bytes()[end - 1] == b'\r' && end < text.len() {
        end - 1
    } else {
        end
    }
}

/// The offset just past the newline that ends the line holding `at` (or the end of text).
fn past_line(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// Own-line comments directly above a line (no blank line between) describe what follows them:
/// they go with it when it is removed.
fn with_comments_above(text: &str, line_start_at: usize) -> usize {
    let mut start = line_start_at;
    while start > 0 {
        let prev = line_start(text, start - 1);
        if text[prev..start].trim_start().starts_with('#') {
            start = prev;
        } else {
            break;
        }
    }
    start
}

fn column(text: &str, at: usize) -> usize {
    at - line_start(text, at)
}

fn is_flow(text: &str, node: &Node) -> bool {
    matches!(text.as_bytes().get(node.start()), Some(b'{') | Some(b'['))
}

fn scalar_style(node: &Node) -> Option<ScalarStyle> {
    match &node.value {
        NodeValue::Scalar { style, .. } => Some(*style),
        _ => None,
    }
}

/// The offset just past the `:` that follows a mapping key.
fn colon_after(text: &str, key: &Node) -> usize {
    text[key.end()..]
        .find(':')
        .map_or(key.end(), |i| key.end() + i + 1)
}

/// Plans one edit as a splice of `text`.
pub fn plan(text: &str, edit: &YamlEdit, limits: &Limits) -> Result<Splice, EditError> {
    let root = yaml::parse(text, limits).map_err(|e| EditError::Unreadable(e.to_string()))?;
    plan_parsed(text, root, edit)
}

/// [`plan`] on a text already parsed into `root`.
pub fn plan_parsed(text: &str, root: Option<Node>, edit: &YamlEdit) -> Result<Splice, EditError> {
    let style = FileStyle::detect(text, root.as_ref());
    let fail = |path: &YamlPath, reason: String| EditError::Path {
        path: path.to_string(),
        reason,
    };
    let root = match root {
        Some(r) => r,
        None => {
            // An empty file: the first key starts the document.
            return match edit {
                YamlEdit::Set { path, value } | YamlEdit::Append { path, value }
                    if path.0.len() == 1 =>
                {
                    let Segment::Key(k) = &path.0[0] else {
                        return Err(fail(path, "an empty file has no items".into()));
                    };
                    let value = if matches!(edit, YamlEdit::Append { .. }) {
                        Value::Array(vec![value.clone()])
                    } else {
                        value.clone()
                    };
                    Ok(Splice {
                        range: text.len()..text.len(),
                        text: format!(
                            "{}:{}{}",
                            emit::key_text(k),
                            emit::after_key(&value, 0, &style),
                            style.newline()
                        ),
                    })
                }
                _ => Err(EditError::Path {
                    path: String::new(),
                    reason: "the file is empty".into(),
                }),
            };
        }
    };
    match edit {
        YamlEdit::Set { path, value } => {
            set(text, &root, path, value, &style).map_err(|r| fail(path, r))
        }
        YamlEdit::Insert {
            path,
            key,
            value,
            after,
        } => {
            let parent = find(&root, path).map_err(|r| fail(path, r))?.node;
            if parent.get(key).is_some() {
                return Err(fail(path, format!("'{key}' is already there")));
            }
            insert_key(text, parent, key, value, after.as_deref(), &style)
                .map_err(|r| fail(path, r))
        }
        YamlEdit::Append { path, value } => match find(&root, path) {
            Ok(found) => append(text, found.node, value, &style).map_err(|r| fail(path, r)),
            Err(_) => {
                // The list does not exist yet: create it with one item.
                let (parent_path, Segment::Key(k)) = path
                    .split_last()
                    .ok_or_else(|| fail(path, "empty path".into()))?
                else {
                    return Err(fail(path, "no list there".into()));
                };
                let parent = find(&root, &parent_path).map_err(|r| fail(path, r))?.node;
                insert_key(
                    text,
                    parent,
                    k,
                    &Value::Array(vec![value.clone()]),
                    None,
                    &style,
                )
                .map_err(|r| fail(path, r))
            }
        },
        YamlEdit::Remove { path } => {
            let found = find(&root, path).map_err(|r| fail(path, r))?;
            remove(text, &found).map_err(|r| fail(path, r))
        }
        YamlEdit::RenameKey { path, new_key } => {
            let found = find(&root, path).map_err(|r| fail(path, r))?;
            let key = found
                .key
                .ok_or_else(|| fail(path, "not a mapping key".into()))?;
            if found.parent.and_then(|p| p.get(new_key)).is_some() {
                return Err(fail(path, format!("'{new_key}' is already there")));
            }
            Ok(Splice {
                range: key.start()..key.end(),
                text: emit::key_text(new_key),
            })
        }
    }
}

fn set(
    text: &str,
    root: &Node,
    path: &YamlPath,
    value: &Value,
    style: &FileStyle,
) -> Result<Splice, String> {
    let found = match find(root, path) {
        Ok(f) => f,
        Err(e) => {
            let (parent_path, last) = path.split_last().ok_or("empty path")?;
            let Segment::Key(k) = last else { return Err(e) };
            let parent = find(root, &parent_path)?.node;
            return insert_key(text, parent, k, value, None, style);
        }
    };
    let node = found.node;
    let in_flow = found.parent.is_some_and(|p| is_flow(text, p));
    let multiline = value.as_str().is_some_and(|s| s.contains('\n'));
    let is_scalar_value = !value.is_object() && !value.is_array();
    let key_col = found.key.map(|k| column(text, k.start()));

    // A scalar replaced by a scalar: only the scalar's bytes change, in its own quoting.
    if let (NodeValue::Scalar { .. }, true) = (&node.value, is_scalar_value) {
        let empty = node.start() >= node.end();
        if !multiline && !empty {
            return Ok(Splice {
                range: node.start()..node.end(),
                text: emit::inline_scalar(value, scalar_style(node), in_flow),
            });
        }
        // A block scalar runs to the end of its lines: with a comment after the old value, the
        // new text stays on one line, double-quoted, so the comment stays a comment.
        let comment_after = !text[node.end()..line_end(text, node.end())]
            .trim()
            .is_empty();
        if multiline && !empty && (in_flow || comment_after) {
            return Ok(Splice {
                range: node.start()..node.end(),
                text: emit::double_quoted(value.as_str().unwrap_or_default()),
            });
        }
        if multiline && !empty {
            let indent = match scalar_style(node) {
                // Keep the block's own content indentation.
                Some(ScalarStyle::Literal) | Some(ScalarStyle::Folded) => {
                    let content = past_line(text, node.start());
                    text[content..].chars().take_while(|c| *c == ' ').count()
                }
                _ => key_col.map_or(style.indent, |c| c + style.indent),
            };
            return Ok(Splice {
                range: node.start()..node.end(),
                text: emit::literal_block(
                    value.as_str().unwrap_or_default(),
                    indent,
                    style.newline(),
                ),
            });
        }
    }
    // A flow collection stays flow when the new value is a collection.
    if is_flow(text, node) && !is_scalar_value {
        return Ok(Splice {
            range: node.start()..node.end(),
            text: emit::inline_scalar(value, None, true),
        });
    }
    match (found.key, found.parent) {
        (Some(key), _) => {
            let colon = colon_after(text, key);
            let end = if node.end() > colon {
                node.end()
            } else {
                colon
            };
            Ok(Splice {
                range: colon..end,
                text: emit::after_key(value, column(text, key.start()), style),
            })
        }
        (None, Some(parent)) if matches!(parent.value, NodeValue::Seq(_)) => {
            let dash = column(text, node.start()).saturating_sub(2);
            Ok(Splice {
                range: node.start()..node.end(),
                text: emit::sequence_item(value, dash, style),
            })
        }
        _ => Err("cannot replace the document root".into()),
    }
}

fn insert_key(
    text: &str,
    map: &Node,
    key: &str,
    value: &Value,
    after: Option<&str>,
    style: &FileStyle,
) -> Result<Splice, String> {
    let NodeValue::Map(entries) = &map.value else {
        return Err(format!("{} is not a mapping", map.type_name()));
    };
    if is_flow(text, map) {
        let close = map.end() - 1;
        let entry = format!(
            "{}: {}",
            emit::key_text(key),
            emit::inline_scalar(value, None, true)
        );
        let sep = if entries.is_empty() { "" } else { ", " };
        return Ok(Splice {
            range: close..close,
            text: format!("{sep}{entry}"),
        });
    }
    let Some((first_key, _)) = entries.first() else {
        return Err("an empty block mapping".into());
    };
    let pad = column(text, first_key.start());
    let anchor_value = match after {
        Some(a) => entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(a))
            .map(|(_, v)| v),
        None => None,
    }
    // Entries merged in by `<<` sit at the anchor, elsewhere in the file: not a place to write.
    .or(entries
        .iter()
        .rev()
        .find(|(k, _)| !k.aliased())
        .map(|(_, v)| v))
    .ok_or("an empty mapping")?;
    let at = line_end(text, anchor_value.end().max(anchor_value.start()));
    // A new top-level block (`models:` under `version: 2`) is set off by a blank line.
    let gap = if pad == 0 && (value.is_array() || value.is_object()) {
        style.newline()
    } else {
        ""
    };
    let line = format!(
        "{gap}{}{}{}:{}",
        style.newline(),
        " ".repeat(pad),
        emit::key_text(key),
        emit::after_key(value, pad, style)
    );
    Ok(Splice {
        range: at..at,
        text: line,
    })
}

fn append(text: &str, seq: &Node, value: &Value, style: &FileStyle) -> Result<Splice, String> {
    let NodeValue::Seq(items) = &seq.value else {
        return Err(format!("{} is not a list", seq.type_name()));
    };
    if is_flow(text, seq) {
        let close = seq.end() - 1;
        let sep = if items.is_empty() { "" } else { ", " };
        return Ok(Splice {
            range: close..close,
            text: format!("{sep}{}", emit::inline_scalar(value, None, true)),
        });
    }
    let last = items.last().ok_or("an empty block list")?;
    let dash = column(text, seq.start());
    let at = line_end(text, last.end().max(last.start()));
    // Entries separated by blank lines get one before the new entry too.
    let spaced = items.len() >= 2 && {
        let prev = &items[items.len() - 2];
        let gap =
            &text[line_end(text, prev.end().max(prev.start()))..line_start(text, last.start())];
        let lines: Vec<&str> = gap.split('\n').collect();
        lines.len() > 2
            && lines[1..lines.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    };
    Ok(Splice {
        range: at..at,
        text: format!(
            "{}{}{}- {}",
            if spaced { style.newline() } else { "" },
            style.newline(),
            " ".repeat(dash),
            emit::sequence_item(value, dash, style)
        ),
    })
}

fn remove(text: &str, found: &Found<'_>) -> Result<Splice, String> {
    let parent = found.parent.ok_or("cannot remove the document root")?;
    let node = found.node;
    if is_flow(text, parent) {
        let start = found.key.map_or(node.start(), |k| k.start());
        let mut end = node.end();
        let rest = &text[end..];
        let trimmed = rest.trim_start();
        if trimmed.starts_with(',') {
            end += rest.len() - trimmed.len() + 1;
            end += text[end..].len() - text[end..].trim_start_matches(' ').len();
            return Ok(Splice {
                range: start..end,
                text: String::new(),
            });
        }
        // The last item: take the comma before it.
        let before = text[..start].trim_end();
        let start = if before.ends_with(',') {
            before.len() - 1
        } else {
            start
        };
        return Ok(Splice {
            range: start..end,
            text: String::new(),
        });
    }
    match (&parent.value, found.key) {
        (NodeValue::Map(entries), Some(key)) => {
            let ls = line_start(text, key.start());
            let on_dash_line = text[ls..key.start()].contains('-');
            if on_dash_line {
                let index = entries
                    .iter()
                    .position(|(k, _)| std::ptr::eq(k, key))
                    .ok_or("key not found")?;
                return match entries.get(index + 1) {
                    Some((next, _)) => Ok(Splice { range: key.start()..next.start(), text: String::new() }),
                    None => Err("removing the only key of a list item would leave an empty item; remove the item".into()),
                };
            }
            let start = with_comments_above(text, ls);
            Ok(Splice {
                range: start..past_line(text, node.end().max(key.end())),
                text: String::new(),
            })
        }
        (NodeValue::Seq(items), None) if items.len() == 1 => {
            // The last item: the list stays, empty (`key: []`), rather than leaving a key that
            // holds null.
            let before = text[..parent.start()].trim_end();
            if !before.ends_with(':') {
                return Err("cannot empty a list that is not the value of a key".into());
            }
            Ok(Splice {
                range: before.len()..line_end(text, node.end()),
                text: " []".into(),
            })
        }
        (NodeValue::Seq(_), None) => {
            let ls = with_comments_above(text, line_start(text, node.start()));
            Ok(Splice {
                range: ls..past_line(text, node.end()),
                text: String::new(),
            })
        }
        _ => Err("nothing to remove there".into()),
    }
}
