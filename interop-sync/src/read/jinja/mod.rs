//! Static scanning of the Jinja in dbt files, without rendering it.
//!
//! Three entry points share one hand-written lexer for the tag delimiters and one small
//! tokenizer + recursive-descent parser for Jinja expressions:
//!
//! * [`extract_sql`] reads a model, singular test or analysis and reports its `ref`, `source`,
//!   `config` and `var` calls.
//! * [`scan_blocks`] finds the top-level `docs`, `macro`, `test`, `snapshot` and
//!   `materialization` blocks of a macro, docs, snapshot or generic-test file.
//! * [`doc_refs`] lists the `doc(...)` calls of a description.
//!
//! The lexer finds delimiters where Jinja's own lexer would: quotes and brackets inside a tag
//! are respected (so `{{ {'a': 1} }}` and `{{ "}}" }}` are one tag each), `{# #}` comments and
//! `{% raw %}` bodies are skipped, and `-` / `+` whitespace control is accepted on both sides.
//! SQL comments are not special: dbt renders the Jinja inside `-- ...` too. Every pass is linear
//! in its input, and expression nesting is capped so that hostile input cannot exhaust the
//! stack; no input makes these functions panic.
//!
//! # Certain or flagged
//!
//! [`extract_sql`] has the contract of dbt's own static parser: the refs, sources and config it
//! returns are complete unless [`SqlFacts::uncertain`] explains why they might not be. It treats
//! as certain:
//!
//! * calls to `ref`, `source`, `config`, `var`, `env_var`, `is_incremental` and `doc` with
//!   literal arguments, and bare names such as `this` or `target.name`: looking a name up cannot
//!   add a dependency;
//! * filters (`| upper`) and tests (`is none`): dbt defines none that touch the graph;
//! * method calls on a relation or a literal (`ref('a').include(schema=False)`,
//!   `'{}'.format(x)`): they only format what is already known;
//! * both branches of an inline `a if cond else b`, and of `{% if is_incremental() %}` (or
//!   `not is_incremental()`), with its `{% else %}`. That `if` guards almost every incremental
//!   model, and flagging it would make the flag useless. Both branches are read, so the refs are
//!   a superset of what dbt sees: dbt parses with `is_incremental()` false, and a ref that only
//!   appears in the incremental branch is one dbt only discovers at run time. This covers refs
//!   and sources only: a `config()` inside that branch is flagged and its keys are reported as
//!   uncertain, since the value depends on the run.
//!
//! Literal `pre_hook` / `post_hook` configs are read as Jinja too, since dbt renders them at
//! parse time to collect their refs and sources: what they contain counts as if written in the
//! file, reported at the offset of the `config` call.
//!
//! Anything else is flagged: other statement tags (`{% for %}`, `{% set %}`, `{% call %}`,
//! `{% macro %}`, any other `{% if %}`, `{% elif %}`, ...), calls to any other function or macro
//! (`dbt_utils.star(...)`), `ref`/`source`/`config`/`var` with non-literal arguments, and Jinja
//! that cannot be read (an unclosed `{{`, `{%`, `{#` or `{% raw %}` stops the scan there).
//! Calls inside flagged places are still read: `{% set x = ref('a') %}` reports the ref `a` and
//! flags the `set`.

use std::ops::Range;

use serde::Serialize;
use serde_json::{Map, Number, Value};

/// Deep enough for any real config literal; shallow enough that the recursive parser stays far
/// from the end of a 2 MiB thread stack.
const MAX_DEPTH: usize = 64;

/// One `ref(...)` call read from a model, test or analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefCall {
    /// The package of the two-argument form `ref('package', 'model')`.
    pub package: Option<String>,
    /// The name of the referenced model, seed or snapshot.
    pub name: String,
    /// The `v=` / `version=` argument as text: `v=2` and `version='2'` both give `"2"`.
    pub version: Option<String>,
    /// Byte offset of the `ref` name in the file; for a ref inside a literal `pre_hook` /
    /// `post_hook` string, the offset of that `config` call.
    pub offset: usize,
}

/// One `source('source_name', 'table_name')` call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceCall {
    /// The source name (first argument).
    pub source: String,
    /// The table name (second argument).
    pub table: String,
    /// Byte offset of the `source` name in the file (of the `config` call for one in a hook).
    pub offset: usize,
}

/// One `var('name')` or `var('name', default)` call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VarCall {
    /// The variable name.
    pub name: String,
    /// The default, when it is given as a literal. `None` when absent or not a literal (the
    /// latter is also recorded as an [`Uncertainty`]).
    pub default: Option<Value>,
    /// Byte offset of the `var` name in the file (of the `config` call for one in a hook).
    pub offset: usize,
}

/// A reason why [`extract_sql`] cannot be sure it saw every ref, source and config value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Uncertainty {
    /// What was found, for a person to read.
    pub reason: String,
    /// Byte offset in the file where it was found.
    pub offset: usize,
}

/// What [`extract_sql`] could read from a SQL file without rendering it.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SqlFacts {
    /// Every `ref(...)` with literal arguments, in file order (repeats kept), including those in
    /// literal hook strings.
    pub refs: Vec<RefCall>,
    /// Every `source(...)` with literal arguments, in file order (repeats kept).
    pub sources: Vec<SourceCall>,
    /// Keyword arguments of all `config(...)` calls merged in order, a later call replacing a
    /// key wholesale (no dbt-style appending of `tags` or hooks); keys keep the position of
    /// their first mention. Keys whose final value is not a literal are absent here and listed
    /// in `config_uncertain_keys`.
    pub config: Map<String, Value>,
    /// Config keys whose final value is not a literal (for example `var('x')`), or that are set
    /// inside `{% if is_incremental() %}`, in order of first mention.
    pub config_uncertain_keys: Vec<String>,
    /// Every `var(...)` with a literal name, in file order.
    pub vars: Vec<VarCall>,
    /// Why the lists above may be incomplete; empty when they are certain.
    pub uncertain: Vec<Uncertainty>,
    /// Jinja that dbt cannot render at all: an unclosed `{{`, `{%`, `{#` or `{% raw %}`, or an
    /// `{% if %}` without its `{% endif %}`. Each is also in `uncertain`.
    pub syntax_errors: Vec<JinjaError>,
}

impl SqlFacts {
    /// True when nothing could hide a ref, source or config value from this static reading.
    pub fn is_certain(&self) -> bool {
        self.uncertain.is_empty()
    }
}

/// The kinds of top-level block that [`scan_blocks`] finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BlockKind {
    /// `{% docs name %}...{% enddocs %}`.
    Docs,
    /// `{% macro name(args) %}...{% endmacro %}`.
    Macro,
    /// `{% test name(args) %}...{% endtest %}` (a generic test).
    Test,
    /// `{% snapshot name %}...{% endsnapshot %}`.
    Snapshot,
    /// `{% materialization name, adapter='x' %}...{% endmaterialization %}`.
    Materialization,
}

impl BlockKind {
    /// The tag keyword that opens the block (`docs`, `macro`, ...); the closing tag is this
    /// keyword prefixed with `end`.
    pub fn keyword(self) -> &'static str {
        match self {
            BlockKind::Docs => "docs",
            BlockKind::Macro => "macro",
            BlockKind::Test => "test",
            BlockKind::Snapshot => "snapshot",
            BlockKind::Materialization => "materialization",
        }
    }

    fn from_keyword(word: &str) -> Option<Self> {
        Some(match word {
            "docs" => BlockKind::Docs,
            "macro" => BlockKind::Macro,
            "test" => BlockKind::Test,
            "snapshot" => BlockKind::Snapshot,
            "materialization" => BlockKind::Materialization,
            _ => return None,
        })
    }
}

