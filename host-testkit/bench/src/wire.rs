//! Shared support for wire-compatibility tests: proptest strategies that generate arbitrary
//! `rlplugin_types` values, and field-by-field conversions to the equivalent
//! `rustledger_plugin_types` 0.24 values.
//!
//! Used by rlplugin-types' compatibility tests and by the SDK's codec tests, as a
//! dev-dependency on this package without its `measure` feature.
//!
//! # What the strategies cover
//!
//! Every enum variant; `None` and `Some` for every option; empty, short and long lists (more
//! than 15 elements, so `array16` headers appear); empty, ASCII, non-ASCII and long strings
//! (more than 31 and more than 255 bytes, so `str8`/`str16` headers appear); integers in every
//! MessagePack marker range their type allows (positive fixint, `u8`, `u16`, `u32`, `u64`);
//! every non-NaN kind of `f64` (NaN is excluded because it never equals itself).
//!
//! Generated wrappers sometimes carry a non-empty `directive_type`. That field never goes on
//! the wire, so a decoded value has it empty; compare decoded values with
//! [`WireNormalized::wire_normalized`] of the original. `ImporterInput::options` is a
//! `HashMap` whose iteration order differs per map, so [`arb_importer_input`] gives it 0 or 1
//! entries (byte comparisons stay meaningful) and [`arb_importer_input_many_options`] gives it
//! many (compare decoded maps, not bytes).
//!
//! # Conversions
//!
//! The `to_upstream_*` functions destructure our value exhaustively and build the upstream
//! value with a struct literal naming every field, so a field added, removed or renamed on
//! either side stops this module from compiling. They never go through serialization.

use std::collections::HashMap;
use std::fmt::Debug;

use proptest::collection::{hash_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use rlplugin_types as ours;
use rustledger_plugin_types as up;

// ---------------------------------------------------------------------------------------
// Primitive strategies
// ---------------------------------------------------------------------------------------

/// Non-ASCII samples: 2-, 3- and 4-byte UTF-8 sequences and a multi-scalar emoji.
const NON_ASCII: &[&str] = &[
    "Café",
    "日本",
    "🦀",
    "Ünïcödé Straße",
    "Ελληνικά",
    "€100",
    "👨‍👩‍👧",
    "Ausgaben:Lebensmittel:Bäckerei",
];

/// Pieces that long strings repeat: ASCII and 2-, 3- and 4-byte UTF-8 sequences.
const PIECES: &[&str] = &["ab c", "Café ", "日本", "🦀", "Straße:"];

/// Characters of short ASCII strings.
const ASCII: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:._- ";

/// Any string a field may hold: weighted towards short ones, with every length class.
///
/// Built from character vectors and repetition rather than regex strategies, which are an
/// order of magnitude slower to sample in debug builds.
pub fn arb_string() -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just(String::new()),
        6 => vec(select(ASCII), 1..12).prop_map(|bytes| bytes.into_iter().map(char::from).collect()),
        3 => select(NON_ASCII).prop_map(str::to_owned),
        2 => vec(any::<char>(), 1..12).prop_map(String::from_iter),
        // The fixstr/str8 and str8/str16 header boundaries.
        1 => select(vec![31_usize, 32, 255, 256]).prop_map(|n| "x".repeat(n)),
        2 => long_string(32..256),
        1 => long_string(256..400),
    ]
    .boxed()
}

/// A string of at least `min_bytes.start` bytes, one piece repeated.
fn long_string(min_bytes: std::ops::Range<usize>) -> BoxedStrategy<String> {
    (select(PIECES), min_bytes)
        .prop_map(|(piece, bytes)| piece.repeat(bytes.div_ceil(piece.len())))
        .boxed()
}

/// A list of `element`s: usually short (often empty), sometimes longer than 15 so the
/// `array16` header appears.
pub fn list<T: Debug + 'static>(element: BoxedStrategy<T>) -> BoxedStrategy<Vec<T>> {
    prop_oneof![
        5 => vec(element.clone(), 0..4),
        1 => vec(element, 16..19),
    ]
    .boxed()
}

/// `None` or `Some` of `inner`, equally often.
pub fn opt<T: Debug + 'static>(inner: BoxedStrategy<T>) -> BoxedStrategy<Option<T>> {
    option::of(inner).boxed()
}

/// A `u64` from every MessagePack unsigned marker range, boundaries included.
pub fn arb_u64() -> BoxedStrategy<u64> {
    prop_oneof![
        0..=0x7f_u64,
        0x80..=0xff_u64,
        0x100..=0xffff_u64,
        0x1_0000..=0xffff_ffff_u64,
        0x1_0000_0000..=u64::MAX,
        select(vec![
            0,
            0x7f,
            0x80,
            0xff,
            0x100,
            0xffff,
            0x1_0000,
            0xffff_ffff,
            0x1_0000_0000,
            u64::MAX,
        ]),
    ]
    .boxed()
}

/// A `u32` from every marker range it can reach.
pub fn arb_u32() -> BoxedStrategy<u32> {
    prop_oneof![
        0..=0x7f_u32,
        0x80..=0xff_u32,
        0x100..=0xffff_u32,
        0x1_0000..=u32::MAX,
        select(vec![0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, u32::MAX]),
    ]
    .boxed()
}

