//! The fast path against the general decoder on the same bytes: where the fast path takes a
//! directive, the general decoder alone must read the same value and stop at the same byte;
//! the fast path may always decline.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rlplugin::codec::fuzzing::{fast_directive, general_directive};
use rlplugin_fuzz::{check_error, same};

fuzz_target!(|bytes: &[u8]| {
    let general = general_directive(bytes);
    if let Err(error) = &general {
        check_error(error, bytes);
    }
    if let Some((fast, fast_end)) = fast_directive(bytes) {
        let (general, general_end) = match general {
            Ok(decoded) => decoded,
            Err(error) => panic!("the fast path took {fast:#?}, the general decoder: {error}"),
        };
        same(&fast, &general);
        assert_eq!(
            fast_end, general_end,
            "the decoders stop at different bytes"
        );
    }
});
