//! Encoders for the guest's output types, byte-identical to `rmp_serde::to_vec` (default
//! configuration) of rustledger-plugin-types 0.24: smallest headers for integers, strings,
//! arrays and maps; `f64` always as float64; positional structs as arrays; the directive
//! wrapper as a map keyed `date`, [`filename`], [`lineno`], `type`, then the kind's fields.

use rlplugin_types::{
    AmountData, CostData, CostNumberData, DirectiveData, DirectiveWrapper, EnrichedImporterOutput,
    EnrichmentWrapper, IdentifyOutput, ImporterOutput, MetaValueData, MetadataOutput, PluginError,
    PluginInput, PluginOp, PluginOutput, PostingData, PriceAnnotationData, TransactionData,
};

use super::schema::{self, cost, key, meta};

/// Constant bytes built at compile time from the schema: `$prefix` (raw bytes, such as an
/// array header), then each string as the host encodes it ([`schema::fixstrs`]).
macro_rules! wire {
    ($prefix:expr; $($part:expr),+) => {{
        const PREFIX: &[u8] = $prefix;
        const PARTS: &[&str] = &[$($part),+];
        const BYTES: [u8; schema::fixstrs_len(PREFIX, PARTS)] = schema::fixstrs(PREFIX, PARTS);
        &BYTES
    }};
    ($($part:expr),+) => {
        wire!(b""; $($part),+)
    };
}

/// The output buffer.
struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
        }
    }

    #[cfg_attr(not(rlplugin_small), inline)]
    fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// A header: the short form for lengths below `short_max`, else the 16- or 32-bit form.
    #[cfg_attr(not(rlplugin_small), inline)]
    fn header(&mut self, len: usize, short: u8, short_max: usize, long16: u8) {
        if len < short_max {
            self.buf.push(short | len as u8);
        } else if let Ok(len) = u16::try_from(len) {
            self.buf.push(long16);
            self.buf.extend_from_slice(&len.to_be_bytes());
        } else {
            self.buf.push(long16 + 1);
            // Wire lengths are u32; larger values cannot occur in 32-bit guest memory.
            self.buf.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }

    #[cfg_attr(not(rlplugin_small), inline)]
    fn array(&mut self, len: usize) {
        self.header(len, 0x90, 16, 0xdc);
    }

    /// A string list outside a wrapper: each string through one small reserve.
    fn strings(&mut self, v: &[String]) {
        self.array(v.len());
        for s in v {
            // SAFETY: a string within `STR_MAX` (a longer one reserves itself).
            self.raw(STR_MAX, |out| unsafe { out.str(s) });
        }
    }

    /// Writes `prefix` (at most [`PREFIX_MAX`] bytes) and a wrapper after one reserve of a
    /// constant bound and the filename; lists longer than the bound allows for reserve their
    /// excess themselves ([`Out::list`]). The filename, a path, is usually longer than the
    /// bound counts a string as: reserved here, it is written without the growth check.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn wrapper(&mut self, w: &DirectiveWrapper, prefix: impl FnOnce(Out) -> Out) {
        let filename = w.filename.as_ref().map_or(0, String::len);
        // SAFETY: the bound covers the prefix and the wrapper, lists within their allowance,
        // and the filename with its longest header.
        self.raw(PREFIX_MAX + WRAPPER_FIXED + filename + 5, |out| unsafe {
            prefix(out).wrapper(w)
        });
    }

    /// Runs `write` on a cursor with `bound` bytes reserved and keeps what it wrote. A string
    /// longer than [`STR_MAX`] grows the buffer from [`Out::long_str`], through [`GROW`].
    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn raw(&mut self, bound: usize, write: impl FnOnce(Out) -> Out) {
        self.buf.reserve(bound);
        let buf: *mut Vec<u8> = &mut self.buf;
        GROW.set((buf, self.buf.len() + bound));
        // SAFETY: `reserve` made room for `bound` bytes after the length, and `write` writes
        // at most that many beyond what `long_str` reserves itself. All accesses go through
        // `buf` until `raw` returns, and the end is measured from the possibly moved base.
        unsafe {
            let start = (*buf).as_mut_ptr().add((*buf).len());
            let end = write(Out(start));
            let len = end.0.offset_from_unsigned((*buf).as_ptr());
            debug_assert!(len <= (*buf).capacity(), "wrote past the reserved bound");
            (*buf).set_len(len);
        }
    }

    fn errors(&mut self, errors: &[PluginError]) {
        self.array(errors.len());
        for e in errors {
            // SAFETY: header, three strings (a longer one reserves itself) and a u32.
            self.raw(1 + 3 * STR_MAX + 9, |out| unsafe {
                let out = out
                    .byte(0x94)
                    .str(&e.message)
                    .opt_str(e.source_file.as_deref());
                let out = match e.line_number {
                    Some(line) => out.uint(u64::from(line)),
                    None => out.byte(0xc0),
                };
                out.str(e.severity.as_str())
            });
        }
    }

    fn enrichment(&mut self, e: &EnrichmentWrapper) {
        // SAFETY: header, index, float, string, list header (the alternatives reserve their
        // own room below), fingerprint.
        self.raw(1 + 9 + 9 + STR_MAX + 5, |out| unsafe {
            out.byte(0x95)
                .uint(e.directive_index as u64)
                .f64(e.confidence)
                .str(&e.method)
                .header(e.alternatives.len(), 0x90, 0xdc)
        });
        for a in &e.alternatives {
            // SAFETY: header, two strings and a float.
            self.raw(1 + 2 * STR_MAX + 9, |out| unsafe {
                out.byte(0x93)
                    .str(&a.account)
                    .f64(a.confidence)
                    .str(&a.method)
            });
        }
        // SAFETY: one string.
        self.raw(STR_MAX, |out| unsafe {
            out.opt_str(e.fingerprint.as_deref())
        });
    }
}

/// A first guess at a wrapper's encoded size: the buffer grows if it is short (in place,
/// under the bump arena, since nothing else allocates while encoding).
const WRAPPER_GUESS: usize = 256;

/// A write position inside a buffer whose capacity was reserved for an upper bound of
/// everything written through it, so no write checks capacity; it is passed and returned
/// by value so it stays in a wasm local instead of memory.
#[derive(Clone, Copy)]
struct Out(*mut u8);

/// Bytes a string shorter than 32 bytes takes with its header, at most. Bounds count every
/// string as this; a longer one reserves the difference itself ([`Out::long_str`]).
const STR_MAX: usize = 32;
/// A metadata value (array header, tag, value): the amount's `[tag, [number, currency]]`.
const META_VALUE_MAX: usize = 1 + 9 + 1 + 2 * STR_MAX;
/// A metadata entry: array header, key, value.
const META_ENTRY_MAX: usize = 1 + STR_MAX + META_VALUE_MAX;
/// How many items of a list a wrapper's bound allows for: tags, links, metadata entries and
/// postings of the first kind ([`allowance`]), metadata entries of a posting; other lists
/// reserve every item.
const TAGS: usize = 4;
const LINKS: usize = 2;
const TRANSACTION_META: usize = 2;
const POSTINGS: usize = 4;
const POSTING_META: usize = 1;

