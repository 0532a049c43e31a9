//! The wire schema of the directive map, declared once: the header keys every directive
//! carries and, in [`kinds!`], each kind's own keys in the order the host writes them, the
//! Rust field each fills, what each holds, which are required, and the label a decode error
//! gives each value. A missing optional key takes its value's empty form ([`Value`]). The
//! strings of the metadata value and cost number variants live here too.
//!
//! [`kinds!`] hands the declaration to a macro of the caller's: here it becomes the `const`
//! table of each kind ([`TRANSACTION`], [`PRICE`], …, [`KINDS`]); the general decoder
//! (`decode.rs`), the fast path (`fast.rs`) and the encoder (`write.rs`) each turn it into
//! their per-kind code, every field's read or write chosen by its [`Value`]. They read keys
//! and labels from the tables in `const` contexts, so a key still compiles to the literal
//! compare or literal copy it would be if spelt out in place, with no table walk at run
//! time. The tests at the end hold the host's encoding, the encoder and the fast path
//! (order, key count, the bytes of every key) and the general decoder (every field moved,
//! defaults, required keys, labels) to the tables, kind by kind and key by key.
//!
//! # Adding a field
//!
//! 1. Add the field to the kind's struct in `rlplugin-types` and to its golden files, and to
//!    the conversions and strategies of `rlplugin-bench`'s `wire.rs`; the compiler then
//!    names every struct literal still without it, the tests' own included.
//! 2. Add its line to the kind in [`kinds!`], at the place the host writes the key (the
//!    order of the fields of rustledger's struct): the Rust field, the key (a new key also
//!    gets its constant in [`key`]), its [`Value`], `required` or `optional`, and its error
//!    label. Until it is there, the decoders' struct literals of the kind fail to compile.
//!
//! The general decoder, the fast path and the encoder generate their code for the field from
//! that line, and the tests below check it against the host's own encoding (their `sample`
//! gives it a string of its own). A value no [`Value`] describes needs its variant, and its
//! reader and writer in each of `decode.rs`, `fast.rs` and `write.rs`, first.

use rlplugin_types::DirectiveData;

/// Every key of the directive map.
pub(super) mod key {
    pub(crate) const DATE: &str = "date";
    pub(crate) const FILENAME: &str = "filename";
    pub(crate) const LINENO: &str = "lineno";
    pub(crate) const TYPE: &str = "type";
    pub(crate) const DIRECTIVE_TYPE: &str = "directive_type";
    pub(crate) const FLAG: &str = "flag";
    pub(crate) const PAYEE: &str = "payee";
    pub(crate) const NARRATION: &str = "narration";
    pub(crate) const TAGS: &str = "tags";
    pub(crate) const LINKS: &str = "links";
    pub(crate) const METADATA: &str = "metadata";
    pub(crate) const POSTINGS: &str = "postings";
    pub(crate) const ACCOUNT: &str = "account";
    pub(crate) const AMOUNT: &str = "amount";
    pub(crate) const TOLERANCE: &str = "tolerance";
    pub(crate) const CURRENCIES: &str = "currencies";
    pub(crate) const BOOKING: &str = "booking";
    pub(crate) const CURRENCY: &str = "currency";
    pub(crate) const SOURCE_ACCOUNT: &str = "source_account";
    pub(crate) const EVENT_TYPE: &str = "event_type";
    pub(crate) const VALUE: &str = "value";
    pub(crate) const COMMENT: &str = "comment";
    pub(crate) const PATH: &str = "path";
    pub(crate) const NAME: &str = "name";
    pub(crate) const QUERY: &str = "query";
    pub(crate) const CUSTOM_TYPE: &str = "custom_type";
    pub(crate) const VALUES: &str = "values";
}

/// What a field holds on the wire. A field that is not required and whose key is missing
/// takes its value's empty form: an empty string, nil, an empty list, or an amount of two
/// empty strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Value {
    /// A string.
    Text,
    /// A string or nil.
    OptText,
    /// An integer or nil.
    OptUint,
    /// An array of strings.
    Texts,
    /// `[number, currency]`.
    Amount,
    /// An array of `[key, [type, value]]` pairs.
    Metadata,
    /// An array of postings.
    Postings,
    /// An array of `[type, value]` metadata values.
    Values,
    /// A kind's name.
    Kind,
}

impl Value {
    /// The label every field of this value gives, where one reader serves them all (and
    /// nested values too): `None` where each field has its own.
    const fn shared_label(self) -> Option<&'static str> {
        match self {
            Self::Amount => Some(label::AMOUNT),
            Self::Metadata => Some(label::METADATA),
            Self::Values => Some(label::VALUES),
            Self::Postings => Some(label::POSTINGS),
            _ => None,
        }
    }
}

