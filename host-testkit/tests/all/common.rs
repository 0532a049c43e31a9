//! Guests and ledgers shared by the test modules.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rlplugin_testkit::{Guest, Run};
use rustledger_plugin::{PluginInput, PluginOutput, RuntimeConfig};

/// A ledger of exactly 20 directives (4 opens, 1 commodity, 1 price, 14 transactions).
pub const LEDGER_20: &str = r#"option "title" "Fixture"
option "operating_currency" "USD"

2024-01-01 open Assets:Bank:Checking USD
2024-01-01 open Expenses:Food USD
2024-01-01 open Expenses:Rent USD
2024-01-01 open Income:Salary USD
2024-01-01 commodity USD
2024-01-02 price EUR 1.10 USD
2024-01-03 * "Employer" "Salary"
  Assets:Bank:Checking  3000.00 USD
  Income:Salary
2024-01-04 * "Landlord" "Rent REVIEW"
  Expenses:Rent  1200.00 USD
  Assets:Bank:Checking
2024-01-05 * "Market" "Groceries"
  Expenses:Food  45.10 USD
  Assets:Bank:Checking
2024-01-06 * "Market" "Groceries"
  Expenses:Food  12.00 USD
  Assets:Bank:Checking
2024-01-07 * "Cafe" "Coffee"
  Expenses:Food  3.50 USD
  Assets:Bank:Checking
2024-01-08 * "Cafe" "Coffee"
  Expenses:Food  3.50 USD
  Assets:Bank:Checking
2024-01-09 * "Market" "Groceries REVIEW"
  Expenses:Food  80.00 USD
  Assets:Bank:Checking
2024-01-10 * "Cafe" "Coffee"
  Expenses:Food  4.00 USD
  Assets:Bank:Checking
2024-01-11 * "Market" "Groceries"
  Expenses:Food  22.40 USD
  Assets:Bank:Checking
2024-01-12 * "Cafe" "Lunch"
  Expenses:Food  11.00 USD
  Assets:Bank:Checking
2024-01-13 * "Market" "Groceries"
  Expenses:Food  30.00 USD
  Assets:Bank:Checking
2024-01-14 * "Cafe" "Lunch"
  Expenses:Food  9.50 USD
  Assets:Bank:Checking
2024-01-15 * "Market" "Groceries"
  Expenses:Food  17.25 USD
  Assets:Bank:Checking
2024-01-16 * "Cafe" "Dinner"
  Expenses:Food  28.00 USD
  Assets:Bank:Checking
"#;

/// Reports the FNV-1a-64 digest of its raw input as a warning and keeps everything.
pub const PROBE_WAT: &str = r#"
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "0123456789abcdef")
  (data (i32.const 16) "fnv1a64:")
  (global $heap (mut i32) (i32.const 64))
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func $alloc (export "alloc") (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $have i32)
    (local.set $p (global.get $heap))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535)) (i32.const 16))) (i32.const -1))
        (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $p))
  (func $be32 (param $at i32) (param $v i32)
    (i32.store8 (local.get $at) (i32.shr_u (local.get $v) (i32.const 24)))
    (i32.store8 offset=1 (local.get $at) (i32.shr_u (local.get $v) (i32.const 16)))
    (i32.store8 offset=2 (local.get $at) (i32.shr_u (local.get $v) (i32.const 8)))
    (i32.store8 offset=3 (local.get $at) (local.get $v)))
  (func $process (export "process") (param $ptr i32) (param $len i32) (result i64)
    (local $n i32) (local $b i32) (local $total i32) (local $out i32) (local $o i32) (local $i i32) (local $h i64)
    (local.set $b (i32.load8_u offset=1 (local.get $ptr)))
    (if (i32.eq (i32.and (local.get $b) (i32.const 0xf0)) (i32.const 0x90))
      (then (local.set $n (i32.and (local.get $b) (i32.const 0x0f))))
      (else (if (i32.eq (local.get $b) (i32.const 0xdc))
        (then (local.set $n (i32.or (i32.shl (i32.load8_u offset=2 (local.get $ptr)) (i32.const 8)) (i32.load8_u offset=3 (local.get $ptr)))))
        (else unreachable))))
    (local.set $h (i64.const 0xcbf29ce484222325))
    (block $done (loop $hash
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (local.set $h (i64.mul
        (i64.xor (local.get $h) (i64.extend_i32_u (i32.load8_u (i32.add (local.get $ptr) (local.get $i)))))
        (i64.const 0x100000001b3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $hash)))
    (local.set $total (i32.add (i32.const 43) (i32.mul (local.get $n) (i32.const 11))))
    (local.set $out (call $alloc (i32.add (local.get $total) (i32.const 1))))
    (local.set $o (local.get $out))
    (i32.store8 (local.get $o) (i32.const 0x92))
    (i32.store8 offset=1 (local.get $o) (i32.const 0xdd))
    (call $be32 (i32.add (local.get $o) (i32.const 2)) (local.get $n))
    (local.set $o (i32.add (local.get $o) (i32.const 6)))
    (local.set $i (i32.const 0))
    (block $done (loop $ops
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
    (i32.store8 offset=2 (local.get $o) (i32.const 0xb8))
    (memory.copy (i32.add (local.get $o) (i32.const 3)) (i32.const 16) (i32.const 8))
    (local.set $o (i32.add (local.get $o) (i32.const 11)))
    (local.set $i (i32.const 0))
    (block $done (loop $hex
      (br_if $done (i32.ge_u (local.get $i) (i32.const 16)))
      (i32.store8 (local.get $o) (i32.load8_u (i32.wrap_i64 (i64.and
        (i64.shr_u (local.get $h) (i64.extend_i32_u (i32.sub (i32.const 60) (i32.shl (local.get $i) (i32.const 2)))))
        (i64.const 15)))))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $hex)))
    (i32.store8 (local.get $o) (i32.const 0xc0))
    (i32.store8 offset=1 (local.get $o) (i32.const 0xc0))
    (i32.store8 offset=2 (local.get $o) (i32.const 0xa7))
    (i64.store offset=3 (local.get $o) (i64.const 0x676e696e726177))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32)) (i64.extend_i32_u (local.get $total))))
)
"#;

