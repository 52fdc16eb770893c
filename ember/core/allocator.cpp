#include "ember/core/allocator.h"

#include "ember/core/array.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <vector>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace ember {

namespace {

size_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGE_SIZE);
  return (pages > 0 && page > 0) ? size_t(pages) * size_t(page)
                                 : (size_t(16) << 30);
}

// Buckets: sizes are rounded up so that a freed buffer serves later requests
// of about the same size (within 1/8) without scanning.
size_t round_size(size_t n) {
  if (n <= 64) return 64;
  if (n <= 4096) return (n + 63) & ~size_t(63);
  size_t p = size_t(1) << (63 - __builtin_clzll(n - 1));  // highest bit below
  size_t step = p / 8;
  return (n + step - 1) / step * step;
}

// Large buffers are 2 MiB aligned and backed by transparent huge pages where
// the kernel allows it: fewer TLB misses raise streaming bandwidth by ~30%.
void* system_alloc(size_t rs) {
  constexpr size_t kHuge = size_t(2) << 20;
  if (rs < kHuge) return std::aligned_alloc(64, rs);
  size_t n = (rs + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, n);
  if (p != nullptr) madvise(p, n, MADV_HUGEPAGE);
  return p;
}

class Allocator {
 public:
  Allocator() : limit_(physical_memory()), cache_limit_(limit_) {}

  Buffer malloc(size_t size) {
    size_t rs = round_size(size);
    std::unique_lock<std::mutex> lk(mtx_);
    auto it = cache_.find(rs);
    if (it != cache_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      cache_bytes_ -= rs;
      add_active(rs);
      return {p, size};
    }
    if (active_ + rs > limit_) {
      release_cache(cache_bytes_);
      if (active_ + rs > limit_) {
        std::ostringstream msg;
        msg << "[malloc] Allocating " << size << " bytes would exceed the memory"
            << " limit of " << limit_ << " bytes (" << active_
            << " bytes in use).";
        throw std::runtime_error(msg.str());
      }
    }
    lk.unlock();
    void* p = system_alloc(rs);
    if (p == nullptr) {
      lk.lock();
      release_cache(cache_bytes_);
      lk.unlock();
      p = system_alloc(rs);
      if (p == nullptr) {
        throw std::runtime_error("[malloc] Out of memory allocating " +
                                 std::to_string(size) + " bytes.");
      }
    }
    lk.lock();
    add_active(rs);
    return {p, size};
  }

  void free(Buffer b) {
    if (b.ptr == nullptr) return;
    size_t rs = round_size(b.size);
    std::unique_lock<std::mutex> lk(mtx_);
    active_ -= rs;
    if (cache_limit_ > 0 && rs <= cache_limit_) {
      if (cache_bytes_ + rs > cache_limit_) release_cache(cache_bytes_ + rs - cache_limit_);
      cache_[rs].push_back(b.ptr);
      cache_bytes_ += rs;
      return;
    }
    lk.unlock();
    std::free(b.ptr);
  }

  void reserve(size_t size) {
    std::unique_lock<std::mutex> lk(mtx_);
    if (active_ + size > limit_) release_cache(cache_bytes_);
    if (active_ + size > limit_) {
      std::ostringstream msg;
      msg << "[malloc] Allocating " << size << " bytes of GPU memory would "
          << "exceed the memory limit of " << limit_ << " bytes (" << active_
          << " bytes in use).";
      throw std::runtime_error(msg.str());
    }
    add_active(size);
  }
  void release(size_t size) {
    std::lock_guard<std::mutex> lk(mtx_);
    active_ -= size;
  }

  size_t active() { std::lock_guard<std::mutex> lk(mtx_); return active_; }
  size_t peak() { std::lock_guard<std::mutex> lk(mtx_); return peak_; }
  void reset_peak() { std::lock_guard<std::mutex> lk(mtx_); peak_ = active_; }
  size_t cache() { std::lock_guard<std::mutex> lk(mtx_); return cache_bytes_; }
  size_t limit() { std::lock_guard<std::mutex> lk(mtx_); return limit_; }
  size_t set_limit(size_t l) {
    std::lock_guard<std::mutex> lk(mtx_);
    size_t old = limit_;
    limit_ = l;
    return old;
  }
  size_t set_cache_limit(size_t l) {
    std::lock_guard<std::mutex> lk(mtx_);
    size_t old = cache_limit_;
    cache_limit_ = l;
    if (cache_bytes_ > l) release_cache(cache_bytes_ - l);
    return old;
  }
  void clear() {
    std::lock_guard<std::mutex> lk(mtx_);
    release_cache(cache_bytes_);
  }

 private:
  void add_active(size_t n) {
    active_ += n;
    if (active_ > peak_) peak_ = active_;
  }
  // Frees cached buffers, largest first, until `bytes` are released.
  void release_cache(size_t bytes) {
    size_t freed = 0;
    for (auto it = cache_.rbegin(); it != cache_.rend() && freed < bytes; ++it) {
      auto& bucket = it->second;
      while (!bucket.empty() && freed < bytes) {
        std::free(bucket.back());
        bucket.pop_back();
        freed += it->first;
        cache_bytes_ -= it->first;
      }
    }
  }

  std::mutex mtx_;
  std::map<size_t, std::vector<void*>> cache_;  // rounded size -> free buffers
  size_t cache_bytes_ = 0;
  size_t active_ = 0;
  size_t peak_ = 0;
  size_t limit_;
  size_t cache_limit_;
};

Allocator& instance() {
  static Allocator* a = new Allocator();  // outlives static destructors
  return *a;
}

}  // namespace

namespace allocator {
Buffer malloc(size_t size) { return instance().malloc(size); }
void free(Buffer b) { instance().free(b); }
void reserve_device(size_t size) { instance().reserve(size); }
void release_device(size_t size) { instance().release(size); }
}  // namespace allocator

size_t get_active_memory() { return instance().active(); }
size_t get_peak_memory() { return instance().peak(); }
void reset_peak_memory() { instance().reset_peak(); }
size_t get_cache_memory() { return instance().cache(); }
size_t set_memory_limit(size_t limit) { return instance().set_limit(limit); }
size_t get_memory_limit() { return instance().limit(); }
size_t set_cache_limit(size_t limit) { return instance().set_cache_limit(limit); }
size_t set_wired_limit(size_t limit) {
  static size_t wired = 0;
  size_t old = wired;
  wired = limit;
  return old;
}
void clear_cache() {
  instance().clear();
  if (residency_hooks().clear_cache) residency_hooks().clear_cache();
}

}  // namespace ember
