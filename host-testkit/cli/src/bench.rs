//! `rlplugin bench`: fuel and memory on synthetic ledgers of growing size, a fit of the
//! growth, and the largest ledger that still fits rustledger's 30,000,000-fuel budget.
//!
//! Measurement runs get a large fuel cap so sizes beyond the production budget are still
//! measured (and the fit uses them); whether each size fits production is then a
//! comparison, not a second run. The largest fitting size is predicted from the fit and
//! confirmed by running the generator's ledger of that size under the production budget.

use std::path::Path;

use rlplugin_testkit::{Error, Guest, PRODUCTION_FUEL, PRODUCTION_MEMORY, synthetic};
use serde::Serialize;

use crate::out::{StdoutError, errln, outln};
use crate::style::{BAD, BOLD, DIM, OK, WARN, bytes, paint, thousands};
use crate::{Failure, Outcome};

pub const DEFAULT_SIZES: &str = "1000,2000,5000,10000";

/// The most directives one size may have, whatever memory allows: loading the ledger
/// through rustledger dominates a size's time and grows linearly with it, and this keeps a
/// size to about a minute (the README's figures give the loader's rate).
const MAX_DIRECTIVES: usize = 200_000;

/// `failure.kind` of a size at which the plugin ran but reported errors.
const REPORTED_ERRORS: &str = "reported_errors";

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub directives: usize,
    pub ledger_bytes: usize,
    pub input_bytes: usize,
    /// `None` when the run failed or reported errors (the error path's cost is not the
    /// plugin's).
    pub fuel: Option<u64>,
    pub fuel_per_directive: Option<f64>,
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
    pub directives: usize,
    /// Fuel measured at that size under the production budget.
    pub fuel: u64,
}

#[derive(Debug, Serialize)]
pub struct Bench {
    pub guest: String,
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
    let (largest, why) = largest_accepted();
    if let Some(n) = sizes.iter().find(|n| **n > largest) {
        anyhow::bail!(
            "--sizes: {n} directives is too many: {why}; the largest size accepted is {largest}"
        );
    }
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}

/// The largest size `bench` measures, and what limits it. The plugin's input is larger than
/// the ledger text, and the guest must hold it in rustledger's memory cap, so a ledger whose
/// text alone exceeds the cap can never run.
fn largest_accepted() -> (usize, String) {
    const SAMPLE: usize = 1_000;
    let bytes_per_directive = synthetic::ledger(SAMPLE).len().div_ceil(SAMPLE);
    let fits_memory = PRODUCTION_MEMORY / bytes_per_directive;
    if fits_memory < MAX_DIRECTIVES {
        (
            fits_memory,
            format!(
                "a synthetic ledger that large is over {} of text, more than the {} of memory rustledger 0.24 gives a plugin",
                bytes(PRODUCTION_MEMORY as u64),
                bytes(PRODUCTION_MEMORY as u64)
            ),
        )
    } else {
        (
            MAX_DIRECTIVES,
            "loading a ledger that large through rustledger would take minutes per size".to_owned(),
        )
    }
}

