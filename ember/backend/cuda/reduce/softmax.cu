// Softmax over a set of axes. Rows (the reduced axes) are made contiguous
// as on the CPU: trailing axes of a row-contiguous input are used in place,
// anything else is copied into the output in the CPU's rows layout (kept
// dims first) and normalised there.
//  - rows up to 16384 elements: one pass in registers. A warp per row (8
//    rows per 256-thread block) up to 32 * 8 * 16 bytes, else a block per
//    row (256 or 1024 threads); each thread holds NV 16-byte vectors.
//    Traffic: one read and one write per element.
//  - longer rows: a 1024-thread block per row computes the online (max,
//    sum) in one pass and writes exp(x - max) / sum in a second; when rows
//    are too few to fill the GPU, the (max, sum) pass is split over blocks
//    by the reduction kernels and an elementwise pass writes the result.
//    Traffic: two reads and one write per element.
// Numerics as the CPU: max with NaN propagation, exp(x - max) * (1 / sum),
// f16/bf16 computed in float (so `precise` changes nothing).
#include <algorithm>

#include "ember/backend/common/utils.h"
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/reduce/lse.cuh"
#include "ember/backend/cuda/reduce/reduce.cuh"
#include "ember/primitives/reduce.h"

namespace ember {

namespace cuda {
namespace {

template <typename C>
struct MaxNan {
  using acc_t = C;
  __device__ static C init() { return -std::numeric_limits<C>::infinity(); }
  __device__ C operator()(C a, C b) const { return (a > b || a != a) ? a : b; }
};

template <typename C>
struct Add {
  using acc_t = C;
  __device__ static C init() { return C(0); }
  __device__ C operator()(C a, C b) const { return a + b; }
};

template <int GROUP, typename C, typename Op>
__device__ __forceinline__ C group_allreduce(C v, const Op& op, C* smem) {
  if constexpr (GROUP == 32) {
    return warp_reduce(v, op);
  } else {
    return block_allreduce(v, op, smem);
  }
}

template <typename T, int B, int GROUP, int NV>
__global__ void __launch_bounds__(B)
    softmax_regs(const T* x_all, T* y_all, int64_t rows, int64_t n) {
  using C = acc_type_t<T>;
  using V = typename reduce_detail::Vec16<T>::type;
  constexpr int N = reduce_detail::Vec16<T>::N;
  constexpr int RPB = B / GROUP;
  constexpr C ninf = -std::numeric_limits<C>::infinity();
  __shared__ BlockSmem<C> sm;
  int g = threadIdx.x / GROUP, lane = threadIdx.x % GROUP;
  int64_t row = int64_t(blockIdx.x) * RPB + g;
  bool active = row < rows;
  const T* x = x_all + (active ? row : 0) * n;
  T* y = y_all + (active ? row : 0) * n;
  bool vec = reinterpret_cast<uintptr_t>(x) % 16 == 0 &&
             reinterpret_cast<uintptr_t>(y) % 16 == 0 && n % N == 0;
  C v[NV * N];
#pragma unroll
  for (int k = 0; k < NV; ++k) {
    int64_t base = (int64_t(k) * GROUP + lane) * N;
    if (active && vec && base < n) {
      V t = reinterpret_cast<const V*>(x)[base / N];
#pragma unroll
      for (int j = 0; j < N; ++j) v[k * N + j] = cast_to<C>(t.v[j]);
    } else {
#pragma unroll
      for (int j = 0; j < N; ++j) {
        v[k * N + j] = (active && base + j < n) ? cast_to<C>(x[base + j]) : ninf;
      }
    }
  }
  MaxNan<C> mx;
  C m = ninf;
#pragma unroll
  for (int i = 0; i < NV * N; ++i) m = mx(m, v[i]);
  m = group_allreduce<GROUP>(m, mx, sm.get());
  C sum = 0;
#pragma unroll
  for (int k = 0; k < NV; ++k) {
    int64_t base = (int64_t(k) * GROUP + lane) * N;
#pragma unroll
    for (int j = 0; j < N; ++j) {
      if (base + j < n) {
        v[k * N + j] = exp_c(v[k * N + j] - m);
        sum += v[k * N + j];
      }
    }
  }
  sum = group_allreduce<GROUP>(sum, Add<C>{}, sm.get());
  C inv = C(1) / sum;
  if (!active) return;
#pragma unroll
  for (int k = 0; k < NV; ++k) {
    int64_t base = (int64_t(k) * GROUP + lane) * N;
    if (vec && base < n) {
      V t;
#pragma unroll
      for (int j = 0; j < N; ++j) t.v[j] = cast_to<T>(v[k * N + j] * inv);
      reinterpret_cast<V*>(y)[base / N] = t;
    } else {
#pragma unroll
      for (int j = 0; j < N; ++j) {
        if (base + j < n) y[base + j] = cast_to<T>(v[k * N + j] * inv);
      }
    }
  }
}

// y = exp(x - m) / s for one row; NaN when m is not finite (as the CPU's
// formula gives for rows holding NaN, +inf, or only -inf).
template <typename T, typename C>
__device__ __forceinline__ void softmax_write(const T* x, T* y, int64_t i0, int64_t n,
                                              int64_t step, LsePair<C> st) {
  bool ok = isfinite(st.m);
  C inv = C(1) / st.s;
  C nan = std::numeric_limits<C>::quiet_NaN();
  for (int64_t i = i0; i < n; i += step) {
    y[i] = cast_to<T>(ok ? exp_c(cast_to<C>(x[i]) - st.m) * inv : nan);
  }
}

template <typename T>
__global__ void __launch_bounds__(1024)
    softmax_looped(const T* x_all, T* y_all, int64_t n) {
  using C = acc_type_t<T>;
  using V = typename reduce_detail::Vec16<T>::type;
  constexpr int N = reduce_detail::Vec16<T>::N;
  __shared__ BlockSmem<LsePair<C>> sm;
  const T* x = x_all + int64_t(blockIdx.x) * n;
  T* y = y_all + int64_t(blockIdx.x) * n;
  LsePair<C> acc = LseStatOp<T>::init();
  if (reinterpret_cast<uintptr_t>(x) % 16 == 0 && n % N == 0) {
    const V* xv = reinterpret_cast<const V*>(x);
    for (int64_t i = threadIdx.x; i < n / N; i += blockDim.x) {
      V t = xv[i];
#pragma unroll
      for (int j = 0; j < N; ++j) acc = lse_combine(acc, {cast_to<C>(t.v[j]), C(1)});
    }
  } else {
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
      acc = lse_combine(acc, {cast_to<C>(x[i]), C(1)});
    }
  }
  acc = block_allreduce(acc, LseStatOp<T>{}, sm.get());
  softmax_write(x, y, threadIdx.x, n, blockDim.x, acc);
}

template <typename T>
__global__ void softmax_apply(const T* x_all, T* y_all,
                              const LsePair<acc_type_t<T>>* stats, int64_t n) {
  int64_t row = blockIdx.y;
  softmax_write(x_all + row * n, y_all + row * n,
                int64_t(blockIdx.x) * blockDim.x + threadIdx.x, n,
                int64_t(gridDim.x) * blockDim.x, stats[row]);
}

template <typename T, int B, int GROUP, int NV>
bool try_regs(const T* x, T* y, int64_t rows, int64_t n, cudaStream_t cs) {
  constexpr int N = reduce_detail::Vec16<T>::N;
  if constexpr (NV < 1 || NV * N > 32) {
    return false;
  } else {
    if (n > int64_t(GROUP) * N * NV) return false;
    constexpr int RPB = B / GROUP;
    int64_t blocks = (rows + RPB - 1) / RPB;
    softmax_regs<T, B, GROUP, NV><<<unsigned(blocks), B, 0, cs>>>(x, y, rows, n);
    return true;
  }
}

template <typename T>
void launch_softmax(const T* x, T* y, int64_t rows, int64_t n, const Stream& s) {
  cudaStream_t cs = get_stream(s);
  constexpr int N = reduce_detail::Vec16<T>::N;
  bool done = try_regs<T, 256, 32, 1>(x, y, rows, n, cs) ||
              try_regs<T, 256, 32, 2>(x, y, rows, n, cs) ||
              try_regs<T, 256, 32, 4>(x, y, rows, n, cs) ||
              try_regs<T, 256, 32, 8>(x, y, rows, n, cs) ||
              try_regs<T, 256, 256, 1>(x, y, rows, n, cs) ||
              try_regs<T, 256, 256, 2>(x, y, rows, n, cs) ||
              try_regs<T, 256, 256, 4>(x, y, rows, n, cs) ||
              try_regs<T, 256, 256, 8>(x, y, rows, n, cs) ||
              try_regs<T, 1024, 1024, 16 / N>(x, y, rows, n, cs);
  if (done) {
    check_launch("softmax");
    return;
  }
  int sms = std::max(sm_count(), 1);
  if (rows >= 2 * sms) {
    softmax_looped<T><<<unsigned(rows), 1024, 0, cs>>>(x, y, n);
    check_launch("softmax");
    return;
  }
  // Few long rows: split the (max, sum) pass over blocks.
  using C = acc_type_t<T>;
  ReducePlan plan;
  plan.row = true;
  RowArgs& r = plan.r;
  r.kept.n = 1;
  r.kept.shape[0] = rows;
  r.kept.s0[0] = n;
  r.kept.s1[0] = 1;
  r.outer.n = 0;
  r.nrows = rows;
  r.nouter = 1;
  r.L = n;
  r.s = 1;
  r.flat = false;
  Scratch stats(size_t(rows) * sizeof(LsePair<C>), s);
  auto* sp = static_cast<LsePair<C>*>(stats.get());
  run_reduce(x, sp, plan, LseStatOp<T>{}, s, "softmax");
  int64_t per_row = std::max<int64_t>(1, int64_t(sms) * 8 / rows);
  per_row = std::min<int64_t>(per_row, (n + 255) / 256);
  dim3 grid{unsigned(per_row), unsigned(rows)};
  softmax_apply<T><<<grid, 256, 0, cs>>>(x, y, sp, n);
  check_launch("softmax");
}

}  // namespace
}  // namespace cuda

