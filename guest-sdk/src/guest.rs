//! The steps behind [`wasm_plugin_main!`](crate::wasm_plugin_main) and
//! [`wasm_importer_main!`](crate::wasm_importer_main), as ordinary functions over bytes.
//!
//! Each `run_*` function does what one export does, minus the pointer handling: decode the
//! host's MessagePack (tolerantly), call the author's function, turn an `Err` into a
//! diagnostic, [validate](crate::validate) what goes back, and encode it exactly as the host
//! expects. None of them panics on bad input. They are public so the whole path can be
//! tested natively, e.g. with bytes written by `rmp_serde::to_vec`.
//!
//! With the `guest` feature the module also has rustledger-plugin-types' serde helpers,
//! under the same names and signatures, so hand-written exports that use them keep
//! compiling after the dependency rename: `from_slice`, `to_vec`, `DecodeError`,
//! `decode_input` and `pack_output`. They are rmp-serde's general codec, not the fast one
//! the macros use.

use core::fmt::Display;

use rlplugin_types::{
    EnrichedImporterOutput, IdentifyOutput, ImporterInput, ImporterOutput, MetadataOutput,
    PluginError, PluginInput, PluginOutput,
};

#[cfg(feature = "guest")]
pub use rmp_serde::{decode::Error as DecodeError, from_slice, to_vec};

use crate::codec;
use crate::discard;
use crate::text::{concat, decimal};
use crate::view::{IntoViewOps, LedgerView, ViewOps};

/// What a `process` function may return: a [`PluginOutput`], or a `Result` whose error
/// becomes a diagnostic while every input directive is kept.
///
/// ```
/// use rlplugin::{IntoPluginOutput, PluginOp, PluginOutput};
///
/// let failed: Result<PluginOutput, String> = Err("config: missing `account`".into());
/// let output = failed.into_plugin_output(2);
/// assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
/// assert_eq!(output.errors[0].message, "config: missing `account`");
/// ```
#[diagnostic::on_unimplemented(
    message = "`process` must return `PluginOutput` or `Result<PluginOutput, E>` with `E: Display`, not `{Self}`",
    label = "this function returns `{Self}`",
    note = "the signature rlplugin expects is `fn(PluginInput) -> PluginOutput` (or `-> Result<PluginOutput, E>`)"
)]
pub trait IntoPluginOutput {
    /// The output for an input of `input_len` directives.
    fn into_plugin_output(self, input_len: usize) -> PluginOutput;
}

impl IntoPluginOutput for PluginOutput {
    fn into_plugin_output(self, _input_len: usize) -> PluginOutput {
        self
    }
}

impl<E: Display> IntoPluginOutput for Result<PluginOutput, E> {
    fn into_plugin_output(self, input_len: usize) -> PluginOutput {
        self.unwrap_or_else(|error| {
            let mut output = PluginOutput::passthrough(input_len);
            output.errors.push(PluginError::error(display(&error)));
            output
        })
    }
}

/// What an `extract` function may return: an [`ImporterOutput`], or a `Result` whose error
/// becomes an empty output with one error diagnostic.
///
/// ```
/// use rlplugin::{ImporterOutput, IntoImporterOutput};
///
/// let failed: Result<ImporterOutput, &str> = Err("not a statement");
/// let output = failed.into_importer_output();
/// assert!(output.directives.is_empty());
/// assert_eq!(output.errors[0].message, "not a statement");
/// ```
#[diagnostic::on_unimplemented(
    message = "`extract` must return `ImporterOutput` or `Result<ImporterOutput, E>` with `E: Display`, not `{Self}`",
    label = "this function returns `{Self}`",
    note = "the signature rlplugin expects is `fn(ImporterInput) -> ImporterOutput` (or `-> Result<ImporterOutput, E>`)"
)]
pub trait IntoImporterOutput {
    /// The output to send.
    fn into_importer_output(self) -> ImporterOutput;
}

impl IntoImporterOutput for ImporterOutput {
    fn into_importer_output(self) -> ImporterOutput {
        self
    }
}

