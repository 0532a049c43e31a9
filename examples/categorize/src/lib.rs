//! Categorize: a plugin that fills in the account of imported transactions from rules.
//!
//! Demonstrates `Ops` for the answer (only what changes is decided; everything else is
//! kept), a typed JSON config read with `rlplugin::config`, warnings attached to the
//! directive they concern, and case-insensitive matching built on `rlplugin::text`.
//!
//! Bank imports land with a placeholder leg (`Expenses:Uncategorized` by default). For each
//! transaction with such a posting, the first rule whose payee and/or narration pattern
//! matches replaces the placeholder with the rule's account and adds the rule's tag. A
//! transaction with a single posting (an unbalanced import) gets the opposite leg instead.
//!
//! ```text
//! plugin "categorize.wasm" "{\"rules\":[{\"payee\":\"amazon\",\"account\":\"Expenses:Shopping\",\"tag\":\"online\"}]}"
//! ```
//!
//! The crate makes the plugin twice, from the same rules: through the drop-in API
//! ([`process`], rustledger's own API, every directive decoded) and, with the `view`
//! feature, through the view API ([`view::process`], which reads only the accounts of each
//! transaction's postings and decodes only the transactions it changes).
//!
//! Run it: `cargo test -p categorize` (builds both wasm modules, runs them in the production
//! sandbox), `cargo build -p categorize --release --target wasm32-unknown-unknown` for the
//! drop-in module, the same with `--features view` for the view one.

use rlplugin::{
    AmountData, DirectiveData, DirectiveWrapper, Ops, OpsError, PluginError, PluginInput,
    PluginOutput, PostingData, TransactionData,
};
use serde::Deserialize;

pub mod view;

#[cfg(not(feature = "view"))]
rlplugin::wasm_plugin_main! { process: process }

#[cfg(feature = "view")]
rlplugin::wasm_plugin_main! { view: view::process }

/// The plugin's config, given as JSON on the `plugin` line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Rules, tried in order; the first match wins.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// The account imports use for the leg still to be categorized.
    #[serde(default = "default_placeholder")]
    pub placeholder: String,
    /// Account for transactions no rule matches; without it they stay on the placeholder
    /// and get a warning.
    #[serde(default)]
    pub default_account: Option<String>,
}

fn default_placeholder() -> String {
    "Expenses:Uncategorized".to_owned()
}

/// One rule: patterns to match and what to do on a match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Pattern matched against the payee.
    #[serde(default)]
    pub payee: Option<String>,
    /// Pattern matched against the narration.
    #[serde(default)]
    pub narration: Option<String>,
    /// Account replacing the placeholder.
    #[serde(default)]
    pub account: Option<String>,
    /// Tag added to the transaction, without `#`.
    #[serde(default)]
    pub tag: Option<String>,
}

/// The plugin entry point: reads the config, then categorizes.
///
/// # Errors
///
/// A config that is not JSON of the expected shape, or a rule that matches nothing or does
/// nothing; the host then keeps every directive and shows the message as an error.
pub fn process(input: PluginInput) -> Result<PluginOutput, String> {
    let config: Config =
        rlplugin::config(input.config.as_deref()).map_err(|error| error.to_string())?;
    let rules = Rules::compile(config)?;
    categorize(input.directives, &rules).map_err(|error| error.to_string())
}

/// Validated rules with lowercased patterns, ready to match.
#[derive(Debug)]
pub struct Rules {
    rules: Vec<CompiledRule>,
    placeholder: String,
    default_account: Option<String>,
}

#[derive(Debug)]
struct CompiledRule {
    payee: Option<Pattern>,
    narration: Option<Pattern>,
    account: Option<String>,
    tag: Option<String>,
}

