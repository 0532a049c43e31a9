//! Writes seed inputs for the guest codec's fuzz targets (`guest-sdk/fuzz`): plugin inputs
//! of synthetic ledgers exactly as rustledger sends them, each directive of those inputs on
//! its own (followed by the options and config that come after the last directive in a real
//! input), and the golden vectors of `plugin-types/tests/golden`.
//!
//! ```text
//! cargo run -p rlplugin-testkit --example fuzz_seeds -- guest-sdk/fuzz/seeds
//! ```
//!
//! Seeds are named by content hash, as libFuzzer names corpus entries, so rerunning adds
//! nothing new. The fuzz targets' README (`guest-sdk/FUZZING.md`) says how they become the
//! committed corpus.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rlplugin_testkit::{Guest, synthetic, wire};

/// Synthetic ledgers small enough to mutate quickly, varied by seed.
const LEDGERS: &[(usize, u64)] = &[(8, 1), (24, 2), (60, 3)];

/// Directives of one kind kept as single-directive seeds.
const PER_KIND: usize = 4;

fn main() -> Result<()> {
    let out = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .context("usage: fuzz_seeds <output directory>")?,
    );
    // A module with nothing but a memory: enough to have the kit build an input.
    let wasm = b"\0asm\x01\0\0\0\x05\x03\x01\0\x01\x07\x0a\x01\x06memory\x02\0";
    let guest = Guest::from_bytes("inert", wasm.to_vec())?;
    let mut per_kind = HashMap::new();
    for &(directives, seed) in LEDGERS {
        let ledger = synthetic::ledger_with_seed(directives, seed);
        let bytes = guest
            .plugin()
            .ledger(ledger)
            .config("tag=fuzz")
            .input_bytes()?;
        write(&out.join("plugin_input"), &bytes)?;
        let input: wire::PluginInput = rmp_serde::from_slice(&bytes)?;
        let mut tail = rmp_serde::to_vec(&input.options)?;
        tail.extend(rmp_serde::to_vec(&input.config)?);
        for directive in &input.directives {
            let seen: &mut usize = per_kind
                .entry(std::mem::discriminant(&directive.data))
                .or_default();
            if *seen == PER_KIND {
                continue;
            }
            *seen += 1;
            let mut bytes = rmp_serde::to_vec(directive)?;
            bytes.extend_from_slice(&tail);
            write(&out.join("fast_path"), &bytes)?;
        }
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugin-types/tests/golden");
    for entry in std::fs::read_dir(&golden)? {
        let path = entry?.path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let target = match name {
            n if n.starts_with("plugin_input") => "plugin_input",
            n if n.starts_with("importer_input") || n.starts_with("identify_input") => {
                "importer_input"
            }
            n if n.ends_with("_wrapper_with_location")
                || n.ends_with("_wrapper_without_location") =>
            {
                "fast_path"
            }
            _ => continue,
        };
        write(&out.join(target), &golden_bytes(&path)?)?;
    }
    Ok(())
}

/// The bytes of a golden vector: hex pairs, `#` lines are comments.
fn golden_bytes(path: &Path) -> Result<Vec<u8>> {
    let text = std::fs::read_to_string(path)?;
    let digits: String = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(|line| line.split_whitespace())
        .collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .with_context(|| format!("{}: not hex", path.display()))
        })
        .collect()
}

fn write(dir: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("seed-{:016x}", fnv1a(bytes)));
    std::fs::write(&path, bytes).with_context(|| path.display().to_string())
}

/// A stable content hash for file names (std's hasher is randomly seeded).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