/// How many items of the first kind's list keyed `key` its wrapper's bound allows for.
const fn allowance(key: &str) -> usize {
    if schema::same(key, key::TAGS) {
        TAGS
    } else if schema::same(key, key::LINKS) {
        LINKS
    } else if schema::same(key, key::METADATA) {
        TRANSACTION_META
    } else if schema::same(key, key::POSTINGS) {
        POSTINGS
    } else {
        0
    }
}

/// The most an item of a list holding `value` takes; 0 for other values.
const fn item_max(value: schema::Value) -> usize {
    match value {
        schema::Value::Texts => STR_MAX,
        schema::Value::Metadata => META_ENTRY_MAX,
        schema::Value::Postings => POSTING_FIXED,
        schema::Value::Values => META_VALUE_MAX,
        schema::Value::Text
        | schema::Value::OptText
        | schema::Value::OptUint
        | schema::Value::Amount
        | schema::Value::Kind => 0,
    }
}

/// The most a value of the directive map takes, by what it holds: a string (a kind's name
/// included) as [`STR_MAX`], a line number as a u64, a list as its longest header (its items
/// are counted by the allowances or reserve themselves).
const fn value_max(value: schema::Value) -> usize {
    match value {
        schema::Value::Text | schema::Value::OptText | schema::Value::Kind => STR_MAX,
        schema::Value::OptUint => 9,
        schema::Value::Amount => 1 + 2 * STR_MAX,
        schema::Value::Texts
        | schema::Value::Metadata
        | schema::Value::Postings
        | schema::Value::Values => 5,
    }
}

/// The most `fields` take as map entries: each key as the fixstr it is, then its value.
const fn entries_max(fields: &[schema::Field]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < fields.len() {
        len += schema::fixstrs_len(b"", &[fields[i].key]) + value_max(fields[i].value);
        i += 1;
    }
    len
}

/// The map header and the entries every directive may carry before its kind's own.
const HEAD_MAX: usize =
    1 + entries_max(&[schema::DATE, schema::FILENAME, schema::LINENO, schema::TYPE]);
/// A wrapper of the first kind with its allowances: the head, the kind's entries, the
/// allowed list items.
const HOT_FIXED: usize = HEAD_MAX + entries_max(HOT.fields) + {
    let mut len = 0;
    let mut i = 0;
    while i < HOT.fields.len() {
        let field = HOT.fields[i];
        len += allowance(field.key) * item_max(field.value);
        i += 1;
    }
    len
};
/// Any other wrapper, list items excluded: the head and the largest kind's entries.
const OTHER_FIXED: usize = HEAD_MAX + {
    let mut largest = 0;
    let mut i = 0;
    while i < schema::KINDS.len() {
        let kind = schema::KINDS[i];
        if !schema::same(kind.name, HOT.name) {
            let len = entries_max(kind.fields);
            if len > largest {
                largest = len;
            }
        }
        i += 1;
    }
    largest
};
/// A wrapper of any kind, within its allowances.
const WRAPPER_FIXED: usize = if HOT_FIXED > OTHER_FIXED {
    HOT_FIXED
} else {
    OTHER_FIXED
};
/// What may precede a wrapper in the same reserve: `{"Modify": [index, …` is 9 + 9 bytes.
const PREFIX_MAX: usize = 18;
/// A posting with its allowance: array header, account, units, cost (header,
/// `per_unit_from_total` with two strings, three strings, bool), price (header, bool,
/// amount, two strings), flag, metadata header and entries, span (header and three u64).
const POSTING_FIXED: usize = 1
    + STR_MAX
    + (1 + 2 * STR_MAX)
    + (1 + 1 + 20 + 2 * STR_MAX + 3 * STR_MAX + 1)
    + (2 + (1 + 2 * STR_MAX) + 2 * STR_MAX)
    + STR_MAX
    + 5
    + POSTING_META * META_ENTRY_MAX
    + (1 + 3 * 9);

std::thread_local! {
    /// The buffer a cursor writes into and the end of the room its bound reserved, for
    /// [`Out::long_str`] to grow it; set by [`Writer::raw`] for the duration of its write.
    static GROW: core::cell::Cell<(*mut Vec<u8>, usize)> =
        const { core::cell::Cell::new((core::ptr::null_mut(), 0)) };
}

/// Writes a value of `$value` ([`schema::Value`]), `$v`, to `$out`, inlined: the first
/// kind's writer, each list within `$allowed` items of its bound.
macro_rules! write_inline {
    ($out:ident, Text, $v:expr, $allowed:expr) => {
        $out.str(&$v)
    };
    ($out:ident, OptText, $v:expr, $allowed:expr) => {
        $out.opt_str($v.as_deref())
    };
    ($out:ident, Texts, $v:expr, $allowed:expr) => {
        $out.strings_inline(&$v, $allowed)
    };
    ($out:ident, Amount, $v:expr, $allowed:expr) => {
        $out.amount(&$v)
    };
    ($out:ident, Metadata, $v:expr, $allowed:expr) => {
        $out.metadata_inline(&$v, $allowed)
    };
    ($out:ident, Postings, $v:expr, $allowed:expr) => {{
        let mut out = $out.list($v.len(), $allowed, POSTING_FIXED);
        for p in &$v {
            out = out.posting(p);
        }
        out
    }};
    ($out:ident, Values, $v:expr, $allowed:expr) => {{
        let mut out = $out.list($v.len(), $allowed, META_VALUE_MAX);
        for v in &$v {
            out = out.meta_value(v);
        }
        out
    }};
}

/// Writes the key `$key` and a value of `$value`, `$v`, to `$out`: the other kinds' writer,
/// through calls shared by every kind and no list allowance.
macro_rules! write_shared {
    ($out:ident, $key:expr, Text, $v:expr) => {
        $out.field(wire!($key), &$v)
    };
    ($out:ident, $key:expr, OptText, $v:expr) => {
        $out.opt_field(wire!($key), $v.as_deref())
    };
    ($out:ident, $key:expr, Texts, $v:expr) => {
        $out.lit(wire!($key)).strings(&$v, 0)
    };
    ($out:ident, $key:expr, Amount, $v:expr) => {
        $out.lit(wire!($key)).amount(&$v)
    };
    ($out:ident, $key:expr, Metadata, $v:expr) => {{
        const {
            assert!(
                schema::same($key, key::METADATA),
                "metadata_field writes its own key"
            )
        };
        $out.metadata_field(&$v)
    }};
    ($out:ident, $key:expr, $value:ident, $v:expr) => {{
        let out = $out.lit(wire!($key));
        write_inline!(out, $value, $v, 0)
    }};
}

