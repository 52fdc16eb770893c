// eval_gpu of Compiled (a fused elementwise group): one kernel generated for
// the group (primitives/compiled_source.h), compiled by NVRTC for the
// current device and loaded with the driver API, whose functions come from
// the runtime (cudaGetDriverEntryPointByVersion): libember does not link
// libcuda, which machines without an NVIDIA driver lack (there the library
// still loads and reports the GPU unavailable).
// Layouts: every non-scalar input dense with one common layout -> a flat
// grid-stride kernel over the dense buffer (16-byte vector accesses when
// every pointer is aligned, then a scalar tail; scalars read once per
// thread, scalar constants of the trace compiled in as literals; outputs
// take that layout, or an input's buffer when it can be donated);
// otherwise, when the layout collapses to R x C with C >= 128, the rows
// kernel (compiled_source.h): a warp per task of up to 8 vectors per lane
// of one row, each input dense (flat index, vector accesses aligned from
// the first column whose flat index is a multiple of the width, so odd C
// works), a scalar, an (R, 1) column read once per task (a logsumexp), a
// (1, C) row (a bias, a class index) or general 2-d strides; one division
// per task instead of two per dim and element (the strided kernel took
// 2.6 ms for the (8192, 50257) cross-entropy gradient); else a strided
// kernel (int64 offsets from the collapsed shape and strides). Outputs of
// both are row-contiguous. All use 32-bit index arithmetic when the size
// allows. float16/bfloat16 values stay in float inside the
// kernel (detail::FusedHalf, compiled_source.cpp says why; per-op rounding
// with EMBER_FUSED_HALF=rounded).
// Traffic: each input read once, each output written once.
// Kernels are cached by source text for the process and per primitive by
// layout key, so a replayed step costs one launch. If NVRTC or the module
// load fails (or the layout has too many dims), the group runs unfused with
// the existing kernels (EMBER_DEBUG=1 logs why, once).
#include <cuda.h>
#include <cuda_runtime.h>
#include <nvrtc.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/profile.h"
#include "ember/primitives/compiled.h"
#include "ember/primitives/compiled_source.h"

