// FFT on the GPU with cuFFT (single precision: complex64 / float32 data).
//
// The primitive's input is already padded/truncated by the op (fft_impl):
// complex transforms read n[i] points per axis; rfft reads n real points on
// the last axis of `axes`; irfft reads n/2 + 1 bins there (n = real_size).
// The transform is split into passes of at most 3 axes (cuFFT's largest
// rank), each a batched plan over the trailing dims of a contiguous buffer:
// before a pass the data is copied (with copy_gpu_raw, any input strides)
// into a buffer whose layout has the pass's axes last, in `axes` order, the
// other dims keeping their order as the batch. A pass whose result is
// already in the output's row-major layout writes into `out` directly; else
// a final copy permutes into `out`. Pass order follows the CPU: rfft runs
// R2C over the last (up to 3) axes, then C2C over the rest; irfft runs C2C
// inverses over all axes but the last, zeroes the imaginary parts of the DC
// and Nyquist bins (ignored by the CPU, undefined for cuFFT) and ends with a
// 1-D C2R. Axes of length 1 are identities (dropped from C2C passes).
// Inverses are scaled by 1/prod(n) afterwards, as the CPU does.
//
// Plans (cufftMakePlanMany64, no auto-allocated work area) are cached per
// (type, sizes, batch), least recently used evicted past 64; each execution
// takes the cache lock (a plan runs on one stream at a time), points the
// plan at the ember stream and a stream-ordered scratch work area.
// Traffic: one copy-in per pass (plus the final permute when needed), the
// cuFFT passes, and one read+write of the output for the inverse scaling.
#include <cufft.h>

#include <algorithm>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/primitives/fft.h"

namespace ember {
namespace cuda {
namespace {

const char* cufft_error_name(cufftResult r) {
  switch (r) {
    case CUFFT_INVALID_PLAN: return "CUFFT_INVALID_PLAN";
    case CUFFT_ALLOC_FAILED: return "CUFFT_ALLOC_FAILED";
    case CUFFT_INVALID_TYPE: return "CUFFT_INVALID_TYPE";
    case CUFFT_INVALID_VALUE: return "CUFFT_INVALID_VALUE";
    case CUFFT_INTERNAL_ERROR: return "CUFFT_INTERNAL_ERROR";
    case CUFFT_EXEC_FAILED: return "CUFFT_EXEC_FAILED";
    case CUFFT_SETUP_FAILED: return "CUFFT_SETUP_FAILED";
    case CUFFT_INVALID_SIZE: return "CUFFT_INVALID_SIZE";
    case CUFFT_UNALIGNED_DATA: return "CUFFT_UNALIGNED_DATA";
    case CUFFT_INVALID_DEVICE: return "CUFFT_INVALID_DEVICE";
    case CUFFT_NO_WORKSPACE: return "CUFFT_NO_WORKSPACE";
    case CUFFT_NOT_IMPLEMENTED: return "CUFFT_NOT_IMPLEMENTED";
    case CUFFT_NOT_SUPPORTED: return "CUFFT_NOT_SUPPORTED";
    default: return "cuFFT error";
  }
}

void check_cufft(cufftResult r, const char* what) {
  if (r != CUFFT_SUCCESS) {
    throw std::runtime_error(std::string("[FFT] cuFFT ") + what + " failed: " +
                             cufft_error_name(r) + " (" +
                             std::to_string(int(r)) + ").");
  }
}

// A batched transform over the trailing `rank` dims of a packed buffer.
struct PlanKey {
  cufftType type;
  int rank;
  long long n[3];  // logical sizes, outermost first (real sizes for R2C/C2R)
  long long batch;
  bool operator==(const PlanKey& o) const {
    return type == o.type && rank == o.rank && batch == o.batch &&
           std::equal(n, n + rank, o.n);
  }
};

struct CachedPlan {
  PlanKey key;
  cufftHandle handle;
  size_t work;
};

class PlanCache {
 public:
  // Runs f(handle, work_bytes) under the cache lock.
  template <typename F>
  void with_plan(const PlanKey& k, F&& f) {
    std::lock_guard<std::mutex> lk(mtx_);
    auto it = std::find_if(plans_.begin(), plans_.end(),
                           [&](const CachedPlan& p) { return p.key == k; });
    if (it != plans_.end()) {
      plans_.splice(plans_.begin(), plans_, it);
    } else {
      plans_.push_front(make(k));
      if (plans_.size() > kMaxPlans) {
        // cufftDestroy frees the plan's device tables with cudaFree, which
        // waits for work already queued on the device.
        cufftDestroy(plans_.back().handle);
        plans_.pop_back();
      }
    }
    f(plans_.front().handle, plans_.front().work);
  }

