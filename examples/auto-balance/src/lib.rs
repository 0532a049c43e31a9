//! Auto-balance: a plugin that turns statement balances into `balance` assertions.
//!
//! Demonstrates `Insert` ops that keep a source location, through the view API
//! (`wasm_plugin_main! { view: … }`): only a transaction with a posting that carries the
//! statement metadata is decoded (`to_owned`); the rest of the ledger is located, looked
//! at for that one key, and kept as the host sent it. Bank statements print the
//! running balance after each line; importers can keep it as posting metadata:
//!
//! ```text
//! 2024-03-04 * "Grocer" "weekly shop"
//!   Assets:Bank:Checking  -54.20 EUR
//!     balance: 1245.80 EUR
//!   Expenses:Groceries
//! ```
//!
//! For every posting with that metadata the plugin inserts
//! `2024-03-05 balance Assets:Bank:Checking 1245.80 EUR` (an assertion holds at the start of
//! its day, hence the next day), attributed to the transaction's `file:line` so an assertion
//! that fails points at the statement line it came from. Only the last balance of each day
//! is asserted (or of each month, with `monthly=true`); an assertion already written in the
//! ledger for the same account and day wins.
//!
//! ```text
//! plugin "auto_balance.wasm"
//! plugin "auto_balance.wasm" "meta_key=statement_balance,monthly=true"
//! ```
//!
//! Run it: `cargo test -p auto-balance` (builds the wasm, runs it in the production sandbox),
//! `cargo build -p auto-balance --release --target wasm32-unknown-unknown` for the module.

use rlplugin::view::{Kind, LedgerView, ViewOps};
use rlplugin::{
    AmountData, BalanceData, DirectiveData, DirectiveWrapper, MetaValueData, OpsError, PluginError,
    PostingData,
};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

rlplugin::wasm_plugin_main! { view: process }

/// The plugin's config: JSON or `key=value`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Posting metadata key holding the balance after the posting.
    #[serde(default = "default_meta_key")]
    pub meta_key: String,
    /// Assert only the last balance of each month instead of each day.
    #[serde(default)]
    pub monthly: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            meta_key: default_meta_key(),
            monthly: false,
        }
    }
}

fn default_meta_key() -> String {
    "balance".to_owned()
}

/// The plugin entry point: reads the config, then inserts assertions.
///
/// # Errors
///
/// A config with unknown keys or values of the wrong type.
pub fn process(ledger: LedgerView<'_>) -> Result<ViewOps, String> {
    let config: Config = rlplugin::config(ledger.config()).map_err(|error| error.to_string())?;
    auto_balance(ledger, &config).map_err(|error| error.to_string())
}

/// A balance assertion to insert, and the input directive it comes from.
struct Assertion {
    source: usize,
    date: String,
    account: String,
    amount: AmountData,
}

/// Inserts a balance assertion after the transaction holding the last statement balance of
/// each account and day (or month); keeps every input directive.
///
/// # Errors
///
/// Only if an assertion pointed outside the input, which the construction rules out.
pub fn auto_balance(ledger: LedgerView<'_>, config: &Config) -> Result<ViewOps, OpsError> {
    let mut errors = Vec::new();
    // Assertions already in the ledger, by account and date. FxHash reads a word per step,
    // where std's SipHash spends several fuel per byte.
    let mut written: FxHashSet<(&str, &str)> = FxHashSet::default();
    // Key: account and period (the day, or the month); later postings replace earlier ones.
    let mut latest: FxHashMap<(String, String), Assertion> = FxHashMap::default();
    for view in ledger.directives() {
        match view.kind() {
            Some(Kind::Balance) => {
                if let Some(account) = view.account() {
                    written.insert((account, view.date()));
                }
                continue;
            }
            Some(Kind::Transaction)
                if view
                    .postings()
                    .any(|posting| posting.has_meta(&config.meta_key)) => {}
            _ => continue,
        }
        let directive = view.to_owned();
        let DirectiveData::Transaction(txn) = &directive.data else {
            continue;
        };
        for posting in &txn.postings {
            let Some((_, value)) = posting
                .metadata
                .iter()
                .find(|(key, _)| *key == config.meta_key)
            else {
                continue;
            };
            let amount = match statement_amount(value, posting) {
                Ok(amount) => amount,
                Err(reason) => {
                    errors.push(
                        PluginError::warning(format!(
                            "{} metadata of the {} posting {reason}; write it like \"1245.80 EUR\"",
                            config.meta_key, posting.account
                        ))
                        .at_directive(&directive),
                    );
                    continue;
                }
            };
            let Some(date) = next_day(&directive.date) else {
                continue;
            };
            let period = if config.monthly {
                &directive.date[..7]
            } else {
                directive.date.as_str()
            };
            latest.insert(
                (posting.account.clone(), period.to_owned()),
                Assertion {
                    source: view.index(),
                    date,
                    account: posting.account.clone(),
                    amount,
                },
            );
        }
    }
    let mut inserts: Vec<Assertion> = latest
        .into_values()
        .filter(|a| !written.contains(&(a.account.as_str(), a.date.as_str())))
        .collect();
    inserts.sort_unstable_by(|a, b| (a.source, &a.account).cmp(&(b.source, &b.account)));

    let mut ops = ledger.ops();
    for assertion in inserts {
        let source = ledger.get(assertion.source);
        let balance = DirectiveWrapper {
            directive_type: String::new(),
            date: assertion.date,
            // The source transaction's location: a failing assertion points at the
            // statement line it was derived from.
            filename: source.and_then(|s| s.filename()).map(str::to_owned),
            lineno: source.and_then(|s| s.lineno()),
            data: DirectiveData::Balance(BalanceData {
                account: assertion.account,
                amount: assertion.amount,
                tolerance: None,
                metadata: Vec::new(),
            }),
        };
        ops.insert_after(assertion.source, balance)?;
    }
    for error in errors {
        ops.error(error);
    }
    Ok(ops)
}

