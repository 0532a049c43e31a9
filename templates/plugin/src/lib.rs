//! {{project-name}}: a rustledger plugin that tags each transaction with an expense above a
//! threshold, so big spending is one query away (`WHERE 'large' IN tags`).
//!
//! Its config, the second string of the `plugin` line, is `key=value` pairs (or a JSON
//! object) for the fields of [`Config`]; every key is optional:
//!
//! ```text
//! plugin "{{crate_name}}.wasm" "threshold=250, tag=big"
//! ```
//!
//! Build it with `cargo build --target wasm32-unknown-unknown --release`; the tests in
//! `tests/` run it in rustledger's production sandbox.

use rlplugin::PluginAccountTypes;
use rlplugin::view::{Kind, LedgerView, PostingView, ViewOps};
use serde::Deserialize;

// The view API: `process` reads the fields it needs straight from rustledger's bytes. For
// rustledger's own API (every directive decoded into `PluginInput`), write
// `wasm_plugin_main! { process: f }` with `fn f(PluginInput) -> PluginOutput`.
rlplugin::wasm_plugin_main! { view: tag_large_expenses }

/// What the `plugin` line configures.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// An expense posting above this amount, in whatever currency, is large. Default 500.
    pub threshold: f64,
    /// The tag for a transaction with a large expense, without `#`. Default `large`.
    pub tag: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            threshold: 500.0,
            tag: "large".to_owned(),
        }
    }
}

/// Tags each transaction that has an expense posting above the configured threshold; every
/// other directive is kept as it is.
///
/// # Errors
///
/// A config that does not parse. rlplugin then keeps every directive unchanged and shows
/// the message as the plugin's error.
pub fn tag_large_expenses(
    ledger: LedgerView<'_>,
) -> Result<ViewOps, Box<dyn std::error::Error>> {
    let config: Config = rlplugin::config(ledger.config())?;
    let account_types = &ledger.options().account_types;
    // The answer keeps every directive nobody decides on, without decoding it: Keep is
    // lossless and costs the least fuel.
    let mut ops = ledger.ops();
    for directive in ledger.directives() {
        // The tags are read only for a transaction with a large expense: most have none.
        if directive.kind() == Some(Kind::Transaction)
            && directive
                .postings()
                .any(|posting| is_large_expense(&posting, config.threshold, account_types))
            && !directive.tags().any(|tag| tag == config.tag)
        {
            // The new tag is written (borrowed from the config, not copied); the rest of the
            // transaction is copied as rustledger sent it.
            ops.edit(directive.edit().push_tag(config.tag.as_str()))?;
        }
    }
    Ok(ops)
}

fn is_large_expense(
    posting: &PostingView<'_>,
    threshold: f64,
    account_types: &PluginAccountTypes,
) -> bool {
    // f64 orders decimals of up to 15 significant digits exactly, which covers any real
    // expense, and keeps a decimal library out of the module. `number_f64` reads what
    // `str::parse` reads, by a shorter path for the plain decimals a ledger writes.
    account_types.is_expense(posting.account())
        && posting
            .units()
            .and_then(|units| units.number_f64())
            .is_some_and(|number| number > threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keys_are_optional_and_checked() {
        assert_eq!(rlplugin::config::<Config>(None).unwrap(), Config::default());
        let config: Config = rlplugin::config(Some("threshold=250, tag=big")).unwrap();
        assert_eq!((config.threshold, config.tag.as_str()), (250.0, "big"));
        assert!(rlplugin::config::<Config>(Some("treshold=250")).is_err());
        assert!(rlplugin::config::<Config>(Some("threshold=lots")).is_err());
    }

    #[test]
    fn a_bad_config_is_an_error_not_a_guess() {
        let input = rlplugin::view::encode_input(&rlplugin::PluginInput {
            directives: Vec::new(),
            options: Default::default(),
            config: Some("threshold=lots".to_owned()),
        });
        let output = rlplugin::guest::view_plugin_output(&input, tag_large_expenses);
        let error = output.errors[0].to_string();
        assert!(error.contains("threshold"), "{error}");
    }
}
