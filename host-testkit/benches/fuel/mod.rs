//! Fuel and size measurements of the same guest sources built against rlplugin and against
//! rustledger-plugin-types 0.24, run in rustledger 0.24's production sandbox. Shared by
//! `benches/sdk_fuel.rs` (the side-by-side table) and `tests/sdk_fuel_targets.rs` (the
//! regression guard).
//!
//! Each guest in `benches/guests/` is compiled through a generated manifest whose `[lib]`
//! path points at that source and whose only dependency is named `rustledger-plugin-types`:
//! either `{ package = "rlplugin", path = … }` or `{ version = "=0.24.0", features =
//! ["guest"] }`. Migrating a plugin is that one line.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use rustledger_plugin::sandbox::{
    AbiCheck, DEFAULT_SANDBOX_MAX_MEMORY, DEFAULT_SANDBOX_MAX_TIME_SECS, check_guest_abi,
    make_sandboxed_store, shared_engine,
};
use rustledger_plugin_types as up;
use wasmtime::{Engine, Linker, Module};

/// Validator target, fuel per directive.
pub const VALIDATOR_TARGET: u64 = 3_900;
/// Tagger target, fuel per directive.
pub const TAGGER_TARGET: u64 = 6_000;
/// Minimal plugin target, bytes of `.wasm`.
pub const MINIMAL_SIZE_TARGET: usize = 50_000;
/// Importer target: a statement of this many bytes in one `extract` call.
pub const IMPORTER_TARGET: usize = 2 << 20;
/// Stretch target: directives processed in one call.
pub const STRETCH_DIRECTIVES: usize = 9_500;
/// The fuel cap for measuring fuel per directive on a ledger larger than the production
/// limit allows (rustledger's SDK spends ~500,000,000 on 10,000 directives).
pub const RAISED_FUEL: u64 = 5_000_000_000;

/// How much fuel a call gets. Memory is always the production sandbox's 256 MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuelLimit {
    /// rustledger 0.24's production limit, 30,000,000 per call.
    Production,
    /// [`RAISED_FUEL`]: measures cost per directive, says nothing about what fits.
    Raised,
}

/// Which crate stands behind the name `rustledger_plugin_types`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sdk {
    /// This repository's `guest-sdk`.
    Rlplugin,
    /// rustledger-plugin-types 0.24.0 with its `guest` feature.
    Upstream,
}

impl Sdk {
    fn slug(self) -> &'static str {
        match self {
            Self::Rlplugin => "rlplugin",
            Self::Upstream => "upstream",
        }
    }

    fn dependency(self, workspace: &Path) -> String {
        match self {
            Self::Rlplugin => format!(
                "rustledger-plugin-types = {{ package = \"rlplugin\", path = {:?} }}",
                workspace.join("guest-sdk")
            ),
            Self::Upstream => {
                "rustledger-plugin-types = { version = \"=0.24.0\", features = [\"guest\"] }"
                    .to_owned()
            }
        }
    }
}

impl fmt::Display for Sdk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rlplugin => "rlplugin",
            Self::Upstream => "rustledger-plugin-types 0.24",
        })
    }
}

/// The benchmark guests, one source file each in `benches/guests/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GuestKind {
    /// Reads every posting, keeps every directive.
    Validator,
    /// Adds a tag to every transaction with `Modify`.
    Tagger,
    /// Keeps everything; built for size.
    Minimal,
    /// Reads a CSV statement line by line.
    Importer,
    /// Reports the statement's length without reading it: the SDK's share of the
    /// importer's fuel.
    ImporterBaseline,
}

impl GuestKind {
    /// Every guest.
    pub const ALL: [Self; 5] = [
        Self::Validator,
        Self::Tagger,
        Self::Minimal,
        Self::Importer,
        Self::ImporterBaseline,
    ];

