//! Fault injection: every command against missing, empty, foreign and broken inputs, a
//! closed and a full stdout, zero and absurd limits, a config the plugin rejects and a
//! ledger that does not parse. Each case checks the exit code of the contract, that stderr
//! names the problem and that the process ends in time (`rlplugin_with` also fails it on a
//! panic, an abort or a signal). Small inputs and one tiny hand-written guest keep it fast;
//! the real examples appear only where a plugin has to do real work.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;

/// Every case must end well within this; the slowest builds a synthetic ledger or two.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A plugin for a one-directive ledger: keeps it.
const KEEP_ONE: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "process") (param i32 i32) (result i64) (i64.const 0x000000100000000a))
  (data (i32.const 16) "\92\91\81\a4Keep\00\90"))"#;

fn keep_one(dir: &Scratch) -> PathBuf {
    dir.wat("keep_one", KEEP_ONE)
}

fn one_directive(dir: &Scratch) -> PathBuf {
    dir.file("one.beancount", "2024-01-01 open Assets:Cash USD\n")
}

/// A ledger whose sixth line does not parse.
fn unparseable(dir: &Scratch) -> PathBuf {
    dir.file(
        "unparseable.beancount",
        "option \"title\" \"t\"\n2024-01-01 open Assets:Cash USD\n2024-01-02 * \"x\"\n  Assets:Cash  1 USD\n  Assets:Cash\n2024-13-01 open Assets:Bank\n",
    )
}

struct Case {
    name: String,
    args: Vec<std::ffi::OsString>,
    stdout: Stdout,
    code: i32,
    /// Every one of these must appear on stderr.
    stderr: Vec<&'static str>,
}

