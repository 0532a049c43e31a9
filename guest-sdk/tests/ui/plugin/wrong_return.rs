use rlplugin::{wasm_plugin_main, PluginInput, PluginOp};

fn process(input: PluginInput) -> Vec<PluginOp> {
    (0..input.directives.len()).map(PluginOp::Keep).collect()
}

wasm_plugin_main! { process: process }

fn main() {}
