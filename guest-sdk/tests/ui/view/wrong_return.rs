use rlplugin::view::LedgerView;
use rlplugin::{wasm_plugin_main, PluginOutput};

fn process(ledger: LedgerView<'_>) -> PluginOutput {
    PluginOutput::passthrough(ledger.len())
}

wasm_plugin_main! { view: process }

fn main() {}
