// CUDA graphs for launch overhead: each repeated segment of a GPU stream's
// tasks (the scheduler's unit of hand-over, see scheduler::SegmentHooks) is
// captured into a graph and launched as one.
//
// - The stream's worker captures on a private capture stream; get_stream()
//   returns it to the worker's thread while it captures, so kernels, library
//   calls (cuBLASLt, cuDNN, cuFFT, CUB) and device copies are recorded.
//   Everything else (allocations, host-to-device uploads, event waits, other
//   threads' events) goes to the ember stream's own CUDA stream, where it is
//   ordered before the graph, which is launched there at the segment's end.
// - Frees of buffers the capture may use are deferred until after the launch
//   (residency.cpp), and the scheduler publishes the segment's tasks as done
//   only then, so that no one sees captured work as finished.
// - A segment runs directly the first time its key (kinds, dtypes and shapes
//   of its tasks) is seen; from the second time it is captured, and the
//   graph either updates the executable graph cached for the key
//   (cudaGraphExecUpdate: new pointers and sizes) or is instantiated anew.
// - Autotuning (a host wait on timed runs) cannot be captured: it asks for
//   the segment to be dropped and run again directly (can_time in matmul.h,
//   redo_without_capture), where it tunes.
// - If capture fails (an API call invalidated it), nothing of the segment
//   has run, and the scheduler runs its tasks again without capture (safe
//   even for donated buffers: they were not written); a key that fails
//   twice is no longer captured.
// EMBER_CUDA_GRAPHS=0 turns this off; so does EMBER_CUDA_PROFILE (per-op
// timing needs direct launches). EMBER_CUDA_GRAPHS=always captures every
// segment, even single tasks seen once: a test mode that runs every
// primitive through capture. CallGraphs (cuda.h, at the end of this file)
// replays single library calls with a large host cost the same way.
#include <cuda_runtime.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/graphs.h"
#include "ember/backend/cuda/profile.h"
#include "ember/core/scheduler.h"

