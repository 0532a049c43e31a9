//! The `rlplugin` binary, driven as a user drives it: exit codes, stdout/stderr split,
//! messages, JSON shapes, on the real example plugins and on hostile WAT guests.
//!
//! Each example crate is built once per test process with the kit and handed to the
//! binary as a `.wasm` file, so only `demo` (and one `run` on a crate directory) pays for
//! cargo inside the binary; each test writes its files to a scratch directory of its own
//! (`support`). `faults` drives every command into bad input, closed and full
//! stdouts and absurd limits; `round_trip` loads what `run` prints back into rustledger.

mod faults;
mod round_trip;
mod support;

use std::path::Path;
use std::time::Duration;

use support::*;

// ---------------------------------------------------------------- help

#[test]
fn every_subcommand_has_help_with_examples() {
    for sub in ["run", "check", "bench", "profile", "import", "demo"] {
        let ran = rlplugin(&[&sub, &"--help"]);
        assert_eq!(ran.code, 0, "{sub}: {}", ran.stderr);
        assert!(ran.stdout.contains("Examples:"), "{sub}:\n{}", ran.stdout);
        assert!(
            ran.stdout.contains(&format!("rlplugin {sub}")),
            "{sub}:\n{}",
            ran.stdout
        );
    }
    let ran = rlplugin(&[&"--help"]);
    assert!(ran.stdout.contains("rlplugin demo") && ran.stdout.contains("Exit codes"));
}

/// The exit-code contract as `--help` prints it: the same block in every command's help and,
/// word for word, in the README.
#[test]
fn every_help_and_the_readme_state_one_exit_code_contract() {
    let contract = |help: &str| -> String {
        let start = help.find("Exit codes").expect("an exit-code block");
        help[start..].trim_end().to_owned()
    };
    let top = contract(&rlplugin(&[&"--help"]).stdout);
    for line in ["0  success", "1  findings", "2  failure", "closed stdout"] {
        assert!(top.contains(line), "{line:?} missing from\n{top}");
    }
    for sub in ["run", "check", "bench", "profile", "import", "demo"] {
        assert_eq!(contract(&rlplugin(&[&sub, &"--help"]).stdout), top, "{sub}");
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains(&top),
        "README.md must state the exit codes exactly as `rlplugin --help` does:\n{top}"
    );
}

#[test]
fn usage_errors_exit_2_on_stderr() {
    let ran = rlplugin(&[&"run"]);
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("PLUGIN"), "{}", ran.stderr);
    let ran = rlplugin(&[&"bench", &"x.wasm", &"--sizes", &"10k"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("`10k` is not a whole number"),
        "{}",
        ran.stderr
    );
}

// ---------------------------------------------------------------- run

#[test]
fn run_prints_the_resulting_ledger_and_the_budget() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"run",
        &dir.example("categorize"),
        &demo_file("sample.beancount"),
        &"--config",
        &CATEGORIZE_RULES,
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("Expenses:Groceries"), "{}", ran.stdout);
    assert!(ran.stdout.contains("#online"), "{}", ran.stdout);
    assert!(!ran.stdout.contains("fuel"), "budget goes to stderr");
    assert!(ran.stderr.contains("modified"), "{}", ran.stderr);
    assert!(ran.stderr.contains(" / 30,000,000 ("), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("memory ") && ran.stderr.contains("/ 256.0 MiB"),
        "{}",
        ran.stderr
    );
}

#[test]
fn run_diff_shows_only_what_changed() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"run",
        &dir.example("dedupe"),
        &demo_file("sample.beancount"),
        &"--format",
        &"diff",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.starts_with("deleted sample.beancount:51\n"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("-2024-03-02 * \"Amazon.de\" \"Amazon order\""),
        "{}",
        ran.stdout
    );
    assert!(
        !ran.stdout.contains("Landlord"),
        "kept directives stay out of the diff"
    );
    assert!(
        shows(&ran.stderr, "warning: duplicate", "sample.beancount:51:"),
        "{}",
        ran.stderr
    );

    let ran = rlplugin(&[
        &"run",
        &dir.example("auto-balance"),
        &demo_file("sample.beancount"),
        &"--format",
        &"diff",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout.matches("inserted\n+").count(),
        4,
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("+2024-03-02 balance Assets:Bank:Checking  345.80 EUR"),
        "{}",
        ran.stdout
    );
}

#[test]
fn run_exits_1_when_the_plugin_reports_errors() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"run",
        &dir.example("currency-guard"),
        &demo_file("sample.beancount"),
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(
        shows(&ran.stderr, "error: currency EUROS", "sample.beancount:57:"),
        "{}",
        ran.stderr
    );
    // The ledger is still printed: a validator keeps everything.
    assert!(ran.stdout.contains("Flea market"));
    // Warnings alone are not errors.
    let ran = rlplugin(&[
        &"run",
        &dir.example("currency-guard"),
        &demo_file("sample.beancount"),
        &"--config",
        &"severity=warning",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        shows(
            &ran.stderr,
            "warning: currency EUROS",
            "sample.beancount:57:"
        ),
        "{}",
        ran.stderr
    );
}

