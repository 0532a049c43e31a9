//! Benchmark guest: an importer that reads its CSV statement (`date,payee,amount`, the payee
//! may hold commas) line by line, checks every line, totals the amounts and reports the
//! result as one note on the statement's account; a bad line becomes a warning naming it.
//! Same source for both SDKs.
//!
//! Written the way an author who knows the fuel budget writes it. A call gets 30,000,000
//! fuel and every wasm instruction costs one, so a 2 MiB statement leaves a handful of fuel
//! per byte for the SDK's decoding *and* this code (the benchmark's figures give the split).
//! The obvious version (`split` into lines, `splitn` into fields, `i64::checked_mul` per
//! digit) spends several times that on its own: the closures look at every byte
//! separately, and on wasm32 an overflow-checked 64-bit multiply is a call to a 128-bit
//! multiply routine. This one stays within the budget: the fixed-width
//! date is checked first as two words, the line end is searched for after it eight bytes
//! per step (rlplugin authors get that search as `rlplugin::text::lines`; it is spelled out
//! here because the same source also builds against rustledger's SDK), the amount is taken
//! from the line's last word and, in the usual `ddddd.dd` shape, converted as one word (a
//! byte loop handles the rest), and amounts are limited to 16 digits so plain `i64`
//! arithmetic cannot overflow.

use rustledger_plugin_types::{
    DirectiveData, DirectiveWrapper, ImporterInput, ImporterOutput, NoteData, wasm_importer_main,
};

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_le_bytes([1; 8]);
/// The high bit of every byte of a word.
const HIGH: u64 = ONES << 7;

fn identify(path: &str) -> bool {
    path.ends_with(".csv")
}

/// 0x80 in each byte of `word` that equals `needle` (given as [`ONES`] times it), 0 in the
/// others. Exact: no carry crosses a byte, so the highest mark is the last match too.
#[inline(always)]
fn marks(word: u64, pattern: u64) -> u64 {
    let x = word ^ pattern;
    !(((x & !HIGH).wrapping_add(!HIGH)) | x | !HIGH)
}

/// The first `needle` in `haystack`, eight bytes per step.
fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    let pattern = ONES * u64::from(needle);
    let (words, tail) = haystack.as_chunks::<8>();
    for word in words {
        let found = marks(u64::from_le_bytes(*word), pattern);
        if found != 0 {
            let start = word.as_ptr() as usize - haystack.as_ptr() as usize;
            return Some(start + (found.trailing_zeros() / 8) as usize);
        }
    }
    let start = haystack.len() - tail.len();
    tail.iter().position(|&b| b == needle).map(|at| start + at)
}

/// The last `needle` in `haystack`: it ends in a short field, so the last eight bytes are
/// tested as one word first.
fn find_last(haystack: &[u8], needle: u8) -> Option<usize> {
    if let Some(last) = haystack.last_chunk::<8>() {
        let found = marks(u64::from_le_bytes(*last), ONES * u64::from(needle));
        if found != 0 {
            return Some(haystack.len() - 1 - (found.leading_zeros() / 8) as usize);
        }
    }
    haystack.iter().rposition(|&b| b == needle)
}

/// Whether `field` is a `YYYY-MM-DD` date (digits and dashes; the host checks the calendar),
/// tested as two overlapping words.
fn is_date(field: &[u8]) -> bool {
    /// Turns the dashes of `YYYY-MM-` (bytes 4 and 7) and of `YY-MM-DD` (bytes 2 and 5) into
    /// `'0'`, and a digit there into a non-digit.
    const DASHES_AT_4_7: u64 = (0x1d << 32) | (0x1d << 56);
    const DASHES_AT_2_5: u64 = (0x1d << 16) | (0x1d << 40);
    let (10, Some(head), Some(tail)) = (field.len(), field.first_chunk(), field.last_chunk())
    else {
        return false;
    };
    non_digits(u64::from_le_bytes(*head) ^ DASHES_AT_4_7)
        | non_digits(u64::from_le_bytes(*tail) ^ DASHES_AT_2_5)
        == 0
}

/// 0 when every byte of `word` is an ASCII digit (without a branch per test).
#[inline(always)]
fn non_digits(word: u64) -> u64 {
    const ZEROS: u64 = ONES * 0x30;
    const TOP: u64 = ONES * 0xf0;
    // Every byte in 0x30..=0x3f, and still below 0x40 once 6 is added.
    ((word & TOP) ^ ZEROS) | ((word.wrapping_add(ONES * 6) & TOP) ^ ZEROS)
}

/// Every byte of `word` an ASCII digit.
#[inline(always)]
fn all_digits(word: u64) -> bool {
    non_digits(word) == 0
}

