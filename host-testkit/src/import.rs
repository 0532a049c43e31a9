//! Running a WASM importer through rustledger's production importer host.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use rustledger_core::Directive;
use rustledger_importer::Importer;
use rustledger_importer::config::{CsvConfig, ImporterType};
use rustledger_importer::{ImporterConfig, WasmImporter, WasmRuntimeConfig};
use rustledger_plugin::PluginError;
use rustledger_plugin_types::{
    IdentifyInput, IdentifyOutput, ImporterInput, ImporterOutput, MetadataOutput,
};
use serde::Serialize;

use crate::run::Report;
use crate::runner::{self, Call, Called, Limits};
use crate::{Error, Guest, GuestLog, render};

enum Statement {
    None,
    File(PathBuf),
    Bytes(String, Vec<u8>),
}

/// A one-shot importer run, consumed by [`ImportRun::run`].
///
/// The guest's `metadata`, `identify` and `extract` are first called by the kit in
/// rustledger's sandbox (full diagnostics and a [`Report`] of the `extract` call),
/// then the statement goes through `rustledger_importer::WasmImporter`, the host
/// `rledger extract` uses, which converts the returned directives. Options are the
/// CSV settings rustledger passes to every WASM importer (`date_format`,
/// `delimiter`, `has_header`, `skip_rows`, `invert_sign`, `skip_zero_amounts`,
/// `default_expense`, `default_income`); other keys cannot reach a guest in 0.24
/// and are refused.
#[must_use = "an ImportRun does nothing until `.run()`"]
pub struct ImportRun<'g> {
    guest: &'g Guest,
    statement: Statement,
    account: Option<String>,
    currency: String,
    options: Vec<(String, String)>,
    limits: Limits,
    show_log: bool,
}

impl<'g> ImportRun<'g> {
    pub(crate) fn new(guest: &'g Guest) -> Self {
        ImportRun {
            guest,
            statement: Statement::None,
            account: None,
            currency: "USD".to_owned(),
            options: Vec::new(),
            limits: Limits::default(),
            show_log: false,
        }
    }