/// One top-level block found by [`scan_blocks`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JinjaBlock {
    /// Which kind of block this is.
    pub kind: BlockKind,
    /// The block's name (`orders` in `{% docs orders %}`).
    pub name: String,
    /// Byte range of the whole block, from the `{%` of the opening tag to the `%}` of the
    /// closing tag inclusive.
    pub span: Range<usize>,
    /// Byte range between the two tags. Whitespace control (`-%}`) is not applied to it.
    pub body: Range<usize>,
    /// 1-based line of the opening tag.
    pub line: usize,
    /// For macros and tests: the text between the parentheses of the signature, exactly as
    /// written (`column_name, scale=2` for `{% macro m(column_name, scale=2) %}`).
    pub args: Option<String>,
    /// For materializations: the `adapter='x'` value, or `default` when the tag says `default`
    /// or names no adapter (as dbt does).
    pub adapter: Option<String>,
}

/// Jinja that [`scan_blocks`] cannot split into blocks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{line}:{column}: {message}")]
pub struct JinjaError {
    /// What is wrong, e.g. `unclosed {% docs orders %} block`.
    pub message: String,
    /// Byte offset of the offending tag or delimiter.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// 1-based column of `offset`, counted in characters.
    pub column: usize,
}

impl JinjaError {
    fn at(text: &str, message: impl Into<String>, offset: usize) -> Self {
        let (line, column) = line_col(text, offset);
        JinjaError {
            message: message.into(),
            offset,
            line,
            column,
        }
    }
}

/// One `doc('name')` or `doc('package', 'name')` call found by [`doc_refs`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DocCall {
    /// The package of the two-argument form.
    pub package: Option<String>,
    /// The name of the docs block.
    pub name: String,
}

/// The 1-based line and column of a byte offset, the column counted in characters.
///
/// An offset past the end is taken as the end; one inside a multi-byte character is taken as
/// the start of that character.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (line, column)
}

/// Reads the refs, sources, config, vars of a dbt model / singular test / analysis file, with
/// the reasons they may be incomplete. See the module docs for what counts as certain.
pub fn extract_sql(sql: &str) -> SqlFacts {
    Analyzer::run(sql).into_facts()
}

/// Lists the `doc(...)` calls with literal arguments inside the Jinja of a description, in
/// order. Jinja that cannot be read is skipped silently: a description is free text.
pub fn doc_refs(text: &str) -> Vec<DocCall> {
    // Most descriptions call nothing: skip the lexer when no call can be there.
    if !text.contains("doc") {
        return Vec::new();
    }
    Analyzer::run(text)
        .events
        .into_iter()
        .filter_map(|event| match event {
            Event::Doc(doc) => Some(doc),
            _ => None,
        })
        .collect()
}

/// Finds the top-level `docs`, `macro`, `test`, `snapshot` and `materialization` blocks of a
/// file, in order. Text outside blocks is ignored. Blocks cannot nest in one another nor sit
/// inside `{% if %}`/`{% for %}`, which dbt rejects too; control-flow blocks inside a block must
/// be balanced, as Jinja requires.
pub fn scan_blocks(text: &str) -> Result<Vec<JinjaBlock>, JinjaError> {
    let mut blocks = Vec::new();
    let mut open: Option<JinjaBlock> = None;
    // (keyword, offset) of unclosed control-flow tags, innermost last.
    let mut control: Vec<(&str, usize)> = Vec::new();
    let mut lines = LineCursor::default();
    for item in Lexer::new(text) {
        let tag = item.map_err(|e| JinjaError::at(text, e.message, e.offset))?;
        if tag.kind != TagKind::Stmt {
            continue;
        }
        let toks = tokenize(text, tag.inner.clone());
        let Some(Token {
            kind: Tk::Name(word),
            ..
        }) = toks.first()
        else {
            continue;
        };
        let rest = toks.get(1..).unwrap_or_default();
        if let Some(kind) = BlockKind::from_keyword(word) {
            let (name, args, adapter) = parse_block_header(text, &tag, kind, rest)?;
            let shown = format!("{{% {} {name} %}}", kind.keyword());
            if let Some(outer) = &open {
                let message = format!("{shown} cannot be nested inside {}", block_tag(outer));
                return Err(JinjaError::at(text, message, tag.start));
            }
            if let Some((outer, _)) = control.last() {
                let message =
                    format!("{shown} must be at the top level, not inside {{% {outer} %}}");
                return Err(JinjaError::at(text, message, tag.start));
            }
            let line = lines.line_of(text, tag.start);
            let (span, body) = (tag.start..tag.end, tag.end..tag.end);
            open = Some(JinjaBlock {
                kind,
                name,
                span,
                body,
                line,
                args,
                adapter,
            });
        } else if let Some(kind) = word.strip_prefix("end").and_then(BlockKind::from_keyword) {
            let mismatch = match (&open, control.last()) {
                (None, _) => format!("unexpected {{% {word} %}}"),
                (Some(_), Some((inner, _))) => {
                    format!("mismatched {{% {word} %}}: expected {{% end{inner} %}}")
                }
                (Some(block), None) if block.kind != kind => format!(
                    "mismatched {{% {word} %}}: expected {{% end{} %}} for {}",
                    block.kind.keyword(),
                    block_tag(block)
                ),
                (Some(_), None) => String::new(),
            };
            if !mismatch.is_empty() {
                return Err(JinjaError::at(text, mismatch, tag.start));
            }
            if let Some(mut block) = open.take() {
                block.body.end = tag.start;
                block.span.end = tag.end;
                blocks.push(block);
            }
        } else if opens_control_block(word, rest) {
            control.push((word, tag.start));
        } else if let Some(opener) = word.strip_prefix("end").filter(|w| is_control_keyword(w)) {
            match control.pop() {
                Some((inner, _)) if inner == opener => {}
                Some((inner, _)) => {
                    let message = format!("mismatched {{% {word} %}}: expected {{% end{inner} %}}");
                    return Err(JinjaError::at(text, message, tag.start));
                }
                None => {
                    let message = format!("unexpected {{% {word} %}}");
                    return Err(JinjaError::at(text, message, tag.start));
                }
            }
        }
    }
    if let Some(block) = open {
        let message = format!("unclosed {} block", block_tag(&block));
        return Err(JinjaError::at(text, message, block.span.start));
    }
    if let Some((word, offset)) = control.last() {
        return Err(JinjaError::at(
            text,
            format!("unclosed {{% {word} %}} block"),
            *offset,
        ));
    }
    Ok(blocks)
}

fn block_tag(block: &JinjaBlock) -> String {
    format!("{{% {} {} %}}", block.kind.keyword(), block.name)
}

/// Remembers the last line counted so that numbering every block of a file stays linear.
#[derive(Default)]
struct LineCursor {
    offset: usize,
    line: usize,
}

impl LineCursor {
    fn line_of(&mut self, text: &str, offset: usize) -> usize {
        let bytes = text.as_bytes();
        let end = offset.min(bytes.len()).max(self.offset);
        let newlines = bytes.get(self.offset..end).unwrap_or_default();
        self.line += newlines.iter().filter(|&&b| b == b'\n').count();
        self.offset = end;
        self.line + 1
    }
}

fn is_control_keyword(word: &str) -> bool {
    matches!(
        word,
        "if" | "for" | "call" | "filter" | "with" | "autoescape" | "block" | "set"
    )
}

