// Unified memory on a discrete GPU: streams, the device memory pool, events,
// and the hooks that keep each buffer's host and device copies coherent.
//
// A Data's device copy is allocated from a stream-ordered pool
// (cudaMallocAsync with a high release threshold, so freed blocks are reused
// without returning to the driver). Host data is copied over on the consuming
// stream before a kernel reads it; device data is copied back when the host
// reads it. The event recorded after the producing kernel orders consumers on
// other streams and host reads. No managed memory is used.
#include <cuda_runtime.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/graphs.h"
#include "ember/backend/cuda/profile.h"
#include "ember/backend/cuda/utils.h"
#include "ember/core/allocator.h"
#include "ember/core/array.h"

namespace ember::cuda {

namespace {

// Small host constants (Python scalars become 0-d arrays on every call) are
// copied to the device once per distinct value and shared: 16-byte slots in
// one device slab, looked up by size and bytes.
struct ConstantCache {
  static constexpr size_t kSlot = 16;
  static constexpr size_t kSlots = 8192;
  char* slab = nullptr;
  size_t used = 0;
  std::unordered_map<std::string, void*> slots;
};

// Freed blocks up to 64 MiB (activations, attention outputs) are kept per
// CUDA stream and handed out again on the same stream without a driver call:
// work on one stream runs in order, so a block freed after its last use can
// back the next allocation right away. This also keeps the pool's
// stream-ordered free/alloc pair out of the stream between two kernels
// (about 0.6 us of idle GPU each, measured between attention calls). An
// allocation that fails gives every cached block back first.
struct BlockCache {
  static constexpr size_t kMaxBlock = size_t(64) << 20;
  static constexpr size_t kMaxBytes = size_t(2) << 30;
  std::unordered_map<cudaStream_t, std::unordered_map<size_t, std::vector<void*>>> free;
  size_t bytes = 0;
};

// Rounded block sizes: 256-byte steps up to 64 KiB, then 1/8 of a power of two.
size_t block_size(size_t n) {
  if (n <= 65536) return (n + 255) & ~size_t(255);
  size_t p = size_t(1) << (63 - __builtin_clzll(n - 1));
  size_t step = p / 8;
  return (n + step - 1) / step * step;
}

// A free postponed while a stream that may still use the buffer is being
// captured: its captured kernels only run once the graph is launched.
struct DeferredFree {
  void* ptr;
  size_t bytes;
  int last;          // ember stream the free is ordered on
  uint64_t streams;  // ember streams that used the buffer (incl. last)
};

struct State {
  std::mutex mtx;
  std::vector<DeferredFree> deferred;  // guarded by mtx
  std::vector<cudaStream_t> streams;  // by ember stream index (null = none)
  cudaStream_t copy_stream = nullptr;  // device-to-host copies
  std::vector<cudaEvent_t> free_events;
  cudaMemPool_t pool = nullptr;
  size_t total_memory = 0;
  std::atomic<size_t> active{0};
  int sms = 0;
  int cc = 0;  // 10 * major + minor
  ConstantCache constants;
  BlockCache blocks;  // guarded by mtx
};

State& state() {
  static State* s = new State();  // outlives static destructors
  return *s;
}

void init_device() {
  auto& st = state();
  EMBER_CUDA_CHECK(cudaSetDevice(0));
  EMBER_CUDA_CHECK(cudaStreamCreateWithFlags(&st.copy_stream, cudaStreamNonBlocking));
  EMBER_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&st.pool, 0));
  uint64_t threshold = UINT64_MAX;
  EMBER_CUDA_CHECK(cudaMemPoolSetAttribute(
      st.pool, cudaMemPoolAttrReleaseThreshold, &threshold));
  size_t free_b = 0;
  EMBER_CUDA_CHECK(cudaMemGetInfo(&free_b, &st.total_memory));
  cudaDeviceProp prop;
  EMBER_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  st.sms = prop.multiProcessorCount;
  st.cc = prop.major * 10 + prop.minor;
}