fn measure(guest: &Guest, n: usize, config: Option<&str>, cap: u64) -> anyhow::Result<Point> {
    let text = synthetic::ledger(n);
    let mut request = guest.plugin().ledger(text.clone()).fuel(cap);
    if let Some(c) = config {
        request = request.config(c);
    }
    let mut point = Point {
        directives: n,
        ledger_bytes: text.len(),
        input_bytes: 0,
        fuel: None,
        fuel_per_directive: None,
        peak_memory: None,
        fits_production: false,
        failure: None,
    };
    match request.run() {
        Ok(run) if crate::run::reported_errors(&run) > 0 => {
            let r = run.report();
            point.input_bytes = run.input_bytes().len();
            let first = run.error_lines().first().cloned().unwrap_or_default();
            point.failure = Some(Failure {
                kind: REPORTED_ERRORS,
                message: format!(
                    "the plugin reported {} errors, the first: {first}",
                    crate::run::reported_errors(&run)
                ),
                fuel_used: Some(r.fuel_used()),
                memory_used: Some(r.peak_memory()),
            });
        }
        Ok(run) => {
            let r = run.report();
            point.input_bytes = run.input_bytes().len();
            point.fuel = Some(r.fuel_used());
            point.fuel_per_directive = Some(r.fuel_used() as f64 / n as f64);
            point.peak_memory = Some(r.peak_memory());
            point.fits_production = r.fuel_used() <= PRODUCTION_FUEL;
        }
        Err(e @ Error::OutOfFuel { .. }) => {
            let mut failure = Failure::of_kit(&e);
            failure.message = format!("over the {} measurement cap: {e}", thousands(cap));
            point.failure = Some(failure);
        }
        // Anything else (a trap, a memory limit) is the plugin failing at this size; the
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
    fit: &Fit,
    points: &[Point],
    config: Option<&str>,
) -> anyhow::Result<Option<Largest>> {
    let measured: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.fuel.map(|f| (p.directives as f64, f as f64)))
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
        let mut request = guest.plugin().ledger(synthetic::ledger(n));
        if let Some(c) = config {
            request = request.config(c);
        }
        match request.run() {
            Ok(run) => {
                return Ok(Some(Largest {
                    directives: n,
                    fuel: run.report().fuel_used(),
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

pub fn bench(
    plugin: &Path,
    sizes: &[usize],
    config: Option<&str>,
    cap: u64,
) -> anyhow::Result<Bench> {
    let guest = crate::load::guest(plugin)?;
    let mut points = Vec::new();
    for &n in sizes {
        errln!("{}", paint(DIM, format!("measuring {n} directives…")));
        points.push(measure(&guest, n, config, cap)?);
    }
    let data: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| p.fuel.map(|f| (p.directives as f64, f as f64)))
        .collect();
    let fit = fit(&data);
    let largest = match &fit {
        Some(f) => largest_within(&guest, f, &points, config)?,
        None => None,
    };
    Ok(Bench {
        guest: guest.name().to_owned(),
        seed: synthetic::DEFAULT_SEED,
        budget: PRODUCTION_FUEL,
        measurement_cap: cap,
        points,
        fit,
        largest_within_budget: largest,
    })
}

/// The exit code the measurements call for: a size at which the plugin failed fails the
/// command (running past the measurement cap only when every size did), and errors the
/// plugin reported are findings.
pub fn verdict(b: &Bench) -> anyhow::Result<Outcome> {
    let failed = b
        .points
        .iter()
        .filter_map(|p| p.failure.as_ref().map(|f| (p.directives, f)));
    if let Some((n, f)) = failed
        .clone()
        .find(|(_, f)| f.kind != REPORTED_ERRORS && f.kind != "out_of_fuel")
    {
        anyhow::bail!("the plugin failed at {n} directives: {}", f.message);
    }
    if b.points
        .iter()
        .all(|p| p.failure.as_ref().is_some_and(|f| f.kind == "out_of_fuel"))
    {
        let (n, message) = failed
            .clone()
            .next()
            .map_or((0, ""), |(n, f)| (n, f.message.as_str()));
        anyhow::bail!("the plugin failed at every size; at {n} directives: {message}");
    }
    if let Some((n, f)) = failed.clone().find(|(_, f)| f.kind == REPORTED_ERRORS) {
        errln!(
            "{} at {n} directives {}; its figures are left out",
            paint(BAD, "error:"),
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
            format!(
                "synthetic ledgers, seed {:#x}, production budget {} fuel",
                b.seed,
                thousands(b.budget)
            )
        )
    )?;
    outln!(
        "{}",
        paint(
            BOLD,
            format!(
                "{:>10}  {:>10}  {:>14}  {:>9}  {:>10}  {:>8}",
                "directives", "input", "fuel", "fuel/dir", "memory", "budget"
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
                    thousands(p.directives as u64),
                    bytes(p.input_bytes as u64),
                    thousands(fuel),
                    p.fuel_per_directive.unwrap_or_default(),
                    bytes(mem),
                )?;
            }
            _ => outln!(
                "{:>10}  {}",
                thousands(p.directives as u64),
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
            "largest ledger within rustledger's {} fuel: {} directives of this shape (measured {} fuel, {:.1}%)",
            thousands(b.budget),
            paint(BOLD, format!("≈ {}", thousands(l.directives as u64))),
            thousands(l.fuel),
            l.fuel as f64 * 100.0 / b.budget as f64
        )?,
        None => outln!(
            "largest ledger within rustledger's {} fuel: {}",
            thousands(b.budget),
            paint(
                WARN,
                "not determined (no usable fit, or even small ledgers fail)"
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
