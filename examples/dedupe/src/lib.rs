//! Dedupe: a plugin that deletes transactions imported twice.
//!
//! Demonstrates the view API (`wasm_plugin_main! { view: … }`): the plugin reads the date,
//! payee, narration and posting amounts of each transaction as strings borrowed from the
//! host's bytes, never decodes a directive, and answers with `ViewOps::delete` and warnings
//! that point at two locations. Two transactions
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

use core::hash::BuildHasher;

use rlplugin::view::{DirectiveView, Kind, LedgerView, ViewOps};
use rlplugin::{OpsError, PluginError};
use serde::Deserialize;

rlplugin::wasm_plugin_main! { view: process }

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
pub fn process(ledger: LedgerView<'_>) -> Result<ViewOps, Box<dyn std::error::Error>> {
    let config: Config = rlplugin::config(ledger.config())?;
    Ok(dedupe(ledger, config)?)
}

/// Deletes (or, in a dry run, only reports) every transaction that duplicates an earlier one.
///
/// # Errors
///
/// None in practice: each input index is decided at most once.
pub fn dedupe(ledger: LedgerView<'_>, config: Config) -> Result<ViewOps, OpsError> {
    let mut ops = ledger.ops();
    // The transactions by date: only those of one date can be duplicates. Stable, so the
    // transactions of a date stay in input order and the first of duplicates is kept. The
    // host sends its ledger sorted by date, which makes this one pass over the dates, where
    // a table of dates hashes and looks up each of them. Most dates have one transaction,
    // so a transaction's postings are read only when another one shares its date.
    let mut by_date: Vec<(u32, DirectiveView<'_>)> = ledger
        .directives()
        .filter(|directive| directive.kind() == Some(Kind::Transaction))
        .map(|txn| (date_key(txn.date()), txn))
        .collect();
    by_date.sort_by_key(|&(date, _)| date);
    let mut kept: Vec<Kept<'_>> = Vec::new();
    let days = by_date.chunk_by(|(a, _), (b, _)| a == b);
    // A date of one transaction, as most are, has nothing to compare.
    for day in days.filter(|day| day.len() > 1) {
        kept.clear();
        for &(_, directive) in day {
            let mut txn = Kept::new(directive);
            match original_of(&mut kept, &mut txn) {
                None => kept.push(txn),
                Some(original) => {
                    ops.error(duplicate_warning(&original, &directive, config.dry_run));
                    if !config.dry_run {
                        ops.delete(directive.index())?;
                    }
                }
            }
        }
    }
    Ok(ops)
}

/// A date as a number, to sort transactions by: the digits of `YYYY-MM-DD`, four bits
/// each, so dates in order are numbers in order, and two compare in a step where strings
/// call `memcmp`. Rustledger writes every date so; any other text reads as 0, and
/// [`original_of`] compares the dates themselves.
fn date_key(date: &str) -> u32 {
    match *date.as_bytes() {
        [y0, y1, y2, y3, _, m0, m1, _, d0, d1] => [y0, y1, y2, y3, m0, m1, d0, d1]
            .into_iter()
            .fold(0, |key, digit| key << 4 | u32::from(digit & 0x0f)),
        _ => 0,
    }
}

/// A kept transaction, with its [`signature`] once a transaction of its date needed it.
struct Kept<'a> {
    txn: DirectiveView<'a>,
    signature: Option<u64>,
}

impl<'a> Kept<'a> {
    fn new(txn: DirectiveView<'a>) -> Self {
        Self {
            txn,
            signature: None,
        }
    }

    fn signature(&mut self) -> u64 {
        *self.signature.get_or_insert_with(|| signature(&self.txn))
    }
}

