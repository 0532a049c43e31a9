//! `rlplugin run`: one plugin call on a ledger file under production limits.

use std::path::Path;

use rlplugin_testkit::wire::PluginErrorSeverity;
use rlplugin_testkit::{Changes, GuestLog, Report, Run};
use serde::Serialize;

use crate::out::{errln, out, outln};
use crate::style::{ADDED, BAD, BOLD, DIM, OK, REMOVED, WARN, bytes, paint, thousands};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The resulting ledger as beancount text (stdout); errors and budget on stderr
    Beancount,
    /// Everything as one JSON object on stdout
    Json,
    /// Only what the plugin changed, inserted and deleted
    Diff,
}

pub struct Options<'a> {
    pub plugin: &'a Path,
    pub ledger: &'a Path,
    pub config: Option<String>,
    pub fuel: Option<u64>,
    pub memory: Option<usize>,
    pub format: Format,
    pub logs: bool,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    run: &'a Run,
    changes: &'a Changes,
    failed_errors: usize,
}

/// Runs and prints; returns whether the plugin reported error-severity diagnostics.
pub fn run(opts: Options<'_>) -> anyhow::Result<bool> {
    if !opts.ledger.is_file() {
        anyhow::bail!(
            "ledger {} does not exist or is not a file: pass the path of a .beancount file",
            opts.ledger.display()
        );
    }
    let guest = crate::load::guest(opts.plugin)?;
    let mut request = guest.plugin().ledger_file(opts.ledger);
    if let Some(config) = opts.config {
        request = request.config(config);
    }
    if let Some(fuel) = opts.fuel {
        request = request.fuel(fuel);
    }
    if let Some(memory) = opts.memory {
        request = request.memory(memory);
    }
    let run = request.run()?;
    let errors = reported_errors(&run);
    let changes = run.changes();
    match opts.format {
        Format::Json => {
            let json = JsonOut {
                run: &run,
                changes: &changes,
                failed_errors: errors,
            };
            outln!("{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Beancount => {
            out!("{}", run.ledger_file_text())?;
            if opts.logs {
                print_log(run.logs());
            }
            print_diagnostics(&run);
        }
        Format::Diff => {
            print_changes(&changes)?;
            if opts.logs {
                print_log(run.logs());
            }
            print_diagnostics(&run);
        }
    }
    Ok(errors > 0)
}

/// Error-severity diagnostics the plugin reported (warnings are not findings).
pub fn reported_errors(run: &Run) -> usize {
    run.errors()
        .iter()
        .filter(|e| e.severity == PluginErrorSeverity::Error)
        .count()
}

/// The library's diff text, coloured line by line.
pub fn print_changes(changes: &Changes) -> Result<(), crate::out::StdoutError> {
    if changes.is_empty() {
        return out!("{}", paint(DIM, changes));
    }
    for change in changes {
        for line in change.to_string().lines() {
            match line.as_bytes().first() {
                Some(b'-') => outln!("{}", paint(REMOVED, line))?,
                Some(b'+') => outln!("{}", paint(ADDED, line))?,
                Some(b' ') => outln!("{line}")?,
                _ => outln!("{}", paint(BOLD, line))?,
            }
        }
        outln!()?;
    }
    Ok(())
}

/// The guest's log on stderr, each line marked `log:`.
pub fn print_log(log: &GuestLog) {
    if log.is_empty() {
        errln!("{}", paint(DIM, "log: none (the guest logged nothing)"));
    }
    for line in log.to_string().lines() {
        errln!("{} {line}", paint(DIM, "log:"));
    }
}

pub fn print_diagnostics(run: &Run) {
    for (line, e) in run.error_lines().iter().zip(run.errors()) {
        let style = match e.severity {
            PluginErrorSeverity::Error => BAD,
            PluginErrorSeverity::Warning => WARN,
        };
        errln!("{}", paint(style, line));
    }
    errln!("{}  {}", paint(DIM, run.summary()), budget(run.report()));
}

/// `fuel 1,234 / 30,000,000 (0.0%)  memory 1.1 MiB / 256.0 MiB  time 1.2 ms`, the fuel
/// coloured by how close it is to the limit.
pub fn budget(r: &Report) -> String {
    let percent = r.fuel_used() as f64 * 100.0 / r.fuel_limit().max(1) as f64;
    let style = if percent >= 80.0 {
        BAD
    } else if percent >= 50.0 {
        WARN
    } else {
        OK
    };
    format!(
        "fuel {} / {} ({})  memory {} / {}  output {}  time {:.1} ms",
        thousands(r.fuel_used()),
        thousands(r.fuel_limit()),
        paint(style, format!("{percent:.2}%")),
        bytes(r.peak_memory()),
        bytes(r.memory_limit()),
        bytes(r.output_bytes()),
        r.wall_time().as_secs_f64() * 1000.0
    )
}
