//! `rlplugin check`: what rustledger 0.24 will think of a module, without running its code.
//!
//! The verdict comes from the production engine itself (`Module::validate` on
//! rustledger's `shared_engine`), so a wasm feature the sandbox rejects is rejected here for
//! the same reason. wasmparser then explains *which* feature: the module is validated once
//! per rejected proposal with everything else allowed, and a proposal whose removal makes
//! validation fail is one the module needs. The load-time checks rustledger adds on top
//! (no imports, required exports by name) and the call-time ones (export signatures, the
//! ABI handshake) are replayed from the parsed module; only the ABI export is executed, in
//! a production sandbox store, because that is cheap and has no effects.

use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use wasmparser::{
    CompositeInnerType, Encoding, ExternalKind, FuncType, Parser, Payload, TypeRef, Validator,
    WasmFeatures,
};

use crate::out::{StdoutError, outln};
use crate::style::{BAD, BOLD, DIM, OK, WARN, bytes, paint};

/// What is wrong with a file that is neither binary wasm nor WAT text; `check` and every
/// command that loads a plugin say the same.
pub const NOT_WASM: &str = "is not a wasm module (no `\\0asm` header): pass the `.wasm` file cargo built for wasm32-unknown-unknown";

use rlplugin_types::{
    ABI_VERSION_EXPORT as ABI_EXPORT, ALLOC_EXPORT, EXTRACT_ENRICHED_EXPORT, EXTRACT_EXPORT,
    IDENTIFY_EXPORT, IMPORTER_EXPORTS, METADATA_EXPORT, PLUGIN_EXPORTS, PROCESS_EXPORT,
};
const MAX_MEMORY_PAGES: u64 =
    (rustledger_plugin::sandbox::DEFAULT_SANDBOX_MAX_MEMORY / 65_536) as u64;

/// The proposals rustledger's sandbox switches off (`apply_proposal_disables`), with the
/// words a user would search for.
const REJECTED: [(WasmFeatures, &str); 9] = [
    (WasmFeatures::THREADS, "threads / shared memory"),
    (
        WasmFeatures::SHARED_EVERYTHING_THREADS,
        "shared-everything threads",
    ),
    (WasmFeatures::MULTI_MEMORY, "multi-memory"),
    (WasmFeatures::MEMORY64, "memory64"),
    (WasmFeatures::GC, "garbage collection (GC)"),
    (
        WasmFeatures::FUNCTION_REFERENCES,
        "typed function references",
    ),
    (WasmFeatures::STACK_SWITCHING, "stack switching"),
    (WasmFeatures::TAIL_CALL, "tail calls"),
    (WasmFeatures::COMPONENT_MODEL, "component model"),
];

/// Which host will drive the module, judged from its exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Plugin,
    Importer,
}

#[derive(Debug, Serialize)]
pub struct Export {
    pub name: String,
    pub kind: &'static str,
    /// `(i32, i32) -> i64` for functions, limits for memories and tables.
    pub signature: String,
}

#[derive(Debug, Serialize)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: &'static str,
}

/// What calling `__rustledger_abi_version` in a sandbox store gave.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Abi {
    Version { version: u32 },
    Missing,
    NotRun { reason: String },
}

#[derive(Debug, Serialize)]
pub struct Inspection {
    pub path: String,
    pub size: u64,
    /// `core module`, `component`, or `none` when the bytes are neither.
    pub encoding: &'static str,
    /// Whether the file is WAT text (then `encoding` is what it assembles to).
    pub text: bool,
    pub kind: Kind,
    pub exports: Vec<Export>,
    pub imports: Vec<Import>,
    pub abi: Abi,
    /// Proposals the module uses that the production sandbox disables.
    pub rejected_features: Vec<&'static str>,
    pub name_section: bool,
    pub producers: Vec<String>,
    pub loads: bool,
    /// Why it does not load (or fails on every call); empty when `loads`.
    pub reasons: Vec<String>,
    /// Things that do not stop it loading but a user should know.
    pub warnings: Vec<String>,
    /// Where WAT text stops assembling, when the file is WAT text that does not.
    pub text_error: Option<TextError>,
}

/// Where and why a WAT text file does not assemble.
#[derive(Debug, Serialize)]
pub struct TextError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in bytes.
    pub column: usize,
    pub message: String,
    /// The text of that line.
    pub source_line: String,
}

