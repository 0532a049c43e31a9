//! What the borrowed view ([`crate::view`]) reads and writes with: the plugin input's frame
//! (where each directive starts, the options, the config), a directive's keys looked up on
//! demand with their values borrowed from the input, and an edited directive assembled from
//! unchanged spans of its input bytes and the changed values.
//!
//! Nothing here builds a directive: a directive nobody reads costs one walk over its bytes
//! when the frame is taken. In the host's layout that walk is straight-line code per kind,
//! read through a window with one bounds check per directive, and it notes where the
//! directive's own keys, its last value and a transaction's postings start; a lookup of any
//! other key steps over the keys before it.

use core::mem::MaybeUninit;
use std::borrow::Cow;

use rlplugin_types::{DirectiveWrapper, PluginOptions};

#[cfg(not(rlplugin_small))]
use super::read::HIGH_BITS;
use super::read::{ErrorSink, KeyCode, Reader, capacity, key_code};
use super::schema::{self, key};
use super::{DecodeError, decode, write};
use crate::view::Kind;

/// The plugin input with its directives located but not decoded.
pub(crate) struct Frame<'a> {
    /// The whole input.
    pub(crate) bytes: &'a [u8],
    /// The first error a read of a directive's field met.
    pub(crate) errors: ErrorSink,
    /// Each directive, in input order.
    pub(crate) directives: Vec<Loc>,
    /// Where each posting of each transaction found in exactly the host's layout starts,
    /// transaction by transaction ([`Loc::postings`]).
    pub(crate) postings: Vec<usize>,
    pub(crate) options: PluginOptions,
    pub(crate) config: Option<&'a str>,
}

/// Where one directive is and what the walk that located it saw: one record per directive,
/// so locating a ledger pushes once per directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Loc {
    /// Where the directive's map starts.
    pub(crate) start: usize,
    /// Its length in bytes ([`end`](Self::end)). This and the other offsets count from
    /// [`start`](Self::start), as the walk does: none costs an addition per directive.
    pub(crate) len: usize,
    /// How far past the start its own keys start (after its `type`), or 0 when not found
    /// ([`own`](Self::own)).
    pub(crate) own_offset: usize,
    /// How far past the start the value of its last own key starts (a transaction's
    /// postings), or 0 when not found ([`tail`](Self::tail)).
    pub(crate) tail_offset: usize,
    /// Its kind as found while locating it ([`Kind`] as `u8`), or [`UNKNOWN_KIND`] when it
    /// was not where the host writes it.
    pub(crate) kind: u8,
    /// [`NOT_EXACT`] unless it is laid out exactly as the host writes it
    /// ([`exact`](Self::exact)); then, for a transaction with fewer than 65,536 postings,
    /// where its postings' starts begin in [`Frame::postings`]. One field for both, so
    /// locating a directive stores one fewer.
    pub(crate) postings: usize,
}

/// What [`Loc::postings`] holds for a directive not laid out exactly as the host writes it.
pub(crate) const NOT_EXACT: usize = usize::MAX;

impl Loc {
    /// Whether it is laid out exactly as the host writes it (its header keys, then its
    /// kind's own keys in the schema's order, each once, no others, a file name only when
    /// it has one): an edit then copies what it does not change without walking it again.
    pub(crate) const fn exact(&self) -> bool {
        self.postings != NOT_EXACT
    }

    /// Where the directive ends.
    pub(crate) const fn end(&self) -> usize {
        self.start + self.len
    }

    /// Where its own keys start, or 0 when not found.
    pub(crate) const fn own(&self) -> usize {
        if self.own_offset == 0 {
            0
        } else {
            self.start + self.own_offset
        }
    }

    /// Where the value of its last own key starts, or 0 when not found.
    pub(crate) const fn tail(&self) -> usize {
        if self.tail_offset == 0 {
            0
        } else {
            self.start + self.tail_offset
        }
    }
}

const PLUGIN_INPUT: &str = "plugin input (an array of 3)";
const DIRECTIVES: &str = "directives (an array)";
const CONFIG: &str = "config (a string or nil)";
const DIRECTIVE: &str = "a directive (a map)";

/// Locates every directive of a `PluginInput` (checking that each is one complete value)
/// and decodes the options and the config.
///
/// # Errors
///
/// Input that is not a `PluginInput`'s frame, with the offset of the first bad value.
// Out of line: inlined into the plugin's entry, the walk compiled to more instructions
// per directive.
#[cfg_attr(not(rlplugin_small), inline(never))]
pub(crate) fn frame(bytes: &[u8]) -> Result<Frame<'_>, DecodeError> {
    let sink = ErrorSink::default();
    let mut r = Reader::new(bytes, &sink);
    let len = r.struct_len(PLUGIN_INPUT, 2);
    let count = r.array_len(DIRECTIVES);
    let mut directives = Vec::with_capacity(capacity(count, &r, 1));
    // A guess (most directives of most ledgers are transactions of two or three postings,
    // or prices): the list grows if it is short.
    let mut postings = Vec::with_capacity(capacity(count, &r, 1).saturating_mul(2));
    let mut pos = r.pos();
    for _ in 0..count {
        if let Some(end) = locate(bytes, pos, &mut directives, &mut postings) {
            pos = end;
            continue;
        }
        // Not the host's layout (or malformed): the reader's walk, which judges it.
        r.seek(pos);
        let entries = r.map_len(DIRECTIVE);
        skip_n(&mut r, 2 * entries as u64);
        if r.failed() {
            break;
        }
        directives.push(Loc {
            start: pos,
            len: r.pos() - pos,
            own_offset: 0,
            tail_offset: 0,
            kind: UNKNOWN_KIND,
            postings: NOT_EXACT,
        });
        pos = r.pos();
    }
    r.seek(pos);
    let options = decode::plugin_options(&mut r);
    let mut config = None;
    if len >= 3 && !r.nil() {
        let text = r.str(CONFIG);
        config = Some(r.pos() - text.len()..r.pos());
    }
    r.skip_extra(len, 3);
    r.finish(())?;
    // The reader's strings live as long as its error sink, a local: the config is taken
    // from the input again, where the reader found valid UTF-8.
    let config = config.and_then(|span| bytes.get(span).and_then(|b| core::str::from_utf8(b).ok()));
    Ok(Frame {
        bytes,
        errors: ErrorSink::default(),
        directives,
        postings,
        options,
        config,
    })
}

/// Skips one value (see [`skip_n`]).
#[cfg_attr(not(rlplugin_small), inline(always))]
fn skip(r: &mut Reader<'_>) {
    skip_n(r, 1);
}

/// How the skip steps over a value by its marker byte: the low byte is the bytes the
/// marker and its payload take (0: read the length, or leave the value to the reader's
/// general skip), the high byte the child values an array or map header adds.
static STEP: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut marker = 0;
    while marker < 256 {
        let m = marker as u16;
        let (len, children) = match marker as u8 {
            0x00..=0x7f | 0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => (1, 0),
            0xa0..=0xbf => (1 + (m & 0x1f), 0),
            0x90..=0x9f => (1, m & 0x0f),
            0x80..=0x8f => (1, 2 * (m & 0x0f)),
            0xcc | 0xd0 => (2, 0),
            0xcd | 0xd1 => (3, 0),
            0xca | 0xce | 0xd2 => (5, 0),
            0xcb | 0xcf | 0xd3 => (9, 0),
            _ => (0, 0),
        };
        table[marker] = len | children << 8;
        marker += 1;
    }
    table
};

/// Skips `count` values. Nearly every value the host writes has a marker whose byte alone
/// says how far to step and how many child values follow ([`STEP`]), plus str8 strings: one
/// table lookup each. At any other marker, or when a value runs past the end of the input,
/// the reader's general skip walks the same values again, and reports what is wrong.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn skip_n(r: &mut Reader<'_>, count: u64) {
    if count == 0 {
        return;
    }
    let rest = r.rest();
    let mut at = 0;
    // Every value takes at least one byte, so the loop ends at the end of the input
    // whatever the headers announce.
    let mut pending = count;
    while let Some(&marker) = rest.get(at) {
        let step = STEP[usize::from(marker)];
        let len = usize::from(step as u8);
        if marker & 0xe0 == 0xa0 {
            // A fixstr, most values and every key: no table load.
            at += 1 + usize::from(marker & 0x1f);
        } else if len != 0 {
            at += len;
            pending += u64::from(step >> 8);
        } else if marker == 0xd9
            && let Some(&len) = rest.get(at + 1)
        {
            at += 2 + usize::from(len);
        } else {
            break;
        }
        pending -= 1;
        if pending == 0 {
            if at > rest.len() {
                break;
            }
            let end = r.pos() + at;
            r.seek(end);
            return;
        }
    }
    r.skip(usize::try_from(count).unwrap_or(usize::MAX));
}

/// Byte `i` of `text` encoded as a fixstr: the marker, then the text.
const fn fixstr_byte(text: &[u8], i: usize) -> u64 {
    if i == 0 {
        0xa0 | text.len() as u64
    } else {
        text[i - 1] as u64
    }
}

/// A key the view reads: how the reader recognises it and what a decode error says its
/// value should be, both from the schema.
#[derive(Clone, Copy)]
pub(crate) struct Key {
    code: KeyCode,
    label: &'static str,
    /// The key as the host encodes it (a fixstr), for a word compare: its length with the
    /// marker, its first eight bytes (zero-padded) and, past eight, its last eight.
    len: usize,
    first: u64,
    last: u64,
    /// For each [`Kind`], the key's position among the kind's own keys, or [`NOT_OWN`].
    own: [u8; 12],
}

impl Key {
    const fn of(kind: &schema::Kind, key: &str) -> Self {
        Self::new(key, kind.field(key).label)
    }

    const fn header(field: schema::Field) -> Self {
        Self::new(field.key, field.label)
    }

    const fn new(key: &str, label: &'static str) -> Self {
        let text = key.as_bytes();
        assert!(text.len() < 16, "a key compared in at most two words");
        let len = 1 + text.len();
        let mut first = 0;
        let mut i = 0;
        while i < len && i < 8 {
            first |= fixstr_byte(text, i) << (8 * i);
            i += 1;
        }
        let mut last = 0;
        if len > 8 {
            let mut j = 0;
            while j < 8 {
                last |= fixstr_byte(text, len - 8 + j) << (8 * j);
                j += 1;
            }
        }
        let mut own = [NOT_OWN; 12];
        let mut kind = 0;
        while kind < SCHEMA_KINDS.len() {
            let fields = SCHEMA_KINDS[kind].fields;
            let mut field = 0;
            while field < fields.len() {
                if schema::same(fields[field].key, key) {
                    own[kind] = field as u8;
                }
                field += 1;
            }
            kind += 1;
        }
        Self {
            code: key_code(key),
            label,
            len,
            first,
            last,
            own,
        }
    }

    /// Whether `bytes` start with this key as the host encodes it.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn starts(&self, bytes: &[u8]) -> bool {
        match bytes.first_chunk::<16>() {
            Some(window) => self.starts_window(window),
            None => self.starts_near_end(bytes),
        }
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn starts_window(&self, window: &[u8; 16]) -> bool {
        let word = |at: usize| {
            let mut w = [0; 8];
            w.copy_from_slice(&window[at..at + 8]);
            u64::from_le_bytes(w)
        };
        let mask = if self.len >= 8 {
            u64::MAX
        } else {
            (1 << (8 * self.len)) - 1
        };
        word(0) & mask == self.first && (self.len <= 8 || word(self.len - 8) == self.last)
    }

    /// Within sixteen bytes of the end of the input: the same compare on a padded copy.
    #[cold]
    fn starts_near_end(&self, bytes: &[u8]) -> bool {
        let mut window = [0; 16];
        window[..bytes.len()].copy_from_slice(bytes);
        bytes.len() >= self.len && self.starts_window(&window)
    }
}

pub(crate) const DATE: Key = Key::header(schema::DATE);
pub(crate) const FILENAME: Key = Key::header(schema::FILENAME);
pub(crate) const LINENO: Key = Key::header(schema::LINENO);
const TYPE: Key = Key::header(schema::TYPE);
/// Every kind that has an account labels it alike; the balance's stands for all of them.
pub(crate) const ACCOUNT: Key = Key::of(&schema::BALANCE, key::ACCOUNT);
pub(crate) const CURRENCY: Key = Key::of(&schema::PRICE, key::CURRENCY);
pub(crate) const AMOUNT: Key = Key::of(&schema::PRICE, key::AMOUNT);
pub(crate) const FLAG: Key = Key::of(&schema::TRANSACTION, key::FLAG);
pub(crate) const PAYEE: Key = Key::of(&schema::TRANSACTION, key::PAYEE);
pub(crate) const NARRATION: Key = Key::of(&schema::TRANSACTION, key::NARRATION);
pub(crate) const TAGS: Key = Key::of(&schema::TRANSACTION, key::TAGS);
pub(crate) const LINKS: Key = Key::of(&schema::TRANSACTION, key::LINKS);
pub(crate) const POSTINGS: Key = Key::of(&schema::TRANSACTION, key::POSTINGS);

const K_TRANSACTION: KeyCode = key_code(schema::TRANSACTION.name);
const K_BALANCE: KeyCode = key_code(schema::BALANCE.name);
const K_OPEN: KeyCode = key_code(schema::OPEN.name);
const K_CLOSE: KeyCode = key_code(schema::CLOSE.name);
const K_COMMODITY: KeyCode = key_code(schema::COMMODITY.name);
const K_PAD: KeyCode = key_code(schema::PAD.name);
const K_EVENT: KeyCode = key_code(schema::EVENT.name);
const K_NOTE: KeyCode = key_code(schema::NOTE.name);
const K_DOCUMENT: KeyCode = key_code(schema::DOCUMENT.name);
const K_PRICE: KeyCode = key_code(schema::PRICE.name);
const K_QUERY: KeyCode = key_code(schema::QUERY.name);
const K_CUSTOM: KeyCode = key_code(schema::CUSTOM.name);

