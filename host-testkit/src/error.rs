//! The one error type of the kit.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// Everything that can go wrong building, loading or running a guest.
///
/// Each message names what failed, the limit involved, what was consumed and the
/// fix; traps carry the guest's panic message (rlplugin guests) and the wasm
/// backtrace in [`Diagnostics`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `cargo build` of the guest crate failed.
    #[error("building guest crate {} failed: {message}", crate_dir.display())]
    Build {
        /// The crate that was built.
        crate_dir: PathBuf,
        /// Cargo's rendered diagnostics, or why cargo could not be started.
        message: String,
    },
    /// The toolchain lacks the `wasm32-unknown-unknown` standard library.
    #[error(
        "building guest crate {} failed: the wasm32-unknown-unknown target is not installed for \
         toolchain `{toolchain}`; fix: run `rustup toolchain install` in the repository (it \
         installs the targets listed in rust-toolchain.toml) or \
         `rustup target add wasm32-unknown-unknown --toolchain {toolchain}`",
        crate_dir.display()
    )]
    MissingTarget {
        /// The crate that was built.
        crate_dir: PathBuf,
        /// The toolchain cargo ran with.
        toolchain: String,
    },
    /// A file could not be read or written.
    #[error("cannot access {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// wasmtime rejected the module under rustledger's sandbox configuration.
    #[error(
        "guest `{guest}` is not a module rustledger 0.24 can load: {reason}; fix: build a core \
         wasm module for wasm32-unknown-unknown without threads, shared memory, memory64, \
         multi-memory, GC, tail calls or the component model"
    )]
    InvalidModule {
        /// Guest name.
        guest: String,
        /// wasmtime's validation message.
        reason: String,
    },
    /// The module imports something; rustledger links no imports at all.
    #[error(
        "guest `{guest}` imports `{module}::{name}` but rustledger links no imports (rledger \
         would report `plugin has forbidden import: {module}::{name}`); fix: build for \
         wasm32-unknown-unknown, not WASI, and remove extern functions"
    )]
    ForbiddenImport {
        /// Guest name.
        guest: String,
        /// Import module, e.g. `wasi_snapshot_preview1`.
        module: String,
        /// Import field name.
        name: String,
    },
    /// A required export is absent.
    #[error(
        "guest `{guest}` does not export `{export}`, which the {role} ABI requires; fix: {fix}"
    )]
    MissingExport {
        /// Guest name.
        guest: String,
        /// Export name.
        export: String,
        /// `plugin` or `importer`.
        role: &'static str,
        /// How to fix it.
        fix: &'static str,
    },
    /// `memory` is exported but is not a memory: rledger 0.24 panics on it.
    #[error(
        "guest `{guest}` exports a {kind} named `memory`: this would crash rustledger (rledger \
         0.24 panics and exits with status 101 instead of reporting an error); fix: export the \
         linear memory itself as `memory`"
    )]
    WouldCrashRustledger {
        /// Guest name.
        guest: String,
        /// What `memory` actually is (function, table, global).
        kind: &'static str,
    },
    /// An export has the wrong wasm signature.
    #[error(
        "guest `{guest}` export `{export}` has the wrong signature: expected `{expected}`, found `{found}`"
    )]
    WrongSignature {
        /// Guest name.
        guest: String,
        /// Export name.
        export: String,
        /// The wasm signature the host calls it with.
        expected: &'static str,
        /// The signature the guest declares.
        found: String,
    },
    /// `__rustledger_abi_version` is missing, mistyped or traps.
    #[error(
        "guest `{guest}` has a missing or invalid `__rustledger_abi_version` export (expected \
         `() -> i32` returning 1): rustledger 0.24 refuses to run it; fix: build it with the \
         rlplugin macros or rustledger-plugin-types 0.24's guest macros"
    )]
    AbiMissing {
        /// Guest name.
        guest: String,
    },
    /// `__rustledger_abi_version` returned another version.
    #[error(
        "guest `{guest}` declares ABI v{found} but rustledger 0.24 requires v1; fix: rebuild it \
         against an SDK that speaks ABI v1"
    )]
    AbiMismatch {
        /// Guest name.
        guest: String,
        /// The version it returned.
        found: u32,
    },
    /// The fuel budget ran out.
    #[error(
        "guest `{guest}` ran out of fuel in `{entry}`: it consumed all {limit} units of its \
         budget{production}; fix: {fix}{diagnostics}",
        production = production_note(*limit),
        fix = fuel_fix(entry)
    )]
    OutOfFuel {
        /// Guest name.
        guest: String,
        /// The export that was running.
        entry: String,
        /// The fuel budget.
        limit: u64,
        /// Linear memory size when it stopped, in bytes.
        memory: u64,
        /// Panic record and backtrace.
        diagnostics: Box<Diagnostics>,
    },
    /// The memory cap is smaller than the memory the module declares it starts with, so
    /// it cannot even be instantiated.
    #[error(
        "guest `{guest}` starts with {initial} bytes of linear memory, more than the {limit}-byte \
         memory cap, so it cannot be instantiated at all; fix: raise the memory cap to at least \
         {initial} bytes (rustledger 0.24 gives {production})",
        production = crate::PRODUCTION_MEMORY
    )]
    MemoryCapBelowInitial {
        /// Guest name.
        guest: String,
        /// The memory cap in bytes.
        limit: u64,
        /// The module's initial linear memory in bytes.
        initial: u64,
    },
    /// The guest hit the linear-memory cap.
    #[error(
        "guest `{guest}` hit the memory limit in `{entry}`: {need}; fix: allocate less, free \
         buffers early, avoid cloning the whole input{diagnostics}",
        need = memory_need(*limit, *peak, *requested)
    )]
    OutOfMemory {
        /// Guest name.
        guest: String,
        /// The export that was running, or `instantiate`.
        entry: String,
        /// The memory cap in bytes.
        limit: u64,
        /// Linear memory size when it stopped.
        peak: u64,
        /// The linear memory size in bytes a refused `memory.grow` asked for, when the
        /// sandbox's limiter refused one during the call.
        requested: Option<u64>,
        /// Panic record and backtrace.
        diagnostics: Box<Diagnostics>,
    },
    /// The guest trapped (panic, unreachable, out-of-bounds access…).
    #[error(
        "guest `{guest}` trapped in `{entry}`: {trap} (after {fuel_used} of {fuel_limit} fuel, \
         {memory} bytes of linear memory){diagnostics}"
    )]
    Trap {
        /// Guest name.
        guest: String,
        /// The export that was running.
        entry: String,
        /// wasmtime's description of the trap.
        trap: String,
        /// Fuel consumed before the trap.
        fuel_used: u64,
        /// The fuel budget.
        fuel_limit: u64,
        /// Linear memory size at the trap.
        memory: u64,
        /// Panic record and backtrace.
        diagnostics: Box<Diagnostics>,
    },
    /// `alloc` returned a region outside linear memory.
    #[error(
        "guest `{guest}`'s `alloc({len})` returned offset {ptr}, but linear memory is only \
         {memory} bytes; fix: `alloc` must return a writable region of exactly the requested size"
    )]
    AllocOutOfBounds {
        /// Guest name.
        guest: String,
        /// Returned offset.
        ptr: u32,
        /// Requested length.
        len: u32,
        /// Linear memory size.
        memory: u64,
    },
    /// The returned `(ptr, len)` does not lie in linear memory.
    #[error(
        "guest `{guest}`'s `{entry}` returned output at offset {ptr} with length {len}, past the \
         end of its {memory}-byte linear memory (rledger would fail with `out of bounds memory \
         access`); fix: return `(ptr << 32) | len` of a live buffer"
    )]
    OutputOutOfBounds {
        /// Guest name.
        guest: String,
        /// The export that returned it.
        entry: String,
        /// Output offset.
        ptr: u32,
        /// Output length.
        len: u32,
        /// Linear memory size.
        memory: u64,
    },
    /// The claimed output length exceeds the kit's read cap.
    #[error(
        "guest `{guest}`'s `{entry}` claims {len} bytes of output, over the {max}-byte cap \
         (rledger 0.24 would allocate all {len} bytes before checking them); fix: return the \
         real length of the output buffer"
    )]
    OutputTooLarge {
        /// Guest name.
        guest: String,
        /// The export that returned it.
        entry: String,
        /// Claimed length.
        len: u64,
        /// The cap.
        max: u64,
    },
    /// The output bytes are not the expected MessagePack value.
    #[error(
        "guest `{guest}`'s `{entry}` returned {len} bytes that do not decode as `{expected}`: \
         {reason}; fix: encode the output with the SDK's encoder"
    )]
    BadOutput {
        /// Guest name.
        guest: String,
        /// The export that returned it.
        entry: String,
        /// Output length.
        len: usize,
        /// The wire type expected.
        expected: &'static str,
        /// The decoder's message.
        reason: String,
    },
    /// The ops do not cover every input index exactly once.
    #[error(
        "guest `{guest}` returned ops that rustledger rejects: {message} (rledger records this \
         as a PLUGIN error and discards every op of the plugin); fix: emit exactly one \
         Keep/Modify/Delete per input directive"
    )]
    OpCoverage {
        /// Guest name.
        guest: String,
        /// Production's message from `validate_op_coverage`.
        message: String,
    },
    /// A returned directive cannot be converted back into a rustledger directive.
    #[error(
        "guest `{guest}`'s op #{op_index} ({op}) carries a directive rustledger cannot convert: \
         {reason}; this aborts the user's whole ledger load in rledger (`processing pipeline \
         failed: failed to convert plugin output`); directive: {directive}"
    )]
    Conversion {
        /// Guest name.
        guest: String,
        /// Position of the op in the output.
        op_index: usize,
        /// The op kind and index, e.g. `Modify(3)`.
        op: String,
        /// Production's conversion error.
        reason: String,
        /// The offending wrapper as JSON.
        directive: String,
    },
    /// rustledger could not load the ledger given as input.
    #[error("rustledger could not load ledger {}: {message}", path.display())]
    Ledger {
        /// The ledger file.
        path: PathBuf,
        /// rustledger's message, with one `file:line` line per problem.
        message: String,
        /// What the loader found, each at its place, so a front end can show the lines
        /// (empty when the failure is not in the ledger's text, e.g. a missing file).
        problems: Vec<LedgerProblem>,
    },
    /// The request itself is incomplete or inconsistent.
    #[error("{0}")]
    Usage(String),
    /// rustledger's importer host rejected the guest or its output.
    #[error("rustledger's importer host failed on guest `{guest}`: {message}")]
    Importer {
        /// Guest name.
        guest: String,
        /// The host's message.
        message: String,
    },
}