impl TextError {
    /// The error as the reason a module does not load.
    pub fn reason(&self) -> String {
        format!(
            "it is WAT text that does not assemble (line {}, column {}: {}): fix the text, or pass the binary `.wasm` cargo built",
            self.line, self.column, self.message
        )
    }
}

/// Whether `text` reads as WAT (its first token opens an s-expression), so a failure to
/// assemble it is worth showing where, rather than calling the file not wasm at all.
fn looks_like_wat(text: &str) -> bool {
    let mut rest = text.trim_start();
    while let Some(comment) = rest.strip_prefix(";;") {
        rest = comment.split_once('\n').map_or("", |(_, r)| r).trim_start();
    }
    rest.starts_with('(')
}

/// The first error in WAT `text`, located; `None` when it assembles or is not WAT.
pub fn wat_error(text: &str) -> Option<TextError> {
    if !looks_like_wat(text) {
        return None;
    }
    let assembled = wast::parser::ParseBuffer::new(text).and_then(|buffer| {
        let mut wat: wast::Wat = wast::parser::parse(&buffer)?;
        wat.encode().map(drop)
    });
    let error = assembled.err()?;
    let offset = error.span().offset().min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count() + 1;
    Some(TextError {
        line,
        column: offset - line_start + 1,
        message: error.message(),
        source_line: crate::diagnostic::nth_line(text, line)
            .unwrap_or_default()
            .to_owned(),
    })
}

#[derive(Default)]
struct Parsed {
    encoding: Option<Encoding>,
    exports: Vec<(String, ExternalKind, u32)>,
    imports: Vec<Import>,
    name_section: bool,
    producers: Vec<String>,
    parse_error: Option<String>,
}

