//! A YAML document as a tree of nodes that remember their byte span, line and column, built
//! from the event parser. Aliases are expanded (within a budget) and `<<` merge keys applied, the
//! way dbt's PyYAML loader reads a file; duplicate keys are an error.
//!
//! The parser crate stays behind this module: the rest of the reader sees only [`Node`].

use std::collections::HashMap;

use compact_str::CompactString;
use granit_parser::{Event, Options, Parser, ScalarStyle as ParserStyle};

use crate::safety::Limits;

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted.
    Plain,
    /// `'...'`.
    SingleQuoted,
    /// `"..."`.
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

/// The content of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// A scalar: its text after YAML escape processing, its style and its explicit tag.
    Scalar {
        /// The text (short texts, most keys and names, are stored inline).
        text: CompactString,
        /// How it was written.
        style: ScalarStyle,
        /// An explicit tag such as `!!str`, as its suffix (rare: boxed to keep nodes small).
        tag: Option<Box<CompactString>>,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order, merge keys applied.
    Map(Vec<(Node, Node)>),
}

/// One YAML node and where it was written.
///
/// Parsed trees stay in the reader's cache for the life of a [`crate::read::Reader`], so a node
/// is kept small: 56 bytes, with offsets, lines and columns as `u32` (files are under 2 GiB),
/// short text inline, a tag boxed, and collections without spare capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The content.
    pub value: NodeValue,
    /// Byte offset of the first byte (see [`Node::start`]).
    start: u32,
    /// Byte offset just past the last byte of content (see [`Node::end`]), with
    /// [`ALIASED`] set for a copy (see [`Node::aliased`]).
    end_and_flag: u32,
    /// 1-based line of the first byte.
    pub line: u32,
    /// 1-based column of the first byte.
    pub column: u32,
}

/// The bit of `Node::end_and_flag` that marks an alias copy; offsets stay below it.
const ALIASED: u32 = 1 << 31;

/// A YAML syntax or structure error, with where it happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {path_prefix}{message}", path_prefix = path_prefix(yaml_path))]
pub struct YamlError {
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Byte offset.
    pub offset: usize,
    /// YAML path of the node being read, when known.
    pub yaml_path: String,
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

impl Node {
    /// Byte offset of the first byte.
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// Byte offset just past the last byte of content.
    pub fn end(&self) -> usize {
        (self.end_and_flag & !ALIASED) as usize
    }

    /// The node is a copy made by an alias (`*name`) or a `<<` merge key: its span is the
    /// anchor's, not a place of its own, so it cannot be edited where it appears.
    pub fn aliased(&self) -> bool {
        self.end_and_flag & ALIASED != 0
    }

    fn new(value: NodeValue, start: usize, end: usize, line: usize, column: usize) -> Node {
        // `parse` refuses texts of 2 GiB or more, so offsets fit below the flag bit.
        Node {
            value,
            start: to_u32(start),
            end_and_flag: to_u32(end) & !ALIASED,
            line: to_u32(line),
            column: to_u32(column),
        }
    }

    fn set_aliased(&mut self) {
        self.end_and_flag |= ALIASED;
    }

    /// The node's byte range in its file.
    pub fn span(&self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a scalar that YAML reads as a string (quoted, or plain and not a null,
    /// bool or number).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The scalar's text when it is a string, a number or a bool in YAML 1.1 terms; `None` for
    /// null and collections. Names such as `name: 2024` are still names to dbt.
    pub fn as_text(&self) -> Option<String> {
        let NodeValue::Scalar { text, style, tag } = &self.value else {
            return None;
        };
        match scalar_to_json(text, *style, tag.as_deref().map(CompactString::as_str)) {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(if b { "True" } else { "False" }.to_string()),
            _ => None,
        }
    }

    /// The item of a sequence whose `name` is `name` (how dbt entries are found), with its index.
    pub fn item_named(&self, name: &str) -> Option<(usize, &Node)> {
        self.as_seq()?
            .iter()
            .enumerate()
            .find(|(_, item)| item.get("name").and_then(Node::as_text).as_deref() == Some(name))
    }

    /// The entries of a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            NodeValue::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items of a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Whether the node is a YAML null (`~`, `null`, or nothing).
    pub fn is_null(&self) -> bool {
        match &self.value {
            NodeValue::Scalar { text, style, tag } => {
                scalar_to_json(text, *style, tag.as_deref().map(CompactString::as_str)).is_null()
            }
            _ => false,
        }
    }

    /// A short name of the node's type for error messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Map(_) => "a mapping",
            NodeValue::Seq(_) => "a list",
            NodeValue::Scalar { .. } => match self.to_json() {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Number(_) => "a number",
                _ => "a string",
            },
        }
    }