namespace ember::cuda {

namespace {

// Segments shorter than this run directly (a graph saves nothing there).
constexpr size_t kMinTasks = 2;
// Cached executable graphs per stream before the cache is emptied.
constexpr size_t kMaxEntries = 4096;
// A key whose capture failed this often is no longer captured.
constexpr uint32_t kMaxFailures = 2;

struct Entry {
  cudaGraphExec_t exec = nullptr;
  uint32_t seen = 0;
  uint32_t failures = 0;
};

struct StreamGraphs {
  cudaStream_t capture = nullptr;
  std::unordered_map<uint64_t, Entry> entries;  // used by the worker only
};

struct Graphs {
  std::mutex mtx;
  std::unordered_map<int, std::unique_ptr<StreamGraphs>> streams;
  std::atomic<uint64_t> capturing{0};
  std::atomic<int> enabled{-1};  // 0 off, 1 on, 2 always
  std::atomic<int64_t> captured{0}, launched{0}, instantiated{0}, updated{0},
      failed{0}, redone{0};
};

Graphs& graphs() {
  static Graphs* g = new Graphs();  // outlives static destructors
  return *g;
}

// The capture the current thread (a stream worker) is running.
struct Current {
  int index = -1;  // ember stream; -1 when not in a captured segment
  bool active = false;
  bool redo = false;  // drop the capture; the segment runs again directly
  StreamGraphs* sg = nullptr;
  Entry* entry = nullptr;
};
thread_local Current cur;

StreamGraphs& stream_graphs(int index) {
  auto& g = graphs();
  std::lock_guard<std::mutex> lk(g.mtx);
  auto& p = g.streams[index];
  if (!p) {
    // Created before it is kept: a failure here must not leave an entry
    // whose capture stream is null (the legacy default stream).
    auto sg = std::make_unique<StreamGraphs>();
    EMBER_CUDA_CHECK(cudaStreamCreateWithFlags(&sg->capture, cudaStreamNonBlocking));
    p = std::move(sg);
  }
  return *p;
}

int mode() {
  auto& g = graphs();
  int v = g.enabled.load(std::memory_order_relaxed);
  if (v < 0) {
    const char* e = std::getenv("EMBER_CUDA_GRAPHS");
    int m = 1;
    if (profiling || (e && std::strcmp(e, "0") == 0)) {
      m = 0;
    } else if (e && std::strcmp(e, "always") == 0) {
      m = 2;
    }
    g.enabled.compare_exchange_strong(v, m);
    v = g.enabled.load(std::memory_order_relaxed);
  }
  return v;
}

// Runs the deferred frees; an error there (a failed event record) leaves
// them deferred rather than escaping into the scheduler's worker.
void release_deferred_quietly() {
  try {
    release_deferred();
  } catch (...) {
  }
}

// Ends the current capture and launches what it recorded on the ember
// stream's CUDA stream. Returns false if the captured work was lost.
bool finish_capture() {
  auto& g = graphs();
  Entry& e = *cur.entry;
  cudaGraph_t graph = nullptr;
  cudaError_t err = cudaStreamEndCapture(cur.sg->capture, &graph);
  g.capturing.fetch_and(~(uint64_t(1) << cur.index));
  cur.active = false;
  bool ok = err == cudaSuccess && graph != nullptr;
  if (ok && cur.redo) {
    // Dropped on request (redo_without_capture): not a failure.
    cudaGraphDestroy(graph);
    g.redone.fetch_add(1);
    release_deferred_quietly();
    return false;
  }
  if (ok) {
    size_t nodes = 0;
    ok = cudaGraphGetNodes(graph, nullptr, &nodes) == cudaSuccess;
    if (ok && nodes > 0) {
      if (e.exec) {
        cudaGraphExecUpdateResultInfo info;
        if (cudaGraphExecUpdate(e.exec, graph, &info) == cudaSuccess) {
          g.updated.fetch_add(1);
        } else {
          // Other topology or kernels: instantiate anew. An executable
          // graph still running is freed when it completes.
          cudaGetLastError();
          cudaGraphExecDestroy(e.exec);
          e.exec = nullptr;
        }
      }
      if (!e.exec) {
        ok = cudaGraphInstantiate(&e.exec, graph, 0) == cudaSuccess;
        if (ok) {
          g.instantiated.fetch_add(1);
        } else {
          e.exec = nullptr;
        }
      }
      ok = ok && cudaGraphLaunch(e.exec, base_stream(cur.index)) == cudaSuccess;
      if (ok) g.launched.fetch_add(1);
    }
  }
  if (graph) cudaGraphDestroy(graph);
  if (!ok) {
    if (mode() == 2) {  // the test mode reports what broke the capture
      std::fprintf(stderr, "[ember cuda graphs] capture lost: %s\n",
                   cudaGetErrorString(err != cudaSuccess ? err : cudaGetLastError()));
    }
    cudaGetLastError();  // clear the error the capture left
    e.failures += 1;
    g.failed.fetch_add(1);
  }
  release_deferred_quietly();
  return ok;
}

bool begin_capture(Stream s, uint64_t key, size_t ntasks) {
  int m = mode();
  if (s.device.type != DeviceType::gpu || m == 0 || s.index < 0 || s.index >= 64 ||
      (ntasks < kMinTasks && m == 1)) {
    return false;
  }
  StreamGraphs& sg = stream_graphs(s.index);
  if (sg.entries.size() >= kMaxEntries) {
    for (auto& [k, e] : sg.entries) {
      if (e.exec) cudaGraphExecDestroy(e.exec);
    }
    sg.entries.clear();
  }
  Entry& e = sg.entries[key];
  e.seen += 1;
  if ((e.seen < 2 && m == 1) || e.failures >= kMaxFailures) return false;
  auto& g = graphs();
  // Set before capturing: a free that sees the bit is deferred.
  g.capturing.fetch_or(uint64_t(1) << s.index);
  if (cudaStreamBeginCapture(sg.capture, cudaStreamCaptureModeRelaxed) != cudaSuccess) {
    cudaGetLastError();
    g.capturing.fetch_and(~(uint64_t(1) << s.index));
    release_deferred_quietly();
    return false;
  }
  cur = Current{s.index, true, false, &sg, &e};
  g.captured.fetch_add(1);
  return true;
}

// The hooks must not throw (they run outside any task): an error before the
// capture began runs the segment directly; one while ending it counts as a
// lost capture only if nothing was launched.
bool begin_segment(Stream s, uint64_t key, size_t ntasks) {
  try {
    return begin_capture(s, key, ntasks);
  } catch (...) {
    return false;
  }
}

bool end_segment(Stream s) {
  bool ok = cur.index == s.index && cur.active && finish_capture();
  cur = Current{};
  return ok;
}

}  // namespace

void redo_without_capture(const Stream& s) {
  if (cur.active && cur.index == s.index) cur.redo = true;
}

cudaStream_t capture_stream(int index) {
  return cur.active && cur.index == index ? cur.sg->capture : nullptr;
}

uint64_t capturing_streams() {
  return graphs().capturing.load(std::memory_order_acquire);
}

void set_graphs(bool on) {
  if (on != (mode() != 0)) graphs().enabled.store(on ? 1 : 0);
}

void graph_counts(int64_t& captured, int64_t& launched, int64_t& instantiated,
                  int64_t& updated, int64_t& failed) {
  auto& g = graphs();
  captured = g.captured.load();
  launched = g.launched.load();
  instantiated = g.instantiated.load();
  updated = g.updated.load();
  failed = g.failed.load();
}

// ---- CallGraphs (declared in cuda.h) ----

namespace {

std::atomic<int64_t> g_call_captured{0}, g_call_replayed{0};

// 0 off, 1 replay whenever cached, 2 replay only on an idle stream.
int call_mode() {
  static const int m = [] {
    const char* e = std::getenv("EMBER_CUDA_CALL_GRAPHS");
    if (e && std::strcmp(e, "0") == 0) return 0;
    if (e && std::strcmp(e, "1") == 0) return 1;
    return 2;
  }();
  return mode() == 0 ? 0 : m;
}

// Keys kept per CallGraphs (seen or captured) before it is emptied.
constexpr size_t kMaxCallKeys = 256;

// The calling thread's stream for capturing calls (never launched on).
cudaStream_t call_capture_stream() {
  thread_local cudaStream_t cs = nullptr;
  thread_local int device = -1;
  int dev = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&dev));
  if (cs == nullptr || device != dev) {
    EMBER_CUDA_CHECK(cudaStreamCreateWithFlags(&cs, cudaStreamNonBlocking));
    device = dev;
  }
  return cs;
}

}  // namespace

