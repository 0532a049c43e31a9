//! The benchmark's results as data: one committed file, `figures.json` beside this
//! package's manifest, written by `cargo run -p rlplugin-bench`, and the marked blocks of
//! the repository's READMEs, rendered from it.
//!
//! A block is `<!-- figures:begin NAME -->`, the rendered lines, `<!-- figures:end -->`.
//! [`stale_blocks`] lists every block whose text differs from what the committed file
//! renders, so a test fails when a README and the results disagree.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use num_format::{Locale, ToFormattedString as _};
use serde::{Deserialize, Serialize};

/// Regenerates every README block from the committed results without measuring.
pub const REGENERATE: &str = "cargo run -p rlplugin-bench -- --readmes";

/// Measures again, then writes the results file and every README block.
pub const MEASURE: &str = "cargo run -p rlplugin-bench";

/// The command that measures only the examples' budget figures and writes them.
pub const MEASURE_EXAMPLES: &str = "cargo run -p rlplugin-bench -- --examples";

/// How far a committed cost may rise before a guard fails. Fuel is deterministic for a given
/// source and toolchain, but the importer's options reach it as a hash map, whose order
/// moves its fuel by a few hundred per run, and an incidental codegen change (a dependency
/// bump within the lockfile, a new rustc) should not fail CI for noise; a real regression
/// of the SDK is several percent.
pub const MARGIN: f64 = 0.015;

/// The highest acceptable value of a cost committed as `figure`.
#[must_use]
pub fn ceiling(figure: u64) -> u64 {
    (figure as f64 * (1.0 + MARGIN)).floor() as u64
}

/// One measurement for both SDKs: the same guest source built against each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    /// Built against rlplugin.
    pub rlplugin: u64,
    /// Built against rustledger-plugin-types 0.24.
    pub rustledger: u64,
}

impl Pair {
    /// How many times rlplugin's figure fits in rustledger's.
    pub fn ratio(self) -> f64 {
        self.rustledger as f64 / self.rlplugin as f64
    }
}

/// Everything the benchmark measures. Fuel is deterministic, so each figure is one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    /// Transactions in the benchmark ledger the per-directive figures are measured on.
    pub ledger_directives: u64,
    /// That ledger's size as the host encodes it.
    pub ledger_input_bytes: u64,
    /// The fuel cap of the per-directive runs, raised so rustledger's SDK finishes.
    pub raised_fuel: u64,
    /// Granularity of the largest-ledger searches, in directives.
    pub search_step_directives: u64,
    /// Validator (reads every posting, keeps every directive), fuel per directive.
    pub validator_fuel_per_directive: Pair,
    /// Tagger (adds a tag to every transaction), fuel per directive.
    pub tagger_fuel_per_directive: Pair,
    /// The validator built for size (the SDK's small form), fuel per directive.
    pub small_validator_fuel_per_directive: u64,
    /// Largest benchmark ledger the validator processes in one call under production limits.
    pub validator_largest_ledger: Pair,
    /// Largest benchmark ledger the tagger processes in one call.
    pub tagger_largest_ledger: Pair,
    /// Validator on the kit's synthetic ledger loaded by rustledger, fuel per directive.
    pub validator_realistic_fuel_per_directive: Pair,
    /// Tagger on the kit's synthetic ledger, fuel per directive.
    pub tagger_realistic_fuel_per_directive: Pair,
    /// Largest synthetic ledger the validator processes in one call.
    pub validator_realistic_largest_ledger: Pair,
    /// Largest synthetic ledger the tagger processes in one call.
    pub tagger_realistic_largest_ledger: Pair,
    /// Validator on a price history, fuel per directive.
    pub validator_price_history_fuel_per_directive: Pair,
    /// The sizes, in directives, of the kit's heavy ledger (a heavy user's books, mostly
    /// daily prices) the next two figures are measured at.
    pub heavy_ledger_directives: Vec<u64>,
    /// Validator on the heavy ledger, fuel per directive at each of those sizes.
    pub validator_heavy_fuel_per_directive: Vec<Pair>,
    /// Tagger on the heavy ledger, fuel per directive at each of those sizes.
    pub tagger_heavy_fuel_per_directive: Vec<Pair>,
    /// Largest heavy ledger the validator processes in one call.
    pub validator_heavy_largest_ledger: Pair,
    /// Largest heavy ledger the tagger processes in one call.
    pub tagger_heavy_largest_ledger: Pair,
    /// Directives in beancount's `bean-example` thirteen-year ledger.
    pub bean_example_directives: u64,
    /// Validator on that ledger, fuel of the whole call.
    pub validator_bean_example_fuel: Pair,
    /// Tagger on that ledger, fuel of the whole call.
    pub tagger_bean_example_fuel: Pair,
    /// The keep-everything plugin built for size, bytes of `.wasm`.
    pub minimal_wasm_bytes: Pair,
    /// The validator at opt-level 3, bytes of `.wasm`.
    pub validator_wasm_bytes: Pair,
    /// The tagger at opt-level 3, bytes of `.wasm`.
    pub tagger_wasm_bytes: Pair,
    /// The importer at opt-level 3, bytes of `.wasm`.
    pub importer_wasm_bytes: Pair,
    /// Largest CSV statement the importer reads in one call, in bytes.
    pub importer_largest_statement_bytes: Pair,
    /// The statement size rlplugin's importer fuel is measured at.
    pub importer_statement_bytes: u64,
    /// rlplugin's importer fuel on that statement.
    pub importer_fuel: u64,
    /// A statement size both importers handle, for the split below.
    pub importer_split_bytes: u64,
    /// Fuel of the baseline importer (decodes the statement, reads none of it) at that size:
    /// the SDK's share.
    pub importer_sdk_fuel: Pair,
    /// Fuel of the importer at that size.
    pub importer_total_fuel: Pair,
    /// Fuel of each budget test's run: by label (the example's folder, `<folder>/<api>` for
    /// an example built through both APIs), then by ledger, as the tests print them
    /// ([`crate::budget::line`]).
    pub example_budget_fuel: BTreeMap<String, BTreeMap<String, u64>>,
    /// The borrowed view API beside the drop-in API (rlplugin only).
    pub view: ViewFigures,
    /// How long the kit itself takes, on the machine that measured (no guard reads these).
    pub kit_times: KitTimes,
}