/// A `u16` from every marker range it can reach.
pub fn arb_u16() -> BoxedStrategy<u16> {
    prop_oneof![
        0..=0x7f_u16,
        0x80..=0xff_u16,
        0x100..=u16::MAX,
        select(vec![0, 0x7f, 0x80, 0xff, 0x100, u16::MAX]),
    ]
    .boxed()
}

/// A `usize` from every marker range the platform's `usize` can reach.
pub fn arb_usize() -> BoxedStrategy<usize> {
    arb_u64()
        .prop_map(|value| usize::try_from(value).unwrap_or(usize::MAX))
        .boxed()
}

/// Any `f64` except NaN: zeros of both signs, subnormals, normals, infinities, and the
/// values confidences usually take.
pub fn arb_f64() -> BoxedStrategy<f64> {
    use proptest::num::f64 as float;
    prop_oneof![
        select(vec![
            0.0,
            -0.0,
            0.25,
            0.5,
            1.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN
        ]),
        0.0..=1.0_f64,
        float::POSITIVE
            | float::NEGATIVE
            | float::NORMAL
            | float::SUBNORMAL
            | float::ZERO
            | float::INFINITE,
    ]
    .boxed()
}

/// Statement bytes: short, longer than 15, and a few hundred (every byte value).
pub fn arb_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => vec(any::<u8>(), 0..16),
        2 => vec(any::<u8>(), 16..64),
        1 => vec(any::<u8>(), 256..400),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Strategies: directive plugins
// ---------------------------------------------------------------------------------------

/// Any [`ours::PluginInput`].
pub fn arb_plugin_input() -> BoxedStrategy<ours::PluginInput> {
    (list(arb_wrapper()), arb_plugin_options(), opt(arb_string()))
        .prop_map(|(directives, options, config)| ours::PluginInput {
            directives,
            options,
            config,
        })
        .boxed()
}

/// Any [`ours::PluginOptions`], the default one included.
pub fn arb_plugin_options() -> BoxedStrategy<ours::PluginOptions> {
    prop_oneof![
        1 => Just(ours::PluginOptions::default()),
        4 => (list(arb_string()), opt(arb_string()), arb_account_types()).prop_map(
            |(operating_currencies, title, account_types)| ours::PluginOptions {
                operating_currencies,
                title,
                account_types,
            }
        ),
    ]
    .boxed()
}

/// Any [`ours::PluginAccountTypes`], the default one included.
pub fn arb_account_types() -> BoxedStrategy<ours::PluginAccountTypes> {
    prop_oneof![
        Just(ours::PluginAccountTypes::default()),
        (
            arb_string(),
            arb_string(),
            arb_string(),
            arb_string(),
            arb_string()
        )
            .prop_map(|(assets, liabilities, equity, income, expenses)| {
                ours::PluginAccountTypes {
                    assets,
                    liabilities,
                    equity,
                    income,
                    expenses,
                }
            }),
    ]
    .boxed()
}

/// Any [`ours::PluginOutput`].
pub fn arb_plugin_output() -> BoxedStrategy<ours::PluginOutput> {
    (list(arb_op()), list(arb_error()))
        .prop_map(|(ops, errors)| ours::PluginOutput { ops, errors })
        .boxed()
}

/// Any [`ours::PluginOp`], each of the four variants equally often.
pub fn arb_op() -> BoxedStrategy<ours::PluginOp> {
    prop_oneof![
        arb_usize().prop_map(ours::PluginOp::Keep),
        (arb_usize(), arb_wrapper())
            .prop_map(|(index, wrapper)| ours::PluginOp::Modify(index, wrapper)),
        arb_wrapper().prop_map(ours::PluginOp::Insert),
        arb_usize().prop_map(ours::PluginOp::Delete),
    ]
    .boxed()
}

/// Any [`ours::PluginError`]: both severities, with and without file and line.
pub fn arb_error() -> BoxedStrategy<ours::PluginError> {
    (
        arb_string(),
        opt(arb_string()),
        opt(arb_u32()),
        arb_severity(),
    )
        .prop_map(
            |(message, source_file, line_number, severity)| ours::PluginError {
                message,
                source_file,
                line_number,
                severity,
            },
        )
        .boxed()
}

/// Either [`ours::PluginErrorSeverity`].
pub fn arb_severity() -> BoxedStrategy<ours::PluginErrorSeverity> {
    prop_oneof![
        Just(ours::PluginErrorSeverity::Warning),
        Just(ours::PluginErrorSeverity::Error),
    ]
    .boxed()
}

// ---------------------------------------------------------------------------------------
// Strategies: directives
// ---------------------------------------------------------------------------------------

/// Any [`ours::DirectiveWrapper`]: all twelve kinds, with and without `filename`/`lineno`,
/// and sometimes a non-empty `directive_type` (which must never reach the wire).
pub fn arb_wrapper() -> BoxedStrategy<ours::DirectiveWrapper> {
    let directive_type = prop_oneof![6 => Just(String::new()), 1 => arb_string()];
    (
        directive_type,
        arb_string(),
        opt(arb_string()),
        opt(arb_u32()),
        arb_directive_data(),
    )
        .prop_map(
            |(directive_type, date, filename, lineno, data)| ours::DirectiveWrapper {
                directive_type,
                date,
                filename,
                lineno,
                data,
            },
        )
        .boxed()
}

