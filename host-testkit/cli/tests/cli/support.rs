//! What every CLI test needs: the binary driven as a user drives it, a scratch directory
//! of the test's own, and the example plugins built once per test process.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rlplugin_testkit::Guest;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn demo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("demo")
        .join(name)
}

/// One test's scratch directory, removed when the test ends (also when it fails), so
/// tests and test processes running at once never see each other's files. It lives under
/// cargo's per-target test directory rather than the system temp directory: CI fails a
/// suite that leaves anything in the system temp directory, and a test killed mid-way
/// leaves its directory behind.
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new() -> Scratch {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(root).expect("cargo's test directory");
        let dir = tempfile::Builder::new()
            .prefix("rlplugin-cli-")
            .tempdir_in(root)
            .expect("a scratch directory");
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path().join(name)
    }

    /// `text` written to `name`.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `wat` assembled into `name.wasm`.
    pub fn wat(&self, name: &str, wat: &str) -> PathBuf {
        let path = self.join(format!("{name}.wasm"));
        std::fs::write(&path, wat::parse_str(wat).expect("test WAT assembles")).unwrap();
        path
    }

    /// The example's module as a `.wasm` file named as the crate's artifact is.
    pub fn example(&self, name: &str) -> PathBuf {
        let path = self.join(format!("{}.wasm", name.replace('-', "_")));
        std::fs::write(&path, &*example_wasm(name)).unwrap();
        path
    }

    /// [`LEDGER`] as `small.beancount`.
    pub fn ledger(&self) -> PathBuf {
        self.file("small.beancount", LEDGER)
    }
}

/// The example's module, built once per process (tests that want it at once wait for the
/// one build).
fn example_wasm(name: &str) -> Arc<Vec<u8>> {
    static BUILT: OnceLock<Mutex<HashMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(bytes) = built.get(name) {
        return Arc::clone(bytes);
    }
    let guest = Guest::build()
        .crate_dir(repo().join("examples").join(name))
        .run()
        .unwrap_or_else(|e| panic!("example {name} builds: {e}"));
    let bytes = Arc::new(guest.wasm_bytes().to_vec());
    built.insert(name.to_owned(), Arc::clone(&bytes));
    bytes
}

/// A two-directive ledger for the commands that need any ledger at all.
pub const LEDGER: &str = "option \"operating_currency\" \"USD\"\n\n2024-01-01 open Assets:Cash USD\n2024-01-01 open Expenses:Food USD\n\n2024-01-02 * \"Shop\" \"bread\"\n  Assets:Cash  -2.50 USD\n  Expenses:Food\n";

pub const CATEGORIZE_RULES: &str = r#"{"rules":[{"payee":"rewe","account":"Expenses:Groceries"},{"payee":"amazon","account":"Expenses:Shopping","tag":"online"}]}"#;

pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Where the binary's stdout goes.
pub enum Stdout {
    /// Captured into [`Ran::stdout`].
    Piped,
    /// A pipe whose reader is already gone, as in `rlplugin … | head -0`.
    Closed,
    /// `/dev/full`: every write fails with "no space left on device".
    Full,
}

/// Runs the binary, failing the test if it takes longer than `timeout`, is killed by a
/// signal, panics (exit 101) or aborts (134).
pub fn rlplugin_with(
    args: &[&dyn AsRef<std::ffi::OsStr>],
    stdout: Stdout,
    env: &[(&str, &Path)],
    timeout: Duration,
) -> Ran {
    spawn(args, stdout, env, timeout, None)
}

/// Runs the binary in `dir` with stdout captured, as a user in that directory would.
pub fn rlplugin_in(dir: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Ran {
    spawn(
        args,
        Stdout::Piped,
        &[],
        Duration::from_secs(900),
        Some(dir),
    )
}

fn spawn(
    args: &[&dyn AsRef<std::ffi::OsStr>],
    stdout: Stdout,
    env: &[(&str, &Path)],
    timeout: Duration,
    dir: Option<&Path>,
) -> Ran {
    let stdout = match stdout {
        Stdout::Piped => Stdio::piped(),
        Stdout::Closed => {
            let (reader, writer) = std::io::pipe().expect("a pipe");
            drop(reader);
            Stdio::from(writer)
        }
        Stdout::Full => Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full"),
        ),
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_rlplugin"));
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command
        .args(args.iter().map(|a| a.as_ref()))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for rlplugin") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rlplugin did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let ran = Ran {
        code: status
            .code()
            .unwrap_or_else(|| panic!("rlplugin was killed: {status}")),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    };
    // A panic of the binary itself, not a guest's panic record ("guest panicked at …").
    let binary_panicked = ran
        .stderr
        .lines()
        .any(|line| line.starts_with("thread '") && line.contains("panicked at"));
    assert!(
        ran.code != 101 && ran.code != 134 && !binary_panicked,
        "rlplugin panicked or aborted ({}):\n{}",
        ran.code,
        ran.stderr
    );
    // Output is piped here, so anstream must have stripped every colour unless the test
    // forces it.
    let forced = env.iter().any(|(key, _)| *key == "CLICOLOR_FORCE")
        || args.iter().any(|a| a.as_ref() == "always");
    assert!(
        forced || (!ran.stdout.contains('\x1b') && !ran.stderr.contains('\x1b')),
        "escape codes on a non-terminal:\n{}{}",
        ran.stdout,
        ran.stderr
    );
    ran
}

/// Runs the binary with stdout captured; cargo builds inside `demo` set the time limit.
pub fn rlplugin(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Ran {
    rlplugin_with(args, Stdout::Piped, &[], Duration::from_secs(900))
}

/// Whether `output` holds a diagnostic whose first line starts with `title` (`error: …`)
/// and whose next line points at `location` (`file:line:`).
pub fn shows(output: &str, title: &str, location: &str) -> bool {
    let lines: Vec<&str> = output.lines().collect();
    lines.windows(2).any(|pair| {
        pair[0].starts_with(title)
            && pair[1].trim_start().starts_with("--> ")
            && pair[1].contains(location)
    })
}