    /// A statement file on disk.
    pub fn statement_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.statement = Statement::File(path.into());
        self
    }

    /// A statement given as bytes, written to a temporary file called `name`.
    pub fn statement(mut self, name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.statement = Statement::Bytes(name.into(), bytes.into());
        self
    }

    /// The target account (`--account`); required.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// The currency (`--currency`, default `USD` as in rledger).
    pub fn currency(mut self, currency: impl Into<String>) -> Self {
        self.currency = currency.into();
        self
    }

    /// One importer option (see the type's docs for the accepted keys).
    pub fn option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.push((key.into(), value.into()));
        self
    }

    /// Override the fuel budget of each call (production: 30,000,000).
    pub fn fuel(mut self, fuel: u64) -> Self {
        self.limits.fuel = fuel;
        self
    }

    /// Override the linear-memory cap in bytes (production: 256 MiB).
    pub fn memory(mut self, bytes: usize) -> Self {
        self.limits.memory = bytes;
        self
    }

    /// Show what the guest logged during `extract` in the [`Import`]'s `Display`
    /// under `log:`; [`Import::logs`] has it either way.
    pub fn show_logs(mut self) -> Self {
        self.show_log = true;
        self
    }

    /// Run the importer.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] for a missing statement/account or an unknown option, the
    /// guest errors of [`PluginRun::run`](crate::PluginRun::run), and
    /// [`Error::Importer`] when rustledger's importer host rejects the guest or a
    /// returned directive.
    pub fn run(self) -> Result<Import, Error> {
        let account = self.account.ok_or_else(|| {
            Error::Usage(
                "the import run has no account; fix: call .account(\"Assets:Bank\")".to_owned(),
            )
        })?;
        let csv = csv_config(&self.options)?;
        let scratch;
        let path = match self.statement {
            Statement::None => {
                return Err(Error::Usage(
                    "the import run has no statement; fix: call .statement_file(path) or .statement(name, bytes)".to_owned(),
                ));
            }
            Statement::File(path) => {
                std::path::absolute(&path).map_err(|source| Error::Io { path, source })?
            }
            Statement::Bytes(name, bytes) => {
                scratch = crate::scratch_dir()?;
                let path = scratch.path().join(name);
                std::fs::write(&path, bytes).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?;
                path
            }
        };
        let content = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let guest = self.guest;
        let limits = self.limits;

        let (meta, _) = call_decode::<MetadataOutput>(
            guest,
            rlplugin_types::METADATA_EXPORT,
            None,
            true,
            limits,
            "MetadataOutput",
        )?;
        let identify_input = rmp_serde::to_vec(&IdentifyInput {
            path: path.to_string_lossy().into_owned(),
        })
        .map_err(|e| Error::Usage(format!("cannot encode IdentifyInput: {e}")))?;
        let (identified, _) = call_decode::<IdentifyOutput>(
            guest,
            rlplugin_types::IDENTIFY_EXPORT,
            Some(&identify_input),
            false,
            limits,
            "IdentifyOutput",
        )?;
        let input = ImporterInput {
            path: path.to_string_lossy().into_owned(),
            content,
            account: account.clone(),
            currency: Some(self.currency.clone()),
            options: wire_options(&csv),
        };
        let input_bytes = rmp_serde::to_vec(&input)
            .map_err(|e| Error::Usage(format!("cannot encode ImporterInput: {e}")))?;
        let (output, called) = call_decode::<ImporterOutput>(
            guest,
            rlplugin_types::EXTRACT_EXPORT,
            Some(&input_bytes),
            false,
            limits,
            "ImporterOutput",
        )?;

        let host_error = |e: &dyn fmt::Display| Error::Importer {
            guest: guest.name().to_owned(),
            message: e.to_string(),
        };
        let config = WasmRuntimeConfig {
            max_memory: limits.memory,
            max_time_secs: limits.fuel.div_ceil(1_000_000),
        };
        let importer = WasmImporter::load_from_bytes(
            format!("{}.wasm", guest.name()),
            guest.wasm_bytes(),
            config,
        )
        .map_err(|e| host_error(&e))?;
        let importer_config = ImporterConfig {
            account,
            currency: Some(self.currency),
            importer_type: ImporterType::Csv(csv),
        };
        let result = importer
            .extract(&path, &importer_config)
            .map_err(|e| host_error(&format!("{e:#}")))?;
        // The host forwards the importer's warnings, then appends each of its errors as
        // one more warning without the statement's folder; the errors are kept once, as
        // errors, with their locations.
        let mut warnings = result.warnings;
        warnings.truncate(warnings.len().saturating_sub(output.errors.len()));
        Ok(Import {
            name: meta.name,
            identified: identified.matches,
            ledger_text: render::directives(&result.directives),
            directives: result.directives,
            warnings,
            error_lines: output
                .errors
                .iter()
                // Relative to the statement's folder, so snapshots do not depend on where it lives.
                .map(|e| render::plugin_error_line(e, path.parent()))
                .collect(),
            errors: output.errors,
            report: Report::new(called.stats, limits),
            log: called.log,
            show_log: self.show_log,
        })
    }
}

fn call_decode<T: serde::de::DeserializeOwned>(
    guest: &Guest,
    entry: &'static str,
    input: Option<&[u8]>,
    check_abi: bool,
    limits: Limits,
    expected: &'static str,
) -> Result<(T, Called), Error> {
    let call = Call {
        entry,
        input,
        check_abi,
        role: "importer",
    };
    let called = runner::call(guest, &call, limits)?;
    let value = rmp_serde::from_slice(&called.output).map_err(|e| Error::BadOutput {
        guest: guest.name().to_owned(),
        entry: entry.to_owned(),
        len: called.output.len(),
        expected,
        reason: e.to_string(),
    })?;
    Ok((value, called))
}

