//! Plugin runs: input identity with rustledger's loader, results, budget, parity.

use rlplugin_testkit::{Error, Guest, TEXT_LEDGER_PATH};
use rustledger_plugin::{PluginInput, PluginOptions};

use crate::common::{
    LEDGER_20, assert_parity, fnv1a64, fnv1a64_words, probe, wat_guest, word_probe,
};

fn digest_in(run: &rlplugin_testkit::Run) -> String {
    run.errors()[0].message.clone()
}

#[test]
fn probe_receives_exactly_the_bytes_rustledger_sends() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().canonicalize().unwrap().join("main.beancount");
    std::fs::write(&ledger, LEDGER_20).unwrap();

    let guest = probe();
    let kit = guest
        .plugin()
        .ledger_file(&ledger)
        .config("k=v")
        .run()
        .unwrap();
    // The guest saw the bytes the kit reports, and the host decoded its digest.
    assert_eq!(digest_in(&kit), fnv1a64(kit.input_bytes()));

    // rustledger's real pipeline, with a `plugin "probe.wasm" "k=v"` line.
    let wasm = dir.path().canonicalize().unwrap().join("probe.wasm");
    std::fs::write(&wasm, guest.wasm_bytes()).unwrap();
    let with_line = format!("plugin \"{}\" \"k=v\"\n{LEDGER_20}", wasm.display());
    std::fs::write(&ledger, with_line).unwrap();
    let real =
        rustledger_loader::load(&ledger, &rustledger_loader::LoadOptions::default()).unwrap();
    let real_digest: Vec<_> = real
        .errors
        .iter()
        .filter(|e| e.message.starts_with("fnv1a64:"))
        .map(|e| e.message.clone())
        .collect();
    // The plugin line shifts every directive down one line, so compare with a kit
    // run on the very same file.
    let kit_same_file = guest
        .plugin()
        .ledger_file(&ledger)
        .config("k=v")
        .run()
        .unwrap();
    assert_eq!(real_digest, vec![digest_in(&kit_same_file)]);

    let input: PluginInput = rmp_serde::from_slice(kit_same_file.input_bytes()).unwrap();
    assert_eq!(input.directives.len(), 20);
    assert_eq!(input.config.as_deref(), Some("k=v"));
    assert_eq!(input.options.title.as_deref(), Some("Fixture"));
    let first = input.directives[0].filename.as_deref().unwrap();
    assert_eq!(first, ledger.display().to_string());
}

#[test]
fn a_ledger_past_the_old_capture_limit_matches_rustledger_byte_for_byte() {
    // 12,000 realistic directives make about 3.3 MB of input: twice what a single
    // capture pass could hex-encode in production's fuel before inputs were chunked.
    let text = rlplugin_testkit::synthetic::ledger(12_000);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let guest = word_probe();
    let wasm = root.join("word-probe.wasm");
    std::fs::write(&wasm, guest.wasm_bytes()).unwrap();
    let ledger = root.join("big.beancount");
    std::fs::write(&ledger, format!("plugin \"{}\"\n{text}", wasm.display())).unwrap();

    let kit = guest.plugin().ledger_file(&ledger).run().unwrap();
    assert!(
        kit.input_bytes().len() > 3_000_000,
        "{} bytes",
        kit.input_bytes().len()
    );
    assert_eq!(digest_in(&kit), fnv1a64_words(kit.input_bytes()));
    let directives = rlplugin_testkit::synthetic::count_directives(&text);
    assert_eq!(kit.summary().kept, directives);
    assert_eq!(kit.directives().len(), directives);

    let real =
        rustledger_loader::load(&ledger, &rustledger_loader::LoadOptions::default()).unwrap();
    let real_digest: Vec<_> = real
        .errors
        .iter()
        .filter(|e| e.message.starts_with("fnv1a64:"))
        .map(|e| e.message.clone())
        .collect();
    assert_eq!(real_digest, vec![digest_in(&kit)]);
}

#[test]
fn text_ledgers_get_a_stable_absolute_filename() {
    let run = probe().plugin().ledger(LEDGER_20).run().unwrap();
    let input: PluginInput = rmp_serde::from_slice(run.input_bytes()).unwrap();
    assert_eq!(
        input.directives[0].filename.as_deref(),
        Some(TEXT_LEDGER_PATH)
    );
    assert_eq!(input.directives[0].lineno, Some(4));
    assert_eq!(input.config, None);
    assert_eq!(run.summary().kept, 20);
    assert_parity(&probe(), &run);
}

#[test]
fn typed_inputs_run_as_given() {
    let input = PluginInput {
        directives: Vec::new(),
        options: PluginOptions {
            operating_currencies: vec!["USD".into()],
            title: None,
            account_types: Default::default(),
        },
        config: Some("x".into()),
    };
    let expected = rmp_serde::to_vec(&input).unwrap();
    let run = probe().plugin().input(input).run().unwrap();
    assert_eq!(run.input_bytes(), expected.as_slice());
    assert_eq!(digest_in(&run), fnv1a64(&expected));
    assert_parity(&probe(), &run);

    let ours = rlplugin_types::PluginInput {
        directives: Vec::new(),
        options: rlplugin_types::PluginOptions {
            operating_currencies: vec!["USD".into()],
            title: None,
            account_types: Default::default(),
        },
        config: Some("x".into()),
    };
    let run = probe().plugin().input(ours).run().unwrap();
    assert_eq!(run.input_bytes(), expected.as_slice());
}

