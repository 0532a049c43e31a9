//! What macro expansions call. Not public API: names and signatures may change in any
//! release. Each item either re-exports an ABI step or pins a user function's signature so
//! that a mismatch is reported at the user's code.

#[cfg(feature = "log")]
pub use crate::abi::log_record;
pub use crate::abi::{
    abi_version, alloc, extract, extract_enriched, identify, metadata, panic_info, process,
};
pub use crate::guest::default_enriched_from;
#[cfg(feature = "log")]
pub use crate::log::write as log_line;
/// The export names, as the `export_name` attributes need them.
pub use rlplugin_types::__export_name as export_name;

use rlplugin_types::{
    EnrichedImporterOutput, ImporterInput, ImporterOutput, PluginInput, PluginOutput,
};

use crate::guest::{IntoEnrichedOutput, IntoImporterOutput, IntoPluginOutput};

/// Accepts a `process` function of any supported shape. The opaque return type already
/// satisfies every later bound, so a wrong signature is reported once, here.
pub fn plugin_process<F, R>(process: F) -> impl Fn(PluginInput) -> PluginOutput
where
    F: Fn(PluginInput) -> R,
    R: IntoPluginOutput,
{
    move |input| {
        let input_len = input.directives.len();
        process(input).into_plugin_output(input_len)
    }
}

/// Accepts an `identify` function.
pub fn importer_identify<F>(identify: F) -> impl Fn(&str) -> bool
where
    F: Fn(&str) -> bool,
{
    identify
}

/// Accepts an `extract` function of any supported shape.
pub fn importer_extract<F, R>(extract: F) -> impl Fn(ImporterInput) -> ImporterOutput
where
    F: Fn(ImporterInput) -> R,
    R: IntoImporterOutput,
{
    move |input| extract(input).into_importer_output()
}

/// Accepts an `extract_enriched` function of any supported shape.
pub fn importer_extract_enriched<F, R>(
    extract_enriched: F,
) -> impl Fn(ImporterInput) -> EnrichedImporterOutput
where
    F: Fn(ImporterInput) -> R,
    R: IntoEnrichedOutput,
{
    move |input| extract_enriched(input).into_enriched_output()
}

/// The `extract_enriched` of an importer that only has `extract`.
pub fn default_extract_enriched(
    extract: impl Fn(ImporterInput) -> ImporterOutput,
) -> impl Fn(ImporterInput) -> EnrichedImporterOutput {
    move |input| default_enriched_from(extract(input))
}

/// The `metadata` strings, from anything the user may write (`&str`, `String`, a constant).
pub fn text<T: ToString + ?Sized>(value: &T) -> String {
    value.to_string()
}
