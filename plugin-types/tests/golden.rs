//! Golden MessagePack bytes for representative values of the wire types.
//!
//! Each case's bytes live in `golden/<case>.hex` (hex pairs; whitespace and `#` comments are
//! ignored). They were produced once by encoding the equivalent rustledger-plugin-types 0.24
//! value with `rmp_serde::to_vec`. Per case:
//! - `round_trip`: our value encodes to exactly these bytes, and the bytes decode back to it
//!   (every field, locations and spans included). Needs no upstream crate, so a serde or
//!   rmp-serde change that alters the wire shows up here.
//! - `upstream_agrees`: the upstream encoder still produces these bytes.
//!
//! Never regenerate a file to make a test pass: a changed byte is a broken wire.

use std::fmt::Debug;

use rlplugin_bench::wire as support;
use rlplugin_types::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn golden_bytes(text: &str) -> Vec<u8> {
    let digits: String = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(str::split_whitespace)
        .collect();
    hex::decode(&digits).expect("golden file holds hex pairs")
}

fn assert_round_trip<T>(value: &T, golden: &str)
where
    T: Serialize + DeserializeOwned + Debug + PartialEq,
{
    let expected = golden_bytes(golden);
    let bytes = rmp_serde::to_vec(value).expect("encodes");
    assert_eq!(
        hex::encode(&bytes),
        hex::encode(&expected),
        "{value:?} encodes differently (left) from its golden bytes (right)"
    );
    let decoded: T = rmp_serde::from_slice(&expected).expect("golden bytes decode");
    assert_eq!(&decoded, value);
    // `PartialEq` of wrappers and postings skips locations and spans; `Debug` shows them.
    assert_eq!(format!("{decoded:?}"), format!("{value:?}"));
}

fn assert_upstream_agrees<U: Serialize + Debug>(upstream: &U, golden: &str) {
    let bytes = rmp_serde::to_vec(upstream).expect("upstream encodes");
    assert_eq!(
        hex::encode(&bytes),
        hex::encode(golden_bytes(golden)),
        "upstream encodes {upstream:?} differently (left) from the golden bytes (right)"
    );
}