impl Rules {
    /// Checks every rule and prepares its patterns.
    ///
    /// # Errors
    ///
    /// A rule without a pattern, without an account and a tag, with an empty pattern, or an
    /// account or tag that is not a valid name.
    pub fn compile(config: Config) -> Result<Self, String> {
        check_account(&config.placeholder, "placeholder")?;
        if let Some(account) = &config.default_account {
            check_account(account, "default_account")?;
        }
        let rules = config
            .rules
            .into_iter()
            .enumerate()
            .map(|(index, rule)| {
                let n = index + 1;
                if rule.payee.is_none() && rule.narration.is_none() {
                    return Err(format!(
                        "rule {n} has no pattern; give it \"payee\" and/or \"narration\""
                    ));
                }
                if rule.account.is_none() && rule.tag.is_none() {
                    return Err(format!(
                        "rule {n} does nothing; give it an \"account\" and/or a \"tag\""
                    ));
                }
                if let Some(account) = &rule.account {
                    check_account(account, &format!("rule {n} account"))?;
                }
                if let Some(tag) = &rule.tag
                    && (tag.is_empty() || tag.starts_with('#') || tag.contains(char::is_whitespace))
                {
                    return Err(format!(
                        "rule {n} tag {tag:?} is not a tag; write it without '#' or spaces"
                    ));
                }
                Ok(CompiledRule {
                    payee: rule.payee.as_deref().map(Pattern::new).transpose()?,
                    narration: rule.narration.as_deref().map(Pattern::new).transpose()?,
                    account: rule.account,
                    tag: rule.tag,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            rules,
            placeholder: config.placeholder,
            default_account: config.default_account,
        })
    }

    /// The first rule that matches; `narration` is asked for only by a rule with a
    /// narration pattern whose payee pattern (if any) matched.
    fn find<'t>(
        &self,
        payee: Option<&str>,
        mut narration: impl FnMut() -> &'t str,
    ) -> Option<&CompiledRule> {
        self.rules.iter().find(|rule| {
            rule.payee
                .as_ref()
                .is_none_or(|p| payee.is_some_and(|payee| p.matches(payee)))
                && rule
                    .narration
                    .as_ref()
                    .is_none_or(|p| p.matches(narration()))
        })
    }
}

fn check_account(account: &str, what: &str) -> Result<(), String> {
    rlplugin::validate::check_account(account).map_err(|problem| format!("{what}: {problem}"))
}

/// A case-insensitive pattern: a substring, or a glob over the whole text when it contains
/// `*`. ASCII letters only are case-folded, which keeps matching allocation-free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    lowered: Vec<u8>,
    glob: bool,
}

impl Pattern {
    /// Prepares `pattern`.
    ///
    /// # Errors
    ///
    /// An empty pattern, which would match everything.
    pub fn new(pattern: &str) -> Result<Self, String> {
        if pattern.trim_matches('*').is_empty() {
            return Err(format!(
                "pattern {pattern:?} matches everything; use \"default_account\" for a catch-all"
            ));
        }
        let lowered = pattern.to_ascii_lowercase().into_bytes();
        // `*text*` over the whole text is a substring search, which needs no backtracking.
        let inner = lowered
            .strip_prefix(b"*")
            .and_then(|rest| rest.strip_suffix(b"*"))
            .filter(|inner| !inner.contains(&b'*'));
        Ok(match inner {
            Some(inner) => Self {
                lowered: inner.to_vec(),
                glob: false,
            },
            None => Self {
                glob: lowered.contains(&b'*'),
                lowered,
            },
        })
    }

    /// Whether `text` matches.
    #[must_use]
    pub fn matches(&self, text: &str) -> bool {
        let text = text.as_bytes();
        if self.glob {
            glob_match(&self.lowered, text)
        } else {
            rlplugin::text::contains_ignore_ascii_case(text, &self.lowered)
        }
    }
}

/// Iterative glob match with single-star backtracking: linear in practice, no recursion.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            backtrack = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t].to_ascii_lowercase() {
            p += 1;
            t += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Categorizes every transaction that has a placeholder leg or a single posting; every
