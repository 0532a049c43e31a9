//! Fuel and size of the same plugin sources built against rlplugin and against
//! rustledger-plugin-types 0.24 (a one-line dependency rename), run in rustledger 0.24's
//! production sandbox. Prints a side-by-side table and exits non-zero if rlplugin misses a
//! target.
//!
//! ```text
//! cargo bench -p rlplugin-testkit --bench sdk_fuel
//! ```
//!
//! Fuel is deterministic, so one run of each is exact; the first run spends a few minutes
//! compiling the eight guests (into `target/sdk-fuel/`).

mod fuel;

use std::process::ExitCode;

use fuel::{
    GuestKind, IMPORTER_TARGET, MINIMAL_SIZE_TARGET, STRETCH_DIRECTIVES, Sdk, TAGGER_TARGET,
    VALIDATOR_TARGET,
};

/// Directives in the benchmark ledger.
const LEDGER: usize = 10_000;
/// Ledger sizes used to measure an SDK that cannot process [`LEDGER`] in one call.
const FALLBACK: (usize, usize) = (250, 500);
/// Granularity of the largest-statement search.
const STEP: usize = 16 << 10;
/// Larger statements exceed the importer host's 64 MiB input cap once encoded.
const IMPORT_CAP: usize = 56 << 20;

/// One measured cell.
enum Fuel {
    /// Fuel per directive at the full ledger size.
    Full(u64),
    /// The full ledger failed (why); per-directive fuel measured between two smaller sizes.
    Fallback(u64, String),
    /// Nothing could be measured.
    Failed(String),
}

impl Fuel {
    fn value(&self) -> Option<u64> {
        match self {
            Self::Full(v) | Self::Fallback(v, _) => Some(*v),
            Self::Failed(_) => None,
        }
    }

