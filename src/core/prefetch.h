// Prefetching for the hash sets whose lookups miss the cache (the ingest duplicate filter, the
// store's ids of a day), so that a batch overlaps its misses instead of taking them one after
// another.
#pragma once

namespace quanyu {

// Starts loading the cache line that holds the byte at p into every cache level, as
// __builtin_prefetch(p) would; it reads nothing and never faults. GCC 12 at -O2 removed some
// __builtin_prefetch calls as dead code (none was left in the duplicate filter's or the store's
// lookups), so on x86 this is an asm statement, which the compiler always keeps.
inline void PrefetchLine(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace quanyu
