//! The hostile corpus: each guest breaks the ABI in one way and must produce its
//! own typed error, quickly, without panicking the kit.

use std::time::{Duration, Instant};

use rlplugin_testkit::{Error, Guest};

use crate::common::wat_guest;

const LEDGER: &str = "2024-01-01 open Assets:Cash USD\n";

/// A plugin module with the standard exports; `process` is replaced by `process`.
fn plugin(abi: &str, alloc: &str, process: &str, extra: &str) -> String {
    format!(
        r#"(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func $abi (export "__rustledger_abi_version") (result i32) {abi})
  (func $alloc (export "alloc") (param $n i32) (result i32) {alloc})
  (func $process (export "process") (param $ptr i32) (param $len i32) (result i64) {process})
  {extra}
)"#
    )
}

const ABI_OK: &str = "(i32.const 1)";
const ALLOC_OK: &str =
    "(global.get $heap) (global.set $heap (i32.add (global.get $heap) (local.get $n)))";

fn run(name: &str, wat: &str) -> Error {
    let guest = wat_guest(name, wat);
    run_guest(&guest)
}

fn run_guest(guest: &Guest) -> Error {
    let started = Instant::now();
    let result = guest.plugin().ledger(LEDGER).run();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "hostile guest `{}` took {:?}",
        guest.name(),
        started.elapsed()
    );
    match result {
        Ok(run) => panic!("hostile guest `{}` was accepted:\n{run}", guest.name()),
        Err(e) => e,
    }
}

