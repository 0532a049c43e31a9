//! rustledger-plugin-types 0.24's own test files, unchanged, against rlplugin through the
//! dependency rename the README promises. The files are taken at test time from cargo's
//! copy of that crate (a dev-dependency, so cargo has fetched it) and never copied into
//! this repository: they are GPL-3.0, rlplugin is not.
//!
//! A scratch crate gets those files as its `tests/`, the suite's dev-dependencies, and
//! `rustledger-plugin-types = { package = "rlplugin", path = …, features = ["guest"] }`;
//! its own `guest` feature is on, as upstream runs the files with `--features guest`.
//! Its target directory stays under this workspace's `target/`, so later runs are quick.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const UPSTREAM: &str = "rustledger-plugin-types";
const VERSION: &str = "0.24.0";

/// The kit's cargo launcher in `dir`, building into `target`.
fn cargo(dir: &Path, target: &Path) -> Command {
    let mut command = rlplugin_testkit::cargo::command();
    command.current_dir(dir).env("CARGO_TARGET_DIR", target);
    command
}

/// The upstream package as `cargo metadata` describes it.
fn upstream_package(workspace: &Path, target: &Path) -> Value {
    let output = cargo(workspace, target)
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|package| package["name"] == UPSTREAM && package["version"] == VERSION)
        .unwrap_or_else(|| panic!("{UPSTREAM} {VERSION} is not in the workspace's dependencies"))
        .clone()
}

/// The names of the `#[test]` functions in `source`.
fn test_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut lines = source.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "#[test]" {
            continue;
        }
        let name = lines.find_map(|line| {
            let rest = line.strip_prefix("fn ")?;
            Some(rest.split('(').next()?.to_owned())
        });
        names.extend(name);
    }
    names
}

#[test]
fn rustledgers_own_suite_passes_against_rlplugin() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the bench lives at host-testkit/bench");
    let sdk = workspace.join("guest-sdk");
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("upstream-suite");
    let target = scratch.join("target");
    let package = upstream_package(workspace, &target);
    let upstream_dir = PathBuf::from(package["manifest_path"].as_str().expect("manifest_path"))
        .parent()
        .expect("a manifest has a directory")
        .to_path_buf();

    let dir = scratch.join("crate");
    let tests = dir.join("tests");
    if tests.exists() {
        std::fs::remove_dir_all(&tests).unwrap();
    }
    std::fs::create_dir_all(&tests).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();

    let mut expected = BTreeSet::new();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(upstream_dir.join("tests")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            let source = std::fs::read_to_string(&path).unwrap();
            let names = test_names(&source);
            assert!(!names.is_empty(), "{} has no tests", path.display());
            expected.extend(names);
            files.push(path.file_name().unwrap().to_owned());
            std::fs::copy(&path, tests.join(path.file_name().unwrap())).unwrap();
        }
    }
    for macro_test in ["plugin_macro_compiles.rs", "guest_macro_compiles.rs"] {
        assert!(
            files.iter().any(|file| file == macro_test),
            "{UPSTREAM} {VERSION} no longer ships {macro_test}: {files:?}"
        );
    }

    // The suite's dev-dependencies, as its own manifest declares them.
    let dev_dependencies: String = package["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .filter(|dependency| dependency["kind"] == "dev")
        .map(|dependency| {
            format!(
                "{} = {:?}\n",
                dependency["name"].as_str().unwrap(),
                dependency["req"].as_str().unwrap()
            )
        })
        .collect();
    let manifest = format!(
        "[package]\n\
         name = \"upstream-suite\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\n\
         [workspace]\n\n\
         [features]\n\
         default = [\"guest\"]\n\
         guest = []\n\n\
         [dependencies]\n\
         {UPSTREAM} = {{ package = \"rlplugin\", path = {sdk:?}, features = [\"guest\"] }}\n\n\
         [dev-dependencies]\n\
         {dev_dependencies}",
        sdk = sdk.display().to_string(),
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The versions this workspace is tested with.
    std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let output = cargo(&dir, &target)
        .args(["test", "--tests"])
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{UPSTREAM} {VERSION}'s tests fail against rlplugin:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let passed: BTreeSet<String> = stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            Some(rest.strip_suffix(" ... ok")?.to_owned())
        })
        .collect();
    let missing: Vec<_> = expected.difference(&passed).collect();
    assert!(missing.is_empty(), "did not pass: {missing:?}\n{stdout}");
}
