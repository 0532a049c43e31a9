//! Every wire type of rustledger's WebAssembly plugin ABI v1, for directive plugins and
//! importers, byte-compatible with rustledger 0.24.
//!
//! ```
//! use rlplugin_types::{PluginError, PluginInput, PluginOutput};
//!
//! fn process(input: PluginInput) -> PluginOutput {
//!     let mut output = PluginOutput::passthrough(input.directives.len());
//!     if input.options.operating_currencies.is_empty() {
//!         output.errors.push(PluginError::warning("no operating_currency option set"));
//!     }
//!     output
//! }
//! # let input = PluginInput { directives: vec![], options: Default::default(), config: None };
//! # assert_eq!(process(input).errors.len(), 1);
//! ```
//!
//! # Concepts
//!
//! The host sends a [`PluginInput`] and expects a [`PluginOutput`]: a list of [`PluginOp`]s
//! that together name every input directive exactly once (kept, modified or deleted) plus any
//! inserted directives, and a list of [`PluginError`]s. [`validate_op_coverage`] checks that
//! rule with the exact messages the production host uses.
//!
//! Directives travel as [`DirectiveWrapper`]: a date, an optional source location and one of
//! twelve [`DirectiveData`] kinds. Numbers are decimal strings, exactly as rustledger prints
//! them; enable the `decimal` feature for conversions to and from `rust_decimal::Decimal`.
//!
//! Importers receive an [`ImporterInput`] (the statement's bytes plus configuration) and
//! answer with an [`ImporterOutput`] or an [`EnrichedImporterOutput`].
//!
//! # Wire format
//!
//! MessagePack as written by `rmp_serde::to_vec`: structs are positional arrays, except
//! [`DirectiveWrapper`], which is a map because its directive fields are flattened into it.
//! Field order therefore matters and must never change; the crate's compatibility tests
//! compare every byte with rustledger's own crate.
//!
//! # Features
//!
//! - `decimal`: [`AmountData::from_decimal`], [`AmountData::decimal`] and [`parse_decimal`],
//!   which accept exactly the strings the host accepts.

// Size builds (build.rs) inline the functions here that drop a `String` or `Vec`. At
// opt-level "s" rustc shares generic instances between crates, so a non-inline one would
// compile `RawVec`'s deallocation here, once, without seeing the guest's allocator; every
// guest's drop glue would then call that copy, whose stack stores survive even when the
// allocator's `dealloc` is empty. Inline, the drops are compiled in the crate that uses them,
// and vanish: 5.9 KB of a minimal plugin. At opt-level 3 the hint costs fuel instead (1% in
// an example that builds errors with `at_directive`), so only size builds get it.
mod directive;
mod importer;
mod plugin;

#[cfg(feature = "decimal")]
mod decimal;

pub use directive::*;
pub use importer::*;
pub use plugin::*;

#[cfg(feature = "decimal")]
pub use decimal::{DecimalError, parse_decimal};

/// The ABI version this crate speaks; the host refuses any other.
pub const ABI_VERSION: u32 = 1;

/// Name of the export through which a guest declares [`ABI_VERSION`]: a function
/// `() -> i32` that must return 1 and must not trap.
pub const ABI_VERSION_EXPORT: &str = "__rustledger_abi_version";

/// Name of the export through which an rlplugin guest hands its panic record to a test
/// kit: `() -> i64`, 0 or `(ptr << 32) | len` of `<file>:<line>:<column>\n<message>`.
/// Production hosts never call it.
pub const PANIC_INFO_EXPORT: &str = "__rlplugin_panic_info";

/// Name of the export through which an rlplugin guest hands the lines it logged during
/// the call to a test kit: `() -> i64`, 0 when nothing was logged, else `(ptr << 32) |
/// len` of a [`LOG_HEADER`]-byte header (lines dropped, then bytes dropped, each a
/// little-endian `u32`) followed by the kept lines, each ending in `\n`. Production hosts
/// never call it.
pub const LOG_EXPORT: &str = "__rlplugin_log";

/// Bytes of log text a guest keeps per instance (one call); a line that does not fit is
/// dropped, with every line after it, and counted in the header.
pub const LOG_CAPACITY: usize = 64 * 1024;

/// Size of the log record's header: lines dropped and bytes dropped, two little-endian
/// `u32`s.
pub const LOG_HEADER: usize = 8;
