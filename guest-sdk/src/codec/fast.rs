//! The fast path for directives laid out exactly as rmp-serde writes rustledger 0.24's
//! wrapper: transactions, which the host sends most, and the plain kinds around them
//! (prices, balances, opens and the rest; custom directives carry arbitrary values and are
//! left to the general decoder).
//!
//! The general decoder (`decode.rs`) accepts keys in any order, any integer or string
//! marker, unknown keys and extra elements, and records precise errors. All that generality
//! costs fuel on every value. Here the decoder instead *predicts* the bytes: each key is
//! checked with one or two masked eight-byte compares against its expected encoding, the
//! cursor lives in a wasm local, and every value takes its common encoding (fixstr or str8,
//! fixint, fixarray, nil). At the first surprise it gives up and returns `None` having
//! consumed nothing, and the caller decodes the same directive with the general decoder, so
//! the result (value or error) is exactly what the general decoder alone would give.
//! Anything given up on costs the fuel spent so far, and (under the arena) the memory
//! allocated so far, both bounded by one directive.

use core::mem::MaybeUninit;

use rlplugin_types::{
    AmountData, BalanceData, CloseData, CommodityData, CostData, CostNumberData, CustomData,
    DirectiveData, DirectiveWrapper, DocumentData, EventData, MetaValueData, Metadata, NoteData,
    OpenData, PadData, PostingData, PriceAnnotationData, PriceData, QueryData, SourceSpan,
    TransactionData,
};

use super::read::{
    HIGH_BITS, Reader, WORD_MASKS, ascii_string, fixstr_ascii, fixstr_ascii_len, small_uint, utf8,
};
use super::schema::{self, cost, key, meta};
use crate::arena::vec_with_capacity;

/// A map key or fixed string as the host encodes it (marker byte included, at most 16
/// bytes), prepared for word compares.
struct Expected {
    len: usize,
    /// Bytes `0..8`, zero-padded past `len`.
    first: u64,
    /// For `len > 8`: bytes `len - 8..len`.
    last: u64,
    /// Keeps the bytes of `first` that belong to the key.
    mask: u64,
}

/// Byte `i` of `text` encoded as a fixstr: the marker, then the text.
const fn fixstr_byte(text: &[u8], i: usize) -> u8 {
    if i == 0 {
        0xa0 | text.len() as u8
    } else {
        text[i - 1]
    }
}

impl Expected {
    /// `key` as the host encodes it: a fixstr.
    const fn key(key: &str) -> Self {
        let text = key.as_bytes();
        let len = 1 + text.len();
        assert!(len <= 16, "the fast path compares keys of up to 15 bytes");
        let mut first = 0u64;
        let mut i = 0;
        while i < len && i < 8 {
            first |= (fixstr_byte(text, i) as u64) << (8 * i);
            i += 1;
        }
        let mut last = 0u64;
        if len > 8 {
            let mut j = 0;
            while j < 8 {
                last |= (fixstr_byte(text, len - 8 + j) as u64) << (8 * j);
                j += 1;
            }
        }
        let mask = if len >= 8 {
            u64::MAX
        } else {
            (1 << (8 * len)) - 1
        };
        Self {
            len,
            first,
            last,
            mask,
        }
    }
}

// The header keys the fast path expects, as the host encodes them; each kind's own are
// prepared where they are read.
const DATE: Expected = Expected::key(key::DATE);
const FILENAME: Expected = Expected::key(key::FILENAME);
const LINENO: Expected = Expected::key(key::LINENO);
const TYPE: Expected = Expected::key(key::TYPE);

/// A cursor kept in locals: every method is inlined into [`decode_directive`].
///
/// `IN_PLACE` says where its strings live: copied into blocks of their own, or, when the
/// input is a block the guest owns for good ([`directive_in_place`]), left where they are
/// in the input, which saves a bump allocation and the copy of every string.
struct Cursor<'a, const IN_PLACE: bool> {
    buf: &'a [u8],
    pos: usize,
}

