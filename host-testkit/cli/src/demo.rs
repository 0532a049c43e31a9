//! `rlplugin demo`: build the bundled example plugins, run each on the bundled sample
//! ledger in the production sandbox, and show what it changed and what it cost.
//!
//! The examples are found next to this crate in the source tree (`../examples`), so the
//! demo runs from a clone with `cargo run -p rlplugin-cli -- demo`;
//! `--examples DIR` points elsewhere. The sample ledger and statement are compiled into the
//! binary and written to a scratch directory when the source tree's copies are missing.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rlplugin_testkit::{PRODUCTION_FUEL, Report};

use crate::diagnostic::Sources;
use crate::out::{StdoutError, outln};
use crate::style::{BAD, BOLD, DIM, HEADER, OK, WARN, bytes, paint};

const SAMPLE: &str = include_str!("../demo/sample.beancount");
const STATEMENT: &str = include_str!("../demo/statement.csv");

const CATEGORIZE_RULES: &str = r#"{"rules":[{"payee":"rewe","account":"Expenses:Groceries"},{"payee":"cafe","account":"Expenses:Coffee","tag":"treat"},{"payee":"amazon","account":"Expenses:Shopping","tag":"online"}]}"#;

struct Step {
    example: &'static str,
    what: &'static str,
    config: Option<&'static str>,
}

const PLUGINS: [Step; 4] = [
    Step {
        example: "categorize",
        what: "fills in the account of imported transactions from payee rules (Modify)",
        config: Some(CATEGORIZE_RULES),
    },
    Step {
        example: "dedupe",
        what: "deletes a transaction imported twice (Delete + a warning at the copy naming the kept line)",
        config: None,
    },
    Step {
        example: "auto-balance",
        what: "turns running-balance metadata into balance assertions (Insert)",
        config: None,
    },
    Step {
        example: "currency-guard",
        what: "reports postings in undeclared currencies (read-only: errors at file:line)",
        config: None,
    },
];

struct Row {
    name: String,
    effect: String,
    report: Option<Report>,
    failed: bool,
}

fn source_file(name: &str, bundled: &str, scratch: &Path) -> anyhow::Result<PathBuf> {
    let in_tree = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("demo")
        .join(name);
    if in_tree.is_file() {
        return Ok(in_tree);
    }
    let path = scratch.join(name);
    std::fs::write(&path, bundled).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

fn default_examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("examples")
}

/// Returns true when every example ran (their own findings are the point of the demo).
pub fn demo(examples: Option<PathBuf>) -> anyhow::Result<bool> {
    let examples = examples.unwrap_or_else(default_examples_dir);
    if !examples.join("categorize").join("Cargo.toml").is_file() {
        anyhow::bail!(
            "the example plugins are not in {}: run the demo from a clone of rlplugin \
             (`cargo run -p rlplugin-cli -- demo`) or pass --examples DIR",
            examples.display()
        );
    }
    let examples = std::fs::canonicalize(&examples).unwrap_or(examples);
    let scratch = tempfile::Builder::new()
        .prefix("rlplugin-demo-")
        .tempdir()
        .context("cannot create a scratch directory")?;
    let ledger = source_file("sample.beancount", SAMPLE, scratch.path())?;
    let statement = source_file("statement.csv", STATEMENT, scratch.path())?;

    outln!(
        "{}",
        paint(
            BOLD,
            "rlplugin demo: the bundled examples on a sample ledger, in rustledger 0.24's production sandbox"
        )
    )?;
    outln!(
        "{}\n",
        paint(
            DIM,
            format!(
                "ledger {}  (limits per call: {} fuel, 256 MiB)",
                ledger.display(),
                crate::style::thousands(PRODUCTION_FUEL)
            )
        )
    )?;

    let mut rows = Vec::new();
    for step in &PLUGINS {
        rows.push(plugin_step(&examples, step, &ledger)?);
    }
    rows.push(importer_step(&examples, &statement)?);

    outln!("{}", paint(HEADER, "summary"))?;
    for row in &rows {
        let budget = match &row.report {
            Some(r) => format!(
                "fuel {:>5.2}% of budget  memory {:>9}",
                r.fuel_used() as f64 * 100.0 / PRODUCTION_FUEL as f64,
                bytes(r.peak_memory())
            ),
            None => String::new(),
        };
        let mark = if row.failed {
            paint(BAD, "failed")
        } else {
            paint(OK, "ok")
        };
        outln!(
            "  {mark:6}  {:15} {:45} {}",
            row.name,
            row.effect,
            paint(DIM, budget)
        )?;
    }
    outln!(
        "\nnext: {}",
        paint(
            BOLD,
            "rlplugin run examples/categorize your.beancount --config '<rules>' --format diff"
        )
    )?;
    Ok(rows.iter().all(|r| !r.failed))
}