/// other directive is kept as the host has it.
///
/// # Errors
///
/// None in practice: each input index is decided at most once.
pub fn categorize(
    directives: Vec<DirectiveWrapper>,
    rules: &Rules,
) -> Result<PluginOutput, OpsError> {
    let mut ops = Ops::new(directives.len());
    for (index, mut directive) in directives.into_iter().enumerate() {
        let DirectiveData::Transaction(txn) = &mut directive.data else {
            continue;
        };
        let placeholder = txn
            .postings
            .iter()
            .position(|posting| posting.account == rules.placeholder);
        let single = txn.postings.len() == 1 && opposite_units(&txn.postings[0]).is_some();
        match decide(
            txn.payee.as_deref(),
            || txn.narration.as_str(),
            placeholder,
            single,
            rules,
        ) {
            Decision::Untouched => {}
            Decision::NoRule => {
                let warning = no_rule(txn.payee.as_deref(), &txn.narration);
                ops.error(warning.at_directive(&directive));
            }
            Decision::Change {
                placeholder,
                account,
                tag,
            } => {
                apply(txn, placeholder, account, tag);
                ops.modify(index, directive)?;
            }
        }
    }
    Ok(ops.finish())
}

enum Decision<'r> {
    Untouched,
    NoRule,
    Change {
        /// The placeholder posting to re-account; `None` for a lone posting.
        placeholder: Option<usize>,
        account: Option<&'r str>,
        tag: Option<&'r str>,
    },
}

/// What to do with a transaction: `placeholder` is its placeholder posting, `single` whether
/// it is a lone plain posting, `payee` its payee and `narration` its narration, asked for
/// only when a rule needs it (through the view API, reading the texts is most of what a
/// transaction costs).
fn decide<'t, 'r>(
    payee: Option<&str>,
    narration: impl FnMut() -> &'t str,
    placeholder: Option<usize>,
    single: bool,
    rules: &'r Rules,
) -> Decision<'r> {
    if placeholder.is_none() && !single {
        return Decision::Untouched;
    }
    let rule = rules.find(payee, narration);
    let account = rule
        .and_then(|rule| rule.account.as_deref())
        .or(rules.default_account.as_deref());
    let tag = rule.and_then(|rule| rule.tag.as_deref());
    if account.is_none() && tag.is_none() {
        return Decision::NoRule;
    }
    Decision::Change {
        placeholder,
        account,
        tag,
    }
}

/// The warning for a transaction no rule matches, without its location.
fn no_rule(payee: Option<&str>, narration: &str) -> PluginError {
    const PAYEE: &str = "no rule matches payee ";
    const NARRATION: &str = " narration ";
    const ADVICE: &str = "; add a rule or set \"default_account\"";
    let payee = payee.unwrap_or("");
    // Each text between two quotes, when it needs no escape.
    let len = PAYEE.len() + NARRATION.len() + ADVICE.len() + payee.len() + narration.len() + 4;
    let mut message = String::with_capacity(len);
    message.push_str(PAYEE);
    rlplugin::text::push_quoted(&mut message, payee);
    message.push_str(NARRATION);
    rlplugin::text::push_quoted(&mut message, narration);
    message.push_str(ADVICE);
    PluginError::warning(message)
}

fn apply(
    txn: &mut TransactionData,
    placeholder: Option<usize>,
    account: Option<&str>,
    tag: Option<&str>,
) {
    if let Some(tag) = tag
        && !txn.tags.iter().any(|t| t == tag)
    {
        txn.tags.push(tag.to_owned());
    }
    if let Some(account) = account {
        match placeholder {
            Some(index) => account.clone_into(&mut txn.postings[index].account),
            None => {
                let units = opposite_units(&txn.postings[0]);
                txn.postings.push(PostingData {
                    account: account.to_owned(),
                    units,
                    cost: None,
                    price: None,
                    flag: None,
                    metadata: Vec::new(),
                    span: None,
                });
            }
        }
    }
}