impl<E: Display> IntoImporterOutput for Result<ImporterOutput, E> {
    fn into_importer_output(self) -> ImporterOutput {
        self.unwrap_or_else(|error| failed_import(display(&error)))
    }
}

/// What an `extract_enriched` function may return: an [`EnrichedImporterOutput`], or a
/// `Result` whose error becomes an empty output with one error diagnostic.
///
/// ```
/// use rlplugin::{EnrichedImporterOutput, IntoEnrichedOutput};
///
/// let failed: Result<EnrichedImporterOutput, &str> = Err("no rules");
/// assert_eq!(failed.into_enriched_output().errors[0].message, "no rules");
/// ```
#[diagnostic::on_unimplemented(
    message = "`extract_enriched` must return `EnrichedImporterOutput` or `Result<EnrichedImporterOutput, E>` with `E: Display`, not `{Self}`",
    label = "this function returns `{Self}`"
)]
pub trait IntoEnrichedOutput {
    /// The output to send.
    fn into_enriched_output(self) -> EnrichedImporterOutput;
}

impl IntoEnrichedOutput for EnrichedImporterOutput {
    fn into_enriched_output(self) -> EnrichedImporterOutput {
        self
    }
}

impl<E: Display> IntoEnrichedOutput for Result<EnrichedImporterOutput, E> {
    fn into_enriched_output(self) -> EnrichedImporterOutput {
        self.unwrap_or_else(|error| failed_import(display(&error)).into())
    }
}

/// `value` as text. `format!` shares `alloc`'s one compiled formatter-into-`String`;
/// `to_string` would compile another copy of it into every guest.
fn display(value: &impl Display) -> String {
    format!("{value}")
}

fn failed_import(message: String) -> ImporterOutput {
    let mut output = ImporterOutput::empty();
    output.errors.push(PluginError::error(message));
    output
}

/// Pairs each directive with the enrichment of an uncategorized one (method `"default"`,
/// confidence 0): what `extract_enriched` answers when an importer only has `extract`.
///
/// ```
/// use rlplugin::{guest::default_enriched_from, ImporterOutput};
///
/// let enriched = default_enriched_from(ImporterOutput::empty());
/// assert!(enriched.entries.is_empty());
/// ```
#[must_use]
pub fn default_enriched_from(output: ImporterOutput) -> EnrichedImporterOutput {
    output.into()
}

/// The whole `process` step: decode `input`, call `process`, map an `Err`, validate every
/// outgoing `Modify`/`Insert`. Input that cannot be decoded yields `passthrough(n)` plus an
/// error naming the problem (or, if not even `n` can be read, no ops plus the error, which
/// makes the host keep the ledger unchanged).
///
/// ```
/// use rlplugin::{guest::plugin_output, PluginOp};
///
/// // [[], [[], nil], nil]: an empty ledger.
/// let output = plugin_output(b"\x93\x90\x92\x90\xc0\xc0", |input| {
///     rlplugin::PluginOutput::passthrough(input.directives.len())
/// });
/// assert!(output.ops.is_empty() && output.errors.is_empty());
///
/// // Two directives announced, then garbage: both are kept, and the error says why.
/// let output = plugin_output(b"\x93\x92\xc1\xc1", |_| -> rlplugin::PluginOutput { unreachable!() });
/// assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
/// assert!(output.errors[0].message.starts_with("cannot decode the plugin input"));
/// ```
pub fn plugin_output<F, R>(input: &[u8], process: F) -> PluginOutput
where
    F: FnOnce(PluginInput) -> R,
    R: IntoPluginOutput,
{
    let mut output = call_plugin(input, process);
    crate::validate::check_plugin_output(&mut output);
    output
}

/// The only part of the `process` path that depends on the author's function: everything
/// else is compiled once, whatever `process` is.
fn call_plugin<F, R>(input: &[u8], process: F) -> PluginOutput
where
    F: FnOnce(PluginInput) -> R,
    R: IntoPluginOutput,
{
    match codec::decode_plugin_input(input) {
        Ok(decoded) => {
            let input_len = decoded.directives.len();
            process(decoded).into_plugin_output(input_len)
        }
        Err(error) => undecodable_plugin_input(input, &error),
    }
}

