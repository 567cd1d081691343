//! dbt's names, aliases and `unique_id`s for generic data tests declared in properties YAML.
//! Interop must predict them byte for byte so a test it reads or writes keeps dbt's identity.
//!
//! Everything here mirrors dbt-core 1.12 (`dbt/parser/generic_test_builders.py` and
//! `dbt/parser/schema_generic_tests.py`), including its quirks, and was checked against the
//! `manifest.json` of dbt-core 1.12.6.

use md5::{Digest, Md5};
use serde_json::{Map, Value};
use std::fmt;

/// dbt's test configs that may still be written at the top level of a test entry; dbt moves
/// them into the test's config, in this order (`TestBuilder.CONFIG_ARGS`).
const CONFIG_ARGS: [&str; 15] = [
    "severity",
    "tags",
    "enabled",
    "where",
    "limit",
    "warn_if",
    "error_if",
    "fail_calc",
    "store_failures",
    "store_failures_as",
    "sql_header",
    "meta",
    "database",
    "schema",
    "alias",
];

/// A synthesized name this long or longer gets a shortened, hashed alias.
const MAX_NAME_CHARS: usize = 64;

/// How many characters of the test's identifier the shortened alias keeps.
const ALIAS_PREFIX_CHARS: usize = 30;

/// How many trailing hex digits of the md5 end the unique id.
const HASH_CHARS: usize = 10;

/// What a generic test is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestTarget<'a> {
    /// A model, seed, snapshot or analysis, with the version for versioned models.
    Node {
        /// The resource's name (for a versioned model, the name without the version).
        name: &'a str,
        /// The model version as Python's `str()` prints dbt's value (`"2"`, `"2.0"`, `"beta"`).
        ///
        /// dbt tests the version for truth, so a numeric `v: 0` counts as no version; use
        /// [`model_version_text`] to turn a YAML `v:` into this value. `Some("")` is the same
        /// as `None`.
        version: Option<&'a str>,
    },
    /// A source table.
    Source {
        /// The source's name.
        source: &'a str,
        /// The table's name.
        table: &'a str,
    },
}

/// One generic test as declared in YAML, normalised.
///
/// Build it from a [`ParsedTestEntry`]: `namespace`, `test_name`, `kwargs` and `explicit_name`
/// come from the entry; `column_name` is the column the entry sits under (quoted as dbt quotes
/// it) or, for a resource-level test, the entry's own top-level `column_name`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenericTestCall<'a> {
    /// The name of the project whose YAML declares the test; it is part of the unique id.
    pub package: &'a str,
    /// `dbt_utils` in `dbt_utils.unique_combination_of_columns`.
    pub namespace: Option<&'a str>,
    /// The test's name without namespace: `unique`, `accepted_values`, ...
    pub test_name: &'a str,
    /// What the test is attached to.
    pub target: TestTarget<'a>,
    /// The column for column tests, as dbt passes it: the column's name, wrapped in the
    /// adapter's quotes (`"id"` on Snowflake) when `quote: true` or the source quotes columns.
    pub column_name: Option<&'a str>,
    /// The test's arguments as JSON, without `model`.
    ///
    /// Normally without `column_name` as well. A `column_name` found here is one given under
    /// `arguments:`, which dbt lets win over [`GenericTestCall::column_name`].
    pub kwargs: &'a Map<String, Value>,
    /// The `name:` given in YAML; dbt then uses it as is, however long.
    pub explicit_name: Option<&'a str>,
}

/// The identity dbt gives a generic test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericTestIdentity {
    /// The node's `name`: the explicit name, or the full synthesized one (never shortened).
    pub name: String,
    /// The node's `alias` (relation and compiled file name) unless the test's config or
    /// `dbt_project.yml` sets `alias`, which then wins.
    pub alias: String,
    /// `test.<package>.<name>.<hash>`.
    pub unique_id: String,
}

/// Computes dbt's name, alias and unique id for one generic test.
///
/// ```
/// # use interop_sync::model::test_name::*;
/// let kwargs = serde_json::Map::new();
/// let call = GenericTestCall {
///     package: "jaffle",
///     namespace: None,
///     test_name: "unique",
///     target: TestTarget::Node { name: "orders", version: None },
///     column_name: Some("order_id"),
///     kwargs: &kwargs,
///     explicit_name: None,
/// };
/// let id = generic_test_identity(&call);
/// assert_eq!(id.name, "unique_orders_order_id");
/// assert_eq!(id.alias, "unique_orders_order_id");
/// assert_eq!(id.unique_id, "test.jaffle.unique_orders_order_id.fed79b3a6e");
/// ```
pub fn generic_test_identity(call: &GenericTestCall) -> GenericTestIdentity {
    // The kwargs of `test_kwargs`, borrowed rather than copied, sorted by key (keys are unique).
    let model = model_kwarg(&call.target);
    let mut kwargs: Vec<(&str, Kwarg)> = Vec::with_capacity(call.kwargs.len() + 2);
    if let Some(column) = call.column_name
        && !call.kwargs.contains_key("column_name")
    {
        kwargs.push(("column_name", Kwarg::Text(column)));
    }
    for (key, value) in call.kwargs {
        if key != "model" {
            kwargs.push((key, Kwarg::Json(value)));
        }
    }
    kwargs.push(("model", Kwarg::Text(&model)));
    kwargs.sort_unstable_by(|a, b| a.0.cmp(b.0));

    let (name, alias) = match call.explicit_name {
        Some(name) => (name.to_string(), name.to_string()),
        None => {
            let names = synthesize_names(call, &kwargs);
            (names.full, names.short)
        }
    };
    let hash = metadata_hash(&name, namespace(call), call.test_name, &kwargs);
    // dbt joins the non-empty parts only (`filter(None, ...)`).
    let mut unique_id = String::with_capacity(6 + call.package.len() + name.len() + HASH_CHARS);
    for part in ["test", call.package, &name, &hash] {
        if !part.is_empty() {
            if !unique_id.is_empty() {
                unique_id.push('.');
            }
            unique_id.push_str(part);
        }
    }
    GenericTestIdentity {
        name,
        alias,
        unique_id,
    }
}

/// One keyword argument of a test, borrowed: a string dbt passes (`column_name`, `model`) or a
/// value from the YAML entry.
#[derive(Clone, Copy)]
enum Kwarg<'a> {
    Text(&'a str),
    Json(&'a Value),
}

/// The keyword arguments dbt records in the test's `test_metadata.kwargs`: the test's
/// arguments with `column_name` and the `model` string dbt renders the relation from.
///
/// Equal to dbt's as a map; the key order can differ when top-level and `arguments:` keys mix.
pub fn test_kwargs(call: &GenericTestCall) -> Map<String, Value> {
    let mut kwargs = Map::new();
    if let Some(column) = call.column_name
        && !call.kwargs.contains_key("column_name")
    {
        kwargs.insert("column_name".to_string(), Value::String(column.to_string()));
    }
    for (key, value) in call.kwargs {
        if key != "model" {
            kwargs.insert(key.clone(), value.clone());
        }
    }
    kwargs.insert(
        "model".to_string(),
        Value::String(model_kwarg(&call.target)),
    );
    kwargs
}

/// The version text to put in [`TestTarget::Node`] for a model version's YAML `v:` value.
///
/// Python's `str()` of the value, or `None` for values Python finds false (`0`, `0.0`, `""`),
/// because dbt then names and refs the test as if the model had no version.
pub fn model_version_text(v: &Value) -> Option<String> {
    if python_truthy(v) {
        Some(python_str(v))
    } else {
        None
    }
}

fn namespace<'a>(call: &GenericTestCall<'a>) -> Option<&'a str> {
    call.namespace.filter(|ns| !ns.is_empty())
}