/// Labels of the values inside a key's value, as the general decoder gives them.
pub(crate) const NUMBER_LABEL: &str = "an amount's number (a string)";
pub(crate) const CURRENCY_LABEL: &str = "an amount's currency (a string)";
pub(crate) const POSTING_LABEL: &str = "a posting (an array of 7)";
/// A posting's elements before the optional trailing span.
pub(crate) const POSTING_MIN: usize = 6;
pub(crate) const POSTING_ACCOUNT_LABEL: &str = "a posting account (a string)";
pub(crate) const POSTING_FLAG_LABEL: &str = "a posting flag (a string or nil)";

/// What [`Loc::kind`] holds for a directive whose kind was not found on the way.
pub(crate) const UNKNOWN_KIND: u8 = u8::MAX;

/// The kind whose name has the code `code`.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn kind_named(code: KeyCode) -> Option<Kind> {
    Some(match code {
        K_TRANSACTION => Kind::Transaction,
        K_BALANCE => Kind::Balance,
        K_OPEN => Kind::Open,
        K_CLOSE => Kind::Close,
        K_COMMODITY => Kind::Commodity,
        K_PAD => Kind::Pad,
        K_EVENT => Kind::Event,
        K_NOTE => Kind::Note,
        K_DOCUMENT => Kind::Document,
        K_PRICE => Kind::Price,
        K_QUERY => Kind::Query,
        K_CUSTOM => Kind::Custom,
        _ => return None,
    })
}

/// The kind [`Loc::kind`] records as `code`.
pub(crate) const fn kind_from_u8(code: u8) -> Option<Kind> {
    Some(match code {
        0 => Kind::Transaction,
        1 => Kind::Balance,
        2 => Kind::Open,
        3 => Kind::Close,
        4 => Kind::Commodity,
        5 => Kind::Pad,
        6 => Kind::Event,
        7 => Kind::Note,
        8 => Kind::Document,
        9 => Kind::Price,
        10 => Kind::Query,
        11 => Kind::Custom,
        _ => return None,
    })
}

/// The value of a kind's `type` key.
pub(crate) const fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Transaction => schema::TRANSACTION.name,
        Kind::Balance => schema::BALANCE.name,
        Kind::Open => schema::OPEN.name,
        Kind::Close => schema::CLOSE.name,
        Kind::Commodity => schema::COMMODITY.name,
        Kind::Pad => schema::PAD.name,
        Kind::Event => schema::EVENT.name,
        Kind::Note => schema::NOTE.name,
        Kind::Document => schema::DOCUMENT.name,
        Kind::Price => schema::PRICE.name,
        Kind::Query => schema::QUERY.name,
        Kind::Custom => schema::CUSTOM.name,
    }
}

/// The most keys of its own a kind has.
const MAX_FIELDS: usize = 7;

/// A kind's own keys in wire order, as the reader recognises them: the schema's
/// declaration, reduced at compile time to what an edit compares at run time.
struct Codes {
    len: usize,
    /// The keys as the host encodes them, for an edit's word compares.
    keys: [Key; MAX_FIELDS],
    /// What each key's value holds, for the walk's [`skip_shaped`].
    values: [schema::Value; MAX_FIELDS],
}

impl Codes {
    const fn of(kind: &schema::Kind) -> Self {
        let mut keys = [Key::new("", ""); MAX_FIELDS];
        let mut values = [schema::Value::Kind; MAX_FIELDS];
        let mut i = 0;
        while i < kind.fields.len() {
            keys[i] = Key::new(kind.fields[i].key, kind.fields[i].label);
            values[i] = kind.fields[i].value;
            i += 1;
        }
        Self {
            len: kind.fields.len(),
            keys,
            values,
        }
    }
}

/// The own keys of each [`Kind`], in the order of its variants.
static CODES: [Codes; 12] = CODES_BY_KIND;

/// [`CODES`] as a constant, for code generated for one kind at compile time.
const CODES_BY_KIND: [Codes; 12] = {
    let mut codes = [const { Codes::of(&schema::TRANSACTION) }; 12];
    let mut kind = 0;
    while kind < SCHEMA_KINDS.len() {
        codes[kind] = Codes::of(SCHEMA_KINDS[kind]);
        kind += 1;
    }
    codes
};

/// The schema's declaration of each [`Kind`], in the order of its variants.
const SCHEMA_KINDS: [&schema::Kind; 12] = [
    &schema::TRANSACTION,
    &schema::BALANCE,
    &schema::OPEN,
    &schema::CLOSE,
    &schema::COMMODITY,
    &schema::PAD,
    &schema::EVENT,
    &schema::NOTE,
    &schema::DOCUMENT,
    &schema::PRICE,
    &schema::QUERY,
    &schema::CUSTOM,
];

/// What [`Key::own`] holds for a kind without the key.
const NOT_OWN: u8 = u8::MAX;

/// The position after a fixstr or str8 at `at`.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn text(b: &[u8], at: usize) -> Option<usize> {
    let marker = *b.get(at)?;
    if marker & 0xe0 == 0xa0 {
        Some(at + 1 + usize::from(marker & 0x1f))
    } else if marker == 0xd9 {
        Some(at + 2 + usize::from(*b.get(at + 1)?))
    } else {
        None
    }
}

/// The position after an unsigned integer of at most 32 bits at `at`.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn uint(b: &[u8], at: usize) -> Option<usize> {
    match *b.get(at)? {
        0x00..=0x7f => Some(at + 1),
        0xcc => Some(at + 2),
        0xcd => Some(at + 3),
        0xce => Some(at + 5),
        _ => None,
    }
}

/// The position after the value at `at`: one step of [`skip_n`]'s table walk, for the
/// values whose shape the walk does not predict.
#[cfg_attr(not(rlplugin_small), inline(never))]
fn any(b: &[u8], at: usize) -> Option<usize> {
    let mut at = at;
    let mut pending: u64 = 1;
    while pending > 0 {
        let marker = *b.get(at)?;
        let step = STEP[usize::from(marker)];
        let len = usize::from(step as u8);
        if marker & 0xe0 == 0xa0 {
            at += 1 + usize::from(marker & 0x1f);
        } else if len != 0 {
            at += len;
            pending += u64::from(step >> 8);
        } else if marker == 0xd9 {
            at += 2 + usize::from(*b.get(at + 1)?);
        } else {
            return None;
        }
        pending -= 1;
    }
    Some(at)
}

/// The position after `n` values at `at`, each read by `each`.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn each(b: &[u8], at: usize, each: impl Fn(&[u8], usize) -> Option<usize>) -> Option<usize> {
    let marker = *b.get(at)?;
    if marker & 0xf0 != 0x90 {
        return any(b, at);
    }
    let mut at = at + 1;
    for _ in 0..marker & 0x0f {
        at = each(b, at)?;
    }
    Some(at)
}

/// The position after a posting at `at`, laid out as the host writes one: account, units,
/// cost, price, flag, metadata, span.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn posting(b: &[u8], at: usize) -> Option<usize> {
    if *b.get(at)? != 0x97 {
        return any(b, at);
    }
    let mut at = text(b, at + 1)?;
    at = match *b.get(at)? {
        0xc0 => at + 1,
        0x92 => text(b, text(b, at + 1)?)?,
        _ => any(b, at)?,
    };
    // Cost and price: nil, or left to the table walk.
    for _ in 0..2 {
        at = if *b.get(at)? == 0xc0 {
            at + 1
        } else {
            any(b, at)?
        };
    }
    at = if *b.get(at)? == 0xc0 {
        at + 1
    } else {
        text(b, at)?
    };
    at = if *b.get(at)? == 0x90 {
        at + 1
    } else {
        any(b, at)?
    };
    match *b.get(at)? {
        0xc0 => Some(at + 1),
        0x93 => uint(b, uint(b, uint(b, at + 1)?)?),
        _ => any(b, at),
    }
}

/// The position after a list of postings at `at`, each read by [`posting`] (a loop of its
/// own: through [`each`] the posting's walk stays a call per posting).
#[cfg_attr(not(rlplugin_small), inline(always))]
fn postings(b: &[u8], at: usize) -> Option<usize> {
    let marker = *b.get(at)?;
    if marker & 0xf0 != 0x90 {
        return any(b, at);
    }
    let mut at = at + 1;
    for _ in 0..marker & 0x0f {
        at = posting(b, at)?;
    }
    Some(at)
}

/// The position after a value the schema declares as `value`, read in the shape the host
/// writes it; any other shape takes the table walk.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn skip_shaped(b: &[u8], at: usize, value: schema::Value) -> Option<usize> {
    use schema::Value;
    let marker = *b.get(at)?;
    match value {
        Value::Text | Value::Kind => text(b, at).or_else(|| any(b, at)),
        Value::OptText | Value::OptUint if marker == 0xc0 => Some(at + 1),
        Value::OptText => text(b, at).or_else(|| any(b, at)),
        Value::OptUint => uint(b, at).or_else(|| any(b, at)),
        Value::Texts => each(b, at, |b, at| text(b, at).or_else(|| any(b, at))),
        Value::Amount if marker == 0x92 => text(b, text(b, at + 1)?),
        Value::Metadata if marker == 0x90 => Some(at + 1),
        Value::Postings => postings(b, at),
        Value::Amount | Value::Metadata | Value::Values => any(b, at),
    }
}

/// The encoded kind names, in the order of [`Kind`]'s variants.
const KIND_NAMES: [Key; 12] = [
    Key::new(schema::TRANSACTION.name, ""),
    Key::new(schema::BALANCE.name, ""),
    Key::new(schema::OPEN.name, ""),
    Key::new(schema::CLOSE.name, ""),
    Key::new(schema::COMMODITY.name, ""),
    Key::new(schema::PAD.name, ""),
    Key::new(schema::EVENT.name, ""),
    Key::new(schema::NOTE.name, ""),
    Key::new(schema::DOCUMENT.name, ""),
    Key::new(schema::PRICE.name, ""),
    Key::new(schema::QUERY.name, ""),
    Key::new(schema::CUSTOM.name, ""),
];

/// The eight bytes at `at`, little-endian.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn word(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(*b.get(at..)?.first_chunk::<8>()?))
}

/// Keeps the first `len` bytes of a word.
#[cfg_attr(not(rlplugin_small), inline(always))]
const fn mask(len: usize) -> u64 {
    if len >= 8 {
        u64::MAX
    } else {
        (1 << (8 * len)) - 1
    }
}

/// The kinds in the order a ledger has most of them, for [`kind_in`] to try.
const BY_FREQUENCY: [Kind; 12] = [
    Kind::Price,
    Kind::Transaction,
    Kind::Balance,
    Kind::Open,
    Kind::Close,
    Kind::Commodity,
    Kind::Document,
    Kind::Note,
    Kind::Pad,
    Kind::Event,
    Kind::Query,
    Kind::Custom,
];

/// The kind whose encoded name is at `at` ([`UNKNOWN_KIND`] for any other value).
#[cfg_attr(not(rlplugin_small), inline(always))]
fn kind_in(b: &[u8], at: usize) -> Option<u8> {
    let first = word(b, at)?;
    let marker = first as u8;
    if marker & 0xe0 != 0xa0 {
        return Some(UNKNOWN_KIND);
    }
    let len = 1 + usize::from(marker & 0x1f);
    let first = first & mask(len);
    for kind in BY_FREQUENCY {
        let name = &KIND_NAMES[kind as usize];
        if name.first == first && (len <= 8 || word(b, at + len - 8) == Some(name.last)) {
            return Some(kind as u8);
        }
    }
    Some(UNKNOWN_KIND)
}

/// Locates the directive map at `at`: where it ends, where its own keys start, where its
/// last key's value starts, and its kind. Walks it in the host's layout, each value in the
/// shape the schema declares; `None` at anything the walk does not handle (a long map, a
/// long string, the end of the input), for the reader's general skip to walk and judge.
///
/// Pushes what it found onto `directives` and returns where the directive ends. The host
/// layout's walk pushes its own record, so its fields go straight from the walk into the
/// list rather than through a record shared with the general walk.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn locate(
    b: &[u8],
    at: usize,
    directives: &mut Vec<Loc>,
    postings: &mut Vec<usize>,
) -> Option<usize> {
    let mark = postings.len();
    if let Some(found) = locate_host(b, at, postings) {
        directives.push(found);
        return Some(found.end());
    }
    postings.truncate(mark);
    let found = locate_general(b, at)?;
    directives.push(found);
    Some(found.end())
}

#[cfg(rlplugin_small)]
// The small build notes no posting starts: its walk is the general one.
fn locate(
    b: &[u8],
    at: usize,
    directives: &mut Vec<Loc>,
    _postings: &mut [usize],
) -> Option<usize> {
    let found = locate_general(b, at)?;
    directives.push(found);
    Some(found.end())
}

/// The map's first eight bytes when it starts as the host writes every directive: a short
/// map whose first key is `date`, a string of ten bytes.
#[cfg(not(rlplugin_small))]
const DATE_START: u64 = 0x80 | DATE.first << 8 | 0xaa << (8 * (1 + DATE.len));
/// The bytes [`DATE_START`] compares: all but the map's length, the date's first two.
#[cfg(not(rlplugin_small))]
const DATE_MASK: u64 = mask(2 + DATE.len) & !0x0f;
/// The `lineno` key followed by the marker of a 16-bit unsigned integer.
#[cfg(not(rlplugin_small))]
const LINENO_16: u64 = LINENO.first | 0xcd << (8 * LINENO.len);
/// The last seven bytes of the `filename` key followed by a str8's marker.
#[cfg(not(rlplugin_small))]
const FILENAME_STR8: u64 = key_then(&FILENAME, Some(0xd9));
/// From the map's start past the date's value.
#[cfg(not(rlplugin_small))]
const DATE_END: usize = 1 + DATE.len + 11;

/// How far past a directive's start [`Window`] reads: longer directives (a transaction with
/// dozens of postings) take [`locate_general`].
#[cfg(not(rlplugin_small))]
pub(crate) const WINDOW: usize = 4096;

