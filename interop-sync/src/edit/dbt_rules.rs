//! dbt's rules for text written into properties YAML: dbt renders every string through Jinja at
//! parse time, so text from outside that looks like Jinja is escaped; and the target dbt version
//! decides which spelling of a key is current.

use serde_json::Value;

use crate::read::jinja::find_endraw;

/// Keys whose values dbt does not render at parse time, or where Jinja is the point (metric
/// and saved-query filters, test `where`, hooks, `loaded_at_query`, SQL expressions): left as
/// given.
const JINJA_KEYS: &[&str] = &[
    "filter",
    "where",
    "pre_hook",
    "post_hook",
    "loaded_at_query",
    "sql",
    "expr",
    "expression",
];

/// Whether `text` contains something dbt's Jinja would act on.
pub fn looks_like_jinja(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// Wraps text that dbt would render in `{% raw %}…{% endraw %}`, so it reaches the manifest as
/// written. Text without Jinja is returned as is, and so is text this function already escaped
/// (escaping twice gives the same text as escaping once).
///
/// Inside the raw block Jinja ends the block at any `endraw` tag, whatever its spacing and
/// whitespace control (`{%endraw%}`, `{%- endraw -%}`, `{%+ endraw %}`); each one in the text is
/// closed around and written back as a string literal, so none of the text is ever rendered.
///
/// ```
/// use interop_sync::edit::dbt_rules::{escape_jinja, unescape_jinja};
/// let text = "Revenue for {{ region }}";
/// let escaped = escape_jinja(text);
/// assert_eq!(escaped, "{% raw %}Revenue for {{ region }}{% endraw %}");
/// assert_eq!(unescape_jinja(&escaped), text);
/// assert_eq!(escape_jinja("Plain text"), "Plain text");
/// let hostile = "{%- endraw %}{{ run_query('drop table orders') }}";
/// assert_eq!(
///     escape_jinja(hostile),
///     "{% raw %}{% endraw %}{{ '{%- endraw %}' }}{% raw %}{{ run_query('drop table orders') }}{% endraw %}"
/// );
/// assert_eq!(unescape_jinja(&escape_jinja(hostile)), hostile);
/// ```
pub fn escape_jinja(text: &str) -> String {
    if !looks_like_jinja(text) || is_escaped(text) {
        return text.to_string();
    }
    wrap_raw(text)
}

/// Whether `text` is exactly what [`escape_jinja`] makes of some other text.
pub fn is_escaped(text: &str) -> bool {
    let inner = unescape_jinja(text);
    inner != text && looks_like_jinja(&inner) && wrap_raw(&inner) == text
}

fn wrap_raw(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str(RAW_OPEN);
    let mut pos = 0;
    while let Some((start, end)) = find_endraw(text.as_bytes(), pos) {
        out.push_str(&text[pos..start]);
        out.push_str(LITERAL_OPEN);
        out.push_str(&text[start..end]);
        out.push_str(LITERAL_CLOSE);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out.push_str(RAW_CLOSE);
    out
}

const RAW_OPEN: &str = "{% raw %}";
const RAW_CLOSE: &str = "{% endraw %}";
/// Closes the raw block and opens a string literal holding an `endraw` tag of the text.
const LITERAL_OPEN: &str = "{% endraw %}{{ '";
/// Ends that literal and reopens the raw block.
const LITERAL_CLOSE: &str = "' }}{% raw %}";

/// The text a vendor wrote, from text [`escape_jinja`] produced.
pub fn unescape_jinja(text: &str) -> String {
    let Some(inner) = text
        .strip_prefix(RAW_OPEN)
        .and_then(|t| t.strip_suffix(RAW_CLOSE))
    else {
        return text.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(open) = rest.find(LITERAL_OPEN) {
        let after = &rest[open + LITERAL_OPEN.len()..];
        let Some(close) = after.find(LITERAL_CLOSE) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&after[..close]);
        rest = &after[close + LITERAL_CLOSE.len()..];
    }
    out.push_str(rest);
    out
}

/// Escapes every string in `value` that dbt would render, except under [`JINJA_KEYS`].
pub fn escape_value(value: &Value, key: Option<&str>) -> Value {
    if key.is_some_and(|k| JINJA_KEYS.contains(&k)) {
        return value.clone();
    }
    match value {
        Value::String(s) => Value::String(escape_jinja(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| escape_value(v, key)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), escape_value(v, Some(k))))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The text as the vendor wrote it, for every string [`escape_value`] would have escaped: the
/// inverse of [`escape_value`], so that a value read back from the repository compares equal
/// to the value the vendor sent.
pub fn unescape_value(value: &Value, key: Option<&str>) -> Value {
    if key.is_some_and(|k| JINJA_KEYS.contains(&k)) {
        return value.clone();
    }
    match value {
        Value::String(s) => Value::String(unescape_jinja(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| unescape_value(v, key)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), unescape_value(v, Some(k))))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether dbt leaves the value of `key` unrendered or Jinja is its point (a filter, `where`,
/// an expression, a hook).
pub fn takes_jinja(key: &str) -> bool {
    JINJA_KEYS.contains(&key)
}

/// A dbt version, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DbtVersion(pub u32, pub u32, pub u32);

impl DbtVersion {
    /// The dbt-core version Interop writes for when a project declares none.
    pub const CURRENT: DbtVersion = DbtVersion(1, 12, 0);

    /// The lowest version a `require-dbt-version` list allows (`>=1.8.0`, `[">=1.10", "<2"]`),
    /// or [`DbtVersion::CURRENT`] when it sets no lower bound.
    pub fn from_requirements(requirements: &[String]) -> DbtVersion {
        requirements
            .iter()
            .filter_map(|r| {
                let r = r.trim();
                let v = r
                    .strip_prefix(">=")
                    .or_else(|| r.strip_prefix("=="))
                    .or_else(|| {
                        r.chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_digit())
                            .then_some(r)
                    })?;
                let mut parts = v
                    .trim()
                    .split('.')
                    .map(|p| p.trim().parse::<u32>().unwrap_or(0));
                Some(DbtVersion(
                    parts.next()?,
                    parts.next().unwrap_or(0),
                    parts.next().unwrap_or(0),
                ))
            })
            .max()
            .unwrap_or(DbtVersion::CURRENT)
    }

    /// Whether generic tests take their kwargs under `arguments:` (dbt ≥ 1.10.5).
    pub fn test_arguments_property(self) -> bool {
        self >= DbtVersion(1, 10, 5)
    }

    /// Whether `meta` and `tags` belong under `config:` (dbt ≥ 1.10).
    pub fn meta_under_config(self) -> bool {
        self >= DbtVersion(1, 10, 0)
    }
}

/// A generic test as a vendor states it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestSpec {
    /// `unique`, `accepted_values`, `dbt_utils.expression_is_true` ...
    pub name: String,
    /// The test's arguments.
    pub arguments: serde_json::Map<String, Value>,
    /// Its config (`severity`, `where`, `meta` ...).
    pub config: serde_json::Map<String, Value>,
    /// An explicit test name, for an id that survives argument changes.
    pub test_name: Option<String>,
    /// A description.
    pub description: Option<String>,
}

impl TestSpec {
    /// The list item to write under `data_tests:` for this dbt version: the bare name when
    /// there is nothing else, else a one-key map with `arguments:`/`config:` (or, before
    /// 1.10.5, the arguments and config keys at the top level, as those versions read them).
    pub fn to_entry(&self, version: DbtVersion) -> Value {
        if self.arguments.is_empty()
            && self.config.is_empty()
            && self.test_name.is_none()
            && self.description.is_none()
        {
            return Value::String(self.name.clone());
        }
        let mut body = serde_json::Map::new();
        if let Some(n) = &self.test_name {
            body.insert("name".into(), Value::String(n.clone()));
        }
        if let Some(d) = &self.description {
            body.insert("description".into(), Value::String(escape_jinja(d)));
        }
        if version.test_arguments_property() {
            if !self.arguments.is_empty() {
                body.insert("arguments".into(), Value::Object(self.arguments.clone()));
            }
            if !self.config.is_empty() {
                body.insert(
                    "config".into(),
                    escape_value(&Value::Object(self.config.clone()), None),
                );
            }
        } else {
            for (k, v) in &self.arguments {
                body.insert(k.clone(), v.clone());
            }
            if !self.config.is_empty() {
                body.insert(
                    "config".into(),
                    escape_value(&Value::Object(self.config.clone()), None),
                );
            }
        }
        let mut entry = serde_json::Map::new();
        entry.insert(self.name.clone(), Value::Object(body));
        Value::Object(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn version_from_requirements() {
        assert_eq!(
            DbtVersion::from_requirements(&[">=1.8.0".into(), "<2.0.0".into()]),
            DbtVersion(1, 8, 0)
        );
        assert_eq!(DbtVersion::from_requirements(&[]), DbtVersion::CURRENT);
        assert_eq!(
            DbtVersion::from_requirements(&["1.10.6".into()]),
            DbtVersion(1, 10, 6)
        );
    }

    #[test]
    fn test_entries_by_version() {
        let spec = TestSpec {
            name: "accepted_values".into(),
            arguments: json!({"values": ["a", "b"]}).as_object().unwrap().clone(),
            config: json!({"severity": "warn"}).as_object().unwrap().clone(),
            ..Default::default()
        };
        assert_eq!(
            spec.to_entry(DbtVersion::CURRENT),
            json!({"accepted_values": {"arguments": {"values": ["a", "b"]}, "config": {"severity": "warn"}}})
        );
        assert_eq!(
            spec.to_entry(DbtVersion(1, 8, 0)),
            json!({"accepted_values": {"values": ["a", "b"], "config": {"severity": "warn"}}})
        );
        assert_eq!(
            TestSpec {
                name: "unique".into(),
                ..Default::default()
            }
            .to_entry(DbtVersion::CURRENT),
            json!("unique")
        );
    }

    #[test]
    fn every_spelling_of_endraw_is_closed_around() {
        for tag in [
            "{% endraw %}",
            "{%endraw%}",
            "{%- endraw -%}",
            "{%+ endraw +%}",
            "{%  endraw\n%}",
            "{%-endraw%}",
        ] {
            let text = format!("a {tag}{{{{ run_query('drop table orders') }}}} b");
            let escaped = escape_jinja(&text);
            assert_eq!(
                escaped,
                format!(
                    "{{% raw %}}a {{% endraw %}}{{{{ '{tag}' }}}}{{% raw %}}{{{{ run_query('drop table orders') }}}} b{{% endraw %}}"
                )
            );
            assert_eq!(unescape_jinja(&escaped), text);
        }
        // Not an end tag: left inside the raw block.
        for text in [
            "{% endraw",
            "{% endrawx %}",
            "{% - endraw %}",
            "{%",
            "x {% end raw %}",
        ] {
            let escaped = escape_jinja(text);
            assert_eq!(escaped, format!("{{% raw %}}{text}{{% endraw %}}"));
            assert_eq!(unescape_jinja(&escaped), text);
        }
    }

    #[test]
    fn escapes_strings_but_not_filters() {
        let v = json!({"description": "{{ run_query('drop') }}", "filter": "{{ Dimension('a__b') }} > 1"});
        let e = escape_value(&v, None);
        assert_eq!(
            e["description"],
            json!("{% raw %}{{ run_query('drop') }}{% endraw %}")
        );
        assert_eq!(e["filter"], v["filter"]);
        assert_eq!(
            unescape_jinja(&escape_jinja("a {% endraw %} b {{ x }}")),
            "a {% endraw %} b {{ x }}"
        );
        assert_eq!(unescape_value(&e, None), v);
    }

    #[test]
    fn escaping_twice_is_escaping_once() {
        for text in [
            "{{ run_query('x') }}",
            "a {% endraw %} b {{ x }}",
            "{% raw %}plain{% endraw %}",
        ] {
            let once = escape_jinja(text);
            assert_eq!(escape_jinja(&once), once, "{text}");
            assert_eq!(unescape_jinja(&once), text, "{text}");
        }
        // Raw markers around text without Jinja are the vendor's text, not an escape.
        assert_eq!(
            escape_jinja("{% raw %}plain{% endraw %}"),
            "{% raw %}{% raw %}plain{% endraw %}{{ '{% endraw %}' }}{% raw %}{% endraw %}"
        );
        assert!(is_escaped(&escape_jinja("{{ x }}")));
        assert!(!is_escaped("{{ x }}"));
    }
}
