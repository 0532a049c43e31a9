//! Where a plugin's fuel goes: a sampling profile of one `process` call.
//!
//! Added for `rlplugin profile` by the CLI engineer (module owned by the CLI; the
//! `pub mod profile;` line in lib.rs is its only hook). It uses wasmtime directly but
//! exposes no wasmtime type.
//!
//! The call runs in a store made by rustledger's own `make_sandboxed_store` with the
//! production memory cap and fuel budget, on an engine built from rustledger's
//! `sandbox_config()` plus epoch interruption (the shared production engine has none; epoch
//! checks change codegen but not fuel accounting, which counts wasm operators).
//!
//! Sampling is by fuel, not by clock, so it is deterministic and works on a loaded machine
//! (a timer thread often does not get a core during a call that lasts 3 ms): the epoch
//! deadline is kept permanently expired, so wasmtime calls back at every function entry and
//! loop header; whenever at least `every` fuel has been burnt since the last sample, the
//! guest's stack is sampled and the sample weighted by that fuel. The table ranks functions
//! by fuel. The same samples feed wasmtime's `GuestProfiler`, whose output is a
//! Firefox-profiler JSON file (open it at <https://profiler.firefox.com>); there the "CPU"
//! weight of each sample is its fuel, recorded as 1 ns per unit. The callbacks make the
//! profiled call 10–100× slower in wall time; its fuel is unchanged.
//!
//! ```no_run
//! # fn main() -> Result<(), rlplugin_testkit::Error> {
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

use rustledger_plugin::sandbox::{self, AbiCheck};
use serde::Serialize;
use wasmtime::{Engine, GuestProfiler, Linker, Module, UpdateDeadline, WasmBacktrace};

use crate::{Error, Guest};

/// One guest function's share of the sampled fuel.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionCost {
    /// The name from the module's name section, or `func[<index>]` without one.
    pub name: String,
    /// Fuel of samples where this function was running (the leaf frame).
    pub self_fuel: u64,
    /// Fuel of samples where this function was anywhere on the stack.
    pub total_fuel: u64,
    /// Samples where it was the leaf frame.
    pub self_samples: u64,
}

/// The result of a profiled call: per-function costs, the Firefox profile, and how the
/// call ended. Owns everything; cheap to keep.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    functions: Vec<FunctionCost>,
    samples: u64,
    fuel_used: u64,
    sampled_fuel: u64,
    outcome: String,
    #[serde(skip)]
    firefox_json: Vec<u8>,
}

impl Profile {
    /// Functions by self fuel, most expensive first.
    pub fn functions(&self) -> &[FunctionCost] {
        &self.functions
    }

    /// Number of stack samples taken.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Fuel the whole call used (instantiation, handshake, `alloc`, `process`).
    pub fn fuel_used(&self) -> u64 {
        self.fuel_used
    }

    /// Fuel attributed to samples; the rest ran after the last tick (or in the start
    /// function and handshake).
    pub fn sampled_fuel(&self) -> u64 {
        self.sampled_fuel
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

/// A one-shot request to profile `process` on given input bytes; consumed by
/// [`Profiler::run`].
#[must_use = "a Profiler does nothing until `.run()`"]
pub struct Profiler<'g> {
    guest: &'g Guest,
    input: Option<Vec<u8>>,
    fuel: u64,
    every: u64,
}

impl<'g> Profiler<'g> {
    /// Profile `guest` with production fuel, one sample per 10,000 fuel.
    pub fn new(guest: &'g Guest) -> Self {
        Profiler {
            guest,
            input: None,
            fuel: crate::PRODUCTION_FUEL,
            every: 10_000,
        }
    }

    /// The exact `PluginInput` bytes to send, e.g. [`Run::input_bytes`](crate::Run::input_bytes).
    pub fn input(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.input = Some(bytes.into());
        self
    }

    /// Fuel budget of the profiled call (production: 30,000,000).
    pub fn fuel(mut self, fuel: u64) -> Self {
        self.fuel = fuel;
        self
    }