fn load_error(name: &str, wat: &str) -> Error {
    let bytes = wat::parse_str(wat).expect("test WAT assembles");
    match Guest::from_bytes(name, bytes) {
        Ok(_) => panic!("hostile guest `{name}` loaded"),
        Err(e) => e,
    }
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    let err = run(
        "infinite_loop",
        &plugin(ABI_OK, ALLOC_OK, "(loop $l (br $l)) (i64.const 0)", ""),
    );
    assert!(
        matches!(&err, Error::OutOfFuel { limit: 30_000_000, entry, .. } if entry == "process"),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn memory_grow_bomb_hits_the_memory_limit() {
    let bomb = "(block $full (loop $l (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1))) (br $l))) unreachable";
    let err = run("memory_bomb", &plugin(ABI_OK, ALLOC_OK, bomb, ""));
    match &err {
        Error::OutOfMemory { limit, peak, .. } => {
            assert_eq!(*limit, 256 * 1024 * 1024);
            assert!(
                *peak <= *limit && *peak + 16 * 65536 > *limit,
                "peak {peak}"
            );
        }
        other => panic!("{other:?}"),
    }
    insta::assert_snapshot!(err.to_string());
}

/// One `memory.grow` far past the cap, from 64 KiB of memory: the trap that follows
/// the refused growth is named as the memory limit, with the size asked for.
#[test]
fn refused_memory_grow_names_the_size_asked_for() {
    let pages = 5000;
    let grow = format!(
        "(if (i32.eq (memory.grow (i32.const {pages})) (i32.const -1)) (then unreachable)) (i64.const 0)"
    );
    let err = run("one_big_grow", &plugin(ABI_OK, ALLOC_OK, &grow, ""));
    match &err {
        Error::OutOfMemory {
            entry,
            peak,
            requested,
            ..
        } => {
            assert_eq!(entry, "process");
            assert_eq!(*peak, 65536);
            assert_eq!(*requested, Some((1 + pages) * 65536));
        }
        other => panic!("{other:?}"),
    }
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn memory_limit_is_overridable() {
    let grow = "(block $full (loop $l (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $l))) unreachable";
    let guest = wat_guest("grow_2mib", &plugin(ABI_OK, ALLOC_OK, grow, ""));
    let err = guest
        .plugin()
        .ledger(LEDGER)
        .memory(1024 * 1024)
        .run()
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutOfMemory {
                limit: 1_048_576,
                peak: 1_048_576,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn table_grow_bomb_is_capped_and_runs_out_of_fuel() {
    let bomb =
        "(loop $l (drop (table.grow $t (ref.null func) (i32.const 65536))) (br $l)) (i64.const 0)";
    let err = run(
        "table_bomb",
        &plugin(
            ABI_OK,
            ALLOC_OK,
            bomb,
            "(table $t (export \"t\") 0 funcref)",
        ),
    );
    assert!(matches!(err, Error::OutOfFuel { .. }), "{err:?}");
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn bogus_output_pointer_is_out_of_bounds() {
    let err = run(
        "bogus_pointer",
        &plugin(ABI_OK, ALLOC_OK, "(i64.const 0x7fff000000000010)", ""),
    );
    assert!(
        matches!(
            err,
            Error::OutputOutOfBounds {
                ptr: 0x7fff_0000,
                len: 16,
                memory: 65536,
                ..
            }
        ),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn four_gib_output_length_is_refused_before_allocating() {
    let err = run(
        "huge_length",
        &plugin(ABI_OK, ALLOC_OK, "(i64.const 0x00000000ffffffff)", ""),
    );
    assert!(
        matches!(
            err,
            Error::OutputTooLarge {
                len: 4_294_967_295,
                ..
            }
        ),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn garbage_msgpack_is_bad_output() {
    let err = run(
        "garbage",
        &plugin(
            ABI_OK,
            ALLOC_OK,
            "(i64.const 0x0000000000000003)",
            "(data (i32.const 0) \"\\c1\\c1\\c1\")",
        ),
    );
    assert!(
        matches!(
            &err,
            Error::BadOutput {
                len: 3,
                expected: "PluginOutput",
                ..
            }
        ),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn wrong_abi_version_is_a_mismatch() {
    let err = run(
        "abi_v2",
        &plugin("(i32.const 2)", ALLOC_OK, "(i64.const 0)", ""),
    );
    assert!(
        matches!(err, Error::AbiMismatch { found: 2, .. }),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn missing_abi_export_is_reported() {
    let wat = r#"(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "process") (param i32 i32) (result i64) (i64.const 0)))"#;
    let err = run("no_abi", wat);
    assert!(matches!(err, Error::AbiMissing { .. }), "{err:?}");
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn trapping_abi_export_counts_as_missing() {
    let err = run(
        "abi_traps",
        &plugin("unreachable", ALLOC_OK, "(i64.const 0)", ""),
    );
    assert!(matches!(err, Error::AbiMissing { .. }), "{err:?}");
}

#[test]
fn wasi_import_is_forbidden_at_load() {
    let wat = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1))"#;
    let err = load_error("wasi", wat);
    assert!(
        matches!(&err, Error::ForbiddenImport { module, name, .. } if module == "wasi_snapshot_preview1" && name == "fd_write"),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn trap_inside_alloc_names_alloc() {
    let err = run(
        "alloc_traps",
        &plugin(ABI_OK, "unreachable", "(i64.const 0)", ""),
    );
    match &err {
        Error::Trap {
            entry,
            trap,
            diagnostics,
            ..
        } => {
            assert_eq!(entry, "alloc");
            assert!(trap.contains("unreachable"), "{trap}");
            let backtrace = diagnostics.backtrace.as_deref().expect("a backtrace");
            assert!(backtrace.contains("alloc"), "{backtrace}");
        }
        other => panic!("{other:?}"),
    }
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn alloc_returning_an_unwritable_region_is_reported() {
    let err = run(
        "alloc_oob",
        &plugin(ABI_OK, "(i32.const 0x7fffffff)", "(i64.const 0)", ""),
    );
    assert!(
        matches!(
            err,
            Error::AllocOutOfBounds {
                ptr: 0x7fff_ffff,
                ..
            }
        ),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn function_exported_as_memory_would_crash_rustledger() {
    let wat = r#"(module
  (memory (export "mem") 1)
  (func (export "memory"))
  (func (export "alloc") (param i32) (result i32) (i32.const 0))
  (func (export "process") (param i32 i32) (result i64) (i64.const 0)))"#;
    let err = load_error("memory_is_a_function", wat);
    assert!(
        matches!(
            err,
            Error::WouldCrashRustledger {
                kind: "function",
                ..
            }
        ),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn missing_process_export_is_reported() {
    let wat = r#"(module
  (memory (export "memory") 1)
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024)))"#;
    let err = run("no_process", wat);
    assert!(
        matches!(&err, Error::MissingExport { export, .. } if export == "process"),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn wrong_process_signature_is_reported() {
    let wat = r#"(module
  (memory (export "memory") 1)
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "process") (param i32 i32) (result i32) (i32.const 0)))"#;
    let err = run("process_i32", wat);
    assert!(
        matches!(&err, Error::WrongSignature { export, .. } if export == "process"),
        "{err:?}"
    );
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn initial_memory_over_the_cap_fails_instantiation() {
    let wat = r#"(module
  (memory (export "memory") 4097)
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "process") (param i32 i32) (result i64) (i64.const 0)))"#;
    let err = run("big_initial_memory", wat);
    assert!(
        matches!(
            &err,
            Error::MemoryCapBelowInitial {
                limit: 268_435_456,
                initial: 268_500_992,
                ..
            }
        ),
        "{err:?}"
    );
    // The fix is the cap, not the plugin's allocations.
    assert!(
        err.to_string()
            .contains("raise the memory cap to at least 268500992 bytes"),
        "{err}"
    );
}

/// An rlplugin guest's panic hook leaves `file:line:col\nmessage` behind; the kit
/// reports it with the trap and the named backtrace.
#[test]
fn panic_record_and_named_backtrace_are_reported() {
    let extra = r#"
  (data (i32.const 16) "src/lib.rs:12:5\nthreshold must be a number")
  (global $panicked (mut i32) (i32.const 0))
  (func $record_panic (global.set $panicked (i32.const 1)) unreachable)
  (func $validate_config (call $record_panic))
  (func (export "__rlplugin_panic_info") (result i64)
    (if (result i64) (global.get $panicked)
      (then (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 42)))
      (else (i64.const 0))))"#;
    let err = run(
        "panics",
        &plugin(
            ABI_OK,
            ALLOC_OK,
            "(call $validate_config) (i64.const 0)",
            extra,
        ),
    );
    match &err {
        Error::Trap { diagnostics, .. } => {
            assert_eq!(
                diagnostics.panic.as_deref(),
                Some("src/lib.rs:12:5: threshold must be a number")
            );
            let backtrace = diagnostics.backtrace.as_deref().unwrap_or_default();
            assert!(
                backtrace.contains("validate_config") && backtrace.contains("record_panic"),
                "{backtrace}"
            );
        }
        other => panic!("{other:?}"),
    }
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn panic_record_survives_fuel_exhaustion() {
    let extra = r#"
  (data (i32.const 16) "src/lib.rs:1:1\nspin")
  (func (export "__rlplugin_panic_info") (result i64)
    (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const 19)))"#;
    let err = run(
        "spins",
        &plugin(ABI_OK, ALLOC_OK, "(loop $l (br $l)) (i64.const 0)", extra),
    );
    match &err {
        Error::OutOfFuel { diagnostics, .. } => {
            assert_eq!(diagnostics.panic.as_deref(), Some("src/lib.rs:1:1: spin"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fuel_is_overridable() {
    let guest = wat_guest(
        "spin_small",
        &plugin(ABI_OK, ALLOC_OK, "(loop $l (br $l)) (i64.const 0)", ""),
    );
    let err = guest
        .plugin()
        .ledger(LEDGER)
        .fuel(10_000)
        .run()
        .unwrap_err();
    assert!(
        matches!(err, Error::OutOfFuel { limit: 10_000, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("0.0% of rustledger 0.24's 30000000 units"),
        "{err}"
    );
}