fn plugin_step(examples: &Path, step: &Step, ledger: &Path) -> Result<Row, StdoutError> {
    outln!(
        "{} {}",
        paint(HEADER, format!("── {}", step.example)),
        paint(DIM, step.what)
    )?;
    let outcome = (|| -> anyhow::Result<_> {
        let guest = crate::load::guest(&examples.join(step.example))?;
        let mut request = guest.plugin().ledger_file(ledger);
        if let Some(config) = step.config {
            request = request.config(config);
        }
        let run = request.run()?;
        let changes = run.changes();
        Ok((run, changes))
    })();
    let row = match outcome {
        Ok((run, changes)) => {
            crate::run::print_changes(&changes)?;
            let mut sources = Sources::relative_to(ledger.parent().unwrap_or(ledger));
            for e in run.errors() {
                outln!("{}\n", sources.plugin_error(e))?;
            }
            outln!("{}", crate::run::budget(run.report()))?;
            let s = run.summary();
            let mut effect = Vec::new();
            for (n, what) in [
                (s.modified, "modified"),
                (s.inserted, "inserted"),
                (s.deleted, "deleted"),
            ] {
                if n > 0 {
                    effect.push(format!("{n} {what}"));
                }
            }
            if !run.errors().is_empty() {
                effect.push(format!("{} diagnostics", run.errors().len()));
            }
            Row {
                name: step.example.to_owned(),
                effect: effect.join(", "),
                report: Some(*run.report()),
                failed: false,
            }
        }
        Err(e) => {
            failed(&e, ledger)?;
            Row {
                name: step.example.to_owned(),
                effect: "see above".to_owned(),
                report: None,
                failed: true,
            }
        }
    };
    outln!()?;
    Ok(row)
}

fn importer_step(examples: &Path, statement: &Path) -> Result<Row, StdoutError> {
    outln!(
        "{} {}",
        paint(HEADER, "── csv-importer"),
        paint(
            DIM,
            format!(
                "turns a bank CSV into transactions ({})",
                statement.display()
            )
        )
    )?;
    let outcome = (|| -> anyhow::Result<_> {
        let guest = crate::load::guest(&examples.join("csv-importer"))?;
        Ok(guest
            .importer()
            .statement_file(statement)
            .account("Assets:Bank:Checking")
            .currency("EUR")
            .run()?)
    })();
    let row = match outcome {
        Ok(import) => {
            for line in import.ledger_text().lines() {
                outln!("{}", paint(crate::style::ADDED, format!("+{line}")))?;
            }
            for w in import.warnings() {
                outln!("{}", paint(WARN, format!("warning: {w}")))?;
            }
            let mut sources = Sources::relative_to(statement.parent().unwrap_or(statement));
            for e in import.errors() {
                let e = crate::import::in_statement(e, statement);
                outln!("{}\n", sources.plugin_error(&e))?;
            }
            outln!("{}", crate::run::budget(import.report()))?;
            Row {
                name: "csv-importer".to_owned(),
                effect: format!("{} transactions extracted", import.directives().len()),
                report: Some(*import.report()),
                failed: !import.identified(),
            }
        }
        Err(e) => {
            failed(&e, statement)?;
            Row {
                name: "csv-importer".to_owned(),
                effect: "see above".to_owned(),
                report: None,
                failed: true,
            }
        }
    };
    outln!()?;
    Ok(row)
}

/// An example that could not run: a ledger the loader refused with its lines, anything
/// else as its message.
fn failed(error: &anyhow::Error, input: &Path) -> Result<(), StdoutError> {
    let mut sources = Sources::relative_to(input.parent().unwrap_or(input));
    match sources.load_failure(error) {
        Some(text) => outln!("{text}"),
        None => outln!("{} {error:#}", paint(BAD, "failed:")),
    }
}
