//! Encoders for the guest's output types, byte-identical to `rmp_serde::to_vec` (default
//! configuration) of rustledger-plugin-types 0.24: smallest headers for integers, strings,
//! arrays and maps; `f64` always as float64; positional structs as arrays; the directive
//! wrapper as a map keyed `date`, [`filename`], [`lineno`], `type`, then the kind's fields.

use rlplugin_types::{
    AmountData, CostData, CostNumberData, DirectiveData, DirectiveWrapper, EnrichedImporterOutput,
    EnrichmentWrapper, IdentifyOutput, ImporterOutput, MetaValueData, MetadataOutput, PluginError,
    PluginOp, PluginOutput, PostingData, PriceAnnotationData,
};

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

    #[inline]
    fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// A header: the short form for lengths below `short_max`, else the 16- or 32-bit form.
    #[inline]
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

    #[inline]
    fn array(&mut self, len: usize) {
        self.header(len, 0x90, 16, 0xdc);
    }

    #[inline]
    fn str(&mut self, s: &str) {
        if s.len() < 32 {
            self.fixstr(s);
        } else {
            self.long_str(s);
        }
    }

    /// A string shorter than 32 bytes: one capacity check, the header byte and one copy.
    #[inline(always)]
    fn fixstr(&mut self, s: &str) {
        let len = s.len();
        debug_assert!(len < 32);
        self.buf.reserve(len + 1);
        let at = self.buf.len();
        // SAFETY: `reserve` made room for `len + 1` bytes after `at`; the source is a
        // different allocation (or static data), so the ranges do not overlap.
        unsafe {
            let dst = self.buf.as_mut_ptr().add(at);
            dst.write(0xa0 | len as u8);
            core::ptr::copy_nonoverlapping(s.as_ptr(), dst.add(1), len);
            self.buf.set_len(at + 1 + len);
        }
    }

    #[inline(never)]
    fn long_str(&mut self, s: &str) {
        let len = s.len();
        if let Ok(len) = u8::try_from(len) {
            self.buf.push(0xd9);
            self.buf.push(len);
        } else if let Ok(len) = u16::try_from(len) {
            self.buf.push(0xda);
            self.buf.extend_from_slice(&len.to_be_bytes());
        } else {
            self.buf.push(0xdb);
            self.buf.extend_from_slice(&(len as u32).to_be_bytes());
        }
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// A key or tag known to be shorter than 32 bytes, with its fixstr header.
    #[inline]
    fn key(&mut self, key: &'static str) {
        self.fixstr(key);
    }

    #[inline]
    fn uint(&mut self, v: u64) {
        if v < 0x80 {
            self.buf.push(v as u8);
        } else if let Ok(v) = u8::try_from(v) {
            self.buf.extend_from_slice(&[0xcc, v]);
        } else if let Ok(v) = u16::try_from(v) {
            self.buf.push(0xcd);
            self.buf.extend_from_slice(&v.to_be_bytes());
        } else if let Ok(v) = u32::try_from(v) {
            self.buf.push(0xce);
            self.buf.extend_from_slice(&v.to_be_bytes());
        } else {
            self.buf.push(0xcf);
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
    }

    #[inline]
    fn nil(&mut self) {
        self.byte(0xc0);
    }

    fn f64(&mut self, v: f64) {
        self.byte(0xcb);
        self.buf.extend_from_slice(&v.to_bits().to_be_bytes());
    }

    #[inline]
    fn opt_str(&mut self, v: Option<&str>) {
        match v {
            Some(s) => self.str(s),
            None => self.nil(),
        }
    }

    fn strings(&mut self, v: &[String]) {
        self.array(v.len());
        for s in v {
            self.str(s);
        }
    }

    /// Reserves the wrapper's upper bound once, then writes it with no capacity checks.
    fn wrapper(&mut self, w: &DirectiveWrapper) {
        self.raw(wrapper_bound(w), |out| {
            // SAFETY: `raw` reserved `wrapper_bound(w)` bytes.
            unsafe { out.wrapper(w) }
        });
    }

    /// Runs `write` on a cursor with `bound` bytes reserved and keeps what it wrote.
    #[inline(always)]
    fn raw(&mut self, bound: usize, write: impl FnOnce(Out) -> Out) {
        self.buf.reserve(bound);
        let len = self.buf.len();
        // SAFETY: `reserve` made room for `bound` bytes after `len`, and `write` writes at
        // most that many (its bound is computed from the same value it encodes).
        unsafe {
            let start = self.buf.as_mut_ptr().add(len);
            let end = write(Out(start));
            let written = end.0.offset_from_unsigned(start);
            debug_assert!(written <= bound, "wrote {written} bytes, bound {bound}");
            self.buf.set_len(len + written);
        }
    }

    fn errors(&mut self, errors: &[PluginError]) {
        self.array(errors.len());
        for e in errors {
            self.byte(0x94);
            self.str(&e.message);
            self.opt_str(e.source_file.as_deref());
            match e.line_number {
                Some(line) => self.uint(u64::from(line)),
                None => self.nil(),
            }
            self.key(e.severity.as_str());
        }
    }

    fn enrichment(&mut self, e: &EnrichmentWrapper) {
        self.byte(0x95);
        self.uint(e.directive_index as u64);
        self.f64(e.confidence);
        self.str(&e.method);
        self.array(e.alternatives.len());
        for a in &e.alternatives {
            self.byte(0x93);
            self.str(&a.account);
            self.f64(a.confidence);
            self.str(&a.method);
        }
        self.opt_str(e.fingerprint.as_deref());
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

/// Bytes a string takes at most beyond its own: the str32 header.
const STR_OVERHEAD: usize = 5;
/// Bytes of a wrapper's keys, type tag, map header and line number, at most (the
/// transaction's, the longest, are 98).
const WRAPPER_FIXED: usize = 128;

impl Out {
    /// Copies constant bytes; inlined so the length is known and the copy becomes stores.
    ///
    /// # Safety
    /// `bytes.len()` bytes from here are reserved.
    #[inline(always)]
    unsafe fn lit(self, bytes: &'static [u8]) -> Self {
        // SAFETY: the caller reserved the room; static data never overlaps the buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.0, bytes.len());
            Self(self.0.add(bytes.len()))
        }
    }

    /// # Safety
    /// One byte from here is reserved.
    #[inline(always)]
    unsafe fn byte(self, b: u8) -> Self {
        // SAFETY: the caller reserved the room.
        unsafe {
            self.0.write(b);
            Self(self.0.add(1))
        }
    }

    /// # Safety
    /// `s.len() + STR_OVERHEAD` bytes from here are reserved.
    #[inline(always)]
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
            unsafe { self.long_str(s) }
        }
    }

    /// # Safety
    /// As [`Out::str`].
    #[inline(never)]
    unsafe fn long_str(self, s: &str) -> Self {
        let len = s.len();
        // SAFETY: the caller reserved the room; the header is at most 5 bytes.
        unsafe {
            let out = if let Ok(len) = u8::try_from(len) {
                self.lit_pair(0xd9, len)
            } else if let Ok(len) = u16::try_from(len) {
                self.byte(0xda).bytes(&len.to_be_bytes())
            } else {
                // Wire lengths are u32; larger values cannot occur in 32-bit guest memory.
                self.byte(0xdb).bytes(&(len as u32).to_be_bytes())
            };
            core::ptr::copy_nonoverlapping(s.as_ptr(), out.0, len);
            Self(out.0.add(len))
        }
    }

    /// # Safety
    /// Two bytes from here are reserved.
    #[inline(always)]
    unsafe fn lit_pair(self, a: u8, b: u8) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.byte(a).byte(b) }
    }

    /// # Safety
    /// `bytes.len()` bytes from here are reserved.
    #[inline(always)]
    unsafe fn bytes(self, bytes: &[u8]) -> Self {
        // SAFETY: the caller reserved the room; `bytes` is a local, not the buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.0, bytes.len());
            Self(self.0.add(bytes.len()))
        }
    }

    /// # Safety
    /// `s.map_or(1, |s| s.len() + STR_OVERHEAD)` bytes from here are reserved.
    #[inline(always)]
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
    #[inline(always)]
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
    /// [`strings_bound`] bytes from here are reserved.
    unsafe fn strings(self, v: &[String]) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let mut out = self.header(v.len(), 0x90, 0xdc);
            for s in v {
                out = out.str(s);
            }
            out
        }
    }

    /// # Safety
    /// [`amount_bound`] bytes from here are reserved.
    #[inline(always)]
    unsafe fn amount(self, a: &AmountData) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { self.byte(0x92).str(&a.number).str(&a.currency) }
    }

    /// # Safety
    /// [`metadata_bound`] bytes from here are reserved.
    unsafe fn metadata(self, meta: &[(String, MetaValueData)]) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let mut out = self.header(meta.len(), 0x90, 0xdc);
            for (key, value) in meta {
                out = out.byte(0x92).str(key).meta_value(value);
            }
            out
        }
    }

    /// # Safety
    /// [`meta_value_bound`] bytes from here are reserved.
    #[inline(never)]
    unsafe fn meta_value(self, v: &MetaValueData) -> Self {
        // SAFETY: forwarded from the caller; each tag with its headers is at most 10 bytes.
        unsafe {
            let (out, text) = match v {
                MetaValueData::String(s) => (self.lit(b"\x92\xa6string"), s),
                MetaValueData::Number(s) => (self.lit(b"\x92\xa6number"), s),
                MetaValueData::Date(s) => (self.lit(b"\x92\xa4date"), s),
                MetaValueData::Account(s) => (self.lit(b"\x92\xa7account"), s),
                MetaValueData::Currency(s) => (self.lit(b"\x92\xa8currency"), s),
                MetaValueData::Tag(s) => (self.lit(b"\x92\xa3tag"), s),
                MetaValueData::Link(s) => (self.lit(b"\x92\xa4link"), s),
                MetaValueData::Amount(a) => return self.lit(b"\x92\xa6amount").amount(a),
                MetaValueData::Bool(b) => {
                    return self.lit(b"\x92\xa4bool").byte(if *b { 0xc3 } else { 0xc2 });
                }
            };
            out.str(text)
        }
    }

    /// # Safety
    /// [`posting_bound`] bytes from here are reserved.
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
            out = out.opt_str(p.flag.as_deref()).metadata(&p.metadata);
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
    /// [`cost_bound`] bytes from here are reserved.
    #[inline(never)]
    unsafe fn cost(self, c: &CostData) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let out = self.byte(0x95);
            let out = match &c.number {
                Some(CostNumberData::PerUnit { value }) => out.lit(b"\x92\xa8per_unit").str(value),
                Some(CostNumberData::Total { value }) => out.lit(b"\x92\xa5total").str(value),
                Some(CostNumberData::Compound { per_unit, total }) => {
                    out.lit(b"\x93\xa8compound").str(per_unit).str(total)
                }
                Some(CostNumberData::PerUnitFromTotal { per_unit, total }) => out
                    .lit(b"\x93\xb3per_unit_from_total")
                    .str(per_unit)
                    .str(total),
                None => out.byte(0xc0),
            };
            out.opt_str(c.currency.as_deref())
                .opt_str(c.date.as_deref())
                .opt_str(c.label.as_deref())
                .byte(if c.merge { 0xc3 } else { 0xc2 })
        }
    }

    /// # Safety
    /// [`price_bound`] bytes from here are reserved.
    #[inline(never)]
    unsafe fn price(self, p: &PriceAnnotationData) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let out = self.byte(0x94).byte(if p.is_total { 0xc3 } else { 0xc2 });
            let out = match &p.amount {
                Some(a) => out.amount(a),
                None => out.byte(0xc0),
            };
            out.opt_str(p.number.as_deref())
                .opt_str(p.currency.as_deref())
        }
    }

    /// # Safety
    /// [`wrapper_bound`] bytes from here are reserved.
    #[inline(never)]
    unsafe fn wrapper(self, w: &DirectiveWrapper) -> Self {
        let fields = match &w.data {
            DirectiveData::Transaction(_) => 7,
            DirectiveData::Document(_) => 5,
            DirectiveData::Balance(_) | DirectiveData::Open(_) => 4,
            DirectiveData::Pad(_)
            | DirectiveData::Event(_)
            | DirectiveData::Note(_)
            | DirectiveData::Price(_)
            | DirectiveData::Query(_)
            | DirectiveData::Custom(_) => 3,
            DirectiveData::Close(_) | DirectiveData::Commodity(_) => 2,
        };
        let entries = 2 + usize::from(w.filename.is_some()) + usize::from(w.lineno.is_some());
        // SAFETY: forwarded from the caller; at most 11 entries, so a fixmap header.
        unsafe {
            let mut out = self
                .byte(0x80 | (entries + fields) as u8)
                .lit(b"\xa4date")
                .str(&w.date);
            if let Some(filename) = &w.filename {
                out = out.lit(b"\xa8filename").str(filename);
            }
            if let Some(lineno) = w.lineno {
                out = out.lit(b"\xa6lineno").uint(u64::from(lineno));
            }
            match &w.data {
                DirectiveData::Transaction(t) => {
                    out = out
                        .lit(b"\xa4type\xabtransaction\xa4flag")
                        .str(&t.flag)
                        .lit(b"\xa5payee")
                        .opt_str(t.payee.as_deref())
                        .lit(b"\xa9narration")
                        .str(&t.narration)
                        .lit(b"\xa4tags")
                        .strings(&t.tags)
                        .lit(b"\xa5links")
                        .strings(&t.links)
                        .lit(b"\xa8metadata")
                        .metadata(&t.metadata)
                        .lit(b"\xa8postings")
                        .header(t.postings.len(), 0x90, 0xdc);
                    for p in &t.postings {
                        out = out.posting(p);
                    }
                    out
                }
                other => out.lit(b"\xa4type").other_kind(other),
            }
        }
    }

    /// The fields of every kind but transactions, from the `type` value on.
    ///
    /// # Safety
    /// As [`Out::wrapper`].
    #[inline(never)]
    unsafe fn other_kind(self, data: &DirectiveData) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe {
            let out = self.str(data.type_name());
            match data {
                DirectiveData::Transaction(_) => out,
                DirectiveData::Balance(b) => out
                    .lit(b"\xa7account")
                    .str(&b.account)
                    .lit(b"\xa6amount")
                    .amount(&b.amount)
                    .lit(b"\xa9tolerance")
                    .opt_str(b.tolerance.as_deref())
                    .lit(b"\xa8metadata")
                    .metadata(&b.metadata),
                DirectiveData::Open(o) => out
                    .lit(b"\xa7account")
                    .str(&o.account)
                    .lit(b"\xaacurrencies")
                    .strings(&o.currencies)
                    .lit(b"\xa7booking")
                    .opt_str(o.booking.as_deref())
                    .lit(b"\xa8metadata")
                    .metadata(&o.metadata),
                DirectiveData::Close(c) => out
                    .lit(b"\xa7account")
                    .str(&c.account)
                    .lit(b"\xa8metadata")
                    .metadata(&c.metadata),
                DirectiveData::Commodity(c) => out
                    .lit(b"\xa8currency")
                    .str(&c.currency)
                    .lit(b"\xa8metadata")
                    .metadata(&c.metadata),
                DirectiveData::Pad(p) => out
                    .lit(b"\xa7account")
                    .str(&p.account)
                    .lit(b"\xaesource_account")
                    .str(&p.source_account)
                    .lit(b"\xa8metadata")
                    .metadata(&p.metadata),
                DirectiveData::Event(e) => out
                    .lit(b"\xaaevent_type")
                    .str(&e.event_type)
                    .lit(b"\xa5value")
                    .str(&e.value)
                    .lit(b"\xa8metadata")
                    .metadata(&e.metadata),
                DirectiveData::Note(n) => out
                    .lit(b"\xa7account")
                    .str(&n.account)
                    .lit(b"\xa7comment")
                    .str(&n.comment)
                    .lit(b"\xa8metadata")
                    .metadata(&n.metadata),
                DirectiveData::Document(d) => out
                    .lit(b"\xa7account")
                    .str(&d.account)
                    .lit(b"\xa4path")
                    .str(&d.path)
                    .lit(b"\xa4tags")
                    .strings(&d.tags)
                    .lit(b"\xa5links")
                    .strings(&d.links)
                    .lit(b"\xa8metadata")
                    .metadata(&d.metadata),
                DirectiveData::Price(p) => out
                    .lit(b"\xa8currency")
                    .str(&p.currency)
                    .lit(b"\xa6amount")
                    .amount(&p.amount)
                    .lit(b"\xa8metadata")
                    .metadata(&p.metadata),
                DirectiveData::Query(q) => out
                    .lit(b"\xa4name")
                    .str(&q.name)
                    .lit(b"\xa5query")
                    .str(&q.query)
                    .lit(b"\xa8metadata")
                    .metadata(&q.metadata),
                DirectiveData::Custom(c) => {
                    let mut out = out
                        .lit(b"\xabcustom_type")
                        .str(&c.custom_type)
                        .lit(b"\xa6values")
                        .header(c.values.len(), 0x90, 0xdc);
                    for v in &c.values {
                        out = out.meta_value(v);
                    }
                    out.lit(b"\xa8metadata").metadata(&c.metadata)
                }
            }
        }
    }
}

