//! Arbitrary values through the whole wire: the host encodes an input (`rmp_serde::to_vec`
//! of rustledger-plugin-types 0.24's value), we decode it to the same value, and what we
//! send back encodes byte for byte as the host's encoder writes the equivalent value.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rlplugin::codec;
use rlplugin_fuzz::{
    directives_encode_like_upstream, host_bytes, plugin_output_encodes_like_upstream, same,
    support, wire,
};
use rlplugin_types as ours;

#[derive(Arbitrary, Debug)]
enum Case {
    Plugin(ours::PluginInput),
    PluginOutput(ours::PluginOutput),
    Importer(ours::ImporterInput),
    Identify(ours::IdentifyInput),
    ImporterOutput(ours::ImporterOutput),
    Enriched(ours::EnrichedImporterOutput),
    Metadata(ours::MetadataOutput),
    Matches(ours::IdentifyOutput),
}

fuzz_target!(|case: Case| match case {
    Case::Plugin(input) => {
        let bytes = host_bytes(&support::to_upstream_input(&input));
        let decoded = codec::decode_plugin_input(&bytes).expect("host input decodes");
        same(&decoded, &wire(&input));
        assert_eq!(
            codec::count_input_directives(&bytes),
            Some(input.directives.len())
        );
        directives_encode_like_upstream(decoded.directives);
    }
    Case::PluginOutput(output) => plugin_output_encodes_like_upstream(&output),
    Case::Importer(input) => {
        let bytes = host_bytes(&support::to_upstream_importer_input(&input));
        let decoded = codec::decode_importer_input(&bytes).expect("host input decodes");
        assert_eq!(decoded, input);
    }
    Case::Identify(input) => {
        let bytes = host_bytes(&support::to_upstream_identify_input(&input));
        let decoded = codec::decode_identify_input(&bytes).expect("host input decodes");
        assert_eq!(decoded, input);
    }
    Case::ImporterOutput(output) => assert_eq!(
        codec::encode_importer_output(&output),
        host_bytes(&support::to_upstream_importer_output(&output)),
    ),
    Case::Enriched(output) => {
        let ours = codec::encode_enriched_output(&output);
        let theirs = host_bytes(&support::to_upstream_enriched_output(&output));
        assert_eq!(ours, theirs);
    }
    Case::Metadata(output) => assert_eq!(
        codec::encode_metadata_output(&output),
        host_bytes(&support::to_upstream_metadata_output(&output)),
    ),
    Case::Matches(output) => assert_eq!(
        codec::encode_identify_output(&output),
        host_bytes(&support::to_upstream_identify_output(&output)),
    ),
});
