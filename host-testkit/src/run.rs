//! Running a directive plugin: [`PluginRun`] → [`Run`] + [`Report`].

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustledger_core::Directive;
use rustledger_plugin::{PluginError, PluginInput, PluginOp, PluginOutput};
use serde::Serialize;

use crate::changes::Changes;
use crate::input::{self, LedgerSource, Prepared};
use crate::runner::{self, Call, Limits, Stats};
use crate::{Error, Guest, GuestLog, render};

/// A typed plugin input: rustledger's own `PluginInput` or rlplugin's wire twin.
pub trait IntoPluginInput {
    /// Convert into the host's type; both encode to the same bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] if the value does not survive the MessagePack round trip.
    fn into_plugin_input(self) -> Result<PluginInput, Error>;
}

impl IntoPluginInput for PluginInput {
    fn into_plugin_input(self) -> Result<PluginInput, Error> {
        Ok(self)
    }
}

impl IntoPluginInput for rlplugin_types::PluginInput {
    fn into_plugin_input(self) -> Result<PluginInput, Error> {
        let bytes = rmp_serde::to_vec(&self)
            .map_err(|e| Error::Usage(format!("cannot encode the rlplugin PluginInput: {e}")))?;
        rmp_serde::from_slice(&bytes).map_err(|e| {
            Error::Usage(format!(
                "rustledger 0.24 cannot decode this rlplugin PluginInput: {e}"
            ))
        })
    }
}

enum Source {
    None,
    Ledger(LedgerSource),
    Typed(Result<PluginInput, Error>),
}

/// One request to run a guest's `process` export; consumed by [`PluginRun::run`].
///
/// Give the ledger as beancount text, a file or a typed input, optionally a config
/// string (the second string of a `plugin` line). Limits default to production's:
/// 30,000,000 fuel and 256 MiB of linear memory.
#[must_use = "a PluginRun does nothing until `.run()`"]
pub struct PluginRun<'g> {
    guest: &'g Guest,
    source: Source,
    config: Option<String>,
    limits: Limits,
    show_log: bool,
}

impl<'g> PluginRun<'g> {
    pub(crate) fn new(guest: &'g Guest) -> Self {
        PluginRun {
            guest,
            source: Source::None,
            config: None,
            limits: Limits::default(),
            show_log: false,
        }
    }

    /// Beancount text, loaded as the virtual file [`TEXT_LEDGER_PATH`](crate::TEXT_LEDGER_PATH).
    /// `include` lines cannot reach real files from here; use [`ledger_file`](Self::ledger_file).
    pub fn ledger(mut self, text: impl Into<String>) -> Self {
        self.source = Source::Ledger(LedgerSource::Text(text.into()));
        self
    }

