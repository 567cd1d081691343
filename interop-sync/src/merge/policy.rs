//! Merge policies: for each conflicting field, whether a person decides or one side wins.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::FieldPath;
use crate::edit::{Segment, YamlPath};

/// What happens to a field both sides changed differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// A person decides: the repository's value stays until then, and the conflict is reported.
    #[default]
    Manual,
    /// The repository's value wins.
    PreferRepo,
    /// The vendor's value wins.
    PreferVendor,
}

/// The policy of each field of a resource: rules of a field pattern and a policy, and a default
/// for fields no rule matches.
///
/// A rule applies to the field its pattern names and to everything inside that field. When
/// several rules match, **the last one wins** (as in `.gitattributes`), so put general rules
/// first and exceptions after them.
///
/// ```
/// use interop_sync::edit::YamlPath;
/// use interop_sync::merge::{Policies, Policy};
/// let policies = Policies::new(Policy::Manual)
///     .with("columns[*].description", Policy::PreferVendor)
///     .unwrap()
///     .with("columns[name=id].description", Policy::PreferRepo)
///     .unwrap();
/// let path = |p| YamlPath::parse(p).unwrap();
/// assert_eq!(policies.policy_for(&path("columns[name=amount].description")), Policy::PreferVendor);
/// assert_eq!(policies.policy_for(&path("columns[name=id].description")), Policy::PreferRepo);
/// assert_eq!(policies.policy_for(&path("description")), Policy::Manual);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Policies {
    /// The policy of fields no rule matches.
    pub default: Policy,
    /// Rules in order; the last matching one wins.
    pub fields: Vec<(FieldPattern, Policy)>,
}

impl Policies {
    /// No rules, `default` everywhere.
    pub fn new(default: Policy) -> Self {
        Policies {
            default,
            fields: Vec::new(),
        }
    }

    /// These policies with one more rule, after the others.
    pub fn with(mut self, pattern: &str, policy: Policy) -> Result<Self, PatternError> {
        self.fields.push((pattern.parse()?, policy));
        Ok(self)
    }

    /// The policy of the field at `path`.
    pub fn policy_for(&self, path: &FieldPath) -> Policy {
        self.fields
            .iter()
            .rev()
            .find(|(pattern, _)| pattern.matches(path))
            .map_or(self.default, |(_, policy)| *policy)
    }
}

/// A field path in which `*` (as a key) or `[*]` (as a list item) stands for any one segment:
/// `description`, `columns[*].description`, `config.meta.*`, `tables[name=raw_orders].columns`.
///
/// A pattern matches a path that starts with segments it matches: `config.meta.*` matches
/// `config.meta.owner` and `config.meta.owner.email`, but not `config.meta` itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldPattern {
    text: String,
    segments: Vec<PatternSegment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PatternSegment {
    Key(String),
    Named(String),
    Any,
}

/// A field pattern that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad field pattern '{pattern}': {reason}")]
pub struct PatternError {
    /// The text given.
    pub pattern: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl FieldPattern {
    /// Parses a pattern; the syntax is that of [`YamlPath`] plus `*` and `[*]`.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let err = |reason| PatternError {
            pattern: text.to_string(),
            reason,
        };
        if text.is_empty() {
            return Err(err(
                "empty pattern (the default policy covers the whole resource)",
            ));
        }
        // `[` only ever opens a segment, so this rewrite cannot touch a key.
        let path = YamlPath::parse(&text.replace("[*]", "[name=*]")).map_err(|e| err(e.reason))?;
        let segments = path
            .0
            .into_iter()
            .map(|segment| match segment {
                Segment::Key(k) if k == "*" => Ok(PatternSegment::Any),
                Segment::Named(n) if n == "*" => Ok(PatternSegment::Any),
                Segment::Key(k) => Ok(PatternSegment::Key(k)),
                Segment::Named(n) => Ok(PatternSegment::Named(n)),
                Segment::Index(_) => Err(err(
                    "list positions differ between sides; use [name=...] or [*]",
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(FieldPattern {
            text: text.to_string(),
            segments,
        })
    }

    /// Whether this pattern covers the field at `path`.
    pub fn matches(&self, path: &FieldPath) -> bool {
        self.segments.len() <= path.0.len()
            && self.segments.iter().zip(&path.0).all(|(pattern, segment)| {
                match (pattern, segment) {
                    (PatternSegment::Any, _) => true,
                    (PatternSegment::Key(a), Segment::Key(b)) => a == b,
                    (PatternSegment::Named(a), Segment::Named(b)) => a == b,
                    _ => false,
                }
            })
    }
}

impl FromStr for FieldPattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        FieldPattern::parse(text)
    }
}

impl TryFrom<String> for FieldPattern {
    type Error = PatternError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        FieldPattern::parse(&text)
    }
}

impl From<FieldPattern> for String {
    fn from(pattern: FieldPattern) -> Self {
        pattern.text
    }
}

impl fmt::Display for FieldPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
