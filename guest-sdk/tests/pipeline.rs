//! The steps behind the macros, over bytes as the production host writes and reads them
//! (`rmp_serde` with rustledger-plugin-types 0.24's own types).

use rlplugin::guest::{run_extract, run_extract_enriched, run_identify, run_metadata, run_plugin};
use rlplugin::*;
use rustledger_plugin_types as upstream;

fn transaction(date: &str, number: &str) -> DirectiveWrapper {
    DirectiveWrapper {
        directive_type: String::new(),
        date: date.into(),
        filename: Some("/books/main.beancount".into()),
        lineno: Some(7),
        data: DirectiveData::Transaction(TransactionData {
            flag: "*".into(),
            payee: None,
            narration: "coffee".into(),
            tags: vec![],
            links: vec![],
            metadata: vec![],
            postings: vec![PostingData {
                account: "Expenses:Food".into(),
                units: Some(AmountData::new(number, "EUR")),
                cost: None,
                price: None,
                flag: None,
                metadata: vec![],
                span: None,
            }],
        }),
    }
}

/// Host-side bytes: our types encode byte-identically to upstream's (the codec suite proves
/// it), and the result is checked to decode as upstream's input type.
fn host_input(directives: Vec<DirectiveWrapper>, config: Option<&str>) -> Vec<u8> {
    let input = PluginInput {
        directives,
        options: PluginOptions::default(),
        config: config.map(str::to_owned),
    };
    let bytes = rmp_serde::to_vec(&input).unwrap();
    let _: upstream::PluginInput = rmp_serde::from_slice(&bytes).expect("upstream reads it");
    bytes
}

/// Decodes guest output the way the host does, then back into our types for assertions.
fn host_output(bytes: &[u8]) -> PluginOutput {
    let upstream: upstream::PluginOutput = rmp_serde::from_slice(bytes).expect("host decodes");
    rmp_serde::from_slice(&rmp_serde::to_vec(&upstream).unwrap()).unwrap()
}

#[test]
fn err_keeps_every_directive_and_reports_the_message() {
    let input = host_input(vec![transaction("2024-01-02", "3.50"); 3], Some("x"));
    let output = host_output(&run_plugin(&input, |input: PluginInput| {
        Err::<PluginOutput, _>(format!("cannot use config {:?}", input.config.unwrap()))
    }));
    assert_eq!(
        output.ops,
        [PluginOp::Keep(0), PluginOp::Keep(1), PluginOp::Keep(2)]
    );
    assert_eq!(
        output.errors,
        [PluginError::error("cannot use config \"x\"")]
    );
}

#[test]
fn invalid_modify_is_kept_and_invalid_insert_dropped_with_located_errors() {
    let input = host_input(vec![transaction("2024-01-02", "3.50"); 2], None);
    let output = host_output(&run_plugin(&input, |input: PluginInput| {
        let mut ops = Ops::new(input.directives.len());
        ops.modify(0, transaction("2024-01-02", "1e3")).unwrap();
        ops.modify(1, transaction("2024-01-02", "4.00")).unwrap();
        ops.push(transaction("2024-13-01", "1"));
        ops.finish()
    }));
    assert_eq!(
        output.ops,
        [
            PluginOp::Keep(0),
            PluginOp::Modify(1, transaction("2024-01-02", "4.00"))
        ]
    );
    assert_eq!(output.errors.len(), 2);
    assert_eq!(
        output.errors[0].to_string(),
        "/books/main.beancount:7: error: invalid modification of transaction dated 2024-01-02: \
         postings[0].units.number: \"1e3\" is not a plain decimal number; write plain decimal \
         text such as \"-12.50\"; the original directive was kept"
    );
    assert!(output.errors[1].message.starts_with(
        "invalid inserted transaction dated 2024-13-01: date: \"2024-13-01\" is not a calendar date"
    ));
    upstream::validate_op_coverage(
        2,
        &rmp_serde::from_slice::<upstream::PluginOutput>(&rmp_serde::to_vec(&output).unwrap())
            .unwrap()
            .ops,
    )
    .unwrap();
}

