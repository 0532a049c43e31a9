//! Per-call bump allocator, the global allocator of wasm32 guests (cargo feature `arena`,
//! on by default).
//!
//! rustledger instantiates the module afresh for every call and drops it afterwards, so
//! nothing a guest allocates needs to be reused: allocation is a pointer bump, growing the
//! most recent block (a `Vec` or `String` being filled, the output buffer) happens in place,
//! and freeing does nothing at all. That last point matters more than it seems: with an
//! empty `dealloc`, link-time optimisation deletes the drop glue that would otherwise walk
//! every string of the decoded input and the output, for every directive. The
//! general-purpose allocator spends more fuel per directive on bookkeeping this never needs
//! than the rest of a simple plugin's work.
//!
//! Since nothing is ever freed or reused, any part of a block is as good as a block of its
//! own: `dealloc` ignores it, and `realloc` copies it out (or, if it ends where free memory
//! starts, grows it there). The decoder relies on this to leave the host's strings where
//! they are in the input block (`codec::decode_host_plugin_input`), each `String` owning its
//! bytes of it.
//!
//! Memory is taken from the top of linear memory with `memory.grow`, above the stack and
//! static data, in chunks of at least [`CHUNK_PAGES`] pages. When the host's memory limit
//! refuses to grow, `alloc` returns null and Rust's allocation-error path traps; it never
//! hands out an address it does not own.
//!
//! Guests that define their own `#[global_allocator]` turn the feature off:
//! `rlplugin = { version = "…", default-features = false }`.

#![cfg_attr(not(all(feature = "arena", target_arch = "wasm32")), allow(dead_code))]

/// WebAssembly page size.
const PAGE: usize = 65_536;

/// Smallest growth step: 2 MiB, so a typical call grows memory a handful of times.
const CHUNK_PAGES: usize = 32;

/// Linear memory as the arena sees it.
trait Memory {
    /// Current size in bytes.
    fn size(&self) -> usize;
    /// Adds `pages` pages; `false` if the host refused.
    fn grow(&mut self, pages: usize) -> bool;
}

/// The arena's state: `[next, end)` is free, everything below `next` is handed out.
#[derive(Debug)]
struct Bump {
    next: usize,
    end: usize,
}

impl Default for Bump {
    fn default() -> Self {
        Self::UNINITIALISED
    }
}

impl Bump {
    /// Before the first allocation: `next` above `end`, so that every request, even of zero
    /// bytes, fails the fast path's bounds check and takes the slow path, which initialises.
    const UNINITIALISED: Self = Self { next: 1, end: 0 };

    /// Makes `[next, min_end)` usable, growing memory if needed.
    fn reserve(&mut self, min_end: usize, memory: &mut impl Memory) -> bool {
        if min_end <= self.end {
            return true;
        }
        if self.end == 0 {
            // First use: start at the current top of memory, above stack and data.
            self.end = memory.size();
            self.next = self.end;
            if min_end <= self.end {
                return true;
            }
        }
        // The memory's end equals `end` unless something else grew it, in which case
        // the pages in between are not ours: start over above them.
        if memory.size() != self.end {
            return false;
        }
        let needed = (min_end - self.end).div_ceil(PAGE);
        let grown = memory.grow(needed.max(CHUNK_PAGES)) || memory.grow(needed);
        if grown {
            self.end = memory.size();
        }
        grown
    }