/// One key of the directive map and its value.
#[derive(Clone, Copy, Debug)]
pub(super) struct Field {
    /// The key, as written on the wire.
    pub(super) key: &'static str,
    pub(super) value: Value,
    /// Whether a directive without this key is rejected.
    pub(super) required: bool,
    /// What a decode error says was expected of the value.
    pub(super) label: &'static str,
}

impl Field {
    const fn required(key: &'static str, value: Value, label: &'static str) -> Self {
        Self {
            key,
            value,
            required: true,
            label,
        }
    }

    const fn optional(key: &'static str, value: Value, label: &'static str) -> Self {
        Self {
            key,
            value,
            required: false,
            label,
        }
    }
}

/// Labels several fields share.
pub(super) mod label {
    pub(crate) const ACCOUNT: &str = "an account (a string)";
    pub(crate) const CURRENCY: &str = "a currency (a string)";
    pub(crate) const TAGS: &str = "tags (an array of strings)";
    pub(crate) const LINKS: &str = "links (an array of strings)";
    /// Of every amount, as a field and wherever else one is read.
    pub(crate) const AMOUNT: &str = "an amount (an array of 2)";
    /// Of every kind's metadata.
    pub(crate) const METADATA: &str = "metadata (an array of [key, value] pairs)";
    /// Of a custom directive's values.
    pub(crate) const VALUES: &str = "custom values (an array)";
    /// Of a transaction's postings.
    pub(crate) const POSTINGS: &str = "postings (an array)";
}

/// The date, first on the wire.
pub(super) const DATE: Field = Field::required(key::DATE, Value::Text, "a date (a string)");
/// The source file, written after the date when the directive has one.
pub(super) const FILENAME: Field = Field::optional(
    key::FILENAME,
    Value::OptText,
    "a filename (a string or nil)",
);
/// The line, written after the file name when the directive has one.
pub(super) const LINENO: Field =
    Field::optional(key::LINENO, Value::OptUint, "a line number (an integer)");
/// The kind's name, written after the location and before the kind's own keys.
pub(super) const TYPE: Field = Field::required(
    key::TYPE,
    Value::Kind,
    "a directive type (a string such as \"transaction\")",
);
/// Never written, by the host or by us; read if present, for symmetry with the Rust type.
pub(super) const DIRECTIVE_TYPE: Field = Field::optional(
    key::DIRECTIVE_TYPE,
    Value::Text,
    "a directive type (a string)",
);