/// The validator and the tagger through rlplugin's borrowed view, and the same guests
/// through its drop-in API on the heavy ledger, for the comparison. Fuel per directive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewFigures {
    /// Directives of the heavy ledger the heavy figures are measured on.
    pub heavy_directives: u64,
    /// Validator through the view on the benchmark ledger.
    pub validator_fuel_per_directive: u64,
    /// Tagger through the view on the benchmark ledger.
    pub tagger_fuel_per_directive: u64,
    /// Validator through the view on the kit's realistic ledger.
    pub validator_realistic_fuel_per_directive: u64,
    /// Tagger through the view on the kit's realistic ledger.
    pub tagger_realistic_fuel_per_directive: u64,
    /// Validator through the view on the kit's heavy ledger.
    pub validator_heavy_fuel_per_directive: u64,
    /// Tagger through the view on the kit's heavy ledger.
    pub tagger_heavy_fuel_per_directive: u64,
    /// The drop-in validator on the same heavy ledger.
    pub drop_in_validator_heavy_fuel_per_directive: u64,
    /// The drop-in tagger on the same heavy ledger.
    pub drop_in_tagger_heavy_fuel_per_directive: u64,
    /// Validator through the view on beancount's `bean-example` thirteen years: fuel for
    /// the whole ledger ([`Figures::bean_example_directives`] directives).
    pub validator_bean_example_fuel: u64,
    /// Tagger through the view on the same ledger: fuel for all of it.
    pub tagger_bean_example_fuel: u64,
    /// Largest heavy ledger the view validator processes in one call.
    pub validator_heavy_largest_ledger: u64,
    /// Largest heavy ledger the view tagger processes in one call.
    pub tagger_heavy_largest_ledger: u64,
}

/// Wall-clock times of the kit (the benchmark's own build of it) running the minimal guest
/// on the kit's synthetic ledgers, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KitTimes {
    /// Directives of the small ledger.
    pub small_directives: u64,
    /// Its first run: rustledger loads the text and the kit encodes it.
    pub small_first_run_ms: f64,
    /// A run of the same text again, which reuses both.
    pub small_warm_run_ms: f64,
    /// Directives of the large ledger.
    pub large_directives: u64,
    /// Its input as the host encodes it, in bytes.
    pub large_input_bytes: u64,
    /// Its first run.
    pub large_first_run_ms: f64,
}

/// The results file.
pub fn path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("figures.json")
}

/// The repository root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("host-testkit/bench lives two levels inside the workspace")
        .to_path_buf()
}

/// Reads the committed results.
///
/// # Errors
///
/// The file is missing or does not hold [`Figures`].
pub fn read() -> Result<Figures, String> {
    let path = path();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read {}: {e}; fix: run `{MEASURE}` to measure and write it",
            path.display()
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} does not hold the benchmark's figures: {e}; fix: run `{MEASURE}`",
            path.display()
        )
    })
}

