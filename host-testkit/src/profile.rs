//! Where a plugin's fuel goes: a sampling profile of one `process` call, or of an
//! importer's `extract` call.
//!
//! It backs `rlplugin profile`, uses wasmtime directly and exposes no wasmtime type.
//!
//! The call runs in a store made by rustledger's own `make_sandboxed_store` with the
//! production memory cap and fuel budget, on an engine built from rustledger's
//! `sandbox_config()` plus epoch interruption (the shared production engine has none; epoch
//! checks change codegen but not fuel accounting, which counts wasm operators).
//!
//! Nothing is left to a clock (a timer thread often does not get a core on a loaded machine
//! during a call that lasts 3 ms): the epoch deadline is kept permanently expired, so
//! wasmtime calls back at every function entry and loop header, and every callback reads
//! the fuel left and the guest's stack. Compiled code publishes the fuel it has used at
//! calls and returns, not at loop headers, so the fuel used between two published readings
//! was spent under the stack of the callback *before* the later reading: each function is
//! charged that fuel. Counting callbacks instead would charge a tight loop of cheap
//! iterations far more than it spends (three times more for rlplugin's own output checks).
//! The module profiled is the guest with an empty `loop` after every call: wasmtime charges
//! no fuel for `loop` and `end`, and its header is a callback right after each return, so
//! what a caller runs after a call is charged to the caller, not to the callee that
//! returned. The table is exact. Every `every`-th callback also feeds wasmtime's
//! `GuestProfiler`, weighted by the fuel used since its previous sample; its output is a
//! Firefox-profiler JSON file (open it at <https://profiler.firefox.com>). The callbacks
//! make the profiled call 10–100× slower in wall time; its fuel is unchanged.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use rlplugin_testkit::{Guest, profile::Profiler};
//! let guest = Guest::from_file("my_plugin.wasm")?;
//! let input = guest.plugin().ledger("2024-01-01 open Assets:Cash\n").run()?.input_bytes().to_vec();
//! let profile = Profiler::new(&guest).input(input).run()?;
//! for f in profile.functions().iter().take(10) {
//!     println!("{:>12} {}", f.self_fuel, f.name);
//! }
//! std::fs::write("profile.json", profile.firefox_json())?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustledger_plugin::sandbox;
use serde::Serialize;
use wasmtime::{Engine, GuestProfiler, Linker, Module, UpdateDeadline, WasmBacktrace};

use crate::{Error, Guest};

/// One guest function's share of the call's fuel.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionCost {
    /// The name from the module's name section (a Rust symbol demangled, e.g.
    /// `my_plugin::process`), or `func[<index>]` without one.
    pub name: String,
    /// Fuel spent in this function itself.
    pub self_fuel: u64,
    /// Fuel spent while it was anywhere on the stack (itself and what it called).
    pub total_fuel: u64,
}

/// The result of a profiled call: per-function costs, the Firefox profile, and how the
/// call ended. Owns everything; cheap to keep.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    functions: Vec<FunctionCost>,
    samples: u64,
    fuel_used: u64,
    completed: bool,
    outcome: String,
    #[serde(skip)]
    firefox_json: Vec<u8>,
}

impl Profile {
    /// Functions by self fuel, most expensive first.
    pub fn functions(&self) -> &[FunctionCost] {
        &self.functions
    }

    /// Stack samples in the Firefox profile (one per `every` function entries and loop
    /// iterations). The table does not depend on it: it reads the stack at every one.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Fuel the whole call used (instantiation, handshake, `alloc`, the profiled export).
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// Whether the profiled export returned; when it did not, [`outcome`](Self::outcome) says why.
    pub fn completed(&self) -> bool {
        self.completed
    }

    /// `completed` or why the call stopped (e.g. the fuel trap), so a plugin that runs out
    /// of budget can still be profiled up to that point.
    pub fn outcome(&self) -> &str {
        &self.outcome
    }

    /// The profile in the Firefox profiler's processed format.
    pub fn firefox_json(&self) -> &[u8] {
        &self.firefox_json
    }
}

/// A one-shot request to profile `process` (or `extract`) on given input bytes; consumed by
/// [`Profiler::run`].
#[must_use = "a Profiler does nothing until `.run()`"]
pub struct Profiler<'g> {
    guest: &'g Guest,
    input: Option<Vec<u8>>,
    entry: &'static str,
    fuel: u64,
    every: u64,
}

impl<'g> Profiler<'g> {
    /// Profile `guest` with production fuel, one Firefox-profile sample per 100 function
    /// entries or loop iterations.
    pub fn new(guest: &'g Guest) -> Self {
        Profiler {
            guest,
            input: None,
            entry: rlplugin_types::PROCESS_EXPORT,
            fuel: crate::PRODUCTION_FUEL,
            every: 100,
        }
    }

    /// The exact `PluginInput` bytes to send, e.g. [`Run::input_bytes`](crate::Run::input_bytes).
    pub fn input(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.input = Some(bytes.into());
        self
    }

