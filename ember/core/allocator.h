// Host buffer allocation with a size-bucketed cache and memory statistics.
#pragma once

#include <cstddef>

namespace ember {

/// A raw allocation. `ptr` is 64-byte aligned; `size` is the requested size.
struct Buffer {
  void* ptr = nullptr;
  size_t size = 0;
};

namespace allocator {
/// Returns a buffer of at least `size` bytes, reusing cached ones; throws
/// std::runtime_error when the memory limit would be exceeded.
Buffer malloc(size_t size);
/// Returns a buffer to the cache (or frees it when the cache is full).
void free(Buffer b);
/// Counts `size` bytes of GPU memory in the statistics and against the memory
/// limit (shared with host memory); throws std::runtime_error like malloc.
void reserve_device(size_t size);
void release_device(size_t size);
}  // namespace allocator

/// Bytes in buffers handed out and not yet returned.
size_t get_active_memory();
/// Highest active memory since start or the last reset.
size_t get_peak_memory();
void reset_peak_memory();
/// Bytes held by the cache for reuse.
size_t get_cache_memory();
/// Sets the limit on active memory; returns the previous one.
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();
/// Sets the cache size limit (0 disables the cache); returns the previous one.
size_t set_cache_limit(size_t limit);
/// Accepted for MLX compatibility; has no effect on this platform.
size_t set_wired_limit(size_t limit);
/// Frees every cached buffer.
void clear_cache();

}  // namespace ember