void Softmax::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  if (in.size() == 0) {
    cuda::allocate(out, s);
    return;
  }
  int nd = in.ndim();
  int64_t n = 1;
  for (int a : axes_) n *= in.shape(a);
  int64_t rows = int64_t(in.size()) / n;
  bool trailing = true;
  for (size_t k = 0; k < axes_.size(); ++k) {
    trailing &= axes_[k] == nd - int(axes_.size()) + int(k);
  }
  const void* src = cuda::gpu_ptr<void>(in);
  if (trailing && in.flags().row_contiguous) {
    if (cuda::donatable_gpu(in, s)) {
      out.move_shared_buffer(in);
    } else {
      cuda::allocate(out, s);
    }
  } else {
    // The CPU's rows layout: kept dims (in order), then the axes.
    std::vector<int> perm;
    for (int i = 0; i < nd; ++i) {
      if (std::find(axes_.begin(), axes_.end(), i) == axes_.end()) perm.push_back(i);
    }
    for (int a : axes_) perm.push_back(a);
    Strides st(nd);
    int64_t acc = 1;
    for (int k = nd - 1; k >= 0; --k) {
      st[perm[k]] = acc;
      acc *= in.shape(perm[k]);
    }
    cuda::allocate(out, s, out.size(), st, compute_flags(out.shape(), st, out.size()));
    cuda::copy_gpu_raw(src, in.dtype(), in.strides(), cuda::gpu_ptr<void>(out),
                       out.dtype(), st, in.shape(), cuda::get_stream(s));
    src = cuda::gpu_ptr<void>(out);
  }
  void* dst = cuda::gpu_ptr<void>(out);
  cuda::dispatch_device_float(out.dtype(), "softmax", [&](auto tag) {
    using T = decltype(tag);
    cuda::launch_softmax(static_cast<const T*>(src), static_cast<T*>(dst), rows, n, s);
  });
}

}  // namespace ember
