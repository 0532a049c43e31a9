use rlplugin::{wasm_importer_main, ImporterInput, ImporterOutput};

fn extract(_input: ImporterInput) -> ImporterOutput {
    ImporterOutput::empty()
}

wasm_importer_main! {
    name: "bank",
    description: "bank",
    extract: extract,
}

fn main() {}
