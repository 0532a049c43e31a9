//! Real Rust guests built from fixture crates by `Guest::build()`.

use std::time::{Duration, Instant};

use rlplugin_testkit::{Error, Guest};

use crate::common::{LEDGER_20, assert_parity, fixture_dir, rlplugin_guest, upstream_guest};

#[test]
fn upstream_sdk_guest_runs_and_matches_production() {
    let guest = upstream_guest();
    let run = guest.plugin().ledger(LEDGER_20).run().unwrap();
    assert_eq!(run.summary().modified, 2);
    assert_eq!(run.summary().kept, 18);
    assert_eq!(run.errors().len(), 2);
    run.assert_within(50.0);
    assert_parity(&guest, &run);
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn builds_are_cached_per_process() {
    let first = upstream_guest();
    let started = Instant::now();
    let second = Guest::build()
        .crate_dir(fixture_dir("upstream-guest"))
        .run()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(first.wasm_bytes(), second.wasm_bytes());
    assert_eq!(second.name(), "upstream_guest");
}

#[test]
fn warm_rust_guest_run_is_fast() {
    let guest = upstream_guest();
    guest.plugin().ledger(LEDGER_20).run().unwrap();
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        guest.plugin().ledger(LEDGER_20).run().unwrap();
        best = best.min(started.elapsed());
    }
    eprintln!("warm run, 20 directives, upstream-SDK Rust guest: {best:?}");
    assert!(best < Duration::from_millis(100), "warm run took {best:?}");
}

