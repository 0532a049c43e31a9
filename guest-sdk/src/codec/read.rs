//! MessagePack primitives over a byte slice, bounds-checked, never panicking.
//!
//! Every wasm instruction a guest executes costs a unit of fuel, so the reader is built
//! for short instruction paths: errors are sticky instead of `Result`s threaded through
//! every call (the first failure is recorded, the cursor jumps to the end of the input, and
//! every later read returns an empty value at once), the common encodings (fixstr, fixint,
//! fixarray) are tested first, and short ASCII strings and keys are read with masked
//! eight-byte loads instead of byte loops.

use core::cell::Cell;

use super::{DecodeError, Found};
use crate::text::{Decimal, concat, decimal};

/// High bit of every byte of a word: a word ANDed with it is zero when all eight bytes are
/// ASCII, or, for integer arrays, positive fixints.
pub(super) const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// A map key identified without comparing bytes one by one: its length and its first and
/// last eight bytes (zero-padded), which tell every key of the schema apart.
pub(super) type KeyCode = (usize, u64, u64);

/// The code of a key spelt `key` (at most 16 bytes).
pub(super) const fn key_code(key: &str) -> KeyCode {
    let bytes = key.as_bytes();
    let len = bytes.len();
    let mut first = 0u64;
    let mut last = 0u64;
    let mut i = 0;
    while i < len && i < 8 {
        first |= (bytes[i] as u64) << (8 * i);
        i += 1;
    }
    if len > 8 {
        let mut j = 0;
        while j < 8 {
            last |= (bytes[len - 8 + j] as u64) << (8 * j);
            j += 1;
        }
    }
    (len, first, last)
}

/// The code of a key that is not a short string: matches no schema key.
pub(super) const UNKNOWN_KEY: KeyCode = (usize::MAX, 0, 0);

/// Where a [`Reader`] records its first error. It lives outside the reader so that the
/// non-inlined slow paths, which get the reader's fields by value, never see the caller's
/// reader: the caller's position can then stay in a wasm local instead of linear memory.
pub(super) type ErrorSink = Cell<Option<DecodeError>>;

/// A cursor over the input with a sticky error, recorded in an [`ErrorSink`]. Slow paths
/// get its fields by value and hand back the new position.
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    error: &'a ErrorSink,
}

impl<'a> Reader<'a> {
    pub(super) const fn new(buf: &'a [u8], error: &'a ErrorSink) -> Self {
        Self { buf, pos: 0, error }
    }

