//! {{project-name}}: a rustledger plugin that tags each transaction with an expense above a
//! threshold `#large`, so big spending is one query away (`WHERE 'large' IN tags`).
//!
//! The plugin line's config string is the threshold, compared with each expense posting's
//! amount whatever its currency; without one the threshold is 500:
//!
//! ```text
//! plugin "{{crate_name}}.wasm" "250"
//! ```
//!
//! Build it with `cargo build --target wasm32-unknown-unknown --release`; the tests in
//! `tests/` run it in rustledger's production sandbox.

use rlplugin::{DirectiveData, PluginAccountTypes, PluginInput, PluginOp, PluginOutput, PostingData};

rlplugin::wasm_plugin_main! { process: tag_large_expenses }

/// The tag given to a transaction with a large expense.
pub const TAG: &str = "large";

/// The threshold when the plugin line has no config.
pub const DEFAULT_THRESHOLD: f64 = 500.0;

/// Tags each transaction that has an expense posting above the configured threshold and
/// keeps every other directive as it is.
///
/// # Errors
///
/// A config that is not a threshold. rlplugin then keeps every directive unchanged and
/// shows the message as the plugin's error.
pub fn tag_large_expenses(input: PluginInput) -> Result<PluginOutput, String> {
    let PluginInput { directives, options, config } = input;
    let threshold = threshold(config.as_deref())?;
    let mut ops = Vec::with_capacity(directives.len());
    for (index, mut directive) in directives.into_iter().enumerate() {
        if let DirectiveData::Transaction(transaction) = &mut directive.data
            && !transaction.tags.iter().any(|tag| tag == TAG)
            && transaction
                .postings
                .iter()
                .any(|posting| is_large_expense(posting, threshold, &options.account_types))
        {
            transaction.tags.push(TAG.to_owned());
            ops.push(PluginOp::Modify(index, directive));
        } else {
            // Keep, not Modify, for everything unchanged: it is lossless and costs less fuel.
            ops.push(PluginOp::Keep(index));
        }
    }
    Ok(PluginOutput { ops, errors: Vec::new() })
}

/// Reads the threshold from the plugin's config string.
///
/// ```
/// assert_eq!({{crate_name}}::threshold(Some("250")), Ok(250.0));
/// assert_eq!({{crate_name}}::threshold(None), Ok({{crate_name}}::DEFAULT_THRESHOLD));
/// ```
///
/// # Errors
///
/// The config is not a non-negative number.
pub fn threshold(config: Option<&str>) -> Result<f64, String> {
    let Some(text) = config.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(DEFAULT_THRESHOLD);
    };
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!(
            "invalid config {text:?}: write the threshold as a number, e.g. \"500\""
        )),
    }
}

fn is_large_expense(posting: &PostingData, threshold: f64, account_types: &PluginAccountTypes) -> bool {
    // f64 orders decimals of up to 15 significant digits exactly, which covers any real
    // expense, and keeps a decimal library out of the module.
    account_types.is_expense(&posting.account)
        && posting
            .units
            .as_ref()
            .and_then(|units| units.number.parse::<f64>().ok())
            .is_some_and(|number| number > threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_rejects_what_is_not_a_non_negative_number() {
        assert_eq!(threshold(Some(" 1000.50 ")), Ok(1000.5));
        assert_eq!(threshold(Some("")), Ok(DEFAULT_THRESHOLD));
        for bad in ["lots", "-5", "inf", "NaN"] {
            assert_eq!(
                threshold(Some(bad)),
                Err(format!("invalid config {bad:?}: write the threshold as a number, e.g. \"500\""))
            );
        }
    }

    #[test]
    fn a_bad_config_is_an_error_not_a_guess() {
        let input = PluginInput {
            directives: Vec::new(),
            options: Default::default(),
            config: Some("lots".to_owned()),
        };
        assert!(tag_large_expenses(input).unwrap_err().contains("\"lots\""));
    }
}
