//! Turning beancount text into exactly the `PluginInput` bytes rustledger 0.24 sends.
//!
//! Rather than rebuilding the loader's wrapper construction, the kit lets rustledger
//! do it: the ledger is loaded through `rustledger_loader` with one extra WASM
//! plugin, a tiny capture module that returns its raw input bytes (hex, inside a
//! `PluginError` message) and keeps every directive. Whatever rustledger would hand a
//! `plugin "x.wasm"` line declared after the ledger's own plugins is therefore what
//! the guest under test receives, byte for byte.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustledger_core::Directive;
use rustledger_loader::{ErrorSeverity, ExtraPlugin, LoadOptions, VirtualFileSystem};
use rustledger_plugin::PluginInput;

use crate::Error;

/// The path a ledger given as text is loaded under: a file of rustledger's virtual
/// file system, never on disk (which keeps it relative), and what the guest sees as
/// `filename`. Snapshots show it relative to its directory: `ledger.beancount:4`.
pub const TEXT_LEDGER_PATH: &str = "rlplugin-testkit/ledger.beancount";

const CAPTURE_PREFIX: &str = "rlplugin-capture:";

const CAPTURE_WAT: &str = r#"
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "0123456789abcdef")
  (data (i32.const 16) "rlplugin-capture:")
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
  (func $be32 (param $at i32) (param $v i32)
    (i32.store8 (local.get $at) (i32.shr_u (local.get $v) (i32.const 24)))
    (i32.store8 offset=1 (local.get $at) (i32.shr_u (local.get $v) (i32.const 16)))
    (i32.store8 offset=2 (local.get $at) (i32.shr_u (local.get $v) (i32.const 8)))
    (i32.store8 offset=3 (local.get $at) (local.get $v)))
  (func (export "process") (param $ptr i32) (param $len i32) (result i64)
    (local $n i32) (local $b i32) (local $msg i32) (local $total i32)
    (local $out i32) (local $o i32) (local $i i32)
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
              (then (local.set $n (i32.or (i32.or
                (i32.shl (i32.load8_u offset=2 (local.get $ptr)) (i32.const 24))
                (i32.shl (i32.load8_u offset=3 (local.get $ptr)) (i32.const 16))) (i32.or
                (i32.shl (i32.load8_u offset=4 (local.get $ptr)) (i32.const 8))
                (i32.load8_u offset=5 (local.get $ptr))))))
              (else unreachable))))))
    (local.set $msg (i32.add (i32.const 17) (i32.shl (local.get $len) (i32.const 1))))
    (local.set $total (i32.add
      (i32.add (i32.const 21) (i32.mul (local.get $n) (i32.const 11)))
      (local.get $msg)))
    (local.set $out (call $alloc (local.get $total)))
    (local.set $o (local.get $out))
    (i32.store8 (local.get $o) (i32.const 0x92))
    (i32.store8 offset=1 (local.get $o) (i32.const 0xdd))
    (call $be32 (i32.add (local.get $o) (i32.const 2)) (local.get $n))
    (local.set $o (i32.add (local.get $o) (i32.const 6)))
    (block $done
      (loop $ops
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store8 (local.get $o) (i32.const 0x81))
        (i32.store8 offset=1 (local.get $o) (i32.const 0xa4))
        (i32.store offset=2 (local.get $o) (i32.const 0x7065654b))
        (i32.store8 offset=6 (local.get $o) (i32.const 0xce))
        (call $be32 (i32.add (local.get $o) (i32.const 7)) (local.get $i))
        (local.set $o (i32.add (local.get $o) (i32.const 11)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $ops)))
    (i32.store8 (local.get $o) (i32.const 0x91))
    (i32.store8 offset=1 (local.get $o) (i32.const 0x94))
    (i32.store8 offset=2 (local.get $o) (i32.const 0xdb))
    (call $be32 (i32.add (local.get $o) (i32.const 3)) (local.get $msg))
    (memory.copy (i32.add (local.get $o) (i32.const 7)) (i32.const 16) (i32.const 17))
    (local.set $o (i32.add (local.get $o) (i32.const 24)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $hex
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $b (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (i32.store8 (local.get $o) (i32.load8_u (i32.shr_u (local.get $b) (i32.const 4))))
        (i32.store8 offset=1 (local.get $o) (i32.load8_u (i32.and (local.get $b) (i32.const 15))))
        (local.set $o (i32.add (local.get $o) (i32.const 2)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $hex)))
    (i32.store8 (local.get $o) (i32.const 0xc0))
    (i32.store8 offset=1 (local.get $o) (i32.const 0xc0))
    (i32.store8 offset=2 (local.get $o) (i32.const 0xa5))
    (i32.store offset=3 (local.get $o) (i32.const 0x6f727265))
    (i32.store8 offset=7 (local.get $o) (i32.const 0x72))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
      (i64.extend_i32_u (local.get $total))))
)
"#;

