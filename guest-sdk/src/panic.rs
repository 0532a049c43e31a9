//! Panic capture: a hook that writes `<file>:<line>:<column>\n<message>` into a static buffer
//! before the guest traps, so a test kit can read it through `__rlplugin_panic_info`.
//!
//! The buffer is a plain static, independent of the allocator: a panic caused by a broken
//! or exhausted heap must still be recorded.

use std::panic::PanicHookInfo;
use std::sync::Mutex;

use crate::text::Decimal;

/// Room for a location and a long message; longer messages are cut at a character boundary.
pub const CAPACITY: usize = 4096;

struct Record {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl Record {
    /// Appends what fits. Written by hand rather than through `core::fmt`, whose argument
    /// plumbing would otherwise be linked for this alone.
    fn push(&mut self, text: &str) {
        let room = CAPACITY - self.len;
        let mut take = text.len().min(room);
        while !text.is_char_boundary(take) {
            take -= 1;
        }
        // `get` rather than indexing: a bounds-check panic would link `usize` formatting.
        if let (Some(to), Some(from)) = (
            self.bytes.get_mut(self.len..self.len + take),
            text.as_bytes().get(..take),
        ) {
            to.copy_from_slice(from);
            self.len += take;
        }
    }
}

static RECORD: Mutex<Record> = Mutex::new(Record {
    bytes: [0; CAPACITY],
    len: 0,
});

/// Installs the recording hook, once per instance. Every export calls this first.
///
/// On wasm32-unknown-unknown the default hook only formats into a stderr that discards
/// everything, so replacing it saves fuel. The guest has one thread, so a flag is enough
/// there (a `Once` costs a few hundred bytes in every module).
#[cfg(target_arch = "wasm32")]
pub fn install_hook() {
    use core::sync::atomic::{AtomicBool, Ordering};

    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if !INSTALLED.swap(true, Ordering::Relaxed) {
        std::panic::set_hook(Box::new(record));
    }
}

/// Installs the recording hook, once per process, keeping the previous hook so native test
/// output still shows panics.
#[cfg(not(target_arch = "wasm32"))]
pub fn install_hook() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            record(info);
            previous(info);
        }));
    });
}

/// Writes `info` into the record, replacing any earlier one.
pub fn record(info: &PanicHookInfo<'_>) {
    // A panic while the record is locked can only come from this function; skip it rather
    // than deadlock.
    let Ok(mut record) = RECORD.try_lock() else {
        return;
    };
    record.len = 0;
    let message = info
        .payload_as_str()
        .unwrap_or("a panic with a non-string payload");
    match info.location() {
        Some(at) => {
            record.push(at.file());
            record.push(":");
            record.push(Decimal::new(at.line().into()).as_str());
            record.push(":");
            record.push(Decimal::new(at.column().into()).as_str());
        }
        None => record.push("<unknown>:0:0"),
    }
    record.push("\n");
    record.push(message);
}

/// Calls `f` with the recorded bytes, `None` if nothing panicked yet.
pub fn with_record<T>(f: impl FnOnce(Option<&[u8]>) -> T) -> T {
    let record = match RECORD.try_lock() {
        Ok(record) => record,
        Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => return f(None),
    };
    f(record
        .bytes
        .get(..record.len)
        .filter(|bytes| !bytes.is_empty()))
}

/// The recorded panic as text: `<file>:<line>:<column>\n<message>`.
#[cfg(test)]
fn recorded() -> Option<String> {
    with_record(|bytes| bytes.map(|bytes| String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_records_location_and_message_and_truncates_long_ones() {
        install_hook();
        let line = line!() + 1;
        let result = std::panic::catch_unwind(|| panic!("bad row {}", 7));
        assert!(result.is_err());
        let text = recorded().expect("a record");
        assert_eq!(text, format!("{}:{line}:50\nbad row 7", file!()));

        let long = "é".repeat(CAPACITY);
        let _ = std::panic::catch_unwind(|| panic!("{long}"));
        let text = recorded().expect("a record");
        assert!(
            text.len() <= CAPACITY && text.len() > CAPACITY - 4,
            "{}",
            text.len()
        );
        assert!(text.ends_with('é'));
    }
}