/// The balance a metadata value states: an amount, `"1245.80 EUR"` text, or a bare number
/// in the posting's currency.
fn statement_amount(value: &MetaValueData, posting: &PostingData) -> Result<AmountData, String> {
    let (number, currency) = match value {
        MetaValueData::Amount(amount) => (amount.number.as_str(), amount.currency.as_str()),
        MetaValueData::String(text) => {
            let mut parts = text.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(number), Some(currency), None) if is_decimal(number) => (number, currency),
                _ => return Err(format!("is {text:?}, not an amount")),
            }
        }
        MetaValueData::Number(number) => {
            let currency = posting.units.as_ref().map_or("", |u| u.currency.as_str());
            (number.as_str(), currency)
        }
        other => return Err(format!("is {other:?}, not an amount")),
    };
    if !is_decimal(number) {
        return Err(format!("has the number {number:?}, not plain decimal text"));
    }
    if !is_currency(currency) {
        return Err(format!("has no valid currency ({currency:?})"));
    }
    Ok(AmountData::new(number, currency))
}

/// Decimal text the host accepts and prints back unchanged: `-12.50`, `3`.
fn is_decimal(text: &str) -> bool {
    rlplugin::validate::check_decimal(text).is_ok()
}

fn is_currency(text: &str) -> bool {
    text.len() <= 24
        && text.starts_with(|c: char| c.is_ascii_uppercase())
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"'._-".contains(&b))
}

