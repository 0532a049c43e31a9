//! Currency guard: a validator that reports every posting whose currency was never declared.
//!
//! Demonstrates a read-only plugin through the view API (`wasm_plugin_main! { view: … }`):
//! it reads only the currencies of commodities and postings, borrowed from the host's
//! bytes, keeps every directive without decoding it (`ledger.ops()` decides nothing), and
//! reports errors at the offending posting's `file:line`. A currency is declared when it
//! is an `option "operating_currency"` or has a `commodity` directive anywhere in the ledger.
//! The units, the cost and the price of every posting are checked, so a typo such as `USDD`
//! or a forgotten `commodity VTI` is caught at load time.
//!
//! ```text
//! plugin "currency_guard.wasm"
//! plugin "currency_guard.wasm" "severity=warning"
//! ```
//!
//! Run it: `cargo test -p currency-guard` (builds the wasm, runs it in the production
//! sandbox), `cargo build -p currency-guard --release --target wasm32-unknown-unknown` for
//! the module.

use rlplugin::view::{DirectiveView, Kind, LedgerView, PostingCurrencies, ViewOps};
use rlplugin::{DirectiveData, PluginError, PluginErrorSeverity, TransactionData};
use rustc_hash::FxHashSet;
use serde::Deserialize;

rlplugin::wasm_plugin_main! { view: process }

/// The plugin's config: JSON or `key=value`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How undeclared currencies are reported.
    #[serde(default)]
    pub severity: Severity,
}

/// `severity=error` (the default) fails `rledger check`; `severity=warning` only reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Report as errors.
    #[default]
    Error,
    /// Report as warnings.
    Warning,
}

/// The plugin entry point: reads the config, then checks.
///
/// # Errors
///
/// A config other than `severity=error` or `severity=warning`.
pub fn process(ledger: LedgerView<'_>) -> Result<ViewOps, rlplugin::ConfigError> {
    let config: Config = rlplugin::config(ledger.config())?;
    Ok(check(ledger, config))
}

/// Checks every posting of every transaction against the declared currencies.
#[must_use]
pub fn check(ledger: LedgerView<'_>, config: Config) -> ViewOps {
    let mut declared = Declared::new(
        ledger
            .options()
            .operating_currencies
            .iter()
            .map(String::as_str),
    );
    let severity = match config.severity {
        Severity::Error => PluginErrorSeverity::Error,
        Severity::Warning => PluginErrorSeverity::Warning,
    };
    // One pass over the ledger: a commodity may be declared after a posting names it, so a
    // transaction naming a currency not declared so far is checked again at the end, when
    // every declaration has been read.
    let mut unsure = Vec::new();
    for directive in ledger.directives() {
        match directive.kind() {
            Some(Kind::Commodity) => declared.extend(directive.currency()),
            Some(Kind::Transaction) if !declared.allows_postings_of(directive) => {
                unsure.push(directive);
            }
            _ => {}
        }
    }
    let mut ops = ledger.ops();
    for directive in unsure {
        report(&mut ops, &declared, severity, directive);
    }
    ops
}

/// Reports each currency a posting of `directive` names that is not declared, once per
/// posting, at the posting's line.
fn report<'a>(
    ops: &mut ViewOps,
    declared: &Declared<'a>,
    severity: PluginErrorSeverity,
    directive: DirectiveView<'a>,
) {
    // Decoded whole only to place a message: the posting's line counts metadata lines.
    let mut decoded: Option<TransactionData> = None;
    for (index, posting) in directive.postings().enumerate() {
        let currencies = by_role(posting.currencies());
        let mut reported: [Option<&str>; 3] = [None; 3];
        for (slot, (role, currency)) in currencies.into_iter().enumerate() {
            let Some(currency) = currency else { continue };
            if declared.contains(currency) || reported.contains(&Some(currency)) {
                continue;
            }
            reported[slot] = Some(currency);
            let mut error = PluginError::error(format!(
                "currency {currency} ({role} of the {account} posting) is neither an operating currency nor declared; add \"commodity {currency}\" or fix the typo",
                account = posting.account(),
            ));
            error.severity = severity;
            if let (Some(file), Some(line)) = (directive.filename(), directive.lineno()) {
                if decoded.is_none()
                    && let DirectiveData::Transaction(txn) = directive.to_owned().data
                {
                    decoded = Some(txn);
                }
                let line = decoded
                    .as_ref()
                    .map_or(line, |txn| posting_line(line, txn, index));
                error = error.at(file, line);
            }
            ops.error(error);
        }
    }
}

