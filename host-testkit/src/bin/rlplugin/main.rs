//! `rlplugin`: run, inspect, measure and profile rustledger WebAssembly plugins from the
//! terminal, under rustledger 0.24's production sandbox.
//!
//! Exit codes are part of the interface: 0 success, 1 the plugin reported errors (or a
//! check found the module unloadable), 2 the plugin or the command failed. Diagnostics go to
//! stderr; results go to stdout, coloured only when stdout is a terminal and `NO_COLOR` is
//! unset.

mod check;
mod style;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "rlplugin",
    version,
    about = "Run, inspect, measure and profile rustledger WebAssembly plugins under the production sandbox",
    after_help = "Examples:\n  rlplugin demo\n  rlplugin check target/wasm32-unknown-unknown/release/my_plugin.wasm\n\nExit codes: 0 ok, 1 the plugin reported errors or will not load, 2 failure."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
