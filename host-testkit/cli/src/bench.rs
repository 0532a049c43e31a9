//! `rlplugin bench`: fuel and memory on synthetic ledgers (or, for an importer,
//! statements) of growing size, a fit of the growth, and the largest input that still fits
//! rustledger's production fuel budget.
//!
//! Measurement runs get a large fuel cap so sizes beyond the production budget are still
//! measured (and the fit uses them); whether each size fits production is then a
//! comparison, not a second run. The largest fitting size is predicted from the fit and
//! confirmed by running the generator's ledger of that size under the production budget.

use std::path::Path;

use anyhow::Context as _;

use rlplugin_testkit::{Error, Guest, PRODUCTION_FUEL, PRODUCTION_MEMORY, Report, synthetic};
use serde::Serialize;

use crate::import::Settings;
use crate::out::{StdoutError, errln, outln};
use crate::style::{BAD, BOLD, DIM, OK, WARN, bytes, paint, thousands};
use crate::{Failure, Outcome};

pub const DEFAULT_SIZES: &str = "1000,2000,5000,10000";

/// The largest size accepted, whatever memory allows: loading the input through
/// rustledger dominates a size's time and grows linearly with it, and this keeps a size to
/// about a minute (the README's figures give the loader's rate).
const MAX_SIZE: usize = 200_000;

/// `failure.kind` of a size at which the plugin ran but reported errors.
const REPORTED_ERRORS: &str = "reported_errors";

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// Directives in the ledger, or rows in the statement.
    pub size: usize,
    /// The ledger's or statement's text.
    pub text_bytes: usize,
    pub input_bytes: usize,
    /// `None` when the run failed or reported errors (the error path's cost is not the
    /// plugin's).
    pub fuel: Option<u64>,
    /// Fuel per directive, or per row.
    pub fuel_per_unit: Option<f64>,
    pub peak_memory: Option<u64>,
    pub fits_production: bool,
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Fit {
    /// Fixed cost: fuel = intercept + slope · n.
    pub intercept: f64,
    pub slope: f64,
    pub r_squared: f64,
    /// k in fuel ∝ n^k from a log-log fit; about 1 for linear growth.
    pub exponent: f64,
    pub superlinear: bool,
}

#[derive(Debug, Serialize)]
pub struct Largest {
    pub size: usize,
    /// Fuel measured at that size under the production budget.
    pub fuel: u64,
}

#[derive(Debug, Serialize)]
pub struct Bench {
    pub guest: String,
    /// What a size counts: `directives` of a ledger, or `rows` of a statement.
    pub unit: &'static str,
    pub seed: u64,
    pub budget: u64,
    pub measurement_cap: u64,
    pub points: Vec<Point>,
    pub fit: Option<Fit>,
    pub largest_within_budget: Option<Largest>,
}

pub fn parse_sizes(text: &str) -> anyhow::Result<Vec<usize>> {
    let mut sizes = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let n: usize = part.replace('_', "").parse().map_err(|_| {
            anyhow::anyhow!(
                "--sizes: `{part}` is not a whole number; use e.g. --sizes 1000,2000,5000"
            )
        })?;
        if n == 0 {
            anyhow::bail!("--sizes: sizes must be at least 1");
        }
        sizes.push(n);
    }
    if sizes.is_empty() {
        anyhow::bail!("--sizes is empty; use e.g. --sizes 1000,2000,5000");
    }
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}

/// What the guest is measured on: synthetic ledgers for a plugin, statements made from a
/// sample for an importer.
pub enum Workload<'a> {
    Ledger {
        config: Option<&'a str>,
    },
    Statement {
        /// The sample's file name, which the importer sees.
        name: String,
        /// Lines kept once at the top (skipped rows, the header).
        head: Vec<&'a str>,
        /// Lines repeated to make each size.
        rows: Vec<&'a str>,
        settings: Settings,
    },
}

/// What one run at one size gave.
struct Measured {
    report: Report,
    input_bytes: usize,
    errors: usize,
    first_error: String,
}

