//! Inputs the fuzz targets in `fuzz/` found or keep, replayed in the ordinary test suite
//! (see `FUZZING.md`): every input that once crashed a target, and the committed corpora of
//! the decoding targets, checked as the targets check them.

use std::path::{Path, PathBuf};

use rlplugin::{ImporterOutput, PluginOutput, codec, guest};

/// A directive count the input cannot hold made the undecodable-input answer allocate one
/// `Keep` op per announced directive: four billion from six bytes, which exhausts any guest.
#[test]
fn a_count_the_input_cannot_hold_keeps_the_ledger_unchanged() {
    let bytes = b"\x93\xdd\x0f\xff\xff\xff";
    let output = guest::plugin_output(bytes, |_| -> PluginOutput { unreachable!() });
    assert!(output.ops.is_empty(), "{:?}", output.ops);
    assert_eq!(output.errors.len(), 1);
    assert!(
        output.errors[0]
            .message
            .contains("the ledger was left unchanged"),
        "{}",
        output.errors[0].message
    );
    // The count is still believed while the input could hold it.
    let output = guest::plugin_output(b"\x93\x92\xc1\xc1", |_| -> PluginOutput { unreachable!() });
    assert_eq!(output.ops.len(), 2);
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} is empty", dir.display());
    inputs
}

fn check_error(error: &codec::DecodeError, input: &[u8], path: &Path) {
    assert!(
        error.offset() <= input.len(),
        "{}: offset past the input: {error}",
        path.display()
    );
    assert!(error.to_string().starts_with("input byte "), "{error}");
}

#[test]
fn plugin_input_corpus_decodes_or_passes_through_with_one_error() {
    for (path, bytes) in corpus("plugin_input") {
        let output = guest::plugin_output(&bytes, |input| {
            PluginOutput::passthrough(input.directives.len())
        });
        match codec::decode_plugin_input(&bytes) {
            Ok(input) => {
                assert!(output.errors.is_empty(), "{}", path.display());
                assert_eq!(output.ops.len(), input.directives.len());
            }
            Err(error) => {
                check_error(&error, &bytes, &path);
                assert_eq!(output.errors.len(), 1, "{}", path.display());
                let kept = codec::count_input_directives(&bytes).unwrap_or(0);
                assert_eq!(output.ops, PluginOutput::passthrough(kept).ops);
            }
        }
    }
}

#[test]
fn importer_input_corpus_decodes_or_imports_nothing_with_one_error() {
    for (path, bytes) in corpus("importer_input") {
        let output = guest::importer_output(&bytes, |_| ImporterOutput::empty());
        match codec::decode_importer_input(&bytes) {
            Ok(_) => assert!(output.errors.is_empty(), "{}", path.display()),
            Err(error) => {
                check_error(&error, &bytes, &path);
                assert_eq!(output.errors.len(), 1, "{}", path.display());
            }
        }
        if let Err(error) = codec::decode_identify_input(&bytes) {
            check_error(&error, &bytes, &path);
        }
    }
}

#[test]
fn config_corpus_parses_or_says_which_formats_work() {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Config {
        account: String,
        threshold: Option<u32>,
    }
    for (path, bytes) in corpus("config") {
        // libFuzzer hands the target only the inputs that are UTF-8.
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        for result in [
            rlplugin::config::<Config>(Some(text)).map(drop),
            rlplugin::config::<serde_json::Value>(Some(text)).map(drop),
        ] {
            if let Err(error) = result {
                let message = error.to_string();
                assert!(
                    message.ends_with("or as a JSON object"),
                    "{}: {message}",
                    path.display()
                );
            }
        }
    }
}
