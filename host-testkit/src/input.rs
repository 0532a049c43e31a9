//! Turning beancount text into exactly the `PluginInput` bytes rustledger 0.24 sends.
//!
//! Rather than rebuilding the loader's wrapper construction, the kit lets rustledger
//! do it: the ledger is loaded through `rustledger_loader` with extra WASM plugins,
//! tiny capture modules that each return one slice of their raw input bytes (hex,
//! inside a `PluginError` message) and keep every directive. Whatever rustledger would
//! hand a `plugin "x.wasm"` line declared after the ledger's own plugins is therefore
//! what the guest under test receives, byte for byte.
//!
//! One capture per 8 MiB slice, because each call gets only production's 30,000,000
//! fuel: a single capture could hex-encode about 13 MB, and the old byte loop 1.5 MB.
//! Every capture keeps every directive, so each one receives the same input (the
//! loader rebuilds the input from the kept directives, spans included).

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustledger_core::Directive;
use rustledger_loader::{
    ErrorSeverity, ExtraPlugin, Ledger, LedgerError, LoadError, LoadOptions, Loader, SourceFile,
    SourceMap, VirtualFileSystem,
};
use rustledger_parser::ParseError;
use rustledger_plugin::PluginInput;

use crate::{Error, LedgerProblem};

/// The path a ledger given as text is loaded under: a file of rustledger's virtual
/// file system, never on disk (which keeps it relative), and what the guest sees as
/// `filename`. Snapshots show it relative to its directory: `ledger.beancount:4`.
pub const TEXT_LEDGER_PATH: &str = "rlplugin-testkit/ledger.beancount";

const CAPTURE_PREFIX: &str = "rlplugin-capture:";

/// Input bytes one capture instance hex-encodes. Each `plugin` line gets its own
/// store with production's 30,000,000 fuel; the SIMD loop below costs about 2 fuel
/// per input byte, so 8 MiB (≈17 M fuel) leaves room for one `Keep` op per
/// directive (≈28 fuel each) on ledgers far past 100,000 directives.
const CHUNK_BYTES: u32 = 8 << 20;

/// MessagePack input bytes per byte of beancount text, an upper estimate measured
/// on realistic ledgers (see `chunk_estimate_covers_synthetic_ledgers`): used to
/// declare enough capture lines up front, so a large ledger is loaded only once.
const INPUT_PER_TEXT_BYTE: usize = 3;

