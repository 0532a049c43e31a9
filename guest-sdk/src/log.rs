//! Guest logging without imports: [`log!`](crate::log!) and [`debug!`](crate::debug!)
//! append lines to a bounded static buffer that a test kit reads through the
//! `__rlplugin_log` export after the call, whether it returned or trapped.
//!
//! The buffer is a plain static, like the panic record, so a guest that never logs links
//! none of this but the export that reads it; the bytes sit in zero-initialised memory and
//! add nothing to the module. Natively (an author's unit tests) the lines also go to
//! stderr, where `cargo test` shows them for a failing test.

use std::cell::RefCell;

use rlplugin_types::{LOG_CAPACITY, LOG_HEADER};

/// The header (lines and bytes dropped) followed by the kept lines. All zeros until the
/// first line, so the static lives in zero-initialised memory rather than a data segment.
pub(crate) struct Record {
    bytes: [u8; LOG_HEADER + LOG_CAPACITY],
    /// Bytes of kept lines after the header.
    len: usize,
    dropped_lines: u32,
    dropped_bytes: u32,
}

impl Record {
    pub(crate) const fn new() -> Self {
        Record {
            bytes: [0; LOG_HEADER + LOG_CAPACITY],
            len: 0,
            dropped_lines: 0,
            dropped_bytes: 0,
        }
    }

    /// Appends `line` and a newline if both fit and nothing was dropped before: the
    /// log stays a prefix of what the guest wrote, and the header counts the rest.
    pub(crate) fn push(&mut self, prefix: &str, line: &str) {
        let needed = prefix.len() + line.len() + 1;
        let room = LOG_CAPACITY - self.len;
        if self.dropped_lines > 0 || needed > room {
            self.dropped_lines = self.dropped_lines.saturating_add(1);
            self.dropped_bytes = self
                .dropped_bytes
                .saturating_add(u32::try_from(needed).unwrap_or(u32::MAX));
        } else {
            for part in [prefix.as_bytes(), line.as_bytes(), b"\n"] {
                let at = LOG_HEADER + self.len;
                if let Some(to) = self.bytes.get_mut(at..at + part.len()) {
                    to.copy_from_slice(part);
                    self.len += part.len();
                }
            }
        }
        if let Some(header) = self.bytes.get_mut(..LOG_HEADER) {
            let mut counts = [0u8; LOG_HEADER];
            counts[..4].copy_from_slice(&self.dropped_lines.to_le_bytes());
            counts[4..].copy_from_slice(&self.dropped_bytes.to_le_bytes());
            header.copy_from_slice(&counts);
        }
    }

    /// The header and the kept lines; `None` before the first line.
    pub(crate) fn bytes(&self) -> Option<&[u8]> {
        if self.len == 0 && self.dropped_lines == 0 {
            return None;
        }
        self.bytes.get(..LOG_HEADER + self.len)
    }
}

thread_local! {
    // One guest instance runs on one thread, where this is a plain static; natively each
    // test thread gets its own log.
    static RECORD: RefCell<Record> = const { RefCell::new(Record::new()) };
}

/// Appends one line; what [`log!`](crate::log!) and [`debug!`](crate::debug!) call.
pub fn write(prefix: &str, args: core::fmt::Arguments<'_>) {
    // Formatted before borrowing: a `Display` that logs must not find the record borrowed.
    let line = match args.as_str() {
        Some(text) => std::borrow::Cow::Borrowed(text),
        None => std::borrow::Cow::Owned(args.to_string()),
    };
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{prefix}{line}");
    RECORD.with(|record| {
        if let Ok(mut record) = record.try_borrow_mut() {
            record.push(prefix, &line);
        }
    });
}

/// Calls `f` with the record, `None` if nothing was logged.
pub(crate) fn with_record<T>(f: impl FnOnce(Option<&[u8]>) -> T) -> T {
    RECORD.with(|record| match record.try_borrow() {
        Ok(record) => f(record.bytes()),
        Err(_) => f(None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(record: &Record) -> (u32, u32) {
        let bytes = record.bytes().expect("a record");
        let lines = u32::from_le_bytes(bytes[..4].try_into().unwrap());
        let dropped = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
        (lines, dropped)
    }

    #[test]
    fn lines_are_kept_in_order_with_their_prefix() {
        let mut record = Record::new();
        assert!(record.bytes().is_none());
        record.push("", "first");
        record.push("debug: ", "second");
        let bytes = record.bytes().unwrap();
        assert_eq!(&bytes[LOG_HEADER..], b"first\ndebug: second\n");
        assert_eq!(header(&record), (0, 0));
    }

    #[test]
    fn overflow_keeps_a_prefix_and_counts_what_was_dropped() {
        let mut record = Record::new();
        let line = "x".repeat(999);
        // More lines than the capacity holds: the whole lines that fit are kept.
        for _ in 0..70 {
            record.push("", &line);
        }
        let kept = LOG_CAPACITY / 1000;
        assert_eq!(record.bytes().unwrap().len(), LOG_HEADER + kept * 1000);
        assert_eq!(
            header(&record),
            ((70 - kept) as u32, ((70 - kept) * 1000) as u32)
        );
        // A short line after a drop is dropped too, so the log never has a hole.
        record.push("", "short");
        assert_eq!(header(&record).0, (71 - kept) as u32);
        assert!(!record.bytes().unwrap().ends_with(b"short\n"));
    }

    #[test]
    fn write_formats_and_records() {
        write("", format_args!("row {} of {}", 3, 7));
        let text = with_record(|bytes| String::from_utf8_lossy(bytes.unwrap()).into_owned());
        assert!(text.contains("row 3 of 7\n"), "{text}");
    }
}