fn case(name: impl Into<String>, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Case {
    Case {
        name: name.into(),
        args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
        stdout: Stdout::Piped,
        code: 0,
        stderr: Vec::new(),
    }
}

impl Case {
    fn exits(mut self, code: i32, stderr: &[&'static str]) -> Case {
        self.code = code;
        self.stderr = stderr.to_vec();
        self
    }

    fn stdout(mut self, stdout: Stdout) -> Case {
        self.stdout = stdout;
        self
    }
}

/// Runs every case and reports all mismatches at once.
fn check_all(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for c in cases {
        let args: Vec<&dyn AsRef<std::ffi::OsStr>> = c
            .args
            .iter()
            .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
            .collect();
        let ran = rlplugin_with(&args, c.stdout, &[], TIMEOUT);
        let missing: Vec<_> = c
            .stderr
            .iter()
            .filter(|phrase| !ran.stderr.contains(**phrase))
            .collect();
        if ran.code != c.code || !missing.is_empty() {
            failures.push(format!(
                "{}: exit {} (want {}), stderr lacks {missing:?}:\n{}",
                c.name, ran.code, c.code, ran.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The PLUGIN argument of each command that loads a plugin, with the rest of its arguments.
fn with_plugin(dir: &Scratch, plugin: &Path) -> Vec<(&'static str, Vec<std::ffi::OsString>)> {
    let out = dir.join("fault-profile.json");
    let statement = demo_file("statement.csv");
    let one = one_directive(dir);
    vec![
        ("run", vec!["run".into(), plugin.into(), one.clone().into()]),
        (
            "bench",
            vec!["bench".into(), plugin.into(), "--sizes".into(), "10".into()],
        ),
        (
            "profile",
            vec![
                "profile".into(),
                plugin.into(),
                one.into(),
                "-o".into(),
                out.into(),
            ],
        ),
        (
            "import",
            vec![
                "import".into(),
                plugin.into(),
                statement.into(),
                "--account".into(),
                "Assets:Bank".into(),
            ],
        ),
        ("check", vec!["check".into(), plugin.into()]),
    ]
}

fn cases_for(
    dir: &Scratch,
    what: &str,
    plugin: &Path,
    code_for: impl Fn(&str) -> (i32, &'static str),
) -> Vec<Case> {
    with_plugin(dir, plugin)
        .into_iter()
        .map(|(command, args)| {
            let (code, phrase) = code_for(command);
            let args: Vec<&dyn AsRef<std::ffi::OsStr>> = args
                .iter()
                .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
                .collect();
            case(format!("{command} with {what}"), &args).exits(code, &[phrase])
        })
        .collect()
}

#[test]
fn every_command_refuses_plugins_that_are_missing_or_not_wasm() {
    let dir = Scratch::new();
    let real = std::fs::read(dir.example("dedupe")).unwrap();
    let truncated = dir.join("truncated.wasm");
    std::fs::write(&truncated, &real[..real.len() / 2]).unwrap();
    let random = dir.join("random.wasm");
    // Deterministic noise: no `\0asm` header, not UTF-8.
    let noise: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
        .collect();
    std::fs::write(&random, noise).unwrap();
    let empty = dir.file("empty.wasm", "");
    let text = dir.file("notes.wasm", "these are my notes, not a plugin\n");
    let directory = dir.join("a-directory.wasm");
    std::fs::create_dir_all(&directory).unwrap();

    let mut cases = Vec::new();
    cases.extend(cases_for(
        &dir,
        "a missing file",
        &dir.join("missing.wasm"),
        |c| {
            if c == "check" {
                (2, "cannot read")
            } else {
                (2, "does not exist")
            }
        },
    ));
    cases.extend(cases_for(&dir, "a directory", &directory, |c| {
        if c == "check" {
            (2, "cannot read")
        } else {
            (2, "without a Cargo.toml")
        }
    }));
    for (what, path) in [
        ("an empty file", &empty),
        ("random bytes", &random),
        ("a text file", &text),
    ] {
        cases.extend(cases_for(&dir, what, path, |c| {
            if c == "check" {
                (1, "")
            } else {
                (2, "is not a wasm module (no `\\0asm` header)")
            }
        }));
    }
    cases.extend(cases_for(&dir, "truncated wasm", &truncated, |c| {
        if c == "check" {
            (1, "")
        } else {
            (2, "not a module rustledger 0.24 can load")
        }
    }));
    check_all(cases);
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_and_a_full_one_fails_it() {
    let dir = Scratch::new();
    let plugin = keep_one(&dir);
    let one = one_directive(&dir);
    let out = dir.join("fault-pipe-profile.json");
    let dedupe = dir.example("dedupe");
    let importer = dir.example("csv-importer");
    let statement = demo_file("statement.csv");
    let commands: Vec<(&str, Vec<&dyn AsRef<std::ffi::OsStr>>)> = vec![
        ("run", vec![&"run", &plugin, &one]),
        ("run --json", vec![&"run", &plugin, &one, &"--json"]),
        ("check", vec![&"check", &plugin]),
        // One size: no fit, so no confirmation runs; the table is still printed.
        ("bench", vec![&"bench", &dedupe, &"--sizes", &"10"]),
        ("profile", vec![&"profile", &plugin, &one, &"-o", &out]),
        (
            "import",
            vec![
                &"import",
                &importer,
                &statement,
                &"--account",
                &"Assets:Bank",
                &"--currency",
                &"EUR",
            ],
        ),
        ("help", vec![&"--help"]),
    ];
    let mut cases = Vec::new();
    for (name, args) in &commands {
        cases.push(case(format!("{name} into a closed pipe"), args).stdout(Stdout::Closed));
        if cfg!(target_os = "linux") {
            cases.push(
                case(format!("{name} into /dev/full"), args)
                    .stdout(Stdout::Full)
                    .exits(2, &["cannot write the output to stdout", "No space left"]),
            );
        }
    }
    check_all(cases);
}

#[test]
fn zero_and_absurd_limits_and_sizes_are_named() {
    let dir = Scratch::new();
    let plugin = keep_one(&dir);
    let one = one_directive(&dir);
    let out = dir.join("fault-limits-profile.json");
    let dedupe = dir.example("dedupe");
    let max = u64::MAX.to_string();
    check_all(vec![
        case("run --fuel 0", &[&"run", &plugin, &one, &"--fuel", &"0"]).exits(
            2,
            &[
                "ran out of fuel in `__rustledger_abi_version`",
                "raise the fuel budget",
            ],
        ),
        case("run --fuel 1", &[&"run", &plugin, &one, &"--fuel", &"1"])
            .exits(2, &["ran out of fuel in `__rustledger_abi_version`"]),
        case(
            "profile --fuel 0",
            &[&"profile", &plugin, &one, &"-o", &out, &"--fuel", &"0"],
        )
        .exits(2, &["ran out of fuel in `__rustledger_abi_version`"]),
        case(
            "run --memory 0",
            &[&"run", &plugin, &one, &"--memory", &"0"],
        )
        .exits(
            2,
            &["starts with 65536 bytes of linear memory, more than the 0-byte memory cap"],
        ),
        case(
            "run --memory 1",
            &[&"run", &plugin, &one, &"--memory", &"1"],
        )
        .exits(2, &["cannot be instantiated"]),
        case(
            "run --fuel/--memory at the maximum",
            &[&"run", &plugin, &one, &"--fuel", &max, &"--memory", &max],
        )
        .exits(
            0,
            &[
                "--fuel 18,446,744,073,709,551,615 is above rustledger 0.24's fixed budget",
                "--memory 18,446,744,073,709,551,615 is above rustledger 0.24's cap",
                "does not hold in rledger",
            ],
        ),
        case("run --fuel=-1", &[&"run", &plugin, &one, &"--fuel=-1"])
            .exits(2, &["invalid value '-1' for '--fuel"]),
        case(
            "bench --fuel-cap 0",
            &[&"bench", &dedupe, &"--sizes", &"10", &"--fuel-cap", &"0"],
        )
        .exits(2, &["failed at every size", "ran out of fuel"]),
        case(
            "bench --sizes 4294967296",
            &[&"bench", &dedupe, &"--sizes", &"4294967296"],
        )
        .exits(
            2,
            &[
                "4294967296 directives is too many",
                "the largest size accepted is",
            ],
        ),
        case(
            "bench --sizes 10000000",
            &[&"bench", &dedupe, &"--sizes", &"100,10000000"],
        )
        .exits(2, &["10000000 directives is too many"]),
        case(
            "bench --sizes 99999999999999999999999",
            &[&"bench", &dedupe, &"--sizes", &"99999999999999999999999"],
        )
        .exits(2, &["is not a whole number"]),
    ]);
}

#[test]
fn rejected_configs_and_broken_ledgers_fail_every_command_that_runs_a_plugin() {
    let dir = Scratch::new();
    let categorize = dir.example("categorize");
    let rejected = r#"{"rules":[{"payee":"x","account":"groceries"}]}"#;
    let sample = demo_file("sample.beancount");
    let broken = unparseable(&dir);
    let out = dir.join("fault-config-profile.json");
    let plugin = keep_one(&dir);
    check_all(vec![
        case(
            "run with a rejected config",
            &[&"run", &categorize, &sample, &"--config", &rejected],
        )
        .exits(1, &["\"groceries\" is not an account name"]),
        case(
            "bench with a rejected config",
            &[
                &"bench",
                &categorize,
                &"--sizes",
                &"20",
                &"--config",
                &rejected,
            ],
        )
        .exits(
            1,
            &[
                "the plugin reported 1 errors",
                "\"groceries\" is not an account name",
            ],
        ),
        case(
            "profile with a rejected config",
            &[
                &"profile",
                &categorize,
                &sample,
                &"-o",
                &out,
                &"--config",
                &rejected,
            ],
        )
        .exits(1, &["\"groceries\" is not an account name"]),
        case(
            "run on a ledger that does not parse",
            &[&"run", &plugin, &broken],
        )
        .exits(
            2,
            &[
                "error: invalid date: month 13",
                "unparseable.beancount:6:1",
                "6 | 2024-13-01 open Assets:Bank",
                "could not load ledger",
                "fix the problem above",
            ],
        ),
        case(
            "profile on a ledger that does not parse",
            &[&"profile", &plugin, &broken, &"-o", &out],
        )
        .exits(
            2,
            &[
                "unparseable.beancount:6:1",
                "6 | 2024-13-01 open Assets:Bank",
            ],
        ),
        case(
            "run on a ledger whose include is missing",
            &[
                &"run",
                &plugin,
                &dir.file("includes.beancount", "include \"gone.beancount\"\n"),
            ],
        )
        .exits(
            2,
            &[
                "error: failed to read file",
                "gone.beancount",
                "fix the problem above",
            ],
        ),
        case(
            "run on random bytes as a ledger",
            &[
                &"run",
                &plugin,
                &dir.file("noise.beancount", "\u{1}\u{2}garbage ((\n"),
            ],
        )
        .exits(2, &["noise.beancount:1:1", "error: parse error"]),
        case(
            "run on a missing ledger",
            &[&"run", &plugin, &dir.join("missing.beancount")],
        )
        .exits(2, &["does not exist"]),
        case(
            "run on a directory as a ledger",
            &[&"run", &plugin, &dir.path()],
        )
        .exits(2, &["is not a file"]),
        case(
            "import with an unparseable account",
            &[
                &"import",
                &dir.example("csv-importer"),
                &demo_file("statement.csv"),
                &"--account",
                &"not an account",
            ],
        )
        .exits(2, &["--account \"not an account\" is not an account name"]),
        case(
            "import with an unparseable currency",
            &[
                &"import",
                &dir.example("csv-importer"),
                &demo_file("statement.csv"),
                &"--account",
                &"Assets:Bank",
                &"--currency",
                &"euro",
            ],
        )
        .exits(2, &["--currency \"euro\" is not a commodity"]),
    ]);
}

#[test]
fn json_failures_are_one_object_with_kind_message_and_consumption() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"run",
        &dir.example("categorize"),
        &demo_file("sample.beancount"),
        &"--fuel",
        &"5000",
        &"--json",
    ]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).expect("one JSON object");
    let failure = &v["failure"];
    assert_eq!(failure["kind"], "out_of_fuel", "{v:#}");
    assert_eq!(failure["fuel_used"], 5000, "{v:#}");
    assert!(failure["memory_used"].as_u64().unwrap() >= 65_536, "{v:#}");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("ran out of fuel")
    );

    let ran = rlplugin(&[&"run", &keep_one(&dir), &"missing.beancount", &"--json"]);
    assert_eq!(ran.code, 2);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).expect("one JSON object");
    assert_eq!(v["failure"]["kind"], "usage", "{v:#}");

    let ran = rlplugin(&[
        &"bench",
        &dir.example("categorize"),
        &"--sizes",
        &"20,40",
        &"--config",
        &r#"{"rules":[{"payee":"x","account":"groceries"}]}"#,
        &"--json",
    ]);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let v: serde_json::Value = serde_json::from_str(&ran.stdout).expect("one JSON object");
    for point in v["points"].as_array().unwrap() {
        assert_eq!(point["failure"]["kind"], "reported_errors", "{point:#}");
        assert!(
            point["fuel"].is_null(),
            "the error path is not measured: {point:#}"
        );
    }
}

#[test]
fn runs_leave_nothing_in_the_temp_directory() {
    let dir = Scratch::new();
    let tmp = tempfile::tempdir().unwrap();
    let ran = rlplugin_with(
        &[&"run", &keep_one(&dir), &one_directive(&dir)],
        Stdout::Piped,
        &[("TMPDIR", tmp.path())],
        TIMEOUT,
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn import_reads_a_statement_with_a_byte_order_mark() {
    let dir = Scratch::new();
    let statement = dir.file(
        "bom.csv",
        "\u{feff}Date,Payee,Amount\n2024-04-01,Landlord,-900.00\n",
    );
    let ran = rlplugin(&[
        &"import",
        &dir.example("csv-importer"),
        &statement,
        &"--account",
        &"Assets:Bank:Checking",
        &"--currency",
        &"EUR",
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.starts_with("2024-04-01 * \"Landlord\""),
        "{}",
        ran.stdout
    );
}

#[test]
fn categorize_accepts_unicode_accounts() {
    let dir = Scratch::new();
    let ran = rlplugin(&[
        &"run",
        &dir.example("categorize"),
        &demo_file("sample.beancount"),
        &"--config",
        &r#"{"rules":[{"payee":"rewe","account":"Expenses:食品"}]}"#,
    ]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("Expenses:食品"), "{}", ran.stdout);
}
