//! Runs the plugin in rustledger's production sandbox (same wasmtime, fuel and memory limits)
//! on `ledger.beancount`, the ledger the README's `rlplugin run` command uses.

use rlplugin_testkit::Guest;

const LEDGER: &str = include_str!("../ledger.beancount");

#[test]
fn large_expenses_are_tagged() -> Result<(), rlplugin_testkit::Error> {
    // Builds this crate for wasm32 once per test process.
    let guest = Guest::build().run()?;
    let run = guest.plugin().ledger(LEDGER).run()?;
    // rustledger allows 30,000,000 fuel per call; keep far below it so real ledgers fit.
    run.assert_within(5.0);
    insta::assert_snapshot!("large_expenses_are_tagged", run);
    Ok(())
}