/// The capture module for chunk `k`: keeps every directive (so each later capture
/// sees exactly the same directives, spans and all) and reports
/// `rlplugin-capture:<k as 8 hex><input length as 8 hex><hex of its slice>` as a
/// `PluginError`. A `PluginError` message is the only place output can carry
/// arbitrary text, and it must be UTF-8, hence hex.
fn capture_wat(k: u32, chunk: u32) -> String {
    format!(
        r#"
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "0123456789abcdef")
  (data (i32.const 16) "{CAPTURE_PREFIX}")
  (global $heap (mut i32) (i32.const 64))
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func $alloc (export "alloc") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535)) (i32.const 16)))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $p))
  (func $bswap (param $v i32) (result i32)
    (i32.or
      (i32.and (i32.rotl (local.get $v) (i32.const 8)) (i32.const 0x00ff00ff))
      (i32.and (i32.rotr (local.get $v) (i32.const 8)) (i32.const 0xff00ff00))))
  (func (export "process") (param $ptr i32) (param $len i32) (result i64)
    (local $n i32) (local $b i32) (local $msg i32) (local $total i32)
    (local $out i32) (local $o i32) (local $i i32)
    (local $start i32) (local $stop i32) (local $tag i64)
    (local $v v128) (local $hi v128) (local $lo v128) (local $digits v128)
    ;; PluginInput is a 3-array whose first element is the directive array.
    (local.set $b (i32.load8_u offset=1 (local.get $ptr)))
    (if (i32.eq (i32.and (local.get $b) (i32.const 0xf0)) (i32.const 0x90))
      (then (local.set $n (i32.and (local.get $b) (i32.const 0x0f))))
      (else
        (if (i32.eq (local.get $b) (i32.const 0xdc))
          (then (local.set $n (i32.or
            (i32.shl (i32.load8_u offset=2 (local.get $ptr)) (i32.const 8))
            (i32.load8_u offset=3 (local.get $ptr)))))
          (else
            (if (i32.eq (local.get $b) (i32.const 0xdd))
              (then (local.set $n (call $bswap (i32.load offset=2 (local.get $ptr)))))
              (else unreachable))))))
    ;; This instance's slice of the input: [k * chunk, (k + 1) * chunk) ∩ [0, len).
    (local.set $start (i32.const {start}))
    (if (i32.gt_u (local.get $start) (local.get $len)) (then (local.set $start (local.get $len))))
    (local.set $stop (i32.add (local.get $start) (i32.const {chunk})))
    (if (i32.gt_u (local.get $stop) (local.get $len)) (then (local.set $stop (local.get $len))))
    (local.set $msg (i32.add (i32.const 33)
      (i32.shl (i32.sub (local.get $stop) (local.get $start)) (i32.const 1))))
    (local.set $total (i32.add
      (i32.add (i32.const 21) (i32.mul (local.get $n) (i32.const 11)))
      (local.get $msg)))
    ;; 32 spare bytes: the hex loop writes whole 16-byte blocks.
    (local.set $out (call $alloc (i32.add (local.get $total) (i32.const 32))))
    (local.set $o (local.get $out))
    (i32.store8 (local.get $o) (i32.const 0x92))
    (i32.store8 offset=1 (local.get $o) (i32.const 0xdd))
    (i32.store offset=2 (local.get $o) (call $bswap (local.get $n)))
    (local.set $o (i32.add (local.get $o) (i32.const 6)))
    ;; Keep(i) = 81 a4 "Keep" ce <i as big-endian u32>: one 8-byte template store
    ;; plus the index, so 100,000 directives cost under 3 M fuel.
    (if (local.get $n)
      (then
        (loop $ops
          (i64.store (local.get $o) (i64.const 0x00ce7065654ba481))
          (i32.store offset=7 (local.get $o)
            (i32.or
              (i32.and (i32.rotl (local.get $i) (i32.const 8)) (i32.const 0x00ff00ff))
              (i32.and (i32.rotr (local.get $i) (i32.const 8)) (i32.const 0xff00ff00))))
          (local.set $o (i32.add (local.get $o) (i32.const 11)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $ops (i32.lt_u (local.get $i) (local.get $n))))))
    (i32.store8 (local.get $o) (i32.const 0x91))
    (i32.store8 offset=1 (local.get $o) (i32.const 0x94))
    (i32.store8 offset=2 (local.get $o) (i32.const 0xdb))
    (i32.store offset=3 (local.get $o) (call $bswap (local.get $msg)))
    (memory.copy (i32.add (local.get $o) (i32.const 7)) (i32.const 16) (i32.const 17))
    (local.set $o (i32.add (local.get $o) (i32.const 24)))
    ;; Chunk index and total input length, 16 hex digits.
    (local.set $tag (i64.or (i64.const {tag}) (i64.extend_i32_u (local.get $len))))
    (local.set $i (i32.const 0))
    (loop $digit
      (i32.store8 (local.get $o) (i32.load8_u (i32.wrap_i64 (i64.and
        (i64.shr_u (local.get $tag) (i64.const 60)) (i64.const 15)))))
      (local.set $tag (i64.shl (local.get $tag) (i64.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $digit (i32.lt_u (local.get $i) (i32.const 16))))
    ;; Hex of the slice, 16 input bytes per iteration: split nibbles, look both up
    ;; in the digit table with a swizzle, interleave them into 32 output bytes.
    (local.set $digits (v128.const i8x16 48 49 50 51 52 53 54 55 56 57 97 98 99 100 101 102))
    (local.set $i (i32.add (local.get $ptr) (local.get $start)))
    (local.set $stop (i32.add (local.get $ptr) (local.get $stop)))
    (local.set $b (local.get $o))
    (if (i32.lt_u (local.get $i) (local.get $stop))
      (then
        (loop $hex
          (local.set $v (v128.load (local.get $i)))
          (local.set $hi (i8x16.swizzle (local.get $digits) (i8x16.shr_u (local.get $v) (i32.const 4))))
          (local.set $lo (i8x16.swizzle (local.get $digits)
            (v128.and (local.get $v) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
          (v128.store (local.get $b)
            (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $hi) (local.get $lo)))
          (v128.store offset=16 (local.get $b)
            (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $hi) (local.get $lo)))
          (local.set $b (i32.add (local.get $b) (i32.const 32)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $hex (i32.lt_u (local.get $i) (local.get $stop))))))
    (local.set $o (i32.add (local.get $out) (i32.sub (local.get $total) (i32.const 8))))
    (i32.store8 (local.get $o) (i32.const 0xc0))
    (i32.store8 offset=1 (local.get $o) (i32.const 0xc0))
    (i32.store8 offset=2 (local.get $o) (i32.const 0xa5))
    (i32.store offset=3 (local.get $o) (i32.const 0x6f727265))
    (i32.store8 offset=7 (local.get $o) (i32.const 0x72))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (local.get $total))))
)
"#,
        start = u64::from(k) * u64::from(chunk),
        tag = u64::from(k) << 32,
    )
}