#[test]
fn undecodable_input_keeps_the_announced_directives() {
    let mut input = host_input(vec![transaction("2024-01-02", "3.50"); 2], None);
    // Corrupt the second directive's map header: the count is still readable.
    let cut = input.len() / 2;
    input.truncate(cut);
    let output = host_output(&run_plugin(&input, |_: PluginInput| -> PluginOutput {
        panic!("process must not run on undecodable input")
    }));
    assert_eq!(output.ops, [PluginOp::Keep(0), PluginOp::Keep(1)]);
    let message = &output.errors[0].message;
    assert!(
        message.starts_with("cannot decode the plugin input (input byte "),
        "{message}"
    );
    assert!(
        message.contains("all 2 directives were kept unchanged"),
        "{message}"
    );

    let output = host_output(&run_plugin(b"\xc0", |_: PluginInput| -> PluginOutput {
        unreachable!()
    }));
    assert!(output.ops.is_empty());
    assert!(
        output.errors[0]
            .message
            .contains("the ledger was left unchanged")
    );
}

#[test]
fn importer_steps_round_trip_through_the_hosts_decoder() {
    let metadata: upstream::MetadataOutput =
        rmp_serde::from_slice(&run_metadata("bank".into(), "Bank CSV".into())).unwrap();
    assert_eq!(
        (metadata.name.as_str(), metadata.description.as_str()),
        ("bank", "Bank CSV")
    );

    let identify = rmp_serde::to_vec(&upstream::IdentifyInput {
        path: "a.csv".into(),
    })
    .unwrap();
    let answer: upstream::IdentifyOutput =
        rmp_serde::from_slice(&run_identify(&identify, |path| path.ends_with(".csv"))).unwrap();
    assert!(answer.matches);

    let input = rmp_serde::to_vec(&upstream::ImporterInput {
        path: "a.csv".into(),
        content: b"2024-01-02,3.50\n2024-02-30,1\n".to_vec(),
        account: "Assets:Bank".into(),
        currency: Some("EUR".into()),
        options: Default::default(),
    })
    .unwrap();
    let extract = |input: ImporterInput| -> Result<ImporterOutput, String> {
        let text = String::from_utf8(input.content).map_err(|e| e.to_string())?;
        let directives = text
            .lines()
            .map(|line| {
                let (date, number) = line.split_once(',').ok_or("no comma")?;
                Ok(transaction(date, number))
            })
            .collect::<Result<Vec<_>, &str>>()?;
        Ok(ImporterOutput::new(directives))
    };
    let output: upstream::ImporterOutput =
        rmp_serde::from_slice(&run_extract(&input, extract)).unwrap();
    assert_eq!(output.directives.len(), 1, "the 2024-02-30 row is dropped");
    assert_eq!(output.errors.len(), 1);
    assert!(
        output.errors[0]
            .message
            .starts_with("invalid imported transaction dated 2024-02-30")
    );

    let enriched: upstream::EnrichedImporterOutput =
        rmp_serde::from_slice(&run_extract_enriched(&input, |input| {
            rlplugin::guest::default_enriched_from(extract(input).unwrap())
        }))
        .unwrap();
    assert_eq!(enriched.entries.len(), 1);
    assert_eq!(enriched.entries[0].1.directive_index, 0);
    assert_eq!(enriched.entries[0].1.method, "default");

    let failed: upstream::ImporterOutput = rmp_serde::from_slice(&run_extract(&input, |_| {
        Err::<ImporterOutput, _>("unsupported bank")
    }))
    .unwrap();
    assert!(failed.directives.is_empty());
    assert_eq!(failed.errors[0].message, "unsupported bank");

    let garbage: upstream::ImporterOutput =
        rmp_serde::from_slice(&run_extract(b"\x95\xc1", |_| ImporterOutput::empty())).unwrap();
    assert!(
        garbage.errors[0]
            .message
            .starts_with("cannot decode the importer input")
    );
}