/// Each diagnostic stands over its ledger line, underlined from the line's first to its
/// last character; colour only where allowed (forced here, since the test's stderr is a
/// pipe), never with `NO_COLOR` or `--color never`.
#[test]
fn run_shows_each_diagnostic_under_its_ledger_line_coloured_only_where_allowed() {
    let dir = Scratch::new();
    let guard = dir.example("currency-guard");
    let sample = demo_file("sample.beancount");
    let args: [&dyn AsRef<std::ffi::OsStr>; 3] = [&"run", &guard, &sample];
    let run = |env: &[(&str, &Path)], extra: Option<&str>| {
        let mut all = args.to_vec();
        if let Some(extra) = &extra {
            all.extend([&"--color" as &dyn AsRef<std::ffi::OsStr>, extra]);
        }
        rlplugin_with(&all, Stdout::Piped, env, Duration::from_secs(900))
    };
    let one = Path::new("1");
    let plain = run(&[("NO_COLOR", one)], None);
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    let lines: Vec<&str> = plain.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("57 |"))
        .unwrap_or_else(|| panic!("line 57 of the ledger\n{}", plain.stderr));
    let posting = "Liabilities:Card  -12.00 EUROS";
    assert_eq!(lines[at], format!("57 |   {posting}"));
    assert_eq!(
        lines[at + 1].trim_end(),
        format!("   |   {}", "^".repeat(posting.len()))
    );
    assert!(
        shows(
            &plain.stderr,
            "error: currency EUROS",
            "sample.beancount:57:3"
        ),
        "{}",
        plain.stderr
    );

    let coloured = run(&[("CLICOLOR_FORCE", one)], None);
    assert!(coloured.stderr.contains('\x1b'), "{}", coloured.stderr);
    assert!(coloured.stderr.contains(posting), "{}", coloured.stderr);
    for (env, flag) in [
        (vec![("CLICOLOR_FORCE", one), ("NO_COLOR", one)], None),
        (vec![("CLICOLOR_FORCE", one)], Some("never")),
    ] {
        let ran = run(&env, flag);
        assert!(
            !ran.stderr.contains('\x1b'),
            "{env:?} {flag:?}: {}",
            ran.stderr
        );
        assert!(
            ran.stderr.contains(&format!("57 |   {posting}")),
            "{}",
            ran.stderr
        );
    }
    let forced = run(&[("NO_COLOR", one)], Some("always"));
    assert!(forced.stderr.contains('\x1b'), "{}", forced.stderr);
}

