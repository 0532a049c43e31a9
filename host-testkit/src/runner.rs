//! One call into a guest, in a store made by rustledger's own sandbox code, with
//! every wasmtime error turned into an [`Error`] at this boundary.

use std::time::{Duration, Instant};

use rustledger_plugin::sandbox::{self, AbiCheck, MemoryLimiter};
use wasmtime::{Instance, Linker, Memory, ResourceLimiter, Store, Trap, WasmBacktrace};

use rlplugin_types::{ABI_VERSION_EXPORT, LOG_CAPACITY, LOG_EXPORT, LOG_HEADER, PANIC_INFO_EXPORT};

use crate::error::Diagnostics;
use crate::{Error, Guest, GuestLog};

/// Output reads above this are refused before allocating (production's importer cap).
pub(crate) const OUTPUT_CAP: u64 = 64 * 1024 * 1024;
const PANIC_INFO_CAP: usize = 64 * 1024;
const WASM_PAGE: u64 = 65536;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) fuel: u64,
    pub(crate) memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: crate::PRODUCTION_FUEL,
            memory: sandbox::DEFAULT_SANDBOX_MAX_MEMORY,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Stats {
    pub(crate) fuel_used: u64,
    pub(crate) peak_memory: u64,
    pub(crate) output_bytes: u64,
    pub(crate) wall: Duration,
}

/// What to call: `entry` with `input` written through `alloc` (or no arguments).
pub(crate) struct Call<'a> {
    pub(crate) entry: &'static str,
    pub(crate) input: Option<&'a [u8]>,
    pub(crate) check_abi: bool,
    pub(crate) role: &'static str,
}

/// Production's limiter, watched: it still makes every decision, and the kit only
/// remembers the last growth it refused so a trap that follows can be named.
struct WatchedLimiter {
    production: MemoryLimiter,
    refused: Option<usize>,
}

impl ResourceLimiter for WatchedLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.production.memory_growing(current, desired, maximum)?;
        if !allowed {
            self.refused = Some(desired);
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.production.table_growing(current, desired, maximum)
    }
}

/// The same store `sandbox::make_sandboxed_store` builds (its limiter on memory and
/// tables, a fuel budget), with the limiter watched.
fn sandboxed_store(
    engine: &wasmtime::Engine,
    limits: Limits,
) -> wasmtime::Result<Store<WatchedLimiter>> {
    let limiter = WatchedLimiter {
        production: MemoryLimiter::new(limits.memory),
        refused: None,
    };
    let mut store = Store::new(engine, limiter);
    store.limiter(|limiter| limiter);
    store.set_fuel(limits.fuel)?;
    Ok(store)
}

/// The ABI handshake as production performs it, for any store (production's own function
/// takes only its store type, and the kit's stores watch the limiter): a missing or mistyped
/// export or a trap is `Missing`, another version a `Mismatch`.
fn check_guest_abi<T: 'static>(instance: &Instance, store: &mut Store<T>) -> AbiCheck {
    let Ok(func) = instance.get_typed_func::<(), u32>(&mut *store, ABI_VERSION_EXPORT) else {
        return AbiCheck::Missing;
    };
    match func.call(&mut *store, ()) {
        Ok(found) if found == sandbox::HOST_ABI_VERSION => AbiCheck::Match,
        Ok(found) => AbiCheck::Mismatch { found },
        Err(_) => AbiCheck::Missing,
    }
}

struct Session<'g> {
    guest: &'g Guest,
    store: Store<WatchedLimiter>,
    limits: Limits,
}

/// What a call returned: its output bytes, what it consumed and what it logged.
pub(crate) struct Called {
    pub(crate) output: Vec<u8>,
    pub(crate) stats: Stats,
    pub(crate) log: GuestLog,
}

