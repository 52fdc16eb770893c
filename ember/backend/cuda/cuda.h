// What eval_gpu implementations use: the CUDA stream of an ember stream,
// device pointers of inputs and outputs, output allocation, scratch memory
// and launch checks. Inputs arrive valid on the device (the runtime copies
// host data over before eval_gpu runs); outputs allocated here are
// device-only until something reads them on the host.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

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

/// Device memory bytes held by live arrays and scratch buffers.
size_t device_active_memory();

}  // namespace ember::cuda