/// The input from a directive's start on, read at offsets from that start without a bounds
/// check each: every offset is wrapped into the window, whose bytes all exist, so a walk
/// that ran past the window reads bytes of no meaning (never out of bounds) and is caught
/// once, at its end ([`Window::fits`]). Offsets only grow along a walk, so an end inside the
/// window means every read was.
///
/// A step wraps its position once ([`Window::from`]) and reads at constant offsets from
/// there, which the compiler folds into the loads instead of wrapping each.
#[cfg(not(rlplugin_small))]
#[derive(Clone, Copy)]
struct Window<'a> {
    bytes: &'a [u8; WINDOW + REACH],
}

/// How many bytes past a position in the window one step of the walk reads ([`Window::from`]):
/// the longest run of constants it compares (a [`Head`]) and a word.
#[cfg(not(rlplugin_small))]
pub(crate) const REACH: usize = 64;

#[cfg(not(rlplugin_small))]
impl<'a> Window<'a> {
    /// The window at `start`; `None` within a window's length of the input's end.
    #[inline(always)]
    fn new(input: &'a [u8], start: usize) -> Option<Self> {
        // The window's end compared with the input's once: a range whose end wrapped
        // below its start is refused as well.
        let end = start.wrapping_add(WINDOW + REACH);
        let bytes = input.get(start..end)?.first_chunk::<{ WINDOW + REACH }>()?;
        Some(Self { bytes })
    }

    /// The [`REACH`] bytes from `at` (wrapped into the window) on: a step's reads at
    /// constant offsets from `at`, none checked.
    #[inline(always)]
    fn from(&self, at: usize) -> &'a [u8; REACH] {
        const NOWHERE: [u8; REACH] = [0; REACH];
        // A wrapped position is below the window's length, so the chunk always exists; the
        // compiler sees that and drops the other arm.
        match self
            .bytes
            .get(at % WINDOW..)
            .and_then(<[u8]>::first_chunk::<REACH>)
        {
            Some(bytes) => bytes,
            None => &NOWHERE,
        }
    }

    #[inline(always)]
    fn byte(&self, at: usize) -> u8 {
        self.from(at)[0]
    }

    /// The eight bytes at `at`, little-endian.
    #[inline(always)]
    fn word(&self, at: usize) -> u64 {
        word_in(self.from(at), 0)
    }

    /// Whether a walk that ended at `end` read only inside the window.
    #[inline(always)]
    const fn fits(end: usize) -> bool {
        end < WINDOW
    }

    /// After a value the walk does not predict: [`any`]'s table walk through the window.
    /// It stops at the window's end, where the walk has failed: each step moves on, so
    /// it ends whatever headers it reads.
    #[inline(always)]
    fn any(&self, at: usize) -> Option<usize> {
        returned(self.any_out(at))
    }

    /// [`any`](Self::any) out of line, [`FAILED`] where it answers `None`.
    #[inline(never)]
    fn any_out(self, at: usize) -> usize {
        self.any_walk(at).unwrap_or(FAILED)
    }

    /// [`any`](Self::any)'s walk, inlined into the out-of-line step.
    #[inline(always)]
    fn any_walk(self, at: usize) -> Option<usize> {
        let mut at = at;
        let mut pending: usize = 1;
        while pending > 0 {
            if !Self::fits(at) {
                return None;
            }
            let marker = self.byte(at);
            let step = STEP[usize::from(marker)];
            let len = usize::from(step as u8);
            if marker & 0xe0 == 0xa0 {
                at += 1 + usize::from(marker & 0x1f);
            } else if len != 0 {
                at += len;
                pending += usize::from(step >> 8);
            } else if marker == 0xd9 {
                at += 2 + usize::from(self.byte(at + 1));
            } else {
                return None;
            }
            pending -= 1;
        }
        Some(at)
    }

    /// After a fixstr or str8.
    #[inline(always)]
    fn text(&self, at: usize) -> Option<usize> {
        let bytes = self.from(at);
        let marker = bytes[0];
        if marker & 0xe0 == 0xa0 {
            Some(at + 1 + usize::from(marker & 0x1f))
        } else if marker == 0xd9 {
            Some(at + 2 + usize::from(bytes[1]))
        } else {
            None
        }
    }

    /// After an integer of at most 32 bits.
    #[inline(always)]
    fn uint(&self, at: usize) -> Option<usize> {
        match self.byte(at) {
            0x00..=0x7f => Some(at + 1),
            0xcc => Some(at + 2),
            0xcd => Some(at + 3),
            0xce => Some(at + 5),
            _ => None,
        }
    }

    /// After `key`, if `key` is what the host wrote at `at`.
    #[inline(always)]
    fn key(&self, at: usize, key: &Key) -> Option<usize> {
        let bytes = self.from(at);
        (word_in(bytes, 0) & mask(key.len) == key.first
            && (key.len <= 8 || word_in(bytes, key.len - 8) == key.last))
            .then_some(at + key.len)
    }

    /// After a value the schema declares as `value`, in the shape the host writes it; any
    /// other shape takes the table walk.
    #[inline(always)]
    fn value(&self, at: usize, value: schema::Value, postings: &mut Recorder<'_>) -> Option<usize> {
        use schema::Value;
        let bytes = self.from(at);
        let marker = bytes[0];
        match value {
            Value::OptText | Value::OptUint if marker == 0xc0 => Some(at + 1),
            Value::Text | Value::Kind | Value::OptText => self.text(at).or_else(|| self.any(at)),
            Value::OptUint => self.uint(at).or_else(|| self.any(at)),
            Value::Texts | Value::Metadata | Value::Postings | Value::Values if marker == 0x90 => {
                Some(at + 1)
            }
            Value::Texts if marker & 0xf0 == 0x90 => {
                let mut at = at + 1;
                for _ in 0..marker & 0x0f {
                    at = self.text(at).or_else(|| self.any(at))?;
                }
                Some(at)
            }
            Value::Amount if marker == 0x92 => self.text(self.text(at + 1)?),
            Value::Metadata => self.metadata(at),
            Value::Postings if marker & 0xf0 == 0x90 || marker == 0xdc => {
                let (count, mut at) = if marker == 0xdc {
                    let count = u16::from_be_bytes([bytes[1], bytes[2]]);
                    (usize::from(count), at + 3)
                } else {
                    (usize::from(marker & 0x0f), at + 1)
                };
                // Room for every start at once, rather than a check per posting.
                let starts = &mut *postings.starts;
                starts.reserve(count);
                let first = starts.len();
                for start in starts.spare_capacity_mut().get_mut(..count)? {
                    start.write(postings.base + at);
                    at = self.posting(at)?;
                }
                // SAFETY: the loop wrote the `count` slots past the list's length, which
                // `reserve` made room for.
                unsafe { starts.set_len(first + count) };
                Some(at)
            }
            _ => self.any(at),
        }
    }

    /// After a posting, laid out as the host writes one: account, units, cost, price, flag,
    /// metadata, span.
    #[inline(always)]
    fn posting(&self, at: usize) -> Option<usize> {
        if self.byte(at) != 0x97 {
            return self.any(at);
        }
        Some(self.posting_fields(at)?.0)
    }

    /// After a posting that is an array of 7, as the host writes one, and where its units
    /// start.
    #[inline(always)]
    fn posting_fields(&self, at: usize) -> Option<(usize, usize)> {
        let bytes = self.from(at);
        if bytes[0] != 0x97 {
            return None;
        }
        // The account's header is in the bytes at hand.
        let account = bytes[1];
        let units = if account & 0xe0 == 0xa0 {
            at + 2 + usize::from(account & 0x1f)
        } else {
            self.text(at + 1)?
        };
        let at = self.posting_tail(units)?;
        Some((at, units))
    }

    /// After a posting's units and the fields that follow them.
    #[inline(always)]
    fn posting_tail(&self, at: usize) -> Option<usize> {
        let bytes = self.from(at);
        let number = usize::from(bytes[1] & 0x1f);
        let at = match bytes[0] {
            // A short number: the currency's header is in the bytes at hand too.
            0x92 if bytes[1] & 0xe0 == 0xa0 => {
                let currency = bytes[2 + number];
                if currency & 0xe0 == 0xa0 {
                    at + 3 + number + usize::from(currency & 0x1f)
                } else {
                    self.text(at + 2 + number)?
                }
            }
            0x92 => self.text(self.text(at + 1)?)?,
            0xc0 => at + 1,
            _ => self.any(at)?,
        };
        // No cost, price or flag, no metadata, and a span: the usual posting's tail.
        let bytes = self.from(at);
        if word_in(bytes, 0) & mask(5) == POSTING_PLAIN_TAIL {
            return self.plain_tail(at, bytes);
        }
        self.posting_rest(at)
    }

    /// After a posting's price and the fields that follow it when the price is given per
    /// unit as an amount of two short strings, with no flag and no metadata: the price's
    /// header, the amount's and its number's are in the bytes at hand, and the price's nil
    /// number and currency, the nil flag, the empty metadata and the span's header are the
    /// same five bytes as the usual posting's tail ([`POSTING_PLAIN_TAIL`]). `None` for the
    /// steps one by one.
    #[inline(always)]
    fn per_unit_price_then_plain(&self, at: usize) -> Option<usize> {
        let bytes = self.from(at);
        if word_in(bytes, 0) & mask(3) != PER_UNIT_PRICE || bytes[3] & 0xe0 != 0xa0 {
            return None;
        }
        let currency = 4 + usize::from(bytes[3] & 0x1f);
        let marker = bytes[currency];
        if marker & 0xe0 != 0xa0 {
            return None;
        }
        let tail = at + currency + 1 + usize::from(marker & 0x1f);
        let bytes = self.from(tail);
        if word_in(bytes, 0) & mask(5) != POSTING_PLAIN_TAIL {
            return None;
        }
        self.plain_tail(tail, bytes)
    }

    /// After the usual posting's tail at `at` (no cost, price or flag, no metadata, then a
    /// span), whose bytes are `bytes`.
    #[inline(always)]
    fn plain_tail(&self, at: usize, bytes: &[u8; REACH]) -> Option<usize> {
        // The span's two offsets of the same width and a small file index: one compare of
        // the bytes already at hand instead of three steps.
        let span = word_in(bytes, 5);
        if span & SPAN_16_MASK == SPAN_16 {
            return Some(at + 5 + SPAN_16_LEN);
        }
        if span & SPAN_32_MASK == SPAN_32 && bytes[5 + SPAN_32_LEN - 1] < 0x80 {
            return Some(at + 5 + SPAN_32_LEN);
        }
        self.uint(self.uint(self.uint(at + 5)?)?)
    }

    /// After a posting's cost, price, flag, metadata and span, when they are not the usual
    /// posting's: out of line, so the usual posting's walk stays short.
    #[inline(always)]
    fn posting_rest(&self, at: usize) -> Option<usize> {
        returned(self.posting_rest_out(at))
    }

    /// [`posting_rest`](Self::posting_rest) out of line, [`FAILED`] where it answers `None`.
    #[inline(never)]
    fn posting_rest_out(self, at: usize) -> usize {
        self.posting_rest_walk(at).unwrap_or(FAILED)
    }

    /// [`posting_rest`](Self::posting_rest)'s walk, inlined into the out-of-line step.
    #[inline(always)]
    fn posting_rest_walk(self, at: usize) -> Option<usize> {
        let mut at = at;
        at = match self.byte(at) {
            0xc0 => at + 1,
            _ => self.cost(at).or_else(|| self.any(at))?,
        };
        at = match self.byte(at) {
            0xc0 => at + 1,
            _ => {
                if let Some(end) = self.per_unit_price_then_plain(at) {
                    return Some(end);
                }
                self.price(at).or_else(|| self.any(at))?
            }
        };
        at = self.opt_text(at)?;
        at = match self.byte(at) {
            0x90 => at + 1,
            _ => self.metadata(at)?,
        };
        match self.byte(at) {
            0xc0 => Some(at + 1),
            0x93 => self.uint(self.uint(self.uint(at + 1)?)?),
            _ => self.any(at),
        }
    }

    /// After a string or nil.
    #[inline(always)]
    fn opt_text(&self, at: usize) -> Option<usize> {
        if self.byte(at) == 0xc0 {
            Some(at + 1)
        } else {
            self.text(at)
        }
    }

    /// After a boolean.
    #[inline(always)]
    fn bool(&self, at: usize) -> Option<usize> {
        matches!(self.byte(at), 0xc2 | 0xc3).then_some(at + 1)
    }

    /// After a cost as the host writes one: `[number, currency, date, label, merge]`, its
    /// number nil or `[kind, numbers…]` of one or two numbers ([`schema::cost`]).
    #[inline(always)]
    fn cost(&self, at: usize) -> Option<usize> {
        let bytes = self.from(at);
        if bytes[0] != 0x95 {
            return None;
        }
        let mut at = at + 1;
        at = match bytes[1] {
            0xc0 => at + 1,
            // A number's kind and the number as fixstrs, as most are: both headers are in
            // the bytes at hand.
            0x92 if bytes[2] & 0xe0 == 0xa0
                && bytes[3 + usize::from(bytes[2] & 0x1f)] & 0xe0 == 0xa0 =>
            {
                let number = 3 + usize::from(bytes[2] & 0x1f);
                at + number + usize::from(bytes[number] & 0x1f)
            }
            0x92 => self.text(self.text(at + 1)?)?,
            0x93 => self.text(self.text(self.text(at + 1)?)?)?,
            _ => return None,
        };
        at = self.opt_text(self.opt_text(self.opt_text(at)?)?)?;
        self.bool(at)
    }

    /// After a price annotation as the host writes one: `[is_total, amount, number,
    /// currency]`, its amount nil or two strings.
    #[inline(always)]
    fn price(&self, at: usize) -> Option<usize> {
        if self.byte(at) != 0x94 {
            return None;
        }
        let mut at = self.bool(at + 1)?;
        at = match self.byte(at) {
            0xc0 => at + 1,
            0x92 => self.text(self.text(at + 1)?)?,
            _ => return None,
        };
        self.opt_text(self.opt_text(at)?)
    }

    /// After a metadata list as the host writes one: `[key, [type, value]]` pairs whose
    /// value is a string, an amount (two strings) or a boolean ([`schema::meta`]); a pair
    /// of any other shape takes the table walk. Out of line: most lists are empty, and
    /// the caller steps over those.
    #[inline(always)]
    fn metadata(&self, at: usize) -> Option<usize> {
        returned(self.metadata_out(at))
    }

    /// [`metadata`](Self::metadata) out of line, [`FAILED`] where it answers `None`.
    #[inline(never)]
    fn metadata_out(self, at: usize) -> usize {
        self.metadata_walk(at).unwrap_or(FAILED)
    }

    /// [`metadata`](Self::metadata)'s walk, inlined into the out-of-line step.
    #[inline(always)]
    fn metadata_walk(self, at: usize) -> Option<usize> {
        let marker = self.byte(at);
        if marker & 0xf0 != 0x90 {
            return self.any(at);
        }
        let mut at = at + 1;
        for _ in 0..marker & 0x0f {
            at = self.meta_pair(at).or_else(|| self.any(at))?;
        }
        Some(at)
    }

    /// After one metadata pair in the host's shape ([`metadata`](Self::metadata)).
    #[inline(always)]
    fn meta_pair(&self, at: usize) -> Option<usize> {
        // A key and a string value of short strings, as most are: every marker is in the
        // bytes at hand, and the value's header and type are one word.
        let bytes = self.from(at);
        let key = bytes[1];
        if bytes[0] == 0x92 && key & 0xe0 == 0xa0 {
            let value = 2 + usize::from(key & 0x1f);
            let text = bytes[value + 8];
            if word_in(bytes, value) == STRING_VALUE && text & 0xe0 == 0xa0 {
                return Some(at + value + 9 + usize::from(text & 0x1f));
            }
        }
        if self.byte(at) != 0x92 {
            return None;
        }
        let at = self.text(at + 1)?;
        if self.byte(at) != 0x92 {
            return None;
        }
        let at = self.text(at + 1)?;
        match self.byte(at) {
            0xc2 | 0xc3 => Some(at + 1),
            0x92 => self.text(self.text(at + 1)?),
            _ => self.text(at),
        }
    }

    /// The kind whose [`Head`] starts with `first`, the word at a directive's `type` key
    /// ([`UNKNOWN_KIND`] for any other word): the two kinds of most directives first, then
    /// the others in the order a ledger has most of them. The rest of the head is compared
    /// by [`own_keys`].
    #[inline(always)]
    fn kind(first: u64) -> u8 {
        if first == const { HEADS[Kind::Price as usize].words[0] } {
            return Kind::Price as u8;
        }
        if first == const { HEADS[Kind::Transaction as usize].words[0] } {
            return Kind::Transaction as u8;
        }
        for kind in BY_FREQUENCY {
            if first == HEADS[kind as usize].words[0] {
                return kind as u8;
            }
        }
        UNKNOWN_KIND
    }
}

