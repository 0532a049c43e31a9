//! What several of this crate's integration tests share.

use std::path::Path;
use std::process::Command;

/// Environment of the outer `cargo test` that must not reach a nested cargo: flags for the
/// host target, wrappers, coverage instrumentation, target-dir overrides and the outer
/// jobserver would change or break the nested build.
const SCRUBBED: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
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
    "CARGO_MANIFEST_DIR",
    "CARGO_PRIMARY_PACKAGE",
];
const SCRUBBED_PREFIXES: &[&str] = &["CARGO_TARGET_", "CARGO_LLVM_COV", "__CARGO"];

/// `cargo` in `dir`, building into `target`, without the caller's flags and wrappers.
pub fn cargo(dir: &Path, target: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if SCRUBBED.contains(&key) || SCRUBBED_PREFIXES.iter().any(|p| key.starts_with(p)) {
            command.env_remove(key);
        }
    }
    command.current_dir(dir).env("CARGO_TARGET_DIR", target);
    command
}
