//! Observability tools: monitors ↔ dbt data tests, source freshness and docs.
