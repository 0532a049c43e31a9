//! The same plugin through the view API (`wasm_plugin_main! { view: … }`, the `view`
//! feature): the rules and their decisions are the drop-in version's, only the reading
//! differs.
//!
//! Each transaction's postings are read for their accounts alone, borrowed from the host's
//! bytes; a placeholder posting gets its account through an [`Edit`](rlplugin::view::Edit),
//! which copies the rest of the transaction, and a transaction is decoded whole
//! (`to_owned`) only when it has a lone posting, whose amount the new leg needs. Every other
//! directive (prices, opens, transactions already categorized) is kept without being
//! decoded. On books that are mostly categorized already, that is most of the ledger.

use rlplugin::view::{DirectiveView, Kind, LedgerView, ViewOps};
use rlplugin::{DirectiveData, OpsError};

use crate::{Config, Decision, Rules, apply, decide, no_rule, opposite_units};

/// The plugin entry point through the view API: reads the config, then categorizes.
///
/// # Errors
///
/// As the drop-in [`process`](crate::process): a config that is not JSON of the expected
/// shape, or a rule that matches nothing or does nothing.
pub fn process(ledger: LedgerView<'_>) -> Result<ViewOps, String> {
    let config: Config = rlplugin::config(ledger.config()).map_err(|error| error.to_string())?;
    let rules = Rules::compile(config)?;
    categorize(ledger, &rules).map_err(|error| error.to_string())
}

/// Categorizes every transaction that has a placeholder leg or a single posting, deciding
/// exactly as the drop-in [`categorize`](crate::categorize) does.
///
/// # Errors
///
/// None in practice: each input index is decided at most once.
pub fn categorize(ledger: LedgerView<'_>, rules: &Rules) -> Result<ViewOps, OpsError> {
    let mut ops = ledger.ops();
    for directive in ledger.directives() {
        if directive.kind() != Some(Kind::Transaction) {
            continue;
        }
        let (mut placeholder, mut postings) = (None, 0);
        for posting in directive.postings() {
            // Compared where the account lies: most accounts differ in length or at their
            // first bytes, and are then never read.
            if posting.account_is(&rules.placeholder) {
                // The count matters only to a transaction without a placeholder.
                placeholder = Some(postings);
                break;
            }
            postings += 1;
        }
        // Whether a lone posting is plain (no cost or price) needs the whole posting.
        let single = placeholder.is_none() && postings == 1 && lone_posting_is_plain(&directive);
        if placeholder.is_none() && !single {
            continue;
        }
        let payee = directive.payee();
        // Read at most once, and only when a rule's narration pattern or the warning of a
        // transaction no rule matches needs it.
        let mut read = None;
        let mut narration =
            || *read.get_or_insert_with(|| directive.narration().unwrap_or_default());
        match decide(payee, &mut narration, placeholder, single, rules) {
            Decision::Untouched => {}
            Decision::NoRule => {
                let mut warning = no_rule(payee, narration());
                if let (Some(file), Some(line)) = (directive.filename(), directive.lineno()) {
                    warning = warning.at(file, line);
                }
                ops.error(warning);
            }
            // A placeholder's new account (and the tag) is an edit: the transaction's other
            // bytes are copied, never decoded.
            Decision::Change {
                placeholder: Some(posting),
                account,
                tag,
            } => {
                let mut edit = directive.edit();
                if let Some(tag) = tag
                    && !directive.tags().any(|t| t == tag)
                {
                    edit = edit.push_tag(tag);
                }
                if let Some(account) = account {
                    edit = edit.set_posting_account(posting, account);
                }
                ops.edit(edit)?;
            }
            // A lone posting gets a new one, built from its decoded amount.
            Decision::Change {
                placeholder: None,
                account,
                tag,
            } => {
                let mut changed = directive.to_owned();
                if let DirectiveData::Transaction(txn) = &mut changed.data {
                    apply(txn, None, account, tag);
                }
                ops.modify(directive.index(), changed)?;
            }
        }
    }
    Ok(ops)
}

fn lone_posting_is_plain(directive: &DirectiveView<'_>) -> bool {
    match directive.to_owned().data {
        DirectiveData::Transaction(txn) => txn
            .postings
            .first()
            .is_some_and(|posting| opposite_units(posting).is_some()),
        _ => false,
    }
}