macro_rules! golden {
    ($($(#[doc = $doc:literal])* $case:ident: $ty:ty = $value:expr, $to_upstream:path;)*) => {$(
        $(#[doc = $doc])*
        mod $case {
            use super::*;

            const GOLDEN: &str = include_str!(concat!("golden/", stringify!($case), ".hex"));

            fn value() -> $ty {
                $value
            }

            #[test]
            fn round_trip() {
                assert_round_trip(&value(), GOLDEN);
            }

            #[test]
            fn upstream_agrees() {
                assert_upstream_agrees(&$to_upstream(&value()), GOLDEN);
            }
        }
    )*};
}

fn open_bank() -> DirectiveWrapper {
    DirectiveWrapper {
        directive_type: String::new(),
        date: "2024-01-01".into(),
        filename: None,
        lineno: None,
        data: DirectiveData::Open(OpenData {
            account: "Assets:Bank".into(),
            currencies: vec!["USD".into()],
            booking: None,
            metadata: vec![],
        }),
    }
}

fn broker_posting() -> PostingData {
    PostingData {
        account: "Assets:Broker".into(),
        units: Some(AmountData::new("10", "AAPL")),
        cost: Some(CostData {
            number: Some(CostNumberData::PerUnit {
                value: "150".into(),
            }),
            currency: Some("USD".into()),
            date: Some("2024-01-15".into()),
            label: None,
            merge: false,
        }),
        price: Some(PriceAnnotationData {
            is_total: false,
            amount: Some(AmountData::new("151", "USD")),
            number: None,
            currency: None,
        }),
        flag: None,
        metadata: vec![],
        span: Some(SourceSpan {
            start: 120,
            end: 160,
            file_id: 0,
        }),
    }
}

fn transaction_with_location() -> DirectiveWrapper {
    DirectiveWrapper {
        directive_type: String::new(),
        date: "2024-01-15".into(),
        filename: Some("/l/main.beancount".into()),
        lineno: Some(7),
        data: DirectiveData::Transaction(TransactionData {
            flag: "*".into(),
            payee: Some("Shop".into()),
            narration: "Buy".into(),
            tags: vec!["t".into()],
            links: vec![],
            metadata: vec![("k".into(), MetaValueData::String("v".into()))],
            postings: vec![
                broker_posting(),
                PostingData {
                    account: "Assets:Cash".into(),
                    units: None,
                    cost: None,
                    price: None,
                    flag: None,
                    metadata: vec![],
                    span: None,
                },
            ],
        }),
    }
}

golden! {
    /// `{"Keep": 0}`: a positive fixint index.
    plugin_op_keep_0: PluginOp = PluginOp::Keep(0), support::to_upstream_op;
    /// `{"Keep": 300}`: a uint16 index.
    plugin_op_keep_300: PluginOp = PluginOp::Keep(300), support::to_upstream_op;
    /// `{"Delete": 1}`.
    plugin_op_delete_1: PluginOp = PluginOp::Delete(1), support::to_upstream_op;
    /// `{"Modify": [2, wrapper]}`: a tuple variant.
    plugin_op_modify: PluginOp = PluginOp::Modify(2, open_bank()), support::to_upstream_op;
    /// `{"Insert": wrapper}`, the wrapper carrying a location.
    plugin_op_insert: PluginOp = PluginOp::Insert(DirectiveWrapper {
        filename: Some("/l/main.beancount".into()),
        lineno: Some(70_000),
        ..open_bank()
    }), support::to_upstream_op;
    /// `PluginOutput::passthrough(2)`.
    plugin_output_passthrough_2: PluginOutput = PluginOutput::passthrough(2),
        support::to_upstream_output;
    /// An error with both parts of a location.
    plugin_error_with_location: PluginError = PluginError::error("m").at("f", 4),
        support::to_upstream_error;
    /// A warning without a location: two `nil`s.
    plugin_error_warning_without_location: PluginError = PluginError::warning("m"),
        support::to_upstream_error;
    /// `["12.50", "USD"]`.
    amount: AmountData = AmountData::new("12.50", "USD"), support::to_upstream_amount;
    /// `end` needs a uint32.
    source_span_u32: SourceSpan = SourceSpan { start: 1, end: 70_000, file_id: 3 },
        support::to_upstream_span;
    /// `end` needs a uint64, `file_id` a uint16.
    source_span_u64: SourceSpan = SourceSpan { start: 0, end: 1 << 32, file_id: u16::MAX },
        support::to_upstream_span;
    /// `["string", "x"]`: adjacently tagged.
    meta_value_string: MetaValueData = MetaValueData::String("x".into()),
        support::to_upstream_meta_value;
    /// `["bool", true]`.
    meta_value_bool: MetaValueData = MetaValueData::Bool(true), support::to_upstream_meta_value;
    /// `["amount", ["1", "USD"]]`.
    meta_value_amount: MetaValueData = MetaValueData::Amount(AmountData::new("1", "USD")),
        support::to_upstream_meta_value;
    /// `["per_unit", "100"]`: internally tagged, tag first.
    cost_number_per_unit: CostNumberData = CostNumberData::PerUnit { value: "100".into() },
        support::to_upstream_cost_number;
    /// `["total", "1500"]`.
    cost_number_total: CostNumberData = CostNumberData::Total { value: "1500".into() },
        support::to_upstream_cost_number;
    /// `["compound", "5", "10"]`.
    cost_number_compound: CostNumberData = CostNumberData::Compound {
        per_unit: "5".into(),
        total: "10".into(),
    }, support::to_upstream_cost_number;
    /// `["per_unit_from_total", "150", "300"]`.
    cost_number_per_unit_from_total: CostNumberData = CostNumberData::PerUnitFromTotal {
        per_unit: "150".into(),
        total: "300".into(),
    }, support::to_upstream_cost_number;
    /// The default options: no currencies, no title, beancount's root names.
    plugin_options_default: PluginOptions = PluginOptions::default(),
        support::to_upstream_options;
    /// One operating currency.
    plugin_options_usd: PluginOptions = PluginOptions {
        operating_currencies: vec!["USD".into()],
        ..PluginOptions::default()
    }, support::to_upstream_options;
    /// A map of 6 entries: no `filename`/`lineno` keys at all.
    open_wrapper_without_location: DirectiveWrapper = open_bank(), support::to_upstream_wrapper;
    /// The annotated transaction of the spec's appendix: a map of 11 entries.
    transaction_wrapper_with_location: DirectiveWrapper = transaction_with_location(),
        support::to_upstream_wrapper;
    /// A posting with cost, price and span: the 7-element array inside the transaction.
    posting_with_cost_price_span: PostingData = broker_posting(), support::to_upstream_posting;
    /// The complete plugin input of the spec's appendix.
    plugin_input_with_config: PluginInput = PluginInput {
        directives: vec![open_bank()],
        options: PluginOptions::default(),
        config: Some("threshold=100".into()),
    }, support::to_upstream_input;
    /// Non-ASCII strings and a str8 header.
    metadata_output_non_ascii: MetadataOutput = MetadataOutput {
        name: "Bäckerei/日本".into(),
        description: "Kontoauszüge der Bäckerei, 🦀 edition".into(),
    }, support::to_upstream_metadata_output;
    /// `content` as an array of integers, one option.
    importer_input_one_option: ImporterInput = ImporterInput {
        path: "/x.csv".into(),
        content: vec![0xde, 0xad, 0x01],
        account: "Assets:Bank".into(),
        currency: Some("USD".into()),
        options: [("delimiter".to_owned(), ",".to_owned())].into(),
    }, support::to_upstream_importer_input;
    /// `["/x.csv"]`.
    identify_input: IdentifyInput = IdentifyInput { path: "/x.csv".into() },
        support::to_upstream_identify_input;
    /// `[true]`.
    identify_output: IdentifyOutput = IdentifyOutput { matches: true },
        support::to_upstream_identify_output;
    /// `["tst", "tst"]`.
    metadata_output: MetadataOutput = MetadataOutput {
        name: "tst".into(),
        description: "tst".into(),
    }, support::to_upstream_metadata_output;
    /// `[[], [], []]`.
    importer_output_empty: ImporterOutput = ImporterOutput::empty(),
        support::to_upstream_importer_output;
    /// Float64 confidences, an alternative, no fingerprint.
    enrichment_wrapper: EnrichmentWrapper = EnrichmentWrapper {
        directive_index: 0,
        confidence: 0.5,
        method: "rule".into(),
        alternatives: vec![AlternativeWrapper {
            account: "Expenses:X".into(),
            confidence: 0.25,
            method: "ml".into(),
        }],
        fingerprint: None,
    }, support::to_upstream_enrichment;
    /// One entry as a 2-array of wrapper and enrichment, a warning and an error.
    enriched_output: EnrichedImporterOutput = EnrichedImporterOutput {
        entries: vec![(open_bank(), EnrichmentWrapper::default_for(0))],
        warnings: vec!["w".into()],
        errors: vec![PluginError::warning("row 2 bad").at("/x.csv", 2)],
    }, support::to_upstream_enriched_output;
}