namespace ember {

namespace cuda {
namespace {

constexpr int kFusedThreads = 256;

struct FusedKernel {
  CUfunction fn = nullptr;
  std::string error;  // why there is no kernel
};

// Driver API functions, resolved once through the runtime.
struct Driver {
  decltype(&cuGetErrorString) GetErrorString = nullptr;
  decltype(&cuCtxGetCurrent) CtxGetCurrent = nullptr;
  decltype(&cuInit) Init = nullptr;
  decltype(&cuDeviceGet) DeviceGet = nullptr;
  decltype(&cuDevicePrimaryCtxRetain) DevicePrimaryCtxRetain = nullptr;
  decltype(&cuCtxSetCurrent) CtxSetCurrent = nullptr;
  decltype(&cuModuleLoadData) ModuleLoadData = nullptr;
  decltype(&cuModuleGetFunction) ModuleGetFunction = nullptr;
  decltype(&cuLaunchKernel) LaunchKernel = nullptr;
  std::string error;  // the first entry point that could not be resolved
};

const Driver& driver() {
  static const Driver d = [] {
    Driver d;
    auto get = [&d](const char* name, auto& fn) {
      void* p = driver_entry_point(name);
      if (!p) {
        if (d.error.empty()) {
          d.error = std::string("CUDA driver function ") + name +
                    " is not available";
        }
        return;
      }
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
    };
    get("cuGetErrorString", d.GetErrorString);
    get("cuCtxGetCurrent", d.CtxGetCurrent);
    get("cuInit", d.Init);
    get("cuDeviceGet", d.DeviceGet);
    get("cuDevicePrimaryCtxRetain", d.DevicePrimaryCtxRetain);
    get("cuCtxSetCurrent", d.CtxSetCurrent);
    get("cuModuleLoadData", d.ModuleLoadData);
    get("cuModuleGetFunction", d.ModuleGetFunction);
    get("cuLaunchKernel", d.LaunchKernel);
    return d;
  }();
  return d;
}

void debug_log(const std::string& what) {
  static bool on = [] {
    const char* e = std::getenv("EMBER_DEBUG");
    return e && *e && std::string(e) != "0";
  }();
  static std::atomic<bool> logged{false};
  if (on && !logged.exchange(true)) {
    std::fprintf(stderr,
                 "[ember] Compiled: running fused group unfused: %s\n",
                 what.c_str());
  }
}

std::string cu_error(CUresult r) {
  const char* s = nullptr;
  if (driver().GetErrorString) driver().GetErrorString(r, &s);
  return s ? s : ("CUresult " + std::to_string(int(r)));
}

// The runtime has made the primary context current on threads that used
// it; make sure the driver API sees it on this one too.
std::string ensure_context() {
  CUcontext ctx = nullptr;
  const Driver& dr = driver();
  if (!dr.error.empty()) return dr.error;
  if (dr.CtxGetCurrent(&ctx) == CUDA_SUCCESS && ctx) return {};
  int dev = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&dev));
  CUdevice d;
  CUresult r = dr.Init(0);
  if (r == CUDA_SUCCESS) r = dr.DeviceGet(&d, dev);
  if (r == CUDA_SUCCESS) r = dr.DevicePrimaryCtxRetain(&ctx, d);
  if (r == CUDA_SUCCESS) r = dr.CtxSetCurrent(ctx);
  return r == CUDA_SUCCESS ? std::string() : "no CUDA context: " + cu_error(r);
}

// Compiles `src` to a cubin for the current device and loads em_kernel.
std::shared_ptr<FusedKernel> build(const std::string& src) {
  auto k = std::make_shared<FusedKernel>();
  nvrtcProgram prog;
  nvrtcResult r = nvrtcCreateProgram(&prog, src.c_str(), "ember_fused.cu", 0,
                                     nullptr, nullptr);
  if (r != NVRTC_SUCCESS) {
    k->error = std::string("nvrtcCreateProgram: ") + nvrtcGetErrorString(r);
    return k;
  }
  std::string arch = "--gpu-architecture=sm_" + std::to_string(compute_capability());
  const char* opts[] = {arch.c_str(), "--std=c++17"};
  r = nvrtcCompileProgram(prog, 2, opts);
  std::vector<char> cubin;
  if (r == NVRTC_SUCCESS) {
    size_t n = 0;
    r = nvrtcGetCUBINSize(prog, &n);
    if (r == NVRTC_SUCCESS) {
      cubin.resize(n);
      r = nvrtcGetCUBIN(prog, cubin.data());
    }
  }
  if (r != NVRTC_SUCCESS) {
    size_t n = 0;
    std::string log;
    if (nvrtcGetProgramLogSize(prog, &n) == NVRTC_SUCCESS && n > 1) {
      log.resize(n);
      nvrtcGetProgramLog(prog, log.data());
    }
    k->error = std::string("NVRTC (") + arch + "): " + nvrtcGetErrorString(r) +
               "\n" + log + "\nsource:\n" + src;
    nvrtcDestroyProgram(&prog);
    return k;
  }
  nvrtcDestroyProgram(&prog);
  k->error = ensure_context();
  if (!k->error.empty()) return k;
  CUmodule mod;  // kept for the life of the process, like the cache entry
  CUresult cr = driver().ModuleLoadData(&mod, cubin.data());
  if (cr == CUDA_SUCCESS) cr = driver().ModuleGetFunction(&k->fn, mod, "em_kernel");
  if (cr != CUDA_SUCCESS) {
    k->fn = nullptr;
    k->error = "loading the NVRTC module: " + cu_error(cr);
  }
  return k;
}

// Process-wide cache by source text: equal groups (other traces, other
// compiled functions) share one compilation.
std::shared_ptr<FusedKernel> kernel_for(const std::string& src) {
  static std::mutex mtx;
  static std::unordered_map<std::string, std::shared_ptr<FusedKernel>> cache;
  {
    std::lock_guard<std::mutex> lock(mtx);
    auto it = cache.find(src);
    if (it != cache.end()) return it->second;
  }
  if (profiling) profile_note = "nvrtc";
  auto k = build(src);  // outside the lock: NVRTC takes tens of ms
  std::lock_guard<std::mutex> lock(mtx);
  return cache.emplace(src, std::move(k)).first->second;
}

// float16/bfloat16 values inside a kernel: in float (default), or rounded
// to their dtype after every op, as the unfused kernels store them, with
// EMBER_FUSED_HALF=rounded (with the precise functions; about 3.5x the
// instructions per element of a bf16 GELU).
detail::FusedHalf half_mode() {
  static const detail::FusedHalf m = [] {
    const char* e = std::getenv("EMBER_FUSED_HALF");
    return e && std::string(e) == "rounded" ? detail::FusedHalf::rounded
                                            : detail::kFusedHalfDefault;
  }();
  return m;
}

std::shared_ptr<FusedKernel> cached_kernel(const Compiled& c,
                                           const std::string& key,
                                           bool strided,
                                           const std::vector<char>& scalar,
                                           int vec) {
  if (auto k = c.cached(key)) return std::static_pointer_cast<FusedKernel>(k);
  auto k = kernel_for(detail::fused_kernel_source(c.tape(), strided, scalar,
                                                   vec, half_mode()));
  c.set_cached(key, k);
  return k;
}

// The rows kernel's kernel for input `modes` (compiled_source.h).
std::shared_ptr<FusedKernel> cached_rows_kernel(const Compiled& c,
                                                const std::string& modes,
                                                int vec) {
  std::string key = "r" + modes;
  if (auto k = c.cached(key)) return std::static_pointer_cast<FusedKernel>(k);
  auto k = kernel_for(
      detail::fused_rows_kernel_source(c.tape(), modes, vec, half_mode()));
  c.set_cached(key, k);
  return k;
}

void launch(const FusedKernel& k, int64_t work, std::vector<void*>& args,
            const Stream& s) {
  // One pass over the work (see elementwise_blocks: looping blocks left
  // bandwidth unused); threads loop only past the grid size limit.
  unsigned blocks = num_blocks(work, kFusedThreads, kMaxGridBlocks);
  CUresult r = driver().LaunchKernel(k.fn, blocks, 1, 1, kFusedThreads, 1,
                              1, 0, static_cast<CUstream>(get_stream(s)),
                              args.data(), nullptr);
  if (r != CUDA_SUCCESS) {
    throw std::runtime_error("[Compiled] Kernel launch failed: " +
                             cu_error(r));
  }
  check_launch("Compiled");
}

bool aligned(const void* p, size_t bytes) {
  return reinterpret_cast<uintptr_t>(p) % bytes == 0;
}

}  // namespace