/// The amount that balances a lone posting, when it is a plain amount (a cost or price
/// would make the weight differ from the units).
fn opposite_units(posting: &PostingData) -> Option<AmountData> {
    if posting.cost.is_some() || posting.price.is_some() {
        return None;
    }
    let units = posting.units.as_ref()?;
    if units.number.is_empty() || units.currency.is_empty() {
        return None;
    }
    let number = match units.number.strip_prefix('-') {
        Some(positive) => positive.to_owned(),
        None => format!("-{}", units.number),
    };
    Some(AmountData::new(number, units.currency.clone()))
}

#[cfg(test)]
mod tests {
    use rlplugin::PluginOp;

    use super::*;

    #[test]
    fn the_warning_quotes_payee_and_narration() {
        assert_eq!(
            no_rule(None, "Rent").message,
            "no rule matches payee \"\" narration \"Rent\"; add a rule or set \"default_account\""
        );
        assert_eq!(
            no_rule(Some("Bob's \"Diner\""), "tab\there").message,
            "no rule matches payee \"Bob's \\\"Diner\\\"\" narration \"tab\\there\"; add a rule or set \"default_account\""
        );
    }

    fn posting(account: &str, number: &str) -> PostingData {
        PostingData {
            account: account.into(),
            units: Some(AmountData::new(number, "USD")),
            cost: None,
            price: None,
            flag: None,
            metadata: vec![],
            span: None,
        }
    }

    fn txn(payee: Option<&str>, narration: &str, postings: Vec<PostingData>) -> DirectiveWrapper {
        DirectiveWrapper {
            directive_type: String::new(),
            date: "2024-03-01".into(),
            filename: Some("/books/main.beancount".into()),
            lineno: Some(7),
            data: DirectiveData::Transaction(TransactionData {
                flag: "*".into(),
                payee: payee.map(Into::into),
                narration: narration.into(),
                tags: vec![],
                links: vec![],
                metadata: vec![],
                postings,
            }),
        }
    }

    /// Categorizes a copy, so one input serves several runs.
    fn run(input: &[DirectiveWrapper], rules: &Rules) -> PluginOutput {
        categorize(input.to_vec(), rules).unwrap()
    }

    fn rules(json_like: Vec<Rule>, default_account: Option<&str>) -> Rules {
        Rules::compile(Config {
            rules: json_like,
            placeholder: default_placeholder(),
            default_account: default_account.map(Into::into),
        })
        .unwrap()
    }

    fn rule(
        payee: Option<&str>,
        narration: Option<&str>,
        account: &str,
        tag: Option<&str>,
    ) -> Rule {
        Rule {
            payee: payee.map(Into::into),
            narration: narration.map(Into::into),
            account: Some(account.into()),
            tag: tag.map(Into::into),
        }
    }

    fn modified(op: &PluginOp) -> &TransactionData {
        match op {
            PluginOp::Modify(
                _,
                DirectiveWrapper {
                    data: DirectiveData::Transaction(t),
                    ..
                },
            ) => t,
            other => panic!("expected a modified transaction, got {other:?}"),
        }
    }

    #[test]
    fn accounts_follow_rustledger_s_rule_unicode_included() {
        let unicode = rule(Some("rewe"), None, "Expenses:食品", None);
        assert!(
            Rules::compile(Config {
                rules: vec![unicode],
                placeholder: default_placeholder(),
                default_account: Some("Ausgaben:Lebensmittel".into()),
            })
            .is_ok()
        );
        let lowercase = rule(Some("rewe"), None, "Expenses:food", None);
        let error = Rules::compile(Config {
            rules: vec![lowercase],
            placeholder: default_placeholder(),
            default_account: None,
        })
        .unwrap_err();
        assert!(
            error.starts_with("rule 1 account: \"Expenses:food\" is not an account name"),
            "{error}"
        );
    }

    #[test]
    fn substring_patterns_ignore_ascii_case() {
        let pattern = Pattern::new("AmaZon").unwrap();
        assert!(pattern.matches("AMAZON MKTPLACE PMTS"));
        assert!(pattern.matches("www.amazon.de"));
        assert!(!pattern.matches("Amazing Grocer"));
        assert!(!pattern.matches("ama"));
    }