cudaStream_t stream_by_index(int index) {
  auto& st = state();
  std::lock_guard<std::mutex> lk(st.mtx);
  if (index >= int(st.streams.size())) st.streams.resize(index + 1, nullptr);
  auto& s = st.streams[index];
  if (s == nullptr) {
    // Worker threads are created by the scheduler; make sure each thread
    // that launches work talks to device 0.
    EMBER_CUDA_CHECK(cudaSetDevice(0));
    EMBER_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  }
  return s;
}

// Events come from a free list; shared_ptr returns them when the last Data
// holding one is gone.
std::shared_ptr<void> record_event(cudaStream_t s) {
  auto& st = state();
  cudaEvent_t ev = nullptr;
  {
    std::lock_guard<std::mutex> lk(st.mtx);
    if (!st.free_events.empty()) {
      ev = st.free_events.back();
      st.free_events.pop_back();
    }
  }
  if (ev == nullptr) {
    EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
  }
  EMBER_CUDA_CHECK(cudaEventRecord(ev, s));
  return std::shared_ptr<void>(ev, [](void* e) {
    auto& st = state();
    std::lock_guard<std::mutex> lk(st.mtx);
    st.free_events.push_back(static_cast<cudaEvent_t>(e));
  });
}

// Returns every cached block to the pool (stream-ordered frees).
void release_cached_blocks() {
  auto& st = state();
  std::lock_guard<std::mutex> lk(st.mtx);
  for (auto& [stream, sizes] : st.blocks.free) {
    for (auto& [size, ptrs] : sizes) {
      for (void* p : ptrs) cudaFreeAsync(p, stream);
    }
  }
  st.blocks.free.clear();
  st.blocks.bytes = 0;
}

// Waits for the work queued on every ember stream and the copy stream (not
// cudaDeviceSynchronize: that is invalid while a stream is being captured).
void sync_streams() {
  auto& st = state();
  std::vector<cudaStream_t> all;
  {
    std::lock_guard<std::mutex> lk(st.mtx);
    all = st.streams;
  }
  all.push_back(st.copy_stream);
  for (auto s : all) {
    if (s) cudaStreamSynchronize(s);
  }
}

// `s` is an ember stream's own CUDA stream (base_stream), never a capture
// stream: the allocation is ordered before the graph that uses it.
void* device_malloc(size_t bytes, cudaStream_t s) {
  auto& st = state();
  bytes = block_size(std::max<size_t>(bytes, 1));
  if (st.active.load() + bytes > st.total_memory) {
    throw std::runtime_error(
        "[malloc] Allocating " + std::to_string(bytes) +
        " bytes of GPU memory exceeds the card's " +
        std::to_string(st.total_memory) + " bytes (" +
        std::to_string(st.active.load()) + " bytes in use).");
  }
  allocator::reserve_device(bytes);
  if (bytes <= BlockCache::kMaxBlock) {
    std::lock_guard<std::mutex> lk(st.mtx);
    auto it = st.blocks.free.find(s);
    if (it != st.blocks.free.end()) {
      auto b = it->second.find(bytes);
      if (b != it->second.end() && !b->second.empty()) {
        void* p = b->second.back();
        b->second.pop_back();
        st.blocks.bytes -= bytes;
        st.active += bytes;
        return p;
      }
    }
  }
  void* p = nullptr;
  cudaError_t err;
  {
    ProfileScope timed(profile_malloc_us);
    err = cudaMallocAsync(&p, bytes, s);
  }
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    // Give cached blocks back to the driver and try once more (a segment
    // being captured keeps its buffers: their frees are deferred).
    release_cached_blocks();
    sync_streams();
    cudaMemPoolTrimTo(st.pool, 0);
    err = cudaMallocAsync(&p, bytes, s);
  }
  if (err != cudaSuccess) {
    cudaGetLastError();
    allocator::release_device(bytes);
    throw std::runtime_error("[malloc] Out of GPU memory allocating " +
                             std::to_string(bytes) + " bytes: " +
                             cudaGetErrorString(err) + ".");
  }
  st.active += bytes;
  return p;
}