/// Writes the results file.
///
/// # Errors
///
/// The file cannot be written.
pub fn write(figures: &Figures) -> Result<(), String> {
    let path = path();
    let text = serde_json::to_string_pretty(figures).expect("figures serialize") + "\n";
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

const BEGIN: &str = "<!-- figures:begin ";
const END: &str = "<!-- figures:end -->";

/// A block's lines, by name.
///
/// # Errors
///
/// No block has that name.
pub fn render(name: &str, f: &Figures) -> Result<String, String> {
    match name {
        "comparison" => Ok(comparison(f)),
        "guest-sdk" => Ok(guest_sdk(f)),
        "view" => Ok(view(f)),
        "kit-times" => Ok(kit_times(&f.kit_times)),
        _ => match name.strip_prefix("example ") {
            Some(example) => example_budget(example, f),
            None => Err(format!(
                "unknown figures block `{name}`; fix: use `comparison`, `guest-sdk`, `view`, \
                 `kit-times` or `example <folder>`"
            )),
        },
    }
}

/// An example README's budget table: a row per ledger, a column per build of the example.
fn example_budget(example: &str, f: &Figures) -> Result<String, String> {
    let prefix = format!("{example}/");
    let builds: Vec<(&String, &BTreeMap<String, u64>)> = f
        .example_budget_fuel
        .iter()
        .filter(|(label, _)| *label == example || label.starts_with(&prefix))
        .collect();
    if builds.is_empty() {
        return Err(format!(
            "no budget figure for example `{example}`; fix: print its budget runs with \
             `rlplugin_bench::budget::check(\"{example}\", …)` and run `{MEASURE}`"
        ));
    }
    let production = rlplugin_testkit::PRODUCTION_FUEL;
    let header = |label: &str| match label.strip_prefix(&prefix) {
        Some(api) => format!("{api} API"),
        None if builds.len() > 1 => "drop-in API".to_owned(),
        None => "fuel per call".to_owned(),
    };
    let mut ledgers: Vec<&String> = builds.iter().flat_map(|(_, runs)| runs.keys()).collect();
    ledgers.sort();
    ledgers.dedup();
    let mut out = String::from("| scenario |");
    for (label, _) in &builds {
        out += &format!(" {} |", header(label));
    }
    out += "\n| --- |";
    out += &" --- |".repeat(builds.len());
    out += "\n";
    for ledger in ledgers {
        out += &format!("| {ledger} |");
        for (_, runs) in &builds {
            match runs.get(ledger) {
                Some(&fuel) => {
                    let percent = fuel as f64 * 100.0 / production as f64;
                    let over = if percent > crate::budget::PERCENT {
                        format!(", over the {}% limit", crate::budget::PERCENT)
                    } else {
                        String::new()
                    };
                    out += &format!(" {} ({percent:.1}%{over}) |", thousands(fuel));
                }
                None => out += " |",
            }
        }
        out += "\n";
    }
    out += &format!(
        "\nFuel of one call; the share is of rustledger's {} fuel per call.\n",
        thousands(production)
    );
    Ok(out)
}

/// The budget figures in the output of the budget tests run with `--nocapture`: each prints
/// `<label> on <ledger>: <report>`, the report starting `fuel <n> / `.
pub fn parse_example_budgets(output: &str) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut budgets: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for line in output.lines() {
        let Some((label, rest)) = line.split_once(" on ") else {
            continue;
        };
        let Some((ledger, report)) = rest.split_once(": fuel ") else {
            continue;
        };
        let Some(fuel) = report
            .split_once(" / ")
            .and_then(|(fuel, _)| fuel.replace(',', "").parse().ok())
        else {
            continue;
        };
        let label = label.trim();
        if label.is_empty() || label.contains(' ') {
            continue;
        }
        budgets
            .entry(label.to_owned())
            .or_default()
            .insert(ledger.trim().to_owned(), fuel);
    }
    budgets
}

