// Device building blocks of the reduction, scan and sort kernels: strided
// index walks, reduction functors (load / combine / finish, matching the CPU
// functors in backend/cpu/reduce_ops.h), warp shuffles of any element type,
// warp / block reductions and scans.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "ember/backend/cuda/device/dtypes.cuh"

namespace ember::cuda {

/// Most merged dimensions a kernel walks (after dropping size-1 dims and
/// merging contiguous ones).
constexpr int kMaxDims = 12;

/// A strided n-d walk with two stride sets (input, output); innermost last.
struct Dims {
  int n = 0;
  int64_t shape[kMaxDims];
  int64_t s0[kMaxDims];
  int64_t s1[kMaxDims];

  __host__ __device__ int64_t count() const {
    int64_t c = 1;
    for (int i = 0; i < n; ++i) c *= shape[i];
    return c;
  }
  /// Offsets of row-major logical index `idx` in both stride sets.
  __device__ __forceinline__ void locate(int64_t idx, int64_t& o0,
                                         int64_t& o1) const {
    o0 = 0;
    o1 = 0;
    for (int i = n - 1; i >= 0; --i) {
      int64_t q = idx / shape[i];
      int64_t r = idx - q * shape[i];
      o0 += r * s0[i];
      o1 += r * s1[i];
      idx = q;
    }
  }
  /// Offset of `idx` in the first stride set.
  __device__ __forceinline__ int64_t offset0(int64_t idx) const {
    if (n == 0) return 0;
    if (n == 1) return idx * s0[0];
    int64_t o = 0;
    for (int i = n - 1; i >= 0; --i) {
      int64_t q = idx / shape[i];
      o += (idx - q * shape[i]) * s0[i];
      idx = q;
    }
    return o;
  }
};

// ---- element helpers ----

template <typename T>
inline constexpr bool is_complex_d = std::is_same_v<T, complex64_d>;

template <typename T>
__device__ __forceinline__ bool is_nan_d(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return v != v;
  } else {
    return false;
  }
}

/// NumPy order: lexicographic for complex, plain < otherwise.
template <typename T>
__device__ __forceinline__ bool less_d(T a, T b) {
  if constexpr (is_complex_d<T>) {
    return a.re < b.re || (a.re == b.re && a.im < b.im);
  } else {
    return a < b;
  }
}

/// Truth value as the CPU computes it (backend/cpu/copy.h convert<bool>):
/// real values go through float first.
template <typename T>
__device__ __forceinline__ bool truth(T x) {
  if constexpr (is_complex_d<T>) {
    return x.re != 0.f || x.im != 0.f;
  } else if constexpr (std::is_same_v<T, bool>) {
    return x;
  } else {
    return static_cast<float>(x) != 0.f;
  }
}

/// Comparison type of sorts and searches: float for f16/bf16, uint8 for
/// bool, the element type otherwise (the CPU's cmp_t).
template <typename T>
using cmp_type_t =
    std::conditional_t<std::is_same_v<T, bool>, uint8_t, acc_type_t<T>>;

// ---- reduction functors ----
// Interface: acc_t, out_t, init(), load(x, i) (i = index along the reduced
// run, used by arg-reductions), operator()(a, b) (associative combine) and
// finish(a).

template <typename T, typename Acc, typename Out>
struct SumOp {
  using acc_t = Acc;
  using out_t = Out;
  __device__ static Acc init() { return Acc(0); }
  __device__ Acc load(T x, int64_t) const { return cast_to<Acc>(x); }
  __device__ Acc operator()(Acc a, Acc b) const { return a + b; }
  __device__ Out finish(Acc a) const { return cast_to<Out>(a); }
};

template <typename T, typename Acc, typename Out>
struct ProdOp {
  using acc_t = Acc;
  using out_t = Out;
  __device__ static Acc init() { return Acc(1); }
  __device__ Acc load(T x, int64_t) const { return cast_to<Acc>(x); }
  __device__ Acc operator()(Acc a, Acc b) const { return a * b; }
  __device__ Out finish(Acc a) const { return cast_to<Out>(a); }
};

// NaN propagates (a NaN accumulator stays NaN; a NaN operand wins).
template <typename T, typename Acc, typename Out>
struct MaxOp {
  using acc_t = Acc;
  using out_t = Out;
  __device__ static Acc init() {
    if constexpr (is_complex_d<Acc>) {
      float inf = std::numeric_limits<float>::infinity();
      return Acc(-inf, -inf);
    } else if constexpr (std::is_floating_point_v<Acc>) {
      return -std::numeric_limits<Acc>::infinity();
    } else {
      return std::numeric_limits<Acc>::lowest();
    }
  }
  __device__ Acc load(T x, int64_t) const { return cast_to<Acc>(x); }
  __device__ Acc operator()(Acc a, Acc b) const {
    if constexpr (std::is_floating_point_v<Acc>) {
      return (a > b || a != a) ? a : b;
    } else {
      return less_d(a, b) ? b : a;
    }
  }
  __device__ Out finish(Acc a) const { return cast_to<Out>(a); }
};