fn parse(bytes: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = match payload {
            Ok(p) => p,
            Err(e) => {
                parsed.parse_error = Some(e.to_string());
                break;
            }
        };
        match payload {
            Payload::Version { encoding, .. } => {
                // Nested modules inside a component report their own version; keep the outer.
                parsed.encoding.get_or_insert(encoding);
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let Ok(import) = import else { break };
                    parsed.imports.push(Import {
                        module: import.module.to_owned(),
                        name: import.name.to_owned(),
                        kind: match import.ty {
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => "func",
                            TypeRef::Table(_) => "table",
                            TypeRef::Memory(_) => "memory",
                            TypeRef::Global(_) => "global",
                            TypeRef::Tag(_) => "tag",
                        },
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader.into_iter().flatten() {
                    parsed
                        .exports
                        .push((export.name.to_owned(), export.kind, export.index));
                }
            }
            Payload::CustomSection(section) => match section.name() {
                "name" => parsed.name_section = true,
                "producers" => {
                    if let wasmparser::KnownCustom::Producers(reader) = section.as_known() {
                        for field in reader.into_iter().flatten() {
                            for value in field.values.into_iter().flatten() {
                                parsed.producers.push(format!(
                                    "{}: {} {}",
                                    field.name, value.name, value.version
                                ));
                            }
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    parsed
}

fn func_signature(ty: &FuncType) -> String {
    let list = |types: &[wasmparser::ValType]| {
        types
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let results = ty.results();
    let results = match results.len() {
        0 => "()".to_owned(),
        1 => results[0].to_string(),
        _ => format!("({})", list(results)),
    };
    format!("({}) -> {results}", list(ty.params()))
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => "func",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}

fn features_used(bytes: &[u8]) -> Vec<&'static str> {
    let everything = WasmFeatures::all();
    if Validator::new_with_features(everything)
        .validate_all(bytes)
        .is_err()
    {
        return Vec::new();
    }
    REJECTED
        .iter()
        .filter(|(feature, _)| {
            Validator::new_with_features(everything.difference(*feature))
                .validate_all(bytes)
                .is_err()
        })
        .map(|(_, name)| *name)
        .collect()
}

/// The signatures the hosts call each export with.
fn expected_signature(kind: Kind, name: &str) -> Option<&'static str> {
    match (kind, name) {
        (_, ALLOC_EXPORT) => Some("(i32) -> i32"),
        (_, ABI_EXPORT) => Some("() -> i32"),
        (Kind::Plugin, PROCESS_EXPORT) => Some("(i32, i32) -> i64"),
        (Kind::Importer, METADATA_EXPORT) => Some("() -> i64"),
        (Kind::Importer, IDENTIFY_EXPORT | EXTRACT_EXPORT | EXTRACT_ENRICHED_EXPORT) => {
            Some("(i32, i32) -> i64")
        }
        _ => None,
    }
}

fn required_exports(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Plugin => &PLUGIN_EXPORTS,
        Kind::Importer => &IMPORTER_EXPORTS,
    }
}

fn call_abi_export(bytes: &[u8]) -> Abi {
    use rustledger_plugin::sandbox;
    let engine = sandbox::shared_engine();
    let module = match wasmtime::Module::new(&engine, bytes) {
        Ok(m) => m,
        Err(e) => {
            return Abi::NotRun {
                reason: format!("does not compile: {e}"),
            };
        }
    };
    let mut store = match sandbox::make_sandboxed_store(
        &engine,
        sandbox::DEFAULT_SANDBOX_MAX_MEMORY,
        sandbox::DEFAULT_SANDBOX_MAX_TIME_SECS,
    ) {
        Ok(s) => s,
        Err(e) => {
            return Abi::NotRun {
                reason: format!("no sandbox store: {e}"),
            };
        }
    };
    let linker = wasmtime::Linker::new(&engine);
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => {
            return Abi::NotRun {
                reason: format!("instantiation failed: {}", root_cause(&e)),
            };
        }
    };
    match sandbox::check_guest_abi(&instance, &mut store) {
        sandbox::AbiCheck::Match => Abi::Version {
            version: sandbox::HOST_ABI_VERSION,
        },
        sandbox::AbiCheck::Mismatch { found } => Abi::Version { version: found },
        sandbox::AbiCheck::Missing => Abi::Missing,
    }
}

fn root_cause(e: &wasmtime::Error) -> String {
    if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
        return trap.to_string();
    }
    e.root_cause().to_string()
}

/// An importer exports the importer entry points and no `process`; anything else is
/// driven as a plugin.
fn kind(parsed: &Parsed) -> Kind {
    let names: Vec<&str> = parsed.exports.iter().map(|(n, _, _)| n.as_str()).collect();
    if !names.contains(&PROCESS_EXPORT)
        && [METADATA_EXPORT, IDENTIFY_EXPORT, EXTRACT_EXPORT]
            .iter()
            .any(|n| names.contains(n))
    {
        Kind::Importer
    } else {
        Kind::Plugin
    }
}

/// Which host drives the module (binary wasm or WAT text), from its exports.
pub fn kind_of(wasm: &[u8]) -> Kind {
    match wat::parse_bytes(wasm) {
        Ok(binary) => kind(&parse(&binary)),
        Err(_) => Kind::Plugin,
    }
}

pub fn inspect(path: &Path) -> anyhow::Result<Inspection> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {}: check the path", path.display()))?;
    Ok(inspect_bytes(path.display().to_string(), &bytes))
}

pub fn inspect_bytes(path: String, bytes: &[u8]) -> Inspection {
    let original_size = bytes.len() as u64;
    let mut reasons = Vec::new();
    let mut warnings = Vec::new();
    // rledger 0.24's wasmtime is built with its `wat` feature, so a `.wasm` file holding
    // WAT text loads there; inspect what it compiles to, and say so.
    let compiled;
    let mut text_error = None;
    let text = !bytes.starts_with(b"\0asm") && std::str::from_utf8(bytes).is_ok_and(looks_like_wat);
    let bytes = if !bytes.starts_with(b"\0asm") && std::str::from_utf8(bytes).is_ok() {
        match wat::parse_bytes(bytes) {
            Ok(binary) => {
                warnings.push("the file is WAT text, not binary wasm: rustledger 0.24 happens to accept it, but ship the binary (`wasm-tools parse`)".to_owned());
                compiled = binary.into_owned();
                &compiled[..]
            }
            Err(_) => {
                text_error = std::str::from_utf8(bytes).ok().and_then(wat_error);
                bytes
            }
        }
    } else {
        bytes
    };
    let parsed = parse(bytes);
    let is_component = parsed.encoding == Some(Encoding::Component);

    let kind = kind(&parsed);

    let everything = Validator::new_with_features(WasmFeatures::all()).validate_all(bytes);
    let everything = everything.as_ref().map(|t| t.as_ref());
    let mut exports = Vec::new();
    for (name, ext, index) in &parsed.exports {
        let signature = match (&everything, ext) {
            (Ok(types), ExternalKind::Func | ExternalKind::FuncExact) => {
                match &types[types.core_function_at(*index)].composite_type.inner {
                    CompositeInnerType::Func(f) => func_signature(f),
                    _ => String::new(),
                }
            }
            (Ok(types), ExternalKind::Memory) => {
                let m = types.memory_at(*index);
                let max = m.maximum.map_or(String::new(), |x| format!(", max {x}"));
                format!("{} pages{max}", m.initial)
            }
            (Ok(types), ExternalKind::Table) => {
                let t = types.table_at(*index);
                format!("{} elements", t.initial)
            }
            _ => String::new(),
        };
        exports.push(Export {
            name: name.clone(),
            kind: kind_name(*ext),
            signature,
        });
    }

    let rejected_features = features_used(bytes);
    let engine = rustledger_plugin::sandbox::shared_engine();
    let engine_ok = match wasmtime::Module::validate(&engine, bytes) {
        Ok(()) => true,
        Err(e) => {
            if is_component {
                reasons.push(
                    "it is a component, and the sandbox runs only core modules (component model disabled): build for wasm32-unknown-unknown".to_owned(),
                );
            } else if let Some(error) = &text_error {
                reasons.push(error.reason());
            } else if !bytes.starts_with(b"\0asm") {
                reasons.push(format!("it {NOT_WASM}"));
            } else if let Some(error) = &parsed.parse_error {
                reasons.push(format!(
                    "it is not a valid wasm module ({error}): rebuild it for wasm32-unknown-unknown"
                ));
            } else if !rejected_features.is_empty() {
                reasons.push(format!(
                    "it uses {}, which the production sandbox disables",
                    rejected_features.join(", ")
                ));
            } else {
                reasons.push(format!(
                    "the production engine rejects it: {}",
                    root_cause(&e)
                ));
            }
            false
        }
    };

    if let Some(import) = parsed.imports.first() {
        let more = parsed.imports.len() - 1;
        let more = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        reasons.push(format!(
            "it imports {}::{}{more}; the sandbox provides no imports (no WASI): build for wasm32-unknown-unknown and drop the dependency that needs it",
            import.module, import.name
        ));
    }

    if !is_component && parsed.parse_error.is_none() {
        for required in required_exports(kind) {
            match exports.iter().find(|e| e.name == *required) {
                None => reasons.push(format!("it does not export `{required}`")),
                Some(e) if *required == "memory" && e.kind != "memory" => reasons.push(format!(
                    "its `memory` export is a {}, not a memory: rustledger 0.24 would crash (panic) loading it; export the linear memory as `memory`",
                    e.kind
                )),
                Some(e) => {
                    if let Some(want) = expected_signature(kind, required) {
                        if e.kind != "func" {
                            reasons.push(format!("its `{required}` export is a {}, not a function {want}", e.kind));
                        } else if !e.signature.is_empty() && e.signature != want {
                            reasons.push(format!(
                                "its `{required}` export has signature {}, the host calls it as {want}",
                                e.signature
                            ));
                        }
                    }
                }
            }
        }
        if let Some(memory) = exports.iter().find(|e| e.kind == "memory") {
            let pages: u64 = memory
                .signature
                .split(' ')
                .next()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if pages > MAX_MEMORY_PAGES {
                reasons.push(format!(
                    "its memory starts at {pages} pages ({}), above the sandbox's 256 MiB",
                    bytes_of_pages(pages)
                ));
            }
        }
    }

    let has_abi_func = exports
        .iter()
        .any(|e| e.name == ABI_EXPORT && e.kind == "func");
    let abi = if !engine_ok {
        Abi::NotRun {
            reason: "the module does not validate".to_owned(),
        }
    } else if !parsed.imports.is_empty() {
        Abi::NotRun {
            reason: "the module has imports".to_owned(),
        }
    } else if !has_abi_func {
        Abi::Missing
    } else {
        call_abi_export(bytes)
    };
    match &abi {
        Abi::Version { version: 1 } => {}
        Abi::Version { version } => reasons.push(format!(
            "it declares ABI v{version}; rustledger 0.24 requires v1: rebuild against a matching SDK"
        )),
        Abi::Missing if has_abi_func => reasons.push(format!(
            "its `{ABI_EXPORT}` export traps or is mistyped; it must return 1"
        )),
        Abi::Missing => {}
        Abi::NotRun { reason } if engine_ok && parsed.imports.is_empty() => {
            reasons.push(format!("it cannot be instantiated in the sandbox: {reason}"));
        }
        Abi::NotRun { .. } => {}
    }

    if !parsed.name_section && engine_ok {
        warnings.push(
            "no name section: backtraces will show function indices; keep names with `strip = false` or `debug = \"line-tables-only\"` in the release profile".to_owned(),
        );
    }

    Inspection {
        path,
        size: original_size,
        encoding: match parsed.encoding {
            Some(Encoding::Component) => "component",
            Some(Encoding::Module) => "core module",
            None => "none",
        },
        text,
        kind,
        exports,
        imports: parsed.imports,
        abi,
        rejected_features,
        name_section: parsed.name_section,
        producers: parsed.producers,
        loads: reasons.is_empty(),
        reasons,
        warnings,
        text_error,
    }
}

fn bytes_of_pages(pages: u64) -> String {
    bytes(pages.saturating_mul(65_536))
}

pub fn print(i: &Inspection) -> Result<(), StdoutError> {
    let kind = match i.kind {
        Kind::Plugin => "directive plugin",
        Kind::Importer => "importer",
    };
    let form = match (i.text, i.encoding) {
        (true, "none") => "WAT text that does not assemble".to_owned(),
        (true, encoding) => {
            format!("WAT text that assembles to a {encoding} (rledger 0.24 accepts WAT text)")
        }
        (false, "none") => "not a wasm module".to_owned(),
        (false, encoding) => encoding.to_owned(),
    };
    // What a file that is no module at all exports says nothing about its kind.
    let kind = if i.encoding == "none" {
        String::new()
    } else {
        format!(", {kind}")
    };
    outln!("{}  {}  {form}{kind}", paint(BOLD, &i.path), bytes(i.size))?;
    outln!("{}", paint(BOLD, "exports"))?;
    if i.exports.is_empty() {
        outln!("  {}", paint(DIM, "none"))?;
    }
    let width = i.exports.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for e in &i.exports {
        let expected = expected_signature(i.kind, &e.name);
        let mark = match expected {
            Some(want) if e.kind == "func" && e.signature == want => paint(OK, "ok"),
            Some(want) => paint(BAD, format!("expected {want}")),
            None if e.name == "memory" && e.kind == "memory" => paint(OK, "ok"),
            None if e.name == "memory" => paint(BAD, "must be a memory"),
            None => paint(DIM, "ignored by the host"),
        };
        outln!(
            "  {:width$}  {:6}  {:20}  {mark}",
            e.name,
            e.kind,
            e.signature
        )?;
    }
    if i.imports.is_empty() {
        outln!("{}  none", paint(BOLD, "imports"))?;
    } else {
        outln!("{}", paint(BOLD, "imports"))?;
        for im in &i.imports {
            outln!(
                "  {}::{}  {}  {}",
                im.module,
                im.name,
                im.kind,
                paint(BAD, "forbidden")
            )?;
        }
    }
    let abi = match &i.abi {
        Abi::Version { version: 1 } => paint(OK, "v1 (called in the sandbox)"),
        Abi::Version { version } => paint(BAD, format!("v{version}, host requires v1")),
        Abi::Missing => paint(BAD, "missing"),
        Abi::NotRun { reason } => paint(DIM, format!("not run: {reason}")),
    };
    outln!("{}  {abi}", paint(BOLD, "abi"))?;
    let features = if i.rejected_features.is_empty() {
        paint(OK, "none the sandbox rejects")
    } else {
        paint(BAD, i.rejected_features.join(", "))
    };
    outln!("{}  {features}", paint(BOLD, "features"))?;
    let names = if i.name_section {
        "present (function names in backtraces)"
    } else {
        "absent"
    };
    outln!("{}  {names}", paint(BOLD, "name section"))?;
    for p in &i.producers {
        outln!("{}  {p}", paint(BOLD, "producer"))?;
    }
    for w in &i.warnings {
        outln!("{} {w}", paint(WARN, "warning:"))?;
    }
    if let Some(e) = &i.text_error {
        let column = e.column - 1;
        let width = e
            .source_line
            .get(column..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        outln!(
            "{}",
            crate::diagnostic::render(
                true,
                &e.message,
                Some(crate::diagnostic::At {
                    path: &i.path,
                    line: e.line,
                    source: Some(&e.source_line),
                    columns: Some(column..column + width),
                }),
            )
        )?;
    }
    if i.loads {
        outln!("loads in rustledger 0.24: {}", paint(OK, "yes"))?;
    } else {
        outln!(
            "loads in rustledger 0.24: {}, because {}",
            paint(BAD, "no"),
            i.reasons.join("; ")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inspect_wat(wat: &str) -> Inspection {
        inspect_bytes("t.wasm".into(), &wat::parse_str(wat).unwrap())
    }

    const GOOD: &str = r#"(module
        (memory (export "memory") 1)
        (func (export "alloc") (param i32) (result i32) i32.const 0)
        (func (export "process") (param i32 i32) (result i64) i64.const 0)
        (func (export "__rustledger_abi_version") (result i32) i32.const 1))"#;

    #[test]
    fn a_minimal_abi_v1_plugin_loads() {
        let i = inspect_wat(GOOD);
        assert!(i.loads, "{:?}", i.reasons);
        assert!(matches!(i.abi, Abi::Version { version: 1 }));
        assert_eq!(i.kind, Kind::Plugin);
        let process = i.exports.iter().find(|e| e.name == "process").unwrap();
        assert_eq!(process.signature, "(i32, i32) -> i64");
    }

    #[test]
    fn each_rejected_proposal_is_named() {
        let cases = [
            (
                "(module (memory (export \"memory\") 1 1 shared))",
                "threads / shared memory",
            ),
            (
                "(module (memory (export \"memory\") 1) (memory 1))",
                "multi-memory",
            ),
            ("(module (memory (export \"memory\") i64 1))", "memory64"),
            (
                "(module (type (struct (field i32))) (memory (export \"memory\") 1))",
                "garbage collection (GC)",
            ),
            (
                "(module (memory (export \"memory\") 1) (func $f (return_call $f)))",
                "tail calls",
            ),
        ];
        for (wat, feature) in cases {
            let i = inspect_wat(wat);
            assert!(!i.loads, "{wat}");
            assert!(
                i.rejected_features.contains(&feature),
                "{wat}: {:?}",
                i.rejected_features
            );
            assert!(i.reasons[0].contains(feature), "{:?}", i.reasons);
        }
    }

    #[test]
    fn wrong_abi_and_wrong_signatures_and_fake_memory_are_reasons() {
        let i = inspect_wat(&GOOD.replace("i32.const 1))", "i32.const 2))"));
        assert!(matches!(i.abi, Abi::Version { version: 2 }));
        assert!(i.reasons.iter().any(|r| r.contains("ABI v2")));

        let i = inspect_wat(&GOOD.replace(
            "(param i32 i32) (result i64) i64.const 0",
            "(param i32) (result i64) i64.const 0",
        ));
        assert!(
            i.reasons
                .iter()
                .any(|r| r.contains("`process` export has signature (i32) -> i64")),
            "{:?}",
            i.reasons
        );

        let i = inspect_wat(
            r#"(module
            (memory (export "mem") 1)
            (func (export "memory"))
            (func (export "alloc") (param i32) (result i32) i32.const 0)
            (func (export "process") (param i32 i32) (result i64) i64.const 0)
            (func (export "__rustledger_abi_version") (result i32) i32.const 1))"#,
        );
        assert!(
            i.reasons.iter().any(|r| r.contains("would crash")),
            "{:?}",
            i.reasons
        );
    }

    #[test]
    fn imports_and_garbage_are_reasons() {
        let i = inspect_wat(
            r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))) (memory (export "memory") 1))"#,
        );
        assert!(
            i.reasons[0].contains("wasi_snapshot_preview1::fd_write"),
            "{:?}",
            i.reasons
        );
        let i = inspect_bytes("x".into(), b"not wasm at all");
        assert!(!i.loads);
        assert!(
            i.reasons[0].contains("not a wasm module"),
            "{:?}",
            i.reasons
        );
        let i = inspect_bytes("x".into(), b"\0asm\x01\0\0\0\x01\xff");
        assert!(
            i.reasons[0].contains("not a valid wasm module"),
            "{:?}",
            i.reasons
        );
    }
}
