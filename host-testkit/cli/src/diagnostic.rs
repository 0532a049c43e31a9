//! Diagnostics with their source: the ledger or statement line a plugin or importer pointed
//! at, or that rustledger's loader refused before any plugin ran, printed under the message
//! and underlined, as rustc and cargo print theirs.
//!
//! The text comes from annotate-snippets with its styles; `errln!` writes it through
//! anstream, which strips the escapes when stderr is not a terminal, `NO_COLOR` is set or
//! `--color never` was given. A diagnostic whose file cannot be read (or that has fewer
//! lines than it claims) keeps its `--> file:line` without a snippet; one without a
//! location is its message alone.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use rlplugin_testkit::LedgerProblem;
use rlplugin_testkit::wire::{PluginError, PluginErrorSeverity};

/// Where a diagnostic points: a file, a 1-based line, and the bytes of that line to
/// underline (the line's text without surrounding blanks when not given).
pub struct Location<'a> {
    pub path: &'a Path,
    pub line: usize,
    pub columns: Option<Range<usize>>,
}

/// Files read so far, so a ledger with a hundred diagnostics is read once.
#[derive(Default)]
pub struct Sources {
    files: HashMap<PathBuf, Option<String>>,
    /// Paths under this directory are shown relative to it (else to the working directory).
    base: Option<PathBuf>,
}

impl Sources {
    /// Sources whose paths are shown relative to `dir` when under it, as the kit's snapshot
    /// text shows them: output that reads the same wherever the files live.
    pub fn relative_to(dir: &Path) -> Sources {
        Sources {
            files: HashMap::new(),
            base: Some(dir.to_owned()),
        }
    }

    fn text(&mut self, path: &Path) -> Option<&str> {
        self.files
            .entry(path.to_owned())
            .or_insert_with(|| std::fs::read_to_string(path).ok())
            .as_deref()
    }

    /// One diagnostic at a place in a file, read from disk.
    pub fn render(&mut self, error: bool, message: &str, location: Option<Location<'_>>) -> String {
        let Some(at) = location else {
            return render(error, message, None);
        };
        let shown = self.shown(at.path);
        let source = self.text(at.path).and_then(|text| nth_line(text, at.line));
        render(
            error,
            message,
            Some(At {
                path: &shown,
                line: at.line,
                source,
                columns: at.columns,
            }),
        )
    }

    /// A plugin's or importer's diagnostic, at its file and line when it has both (the
    /// host attaches a location only then).
    pub fn plugin_error(&mut self, e: &PluginError) -> String {
        let location = match (&e.source_file, e.line_number) {
            (Some(file), Some(line)) => Some(Location {
                path: Path::new(file),
                line: line as usize,
                columns: None,
            }),
            _ => None,
        };
        self.render(
            e.severity == PluginErrorSeverity::Error,
            &e.message,
            location,
        )
    }

    /// A problem rustledger's loader found in the ledger, at its line when it knows it.
    pub fn ledger_problem(&mut self, problem: &LedgerProblem) -> String {
        let location = match (&problem.file, problem.line) {
            (Some(path), Some(line)) => Some(Location {
                path,
                line,
                columns: problem.columns.clone(),
            }),
            _ => None,
        };
        self.render(problem.error, &problem.message, location)
    }

    /// `error` as the command's last word: when it is a ledger rustledger's loader refused,
    /// each problem with its ledger line and then one line saying the ledger did not load;
    /// `None` for every other error, which is its message alone.
    pub fn load_failure(&mut self, error: &anyhow::Error) -> Option<String> {
        let (path, problems) =
            error
                .chain()
                .find_map(|e| match e.downcast_ref::<rlplugin_testkit::Error>()? {
                    rlplugin_testkit::Error::Ledger { path, problems, .. }
                        if !problems.is_empty() =>
                    {
                        Some((path, problems))
                    }
                    _ => None,
                })?;
        let mut text = String::new();
        for problem in problems {
            text.push_str(&self.ledger_problem(problem));
            text.push_str("\n\n");
        }
        let count = match problems.len() {
            1 => "the problem".to_owned(),
            n => format!("the {n} problems"),
        };
        // What the command was doing when the load failed, as `{error:#}` would say it.
        let mut message: Vec<String> = error
            .chain()
            .take_while(|e| !e.is::<rlplugin_testkit::Error>())
            .map(ToString::to_string)
            .collect();
        message.push(format!(
            "rustledger could not load ledger {}: fix {count} above, then run again",
            self.shown(path)
        ));
        text.push_str(&render(true, &message.join(": "), None));
        Some(text)
    }

