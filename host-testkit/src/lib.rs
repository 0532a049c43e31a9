//! Placeholder until the test kit lands.

/// Deterministic synthetic ledgers of any size (used by `rlplugin bench`).
pub mod synthetic;