impl<'a> Workload<'a> {
    /// An importer's workload from its sample statement: the first `skip_rows` lines, and
    /// one more when `has_header` (rustledger's default), are its head; the rest its rows.
    pub fn statement(sample: &'a str, path: &Path, settings: Settings) -> anyhow::Result<Self> {
        let skip: usize = match settings.option("skip_rows") {
            Some(v) => v.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "--option skip_rows={v} is not a whole number; write e.g. --option skip_rows=2"
                )
            })?,
            None => 0,
        };
        let has_header = match settings.option("has_header") {
            Some(v) => v.trim().eq_ignore_ascii_case("true"),
            None => rustledger_importer::config::CsvConfig::default().has_header,
        };
        let head_lines = skip + usize::from(has_header);
        let lines: Vec<&str> = sample.lines().collect();
        let rows: Vec<&str> = lines
            .iter()
            .skip(head_lines)
            .copied()
            .filter(|l| !l.trim().is_empty())
            .collect();
        if rows.is_empty() {
            anyhow::bail!(
                "statement {} has no rows after its {head_lines} header line(s) to repeat: pass a sample with at least one row",
                path.display()
            );
        }
        Ok(Workload::Statement {
            name: path.file_name().map_or_else(
                || "statement.csv".into(),
                |n| n.to_string_lossy().into_owned(),
            ),
            head: lines.into_iter().take(head_lines).collect(),
            rows,
            settings,
        })
    }

    /// What the guest is, as messages name it.
    fn guest(&self) -> &'static str {
        match self {
            Workload::Ledger { .. } => "plugin",
            Workload::Statement { .. } => "importer",
        }
    }

    pub fn unit(&self) -> &'static str {
        match self {
            Workload::Ledger { .. } => "directives",
            Workload::Statement { .. } => "rows",
        }
    }

    /// The input of size `n`.
    fn text(&self, n: usize) -> String {
        match self {
            Workload::Ledger { .. } => synthetic::ledger(n),
            Workload::Statement { head, rows, .. } => {
                let mut text = String::new();
                for line in head.iter().chain(rows.iter().cycle().take(n)) {
                    text.push_str(line);
                    text.push('\n');
                }
                text
            }
        }
    }

    /// Refuses sizes whose input could never run: the guest must hold its input within
    /// rustledger's memory cap.
    pub fn check_sizes(&self, sizes: &[usize]) -> anyhow::Result<()> {
        const SAMPLE: usize = 1_000;
        let bytes_per_unit = self.text(SAMPLE).len().div_ceil(SAMPLE).max(1);
        let fits_memory = PRODUCTION_MEMORY / bytes_per_unit;
        let (largest, why) = if fits_memory < MAX_SIZE {
            (
                fits_memory,
                format!(
                    "an input that large is over {} of text, more than the {} of memory rustledger 0.24 gives a guest",
                    bytes(PRODUCTION_MEMORY as u64),
                    bytes(PRODUCTION_MEMORY as u64)
                ),
            )
        } else {
            (
                MAX_SIZE,
                "loading an input that large through rustledger would take minutes per size"
                    .to_owned(),
            )
        };
        if let Some(n) = sizes.iter().find(|n| **n > largest) {
            anyhow::bail!(
                "--sizes: {n} {} is too many: {why}; the largest size accepted is {largest}",
                self.unit()
            );
        }
        Ok(())
    }

    /// One run at size `n` with `fuel` (production's when `None`).
    fn run(&self, guest: &Guest, n: usize, fuel: Option<u64>) -> Result<Measured, Error> {
        let text = self.text(n);
        match self {
            Workload::Ledger { config } => {
                let mut request = guest.plugin().ledger(text);
                if let Some(c) = config {
                    request = request.config(*c);
                }
                if let Some(f) = fuel {
                    request = request.fuel(f);
                }
                let run = request.run()?;
                Ok(Measured {
                    report: *run.report(),
                    input_bytes: run.input_bytes().len(),
                    errors: crate::run::reported_errors(&run),
                    first_error: run.error_lines().first().cloned().unwrap_or_default(),
                })
            }
            Workload::Statement { name, settings, .. } => {
                let len = text.len();
                let mut request = settings.request(guest).statement(name.clone(), text);
                if let Some(f) = fuel {
                    request = request.fuel(f);
                }
                let import = request.run()?;
                let unclaimed = !import.identified();
                Ok(Measured {
                    report: *import.report(),
                    input_bytes: len,
                    errors: crate::import::reported_errors(&import) + usize::from(unclaimed),
                    first_error: if unclaimed {
                        "the importer does not claim the statement (identify returned false)"
                            .to_owned()
                    } else {
                        import.error_lines().first().cloned().unwrap_or_default()
                    },
                })
            }
        }
    }
}