/// The probe's byte loop, preceded in [`word_probe`] by a loop over whole words.
const BYTE_HASH_LOOP: &str = "    (block $done (loop $hash\n";
const WORD_HASH_LOOP: &str = r#"    (block $words (loop $word
      (br_if $words (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $len)))
      (local.set $h (i64.mul
        (i64.xor (local.get $h) (i64.load (i32.add (local.get $ptr) (local.get $i))))
        (i64.const 0x100000001b3)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $word)))
"#;

/// The probe, digesting little-endian u64 words and then the tail bytes: about 2 fuel
/// per input byte instead of 10, so multi-megabyte inputs fit production's budget.
pub fn word_probe() -> Guest {
    static GUEST: OnceLock<Guest> = OnceLock::new();
    GUEST
        .get_or_init(|| {
            assert!(PROBE_WAT.contains(BYTE_HASH_LOOP));
            let wat = PROBE_WAT.replacen(
                BYTE_HASH_LOOP,
                &format!("{WORD_HASH_LOOP}{BYTE_HASH_LOOP}"),
                1,
            );
            wat_guest("word-probe", &wat)
        })
        .clone()
}

/// [`word_probe`]'s digest, computed on the host.
pub fn fnv1a64_words(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for word in words {
        h = (h ^ u64::from_le_bytes(word.try_into().unwrap())).wrapping_mul(0x0100_0000_01b3);
    }
    for b in tail {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

pub fn fnv1a64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

pub fn wat_guest(name: &str, wat: &str) -> Guest {
    let bytes =
        wat::parse_str(wat).unwrap_or_else(|e| panic!("test WAT `{name}` does not assemble: {e}"));
    Guest::from_bytes(name, bytes)
        .unwrap_or_else(|e| panic!("test guest `{name}` does not load: {e}"))
}

pub fn probe() -> Guest {
    static GUEST: OnceLock<Guest> = OnceLock::new();
    GUEST.get_or_init(|| wat_guest("probe", PROBE_WAT)).clone()
}

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn upstream_guest() -> Guest {
    Guest::build()
        .crate_dir(fixture_dir("upstream-guest"))
        .run()
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn rlplugin_guest() -> Guest {
    Guest::build()
        .crate_dir(fixture_dir("rlplugin-guest"))
        .run()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The same input through `rustledger_plugin::Plugin::execute` must give the same output.
pub fn assert_parity(guest: &Guest, run: &Run) {
    let input: PluginInput = rmp_serde::from_slice(run.input_bytes()).expect("kit input decodes");
    let config = RuntimeConfig::default();
    let plugin = rustledger_plugin::Plugin::load_bytes(guest.name(), guest.wasm_bytes(), &config)
        .expect("production loads the guest");
    let expected: PluginOutput = plugin
        .execute(&input, &config)
        .expect("production runs the guest");
    let ours = PluginOutput {
        ops: run.ops().to_vec(),
        errors: run.errors().to_vec(),
    };
    assert_eq!(
        rmp_serde::to_vec(&ours).unwrap(),
        rmp_serde::to_vec(&expected).unwrap(),
        "kit output differs from rustledger_plugin::Plugin::execute for `{}`",
        guest.name()
    );
}