/// The encoder's per-kind code, from [`schema::kinds!`].
macro_rules! write_kinds {
    (
        $HOT:ident = $HotVariant:ident($HotData:ident) $hot_name:literal {
            $first_field:ident $FIRST_KEY:ident $FirstValue:ident $first_required:ident $first_label:expr,
            $($hot_field:ident $HOT_KEY:ident $HotValue:ident $hot_required:ident $hot_label:expr),+ $(,)?
        }
        $(
            $KIND:ident = $Variant:ident($Data:ident) $name:literal {
                $($field:ident $KEY:ident $Value:ident $required:ident $label:expr),+ $(,)?
            }
        )+
    ) => {
        /// The kind ledgers are mostly made of (declared first), written by [`Out::hot`].
        const HOT: &schema::Kind = &schema::$HOT;

        impl Out {
            /// # Safety
            /// [`WRAPPER_FIXED`] bytes are reserved, inside [`Writer::raw`].
            #[cfg_attr(not(rlplugin_small), inline(always))]
            unsafe fn wrapper(self, w: &DirectiveWrapper) -> Self {
                // SAFETY: forwarded from the caller.
                unsafe {
                    match &w.data {
                        DirectiveData::$HotVariant(d) => self.hot(w, d),
                        other => self.other(w, other),
                    }
                }
            }

            /// A wrapper of the first kind, its first key written with `type` and the
            /// kind's name.
            ///
            /// # Safety
            /// [`HOT_FIXED`] bytes are reserved, inside [`Writer::raw`].
            #[inline(never)]
            unsafe fn hot(self, w: &DirectiveWrapper, d: &$HotData) -> Self {
                // SAFETY: forwarded from the caller.
                unsafe {
                    let out = self
                        .head(w)
                        .lit(wire!(key::TYPE, HOT.name, key::$FIRST_KEY));
                    let out = write_inline!(
                        out,
                        $FirstValue,
                        d.$first_field,
                        const { allowance(key::$FIRST_KEY) }
                    );
                    $(
                        let out = out.lit(wire!(key::$HOT_KEY));
                        let out = write_inline!(
                            out,
                            $HotValue,
                            d.$hot_field,
                            const { allowance(key::$HOT_KEY) }
                        );
                    )+
                    out
                }
            }

            /// A wrapper of any kind but the first.
            ///
            /// # Safety
            /// [`OTHER_FIXED`] bytes are reserved, inside [`Writer::raw`].
            #[inline(never)]
            unsafe fn other(self, w: &DirectiveWrapper, data: &DirectiveData) -> Self {
                // SAFETY: forwarded from the caller.
                unsafe {
                    let out = self.head(w).field(wire!(key::TYPE), data.type_name());
                    match data {
                        DirectiveData::$HotVariant(_) => out,
                        $(
                            DirectiveData::$Variant(d) => {
                                $(let out = write_shared!(out, key::$KEY, $Value, d.$field);)+
                                out
                            }
                        )+
                    }
                }
            }
        }
    };
}

schema::kinds!(write_kinds);

