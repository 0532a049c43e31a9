//! Text rendering shared by every result type: directives through rustledger's own
//! formatter, diagnostics as `file:line severity message`, paths made relative so
//! snapshots do not depend on where the ledger lives.

use std::path::Path;

use num_format::{Locale, ToFormattedString as _};
use rustledger_core::{Directive, FormatConfig};
use rustledger_loader::{ErrorSeverity, LedgerError};
use rustledger_plugin::{PluginError, PluginErrorSeverity};

pub(crate) fn directives(directives: &[Directive]) -> String {
    rustledger_core::format_directives(directives.iter(), &FormatConfig::default())
}

/// `s` with the escapes a beancount string literal needs, without the quotes.
pub(crate) fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub(crate) fn relative(path: &str, base: Option<&Path>) -> String {
    if let Some(rest) = base.and_then(|base| Path::new(path).strip_prefix(base).ok()) {
        return rest.display().to_string();
    }
    path.to_owned()
}

pub(crate) fn plugin_error_line(err: &PluginError, base: Option<&Path>) -> String {
    let severity = match err.severity {
        PluginErrorSeverity::Error => "error",
        PluginErrorSeverity::Warning => "warning",
    };
    // rustledger attaches a location only when both parts are present.
    let location = match (&err.source_file, err.line_number) {
        (Some(file), Some(line)) => format!("{}:{line}", relative(file, base)),
        _ => "<unknown>".to_owned(),
    };
    format!("{location} {severity} {}", err.message)
}

pub(crate) fn ledger_error_line(err: &LedgerError, base: Option<&Path>) -> String {
    let severity = match err.severity {
        ErrorSeverity::Error => "error",
        ErrorSeverity::Warning => "warning",
    };
    let location = match &err.location {
        Some(loc) => format!(
            "{}:{}",
            relative(&loc.file.display().to_string(), base),
            loc.line
        ),
        None => "<unknown>".to_owned(),
    };
    format!("{location} {severity} {}: {}", err.code, err.message)
}

/// `file:line severity message` for a problem the loader found in a ledger.
pub(crate) fn ledger_problem_line(problem: &crate::LedgerProblem, base: Option<&Path>) -> String {
    let severity = if problem.error { "error" } else { "warning" };
    let location = match (&problem.file, problem.line) {
        (Some(file), Some(line)) => {
            format!("{}:{line}", relative(&file.display().to_string(), base))
        }
        (Some(file), None) => relative(&file.display().to_string(), base),
        _ => "<unknown>".to_owned(),
    };
    format!("{location} {severity} {}", problem.message)
}

/// The `errors:` section of a run's or an import's snapshot text: one diagnostic per
/// indented line, or `errors: none`.
pub(crate) fn errors_section(
    f: &mut std::fmt::Formatter<'_>,
    lines: &[String],
) -> std::fmt::Result {
    if lines.is_empty() {
        return writeln!(f, "errors: none");
    }
    writeln!(f, "errors:")?;
    for line in lines {
        writeln!(f, "  {line}")?;
    }
    Ok(())
}

/// `30,000,000`: figures in reports read as the README and the CLI print them.
pub(crate) fn thousands(n: u64) -> String {
    n.to_formatted_string(&Locale::en)
}

pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(30_000_000), "30,000,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn relative_strips_only_the_base() {
        let base = Path::new("/a/b");
        assert_eq!(relative("/a/b/c.beancount", Some(base)), "c.beancount");
        assert_eq!(relative("/x/c.beancount", Some(base)), "/x/c.beancount");
        assert_eq!(relative("/a/b/c.beancount", None), "/a/b/c.beancount");
    }

    #[test]
    fn plugin_errors_need_file_and_line_for_a_location() {
        let mut err = PluginError::error("bad");
        assert_eq!(plugin_error_line(&err, None), "<unknown> error bad");
        err.source_file = Some("/l/x.beancount".into());
        assert_eq!(plugin_error_line(&err, None), "<unknown> error bad");
        err.line_number = Some(4);
        assert_eq!(
            plugin_error_line(&err, Some(Path::new("/l"))),
            "x.beancount:4 error bad"
        );
    }
}
