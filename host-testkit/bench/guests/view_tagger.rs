//! Benchmark guest: the tagger (`tagger.rs`) through rlplugin's borrowed view: adds the tag
//! `reviewed` to every transaction with an edit and keeps everything else. rlplugin only.

use rustledger_plugin_types::view::{Kind, LedgerView, ViewOps};
use rustledger_plugin_types::{OpsError, wasm_plugin_main};

fn process(ledger: LedgerView<'_>) -> Result<ViewOps, OpsError> {
    let mut ops = ledger.ops();
    for directive in ledger.directives() {
        if directive.kind() == Some(Kind::Transaction) {
            ops.edit(directive.edit().push_tag("reviewed"))?;
        }
    }
    Ok(ops)
}

wasm_plugin_main! { view: process }