pub(crate) fn call(guest: &Guest, call: &Call<'_>, limits: Limits) -> Result<Called, Error> {
    let started = Instant::now();
    let engine = sandbox::shared_engine();
    // Production's budget is 30 s × 1 M; any other budget is a test override.
    let store = sandboxed_store(&engine, limits).map_err(|e| {
        Error::Usage(format!(
            "cannot create rustledger's sandboxed store: {}",
            error_chain(&e)
        ))
    })?;
    let mut s = Session {
        guest,
        store,
        limits,
    };
    let linker = Linker::new(&engine);
    let instance = match linker.instantiate(&mut s.store, guest.module()) {
        Ok(instance) => instance,
        Err(e) => return Err(s.instantiate_error(&e)),
    };
    let memory = instance
        .get_memory(&mut s.store, rlplugin_types::MEMORY_EXPORT)
        .ok_or_else(|| Error::MissingExport {
            guest: guest.name().to_owned(),
            export: rlplugin_types::MEMORY_EXPORT.to_owned(),
            role: call.role,
            fix: "export the linear memory as `memory`",
        })?;
    if call.check_abi {
        let memory_size = memory.data_size(&s.store) as u64;
        abi_handshake(guest, &instance, &mut s.store, limits.fuel, memory_size)?;
    }
    let packed = match call.input {
        Some(input) => {
            let alloc = s.typed::<u32, u32>(
                &instance,
                rlplugin_types::ALLOC_EXPORT,
                "(func (param i32) (result i32))",
                call.role,
            )?;
            let len = u32::try_from(input.len()).map_err(|_| {
                Error::Usage(format!(
                    "input of {} bytes does not fit a wasm32 address space",
                    input.len()
                ))
            })?;
            let ptr = alloc
                .call(&mut s.store, len)
                .map_err(|e| s.trap_error(&e, &instance, memory, rlplugin_types::ALLOC_EXPORT))?;
            if memory.write(&mut s.store, ptr as usize, input).is_err() {
                return Err(Error::AllocOutOfBounds {
                    guest: guest.name().to_owned(),
                    ptr,
                    len,
                    memory: memory.data_size(&s.store) as u64,
                });
            }
            let entry = s.typed::<(u32, u32), u64>(
                &instance,
                call.entry,
                "(func (param i32 i32) (result i64))",
                call.role,
            )?;
            entry
                .call(&mut s.store, (ptr, len))
                .map_err(|e| s.trap_error(&e, &instance, memory, call.entry))?
        }
        None => {
            let entry =
                s.typed::<(), u64>(&instance, call.entry, "(func (result i64))", call.role)?;
            entry
                .call(&mut s.store, ())
                .map_err(|e| s.trap_error(&e, &instance, memory, call.entry))?
        }
    };
    let out_ptr = (packed >> 32) as u32;
    let out_len = (packed & 0xFFFF_FFFF) as u32;
    let memory_size = memory.data_size(&s.store) as u64;
    if u64::from(out_len) > OUTPUT_CAP {
        return Err(Error::OutputTooLarge {
            guest: guest.name().to_owned(),
            entry: call.entry.to_owned(),
            len: u64::from(out_len),
            max: OUTPUT_CAP,
        });
    }
    if u64::from(out_ptr) + u64::from(out_len) > memory_size {
        return Err(Error::OutputOutOfBounds {
            guest: guest.name().to_owned(),
            entry: call.entry.to_owned(),
            ptr: out_ptr,
            len: out_len,
            memory: memory_size,
        });
    }
    let mut output = vec![0u8; out_len as usize];
    memory
        .read(&s.store, out_ptr as usize, &mut output)
        .map_err(|_| Error::OutputOutOfBounds {
            guest: guest.name().to_owned(),
            entry: call.entry.to_owned(),
            ptr: out_ptr,
            len: out_len,
            memory: memory_size,
        })?;
    let stats = Stats {
        fuel_used: s.fuel_used(),
        peak_memory: memory_size,
        output_bytes: u64::from(out_len),
        wall: started.elapsed(),
    };
    let log = s.log(&instance, memory);
    Ok(Called { output, stats, log })
}

