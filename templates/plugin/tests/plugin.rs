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

#[test]
fn fits_a_heavy_ledger_in_half_the_budget() -> Result<(), rlplugin_testkit::Error> {
    let guest = Guest::build().run()?;
    // A heavy user's books, 30,000 directives: daily prices of six commodities,
    // transactions, balances. rustledger gives a plugin one call for the whole ledger, so half of the
    // budget leaves room for books to grow.
    let ledger = rlplugin_testkit::synthetic::heavy_ledger(30_000);
    let run = guest.plugin().ledger(ledger).run()?;
    run.assert_within(50.0);
    Ok(())
}
