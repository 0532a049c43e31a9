//! The two entry-point macros. They only wire exports to `$crate::__private`; every step
//! behind them is an ordinary function in [`guest`](crate::guest) and `abi`.

/// Exports a directive plugin built around one `process` function.
///
/// ```
/// use rlplugin::{wasm_plugin_main, PluginInput, PluginOutput};
///
/// fn process(input: PluginInput) -> PluginOutput {
///     PluginOutput::passthrough(input.directives.len())
/// }
///
/// wasm_plugin_main! { process: process }
/// # fn main() {}
/// ```
///
/// `process` is any function or closure taking [`PluginInput`](crate::PluginInput) and
/// returning [`PluginOutput`](crate::PluginOutput) or `Result<PluginOutput, E>` with
/// `E: Display` (see [`IntoPluginOutput`](crate::IntoPluginOutput)): on `Err`, every input
/// directive is kept and the message becomes an error-severity diagnostic.
///
/// ```
/// use rlplugin::{wasm_plugin_main, PluginInput, PluginOutput};
///
/// #[derive(serde::Deserialize)]
/// struct Config { account: String }
///
/// fn process(input: PluginInput) -> Result<PluginOutput, rlplugin::ConfigError> {
///     let config: Config = rlplugin::config(input.config.as_deref())?;
///     let _ = config.account;
///     Ok(PluginOutput::passthrough(input.directives.len()))
/// }
///
/// wasm_plugin_main! { process: process }
/// # fn main() {}
/// ```
///
/// On `wasm32` the expansion exports exactly `alloc`, `process`, `__rustledger_abi_version`,
/// `__rlplugin_panic_info` (besides the `memory` every module exports), and `__rlplugin_log`
/// with the `log` feature; see `ABI.md`.
/// On other targets it exports nothing, so the crate still builds for native unit tests.
/// Invoke it once per `cdylib` crate: two invocations export the same names twice.
#[macro_export]
macro_rules! wasm_plugin_main {
    (process: $process:expr $(,)?) => {
        const _: () = {
            $crate::__rlplugin_common_exports!();

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "process"))]
            #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
            #[allow(unsafe_code)]
            extern "C" fn __rlplugin_process(ptr: u32, len: u32) -> u64 {
                // SAFETY: the host calls `process` on the bytes it wrote through `alloc`.
                unsafe {
                    $crate::__private::process(ptr, len, $crate::__private::plugin_process($process))
                }
            }
        };
    };
    ($($unexpected:tt)*) => {
        ::core::compile_error!(
            "wasm_plugin_main! expects exactly `process: your_function`, where `your_function` \
             is `fn(PluginInput) -> PluginOutput` or `fn(PluginInput) -> Result<PluginOutput, E>`"
        );
    };
}

