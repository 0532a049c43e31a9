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

/// `a == b`, eight bytes at a time in a loop the compiler keeps inline: `==` on slices
/// calls `memcmp`, which compares a byte at a time after a setup that costs more fuel than
/// the first word or two, at which most account names differ. Shared with the SDK, whose
/// view compares names where they lie in the input.
#[doc(hidden)]
#[inline]
#[must_use]
pub fn __same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let ((a_words, a_rest), (b_words, b_rest)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
    a_words
        .iter()
        .zip(b_words)
        .all(|(a, b)| u64::from_ne_bytes(*a) == u64::from_ne_bytes(*b))
        && a_rest.iter().zip(b_rest).all(|(a, b)| a == b)
}

/// The ABI version this crate speaks; the host refuses any other.
pub const ABI_VERSION: u32 = 1;

/// The name of each export of the ABI, by role. This macro is the one place the names are
/// written: the constants below read it for the hosts, and the guest macros read it in
/// their `export_name` attributes, which take a literal or a macro call but not a `const`.
#[doc(hidden)]
#[macro_export]
macro_rules! __export_name {
    (memory) => {
        "memory"
    };
    (alloc) => {
        "alloc"
    };
    (process) => {
        "process"
    };
    (metadata) => {
        "metadata"
    };
    (identify) => {
        "identify"
    };
    (extract) => {
        "extract"
    };
    (extract_enriched) => {
        "extract_enriched"
    };
    (abi_version) => {
        "__rustledger_abi_version"
    };
    (panic_info) => {
        "__rlplugin_panic_info"
    };
    (log) => {
        "__rlplugin_log"
    };
}

/// Name of every guest's linear memory, through which input and output pass.
pub const MEMORY_EXPORT: &str = __export_name!(memory);

/// Name of the export the host calls for `len` bytes of guest memory to write its input to:
/// `(i32) -> i32`, the address.
pub const ALLOC_EXPORT: &str = __export_name!(alloc);

/// Name of a plugin's entry point: `(ptr: i32, len: i32) -> i64`, the input's MessagePack
/// in, `(ptr << 32) | len` of the output's out.
pub const PROCESS_EXPORT: &str = __export_name!(process);

/// Name of an importer's self-description: `() -> i64`, `(ptr << 32) | len` of its
/// `MetadataOutput`.
pub const METADATA_EXPORT: &str = __export_name!(metadata);

/// Name of an importer's claim on a statement path: `(ptr: i32, len: i32) -> i64`.
pub const IDENTIFY_EXPORT: &str = __export_name!(identify);

/// Name of an importer's extraction: `(ptr: i32, len: i32) -> i64`.
pub const EXTRACT_EXPORT: &str = __export_name!(extract);

/// Name of an importer's extraction with categorization: `(ptr: i32, len: i32) -> i64`.
pub const EXTRACT_ENRICHED_EXPORT: &str = __export_name!(extract_enriched);

/// Name of the export through which a guest declares [`ABI_VERSION`]: a function
/// `() -> i32` that must return 1 and must not trap.
pub const ABI_VERSION_EXPORT: &str = __export_name!(abi_version);

/// The exports rustledger requires of a plugin.
pub const PLUGIN_EXPORTS: [&str; 4] = [
    MEMORY_EXPORT,
    ALLOC_EXPORT,
    PROCESS_EXPORT,
    ABI_VERSION_EXPORT,
];

/// The exports rustledger requires of an importer.
pub const IMPORTER_EXPORTS: [&str; 7] = [
    MEMORY_EXPORT,
    ALLOC_EXPORT,
    METADATA_EXPORT,
    IDENTIFY_EXPORT,
    EXTRACT_EXPORT,
    EXTRACT_ENRICHED_EXPORT,
    ABI_VERSION_EXPORT,
];

/// Name of the export through which an rlplugin guest hands its panic record to a test
/// kit: `() -> i64`, 0 or `(ptr << 32) | len` of `<file>:<line>:<column>\n<message>`.
/// Production hosts never call it.
pub const PANIC_INFO_EXPORT: &str = __export_name!(panic_info);

/// Name of the export through which an rlplugin guest hands the lines it logged during
/// the call to a test kit: `() -> i64`, 0 when nothing was logged, else `(ptr << 32) |
/// len` of a [`LOG_HEADER`]-byte header (lines dropped, then bytes dropped, each a
/// little-endian `u32`) followed by the kept lines, each ending in `\n`. Production hosts
/// never call it.
pub const LOG_EXPORT: &str = __export_name!(log);

/// Bytes of log text a guest keeps per instance (one call); a line that does not fit is
/// dropped, with every line after it, and counted in the header.
pub const LOG_CAPACITY: usize = 64 * 1024;

/// Size of the log record's header: lines dropped and bytes dropped, two little-endian
/// `u32`s.
pub const LOG_HEADER: usize = 8;
