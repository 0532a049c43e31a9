//! Decoders for the host's input types, one function per wire type.
//!
//! Positional structs: `struct_len` enforces the fields without a default, missing trailing
//! defaulted fields take their default, extra trailing elements are skipped. Errors are
//! sticky in the [`Reader`]: after a failure every read returns an empty value, so the
//! decoders below build a (meaningless) value and the caller returns the recorded error.

use std::collections::HashMap;
use std::mem::MaybeUninit;

use rlplugin_types::{
    AmountData, BalanceData, CloseData, CommodityData, CostData, CostNumberData, CustomData,
    DirectiveData, DirectiveWrapper, DocumentData, EventData, IdentifyInput, ImporterInput,
    MetaValueData, Metadata, NoteData, OpenData, PadData, PluginAccountTypes, PluginInput,
    PluginOptions, PostingData, PriceAnnotationData, PriceData, QueryData, SourceSpan,
    TransactionData,
};

use crate::text::concat;

use super::read::{ErrorSink, HIGH_BITS, KeyCode, Reader, capacity, key_code};
use super::schema::{self, cost, key};

/// Smallest encodings, used to bound capacities taken from headers.
const MIN_WRAPPER: usize = 16;
const MIN_POSTING: usize = 8;
const MIN_META_PAIR: usize = 4;
const MIN_META_VALUE: usize = 3;

/// Appends one element to `out`, decoded by `decode` straight into the vector's spare
/// capacity: building a large value (a directive is ~130 bytes, a posting ~200) on the
/// stack and moving it would cost a unit of fuel per byte moved. `decode` must initialise
/// the slot, whatever happens (after a failure, with any value).
#[cfg_attr(not(rlplugin_small), inline(always))]
fn push_with<T>(out: &mut Vec<T>, decode: impl FnOnce(&mut MaybeUninit<T>)) {
    out.reserve(1);
    let len = out.len();
    if let Some(slot) = out.spare_capacity_mut().first_mut() {
        decode(slot);
        // SAFETY: `reserve` made room, and `decode` initialised the slot.
        unsafe { out.set_len(len + 1) };
    }
}

/// `len` elements of a list, each decoded by `element`; stops at the first failure, so a
/// hostile count cannot keep the guest looping.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn list<T>(
    r: &mut Reader<'_>,
    len: usize,
    min_size: usize,
    mut element: impl FnMut(&mut Reader<'_>) -> T,
) -> Vec<T> {
    let mut out = Vec::with_capacity(capacity(len, r, min_size));
    for _ in 0..len {
        if r.failed() {
            break;
        }
        out.push(element(r));
    }
    out
}

pub(super) fn plugin_input(r: &mut Reader<'_>) -> PluginInput {
    plugin_input_with::<false>(r)
}

/// [`plugin_input`], the directives' strings left in place in the input where the fast path
/// reads them (`fast::directive_in_place`).
///
/// # Safety
///
/// As for `fast::directive_in_place`.
#[cfg_attr(not(rlplugin_in_place), allow(dead_code))]
pub(super) unsafe fn plugin_input_in_place(r: &mut Reader<'_>) -> PluginInput {
    plugin_input_with::<true>(r)
}

/// `IN_PLACE` is a promise as `fast::directive_in_place`'s when true.
fn plugin_input_with<const IN_PLACE: bool>(r: &mut Reader<'_>) -> PluginInput {
    let len = r.struct_len("plugin input (an array of 3)", 2);
    let directives = directives::<IN_PLACE>(r);
    let options = plugin_options(r);
    let config = if len >= 3 {
        r.opt_string_call("config (a string or nil)")
    } else {
        None
    };
    r.skip_extra(len, 3);
    PluginInput {
        directives,
        options,
        config,
    }
}

fn directives<const IN_PLACE: bool>(r: &mut Reader<'_>) -> Vec<DirectiveWrapper> {
    let len = r.array_len("directives (an array)");
    let mut out = Vec::with_capacity(capacity(len, r, MIN_WRAPPER));
    for _ in 0..len {
        if r.failed() {
            break;
        }
        push_with(&mut out, |slot| {
            // Size builds leave the fast path out (build.rs): it is most of a small guest.
            #[cfg(not(rlplugin_small))]
            if IN_PLACE {
                // SAFETY: the caller's promise (`plugin_input_with`).
                if unsafe { super::fast::directive_in_place(r, slot) } {
                    return;
                }
            } else if super::fast::directive(r, slot) {
                return;
            }
            wrapper(r, slot);
        });
    }
    out
}

pub(super) fn plugin_options(r: &mut Reader<'_>) -> PluginOptions {
    let len = r.struct_len("plugin options (an array of 3)", 2);
    let operating_currencies = strings(r, "operating currencies (an array of strings)");
    let title = r.opt_string_call("title (a string or nil)");
    let account_types = if len >= 3 {
        account_types(r)
    } else {
        PluginAccountTypes::default()
    };
    r.skip_extra(len, 3);
    PluginOptions {
        operating_currencies,
        title,
        account_types,
    }
}

fn account_types(r: &mut Reader<'_>) -> PluginAccountTypes {
    const NAME: &str = "an account root name (a string)";
    let len = r.struct_len("account types (an array of 5 strings)", 5);
    let types = PluginAccountTypes {
        assets: r.string_call(NAME),
        liabilities: r.string_call(NAME),
        equity: r.string_call(NAME),
        income: r.string_call(NAME),
        expenses: r.string_call(NAME),
    };
    r.skip_extra(len, 5);
    types
}

fn strings(r: &mut Reader<'_>, expected: &'static str) -> Vec<String> {
    let len = r.array_len(expected);
    let mut out = Vec::with_capacity(capacity(len, r, 1));
    for _ in 0..len {
        if r.failed() {
            break;
        }
        out.push(r.string_call(expected));
    }
    out
}