 private:
  static constexpr size_t kMaxPlans = 64;

  static CachedPlan make(const PlanKey& k) {
    cufftHandle h;
    check_cufft(cufftCreate(&h), "plan creation");
    cufftResult r = cufftSetAutoAllocation(h, 0);
    size_t work = 0;
    if (r == CUFFT_SUCCESS) {
      long long n[3] = {k.n[0], k.n[1], k.n[2]};
      // Null embeds: packed layout (R2C/C2R use n[last] / 2 + 1 bins on the
      // complex side), consecutive batches.
      r = cufftMakePlanMany64(h, k.rank, n, nullptr, 1, 0, nullptr, 1, 0,
                              k.type, k.batch, &work);
    }
    if (r != CUFFT_SUCCESS) {
      cufftDestroy(h);
      check_cufft(r, "plan creation");
    }
    return {k, h, work};
  }

  std::mutex mtx_;
  std::list<CachedPlan> plans_;
};

PlanCache& plan_cache() {
  static PlanCache* c = new PlanCache();  // plans outlive static destructors
  return *c;
}

void exec_plan(const PlanKey& k, void* in, void* out, int direction,
               const Stream& s) {
  cudaStream_t cs = get_stream(s);
  plan_cache().with_plan(k, [&](cufftHandle h, size_t work) {
    Scratch ws(work, s);  // freed in stream order after the execution
    check_cufft(cufftSetStream(h, cs), "set stream");
    check_cufft(cufftSetWorkArea(h, ws.get()), "set work area");
    cufftResult r;
    switch (k.type) {
      case CUFFT_C2C:
        r = cufftExecC2C(h, static_cast<cufftComplex*>(in),
                         static_cast<cufftComplex*>(out), direction);
        break;
      case CUFFT_R2C:
        r = cufftExecR2C(h, static_cast<cufftReal*>(in),
                         static_cast<cufftComplex*>(out));
        break;
      default:
        r = cufftExecC2R(h, static_cast<cufftComplex*>(in),
                         static_cast<cufftReal*>(out));
        break;
    }
    check_cufft(r, "execution");
  });
}

// Zeroes the imaginary parts of bin 0 and (when nyq >= 0) bin nyq of each
// line of m bins.
__global__ void fft_zero_edge_imag(float2* x, int64_t lines, int64_t m,
                                   int64_t nyq) {
  for (int64_t l = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; l < lines;
       l += int64_t(gridDim.x) * blockDim.x) {
    x[l * m].y = 0.0f;
    if (nyq >= 0) x[l * m + nyq].y = 0.0f;
  }
}

// x[i] *= scale over n floats.
__global__ void fft_scale(float* x, int64_t n, float scale) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    x[i] *= scale;
  }
}

// Element strides of a packed buffer of `shape` (original dim numbering)
// whose dims are laid out in `order` (outermost first).
Strides layout_strides(const Shape& shape, const std::vector<int>& order) {
  Strides st(shape.size());
  int64_t s = 1;
  for (int j = int(order.size()) - 1; j >= 0; --j) {
    st[order[j]] = s;
    s *= shape[order[j]];
  }
  return st;
}

// `order` with the dims in `axes` moved to the end, in axes' order.
std::vector<int> with_trailing(const std::vector<int>& order,
                               const std::vector<int>& axes) {
  std::vector<int> r;
  for (int d : order) {
    if (std::find(axes.begin(), axes.end(), d) == axes.end()) r.push_back(d);
  }
  r.insert(r.end(), axes.begin(), axes.end());
  return r;
}

bool is_identity(const std::vector<int>& order) {
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] != int(i)) return false;
  }
  return true;
}