fn measure(guest: &Guest, work: &Workload<'_>, n: usize, cap: u64) -> anyhow::Result<Point> {
    let mut point = Point {
        size: n,
        text_bytes: work.text(n).len(),
        input_bytes: 0,
        fuel: None,
        fuel_per_unit: None,
        peak_memory: None,
        fits_production: false,
        failure: None,
    };
    match work.run(guest, n, Some(cap)) {
        Ok(m) if m.errors > 0 => {
            point.input_bytes = m.input_bytes;
            point.failure = Some(Failure {
                kind: REPORTED_ERRORS,
                message: format!(
                    "the {} reported {} errors, the first: {}",
                    work.guest(),
                    m.errors,
                    m.first_error
                ),
                fuel_used: Some(m.report.fuel_used()),
                memory_used: Some(m.report.peak_memory()),
            });
        }
        Ok(m) => {
            let r = &m.report;
            point.input_bytes = m.input_bytes;
            point.fuel = Some(r.fuel_used());
            point.fuel_per_unit = Some(r.fuel_used() as f64 / n as f64);
            point.peak_memory = Some(r.peak_memory());
            point.fits_production = r.fuel_used() <= PRODUCTION_FUEL;
        }
        Err(e @ Error::OutOfFuel { .. }) => {
            let mut failure = Failure::of_kit(&e);
            failure.message = format!("over the {} measurement cap: {e}", thousands(cap));
            point.failure = Some(failure);
        }
        // Anything else (a trap, a memory limit) is the guest failing at this size; the
        // table shows it, the fit leaves it out and the command fails.
        Err(e) => point.failure = Some(Failure::of_kit(&e)),
    }
    Ok(point)
}

fn one_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    if first.len() > 120 {
        format!("{}…", &first[..first.floor_char_boundary(119)])
    } else {
        first.to_owned()
    }
}

/// Least squares on (n, fuel), plus the log-log slope for the growth exponent.
pub fn fit(points: &[(f64, f64)]) -> Option<Fit> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let ss_tot: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
    let ss_res: f64 = points
        .iter()
        .map(|p| (p.1 - (intercept + slope * p.0)).powi(2))
        .sum();
    let r_squared = if ss_tot == 0.0 {
        1.0
    } else {
        1.0 - ss_res / ss_tot
    };

    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.0 > 0.0 && p.1 > 0.0)
        .map(|p| (p.0.ln(), p.1.ln()))
        .collect();
    let lm_x = logs.iter().map(|p| p.0).sum::<f64>() / logs.len() as f64;
    let lm_y = logs.iter().map(|p| p.1).sum::<f64>() / logs.len() as f64;
    let lsxx: f64 = logs.iter().map(|p| (p.0 - lm_x).powi(2)).sum();
    let lsxy: f64 = logs.iter().map(|p| (p.0 - lm_x) * (p.1 - lm_y)).sum();
    let exponent = if lsxx > 0.0 { lsxy / lsxx } else { 1.0 };
    // The fixed cost (instantiation, handshake) pulls small sizes' log slope below 1, so
    // superlinear means clearly above 1, and the linear fit visibly missing the points.
    let superlinear = exponent > 1.15 || (exponent > 1.05 && r_squared < 0.99);
    Some(Fit {
        intercept,
        slope,
        r_squared,
        exponent,
        superlinear,
    })
}

/// The size the fit predicts uses exactly `budget` fuel.
pub fn predict_largest(fit: &Fit, largest_measured: (f64, f64), budget: f64) -> Option<f64> {
    if fit.superlinear {
        // fuel ≈ c · n^k through the largest measured point.
        let (n0, f0) = largest_measured;
        Some(n0 * (budget / f0).powf(1.0 / fit.exponent))
    } else if fit.slope > 0.0 {
        Some((budget - fit.intercept) / fit.slope)
    } else {
        None
    }
}

