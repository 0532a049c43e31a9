//! Real builds of the benchmark's rlplugin guests for wasm32-unknown-unknown: exactly the
//! function exports rustledger needs plus the panic record, its memory as `memory`, no
//! imports at all, and an ABI handshake that returns the constant 1. Size builds
//! (opt-level "s") get the SDK's small form, which decodes and encodes exactly as the
//! default form does.
//!
//! rustc's linker invocation always adds two global exports, `__heap_base` and `__data_end`,
//! to a wasm `cdylib`; the host ignores every export it does not look up, so they are
//! tolerated (and nothing else is).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use rlplugin_bench::fuel::{self, GuestKind, Sdk};
use rlplugin_types::{ABI_VERSION, ABI_VERSION_EXPORT, PANIC_INFO_EXPORT};
use wasmparser::{ExternalKind, Operator, Parser, Payload};

/// The rlplugin guests whose exports are checked, built once per test process.
fn guest(kind: GuestKind) -> &'static fuel::Guest {
    static GUESTS: OnceLock<Vec<fuel::Guest>> = OnceLock::new();
    GUESTS
        .get_or_init(|| {
            let kinds = [
                GuestKind::Minimal,
                GuestKind::Importer,
                GuestKind::ViewValidator,
            ];
            fuel::build(&[Sdk::Rlplugin], &kinds).unwrap_or_else(|e| panic!("{e}"))
        })
        .iter()
        .find(|g| g.kind == kind)
        .expect("every guest was built")
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

fn assert_abi_version_is_constant(module: &Module) {
    let (_, body) = module
        .bodies
        .iter()
        .find(|(name, _)| name == ABI_VERSION_EXPORT)
        .expect("the ABI export is a function defined in the module");
    let version = i32::try_from(ABI_VERSION).expect("a small version");
    let constant = format!("{:?}", Operator::I32Const { value: version });
    assert_eq!(body, &[constant, format!("{:?}", Operator::End)]);
}

#[test]
fn minimal_plugin_exports_exactly_the_plugin_abi() {
    let minimal = guest(GuestKind::Minimal);
    assert_eq!(
        minimal.sdk_cfgs,
        ["rlplugin_small"],
        "a size build gets the SDK's small form"
    );
    let wasm = minimal.guest.wasm_bytes();
    let module = inspect(wasm);
    assert_eq!(module.imports, Vec::<String>::new());
    assert_eq!(
        module.functions,
        names(&["alloc", "process", ABI_VERSION_EXPORT, PANIC_INFO_EXPORT])
    );
    assert_only_memory_and_rustc_globals(&module);
    assert_abi_version_is_constant(&module);
    // What keeps the module small, each worth kilobytes: the small form (no fast path, no
    // forced inlining); no bounds-check panic in SDK code, so neither `usize` formatting nor
    // an SDK source path is linked; rlplugin-types drops nothing out of line (see its
    // lib.rs), so the author's drop glue vanishes; helpers that would be inlined at dozens
    // of sites stay out of line. The size itself is guarded against the benchmark's figure.
    assert!(
        !wasm.windows(14).any(|bytes| bytes == b"guest-sdk/src/"),
        "an SDK source path (a panic location) is linked into the minimal plugin"
    );
}

#[test]
fn view_plugin_exports_exactly_the_plugin_abi() {
    let module = inspect(guest(GuestKind::ViewValidator).guest.wasm_bytes());
    assert_eq!(module.imports, Vec::<String>::new());
    assert_eq!(
        module.functions,
        names(&["alloc", "process", ABI_VERSION_EXPORT, PANIC_INFO_EXPORT])
    );
    assert_only_memory_and_rustc_globals(&module);
    assert_abi_version_is_constant(&module);
}

#[test]
fn importer_exports_exactly_the_importer_abi() {
    let importer = guest(GuestKind::Importer);
    assert_eq!(
        importer.sdk_cfgs,
        ["rlplugin_in_place"],
        "an opt-level 3 build gets the SDK's default form, which decodes the host's input \
         in place under the arena"
    );
    let module = inspect(importer.guest.wasm_bytes());
    assert_eq!(module.imports, Vec::<String>::new());
    assert_eq!(
        module.functions,
        names(&[
            "alloc",
            "metadata",
            "identify",
            "extract",
            "extract_enriched",
            ABI_VERSION_EXPORT,
            PANIC_INFO_EXPORT,
        ])
    );
    assert_only_memory_and_rustc_globals(&module);
    assert_abi_version_is_constant(&module);
}

/// The small form leaves the fast path out and inlining to the compiler; what a guest
/// decodes and encodes must not change. Reruns the codec's compatibility suite and the
/// macro pipeline against rustledger's own types with rlplugin built at opt-level "s".
#[test]
fn small_form_decodes_and_encodes_like_the_default_form() {
    let workspace = rlplugin_bench::figures::workspace_root();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let output = rlplugin_testkit::cargo::command()
        .current_dir(&workspace)
        .env("CARGO_TARGET_DIR", scratch.join("small-form"))
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
    assert!(
        stdout
            .lines()
            .any(|line| line.contains("\"reason\":\"build-script-executed\"")
                && line.contains("#rlplugin@")
                && line.contains("\"cfgs\":[\"rlplugin_small\"]")),
        "rlplugin's build script did not select the small form"
    );
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
