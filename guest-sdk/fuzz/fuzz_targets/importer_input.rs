//! Any bytes as importer input (`extract`, `extract_enriched`) and as `identify` input: the
//! decoders accept them or name the offset they stopped at; through the exports' path an
//! undecodable input imports nothing and reports one error, or does not match.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rlplugin::{ImporterOutput, codec, guest};
use rlplugin_fuzz::check_error;

fuzz_target!(|bytes: &[u8]| {
    let decoded = codec::decode_importer_input(bytes);
    let output = guest::importer_output(bytes, |_| ImporterOutput::empty());
    match &decoded {
        Ok(_) => assert!(output.errors.is_empty(), "{:?}", output.errors),
        Err(error) => {
            check_error(error, bytes);
            assert!(output.directives.is_empty());
            assert_eq!(output.errors.len(), 1, "{:?}", output.errors);
        }
    }
    let enriched = guest::enriched_output(bytes, |_| {
        guest::default_enriched_from(ImporterOutput::empty())
    });
    assert_eq!(enriched.errors.len(), usize::from(decoded.is_err()));
    let _ = guest::run_extract(bytes, |_| ImporterOutput::empty());

    let identify = codec::decode_identify_input(bytes);
    if let Err(error) = &identify {
        check_error(error, bytes);
    }
    let matches = guest::identify_output(bytes, |_| true).matches;
    assert_eq!(matches, identify.is_ok());
});