/// Exports an importer: a name and description, an `identify` function and an `extract`
/// function, optionally an `extract_enriched` function.
///
/// ```
/// use rlplugin::{wasm_importer_main, ImporterInput, ImporterOutput};
///
/// fn identify(path: &str) -> bool {
///     path.ends_with(".csv")
/// }
///
/// fn extract(input: ImporterInput) -> Result<ImporterOutput, std::str::Utf8Error> {
///     let text = std::str::from_utf8(&input.content)?;
///     let _lines = text.lines().count();
///     Ok(ImporterOutput::empty())
/// }
///
/// wasm_importer_main! {
///     name: "bank-csv",
///     description: "My bank's CSV export",
///     identify: identify,
///     extract: extract,
/// }
/// # fn main() {}
/// ```
///
/// - `name`, `description`: any expression with `to_string()` (`&str`, `String`, …).
/// - `identify`: `Fn(&str) -> bool`, given the statement's path.
/// - `extract`: `Fn(ImporterInput) -> ImporterOutput`, or `-> Result<ImporterOutput, E>`
///   with `E: Display`: on `Err` nothing is imported and the message becomes an error.
/// - `extract_enriched` (optional): `Fn(ImporterInput) -> EnrichedImporterOutput` (or a
///   `Result`). Without it, `extract`'s directives are sent with method `"default"` and
///   confidence 0.
///
/// Fields may come in any order; a missing or unknown field is a compile error naming it.
/// On `wasm32` the expansion exports exactly `alloc`, `metadata`, `identify`, `extract`,
/// `extract_enriched`, `__rustledger_abi_version` and `__rlplugin_panic_info`, and
/// `__rlplugin_log` with the `log` feature.
#[macro_export]
macro_rules! wasm_importer_main {
    (
        name: $name:expr,
        description: $description:expr,
        identify: $identify:expr,
        extract: $extract:expr
        $(, extract_enriched: $extract_enriched:expr)? $(,)?
    ) => {
        const _: () = {
            $crate::__rlplugin_common_exports!();

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "metadata"))]
            #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
            #[allow(unsafe_code)]
            extern "C" fn __rlplugin_metadata() -> u64 {
                $crate::__private::metadata(
                    $crate::__private::text(&$name),
                    $crate::__private::text(&$description),
                )
            }

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "identify"))]
            #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
            #[allow(unsafe_code)]
            extern "C" fn __rlplugin_identify(ptr: u32, len: u32) -> u64 {
                // SAFETY: the host calls `identify` on the bytes it wrote through `alloc`.
                unsafe {
                    $crate::__private::identify(ptr, len, $crate::__private::importer_identify($identify))
                }
            }

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "extract"))]
            #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
            #[allow(unsafe_code)]
            extern "C" fn __rlplugin_extract(ptr: u32, len: u32) -> u64 {
                // SAFETY: the host calls `extract` on the bytes it wrote through `alloc`.
                unsafe {
                    $crate::__private::extract(ptr, len, $crate::__private::importer_extract($extract))
                }
            }

            #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "extract_enriched"))]
            #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
            #[allow(unsafe_code)]
            extern "C" fn __rlplugin_extract_enriched(ptr: u32, len: u32) -> u64 {
                let extract_enriched = $crate::__rlplugin_enriched!(
                    $extract $(, $extract_enriched)?
                );
                // SAFETY: the host calls `extract_enriched` on the bytes it wrote through
                // `alloc`.
                unsafe { $crate::__private::extract_enriched(ptr, len, extract_enriched) }
            }
        };
    };
    ($($fields:tt)*) => {
        $crate::__rlplugin_importer_fields! { [] [] [] [] [] $($fields)* }
    };
}

/// `alloc`, the ABI handshake, the panic record and (with the `log` feature) the log.
#[doc(hidden)]
#[macro_export]
macro_rules! __rlplugin_common_exports {
    () => {
        #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "alloc"))]
        #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
        #[allow(unsafe_code)]
        extern "C" fn __rlplugin_alloc(size: u32) -> u32 {
            $crate::__private::alloc(size)
        }

        #[cfg_attr(
            target_arch = "wasm32",
            unsafe(export_name = "__rustledger_abi_version")
        )]
        #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
        #[allow(unsafe_code)]
        extern "C" fn __rlplugin_abi_version() -> u32 {
            $crate::__private::abi_version()
        }

        #[cfg_attr(target_arch = "wasm32", unsafe(export_name = "__rlplugin_panic_info"))]
        #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
        #[allow(unsafe_code)]
        extern "C" fn __rlplugin_panic_info() -> u64 {
            $crate::__private::panic_info()
        }

        $crate::__rlplugin_log_export!();
    };
}

/// The `extract_enriched` function: the user's, or the default built from `extract`.
#[doc(hidden)]
#[macro_export]
macro_rules! __rlplugin_enriched {
    ($extract:expr) => {
        $crate::__private::default_extract_enriched($crate::__private::importer_extract($extract))
    };
    ($extract:expr, $extract_enriched:expr) => {
        $crate::__private::importer_extract_enriched($extract_enriched)
    };
}