/// Where a plugin run's ledger comes from.
#[derive(Debug, Clone)]
pub(crate) enum LedgerSource {
    Text(String),
    File(PathBuf),
}

/// The exact input for one plugin call plus the host directives behind it.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) bytes: Vec<u8>,
    pub(crate) input: PluginInput,
    /// The loader's own directive for each input index when it can be located by
    /// file and line (so `Keep` renders the original, lossless directive).
    pub(crate) host: Vec<Option<Directive>>,
    /// Directory that paths in snapshots are made relative to.
    pub(crate) base_dir: Option<PathBuf>,
    /// The ledger's `option`, `plugin` and `include` lines, for a resulting ledger that
    /// loads back the same (see [`preamble`]).
    pub(crate) preamble: String,
}

/// The capture module for chunk `k`, assembled once per process; each load writes it into
/// its own scratch directory, because the loader reads plugins from disk.
fn capture_wasm(k: u32, chunk: u32) -> Result<Arc<[u8]>, Error> {
    /// Assembled modules by `(k, chunk)`.
    type Modules = Mutex<HashMap<(u32, u32), Arc<[u8]>>>;
    static MODULES: OnceLock<Modules> = OnceLock::new();
    let modules = MODULES.get_or_init(Default::default);
    let mut modules = modules.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(wasm) = modules.get(&(k, chunk)) {
        return Ok(wasm.clone());
    }
    let wasm: Arc<[u8]> = wat::parse_str(capture_wat(k, chunk))
        .map_err(|e| Error::Usage(format!("cannot prepare the input capture module: {e}")))?
        .into();
    modules.insert((k, chunk), wasm.clone());
    Ok(wasm)
}

/// Writes capture modules `ks` into `dir`, returning their paths.
fn write_captures(
    dir: &Path,
    ks: impl Iterator<Item = u32>,
    chunk: u32,
) -> Result<Vec<PathBuf>, Error> {
    ks.map(|k| {
        let path = dir.join(format!("rlplugin-capture-{chunk}-{k}.wasm"));
        std::fs::write(&path, capture_wasm(k, chunk)?).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    })
    .collect()
}

/// Inputs are cached per process by ledger content and config: rustledger's loader
/// recompiles the capture module on every load, which dominates a warm run.
pub(crate) fn prepare(source: &LedgerSource, config: Option<&str>) -> Result<Arc<Prepared>, Error> {
    type Key = (String, Vec<u8>, Option<String>);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<Prepared>>>> = OnceLock::new();
    let key: Key = match source {
        LedgerSource::Text(text) => (
            "text".to_owned(),
            text.as_bytes().to_vec(),
            config.map(str::to_owned),
        ),
        LedgerSource::File(path) => {
            // Keyed by content too, so a test that rewrites its file is not served stale input.
            let content = std::fs::read(path).unwrap_or_default();
            (
                path.display().to_string(),
                content,
                config.map(str::to_owned),
            )
        }
    };
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(hit.clone());
    }
    let prepared = Arc::new(load(source, config)?);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, prepared.clone());
    Ok(prepared)
}