    /// Fuel between samples; smaller gives more samples (and a slower call).
    pub fn every(mut self, fuel: u64) -> Self {
        self.every = fuel.max(1);
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
        let module =
            Module::new(&engine, self.guest.wasm_bytes()).map_err(|e| setup("compile", e))?;
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
            last_fuel: self.fuel,
            every: self.every,
            samples: 0,
            sampled_fuel: 0,
            costs: HashMap::new(),
        }));
        let hook_state = state.clone();
        store.epoch_deadline_callback(move |ctx| {
            let fuel_left = ctx.get_fuel().unwrap_or(0);
            if let Ok(mut s) = hook_state.lock()
                && s.last_fuel.saturating_sub(fuel_left) >= s.every
            {
                s.sample(&ctx, fuel_left);
            }
            // A deadline equal to the (never advanced) epoch stays expired: call back again
            // at the next check.
            Ok(UpdateDeadline::Continue(0))
        });
        store.set_epoch_deadline(0);

        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .map_err(|e| setup("instantiate", e))?;
        match sandbox::check_guest_abi(&instance, &mut store) {
            AbiCheck::Match => {}
            other => {
                return Err(Error::Usage(format!(
                    "cannot profile guest `{}`: ABI handshake failed ({other:?})",
                    self.guest.name()
                )));
            }
        }

        let outcome = call_process(&mut store, &instance, &input);

        let fuel_used = self.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        let mut firefox_json = Vec::new();
        if let Some(profiler) = s.profiler.take() {
            profiler
                .finish(&mut firefox_json)
                .map_err(|e| setup("write profile", e))?;
        }
        let mut functions: Vec<FunctionCost> = s.costs.drain().map(|(_, c)| c).collect();
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
            sampled_fuel: s.sampled_fuel,
            outcome,
            firefox_json,
        })
    }
}

struct Sampling {
    profiler: Option<GuestProfiler>,
    last_fuel: u64,
    every: u64,
    samples: u64,
    sampled_fuel: u64,
    costs: HashMap<String, FunctionCost>,
}

impl Sampling {
    fn sample(&mut self, ctx: &wasmtime::StoreContextMut<'_, sandbox::StoreState>, fuel_left: u64) {
        let delta = self.last_fuel.saturating_sub(fuel_left);
        self.last_fuel = fuel_left;
        if let Some(p) = self.profiler.as_mut() {
            p.sample(ctx, Duration::from_nanos(delta));
        }
        let trace = WasmBacktrace::capture(ctx);
        let mut seen = Vec::new();
        for (depth, frame) in trace.frames().iter().enumerate() {
            let name = frame
                .func_name()
                .map_or_else(|| format!("func[{}]", frame.func_index()), str::to_owned);
            let cost = self.costs.entry(name.clone()).or_insert(FunctionCost {
                name: name.clone(),
                self_fuel: 0,
                total_fuel: 0,
                self_samples: 0,
            });
            if depth == 0 {
                cost.self_fuel += delta;
                cost.self_samples += 1;
            }
            // Recursion must not count a sample twice towards the inclusive total.
            if !seen.contains(&name) {
                cost.total_fuel += delta;
                seen.push(name);
            }
        }
        self.samples += 1;
        self.sampled_fuel += delta;
    }
}

fn call_process(
    store: &mut wasmtime::Store<sandbox::StoreState>,
    instance: &wasmtime::Instance,
    input: &[u8],
) -> String {
    let mut run = || -> wasmtime::Result<u64> {
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or_else(|| wasmtime::Error::msg("no `memory` export"))?;
        let alloc = instance.get_typed_func::<i32, i32>(&mut *store, "alloc")?;
        let process = instance.get_typed_func::<(i32, i32), i64>(&mut *store, "process")?;
        let len = i32::try_from(input.len())
            .map_err(|_| wasmtime::Error::msg("input larger than 2 GiB"))?;
        let ptr = alloc.call(&mut *store, len)?;
        memory.write(&mut *store, ptr as u32 as usize, input)?;
        let packed = process.call(&mut *store, (ptr, len))?;
        Ok(packed as u64 & 0xFFFF_FFFF)
    };
    match run() {
        Ok(len) => format!("completed ({len} bytes of output)"),
        Err(e) => match e.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::OutOfFuel) => "stopped: out of fuel".to_owned(),
            Some(trap) => format!("stopped: trap: {trap}"),
            None => format!("stopped: {}", e.root_cause()),
        },
    }
}