void device_free_now(void* p, size_t bytes, cudaStream_t s) {
  auto& st = state();
  bytes = block_size(std::max<size_t>(bytes, 1));
  st.active -= bytes;
  allocator::release_device(bytes);
  if (bytes <= BlockCache::kMaxBlock) {
    std::lock_guard<std::mutex> lk(st.mtx);
    if (st.blocks.bytes + bytes <= BlockCache::kMaxBytes) {
      st.blocks.free[s][bytes].push_back(p);
      st.blocks.bytes += bytes;
      return;
    }
  }
  cudaFreeAsync(p, s);
}

// Device copy of a small constant from the cache, or null when it does not
// qualify or the cache is full. Entries are filled by a copy that has
// completed before the entry is published, so every stream sees them without
// events. (A plain cudaMemcpy from pageable memory is not enough: it may
// return once the bytes are staged, before the DMA has landed, and kernels
// on our non-blocking streams then read a stale slot under load.)
void* cached_constant(const Data& d) {
  if (d.buffer.size == 0 || d.buffer.size > ConstantCache::kSlot) return nullptr;
  auto& st = state();
  std::string key(static_cast<const char*>(d.buffer.ptr), d.buffer.size);
  std::lock_guard<std::mutex> lk(st.mtx);
  auto& c = st.constants;
  auto it = c.slots.find(key);
  if (it != c.slots.end()) return it->second;
  if (c.used == ConstantCache::kSlots) return nullptr;
  if (c.slab == nullptr) {
    EMBER_CUDA_CHECK(cudaMalloc(&c.slab, ConstantCache::kSlot * ConstantCache::kSlots));
  }
  void* p = c.slab + ConstantCache::kSlot * c.used++;
  EMBER_CUDA_CHECK(cudaMemcpyAsync(p, d.buffer.ptr, d.buffer.size,
                                   cudaMemcpyHostToDevice, st.copy_stream));
  EMBER_CUDA_CHECK(cudaStreamSynchronize(st.copy_stream));
  c.slots.emplace(std::move(key), p);
  return p;
}

// Frees a device buffer in order after the work queued so far on every
// stream in `streams`, on stream `last`; postponed while one of them is
// being captured (release_deferred runs it once the graph is launched).
void free_after(void* p, size_t bytes, int last, uint64_t streams) {
  auto& st = state();
  {
    // Checked under the lock that release_deferred takes after clearing a
    // stream's capture bit, so no postponed free is left behind.
    std::lock_guard<std::mutex> lk(st.mtx);
    if (capturing_streams() & streams) {
      st.deferred.push_back({p, bytes, last, streams});
      return;
    }
  }
  cudaStream_t ls = stream_by_index(last);
  uint64_t others = last < 64 ? streams & ~(uint64_t(1) << last) : streams;
  while (others) {
    int i = std::countr_zero(others);
    others &= others - 1;
    auto ev = record_event(stream_by_index(i));
    cudaStreamWaitEvent(ls, static_cast<cudaEvent_t>(ev.get()));
  }
  device_free_now(p, bytes, ls);
}

// ---- residency hooks ----

// An event that completes once the device copy of `d` is ready. Producers
// record none (that would cost every op an event); it is recorded when first
// needed on the stream that last wrote or used the buffer: work on a stream
// runs in order, and the producer was launched before anyone can ask (they
// wait for its scheduler task first). Call with d.mtx held.
cudaEvent_t ready_event_locked(Data& d) {
  if (!d.device_event) {
    if (d.device_last_stream < 0) return nullptr;
    d.device_event = record_event(stream_by_index(d.device_last_stream));
  }
  return static_cast<cudaEvent_t>(d.device_event.get());
}

