//! Run rustledger WebAssembly plugins and importers in rustledger 0.24's own
//! production sandbox, from ordinary `cargo test`s, and snapshot what they do.
//!
//! ```no_run
//! use rlplugin_testkit::Guest;
//!
//! # fn main() -> Result<(), rlplugin_testkit::Error> {
//! // Builds this crate for wasm32-unknown-unknown once per test process.
//! let guest = Guest::build().run()?;
//! let run = guest
//!     .plugin()
//!     .ledger("2024-01-01 open Assets:Cash USD\n")
//!     .config("threshold=100")
//!     .run()?;
//! run.assert_within(5.0); // at most 5% of rustledger's fuel budget
//! println!("{}", run.report());
//! # let _snapshot = run.to_string(); // insta::assert_snapshot!(run)
//! # Ok(()) }
//! ```
//!
//! # Concepts
//!
//! - [`Guest`]: a compiled, validated wasm module. Loading compiles it with
//!   rustledger's shared sandboxed engine (milliseconds for small modules, cached
//!   per process by content); [`Guest::build`] first runs cargo (seconds to
//!   minutes, cached per process per crate). Clones share one compilation; keep it
//!   for the whole test process.
//! - [`PluginRun`] → [`Run`]: one call of `process`. The kit loads your beancount
//!   text through rustledger's loader so the guest receives exactly the bytes
//!   rledger would send for a `plugin "x.wasm"` line, runs it in a fresh store with
//!   production limits (30,000,000 fuel, 256 MiB), validates the ops with
//!   rustledger's rules and converts returned directives with rustledger's
//!   converter. A warm run on a small ledger takes a few milliseconds. A `Run` owns
//!   its results; drop it when done.
//! - [`Report`]: fuel, peak memory, output size and wall time of one call.
//! - [`ImportRun`] → [`Import`]: an importer's `extract` through rustledger's
//!   importer host.
//! - [`LoaderRun`] → [`LoaderOutcome`]: a full end-to-end load through rustledger's
//!   loader with a real `plugin` line, as `rledger check` does (no caching: it
//!   recompiles the module, like rustledger does on every load).
//! - [`Error`]: every failure, each message naming cause, limit, consumption, and
//!   for traps the guest's panic message and wasm backtrace.
//!
//! This crate is GPL-3.0-only because it links rustledger's sandbox; the guest SDK
//! (`rlplugin`) and wire types (`rlplugin-types`) are MIT OR Apache-2.0.

mod build;
pub mod cargo;
mod changes;
mod check;
mod error;
mod guest;
mod import;
mod input;
mod log;
pub mod profile;
mod render;
mod run;
mod runner;
pub mod synthetic;

pub use build::GuestBuild;
pub use changes::{Change, ChangeKind, Changes};
pub use check::{LoaderOutcome, LoaderRun};
pub use error::{Diagnostics, Error, LedgerProblem};
pub use guest::Guest;
pub use import::{Import, ImportRun};
pub use input::TEXT_LEDGER_PATH;
pub use log::GuestLog;
pub use run::{IntoPluginInput, OpsSummary, PluginRun, Report, Run};

/// rustledger's in-memory directive, as returned by [`Run::directives`].
pub use rustledger_core::Directive;
/// rustledger's host-side wire types (`PluginInput`, `PluginOp`, …), as the kit
/// decodes guest output with them.
pub use rustledger_plugin_types as wire;

/// Fuel rustledger 0.24 gives every plugin or importer call:
/// `DEFAULT_SANDBOX_MAX_TIME_SECS` × 1,000,000.
pub const PRODUCTION_FUEL: u64 =
    rustledger_plugin::sandbox::DEFAULT_SANDBOX_MAX_TIME_SECS * 1_000_000;

/// Linear-memory cap rustledger 0.24 gives every call, in bytes (256 MiB).
pub const PRODUCTION_MEMORY: usize = rustledger_plugin::sandbox::DEFAULT_SANDBOX_MAX_MEMORY;

/// A scratch directory for files rustledger must read from disk, private to the caller:
/// created atomically under a random name in the system temp directory (so nothing another
/// user planted there can be followed) and removed with everything in it when dropped.
pub(crate) fn scratch_dir() -> Result<tempfile::TempDir, Error> {
    tempfile::Builder::new()
        .prefix("rlplugin-testkit-")
        .tempdir()
        .map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
