//! What every fuzz target asserts, beyond "no panic": a rejected input is a
//! [`DecodeError`] that points into the input, and whatever we encode is byte for byte what
//! the production host's own encoder writes for the same value.

use rlplugin::codec::{self, DecodeError};
use rlplugin_types as ours;

/// The workspace's conversions to rustledger-plugin-types 0.24.
pub use rlplugin_bench::wire as support;

use support::WireNormalized;

/// A rejection must name an offset inside the input (the end counts: "the input ended") and
/// say what was expected there.
pub fn check_error(error: &DecodeError, input: &[u8]) {
    assert!(
        error.offset() <= input.len(),
        "offset {} past the end of {} input bytes: {error}",
        error.offset(),
        input.len()
    );
    assert!(!error.expected().is_empty(), "no expectation in {error:?}");
    let message = error.to_string();
    assert!(message.starts_with("input byte "), "{message}");
}

/// `rmp_serde::to_vec` of `value`, as the host encodes.
pub fn host_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    rmp_serde::to_vec(value).expect("rustledger's types always encode")
}

/// Our encoding of `output` equals the host's encoding of the same value.
pub fn plugin_output_encodes_like_upstream(output: &ours::PluginOutput) {
    let ours = codec::encode_plugin_output(output);
    let theirs = host_bytes(&support::to_upstream_output(output));
    assert_eq!(ours, theirs, "encoding differs for {output:#?}");
}

/// Sends decoded directives back (as modifications), which must encode exactly as the host
/// would encode them.
pub fn directives_encode_like_upstream(directives: Vec<ours::DirectiveWrapper>) {
    let output = ours::PluginOutput {
        ops: directives
            .into_iter()
            .enumerate()
            .map(|(index, directive)| ours::PluginOp::Modify(index, directive))
            .collect(),
        errors: Vec::new(),
    };
    plugin_output_encodes_like_upstream(&output);
}

/// Debug text, which (unlike `PartialEq`) includes `filename`, `lineno` and spans.
pub fn same<T: core::fmt::Debug>(decoded: &T, expected: &T) {
    let (decoded, expected) = (format!("{decoded:#?}"), format!("{expected:#?}"));
    assert_eq!(decoded, expected, "decoded value differs");
}

/// `value` after the host encodes it and we decode it.
pub fn wire<T: WireNormalized>(value: &T) -> T {
    value.wire_normalized()
}