#[inline(always)]
fn str_bound(s: &str) -> usize {
    s.len() + STR_OVERHEAD
}

#[inline(always)]
fn opt_str_bound(s: Option<&str>) -> usize {
    s.map_or(1, str_bound)
}

fn strings_bound(v: &[String]) -> usize {
    v.iter().fold(5, |n, s| n + str_bound(s))
}

#[inline(always)]
fn amount_bound(a: &AmountData) -> usize {
    1 + str_bound(&a.number) + str_bound(&a.currency)
}

fn meta_value_bound(v: &MetaValueData) -> usize {
    // The array header and the tag with its header: 10 bytes at most.
    10 + match v {
        MetaValueData::String(s)
        | MetaValueData::Number(s)
        | MetaValueData::Date(s)
        | MetaValueData::Account(s)
        | MetaValueData::Currency(s)
        | MetaValueData::Tag(s)
        | MetaValueData::Link(s) => str_bound(s),
        MetaValueData::Amount(a) => amount_bound(a),
        MetaValueData::Bool(_) => 1,
    }
}

fn metadata_bound(meta: &[(String, MetaValueData)]) -> usize {
    meta.iter().fold(5, |n, (key, value)| {
        n + 1 + str_bound(key) + meta_value_bound(value)
    })
}

#[inline(never)]
fn cost_bound(c: &CostData) -> usize {
    // Array headers, the 20-byte `per_unit_from_total` tag, the nil or bool markers.
    let fixed = 32;
    fixed
        + match &c.number {
            Some(CostNumberData::PerUnit { value }) | Some(CostNumberData::Total { value }) => {
                str_bound(value)
            }
            Some(
                CostNumberData::Compound { per_unit, total }
                | CostNumberData::PerUnitFromTotal { per_unit, total },
            ) => str_bound(per_unit) + str_bound(total),
            None => 0,
        }
        + opt_str_bound(c.currency.as_deref())
        + opt_str_bound(c.date.as_deref())
        + opt_str_bound(c.label.as_deref())
}