fn node_version(version: Option<&str>) -> Option<&str> {
    version.filter(|v| !v.is_empty())
}

/// The `model` argument dbt passes to every generic test; it is hashed with the other kwargs,
/// so it must match dbt's text exactly (no escaping of quotes in names, as in dbt).
fn model_kwarg(target: &TestTarget) -> String {
    let relation = match *target {
        TestTarget::Node { name, version } => match node_version(version) {
            Some(v) => format!("ref('{name}', version='{v}')"),
            None => format!("ref('{name}')"),
        },
        TestTarget::Source { source, table } => format!("source('{source}', '{table}')"),
    };
    format!("{{{{ get_where_subquery({relation}) }}}}")
}

struct SynthesizedNames {
    /// For the alias and compiled file: hashed when the full name is too long.
    short: String,
    /// For the node's name, FQN and unique id.
    full: String,
}

/// dbt's `synthesize_generic_test_names` with the prefix of `get_synthetic_test_names`;
/// `kwargs` are sorted by key.
fn synthesize_names(call: &GenericTestCall, kwargs: &[(&str, Kwarg)]) -> SynthesizedNames {
    // `{namespace_}{source_}{test}_{target}`, then `_{args}`.
    let mut full = String::with_capacity(96);
    if let Some(ns) = namespace(call) {
        full.push_str(ns);
        full.push('_');
    }
    if let TestTarget::Source { .. } = call.target {
        full.push_str("source_");
    }
    full.push_str(call.test_name);
    full.push('_');
    match call.target {
        TestTarget::Node { name, version } => {
            full.push_str(name);
            if let Some(v) = node_version(version) {
                full.push_str("_v");
                full.push_str(v);
            }
        }
        TestTarget::Source { source, table } => {
            full.push_str(source);
            full.push('_');
            full.push_str(table);
        }
    }
    let identifier_len = full.len();
    full.push('_');

    // A map contributes its values and a list its items; anything nested deeper is printed
    // whole, the way Python's str() prints it. Parts are joined with `__`.
    let mut first = true;
    let mut scratch = String::new();
    let mut part = |full: &mut String, value: Kwarg| {
        if !std::mem::take(&mut first) {
            full.push_str("__");
        }
        match value {
            Kwarg::Text(text) => push_non_word_runs(full, text),
            Kwarg::Json(Value::String(text)) => push_non_word_runs(full, text),
            Kwarg::Json(other) => {
                scratch.clear();
                push_repr(&mut scratch, other);
                push_non_word_runs(full, &scratch);
            }
        }
    };
    for (key, value) in kwargs {
        if *key == "model" {
            continue;
        }
        match value {
            Kwarg::Json(Value::Object(map)) => {
                map.values().for_each(|v| part(&mut full, Kwarg::Json(v)))
            }
            Kwarg::Json(Value::Array(items)) => {
                items.iter().for_each(|v| part(&mut full, Kwarg::Json(v)))
            }
            other => part(&mut full, *other),
        }
    }

    // Python measures in code points, not bytes.
    let short = if char_count_at_least(&full, MAX_NAME_CHARS) {
        let prefix: String = full[..identifier_len]
            .chars()
            .take(ALIAS_PREFIX_CHARS)
            .collect();
        format!("{prefix}_{}", md5_hex(&full))
    } else {
        full.clone()
    };
    SynthesizedNames { short, full }
}

/// Whether `text` has at least `n` code points.
fn char_count_at_least(text: &str, n: usize) -> bool {
    if text.is_ascii() {
        text.len() >= n
    } else {
        text.chars().count() >= n
    }
}

/// `re.sub("[^0-9a-zA-Z_]+", "_", text)`: every run of other characters (including any
/// non-ASCII letter) becomes one underscore.
#[cfg(test)]
fn replace_non_word_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_non_word_runs(&mut out, text);
    out
}

/// [`replace_non_word_runs`], appended to `out`.
fn push_non_word_runs(out: &mut String, text: &str) {
    let mut in_run = false;
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            out.push(ch);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
}

/// The last ten hex digits of `md5(name + repr(get_hashable_md(test_metadata)))`; `kwargs`
/// are sorted by key.
fn metadata_hash(
    name: &str,
    namespace: Option<&str>,
    test_name: &str,
    kwargs: &[(&str, Kwarg)],
) -> String {
    // `get_hashable_md` sorts keys, so the metadata reads kwargs, name, namespace; every leaf,
    // the missing namespace included, becomes its Python str() before repr() quotes it.
    let mut text = String::with_capacity(name.len() + 160);
    text.push_str(name);
    text.push_str("{'kwargs': {");
    for (i, (key, value)) in kwargs.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        push_str_repr(&mut text, key);
        text.push_str(": ");
        match value {
            Kwarg::Text(t) => push_str_repr(&mut text, t),
            Kwarg::Json(v) => push_hashable_repr(&mut text, v),
        }
    }
    text.push_str("}, 'name': ");
    push_str_repr(&mut text, test_name);
    text.push_str(", 'namespace': ");
    push_str_repr(&mut text, namespace.unwrap_or("None"));
    text.push('}');
    let hex = md5_hex(&text);
    hex[hex.len() - HASH_CHARS..].to_string()
}

/// `repr(get_hashable_md(value))`: maps with sorted keys, lists kept, leaves as str().
fn push_hashable_repr(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => push_hashable_map(out, map),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_hashable_repr(out, item);
            }
            out.push(']');
        }
        Value::String(text) => push_str_repr(out, text),
        leaf => push_str_repr(out, &python_repr(leaf)),
    }
}

fn push_hashable_map(out: &mut String, map: &Map<String, Value>) {
    // Byte order of UTF-8 is code point order, which is how Python sorts strings.
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    out.push('{');
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_str_repr(out, key);
        out.push_str(": ");
        push_hashable_repr(out, &map[key]);
    }
    out.push('}');
}

fn md5_hex(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Md5::digest(text.as_bytes());
    let mut out = String::with_capacity(32);
    for byte in digest.iter() {
        out.push(HEX[usize::from(byte >> 4)] as char);
        out.push(HEX[usize::from(byte & 0xf)] as char);
    }
    out
}

/// Python's `bool(value)` for a YAML value.
fn python_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading one test entry
// ---------------------------------------------------------------------------------------------