/// Calls `$reader!` with the declaration of every kind, which reads
///
/// ```text
/// CONST = Variant(Data) "name" {
///     rust_field KEY Value required|optional label,
///     …
/// }
/// ```
///
/// `CONST` names the kind's table ([`Kind`]) here, `Variant` and `Data` its variant of
/// [`DirectiveData`] and its struct, `"name"` the value of its `type` key; each line is one
/// of its keys, in the order the host writes them: the struct's field, the key (a constant
/// of [`key`]), its [`Value`], whether a directive without it is rejected, and the label a
/// decode error gives it.
///
/// The first kind is the one ledgers are mostly made of: every reader gives it code of its
/// own, inlined, while the others share theirs. The rest go most frequent first, the order
/// in which the fast path tries their names.
macro_rules! kinds {
    ($reader:ident) => {
        $reader! {
            TRANSACTION = Transaction(TransactionData) "transaction" {
                flag        FLAG        Text      required "a transaction flag (a string)",
                payee       PAYEE       OptText   optional "a payee (a string or nil)",
                narration   NARRATION   Text      required "a narration (a string)",
                tags        TAGS        Texts     optional label::TAGS,
                links       LINKS       Texts     optional label::LINKS,
                metadata    METADATA    Metadata  optional label::METADATA,
                postings    POSTINGS    Postings  optional label::POSTINGS,
            }
            PRICE = Price(PriceData) "price" {
                currency    CURRENCY    Text      required label::CURRENCY,
                amount      AMOUNT      Amount    required label::AMOUNT,
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            BALANCE = Balance(BalanceData) "balance" {
                account     ACCOUNT     Text      required label::ACCOUNT,
                amount      AMOUNT      Amount    required label::AMOUNT,
                tolerance   TOLERANCE   OptText   optional "a tolerance (a string or nil)",
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            OPEN = Open(OpenData) "open" {
                account     ACCOUNT     Text      required label::ACCOUNT,
                currencies  CURRENCIES  Texts     optional "currencies (an array of strings)",
                booking     BOOKING     OptText   optional "a booking method (a string or nil)",
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            CLOSE = Close(CloseData) "close" {
                account     ACCOUNT     Text      required label::ACCOUNT,
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            COMMODITY = Commodity(CommodityData) "commodity" {
                currency    CURRENCY    Text      required label::CURRENCY,
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            PAD = Pad(PadData) "pad" {
                account        ACCOUNT        Text      required label::ACCOUNT,
                source_account SOURCE_ACCOUNT Text      required label::ACCOUNT,
                metadata       METADATA       Metadata  optional label::METADATA,
            }
            NOTE = Note(NoteData) "note" {
                account     ACCOUNT     Text      required label::ACCOUNT,
                comment     COMMENT     Text      required "a comment (a string)",
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            EVENT = Event(EventData) "event" {
                event_type  EVENT_TYPE  Text      required "an event type (a string)",
                value       VALUE       Text      required "an event value (a string)",
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            DOCUMENT = Document(DocumentData) "document" {
                account     ACCOUNT     Text      required label::ACCOUNT,
                path        PATH        Text      required "a document path (a string)",
                tags        TAGS        Texts     optional label::TAGS,
                links       LINKS       Texts     optional label::LINKS,
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            QUERY = Query(QueryData) "query" {
                name        NAME        Text      required "a query name (a string)",
                query       QUERY       Text      required "a query (a string)",
                metadata    METADATA    Metadata  optional label::METADATA,
            }
            CUSTOM = Custom(CustomData) "custom" {
                custom_type CUSTOM_TYPE Text      required "a custom type (a string)",
                values      VALUES      Values    optional label::VALUES,
                metadata    METADATA    Metadata  optional label::METADATA,
            }
        }
    };
}
pub(super) use kinds;

/// The most required keys a kind may have.
const MAX_REQUIRED: usize = 2;

/// What the general decoder keeps of a kind at run time: which of its keys are required.
/// (The rest of the declaration is read at compile time only, and never linked into a guest.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Required {
    /// One bit per required key ([`Kind::bit`]).
    pub(super) bits: u32,
    /// The required keys, in the order of their bits.
    pub(super) keys: [&'static str; MAX_REQUIRED],
}

/// A directive kind: the value of its `type` key and its own keys.
pub(super) struct Kind {
    /// The value of the `type` key.
    pub(super) name: &'static str,
    /// The kind's own keys, in the order the host writes them (after `type`).
    pub(super) fields: &'static [Field],
    pub(super) required: Required,
}

impl Kind {
    const fn new(name: &'static str, fields: &'static [Field]) -> Self {
        let mut required = Required {
            bits: 0,
            keys: [""; MAX_REQUIRED],
        };
        let mut count = 0;
        let mut i = 0;
        while i < fields.len() {
            let field = fields[i];
            if field.required {
                assert!(count < MAX_REQUIRED, "more required keys than MAX_REQUIRED");
                required.keys[count] = field.key;
                required.bits |= 1 << count;
                count += 1;
            }
            if let Some(label) = field.value.shared_label() {
                assert!(
                    same(field.label, label),
                    "a field of this value takes the label its shared reader gives"
                );
            }
            i += 1;
        }
        Self {
            name,
            fields,
            required,
        }
    }

    /// How many keys of its own a directive of this kind has on the wire.
    pub(super) const fn len(&self) -> usize {
        self.fields.len()
    }

    /// The position of `key` among the kind's keys. Panics, which in a `const` context is a
    /// compile error, if the kind has no such key.
    pub(super) const fn index(&self, key: &str) -> usize {
        let mut i = 0;
        while i < self.fields.len() {
            if same(self.fields[i].key, key) {
                return i;
            }
            i += 1;
        }
        panic!("the kind declares no such key");
    }

    /// The field keyed `key` (see [`index`](Self::index)).
    pub(super) const fn field(&self, key: &str) -> Field {
        self.fields[self.index(key)]
    }

    /// The bit the general decoder records when it has read `key`: for a required key, its
    /// bit in [`Required::bits`]; 0 for the others.
    pub(super) const fn bit(&self, key: &str) -> u32 {
        if !self.field(key).required {
            return 0;
        }
        let mut bit = 0;
        while !same(self.required.keys[bit], key) {
            bit += 1;
        }
        1 << bit
    }

    /// [`Kind::required`] by value, so that `&kind.required_copy()` in a `const` block
    /// refers to a copy of it alone, not into the whole declaration (which would then be
    /// linked into every guest).
    const fn required_copy(&self) -> Required {
        self.required
    }
}

pub(super) const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The tables, [`KINDS`], and the per-kind lookups the general decoder and the encoder make
/// at run time.
macro_rules! tables {
    ($(
        $KIND:ident = $Variant:ident($Data:ident) $name:literal {
            $($field:ident $KEY:ident $Value:ident $required:ident $label:expr),+ $(,)?
        }
    )+) => {
        $(
            pub(super) const $KIND: Kind = Kind::new(
                $name,
                &[$(Field::$required(key::$KEY, Value::$Value, $label)),+],
            );
        )+

        /// Every kind, in the order declared.
        pub(super) const KINDS: [&Kind; [$($name),+].len()] = [$(&$KIND),+];

        /// The required keys of `data`'s kind.
        pub(super) const fn required(data: &DirectiveData) -> &'static Required {
            match data {
                $(DirectiveData::$Variant(_) => const { &$KIND.required_copy() },)+
            }
        }

        /// How many keys of its own `data`'s kind has on the wire ([`Kind::len`]).
        pub(super) const fn len(data: &DirectiveData) -> usize {
            match data {
                $(DirectiveData::$Variant(_) => const { $KIND.len() },)+
            }
        }
    };
}

kinds!(tables);

/// The type names of metadata values (`[type, value]`).
pub(super) mod meta {
    pub(crate) const STRING: &str = "string";
    pub(crate) const NUMBER: &str = "number";
    pub(crate) const DATE: &str = "date";
    pub(crate) const ACCOUNT: &str = "account";
    pub(crate) const CURRENCY: &str = "currency";
    pub(crate) const TAG: &str = "tag";
    pub(crate) const LINK: &str = "link";
    pub(crate) const AMOUNT: &str = "amount";
    pub(crate) const BOOL: &str = "bool";
}

/// The kinds of a cost's number (`[kind, values…]`).
pub(super) mod cost {
    pub(crate) const PER_UNIT: &str = "per_unit";
    pub(crate) const TOTAL: &str = "total";
    pub(crate) const COMPOUND: &str = "compound";
    pub(crate) const PER_UNIT_FROM_TOTAL: &str = "per_unit_from_total";
}

/// The length of [`fixstrs`]`(prefix, parts)`.
pub(super) const fn fixstrs_len(prefix: &[u8], parts: &[&str]) -> usize {
    let mut len = prefix.len();
    let mut i = 0;
    while i < parts.len() {
        len += 1 + parts[i].len();
        i += 1;
    }
    len
}

/// `prefix`, then each of `parts` as the host encodes it: a fixstr (so each is shorter than
/// 32 bytes, checked at compile time). `N` is [`fixstrs_len`]`(prefix, parts)`.
pub(super) const fn fixstrs<const N: usize>(prefix: &[u8], parts: &[&str]) -> [u8; N] {
    assert!(N == fixstrs_len(prefix, parts));
    let mut out = [0; N];
    let mut at = 0;
    while at < prefix.len() {
        out[at] = prefix[at];
        at += 1;
    }
    let mut i = 0;
    while i < parts.len() {
        let part = parts[i].as_bytes();
        assert!(part.len() < 32, "a fixstr is shorter than 32 bytes");
        out[at] = 0xa0 | part.len() as u8;
        at += 1;
        let mut j = 0;
        while j < part.len() {
            out[at] = part[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    //! Every reader against the declaration, kind by kind and key by key: the host's own
    //! encoding (rmp-serde of rustledger's types), the encoder, the fast path and the general
    //! decoder, each with every key present, dropped, retyped, reordered, or joined by an
    //! unknown one.

    use core::mem::MaybeUninit;

    use rlplugin_types as ours;

    use super::{DATE, DIRECTIVE_TYPE, FILENAME, Field, KINDS, Kind, LINENO, TYPE, Value, meta};
    #[cfg(not(rlplugin_small))]
    use crate::codec::fast;
    use crate::codec::read::{ErrorSink, KeyCode, Reader, key_code};
    use crate::codec::{decode_plugin_input, encode_importer_output, support};

    /// A directive of `kind` with every field set to something other than its default,
    /// `filename` and `lineno` included, and every string its own (named after the kind and
    /// the field): a reader that left a field out, or moved its value into another field,
    /// gives another directive or other bytes.
    fn sample(kind: &Kind) -> ours::DirectiveWrapper {
        use ours::DirectiveData as D;
        let text = |field: &str| format!("{}.{field}", kind.name);
        let texts = |field: &str| vec![text(&format!("{field}.0")), text(&format!("{field}.1"))];
        let amount = |field: &str| ours::AmountData {
            number: text(&format!("{field}.number")),
            currency: text(&format!("{field}.currency")),
        };
        let metadata = || {
            vec![(
                text("metadata.key"),
                ours::MetaValueData::String(text("metadata.value")),
            )]
        };
        let data = match kind.name {
            "transaction" => D::Transaction(ours::TransactionData {
                flag: text("flag"),
                payee: Some(text("payee")),
                narration: text("narration"),
                tags: texts("tags"),
                links: texts("links"),
                metadata: metadata(),
                postings: vec![ours::PostingData {
                    account: text("postings.account"),
                    units: Some(amount("postings.units")),
                    cost: None,
                    price: None,
                    flag: None,
                    metadata: Vec::new(),
                    span: None,
                }],
            }),
            "balance" => D::Balance(ours::BalanceData {
                account: text("account"),
                amount: amount("amount"),
                tolerance: Some(text("tolerance")),
                metadata: metadata(),
            }),
            "open" => D::Open(ours::OpenData {
                account: text("account"),
                currencies: texts("currencies"),
                booking: Some(text("booking")),
                metadata: metadata(),
            }),
            "close" => D::Close(ours::CloseData {
                account: text("account"),
                metadata: metadata(),
            }),
            "commodity" => D::Commodity(ours::CommodityData {
                currency: text("currency"),
                metadata: metadata(),
            }),
            "pad" => D::Pad(ours::PadData {
                account: text("account"),
                source_account: text("source_account"),
                metadata: metadata(),
            }),
            "event" => D::Event(ours::EventData {
                event_type: text("event_type"),
                value: text("value"),
                metadata: metadata(),
            }),
            "note" => D::Note(ours::NoteData {
                account: text("account"),
                comment: text("comment"),
                metadata: metadata(),
            }),
            "document" => D::Document(ours::DocumentData {
                account: text("account"),
                path: text("path"),
                tags: texts("tags"),
                links: texts("links"),
                metadata: metadata(),
            }),
            "price" => D::Price(ours::PriceData {
                currency: text("currency"),
                amount: amount("amount"),
                metadata: metadata(),
            }),
            "query" => D::Query(ours::QueryData {
                name: text("name"),
                query: text("query"),
                metadata: metadata(),
            }),
            "custom" => D::Custom(ours::CustomData {
                custom_type: text("custom_type"),
                values: vec![
                    ours::MetaValueData::String(text("values.0")),
                    ours::MetaValueData::Bool(true),
                ],
                metadata: metadata(),
            }),
            other => panic!("no sample of kind {other}"),
        };
        ours::DirectiveWrapper {
            directive_type: String::new(),
            date: text("date"),
            filename: Some(text("filename")),
            lineno: Some(7),
            data,
        }
    }

    /// Every kind, checked against the Rust type's own names and [`super::required`] and
    /// [`super::len`].
    fn kinds() -> [&'static Kind; 12] {
        for kind in KINDS {
            let sample = sample(kind);
            assert_eq!(sample.data.type_name(), kind.name);
            assert_eq!(
                *super::required(&sample.data),
                kind.required,
                "{}",
                kind.name
            );
            assert_eq!(super::len(&sample.data), kind.len(), "{}", kind.name);
        }
        KINDS
    }

    /// The entries of the map at the start of `bytes`: each key and its value's bytes.
    fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let sink = ErrorSink::default();
        let mut r = Reader::new(bytes, &sink);
        let len = r.map_len("a map");
        let entries = (0..len)
            .map(|_| {
                let key = r.str("a key").to_owned();
                let at = r.pos();
                r.skip(1);
                (key, bytes[at..r.pos()].to_vec())
            })
            .collect();
        r.finish(entries).expect("a map of short string keys")
    }

    /// A map of `entries`, as the host writes one.
    fn map(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        assert!(entries.len() < 16 && entries.iter().all(|(key, _)| key.len() < 32));
        let mut out = vec![0x80 | entries.len() as u8];
        for (key, value) in entries {
            out.push(0xa0 | key.len() as u8);
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(value);
        }
        out
    }

    /// The host's encoding of `wrapper`.
    fn upstream(wrapper: &ours::DirectiveWrapper) -> Vec<u8> {
        rmp_serde::to_vec(&support::to_upstream_wrapper(wrapper)).expect("upstream encodes")
    }

    /// `process` input holding the one directive `directive`.
    fn input(directive: &[u8]) -> Vec<u8> {
        let mut bytes = b"\x93\x91".to_vec();
        bytes.extend_from_slice(directive);
        bytes.extend_from_slice(b"\x92\x90\xc0\xc0");
        bytes
    }

    /// The general decoder (behind the fast path, which declines anything it does not
    /// take) on the directive `directive`.
    fn decode(directive: &[u8]) -> Result<ours::DirectiveWrapper, crate::codec::DecodeError> {
        decode_plugin_input(&input(directive)).map(|mut input| input.directives.remove(0))
    }

    /// The fast path on the directive `directive`, or `None` where it declines (the small
    /// form has none).
    #[cfg(not(rlplugin_small))]
    fn fast(directive: &[u8]) -> Option<ours::DirectiveWrapper> {
        let bytes = input(directive);
        let sink = ErrorSink::default();
        let mut reader = Reader::new(&bytes, &sink);
        reader.seek(2);
        let mut slot = MaybeUninit::uninit();
        if !fast::directive(&mut reader, &mut slot) {
            assert_eq!(reader.pos(), 2, "the fast path consumed what it declined");
            return None;
        }
        assert_eq!(reader.pos(), 2 + directive.len());
        // SAFETY: `directive` returned true, so it initialised the slot.
        Some(unsafe { slot.assume_init() })
    }

    fn debug<T: core::fmt::Debug>(value: &T) -> String {
        format!("{value:#?}")
    }

    /// The header keys and then the kind's own, as declared.
    fn declared_keys(kind: &Kind) -> Vec<&'static str> {
        [DATE.key, FILENAME.key, LINENO.key, TYPE.key]
            .into_iter()
            .chain(kind.fields.iter().map(|field| field.key))
            .collect()
    }

    /// The encoding of a field's value when its key is missing: its declared default.
    fn default_bytes(value: Value) -> &'static [u8] {
        match value {
            Value::Text => b"\xa0",
            Value::OptText | Value::OptUint => b"\xc0",
            Value::Texts | Value::Metadata | Value::Postings | Value::Values => b"\x90",
            Value::Amount => b"\x92\xa0\xa0",
            Value::Kind => unreachable!("the kind is never defaulted"),
        }
    }

    #[test]
    fn the_host_writes_the_declared_keys_in_the_declared_order() {
        for kind in kinds() {
            let entries = entries(&upstream(&sample(kind)));
            let keys: Vec<&str> = entries.iter().map(|(key, _)| key.as_str()).collect();
            assert_eq!(keys, declared_keys(kind), "{}", kind.name);
            let name = rmp_serde::to_vec(kind.name).unwrap();
            assert_eq!(entries[3].1, name, "the value of `type` is the kind's name");
        }
    }

    #[test]
    fn the_encoder_writes_what_the_host_writes() {
        for kind in kinds() {
            let sample = sample(kind);
            let output = ours::ImporterOutput {
                directives: vec![sample.clone()],
                warnings: Vec::new(),
                errors: Vec::new(),
            };
            // `[directives, warnings, errors]`, the directives an array of one.
            let bytes = encode_importer_output(&output);
            let ours = &bytes[2..bytes.len() - 2];
            assert_eq!(ours, upstream(&sample), "{}", kind.name);
            let keys: Vec<String> = entries(ours).into_iter().map(|(key, _)| key).collect();
            assert_eq!(keys, declared_keys(kind), "{}", kind.name);
        }
    }

    #[test]
    #[cfg(not(rlplugin_small))]
    fn the_fast_path_takes_exactly_the_declared_layout() {
        for kind in kinds() {
            let sample = sample(kind);
            let entries = entries(&upstream(&sample));
            let taken = fast(&map(&entries));
            if kind.name == "custom" {
                // Arbitrary values: left to the general decoder.
                assert!(taken.is_none());
                continue;
            }
            let taken = taken.unwrap_or_else(|| panic!("declined a full {}", kind.name));
            assert_eq!(debug(&taken), debug(&sample));
            // Without the optional header keys.
            for header in [FILENAME.key, LINENO.key] {
                let mut fewer = entries.clone();
                fewer.retain(|(key, _)| key != header);
                assert!(
                    fast(&map(&fewer)).is_some(),
                    "{} without {header}",
                    kind.name
                );
            }
            // A key count other than the declared one, and the declared keys out of order.
            for at in 4..entries.len() {
                let mut fewer = entries.clone();
                fewer.remove(at);
                assert!(fast(&map(&fewer)).is_none(), "{} less a key", kind.name);
                let mut more = entries.clone();
                more.insert(at, ("zzz".to_owned(), b"\xc0".to_vec()));
                assert!(fast(&map(&more)).is_none(), "{} and a key", kind.name);
                if at + 1 < entries.len() {
                    let mut swapped = entries.clone();
                    swapped.swap(at, at + 1);
                    assert!(fast(&map(&swapped)).is_none(), "{} reordered", kind.name);
                }
            }
        }
    }

    /// Tolerant in: any key order, unknown keys skipped, missing optional keys defaulted.
    #[test]
    fn the_general_decoder_reads_the_declared_keys_in_any_order() {
        for kind in kinds() {
            let sample = sample(kind);
            let entries = entries(&upstream(&sample));
            let mut reversed = entries.clone();
            reversed.reverse();
            reversed.insert(2, ("zzz".to_owned(), b"\x91\xc3".to_vec()));
            let decoded = decode(&map(&reversed)).unwrap();
            assert_eq!(debug(&decoded), debug(&sample), "{}", kind.name);
        }
    }

    #[test]
    fn a_missing_key_takes_its_default_or_is_named_in_the_error() {
        for kind in kinds() {
            let entries = entries(&upstream(&sample(kind)));
            let fields: Vec<&Field> = [&DATE, &FILENAME, &LINENO]
                .into_iter()
                .chain(kind.fields)
                .collect();
            for field in fields {
                let mut fewer = entries.clone();
                fewer.retain(|(key, _)| key != field.key);
                let decoded = decode(&map(&fewer));
                if field.required {
                    let error = decoded.unwrap_err().to_string();
                    let named = if field.key == DATE.key {
                        "expected a directive with a `date` key, found a map without one".to_owned()
                    } else {
                        format!(
                            "expected a directive with every required key, found a {} without `{}`",
                            kind.name, field.key
                        )
                    };
                    assert_eq!(error, format!("input byte 2: {named}"));
                    continue;
                }
                let mut defaulted = entries.clone();
                for (key, value) in &mut defaulted {
                    if key == field.key {
                        *value = default_bytes(field.value).to_vec();
                    }
                }
                let expected = decode(&map(&defaulted)).unwrap();
                let decoded =
                    decoded.unwrap_or_else(|e| panic!("{} {}: {e}", kind.name, field.key));
                assert_eq!(
                    debug(&decoded),
                    debug(&expected),
                    "{} {}",
                    kind.name,
                    field.key
                );
            }
        }
    }

    /// A key is required exactly where the host's own decoder requires it, except lists,
    /// which default to empty here (tolerant in).
    #[test]
    fn the_declared_required_keys_are_the_hosts() {
        for kind in kinds() {
            let entries = entries(&upstream(&sample(kind)));
            for field in kind.fields {
                let mut fewer = entries.clone();
                fewer.retain(|(key, _)| key != field.key);
                let host = rmp_serde::from_slice::<rustledger_plugin_types::DirectiveWrapper>(
                    &map(&fewer),
                );
                let list = matches!(
                    field.value,
                    Value::Texts | Value::Metadata | Value::Postings | Value::Values
                );
                assert_eq!(
                    field.required,
                    host.is_err() && !list,
                    "{} {}",
                    kind.name,
                    field.key
                );
            }
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_is_reported_with_its_declared_label() {
        for kind in kinds() {
            let entries = entries(&upstream(&sample(kind)));
            let fields: Vec<&Field> = [&DATE, &FILENAME, &LINENO, &TYPE]
                .into_iter()
                .chain(kind.fields)
                .collect();
            for field in fields {
                let mut retyped = entries.clone();
                for (key, value) in &mut retyped {
                    if key == field.key {
                        // A map: no field of the schema is one.
                        *value = b"\x80".to_vec();
                    }
                }
                let error = decode(&map(&retyped)).unwrap_err();
                assert_eq!(error.expected(), field.label, "{} {}", kind.name, field.key);
            }
        }
    }

    /// What [`sample`] promises: every string of it is its own, and every declared field
    /// holds one named after it.
    #[test]
    fn every_field_of_a_sample_holds_strings_of_its_own() {
        for kind in kinds() {
            let debug = debug(&sample(kind));
            let strings: Vec<&str> = debug.split('"').skip(1).step_by(2).collect();
            let mut unique = strings.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), strings.len(), "{debug}");
            for field in kind.fields {
                let named = format!("{}.{}", kind.name, field.key);
                assert!(
                    strings.iter().any(|s| s.starts_with(&named)),
                    "{} sets no string of `{}`",
                    kind.name,
                    field.key
                );
            }
        }
    }

    /// Every reader on its own, in the host's layout: the general decoder and the fast path
    /// give back the directive, the encoder the host's bytes. A field the declaration names
    /// but a reader leaves out or misplaces fails here, kind by kind.
    #[test]
    fn every_reader_moves_every_declared_field() {
        for kind in kinds() {
            let sample = sample(kind);
            let bytes = upstream(&sample);

            let sink = ErrorSink::default();
            let mut reader = Reader::new(&bytes, &sink);
            let mut slot = MaybeUninit::uninit();
            crate::codec::decode::wrapper(&mut reader, &mut slot);
            // SAFETY: `wrapper` initialises the slot whether or not decoding succeeds.
            let general = unsafe { slot.assume_init() };
            assert_eq!(reader.pos(), bytes.len(), "{}", kind.name);
            let general = reader
                .finish(general)
                .expect("the general decoder reads it");
            assert_eq!(debug(&general), debug(&sample), "{}", kind.name);

            #[cfg(not(rlplugin_small))]
            match fast(&bytes) {
                Some(taken) => assert_eq!(debug(&taken), debug(&sample), "{}", kind.name),
                None => assert!(!fast::predictable(kind), "declined a {}", kind.name),
            }

            let output = ours::ImporterOutput {
                directives: vec![sample],
                warnings: Vec::new(),
                errors: Vec::new(),
            };
            let encoded = encode_importer_output(&output);
            assert_eq!(&encoded[2..encoded.len() - 2], bytes, "{}", kind.name);
        }
    }

    #[test]
    fn a_price_without_a_currency_is_reported_as_such() {
        let mut entries = entries(&upstream(&sample(&super::PRICE)));
        entries.retain(|(key, _)| key != "currency");
        assert_eq!(
            decode(&map(&entries)).unwrap_err().to_string(),
            "input byte 2: expected a directive with every required key, found a price without `currency`"
        );
    }

    #[test]
    fn a_kind_names_only_keys_it_declares() {
        assert_eq!(super::PRICE.index(super::key::AMOUNT), 1);
        assert_eq!(super::PRICE.bit(super::key::CURRENCY), 1);
        assert_eq!(super::PRICE.bit(super::key::AMOUNT), 2);
        assert_eq!(super::PRICE.bit(super::key::METADATA), 0);
        assert_eq!(super::PRICE.required.keys, ["currency", "amount"]);
        let missing = std::panic::catch_unwind(|| super::PRICE.index(super::key::ACCOUNT));
        assert!(missing.is_err());
    }

    /// The general decoder tells keys apart by their [`KeyCode`]: every string it matches
    /// as one must have a code of its own.
    #[test]
    fn every_key_has_a_code_of_its_own() {
        let groups: [Vec<&str>; 3] = [
            [
                DATE.key,
                FILENAME.key,
                LINENO.key,
                TYPE.key,
                DIRECTIVE_TYPE.key,
            ]
            .into_iter()
            .chain(
                KINDS
                    .iter()
                    .flat_map(|kind| kind.fields.iter().map(|f| f.key)),
            )
            .collect(),
            KINDS.iter().map(|kind| kind.name).collect(),
            vec![
                meta::STRING,
                meta::NUMBER,
                meta::DATE,
                meta::ACCOUNT,
                meta::CURRENCY,
                meta::TAG,
                meta::LINK,
                meta::AMOUNT,
                meta::BOOL,
            ],
        ];
        for group in &groups {
            let mut codes: Vec<(KeyCode, &str)> =
                group.iter().map(|key| (key_code(key), *key)).collect();
            codes.sort_unstable();
            codes.dedup();
            for pair in codes.windows(2) {
                assert_ne!(pair[0].0, pair[1].0, "{} and {}", pair[0].1, pair[1].1);
            }
            assert!(group.iter().all(|key| key.len() <= 16));
        }
    }

    #[test]
    fn fixstrs_are_what_the_host_writes() {
        let parts = ["type", "per_unit_from_total", ""];
        let mut expected = b"\x92".to_vec();
        for part in parts {
            expected.extend(rmp_serde::to_vec(part).unwrap());
        }
        const LEN: usize = super::fixstrs_len(b"\x92", &["type", "per_unit_from_total", ""]);
        let bytes: [u8; LEN] = super::fixstrs(b"\x92", &parts);
        assert_eq!(bytes.as_slice(), expected);
    }
}
