//! Turning a PLUGIN argument into a [`Guest`]: a `.wasm` file is loaded, a crate
//! directory is built for wasm32 first, with a progress indicator on stderr.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rlplugin_testkit::Guest;

use crate::out::{err, errln};
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
            anyhow::bail!("{} {}", plugin.display(), crate::check::NOT_WASM);
        }
        let name = plugin
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("unknown");
        Guest::from_bytes(name, bytes).with_context(|| format!("cannot load {}", plugin.display()))
    }
}

/// A spinner on a terminal; one start line and one end line otherwise, so logs stay clean.
pub struct Progress {
    label: String,
    started: Instant,
    done: Arc<AtomicBool>,
    spinner: Option<JoinHandle<()>>,
    // The spinner and the final line must not interleave.
    lock: Arc<Mutex<()>>,
}

impl Progress {
    pub fn start(label: String) -> Progress {
        let done = Arc::new(AtomicBool::new(false));
        let lock = Arc::new(Mutex::new(()));
        let spinner = if std::io::stderr().is_terminal() {
            let (done, lock, label) = (done.clone(), lock.clone(), label.clone());
            Some(std::thread::spawn(move || {
                const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
                let started = Instant::now();
                let mut i = 0;
                while !done.load(Ordering::Relaxed) {
                    if let Ok(_guard) = lock.lock() {
                        err!(
                            "\r{} {label} {}",
                            FRAMES[i % FRAMES.len()],
                            paint(DIM, format!("{:.0}s", started.elapsed().as_secs_f64()))
                        );
                        let _ = std::io::stderr().flush();
                    }
                    i += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
            }))
        } else {
            errln!("{label}…");
            None
        };
        Progress {
            label,
            started: Instant::now(),
            done,
            spinner,
            lock,
        }
    }

    pub fn finish(mut self, ok: bool) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(handle) = self.spinner.take() {
            let _ = handle.join();
            let _guard = self.lock.lock();
            err!("\r\x1b[2K");
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