CallGraphs::~CallGraphs() { clear(); }

void CallGraphs::clear() {
  for (auto& [k, slot] : slots_) {
    if (slot.exec) cudaGraphExecDestroy(slot.exec);
  }
  slots_.clear();
}

void CallGraphs::run(cudaStream_t s, const std::vector<uint64_t>& key,
                     const std::function<void(cudaStream_t)>& call) {
  int m = call_mode();
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  if (m == 0 || cudaStreamIsCapturing(s, &status) != cudaSuccess ||
      status != cudaStreamCaptureStatusNone) {
    cudaGetLastError();
    call(s);
    return;
  }
  if (slots_.size() >= kMaxCallKeys && slots_.find(key) == slots_.end()) clear();
  Slot& slot = slots_[key];
  slot.seen += 1;
  if (slot.exec) {
    bool idle = true;
    if (m == 2) {
      cudaError_t q = cudaStreamQuery(s);
      idle = q == cudaSuccess;
      if (q == cudaErrorNotReady) cudaGetLastError();
    }
    if (idle) {
      if (cudaGraphLaunch(slot.exec, s) == cudaSuccess) {
        g_call_replayed.fetch_add(1);
        return;
      }
      cudaGetLastError();
      cudaGraphExecDestroy(slot.exec);
      slot.exec = nullptr;
      slot.failures += 1;
    }
    call(s);
    return;
  }
  if (slot.seen < 2 || slot.failures >= kMaxFailures) {
    call(s);
    return;
  }
  // Capture on a private stream: nothing of the call runs until the graph
  // is launched on `s`; if anything fails, the call runs directly.
  cudaStream_t cs = nullptr;
  try {
    cs = call_capture_stream();
  } catch (...) {
    cs = nullptr;
  }
  if (cs == nullptr ||
      cudaStreamBeginCapture(cs, cudaStreamCaptureModeRelaxed) != cudaSuccess) {
    cudaGetLastError();
    slot.failures += 1;
    call(s);
    return;
  }
  bool threw = false;
  try {
    call(cs);
  } catch (...) {
    threw = true;
  }
  cudaGraph_t graph = nullptr;
  cudaError_t err = cudaStreamEndCapture(cs, &graph);
  cudaGraphExec_t exec = nullptr;
  bool ok = !threw && err == cudaSuccess && graph != nullptr &&
            cudaGraphInstantiate(&exec, graph, 0) == cudaSuccess &&
            cudaGraphLaunch(exec, s) == cudaSuccess;
  if (graph) cudaGraphDestroy(graph);
  if (ok) {
    slot.exec = exec;
    g_call_captured.fetch_add(1);
    return;
  }
  cudaGetLastError();
  if (exec) cudaGraphExecDestroy(exec);
  slot.failures += 1;
  call(s);  // runs (or throws) as it would have without graphs
}

void call_graph_counts(int64_t& captured, int64_t& replayed) {
  captured = g_call_captured.load();
  replayed = g_call_replayed.load();
}

void install_graph_hooks() {
  auto& h = scheduler::segment_hooks();
  h.begin = begin_segment;
  h.end = end_segment;
}

}  // namespace ember::cuda