/// One list item under `data_tests:` / `tests:`, split the way dbt 1.12 splits it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedTestEntry {
    /// `dbt_utils` in `dbt_utils.expression_is_true`.
    pub namespace: Option<String>,
    /// The test's name without namespace.
    pub test_name: String,
    /// The arguments passed to the test macro, in dbt's order: top-level keys first, then the
    /// keys of `arguments:` (which win over top-level keys of the same name). Has no `model`,
    /// no config keys and no `name`/`description`; has `column_name` only when `arguments:`
    /// sets it.
    pub kwargs: Map<String, Value>,
    /// The test's config: top-level config keys (in dbt's order) then `config:`'s other keys;
    /// `null` values dropped. Strings are kept as written, where dbt renders them with Jinja.
    pub config: Map<String, Value>,
    /// `name:`, which replaces the synthesized name.
    pub explicit_name: Option<String>,
    /// `description:`.
    pub description: Option<String>,
    /// A `column_name` written at the top level of the entry. Under a column, dbt replaces it
    /// with the column's name; on a resource-level test it is the test's column.
    pub column_name: Option<String>,
}

/// How to read test entries; the default is dbt 1.12's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// dbt's `require_generic_test_arguments_property` flag (`flags:` in `dbt_project.yml`),
    /// true by default since dbt 1.10.8. When false, `arguments:` is an ordinary argument.
    pub require_arguments_property: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            require_arguments_property: true,
        }
    }
}

/// Why a test entry cannot be read; dbt rejects the same entries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TestEntryError {
    /// The entry is neither a test name nor a map.
    NotStringOrMap {
        /// The kind of value found.
        found: &'static str,
    },
    /// A map without `test_name` must have exactly one key: the test's name.
    AmbiguousMap {
        /// The keys found.
        keys: Vec<String>,
    },
    /// The test's name is not a string.
    TestNameNotString {
        /// The kind of value found.
        found: &'static str,
    },
    /// The value under the test's name is not a map (`- not_null:` followed by nothing).
    ArgumentsNotMap {
        /// The test's name.
        test_name: String,
        /// The kind of value found.
        found: &'static str,
    },
    /// The arguments include `model`, which dbt reserves for the tested relation.
    ModelArgument {
        /// The test's name.
        test_name: String,
    },
    /// The test's name does not start with `identifier` or `namespace.identifier`.
    InvalidTestName {
        /// The name as written.
        test_name: String,
    },
    /// `config:` is not a map.
    ConfigNotMap {
        /// The test's name.
        test_name: String,
        /// The kind of value found.
        found: &'static str,
    },
    /// A config key is set both at the top level and under `config:`.
    ConfigKeyTwice {
        /// The test's name.
        test_name: String,
        /// The config key.
        key: String,
    },
    /// `name`, `description` or `column_name` has a value dbt cannot use.
    NotAString {
        /// The test's name.
        test_name: String,
        /// The key.
        key: &'static str,
        /// The kind of value found.
        found: &'static str,
    },
}

impl fmt::Display for TestEntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestEntryError::NotStringOrMap { found } => {
                write!(f, "a test must be a test name or a map, found {found}")
            }
            TestEntryError::AmbiguousMap { keys } => write!(
                f,
                "a test map needs `test_name` or exactly one key (the test's name), found {} \
                 keys: {}",
                keys.len(),
                keys.join(", ")
            ),
            TestEntryError::TestNameNotString { found } => {
                write!(f, "a test's name must be a string, found {found}")
            }
            TestEntryError::ArgumentsNotMap { test_name, found } => {
                write!(
                    f,
                    "test `{test_name}`: expected a map of properties, found {found}"
                )
            }
            TestEntryError::ModelArgument { test_name } => {
                write!(
                    f,
                    "test `{test_name}`: `model` is reserved and cannot be an argument"
                )
            }
            TestEntryError::InvalidTestName { test_name } => write!(
                f,
                "test name `{test_name}` must look like `name` or `package.name` (letters, \
                 digits, underscores)"
            ),
            TestEntryError::ConfigNotMap { test_name, found } => {
                write!(
                    f,
                    "test `{test_name}`: `config` must be a map, found {found}"
                )
            }
            TestEntryError::ConfigKeyTwice { test_name, key } => write!(
                f,
                "test `{test_name}`: `{key}` is set both at the top level and under `config`"
            ),
            TestEntryError::NotAString {
                test_name,
                key,
                found,
            } => {
                write!(
                    f,
                    "test `{test_name}`: `{key}` must be a string, found {found}"
                )
            }
        }
    }
}

impl std::error::Error for TestEntryError {}

/// Reads one list item under `data_tests:` / `tests:` as dbt 1.12 does by default.
///
/// Accepts `- unique`, `- accepted_values: {arguments: ..., config: ...}` and
/// `- {test_name: ..., name: ..., arguments: ...}`. Top-level keys that are not properties of
/// the test are arguments (dbt warns but passes them on); `arguments:` keys win over them;
/// top-level config keys (`severity`, `where`, ...) go to the config.
///
/// ```
/// # use interop_sync::model::test_name::*;
/// let entry = serde_json::json!({"accepted_values": {
///     "arguments": {"values": ["placed", "shipped"]},
///     "config": {"severity": "warn"}
/// }});
/// let parsed = parse_test_entry(&entry).unwrap();
/// assert_eq!(parsed.test_name, "accepted_values");
/// assert_eq!(parsed.kwargs["values"], serde_json::json!(["placed", "shipped"]));
/// assert_eq!(parsed.config["severity"], "warn");
/// ```
pub fn parse_test_entry(entry: &Value) -> Result<ParsedTestEntry, TestEntryError> {
    parse_test_entry_with(entry, ParseOptions::default())
}

/// [`parse_test_entry`] with dbt's flags given explicitly.
pub fn parse_test_entry_with(
    entry: &Value,
    options: ParseOptions,
) -> Result<ParsedTestEntry, TestEntryError> {
    // dbt turns `- unique` into `{unique: {}}` first.
    let (raw_name, mut args) = match entry {
        Value::String(name) => (Value::String(name.clone()), Map::new()),
        Value::Object(map) => split_test_map(map)?,
        other => return Err(TestEntryError::NotStringOrMap { found: kind(other) }),
    };
    let Value::String(full_name) = raw_name else {
        return Err(TestEntryError::TestNameNotString {
            found: kind(&raw_name),
        });
    };

    // Kept apart from `arguments:`'s `column_name`, which dbt lets win over a column's name.
    // (`shift_remove` everywhere: serde_json's `remove` would reorder the remaining keys.)
    let top_level_column = args.shift_remove("column_name");

    if options.require_arguments_property {
        // Anything under `arguments:` other than a map is dropped without a word, as in dbt.
        if let Some(Value::Object(arguments)) = args.shift_remove("arguments") {
            for (key, value) in arguments {
                args.insert(key, value);
            }
        }
    }

    if args.contains_key("model") {
        return Err(TestEntryError::ModelArgument {
            test_name: full_name,
        });
    }
    let (namespace, test_name) =
        split_test_name(&full_name).ok_or_else(|| TestEntryError::InvalidTestName {
            test_name: full_name.clone(),
        })?;

    let config = take_config(&mut args, &full_name)?;
    let description = take_string(&mut args, "description", &full_name)?;
    let explicit_name = take_string(&mut args, "name", &full_name)?;
    let column_name = match top_level_column {
        None => None,
        // Scalars give the same name and hash as their Python str(); containers would not.
        Some(value @ (Value::Array(_) | Value::Object(_))) => {
            return Err(TestEntryError::NotAString {
                test_name: full_name,
                key: "column_name",
                found: kind(&value),
            });
        }
        Some(value) => Some(python_str(&value)),
    };

    Ok(ParsedTestEntry {
        namespace: namespace.map(str::to_string),
        test_name: test_name.to_string(),
        kwargs: args,
        config,
        explicit_name,
        description,
        column_name,
    })
}