/// Collects `wasm_importer_main!` fields given in another order, or names the one that is
/// missing, duplicated or unknown.
#[doc(hidden)]
#[macro_export]
macro_rules! __rlplugin_importer_fields {
    ([$($n:expr)?] [$($d:expr)?] [$($i:expr)?] [$($e:expr)?] [$($x:expr)?]
        name: $value:expr $(, $($rest:tt)*)?) => {
        $crate::__rlplugin_importer_fields! {
            @once name [$($n)?] [$value] [$($d)?] [$($i)?] [$($e)?] [$($x)?] $($($rest)*)?
        }
    };
    ([$($n:expr)?] [$($d:expr)?] [$($i:expr)?] [$($e:expr)?] [$($x:expr)?]
        description: $value:expr $(, $($rest:tt)*)?) => {
        $crate::__rlplugin_importer_fields! {
            @once description [$($d)?] [$($n)?] [$value] [$($i)?] [$($e)?] [$($x)?] $($($rest)*)?
        }
    };
    ([$($n:expr)?] [$($d:expr)?] [$($i:expr)?] [$($e:expr)?] [$($x:expr)?]
        identify: $value:expr $(, $($rest:tt)*)?) => {
        $crate::__rlplugin_importer_fields! {
            @once identify [$($i)?] [$($n)?] [$($d)?] [$value] [$($e)?] [$($x)?] $($($rest)*)?
        }
    };
    ([$($n:expr)?] [$($d:expr)?] [$($i:expr)?] [$($e:expr)?] [$($x:expr)?]
        extract: $value:expr $(, $($rest:tt)*)?) => {
        $crate::__rlplugin_importer_fields! {
            @once extract [$($e)?] [$($n)?] [$($d)?] [$($i)?] [$value] [$($x)?] $($($rest)*)?
        }
    };
    ([$($n:expr)?] [$($d:expr)?] [$($i:expr)?] [$($e:expr)?] [$($x:expr)?]
        extract_enriched: $value:expr $(, $($rest:tt)*)?) => {
        $crate::__rlplugin_importer_fields! {
            @once extract_enriched [$($x)?] [$($n)?] [$($d)?] [$($i)?] [$($e)?] [$value] $($($rest)*)?
        }
    };
    (@once $field:ident [] $($state:tt)*) => {
        $crate::__rlplugin_importer_fields! { $($state)* }
    };
    (@once $field:ident [$previous:expr] $($state:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "wasm_importer_main!: `", ::core::stringify!($field), "` is given twice"
        ));
    };
    ([$n:expr] [$d:expr] [$i:expr] [$e:expr] [$($x:expr)?]) => {
        $crate::wasm_importer_main! {
            name: $n,
            description: $d,
            identify: $i,
            extract: $e,
            $(extract_enriched: $x,)?
        }
    };
    ([] $($state:tt)*) => {
        $crate::__rlplugin_importer_fields! { @missing name }
    };
    ([$n:expr] [] $($state:tt)*) => {
        $crate::__rlplugin_importer_fields! { @missing description }
    };
    ([$n:expr] [$d:expr] [] $($state:tt)*) => {
        $crate::__rlplugin_importer_fields! { @missing identify }
    };
    ([$n:expr] [$d:expr] [$i:expr] [] $($state:tt)*) => {
        $crate::__rlplugin_importer_fields! { @missing extract }
    };
    (@missing $field:ident) => {
        ::core::compile_error!(::core::concat!(
            "wasm_importer_main! is missing `", ::core::stringify!($field), ": …`; it needs \
             `name`, `description`, `identify` and `extract` (and optionally `extract_enriched`)"
        ));
    };
    ([$($n:expr)?] [$($d:expr)?] [$($i:expr)?] [$($e:expr)?] [$($x:expr)?]
        $field:ident : $($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "wasm_importer_main!: unknown field `", ::core::stringify!($field), "`; expected \
             `name`, `description`, `identify`, `extract` or `extract_enriched`"
        ));
    };
    ($($other:tt)*) => {
        ::core::compile_error!(
            "wasm_importer_main! expects `name: …, description: …, identify: …, extract: …` \
             and optionally `extract_enriched: …`, separated by commas"
        );
    };
}