    /// Start address of a fresh block, or `None` when memory cannot grow (or the request
    /// overflows the address space). The common case, room left below `end`, is a handful
    /// of instructions.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    fn alloc(&mut self, size: usize, align: usize, memory: &mut impl Memory) -> Option<usize> {
        let start = self.next.wrapping_add(align - 1) & !(align - 1);
        // `start >= self.next` rules out wrap-around in the rounding, `end >= start` in the
        // addition; an uninitialised arena has `end` 0, below any `start`.
        let end = start.wrapping_add(size);
        if start >= self.next && end >= start && end <= self.end {
            self.next = end;
            return Some(start);
        }
        self.alloc_slow(size, align, memory)
    }

    #[inline(never)]
    fn alloc_slow(&mut self, size: usize, align: usize, memory: &mut impl Memory) -> Option<usize> {
        if self.end == 0 && !self.reserve(1, memory) {
            return None;
        }
        let mut start = self.next.checked_add(align - 1)? & !(align - 1);
        let mut end = start.checked_add(size)?;
        if !self.reserve(end, memory) {
            // Memory grown by someone else: continue from the new top.
            let top = memory.size();
            if top <= self.end {
                return None;
            }
            self.end = top;
            self.next = top;
            start = self.next.checked_add(align - 1)? & !(align - 1);
            end = start.checked_add(size)?;
            if !self.reserve(end, memory) {
                return None;
            }
        }
        self.next = end;
        Some(start)
    }

    /// Resizes in place when possible: shrinking always, growing when the block is the
    /// most recent one. `false` means the caller must move it.
    fn resize_in_place(
        &mut self,
        ptr: usize,
        old_size: usize,
        new_size: usize,
        memory: &mut impl Memory,
    ) -> bool {
        let is_last = ptr + old_size == self.next;
        if new_size <= old_size {
            if is_last {
                self.next = ptr + new_size;
            }
            return true;
        }
        match ptr.checked_add(new_size) {
            Some(new_end) if is_last && self.reserve(new_end, memory) => {
                self.next = new_end;
                true
            }
            _ => false,
        }
    }
}

#[cfg(all(feature = "arena", target_arch = "wasm32"))]
mod global {
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::UnsafeCell;

    use super::{Bump, Memory, PAGE};

    struct LinearMemory;

    impl Memory for LinearMemory {
        fn size(&self) -> usize {
            core::arch::wasm32::memory_size(0) * PAGE
        }

        fn grow(&mut self, pages: usize) -> bool {
            core::arch::wasm32::memory_grow(0, pages) != usize::MAX
        }
    }

    struct Arena(UnsafeCell<Bump>);

    // SAFETY: wasm32-unknown-unknown without the `atomics` feature runs one thread, so the
    // cell is never accessed concurrently.
    #[cfg(not(target_feature = "atomics"))]
    unsafe impl Sync for Arena {}

    impl Arena {
        #[allow(clippy::mut_from_ref)]
        fn bump(&self) -> &mut Bump {
            // SAFETY: single-threaded (see `Sync`), and no method below re-enters the
            // allocator while holding this reference.
            unsafe { &mut *self.0.get() }
        }
    }

    // SAFETY: blocks are disjoint ranges of linear memory the arena grew for itself, aligned
    // as requested; a block is never handed out twice (only `realloc` resizes its own). A
    // part of a block passed back as a block of its own is handled as one: `dealloc`
    // ignores it, `realloc` grows it in place only where nothing follows it.
    unsafe impl GlobalAlloc for Arena {
        #[cfg_attr(not(rlplugin_small), inline(always))]
        #[cfg_attr(rlplugin_small, inline(never))]
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            match self
                .bump()
                .alloc(layout.size(), layout.align(), &mut LinearMemory)
            {
                Some(start) => start as *mut u8,
                None => core::ptr::null_mut(),
            }
        }

