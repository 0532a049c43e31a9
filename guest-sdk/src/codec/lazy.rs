//! What the borrowed view ([`crate::view`]) reads and writes with: the plugin input's frame
//! (where each directive starts, the options, the config), a directive's keys looked up on
//! demand with their values borrowed from the input, and an edited directive assembled from
//! unchanged spans of its input bytes and the changed values.
//!
//! Nothing here builds a directive: a lookup steps over the keys before the one it wants,
//! and a directive nobody reads costs one walk over its bytes when the frame is taken.

use core::mem::MaybeUninit;

use rlplugin_types::{DirectiveWrapper, PluginOptions};

use super::read::{ErrorSink, KeyCode, Reader, capacity, key_code};
use super::schema::{self, key};
use super::{DecodeError, decode, write};
use crate::view::Kind;

/// The plugin input with its directives located but not decoded.
pub(crate) struct Frame<'a> {
    /// Where each directive starts, then where the last one ends.
    pub(crate) starts: Vec<usize>,
    pub(crate) options: PluginOptions,
    pub(crate) config: Option<&'a str>,
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
pub(crate) fn frame(bytes: &[u8]) -> Result<Frame<'_>, DecodeError> {
    let sink = ErrorSink::default();
    let mut r = Reader::new(bytes, &sink);
    let len = r.struct_len(PLUGIN_INPUT, 2);
    let count = r.array_len(DIRECTIVES);
    let mut starts = Vec::with_capacity(capacity(count, &r, 1).saturating_add(1));
    for _ in 0..count {
        if r.failed() {
            break;
        }
        starts.push(r.pos());
        let entries = r.map_len(DIRECTIVE);
        skip_n(&mut r, 2 * entries as u64);
    }
    starts.push(r.pos());
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
        starts,
        options,
        config,
    })
}

/// Skips one value. Nearly every value the host writes is a fixstr, a str8, a small
/// integer, nil, a boolean or a short array or map, stepped over here in a few instructions
/// each; at any other marker, or near the end of the input, the reader's general skip takes
/// over for what is left, and reports what is wrong.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn skip(r: &mut Reader<'_>) {
    skip_n(r, 1);
}

/// Skips `count` values, as [`skip`].
#[cfg_attr(not(rlplugin_small), inline(always))]
fn skip_n(r: &mut Reader<'_>, count: u64) {
    let rest = r.rest();
    let mut at = 0;
    // Values still to step over; every one takes at least one byte, so the loop ends at
    // the end of the input whatever the headers announce.
    let mut pending = count;
    if pending == 0 {
        return;
    }
    while let Some(&marker) = rest.get(at) {
        let next = match marker {
            0x00..=0x7f | 0xc0 | 0xc2 | 0xc3 | 0xe0..=0xff => at + 1,
            0xa0..=0xbf => at + 1 + usize::from(marker & 0x1f),
            0x90..=0x9f => {
                pending += u64::from(marker & 0x0f);
                at + 1
            }
            0x80..=0x8f => {
                pending += 2 * u64::from(marker & 0x0f);
                at + 1
            }
            0xd9 => match rest.get(at + 1) {
                Some(&len) => at + 2 + usize::from(len),
                None => break,
            },
            0xcc => at + 2,
            0xcd => at + 3,
            0xce => at + 5,
            _ => break,
        };
        if next > rest.len() {
            break;
        }
        at = next;
        pending -= 1;
        if pending == 0 {
            let end = r.pos() + at;
            r.seek(end);
            return;
        }
    }
    let from = r.pos() + at;
    r.seek(from);
    r.skip(usize::try_from(pending).unwrap_or(usize::MAX));
}

/// A key the view reads: how the reader recognises it and what a decode error says its
/// value should be, both from the schema.
#[derive(Clone, Copy)]
pub(crate) struct Key {
    code: KeyCode,
    label: &'static str,
}

impl Key {
    const fn of(kind: &schema::Kind, key: &str) -> Self {
        Self {
            code: key_code(key),
            label: kind.field(key).label,
        }
    }

    const fn header(field: schema::Field) -> Self {
        Self {
            code: key_code(field.key),
            label: field.label,
        }
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
    codes: [KeyCode; MAX_FIELDS],
}

impl Codes {
    const fn of(kind: &schema::Kind) -> Self {
        let mut codes = [(0, 0, 0); MAX_FIELDS];
        let mut i = 0;
        while i < kind.fields.len() {
            codes[i] = key_code(kind.fields[i].key);
            i += 1;
        }
        Self {
            len: kind.fields.len(),
            codes,
        }
    }

    fn get(&self) -> &[KeyCode] {
        self.codes.get(..self.len).unwrap_or_default()
    }
}

/// The own keys of each [`Kind`], in the order of its variants.
static CODES: [Codes; 12] = [
    Codes::of(&schema::TRANSACTION),
    Codes::of(&schema::BALANCE),
    Codes::of(&schema::OPEN),
    Codes::of(&schema::CLOSE),
    Codes::of(&schema::COMMODITY),
    Codes::of(&schema::PAD),
    Codes::of(&schema::EVENT),
    Codes::of(&schema::NOTE),
    Codes::of(&schema::DOCUMENT),
    Codes::of(&schema::PRICE),
    Codes::of(&schema::QUERY),
    Codes::of(&schema::CUSTOM),
];

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

