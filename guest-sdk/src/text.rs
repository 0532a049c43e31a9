//! Statement text, cheaply: line and byte search a word (8 bytes) at a time.
//!
//! An importer's `extract` gets its statement as bytes and has the same 30,000,000 fuel per
//! call as a plugin, and every wasm instruction costs one unit: looking at a 2 MiB
//! statement one byte at a time (`split(|&b| b == b'\n')`, `position`) spends most of that
//! budget before a single field is parsed. [`lines`], [`find_byte`] and [`find_any`] test
//! eight bytes per step instead, so a CSV importer can read a 2 MiB statement in one call.
//!
//! ```
//! use rlplugin::text::{find_byte, lines};
//!
//! let statement = b"2024-01-02,Coffee,-3.50\r\n2024-01-03,Rent,-900.00\n";
//! let mut payees = Vec::new();
//! for line in lines(statement) {
//!     let comma = find_byte(line, b',').expect("a date field");
//!     let rest = &line[comma + 1..];
//!     let end = find_byte(rest, b',').expect("a payee field");
//!     payees.push(&rest[..end]);
//! }
//! assert_eq!(payees, [&b"Coffee"[..], b"Rent"]);
//! ```

use core::iter::FusedIterator;

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_le_bytes([1; 8]);
/// The high bit of every byte of a word.
const HIGH: u64 = ONES << 7;

/// The position of the first `needle` in `haystack`, like
/// `haystack.iter().position(|&b| b == needle)`, testing eight bytes per step.
///
/// ```
/// use rlplugin::text::find_byte;
///
/// assert_eq!(find_byte(b"2024-01-02,Coffee,-3.50", b','), Some(10));
/// assert_eq!(find_byte(b"no comma here", b','), None);
/// ```
#[must_use]
pub fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    find_any(haystack, [needle])
}

/// The position of the first byte of `haystack` that is any of `needles`, like
/// `haystack.iter().position(|b| needles.contains(b))`, testing eight bytes per step: the
/// scan a parser needs to jump to its next delimiter, quote or line end, or a
/// case-insensitive search needs to find a first letter in either case.
///
/// ```
/// use rlplugin::text::find_any;
///
/// let field = b"Coffee \"to go\",-3.50";
/// assert_eq!(find_any(field, [b',', b'"']), Some(7));
/// assert_eq!(find_any(b"Monthly RENT", [b'r', b'R']), Some(8));
/// assert_eq!(find_any(b"no match", [b',', b'\n']), None);
/// ```
#[must_use]
pub fn find_any<const N: usize>(haystack: &[u8], needles: [u8; N]) -> Option<usize> {
    let (words, tail) = haystack.as_chunks::<8>();
    for (index, word) in words.iter().enumerate() {
        let word = u64::from_le_bytes(*word);
        let mut found = 0;
        for needle in needles {
            // A byte of `x` is zero where the word holds `needle`. `(x - ONES) & !x & HIGH`
            // sets the high bit of every such byte; a borrow can also mark bytes *after* a
            // zero byte, never before one, so the lowest mark over all needles
            // (little-endian: the first byte) is a real match.
            let x = word ^ (ONES * u64::from(needle));
            found |= x.wrapping_sub(ONES) & !x & HIGH;
        }
        if found != 0 {
            return Some(index * 8 + (found.trailing_zeros() / 8) as usize);
        }
    }
    let start = words.len() * 8;
    tail.iter()
        .position(|byte| needles.contains(byte))
        .map(|at| start + at)
}

/// The lines of `bytes`, like [`str::lines`] for bytes that need not be UTF-8: split at
/// each `\n`, one `\r` just before a `\n` removed (so `\r\n` files read like `\n` files),
/// and no empty last line after a final line ending. A `\r` anywhere else stays in the line.
///
/// Compared with `bytes.split(|&b| b == b'\n')`: the same lines, except that the empty
/// piece `split` yields after a final `\n` (or for empty input) is not a line here. Each
/// line ending is found eight bytes per step ([`find_byte`]), which for statements of
/// 30-byte lines costs roughly a third of the fuel of a byte-by-byte `split`.
///
/// ```
/// use rlplugin::text::lines;
///
/// let statement = b"date,payee,amount\r\n2024-01-02,Coffee,-3.50\n\nlast";
/// let lines: Vec<&[u8]> = lines(statement).collect();
/// assert_eq!(lines, [&b"date,payee,amount"[..], b"2024-01-02,Coffee,-3.50", b"", b"last"]);
/// assert_eq!(rlplugin::text::lines(b"").count(), 0);
/// assert_eq!(rlplugin::text::lines(b"one\n").count(), 1);
/// ```
pub fn lines(bytes: &[u8]) -> Lines<'_> {
    Lines { rest: bytes }
}

/// Iterator over the lines of a byte string, from [`lines`].
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let Some(end) = find_byte(self.rest, b'\n') else {
            return Some(core::mem::take(&mut self.rest));
        };
        let (line, rest) = (&self.rest[..end], &self.rest[end + 1..]);
        self.rest = rest;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

