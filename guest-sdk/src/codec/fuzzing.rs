//! The two directive decoders on their own, for the differential fuzz target in
//! `guest-sdk/fuzz`: the plugin-input decoder runs the general decoder only where the fast
//! path declines, so through the public functions the two never read the same bytes.

use core::mem::MaybeUninit;

use rlplugin_types::DirectiveWrapper;

use super::DecodeError;
use super::read::{ErrorSink, Reader};

/// The fast path on the directive at the start of `bytes`: the value and the number of
/// bytes it consumed, or `None` where it declines.
#[must_use]
pub fn fast_directive(bytes: &[u8]) -> Option<(DirectiveWrapper, usize)> {
    let sink = ErrorSink::default();
    let mut reader = Reader::new(bytes, &sink);
    let mut slot = MaybeUninit::uninit();
    if super::fast::directive(&mut reader, &mut slot) {
        // SAFETY: `directive` returned true, so it initialised the slot.
        Some((unsafe { slot.assume_init() }, reader.pos()))
    } else {
        None
    }
}

/// The general decoder alone on the directive at the start of `bytes`: the value and the
/// number of bytes it consumed.
///
/// # Errors
///
/// The first bad value, as the plugin-input decoder would report it.
pub fn general_directive(bytes: &[u8]) -> Result<(DirectiveWrapper, usize), DecodeError> {
    let sink = ErrorSink::default();
    let mut reader = Reader::new(bytes, &sink);
    let mut slot = MaybeUninit::uninit();
    super::decode::wrapper(&mut reader, &mut slot);
    // SAFETY: `wrapper` initialises the slot whether or not decoding succeeds.
    let directive = unsafe { slot.assume_init() };
    let end = reader.pos();
    reader.finish((directive, end))
}
