//! A compiled, validated guest module.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::{ExternType, Module};

use crate::Error;

/// A compiled, validated guest module.
///
/// Creating one compiles the wasm with rustledger's own sandboxed engine
/// (`rustledger_plugin::sandbox::shared_engine`) and checks what rledger 0.24 checks
/// at load: the module validates under the sandbox's proposal set, imports nothing,
/// and exports a real memory named `memory`. Compilation is cached per process by
/// content, so loading the same bytes twice is cheap. Cloning is an `Arc` bump; a
/// `Guest` lives as long as you keep it and is `Send + Sync`.
///
/// Entry-point exports (`alloc`, `process`, `extract`…) and the ABI handshake are
/// checked when you run it, exactly when rustledger checks them.
#[derive(Clone)]
pub struct Guest {
    pub(crate) inner: Arc<GuestInner>,
}

pub(crate) struct GuestInner {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) module: Module,
}

impl std::fmt::Debug for Guest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guest")
            .field("name", &self.inner.name)
            .field("wasm_bytes", &self.inner.bytes.len())
            .finish_non_exhaustive()
    }
}

impl Guest {
    /// Start building a guest crate for `wasm32-unknown-unknown`: by default the crate
    /// whose tests are running (`CARGO_MANIFEST_DIR`), in release mode.
    pub fn build() -> crate::GuestBuild {
        crate::GuestBuild::new()
    }

    /// Load a `.wasm` file; the guest is named after the file stem, as rledger names it.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read, and every load-time rejection listed
    /// on [`Guest::from_bytes`].
    pub fn from_file(path: impl AsRef<Path>) -> Result<Guest, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("unknown")
            .to_owned();
        Self::from_bytes(name, bytes)
    }

    /// Load a wasm module from memory under a name used in messages.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidModule`] if wasmtime rejects it under the sandbox
    /// configuration, [`Error::ForbiddenImport`] for any import,
    /// [`Error::MissingExport`] without a `memory` export and
    /// [`Error::WouldCrashRustledger`] when `memory` is not a memory.
    ///
    /// ```
    /// # fn main() -> Result<(), rlplugin_testkit::Error> {
    /// let err = rlplugin_testkit::Guest::from_bytes("empty", b"\0asm\x01\0\0\0".to_vec()).unwrap_err();
    /// assert!(err.to_string().contains("does not export `memory`"));
    /// # Ok(()) }
    /// ```
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Result<Guest, Error> {
        let name = name.into();
        let bytes = bytes.into();
        let module = compile_cached(&name, &bytes)?;
        validate(&name, &module)?;
        Ok(Guest {
            inner: Arc::new(GuestInner {
                name,
                bytes,
                module,
            }),
        })
    }

    /// Run the directive-plugin entry point `process` on a ledger.
    pub fn plugin(&self) -> crate::PluginRun<'_> {
        crate::PluginRun::new(self)
    }

    /// Run the importer entry points on a statement through rustledger's importer host.
    pub fn importer(&self) -> crate::ImportRun<'_> {
        crate::ImportRun::new(self)
    }

    /// Load a ledger through rustledger's real loader with a `plugin "<this>.wasm"` line.
    pub fn rledger_check(&self) -> crate::LoaderRun<'_> {
        crate::LoaderRun::new(self)
    }

    /// The module's bytes, as loaded or built.
    pub fn wasm_bytes(&self) -> &[u8] {
        &self.inner.bytes
    }

    /// The name used in messages (the file stem or crate name).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub(crate) fn module(&self) -> &Module {
        &self.inner.module
    }
}

fn compile_cached(name: &str, bytes: &[u8]) -> Result<Module, Error> {
    static CACHE: OnceLock<Mutex<HashMap<(u64, usize), Module>>> = OnceLock::new();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let key = (hasher.finish(), bytes.len());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(module) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(module.clone());
    }
    let engine = rustledger_plugin::sandbox::shared_engine();
    let module = Module::new(&engine, bytes).map_err(|e| Error::InvalidModule {
        guest: name.to_owned(),
        reason: crate::runner::error_chain(&e),
    })?;
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, module.clone());
    Ok(module)
}

fn validate(name: &str, module: &Module) -> Result<(), Error> {
    if let Some(import) = module.imports().next() {
        return Err(Error::ForbiddenImport {
            guest: name.to_owned(),
            module: import.module().to_owned(),
            name: import.name().to_owned(),
        });
    }
    match module.get_export(rlplugin_types::MEMORY_EXPORT) {
        None => Err(Error::MissingExport {
            guest: name.to_owned(),
            export: rlplugin_types::MEMORY_EXPORT.to_owned(),
            role: "plugin and importer",
            fix: "export the linear memory as `memory` (Rust guests for wasm32-unknown-unknown do by default)",
        }),
        Some(ExternType::Memory(_)) => Ok(()),
        Some(other) => Err(Error::WouldCrashRustledger {
            guest: name.to_owned(),
            kind: extern_kind(&other),
        }),
    }
}

pub(crate) fn extern_kind(ty: &ExternType) -> &'static str {
    match ty {
        ExternType::Func(_) => "function",
        ExternType::Global(_) => "global",
        ExternType::Table(_) => "table",
        ExternType::Memory(_) => "memory",
        _ => "tag",
    }
}