/// The declared currencies. FxHash reads a word per step, where std's SipHash spends
/// several fuel per byte; and most postings name one of the two currencies named last (a
/// purchase abroad names its own and the one it is paid in), which are compared first.
struct Declared<'a> {
    set: FxHashSet<&'a str>,
    /// The two declared currencies named last, the latest first.
    recent: [core::cell::Cell<&'a str>; 2],
}

impl<'a> Declared<'a> {
    fn new(currencies: impl Iterator<Item = &'a str>) -> Self {
        Self {
            set: currencies.collect(),
            recent: Default::default(),
        }
    }

    fn extend(&mut self, currencies: impl IntoIterator<Item = &'a str>) {
        self.set.extend(currencies);
    }

    /// Whether every posting of `transaction` names only declared currencies.
    fn allows_postings_of(&self, transaction: DirectiveView<'a>) -> bool {
        transaction.postings().all(|posting| {
            let named = posting.currencies();
            self.allows(named.units) && self.allows(named.cost) && self.allows(named.price)
        })
    }

    /// Whether a posting may name `currency`: it is declared, or there is none.
    fn allows(&self, currency: Option<&'a str>) -> bool {
        currency.is_none_or(|currency| currency.is_empty() || self.contains(currency))
    }

    /// Whether `currency` is declared: the latest one named is compared in the caller's
    /// loop, the rest out of it.
    #[inline(always)]
    fn contains(&self, currency: &'a str) -> bool {
        (same_name(currency, self.recent[0].get()) && !currency.is_empty())
            || self.contains_not_latest(currency)
    }

    #[inline(never)]
    fn contains_not_latest(&self, currency: &'a str) -> bool {
        let [latest, before] = &self.recent;
        let declared = (same_name(currency, before.get()) && !currency.is_empty())
            || self.set.contains(currency);
        if declared {
            before.set(latest.replace(currency));
        }
        declared
    }
}

