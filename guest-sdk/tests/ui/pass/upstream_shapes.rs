//! Every shape rustledger-plugin-types 0.24's macros accept, plus `Result` returns.

mod plugin_fn {
    use rlplugin::{wasm_plugin_main, PluginInput, PluginOutput};

    fn process(input: PluginInput) -> PluginOutput {
        PluginOutput::passthrough(input.directives.len())
    }

    wasm_plugin_main! { process: process }
}

mod plugin_closure {
    rlplugin::wasm_plugin_main! {
        process: |input: rlplugin::PluginInput| rlplugin::PluginOutput::passthrough(input.directives.len()),
    }
}

mod plugin_result {
    use rlplugin::{wasm_plugin_main, PluginInput, PluginOutput};

    fn process(input: PluginInput) -> Result<PluginOutput, std::num::ParseIntError> {
        let limit: usize = input.config.as_deref().unwrap_or("0").parse()?;
        Ok(PluginOutput::passthrough(input.directives.len().min(limit)))
    }

    wasm_plugin_main! { process: process }
}

mod importer_short {
    use rlplugin::{wasm_importer_main, ImporterInput, ImporterOutput};

    const NAME: &str = "short";

    fn identify(path: &str) -> bool {
        path.ends_with(".csv")
    }

    fn extract(_input: ImporterInput) -> ImporterOutput {
        ImporterOutput::empty()
    }

    wasm_importer_main! {
        name: NAME,
        description: String::from("built at run time"),
        identify: identify,
        extract: extract,
    }
}

mod importer_full {
    use rlplugin::{wasm_importer_main, EnrichedImporterOutput, ImporterInput, ImporterOutput};

    wasm_importer_main! {
        name: "full",
        description: "every callback a closure",
        identify: |path: &str| !path.is_empty(),
        extract: |_input: ImporterInput| Err::<ImporterOutput, _>("not yet"),
        extract_enriched: |_input: ImporterInput| EnrichedImporterOutput {
            entries: vec![],
            warnings: vec![],
            errors: vec![],
        },
    }
}

fn main() {}
