//! MessagePack primitives over a byte slice, bounds-checked, never panicking.

use super::{DecodeError, Found};

/// High bit of every byte of a word: a word ANDed with it is zero when all eight bytes are
/// ASCII, or, for integer arrays, positive fixints.
pub(super) const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// A cursor over the input.
#[derive(Clone, Copy)]
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) const fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(super) const fn pos(&self) -> usize {
        self.pos
    }

    pub(super) const fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The error for the value starting at `at`: described by its marker byte, or as the end
    /// of the input.
    #[cold]
    pub(super) fn error_at(&self, at: usize, expected: &'static str) -> DecodeError {
        let found = self.buf.get(at).map_or(Found::End, |&b| Found::Marker(b));
        DecodeError::new(at, expected, found)
    }

    /// An error for a value of the right kind but unacceptable content.
    #[cold]
    pub(super) fn invalid(at: usize, expected: &'static str, found: String) -> DecodeError {
        DecodeError::new(at, expected, Found::Other(found))
    }

    #[cold]
    fn end(&self, expected: &'static str) -> DecodeError {
        DecodeError::new(self.buf.len(), expected, Found::End)
    }

    /// The unread bytes.
    pub(super) fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    #[inline(always)]
    pub(super) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    #[inline(always)]
    fn byte(&mut self, expected: &'static str) -> Result<u8, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.end(expected)),
        }
    }

    #[inline(always)]
    pub(super) fn take(
        &mut self,
        len: usize,
        expected: &'static str,
    ) -> Result<&'a [u8], DecodeError> {
        if len > self.remaining() {
            return Err(self.end(expected));
        }
        let bytes = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(bytes)
    }

    #[inline(always)]
    fn be16(&mut self, expected: &'static str) -> Result<usize, DecodeError> {
        let b = self.take(2, expected)?;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    #[inline(always)]
    fn be32(&mut self, expected: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, expected)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn be64(&mut self, expected: &'static str) -> Result<u64, DecodeError> {
        let b = self.take(8, expected)?;
        let mut word = [0; 8];
        word.copy_from_slice(b);
        Ok(u64::from_be_bytes(word))
    }

    /// Consumes a nil, if one is next.
    #[inline(always)]
    pub(super) fn nil(&mut self) -> bool {
        if self.peek() == Some(0xc0) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// An array header: the element count.
    #[inline(always)]
    pub(super) fn array_len(&mut self, expected: &'static str) -> Result<usize, DecodeError> {
        let at = self.pos;
        match self.byte(expected)? {
            m @ 0x90..=0x9f => Ok(usize::from(m & 0x0f)),
            0xdc => self.be16(expected),
            0xdd => Ok(self.be32(expected)? as usize),
            _ => Err(self.error_at(at, expected)),
        }
    }

    /// The header of a positional struct, which must have at least `min` elements; returns
    /// the element count so the caller can default missing trailing fields and skip extras.
    #[inline(always)]
    pub(super) fn struct_len(
        &mut self,
        expected: &'static str,
        min: usize,
    ) -> Result<usize, DecodeError> {
        let at = self.pos;
        let len = self.array_len(expected)?;
        if len < min {
            return Err(Self::invalid(
                at,
                expected,
                format!("an array of only {len} elements"),
            ));
        }
        Ok(len)
    }

    /// A map header: the entry count.
    #[inline(always)]
    pub(super) fn map_len(&mut self, expected: &'static str) -> Result<usize, DecodeError> {
        let at = self.pos;
        match self.byte(expected)? {
            m @ 0x80..=0x8f => Ok(usize::from(m & 0x0f)),
            0xde => self.be16(expected),
            0xdf => Ok(self.be32(expected)? as usize),
            _ => Err(self.error_at(at, expected)),
        }
    }

    /// The bytes of a string, not yet checked to be UTF-8; `None` (nothing consumed) when
    /// the next value is not a string.
    #[inline(always)]
    pub(super) fn str_bytes(
        &mut self,
        expected: &'static str,
    ) -> Result<Option<&'a [u8]>, DecodeError> {
        let at = self.pos;
        match self.buf.get(at) {
            // fixstr: every key and most values.
            Some(&m) if m & 0xe0 == 0xa0 => {
                let len = usize::from(m & 0x1f);
                let start = at + 1;
                if len > self.buf.len() - start {
                    return Err(self.end(expected));
                }
                self.pos = start + len;
                Ok(Some(&self.buf[start..start + len]))
            }
            _ => self.str_bytes_long(expected),
        }
    }

    #[inline(never)]
    fn str_bytes_long(&mut self, expected: &'static str) -> Result<Option<&'a [u8]>, DecodeError> {
        let len = match self.peek() {
            Some(0xd9) => {
                self.pos += 1;
                usize::from(self.byte(expected)?)
            }
            Some(0xda) => {
                self.pos += 1;
                self.be16(expected)?
            }
            Some(0xdb) => {
                self.pos += 1;
                self.be32(expected)? as usize
            }
            _ => return Ok(None),
        };
        self.take(len, expected).map(Some)
    }

    /// A string, borrowed from the input.
    #[inline(always)]
    pub(super) fn str(&mut self, expected: &'static str) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let Some(bytes) = self.str_bytes(expected)? else {
            return Err(self.error_at(at, expected));
        };
        let start = self.pos - bytes.len();
        if utf8_at(self.buf, start, bytes.len()) {
            // SAFETY: just checked.
            Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
        } else {
            Err(Self::invalid(
                at,
                expected,
                "a string that is not valid UTF-8".to_owned(),
            ))
        }
    }

    /// An owned string. The common case, a short ASCII fixstr away from the end of the
    /// input, takes a branch-light path: two eight-byte loads check all its bytes at once.
    #[inline(always)]
    pub(super) fn string(&mut self, expected: &'static str) -> Result<String, DecodeError> {
        let at = self.pos;
        if let Some(window) = self.buf.get(at..at + 17) {
            let marker = window[0];
            let len = usize::from(marker & 0x1f);
            if marker & 0xe0 == 0xa0 && len <= 16 {
                let [low_mask, high_mask] = SHORT_MASKS[len];
                let low = word(window, 1) & low_mask;
                let high = word(window, 9) & high_mask;
                if (low | high) & HIGH_BITS == 0 {
                    self.pos = at + 1 + len;
                    return Ok(copy_str(&window[1..=len]));
                }
            }
        }
        self.str(expected).map(str::to_owned)
    }

    #[inline(always)]
    pub(super) fn opt_string(
        &mut self,
        expected: &'static str,
    ) -> Result<Option<String>, DecodeError> {
        if self.nil() {
            Ok(None)
        } else {
            self.string(expected).map(Some)
        }
    }

    pub(super) fn bool(&mut self, expected: &'static str) -> Result<bool, DecodeError> {
        let at = self.pos;
        match self.byte(expected)? {
            0xc2 => Ok(false),
            0xc3 => Ok(true),
            _ => Err(self.error_at(at, expected)),
        }
    }

    /// A non-negative integer written with any integer marker.
    pub(super) fn uint(&mut self, expected: &'static str) -> Result<u64, DecodeError> {
        let at = self.pos;
        let signed = match self.byte(expected)? {
            m @ 0x00..=0x7f => return Ok(u64::from(m)),
            0xcc => return self.byte(expected).map(u64::from),
            0xcd => return self.be16(expected).map(|v| v as u64),
            0xce => return self.be32(expected).map(u64::from),
            0xcf => return self.be64(expected),
            m @ 0xe0..=0xff => i64::from(m as i8),
            0xd0 => i64::from(self.byte(expected)? as i8),
            0xd1 => i64::from(self.be16(expected)? as u16 as i16),
            0xd2 => i64::from(self.be32(expected)? as i32),
            0xd3 => self.be64(expected)? as i64,
            _ => return Err(self.error_at(at, expected)),
        };
        u64::try_from(signed)
            .map_err(|_| Self::invalid(at, expected, format!("the negative integer {signed}")))
    }

    /// A non-negative integer that must fit `T`.
    pub(super) fn uint_as<T: TryFrom<u64>>(
        &mut self,
        expected: &'static str,
    ) -> Result<T, DecodeError> {
        let at = self.pos;
        let value = self.uint(expected)?;
        T::try_from(value).map_err(|_| {
            Self::invalid(
                at,
                expected,
                format!("the integer {value}, which is too large"),
            )
        })
    }

    /// Skips `count` complete values of any kind. Iterative, so hostile nesting cannot
    /// exhaust the stack.
    pub(super) fn skip(&mut self, count: usize) -> Result<(), DecodeError> {
        const EXPECTED: &str = "a value";
        let mut pending = count as u64;
        while pending > 0 {
            pending -= 1;
            let at = self.pos;
            let (payload, children) = match self.byte(EXPECTED)? {
                0x00..=0x7f | 0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => (0, 0),
                m @ 0x80..=0x8f => (0, 2 * u64::from(m & 0x0f)),
                m @ 0x90..=0x9f => (0, u64::from(m & 0x0f)),
                m @ 0xa0..=0xbf => (usize::from(m & 0x1f), 0),
                0xc4 | 0xd9 => (usize::from(self.byte(EXPECTED)?), 0),
                0xc5 | 0xda => (self.be16(EXPECTED)?, 0),
                0xc6 | 0xdb => (self.be32(EXPECTED)? as usize, 0),
                0xc7 => (usize::from(self.byte(EXPECTED)?) + 1, 0),
                0xc8 => (self.be16(EXPECTED)? + 1, 0),
                0xc9 => (self.be32(EXPECTED)? as usize + 1, 0),
                0xca => (4, 0),
                0xcb => (8, 0),
                0xcc | 0xd0 => (1, 0),
                0xcd | 0xd1 => (2, 0),
                0xce | 0xd2 => (4, 0),
                0xcf | 0xd3 => (8, 0),
                0xd4 => (2, 0),
                0xd5 => (3, 0),
                0xd6 => (5, 0),
                0xd7 => (9, 0),
                0xd8 => (17, 0),
                0xdc => (0, self.be16(EXPECTED)? as u64),
                0xdd => (0, u64::from(self.be32(EXPECTED)?)),
                0xde => (0, 2 * self.be16(EXPECTED)? as u64),
                0xdf => (0, 2 * u64::from(self.be32(EXPECTED)?)),
                0xc1 => return Err(self.error_at(at, EXPECTED)),
            };
            self.take(payload, EXPECTED)?;
            pending += children;
            // Every pending value needs at least one byte, so a count beyond what is left
            // can only fail; stop now rather than loop over a hostile header.
            if pending > self.remaining() as u64 {
                return Err(self.end(EXPECTED));
            }
        }
        Ok(())
    }
}