impl Out {
    /// Copies constant bytes; inlined so the length is known and the copy becomes stores.
    ///
    /// # Safety
    /// `bytes.len()` bytes from here are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    #[cfg_attr(rlplugin_small, inline(never))]
    unsafe fn lit(self, bytes: &'static [u8]) -> Self {
        // SAFETY: the caller reserved the room; static data never overlaps the buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.0, bytes.len());
            Self(self.0.add(bytes.len()))
        }
    }

    /// Writes the eight bytes of `word` (little-endian) and moves on by `len` of them: one
    /// store where the bytes wanted are fewer, the rest overwritten by what follows.
    ///
    /// # Safety
    /// Eight bytes from here are reserved, and `len` is at most eight.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn word(self, word: u64, len: usize) -> Self {
        // SAFETY: the caller reserved the room; an unaligned write needs no alignment.
        unsafe {
            self.0.cast::<u64>().write_unaligned(word.to_le());
            Self(self.0.add(len))
        }
    }

    /// # Safety
    /// One byte from here is reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    #[cfg_attr(rlplugin_small, inline(never))]
    unsafe fn byte(self, b: u8) -> Self {
        // SAFETY: the caller reserved the room.
        unsafe {
            self.0.write(b);
            Self(self.0.add(1))
        }
    }

    /// # Safety
    /// [`STR_MAX`] bytes from here are reserved, inside [`Writer::raw`].
    #[cfg_attr(not(rlplugin_small), inline(always))]
    #[cfg_attr(rlplugin_small, inline(never))]
    unsafe fn str(self, s: &str) -> Self {
        let len = s.len();
        if len < 32 {
            // SAFETY: the caller reserved the room; `s` is not in the output buffer.
            unsafe {
                self.0.write(0xa0 | len as u8);
                core::ptr::copy_nonoverlapping(s.as_ptr(), self.0.add(1), len);
                Self(self.0.add(1 + len))
            }
        } else {
            // SAFETY: forwarded from the caller.
            unsafe { Self::long_str(self.0, s) }
        }
    }

    /// A string of 32 bytes or more, which bounds counted as [`STR_MAX`] bytes.
    ///
    /// # Safety
    /// Called inside [`Writer::raw`], `at` pointing into its buffer.
    #[cold]
    #[inline(never)]
    unsafe fn long_str(at: *mut u8, s: &str) -> Self {
        // SAFETY: `ensure` reserves the string and its header.
        unsafe { Self::long_str_within(Self(at).ensure(s.len() + 5).0, s) }
    }

    /// [`Out::long_str`] where its length and header are reserved already.
    ///
    /// # Safety
    /// `s.len() + 5` bytes from `at` are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn long_str_within(at: *mut u8, s: &str) -> Self {
        let len = s.len();
        // SAFETY: the caller reserved the string and its header.
        unsafe {
            let out = Self(at);
            let out = if let Ok(len) = u8::try_from(len) {
                out.lit_pair(0xd9, len)
            } else if let Ok(len) = u16::try_from(len) {
                out.byte(0xda).bytes(&len.to_be_bytes())
            } else {
                // Wire lengths are u32; larger values cannot occur in 32-bit guest memory.
                out.byte(0xdb).bytes(&(len as u32).to_be_bytes())
            };
            core::ptr::copy_nonoverlapping(s.as_ptr(), out.0, len);
            Self(out.0.add(len))
        }
    }

    /// Moves the end of the reserved room `extra` bytes further and grows the buffer to it,
    /// for what the bound did not count.
    ///
    /// # Safety
    /// Called inside [`Writer::raw`], `self` pointing into its buffer.
    #[inline(never)]
    unsafe fn ensure(self, extra: usize) -> Self {
        // SAFETY: `GROW` is the buffer `self` points into (set by `raw`), accessed through
        // no other path meanwhile; everything before `self` was written.
        unsafe {
            let (ptr, end) = GROW.get();
            let buf = &mut *ptr;
            let written = self.0.offset_from_unsigned(buf.as_ptr());
            let end = end.saturating_add(extra);
            debug_assert!(written <= end, "wrote past the reserved bound");
            buf.set_len(written);
            buf.reserve(end - written);
            GROW.set((ptr, end));
            Self(buf.as_mut_ptr().add(written))
        }
    }

    /// A list's array header, after reserving `item` bytes for each item beyond the
    /// `allowed` ones the bound counted.
    ///
    /// # Safety
    /// Called inside [`Writer::raw`]; five bytes and `allowed` items from here are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn list(self, len: usize, allowed: usize, item: usize) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let out = if len > allowed {
                self.ensure((len - allowed).saturating_mul(item))
            } else {
                self
            };
            out.header(len, 0x90, 0xdc)
        }
    }

    /// # Safety
    /// Nine bytes from here are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn f64(self, v: f64) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.byte(0xcb).bytes(&v.to_bits().to_be_bytes()) }
    }

    /// # Safety
    /// Two bytes from here are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn lit_pair(self, a: u8, b: u8) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.byte(a).byte(b) }
    }

    /// # Safety
    /// `bytes.len()` bytes from here are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn bytes(self, bytes: &[u8]) -> Self {
        // SAFETY: the caller reserved the room; `bytes` is a local, not the buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.0, bytes.len());
            Self(self.0.add(bytes.len()))
        }
    }

    /// # Safety
    /// As [`Out::str`].
    #[cfg_attr(not(rlplugin_small), inline(always))]
    #[cfg_attr(rlplugin_small, inline(never))]
    unsafe fn opt_str(self, s: Option<&str>) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            match s {
                Some(s) => self.str(s),
                None => self.byte(0xc0),
            }
        }
    }

    /// An array or map header.
    ///
    /// # Safety
    /// Five bytes from here are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn header(self, len: usize, short: u8, long16: u8) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            if len < 16 {
                self.byte(short | len as u8)
            } else {
                self.long_header(len, long16)
            }
        }
    }

    /// # Safety
    /// Five bytes from here are reserved.
    #[inline(never)]
    unsafe fn long_header(self, len: usize, long16: u8) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            if let Ok(len) = u16::try_from(len) {
                self.byte(long16).bytes(&len.to_be_bytes())
            } else {
                self.byte(long16 + 1).bytes(&(len as u32).to_be_bytes())
            }
        }
    }

    /// [`Out::uint`] with the encodings of values below 65,536 inlined.
    ///
    /// # Safety
    /// Nine bytes from here are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn small_uint(self, v: u64) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            if v < 0x80 {
                self.byte(v as u8)
            } else if v < 0x100 {
                self.lit_pair(0xcc, v as u8)
            } else if v < 0x1_0000 {
                self.byte(0xcd).bytes(&(v as u16).to_be_bytes())
            } else {
                self.uint(v)
            }
        }
    }

    /// # Safety
    /// Nine bytes from here are reserved.
    #[inline(never)]
    unsafe fn uint(self, v: u64) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            if v < 0x80 {
                self.byte(v as u8)
            } else if let Ok(v) = u8::try_from(v) {
                self.lit_pair(0xcc, v)
            } else if let Ok(v) = u16::try_from(v) {
                self.byte(0xcd).bytes(&v.to_be_bytes())
            } else if let Ok(v) = u32::try_from(v) {
                self.byte(0xce).bytes(&v.to_be_bytes())
            } else {
                self.byte(0xcf).bytes(&v.to_be_bytes())
            }
        }
    }

    /// # Safety
    /// As [`Out::list`].
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn strings_inline(self, v: &[String], allowed: usize) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let mut out = self.list(v.len(), allowed, STR_MAX);
            for s in v {
                out = out.str(s);
            }
            out
        }
    }

    /// [`Out::strings_inline`] out of line, for the rarer kinds.
    ///
    /// # Safety
    /// As [`Out::list`].
    #[inline(never)]
    unsafe fn strings(self, v: &[String], allowed: usize) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.strings_inline(v, allowed) }
    }

    /// # Safety
    /// `1 + 2 * STR_MAX` bytes from here are reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn amount(self, a: &AmountData) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.byte(0x92).str(&a.number).str(&a.currency) }
    }

    /// # Safety
    /// As [`Out::list`].
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn metadata_inline(self, meta: &[(String, MetaValueData)], allowed: usize) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let mut out = self.list(meta.len(), allowed, META_ENTRY_MAX);
            for (key, value) in meta {
                out = out.byte(0x92).str(key).meta_value(value);
            }
            out
        }
    }

    /// # Safety
    /// [`META_VALUE_MAX`] bytes from here are reserved.
    #[inline(never)]
    unsafe fn meta_value(self, v: &MetaValueData) -> Self {
        // SAFETY: forwarded from the caller; each tag with its headers is at most 10 bytes.
        unsafe {
            // Tags as data copied with one `memory.copy`, not stores inlined per variant.
            let (tag, text): (&'static [u8], &String) = match v {
                MetaValueData::String(s) => (wire!(b"\x92"; meta::STRING), s),
                MetaValueData::Number(s) => (wire!(b"\x92"; meta::NUMBER), s),
                MetaValueData::Date(s) => (wire!(b"\x92"; meta::DATE), s),
                MetaValueData::Account(s) => (wire!(b"\x92"; meta::ACCOUNT), s),
                MetaValueData::Currency(s) => (wire!(b"\x92"; meta::CURRENCY), s),
                MetaValueData::Tag(s) => (wire!(b"\x92"; meta::TAG), s),
                MetaValueData::Link(s) => (wire!(b"\x92"; meta::LINK), s),
                MetaValueData::Amount(a) => {
                    return self.lit(wire!(b"\x92"; meta::AMOUNT)).amount(a);
                }
                MetaValueData::Bool(b) => {
                    return self
                        .lit(wire!(b"\x92"; meta::BOOL))
                        .byte(if *b { 0xc3 } else { 0xc2 });
                }
            };
            self.bytes(tag).str(text)
        }
    }

    /// # Safety
    /// [`POSTING_FIXED`] bytes from here are reserved, inside [`Writer::raw`].
    #[inline(never)]
    unsafe fn posting(self, p: &PostingData) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let mut out = self.byte(0x97).str(&p.account);
            out = match &p.units {
                Some(a) => out.amount(a),
                None => out.byte(0xc0),
            };
            out = match &p.cost {
                Some(c) => out.cost(c),
                None => out.byte(0xc0),
            };
            out = match &p.price {
                Some(price) => out.price(price),
                None => out.byte(0xc0),
            };
            out = out
                .opt_str(p.flag.as_deref())
                .metadata_inline(&p.metadata, POSTING_META);
            match &p.span {
                Some(span) => out
                    .byte(0x93)
                    .uint(span.start)
                    .uint(span.end)
                    .uint(u64::from(span.file_id)),
                None => out.byte(0xc0),
            }
        }
    }

    /// # Safety
    /// The cost's part of [`POSTING_FIXED`] is reserved.
    #[inline(never)]
    unsafe fn cost(self, c: &CostData) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let out = self.byte(0x95);
            let out = match &c.number {
                Some(CostNumberData::PerUnit { value }) => {
                    out.field(wire!(b"\x92"; cost::PER_UNIT), value)
                }
                Some(CostNumberData::Total { value }) => {
                    out.field(wire!(b"\x92"; cost::TOTAL), value)
                }
                Some(CostNumberData::Compound { per_unit, total }) => out
                    .field(wire!(b"\x93"; cost::COMPOUND), per_unit)
                    .field(b"", total),
                Some(CostNumberData::PerUnitFromTotal { per_unit, total }) => out
                    .field(wire!(b"\x93"; cost::PER_UNIT_FROM_TOTAL), per_unit)
                    .field(b"", total),
                None => out.byte(0xc0),
            };
            out.opt_field(b"", c.currency.as_deref())
                .opt_field(b"", c.date.as_deref())
                .opt_field(b"", c.label.as_deref())
                .byte(if c.merge { 0xc3 } else { 0xc2 })
        }
    }

    /// # Safety
    /// The price's part of [`POSTING_FIXED`] is reserved.
    #[inline(never)]
    unsafe fn price(self, p: &PriceAnnotationData) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let out = self.byte(0x94).byte(if p.is_total { 0xc3 } else { 0xc2 });
            let out = match &p.amount {
                Some(a) => out.field(b"\x92", &a.number).field(b"", &a.currency),
                None => out.byte(0xc0),
            };
            out.opt_field(b"", p.number.as_deref())
                .opt_field(b"", p.currency.as_deref())
        }
    }

    /// The map header and the keys and values before `type`.
    ///
    /// # Safety
    /// The head's part of [`HOT_FIXED`] and [`OTHER_FIXED`] is reserved.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    unsafe fn head(self, w: &DirectiveWrapper) -> Self {
        let fields = schema::len(&w.data);
        let entries = 2 + usize::from(w.filename.is_some()) + usize::from(w.lineno.is_some());
        // SAFETY: forwarded from the caller; at most 11 entries, so a fixmap header.
        unsafe {
            let mut out = self
                .byte(0x80 | (entries + fields) as u8)
                .lit(wire!(key::DATE))
                .str(&w.date);
            if let Some(filename) = &w.filename {
                // The reserve counted the whole filename (`Writer::wrapper`).
                out = out.lit(wire!(key::FILENAME));
                out = if filename.len() < 32 {
                    out.str(filename)
                } else {
                    Self::long_str_within(out.0, filename)
                };
            }
            if let Some(lineno) = w.lineno {
                out = out.lit(wire!(key::LINENO)).small_uint(u64::from(lineno));
            }
            out
        }
    }

    /// A key's literal bytes and a string value, as a call: the rarer kinds write their
    /// fields through this instead of an inlined copy per field.
    ///
    /// # Safety
    /// `key.len()` bytes and [`STR_MAX`] from here are reserved, inside [`Writer::raw`].
    #[inline(never)]
    unsafe fn field(self, key: &'static [u8], s: &str) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.bytes(key).str(s) }
    }

    /// [`Out::field`] for an optional string.
    ///
    /// # Safety
    /// As [`Out::field`].
    #[inline(never)]
    unsafe fn opt_field(self, key: &'static [u8], s: Option<&str>) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.bytes(key).opt_str(s) }
    }

    /// The `metadata` key and list of a rarer kind, every entry reserved here.
    ///
    /// # Safety
    /// Ten bytes from here are reserved, inside [`Writer::raw`].
    #[inline(never)]
    unsafe fn metadata_field(self, meta: &[(String, MetaValueData)]) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.bytes(wire!(key::METADATA)).metadata_inline(meta, 0) }
    }
}

