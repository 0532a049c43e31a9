//! Building a guest crate for `wasm32-unknown-unknown` from inside `cargo test`.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};

use cargo_metadata::Message;

use crate::{Error, Guest};

/// One crate's build, shared by every test that asks for it.
type BuildSlot = Arc<Mutex<Option<Guest>>>;

const TARGET: &str = "wasm32-unknown-unknown";

/// A one-shot request to build a guest crate; consumed by [`GuestBuild::run`].
///
/// The crate is built with `cargo build --target wasm32-unknown-unknown` in a target
/// directory of its own (`<target>/rlplugin-guests`, shared by every guest so their
/// dependencies compile once), with the outer cargo's flags scrubbed. The result is
/// cached per process: the first call pays for cargo (seconds to minutes), later
/// calls for the same crate and profile return the cached [`Guest`] at once.
#[derive(Debug, Clone)]
#[must_use = "a GuestBuild does nothing until `.run()`"]
pub struct GuestBuild {
    crate_dir: Option<PathBuf>,
    release: bool,
}

impl GuestBuild {
    pub(crate) fn new() -> Self {
        GuestBuild {
            crate_dir: None,
            release: true,
        }
    }

    /// Build the crate in `path` (a directory with a `Cargo.toml`) instead of `CARGO_MANIFEST_DIR`.
    pub fn crate_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.crate_dir = Some(path.into());
        self
    }

    /// Release profile, as plugins ship (the default).
    pub fn release(mut self) -> Self {
        self.release = true;
        self
    }

    /// Dev profile: faster to build, far more fuel per call.
    pub fn debug(mut self) -> Self {
        self.release = false;
        self
    }

    /// Build (or reuse this process's earlier build) and load the module.
    ///
    /// # Errors
    ///
    /// [`Error::MissingTarget`] when the toolchain lacks the wasm32 target,
    /// [`Error::Build`] when cargo fails, and every load error of [`Guest::from_file`].
    pub fn run(self) -> Result<Guest, Error> {
        let dir = match self.crate_dir {
            Some(dir) => dir,
            None => PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
                Error::Usage(
                    "CARGO_MANIFEST_DIR is not set, so the crate to build is unknown; fix: call \
                     Guest::build().crate_dir(path), or run under `cargo test`"
                        .to_owned(),
                )
            })?),
        };
        let dir = std::fs::canonicalize(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        static CACHE: OnceLock<Mutex<HashMap<(PathBuf, bool), BuildSlot>>> = OnceLock::new();
        let slot = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((dir.clone(), self.release))
            .or_default()
            .clone();
        // Holding the per-crate slot while cargo runs makes concurrent tests wait
        // for one build instead of racing several.
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(guest) = slot.as_ref() {
            return Ok(guest.clone());
        }
        let guest = build(&dir, self.release)?;
        *slot = Some(guest.clone());
        Ok(guest)
    }
}

fn build(crate_dir: &Path, release: bool) -> Result<Guest, Error> {
    let manifest = crate_dir.join("Cargo.toml");
    let target_dir = guest_target_dir(crate_dir);
    let mut cmd = crate::cargo::command();
    cmd.current_dir(crate_dir)
        .arg("build")
        .arg("--lib")
        .arg("--target")
        .arg(TARGET)
        .arg("--message-format=json-render-diagnostics")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if release {
        cmd.arg("--release");
    }
    let build_error = |message: String| Error::Build {
        crate_dir: crate_dir.to_path_buf(),
        message,
    };
    let mut child = cmd
        .spawn()
        .map_err(|e| build_error(format!("cannot start cargo: {e}; fix: put cargo on PATH")))?;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut wasm: Option<(String, PathBuf)> = None;
    for message in Message::parse_stream(BufReader::new(stdout)) {
        let Ok(Message::CompilerArtifact(artifact)) = message else {
            continue;
        };
        if artifact.manifest_path.as_std_path() != manifest {
            continue;
        }
        if let Some(file) = artifact
            .filenames
            .iter()
            .find(|f| f.extension() == Some("wasm"))
        {
            wasm = Some((
                artifact.target.name.clone(),
                file.clone().into_std_path_buf(),
            ));
        }
    }
    let status = child
        .wait()
        .map_err(|e| build_error(format!("cargo did not finish: {e}")))?;
    let stderr = stderr_reader.join().unwrap_or_default();
    if !status.success() {
        if stderr.contains("target may not be installed")
            || stderr.contains("can't find crate for `core`")
            || stderr.contains("can't find crate for `std`")
        {
            return Err(Error::MissingTarget {
                crate_dir: crate_dir.to_path_buf(),
                toolchain: std::env::var("RUSTUP_TOOLCHAIN")
                    .unwrap_or_else(|_| "stable".to_owned()),
            });
        }
        return Err(build_error(stderr.trim_end().to_owned()));
    }
    let Some((name, path)) = wasm else {
        return Err(build_error(
            "cargo produced no .wasm file; fix: set `crate-type = [\"cdylib\"]` (plus \"rlib\" \
             for native tests) in the crate's [lib] section"
                .to_owned(),
        ));
    };
    let bytes = std::fs::read(&path).map_err(|source| Error::Io { path, source })?;
    Guest::from_bytes(name, bytes)
}

/// `<target>/rlplugin-guests`, where `<target>` is the directory cargo built the
/// running test binary in (found by its `CACHEDIR.TAG`), so every guest of every
/// test in a workspace shares one dependency cache.
fn guest_target_dir(crate_dir: &Path) -> PathBuf {
    let from_exe = std::env::current_exe().ok().and_then(|exe| {
        exe.ancestors()
            .skip(1)
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
            .map(Path::to_path_buf)
    });
    let target = from_exe
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| crate_dir.join("target"));
    target.join("rlplugin-guests")
}
