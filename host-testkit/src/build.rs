//! Building a guest crate for `wasm32-unknown-unknown` from inside `cargo test`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use cargo_metadata::Message;

use crate::{Error, Guest};

/// One crate's build, shared by every test that asks for it.
type BuildSlot = Arc<Mutex<Option<Guest>>>;

/// A build's identity: the crate, the profile (release or not) and the features.
type BuildKey = (PathBuf, bool, Vec<String>);

const TARGET: &str = "wasm32-unknown-unknown";

/// Passed to cargo with `--config` for release builds: keep the name section.
const KEEP_NAMES: &str = "profile.release.strip=false";

/// A one-shot request to build a guest crate; consumed by [`GuestBuild::run`].
///
/// The crate is built with `cargo build --target wasm32-unknown-unknown` in a target
/// directory of its own (`<target>/rlplugin-guests`, shared by every guest so their
/// dependencies compile once), with the outer cargo's flags scrubbed. A release build
/// uses the crate's release profile except `strip`: the kit keeps the name section, so
/// backtraces and profiles name Rust functions (names cost no fuel). The result is
/// cached per process: the first call pays for cargo (seconds to minutes), later
/// calls for the same crate and profile return the cached [`Guest`] at once.
#[derive(Debug, Clone)]
#[must_use = "a GuestBuild does nothing until `.run()`"]
pub struct GuestBuild {
    crate_dir: Option<PathBuf>,
    release: bool,
    quiet: bool,
    features: Vec<String>,
}

impl GuestBuild {
    pub(crate) fn new() -> Self {
        GuestBuild {
            crate_dir: None,
            release: true,
            quiet: false,
            features: Vec::new(),
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

    /// Build with these cargo features of the crate on (`cargo build --features …`), for a
    /// crate that makes more than one guest: each set of features is a guest of its own,
    /// built and cached separately.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), rlplugin_testkit::Error> {
    /// let view = rlplugin_testkit::Guest::build().features(["view"]).run()?;
    /// # Ok(()) }
    /// ```
    pub fn features<I, S>(mut self, features: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.features = features.into_iter().map(Into::into).collect();
        self.features.sort();
        self.features.dedup();
        self
    }

    /// Leave cargo's progress off stderr. By default a build that compiles anything
    /// shows cargo's `Compiling …` lines as they come and its time at the end, straight
    /// to the process's stderr (the test harness does not capture them), because a
    /// guest's first build inside a test takes minutes.
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
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
        static CACHE: OnceLock<Mutex<HashMap<BuildKey, BuildSlot>>> = OnceLock::new();
        static CRATES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
        let slot = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((dir.clone(), self.release, self.features.clone()))
            .or_default()
            .clone();
        // Holding the per-build slot while cargo runs makes concurrent tests wait
        // for one build instead of racing several.
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(guest) = slot.as_ref() {
            return Ok(guest.clone());
        }
        // Builds of one crate with other features write the same `.wasm` file: one at a
        // time, so each reads the module its own cargo wrote.
        let one_crate = CRATES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(dir.clone())
            .or_default()
            .clone();
        let _building = one_crate.lock().unwrap_or_else(|e| e.into_inner());
        let guest = build(&dir, self.release, &self.features, !self.quiet)?;
        *slot = Some(guest.clone());
        Ok(guest)
    }
}

fn build(
    crate_dir: &Path,
    release: bool,
    features: &[String],
    progress: bool,
) -> Result<Guest, Error> {
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
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    if release {
        // The crate's release profile, but with the name section kept whatever its `strip`
        // says, so traps, `rlplugin profile` and Firefox profiles show Rust function names.
        // Names cost no fuel; the .wasm a user ships comes from their own build, which
        // this does not touch (its own target directory).
        cmd.arg("--release").arg("--config").arg(KEEP_NAMES);
    }
    let build_error = |message: String| Error::Build {
        crate_dir: crate_dir.to_path_buf(),
        message,
    };
    let mut child = cmd
        .spawn()
        .map_err(|e| build_error(format!("cannot start cargo: {e}; fix: put cargo on PATH")))?;
    let started = Instant::now();
    let stderr = child.stderr.take().expect("stderr is piped");
    let stderr_reader = std::thread::spawn(move || forward_progress(stderr, progress));
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
    let (stderr, compiled) = stderr_reader.join().unwrap_or_default();
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
    if compiled && progress {
        show(&format!(
            "built guest `{name}` for {TARGET} in {:.1} s",
            started.elapsed().as_secs_f64()
        ));
    }
    let bytes = std::fs::read(&path).map_err(|source| Error::Io { path, source })?;
    Guest::from_bytes(name, bytes)
}

/// Cargo's status lines, as they come: a guest's first build runs inside a test for
/// minutes, and the test harness would otherwise show nothing until it ends. Diagnostics
/// stay out (they are in the error if the build fails). Returns all of stderr, and
/// whether anything was compiled.
fn forward_progress(stderr: impl Read, progress: bool) -> (String, bool) {
    const STATUS: &[&str] = &[
        "Compiling ",
        "Downloading ",
        "Downloaded ",
        "Updating ",
        "Locking ",
        "Blocking ",
    ];
    let mut text = String::new();
    let mut compiled = false;
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        let status = line.trim_start();
        if STATUS.iter().any(|s| status.starts_with(s)) {
            compiled |= status.starts_with("Compiling ");
            if progress {
                show(status);
            }
        }
        text.push_str(&line);
        text.push('\n');
    }
    (text, compiled)
}