        /// Nothing: the instance, and all its memory, is dropped after the call. Being
        /// empty lets the optimiser delete drop glue.
        #[cfg_attr(not(rlplugin_small), inline(always))]
        unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}

        #[cfg_attr(not(rlplugin_small), inline)]
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let bump = self.bump();
            let old_size = layout.size();
            if bump.resize_in_place(ptr as usize, old_size, new_size, &mut LinearMemory) {
                return ptr;
            }
            match bump.alloc(new_size, layout.align(), &mut LinearMemory) {
                Some(start) => {
                    let new = start as *mut u8;
                    // SAFETY: the new block is fresh, so it does not overlap the old one,
                    // and both hold at least `old_size` bytes (new_size > old_size here).
                    // One `memory.copy` (fuel by the byte, but no per-byte loop in the
                    // guest's code).
                    unsafe { core::ptr::copy_nonoverlapping(ptr, new, old_size) };
                    new
                }
                None => core::ptr::null_mut(),
            }
        }
    }

    #[global_allocator]
    static ARENA: Arena = Arena(UnsafeCell::new(Bump::UNINITIALISED));

    /// [`super::alloc_bytes`] on the arena: the bump, inlined at the call site.
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn alloc_bytes(size: usize) -> *mut u8 {
        match ARENA.bump().alloc(size, 1, &mut LinearMemory) {
            Some(start) => start as *mut u8,
            None => super::out_of_memory(size),
        }
    }

    /// [`super::vec_with_capacity`] on the arena.
    #[cfg(not(rlplugin_small))] // only the fast path calls it
    #[cfg_attr(not(rlplugin_small), inline(always))]
    pub(crate) fn alloc_layout(layout: Layout) -> *mut u8 {
        match ARENA
            .bump()
            .alloc(layout.size(), layout.align(), &mut LinearMemory)
        {
            Some(start) => start as *mut u8,
            None => std::alloc::handle_alloc_error(layout),
        }
    }
}

/// `Vec::with_capacity(len)`, with the bump inlined under the arena: `RawVec`'s allocation
/// path is a call of some fifty instructions, paid for every list of every directive.
#[cfg(not(rlplugin_small))] // only the fast path calls it
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(crate) fn vec_with_capacity<T>(len: usize) -> Vec<T> {
    #[cfg(all(feature = "arena", target_arch = "wasm32"))]
    {
        if len == 0 || size_of::<T>() == 0 {
            return Vec::new();
        }
        let Ok(layout) = std::alloc::Layout::array::<T>(len) else {
            return Vec::with_capacity(len);
        };
        let ptr = global::alloc_layout(layout).cast::<T>();
        // SAFETY: `ptr` is a fresh block from the global allocator with the layout of
        // `len` elements of `T`, which is what a `Vec<T>` of capacity `len` owns.
        unsafe { Vec::from_raw_parts(ptr, 0, len) }
    }
    #[cfg(not(all(feature = "arena", target_arch = "wasm32")))]
    {
        Vec::with_capacity(len)
    }
}

/// A block of `size` bytes (alignment 1) from the global allocator, for the buffer of a
/// `Vec<u8>` or `String` of capacity `size` (so `Vec::from_raw_parts` accepts it). Under the
/// arena this is the bump itself, inlined: decoding a short string then costs a few
/// instructions instead of a call into `RawVec`. `size` must not be 0.
#[cfg_attr(not(rlplugin_small), inline(always))]
pub(crate) fn alloc_bytes(size: usize) -> *mut u8 {
    #[cfg(all(feature = "arena", target_arch = "wasm32"))]
    {
        global::alloc_bytes(size)
    }
    #[cfg(not(all(feature = "arena", target_arch = "wasm32")))]
    {
        let Ok(layout) = std::alloc::Layout::from_size_align(size, 1) else {
            out_of_memory(size)
        };
        // SAFETY: callers never ask for 0 bytes (documented above).
        let ptr = unsafe { std::alloc::alloc(layout) };
        if ptr.is_null() {
            out_of_memory(size);
        }
        ptr
    }
}

