//! Three-way merge of resources: per field, text leaves by line-level diff3, conflicts as values.