    /// Profile an importer's `extract` call instead of a plugin's `process`; the input is
    /// then an `ImporterInput`, e.g. [`ImportRun::input_bytes`](crate::ImportRun::input_bytes).
    pub fn extract(mut self) -> Self {
        self.entry = rlplugin_types::EXTRACT_EXPORT;
        self
    }

    /// Fuel budget of the profiled call (production: 30,000,000).
    pub fn fuel(mut self, fuel: u64) -> Self {
        self.fuel = fuel;
        self
    }

    /// Function entries and loop iterations between the Firefox profile's samples; smaller
    /// gives more samples. The fuel table is the same whatever it is.
    pub fn every(mut self, callbacks: u64) -> Self {
        self.every = callbacks.max(1);
        self
    }

    /// Run the call under the profiler. A trap (fuel included) is not an error: it ends
    /// the profile and is reported by [`Profile::outcome`].
    ///
    /// # Errors
    ///
    /// [`Error::Usage`] without input or when the module cannot be set up for profiling
    /// (it does not compile or instantiate, or fails the ABI handshake).
    pub fn run(self) -> Result<Profile, Error> {
        let input = self.input.ok_or_else(|| {
            Error::Usage("the profiler has no input; fix: call .input(bytes)".to_owned())
        })?;
        let setup = |what: &str, e: wasmtime::Error| {
            Error::Usage(format!(
                "cannot profile guest `{}`: {what}: {e:#}",
                self.guest.name()
            ))
        };
        let mut config = sandbox::sandbox_config();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| setup("engine", e))?;
        let instrumented = callbacks_after_calls(self.guest.wasm_bytes()).map_err(|e| {
            Error::Usage(format!(
                "cannot profile guest `{}`: its module cannot be read: {e}",
                self.guest.name()
            ))
        })?;
        let module = Module::new(&engine, &instrumented).map_err(|e| setup("compile", e))?;
        let mut store =
            sandbox::make_sandboxed_store(&engine, sandbox::DEFAULT_SANDBOX_MAX_MEMORY, 1)
                .map_err(|e| setup("store", e))?;
        store.set_fuel(self.fuel).map_err(|e| setup("fuel", e))?;

        let profiler = GuestProfiler::new(
            &engine,
            self.guest.name(),
            Duration::from_nanos(self.every),
            [(self.guest.name().to_owned(), module.clone())],
        )
        .map_err(|e| setup("profiler", e))?;
        let state = Arc::new(Mutex::new(Sampling {
            profiler: Some(profiler),
            every: self.every,
            checks: 0,
            samples: 0,
            fuel_left: self.fuel,
            fuel_at_sample: self.fuel,
            stack: Vec::new(),
            costs: HashMap::new(),
        }));
        let hook_state = state.clone();
        store.epoch_deadline_callback(move |ctx| {
            if let Ok(mut s) = hook_state.lock() {
                s.check(&ctx);
            }
            // A deadline equal to the (never advanced) epoch stays expired: call back again
            // at the next check.
            Ok(UpdateDeadline::Continue(0))
        });
        store.set_epoch_deadline(0);

        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .map_err(|e| setup("instantiate", e))?;
        let memory_size = instance
            .get_memory(&mut store, rlplugin_types::MEMORY_EXPORT)
            .map_or(0, |m| m.data_size(&store) as u64);
        crate::runner::abi_handshake(self.guest, &instance, &mut store, self.fuel, memory_size)?;

        let (completed, outcome) = call_entry(&mut store, &instance, self.entry, &input);

        let fuel_left = store.get_fuel().unwrap_or(0);
        let fuel_used = self.fuel.saturating_sub(fuel_left);
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        // What ran after the last callback (the end of the call) belongs to its stack.
        let rest = s.fuel_left.saturating_sub(fuel_left);
        s.charge(rest);
        let mut firefox_json = Vec::new();
        if let Some(profiler) = s.profiler.take() {
            profiler
                .finish(&mut firefox_json)
                .map_err(|e| setup("write profile", e))?;
        }
        let mut functions: Vec<FunctionCost> = s.costs.drain().map(|(_, cost)| cost).collect();
        functions.sort_by(|a, b| {
            b.self_fuel
                .cmp(&a.self_fuel)
                .then(b.total_fuel.cmp(&a.total_fuel))
                .then(a.name.cmp(&b.name))
        });
        Ok(Profile {
            functions,
            samples: s.samples,
            fuel_used,
            completed,
            outcome,
            firefox_json,
        })
    }
}

