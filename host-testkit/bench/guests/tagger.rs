//! Benchmark guest: adds the tag `reviewed` to every transaction (one `Modify` each) and
//! keeps everything else. Same source for both SDKs.

use rustledger_plugin_types::{
    DirectiveData, PluginInput, PluginOp, PluginOutput, wasm_plugin_main,
};

fn process(input: PluginInput) -> PluginOutput {
    let mut ops = Vec::with_capacity(input.directives.len());
    for (index, mut directive) in input.directives.into_iter().enumerate() {
        if let DirectiveData::Transaction(txn) = &mut directive.data {
            txn.tags.push("reviewed".to_string());
            ops.push(PluginOp::Modify(index, directive));
        } else {
            ops.push(PluginOp::Keep(index));
        }
    }
    PluginOutput {
        ops,
        errors: Vec::new(),
    }
}

wasm_plugin_main! { process: process }
