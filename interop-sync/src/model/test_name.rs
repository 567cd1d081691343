//! dbt's names and unique ids for generic data tests (being written; see the helper's task).