void to_device(Data& d, const Stream& stream) {
  cudaStream_t cs = stream_by_index(stream.index);
  std::lock_guard<std::mutex> lk(d.mtx);
  uint64_t bit = stream.index < 64 ? uint64_t(1) << stream.index : 0;
  if (!(d.valid.load(std::memory_order_acquire) & Data::kDevice)) {
    if (d.device_shared) {  // stale borrowed constant: never write into it
      d.device_ptr = nullptr;
      d.device_shared = false;
    }
    if (d.device_ptr == nullptr && !d.deleter) {
      if (void* p = cached_constant(d)) {
        d.device_ptr = p;
        d.device_shared = true;
        d.valid.fetch_or(Data::kDevice, std::memory_order_acq_rel);
        return;
      }
    }
    if (d.device_ptr == nullptr) d.device_ptr = device_malloc(d.buffer.size, cs);
    if (d.device_last_stream >= 0 && d.device_last_stream != stream.index) {
      // The device buffer is reused: order after its earlier users.
      auto ev = record_event(stream_by_index(d.device_last_stream));
      EMBER_CUDA_CHECK(cudaStreamWaitEvent(cs, static_cast<cudaEvent_t>(ev.get())));
    }
    if (d.buffer.size > 0) {
      EMBER_CUDA_CHECK(cudaMemcpyAsync(d.device_ptr, d.buffer.ptr, d.buffer.size,
                                       cudaMemcpyHostToDevice, cs));
    }
    d.device_event.reset();
    d.device_last_stream = stream.index;
    d.device_streams |= bit;
    d.valid.fetch_or(Data::kDevice, std::memory_order_acq_rel);
    return;
  }
  if (d.device_last_stream != stream.index) {
    if (cudaEvent_t ev = ready_event_locked(d)) {
      EMBER_CUDA_CHECK(cudaStreamWaitEvent(cs, ev));
    }
    d.device_last_stream = stream.index;
    d.device_streams |= bit;
  }
}

void before_gpu(const std::vector<array>& inputs, Stream s) {
  for (auto& in : inputs) {
    auto d = in.data_shared_ptr();
    if (d) to_device(*d, s);
  }
}

void after_gpu(const Primitive&, const std::vector<array>& inputs,
               std::vector<array>& outputs, Stream s) {
  for (auto& o : outputs) {
    auto d = o.data_shared_ptr();
    if (!d) continue;
    bool view = false;
    for (auto& in : inputs) view = view || in.data_shared_ptr() == d;
    if (view) continue;
    std::lock_guard<std::mutex> lk(d->mtx);
    d->device_event.reset();  // recorded on demand (ready_event_locked)
    d->device_last_stream = s.index;
    if (s.index < 64) d->device_streams |= uint64_t(1) << s.index;
    d->valid.store(Data::kDevice, std::memory_order_release);
  }
}

void to_host(Data& d) {
  std::lock_guard<std::mutex> lk(d.mtx);
  if (d.valid.load(std::memory_order_acquire) & Data::kHost) return;
  if (d.buffer.ptr == nullptr) {
    size_t n = d.buffer.size;
    d.buffer = allocator::malloc(std::max<size_t>(n, 1));
    d.buffer.size = n;
  }
  if (cudaEvent_t ev = ready_event_locked(d)) {
    EMBER_CUDA_CHECK(cudaEventSynchronize(ev));
  }
  if (d.buffer.size > 0) {
    auto cs = state().copy_stream;
    EMBER_CUDA_CHECK(cudaMemcpyAsync(d.buffer.ptr, d.device_ptr, d.buffer.size,
                                     cudaMemcpyDeviceToHost, cs));
    EMBER_CUDA_CHECK(cudaStreamSynchronize(cs));
  }
  d.valid.fetch_or(Data::kHost, std::memory_order_acq_rel);
}