// The ops as the host's encoder writes them: a map of one key, the variant's name, whose
// value (the index, or `[index, directive]`, or the directive) follows.
const KEEP: &[u8] = b"\x81\xa4Keep";
const DELETE: &[u8] = b"\x81\xa6Delete";
const MODIFY: &[u8] = b"\x81\xa6Modify\x92";
const INSERT: &[u8] = b"\x81\xa6Insert";

/// An encoded `Keep` or `Delete` op at most: map header, key, index.
const KEEP_OR_DELETE_MAX: usize = 1 + 7 + 9;

/// [`KEEP`] as the low bytes of a little-endian word, whose high bytes the index fills.
const KEEP_WORD: u64 = {
    let mut word = 0;
    let mut i = 0;
    while i < KEEP.len() {
        word |= (KEEP[i] as u64) << (8 * i);
        i += 1;
    }
    word
};
const _: () = assert!(
    KEEP.len() == 6,
    "a Keep and a one- or two-byte index fill one word"
);

pub(super) fn plugin_output(output: &PluginOutput) -> Vec<u8> {
    let mut w = Writer::with_capacity(16 + output.ops.len() * 8 + output.errors.len() * 64);
    w.byte(0x92);
    w.array(output.ops.len());
    let mut rest = output.ops.as_slice();
    while let Some((op, after)) = rest.split_first() {
        match op {
            PluginOp::Modify(i, wrapper) => {
                // SAFETY: 9 bytes of header, 9 of index: the prefix `wrapper` allows for.
                w.wrapper(wrapper, |out| unsafe {
                    out.lit(MODIFY).small_uint(*i as u64)
                });
                rest = after;
            }
            PluginOp::Insert(wrapper) => {
                // SAFETY: 8 bytes of header, within the prefix `wrapper` allows for.
                w.wrapper(wrapper, |out| unsafe { out.lit(INSERT) });
                rest = after;
            }
            PluginOp::Keep(_) | PluginOp::Delete(_) => {
                // Most ops are `Keep`s, often all of them: a run of `Keep`s and `Delete`s
                // is written under one reserve.
                let run = 1 + after
                    .iter()
                    .take_while(|op| matches!(op, PluginOp::Keep(_) | PluginOp::Delete(_)))
                    .count();
                // `run` never exceeds `rest`; the checked split keeps a panic, and the source
                // path its location would embed, out of every guest.
                let (indices, after) = rest.split_at_checked(run).unwrap_or((rest, &[]));
                // SAFETY: each op takes at most 8 bytes of header and 9 of index.
                w.raw(run * KEEP_OR_DELETE_MAX, |mut out| unsafe {
                    for op in indices {
                        out = match op {
                            PluginOp::Keep(i) => out.lit(KEEP).small_uint(*i as u64),
                            PluginOp::Delete(i) => out.lit(DELETE).small_uint(*i as u64),
                            PluginOp::Modify(..) | PluginOp::Insert(_) => out,
                        };
                    }
                    out
                });
                rest = after;
            }
        }
    }
    w.errors(&output.errors);
    w.buf
}