fn opens_control_block(word: &str, rest: &[Token<'_>]) -> bool {
    match word {
        // Only `{% set x %}...{% endset %}` has a body; `{% set x = 1 %}` does not.
        "set" => !has_top_level_assign(rest),
        _ => is_control_keyword(word),
    }
}

fn has_top_level_assign(toks: &[Token<'_>]) -> bool {
    let mut depth = 0usize;
    for tok in toks {
        match tok.kind {
            Tk::Op("(" | "[" | "{") => depth += 1,
            Tk::Op(")" | "]" | "}") => depth = depth.saturating_sub(1),
            Tk::Op("=") if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

type BlockHeader = (String, Option<String>, Option<String>);

/// Reads `name`, `name(args)` or `name, adapter='x'` after the block keyword.
fn parse_block_header(
    text: &str,
    tag: &Tag,
    kind: BlockKind,
    rest: &[Token<'_>],
) -> Result<BlockHeader, JinjaError> {
    let keyword = kind.keyword();
    let at = |i: usize| rest.get(i).map_or(tag.inner.end, |t| t.offset);
    let Some(Token {
        kind: Tk::Name(name),
        ..
    }) = rest.first()
    else {
        let found = describe(rest.first().map_or(&Tk::Eof, |t| &t.kind));
        let message = format!("expected a name after {{% {keyword}, found {found}");
        return Err(JinjaError::at(text, message, at(0)));
    };
    let name = (*name).to_owned();
    let mut i = 1;
    let mut args = None;
    let mut adapter = None;
    match kind {
        BlockKind::Docs | BlockKind::Snapshot => {}
        BlockKind::Macro | BlockKind::Test => {
            let Some(Token {
                kind: Tk::Op("("),
                end: open,
                ..
            }) = rest.get(1)
            else {
                let message = format!("expected ( after {{% {keyword} {name}");
                return Err(JinjaError::at(text, message, at(1)));
            };
            let Some(close) = matching_paren(rest, 1) else {
                let message = format!("unclosed ( in {{% {keyword} {name} %}}");
                return Err(JinjaError::at(text, message, at(1)));
            };
            args = Some(text.get(*open..at(close)).unwrap_or_default().to_owned());
            i = close + 1;
        }
        BlockKind::Materialization => {
            adapter = Some("default".to_owned());
            while matches!(rest.get(i).map(|t| &t.kind), Some(Tk::Op(","))) {
                i += 1;
                let kinds = (
                    rest.get(i).map(|t| &t.kind),
                    rest.get(i + 1).map(|t| &t.kind),
                );
                match kinds {
                    (Some(Tk::Name("default")), _) => i += 1,
                    (Some(Tk::Name("adapter")), Some(Tk::Op("="))) => match rest.get(i + 2) {
                        Some(Token {
                            kind: Tk::Str(value),
                            ..
                        }) => {
                            adapter = Some(value.clone());
                            i += 3;
                        }
                        _ => {
                            let message = "adapter= of a materialization must be a string";
                            return Err(JinjaError::at(text, message, at(i + 2)));
                        }
                    },
                    (Some(Tk::Name("supported_languages")), Some(Tk::Op("="))) => {
                        let value = rest.get(i + 2..).unwrap_or_default();
                        let mut parser = Parser::new(value, tag.inner.end);
                        if let Err(e) = parser.parse_expression(true) {
                            return Err(JinjaError::at(text, e.message, e.offset));
                        }
                        i += 2 + parser.pos;
                    }
                    _ => {
                        let message = format!(
                            "unexpected argument in {{% materialization {name} %}}: expected \
                             default, adapter= or supported_languages="
                        );
                        return Err(JinjaError::at(text, message, at(i)));
                    }
                }
            }
        }
    }
    if let Some(extra) = rest.get(i) {
        let message = format!(
            "unexpected {} in {{% {keyword} {name} %}}",
            describe(&extra.kind)
        );
        return Err(JinjaError::at(text, message, extra.offset));
    }
    Ok((name, args, adapter))
}

/// Index of the `)` closing the `(` at `open`.
fn matching_paren(toks: &[Token<'_>], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, tok) in toks.iter().enumerate().skip(open) {
        match tok.kind {
            Tk::Op("(" | "[" | "{") => depth += 1,
            Tk::Op(")" | "]" | "}") => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Analysis of models and descriptions
// ---------------------------------------------------------------------------------------------

/// Something the parser saw, kept in file order so config overrides apply in order.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Ref(RefCall),
    Source(SourceCall),
    Var(VarCall),
    Doc(DocCall),
    ConfigSet(String, Value),
    ConfigUnknown(String),
    Uncertain(Uncertainty),
}

/// Words that end one part of a statement tag and start the next (`{% for x in y if z %}`).
const STATEMENT_SEPARATORS: &[&str] = &[
    "in",
    "if",
    "else",
    "recursive",
    "as",
    "import",
    "with",
    "without",
    "context",
    "ignore",
    "missing",
];

/// Statement tags whose arguments are names and signatures, not expressions worth reading.
const DECLARATION_TAGS: &[&str] = &[
    "macro",
    "test",
    "materialization",
    "docs",
    "snapshot",
    "block",
    "extends",
    "include",
    "import",
    "from",
];

struct Analyzer<'a> {
    text: &'a str,
    events: Vec<Event>,
    /// Open `{% if %}` tags: whether the condition is `is_incremental()`, and the offset.
    open_ifs: Vec<(bool, usize)>,
    /// Offsets of the open `{% if is_incremental() %}` tags, kept apart so that asking "inside
    /// one?" costs the same however deep the nesting.
    incremental_ifs: Vec<usize>,
    /// How many hook strings deep this text is (0 for the file itself).
    hook_level: usize,
    /// Jinja that cannot be rendered, in the file itself (not inside a hook string).
    syntax_errors: Vec<JinjaError>,
}

impl<'a> Analyzer<'a> {
    fn run(text: &'a str) -> Self {
        Self::run_nested(text, 0)
    }

    fn run_nested(text: &'a str, hook_level: usize) -> Self {
        let mut this = Analyzer {
            text,
            events: Vec::new(),
            open_ifs: Vec::new(),
            incremental_ifs: Vec::new(),
            hook_level,
            syntax_errors: Vec::new(),
        };
        for item in Lexer::new(text) {
            match item {
                Err(e) => {
                    this.syntax_error(&e.message, e.offset);
                    this.flag(
                        format!("{} (the rest of the file was not read)", e.message),
                        e.offset,
                    );
                    break;
                }
                Ok(tag) => match tag.kind {
                    TagKind::Expr => {
                        let toks = tokenize(text, tag.inner.clone());
                        this.read_expression(&toks, tag.inner.end, false);
                    }
                    TagKind::Stmt => this.statement(&tag),
                    TagKind::Comment | TagKind::Raw => {}
                },
            }
        }
        for (_, offset) in std::mem::take(&mut this.open_ifs) {
            this.syntax_error("unclosed {% if %} block", offset);
            this.flag("unclosed {% if %} block".to_owned(), offset);
        }
        this
    }

    fn syntax_error(&mut self, message: &str, offset: usize) {
        if self.hook_level == 0 {
            self.syntax_errors
                .push(JinjaError::at(self.text, message, offset));
        }
    }

    fn flag(&mut self, reason: String, offset: usize) {
        self.events
            .push(Event::Uncertain(Uncertainty { reason, offset }));
    }

    fn statement(&mut self, tag: &Tag) {
        let toks = tokenize(self.text, tag.inner.clone());
        let end = tag.inner.end;
        let Some(Token {
            kind: Tk::Name(word),
            ..
        }) = toks.first()
        else {
            self.flag("unreadable {% %} tag".to_owned(), tag.start);
            return;
        };
        let rest = toks.get(1..).unwrap_or_default();
        match *word {
            "if" => {
                let incremental = is_incremental_test(rest);
                if !incremental {
                    self.flag("control flow {% if %}".to_owned(), tag.start);
                }
                self.open_ifs.push((incremental, tag.start));
                if incremental {
                    self.incremental_ifs.push(tag.start);
                }
                self.read_expression(rest, end, true);
            }
            "elif" => {
                self.flag("control flow {% elif %}".to_owned(), tag.start);
                self.read_expression(rest, end, true);
            }
            "else" => {}
            "endif" => match self.open_ifs.pop() {
                Some((true, _)) => {
                    self.incremental_ifs.pop();
                }
                Some((false, _)) => {}
                None => self.flag("unexpected {% endif %}".to_owned(), tag.start),
            },
            // Every other end tag closes a tag that was already flagged when it opened.
            word if word.starts_with("end") => {}
            word if DECLARATION_TAGS.contains(&word) => {
                self.flag(format!("Jinja tag {{% {word} %}}"), tag.start);
            }
            word => {
                self.flag(format!("control flow {{% {word} %}}"), tag.start);
                self.read_statement_parts(rest, end);
            }
        }
    }

    /// Reads each expression of a statement such as `{% set a, b = f(x), ref('y') %}`, split at
    /// top-level `=`, `,` and keywords so that no statement grammar is needed.
    fn read_statement_parts(&mut self, toks: &[Token<'_>], end: usize) {
        let mut depth = 0usize;
        let mut part_start = 0;
        for (i, tok) in toks.iter().enumerate() {
            let split = match tok.kind {
                Tk::Op("(" | "[" | "{") => {
                    depth += 1;
                    false
                }
                Tk::Op(")" | "]" | "}") => {
                    depth = depth.saturating_sub(1);
                    false
                }
                Tk::Op("=" | ",") => depth == 0,
                Tk::Name(word) => depth == 0 && STATEMENT_SEPARATORS.contains(&word),
                _ => false,
            };
            if split {
                let part = toks.get(part_start..i).unwrap_or_default();
                self.read_expression(part, tok.offset, true);
                part_start = i + 1;
            }
        }
        self.read_expression(toks.get(part_start..).unwrap_or_default(), end, true);
    }

    /// Parses `toks` as one Jinja expression (or tuple). When it does not parse, the partial
    /// result is dropped for a flag and a token-pattern search for literal ref/source/var calls.
    fn read_expression(&mut self, toks: &[Token<'_>], end: usize, allow_empty: bool) {
        if toks.is_empty() && allow_empty {
            return;
        }
        let mut parser = Parser::new(toks, end);
        parser.hook_level = self.hook_level;
        match parser.parse_tuple().and_then(|_| parser.expect_end()) {
            Ok(()) => {
                if let Some(&if_offset) = self.incremental_ifs.last() {
                    self.demote_config(&mut parser.events, if_offset);
                }
                self.events.append(&mut parser.events);
            }
            Err(e) => {
                self.flag(
                    format!("unreadable Jinja expression: {}", e.message),
                    e.offset,
                );
                fallback_scan(toks, &mut self.events);
            }
        }
    }

    /// A config value set only when `is_incremental()` is true is not the model's config: the
    /// certainty granted to that branch covers its refs and sources, not its config.
    fn demote_config(&mut self, events: &mut [Event], if_offset: usize) {
        let mut flagged = false;
        for event in events.iter_mut() {
            if let Event::ConfigSet(key, _) = event {
                *event = Event::ConfigUnknown(std::mem::take(key));
                flagged = true;
            }
        }
        if flagged {
            let reason = "config() inside {% if is_incremental() %}".to_owned();
            self.flag(reason, if_offset);
        }
    }

    fn into_facts(self) -> SqlFacts {
        let mut facts = SqlFacts {
            syntax_errors: self.syntax_errors,
            ..SqlFacts::default()
        };
        // Final state per key (`None`: not a literal), in order of first mention; folding into
        // a map keeps this linear however many config calls override one another.
        let mut config: indexmap::IndexMap<String, Option<Value>> = indexmap::IndexMap::new();
        for event in self.events {
            match event {
                Event::Ref(call) => facts.refs.push(call),
                Event::Source(call) => facts.sources.push(call),
                Event::Var(call) => facts.vars.push(call),
                Event::Doc(_) => {}
                Event::ConfigSet(key, value) => {
                    config.insert(key, Some(value));
                }
                Event::ConfigUnknown(key) => {
                    config.insert(key, None);
                }
                Event::Uncertain(u) => facts.uncertain.push(u),
            }
        }
        for (key, value) in config {
            match value {
                Some(value) => {
                    facts.config.insert(key, value);
                }
                None => facts.config_uncertain_keys.push(key),
            }
        }
        facts
    }
}

/// `is_incremental()` or `not is_incremental()`, and nothing else.
fn is_incremental_test(toks: &[Token<'_>]) -> bool {
    let toks = match toks {
        [
            Token {
                kind: Tk::Name("not"),
                ..
            },
            rest @ ..,
        ] => rest,
        _ => toks,
    };
    matches!(
        toks,
        [
            Token {
                kind: Tk::Name("is_incremental"),
                ..
            },
            Token {
                kind: Tk::Op("("),
                ..
            },
            Token {
                kind: Tk::Op(")"),
                ..
            }
        ]
    )
}

/// Finds `ref(...)`, `source(...)` and `var(...)` with at most four simple literal arguments in
/// tokens that do not parse. The bounded pattern keeps this linear on any input.
fn fallback_scan(toks: &[Token<'_>], events: &mut Vec<Event>) {
    for (i, tok) in toks.iter().enumerate() {
        let Tk::Name(name @ ("ref" | "source" | "var")) = tok.kind else {
            continue;
        };
        if i > 0 && matches!(toks.get(i - 1).map(|t| &t.kind), Some(Tk::Op("."))) {
            continue;
        }
        let Some(args) = simple_call_args(toks.get(i + 1..).unwrap_or_default()) else {
            continue;
        };
        match name {
            "ref" => ref_call(events, tok.offset, &args),
            "source" => source_call(events, tok.offset, &args),
            _ => var_call(events, tok.offset, &args),
        }
    }
}

fn simple_call_args(toks: &[Token<'_>]) -> Option<Vec<Arg>> {
    let kind = |i: usize| toks.get(i).map(|t| &t.kind);
    if kind(0) != Some(&Tk::Op("(")) {
        return None;
    }
    let mut args = Vec::new();
    if kind(1) == Some(&Tk::Op(")")) {
        return Some(args);
    }
    let mut i = 1;
    for _ in 0..4 {
        let key = match (kind(i), kind(i + 1)) {
            (Some(Tk::Name(key)), Some(Tk::Op("="))) => {
                i += 2;
                Some((*key).to_owned())
            }
            _ => None,
        };
        let value = match kind(i)? {
            Tk::Str(s) => Value::String(s.clone()),
            Tk::Int(Some(n)) => Value::from(*n),
            Tk::Float(f) => Value::Number(Number::from_f64(*f)?),
            _ => return None,
        };
        args.push(Arg {
            key,
            value: Ev::Lit(value),
            spread: false,
        });
        i += 1;
        match kind(i)? {
            Tk::Op(")") => return Some(args),
            Tk::Op(",") => i += 1,
            _ => return None,
        }
    }
    None
}

/// One argument of a call as the parser understood it.
#[derive(Debug, Clone, PartialEq)]
struct Arg {
    key: Option<String>,
    value: Ev,
    /// `*args` or `**kwargs`: the arguments cannot be known.
    spread: bool,
}

fn flag(events: &mut Vec<Event>, reason: String, offset: usize) {
    events.push(Event::Uncertain(Uncertainty { reason, offset }));
}

fn positional_strings(args: &[Arg]) -> Option<Vec<String>> {
    args.iter()
        .filter(|a| a.key.is_none())
        .map(|a| match (&a.value, a.spread) {
            (Ev::Lit(Value::String(s)), false) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn ref_call(events: &mut Vec<Event>, offset: usize, args: &[Arg]) {
    let mut version: Option<Option<String>> = None;
    let mut keywords_ok = true;
    for arg in args.iter().filter(|a| a.key.is_some()) {
        let key = arg.key.as_deref().unwrap_or_default();
        let value = match &arg.value {
            Ev::Lit(Value::String(s)) => Some(s.clone()),
            Ev::Lit(Value::Number(n)) => Some(n.to_string()),
            Ev::Lit(Value::Null) => None,
            _ => {
                keywords_ok = false;
                continue;
            }
        };
        if (key == "v" || key == "version") && version.is_none() {
            version = Some(value);
        } else {
            keywords_ok = false;
        }
    }
    match positional_strings(args) {
        Some(mut names) if keywords_ok && (1..=2).contains(&names.len()) => {
            let name = names.pop().unwrap_or_default();
            let package = names.pop();
            let version = version.flatten();
            events.push(Event::Ref(RefCall {
                package,
                name,
                version,
                offset,
            }));
        }
        _ => flag(
            events,
            "ref() with non-literal or unexpected arguments".to_owned(),
            offset,
        ),
    }
}

fn source_call(events: &mut Vec<Event>, offset: usize, args: &[Arg]) {
    match positional_strings(args) {
        Some(names) if names.len() == 2 && args.len() == 2 => {
            let mut names = names.into_iter();
            let source = names.next().unwrap_or_default();
            let table = names.next().unwrap_or_default();
            events.push(Event::Source(SourceCall {
                source,
                table,
                offset,
            }));
        }
        _ => flag(
            events,
            "source() with non-literal or unexpected arguments".to_owned(),
            offset,
        ),
    }
}

fn var_call(events: &mut Vec<Event>, offset: usize, args: &[Arg]) {
    let plain = args.iter().all(|a| a.key.is_none() && !a.spread);
    match args {
        [
            Arg {
                value: Ev::Lit(Value::String(name)),
                ..
            },
            rest @ ..,
        ] if plain && rest.len() <= 1 => {
            let default = match rest.first().map(|a| &a.value) {
                None => None,
                Some(Ev::Lit(value)) => Some(value.clone()),
                Some(_) => {
                    let reason = format!("default of var('{name}') is not a literal");
                    flag(events, reason, offset);
                    None
                }
            };
            events.push(Event::Var(VarCall {
                name: name.clone(),
                default,
                offset,
            }));
        }
        _ => flag(
            events,
            "var() with non-literal or unexpected arguments".to_owned(),
            offset,
        ),
    }
}

fn doc_call(events: &mut Vec<Event>, offset: usize, args: &[Arg]) {
    match positional_strings(args) {
        Some(mut names) if args.len() == names.len() && (1..=2).contains(&names.len()) => {
            let name = names.pop().unwrap_or_default();
            let package = names.pop();
            events.push(Event::Doc(DocCall { package, name }));
        }
        _ => flag(
            events,
            "doc() with non-literal or unexpected arguments".to_owned(),
            offset,
        ),
    }
}

fn config_call(events: &mut Vec<Event>, offset: usize, args: &[Arg], hook_level: usize) {
    if args.iter().any(|a| a.spread) {
        flag(events, "config() with *args or **kwargs".to_owned(), offset);
    }
    let positional: Vec<&Arg> = args
        .iter()
        .filter(|a| a.key.is_none() && !a.spread)
        .collect();
    let keywords = args.iter().filter(|a| a.key.is_some());
    match positional.as_slice() {
        [] => {}
        // dbt accepts a single dict in place of keyword arguments.
        [
            Arg {
                value: Ev::Lit(Value::Object(map)),
                ..
            },
        ] if args.len() == 1 => {
            for (key, value) in map {
                set_config(events, offset, key.clone(), value.clone(), hook_level);
            }
        }
        _ => flag(
            events,
            "config() with non-literal positional arguments".to_owned(),
            offset,
        ),
    }
    for arg in keywords {
        let key = arg.key.clone().unwrap_or_default();
        match &arg.value {
            Ev::Lit(value) => set_config(events, offset, key, value.clone(), hook_level),
            _ => {
                flag(events, format!("config {key}= is not a literal"), offset);
                events.push(Event::ConfigUnknown(key));
            }
        }
    }
}

/// Config keys holding SQL that dbt renders at parse time, collecting the refs and sources in it.
const HOOK_KEYS: &[&str] = &["pre_hook", "post_hook", "pre-hook", "post-hook"];

/// A hook inside a hook inside a hook needs escapes few people can read; stop there.
const MAX_HOOK_LEVEL: usize = 3;

fn set_config(events: &mut Vec<Event>, offset: usize, key: String, value: Value, level: usize) {
    if HOOK_KEYS.contains(&key.as_str()) {
        read_hooks(events, offset, &key, &value, level);
    }
    events.push(Event::ConfigSet(key, value));
}

/// Reads the Jinja of a literal hook (a string, `{'sql': ...}`, or a list of either). What it
/// finds is reported at the offset of the `config` call: offsets inside the unescaped string
/// would not point into the file.
fn read_hooks(events: &mut Vec<Event>, offset: usize, key: &str, value: &Value, level: usize) {
    fn hook_sql(value: &Value) -> Option<&str> {
        match value {
            Value::String(sql) => Some(sql),
            Value::Object(map) => map.get("sql").and_then(Value::as_str),
            _ => None,
        }
    }
    let hooks: Vec<&str> = match value {
        Value::Array(items) => items.iter().filter_map(hook_sql).collect(),
        other => hook_sql(other).into_iter().collect(),
    };
    for sql in hooks.into_iter().filter(|sql| sql.contains('{')) {
        if level >= MAX_HOOK_LEVEL {
            flag(
                events,
                format!("{key} nested in hooks too deeply to read"),
                offset,
            );
            continue;
        }
        for event in Analyzer::run_nested(sql, level + 1).events {
            match event {
                Event::Ref(call) => events.push(Event::Ref(RefCall { offset, ..call })),
                Event::Source(call) => events.push(Event::Source(SourceCall { offset, ..call })),
                Event::Var(call) => events.push(Event::Var(VarCall { offset, ..call })),
                Event::Uncertain(u) => flag(events, format!("in {key}: {}", u.reason), offset),
                Event::Doc(_) | Event::ConfigSet(..) | Event::ConfigUnknown(_) => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer: where the tags are
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    /// `{{ ... }}`
    Expr,
    /// `{% ... %}`
    Stmt,
    /// `{# ... #}`
    Comment,
    /// `{% raw %}...{% endraw %}` as a whole.
    Raw,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Tag {
    kind: TagKind,
    /// Offset of the opening `{`.
    start: usize,
    /// Offset just past the closing `}`.
    end: usize,
    /// Between the delimiters and their whitespace-control marks; the raw body for `Raw`.
    inner: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LexError {
    message: String,
    offset: usize,
}

/// Yields the tags of a text in order; stops after the first error. All delimiters are ASCII,
/// so every offset it produces is a char boundary.
struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    done: bool,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            text,
            pos: 0,
            done: false,
        }
    }

    fn lex_tag(&self, kind: TagKind, start: usize) -> Result<Tag, LexError> {
        let bytes = self.text.as_bytes();
        let open_end = start + 2;
        let inner_start = if matches!(bytes.get(open_end), Some(b'-' | b'+')) {
            open_end + 1
        } else {
            open_end
        };
        let unclosed = |what: &str| LexError {
            message: format!("unclosed {what}"),
            offset: start,
        };
        let (close, end) = match kind {
            TagKind::Comment => {
                let close = find(bytes, open_end, b"#}").ok_or_else(|| unclosed("{#"))?;
                (close, close + 2)
            }
            TagKind::Expr => {
                let close =
                    find_tag_end(bytes, inner_start, b'}')?.ok_or_else(|| unclosed("{{"))?;
                (close, close + 2)
            }
            TagKind::Stmt | TagKind::Raw => {
                let close =
                    find_tag_end(bytes, inner_start, b'%')?.ok_or_else(|| unclosed("{%"))?;
                (close, close + 2)
            }
        };
        let trims_end = match kind {
            TagKind::Expr => matches!(bytes.get(close.wrapping_sub(1)), Some(b'-')),
            _ => matches!(bytes.get(close.wrapping_sub(1)), Some(b'-' | b'+')),
        };
        let inner_end = if trims_end && close > inner_start {
            close - 1
        } else {
            close
        };
        let inner = inner_start..inner_end.max(inner_start);
        let is_raw = kind == TagKind::Stmt
            && self
                .text
                .get(inner.clone())
                .is_some_and(|s| s.trim() == "raw");
        if !is_raw {
            return Ok(Tag {
                kind,
                start,
                end,
                inner,
            });
        }
        match find_endraw(bytes, end) {
            Some((body_end, raw_end)) => Ok(Tag {
                kind: TagKind::Raw,
                start,
                end: raw_end,
                inner: end..body_end,
            }),
            None => Err(unclosed("{% raw %} block")),
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<Tag, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let bytes = self.text.as_bytes();
        let mut from = self.pos;
        let found = loop {
            let Some(start) = bytes
                .get(from..)
                .and_then(|b| b.iter().position(|&c| c == b'{'))
            else {
                break None;
            };
            let start = from + start;
            match bytes.get(start + 1) {
                Some(b'{') => break Some((TagKind::Expr, start)),
                Some(b'%') => break Some((TagKind::Stmt, start)),
                Some(b'#') => break Some((TagKind::Comment, start)),
                Some(_) => from = start + 1,
                None => break None,
            }
        };
        let Some((kind, start)) = found else {
            self.done = true;
            return None;
        };
        let result = self.lex_tag(kind, start);
        match &result {
            Ok(tag) => self.pos = tag.end,
            Err(_) => self.done = true,
        }
        Some(result)
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Offset of the closing `}}` / `%}`, skipping string literals and anything inside brackets as
/// Jinja's lexer does. `Ok(None)` when there is none.
fn find_tag_end(bytes: &[u8], from: usize, closer: u8) -> Result<Option<usize>, LexError> {
    let mut depth = 0usize;
    let mut i = from;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\'' | b'"' => {
                i = skip_string(bytes, i).ok_or_else(|| LexError {
                    message: "unterminated string literal".to_owned(),
                    offset: i,
                })?;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'}' if depth > 0 => depth -= 1,
            b'}' | b'%' if c == closer && bytes.get(i + 1) == Some(&b'}') => return Ok(Some(i)),
            _ => {}
        }
        i += 1;
    }
    Ok(None)
}

/// Offset just past the string literal opening at `start`, or `None` if it never closes.
fn skip_string(bytes: &[u8], start: usize) -> Option<usize> {
    let quote = *bytes.get(start)?;
    let mut i = start + 1;
    while let Some(&c) = bytes.get(i) {
        if c == b'\\' {
            i += 2;
        } else if c == quote {
            return Some(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// Finds `{% endraw %}` (any spacing and whitespace control, as Jinja's lexer ends a raw block)
/// at or after `from`: (its start, its end).
pub(crate) fn find_endraw(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let skip_ws = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    let skip_mark = |i: usize| {
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i + 1
        } else {
            i
        }
    };
    let mut search = from;
    while let Some(start) = find(bytes, search, b"{%") {
        let mut i = skip_ws(skip_mark(start + 2));
        if bytes.get(i..i + 6) == Some(b"endraw".as_slice()) {
            i = skip_mark(skip_ws(i + 6));
            if bytes.get(i..i + 2) == Some(b"%}".as_slice()) {
                return Some((start, i + 2));
            }
        }
        search = start + 2;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Tokenizer: what is inside a tag
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tk<'a> {
    Name(&'a str),
    /// A string literal, unescaped.
    Str(String),
    /// An integer literal; `None` when it does not fit in 64 bits.
    Int(Option<u64>),
    Float(f64),
    Op(&'static str),
    /// A character Jinja has no token for, or an unterminated string.
    Bad,
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
struct Token<'a> {
    kind: Tk<'a>,
    offset: usize,
    end: usize,
}

/// Longest first, so that `**` is not read as two `*`.
const OPERATORS: &[&str] = &[
    "**", "//", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
    ">", "<", "=", ".", ":", "|", ",", ";",
];

fn tokenize(text: &str, range: Range<usize>) -> Vec<Token<'_>> {
    let end = range.end.min(text.len());
    let bytes = text.as_bytes();
    let mut out: Vec<Token<'_>> = Vec::new();
    let mut i = range.start.min(end);
    while let Some(rest) = text.get(i..end) {
        let Some(c) = rest.chars().next() else { break };
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let kind = if c == '_' || c.is_alphabetic() {
            let len = rest
                .char_indices()
                .find(|&(_, ch)| !(ch == '_' || ch.is_alphanumeric()))
                .map_or(rest.len(), |(p, _)| p);
            i += len;
            Tk::Name(rest.get(..len).unwrap_or_default())
        } else if c.is_ascii_digit() {
            // Jinja reads `x.1.2` as two subscripts, never as the float `1.2`.
            let after_dot = out
                .last()
                .is_some_and(|t| t.kind == Tk::Op(".") && t.end == start);
            let (kind, len) = lex_number(rest.as_bytes(), after_dot);
            i += len;
            kind
        } else if c == '\'' || c == '"' {
            match skip_string(bytes.get(..end).unwrap_or_default(), start) {
                Some(next) => {
                    let raw = text.get(start + 1..next - 1).unwrap_or_default();
                    i = next;
                    Tk::Str(unescape(raw))
                }
                None => {
                    i = end;
                    Tk::Bad
                }
            }
        } else if let Some(op) = OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            i += op.len();
            Tk::Op(op)
        } else {
            i += c.len_utf8();
            Tk::Bad
        };
        out.push(Token {
            kind,
            offset: start,
            end: i,
        });
    }
    out
}

/// Reads an integer (decimal, `0x`, `0o`, `0b`, with `_` separators) or a float at the start
/// of `bytes`, which begins with a digit. Returns the token and its length.
fn lex_number(bytes: &[u8], integer_only: bool) -> (Tk<'static>, usize) {
    let radix = match (bytes.first(), bytes.get(1).map(|b| b.to_ascii_lowercase())) {
        (Some(b'0'), Some(b'x')) => 16,
        (Some(b'0'), Some(b'o')) => 8,
        (Some(b'0'), Some(b'b')) => 2,
        _ => 10,
    };
    if radix != 10 {
        let (value, len) = radix_digits(bytes, 2, radix);
        if len > 2 {
            return (Tk::Int(value), len);
        }
    }
    let int_end = decimal_digits(bytes, 0);
    let mut end = int_end;
    if !integer_only {
        if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end = decimal_digits(bytes, end + 1);
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(bytes.get(end + 1), Some(b'+' | b'-')));
            if bytes.get(end + 1 + sign).is_some_and(u8::is_ascii_digit) {
                end = decimal_digits(bytes, end + 1 + sign);
            }
        }
    }
    let digits: String = bytes
        .get(..end)
        .unwrap_or_default()
        .iter()
        .filter(|&&b| b != b'_')
        .map(|&b| b as char)
        .collect();
    if end > int_end {
        match digits.parse::<f64>() {
            Ok(f) => (Tk::Float(f), end),
            Err(_) => (Tk::Bad, end),
        }
    } else {
        (Tk::Int(digits.parse::<u64>().ok()), end)
    }
}

/// End of a `\d(_?\d)*` run starting at `start`.
fn decimal_digits(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    loop {
        let next = if bytes.get(i) == Some(&b'_') && i > start {
            i + 1
        } else {
            i
        };
        if bytes.get(next).is_some_and(u8::is_ascii_digit) {
            i = next + 1;
        } else {
            return i;
        }
    }
}

/// Reads `(_?digit)+` in `radix` from `start`: (value if it fits in u64, end).
fn radix_digits(bytes: &[u8], start: usize, radix: u32) -> (Option<u64>, usize) {
    let mut value = Some(0u64);
    let mut i = start;
    loop {
        let next = if bytes.get(i) == Some(&b'_') {
            i + 1
        } else {
            i
        };
        let Some(digit) = bytes.get(next).and_then(|&b| (b as char).to_digit(radix)) else {
            return (value, i);
        };
        value = value
            .and_then(|v| v.checked_mul(u64::from(radix)))
            .and_then(|v| v.checked_add(u64::from(digit)));
        i = next + 1;
    }
}

/// Decodes a string literal body as Jinja does (Python's `unicode-escape` after normalizing
/// newlines). Escapes that Python would reject are kept as written.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\\' => {
                let Some(escape) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let simple = match escape {
                    '\n' => Some(None),
                    '\r' => {
                        chars.next_if_eq(&'\n');
                        Some(None)
                    }
                    '\\' | '\'' | '"' => Some(Some(escape)),
                    'a' => Some(Some('\u{7}')),
                    'b' => Some(Some('\u{8}')),
                    'f' => Some(Some('\u{c}')),
                    'n' => Some(Some('\n')),
                    'r' => Some(Some('\r')),
                    't' => Some(Some('\t')),
                    'v' => Some(Some('\u{b}')),
                    _ => None,
                };
                if let Some(decoded) = simple {
                    out.extend(decoded);
                    continue;
                }
                let (radix, width) = match escape {
                    '0'..='7' => (8, 2),
                    'x' => (16, 2),
                    'u' => (16, 4),
                    'U' => (16, 8),
                    _ => {
                        out.push('\\');
                        out.push(escape);
                        continue;
                    }
                };
                let mut digits = String::new();
                if radix == 8 {
                    digits.push(escape);
                }
                while digits.len() < width + usize::from(radix == 8) {
                    match chars.next_if(|d| d.is_digit(radix)) {
                        Some(d) => digits.push(d),
                        None => break,
                    }
                }
                let complete = radix == 8 || digits.len() == width;
                match u32::from_str_radix(&digits, radix)
                    .ok()
                    .filter(|_| complete)
                {
                    Some(code) => out.push(char::from_u32(code).unwrap_or('\u{fffd}')),
                    None => {
                        out.push('\\');
                        out.push(escape);
                        out.push_str(&digits);
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn describe(kind: &Tk<'_>) -> String {
    match kind {
        Tk::Name(name) => format!("name {name}"),
        Tk::Str(_) => "a string".to_owned(),
        Tk::Int(_) | Tk::Float(_) => "a number".to_owned(),
        Tk::Op(op) => format!("'{op}'"),
        Tk::Bad => "an unexpected character".to_owned(),
        Tk::Eof => "the end of the tag".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Parser: what an expression means, as far as refs and literals go
// ---------------------------------------------------------------------------------------------

/// What the parser knows about the value of an expression.
#[derive(Debug, Clone, PartialEq)]
enum Ev {
    /// A constant made only of literals.
    Lit(Value),
    /// A name or attribute chain (`dbt_utils.star`), kept to name the callee of a call.
    Path(String),
    /// A relation (`this`, `ref(..)`, `source(..)`) or something read from one.
    Relation,
    /// A method or item of a literal: calling it cannot reach the graph.
    Harmless,
    /// Anything computed.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ParseError {
    message: String,
    offset: usize,
}

type ParseResult<T> = Result<T, ParseError>;

/// Recursive descent over Jinja's expression grammar (same precedence levels as
/// `jinja2.parser`), recording ref/source/config/var/doc calls and unknown calls as it goes.
struct Parser<'t, 'a> {
    toks: &'t [Token<'a>],
    pos: usize,
    depth: usize,
    eof: Token<'a>,
    events: Vec<Event>,
    /// Passed on to `config()` so that hook strings inside hook strings stop somewhere.
    hook_level: usize,
}

impl<'t, 'a> Parser<'t, 'a> {
    fn new(toks: &'t [Token<'a>], end: usize) -> Self {
        let eof = Token {
            kind: Tk::Eof,
            offset: end,
            end,
        };
        Parser {
            toks,
            pos: 0,
            depth: 0,
            eof,
            events: Vec::new(),
            hook_level: 0,
        }
    }

    fn token(&self, ahead: usize) -> &Token<'a> {
        self.toks.get(self.pos + ahead).unwrap_or(&self.eof)
    }

    fn kind(&self) -> &Tk<'a> {
        &self.token(0).kind
    }

    fn offset(&self) -> usize {
        self.token(0).offset
    }

    fn bump(&mut self) {
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
    }

    fn at_op(&self, op: &str) -> bool {
        matches!(self.kind(), Tk::Op(o) if *o == op)
    }

    fn eat_op(&mut self, op: &str) -> bool {
        let hit = self.at_op(op);
        if hit {
            self.bump();
        }
        hit
    }

    fn at_name(&self, name: &str) -> bool {
        matches!(self.kind(), Tk::Name(n) if *n == name)
    }

    fn eat_name(&mut self, name: &str) -> bool {
        let hit = self.at_name(name);
        if hit {
            self.bump();
        }
        hit
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        let message = format!("expected {wanted}, found {}", describe(self.kind()));
        ParseError {
            message,
            offset: self.offset(),
        }
    }

    fn expect_op(&mut self, op: &str) -> ParseResult<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{op}'")))
        }
    }

    fn expect_end(&self) -> ParseResult<()> {
        match self.kind() {
            Tk::Eof => Ok(()),
            _ => Err(self.unexpected("the end of the expression")),
        }
    }

    fn enter(&mut self) -> ParseResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let message = "expression nested too deeply".to_owned();
            return Err(ParseError {
                message,
                offset: self.offset(),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `a` or `a, b, ...` (what `{{ }}` holds).
    fn parse_tuple(&mut self) -> ParseResult<Ev> {
        let first = self.parse_expression(true)?;
        if !self.at_op(",") {
            return Ok(first);
        }
        while self.eat_op(",") {
            if !self.can_start_expression() {
                break;
            }
            self.parse_expression(true)?;
        }
        Ok(Ev::Other)
    }

    fn can_start_expression(&self) -> bool {
        match self.kind() {
            Tk::Name(_) | Tk::Str(_) | Tk::Int(_) | Tk::Float(_) => true,
            Tk::Op(op) => matches!(*op, "(" | "[" | "{" | "-" | "+"),
            Tk::Bad | Tk::Eof => false,
        }
    }

    fn parse_expression(&mut self, with_condexpr: bool) -> ParseResult<Ev> {
        self.enter()?;
        let mut value = self.parse_or()?;
        if with_condexpr {
            while self.eat_name("if") {
                self.parse_or()?;
                if self.eat_name("else") {
                    self.parse_expression(true)?;
                }
                value = Ev::Other;
            }
        }
        self.leave();
        Ok(value)
    }

    fn parse_or(&mut self) -> ParseResult<Ev> {
        let mut value = self.parse_and()?;
        while self.eat_name("or") {
            self.parse_and()?;
            value = Ev::Other;
        }
        Ok(value)
    }

    fn parse_and(&mut self) -> ParseResult<Ev> {
        let mut value = self.parse_not()?;
        while self.eat_name("and") {
            self.parse_not()?;
            value = Ev::Other;
        }
        Ok(value)
    }

    fn parse_not(&mut self) -> ParseResult<Ev> {
        if !self.eat_name("not") {
            return self.parse_compare();
        }
        self.enter()?;
        self.parse_not()?;
        self.leave();
        Ok(Ev::Other)
    }

    fn parse_compare(&mut self) -> ParseResult<Ev> {
        let mut value = self.parse_binary(&["+", "-"], Self::parse_concat)?;
        loop {
            if matches!(self.kind(), Tk::Op("==" | "!=" | ">" | ">=" | "<" | "<="))
                || self.at_name("in")
            {
                self.bump();
            } else if self.at_name("not") && self.token(1).kind == Tk::Name("in") {
                self.bump();
                self.bump();
            } else {
                return Ok(value);
            }
            self.parse_binary(&["+", "-"], Self::parse_concat)?;
            value = Ev::Other;
        }
    }

    fn parse_concat(&mut self) -> ParseResult<Ev> {
        self.parse_binary(&["~"], Self::parse_product)
    }

    fn parse_product(&mut self) -> ParseResult<Ev> {
        self.parse_binary(&["*", "/", "//", "%"], Self::parse_power)
    }

    fn parse_power(&mut self) -> ParseResult<Ev> {
        self.parse_binary(&["**"], |p| p.parse_unary(true))
    }

    fn parse_binary(
        &mut self,
        ops: &[&str],
        operand: fn(&mut Self) -> ParseResult<Ev>,
    ) -> ParseResult<Ev> {
        let mut value = operand(self)?;
        while matches!(self.kind(), Tk::Op(op) if ops.contains(op)) {
            self.bump();
            operand(self)?;
            value = Ev::Other;
        }
        Ok(value)
    }

    fn parse_unary(&mut self, with_filters: bool) -> ParseResult<Ev> {
        self.enter()?;
        let start = self.offset();
        let value = if self.eat_op("-") {
            negate(self.parse_unary(false)?)
        } else if self.eat_op("+") {
            match self.parse_unary(false)? {
                number @ Ev::Lit(Value::Number(_)) => number,
                _ => Ev::Other,
            }
        } else {
            self.parse_primary()?
        };
        let mut value = self.parse_postfix(value, start)?;
        if with_filters {
            value = self.parse_filters(value, start)?;
        }
        self.leave();
        Ok(value)
    }

    fn parse_primary(&mut self) -> ParseResult<Ev> {
        let value = match self.kind().clone() {
            Tk::Name(name) => match name {
                "true" | "True" => Ev::Lit(Value::Bool(true)),
                "false" | "False" => Ev::Lit(Value::Bool(false)),
                "none" | "None" => Ev::Lit(Value::Null),
                "this" => Ev::Relation,
                _ => Ev::Path(name.to_owned()),
            },
            Tk::Str(mut text) => {
                // Adjacent literals concatenate, as in Python.
                while let Tk::Str(more) = &self.token(1).kind {
                    text.push_str(more);
                    self.bump();
                }
                Ev::Lit(Value::String(text))
            }
            Tk::Int(Some(n)) => Ev::Lit(Value::from(n)),
            Tk::Int(None) => Ev::Other,
            Tk::Float(f) => Number::from_f64(f).map_or(Ev::Other, |n| Ev::Lit(Value::Number(n))),
            Tk::Op("(") => return self.parse_parenthesized(),
            Tk::Op("[") => return self.parse_list(),
            Tk::Op("{") => return self.parse_dict(),
            _ => return Err(self.unexpected("an expression")),
        };
        self.bump();
        Ok(value)
    }

    fn parse_parenthesized(&mut self) -> ParseResult<Ev> {
        self.bump();
        if self.eat_op(")") {
            return Ok(Ev::Lit(Value::Array(Vec::new())));
        }
        let first = self.parse_expression(true)?;
        if self.eat_op(")") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_op(")") {
                break;
            }
            items.push(self.parse_expression(true)?);
        }
        self.expect_op(")")?;
        Ok(literal_array(items))
    }

    fn parse_list(&mut self) -> ParseResult<Ev> {
        self.bump();
        let mut items = Vec::new();
        while !self.eat_op("]") {
            if !items.is_empty() {
                self.expect_op(",")?;
                if self.eat_op("]") {
                    break;
                }
            }
            items.push(self.parse_expression(true)?);
        }
        Ok(literal_array(items))
    }

    fn parse_dict(&mut self) -> ParseResult<Ev> {
        self.bump();
        let mut map = Some(Map::new());
        let mut first = true;
        while !self.eat_op("}") {
            if !first {
                self.expect_op(",")?;
                if self.eat_op("}") {
                    break;
                }
            }
            first = false;
            let key = self.parse_expression(true)?;
            self.expect_op(":")?;
            let value = self.parse_expression(true)?;
            map = match (map, key, value) {
                (Some(mut map), Ev::Lit(Value::String(key)), Ev::Lit(value)) => {
                    map.insert(key, value);
                    Some(map)
                }
                _ => None,
            };
        }
        Ok(map.map_or(Ev::Other, |map| Ev::Lit(Value::Object(map))))
    }

    fn parse_postfix(&mut self, mut value: Ev, start: usize) -> ParseResult<Ev> {
        loop {
            if self.eat_op(".") {
                match *self.kind() {
                    Tk::Name(name) => value = attribute(value, name),
                    Tk::Int(_) => value = item(value),
                    _ => return Err(self.unexpected("an attribute name")),
                }
                self.bump();
            } else if self.eat_op("[") {
                while !self.eat_op("]") {
                    if !(self.eat_op(":") || self.eat_op(",")) {
                        self.parse_expression(true)?;
                    }
                }
                value = item(value);
            } else if self.at_op("(") {
                value = self.parse_call(value, start)?;
            } else {
                return Ok(value);
            }
        }
    }

    fn parse_filters(&mut self, mut value: Ev, start: usize) -> ParseResult<Ev> {
        loop {
            if self.eat_op("|") {
                self.parse_dotted_name()?;
                if self.at_op("(") {
                    self.parse_args()?;
                }
                value = Ev::Other;
            } else if self.eat_name("is") {
                self.eat_name("not");
                self.parse_dotted_name()?;
                if self.at_op("(") {
                    self.parse_args()?;
                } else if self.test_argument_follows() {
                    let arg_start = self.offset();
                    let arg = self.parse_primary()?;
                    self.parse_postfix(arg, arg_start)?;
                }
                value = Ev::Other;
            } else if self.at_op("(") {
                value = self.parse_call(value, start)?;
            } else {
                return Ok(value);
            }
        }
    }

    /// Jinja lets a test take one argument without parentheses: `x is divisibleby 3`.
    fn test_argument_follows(&self) -> bool {
        match self.kind() {
            Tk::Name(name) => !matches!(*name, "else" | "or" | "and" | "is"),
            Tk::Str(_) | Tk::Int(_) | Tk::Float(_) => true,
            Tk::Op(op) => matches!(*op, "[" | "{"),
            Tk::Bad | Tk::Eof => false,
        }
    }

    fn parse_dotted_name(&mut self) -> ParseResult<()> {
        loop {
            if !matches!(self.kind(), Tk::Name(_)) {
                return Err(self.unexpected("a name"));
            }
            self.bump();
            if !self.eat_op(".") {
                return Ok(());
            }
        }
    }

    fn parse_args(&mut self) -> ParseResult<Vec<Arg>> {
        self.expect_op("(")?;
        let mut args = Vec::new();
        let mut first = true;
        while !self.eat_op(")") {
            if !first {
                self.expect_op(",")?;
                if self.eat_op(")") {
                    break;
                }
            }
            first = false;
            if self.eat_op("*") || self.eat_op("**") {
                self.parse_expression(true)?;
                args.push(Arg {
                    key: None,
                    value: Ev::Other,
                    spread: true,
                });
                continue;
            }
            let key = match (self.kind(), &self.token(1).kind) {
                (Tk::Name(name), Tk::Op("=")) => Some((*name).to_owned()),
                _ => None,
            };
            if key.is_some() {
                self.bump();
                self.bump();
            }
            let value = self.parse_expression(true)?;
            args.push(Arg {
                key,
                value,
                spread: false,
            });
        }
        Ok(args)
    }

    fn parse_call(&mut self, callee: Ev, offset: usize) -> ParseResult<Ev> {
        let args = self.parse_args()?;
        let hook_level = self.hook_level;
        let events = &mut self.events;
        Ok(match callee {
            Ev::Path(name) => match name.as_str() {
                "ref" => {
                    ref_call(events, offset, &args);
                    Ev::Relation
                }
                "source" => {
                    source_call(events, offset, &args);
                    Ev::Relation
                }
                "config" => {
                    config_call(events, offset, &args, hook_level);
                    Ev::Other
                }
                "var" => {
                    var_call(events, offset, &args);
                    Ev::Other
                }
                "doc" => {
                    doc_call(events, offset, &args);
                    Ev::Other
                }
                "env_var" | "is_incremental" => Ev::Other,
                _ => {
                    flag(
                        events,
                        format!("call to {name}() cannot be followed statically"),
                        offset,
                    );
                    Ev::Other
                }
            },
            Ev::Relation => Ev::Relation,
            Ev::Lit(_) | Ev::Harmless => Ev::Harmless,
            Ev::Other => {
                flag(events, "call to a computed value".to_owned(), offset);
                Ev::Other
            }
        })
    }
}

fn negate(value: Ev) -> Ev {
    let Ev::Lit(Value::Number(n)) = &value else {
        return Ev::Other;
    };
    if let Some(u) = n.as_u64() {
        return i64::try_from(-i128::from(u)).map_or(Ev::Other, |i| Ev::Lit(Value::from(i)));
    }
    if let Some(i) = n.as_i64() {
        return Ev::Lit(Value::from(i.unsigned_abs()));
    }
    n.as_f64()
        .and_then(|f| Number::from_f64(-f))
        .map_or(Ev::Other, |n| Ev::Lit(Value::Number(n)))
}

fn attribute(value: Ev, name: &str) -> Ev {
    match value {
        Ev::Path(mut path) => {
            // Extend in place: rebuilding the string per dot would be quadratic on `a.a.a...`.
            path.push('.');
            path.push_str(name);
            Ev::Path(path)
        }
        Ev::Relation => Ev::Relation,
        Ev::Lit(_) | Ev::Harmless => Ev::Harmless,
        Ev::Other => Ev::Other,
    }
}

fn item(value: Ev) -> Ev {
    match value {
        Ev::Relation => Ev::Relation,
        Ev::Lit(_) | Ev::Harmless => Ev::Harmless,
        Ev::Path(_) | Ev::Other => Ev::Other,
    }
}

fn literal_array(items: Vec<Ev>) -> Ev {
    items
        .into_iter()
        .map(|item| match item {
            Ev::Lit(value) => Some(value),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map_or(Ev::Other, |values| Ev::Lit(Value::Array(values)))
}

#[cfg(test)]
mod tests;
