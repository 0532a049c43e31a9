//! Compile-fail tests: a wrong user signature or macro invocation is reported at the user's
//! code with a message that says what rlplugin expects. Refresh the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p rlplugin --test ui` and read the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/plugin/*.rs");
    cases.compile_fail("tests/ui/importer/*.rs");
    cases.compile_fail("tests/ui/view/*.rs");
}