    fn slug(self) -> &'static str {
        match self {
            Self::Validator => "validator",
            Self::Tagger => "tagger",
            Self::Minimal => "minimal",
            Self::Importer => "importer",
            Self::ImporterBaseline => "importer_baseline",
        }
    }

    /// The size guest is built with opt-level "s"; the others with opt-level 3.
    fn profile(self) -> &'static str {
        match self {
            Self::Minimal => "size",
            _ => "release",
        }
    }
}

/// The release profiles, identical for both SDKs. `release` is rlplugin's recommended
/// guest profile (the repository root's); it is also kinder to rustledger's SDK than the
/// plain `cargo build --release` its documentation suggests. `size` is the issue's size
/// profile.
pub const PROFILES: &str = r#"[profile.release]
opt-level = 3
lto = true
codegen-units = 1
panic = "abort"
strip = true

[profile.size]
inherits = "release"
opt-level = "s"
"#;

/// One compiled guest.
pub struct Guest {
    /// SDK it was built with.
    pub sdk: Sdk,
    /// Which guest.
    pub kind: GuestKind,
    /// The `.wasm` file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    module: Module,
}

/// The repository root (the workspace holding `host-testkit`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host-testkit lives inside the workspace")
        .to_path_buf()
}

fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, contents)
}

fn package_name(sdk: Sdk, kind: GuestKind) -> String {
    format!("fuel-{}-{}", kind.slug().replace('_', "-"), sdk.slug())
}

/// Writes the generated workspace under `target/sdk-fuel/` and builds the requested guests
/// for wasm32-unknown-unknown (one cargo invocation per profile), returning them compiled
/// for the production engine.
///
/// # Errors
///
/// A failed cargo build (its diagnostics are printed by cargo) or an unloadable module.
pub fn build(sdks: &[Sdk], kinds: &[GuestKind]) -> Result<Vec<Guest>, String> {
    let workspace = workspace_root();
    let root = workspace.join("target").join("sdk-fuel");
    let mut members = Vec::new();
    for &sdk in [Sdk::Rlplugin, Sdk::Upstream].iter() {
        for kind in GuestKind::ALL {
            let name = package_name(sdk, kind);
            let source = workspace
                .join("host-testkit/benches/guests")
                .join(format!("{}.rs", kind.slug()));
            let manifest = format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [lib]\ncrate-type = [\"cdylib\"]\npath = {source:?}\n\n\
                 [dependencies]\n{}\n",
                sdk.dependency(&workspace)
            );
            write_if_changed(&root.join(&name).join("Cargo.toml"), &manifest)
                .map_err(|e| format!("cannot write the {name} manifest: {e}"))?;
            members.push(format!("{name:?}"));
        }
    }
    let workspace_manifest = format!(
        "# Generated by host-testkit/benches/fuel; do not edit.\n[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n{PROFILES}",
        members.join(", ")
    );
    write_if_changed(&root.join("Cargo.toml"), &workspace_manifest)
        .map_err(|e| format!("cannot write the generated workspace: {e}"))?;
    let lock = root.join("Cargo.lock");
    if !lock.exists() {
        // Start from the repository's lock so both SDKs build with the versions CI tested.
        std::fs::copy(workspace.join("Cargo.lock"), &lock)
            .map_err(|e| format!("cannot seed {}: {e}", lock.display()))?;
    }

    let mut by_profile: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for &sdk in sdks {
        for &kind in kinds {
            by_profile
                .entry(kind.profile())
                .or_default()
                .push(package_name(sdk, kind));
        }
    }
    let mut artifacts: HashMap<String, PathBuf> = HashMap::new();
    for (profile, packages) in by_profile {
        artifacts.extend(cargo_build(&root, profile, &packages)?);
    }

    let engine = shared_engine();
    let mut guests = Vec::new();
    for &sdk in sdks {
        for &kind in kinds {
            let name = package_name(sdk, kind);
            let path = artifacts
                .get(&name)
                .ok_or_else(|| format!("cargo reported no .wasm for {name}"))?
                .clone();
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let module = Module::new(&engine, &bytes)
                .map_err(|e| format!("{name}: the production engine rejects the module: {e:#}"))?;
            guests.push(Guest {
                sdk,
                kind,
                path,
                size: bytes.len(),
                module,
            });
        }
    }
    Ok(guests)
}

