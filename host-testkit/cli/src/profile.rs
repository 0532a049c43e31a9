//! `rlplugin profile`: where the fuel of one `process` call (or an importer's `extract`)
//! goes, per guest function.

use std::path::Path;

use anyhow::Context as _;
use rlplugin_testkit::profile::Profiler;

use crate::Outcome;
use crate::import::Settings;
use crate::out::outln;
use crate::style::{BOLD, DIM, WARN, paint, thousands};

pub struct Options<'a> {
    pub plugin: &'a Path,
    pub ledger: &'a Path,
    pub output: &'a Path,
    pub importer: crate::import::Args,
    pub config: Option<String>,
    pub fuel: Option<u64>,
    pub every: u64,
    pub top: usize,
}

/// Profiles one call and prints the table; the plugin stopping early or reporting errors
/// makes the command fail or report findings, as `run` would.
pub fn profile(opts: Options<'_>) -> anyhow::Result<Outcome> {
    // The paths first: building a crate directory takes seconds to minutes, a typo
    // should not.
    if !opts.ledger.is_file() {
        let (what, fix) = if opts.importer.given() {
            ("statement", "pass the path of the statement file")
        } else {
            (
                "ledger",
                "pass the path of a .beancount file (or, for an importer, of its statement)",
            )
        };
        anyhow::bail!(
            "{what} {} does not exist or is not a file: {fix}",
            opts.ledger.display()
        );
    }
    crate::out::check_directory_of(opts.output, "the profile", "-o")?;
    let guest = crate::load::guest(opts.plugin)?;
    let importer = Settings::for_guest(opts.importer, &guest, "profile")?;
    if importer.is_some() && opts.config.is_some() {
        anyhow::bail!(
            "--config is for plugins, and `{}` is an importer: pass its settings with --option",
            guest.name()
        );
    }
    // The kit builds the exact bytes rledger would send, without running the guest, so
    // a guest that exceeds production's budget or traps is profiled up to where it stops.
    let input = match &importer {
        Some(settings) => settings
            .request(&guest)
            .statement_file(opts.ledger)
            .input_bytes(),
        None => {
            let mut request = guest.plugin().ledger_file(opts.ledger);
            if let Some(c) = &opts.config {
                request = request.config(c.clone());
            }
            request.input_bytes()
        }
    }
    .context("cannot prepare the profiled input")?;
    let mut profiler = Profiler::new(&guest).input(input).every(opts.every);
    if importer.is_some() {
        profiler = profiler.extract();
    }
    if let Some(f) = opts.fuel {
        profiler = profiler.fuel(f);
    }
    let profile = profiler.run()?;
    std::fs::write(opts.output, profile.firefox_json())
        .with_context(|| format!("cannot write {}", opts.output.display()))?;

    outln!(
        "{} {}  {}",
        paint(BOLD, "profile"),
        paint(BOLD, guest.name()),
        paint(
            DIM,
            format!(
                "{}; {} fuel",
                profile.outcome(),
                thousands(profile.fuel_used())
            )
        )
    )?;
    outln!(
        "{}",
        paint(
            BOLD,
            format!(
                "{:>4}  {:>14}  {:>6}  {:>14}  function",
                "#", "self fuel", "self%", "total fuel"
            )
        )
    )?;
    let fuel_used = profile.fuel_used().max(1) as f64;
    for (i, f) in profile.functions().iter().take(opts.top).enumerate() {
        outln!(
            "{:>4}  {:>14}  {:>5.1}%  {:>14}  {}",
            i + 1,
            thousands(f.self_fuel),
            f.self_fuel as f64 * 100.0 / fuel_used,
            thousands(f.total_fuel),
            f.name
        )?;
    }
    if profile
        .functions()
        .iter()
        .all(|f| f.name.starts_with("func["))
        && !profile.functions().is_empty()
    {
        outln!(
            "{}",
            paint(
                WARN,
                "the module has no name section, so functions show as func[N]; build with `strip = false` in the release profile to see names"
            )
        )?;
    }
    let written = format!(
        "Firefox profile written to {} (open it at https://profiler.firefox.com; sample weight = fuel)",
        opts.output.display()
    );
    if profile.samples() == 0 {
        outln!(
            "{}",
            paint(
                WARN,
                format!(
                    "{written}, without samples: the call ran fewer function entries and loop iterations than --every"
                )
            )
        )?;
    } else {
        outln!("{}", paint(DIM, written))?;
    }
    if !profile.completed() {
        anyhow::bail!(
            "guest `{}` did not complete: {} after {} fuel; the profile covers the call up to there",
            guest.name(),
            profile.outcome(),
            thousands(profile.fuel_used())
        );
    }
    // The profiled call only shows that the export returned; a full run's checks (output
    // decodes, ops cover the input, directives convert) and its diagnostics decide the
    // exit code.
    if let Some(settings) = importer {
        let mut request = settings.request(&guest).statement_file(opts.ledger);
        if let Some(f) = opts.fuel {
            request = request.fuel(f);
        }
        let import = request.run()?;
        crate::import::print_diagnostics(&import, opts.ledger);
        return Ok(if crate::import::reported_errors(&import) > 0 {
            Outcome::Findings
        } else {
            Outcome::Ok
        });
    }
    let mut request = guest.plugin().ledger_file(opts.ledger);
    if let Some(c) = opts.config {
        request = request.config(c);
    }
    if let Some(f) = opts.fuel {
        request = request.fuel(f);
    }
    let run = request.run()?;
    crate::run::print_diagnostics(&run);
    Ok(if crate::run::reported_errors(&run) > 0 {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}
