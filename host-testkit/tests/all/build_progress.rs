//! What a guest build prints on stderr. The kit writes it straight to the process's
//! stderr, past the test harness's capture, so each scenario runs in a child process (this
//! test binary again, running only `build_progress_child`) whose stderr is read here.

use std::path::{Path, PathBuf};
use std::process::Command;

use rlplugin_testkit::Guest;

/// The crate the child builds; its presence is what makes the child test do anything.
const CHILD_CRATE: &str = "RLPLUGIN_TEST_BUILD_PROGRESS_CRATE";
/// Set when the child builds with `.quiet()`.
const CHILD_QUIET: &str = "RLPLUGIN_TEST_BUILD_PROGRESS_QUIET";

#[test]
#[ignore = "a child process of a_first_build_shows_cargo_progress_then_its_time"]
fn build_progress_child() {
    let dir = PathBuf::from(std::env::var_os(CHILD_CRATE).expect("the crate to build"));
    let build = || {
        let build = Guest::build().crate_dir(&dir);
        if std::env::var_os(CHILD_QUIET).is_some() {
            build.quiet()
        } else {
            build
        }
    };
    let first = build().run().expect("the probe builds");
    // Asked again in the same process: the cached guest, and nothing more on stderr.
    let again = build().run().expect("the cached probe");
    assert_eq!(first.wasm_bytes(), again.wasm_bytes());
}

/// A guest crate with no dependencies, written anew so cargo compiles it again.
fn write_probe(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"build-progress-probe\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [lib]\ncrate-type = [\"cdylib\"]\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "#[unsafe(no_mangle)]\npub extern \"C\" fn __rustledger_abi_version() -> i32 { 1 }\n\
         #[unsafe(no_mangle)]\npub extern \"C\" fn alloc(len: i32) -> i32 { len }\n\
         #[unsafe(no_mangle)]\npub extern \"C\" fn process(_ptr: i32, _len: i32) -> i64 { 0 }\n",
    )
    .unwrap();
}

/// The child's `rlplugin: …` lines.
fn progress_of_a_child_build(dir: &Path, quiet: bool) -> Vec<String> {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", "build_progress::build_progress_child"])
        .args(["--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_CRATE, dir);
    if quiet {
        child.env(CHILD_QUIET, "1");
    } else {
        child.env_remove(CHILD_QUIET);
    }
    let out = child.output().expect("the test binary runs again");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the child build failed:\n{stderr}");
    // Other tests of this binary build guests in the same target directory at the same
    // time; cargo's wait for their lock is theirs, not this build's progress.
    stderr
        .lines()
        .filter(|line| line.starts_with("rlplugin: "))
        .filter(|line| !line.starts_with("rlplugin: Blocking waiting for file lock"))
        .map(str::to_owned)
        .collect()
}

/// A build that compiles shows cargo's `Compiling …` lines as they come, then one line
/// with the time; `.quiet()` shows nothing, and neither does a build with nothing to
/// compile or a second request in the same process.
#[test]
fn a_first_build_shows_cargo_progress_then_its_time() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-progress-probe");
    write_probe(&dir);
    let dir = std::fs::canonicalize(&dir).unwrap();
    let lines = progress_of_a_child_build(&dir, false);
    assert_eq!(
        lines.first().map(String::as_str),
        Some(
            format!(
                "rlplugin: Compiling build-progress-probe v0.1.0 ({})",
                dir.display()
            )
            .as_str()
        ),
        "{lines:#?}"
    );
    let last = lines.last().unwrap();
    let seconds = last
        .strip_prefix("rlplugin: built guest `build_progress_probe` for wasm32-unknown-unknown in ")
        .and_then(|rest| rest.strip_suffix(" s"))
        .unwrap_or_else(|| panic!("a closing line with the time: {lines:#?}"));
    assert!(seconds.parse::<f64>().is_ok_and(|s| s >= 0.0), "{last}");
    assert_eq!(
        lines.iter().filter(|l| l.contains("built guest")).count(),
        1,
        "the cached second request prints nothing: {lines:#?}"
    );
    assert!(
        lines[..lines.len() - 1]
            .iter()
            .all(|l| l.starts_with("rlplugin: Compiling ")),
        "only cargo's status lines, no warnings or JSON: {lines:#?}"
    );

    let unchanged = progress_of_a_child_build(&dir, false);
    assert!(unchanged.is_empty(), "nothing compiled: {unchanged:#?}");

    write_probe(&dir);
    let quiet = progress_of_a_child_build(&dir, true);
    assert!(quiet.is_empty(), "quiet: {quiet:#?}");
}
