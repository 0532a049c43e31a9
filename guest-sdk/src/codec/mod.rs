//! Schema-specialised MessagePack reader and writer used inside the guest instead of
//! rmp-serde.
//!
//! The host encodes its input with `rmp_serde::to_vec` and decodes our output with
//! `rmp_serde::from_slice`, so the wire format is fixed; only how the guest reads and writes
//! it is ours. A generic serde decoder spends most of a plugin's fuel budget (and more again
//! through the directive wrapper's `flatten`, which buffers every field first); these
//! functions walk the bytes along the known schema instead and build the `rlplugin-types`
//! values directly. A wasm32 guest with the arena, which owns the host's input for good,
//! leaves the strings of directives in the host's usual layout where they are in it: each
//! `String` owns its bytes of the input, so decoding a string neither allocates nor copies.
//!
//! Decoding is tolerant, so a guest keeps working when a newer host appends fields: extra
//! trailing array elements are skipped, missing trailing elements that have a default are
//! defaulted, unknown map keys are skipped, directive keys may come in any order, and any
//! integer marker is accepted when the value fits. Encoding is exact: the bytes equal what
//! `rmp_serde::to_vec` writes for rustledger-plugin-types 0.24's equivalent value.
//!
//! Nothing here panics on malformed input; every failure is a [`DecodeError`] naming the
//! byte offset and what was expected there.

mod decode;
/// Left out of size builds (opt-level "s"/"z", see build.rs); its tests run natively.
#[cfg(not(rlplugin_small))]
mod fast;
/// The fast path and the general decoder apart, for the fuzz targets (`guest-sdk/fuzz`).
#[cfg(all(feature = "fuzzing", not(rlplugin_small)))]
#[doc(hidden)]
pub mod fuzzing;
/// What the borrowed view reads and writes with.
pub(crate) mod lazy;
mod read;
/// The directive map's keys, their order, defaults and error labels, declared once for the
/// decoders and the encoder.
mod schema;
mod write;

/// The compatibility suite's strategies and conversions to rustledger's types.
#[cfg(test)]
use rlplugin_bench::wire as support;

/// Every how many bytes the tests that cut an input short try a cut: interpreted, each walk
/// or decode is slow enough that every cut of every input would dominate the Miri run.
#[cfg(test)]
pub(crate) const CUT_STRIDE: usize = if cfg!(miri) { 29 } else { 1 };

use core::fmt;

use rlplugin_types::{
    EnrichedImporterOutput, IdentifyInput, IdentifyOutput, ImporterInput, ImporterOutput,
    MetadataOutput, PluginInput, PluginOutput,
};

use read::{ErrorSink, Reader};

use crate::text::{concat, decimal};

/// Why host input could not be decoded: where, and what was expected there.
///
/// Displays as `input byte 123: expected a string (account), found an array`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(Box<Details>);

/// Boxed, so that every `Result` the decoder passes around stays as small as its `Ok` value:
/// moving bytes costs fuel.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Details {
    offset: usize,
    expected: &'static str,
    found: Found,
}

/// What stood at the offending offset.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    /// The input ended before the value did.
    End,
    /// A value of the wrong kind, described by its marker byte.
    Marker(u8),
    /// A value of the right kind that is still unacceptable.
    Other(String),
}

impl DecodeError {
    #[cold]
    fn new(offset: usize, expected: &'static str, found: Found) -> Self {
        Self(Box::new(Details {
            offset,
            expected,
            found,
        }))
    }

    /// Byte offset in the input of the value that could not be decoded.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// What the decoder expected at [`offset`](Self::offset).
    #[must_use]
    pub fn expected(&self) -> &'static str {
        self.0.expected
    }
}

