use rlplugin::{wasm_plugin_main, PluginInput, PluginOutput};

fn process(input: PluginInput) -> PluginOutput {
    PluginOutput::passthrough(input.directives.len())
}

wasm_plugin_main! { view: process }

fn main() {}
