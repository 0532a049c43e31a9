//! Wire compatibility with rustledger-plugin-types 0.24, proven on arbitrary values of every
//! top-level type, through the encoder the production host uses (`rmp_serde::to_vec`).
//!
//! For each type, two properties:
//! - `ours_then_upstream`: our value encodes to the same bytes as the upstream equivalent;
//!   upstream decodes those bytes to the same value and re-encodes them unchanged.
//! - `upstream_then_ours`: the upstream value's bytes decode with our types to the same value,
//!   which re-encodes to the same bytes.
//!
//! Byte equality alone would miss two fields of the same type swapped on both sides of a
//! round trip, so every decoded value is also compared, field names included, through its
//! derived `Debug`.

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rlplugin_bench::wire as support;
use rlplugin_types as ours;
use rustledger_plugin_types as up;
use serde::Serialize;
use serde::de::DeserializeOwned;
use support::WireNormalized;

/// `PROPTEST_CASES` cases (256 unless set). No regression files: the checkout is shared and
/// a failure prints its (shrunk) counterexample, which belongs in `golden.rs` if it matters.
/// Shrinking is capped in time because a broken field fails every property at once.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        max_shrink_time: 5_000,
        ..ProptestConfig::default()
    }
}

/// Fails with the first differing position and a window around it, since whole encodings
/// run to kilobytes.
fn same<T: AsRef<[u8]>>(left: T, right: T, what: &str) -> Result<(), TestCaseError> {
    let (left, right) = (left.as_ref(), right.as_ref());
    if left == right {
        return Ok(());
    }
    let at = left
        .iter()
        .zip(right)
        .position(|(l, r)| l != r)
        .unwrap_or(left.len().min(right.len()));
    let window = |bytes: &[u8]| {
        let window = &bytes[at.saturating_sub(16)..bytes.len().min(at + 32)];
        match std::str::from_utf8(window) {
            Ok(text) => format!("{text:?}"),
            Err(_) => hex::encode(window),
        }
    };
    Err(TestCaseError::fail(format!(
        "{what}: first difference at offset {at} (lengths {} and {})\n  left:  {}\n  right: {}",
        left.len(),
        right.len(),
        window(left),
        window(right)
    )))
}

fn encode<T: Serialize>(value: &T, side: &str) -> Result<Vec<u8>, TestCaseError> {
    rmp_serde::to_vec(value)
        .map_err(|error| TestCaseError::fail(format!("{side} failed to encode: {error}")))
}

fn decode<T: DeserializeOwned>(bytes: &[u8], side: &str) -> Result<T, TestCaseError> {
    rmp_serde::from_slice(bytes).map_err(|error| {
        TestCaseError::fail(format!(
            "{side} failed to decode {} bytes beginning {}: {error}",
            bytes.len(),
            hex::encode(&bytes[..bytes.len().min(48)])
        ))
    })
}

/// Ours → bytes → upstream → bytes.
fn ours_then_upstream<O, U>(value: &O, to_upstream: fn(&O) -> U) -> Result<(), TestCaseError>
where
    O: Serialize + Debug + WireNormalized,
    U: Serialize + DeserializeOwned + Debug,
{
    let bytes = encode(value, "ours")?;
    let expected = encode(&to_upstream(value), "upstream")?;
    same(
        &bytes,
        &expected,
        "ours (left) and upstream (right) encode the same value differently",
    )?;
    let decoded: U = decode(&bytes, "upstream")?;
    same(
        &encode(&decoded, "upstream")?,
        &bytes,
        "upstream re-encoded (left) our bytes (right) differently",
    )?;
    same(
        format!("{decoded:?}"),
        format!("{:?}", value.wire_normalized()),
        "upstream decoded (left) our bytes to a different value than ours (right)",
    )?;
    Ok(())
}

/// Upstream → bytes → ours → bytes.
fn upstream_then_ours<O, U>(value: &O, to_upstream: fn(&O) -> U) -> Result<(), TestCaseError>
where
    O: Serialize + DeserializeOwned + Debug + WireNormalized,
    U: Serialize + Debug,
{
    let upstream = to_upstream(value);
    let bytes = encode(&upstream, "upstream")?;
    let decoded: O = decode(&bytes, "ours")?;
    same(
        &encode(&decoded, "ours")?,
        &bytes,
        "we re-encoded (left) upstream's bytes (right) differently",
    )?;
    same(
        format!("{decoded:?}"),
        format!("{:?}", value.wire_normalized()),
        "we decoded (left) upstream's bytes to a different value than the original (right)",
    )?;
    Ok(())
}