/// For a string of `len` ≤ 16 bytes read as two little-endian words, the masks keeping
/// exactly its bytes.
const SHORT_MASKS: [[u64; 2]; 17] = {
    let mut masks = [[0; 2]; 17];
    let mut len = 0;
    while len <= 16 {
        let low = if len >= 8 { 8 } else { len };
        let high = len - low;
        masks[len] = [byte_mask(low), byte_mask(high)];
        len += 1;
    }
    masks
};

const fn byte_mask(bytes: usize) -> u64 {
    if bytes >= 8 {
        u64::MAX
    } else {
        (1 << (bytes * 8)) - 1
    }
}

/// An owned copy of `ascii`.
#[inline(always)]
fn copy_str(ascii: &[u8]) -> String {
    // SAFETY: the caller checked every byte is below 0x80, and ASCII is UTF-8.
    unsafe { String::from_utf8_unchecked(ascii.to_vec()) }
}

/// Loads eight bytes of `buf` at `at` (which the caller has checked are in bounds).
#[inline(always)]
fn word(buf: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&buf[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Whether `buf[start..start + len]` is UTF-8. Short ASCII strings, the common case, are
/// recognised with one or two eight-byte loads that may also cover neighbouring bytes of
/// `buf` (masked off) instead of a loop: every wasm instruction costs a unit of fuel.
#[inline(always)]
fn utf8_at(buf: &[u8], start: usize, len: usize) -> bool {
    let ascii = if len < 8 && buf.len() - start >= 8 {
        let mask = (1u64 << (len * 8)) - 1;
        word(buf, start) & mask & HIGH_BITS == 0
    } else if (8..=16).contains(&len) {
        (word(buf, start) | word(buf, start + len - 8)) & HIGH_BITS == 0
    } else {
        false
    };
    ascii || utf8(&buf[start..start + len]).is_some()
}

/// Checks `bytes` is UTF-8, eight ASCII bytes at a time before falling back to the full
/// validator.
#[inline(never)]
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
#[inline]
pub(super) fn capacity(len: usize, reader: &Reader<'_>, min_size: usize) -> usize {
    len.min(reader.remaining() / min_size)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(
                Reader::new(bytes).uint("n").unwrap(),
                *value,
                "{bytes:02x?}"
            );
        }
        let negative = Reader::new(b"\xff").uint("n").unwrap_err();
        assert_eq!(
            negative.to_string(),
            "input byte 0: expected n, found the negative integer -1"
        );
        let wide = Reader::new(b"\xcd\x01\x00")
            .uint_as::<u8>("a u8")
            .unwrap_err();
        assert_eq!(
            wide.to_string(),
            "input byte 0: expected a u8, found the integer 256, which is too large"
        );
    }

    #[test]
    fn short_string_check_ignores_neighbouring_bytes() {
        let buf = b"\xa3abc\xff\xff\xff\xff\xff\xff\xff\xff\xa9123456789\xc3";
        let mut reader = Reader::new(buf);
        assert_eq!(reader.str("s").unwrap(), "abc");
        reader.pos = 12;
        assert_eq!(reader.str("s").unwrap(), "123456789");
        assert!(Reader::new(b"\xa2\xc3\xa9").str("s").unwrap() == "é");
        assert!(Reader::new(b"\xa2\xc3\x28").str("s").is_err());
        assert!(Reader::new(b"\xa9123456789").str("s").is_ok());
        assert!(Reader::new(b"\xa9\xff23456789").str("s").is_err());
        assert!(Reader::new(b"\xa91234567\xff9").str("s").is_err());
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
        let mut reader = Reader::new(nested);
        reader.skip(1).unwrap();
        assert_eq!(reader.peek(), Some(0x07));
        for cut in 0..nested.len() - 1 {
            assert!(Reader::new(&nested[..cut]).skip(1).is_err(), "cut at {cut}");
        }
        let hostile = b"\xdd\xff\xff\xff\xff\x01";
        assert!(Reader::new(hostile).skip(1).is_err());
    }
}
