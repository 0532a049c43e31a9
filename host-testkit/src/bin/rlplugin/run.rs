//! `rlplugin run`: one plugin call on a ledger file under production limits.

use std::path::Path;

use anyhow::Context as _;
use rlplugin_testkit::wire::{DirectiveWrapper, PluginErrorSeverity, PluginInput, PluginOp};
use rlplugin_testkit::{Report, Run};
use serde::Serialize;

use crate::out::{errln, out, outln};
use crate::style::{ADDED, BAD, BOLD, DIM, OK, REMOVED, WARN, bytes, paint, thousands};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The resulting ledger as beancount text (stdout); errors and budget on stderr
    Beancount,
    /// Everything as one JSON object on stdout
    Json,
    /// Only what the plugin changed, inserted and deleted
    Diff,
}

pub struct Options<'a> {
    pub plugin: &'a Path,
    pub ledger: &'a Path,
    pub config: Option<String>,
    pub fuel: Option<u64>,
    pub memory: Option<usize>,
    pub format: Format,
}

/// One change the plugin made, for the diff view and JSON.
#[derive(Debug, Serialize)]
pub struct Change {
    pub kind: &'static str,
    /// `file:line` of the input directive, when there is one.
    pub location: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    run: &'a Run,
    changes: &'a [Change],
    failed_errors: usize,
}