    /// The node as JSON, with plain scalars resolved the way PyYAML's safe loader (YAML 1.1)
    /// resolves them, which is how dbt reads properties files.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            NodeValue::Scalar { text, style, tag } => {
                scalar_to_json(text, *style, tag.as_deref().map(CompactString::as_str))
            }
            NodeValue::Seq(items) => items.iter().map(Node::to_json).collect(),
            NodeValue::Map(entries) => {
                let mut map = serde_json::Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = match k.to_json() {
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Null => "None".to_string(),
                        other => other.to_string(),
                    };
                    map.insert(key, v.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }
}

fn scalar_to_json(text: &str, style: ScalarStyle, tag: Option<&str>) -> serde_json::Value {
    use serde_json::Value;
    match tag {
        Some("str") => return Value::String(text.to_string()),
        Some("int") | Some("float") | Some("bool") | Some("null") => {
            return resolve_plain(text).unwrap_or_else(|| Value::String(text.to_string()));
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    resolve_plain(text).unwrap_or_else(|| Value::String(text.to_string()))
}

/// YAML 1.1 implicit types of a plain scalar (null, bool, int, float); `None` for strings.
fn resolve_plain(text: &str) -> Option<serde_json::Value> {
    use serde_json::Value;
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Some(Value::Bool(true));
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Some(Value::Bool(false));
        }
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(i) = resolve_int(text) {
        return Some(Value::Number(i.into()));
    }
    resolve_float(text)
}

fn resolve_int(text: &str) -> Option<i64> {
    let (neg, body) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() {
        return None;
    }
    let clean: String = body.chars().filter(|c| *c != '_').collect();
    let value = if let Some(bin) = body.strip_prefix("0b") {
        if bin.is_empty() || !bin.chars().all(|c| matches!(c, '0' | '1' | '_')) {
            return None;
        }
        i64::from_str_radix(&clean[2..], 2).ok()?
    } else if let Some(hex) = body.strip_prefix("0x") {
        if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit() || c == '_') {
            return None;
        }
        i64::from_str_radix(&clean[2..], 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        if !body.chars().all(|c| matches!(c, '0'..='7' | '_')) {
            return None;
        }
        i64::from_str_radix(&clean, 8).ok()?
    } else {
        if !body.chars().all(|c| c.is_ascii_digit() || c == '_') || body.starts_with('_') {
            return None;
        }
        clean.parse::<i64>().ok()?
    };
    Some(if neg { -value } else { value })
}

fn resolve_float(text: &str) -> Option<serde_json::Value> {
    let body = text.trim_start_matches(['-', '+']);
    if matches!(body, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        // JSON has no infinities; keep the text, which is what a reader shows anyway.
        return Some(serde_json::Value::String(text.to_string()));
    }
    // PyYAML: digits, a dot, digits, optionally an exponent with a sign. `1e3` is a string.
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let dot = mantissa.find('.')?;
    let (int_part, frac) = (&mantissa[..dot], &mantissa[dot + 1..]);
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !digits(int_part) || !digits(frac) || (int_part.is_empty() && frac.is_empty()) {
        return None;
    }
    if int_part.is_empty() && exponent.is_some() {
        return None;
    }
    if let Some(exp) = exponent {
        let rest = exp.strip_prefix(['-', '+'])?;
        if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let f: f64 = clean.parse().ok()?;
    serde_json::Number::from_f64(f).map(serde_json::Value::Number)
}

/// Parses one YAML file into its root node (`None` for an empty file). A file with more than one
/// document is an error, as it is for dbt.
pub fn parse(text: &str, limits: &Limits) -> Result<Option<Node>, YamlError> {
    // Nodes keep their offsets in 31 bits.
    if text.len() >= ALIASED as usize {
        return Err(YamlError {
            message: "a YAML file of 2 GiB or more cannot be read".into(),
            line: 1,
            column: 1,
            offset: 0,
            yaml_path: String::new(),
        });
    }
    let mut options = Options::default();
    options.emit_comments = false;
    options.block_nesting_limit = limits.max_depth;
    options.flow_nesting_limit = limits.max_depth;
    let parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder::new(text, limits);
    for item in parser {
        let (event, span) = item.map_err(|e| {
            let mark = e.marker();
            let offset = mark.byte_offset().unwrap_or(0);
            let info = e.info();
            let message = if info.contains("recursion limit") || info.contains("nesting limit") {
                format!(
                    "nested deeper than {} levels (limit max_depth)",
                    limits.max_depth
                )
            } else {
                info
            };
            YamlError {
                message,
                line: mark.line(),
                column: mark.col() + 1,
                offset,
                yaml_path: builder.path(),
            }
        })?;
        let start = span.start.byte_offset().unwrap_or(0);
        let end = span.end.byte_offset().unwrap_or(start);
        let pos = Pos {
            start,
            end,
            line: span.start.line(),
            column: span.start.col() + 1,
        };
        builder.event(event, pos)?;
    }
    Ok(builder.root)
}

#[derive(Clone, Copy)]
struct Pos {
    start: usize,
    end: usize,
    line: usize,
    column: usize,
}

/// A collection being built. Its children sit at the end of the builder's shared `items` or
/// `entries`, from `first` on, and move into an exactly sized vector when it ends: no growth
/// reallocations per collection and no spare capacity kept in the cached tree.
enum Frame {
    Seq {
        first: usize,
        pos: Pos,
        anchor: usize,
    },
    Map {
        first: usize,
        pending_key: Option<Node>,
        pos: Pos,
        anchor: usize,
    },
}

struct Builder<'a> {
    text: &'a str,
    limits: &'a Limits,
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<(Node, Node)>,
    anchors: HashMap<usize, (Node, usize)>,
    expanded: usize,
    documents: usize,
    root: Option<Node>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, limits: &'a Limits) -> Self {
        Builder {
            text,
            limits,
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            expanded: 0,
            documents: 0,
            root: None,
        }
    }

    /// The YAML path of the node being built, for error messages.
    fn path(&self) -> String {
        let mut out = String::new();
        let mut seq_ends = self
            .stack
            .iter()
            .filter_map(|f| match f {
                Frame::Seq { first, .. } => Some(*first),
                Frame::Map { .. } => None,
            })
            .skip(1)
            .chain([self.items.len()]);
        for frame in &self.stack {
            match frame {
                Frame::Seq { first, .. } => {
                    let end = seq_ends.next().unwrap_or(*first);
                    out.push_str(&format!("[{}]", end - first));
                }
                Frame::Map { pending_key, .. } => {
                    if let Some(k) = pending_key.as_ref().and_then(Node::as_str) {
                        if !out.is_empty() {
                            out.push('.');
                        }
                        out.push_str(k);
                    }
                }
            }
        }
        out
    }

    fn error(&self, message: impl Into<String>, pos: Pos) -> YamlError {
        YamlError {
            message: message.into(),
            line: pos.line,
            column: pos.column,
            offset: pos.start,
            yaml_path: self.path(),
        }
    }

    fn event(&mut self, event: Event<'_>, pos: Pos) -> Result<(), YamlError> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.error("a properties file holds one YAML document", pos));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ParserStyle::Plain => ScalarStyle::Plain,
                    ParserStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    ParserStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    ParserStyle::Literal => ScalarStyle::Literal,
                    _ => ScalarStyle::Folded,
                };
                let tag = tag.map(|t| Box::new(CompactString::from(tag_suffix(&format!("{t:?}")))));
                // The parser's span of a block scalar starts at its content and runs into the
                // next line's indentation; a node's span covers the `|`/`>` header to the last
                // content byte, which is what an editor replaces.
                let (start, end) = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => (
                        block_scalar_header(self.text, pos.start).unwrap_or(pos.start),
                        self.trim_end(pos.start, pos.end),
                    ),
                    _ => (pos.start, pos.end),
                };
                let (line, column) = if start == pos.start {
                    (pos.line, pos.column)
                } else {
                    line_col_before(self.text, pos, start)
                };
                let node = Node::new(
                    NodeValue::Scalar {
                        text: CompactString::from(text),
                        style,
                        tag,
                    },
                    start,
                    end,
                    line,
                    column,
                );
                self.finish(node, anchor, 1, pos)?;
            }
            Event::SequenceStart(structure, anchor, _) => {
                self.check_depth(pos)?;
                // A block sequence's event may sit at its first item's content; its node starts
                // at the first dash.
                let mut pos = pos;
                if structure == granit_parser::StructureStyle::Block {
                    let before = self.text[..pos.start].trim_end_matches(' ');
                    if before.ends_with('-') {
                        let dash = before.len() - 1;
                        (pos.line, pos.column) = line_col_before(self.text, pos, dash);
                        pos.start = dash;
                    }
                }
                self.stack.push(Frame::Seq {
                    first: self.items.len(),
                    pos,
                    anchor,
                });
            }
            Event::MappingStart(_, anchor, _) => {
                self.check_depth(pos)?;
                self.stack.push(Frame::Map {
                    first: self.entries.len(),
                    pending_key: None,
                    pos,
                    anchor,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    first,
                    pos: start,
                    anchor,
                }) = self.stack.pop()
                {
                    let items = self.items.split_off(first);
                    let end = items
                        .last()
                        .map_or(pos.end.max(start.end), |n| n.end().max(pos.end));
                    let count = 1 + items.len();
                    let node = Node::new(
                        NodeValue::Seq(items),
                        start.start,
                        self.trim_end(start.start, end),
                        start.line,
                        start.column,
                    );
                    self.finish(node, anchor, count, pos)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    first,
                    pos: start,
                    anchor,
                    ..
                }) = self.stack.pop()
                {
                    let entries = self.entries.split_off(first);
                    let end = entries
                        .last()
                        .map_or(pos.end.max(start.end), |(_, v)| v.end().max(pos.end));
                    let count = 1 + entries.len() * 2;
                    let entries = self.apply_merge_keys(entries)?;
                    let node = Node::new(
                        NodeValue::Map(entries),
                        start.start,
                        self.trim_end(start.start, end),
                        start.line,
                        start.column,
                    );
                    self.finish(node, anchor, count, pos)?;
                }
            }
            Event::Alias(id) => {
                let Some((mut node, count)) = self.anchors.get(&id).cloned() else {
                    return Err(self.error("alias to an unknown anchor", pos));
                };
                self.expanded += count;
                if self.expanded > self.limits.max_alias_nodes {
                    return Err(self.error(
                        format!(
                            "aliases expand to more than {} nodes (limit max_alias_nodes)",
                            self.limits.max_alias_nodes
                        ),
                        pos,
                    ));
                }
                // The copy stands where the alias is written; everything inside it belongs to
                // the anchor, so none of it can be edited here.
                node = Node::new(node.value, pos.start, pos.end, pos.line, pos.column);
                mark_aliased(&mut node);
                self.finish(node, 0, 0, pos)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Block collections end where the next token starts; pull the end back over trailing
    /// whitespace and comments so a span covers content only.
    fn trim_end(&self, start: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut end = end.min(bytes.len());
        while end > start && matches!(bytes[end - 1], b' ' | b'\t' | b'\r' | b'\n') {
            end -= 1;
        }
        end
    }

    fn check_depth(&self, pos: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error(
                format!(
                    "nested deeper than {} levels (limit max_depth)",
                    self.limits.max_depth
                ),
                pos,
            ));
        }
        Ok(())
    }

    fn finish(
        &mut self,
        node: Node,
        anchor: usize,
        count: usize,
        pos: Pos,
    ) -> Result<(), YamlError> {
        if anchor != 0 {
            let count = count_nodes(&node).max(count);
            self.anchors.insert(anchor, (node.clone(), count));
        }
        let duplicate = match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                return Ok(());
            }
            Some(Frame::Seq { .. }) => {
                self.items.push(node);
                return Ok(());
            }
            Some(Frame::Map {
                first, pending_key, ..
            }) => match pending_key.take() {
                None => {
                    if !matches!(node.value, NodeValue::Scalar { .. }) {
                        return Err(self.error("a mapping key must be a scalar", pos));
                    }
                    let dup = node
                        .as_str()
                        .filter(|k| *k != "<<")
                        .and_then(|k| {
                            self.entries[*first..]
                                .iter()
                                .find(|(e, _)| e.as_str() == Some(k))
                        })
                        .map(|(e, _)| (e.as_str().unwrap_or_default().to_string(), e.line));
                    *pending_key = Some(node);
                    dup
                }
                Some(key) => {
                    self.entries.push((key, node));
                    None
                }
            },
        };
        if let Some((key, first_line)) = duplicate {
            return Err(self.error(
                format!("duplicate key '{key}' (first defined on line {first_line})"),
                pos,
            ));
        }
        Ok(())
    }

    /// A `<<` whose value is not a mapping: located at that value, under the path `<<`.
    fn merge_key_error(&self, value: &Node) -> YamlError {
        let mut e = self.error(
            "a `<<` merge key needs a mapping or a list of mappings",
            Pos {
                start: value.start(),
                end: value.end(),
                line: value.line as usize,
                column: value.column as usize,
            },
        );
        e.yaml_path = if e.yaml_path.is_empty() {
            "<<".into()
        } else {
            format!("{}.<<", e.yaml_path)
        };
        e
    }

    fn apply_merge_keys(&self, entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, YamlError> {
        if !entries
            .iter()
            .any(|(k, _)| matches!(&k.value, NodeValue::Scalar { text, style: ScalarStyle::Plain, .. } if &**text == "<<"))
        {
            return Ok(entries);
        }
        let mut own = Vec::with_capacity(entries.len());
        let mut merged: Vec<(Node, Node)> = Vec::new();
        for (key, value) in entries {
            let is_merge = matches!(&key.value, NodeValue::Scalar { text, style: ScalarStyle::Plain, .. } if &**text == "<<");
            if !is_merge {
                own.push((key, value));
                continue;
            }
            let sources: Vec<&Node> = match &value.value {
                NodeValue::Map(_) => vec![&value],
                NodeValue::Seq(items) => items.iter().collect(),
                NodeValue::Scalar { .. } => return Err(self.merge_key_error(&value)),
            };
            for source in sources {
                let Some(source_entries) = source.as_map() else {
                    return Err(self.merge_key_error(source));
                };
                for (k, v) in source_entries {
                    if !merged.iter().any(|(m, _)| m.as_str() == k.as_str()) {
                        let (mut k, mut v) = (k.clone(), v.clone());
                        k.set_aliased();
                        v.set_aliased();
                        merged.push((k, v));
                    }
                }
            }
        }
        for (k, v) in merged {
            if !own.iter().any(|(o, _)| o.as_str() == k.as_str()) {
                own.push((k, v));
            }
        }
        own.shrink_to_fit();
        Ok(own)
    }
}