/// The root README's table: every figure beside rustledger's SDK.
fn comparison(f: &Figures) -> String {
    let directives = |n: u64| format!("{} directives", thousands(n));
    let both = |fuel: Pair, largest: Pair| {
        [
            format!(
                "{}; {}",
                thousands(fuel.rlplugin),
                directives(largest.rlplugin)
            ),
            format!(
                "{}; {}",
                thousands(fuel.rustledger),
                directives(largest.rustledger)
            ),
        ]
    };
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut fuel_row = |name: &str, pair: Pair| {
        rows.push([
            name.to_owned(),
            thousands(pair.rlplugin),
            thousands(pair.rustledger),
            format!("{:.1}× less fuel", pair.ratio()),
        ]);
    };
    fuel_row(
        "validator (reads every posting, keeps everything), fuel/directive",
        f.validator_fuel_per_directive,
    );
    fuel_row(
        "tagger (modifies every transaction), fuel/directive",
        f.tagger_fuel_per_directive,
    );
    fuel_row(
        "price history (daily prices of 4 commodities), validator: fuel/directive",
        f.validator_price_history_fuel_per_directive,
    );
    let mut largest_row = |name: &str, pair: Pair| {
        rows.push([
            name.to_owned(),
            directives(pair.rlplugin),
            directives(pair.rustledger),
            format!("{:.1}× more", 1.0 / pair.ratio()),
        ]);
    };
    largest_row(
        "largest benchmark ledger in one call, validator",
        f.validator_largest_ledger,
    );
    largest_row(
        "largest benchmark ledger in one call, tagger",
        f.tagger_largest_ledger,
    );
    for (name, fuel, largest) in [
        (
            "realistic ledger (the kit's synthetic ledger through rustledger's loader), validator: fuel/directive; largest in one call",
            f.validator_realistic_fuel_per_directive,
            f.validator_realistic_largest_ledger,
        ),
        (
            "realistic ledger, tagger: fuel/directive; largest in one call",
            f.tagger_realistic_fuel_per_directive,
            f.tagger_realistic_largest_ledger,
        ),
    ] {
        let [ours, theirs] = both(fuel, largest);
        rows.push([
            name.to_owned(),
            ours,
            theirs,
            format!("{:.1}× less fuel", fuel.ratio()),
        ]);
    }
    let sizes = f
        .heavy_ledger_directives
        .iter()
        .map(|&n| thousands(n))
        .collect::<Vec<_>>()
        .join(" / ");
    for (plugin, fuel, largest) in [
        (
            "validator",
            &f.validator_heavy_fuel_per_directive,
            f.validator_heavy_largest_ledger,
        ),
        (
            "tagger",
            &f.tagger_heavy_fuel_per_directive,
            f.tagger_heavy_largest_ledger,
        ),
    ] {
        let at_sizes = |side: fn(&Pair) -> u64| {
            fuel.iter()
                .map(|pair| thousands(side(pair)))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let ratios = fuel
            .iter()
            .map(|pair| format!("{:.1}", pair.ratio()))
            .collect::<Vec<_>>()
            .join(" / ");
        rows.push([
            format!(
                "heavy ledger (the kit's `synthetic::heavy_ledger`: daily prices of 6 \
                 commodities, balances, opens, transactions with costs) at {sizes} directives, \
                 {plugin}: fuel/directive; largest in one call"
            ),
            format!(
                "{}; {}",
                at_sizes(|p| p.rlplugin),
                directives(largest.rlplugin)
            ),
            format!(
                "{}; {}",
                at_sizes(|p| p.rustledger),
                directives(largest.rustledger)
            ),
            format!("{ratios}× less fuel"),
        ]);
    }
    for (plugin, fuel) in [
        ("validator", f.validator_bean_example_fuel),
        ("tagger", f.tagger_bean_example_fuel),
    ] {
        let cell = |total: u64| {
            format!(
                "{}; {}",
                thousands(total / f.bean_example_directives.max(1)),
                budget_share(total)
            )
        };
        rows.push([
            format!(
                "beancount's `bean-example`, 13 years ({} directives), {plugin}: \
                 fuel/directive; share of one call's fuel",
                thousands(f.bean_example_directives)
            ),
            cell(fuel.rlplugin),
            cell(fuel.rustledger),
            format!("{:.1}× less fuel", fuel.ratio()),
        ]);
    }
    rows.push([
        "minimal keep-everything plugin (`opt-level=\"s\"`, LTO, strip, panic=abort)".to_owned(),
        format!("{} B", thousands(f.minimal_wasm_bytes.rlplugin)),
        format!("{} B", thousands(f.minimal_wasm_bytes.rustledger)),
        format!("{:.1}× smaller", f.minimal_wasm_bytes.ratio()),
    ]);
    rows.push([
        "validator `.wasm` at opt-level 3 (the fuel guests' profile)".to_owned(),
        format!("{} B", thousands(f.validator_wasm_bytes.rlplugin)),
        format!("{} B", thousands(f.validator_wasm_bytes.rustledger)),
        String::new(),
    ]);
    rows.push([
        "validator in the SDK's small form (opt-level \"s\"), fuel/directive".to_owned(),
        thousands(f.small_validator_fuel_per_directive),
        String::new(),
        format!(
            "{:.1}× the fuel of opt-level 3",
            f.small_validator_fuel_per_directive as f64
                / f.validator_fuel_per_directive.rlplugin as f64
        ),
    ]);
    let split = |fuel: u64| fuel as f64 / f.importer_split_bytes as f64;
    rows.push([
        "CSV importer reading its statement line by line, largest file in one call".to_owned(),
        size(f.importer_largest_statement_bytes.rlplugin),
        size(f.importer_largest_statement_bytes.rustledger),
        format!(
            "{:.1} fuel per statement byte at {}: {:.1} SDK, {:.1} the importer's own code; \
             upstream's SDK alone spends {:.1}",
            f.importer_fuel as f64 / f.importer_statement_bytes as f64,
            size(f.importer_statement_bytes),
            split(f.importer_sdk_fuel.rlplugin),
            split(f.importer_total_fuel.rlplugin - f.importer_sdk_fuel.rlplugin),
            split(f.importer_sdk_fuel.rustledger),
        ),
    ]);
    table(
        &["", "rlplugin", "rustledger 0.24 SDK", "difference"],
        &rows,
    )
}

/// The kit README's table of its own times.
fn kit_times(t: &KitTimes) -> String {
    let ms = |ms: f64| {
        if ms < 10.0 {
            format!("{ms:.1} ms")
        } else if ms < 10_000.0 {
            format!("{} ms", thousands(ms.round() as u64))
        } else {
            format!("{:.1} s", ms / 1000.0)
        }
    };
    let rows = vec![
        [
            format!(
                "first run of a new {}-directive ledger text (rustledger loads it, the kit encodes it)",
                t.small_directives
            ),
            ms(t.small_first_run_ms),
        ],
        [
            "the same ledger text again (the kit reuses the load)".to_owned(),
            ms(t.small_warm_run_ms),
        ],
        [
            format!(
                "first run of a {}-directive ledger ({:.1} MB of input)",
                thousands(t.large_directives),
                t.large_input_bytes as f64 / 1e6
            ),
            ms(t.large_first_run_ms),
        ],
    ];
    table(&["minimal guest, synthetic ledger", "wall clock"], &rows)
}

/// The SDK README's table.
fn guest_sdk(f: &Figures) -> String {
    let pair = |a: Pair, b: Pair| {
        [
            format!("{} / {}", thousands(a.rustledger), thousands(b.rustledger)),
            format!("{} / {}", thousands(a.rlplugin), thousands(b.rlplugin)),
        ]
    };
    let [theirs, ours] = pair(f.validator_fuel_per_directive, f.tagger_fuel_per_directive);
    let rows =
        vec![
        [
            "minimal keep-everything plugin, release (opt-level \"s\", LTO, strip, panic=abort)"
                .to_owned(),
            format!("{} B", thousands(f.minimal_wasm_bytes.rustledger)),
            format!("{} B", thousands(f.minimal_wasm_bytes.rlplugin)),
        ],
        ["fuel per directive, validator / tagger".to_owned(), theirs, ours],
        [
            "fuel per directive, validator in the small form (opt-level \"s\")".to_owned(),
            String::new(),
            thousands(f.small_validator_fuel_per_directive),
        ],
        [
            "fuel per directive, validator on a price history".to_owned(),
            thousands(f.validator_price_history_fuel_per_directive.rustledger),
            thousands(f.validator_price_history_fuel_per_directive.rlplugin),
        ],
        [
            "largest statement an importer reads line by line in one call".to_owned(),
            size(f.importer_largest_statement_bytes.rustledger),
            size(f.importer_largest_statement_bytes.rlplugin),
        ],
    ];
    table(&["", "rustledger-plugin-types 0.24", "rlplugin"], &rows)
}

/// The SDK README's table of the two plugin APIs.
fn view(f: &Figures) -> String {
    let v = &f.view;
    let row = |name: &str, drop_in: u64, view: u64| {
        [
            name.to_owned(),
            thousands(drop_in),
            thousands(view),
            format!("{:.2}×", view as f64 / drop_in as f64),
        ]
    };
    let heavy = format!(
        "heavy ledger (`synthetic::heavy_ledger`, {} directives, mostly prices)",
        thousands(v.heavy_directives)
    );
    let benchmark = format!(
        "benchmark ledger ({} transactions)",
        thousands(f.ledger_directives)
    );
    let realistic = "realistic ledger (`synthetic::ledger`, mostly transactions)";
    let bean_example = format!(
        "beancount's `bean-example`, 13 years ({} directives)",
        thousands(f.bean_example_directives)
    );
    let per_directive = |total: u64| total / f.bean_example_directives.max(1);
    let rows = vec![
        row(
            &format!("validator, {heavy}"),
            v.drop_in_validator_heavy_fuel_per_directive,
            v.validator_heavy_fuel_per_directive,
        ),
        row(
            &format!("validator, {benchmark}"),
            f.validator_fuel_per_directive.rlplugin,
            v.validator_fuel_per_directive,
        ),
        row(
            &format!("validator, {realistic}"),
            f.validator_realistic_fuel_per_directive.rlplugin,
            v.validator_realistic_fuel_per_directive,
        ),
        row(
            &format!("validator, {bean_example}"),
            per_directive(f.validator_bean_example_fuel.rlplugin),
            per_directive(v.validator_bean_example_fuel),
        ),
        row(
            &format!("tagger, {heavy}"),
            v.drop_in_tagger_heavy_fuel_per_directive,
            v.tagger_heavy_fuel_per_directive,
        ),
        row(
            &format!("tagger, {benchmark}"),
            f.tagger_fuel_per_directive.rlplugin,
            v.tagger_fuel_per_directive,
        ),
        row(
            &format!("tagger, {realistic}"),
            f.tagger_realistic_fuel_per_directive.rlplugin,
            v.tagger_realistic_fuel_per_directive,
        ),
        row(
            &format!("tagger, {bean_example}"),
            per_directive(f.tagger_bean_example_fuel.rlplugin),
            per_directive(v.tagger_bean_example_fuel),
        ),
    ];
    let mut out = table(
        &[
            "fuel per directive",
            "drop-in API",
            "view API",
            "view / drop-in",
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "\nLargest heavy ledger (`synthetic::heavy_ledger`) in one call through the view: \
         validator {} directives, tagger {}.",
        thousands(v.validator_heavy_largest_ledger),
        thousands(v.tagger_heavy_largest_ledger),
    );
    out
}

/// `fuel` as a share of rustledger's fuel per call, and whether that fits.
fn budget_share(fuel: u64) -> String {
    let share = fuel as f64 * 100.0 / rlplugin_testkit::PRODUCTION_FUEL as f64;
    if share <= 100.0 {
        format!("{share:.1}% of one call")
    } else {
        format!("{share:.0}% of one call: does not fit")
    }
}

fn table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut out = String::new();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        out.push('|');
        for cell in cells {
            if cell.is_empty() {
                out.push_str(" |");
            } else {
                let _ = write!(out, " {cell} |");
            }
        }
        out.push('\n');
    };
    line(&mut out, &mut header.iter().copied());
    line(&mut out, &mut header.iter().map(|_| "---"));
    for row in rows {
        line(&mut out, &mut row.iter().map(String::as_str));
    }
    out
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    n.to_formatted_string(&Locale::en)
}