/// Runs cargo for `packages` and maps each package name to its `.wasm`, read from cargo's
/// `compiler-artifact` messages.
fn cargo_build(
    root: &Path,
    profile: &str,
    packages: &[String],
) -> Result<HashMap<String, PathBuf>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            profile,
        ])
        .args(["--message-format", "json-render-diagnostics"])
        .env("CARGO_TARGET_DIR", root.join("target"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for package in packages {
        command.args(["-p", package]);
    }
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_TARGET_DIR",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_LLVM_COV",
        "LLVM_PROFILE_FILE",
    ] {
        command.env_remove(var);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run cargo to build the benchmark guests: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut artifacts = HashMap::new();
    for message in cargo_metadata::Message::parse_stream(BufReader::new(stdout)) {
        let Ok(cargo_metadata::Message::CompilerArtifact(artifact)) = message else {
            continue;
        };
        let name = artifact.target.name.replace('_', "-");
        if let Some(wasm) = artifact
            .filenames
            .iter()
            .find(|file| file.extension() == Some("wasm"))
        {
            artifacts.insert(name, wasm.clone().into_std_path_buf());
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cargo did not finish: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the benchmark guests ({}) failed: see cargo's output above",
            packages.join(", ")
        ));
    }
    Ok(artifacts)
}

/// How one call went.
pub struct Call {
    /// Fuel consumed, from instantiation to return or trap.
    pub fuel: u64,
    /// The output bytes, or why there are none.
    pub output: Result<Vec<u8>, String>,
}

impl Guest {
    /// Loads an already built module (for experiments outside the generated workspace).
    ///
    /// # Errors
    ///
    /// The file cannot be read or the production engine rejects it.
    pub fn from_file(sdk: Sdk, kind: GuestKind, path: &Path) -> Result<Self, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let module = Module::new(&shared_engine(), &bytes)
            .map_err(|e| format!("the production engine rejects {}: {e:#}", path.display()))?;
        Ok(Self {
            sdk,
            kind,
            path: path.to_owned(),
            size: bytes.len(),
            module,
        })
    }

    /// Calls `export` on `input` in a fresh production-sandboxed instance, as rustledger
    /// does: production memory limit, `limit`'s fuel, ABI handshake (plugins), `alloc`,
    /// write, call, read.
    pub fn call(&self, export: &str, input: &[u8], limit: FuelLimit) -> Call {
        let engine: Arc<Engine> = shared_engine();
        let mut store = make_sandboxed_store(
            &engine,
            DEFAULT_SANDBOX_MAX_MEMORY,
            DEFAULT_SANDBOX_MAX_TIME_SECS,
        )
        .expect("the production engine meters fuel");
        if limit == FuelLimit::Raised {
            store.set_fuel(RAISED_FUEL).expect("fuel is enabled");
        }
        let budget = store.get_fuel().expect("fuel is enabled");
        let output = (|| {
            let instance = Linker::new(&engine)
                .instantiate(&mut store, &self.module)
                .map_err(|e| format!("instantiate: {e:#}"))?;
            if export == "process" && check_guest_abi(&instance, &mut store) != AbiCheck::Match {
                return Err("ABI handshake failed".to_owned());
            }
            let memory = instance
                .get_memory(&mut store, "memory")
                .ok_or("no memory export")?;
            let alloc = instance
                .get_typed_func::<u32, u32>(&mut store, "alloc")
                .map_err(|e| format!("alloc: {e:#}"))?;
            let entry = instance
                .get_typed_func::<(u32, u32), u64>(&mut store, export)
                .map_err(|e| format!("{export}: {e:#}"))?;
            let len = u32::try_from(input.len()).map_err(|_| "input over 4 GiB")?;
            let ptr = alloc.call(&mut store, len).map_err(trap)?;
            memory
                .write(&mut store, ptr as usize, input)
                .map_err(|e| format!("write input: {e}"))?;
            let packed = entry.call(&mut store, (ptr, len)).map_err(trap)?;
            let (out_ptr, out_len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
            let mut out = vec![0; out_len];
            memory
                .read(&store, out_ptr, &mut out)
                .map_err(|e| format!("read output: {e}"))?;
            Ok(out)
        })();
        let fuel = budget - store.get_fuel().expect("fuel is enabled");
        Call { fuel, output }
    }

    /// Runs `process` on `input` and checks the output the way the host would: it must
    /// decode as rustledger-plugin-types 0.24's `PluginOutput` and pass
    /// `validate_op_coverage`.
    pub fn process(
        &self,
        input: &up::PluginInput,
        limit: FuelLimit,
    ) -> Result<(u64, up::PluginOutput), String> {
        let bytes = rmp_serde::to_vec(input).expect("upstream input encodes");
        let call = self.call("process", &bytes, limit);
        let out = call.output?;
        let output: up::PluginOutput = rmp_serde::from_slice(&out)
            .map_err(|e| format!("the host cannot decode the output: {e}"))?;
        up::validate_op_coverage(input.directives.len(), &output.ops)?;
        Ok((call.fuel, output))
    }

    /// Runs `extract` on a statement under the production limits.
    pub fn extract(&self, content: Vec<u8>) -> Result<(u64, up::ImporterOutput), String> {
        let bytes = rmp_serde::to_vec(&importer_input(content)).expect("upstream input encodes");
        let call = self.call("extract", &bytes, FuelLimit::Production);
        let out = call.output?;
        let output = rmp_serde::from_slice(&out)
            .map_err(|e| format!("the host cannot decode the output: {e}"))?;
        Ok((call.fuel, output))
    }
}

