// RMSNorm and LayerNorm over the last axis, fused into one kernel per row.
// Algorithm: a group of `tpr` threads (one warp, or a whole block for long
// rows) owns a row; each thread loads NV 16-byte vectors of the row into
// registers (converted to float), the group reduces sum(x^2) (RMSNorm) or
// sum(x) then sum((x - mean)^2) (LayerNorm, two-pass in registers, as the
// CPU does), and each thread writes its scaled values back as 16-byte
// vectors. Rows that are not 16-byte aligned, longer than 4096 vectors, or
// float64 use a block-per-row kernel that loops over global memory instead.
// Launch: blockDim (tpr, rows per block), grid-stride over rows; both
// kernels carry __launch_bounds__ of their largest launch so that the
// compiler keeps register use within what that block size allows.
// Traffic: one read of x and one write of out (weight/bias stay in L1/L2).
#include <cuda_runtime.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"
#include "ember/primitives/fast.h"

namespace ember {

namespace {

using cuda::cast_to;

template <typename T, int N>
struct alignas(16) Pack {
  T v[N];
};

// Sum over the `tpr` threads of a row group (x-dimension of the block).
// `smem` holds one slot per warp of the row; only used when tpr > 32.
template <typename C>
__device__ C group_sum(C v, C* smem) {
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

// Most threads per block of the register-resident kernel: 512 with NV = 8
// (up to 64 floats of row per thread need ~100 registers; 1024 threads would
// leave 64 and the launch fails with "too many resources requested"), else
// 128 (the launcher's largest block for NV <= 4: tpr * rows per block).
template <int NV>
constexpr int kVecMaxThreads = NV == 8 ? 512 : 128;

// Register-resident rows: D % VEC == 0, 16-byte aligned rows.
template <typename T, int NV, bool LAYER>
__global__ void __launch_bounds__(kVecMaxThreads<NV>)
    norm_rows_vec(const T* __restrict__ x, const float* __restrict__ w,
                  const float* __restrict__ b, T* __restrict__ out,
                  int64_t rows, int D, float eps) {
  constexpr int VEC = 16 / sizeof(T);
  using P = Pack<T, VEC>;
  __shared__ float smem[32];
  const int tpr = blockDim.x;
  const int nvec = D / VEC;
  for (int64_t row = blockIdx.x * int64_t(blockDim.y) + threadIdx.y; row < rows;
       row += int64_t(gridDim.x) * blockDim.y) {
    const P* xr = reinterpret_cast<const P*>(x + row * D);
    float v[NV][VEC];
#pragma unroll
    for (int j = 0; j < NV; ++j) {
      int idx = threadIdx.x + j * tpr;
      if (idx < nvec) {
        P p = xr[idx];
#pragma unroll
        for (int e = 0; e < VEC; ++e) v[j][e] = cast_to<float>(p.v[e]);
      } else {
#pragma unroll
        for (int e = 0; e < VEC; ++e) v[j][e] = 0.0f;
      }
    }
    float inv;
    if constexpr (LAYER) {
      float s = 0;
#pragma unroll
      for (int j = 0; j < NV; ++j)
#pragma unroll
        for (int e = 0; e < VEC; ++e) s += v[j][e];
      float mu = group_sum(s, smem) / float(D);
      float ss = 0;
#pragma unroll
      for (int j = 0; j < NV; ++j) {
        if (int(threadIdx.x) + j * tpr < nvec) {
#pragma unroll
          for (int e = 0; e < VEC; ++e) {
            v[j][e] -= mu;
            ss += v[j][e] * v[j][e];
          }
        }
      }
      inv = 1.0f / sqrtf(group_sum(ss, smem) / float(D) + eps);
    } else {
      float ss = 0;
#pragma unroll
      for (int j = 0; j < NV; ++j)
#pragma unroll
        for (int e = 0; e < VEC; ++e) ss += v[j][e] * v[j][e];
      inv = 1.0f / sqrtf(group_sum(ss, smem) / float(D) + eps);
    }
    P* orow = reinterpret_cast<P*>(out + row * D);
#pragma unroll
    for (int j = 0; j < NV; ++j) {
      int idx = threadIdx.x + j * tpr;
      if (idx < nvec) {
        P p;
#pragma unroll
        for (int e = 0; e < VEC; ++e) {
          int col = idx * VEC + e;
          // Round to the output dtype after each step, as the CPU does.
          float y = cast_to<float>(cast_to<T>(v[j][e] * inv));
          if (w) y = cast_to<float>(cast_to<T>(y * w[col]));
          if (LAYER && b) y = y + b[col];
          p.v[e] = cast_to<T>(y);
        }
        orow[idx] = p;
      }
    }
  }
}

// Any row length and alignment; block per row, loops over global memory.
// C is the compute type (double for float64, else float).
template <typename T, typename C, bool LAYER>
__global__ void __launch_bounds__(1024)
    norm_rows_generic(const T* __restrict__ x, const C* __restrict__ w,
                      const C* __restrict__ b, T* __restrict__ out,
                      int64_t rows, int64_t D, float eps) {
  __shared__ C smem[32];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* xr = x + row * D;
    T* orow = out + row * D;
    C mu = 0;
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
    C inv = C(1) / sqrt(group_sum(ss, smem) / C(D) + C(eps));
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
      C y = cast_to<C>(cast_to<T>((cast_to<C>(xr[i]) - mu) * inv));
      if (w) y = cast_to<C>(cast_to<T>(y * w[i]));
      if (LAYER && b) y = y + b[i];
      orow[i] = cast_to<T>(y);
    }
  }
}

// x in the output dtype, row-contiguous (a cast/copy only when needed).
array prepare_rows(const array& x, Dtype dt, const Stream& s) {
  if (x.dtype() == dt && x.flags().row_contiguous) return x;
  array c = cuda::empty_gpu(x.shape(), dt, s);
  cuda::copy_gpu(x, c, s);
  return c;
}

// A 1-D weight or bias as a contiguous vector of the compute type.
array prepare_vector(const array& v, Dtype ct, const Stream& s) {
  if (v.dtype() == ct && v.flags().row_contiguous) return v;
  array c = cuda::empty_gpu(v.shape(), ct, s);
  cuda::copy_gpu(v, c, s);
  return c;
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

template <typename T, int NV, bool LAYER>
void launch_vec(const T* x, const float* w, const float* b, T* out, int64_t rows,
                int D, float eps, int tpr, cudaStream_t stream) {
  int rpb = tpr == 32 ? 4 : 1;
  if (tpr * rpb > kVecMaxThreads<NV>) {
    throw std::runtime_error("[norm] Block of " + std::to_string(tpr * rpb) +
                           " threads exceeds the kernel's launch bounds.");
  }
  int64_t blocks = (rows + rpb - 1) / rpb;
  unsigned grid = unsigned(std::min<int64_t>(blocks, 65535LL * 32));
  norm_rows_vec<T, NV, LAYER><<<grid, dim3(tpr, rpb), 0, stream>>>(
      x, w, b, out, rows, D, eps);
}

template <typename T, bool LAYER>
void launch_norm_t(const array& x, const array* w, const array* b, array& out,
                   float eps, cudaStream_t stream) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  int64_t D = x.shape(-1);
  int64_t rows = int64_t(x.size()) / D;
  const T* xp = cuda::gpu_ptr<T>(x);
  T* op = cuda::gpu_ptr<T>(out);
  const C* wp = w ? cuda::gpu_ptr<C>(*w) : nullptr;
  const C* bp = b ? cuda::gpu_ptr<C>(*b) : nullptr;
  constexpr int VEC = 16 / sizeof(T);
  int64_t nvec = D / VEC;
  if constexpr (!std::is_same_v<T, double>) {
    if (D % VEC == 0 && nvec <= 8 * kVecMaxThreads<8> && aligned16(xp) &&
        aligned16(op)) {
      int tpr, nv;
      if (nvec <= 32) { tpr = 32; nv = 1; }
      else if (nvec <= 64) { tpr = 32; nv = 2; }
      else if (nvec <= 128) { tpr = 32; nv = 4; }
      else if (nvec <= 256) { tpr = 64; nv = 4; }
      else if (nvec <= 512) { tpr = 128; nv = 4; }
      else { tpr = int((nvec + 7) / 8 + 31) / 32 * 32; nv = 8; }
      switch (nv) {
        case 1: launch_vec<T, 1, LAYER>(xp, wp, bp, op, rows, int(D), eps, tpr, stream); break;
        case 2: launch_vec<T, 2, LAYER>(xp, wp, bp, op, rows, int(D), eps, tpr, stream); break;
        case 4: launch_vec<T, 4, LAYER>(xp, wp, bp, op, rows, int(D), eps, tpr, stream); break;
        default: launch_vec<T, 8, LAYER>(xp, wp, bp, op, rows, int(D), eps, tpr, stream); break;
      }
      return;
    }
  }
  unsigned grid = unsigned(std::min<int64_t>(rows, 65535LL * 32));
  int threads = D >= 4096 ? 1024 : D >= 512 ? 256 : 128;
  norm_rows_generic<T, C, LAYER><<<grid, threads, 0, stream>>>(xp, wp, bp, op, rows,
                                                              D, eps);
}

void launch_norm(bool layer, const array& x, const array* w, const array* b,
                 array& out, float eps, const Stream& s, const char* name) {
  cudaStream_t stream = cuda::get_stream(s);
  cuda::dispatch_device_float(out.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    if (layer) {
      launch_norm_t<T, true>(x, w, b, out, eps, stream);
    } else {
      launch_norm_t<T, false>(x, w, b, out, eps, stream);
    }
  });
  cuda::check_launch(name);
}

}  // namespace

void RMSNorm::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  Dtype ct = out.dtype() == float64 ? float64 : float32;
  array x = prepare_rows(inputs[0], out.dtype(), s);
  std::optional<array> w;
  if (has_weight_) w = prepare_vector(inputs[1], ct, s);
  launch_norm(false, x, w ? &*w : nullptr, nullptr, out, eps_, s, "rms_norm");
}

void LayerNorm::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  Dtype ct = out.dtype() == float64 ? float64 : float32;
  array x = prepare_rows(inputs[0], out.dtype(), s);
  std::optional<array> w, b;
  int i = 1;
  if (has_weight_) w = prepare_vector(inputs[i++], ct, s);
  if (has_bias_) b = prepare_vector(inputs[i], ct, s);
  launch_norm(true, x, w ? &*w : nullptr, b ? &*b : nullptr, out, eps_, s,
              "layer_norm");
}

}  // namespace ember