    /// A reader over the same input at the same position recording into `error`, for
    /// look-ahead.
    pub(super) const fn fork<'b>(&self, error: &'b ErrorSink) -> Reader<'b>
    where
        'a: 'b,
    {
        Reader {
            buf: self.buf,
            pos: self.pos,
            error,
        }
    }

    /// Moves the cursor (of a [`fork`](Self::fork)) back to `pos`.
    pub(super) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }

    /// The whole input.
    #[cfg(not(rlplugin_small))] // only the fast path reads it
    pub(super) const fn buf(&self) -> &'a [u8] {
        self.buf
    }

    pub(super) const fn pos(&self) -> usize {
        self.pos
    }

    const fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether a read has failed; everything read since is empty.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn failed(&self) -> bool {
        // SAFETY: the sink is only ever accessed by value (`take`, `set`) or here; no
        // reference into it outlives this read.
        unsafe { (*self.error.as_ptr()).is_some() }
    }

    /// The outcome: `value` if nothing failed, else the first error.
    pub(super) fn finish<T>(self, value: T) -> Result<T, DecodeError> {
        match self.error.take() {
            None => Ok(value),
            Some(error) => {
                // A partial value: dropping it would link its drop glue into the guest.
                crate::discard(value);
                Err(error)
            }
        }
    }

    /// Runs a non-inlined slow path on a copy of the reader, passed as scalars (wasm locals,
    /// not a copy in memory), and takes back its position.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn out_of_line<T>(
        &mut self,
        slow: impl FnOnce(&'a [u8], usize, &'a ErrorSink) -> (T, usize),
    ) -> T {
        let (value, pos) = slow(self.buf, self.pos, self.error);
        self.pos = pos;
        value
    }

    /// Records a failure at `at`, described by the marker byte there (or as the end of the
    /// input), unless an earlier one is already recorded; later reads return empty values.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn fail(&mut self, at: usize, expected: &'static str) {
        fail_at(self.error, self.buf, at, expected);
        self.pos = self.buf.len();
    }

    /// Records a failure for a value of the right kind but unacceptable content.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    #[cfg_attr(rlplugin_small, inline(never))]
    pub(super) fn fail_with(&mut self, at: usize, expected: &'static str, found: String) {
        fail_found(self.error, at, expected, found);
        self.pos = self.buf.len();
    }

    /// Records an error found by a [`fork`](Self::fork).
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn adopt(&mut self, error: DecodeError) {
        record(self.error, error);
        self.pos = self.buf.len();
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn fail_end(&mut self, expected: &'static str) {
        let end = self.buf.len();
        self.fail(end, expected);
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// The next `len` bytes, or an empty slice after recording a failure.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn take(&mut self, len: usize, expected: &'static str) -> &'a [u8] {
        // `get` also stands in for the length check: an index would link a bounds-check
        // panic, and with it `usize` formatting, into every guest.
        match self.buf.get(self.pos..self.pos.saturating_add(len)) {
            Some(bytes) => {
                self.pos += len;
                bytes
            }
            None => {
                self.fail_end(expected);
                &[]
            }
        }
    }

    /// A big-endian unsigned integer of `width` bytes (1 to 8).
    #[cfg_attr(not(rlplugin_small), inline(always))]
    #[cfg_attr(rlplugin_small, inline(never))]
    fn be(&mut self, width: usize, expected: &'static str) -> u64 {
        self.take(width, expected)
            .iter()
            .fold(0, |value, &b| (value << 8) | u64::from(b))
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn be16(&mut self, expected: &'static str) -> u64 {
        match self.take(2, expected) {
            &[a, b] => u64::from(u16::from_be_bytes([a, b])),
            _ => 0,
        }
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn be32(&mut self, expected: &'static str) -> u64 {
        match self.take(4, expected) {
            &[a, b, c, d] => u64::from(u32::from_be_bytes([a, b, c, d])),
            _ => 0,
        }
    }

    /// Consumes a nil, if one is next.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn nil(&mut self) -> bool {
        if self.peek() == Some(0xc0) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes an empty array (`0x90`), if one is next: the common value of most list
    /// fields, read without a call or an allocation.
    #[cfg(not(rlplugin_small))] // only the default form's transaction decoder takes it
    #[inline(always)]
    pub(super) fn empty_array(&mut self) -> bool {
        if self.peek() == Some(0x90) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// An array header: the element count (0 after a failure).
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn array_len(&mut self, expected: &'static str) -> usize {
        match self.peek() {
            Some(m @ 0x90..=0x9f) => {
                self.pos += 1;
                usize::from(m & 0x0f)
            }
            _ => self.out_of_line(|b, p, e| Self::long_header(b, p, e, 0xdc, expected)),
        }
    }

    /// A map header: the entry count (0 after a failure).
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn map_len(&mut self, expected: &'static str) -> usize {
        match self.peek() {
            Some(m @ 0x80..=0x8f) => {
                self.pos += 1;
                usize::from(m & 0x0f)
            }
            _ => self.out_of_line(|b, p, e| Self::long_header(b, p, e, 0xde, expected)),
        }
    }

    /// A 16- or 32-bit array (`marker16` 0xdc) or map (0xde) header.
    #[cfg_attr(not(rlplugin_small), inline(never))]
    fn long_header(
        buf: &'a [u8],
        pos: usize,
        error: &'a ErrorSink,
        marker16: u8,
        expected: &'static str,
    ) -> (usize, usize) {
        let mut reader = Self { buf, pos, error };
        let len = reader.long_header_in(marker16, expected);
        (len, reader.pos)
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn long_header_in(&mut self, marker16: u8, expected: &'static str) -> usize {
        let at = self.pos;
        match self.peek() {
            Some(m) if m == marker16 => {
                self.pos += 1;
                self.be16(expected) as usize
            }
            Some(m) if m == marker16 + 1 => {
                self.pos += 1;
                self.be32(expected) as usize
            }
            _ => {
                self.fail(at, expected);
                0
            }
        }
    }

    /// The header of a positional struct, which must have at least `min` elements; returns
    /// the element count so the caller can default missing trailing fields and skip extras.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn struct_len(&mut self, expected: &'static str, min: usize) -> usize {
        let at = self.pos;
        let len = self.array_len(expected);
        if len < min && !self.failed() {
            self.fail_with(at, expected, only_elements(len));
        }
        len
    }

    /// Skips the elements of a positional struct beyond the `known` ones this version reads.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    #[cfg_attr(rlplugin_small, inline(never))]
    pub(super) fn skip_extra(&mut self, len: usize, known: usize) {
        if len > known {
            self.skip(len - known);
        }
    }

    /// The bytes of a string, not yet checked to be UTF-8; `None` (nothing consumed) when
    /// the next value is not a string.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn str_bytes(&mut self, expected: &'static str) -> Option<&'a [u8]> {
        match self.peek() {
            Some(m) if m & 0xe0 == 0xa0 => {
                self.pos += 1;
                Some(self.take(usize::from(m & 0x1f), expected))
            }
            Some(0xd9..=0xdb) => {
                Some(self.out_of_line(|b, p, e| Self::long_str_bytes(b, p, e, expected)))
            }
            _ => None,
        }
    }

    #[cfg_attr(not(rlplugin_small), inline(never))]
    fn long_str_bytes(
        buf: &'a [u8],
        pos: usize,
        error: &'a ErrorSink,
        expected: &'static str,
    ) -> (&'a [u8], usize) {
        let mut reader = Self { buf, pos, error };
        let bytes = reader.long_str_bytes_in(expected);
        (bytes, reader.pos)
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn long_str_bytes_in(&mut self, expected: &'static str) -> &'a [u8] {
        let width = match self.peek() {
            Some(0xd9) => 1,
            Some(0xda) => 2,
            _ => 4,
        };
        self.pos += 1;
        let len = self.be(width, expected) as usize;
        self.take(len, expected)
    }

    /// A string borrowed from the input ("" after a failure).
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn str(&mut self, expected: &'static str) -> &'a str {
        let at = self.pos;
        let Some(bytes) = self.str_bytes(expected) else {
            self.fail(at, expected);
            return "";
        };
        match utf8(bytes) {
            Some(text) => text,
            None => {
                self.fail_with(at, expected, "a string that is not valid UTF-8".to_owned());
                ""
            }
        }
    }

    /// An owned string (empty after a failure). The common case, an ASCII fixstr away from
    /// the end of the input, checks all its bytes with two or four masked eight-byte loads.
    /// Inlined: for the strings most directives carry (dates, amounts, metadata, accounts).
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn string(&mut self, expected: &'static str) -> String {
        self.string_in(expected)
    }

    /// [`string`](Self::string) as a call, for the rarer fields: directives in the host's
    /// usual shape are read by the fast path (`fast.rs`), and an inlined copy at each of some
    /// thirty call sites would cost a few hundred bytes of every guest.
    #[cfg_attr(not(rlplugin_small), inline(never))]
    pub(super) fn string_call(&mut self, expected: &'static str) -> String {
        self.string_in(expected)
    }

    /// [`opt_string`](Self::opt_string) with [`string_call`](Self::string_call).
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn opt_string_call(&mut self, expected: &'static str) -> Option<String> {
        if self.nil() {
            None
        } else {
            Some(self.string_call(expected))
        }
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn string_in(&mut self, expected: &'static str) -> String {
        let at = self.pos;
        if let Some(window) = self.buf.get(at..at + 33)
            && let Ok(window) = <&[u8; 33]>::try_from(window)
            && let Some(text) = fixstr_ascii(window)
        {
            self.pos = at + 1 + text.len();
            return text;
        }
        self.out_of_line(|b, p, e| Self::string_slow(b, p, e, expected))
    }

    #[cfg_attr(not(rlplugin_small), inline(never))]
    fn string_slow(
        buf: &'a [u8],
        pos: usize,
        error: &'a ErrorSink,
        expected: &'static str,
    ) -> (String, usize) {
        let mut reader = Self { buf, pos, error };
        let text = reader.str(expected).to_owned();
        (text, reader.pos)
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn opt_string(&mut self, expected: &'static str) -> Option<String> {
        if self.nil() {
            None
        } else {
            Some(self.string(expected))
        }
    }

    /// A map key as a [`KeyCode`]. Keys that are not short strings are consumed and
    /// reported as [`UNKNOWN_KEY`].
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn key(&mut self) -> KeyCode {
        let at = self.pos;
        if let Some(window) = self.buf.get(at..at + 17) {
            let marker = window[0];
            let len = usize::from(marker & 0x1f);
            if marker & 0xe0 == 0xa0 && len <= 16 {
                self.pos = at + 1 + len;
                let first = word(window, 1) & word_mask(len, 0);
                let last = if len > 8 {
                    word(window, 1 + len - 8)
                } else {
                    0
                };
                return (len, first, last);
            }
        }
        self.out_of_line(Self::key_slow)
    }

    #[cfg_attr(not(rlplugin_small), inline(never))]
    fn key_slow(buf: &'a [u8], pos: usize, error: &'a ErrorSink) -> (KeyCode, usize) {
        let mut reader = Self { buf, pos, error };
        let key = reader.key_slow_in();
        (key, reader.pos)
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn key_slow_in(&mut self) -> KeyCode {
        match self.str_bytes("a key") {
            Some(bytes) if bytes.len() <= 16 => {
                let len = bytes.len();
                let mut padded = [0; 16];
                padded[..len].copy_from_slice(bytes);
                let first = word(&padded, 0) & word_mask(len, 0);
                let last = if len > 8 { word(&padded, len - 8) } else { 0 };
                (len, first, last)
            }
            Some(_) => UNKNOWN_KEY,
            None => {
                self.skip(1);
                UNKNOWN_KEY
            }
        }
    }

    pub(super) fn bool(&mut self, expected: &'static str) -> bool {
        match self.peek() {
            Some(0xc2) => {
                self.pos += 1;
                false
            }
            Some(0xc3) => {
                self.pos += 1;
                true
            }
            _ => {
                let at = self.pos;
                self.fail(at, expected);
                false
            }
        }
    }

    /// A non-negative integer written with any integer marker (0 after a failure).
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn uint(&mut self, expected: &'static str) -> u64 {
        match self.peek() {
            Some(m @ 0x00..=0x7f) => {
                self.pos += 1;
                u64::from(m)
            }
            Some(0xcd) => {
                self.pos += 1;
                self.be16(expected)
            }
            Some(0xce) => {
                self.pos += 1;
                self.be32(expected)
            }
            _ => self.out_of_line(|b, p, e| Self::uint_slow(b, p, e, expected)),
        }
    }

    #[cfg_attr(not(rlplugin_small), inline(never))]
    fn uint_slow(
        buf: &'a [u8],
        pos: usize,
        error: &'a ErrorSink,
        expected: &'static str,
    ) -> (u64, usize) {
        let mut reader = Self { buf, pos, error };
        let value = reader.uint_slow_in(expected);
        (value, reader.pos)
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn uint_slow_in(&mut self, expected: &'static str) -> u64 {
        let at = self.pos;
        let Some(marker) = self.peek() else {
            self.fail(at, expected);
            return 0;
        };
        self.pos += 1;
        let (width, signed) = match marker {
            0xcc => (1, false),
            0xcd => (2, false),
            0xce => (4, false),
            0xcf => (8, false),
            0xd0 => (1, true),
            0xd1 => (2, true),
            0xd2 => (4, true),
            0xd3 => (8, true),
            // A negative fixint.
            0xe0..=0xff => (0, true),
            _ => {
                self.fail(at, expected);
                return 0;
            }
        };
        let raw = if width == 0 {
            u64::from(marker)
        } else {
            self.be(width, expected)
        };
        // Sign-extend a signed value from its width (a fixint is one byte).
        let bits = 8 * width.max(1) as u32;
        let value = if signed {
            ((raw << (64 - bits)) as i64) >> (64 - bits)
        } else {
            return raw;
        };
        u64::try_from(value).unwrap_or_else(|_| {
            self.fail_with(at, expected, negative(value));
            0
        })
    }

    /// Three non-negative integers in a fixarray, the last below 128 (a source span as the
    /// host writes it), read from one bounds-checked window; `None`, with nothing consumed,
    /// for any other shape or near the end of the input.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn small_uint_triple(&mut self) -> Option<(u64, u64, u8)> {
        let at = self.pos;
        let window: &[u8; 12] = self.buf.get(at..at.checked_add(12)?)?.try_into().ok()?;
        if window[0] != 0x93 {
            return None;
        }
        let (first, next) = small_uint(window, 1)?;
        let (second, last) = small_uint(window, next)?;
        let third = *window.get(last)?;
        if third >= 0x80 {
            return None;
        }
        self.pos = at + last + 1;
        Some((first, second, third))
    }

    /// A non-negative integer that must fit `T`.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn uint_as<T: TryFrom<u64> + Default>(&mut self, expected: &'static str) -> T {
        let at = self.pos;
        let value = self.uint(expected);
        T::try_from(value).unwrap_or_else(|_| {
            self.fail_with(at, expected, too_large(value));
            T::default()
        })
    }

    /// Skips `count` complete values of any kind. Iterative, so hostile nesting cannot
    /// exhaust the stack.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(super) fn skip(&mut self, count: usize) {
        self.out_of_line(|b, p, e| Self::skip_slow(b, p, e, count));
    }

    #[cfg_attr(not(rlplugin_small), inline(never))]
    fn skip_slow(buf: &'a [u8], pos: usize, error: &'a ErrorSink, count: usize) -> ((), usize) {
        let mut reader = Self { buf, pos, error };
        reader.skip_in(count);
        ((), reader.pos)
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn skip_in(&mut self, count: usize) {
        const EXPECTED: &str = "a value";
        let mut pending = count as u64;
        while pending > 0 && !self.failed() {
            pending -= 1;
            let at = self.pos;
            let Some(marker) = self.peek() else {
                self.fail(at, EXPECTED);
                return;
            };
            self.pos += 1;
            // Every marker is a fixed payload, a length field (whose value counts payload
            // bytes, or child values) or a fix-sized header; one length read serves all.
            let (fixed, width, children_per) = match marker {
                0x00..=0x7f | 0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => (0, 0, 0),
                0x80..=0x8f => {
                    pending += 2 * u64::from(marker & 0x0f);
                    (0, 0, 0)
                }
                0x90..=0x9f => {
                    pending += u64::from(marker & 0x0f);
                    (0, 0, 0)
                }
                0xa0..=0xbf => (usize::from(marker & 0x1f), 0, 0),
                0xc4 | 0xd9 => (0, 1, 0),
                0xc5 | 0xda => (0, 2, 0),
                0xc6 | 0xdb => (0, 4, 0),
                0xc7 => (1, 1, 0),
                0xc8 => (1, 2, 0),
                0xc9 => (1, 4, 0),
                0xca | 0xce | 0xd2 => (4, 0, 0),
                0xcb | 0xcf | 0xd3 => (8, 0, 0),
                0xcc | 0xd0 => (1, 0, 0),
                0xcd | 0xd1 | 0xd4 => (2, 0, 0),
                0xd5 => (3, 0, 0),
                0xd6 => (5, 0, 0),
                0xd7 => (9, 0, 0),
                0xd8 => (17, 0, 0),
                0xdc => (0, 2, 1),
                0xdd => (0, 4, 1),
                0xde => (0, 2, 2),
                0xdf => (0, 4, 2),
                0xc1 => {
                    self.fail(at, EXPECTED);
                    return;
                }
            };
            let (payload, children) = match (width, children_per) {
                (0, _) => (fixed, 0),
                (_, 0) => (fixed + self.be(width, EXPECTED) as usize, 0),
                _ => (0, children_per * self.be(width, EXPECTED)),
            };
            self.take(payload, EXPECTED);
            pending += children;
            // Every pending value needs at least one byte, so a count beyond what is left
            // can only fail; stop now rather than loop over a hostile header.
            if pending > self.remaining() as u64 {
                self.fail_end(EXPECTED);
            }
        }
    }

    /// The unread bytes.
    pub(super) fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }
}

/// The unsigned integer at `at` in `window` if it is a fixint, `0xcc`, `0xcd` or `0xce`
/// (the caller keeps `at + 5 <= N`, so all of it is inside), and the offset after it.
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(super) fn small_uint<const N: usize>(window: &[u8; N], at: usize) -> Option<(u64, usize)> {
    let &[marker, a, b, c, d] = window.get(at..at + 5)?.first_chunk::<5>()?;
    match marker {
        0x00..=0x7f => Some((u64::from(marker), at + 1)),
        0xcc => Some((u64::from(a), at + 2)),
        0xcd => Some((u64::from(u16::from_be_bytes([a, b])), at + 3)),
        0xce => Some((u64::from(u32::from_be_bytes([a, b, c, d])), at + 5)),
        _ => None,
    }
}

// Messages are built by hand: `format!` would link `core::fmt`'s argument plumbing and
// integer formatting into every guest for errors that almost never happen.

#[cold]
#[cfg_attr(not(rlplugin_small), inline(never))]
fn only_elements(len: usize) -> String {
    concat(&["an array of only ", decimal(len).as_str(), " elements"])
}

#[cold]
#[cfg_attr(not(rlplugin_small), inline(never))]
fn negative(value: i64) -> String {
    let magnitude = Decimal::new(value.unsigned_abs());
    concat(&["the negative integer -", magnitude.as_str()])
}

#[cold]
#[cfg_attr(not(rlplugin_small), inline(never))]
fn too_large(value: u64) -> String {
    let value = Decimal::new(value);
    concat(&["the integer ", value.as_str(), ", which is too large"])
}

#[cold]
#[cfg_attr(not(rlplugin_small), inline(never))]
fn fail_at(sink: &ErrorSink, buf: &[u8], at: usize, expected: &'static str) {
    let found = buf.get(at).map_or(Found::End, |&b| Found::Marker(b));
    record(sink, DecodeError::new(at, expected, found));
}

#[cold]
#[inline(never)]
fn fail_found(sink: &ErrorSink, at: usize, expected: &'static str, found: String) {
    record(sink, DecodeError::new(at, expected, Found::Other(found)));
}

/// Keeps the first error only.
#[cold]
#[inline(never)]
fn record(sink: &ErrorSink, error: DecodeError) {
    let first = sink.take().unwrap_or(error);
    sink.set(Some(first));
}

/// `WORD_MASKS[n]` keeps the first `n` bytes of a little-endian word.
pub(super) const WORD_MASKS: [u64; 9] = {
    let mut masks = [u64::MAX; 9];
    let mut n = 0;
    while n < 8 {
        masks[n] = (1 << (8 * n)) - 1;
        n += 1;
    }
    masks
};

/// The mask keeping, of the little-endian word that starts `before` bytes into a string of
/// `len` bytes, exactly the string's bytes. (A table per fixstr length would be a kilobyte
/// of every guest's data.)
#[cfg_attr(not(rlplugin_small), inline(always))]
fn word_mask(len: usize, before: usize) -> u64 {
    WORD_MASKS[len.saturating_sub(before).min(8)]
}

/// An owned copy of the `len` bytes at `src`, which the caller has checked are readable and
/// UTF-8: one bump allocation and one `memory.copy`, no `RawVec` calls.
///
/// # Safety
///
/// `src..src + len` is readable and valid UTF-8.
#[cfg(not(rlplugin_small))] // only the fast path's str8 strings take it
#[inline(always)]
pub(super) unsafe fn ascii_string(src: *const u8, len: usize) -> String {
    if len == 0 {
        return String::new();
    }
    let dst = crate::arena::alloc_bytes(len);
    // SAFETY: `dst` is a fresh block of `len` bytes from the global allocator with
    // alignment 1, exactly the layout of a `String` of capacity `len`; the source is
    // readable and UTF-8 (caller's promise) and cannot overlap a fresh block.
    unsafe {
        core::ptr::copy_nonoverlapping(src, dst, len);
        String::from_raw_parts(dst, len, len)
    }
}

/// The fixstr at `window[0]` as an owned string, if it is ASCII: `None` for any other
/// marker or a byte above 0x7f (the caller then takes its general path).
///
/// memory.copy costs one unit of fuel per byte plus six per call, while an eight-byte load
/// and store cost two units each, so a fixstr (at most 31 bytes, which the 33-byte window
/// always covers with whole words) is checked and copied a word at a time into a block
/// rounded up to whole words. The string's capacity is that rounded length.
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(super) fn fixstr_ascii(window: &[u8; 33]) -> Option<String> {
    let marker = window[0];
    if marker & 0xe0 != 0xa0 {
        return None;
    }
    let len = usize::from(marker & 0x1f);
    if len == 0 {
        return Some(String::new());
    }
    let first = word(window, 1);
    let capacity = (len + 7) & !7;
    let dst = if len <= 8 {
        if first & WORD_MASKS[len] & HIGH_BITS != 0 {
            return None;
        }
        let dst = crate::arena::alloc_bytes(capacity);
        // SAFETY: `dst` is a fresh block of `capacity` (8) bytes.
        unsafe { dst.cast::<u64>().write_unaligned(first) };
        dst
    } else if len <= 16 {
        let second = word(window, 9);
        if (first | (second & WORD_MASKS[len - 8])) & HIGH_BITS != 0 {
            return None;
        }
        let dst = crate::arena::alloc_bytes(capacity);
        // SAFETY: `dst` is a fresh block of `capacity` (16) bytes.
        unsafe {
            dst.cast::<u64>().write_unaligned(first);
            dst.add(8).cast::<u64>().write_unaligned(second);
        }
        dst
    } else {
        let (second, third, fourth) = (word(window, 9), word(window, 17), word(window, 25));
        let high = first | second | (third & word_mask(len, 16)) | (fourth & word_mask(len, 24));
        if high & HIGH_BITS != 0 {
            return None;
        }
        let dst = crate::arena::alloc_bytes(capacity);
        // SAFETY: `dst` is a fresh block of `capacity` (24 or 32) bytes; the fourth word is
        // written only when the block has room for it.
        unsafe {
            dst.cast::<u64>().write_unaligned(first);
            dst.add(8).cast::<u64>().write_unaligned(second);
            dst.add(16).cast::<u64>().write_unaligned(third);
            if len > 24 {
                dst.add(24).cast::<u64>().write_unaligned(fourth);
            }
        }
        dst
    };
    // SAFETY: `dst` is a block of `capacity` bytes from the global allocator with alignment
    // 1, the layout a `String` of that capacity owns; its first `len` bytes are the
    // string's, all ASCII and so UTF-8.
    Some(unsafe { String::from_raw_parts(dst, len, capacity) })
}

/// The length of the fixstr at `window[0]` if it is ASCII: [`fixstr_ascii`]'s check
/// without its copy, for strings left in place in the input.
#[cfg(not(rlplugin_small))] // only the fast path reads strings in place
#[inline(always)]
pub(super) fn fixstr_ascii_len(window: &[u8; 33]) -> Option<usize> {
    let marker = window[0];
    if marker & 0xe0 != 0xa0 {
        return None;
    }
    let len = usize::from(marker & 0x1f);
    let first = word(window, 1);
    let high = if len <= 8 {
        first & WORD_MASKS[len]
    } else if len <= 16 {
        first | (word(window, 9) & WORD_MASKS[len - 8])
    } else {
        first
            | word(window, 9)
            | (word(window, 17) & word_mask(len, 16))
            | (word(window, 25) & word_mask(len, 24))
    };
    (high & HIGH_BITS == 0).then_some(len)
}

/// Eight bytes of `buf` at `at`, little-endian (the caller has checked they exist).
#[cfg_attr(not(rlplugin_small), inline(always))]
fn word(buf: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&buf[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Checks `bytes` is UTF-8, eight ASCII bytes at a time before falling back to the full
/// validator.
#[cfg_attr(not(rlplugin_small), inline(never))]
pub(super) fn utf8(bytes: &[u8]) -> Option<&str> {
    let mut chunks = bytes.chunks_exact(8);
    let mut high = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        high |= u64::from_le_bytes(word);
    }
    for &b in chunks.remainder() {
        high |= u64::from(b);
    }
    if high & HIGH_BITS == 0 {
        // SAFETY: every byte is below 0x80, and ASCII is UTF-8.
        Some(unsafe { core::str::from_utf8_unchecked(bytes) })
    } else {
        core::str::from_utf8(bytes).ok()
    }
}

/// Capacity to reserve for `len` elements announced by a header when each takes at least
/// `min_size` bytes: never more than the rest of the input could hold, so a hostile header
/// cannot make the guest allocate gigabytes.
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(super) fn capacity(len: usize, reader: &Reader<'_>, min_size: usize) -> usize {
    len.min(reader.remaining() / min_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T>(bytes: &[u8], f: impl FnOnce(&mut Reader<'_>) -> T) -> Result<T, String> {
        let sink = ErrorSink::default();
        let mut reader = Reader::new(bytes, &sink);
        let value = f(&mut reader);
        reader.finish(value).map_err(|e| e.to_string())
    }

    #[test]
    fn integers_accept_every_marker_when_in_range() {
        let cases: &[(&[u8], u64)] = &[
            (b"\x05", 5),
            (b"\xcc\xff", 255),
            (b"\xcd\x01\x2c", 300),
            (b"\xce\x00\x01\x11\x70", 70_000),
            (b"\xcf\x00\x00\x00\x01\x00\x00\x00\x00", 1 << 32),
            (b"\xd0\x05", 5),
            (b"\xd1\x00\x05", 5),
            (b"\xd2\x00\x00\x00\x05", 5),
            (b"\xd3\x00\x00\x00\x00\x00\x00\x00\x05", 5),
        ];
        for (bytes, value) in cases {
            assert_eq!(read(bytes, |r| r.uint("n")), Ok(*value), "{bytes:02x?}");
        }
        assert_eq!(
            read(b"\xff", |r| r.uint("n")).unwrap_err(),
            "input byte 0: expected n, found the negative integer -1"
        );
        assert_eq!(
            read(b"\xcd\x01\x00", |r| r.uint_as::<u8>("a u8")).unwrap_err(),
            "input byte 0: expected a u8, found the integer 256, which is too large"
        );
    }

    #[test]
    fn short_strings_ignore_neighbouring_bytes() {
        let buf =
            b"\xa3abc\xff\xff\xff\xff\xff\xff\xff\xff\xa9123456789\xc3\xc3\xc3\xc3\xc3\xc3\xc3\xc3";
        let sink = ErrorSink::default();
        let mut reader = Reader::new(buf, &sink);
        assert_eq!(reader.string("s"), "abc");
        reader.pos = 12;
        assert_eq!(reader.string("s"), "123456789");
        assert_eq!(read(b"\xa2\xc3\xa9", |r| r.string("s")).unwrap(), "é");
        assert!(read(b"\xa2\xc3\x28", |r| r.string("s")).is_err());
        let tail = b"\xa91234567\xff9\0\0\0\0\0\0\0\0";
        assert!(read(tail, |r| r.string("s")).is_err());
        assert!(read(b"\xa9\xff23456789", |r| r.string("s")).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        // Every fixstr length (each word count takes its own branch), any text, any bytes
        // after it in the window: the ASCII strings come back exactly, the others are left
        // to the general path.
        #[test]
        fn fixstr_words_are_copied_exactly(
            text in "[ -~]{0,31}|[ -~é€]{0,10}",
            after in proptest::collection::vec(proptest::num::u8::ANY, 32),
        ) {
            proptest::prop_assume!(text.len() <= 31);
            let mut window = [0; 33];
            window[0] = 0xa0 | u8::try_from(text.len()).unwrap();
            window[1..=text.len()].copy_from_slice(text.as_bytes());
            window[1 + text.len()..].copy_from_slice(&after[text.len()..]);
            let copied = fixstr_ascii(&window);
            if text.is_ascii() {
                let copied = copied.unwrap();
                proptest::prop_assert_eq!(&copied, &text);
                proptest::prop_assert!(copied.capacity() >= text.len());
            } else {
                proptest::prop_assert!(copied.is_none());
            }
        }
    }

    #[test]
    fn fixstr_words_take_only_fixstr_markers() {
        let mut window = [b'a'; 33];
        for marker in [0xc0, 0xd9, 0x91, 0x03, 0xc4] {
            window[0] = marker;
            assert_eq!(fixstr_ascii(&window), None, "{marker:#x}");
        }
        window[0] = 0xbf;
        assert_eq!(fixstr_ascii(&window).as_deref(), Some(&"a".repeat(31)[..]));
    }

    #[test]
    fn keys_are_identified_by_length_and_both_ends() {
        let padded = |key: &str| {
            let mut bytes = vec![0xa0 | key.len() as u8];
            bytes.extend_from_slice(key.as_bytes());
            bytes
        };
        for key in [
            "date",
            "type",
            "filename",
            "narration",
            "source_account",
            "a",
            "",
        ] {
            let mut long = padded(key);
            long.extend_from_slice(&[0xff; 20]);
            assert_eq!(
                Reader::new(&long, &ErrorSink::default()).key(),
                key_code(key),
                "{key} (fast path)"
            );
            assert_eq!(
                Reader::new(&padded(key), &ErrorSink::default()).key(),
                key_code(key),
                "{key} (near the end)"
            );
        }
        assert_ne!(key_code("narration"), key_code("narratiox"));
        assert_ne!(key_code("date"), key_code("dat"));
        let sink = ErrorSink::default();
        let mut reader = Reader::new(b"\x05\xa1k", &sink);
        assert_eq!(reader.key(), UNKNOWN_KEY);
        assert_eq!(reader.key(), key_code("k"));
    }

    #[test]
    fn utf8_fast_path_agrees_with_core() {
        for text in [
            "",
            "Assets:Cash",
            "exactly8",
            "sixteen bytes!!!",
            "Café au lait, 4 €",
            "日本",
        ] {
            assert_eq!(utf8(text.as_bytes()), Some(text));
        }
        assert_eq!(utf8(b"abcdefgh\xff"), None);
        assert_eq!(utf8(b"\xc3"), None);
    }

    #[test]
    fn skip_walks_nested_values_and_rejects_truncation() {
        let nested = b"\x92\x81\xa1k\x93\x01\xcb\0\0\0\0\0\0\0\0\xc4\x02ab\xd6\x01\0\0\0\0\x07";
        let sink = ErrorSink::default();
        let mut reader = Reader::new(nested, &sink);
        reader.skip(1);
        assert!(!reader.failed());
        assert_eq!(reader.peek(), Some(0x07));
        for cut in 0..nested.len() - 1 {
            assert!(read(&nested[..cut], |r| r.skip(1)).is_err(), "cut at {cut}");
        }
        assert!(read(b"\xdd\xff\xff\xff\xff\x01", |r| r.skip(1)).is_err());
    }

    #[test]
    fn uint_triples_take_the_fast_path_only_in_their_usual_shape() {
        let padded = |bytes: &[u8]| {
            let mut v = bytes.to_vec();
            v.extend_from_slice(&[0xc0; 12]);
            v
        };
        let sink = ErrorSink::default();
        let buf = padded(b"\x93\xce\x00\x01\x11\x70\xcd\x01\x2c\x07");
        let mut reader = Reader::new(&buf, &sink);
        assert_eq!(reader.small_uint_triple(), Some((70_000, 300, 7)));
        assert_eq!(reader.pos, 10);
        let buf = padded(b"\x93\x05\xcc\xff\x00");
        assert_eq!(
            Reader::new(&buf, &sink).small_uint_triple(),
            Some((5, 255, 0))
        );
        for other in [
            &b"\x93\x05\x06\xcc\x80"[..],
            b"\x93\xcf\0\0\0\0\0\0\0\x01\x02\x03",
            b"\x94\x01\x02\x03\x04",
            b"\x93\xff\x02\x03",
        ] {
            let buf = padded(other);
            let mut reader = Reader::new(&buf, &sink);
            assert_eq!(reader.small_uint_triple(), None, "{other:02x?}");
            assert_eq!(reader.pos, 0);
        }
        let mut near_end = Reader::new(b"\x93\x01\x02\x03", &sink);
        assert_eq!(near_end.small_uint_triple(), None);
    }

    #[test]
    fn the_first_failure_wins_and_later_reads_are_empty() {
        let sink = ErrorSink::default();
        let mut reader = Reader::new(b"\xc0\xa1x", &sink);
        assert_eq!(reader.string("first"), "");
        assert_eq!(reader.string("second"), "");
        assert_eq!(reader.array_len("third"), 0);
        assert_eq!(
            reader.finish(()).unwrap_err().to_string(),
            "input byte 0: expected first, found nil (0xc0)"
        );
    }
}