#[test]
fn unconvertible_directive_names_op_directive_and_reason() {
    let err = upstream_guest()
        .plugin()
        .ledger(LEDGER_20)
        .config("bad-date")
        .run()
        .unwrap_err();
    match &err {
        Error::Conversion {
            op_index,
            op,
            reason,
            directive,
            ..
        } => {
            assert_eq!(*op_index, 7);
            assert_eq!(op, "Modify(7)");
            assert_eq!(reason, "invalid date format: 2024/01/04");
            assert!(directive.contains("Rent REVIEW"), "{directive}");
        }
        other => panic!("{other:?}"),
    }
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn rust_panic_is_a_trap_with_a_backtrace() {
    let err = upstream_guest()
        .plugin()
        .ledger(LEDGER_20)
        .config("panic")
        .run()
        .unwrap_err();
    match &err {
        Error::Trap {
            entry,
            trap,
            diagnostics,
            ..
        } => {
            assert_eq!(entry, "process");
            assert!(trap.contains("unreachable"), "{trap}");
            assert!(
                diagnostics
                    .backtrace
                    .as_deref()
                    .unwrap_or_default()
                    .contains("wasm backtrace")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rledger_check_runs_the_real_loader() {
    let outcome = upstream_guest()
        .rledger_check()
        .ledger(LEDGER_20)
        .run()
        .unwrap();
    assert_eq!(outcome.aborted(), None);
    let warnings: Vec<_> = outcome
        .diagnostics()
        .iter()
        .filter(|d| d.contains("needs review"))
        .collect();
    assert_eq!(warnings.len(), 2, "{outcome}");
    assert!(
        outcome
            .ledger_text()
            .contains("2024-01-04 ! \"Landlord\" \"Rent REVIEW\""),
        "{outcome}"
    );
    insta::assert_snapshot!(outcome.to_string());
}

#[test]
fn rledger_check_shows_a_pipeline_abort() {
    let outcome = upstream_guest()
        .rledger_check()
        .ledger(LEDGER_20)
        .config("bad-date")
        .run()
        .unwrap();
    let aborted = outcome.aborted().expect("rustledger aborts the load");
    assert!(
        aborted.contains("invalid date format: 2024/01/04"),
        "{aborted}"
    );
}

#[test]
fn rlplugin_sdk_guest_runs_like_the_upstream_one() {
    let guest = rlplugin_guest();
    let run = guest.plugin().ledger(LEDGER_20).run().unwrap();
    assert_parity(&guest, &run);
    let upstream = upstream_guest().plugin().ledger(LEDGER_20).run().unwrap();
    assert_eq!(run.to_string(), upstream.to_string());
    run.assert_within(50.0);
    eprintln!(
        "rlplugin guest: {}\nupstream guest: {}",
        run.report(),
        upstream.report()
    );
}

/// `changes()` shows only the two transactions the guest flagged, in ledger order.
#[test]
fn changes_show_only_what_the_guest_did() {
    let run = rlplugin_guest().plugin().ledger(LEDGER_20).run().unwrap();
    let changes = run.changes();
    assert_eq!(changes.len(), 2);
    assert!(
        changes
            .iter()
            .all(|c| c.kind == rlplugin_testkit::ChangeKind::Modified && c.location.is_some())
    );
    insta::assert_snapshot!(changes);
}

/// The log survives the trap: the kit reads it from the trapped instance.
#[test]
fn a_guest_that_logs_then_traps_still_shows_its_log() {
    let err = rlplugin_guest()
        .plugin()
        .ledger(LEDGER_20)
        .config("log-then-panic")
        .run()
        .unwrap_err();
    let Error::Trap { diagnostics, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(
        diagnostics.log.lines(),
        ["20 directives", "debug: about to panic"]
    );
    assert!(
        err.to_string()
            .contains("\nguest log:\n20 directives\ndebug: about to panic"),
        "{err}"
    );
}

/// A guest that logs nothing shows `log: none` when asked, and nothing otherwise; one
/// that logs past the cap keeps a prefix and says how much it dropped.
#[test]
fn logs_are_shown_on_request_and_overflow_is_counted() {
    let guest = rlplugin_guest();
    let quiet = guest.plugin().ledger(LEDGER_20).run().unwrap();
    assert!(quiet.logs().is_empty());
    assert!(!quiet.to_string().contains("log:"));
    let shown = guest.plugin().ledger(LEDGER_20).show_logs().run().unwrap();
    assert!(shown.to_string().contains("\nlog: none\n"), "{shown}");

    let flood = guest
        .plugin()
        .ledger(LEDGER_20)
        .config("flood")
        .run()
        .unwrap();
    let log = flood.logs();
    let line = "line 00000 of the flood\n".len();
    let kept = rlplugin_types::LOG_CAPACITY / line;
    assert_eq!(log.lines().len(), kept);
    assert_eq!(
        log.lines()[kept - 1],
        format!("line {:05} of the flood", kept - 1)
    );
    assert_eq!(log.dropped_lines() as usize, 10_000 - kept);
    assert_eq!(log.dropped_bytes() as usize, (10_000 - kept) * line);
    assert!(
        !flood.to_string().contains("flood"),
        "the log is shown only on request"
    );
    let dropped = format!(
        "… {} more lines ({} bytes) dropped: a guest keeps {} bytes of log per call",
        10_000 - kept,
        (10_000 - kept) * line,
        rlplugin_types::LOG_CAPACITY
    );
    assert!(log.to_string().contains(&dropped), "{log}");
}

#[test]
fn rlplugin_panics_report_message_and_location() {
    let err = rlplugin_guest()
        .plugin()
        .ledger(LEDGER_20)
        .config("panic")
        .run()
        .unwrap_err();
    let panic = match &err {
        Error::Trap { diagnostics, .. } => diagnostics.panic.clone().unwrap_or_default(),
        other => panic!("{other:?}"),
    };
    let source = std::fs::read_to_string(fixture_dir("rlplugin-guest").join("src/lib.rs")).unwrap();
    let line = 1 + source
        .lines()
        .position(|l| l.contains("panic!(\"asked to panic\")"))
        .unwrap();
    let location = format!("src/lib.rs:{line}:");
    assert!(panic.starts_with(&location), "{panic}");
    assert!(panic.ends_with("asked to panic"), "{panic}");
    assert!(
        err.to_string()
            .contains(&format!("guest panicked at {location}")),
        "{err}"
    );
}