const TYPE: &str = schema::TYPE.label;

/// Records that the string at `at` names no known variant (or is no string at all).
#[cold]
#[inline(never)]
fn unknown_string(r: &mut Reader<'_>, at: usize, expected: &'static str, what: &str) {
    if r.failed() {
        return;
    }
    let sink = ErrorSink::default();
    let mut again = r.fork(&sink);
    again.seek(at);
    let text = again.str(expected);
    match again.finish(()) {
        Ok(()) => r.fail_with(
            at,
            expected,
            concat(&["the unknown ", what, " \"", text, "\""]),
        ),
        Err(error) => r.adopt(error),
    }
}

// The header keys of the directive map; each kind's own are in `field_code`.
const K_DATE: KeyCode = key_code(key::DATE);
const K_FILENAME: KeyCode = key_code(key::FILENAME);
const K_LINENO: KeyCode = key_code(key::LINENO);
const K_TYPE: KeyCode = key_code(key::TYPE);
const K_DIRECTIVE_TYPE: KeyCode = key_code(key::DIRECTIVE_TYPE);
/// Every kind's metadata.
const K_METADATA: KeyCode = key_code(key::METADATA);

/// The empty form of a field holding `$value` ([`schema::Value`]), which a missing optional
/// key leaves in place.
macro_rules! empty {
    (Text) => {
        String::new()
    };
    (OptText) => {
        None
    };
    (Texts) => {
        Vec::new()
    };
    (Metadata) => {
        Vec::new()
    };
    (Postings) => {
        Vec::new()
    };
    (Values) => {
        Vec::new()
    };
    (Amount) => {
        AmountData {
            number: String::new(),
            currency: String::new(),
        }
    };
}

/// Decodes a value of `$value` into `$slot`, inlined: the decoder of the first kind's keys
/// (size builds decode them through [`field!`]).
#[cfg(not(rlplugin_small))]
macro_rules! decode_inline {
    (Text, $r:ident, $slot:expr, $label:expr) => {
        put($slot, $r.string_call($label))
    };
    (OptText, $r:ident, $slot:expr, $label:expr) => {
        put($slot, $r.opt_string_call($label))
    };
    // Empty string lists (most `links`, many `tags`) are consumed here, without a call;
    // storing an empty list keeps the last occurrence of a repeated key winning.
    (Texts, $r:ident, $slot:expr, $label:expr) => {
        if $r.empty_array() {
            put($slot, Vec::new())
        } else {
            put($slot, strings($r, $label))
        }
    };
    (Metadata, $r:ident, $slot:expr, $label:expr) => {
        put($slot, metadata($r, $label))
    };
    (Postings, $r:ident, $slot:expr, $label:expr) => {
        put($slot, postings($r, $label))
    };
    (Amount, $r:ident, $slot:expr, $label:expr) => {
        put($slot, amount($r))
    };
    (Values, $r:ident, $slot:expr, $label:expr) => {{
        let len = $r.array_len($label);
        put($slot, list($r, len, MIN_META_VALUE, meta_value))
    }};
}

/// The [`Field`] a value of `$value` is decoded through by [`set_other_field`].
macro_rules! field {
    (Text, $slot:expr, $label:expr) => {
        Field::String($slot, $label)
    };
    (OptText, $slot:expr, $label:expr) => {
        Field::OptString($slot, $label)
    };
    (Texts, $slot:expr, $label:expr) => {
        Field::Strings($slot, $label)
    };
    (Metadata, $slot:expr, $label:expr) => {
        Field::Metadata($slot)
    };
    (Postings, $slot:expr, $label:expr) => {
        Field::Postings($slot)
    };
    (Amount, $slot:expr, $label:expr) => {
        Field::Amount($slot)
    };
    (Values, $slot:expr, $label:expr) => {
        Field::Values($slot)
    };
}

