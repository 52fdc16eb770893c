// RMSNorm and LayerNorm over the last axis, fused into one kernel per row.
// Algorithm: a group of `tpr` threads (one warp, or a whole block for long
// rows) owns a row; each thread loads NV 16-byte vectors of the row into
// registers (converted to float), the group reduces sum(x^2) (RMSNorm) or
// sum(x) then sum((x - mean)^2) (LayerNorm, two-pass in registers, as the
// CPU does), and each thread writes its scaled values back as 16-byte
// vectors. Weight and bias (float) are read with 16-byte loads too: as
// scalar loads they were 8 load instructions per 16-byte vector of the row
// (LayerNorm), which cost more L1 throughput than the row itself. Long rows
// take a block of up to 512 threads holding 16 floats each where that
// fits (a 4096-float row: 256 threads, ~50 registers, four rows resident
// per SM), more vectors per thread beyond (up to 4096 vectors). Rows that are not 16-byte aligned, longer than that, or
// float64 use a block-per-row kernel that loops over global memory instead.
// Launch: blockDim (tpr, rows per block), grid-stride over rows; the
// kernels carry __launch_bounds__ of their largest launch.
// Traffic: one read of x and one write of out (weight/bias stay in L1/L2).
#include <cuda_runtime.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"
#include "ember/backend/cuda/device/row_norm.cuh"
#include "ember/primitives/fast.h"

namespace ember {

namespace {

using cuda::cast_to;
using cuda::row_norm::aligned16;
using cuda::row_norm::group_sum;
using cuda::row_norm::load_floats;
using cuda::row_norm::Pack;
using cuda::row_norm::prepare_rows;
using cuda::row_norm::prepare_vector;

// Most threads per block of the register-resident kernel: 512 (rows of up
// to 512 threads, or 4 rows of a warp). With NV = 8 a thread holds up to 64
// floats (~100 registers; 1024 threads would leave 64 and the launch fails
// with "too many resources requested").
constexpr int kVecMaxThreads = 512;

// Register-resident rows: D % VEC == 0, 16-byte aligned rows (and w, b:
// see prepare_vector).
template <typename T, int NV, bool LAYER>
__global__ void __launch_bounds__(kVecMaxThreads)
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
        float wv[VEC], bv[VEC];
        if (w) load_floats<VEC>(w, idx * VEC, wv);
        if (LAYER && b) load_floats<VEC>(b, idx * VEC, bv);
        P p;
#pragma unroll
        for (int e = 0; e < VEC; ++e) {
          // Round to the output dtype after each step, as the CPU does.
          float y = cast_to<float>(cast_to<T>(v[j][e] * inv));
          if (w) y = cast_to<float>(cast_to<T>(y * wv[e]));
          if (LAYER && b) y = y + bv[e];
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
    C mu, inv;
    cuda::row_norm::row_stats<LAYER>(xr, D, eps, smem, mu, inv);
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
      C y = cast_to<C>(cast_to<T>((cast_to<C>(xr[i]) - mu) * inv));
      if (w) y = cast_to<C>(cast_to<T>(y * w[i]));
      if (LAYER && b) y = y + b[i];
      orow[i] = cast_to<T>(y);
    }
  }
}

template <typename T, int NV, bool LAYER>
void launch_vec(const T* x, const float* w, const float* b, T* out, int64_t rows,
                int D, float eps, int tpr, cudaStream_t stream) {
  int rpb = tpr == 32 ? 4 : 1;
  if (tpr * rpb > kVecMaxThreads) {
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
    if (D % VEC == 0 && nvec <= 8 * kVecMaxThreads && aligned16(xp) &&
        aligned16(op)) {
      auto warps = [](int64_t n) { return int((n + 31) / 32 * 32); };
      int tpr, nv;
      if (nvec <= 32) { tpr = 32; nv = 1; }
      else if (nvec <= 64) { tpr = 32; nv = 2; }
      else if (nvec <= 128) { tpr = 32; nv = 4; }
      else {
        // Block rows: the fewest vectors per thread (16 floats: NV = 4 for
        // float32, 2 for the half types) that fit 512 threads.
        nv = VEC == 4 ? 4 : 2;
        while (nvec > int64_t(nv) * kVecMaxThreads) nv *= 2;
        tpr = warps((nvec + nv - 1) / nv);
      }
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