impl<const IN_PLACE: bool> Cursor<'_, IN_PLACE> {
    #[inline(always)]
    fn word(&self, at: usize) -> Option<u64> {
        let bytes: &[u8; 8] = self.buf.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(u64::from_le_bytes(*bytes))
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Consumes `byte` if it is next.
    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `expected` if it is next.
    #[inline(always)]
    fn expect(&mut self, expected: &Expected) -> bool {
        let at = self.pos;
        let Some(first) = self.word(at) else {
            return false;
        };
        if first & expected.mask != expected.first {
            return false;
        }
        if expected.len > 8 && self.word(at + expected.len - 8) != Some(expected.last) {
            return false;
        }
        self.pos = at + expected.len;
        true
    }

    /// Consumes `expected`, which must be next.
    #[inline(always)]
    fn key(&mut self, expected: &Expected) -> Option<()> {
        self.expect(expected).then_some(())
    }

    /// A fixarray header: its length.
    #[inline(always)]
    fn fixarray(&mut self) -> Option<usize> {
        let marker = self.peek()?;
        if marker & 0xf0 != 0x90 {
            return None;
        }
        self.pos += 1;
        Some(usize::from(marker & 0x0f))
    }

    /// A fixstr or str8 as an owned string.
    #[inline(always)]
    fn string(&mut self) -> Option<String> {
        let at = self.pos;
        if let Some(window) = self.buf.get(at..at.wrapping_add(33))
            && let Ok(window) = <&[u8; 33]>::try_from(window)
        {
            if IN_PLACE {
                if let Some(len) = fixstr_ascii_len(window) {
                    self.pos = at + 1 + len;
                    // SAFETY: the window holds the string's `len` ASCII bytes after the
                    // marker; `IN_PLACE` is the caller's promise that the input may own them.
                    return Some(unsafe { in_place_string(window[1..].as_ptr(), len) });
                }
            } else if let Some(text) = fixstr_ascii(window) {
                self.pos = at + 1 + text.len();
                return Some(text);
            }
        }
        let marker = *self.buf.get(at)?;
        let (start, len) = if marker & 0xe0 == 0xa0 {
            (at + 1, usize::from(marker & 0x1f))
        } else if marker == 0xd9 {
            (at + 2, usize::from(*self.buf.get(at + 1)?))
        } else {
            return None;
        };
        let end = start + len;
        let bytes = self.buf.get(start..end)?;
        // Words inside `bytes` need no bounds check of their own.
        let head = |bytes: &[u8]| {
            bytes
                .first_chunk::<8>()
                .map_or(0, |w| u64::from_le_bytes(*w))
        };
        let tail = |bytes: &[u8]| {
            bytes
                .last_chunk::<8>()
                .map_or(0, |w| u64::from_le_bytes(*w))
        };
        let ascii = if len > 16 {
            // Whole words, then the last eight bytes (overlapping the last word read).
            let (words, _) = bytes.as_chunks::<8>();
            let mut high = tail(bytes);
            for word in words {
                high |= u64::from_le_bytes(*word);
            }
            high & HIGH_BITS == 0
        } else if len >= 8 {
            (head(bytes) | tail(bytes)) & HIGH_BITS == 0
        } else {
            match self.word(start) {
                Some(word) => word & WORD_MASKS[len] & HIGH_BITS == 0,
                None => false,
            }
        };
        self.pos = end;
        let text = if ascii {
            // SAFETY: every byte is below 0x80, so it is UTF-8.
            unsafe { core::str::from_utf8_unchecked(bytes) }
        } else {
            utf8(bytes)?
        };
        if IN_PLACE {
            // SAFETY: `text` lies in the input, which `IN_PLACE` promises may own it.
            return Some(unsafe { in_place_string(text.as_ptr(), len) });
        }
        if ascii {
            // SAFETY: `text` is readable UTF-8.
            return Some(unsafe { ascii_string(text.as_ptr(), len) });
        }
        Some(text.to_owned())
    }

    /// A string, read by the copy of [`string`](Self::string) inlined here or, if `SHARED`,
    /// by one shared copy: the transaction path inlines its strings, the plain kinds (some
    /// twenty strings in all) call, which keeps some 60 KB out of every guest.
    #[inline(always)]
    fn text<const SHARED: bool>(&mut self) -> Option<String> {
        if SHARED {
            self.string_call()
        } else {
            self.string()
        }
    }

    /// [`string`](Self::string) as a call.
    #[inline(never)]
    fn string_call(&mut self) -> Option<String> {
        self.string()
    }

    /// Nil, or a string read by [`text`](Self::text).
    #[inline(always)]
    fn opt_text<const SHARED: bool>(&mut self) -> Option<Option<String>> {
        if self.eat(0xc0) {
            Some(None)
        } else {
            self.text::<SHARED>().map(Some)
        }
    }

    /// A fixarray of strings, each read by [`text`](Self::text).
    #[inline(always)]
    fn strings<const SHARED: bool>(&mut self) -> Option<Vec<String>> {
        // Most lists are empty: one compare instead of a header decode.
        if self.eat(0x90) {
            return Some(Vec::new());
        }
        let len = self.fixarray()?;
        let mut out = vec_with_capacity(len);
        for _ in 0..len {
            out.push(self.text::<SHARED>()?);
        }
        Some(out)
    }

    /// A non-negative integer up to `u32::MAX` (fixint, `0xcc`, `0xcd` or `0xce`).
    #[inline(always)]
    fn uint32(&mut self) -> Option<u32> {
        let at = self.pos;
        let marker = *self.buf.get(at)?;
        if marker < 0x80 {
            self.pos = at + 1;
            return Some(u32::from(marker));
        }
        let (width, value) = match marker {
            0xcc => (1, u32::from(*self.buf.get(at + 1)?)),
            0xcd => {
                let bytes = self.buf.get(at + 1..at + 3)?;
                (2, u32::from(u16::from_be_bytes([bytes[0], bytes[1]])))
            }
            0xce => {
                let bytes = self.buf.get(at + 1..at + 5)?;
                (
                    4,
                    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
                )
            }
            _ => return None,
        };
        self.pos = at + 1 + width;
        Some(value)
    }

    /// A source span: `[start, end, file_id]`, each a fixint, `0xcc`, `0xcd` or `0xce`
    /// integer, read from one 16-byte window when the input has one.
    #[inline(always)]
    fn span(&mut self) -> Option<SourceSpan> {
        let at = self.pos;
        let Some(window) = self
            .buf
            .get(at..at.wrapping_add(16))
            .and_then(|w| <&[u8; 16]>::try_from(w).ok())
        else {
            if !self.eat(0x93) {
                return None;
            }
            let start = self.uint32()?;
            let end = self.uint32()?;
            let file_id = u16::try_from(self.uint32()?).ok()?;
            return Some(SourceSpan {
                start: u64::from(start),
                end: u64::from(end),
                file_id,
            });
        };
        if window[0] != 0x93 {
            return None;
        }
        // Each integer takes at most five bytes: 1 + 5 + 5 + 5 fits the window.
        let (start, next) = small_uint(window, 1)?;
        let (end, next) = small_uint(window, next)?;
        let (file_id, next) = small_uint(window, next)?;
        self.pos = at + next;
        Some(SourceSpan {
            start,
            end,
            file_id: u16::try_from(file_id).ok()?,
        })
    }

    /// A metadata list whose values are all text kinds, each string read by
    /// [`text`](Self::text).
    #[inline(always)]
    fn metadata<const SHARED: bool>(&mut self) -> Option<Metadata> {
        // As in `strings`.
        if self.eat(0x90) {
            return Some(Vec::new());
        }
        let len = self.fixarray()?;
        let mut out = vec_with_capacity(len);
        for _ in 0..len {
            if !self.eat(0x92) {
                return None;
            }
            let key = self.text::<SHARED>()?;
            if !self.eat(0x92) {
                return None;
            }
            let value = self.meta_value::<SHARED>()?;
            out.push((key, value));
        }
        Some(out)
    }

    /// A `[type, text]` metadata value of one of the text kinds.
    #[inline(always)]
    fn meta_value<const SHARED: bool>(&mut self) -> Option<MetaValueData> {
        const STRING: Expected = Expected::key(meta::STRING);
        const ACCOUNT: Expected = Expected::key(meta::ACCOUNT);
        const DATE: Expected = Expected::key(meta::DATE);
        const NUMBER: Expected = Expected::key(meta::NUMBER);
        let kind = if self.expect(&STRING) {
            0
        } else if self.expect(&ACCOUNT) {
            1
        } else if self.expect(&DATE) {
            2
        } else if self.expect(&NUMBER) {
            3
        } else {
            return None;
        };
        let text = self.text::<SHARED>()?;
        Some(match kind {
            0 => MetaValueData::String(text),
            1 => MetaValueData::Account(text),
            2 => MetaValueData::Date(text),
            _ => MetaValueData::Number(text),
        })
    }

    /// `[number, currency]`, or nil; each string read by [`text`](Self::text).
    #[inline(always)]
    fn opt_amount<const SHARED: bool>(&mut self) -> Option<Option<AmountData>> {
        if self.eat(0xc0) {
            return Some(None);
        }
        if !self.eat(0x92) {
            return None;
        }
        Some(Some(AmountData {
            number: self.text::<SHARED>()?,
            currency: self.text::<SHARED>()?,
        }))
    }

    #[inline(always)]
    fn bool(&mut self) -> Option<bool> {
        if self.eat(0xc2) {
            Some(false)
        } else if self.eat(0xc3) {
            Some(true)
        } else {
            None
        }
    }

    /// `[number, currency, date, label, merge]`. Of the number kinds, the three a ledger
    /// writes (`{…}`, `{{…}}`, `{… # …}`); booking's `per_unit_from_total` is left to the
    /// general decoder.
    #[inline(always)]
    fn cost(&mut self) -> Option<CostData> {
        const PER_UNIT: Expected = Expected::key(cost::PER_UNIT);
        const TOTAL: Expected = Expected::key(cost::TOTAL);
        const COMPOUND: Expected = Expected::key(cost::COMPOUND);
        if !self.eat(0x95) {
            return None;
        }
        let number = if self.eat(0xc0) {
            None
        } else if self.eat(0x92) {
            if self.expect(&PER_UNIT) {
                Some(CostNumberData::PerUnit {
                    value: self.string()?,
                })
            } else if self.expect(&TOTAL) {
                Some(CostNumberData::Total {
                    value: self.string()?,
                })
            } else {
                return None;
            }
        } else if self.eat(0x93) && self.expect(&COMPOUND) {
            Some(CostNumberData::Compound {
                per_unit: self.string()?,
                total: self.string()?,
            })
        } else {
            return None;
        };
        Some(CostData {
            number,
            currency: self.opt_text::<false>()?,
            date: self.opt_text::<false>()?,
            label: self.opt_text::<false>()?,
            merge: self.bool()?,
        })
    }

    /// `[is_total, amount, number, currency]`.
    #[inline(always)]
    fn price(&mut self) -> Option<PriceAnnotationData> {
        if !self.eat(0x94) {
            return None;
        }
        Some(PriceAnnotationData {
            is_total: self.bool()?,
            amount: self.opt_amount::<false>()?,
            number: self.opt_text::<false>()?,
            currency: self.opt_text::<false>()?,
        })
    }

    /// A posting whose metadata values are all text kinds.
    #[inline(always)]
    fn posting(&mut self, slot: *mut PostingData) -> Option<()> {
        if !self.eat(0x97) {
            return None;
        }
        let account = self.string()?;
        let units = self.opt_amount::<false>()?;
        // Most postings have neither cost nor price. Those that do are read by a function
        // of their own: carrying two large optional values through the common path would
        // cost every posting a copy of both.
        if self.word(self.pos).is_none_or(|w| w & 0xffff != 0xc0c0) {
            let mut copy = Self {
                buf: self.buf,
                pos: self.pos,
            };
            copy.priced_posting_tail(slot, account, units)?;
            self.pos = copy.pos;
            return Some(());
        }
        self.pos += 2;
        let (flag, metadata, span) = self.posting_tail()?;
        // SAFETY: the caller passes spare capacity of the postings vector.
        unsafe {
            slot.write(PostingData {
                account,
                units,
                cost: None,
                price: None,
                flag,
                metadata,
                span,
            });
        }
        Some(())
    }

    /// [`posting`](Self::posting) from its cost on, for a posting with a cost or a price.
    #[inline(never)]
    fn priced_posting_tail(
        &mut self,
        slot: *mut PostingData,
        account: String,
        units: Option<AmountData>,
    ) -> Option<()> {
        let cost = if self.eat(0xc0) {
            None
        } else {
            Some(self.cost()?)
        };
        let price = if self.eat(0xc0) {
            None
        } else {
            Some(self.price()?)
        };
        let (flag, metadata, span) = self.posting_tail()?;
        // SAFETY: as in `posting`.
        unsafe {
            slot.write(PostingData {
                account,
                units,
                cost,
                price,
                flag,
                metadata,
                span,
            });
        }
        Some(())
    }

    /// A posting's flag, metadata and span.
    #[inline(always)]
    fn posting_tail(&mut self) -> Option<(Option<String>, Metadata, Option<SourceSpan>)> {
        let flag = self.opt_text::<false>()?;
        let metadata = self.metadata::<false>()?;
        let span = if self.eat(0xc0) {
            None
        } else {
            Some(self.span()?)
        };
        Some((flag, metadata, span))
    }

    #[inline(always)]
    fn postings(&mut self) -> Option<Vec<PostingData>> {
        let len = self.fixarray()?;
        let mut out: Vec<PostingData> = vec_with_capacity(len);
        for i in 0..len {
            // SAFETY: `i < len <= capacity`.
            self.posting(unsafe { out.as_mut_ptr().add(i) })?;
            // SAFETY: the first `i + 1` elements are initialised.
            unsafe { out.set_len(i + 1) };
        }
        Some(out)
    }
}

