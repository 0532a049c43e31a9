//! Dedupe: a plugin that deletes transactions imported twice.
//!
//! Demonstrates `Delete` ops and warnings that point at two locations. Two transactions
//! are duplicates when they have the same date, the same postings (account, amount and
//! currency, in any order) and similar payees: equal after dropping case, punctuation and
//! spaces, or one containing the other (`AMAZON.COM*MK1` and `Amazon.com`). Transactions
//! without a payee are compared by narration. The later one is deleted and a warning at
//! its line names the one that is kept.
//!
//! ```text
//! plugin "dedupe.wasm"
//! plugin "dedupe.wasm" "dry_run=true"
//! ```
//!
//! Run it: `cargo test -p dedupe` (builds the wasm, runs it in the production sandbox),
//! `cargo build -p dedupe --release --target wasm32-unknown-unknown` for the module.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rlplugin::{
    DirectiveData, DirectiveWrapper, PluginError, PluginInput, PluginOp, PluginOutput,
    TransactionData,
};
use serde::Deserialize;

rlplugin::wasm_plugin_main! { process: process }

/// The plugin's config: JSON or `key=value`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Report duplicates without deleting them.
    #[serde(default)]
    pub dry_run: bool,
}

/// The plugin entry point: reads the config, then deduplicates.
///
/// # Errors
///
/// A config other than `dry_run=true` or `dry_run=false`.
pub fn process(input: PluginInput) -> Result<PluginOutput, rlplugin::ConfigError> {
    let config: Config = rlplugin::config(input.config.as_deref())?;
    Ok(dedupe(&input.directives, config))
}

/// Deletes (or, in a dry run, only reports) every transaction that duplicates an earlier one.
#[must_use]
pub fn dedupe(directives: &[DirectiveWrapper], config: Config) -> PluginOutput {
    let mut output = PluginOutput {
        ops: Vec::with_capacity(directives.len()),
        errors: Vec::new(),
    };
    // Transactions already kept, grouped by date and postings: only those can be duplicates.
    // Most groups hold one transaction, so names are normalized only on a collision.
    let mut seen: HashMap<String, Vec<usize>, BuildHasherDefault<Fnv>> = HashMap::default();
    for (index, directive) in directives.iter().enumerate() {
        let DirectiveData::Transaction(txn) = &directive.data else {
            output.ops.push(PluginOp::Keep(index));
            continue;
        };
        let group = seen.entry(signature(&directive.date, txn)).or_default();
        let original = if group.is_empty() {
            None
        } else {
            let name = normalize(txn_name(txn));
            group
                .iter()
                .copied()
                .find(|&other| match &directives[other].data {
                    DirectiveData::Transaction(other) => {
                        similar(&name, &normalize(txn_name(other)))
                    }
                    _ => false,
                })
        };
        match original {
            None => {
                group.push(index);
                output.ops.push(PluginOp::Keep(index));
            }
            Some(original) => {
                output.errors.push(duplicate_warning(
                    &directives[original],
                    directive,
                    config.dry_run,
                ));
                output.ops.push(if config.dry_run {
                    PluginOp::Keep(index)
                } else {
                    PluginOp::Delete(index)
                });
            }
        }
    }
    output
}

/// FNV-1a: the default SipHash costs several times more fuel per key byte, and the keys
/// (dates, accounts, amounts from the user's own ledger) need no flooding protection.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

fn txn_name(txn: &TransactionData) -> &str {
    txn.payee
        .as_deref()
        .filter(|payee| !payee.is_empty())
        .unwrap_or(&txn.narration)
}

fn duplicate_warning(
    original: &DirectiveWrapper,
    duplicate: &DirectiveWrapper,
    dry_run: bool,
) -> PluginError {
    let name = |directive: &DirectiveWrapper| match &directive.data {
        DirectiveData::Transaction(txn) => txn_name(txn).to_owned(),
        _ => String::new(),
    };
    let action = if dry_run {
        "kept because dry_run is set"
    } else {
        "deleted; remove it from the ledger or import it once"
    };
    PluginError::warning(format!(
        "duplicate of the transaction at {} ({:?} ~ {:?}, same date, accounts and amounts): {action}",
        location(original),
        name(duplicate),
        name(original),
    ))
    .at_directive(duplicate)
}

fn location(directive: &DirectiveWrapper) -> String {
    match (&directive.filename, directive.lineno) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        _ => format!("an unknown location (dated {})", directive.date),
    }
}

/// Date plus the postings as sorted `account amount currency` triples, with numbers
/// normalized so `12.5` and `12.50` agree.
#[must_use]
pub fn signature(date: &str, txn: &TransactionData) -> String {
    let mut legs: Vec<(&str, String, &str)> = txn
        .postings
        .iter()
        .map(|posting| match &posting.units {
            Some(units) => (
                posting.account.as_str(),
                normalize_number(&units.number),
                units.currency.as_str(),
            ),
            None => (posting.account.as_str(), String::new(), ""),
        })
        .collect();
    legs.sort_unstable();
    let mut key = String::with_capacity(16 + legs.len() * 32);
    key.push_str(date);
    for (account, number, currency) in legs {
        key.push('|');
        key.push_str(account);
        key.push(' ');
        key.push_str(&number);
        key.push(' ');
        key.push_str(currency);
    }
    key
}

