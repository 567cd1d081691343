//! Text for new or replaced YAML values, in the style of the file they go into: scalars quoted
//! only when YAML (1.1, as dbt reads it) would misread them, the quoting of a replaced scalar
//! kept, nested blocks at the file's indent.

use serde_json::Value;

use super::style::FileStyle;
use crate::read::yaml::ScalarStyle;

/// Whether a string can be written unquoted and still read back as that same string by a YAML
/// 1.1 loader (PyYAML, which dbt uses).
pub fn plain_safe(s: &str, in_flow: bool) -> bool {
    if s.is_empty() || s != s.trim() || s.contains('\n') || s.contains('\r') || s.contains('\t') {
        return false;
    }
    if s.chars().any(|c| c.is_control() || c == '\u{feff}') {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-x` and `:x` are plain in YAML, but a reader has to think; quote them all.
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if in_flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    // Anything YAML would read as null, bool, number or date.
    let probe = format!("k: {s}\n");
    match crate::read::yaml::parse(&probe, &crate::safety::Limits::default()) {
        Ok(Some(node)) => {
            matches!(node.to_json().get("k"), Some(Value::String(v)) if v == s)
                && !looks_like_date(s)
        }
        _ => false,
    }
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-'
}

/// `'...'` quoting (a `'` is doubled).
pub fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `"..."` quoting with YAML escapes.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A scalar on one line. `keep` is the style of the scalar being replaced, kept when it can
/// hold the value.
pub fn inline_scalar(value: &Value, keep: Option<ScalarStyle>, in_flow: bool) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let one_line = !s.contains(['\n', '\r']) && !s.chars().any(char::is_control);
            match keep {
                Some(ScalarStyle::SingleQuoted) if one_line => single_quoted(s),
                Some(ScalarStyle::DoubleQuoted) => double_quoted(s),
                _ if plain_safe(s, in_flow) => s.clone(),
                _ if one_line => single_quoted(s),
                _ => double_quoted(s),
            }
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|v| inline_scalar(v, None, true)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", key_text(k), inline_scalar(v, None, true)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// A mapping key as written.
pub fn key_text(k: &str) -> String {
    if plain_safe(k, true) {
        k.to_string()
    } else {
        single_quoted(k)
    }
}

/// A multi-line string as a `|` block scalar whose lines sit at `indent` spaces.
pub fn literal_block(s: &str, indent: usize, nl: &str) -> String {
    let chomp = if s.ends_with('\n') { "" } else { "-" };
    let pad = " ".repeat(indent);
    let body = s.strip_suffix('\n').unwrap_or(s);
    let mut out = format!("|{chomp}");
    for line in body.split('\n') {
        out.push_str(nl);
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

/// The text that follows `key:` for `value` when the key sits at column `key_indent`: either
/// ` scalar` on the same line, or a newline and a block at the file's indent.
pub fn after_key(value: &Value, key_indent: usize, style: &FileStyle) -> String {
    let nl = style.newline();
    match value {
        Value::String(s) if s.contains('\n') => {
            format!(" {}", literal_block(s, key_indent + style.indent, nl))
        }
        Value::Object(map) if !map.is_empty() => {
            format!(
                "{nl}{}",
                block_mapping(map, key_indent + style.indent, style)
            )
        }
        Value::Array(items) if !items.is_empty() => {
            let seq_indent = if style.indented_sequences {
                key_indent + style.indent
            } else {
                key_indent
            };
            format!("{nl}{}", block_sequence(items, seq_indent, style))
        }
        other => format!(" {}", inline_scalar(other, None, false)),
    }
}

/// A block mapping whose keys sit at `indent`; no trailing newline.
pub fn block_mapping(
    map: &serde_json::Map<String, Value>,
    indent: usize,
    style: &FileStyle,
) -> String {
    let pad = " ".repeat(indent);
    let lines: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{pad}{}:{}", key_text(k), after_key(v, indent, style)))
        .collect();
    lines.join(style.newline())
}

/// A block sequence whose dashes sit at `indent`; no trailing newline.
pub fn block_sequence(items: &[Value], indent: usize, style: &FileStyle) -> String {
    let pad = " ".repeat(indent);
    let lines: Vec<String> = items
        .iter()
        .map(|item| format!("{pad}- {}", sequence_item(item, indent, style)))
        .collect();
    lines.join(style.newline())
}

/// The text after `- ` for one item of a block sequence whose dash is at `dash_indent`.
pub fn sequence_item(item: &Value, dash_indent: usize, style: &FileStyle) -> String {
    match item {
        Value::Object(map) if !map.is_empty() => {
            let inner = block_mapping(map, dash_indent + 2, style);
            // The first key goes on the dash's line.
            inner.trim_start().to_string()
        }
        Value::String(s) if s.contains('\n') => literal_block(s, dash_indent + 2, style.newline()),
        other => inline_scalar(other, None, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_what_yaml_would_misread() {
        for s in [
            "yes",
            "on",
            "No",
            "1.0",
            "12",
            "null",
            "~",
            "{{ doc('x') }}",
            "a: b",
            "x #y",
            "",
            " lead",
            "2024-01-01",
            "*a",
            "- x",
        ] {
            assert!(!plain_safe(s, false), "{s:?} must be quoted");
        }
        for s in [
            "orders",
            "Primary key of the order",
            "a-b",
            "1.0.0a",
            "ref('x')",
        ] {
            assert!(plain_safe(s, false), "{s:?} can be plain");
        }
        assert!(!plain_safe("a, b", true));
    }

    #[test]
    fn keeps_the_quoting_of_the_replaced_scalar() {
        assert_eq!(
            inline_scalar(&json!("New"), Some(ScalarStyle::DoubleQuoted), false),
            "\"New\""
        );
        assert_eq!(
            inline_scalar(&json!("it's"), Some(ScalarStyle::SingleQuoted), false),
            "'it''s'"
        );
        assert_eq!(
            inline_scalar(&json!("yes"), Some(ScalarStyle::Plain), false),
            "'yes'"
        );
    }

    #[test]
    fn nested_blocks_follow_the_file_indent() {
        let style = FileStyle {
            indent: 4,
            indented_sequences: false,
            crlf: false,
        };
        let v = json!({"name": "id", "data_tests": ["unique", "not_null"], "config": {"meta": {"pii": false}}});
        let text = format!("- {}", sequence_item(&v, 4, &style));
        assert_eq!(
            text,
            "- name: id\n      data_tests:\n      - unique\n      - not_null\n      config:\n          meta:\n              pii: false"
        );
    }

    #[test]
    fn multi_line_strings_become_literal_blocks() {
        let style = FileStyle {
            indent: 2,
            indented_sequences: true,
            crlf: false,
        };
        assert_eq!(
            after_key(&json!("a\nb\n"), 4, &style),
            " |\n      a\n      b"
        );
        assert_eq!(after_key(&json!("a\n\nb"), 0, &style), " |-\n  a\n\n  b");
    }
}