#[cold]
#[inline(never)]
fn undecodable_plugin_input(input: &[u8], error: &codec::DecodeError) -> PluginOutput {
    let count = codec::count_input_directives(input);
    let directives = count.map(decimal);
    let kept = match &directives {
        Some(n) => concat(&["all ", n.as_str(), " directives were kept unchanged"]),
        None => "the ledger was left unchanged".to_owned(),
    };
    let error = PluginError::error(concat(&[
        "cannot decode the plugin input (",
        &error.message(),
        "); ",
        &kept,
        "; rebuild the plugin with an rlplugin release that supports this rustledger version",
    ]));
    let mut output = count.map_or_else(
        || PluginOutput {
            ops: Vec::new(),
            errors: Vec::new(),
        },
        PluginOutput::passthrough,
    );
    output.errors.push(error);
    output
}

/// [`run_plugin`] on the host's input, where the guest may decode it in place
/// ([`codec::decode_host_plugin_input`]).
///
/// # Safety
///
/// As for [`codec::decode_host_plugin_input`].
pub(crate) unsafe fn run_host_plugin<F, R>(ptr: *const u8, len: usize, process: F) -> Vec<u8>
where
    F: FnOnce(PluginInput) -> R,
    R: IntoPluginOutput,
{
    // SAFETY: forwarded from the caller.
    let output = match unsafe { codec::decode_host_plugin_input(ptr, len) } {
        Ok(decoded) => {
            let input_len = decoded.directives.len();
            process(decoded).into_plugin_output(input_len)
        }
        // Nothing decoded was handed out, so the input is read as it came.
        // SAFETY: readable, by the caller's promise.
        Err(error) => {
            undecodable_plugin_input(unsafe { core::slice::from_raw_parts(ptr, len) }, &error)
        }
    };
    finish_plugin(output)
}

/// Validates and encodes an output; non-generic, so every guest links one copy.
#[inline(never)]
fn finish_plugin(mut output: PluginOutput) -> Vec<u8> {
    crate::validate::check_plugin_output(&mut output);
    let bytes = codec::encode_plugin_output(&output);
    discard(output);
    bytes
}

/// [`plugin_output`], encoded for the host.
///
/// ```
/// use rlplugin::{guest::run_plugin, PluginOutput};
///
/// let bytes = run_plugin(b"\x93\x90\x92\x90\xc0\xc0", |input| {
///     PluginOutput::passthrough(input.directives.len())
/// });
/// assert_eq!(bytes, b"\x92\x90\x90"); // [[], []]
/// ```
pub fn run_plugin<F, R>(input: &[u8], process: F) -> Vec<u8>
where
    F: FnOnce(PluginInput) -> R,
    R: IntoPluginOutput,
{
    finish_plugin(call_plugin(input, process))
}