impl FusedIterator for Lines<'_> {}

// The SDK's own messages are built without `core::fmt`: every diagnostic the SDK writes on
// the success path is a concatenation of strings and small integers, and `format!` would
// link the formatting machinery's argument plumbing into every guest for it. `core::fmt`
// then only serves panics and an author's own `Display` types.

/// The parts joined, in one allocation.
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// A `u64` written in decimal, on the stack.
pub(crate) struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    #[cfg_attr(rlplugin_small, inline(never))]
    pub(crate) fn new(mut value: u64) -> Self {
        let mut digits = [0; 20];
        let mut start = digits.len();
        // Iterating rather than indexing keeps bounds-check panics, and with them `usize`
        // formatting, out of every guest. `u64::MAX` has 20 digits, so the slots suffice.
        for slot in digits.iter_mut().rev() {
            start -= 1;
            // `value % 10` is below 10, so the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            let digit = (value % 10) as u8;
            *slot = b'0' + digit;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        Self { digits, start }
    }

    pub(crate) fn as_str(&self) -> &str {
        // SAFETY: `new` writes only ASCII digits from `start` on. (Checking with `from_utf8`
        // would link the UTF-8 validator into guests that have no other use for it.)
        unsafe { core::str::from_utf8_unchecked(self.digits.get(self.start..).unwrap_or_default()) }
    }
}

/// `value` in decimal, for message parts.
pub(crate) fn decimal(value: usize) -> Decimal {
    Decimal::new(value as u64)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// `split(b'\n')` without the empty piece after a final `\n`, each `\r\n` read as `\n`.
    fn reference_lines(bytes: &[u8]) -> Vec<&[u8]> {
        let mut pieces: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        if bytes.is_empty() || bytes.ends_with(b"\n") {
            pieces.pop();
        }
        let last = pieces.len().saturating_sub(1);
        let ended = bytes.ends_with(b"\n");
        pieces
            .into_iter()
            .enumerate()
            .map(|(i, piece)| match piece.strip_suffix(b"\r") {
                Some(stripped) if i < last || ended => stripped,
                _ => piece,
            })
            .collect()
    }

    /// Bytes near the needle and its word-level false-positive cases, plus anything.
    fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                Just(b'\n'),
                Just(b'\r'),
                Just(b','),
                Just(0x8a),
                Just(0x0b),
                Just(0x09),
                Just(0),
                Just(0xff),
                any::<u8>(),
            ],
            0..80,
        )
    }

    proptest! {
        #[test]
        fn find_byte_matches_position(haystack in tricky_bytes(), needle in prop_oneof![Just(b'\n'), Just(b','), Just(0u8), Just(0xffu8), any::<u8>()]) {
            prop_assert_eq!(find_byte(&haystack, needle), haystack.iter().position(|&b| b == needle));
        }

        #[test]
        fn find_any_matches_position(haystack in tricky_bytes(), needles in prop::array::uniform3(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b','), Just(0u8), any::<u8>()])) {
            prop_assert_eq!(find_any(&haystack, needles), haystack.iter().position(|b| needles.contains(b)));
        }

        #[test]
        fn lines_match_split_semantics(bytes in tricky_bytes()) {
            prop_assert_eq!(lines(&bytes).collect::<Vec<_>>(), reference_lines(&bytes));
        }

        #[test]
        fn lines_match_str_lines(text in "[a\r\né,]{0,60}") {
            let ours: Vec<&[u8]> = lines(text.as_bytes()).collect();
            let std: Vec<&[u8]> = text.lines().map(str::as_bytes).collect();
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn line_endings() {
        let all = |bytes: &'static [u8]| lines(bytes).collect::<Vec<_>>();
        assert_eq!(all(b""), Vec::<&[u8]>::new());
        assert_eq!(all(b"\n"), [b""]);
        assert_eq!(all(b"a\r\n\r\nb"), [&b"a"[..], b"", b"b"]);
        assert_eq!(all(b"a\rb\r"), [b"a\rb\r"]);
        assert_eq!(
            all(b"0123456789abcdef\n01234567"),
            [&b"0123456789abcdef"[..], b"01234567"]
        );
    }

    #[test]
    fn find_byte_reports_the_first_match_in_a_word() {
        // 0x0a right after the needle's byte: a borrow marks it too, the first stays exact.
        assert_eq!(find_byte(b"abc\n\x8a\n\n\nxyz", b'\n'), Some(3));
        assert_eq!(find_byte(b"01234567\x01\x00", 0), Some(9));
        assert_eq!(find_byte(&[0xff; 17], 0xff), Some(0));
    }

    #[test]
    fn decimals_match_display() {
        for value in [0, 7, 10, 99, 4096, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(Decimal::new(value).as_str(), value.to_string());
        }
    }

    #[test]
    fn concat_joins_in_order() {
        assert_eq!(concat(&["a", "", "bc", "1"]), "abc1");
        assert_eq!(concat(&[]), "");
    }
}
