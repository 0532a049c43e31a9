//! What `rlplugin run` prints is a ledger: rustledger's loader reads it back to the options
//! of the input and exactly the directives the plugin produced, for every example plugin, on
//! the demo ledger, on a generated ledger with renamed roots, tolerances, an include and a
//! plugin line, and on thirteen years of books from beancount's `bean-example`.

use std::path::PathBuf;

use rlplugin_testkit::{Directive, Guest};
use rustledger_loader::{LoadOptions, Options};

use super::*;

/// The options that take effect, without the bookkeeping that differs between two files
/// (the file name, which options were set where, the warnings about them).
fn effective(mut options: Options) -> Options {
    options.filename = None;
    options.set_options.clear();
    options.warnings.clear();
    options
}

fn load(path: &Path) -> rustledger_loader::Ledger {
    rustledger_loader::load(path, &LoadOptions::default())
        .unwrap_or_else(|e| panic!("{} loads: {e}", path.display()))
}

/// Directives in a canonical order: the loader sorts by date, the plugin's output is in op
/// order.
fn sorted(directives: impl IntoIterator<Item = Directive>) -> Vec<Directive> {
    let mut directives: Vec<Directive> = directives.into_iter().collect();
    directives.sort_by_cached_key(|d| {
        rustledger_core::format_directives(
            std::iter::once(d),
            &rustledger_core::FormatConfig::default(),
        )
    });
    directives
}

/// A generated ledger under other root names and tolerances, split over an include, with
/// a plugin line rustledger runs natively.
fn generated_ledger(dir: &Scratch) -> PathBuf {
    let dir = dir.join("round-trip");
    std::fs::create_dir_all(&dir).unwrap();
    let body = rlplugin_testkit::synthetic::ledger(300).replace("Assets:", "Aktiva:");
    std::fs::write(
        dir.join("rest.beancount"),
        format!(
            "option \"operating_currency\" \"USD\"\noption \"title\" \"ignored in an include\"\n{body}"
        ),
    )
    .unwrap();
    let main = dir.join("main.beancount");
    std::fs::write(
        &main,
        "option \"title\" \"Haushalt \\\"2024\\\"\"\noption \"name_assets\" \"Aktiva\"\n\
         option \"inferred_tolerance_default\" \"*:0.01\"\noption \"operating_currency\" \"EUR\"\n\
         plugin \"beancount.plugins.auto_accounts\"\ninclude \"rest.beancount\"\n\n\
         2019-12-31 open Aktiva:Bargeld EUR\n",
    )
    .unwrap();
    // Named through `..`, as a user may name it: the loader normalises the paths it records,
    // and the top-level file must still be recognised as such.
    dir.join("..").join("round-trip").join("main.beancount")
}

#[test]
fn run_output_loads_back_to_the_same_options_and_directives() {
    let dir = Scratch::new();
    for ledger in [demo_file("sample.beancount"), generated_ledger(&dir)] {
        round_trip(&dir, &ledger, None);
    }
}

/// Names the bean-example ledger to use instead of the one the setup script writes.
const BEAN_EXAMPLE_VARIABLE: &str = "RLPLUGIN_BEAN_EXAMPLE";

/// Thirteen years of books from beancount's own generator, as users' ledgers look.
#[test]
#[ignore = "needs beancount's bean-example from PyPI: host-testkit/bench/bean-example.sh writes \
            the ledger, and .ci/run runs this test"]
fn run_output_of_a_bean_example_ledger_loads_back() {
    let ledger = std::env::var_os(BEAN_EXAMPLE_VARIABLE)
        .map_or_else(rlplugin_bench::budget::bean_example_path, PathBuf::from);
    assert!(
        ledger.is_file(),
        "no bean-example ledger at {}: run host-testkit/bench/bean-example.sh (it installs \
         beancount from PyPI into target/) or set {BEAN_EXAMPLE_VARIABLE}",
        ledger.display()
    );
    // What is under test is the printed ledger, not whether every example fits production's
    // budget on thirteen years: the budget is raised for both runs alike.
    let dir = Scratch::new();
    round_trip(&dir, &ledger, Some(10 * rlplugin_testkit::PRODUCTION_FUEL));
}

/// Every example plugin on `ledger`: what `run` prints loads back to the input's options and
/// to exactly the directives the kit reports the plugin produced.
fn round_trip(dir: &Scratch, ledger: &Path, fuel: Option<u64>) {
    let plugins: [(&str, Option<&str>); 4] = [
        ("categorize", Some(CATEGORIZE_RULES)),
        ("dedupe", None),
        ("auto-balance", None),
        ("currency-guard", None),
    ];
    let fuel_text = fuel.map(|fuel| fuel.to_string());
    let input = load(ledger);
    assert!(
        !input.options.set_options.is_empty(),
        "{} sets options",
        ledger.display()
    );
    for (name, config) in plugins {
        let wasm = dir.example(name);
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"run", &wasm, &ledger];
        if let Some(config) = &config {
            args.extend([&"--config" as &dyn AsRef<std::ffi::OsStr>, config]);
        }
        if let Some(fuel) = &fuel_text {
            args.extend([&"--fuel" as &dyn AsRef<std::ffi::OsStr>, fuel]);
        }
        let ran = rlplugin(&args);
        assert!(ran.code == 0 || ran.code == 1, "{name}: {}", ran.stderr);

        let printed = dir.join(format!("round-trip-{name}.beancount"));
        std::fs::write(&printed, &ran.stdout).unwrap();
        let reloaded = load(&printed);
        assert_eq!(
            effective(reloaded.options.clone()),
            effective(input.options.clone()),
            "{name} on {}: the options changed",
            ledger.display()
        );

        let guest = Guest::from_file(&wasm).unwrap();
        let mut request = guest.plugin().ledger_file(ledger);
        if let Some(config) = config {
            request = request.config(config);
        }
        if let Some(fuel) = fuel {
            request = request.fuel(fuel);
        }
        let produced = request.run().unwrap();
        let reloaded = sorted(reloaded.directives.into_iter().map(|d| d.value));
        let produced = sorted(produced.directives().iter().cloned());
        assert_eq!(
            reloaded.len(),
            produced.len(),
            "{name} on {}: directive count",
            ledger.display()
        );
        for (back, made) in reloaded.iter().zip(&produced) {
            assert_eq!(back, made, "{name} on {}", ledger.display());
        }
    }
}