    fn cell(&self) -> String {
        match self {
            Self::Full(v) => thousands(*v as usize),
            Self::Fallback(v, _) => format!("{} *", thousands(*v as usize)),
            Self::Failed(why) => format!("failed: {why}"),
        }
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn kib(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

fn measure(guest: &fuel::Guest) -> Fuel {
    match fuel::fuel_per_directive(guest, LEDGER) {
        Ok(v) => Fuel::Full(v),
        Err(full) => match fuel::marginal_fuel_per_directive(guest, FALLBACK.0, FALLBACK.1) {
            Ok(v) => Fuel::Fallback(v, full),
            Err(small) => Fuel::Failed(format!("{full}; at {} directives: {small}", FALLBACK.1)),
        },
    }
}

fn main() -> ExitCode {
    let sdks = [Sdk::Rlplugin, Sdk::Upstream];
    eprintln!("building the benchmark guests for both SDKs (target/sdk-fuel) …");
    let guests = match fuel::build(&sdks, &GuestKind::ALL) {
        Ok(guests) => guests,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let guest = |sdk: Sdk, kind: GuestKind| {
        guests
            .iter()
            .find(|g| g.sdk == sdk && g.kind == kind)
            .expect("every guest was built")
    };

    let input_bytes = rmp_serde::to_vec(&fuel::ledger(LEDGER)).map_or(0, |b| b.len());
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut missed = Vec::new();
    let mut check = |name: &str, met: bool| {
        if !met {
            missed.push(name.to_owned());
        }
        if met { "yes" } else { "NO" }.to_owned()
    };

    for (kind, name, target) in [
        (
            GuestKind::Validator,
            "validator, fuel/directive",
            VALIDATOR_TARGET,
        ),
        (GuestKind::Tagger, "tagger, fuel/directive", TAGGER_TARGET),
    ] {
        eprintln!("measuring the {name} …");
        let ours = measure(guest(Sdk::Rlplugin, kind));
        let theirs = measure(guest(Sdk::Upstream, kind));
        let met = matches!(ours, Fuel::Full(v) if v <= target);
        rows.push([
            name.to_owned(),
            ours.cell(),
            theirs.cell(),
            format!("≤ {}", thousands(target as usize)),
            check(name, met),
        ]);
        if let (Some(a), Some(b)) = (ours.value(), theirs.value()) {
            rows.push([
                format!("  {} ratio", kind_name(kind)),
                format!("{:.1}× less", b as f64 / a as f64),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for (sdk, cell) in [(Sdk::Rlplugin, &ours), (Sdk::Upstream, &theirs)] {
            if let Fuel::Fallback(_, why) | Fuel::Failed(why) = cell {
                eprintln!(
                    "  note: {sdk} {} on {LEDGER} directives: {why}",
                    kind_name(kind)
                );
            }
        }
    }

    let stretch_ok = fuel::fuel_per_directive(guest(Sdk::Rlplugin, GuestKind::Validator), LEDGER)
        .is_ok()
        && fuel::fuel_per_directive(guest(Sdk::Rlplugin, GuestKind::Tagger), LEDGER).is_ok();
    let upstream_stretch =
        fuel::fuel_per_directive(guest(Sdk::Upstream, GuestKind::Validator), LEDGER).is_ok();
    rows.push([
        format!(
            "{} directives in one call (validator and tagger)",
            thousands(LEDGER)
        ),
        if stretch_ok { "yes" } else { "no" }.to_owned(),
        if upstream_stretch { "yes" } else { "no" }.to_owned(),
        format!("stretch: ≥ {}", thousands(STRETCH_DIRECTIVES)),
        if stretch_ok { "yes" } else { "no" }.to_owned(),
    ]);

    let minimal_ours = guest(Sdk::Rlplugin, GuestKind::Minimal).size;
    let minimal_theirs = guest(Sdk::Upstream, GuestKind::Minimal).size;
    rows.push([
        "minimal plugin .wasm (opt-level s, LTO, strip, panic=abort)".to_owned(),
        format!("{} B", thousands(minimal_ours)),
        format!("{} B", thousands(minimal_theirs)),
        format!("≤ {} B", thousands(MINIMAL_SIZE_TARGET)),
        check("minimal size", minimal_ours <= MINIMAL_SIZE_TARGET),
    ]);
    for kind in [GuestKind::Validator, GuestKind::Tagger, GuestKind::Importer] {
        rows.push([
            format!("  {} .wasm (opt-level 3)", kind_name(kind)),
            format!("{} B", thousands(guest(Sdk::Rlplugin, kind).size)),
            format!("{} B", thousands(guest(Sdk::Upstream, kind).size)),
            String::new(),
            String::new(),
        ]);
    }

    eprintln!("searching the largest statement each importer handles in one call …");
    let ours = fuel::largest_import(
        guest(Sdk::Rlplugin, GuestKind::Importer),
        IMPORTER_TARGET,
        STEP,
        IMPORT_CAP,
    );
    let theirs = fuel::largest_import(
        guest(Sdk::Upstream, GuestKind::Importer),
        IMPORTER_TARGET,
        STEP,
        IMPORT_CAP,
    );
    let importer_fuel =
        fuel::import_fits(guest(Sdk::Rlplugin, GuestKind::Importer), IMPORTER_TARGET);
    rows.push([
        "importer, largest CSV statement in one call".to_owned(),
        kib(ours),
        kib(theirs),
        format!("≥ {}", kib(IMPORTER_TARGET)),
        check("importer", ours >= IMPORTER_TARGET),
    ]);
    if let Ok(fuel) = importer_fuel {
        rows.push([
            format!("  importer fuel/byte at {}", kib(IMPORTER_TARGET)),
            format!("{:.1}", fuel as f64 / IMPORTER_TARGET as f64),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }

    println!();
    println!(
        "Same guest sources (host-testkit/benches/guests), production sandbox of rustledger 0.24 \
         (30,000,000 fuel, 256 MiB per call)."
    );
    println!(
        "Ledger: {} transactions (payee, narration, 1 tag, 1 metadata entry, 2 postings with units \
         and spans), {} bytes as the host encodes it.",
        thousands(LEDGER),
        thousands(input_bytes)
    );
    println!(
        "Fuel guests: opt-level 3, LTO, codegen-units 1, panic=abort, strip; both SDKs alike."
    );
    println!();
    let header = ["", "rlplugin", "rustledger 0.24", "target", "met"];
    let widths: Vec<usize> = (0..5)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 5]| {
        let mut out = format!("{:<w$}", cells[0], w = widths[0]);
        for c in 1..5 {
            out.push_str(&format!("  {:>w$}", cells[c], w = widths[c]));
        }
        println!("{}", out.trim_end());
    };
    line(header);
    let dashes = widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>();
    line([&dashes[0], &dashes[1], &dashes[2], &dashes[3], &dashes[4]]);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
    }
    println!();
    if rows
        .iter()
        .any(|r| r[1].ends_with(" *") || r[2].ends_with(" *"))
    {
        println!(
            "* this SDK's guest cannot process {} directives in one call (out of fuel); the figure \
             is its marginal fuel per directive between {} and {} directives.",
            thousands(LEDGER),
            FALLBACK.0,
            FALLBACK.1
        );
    }
    if missed.is_empty() {
        println!("All rlplugin targets met.");
        ExitCode::SUCCESS
    } else {
        println!("rlplugin MISSED: {}", missed.join(", "));
        ExitCode::FAILURE
    }
}

fn kind_name(kind: GuestKind) -> &'static str {
    match kind {
        GuestKind::Validator => "validator",
        GuestKind::Tagger => "tagger",
        GuestKind::Minimal => "minimal",
        GuestKind::Importer => "importer",
    }
}
