//! The profiler's table on guests whose costs are known exactly.

use rlplugin_testkit::profile::{Profile, Profiler};

use crate::common::wat_guest;

/// A passthrough whose `process` calls `$tiny` (one instruction) and then runs `after`
/// instructions of its own with no call or loop before it returns, so no callback of its
/// own would otherwise mark where `$tiny` ended.
fn work_after_a_call(after: usize) -> String {
    let step = "(local.set $x (i32.add (local.get $x) (i32.const 1)))";
    format!(
        r#"(module
  (memory (export "memory") 1)
  (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func $tiny (result i32) (i32.const 7))
  (func $process (export "process") (param i32 i32) (result i64) (local $x i32)
    (local.set $x (call $tiny))
    {body}
    (i64.const 0x000000100000000a))
  (data (i32.const 16) "\92\91\81\a4Keep\00\90"))"#,
        body = step.repeat(after / 4)
    )
}

fn profile(wat: &str) -> Profile {
    let guest = wat_guest("after-a-call", wat);
    let input = guest
        .plugin()
        .ledger("2024-01-01 open Assets:Cash USD\n")
        .input_bytes()
        .unwrap();
    Profiler::new(&guest).input(input).run().unwrap()
}

fn self_fuel(profile: &Profile, name: &str) -> u64 {
    profile
        .functions()
        .iter()
        .find(|function| function.name == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", profile.functions()))
        .self_fuel
}

#[test]
fn what_a_caller_runs_after_a_call_is_charged_to_the_caller() {
    let profile = profile(&work_after_a_call(4_000));
    assert!(profile.completed(), "{}", profile.outcome());
    // One fuel per instruction, a function's final `end` (its return) included: `$tiny` is
    // a constant and its return; the call, the store of its result, the 4,000 instructions
    // after it, the answer's constant and the return are the caller's. The loop the
    // profiler adds after each call would show here if it cost anything.
    assert_eq!(self_fuel(&profile, "tiny"), 2, "{:?}", profile.functions());
    assert_eq!(
        self_fuel(&profile, "process"),
        4_000 + 4,
        "{:?}",
        profile.functions()
    );
    let charged: u64 = profile.functions().iter().map(|f| f.self_fuel).sum();
    assert_eq!(charged, profile.fuel_used());
}
