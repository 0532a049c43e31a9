//! Placeholder until the guest SDK lands.
