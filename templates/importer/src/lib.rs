//! {{project-name}}: a rustledger importer for a line-based bank statement.
//!
//! Each line of the statement is `DATE AMOUNT DESCRIPTION`, separated by spaces; blank lines
//! and lines starting with `#` are skipped:
//!
//! ```text
//! # date      amount    description
//! 2024-03-01  4200.00   ACME Corp salary
//! 2024-03-02  -1450.00  Rent March
//! ```
//!
//! Every row becomes a `!` transaction (flagged for review) between the statement's account
//! and `Expenses:Uncategorized` (money out) or `Income:Uncategorized` (money in). A row that
//! does not parse is reported with its line number, never dropped silently.
//!
//! Build it with `cargo build --target wasm32-unknown-unknown --release`; the tests in
//! `tests/` run it through rustledger's production importer host.

use rlplugin::{
    AmountData, DirectiveData, DirectiveWrapper, ImporterInput, ImporterOutput, PluginError,
    PostingData, TransactionData,
};

rlplugin::wasm_importer_main! {
    name: "{{project-name}}",
    description: "Bank statement lines: DATE AMOUNT DESCRIPTION",
    identify: identify,
    extract: extract,
}

/// Whether `path` names a statement of this bank: `statement*.txt`.
///
/// ```
/// assert!({{crate_name}}::identify("/downloads/statement-2024-03.txt"));
/// assert!(!{{crate_name}}::identify("/downloads/notes.txt"));
/// ```
pub fn identify(path: &str) -> bool {
    let name = file_name(path);
    name.starts_with("statement") && name.ends_with(".txt")
}

/// The last component of a path as the host sends it (Unix or Windows separators).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Turns each row of the statement into a transaction on `input.account`.
pub fn extract(input: ImporterInput) -> ImporterOutput {
    let mut output = ImporterOutput::empty();
    let Some(currency) = input.currency.as_deref() else {
        output.errors.push(PluginError::error(
            "no currency configured for the statement: pass one, e.g. `--currency USD`",
        ));
        return output;
    };
    let text = match std::str::from_utf8(&input.content) {
        Ok(text) => text,
        Err(error) => {
            output.errors.push(PluginError::error(format!(
                "{} is not UTF-8 text (invalid byte at offset {}): export the statement as UTF-8",
                input.path,
                error.valid_up_to()
            )));
            return output;
        }
    };
    // Rows are located by file name: what the user recognises, and the same wherever the
    // statement lives (so are the snapshots of the tests).
    let statement = file_name(&input.path);
    for (line_number, line) in (1..).zip(text.lines()) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_row(line) {
            Ok(row) => output
                .directives
                .push(transaction(&row, &input.account, currency)),
            Err(reason) => output.errors.push(
                PluginError::error(format!("skipped row {line:?}: {reason}"))
                    .at(statement, line_number),
            ),
        }
    }
    output
}

/// One statement line, checked.
#[derive(Debug)]
struct Row<'a> {
    date: &'a str,
    amount: &'a str,
    description: &'a str,
}

fn parse_row(line: &str) -> Result<Row<'_>, String> {
    let (date, rest) = next_field(line);
    let (amount, description) = next_field(rest);
    if rlplugin::validate::check_date(date).is_err() {
        return Err(format!("{date:?} is not a date: write YYYY-MM-DD"));
    }
    // The host's own rule for numbers: plain decimal text (no exponent, `+` or thousands
    // separators) that fits a 96-bit decimal.
    if rlplugin::validate::check_decimal(amount).is_err() {
        return Err(format!(
            "{amount:?} is not an amount: write digits with an optional leading - and a . before the cents"
        ));
    }
    if description.is_empty() {
        return Err("no description after the amount".to_owned());
    }
    Ok(Row {
        date,
        amount,
        description,
    })
}

/// Splits off the first whitespace-separated field; the rest comes back trimmed.
fn next_field(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim()),
        None => (text, ""),
    }
}

fn transaction(row: &Row<'_>, account: &str, currency: &str) -> DirectiveWrapper {
    let counter_account = if row.amount.starts_with('-') {
        "Expenses:Uncategorized"
    } else {
        "Income:Uncategorized"
    };
    DirectiveWrapper {
        directive_type: String::new(),
        date: row.date.to_owned(),
        filename: None,
        lineno: None,
        data: DirectiveData::Transaction(TransactionData {
            flag: "!".to_owned(),
            payee: None,
            narration: row.description.to_owned(),
            tags: Vec::new(),
            links: Vec::new(),
            metadata: Vec::new(),
            postings: vec![
                posting(account, Some(AmountData::new(row.amount, currency))),
                posting(counter_account, None),
            ],
        }),
    }
}

fn posting(account: &str, units: Option<AmountData>) -> PostingData {
    PostingData {
        account: account.to_owned(),
        units,
        cost: None,
        price: None,
        flag: None,
        metadata: Vec::new(),
        span: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_checked_field_by_field() {
        let row = parse_row("2024-02-29   -12.50   Corner  Market").unwrap();
        assert_eq!(
            (row.date, row.amount, row.description),
            ("2024-02-29", "-12.50", "Corner  Market")
        );
        assert!(
            parse_row("2023-02-29 1.00 x")
                .unwrap_err()
                .contains("not a date")
        );
        for amount in [
            "1,000.00",
            "+5",
            "1e3",
            ".5",
            "5.",
            "--1",
            "79228162514264337593543950336",
        ] {
            let error = parse_row(&format!("2024-01-01 {amount} x")).unwrap_err();
            assert!(error.contains("not an amount"), "{amount}: {error}");
        }
        assert_eq!(
            parse_row("2024-01-01 5").unwrap_err(),
            "no description after the amount"
        );
    }

    #[test]
    fn without_a_currency_nothing_is_guessed() {
        let output = extract(ImporterInput {
            path: "statement.txt".to_owned(),
            content: b"2024-01-01 5.00 Coffee\n".to_vec(),
            account: "Assets:Bank".to_owned(),
            currency: None,
            options: Default::default(),
        });
        assert!(output.directives.is_empty());
        assert!(
            output.errors[0]
                .message
                .starts_with("no currency configured")
        );
    }
}