template <typename T, typename Acc, typename Out>
struct MinOp {
  using acc_t = Acc;
  using out_t = Out;
  __device__ static Acc init() {
    if constexpr (is_complex_d<Acc>) {
      float inf = std::numeric_limits<float>::infinity();
      return Acc(inf, inf);
    } else if constexpr (std::is_floating_point_v<Acc>) {
      return std::numeric_limits<Acc>::infinity();
    } else {
      return std::numeric_limits<Acc>::max();
    }
  }
  __device__ Acc load(T x, int64_t) const { return cast_to<Acc>(x); }
  __device__ Acc operator()(Acc a, Acc b) const {
    if constexpr (std::is_floating_point_v<Acc>) {
      return (a < b || a != a) ? a : b;
    } else {
      return less_d(b, a) ? b : a;
    }
  }
  __device__ Out finish(Acc a) const { return cast_to<Out>(a); }
};

template <typename T>
struct AndOp {
  using acc_t = bool;
  using out_t = bool;
  __device__ static bool init() { return true; }
  __device__ bool load(T x, int64_t) const { return truth(x); }
  __device__ bool operator()(bool a, bool b) const { return a && b; }
  __device__ bool finish(bool a) const { return a; }
};

template <typename T>
struct OrOp {
  using acc_t = bool;
  using out_t = bool;
  __device__ static bool init() { return false; }
  __device__ bool load(T x, int64_t) const { return truth(x); }
  __device__ bool operator()(bool a, bool b) const { return a || b; }
  __device__ bool finish(bool a) const { return a; }
};

// ---- warp shuffles of any trivially copyable type ----

template <typename T>
__device__ __forceinline__ T shfl_xor_any(T v, int mask) {
  constexpr int W = (int(sizeof(T)) + 3) / 4;
  uint32_t w[W];
#pragma unroll
  for (int i = 0; i < W; ++i) w[i] = 0;
  memcpy(w, &v, sizeof(T));
#pragma unroll
  for (int i = 0; i < W; ++i) w[i] = __shfl_xor_sync(0xffffffffu, w[i], mask);
  T r;
  memcpy(&r, w, sizeof(T));
  return r;
}

template <typename T>
__device__ __forceinline__ T shfl_up_any(T v, int delta) {
  constexpr int W = (int(sizeof(T)) + 3) / 4;
  uint32_t w[W];
#pragma unroll
  for (int i = 0; i < W; ++i) w[i] = 0;
  memcpy(w, &v, sizeof(T));
#pragma unroll
  for (int i = 0; i < W; ++i) w[i] = __shfl_up_sync(0xffffffffu, w[i], delta);
  T r;
  memcpy(&r, w, sizeof(T));
  return r;
}

template <typename T>
__device__ __forceinline__ T shfl_any(T v, int src) {
  constexpr int W = (int(sizeof(T)) + 3) / 4;
  uint32_t w[W];
#pragma unroll
  for (int i = 0; i < W; ++i) w[i] = 0;
  memcpy(w, &v, sizeof(T));
#pragma unroll
  for (int i = 0; i < W; ++i) w[i] = __shfl_sync(0xffffffffu, w[i], src);
  T r;
  memcpy(&r, w, sizeof(T));
  return r;
}

/// Reduces over aligned groups of `width` lanes (a power of two <= 32); every
/// lane of a group gets the result. All 32 lanes must call it.
template <typename Acc, typename Op>
__device__ __forceinline__ Acc warp_reduce(Acc v, const Op& op,
                                           int width = 32) {
  for (int off = width >> 1; off > 0; off >>= 1) {
    v = op(v, shfl_xor_any(v, off));
  }
  return v;
}

/// Uninitialised shared storage for N values of Acc (Acc may have
/// constructors, which __shared__ variables can't run).
template <typename Acc, int N>
struct SmemArray {
  alignas(16) unsigned char raw[N * sizeof(Acc)];
  __device__ Acc* get() { return reinterpret_cast<Acc*>(raw); }
};

/// Shared storage for block_allreduce: 33 slots of Acc.
template <typename Acc>
using BlockSmem = SmemArray<Acc, 33>;

/// Reduces over a 1-d block (blockDim.x a multiple of 32, <= 1024); every
/// thread gets the result. All threads must call it.
template <typename Acc, typename Op>
__device__ __forceinline__ Acc block_allreduce(Acc v, const Op& op,
                                               Acc* smem) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  int nw = blockDim.x >> 5;
  v = warp_reduce(v, op);
  if (nw == 1) return v;
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (warp == 0) {
    Acc w = lane < nw ? smem[lane] : Op::init();
    w = warp_reduce(w, op);
    if (lane == 0) smem[32] = w;
  }
  __syncthreads();
  return smem[32];
}

/// Inclusive scan over a warp (lanes in order).
template <typename Acc, typename Op>
__device__ __forceinline__ Acc warp_inclusive_scan(Acc v, const Op& op) {
  int lane = threadIdx.x & 31;
#pragma unroll
  for (int off = 1; off < 32; off <<= 1) {
    Acc u = shfl_up_any(v, off);
    if (lane >= off) v = op(u, v);
  }
  return v;
}

}  // namespace ember::cuda
