//! `rlplugin`: run, inspect, measure and profile rustledger WebAssembly plugins from the
//! terminal, under rustledger 0.24's production sandbox.
//!
//! Exit codes are part of the interface (`exit_codes!`, printed by `--help`). Diagnostics go
//! to stderr, each with the ledger or statement line it points at; results go to stdout.
//! Either is coloured only when it is a terminal and `NO_COLOR` is unset, or as `--color`
//! says.

mod out;

mod bench;
mod check;
mod demo;
mod diagnostic;
mod import;
mod load;
mod plot;
mod profile;
mod run;
mod style;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rlplugin_testkit::{PRODUCTION_FUEL, PRODUCTION_MEMORY};
use serde::Serialize;

use crate::out::{errln, outln};

/// The exit-code contract, the same for every command; `--help` and the README state it.
macro_rules! exit_codes {
    () => {
        "Exit codes (every command):
  0  success
  1  findings: the plugin or importer ran and reported errors, an importer did not claim
     the file, or `check` found that rustledger 0.24 will not load the module
  2  failure: the plugin failed (it will not load, trapped, ran out of fuel or memory,
     returned bad output), an argument or input file is unusable, or stdout cannot be
     written; with --json, stdout still holds one JSON object with a `failure`
A closed stdout (`rlplugin run ... | head`) ends the command quietly with 0."
    };
}

