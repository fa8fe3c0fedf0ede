//! CPU hints: asking for a cache line ahead of the access that needs it,
//! where accesses are random (shards' logs, large key tables) and too
//! scattered for the hardware prefetcher to follow.

/// Asks the CPU to bring the cache line at `p` into cache; a hint only.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