fn largest_within(
    guest: &Guest,
    work: &Workload<'_>,
    fit: &Fit,
    points: &[Point],
) -> anyhow::Result<Option<Largest>> {
    let measured: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.fuel.map(|f| (p.size as f64, f as f64)))
        .collect();
    let Some(&last) = measured.last() else {
        return Ok(None);
    };
    let Some(guess) = predict_largest(fit, last, PRODUCTION_FUEL as f64) else {
        return Ok(None);
    };
    if !guess.is_finite() || guess < 1.0 {
        return Ok(None);
    }
    // Round down to 2 significant digits: a claim users can remember, with headroom.
    let mut n = round_down_2sig(guess as usize);
    // Confirm with real runs under the production budget, stepping down 10% on a miss.
    for _ in 0..8 {
        if n == 0 {
            break;
        }
        match work.run(guest, n, None) {
            Ok(m) => {
                return Ok(Some(Largest {
                    size: n,
                    fuel: m.report.fuel_used(),
                }));
            }
            Err(_) => n = round_down_2sig(n * 9 / 10),
        }
    }
    Ok(None)
}

fn round_down_2sig(n: usize) -> usize {
    if n < 100 {
        return n;
    }
    let mut scale = 1;
    while n / scale >= 100 {
        scale *= 10;
    }
    n / scale * scale
}

/// What `rlplugin bench` was asked to measure.
pub struct Options<'a> {
    pub plugin: &'a Path,
    pub sizes: &'a [usize],
    /// A sample statement, for an importer.
    pub statement: Option<&'a Path>,
    pub importer: crate::import::Args,
    pub config: Option<&'a str>,
    pub cap: u64,
}

pub fn bench(opts: Options<'_>) -> anyhow::Result<Bench> {
    // Before a crate directory is built: a typo should fail at once.
    if let Some(path) = opts.statement
        && !path.is_file()
    {
        anyhow::bail!(
            "sample statement {} does not exist or is not a file: pass the path of a statement the importer reads",
            path.display()
        );
    }
    let guest = crate::load::guest(opts.plugin)?;
    let importer = Settings::for_guest(opts.importer, &guest, "bench")?;
    let sample;
    let work = match (importer, opts.statement) {
        (Some(settings), Some(path)) => {
            if opts.config.is_some() {
                anyhow::bail!(
                    "--config is for plugins, and `{}` is an importer: pass its settings with --option",
                    guest.name()
                );
            }
            sample = std::fs::read_to_string(path).with_context(|| {
                format!(
                    "cannot read the sample statement {}: pass a UTF-8 text file",
                    path.display()
                )
            })?;
            Workload::statement(&sample, path, settings)?
        }
        (Some(_), None) => anyhow::bail!(
            "`{}` is an importer: `rlplugin bench` makes its statements from a sample, pass one with --statement FILE",
            guest.name()
        ),
        (None, Some(_)) => anyhow::bail!(
            "--statement is for importers, and `{}` is a plugin (it exports `process`); drop it",
            guest.name()
        ),
        (None, None) => Workload::Ledger {
            config: opts.config,
        },
    };
    work.check_sizes(opts.sizes)?;
    let unit = work.unit();
    let mut points = Vec::new();
    for &n in opts.sizes {
        errln!("{}", paint(DIM, format!("measuring {n} {unit}…")));
        points.push(measure(&guest, &work, n, opts.cap)?);
    }
    let data: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.fuel.map(|f| (p.size as f64, f as f64)))
        .collect();
    let fit = fit(&data);
    let largest = match &fit {
        Some(f) => largest_within(&guest, &work, f, &points)?,
        None => None,
    };
    Ok(Bench {
        guest: guest.name().to_owned(),
        unit,
        seed: synthetic::DEFAULT_SEED,
        budget: PRODUCTION_FUEL,
        measurement_cap: opts.cap,
        points,
        fit,
        largest_within_budget: largest,
    })
}

impl Bench {
    /// What the sizes measure: `ledger` or `statement`.
    pub fn input(&self) -> &'static str {
        if self.unit == "rows" {
            "statement"
        } else {
            "ledger"
        }
    }
}