/// The whole `process` step of a [view](crate::view) plugin, encoded for the host: locate
/// the directives in `input`, call `process` with the [`LedgerView`], map an `Err`, validate
/// and encode the answer. Input whose frame cannot be read, or a field `process` read that
/// cannot be decoded, yields every directive kept and an error naming the problem, as
/// [`run_plugin`] answers undecodable input.
///
/// ```
/// use rlplugin::guest::run_view_plugin;
/// use rlplugin::view::LedgerView;
///
/// // [[], [[], nil], nil]: an empty ledger.
/// let bytes = run_view_plugin(b"\x93\x90\x92\x90\xc0\xc0", |ledger: LedgerView<'_>| ledger.ops());
/// assert_eq!(bytes, b"\x92\x90\x90"); // [[], []]
/// ```
pub fn run_view_plugin<F, R>(input: &[u8], process: F) -> Vec<u8>
where
    F: FnOnce(LedgerView<'_>) -> R,
    R: IntoViewOps,
{
    call_view_plugin(input, process, ViewOps::encode, |output| {
        let bytes = codec::encode_plugin_output(&output);
        discard(output);
        bytes
    })
}

/// [`run_view_plugin`]'s answer as the drop-in API has it, each edited directive decoded:
/// for a view plugin's native tests.
///
/// ```
/// use rlplugin::guest::view_plugin_output;
/// use rlplugin::view::{encode_input, LedgerView};
/// use rlplugin::{PluginInput, PluginOp};
///
/// let input = PluginInput { directives: vec![], options: Default::default(), config: None };
/// let output = view_plugin_output(&encode_input(&input), |ledger: LedgerView<'_>| ledger.ops());
/// assert!(output.ops.is_empty() && output.errors.is_empty());
///
/// // Two directives announced, then garbage: both are kept, and the error says why.
/// let output = view_plugin_output(b"\x93\x92\xc1\xc1", |ledger: LedgerView<'_>| ledger.ops());
/// assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
/// assert!(output.errors[0].message.starts_with("cannot decode the plugin input"));
/// ```
pub fn view_plugin_output<F, R>(input: &[u8], process: F) -> PluginOutput
where
    F: FnOnce(LedgerView<'_>) -> R,
    R: IntoViewOps,
{
    call_view_plugin(input, process, ViewOps::output, |mut output| {
        crate::validate::check_plugin_output(&mut output);
        output
    })
}

fn call_view_plugin<F, R, T>(
    input: &[u8],
    process: F,
    answer: impl FnOnce(ViewOps) -> T,
    undecodable: impl FnOnce(PluginOutput) -> T,
) -> T
where
    F: FnOnce(LedgerView<'_>) -> R,
    R: IntoViewOps,
{
    let frame = match codec::lazy::frame(input) {
        Ok(frame) => frame,
        Err(error) => return undecodable(undecodable_plugin_input(input, &error)),
    };
    let ledger = LedgerView::new(&frame);
    let ops = process(ledger).into_view_ops(ledger.len());
    match frame.errors.take() {
        None => answer(ops),
        Some(error) => {
            discard(ops);
            undecodable(undecodable_plugin_input(input, &error))
        }
    }
}

/// The `metadata` step, encoded for the host.
///
/// ```
/// let bytes = rlplugin::guest::run_metadata("a".into(), "b".into());
/// assert_eq!(bytes, b"\x92\xa1a\xa1b");
/// ```
#[must_use]
pub fn run_metadata(name: String, description: String) -> Vec<u8> {
    codec::encode_metadata_output(&MetadataOutput { name, description })
}

/// The `identify` step: decode the path and ask `identify`. Undecodable input answers
/// "no match", which is also what the host does when `identify` fails.
///
/// ```
/// use rlplugin::guest::identify_output;
///
/// // ["bank.csv"]
/// assert!(identify_output(b"\x91\xa8bank.csv", |path| path.ends_with(".csv")).matches);
/// assert!(!identify_output(b"\xc1", |_| true).matches);
/// ```
pub fn identify_output<F>(input: &[u8], identify: F) -> IdentifyOutput
where
    F: FnOnce(&str) -> bool,
{
    let matches = codec::decode_identify_input(input).is_ok_and(|input| identify(&input.path));
    IdentifyOutput { matches }
}

/// [`identify_output`], encoded for the host.
///
/// ```
/// let bytes = rlplugin::guest::run_identify(b"\x91\xa5a.csv", |path| path.ends_with(".csv"));
/// assert_eq!(bytes, b"\x91\xc3");
/// ```
pub fn run_identify<F>(input: &[u8], identify: F) -> Vec<u8>
where
    F: FnOnce(&str) -> bool,
{
    codec::encode_identify_output(&identify_output(input, identify))
}

/// The `extract` step: decode, call `extract`, map an `Err`, drop (with an error) every
/// directive the host would reject. Undecodable input yields an empty output and an error.
///
/// ```
/// use rlplugin::{guest::importer_output, ImporterOutput};
///
/// let output = importer_output(b"\xc1", |_| ImporterOutput::empty());
/// assert!(output.errors[0].message.starts_with("cannot decode the importer input"));
/// ```
pub fn importer_output<F, R>(input: &[u8], extract: F) -> ImporterOutput
where
    F: FnOnce(ImporterInput) -> R,
    R: IntoImporterOutput,
{
    let mut output = match codec::decode_importer_input(input) {
        Ok(input) => extract(input).into_importer_output(),
        Err(error) => failed_import(undecodable_import(&error)),
    };
    crate::validate::check_importer_output(&mut output);
    output
}

/// [`importer_output`], encoded for the host.
///
/// ```
/// let bytes = rlplugin::guest::run_extract(b"\x95\xa0\x90\xa0\xc0\x80", |input| {
///     assert!(input.content.is_empty());
///     rlplugin::ImporterOutput::empty()
/// });
/// assert_eq!(bytes, b"\x93\x90\x90\x90");
/// ```
pub fn run_extract<F, R>(input: &[u8], extract: F) -> Vec<u8>
where
    F: FnOnce(ImporterInput) -> R,
    R: IntoImporterOutput,
{
    codec::encode_importer_output(&importer_output(input, extract))
}

/// The `extract_enriched` step, like [`importer_output`].
///
/// ```
/// use rlplugin::guest::{default_enriched_from, enriched_output};
///
/// let output = enriched_output(b"\x95\xa0\x90\xa0\xc0\x80", |_| {
///     default_enriched_from(rlplugin::ImporterOutput::empty())
/// });
/// assert!(output.entries.is_empty() && output.errors.is_empty());
/// ```
pub fn enriched_output<F, R>(input: &[u8], extract_enriched: F) -> EnrichedImporterOutput
where
    F: FnOnce(ImporterInput) -> R,
    R: IntoEnrichedOutput,
{
    let mut output = match codec::decode_importer_input(input) {
        Ok(input) => extract_enriched(input).into_enriched_output(),
        Err(error) => failed_import(undecodable_import(&error)).into(),
    };
    crate::validate::check_enriched_output(&mut output);
    output
}

/// [`enriched_output`], encoded for the host.
///
/// ```
/// let bytes = rlplugin::guest::run_extract_enriched(b"\xc0", |_| {
///     rlplugin::guest::default_enriched_from(rlplugin::ImporterOutput::empty())
/// });
/// assert!(bytes.starts_with(b"\x93\x90\x90\x91")); // no entries or warnings, one error
/// ```
pub fn run_extract_enriched<F, R>(input: &[u8], extract_enriched: F) -> Vec<u8>
where
    F: FnOnce(ImporterInput) -> R,
    R: IntoEnrichedOutput,
{
    codec::encode_enriched_output(&enriched_output(input, extract_enriched))
}

#[cold]
#[inline(never)]
fn undecodable_import(error: &codec::DecodeError) -> String {
    concat(&[
        "cannot decode the importer input (",
        &error.message(),
        "); nothing was imported; rebuild the importer with an rlplugin release that \
         supports this rustledger version",
    ])
}

/// Hands `bytes` to the host as an export's `(ptr << 32) | len` return value, leaking them
/// (the host reads them after the export returns, then discards the instance).
///
/// # Panics
///
/// Outside a wasm32 guest, where a pointer does not fit the 32 bits the host reads.
#[cfg(feature = "guest")]
#[must_use]
pub fn pack_output(bytes: Vec<u8>) -> u64 {
    crate::abi::pack_vec(bytes)
}

/// Decodes the `len` bytes the host wrote at `ptr` with rmp-serde.
///
/// # Safety
///
/// `ptr..ptr + len` must be memory the host filled after calling `alloc(len)`, as it is
/// inside an export the host called.
///
/// # Errors
///
/// rmp-serde's error when the bytes are not a `T`.
///
/// # Panics
///
/// Outside a wasm32 guest, where `ptr` is not an address.
#[cfg(feature = "guest")]
pub unsafe fn decode_input<T: serde::de::DeserializeOwned>(
    ptr: u32,
    len: u32,
) -> Result<T, DecodeError> {
    // SAFETY: forwarded from the caller.
    from_slice(unsafe { crate::abi::input(ptr, len) })
}
