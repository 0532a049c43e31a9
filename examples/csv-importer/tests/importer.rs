//! The CSV importer in rustledger's production importer host: snapshots of the extracted
//! transactions and row diagnostics, and the fuel budget.

use std::fmt::Write as _;

use rlplugin_testkit::Guest;

fn guest() -> Guest {
    Guest::build()
        .run()
        .expect("the csv-importer guest builds and loads")
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn imports_a_statement() {
    let import = guest()
        .importer()
        .statement_file(fixture("statement.csv"))
        .account("Assets:Bank:Checking")
        .currency("EUR")
        .run()
        .unwrap();
    insta::assert_snapshot!("imports_a_statement", import);
}

#[test]
fn bad_rows_are_reported_with_their_lines() {
    let import = guest()
        .importer()
        .statement_file(fixture("bad-rows.csv"))
        .account("Assets:Bank:Checking")
        .currency("EUR")
        .run()
        .unwrap();
    insta::assert_snapshot!("bad_rows_are_reported_with_their_lines", import);
}

#[test]
fn german_export_with_options() {
    let import = guest()
        .importer()
        .statement_file(fixture("german-export.csv"))
        .account("Assets:Bank:Giro")
        .currency("EUR")
        .option("delimiter", ";")
        .option("skip_rows", "1")
        .option("date_format", "%d.%m.%Y")
        .option("invert_sign", "true")
        .option("default_expense", "Expenses:Groceries")
        .option("default_income", "Income:Salary")
        .run()
        .unwrap();
    insta::assert_snapshot!("german_export_with_options", import);
}

#[test]
fn unknown_header_is_one_clear_error() {
    let import = guest()
        .importer()
        .statement(
            "paypal.csv",
            "When,What,How much\n2024-03-01,Coffee,-3.50\n",
        )
        .account("Assets:PayPal")
        .currency("EUR")
        .run()
        .unwrap();
    insta::assert_snapshot!("unknown_header_is_one_clear_error", import);
}

#[test]
fn does_not_claim_other_files() {
    let import = guest()
        .importer()
        .statement("statement.ofx", "OFXHEADER:100\n")
        .account("Assets:Bank:Checking")
        .currency("EUR")
        .run()
        .unwrap();
    assert!(!import.identified(), "{import}");
}

#[test]
fn stays_within_budget_on_a_two_thousand_row_statement() {
    let mut csv = String::from("Date,Description,Amount,Memo\n");
    for row in 0..2_000u32 {
        let (month, day) = (row / 28 % 12 + 1, row % 28 + 1);
        let cents = i64::from(row * 7919 % 100_000) - 50_000;
        let sign = if cents < 0 { "-" } else { "" };
        let cents = cents.abs();
        writeln!(
            csv,
            "2024-{month:02}-{day:02},\"Shop {}, Branch {}\",{sign}{}.{:02},card payment {row}",
            row % 37,
            row % 5,
            cents / 100,
            cents % 100
        )
        .unwrap();
    }
    let import = guest()
        .importer()
        .statement("statement.csv", csv)
        .account("Assets:Bank:Checking")
        .currency("EUR")
        .option("skip_zero_amounts", "false")
        .run()
        .unwrap();
    assert_eq!(
        import.directives().len(),
        2_000,
        "{}",
        import.warnings().join("\n")
    );
    println!("csv-importer on 2,000 rows: {}", import.report());
    let used = import.report().production_fuel_percent();
    assert!(
        used <= 40.0,
        "used {used:.2}% of the fuel budget: {}",
        import.report()
    );
}
