//! The bench's command line: a mistyped flag must stop before anything is measured, never
//! fall back to the full (long) run that rewrites every figure.

use std::process::Command;

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rlplugin-bench"))
        .args(args)
        .output()
        .expect("the bench binary starts")
}

#[test]
fn an_unknown_flag_is_refused_by_name() {
    let output = bench(&["--veiw"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'--veiw'"), "{stderr}");
    assert!(!stderr.contains("measuring"), "{stderr}");
}

#[test]
fn two_parts_at_once_are_refused() {
    let output = bench(&["--view", "--examples"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn help_lists_every_part() {
    let output = bench(&["--help"]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for flag in ["--readmes", "--examples", "--view"] {
        assert!(stdout.contains(flag), "{flag} missing from:\n{stdout}");
    }
}