void* driver_entry_point(const char* name) {
  void* p = nullptr;
  cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSymbolNotFound;
  if (cudaGetDriverEntryPointByVersion(name, &p, 12000, cudaEnableDefault, &q) != cudaSuccess ||
      q != cudaDriverEntryPointSuccess) {
    cudaGetLastError();
    return nullptr;
  }
  return p;
}

}  // namespace cuda

void Compiled::eval_gpu(const std::vector<array>& inputs,
                        std::vector<array>& outputs) {
  const Stream& s = stream();
  const auto& t = tape();
  auto unfused = [&](const std::string& why) {
    if (cuda::profiling) cuda::profile_note = "unfused";
    cuda::debug_log(why);
    detail::note_fused_fallback();
    auto& hooks = residency_hooks();
    eval_unfused(inputs, outputs,
                 [&](Primitive& p, const std::vector<array>& ins,
                     std::vector<array>& outs) {
                   hooks.before_gpu(ins, s);
                   p.eval_gpu(ins, outs);
                   hooks.after_gpu(p, ins, outs, s);
                 });
  };
  const size_t nin = inputs.size(), nout = outputs.size();
  const int64_t n = int64_t(outputs[0].size());
  if (n == 0) {
    for (auto& o : outputs) cuda::allocate(o, s);
    return;
  }
  // Inputs arrive broadcast to the output shape (scalars: data_size 1).
  std::vector<char> scalar(nin, 0);
  const array* layout = nullptr;
  bool flat = true;
  for (size_t i = 0; i < nin; ++i) {
    const array& in = inputs[i];
    if (in.data_size() == 1) {
      scalar[i] = 1;
    } else if (!in.flags().contiguous || int64_t(in.data_size()) != n) {
      flat = false;
    } else if (!layout) {
      layout = &in;
    } else if (in.strides() != layout->strides()) {
      flat = false;
    }
  }
  // Device pointers, taken before any input's buffer moves to an output.
  std::vector<void*> ptrs(nin + nout);
  for (size_t i = 0; i < nin; ++i) ptrs[i] = cuda::gpu_ptr<void>(inputs[i]);
  std::vector<void*> args;
  long long count = n;

  if (flat) {
    std::string key = "f";
    for (char c : scalar) key += c ? 's' : 'd';
    int vec = detail::fused_vec_width(t, scalar);
    auto k = cuda::cached_kernel(*this, key, false, scalar, vec);
    if (!k->fn) return unfused(k->error);
    std::vector<char> donated(nin, 0);
    for (size_t j = 0; j < nout; ++j) {
      bool done = false;
      for (size_t i = 0; i < nin && layout && !done; ++i) {
        if (scalar[i] || donated[i] ||
            inputs[i].itemsize() != outputs[j].itemsize() ||
            !cuda::donatable_gpu(inputs[i], s)) {
          continue;
        }
        // In place: each element of the input is read before the same
        // thread writes that element of the output.
        outputs[j].move_shared_buffer(inputs[i]);
        donated[i] = 1;
        done = true;
      }
      if (done) continue;
      if (layout) {
        cuda::allocate(outputs[j], s, layout->data_size(), layout->strides(),
                       layout->flags());
      } else {
        cuda::allocate(outputs[j], s);
      }
    }
    for (size_t j = 0; j < nout; ++j)
      ptrs[nin + j] = cuda::gpu_ptr<void>(outputs[j]);
    int vec_ok = vec > 1;
    for (size_t i = 0; i < nin && vec_ok; ++i) {
      if (!scalar[i])
        vec_ok = cuda::aligned(ptrs[i], inputs[i].itemsize() * vec);
    }
    for (size_t j = 0; j < nout && vec_ok; ++j)
      vec_ok = cuda::aligned(ptrs[nin + j], outputs[j].itemsize() * vec);
    for (auto& p : ptrs) args.push_back(&p);
    args.push_back(&count);
    args.push_back(&vec_ok);
    if (cuda::profiling && !cuda::profile_note) {
      cuda::profile_note = vec_ok ? "flat vec" : "flat";
    }
    cuda::launch(*k, vec_ok ? n / vec + n % vec : n, args, s);
    return;
  }

  // Collapse dims over every input and the row-major output.
  std::vector<Strides> st;
  for (auto& in : inputs) st.push_back(in.strides());
  st.push_back(row_strides(outputs[0].shape()));
  auto [shape, cst] = collapse_contiguous_dims(outputs[0].shape(), st);

  // Rows: R x C (a 1-d layout is one row) with rows wide enough to give
  // every lane of a warp work; each input dense, a scalar, a column, a row
  // or general 2-d strides.
  constexpr int64_t kRowsMinCols = 128;
  if (shape.size() <= 2 && shape.back() >= kRowsMinCols) {
    const bool two = shape.size() == 2;
    const int64_t C = shape.back(), R = two ? shape[0] : 1;
    std::string modes(nin, 'g');
    std::vector<long long> rs(nin, 0), cs(nin, 0);
    std::vector<char> not_dense(nin, 1);
    for (size_t i = 0; i < nin; ++i) {
      const int64_t a = two ? cst[i][0] : 0, b = cst[i].back();
      rs[i] = a;
      cs[i] = b;
      if (scalar[i]) {
        modes[i] = 's';
      } else if (b == 1 && (!two || a == C)) {
        modes[i] = 'd';
        not_dense[i] = 0;
      } else if (b == 0) {
        modes[i] = 'c';
      } else if (a == 0 && b == 1) {
        modes[i] = 'r';
      }
    }
    // Vector width from the dense operands and outputs only.
    int vec = detail::fused_vec_width(t, not_dense);
    auto k = cuda::cached_rows_kernel(*this, modes, vec);
    if (!k->fn) return unfused(k->error);
    for (size_t j = 0; j < nout; ++j) {
      cuda::allocate(outputs[j], s);
      ptrs[nin + j] = cuda::gpu_ptr<void>(outputs[j]);
    }
    bool vec_ok = vec > 1;
    for (size_t i = 0; i < nin && vec_ok; ++i) {
      if (modes[i] == 'd')
        vec_ok = cuda::aligned(ptrs[i], inputs[i].itemsize() * vec);
    }
    for (size_t j = 0; j < nout && vec_ok; ++j)
      vec_ok = cuda::aligned(ptrs[nin + j], outputs[j].itemsize() * vec);
    // A warp's task: up to 8 vectors per lane of one row.
    const int64_t CH = std::min<int64_t>(C, int64_t(32) * vec * 8);
    const int64_t nchunk = (C + CH - 1) / CH;
    const int64_t tasks = R * nchunk;
    // EmRows {C, CH, nchunk, tasks, vec_ok, rs[nin], cs[nin]}, all int64.
    std::vector<long long> meta{(long long)C, (long long)CH, (long long)nchunk,
                                (long long)tasks, vec_ok ? 1LL : 0LL};
    meta.insert(meta.end(), rs.begin(), rs.end());
    meta.insert(meta.end(), cs.begin(), cs.end());
    for (auto& p : ptrs) args.push_back(&p);
    args.push_back(&count);
    args.push_back(meta.data());
    if (cuda::profiling && !cuda::profile_note) {
      cuda::profile_note = vec_ok ? "rows vec" : "rows";
    }
    cuda::launch(*k, tasks * 32, args, s);
    return;
  }

  constexpr int D = detail::kFusedMaxDims;
  if (int(shape.size()) > D) {
    return unfused("layout with " + std::to_string(shape.size()) +
                   " dims after collapsing");
  }
  auto k = cuda::cached_kernel(*this, "s", true, scalar, 1);
  if (!k->fn) return unfused(k->error);
  // EmMeta {ndim, shape[D], strides[nin][D]}, all int64.
  std::vector<long long> meta(1 + D + nin * D, 0);
  meta[0] = (long long)shape.size();
  for (size_t d = 0; d < shape.size(); ++d) {
    meta[1 + d] = shape[d];
    for (size_t i = 0; i < nin; ++i) meta[1 + D + i * D + d] = cst[i][d];
  }
  for (size_t j = 0; j < nout; ++j) {
    cuda::allocate(outputs[j], s);
    ptrs[nin + j] = cuda::gpu_ptr<void>(outputs[j]);
  }
  for (auto& p : ptrs) args.push_back(&p);
  args.push_back(&count);
  args.push_back(meta.data());
  if (cuda::profiling && !cuda::profile_note) cuda::profile_note = "strided";
  cuda::launch(*k, n, args, s);
}

}  // namespace ember
