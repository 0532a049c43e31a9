//! `log!`, `debug!` and the log export, in two forms: with the `log` feature they
//! record lines, without it they name the feature to enable, so a guest that does not
//! log carries neither the export nor the buffer.

/// Appends a line to the guest's log, formatted like `format!`; the test kit shows it
/// with the call's result or its trap (`Run::logs()`, `rlplugin run --logs`). Needs the
/// `log` feature: `rlplugin = { version = "…", features = ["log"] }`.
///
/// ```
/// fn process(input: rlplugin::PluginInput) -> rlplugin::PluginOutput {
///     rlplugin::log!("{} directives, config {:?}", input.directives.len(), input.config);
///     rlplugin::PluginOutput::passthrough(input.directives.len())
/// }
/// # let input = rlplugin::PluginInput { directives: vec![], options: Default::default(), config: None };
/// # assert!(process(input).ops.is_empty());
/// ```
///
/// The log keeps [`LOG_CAPACITY`](crate::LOG_CAPACITY) bytes per call; lines past that
/// are dropped and counted, and the kit says how many. rustledger never reads the log, so
/// a plugin that logs loads and runs in `rledger` unchanged. Natively (an author's unit
/// tests) the line also goes to stderr.
#[cfg(feature = "log")]
#[macro_export]
macro_rules! log {
    ($($arg:tt)+) => {
        $crate::__private::log_line("", ::core::format_args!($($arg)+))
    };
}

/// Like [`log!`], for detail: the line is marked `debug: `.
///
/// ```
/// let row = 7;
/// rlplugin::debug!("row {row} has no payee");
/// ```
#[cfg(feature = "log")]
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => {
        $crate::__private::log_line("debug: ", ::core::format_args!($($arg)+))
    };
}

/// Appends a line to the guest's log; enable rlplugin's `log` feature to use it.
#[cfg(not(feature = "log"))]
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        ::core::compile_error!(
            "rlplugin::log! needs rlplugin's `log` feature; fix: depend on \
             `rlplugin = { version = \"…\", features = [\"log\"] }` (without it a guest \
             carries no log buffer and no log export)"
        )
    };
}

/// Appends a `debug: ` line to the guest's log; enable rlplugin's `log` feature to use it.
#[cfg(not(feature = "log"))]
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => {
        ::core::compile_error!(
            "rlplugin::debug! needs rlplugin's `log` feature; fix: depend on \
             `rlplugin = { version = \"…\", features = [\"log\"] }` (without it a guest \
             carries no log buffer and no log export)"
        )
    };
}

/// The `__rlplugin_log` export, with the `log` feature.
#[cfg(feature = "log")]
#[doc(hidden)]
#[macro_export]
macro_rules! __rlplugin_log_export {
    () => {
        #[cfg_attr(target_arch = "wasm32", unsafe(export_name = $crate::__private::export_name!(log)))]
        #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
        #[allow(unsafe_code)]
        extern "C" fn __rlplugin_log() -> u64 {
            $crate::__private::log_record()
        }
    };
}

/// Nothing without the `log` feature.
#[cfg(not(feature = "log"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __rlplugin_log_export {
    () => {};
}
