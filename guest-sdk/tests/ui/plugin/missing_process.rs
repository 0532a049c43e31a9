fn process(input: rlplugin::PluginInput) -> rlplugin::PluginOutput {
    rlplugin::PluginOutput::passthrough(input.directives.len())
}

rlplugin::wasm_plugin_main! { proces: process }

fn main() {}
