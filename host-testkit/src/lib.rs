//! Placeholder until the test kit lands.
