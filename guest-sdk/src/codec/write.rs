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
    fn map(&mut self, len: usize) {
        self.header(len, 0x80, 16, 0xde);
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

    #[inline]
    fn bool(&mut self, v: bool) {
        self.byte(if v { 0xc3 } else { 0xc2 });
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

    fn amount(&mut self, a: &AmountData) {
        self.byte(0x92);
        self.str(&a.number);
        self.str(&a.currency);
    }

    fn metadata(&mut self, meta: &[(String, MetaValueData)]) {
        self.array(meta.len());
        for (key, value) in meta {
            self.byte(0x92);
            self.str(key);
            self.meta_value(value);
        }
    }

    fn meta_value(&mut self, v: &MetaValueData) {
        self.byte(0x92);
        let (tag, text) = match v {
            MetaValueData::String(s) => ("string", s),
            MetaValueData::Number(s) => ("number", s),
            MetaValueData::Date(s) => ("date", s),
            MetaValueData::Account(s) => ("account", s),
            MetaValueData::Currency(s) => ("currency", s),
            MetaValueData::Tag(s) => ("tag", s),
            MetaValueData::Link(s) => ("link", s),
            MetaValueData::Amount(a) => {
                self.key("amount");
                self.amount(a);
                return;
            }
            MetaValueData::Bool(b) => {
                self.key("bool");
                self.bool(*b);
                return;
            }
        };
        self.key(tag);
        self.str(text);
    }

    fn posting(&mut self, p: &PostingData) {
        self.byte(0x97);
        self.str(&p.account);
        match &p.units {
            Some(a) => self.amount(a),
            None => self.nil(),
        }
        match &p.cost {
            Some(c) => self.cost(c),
            None => self.nil(),
        }
        match &p.price {
            Some(price) => self.price(price),
            None => self.nil(),
        }
        self.opt_str(p.flag.as_deref());
        self.metadata(&p.metadata);
        match &p.span {
            Some(span) => {
                self.byte(0x93);
                self.uint(span.start);
                self.uint(span.end);
                self.uint(u64::from(span.file_id));
            }
            None => self.nil(),
        }
    }

    fn cost(&mut self, c: &CostData) {
        self.byte(0x95);
        match &c.number {
            Some(CostNumberData::PerUnit { value }) => {
                self.byte(0x92);
                self.key("per_unit");
                self.str(value);
            }
            Some(CostNumberData::Total { value }) => {
                self.byte(0x92);
                self.key("total");
                self.str(value);
            }
            Some(CostNumberData::Compound { per_unit, total }) => {
                self.byte(0x93);
                self.key("compound");
                self.str(per_unit);
                self.str(total);
            }
            Some(CostNumberData::PerUnitFromTotal { per_unit, total }) => {
                self.byte(0x93);
                self.key("per_unit_from_total");
                self.str(per_unit);
                self.str(total);
            }
            None => self.nil(),
        }
        self.opt_str(c.currency.as_deref());
        self.opt_str(c.date.as_deref());
        self.opt_str(c.label.as_deref());
        self.bool(c.merge);
    }

    fn price(&mut self, p: &PriceAnnotationData) {
        self.byte(0x94);
        self.bool(p.is_total);
        match &p.amount {
            Some(a) => self.amount(a),
            None => self.nil(),
        }
        self.opt_str(p.number.as_deref());
        self.opt_str(p.currency.as_deref());
    }

    fn wrapper(&mut self, w: &DirectiveWrapper) {
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
        self.map(2 + usize::from(w.filename.is_some()) + usize::from(w.lineno.is_some()) + fields);
        self.key("date");
        self.str(&w.date);
        if let Some(filename) = &w.filename {
            self.key("filename");
            self.str(filename);
        }
        if let Some(lineno) = w.lineno {
            self.key("lineno");
            self.uint(u64::from(lineno));
        }
        self.key("type");
        self.key(w.data.type_name());
        match &w.data {
            DirectiveData::Transaction(t) => {
                self.key("flag");
                self.str(&t.flag);
                self.key("payee");
                self.opt_str(t.payee.as_deref());
                self.key("narration");
                self.str(&t.narration);
                self.key("tags");
                self.strings(&t.tags);
                self.key("links");
                self.strings(&t.links);
                self.key("metadata");
                self.metadata(&t.metadata);
                self.key("postings");
                self.array(t.postings.len());
                for p in &t.postings {
                    self.posting(p);
                }
            }
            DirectiveData::Balance(b) => {
                self.key("account");
                self.str(&b.account);
                self.key("amount");
                self.amount(&b.amount);
                self.key("tolerance");
                self.opt_str(b.tolerance.as_deref());
                self.key("metadata");
                self.metadata(&b.metadata);
            }
            DirectiveData::Open(o) => {
                self.key("account");
                self.str(&o.account);
                self.key("currencies");
                self.strings(&o.currencies);
                self.key("booking");
                self.opt_str(o.booking.as_deref());
                self.key("metadata");
                self.metadata(&o.metadata);
            }
            DirectiveData::Close(c) => {
                self.key("account");
                self.str(&c.account);
                self.key("metadata");
                self.metadata(&c.metadata);
            }
            DirectiveData::Commodity(c) => {
                self.key("currency");
                self.str(&c.currency);
                self.key("metadata");
                self.metadata(&c.metadata);
            }
            DirectiveData::Pad(p) => {
                self.key("account");
                self.str(&p.account);
                self.key("source_account");
                self.str(&p.source_account);
                self.key("metadata");
                self.metadata(&p.metadata);
            }
            DirectiveData::Event(e) => {
                self.key("event_type");
                self.str(&e.event_type);
                self.key("value");
                self.str(&e.value);
                self.key("metadata");
                self.metadata(&e.metadata);
            }
            DirectiveData::Note(n) => {
                self.key("account");
                self.str(&n.account);
                self.key("comment");
                self.str(&n.comment);
                self.key("metadata");
                self.metadata(&n.metadata);
            }
            DirectiveData::Document(d) => {
                self.key("account");
                self.str(&d.account);
                self.key("path");
                self.str(&d.path);
                self.key("tags");
                self.strings(&d.tags);
                self.key("links");
                self.strings(&d.links);
                self.key("metadata");
                self.metadata(&d.metadata);
            }
            DirectiveData::Price(p) => {
                self.key("currency");
                self.str(&p.currency);
                self.key("amount");
                self.amount(&p.amount);
                self.key("metadata");
                self.metadata(&p.metadata);
            }
            DirectiveData::Query(q) => {
                self.key("name");
                self.str(&q.name);
                self.key("query");
                self.str(&q.query);
                self.key("metadata");
                self.metadata(&q.metadata);
            }
            DirectiveData::Custom(c) => {
                self.key("custom_type");
                self.str(&c.custom_type);
                self.key("values");
                self.array(c.values.len());
                for v in &c.values {
                    self.meta_value(v);
                }
                self.key("metadata");
                self.metadata(&c.metadata);
            }
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

/// A first guess at a wrapper's encoded size; the buffer grows if it is short (in place,
/// under the bump arena, since nothing else allocates while encoding).
const WRAPPER_GUESS: usize = 256;

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
            PluginOp::Modify(i, wrapper) => {
                w.buf.reserve(WRAPPER_GUESS);
                w.byte(0x81);
                w.key("Modify");
                w.byte(0x92);
                w.uint(*i as u64);
                w.wrapper(wrapper);
            }
            PluginOp::Insert(wrapper) => {
                w.buf.reserve(WRAPPER_GUESS);
                w.byte(0x81);
                w.key("Insert");
                w.wrapper(wrapper);
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
