//! The lines a guest logged with `rlplugin::log!` / `rlplugin::debug!`.

use std::fmt;

use rlplugin_types::{LOG_CAPACITY, LOG_HEADER};
use serde::Serialize;

/// What a guest logged during one call, read through its `__rlplugin_log` export after
/// the call returned or trapped. Guests that do not log (or were not built with
/// rlplugin) have an empty log.
///
/// `Display`: the lines as written, then, when the guest logged more than
/// [`LOG_CAPACITY`](rlplugin_types::LOG_CAPACITY) bytes, one line saying how much was
/// dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GuestLog {
    lines: Vec<String>,
    dropped_lines: u32,
    dropped_bytes: u32,
}

impl GuestLog {
    /// Reads the record the export points at: the drop counts, then the kept lines.
    /// A record too short for its header is an empty log.
    pub(crate) fn parse(record: &[u8]) -> GuestLog {
        let Some((header, text)) = record.split_at_checked(LOG_HEADER) else {
            return GuestLog::default();
        };
        let count = |at: usize| {
            header
                .get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_le_bytes)
        };
        GuestLog {
            lines: String::from_utf8_lossy(text)
                .lines()
                .map(str::to_owned)
                .collect(),
            dropped_lines: count(0),
            dropped_bytes: count(4),
        }
    }

    /// The kept lines, oldest first; `debug!` lines start with `debug: `.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Lines dropped because the log was full.
    pub fn dropped_lines(&self) -> u32 {
        self.dropped_lines
    }

    /// Bytes (newlines included) of the dropped lines.
    pub fn dropped_bytes(&self) -> u32 {
        self.dropped_bytes
    }

    /// The `log:` section of a result's snapshot text, indented like its errors.
    pub(crate) fn write_section(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "log: none");
        }
        writeln!(f, "log:")?;
        for line in self.to_string().lines() {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }

    /// Whether the guest logged nothing.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.dropped_lines == 0
    }
}

impl fmt::Display for GuestLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        if self.dropped_lines > 0 {
            writeln!(
                f,
                "… {} more lines ({} bytes) dropped: a guest keeps {LOG_CAPACITY} bytes of log \
                 per call; log less (e.g. only the rows that fail)",
                self.dropped_lines, self.dropped_bytes
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(lines: u32, bytes: u32, text: &str) -> Vec<u8> {
        let mut out = lines.to_le_bytes().to_vec();
        out.extend(bytes.to_le_bytes());
        out.extend(text.as_bytes());
        out
    }

    #[test]
    fn parses_lines_and_drop_counts() {
        let log = GuestLog::parse(&record(3, 120, "one\ndebug: two\n"));
        assert_eq!(log.lines(), ["one", "debug: two"]);
        assert_eq!((log.dropped_lines(), log.dropped_bytes()), (3, 120));
        assert_eq!(
            log.to_string(),
            format!(
                "one\ndebug: two\n… 3 more lines (120 bytes) dropped: a guest keeps \
                 {LOG_CAPACITY} bytes of log per call; log less (e.g. only the rows that fail)\n"
            )
        );
    }

    #[test]
    fn a_short_record_is_an_empty_log() {
        assert!(GuestLog::parse(b"\x01\x00").is_empty());
        let log = GuestLog::parse(&record(0, 0, ""));
        assert!(log.is_empty());
        assert_eq!(log.to_string(), "");
    }
}