/// The exit code the measurements call for: a size at which the guest failed fails the
/// command (running past the measurement cap only when every size did), and errors the
/// guest reported are findings.
pub fn verdict(b: &Bench) -> anyhow::Result<Outcome> {
    let failed = b
        .points
        .iter()
        .filter_map(|p| p.failure.as_ref().map(|f| (p.size, f)));
    if let Some((n, f)) = failed
        .clone()
        .find(|(_, f)| f.kind != REPORTED_ERRORS && f.kind != "out_of_fuel")
    {
        anyhow::bail!("the guest failed at {n} {}: {}", b.unit, f.message);
    }
    if b.points
        .iter()
        .all(|p| p.failure.as_ref().is_some_and(|f| f.kind == "out_of_fuel"))
    {
        let (n, message) = failed
            .clone()
            .next()
            .map_or((0, ""), |(n, f)| (n, f.message.as_str()));
        anyhow::bail!(
            "the guest failed at every size; at {n} {}: {message}",
            b.unit
        );
    }
    if let Some((n, f)) = failed.clone().find(|(_, f)| f.kind == REPORTED_ERRORS) {
        errln!(
            "{} at {n} {} {}; its figures are left out",
            paint(BAD, "error:"),
            b.unit,
            f.message
        );
        return Ok(Outcome::Findings);
    }
    Ok(Outcome::Ok)
}

