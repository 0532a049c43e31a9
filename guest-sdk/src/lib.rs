//! Placeholder until the guest SDK lands (macros: see src/macros.rs, owned by the SDK work).

#[doc(hidden)]
pub mod codec;

mod arena;

pub use rlplugin_types::*;