pub(super) fn importer_output(output: &ImporterOutput) -> Vec<u8> {
    let mut w = Writer::with_capacity(16 + output.directives.len() * WRAPPER_GUESS);
    w.byte(0x93);
    w.array(output.directives.len());
    for d in &output.directives {
        w.wrapper(d, |out| out);
    }
    w.strings(&output.warnings);
    w.errors(&output.errors);
    w.buf
}

pub(super) fn enriched_output(output: &EnrichedImporterOutput) -> Vec<u8> {
    let mut w = Writer::with_capacity(16 + output.entries.len() * (WRAPPER_GUESS + 32));
    w.byte(0x93);
    w.array(output.entries.len());
    for (d, e) in &output.entries {
        // SAFETY: one byte, within the prefix `wrapper` allows for.
        w.wrapper(d, |out| unsafe { out.byte(0x92) });
        w.enrichment(e);
    }
    w.strings(&output.warnings);
    w.errors(&output.errors);
    w.buf
}

pub(super) fn metadata_output(output: &MetadataOutput) -> Vec<u8> {
    let mut w = Writer::with_capacity(4 + output.name.len() + output.description.len() + 10);
    w.byte(0x92);
    // SAFETY: two strings (longer ones reserve themselves).
    w.raw(2 * STR_MAX, |out| unsafe {
        out.str(&output.name).str(&output.description)
    });
    w.buf
}

pub(super) fn identify_output(output: IdentifyOutput) -> Vec<u8> {
    vec![0x91, if output.matches { 0xc3 } else { 0xc2 }]
}

/// Appends an array header for `len` elements to `buf`, as the host's encoder writes it.
pub(super) fn array_header(buf: &mut Vec<u8>, len: usize) {
    let mut w = Writer {
        buf: core::mem::take(buf),
    };
    w.array(len);
    *buf = w.buf;
}

/// Appends `text` to `buf` as a string, as the host's encoder writes it.
pub(super) fn string(buf: &mut Vec<u8>, text: &str) {
    let mut w = Writer {
        buf: core::mem::take(buf),
    };
    // SAFETY: one string (a longer one reserves itself).
    w.raw(STR_MAX, |out| unsafe { out.str(text) });
    *buf = w.buf;
}