void release(Data& d) {
  if (d.device_shared) {  // borrowed from the constant cache
    d.device_ptr = nullptr;
    return;
  }
  // Runs in ~Data: every user of the buffer has been launched. Free it in
  // order after all streams that used it.
  if (d.device_last_stream < 0) {
    // Allocated but never used by a stream (cannot happen); free eagerly.
    device_free_now(d.device_ptr, d.buffer.size, state().copy_stream);
    d.device_ptr = nullptr;
    return;
  }
  uint64_t streams = d.device_streams;
  if (d.device_last_stream < 64) streams |= uint64_t(1) << d.device_last_stream;
  free_after(d.device_ptr, d.buffer.size, d.device_last_stream, streams);
  d.device_ptr = nullptr;
}

void wait(Data& d) {
  std::shared_ptr<void> ev;
  {
    std::lock_guard<std::mutex> lk(d.mtx);
    if (!(d.valid.load(std::memory_order_acquire) & Data::kDevice)) return;
    ready_event_locked(d);
    ev = d.device_event;  // keep it alive while waiting without the lock
  }
  if (ev) EMBER_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(ev.get())));
}

void synchronize(Stream s) {
  EMBER_CUDA_CHECK(cudaStreamSynchronize(get_stream(s)));
}

}  // namespace

// Called once, when the first GPU is found.
void install_residency_hooks() {
  init_device();
  auto& h = residency_hooks();
  h.to_host = to_host;
  h.release = release;
  h.synchronize = synchronize;
  h.wait = wait;
  h.before_gpu = before_gpu;
  h.after_gpu = after_gpu;
  h.clear_cache = [] {
    release_cached_blocks();
    sync_streams();
    cudaMemPoolTrimTo(state().pool, 0);
  };
  install_profiler(h);
  install_graph_hooks();
}

cudaStream_t get_stream(const Stream& s) {
  if (cudaStream_t c = capture_stream(s.index)) return c;
  return stream_by_index(s.index);
}

cudaStream_t base_stream(const Stream& s) { return stream_by_index(s.index); }
cudaStream_t base_stream(int index) { return stream_by_index(index); }

void release_deferred() {
  auto& st = state();
  std::vector<DeferredFree> ready;
  {
    std::lock_guard<std::mutex> lk(st.mtx);
    uint64_t busy = capturing_streams();
    auto keep = std::partition(st.deferred.begin(), st.deferred.end(),
                               [busy](const DeferredFree& f) { return (f.streams & busy) != 0; });
    ready.assign(keep, st.deferred.end());
    st.deferred.erase(keep, st.deferred.end());
  }
  for (auto& f : ready) free_after(f.ptr, f.bytes, f.last, f.streams);
}

namespace {
// A fresh device-only Data of `n` bytes, produced on stream `s`.
std::shared_ptr<Data> device_data(size_t n, const Stream& s) {
  auto d = pool::make_shared<Data>(Buffer{nullptr, n});
  d->device_ptr = device_malloc(n, stream_by_index(s.index));
  d->device_last_stream = s.index;
  d->valid.store(Data::kDevice);
  return d;
}
}  // namespace

void allocate(array& out, const Stream& s) {
  out.set_data(device_data(out.nbytes(), s));
}

void allocate(array& out, const Stream& s, size_t data_size, Strides strides,
              Flags flags) {
  out.set_data(device_data(data_size * out.itemsize(), s), data_size,
               std::move(strides), flags);
}

Scratch::Scratch(size_t bytes, const Stream& s) : size_(bytes), stream_(s.index) {
  ptr_ = device_malloc(bytes, stream_by_index(s.index));
}
Scratch::~Scratch() {
  if (ptr_) free_after(ptr_, size_, stream_, stream_ < 64 ? uint64_t(1) << stream_ : 0);
}

void check_launch(const char* op) {
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string("[") + op +
                             "] CUDA kernel launch failed: " +
                             cudaGetErrorString(err) + ".");
  }
}

int sm_count() { return state().sms; }
int compute_capability() { return state().cc; }
size_t device_active_memory() { return state().active.load(); }

}  // namespace ember::cuda