    #[test]
    fn substrings_are_found_at_every_position() {
        let text = "0123456789abcdefghijKLMNOPQRSTUVWXYZ";
        for start in 0..text.len() {
            for len in 1..=(text.len() - start).min(5) {
                let needle = &text[start..start + len];
                assert!(Pattern::new(needle).unwrap().matches(text), "{needle}");
            }
        }
        for len in 3..24 {
            for at in 0..=len - 3 {
                let mut text = "m".repeat(len);
                text.replace_range(at..at + 3, "MaR");
                assert!(Pattern::new("mar").unwrap().matches(&text), "{text}");
                text.replace_range(at..at + 3, "MaX");
                assert!(!Pattern::new("mar").unwrap().matches(&text), "{text}");
            }
        }
        assert!(!Pattern::new("zz").unwrap().matches(text));
        assert!(!Pattern::new("9a0").unwrap().matches(text));
        assert!(Pattern::new("xyz").unwrap().matches("aaaaaaaaaaaaaaaaXYZ"));
        assert!(!Pattern::new("xyz").unwrap().matches("aaaaaaaaaaaaaaaaXY"));
    }

    #[test]
    fn only_letters_match_in_either_case() {
        // Bytes one bit apart from the pattern's first, as a letter's two cases are.
        assert!(!Pattern::new("`x").unwrap().matches("@x"));
        assert!(!Pattern::new("{a").unwrap().matches("[a"));
        assert!(!Pattern::new("a").unwrap().matches("\u{1}\u{1}"));
        assert!(Pattern::new("{a").unwrap().matches("x{A"));
        // A match right after a byte that is one less than the first letter.
        assert!(Pattern::new("bc").unwrap().matches("aaaaaaaaAbC"));
        assert!(Pattern::new("café").unwrap().matches("Le CAFé"));
        assert!(!Pattern::new("café").unwrap().matches("Le CAFÉ"));
    }

    #[test]
    fn globs_match_the_whole_text() {
        let pattern = Pattern::new("shell*station").unwrap();
        assert!(pattern.matches("SHELL 0042 Station"));
        assert!(!pattern.matches("SHELL 0042 Station 7"));
        assert!(!pattern.matches("The shell station"));
        let prefix = Pattern::new("uber *").unwrap();
        assert!(prefix.matches("UBER *TRIP"));
        assert!(!prefix.matches("UBEREATS"));
        assert!(Pattern::new("*a*b*").unwrap().matches("xxaxxbxx"));
        assert!(!Pattern::new("*a*b").unwrap().matches("xxaxxbxx"));
    }

    #[test]
    fn stars_at_both_ends_search_like_a_substring() {
        let pattern = Pattern::new("*ReNt*").unwrap();
        assert!(!pattern.glob);
        assert!(pattern.matches("Monthly RENT"));
        assert!(pattern.matches("rent"));
        assert!(!pattern.matches("ren t"));
        assert!(Pattern::new("*a*b*").unwrap().glob);
    }

    #[test]
    fn empty_patterns_are_rejected() {
        assert!(Pattern::new("").unwrap_err().contains("matches everything"));
        assert!(Pattern::new("**").is_err());
    }

    #[test]
    fn first_matching_rule_replaces_the_placeholder_and_tags() {
        let rules = rules(
            vec![rule(
                Some("amazon"),
                None,
                "Expenses:Shopping",
                Some("online"),
            )],
            None,
        );
        let input = [txn(
            Some("AMAZON.COM"),
            "order 123",
            vec![
                posting("Liabilities:Card", "-25.00"),
                posting("Expenses:Uncategorized", "25.00"),
            ],
        )];
        let output = run(&input, &rules);
        let changed = modified(&output.ops[0]);
        assert_eq!(changed.postings[1].account, "Expenses:Shopping");
        assert_eq!(
            changed.postings[1].units,
            Some(AmountData::new("25.00", "USD"))
        );
        assert_eq!(changed.tags, ["online"]);
        assert!(output.errors.is_empty());
    }

