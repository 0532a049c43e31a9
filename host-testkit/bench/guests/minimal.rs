//! Benchmark guest: keeps every directive. Measures the smallest module each SDK produces.

use rustledger_plugin_types::{PluginInput, PluginOutput, wasm_plugin_main};

fn process(input: PluginInput) -> PluginOutput {
    PluginOutput::passthrough(input.directives.len())
}

wasm_plugin_main! { process: process }
