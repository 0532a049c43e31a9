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
    let output = dedupe(&input.directives, config);
    // The guest's arena frees nothing, so dropping the decoded input would only walk every
    // string of the ledger for no effect (about 300 fuel per directive).
    std::mem::forget(input);
    Ok(output)
}

/// Deletes (or, in a dry run, only reports) every transaction that duplicates an earlier one.
#[must_use]
pub fn dedupe(directives: &[DirectiveWrapper], config: Config) -> PluginOutput {
    let mut output = PluginOutput {
        ops: Vec::with_capacity(directives.len()),
        errors: Vec::new(),
    };
    // Transactions already kept, chained by signature hash: only those can be duplicates.
    // Most chains hold one transaction, so signatures are compared in full and names
    // normalized only when hashes collide.
    let mut groups = Groups::with_capacity(directives.len());
    let mut next_in_group = vec![NONE; directives.len()];
    for (index, directive) in directives.iter().enumerate() {
        let DirectiveData::Transaction(txn) = &directive.data else {
            output.ops.push(PluginOp::Keep(index));
            continue;
        };
        let slot = groups.slot(signature(&directive.date, txn));
        let original = if slot.first == NONE {
            None
        } else {
            let name = normalize(txn_name(txn));
            let mut candidate = slot.first;
            loop {
                if let DirectiveData::Transaction(other) = &directives[candidate].data
                    && same_signature(directive, txn, &directives[candidate], other)
                    && similar(&name, &normalize(txn_name(other)))
                {
                    break Some(candidate);
                }
                candidate = next_in_group[candidate];
                if candidate == NONE {
                    break None;
                }
            }
        };
        match original {
            None => {
                if slot.first == NONE {
                    slot.first = index;
                } else {
                    next_in_group[slot.last] = index;
                }
                slot.last = index;
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

const NONE: usize = usize::MAX;

/// The first and last kept transaction of one signature hash, in input order.
#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    first: usize,
    last: usize,
}

/// An open-addressing table from signature hash to [`Slot`]: the keys are already hashes,
/// so a general-purpose map would only hash them again.
struct Groups {
    slots: Vec<Slot>,
    mask: usize,
}

impl Groups {
    fn with_capacity(items: usize) -> Self {
        let size = (items * 2).next_power_of_two().max(16);
        Self {
            slots: vec![
                Slot {
                    hash: 0,
                    first: NONE,
                    last: NONE,
                };
                size
            ],
            mask: size - 1,
        }
    }

    /// The slot of `hash`: its group, or an empty slot the caller may claim. The table
    /// never fills up: it has twice as many slots as there are directives.
    fn slot(&mut self, hash: u64) -> &mut Slot {
        // The low bits feed the index; the hash's high bits are better mixed.
        let mut at = (hash >> 32) as usize & self.mask;
        loop {
            let slot = self.slots[at];
            if slot.first == NONE {
                self.slots[at].hash = hash;
                return &mut self.slots[at];
            }
            if slot.hash == hash {
                return &mut self.slots[at];
            }
            at = (at + 1) & self.mask;
        }
    }
}

/// Whether two transactions have the same date and the same postings as
/// `account amount currency` triples, in any order.
fn same_signature(
    a: &DirectiveWrapper,
    a_txn: &TransactionData,
    b: &DirectiveWrapper,
    b_txn: &TransactionData,
) -> bool {
    if a.date != b.date || a_txn.postings.len() != b_txn.postings.len() {
        return false;
    }
    let (mut a_legs, mut b_legs) = (legs(a_txn), legs(b_txn));
    a_legs.sort_unstable();
    b_legs.sort_unstable();
    a_legs == b_legs
}

fn legs(txn: &TransactionData) -> Vec<(&str, &str, &str)> {
    txn.postings
        .iter()
        .map(|posting| match &posting.units {
            Some(units) => (
                posting.account.as_str(),
                normalize_number(&units.number),
                units.currency.as_str(),
            ),
            None => (posting.account.as_str(), "", ""),
        })
        .collect()
}

/// A hash of the date plus the postings as `account amount` pairs, in any order, with
/// numbers normalized so `12.5` and `12.50` agree. Equal transactions have equal
/// signatures; equal signatures are confirmed with a full comparison (currencies
/// included), so the hash only has to be cheap and rarely collide.
#[must_use]
pub fn signature(date: &str, txn: &TransactionData) -> u64 {
    // A sum of mixed per-posting hashes does not depend on posting order.
    let mut sum = tail_word(date.as_bytes());
    for posting in &txn.postings {
        let number = posting
            .units
            .as_ref()
            .map_or("", |units| normalize_number(&units.number));
        let leg = tail_word(posting.account.as_bytes()).wrapping_mul(MULTIPLIER)
            ^ tail_word(number.as_bytes());
        sum = sum.wrapping_add(mix(leg));
    }
    mix(sum)
}

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// The last eight bytes of `bytes` and its length as one word: a string costs a couple of
/// loads whatever its length, where hashing byte by byte costs several fuel per byte.
/// Accounts, amounts and dates mostly differ near their end.
fn tail_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let tail = if n >= 8 {
        let mut word = [0; 8];
        word.copy_from_slice(&bytes[n - 8..]);
        u64::from_le_bytes(word)
    } else if n >= 4 {
        let mut first = [0; 4];
        let mut last = [0; 4];
        first.copy_from_slice(&bytes[..4]);
        last.copy_from_slice(&bytes[n - 4..]);
        u64::from(u32::from_le_bytes(first)) | u64::from(u32::from_le_bytes(last)) << 32
    } else if n > 0 {
        u64::from(bytes[0]) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16
    } else {
        0
    };
    tail.rotate_left(7) ^ n as u64
}

/// Spreads every input bit over the output (the 64-bit finalizer of MurmurHash3).
const fn mix(mut hash: u64) -> u64 {
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^ (hash >> 33)
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
    let mut end = bytes.len();
    if bytes.iter().any(|&b| b == b'.') {
        while end > 0 && bytes[end - 1] == b'0' {
            end -= 1;
        }
        while end > 0 && bytes[end - 1] == b'.' {
            end -= 1;
        }
    }
    let mut digits = 0;
    while digits < end && matches!(bytes[digits], b'-' | b'+') {
        digits += 1;
    }
    if bytes[digits..end].iter().all(|&b| b == b'0' || b == b'.') {
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
    fn equal_hashes_are_confirmed_in_full() {
        // Currencies are left out of the hash, so these two share a chain; the full
        // comparison keeps them apart, and a third, real duplicate is still found behind
        // the first entry of the chain.
        let eur = txn(1, "2024-05-01", Some("Shop"), "10");
        let mut usd = txn(2, "2024-05-01", Some("Shop"), "10");
        if let DirectiveData::Transaction(t) = &mut usd.data {
            for posting in &mut t.postings {
                posting.units.as_mut().unwrap().currency = "USD".into();
            }
        }
        let again = txn(3, "2024-05-01", Some("SHOP"), "10.00");
        let input = [usd, eur, again];
        let output = dedupe(&input, Config::default());
        assert_eq!(
            output.ops,
            [PluginOp::Keep(0), PluginOp::Keep(1), PluginOp::Delete(2)]
        );
        assert!(output.errors[0].message.contains("bank.beancount:1 ("));
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
