//! The fixture guests in `tests/fixtures/`, built for wasm32-unknown-unknown: exactly the
//! function exports rustledger needs plus the panic record, its memory as `memory`, no
//! imports at all, an ABI handshake that returns the constant 1, and a minimal plugin that
//! has not grown. Size builds (opt-level "s") get the SDK's small form, which decodes and
//! encodes exactly as the default form does.
//!
//! rustc's linker invocation always adds two global exports, `__heap_base` and `__data_end`,
//! to a wasm `cdylib`; the host ignores every export it does not look up, so they are
//! tolerated (and nothing else is).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use wasmparser::{ExternalKind, Operator, Parser, Payload};

/// Copies a fixture next to the test's scratch files (so its lockfile and build output never
/// land in the source tree), points its `rlplugin` dependency here, and builds it. Returns
/// the module and cargo's JSON messages.
fn build(fixture: &str) -> (Vec<u8>, String) {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = scratch.join("fixtures").join(fixture);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let source = sdk.join("tests/fixtures").join(fixture);
    let manifest = std::fs::read_to_string(source.join("Cargo.toml"))
        .unwrap()
        .replace(
            r#"path = "../../..""#,
            &format!("path = {:?}", sdk.display().to_string()),
        );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(source.join("src/lib.rs"), dir.join("src/lib.rs")).unwrap();
    // Start from the workspace's lockfile so the guest uses the versions CI tested.
    let lockfile = sdk.parent().unwrap().join("Cargo.lock");
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(lockfile, dir.join("Cargo.lock")).unwrap();
    }

    let output = cargo(&dir, &scratch.join("guests"))
        .args(["build", "--release", "--target", "wasm32-unknown-unknown"])
        .args(["--message-format", "json-render-diagnostics"])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "building fixture {fixture} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let messages = String::from_utf8_lossy(&output.stdout).into_owned();
    let wasm = artifact(&messages)
        .unwrap_or_else(|| panic!("cargo reported no .wasm for fixture {fixture}"));
    (std::fs::read(wasm).unwrap(), messages)
}

/// `cargo` in `dir`, building into `target`, without the caller's flags and wrappers.
fn cargo(dir: &Path, target: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER");
    command
}

/// The cfgs rlplugin's build script set, from cargo's JSON messages.
fn sdk_cfgs(messages: &str) -> Vec<String> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "build-script-executed"
                && message["package_id"]
                    .as_str()
                    .is_some_and(|id| id.contains("#rlplugin@"))
        })
        .flat_map(|message| {
            message["cfgs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `.wasm` named by cargo's last `compiler-artifact` message.
fn artifact(messages: &str) -> Option<PathBuf> {
    messages.lines().rev().find_map(|line| {
        let message: serde_json::Value = serde_json::from_str(line).ok()?;
        if message["reason"] != "compiler-artifact" {
            return None;
        }
        message["filenames"]
            .as_array()?
            .iter()
            .filter_map(serde_json::Value::as_str)
            .find(|file| file.ends_with(".wasm"))
            .map(PathBuf::from)
    })
}

struct Module {
    functions: BTreeSet<String>,
    others: BTreeSet<String>,
    imports: Vec<String>,
    /// Body operators of each exported function, by export name.
    bodies: Vec<(String, Vec<String>)>,
}

fn inspect(wasm: &[u8]) -> Module {
    let mut functions = BTreeSet::new();
    let mut others = BTreeSet::new();
    let mut imports = Vec::new();
    let mut exported_functions = Vec::new();
    let mut imported_functions = 0;
    let mut bodies = Vec::new();
    let mut function = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.unwrap();
                    imported_functions += 1;
                    imports.push(format!("{}::{}", import.module, import.name));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.unwrap();
                    if export.kind == ExternalKind::Func {
                        functions.insert(export.name.to_owned());
                        exported_functions.push((export.index, export.name.to_owned()));
                    } else {
                        others.insert(format!("{:?} {}", export.kind, export.name));
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let index = imported_functions + function;
                function += 1;
                for (_, name) in exported_functions.iter().filter(|(i, _)| *i == index) {
                    let operators = body
                        .get_operators_reader()
                        .unwrap()
                        .into_iter()
                        .map(|op| format!("{:?}", op.unwrap()))
                        .collect();
                    bodies.push((name.clone(), operators));
                }
            }
            _ => {}
        }
    }
    Module {
        functions,
        others,
        imports,
        bodies,
    }
}

fn names(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|&name| name.to_owned()).collect()
}