#[derive(Parser)]
#[command(
    name = "rlplugin",
    version,
    about = "Run, inspect, measure and profile rustledger WebAssembly plugins under the production sandbox",
    after_help = concat!(
        "Examples:\n  rlplugin demo\n  rlplugin run examples/categorize books.beancount --format diff\n  rlplugin check target/wasm32-unknown-unknown/release/my_plugin.wasm\n  rlplugin bench my_plugin.wasm --plot fuel.png\n\nPLUGIN is a .wasm file or a plugin crate directory (built for wasm32 first).\n\n",
        exit_codes!()
    )
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour output: auto (a terminal, and NO_COLOR unset), always or never
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Applies the choice to every stream `outln!` and `errln!` write to.
    fn apply(self) {
        let choice = match self {
            Color::Auto => anstream::ColorChoice::Auto,
            Color::Always => anstream::ColorChoice::Always,
            Color::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run a plugin on a ledger under production limits
    #[command(
        after_help = concat!(
            "Examples:\n  rlplugin run my_plugin.wasm books.beancount\n  rlplugin run examples/categorize books.beancount --config 'Shop=Expenses:Food' --format diff\n  rlplugin run my_plugin.wasm books.beancount --json | jq .report\n\nThe resulting ledger goes to stdout as a beancount file rledger loads back to the same options\nand directives: the ledger's option lines, its plugin and include lines as comments (the\nplugins already ran; included files are inlined), then every directive after the plugin.\nThe plugin's diagnostics, each under the ledger line it points at, and the budget go to\nstderr; so does each problem of a ledger rustledger cannot load, under its line.\n\n",
            exit_codes!()
        )
    )]
    Run {
        /// The plugin: a .wasm file or a plugin crate directory
        plugin: PathBuf,
        /// The ledger file, loaded as rledger loads it
        ledger: PathBuf,
        /// Config string, as in `plugin "x.wasm" "CONFIG"`
        #[arg(long)]
        config: Option<String>,
        /// Fuel budget (production: 30000000)
        #[arg(long)]
        fuel: Option<u64>,
        /// Linear-memory cap in bytes (production: 268435456)
        #[arg(long)]
        memory: Option<usize>,
        /// What to print
        #[arg(long, value_enum, default_value_t = run::Format::Beancount)]
        format: run::Format,
        /// Same as --format json
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Print what the guest logged (rlplugin::log!) to stderr
        #[arg(long)]
        logs: bool,
    },
    /// Measure fuel and memory on synthetic ledgers (or statements) of growing size
    #[command(
        after_help = concat!(
            "Examples:\n  rlplugin bench my_plugin.wasm\n  rlplugin bench examples/dedupe --sizes 500,1000,2000 --plot fuel.png\n  rlplugin bench my_plugin.wasm --json | jq .largest_within_budget\n  rlplugin bench my_importer.wasm --statement sample.csv --account Assets:Bank --sizes 1000,5000\n\nLedgers come from rlplugin_testkit::synthetic (deterministic: transactions with 2-4 postings,\ncosts, prices, metadata, opens, balances). An importer gets statements of each size in rows\nmade from --statement: its header lines (skip_rows, then one when has_header, as the\n--option values say) and then its rows, repeated. Each size runs with a large fuel cap so\ngrowth past the budget is measured; the largest size that fits is predicted from the fit and\nconfirmed under the production budget. Sizes whose input cannot fit rustledger's 256 MiB are\nrefused. A size at which the plugin reports errors or fails makes the command fail.\n\n",
            exit_codes!()
        )
    )]
    Bench {
        /// The plugin or importer: a .wasm file or a crate directory
        plugin: PathBuf,
        /// Sizes, comma-separated: ledger directives, or statement rows for an importer
        #[arg(long, default_value = bench::DEFAULT_SIZES)]
        sizes: String,
        /// A sample statement whose rows make the importer's statements
        #[arg(long)]
        statement: Option<PathBuf>,
        #[command(flatten)]
        importer: import::Args,
        /// Config string passed to every run
        #[arg(long)]
        config: Option<String>,
        /// Fuel cap for measurement runs
        #[arg(long, default_value_t = 2_000_000_000)]
        fuel_cap: u64,
        /// Draw fuel against ledger size with the budget line into this PNG
        #[arg(long)]
        plot: Option<PathBuf>,
        /// Print the measurements as JSON
        #[arg(long)]
        json: bool,
    },
    /// Profile where a plugin's or importer's fuel goes, per guest function (Firefox profiler format)
    #[command(
        after_help = concat!(
            "Examples:\n  rlplugin profile my_plugin.wasm books.beancount -o profile.json\n  rlplugin profile examples/dedupe books.beancount -o dedupe.json --top 20\n  rlplugin profile my_importer.wasm statement.csv --account Assets:Bank -o extract.json\n\nAn importer's `extract` is profiled on the statement.\nReads the fuel left and the guest stack at every function entry and loop iteration\n(deterministic) and charges each function the fuel spent under it. The Firefox profile\ntakes one sample per --every of them; open the JSON at https://profiler.firefox.com.\nFunction names need a name section (see `rlplugin check`). The profile is written even when\nthe plugin stops early; the exit code then says it failed.\n\n",
            exit_codes!()
        )
    )]
    Profile {
        /// The plugin: a .wasm file or a plugin crate directory
        plugin: PathBuf,
        /// The ledger file, or the statement for an importer
        ledger: PathBuf,
        /// Where to write the Firefox-profiler JSON
        #[arg(short, long)]
        output: PathBuf,
        #[command(flatten)]
        importer: import::Args,
        /// Config string, as in `plugin "x.wasm" "CONFIG"`
        #[arg(long)]
        config: Option<String>,
        /// Fuel budget of the profiled call (production: 30000000)
        #[arg(long)]
        fuel: Option<u64>,
        /// Function entries and loop iterations between the Firefox profile's samples
        #[arg(long, default_value_t = 100)]
        every: u64,
        /// Rows in the table
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Run an importer on a statement through rustledger's importer host
    #[command(
        after_help = concat!(
            "Examples:\n  rlplugin import examples/csv-importer statement.csv --account Assets:Bank:Checking --currency USD\n  rlplugin import importer.wasm statement.csv --account Assets:Bank --option delimiter=';'\n\nThe extracted directives go to stdout as beancount text.\n\n",
            exit_codes!()
        )
    )]
    Import {
        /// The importer: a .wasm file or an importer crate directory
        importer: PathBuf,
        /// The statement file
        statement: PathBuf,
        /// The account the statement belongs to
        #[arg(long)]
        account: String,
        /// The statement's currency
        #[arg(long)]
        currency: Option<String>,
        /// Importer option, repeatable
        #[arg(long = "option", value_name = "KEY=VALUE", value_parser = import::parse_option)]
        options: Vec<(String, String)>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
        /// Print what the guest logged (rlplugin::log!) to stderr
        #[arg(long)]
        logs: bool,
    },
    /// Build the bundled examples and run them on a sample ledger: effects and budgets
    #[command(
        after_help = concat!(
            "Examples:\n  cargo run -p rlplugin-cli -- demo\n  rlplugin demo --examples path/to/rlplugin/examples\n\nBuilds examples/{categorize,dedupe,auto-balance,currency-guard,csv-importer} for wasm32\n(the first build takes a minute) and runs each on host-testkit/cli/demo/sample.beancount.\n\n",
            exit_codes!()
        )
    )]
    Demo {
        /// Directory holding the example crates (default: the source tree's examples/)
        #[arg(long)]
        examples: Option<PathBuf>,
    },
    /// Inspect a module without running it: exports, imports, ABI version, features, verdict
    #[command(
        after_help = concat!(
            "Examples:\n  rlplugin check my_plugin.wasm\n  rlplugin check --json my_plugin.wasm | jq .loads\n\n",
            exit_codes!()
        )
    )]
    Check {
        /// The `.wasm` file
        wasm: PathBuf,
        /// Print the inspection as JSON
        #[arg(long)]
        json: bool,
    },
}