/// What the window's out-of-line steps answer where they fail: a position past any window,
/// returned as one word where an `Option` would go through memory.
#[cfg(not(rlplugin_small))]
const FAILED: usize = usize::MAX;

/// An out-of-line step's answer as the walk takes it.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn returned(end: usize) -> Option<usize> {
    (end != FAILED).then_some(end)
}

/// The eight bytes at `at` of a step's bytes ([`Window::from`]), little-endian.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn word_in(bytes: &[u8; REACH], at: usize) -> u64 {
    // Every caller reads at a constant offset inside the bytes, so the compiler drops the
    // other arm; one outside them compares as zero, which no constant of the walk is.
    match bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        Some(word) => u64::from_le_bytes(*word),
        None => 0,
    }
}

/// What follows a directive's header in the host's layout, kind by kind: the `type` key,
/// the kind's name and its first own key, encoded as the host writes them, as words for a
/// compare: no key or name varies there, so the three are one constant.
#[cfg(not(rlplugin_small))]
#[derive(Clone, Copy)]
struct Head {
    /// Its length in bytes.
    len: usize,
    /// Where the kind's own keys start.
    own: usize,
    /// Its bytes from 0, 8 and 16 (zero-padded), and its last eight.
    words: [u64; 3],
    last: u64,
}

#[cfg(not(rlplugin_small))]
impl Head {
    const fn of(kind: &schema::Kind) -> Self {
        let mut bytes = [0u8; 40];
        let mut len = push_fixstr(&mut bytes, 0, schema::TYPE.key);
        len = push_fixstr(&mut bytes, len, kind.name);
        let own = len;
        len = push_fixstr(&mut bytes, len, kind.fields[0].key);
        assert!(
            len > 8 && len <= 32,
            "a head compared in at most four words"
        );
        Self {
            len,
            own,
            words: [word_of(&bytes, 0), word_of(&bytes, 8), word_of(&bytes, 16)],
            last: word_of(&bytes, len - 8),
        }
    }
}

/// A transaction's keys after its narration as the host writes them when its tags, links and
/// metadata are empty lists (most transactions'), up to its postings' value: no byte of the
/// run varies, so it is compared as words.
#[cfg(not(rlplugin_small))]
struct Run {
    len: usize,
    words: [u64; 4],
}

#[cfg(not(rlplugin_small))]
const EMPTY_THEN_POSTINGS: Run = {
    let fields = schema::TRANSACTION.fields;
    let mut bytes = [0u8; 40];
    let mut len = 0;
    let mut field = 3;
    while field < fields.len() {
        len = push_fixstr(&mut bytes, len, fields[field].key);
        if field + 1 < fields.len() {
            assert!(
                matches!(usual_marker(fields[field].value), Some(0x90)),
                "the run's keys before the postings hold lists"
            );
            bytes[len] = 0x90;
            len += 1;
        }
        field += 1;
    }
    assert!(
        len == 32 && schema::same(fields[fields.len() - 1].key, key::POSTINGS),
        "the run ends with the postings' key and fills four words"
    );
    Run {
        len,
        words: [
            word_of(&bytes, 0),
            word_of(&bytes, 8),
            word_of(&bytes, 16),
            word_of(&bytes, 24),
        ],
    }
};

/// Where the metadata's key starts in [`EMPTY_THEN_POSTINGS`], past the empty tags and
/// links, which the run's first two words hold.
#[cfg(not(rlplugin_small))]
const METADATA_IN_RUN: usize = {
    let fields = schema::TRANSACTION.fields;
    let metadata = fields.len() - 2;
    assert!(
        metadata == 5 && schema::same(fields[metadata].key, key::METADATA),
        "a transaction's metadata is its key 5, the one before its postings"
    );
    let at = EMPTY_THEN_POSTINGS.len - POSTINGS.len - 1 - (1 + fields[metadata].key.len());
    assert!(
        at <= 16,
        "the tags and links are in the run's first two words"
    );
    at
};

/// A transaction's flag as a fixstr of one character and its second key, which fill a
/// word: compared with the flag's character masked off ([`FLAG_CHAR`]).
#[cfg(not(rlplugin_small))]
struct FlagThen {
    len: usize,
    first: u64,
    /// What the second key's value holds.
    value: schema::Value,
}

/// The byte of [`FLAG_THEN_PAYEE`] that holds the flag's character.
#[cfg(not(rlplugin_small))]
const FLAG_CHAR: u64 = 0xff << 8;

#[cfg(not(rlplugin_small))]
const FLAG_THEN_PAYEE: FlagThen = {
    let fields = schema::TRANSACTION.fields;
    assert!(
        schema::same(fields[0].key, key::FLAG),
        "a transaction's own keys start with its flag"
    );
    let next = Key::new(fields[1].key, fields[1].label);
    assert!(2 + next.len == 8, "the flag and the next key fill a word");
    FlagThen {
        len: 2 + next.len,
        first: 0xa1 | next.first << 16,
        value: fields[1].value,
    }
};

/// The eight bytes of `bytes` at `at`, little-endian, at compile time.
#[cfg(not(rlplugin_small))]
const fn word_of(bytes: &[u8; 40], at: usize) -> u64 {
    let mut word = 0;
    let mut i = 0;
    while i < 8 {
        word |= (bytes[at + i] as u64) << (8 * i);
        i += 1;
    }
    word
}

/// Appends `text` encoded as a fixstr to `bytes[at..]`, returning where it ends.
#[cfg(not(rlplugin_small))]
const fn push_fixstr(bytes: &mut [u8; 40], at: usize, text: &str) -> usize {
    let text = text.as_bytes();
    let len = 1 + text.len();
    let mut i = 0;
    while i < len {
        bytes[at + i] = fixstr_byte(text, i) as u8;
        i += 1;
    }
    at + len
}

/// The [`Head`] of each [`Kind`], in the order of its variants; no two start with the same
/// word, so the first word names the kind.
#[cfg(not(rlplugin_small))]
const HEADS: [Head; 12] = {
    let mut heads = [Head::of(&schema::TRANSACTION); 12];
    let mut kind = 0;
    while kind < SCHEMA_KINDS.len() {
        heads[kind] = Head::of(SCHEMA_KINDS[kind]);
        let mut other = 0;
        while other < kind {
            assert!(
                heads[other].words[0] != heads[kind].words[0],
                "heads told apart by their first word"
            );
            other += 1;
        }
        kind += 1;
    }
    heads
};

/// The headers of a posting's price not given in total ([`Window::price`]) and of its
/// amount.
#[cfg(not(rlplugin_small))]
const PER_UNIT_PRICE: u64 = 0x92_c2_94;

/// A metadata value's header and its type when it is a string, which fill a word.
#[cfg(not(rlplugin_small))]
const STRING_VALUE: u64 = {
    let mut bytes = [0u8; 40];
    bytes[0] = 0x92;
    let len = push_fixstr(&mut bytes, 1, schema::meta::STRING);
    assert!(len == 8, "a string value's header and type fill a word");
    word_of(&bytes, 0)
};

/// A posting's cost, price and flag all nil, its metadata empty and its span's header.
#[cfg(not(rlplugin_small))]
const POSTING_PLAIN_TAIL: u64 = 0x93_90_c0_c0_c0;

/// A span's fields (after its header) as two 16-bit offsets and a file index below 128,
/// compared in the bytes [`SPAN_16_MASK`] keeps: both offsets' markers and the top bit of
/// the index.
#[cfg(not(rlplugin_small))]
const SPAN_16: u64 = 0xcd | 0xcd << 24;
#[cfg(not(rlplugin_small))]
const SPAN_16_MASK: u64 = 0xff | 0xff << 24 | 0x80 << 48;
#[cfg(not(rlplugin_small))]
const SPAN_16_LEN: usize = 7;
/// A span's fields as two 32-bit offsets, compared in the bytes [`SPAN_32_MASK`] keeps
/// (the offsets' markers); the file index, past the word, is compared on its own.
#[cfg(not(rlplugin_small))]
const SPAN_32: u64 = 0xce | 0xce << 40;
#[cfg(not(rlplugin_small))]
const SPAN_32_MASK: u64 = 0xff | 0xff << 40;
#[cfg(not(rlplugin_small))]
const SPAN_32_LEN: usize = 11;

/// [`locate`] in the host's layout: `date`, `filename` and `lineno` when the directive has
/// them, `type` with a kind the SDK knows, then exactly that kind's own keys, each value
/// stepped over in the shape the schema declares. `None` at any other layout, for
/// [`locate_general`].
#[cfg(not(rlplugin_small))]
#[inline(always)]
pub(crate) fn locate_host(b: &[u8], start: usize, postings: &mut Vec<usize>) -> Option<Loc> {
    let w = Window::new(b, start)?;
    let first_posting = postings.len();
    let postings = &mut Recorder {
        starts: postings,
        base: start,
    };
    let head = w.word(0);
    if head & DATE_MASK != DATE_START {
        return None;
    }
    let entries = (head & 0x0f) as usize;
    let mut at = DATE_END;
    let mut header = 2;
    let mut key = w.word(at);
    let bytes = w.from(at);
    if key == FILENAME.first && word_in(bytes, FILENAME.len - 7) == FILENAME_STR8 {
        // A path longer than a fixstr holds, as most are: the key's tail and the str8's
        // marker are one compare, and its length is the byte after.
        at += FILENAME.len + 2 + usize::from(bytes[FILENAME.len + 1]);
        header += 1;
        key = w.word(at);
    } else if key == FILENAME.first && w.key(at, &FILENAME).is_some() {
        at += FILENAME.len;
        at = if w.byte(at) == 0xc0 {
            at + 1
        } else {
            w.text(at)?
        };
        header += 1;
        key = w.word(at);
    }
    if key & mask(LINENO.len + 1) == LINENO_16 {
        // A line number of sixteen bits, as most are: the key and the number's marker are
        // one compare.
        at += LINENO.len + 3;
        header += 1;
        key = w.word(at);
    } else if key & mask(LINENO.len) == LINENO.first {
        at = w.uint(at + LINENO.len)?;
        header += 1;
        key = w.word(at);
    }
    let kind = Window::kind(key);
    // A map shorter than its header walks no own keys: no kind has none.
    let entries = entries.wrapping_sub(header);
    let (own, end, tail) = match kind_from_u8(kind)? {
        Kind::Transaction => own_keys::<{ Kind::Transaction as usize }>(w, at, entries, postings),
        Kind::Balance => own_keys::<{ Kind::Balance as usize }>(w, at, entries, postings),
        Kind::Open => own_keys::<{ Kind::Open as usize }>(w, at, entries, postings),
        Kind::Close => own_keys::<{ Kind::Close as usize }>(w, at, entries, postings),
        Kind::Commodity => own_keys::<{ Kind::Commodity as usize }>(w, at, entries, postings),
        Kind::Pad => own_keys::<{ Kind::Pad as usize }>(w, at, entries, postings),
        Kind::Event => own_keys::<{ Kind::Event as usize }>(w, at, entries, postings),
        Kind::Note => own_keys::<{ Kind::Note as usize }>(w, at, entries, postings),
        Kind::Document => own_keys::<{ Kind::Document as usize }>(w, at, entries, postings),
        Kind::Price => own_keys::<{ Kind::Price as usize }>(w, at, entries, postings),
        Kind::Query => own_keys::<{ Kind::Query as usize }>(w, at, entries, postings),
        Kind::Custom => own_keys::<{ Kind::Custom as usize }>(w, at, entries, postings),
    }?;
    Window::fits(end).then_some(Loc {
        start,
        len: end,
        own_offset: own,
        tail_offset: tail,
        kind,
        postings: first_posting,
    })
}

