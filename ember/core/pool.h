// Pooled allocation for the small objects made per op (ArrayDesc, Node,
// Data with their shared_ptr control blocks).
//
// A graph is built on the caller's thread and released on a stream worker,
// so these objects are allocated on one thread and freed on another. glibc
// malloc serves that pattern badly: the freeing thread's cache overflows and
// both threads then take the same arena lock for every object. Here each
// thread keeps free lists per block size, and full batches of 64 free blocks
// move between threads through one locked stack: a lock per 64 objects, none
// per object. Blocks come from slabs that are kept for reuse (never returned
// to the system; their number follows the largest live graph).
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace ember::pool {

/// Size classes: 16-byte steps up to kMaxBlock bytes.
constexpr size_t kMaxBlock = 512;

void* allocate(size_t bytes);
void deallocate(void* p, size_t bytes) noexcept;

/// std allocator over the pool (single objects; arrays fall back to new).
template <typename T>
struct Allocator {
  using value_type = T;
  Allocator() = default;
  template <typename U>
  Allocator(const Allocator<U>&) noexcept {}
  static constexpr bool kPooled = sizeof(T) <= kMaxBlock && alignof(T) <= 16;
  T* allocate(size_t n) {
    if (n == 1 && kPooled) {
      return static_cast<T*>(pool::allocate(sizeof(T)));
    }
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(alignof(T))));
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n == 1 && kPooled) {
      pool::deallocate(p, sizeof(T));
      return;
    }
    ::operator delete(p, std::align_val_t(alignof(T)));
  }
  template <typename U>
  bool operator==(const Allocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const Allocator<U>&) const noexcept { return false; }
};

/// make_shared with the object and its control block in one pooled block.
template <typename T, typename... Args>
std::shared_ptr<T> make_shared(Args&&... args) {
  return std::allocate_shared<T>(Allocator<T>(), std::forward<Args>(args)...);
}

}  // namespace ember::pool