/// The transaction of `kept` (of `txn`'s date) that `txn` duplicates. Signatures are
/// compared first; dates, accounts and names only when they agree.
fn original_of<'a>(kept: &mut [Kept<'a>], txn: &mut Kept<'a>) -> Option<DirectiveView<'a>> {
    let own = txn.signature();
    let mut compared = None;
    kept.iter_mut().find_map(|candidate| {
        let same = candidate.signature() == own && candidate.txn.date() == txn.txn.date() && {
            let (legs, name) =
                compared.get_or_insert_with(|| (legs(&txn.txn), normalize(txn_name(&txn.txn))));
            *legs == self::legs(&candidate.txn)
                && similar(name, &normalize(txn_name(&candidate.txn)))
        };
        same.then_some(candidate.txn)
    })
}

/// A digest of the numbers of a transaction's postings that are not negative, normalized
/// so `12.5` and `12.50` agree: what duplicates have in common besides their date, and what
/// transactions of one date are told apart by.
///
/// The digest adds the postings' hashes, so posting order does not matter without sorting
/// them or collecting them into a vector per transaction. Two transactions can share a
/// signature without being duplicates (the digests of different amounts can collide);
/// [`legs`] compares the postings themselves before anything is deleted.
///
/// Negative numbers are left out: a transaction balances, so they mirror its positive
/// ones, which tell transactions apart as well at half the normalizing and hashing.
/// Accounts and currencies are left out too: hashing them would cost fuel for every
/// transaction, and they rarely tell apart transactions of the same date and numbers;
/// [`legs`] compares them only for transactions that share a signature. So is the date:
/// only transactions of one date are compared.
#[must_use]
pub fn signature(txn: &DirectiveView<'_>) -> u64 {
    txn.postings()
        .filter_map(|posting| {
            let number = posting.units().map_or("", |units| units.number);
            (!number.starts_with('-'))
                .then(|| rustc_hash::FxBuildHasher.hash_one(normalize_number(number)))
        })
        .fold(0, u64::wrapping_add)
}

/// A transaction's postings as `(account, number, currency)`, numbers normalized as in
/// [`signature`] and sorted so posting order does not matter: equal for duplicates.
#[must_use]
pub fn legs<'a>(txn: &DirectiveView<'a>) -> Vec<(&'a str, &'a str, &'a str)> {
    let mut legs: Vec<_> = txn
        .postings()
        .map(|posting| match posting.units() {
            Some(units) => (
                posting.account(),
                normalize_number(units.number),
                units.currency,
            ),
            None => (posting.account(), "", ""),
        })
        .collect();
    legs.sort_unstable();
    legs
}

fn txn_name<'a>(txn: &DirectiveView<'a>) -> &'a str {
    txn.payee()
        .filter(|payee| !payee.is_empty())
        .or_else(|| txn.narration())
        .unwrap_or_default()
}

fn duplicate_warning(
    original: &DirectiveView<'_>,
    duplicate: &DirectiveView<'_>,
    dry_run: bool,
) -> PluginError {
    let action = if dry_run {
        "kept because dry_run is set"
    } else {
        "deleted; remove it from the ledger or import it once"
    };
    let warning = PluginError::warning(format!(
        "duplicate of the transaction at {} ({:?} ~ {:?}, same date, accounts and amounts): {action}",
        location(original, duplicate),
        txn_name(duplicate),
        txn_name(original),
    ));
    match (duplicate.filename(), duplicate.lineno()) {
        (Some(file), Some(line)) => warning.at(file, line),
        _ => warning,
    }
}

/// Where `original` is, as read in the warning attached to `duplicate`: the warning already
/// names the duplicate's file, and rustledger passes absolute paths, so a copy in the same
/// file is named by its line alone.
fn location(original: &DirectiveView<'_>, duplicate: &DirectiveView<'_>) -> String {
    match (original.filename(), original.lineno()) {
        (Some(file), Some(line)) if duplicate.filename() == Some(file) => format!("line {line}"),
        (Some(file), Some(line)) => format!("{file}:{line}"),
        _ => format!("an unknown location (dated {})", original.date()),
    }
}

