//! Benchmark guest: the validator (`validator.rs`) through rlplugin's borrowed view: reads
//! every posting of every transaction and keeps every directive, reporting postings whose
//! amount is incomplete. rlplugin only (rustledger's SDK has no view).

use rustledger_plugin_types::view::{Kind, LedgerView, ViewOps};
use rustledger_plugin_types::{PluginError, PluginErrorSeverity, wasm_plugin_main};

fn process(ledger: LedgerView<'_>) -> ViewOps {
    let mut ops = ledger.ops();
    for directive in ledger.directives() {
        if directive.kind() != Some(Kind::Transaction) {
            continue;
        }
        for posting in directive.postings() {
            let complete = posting
                .units()
                .is_some_and(|units| !units.number.is_empty() && !units.currency.is_empty());
            if !complete {
                ops.error(PluginError {
                    message: format!("posting to {} has no complete amount", posting.account()),
                    source_file: directive.filename().map(str::to_owned),
                    line_number: directive.lineno(),
                    severity: PluginErrorSeverity::Error,
                });
            }
        }
    }
    ops
}

wasm_plugin_main! { view: process }
