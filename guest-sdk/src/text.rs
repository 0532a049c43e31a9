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

/// Whether `haystack` contains `needle`, ASCII letters matching in either case, like
/// `haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))`: the places
/// where the needle's first byte stands (in either case) are found eight bytes per step, and
/// only there is the rest compared. The search a rule matching payees or narrations needs.
///
/// ```
/// use rlplugin::text::contains_ignore_ascii_case;
///
/// assert!(contains_ignore_ascii_case(b"Monthly RENT payment", b"rent"));
/// assert!(contains_ignore_ascii_case(b"Le CAFE", b"Caf"));
/// assert!(!contains_ignore_ascii_case(b"Le CAF\xc3\x89", "caf\u{e9}".as_bytes()));
/// assert!(contains_ignore_ascii_case(b"anything", b""));
/// ```
#[must_use]
pub fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    let first = first.to_ascii_lowercase();
    // A letter's two cases differ in one bit: set it in the text's bytes, and a lowercase
    // first letter then finds both. Any other byte is found as it is.
    let case: u8 = if first.is_ascii_lowercase() { 0x20 } else { 0 };
    let (set, wanted) = (ONES * u64::from(case), ONES * u64::from(first));
    let mut at = 0;
    while at <= last_start {
        let word = match haystack.get(at..at + 8) {
            Some(word) => u64::from_le_bytes(word.try_into().unwrap_or_default()),
            None => {
                // The last bytes, padded with zeros: a position found in the padding lies
                // past `last_start` and ends the search.
                let mut padded = [0; 8];
                padded[..haystack.len() - at].copy_from_slice(&haystack[at..]);
                u64::from_le_bytes(padded)
            }
        };
        let x = (word | set) ^ wanted;
        // The high bit of each byte that may hold the first letter: every one that does,
        // and perhaps some after one (a borrow), which the compare below turns away.
        let mut found = x.wrapping_sub(ONES) & !x & HIGH;
        while found != 0 {
            let start = at + (found.trailing_zeros() / 8) as usize;
            if start > last_start {
                return false;
            }
            if (haystack[start] | case) == first
                && haystack[start + 1..start + needle.len()].eq_ignore_ascii_case(rest)
            {
                return true;
            }
            found &= found - 1;
        }
        at += 8;
    }
    false
}

/// Appends `text` in double quotes, escaped exactly as `format!("{text:?}")` writes it: the
/// way a message names a payee, a narration or an account. Text that needs no escape
/// (printable ASCII other than `"` and `\`, tested eight bytes per step) is copied as it is;
/// the formatter, which escapes a character at a time, writes only the rest. A plugin that
/// warns once per transaction of a large ledger spends most of each warning in that
/// formatter otherwise.
///
/// ```
/// use rlplugin::text::push_quoted;
///
/// let mut message = String::from("no rule matches payee ");
/// push_quoted(&mut message, "Cafe \"Central\"");
/// assert_eq!(message, r#"no rule matches payee "Cafe \"Central\"""#);
/// for text in ["Rent", "tab\there", "Caf\u{e9}"] {
///     let mut quoted = String::new();
///     push_quoted(&mut quoted, text);
///     assert_eq!(quoted, format!("{text:?}"));
/// }
/// ```
pub fn push_quoted(out: &mut String, text: &str) {
    if is_plain(text.as_bytes()) {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        use core::fmt::Write as _;
        // Writing to a String does not fail.
        let _ = write!(out, "{text:?}");
    }
}

/// Whether every byte is printable ASCII other than `"` and `\`, the text `{:?}` quotes
/// unchanged: tested eight bytes per step, the last step over the last eight bytes (which
/// may overlap the step before), so no byte is tested alone unless the text is shorter.
fn is_plain(text: &[u8]) -> bool {
    // A byte of `x` below `n` (`x` without high bits), or equal to `n`.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH != 0;
    let holds = |x: u64, n: u8| below(x ^ (ONES * u64::from(n)), 1);
    let plain = |word: &[u8; 8]| {
        let x = u64::from_le_bytes(*word);
        x & HIGH == 0 && !below(x, b' ') && !holds(x, 0x7f) && !holds(x, b'"') && !holds(x, b'\\')
    };
    let Some(last) = text.last_chunk::<8>() else {
        return text
            .iter()
            .all(|&byte| (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\');
    };
    text.as_chunks::<8>().0.iter().all(plain) && plain(last)
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

    /// Letters in both cases, the bytes one bit away from a letter's case bit, and anything.
    fn tricky_text() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                Just(b'a'),
                Just(b'A'),
                Just(b'b'),
                Just(b'@'),
                Just(b'`'),
                Just(b'{'),
                Just(b'['),
                Just(0),
                Just(0xc3),
                any::<u8>(),
            ],
            0..40,
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
        fn contains_ignore_ascii_case_matches_windows(haystack in tricky_text(), needle in tricky_text()) {
            let needle = &needle[..needle.len().min(4)];
            let expected = needle.is_empty()
                || haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle));
            prop_assert_eq!(contains_ignore_ascii_case(&haystack, needle), expected);
        }

        #[test]
        fn push_quoted_matches_debug(text in "[a-zA-Z \"\\\\\t\n\u{7f}\u{1f}~{}\u{e9}\u{200b}]{0,40}") {
            let mut quoted = String::from("<");
            push_quoted(&mut quoted, &text);
            prop_assert_eq!(quoted, format!("<{text:?}"));
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
    fn only_letters_match_in_either_case() {
        let contains = |haystack: &str, needle: &str| {
            contains_ignore_ascii_case(haystack.as_bytes(), needle.as_bytes())
        };
        // Bytes one bit apart from the needle's first, as a letter's two cases are.
        assert!(!contains("@x", "`x"));
        assert!(!contains("[a", "{a"));
        assert!(!contains("\u{1}\u{1}", "a"));
        assert!(contains("x{A", "{a"));
        assert!(contains("aaaaaaaaAbC", "bc"));
        assert!(contains("aaaaaaaaAbC", "BC"));
        assert!(contains("Le CAFé", "café"));
        assert!(!contains("Le CAFÉ", "café"));
        assert!(!contains("short", "longer needle"));
    }

    #[test]
    fn quoted_texts_read_as_debug_writes_them() {
        for text in [
            "",
            "Cafe Central",
            "say \"hi\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "Café",
            "it's",
            "\u{7f}del",
            "zero\u{200b}width",
            "eight by",
            "sixteen bytes ok",
            "a longer narration, \"quoted\" midway",
            "a longer narration ending in a tab\t",
            "\u{1f} a control byte first, then words",
            "~ and } and { are printable too",
        ] {
            let mut quoted = String::new();
            push_quoted(&mut quoted, text);
            assert_eq!(quoted, format!("{text:?}"), "{text}");
        }
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