/// Where a plugin run's ledger comes from.
#[derive(Debug, Clone)]
pub(crate) enum LedgerSource {
    Text(String),
    File(PathBuf),
}

/// The exact input for one plugin call plus the host directives behind it.
pub(crate) struct Prepared {
    pub(crate) bytes: Vec<u8>,
    pub(crate) input: PluginInput,
    /// The loader's own directive for each input index when it can be located by
    /// file and line (so `Keep` renders the original, lossless directive).
    pub(crate) host: Vec<Option<Directive>>,
    /// Directory that paths in snapshots are made relative to.
    pub(crate) base_dir: Option<PathBuf>,
}

fn capture_plugin_path() -> Result<&'static Path, Error> {
    static PATH: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let made = PATH.get_or_init(|| {
        let wasm = wat::parse_str(CAPTURE_WAT).map_err(|e| e.to_string())?;
        let dir = crate::scratch_dir().map_err(|e| e.to_string())?;
        let path = dir.join("rlplugin-capture.wasm");
        std::fs::write(&path, wasm).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    });
    made.as_deref().map_err(|message| {
        Error::Usage(format!(
            "cannot prepare the input capture module: {message}"
        ))
    })
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
    let capture = capture_plugin_path()?;
    let options = LoadOptions {
        run_plugins: true,
        validate: false,
        extra_plugins: vec![ExtraPlugin {
            name: capture.display().to_string(),
            config: config.map(str::to_owned),
        }],
        ..LoadOptions::default()
    };
    let (path, result) = match source {
        LedgerSource::Text(text) => {
            let path = PathBuf::from(TEXT_LEDGER_PATH);
            let mut fs = VirtualFileSystem::new();
            fs.add_file(&path, text.clone());
            let result = rustledger_loader::load_with_fs(&path, &options, Box::new(fs));
            (path, result)
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
                });
            }
            let result = rustledger_loader::load(&path, &options);
            (path, result)
        }
    };
    let ledger = result.map_err(|e| Error::Ledger {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let mut captured = None;
    let mut problems = Vec::new();
    for err in &ledger.errors {
        if let Some(hex) = err.message.strip_prefix(CAPTURE_PREFIX) {
            captured = Some(hex);
        } else if err.severity == ErrorSeverity::Error && err.phase == "parse" {
            problems.push(crate::render::ledger_error_line(err, None));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Ledger {
            path,
            message: format!("it does not parse:\n{}", problems.join("\n")),
        });
    }
    let Some(hex) = captured else {
        let reasons: Vec<String> = ledger
            .errors
            .iter()
            .filter(|e| e.code == "PLUGIN")
            .map(|e| e.message.clone())
            .collect();
        return Err(Error::Ledger {
            path,
            message: format!(
                "the loader never reached the WASM plugin pass (the input may exceed the capture \
                 module's fuel, about 1.5 MB of encoded input): {}",
                reasons.join("; ")
            ),
        });
    };
    let bytes = decode_hex(hex).ok_or_else(|| {
        Error::Usage("the input capture module returned malformed hex".to_owned())
    })?;
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
    })
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
    })
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect()
}