fn trap(error: wasmtime::Error) -> String {
    match error.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::OutOfFuel) => "out of fuel".to_owned(),
        Some(trap) => format!("trap: {trap}"),
        None => format!("{error:#}"),
    }
}

/// The `day`-th date of synthetic years starting at `first_year`: twelve months of 28 days,
/// so every date is valid without a calendar.
fn synthetic_date(first_year: usize, day: usize) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        first_year + day / 336,
        day / 28 % 12 + 1,
        day % 28 + 1
    )
}

/// The synthetic ledger as the host would send it: `n` transactions, each with a payee, a
/// narration, one tag, one metadata entry and two postings (the second one interpolated by
/// the host, so both carry units), with source locations.
pub fn ledger(n: usize) -> up::PluginInput {
    let meta = |key: &str, value: String| (key.to_owned(), up::MetaValueData::String(value));
    let directives = (0..n)
        .map(|i| {
            let date = synthetic_date(2000, i / 30);
            let cents = 100 + (i * 7919) % 90_000;
            let number = format!("{}.{:02}", cents / 100, cents % 100);
            let lineno = u32::try_from(4 + i * 6).expect("small ledger");
            let posting = |account: &str, number: String, start: u64| up::PostingData {
                account: account.to_owned(),
                units: Some(up::AmountData {
                    number,
                    currency: "USD".to_owned(),
                }),
                cost: None,
                price: None,
                flag: None,
                metadata: Vec::new(),
                span: Some(up::SourceSpan {
                    start,
                    end: start + 30,
                    file_id: 0,
                }),
            };
            let offset = (i as u64) * 180;
            up::DirectiveWrapper {
                directive_type: String::new(),
                date,
                filename: Some("/home/user/books/main.beancount".to_owned()),
                lineno: Some(lineno),
                data: up::DirectiveData::Transaction(up::TransactionData {
                    flag: "*".to_owned(),
                    payee: Some(format!("Grocery Store {}", i % 97)),
                    narration: format!("Weekly shopping {i}"),
                    tags: vec!["food".to_owned()],
                    links: Vec::new(),
                    metadata: vec![meta("receipt", format!("R-{i:06}"))],
                    postings: vec![
                        posting("Expenses:Food:Groceries", number.clone(), offset + 80),
                        posting("Assets:Bank:Checking", format!("-{number}"), offset + 120),
                    ],
                }),
            }
        })
        .collect();
    up::PluginInput {
        directives,
        options: up::PluginOptions {
            operating_currencies: vec!["USD".to_owned()],
            title: None,
            account_types: up::PluginAccountTypes::default(),
        },
        config: None,
    }
}