struct Pass {
  std::vector<int> axes;
  cufftType type;
  int direction;
};

// Chunks of at most 3 axes of `axes` (length > 1 only) as C2C passes.
void add_c2c(std::vector<Pass>& passes, const std::vector<int>& axes,
             const Shape& shape, int direction) {
  std::vector<int> keep;
  for (int ax : axes) {
    if (shape[ax] > 1) keep.push_back(ax);
  }
  for (size_t i = 0; i < keep.size(); i += 3) {
    size_t e = std::min(keep.size(), i + 3);
    passes.push_back({std::vector<int>(keep.begin() + i, keep.begin() + e),
                      CUFFT_C2C, direction});
  }
}

// The data between passes: a packed buffer in `order`, or (before the first
// copy) the input with its own strides.
struct Current {
  array a;
  Strides strides;
  std::vector<int> order;
  bool owned;  // a temporary of this eval (or out) that may be overwritten
};

}  // namespace
}  // namespace cuda

void FFT::eval_gpu(const std::vector<array>& inputs, array& out) {
  using namespace cuda;
  const array& in = inputs[0];
  const Stream& s = stream();
  cudaStream_t cs = get_stream(s);
  Dtype want_in = real_ && !inverse_ ? float32 : complex64;
  if (in.dtype() != want_in) {
    throw std::invalid_argument(
        std::string("[FFT] Expected input of dtype ") + dtype_name(want_in) +
        "; got " + dtype_name(in.dtype()) + ".");
  }
  int nd = in.ndim();
  int k = int(axes_.size());
  if (k == 0) {
    throw std::invalid_argument("[FFT] Expected at least one axis.");
  }
  int last_ax = axes_.back();
  if (real_) {
    int64_t want = inverse_ ? real_size_ / 2 + 1 : real_size_;
    if (real_size_ < 1 || in.shape(last_ax) != want) {
      throw std::invalid_argument(
          "[FFT] A real transform of size " + std::to_string(real_size_) +
          " expects " + std::to_string(want) + " entries along axis " +
          std::to_string(last_ax) + "; got " +
          std::to_string(in.shape(last_ax)) + ".");
    }
  }
  allocate(out, s);
  if (out.size() == 0) return;

  // Transform sizes (n of each axis) and the passes.
  Shape shape = in.shape();
  std::vector<Pass> passes;
  bool real_fwd = real_ && !inverse_;
  int64_t real_n = real_ ? real_size_ : 0;
  if (!real_) {
    add_c2c(passes, axes_, shape, inverse_ ? CUFFT_INVERSE : CUFFT_FORWARD);
  } else if (real_fwd) {
    // R2C over the last axis and up to 2 more (those longer than 1).
    std::vector<int> r2c = {last_ax};
    std::vector<int> rest;
    for (int i = k - 2; i >= 0; --i) {
      int ax = axes_[i];
      if (shape[ax] <= 1) continue;
      if (r2c.size() < 3) {
        r2c.insert(r2c.begin(), ax);
      } else {
        rest.insert(rest.begin(), ax);
      }
    }
    if (real_n > 1) {
      passes.push_back({r2c, CUFFT_R2C, CUFFT_FORWARD});
      add_c2c(passes, rest, shape, CUFFT_FORWARD);
    } else {
      // n = 1: the single bin is the (real) sample; the rest is complex.
      r2c.pop_back();
      r2c.insert(r2c.end(), rest.begin(), rest.end());
      add_c2c(passes, r2c, shape, CUFFT_FORWARD);
    }
  } else {
    std::vector<int> others(axes_.begin(), axes_.end() - 1);
    add_c2c(passes, others, shape, CUFFT_INVERSE);
    // n = 1: the output is the real part of the single bin.
    if (real_n > 1) passes.push_back({{last_ax}, CUFFT_C2R, CUFFT_INVERSE});
  }

  std::vector<int> identity(nd);
  for (int i = 0; i < nd; ++i) identity[i] = i;
  Current cur{in, in.strides(), identity, false};
  Dtype cur_dtype = in.dtype();
  // Complex work from the start unless the first pass is R2C (a real input
  // whose transform has no R2C pass is cast to complex by the first copy).
  Dtype work_dtype = real_fwd && !(passes.size() && passes[0].type == CUFFT_R2C)
                         ? complex64
                         : cur_dtype;

  for (size_t pi = 0; pi < passes.size(); ++pi) {
    const Pass& p = passes[pi];
    bool last = pi + 1 == passes.size();
    std::vector<int> order = with_trailing(cur.order, p.axes);
    bool out_layout = is_identity(order);
    Shape new_shape = shape;
    Dtype new_dtype = complex64;
    if (p.type == CUFFT_R2C) {
      new_shape[last_ax] = real_n / 2 + 1;
    } else if (p.type == CUFFT_C2R) {
      new_shape[last_ax] = real_n;
      new_dtype = float32;
    }
    // Source: a packed buffer of ours in `order` (converted to work_dtype).
    if (!cur.owned || cur.order != order || cur_dtype != work_dtype) {
      bool into_out = p.type == CUFFT_C2C && last && out_layout &&
                      out.dtype() == complex64;
      array dst = into_out ? out : empty_gpu(shape, work_dtype, s);
      Strides dst_st = layout_strides(shape, order);
      copy_gpu_raw(gpu_ptr<void>(cur.a), cur_dtype, cur.strides,
                   gpu_ptr<void>(dst), work_dtype, dst_st, shape, cs);
      cur = {dst, dst_st, order, true};
      cur_dtype = work_dtype;
    }
    // Plan over the trailing pass dims.
    PlanKey key{};
    key.type = p.type;
    key.rank = int(p.axes.size());
    int64_t inner = 1;
    for (int j = 0; j < key.rank; ++j) {
      int ax = p.axes[j];
      key.n[j] = (p.type == CUFFT_C2R && ax == last_ax) ? real_n : shape[ax];
      inner *= shape[ax];
    }
    key.batch = (long long)(int64_t(shape_size(shape)) / inner);
    if (p.type == CUFFT_C2R) {
      int64_t m = shape[last_ax];
      int64_t nyq = real_n % 2 == 0 ? real_n / 2 : -1;
      int64_t lines = int64_t(shape_size(shape)) / m;
      fft_zero_edge_imag<<<num_blocks(lines), 256, 0, cs>>>(
          gpu_ptr<float2>(cur.a), lines, m, nyq);
      check_launch("FFT");
    }
    // Destination: in place for C2C, else a new buffer (or out).
    array dst = cur.a;
    if (last && out_layout && new_dtype == out.dtype()) {
      dst = out;
    } else if (p.type != CUFFT_C2C) {
      dst = empty_gpu(new_shape, new_dtype, s);
    }
    exec_plan(key, gpu_ptr<void>(cur.a), gpu_ptr<void>(dst), p.direction, s);
    shape = new_shape;
    cur = {dst, layout_strides(shape, order), order, true};
    cur_dtype = new_dtype;
    work_dtype = new_dtype;
  }

  // Into out's row-major layout (or a plain copy/cast when no pass ran:
  // every transformed axis has length 1).
  if (!(cur.owned && cur.a.data_shared_ptr() == out.data_shared_ptr())) {
    copy_gpu_raw(gpu_ptr<void>(cur.a), cur_dtype, cur.strides,
                 gpu_ptr<void>(out), out.dtype(), out.strides(), out.shape(),
                 cs);
  }

  if (inverse_) {
    double total = 1;
    for (int i = 0; i < k; ++i) {
      total *= double(real_ && i == k - 1 ? real_n : in.shape(axes_[i]));
    }
    if (total != 1) {
      int64_t n = int64_t(out.size()) * (out.dtype() == complex64 ? 2 : 1);
      fft_scale<<<num_blocks(n), 256, 0, cs>>>(gpu_ptr<float>(out), n,
                                               float(1.0 / total));
      check_launch("FFT");
    }
  }
}

}  // namespace ember