/// Decodes the directive at the reader's position into `slot` if it is laid out as the
/// host writes it; `false`, with nothing consumed and `slot` untouched, otherwise.
#[inline(always)]
pub(super) fn directive(r: &mut Reader<'_>, slot: &mut MaybeUninit<DirectiveWrapper>) -> bool {
    seek_past(r, decode_directive::<false>(r.buf(), r.pos(), slot))
}

/// [`directive`], each string left where it is in the input: its `String` owns those bytes
/// instead of a copy. Every directive carries a dozen strings or more, and this saves each
/// a bump allocation and its copy.
///
/// # Safety
///
/// The reader's input is a block the global allocator handed out, whose address has been
/// exposed ([`expose_provenance`](pointer::expose_provenance)), that the arena never
/// reuses and frees nothing of, and that nothing but the decoded values reads or writes
/// once they are handed out.
#[cfg_attr(not(any(rlplugin_in_place, test)), allow(dead_code))]
#[inline(always)]
pub(super) unsafe fn directive_in_place(
    r: &mut Reader<'_>,
    slot: &mut MaybeUninit<DirectiveWrapper>,
) -> bool {
    seek_past(r, decode_directive::<true>(r.buf(), r.pos(), slot))
}

/// A string of `len` bytes at `ptr` in the input, owning them where they are.
///
/// # Safety
///
/// `ptr..ptr + len` is UTF-8 inside an input that [`directive_in_place`]'s promise covers.
/// The `String` then owns bytes no other value does (strings never overlap), and the arena
/// treats them as a block of its own: freeing it does nothing, and growing it copies it out
/// unless it ends where the arena's free memory starts, which only the input's last bytes
/// can, and they belong to no other value.
#[inline(always)]
unsafe fn in_place_string(ptr: *const u8, len: usize) -> String {
    // The exposed provenance of the input's block, which allows writes; `ptr` itself comes
    // from a shared borrow of the input, which does not.
    let ptr = core::ptr::with_exposed_provenance_mut::<u8>(ptr.addr());
    // SAFETY: the caller's promise.
    unsafe { String::from_raw_parts(ptr, len, len) }
}

