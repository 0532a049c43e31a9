//! Importers through rustledger's importer host.

use rlplugin_testkit::Error;

use crate::common::wat_guest;

fn data(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

fn importer_wat(abi: i32) -> String {
    let meta = b"\x92\xa3wat\xabtest import";
    let identify = b"\x91\xc3";
    let mut extract = Vec::new();
    extract.extend_from_slice(b"\x93\x91\x86");
    extract.extend_from_slice(b"\xa4date\xaa2024-01-01\xa4type\xa4open\xa7account\xabAssets:Bank");
    extract.extend_from_slice(b"\xaacurrencies\x91\xa3USD\xa7booking\xc0\xa8metadata\x90");
    extract.extend_from_slice(b"\x91\xa4look");
    extract.extend_from_slice(b"\x91\x94\xa4oops\xc0\xc0\xa7warning");
    let enriched = b"\x93\x90\x90\x90";
    let (m, i, e, x) = (1024, 1100, 1200, 1500);
    format!(
        r#"(module
  (memory (export "memory") 1)
  (data (i32.const {m}) "{}")
  (data (i32.const {i}) "{}")
  (data (i32.const {e}) "{}")
  (data (i32.const {x}) "{}")
  (func (export "__rustledger_abi_version") (result i32) (i32.const {abi}))
  (func (export "alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "metadata") (result i64) (i64.const {}))
  (func (export "identify") (param i32 i32) (result i64) (i64.const {}))
  (func (export "extract") (param i32 i32) (result i64) (i64.const {}))
  (func (export "extract_enriched") (param i32 i32) (result i64) (i64.const {})))"#,
        data(meta),
        data(identify),
        data(&extract),
        data(enriched),
        (m << 32) | meta.len() as i64,
        (i << 32) | identify.len() as i64,
        (e << 32) | extract.len() as i64,
        (x << 32) | enriched.len() as i64,
    )
}

#[test]
fn importer_runs_through_the_production_host() {
    let guest = wat_guest("wat_importer", &importer_wat(1));
    let import = guest
        .importer()
        .statement("statement.csv", "Date,Amount\n2024-01-01,1\n")
        .account("Assets:Bank")
        .currency("USD")
        .option("delimiter", ";")
        .run()
        .unwrap();
    assert!(import.identified());
    assert_eq!(import.name(), "wat");
    assert_eq!(import.directives().len(), 1);
    assert_eq!(import.errors().len(), 1);
    // The host also appends the error to its warnings; the kit reports it once, as an error.
    assert_eq!(import.warnings(), ["look"]);
    assert_eq!(import.error_lines(), ["<unknown> warning oops"]);
    assert!(import.report().fuel_used() > 0);
    insta::assert_snapshot!(import.to_string());
}

#[test]
fn importer_abi_mismatch_is_typed() {
    let guest = wat_guest("wat_importer_v3", &importer_wat(3));
    let err = guest
        .importer()
        .statement("s.csv", "x")
        .account("Assets:Bank")
        .run()
        .unwrap_err();
    assert!(
        matches!(err, Error::AbiMismatch { found: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn unknown_importer_options_are_refused() {
    let guest = wat_guest("wat_importer_opts", &importer_wat(1));
    let err = guest
        .importer()
        .statement("s.csv", "x")
        .account("Assets:Bank")
        .option("column_map", "x")
        .run()
        .unwrap_err();
    assert!(
        err.to_string().contains("never reaches a WASM importer"),
        "{err}"
    );
}

#[test]
fn plugin_guests_are_not_importers() {
    let guest = crate::common::probe();
    let err = guest
        .importer()
        .statement("s.csv", "x")
        .account("Assets:Bank")
        .run()
        .unwrap_err();
    assert!(
        matches!(&err, Error::MissingExport { export, .. } if export == "metadata"),
        "{err:?}"
    );
}

/// The bytes `extract` gets can be built without running the guest, and profiling
/// `extract` with them runs the same export the host calls.
#[test]
fn extract_input_is_built_alone_and_profiled() {
    let guest = wat_guest("wat_importer", &importer_wat(1));
    let request = || {
        guest
            .importer()
            .statement("statement.csv", "Date,Amount\n2024-01-01,1\n")
            .account("Assets:Bank")
            .currency("EUR")
            .option("delimiter", ";")
    };
    let bytes = request().input_bytes().unwrap();
    let input: rlplugin_testkit::wire::ImporterInput = rmp_serde::from_slice(&bytes).unwrap();
    assert!(input.path.ends_with("statement.csv"), "{}", input.path);
    assert_eq!(input.content, b"Date,Amount\n2024-01-01,1\n");
    assert_eq!(input.account, "Assets:Bank");
    assert_eq!(input.currency.as_deref(), Some("EUR"));
    assert_eq!(
        input.options.get("delimiter").map(String::as_str),
        Some(";")
    );
    let missing = guest.importer().statement("s.csv", "x").input_bytes();
    assert!(matches!(missing, Err(Error::Usage(m)) if m.contains(".account(")));

    let profile = rlplugin_testkit::profile::Profiler::new(&guest)
        .input(bytes.clone())
        .extract()
        .run()
        .unwrap();
    assert!(profile.completed(), "{}", profile.outcome());
    assert!(profile.fuel_used() > 0);
    // The same importer has no `process`: profiling it as a plugin says so.
    let as_plugin = rlplugin_testkit::profile::Profiler::new(&guest)
        .input(bytes)
        .run()
        .unwrap();
    assert!(!as_plugin.completed());
    assert!(
        as_plugin.outcome().contains("process"),
        "{}",
        as_plugin.outcome()
    );
}