fn load(source: &LedgerSource, config: Option<&str>) -> Result<Prepared, Error> {
    let (ledger, bytes, path) = capture(source, config, CHUNK_BYTES)?;
    let input: PluginInput = rmp_serde::from_slice(&bytes).map_err(|e| {
        Error::Usage(format!(
            "rustledger's own plugin input does not decode: {e}"
        ))
    })?;

    let mut by_location: HashMap<(String, usize), &Directive> = HashMap::new();
    for spanned in &ledger.directives {
        if let Some(file) = ledger.source_map.get(spanned.file_id as usize) {
            let (line, _) = file.line_col(spanned.span.start);
            by_location.insert((file.path.display().to_string(), line), &spanned.value);
        }
    }
    let host = input
        .directives
        .iter()
        .map(|w| match (&w.filename, w.lineno) {
            (Some(file), Some(line)) => by_location
                .get(&(file.clone(), line as usize))
                .map(|d| (*d).clone()),
            _ => None,
        })
        .collect();
    Ok(Prepared {
        bytes,
        input,
        host,
        base_dir: path.parent().map(Path::to_path_buf),
        preamble: preamble(&ledger, &path),
    })
}

/// Options rustledger 0.24 applies from included files; every other option counts only in
/// the top-level file (`Options::set_scoped`).
const OPTIONS_ACROSS_INCLUDES: [&str; 4] = [
    "operating_currency",
    "documents",
    "insert_pythonpath",
    "display_precision",
];