#[inline(always)]
fn seek_past(r: &mut Reader<'_>, end: Option<usize>) -> bool {
    match end {
        Some(end) => {
            r.seek(end);
            true
        }
        None => false,
    }
}

/// [`directive`] with the cursor in locals; returns the position after the directive.
#[inline(never)]
fn decode_directive<const IN_PLACE: bool>(
    buf: &[u8],
    pos: usize,
    slot: &mut MaybeUninit<DirectiveWrapper>,
) -> Option<usize> {
    let c = &mut Cursor::<'_, IN_PLACE> { buf, pos };
    let marker = c.peek()?;
    if marker & 0xf0 != 0x80 {
        return None;
    }
    c.pos += 1;
    let keys = usize::from(marker & 0x0f);
    c.key(&DATE)?;
    let date = c.string()?;
    // `date` and `type`, then the optional location keys.
    let mut header_keys = 2;
    let filename = if c.expect(&FILENAME) {
        header_keys += 1;
        c.opt_text::<false>()?
    } else {
        None
    };
    let lineno = if c.expect(&LINENO) {
        header_keys += 1;
        if c.eat(0xc0) { None } else { Some(c.uint32()?) }
    } else {
        None
    };
    // Each kind's keys all follow, in order, so a map of any other length (from a newer host
    // that sends more keys, say) is not in the host's layout. Each kind compares this with its
    // own count, which a wrapped difference never equals; `checked_sub` cost transactions
    // five fuel each.
    let own_keys = keys.wrapping_sub(header_keys);
    c.key(&TYPE)?;
    if !c.expect(const { &Expected::key(HOT.name) }) {
        // A copy: lending `c` itself to a call would move the first kind's cursor out of
        // its wasm local into memory.
        let mut rest = Cursor::<'_, IN_PLACE> {
            buf: c.buf,
            pos: c.pos,
        };
        let slot = slot.as_mut_ptr();
        // The kind's data is written straight into the slot: returned by value, it would
        // be copied twice, and wasmtime charges `memory.copy` by the byte.
        // SAFETY: `slot` is valid for writes; `plain_directive` writes `data` only when it
        // succeeds, and then every other field is written too.
        unsafe {
            rest.plain_directive(own_keys, &raw mut (*slot).data)?;
            (&raw mut (*slot).directive_type).write(String::new());
            (&raw mut (*slot).date).write(date);
            (&raw mut (*slot).filename).write(filename);
            (&raw mut (*slot).lineno).write(lineno);
        }
        return Some(rest.pos);
    }
    if own_keys != const { HOT.len() } {
        return None;
    }
    let data = hot_data(c)?;
    slot.write(DirectiveWrapper {
        directive_type: String::new(),
        date,
        filename,
        lineno,
        data,
    });
    Some(c.pos)
}

/// Reads a value of `$value` ([`schema::Value`]) with `$c`, the first kind's reader: each
/// string by an inlined copy of [`Cursor::string`].
macro_rules! read_inline {
    ($c:ident, Text) => {
        $c.string()?
    };
    ($c:ident, OptText) => {
        $c.opt_text::<false>()?
    };
    ($c:ident, Texts) => {
        $c.strings::<false>()?
    };
    ($c:ident, Amount) => {
        $c.opt_amount::<false>()??
    };
    ($c:ident, Metadata) => {
        $c.metadata::<false>()?
    };
    ($c:ident, Postings) => {
        $c.postings()?
    };
}