    /// A beancount file on disk; it is loaded as rledger loads it, includes and all.
    pub fn ledger_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.source = Source::Ledger(LedgerSource::File(path.into()));
        self
    }

    /// A ready-made input, sent as is (its `config` is kept unless [`config`](Self::config) is called).
    pub fn input(mut self, input: impl IntoPluginInput) -> Self {
        self.source = Source::Typed(input.into_plugin_input());
        self
    }

    /// The config string, as in `plugin "x.wasm" "<config>"`.
    pub fn config(mut self, config: impl Into<String>) -> Self {
        self.config = Some(config.into());
        self
    }

    /// Override the fuel budget (production: 30,000,000).
    pub fn fuel(mut self, fuel: u64) -> Self {
        self.limits.fuel = fuel;
        self
    }

    /// Override the linear-memory cap in bytes (production: 256 MiB).
    pub fn memory(mut self, bytes: usize) -> Self {
        self.limits.memory = bytes;
        self
    }

    /// Show what the guest logged (`rlplugin::log!`) in the [`Run`]'s `Display`, the
    /// snapshot text, under `log:`. Without it the log is left out of the text, so
    /// snapshots do not change when an author adds a log line; [`Run::logs`] has it
    /// either way.
    pub fn show_logs(mut self) -> Self {
        self.show_log = true;
        self
    }

    /// Build the input, call the guest, check and apply its ops as rustledger does.
    ///
    /// # Errors
    ///
    /// Any [`Error`]: the ledger does not load, the guest traps or exceeds a limit,
    /// its output does not decode, its ops do not cover the input, or a returned
    /// directive would abort rledger's load.
    pub fn run(self) -> Result<Run, Error> {
        let (guest, limits, show_log) = (self.guest, self.limits, self.show_log);
        execute(guest, self.prepare()?, limits, show_log)
    }

    /// The exact MessagePack bytes the guest would receive, without running it (fuel
    /// and memory settings play no part). Building them loads the ledger through
    /// rustledger's loader, as [`run`](Self::run) does, and shares its per-process cache.
    ///
    /// ```
    /// # fn main() -> Result<(), rlplugin_testkit::Error> {
    /// // A module with nothing but a memory: it could never run, yet its input can be built.
    /// let wasm = b"\0asm\x01\0\0\0\x05\x03\x01\0\x01\x07\x0a\x01\x06memory\x02\0";
    /// let guest = rlplugin_testkit::Guest::from_bytes("inert", wasm.to_vec())?;
    /// let bytes = guest
    ///     .plugin()
    ///     .ledger("2024-01-01 open Assets:Cash USD\n")
    ///     .config("k=v")
    ///     .input_bytes()?;
    /// // `PluginInput` is a 3-array (directives, options, config) holding one directive.
    /// assert_eq!(&bytes[..2], &[0x93, 0x91]);
    /// assert!(bytes.ends_with(b"\xa3k=v"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] without input or when a typed input does not encode, and
    /// [`Error::Ledger`] / [`Error::Io`] when the ledger does not load.
    pub fn input_bytes(self) -> Result<Vec<u8>, Error> {
        Ok(self.prepare()?.bytes.clone())
    }

    fn prepare(self) -> Result<Arc<Prepared>, Error> {
        match self.source {
            Source::None => Err(Error::Usage(
                "the plugin run has no input; fix: call .ledger(text), .ledger_file(path) or .input(value) before .run()".to_owned(),
            )),
            Source::Ledger(source) => input::prepare(&source, self.config.as_deref()),
            Source::Typed(input) => {
                let mut input = input?;
                if let Some(config) = self.config {
                    input.config = Some(config);
                }
                Ok(Arc::new(input::from_typed(input)?))
            }
        }
    }
}

fn execute(
    guest: &Guest,
    prepared: Arc<Prepared>,
    limits: Limits,
    show_log: bool,
) -> Result<Run, Error> {
    let call = Call {
        entry: rlplugin_types::PROCESS_EXPORT,
        input: Some(&prepared.bytes),
        check_abi: true,
        role: "plugin",
    };
    let runner::Called {
        output: bytes,
        stats,
        log,
    } = runner::call(guest, &call, limits)?;
    let output: PluginOutput = rmp_serde::from_slice(&bytes).map_err(|e| Error::BadOutput {
        guest: guest.name().to_owned(),
        entry: rlplugin_types::PROCESS_EXPORT.to_owned(),
        len: bytes.len(),
        expected: "PluginOutput",
        reason: e.to_string(),
    })?;
    let n = prepared.input.directives.len();
    rustledger_plugin::validate_op_coverage(n, &output.ops).map_err(|message| {
        Error::OpCoverage {
            guest: guest.name().to_owned(),
            message,
        }
    })?;
    let directives = apply_ops(guest, &prepared, &output.ops)?;
    let base = prepared.base_dir.as_deref();
    let error_lines = output
        .errors
        .iter()
        .map(|e| render::plugin_error_line(e, base))
        .collect();
    Ok(Run {
        guest: guest.name().to_owned(),
        ledger_text: render::directives(&directives),
        preamble: prepared.preamble.clone(),
        error_lines,
        summary: OpsSummary::of(&output.ops),
        report: Report::new(stats, limits),
        ops: output.ops,
        errors: output.errors,
        directives,
        prepared,
        log,
        show_log,
    })
}

/// Materialize the ops in op order, each `Modify`/`Insert` through rustledger's own
/// wrapper → directive conversion (the one whose failure aborts rledger's load).
fn apply_ops(
    guest: &Guest,
    prepared: &Prepared,
    ops: &[PluginOp],
) -> Result<Vec<Directive>, Error> {
    let mut out = Vec::with_capacity(ops.len());
    for (op_index, op) in ops.iter().enumerate() {
        let (label, wrapper) = match op {
            PluginOp::Keep(i) => {
                if let Some(directive) = &prepared.host[*i] {
                    out.push(directive.clone());
                    continue;
                }
                (format!("Keep({i})"), &prepared.input.directives[*i])
            }
            PluginOp::Modify(i, w) => (format!("Modify({i})"), w),
            PluginOp::Insert(w) => ("Insert".to_owned(), w),
            PluginOp::Delete(_) => continue,
        };
        let directive =
            rustledger_plugin::wrapper_to_directive(wrapper).map_err(|e| Error::Conversion {
                guest: guest.name().to_owned(),
                op_index,
                op: label,
                reason: e.to_string(),
                directive: serde_json::to_string(wrapper)
                    .unwrap_or_else(|e| format!("<unprintable: {e}>")),
            })?;
        out.push(directive);
    }
    Ok(out)
}

