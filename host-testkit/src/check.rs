//! rustledger's real loader with a `plugin "x.wasm" "config"` line.

use std::fmt;
use std::path::Path;

use rustledger_loader::LoadOptions;
use serde::Serialize;

use crate::{Error, Guest, render};

/// A one-shot end-to-end load, consumed by [`LoaderRun::run`].
///
/// Writes the guest to `<tmp>/<name>.wasm` and the ledger to
/// `<tmp>/ledger.beancount` with `plugin "<tmp>/<name>.wasm" "<config>"` as its first
/// line, then loads it as `rledger check` does: parse, report load errors, then
/// rustledger's processing pipeline with plugins and validation. Nothing is cached:
/// rustledger re-reads and recompiles the module, as it does for every load.
#[must_use = "a LoaderRun does nothing until `.run()`"]
pub struct LoaderRun<'g> {
    guest: &'g Guest,
    ledger: String,
    config: Option<String>,
}

impl<'g> LoaderRun<'g> {
    pub(crate) fn new(guest: &'g Guest) -> Self {
        LoaderRun {
            guest,
            ledger: String::new(),
            config: None,
        }
    }

    /// The ledger text (without the `plugin` line; the kit adds it).
    pub fn ledger(mut self, text: impl Into<String>) -> Self {
        self.ledger = text.into();
        self
    }

    /// The config string of the `plugin` line.
    pub fn config(mut self, config: impl Into<String>) -> Self {
        self.config = Some(config.into());
        self
    }

    /// Load the ledger through rustledger.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the temporary files cannot be written. A pipeline abort (a
    /// plugin returned a directive rustledger cannot convert) is not an error here
    /// but [`LoaderOutcome::aborted`], since that is what rledger shows its user.
    pub fn run(self) -> Result<LoaderOutcome, Error> {
        let dir = crate::scratch_dir()?;
        let base = dir.path().canonicalize().map_err(|source| Error::Io {
            path: dir.path().to_path_buf(),
            source,
        })?;
        let wasm = base.join(format!("{}.wasm", self.guest.name()));
        write(&wasm, self.guest.wasm_bytes())?;
        let mut text = format!(
            "plugin \"{}\"",
            crate::render::escape(&wasm.display().to_string())
        );
        if let Some(config) = &self.config {
            text.push_str(&format!(" \"{}\"", crate::render::escape(config)));
        }
        text.push('\n');
        text.push_str(&self.ledger);
        let ledger_path = base.join("ledger.beancount");
        write(&ledger_path, text.as_bytes())?;

        let scrub = |s: &str| s.replace(&format!("{}/", base.display()), "");
        let mut diagnostics = Vec::new();
        let mut raw = match rustledger_loader::load_raw(&ledger_path) {
            Ok(raw) => raw,
            Err(e) => {
                return Ok(LoaderOutcome {
                    ledger_text: String::new(),
                    diagnostics,
                    aborted: Some(scrub(&format!("failed to load: {e}"))),
                });
            }
        };
        for err in raw.errors.drain(..) {
            diagnostics.push(scrub(&format!("error LOAD: {err}")));
        }
        let options = LoadOptions {
            run_plugins: true,
            validate: true,
            ..LoadOptions::default()
        };
        match rustledger_loader::process(raw, &options) {
            Ok(ledger) => {
                for err in &ledger.errors {
                    diagnostics.push(scrub(&render::ledger_error_line(err, Some(&base))));
                }
                let directives: Vec<_> =
                    ledger.directives.iter().map(|d| d.value.clone()).collect();
                Ok(LoaderOutcome {
                    ledger_text: render::directives(&directives),
                    diagnostics,
                    aborted: None,
                })
            }
            Err(e) => Ok(LoaderOutcome {
                ledger_text: String::new(),
                diagnostics,
                aborted: Some(scrub(&format!("processing pipeline failed: {e}"))),
            }),
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// What rustledger's loader made of the ledger: the final (sorted, validated)
/// directives as beancount text and every diagnostic, with the temporary
/// directory stripped from paths so the text is snapshot-stable.
#[derive(Debug, Clone, Serialize)]
pub struct LoaderOutcome {
    ledger_text: String,
    diagnostics: Vec<String>,
    aborted: Option<String>,
}

impl LoaderOutcome {
    /// The final ledger, rendered by rustledger's formatter.
    pub fn ledger_text(&self) -> &str {
        &self.ledger_text
    }

    /// Every diagnostic as `file:line severity CODE: message`.
    pub fn diagnostics(&self) -> &[String] {
        &self.diagnostics
    }

    /// `Some(message)` when rustledger aborted the whole load (rledger exits with 2).
    pub fn aborted(&self) -> Option<&str> {
        self.aborted.as_deref()
    }
}

impl fmt::Display for LoaderOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(aborted) = &self.aborted {
            writeln!(f, "aborted: {aborted}")?;
        }
        if self.diagnostics.is_empty() {
            writeln!(f, "diagnostics: none")?;
        } else {
            writeln!(f, "diagnostics:")?;
            for line in &self.diagnostics {
                writeln!(f, "  {line}")?;
            }
        }
        writeln!(f)?;
        f.write_str(&self.ledger_text)
    }
}