/// Where the own keys of a kind `KIND` directive whose `type` key is at `at` start, where
/// they end and where the last one's value starts, when it has exactly the kind's
/// `entries` keys, in the schema's order: the schema's declaration turned at compile time
/// into straight-line code, one step per key. The caller compared the [`Head`]'s first
/// word.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn own_keys<const KIND: usize>(
    w: Window<'_>,
    at: usize,
    entries: usize,
    postings: &mut Recorder<'_>,
) -> Option<(usize, usize, usize)> {
    let head = const { &HEADS[KIND] };
    let bytes = w.from(at);
    if entries != const { CODES_BY_KIND[KIND].len }
        || (head.len > 16 && word_in(bytes, 8) != head.words[1])
        || (head.len > 24 && word_in(bytes, 16) != head.words[2])
        || word_in(bytes, head.len - 8) != head.last
    {
        return None;
    }
    let own = at + head.own;
    let mut at = at + head.len;
    let mut tail = at;
    let mut narrated = false;
    if KIND == Kind::Price as usize
        && let Some(end) = short_price(w, at)
    {
        // The last value is the empty list, one byte.
        return Some((own, end, end - 1));
    } else if KIND == Kind::Transaction as usize
        && word_in(w.from(at), 0) & !FLAG_CHAR == FLAG_THEN_PAYEE.first
    {
        // A flag of one character, as the host writes every flag, then the payee's key:
        // one compare for both.
        tail = at + FLAG_THEN_PAYEE.len;
        if let Some((narration, end)) = short_payee_then_narration(w, tail) {
            // Past the third key already.
            tail = narration;
            at = end;
            narrated = true;
        } else {
            at = w.value(tail, FLAG_THEN_PAYEE.value, postings)?;
        }
    } else if let Some(after) = text_then_usual::<KIND>(w, at) {
        (tail, at) = after?;
    } else {
        at = w.value(at, const { CODES_BY_KIND[KIND].values[0] }, postings)?;
        own_key::<KIND, 1>(w, &mut at, &mut tail, postings)?;
    }
    if !narrated {
        own_key::<KIND, 2>(w, &mut at, &mut tail, postings)?;
    }
    if KIND == Kind::Transaction as usize {
        let bytes = w.from(at);
        let run = const { &EMPTY_THEN_POSTINGS.words };
        // Empty tags and links: the run's first two words.
        if word_in(bytes, 0) == run[0] && word_in(bytes, 8) == run[1] {
            if word_in(bytes, 16) == run[2] && word_in(bytes, 24) == run[3] {
                tail = at + EMPTY_THEN_POSTINGS.len;
                at = w.value(tail, schema::Value::Postings, postings)?;
                return Some((own, at, tail));
            }
            // Metadata (a receipt's number, say): the steps from the metadata's key on.
            at += METADATA_IN_RUN;
            const {
                assert!(
                    MAX_FIELDS == 7,
                    "the metadata and postings are keys 5 and 6"
                )
            };
            own_key::<KIND, 5>(w, &mut at, &mut tail, postings)?;
            own_key::<KIND, 6>(w, &mut at, &mut tail, postings)?;
            return Some((own, at, tail));
        }
    }
    own_key::<KIND, 3>(w, &mut at, &mut tail, postings)?;
    own_key::<KIND, 4>(w, &mut at, &mut tail, postings)?;
    own_key::<KIND, 5>(w, &mut at, &mut tail, postings)?;
    own_key::<KIND, 6>(w, &mut at, &mut tail, postings)?;
    const { assert!(MAX_FIELDS == 7, "one step per key a kind may have") };
    Some((own, at, tail))
}

/// The first two steps of [`own_keys`] at once, for a kind whose first own value is a
/// string and whose second key is short with a value of a usual marker (a price's currency
/// then its amount, a balance's account then its amount): when the string is a fixstr, as
/// an account or a currency is, the second key and that marker are in the bytes already at
/// hand. Where the second key's value starts and where it ends; `None` when this does not
/// apply, for the steps one by one.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn text_then_usual<const KIND: usize>(w: Window<'_>, at: usize) -> Option<Option<(usize, usize)>> {
    let key = const { &CODES_BY_KIND[KIND].keys[1] };
    let usual = const { usual_marker(CODES_BY_KIND[KIND].values[1]) }?;
    if !matches!(const { CODES_BY_KIND[KIND].values[0] }, schema::Value::Text) || key.len >= 8 {
        return None;
    }
    let bytes = w.from(at);
    let marker = bytes[0];
    let next = 1 + usize::from(marker & 0x1f);
    if marker & 0xe0 != 0xa0
        || word_in(bytes, next) & mask(key.len + 1) != key.first | u64::from(usual) << (8 * key.len)
    {
        return None;
    }
    let tail = at + next + key.len;
    let mut end = tail + 1;
    if usual == 0x92 {
        // The amount's number follows its header within the bytes at hand too.
        let number = bytes[next + key.len + 1];
        end = if number & 0xe0 == 0xa0 {
            end + 1 + usize::from(number & 0x1f)
        } else {
            match w.text(end) {
                Some(end) => end,
                None => return Some(None),
            }
        };
        end = match w.text(end) {
            Some(end) => end,
            None => return Some(None),
        };
    }
    Some(Some((tail, end)))
}

/// A transaction's payee (nil or a fixstr) at `at`, its narration's key and its narration (a
/// fixstr), as the host writes most: every marker is in the bytes at hand, and the key is
/// two word compares. Where the narration starts and where it ends; `None` for the steps
/// one by one.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn short_payee_then_narration(w: Window<'_>, at: usize) -> Option<(usize, usize)> {
    const NARRATION_KEY: &Key = &CODES_BY_KIND[Kind::Transaction as usize].keys[2];
    const {
        assert!(
            schema::same(schema::TRANSACTION.fields[2].key, key::NARRATION)
                && matches!(schema::TRANSACTION.fields[1].value, schema::Value::OptText)
                && NARRATION_KEY.len > 8
                && NARRATION_KEY.len < 16,
            "a transaction's payee, then its narration's key of two words"
        );
    };
    let bytes = w.from(at);
    let payee = bytes[0];
    let key = if payee == 0xc0 {
        1
    } else if payee & 0xe0 == 0xa0 {
        1 + usize::from(payee & 0x1f)
    } else {
        return None;
    };
    let text = bytes[key + NARRATION_KEY.len];
    if word_in(bytes, key) != NARRATION_KEY.first
        || word_in(bytes, key + NARRATION_KEY.len - 8) != NARRATION_KEY.last
        || text & 0xe0 != 0xa0
    {
        return None;
    }
    let narration = at + key + NARRATION_KEY.len;
    Some((narration, narration + 1 + usize::from(text & 0x1f)))
}

/// A price's own keys after its first key in one pass when its currency and its amount's
/// number and currency are fixstrs and its metadata is empty, as the host writes most
/// prices: every marker is in the bytes at hand but the metadata's, whose key and empty
/// list are two word compares. Where the price ends; `None` for the steps one by one.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn short_price(w: Window<'_>, at: usize) -> Option<usize> {
    returned(short_price_out(w, at))
}

/// [`short_price`] out of line, [`FAILED`] where it answers `None`: inlined, the walk of
/// every other kind compiled to more instructions.
#[cfg(not(rlplugin_small))]
#[inline(never)]
fn short_price_out(w: Window<'_>, at: usize) -> usize {
    short_price_walk(w, at).unwrap_or(FAILED)
}

/// [`short_price`]'s walk, inlined into the out-of-line step.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn short_price_walk(w: Window<'_>, at: usize) -> Option<usize> {
    const PRICE: &Codes = &CODES_BY_KIND[Kind::Price as usize];
    const AMOUNT_THEN_NUMBER: u64 = {
        let key = &PRICE.keys[1];
        assert!(
            PRICE.len == 3
                && matches!(PRICE.values[0], schema::Value::Text)
                && matches!(PRICE.values[1], schema::Value::Amount)
                && matches!(PRICE.values[2], schema::Value::Metadata)
                && key.len == 7,
            "a price's own keys: a string, then an amount whose key and header fill a word, \
             then its metadata"
        );
        key.first | 0x92 << 56
    };
    const METADATA_THEN_EMPTY: u64 = key_then(&PRICE.keys[2], Some(0x90));
    let metadata = &PRICE.keys[2];
    let bytes = w.from(at);
    let currency = bytes[0];
    if currency & 0xe0 != 0xa0 {
        return None;
    }
    let at = at + 1 + usize::from(currency & 0x1f);
    let bytes = w.from(at);
    let number = bytes[8];
    if word_in(bytes, 0) != AMOUNT_THEN_NUMBER || number & 0xe0 != 0xa0 {
        return None;
    }
    let unit = 9 + usize::from(number & 0x1f);
    let currency = bytes[unit];
    if currency & 0xe0 != 0xa0 {
        return None;
    }
    let at = at + unit + 1 + usize::from(currency & 0x1f);
    let bytes = w.from(at);
    (word_in(bytes, 0) == metadata.first && word_in(bytes, metadata.len - 7) == METADATA_THEN_EMPTY)
        .then_some(at + metadata.len + 1)
}

/// One step of [`own_keys`]: key `FIELD` of kind `KIND` and its value, if the kind has it.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn own_key<const KIND: usize, const FIELD: usize>(
    w: Window<'_>,
    at: &mut usize,
    tail: &mut usize,
    postings: &mut Recorder<'_>,
) -> Option<()> {
    let codes = const { &CODES_BY_KIND[KIND] };
    if FIELD >= codes.len {
        return Some(());
    }
    let key = const { &CODES_BY_KIND[KIND].keys[FIELD] };
    let value = const { CODES_BY_KIND[KIND].values[FIELD] };
    // A key and its value's usual marker (an amount's, an empty list's) fill at most two
    // words: one compare for both when the key is short, else its first word and a word
    // that ends with the marker.
    let usual = const { usual_marker(CODES_BY_KIND[KIND].values[FIELD]) };
    let bytes = w.from(*at);
    if let Some(marker) = usual
        && key.len < 16
        && if key.len < 8 {
            word_in(bytes, 0) & mask(key.len + 1) == key.first | u64::from(marker) << (8 * key.len)
        } else {
            word_in(bytes, 0) == key.first
                && word_in(bytes, key.len - 7)
                    == const {
                        key_then(
                            &CODES_BY_KIND[KIND].keys[FIELD],
                            usual_marker(CODES_BY_KIND[KIND].values[FIELD]),
                        )
                    }
        }
    {
        *tail = *at + key.len;
        *at = *tail + 1;
        if marker == 0x92 {
            // The amount's number follows its header within the bytes already at hand.
            let number = bytes[key.len + 1];
            *at = if number & 0xe0 == 0xa0 {
                *at + 1 + usize::from(number & 0x1f)
            } else {
                w.text(*at)?
            };
            *at = w.text(*at)?;
        }
        return Some(());
    }
    *at = w.key(*at, key)?;
    *tail = *at;
    *at = w.value(*at, value, postings)?;
    Some(())
}

/// The eight bytes that end with `marker` right after `key` (of at least eight bytes), as
/// the host writes a key and its value's first byte.
#[cfg(not(rlplugin_small))]
const fn key_then(key: &Key, marker: Option<u8>) -> u64 {
    let Some(marker) = marker else {
        return 0;
    };
    let last = if key.len > 8 { key.last } else { key.first };
    last >> 8 | (marker as u64) << 56
}

/// Where the frame notes the postings it steps over: offsets from a directive's start,
/// noted as positions in the input.
#[cfg(not(rlplugin_small))]
pub(crate) struct Recorder<'v> {
    starts: &'v mut Vec<usize>,
    base: usize,
}

/// The marker the host most often writes for a value the schema declares as `value`, when
/// its length is fixed: an amount's array of two, an empty list.
#[cfg(not(rlplugin_small))]
const fn usual_marker(value: schema::Value) -> Option<u8> {
    use schema::Value;
    match value {
        Value::Amount => Some(0x92),
        Value::Texts | Value::Metadata | Value::Values => Some(0x90),
        Value::Text | Value::OptText | Value::OptUint | Value::Postings | Value::Kind => None,
    }
}

/// [`locate`] for a map whose header keys are not in the host's layout: its kind
/// ([`UNKNOWN_KIND`] if its `type` is not among its first four keys) and the rest walked
/// key by key.
#[cfg_attr(not(rlplugin_small), cold, inline(never))]
pub(crate) fn locate_general(b: &[u8], start: usize) -> Option<Loc> {
    let marker = *b.get(start)?;
    if marker & 0xf0 != 0x80 {
        return None;
    }
    let entries = usize::from(marker & 0x0f);
    let mut at = start + 1;
    let mut kind = UNKNOWN_KIND;
    let mut entry = 0;
    // `date`, `filename`, `lineno`, then `type`.
    while entry < entries && entry < 4 {
        entry += 1;
        let key = word(b, at)?;
        if key & mask(TYPE.len) == TYPE.first {
            at += TYPE.len;
            kind = kind_in(b, at)?;
            at = text(b, at)?;
            break;
        }
        at = text(b, at)?;
        at = match text(b, at) {
            Some(next) => next,
            None => uint(b, at).or_else(|| any(b, at))?,
        };
    }
    let own_offset = if kind == UNKNOWN_KIND { 0 } else { at - start };
    let own = CODES.get(usize::from(kind));
    let last = own.map_or(usize::MAX, |codes| codes.len - 1);
    let mut tail = 0;
    let mut field = 0;
    while entry < entries {
        entry += 1;
        at = text(b, at)?;
        if field == last {
            tail = at;
        }
        at = match own {
            Some(codes) if field < codes.len => skip_shaped(b, at, codes.values[field])?,
            _ => any(b, at)?,
        };
        field += 1;
    }
    (at <= b.len()).then_some(Loc {
        start,
        len: at - start,
        own_offset,
        tail_offset: if tail == 0 { 0 } else { tail - start },
        kind,
        postings: NOT_EXACT,
    })
}

