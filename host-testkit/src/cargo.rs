//! The one way anything in this workspace starts cargo to build guests: the kit's
//! [`Guest::build`](crate::Guest::build), and the benchmark and its tests.

use std::process::Command;

/// Environment of the outer `cargo test` (or `cargo run`) that must not leak into a guest
/// build: flags for the host target, coverage instrumentation, wrappers and target-dir
/// overrides would change or break a wasm build, and a jobserver from the outer cargo is not
/// the inner one's to use.
const SCRUBBED: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_BUILD_DIR",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "LLVM_PROFILE_FILE",
    "CARGO_INCREMENTAL",
    "CARGO_MANIFEST_DIR",
    "CARGO_PRIMARY_PACKAGE",
];

/// Prefixes of scrubbed variables: per-target settings (`CARGO_TARGET_<triple>_RUNNER`,
/// `…_RUSTFLAGS`), cargo-llvm-cov's settings and cargo's internal variables.
const SCRUBBED_PREFIXES: &[&str] = &["CARGO_TARGET_", "CARGO_LLVM_COV", "__CARGO"];

/// Names the program run as cargo when set.
const PROGRAM_VARIABLE: &str = "RLPLUGIN_CARGO";

/// A `cargo` command for building guests from inside another cargo run, with every variable
/// of the outer run that would change or break the inner build removed. Add the subcommand,
/// its arguments and the target directory; nothing else is set.
///
/// The program is `$RLPLUGIN_CARGO` if set, else `cargo` from `PATH` (rustup's proxy, which
/// honours the guest crate's own `rust-toolchain.toml`).
///
/// ```
/// let command = rlplugin_testkit::cargo::command();
/// assert!(command.get_program().to_string_lossy().contains("cargo"));
/// ```
pub fn command() -> Command {
    let mut command =
        Command::new(std::env::var_os(PROGRAM_VARIABLE).unwrap_or_else(|| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if scrubbed(key) {
            command.env_remove(key);
        }
    }
    command
}

fn scrubbed(key: &str) -> bool {
    SCRUBBED.contains(&key) || SCRUBBED_PREFIXES.iter().any(|p| key.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_flags_wrappers_and_target_overrides_are_scrubbed() {
        for key in [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_TARGET",
            "RUSTC_WRAPPER",
            "CARGO_TARGET_DIR",
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER",
            "CARGO_LLVM_COV_TARGET_DIR",
            "LLVM_PROFILE_FILE",
        ] {
            assert!(scrubbed(key), "{key} must not reach a guest build");
        }
    }

    #[test]
    fn the_toolchain_and_the_home_directories_pass_through() {
        for key in [
            "RUSTUP_TOOLCHAIN",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "PATH",
            "HOME",
            "CARGO",
        ] {
            assert!(!scrubbed(key), "{key} is needed by the guest build");
        }
    }

    #[test]
    fn variables_set_in_this_process_are_removed_from_the_command() {
        // Cargo sets CARGO_MANIFEST_DIR for every test process it runs.
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let command = command();
        let removed: Vec<_> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(key, _)| key.to_string_lossy().into_owned())
            .collect();
        assert!(removed.iter().any(|key| key == "CARGO_MANIFEST_DIR"));
        assert!(removed.iter().all(|key| scrubbed(key)), "{removed:?}");
    }
}