/// Runs and prints; returns whether the plugin reported error-severity diagnostics.
pub fn run(opts: Options<'_>) -> anyhow::Result<bool> {
    if !opts.ledger.is_file() {
        anyhow::bail!(
            "ledger {} does not exist or is not a file: pass the path of a .beancount file",
            opts.ledger.display()
        );
    }
    let guest = crate::load::guest(opts.plugin)?;
    let mut request = guest.plugin().ledger_file(opts.ledger);
    if let Some(config) = opts.config {
        request = request.config(config);
    }
    if let Some(fuel) = opts.fuel {
        request = request.fuel(fuel);
    }
    if let Some(memory) = opts.memory {
        request = request.memory(memory);
    }
    let run = request.run()?;
    let errors = reported_errors(&run);
    let changes = changes(&run)?;
    match opts.format {
        Format::Json => {
            let json = JsonOut {
                run: &run,
                changes: &changes,
                failed_errors: errors,
            };
            outln!("{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Beancount => {
            out!("{}", run.ledger_file_text())?;
            print_diagnostics(&run);
        }
        Format::Diff => {
            print_changes(&changes)?;
            print_diagnostics(&run);
        }
    }
    Ok(errors > 0)
}

/// Error-severity diagnostics the plugin reported (warnings are not findings).
pub fn reported_errors(run: &Run) -> usize {
    run.errors()
        .iter()
        .filter(|e| e.severity == PluginErrorSeverity::Error)
        .count()
}

/// The ops as changes, both sides rendered by rustledger's formatter so a `Modify`
/// that only re-encodes a directive shows no difference.
pub fn changes(run: &Run) -> anyhow::Result<Vec<Change>> {
    let input: PluginInput = rmp_serde::from_slice(run.input_bytes())
        .context("cannot decode the plugin input the kit sent (this is a bug in rlplugin)")?;
    let render = |w: &DirectiveWrapper| -> String {
        match rustledger_plugin::wrapper_to_directive(w) {
            Ok(d) => rustledger_core::format_directives(
                std::iter::once(&d),
                &rustledger_core::FormatConfig::default(),
            ),
            Err(e) => format!("<cannot render: {e}>\n"),
        }
    };
    let location = |i: usize| {
        input.directives.get(i).map(|w| {
            let file = w.filename.as_deref().unwrap_or("<unknown>");
            let file = Path::new(file)
                .file_name()
                .map_or(file.into(), |f| f.to_string_lossy());
            format!("{file}:{}", w.lineno.unwrap_or(0))
        })
    };
    // Changes are listed in ledger order: an insert sorts right after the input directive
    // the op before it referred to.
    let mut out: Vec<(usize, usize, Change)> = Vec::new();
    let mut anchor = 0;
    for (seq, op) in run.ops().iter().enumerate() {
        let mut push = |key: usize, change: Change| out.push((key, seq, change));
        match op {
            PluginOp::Keep(i) => anchor = *i,
            PluginOp::Modify(i, w) => {
                anchor = *i;
                let before = input.directives.get(*i).map(render);
                let after = render(w);
                if before.as_deref() != Some(after.as_str()) {
                    push(
                        *i,
                        Change {
                            kind: "modified",
                            location: location(*i),
                            before,
                            after: Some(after),
                        },
                    );
                }
            }
            PluginOp::Insert(w) => push(
                anchor,
                Change {
                    kind: "inserted",
                    location: None,
                    before: None,
                    after: Some(render(w)),
                },
            ),
            PluginOp::Delete(i) => {
                anchor = *i;
                push(
                    *i,
                    Change {
                        kind: "deleted",
                        location: location(*i),
                        before: input.directives.get(*i).map(render),
                        after: None,
                    },
                );
            }
        }
    }
    out.sort_by_key(|(key, seq, _)| (*key, *seq));
    Ok(out.into_iter().map(|(_, _, c)| c).collect())
}

pub fn print_changes(changes: &[Change]) -> Result<(), crate::out::StdoutError> {
    if changes.is_empty() {
        outln!("{}", paint(DIM, "no changes: every directive kept as is"))?;
    }
    for c in changes {
        let header = match &c.location {
            Some(l) => format!("{} {l}", c.kind),
            None => c.kind.to_owned(),
        };
        outln!("{}", paint(BOLD, header))?;
        let before: Vec<&str> = c.before.as_deref().unwrap_or("").lines().collect();
        let after: Vec<&str> = c.after.as_deref().unwrap_or("").lines().collect();
        // rustledger's formatter re-aligns amounts when an account name changes length;
        // comparing whitespace-normalized lines keeps those lines out of the diff.
        let norm = |lines: &[&str]| -> Vec<String> {
            lines
                .iter()
                .map(|l| {
                    let indent = l.len() - l.trim_start().len();
                    format!(
                        "{}{}",
                        &l[..indent],
                        l.split_whitespace().collect::<Vec<_>>().join(" ")
                    )
                })
                .collect()
        };
        let (old, new) = (norm(&before), norm(&after));
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
            for change in op.iter_changes(&old, &new) {
                match change.tag() {
                    similar::ChangeTag::Delete => {
                        let line = before[change.old_index().unwrap_or_default()];
                        outln!("{}", paint(REMOVED, format!("-{line}")))?;
                    }
                    similar::ChangeTag::Insert => {
                        let line = after[change.new_index().unwrap_or_default()];
                        outln!("{}", paint(ADDED, format!("+{line}")))?;
                    }
                    similar::ChangeTag::Equal => {
                        let line = after[change.new_index().unwrap_or_default()];
                        outln!(" {line}")?;
                    }
                }
            }
        }
        outln!()?;
    }
    Ok(())
}

pub fn print_diagnostics(run: &Run) {
    for (line, e) in run.error_lines().iter().zip(run.errors()) {
        let style = match e.severity {
            PluginErrorSeverity::Error => BAD,
            PluginErrorSeverity::Warning => WARN,
        };
        errln!("{}", paint(style, line));
    }
    errln!("{}  {}", paint(DIM, run.summary()), budget(run.report()));
}

/// `fuel 1,234 / 30,000,000 (0.0%)  memory 1.1 MiB / 256.0 MiB  time 1.2 ms`, the fuel
/// coloured by how close it is to the limit.
pub fn budget(r: &Report) -> String {
    let percent = r.fuel_used() as f64 * 100.0 / r.fuel_limit().max(1) as f64;
    let style = if percent >= 80.0 {
        BAD
    } else if percent >= 50.0 {
        WARN
    } else {
        OK
    };
    format!(
        "fuel {} / {} ({})  memory {} / {}  output {}  time {:.1} ms",
        thousands(r.fuel_used()),
        thousands(r.fuel_limit()),
        paint(style, format!("{percent:.2}%")),
        bytes(r.peak_memory()),
        bytes(r.memory_limit()),
        bytes(r.output_bytes()),
        r.wall_time().as_secs_f64() * 1000.0
    )
}