impl Error {
    /// The variant as a stable snake_case word (`out_of_fuel`, `trap`, …), for scripts.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Build { .. } => "build",
            Error::MissingTarget { .. } => "missing_target",
            Error::Io { .. } => "io",
            Error::InvalidModule { .. } => "invalid_module",
            Error::ForbiddenImport { .. } => "forbidden_import",
            Error::MissingExport { .. } => "missing_export",
            Error::WouldCrashRustledger { .. } => "would_crash_rustledger",
            Error::WrongSignature { .. } => "wrong_signature",
            Error::AbiMissing { .. } => "abi_missing",
            Error::AbiMismatch { .. } => "abi_mismatch",
            Error::OutOfFuel { .. } => "out_of_fuel",
            Error::MemoryCapBelowInitial { .. } => "memory_cap_below_initial",
            Error::OutOfMemory { .. } => "out_of_memory",
            Error::Trap { .. } => "trap",
            Error::AllocOutOfBounds { .. } => "alloc_out_of_bounds",
            Error::OutputOutOfBounds { .. } => "output_out_of_bounds",
            Error::OutputTooLarge { .. } => "output_too_large",
            Error::BadOutput { .. } => "bad_output",
            Error::OpCoverage { .. } => "op_coverage",
            Error::Conversion { .. } => "conversion",
            Error::Ledger { .. } => "ledger",
            Error::Usage(_) => "usage",
            Error::Importer { .. } => "importer",
        }
    }

    /// Fuel the guest had consumed when it stopped, for the failures that stop a running
    /// guest and know it.
    #[must_use]
    pub fn fuel_used(&self) -> Option<u64> {
        match self {
            Error::OutOfFuel { limit, .. } => Some(*limit),
            Error::Trap { fuel_used, .. } => Some(*fuel_used),
            _ => None,
        }
    }

    /// Linear memory in use when the guest stopped, in bytes, when known.
    #[must_use]
    pub fn memory_used(&self) -> Option<u64> {
        match self {
            Error::OutOfFuel { memory, .. } | Error::Trap { memory, .. } => Some(*memory),
            Error::OutOfMemory { peak, .. } => Some(*peak),
            _ => None,
        }
    }
}

