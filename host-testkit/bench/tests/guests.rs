//! Holds rlplugin to the committed benchmark figures (`figures.json`): the benchmark's own
//! guests and measurements, rlplugin's side only, each limit the recorded figure plus
//! [`MARGIN`]. Every run goes through the kit in rustledger 0.24's production sandbox, so
//! the output must also pass the host's checks.
//!
//! A deliberate change of fuel or size is recorded by re-running the benchmark
//! (`cargo run -p rlplugin-bench`), which rewrites the file and the README blocks.

use std::sync::OnceLock;

use rlplugin_bench::figures::{self, Figures, MARGIN, MEASURE, ceiling};
use rlplugin_bench::fuel::{self, FuelLimit, GuestKind, Sdk};

fn recorded() -> &'static Figures {
    static FIGURES: OnceLock<Figures> = OnceLock::new();
    FIGURES.get_or_init(|| figures::read().unwrap_or_else(|e| panic!("{e}")))
}

/// The lowest acceptable value of a capacity recorded as `figure`.
fn floor(figure: u64) -> usize {
    (figure as f64 * (1.0 - MARGIN)).ceil() as usize
}

/// The rlplugin guests, built once per test process.
fn guest(kind: GuestKind) -> &'static fuel::Guest {
    static GUESTS: OnceLock<Vec<fuel::Guest>> = OnceLock::new();
    GUESTS
        .get_or_init(|| {
            // The baseline importer only serves the benchmark's fuel split.
            let kinds = [
                GuestKind::Validator,
                GuestKind::Tagger,
                GuestKind::Minimal,
                GuestKind::Importer,
                GuestKind::ViewValidator,
                GuestKind::ViewTagger,
            ];
            fuel::build(&[Sdk::Rlplugin], &kinds).unwrap_or_else(|e| panic!("{e}"))
        })
        .iter()
        .find(|g| g.kind == kind)
        .expect("every guest was built")
}

fn assert_at_most(what: &str, measured: u64, figure: u64) {
    eprintln!("{what}: {measured} (recorded {figure})");
    assert!(
        measured <= ceiling(figure),
        "{what}: {measured}, more than the recorded {figure} plus {:.1}%; if the change is \
         intended, record it with `{MEASURE}`",
        MARGIN * 100.0
    );
}

fn per_directive(kind: GuestKind) -> u64 {
    let n = recorded().ledger_directives as usize;
    fuel::fuel_per_directive(guest(kind), n, FuelLimit::Raised)
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"))
}

#[test]
fn validator_fuel_does_not_regress() {
    let figure = recorded().validator_fuel_per_directive.rlplugin;
    assert_at_most(
        "validator fuel/directive",
        per_directive(GuestKind::Validator),
        figure,
    );
}

#[test]
fn tagger_fuel_does_not_regress() {
    let figure = recorded().tagger_fuel_per_directive.rlplugin;
    assert_at_most(
        "tagger fuel/directive",
        per_directive(GuestKind::Tagger),
        figure,
    );
}

#[test]
fn view_fuel_does_not_regress() {
    let view = &recorded().view;
    assert_at_most(
        "view validator fuel/directive",
        per_directive(GuestKind::ViewValidator),
        view.validator_fuel_per_directive,
    );
    assert_at_most(
        "view tagger fuel/directive",
        per_directive(GuestKind::ViewTagger),
        view.tagger_fuel_per_directive,
    );
}

#[test]
fn view_fuel_on_the_heavy_ledger_does_not_regress() {
    let view = &recorded().view;
    let heavy = |kind: GuestKind| {
        fuel::heavy_fuel_per_directive(
            guest(kind),
            view.heavy_directives as usize,
            FuelLimit::Raised,
        )
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"))
    };
    assert_at_most(
        "view validator fuel/directive, heavy ledger",
        heavy(GuestKind::ViewValidator),
        view.validator_heavy_fuel_per_directive,
    );
    assert_at_most(
        "view tagger fuel/directive, heavy ledger",
        heavy(GuestKind::ViewTagger),
        view.tagger_heavy_fuel_per_directive,
    );
}

#[test]
fn price_directives_take_the_fast_path() {
    let n = recorded().ledger_directives as usize;
    let fuel = fuel::price_history_fuel_per_directive(guest(GuestKind::Validator), n)
        .unwrap_or_else(|e| panic!("price history: {e}"));
    let figure = recorded()
        .validator_price_history_fuel_per_directive
        .rlplugin;
    assert_at_most("validator fuel/price directive", fuel, figure);
}

#[test]
fn minimal_plugin_size_does_not_regress() {
    // The size does not depend on where the SDK is checked out: no SDK code embeds a panic
    // location (the exports tests check that).
    let size = guest(GuestKind::Minimal).size as u64;
    assert_at_most(
        "minimal plugin bytes",
        size,
        recorded().minimal_wasm_bytes.rlplugin,
    );
}

