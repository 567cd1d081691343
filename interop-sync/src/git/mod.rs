//! The git store: reads trees, writes commits on a sync branch, moves refs by compare-and-swap, pushes.
