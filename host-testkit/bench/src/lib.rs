//! Measures and proves rlplugin; not published.
//!
//! - [`wire`]: proptest strategies for every `rlplugin-types` value and field-by-field
//!   conversions to rustledger-plugin-types 0.24, for the wire-compatibility tests of
//!   `rlplugin-types` and `rlplugin`. Always built.
//! - [`fuel`] (feature `measure`): the benchmark guests in `guests/`, built for both SDKs
//!   with the kit's cargo launcher and run through the kit in rustledger's production
//!   sandbox, and what each measurement checks of their answers.
//! - [`budget`] (feature `measure`): the heavy ledgers every example and template plugin
//!   must fit, and the line their budget tests print.
//! - [`figures`] (feature `measure`): the results file the benchmark writes and the README
//!   blocks rendered from it.
//!
//! The binary (`cargo run -p rlplugin-bench`) measures both SDKs and collects the examples'
//! budget figures from their tests, prints the comparison, writes `figures.json` and
//! regenerates the README blocks; the `guests` tests hold the SDK
//! to the committed figures and the `exports` tests check what real builds export.

#[cfg(feature = "measure")]
pub mod budget;
#[cfg(feature = "measure")]
pub mod figures;
#[cfg(feature = "measure")]
pub mod fuel;
pub mod wire;