/// rustledger's ABI handshake, with its one ambiguity resolved: production reports a
/// handshake that ran out of fuel as a missing export, but the fix is a larger budget, not a
/// rebuild.
pub(crate) fn abi_handshake<T: 'static>(
    guest: &Guest,
    instance: &Instance,
    store: &mut Store<T>,
    fuel_limit: u64,
    memory: u64,
) -> Result<(), Error> {
    match check_guest_abi(instance, store) {
        AbiCheck::Match => Ok(()),
        AbiCheck::Missing if store.get_fuel().is_ok_and(|left| left == 0) => {
            Err(Error::OutOfFuel {
                guest: guest.name().to_owned(),
                entry: ABI_VERSION_EXPORT.to_owned(),
                limit: fuel_limit,
                memory,
                diagnostics: Box::default(),
            })
        }
        AbiCheck::Missing => Err(Error::AbiMissing {
            guest: guest.name().to_owned(),
        }),
        AbiCheck::Mismatch { found } => Err(Error::AbiMismatch {
            guest: guest.name().to_owned(),
            found,
        }),
    }
}

impl Session<'_> {
    fn name(&self) -> String {
        self.guest.name().to_owned()
    }

    fn fuel_used(&self) -> u64 {
        self.limits
            .fuel
            .saturating_sub(self.store.get_fuel().unwrap_or(0))
    }

    fn typed<P, R>(
        &mut self,
        instance: &Instance,
        export: &'static str,
        expected: &'static str,
        role: &'static str,
    ) -> Result<wasmtime::TypedFunc<P, R>, Error>
    where
        P: wasmtime::WasmParams,
        R: wasmtime::WasmResults,
    {
        let Some(func) = instance.get_func(&mut self.store, export) else {
            return Err(Error::MissingExport {
                guest: self.name(),
                export: export.to_owned(),
                role,
                fix: "use the SDK's entry-point macro, which exports every function the ABI needs",
            });
        };
        func.typed::<P, R>(&self.store)
            .map_err(|_| Error::WrongSignature {
                guest: self.name(),
                export: export.to_owned(),
                expected,
                found: func.ty(&self.store).to_string(),
            })
    }

    fn instantiate_error(&mut self, err: &wasmtime::Error) -> Error {
        let text = error_chain(err);
        let refused = self.store.data().refused.is_some();
        if err.downcast_ref::<Trap>().is_none()
            && (refused || (text.contains("memory") && text.contains("limit")))
        {
            let initial = self
                .guest
                .module()
                .exports()
                .find_map(|export| match export.ty() {
                    wasmtime::ExternType::Memory(m) => Some(m.minimum().saturating_mul(WASM_PAGE)),
                    _ => None,
                });
            if let Some(initial) = initial.filter(|i| *i > self.limits.memory as u64) {
                return Error::MemoryCapBelowInitial {
                    guest: self.name(),
                    limit: self.limits.memory as u64,
                    initial,
                };
            }
            return Error::OutOfMemory {
                guest: self.name(),
                entry: "instantiate".to_owned(),
                limit: self.limits.memory as u64,
                peak: 0,
                requested: self.store.data().refused.map(|r| r as u64),
                diagnostics: Box::new(Diagnostics {
                    panic: None,
                    backtrace: Some(format!("the initial memory is already too large: {text}")),
                    log: GuestLog::default(),
                }),
            };
        }
        let diagnostics = Diagnostics {
            panic: None,
            backtrace: err.downcast_ref::<WasmBacktrace>().map(ToString::to_string),
            log: GuestLog::default(),
        };
        self.classify(err, diagnostics, 0, "instantiate (start function)")
    }

    fn trap_error(
        &mut self,
        err: &wasmtime::Error,
        instance: &Instance,
        memory: Memory,
        entry: &str,
    ) -> Error {
        let panic = self.panic_info(instance, memory);
        let diagnostics = Diagnostics {
            panic,
            backtrace: err.downcast_ref::<WasmBacktrace>().map(ToString::to_string),
            log: self.log(instance, memory),
        };
        let memory_size = memory.data_size(&self.store) as u64;
        self.classify(err, diagnostics, memory_size, entry)
    }

    fn classify(
        &mut self,
        err: &wasmtime::Error,
        diagnostics: Diagnostics,
        memory_size: u64,
        entry: &str,
    ) -> Error {
        let trap = err.downcast_ref::<Trap>().copied();
        let diagnostics = Box::new(diagnostics);
        if trap == Some(Trap::OutOfFuel) {
            return Error::OutOfFuel {
                guest: self.name(),
                entry: entry.to_owned(),
                limit: self.limits.fuel,
                memory: memory_size,
                diagnostics,
            };
        }
        let limit = self.limits.memory as u64;
        // The sandbox's limiter makes `memory.grow` return -1 silently, and what the
        // guest does next (a Rust allocator aborts, a raw module checks the -1) is an
        // ordinary trap: a trap after a refused growth is attributed to the cap. Without
        // one (a guest whose own allocator gives up first), a trap with memory within
        // 1/16 of the cap, or with allocation-failure frames or panic, is attributed too.
        let requested = self.store.data().refused.map(|r| r as u64);
        let at_cap = memory_size + (limit / 16).max(WASM_PAGE) > limit;
        let oom_frames = diagnostics.backtrace.as_deref().is_some_and(|b| {
            b.contains("alloc_error") || b.contains("rust_oom") || b.contains("out_of_memory")
        });
        let oom_panic = diagnostics
            .panic
            .as_deref()
            .is_some_and(|p| p.contains("memory allocation of"));
        if requested.is_some() || at_cap || oom_frames || oom_panic {
            return Error::OutOfMemory {
                guest: self.name(),
                entry: entry.to_owned(),
                limit,
                peak: memory_size,
                requested,
                diagnostics,
            };
        }
        Error::Trap {
            guest: self.name(),
            entry: entry.to_owned(),
            trap: trap.map_or_else(|| root_message(err), |t| t.to_string()),
            fuel_used: self.fuel_used(),
            fuel_limit: self.limits.fuel,
            memory: memory_size,
            diagnostics,
        }
    }

    /// Reads the panic record an rlplugin guest's hook left behind.
    fn panic_info(&mut self, instance: &Instance, memory: Memory) -> Option<String> {
        let buf = self.record(instance, memory, PANIC_INFO_EXPORT, PANIC_INFO_CAP)?;
        let text = String::from_utf8_lossy(&buf);
        Some(match text.split_once('\n') {
            Some((location, message)) => format!("{location}: {message}"),
            None => text.into_owned(),
        })
    }

    /// Reads what an rlplugin guest logged; empty for other guests.
    fn log(&mut self, instance: &Instance, memory: Memory) -> GuestLog {
        self.record(instance, memory, LOG_EXPORT, LOG_HEADER + LOG_CAPACITY)
            .map(|record| GuestLog::parse(&record))
            .unwrap_or_default()
    }

    /// Calls a `() -> i64` record export and reads at most `cap` bytes of the record
    /// it points at; `None` when the guest has no such export or no record. The call
    /// gets a small fresh budget because the trap may have been fuel exhaustion, and
    /// gives the remaining fuel back so the report counts only the guest's own call.
    fn record(
        &mut self,
        instance: &Instance,
        memory: Memory,
        export: &str,
        cap: usize,
    ) -> Option<Vec<u8>> {
        let func = instance
            .get_typed_func::<(), i64>(&mut self.store, export)
            .ok()?;
        let remaining = self.store.get_fuel().ok()?;
        self.store.set_fuel(1_000_000).ok()?;
        let packed = func.call(&mut self.store, ()).ok();
        let _ = self.store.set_fuel(remaining);
        let packed = packed? as u64;
        if packed == 0 {
            return None;
        }
        let ptr = (packed >> 32) as usize;
        let len = ((packed & 0xFFFF_FFFF) as usize).min(cap);
        let mut buf = vec![0u8; len];
        memory.read(&self.store, ptr, &mut buf).ok()?;
        Some(buf)
    }
}

/// The error and its causes joined by `: `, without the backtrace context.
pub(crate) fn error_chain(err: &wasmtime::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.starts_with("error while executing at wasm backtrace") {
            continue;
        }
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn root_message(err: &wasmtime::Error) -> String {
    err.root_cause().to_string()
}
