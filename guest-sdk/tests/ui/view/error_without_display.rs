use rlplugin::view::{LedgerView, ViewOps};
use rlplugin::wasm_plugin_main;

struct Problem;

fn process(ledger: LedgerView<'_>) -> Result<ViewOps, Problem> {
    Ok(ledger.ops())
}

wasm_plugin_main! { view: process }

fn main() {}
