//! `rlplugin import`: identify + extract through rustledger's production importer host.

use std::path::Path;

use rlplugin_testkit::wire::PluginErrorSeverity;
use rustledger_parser::logos_lexer::{Token, tokenize};

use crate::out::{errln, out, outln};
use crate::style::{BAD, DIM, WARN, paint};

pub struct Options<'a> {
    pub importer: &'a Path,
    pub statement: &'a Path,
    pub account: String,
    pub currency: Option<String>,
    pub options: Vec<(String, String)>,
    pub json: bool,
    pub logs: bool,
}

pub fn parse_option(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        _ => Err(format!(
            "`{text}` is not key=value; write e.g. --option delimiter=;"
        )),
    }
}

/// Refuses an account or currency rustledger's parser would not read back, before the
/// importer writes them into every transaction.
fn check_account_and_currency(account: &str, currency: Option<&str>) -> anyhow::Result<()> {
    if !rustledger_parser::is_valid_account_name(account) {
        anyhow::bail!(
            "--account {account:?} is not an account name rustledger accepts; write it like \
             Assets:Bank:Checking (two or more parts joined by `:`, each starting with a \
             capital letter, or a digit after the first, and no spaces)"
        );
    }
    if let Some(currency) = currency {
        let whole = |span: &rustledger_parser::logos_lexer::Span| {
            span.start == 0 && span.end == currency.len()
        };
        if !matches!(tokenize(currency).as_slice(), [(Token::Currency(_), span)] if whole(span)) {
            anyhow::bail!(
                "--currency {currency:?} is not a commodity rustledger accepts; write it like \
                 USD or EUR (a capital letter, then capitals, digits or ' . _ -)"
            );
        }
    }
    Ok(())
}

/// Prints the directives; returns true when the importer did not claim the statement
/// or reported errors.
pub fn import(opts: Options<'_>) -> anyhow::Result<bool> {
    if !opts.statement.is_file() {
        anyhow::bail!(
            "statement {} does not exist or is not a file",
            opts.statement.display()
        );
    }
    check_account_and_currency(&opts.account, opts.currency.as_deref())?;
    let guest = crate::load::guest(opts.importer)?;
    let mut request = guest
        .importer()
        .statement_file(opts.statement)
        .account(opts.account);
    if let Some(c) = opts.currency {
        request = request.currency(c);
    }
    for (k, v) in opts.options {
        request = request.option(k, v);
    }
    let import = request.run()?;
    let findings = !import.identified() || !import.errors().is_empty();
    if opts.json {
        outln!("{}", serde_json::to_string_pretty(&import)?)?;
        return Ok(findings);
    }
    if !import.identified() {
        errln!(
            "{} importer `{}` does not claim {} (identify returned false); check the file and --option values",
            paint(WARN, "warning:"),
            import.name(),
            opts.statement.display()
        );
    }
    out!("{}", import.ledger_text())?;
    if opts.logs {
        crate::run::print_log(import.logs());
    }
    for w in import.warnings() {
        errln!("{} {w}", paint(WARN, "warning:"));
    }
    for (line, e) in import.error_lines().iter().zip(import.errors()) {
        let style = match e.severity {
            PluginErrorSeverity::Error => BAD,
            PluginErrorSeverity::Warning => WARN,
        };
        errln!("{}", paint(style, line));
    }
    errln!(
        "{}  {}",
        paint(
            DIM,
            format!(
                "importer {}: {} directives",
                import.name(),
                import.directives().len()
            )
        ),
        crate::run::budget(import.report())
    );
    Ok(findings)
}
