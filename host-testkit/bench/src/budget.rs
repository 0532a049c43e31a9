//! The heavy-ledger budget every example and template plugin is held to: the ledgers, the
//! share of rustledger's fuel it may use, and the line each budget test prints for the
//! benchmark to collect ([`crate::figures::parse_example_budgets`]).
//!
//! ```no_run
//! use rlplugin_bench::budget::{self, Ledger};
//!
//! let guest = rlplugin_testkit::Guest::build().run().unwrap();
//! let run = budget::run(guest.plugin(), Ledger::Heavy).unwrap();
//! budget::check("dedupe", Ledger::Heavy, &run);
//! ```

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rlplugin_testkit::synthetic;
use rlplugin_testkit::{PluginRun, Run};

use crate::figures::{self, workspace_root};
use crate::fuel::RAISED_FUEL;

/// The share of rustledger's per-call fuel a plugin may use on either heavy ledger: half,
/// so books keep growing for years before they hit the wall.
pub const PERCENT: f64 = 50.0;

/// Directives in the kit's heavy ledger the budget tests run on.
pub const HEAVY_DIRECTIVES: usize = 30_000;

/// Where `host-testkit/bench/bean-example.sh` writes its ledger, from the workspace root.
pub const BEAN_EXAMPLE_LEDGER: &str = "target/bean-example/13-years.beancount";

/// The ledgers of the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ledger {
    /// Beancount's own `bean-example` generator's thirteen years of a household's books
    /// (mostly transactions), as `host-testkit/bench/bean-example.sh` writes them.
    BeanExample,
    /// [`synthetic::heavy_ledger`] of [`HEAVY_DIRECTIVES`]: a heavy user's books, mostly
    /// daily prices.
    Heavy,
}

impl Ledger {
    /// Both ledgers.
    pub const ALL: [Self; 2] = [Self::BeanExample, Self::Heavy];

    /// The ledger's name in the printed budget line and in the READMEs' tables.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::BeanExample => "bean-example's 13 years",
            Self::Heavy => "the heavy ledger of 30,000 directives",
        }
    }

    /// The ledger's text.
    ///
    /// # Panics
    ///
    /// The bean-example ledger has not been written, with the command that writes it.
    #[must_use]
    pub fn text(self) -> String {
        match self {
            Self::BeanExample => bean_example_ledger(),
            Self::Heavy => synthetic::heavy_ledger(HEAVY_DIRECTIVES),
        }
    }
}

/// The path of the bean-example ledger.
#[must_use]
pub fn bean_example_path() -> PathBuf {
    workspace_root().join(BEAN_EXAMPLE_LEDGER)
}

/// The bean-example ledger's text.
///
/// # Panics
///
/// The file is missing or unreadable; the message says how to write it.
#[must_use]
pub fn bean_example_ledger() -> String {
    read_bean_example(&bean_example_path()).unwrap_or_else(|message| panic!("{message}"))
}

/// The ledger at `path`, or what is wrong and the command that writes it.
fn read_bean_example(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {} ({e}); fix: run host-testkit/bench/bean-example.sh, which installs \
             beancount from PyPI into target/bean-example/ and writes the ledger there (CI runs \
             it before the test suite)",
            path.display()
        )
    })
}

/// Runs `plugin` on `ledger` with the fuel cap raised, so a run over the budget still
/// reports what it used.
///
/// # Errors
///
/// The run failed (trap, bad output, the ledger did not load).
pub fn run(plugin: PluginRun<'_>, ledger: Ledger) -> Result<Run, rlplugin_testkit::Error> {
    plugin.ledger(ledger.text()).fuel(RAISED_FUEL).run()
}

/// The line a budget test prints: `<label> on <ledger>: <report>`, which the benchmark
/// collects into its results.
#[must_use]
pub fn line(label: &str, ledger: Ledger, run: &Run) -> String {
    format!("{label} on {}: {}", ledger.name(), run.report())
}

/// Prints the budget line of `run` and asserts it within [`PERCENT`] of rustledger's fuel.
///
/// # Panics
///
/// Over budget: that is the assertion.
#[track_caller]
pub fn check(label: &str, ledger: Ledger, run: &Run) {
    println!("{}", line(label, ledger, run));
    run.assert_within(PERCENT);
}

/// Prints the budget line of `run` and asserts its fuel within [`MARGIN`](crate::figures::MARGIN)
/// of the figure committed for `label` on `ledger` in the benchmark's results: a guard that
/// holds where the plugin is today, whether or not that is within [`PERCENT`].
///
/// # Panics
///
/// The fuel rose past the committed figure, or no figure is committed for the pair; the
/// message says how to record a deliberate change.
#[track_caller]
pub fn guard(label: &str, ledger: Ledger, run: &Run) {
    println!("{}", line(label, ledger, run));
    let committed = committed(label, ledger).unwrap_or_else(|message| panic!("{message}"));
    let used = run.report().fuel_used();
    assert!(
        used <= figures::ceiling(committed),
        "{label} on {}: {used} fuel, more than the committed {committed} plus {:.1}%; if the \
         change is intended, record it with `{}`",
        ledger.name(),
        figures::MARGIN * 100.0,
        figures::MEASURE_EXAMPLES,
    );
}

/// The fuel committed for `label` on `ledger`.
fn committed(label: &str, ledger: Ledger) -> Result<u64, String> {
    static FIGURES: OnceLock<Result<figures::Figures, String>> = OnceLock::new();
    let recorded = FIGURES.get_or_init(figures::read).as_ref()?;
    recorded
        .example_budget_fuel
        .get(label)
        .and_then(|by_ledger| by_ledger.get(ledger.name()))
        .copied()
        .ok_or_else(|| {
            format!(
                "no figure is committed for {label} on {}; fix: run `{}` and commit {}",
                ledger.name(),
                figures::MEASURE_EXAMPLES,
                figures::path().display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugin_without_a_committed_figure_is_told_how_to_record_one() {
        let message = committed("no-such-plugin", Ledger::Heavy).unwrap_err();
        assert!(
            message.contains("no-such-plugin on the heavy ledger"),
            "{message}"
        );
        assert!(message.contains(figures::MEASURE_EXAMPLES), "{message}");
    }

    #[test]
    fn every_budget_example_has_a_committed_figure_on_both_ledgers() {
        for label in [
            "categorize",
            "categorize/view",
            "dedupe",
            "currency-guard",
            "auto-balance",
            "template-plugin",
        ] {
            for ledger in Ledger::ALL {
                assert!(
                    committed(label, ledger).is_ok(),
                    "{label} on {}",
                    ledger.name()
                );
            }
        }
    }

    #[test]
    fn a_missing_bean_example_ledger_names_the_script_that_writes_it() {
        let missing = bean_example_path().with_file_name("no-such-ledger.beancount");
        let message = read_bean_example(&missing).unwrap_err();
        assert!(message.contains("no-such-ledger.beancount"), "{message}");
        assert!(
            message.contains("fix: run host-testkit/bench/bean-example.sh"),
            "{message}"
        );
    }

    #[test]
    fn every_ledger_name_survives_the_benchmark_reading_it_back() {
        for ledger in Ledger::ALL {
            let output = format!(
                "categorize/view on {}: fuel 1,234 / 30,000,000 (0.00%), memory 1 MiB\n",
                ledger.name()
            );
            let budgets = crate::figures::parse_example_budgets(&output);
            assert_eq!(
                budgets["categorize/view"][ledger.name()],
                1_234,
                "{ledger:?}"
            );
        }
    }
}
