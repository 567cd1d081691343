//! Text from the tool into YAML that dbt renders: escaped, except filters and expressions
//! (where Jinja is the point) and `{{ doc() }}` references (kept as written).

use interop_sync::edit::dbt_rules::{escape_jinja, looks_like_jinja, takes_jinja, unescape_jinja};
use serde_json::Value;

/// Whether the only Jinja in `text` is `{{ doc('…') }}` calls.
fn only_doc_calls(text: &str) -> bool {
    let mut rest = text.to_string();
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            return false;
        };
        let inner = rest[start + 2..start + len].trim();
        if !(inner.starts_with("doc(") && inner.ends_with(')')) {
            return false;
        }
        rest.replace_range(start..start + len + 2, "");
    }
    !looks_like_jinja(&rest)
}

/// Escapes text dbt would render, as the writer will (so the state compares equal to what the
/// repo then holds).
pub(crate) fn escape(text: &str) -> String {
    if only_doc_calls(text) {
        text.to_string()
    } else {
        escape_jinja(text)
    }
}

/// Every string of an entry escaped (under keys that take Jinja: as given).
pub(crate) fn escape_all(value: &Value, key: Option<&str>) -> Value {
    if key.is_some_and(takes_jinja) {
        return value.clone();
    }
    match value {
        Value::String(s) => Value::String(escape(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| escape_all(v, key)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), escape_all(v, Some(k))))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Text as the tool wrote it.
pub(crate) fn unescape(text: &str) -> String {
    unescape_jinja(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_references_are_kept_and_other_jinja_is_escaped() {
        assert_eq!(escape("{{ doc('orders') }}"), "{{ doc('orders') }}");
        assert_eq!(escape("See {{ doc(\"x\") }}."), "See {{ doc(\"x\") }}.");
        assert_eq!(
            escape("{{ doc('a') }} {{ var('x') }}"),
            "{% raw %}{{ doc('a') }} {{ var('x') }}{% endraw %}"
        );
        assert_eq!(unescape(&escape("{% if x %}")), "{% if x %}");
        let v = serde_json::json!({"label": "{{ x }}", "filter": "{{ Dimension('a__b') }} = 1"});
        let e = escape_all(&v, None);
        assert_eq!(e["label"], "{% raw %}{{ x }}{% endraw %}");
        assert_eq!(e["filter"], v["filter"]);
    }
}
