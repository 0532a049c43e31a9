//! Production's engine refuses the proposals rustledger disables; the kit, which
//! uses that engine, must refuse them too.

use rlplugin_testkit::{Error, Guest};

fn rejected(name: &str, wat: &str) -> String {
    let bytes = wat::parse_str(wat).expect("test WAT assembles");
    match Guest::from_bytes(name, bytes) {
        Err(Error::InvalidModule { reason, .. }) => reason,
        other => panic!("`{name}` was not rejected as invalid: {other:?}"),
    }
}

#[test]
fn shared_memory_needs_threads() {
    let reason = rejected(
        "threads",
        r#"(module (memory (export "memory") 1 1 shared))"#,
    );
    assert!(reason.contains("threads"), "{reason}");
}

#[test]
fn multi_memory_is_disabled() {
    let reason = rejected(
        "multi_memory",
        r#"(module (memory (export "memory") 1) (memory 1))"#,
    );
    assert!(
        reason.contains("multiple memories") || reason.contains("multi-memory"),
        "{reason}"
    );
}

#[test]
fn memory64_is_disabled() {
    let reason = rejected("memory64", r#"(module (memory (export "memory") i64 1))"#);
    assert!(reason.contains("memory64"), "{reason}");
}

#[test]
fn components_are_rejected() {
    let reason = rejected("component", "(component)");
    assert!(reason.contains("component"), "{reason}");
}

#[test]
fn gc_types_are_rejected() {
    let reason = rejected(
        "gc",
        r#"(module (type $s (struct (field i32))) (memory (export "memory") 1) (func (export "f") (result (ref null $s)) (ref.null $s)))"#,
    );
    assert!(
        reason.contains("gc") || reason.contains("reference"),
        "{reason}"
    );
}

#[test]
fn tail_calls_are_rejected() {
    let reason = rejected(
        "tail_call",
        r#"(module (memory (export "memory") 1) (func $f (return_call $f)))"#,
    );
    assert!(reason.contains("tail"), "{reason}");
}

#[test]
fn the_same_modules_are_rejected_by_production() {
    for wat in [
        r#"(module (memory (export "memory") 1 1 shared))"#,
        r#"(module (memory (export "memory") 1) (memory 1))"#,
        r#"(module (memory (export "memory") i64 1))"#,
    ] {
        let bytes = wat::parse_str(wat).unwrap();
        assert!(
            rustledger_plugin::validate_plugin_module(&bytes).is_err(),
            "{wat}"
        );
    }
}