    /// The path as the user would type it: relative to the base directory or, without one,
    /// to the working directory, when under it.
    fn shown<'p>(&self, path: &'p Path) -> Cow<'p, str> {
        let base = self.base.clone().or_else(|| std::env::current_dir().ok());
        match base.and_then(|base| path.strip_prefix(base).ok().map(Path::to_path_buf)) {
            Some(rest) => Cow::Owned(rest.display().to_string()),
            None => path.to_string_lossy(),
        }
    }
}

/// A place as shown: the path as printed, the 1-based line, and the line's text when known.
pub struct At<'a> {
    pub path: &'a str,
    pub line: usize,
    pub source: Option<&'a str>,
    pub columns: Option<Range<usize>>,
}

/// One diagnostic, styled (the writer decides about colour): the message, then the place
/// with its line underlined, or only `--> path:line` when the line's text is unknown.
pub fn render(error: bool, message: &str, at: Option<At<'_>>) -> String {
    let level = if error { Level::ERROR } else { Level::WARNING };
    let title = level.primary_title(message);
    let group = match at {
        None => Group::with_title(title),
        Some(At {
            path,
            line,
            source: Some(source),
            columns,
        }) => {
            let columns = columns
                .filter(|c| c.start <= c.end && c.end <= source.len())
                .unwrap_or_else(|| content(source));
            title.element(
                Snippet::source(source)
                    .line_start(line)
                    .path(path)
                    .annotation(AnnotationKind::Primary.span(columns)),
            )
        }
        Some(At { path, line, .. }) => title.element(Origin::path(path).line(line)),
    };
    Renderer::styled().render(&[group])
}

/// Line `n` (1-based) of `text` without its line ending.
pub fn nth_line(text: &str, n: usize) -> Option<&str> {
    let line = text.split('\n').nth(n.checked_sub(1)?)?;
    Some(line.strip_suffix('\r').unwrap_or(line))
}