/// How a command that ran to the end came out, mapped onto `exit_codes!`.
enum Outcome {
    Ok,
    /// The plugin or importer ran and reported errors, or a module will not load.
    Findings,
}

/// A failure as `--json` prints it, so a script always reads one object.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The kit's error kind (`out_of_fuel`, `trap`, …), or `usage` for a bad argument or
    /// input file, `output` when stdout cannot be written.
    pub kind: &'static str,
    /// What failed and the fix.
    pub message: String,
    /// Fuel consumed when the guest stopped, when it got to run.
    pub fuel_used: Option<u64>,
    /// Linear memory in use when the guest stopped, in bytes, when known.
    pub memory_used: Option<u64>,
}

impl Failure {
    /// The kit's failure of one call.
    pub fn of_kit(error: &rlplugin_testkit::Error) -> Failure {
        Failure {
            kind: error.kind(),
            message: error.to_string(),
            fuel_used: error.fuel_used(),
            memory_used: error.memory_used(),
        }
    }

    fn of(error: &anyhow::Error) -> Failure {
        let kit = error
            .chain()
            .find_map(|e| e.downcast_ref::<rlplugin_testkit::Error>());
        let kind = match kit {
            Some(e) => e.kind(),
            None if error.chain().any(|e| e.is::<out::StdoutError>()) => "output",
            None => "usage",
        };
        Failure {
            kind,
            message: format!("{error:#}"),
            fuel_used: kit.and_then(rlplugin_testkit::Error::fuel_used),
            memory_used: kit.and_then(rlplugin_testkit::Error::memory_used),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout and must survive a closed pipe as results do.
        Err(e) if !e.use_stderr() => {
            let printed = out::write(format_args!("{}", e.render())).and_then(|()| out::flush());
            return match printed {
                Err(e) if !e.is_closed_pipe() => {
                    errln!("{} {e}", style::paint(style::BAD, "error:"));
                    ExitCode::from(2)
                }
                _ => ExitCode::SUCCESS,
            };
        }
        Err(e) => {
            errln!("{}", e.render().ansi());
            return ExitCode::from(2);
        }
    };
    cli.color.apply();
    let json = cli.command.json();
    let result = dispatch(cli.command).and_then(|outcome| {
        out::flush()?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) if out::is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            match diagnostic::Sources::default().load_failure(&e) {
                Some(text) => errln!("{text}"),
                None => errln!("{} {e:#}", style::paint(style::BAD, "error:")),
            }
            if json && !out::wrote_anything() {
                let failure = serde_json::json!({ "failure": Failure::of(&e) });
                let printed = outln!("{failure:#}").and_then(|()| out::flush());
                if let Err(e) = printed {
                    errln!("{} {e}", style::paint(style::BAD, "error:"));
                }
            }
            ExitCode::from(2)
        }
    }
}