/// Any [`ours::DirectiveData`], each of the twelve kinds equally often.
pub fn arb_directive_data() -> BoxedStrategy<ours::DirectiveData> {
    use ours::DirectiveData as D;
    prop_oneof![
        arb_transaction().prop_map(D::Transaction),
        arb_balance().prop_map(D::Balance),
        arb_open().prop_map(D::Open),
        arb_close().prop_map(D::Close),
        arb_commodity().prop_map(D::Commodity),
        arb_pad().prop_map(D::Pad),
        arb_event().prop_map(D::Event),
        arb_note().prop_map(D::Note),
        arb_document().prop_map(D::Document),
        arb_price().prop_map(D::Price),
        arb_query().prop_map(D::Query),
        arb_custom().prop_map(D::Custom),
    ]
    .boxed()
}

/// Any [`ours::TransactionData`].
pub fn arb_transaction() -> BoxedStrategy<ours::TransactionData> {
    (
        arb_string(),
        opt(arb_string()),
        arb_string(),
        list(arb_string()),
        list(arb_string()),
        arb_metadata(),
        list(arb_posting()),
    )
        .prop_map(
            |(flag, payee, narration, tags, links, metadata, postings)| ours::TransactionData {
                flag,
                payee,
                narration,
                tags,
                links,
                metadata,
                postings,
            },
        )
        .boxed()
}

/// Any [`ours::PostingData`]: every option independently `None` or `Some`.
pub fn arb_posting() -> BoxedStrategy<ours::PostingData> {
    (
        arb_string(),
        opt(arb_amount()),
        opt(arb_cost()),
        opt(arb_price_annotation()),
        opt(arb_string()),
        arb_metadata(),
        opt(arb_span()),
    )
        .prop_map(
            |(account, units, cost, price, flag, metadata, span)| ours::PostingData {
                account,
                units,
                cost,
                price,
                flag,
                metadata,
                span,
            },
        )
        .boxed()
}

/// Any [`ours::SourceSpan`].
pub fn arb_span() -> BoxedStrategy<ours::SourceSpan> {
    (arb_u64(), arb_u64(), arb_u16())
        .prop_map(|(start, end, file_id)| ours::SourceSpan {
            start,
            end,
            file_id,
        })
        .boxed()
}

/// Any [`ours::AmountData`].
pub fn arb_amount() -> BoxedStrategy<ours::AmountData> {
    (arb_string(), arb_string())
        .prop_map(|(number, currency)| ours::AmountData { number, currency })
        .boxed()
}

/// Any [`ours::CostData`].
pub fn arb_cost() -> BoxedStrategy<ours::CostData> {
    (
        opt(arb_cost_number()),
        opt(arb_string()),
        opt(arb_string()),
        opt(arb_string()),
        any::<bool>(),
    )
        .prop_map(|(number, currency, date, label, merge)| ours::CostData {
            number,
            currency,
            date,
            label,
            merge,
        })
        .boxed()
}

/// Any [`ours::CostNumberData`], each of the four kinds equally often.
pub fn arb_cost_number() -> BoxedStrategy<ours::CostNumberData> {
    use ours::CostNumberData as C;
    prop_oneof![
        arb_string().prop_map(|value| C::PerUnit { value }),
        arb_string().prop_map(|value| C::Total { value }),
        (arb_string(), arb_string()).prop_map(|(per_unit, total)| C::Compound { per_unit, total }),
        (arb_string(), arb_string())
            .prop_map(|(per_unit, total)| C::PerUnitFromTotal { per_unit, total }),
    ]
    .boxed()
}

/// Any [`ours::PriceAnnotationData`].
pub fn arb_price_annotation() -> BoxedStrategy<ours::PriceAnnotationData> {
    (
        any::<bool>(),
        opt(arb_amount()),
        opt(arb_string()),
        opt(arb_string()),
    )
        .prop_map(
            |(is_total, amount, number, currency)| ours::PriceAnnotationData {
                is_total,
                amount,
                number,
                currency,
            },
        )
        .boxed()
}

/// Any [`ours::MetaValueData`], each of the nine kinds equally often.
pub fn arb_meta_value() -> BoxedStrategy<ours::MetaValueData> {
    use ours::MetaValueData as M;
    prop_oneof![
        arb_string().prop_map(M::String),
        arb_string().prop_map(M::Number),
        arb_string().prop_map(M::Date),
        arb_string().prop_map(M::Account),
        arb_string().prop_map(M::Currency),
        arb_string().prop_map(M::Tag),
        arb_string().prop_map(M::Link),
        arb_amount().prop_map(M::Amount),
        any::<bool>().prop_map(M::Bool),
    ]
    .boxed()
}

/// Any metadata list, duplicate keys and unsorted keys included.
pub fn arb_metadata() -> BoxedStrategy<ours::Metadata> {
    list((arb_string(), arb_meta_value()).boxed())
}

