//! Runs the importer through rustledger's production importer host (same wasmtime, fuel and
//! memory limits) on `statement-2024-03.txt`, the statement the README's `rlplugin import`
//! command uses.

use rlplugin_testkit::Guest;

#[test]
fn statement_rows_become_transactions() -> Result<(), rlplugin_testkit::Error> {
    // Builds this crate for wasm32 once per test process.
    let guest = Guest::build().run()?;
    let import = guest
        .importer()
        .statement_file("statement-2024-03.txt")
        .account("Assets:Bank:Checking")
        .currency("USD")
        .run()?;
    assert!(
        import.identified(),
        "identify() should accept statement-2024-03.txt"
    );
    insta::assert_snapshot!("statement_rows_become_transactions", import);
    Ok(())
}
