// Helpers shared by the RMSNorm / LayerNorm kernels (fast/norm.cu) and
// their fused backward (fast/norm_vjp.cu): 16-byte packs, sums over the
// threads of a row group, vectorised loads of float weight vectors, and the
// host-side preparation of inputs (row-contiguous x in one dtype, 1-D
// contiguous weights in the compute type).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"

namespace ember::cuda::row_norm {

// N elements moved as one load / store (16 bytes for N = 16 / sizeof(T)).
template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

// Sum over the threads of a row group (the x-dimension of the block: one
// warp, or the whole block when blockDim.x > 32, then blockDim.y == 1).
// `smem` holds one slot per warp of the row; only used when blockDim.x > 32.
template <typename C>
__device__ __forceinline__ C group_sum(C v, C* smem) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  if (blockDim.x <= 32) return v;
  int warp = threadIdx.x / 32, nw = blockDim.x / 32;
  if ((threadIdx.x & 31) == 0) smem[warp] = v;
  __syncthreads();
  C t = 0;
  for (int i = 0; i < nw; ++i) t += smem[i];
  __syncthreads();  // smem is reused by the next reduction
  return t;
}

// Mean (LayerNorm; 0 for RMSNorm) and 1 / sqrt(var + eps) of a row read from
// global memory by every thread of the block (blockDim.y == 1): two passes,
// as the CPU computes them.
template <bool LAYER, typename T, typename C>
__device__ __forceinline__ void row_stats(const T* __restrict__ xr, int64_t D,
                                          float eps, C* smem, C& mu, C& inv) {
  mu = 0;
  if constexpr (LAYER) {
    C s = 0;
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) s += cast_to<C>(xr[i]);
    mu = group_sum(s, smem) / C(D);
  }
  C ss = 0;
  for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
    C c = cast_to<C>(xr[i]) - mu;
    ss += c * c;
  }
  inv = C(1) / sqrt(group_sum(ss, smem) / C(D) + C(eps));
}

// Two sums at once (one round of shared memory); `smem` holds 64 slots.
template <typename C>
__device__ __forceinline__ void group_sum2(C& a, C& b, C* smem) {
  for (int o = 16; o > 0; o >>= 1) {
    a += __shfl_xor_sync(0xffffffffu, a, o);
    b += __shfl_xor_sync(0xffffffffu, b, o);
  }
  if (blockDim.x <= 32) return;
  int warp = threadIdx.x / 32, nw = blockDim.x / 32;
  if ((threadIdx.x & 31) == 0) {
    smem[warp] = a;
    smem[32 + warp] = b;
  }
  __syncthreads();
  a = 0;
  b = 0;
  for (int i = 0; i < nw; ++i) {
    a += smem[i];
    b += smem[32 + i];
  }
  __syncthreads();
}

// N consecutive floats p[col .. col + N): 16-byte loads when N % 4 == 0
// (then p must be 16-byte aligned and col a multiple of 4; prepare_vector
// guarantees the former).
template <int N>
__device__ __forceinline__ void load_floats(const float* __restrict__ p, int col,
                                            float (&o)[N]) {
  if constexpr (N % 4 == 0) {
    const float4* q = reinterpret_cast<const float4*>(p + col);
#pragma unroll
    for (int k = 0; k < N / 4; ++k) {
      float4 t = __ldg(q + k);
      o[4 * k] = t.x;
      o[4 * k + 1] = t.y;
      o[4 * k + 2] = t.z;
      o[4 * k + 3] = t.w;
    }
  } else {
#pragma unroll
    for (int e = 0; e < N; ++e) o[e] = __ldg(p + col + e);
  }
}

inline bool aligned16(const void* p) {
  return (reinterpret_cast<uintptr_t>(p) & 15) == 0;
}

// x in dtype `dt`, row-contiguous (a cast/copy only when needed).
inline array prepare_rows(const array& x, Dtype dt, const Stream& s) {
  if (x.dtype() == dt && x.flags().row_contiguous) return x;
  array c = empty_gpu(x.shape(), dt, s);
  copy_gpu(x, c, s);
  return c;
}

// A 1-D weight or bias as a contiguous, 16-byte aligned vector of the
// compute type (copied when it is not one already).
inline array prepare_vector(const array& v, Dtype ct, const Stream& s) {
  if (v.dtype() == ct && v.flags().row_contiguous && aligned16(gpu_ptr(v))) {
    return v;
  }
  array c = empty_gpu(v.shape(), ct, s);
  copy_gpu(v, c, s);
  return c;
}

}  // namespace ember::cuda::row_norm