#[test]
fn a_run_renders_summary_errors_and_ledger() {
    let run = probe().plugin().ledger(LEDGER_20).run().unwrap();
    let text = run.to_string();
    assert!(
        text.starts_with(
            "ops: 20 kept, 0 modified, 0 inserted, 0 deleted\nerrors:\n  <unknown> warning fnv1a64:"
        ),
        "{text}"
    );
    assert!(
        text.contains("2024-01-04 * \"Landlord\" \"Rent REVIEW\""),
        "{text}"
    );
    assert_eq!(run.directives().len(), 20);
}

#[test]
fn report_counts_fuel_memory_and_output() {
    let run = probe().plugin().ledger(LEDGER_20).run().unwrap();
    let report = run.report();
    assert!(
        report.fuel_used() > run.input_bytes().len() as u64,
        "{report}"
    );
    assert_eq!(report.fuel_limit(), 30_000_000);
    assert_eq!(report.memory_limit(), 256 * 1024 * 1024);
    assert_eq!(report.peak_memory(), 65536);
    assert_eq!(report.output_bytes(), 43 + 11 * 20);
    run.assert_within(1.0);
    let text = report.to_string();
    assert!(
        text.starts_with("fuel ")
            && text.contains(" / 30,000,000 (")
            && text.contains("memory 0.1 MiB / 256.0 MiB"),
        "{text}"
    );
    let over = std::panic::catch_unwind(|| run.assert_within(0.0001)).unwrap_err();
    let message = over.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("over the 0.0001% allowed") && message.contains("fuel "),
        "{message}"
    );
}

#[test]
fn coverage_violations_use_production_messages() {
    // Returns `[[], []]`: no ops at all for a non-empty ledger.
    let wat = r#"(module
  (memory (export "memory") 1)
  (data (i32.const 0) "\92\90\90")
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "process") (param i32 i32) (result i64) (i64.const 3)))"#;
    let err = wat_guest("drops_everything", wat)
        .plugin()
        .ledger(LEDGER_20)
        .run()
        .unwrap_err();
    match &err {
        Error::OpCoverage { message, .. } => {
            assert_eq!(
                message,
                "plugin omitted input directive 0 (must appear in exactly one of Keep/Modify/Delete)"
            );
        }
        other => panic!("{other:?}"),
    }
    insta::assert_snapshot!(err.to_string());
}

#[test]
fn empty_ledgers_are_valid_input() {
    let run = probe().plugin().ledger("").run().unwrap();
    assert_eq!(run.summary().kept, 0);
    assert_eq!(run.ledger_text(), "");
}

#[test]
fn ledgers_that_do_not_parse_are_refused() {
    let err = probe()
        .plugin()
        .ledger("2024-13-45 open\n")
        .run()
        .unwrap_err();
    assert!(matches!(err, Error::Ledger { .. }), "{err:?}");
    assert!(err.to_string().contains("does not parse"), "{err}");
}

/// Each problem the loader finds keeps its file, line and the bytes of the line it is
/// about, so a front end can show the line; parse errors and an unreadable include alike.
#[test]
fn a_ledger_that_does_not_load_names_each_problem_at_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("main.beancount");
    std::fs::write(
        &ledger,
        "2024-01-01 open Assets:Cash USD\n2024-13-01 open Assets:Bank\n2024-01-03 * \"y\"\n  Assets:Cash  1 USD x\n  Assets:Cash\n",
    )
    .unwrap();
    let err = probe().plugin().ledger_file(&ledger).run().unwrap_err();
    let Error::Ledger { problems, .. } = &err else {
        panic!("{err:?}")
    };
    let places: Vec<_> = problems
        .iter()
        .map(|p| {
            (
                p.error,
                p.file.as_deref().and_then(|f| f.file_name()),
                p.line,
                p.columns.clone(),
            )
        })
        .collect();
    let name = Some(std::ffi::OsStr::new("main.beancount"));
    assert_eq!(
        places,
        [
            (true, name, Some(2), Some(0..10)),
            (true, name, Some(4), Some(21..22))
        ],
        "{err}"
    );
    assert!(problems[0].message.contains("month 13"), "{err}");
    assert!(
        err.to_string()
            .contains("main.beancount:2 error invalid date: month 13"),
        "{err}"
    );

    std::fs::write(&ledger, "include \"gone.beancount\"\n").unwrap();
    let err = probe().plugin().ledger_file(&ledger).run().unwrap_err();
    let Error::Ledger { problems, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(problems.len(), 1, "{err}");
    assert!(problems[0].message.contains("gone.beancount"), "{err}");
}

#[test]
fn runs_without_input_are_refused() {
    let guest: Guest = probe();
    let err = guest.plugin().run().unwrap_err();
    assert!(err.to_string().contains("fix: call .ledger(text)"), "{err}");
}

#[test]
fn input_bytes_are_the_run_input_without_running_the_guest() {
    let run = probe()
        .plugin()
        .ledger(LEDGER_20)
        .config("c")
        .run()
        .unwrap();
    let built = probe()
        .plugin()
        .ledger(LEDGER_20)
        .config("c")
        .input_bytes()
        .unwrap();
    assert_eq!(built, run.input_bytes());

    // A guest that traps as soon as it is called still gets its input built.
    let trapping = wat_guest(
        "traps",
        r#"(module (memory (export "memory") 1)
             (func (export "__rustledger_abi_version") (result i32) unreachable))"#,
    );
    assert!(trapping.plugin().ledger(LEDGER_20).run().is_err());
    let built = trapping.plugin().ledger(LEDGER_20).input_bytes().unwrap();
    let input: PluginInput = rmp_serde::from_slice(&built).unwrap();
    assert_eq!(input.directives.len(), 20);

    let err = trapping.plugin().input_bytes().unwrap_err();
    assert!(err.to_string().contains("has no input"), "{err}");
}
