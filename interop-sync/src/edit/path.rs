//! Paths into a YAML document: `models[name=orders].columns[0].description`.

use std::fmt;

/// One step of a [`YamlPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
    /// The sequence item whose `name` is this (how dbt entries are found).
    Named(String),
}

/// A path from the document root to a node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct YamlPath(pub Vec<Segment>);

/// A path that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad YAML path '{path}': {reason}")]
pub struct PathSyntaxError {
    /// The text given.
    pub path: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl YamlPath {
    /// Parses `a.b[2].c[name=x]`. Keys may not contain `.`, `[` or `]`.
    ///
    /// ```
    /// use interop_sync::edit::{Segment, YamlPath};
    /// let p = YamlPath::parse("models[name=orders].columns[0].description").unwrap();
    /// assert_eq!(p.0[1], Segment::Named("orders".into()));
    /// assert_eq!(p.to_string(), "models[name=orders].columns[0].description");
    /// ```
    pub fn parse(text: &str) -> Result<Self, PathSyntaxError> {
        let err = |reason| PathSyntaxError {
            path: text.to_string(),
            reason,
        };
        let mut segments = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let close = after.find(']').ok_or_else(|| err("unclosed '['"))?;
                let inner = &after[..close];
                if let Some(name) = inner.strip_prefix("name=") {
                    segments.push(Segment::Named(name.trim_matches(['\'', '"']).to_string()));
                } else {
                    segments.push(Segment::Index(
                        inner
                            .parse()
                            .map_err(|_| err("index must be a number or name=..."))?,
                    ));
                }
                rest = &after[close + 1..];
                rest = rest.strip_prefix('.').unwrap_or(rest);
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                if end == 0 {
                    return Err(err("empty key"));
                }
                segments.push(Segment::Key(rest[..end].to_string()));
                rest = &rest[end..];
                rest = rest.strip_prefix('.').unwrap_or(rest);
            }
        }
        Ok(YamlPath(segments))
    }

    /// This path with one more key.
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.to_string()));
        p
    }

    /// The parent path and the last segment.
    pub fn split_last(&self) -> Option<(YamlPath, &Segment)> {
        let (last, parent) = self.0.split_last()?;
        Some((YamlPath(parent.to_vec()), last))
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Named(n) => write!(f, "[name={n}]")?,
            }
        }
        Ok(())
    }
}