impl Command {
    /// Whether the command promised JSON on stdout.
    fn json(&self) -> bool {
        match self {
            Command::Run { format, json, .. } => *json || *format == run::Format::Json,
            Command::Bench { json, .. }
            | Command::Import { json, .. }
            | Command::Check { json, .. } => *json,
            Command::Profile { .. } | Command::Demo { .. } => false,
        }
    }
}

/// Says once that a limit above production's gives results rledger will not reproduce.
fn warn_above_production(fuel: Option<u64>, memory: Option<usize>) {
    if let Some(fuel) = fuel.filter(|f| *f > PRODUCTION_FUEL) {
        errln!(
            "{} --fuel {} is above rustledger 0.24's fixed budget of {} per call: a result that needs more fuel than that does not hold in rledger",
            style::paint(style::WARN, "warning:"),
            style::thousands(fuel),
            style::thousands(PRODUCTION_FUEL)
        );
    }
    if let Some(memory) = memory.filter(|m| *m > PRODUCTION_MEMORY) {
        errln!(
            "{} --memory {} is above rustledger 0.24's cap of {} bytes: a result that needs more memory than that does not hold in rledger",
            style::paint(style::WARN, "warning:"),
            style::thousands(memory as u64),
            style::thousands(PRODUCTION_MEMORY as u64)
        );
    }
}

fn dispatch(command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::Run {
            plugin,
            ledger,
            config,
            fuel,
            memory,
            format,
            json,
            logs,
        } => {
            let format = if json { run::Format::Json } else { format };
            warn_above_production(fuel, memory);
            let reported_errors = run::run(run::Options {
                plugin: &plugin,
                ledger: &ledger,
                config,
                fuel,
                memory,
                format,
                logs,
            })?;
            Ok(if reported_errors {
                Outcome::Findings
            } else {
                Outcome::Ok
            })
        }
        Command::Bench {
            plugin,
            sizes,
            statement,
            importer,
            config,
            fuel_cap,
            plot,
            json,
        } => {
            let sizes = bench::parse_sizes(&sizes)?;
            if let Some(path) = &plot {
                out::check_directory_of(path, "the plot", "--plot")?;
            }
            let result = bench::bench(bench::Options {
                plugin: &plugin,
                sizes: &sizes,
                statement: statement.as_deref(),
                importer,
                config: config.as_deref(),
                cap: fuel_cap,
            })?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&result)?)?;
            } else {
                bench::print(&result)?;
            }
            if let Some(path) = plot
                && result.points.iter().any(|p| p.fuel.is_some())
            {
                plot::fuel_chart(&result, &path)?;
                errln!("plot written to {}", path.display());
            }
            bench::verdict(&result)
        }
        Command::Profile {
            plugin,
            ledger,
            output,
            importer,
            config,
            fuel,
            every,
            top,
        } => {
            warn_above_production(fuel, None);
            profile::profile(profile::Options {
                plugin: &plugin,
                ledger: &ledger,
                output: &output,
                importer,
                config,
                fuel,
                every,
                top,
            })
        }
        Command::Import {
            importer,
            statement,
            account,
            currency,
            options,
            json,
            logs,
        } => {
            let findings = import::import(import::Options {
                importer: &importer,
                statement: &statement,
                account,
                currency,
                options,
                json,
                logs,
            })?;
            Ok(if findings {
                Outcome::Findings
            } else {
                Outcome::Ok
            })
        }
        Command::Demo { examples } => {
            if demo::demo(examples)? {
                Ok(Outcome::Ok)
            } else {
                anyhow::bail!("some examples failed (see above)")
            }
        }
        Command::Check { wasm, json } => {
            let inspection = check::inspect(&wasm)?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&inspection)?)?;
            } else {
                check::print(&inspection)?;
            }
            Ok(if inspection.loads {
                Outcome::Ok
            } else {
                Outcome::Findings
            })
        }
    }
}
