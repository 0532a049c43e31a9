//! The kit's one integration test binary (modules below share built guests).

mod build_features;
mod build_progress;
mod common;
mod hostile;
mod importer;
mod plugin;
mod profile;
mod rust_guests;
mod sandbox;
