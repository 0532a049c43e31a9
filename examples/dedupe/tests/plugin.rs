//! The dedupe plugin in rustledger's production sandbox: snapshots of the deduplicated
//! ledger and its warnings, the real loader end to end, and the fuel budget.

use rlplugin_bench::budget::{self, Ledger};
use rlplugin_testkit::Guest;

const LEDGER: &str = include_str!("fixtures/twice-imported.beancount");

fn guest() -> Guest {
    Guest::build()
        .run()
        .expect("the dedupe guest builds and loads")
}

#[test]
fn deletes_the_later_copy_of_each_duplicate() {
    let run = guest().plugin().ledger(LEDGER).run().unwrap();
    insta::assert_snapshot!("deletes_the_later_copy_of_each_duplicate", run);
}

#[test]
fn dry_run_keeps_both_and_warns() {
    let run = guest()
        .plugin()
        .ledger(LEDGER)
        .config("dry_run=true")
        .run()
        .unwrap();
    insta::assert_snapshot!("dry_run_keeps_both_and_warns", run);
}

#[test]
fn bad_dry_run_value_is_a_config_error() {
    let run = guest()
        .plugin()
        .ledger(LEDGER)
        .config("dry_run=maybe")
        .run()
        .unwrap();
    insta::assert_snapshot!("bad_dry_run_value_is_a_config_error", run);
}

#[test]
fn rledger_check_loads_each_transaction_once() {
    let outcome = guest().rledger_check().ledger(LEDGER).run().unwrap();
    assert_eq!(outcome.aborted(), None);
    let diagnostics = outcome.diagnostics();
    assert_eq!(diagnostics.len(), 2, "{outcome}");
    // Fixture lines 24 and 28 (the second import) are deleted; each warning names the
    // first import's line. The kit's `plugin` line shifts every line by one.
    let all = diagnostics.join("\n");
    for expected in [
        "ledger.beancount:25 ",
        "ledger.beancount:29 ",
        "at line 12 ",
        "at line 16 ",
    ] {
        assert!(all.contains(expected), "{expected} missing in:\n{all}");
    }
    let text = outcome.ledger_text();
    assert_eq!(text.matches("Liabilities:Card").count(), 2, "{text}");
    assert!(!text.contains("REWE MARKT 0421 KOELN"), "{text}");
    assert_eq!(text.matches("\"Cafe Luna\"").count(), 3, "{text}");
}

#[test]
fn stays_within_budget_on_bean_example() {
    let run = budget::run(guest().plugin(), Ledger::BeanExample).unwrap();
    budget::check("dedupe", Ledger::BeanExample, &run);
}

#[test]
fn fuel_on_bean_example_holds_at_the_committed_figure() {
    let run = budget::run(guest().plugin(), Ledger::BeanExample).unwrap();
    budget::guard("dedupe", Ledger::BeanExample, &run);
}

#[test]
#[ignore = "over the 50% budget today; what it uses is in host-testkit/bench/figures.json"]
fn stays_within_budget_on_the_heavy_ledger() {
    let run = budget::run(guest().plugin(), Ledger::Heavy).unwrap();
    budget::check("dedupe", Ledger::Heavy, &run);
}

#[test]
fn fuel_on_the_heavy_ledger_holds_at_the_committed_figure() {
    let run = budget::run(guest().plugin(), Ledger::Heavy).unwrap();
    budget::guard("dedupe", Ledger::Heavy, &run);
}