/// The match of [`other_field`]: an arm per `(kind, key)` in `$fields`, munched one at a
/// time into `$arms`, except metadata: every kind's is read by one arm, which spares every
/// guest a compare of the key per kind.
macro_rules! other_field_match {
    (
        $data:ident,
        $key:ident,
        [$($KIND:ident $Variant:ident($Data:ident))+],
        [$($arms:tt)*],
    ) => {
        match ($data, $key) {
            $($arms)*
            ($data, K_METADATA) => match $data {
                $(DirectiveData::$Variant($Data { metadata, .. }))|+ => (
                    Field::Metadata(metadata),
                    // Every kind declares its metadata, optional.
                    const {
                        $(assert!(!schema::$KIND.field(key::METADATA).required);)+
                        0
                    },
                ),
            },
            _ => (Field::Skip, 0),
        }
    };
    (
        $data:ident,
        $key:ident,
        $kinds:tt,
        [$($arms:tt)*],
        ($(#[$attr:meta])* $KIND:ident $Variant:ident $field:ident $KEY:ident Metadata)
        $($rest:tt)*
    ) => {{
        const {
            assert!(
                schema::same(key::$KEY, key::METADATA),
                "the shared arm reads the metadata keyed `metadata` only"
            )
        };
        other_field_match!($data, $key, $kinds, [$($arms)*], $($rest)*)
    }};
    (
        $data:ident,
        $key:ident,
        $kinds:tt,
        [$($arms:tt)*],
        ($(#[$attr:meta])* $KIND:ident $Variant:ident $field:ident $KEY:ident $Value:ident)
        $($rest:tt)*
    ) => {
        other_field_match!(
            $data,
            $key,
            $kinds,
            [
                $($arms)*
                $(#[$attr])*
                (DirectiveData::$Variant(d), field_code::$KIND::$KEY) => (
                    field!($Value, &mut d.$field, const { schema::$KIND.field(key::$KEY).label }),
                    const { schema::$KIND.bit(key::$KEY) },
                ),
            ],
            $($rest)*
        )
    };
}

/// The general decoder's per-kind code, from [`schema::kinds!`]: the kind named by the
/// `type` key, the empty directive of each kind, and where each key's value goes.
macro_rules! decoders {
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
        /// The directive kinds, named by the wrapper's `type` key.
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum Kind {
            $HotVariant,
            $($Variant,)+
        }

        /// The code of each kind's name.
        #[allow(non_snake_case, reason = "named after the kinds' tables")]
        mod kind_code {
            use super::{KeyCode, key_code, schema};

            pub(super) const $HOT: KeyCode = key_code(schema::$HOT.name);
            $(pub(super) const $KIND: KeyCode = key_code(schema::$KIND.name);)+
        }

        /// The code of each kind's keys, a module per kind.
        #[allow(non_snake_case, reason = "named after the kinds' tables and keys")]
        #[allow(dead_code, reason = "every kind's metadata is matched as `K_METADATA`")]
        mod field_code {
            pub(super) mod $HOT {
                use super::super::{KeyCode, key, key_code};

                $(pub(in super::super) const $HOT_KEY: KeyCode = key_code(key::$HOT_KEY);)+
            }
            $(
                pub(super) mod $KIND {
                    use super::super::{KeyCode, key, key_code};

                    $(pub(in super::super) const $KEY: KeyCode = key_code(key::$KEY);)+
                }
            )+
        }

        #[inline(never)]
        fn kind(r: &mut Reader<'_>) -> Kind {
            let at = r.pos();
            match r.key() {
                kind_code::$HOT => Kind::$HotVariant,
                $(kind_code::$KIND => Kind::$Variant,)+
                _ => {
                    unknown_string(r, at, TYPE, "directive type");
                    Kind::Close
                }
            }
        }

        /// An empty directive of `kind`, filled in key by key; nothing here allocates.
        #[cfg_attr(not(rlplugin_small), inline(always))]
        fn empty_data(kind: Kind) -> DirectiveData {
            match kind {
                Kind::$HotVariant => DirectiveData::$HotVariant($HotData {
                    $($hot_field: empty!($HotValue),)+
                }),
                $(
                    Kind::$Variant => DirectiveData::$Variant($Data {
                        $($field: empty!($Value),)+
                    }),
                )+
            }
        }

        /// Decodes the value of key `key` into `data`'s field of that name; skips keys the
        /// kind does not have. Returns the key's bit ([`schema::Kind::bit`]).
        #[cfg(not(rlplugin_small))]
        #[inline(never)]
        fn set_field(data: &mut DirectiveData, key: KeyCode, r: &mut Reader<'_>) -> u32 {
            match data {
                DirectiveData::$HotVariant(d) => match key {
                    $(
                        field_code::$HOT::$HOT_KEY => {
                            decode_inline!(
                                $HotValue,
                                r,
                                &mut d.$hot_field,
                                const { schema::$HOT.field(key::$HOT_KEY).label }
                            );
                            return const { schema::$HOT.bit(key::$HOT_KEY) };
                        }
                    )+
                    _ => r.skip(1),
                },
                _ => return set_other_field(data, key, r),
            }
            0
        }

        /// The field of `data` named `key`, and its bit ([`schema::Kind::bit`]).
        fn other_field(data: &mut DirectiveData, key: KeyCode) -> (Field<'_>, u32) {
            other_field_match!(
                data,
                key,
                [$HOT $HotVariant($HotData) $($KIND $Variant($Data))+],
                [],
                $((#[cfg(rlplugin_small)] $HOT $HotVariant $hot_field $HOT_KEY $HotValue))+
                $($(($KIND $Variant $field $KEY $Value))+)+
            )
        }
    };
}

schema::kinds!(decoders);

/// Size builds decode the first kind's keys through [`other_field`] too.
#[cfg(rlplugin_small)]
fn set_field(data: &mut DirectiveData, key: KeyCode, r: &mut Reader<'_>) -> u32 {
    set_other_field(data, key, r)
}

/// Where the value of one key of a directive of any kind but the first (in size builds, of
/// any kind) goes, with the label a decode error gives it. Each kind only picks the field;
/// [`set_other_field`] then decodes each field type in one place, which keeps the rarer
/// kinds' decoder a few kilobytes smaller than one decode per (kind, key).
enum Field<'d> {
    String(&'d mut String, &'static str),
    OptString(&'d mut Option<String>, &'static str),
    Strings(&'d mut Vec<String>, &'static str),
    /// The values below have one label each ([`schema::label`]).
    Metadata(&'d mut Metadata),
    Amount(&'d mut AmountData),
    Values(&'d mut Vec<MetaValueData>),
    /// Only the first kind has postings.
    #[cfg(rlplugin_small)]
    Postings(&'d mut Vec<PostingData>),
    Skip,
}

/// Stores a decoded value over the empty one `slot` held (or an earlier value of a
/// repeated key), without linking drop glue into the guest.
fn put<T>(slot: &mut T, value: T) {
    crate::discard(core::mem::replace(slot, value));
}

/// [`set_field`] for every kind but the first, kept out of line.
#[inline(never)]
fn set_other_field(data: &mut DirectiveData, key: KeyCode, r: &mut Reader<'_>) -> u32 {
    let (field, bit) = other_field(data, key);
    match field {
        Field::String(slot, expected) => put(slot, r.string(expected)),
        Field::OptString(slot, expected) => put(slot, r.opt_string_call(expected)),
        Field::Strings(slot, expected) => put(slot, strings(r, expected)),
        Field::Metadata(slot) => put(slot, metadata(r, schema::label::METADATA)),
        // `amount` gives the one amount label itself.
        Field::Amount(slot) => put(slot, amount(r)),
        Field::Values(slot) => {
            let len = r.array_len(schema::label::VALUES);
            put(slot, list(r, len, MIN_META_VALUE, meta_value));
        }
        #[cfg(rlplugin_small)]
        Field::Postings(slot) => put(slot, postings(r, schema::label::POSTINGS)),
        Field::Skip => r.skip(1),
    }
    bit
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
    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn set(&mut self, key: KeyCode, r: &mut Reader<'_>) -> bool {
        match key {
            K_DATE => put(&mut self.date, Some(r.string(schema::DATE.label))),
            K_FILENAME => put(&mut self.filename, r.opt_string(schema::FILENAME.label)),
            K_LINENO => {
                self.lineno = if r.nil() {
                    None
                } else {
                    Some(r.uint_as(schema::LINENO.label))
                };
            }
            K_DIRECTIVE_TYPE => put(
                &mut self.directive_type,
                r.string_call(schema::DIRECTIVE_TYPE.label),
            ),
            _ => return false,
        }
        true
    }
}

const NO_TYPE: &str = "a directive with a `type` key";

/// Decodes a directive into `slot`. The header keys before `type` (all of them, in the
/// host's order) are read first; once the kind is known the directive is written into the
/// slot and the remaining keys fill it in place.
#[inline(never)]
pub(super) fn wrapper(r: &mut Reader<'_>, slot: &mut MaybeUninit<DirectiveWrapper>) {
    let at = r.pos();
    let len = r.map_len("a directive (a map)");
    let mut header = Header::default();
    let mut index = 0;
    let mut early_key = None;
    let kind = loop {
        if index == len || r.failed() {
            if !r.failed() {
                r.fail_with(at, NO_TYPE, "a map without one".to_owned());
            }
            break Kind::Close;
        }
        index += 1;
        let key = r.key();
        if key == K_TYPE {
            break kind(r);
        }
        if !header.set(key, r) {
            // One of the kind's own keys before `type`: find the kind further on.
            early_key = Some(key);
            break look_ahead_kind(r, len - index, at);
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
        Some(key) => set_field(&mut directive.data, key, r),
        None => 0,
    };
    while index < len && !r.failed() {
        index += 1;
        let key = r.key();
        if key == K_TYPE {
            // Already read, or found by the look-ahead.
            r.skip(1);
        } else if !header.set(key, r) {
            seen |= set_field(&mut directive.data, key, r);
        }
    }
    if r.failed() {
        return;
    }
    let Some(date) = header.date else {
        r.fail_with(
            at,
            "a directive with a `date` key",
            "a map without one".to_owned(),
        );
        return;
    };
    let required = schema::required(&directive.data);
    let missing = required.bits & !seen;
    if missing != 0 {
        let key = required.keys.get(missing.trailing_zeros() as usize);
        let found = concat(&[
            "a ",
            directive.data.type_name(),
            " without `",
            key.map_or("", |key| key),
            "`",
        ]);
        r.fail_with(at, "a directive with every required key", found);
        return;
    }
    directive.date = date;
    directive.filename = header.filename;
    directive.lineno = header.lineno;
    directive.directive_type = header.directive_type;
}

/// Finds the `type` of a directive whose own keys come before it (the host always sends
/// `type` first, so this only runs for reordered input). `r` stands before the value of a
/// non-header key; `entries` more entries follow that value.
#[inline(never)]
fn look_ahead_kind(r: &mut Reader<'_>, entries: usize, map_at: usize) -> Kind {
    let sink = ErrorSink::default();
    let mut ahead = r.fork(&sink);
    ahead.skip(1);
    for _ in 0..entries {
        if ahead.failed() {
            break;
        }
        if ahead.key() == K_TYPE {
            let kind = kind(&mut ahead);
            if let Err(error) = ahead.finish(()) {
                r.adopt(error);
            }
            return kind;
        }
        ahead.skip(1);
    }
    r.fail_with(map_at, NO_TYPE, "a map without one".to_owned());
    Kind::Close
}

fn postings(r: &mut Reader<'_>, expected: &'static str) -> Vec<PostingData> {
    let len = r.array_len(expected);
    let mut out = Vec::with_capacity(capacity(len, r, MIN_POSTING));
    for _ in 0..len {
        if r.failed() {
            break;
        }
        push_with(&mut out, |slot| posting(r, slot));
    }
    out
}

#[cfg_attr(not(rlplugin_small), inline(always))]
fn posting(r: &mut Reader<'_>, slot: &mut MaybeUninit<PostingData>) {
    let len = r.struct_len("a posting (an array of 7)", 6);
    let account = r.string_call("a posting account (a string)");
    let units = if r.nil() { None } else { Some(amount(r)) };
    let cost = if r.nil() { None } else { Some(cost(r)) };
    let price = if r.nil() { None } else { Some(price(r)) };
    let flag = r.opt_string_call("a posting flag (a string or nil)");
    let metadata = metadata(r, "posting metadata (an array of [key, value] pairs)");
    let span = if len >= 7 && !r.nil() {
        Some(span(r))
    } else {
        None
    };
    r.skip_extra(len, 7);
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

#[inline(never)]
fn amount(r: &mut Reader<'_>) -> AmountData {
    let len = r.struct_len(schema::label::AMOUNT, 2);
    let amount = AmountData {
        number: r.string("an amount's number (a string)"),
        currency: r.string("an amount's currency (a string)"),
    };
    r.skip_extra(len, 2);
    amount
}

#[cfg_attr(not(rlplugin_small), inline(always))]
fn span(r: &mut Reader<'_>) -> SourceSpan {
    if let Some((start, end, file_id)) = r.small_uint_triple() {
        return SourceSpan {
            start,
            end,
            file_id: u16::from(file_id),
        };
    }
    let len = r.struct_len("a source span (an array of 3)", 3);
    let span = SourceSpan {
        start: r.uint("a span start (an integer)"),
        end: r.uint("a span end (an integer)"),
        file_id: r.uint_as("a span file id (an integer up to 65535)"),
    };
    r.skip_extra(len, 3);
    span
}

#[inline(never)]
fn cost(r: &mut Reader<'_>) -> CostData {
    let len = r.struct_len("a cost (an array of 5)", 5);
    let number = if r.nil() { None } else { cost_number(r) };
    let cost = CostData {
        number,
        currency: r.opt_string_call("a cost currency (a string or nil)"),
        date: r.opt_string_call("a cost date (a string or nil)"),
        label: r.opt_string_call("a cost label (a string or nil)"),
        merge: r.bool("a cost merge flag (a boolean)"),
    };
    r.skip_extra(len, 5);
    cost
}

fn cost_number(r: &mut Reader<'_>) -> Option<CostNumberData> {
    const EXPECTED: &str = "a cost number ([kind, values…])";
    const KIND: &str =
        "a cost kind (\"per_unit\", \"total\", \"compound\" or \"per_unit_from_total\")";
    const NUMBER: &str = "a cost number (a string)";
    let len = r.struct_len(EXPECTED, 2);
    let kind_at = r.pos();
    let (number, known) = match r.str(KIND) {
        cost::PER_UNIT => (
            CostNumberData::PerUnit {
                value: r.string_call(NUMBER),
            },
            2,
        ),
        cost::TOTAL => (
            CostNumberData::Total {
                value: r.string_call(NUMBER),
            },
            2,
        ),
        two @ (cost::COMPOUND | cost::PER_UNIT_FROM_TOTAL) => {
            if len < 3 {
                let found = concat(&["\"", two, "\" with only one number"]);
                r.fail_with(kind_at, EXPECTED, found);
                return None;
            }
            let per_unit = r.string_call(NUMBER);
            let total = r.string_call(NUMBER);
            let number = if two == cost::COMPOUND {
                CostNumberData::Compound { per_unit, total }
            } else {
                CostNumberData::PerUnitFromTotal { per_unit, total }
            };
            (number, 3)
        }
        other => {
            if !r.failed() {
                r.fail_with(kind_at, KIND, concat(&["the unknown kind \"", other, "\""]));
            }
            return None;
        }
    };
    r.skip_extra(len, known);
    Some(number)
}

#[inline(never)]
fn price(r: &mut Reader<'_>) -> PriceAnnotationData {
    let len = r.struct_len("a price annotation (an array of 4)", 4);
    let is_total = r.bool("a price's is_total flag (a boolean)");
    let amount = if r.nil() { None } else { Some(amount(r)) };
    let price = PriceAnnotationData {
        is_total,
        amount,
        number: r.opt_string_call("a price number (a string or nil)"),
        currency: r.opt_string_call("a price currency (a string or nil)"),
    };
    r.skip_extra(len, 4);
    price
}

#[cfg_attr(not(rlplugin_small), inline(always))]
fn metadata(r: &mut Reader<'_>, expected: &'static str) -> Metadata {
    let len = r.array_len(expected);
    if len == 0 {
        return Vec::new();
    }
    metadata_pairs(r, len)
}

#[inline(never)]
fn metadata_pairs(r: &mut Reader<'_>, len: usize) -> Metadata {
    let mut out = Vec::with_capacity(capacity(len, r, MIN_META_PAIR));
    for _ in 0..len {
        if r.failed() {
            break;
        }
        push_with(&mut out, |slot| {
            let pair_len = r.struct_len("a metadata pair (an array of 2)", 2);
            let key = r.string("a metadata key (a string)");
            let value = meta_value(r);
            r.skip_extra(pair_len, 2);
            slot.write((key, value));
        });
    }
    out
}

fn meta_value(r: &mut Reader<'_>) -> MetaValueData {
    const TYPE: &str = "a metadata type (\"string\", \"number\", \"date\", \"account\", \"currency\", \"tag\", \"link\", \"amount\" or \"bool\")";
    const TEXT: &str = "a metadata value (a string)";
    const STRING: KeyCode = key_code(schema::meta::STRING);
    const NUMBER: KeyCode = key_code(schema::meta::NUMBER);
    const DATE: KeyCode = key_code(schema::meta::DATE);
    const ACCOUNT: KeyCode = key_code(schema::meta::ACCOUNT);
    const CURRENCY: KeyCode = key_code(schema::meta::CURRENCY);
    const TAG: KeyCode = key_code(schema::meta::TAG);
    const LINK: KeyCode = key_code(schema::meta::LINK);
    const AMOUNT: KeyCode = key_code(schema::meta::AMOUNT);
    const BOOL: KeyCode = key_code(schema::meta::BOOL);
    let len = r.struct_len("a metadata value ([type, value])", 2);
    let type_at = r.pos();
    // One copy of the string read for the seven string-valued types.
    let string: fn(String) -> MetaValueData = match r.key() {
        STRING => MetaValueData::String,
        NUMBER => MetaValueData::Number,
        DATE => MetaValueData::Date,
        ACCOUNT => MetaValueData::Account,
        CURRENCY => MetaValueData::Currency,
        TAG => MetaValueData::Tag,
        LINK => MetaValueData::Link,
        AMOUNT => {
            let value = MetaValueData::Amount(amount(r));
            return finish_meta_value(r, len, value);
        }
        BOOL => {
            let value = MetaValueData::Bool(r.bool("a metadata value (a boolean)"));
            return finish_meta_value(r, len, value);
        }
        _ => {
            unknown_string(r, type_at, TYPE, "type");
            return MetaValueData::Bool(false);
        }
    };
    let value = string(r.string(TEXT));
    finish_meta_value(r, len, value)
}

#[cfg_attr(not(rlplugin_small), inline(always))]
fn finish_meta_value(r: &mut Reader<'_>, len: usize, value: MetaValueData) -> MetaValueData {
    r.skip_extra(len, 2);
    value
}

pub(super) fn importer_input(r: &mut Reader<'_>) -> ImporterInput {
    let len = r.struct_len("importer input (an array of 5)", 3);
    let path = r.string_call("a statement path (a string)");
    let content = bytes(r);
    let account = r.string_call("an account (a string)");
    let currency = if len >= 4 {
        r.opt_string_call("a currency (a string or nil)")
    } else {
        None
    };
    let options = if len >= 5 { options(r) } else { HashMap::new() };
    r.skip_extra(len, 5);
    ImporterInput {
        path,
        content,
        account,
        currency,
        options,
    }
}

pub(super) fn identify_input(r: &mut Reader<'_>) -> IdentifyInput {
    let len = r.struct_len("identify input (an array of 1)", 1);
    let path = r.string_call("a file path (a string)");
    r.skip_extra(len, 1);
    IdentifyInput { path }
}

fn options(r: &mut Reader<'_>) -> HashMap<String, String> {
    const EXPECTED: &str = "an importer option (a string)";
    let len = r.map_len("importer options (a map of strings)");
    let mut out = HashMap::with_capacity(capacity(len, r, 2));
    for _ in 0..len {
        if r.failed() {
            break;
        }
        let key = r.string_call(EXPECTED);
        out.insert(key, r.string_call(EXPECTED));
    }
    out
}

/// Statement bytes: the host sends an array of integers (one byte each below 0x80, two
/// above); `bin` and `str` are accepted too.
fn bytes(r: &mut Reader<'_>) -> Vec<u8> {
    const EXPECTED: &str = "statement content (an array of byte values)";
    if let Some(bytes) = r.str_bytes(EXPECTED) {
        return bytes.to_vec();
    }
    let width = match r.rest().first() {
        Some(0xc4) => 1,
        Some(0xc5) => 2,
        Some(0xc6) => 4,
        _ => 0,
    };
    if width > 0 {
        let header = r.take(1 + width, EXPECTED);
        let len = header
            .iter()
            .skip(1)
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        return r.take(len, EXPECTED).to_vec();
    }
    let len = r.array_len(EXPECTED);
    // rmp-serde writes each byte as the shortest int: a positive fixint (the byte itself)
    // below 0x80, `0xcc xx` above. The fuel meter charges `memory.copy` by the byte and
    // every instruction, address arithmetic included, by one, so this loop is written for
    // the fewest instructions per byte: a block of 32 input bytes is loaded as four words
    // and stored as they are to the output (whatever follows a non-fixint is overwritten
    // later) and the positions advance past its leading fixints; after a block with a
    // `0xcc xx` pair, elements are taken one at a time until the next word is all fixints.
    // The buffer is not zeroed first.
    let want = capacity(len, r, 1);
    let mut out: Vec<u8> = Vec::with_capacity(want);
    let rest = r.rest();
    let (src_start, dst_start) = (rest.as_ptr(), out.as_mut_ptr());
    // SAFETY: pointer arithmetic stays within `rest` (`src` <= `src_end`) and within the
    // `want` bytes of capacity (`dst` <= `dst_end`): a block is only moved when both have at
    // least `BLOCK` bytes left, a single element only when its bytes are there.
    let (pos, filled) = unsafe {
        let (src_end, dst_end) = (src_start.add(rest.len()), dst_start.add(want));
        let (mut src, mut dst) = (src_start, dst_start);
        'blocks: loop {
            let room = src_end
                .offset_from_unsigned(src)
                .min(dst_end.offset_from_unsigned(dst));
            if room >= BLOCK {
                let stop = src.add(room / BLOCK * BLOCK);
                loop {
                    let words = [0, 8, 16, 24].map(|at| src.add(at).cast::<u64>().read_unaligned());
                    for (at, word) in [0, 8, 16, 24].into_iter().zip(words) {
                        dst.add(at).cast::<u64>().write_unaligned(word);
                    }
                    if (words[0] | words[1] | words[2] | words[3]) & HIGH_BITS != 0 {
                        let run = fixint_prefix(words.map(u64::from_le));
                        (src, dst) = (src.add(run), dst.add(run));
                        break;
                    }
                    (src, dst) = (src.add(BLOCK), dst.add(BLOCK));
                    if src == stop {
                        break;
                    }
                }
            }
            // One element at a time until the next word is all fixints again (short runs
            // between pairs cost less this way than a block each) or the end.
            while src != src_end && dst != dst_end {
                match *src {
                    0xcc if src_end.offset_from_unsigned(src) >= 2 => {
                        *dst = *src.add(1);
                        src = src.add(2);
                    }
                    byte @ 0..0x80 => {
                        if src_end.offset_from_unsigned(src) >= BLOCK
                            && src.cast::<u64>().read_unaligned() & HIGH_BITS == 0
                            && dst_end.offset_from_unsigned(dst) >= BLOCK
                        {
                            continue 'blocks;
                        }
                        *dst = byte;
                        src = src.add(1);
                    }
                    _ => break,
                }
                dst = dst.add(1);
            }
            break;
        }
        (
            src.offset_from_unsigned(src_start),
            dst.offset_from_unsigned(dst_start),
        )
    };
    // SAFETY: the first `filled` bytes of the spare capacity were written above.
    unsafe { out.set_len(filled) };
    let mut left = len - filled;
    r.take(pos, EXPECTED);
    // Any other int encoding of a byte value (tolerated, never written by rmp-serde).
    while left > 0 && !r.failed() {
        out.push(r.uint_as("a byte value (an integer up to 255)"));
        left -= 1;
    }
    out
}

/// Bytes moved per step by [`bytes`].
const BLOCK: usize = 32;

/// How many of the 32 bytes in `words` (in memory order, as little-endian values) are
/// positive fixints before the first that is not.
#[cfg_attr(not(rlplugin_small), inline(always))]
fn fixint_prefix(words: [u64; 4]) -> usize {
    let mut run = 0;
    for word in words {
        let high = word & HIGH_BITS;
        if high != 0 {
            // Little-endian: the lowest set bit belongs to the first byte with its high bit.
            return run + (high.trailing_zeros() / 8) as usize;
        }
        run += 8;
    }
    run
}

#[cfg(test)]
mod tests {
    //! The general decoder on its own, without the fast path in front of it (which takes
    //! most directives the host writes): every kind and every variant of every nested value,
    //! in the encodings the host picks for short and long strings and lists, and every
    //! truncation of them. Under Miri these are the general decoder's unchecked reads.

    use support::WireNormalized;

    use super::*;
    use crate::codec::{CUT_STRIDE, DecodeError, support};

    /// A string of `len` bytes that is not all ASCII.
    fn text(len: usize) -> String {
        let mut s = "é".repeat(len / 2);
        s.push_str(&"x".repeat(len % 2));
        s
    }

    fn amount(len: usize) -> AmountData {
        AmountData {
            number: text(len),
            currency: text(len + 1),
        }
    }

    /// One entry of each metadata value variant, `len`-byte strings.
    fn metadata(len: usize) -> Metadata {
        [
            MetaValueData::String(text(len)),
            MetaValueData::Number(text(len)),
            MetaValueData::Date(text(len)),
            MetaValueData::Account(text(len)),
            MetaValueData::Currency(text(len)),
            MetaValueData::Tag(text(len)),
            MetaValueData::Link(text(len)),
            MetaValueData::Amount(amount(len)),
            MetaValueData::Bool(len.is_multiple_of(2)),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, value)| (format!("key{i}"), value))
        .collect()
    }

    /// One posting per cost number variant, and one without cost, price, flag or span.
    fn postings(len: usize) -> Vec<PostingData> {
        let numbers = [
            Some(CostNumberData::PerUnit { value: text(len) }),
            Some(CostNumberData::Total { value: text(len) }),
            Some(CostNumberData::Compound {
                per_unit: text(len),
                total: text(len),
            }),
            Some(CostNumberData::PerUnitFromTotal {
                per_unit: text(len),
                total: text(len),
            }),
        ];
        let mut postings: Vec<PostingData> = numbers
            .into_iter()
            .enumerate()
            .map(|(i, number)| PostingData {
                account: text(len),
                units: Some(amount(len)),
                cost: Some(CostData {
                    number,
                    currency: Some(text(len)),
                    date: i.is_multiple_of(2).then(|| text(len)),
                    label: Some(text(len)),
                    merge: i == 1,
                }),
                price: Some(PriceAnnotationData {
                    is_total: i % 2 == 1,
                    amount: (i != 2).then(|| amount(len)),
                    number: (i == 2).then(|| text(len)),
                    currency: (i == 2).then(|| text(len)),
                }),
                flag: Some(text(1)),
                metadata: metadata(len),
                span: Some(SourceSpan {
                    start: 1 << (i * 16),
                    end: u64::MAX >> i,
                    file_id: i as u16,
                }),
            })
            .collect();
        postings.push(PostingData {
            account: text(len),
            units: None,
            cost: None,
            price: None,
            flag: None,
            metadata: Vec::new(),
            span: None,
        });
        postings
    }

    /// A directive of every kind, `len`-byte strings, `items` items in each list.
    fn every_kind(len: usize, items: usize) -> Vec<DirectiveWrapper> {
        let texts = || vec![text(len); items];
        let data = [
            DirectiveData::Transaction(TransactionData {
                flag: text(1),
                payee: Some(text(len)),
                narration: text(len),
                tags: texts(),
                links: texts(),
                metadata: metadata(len),
                postings: postings(len),
            }),
            DirectiveData::Balance(BalanceData {
                account: text(len),
                amount: amount(len),
                tolerance: Some(text(len)),
                metadata: metadata(len),
            }),
            DirectiveData::Open(OpenData {
                account: text(len),
                currencies: texts(),
                booking: Some(text(len)),
                metadata: Vec::new(),
            }),
            DirectiveData::Close(CloseData {
                account: text(len),
                metadata: metadata(len),
            }),
            DirectiveData::Commodity(CommodityData {
                currency: text(len),
                metadata: Vec::new(),
            }),
            DirectiveData::Pad(PadData {
                account: text(len),
                source_account: text(len),
                metadata: Vec::new(),
            }),
            DirectiveData::Event(EventData {
                event_type: text(len),
                value: text(len),
                metadata: Vec::new(),
            }),
            DirectiveData::Note(NoteData {
                account: text(len),
                comment: text(len),
                metadata: Vec::new(),
            }),
            DirectiveData::Document(DocumentData {
                account: text(len),
                path: text(len),
                tags: texts(),
                links: texts(),
                metadata: Vec::new(),
            }),
            DirectiveData::Price(PriceData {
                currency: text(len),
                amount: amount(len),
                metadata: Vec::new(),
            }),
            DirectiveData::Query(QueryData {
                name: text(len),
                query: text(len),
                metadata: Vec::new(),
            }),
            DirectiveData::Custom(CustomData {
                custom_type: text(len),
                values: metadata(len).into_iter().map(|(_, value)| value).collect(),
                metadata: Vec::new(),
            }),
        ];
        data.into_iter()
            .enumerate()
            .map(|(i, data)| DirectiveWrapper {
                directive_type: String::new(),
                date: text(10),
                filename: (!i.is_multiple_of(3)).then(|| text(len)),
                lineno: i.is_multiple_of(2).then_some(u32::MAX >> i),
                data,
            })
            .collect()
    }

    /// Short strings and lists (fix-headers), 8- and 16-bit string headers, 16-bit list
    /// headers.
    fn samples() -> Vec<DirectiveWrapper> {
        [(3, 2), (40, 0), (300, 17)]
            .into_iter()
            .flat_map(|(len, items)| every_kind(len, items))
            .collect()
    }

    fn host_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
        rmp_serde::to_vec(value).unwrap()
    }

    /// The general decoder on one directive: the value, or the error, and where it stopped.
    fn general(bytes: &[u8]) -> (Result<DirectiveWrapper, DecodeError>, usize) {
        let sink = ErrorSink::default();
        let mut reader = Reader::new(bytes, &sink);
        let mut slot = MaybeUninit::uninit();
        wrapper(&mut reader, &mut slot);
        // SAFETY: `wrapper` writes the slot before it reads any of the kind's keys, and on
        // every path that returns.
        let value = unsafe { slot.assume_init() };
        let pos = reader.pos();
        (reader.finish(value), pos)
    }

    #[test]
    fn reads_every_kind_and_variant_the_host_writes() {
        for expected in samples() {
            let bytes = host_bytes(&support::to_upstream_wrapper(&expected));
            let (decoded, pos) = general(&bytes);
            assert_eq!(decoded.unwrap(), expected.wire_normalized());
            assert_eq!(pos, bytes.len(), "exactly the directive is read");
        }
    }

    #[test]
    fn every_truncation_of_a_directive_is_an_error_within_it() {
        for expected in every_kind(3, 2) {
            let bytes = host_bytes(&support::to_upstream_wrapper(&expected));
            for cut in (0..bytes.len()).step_by(CUT_STRIDE) {
                let (decoded, _) = general(&bytes[..cut]);
                let error = decoded.expect_err("a truncated directive decodes");
                assert!(error.offset() <= cut, "{error} past the cut at {cut}");
            }
        }
    }

    #[test]
    fn reads_a_plugin_input_and_every_truncation_fails() {
        let input = PluginInput {
            directives: every_kind(3, 1),
            options: PluginOptions {
                operating_currencies: vec![text(3), text(4)],
                title: Some(text(20)),
                account_types: PluginAccountTypes {
                    assets: text(6),
                    liabilities: text(7),
                    equity: text(8),
                    income: text(9),
                    expenses: text(10),
                },
            },
            config: Some(text(12)),
        };
        let bytes = host_bytes(&support::to_upstream_input(&input));
        let sink = ErrorSink::default();
        let mut reader = Reader::new(&bytes, &sink);
        let decoded = plugin_input(&mut reader);
        let decoded = reader.finish(decoded).unwrap();
        assert_eq!(decoded.options, input.options);
        assert_eq!(decoded.config, input.config);
        let expected: Vec<_> = input
            .directives
            .iter()
            .map(|d| d.wire_normalized())
            .collect();
        assert_eq!(decoded.directives, expected);
        for cut in (0..bytes.len()).step_by(7 * CUT_STRIDE) {
            let sink = ErrorSink::default();
            let mut reader = Reader::new(&bytes[..cut], &sink);
            let decoded = plugin_input(&mut reader);
            assert!(reader.finish(decoded).is_err(), "cut at {cut} decodes");
        }
    }

    #[test]
    fn reads_statement_content_in_each_encoding_the_host_may_use() {
        let content: Vec<u8> = (0..=255).collect();
        let input = ImporterInput {
            path: text(30),
            content: content.clone(),
            account: text(16),
            currency: Some(text(3)),
            options: HashMap::from([(text(4), text(5))]),
        };
        let as_host = host_bytes(&support::to_upstream_importer_input(&input));
        let decode = |bytes: &[u8]| {
            let sink = ErrorSink::default();
            let mut reader = Reader::new(bytes, &sink);
            let decoded = importer_input(&mut reader);
            reader.finish(decoded)
        };
        assert_eq!(decode(&as_host).unwrap(), input);
        // The same input with the content as `bin` data, as another host could write it.
        let mut as_bin = vec![0x95];
        as_bin.extend_from_slice(&host_bytes(&input.path));
        as_bin.push(0xc5);
        as_bin.extend_from_slice(&(content.len() as u16).to_be_bytes());
        as_bin.extend_from_slice(&content);
        as_bin.extend_from_slice(&host_bytes(&input.account));
        as_bin.extend_from_slice(&host_bytes(&input.currency));
        as_bin.extend_from_slice(&host_bytes(&input.options));
        assert_eq!(decode(&as_bin).unwrap(), input);
        for cut in (0..as_bin.len()).step_by(CUT_STRIDE) {
            assert!(decode(&as_bin[..cut]).is_err(), "cut at {cut} decodes");
        }

        let identify = IdentifyInput { path: text(40) };
        let bytes = host_bytes(&support::to_upstream_identify_input(&identify));
        let sink = ErrorSink::default();
        let mut reader = Reader::new(&bytes, &sink);
        let decoded = identify_input(&mut reader);
        assert_eq!(reader.finish(decoded).unwrap(), identify);
    }
}
