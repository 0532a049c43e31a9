//! `rlplugin import`: identify + extract through rustledger's production importer host.

use std::path::Path;

use rlplugin_testkit::wire::{PluginError, PluginErrorSeverity};
use rlplugin_testkit::{Guest, Import, ImportRun};
use rustledger_parser::logos_lexer::{Token, tokenize};

use crate::diagnostic::Sources;
use crate::out::{errln, out, outln};
use crate::style::{DIM, WARN, paint};

pub struct Options<'a> {
    pub importer: &'a Path,
    pub statement: &'a Path,
    pub account: String,
    pub currency: Option<String>,
    pub options: Vec<(String, String)>,
    pub json: bool,
    pub logs: bool,
}

/// How `bench` and `profile` call an importer (`import` requires the account).
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// For an importer: the account the statement belongs to
    #[arg(long)]
    pub account: Option<String>,
    /// For an importer: the statement's currency
    #[arg(long)]
    pub currency: Option<String>,
    /// For an importer: an importer option, repeatable
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_option)]
    pub options: Vec<(String, String)>,
}

/// An importer call's account, currency and options, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub account: String,
    pub currency: Option<String>,
    pub options: Vec<(String, String)>,
}

impl Args {
    /// Whether any importer argument was given.
    pub fn given(&self) -> bool {
        self.account.is_some() || self.currency.is_some() || !self.options.is_empty()
    }
}

impl Settings {
    /// The settings for `command` on `guest`, which must be an importer when any importer
    /// argument is given, and then needs `--account`.
    pub fn for_guest(args: Args, guest: &Guest, command: &str) -> anyhow::Result<Option<Settings>> {
        let importer = crate::check::kind_of(guest.wasm_bytes()) == crate::check::Kind::Importer;
        let given = args.given();
        match (importer, args.account) {
            (false, _) if given => anyhow::bail!(
                "--account, --currency and --option are for importers, and `{}` is a plugin (it exports `process`); drop them",
                guest.name()
            ),
            (false, _) => Ok(None),
            (true, None) => anyhow::bail!(
                "`{}` is an importer: `rlplugin {command}` needs the statement's account, e.g. --account Assets:Bank:Checking",
                guest.name()
            ),
            (true, Some(account)) => {
                check_account_and_currency(&account, args.currency.as_deref())?;
                Ok(Some(Settings {
                    account,
                    currency: args.currency,
                    options: args.options,
                }))
            }
        }
    }

    /// An import request on `guest` with these settings and no statement yet.
    pub fn request<'g>(&self, guest: &'g Guest) -> ImportRun<'g> {
        let mut request = guest.importer().account(self.account.clone());
        if let Some(c) = &self.currency {
            request = request.currency(c.clone());
        }
        for (k, v) in &self.options {
            request = request.option(k.clone(), v.clone());
        }
        request
    }

    /// The value of option `key`, when given.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Prints an import's diagnostics, each with its statement line.
pub fn print_diagnostics(import: &Import, statement: &Path) {
    let mut sources = Sources::default();
    for e in import.errors() {
        errln!("{}\n", sources.plugin_error(&in_statement(e, statement)));
    }
}

/// Error-severity diagnostics the importer reported.
pub fn reported_errors(import: &Import) -> usize {
    import
        .errors()
        .iter()
        .filter(|e| e.severity == PluginErrorSeverity::Error)
        .count()
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
    let settings = Settings {
        account: opts.account,
        currency: opts.currency,
        options: opts.options,
    };
    let import = settings
        .request(&guest)
        .statement_file(opts.statement)
        .run()?;
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
    print_diagnostics(&import, opts.statement);
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

/// `e` pointing at the statement file as the user named it, when the importer gave only
/// the statement's file name (it receives the statement's path, and many importers keep
/// just its last component), so its line can be read and shown.
pub fn in_statement(e: &PluginError, statement: &Path) -> PluginError {
    let mut e = e.clone();
    if let Some(file) = &e.source_file {
        let named = Path::new(file);
        if !named.is_file() && named.file_name() == statement.file_name() {
            e.source_file = Some(statement.display().to_string());
        }
    }
    e
}