macro_rules! compat {
    ($($module:ident: $strategy:expr => $to_upstream:expr;)*) => {$(
        mod $module {
            use super::*;

            proptest! {
                #![proptest_config(config())]

                #[test]
                fn ours_then_upstream(value in $strategy) {
                    super::ours_then_upstream(&value, $to_upstream)?;
                }

                #[test]
                fn upstream_then_ours(value in $strategy) {
                    super::upstream_then_ours(&value, $to_upstream)?;
                }
            }
        }
    )*};
}

compat! {
    plugin_input: support::arb_plugin_input() => support::to_upstream_input;
    plugin_output: support::arb_plugin_output() => support::to_upstream_output;
    importer_input: support::arb_importer_input() => support::to_upstream_importer_input;
    importer_output: support::arb_importer_output() => support::to_upstream_importer_output;
    enriched_output: support::arb_enriched_output() => support::to_upstream_enriched_output;
    metadata_output: support::arb_metadata_output() => support::to_upstream_metadata_output;
    identify_input: support::arb_identify_input() => support::to_upstream_identify_input;
    identify_output: support::arb_identify_output() => support::to_upstream_identify_output;
}

proptest! {
    #![proptest_config(config())]

    /// With several options the map's byte order is arbitrary, so compare decoded maps.
    #[test]
    fn importer_input_with_many_options_decodes_to_equal_maps(
        value in support::arb_importer_input_many_options(),
    ) {
        let from_ours: up::ImporterInput = decode(&encode(&value, "ours")?, "upstream")?;
        prop_assert_eq!(&from_ours.path, &value.path);
        prop_assert_eq!(&from_ours.content, &value.content);
        prop_assert_eq!(&from_ours.account, &value.account);
        prop_assert_eq!(&from_ours.currency, &value.currency);
        prop_assert_eq!(&from_ours.options, &value.options);

        let upstream = support::to_upstream_importer_input(&value);
        let from_upstream: ours::ImporterInput = decode(&encode(&upstream, "upstream")?, "ours")?;
        prop_assert_eq!(from_upstream, value);
    }
}

/// The strategies are only as good as what they reach: a fixed-seed sample must contain
/// every variant, both option states, each string and integer header class.
#[test]
fn strategies_reach_every_variant_and_header_class() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};

    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let mut seen = String::new();
    let mut bytes = Vec::new();
    for _ in 0..200 {
        let output = support::arb_plugin_output()
            .new_tree(&mut runner)
            .expect("strategy generates")
            .current();
        seen.push_str(&format!("{output:?}"));
        bytes.extend(rmp_serde::to_vec(&output).expect("encodes"));
    }

    let expected = [
        "Keep(",
        "Modify(",
        "Insert(",
        "Delete(",
        "Warning",
        "Error",
        "Transaction(",
        "Balance(",
        "Open(",
        "Close(",
        "Commodity(",
        "Pad(",
        "Event(",
        "Note(",
        "Document(",
        "Price(",
        "Query(",
        "Custom(",
        "PerUnit {",
        "Total {",
        "Compound {",
        "PerUnitFromTotal {",
        "String(",
        "Number(",
        "Date(",
        "Account(",
        "Currency(",
        "Tag(",
        "Link(",
        "Amount(",
        "Bool(",
        "span: Some(",
        "span: None",
        "filename: Some(",
        "filename: None",
        "lineno: Some(",
        "lineno: None",
        "units: None",
        "cost: Some(",
        "price: Some(",
        "payee: None",
        "Café",
        "日本",
        "🦀",
        "[]",
    ];
    let missing: Vec<_> = expected.iter().filter(|s| !seen.contains(**s)).collect();
    assert!(missing.is_empty(), "strategies never produced {missing:?}");

    for (marker, what) in [
        (0xd9, "str8"),
        (0xda, "str16"),
        (0xdc, "array16"),
        (0xcc, "uint8"),
        (0xcd, "uint16"),
        (0xce, "uint32"),
        (0xcf, "uint64"),
    ] {
        assert!(
            bytes.contains(&marker),
            "no {what} marker (0x{marker:02x}) in any encoding"
        );
    }
}