/// `a == b` for names as short as currencies: a byte loop the compiler keeps inline, where
/// `==` on `&str` calls `memcmp`, whose setup costs more than comparing three or four bytes.
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// The currencies a posting uses, named by role; `None` where a part is absent or
/// currency-less.
fn by_role(
    PostingCurrencies { units, cost, price }: PostingCurrencies<'_>,
) -> [(&'static str, Option<&str>); 3] {
    [
        ("units", units.and_then(non_empty)),
        ("cost", cost.and_then(non_empty)),
        ("price", price.and_then(non_empty)),
    ]
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// The line of posting `index`, assuming the usual layout: the header line, one line per
/// transaction metadata entry, then each posting followed by its metadata lines. The wire
/// carries posting byte spans but not the file, so comment lines inside a transaction
/// would shift this; the message names the posting's account to stay unambiguous.
#[must_use]
pub fn posting_line(header_line: u32, txn: &TransactionData, index: usize) -> u32 {
    let before: usize = txn
        .postings
        .iter()
        .take(index)
        .map(|posting| 1 + posting.metadata.len())
        .sum();
    let offset = 1 + txn.metadata.len() + before;
    header_line.saturating_add(u32::try_from(offset).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlplugin::{
        AmountData, CommodityData, CostData, CostNumberData, DirectiveWrapper, MetaValueData,
        PluginInput, PluginOp, PluginOptions, PluginOutput, PostingData, PriceAnnotationData,
    };

    /// The plugin's answer for `directives` with these operating currencies.
    fn run(directives: &[DirectiveWrapper], operating: &[String], config: Config) -> PluginOutput {
        let bytes = rlplugin::view::encode_input(&PluginInput {
            directives: directives.to_vec(),
            options: PluginOptions {
                operating_currencies: operating.to_vec(),
                ..PluginOptions::default()
            },
            config: None,
        });
        rlplugin::guest::view_plugin_output(&bytes, |ledger| check(ledger, config))
    }

    fn wrap(lineno: u32, data: DirectiveData) -> DirectiveWrapper {
        DirectiveWrapper {
            directive_type: String::new(),
            date: "2024-01-02".into(),
            filename: Some("/books/main.beancount".into()),
            lineno: Some(lineno),
            data,
        }
    }

    fn posting(account: &str, number: &str, currency: &str) -> PostingData {
        PostingData {
            account: account.into(),
            units: Some(AmountData::new(number, currency)),
            cost: None,
            price: None,
            flag: None,
            metadata: vec![],
            span: None,
        }
    }

    fn txn(lineno: u32, metadata: usize, postings: Vec<PostingData>) -> DirectiveWrapper {
        wrap(
            lineno,
            DirectiveData::Transaction(TransactionData {
                flag: "*".into(),
                payee: None,
                narration: "buy".into(),
                tags: vec![],
                links: vec![],
                metadata: (0..metadata)
                    .map(|i| (format!("k{i}"), MetaValueData::String("v".into())))
                    .collect(),
                postings,
            }),
        )
    }

    fn commodity(currency: &str) -> DirectiveWrapper {
        wrap(
            1,
            DirectiveData::Commodity(CommodityData {
                currency: currency.into(),
                metadata: vec![],
            }),
        )
    }

    #[test]
    fn declared_and_operating_currencies_pass_and_all_directives_are_kept() {
        let input = [
            commodity("VTI"),
            txn(
                5,
                0,
                vec![
                    posting("Assets:Broker", "1", "VTI"),
                    posting("Assets:Cash", "-1", "USD"),
                ],
            ),
        ];
        let output = run(&input, &["USD".into()], Config::default());
        assert!(output.errors.is_empty());
        assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
    }

    #[test]
    fn commodity_declared_after_use_still_counts() {
        let input = [
            txn(3, 0, vec![posting("Assets:Broker", "1", "VTI")]),
            commodity("VTI"),
        ];
        assert!(run(&input, &[], Config::default()).errors.is_empty());
    }

    #[test]
    fn undeclared_units_cost_and_price_are_reported_at_the_posting_line() {
        let mut stock = posting("Assets:Broker", "10", "VTI");
        stock.cost = Some(CostData {
            number: Some(CostNumberData::PerUnit {
                value: "200".into(),
            }),
            currency: Some("USDD".into()),
            date: None,
            label: None,
            merge: false,
        });
        stock.metadata = vec![("lot".into(), MetaValueData::String("a".into()))];
        let mut cash = posting("Assets:Cash", "-2000", "USD");
        cash.price = Some(PriceAnnotationData {
            is_total: false,
            amount: Some(AmountData::new("1", "EURO")),
            number: None,
            currency: None,
        });
        let input = [txn(
            10,
            2,
            vec![posting("Assets:Cash", "0", "USD"), stock, cash],
        )];
        let output = run(&input, &["USD".into()], Config::default());
        let lines: Vec<String> = output.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "/books/main.beancount:14: error: currency VTI (units of the Assets:Broker posting) is neither an operating currency nor declared; add \"commodity VTI\" or fix the typo",
                "/books/main.beancount:14: error: currency USDD (cost of the Assets:Broker posting) is neither an operating currency nor declared; add \"commodity USDD\" or fix the typo",
                "/books/main.beancount:16: error: currency EURO (price of the Assets:Cash posting) is neither an operating currency nor declared; add \"commodity EURO\" or fix the typo",
            ]
        );
    }

    #[test]
    fn one_currency_twice_in_a_posting_is_reported_once() {
        let mut p = posting("Assets:Broker", "1", "XAU");
        p.price = Some(PriceAnnotationData {
            is_total: true,
            amount: None,
            number: None,
            currency: Some("XAU".into()),
        });
        let output = run(&[txn(1, 0, vec![p])], &[], Config::default());
        assert_eq!(output.errors.len(), 1);
    }

    #[test]
    fn short_and_long_currency_names_are_looked_up_exactly() {
        let declared = Declared::new(["USD", "VACHR", "LONGNAME1", "X"].into_iter());
        for known in ["USD", "VACHR", "LONGNAME1", "X"] {
            assert!(declared.contains(known), "{known}");
        }
        for unknown in ["US", "USDD", "USD\0", "LONGNAME", "LONGNAME2", "", "x"] {
            assert!(!declared.contains(unknown), "{unknown:?}");
        }
    }

    #[test]
    fn currencies_named_in_turn_are_looked_up_exactly() {
        let declared = Declared::new(["USD", "EUR", "BND"].into_iter());
        let named = [
            "USD", "EUR", "USD", "EURO", "EUR", "BND", "USD", "BN", "BND", "", "USD",
        ];
        for currency in named {
            let expected = ["USD", "EUR", "BND"].contains(&currency);
            assert_eq!(declared.contains(currency), expected, "{currency:?}");
        }
    }

    #[test]
    fn warning_severity_is_configurable() {
        let config = Config {
            severity: Severity::Warning,
        };
        let output = run(&[txn(1, 0, vec![posting("A:B", "1", "XYZ")])], &[], config);
        assert_eq!(output.errors[0].severity, PluginErrorSeverity::Warning);
    }

    #[test]
    fn posting_lines_count_metadata_lines() {
        let DirectiveData::Transaction(t) = txn(
            100,
            1,
            vec![posting("A:B", "1", "X"), posting("A:C", "1", "X")],
        )
        .data
        else {
            unreachable!()
        };
        assert_eq!(posting_line(100, &t, 0), 102);
        assert_eq!(posting_line(100, &t, 1), 103);
    }
}
