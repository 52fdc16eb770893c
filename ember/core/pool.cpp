#include "ember/core/pool.h"

#include <pthread.h>

#include <algorithm>
#include <mutex>

namespace ember::pool {

namespace {

constexpr size_t kMinBlock = 32;  // a free block holds next, batch link, count
constexpr size_t kClasses = kMaxBlock / 16 + 1;
constexpr int kBatch = 64;

struct FreeBlock {
  FreeBlock* next;        // within a list
  FreeBlock* next_batch;  // first block of a batch on the shared stack
  size_t count;           // blocks in the batch (first block only)
};

size_t class_of(size_t bytes) {
  return (std::max(bytes, kMinBlock) + 15) / 16;
}
size_t block_bytes(size_t c) { return c * 16; }

// Full (or, from exiting threads, partial) batches per size class.
struct Shared {
  std::mutex mtx;
  FreeBlock* batches[kClasses] = {};
};

Shared& shared() {
  // Outlives every thread's cache. A fork waits until no thread is inside
  // the lock, so the child never inherits it held.
  static Shared* s = [] {
    auto* p = new Shared();
    pthread_atfork([] { shared().mtx.lock(); }, [] { shared().mtx.unlock(); },
                   [] { shared().mtx.unlock(); });
    return p;
  }();
  return *s;
}

void push_batch(size_t c, FreeBlock* head, size_t count) {
  if (head == nullptr) return;
  head->count = count;
  auto& s = shared();
  std::lock_guard<std::mutex> lk(s.mtx);
  head->next_batch = s.batches[c];
  s.batches[c] = head;
}

// A batch from the shared stack, or a fresh slab of kBatch blocks.
FreeBlock* take_batch(size_t c, size_t& count) {
  {
    auto& s = shared();
    std::lock_guard<std::mutex> lk(s.mtx);
    if (FreeBlock* b = s.batches[c]) {
      s.batches[c] = b->next_batch;
      count = b->count;
      return b;
    }
  }
  size_t bytes = block_bytes(c);
  auto* slab = static_cast<char*>(::operator new(bytes * kBatch, std::align_val_t(16)));
  FreeBlock* head = nullptr;
  for (int i = kBatch - 1; i >= 0; --i) {
    auto* b = reinterpret_cast<FreeBlock*>(slab + size_t(i) * bytes);
    b->next = head;
    head = b;
  }
  count = kBatch;
  return head;
}

// Per thread: a list in use and at most one full spare batch per class.
struct ThreadCache {
  FreeBlock* cur[kClasses] = {};
  size_t n[kClasses] = {};
  FreeBlock* spare[kClasses] = {};

  ~ThreadCache() {
    for (size_t c = 0; c < kClasses; ++c) {
      push_batch(c, cur[c], n[c]);
      push_batch(c, spare[c], kBatch);
    }
  }
};

thread_local ThreadCache* tls_cache = nullptr;
thread_local bool tls_dead = false;

struct CacheOwner {
  ~CacheOwner() {
    delete tls_cache;
    tls_cache = nullptr;
    tls_dead = true;
  }
};
thread_local CacheOwner tls_owner;

// Null once the thread's cache is gone (objects freed during thread or
// process teardown then go straight to the shared stack).
ThreadCache* cache() {
  if (tls_cache == nullptr && !tls_dead) {
    (void)&tls_owner;  // registers the owner's destructor for this thread
    tls_cache = new ThreadCache();
  }
  return tls_cache;
}

}  // namespace

void* allocate(size_t bytes) {
  size_t c = class_of(bytes);
  ThreadCache* tc = cache();
  if (tc == nullptr) {
    size_t count = 0;
    FreeBlock* b = take_batch(c, count);
    push_batch(c, b->next, count - 1);
    return b;
  }
  FreeBlock* b = tc->cur[c];
  if (b == nullptr) {
    if (tc->spare[c] != nullptr) {
      b = tc->spare[c];
      tc->spare[c] = nullptr;
      tc->n[c] = kBatch;
    } else {
      b = take_batch(c, tc->n[c]);
    }
  }
  tc->cur[c] = b->next;
  --tc->n[c];
  return b;
}

void deallocate(void* p, size_t bytes) noexcept {
  size_t c = class_of(bytes);
  auto* b = static_cast<FreeBlock*>(p);
  ThreadCache* tc = cache();
  if (tc == nullptr) {
    b->next = nullptr;
    push_batch(c, b, 1);
    return;
  }
  b->next = tc->cur[c];
  tc->cur[c] = b;
  if (++tc->n[c] == size_t(kBatch)) {
    push_batch(c, tc->spare[c], kBatch);
    tc->spare[c] = tc->cur[c];
    tc->cur[c] = nullptr;
    tc->n[c] = 0;
  }
}

}  // namespace ember::pool