/// Splits a test map into the test's name and its properties (`extract_test_args`).
fn split_test_map(map: &Map<String, Value>) -> Result<(Value, Map<String, Value>), TestEntryError> {
    if let Some(name) = map.get("test_name") {
        let mut rest = map.clone();
        rest.shift_remove("test_name");
        return Ok((name.clone(), rest));
    }
    if map.len() != 1 {
        return Err(TestEntryError::AmbiguousMap {
            keys: map.keys().cloned().collect(),
        });
    }
    let (name, properties) = map.iter().next().expect("one key");
    match properties {
        Value::Object(properties) => Ok((Value::String(name.clone()), properties.clone())),
        other => Err(TestEntryError::ArgumentsNotMap {
            test_name: name.clone(),
            found: kind(other),
        }),
    }
}

/// dbt matches `((ns)\.)?(name)` at the start of the text only, so trailing characters are
/// ignored (`my-test` is the test `my`) and `a.` without a name after the dot is just `a`.
fn split_test_name(text: &str) -> Option<(Option<&str>, &str)> {
    fn identifier(text: &str) -> Option<&str> {
        let first = text.chars().next()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len());
        Some(&text[..end])
    }
    let first = identifier(text)?;
    if let Some(rest) = text[first.len()..].strip_prefix('.')
        && let Some(name) = identifier(rest)
    {
        return Some((Some(first), name));
    }
    Some((None, first))
}

/// Moves config keys out of the arguments the way `_process_legacy_args` does, quirks
/// included: a false-ish top-level value (`false`, `0`, `""`) is replaced by the `config:`
/// value of that key, or dropped when `config:` exists without it.
fn take_config(
    args: &mut Map<String, Value>,
    test_name: &str,
) -> Result<Map<String, Value>, TestEntryError> {
    let mut nested = match args.shift_remove("config") {
        None => None,
        Some(Value::Object(map)) => Some(map),
        Some(other) => {
            return Err(TestEntryError::ConfigNotMap {
                test_name: test_name.to_string(),
                found: kind(&other),
            });
        }
    };
    let mut config = Map::new();
    for key in CONFIG_ARGS {
        let mut value = args.shift_remove(key).unwrap_or(Value::Null);
        if let Some(nested) = nested.as_mut() {
            if python_truthy(&value) {
                if nested.contains_key(key) {
                    return Err(TestEntryError::ConfigKeyTwice {
                        test_name: test_name.to_string(),
                        key: key.to_string(),
                    });
                }
            } else {
                value = nested.shift_remove(key).unwrap_or(Value::Null);
            }
        }
        if !value.is_null() {
            config.insert(key.to_string(), value);
        }
    }
    for (key, value) in nested.into_iter().flatten() {
        if !value.is_null() {
            config.insert(key, value);
        }
    }
    Ok(config)
}

fn take_string(
    args: &mut Map<String, Value>,
    key: &'static str,
    test_name: &str,
) -> Result<Option<String>, TestEntryError> {
    match args.shift_remove(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(TestEntryError::NotAString {
            test_name: test_name.to_string(),
            key,
            found: kind(&other),
        }),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

// ---------------------------------------------------------------------------------------------
// Python's str() and repr() of YAML values
// ---------------------------------------------------------------------------------------------

/// Python's `str()` of a value loaded from YAML: strings as they are, everything else as
/// [`python_repr`] prints it.
///
/// JSON cannot tell Python's `int` above 2^64 or YAML dates apart from floats and strings;
/// such values print as the JSON value they were turned into.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => python_repr(other),
    }
}

/// Python's `repr()` of a value loaded from YAML (`None`, `True`, `0.95`, `'it\'s'` as
/// `"it's"`, `[1, 'a']`, `{'k': None}`), as in CPython 3.11.
pub fn python_repr(value: &Value) -> String {
    let mut out = String::new();
    push_repr(&mut out, value);
    out
}

