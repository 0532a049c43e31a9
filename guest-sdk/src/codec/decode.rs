//! Decoders for the host's input types, one function per wire type.
//!
//! Positional structs: `struct_len` enforces the fields without a default, missing trailing
//! defaulted fields take their default, extra trailing elements are skipped.

use std::collections::HashMap;
use std::mem::MaybeUninit;

use rlplugin_types::{
    AmountData, BalanceData, CloseData, CommodityData, CostData, CostNumberData, CustomData,
    DirectiveData, DirectiveWrapper, DocumentData, EventData, IdentifyInput, ImporterInput,
    MetaValueData, Metadata, NoteData, OpenData, PadData, PluginAccountTypes, PluginInput,
    PluginOptions, PostingData, PriceAnnotationData, PriceData, QueryData, SourceSpan,
    TransactionData,
};

use super::DecodeError;
use super::read::{HIGH_BITS, Reader, capacity};

type Result<T> = core::result::Result<T, DecodeError>;

/// Smallest encodings, used to bound capacities taken from headers.
const MIN_WRAPPER: usize = 16;
const MIN_POSTING: usize = 8;
const MIN_META_PAIR: usize = 4;
const MIN_META_VALUE: usize = 3;

/// Skips the elements of a positional struct beyond the `known` ones this version reads.
#[inline]
fn skip_extra(r: &mut Reader<'_>, len: usize, known: usize) -> Result<()> {
    if len > known {
        r.skip(len - known)?;
    }
    Ok(())
}

/// Appends one element to `out`, decoded by `decode` straight into the vector's spare
/// capacity. Building a large value (a directive is ~130 bytes, a posting ~200) on the stack
/// and moving it into the vector would cost a fuel unit per byte moved.
#[inline(always)]
fn push_with<T>(
    out: &mut Vec<T>,
    decode: impl FnOnce(&mut MaybeUninit<T>) -> Result<()>,
) -> Result<()> {
    out.reserve(1);
    let len = out.len();
    let Some(slot) = out.spare_capacity_mut().first_mut() else {
        unreachable!("reserve(1) leaves spare capacity")
    };
    decode(slot)?;
    // SAFETY: `decode` returned `Ok`, and every decoder passed to `push_with` initializes its
    // slot before returning `Ok`; `reserve` made room for it.
    unsafe { out.set_len(len + 1) };
    Ok(())
}

pub(super) fn plugin_input(r: &mut Reader<'_>) -> Result<PluginInput> {
    let len = r.struct_len("plugin input (an array of 3)", 2)?;
    let directives = directives(r)?;
    let options = plugin_options(r)?;
    let config = if len >= 3 {
        r.opt_string("config (a string or nil)")?
    } else {
        None
    };
    skip_extra(r, len, 3)?;
    Ok(PluginInput {
        directives,
        options,
        config,
    })
}

fn directives(r: &mut Reader<'_>) -> Result<Vec<DirectiveWrapper>> {
    let len = r.array_len("directives (an array)")?;
    let mut out = Vec::with_capacity(capacity(len, r, MIN_WRAPPER));
    for _ in 0..len {
        push_with(&mut out, |slot| wrapper(r, slot))?;
    }
    Ok(out)
}

fn plugin_options(r: &mut Reader<'_>) -> Result<PluginOptions> {
    let len = r.struct_len("plugin options (an array of 3)", 2)?;
    let operating_currencies = strings(r, "operating currencies (an array of strings)")?;
    let title = r.opt_string("title (a string or nil)")?;
    let account_types = if len >= 3 {
        account_types(r)?
    } else {
        PluginAccountTypes::default()
    };
    skip_extra(r, len, 3)?;
    Ok(PluginOptions {
        operating_currencies,
        title,
        account_types,
    })
}