#[inline(never)]
fn price_bound(p: &PriceAnnotationData) -> usize {
    2 + p.amount.as_ref().map_or(1, amount_bound)
        + opt_str_bound(p.number.as_deref())
        + opt_str_bound(p.currency.as_deref())
}

fn posting_bound(p: &PostingData) -> usize {
    // Array header, the span's header and three uints, the nil markers.
    let fixed = 1 + 28;
    fixed
        + str_bound(&p.account)
        + p.units.as_ref().map_or(1, amount_bound)
        + p.cost.as_ref().map_or(1, cost_bound)
        + p.price.as_ref().map_or(1, price_bound)
        + opt_str_bound(p.flag.as_deref())
        + metadata_bound(&p.metadata)
}

/// An upper bound of a wrapper's encoded size.
#[inline(never)]
fn wrapper_bound(w: &DirectiveWrapper) -> usize {
    let head = WRAPPER_FIXED + str_bound(&w.date) + w.filename.as_deref().map_or(0, str_bound);
    head + match &w.data {
        DirectiveData::Transaction(t) => {
            str_bound(&t.flag)
                + opt_str_bound(t.payee.as_deref())
                + str_bound(&t.narration)
                + strings_bound(&t.tags)
                + strings_bound(&t.links)
                + metadata_bound(&t.metadata)
                + t.postings.iter().fold(5, |n, p| n + posting_bound(p))
        }
        DirectiveData::Balance(b) => {
            str_bound(&b.account)
                + amount_bound(&b.amount)
                + opt_str_bound(b.tolerance.as_deref())
                + metadata_bound(&b.metadata)
        }
        DirectiveData::Open(o) => {
            str_bound(&o.account)
                + strings_bound(&o.currencies)
                + opt_str_bound(o.booking.as_deref())
                + metadata_bound(&o.metadata)
        }
        DirectiveData::Close(c) => str_bound(&c.account) + metadata_bound(&c.metadata),
        DirectiveData::Commodity(c) => str_bound(&c.currency) + metadata_bound(&c.metadata),
        DirectiveData::Pad(p) => {
            str_bound(&p.account) + str_bound(&p.source_account) + metadata_bound(&p.metadata)
        }
        DirectiveData::Event(e) => {
            str_bound(&e.event_type) + str_bound(&e.value) + metadata_bound(&e.metadata)
        }
        DirectiveData::Note(n) => {
            str_bound(&n.account) + str_bound(&n.comment) + metadata_bound(&n.metadata)
        }
        DirectiveData::Document(d) => {
            str_bound(&d.account)
                + str_bound(&d.path)
                + strings_bound(&d.tags)
                + strings_bound(&d.links)
                + metadata_bound(&d.metadata)
        }
        DirectiveData::Price(p) => {
            str_bound(&p.currency) + amount_bound(&p.amount) + metadata_bound(&p.metadata)
        }
        DirectiveData::Query(q) => {
            str_bound(&q.name) + str_bound(&q.query) + metadata_bound(&q.metadata)
        }
        DirectiveData::Custom(c) => {
            str_bound(&c.custom_type)
                + c.values.iter().fold(5, |n, v| n + meta_value_bound(v))
                + metadata_bound(&c.metadata)
        }
    }
}

