//! Fuel and size of the same guest sources built against rlplugin and against
//! rustledger-plugin-types 0.24, run through the test kit, which runs them in rustledger
//! 0.24's production sandbox. Shared by the `rlplugin-bench` binary (the side-by-side table
//! and the results file) and the guards in `tests/`.
//!
//! Each guest in `guests/` is compiled through a generated manifest whose `[lib]` path
//! points at that source and whose only dependency is named `rustledger-plugin-types`:
//! either `{ package = "rlplugin", path = … }` or `{ version = "=0.24.0", features =
//! ["guest"] }`. Migrating a plugin is that one line.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use rlplugin_testkit::Directive;
use rustledger_plugin_types as up;

/// The fuel cap for measuring fuel per directive on a ledger larger than the production
/// limit allows: high enough that rustledger's SDK finishes the benchmark ledger.
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

/// The benchmark guests, one source file each in `guests/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GuestKind {
    /// Reads every posting, keeps every directive.
    Validator,
    /// The validator's source built for size (opt-level "s"): the SDK's small form.
    SmallValidator,
    /// Adds a tag to every transaction with `Modify`.
    Tagger,
    /// Keeps everything; built for size.
    Minimal,
    /// Reads a CSV statement line by line.
    Importer,
    /// Reports the statement's length without reading it: the SDK's share of the
    /// importer's fuel.
    ImporterBaseline,
    /// The validator through rlplugin's borrowed view (rlplugin only).
    ViewValidator,
    /// The tagger through rlplugin's borrowed view (rlplugin only).
    ViewTagger,
}

impl GuestKind {
    /// Every guest.
    pub const ALL: [Self; 8] = [
        Self::Validator,
        Self::SmallValidator,
        Self::Tagger,
        Self::Minimal,
        Self::Importer,
        Self::ImporterBaseline,
        Self::ViewValidator,
        Self::ViewTagger,
    ];

    /// Whether the guest uses an API only rlplugin has (rustledger's SDK cannot build it).
    pub fn rlplugin_only(self) -> bool {
        matches!(self, Self::ViewValidator | Self::ViewTagger)
    }

    fn slug(self) -> &'static str {
        match self {
            Self::Validator => "validator",
            Self::SmallValidator => "small-validator",
            Self::Tagger => "tagger",
            Self::Minimal => "minimal",
            Self::Importer => "importer",
            Self::ImporterBaseline => "importer-baseline",
            Self::ViewValidator => "view-validator",
            Self::ViewTagger => "view-tagger",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Self::Validator | Self::SmallValidator => "validator.rs",
            Self::Tagger => "tagger.rs",
            Self::Minimal => "minimal.rs",
            Self::Importer => "importer.rs",
            Self::ImporterBaseline => "importer_baseline.rs",
            Self::ViewValidator => "view_validator.rs",
            Self::ViewTagger => "view_tagger.rs",
        }
    }

    /// The size guests are built with opt-level "s"; the others with opt-level 3.
    fn profile(self) -> &'static str {
        match self {
            Self::Minimal | Self::SmallValidator => "size",
            _ => "release",
        }
    }
}

/// The release profiles, identical for both SDKs. `release` is rlplugin's recommended
/// guest profile (the repository root's); it is also kinder to rustledger's SDK than the
/// plain `cargo build --release` its documentation suggests. `size` is what a plugin built
/// for the smallest module uses.
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

/// One compiled guest, loaded by the test kit.
pub struct Guest {
    /// SDK it was built with.
    pub sdk: Sdk,
    /// Which guest.
    pub kind: GuestKind,
    /// The `.wasm` file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// The `cfg`s rlplugin's build script set for this guest's profile (none for
    /// rustledger's SDK).
    pub sdk_cfgs: Vec<String>,
    /// The module as the kit runs it.
    pub guest: rlplugin_testkit::Guest,
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
    format!("fuel-{}-{}", kind.slug(), sdk.slug())
}

/// What one cargo invocation produced: each package's `.wasm`, and the cfgs rlplugin's
/// build script set.
#[derive(Default)]
struct Built {
    wasm: HashMap<String, PathBuf>,
    sdk_cfgs: Vec<String>,
}