/// The handshake is a handful of instructions: running out there means the budget is far
/// too small, not that the plugin does too much.
fn fuel_fix(entry: &str) -> &'static str {
    if entry == rlplugin_types::ABI_VERSION_EXPORT {
        "the ABI handshake alone needs more than that; raise the fuel budget"
    } else {
        "do less work per byte of input (stream instead of decoding everything, skip unused \
         fields, build with opt-level=3)"
    }
}

fn memory_need(limit: u64, peak: u64, requested: Option<u64>) -> String {
    match requested {
        Some(requested) => format!(
            "`memory.grow` asked for {requested} bytes ({}) of linear memory, over the \
             {limit}-byte ({}) cap, and rustledger's limiter refused it ({peak} bytes in use)",
            crate::render::mib(requested),
            crate::render::mib(limit)
        ),
        None => format!(
            "it needed more than {limit} bytes of linear memory ({peak} bytes in use when it \
             stopped)"
        ),
    }
}

fn production_note(limit: u64) -> String {
    if limit == crate::PRODUCTION_FUEL {
        " (rustledger 0.24's fixed per-call budget)".to_owned()
    } else {
        format!(
            " ({:.1}% of rustledger 0.24's {} units)",
            limit as f64 * 100.0 / crate::PRODUCTION_FUEL as f64,
            crate::PRODUCTION_FUEL
        )
    }
}

/// What the kit could recover from a trapped guest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostics {
    /// `file:line:column: message` recorded by an rlplugin guest's panic hook.
    pub panic: Option<String>,
    /// wasmtime's wasm backtrace (function names come from the name section).
    pub backtrace: Option<String>,
    /// What the guest logged before it stopped (`rlplugin::log!`).
    pub log: crate::GuestLog,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(panic) = &self.panic {
            write!(f, "\nguest panicked at {panic}")?;
        }
        if let Some(backtrace) = &self.backtrace {
            write!(f, "\n{}", backtrace.trim_end())?;
        }
        if !self.log.is_empty() {
            write!(f, "\nguest log:\n{}", self.log.to_string().trim_end())?;
        }
        Ok(())
    }
}

/// One problem rustledger's loader found in a ledger before any plugin ran: a line that
/// does not parse, an include that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LedgerProblem {
    /// Error or warning, as the loader rates it.
    pub error: bool,
    /// What is wrong, in rustledger's words, with its hint when it gives one.
    pub message: String,
    /// The file the problem is in, as the loader recorded it, when known.
    pub file: Option<PathBuf>,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The bytes of that line the problem covers (0-based, end exclusive), when known.
    pub columns: Option<Range<usize>>,
}
