//! Turning a PLUGIN argument into a [`Guest`]: a `.wasm` file is loaded, a crate
//! directory is built for wasm32 first, with a progress indicator on stderr.

use std::io::IsTerminal as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use rlplugin_testkit::Guest;

use crate::out::errln;
use crate::style::{DIM, paint};

/// Load or build `plugin`. Errors are the kit's own messages.
pub fn guest(plugin: &Path) -> anyhow::Result<Guest> {
    if plugin.is_dir() {
        if !plugin.join("Cargo.toml").is_file() {
            anyhow::bail!(
                "{} is a directory without a Cargo.toml: pass a plugin crate directory or a .wasm file",
                plugin.display()
            );
        }
        let label = format!(
            "building {} for wasm32-unknown-unknown (release)",
            plugin.display()
        );
        let progress = Progress::start(label);
        // The spinner stands in for cargo's progress lines.
        let built = Guest::build().crate_dir(plugin).release().quiet().run();
        progress.finish(built.is_ok());
        Ok(built?)
    } else {
        if !plugin.exists() {
            anyhow::bail!(
                "{} does not exist: pass a .wasm file or a plugin crate directory",
                plugin.display()
            );
        }
        let bytes = std::fs::read(plugin)
            .with_context(|| format!("cannot read {}: check the path", plugin.display()))?;
        // WAT text loads in rledger too (see `check`); anything else gets check's verdict
        // rather than the text parser's complaint about its first character.
        if !bytes.starts_with(b"\0asm") && wat::parse_bytes(&bytes).is_err() {
            if let Some(error) = std::str::from_utf8(&bytes)
                .ok()
                .and_then(crate::check::wat_error)
            {
                anyhow::bail!("{}: {}", plugin.display(), error.reason());
            }
            anyhow::bail!("{} {}", plugin.display(), crate::check::NOT_WASM);
        }
        let name = plugin
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("unknown");
        Guest::from_bytes(name, bytes).with_context(|| format!("cannot load {}", plugin.display()))
    }
}

/// A spinner on a terminal (indicatif hides it anywhere else); one start line and one
/// end line otherwise, so logs stay clean.
pub struct Progress {
    label: String,
    started: Instant,
    spinner: Option<ProgressBar>,
}

impl Progress {
    pub fn start(label: String) -> Progress {
        let spinner = if std::io::stderr().is_terminal() {
            let spinner = ProgressBar::new_spinner().with_message(label.clone());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
                spinner.set_style(style);
            }
            spinner.enable_steady_tick(Duration::from_millis(100));
            Some(spinner)
        } else {
            errln!("{label}…");
            None
        };
        Progress {
            label,
            started: Instant::now(),
            spinner,
        }
    }

    pub fn finish(self, ok: bool) {
        if let Some(spinner) = self.spinner {
            spinner.finish_and_clear();
        }
        let status = if ok { "done" } else { "failed" };
        errln!(
            "{} {}",
            self.label,
            paint(
                DIM,
                format!("{status} in {:.1}s", self.started.elapsed().as_secs_f64())
            )
        );
    }
}