/// The day after a `YYYY-MM-DD` date, `None` if it is not one: the next day of the month,
/// else the first of the next month, else New Year, whichever the calendar has.
#[must_use]
pub fn next_day(date: &str) -> Option<String> {
    rlplugin::validate::check_date(date).ok()?;
    let number = |range: std::ops::Range<usize>| date[range].parse::<u32>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    [
        (year, month, day + 1),
        (year, month + 1, 1),
        (year + 1, 1, 1),
    ]
    .into_iter()
    .map(|(year, month, day)| format!("{year:04}-{month:02}-{day:02}"))
    .find(|next| rlplugin::validate::check_date(next).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlplugin::{PluginInput, PluginOp, PluginOutput, TransactionData};

    fn auto_balance(input: &[DirectiveWrapper], config: &Config) -> Result<PluginOutput, String> {
        let bytes = rlplugin::view::encode_input(&PluginInput {
            directives: input.to_vec(),
            options: Default::default(),
            config: None,
        });
        Ok(rlplugin::guest::view_plugin_output(&bytes, |ledger| {
            super::auto_balance(ledger, config)
        }))
    }

    fn posting(account: &str, number: &str, meta: Option<MetaValueData>) -> PostingData {
        PostingData {
            account: account.into(),
            units: Some(AmountData::new(number, "EUR")),
            cost: None,
            price: None,
            flag: None,
            metadata: meta.map(|m| ("balance".into(), m)).into_iter().collect(),
            span: None,
        }
    }

    fn txn(
        line: u32,
        date: &str,
        amount: &str,
        balance: Option<MetaValueData>,
    ) -> DirectiveWrapper {
        DirectiveWrapper {
            directive_type: String::new(),
            date: date.into(),
            filename: Some("/books/bank.beancount".into()),
            lineno: Some(line),
            data: DirectiveData::Transaction(TransactionData {
                flag: "*".into(),
                payee: None,
                narration: "card".into(),
                tags: vec![],
                links: vec![],
                metadata: vec![],
                postings: vec![
                    posting("Assets:Bank", &format!("-{amount}"), balance),
                    posting("Expenses:Food", amount, None),
                ],
            }),
        }
    }

    fn text(s: &str) -> Option<MetaValueData> {
        Some(MetaValueData::String(s.into()))
    }

    fn inserted(output: &PluginOutput) -> Vec<(String, String, u32)> {
        output
            .ops
            .iter()
            .filter_map(|op| match op {
                PluginOp::Insert(DirectiveWrapper {
                    date,
                    lineno,
                    data: DirectiveData::Balance(b),
                    ..
                }) => Some((
                    date.clone(),
                    format!("{} {} {}", b.account, b.amount.number, b.amount.currency),
                    lineno.unwrap(),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn next_day_rolls_months_years_and_leap_days() {
        assert_eq!(next_day("2024-02-28").unwrap(), "2024-02-29");
        assert_eq!(next_day("2023-02-28").unwrap(), "2023-03-01");
        assert_eq!(next_day("2024-12-31").unwrap(), "2025-01-01");
        assert_eq!(next_day("2024-04-30").unwrap(), "2024-05-01");
        assert_eq!(next_day("2024-04-31"), None);
        assert_eq!(next_day("2024/04/01"), None);
    }

    #[test]
    fn the_last_balance_of_each_day_is_asserted_the_next_day_after_its_source() {
        let input = [
            txn(3, "2024-03-04", "10.00", text("1000.00 EUR")),
            txn(7, "2024-03-04", "5.00", text("995.00 EUR")),
            txn(
                11,
                "2024-03-05",
                "1.00",
                Some(MetaValueData::Amount(AmountData::new("994.00", "EUR"))),
            ),
        ];
        let output = auto_balance(&input, &Config::default()).unwrap();
        assert_eq!(
            inserted(&output),
            [
                ("2024-03-05".into(), "Assets:Bank 995.00 EUR".into(), 7),
                ("2024-03-06".into(), "Assets:Bank 994.00 EUR".into(), 11),
            ]
        );
        assert!(matches!(output.ops[2], PluginOp::Insert(_)));
        assert!(output.errors.is_empty());
    }

    #[test]
    fn monthly_mode_keeps_the_last_balance_of_the_month() {
        let input = [
            txn(3, "2024-03-04", "10.00", text("1000.00 EUR")),
            txn(
                7,
                "2024-03-31",
                "5.00",
                Some(MetaValueData::Number("995.00".into())),
            ),
            txn(11, "2024-04-02", "1.00", text("994.00 EUR")),
        ];
        let config = Config {
            monthly: true,
            ..Config::default()
        };
        assert_eq!(
            inserted(&auto_balance(&input, &config).unwrap()),
            [
                ("2024-04-01".into(), "Assets:Bank 995.00 EUR".into(), 7),
                ("2024-04-03".into(), "Assets:Bank 994.00 EUR".into(), 11),
            ]
        );
    }

    #[test]
    fn written_assertions_win_and_bad_values_warn() {
        let mut written = txn(1, "2024-03-05", "0", None);
        written.data = DirectiveData::Balance(BalanceData {
            account: "Assets:Bank".into(),
            amount: AmountData::new("1", "EUR"),
            tolerance: None,
            metadata: vec![],
        });
        let input = [
            txn(3, "2024-03-04", "10.00", text("1000.00 EUR")),
            written,
            txn(9, "2024-03-06", "1", text("1,000 EUR")),
        ];
        let output = auto_balance(&input, &Config::default()).unwrap();
        assert!(inserted(&output).is_empty());
        assert_eq!(output.ops.len(), 3);
        assert_eq!(
            output.errors[0].to_string(),
            "/books/bank.beancount:9: warning: balance metadata of the Assets:Bank posting is \"1,000 EUR\", not an amount; write it like \"1245.80 EUR\""
        );
    }
}