/// Drops trailing fractional zeros and the sign of zero: `-0.00` → `0`, `12.50` → `12.5`.
#[must_use]
pub fn normalize_number(number: &str) -> String {
    let trimmed = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    };
    let digits = trimmed.trim_start_matches(['-', '+']);
    if digits.bytes().all(|b| b == b'0' || b == b'.') {
        "0".to_owned()
    } else {
        trimmed.trim_start_matches('+').to_owned()
    }
}

/// Lowercase letters and digits only: case, punctuation and spacing do not distinguish
/// payees on bank statements.
#[must_use]
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether two normalized names are the same payee: equal, or one contains the other.
/// An empty name only matches an empty name.
#[must_use]
pub fn similar(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return a == b;
    }
    a.contains(b) || b.contains(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlplugin::{AmountData, PostingData};

    fn posting(account: &str, number: &str) -> PostingData {
        PostingData {
            account: account.into(),
            units: Some(AmountData::new(number, "EUR")),
            cost: None,
            price: None,
            flag: None,
            metadata: vec![],
            span: None,
        }
    }

    fn txn(line: u32, date: &str, payee: Option<&str>, amount: &str) -> DirectiveWrapper {
        let negated = format!("-{amount}");
        DirectiveWrapper {
            directive_type: String::new(),
            date: date.into(),
            filename: Some("/books/bank.beancount".into()),
            lineno: Some(line),
            data: DirectiveData::Transaction(TransactionData {
                flag: "*".into(),
                payee: payee.map(Into::into),
                narration: "card payment".into(),
                tags: vec![],
                links: vec![],
                metadata: vec![],
                postings: vec![
                    posting("Assets:Bank", &negated),
                    posting("Expenses:Shopping", amount),
                ],
            }),
        }
    }

    #[test]
    fn names_are_compared_without_case_punctuation_or_spaces() {
        assert_eq!(normalize("AMAZON.COM*Mk1 "), "amazoncommk1");
        assert!(similar(
            &normalize("Amazon.com"),
            &normalize("AMAZON.COM*MK1")
        ));
        assert!(similar(&normalize("Cafe  Luna"), &normalize("CAFE-LUNA")));
        assert!(!similar("", "x"));
        assert!(similar("", ""));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(normalize_number("12.50"), "12.5");
        assert_eq!(normalize_number("-0.00"), "0");
        assert_eq!(normalize_number("100"), "100");
        assert_eq!(normalize_number("100.0"), "100");
        assert_eq!(normalize_number("+3"), "3");
    }

    #[test]
    fn posting_order_does_not_change_the_signature() {
        let a = txn(1, "2024-05-01", None, "5");
        let mut b = a.clone();
        let (DirectiveData::Transaction(ta), DirectiveData::Transaction(tb)) =
            (&a.data, &mut b.data)
        else {
            unreachable!()
        };
        tb.postings.reverse();
        tb.postings[0].units = Some(AmountData::new("5.00", "EUR"));
        assert_eq!(signature(&a.date, ta), signature(&b.date, tb));
    }

    #[test]
    fn the_later_duplicate_is_deleted_with_both_locations() {
        let input = [
            txn(10, "2024-05-01", Some("Amazon.com"), "25.00"),
            txn(12, "2024-05-01", Some("Bakery"), "25.00"),
            txn(40, "2024-05-01", Some("AMAZON.COM*MK1"), "25.0"),
        ];
        let output = dedupe(&input, Config::default());
        assert_eq!(
            output.ops,
            [PluginOp::Keep(0), PluginOp::Keep(1), PluginOp::Delete(2)]
        );
        assert_eq!(
            output.errors[0].to_string(),
            "/books/bank.beancount:40: warning: duplicate of the transaction at /books/bank.beancount:10 (\"AMAZON.COM*MK1\" ~ \"Amazon.com\", same date, accounts and amounts): deleted; remove it from the ledger or import it once"
        );
    }

    #[test]
    fn different_dates_or_amounts_are_not_duplicates() {
        let input = [
            txn(1, "2024-05-01", Some("Shop"), "10"),
            txn(2, "2024-05-02", Some("Shop"), "10"),
            txn(3, "2024-05-01", Some("Shop"), "10.01"),
        ];
        let output = dedupe(&input, Config::default());
        assert!(output.errors.is_empty());
        assert!(output.ops.iter().all(|op| matches!(op, PluginOp::Keep(_))));
    }

    #[test]
    fn a_dry_run_keeps_everything_and_still_warns() {
        let input = [
            txn(1, "2024-05-01", None, "10"),
            txn(2, "2024-05-01", None, "10"),
        ];
        let output = dedupe(&input, Config { dry_run: true });
        assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
        assert!(
            output.errors[0]
                .message
                .ends_with("kept because dry_run is set")
        );
    }
}