fn assert_only_memory_and_rustc_globals(module: &Module) {
    assert_eq!(
        module.others,
        names(&["Memory memory", "Global __data_end", "Global __heap_base"])
    );
}

fn assert_abi_version_is_constant_one(module: &Module) {
    let (_, body) = module
        .bodies
        .iter()
        .find(|(name, _)| name == "__rustledger_abi_version")
        .expect("the ABI export is a function defined in the module");
    let one = format!("{:?}", Operator::I32Const { value: 1 });
    assert_eq!(body, &[one, format!("{:?}", Operator::End)]);
}

#[test]
fn minimal_plugin_exports_exactly_the_plugin_abi_and_has_not_grown() {
    // The fixture's profile is the issue's: opt-level "s", LTO, codegen-units 1, strip,
    // panic=abort.
    let (wasm, messages) = build("minimal-plugin");
    assert_eq!(
        sdk_cfgs(&messages),
        ["rlplugin_small"],
        "a size build gets the SDK's small form"
    );
    let module = inspect(&wasm);
    assert_eq!(module.imports, Vec::<String>::new());
    assert_eq!(
        module.functions,
        names(&[
            "alloc",
            "process",
            "__rustledger_abi_version",
            rlplugin::PANIC_INFO_EXPORT,
        ])
    );
    assert_only_memory_and_rustc_globals(&module);
    assert_abi_version_is_constant_one(&module);
    eprintln!("minimal plugin: {} bytes", wasm.len());
    // Issue 3's target is 50 KB; measured 46,314 bytes (the guard leaves 2%). What keeps it
    // there, each worth kilobytes: the small form (no fast path, no forced inlining); no
    // bounds-check panic in SDK code, so neither `usize` formatting nor an SDK source path is
    // linked; rlplugin-types drops nothing out of line (see its lib.rs), so the author's drop
    // glue vanishes; helpers that would be inlined at dozens of sites stay out of line.
    assert!(
        !wasm.windows(14).any(|bytes| bytes == b"guest-sdk/src/"),
        "an SDK source path (a panic location) is linked into the minimal plugin"
    );
    assert!(
        wasm.len() <= 47_240,
        "minimal plugin grew to {} bytes",
        wasm.len()
    );
}

#[test]
fn importer_exports_exactly_the_importer_abi() {
    let module = inspect(&build("importer").0);
    assert_eq!(module.imports, Vec::<String>::new());
    assert_eq!(
        module.functions,
        names(&[
            "alloc",
            "metadata",
            "identify",
            "extract",
            "extract_enriched",
            "__rustledger_abi_version",
            rlplugin::PANIC_INFO_EXPORT,
        ])
    );
    assert_only_memory_and_rustc_globals(&module);
    assert_abi_version_is_constant_one(&module);
}

/// The small form leaves the fast path out and inlining to the compiler; what a
/// guest decodes and encodes must not change. Reruns the codec's compatibility suite and the
/// macro pipeline against rustledger's own types with rlplugin built at opt-level "s".
#[test]
fn small_form_decodes_and_encodes_like_the_default_form() {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let output = cargo(sdk, &scratch.join("small-form"))
        .args(["test", "-p", "rlplugin"])
        .args(["--test", "codec_compat", "--test", "pipeline"])
        .args(["--config", "profile.dev.package.rlplugin.opt-level = \"s\""])
        .args(["--message-format", "json-render-diagnostics"])
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the suites failed with the small form:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(sdk_cfgs(&stdout), ["rlplugin_small"]);
    let passed: Vec<usize> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    assert!(
        passed.len() == 2 && passed.iter().all(|&n| n > 0),
        "both suites ran tests: {passed:?}"
    );
}