#[test]
fn importer_fuel_on_its_statement_does_not_regress() {
    let f = recorded();
    let bytes = f.importer_statement_bytes as usize;
    let fuel = fuel::import_fits(guest(GuestKind::Importer), bytes)
        .unwrap_or_else(|e| panic!("{bytes}-byte statement: {e}"));
    assert_at_most("importer fuel", fuel, f.importer_fuel);
}

/// The benchmark ledger the validator was recorded to process in one call, less the margin,
/// still fits the production limits with correct output.
#[test]
fn validator_still_processes_its_largest_ledger_in_one_call() {
    let n = floor(recorded().validator_largest_ledger.rlplugin);
    fuel::fuel_per_directive(guest(GuestKind::Validator), n, FuelLimit::Production)
        .unwrap_or_else(|e| panic!("{n} directives no longer fit one call: {e}"));
}

/// The same on the kit's realistic ledger, loaded by rustledger's own loader.
#[test]
fn validator_still_processes_its_largest_realistic_ledger_in_one_call() {
    let n = floor(recorded().validator_realistic_largest_ledger.rlplugin);
    fuel::realistic_fuel_per_directive(guest(GuestKind::Validator), n, FuelLimit::Production)
        .unwrap_or_else(|e| panic!("{n} realistic directives no longer fit one call: {e}"));
}

/// Fuel per directive on the kit's heavy ledger, at the sizes the benchmark measured up to
/// 30,000 directives: loading the 100,000-directive ledger takes rustledger's loader about a
/// minute in a test build, and fuel per directive barely moves with size.
fn heavy_fuel_does_not_regress(kind: GuestKind, recorded_fuel: &[figures::Pair]) {
    let f = recorded();
    assert_eq!(
        f.heavy_ledger_directives.len(),
        recorded_fuel.len(),
        "figures.json has one heavy-ledger figure per size; fix: run `{MEASURE}`"
    );
    let sizes = f.heavy_ledger_directives.iter().zip(recorded_fuel);
    for (&n, figure) in sizes.filter(|(n, _)| **n <= 30_000) {
        let fuel = fuel::heavy_fuel_per_directive(guest(kind), n as usize, FuelLimit::Raised)
            .unwrap_or_else(|e| panic!("{kind:?} on {n} heavy directives: {e}"));
        assert_at_most(
            &format!("{kind:?} fuel/directive on the heavy ledger of {n}"),
            fuel,
            figure.rlplugin,
        );
    }
}

#[test]
fn validator_fuel_on_heavy_ledgers_does_not_regress() {
    heavy_fuel_does_not_regress(
        GuestKind::Validator,
        &recorded().validator_heavy_fuel_per_directive,
    );
}

#[test]
fn tagger_fuel_on_heavy_ledgers_does_not_regress() {
    heavy_fuel_does_not_regress(
        GuestKind::Tagger,
        &recorded().tagger_heavy_fuel_per_directive,
    );
}

/// The largest heavy ledger each plugin was recorded to process in one call, less the
/// margin, still fits the production limits.
#[test]
fn plugins_still_process_their_largest_heavy_ledgers_in_one_call() {
    let f = recorded();
    for (kind, largest) in [
        (GuestKind::Validator, f.validator_heavy_largest_ledger),
        (GuestKind::Tagger, f.tagger_heavy_largest_ledger),
    ] {
        let n = floor(largest.rlplugin);
        fuel::heavy_fuel_per_directive(guest(kind), n, FuelLimit::Production).unwrap_or_else(|e| {
            panic!("{kind:?}: {n} heavy directives no longer fit one call: {e}")
        });
    }
}

/// The benchmark importer's answer on bad lines, which the fuel runs never exercise: each
/// is reported by number and left out of the total (both amount parsers are exercised:
/// the one-word path for `-3.50`, the byte loop for `2500`, `123456.78` and `-0.5`).
#[test]
fn importer_reports_bad_lines_and_totals_the_rest() {
    let content = b"2024-01-02,Coffee, to go,-3.50\r\n\
                    2024-01-03,Rent\n\
                    2024-1-04,Books,-12.00\n\
                    2024-01-05,Books,-12.001\n\
                    2024-01-06,Refund,+1\n\
                    \n\
                    2024-01-07,Salary,2500\n\
                    just text\n\
                    2024-01-09,Car,123456.78\n\
                    2024-01-10,Tip,-0.5"
        .to_vec();
    let (_, import) = guest(GuestKind::Importer)
        .extract(content)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        import.warnings(),
        [
            "line 2: expected date,payee,amount",
            "line 3: expected a YYYY-MM-DD date",
            "line 4: bad amount",
            "line 5: bad amount",
            "line 8: expected date,payee,amount",
        ]
    );
    fuel::check_import_total(&import, 4, -350 + 250_000 + 12_345_678 - 50)
        .unwrap_or_else(|e| panic!("{e}"));
}
