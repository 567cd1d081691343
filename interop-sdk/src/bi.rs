//! BI tools: metrics, dimensions, entities, saved queries and dashboards ↔ the repo's semantic
//! layer and exposures.
