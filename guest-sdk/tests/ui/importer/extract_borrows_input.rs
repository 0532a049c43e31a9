use rlplugin::{wasm_importer_main, ImporterInput, ImporterOutput};

fn identify(path: &str) -> bool {
    path.ends_with(".csv")
}

fn extract(_input: &ImporterInput) -> ImporterOutput {
    ImporterOutput::empty()
}

wasm_importer_main! {
    name: "bank",
    description: "bank",
    identify: identify,
    extract: extract,
}

fn main() {}