pub fn print(b: &Bench) -> Result<(), StdoutError> {
    outln!(
        "{} {}  {}",
        paint(BOLD, "bench"),
        paint(BOLD, &b.guest),
        paint(
            DIM,
            match b.unit {
                "rows" => format!(
                    "statements repeated from the sample's rows, production budget {} fuel",
                    thousands(b.budget)
                ),
                _ => format!(
                    "synthetic ledgers, seed {:#x}, production budget {} fuel",
                    b.seed,
                    thousands(b.budget)
                ),
            }
        )
    )?;
    outln!(
        "{}",
        paint(
            BOLD,
            format!(
                "{:>10}  {:>10}  {:>14}  {:>9}  {:>10}  {:>8}",
                b.unit,
                "input",
                "fuel",
                format!("fuel/{}", &b.unit[..3]),
                "memory",
                "budget"
            )
        )
    )?;
    for p in &b.points {
        match (p.fuel, p.peak_memory) {
            (Some(fuel), Some(mem)) => {
                let percent = fuel as f64 * 100.0 / b.budget as f64;
                let verdict = if p.fits_production {
                    paint(OK, format!("{percent:>7.1}%"))
                } else {
                    paint(BAD, format!("{percent:>7.1}%"))
                };
                outln!(
                    "{:>10}  {:>10}  {:>14}  {:>9.1}  {:>10}  {verdict}",
                    thousands(p.size as u64),
                    bytes(p.input_bytes as u64),
                    thousands(fuel),
                    p.fuel_per_unit.unwrap_or_default(),
                    bytes(mem),
                )?;
            }
            _ => outln!(
                "{:>10}  {}",
                thousands(p.size as u64),
                paint(
                    BAD,
                    one_line(p.failure.as_ref().map_or("failed", |f| f.message.as_str()))
                )
            )?,
        }
    }
    match &b.fit {
        Some(f) => {
            let growth = if f.superlinear {
                paint(WARN, format!("superlinear (about n^{:.2})", f.exponent))
            } else {
                paint(OK, format!("linear (log-log slope {:.2})", f.exponent))
            };
            let sign = if f.intercept < 0.0 { "-" } else { "" };
            outln!(
                "fit: fuel ≈ {sign}{} + {:.1}·n  (R² {:.4}); growth {growth}",
                thousands(f.intercept.abs() as u64),
                f.slope,
                f.r_squared
            )?;
        }
        None => outln!(
            "{}",
            paint(
                WARN,
                "fit: needs at least two sizes that ran; add sizes with --sizes"
            )
        )?,
    }
    match &b.largest_within_budget {
        Some(l) => outln!(
            "largest {} within rustledger's {} fuel: {} {} of this shape (measured {} fuel, {:.1}%)",
            b.input(),
            thousands(b.budget),
            paint(BOLD, format!("≈ {}", thousands(l.size as u64))),
            b.unit,
            thousands(l.fuel),
            l.fuel as f64 * 100.0 / b.budget as f64
        )?,
        None => outln!(
            "largest {} within rustledger's {} fuel: {}",
            b.input(),
            thousands(b.budget),
            paint(
                WARN,
                "not determined (no usable fit, or even small inputs fail)"
            )
        )?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_data_fits_exactly_and_is_not_superlinear() {
        let pts: Vec<_> = [1000.0, 2000.0, 5000.0, 10000.0]
            .iter()
            .map(|&n| (n, 50_000.0 + 2_500.0 * n))
            .collect();
        let f = fit(&pts).unwrap();
        assert!((f.slope - 2_500.0).abs() < 1e-6);
        assert!((f.intercept - 50_000.0).abs() < 1e-3);
        assert!(!f.superlinear, "{f:?}");
        let n = predict_largest(&f, pts[3], 30_000_000.0).unwrap();
        assert!((n - 11_980.0).abs() < 1e-6, "{n}");
    }

    #[test]
    fn quadratic_data_is_superlinear_and_extrapolates_by_power_law() {
        let pts: Vec<_> = [1000.0, 2000.0, 5000.0, 10000.0]
            .iter()
            .map(|&n| (n, 0.3 * n * n))
            .collect();
        let f = fit(&pts).unwrap();
        assert!(f.superlinear);
        assert!((f.exponent - 2.0).abs() < 1e-9);
        let n = predict_largest(&f, pts[3], 30_000_000.0).unwrap();
        assert!((n - 10_000.0).abs() < 1e-6, "{n}");
    }

    fn settings(options: &[(&str, &str)]) -> Settings {
        Settings {
            account: "Assets:Bank".to_owned(),
            currency: None,
            options: options
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn statements_keep_their_head_once_and_repeat_their_rows() {
        let sample = "Bank export\nDate,Amount\n2024-01-01,1\n\n2024-01-02,2\n";
        let path = Path::new("dir/export.csv");
        let work = Workload::statement(sample, path, settings(&[("skip_rows", "1")])).unwrap();
        assert_eq!(work.unit(), "rows");
        assert_eq!(
            work.text(3),
            "Bank export\nDate,Amount\n2024-01-01,1\n2024-01-02,2\n2024-01-01,1\n"
        );
        let Workload::Statement { name, .. } = &work else {
            panic!("a statement workload");
        };
        assert_eq!(name, "export.csv");
        // Without a header every line is a row.
        let work = Workload::statement(sample, path, settings(&[("has_header", "false")])).unwrap();
        assert_eq!(work.text(2), "Bank export\nDate,Amount\n");
        // rustledger's default reads a header.
        let work = Workload::statement("Date\n1\n", path, settings(&[])).unwrap();
        assert_eq!(work.text(2), "Date\n1\n1\n");
        let empty = Workload::statement("Date,Amount\n", path, settings(&[]));
        assert!(empty.is_err_and(|e| e.to_string().contains("no rows after its 1 header line")),);
        let bad = Workload::statement(sample, path, settings(&[("skip_rows", "two")]));
        assert!(bad.is_err_and(|e| e.to_string().contains("skip_rows=two")));
    }

    #[test]
    fn sizes_beyond_memory_are_refused_per_unit() {
        let work = Workload::Ledger { config: None };
        assert!(work.check_sizes(&[1_000]).is_ok());
        let too_many = work.check_sizes(&[10_000_000]).unwrap_err().to_string();
        assert!(
            too_many.contains("10000000 directives is too many"),
            "{too_many}"
        );
        let sample = format!("Date,Memo\n2024-01-01,{}\n", "x".repeat(10_000));
        let rows = Workload::statement(&sample, Path::new("s.csv"), settings(&[])).unwrap();
        let too_many = rows.check_sizes(&[100_000]).unwrap_err().to_string();
        assert!(too_many.contains("100000 rows is too many"), "{too_many}");
        assert!(too_many.contains("more than the 256.0 MiB"), "{too_many}");
    }

    #[test]
    fn sizes_parse_sort_and_reject_nonsense() {
        assert_eq!(parse_sizes("5000, 1000,1_000").unwrap(), vec![1000, 5000]);
        assert!(
            parse_sizes("10k")
                .unwrap_err()
                .to_string()
                .contains("`10k`")
        );
        assert!(parse_sizes("0").is_err());
        assert!(parse_sizes("").is_err());
        assert_eq!(round_down_2sig(12_345), 12_000);
        assert_eq!(round_down_2sig(99), 99);
    }
}
