//! Per-call bump allocator (work in progress).