/// The value of `key` among the own keys of a directive of kind `kind` that start at `own`
/// ([`Loc::own`]), found by stepping over the keys the schema puts before it; `None`
/// when the kind has no such key or the directive is not laid out as the host writes it
/// (the caller then looks the key up in the whole map).
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(crate) fn own_field<'a>(at: At<'a>, loc: &Loc, key: Key) -> Option<At<'a>> {
    let (own, tail, kind) = (loc.own(), loc.tail(), loc.kind);
    if own == 0 {
        return None;
    }
    let index = usize::from(*key.own.get(usize::from(kind))?);
    if index == usize::from(NOT_OWN) {
        return None;
    }
    let codes = CODES.get(usize::from(kind))?;
    let b = at.bytes;
    // The last key's value, noted by the frame: checked by the key before it, unless the
    // frame checked every key.
    if index + 1 == codes.len && loc.exact() {
        return Some(At { pos: tail, ..at });
    }
    if index + 1 == codes.len && tail > key.len {
        let key_at = tail - key.len;
        return key
            .starts(b.get(key_at..)?)
            .then_some(At { pos: tail, ..at });
    }
    let mut pos = own;
    for value in codes.values.get(..index)? {
        pos = skip_shaped(b, text(b, pos)?, *value)?;
    }
    key.starts(b.get(pos..)?).then_some(At {
        pos: pos + key.len,
        ..at
    })
}

/// The value of a directive's `date` when the frame found the directive in exactly the
/// host's layout, which starts every map with that key; `None` otherwise (the caller then
/// looks the key up).
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(crate) fn date_at<'a>(at: At<'a>, loc: &Loc) -> Option<At<'a>> {
    loc.exact().then_some(At {
        pos: loc.start + 1 + DATE.len,
        ..at
    })
}

/// The value of a transaction's postings, the last key the schema gives the kind, when the
/// frame found the directive in exactly the host's layout and noted where it starts;
/// `None` otherwise (the caller then looks the key up).
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(crate) fn postings_at<'a>(at: At<'a>, loc: &Loc) -> Option<At<'a>> {
    const TRANSACTION: usize = Kind::Transaction as usize;
    const {
        assert!(
            POSTINGS.own[TRANSACTION] as usize + 1 == CODES_BY_KIND[TRANSACTION].len,
            "a transaction's postings are its last key"
        );
    };
    (loc.exact() && usize::from(loc.kind) == TRANSACTION).then_some(At {
        pos: loc.tail(),
        ..at
    })
}

/// Where the fields of the posting at `at` start: after its header; `None` unless the
/// posting is an array of 7, as the host writes it.
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(crate) fn posting_fields(at: At<'_>) -> Option<At<'_>> {
    (*at.bytes.get(at.pos)? == 0x97).then_some(At {
        pos: at.pos + 1,
        ..at
    })
}

impl At<'_> {
    /// Steps over a string (the posting's account) without reading it; `false` if the value
    /// here is no short string.
    pub(crate) fn skip_text(&mut self) -> bool {
        match text(self.bytes, self.pos) {
            Some(next) if next <= self.bytes.len() => {
                self.pos = next;
                true
            }
            _ => false,
        }
    }

    /// Steps over the posting at this position, in the host's layout when it has it: the
    /// reader after it, and where the posting's units start when the walk found it in the
    /// host's layout (else 0). Taken and answered by value, so the caller's reader (a
    /// [`Postings`](crate::view::Postings) iterator's) stays out of memory.
    #[inline(never)]
    pub(crate) fn skip_posting(self) -> (Self, usize) {
        #[cfg(not(rlplugin_small))]
        if let Some(window) = Window::new(self.bytes, self.pos)
            && let Some((end, units)) = window.posting_fields(0)
            && Window::fits(end)
        {
            return (self.at(self.pos + end), self.pos + units);
        }
        match posting(self.bytes, self.pos) {
            Some(next) if next <= self.bytes.len() => (self.at(next), 0),
            _ => (self.skipped(1), 0),
        }
    }

    /// Where the units of the posting at this position start, when it is an array of 7 (as
    /// the host writes one) whose account is a string that ends inside the input; else 0,
    /// and the posting's readers find its fields the general way.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn posting_units(self) -> usize {
        if self.bytes.get(self.pos) == Some(&0x97)
            && let Some(units) = text(self.bytes, self.pos + 1)
            && units < self.bytes.len()
        {
            units
        } else {
            0
        }
    }

    /// The eight bytes after the units of the posting whose units start here, when the
    /// units are laid out as the host writes them (nil, or an amount of two strings): the
    /// markers of its cost, price, flag and metadata, the cost's in the lowest byte. Read
    /// with no reader, so a posting without a cost or a price answers without a call; `None`
    /// for any other layout, which the caller then reads field by field.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn posting_tail_word(self) -> Option<u64> {
        let (b, at) = (self.bytes, self.pos);
        let tail = match b.get(at) {
            Some(0xc0) => at + 1,
            Some(0x92) => text(b, text(b, at + 1)?)?,
            _ => return None,
        };
        word(b, tail)
    }

    /// Whether the posting whose units start here has, as the host writes such a posting,
    /// units that are nil or an amount of two strings, then no cost, price or flag and empty
    /// metadata: its units and four marker bytes, read with no reader. `false` for any
    /// other layout, which the caller then reads field by field.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn posting_tail_is_plain(self) -> bool {
        // Cost, price and flag nil, and an empty metadata array.
        self.posting_tail_word()
            .is_some_and(|word| word & mask(4) == 0x90_c0_c0_c0)
    }

    /// The eight bytes from this position, with no reader; `None` within eight bytes of the
    /// input's end.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn next_word(self) -> Option<u64> {
        word(self.bytes, self.pos)
    }

    /// The same reader at `pos`.
    pub(crate) const fn at(self, pos: usize) -> Self {
        Self { pos, ..self }
    }
}

impl<'a> At<'a> {
    /// Its input, position and sink, which [`At::new`] puts back together: what an
    /// out-of-line call takes as plain arguments, so the caller's reader is not passed by
    /// its address and kept in memory.
    #[inline(always)]
    pub(crate) const fn parts(self) -> (&'a [u8], usize, &'a ErrorSink) {
        (self.bytes, self.pos, self.sink)
    }
}

/// The fixstr at `at` and the position after it, when it is ASCII and the input has eight
/// bytes after its marker: its bytes checked a word or two at a time (overlapping words, or
/// one masked word for a string of at most eight bytes), with no call. `None` for anything
/// else, which the reader then reads.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn ascii_fixstr(b: &[u8], at: usize) -> Option<(&str, usize)> {
    let marker = *b.get(at)?;
    if marker & 0xe0 != 0xa0 {
        return None;
    }
    let len = usize::from(marker & 0x1f);
    let end = at + 1 + len;
    let chunk = b.get(at + 1..)?.first_chunk::<8>()?;
    let first = u64::from_le_bytes(*chunk);
    let (high, text) = if len <= 8 {
        // The bytes past the string shifted out. Shifts wrap, so an empty string keeps its
        // neighbours, and one of them not ASCII only sends it to the reader.
        let shift = (64 - 8 * len) as u32;
        // Within the word already read: no further bounds check.
        (first.wrapping_shl(shift), chunk.get(..len)?)
    } else {
        let mut high = first | word(b, end - 8)?;
        if len > 16 {
            high |= word(b, at + 9)? | word(b, end - 16)?;
        }
        (high, b.get(at + 1..end)?)
    };
    if high & HIGH_BITS != 0 {
        return None;
    }
    // SAFETY: every byte of `text` is below 0x80 (checked above): ASCII, which is UTF-8.
    Some((unsafe { core::str::from_utf8_unchecked(text) }, end))
}

/// The fixstr of at most eight bytes whose marker starts `window`, when it is ASCII: its
/// bytes checked as one word, with no bounds check past the window's.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn short_ascii(window: &[u8; SHORT_TEXT]) -> Option<&str> {
    let len = usize::from(window[0].wrapping_sub(0xa0));
    let bytes = window[1..].first_chunk::<8>()?;
    if len > 8 {
        return None;
    }
    // The bytes past the string shifted out; an empty string, whose shift wraps to none,
    // is checked with its neighbours and at worst left to the reader.
    let shift = (64 - 8 * len) as u32;
    if u64::from_le_bytes(*bytes).wrapping_shl(shift) & HIGH_BITS != 0 {
        return None;
    }
    let text = bytes.get(..len)?;
    // SAFETY: every byte of `text` is below 0x80 (checked above): ASCII, which is UTF-8.
    Some(unsafe { core::str::from_utf8_unchecked(text) })
}

/// The bytes the longest short string spans: its marker and a word.
#[cfg(not(rlplugin_small))]
const SHORT_TEXT: usize = 9;

/// The bytes the longest short amount spans: its array's marker and two short strings.
#[cfg(not(rlplugin_small))]
const SHORT_AMOUNT: usize = 1 + 2 * SHORT_TEXT;

/// The amount that starts `window`, when it is an array of two ASCII fixstrs of at most
/// eight bytes.
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn short_amount_in(window: &[u8; SHORT_AMOUNT]) -> Option<(&str, &str)> {
    if window[0] != 0x92 {
        return None;
    }
    let rest = &window[1..];
    let number = short_ascii(rest.first_chunk::<SHORT_TEXT>()?)?;
    let currency = short_ascii(rest.get(1 + number.len()..)?.first_chunk::<SHORT_TEXT>()?)?;
    Some((number, currency))
}

/// The bytes from a posting's units on that [`PostingHead`] reads: nil or an amount of two
/// fixstrs, then a word of the markers after them.
#[cfg(not(rlplugin_small))]
const UNITS_REACH: usize = 1 + 2 * 32 + 8;

/// The bytes from a posting's start that [`At::posting_head`] takes at once: the posting's
/// marker, an account's header and up to fifty-two of its bytes, then the units' reach.
#[cfg(not(rlplugin_small))]
const POSTING_HEAD: usize = 3 + 52 + UNITS_REACH;

/// A posting laid out as the host writes one, from its units on: what its readers take
/// from one window, each read at an offset the compiler bounds without a check.
#[cfg(not(rlplugin_small))]
#[derive(Clone, Copy)]
pub(crate) struct PostingHead<'a> {
    /// The input from the units on.
    units: &'a [u8; UNITS_REACH],
    /// Where the units start in the input.
    pub(crate) units_at: usize,
}

#[cfg(not(rlplugin_small))]
impl<'a> PostingHead<'a> {
    /// The units when they are nil (`Some(None)`) or an amount of two short ASCII strings
    /// (see [`short_ascii`]); `None` otherwise.
    #[inline(always)]
    pub(crate) fn units(self) -> Option<Option<(&'a str, &'a str)>> {
        if self.units[0] == 0xc0 {
            return Some(None);
        }
        short_amount_in(self.units.first_chunk()?).map(Some)
    }

    /// Where the units end, counted from their start, and the eight bytes there (the
    /// markers of the cost, price, flag and metadata, the cost's in the lowest byte), when
    /// the units are nil or an amount of two fixstrs; `None` otherwise. The strings are not
    /// read.
    #[inline(always)]
    pub(crate) fn tail(self) -> Option<(usize, u64)> {
        let units = self.units;
        let end = match units[0] {
            0xc0 => 1,
            0x92 if units[1] & 0xe0 == 0xa0 => {
                let currency = 2 + usize::from(units[1] & 0x1f);
                let marker = units[currency];
                if marker & 0xe0 != 0xa0 {
                    return None;
                }
                currency + 1 + usize::from(marker & 0x1f)
            }
            _ => return None,
        };
        Some((end, u64::from_le_bytes(*units.get(end..)?.first_chunk()?)))
    }
}

/// The bytes [`At::skip_short_values`] reads at once: a cost as the host writes one, its
/// header and five fields, four of them fixstrs.
#[cfg(not(rlplugin_small))]
const SHORT_VALUES: usize = 2 + 4 * 32;

/// The str8 at `at` and the position after it, when it is ASCII and ends inside the input:
/// its bytes checked a word at a time, with no call. `None` for anything else, which the
/// reader then reads (and checks as UTF-8).
#[cfg(not(rlplugin_small))]
#[inline(always)]
fn ascii_str8(b: &[u8], at: usize) -> Option<(&str, usize)> {
    let [0xd9, len, ..] = *b.get(at..)? else {
        return None;
    };
    let end = at + 2 + usize::from(len);
    let text = b.get(at + 2..end)?;
    let mut chunks = text.chunks_exact(8);
    let mut high = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        high |= u64::from_le_bytes(word);
    }
    for &byte in chunks.remainder() {
        high |= u64::from(byte);
    }
    if high & HIGH_BITS != 0 {
        return None;
    }
    // SAFETY: every byte of `text` is below 0x80 (checked above): ASCII, which is UTF-8.
    Some((unsafe { core::str::from_utf8_unchecked(text) }, end))
}

/// A position in the input with the ledger's error sink: a reader that can be copied and
/// kept in a view. Every read records a failure in the sink and returns an empty value.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    bytes: &'a [u8],
    pos: usize,
    sink: &'a ErrorSink,
}

impl<'a> At<'a> {
    pub(crate) const fn new(bytes: &'a [u8], pos: usize, sink: &'a ErrorSink) -> Self {
        Self { bytes, pos, sink }
    }

    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn with<T>(&mut self, read: impl FnOnce(&mut Reader<'a>) -> T) -> T {
        let mut r = Reader::new(self.bytes, self.sink);
        r.seek(self.pos);
        let value = read(&mut r);
        self.pos = r.pos();
        value
    }

    /// The bytes of the string at this position (a fixstr or a str8, as the host writes a
    /// name), not checked as UTF-8; `None` for any other value or one that does not end
    /// inside the input.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn text_bytes(self) -> Option<&'a [u8]> {
        let end = text(self.bytes, self.pos)?;
        let header = if self.bytes.get(self.pos)? & 0xe0 == 0xa0 {
            1
        } else {
            2
        };
        self.bytes.get(self.pos + header..end)
    }