fn account_types(r: &mut Reader<'_>) -> Result<PluginAccountTypes> {
    const NAME: &str = "an account root name (a string)";
    let len = r.struct_len("account types (an array of 5 strings)", 5)?;
    let types = PluginAccountTypes {
        assets: r.string(NAME)?,
        liabilities: r.string(NAME)?,
        equity: r.string(NAME)?,
        income: r.string(NAME)?,
        expenses: r.string(NAME)?,
    };
    skip_extra(r, len, 5)?;
    Ok(types)
}

fn strings(r: &mut Reader<'_>, expected: &'static str) -> Result<Vec<String>> {
    let len = r.array_len(expected)?;
    let mut out = Vec::with_capacity(capacity(len, r, 1));
    for _ in 0..len {
        out.push(r.string(expected)?);
    }
    Ok(out)
}

/// The directive kinds, named by the wrapper's `type` key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Transaction,
    Balance,
    Open,
    Close,
    Commodity,
    Pad,
    Event,
    Note,
    Document,
    Price,
    Query,
    Custom,
}

const TYPE: &str = "a directive type (a string such as \"transaction\")";

fn kind(r: &mut Reader<'_>) -> Result<Kind> {
    let at = r.pos();
    Ok(match r.str(TYPE)? {
        "transaction" => Kind::Transaction,
        "balance" => Kind::Balance,
        "open" => Kind::Open,
        "close" => Kind::Close,
        "commodity" => Kind::Commodity,
        "pad" => Kind::Pad,
        "event" => Kind::Event,
        "note" => Kind::Note,
        "document" => Kind::Document,
        "price" => Kind::Price,
        "query" => Kind::Query,
        "custom" => Kind::Custom,
        other => {
            return Err(Reader::invalid(
                at,
                TYPE,
                format!("the unknown directive type {other:?}"),
            ));
        }
    })
}

/// An empty directive of `kind`, filled in key by key; nothing here allocates.
fn empty_data(kind: Kind) -> DirectiveData {
    let amount = || AmountData {
        number: String::new(),
        currency: String::new(),
    };
    match kind {
        Kind::Transaction => DirectiveData::Transaction(TransactionData {
            flag: String::new(),
            payee: None,
            narration: String::new(),
            tags: Vec::new(),
            links: Vec::new(),
            metadata: Vec::new(),
            postings: Vec::new(),
        }),
        Kind::Balance => DirectiveData::Balance(BalanceData {
            account: String::new(),
            amount: amount(),
            tolerance: None,
            metadata: Vec::new(),
        }),
        Kind::Open => DirectiveData::Open(OpenData {
            account: String::new(),
            currencies: Vec::new(),
            booking: None,
            metadata: Vec::new(),
        }),
        Kind::Close => DirectiveData::Close(CloseData {
            account: String::new(),
            metadata: Vec::new(),
        }),
        Kind::Commodity => DirectiveData::Commodity(CommodityData {
            currency: String::new(),
            metadata: Vec::new(),
        }),
        Kind::Pad => DirectiveData::Pad(PadData {
            account: String::new(),
            source_account: String::new(),
            metadata: Vec::new(),
        }),
        Kind::Event => DirectiveData::Event(EventData {
            event_type: String::new(),
            value: String::new(),
            metadata: Vec::new(),
        }),
        Kind::Note => DirectiveData::Note(NoteData {
            account: String::new(),
            comment: String::new(),
            metadata: Vec::new(),
        }),
        Kind::Document => DirectiveData::Document(DocumentData {
            account: String::new(),
            path: String::new(),
            tags: Vec::new(),
            links: Vec::new(),
            metadata: Vec::new(),
        }),
        Kind::Price => DirectiveData::Price(PriceData {
            currency: String::new(),
            amount: amount(),
            metadata: Vec::new(),
        }),
        Kind::Query => DirectiveData::Query(QueryData {
            name: String::new(),
            query: String::new(),
            metadata: Vec::new(),
        }),
        Kind::Custom => DirectiveData::Custom(CustomData {
            custom_type: String::new(),
            values: Vec::new(),
            metadata: Vec::new(),
        }),
    }
}

