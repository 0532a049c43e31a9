//! Benchmark guest: reads every posting of every transaction and keeps every directive,
//! reporting postings whose amount is incomplete. Built unchanged against rlplugin and
//! against rustledger-plugin-types 0.24: only the dependency behind the name
//! `rustledger_plugin_types` differs.

use rustledger_plugin_types::{
    DirectiveData, PluginError, PluginErrorSeverity, PluginInput, PluginOutput, wasm_plugin_main,
};

fn process(input: PluginInput) -> PluginOutput {
    let mut output = PluginOutput::passthrough(input.directives.len());
    for directive in &input.directives {
        let DirectiveData::Transaction(txn) = &directive.data else {
            continue;
        };
        for posting in &txn.postings {
            let complete = posting
                .units
                .as_ref()
                .is_some_and(|units| !units.number.is_empty() && !units.currency.is_empty());
            if !complete {
                output.errors.push(PluginError {
                    message: format!("posting to {} has no complete amount", posting.account),
                    source_file: directive.filename.clone(),
                    line_number: directive.lineno,
                    severity: PluginErrorSeverity::Error,
                });
            }
        }
    }
    output
}

wasm_plugin_main! { process: process }
