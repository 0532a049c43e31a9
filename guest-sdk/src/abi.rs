//! The raw ABI boundary: the only place that turns `(ptr, len)` pairs into slices and packs
//! `(ptr << 32) | len` returns. Pointers are 32-bit only on `wasm32`, so the real
//! implementations exist only there; on other targets the exports still compile (authors
//! unit-test their functions natively) but are never called, and calling them panics.

use rlplugin_types::{ABI_VERSION, ImporterInput, PluginInput};

use crate::guest::{self, IntoEnrichedOutput, IntoImporterOutput, IntoPluginOutput};

/// `alloc` export: `size` writable bytes for the host's input, alignment 1.
///
/// Never returns 0 on failure: the allocator traps instead, because the host would treat 0
/// as a valid offset and overwrite low memory. `alloc(0)` returns a dangling, non-null,
/// well-defined address.
#[must_use]
pub fn alloc(size: u32) -> *mut u8 {
    let block = Vec::<u8>::with_capacity(size as usize).leak().as_mut_ptr();
    // `process` leaves the strings it decodes in place in this block, each `String`
    // pointing at its bytes through the block's exposed provenance
    // (`codec::decode_host_plugin_input`).
    block.expose_provenance();
    block
}

/// `__rustledger_abi_version` export: a constant, so it can never trap.
#[must_use]
pub const fn abi_version() -> u32 {
    ABI_VERSION
}

/// `__rlplugin_panic_info` export: 0, or the packed location of the panic record.
#[must_use]
pub fn panic_info() -> u64 {
    crate::panic::with_record(|record| match record {
        Some(bytes) => pack(address(bytes.as_ptr()), bytes.len()),
        None => 0,
    })
}

/// `__rlplugin_log` export: 0, or the packed location of the log record.
#[cfg(feature = "log")]
#[must_use]
pub fn log_record() -> u64 {
    crate::log::with_record(|record| match record {
        Some(bytes) => pack(address(bytes.as_ptr()), bytes.len()),
        None => 0,
    })
}

/// `process` export.
///
/// # Safety
///
/// `ptr..ptr + len` must be memory the host filled after calling `alloc(len)`.
pub unsafe fn process<F, R>(ptr: u32, len: u32, process: F) -> u64
where
    F: FnOnce(PluginInput) -> R,
    R: IntoPluginOutput,
{
    crate::panic::install_hook();
    // SAFETY: forwarded from the caller.
    let input = unsafe { input(ptr, len) };
    // SAFETY: the host filled the block `alloc` handed it, and reads nothing of it again.
    pack_vec(unsafe { guest::run_host_plugin(input.as_ptr(), input.len(), process) })
}

/// `process` export of a [view](crate::view) plugin.
///
/// # Safety
///
/// `ptr..ptr + len` must be memory the host filled after calling `alloc(len)`.
pub unsafe fn view_process<F, R>(ptr: u32, len: u32, process: F) -> u64
where
    F: FnOnce(crate::view::LedgerView<'_>) -> R,
    R: crate::view::IntoViewOps,
{
    crate::panic::install_hook();
    // SAFETY: forwarded from the caller.
    let input = unsafe { input(ptr, len) };
    pack_vec(guest::run_view_plugin(input, process))
}

/// `metadata` export.
#[must_use]
pub fn metadata(name: String, description: String) -> u64 {
    crate::panic::install_hook();
    pack_vec(guest::run_metadata(name, description))
}

/// `identify` export.
///
/// # Safety
///
/// As for [`process`].
pub unsafe fn identify<F>(ptr: u32, len: u32, identify: F) -> u64
where
    F: FnOnce(&str) -> bool,
{
    crate::panic::install_hook();
    // SAFETY: forwarded from the caller.
    let input = unsafe { input(ptr, len) };
    pack_vec(guest::run_identify(input, identify))
}

/// `extract` export.
///
/// # Safety
///
/// As for [`process`].
pub unsafe fn extract<F, R>(ptr: u32, len: u32, extract: F) -> u64
where
    F: FnOnce(ImporterInput) -> R,
    R: IntoImporterOutput,
{
    crate::panic::install_hook();
    // SAFETY: forwarded from the caller.
    let input = unsafe { input(ptr, len) };
    pack_vec(guest::run_extract(input, extract))
}

/// `extract_enriched` export.
///
/// # Safety
///
/// As for [`process`].
pub unsafe fn extract_enriched<F, R>(ptr: u32, len: u32, extract_enriched: F) -> u64
where
    F: FnOnce(ImporterInput) -> R,
    R: IntoEnrichedOutput,
{
    crate::panic::install_hook();
    // SAFETY: forwarded from the caller.
    let input = unsafe { input(ptr, len) };
    pack_vec(guest::run_extract_enriched(input, extract_enriched))
}

/// Hands an output buffer to the host. Leaking is deliberate: the host reads the bytes
/// after we return and then drops the whole instance. The address is taken first, so a
/// native call, which refuses to pack a pointer, drops the buffer as it unwinds.
pub(crate) fn pack_vec(bytes: Vec<u8>) -> u64 {
    let packed = pack(address(bytes.as_ptr()), bytes.len());
    core::mem::forget(bytes);
    packed
}

// Lengths above u32::MAX cannot exist in a 32-bit memory, so the casts cannot truncate.
#[allow(clippy::cast_possible_truncation)]
const fn pack(ptr: u32, len: usize) -> u64 {
    ((ptr as u64) << 32) | (len as u32 as u64)
}

/// Borrows the host's input.
///
/// # Safety
///
/// As for [`process`].
#[cfg(target_arch = "wasm32")]
pub(crate) unsafe fn input<'a>(ptr: u32, len: u32) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: the caller guarantees the host wrote `len` bytes at `ptr`; wasm32 addresses
    // are plain offsets into the one linear memory, which lives as long as the instance.
    unsafe { core::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
}

#[cfg(target_arch = "wasm32")]
fn address(ptr: *const u8) -> u32 {
    // Exact on wasm32: usize is 32 bits.
    ptr as usize as u32
}

#[cfg(not(target_arch = "wasm32"))]
const NATIVE: &str = "rlplugin exports only run inside a wasm32 host; in native tests call \
                      your own function (e.g. `process(input)`) directly";

#[cfg(not(target_arch = "wasm32"))]
pub(crate) unsafe fn input<'a>(_ptr: u32, _len: u32) -> &'a [u8] {
    panic!("{NATIVE}")
}

#[cfg(not(target_arch = "wasm32"))]
fn address(_ptr: *const u8) -> u32 {
    panic!("{NATIVE}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_puts_pointer_high_and_length_low() {
        assert_eq!(pack(0x10, 3), 0x0000_0010_0000_0003);
        assert_eq!(pack(u32::MAX, 0), 0xffff_ffff_0000_0000);
    }

    #[test]
    fn abi_version_is_one() {
        assert_eq!(abi_version(), 1);
    }

    #[test]
    #[should_panic(expected = "only run inside a wasm32 host")]
    fn exports_refuse_to_pack_native_pointers() {
        let _ = metadata("n".into(), "d".into());
    }
}
