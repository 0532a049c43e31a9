use rlplugin::{wasm_importer_main, ImporterInput, ImporterOutput};

fn identify(path: &str) -> bool {
    path.ends_with(".csv")
}

fn extract(_input: ImporterInput) -> ImporterOutput {
    ImporterOutput::empty()
}

mod unknown {
    use super::*;

    wasm_importer_main! {
        name: "bank",
        description: "bank",
        identify: identify,
        extract: extract,
        enrich: extract,
    }
}

mod duplicate {
    use super::*;

    wasm_importer_main! {
        name: "bank",
        name: "bank again",
        description: "bank",
        identify: identify,
        extract: extract,
    }
}

fn main() {}