/// The byte offset of a block scalar's `|` or `>` indicator, given where its content starts:
/// the indicator is on the last non-blank line before the content, followed only by chomping
/// and indentation indicators and an optional comment.
fn block_scalar_header(text: &str, content_start: usize) -> Option<usize> {
    let before = text.get(..content_start)?.trim_end();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = &before[line_start..];
    line.char_indices().find_map(|(i, c)| {
        if c != '|' && c != '>' {
            return None;
        }
        let rest = line[i + 1..]
            .trim_start_matches(['+', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
        let rest = rest.trim_start();
        (rest.is_empty() || rest.starts_with('#')).then_some(line_start + i)
    })
}

/// 1-based line and column (in characters) of a byte offset at or before `known`, a position
/// whose line is known. Only the text between the two is scanned: counting from the start of the
/// file for every block sequence made parsing quadratic in the file's size.
fn line_col_before(text: &str, known: Pos, offset: usize) -> (usize, usize) {
    let offset = offset.min(known.start).min(text.len());
    let between = &text[offset..known.start.min(text.len())];
    let line = known.line - bytecount_newlines(between);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Lines and columns past `u32::MAX` cannot occur within [`Limits::max_file_bytes`]; saturate.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn bytecount_newlines(text: &str) -> usize {
    text.bytes().filter(|b| *b == b'\n').count()
}

fn mark_aliased(node: &mut Node) {
    node.set_aliased();
    match &mut node.value {
        NodeValue::Scalar { .. } => {}
        NodeValue::Seq(items) => items.iter_mut().for_each(mark_aliased),
        NodeValue::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            mark_aliased(k);
            mark_aliased(v);
        }),
    }
}

fn count_nodes(node: &Node) -> usize {
    match &node.value {
        NodeValue::Scalar { .. } => 1,
        NodeValue::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        NodeValue::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| count_nodes(k) + count_nodes(v))
                .sum::<usize>()
        }
    }
}

