//! The guest's fast codec against the wire the production host speaks: what
//! `rmp_serde::to_vec` of rustledger-plugin-types 0.24 writes, we decode to the same value;
//! what we encode is byte for byte what it writes. Plus tolerance (input from a newer or
//! older host) and hostile input (never a panic, never a huge allocation).

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rlplugin::codec;
use rlplugin_bench::wire as support;
use rlplugin_types as ours;
use support::WireNormalized;

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn upstream_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    rmp_serde::to_vec(value).expect("upstream types always encode")
}

/// Decoded values are compared through `Debug`, which, unlike `PartialEq`, includes
/// `filename`, `lineno` and posting spans.
fn same<T: core::fmt::Debug>(decoded: &T, expected: &T) -> Result<(), TestCaseError> {
    prop_assert_eq!(format!("{decoded:#?}"), format!("{expected:#?}"));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decodes_any_plugin_input_upstream_encodes(input in support::arb_plugin_input()) {
        let bytes = upstream_bytes(&support::to_upstream_input(&input));
        let decoded = codec::decode_plugin_input(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        same(&decoded, &input.wire_normalized())?;
        prop_assert_eq!(codec::count_input_directives(&bytes), Some(input.directives.len()));
    }

    #[test]
    fn decodes_any_importer_input_upstream_encodes(input in support::arb_importer_input_many_options()) {
        let bytes = upstream_bytes(&support::to_upstream_importer_input(&input));
        let decoded = codec::decode_importer_input(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(decoded, input);
    }

    #[test]
    fn decodes_text_statements_of_any_length(
        text in "[ -~\n]{0,300}",
        high in proptest::collection::vec((128u8..=255, any::<prop::sample::Index>()), 0..6),
    ) {
        // Long ASCII runs take the 32- and eight-at-a-time paths; high bytes, alone or
        // adjacent, break them up.
        let mut content = text.into_bytes();
        for (byte, at) in high {
            content.insert(at.index(content.len() + 1), byte);
        }
        let input = ours::ImporterInput {
            path: "s.csv".into(),
            content,
            account: "Assets:Bank".into(),
            currency: None,
            options: Default::default(),
        };
        let bytes = upstream_bytes(&support::to_upstream_importer_input(&input));
        prop_assert_eq!(codec::decode_importer_input(&bytes).unwrap(), input);
    }

    #[test]
    fn decodes_any_identify_input_upstream_encodes(input in support::arb_identify_input()) {
        let bytes = upstream_bytes(&support::to_upstream_identify_input(&input));
        prop_assert_eq!(codec::decode_identify_input(&bytes).unwrap(), input);
    }

    #[test]
    fn encodes_plugin_output_as_upstream_does(output in support::arb_plugin_output()) {
        prop_assert_eq!(
            hex(&codec::encode_plugin_output(&output)),
            hex(&upstream_bytes(&support::to_upstream_output(&output)))
        );
    }

    #[test]
    fn encodes_importer_output_as_upstream_does(output in support::arb_importer_output()) {
        prop_assert_eq!(
            hex(&codec::encode_importer_output(&output)),
            hex(&upstream_bytes(&support::to_upstream_importer_output(&output)))
        );
    }

    #[test]
    fn encodes_enriched_output_as_upstream_does(output in support::arb_enriched_output()) {
        prop_assert_eq!(
            hex(&codec::encode_enriched_output(&output)),
            hex(&upstream_bytes(&support::to_upstream_enriched_output(&output)))
        );
    }

    #[test]
    fn encodes_metadata_and_identify_output_as_upstream_does(
        metadata in support::arb_metadata_output(),
        identify in support::arb_identify_output(),
    ) {
        prop_assert_eq!(
            codec::encode_metadata_output(&metadata),
            upstream_bytes(&support::to_upstream_metadata_output(&metadata))
        );
        prop_assert_eq!(
            codec::encode_identify_output(&identify),
            upstream_bytes(&support::to_upstream_identify_output(&identify))
        );
    }

    /// Input from a host that writes every header and integer in its widest form and the
    /// directive keys in another order, with keys this version does not know, still decodes.
    #[test]
    fn tolerates_wide_markers_reordered_and_unknown_keys(
        input in support::arb_plugin_input(),
        seed in any::<u64>(),
    ) {
        let mut value = msgpack::parse(&upstream_bytes(&support::to_upstream_input(&input)));
        let mut rng = seed;
        value.visit_maps(&mut |entries| {
            entries.push((msgpack::Value::str("zz_future"), msgpack::Value::Array(vec![msgpack::Value::Uint(1), msgpack::Value::Nil])));
            // A deterministic shuffle, so `type` often comes after the kind's own keys.
            for i in (1..entries.len()).rev() {
                rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                entries.swap(i, (rng >> 33) as usize % (i + 1));
            }
        });
        let decoded = codec::decode_plugin_input(&value.to_bytes(true)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        same(&decoded, &input.wire_normalized())?;
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..config() })]

    /// Whatever the bytes, decoding returns; every strict prefix of a valid input is an error.
    #[test]
    fn never_panics_on_random_or_truncated_input(
        input in support::arb_plugin_input(),
        noise in proptest::collection::vec(any::<u8>(), 0..64),
        flip in any::<prop::sample::Index>(),
    ) {
        let bytes = upstream_bytes(&support::to_upstream_input(&input));
        for cut in cuts(bytes.len()) {
            prop_assert!(codec::decode_plugin_input(&bytes[..cut]).is_err(), "prefix of {} bytes decoded", cut);
        }
        let _ = codec::decode_plugin_input(&noise);
        let _ = codec::decode_importer_input(&noise);
        let _ = codec::decode_identify_input(&noise);
        let _ = codec::count_input_directives(&noise);
        let mut corrupted = bytes.clone();
        let at = flip.index(corrupted.len());
        corrupted[at] ^= 0xa5;
        let _ = codec::decode_plugin_input(&corrupted);
        let importer = upstream_bytes(&support::to_upstream_importer_input(&ours::ImporterInput {
            path: "p".into(),
            content: noise.clone(),
            account: "a".into(),
            currency: None,
            options: Default::default(),
        }));
        for cut in cuts(importer.len()) {
            prop_assert!(codec::decode_importer_input(&importer[..cut]).is_err());
        }
    }
}

/// Up to 300 strict prefix lengths of a `len`-byte input, evenly spread, so the test stays
/// linear in the input's size.
fn cuts(len: usize) -> impl Iterator<Item = usize> {
    let step = len.div_ceil(300).max(1);
    (0..len).step_by(step).chain(len.checked_sub(1))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One value of every nested type, for targeted tolerance tests.
fn rich_input() -> ours::PluginInput {
    use ours::*;
    let meta = vec![
        (
            "a".to_owned(),
            MetaValueData::Amount(AmountData::new("1", "USD")),
        ),
        ("b".to_owned(), MetaValueData::Bool(true)),
    ];
    PluginInput {
        directives: vec![DirectiveWrapper {
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
                metadata: meta.clone(),
                postings: vec![PostingData {
                    account: "Assets:Broker".into(),
                    units: Some(AmountData::new("10", "AAPL")),
                    cost: Some(CostData {
                        number: Some(CostNumberData::PerUnitFromTotal {
                            per_unit: "150".into(),
                            total: "1500".into(),
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
                    metadata: meta,
                    span: Some(SourceSpan {
                        start: 120,
                        end: 70_000,
                        file_id: 0,
                    }),
                }],
            }),
        }],
        options: PluginOptions {
            operating_currencies: vec!["USD".into()],
            title: None,
            account_types: PluginAccountTypes {
                expenses: "Depenses".into(),
                ..PluginAccountTypes::default()
            },
        },
        config: Some("threshold=100".into()),
    }
}

fn rich_tree() -> msgpack::Value {
    msgpack::parse(&upstream_bytes(&support::to_upstream_input(&rich_input())))
}

fn decode(value: &msgpack::Value) -> ours::PluginInput {
    codec::decode_plugin_input(&value.to_bytes(false)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn skips_extra_trailing_elements_of_every_positional_struct() {
    use msgpack::Value;
    let mut tree = rich_tree();
    let future = || {
        Value::Array(vec![
            Value::str("future"),
            Value::Map(vec![(Value::Uint(1), Value::Nil)]),
        ])
    };
    {
        let input = tree.array_mut();
        let options = input[1].array_mut();
        options[2].array_mut().push(future());
        options.push(future());
        let posting = &mut input[0].array_mut()[0].entry_mut("postings").array_mut()[0];
        let fields = posting.array_mut();
        fields[1].array_mut().push(future());
        let cost = fields[2].array_mut();
        cost[0].array_mut().push(future());
        cost.push(future());
        fields[3].array_mut().push(future());
        let pair = fields[5].array_mut()[0].array_mut();
        pair[1].array_mut().push(future());
        pair.push(future());
        fields[6].array_mut().push(future());
        fields.push(future());
        input.push(future());
    }
    let decoded = decode(&tree);
    assert_eq!(format!("{decoded:?}"), format!("{:?}", rich_input()));
}

#[test]
fn defaults_missing_span_account_types_and_config() {
    let mut tree = rich_tree();
    {
        let input = tree.array_mut();
        input[1].array_mut().pop();
        input[0].array_mut()[0].entry_mut("postings").array_mut()[0]
            .array_mut()
            .pop();
        input.pop();
    }
    let decoded = decode(&tree);
    let mut expected = rich_input();
    expected.options.account_types = ours::PluginAccountTypes::default();
    expected.config = None;
    let ours::DirectiveData::Transaction(t) = &mut expected.directives[0].data else {
        unreachable!()
    };
    t.postings[0].span = None;
    assert_eq!(format!("{decoded:?}"), format!("{expected:?}"));
}

#[test]
fn accepts_directive_type_key_bin_content_and_nil_location() {
    use msgpack::Value;
    let mut tree = rich_tree();
    {
        let wrapper = &mut tree.array_mut()[0].array_mut()[0];
        let Value::Map(entries) = wrapper else {
            unreachable!()
        };
        entries.push((Value::str("directive_type"), Value::str("transaction")));
        *wrapper.entry_mut("lineno") = Value::Nil;
        *wrapper.entry_mut("filename") = Value::Nil;
    }
    let decoded = decode(&tree);
    assert_eq!(decoded.directives[0].directive_type, "transaction");
    assert_eq!(decoded.directives[0].lineno, None);
    assert_eq!(decoded.directives[0].filename, None);

    // Statement bytes given as bin or str instead of an integer array.
    for content in [&b"\xc4\x03a\xffc"[..], b"\xa3abc"] {
        let mut bytes = b"\x95\xa1p".to_vec();
        bytes.extend_from_slice(content);
        bytes.extend_from_slice(b"\xa1a\xc0\x80");
        let input = codec::decode_importer_input(&bytes).unwrap();
        assert_eq!(input.content, &content[content.len() - 3..]);
    }
    // Byte values in wider int encodings than rmp-serde's, after a fast-path prefix.
    let bytes = b"\x95\xa1p\x94a\xcc\xff\xcd\x00\x41\xd0\x62\xa1a\xc0\x80";
    let input = codec::decode_importer_input(bytes).unwrap();
    assert_eq!(input.content, b"a\xffAb");
    let error = codec::decode_importer_input(b"\x95\xa1p\x92a\xcd\x01\x00\xa1a\xc0\x80")
        .unwrap_err()
        .to_string();
    assert!(error.contains("byte value"), "{error}");
}

#[test]
fn reports_what_was_expected_where() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "input byte 0: expected plugin input (an array of 3), found the end of the input"),
        (b"\x93\x91\xc0", "input byte 2: expected a directive (a map), found nil (0xc0)"),
        (b"\x93\x91\x81\xa4date\xa11", "input byte 2: expected a directive with a `type` key, found a map without one"),
        (
            b"\x93\x91\x82\xa4date\xa11\xa4type\xa3foo",
            "input byte 15: expected a directive type (a string such as \"transaction\"), found the unknown directive type \"foo\"",
        ),
        (
            b"\x93\x91\x82\xa4date\xa11\xa4type\xa5close",
            "input byte 2: expected a directive with every required key, found a close without `account`",
        ),
        (b"\x93\x90\x91\x90", "input byte 2: expected plugin options (an array of 3), found an array of only 1 elements"),
        (
            b"\x93\x91\x83\xa4date\xa11\xa6lineno\xcf\x00\x00\x00\x01\x00\x00\x00\x00\xa4type\xa5close",
            "input byte 17: expected a line number (an integer), found the integer 4294967296, which is too large",
        ),
    ];
    for (bytes, message) in cases {
        assert_eq!(
            codec::decode_plugin_input(bytes).unwrap_err().to_string(),
            *message
        );
    }
}

#[test]
fn hostile_headers_fail_without_allocating_their_claim() {
    // Four billion directives, postings, bytes or skipped values claimed by a few bytes.
    let inputs: &[&[u8]] = &[
        b"\x93\xdd\xff\xff\xff\xff\x80",
        b"\x93\x91\x83\xa4date\xa11\xa4type\xabtransaction\xa8postings\xdd\xff\xff\xff\xff",
        b"\x93\x91\x82\xa4date\xa11\xa3zzz\xdf\xff\xff\xff\xff",
        b"\x94\x90\x92\x90\xc0\xc0\xdd\xff\xff\xff\xff",
    ];
    for bytes in inputs {
        assert!(codec::decode_plugin_input(bytes).is_err());
    }
    assert!(codec::decode_importer_input(b"\x95\xa1p\xdd\xff\xff\xff\xff\x01").is_err());
    assert!(codec::decode_importer_input(b"\x95\xa1p\xc6\xff\xff\xff\xff\x01").is_err());
    // Not a count to answer `passthrough` for: the rest of the input holds no directive.
    assert_eq!(
        codec::count_input_directives(b"\x93\xdd\xff\xff\xff\xff"),
        None
    );
}

/// A minimal MessagePack tree, enough to rewrite what upstream encodes.
mod msgpack {
    pub type Entries = Vec<(Value, Value)>;

    #[derive(Clone, Debug)]
    pub enum Value {
        Nil,
        Bool(bool),
        Uint(u64),
        F64(u64),
        Str(Vec<u8>),
        Bin(Vec<u8>),
        Array(Vec<Value>),
        Map(Vec<(Value, Value)>),
    }

    impl Value {
        pub fn str(s: &str) -> Self {
            Self::Str(s.as_bytes().to_vec())
        }

        pub fn array_mut(&mut self) -> &mut Vec<Value> {
            match self {
                Self::Array(items) => items,
                other => panic!("not an array: {other:?}"),
            }
        }

        pub fn entry_mut(&mut self, key: &str) -> &mut Value {
            match self {
                Self::Map(entries) => entries
                    .iter_mut()
                    .find(|(k, _)| matches!(k, Self::Str(s) if s == key.as_bytes()))
                    .map(|(_, v)| v)
                    .unwrap_or_else(|| panic!("no key {key}")),
                other => panic!("not a map: {other:?}"),
            }
        }

        pub fn visit_maps(&mut self, f: &mut dyn FnMut(&mut Entries)) {
            match self {
                Self::Array(items) => items.iter_mut().for_each(|v| v.visit_maps(f)),
                Self::Map(entries) => {
                    for (_, v) in entries.iter_mut() {
                        v.visit_maps(f);
                    }
                    f(entries);
                }
                _ => {}
            }
        }

        /// Smallest headers (as rmp-serde writes) or, with `wide`, the 32-bit forms and
        /// `uint64` for every integer.
        pub fn to_bytes(&self, wide: bool) -> Vec<u8> {
            let mut out = Vec::new();
            self.write(&mut out, wide);
            out
        }

        fn write(&self, out: &mut Vec<u8>, wide: bool) {
            let header = |out: &mut Vec<u8>,
                          len: usize,
                          fix: u8,
                          fix_max: usize,
                          m8: Option<u8>,
                          m16: u8,
                          m32: u8| {
                if wide {
                    out.push(m32);
                    out.extend_from_slice(&(len as u32).to_be_bytes());
                } else if len < fix_max {
                    out.push(fix | len as u8);
                } else if let (Some(m8), Ok(len)) = (m8, u8::try_from(len)) {
                    out.extend_from_slice(&[m8, len]);
                } else if let Ok(len) = u16::try_from(len) {
                    out.push(m16);
                    out.extend_from_slice(&len.to_be_bytes());
                } else {
                    out.push(m32);
                    out.extend_from_slice(&(len as u32).to_be_bytes());
                }
            };
            match self {
                Self::Nil => out.push(0xc0),
                Self::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
                Self::Uint(v) if wide => {
                    out.push(0xcf);
                    out.extend_from_slice(&v.to_be_bytes());
                }
                Self::Uint(v) => match *v {
                    0..=0x7f => out.push(*v as u8),
                    0x80..=0xff => out.extend_from_slice(&[0xcc, *v as u8]),
                    0x100..=0xffff => {
                        out.push(0xcd);
                        out.extend_from_slice(&(*v as u16).to_be_bytes());
                    }
                    0x1_0000..=0xffff_ffff => {
                        out.push(0xce);
                        out.extend_from_slice(&(*v as u32).to_be_bytes());
                    }
                    _ => {
                        out.push(0xcf);
                        out.extend_from_slice(&v.to_be_bytes());
                    }
                },
                Self::F64(bits) => {
                    out.push(0xcb);
                    out.extend_from_slice(&bits.to_be_bytes());
                }
                Self::Str(s) => {
                    header(out, s.len(), 0xa0, 32, Some(0xd9), 0xda, 0xdb);
                    out.extend_from_slice(s);
                }
                Self::Bin(b) => {
                    header(out, b.len(), 0xc4, 0, Some(0xc4), 0xc5, 0xc6);
                    out.extend_from_slice(b);
                }
                Self::Array(items) => {
                    header(out, items.len(), 0x90, 16, None, 0xdc, 0xdd);
                    items.iter().for_each(|v| v.write(out, wide));
                }
                Self::Map(entries) => {
                    header(out, entries.len(), 0x80, 16, None, 0xde, 0xdf);
                    for (k, v) in entries {
                        k.write(out, wide);
                        v.write(out, wide);
                    }
                }
            }
        }
    }

    /// Parses one value; panics on anything rmp-serde does not write (test input only).
    pub fn parse(bytes: &[u8]) -> Value {
        let mut pos = 0;
        let value = read(bytes, &mut pos);
        assert_eq!(pos, bytes.len(), "trailing bytes");
        let again = value.to_bytes(false);
        assert_eq!(
            again, bytes,
            "the test's writer must reproduce rmp-serde's bytes"
        );
        value
    }

    fn take<'a>(b: &'a [u8], pos: &mut usize, n: usize) -> &'a [u8] {
        let s = &b[*pos..*pos + n];
        *pos += n;
        s
    }

    fn be(b: &[u8], pos: &mut usize, n: usize) -> u64 {
        take(b, pos, n)
            .iter()
            .fold(0, |acc, &x| (acc << 8) | u64::from(x))
    }

    fn read(b: &[u8], pos: &mut usize) -> Value {
        let m = take(b, pos, 1)[0];
        match m {
            0x00..=0x7f => Value::Uint(u64::from(m)),
            0xcc => Value::Uint(be(b, pos, 1)),
            0xcd => Value::Uint(be(b, pos, 2)),
            0xce => Value::Uint(be(b, pos, 4)),
            0xcf => Value::Uint(be(b, pos, 8)),
            0xc0 => Value::Nil,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xcb => Value::F64(be(b, pos, 8)),
            0xa0..=0xbf | 0xd9..=0xdb | 0xc4..=0xc6 => {
                let len = match m {
                    0xa0..=0xbf => usize::from(m & 0x1f),
                    0xd9 | 0xc4 => be(b, pos, 1) as usize,
                    0xda | 0xc5 => be(b, pos, 2) as usize,
                    _ => be(b, pos, 4) as usize,
                };
                let data = take(b, pos, len).to_vec();
                if (0xc4..=0xc6).contains(&m) {
                    Value::Bin(data)
                } else {
                    Value::Str(data)
                }
            }
            0x90..=0x9f | 0xdc | 0xdd => {
                let len = match m {
                    0xdc => be(b, pos, 2) as usize,
                    0xdd => be(b, pos, 4) as usize,
                    _ => usize::from(m & 0x0f),
                };
                Value::Array((0..len).map(|_| read(b, pos)).collect())
            }
            0x80..=0x8f | 0xde | 0xdf => {
                let len = match m {
                    0xde => be(b, pos, 2) as usize,
                    0xdf => be(b, pos, 4) as usize,
                    _ => usize::from(m & 0x0f),
                };
                Value::Map((0..len).map(|_| (read(b, pos), read(b, pos))).collect())
            }
            other => panic!("marker 0x{other:02x} is not written by rmp-serde"),
        }
    }
}
