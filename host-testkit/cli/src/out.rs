//! Writing to stdout and stderr without panicking.
//!
//! `println!` panics when stdout is gone (`rlplugin run … | head -1`) or full (`> /dev/full`).
//! Results go through [`outln!`] instead, which returns the error: a reader that went away
//! ends the command quietly, like `ls | head`; any other write error fails it with exit 2.
//! Diagnostics go through [`errln!`], which drops write errors: when stderr itself cannot
//! be written there is nowhere left to report them.

use std::fmt;
use std::io::{self, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};

/// Writing the results to stdout failed.
#[derive(Debug)]
pub struct StdoutError(io::Error);

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot write the output to stdout: {}; fix: free disk space or redirect stdout elsewhere",
            self.0
        )
    }
}

impl std::error::Error for StdoutError {}

static WROTE: AtomicBool = AtomicBool::new(false);

/// Writes to stdout (colours stripped unless it is a terminal).
pub fn write(args: fmt::Arguments<'_>) -> Result<(), StdoutError> {
    WROTE.store(true, Ordering::Relaxed);
    anstream::stdout().write_fmt(args).map_err(StdoutError)
}

/// Pushes out what stdout still buffers, so a full disk is reported rather than lost.
pub fn flush() -> Result<(), StdoutError> {
    io::stdout().flush().map_err(StdoutError)
}

/// Whether anything was written to stdout (a `--json` failure must stay one object).
pub fn wrote_anything() -> bool {
    WROTE.load(Ordering::Relaxed)
}

/// Whether `error` is stdout's reader having gone away, which is not a failure.
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<StdoutError>())
        .any(StdoutError::is_closed_pipe)
}

impl StdoutError {
    /// Whether stdout's reader went away (`| head`), which is not a failure.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == io::ErrorKind::BrokenPipe
    }
}

/// Writes a diagnostic to stderr; a failure to do so has nowhere to be reported.
pub fn note(args: fmt::Arguments<'_>) {
    let _ = anstream::stderr().write_fmt(args);
}

/// `println!` to stdout that returns a [`StdoutError`] instead of panicking.
macro_rules! outln {
    () => { $crate::out::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` to stdout that returns a [`StdoutError`] instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    () => { $crate::out::note(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::note(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {errln, out, outln};

/// Fails when the directory `path` would be written in does not exist, so a mistyped output
/// path is named before any work rather than after it.
pub fn check_directory_of(path: &std::path::Path, what: &str, flag: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        anyhow::bail!(
            "cannot write {what} to {}: directory {} does not exist; create it or pass another {flag} path",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}