/// What a ledger holds besides directives, as lines to put before the resulting
/// directives so the result loads back with the same options: the options that took effect,
/// in order, and as comments the `plugin` lines (they already ran: their effects are in the
/// directives, and running them again would apply them twice), the `include` lines (the
/// included directives are inlined) and options rustledger ignored.
fn preamble(ledger: &Ledger, main: &Path) -> String {
    use std::fmt::Write as _;
    let base = main.parent();
    // The loader records paths normalised (`a/../b` as `b`), the caller's may not be.
    let same_file = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
    };
    let mut out = String::new();
    for file in ledger.source_map.files() {
        let top_level = same_file(&file.path, main);
        let name = crate::render::relative(&file.path.display().to_string(), base);
        let parsed = rustledger_parser::parse_without_occurrences(&file.source);
        let quote = crate::render::escape;
        for (key, value, _) in &parsed.options {
            let line = format!("option \"{}\" \"{}\"", quote(key), quote(value));
            if top_level || OPTIONS_ACROSS_INCLUDES.contains(&key.as_str()) {
                let _ = writeln!(out, "{line}");
            } else {
                let _ = writeln!(out, "; {line}  (in {name}; ignored in an included file)");
            }
        }
        for (plugin, config, _) in &parsed.plugins {
            let config = config
                .as_deref()
                .map(|c| format!(" \"{}\"", quote(c)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "; plugin \"{}\"{config}  (already applied to the directives below)",
                quote(plugin)
            );
        }
        for (include, _) in &parsed.includes {
            let _ = writeln!(
                out,
                "; include \"{}\"  (its directives are inlined below)",
                quote(include)
            );
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

pub(crate) fn from_typed(input: PluginInput) -> Result<Prepared, Error> {
    let bytes = rmp_serde::to_vec(&input)
        .map_err(|e| Error::Usage(format!("cannot encode the given PluginInput: {e}")))?;
    let host = vec![None; input.directives.len()];
    Ok(Prepared {
        bytes,
        input,
        host,
        base_dir: None,
        preamble: String::new(),
    })
}

/// Load the ledger with enough capture lines for its input, `chunk` bytes each:
/// first as many as the text size suggests, then, if the input turned out larger,
/// exactly as many as its length (which every capture reports) requires.
fn capture(
    source: &LedgerSource,
    config: Option<&str>,
    chunk: u32,
) -> Result<(Ledger, Vec<u8>, PathBuf), Error> {
    let text_len = match source {
        LedgerSource::Text(text) => text.len(),
        LedgerSource::File(path) => std::fs::metadata(path).map_or(0, |m| m.len() as usize),
    };
    let mut chunks = (text_len.saturating_mul(INPUT_PER_TEXT_BYTE)).div_ceil(chunk as usize);
    let mut retried = false;
    loop {
        let (ledger, path) = load_with_captures(source, config, chunk, chunks.max(1))?;
        match assemble(&ledger, &path, chunk)? {
            Captured::Bytes(bytes) => return Ok((ledger, bytes, path)),
            Captured::Needs(total) if !retried => {
                retried = true;
                chunks = total.div_ceil(chunk as usize);
            }
            Captured::Needs(total) => {
                return Err(Error::Ledger {
                    path,
                    message: format!(
                        "the input capture saw {total} bytes of plugin input but declared too \
                         few capture passes twice; this is a bug in rlplugin-testkit"
                    ),
                    problems: Vec::new(),
                });
            }
        }
    }
}

fn load_with_captures(
    source: &LedgerSource,
    config: Option<&str>,
    chunk: u32,
    chunks: usize,
) -> Result<(Ledger, PathBuf), Error> {
    let chunks = u32::try_from(chunks)
        .map_err(|_| Error::Usage(format!("cannot capture an input of {chunks} chunks")))?;
    // Removed when this load is done, whatever happens to it.
    let scratch = crate::scratch_dir()?;
    let captures = write_captures(scratch.path(), 0..chunks, chunk)?;
    load_with_plugins(source, config, &captures)
}

/// Load the ledger as rledger does, with `plugins` declared after its own plugin lines.
fn load_with_plugins(
    source: &LedgerSource,
    config: Option<&str>,
    plugins: &[PathBuf],
) -> Result<(Ledger, PathBuf), Error> {
    let extra_plugins = plugins
        .iter()
        .map(|path| ExtraPlugin {
            name: path.display().to_string(),
            config: config.map(str::to_owned),
        })
        .collect();
    let options = LoadOptions {
        run_plugins: true,
        validate: false,
        extra_plugins,
        ..LoadOptions::default()
    };
    // `rustledger_loader::load` in two steps, so parse errors keep their locations (the
    // processed ledger only says which file had them).
    let (path, loader) = match source {
        LedgerSource::Text(text) => {
            let path = PathBuf::from(TEXT_LEDGER_PATH);
            let mut fs = VirtualFileSystem::new();
            fs.add_file(&path, text.clone());
            (path, Loader::new().with_filesystem(Box::new(fs)))
        }
        LedgerSource::File(path) => {
            let path = std::path::absolute(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            if !path.is_file() {
                return Err(Error::Ledger {
                    path,
                    message: "no such file; fix: pass the path of an existing .beancount file"
                        .to_owned(),
                    problems: Vec::new(),
                });
            }
            (path, Loader::new())
        }
    };
    let failed = |message: String| Error::Ledger {
        path: path.clone(),
        message,
        problems: Vec::new(),
    };
    let raw = loader
        .with_path_security(options.path_security)
        .load(&path)
        .map_err(|e| failed(e.to_string()))?;
    let problems: Vec<LedgerProblem> = raw
        .errors
        .iter()
        .flat_map(|e| match e {
            LoadError::ParseErrors { path, errors } => errors
                .iter()
                .map(|error| parse_problem(&raw.source_map, path, error))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    if !problems.is_empty() {
        return Err(does_not_parse(path, problems));
    }
    let ledger = rustledger_loader::process(raw, &options).map_err(|e| failed(e.to_string()))?;
    Ok((ledger, path))
}

/// The error for a ledger whose text the loader refused, listing each problem as
/// `file:line severity message` (paths relative to the ledger's directory).
fn does_not_parse(path: PathBuf, problems: Vec<LedgerProblem>) -> Error {
    let base = path.parent();
    let lines: Vec<String> = problems
        .iter()
        .map(|p| crate::render::ledger_problem_line(p, base))
        .collect();
    Error::Ledger {
        message: format!("it does not parse:\n{}", lines.join("\n")),
        path,
        problems,
    }
}

/// A parse error of `path`, with its hint, located through the loader's source map.
fn parse_problem(sources: &SourceMap, path: &Path, error: &ParseError) -> LedgerProblem {
    let hint = error
        .hint
        .as_deref()
        .map(|hint| format!("; {hint}"))
        .unwrap_or_default();
    let (line, columns) = sources
        .get_by_path(path)
        .map(|source| locate(source, error.span.start, error.span.end))
        .unzip();
    LedgerProblem {
        error: true,
        message: format!("{error}{hint}"),
        file: Some(path.to_path_buf()),
        line,
        columns: columns.flatten(),
    }
}

/// One of the processed ledger's own errors, at its span when it has one, else at the
/// line and column the loader gives.
fn ledger_problem(sources: &SourceMap, err: &LedgerError) -> LedgerProblem {
    let spanned = err
        .file_id
        .and_then(|id| sources.get(usize::from(id)))
        .zip(err.source_span);
    let (file, line, columns) = match (spanned, &err.location) {
        (Some((source, (start, end))), _) => {
            let (line, columns) = locate(source, start, end);
            (Some(source.path.clone()), Some(line), columns)
        }
        (None, Some(at)) => (
            Some(at.file.clone()),
            Some(at.line),
            Some(at.column.saturating_sub(1)..at.column),
        ),
        (None, None) => (None, None, None),
    };
    LedgerProblem {
        error: err.severity == ErrorSeverity::Error,
        message: err.message.clone(),
        file,
        line,
        columns,
    }
}

/// The 1-based line of byte `start` in `source`, and the bytes of that line from `start`
/// up to `end` or the line's end, whichever comes first.
fn locate(source: &SourceFile, start: usize, end: usize) -> (usize, Option<Range<usize>>) {
    let (line, column) = source.line_col(start);
    let columns = source.line(line).map(|text| {
        let text = text.strip_suffix('\r').unwrap_or(text);
        let from = (column - 1).min(text.len());
        let to = (from + end.saturating_sub(start)).clamp(from, text.len());
        from..to
    });
    (line, columns)
}

enum Captured {
    Bytes(Vec<u8>),
    /// Too few captures ran for an input of this many bytes.
    Needs(usize),
}

/// Join the captures' slices, checking they all saw an input of the same length.
fn assemble(ledger: &Ledger, path: &Path, chunk: u32) -> Result<Captured, Error> {
    let mut slices: Vec<(u32, &str)> = Vec::new();
    let mut total: Option<usize> = None;
    let mut problems = Vec::new();
    let malformed =
        || Error::Usage("the input capture module returned a malformed report".to_owned());
    for err in &ledger.errors {
        if let Some(report) = err.message.strip_prefix(CAPTURE_PREFIX) {
            let (k, rest) = report.split_at_checked(8).ok_or_else(malformed)?;
            let (len, hex) = rest.split_at_checked(8).ok_or_else(malformed)?;
            let k = u32::from_str_radix(k, 16).map_err(|_| malformed())?;
            let len = usize::from_str_radix(len, 16).map_err(|_| malformed())?;
            if total.is_some_and(|t| t != len) {
                return Err(Error::Usage(format!(
                    "the input capture passes saw inputs of different lengths ({} and {len} \
                     bytes); this is a bug in rlplugin-testkit",
                    total.unwrap_or_default()
                )));
            }
            total = Some(len);
            slices.push((k, hex));
        } else if err.severity == ErrorSeverity::Error && err.phase == "parse" {
            problems.push(ledger_problem(&ledger.source_map, err));
        }
    }
    if !problems.is_empty() {
        return Err(does_not_parse(path.to_path_buf(), problems));
    }
    let Some(total) = total else {
        let reasons: Vec<String> = ledger
            .errors
            .iter()
            .filter(|e| e.code == "PLUGIN")
            .map(|e| e.message.clone())
            .collect();
        return Err(Error::Ledger {
            path: path.to_path_buf(),
            message: format!(
                "the loader never reached the WASM plugin pass (the input may exceed what the \
                 capture module can hold in 256 MiB of memory): {}",
                reasons.join("; ")
            ),
            problems: Vec::new(),
        });
    };
    slices.sort_unstable_by_key(|(k, _)| *k);
    if slices.len() < total.div_ceil(chunk as usize) {
        return Ok(Captured::Needs(total));
    }
    let mut bytes = Vec::with_capacity(total);
    for (expected, (k, hex)) in slices.iter().enumerate() {
        if *k as usize != expected {
            return Err(malformed());
        }
        decode_hex_into(hex, &mut bytes).ok_or_else(malformed)?;
    }
    if bytes.len() != total {
        return Err(malformed());
    }
    Ok(Captured::Bytes(bytes))
}

fn decode_hex_into(hex: &str, out: &mut Vec<u8>) -> Option<()> {
    fn nibble(digit: u8) -> Option<u8> {
        match digit {
            b'0'..=b'9' => Some(digit - b'0'),
            b'a'..=b'f' => Some(digit - b'a' + 10),
            _ => None,
        }
    }
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    out.reserve(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        out.push(nibble(pair[0])? << 4 | nibble(pair[1])?);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use rustledger_plugin::{PluginOp, PluginOutput};

    use super::*;

    /// A span is cut to its first line, a line's `\r` is not part of it, and a span past
    /// the end of its line stops there.
    #[test]
    fn a_problem_covers_the_bytes_of_its_first_line() {
        let mut sources = SourceMap::new();
        let id = sources.add_file(
            PathBuf::from("l.beancount"),
            Arc::from("2024-01-01 open A\r\n  x y\nlast"),
        );
        let source = sources.get(id).unwrap();
        assert_eq!(locate(source, 5, 7), (1, Some(5..7)));
        assert_eq!(locate(source, 11, 30), (1, Some(11..17)));
        assert_eq!(locate(source, 21, 22), (2, Some(2..3)));
        assert_eq!(locate(source, 25, 25), (3, Some(0..0)));
        assert_eq!(locate(source, 28, 40), (3, Some(3..4)));
    }

    /// Runs capture module `k` of `chunk`-byte slices on `input` under production limits.
    fn run_capture(k: u32, chunk: u32, input: &[u8]) -> (PluginOutput, u64) {
        let wasm = wat::parse_str(capture_wat(k, chunk)).unwrap();
        let guest = crate::Guest::from_bytes("capture", wasm).unwrap();
        let call = crate::runner::Call {
            entry: rlplugin_types::PROCESS_EXPORT,
            input: Some(input),
            check_abi: true,
            role: "plugin",
        };
        let called = crate::runner::call(&guest, &call, crate::runner::Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        (
            rmp_serde::from_slice(&called.output).unwrap(),
            called.stats.fuel_used,
        )
    }

    /// A warm run must not load its ledger again: rustledger's loader recompiles the capture
    /// module on every load, which would dominate every run after the first.
    #[test]
    fn each_ledger_and_config_is_loaded_once_per_process() {
        let source = LedgerSource::Text(
            "2024-03-01 open Assets:Cache:Probe\n2024-03-02 close Assets:Cache:Probe\n".to_owned(),
        );
        let first = prepare(&source, None).unwrap();
        let again = prepare(&source, None).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second run loaded the ledger again"
        );
        let other_config = prepare(&source, Some("x")).unwrap();
        assert!(
            !Arc::ptr_eq(&first, &other_config),
            "a different config must not be served the first input"
        );
        assert_ne!(first.bytes, other_config.bytes);
    }

    /// A stand-in input: the directive-array header the capture reads, then every byte value.
    fn fake_input(directives: u32, len: usize) -> Vec<u8> {
        let mut input = vec![0x93, 0xdd];
        input.extend_from_slice(&directives.to_be_bytes());
        input.extend((0..len - 6).map(|i| (i * 7 + 3) as u8));
        input
    }

    fn report_of(output: &PluginOutput) -> (u32, usize, Vec<u8>) {
        let [error] = output.errors.as_slice() else {
            panic!("expected one report, got {:?}", output.errors.len());
        };
        let report = error.message.strip_prefix(CAPTURE_PREFIX).unwrap();
        let k = u32::from_str_radix(&report[..8], 16).unwrap();
        let len = usize::from_str_radix(&report[8..16], 16).unwrap();
        let mut bytes = Vec::new();
        decode_hex_into(&report[16..], &mut bytes).unwrap();
        (k, len, bytes)
    }

    #[test]
    fn a_full_chunk_and_a_keep_per_directive_fit_production_fuel() {
        let directives = 100_000;
        let input = fake_input(directives, CHUNK_BYTES as usize + 1001);
        let (output, fuel) = run_capture(0, CHUNK_BYTES, &input);
        let (k, len, slice) = report_of(&output);
        assert_eq!((k, len), (0, input.len()));
        assert!(
            slice == input[..CHUNK_BYTES as usize],
            "chunk 0 hex is wrong"
        );
        assert_eq!(output.ops.len(), directives as usize);
        assert!(
            output
                .ops
                .iter()
                .enumerate()
                .all(|(i, op)| matches!(op, PluginOp::Keep(j) if *j == i))
        );
        // About 2.3 fuel per byte plus 28 per Keep: 22 M here, under production's 30 M.
        assert!(fuel < crate::PRODUCTION_FUEL * 4 / 5, "{fuel} fuel");
    }

    #[test]
    fn later_chunks_encode_their_tail_and_past_the_end_nothing() {
        let input = fake_input(3, 2 * 4096 + 1001);
        let (output, _) = run_capture(2, 4096, &input);
        assert_eq!(
            report_of(&output),
            (2, input.len(), input[2 * 4096..].to_vec())
        );
        assert_eq!(output.ops.len(), 3);
        let (output, _) = run_capture(3, 4096, &input);
        assert_eq!(report_of(&output), (3, input.len(), Vec::new()));
    }

    #[test]
    fn every_capture_line_receives_the_same_input() {
        let source = LedgerSource::Text(crate::synthetic::ledger(40));
        let scratch = tempfile::tempdir().unwrap();
        let full = write_captures(scratch.path(), [0].into_iter(), CHUNK_BYTES).unwrap();
        let three = [full[0].clone(), full[0].clone(), full[0].clone()];
        let (ledger, _) = load_with_plugins(&source, Some("c"), &three).unwrap();
        let copies: Vec<&str> = ledger
            .errors
            .iter()
            .filter_map(|e| e.message.strip_prefix(CAPTURE_PREFIX))
            .collect();
        assert_eq!(copies.len(), 3);
        assert!(copies[0].len() > 1000);
        assert!(
            copies.iter().all(|c| *c == copies[0]),
            "the Keep ops changed the input"
        );
    }

    #[test]
    fn chunked_capture_equals_a_single_capture() {
        let source = LedgerSource::Text(crate::synthetic::ledger(40));
        let (_, whole, _) = capture(&source, Some("c"), CHUNK_BYTES).unwrap();
        let (_, chunked, _) = capture(&source, Some("c"), 1024).unwrap();
        assert!(whole.len() > 4 * 1024);
        assert!(
            whole == chunked,
            "chunks do not join into the single-capture input"
        );
    }

    #[test]
    fn too_few_captures_are_detected_and_the_load_retried() {
        let dir = tempfile::tempdir().unwrap();
        // The main file is tiny, so the size estimate declares one capture.
        std::fs::write(
            dir.path().join("main.beancount"),
            "include \"rest.beancount\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("rest.beancount"),
            crate::synthetic::ledger(40),
        )
        .unwrap();
        let source = LedgerSource::File(dir.path().join("main.beancount"));
        let (ledger, path) = load_with_captures(&source, None, 1024, 1).unwrap();
        let Captured::Needs(total) = assemble(&ledger, &path, 1024).unwrap() else {
            panic!("one 1 KiB capture cannot hold the input");
        };
        let (_, retried, _) = capture(&source, None, 1024).unwrap();
        let (_, whole, _) = capture(&source, None, CHUNK_BYTES).unwrap();
        assert_eq!(retried.len(), total);
        assert!(retried == whole);
    }

    #[test]
    fn chunk_estimate_covers_synthetic_ledgers() {
        let text = crate::synthetic::ledger(300);
        let (_, bytes, _) = capture(&LedgerSource::Text(text.clone()), None, CHUNK_BYTES).unwrap();
        let ratio = bytes.len() as f64 / text.len() as f64;
        assert!(
            ratio > 1.5 && ratio <= INPUT_PER_TEXT_BYTE as f64,
            "input/text = {ratio:.2}"
        );
    }

    #[test]
    fn hex_decoding_rejects_odd_lengths_and_non_digits() {
        let mut out = Vec::new();
        assert_eq!(decode_hex_into("00ff7a", &mut out), Some(()));
        assert_eq!(out, [0x00, 0xff, 0x7a]);
        assert_eq!(decode_hex_into("abc", &mut out), None);
        assert_eq!(decode_hex_into("0g", &mut out), None);
        assert_eq!(decode_hex_into("AB", &mut out), None);
    }
}
