//! Write rustledger WebAssembly plugins and importers in Rust: the same macros as
//! rustledger's own SDK, a fraction of its fuel, and errors and panics that reach the author.
//!
//! ```
//! use rlplugin::{wasm_plugin_main, DirectiveData, Ops, PluginInput, PluginOutput};
//!
//! #[derive(serde::Deserialize)]
//! struct Config {
//!     tag: String,
//! }
//!
//! /// Tags every transaction with the configured tag.
//! fn process(input: PluginInput) -> Result<PluginOutput, Box<dyn std::error::Error>> {
//!     let config: Config = rlplugin::config(input.config.as_deref())?;
//!     let mut ops = Ops::new(input.directives.len());
//!     for (index, mut directive) in input.directives.into_iter().enumerate() {
//!         if let DirectiveData::Transaction(txn) = &mut directive.data {
//!             txn.tags.push(config.tag.clone());
//!             ops.modify(index, directive)?;
//!         }
//!     }
//!     Ok(ops.finish())
//! }
//!
//! wasm_plugin_main! { process: process }
//! # fn main() {
//! #     let input = PluginInput { directives: vec![], options: Default::default(), config: Some("tag=ok".into()) };
//! #     assert!(process(input).unwrap().ops.is_empty());
//! # }
//! ```
//!
//! Build it with `cargo build --target wasm32-unknown-unknown --release` from a crate with
//! `crate-type = ["cdylib", "rlib"]`, and load it with `plugin "target/…/name.wasm" "tag=ok"`.
//!
//! # Concepts
//!
//! **Plugins** get every directive of the ledger in a [`PluginInput`] and answer with a
//! [`PluginOutput`]: one [`PluginOp`] per input directive (keep, modify, delete) plus any
//! inserted directives, and diagnostics ([`PluginError`]). [`Ops`] builds that answer so that
//! it always satisfies the host's rules. **Importers** turn a statement file
//! ([`ImporterInput`]) into directives ([`ImporterOutput`]).
//!
//! The macros [`wasm_plugin_main!`] and [`wasm_importer_main!`] export your functions under
//! the names rustledger calls. Everything between the export and your function is an
//! ordinary function in [`guest`]: decode the host's MessagePack, call you, turn an `Err`
//! into a diagnostic, [`validate`] what you return, encode it. Natively the macros export
//! nothing, so `cargo test` can call your `process` directly.
//!
//! **Two plugin APIs.** `wasm_plugin_main! { process: f }` hands `f` the decoded
//! [`PluginInput`], as rustledger's SDK does. `wasm_plugin_main! { view: f }` hands it a
//! [`view::LedgerView`] instead: the host's bytes with each directive located, fields read
//! when asked, unchanged directives never decoded, and edits that copy the rest of a
//! directive from the input. The [`view`] module says when each costs less.
//!
//! # Migrating from `rustledger-plugin-types`
//!
//! Rename the dependency; the code stays as it is:
//!
//! ```toml
//! [dependencies]
//! rustledger-plugin-types = { package = "rlplugin", version = "0.1", features = ["guest"] }
//! ```
//!
//! Every type, `ABI_VERSION`, `validate_op_coverage`, both macros and
//! `guest::default_enriched_from` are available under the same paths, as are the functions
//! the macros generate at module scope (`__wasm_plugin_process` and the rest). The `guest`
//! feature adds rustledger's serde helpers to [`guest`] for hand-written exports.
//!
//! # Features beyond rustledger's SDK
//!
//! - **`Result` returns**: `process`/`extract` may return `Result<_, E: Display>`; an `Err`
//!   keeps every directive and reports the message ([`IntoPluginOutput`]).
//! - **Panics reach you**: the panic message and `file:line:column` are recorded in guest
//!   memory and exported as `__rlplugin_panic_info` for the test kit (see `ABI.md`).
//! - **Logging without imports** (feature `log`): [`log!`] and [`debug!`] keep lines in
//!   guest memory for the test kit, which shows them with the result or the trap;
//!   rustledger ignores them. Without the feature a guest carries none of it.
//! - **[`Ops`]**: keep/modify/delete each input at most once, inserts anywhere, untouched
//!   inputs kept.
//! - **[`config()`]**: the `plugin` line's config as your serde type, from JSON or
//!   `key=value,key=value`; a bad config is an [`ConfigError`], not a trap.
//! - **Never abort the ledger**: an outgoing directive with a bad date, number, flag or cost
//!   would make rustledger abort the whole load; [`validate`] turns it into a diagnostic and
//!   keeps the original.
//! - **Tolerant in, strict out**: input from newer hosts (extra fields, unknown keys) still
//!   decodes; input that cannot be decoded keeps every directive and says why.
//! - **Fuel**: a decoder and encoder specialised to the schema and a per-call bump
//!   allocator instead of rmp-serde and the default allocator.

#[cfg(all(
    target_family = "wasm",
    not(all(target_arch = "wasm32", any(target_os = "unknown", target_os = "none")))
))]
compile_error!(
    "rlplugin guests must be built for wasm32-unknown-unknown: rustledger gives a plugin no \
     imports, so WASI targets cannot load; use `cargo build --target wasm32-unknown-unknown`"
);

#[doc(hidden)]
pub mod codec;

mod arena;

mod abi;
mod config;
pub mod guest;
#[cfg(feature = "log")]
mod log;
mod log_macros;
mod macros;
mod ops;
mod panic;
pub mod text;
pub mod validate;
pub mod view;

#[doc(hidden)]
pub mod __private;

pub use config::{ConfigError, config};
pub use guest::{IntoEnrichedOutput, IntoImporterOutput, IntoPluginOutput};
pub use ops::{Ops, OpsError};
pub use rlplugin_types::*;

/// Lets go of a value the guest no longer needs. In a wasm guest the host discards the
/// whole instance after each call, so nothing needs freeing and skipping the drop keeps its
/// glue out of the module; natively (tests) it is an ordinary drop.
pub(crate) fn discard<T>(value: T) {
    #[cfg(target_arch = "wasm32")]
    core::mem::forget(value);
    #[cfg(not(target_arch = "wasm32"))]
    drop(value);
}

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
