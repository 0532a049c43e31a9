use rlplugin::{wasm_plugin_main, PluginInput, PluginOutput};

struct Oops;

fn process(_input: PluginInput) -> Result<PluginOutput, Oops> {
    Err(Oops)
}

wasm_plugin_main! { process: process }

fn main() {}
