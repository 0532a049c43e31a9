//! Code written for rustledger-plugin-types 0.24, unchanged, against rlplugin under that name
//! (what `rustledger-plugin-types = { package = "rlplugin", … }` does).

extern crate rlplugin as rustledger_plugin_types;

mod plugin {
    use rustledger_plugin_types::*;

    fn process(input: PluginInput) -> PluginOutput {
        let mut ops = Vec::with_capacity(input.directives.len());
        for (i, mut wrapper) in input.directives.into_iter().enumerate() {
            if let DirectiveData::Transaction(ref mut txn) = wrapper.data {
                txn.tags.push("processed".to_string());
                ops.push(PluginOp::Modify(i, wrapper));
            } else {
                ops.push(PluginOp::Keep(i));
            }
        }
        PluginOutput {
            ops,
            errors: vec![],
        }
    }

    rustledger_plugin_types::wasm_plugin_main! {
        process: process,
    }
}

mod importer {
    use rustledger_plugin_types::{
        EnrichedImporterOutput, ImporterInput, ImporterOutput, guest::default_enriched_from,
        wasm_importer_main,
    };

    fn identify(path: &str) -> bool {
        path.ends_with(".mt940")
    }

    fn extract(_input: ImporterInput) -> ImporterOutput {
        ImporterOutput::empty()
    }

    fn extract_enriched(input: ImporterInput) -> EnrichedImporterOutput {
        default_enriched_from(extract(input))
    }

    wasm_importer_main! {
        name: "MT940",
        description: "MT940 bank statement importer",
        identify: identify,
        extract: extract,
        extract_enriched: extract_enriched,
    }
}

fn main() {
    assert_eq!(rustledger_plugin_types::ABI_VERSION, 1);
    assert!(rustledger_plugin_types::validate_op_coverage(0, &[]).is_ok());
}