impl DecodeError {
    /// The message [`Display`](fmt::Display) writes, built without `core::fmt` so that a
    /// guest reporting undecodable input links no formatting code for it.
    pub(crate) fn message(&self) -> String {
        let Details {
            offset,
            expected,
            found,
        } = &*self.0;
        let offset = decimal(*offset);
        let hex;
        let found: [&str; 4] = match found {
            Found::End => ["the end of the input", "", "", ""],
            Found::Marker(marker) => {
                const DIGITS: &[u8; 16] = b"0123456789abcdef";
                hex = [
                    DIGITS[usize::from(marker >> 4)],
                    DIGITS[usize::from(marker & 0x0f)],
                ];
                // SAFETY: both bytes are ASCII hex digits.
                let hex = unsafe { core::str::from_utf8_unchecked(&hex) };
                [marker_kind(*marker), " (0x", hex, ")"]
            }
            Found::Other(text) => [text, "", "", ""],
        };
        concat(&[
            "input byte ",
            offset.as_str(),
            ": expected ",
            expected,
            ", found ",
            found[0],
            found[1],
            found[2],
            found[3],
        ])
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for DecodeError {}

/// A human name for the kind of value a MessagePack marker byte starts.
const fn marker_kind(marker: u8) -> &'static str {
    match marker {
        0x00..=0x7f | 0xcc..=0xcf => "an unsigned integer",
        0xe0..=0xff | 0xd0..=0xd3 => "a signed integer",
        0x80..=0x8f | 0xde | 0xdf => "a map",
        0x90..=0x9f | 0xdc | 0xdd => "an array",
        0xa0..=0xbf | 0xd9..=0xdb => "a string",
        0xc0 => "nil",
        0xc2 | 0xc3 => "a boolean",
        0xc4..=0xc6 => "binary data",
        0xca | 0xcb => "a float",
        0xc7..=0xc9 | 0xd4..=0xd8 => "an extension value",
        0xc1 => "the unused marker",
    }
}

/// Decodes the `process` input the host sent.
///
/// ```
/// # use rlplugin::codec::decode_plugin_input;
/// // [[], [[], nil], "cfg"]: no directives, no options, config "cfg"; account types defaulted.
/// let input = decode_plugin_input(b"\x93\x90\x92\x90\xc0\xa3cfg").unwrap();
/// assert_eq!(input.config.as_deref(), Some("cfg"));
/// assert_eq!(input.options.account_types.assets, "Assets");
/// ```
///
/// # Errors
///
/// Any byte sequence that is not a `PluginInput`, with the offset of the first bad value.
pub fn decode_plugin_input(bytes: &[u8]) -> Result<PluginInput, DecodeError> {
    let sink = ErrorSink::default();
    let mut reader = Reader::new(bytes, &sink);
    let input = decode::plugin_input(&mut reader);
    reader.finish(input)
}

/// [`decode_plugin_input`] on the host's input, which a guest built with the arena owns
/// for good: there the directives' strings are left in place in it (each `String` owns its
/// bytes of the input) instead of copied out.
///
/// # Safety
///
/// `ptr..ptr + len` is readable. Under the arena on wasm32, moreover, it is the block the
/// `alloc` export handed the host (whose address it exposed), and nothing but the decoded
/// values reads or writes it once they are handed out.
pub(crate) unsafe fn decode_host_plugin_input(
    ptr: *const u8,
    len: usize,
) -> Result<PluginInput, DecodeError> {
    // SAFETY: readable, by the caller's promise.
    let bytes = unsafe { core::slice::from_raw_parts(ptr, len) };
    let sink = ErrorSink::default();
    let mut reader = Reader::new(bytes, &sink);
    // SAFETY: the arena's half of the caller's promise.
    #[cfg(rlplugin_in_place)]
    let input = unsafe { decode::plugin_input_in_place(&mut reader) };
    #[cfg(not(rlplugin_in_place))]
    let input = decode::plugin_input(&mut reader);
    reader.finish(input)
}

/// Reads only the directive count of a `PluginInput` (the first two array headers), so a
/// guest that cannot decode its input can still answer `passthrough(n)`.
///
/// ```
/// # use rlplugin::codec::count_input_directives;
/// assert_eq!(count_input_directives(b"\x93\x92\xff\xff"), Some(2));
/// assert_eq!(count_input_directives(b"\x93\xc0"), None);
/// // Four billion directives announced in six bytes.
/// assert_eq!(count_input_directives(b"\x93\xdd\xff\xff\xff\xff"), None);
/// ```
#[must_use]
pub fn count_input_directives(bytes: &[u8]) -> Option<usize> {
    let sink = ErrorSink::default();
    let mut reader = Reader::new(bytes, &sink);
    if reader.array_len("plugin input") == 0 {
        return None;
    }
    let count = reader.array_len("directives");
    // Every directive takes at least one byte: a header announcing more than the rest of
    // the input could hold is not a count to answer `passthrough` for (an op per phantom
    // directive would exhaust the guest's memory).
    let room = bytes.len() - reader.pos();
    reader.finish(count).ok().filter(|&count| count <= room)
}

/// Decodes the input of an importer's `extract` and `extract_enriched`.
///
/// # Errors
///
/// Any byte sequence that is not an `ImporterInput`.
pub fn decode_importer_input(bytes: &[u8]) -> Result<ImporterInput, DecodeError> {
    let sink = ErrorSink::default();
    let mut reader = Reader::new(bytes, &sink);
    let input = decode::importer_input(&mut reader);
    reader.finish(input)
}

/// Decodes the input of an importer's `identify`.
///
/// # Errors
///
/// Any byte sequence that is not an `IdentifyInput`.
pub fn decode_identify_input(bytes: &[u8]) -> Result<IdentifyInput, DecodeError> {
    let sink = ErrorSink::default();
    let mut reader = Reader::new(bytes, &sink);
    let input = decode::identify_input(&mut reader);
    reader.finish(input)
}

/// Encodes `process` output exactly as `rmp_serde::to_vec` would.
///
/// ```
/// # use rlplugin::{codec::encode_plugin_output, PluginOutput};
/// assert_eq!(
///     encode_plugin_output(&PluginOutput::passthrough(1)),
///     b"\x92\x91\x81\xa4Keep\x00\x90",
/// );
/// ```
#[must_use]
pub fn encode_plugin_output(output: &PluginOutput) -> Vec<u8> {
    write::plugin_output(output)
}

/// Encodes `extract` output exactly as `rmp_serde::to_vec` would.
#[must_use]
pub fn encode_importer_output(output: &ImporterOutput) -> Vec<u8> {
    write::importer_output(output)
}

/// Encodes `extract_enriched` output exactly as `rmp_serde::to_vec` would.
#[must_use]
pub fn encode_enriched_output(output: &EnrichedImporterOutput) -> Vec<u8> {
    write::enriched_output(output)
}

/// Encodes `metadata` output exactly as `rmp_serde::to_vec` would.
#[must_use]
pub fn encode_metadata_output(output: &MetadataOutput) -> Vec<u8> {
    write::metadata_output(output)
}

/// Encodes `identify` output exactly as `rmp_serde::to_vec` would.
#[must_use]
pub fn encode_identify_output(output: &IdentifyOutput) -> Vec<u8> {
    write::identify_output(*output)
}