/// One line on the process's stderr, written directly rather than with `eprintln!`, which
/// the test harness captures.
fn show(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "rlplugin: {line}");
}

/// `<target>/rlplugin-guests`, where `<target>` is the directory cargo built the
/// running test binary in, so every guest of every test in a workspace shares one
/// dependency cache.
fn guest_target_dir(crate_dir: &Path) -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| target_dir_of(&exe))
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| crate_dir.join("target"));
    target.join("rlplugin-guests")
}

/// Files cargo leaves at the root of a target directory: its cache-directory tag, which it
/// writes only when it creates the directory itself (not when a script made `target/`
/// first), and its cache of rustc's version, which it writes on a build.
const TARGET_ROOT_MARKS: [&str; 2] = ["CACHEDIR.TAG", ".rustc_info.json"];

/// The cargo target directory that holds the binary `exe`, if any.
fn target_dir_of(exe: &Path) -> Option<PathBuf> {
    exe.ancestors()
        .skip(1)
        .find(|dir| {
            TARGET_ROOT_MARKS
                .iter()
                .any(|mark| dir.join(mark).is_file())
        })
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::{TARGET_ROOT_MARKS, target_dir_of};

    /// A test binary sits at `<target>/debug/deps/`; its target directory is found by
    /// either of cargo's marks, and a binary outside any target directory has none.
    #[test]
    fn a_binary_is_placed_in_its_target_dir_by_either_of_cargos_marks() {
        let scratch = tempfile::tempdir().unwrap();
        let target = scratch.path().join("checkout").join("target");
        let deps = target.join("debug").join("deps");
        fs::create_dir_all(&deps).unwrap();
        let exe = deps.join("plugin-0123abcd");
        assert_eq!(target_dir_of(&exe), None, "no mark yet");
        for mark in TARGET_ROOT_MARKS {
            fs::write(target.join(mark), "").unwrap();
            assert_eq!(target_dir_of(&exe), Some(target.clone()), "{mark} alone");
            fs::remove_file(target.join(mark)).unwrap();
        }
    }

    /// The test binary running this test was built by cargo: its own target directory is
    /// found, whatever made `target/` first.
    #[test]
    fn the_running_test_binary_has_a_target_dir() {
        let exe = std::env::current_exe().unwrap();
        let target = target_dir_of(&exe).expect("cargo marks the target directory it builds in");
        assert!(
            exe.starts_with(&target),
            "{} outside {}",
            exe.display(),
            target.display()
        );
    }
}
