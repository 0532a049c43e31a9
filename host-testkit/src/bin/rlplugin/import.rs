//! `rlplugin import`: identify + extract through rustledger's production importer host.

use std::path::Path;

use rlplugin_testkit::wire::PluginErrorSeverity;

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

/// Prints the directives; returns true when the importer did not claim the statement
/// or reported errors.
pub fn import(opts: Options<'_>) -> anyhow::Result<bool> {
    if !opts.statement.is_file() {
        anyhow::bail!(
            "statement {} does not exist or is not a file",
            opts.statement.display()
        );
    }
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
        println!("{}", serde_json::to_string_pretty(&import)?);
        return Ok(findings);
    }
    if !import.identified() {
        anstream::eprintln!(
            "{} importer `{}` does not claim {} (identify returned false); check the file and --option values",
            paint(WARN, "warning:"),
            import.name(),
            opts.statement.display()
        );
    }
    print!("{}", import.ledger_text());
    if opts.logs {
        crate::run::print_log(import.logs());
    }
    for w in import.warnings() {
        anstream::eprintln!("{} {w}", paint(WARN, "warning:"));
    }
    for (line, e) in import.error_lines().iter().zip(import.errors()) {
        let style = match e.severity {
            PluginErrorSeverity::Error => BAD,
            PluginErrorSeverity::Warning => WARN,
        };
        anstream::eprintln!("{}", paint(style, line));
    }
    anstream::eprintln!(
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
