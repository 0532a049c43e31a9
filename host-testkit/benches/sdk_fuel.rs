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
    FuelLimit, GuestKind, IMPORTER_TARGET, MINIMAL_SIZE_TARGET, RAISED_FUEL, STRETCH_DIRECTIVES,
    Sdk, TAGGER_TARGET, VALIDATOR_TARGET,
};

/// Directives in the benchmark ledger.
const LEDGER: usize = 10_000;
/// Granularity of the largest-ledger search, in directives.
const LEDGER_STEP: usize = 50;
/// Largest ledger tried in one call.
const LEDGER_CAP: usize = 20_000;
/// Granularity of the largest-statement search.
const STEP: usize = 16 << 10;
/// Larger statements exceed the importer host's 64 MiB input cap once encoded.
const IMPORT_CAP: usize = 56 << 20;

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

fn cell(fuel: &Result<u64, String>) -> String {
    match fuel {
        Ok(v) => thousands(*v as usize),
        Err(why) => format!("failed: {why}"),
    }
}

fn directives(n: usize) -> String {
    if n >= LEDGER_CAP {
        format!("≥ {}", thousands(n))
    } else {
        thousands(n)
    }
}

/// A largest-ledger row: the stretch target is shown, never counted as a miss.
fn stretch_row(name: String, ours: usize, theirs: usize) -> [String; 5] {
    let met = if ours >= STRETCH_DIRECTIVES {
        "yes"
    } else {
        "no (stretch)"
    };
    [
        name,
        directives(ours),
        directives(theirs),
        format!("≥ {}", thousands(STRETCH_DIRECTIVES)),
        met.to_owned(),
    ]
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
    let blank = || String::new();

    for (kind, target) in [
        (GuestKind::Validator, VALIDATOR_TARGET),
        (GuestKind::Tagger, TAGGER_TARGET),
    ] {
        let name = format!("{}, fuel/directive", kind_name(kind));
        eprintln!("measuring the {name} on {LEDGER} directives …");
        let [ours, theirs] = [Sdk::Rlplugin, Sdk::Upstream]
            .map(|sdk| fuel::fuel_per_directive(guest(sdk, kind), LEDGER, FuelLimit::Raised));
        let met = matches!(ours, Ok(v) if v <= target);
        rows.push([
            name.clone(),
            cell(&ours),
            cell(&theirs),
            format!("≤ {}", thousands(target as usize)),
            check(&name, met),
        ]);
        if let (Ok(a), Ok(b)) = (&ours, &theirs) {
            rows.push([
                format!("  {} ratio", kind_name(kind)),
                format!("{:.1}× less", *b as f64 / *a as f64),
                blank(),
                blank(),
                blank(),
            ]);
        }
    }

    for kind in [GuestKind::Validator, GuestKind::Tagger] {
        eprintln!(
            "searching the largest ledger each {} processes in one call …",
            kind_name(kind)
        );
        let [ours, theirs] = [Sdk::Rlplugin, Sdk::Upstream]
            .map(|sdk| fuel::largest_ledger(guest(sdk, kind), 500, LEDGER_STEP, LEDGER_CAP));
        rows.push(stretch_row(
            format!("{}, directives in one call (stretch)", kind_name(kind)),
            ours,
            theirs,
        ));
    }

    for kind in [GuestKind::Validator, GuestKind::Tagger] {
        eprintln!(
            "measuring the {} on the kit's realistic ledger and searching the largest in one call …",
            kind_name(kind)
        );
        let [ours, theirs] = [Sdk::Rlplugin, Sdk::Upstream].map(|sdk| {
            fuel::realistic_fuel_per_directive(guest(sdk, kind), LEDGER, FuelLimit::Raised)
        });
        rows.push([
            format!("{}, realistic ledger, fuel/directive", kind_name(kind)),
            cell(&ours),
            cell(&theirs),
            blank(),
            blank(),
        ]);
        let [ours, theirs] = [Sdk::Rlplugin, Sdk::Upstream].map(|sdk| {
            fuel::largest_realistic_ledger(guest(sdk, kind), 500, LEDGER_STEP, LEDGER_CAP)
        });
        rows.push(stretch_row(
            format!(
                "{}, realistic ledger, directives in one call (stretch)",
                kind_name(kind)
            ),
            ours,
            theirs,
        ));
    }

    eprintln!("measuring the validator on a price history …");
    let [ours, theirs] = [Sdk::Rlplugin, Sdk::Upstream].map(|sdk| {
        fuel::price_history_fuel_per_directive(guest(sdk, GuestKind::Validator), LEDGER)
    });
    rows.push([
        "validator, price history, fuel/directive".to_owned(),
        cell(&ours),
        cell(&theirs),
        blank(),
        blank(),
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
            blank(),
            blank(),
        ]);
    }

    eprintln!("searching the largest statement each importer handles in one call …");
    let [ours, theirs] = [Sdk::Rlplugin, Sdk::Upstream].map(|sdk| {
        fuel::largest_import(
            guest(sdk, GuestKind::Importer),
            IMPORTER_TARGET,
            STEP,
            IMPORT_CAP,
        )
    });
    rows.push([
        "importer, largest CSV statement in one call".to_owned(),
        kib(ours),
        kib(theirs),
        format!("≥ {}", kib(IMPORTER_TARGET)),
        check("importer", ours >= IMPORTER_TARGET),
    ]);
    if let Ok(fuel) = fuel::import_fits(guest(Sdk::Rlplugin, GuestKind::Importer), IMPORTER_TARGET)
    {
        rows.push([
            format!("  importer fuel/byte at {}", kib(IMPORTER_TARGET)),
            format!("{:.1}", fuel as f64 / IMPORTER_TARGET as f64),
            blank(),
            blank(),
            blank(),
        ]);
    }
    // Fuel per byte at a size both SDKs handle: the baseline importer (does not read the
    // statement) is the SDK's share, the rest is the importer's own code.
    let probe = theirs.clamp(STEP, IMPORTER_TARGET);
    let split = |sdk: Sdk| -> Result<[f64; 2], String> {
        let total = fuel::import_fits(guest(sdk, GuestKind::Importer), probe)?;
        let decode = fuel::baseline_import(guest(sdk, GuestKind::ImporterBaseline), probe)?;
        Ok([decode, total.saturating_sub(decode)].map(|f| f as f64 / probe as f64))
    };
    let [ours, theirs] = [Sdk::Rlplugin, Sdk::Upstream].map(split);
    for (i, part) in ["the SDK's (baseline importer)", "the importer's own code"]
        .into_iter()
        .enumerate()
    {
        let value = |split: &Result<[f64; 2], String>| match split {
            Ok(v) => format!("{:.1}", v[i]),
            Err(why) => format!("failed: {why}"),
        };
        rows.push([
            format!("  fuel/byte at {}: {part}", kib(probe)),
            value(&ours),
            value(&theirs),
            blank(),
            blank(),
        ]);
    }

    println!();
    println!(
        "Same guest sources (host-testkit/benches/guests), production sandbox of rustledger 0.24 \
         (30,000,000 fuel, 256 MiB per call)."
    );
    println!(
        "Ledger: {} transactions (payee, narration, 1 tag, 1 metadata entry, 2 postings with units \
         and spans), {} bytes as the host encodes it; fuel/directive measured on all of it in one \
         call with the fuel cap raised to {}.",
        thousands(LEDGER),
        thousands(input_bytes),
        thousands(RAISED_FUEL as usize)
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
    println!(
        "Realistic ledger: rlplugin_testkit::synthetic::ledger(n) loaded by rustledger's loader \
         and run through the kit (opens, prices, balances, transactions with 2-4 postings, \
         costs, price annotations, metadata, tags, links); fuel/directive on {} directives with \
         the raised cap. Price history: {} price directives (four commodities, daily), loaded \
         and run the same way.",
        thousands(LEDGER),
        thousands(LEDGER)
    );
    println!(
        "Stretch rows: the largest ledger (to within {LEDGER_STEP} directives) processed in one \
         call under the production limits; not counted as a miss."
    );
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
        GuestKind::ImporterBaseline => "importer baseline",
    }
}