/// Keys a directive of each kind must carry: those without a default upstream, except
/// lists, which default to empty here. Each entry is the key and the bit `set_field`
/// returns for it.
fn required(data: &DirectiveData) -> &'static [(&'static str, u32)] {
    match data {
        DirectiveData::Transaction(_) => &[("flag", 1), ("narration", 2)],
        DirectiveData::Balance(_) | DirectiveData::Price(_) => &[("account", 1), ("amount", 2)],
        DirectiveData::Open(_) | DirectiveData::Close(_) => &[("account", 1)],
        DirectiveData::Commodity(_) => &[("currency", 1)],
        DirectiveData::Pad(_) => &[("account", 1), ("source_account", 2)],
        DirectiveData::Event(_) => &[("event_type", 1), ("value", 2)],
        DirectiveData::Note(_) => &[("account", 1), ("comment", 2)],
        DirectiveData::Document(_) => &[("account", 1), ("path", 2)],
        DirectiveData::Query(_) => &[("name", 1), ("query", 2)],
        DirectiveData::Custom(_) => &[("custom_type", 1)],
    }
}

/// Decodes the value of `key` into `data`'s field of that name; skips keys the kind does
/// not have. Returns the key's bit in [`required`], or 0.
fn set_field(data: &mut DirectiveData, key: &[u8], r: &mut Reader<'_>) -> Result<u32> {
    const ACCOUNT: &str = "an account (a string)";
    const META: &str = "metadata (an array of [key, value] pairs)";
    match data {
        DirectiveData::Transaction(t) => match key {
            b"flag" => t.flag = r.string("a transaction flag (a string)")?,
            b"payee" => {
                t.payee = r.opt_string("a payee (a string or nil)")?;
                return Ok(0);
            }
            b"narration" => {
                t.narration = r.string("a narration (a string)")?;
                return Ok(2);
            }
            b"tags" => return strings(r, "tags (an array of strings)").map(|v| (t.tags = v, 0).1),
            b"links" => {
                return strings(r, "links (an array of strings)").map(|v| (t.links = v, 0).1);
            }
            b"metadata" => return metadata(r, META).map(|v| (t.metadata = v, 0).1),
            b"postings" => return postings(r).map(|v| (t.postings = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Balance(b) => match key {
            b"account" => b.account = r.string(ACCOUNT)?,
            b"amount" => {
                b.amount = amount(r)?;
                return Ok(2);
            }
            b"tolerance" => {
                b.tolerance = r.opt_string("a tolerance (a string or nil)")?;
                return Ok(0);
            }
            b"metadata" => return metadata(r, META).map(|v| (b.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Open(o) => match key {
            b"account" => o.account = r.string(ACCOUNT)?,
            b"currencies" => {
                o.currencies = strings(r, "currencies (an array of strings)")?;
                return Ok(0);
            }
            b"booking" => {
                o.booking = r.opt_string("a booking method (a string or nil)")?;
                return Ok(0);
            }
            b"metadata" => return metadata(r, META).map(|v| (o.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Close(c) => match key {
            b"account" => c.account = r.string(ACCOUNT)?,
            b"metadata" => return metadata(r, META).map(|v| (c.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Commodity(c) => match key {
            b"currency" => c.currency = r.string("a currency (a string)")?,
            b"metadata" => return metadata(r, META).map(|v| (c.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Pad(p) => match key {
            b"account" => p.account = r.string(ACCOUNT)?,
            b"source_account" => {
                p.source_account = r.string(ACCOUNT)?;
                return Ok(2);
            }
            b"metadata" => return metadata(r, META).map(|v| (p.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Event(e) => match key {
            b"event_type" => e.event_type = r.string("an event type (a string)")?,
            b"value" => {
                e.value = r.string("an event value (a string)")?;
                return Ok(2);
            }
            b"metadata" => return metadata(r, META).map(|v| (e.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Note(n) => match key {
            b"account" => n.account = r.string(ACCOUNT)?,
            b"comment" => {
                n.comment = r.string("a comment (a string)")?;
                return Ok(2);
            }
            b"metadata" => return metadata(r, META).map(|v| (n.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Document(d) => match key {
            b"account" => d.account = r.string(ACCOUNT)?,
            b"path" => {
                d.path = r.string("a document path (a string)")?;
                return Ok(2);
            }
            b"tags" => return strings(r, "tags (an array of strings)").map(|v| (d.tags = v, 0).1),
            b"links" => {
                return strings(r, "links (an array of strings)").map(|v| (d.links = v, 0).1);
            }
            b"metadata" => return metadata(r, META).map(|v| (d.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Price(p) => match key {
            b"currency" => p.currency = r.string("a currency (a string)")?,
            b"amount" => {
                p.amount = amount(r)?;
                return Ok(2);
            }
            b"metadata" => return metadata(r, META).map(|v| (p.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Query(q) => match key {
            b"name" => q.name = r.string("a query name (a string)")?,
            b"query" => {
                q.query = r.string("a query (a string)")?;
                return Ok(2);
            }
            b"metadata" => return metadata(r, META).map(|v| (q.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
        DirectiveData::Custom(c) => match key {
            b"custom_type" => c.custom_type = r.string("a custom type (a string)")?,
            b"values" => {
                let len = r.array_len("custom values (an array)")?;
                let mut values = Vec::with_capacity(capacity(len, r, MIN_META_VALUE));
                for _ in 0..len {
                    values.push(meta_value(r)?);
                }
                c.values = values;
                return Ok(0);
            }
            b"metadata" => return metadata(r, META).map(|v| (c.metadata = v, 0).1),
            _ => return r.skip(1).map(|()| 0),
        },
    }
    // The first required key of every kind falls through to here.
    Ok(1)
}

/// The keys every directive may carry besides its kind's own.
#[derive(Default)]
struct Header {
    date: Option<String>,
    filename: Option<String>,
    lineno: Option<u32>,
    directive_type: String,
}

impl Header {
    /// Decodes the value of `key` if it is a header key; `false` otherwise (nothing read).
    #[inline]
    fn set(&mut self, key: &[u8], r: &mut Reader<'_>) -> Result<bool> {
        match key {
            b"date" => self.date = Some(r.string("a date (a string)")?),
            b"filename" => self.filename = r.opt_string("a filename (a string or nil)")?,
            b"lineno" => {
                self.lineno = if r.nil() {
                    None
                } else {
                    Some(r.uint_as("a line number (an integer)")?)
                };
            }
            b"directive_type" => {
                self.directive_type = r.string("a directive type (a string)")?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

const KEY: &str = "a directive key (a string)";

/// Decodes a directive into `slot`. The header keys before `type` (all of them, in the
/// host's order) are read first; once the kind is known the directive is written into the
/// slot and the remaining keys fill it in place.
fn wrapper(r: &mut Reader<'_>, slot: &mut MaybeUninit<DirectiveWrapper>) -> Result<()> {
    let at = r.pos();
    let len = r.map_len("a directive (a map)")?;
    let mut header = Header::default();
    let mut index = 0;
    let mut early_key = None;
    let kind = loop {
        if index == len {
            return Err(Reader::invalid(
                at,
                "a directive with a `type` key",
                "a map without one".to_owned(),
            ));
        }
        index += 1;
        let Some(key) = r.str_bytes(KEY)? else {
            // Not a key any version of the host writes: skip it and its value.
            r.skip(2)?;
            continue;
        };
        if key == b"type" {
            break kind(r)?;
        }
        if !header.set(key, r)? {
            // One of the kind's own keys before `type`: find the kind further on.
            early_key = Some(key);
            break look_ahead_kind(*r, len - index, at)?;
        }
    };
    let directive = slot.write(DirectiveWrapper {
        directive_type: String::new(),
        date: String::new(),
        filename: None,
        lineno: None,
        data: empty_data(kind),
    });
    let mut seen = match early_key {
        Some(key) => set_field(&mut directive.data, key, r)?,
        None => 0,
    };
    while index < len {
        index += 1;
        let Some(key) = r.str_bytes(KEY)? else {
            r.skip(2)?;
            continue;
        };
        if key == b"type" {
            // Already read, or found by the look-ahead.
            r.skip(1)?;
        } else if !header.set(key, r)? {
            seen |= set_field(&mut directive.data, key, r)?;
        }
    }
    let Some(date) = header.date else {
        return Err(Reader::invalid(
            at,
            "a directive with a `date` key",
            "a map without one".to_owned(),
        ));
    };
    for &(name, bit) in required(&directive.data) {
        if seen & bit == 0 {
            return Err(Reader::invalid(
                at,
                "a directive with every required key",
                format!("a {} without `{name}`", directive.data.type_name()),
            ));
        }
    }
    directive.date = date;
    directive.filename = header.filename;
    directive.lineno = header.lineno;
    directive.directive_type = header.directive_type;
    Ok(())
}

/// Finds the `type` of a directive whose own keys come before it (the host always sends
/// `type` first, so this only runs for reordered input). `r` stands before the value of a
/// non-header key; `entries` more entries follow that value.
fn look_ahead_kind(mut r: Reader<'_>, entries: usize, map_at: usize) -> Result<Kind> {
    r.skip(1)?;
    for _ in 0..entries {
        match r.str_bytes(KEY)? {
            Some(b"type") => return kind(&mut r),
            Some(_) => r.skip(1)?,
            None => r.skip(2)?,
        }
    }
    Err(Reader::invalid(
        map_at,
        "a directive with a `type` key",
        "a map without one".to_owned(),
    ))
}

fn postings(r: &mut Reader<'_>) -> Result<Vec<PostingData>> {
    let len = r.array_len("postings (an array)")?;
    let mut out = Vec::with_capacity(capacity(len, r, MIN_POSTING));
    for _ in 0..len {
        push_with(&mut out, |slot| posting(r, slot))?;
    }
    Ok(out)
}

fn posting(r: &mut Reader<'_>, slot: &mut MaybeUninit<PostingData>) -> Result<()> {
    let len = r.struct_len("a posting (an array of 7)", 6)?;
    let account = r.string("a posting account (a string)")?;
    let units = if r.nil() { None } else { Some(amount(r)?) };
    let cost = if r.nil() { None } else { Some(cost(r)?) };
    let price = if r.nil() { None } else { Some(price(r)?) };
    let flag = r.opt_string("a posting flag (a string or nil)")?;
    let metadata = metadata(r, "posting metadata (an array of [key, value] pairs)")?;
    let span = if len >= 7 && !r.nil() {
        Some(span(r)?)
    } else {
        None
    };
    skip_extra(r, len, 7)?;
    slot.write(PostingData {
        account,
        units,
        cost,
        price,
        flag,
        metadata,
        span,
    });
    Ok(())
}

fn amount(r: &mut Reader<'_>) -> Result<AmountData> {
    let len = r.struct_len("an amount (an array of 2)", 2)?;
    let amount = AmountData {
        number: r.string("an amount's number (a string)")?,
        currency: r.string("an amount's currency (a string)")?,
    };
    skip_extra(r, len, 2)?;
    Ok(amount)
}

fn span(r: &mut Reader<'_>) -> Result<SourceSpan> {
    let len = r.struct_len("a source span (an array of 3)", 3)?;
    let span = SourceSpan {
        start: r.uint("a span start (an integer)")?,
        end: r.uint("a span end (an integer)")?,
        file_id: r.uint_as("a span file id (an integer up to 65535)")?,
    };
    skip_extra(r, len, 3)?;
    Ok(span)
}

fn cost(r: &mut Reader<'_>) -> Result<CostData> {
    let len = r.struct_len("a cost (an array of 5)", 5)?;
    let number = if r.nil() { None } else { Some(cost_number(r)?) };
    let cost = CostData {
        number,
        currency: r.opt_string("a cost currency (a string or nil)")?,
        date: r.opt_string("a cost date (a string or nil)")?,
        label: r.opt_string("a cost label (a string or nil)")?,
        merge: r.bool("a cost merge flag (a boolean)")?,
    };
    skip_extra(r, len, 5)?;
    Ok(cost)
}

fn cost_number(r: &mut Reader<'_>) -> Result<CostNumberData> {
    const EXPECTED: &str = "a cost number ([kind, values…])";
    const KIND: &str =
        "a cost kind (\"per_unit\", \"total\", \"compound\" or \"per_unit_from_total\")";
    const NUMBER: &str = "a cost number (a string)";
    let len = r.struct_len(EXPECTED, 2)?;
    let kind_at = r.pos();
    let (number, known) = match r.str(KIND)? {
        "per_unit" => (
            CostNumberData::PerUnit {
                value: r.string(NUMBER)?,
            },
            2,
        ),
        "total" => (
            CostNumberData::Total {
                value: r.string(NUMBER)?,
            },
            2,
        ),
        two @ ("compound" | "per_unit_from_total") => {
            if len < 3 {
                return Err(Reader::invalid(
                    kind_at,
                    EXPECTED,
                    format!("{two:?} with only one number"),
                ));
            }
            let per_unit = r.string(NUMBER)?;
            let total = r.string(NUMBER)?;
            let number = if two == "compound" {
                CostNumberData::Compound { per_unit, total }
            } else {
                CostNumberData::PerUnitFromTotal { per_unit, total }
            };
            (number, 3)
        }
        other => {
            return Err(Reader::invalid(
                kind_at,
                KIND,
                format!("the unknown kind {other:?}"),
            ));
        }
    };
    skip_extra(r, len, known)?;
    Ok(number)
}

fn price(r: &mut Reader<'_>) -> Result<PriceAnnotationData> {
    let len = r.struct_len("a price annotation (an array of 4)", 4)?;
    let is_total = r.bool("a price's is_total flag (a boolean)")?;
    let amount = if r.nil() { None } else { Some(amount(r)?) };
    let price = PriceAnnotationData {
        is_total,
        amount,
        number: r.opt_string("a price number (a string or nil)")?,
        currency: r.opt_string("a price currency (a string or nil)")?,
    };
    skip_extra(r, len, 4)?;
    Ok(price)
}

fn metadata(r: &mut Reader<'_>, expected: &'static str) -> Result<Metadata> {
    let len = r.array_len(expected)?;
    let mut out = Vec::with_capacity(capacity(len, r, MIN_META_PAIR));
    for _ in 0..len {
        push_with(&mut out, |slot| {
            let pair_len = r.struct_len("a metadata pair (an array of 2)", 2)?;
            let key = r.string("a metadata key (a string)")?;
            let value = meta_value(r)?;
            skip_extra(r, pair_len, 2)?;
            slot.write((key, value));
            Ok(())
        })?;
    }
    Ok(out)
}

fn meta_value(r: &mut Reader<'_>) -> Result<MetaValueData> {
    const TYPE: &str = "a metadata type (\"string\", \"number\", \"date\", \"account\", \"currency\", \"tag\", \"link\", \"amount\" or \"bool\")";
    const TEXT: &str = "a metadata value (a string)";
    let len = r.struct_len("a metadata value ([type, value])", 2)?;
    let type_at = r.pos();
    let value = match r.str(TYPE)? {
        "string" => MetaValueData::String(r.string(TEXT)?),
        "number" => MetaValueData::Number(r.string(TEXT)?),
        "date" => MetaValueData::Date(r.string(TEXT)?),
        "account" => MetaValueData::Account(r.string(TEXT)?),
        "currency" => MetaValueData::Currency(r.string(TEXT)?),
        "tag" => MetaValueData::Tag(r.string(TEXT)?),
        "link" => MetaValueData::Link(r.string(TEXT)?),
        "amount" => MetaValueData::Amount(amount(r)?),
        "bool" => MetaValueData::Bool(r.bool("a metadata value (a boolean)")?),
        other => {
            return Err(Reader::invalid(
                type_at,
                TYPE,
                format!("the unknown type {other:?}"),
            ));
        }
    };
    skip_extra(r, len, 2)?;
    Ok(value)
}

pub(super) fn importer_input(r: &mut Reader<'_>) -> Result<ImporterInput> {
    let len = r.struct_len("importer input (an array of 5)", 3)?;
    let path = r.string("a statement path (a string)")?;
    let content = bytes(r)?;
    let account = r.string("an account (a string)")?;
    let currency = if len >= 4 {
        r.opt_string("a currency (a string or nil)")?
    } else {
        None
    };
    let options = if len >= 5 {
        options(r)?
    } else {
        HashMap::new()
    };
    skip_extra(r, len, 5)?;
    Ok(ImporterInput {
        path,
        content,
        account,
        currency,
        options,
    })
}

pub(super) fn identify_input(r: &mut Reader<'_>) -> Result<IdentifyInput> {
    let len = r.struct_len("identify input (an array of 1)", 1)?;
    let path = r.string("a file path (a string)")?;
    skip_extra(r, len, 1)?;
    Ok(IdentifyInput { path })
}

fn options(r: &mut Reader<'_>) -> Result<HashMap<String, String>> {
    const EXPECTED: &str = "an importer option (a string)";
    let len = r.map_len("importer options (a map of strings)")?;
    let mut out = HashMap::with_capacity(capacity(len, r, 2));
    for _ in 0..len {
        let key = r.string(EXPECTED)?;
        out.insert(key, r.string(EXPECTED)?);
    }
    Ok(out)
}

/// Statement bytes: the host sends an array of integers (one byte each below 0x80, two
/// above); `bin` and `str` are accepted too.
fn bytes(r: &mut Reader<'_>) -> Result<Vec<u8>> {
    const EXPECTED: &str = "statement content (an array of byte values)";
    if let Some(bytes) = r.str_bytes(EXPECTED)? {
        return Ok(bytes.to_vec());
    }
    let at = r.pos();
    let bin_len = match r.peek() {
        Some(0xc4) => Some(1),
        Some(0xc5) => Some(2),
        Some(0xc6) => Some(4),
        _ => None,
    };
    if let Some(width) = bin_len {
        let header = r.take(1 + width, EXPECTED)?;
        let len = header[1..]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        return Ok(r.take(len, EXPECTED)?.to_vec());
    }
    let len = r
        .array_len(EXPECTED)
        .map_err(|_| r.error_at(at, EXPECTED))?;
    let mut out = Vec::with_capacity(capacity(len, r, 1));
    let mut left = len;
    while left > 0 {
        // Runs of positive fixints are the bytes themselves: find the run eight bytes at a
        // time and copy it in one go.
        let rest = r.rest();
        let run = fixint_run(&rest[..left.min(rest.len())]);
        if run > 0 {
            out.extend_from_slice(r.take(run, EXPECTED)?);
            left -= run;
            continue;
        }
        out.push(r.uint_as("a byte value (an integer up to 255)")?);
        left -= 1;
    }
    Ok(out)
}

/// Length of the run of positive fixints (bytes below 0x80) at the start of `bytes`.
#[inline]
fn fixint_run(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut run = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let high = u64::from_le_bytes(word) & HIGH_BITS;
        if high != 0 {
            // Little-endian: the lowest set bit belongs to the first byte with its high bit.
            return run + (high.trailing_zeros() / 8) as usize;
        }
        run += 8;
    }
    run + chunks.remainder().iter().take_while(|&&b| b < 0x80).count()
}
