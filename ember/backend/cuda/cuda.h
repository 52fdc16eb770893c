// What eval_gpu implementations use: the CUDA stream of an ember stream,
// device pointers of inputs and outputs, output allocation, scratch memory
// and launch checks. Inputs arrive valid on the device (the runtime copies
// host data over before eval_gpu runs); outputs allocated here are
// device-only until something reads them on the host.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "ember/backend/cuda/utils.h"
#include "ember/core/array.h"

namespace ember::cuda {

/// The CUDA stream to launch the work of an ember GPU stream on. While the
/// calling stream worker captures a segment into a CUDA graph (graphs.cpp),
/// this is the capture stream.
cudaStream_t get_stream(const Stream& s);
/// The ember stream's own CUDA stream, never a capture stream: what memory
/// that outlives a call (e.g. a workspace) is allocated on.
cudaStream_t base_stream(const Stream& s);

/// Drops the calling thread's capture of a segment of `s`, if any, at its end;
/// the segment then runs again without capture (for work that must not be
/// captured, such as autotuning's timed runs; nothing of the capture runs).
void redo_without_capture(const Stream& s);
/// Turns the capture of repeated segments into CUDA graphs on or off (the
/// default is EMBER_CUDA_GRAPHS: on unless "0").
void set_graphs(bool on);
/// Counters of graph capture since the start, for tests and benchmarks:
/// segments whose capture began, graphs launched, executable graphs
/// instantiated and updated in place, and captures lost (their segment ran
/// again directly).
void graph_counts(int64_t& captured, int64_t& launched, int64_t& instantiated,
                  int64_t& updated, int64_t& failed);

/// Replays a library call whose host cost is large (cuDNN's execute builds
/// its kernel arguments on every call, tens of microseconds) from CUDA graphs
/// cached by everything that decides what the call enqueues: `key` holds the
/// plan, the device pointers (workspace included) and the scalars passed by
/// value. run() enqueues `call` on `s` directly the first time a key is seen,
/// captures it into a graph the second time (launched on `s`), and from then
/// on launches that graph, a few microseconds of host time, when `s` has
/// nothing queued (its latency is then what the caller waits for); with work
/// queued the host cost is hidden and the call runs directly (a replayed
/// memset and kernel left 1.4 us more of gaps on the GPU than the same two
/// launched on the stream). While `s` is being captured (a segment, graphs.cpp) it runs
/// directly. Not thread-safe: the owner serialises its calls.
/// EMBER_CUDA_CALL_GRAPHS: "0" off, "1" replay even with work queued,
/// otherwise only when idle; off whenever set_graphs(false) or
/// EMBER_CUDA_GRAPHS=0.
class CallGraphs {
 public:
  CallGraphs() = default;
  ~CallGraphs();
  CallGraphs(const CallGraphs&) = delete;
  CallGraphs& operator=(const CallGraphs&) = delete;
  void run(cudaStream_t s, const std::vector<uint64_t>& key,
           const std::function<void(cudaStream_t)>& call);

 private:
  struct Slot {
    cudaGraphExec_t exec = nullptr;
    uint32_t seen = 0;
    uint32_t failures = 0;
  };
  void clear();
  std::map<std::vector<uint64_t>, Slot> slots_;
};
/// Counters of CallGraphs since the start (tests, benchmarks): calls
/// captured into graphs and graph launches that replayed one.
void call_graph_counts(int64_t& captured, int64_t& replayed);

/// Device pointer to the first element of an (input or output) array,
/// including its view offset.
template <typename T = void>
T* gpu_ptr(const array& a) {
  auto* base = static_cast<char*>(a.data_shared_ptr()->device_ptr);
  return reinterpret_cast<T*>(base + a.offset());
}

/// Gives `out` a fresh row-contiguous device buffer of out.nbytes().
void allocate(array& out, const Stream& s);
/// Same with explicit layout (`data_size` elements).
void allocate(array& out, const Stream& s, size_t data_size, Strides strides,
              Flags flags);

/// Device memory for a kernel's temporary storage, released in stream order
/// when the object goes out of scope (after the kernels queued so far).
class Scratch {
 public:
  Scratch(size_t bytes, const Stream& s);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void* get() const { return ptr_; }
  size_t size() const { return size_; }

 private:
  void* ptr_ = nullptr;
  size_t size_ = 0;
  int stream_;  // ember stream index
};

/// Throws "[op] CUDA kernel launch failed: ..." if the last launch failed.
void check_launch(const char* op);

/// gridDim.x limit: a grid capped here covers any work in one pass.
inline constexpr int64_t kMaxGridBlocks = 0x7fffffff;

/// Blocks of `threads` covering n items (capped for grid-stride loops).
inline unsigned num_blocks(int64_t n, int threads = 256,
                           int64_t max_blocks = 65535LL * 16) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  return unsigned(b < max_blocks ? b : max_blocks);
}

/// Number of SMs of the current GPU.
int sm_count();
/// Compute capability of the current GPU as 10 * major + minor (90: Hopper).
int compute_capability();

/// A CUDA driver API function resolved through the runtime (libember does
/// not link libcuda), or null when the driver lacks it.
void* driver_entry_point(const char* name);

/// Device memory bytes held by live arrays and scratch buffers.
size_t device_active_memory();

}  // namespace ember::cuda