/// Any [`ours::BalanceData`].
pub fn arb_balance() -> BoxedStrategy<ours::BalanceData> {
    (
        arb_string(),
        arb_amount(),
        opt(arb_string()),
        arb_metadata(),
    )
        .prop_map(|(account, amount, tolerance, metadata)| ours::BalanceData {
            account,
            amount,
            tolerance,
            metadata,
        })
        .boxed()
}

/// Any [`ours::OpenData`].
pub fn arb_open() -> BoxedStrategy<ours::OpenData> {
    (
        arb_string(),
        list(arb_string()),
        opt(arb_string()),
        arb_metadata(),
    )
        .prop_map(|(account, currencies, booking, metadata)| ours::OpenData {
            account,
            currencies,
            booking,
            metadata,
        })
        .boxed()
}

/// Any [`ours::CloseData`].
pub fn arb_close() -> BoxedStrategy<ours::CloseData> {
    (arb_string(), arb_metadata())
        .prop_map(|(account, metadata)| ours::CloseData { account, metadata })
        .boxed()
}

/// Any [`ours::CommodityData`].
pub fn arb_commodity() -> BoxedStrategy<ours::CommodityData> {
    (arb_string(), arb_metadata())
        .prop_map(|(currency, metadata)| ours::CommodityData { currency, metadata })
        .boxed()
}

/// Any [`ours::PadData`].
pub fn arb_pad() -> BoxedStrategy<ours::PadData> {
    (arb_string(), arb_string(), arb_metadata())
        .prop_map(|(account, source_account, metadata)| ours::PadData {
            account,
            source_account,
            metadata,
        })
        .boxed()
}

/// Any [`ours::EventData`].
pub fn arb_event() -> BoxedStrategy<ours::EventData> {
    (arb_string(), arb_string(), arb_metadata())
        .prop_map(|(event_type, value, metadata)| ours::EventData {
            event_type,
            value,
            metadata,
        })
        .boxed()
}

/// Any [`ours::NoteData`].
pub fn arb_note() -> BoxedStrategy<ours::NoteData> {
    (arb_string(), arb_string(), arb_metadata())
        .prop_map(|(account, comment, metadata)| ours::NoteData {
            account,
            comment,
            metadata,
        })
        .boxed()
}

/// Any [`ours::DocumentData`].
pub fn arb_document() -> BoxedStrategy<ours::DocumentData> {
    (
        arb_string(),
        arb_string(),
        list(arb_string()),
        list(arb_string()),
        arb_metadata(),
    )
        .prop_map(
            |(account, path, tags, links, metadata)| ours::DocumentData {
                account,
                path,
                tags,
                links,
                metadata,
            },
        )
        .boxed()
}

/// Any [`ours::PriceData`].
pub fn arb_price() -> BoxedStrategy<ours::PriceData> {
    (arb_string(), arb_amount(), arb_metadata())
        .prop_map(|(currency, amount, metadata)| ours::PriceData {
            currency,
            amount,
            metadata,
        })
        .boxed()
}

/// Any [`ours::QueryData`].
pub fn arb_query() -> BoxedStrategy<ours::QueryData> {
    (arb_string(), arb_string(), arb_metadata())
        .prop_map(|(name, query, metadata)| ours::QueryData {
            name,
            query,
            metadata,
        })
        .boxed()
}