    /// A string borrowed from the input.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn str(&mut self, label: &'static str) -> &'a str {
        #[cfg(not(rlplugin_small))]
        if let Some((text, next)) =
            ascii_fixstr(self.bytes, self.pos).or_else(|| ascii_str8(self.bytes, self.pos))
        {
            self.pos = next;
            return text;
        }
        self.with(|r| r.str(label))
    }

    /// An amount as the host writes one, an array of two strings, when both are ASCII
    /// fixstrs of at most eight bytes (most numbers and currencies) and the input holds the
    /// longest such amount from here: both read in one window with one bounds check. `None`
    /// otherwise, and the position is not moved.
    #[cfg(not(rlplugin_small))]
    #[inline(always)]
    pub(crate) fn short_amount(&mut self) -> Option<(&'a str, &'a str)> {
        let window = self.bytes.get(self.pos..)?.first_chunk::<SHORT_AMOUNT>()?;
        let (number, currency) = short_amount_in(window)?;
        // The array's marker, the number, the currency's marker and the currency.
        self.pos += 3 + number.len() + currency.len();
        Some((number, currency))
    }

    /// The posting here when it is laid out as the host writes one and its account (a
    /// fixstr or a str8) is short enough for its units to start inside one window from its
    /// start, read with one bounds check: where its units start. `None` otherwise, and the
    /// posting's readers find its fields the general way.
    #[cfg(not(rlplugin_small))]
    #[inline(always)]
    pub(crate) fn posting_head(self) -> Option<PostingHead<'a>> {
        let window = self.bytes.get(self.pos..)?.first_chunk::<POSTING_HEAD>()?;
        if window[0] != 0x97 {
            return None;
        }
        // A fixstr's length, or past a fixstr's if the account is another string.
        let account = usize::from(window[1].wrapping_sub(0xa0));
        let units = if account < 32 {
            2 + account
        } else if window[1] == 0xd9 {
            3 + usize::from(window[2])
        } else {
            return None;
        };
        Some(PostingHead {
            units: window.get(units..)?.first_chunk()?,
            units_at: self.pos + units,
        })
    }

    /// The position after the `count` values from here, when each is nil, a boolean, a
    /// fixstr or an array of such values (a cost, a price annotation, an amount, as the host
    /// writes them with short strings), read in one window with no call; `None` for any other
    /// value or one that ends past the window, which the caller then steps over the general
    /// way.
    #[cfg(not(rlplugin_small))]
    #[inline(always)]
    pub(crate) fn skip_short_values(self, count: usize) -> Option<usize> {
        let window = self.bytes.get(self.pos..)?.first_chunk::<SHORT_VALUES>()?;
        let (mut at, mut pending) = (0, count);
        while pending > 0 {
            let marker = *window.get(at)?;
            match marker {
                0xc0 | 0xc2 | 0xc3 => at += 1,
                0xa0..=0xbf => at += 1 + usize::from(marker & 0x1f),
                0x90..=0x9f => {
                    at += 1;
                    pending += usize::from(marker & 0x0f);
                }
                _ => return None,
            }
            pending -= 1;
        }
        (at <= SHORT_VALUES).then_some(self.pos + at)
    }

    /// A string or nil.
    pub(crate) fn opt_str(&mut self, label: &'static str) -> Option<&'a str> {
        if self.nil() {
            None
        } else {
            Some(self.str(label))
        }
    }

    /// Steps over `marker` if it is the next byte.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn marker(&mut self, marker: u8) -> bool {
        let found = self.bytes.get(self.pos) == Some(&marker);
        if found {
            self.pos += 1;
        }
        found
    }

    /// An integer that fits a `u32`, or nil.
    pub(crate) fn opt_u32(&mut self, label: &'static str) -> Option<u32> {
        self.with(|r| {
            if r.nil() {
                None
            } else {
                Some(r.uint_as(label))
            }
        })
    }

    /// An array header: its length.
    pub(crate) fn array_len(&mut self, label: &'static str) -> usize {
        if let Some(&marker) = self.bytes.get(self.pos)
            && marker & 0xf0 == 0x90
        {
            self.pos += 1;
            return usize::from(marker & 0x0f);
        }
        self.with(|r| r.array_len(label))
    }

    /// A positional struct's header, at least `min` elements: its length.
    pub(crate) fn struct_len(&mut self, label: &'static str, min: usize) -> usize {
        self.with(|r| r.struct_len(label, min))
    }

    /// The length of the fixarray here (an array of at most fifteen elements), not stepped
    /// over; `None` for any other value.
    #[cfg(not(rlplugin_small))]
    #[inline(always)]
    pub(crate) fn fixarray_len(&self) -> Option<usize> {
        let marker = *self.bytes.get(self.pos)?;
        (marker & 0xf0 == 0x90).then_some(usize::from(marker & 0x0f))
    }

    /// Whether an array of at most 65,535 elements is next.
    pub(crate) fn is_array16(&self) -> bool {
        self.bytes
            .get(self.pos)
            .is_some_and(|&m| m & 0xf0 == 0x90 || m == 0xdc)
    }

    /// Consumes a nil, if one is next.
    pub(crate) fn nil(&mut self) -> bool {
        self.marker(0xc0)
    }

    /// Skips one value: by [`STEP`]'s table when the value is one it steps over and ends
    /// inside the input, else (and so for anything damaged) as [`skip`](Self::skip) does.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn skip_value(&mut self) {
        match any(self.bytes, self.pos) {
            Some(next) if next <= self.bytes.len() => self.pos = next,
            _ => self.skip(1),
        }
    }

    /// The reader after `count` values, taken by value so the caller's own reader stays out
    /// of memory.
    #[inline(never)]
    pub(crate) fn skipped(mut self, count: usize) -> Self {
        self.skip(count);
        self
    }

    /// Skips `count` values.
    pub(crate) fn skip(&mut self, count: usize) {
        self.with(|r| {
            for _ in 0..count {
                if r.failed() {
                    break;
                }
                skip(r);
            }
        });
    }

    /// A directive kind's name.
    pub(crate) fn kind(&mut self) -> Option<Kind> {
        let at = self.pos;
        let kind = match kind_named(self.with(Reader::key)) {
            Some(kind) => kind,
            None => {
                // Read again as a string, so the error names what stood there.
                let mut again = Self { pos: at, ..*self };
                let name = again.str(TYPE.label);
                if !name.is_empty() {
                    let mut r = Reader::new(self.bytes, self.sink);
                    r.fail_with(at, TYPE.label, unknown_kind(name));
                }
                return None;
            }
        };
        Some(kind)
    }

    /// The value of `key` in the directive map here, if the map has that key.
    pub(crate) fn field(mut self, key: Key) -> Option<Self> {
        self.with(|r| {
            let len = r.map_len(DIRECTIVE);
            for _ in 0..len {
                if r.failed() {
                    return None;
                }
                if key.starts(r.rest()) {
                    let at = r.pos() + key.len;
                    r.seek(at);
                    return Some(());
                }
                if r.rest().first().is_some_and(|m| m & 0xe0 == 0xa0) {
                    skip_n(r, 2);
                    continue;
                }
                // A key the host did not encode as a fixstr is still a key: compare its code.
                if r.key() == key.code {
                    return Some(());
                }
                skip(r);
            }
            None
        })?;
        Some(self)
    }

    /// The label a read of `key`'s value reports.
    pub(crate) const fn label(key: Key) -> &'static str {
        key.label
    }

    /// Whether a read has failed (here or anywhere in the ledger).
    pub(crate) fn failed(&self) -> bool {
        Reader::new(self.bytes, self.sink).failed()
    }

    /// Records `error`, unless an earlier one is recorded.
    pub(crate) fn record(&self, error: DecodeError) {
        let mut r = Reader::new(self.bytes, self.sink);
        r.adopt(error);
    }
}

impl core::fmt::Debug for At<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("At")
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

/// What a directive that could not be decoded reads as: the answer reports the error and
/// keeps every input, so this value never reaches the host.
pub(crate) fn placeholder() -> DirectiveWrapper {
    DirectiveWrapper {
        directive_type: String::new(),
        date: String::new(),
        filename: None,
        lineno: None,
        data: rlplugin_types::DirectiveData::Close(rlplugin_types::CloseData {
            account: String::new(),
            metadata: Vec::new(),
        }),
    }
}

#[cold]
#[inline(never)]
fn unknown_kind(name: &str) -> String {
    crate::text::concat(&["the unknown directive type \"", name, "\""])
}

/// The kind of the directive at `at`, reported in the sink if it has none.
pub(crate) fn kind_at(at: At<'_>) -> Option<Kind> {
    match at.field(TYPE) {
        Some(mut value) => value.kind(),
        None => {
            missing(at, "a directive with a `type` key");
            None
        }
    }
}

/// Records that the directive at `at` lacks a key it must have.
#[cold]
#[inline(never)]
pub(crate) fn missing(at: At<'_>, expected: &'static str) {
    let mut r = Reader::new(at.bytes, at.sink);
    if !r.failed() {
        r.fail_with(at.pos, expected, "a map without one".to_owned());
    }
}

/// Decodes the whole directive at `at` into an owned value, as the drop-in API would.
///
/// # Errors
///
/// The directive cannot be decoded.
pub(crate) fn decode_directive(at: At<'_>) -> Result<DirectiveWrapper, DecodeError> {
    let sink = ErrorSink::default();
    let mut r = Reader::new(at.bytes, &sink);
    r.seek(at.pos);
    let mut slot = MaybeUninit::uninit();
    #[cfg(not(rlplugin_small))]
    let done = super::fast::directive(&mut r, &mut slot);
    #[cfg(rlplugin_small)]
    let done = false;
    if !done {
        decode::wrapper(&mut r, &mut slot);
    }
    // SAFETY: the fast path fills the slot when it returns true, the general decoder always.
    r.finish(unsafe { slot.assume_init() })
}

/// One change an edit makes to a directive's key.
#[derive(Clone, Copy)]
pub(crate) enum Change<'e> {
    /// Strings appended to a list of strings.
    Append(&'e [Cow<'e, str>]),
    /// A string in place of the old one.
    Text(&'e str),
    /// A string or nil in place of the old one.
    OptText(Option<&'e str>),
    /// New accounts for the postings at these positions (sorted, each once); each posting
    /// is otherwise copied.
    Accounts(&'e [(usize, Cow<'e, str>)]),
}

/// The directive at `at` (of kind `kind`) with `changes` made, appended to `out` as the
/// encoder writes the changed directive: unchanged keys and values are copied from the
/// input a span at a time. `false`, with `out` as it was, when the directive is not laid
/// out as the host writes it (keys in the schema's order, each once, no others), or a
/// change names a key the kind does not have; the caller then decodes and re-encodes it.
/// Changes in the order of the kind's keys are made without a search.
pub(crate) fn edit(
    at: At<'_>,
    loc: &Loc,
    kind: Kind,
    changes: &[(&'static Key, Change<'_>)],
    postings: &[usize],
    out: &mut Vec<u8>,
) -> bool {
    let mark = out.len();
    let edited = if loc.exact() {
        edit_exact(at.bytes, loc, kind, changes, postings, out)
    } else {
        edit_in(at.bytes, at.pos, kind, changes, out)
    };
    if edited.is_some() {
        return true;
    }
    out.truncate(mark);
    false
}

/// [`edit`] of a directive the frame found in exactly the host's layout ([`Loc::exact`]),
/// `changes` in the order of the kind's keys (`None` otherwise): each key before a changed one is
/// stepped over (never compared with the changes), the last key's value is found where the
/// frame noted it ([`Loc::tail`]) and ends where the directive does, a transaction's
/// postings are found where the frame noted them (`postings` is [`Frame::postings`]), and
/// the bytes between the changed values are copied a span each.
fn edit_exact(
    b: &[u8],
    loc: &Loc,
    kind: Kind,
    changes: &[(&'static Key, Change<'_>)],
    postings: &[usize],
    out: &mut Vec<u8>,
) -> Option<()> {
    let codes = CODES.get(kind as usize)?;
    let last = codes.len.checked_sub(1)?;
    let mut pos = loc.own();
    let mut next = 0;
    let mut copy_from = loc.start;
    for &(key, change) in changes {
        let index = usize::from(*key.own.get(kind as usize)?);
        if index < next || index > last {
            // Out of the kind's order, or a key the kind does not have.
            return None;
        }
        let (value, end, starts) = if index == last && loc.tail_offset != 0 {
            let starts = postings.get(loc.postings..).unwrap_or_default();
            (loc.tail(), loc.end(), starts)
        } else {
            let keys = codes.keys.get(next..index)?;
            for (key, shape) in keys.iter().zip(codes.values.get(next..index)?) {
                pos = skip_shaped(b, pos + key.len, *shape)?;
            }
            let value = pos + codes.keys.get(index)?.len;
            let end = if index == last {
                loc.end()
            } else {
                skip_shaped(b, value, *codes.values.get(index)?)?
            };
            (value, end, &[][..])
        };
        out.extend_from_slice(b.get(copy_from..value)?);
        write_change(b, value, end, change, starts, out)?;
        copy_from = end;
        pos = end;
        next = index + 1;
    }
    out.extend_from_slice(b.get(copy_from..loc.end())?);
    Some(())
}

/// The length of the list whose header is at `pos` and where its first element starts, for
/// the headers the host writes (a fixarray or an array16).
fn list_header(b: &[u8], pos: usize) -> Option<(usize, usize)> {
    match *b.get(pos)? {
        marker @ 0x90..=0x9f => Some((usize::from(marker & 0x0f), pos + 1)),
        0xdc => Some((
            usize::from(u16::from_be_bytes([*b.get(pos + 1)?, *b.get(pos + 2)?])),
            pos + 3,
        )),
        _ => None,
    }
}