/// A statement size: MiB with two decimals from 1 MiB up, else whole KiB.
pub fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// The byte offset of the first line of `text` at or after `from` that starts with
/// `marker`: markers count only at the start of a line, so prose can quote them.
fn line_starting(text: &str, from: usize, marker: &str) -> Option<usize> {
    let mut at = from;
    loop {
        let found = at + text[at..].find(marker)?;
        if found == 0 || text.as_bytes()[found - 1] == b'\n' {
            return Some(found);
        }
        at = found + marker.len();
    }
}

/// `text` with every figures block rendered from `figures`.
///
/// # Errors
///
/// An unknown block name or a block without its end marker.
pub fn regenerate(text: &str, figures: &Figures) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    while let Some(start) = line_starting(text, done, BEGIN) {
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let name = text[start + BEGIN.len()..line_end]
            .strip_suffix("-->")
            .ok_or("a `<!-- figures:begin NAME` line does not end with `-->`")?
            .trim();
        let end = line_starting(text, line_end, END).ok_or_else(|| {
            format!("figures block `{name}` has no `{END}`; fix: add it after the block")
        })?;
        out.push_str(&text[done..line_end]);
        out.push('\n');
        out.push_str(&render(name, figures)?);
        done = end;
    }
    out.push_str(&text[done..]);
    Ok(out)
}