/// The README's example of a diagnostic is what `run` prints, from the checkout's root.
#[test]
fn the_readme_shows_a_diagnostic_as_run_prints_it() {
    let dir = Scratch::new();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme
        .split("```text\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("\n```").map(|(block, _)| block))
        .find(|block| block.starts_with("error: currency EUROS"))
        .expect("README.md shows a diagnostic of currency-guard");
    let repo = std::fs::canonicalize(repo()).unwrap();
    let ran = rlplugin_in(
        &repo,
        &[
            &"run",
            &dir.example("currency-guard"),
            &"host-testkit/cli/demo/sample.beancount",
        ],
    );
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(
        ran.stderr.contains(block),
        "README.md's block:\n{block}\nis not in what `rlplugin run` prints:\n{}",
        ran.stderr
    );
}

#[test]
fn run_json_is_one_parseable_object() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"run",
        &dir.example("categorize"),
        &demo_file("sample.beancount"),
        &"--config",
        &CATEGORIZE_RULES,
        &"--json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).expect("JSON on stdout");
    assert_eq!(v["summary"]["modified"], 3, "{v:#}");
    assert_eq!(v["failed_errors"], 0);
    assert_eq!(v["report"]["fuel_limit"], 30_000_000);
    let fuel = v["report"]["fuel_used"].as_u64().unwrap();
    assert!(fuel > 1_000 && fuel < 30_000_000, "{fuel}");
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3);
    assert!(changes.iter().all(|c| c["kind"] == "modified"));
    assert!(
        v["ledger_text"]
            .as_str()
            .unwrap()
            .contains("Expenses:Shopping")
    );
}

#[test]
fn run_limits_are_overridable_and_their_failures_exit_2() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"run",
        &dir.example("categorize"),
        &demo_file("sample.beancount"),
        &"--fuel",
        &"5000",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.starts_with("error: "), "{}", ran.stderr);
    assert!(ran.stderr.contains("ran out of fuel"), "{}", ran.stderr);
    assert!(ran.stderr.contains("5000"), "{}", ran.stderr);
    assert!(ran.stdout.is_empty());
}

#[test]
fn run_reports_missing_inputs_clearly() {
    let dir = Scratch::new();
    let ran = rlplugin(&[&"run", &"no-such.wasm", &dir.ledger()]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("no-such.wasm does not exist"),
        "{}",
        ran.stderr
    );
    let ran = rlplugin(&[&"run", &dir.example("dedupe"), &"no-such.beancount"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr
            .contains("ledger no-such.beancount does not exist"),
        "{}",
        ran.stderr
    );
    let ran = rlplugin(&[&"run", &dir.path(), &dir.ledger()]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("without a Cargo.toml"),
        "{}",
        ran.stderr
    );
}

/// Two problems rustledger's loader finds before any plugin runs (a date that is not one, a
/// stray token), each shown over its ledger line with the token underlined, for each command
/// that loads a ledger; coloured only where allowed, like a plugin's diagnostics.
#[test]
fn a_ledger_that_does_not_load_shows_each_problem_under_its_line() {
    let dir = Scratch::new();
    let plugin = dir.wat(
        "keeps_nothing",
        &plugin_wat(ABI_OK, ALLOC_OK, "(i64.const 0)", ""),
    );
    let ledger = dir.file(
        "broken.beancount",
        "2024-01-01 open Assets:Cash USD\n2024-13-01 open Assets:Bank\n2024-01-03 * \"y\"\n  Assets:Cash  1 USD x\n  Assets:Cash\n",
    );
    let profile = dir.join("profile.json");
    let commands: [Vec<&dyn AsRef<std::ffi::OsStr>>; 3] = [
        vec![&"run", &plugin, &ledger],
        vec![&"run", &plugin, &ledger, &"--format", &"diff"],
        vec![&"profile", &plugin, &ledger, &"-o", &profile],
    ];
    let one = Path::new("1");
    for args in &commands {
        let ran = rlplugin_with(
            args,
            Stdout::Piped,
            &[("NO_COLOR", one)],
            Duration::from_secs(120),
        );
        assert_eq!(ran.code, 2, "{}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{}", ran.stdout);
        let lines: Vec<&str> = ran.stderr.lines().collect();
        for (source, underline) in [
            ("2 | 2024-13-01 open Assets:Bank", "  | ^^^^^^^^^^"),
            ("4 |   Assets:Cash  1 USD x", "  |                      ^"),
        ] {
            let at = lines
                .iter()
                .position(|l| *l == source)
                .unwrap_or_else(|| panic!("{source:?} in\n{}", ran.stderr));
            assert_eq!(lines[at + 1], underline, "{}", ran.stderr);
        }
        assert!(
            shows(
                &ran.stderr,
                "error: invalid date: month 13",
                "broken.beancount:2:1"
            ),
            "{}",
            ran.stderr
        );
        assert!(
            shows(&ran.stderr, "error: parse error", "broken.beancount:4:22"),
            "{}",
            ran.stderr
        );
        let last = lines.last().copied().unwrap_or_default();
        assert!(
            last.starts_with("error: ")
                && last.contains("could not load ledger ")
                && last.ends_with("broken.beancount: fix the 2 problems above, then run again"),
            "{}",
            ran.stderr
        );
    }
    let coloured = rlplugin_with(
        &commands[0],
        Stdout::Piped,
        &[("CLICOLOR_FORCE", one)],
        Duration::from_secs(120),
    );
    assert!(coloured.stderr.contains('\x1b'), "{}", coloured.stderr);
    assert!(
        coloured.stderr.contains("2024-13-01 open Assets:Bank"),
        "{}",
        coloured.stderr
    );
    let mut never = commands[0].clone();
    never.extend([&"--color" as &dyn AsRef<std::ffi::OsStr>, &"never"]);
    let plain = rlplugin_with(
        &never,
        Stdout::Piped,
        &[("CLICOLOR_FORCE", one)],
        Duration::from_secs(120),
    );
    assert!(!plain.stderr.contains('\x1b'), "{}", plain.stderr);
    assert!(
        plain.stderr.contains("2 | 2024-13-01 open Assets:Bank"),
        "{}",
        plain.stderr
    );
}

#[test]
fn run_builds_a_crate_directory_first() {
    let ran = rlplugin(&[
        &"run",
        &repo().join("examples").join("dedupe"),
        &demo_file("sample.beancount"),
        &"--format",
        &"diff",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("for wasm32-unknown-unknown (release)"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains(" done in "), "{}", ran.stderr);
    assert!(
        ran.stdout.starts_with("deleted sample.beancount:51"),
        "{}",
        ran.stdout
    );
}

// ---------------------------------------------------------------- hostile guests

fn plugin_wat(abi: &str, alloc: &str, process: &str, extra: &str) -> String {
    format!(
        r#"(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "__rustledger_abi_version") (result i32) {abi})
  (func (export "alloc") (param $n i32) (result i32) {alloc})
  (func (export "process") (param $ptr i32) (param $len i32) (result i64) {process})
  {extra}
)"#
    )
}

const ABI_OK: &str = "(i32.const 1)";
const ALLOC_OK: &str =
    "(global.get $heap) (global.set $heap (i32.add (global.get $heap) (local.get $n)))";

/// Each hostile guest, and a phrase its `run` failure must contain.
fn hostile() -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "infinite_loop",
            plugin_wat(ABI_OK, ALLOC_OK, "(loop $l (br $l)) (i64.const 0)", ""),
            "ran out of fuel in `process`",
        ),
        (
            "memory_grow_bomb",
            plugin_wat(
                ABI_OK,
                ALLOC_OK,
                "(loop $l (br_if $l (i32.ne (memory.grow (i32.const 256)) (i32.const -1)))) unreachable",
                "",
            ),
            "memory",
        ),
        (
            "bogus_output_pointer",
            plugin_wat(ABI_OK, ALLOC_OK, "(i64.const 0x7fff000000000010)", ""),
            "past the end",
        ),
        (
            "four_gib_output",
            plugin_wat(ABI_OK, ALLOC_OK, "(i64.const 0x00000000ffffffff)", ""),
            "over the",
        ),
        (
            "garbage_msgpack",
            plugin_wat(
                ABI_OK,
                ALLOC_OK,
                "(i64.const 0x0000001000000003)",
                r#"(data (i32.const 16) "\c1\c1\c1")"#,
            ),
            "do not decode as `PluginOutput`",
        ),
        (
            "ops_do_not_cover_input",
            plugin_wat(
                ABI_OK,
                ALLOC_OK,
                "(i64.const 0x0000001000000003)",
                r#"(data (i32.const 16) "\92\90\90")"#,
            ),
            "ops that rustledger rejects",
        ),
        (
            "wrong_abi",
            plugin_wat("(i32.const 2)", ALLOC_OK, "(i64.const 0)", ""),
            "declares ABI v2",
        ),
        (
            "trap_in_alloc",
            plugin_wat(ABI_OK, "unreachable", "(i64.const 0)", ""),
            "trapped in `alloc`",
        ),
        (
            "missing_abi",
            r#"(module (memory (export "memory") 1)
                 (func (export "alloc") (param i32) (result i32) (i32.const 1024))
                 (func (export "process") (param i32 i32) (result i64) (i64.const 0)))"#
                .to_owned(),
            "missing or invalid `__rustledger_abi_version`",
        ),
        (
            "wasi_import",
            r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
                 (memory (export "memory") 1))"#
                .to_owned(),
            "imports `wasi_snapshot_preview1::fd_write`",
        ),
        (
            "function_named_memory",
            r#"(module (memory (export "mem") 1) (func (export "memory"))
                 (func (export "alloc") (param i32) (result i32) (i32.const 0))
                 (func (export "process") (param i32 i32) (result i64) (i64.const 0))
                 (func (export "__rustledger_abi_version") (result i32) (i32.const 1)))"#
                .to_owned(),
            "would crash rustledger",
        ),
        (
            "shared_memory",
            r#"(module (memory (export "memory") 1 1 shared))"#.to_owned(),
            "not a module rustledger 0.24 can load",
        ),
    ]
}

#[test]
fn every_hostile_guest_fails_run_with_exit_2_and_its_own_message() {
    let dir = Scratch::new();
    let ledger = dir.ledger();
    for (name, wat, phrase) in hostile() {
        let ran = rlplugin(&[&"run", &dir.wat(name, &wat), &ledger]);
        assert_eq!(ran.code, 2, "{name}: {}", ran.stderr);
        assert!(ran.stderr.starts_with("error: "), "{name}: {}", ran.stderr);
        assert!(
            ran.stderr.contains(phrase),
            "{name}: expected {phrase:?} in\n{}",
            ran.stderr
        );
        assert!(ran.stdout.is_empty(), "{name}: {}", ran.stdout);
    }
}

#[test]
fn check_gives_a_verdict_for_every_hostile_guest() {
    let dir = Scratch::new();
    // The ones `check` can see without running `process`.
    let expectations = [
        ("wrong_abi", "declares ABI v2"),
        ("trap_in_alloc", ""),
        ("missing_abi", "does not export `__rustledger_abi_version`"),
        ("wasi_import", "imports wasi_snapshot_preview1::fd_write"),
        ("function_named_memory", "would crash (panic)"),
        ("shared_memory", "uses threads / shared memory"),
    ];
    let corpus = hostile();
    for (name, reason) in expectations {
        let wat = &corpus.iter().find(|(n, _, _)| *n == name).unwrap().1;
        let ran = rlplugin(&[&"check", &dir.wat(name, wat)]);
        if reason.is_empty() {
            // Its exports are well-formed: only running it shows the trap.
            assert_eq!(ran.code, 0, "{name}: {}", ran.stdout);
            assert!(
                ran.stdout.contains("loads in rustledger 0.24: yes"),
                "{}",
                ran.stdout
            );
        } else {
            assert_eq!(ran.code, 1, "{name}: {}", ran.stdout);
            let verdict = ran.stdout.lines().last().unwrap();
            assert!(
                verdict.starts_with("loads in rustledger 0.24: no, because "),
                "{verdict}"
            );
            assert!(verdict.contains(reason), "{name}: {verdict}");
        }
    }
}

// ---------------------------------------------------------------- check

#[test]
fn check_a_real_plugin_and_importer() {
    let dir = Scratch::new();
    let ran = rlplugin(&[&"check", &dir.example("dedupe")]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    for line in [
        "core module, directive plugin",
        "process",
        "(i32, i32) -> i64",
        "abi  v1 (called in the sandbox)",
        "imports  none",
        "features  none the sandbox rejects",
    ] {
        assert!(
            ran.stdout.contains(line),
            "missing {line:?} in\n{}",
            ran.stdout
        );
    }
    assert_eq!(
        ran.stdout.lines().last(),
        Some("loads in rustledger 0.24: yes")
    );

    let ran = rlplugin(&[&"check", &dir.example("csv-importer"), &"--json"]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(v["kind"], "importer");
    assert_eq!(v["loads"], true);
    assert_eq!(v["abi"]["status"], "version");
    assert_eq!(v["abi"]["version"], 1);
    let names: Vec<&str> = v["exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for export in [
        "memory",
        "alloc",
        "metadata",
        "identify",
        "extract",
        "extract_enriched",
    ] {
        assert!(names.contains(&export), "{names:?}");
    }
    assert!(v["size"].as_u64().unwrap() > 1_000);
}

#[test]
fn check_rejects_non_wasm_and_missing_files() {
    let dir = Scratch::new();
    let ran = rlplugin(&[&"check", &dir.file("notes.wasm", "hello")]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stdout
            .lines()
            .next()
            .unwrap()
            .ends_with("  5 B  not a wasm module"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("no, because it is not a wasm module"),
        "{}",
        ran.stdout
    );
    let ran = rlplugin(&[&"check", &"missing.wasm"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("cannot read missing.wasm"),
        "{}",
        ran.stderr
    );
}

/// WAT text in a `.wasm` file is named as what it is: rledger assembles it and loads the
/// core module it makes, so `check` inspects that module and says so.
#[test]
fn check_names_wat_text_as_text_that_assembles_to_a_core_module() {
    let dir = Scratch::new();
    let text = dir.file(
        "text.wasm",
        &plugin_wat(ABI_OK, ALLOC_OK, "(i64.const 0)", ""),
    );
    let ran = rlplugin(&[&"check", &text]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let header = ran.stdout.lines().next().unwrap();
    assert!(
        header.ends_with(
            "WAT text that assembles to a core module (rledger 0.24 accepts WAT text), directive plugin"
        ),
        "{header}"
    );
    assert!(
        ran.stdout
            .contains("warning: the file is WAT text, not binary wasm"),
        "{}",
        ran.stdout
    );
    let ran = rlplugin(&[&"check", &text, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(
        (&v["encoding"], &v["text"]),
        (&"core module".into(), &true.into()),
        "{v:#}"
    );
    let ran = rlplugin(&[&"check", &dir.example("dedupe"), &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(
        (&v["encoding"], &v["text"]),
        (&"core module".into(), &false.into()),
        "{v:#}"
    );
}

/// WAT text that does not assemble is shown at the token that stops it, for `check` and
/// for the commands that load a plugin.
#[test]
fn check_shows_where_wat_text_stops_assembling() {
    let dir = Scratch::new();
    let wat = dir.file(
        "typo.wasm",
        "(module\n  (memory (export \"memory\") 1)\n  (func (export \"process\") (param i32 i32) (result i64)\n    i64.cnst 0))\n",
    );
    let ran = rlplugin(&[&"check", &wat]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(
        ran.stdout
            .lines()
            .next()
            .unwrap()
            .ends_with("  WAT text that does not assemble"),
        "{}",
        ran.stdout
    );
    assert!(
        shows(&ran.stdout, "error: ", "typo.wasm:4:5"),
        "{}",
        ran.stdout
    );
    let lines: Vec<&str> = ran.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("4 |"))
        .unwrap_or_else(|| panic!("the line with the typo\n{}", ran.stdout));
    assert_eq!(lines[at], "4 |     i64.cnst 0))");
    assert_eq!(lines[at + 1].trim_end(), "  |     ^");
    assert!(
        ran.stdout
            .contains("no, because it is WAT text that does not assemble (line 4, column 5"),
        "{}",
        ran.stdout
    );
    let ran = rlplugin(&[&"run", &wat, &dir.ledger()]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("typo.wasm: it is WAT text that does not assemble (line 4, column 5"),
        "{}",
        ran.stderr
    );
}

// ---------------------------------------------------------------- bench

#[test]
fn bench_measures_fits_and_plots() {
    let dir = Scratch::new();
    let png = dir.join("fuel.png");
    let ran = rlplugin(&[
        &"bench",
        &dir.example("dedupe"),
        &"--sizes",
        &"100,200,400",
        &"--plot",
        &png,
        &"--json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    let fuel: Vec<u64> = points.iter().map(|p| p["fuel"].as_u64().unwrap()).collect();
    assert!(fuel[0] < fuel[1] && fuel[1] < fuel[2], "{fuel:?}");
    assert!(points.iter().all(|p| p["fits_production"] == true));
    assert!(
        points
            .iter()
            .all(|p| p["peak_memory"].as_u64().unwrap() >= 65_536)
    );
    let slope = v["fit"]["slope"].as_f64().unwrap();
    assert!(slope > 0.0);
    let largest = &v["largest_within_budget"];
    assert_eq!(v["unit"], "directives");
    let n = largest["size"].as_u64().unwrap();
    assert!(n > 400, "{largest}");
    assert!(largest["fuel"].as_u64().unwrap() <= 30_000_000);
    let png = std::fs::read(&png).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 2_000);
}

#[test]
fn bench_table_names_the_budget_and_the_growth() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"bench",
        &dir.example("currency-guard"),
        &"--sizes",
        &"50,100",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("directives") && ran.stdout.contains("fuel/dir"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("fit: fuel ≈ "), "{}", ran.stdout);
    assert!(ran.stdout.contains("growth linear") || ran.stdout.contains("growth superlinear"));
    assert!(
        ran.stdout
            .contains("largest ledger within rustledger's 30,000,000 fuel: ≈ "),
        "{}",
        ran.stdout
    );
}

#[test]
fn bench_of_a_guest_that_always_fails_exits_2() {
    let dir = Scratch::new();
    let corpus = hostile();
    let wat = &corpus
        .iter()
        .find(|(n, _, _)| *n == "infinite_loop")
        .unwrap()
        .1;
    let ran = rlplugin(&[
        &"bench",
        &dir.wat("infinite_loop", wat),
        &"--sizes",
        &"10,20",
        &"--fuel-cap",
        &"100000",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("failed at every size"),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("ran out of fuel"), "{}", ran.stderr);
}

/// An importer is measured on statements made from a sample: its header once, then its
/// rows repeated to each size.
#[test]
fn bench_of_an_importer_measures_statements_of_growing_rows() {
    let dir = Scratch::new();
    let importer = dir.example("csv-importer");
    let sample = demo_file("statement.csv");
    let ran = rlplugin(&[
        &"bench",
        &importer,
        &"--statement",
        &sample,
        &"--account",
        &"Assets:Bank:Checking",
        &"--currency",
        &"EUR",
        &"--sizes",
        &"20,40,80",
        &"--json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(v["unit"], "rows");
    let points = v["points"].as_array().unwrap();
    let sizes: Vec<u64> = points.iter().map(|p| p["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes, [20, 40, 80]);
    // Header once, then exactly `size` rows of the sample (each row is a transaction the
    // importer makes, so fuel grows with them).
    let text = std::fs::read_to_string(&sample).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    let expected = |n: usize| {
        header.len()
            + 1
            + (0..n)
                .map(|i| rows[i % rows.len()].len() + 1)
                .sum::<usize>()
    };
    for p in points {
        let n = p["size"].as_u64().unwrap() as usize;
        assert_eq!(
            p["text_bytes"].as_u64().unwrap() as usize,
            expected(n),
            "{p}"
        );
    }
    let fuel: Vec<u64> = points.iter().map(|p| p["fuel"].as_u64().unwrap()).collect();
    assert!(fuel[0] < fuel[1] && fuel[1] < fuel[2], "{fuel:?}");
    let largest = v["largest_within_budget"]["size"].as_u64().unwrap();
    assert!(largest > 80, "{v:#}");

    let table = rlplugin(&[
        &"bench",
        &importer,
        &"--statement",
        &sample,
        &"--account",
        &"Assets:Bank:Checking",
        &"--sizes",
        &"10,20",
    ]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.contains("fuel/row"), "{}", table.stdout);
    assert!(
        table
            .stdout
            .contains("largest statement within rustledger's 30,000,000 fuel: ≈ "),
        "{}",
        table.stdout
    );
}

/// Importer and plugin arguments do not mix, and an importer needs its sample and account.
#[test]
fn bench_and_profile_refuse_the_other_kind_of_guests_arguments() {
    let dir = Scratch::new();
    let importer = dir.example("csv-importer");
    let plugin = dir.example("dedupe");
    let sample = demo_file("statement.csv");
    let out = dir.join("mixed.json");
    for (args, message) in [
        (
            vec![
                &"bench" as &dyn AsRef<std::ffi::OsStr>,
                &importer,
                &"--account",
                &"Assets:Bank",
            ],
            "pass one with --statement FILE",
        ),
        (
            vec![&"bench", &importer, &"--statement", &sample],
            "needs the statement's account",
        ),
        (
            vec![&"bench", &plugin, &"--statement", &sample],
            "--statement is for importers",
        ),
        (
            vec![
                &"profile",
                &plugin,
                &sample,
                &"-o",
                &out,
                &"--account",
                &"Assets:Bank",
            ],
            "are for importers",
        ),
        (
            vec![&"profile", &importer, &sample, &"-o", &out],
            "needs the statement's account",
        ),
    ] {
        let ran = rlplugin(&args);
        assert_eq!(ran.code, 2, "{}", ran.stderr);
        assert!(ran.stderr.contains(message), "{message}\n{}", ran.stderr);
    }
}

// ---------------------------------------------------------------- import

#[test]
fn import_prints_beancount_text() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"import",
        &dir.example("csv-importer"),
        &demo_file("statement.csv"),
        &"--account",
        &"Assets:Bank:Checking",
        &"--currency",
        &"EUR",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout
            .starts_with("2024-04-01 * \"Landlord\" \"rent April\"\n"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains("Assets:Bank:Checking     3100.00 EUR"),
        "{}",
        ran.stdout
    );
    assert!(ran.stderr.contains("4 directives"), "{}", ran.stderr);

    let ran = rlplugin(&[
        &"import",
        &dir.example("csv-importer"),
        &demo_file("statement.csv"),
        &"--account",
        &"Assets:Bank:Checking",
        &"--option",
        &"invert_sign=true",
        &"--json",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(v["identified"], true);
    assert!(
        v["ledger_text"]
            .as_str()
            .unwrap()
            .contains("  Assets:Bank:Checking      900.00"),
        "{v:#}"
    );
}

/// `--logs` prints what the guest logged; a trap shows the log without asking.
#[test]
fn run_prints_the_guest_log_on_request_and_with_a_trap() {
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/rlplugin-guest");
    let ledger = demo_file("sample.beancount");
    let ran = rlplugin(&[&"run", &guest, &ledger, &"--config", &"log", &"--logs"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stderr.contains("log: "), "{}", ran.stderr);
    assert!(ran.stderr.contains(" directives\n"), "{}", ran.stderr);
    let quiet = rlplugin(&[&"run", &guest, &ledger, &"--config", &"log"]);
    assert!(!quiet.stderr.contains("log:"), "{}", quiet.stderr);
    let trapped = rlplugin(&[&"run", &guest, &ledger, &"--config", &"log-then-panic"]);
    assert_eq!(trapped.code, 2, "{}", trapped.stderr);
    assert!(
        trapped.stderr.contains("guest log:\n") && trapped.stderr.contains("debug: about to panic"),
        "{}",
        trapped.stderr
    );
}

/// Each row error is printed once, with the statement's file and line.
#[test]
fn import_reports_each_row_error_once_with_its_line() {
    let dir = Scratch::new();
    let statement = repo()
        .join("examples")
        .join("csv-importer")
        .join("tests")
        .join("fixtures")
        .join("bad-rows.csv");
    let ran = rlplugin(&[
        &"import",
        &dir.example("csv-importer"),
        &statement,
        &"--account",
        &"Assets:Bank:Checking",
        &"--currency",
        &"EUR",
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let rows = std::fs::read_to_string(&statement).unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    for line in 3..=6 {
        let location = format!("bad-rows.csv:{line}:1");
        assert_eq!(
            ran.stderr.matches(&location).count(),
            1,
            "{location}\n{}",
            ran.stderr
        );
        assert!(
            shows(&ran.stderr, "error: row not imported", &location),
            "{}",
            ran.stderr
        );
        // The row itself, under its line number.
        let source = format!("{line} | {}", rows[line - 1]);
        assert!(ran.stderr.contains(&source), "{source}\n{}", ran.stderr);
    }
    assert_eq!(
        ran.stderr.matches("row not imported").count(),
        4,
        "{}",
        ran.stderr
    );
}

#[test]
fn import_failures() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"import",
        &dir.example("csv-importer"),
        &demo_file("statement.csv"),
        &"--account",
        &"Assets:Bank",
        &"--option",
        &"novalue",
    ]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("`novalue` is not key=value"),
        "{}",
        ran.stderr
    );
    let ran = rlplugin(&[
        &"import",
        &dir.example("csv-importer"),
        &"nothing.csv",
        &"--account",
        &"Assets:Bank",
    ]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("statement nothing.csv does not exist"),
        "{}",
        ran.stderr
    );
    // A plugin is not an importer.
    let ran = rlplugin(&[
        &"import",
        &dir.example("dedupe"),
        &demo_file("statement.csv"),
        &"--account",
        &"Assets:Bank",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("metadata"), "{}", ran.stderr);
}

// ---------------------------------------------------------------- demo

#[test]
fn demo_runs_every_example_and_shows_effects_and_budgets() {
    let ran = rlplugin(&[&"demo"]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let out = &ran.stdout;
    for section in [
        "── categorize",
        "── dedupe",
        "── auto-balance",
        "── currency-guard",
        "── csv-importer",
    ] {
        assert!(out.contains(section), "missing {section}\n{out}");
    }
    assert!(out.contains("+  Expenses:Groceries"), "{out}");
    assert!(out.contains("deleted sample.beancount:51"), "{out}");
    assert!(
        out.contains("+2024-03-16 balance Assets:Bank:Checking  3442.30 EUR"),
        "{out}"
    );
    // The findings as `run` shows them: over their line of the sample ledger, named
    // relative to its directory wherever the demo put it.
    assert!(
        shows(out, "error: currency EUROS", "sample.beancount:57:3"),
        "{out}"
    );
    assert!(
        shows(out, "warning: duplicate", "sample.beancount:51:1"),
        "{out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "57 |   Liabilities:Card  -12.00 EUROS")
        .unwrap_or_else(|| panic!("line 57 of the sample ledger\n{out}"));
    assert_eq!(lines[at + 1], format!("   |   {}", "^".repeat(30)), "{out}");
    assert!(
        lines
            .iter()
            .filter(|l| l.trim_start().starts_with("--> "))
            .all(|l| l.trim_start().starts_with("--> sample.beancount:")),
        "{out}"
    );
    assert!(out.contains("+2024-04-15 * \"ACME GmbH, Koeln\""), "{out}");
    let summary = out.split("summary\n").nth(1).expect("a summary");
    assert_eq!(
        summary
            .lines()
            .filter(|l| l.trim_start().starts_with("ok"))
            .count(),
        5,
        "{summary}"
    );
    assert!(
        summary.contains("4 modified")
            && summary.contains("1 deleted")
            && summary.contains("4 inserted")
    );
    assert_eq!(
        out.matches("/ 30,000,000 (").count(),
        5,
        "one budget line per example"
    );
}

// ---------------------------------------------------------------- profile

/// A mistyped input or output path fails before the plugin crate is built (and before a
/// bench runs), naming the path.
#[test]
fn profile_and_bench_check_their_paths_before_building_the_crate() {
    let dir = Scratch::new();
    let plugin = repo().join("examples").join("dedupe");
    let importer = repo().join("examples").join("csv-importer");
    let missing = dir.join("no-such.beancount");
    let out = dir.join("profile.json");
    let nowhere = dir.join("no-such-dir").join("profile.json");
    let statement = demo_file("statement.csv");
    for (args, phrase) in [
        (
            vec![
                &"profile" as &dyn AsRef<std::ffi::OsStr>,
                &plugin,
                &missing,
                &"-o",
                &out,
            ],
            format!(
                "ledger {} does not exist or is not a file",
                missing.display()
            ),
        ),
        (
            vec![
                &"profile",
                &importer,
                &missing,
                &"-o",
                &out,
                &"--account",
                &"Assets:Bank",
            ],
            format!(
                "statement {} does not exist or is not a file",
                missing.display()
            ),
        ),
        (
            vec![&"profile", &plugin, &statement, &"-o", &nowhere],
            format!(
                "directory {} does not exist",
                dir.join("no-such-dir").display()
            ),
        ),
        (
            vec![
                &"bench",
                &importer,
                &"--statement",
                &missing,
                &"--account",
                &"Assets:Bank",
            ],
            format!("sample statement {} does not exist", missing.display()),
        ),
        (
            vec![&"bench", &plugin, &"--plot", &nowhere],
            format!(
                "directory {} does not exist",
                dir.join("no-such-dir").display()
            ),
        ),
    ] {
        let ran = rlplugin_with(&args, Stdout::Piped, &[], Duration::from_secs(60));
        assert_eq!(ran.code, 2, "{}", ran.stderr);
        assert!(ran.stderr.contains(&phrase), "{phrase}\n{}", ran.stderr);
        assert!(!ran.stderr.contains("building"), "{}", ran.stderr);
    }
}

/// A valid one-directive passthrough that burns fuel in two named functions, 3:1.
const BURNER: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func $spin (param $n i32)
    (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
  (func $heavy (call $spin (i32.const 300000)))
  (func $light (call $spin (i32.const 100000)))
  (func (export "process") (param i32 i32) (result i64)
    (call $heavy) (call $light)
    (i64.const 0x000000100000000a))
  (data (i32.const 16) "\92\91\81\a4Keep\00\90"))"#;

#[test]
fn profile_ranks_named_functions_by_fuel_and_writes_a_firefox_profile() {
    let dir = Scratch::new();
    let wasm = dir.wat("burner", BURNER);
    let ledger = dir.file("one.beancount", "2024-01-01 open Assets:Cash USD\n");
    let out = dir.join("burner.json");
    let ran = rlplugin(&[&"profile", &wasm, &ledger, &"-o", &out, &"--every", &"100"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("completed"), "{}", ran.stdout);
    let rows: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(char::is_numeric))
        .collect();
    assert!(rows[0].ends_with(" spin"), "{}", ran.stdout);
    // $spin runs for both callers; inclusive fuel ranks them 3:1.
    let total = |name: &str| -> f64 {
        let row = ran
            .stdout
            .lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .unwrap();
        row.split_whitespace()
            .nth(3)
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap()
    };
    let ratio = total("heavy") / total("light");
    assert!((2.7..3.3).contains(&ratio), "{ratio}\n{}", ran.stdout);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(
        json["meta"]["product"].as_str().unwrap().contains("burner"),
        "{}",
        json["meta"]
    );
    assert!(!json["threads"].as_array().unwrap().is_empty());

    // Fuel sampling is deterministic: the same table twice.
    let again = rlplugin(&[&"profile", &wasm, &ledger, &"-o", &out, &"--every", &"100"]);
    assert_eq!(
        ran.stdout.replace("burner.json", ""),
        again.stdout.replace("burner.json", "")
    );
}

/// An importer's `extract` is profiled on the statement, with its Rust names; its row
/// errors are findings, shown at their rows.
#[test]
fn profile_of_an_importer_profiles_extract_on_the_statement() {
    let dir = Scratch::new();
    let importer = dir.example("csv-importer");
    let out = dir.join("extract.json");
    let ran = rlplugin(&[
        &"profile",
        &importer,
        &demo_file("statement.csv"),
        &"--account",
        &"Assets:Bank:Checking",
        &"--currency",
        &"EUR",
        &"-o",
        &out,
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("completed"), "{}", ran.stdout);
    assert!(ran.stdout.contains("csv_importer::"), "{}", ran.stdout);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(!json["threads"].as_array().unwrap().is_empty());

    let bad = repo().join("examples/csv-importer/tests/fixtures/bad-rows.csv");
    let ran = rlplugin(&[
        &"profile",
        &importer,
        &bad,
        &"--account",
        &"Assets:Bank:Checking",
        &"-o",
        &out,
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(
        shows(&ran.stderr, "error: row not imported", "bad-rows.csv:3:1"),
        "{}",
        ran.stderr
    );
}

/// A passthrough whose `$cheap` and `$dear` spend about the same fuel (~600,000 each) in
/// very different loops: 100,000 iterations of 6 fuel against 1,000 of 604.
fn balanced_burner() -> String {
    let dear_body = "(local.set $x (i32.add (local.get $x) (i32.const 1)))".repeat(150);
    format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func $cheap (local $n i32)
    (local.set $n (i32.const 100000))
    (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
  (func $dear (local $n i32) (local $x i32)
    (local.set $n (i32.const 1000))
    (loop $l {dear_body}
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n))))
  (func (export "process") (param i32 i32) (result i64)
    (call $cheap) (call $dear)
    (i64.const 0x000000100000000a))
  (data (i32.const 16) "\92\91\81\a4Keep\00\90"))"#
    )
}

#[test]
fn profile_charges_fuel_not_loop_iterations() {
    let dir = Scratch::new();
    let wasm = dir.wat("balanced", &balanced_burner());
    let ledger = dir.file("one.beancount", "2024-01-01 open Assets:Cash USD\n");
    let out = dir.join("balanced.json");
    let ran = rlplugin(&[&"profile", &wasm, &ledger, &"-o", &out]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let self_fuel = |name: &str| -> f64 {
        let row = ran
            .stdout
            .lines()
            .find(|l| l.ends_with(&format!(" {name}")))
            .unwrap_or_else(|| panic!("no row for {name}:\n{}", ran.stdout));
        row.split_whitespace()
            .nth(1)
            .unwrap()
            .replace(',', "")
            .parse()
            .unwrap()
    };
    // Counting callbacks would give $cheap 100 times $dear's share.
    let (cheap, dear) = (self_fuel("cheap"), self_fuel("dear"));
    assert!(
        (0.9..1.1).contains(&(dear / cheap)),
        "cheap {cheap}, dear {dear}\n{}",
        ran.stdout
    );
    assert!(
        (550_000.0..650_000.0).contains(&cheap),
        "cheap {cheap}\n{}",
        ran.stdout
    );
}

#[test]
fn profile_of_a_real_plugin_and_of_one_that_cannot_run() {
    let dir = Scratch::new();
    let out = dir.join("guard.json");
    let ran = rlplugin(&[
        &"profile",
        &dir.example("currency-guard"),
        &demo_file("sample.beancount"),
        &"-o",
        &out,
        &"--every",
        &"50",
        &"--top",
        &"3",
    ]);
    // The sample's typo'd currency is a finding, as it is for `run`.
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(
        shows(&ran.stderr, "error: currency EUROS", "sample.beancount:57:"),
        "{}",
        ran.stderr
    );
    let rows = ran
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(char::is_numeric))
        .count();
    assert_eq!(rows, 3, "{}", ran.stdout);
    assert!(out.is_file());

    let corpus = hostile();
    let wat = &corpus
        .iter()
        .find(|(n, _, _)| *n == "trap_in_alloc")
        .unwrap()
        .1;
    let ran = rlplugin(&[
        &"profile",
        &dir.wat("trap_in_alloc", wat),
        &dir.ledger(),
        &"-o",
        &out,
    ]);
    // The input is built without running the plugin, so one that cannot run is
    // profiled up to where it stops; the command still fails, as `run` would.
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stdout.contains("stopped: trap"), "{}", ran.stdout);
    assert!(ran.stderr.contains("did not complete"), "{}", ran.stderr);

    let ran = rlplugin(&[
        &"profile",
        &dir.wat("trap_in_alloc", wat),
        &dir.file("broken.beancount", "2024-01-01 open\n"),
        &"-o",
        &out,
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("cannot prepare the profiled input"),
        "{}",
        ran.stderr
    );
    assert!(
        shows(&ran.stderr, "error: ", "broken.beancount:1:"),
        "{}",
        ran.stderr
    );
}
