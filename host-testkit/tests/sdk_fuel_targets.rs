//! Guards rlplugin's fuel and size in CI with the benchmark's own guests and measurement
//! code (`benches/fuel`), on a smaller ledger: fuel is deterministic, so per-directive fuel
//! on 2,000 directives is an exact regression check. Every run goes through rustledger
//! 0.24's production sandbox and the output must pass `validate_op_coverage`.
//!
//! Two levels: regression ceilings just above what the SDK measures today (active), and the
//! issue's targets (ignored until the codec meets them; run them with `--ignored`).
//! `cargo bench -p rlplugin-testkit --bench sdk_fuel` prints the full comparison with
//! rustledger's own SDK.

#[path = "../benches/fuel/mod.rs"]
mod fuel;

use std::sync::OnceLock;

use fuel::{GuestKind, Sdk};

const LEDGER: usize = 2_000;

/// The rlplugin guests, built once per test process.
fn guest(kind: GuestKind) -> &'static fuel::Guest {
    static GUESTS: OnceLock<Vec<fuel::Guest>> = OnceLock::new();
    GUESTS
        .get_or_init(|| {
            fuel::build(&[Sdk::Rlplugin], &GuestKind::ALL).unwrap_or_else(|e| panic!("{e}"))
        })
        .iter()
        .find(|g| g.kind == kind)
        .expect("every guest was built")
}

fn per_directive(kind: GuestKind) -> u64 {
    let fuel =
        fuel::fuel_per_directive(guest(kind), LEDGER).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    eprintln!("{kind:?}: {fuel} fuel per directive on {LEDGER} directives");
    fuel
}

#[test]
fn validator_fuel_does_not_regress() {
    let fuel = per_directive(GuestKind::Validator);
    // Measured 5,340 at b70553a; the guard leaves 1.5% for toolchain-level codegen noise.
    assert!(fuel <= 5_420, "validator: {fuel} fuel per directive");
}

#[test]
fn tagger_fuel_does_not_regress() {
    let fuel = per_directive(GuestKind::Tagger);
    // Measured 8,289 at b70553a; 1.5% headroom as above.
    assert!(fuel <= 8_420, "tagger: {fuel} fuel per directive");
}

#[test]
fn minimal_plugin_size_does_not_regress() {
    let size = guest(GuestKind::Minimal).size;
    eprintln!("minimal plugin: {size} bytes");
    assert!(size <= 120_000, "minimal plugin: {size} bytes");
}

/// The importer spends ~53 fuel per statement byte, ~49 of them in its own line and field
/// scanning and ~4 in the SDK (decode, copy); 540 KiB is just under its ceiling of ~550 KiB.
#[test]
fn importer_reads_a_540_kib_statement_in_one_call() {
    fuel::import_fits(guest(GuestKind::Importer), 540 << 10)
        .unwrap_or_else(|e| panic!("540 KiB statement: {e}"));
}

#[test]
#[ignore = "target of issue 3, not met yet: see the sdk_fuel bench"]
fn validator_meets_its_fuel_target() {
    let fuel = per_directive(GuestKind::Validator);
    assert!(
        fuel <= fuel::VALIDATOR_TARGET,
        "validator: {fuel} fuel per directive"
    );
}

#[test]
#[ignore = "target of issue 3, not met yet: see the sdk_fuel bench"]
fn tagger_meets_its_fuel_target() {
    let fuel = per_directive(GuestKind::Tagger);
    assert!(
        fuel <= fuel::TAGGER_TARGET,
        "tagger: {fuel} fuel per directive"
    );
}

#[test]
#[ignore = "target of issue 3, not met yet: see the sdk_fuel bench"]
fn minimal_plugin_meets_its_size_target() {
    let size = guest(GuestKind::Minimal).size;
    eprintln!("minimal plugin: {size} bytes");
    assert!(
        size <= fuel::MINIMAL_SIZE_TARGET,
        "minimal plugin: {size} bytes"
    );
}

#[test]
#[ignore = "target of issue 3, out of the SDK's reach: the bench importer's own byte-by-byte \
            scanning costs ~49 of the ~14 fuel per byte a 2 MiB statement allows"]
fn importer_reads_a_two_mebibyte_statement_in_one_call() {
    fuel::import_fits(guest(GuestKind::Importer), fuel::IMPORTER_TARGET)
        .unwrap_or_else(|e| panic!("2 MiB statement: {e}"));
}

#[test]
#[ignore = "stretch target of issue 3, not met yet: see the sdk_fuel bench"]
fn validator_processes_the_stretch_ledger_in_one_call() {
    fuel::fuel_per_directive(guest(GuestKind::Validator), fuel::STRETCH_DIRECTIVES)
        .unwrap_or_else(|e| panic!("{} directives: {e}", fuel::STRETCH_DIRECTIVES));
}
