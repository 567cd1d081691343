//! The kinds of resource a dbt project declares, with the prefix dbt uses in `unique_id`s.

use serde::Serialize;

/// The kind of a resource; [`ResourceKind::id_prefix`] is the first part of its `unique_id`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A SQL or Python model.
    Model,
    /// A CSV seed.
    Seed,
    /// A snapshot (SQL block or YAML).
    Snapshot,
    /// An analysis.
    Analysis,
    /// A generic data test attached to a resource or column.
    GenericTest,
    /// A singular data test (a `.sql` file in a test path).
    SingularTest,
    /// A unit test.
    UnitTest,
    /// A source table.
    Source,
    /// An exposure.
    Exposure,
    /// A metric (either semantic-layer spec).
    Metric,
    /// A semantic model (either spec).
    SemanticModel,
    /// A saved query.
    SavedQuery,
    /// A group.
    Group,
    /// A docs block.
    Doc,
    /// A macro, including generic test definitions (`macro.<pkg>.test_<name>`).
    Macro,
    /// A user-defined function (dbt 1.11+).
    Function,
    /// A project hook (`on-run-start` / `on-run-end`).
    Operation,
    /// A YAML selector (an entry of the project's `selectors.yml`).
    Selector,
}

impl ResourceKind {
    /// The first segment of dbt's `unique_id` for this kind.
    pub fn id_prefix(self) -> &'static str {
        match self {
            ResourceKind::Model => "model",
            ResourceKind::Seed => "seed",
            ResourceKind::Snapshot => "snapshot",
            ResourceKind::Analysis => "analysis",
            ResourceKind::GenericTest | ResourceKind::SingularTest => "test",
            ResourceKind::UnitTest => "unit_test",
            ResourceKind::Source => "source",
            ResourceKind::Exposure => "exposure",
            ResourceKind::Metric => "metric",
            ResourceKind::SemanticModel => "semantic_model",
            ResourceKind::SavedQuery => "saved_query",
            ResourceKind::Group => "group",
            ResourceKind::Doc => "doc",
            ResourceKind::Macro => "macro",
            ResourceKind::Function => "function",
            ResourceKind::Operation => "operation",
            ResourceKind::Selector => "selector",
        }
    }

    /// The name used in `interop inspect` output and the JSON schema.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Model => "model",
            ResourceKind::Seed => "seed",
            ResourceKind::Snapshot => "snapshot",
            ResourceKind::Analysis => "analysis",
            ResourceKind::GenericTest => "generic_test",
            ResourceKind::SingularTest => "singular_test",
            ResourceKind::UnitTest => "unit_test",
            ResourceKind::Source => "source",
            ResourceKind::Exposure => "exposure",
            ResourceKind::Metric => "metric",
            ResourceKind::SemanticModel => "semantic_model",
            ResourceKind::SavedQuery => "saved_query",
            ResourceKind::Group => "group",
            ResourceKind::Doc => "doc",
            ResourceKind::Macro => "macro",
            ResourceKind::Function => "function",
            ResourceKind::Operation => "operation",
            ResourceKind::Selector => "selector",
        }
    }
}