/// The amount at the end of `line` (from `start`) in cents: `-12.34`, `7`, `0.5`; at most
/// 16 digits before the point and 2 after it.
fn cents(line: &[u8], start: usize) -> Option<i64> {
    let (negative, start) = match line.get(start) {
        Some(b'-') => (true, start + 1),
        _ => (false, start),
    };
    let len = line.len() - start;
    // The usual shape, up to `99999.99`, as one word: the eight bytes that end the line,
    // bytes before the amount set to '0', the point dropped, then the eight digits
    // combined pairwise (SWAR).
    if let (4..=8, Some(last)) = (len, line.last_chunk::<8>()) {
        let word = u64::from_le_bytes(*last);
        let amount = u64::MAX << (8 * (8 - len));
        let word = (word & amount) | (ONES * u64::from(b'0') & !amount);
        if (word >> 40) as u8 == b'.' {
            let word = ((word & 0xff_ffff_ffff) << 8) | (word & 0xffff << 48) | u64::from(b'0');
            if !all_digits(word) {
                return None;
            }
            let digits = word - ONES * u64::from(b'0');
            let pairs = digits * 10 + (digits >> 8);
            let value = ((pairs & 0x0000_00ff_0000_00ff).wrapping_mul(100 + (1_000_000 << 32))
                + ((pairs >> 16) & 0x0000_00ff_0000_00ff).wrapping_mul(1 + (10_000 << 32)))
                >> 32;
            let value = value as i64;
            return Some(if negative { -value } else { value });
        }
    }
    let digits = &line[start..];
    let (whole, fraction) = match digits {
        [whole @ .., b'.', a, b] => (whole, [*a, *b]),
        [whole @ .., b'.', a] => (whole, [*a, b'0']),
        whole => (whole, [b'0'; 2]),
    };
    if whole.is_empty() || whole.len() > 16 {
        return None;
    }
    // Below 10^16, so the value in cents fits an i64: no overflow checks needed.
    let mut value: i64 = 0;
    for &byte in whole {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + i64::from(digit);
    }
    let [tens, units] = fraction.map(|byte| byte.wrapping_sub(b'0'));
    if tens > 9 || units > 9 {
        return None;
    }
    let value = value * 100 + i64::from(tens * 10 + units);
    Some(if negative { -value } else { value })
}

fn extract(input: ImporterInput) -> ImporterOutput {
    let mut rows = 0u64;
    let mut total = 0i64;
    let mut last_date: &[u8] = b"1970-01-01";
    let mut warnings = Vec::new();
    let mut rest = input.content.as_slice();
    let mut number = 0usize;
    while !rest.is_empty() {
        number += 1;
        // The date has a fixed width, so it is checked first; a valid date and comma hold no
        // line end, so the search for it starts after them.
        let dated = rest
            .first_chunk::<11>()
            .is_some_and(|head| head[10] == b',' && is_date(&head[..10]));
        let from = if dated { 11 } else { 0 };
        let line;
        (line, rest) = match find(&rest[from..], b'\n') {
            Some(end) => (&rest[..from + end], &rest[from + end + 1..]),
            None => (rest, &[][..]),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if !dated {
            let problem = if find(line, b',').is_some() {
                "expected a YYYY-MM-DD date"
            } else {
                "expected date,payee,amount"
            };
            let line = number;
            warnings.push(format!("line {line}: {problem}"));
            continue;
        }
        let date = &line[..10];
        // The amount is the last field, and short.
        let last = find_last(line, b',').unwrap_or(10);
        if last == 10 {
            let line = number;
            warnings.push(format!("line {line}: expected date,payee,amount"));
            continue;
        }
        let Some(amount) = cents(line, last + 1) else {
            let line = number;
            warnings.push(format!("line {line}: bad amount"));
            continue;
        };
        let Some(sum) = total.checked_add(amount) else {
            let line = number;
            warnings.push(format!("line {line}: the total overflows"));
            continue;
        };
        rows += 1;
        total = sum;
        last_date = date;
    }
    let sign = if total < 0 { "-" } else { "" };
    let comment = format!(
        "{rows} rows, total {sign}{}.{:02}",
        total.unsigned_abs() / 100,
        total.unsigned_abs() % 100
    );
    let note = DirectiveWrapper {
        directive_type: String::new(),
        date: String::from_utf8_lossy(last_date).into_owned(),
        filename: None,
        lineno: None,
        data: DirectiveData::Note(NoteData {
            account: input.account,
            comment,
            metadata: Vec::new(),
        }),
    };
    ImporterOutput {
        directives: vec![note],
        warnings,
        errors: Vec::new(),
    }
}

wasm_importer_main! {
    name: "bench-csv",
    description: "Totals a date,payee,amount CSV statement",
    identify: identify,
    extract: extract,
}
