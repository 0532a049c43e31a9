//! Fuel and size of the same plugin sources built against rlplugin and against
//! rustledger-plugin-types 0.24 (a one-line dependency rename), run through the test kit in
//! rustledger 0.24's production sandbox. Prints a side-by-side table, writes
//! `host-testkit/bench/figures.json` and regenerates the READMEs' figures blocks from it.
//!
//! ```text
//! cargo run -p rlplugin-bench              # measure, write the file and the READMEs
//! cargo run -p rlplugin-bench -- --readmes # only regenerate the READMEs from the file
//! cargo run -p rlplugin-bench -- --view    # measure only the view API's figures
//! cargo run -p rlplugin-bench -- --examples  # only the examples' and template's budgets
//! ```
//!
//! Fuel is deterministic, so one run of each is exact; the first run spends a few minutes
//! compiling the benchmark guests (into `target/sdk-fuel/`).

use std::collections::BTreeMap;
use std::process::{ExitCode, Stdio};

use rlplugin_bench::figures::{self, Figures, KitTimes, Pair, size, thousands};
use rlplugin_bench::fuel::{self, FuelLimit, GuestKind, RAISED_FUEL, Sdk};

/// Directives in the benchmark ledger.
const LEDGER: usize = 10_000;
/// Granularity of the largest-ledger search, in directives.
const LEDGER_STEP: usize = 50;
/// Largest ledger tried in one call.
const LEDGER_CAP: usize = 20_000;
/// Where the largest-ledger search starts doubling.
const LEDGER_START: usize = 500;
/// Largest heavy ledger tried in one call: read-only plugins aim past 100,000 directives.
const HEAVY_CAP: usize = 200_000;
/// Granularity of the largest-statement search.
const STEP: usize = 16 << 10;
/// The statement size the importer's fuel is reported at, and where its search starts.
const STATEMENT: usize = 2 << 20;
/// Larger statements exceed the importer host's 64 MiB input cap once encoded.
const IMPORT_CAP: usize = 56 << 20;
/// Directives of the small and the large ledger the kit's own times are taken on.
const KIT_SMALL: usize = 20;
const KIT_LARGE: usize = 12_000;

/// What to measure; with no flag, everything.
#[derive(clap::Parser)]
#[command(
    about = "Measure rlplugin's fuel and size against rustledger's SDK in the production \
             sandbox; write host-testkit/bench/figures.json and the READMEs' figures blocks",
    group = clap::ArgGroup::new("part").args(["readmes", "examples", "view"])
)]
struct Args {
    /// Measure nothing: only regenerate the READMEs' figures blocks from figures.json.
    #[arg(long)]
    readmes: bool,
    /// Measure only the examples' and the template plugin's budgets (runs their budget
    /// tests, ignored ones included).
    #[arg(long)]
    examples: bool,
    /// Measure only the view API's figures.
    #[arg(long)]
    view: bool,
}

fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    let result = if args.readmes {
        figures::read().and_then(|f| readmes(&f))
    } else if args.examples {
        figures::read().and_then(|mut f| {
            f.example_budget_fuel = example_budgets()?;
            figures::write(&f)?;
            eprintln!("wrote the budget figures to {}", figures::path().display());
            readmes(&f)
        })
    } else if args.view {
        figures::read().and_then(|mut f| {
            f.view = measure_view()?;
            figures::write(&f)?;
            eprintln!("wrote the view figures to {}", figures::path().display());
            readmes(&f)
        })
    } else {
        measure().and_then(|f| {
            print(&f);
            figures::write(&f)?;
            eprintln!("wrote {}", figures::path().display());
            readmes(&f)
        })
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn readmes(f: &Figures) -> Result<(), String> {
    for path in figures::write_readmes(f)? {
        eprintln!("updated {}", path.display());
    }
    Ok(())
}

/// Both SDKs' value of one measurement, or the first failure.
fn both(measure: impl Fn(Sdk) -> Result<u64, String>) -> Result<Pair, String> {
    Ok(Pair {
        rlplugin: measure(Sdk::Rlplugin).map_err(|e| format!("rlplugin: {e}"))?,
        rustledger: measure(Sdk::Upstream).map_err(|e| format!("rustledger's SDK: {e}"))?,
    })
}

fn measure() -> Result<Figures, String> {
    eprintln!("building the benchmark guests for both SDKs (target/sdk-fuel) …");
    let guests = fuel::build(&[Sdk::Rlplugin, Sdk::Upstream], &GuestKind::ALL)?;
    let guest = |sdk: Sdk, kind: GuestKind| {
        guests
            .iter()
            .find(|g| g.sdk == sdk && g.kind == kind)
            .expect("every guest was built")
    };
    let per_directive = |kind: GuestKind| {
        eprintln!("measuring the {kind:?} on {LEDGER} directives …");
        both(|sdk| fuel::fuel_per_directive(guest(sdk, kind), LEDGER, FuelLimit::Raised))
    };
    let largest = |kind: GuestKind| {
        eprintln!("searching the largest ledger the {kind:?} processes in one call …");
        both(|sdk| {
            Ok(
                fuel::largest_ledger(guest(sdk, kind), LEDGER_START, LEDGER_STEP, LEDGER_CAP)
                    as u64,
            )
        })
    };
    let realistic = |kind: GuestKind| {
        eprintln!("measuring the {kind:?} on the kit's realistic ledger …");
        both(|sdk| fuel::realistic_fuel_per_directive(guest(sdk, kind), LEDGER, FuelLimit::Raised))
    };
    let largest_realistic = |kind: GuestKind| {
        eprintln!("searching the largest realistic ledger the {kind:?} processes in one call …");
        both(|sdk| {
            Ok(fuel::largest_realistic_ledger(
                guest(sdk, kind),
                LEDGER_START,
                LEDGER_STEP,
                LEDGER_CAP,
            ) as u64)
        })
    };
    let heavy = |kind: GuestKind| {
        fuel::HEAVY_SIZES
            .iter()
            .map(|&n| {
                eprintln!("measuring the {kind:?} on the kit's heavy ledger of {n} directives …");
                both(|sdk| fuel::heavy_fuel_per_directive(guest(sdk, kind), n, FuelLimit::Raised))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let largest_heavy = |kind: GuestKind| {
        eprintln!("searching the largest heavy ledger the {kind:?} processes in one call …");
        both(|sdk| {
            Ok(
                fuel::largest_heavy_ledger(guest(sdk, kind), LEDGER_START, LEDGER_STEP, HEAVY_CAP)
                    as u64,
            )
        })
    };
    eprintln!(
        "writing beancount's bean-example ledger ({}) …",
        fuel::bean_example_script().display()
    );
    let bean_example = fuel::bean_example()?;
    let bean_example_directives = std::cell::Cell::new(0);
    let on_bean_example = |kind: GuestKind| {
        eprintln!("measuring the {kind:?} on bean-example's thirteen years …");
        both(|sdk| {
            let (fuel, directives) =
                fuel::ledger_text_fuel(guest(sdk, kind), bean_example.clone(), FuelLimit::Raised)?;
            bean_example_directives.set(directives as u64);
            Ok(fuel)
        })
    };
    let validator_bean_example_fuel = on_bean_example(GuestKind::Validator)?;
    let tagger_bean_example_fuel = on_bean_example(GuestKind::Tagger)?;
    let wasm = |kind: GuestKind| both(|sdk| Ok(guest(sdk, kind).size as u64));

    // First, while no ledger text has been loaded in this process.
    eprintln!("timing the kit on the synthetic ledgers …");
    let minimal = guest(Sdk::Rlplugin, GuestKind::Minimal);
    let synthetic = rlplugin_testkit::synthetic::ledger;
    let (small_first_run_ms, small_warm_run_ms, _) =
        fuel::kit_run_times(minimal, &synthetic(KIT_SMALL))?;
    let (large_first_run_ms, _, large_input_bytes) =
        fuel::kit_run_times(minimal, &synthetic(KIT_LARGE))?;
    // Stored at the precision a timing holds from run to run: 0.1 ms below 10 ms, whole ms above.
    let ms = |ms: f64| {
        if ms < 10.0 {
            (ms * 10.0).round() / 10.0
        } else {
            ms.round()
        }
    };
    let kit_times = KitTimes {
        small_directives: KIT_SMALL as u64,
        small_first_run_ms: ms(small_first_run_ms),
        small_warm_run_ms: ms(small_warm_run_ms),
        large_directives: KIT_LARGE as u64,
        large_input_bytes,
        large_first_run_ms: ms(large_first_run_ms),
    };

    let validator_fuel_per_directive = per_directive(GuestKind::Validator)?;
    let tagger_fuel_per_directive = per_directive(GuestKind::Tagger)?;
    let small_validator_fuel_per_directive = fuel::fuel_per_directive(
        guest(Sdk::Rlplugin, GuestKind::SmallValidator),
        LEDGER,
        FuelLimit::Raised,
    )?;
    eprintln!("measuring the validator on a price history …");
    let validator_price_history_fuel_per_directive = both(|sdk| {
        fuel::price_history_fuel_per_directive(guest(sdk, GuestKind::Validator), LEDGER)
    })?;

    eprintln!("searching the largest statement each importer handles in one call …");
    let importer = |sdk| guest(sdk, GuestKind::Importer);
    let importer_largest_statement_bytes =
        both(|sdk| Ok(fuel::largest_import(importer(sdk), STATEMENT, STEP, IMPORT_CAP) as u64))?;
    let importer_fuel = fuel::import_fits(importer(Sdk::Rlplugin), STATEMENT)?;
    // The split needs a size both importers handle: the baseline importer (decodes the
    // statement, reads none of it) is the SDK's share, the rest is the importer's own code.
    let split = (importer_largest_statement_bytes.rustledger as usize).clamp(STEP, STATEMENT);
    let importer_sdk_fuel =
        both(|sdk| fuel::baseline_import(guest(sdk, GuestKind::ImporterBaseline), split))?;
    let importer_total_fuel = both(|sdk| fuel::import_fits(importer(sdk), split))?;

    let example_budget_fuel = example_budgets()?;
    let view = measure_view()?;

    Ok(Figures {
        ledger_directives: LEDGER as u64,
        ledger_input_bytes: fuel::ledger_input_bytes(LEDGER),
        raised_fuel: RAISED_FUEL,
        search_step_directives: LEDGER_STEP as u64,
        validator_fuel_per_directive,
        tagger_fuel_per_directive,
        small_validator_fuel_per_directive,
        validator_largest_ledger: largest(GuestKind::Validator)?,
        tagger_largest_ledger: largest(GuestKind::Tagger)?,
        validator_realistic_fuel_per_directive: realistic(GuestKind::Validator)?,
        tagger_realistic_fuel_per_directive: realistic(GuestKind::Tagger)?,
        validator_realistic_largest_ledger: largest_realistic(GuestKind::Validator)?,
        tagger_realistic_largest_ledger: largest_realistic(GuestKind::Tagger)?,
        validator_price_history_fuel_per_directive,
        heavy_ledger_directives: fuel::HEAVY_SIZES.iter().map(|&n| n as u64).collect(),
        validator_heavy_fuel_per_directive: heavy(GuestKind::Validator)?,
        tagger_heavy_fuel_per_directive: heavy(GuestKind::Tagger)?,
        validator_heavy_largest_ledger: largest_heavy(GuestKind::Validator)?,
        tagger_heavy_largest_ledger: largest_heavy(GuestKind::Tagger)?,
        bean_example_directives: bean_example_directives.get(),
        validator_bean_example_fuel,
        tagger_bean_example_fuel,
        minimal_wasm_bytes: wasm(GuestKind::Minimal)?,
        validator_wasm_bytes: wasm(GuestKind::Validator)?,
        tagger_wasm_bytes: wasm(GuestKind::Tagger)?,
        importer_wasm_bytes: wasm(GuestKind::Importer)?,
        importer_largest_statement_bytes,
        importer_statement_bytes: STATEMENT as u64,
        importer_fuel,
        importer_split_bytes: split as u64,
        importer_sdk_fuel,
        importer_total_fuel,
        example_budget_fuel,
        kit_times,
        view,
    })
}

/// Directives in the heavy ledger the view's heavy figures are measured on.
const HEAVY: usize = 30_000;

/// The view API's figures: the view guests on the three ledgers, the drop-in guests on the
/// heavy one beside them, and the largest heavy ledgers the view guests fit in one call.
fn measure_view() -> Result<figures::ViewFigures, String> {
    eprintln!("building the view guests and the drop-in ones (target/sdk-fuel) …");
    let kinds = [
        GuestKind::ViewValidator,
        GuestKind::ViewTagger,
        GuestKind::Validator,
        GuestKind::Tagger,
    ];
    let guests = fuel::build(&[Sdk::Rlplugin], &kinds)?;
    let guest = |kind: GuestKind| {
        guests
            .iter()
            .find(|g| g.kind == kind)
            .expect("every guest was built")
    };
    let heavy = |kind: GuestKind| {
        eprintln!("measuring the {kind:?} on the heavy ledger …");
        fuel::heavy_fuel_per_directive(guest(kind), HEAVY, FuelLimit::Raised)
    };
    let largest = |kind: GuestKind| {
        eprintln!("searching the largest heavy ledger the {kind:?} processes in one call …");
        fuel::largest_heavy_ledger(guest(kind), LEDGER_START, LEDGER_STEP, HEAVY_CAP) as u64
    };
    let (validator, tagger) = (GuestKind::ViewValidator, GuestKind::ViewTagger);
    eprintln!(
        "writing beancount's bean-example ledger ({}) …",
        fuel::bean_example_script().display()
    );
    let bean_example = fuel::bean_example()?;
    let on_bean_example = |kind: GuestKind| {
        eprintln!("measuring the {kind:?} on bean-example's thirteen years …");
        fuel::ledger_text_fuel(guest(kind), bean_example.clone(), FuelLimit::Raised)
            .map(|(fuel, _)| fuel)
    };
    Ok(figures::ViewFigures {
        heavy_directives: HEAVY as u64,
        validator_fuel_per_directive: fuel::fuel_per_directive(
            guest(validator),
            LEDGER,
            FuelLimit::Raised,
        )?,
        tagger_fuel_per_directive: fuel::fuel_per_directive(
            guest(tagger),
            LEDGER,
            FuelLimit::Raised,
        )?,
        validator_realistic_fuel_per_directive: fuel::realistic_fuel_per_directive(
            guest(validator),
            LEDGER,
            FuelLimit::Raised,
        )?,
        tagger_realistic_fuel_per_directive: fuel::realistic_fuel_per_directive(
            guest(tagger),
            LEDGER,
            FuelLimit::Raised,
        )?,
        validator_heavy_fuel_per_directive: heavy(validator)?,
        tagger_heavy_fuel_per_directive: heavy(tagger)?,
        drop_in_validator_heavy_fuel_per_directive: heavy(GuestKind::Validator)?,
        drop_in_tagger_heavy_fuel_per_directive: heavy(GuestKind::Tagger)?,
        validator_bean_example_fuel: on_bean_example(validator)?,
        tagger_bean_example_fuel: on_bean_example(tagger)?,
        validator_heavy_largest_ledger: largest(validator),
        tagger_heavy_largest_ledger: largest(tagger),
    })
}

/// Each example's fuel on its budget tests' ledgers: the scenario lives in the test, which
/// prints its report; the figure is collected from there. A budget test over its limit
/// still prints what it used, and so do those ignored for being over it: the figures are
/// the measurement, the tests the guard, and the READMEs show both.
fn example_budgets() -> Result<BTreeMap<String, BTreeMap<String, u64>>, String> {
    eprintln!("running the examples' budget tests …");
    let output = rlplugin_testkit::cargo::command()
        .current_dir(figures::workspace_root())
        .args([
            "test",
            "--workspace",
            // One failing test binary must not keep the others from reporting.
            "--no-fail-fast",
            "stays_within_budget",
            "--",
            "--nocapture",
            "--include-ignored",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo for the examples' budget tests: {e}"))?;
    let budgets = figures::parse_example_budgets(&String::from_utf8_lossy(&output.stdout));
    if budgets.is_empty() {
        return Err(
            "no example budget test printed its report: see cargo's output above".to_owned(),
        );
    }
    if !output.status.success() {
        eprintln!(
            "warning: some budget tests failed (see above); the figures of those that ran are \
             kept"
        );
    }
    Ok(budgets)
}

/// The comparison on the terminal: every figure, both SDKs, and how they were measured.
fn print(f: &Figures) {
    println!();
    println!(
        "Same guest sources (host-testkit/bench/guests), run through the test kit in the \
         production sandbox of rustledger 0.24 (30,000,000 fuel, 256 MiB per call)."
    );
    println!(
        "Benchmark ledger: {} transactions (payee, narration, 1 tag, 1 metadata entry, 2 \
         postings with units and spans), {} bytes as the host encodes it; fuel/directive \
         measured on all of it in one call with the fuel cap raised to {}. Realistic ledger: \
         rlplugin_testkit::synthetic::ledger(n) loaded by rustledger's loader. Heavy ledger: \
         rlplugin_testkit::synthetic::heavy_ledger(n), the same way. bean-example: beancount's \
         own generator's thirteen years (host-testkit/bench/bean-example.sh), the same way. \
         Largest ledgers: to within {} directives, under the production limits.",
        thousands(f.ledger_directives),
        thousands(f.ledger_input_bytes),
        thousands(f.raised_fuel),
        f.search_step_directives,
    );
    println!("Guests: opt-level 3 (size guests \"s\"), LTO, codegen-units 1, panic=abort, strip.");
    println!();
    let text = figures::render("comparison", f).expect("the comparison block exists");
    print!("{text}");
    println!();
    println!(
        "importer: {} fuel on a {} statement",
        thousands(f.importer_fuel),
        size(f.importer_statement_bytes)
    );
}