#[cold]
#[inline(never)]
fn out_of_memory(size: usize) -> ! {
    match std::alloc::Layout::from_size_align(size, 1) {
        Ok(layout) => std::alloc::handle_alloc_error(layout),
        Err(_) => panic!("cannot allocate {size} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A memory of `pages` pages that refuses to grow beyond `limit` pages.
    struct FakeMemory {
        pages: usize,
        limit: usize,
        grow_calls: usize,
    }

    impl FakeMemory {
        fn new(pages: usize, limit: usize) -> Self {
            Self {
                pages,
                limit,
                grow_calls: 0,
            }
        }
    }

    impl Memory for FakeMemory {
        fn size(&self) -> usize {
            self.pages * PAGE
        }

        fn grow(&mut self, pages: usize) -> bool {
            self.grow_calls += 1;
            if self.pages + pages > self.limit {
                return false;
            }
            self.pages += pages;
            true
        }
    }

    #[test]
    fn blocks_start_above_existing_memory_aligned_and_disjoint() {
        let mut memory = FakeMemory::new(17, 1000);
        let mut bump = Bump::default();
        let a = bump.alloc(3, 1, &mut memory).unwrap();
        assert_eq!(a, 17 * PAGE);
        let b = bump.alloc(8, 8, &mut memory).unwrap();
        assert_eq!(b % 8, 0);
        assert!(b >= a + 3);
        let c = bump.alloc(0, 16, &mut memory).unwrap();
        assert_eq!(c % 16, 0);
        assert!(c >= b + 8);
        assert_eq!(memory.pages, 17 + CHUNK_PAGES);
    }

    #[test]
    fn a_first_request_of_zero_bytes_still_initialises_the_arena() {
        let mut memory = FakeMemory::new(5, 1000);
        let mut bump = Bump::default();
        assert_eq!(bump.alloc(0, 1, &mut memory), Some(5 * PAGE));
        assert_eq!(bump.alloc(2, 1, &mut memory), Some(5 * PAGE));
    }

    #[test]
    fn grows_in_chunks_and_by_exactly_what_is_needed_near_the_limit() {
        let mut memory = FakeMemory::new(1, 1 + CHUNK_PAGES + 3);
        let mut bump = Bump::default();
        bump.alloc(PAGE, 1, &mut memory).unwrap();
        assert_eq!(memory.pages, 1 + CHUNK_PAGES);
        bump.alloc((CHUNK_PAGES - 1) * PAGE, 1, &mut memory)
            .unwrap();
        assert_eq!(memory.grow_calls, 1, "the first chunk covered both blocks");
        // The chunk does not fit under the limit; exactly two more pages do.
        bump.alloc(2 * PAGE, 1, &mut memory).unwrap();
        assert_eq!(memory.pages, 1 + CHUNK_PAGES + 2);
        assert_eq!(bump.alloc(2 * PAGE, 1, &mut memory), None);
        assert_eq!(bump.alloc(usize::MAX, 1, &mut memory), None);
        assert_eq!(bump.alloc(8, usize::MAX / 2 + 1, &mut memory), None);
    }

    #[test]
    fn last_block_is_resized_in_place() {
        let mut memory = FakeMemory::new(1, 1000);
        let mut bump = Bump::default();
        let a = bump.alloc(10, 1, &mut memory).unwrap();
        let b = bump.alloc(10, 1, &mut memory).unwrap();
        assert!(
            !bump.resize_in_place(a, 10, 20, &mut memory),
            "a is not last"
        );
        assert!(
            bump.resize_in_place(a, 10, 5, &mut memory),
            "shrinking is always in place"
        );
        assert!(bump.resize_in_place(b, 10, 3 * PAGE * CHUNK_PAGES, &mut memory));
        assert_eq!(bump.next, b + 3 * PAGE * CHUNK_PAGES);
        assert!(bump.resize_in_place(b, 3 * PAGE * CHUNK_PAGES, 1, &mut memory));
        assert_eq!(bump.alloc(1, 1, &mut memory), Some(b + 1));
    }

    #[test]
    fn memory_grown_by_someone_else_is_skipped() {
        let mut memory = FakeMemory::new(1, 1000);
        let mut bump = Bump::default();
        bump.alloc(PAGE * CHUNK_PAGES, 1, &mut memory).unwrap();
        memory.grow(2);
        let top = memory.size();
        let c = bump.alloc(PAGE, 1, &mut memory).unwrap();
        assert!(
            c >= top,
            "block at {c} overlaps pages grown by another party below {top}"
        );
    }
}
