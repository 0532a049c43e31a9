//! The categorize plugin in rustledger's production sandbox: snapshots of the resulting
//! ledger and diagnostics, the real loader end to end, and the fuel budget.

use rlplugin_testkit::{Guest, synthetic};

const LEDGER: &str = include_str!("fixtures/imported.beancount");

const RULES: &str = r#"{
  "rules": [
    {"payee": "amazon", "account": "Expenses:Shopping", "tag": "online"},
    {"payee": "rewe", "account": "Expenses:Groceries"},
    {"payee": "uber *", "account": "Expenses:Transport"},
    {"payee": "acme", "narration": "gehalt", "account": "Income:Salary"},
    {"payee": "cafe", "account": "Expenses:Coffee"}
  ]
}"#;

fn guest() -> Guest {
    Guest::build()
        .run()
        .expect("the categorize guest builds and loads")
}

#[test]
fn categorizes_imported_transactions() {
    let run = guest().plugin().ledger(LEDGER).config(RULES).run().unwrap();
    insta::assert_snapshot!("categorizes_imported_transactions", run);
}

#[test]
fn default_account_catches_unmatched_payees() {
    let config = r#"{"rules": [{"payee": "amazon", "account": "Expenses:Shopping"}], "default_account": "Expenses:Misc"}"#;
    let run = guest()
        .plugin()
        .ledger(LEDGER)
        .config(config)
        .run()
        .unwrap();
    insta::assert_snapshot!("default_account_catches_unmatched_payees", run);
}

#[test]
fn malformed_config_keeps_everything_and_says_why() {
    let run = guest()
        .plugin()
        .ledger(LEDGER)
        .config(r#"{"rules": [{"payee": "amazon", "acount": "Expenses:Shopping"}]}"#)
        .run()
        .unwrap();
    insta::assert_snapshot!("malformed_config_keeps_everything_and_says_why", run);
}

#[test]
fn rule_without_pattern_is_rejected() {
    let run = guest()
        .plugin()
        .ledger(LEDGER)
        .config(r#"{"rules": [{"account": "Expenses:Shopping"}]}"#)
        .run()
        .unwrap();
    insta::assert_snapshot!("rule_without_pattern_is_rejected", run);
}

#[test]
fn rledger_check_loads_the_categorized_ledger() {
    let outcome = guest()
        .rledger_check()
        .ledger(LEDGER)
        .config(RULES)
        .run()
        .unwrap();
    assert_eq!(outcome.aborted(), None);
    // Two warnings, no error: rustledger's parser flags the one-legged import (E3004)
    // before plugins run, and the plugin flags the payee no rule matches. The one-legged
    // import balances once the plugin has added its second leg.
    let diagnostics = outcome.diagnostics();
    assert_eq!(diagnostics.len(), 2, "{outcome}");
    assert!(
        diagnostics.iter().all(|d| d.contains(" warning ")),
        "{outcome}"
    );
    assert!(diagnostics.iter().any(|d| d.contains("E3004")), "{outcome}");
    assert!(
        diagnostics.iter().any(|d| d.contains("Kiosk 12")),
        "{outcome}"
    );
    let text = outcome.ledger_text();
    assert!(text.contains("Expenses:Shopping"), "{text}");
    assert!(text.contains("#online"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("Expenses:Coffee") && l.ends_with(" 3.50 EUR")),
        "{text}"
    );
}

#[test]
fn stays_within_budget_on_a_two_thousand_directive_ledger() {
    let config = r#"{"rules": [
        {"payee": "market", "account": "Expenses:Groceries", "tag": "food"},
        {"narration": "*rent*", "account": "Expenses:Rent"},
        {"payee": "noodle", "account": "Expenses:Restaurants"}
    ], "placeholder": "Expenses:Groceries"}"#;
    let run = guest()
        .plugin()
        .ledger(synthetic::ledger(2_000))
        .config(config)
        .run()
        .unwrap();
    assert!(
        run.summary().to_string().contains(" modified"),
        "{}",
        run.summary()
    );
    println!("categorize on 2,000 directives: {}", run.report());
    run.assert_within(40.0);
}
