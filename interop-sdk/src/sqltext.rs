//! The SQL layout the category mappings write and read back: a query of CTEs (`with a as (…),
//! b as (…)`) and a final query, select lists of `expression as name`, and relation names after
//! `from` / `join`. A small scanner that knows strings, quoted names, comments and Jinja, so
//! that none of those is taken for structure; what it cannot split is reported, never guessed.

use std::ops::Range;

/// What a piece of SQL text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Letters, digits, `_` and `$`.
    Word,
    /// A double-quoted name.
    Quoted,
    /// A single-quoted string.
    Str,
    /// A `--` or `/* */` comment.
    Comment,
    /// `{{ … }}`, `{% … %}` or `{# … #}`.
    Jinja,
    /// White space.
    Space,
    /// Any other character.
    Punct(char),
}

/// The tokens of `sql`, with their byte ranges.
pub(crate) fn tokens(sql: &str) -> Vec<(Tok, Range<usize>)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let find = |from: usize, end: &str| -> usize {
        sql[from..]
            .find(end)
            .map(|p| from + p + end.len())
            .unwrap_or(sql.len())
    };
    while i < bytes.len() {
        let c = sql[i..].chars().next().unwrap_or(' ');
        let start = i;
        let (tok, end) = if c.is_alphanumeric() || c == '_' || c == '$' {
            let len = sql[i..]
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '$'))
                .unwrap_or(sql.len() - i);
            (Tok::Word, i + len)
        } else if c.is_whitespace() {
            let len = sql[i..]
                .find(|ch: char| !ch.is_whitespace())
                .unwrap_or(sql.len() - i);
            (Tok::Space, i + len)
        } else if sql[i..].starts_with("--") {
            (
                Tok::Comment,
                sql[i..].find('\n').map_or(sql.len(), |p| i + p),
            )
        } else if sql[i..].starts_with("/*") {
            (Tok::Comment, find(i + 2, "*/"))
        } else if sql[i..].starts_with("{{") {
            (Tok::Jinja, find(i + 2, "}}"))
        } else if sql[i..].starts_with("{%") {
            (Tok::Jinja, find(i + 2, "%}"))
        } else if sql[i..].starts_with("{#") {
            (Tok::Jinja, find(i + 2, "#}"))
        } else if c == '\'' || c == '"' {
            let mut j = i + 1;
            loop {
                match sql[j..].find(c) {
                    // A doubled quote is the quote itself.
                    Some(p) if sql[j + p + 1..].starts_with(c) => j += p + 2,
                    Some(p) => break j += p + 1,
                    None => break j = sql.len(),
                }
            }
            (if c == '"' { Tok::Quoted } else { Tok::Str }, j)
        } else {
            (Tok::Punct(c), i + c.len_utf8())
        };
        out.push((tok, start..end));
        i = end;
    }
    out
}

/// Whether the token is the keyword `word` (any case).
fn is_word(sql: &str, t: &(Tok, Range<usize>), word: &str) -> bool {
    t.0 == Tok::Word && sql[t.1.clone()].eq_ignore_ascii_case(word)
}

/// A query split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The `--` comment lines before the query, without `-- `.
    pub comments: Vec<String>,
    /// The CTEs: name and body (de-indented, without the blank lines around it).
    pub ctes: Vec<(String, String)>,
    /// The final query, trimmed.
    pub rest: String,
}