pub(super) fn plugin_output(output: &PluginOutput) -> Vec<u8> {
    let mut w = Writer::with_capacity(16 + output.ops.len() * 8 + output.errors.len() * 64);
    w.byte(0x92);
    w.array(output.ops.len());
    for op in &output.ops {
        match op {
            PluginOp::Keep(i) => {
                w.byte(0x81);
                w.key("Keep");
                w.uint(*i as u64);
            }
            PluginOp::Delete(i) => {
                w.byte(0x81);
                w.key("Delete");
                w.uint(*i as u64);
            }
            PluginOp::Modify(i, wrapper) => w.raw(18 + wrapper_bound(wrapper), |out| {
                // SAFETY: 9 bytes of header, 9 of index, then the wrapper's bound.
                unsafe {
                    out.lit(b"\x81\xa6Modify\x92")
                        .uint(*i as u64)
                        .wrapper(wrapper)
                }
            }),
            PluginOp::Insert(wrapper) => w.raw(8 + wrapper_bound(wrapper), |out| {
                // SAFETY: 8 bytes of header, then the wrapper's bound.
                unsafe { out.lit(b"\x81\xa6Insert").wrapper(wrapper) }
            }),
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
        w.wrapper(d);
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
        w.byte(0x92);
        w.wrapper(d);
        w.enrichment(e);
    }
    w.strings(&output.warnings);
    w.errors(&output.errors);
    w.buf
}

pub(super) fn metadata_output(output: &MetadataOutput) -> Vec<u8> {
    let mut w = Writer::with_capacity(4 + output.name.len() + output.description.len() + 10);
    w.byte(0x92);
    w.str(&output.name);
    w.str(&output.description);
    w.buf
}

pub(super) fn identify_output(output: IdentifyOutput) -> Vec<u8> {
    vec![0x91, if output.matches { 0xc3 } else { 0xc2 }]
}
