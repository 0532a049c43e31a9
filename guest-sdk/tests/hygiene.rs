//! The macros expand correctly beside user items that shadow every name an unhygienic
//! expansion could pick up: the expansions must use `$crate::`, `::core::` and `::std::`
//! paths only.

#![allow(dead_code, non_camel_case_types, clippy::needless_pass_by_value)]

mod core {}
mod std {}

struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct String;
struct Vec;
struct Box;
fn alloc() {}
fn process() {}
fn identify() {}
fn extract() {}
fn metadata() {}

fn my_process(input: rlplugin::PluginInput) -> rlplugin::PluginOutput {
    rlplugin::PluginOutput::passthrough(input.directives.len())
}

rlplugin::wasm_plugin_main! { process: my_process }

/// A second invocation needs a module of its own: the exports are defined at module scope
/// under rustledger's names. The glob import brings every shadowing name above along.
mod second_plugin {
    // Unused exactly when the expansion is hygienic: it must resolve none of these names.
    #[allow(unused_imports)]
    use super::*;

    rlplugin::wasm_plugin_main! {
        process: |_input: rlplugin::PluginInput| -> ::core::result::Result<rlplugin::PluginOutput, &'static str> {
            ::core::result::Result::Err("no")
        },
    }
}

/// The view arm, beside the same shadowing names.
mod view_plugin {
    #[allow(unused_imports)]
    use super::*;

    fn my_view(
        ledger: rlplugin::view::LedgerView<'_>,
    ) -> ::core::result::Result<rlplugin::view::ViewOps, rlplugin::OpsError> {
        let mut ops = ledger.ops();
        for directive in ledger.directives() {
            ops.keep(directive.index())?;
        }
        ::core::result::Result::Ok(ops)
    }

    rlplugin::wasm_plugin_main! { view: my_view }

    #[test]
    fn the_view_export_has_rustledgers_signature() {
        let _: extern "C" fn(u32, u32) -> u64 = __wasm_plugin_process;
    }
}

fn my_identify(path: &str) -> bool {
    path.is_empty()
}

fn my_extract(_input: rlplugin::ImporterInput) -> rlplugin::ImporterOutput {
    rlplugin::ImporterOutput::empty()
}

rlplugin::wasm_importer_main! {
    name: "hygiene",
    description: "shadowed names",
    identify: my_identify,
    extract: my_extract,
}

mod second_importer {
    use super::*;

    rlplugin::wasm_importer_main! {
        extract_enriched: |_input: rlplugin::ImporterInput| rlplugin::guest::default_enriched_from(
            rlplugin::ImporterOutput::empty(),
        ),
        extract: my_extract,
        identify: my_identify,
        description: "fields in another order",
        name: "hygiene-2",
    }
}

#[test]
fn exports_have_rustledgers_names_and_signatures() {
    let _: extern "C" fn(u32) -> *mut u8 = __wasm_plugin_alloc;
    let _: extern "C" fn(u32, u32) -> u64 = second_plugin::__wasm_plugin_process;
    let _: extern "C" fn() -> u32 = __wasm_plugin_abi_version;
    let _: extern "C" fn(u32) -> *mut u8 = second_importer::__wasm_importer_alloc;
    let _: extern "C" fn() -> u64 = __wasm_importer_metadata;
    let _: extern "C" fn(u32, u32) -> u64 = __wasm_importer_identify;
    let _: extern "C" fn(u32, u32) -> u64 = __wasm_importer_extract;
    let _: extern "C" fn(u32, u32) -> u64 = second_importer::__wasm_importer_extract_enriched;
    assert_eq!(__wasm_importer_abi_version(), rlplugin::ABI_VERSION);
}

#[test]
fn user_functions_stay_callable_beside_the_expansion() {
    let input = rlplugin::PluginInput {
        directives: ::std::vec![rlplugin::DirectiveWrapper {
            directive_type: ::std::string::String::new(),
            date: "2024-01-01".into(),
            filename: ::core::option::Option::None,
            lineno: ::core::option::Option::None,
            data: rlplugin::DirectiveData::Commodity(rlplugin::CommodityData {
                currency: "EUR".into(),
                metadata: ::std::vec![],
            }),
        }],
        options: ::core::default::Default::default(),
        config: ::core::option::Option::None,
    };
    assert_eq!(my_process(input).ops, [rlplugin::PluginOp::Keep(0)]);
}

#[test]
fn log_macros_expand_beside_shadowed_names() {
    let row = 7;
    rlplugin::log!("row {row}");
    rlplugin::debug!("row {} of {}", row, 9);
    rlplugin::log!("no arguments");
}