/// `wasm` with an empty `loop` after every call instruction, and otherwise the same module
/// (indices, names and custom sections included): a free epoch check at each return.
fn callbacks_after_calls(wasm: &[u8]) -> Result<Vec<u8>, String> {
    use wasm_encoder::reencode::{Error as ReencodeError, Reencode, utils};
    use wasm_encoder::{BlockType, CodeSection, Instruction};
    use wasmparser::{FunctionBody, Operator};

    struct AfterCalls;

    impl Reencode for AfterCalls {
        type Error = std::convert::Infallible;

        fn parse_function_body(
            &mut self,
            code: &mut CodeSection,
            body: FunctionBody<'_>,
        ) -> Result<(), ReencodeError<Self::Error>> {
            let mut function = self.new_function_with_parsed_locals(&body)?;
            let mut operators = body.get_operators_reader()?;
            while !operators.eof() {
                let operator = operators.read()?;
                let call = matches!(
                    operator,
                    Operator::Call { .. }
                        | Operator::CallIndirect { .. }
                        | Operator::CallRef { .. }
                );
                function.instruction(&utils::instruction(self, operator)?);
                if call {
                    function.instruction(&Instruction::Loop(BlockType::Empty));
                    function.instruction(&Instruction::End);
                }
            }
            code.function(&function);
            Ok(())
        }
    }

    // The trait's other hooks copy the module as it is.
    let mut module = wasm_encoder::Module::new();
    AfterCalls
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .map_err(|e| e.to_string())?;
    Ok(module.finish())
}

struct Sampling {
    profiler: Option<GuestProfiler>,
    every: u64,
    /// Callbacks so far.
    checks: u64,
    /// Samples given to the Firefox profiler.
    samples: u64,
    /// Fuel left as last published by the guest.
    fuel_left: u64,
    /// Fuel left at the Firefox profiler's previous sample.
    fuel_at_sample: u64,
    /// Function indices of the previous callback's stack, innermost first.
    stack: Vec<u32>,
    costs: HashMap<u32, FunctionCost>,
}

impl Sampling {
    /// One callback: charges the fuel published since the previous one to the previous
    /// stack, then records the current stack.
    fn check(&mut self, ctx: &wasmtime::StoreContextMut<'_, sandbox::StoreState>) {
        let fuel_left = ctx.get_fuel().unwrap_or(self.fuel_left);
        let spent = self.fuel_left.saturating_sub(fuel_left);
        self.fuel_left = fuel_left;
        self.charge(spent);

        let trace = WasmBacktrace::capture(ctx);
        self.stack.clear();
        for frame in trace.frames() {
            let index = frame.func_index();
            self.stack.push(index);
            self.costs.entry(index).or_insert_with(|| FunctionCost {
                // Demangled without the hash suffix, as wasmtime prints backtraces.
                name: frame.func_name().map_or_else(
                    || format!("func[{index}]"),
                    |name| format!("{:#}", rustc_demangle::demangle(name)),
                ),
                self_fuel: 0,
                total_fuel: 0,
            });
        }

        self.checks += 1;
        if self.checks.is_multiple_of(self.every)
            && let Some(profiler) = self.profiler.as_mut()
        {
            // The Firefox profile's sample weight is a duration: one nanosecond per fuel.
            let weight = self.fuel_at_sample.saturating_sub(fuel_left);
            self.fuel_at_sample = fuel_left;
            profiler.sample(ctx, Duration::from_nanos(weight));
            self.samples += 1;
        }
    }

    /// Charges `fuel` to the recorded stack: its innermost function's own fuel, and the
    /// total of every function on it (once, however deep it recurses).
    fn charge(&mut self, fuel: u64) {
        if fuel == 0 {
            return;
        }
        for (depth, &index) in self.stack.iter().enumerate() {
            if self.stack[..depth].contains(&index) {
                continue;
            }
            if let Some(cost) = self.costs.get_mut(&index) {
                if depth == 0 {
                    cost.self_fuel += fuel;
                }
                cost.total_fuel += fuel;
            }
        }
    }
}

fn call_entry(
    store: &mut wasmtime::Store<sandbox::StoreState>,
    instance: &wasmtime::Instance,
    entry: &str,
    input: &[u8],
) -> (bool, String) {
    let mut run = || -> wasmtime::Result<u64> {
        let memory = instance
            .get_memory(&mut *store, rlplugin_types::MEMORY_EXPORT)
            .ok_or_else(|| wasmtime::Error::msg("no `memory` export"))?;
        let alloc =
            instance.get_typed_func::<i32, i32>(&mut *store, rlplugin_types::ALLOC_EXPORT)?;
        let call = instance.get_typed_func::<(i32, i32), i64>(&mut *store, entry)?;
        let len = i32::try_from(input.len())
            .map_err(|_| wasmtime::Error::msg("input larger than 2 GiB"))?;
        let ptr = alloc.call(&mut *store, len)?;
        memory.write(&mut *store, ptr as u32 as usize, input)?;
        let packed = call.call(&mut *store, (ptr, len))?;
        Ok(packed as u64 & 0xFFFF_FFFF)
    };
    match run() {
        Ok(len) => (true, format!("completed ({len} bytes of output)")),
        Err(e) => (
            false,
            match e.downcast_ref::<wasmtime::Trap>() {
                Some(wasmtime::Trap::OutOfFuel) => "stopped: out of fuel".to_owned(),
                Some(trap) => format!("stopped: trap: {trap}"),
                None => format!("stopped: {}", e.root_cause()),
            },
        ),
    }
}