/// Counts of each op kind, shown as the first line of a [`Run`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OpsSummary {
    /// `Keep` ops.
    pub kept: usize,
    /// `Modify` ops.
    pub modified: usize,
    /// `Insert` ops.
    pub inserted: usize,
    /// `Delete` ops.
    pub deleted: usize,
}

impl OpsSummary {
    fn of(ops: &[PluginOp]) -> Self {
        let mut s = OpsSummary::default();
        for op in ops {
            match op {
                PluginOp::Keep(_) => s.kept += 1,
                PluginOp::Modify(..) => s.modified += 1,
                PluginOp::Insert(_) => s.inserted += 1,
                PluginOp::Delete(_) => s.deleted += 1,
            }
        }
        s
    }
}

impl fmt::Display for OpsSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ops: {} kept, {} modified, {} inserted, {} deleted",
            self.kept, self.modified, self.inserted, self.deleted
        )
    }
}

/// The outcome of one successful plugin call.
///
/// `Display` is the snapshot text: the ops summary, the plugin's diagnostics as
/// `file:line severity message` (paths relative to the ledger's directory), the
/// guest's log when the run asked for it ([`PluginRun::show_logs`]), then the
/// resulting ledger rendered by rustledger's formatter in op order. It holds
/// the whole resulting ledger in memory and lives as long as you keep it.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    guest: String,
    summary: OpsSummary,
    ops: Vec<PluginOp>,
    errors: Vec<PluginError>,
    error_lines: Vec<String>,
    ledger_text: String,
    report: Report,
    #[serde(skip)]
    preamble: String,
    #[serde(skip)]
    directives: Vec<Directive>,
    log: GuestLog,
    #[serde(skip)]
    show_log: bool,
    #[serde(skip)]
    prepared: Arc<Prepared>,
}

impl Run {
    /// The ops, in the order the guest returned them.
    pub fn ops(&self) -> &[PluginOp] {
        &self.ops
    }

    /// The guest's own diagnostics (`PluginOutput.errors`).
    pub fn errors(&self) -> &[PluginError] {
        &self.errors
    }

    /// The diagnostics as `file:line severity message` lines.
    pub fn error_lines(&self) -> &[String] {
        &self.error_lines
    }

    /// The resulting ledger: the ops applied as rustledger applies them, in op order.
    pub fn directives(&self) -> &[Directive] {
        &self.directives
    }

    /// The resulting ledger as beancount text (rustledger's formatter).
    pub fn ledger_text(&self) -> &str {
        &self.ledger_text
    }

    /// The resulting ledger as a file: the input's `option` lines, then
    /// [`ledger_text`](Self::ledger_text). rledger loads it back to the same options and
    /// directives. The input's `plugin` and `include` lines appear as comments: the plugins
    /// already ran (running them again would apply them twice) and included files'
    /// directives are inlined. Empty of options for a [`PluginRun::input`] run.
    pub fn ledger_file_text(&self) -> String {
        format!("{}{}", self.preamble, self.ledger_text)
    }

    /// Counts of each op kind.
    pub fn summary(&self) -> OpsSummary {
        self.summary
    }

    /// The exact MessagePack bytes the guest received.
    pub fn input_bytes(&self) -> &[u8] {
        &self.prepared.bytes
    }