/// The short name of a resolved tag (`str` for `tag:yaml.org,2002:str`), from its debug text,
/// which is the only stable view the parser gives of it.
fn tag_suffix(debug: &str) -> String {
    let suffix = debug
        .split("suffix: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or(debug);
    suffix.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Node {
        parse(text, &Limits::default()).unwrap().unwrap()
    }

    #[test]
    fn spans_lines_and_columns() {
        let text = "models:\n  - name: orders\n    description: \"Orders\"\n";
        let root = parse_ok(text);
        let model = &root.get("models").unwrap().as_seq().unwrap()[0];
        assert_eq!((model.line, model.column), (2, 5));
        let name = model.get("name").unwrap();
        assert_eq!(&text[name.span()], "orders");
        let desc = model.get("description").unwrap();
        assert_eq!(&text[desc.span()], "\"Orders\"");
        assert_eq!(
            &text[model.span()],
            "name: orders\n    description: \"Orders\""
        );
    }

    #[test]
    fn block_scalar_span_covers_header_and_content() {
        let text = "a:\n  description: |\n    Literal\n    two\n\n  b: >- # folded\n    x\n";
        let root = parse_ok(text);
        let d = root.get("a").unwrap().get("description").unwrap();
        assert_eq!(&text[d.span()], "|\n    Literal\n    two");
        assert_eq!((d.line, d.column), (2, 16));
        let b = root.get("a").unwrap().get("b").unwrap();
        assert_eq!(&text[b.span()], ">- # folded\n    x");
    }

    #[test]
    fn yaml_1_1_scalars_as_pyyaml_reads_them() {
        let root = parse_ok(
            "a: yes\nb: 'yes'\nc: 1.0\nd: 1e3\ne: 010\nf: 0x1F\ng: ~\nh: 2027-01-01\ni: -3\nj: .5\n",
        );
        let j = root.to_json();
        assert_eq!(j["a"], serde_json::json!(true));
        assert_eq!(j["b"], serde_json::json!("yes"));
        assert_eq!(j["c"], serde_json::json!(1.0));
        assert_eq!(j["d"], serde_json::json!("1e3"));
        assert_eq!(j["e"], serde_json::json!(8));
        assert_eq!(j["f"], serde_json::json!(31));
        assert_eq!(j["g"], serde_json::Value::Null);
        assert_eq!(j["h"], serde_json::json!("2027-01-01"));
        assert_eq!(j["i"], serde_json::json!(-3));
        assert_eq!(j["j"], serde_json::json!(0.5));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let root = parse_ok(
            "anchors:\n  - &cfg {severity: warn, tags: [a]}\nx:\n  <<: *cfg\n  severity: error\ny: *cfg\n",
        );
        let j = root.to_json();
        assert_eq!(
            j["x"],
            serde_json::json!({"severity": "error", "tags": ["a"]})
        );
        assert_eq!(
            j["y"],
            serde_json::json!({"severity": "warn", "tags": ["a"]})
        );
    }

    #[test]
    fn duplicate_key_is_an_error_with_its_path() {
        let err = parse(
            "models:\n  - name: a\n    description: x\n    description: y\n",
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!((err.line, err.column), (4, 5));
        assert!(err.message.contains("duplicate key 'description'"), "{err}");
        assert_eq!(err.yaml_path, "models[0].description");
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = (b'a' + i - 1) as char;
            let cur = (b'a' + i) as char;
            text.push_str(&format!(
                "{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let err = parse(&text, &Limits::default()).unwrap_err();
        assert!(err.message.contains("max_alias_nodes"), "{err}");
    }

    #[test]
    fn deep_nesting_is_stopped() {
        let text = "[".repeat(10_000);
        let err = parse(&text, &Limits::default()).unwrap_err();
        assert!(err.line >= 1);
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse("models:\n  - name: a\n   bad: [\n", &Limits::default()).unwrap_err();
        assert!(err.line >= 2, "{err}");
    }

    #[test]
    fn two_documents_are_an_error() {
        let err = parse("a: 1\n---\nb: 2\n", &Limits::default()).unwrap_err();
        assert!(err.message.contains("one YAML document"));
    }
}
