//! `rlplugin`: run, inspect, measure and profile rustledger WebAssembly plugins from the
//! terminal, under rustledger 0.24's production sandbox.
//!
//! Exit codes are part of the interface: 0 success, 1 the plugin reported errors (or a
//! check found the module unloadable), 2 the plugin or the command failed. Diagnostics go to
//! stderr; results go to stdout, coloured only when stdout is a terminal and `NO_COLOR` is
//! unset.

mod bench;
mod check;
mod demo;
mod import;
mod load;
mod plot;
mod profile;
mod run;
mod style;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rlplugin",
    version,
    about = "Run, inspect, measure and profile rustledger WebAssembly plugins under the production sandbox",
    after_help = "Examples:\n  rlplugin demo\n  rlplugin run examples/categorize books.beancount --format diff\n  rlplugin check target/wasm32-unknown-unknown/release/my_plugin.wasm\n  rlplugin bench my_plugin.wasm --plot fuel.png\n\nPLUGIN is a .wasm file or a plugin crate directory (built for wasm32 first).\nExit codes: 0 ok, 1 the plugin reported errors (or will not load), 2 the plugin or the command failed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a plugin on a ledger under production limits
    #[command(
        after_help = "Examples:\n  rlplugin run my_plugin.wasm books.beancount\n  rlplugin run examples/categorize books.beancount --config 'Shop=Expenses:Food' --format diff\n  rlplugin run my_plugin.wasm books.beancount --json | jq .report\n\nThe resulting ledger goes to stdout; the plugin's diagnostics and the budget to stderr.\nExit codes: 0 ok, 1 the plugin reported errors, 2 the plugin failed (trap, budget, ABI, bad output...)."
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
    /// Measure fuel and memory on synthetic ledgers of growing size
    #[command(
        after_help = "Examples:\n  rlplugin bench my_plugin.wasm\n  rlplugin bench examples/dedupe --sizes 500,1000,2000 --plot fuel.png\n  rlplugin bench my_plugin.wasm --json | jq .largest_within_budget\n\nLedgers come from rlplugin_testkit::synthetic (deterministic: transactions with 2-4 postings,\ncosts, prices, metadata, opens, balances). Each size runs with a large fuel cap so growth past\nthe budget is measured; the largest size that fits is predicted from the fit and confirmed\nunder the production budget."
    )]
    Bench {
        /// The plugin: a .wasm file or a plugin crate directory
        plugin: PathBuf,
        /// Ledger sizes in directives, comma-separated
        #[arg(long, default_value = bench::DEFAULT_SIZES)]
        sizes: String,
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
    /// Profile where a plugin's fuel goes, per guest function (Firefox profiler format)
    #[command(
        after_help = "Examples:\n  rlplugin profile my_plugin.wasm books.beancount -o profile.json\n  rlplugin profile examples/dedupe books.beancount -o dedupe.json --top 20\n\nReads the fuel left and the guest stack at every function entry and loop iteration\n(deterministic) and charges each function the fuel spent under it. The Firefox profile\ntakes one sample per --every of them; open the JSON at https://profiler.firefox.com.\nFunction names need a name section (see `rlplugin check`)."
    )]
    Profile {
        /// The plugin: a .wasm file or a plugin crate directory
        plugin: PathBuf,
        /// The ledger file
        ledger: PathBuf,
        /// Where to write the Firefox-profiler JSON
        #[arg(short, long)]
        output: PathBuf,
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
        after_help = "Examples:\n  rlplugin import examples/csv-importer statement.csv --account Assets:Bank:Checking --currency USD\n  rlplugin import importer.wasm statement.csv --account Assets:Bank --option delimiter=';'\n\nThe extracted directives go to stdout as beancount text.\nExit codes: 0 ok, 1 the importer did not claim the file or reported errors, 2 failure."
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
        after_help = "Examples:\n  cargo run -p rlplugin-testkit --bin rlplugin -- demo\n  rlplugin demo --examples path/to/rlplugin/examples\n\nBuilds examples/{categorize,dedupe,auto-balance,currency-guard,csv-importer} for wasm32\n(the first build takes a minute) and runs each on host-testkit/demo/sample.beancount."
    )]
    Demo {
        /// Directory holding the example crates (default: the source tree's examples/)
        #[arg(long)]
        examples: Option<PathBuf>,
    },
    /// Inspect a module without running it: exports, imports, ABI version, features, verdict
    #[command(
        after_help = "Examples:\n  rlplugin check my_plugin.wasm\n  rlplugin check --json my_plugin.wasm | jq .loads\n\nExit codes: 0 it loads in rustledger 0.24, 1 it does not, 2 the file cannot be read."
    )]
    Check {
        /// The `.wasm` file
        wasm: PathBuf,
        /// Print the inspection as JSON
        #[arg(long)]
        json: bool,
    },
}

/// How a command ended, mapped onto the documented exit codes.
enum Outcome {
    Ok,
    /// The plugin ran and reported errors, or a module will not load.
    Findings,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            anstream::eprintln!("{} {e:#}", style::paint(style::BAD, "error:"));
            ExitCode::from(2)
        }
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
            config,
            fuel_cap,
            plot,
            json,
        } => {
            let sizes = bench::parse_sizes(&sizes)?;
            let result = bench::bench(&plugin, &sizes, config.as_deref(), fuel_cap)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                bench::print(&result);
            }
            if result.points.iter().all(|p| p.fuel.is_none()) {
                let first = result.points.iter().find_map(|p| p.failure.as_deref());
                anyhow::bail!(
                    "the plugin failed at every size; at {} directives: {}",
                    sizes[0],
                    first.unwrap_or("unknown failure")
                );
            }
            if let Some(path) = plot {
                plot::fuel_chart(&result, &path)?;
                anstream::eprintln!("plot written to {}", path.display());
            }
            Ok(Outcome::Ok)
        }
        Command::Profile {
            plugin,
            ledger,
            output,
            config,
            fuel,
            every,
            top,
        } => {
            profile::profile(profile::Options {
                plugin: &plugin,
                ledger: &ledger,
                output: &output,
                config,
                fuel,
                every,
                top,
            })?;
            Ok(Outcome::Ok)
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
                println!("{}", serde_json::to_string_pretty(&inspection)?);
            } else {
                check::print(&inspection);
            }
            Ok(if inspection.loads {
                Outcome::Ok
            } else {
                Outcome::Findings
            })
        }
    }
}