/// The bytes of `line` between its first and last non-blank characters.
fn content(line: &str) -> Range<usize> {
    let start = line.len() - line.trim_start().len();
    let end = line.trim_end().len();
    if start >= end { 0..0 } else { start..end }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> String {
        anstream::adapter::strip_str(text).to_string()
    }

    fn ledger(dir: &Path) -> PathBuf {
        let path = dir.join("books.beancount");
        std::fs::write(
            &path,
            "2024-01-01 open Assets:Cash\n\n  2024-01-05 * \"Shop\" \"milk\"  \n",
        )
        .unwrap();
        path
    }

    #[test]
    fn the_line_is_shown_and_underlined_from_its_first_to_its_last_character() {
        let dir = tempfile::tempdir().unwrap();
        let path = ledger(dir.path());
        let text = plain(&Sources::default().render(
            true,
            "no payee rule",
            Some(Location {
                path: &path,
                line: 3,
                columns: None,
            }),
        ));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "error: no payee rule", "{text}");
        assert!(lines[1].ends_with("books.beancount:3:3"), "{text}");
        let source = lines
            .iter()
            .position(|l| l.starts_with("3 |"))
            .expect("the source line");
        assert_eq!(
            lines[source].trim_end(),
            "3 |   2024-01-05 * \"Shop\" \"milk\"",
            "{text}"
        );
        let underline = lines[source + 1];
        let carets = underline.find('^').unwrap();
        assert_eq!(carets, "3 |   ".len(), "{text}");
        assert_eq!(
            underline.trim_end().len() - carets,
            "2024-01-05 * \"Shop\" \"milk\"".len(),
            "{text}"
        );
    }

    #[test]
    fn given_columns_are_underlined_and_warnings_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = ledger(dir.path());
        let text = plain(&Sources::default().render(
            false,
            "unknown account",
            Some(Location {
                path: &path,
                line: 1,
                columns: Some(16..27),
            }),
        ));
        assert!(text.starts_with("warning: unknown account\n"), "{text}");
        assert!(text.contains("books.beancount:1:17"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.trim_end() == format!("  | {}^^^^^^^^^^^", " ".repeat(16))),
            "{text}"
        );
    }

    /// A problem at a point (a parse error at the end of a line) still gets a caret.
    #[test]
    fn an_empty_span_is_marked_with_one_caret() {
        let dir = tempfile::tempdir().unwrap();
        let path = ledger(dir.path());
        let text = plain(&Sources::default().render(
            true,
            "expected an account",
            Some(Location {
                path: &path,
                line: 1,
                columns: Some(27..27),
            }),
        ));
        assert!(
            text.lines()
                .any(|l| l.trim_end() == format!("  | {}^", " ".repeat(27))),
            "{text}"
        );
    }

    #[test]
    fn a_line_past_the_end_or_an_unreadable_file_keeps_its_location() {
        let dir = tempfile::tempdir().unwrap();
        let path = ledger(dir.path());
        let mut sources = Sources::default();
        for (path, line) in [
            (path.as_path(), 40),
            (&dir.path().join("gone.beancount"), 2),
        ] {
            let text = plain(&sources.render(
                true,
                "bad",
                Some(Location {
                    path,
                    line,
                    columns: None,
                }),
            ));
            assert_eq!(
                text,
                format!("error: bad\n--> {}:{line}", path.display()),
                "{text}"
            );
        }
        let text = plain(&sources.render(true, "no location", None));
        assert_eq!(text, "error: no location");
    }

    /// What `demo` and every command print for a ledger the loader refuses: the problem
    /// over its line, named relative to the given directory, then what was being done.
    #[test]
    fn a_refused_ledger_is_shown_at_its_line_under_what_was_being_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("books.beancount");
        std::fs::write(
            &path,
            "2024-01-01 open Assets:Cash\n2024-02-30 open Assets:Bank\n",
        )
        .unwrap();
        let module = wat::parse_str(
            r#"(module (memory (export "memory") 1)
                 (func (export "__rustledger_abi_version") (result i32) (i32.const 1))
                 (func (export "alloc") (param i32) (result i32) (i32.const 1024))
                 (func (export "process") (param i32 i32) (result i64) (i64.const 0)))"#,
        )
        .unwrap();
        let guest = rlplugin_testkit::Guest::from_bytes("keep", module).unwrap();
        let error = anyhow::Error::from(guest.plugin().ledger_file(&path).run().unwrap_err())
            .context("running the example");
        let text = plain(
            &Sources::relative_to(dir.path())
                .load_failure(&error)
                .expect("a ledger error"),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("error: "), "{text}");
        assert_eq!(lines[1].trim_start(), "--> books.beancount:2:1", "{text}");
        assert!(lines.contains(&"2 | 2024-02-30 open Assets:Bank"), "{text}");
        assert_eq!(
            lines.last().copied(),
            Some(
                "error: running the example: rustledger could not load ledger books.beancount: \
                 fix the problem above, then run again"
            ),
            "{text}"
        );
        let other = anyhow::anyhow!("something else");
        assert!(Sources::default().load_failure(&other).is_none());
    }

    #[test]
    fn the_styled_text_carries_escapes_for_anstream_to_strip() {
        let text = Sources::default().render(true, "bad", None);
        assert!(text.contains('\u{1b}'), "{text:?}");
        assert!(!plain(&text).contains('\u{1b}'));
    }
}