fn push_repr(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Number(number) => {
            if let Some(i) = number.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = number.as_u64() {
                out.push_str(&u.to_string());
            } else if let Some(f) = number.as_f64() {
                out.push_str(&python_float_repr(f));
            }
        }
        Value::String(text) => push_str_repr(out, text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_str_repr(out, key);
                out.push_str(": ");
                push_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// `repr(float)`: the shortest digits that read back as the same double, in positional
/// notation for exponents -4 to 15 and as `1e+16` / `1e-05` outside.
fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if value == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` also prints the shortest round-tripping digits; only the layout differs.
    let (digits, exponent) = shortest_digits(value.abs());
    // The value is 0.DIGITS times ten to the `point`, as CPython's dtoa counts it.
    let point = exponent + 1;
    let body = if !(-4 < point && point <= 16) {
        let (first, rest) = digits.split_at(1);
        let fraction = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{fraction}e{exp_sign}{:02}", exponent.unsigned_abs())
    } else if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else {
        let point = point as usize;
        if point >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    format!("{sign}{body}")
}

/// The shortest significant digits that read back as `value` (positive, finite, non-zero) and
/// the decimal exponent of the first one, breaking ties as CPython's dtoa does.
fn shortest_digits(value: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest round-tripping digits too, but when the double lies
    // exactly halfway between two such digit strings it rounds up where CPython rounds to the
    // even last digit (85419568524390.125 is `...390.12` in Python, `...390.13` in Rust).
    let (digits, exponent) = split_scientific(&format!("{value:e}"));
    let last = digits.as_bytes()[digits.len() - 1] - b'0';
    if last.is_multiple_of(2) {
        return (digits, exponent);
    }
    let head = &digits[..digits.len() - 1];
    for neighbour in [last - 1, last + 1] {
        if neighbour > 9 {
            continue;
        }
        let candidate = format!("{head}{neighbour}");
        let scale = exponent - head.len() as i32;
        let reads_back = format!("{candidate}e{scale}")
            .parse::<f64>()
            .is_ok_and(|parsed| parsed == value);
        // A tie means the exact value is the midpoint: the lower string followed by a 5. The
        // precision is enough to print any double exactly, so trailing zeros mean exact.
        let lower = last.min(neighbour);
        let midpoint = format!("{head}{lower}5");
        let (exact, exact_exponent) = split_scientific(&format!("{value:.1100e}"));
        if reads_back && exact_exponent == exponent && exact.trim_end_matches('0') == midpoint {
            return (candidate, exponent);
        }
    }
    (digits, exponent)
}

/// Splits Rust's `{:e}` output into the significant digits and the exponent.
fn split_scientific(text: &str) -> (String, i32) {
    let (mantissa, exponent) = text.split_once('e').expect("`{:e}` always has an exponent");
    let exponent = exponent.parse().expect("`{:e}` exponent is an integer");
    (mantissa.chars().filter(|c| *c != '.').collect(), exponent)
}

/// `repr(str)`: single quotes unless the text has a single quote and no double quote;
/// backslash escapes for the quote, backslash, tab, newline, carriage return and characters
/// Python does not print (controls, separators, format and unassigned characters).
fn push_str_repr(out: &mut String, text: &str) {
    // Printable ASCII without quotes or backslashes is written as it is.
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'\\' | b'\'' | b'"'))
    {
        out.reserve(text.len() + 2);
        out.push('\'');
        out.push_str(text);
        out.push('\'');
        return;
    }
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_python_printable(c) => out.push(c),
            c => {
                let code = u32::from(c);
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
        }
    }
    out.push(quote);
}

/// `str.isprintable()` for one character, from CPython 3.11's Unicode 14.0 database.
fn is_python_printable(ch: char) -> bool {
    let code = u32::from(ch);
    if (0x20..0x7f).contains(&code) {
        return true;
    }
    // The ranges are sorted and disjoint: look in the last one starting at or before `code`.
    let after = NON_PRINTABLE.partition_point(|&(start, _)| start <= code);
    after == 0 || code > NON_PRINTABLE[after - 1].1
}

/// Inclusive ranges of the characters for which CPython 3.11's
/// `str.isprintable()` is false; generated by scanning every code point with that Python.
#[rustfmt::skip]
const NON_PRINTABLE: [(u32, u32); 701] = [
    (0x0, 0x1F), (0x7F, 0xA0), (0xAD, 0xAD), (0x378, 0x379), (0x380, 0x383), (0x38B, 0x38B),
    (0x38D, 0x38D), (0x3A2, 0x3A2), (0x530, 0x530), (0x557, 0x558), (0x58B, 0x58C), (0x590, 0x590),
    (0x5C8, 0x5CF), (0x5EB, 0x5EE), (0x5F5, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70E, 0x70F),
    (0x74B, 0x74C), (0x7B2, 0x7BF), (0x7FB, 0x7FC), (0x82E, 0x82F), (0x83F, 0x83F), (0x85C, 0x85D),
    (0x85F, 0x85F), (0x86B, 0x86F), (0x88F, 0x897), (0x8E2, 0x8E2), (0x984, 0x984), (0x98D, 0x98E),
    (0x991, 0x992), (0x9A9, 0x9A9), (0x9B1, 0x9B1), (0x9B3, 0x9B5), (0x9BA, 0x9BB), (0x9C5, 0x9C6),
    (0x9C9, 0x9CA), (0x9CF, 0x9D6), (0x9D8, 0x9DB), (0x9DE, 0x9DE), (0x9E4, 0x9E5), (0x9FF, 0xA00),
    (0xA04, 0xA04), (0xA0B, 0xA0E), (0xA11, 0xA12), (0xA29, 0xA29), (0xA31, 0xA31), (0xA34, 0xA34),
    (0xA37, 0xA37), (0xA3A, 0xA3B), (0xA3D, 0xA3D), (0xA43, 0xA46), (0xA49, 0xA4A), (0xA4E, 0xA50),
    (0xA52, 0xA58), (0xA5D, 0xA5D), (0xA5F, 0xA65), (0xA77, 0xA80), (0xA84, 0xA84), (0xA8E, 0xA8E),
    (0xA92, 0xA92), (0xAA9, 0xAA9), (0xAB1, 0xAB1), (0xAB4, 0xAB4), (0xABA, 0xABB), (0xAC6, 0xAC6),
    (0xACA, 0xACA), (0xACE, 0xACF), (0xAD1, 0xADF), (0xAE4, 0xAE5), (0xAF2, 0xAF8), (0xB00, 0xB00),
    (0xB04, 0xB04), (0xB0D, 0xB0E), (0xB11, 0xB12), (0xB29, 0xB29), (0xB31, 0xB31), (0xB34, 0xB34),
    (0xB3A, 0xB3B), (0xB45, 0xB46), (0xB49, 0xB4A), (0xB4E, 0xB54), (0xB58, 0xB5B), (0xB5E, 0xB5E),
    (0xB64, 0xB65), (0xB78, 0xB81), (0xB84, 0xB84), (0xB8B, 0xB8D), (0xB91, 0xB91), (0xB96, 0xB98),
    (0xB9B, 0xB9B), (0xB9D, 0xB9D), (0xBA0, 0xBA2), (0xBA5, 0xBA7), (0xBAB, 0xBAD), (0xBBA, 0xBBD),
    (0xBC3, 0xBC5), (0xBC9, 0xBC9), (0xBCE, 0xBCF), (0xBD1, 0xBD6), (0xBD8, 0xBE5), (0xBFB, 0xBFF),
    (0xC0D, 0xC0D), (0xC11, 0xC11), (0xC29, 0xC29), (0xC3A, 0xC3B), (0xC45, 0xC45), (0xC49, 0xC49),
    (0xC4E, 0xC54), (0xC57, 0xC57), (0xC5B, 0xC5C), (0xC5E, 0xC5F), (0xC64, 0xC65), (0xC70, 0xC76),
    (0xC8D, 0xC8D), (0xC91, 0xC91), (0xCA9, 0xCA9), (0xCB4, 0xCB4), (0xCBA, 0xCBB), (0xCC5, 0xCC5),
    (0xCC9, 0xCC9), (0xCCE, 0xCD4), (0xCD7, 0xCDC), (0xCDF, 0xCDF), (0xCE4, 0xCE5), (0xCF0, 0xCF0),
    (0xCF3, 0xCFF), (0xD0D, 0xD0D), (0xD11, 0xD11), (0xD45, 0xD45), (0xD49, 0xD49), (0xD50, 0xD53),
    (0xD64, 0xD65), (0xD80, 0xD80), (0xD84, 0xD84), (0xD97, 0xD99), (0xDB2, 0xDB2), (0xDBC, 0xDBC),
    (0xDBE, 0xDBF), (0xDC7, 0xDC9), (0xDCB, 0xDCE), (0xDD5, 0xDD5), (0xDD7, 0xDD7), (0xDE0, 0xDE5),
    (0xDF0, 0xDF1), (0xDF5, 0xE00), (0xE3B, 0xE3E), (0xE5C, 0xE80), (0xE83, 0xE83), (0xE85, 0xE85),
    (0xE8B, 0xE8B), (0xEA4, 0xEA4), (0xEA6, 0xEA6), (0xEBE, 0xEBF), (0xEC5, 0xEC5), (0xEC7, 0xEC7),
    (0xECE, 0xECF), (0xEDA, 0xEDB), (0xEE0, 0xEFF), (0xF48, 0xF48), (0xF6D, 0xF70), (0xF98, 0xF98),
    (0xFBD, 0xFBD), (0xFCD, 0xFCD), (0xFDB, 0xFFF), (0x10C6, 0x10C6), (0x10C8, 0x10CC),
    (0x10CE, 0x10CF), (0x1249, 0x1249), (0x124E, 0x124F), (0x1257, 0x1257), (0x1259, 0x1259),
    (0x125E, 0x125F), (0x1289, 0x1289), (0x128E, 0x128F), (0x12B1, 0x12B1), (0x12B6, 0x12B7),
    (0x12BF, 0x12BF), (0x12C1, 0x12C1), (0x12C6, 0x12C7), (0x12D7, 0x12D7), (0x1311, 0x1311),
    (0x1316, 0x1317), (0x135B, 0x135C), (0x137D, 0x137F), (0x139A, 0x139F), (0x13F6, 0x13F7),
    (0x13FE, 0x13FF), (0x1680, 0x1680), (0x169D, 0x169F), (0x16F9, 0x16FF), (0x1716, 0x171E),
    (0x1737, 0x173F), (0x1754, 0x175F), (0x176D, 0x176D), (0x1771, 0x1771), (0x1774, 0x177F),
    (0x17DE, 0x17DF), (0x17EA, 0x17EF), (0x17FA, 0x17FF), (0x180E, 0x180E), (0x181A, 0x181F),
    (0x1879, 0x187F), (0x18AB, 0x18AF), (0x18F6, 0x18FF), (0x191F, 0x191F), (0x192C, 0x192F),
    (0x193C, 0x193F), (0x1941, 0x1943), (0x196E, 0x196F), (0x1975, 0x197F), (0x19AC, 0x19AF),
    (0x19CA, 0x19CF), (0x19DB, 0x19DD), (0x1A1C, 0x1A1D), (0x1A5F, 0x1A5F), (0x1A7D, 0x1A7E),
    (0x1A8A, 0x1A8F), (0x1A9A, 0x1A9F), (0x1AAE, 0x1AAF), (0x1ACF, 0x1AFF), (0x1B4D, 0x1B4F),
    (0x1B7F, 0x1B7F), (0x1BF4, 0x1BFB), (0x1C38, 0x1C3A), (0x1C4A, 0x1C4C), (0x1C89, 0x1C8F),
    (0x1CBB, 0x1CBC), (0x1CC8, 0x1CCF), (0x1CFB, 0x1CFF), (0x1F16, 0x1F17), (0x1F1E, 0x1F1F),
    (0x1F46, 0x1F47), (0x1F4E, 0x1F4F), (0x1F58, 0x1F58), (0x1F5A, 0x1F5A), (0x1F5C, 0x1F5C),
    (0x1F5E, 0x1F5E), (0x1F7E, 0x1F7F), (0x1FB5, 0x1FB5), (0x1FC5, 0x1FC5), (0x1FD4, 0x1FD5),
    (0x1FDC, 0x1FDC), (0x1FF0, 0x1FF1), (0x1FF5, 0x1FF5), (0x1FFF, 0x200F), (0x2028, 0x202F),
    (0x205F, 0x206F), (0x2072, 0x2073), (0x208F, 0x208F), (0x209D, 0x209F), (0x20C1, 0x20CF),
    (0x20F1, 0x20FF), (0x218C, 0x218F), (0x2427, 0x243F), (0x244B, 0x245F), (0x2B74, 0x2B75),
    (0x2B96, 0x2B96), (0x2CF4, 0x2CF8), (0x2D26, 0x2D26), (0x2D28, 0x2D2C), (0x2D2E, 0x2D2F),
    (0x2D68, 0x2D6E), (0x2D71, 0x2D7E), (0x2D97, 0x2D9F), (0x2DA7, 0x2DA7), (0x2DAF, 0x2DAF),
    (0x2DB7, 0x2DB7), (0x2DBF, 0x2DBF), (0x2DC7, 0x2DC7), (0x2DCF, 0x2DCF), (0x2DD7, 0x2DD7),
    (0x2DDF, 0x2DDF), (0x2E5E, 0x2E7F), (0x2E9A, 0x2E9A), (0x2EF4, 0x2EFF), (0x2FD6, 0x2FEF),
    (0x2FFC, 0x3000), (0x3040, 0x3040), (0x3097, 0x3098), (0x3100, 0x3104), (0x3130, 0x3130),
    (0x318F, 0x318F), (0x31E4, 0x31EF), (0x321F, 0x321F), (0xA48D, 0xA48F), (0xA4C7, 0xA4CF),
    (0xA62C, 0xA63F), (0xA6F8, 0xA6FF), (0xA7CB, 0xA7CF), (0xA7D2, 0xA7D2), (0xA7D4, 0xA7D4),
    (0xA7DA, 0xA7F1), (0xA82D, 0xA82F), (0xA83A, 0xA83F), (0xA878, 0xA87F), (0xA8C6, 0xA8CD),
    (0xA8DA, 0xA8DF), (0xA954, 0xA95E), (0xA97D, 0xA97F), (0xA9CE, 0xA9CE), (0xA9DA, 0xA9DD),
    (0xA9FF, 0xA9FF), (0xAA37, 0xAA3F), (0xAA4E, 0xAA4F), (0xAA5A, 0xAA5B), (0xAAC3, 0xAADA),
    (0xAAF7, 0xAB00), (0xAB07, 0xAB08), (0xAB0F, 0xAB10), (0xAB17, 0xAB1F), (0xAB27, 0xAB27),
    (0xAB2F, 0xAB2F), (0xAB6C, 0xAB6F), (0xABEE, 0xABEF), (0xABFA, 0xABFF), (0xD7A4, 0xD7AF),
    (0xD7C7, 0xD7CA), (0xD7FC, 0xF8FF), (0xFA6E, 0xFA6F), (0xFADA, 0xFAFF), (0xFB07, 0xFB12),
    (0xFB18, 0xFB1C), (0xFB37, 0xFB37), (0xFB3D, 0xFB3D), (0xFB3F, 0xFB3F), (0xFB42, 0xFB42),
    (0xFB45, 0xFB45), (0xFBC3, 0xFBD2), (0xFD90, 0xFD91), (0xFDC8, 0xFDCE), (0xFDD0, 0xFDEF),
    (0xFE1A, 0xFE1F), (0xFE53, 0xFE53), (0xFE67, 0xFE67), (0xFE6C, 0xFE6F), (0xFE75, 0xFE75),
    (0xFEFD, 0xFF00), (0xFFBF, 0xFFC1), (0xFFC8, 0xFFC9), (0xFFD0, 0xFFD1), (0xFFD8, 0xFFD9),
    (0xFFDD, 0xFFDF), (0xFFE7, 0xFFE7), (0xFFEF, 0xFFFB), (0xFFFE, 0xFFFF), (0x1000C, 0x1000C),
    (0x10027, 0x10027), (0x1003B, 0x1003B), (0x1003E, 0x1003E), (0x1004E, 0x1004F),
    (0x1005E, 0x1007F), (0x100FB, 0x100FF), (0x10103, 0x10106), (0x10134, 0x10136),
    (0x1018F, 0x1018F), (0x1019D, 0x1019F), (0x101A1, 0x101CF), (0x101FE, 0x1027F),
    (0x1029D, 0x1029F), (0x102D1, 0x102DF), (0x102FC, 0x102FF), (0x10324, 0x1032C),
    (0x1034B, 0x1034F), (0x1037B, 0x1037F), (0x1039E, 0x1039E), (0x103C4, 0x103C7),
    (0x103D6, 0x103FF), (0x1049E, 0x1049F), (0x104AA, 0x104AF), (0x104D4, 0x104D7),
    (0x104FC, 0x104FF), (0x10528, 0x1052F), (0x10564, 0x1056E), (0x1057B, 0x1057B),
    (0x1058B, 0x1058B), (0x10593, 0x10593), (0x10596, 0x10596), (0x105A2, 0x105A2),
    (0x105B2, 0x105B2), (0x105BA, 0x105BA), (0x105BD, 0x105FF), (0x10737, 0x1073F),
    (0x10756, 0x1075F), (0x10768, 0x1077F), (0x10786, 0x10786), (0x107B1, 0x107B1),
    (0x107BB, 0x107FF), (0x10806, 0x10807), (0x10809, 0x10809), (0x10836, 0x10836),
    (0x10839, 0x1083B), (0x1083D, 0x1083E), (0x10856, 0x10856), (0x1089F, 0x108A6),
    (0x108B0, 0x108DF), (0x108F3, 0x108F3), (0x108F6, 0x108FA), (0x1091C, 0x1091E),
    (0x1093A, 0x1093E), (0x10940, 0x1097F), (0x109B8, 0x109BB), (0x109D0, 0x109D1),
    (0x10A04, 0x10A04), (0x10A07, 0x10A0B), (0x10A14, 0x10A14), (0x10A18, 0x10A18),
    (0x10A36, 0x10A37), (0x10A3B, 0x10A3E), (0x10A49, 0x10A4F), (0x10A59, 0x10A5F),
    (0x10AA0, 0x10ABF), (0x10AE7, 0x10AEA), (0x10AF7, 0x10AFF), (0x10B36, 0x10B38),
    (0x10B56, 0x10B57), (0x10B73, 0x10B77), (0x10B92, 0x10B98), (0x10B9D, 0x10BA8),
    (0x10BB0, 0x10BFF), (0x10C49, 0x10C7F), (0x10CB3, 0x10CBF), (0x10CF3, 0x10CF9),
    (0x10D28, 0x10D2F), (0x10D3A, 0x10E5F), (0x10E7F, 0x10E7F), (0x10EAA, 0x10EAA),
    (0x10EAE, 0x10EAF), (0x10EB2, 0x10EFF), (0x10F28, 0x10F2F), (0x10F5A, 0x10F6F),
    (0x10F8A, 0x10FAF), (0x10FCC, 0x10FDF), (0x10FF7, 0x10FFF), (0x1104E, 0x11051),
    (0x11076, 0x1107E), (0x110BD, 0x110BD), (0x110C3, 0x110CF), (0x110E9, 0x110EF),
    (0x110FA, 0x110FF), (0x11135, 0x11135), (0x11148, 0x1114F), (0x11177, 0x1117F),
    (0x111E0, 0x111E0), (0x111F5, 0x111FF), (0x11212, 0x11212), (0x1123F, 0x1127F),
    (0x11287, 0x11287), (0x11289, 0x11289), (0x1128E, 0x1128E), (0x1129E, 0x1129E),
    (0x112AA, 0x112AF), (0x112EB, 0x112EF), (0x112FA, 0x112FF), (0x11304, 0x11304),
    (0x1130D, 0x1130E), (0x11311, 0x11312), (0x11329, 0x11329), (0x11331, 0x11331),
    (0x11334, 0x11334), (0x1133A, 0x1133A), (0x11345, 0x11346), (0x11349, 0x1134A),
    (0x1134E, 0x1134F), (0x11351, 0x11356), (0x11358, 0x1135C), (0x11364, 0x11365),
    (0x1136D, 0x1136F), (0x11375, 0x113FF), (0x1145C, 0x1145C), (0x11462, 0x1147F),
    (0x114C8, 0x114CF), (0x114DA, 0x1157F), (0x115B6, 0x115B7), (0x115DE, 0x115FF),
    (0x11645, 0x1164F), (0x1165A, 0x1165F), (0x1166D, 0x1167F), (0x116BA, 0x116BF),
    (0x116CA, 0x116FF), (0x1171B, 0x1171C), (0x1172C, 0x1172F), (0x11747, 0x117FF),
    (0x1183C, 0x1189F), (0x118F3, 0x118FE), (0x11907, 0x11908), (0x1190A, 0x1190B),
    (0x11914, 0x11914), (0x11917, 0x11917), (0x11936, 0x11936), (0x11939, 0x1193A),
    (0x11947, 0x1194F), (0x1195A, 0x1199F), (0x119A8, 0x119A9), (0x119D8, 0x119D9),
    (0x119E5, 0x119FF), (0x11A48, 0x11A4F), (0x11AA3, 0x11AAF), (0x11AF9, 0x11BFF),
    (0x11C09, 0x11C09), (0x11C37, 0x11C37), (0x11C46, 0x11C4F), (0x11C6D, 0x11C6F),
    (0x11C90, 0x11C91), (0x11CA8, 0x11CA8), (0x11CB7, 0x11CFF), (0x11D07, 0x11D07),
    (0x11D0A, 0x11D0A), (0x11D37, 0x11D39), (0x11D3B, 0x11D3B), (0x11D3E, 0x11D3E),
    (0x11D48, 0x11D4F), (0x11D5A, 0x11D5F), (0x11D66, 0x11D66), (0x11D69, 0x11D69),
    (0x11D8F, 0x11D8F), (0x11D92, 0x11D92), (0x11D99, 0x11D9F), (0x11DAA, 0x11EDF),
    (0x11EF9, 0x11FAF), (0x11FB1, 0x11FBF), (0x11FF2, 0x11FFE), (0x1239A, 0x123FF),
    (0x1246F, 0x1246F), (0x12475, 0x1247F), (0x12544, 0x12F8F), (0x12FF3, 0x12FFF),
    (0x1342F, 0x143FF), (0x14647, 0x167FF), (0x16A39, 0x16A3F), (0x16A5F, 0x16A5F),
    (0x16A6A, 0x16A6D), (0x16ABF, 0x16ABF), (0x16ACA, 0x16ACF), (0x16AEE, 0x16AEF),
    (0x16AF6, 0x16AFF), (0x16B46, 0x16B4F), (0x16B5A, 0x16B5A), (0x16B62, 0x16B62),
    (0x16B78, 0x16B7C), (0x16B90, 0x16E3F), (0x16E9B, 0x16EFF), (0x16F4B, 0x16F4E),
    (0x16F88, 0x16F8E), (0x16FA0, 0x16FDF), (0x16FE5, 0x16FEF), (0x16FF2, 0x16FFF),
    (0x187F8, 0x187FF), (0x18CD6, 0x18CFF), (0x18D09, 0x1AFEF), (0x1AFF4, 0x1AFF4),
    (0x1AFFC, 0x1AFFC), (0x1AFFF, 0x1AFFF), (0x1B123, 0x1B14F), (0x1B153, 0x1B163),
    (0x1B168, 0x1B16F), (0x1B2FC, 0x1BBFF), (0x1BC6B, 0x1BC6F), (0x1BC7D, 0x1BC7F),
    (0x1BC89, 0x1BC8F), (0x1BC9A, 0x1BC9B), (0x1BCA0, 0x1CEFF), (0x1CF2E, 0x1CF2F),
    (0x1CF47, 0x1CF4F), (0x1CFC4, 0x1CFFF), (0x1D0F6, 0x1D0FF), (0x1D127, 0x1D128),
    (0x1D173, 0x1D17A), (0x1D1EB, 0x1D1FF), (0x1D246, 0x1D2DF), (0x1D2F4, 0x1D2FF),
    (0x1D357, 0x1D35F), (0x1D379, 0x1D3FF), (0x1D455, 0x1D455), (0x1D49D, 0x1D49D),
    (0x1D4A0, 0x1D4A1), (0x1D4A3, 0x1D4A4), (0x1D4A7, 0x1D4A8), (0x1D4AD, 0x1D4AD),
    (0x1D4BA, 0x1D4BA), (0x1D4BC, 0x1D4BC), (0x1D4C4, 0x1D4C4), (0x1D506, 0x1D506),
    (0x1D50B, 0x1D50C), (0x1D515, 0x1D515), (0x1D51D, 0x1D51D), (0x1D53A, 0x1D53A),
    (0x1D53F, 0x1D53F), (0x1D545, 0x1D545), (0x1D547, 0x1D549), (0x1D551, 0x1D551),
    (0x1D6A6, 0x1D6A7), (0x1D7CC, 0x1D7CD), (0x1DA8C, 0x1DA9A), (0x1DAA0, 0x1DAA0),
    (0x1DAB0, 0x1DEFF), (0x1DF1F, 0x1DFFF), (0x1E007, 0x1E007), (0x1E019, 0x1E01A),
    (0x1E022, 0x1E022), (0x1E025, 0x1E025), (0x1E02B, 0x1E0FF), (0x1E12D, 0x1E12F),
    (0x1E13E, 0x1E13F), (0x1E14A, 0x1E14D), (0x1E150, 0x1E28F), (0x1E2AF, 0x1E2BF),
    (0x1E2FA, 0x1E2FE), (0x1E300, 0x1E7DF), (0x1E7E7, 0x1E7E7), (0x1E7EC, 0x1E7EC),
    (0x1E7EF, 0x1E7EF), (0x1E7FF, 0x1E7FF), (0x1E8C5, 0x1E8C6), (0x1E8D7, 0x1E8FF),
    (0x1E94C, 0x1E94F), (0x1E95A, 0x1E95D), (0x1E960, 0x1EC70), (0x1ECB5, 0x1ED00),
    (0x1ED3E, 0x1EDFF), (0x1EE04, 0x1EE04), (0x1EE20, 0x1EE20), (0x1EE23, 0x1EE23),
    (0x1EE25, 0x1EE26), (0x1EE28, 0x1EE28), (0x1EE33, 0x1EE33), (0x1EE38, 0x1EE38),
    (0x1EE3A, 0x1EE3A), (0x1EE3C, 0x1EE41), (0x1EE43, 0x1EE46), (0x1EE48, 0x1EE48),
    (0x1EE4A, 0x1EE4A), (0x1EE4C, 0x1EE4C), (0x1EE50, 0x1EE50), (0x1EE53, 0x1EE53),
    (0x1EE55, 0x1EE56), (0x1EE58, 0x1EE58), (0x1EE5A, 0x1EE5A), (0x1EE5C, 0x1EE5C),
    (0x1EE5E, 0x1EE5E), (0x1EE60, 0x1EE60), (0x1EE63, 0x1EE63), (0x1EE65, 0x1EE66),
    (0x1EE6B, 0x1EE6B), (0x1EE73, 0x1EE73), (0x1EE78, 0x1EE78), (0x1EE7D, 0x1EE7D),
    (0x1EE7F, 0x1EE7F), (0x1EE8A, 0x1EE8A), (0x1EE9C, 0x1EEA0), (0x1EEA4, 0x1EEA4),
    (0x1EEAA, 0x1EEAA), (0x1EEBC, 0x1EEEF), (0x1EEF2, 0x1EFFF), (0x1F02C, 0x1F02F),
    (0x1F094, 0x1F09F), (0x1F0AF, 0x1F0B0), (0x1F0C0, 0x1F0C0), (0x1F0D0, 0x1F0D0),
    (0x1F0F6, 0x1F0FF), (0x1F1AE, 0x1F1E5), (0x1F203, 0x1F20F), (0x1F23C, 0x1F23F),
    (0x1F249, 0x1F24F), (0x1F252, 0x1F25F), (0x1F266, 0x1F2FF), (0x1F6D8, 0x1F6DC),
    (0x1F6ED, 0x1F6EF), (0x1F6FD, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D9, 0x1F7DF),
    (0x1F7EC, 0x1F7EF), (0x1F7F1, 0x1F7FF), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F),
    (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8AF), (0x1F8B2, 0x1F8FF),
    (0x1FA54, 0x1FA5F), (0x1FA6E, 0x1FA6F), (0x1FA75, 0x1FA77), (0x1FA7D, 0x1FA7F),
    (0x1FA87, 0x1FA8F), (0x1FAAD, 0x1FAAF), (0x1FABB, 0x1FABF), (0x1FAC6, 0x1FACF),
    (0x1FADA, 0x1FADF), (0x1FAE8, 0x1FAEF), (0x1FAF7, 0x1FAFF), (0x1FB93, 0x1FB93),
    (0x1FBCB, 0x1FBEF), (0x1FBFA, 0x1FFFF), (0x2A6E0, 0x2A6FF), (0x2B739, 0x2B73F),
    (0x2B81E, 0x2B81F), (0x2CEA2, 0x2CEAF), (0x2EBE1, 0x2F7FF), (0x2FA1E, 0x2FFFF),
    (0x3134B, 0xE00FF), (0xE01F0, 0x10FFFF),
];

#[cfg(test)]
mod tests;
