//! A resource's YAML entry, kept as the parsed node it came from (shared with the reader's cache)
//! and turned into JSON only when asked. Reading a large project then costs no copy of every
//! entry, and an editor can reach the node and its byte spans.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::read::yaml::{Node, NodeValue};

/// Every key of a resource's YAML entry, Interop-modelled or not.
#[derive(Clone, Default)]
pub struct Properties(Repr);

#[derive(Clone, Default)]
enum Repr {
    #[default]
    None,
    /// A node inside a parsed file: the file's root and the child indices leading to it.
    Node { root: Arc<Node>, path: Arc<[u32]> },
    /// Properties put together from several entries (a model version over its model).
    Json(Arc<Value>),
}

impl Properties {
    /// The node at `yaml_path` (`models[3].columns[1]`) in the file whose root is `root`;
    /// empty when the path leads nowhere.
    pub fn at(root: &Arc<Node>, yaml_path: &str) -> Self {
        match index_path(root, yaml_path) {
            Some(path) => Properties(Repr::Node {
                root: root.clone(),
                path: path.into(),
            }),
            None => Properties(Repr::None),
        }
    }

    /// Properties given as JSON.
    pub fn from_json(value: Value) -> Self {
        Properties(Repr::Json(Arc::new(value)))
    }

    /// The YAML node, when the properties are one entry of a file.
    pub fn node(&self) -> Option<&Node> {
        let Repr::Node { root, path } = &self.0 else {
            return None;
        };
        let mut node: &Node = root;
        for &i in path.iter() {
            node = match &node.value {
                NodeValue::Map(entries) => &entries.get(i as usize)?.1,
                NodeValue::Seq(items) => items.get(i as usize)?,
                NodeValue::Scalar { .. } => return None,
            };
        }
        Some(node)
    }

    /// The properties as JSON (`null` when there are none).
    pub fn to_json(&self) -> Value {
        match &self.0 {
            Repr::None => Value::Null,
            Repr::Json(v) => (**v).clone(),
            Repr::Node { .. } => self.node().map_or(Value::Null, Node::to_json),
        }
    }

    /// The value of one top-level key, as JSON.
    pub fn get(&self, key: &str) -> Option<Value> {
        match &self.0 {
            Repr::None => None,
            Repr::Json(v) => v.get(key).cloned(),
            Repr::Node { .. } => self.node()?.get(key).map(Node::to_json),
        }
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        matches!(self.0, Repr::None)
    }
}

/// The child indices that lead from `root` to the node at `yaml_path`.
fn index_path(root: &Node, yaml_path: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    let mut node = root;
    for part in yaml_path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            let NodeValue::Map(entries) = &node.value else {
                return None;
            };
            let i = entries.iter().position(|(k, _)| k.as_str() == Some(key))?;
            out.push(u32::try_from(i).ok()?);
            node = &entries[i].1;
        }
        while let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']')?;
            let i: usize = after[..close].parse().ok()?;
            let NodeValue::Seq(items) = &node.value else {
                return None;
            };
            node = items.get(i)?;
            out.push(u32::try_from(i).ok()?);
            rest = &after[close + 1..];
        }
    }
    Some(out)
}

impl PartialEq for Properties {
    fn eq(&self, other: &Self) -> bool {
        self.to_json() == other.to_json()
    }
}

impl fmt::Debug for Properties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Properties({})", self.to_json())
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::Limits;

    #[test]
    fn resolves_a_reader_path_lazily() {
        let root = Arc::new(
            crate::read::yaml::parse(
                "models:\n  - name: a\n  - name: b\n    columns: [{name: x, description: X}]\n",
                &Limits::default(),
            )
            .unwrap()
            .unwrap(),
        );
        let p = Properties::at(&root, "models[1].columns[0]");
        assert_eq!(
            p.to_json(),
            serde_json::json!({"name": "x", "description": "X"})
        );
        assert_eq!(p.get("description"), Some(serde_json::json!("X")));
        assert!(Properties::at(&root, "models[5]").is_empty());
    }
}