    /// A string borrowed from the input.
    pub(crate) fn str(&mut self, label: &'static str) -> &'a str {
        self.with(|r| r.str(label))
    }

    /// A string or nil.
    pub(crate) fn opt_str(&mut self, label: &'static str) -> Option<&'a str> {
        self.with(|r| if r.nil() { None } else { Some(r.str(label)) })
    }

    /// An integer that fits a `u32`, or nil.
    pub(crate) fn opt_u32(&mut self, label: &'static str) -> Option<u32> {
        self.with(|r| if r.nil() { None } else { Some(r.uint_as(label)) })
    }

    /// An array header: its length.
    pub(crate) fn array_len(&mut self, label: &'static str) -> usize {
        self.with(|r| r.array_len(label))
    }

    /// A positional struct's header, at least `min` elements: its length.
    pub(crate) fn struct_len(&mut self, label: &'static str, min: usize) -> usize {
        self.with(|r| r.struct_len(label, min))
    }

    /// Consumes a nil, if one is next.
    pub(crate) fn nil(&mut self) -> bool {
        self.with(Reader::nil)
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
        let kind = match self.with(Reader::key) {
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
            _ => {
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
        f.debug_struct("At").field("pos", &self.pos).finish_non_exhaustive()
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
pub(crate) enum Change<'e> {
    /// Strings appended to a list of strings.
    Append(&'e [String]),
    /// A string in place of the old one.
    Text(&'e str),
    /// A string or nil in place of the old one.
    OptText(Option<&'e str>),
}

/// The directive at `at` (of kind `kind`) with `changes` made, appended to `out` as the
/// encoder writes the changed directive: unchanged keys and values are copied from the
/// input a span at a time. `false`, with `out` as it was, when the directive is not laid
/// out as the host writes it (keys in the schema's order, each once, no others), or a
/// change names a key the kind does not have; the caller then decodes and re-encodes it.
pub(crate) fn edit(
    at: At<'_>,
    kind: Kind,
    changes: &[(Key, Change<'_>)],
    out: &mut Vec<u8>,
) -> bool {
    let fields = CODES.get(kind as usize).map_or(&[][..], Codes::get);
    let mark = out.len();
    let bytes = at.bytes;
    let mut r = Reader::new(bytes, at.sink);
    r.seek(at.pos);
    let len = r.map_len(DIRECTIVE);
    // The header keys in the host's order (`filename` and `lineno` only when they have a
    // value), then the kind's own in the schema's.
    const HEADER: [Key; 4] = [DATE, FILENAME, LINENO, TYPE];
    let mut stage = 0;
    let mut field = 0;
    let mut applied = 0;
    let mut copy_from = at.pos;
    for _ in 0..len {
        if r.failed() {
            break;
        }
        let code = r.key();
        if stage < HEADER.len() {
            let found = (stage..HEADER.len()).find(|&i| HEADER[i].code == code);
            let nil = r.rest().first() == Some(&0xc0);
            match found {
                Some(0) => {}
                Some(1 | 2) if stage > 0 && !nil => {}
                Some(3) if stage > 0 => {}
                _ => {
                    out.truncate(mark);
                    return false;
                }
            }
            stage = found.map_or(stage, |i| i + 1);
            skip(&mut r);
            continue;
        }
        let Some(declared) = fields.get(field) else {
            out.truncate(mark);
            return false;
        };
        field += 1;
        if *declared != code {
            out.truncate(mark);
            return false;
        }
        let Some((key, change)) = changes.iter().find(|(key, _)| key.code == code) else {
            skip(&mut r);
            continue;
        };
        applied += 1;
        let value_at = r.pos();
        out.extend_from_slice(bytes.get(copy_from..value_at).unwrap_or_default());
        match change {
            Change::Append(extra) => {
                let count = r.array_len(key.label);
                let items_at = r.pos();
                for _ in 0..count {
                    if r.failed() {
                        break;
                    }
                    skip(&mut r);
                }
                write::array_header(out, count + extra.len());
                out.extend_from_slice(bytes.get(items_at..r.pos()).unwrap_or_default());
                for text in *extra {
                    write::string(out, text);
                }
            }
            Change::Text(text) => {
                skip(&mut r);
                write::string(out, text);
            }
            Change::OptText(text) => {
                skip(&mut r);
                match text {
                    Some(text) => write::string(out, text),
                    None => out.push(0xc0),
                }
            }
        }
        copy_from = r.pos();
    }
    if r.failed() || field != fields.len() || applied != changes.len() {
        out.truncate(mark);
        return false;
    }
    out.extend_from_slice(bytes.get(copy_from..r.pos()).unwrap_or_default());
    true
}

/// One op of the view's answer, in output order.
pub(crate) enum Op<'o> {
    Keep(usize),
    Delete(usize),
    Modify(usize, &'o DirectiveWrapper),
    /// A modified input directive, already encoded ([`edit`]).
    Edited(usize, &'o [u8]),
    Insert(&'o DirectiveWrapper),
}

/// Encodes the view's answer exactly as [`super::encode_plugin_output`] encodes the same
/// ops with each edited directive decoded.
pub(crate) fn encode(ops: &[Op<'_>], errors: &[rlplugin_types::PluginError]) -> Vec<u8> {
    write::view_output(ops, errors)
}

/// A `PluginInput` as the host encodes it.
pub(crate) fn encode_input(input: &rlplugin_types::PluginInput) -> Vec<u8> {
    write::plugin_input(input)
}