/// Reads the key `$key` and a value of `$value` with `$c`, the other kinds' reader: each
/// string by the one shared copy of [`Cursor::string`].
macro_rules! read_shared {
    ($c:ident, $key:expr, Text) => {
        $c.string_at(const { &Expected::key($key) })?
    };
    ($c:ident, $key:expr, OptText) => {
        $c.opt_string_at(const { &Expected::key($key) })?
    };
    ($c:ident, $key:expr, Texts) => {
        $c.strings_at(const { &Expected::key($key) })?
    };
    ($c:ident, $key:expr, Amount) => {
        $c.amount_at(const { &Expected::key($key) })?
    };
    ($c:ident, $key:expr, Metadata) => {{
        const {
            assert!(
                schema::same($key, key::METADATA),
                "metadata_at reads its own key"
            )
        };
        $c.metadata_at()?
    }};
    ($c:ident, $key:expr, Postings) => {{
        $c.key(const { &Expected::key($key) })?;
        $c.postings()?
    }};
    // Never reached: a kind with arbitrary values is left to the general decoder.
    ($c:ident, $key:expr, Values) => {
        None?
    };
}

/// Whether the fast path reads directives of `kind`: not if it has arbitrary values.
pub(super) const fn predictable(kind: &schema::Kind) -> bool {
    let mut i = 0;
    while i < kind.fields.len() {
        if matches!(kind.fields[i].value, schema::Value::Values) {
            return false;
        }
        i += 1;
    }
    true
}

/// The fast path's per-kind code, from [`schema::kinds!`].
macro_rules! fast_kinds {
    (
        $HOT:ident = $HotVariant:ident($HotData:ident) $hot_name:literal {
            $($hot_field:ident $HOT_KEY:ident $HotValue:ident $hot_required:ident $hot_label:expr),+ $(,)?
        }
        $(
            $KIND:ident = $Variant:ident($Data:ident) $name:literal {
                $($field:ident $KEY:ident $Value:ident $required:ident $label:expr),+ $(,)?
            }
        )+
    ) => {
        /// The kind ledgers are mostly made of (declared first), read by [`hot_data`].
        const HOT: &schema::Kind = &schema::$HOT;

        /// The first kind's keys, from its first on, each read in the host's order.
        #[inline(always)]
        fn hot_data<const IN_PLACE: bool>(c: &mut Cursor<'_, IN_PLACE>) -> Option<DirectiveData> {
            $(
                c.key(const { &Expected::key(key::$HOT_KEY) })?;
                let $hot_field = read_inline!(c, $HotValue);
            )+
            Some(DirectiveData::$HotVariant($HotData { $($hot_field),+ }))
        }

        /// The kinds [`Cursor::plain_directive`] reads.
        enum Plain {
            $($Variant,)+
        }

        impl<const IN_PLACE: bool> Cursor<'_, IN_PLACE> {
            /// Every kind but the first and those with arbitrary values, from its type
            /// name on: its `own_keys` keys, each read in the host's order, written to
            /// `data`. (Struct expressions evaluate their fields in the order written,
            /// which is the order on the wire.) `None`, with `data` untouched, if the
            /// directive is not in the host's layout.
            ///
            /// # Safety
            ///
            /// `data` is valid for writes.
            #[inline(never)]
            unsafe fn plain_directive(
                &mut self,
                own_keys: usize,
                data: *mut DirectiveData,
            ) -> Option<()> {
                let (kind, keys) = $(
                    if const { predictable(&schema::$KIND) }
                        && self.expect(const { &Expected::key(schema::$KIND.name) })
                    {
                        (Plain::$Variant, const { schema::$KIND.len() })
                    } else
                )+ {
                    return None;
                };
                if own_keys != keys {
                    return None;
                }
                let value = match kind {
                    $(
                        Plain::$Variant => DirectiveData::$Variant($Data {
                            $($field: read_shared!(self, key::$KEY, $Value),)+
                        }),
                    )+
                };
                // SAFETY: the caller's promise.
                unsafe { data.write(value) };
                Some(())
            }
        }
    };
}

schema::kinds!(fast_kinds);

