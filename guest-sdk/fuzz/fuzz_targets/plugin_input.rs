//! Any bytes as `process` input: the decoder accepts them or names the offset it stopped
//! at, and the export's path answers either the plugin's output or passthrough plus one
//! error. A decoded input's directives encode back exactly as the host would.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rlplugin::{PluginOutput, codec, guest};
use rlplugin_fuzz::{check_error, directives_encode_like_upstream};

fuzz_target!(|bytes: &[u8]| {
    let decoded = codec::decode_plugin_input(bytes);
    let count = codec::count_input_directives(bytes);
    let output = guest::plugin_output(bytes, |input| {
        PluginOutput::passthrough(input.directives.len())
    });
    match decoded {
        Ok(input) => {
            assert_eq!(count, Some(input.directives.len()));
            assert!(output.errors.is_empty(), "{:?}", output.errors);
            assert_eq!(output.ops.len(), input.directives.len());
            directives_encode_like_upstream(input.directives);
        }
        Err(error) => {
            check_error(&error, bytes);
            assert_eq!(output.errors.len(), 1, "{:?}", output.errors);
            let kept = count.unwrap_or(0);
            assert_eq!(output.ops, PluginOutput::passthrough(kept).ops);
        }
    }
    // Validation and encoding of whatever the export would send.
    let _ = guest::run_plugin(bytes, |input| {
        PluginOutput::passthrough(input.directives.len())
    });
});