/// Any [`ours::CustomData`].
pub fn arb_custom() -> BoxedStrategy<ours::CustomData> {
    (arb_string(), list(arb_meta_value()), arb_metadata())
        .prop_map(|(custom_type, values, metadata)| ours::CustomData {
            custom_type,
            values,
            metadata,
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------
// Strategies: importers
// ---------------------------------------------------------------------------------------

/// Any [`ours::ImporterInput`] whose `options` has 0 or 1 entries, so its encoding is
/// deterministic.
pub fn arb_importer_input() -> BoxedStrategy<ours::ImporterInput> {
    importer_input_with(hash_map(arb_string(), arb_string(), 0..=1).boxed())
}

/// Any [`ours::ImporterInput`] with 2 to 20 options: its encoding depends on the map's
/// iteration order, so compare decoded maps, not bytes.
pub fn arb_importer_input_many_options() -> BoxedStrategy<ours::ImporterInput> {
    importer_input_with(hash_map(arb_string(), arb_string(), 2..=20).boxed())
}

fn importer_input_with(
    options: BoxedStrategy<HashMap<String, String>>,
) -> BoxedStrategy<ours::ImporterInput> {
    (
        arb_string(),
        arb_bytes(),
        arb_string(),
        opt(arb_string()),
        options,
    )
        .prop_map(
            |(path, content, account, currency, options)| ours::ImporterInput {
                path,
                content,
                account,
                currency,
                options,
            },
        )
        .boxed()
}

/// Any [`ours::IdentifyInput`].
pub fn arb_identify_input() -> BoxedStrategy<ours::IdentifyInput> {
    arb_string()
        .prop_map(|path| ours::IdentifyInput { path })
        .boxed()
}

/// Either [`ours::IdentifyOutput`].
pub fn arb_identify_output() -> BoxedStrategy<ours::IdentifyOutput> {
    any::<bool>()
        .prop_map(|matches| ours::IdentifyOutput { matches })
        .boxed()
}

/// Any [`ours::MetadataOutput`].
pub fn arb_metadata_output() -> BoxedStrategy<ours::MetadataOutput> {
    (arb_string(), arb_string())
        .prop_map(|(name, description)| ours::MetadataOutput { name, description })
        .boxed()
}

/// Any [`ours::ImporterOutput`], the empty one included.
pub fn arb_importer_output() -> BoxedStrategy<ours::ImporterOutput> {
    prop_oneof![
        1 => Just(ours::ImporterOutput::empty()),
        6 => (list(arb_wrapper()), list(arb_string()), list(arb_error())).prop_map(
            |(directives, warnings, errors)| ours::ImporterOutput {
                directives,
                warnings,
                errors,
            }
        ),
    ]
    .boxed()
}

/// Any [`ours::EnrichedImporterOutput`].
pub fn arb_enriched_output() -> BoxedStrategy<ours::EnrichedImporterOutput> {
    (
        list((arb_wrapper(), arb_enrichment()).boxed()),
        list(arb_string()),
        list(arb_error()),
    )
        .prop_map(|(entries, warnings, errors)| ours::EnrichedImporterOutput {
            entries,
            warnings,
            errors,
        })
        .boxed()
}

/// Any [`ours::EnrichmentWrapper`].
pub fn arb_enrichment() -> BoxedStrategy<ours::EnrichmentWrapper> {
    (
        arb_usize(),
        arb_f64(),
        arb_string(),
        list(arb_alternative()),
        opt(arb_string()),
    )
        .prop_map(
            |(directive_index, confidence, method, alternatives, fingerprint)| {
                ours::EnrichmentWrapper {
                    directive_index,
                    confidence,
                    method,
                    alternatives,
                    fingerprint,
                }
            },
        )
        .boxed()
}

/// Any [`ours::AlternativeWrapper`].
pub fn arb_alternative() -> BoxedStrategy<ours::AlternativeWrapper> {
    (arb_string(), arb_f64(), arb_string())
        .prop_map(|(account, confidence, method)| ours::AlternativeWrapper {
            account,
            confidence,
            method,
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------
// What survives the wire
// ---------------------------------------------------------------------------------------

/// The value as any decoder must see it after encoding: every wrapper's `directive_type`
/// empty, because that field is never encoded.
pub trait WireNormalized {
    /// A copy with the fields that never go on the wire reset to their defaults.
    fn wire_normalized(&self) -> Self;
}

impl WireNormalized for ours::DirectiveWrapper {
    fn wire_normalized(&self) -> Self {
        Self {
            directive_type: String::new(),
            ..self.clone()
        }
    }
}

impl WireNormalized for ours::PluginOp {
    fn wire_normalized(&self) -> Self {
        match self {
            Self::Modify(index, wrapper) => Self::Modify(*index, wrapper.wire_normalized()),
            Self::Insert(wrapper) => Self::Insert(wrapper.wire_normalized()),
            Self::Keep(_) | Self::Delete(_) => self.clone(),
        }
    }
}

impl WireNormalized for ours::PluginInput {
    fn wire_normalized(&self) -> Self {
        Self {
            directives: normalized_all(&self.directives),
            ..self.clone()
        }
    }
}

impl WireNormalized for ours::PluginOutput {
    fn wire_normalized(&self) -> Self {
        Self {
            ops: normalized_all(&self.ops),
            ..self.clone()
        }
    }
}

impl WireNormalized for ours::ImporterOutput {
    fn wire_normalized(&self) -> Self {
        Self {
            directives: normalized_all(&self.directives),
            ..self.clone()
        }
    }
}

impl WireNormalized for ours::EnrichedImporterOutput {
    fn wire_normalized(&self) -> Self {
        Self {
            entries: self
                .entries
                .iter()
                .map(|(wrapper, enrichment)| (wrapper.wire_normalized(), enrichment.clone()))
                .collect(),
            ..self.clone()
        }
    }
}

/// Types without a wrapper inside are already what the wire carries.
macro_rules! wire_normalized_is_clone {
    ($($ty:ty),* $(,)?) => {
        $(impl WireNormalized for $ty {
            fn wire_normalized(&self) -> Self {
                self.clone()
            }
        })*
    };
}

wire_normalized_is_clone!(
    ours::ImporterInput,
    ours::IdentifyInput,
    ours::IdentifyOutput,
    ours::MetadataOutput,
);

fn normalized_all<T: WireNormalized>(items: &[T]) -> Vec<T> {
    items.iter().map(WireNormalized::wire_normalized).collect()
}

// ---------------------------------------------------------------------------------------
// Conversions to rustledger-plugin-types 0.24
// ---------------------------------------------------------------------------------------

/// [`ours::PluginInput`] as the upstream type.
pub fn to_upstream_input(value: &ours::PluginInput) -> up::PluginInput {
    let ours::PluginInput {
        directives,
        options,
        config,
    } = value;
    up::PluginInput {
        directives: directives.iter().map(to_upstream_wrapper).collect(),
        options: to_upstream_options(options),
        config: config.clone(),
    }
}

/// [`ours::PluginOptions`] as the upstream type.
pub fn to_upstream_options(value: &ours::PluginOptions) -> up::PluginOptions {
    let ours::PluginOptions {
        operating_currencies,
        title,
        account_types,
    } = value;
    up::PluginOptions {
        operating_currencies: operating_currencies.clone(),
        title: title.clone(),
        account_types: to_upstream_account_types(account_types),
    }
}

/// [`ours::PluginAccountTypes`] as the upstream type.
pub fn to_upstream_account_types(value: &ours::PluginAccountTypes) -> up::PluginAccountTypes {
    let ours::PluginAccountTypes {
        assets,
        liabilities,
        equity,
        income,
        expenses,
    } = value;
    up::PluginAccountTypes {
        assets: assets.clone(),
        liabilities: liabilities.clone(),
        equity: equity.clone(),
        income: income.clone(),
        expenses: expenses.clone(),
    }
}

/// [`ours::PluginOutput`] as the upstream type.
pub fn to_upstream_output(value: &ours::PluginOutput) -> up::PluginOutput {
    let ours::PluginOutput { ops, errors } = value;
    up::PluginOutput {
        ops: ops.iter().map(to_upstream_op).collect(),
        errors: errors.iter().map(to_upstream_error).collect(),
    }
}

/// [`ours::PluginOp`] as the upstream type.
pub fn to_upstream_op(value: &ours::PluginOp) -> up::PluginOp {
    match value {
        ours::PluginOp::Keep(index) => up::PluginOp::Keep(*index),
        ours::PluginOp::Modify(index, wrapper) => {
            up::PluginOp::Modify(*index, to_upstream_wrapper(wrapper))
        }
        ours::PluginOp::Insert(wrapper) => up::PluginOp::Insert(to_upstream_wrapper(wrapper)),
        ours::PluginOp::Delete(index) => up::PluginOp::Delete(*index),
    }
}

/// [`ours::PluginError`] as the upstream type.
pub fn to_upstream_error(value: &ours::PluginError) -> up::PluginError {
    let ours::PluginError {
        message,
        source_file,
        line_number,
        severity,
    } = value;
    up::PluginError {
        message: message.clone(),
        source_file: source_file.clone(),
        line_number: *line_number,
        severity: to_upstream_severity(*severity),
    }
}

/// [`ours::PluginErrorSeverity`] as the upstream type.
pub fn to_upstream_severity(value: ours::PluginErrorSeverity) -> up::PluginErrorSeverity {
    match value {
        ours::PluginErrorSeverity::Warning => up::PluginErrorSeverity::Warning,
        ours::PluginErrorSeverity::Error => up::PluginErrorSeverity::Error,
    }
}

/// [`ours::DirectiveWrapper`] as the upstream type, `directive_type` included.
pub fn to_upstream_wrapper(value: &ours::DirectiveWrapper) -> up::DirectiveWrapper {
    let ours::DirectiveWrapper {
        directive_type,
        date,
        filename,
        lineno,
        data,
    } = value;
    up::DirectiveWrapper {
        directive_type: directive_type.clone(),
        date: date.clone(),
        filename: filename.clone(),
        lineno: *lineno,
        data: to_upstream_directive_data(data),
    }
}

/// [`ours::DirectiveData`] as the upstream type.
pub fn to_upstream_directive_data(value: &ours::DirectiveData) -> up::DirectiveData {
    use ours::DirectiveData as D;
    match value {
        D::Transaction(data) => up::DirectiveData::Transaction(to_upstream_transaction(data)),
        D::Balance(data) => up::DirectiveData::Balance(to_upstream_balance(data)),
        D::Open(data) => up::DirectiveData::Open(to_upstream_open(data)),
        D::Close(data) => up::DirectiveData::Close(to_upstream_close(data)),
        D::Commodity(data) => up::DirectiveData::Commodity(to_upstream_commodity(data)),
        D::Pad(data) => up::DirectiveData::Pad(to_upstream_pad(data)),
        D::Event(data) => up::DirectiveData::Event(to_upstream_event(data)),
        D::Note(data) => up::DirectiveData::Note(to_upstream_note(data)),
        D::Document(data) => up::DirectiveData::Document(to_upstream_document(data)),
        D::Price(data) => up::DirectiveData::Price(to_upstream_price(data)),
        D::Query(data) => up::DirectiveData::Query(to_upstream_query(data)),
        D::Custom(data) => up::DirectiveData::Custom(to_upstream_custom(data)),
    }
}

/// [`ours::TransactionData`] as the upstream type.
pub fn to_upstream_transaction(value: &ours::TransactionData) -> up::TransactionData {
    let ours::TransactionData {
        flag,
        payee,
        narration,
        tags,
        links,
        metadata,
        postings,
    } = value;
    up::TransactionData {
        flag: flag.clone(),
        payee: payee.clone(),
        narration: narration.clone(),
        tags: tags.clone(),
        links: links.clone(),
        metadata: to_upstream_metadata(metadata),
        postings: postings.iter().map(to_upstream_posting).collect(),
    }
}

/// [`ours::PostingData`] as the upstream type, `span` included.
pub fn to_upstream_posting(value: &ours::PostingData) -> up::PostingData {
    let ours::PostingData {
        account,
        units,
        cost,
        price,
        flag,
        metadata,
        span,
    } = value;
    up::PostingData {
        account: account.clone(),
        units: units.as_ref().map(to_upstream_amount),
        cost: cost.as_ref().map(to_upstream_cost),
        price: price.as_ref().map(to_upstream_price_annotation),
        flag: flag.clone(),
        metadata: to_upstream_metadata(metadata),
        span: span.as_ref().map(to_upstream_span),
    }
}

/// [`ours::SourceSpan`] as the upstream type.
pub fn to_upstream_span(value: &ours::SourceSpan) -> up::SourceSpan {
    let ours::SourceSpan {
        start,
        end,
        file_id,
    } = *value;
    up::SourceSpan {
        start,
        end,
        file_id,
    }
}

/// [`ours::AmountData`] as the upstream type.
pub fn to_upstream_amount(value: &ours::AmountData) -> up::AmountData {
    let ours::AmountData { number, currency } = value;
    up::AmountData {
        number: number.clone(),
        currency: currency.clone(),
    }
}

/// [`ours::CostData`] as the upstream type.
pub fn to_upstream_cost(value: &ours::CostData) -> up::CostData {
    let ours::CostData {
        number,
        currency,
        date,
        label,
        merge,
    } = value;
    up::CostData {
        number: number.as_ref().map(to_upstream_cost_number),
        currency: currency.clone(),
        date: date.clone(),
        label: label.clone(),
        merge: *merge,
    }
}

/// [`ours::CostNumberData`] as the upstream type.
pub fn to_upstream_cost_number(value: &ours::CostNumberData) -> up::CostNumberData {
    use ours::CostNumberData as C;
    match value {
        C::PerUnit { value } => up::CostNumberData::PerUnit {
            value: value.clone(),
        },
        C::Total { value } => up::CostNumberData::Total {
            value: value.clone(),
        },
        C::Compound { per_unit, total } => up::CostNumberData::Compound {
            per_unit: per_unit.clone(),
            total: total.clone(),
        },
        C::PerUnitFromTotal { per_unit, total } => up::CostNumberData::PerUnitFromTotal {
            per_unit: per_unit.clone(),
            total: total.clone(),
        },
    }
}

/// [`ours::PriceAnnotationData`] as the upstream type.
pub fn to_upstream_price_annotation(value: &ours::PriceAnnotationData) -> up::PriceAnnotationData {
    let ours::PriceAnnotationData {
        is_total,
        amount,
        number,
        currency,
    } = value;
    up::PriceAnnotationData {
        is_total: *is_total,
        amount: amount.as_ref().map(to_upstream_amount),
        number: number.clone(),
        currency: currency.clone(),
    }
}

/// [`ours::MetaValueData`] as the upstream type.
pub fn to_upstream_meta_value(value: &ours::MetaValueData) -> up::MetaValueData {
    use ours::MetaValueData as M;
    match value {
        M::String(text) => up::MetaValueData::String(text.clone()),
        M::Number(text) => up::MetaValueData::Number(text.clone()),
        M::Date(text) => up::MetaValueData::Date(text.clone()),
        M::Account(text) => up::MetaValueData::Account(text.clone()),
        M::Currency(text) => up::MetaValueData::Currency(text.clone()),
        M::Tag(text) => up::MetaValueData::Tag(text.clone()),
        M::Link(text) => up::MetaValueData::Link(text.clone()),
        M::Amount(amount) => up::MetaValueData::Amount(to_upstream_amount(amount)),
        M::Bool(flag) => up::MetaValueData::Bool(*flag),
    }
}

/// A metadata list as the upstream type.
pub fn to_upstream_metadata(value: &ours::Metadata) -> Vec<(String, up::MetaValueData)> {
    value
        .iter()
        .map(|(key, value)| (key.clone(), to_upstream_meta_value(value)))
        .collect()
}

/// [`ours::BalanceData`] as the upstream type.
pub fn to_upstream_balance(value: &ours::BalanceData) -> up::BalanceData {
    let ours::BalanceData {
        account,
        amount,
        tolerance,
        metadata,
    } = value;
    up::BalanceData {
        account: account.clone(),
        amount: to_upstream_amount(amount),
        tolerance: tolerance.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::OpenData`] as the upstream type.
pub fn to_upstream_open(value: &ours::OpenData) -> up::OpenData {
    let ours::OpenData {
        account,
        currencies,
        booking,
        metadata,
    } = value;
    up::OpenData {
        account: account.clone(),
        currencies: currencies.clone(),
        booking: booking.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::CloseData`] as the upstream type.
pub fn to_upstream_close(value: &ours::CloseData) -> up::CloseData {
    let ours::CloseData { account, metadata } = value;
    up::CloseData {
        account: account.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::CommodityData`] as the upstream type.
pub fn to_upstream_commodity(value: &ours::CommodityData) -> up::CommodityData {
    let ours::CommodityData { currency, metadata } = value;
    up::CommodityData {
        currency: currency.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::PadData`] as the upstream type.
pub fn to_upstream_pad(value: &ours::PadData) -> up::PadData {
    let ours::PadData {
        account,
        source_account,
        metadata,
    } = value;
    up::PadData {
        account: account.clone(),
        source_account: source_account.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::EventData`] as the upstream type.
pub fn to_upstream_event(value: &ours::EventData) -> up::EventData {
    let ours::EventData {
        event_type,
        value,
        metadata,
    } = value;
    up::EventData {
        event_type: event_type.clone(),
        value: value.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::NoteData`] as the upstream type.
pub fn to_upstream_note(value: &ours::NoteData) -> up::NoteData {
    let ours::NoteData {
        account,
        comment,
        metadata,
    } = value;
    up::NoteData {
        account: account.clone(),
        comment: comment.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::DocumentData`] as the upstream type.
pub fn to_upstream_document(value: &ours::DocumentData) -> up::DocumentData {
    let ours::DocumentData {
        account,
        path,
        tags,
        links,
        metadata,
    } = value;
    up::DocumentData {
        account: account.clone(),
        path: path.clone(),
        tags: tags.clone(),
        links: links.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::PriceData`] as the upstream type.
pub fn to_upstream_price(value: &ours::PriceData) -> up::PriceData {
    let ours::PriceData {
        currency,
        amount,
        metadata,
    } = value;
    up::PriceData {
        currency: currency.clone(),
        amount: to_upstream_amount(amount),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::QueryData`] as the upstream type.
pub fn to_upstream_query(value: &ours::QueryData) -> up::QueryData {
    let ours::QueryData {
        name,
        query,
        metadata,
    } = value;
    up::QueryData {
        name: name.clone(),
        query: query.clone(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::CustomData`] as the upstream type.
pub fn to_upstream_custom(value: &ours::CustomData) -> up::CustomData {
    let ours::CustomData {
        custom_type,
        values,
        metadata,
    } = value;
    up::CustomData {
        custom_type: custom_type.clone(),
        values: values.iter().map(to_upstream_meta_value).collect(),
        metadata: to_upstream_metadata(metadata),
    }
}

/// [`ours::ImporterInput`] as the upstream type.
pub fn to_upstream_importer_input(value: &ours::ImporterInput) -> up::ImporterInput {
    let ours::ImporterInput {
        path,
        content,
        account,
        currency,
        options,
    } = value;
    up::ImporterInput {
        path: path.clone(),
        content: content.clone(),
        account: account.clone(),
        currency: currency.clone(),
        options: options.clone(),
    }
}

/// [`ours::IdentifyInput`] as the upstream type.
pub fn to_upstream_identify_input(value: &ours::IdentifyInput) -> up::IdentifyInput {
    let ours::IdentifyInput { path } = value;
    up::IdentifyInput { path: path.clone() }
}

/// [`ours::IdentifyOutput`] as the upstream type.
pub fn to_upstream_identify_output(value: &ours::IdentifyOutput) -> up::IdentifyOutput {
    let ours::IdentifyOutput { matches } = *value;
    up::IdentifyOutput { matches }
}

/// [`ours::MetadataOutput`] as the upstream type.
pub fn to_upstream_metadata_output(value: &ours::MetadataOutput) -> up::MetadataOutput {
    let ours::MetadataOutput { name, description } = value;
    up::MetadataOutput {
        name: name.clone(),
        description: description.clone(),
    }
}

/// [`ours::ImporterOutput`] as the upstream type.
pub fn to_upstream_importer_output(value: &ours::ImporterOutput) -> up::ImporterOutput {
    let ours::ImporterOutput {
        directives,
        warnings,
        errors,
    } = value;
    up::ImporterOutput {
        directives: directives.iter().map(to_upstream_wrapper).collect(),
        warnings: warnings.clone(),
        errors: errors.iter().map(to_upstream_error).collect(),
    }
}

/// [`ours::EnrichedImporterOutput`] as the upstream type.
pub fn to_upstream_enriched_output(
    value: &ours::EnrichedImporterOutput,
) -> up::EnrichedImporterOutput {
    let ours::EnrichedImporterOutput {
        entries,
        warnings,
        errors,
    } = value;
    up::EnrichedImporterOutput {
        entries: entries
            .iter()
            .map(|(wrapper, enrichment)| {
                (
                    to_upstream_wrapper(wrapper),
                    to_upstream_enrichment(enrichment),
                )
            })
            .collect(),
        warnings: warnings.clone(),
        errors: errors.iter().map(to_upstream_error).collect(),
    }
}

/// [`ours::EnrichmentWrapper`] as the upstream type.
pub fn to_upstream_enrichment(value: &ours::EnrichmentWrapper) -> up::EnrichmentWrapper {
    let ours::EnrichmentWrapper {
        directive_index,
        confidence,
        method,
        alternatives,
        fingerprint,
    } = value;
    up::EnrichmentWrapper {
        directive_index: *directive_index,
        confidence: *confidence,
        method: method.clone(),
        alternatives: alternatives.iter().map(to_upstream_alternative).collect(),
        fingerprint: fingerprint.clone(),
    }
}

/// [`ours::AlternativeWrapper`] as the upstream type.
pub fn to_upstream_alternative(value: &ours::AlternativeWrapper) -> up::AlternativeWrapper {
    let ours::AlternativeWrapper {
        account,
        confidence,
        method,
    } = value;
    up::AlternativeWrapper {
        account: account.clone(),
        confidence: *confidence,
        method: method.clone(),
    }
}