/// The borrowed view's answer for `len` inputs: every input kept, in input order, but those
/// `changes` ([`super::lazy::Op`], in output order) name, and the inserts where they stand;
/// written as [`plugin_output`] writes the same ops listed in full, an edited directive's
/// bytes where the encoder's would be. The kept inputs between two changes are one
/// [`keep_run`], so only the changes are walked one by one.
pub(super) fn view_output(
    len: usize,
    changes: &[super::lazy::Op<'_>],
    edited_len: usize,
    errors: &[PluginError],
) -> Vec<u8> {
    use super::lazy::Op;
    let inserts = changes
        .iter()
        .filter(|op| matches!(op, Op::Insert(..)))
        .count();
    // Room for every op and edited directive up front, or the buffer would grow (and move)
    // again and again.
    let mut w = Writer::with_capacity(
        16 + len * KEEP_OR_DELETE_MAX + changes.len() * PREFIX_MAX + edited_len + errors.len() * 64,
    );
    w.byte(0x92);
    w.array(len + inserts);
    let mut kept_from = 0;
    for change in changes {
        match *change {
            Op::Delete(i) => {
                keep_run(&mut w, kept_from..i);
                // SAFETY: 8 bytes of header and 9 of index.
                w.raw(KEEP_OR_DELETE_MAX, |out| unsafe {
                    out.lit(DELETE).small_uint(i as u64)
                });
                kept_from = i + 1;
            }
            Op::Modify(i, wrapper) => {
                keep_run(&mut w, kept_from..i);
                // SAFETY: 9 bytes of header, 9 of index: the prefix `wrapper` allows for.
                w.wrapper(wrapper, |out| unsafe {
                    out.lit(MODIFY).small_uint(i as u64)
                });
                kept_from = i + 1;
            }
            Op::Edited(i, bytes) => {
                keep_run(&mut w, kept_from..i);
                // SAFETY: as above.
                w.raw(PREFIX_MAX, |out| unsafe {
                    out.lit(MODIFY).small_uint(i as u64)
                });
                w.buf.extend_from_slice(bytes);
                kept_from = i + 1;
            }
            Op::Insert(after, wrapper) => {
                keep_run(&mut w, kept_from..after);
                kept_from = kept_from.max(after);
                // SAFETY: 8 bytes of header, within the prefix `wrapper` allows for.
                w.wrapper(wrapper, |out| unsafe { out.lit(INSERT) });
            }
        }
    }
    keep_run(&mut w, kept_from..len);
    w.errors(errors);
    w.buf
}

/// The borrowed view's answer when its only decisions are edits, written into `out` as the
/// plugin edits, so that each edited directive is copied once, where the host reads it:
/// [`stream_start`], then for each edit in input order [`stream_to`] and the edited
/// directive, then [`stream_finish`]. The bytes are those [`view_output`] writes for the
/// same edits with every other input kept.
pub(super) fn stream_start(out: &mut Vec<u8>, len: usize) {
    with_writer(out, |w| {
        w.byte(0x92);
        w.array(len);
    });
}

/// Keeps the inputs `kept`, then the header of input `index`'s modification.
pub(super) fn stream_to(out: &mut Vec<u8>, kept: core::ops::Range<usize>, index: usize) {
    with_writer(out, |w| {
        keep_run(w, kept);
        // SAFETY: 9 bytes of header, 9 of index: within `PREFIX_MAX`.
        w.raw(PREFIX_MAX, |out| unsafe {
            out.lit(MODIFY).small_uint(index as u64)
        });
    });
}

/// Keeps the inputs `kept`, then writes the errors.
pub(super) fn stream_finish(
    out: &mut Vec<u8>,
    kept: core::ops::Range<usize>,
    errors: &[PluginError],
) {
    with_writer(out, |w| {
        keep_run(w, kept);
        w.errors(errors);
    });
}

/// `write` on a writer over `out`'s bytes.
fn with_writer(out: &mut Vec<u8>, write: impl FnOnce(&mut Writer)) {
    let mut w = Writer {
        buf: core::mem::take(out),
    };
    write(&mut w);
    *out = w.buf;
}

/// The borrowed view's answer when its only decisions are edits: every input kept but the
/// edited ones, `edits` (input index and range in `edited`, by index, each index once)
/// written as [`view_output`] writes `Op::Edited`, without a list of ops.
pub(super) fn edits_output(
    len: usize,
    edits: &[(usize, usize, usize)],
    edited: &[u8],
    errors: &[PluginError],
) -> Vec<u8> {
    let mut w = Writer::with_capacity(
        16 + len * KEEP_OR_DELETE_MAX + edits.len() * PREFIX_MAX + edited.len() + errors.len() * 64,
    );
    w.byte(0x92);
    w.array(len);
    let mut kept_from = 0;
    for &(index, from, to) in edits {
        keep_run(&mut w, kept_from..index);
        // SAFETY: 9 bytes of header, 9 of index: within `PREFIX_MAX`.
        w.raw(PREFIX_MAX, |out| unsafe {
            out.lit(MODIFY).small_uint(index as u64)
        });
        w.buf
            .extend_from_slice(edited.get(from..to).unwrap_or_default());
        kept_from = index + 1;
    }
    keep_run(&mut w, kept_from..len);
    w.errors(errors);
    w.buf
}

/// `Keep` for each input of `indices`. A Keep with an index below 65,536 is one word store
/// (and a byte past 255), each index width in a loop of its own so no store branches.
fn keep_run(w: &mut Writer, indices: core::ops::Range<usize>) {
    let core::ops::Range { start, end } = indices;
    if start >= end {
        return;
    }
    // SAFETY: each op takes at most 8 bytes of header and 9 of index, and a word store
    // (eight bytes) is within that reserve from any op's start.
    w.raw((end - start) * KEEP_OR_DELETE_MAX, |mut out| unsafe {
        let mut i = start;
        if i < 0x100 {
            while i < end.min(0x80) {
                out = out.word(KEEP_WORD | (i as u64) << 48, KEEP.len() + 1);
                i += 1;
            }
            while i < end.min(0x100) {
                out = out.word(KEEP_WORD | 0xcc << 48 | (i as u64) << 56, KEEP.len() + 2);
                i += 1;
            }
        }
        while i < end.min(0x1_0000) {
            // The op and the index's high byte are one word for 256 indices in a row.
            let word = KEEP_WORD | 0xcd << 48 | ((i >> 8) as u64) << 56;
            let same_word = end.min((i | 0xff) + 1);
            while i < same_word {
                out = out.word(word, KEEP.len() + 2).byte(i as u8);
                i += 1;
            }
        }
        while i < end {
            out = out.lit(KEEP).small_uint(i as u64);
            i += 1;
        }
        out
    });
}

/// The most bytes [`stream_start`] and [`stream_to`] write for an answer of `len` inputs,
/// all kept or edited, besides the edited directives.
pub(super) const fn stream_bound(len: usize) -> usize {
    16 + len * (KEEP_OR_DELETE_MAX + PREFIX_MAX)
}

/// A `PluginInput` as the host encodes it, for native tests of view plugins.
pub(super) fn plugin_input(input: &PluginInput) -> Vec<u8> {
    let mut w = Writer::with_capacity(16 + input.directives.len() * WRAPPER_GUESS);
    w.byte(0x93);
    w.array(input.directives.len());
    for d in &input.directives {
        w.wrapper(d, |out| out);
    }
    let options = &input.options;
    w.byte(0x93);
    w.strings(&options.operating_currencies);
    let types = &options.account_types;
    // SAFETY: a string, a header and five strings (longer ones reserve themselves).
    w.raw(7 * STR_MAX, |out| unsafe {
        out.opt_str(options.title.as_deref())
            .byte(0x95)
            .str(&types.assets)
            .str(&types.liabilities)
            .str(&types.equity)
            .str(&types.income)
            .str(&types.expenses)
    });
    // SAFETY: one string.
    w.raw(STR_MAX, |out| unsafe {
        out.opt_str(input.config.as_deref())
    });
    w.buf
}

/// [`plugin_output`] of `PluginOutput::passthrough(len)` with `errors`, written without
/// building the ops.
pub(super) fn keep_all(len: usize, errors: &[PluginError]) -> Vec<u8> {
    let mut w = Writer::with_capacity(16 + len * 8 + errors.len() * 64);
    w.byte(0x92);
    w.array(len);
    keep_run(&mut w, 0..len);
    w.errors(errors);
    w.buf
}

#[cfg(test)]
mod tests {
    //! The encoder's reserves against what it writes. Each kind is written at its widest
    //! within the bounds' allowances (every string as long as a bound counts, every option
    //! present, every integer at its widest, every list at its allowance) under exactly the
    //! reserve its writer assumes, and must stay inside it and write the host's bytes. Under
    //! Miri a bound counted too small is an out-of-bounds write, reported as such.

    use rlplugin_types::{
        BalanceData, CloseData, CommodityData, CustomData, DocumentData, EventData, NoteData,
        OpenData, PadData, PriceData, QueryData, SourceSpan,
    };

    use super::*;
    use crate::codec::support;

    /// The longest string a bound counts as [`STR_MAX`]: a fixstr of 31 bytes.
    fn widest() -> String {
        "w".repeat(STR_MAX - 1)
    }

    fn widest_amount() -> AmountData {
        AmountData {
            number: widest(),
            currency: widest(),
        }
    }

    /// Metadata of `len` entries holding the widest value, an amount.
    fn widest_meta(len: usize) -> Vec<(String, MetaValueData)> {
        (0..len)
            .map(|_| (widest(), MetaValueData::Amount(widest_amount())))
            .collect()
    }

    fn widest_posting() -> PostingData {
        PostingData {
            account: widest(),
            units: Some(widest_amount()),
            cost: Some(CostData {
                number: Some(CostNumberData::PerUnitFromTotal {
                    per_unit: widest(),
                    total: widest(),
                }),
                currency: Some(widest()),
                date: Some(widest()),
                label: Some(widest()),
                merge: true,
            }),
            price: Some(PriceAnnotationData {
                is_total: true,
                amount: Some(widest_amount()),
                number: Some(widest()),
                currency: Some(widest()),
            }),
            flag: Some(widest()),
            metadata: widest_meta(POSTING_META),
            span: Some(SourceSpan {
                start: u64::MAX,
                end: u64::MAX,
                file_id: u16::MAX,
            }),
        }
    }

    fn widest_transaction() -> TransactionData {
        TransactionData {
            flag: widest(),
            payee: Some(widest()),
            narration: widest(),
            tags: vec![widest(); TAGS],
            links: vec![widest(); LINKS],
            metadata: widest_meta(TRANSACTION_META),
            postings: vec![widest_posting(); POSTINGS],
        }
    }

    /// Every kind but a transaction at its widest: no list items, since the other kinds'
    /// lists reserve every item themselves.
    fn widest_others() -> Vec<DirectiveData> {
        vec![
            DirectiveData::Balance(BalanceData {
                account: widest(),
                amount: widest_amount(),
                tolerance: Some(widest()),
                metadata: Vec::new(),
            }),
            DirectiveData::Open(OpenData {
                account: widest(),
                currencies: Vec::new(),
                booking: Some(widest()),
                metadata: Vec::new(),
            }),
            DirectiveData::Close(CloseData {
                account: widest(),
                metadata: Vec::new(),
            }),
            DirectiveData::Commodity(CommodityData {
                currency: widest(),
                metadata: Vec::new(),
            }),
            DirectiveData::Pad(PadData {
                account: widest(),
                source_account: widest(),
                metadata: Vec::new(),
            }),
            DirectiveData::Event(EventData {
                event_type: widest(),
                value: widest(),
                metadata: Vec::new(),
            }),
            DirectiveData::Note(NoteData {
                account: widest(),
                comment: widest(),
                metadata: Vec::new(),
            }),
            DirectiveData::Document(DocumentData {
                account: widest(),
                path: widest(),
                tags: Vec::new(),
                links: Vec::new(),
                metadata: Vec::new(),
            }),
            DirectiveData::Price(PriceData {
                currency: widest(),
                amount: widest_amount(),
                metadata: Vec::new(),
            }),
            DirectiveData::Query(QueryData {
                name: widest(),
                query: widest(),
                metadata: Vec::new(),
            }),
            DirectiveData::Custom(CustomData {
                custom_type: widest(),
                values: Vec::new(),
                metadata: Vec::new(),
            }),
        ]
    }

    fn wrapper(data: DirectiveData) -> DirectiveWrapper {
        DirectiveWrapper {
            directive_type: String::new(),
            date: widest(),
            filename: Some(widest()),
            lineno: Some(u32::MAX),
            data,
        }
    }

    /// What the host writes for `wrapper`.
    fn host_bytes(wrapper: &DirectiveWrapper) -> Vec<u8> {
        rmp_serde::to_vec(&support::to_upstream_wrapper(wrapper)).unwrap()
    }

    /// Writes through one reserve of `bound` bytes, as the wrapper writers assume; the
    /// buffer starts empty so that the reserve is exactly `bound`.
    fn write_within(bound: usize, write: impl FnOnce(Out) -> Out) -> Vec<u8> {
        let mut writer = Writer::with_capacity(0);
        writer.raw(bound, write);
        assert!(
            writer.buf.len() <= bound,
            "wrote {} bytes under a bound of {bound}",
            writer.buf.len()
        );
        writer.buf
    }

    #[test]
    fn a_transaction_at_its_allowances_fits_its_bound() {
        let w = wrapper(DirectiveData::Transaction(widest_transaction()));
        let DirectiveData::Transaction(t) = &w.data else {
            unreachable!()
        };
        // SAFETY: the bound under test is the reserve `hot` requires.
        let written = write_within(HOT_FIXED, |out| unsafe { out.hot(&w, t) });
        assert_eq!(written, host_bytes(&w));
    }

    #[test]
    fn every_other_kind_at_its_widest_fits_its_bound() {
        for data in widest_others() {
            let w = wrapper(data);
            // SAFETY: the bound under test is the reserve `other` requires.
            let written = write_within(OTHER_FIXED, |out| unsafe { out.other(&w, &w.data) });
            assert_eq!(written, host_bytes(&w), "{}", w.data.type_name());
        }
    }

    #[test]
    fn the_longest_prefix_fits_beside_the_widest_wrapper() {
        let widest = wrapper(DirectiveData::Transaction(widest_transaction()));
        let output = PluginOutput {
            ops: vec![PluginOp::Modify(u32::MAX as usize, widest)],
            errors: Vec::new(),
        };
        assert_eq!(
            plugin_output(&output),
            rmp_serde::to_vec(&support::to_upstream_output(&output)).unwrap()
        );
    }

    #[test]
    fn lists_past_their_allowance_and_long_strings_reserve_for_themselves() {
        let long = "l".repeat(70_000);
        let mut t = widest_transaction();
        t.narration = long.clone();
        t.tags = vec![long.clone(); 3 * TAGS];
        t.links = vec![widest(); 20];
        t.metadata = widest_meta(17);
        t.postings = vec![widest_posting(); 3 * POSTINGS];
        t.postings[0].metadata = widest_meta(5);
        t.postings[1].account = long.clone();
        let mut others = widest_others();
        for data in &mut others {
            match data {
                DirectiveData::Open(o) => o.currencies = vec![widest(); 40],
                DirectiveData::Document(d) => {
                    d.tags = vec![long.clone(); 2];
                    d.links = vec![widest(); 17];
                    d.metadata = widest_meta(3);
                }
                DirectiveData::Custom(c) => {
                    c.values = (0..20)
                        .map(|_| MetaValueData::Amount(widest_amount()))
                        .collect();
                }
                DirectiveData::Balance(b) => b.amount.number = long.clone(),
                _ => {}
            }
        }
        let directives: Vec<DirectiveWrapper> = core::iter::once(DirectiveData::Transaction(t))
            .chain(others)
            .map(wrapper)
            .collect();
        let output = ImporterOutput {
            directives,
            warnings: vec![long.clone()],
            errors: Vec::new(),
        };
        assert_eq!(
            importer_output(&output),
            rmp_serde::to_vec(&support::to_upstream_importer_output(&output)).unwrap()
        );
    }

    #[test]
    fn keep_runs_across_every_index_width_write_the_hosts_ops() {
        let widest = u32::MAX as usize;
        for run in [
            0..0,
            0..1,
            120..300,
            500..800,
            65_530..65_541,
            widest - 3..widest + 1,
        ] {
            let output = PluginOutput {
                ops: run.clone().map(PluginOp::Keep).collect(),
                errors: Vec::new(),
            };
            let host = rmp_serde::to_vec(&support::to_upstream_output(&output)).unwrap();
            let mut header = Writer { buf: Vec::new() };
            header.byte(0x92);
            header.array(output.ops.len());
            let mut w = Writer { buf: Vec::new() };
            keep_run(&mut w, run.clone());
            // The host's answer is the header, the ops, then an empty list of errors.
            assert_eq!(
                w.buf,
                host[header.buf.len()..host.len() - 1],
                "keeps of {run:?}"
            );
        }
    }

    #[test]
    fn keeps_and_deletes_of_the_widest_index_fit_their_reserve() {
        let ops: Vec<PluginOp> = (0..40)
            .map(|i| {
                let index = u32::MAX as usize - i;
                if i % 3 == 0 {
                    PluginOp::Delete(index)
                } else {
                    PluginOp::Keep(index)
                }
            })
            .collect();
        let output = PluginOutput {
            ops,
            errors: Vec::new(),
        };
        assert_eq!(
            plugin_output(&output),
            rmp_serde::to_vec(&support::to_upstream_output(&output)).unwrap()
        );
    }
}