fn csv_config(options: &[(String, String)]) -> Result<CsvConfig, Error> {
    let mut csv = CsvConfig::default();
    for (key, value) in options {
        let bad =
            |what: &str| Error::Usage(format!("importer option `{key}` = `{value}` is not {what}"));
        let flag = |v: &str| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(bad("`true` or `false`")),
        };
        match key.as_str() {
            "date_format" => csv.date_format = value.clone(),
            "delimiter" => {
                let mut chars = value.chars();
                csv.delimiter = match (chars.next(), chars.next()) {
                    (Some(c), None) => c,
                    _ => return Err(bad("a single character")),
                };
            }
            "has_header" => csv.has_header = flag(value)?,
            "skip_rows" => csv.skip_rows = value.parse().map_err(|_| bad("a number"))?,
            "invert_sign" => csv.invert_sign = flag(value)?,
            "skip_zero_amounts" => csv.skip_zero_amounts = flag(value)?,
            "default_expense" => csv.default_expense = Some(value.clone()),
            "default_income" => csv.default_income = Some(value.clone()),
            _ => {
                return Err(Error::Usage(format!(
                    "importer option `{key}` never reaches a WASM importer in rustledger 0.24; \
                     fix: use one of date_format, delimiter, has_header, skip_rows, invert_sign, \
                     skip_zero_amounts, default_expense, default_income"
                )));
            }
        }
    }
    Ok(csv)
}

/// The option map rustledger 0.24 projects from its CSV settings (same keys and
/// value spellings), for the kit's own diagnostic calls.
fn wire_options(csv: &CsvConfig) -> HashMap<String, String> {
    let mut map = HashMap::new();
    map.insert("date_format".to_owned(), csv.date_format.clone());
    map.insert("delimiter".to_owned(), csv.delimiter.to_string());
    map.insert("has_header".to_owned(), csv.has_header.to_string());
    map.insert("skip_rows".to_owned(), csv.skip_rows.to_string());
    map.insert("invert_sign".to_owned(), csv.invert_sign.to_string());
    map.insert(
        "skip_zero_amounts".to_owned(),
        csv.skip_zero_amounts.to_string(),
    );
    if let Some(v) = &csv.default_expense {
        map.insert("default_expense".to_owned(), v.clone());
    }
    if let Some(v) = &csv.default_income {
        map.insert("default_income".to_owned(), v.clone());
    }
    map
}

/// What an importer extracted from one statement.
///
/// `Display` (the snapshot text): the importer's name and whether `identify`
/// matched, the importer's warnings, each of its errors once as `file:line severity
/// message` (the file relative to the statement's folder), then the directives as
/// beancount text.
#[derive(Debug, Clone, Serialize)]
pub struct Import {
    name: String,
    identified: bool,
    ledger_text: String,
    #[serde(skip)]
    directives: Vec<Directive>,
    warnings: Vec<String>,
    errors: Vec<PluginError>,
    error_lines: Vec<String>,
    report: Report,
    log: GuestLog,
    #[serde(skip)]
    show_log: bool,
}

impl Import {
    /// The name from the importer's `metadata`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `identify` claimed the statement.
    pub fn identified(&self) -> bool {
        self.identified
    }

    /// The directives, converted by rustledger's importer host.
    pub fn directives(&self) -> &[Directive] {
        &self.directives
    }

    /// The importer's warnings, as rustledger's host forwards them. The host also
    /// appends each error to its warnings; those are left out here and reported once,
    /// by [`errors`](Self::errors) and [`error_lines`](Self::error_lines).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The importer's own `errors`.
    pub fn errors(&self) -> &[PluginError] {
        &self.errors
    }

    /// The errors as `file:line severity message` lines, paths relative to the
    /// statement's folder.
    pub fn error_lines(&self) -> &[String] {
        &self.error_lines
    }

    /// The directives as beancount text.
    pub fn ledger_text(&self) -> &str {
        &self.ledger_text
    }

    /// Fuel, memory, output and time of the `extract` call.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// What the guest logged with `rlplugin::log!` / `rlplugin::debug!` during `extract`.
    pub fn logs(&self) -> &GuestLog {
        &self.log
    }
}

impl fmt::Display for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "importer: {} (identify: {})",
            self.name,
            if self.identified { "match" } else { "no match" }
        )?;
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        crate::render::errors_section(f, &self.error_lines)?;
        if self.show_log {
            self.log.write_section(f)?;
        }
        writeln!(f, "directives: {}", self.directives.len())?;
        writeln!(f)?;
        f.write_str(&self.ledger_text)
    }
}