impl<const IN_PLACE: bool> Cursor<'_, IN_PLACE> {
    /// `key` followed by a string.
    #[inline(always)]
    fn string_at(&mut self, key: &Expected) -> Option<String> {
        self.key(key)?;
        self.text::<true>()
    }

    /// `key` followed by a string or nil.
    #[inline(always)]
    fn opt_string_at(&mut self, key: &Expected) -> Option<Option<String>> {
        self.key(key)?;
        self.opt_text::<true>()
    }

    /// `key` followed by `[number, currency]` (not nil: that is left to the general
    /// decoder, which rejects it).
    #[inline(always)]
    fn amount_at(&mut self, key: &Expected) -> Option<AmountData> {
        self.key(key)?;
        self.opt_amount::<true>()?
    }

    /// `key` followed by a list of strings.
    #[inline(always)]
    fn strings_at(&mut self, key: &Expected) -> Option<Vec<String>> {
        self.key(key)?;
        self.strings::<true>()
    }

    /// `metadata` followed by metadata whose values are all text kinds.
    #[inline(never)]
    fn metadata_at(&mut self) -> Option<Metadata> {
        self.key(const { &Expected::key(key::METADATA) })?;
        self.metadata::<true>()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rlplugin_types as ours;
    use support::WireNormalized;

    use super::*;
    use crate::codec::read::ErrorSink;
    use crate::codec::support;

    /// Runs the fast path on the host's encoding of `wrapper`, followed by `trailing` bytes
    /// of whatever comes next in the input: the decoded value, or `None` if it gave up
    /// (after checking it consumed nothing).
    fn fast_with(
        wrapper: &ours::DirectiveWrapper,
        trailing: usize,
    ) -> Option<ours::DirectiveWrapper> {
        let mut bytes = rmp_serde::to_vec(&support::to_upstream_wrapper(wrapper)).unwrap();
        let len = bytes.len();
        bytes.resize(len + trailing, 0xc0);
        let sink = ErrorSink::default();
        let mut reader = Reader::new(&bytes, &sink);
        let mut slot = MaybeUninit::uninit();
        if directive(&mut reader, &mut slot) {
            assert_eq!(reader.pos(), len, "exactly the directive is consumed");
            // SAFETY: `directive` returned true, so it initialised the slot.
            Some(unsafe { slot.assume_init() })
        } else {
            assert_eq!(reader.pos(), 0, "nothing is consumed when giving up");
            None
        }
    }

    /// The fast path on a directive at the very end of the input.
    fn fast(wrapper: &ours::DirectiveWrapper) -> Option<ours::DirectiveWrapper> {
        fast_with(wrapper, 0)
    }

    /// A string the fast path reads: a fixstr or str8.
    fn short(text: &str) -> bool {
        text.len() <= 255
    }

    /// Whether the fast path promises to take `cost`: any kind but booking's
    /// `per_unit_from_total`, short strings.
    fn fast_shaped_cost(cost: &ours::CostData) -> bool {
        let number = match &cost.number {
            None => true,
            Some(
                ours::CostNumberData::PerUnit { value } | ours::CostNumberData::Total { value },
            ) => short(value),
            Some(ours::CostNumberData::Compound { per_unit, total }) => {
                short(per_unit) && short(total)
            }
            Some(ours::CostNumberData::PerUnitFromTotal { .. }) => false,
        };
        number
            && [&cost.currency, &cost.date, &cost.label]
                .into_iter()
                .all(|text| text.as_deref().is_none_or(short))
    }

    /// Whether the fast path promises to take `price`: short strings.
    fn fast_shaped_price(price: &ours::PriceAnnotationData) -> bool {
        price
            .amount
            .as_ref()
            .is_none_or(|a| short(&a.number) && short(&a.currency))
            && price.number.as_deref().is_none_or(short)
            && price.currency.as_deref().is_none_or(short)
    }

    /// Whether `wrapper` has the shape the fast path promises to take.
    fn fast_shaped(wrapper: &ours::DirectiveWrapper) -> bool {
        let texts = |m: &ours::Metadata| {
            m.len() <= 15
                && m.iter().all(|(key, value)| {
                    short(key)
                        && match value {
                            ours::MetaValueData::String(s)
                            | ours::MetaValueData::Account(s)
                            | ours::MetaValueData::Date(s)
                            | ours::MetaValueData::Number(s) => short(s),
                            _ => false,
                        }
                })
        };
        let strings = |list: &[String]| list.len() <= 15 && list.iter().all(|s| short(s));
        let amount = |a: &ours::AmountData| short(&a.number) && short(&a.currency);
        let header = short(&wrapper.date) && wrapper.filename.as_deref().is_none_or(short);
        use ours::DirectiveData as D;
        let t = match &wrapper.data {
            D::Transaction(t) => t,
            D::Price(p) => {
                return header && short(&p.currency) && amount(&p.amount) && texts(&p.metadata);
            }
            D::Balance(b) => {
                return header
                    && short(&b.account)
                    && amount(&b.amount)
                    && b.tolerance.as_deref().is_none_or(short)
                    && texts(&b.metadata);
            }
            D::Open(o) => {
                return header
                    && short(&o.account)
                    && strings(&o.currencies)
                    && o.booking.as_deref().is_none_or(short)
                    && texts(&o.metadata);
            }
            D::Close(c) => return header && short(&c.account) && texts(&c.metadata),
            D::Commodity(c) => return header && short(&c.currency) && texts(&c.metadata),
            D::Pad(p) => {
                return header
                    && short(&p.account)
                    && short(&p.source_account)
                    && texts(&p.metadata);
            }
            D::Note(n) => {
                return header && short(&n.account) && short(&n.comment) && texts(&n.metadata);
            }
            D::Event(e) => {
                return header && short(&e.event_type) && short(&e.value) && texts(&e.metadata);
            }
            D::Document(d) => {
                return header
                    && short(&d.account)
                    && short(&d.path)
                    && strings(&d.tags)
                    && strings(&d.links)
                    && texts(&d.metadata);
            }
            D::Query(q) => {
                return header && short(&q.name) && short(&q.query) && texts(&q.metadata);
            }
            D::Custom(_) => return false,
        };
        header
            && short(&t.flag)
            && t.payee.as_deref().is_none_or(short)
            && short(&t.narration)
            && strings(&t.tags)
            && strings(&t.links)
            && texts(&t.metadata)
            && t.postings.len() <= 15
            && t.postings.iter().all(|p| {
                short(&p.account)
                    && p.units
                        .as_ref()
                        .is_none_or(|u| short(&u.number) && short(&u.currency))
                    && p.cost.as_ref().is_none_or(fast_shaped_cost)
                    && p.price.as_ref().is_none_or(fast_shaped_price)
                    && p.flag.as_deref().is_none_or(short)
                    && texts(&p.metadata)
                    && p.span.is_none_or(|s| {
                        s.start <= u64::from(u32::MAX) && s.end <= u64::from(u32::MAX)
                    })
            })
    }

    fn text() -> BoxedStrategy<String> {
        prop_oneof![
            3 => "[ -~]{0,12}",
            1 => "[ -~]{30,40}",
            1 => "[a-zé€日本]{0,9}",
        ]
        .boxed()
    }

    fn text_meta() -> BoxedStrategy<ours::Metadata> {
        let value = prop_oneof![
            text().prop_map(ours::MetaValueData::String),
            text().prop_map(ours::MetaValueData::Account),
            text().prop_map(ours::MetaValueData::Date),
            text().prop_map(ours::MetaValueData::Number),
        ];
        prop::collection::vec((text(), value), 0..3).boxed()
    }

    /// Transactions in the shape the fast path takes, with every optional part varied.
    fn shaped_transaction() -> BoxedStrategy<ours::DirectiveWrapper> {
        let span = (
            0..=u64::from(u32::MAX),
            0..=u64::from(u32::MAX),
            any::<u16>(),
        )
            .prop_map(|(start, end, file_id)| ours::SourceSpan {
                start,
                end,
                file_id,
            });
        let amount =
            (text(), text()).prop_map(|(number, currency)| ours::AmountData { number, currency });
        // Costs and prices as the compatibility suite generates them (every string class),
        // kept to the shapes the fast path takes.
        let cost = support::arb_cost().prop_filter("a fast-path cost", fast_shaped_cost);
        let price =
            support::arb_price_annotation().prop_filter("a fast-path price", fast_shaped_price);
        let posting = (
            text(),
            prop::option::of(amount),
            prop::option::of(cost),
            prop::option::of(price),
            prop::option::of(text()),
            text_meta(),
            prop::option::of(span),
        )
            .prop_map(|(account, units, cost, price, flag, metadata, span)| {
                ours::PostingData {
                    account,
                    units,
                    cost,
                    price,
                    flag,
                    metadata,
                    span,
                }
            });
        (
            (
                text(),
                prop::option::of(text()),
                prop::option::of(any::<u32>()),
            ),
            (text(), prop::option::of(text()), text()),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(text(), 0..3),
            text_meta(),
            prop::collection::vec(posting, 0..4),
        )
            .prop_map(
                |(
                    (date, filename, lineno),
                    (flag, payee, narration),
                    tags,
                    links,
                    metadata,
                    postings,
                )| {
                    ours::DirectiveWrapper {
                        directive_type: String::new(),
                        date,
                        filename,
                        lineno,
                        data: ours::DirectiveData::Transaction(ours::TransactionData {
                            flag,
                            payee,
                            narration,
                            tags,
                            links,
                            metadata,
                            postings,
                        }),
                    }
                },
            )
            .boxed()
    }

    /// Every kind but transactions and custom directives, in the shape the fast path takes.
    fn shaped_plain_directive() -> BoxedStrategy<ours::DirectiveWrapper> {
        use ours::DirectiveData as D;
        let amount = || {
            (text(), text()).prop_map(|(number, currency)| ours::AmountData { number, currency })
        };
        let texts = || prop::collection::vec(text(), 0..3);
        let data = prop_oneof![
            (text(), amount(), text_meta()).prop_map(|(currency, amount, metadata)| D::Price(
                ours::PriceData {
                    currency,
                    amount,
                    metadata
                }
            )),
            (text(), amount(), prop::option::of(text()), text_meta()).prop_map(
                |(account, amount, tolerance, metadata)| D::Balance(ours::BalanceData {
                    account,
                    amount,
                    tolerance,
                    metadata,
                })
            ),
            (text(), texts(), prop::option::of(text()), text_meta()).prop_map(
                |(account, currencies, booking, metadata)| D::Open(ours::OpenData {
                    account,
                    currencies,
                    booking,
                    metadata,
                })
            ),
            (text(), text_meta())
                .prop_map(|(account, metadata)| D::Close(ours::CloseData { account, metadata })),
            (text(), text_meta()).prop_map(|(currency, metadata)| D::Commodity(
                ours::CommodityData { currency, metadata }
            )),
            (text(), text(), text_meta()).prop_map(|(account, source_account, metadata)| D::Pad(
                ours::PadData {
                    account,
                    source_account,
                    metadata
                }
            )),
            (text(), text(), text_meta()).prop_map(|(account, comment, metadata)| D::Note(
                ours::NoteData {
                    account,
                    comment,
                    metadata
                }
            )),
            (text(), text(), text_meta()).prop_map(|(event_type, value, metadata)| D::Event(
                ours::EventData {
                    event_type,
                    value,
                    metadata
                }
            )),
            (text(), text(), texts(), texts(), text_meta()).prop_map(
                |(account, path, tags, links, metadata)| D::Document(ours::DocumentData {
                    account,
                    path,
                    tags,
                    links,
                    metadata,
                })
            ),
            (text(), text(), text_meta()).prop_map(|(name, query, metadata)| D::Query(
                ours::QueryData {
                    name,
                    query,
                    metadata
                }
            )),
        ];
        (
            text(),
            prop::option::of(text()),
            prop::option::of(any::<u32>()),
            data,
        )
            .prop_map(|(date, filename, lineno, data)| ours::DirectiveWrapper {
                directive_type: String::new(),
                date,
                filename,
                lineno,
                data,
            })
            .boxed()
    }

    /// Decodes the host's encoding of `wrapper` in place: `None` if the fast path gave up,
    /// else the decoded value and whether its date lies in the input. The input and the
    /// value are leaked, as a guest's are: their strings share one block, which the native
    /// allocator could not free piece by piece.
    fn in_place(wrapper: &ours::DirectiveWrapper) -> Option<(String, bool)> {
        let mut bytes = rmp_serde::to_vec(&support::to_upstream_wrapper(wrapper)).unwrap();
        bytes.resize(bytes.len() + 8, 0xc0);
        let bytes: &'static mut [u8] = bytes.leak();
        let range = bytes.as_ptr_range();
        bytes.as_mut_ptr().expose_provenance();
        let sink = ErrorSink::default();
        let mut reader = Reader::new(bytes, &sink);
        let mut slot = MaybeUninit::uninit();
        // SAFETY: a leaked block whose provenance is exposed, read by nothing else.
        if !unsafe { directive_in_place(&mut reader, &mut slot) } {
            return None;
        }
        // SAFETY: `directive_in_place` returned true, so it initialised the slot.
        let decoded = unsafe { slot.assume_init() };
        let inside = range.contains(&decoded.date.as_ptr());
        let text = format!("{decoded:#?}");
        core::mem::forget(decoded);
        Some((text, inside))
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// Strings left in place decode to the same values as copies. Only shapes the fast
        /// path takes: giving up drops what it decoded so far, which the arena ignores and
        /// the native allocator would take for a bad free.
        #[test]
        #[cfg_attr(miri, ignore = "leaks the input by design, which Miri reports")]
        fn strings_left_in_place_decode_as_copies(
            wrapper in prop_oneof![shaped_transaction(), shaped_plain_directive()],
        ) {
            let copied = fast_with(&wrapper, 8).map(|decoded| format!("{decoded:#?}"));
            let in_place = in_place(&wrapper);
            prop_assert!(in_place.is_some(), "gave up on {wrapper:#?}");
            let (text, inside) = in_place.unwrap();
            prop_assert_eq!(Some(text), copied);
            prop_assert!(inside || wrapper.date.is_empty(), "the date was copied");
        }

        #[test]
        fn takes_every_plain_directive_of_the_usual_shape(wrapper in shaped_plain_directive()) {
            prop_assert!(fast_shaped(&wrapper));
            let decoded = fast_with(&wrapper, 8);
            prop_assert!(decoded.is_some(), "gave up on {wrapper:#?}");
            prop_assert_eq!(format!("{:#?}", decoded.unwrap()), format!("{:#?}", wrapper.wire_normalized()));
        }

        #[test]
        fn takes_every_transaction_of_the_usual_shape(wrapper in shaped_transaction()) {
            prop_assert!(fast_shaped(&wrapper));
            // Within a real input, the options and config follow the last directive; right
            // at the end, the eight-byte key compares give up (see the next test).
            let decoded = fast_with(&wrapper, 8);
            prop_assert!(decoded.is_some(), "gave up on {wrapper:#?}");
            prop_assert_eq!(format!("{:#?}", decoded.unwrap()), format!("{:#?}", wrapper.wire_normalized()));
        }

        #[test]
        fn any_directive_is_decoded_exactly_or_left_alone(
            wrapper in support::arb_wrapper(),
            trailing in prop_oneof![Just(0), Just(8)],
        ) {
            match fast_with(&wrapper, trailing) {
                Some(decoded) => prop_assert_eq!(
                    format!("{decoded:#?}"),
                    format!("{:#?}", wrapper.wire_normalized())
                ),
                None => prop_assert!(
                    trailing == 0 || !fast_shaped(&wrapper),
                    "gave up on {wrapper:#?}"
                ),
            }
        }
    }

    /// Every string the fast path compares against (keys, kind names, metadata types, cost
    /// kinds): the prediction matches the host's encoding followed by anything, and misses
    /// it with any one byte changed (the fixstr marker included).
    #[test]
    fn predicted_keys_are_the_host_encodings() {
        let kinds = schema::KINDS;
        let strings = [
            schema::DATE.key,
            schema::FILENAME.key,
            schema::LINENO.key,
            schema::TYPE.key,
            meta::STRING,
            meta::ACCOUNT,
            meta::DATE,
            meta::NUMBER,
            cost::PER_UNIT,
            cost::TOTAL,
            cost::COMPOUND,
        ]
        .into_iter()
        .chain(kinds.iter().map(|kind| kind.name))
        .chain(
            kinds
                .iter()
                .flat_map(|kind| kind.fields.iter().map(|f| f.key)),
        );
        for string in strings {
            let encoded = rmp_serde::to_vec(string).unwrap();
            let expected = Expected::key(string);
            assert_eq!(expected.len, encoded.len(), "{string}");
            let mut buf = encoded.clone();
            buf.extend_from_slice(&[0xc0; 8]);
            let mut cursor = Cursor::<'_, false> { buf: &buf, pos: 0 };
            assert!(cursor.expect(&expected), "{string}");
            assert_eq!(cursor.pos, encoded.len());
            for at in 0..encoded.len() {
                let mut changed = buf.clone();
                changed[at] ^= 0x01;
                let mut cursor = Cursor::<'_, false> {
                    buf: &changed,
                    pos: 0,
                };
                assert!(!cursor.expect(&expected), "{string} changed at {at}");
                assert_eq!(cursor.pos, 0);
            }
        }
    }

    #[test]
    fn leaves_booked_costs_and_custom_directives_to_the_general_decoder() {
        let mut wrapper = ours::DirectiveWrapper {
            directive_type: String::new(),
            date: "2024-01-01".into(),
            filename: None,
            lineno: None,
            data: ours::DirectiveData::Transaction(ours::TransactionData {
                flag: "*".into(),
                payee: None,
                narration: String::new(),
                tags: Vec::new(),
                links: Vec::new(),
                metadata: Vec::new(),
                postings: vec![ours::PostingData {
                    account: "Assets:Broker".into(),
                    units: None,
                    cost: Some(ours::CostData {
                        number: Some(ours::CostNumberData::PerUnitFromTotal {
                            per_unit: "1.5".into(),
                            total: "15".into(),
                        }),
                        currency: Some("USD".into()),
                        date: None,
                        label: None,
                        merge: false,
                    }),
                    price: None,
                    flag: None,
                    metadata: Vec::new(),
                    span: None,
                }],
            }),
        };
        assert!(fast(&wrapper).is_none(), "a posting with a booked cost");
        wrapper.data = ours::DirectiveData::Custom(ours::CustomData {
            custom_type: "budget".into(),
            values: Vec::new(),
            metadata: Vec::new(),
        });
        assert!(fast(&wrapper).is_none(), "a custom directive");
    }
}