/// A CSV statement of at least `bytes` bytes, whole lines only, with what the importer
/// should make of it.
pub struct Statement {
    /// `date,payee,amount` lines; one in ten has a non-ASCII payee, so its bytes arrive as
    /// two-byte integers.
    pub content: Vec<u8>,
    /// Lines.
    pub rows: usize,
    /// Sum of the amounts, in cents.
    pub total_cents: i64,
}

/// A [`Statement`] of at least `bytes` bytes.
pub fn statement(bytes: usize) -> Statement {
    let mut out = Vec::with_capacity(bytes + 64);
    let mut rows = 0;
    let mut total_cents = 0;
    while out.len() < bytes {
        let payee = if rows % 10 == 0 {
            "Café Zoë"
        } else {
            "Coffee Shop"
        };
        let cents = 100 + (rows * 7919) % 90_000;
        let line = format!(
            "2024-{:02}-{:02},{payee} {},-{}.{:02}\n",
            rows / 28 % 12 + 1,
            rows % 28 + 1,
            rows % 1000,
            cents / 100,
            cents % 100
        );
        out.extend_from_slice(line.as_bytes());
        total_cents -= cents as i64;
        rows += 1;
    }
    Statement {
        content: out,
        rows,
        total_cents,
    }
}

/// The importer input rustledger 0.24 builds for `rledger extract` (its CSV options
/// included).
pub fn importer_input(content: Vec<u8>) -> up::ImporterInput {
    let options = [
        ("date_format", "%Y-%m-%d"),
        ("delimiter", ","),
        ("has_header", "false"),
        ("skip_rows", "0"),
        ("invert_sign", "false"),
        ("skip_zero_amounts", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    up::ImporterInput {
        path: "/statements/bank.csv".to_owned(),
        content,
        account: "Assets:Bank:Checking".to_owned(),
        currency: Some("USD".to_owned()),
        options,
    }
}

/// Checks a guest's answer on [`ledger`] did what the guest is for.
///
/// # Errors
///
/// What is wrong with the output.
pub fn check_output(
    kind: GuestKind,
    input: &up::PluginInput,
    output: &up::PluginOutput,
) -> Result<(), String> {
    if !output.errors.is_empty() {
        return Err(format!("unexpected errors: {:?}", output.errors.first()));
    }
    for (index, op) in output.ops.iter().enumerate() {
        match (kind, op) {
            (GuestKind::Tagger, up::PluginOp::Modify(i, wrapper)) if *i == index => {
                let up::DirectiveData::Transaction(txn) = &wrapper.data else {
                    return Err(format!("op {index}: not a transaction"));
                };
                let up::DirectiveData::Transaction(original) = &input.directives[index].data else {
                    return Err(format!("input {index}: not a transaction"));
                };
                if txn.tags != ["food", "reviewed"] || txn.postings.len() != original.postings.len()
                {
                    return Err(format!("op {index}: not tagged as expected: {txn:?}"));
                }
            }
            (GuestKind::Validator | GuestKind::Minimal, up::PluginOp::Keep(i)) if *i == index => {}
            _ => return Err(format!("op {index} is unexpected: {op:?}")),
        }
    }
    Ok(())
}

/// The note the importer writes for `rows` rows totalling `total_cents`.
pub fn import_summary(rows: usize, total_cents: i64) -> String {
    let sign = if total_cents < 0 { "-" } else { "" };
    let (whole, cents) = (
        total_cents.unsigned_abs() / 100,
        total_cents.unsigned_abs() % 100,
    );
    format!("{rows} rows, total {sign}{whole}.{cents:02}")
}

/// Checks the importer's answer for a statement of `rows` rows totalling `total_cents`.
///
/// # Errors
///
/// What is wrong with the output.
pub fn check_import(
    output: &up::ImporterOutput,
    rows: usize,
    total_cents: i64,
) -> Result<(), String> {
    let [directive] = output.directives.as_slice() else {
        return Err(format!(
            "expected one directive, got {}",
            output.directives.len()
        ));
    };
    let up::DirectiveData::Note(note) = &directive.data else {
        return Err(format!("expected a note, got {directive:?}"));
    };
    if note.comment != import_summary(rows, total_cents) || !output.warnings.is_empty() {
        return Err(format!(
            "wrong summary {:?} (warnings {:?})",
            note.comment,
            output.warnings.first()
        ));
    }
    Ok(())
}

/// Fuel per directive of a plugin guest on an `n`-directive ledger: total fuel over `n`,
/// after checking the output.
///
/// # Errors
///
/// The call failed (trap, out of fuel) or its output is wrong.
pub fn fuel_per_directive(guest: &Guest, n: usize, limit: FuelLimit) -> Result<u64, String> {
    let input = ledger(n);
    let (fuel, output) = guest.process(&input, limit)?;
    check_output(guest.kind, &input, &output)?;
    Ok(fuel / n as u64)
}

/// Marginal fuel per directive between two ledger sizes that both fit in one call, for an
/// SDK that cannot run the full ledger.
///
/// # Errors
///
/// Either call failed.
pub fn marginal_fuel_per_directive(
    guest: &Guest,
    small: usize,
    large: usize,
) -> Result<u64, String> {
    let (fuel_small, _) = guest.process(&ledger(small), FuelLimit::Production)?;
    let input = ledger(large);
    let (fuel_large, output) = guest.process(&input, FuelLimit::Production)?;
    check_output(guest.kind, &input, &output)?;
    Ok((fuel_large - fuel_small) / (large - small) as u64)
}

/// The fuel the baseline importer (the SDK's share) spends on a statement of `bytes` bytes
/// in one call.
///
/// # Errors
///
/// The call failed or its answer is wrong.
pub fn baseline_import(guest: &Guest, bytes: usize) -> Result<u64, String> {
    let statement = statement(bytes);
    let len = statement.content.len();
    let (fuel, output) = guest.extract(statement.content)?;
    match output.directives.as_slice() {
        [
            up::DirectiveWrapper {
                data: up::DirectiveData::Note(note),
                ..
            },
        ] if note.comment == format!("{len} bytes") => Ok(fuel),
        _ => Err(format!("unexpected baseline answer: {output:?}")),
    }
}

/// The fuel the importer spends on a statement of `bytes` bytes in one call, after checking
/// its answer.
///
/// # Errors
///
/// The call failed (trap, out of fuel) or its answer is wrong.
pub fn import_fits(guest: &Guest, bytes: usize) -> Result<u64, String> {
    let statement = statement(bytes);
    let (fuel, output) = guest.extract(statement.content)?;
    check_import(&output, statement.rows, statement.total_cents)?;
    Ok(fuel)
}

/// The largest statement, to within `step` bytes, that the importer handles in one call
/// (doubling from `start`, then bisecting), capped at `cap`.
pub fn largest_import(guest: &Guest, start: usize, step: usize, cap: usize) -> usize {
    largest(|bytes| import_fits(guest, bytes).is_ok(), start, step, cap)
}

/// The largest benchmark ledger, to within `step` directives, that a plugin guest processes
/// in one call under the production limits with correct output (doubling from `start`,
/// then bisecting), capped at `cap`.
pub fn largest_ledger(guest: &Guest, start: usize, step: usize, cap: usize) -> usize {
    largest(
        |n| fuel_per_directive(guest, n, FuelLimit::Production).is_ok(),
        start,
        step,
        cap,
    )
}

/// Fuel per directive of a plugin guest on the kit's realistic synthetic ledger of `n`
/// directives (`rlplugin_testkit::synthetic::ledger`: opens, prices, balances, transactions
/// with 2–4 postings, costs, price annotations, metadata, tags and links), loaded by
/// rustledger's own loader and run through the kit under `limit`; the kit checks the
/// output as the host does.
///
/// # Errors
///
/// The module does not load, or the run failed (trap, out of fuel, bad output).
pub fn realistic_fuel_per_directive(
    guest: &Guest,
    n: usize,
    limit: FuelLimit,
) -> Result<u64, String> {
    ledger_fuel_per_directive(guest, rlplugin_testkit::synthetic::ledger(n), n, limit)
}

/// Fuel per directive of a plugin guest on the `n` directives of ledger `text`, loaded by
/// rustledger's own loader and run through the kit under `limit`.
fn ledger_fuel_per_directive(
    guest: &Guest,
    text: String,
    n: usize,
    limit: FuelLimit,
) -> Result<u64, String> {
    let kit = rlplugin_testkit::Guest::from_file(&guest.path).map_err(|e| e.to_string())?;
    let mut run = kit.plugin().ledger(text);
    if limit == FuelLimit::Raised {
        run = run.fuel(RAISED_FUEL);
    }
    let run = run.run().map_err(|e| e.to_string())?;
    Ok(run.report().fuel_used() / n as u64)
}

/// A price history of `n` price directives, as a price fetcher appends them: four
/// commodities, each priced in USD once a day, after the directives declaring them.
pub fn price_history(n: usize) -> String {
    const COMMODITIES: [&str; 4] = ["AAPL", "VTI", "EUR", "BTC"];
    let mut text = String::from("2015-01-01 open Assets:Broker USD\n");
    for commodity in COMMODITIES {
        text.push_str(&format!("2015-01-01 commodity {commodity}\n"));
    }
    for i in 0..n {
        let date = synthetic_date(2015, i / COMMODITIES.len());
        let cents = 10_000 + (i * 7_919) % 900_000;
        text.push_str(&format!(
            "{date} price {} {}.{:02} USD\n",
            COMMODITIES[i % COMMODITIES.len()],
            cents / 100,
            cents % 100
        ));
    }
    text
}

/// Fuel per directive of a plugin guest on [`price_history`]`(n)`, loaded by rustledger's
/// own loader and run through the kit with [`RAISED_FUEL`].
///
/// # Errors
///
/// The module does not load, or the run failed (trap, bad output).
pub fn price_history_fuel_per_directive(guest: &Guest, n: usize) -> Result<u64, String> {
    ledger_fuel_per_directive(guest, price_history(n), n, FuelLimit::Raised)
}

/// The largest realistic ledger (see [`realistic_fuel_per_directive`]), to within `step`
/// directives, that a plugin guest processes in one call under the production limits.
pub fn largest_realistic_ledger(guest: &Guest, start: usize, step: usize, cap: usize) -> usize {
    largest(
        |n| realistic_fuel_per_directive(guest, n, FuelLimit::Production).is_ok(),
        start,
        step,
        cap,
    )
}

/// The largest size to within `step` for which `fits` holds, assuming it holds up to some
/// size and not beyond: doubling from `start`, then bisecting; capped at `cap`; 0 if even
/// `step` does not fit.
fn largest(fits: impl Fn(usize) -> bool, start: usize, step: usize, cap: usize) -> usize {
    let (mut good, mut bad) = if fits(start) {
        let mut good = start;
        loop {
            let next = (good * 2).min(cap);
            if next == good {
                return good;
            }
            if fits(next) {
                good = next;
            } else {
                break (good, next);
            }
        }
    } else {
        (0, start)
    };
    while bad - good > step {
        let mid = good + (bad - good) / 2 / step * step;
        let mid = mid.max(good + step);
        if fits(mid) {
            good = mid;
        } else {
            bad = mid;
        }
    }
    good
}
