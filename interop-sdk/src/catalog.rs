//! Catalogs: annotations (descriptions, owners, tags, terms) ↔ docs, `config.meta` and tags.
