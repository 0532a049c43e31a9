use rlplugin::{wasm_importer_main, DirectiveWrapper, ImporterInput};

fn identify(path: &str) -> bool {
    path.ends_with(".csv")
}

fn extract(_input: ImporterInput) -> Vec<DirectiveWrapper> {
    Vec::new()
}

wasm_importer_main! {
    name: "bank",
    description: "bank",
    identify: identify,
    extract: extract,
}

fn main() {}