/// Writes `change` to the value at `pos..end`. `starts`, when it holds a start for each
/// posting of a list of postings there, is where each starts, as the frame noted them; the
/// postings are stepped over otherwise.
fn write_change(
    b: &[u8],
    pos: usize,
    end: usize,
    change: Change<'_>,
    starts: &[usize],
    out: &mut Vec<u8>,
) -> Option<()> {
    match change {
        Change::Append(extra) => {
            let (count, items) = list_header(b, pos)?;
            let (items, len) = (b.get(items..end)?, count + extra.len());
            match u8::try_from(len) {
                Ok(len) if len < 16 => out.push(0x90 | len),
                _ => write::array_header(out, len),
            }
            out.extend_from_slice(items);
            for text in extra {
                push_text(out, text);
            }
        }
        Change::Text(text) => write::string(out, text),
        Change::OptText(Some(text)) => write::string(out, text),
        Change::OptText(None) => out.push(0xc0),
        Change::Accounts(accounts) => {
            let (count, mut at) = list_header(b, pos)?;
            let starts = starts.get(..count).unwrap_or_default();
            let mut copy_from = pos;
            let mut stepped = 0;
            for (changed, account) in accounts {
                // A position past the last posting: the caller's decoded fallback says so.
                if *changed >= count {
                    return None;
                }
                if let Some(&start) = starts.get(*changed) {
                    // Noted by the frame: within the list and after the last change.
                    if start < copy_from.max(at) || start >= end {
                        return None;
                    }
                    at = start;
                } else {
                    while stepped < *changed {
                        at = posting(b, at)?;
                        stepped += 1;
                    }
                }
                // The account is a posting's first field: a fixarray of at least one.
                if !(0x91..=0x9f).contains(b.get(at)?) {
                    return None;
                }
                let after = text(b, at + 1)?;
                out.extend_from_slice(b.get(copy_from..=at)?);
                push_text(out, account);
                copy_from = after;
            }
            out.extend_from_slice(b.get(copy_from..end)?);
        }
    }
    Some(())
}

/// Appends `text` as the encoder writes a string: one shorter than 32 bytes (most tags
/// and accounts) as its one-byte header and its bytes, without setting up the encoder.
fn push_text(out: &mut Vec<u8>, text: &str) {
    match u8::try_from(text.len()) {
        Ok(len) if len < 32 => {
            out.push(0xa0 | len);
            out.extend_from_slice(text.as_bytes());
        }
        _ => write::string(out, text),
    }
}

/// [`edit`], `None` where it answers `false`.
fn edit_in(
    b: &[u8],
    start: usize,
    kind: Kind,
    changes: &[(&'static Key, Change<'_>)],
    out: &mut Vec<u8>,
) -> Option<()> {
    let codes = CODES.get(kind as usize)?;
    let marker = *b.get(start)?;
    if marker & 0xf0 != 0x80 {
        return None;
    }
    let entries = usize::from(marker & 0x0f);
    // The header keys in the host's order (`filename` and `lineno` only when they have a
    // value: a nil is no string and no integer, so it fails the step), then the kind's own
    // in the schema's.
    let mut pos = start + 1;
    let mut header = 2;
    if !DATE.starts(b.get(pos..)?) {
        return None;
    }
    pos = text(b, pos + DATE.len)?;
    if FILENAME.starts(b.get(pos..)?) {
        pos = text(b, pos + FILENAME.len)?;
        header += 1;
    }
    if LINENO.starts(b.get(pos..)?) {
        pos = uint(b, pos + LINENO.len)?;
        header += 1;
    }
    if !TYPE.starts(b.get(pos..)?) {
        return None;
    }
    pos = text(b, pos + TYPE.len)?;
    if entries != header + codes.len {
        return None;
    }
    let mut copy_from = start;
    let mut applied = 0;
    for (key, value) in codes.keys.iter().zip(codes.values).take(codes.len) {
        if !key.starts(b.get(pos..)?) {
            return None;
        }
        pos += key.len;
        let end = skip_shaped(b, pos, value)?;
        if let Some((_, change)) = changes.iter().find(|(changed, _)| changed.code == key.code) {
            applied += 1;
            out.extend_from_slice(b.get(copy_from..pos)?);
            write_change(b, pos, end, *change, &[], out)?;
            copy_from = end;
        }
        pos = end;
    }
    if applied != changes.len() {
        return None;
    }
    out.extend_from_slice(b.get(copy_from..pos)?);
    Some(())
}

/// One op of the view's answer other than a keep, in output order.
pub(crate) enum Op<'o> {
    Delete(usize),
    Modify(usize, &'o DirectiveWrapper),
    /// A modified input directive, already encoded ([`edit`]).
    Edited(usize, &'o [u8]),
    /// A new directive, after the ops of the inputs before the index.
    Insert(usize, &'o DirectiveWrapper),
}

/// Encodes the view's answer for `len` inputs, `changes` in output order (each input at
/// most once, every other input kept), exactly as [`super::encode_plugin_output`] encodes the
/// same ops listed in full with each edited directive decoded.
/// `edited_len` is the length of every edited directive together.
pub(crate) fn encode(
    len: usize,
    changes: &[Op<'_>],
    edited_len: usize,
    errors: &[rlplugin_types::PluginError],
) -> Vec<u8> {
    write::view_output(len, changes, edited_len, errors)
}

/// The view's answer when it has no decision but `edits` (sorted by index, each index
/// once): exactly what [`encode`] writes for the same edits with every other input kept.
pub(crate) fn encode_edits(
    len: usize,
    edits: &[(usize, usize, usize)],
    edited: &[u8],
    errors: &[rlplugin_types::PluginError],
) -> Vec<u8> {
    write::edits_output(len, edits, edited, errors)
}

/// The start of the view's answer written as the plugin edits ([`write::stream_start`]),
/// with room for `len` inputs and `edited` bytes of edited directives.
pub(crate) fn stream_start(out: &mut Vec<u8>, len: usize, edited: usize) {
    out.reserve(write::stream_bound(len) + edited);
    write::stream_start(out, len);
}

/// See [`write::stream_to`].
pub(crate) fn stream_to(out: &mut Vec<u8>, kept: core::ops::Range<usize>, index: usize) {
    write::stream_to(out, kept, index);
}

/// See [`write::stream_finish`].
pub(crate) fn stream_finish(
    out: &mut Vec<u8>,
    kept: core::ops::Range<usize>,
    errors: &[rlplugin_types::PluginError],
) {
    write::stream_finish(out, kept, errors);
}

/// A `PluginInput` as the host encodes it.
pub(crate) fn encode_input(input: &rlplugin_types::PluginInput) -> Vec<u8> {
    write::plugin_input(input)
}

/// The answer that keeps all `len` inputs and reports `errors`, as
/// [`super::encode_plugin_output`] encodes it.
pub(crate) fn encode_keep_all(len: usize, errors: &[rlplugin_types::PluginError]) -> Vec<u8> {
    write::keep_all(len, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A short string is read the same whatever its neighbours, ASCII or not, and one
    /// that is not ASCII is still read whole.
    #[test]
    fn short_strings_read_the_same_beside_any_bytes() {
        for text in ["", "1", "USD", "-12.50", "12345678", "é", "1é2", "abcdefé"] {
            for neighbour in [b'x', 0xc3] {
                let mut bytes = vec![neighbour, 0xa0 | text.len() as u8];
                bytes.extend_from_slice(text.as_bytes());
                bytes.extend_from_slice(&[neighbour; 9]);
                let sink = ErrorSink::default();
                let mut at = At::new(&bytes, 1, &sink);
                assert_eq!(at.str("a string"), text, "beside {neighbour:#x}");
                assert_eq!(at.pos, 2 + text.len(), "{text:?} beside {neighbour:#x}");
                assert!(!at.failed(), "{text:?} beside {neighbour:#x}");
            }
        }
    }

    /// An amount of two short ASCII strings is read in one window; anything else, or an
    /// amount the input ends too soon after, is left to the reader, the position unmoved.
    #[cfg(not(rlplugin_small))]
    #[test]
    fn short_amounts_are_read_whole_or_left_to_the_reader() {
        let fixstr = |text: &str| {
            let mut bytes = vec![0xa0 | text.len() as u8];
            bytes.extend_from_slice(text.as_bytes());
            bytes
        };
        let texts = [
            "",
            "1",
            "-12.50",
            "12345678",
            "123456789",
            "-1234567890.1234",
            "-1234567890.12345",
            "1é",
            "-1234567.89é",
            "é-1234567.89",
        ];
        for number in texts {
            for currency in texts {
                for tail in [0, SHORT_AMOUNT] {
                    let mut bytes = vec![0x92];
                    bytes.extend(fixstr(number));
                    bytes.extend(fixstr(currency));
                    let end = bytes.len();
                    bytes.extend(core::iter::repeat_n(0xc3, tail));
                    let sink = ErrorSink::default();
                    let mut at = At::new(&bytes, 0, &sink);
                    let short = |text: &str| (1..=8).contains(&text.len()) && text.is_ascii();
                    let expected =
                        (short(number) && short(currency) && bytes.len() >= SHORT_AMOUNT)
                            .then_some((number, currency));
                    let case = format!("{number:?} {currency:?} with {tail} bytes after");
                    assert_eq!(at.short_amount(), expected, "{case}");
                    let pos = if expected.is_some() { end } else { 0 };
                    assert_eq!(at.pos, pos, "{case}");
                }
            }
        }
    }

    /// A posting's units are found from its start past a fixstr or str8 account that
    /// leaves them inside the window, as nil or as an amount, and read when its strings are
    /// short and ASCII; the markers after them are read whatever the strings hold. Any other
    /// account, or too little input after the posting's start, leaves them to the reader.
    #[cfg(not(rlplugin_small))]
    #[test]
    fn posting_heads_are_found_past_the_account() {
        let fixstr = |text: &str| {
            let mut bytes = vec![0xa0 | text.len() as u8];
            bytes.extend_from_slice(text.as_bytes());
            bytes
        };
        let amount = |number: &str, currency: &str| {
            let mut bytes = vec![0x92];
            bytes.extend(fixstr(number));
            bytes.extend(fixstr(currency));
            bytes
        };
        let markers = [0x95, 0xc0, 0xc0, 0x90, 0x93, 0x01, 0x02, 0x03];
        let units_cases = [
            (vec![0xc0], Some(None)),
            (amount("-12", "USD"), Some(Some(("-12", "USD")))),
            (amount("-1234.56", "EUR"), Some(Some(("-1234.56", "EUR")))),
            (amount("-123.4é", "EUR"), None),
            (amount("-12345.67", "EUR"), None),
            (amount("-1234567890.12345", "EUR"), None),
        ];
        for account_len in [0, 1, 31, 32, 52, 53] {
            for (units, read) in &units_cases {
                for after in [0, POSTING_HEAD] {
                    let mut bytes = vec![0x97];
                    if account_len < 32 {
                        bytes.push(0xa0 | account_len as u8);
                    } else {
                        bytes.extend([0xd9, account_len as u8]);
                    }
                    bytes.extend(core::iter::repeat_n(b'A', account_len));
                    let units_at = bytes.len();
                    bytes.extend_from_slice(units);
                    bytes.extend(markers);
                    bytes.extend(core::iter::repeat_n(0xc3, after));
                    let sink = ErrorSink::default();
                    let head = At::new(&bytes, 0, &sink).posting_head();
                    let case = format!("account of {account_len}, {units:x?}, {after} after");
                    let found = account_len <= 52 && bytes.len() >= POSTING_HEAD;
                    assert_eq!(head.is_some(), found, "{case}");
                    let Some(head) = head else { continue };
                    assert_eq!(head.units_at, units_at, "{case}");
                    assert_eq!(head.units(), *read, "{case}");
                    let word = u64::from_le_bytes(markers);
                    assert_eq!(head.tail(), Some((units.len(), word)), "{case}");
                }
            }
        }
        for units in [vec![0x92, 0xd9, 1, b'1', 0xa1, b'X'], vec![0x93, 0xc0]] {
            let mut bytes = vec![0x97, 0xa1, b'A'];
            bytes.extend_from_slice(&units);
            bytes.extend(core::iter::repeat_n(0xc0, POSTING_HEAD));
            let sink = ErrorSink::default();
            let head = At::new(&bytes, 0, &sink).posting_head().expect("found");
            assert_eq!((head.units(), head.tail()), (None, None), "{units:x?}");
        }
    }

    /// Nils, booleans, fixstrs and arrays of them, as the host writes a cost or a price, are
    /// stepped over in one window whatever bytes the strings hold; a value of another kind,
    /// or one the window or the input ends inside, is left to the general skip.
    #[cfg(not(rlplugin_small))]
    #[test]
    fn short_values_are_stepped_over_in_one_window() {
        let cost = b"\x95\x92\xa8per_unit\xa5\xc3\xa9.32\xa3USD\xaa2024-01-02\xc0\xc2";
        let long_label = [&[0x95, 0xc0, 0xc0, 0xc0, 0xbf][..], &[b'L'; 31], b"\xc3"].concat();
        let cases: [(&[u8], usize, Option<usize>); 8] = [
            (b"\xc0", 1, Some(1)),
            (b"\xc3\xa2\xc3\xa9", 2, Some(4)),
            (cost, 1, Some(cost.len())),
            (b"\x94\xc2\x92\xa11\xa3EUR\xc0\xc0", 1, Some(11)),
            (&long_label, 1, Some(long_label.len())),
            (b"\xd9\x01A", 1, None),
            (b"\x92\xa11\xcc\x05", 1, None),
            (b"\x81\xa1k\xc0", 1, None),
        ];
        for (value, count, end) in cases {
            for after in [0, SHORT_VALUES] {
                let mut bytes = vec![0xc3];
                bytes.extend_from_slice(value);
                bytes.extend(core::iter::repeat_n(0xc0, after));
                let sink = ErrorSink::default();
                let found = At::new(&bytes, 1, &sink).skip_short_values(count);
                let expected = end
                    .filter(|_| bytes.len() > SHORT_VALUES)
                    .map(|end| 1 + end);
                assert_eq!(found, expected, "{value:x?}, {after} after");
            }
        }
        // Fixstrs that run past the window: the steps stop at its end.
        let mut past = vec![0x9f];
        for _ in 0..15 {
            past.push(0xbf);
            past.extend([b'x'; 31]);
        }
        let sink = ErrorSink::default();
        assert_eq!(At::new(&past, 0, &sink).skip_short_values(1), None);
    }
}