/// Drops trailing fractional zeros and the sign of zero: `-0.00` → `0`, `12.50` → `12.5`.
/// Works on bytes: the `char` searches of `str::trim_*_matches` cost several times more
/// fuel, and this runs for every posting.
#[must_use]
#[expect(
    clippy::manual_contains,
    reason = "`contains` on bytes calls `memchr`, dear for a short number"
)]
pub fn normalize_number(number: &str) -> &str {
    let bytes = number.as_bytes();
    // Most amounts are already normal: no trailing zero or dot, no `+`, not zero.
    if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last())
        && first != b'+'
        && !matches!(last, b'0' | b'.' | b'-' | b'+')
    {
        return number;
    }
    // Trailing zeros, then the dot, counted from the end: one short pass, where a number
    // written with cents (`4.00`, `12.50`) ends in a zero more often than not.
    let mut end = bytes.len();
    while end > 0 && bytes[end - 1] == b'0' {
        end -= 1;
    }
    if end > 0 && bytes[end - 1] == b'.' {
        end -= 1;
    } else if !bytes[..end].iter().any(|&b| b == b'.') {
        // An integer (`1200`): its zeros are significant.
        end = bytes.len();
    }
    let mut start = 0;
    while start < end && matches!(bytes[start], b'-' | b'+') {
        start += 1;
    }
    if bytes[start..end].iter().all(|&b| b == b'0' || b == b'.') {
        return "0";
    }
    let mut start = 0;
    while start < end && bytes[start] == b'+' {
        start += 1;
    }
    // Both ends sit next to ASCII bytes, so they are character boundaries.
    number.get(start..end).unwrap_or(number)
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
    use rlplugin::{
        AmountData, DirectiveData, DirectiveWrapper, PluginInput, PluginOp, PluginOutput,
        PostingData, TransactionData,
    };

    /// The host's bytes for `directives`, as the plugin receives them.
    fn bytes(directives: &[DirectiveWrapper]) -> Vec<u8> {
        rlplugin::view::encode_input(&PluginInput {
            directives: directives.to_vec(),
            options: Default::default(),
            config: None,
        })
    }

    fn run(input: &[DirectiveWrapper], config: Config) -> PluginOutput {
        rlplugin::guest::view_plugin_output(&bytes(input), |ledger| dedupe(ledger, config))
    }

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
        assert_ne!(ta.postings, tb.postings);
        rlplugin::guest::run_view_plugin(&bytes(&[a, b]), |ledger| {
            let (a, b) = (ledger.get(0).unwrap(), ledger.get(1).unwrap());
            assert_eq!(signature(&a), signature(&b));
            assert_eq!(legs(&a), legs(&b));
            ledger.ops()
        });
    }

    #[test]
    fn the_later_duplicate_is_deleted_with_both_locations() {
        let input = [
            txn(10, "2024-05-01", Some("Amazon.com"), "25.00"),
            txn(12, "2024-05-01", Some("Bakery"), "25.00"),
            txn(40, "2024-05-01", Some("AMAZON.COM*MK1"), "25.0"),
        ];
        let output = run(&input, Config::default());
        assert_eq!(
            output.ops,
            [PluginOp::Keep(0), PluginOp::Keep(1), PluginOp::Delete(2)]
        );
        assert_eq!(
            output.errors[0].to_string(),
            "/books/bank.beancount:40: warning: duplicate of the transaction at line 10 (\"AMAZON.COM*MK1\" ~ \"Amazon.com\", same date, accounts and amounts): deleted; remove it from the ledger or import it once"
        );
    }

    #[test]
    fn an_original_in_another_file_is_named_by_its_path() {
        let mut original = txn(10, "2024-05-01", Some("Amazon.com"), "25.00");
        original.filename = Some("/books/card.beancount".into());
        let copy = txn(40, "2024-05-01", Some("AMAZON.COM*MK1"), "25.0");
        let output = run(&[original, copy], Config::default());
        assert!(
            output.errors[0]
                .message
                .starts_with("duplicate of the transaction at /books/card.beancount:10 (")
        );
    }

    #[test]
    fn duplicates_apart_in_input_out_of_date_order_are_found() {
        let input = [
            txn(1, "2024-05-03", Some("Shop"), "10"),
            txn(2, "2024-05-01", Some("Shop"), "10"),
            txn(3, "2024-05-02", Some("Shop"), "10"),
            txn(4, "2024-05-01", Some("SHOP"), "10.00"),
            txn(5, "2024-05-03", Some("shop"), "10.0"),
        ];
        let output = run(&input, Config::default());
        assert_eq!(
            output.ops,
            [
                PluginOp::Keep(0),
                PluginOp::Keep(1),
                PluginOp::Keep(2),
                PluginOp::Delete(3),
                PluginOp::Delete(4),
            ]
        );
        assert!(output.errors[0].message.contains(" at line 2 ("));
        assert!(output.errors[1].message.contains(" at line 1 ("));
    }

    #[test]
    fn different_dates_or_amounts_are_not_duplicates() {
        let input = [
            txn(1, "2024-05-01", Some("Shop"), "10"),
            txn(2, "2024-05-02", Some("Shop"), "10"),
            txn(3, "2024-05-01", Some("Shop"), "10.01"),
        ];
        let output = run(&input, Config::default());
        assert!(output.errors.is_empty());
        assert!(output.ops.iter().all(|op| matches!(op, PluginOp::Keep(_))));
    }

    #[test]
    fn equal_hashes_are_confirmed_in_full() {
        // Same date and numbers, other currency: no duplicate; a third, real duplicate is
        // still found.
        let eur = txn(1, "2024-05-01", Some("Shop"), "10");
        let mut usd = txn(2, "2024-05-01", Some("Shop"), "10");
        if let DirectiveData::Transaction(t) = &mut usd.data {
            for posting in &mut t.postings {
                posting.units.as_mut().unwrap().currency = "USD".into();
            }
        }
        let again = txn(3, "2024-05-01", Some("SHOP"), "10.00");
        let input = [usd, eur, again];
        let output = run(&input, Config::default());
        assert_eq!(
            output.ops,
            [PluginOp::Keep(0), PluginOp::Keep(1), PluginOp::Delete(2)]
        );
        assert!(output.errors[0].message.contains(" at line 1 ("));
    }

    #[test]
    fn the_same_amounts_on_other_accounts_are_not_duplicates() {
        let shop = txn(1, "2024-05-01", Some("Shop"), "10");
        let mut elsewhere = txn(2, "2024-05-01", Some("Shop"), "10");
        if let DirectiveData::Transaction(t) = &mut elsewhere.data {
            t.postings[1].account = "Expenses:Gifts".into();
        }
        let again = txn(3, "2024-05-01", Some("shop"), "10");
        let output = run(&[shop, elsewhere, again], Config::default());
        assert_eq!(
            output.ops,
            [PluginOp::Keep(0), PluginOp::Keep(1), PluginOp::Delete(2)]
        );
        assert!(output.errors[0].message.contains(" at line 1 ("));
    }

    #[test]
    fn the_same_positive_amounts_paid_from_elsewhere_are_not_duplicates() {
        let whole = txn(1, "2024-05-01", Some("Shop"), "10");
        let mut split = txn(2, "2024-05-01", Some("Shop"), "10");
        if let DirectiveData::Transaction(t) = &mut split.data {
            t.postings[0] = posting("Assets:Bank", "-4");
            t.postings.push(posting("Liabilities:Card", "-6"));
        }
        let output = run(&[whole, split], Config::default());
        assert!(output.errors.is_empty());
        assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
    }

    #[test]
    fn a_dry_run_keeps_everything_and_still_warns() {
        let input = [
            txn(1, "2024-05-01", None, "10"),
            txn(2, "2024-05-01", None, "10"),
        ];
        let output = run(&input, Config { dry_run: true });
        assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
        assert!(
            output.errors[0]
                .message
                .ends_with("kept because dry_run is set")
        );
    }
}