/// Every `README.md` in the repository outside build output and hidden folders.
pub fn readmes() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let path = entry.path();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    walk(&path, out);
                }
            } else if name == "README.md" {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&workspace_root(), &mut out);
    out
}

/// Rewrites every README's blocks from `figures`; returns the files it changed.
///
/// # Errors
///
/// A README cannot be read or written, or holds a malformed block.
pub fn write_readmes(figures: &Figures) -> Result<Vec<PathBuf>, String> {
    let mut changed = Vec::new();
    for path in readmes() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let new = regenerate(&text, figures).map_err(|e| format!("{}: {e}", path.display()))?;
        if new != text {
            std::fs::write(&path, new)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            changed.push(path);
        }
    }
    Ok(changed)
}

/// The READMEs whose blocks differ from what `figures` renders, each with the fix.
pub fn stale_blocks(figures: &Figures) -> Vec<String> {
    let root = workspace_root();
    let mut stale = Vec::new();
    for path in readmes() {
        let shown = path.strip_prefix(&root).unwrap_or(&path).display();
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| Ok((regenerate(&text, figures)?, text)))
        {
            Ok((new, text)) if new != text => stale.push(format!(
                "{shown}: a figures block is out of date with host-testkit/bench/figures.json; \
                 fix: run `{REGENERATE}`"
            )),
            Ok(_) => {}
            Err(e) => stale.push(format!("{shown}: {e}")),
        }
    }
    stale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_readme_block_matches_the_committed_figures() {
        let figures = read().unwrap_or_else(|e| panic!("{e}"));
        let stale = stale_blocks(&figures);
        assert!(stale.is_empty(), "{}", stale.join("\n"));
    }

    #[test]
    fn the_root_readme_and_the_sdk_readme_carry_blocks() {
        let root = workspace_root();
        for (file, name) in [
            ("README.md", "comparison"),
            ("guest-sdk/README.md", "guest-sdk"),
            ("guest-sdk/README.md", "view"),
            ("host-testkit/README.md", "kit-times"),
        ] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            assert!(
                text.contains(&format!("{BEGIN}{name} -->")),
                "{file} lost its `{name}` figures block"
            );
        }
    }

    fn sample() -> Figures {
        let pair = |rlplugin, rustledger| Pair {
            rlplugin,
            rustledger,
        };
        Figures {
            ledger_directives: 10,
            ledger_input_bytes: 1,
            raised_fuel: 1,
            search_step_directives: 1,
            validator_fuel_per_directive: pair(1_000, 10_000),
            tagger_fuel_per_directive: pair(2_000, 10_000),
            small_validator_fuel_per_directive: 3_000,
            validator_largest_ledger: pair(100, 10),
            tagger_largest_ledger: pair(50, 10),
            validator_realistic_fuel_per_directive: pair(1, 2),
            tagger_realistic_fuel_per_directive: pair(1, 2),
            validator_realistic_largest_ledger: pair(1, 2),
            tagger_realistic_largest_ledger: pair(1, 2),
            validator_price_history_fuel_per_directive: pair(1, 2),
            heavy_ledger_directives: vec![10, 30],
            validator_heavy_fuel_per_directive: vec![pair(500, 5_000), pair(400, 6_000)],
            tagger_heavy_fuel_per_directive: vec![pair(1, 2), pair(1, 2)],
            validator_heavy_largest_ledger: pair(60_000, 2_500),
            tagger_heavy_largest_ledger: pair(1, 2),
            bean_example_directives: 10_000,
            validator_bean_example_fuel: pair(15_000_000, 60_000_000),
            tagger_bean_example_fuel: pair(1, 2),
            minimal_wasm_bytes: pair(40_000, 300_000),
            validator_wasm_bytes: pair(1, 2),
            tagger_wasm_bytes: pair(1, 2),
            importer_wasm_bytes: pair(1, 2),
            importer_largest_statement_bytes: pair(2 << 20, 256 << 10),
            importer_statement_bytes: 1 << 20,
            importer_fuel: 14 << 20,
            importer_split_bytes: 1 << 10,
            importer_sdk_fuel: pair(3 << 10, 99 << 10),
            importer_total_fuel: pair(14 << 10, 120 << 10),
            example_budget_fuel: [
                (
                    "dedupe".to_owned(),
                    [("the heavy ledger".to_owned(), 6_000_000)].into(),
                ),
                (
                    "categorize".to_owned(),
                    [("the heavy ledger".to_owned(), 30_000_000)].into(),
                ),
                (
                    "categorize/view".to_owned(),
                    [
                        ("bean-example".to_owned(), 3_000_000),
                        ("the heavy ledger".to_owned(), 1_500_000),
                    ]
                    .into(),
                ),
            ]
            .into(),
            view: ViewFigures {
                heavy_directives: 30_000,
                validator_fuel_per_directive: 500,
                tagger_fuel_per_directive: 2_000,
                validator_realistic_fuel_per_directive: 1,
                tagger_realistic_fuel_per_directive: 1,
                validator_heavy_fuel_per_directive: 1,
                tagger_heavy_fuel_per_directive: 1,
                drop_in_validator_heavy_fuel_per_directive: 2,
                drop_in_tagger_heavy_fuel_per_directive: 2,
                validator_bean_example_fuel: 5_000_000,
                tagger_bean_example_fuel: 10_000_000,
                validator_heavy_largest_ledger: 100_000,
                tagger_heavy_largest_ledger: 30_000,
            },
            kit_times: KitTimes {
                small_directives: 20,
                small_first_run_ms: 183.4,
                small_warm_run_ms: 0.46,
                large_directives: 12_000,
                large_input_bytes: 3_251_000,
                large_first_run_ms: 12_345.0,
            },
        }
    }

    #[test]
    fn the_view_block_sets_each_figure_beside_the_drop_in_one() {
        let text = render("view", &sample()).unwrap();
        assert!(
            text.contains(
                "| validator, benchmark ledger (10 transactions) | 1,000 | 500 | 0.50× |"
            ),
            "{text}"
        );
        // The drop-in figure of a whole ledger, per directive, beside the view's.
        assert!(
            text.contains(
                "| tagger, beancount's `bean-example`, 13 years (10,000 directives) | 0 | 1,000 | "
            ),
            "{text}"
        );
        assert!(
            text.contains("validator 100,000 directives, tagger 30,000."),
            "{text}"
        );
    }

    #[test]
    fn kit_times_are_rendered_in_a_readable_unit() {
        let block = render("kit-times", &sample()).unwrap();
        assert!(block.contains("new 20-directive ledger text"), "{block}");
        assert!(block.contains("| 183 ms |"), "{block}");
        assert!(block.contains("| 0.5 ms |"), "{block}");
        assert!(
            block.contains("12,000-directive ledger (3.3 MB of input) | 12.3 s |"),
            "{block}"
        );
    }

    #[test]
    fn a_block_is_rewritten_and_the_text_around_it_kept() {
        let text = "before `<!-- figures:begin x -->`\n<!-- figures:begin guest-sdk -->\nold\n\
                    <!-- figures:end -->\nafter\n";
        let new = regenerate(text, &sample()).unwrap();
        assert!(new.starts_with(
            "before `<!-- figures:begin x -->`\n<!-- figures:begin guest-sdk -->\n| |"
        ));
        assert!(new.ends_with("|\n<!-- figures:end -->\nafter\n"));
        assert!(new.contains("| 300,000 B | 40,000 B |"), "{new}");
        assert!(!new.contains("old"));
        assert_eq!(regenerate(&new, &sample()).unwrap(), new);
    }

    #[test]
    fn ratios_and_sizes_come_from_the_figures() {
        let new = render("comparison", &sample()).unwrap();
        assert!(
            new.contains("| 1,000 | 10,000 | 10.0× less fuel |"),
            "{new}"
        );
        assert!(new.contains("| 2.00 MiB | 256 KiB |"), "{new}");
        assert!(
            new.contains(
                "at 10 / 30 directives, validator: fuel/directive; largest in one call | \
                 500 / 400; 60,000 directives | 5,000 / 6,000; 2,500 directives | \
                 10.0 / 15.0× less fuel |"
            ),
            "{new}"
        );
        assert!(
            new.contains(
                "(10,000 directives), validator: fuel/directive; share of one call's fuel | \
                 1,500; 50.0% of one call | 6,000; 200% of one call: does not fit | 4.0× less fuel |"
            ),
            "{new}"
        );
        assert!(new.contains("3.0× the fuel of opt-level 3"), "{new}");
        assert!(
            new.contains("14.0 fuel per statement byte at 1.00 MiB: 3.0 SDK, 11.0"),
            "{new}"
        );
    }

    #[test]
    fn an_example_budget_is_read_from_its_test_output_and_rendered() {
        let output = "running 2 tests\n\
                      dedupe on the heavy ledger: fuel 6,509,215 / 30,000,000 (21.70%), memory 1 MiB\n\
                      dedupe on bean-example: fuel 1,000 / 30,000,000 (0.00%), memory 1 MiB\n\
                      a line on nothing: fuel of no interest\n\
                      test stays_within_budget_on_heavy_ledgers ... ok\n";
        let budgets = parse_example_budgets(output);
        assert_eq!(
            budgets,
            [(
                "dedupe".to_owned(),
                [
                    ("the heavy ledger".to_owned(), 6_509_215),
                    ("bean-example".to_owned(), 1_000)
                ]
                .into()
            )]
            .into()
        );
        assert_eq!(
            render("example dedupe", &sample()).unwrap(),
            "| scenario | fuel per call |\n| --- | --- |\n\
             | the heavy ledger | 6,000,000 (20.0%) |\n\
             \nFuel of one call; the share is of rustledger's 30,000,000 fuel per call.\n"
        );
        // Both builds of one example: a column each, an empty cell where one has no run.
        assert_eq!(
            render("example categorize", &sample()).unwrap(),
            "| scenario | drop-in API | view API |\n| --- | --- | --- |\n\
             | bean-example | | 3,000,000 (10.0%) |\n\
             | the heavy ledger | 30,000,000 (100.0%, over the 50% limit) | 1,500,000 (5.0%) |\n\
             \nFuel of one call; the share is of rustledger's 30,000,000 fuel per call.\n"
        );
        let error = render("example nope", &sample()).unwrap_err();
        assert!(
            error.contains("no budget figure for example `nope`"),
            "{error}"
        );
    }

    #[test]
    fn malformed_blocks_are_refused_with_the_fix() {
        let unknown = "<!-- figures:begin nope -->\n<!-- figures:end -->\n";
        let error = regenerate(unknown, &sample()).unwrap_err();
        assert!(error.contains("unknown figures block `nope`"), "{error}");
        let open = "<!-- figures:begin comparison -->\n| |\n";
        let error = regenerate(open, &sample()).unwrap_err();
        assert!(error.contains("has no `<!-- figures:end -->`"), "{error}");
    }
}
