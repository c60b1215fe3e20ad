//! The wasm32 heap, with large buffers aligned to a cache line.
//!
//! Rust's wasm32 allocator (dlmalloc) aligns to 8 bytes, so whether a `Vec<f32>` starts on a 16-byte
//! boundary, and how often the matrix kernel's `v128` loads straddle two 64-byte lines, depends on
//! where each tape buffer happened to land. Aligning every allocation of a kilobyte or more to 64
//! bytes took the 128×2 GRU's epoch in Chromium from 232 to 213–217 ms (one worker; the tutorial
//! configuration unchanged), and makes the speed independent of the heap's history.

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations of at least this many bytes start on a cache line.
const LARGE: usize = 1024;
const LINE: usize = 64;

pub struct CacheLineAligned;

fn adjusted(layout: Layout) -> Layout {
    if layout.size() >= LARGE && layout.align() < LINE {
        layout.align_to(LINE).unwrap_or(layout)
    } else {
        layout
    }
}

// SAFETY: every call forwards to `System` with the same adjusted layout for a block's whole life
// (`adjusted` depends on the size and alignment alone, and `realloc` re-adjusts for the new size by
// allocating and copying when the adjustment changes).
unsafe impl GlobalAlloc for CacheLineAligned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(adjusted(layout)) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(adjusted(layout)) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, adjusted(layout)) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = adjusted(layout);
        let new =
            adjusted(Layout::from_size_align(new_size, layout.align()).expect("a valid layout"));
        if old.align() == new.align() {
            return unsafe { System.realloc(ptr, old, new_size) };
        }
        let fresh = unsafe { System.alloc(new) };
        if !fresh.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, fresh, layout.size().min(new_size));
                System.dealloc(ptr, old);
            }
        }
        fresh
    }
}