/// Splits `sql` into leading comments, CTEs and the final query; the reason when its layout
/// is not that.
pub(crate) fn split(sql: &str) -> Result<Layout, String> {
    let toks = tokens(sql);
    let mut i = 0;
    let mut comments = Vec::new();
    while let Some(t) = toks.get(i) {
        match t.0 {
            Tok::Space => {}
            Tok::Comment if sql[t.1.clone()].starts_with("--") => {
                let text = sql[t.1.clone()].trim_start_matches('-');
                comments.push(
                    text.strip_prefix(' ')
                        .unwrap_or(text)
                        .trim_end()
                        .to_string(),
                );
            }
            Tok::Comment | Tok::Jinja if !sql[t.1.clone()].starts_with("{{") => {
                return Err(format!(
                    "it starts with '{}', which is neither a `--` comment nor the query",
                    first_line(&sql[t.1.clone()])
                ));
            }
            _ => break,
        }
        i += 1;
    }
    let mut ctes = Vec::new();
    if toks.get(i).is_some_and(|t| is_word(sql, t, "with")) {
        i += 1;
        loop {
            let skip = |mut j: usize| {
                while toks.get(j).is_some_and(|t| t.0 == Tok::Space) {
                    j += 1;
                }
                j
            };
            i = skip(i);
            let Some(name) = toks.get(i).filter(|t| t.0 == Tok::Word) else {
                return Err("a CTE has no plain name after `with` or `,`".into());
            };
            if is_word(sql, name, "recursive") {
                return Err("a recursive CTE cannot be split into steps".into());
            }
            let name = sql[name.1.clone()].to_string();
            i = skip(i + 1);
            if !toks.get(i).is_some_and(|t| is_word(sql, t, "as")) {
                return Err(format!("CTE '{name}' is not written `{name} as (…)`"));
            }
            i = skip(i + 1);
            if toks.get(i).map(|t| t.0) != Some(Tok::Punct('(')) {
                return Err(format!("CTE '{name}' is not written `{name} as (…)`"));
            }
            let close = matching(&toks, i).ok_or(format!("CTE '{name}' has no closing ')'"))?;
            let body = &sql[toks[i].1.end..toks[close].1.start];
            ctes.push((name, dedent(body)));
            i = skip(close + 1);
            let mut next = i;
            while toks
                .get(next)
                .is_some_and(|t| matches!(t.0, Tok::Space | Tok::Comment))
            {
                next += 1;
            }
            match toks.get(next) {
                Some((Tok::Punct(','), _)) if next == i => i += 1,
                Some((Tok::Punct(','), _)) => {
                    let comment = toks[i..next]
                        .iter()
                        .find(|t| t.0 == Tok::Comment)
                        .map(|t| first_line(&sql[t.1.clone()]))
                        .unwrap_or_default();
                    return Err(format!(
                        "a comment between CTEs ('{comment}') belongs to no step"
                    ));
                }
                _ => break,
            }
        }
    }
    let rest = toks
        .get(i)
        .map(|t| sql[t.1.start..].trim().to_string())
        .unwrap_or_default();
    if rest.is_empty() {
        return Err("there is no final query".into());
    }
    Ok(Layout {
        comments,
        ctes,
        rest,
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// The index of the `)` that closes the `(` at `open`.
fn matching(toks: &[(Tok, Range<usize>)], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match t.0 {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` without its blank first and last lines, and without the indentation all its lines
/// share.
pub(crate) fn dedent(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.iter().position(|l| !l.trim().is_empty());
    let last = lines.iter().rposition(|l| !l.trim().is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return String::new();
    };
    let lines = &lines[first..=last];
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                ""
            } else {
                l.get(indent..).unwrap_or(l.trim_start()).trim_end()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` with each non-blank line indented by `by` spaces.
pub(crate) fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("{}{l}", " ".repeat(by))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Cell or expression text as the mappings keep it: no blank lines around it, no trailing
/// spaces on its lines.
pub(crate) fn normalize(text: &str) -> String {
    dedent(text)
}

/// A query of CTEs and a final query, in house style (blank lines inside and between CTEs,
/// 4-space indents, a final line break).
pub(crate) fn join(comments: &[String], ctes: &[(String, String)], rest: &str) -> String {
    let mut out = String::new();
    for c in comments {
        if c.is_empty() {
            out.push_str("--\n");
        } else {
            out.push_str(&format!("-- {c}\n"));
        }
    }
    if !ctes.is_empty() {
        out.push_str("with\n\n");
        for (i, (name, body)) in ctes.iter().enumerate() {
            let sep = if i + 1 < ctes.len() { "," } else { "" };
            out.push_str(&format!(
                "{name} as (\n\n{}\n\n){sep}\n\n",
                indent(&normalize(body), 4)
            ));
        }
    }
    out.push_str(&normalize(rest));
    out.push('\n');
    out
}

/// The items of a select list (the text between `select` and `from`): expression and output
/// name; `None` when an item has no name (`expression as name`, or a plain column).
pub(crate) fn select_items(list: &str) -> Option<Vec<(String, String)>> {
    let toks = tokens(list);
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut bounds = Vec::new();
    for t in &toks {
        match t.0 {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                bounds.push(start..t.1.start);
                start = t.1.end;
            }
            _ => {}
        }
    }
    bounds.push(start..list.len());
    for range in bounds {
        let text = list[range].trim();
        let inner = tokens(text);
        let mut depth = 0i32;
        let mut last_as = None;
        for (j, t) in inner.iter().enumerate() {
            match t.0 {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => depth -= 1,
                _ if depth == 0 && is_word(text, t, "as") => last_as = Some(j),
                _ => {}
            }
        }
        let (expr, name) = match last_as {
            Some(j) => {
                let name = text[inner[j].1.end..].trim();
                (text[..inner[j].1.start].trim(), name)
            }
            None => (text, text.rsplit('.').next().unwrap_or(text)),
        };
        let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !plain || expr.is_empty() {
            return None;
        }
        items.push((dedent(expr), name.to_string()));
    }
    Some(items)
}

/// The select list, the `from` clause and what follows it of a `select … from …` query at
/// its top level.
pub(crate) fn select_parts(sql: &str) -> Option<(String, String)> {
    let toks = tokens(sql);
    let first = toks.iter().position(|t| t.0 != Tok::Space)?;
    if !is_word(sql, &toks[first], "select") {
        return None;
    }
    let mut depth = 0i32;
    for t in &toks[first + 1..] {
        match t.0 {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            _ if depth == 0 && is_word(sql, t, "from") => {
                return Some((
                    sql[toks[first].1.end..t.1.start].to_string(),
                    sql[t.1.start..].trim().to_string(),
                ));
            }
            _ => {}
        }
    }
    None
}

/// The relation names after `from` and `join` (dotted, perhaps quoted), with their byte
/// ranges, outside strings, comments and Jinja.
pub(crate) fn relation_names(sql: &str) -> Vec<(String, Range<usize>)> {
    let toks = tokens(sql);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        i += 1;
        if !(is_word(sql, t, "from") || is_word(sql, t, "join")) {
            continue;
        }
        while toks.get(i).is_some_and(|t| t.0 == Tok::Space) {
            i += 1;
        }
        let start = i;
        let mut parts = Vec::new();
        while let Some(t) = toks.get(i) {
            match t.0 {
                Tok::Word => parts.push(sql[t.1.clone()].to_string()),
                Tok::Quoted => parts.push(sql[t.1.start + 1..t.1.end - 1].replace("\"\"", "\"")),
                _ => break,
            }
            i += 1;
            if toks.get(i).map(|t| t.0) == Some(Tok::Punct('.')) {
                i += 1;
            } else {
                break;
            }
        }
        if !parts.is_empty() && toks.get(start).map(|t| t.0) != Some(Tok::Punct('(')) {
            out.push((parts.join("."), toks[start].1.start..toks[i - 1].1.end));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_splits_into_comments_ctes_and_the_final_query_and_joins_back() {
        let sql = "-- Orders by month.\nwith\n\norders as (\n\n    select * from {{ ref('orders') }}\n\n),\n\nmonthly as (\n\n    select\n        date_trunc('month', ordered_at) as month,\n        count(*) as orders\n    from orders -- ')'\n    group by 1\n\n)\n\nselect * from monthly\n";
        let layout = split(sql).unwrap();
        assert_eq!(layout.comments, ["Orders by month."]);
        assert_eq!(layout.ctes[0].1, "select * from {{ ref('orders') }}");
        assert_eq!(layout.ctes[1].0, "monthly");
        assert!(layout.ctes[1].1.starts_with("select\n    date_trunc"));
        assert_eq!(layout.rest, "select * from monthly");
        assert_eq!(join(&layout.comments, &layout.ctes, &layout.rest), sql);
        assert!(split("with recursive t as (select 1) select * from t").is_err());
        assert!(split("with a (x) as (select 1) select * from a").is_err());
        assert!(split("{# note #}\nselect 1").is_err());
    }

    #[test]
    fn select_items_and_relation_names() {
        let (list, from) =
            select_parts("select\n    customer_id,\n    sum(case when a then 1 else 0 end) as n,\n    x.y\nfrom base\ngroup by customer_id").unwrap();
        assert_eq!(from, "from base\ngroup by customer_id");
        assert_eq!(
            select_items(&list).unwrap(),
            [
                ("customer_id".to_string(), "customer_id".to_string()),
                ("sum(case when a then 1 else 0 end)".into(), "n".into()),
                ("x.y".into(), "y".into())
            ]
        );
        assert!(select_items("a + b").is_none());
        let names = relation_names(
            "select * from analytics.orders as o join \"raw\".stripe.payments p on 1 = 1 \
             where x in (select 1 from {{ ref('a') }}) and s = 'from t'",
        );
        let names: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["analytics.orders", "raw.stripe.payments"]);
    }
}