/// Writes the generated workspace under `target/sdk-fuel/` and builds the requested guests
/// for wasm32-unknown-unknown (one cargo invocation per profile), returning them loaded by
/// the kit.
///
/// # Errors
///
/// A failed cargo build (its diagnostics are printed by cargo) or a module the kit refuses.
pub fn build(sdks: &[Sdk], kinds: &[GuestKind]) -> Result<Vec<Guest>, String> {
    let workspace = crate::figures::workspace_root();
    let root = workspace.join("target").join("sdk-fuel");
    let mut members = Vec::new();
    for &sdk in [Sdk::Rlplugin, Sdk::Upstream].iter() {
        for kind in GuestKind::ALL {
            if sdk == Sdk::Upstream && kind.rlplugin_only() {
                continue;
            }
            let name = package_name(sdk, kind);
            let source = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("guests")
                .join(kind.source());
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
        "# Generated by rlplugin-bench; do not edit.\n[workspace]\nresolver = \"3\"\nmembers = [{}]\n\n{PROFILES}",
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
    let wanted = || {
        sdks.iter().flat_map(|&sdk| {
            kinds
                .iter()
                .filter(move |kind| sdk == Sdk::Rlplugin || !kind.rlplugin_only())
                .map(move |&kind| (sdk, kind))
        })
    };
    for (sdk, kind) in wanted() {
        {
            by_profile
                .entry(kind.profile())
                .or_default()
                .push(package_name(sdk, kind));
        }
    }
    let mut built: HashMap<&str, Built> = HashMap::new();
    for (profile, packages) in by_profile {
        built.insert(profile, cargo_build(&root, profile, &packages)?);
    }

    let mut guests = Vec::new();
    for (sdk, kind) in wanted() {
        {
            let name = package_name(sdk, kind);
            let profile = &built[kind.profile()];
            let path = profile
                .wasm
                .get(&name)
                .ok_or_else(|| format!("cargo reported no .wasm for {name}"))?
                .clone();
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let size = bytes.len();
            let guest =
                rlplugin_testkit::Guest::from_bytes(name, bytes).map_err(|e| e.to_string())?;
            guests.push(Guest {
                sdk,
                kind,
                path,
                size,
                sdk_cfgs: match sdk {
                    Sdk::Rlplugin => profile.sdk_cfgs.clone(),
                    Sdk::Upstream => Vec::new(),
                },
                guest,
            });
        }
    }
    Ok(guests)
}

/// Runs cargo for `packages` and reads each package's `.wasm` from cargo's
/// `compiler-artifact` messages, and rlplugin's cfgs from its `build-script-executed` one.
fn cargo_build(root: &Path, profile: &str, packages: &[String]) -> Result<Built, String> {
    let mut command = rlplugin_testkit::cargo::command();
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
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run cargo to build the benchmark guests: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut built = Built::default();
    for message in cargo_metadata::Message::parse_stream(BufReader::new(stdout)) {
        match message {
            Ok(cargo_metadata::Message::CompilerArtifact(artifact)) => {
                let name = artifact.target.name.replace('_', "-");
                if let Some(wasm) = artifact
                    .filenames
                    .iter()
                    .find(|file| file.extension() == Some("wasm"))
                {
                    built.wasm.insert(name, wasm.clone().into_std_path_buf());
                }
            }
            Ok(cargo_metadata::Message::BuildScriptExecuted(script))
                if script.package_id.repr.contains("#rlplugin@") =>
            {
                built.sdk_cfgs = script.cfgs;
            }
            _ => {}
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
    Ok(built)
}

impl FuelLimit {
    fn fuel(self) -> u64 {
        match self {
            Self::Production => rlplugin_testkit::PRODUCTION_FUEL,
            Self::Raised => RAISED_FUEL,
        }
    }
}

/// The statement's file name in an import run.
const STATEMENT: &str = "bank.csv";

impl Guest {
    /// Runs `process` on `input` through the kit, which checks the output the way the host
    /// does (it decodes as rustledger's `PluginOutput`, passes `validate_op_coverage`, and
    /// every returned directive converts). Returns the fuel and the ops.
    ///
    /// # Errors
    ///
    /// The kit's error, as text.
    pub fn process(
        &self,
        input: &up::PluginInput,
        limit: FuelLimit,
    ) -> Result<(u64, rlplugin_testkit::Run), String> {
        let run = self
            .guest
            .plugin()
            .input(input.clone())
            .fuel(limit.fuel())
            .run()
            .map_err(|e| e.to_string())?;
        Ok((run.report().fuel_used(), run))
    }

    /// Runs the importer on a statement under the production limits, through the kit and
    /// rustledger's importer host, with the CSV options `rledger extract` sends by default.
    /// Returns the fuel of the `extract` call and what the host made of its answer.
    ///
    /// # Errors
    ///
    /// The kit's error, as text.
    pub fn extract(&self, content: Vec<u8>) -> Result<(u64, rlplugin_testkit::Import), String> {
        let mut run = self
            .guest
            .importer()
            .statement(STATEMENT, content)
            .account(IMPORT_ACCOUNT)
            .currency("USD");
        for (key, value) in IMPORT_OPTIONS {
            run = run.option(key, value);
        }
        let import = run.run().map_err(|e| e.to_string())?;
        Ok((import.report().fuel_used(), import))
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

/// The size of [`ledger`]`(n)` as the host encodes it.
pub fn ledger_input_bytes(n: usize) -> u64 {
    rmp_serde::to_vec(&ledger(n)).map_or(0, |bytes| bytes.len() as u64)
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

/// The account every benchmark statement is imported into.
const IMPORT_ACCOUNT: &str = "Assets:Bank:Checking";

/// The CSV options `rledger extract` sends a WASM importer when its configuration sets
/// none (rustledger 0.24).
const IMPORT_OPTIONS: [(&str, &str); 6] = [
    ("date_format", "%Y-%m-%d"),
    ("delimiter", ","),
    ("has_header", "false"),
    ("skip_rows", "0"),
    ("invert_sign", "false"),
    ("skip_zero_amounts", "false"),
];

/// Checks a guest's answer on [`ledger`] did what the guest is for.
///
/// # Errors
///
/// What is wrong with the output.
pub fn check_output(
    kind: GuestKind,
    input: &up::PluginInput,
    run: &rlplugin_testkit::Run,
) -> Result<(), String> {
    if let Some(error) = run.errors().first() {
        return Err(format!("unexpected error: {error:?}"));
    }
    for (index, op) in run.ops().iter().enumerate() {
        match (kind, op) {
            (GuestKind::Tagger | GuestKind::ViewTagger, up::PluginOp::Modify(i, wrapper))
                if *i == index =>
            {
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
            (
                GuestKind::Validator
                | GuestKind::SmallValidator
                | GuestKind::ViewValidator
                | GuestKind::Minimal,
                up::PluginOp::Keep(i),
            ) if *i == index => {}
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

/// The comment of the one note an import produced.
fn only_note(import: &rlplugin_testkit::Import) -> Result<&str, String> {
    match import.directives() {
        [Directive::Note(note)] => Ok(&note.comment),
        other => Err(format!("expected one note, got {other:?}")),
    }
}

/// Checks the importer's answer for a statement of `rows` rows totalling `total_cents`,
/// ignoring its warnings.
///
/// # Errors
///
/// What is wrong with the output.
pub fn check_import_total(
    import: &rlplugin_testkit::Import,
    rows: usize,
    total_cents: i64,
) -> Result<(), String> {
    let comment = only_note(import)?;
    if comment != import_summary(rows, total_cents) {
        return Err(format!("wrong summary {comment:?}"));
    }
    Ok(())
}

/// Checks the importer's answer for a statement of `rows` rows totalling `total_cents`.
///
/// # Errors
///
/// What is wrong with the output.
pub fn check_import(
    import: &rlplugin_testkit::Import,
    rows: usize,
    total_cents: i64,
) -> Result<(), String> {
    check_import_total(import, rows, total_cents)?;
    match import.warnings().first() {
        Some(warning) => Err(format!("unexpected warning {warning:?}")),
        None => Ok(()),
    }
}

/// Fuel per directive of a plugin guest on an `n`-directive ledger: total fuel over `n`,
/// after checking the output.
///
/// # Errors
///
/// The call failed (trap, out of fuel) or its output is wrong.
pub fn fuel_per_directive(guest: &Guest, n: usize, limit: FuelLimit) -> Result<u64, String> {
    let input = ledger(n);
    let (fuel, run) = guest.process(&input, limit)?;
    check_output(guest.kind, &input, &run)?;
    Ok(fuel / n as u64)
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
    let (fuel, import) = guest.extract(statement.content)?;
    let comment = only_note(&import)?;
    if comment == format!("{len} bytes") {
        Ok(fuel)
    } else {
        Err(format!("unexpected baseline answer: {comment:?}"))
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
    let (fuel, import) = guest.extract(statement.content)?;
    check_import(&import, statement.rows, statement.total_cents)?;
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
    Ok(run_ledger(guest, text, limit)?.report().fuel_used() / n as u64)
}

/// One run of a plugin guest on ledger `text` (loaded by rustledger's own loader) under
/// `limit`; a failed run as its message.
fn run_ledger(
    guest: &Guest,
    text: String,
    limit: FuelLimit,
) -> Result<rlplugin_testkit::Run, String> {
    guest
        .guest
        .plugin()
        .ledger(text)
        .fuel(limit.fuel())
        .run()
        .map_err(|e| e.to_string())
}

/// Wall-clock times of the kit running `guest` on ledger `text` (under the raised fuel cap),
/// in milliseconds: the first run (rustledger loads the text, the kit encodes it) and a
/// second run of the same text, which reuses that work; and the input's size in bytes.
/// Only meaningful for a text this process has not run before.
///
/// # Errors
///
/// The ledger does not load or the guest fails on it.
pub fn kit_run_times(guest: &Guest, text: &str) -> Result<(f64, f64, u64), String> {
    let timed = || {
        let started = std::time::Instant::now();
        let run = guest
            .guest
            .plugin()
            .ledger(text)
            // The time is the kit's; a large ledger must not stop at the production budget.
            .fuel(FuelLimit::Raised.fuel())
            .run()
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((
            started.elapsed().as_secs_f64() * 1000.0,
            run.input_bytes().len() as u64,
        ))
    };
    let (first, bytes) = timed()?;
    let (again, _) = timed()?;
    Ok((first, again, bytes))
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

/// The sizes, in directives, at which the bench measures fuel per directive on the kit's
/// heavy ledger (`rlplugin_testkit::synthetic::heavy_ledger`).
pub const HEAVY_SIZES: [usize; 3] = [10_000, 30_000, 100_000];

/// Fuel per directive of a plugin guest on the kit's heavy ledger of `n` directives (a heavy
/// user's books: daily prices of six commodities, monthly balances, yearly opens,
/// transactions with costs), loaded by rustledger's own loader and run under `limit`.
///
/// # Errors
///
/// The module does not load, or the run failed (trap, out of fuel, bad output).
pub fn heavy_fuel_per_directive(guest: &Guest, n: usize, limit: FuelLimit) -> Result<u64, String> {
    ledger_fuel_per_directive(
        guest,
        rlplugin_testkit::synthetic::heavy_ledger(n),
        n,
        limit,
    )
}

/// The largest heavy ledger (see [`heavy_fuel_per_directive`]), to within `step`
/// directives, that a plugin guest processes in one call under the production limits.
pub fn largest_heavy_ledger(guest: &Guest, start: usize, step: usize, cap: usize) -> usize {
    largest(
        |n| heavy_fuel_per_directive(guest, n, FuelLimit::Production).is_ok(),
        start,
        step,
        cap,
    )
}

/// The setup script that writes beancount's own example ledger under `target/`.
pub fn bean_example_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bean-example.sh")
}

/// Thirteen years of books from beancount's `bean-example` generator, as the setup script
/// ([`bean_example_script`]) writes them: it installs beancount from PyPI into
/// `target/bean-example/` on first use, then regenerates the same ledger from a fixed seed.
///
/// # Errors
///
/// The script cannot run or fails (no `python3`, no network on first use), or its ledger
/// cannot be read.
pub fn bean_example() -> Result<String, String> {
    let script = bean_example_script();
    let output = std::process::Command::new("bash")
        .arg(&script)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}); fix: it needs python3 with venv and, the first time, network              access to PyPI",
            script.display(),
            output.status
        ));
    }
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// A plugin guest's fuel for the whole of ledger `text` (loaded by rustledger's own loader)
/// in one call under `limit`, and how many directives the ledger holds (one op each, as
/// the benchmark plugins answer).
///
/// # Errors
///
/// The module does not load, or the run failed (trap, out of fuel, bad output).
pub fn ledger_text_fuel(
    guest: &Guest,
    text: String,
    limit: FuelLimit,
) -> Result<(u64, usize), String> {
    let run = run_ledger(guest, text, limit)?;
    let directives = run.ops().len();
    if directives == 0 {
        return Err("the ledger holds no directives".to_owned());
    }
    Ok((run.report().fuel_used(), directives))
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