    #[test]
    fn payee_and_narration_must_both_match_when_both_given() {
        let rules = rules(
            vec![
                rule(Some("acme"), Some("salary"), "Income:Salary", None),
                rule(Some("acme"), None, "Expenses:Office", None),
            ],
            None,
        );
        let pay = [txn(
            Some("ACME Corp"),
            "Salary March",
            vec![
                posting("Assets:Bank", "3000"),
                posting("Expenses:Uncategorized", "-3000"),
            ],
        )];
        let buy = [txn(
            Some("ACME Corp"),
            "Paper",
            vec![
                posting("Assets:Bank", "-9"),
                posting("Expenses:Uncategorized", "9"),
            ],
        )];
        assert_eq!(
            modified(&run(&pay, &rules).ops[0]).postings[1].account,
            "Income:Salary"
        );
        assert_eq!(
            modified(&run(&buy, &rules).ops[0]).postings[1].account,
            "Expenses:Office"
        );
    }

    #[test]
    fn a_lone_posting_gets_the_opposite_leg() {
        let rules = rules(
            vec![rule(Some("cafe"), None, "Expenses:Coffee", None)],
            None,
        );
        let input = [txn(
            Some("Cafe Luna"),
            "",
            vec![posting("Assets:Cash", "-3.50")],
        )];
        let changed = modified(&run(&input, &rules).ops[0]).clone();
        assert_eq!(changed.postings.len(), 2);
        assert_eq!(changed.postings[1].account, "Expenses:Coffee");
        assert_eq!(
            changed.postings[1].units,
            Some(AmountData::new("3.50", "USD"))
        );
        assert_eq!(changed.postings[1].span, None);
    }

    #[test]
    fn unmatched_transactions_use_the_default_or_warn_at_their_line() {
        let input = [txn(
            Some("Mystery"),
            "",
            vec![
                posting("Assets:Bank", "-1"),
                posting("Expenses:Uncategorized", "1"),
            ],
        )];
        let with_default = run(&input, &rules(vec![], Some("Expenses:Misc")));
        assert_eq!(
            modified(&with_default.ops[0]).postings[1].account,
            "Expenses:Misc"
        );

        let without = run(&input, &rules(vec![], None));
        assert_eq!(without.ops, [PluginOp::Keep(0)]);
        assert_eq!(
            without.errors[0].to_string(),
            "/books/main.beancount:7: warning: no rule matches payee \"Mystery\" narration \"\"; add a rule or set \"default_account\""
        );
    }

    #[test]
    fn categorized_transactions_are_kept() {
        let rules = rules(vec![rule(Some("x"), None, "Expenses:X", None)], None);
        let input = [txn(
            Some("x"),
            "",
            vec![posting("Assets:Bank", "-1"), posting("Expenses:Food", "1")],
        )];
        assert_eq!(run(&input, &rules).ops, [PluginOp::Keep(0)]);
    }

    #[test]
    fn bad_rules_are_explained() {
        let compile = |rule: Rule| {
            Rules::compile(Config {
                rules: vec![rule],
                ..Config::default_for_tests()
            })
        };
        assert_eq!(
            compile(Rule {
                account: Some("Expenses:X".into()),
                ..Rule::default()
            })
            .unwrap_err(),
            "rule 1 has no pattern; give it \"payee\" and/or \"narration\""
        );
        assert!(
            compile(Rule {
                payee: Some("a".into()),
                ..Rule::default()
            })
            .unwrap_err()
            .contains("does nothing")
        );
        assert!(
            compile(rule(Some("a"), None, "expenses", None))
                .unwrap_err()
                .contains("not an account name")
        );
        assert!(
            compile(Rule {
                payee: Some("a".into()),
                tag: Some("#x".into()),
                ..Rule::default()
            })
            .unwrap_err()
            .contains("without '#'")
        );
    }

    impl Config {
        fn default_for_tests() -> Self {
            Self {
                rules: vec![],
                placeholder: default_placeholder(),
                default_account: None,
            }
        }
    }
}
