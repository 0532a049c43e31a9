//! Benchmark guest: an importer that does not read its statement, only reports its length.
//! Its fuel per statement byte is the SDK's own share (decoding the byte array the host
//! sends); the `importer` guest's extra fuel over it is the author's code. Same source for
//! both SDKs.

use rustledger_plugin_types::{
    DirectiveData, DirectiveWrapper, ImporterInput, ImporterOutput, NoteData, wasm_importer_main,
};

fn identify(path: &str) -> bool {
    path.ends_with(".csv")
}

fn extract(input: ImporterInput) -> ImporterOutput {
    let note = DirectiveWrapper {
        directive_type: String::new(),
        date: "1970-01-01".to_owned(),
        filename: None,
        lineno: None,
        data: DirectiveData::Note(NoteData {
            account: input.account,
            comment: format!("{} bytes", input.content.len()),
            metadata: Vec::new(),
        }),
    };
    ImporterOutput {
        directives: vec![note],
        warnings: Vec::new(),
        errors: Vec::new(),
    }
}

wasm_importer_main! {
    name: "bench-baseline",
    description: "Reports the statement's length",
    identify: identify,
    extract: extract,
}