    /// What the run changed: each directive the guest modified (when it renders
    /// differently), deleted or inserted, in ledger order, both sides rendered by
    /// rustledger's formatter. Computed on each call from the ops and the input.
    ///
    /// Its `Display` is a line diff, so a snapshot of a large ledger can show only
    /// what the plugin did:
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use rlplugin_testkit::wire::{PluginOp, PluginOutput};
    /// # let output = PluginOutput { ops: vec![PluginOp::Delete(0)], errors: vec![] };
    /// # let output = rmp_serde::to_vec(&output)?;
    /// # let data: String = output.iter().map(|b| format!("\\{b:02x}")).collect();
    /// # let wat = format!(r#"(module (memory (export "memory") 1)
    /// #   (data (i32.const 0) "{data}")
    /// #   (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
    /// #   (func (export "alloc") (param i32) (result i32) (i32.const 1024))
    /// #   (func (export "process") (param i32 i32) (result i64) (i64.const {})))"#,
    /// #   output.len());
    /// # let deleter = rlplugin_testkit::Guest::from_bytes("deleter", wat::parse_str(&wat)?)?;
    /// // `deleter` answers `Delete(0)` for a one-directive ledger.
    /// let run = deleter
    ///     .plugin()
    ///     .ledger("2024-01-01 open Assets:Cash USD\n")
    ///     .run()?;
    /// let changes = run.changes();
    /// assert_eq!(changes.len(), 1);
    /// assert_eq!(
    ///     changes.to_string(),
    ///     "deleted ledger.beancount:1\n-2024-01-01 open Assets:Cash USD\n"
    /// );
    /// // insta::assert_snapshot!(run.changes());
    /// # Ok(()) }
    /// ```
    pub fn changes(&self) -> Changes {
        Changes::of(
            &self.prepared.input,
            &self.ops,
            self.prepared.base_dir.as_deref(),
        )
    }

    /// Fuel, memory, output size and time of the call.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// What the guest logged with `rlplugin::log!` / `rlplugin::debug!` during the call.
    pub fn logs(&self) -> &GuestLog {
        &self.log
    }

    /// Panic (with the report) if the call used more than `percent_of_production_fuel`
    /// percent of rustledger's 30,000,000-unit budget.
    ///
    /// # Panics
    ///
    /// When the budget is exceeded; that is the assertion.
    #[track_caller]
    pub fn assert_within(&self, percent_of_production_fuel: f64) {
        let used = self.report.production_fuel_percent();
        assert!(
            used <= percent_of_production_fuel,
            "guest `{}` used {used:.2}% of rustledger's fuel budget, over the {percent_of_production_fuel}% allowed\n{}",
            self.guest,
            self.report
        );
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.summary)?;
        crate::render::errors_section(f, &self.error_lines)?;
        if self.show_log {
            self.log.write_section(f)?;
        }
        writeln!(f)?;
        f.write_str(&self.ledger_text)
    }
}

/// Resources one guest call consumed, against its limits.
///
/// `Display`: `fuel 1,234 / 30,000,000 (0.00%), memory 1.1 MiB / 256.0 MiB,
/// output 120 bytes, time 1.2 ms`. Meant for printing and budget assertions, not
/// for snapshots (time varies).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Report {
    fuel_used: u64,
    fuel_limit: u64,
    peak_memory: u64,
    memory_limit: u64,
    output_bytes: u64,
    wall_time_us: u64,
}

impl Report {
    pub(crate) fn new(stats: Stats, limits: Limits) -> Self {
        Report {
            fuel_used: stats.fuel_used,
            fuel_limit: limits.fuel,
            peak_memory: stats.peak_memory,
            memory_limit: limits.memory as u64,
            output_bytes: stats.output_bytes,
            wall_time_us: u64::try_from(stats.wall.as_micros()).unwrap_or(u64::MAX),
        }
    }

    /// Fuel consumed by the whole call (instantiation, handshake, `alloc`, entry point).
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// The fuel budget the call ran with.
    pub fn fuel_limit(&self) -> u64 {
        self.fuel_limit
    }

    /// Fuel used as a percentage of rustledger's production budget.
    pub fn production_fuel_percent(&self) -> f64 {
        self.fuel_used as f64 * 100.0 / crate::PRODUCTION_FUEL as f64
    }

    /// Linear memory size at the end of the call (memory never shrinks, so the peak).
    pub fn peak_memory(&self) -> u64 {
        self.peak_memory
    }

    /// The linear-memory cap the call ran with.
    pub fn memory_limit(&self) -> u64 {
        self.memory_limit
    }

    /// Bytes of MessagePack output.
    pub fn output_bytes(&self) -> u64 {
        self.output_bytes
    }

    /// Wall time from store creation to the output read.
    pub fn wall_time(&self) -> Duration {
        Duration::from_micros(self.wall_time_us)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fuel {} / {} ({:.2}%), memory {} / {}, output {} bytes, time {:.1} ms",
            render::thousands(self.fuel_used),
            render::thousands(self.fuel_limit),
            self.fuel_used as f64 * 100.0 / self.fuel_limit.max(1) as f64,
            render::mib(self.peak_memory),
            render::mib(self.memory_limit),
            render::thousands(self.output_bytes),
            self.wall_time_us as f64 / 1000.0
        )
    }
}
