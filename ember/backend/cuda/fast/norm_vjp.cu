// Fused backward of RMSNorm and LayerNorm (RMSNormVJP / LayerNormVJP).
// With n = normalised x, r = 1 / sqrt(var + eps) (RMSNorm: mean(x^2)) and
// gw = g * weight (g the output cotangent):
//   dx = r * (gw - mean(gw) [LayerNorm only] - n * mean(gw * n))
//   dweight = sum over rows of g * n,  dbias = sum over rows of g.
// Kernel 1 (norm_vjp_rows): a group of `tpr` threads (one warp, several rows
// per block; or a whole block per row) owns a row; each thread loads its NV
// 16-byte vectors of x and g into registers (float), the group recomputes
// mean / r from x (two-pass in registers, as the forward) and reduces
// sum(gw) and sum(gw * n) in one round, then writes dx. Traffic: one read of
// x and g, one write of dx. Each thread also keeps running sums of g * n and
// g for its columns over the rows it visits (grid-stride loop over a grid
// of about one wave of resident blocks); at the end the block's rows are
// added in a fixed order and written as one row of a float scratch
// [blocks, D]. Kernel 2 (column_sum) adds those rows per column in a fixed
// order into dweight / dbias: deterministic, no atomics. Rows that are not
// 16-byte aligned or whose length is not a multiple of the vector use the
// same kernel with scalar loads (up to 4096 columns); longer rows and
// float64 use norm_vjp_generic (a block per row looping over global memory;
// the block's partial row lives in the scratch and is updated in place).
#include <cuda_runtime.h>

#include <algorithm>
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
using cuda::row_norm::group_sum2;
using cuda::row_norm::load_floats;
using cuda::row_norm::Pack;
using cuda::row_norm::prepare_rows;
using cuda::row_norm::prepare_vector;

// Launch bounds of the register kernel: blocks of up to 512 threads (a row
// of up to 512 threads, or 8 rows of one warp), so up to 128 registers per
// thread; a thread holds at most 16 columns (x, g and two accumulators).
constexpr int kMaxThreads = 512;
// Columns of the shared buffer that adds the rows of a warp-per-row block
// (warp rows are at most 32 threads x 16 columns).
constexpr int kWarpRowMax = 512;

// Writes a block's column sums `acc` (this thread's columns) as the row
// `part`. With several rows per block (warps, D <= kWarpRowMax) the rows
// are added in order of y in shared memory first. Called by every thread
// of the block (uniform condition).
template <int NV, int VEC>
__device__ __forceinline__ void write_partial(const float (&acc)[NV][VEC],
                                              float* __restrict__ part, int nvec,
                                              int D, float* red) {
  const int tpr = blockDim.x;
  if (blockDim.y == 1) {
#pragma unroll
    for (int j = 0; j < NV; ++j) {
      int idx = threadIdx.x + j * tpr;
      if (idx < nvec) {
#pragma unroll
        for (int e = 0; e < VEC; ++e) part[idx * VEC + e] = acc[j][e];
      }
    }
    return;
  }
  for (int y = 0; y < int(blockDim.y); ++y) {
    if (int(threadIdx.y) == y) {
#pragma unroll
      for (int j = 0; j < NV; ++j) {
        int idx = threadIdx.x + j * tpr;
        if (idx < nvec) {
#pragma unroll
          for (int e = 0; e < VEC; ++e) {
            int col = idx * VEC + e;
            red[col] = (y == 0 ? 0.0f : red[col]) + acc[j][e];
          }
        }
      }
    }
    __syncthreads();
  }
  int tid = threadIdx.y * blockDim.x + threadIdx.x;
  for (int col = tid; col < D; col += blockDim.x * blockDim.y) part[col] = red[col];
  __syncthreads();  // red may be reused by the next call
}

// VEC = 16 / sizeof(T) with 16-byte loads (D % VEC == 0, aligned rows), else
// 1 (scalar loads, coalesced across the group).
template <typename T, int NV, int VEC, bool LAYER>
__global__ void __launch_bounds__(kMaxThreads)
    norm_vjp_rows(const T* __restrict__ x, const float* __restrict__ w,
                  const T* __restrict__ g, T* __restrict__ dx,
                  float* __restrict__ pw, float* __restrict__ pb, int64_t rows,
                  int D, float eps) {
  using P = Pack<T, VEC>;
  __shared__ float smem[64];
  __shared__ float red[kWarpRowMax];
  const int tpr = blockDim.x;
  const int nvec = D / VEC;
  float aw[NV][VEC], ab[NV][VEC];
#pragma unroll
  for (int j = 0; j < NV; ++j)
#pragma unroll
    for (int e = 0; e < VEC; ++e) {
      aw[j][e] = 0.0f;
      ab[j][e] = 0.0f;
    }
  for (int64_t row = blockIdx.x * int64_t(blockDim.y) + threadIdx.y; row < rows;
       row += int64_t(gridDim.x) * blockDim.y) {
    const P* xr = reinterpret_cast<const P*>(x + row * D);
    const P* gr = reinterpret_cast<const P*>(g + row * D);
    float xv[NV][VEC], gv[NV][VEC];
#pragma unroll
    for (int j = 0; j < NV; ++j) {
      int idx = threadIdx.x + j * tpr;
      if (idx < nvec) {
        P p = xr[idx], q = gr[idx];
#pragma unroll
        for (int e = 0; e < VEC; ++e) {
          xv[j][e] = cast_to<float>(p.v[e]);
          gv[j][e] = cast_to<float>(q.v[e]);
        }
      } else {
#pragma unroll
        for (int e = 0; e < VEC; ++e) {
          xv[j][e] = 0.0f;
          gv[j][e] = 0.0f;
        }
      }
    }
    float mu = 0.0f;
    if constexpr (LAYER) {
      float s = 0;
#pragma unroll
      for (int j = 0; j < NV; ++j)
#pragma unroll
        for (int e = 0; e < VEC; ++e) s += xv[j][e];
      mu = group_sum(s, smem) / float(D);
    }
    float ss = 0;
#pragma unroll
    for (int j = 0; j < NV; ++j) {
      if (int(threadIdx.x) + j * tpr < nvec) {
#pragma unroll
        for (int e = 0; e < VEC; ++e) {
          xv[j][e] -= mu;
          ss += xv[j][e] * xv[j][e];
        }
      }
    }
    const float inv = 1.0f / sqrtf(group_sum(ss, smem) / float(D) + eps);
    // xv <- n, gv <- gw; accumulate the parameter gradients. Columns past
    // the row hold n = g = 0 and add nothing.
    float sg = 0, sgn = 0;
#pragma unroll
    for (int j = 0; j < NV; ++j) {
      int idx = threadIdx.x + j * tpr;
      float wv[VEC];
      if (w && idx < nvec) {
        load_floats<VEC>(w, idx * VEC, wv);
      } else {
#pragma unroll
        for (int e = 0; e < VEC; ++e) wv[e] = 1.0f;
      }
#pragma unroll
      for (int e = 0; e < VEC; ++e) {
        float n = xv[j][e] * inv;
        xv[j][e] = n;
        aw[j][e] += gv[j][e] * n;
        if constexpr (LAYER) ab[j][e] += gv[j][e];
        float gw = gv[j][e] * wv[e];
        gv[j][e] = gw;
        sg += gw;
        sgn += gw * n;
      }
    }
    group_sum2(sg, sgn, smem);
    const float mg = LAYER ? sg / float(D) : 0.0f;
    const float mgn = sgn / float(D);
    P* dr = reinterpret_cast<P*>(dx + row * D);
#pragma unroll
    for (int j = 0; j < NV; ++j) {
      int idx = threadIdx.x + j * tpr;
      if (idx < nvec) {
        P p;
#pragma unroll
        for (int e = 0; e < VEC; ++e) {
          p.v[e] = cast_to<T>(inv * (gv[j][e] - mg - xv[j][e] * mgn));
        }
        dr[idx] = p;
      }
    }
  }
  // The block's partial sums: one row of pw / pb per block.
  if (pw) write_partial<NV, VEC>(aw, pw + int64_t(blockIdx.x) * D, nvec, D, red);
  if (LAYER && pb) write_partial<NV, VEC>(ab, pb + int64_t(blockIdx.x) * D, nvec, D, red);
}

// Any row length and alignment, and float64: a block per row, looping over
// global memory (x read three times, g twice). The block's partial row
// part[blockIdx.x] is only touched by the thread owning each column.
template <typename T, typename C, bool LAYER>
__global__ void __launch_bounds__(1024)
    norm_vjp_generic(const T* __restrict__ x, const C* __restrict__ w,
                     const T* __restrict__ g, T* __restrict__ dx,
                     C* __restrict__ pw, C* __restrict__ pb, int64_t rows,
                     int64_t D, float eps) {
  __shared__ C smem[64];
  C* myw = pw ? pw + int64_t(blockIdx.x) * D : nullptr;
  C* myb = (LAYER && pb) ? pb + int64_t(blockIdx.x) * D : nullptr;
  for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
    if (myw) myw[i] = C(0);
    if (myb) myb[i] = C(0);
  }
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* xr = x + row * D;
    const T* gr = g + row * D;
    T* dr = dx + row * D;
    C mu, inv;
    cuda::row_norm::row_stats<LAYER>(xr, D, eps, smem, mu, inv);
    C sg = 0, sgn = 0;
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
      C n = (cast_to<C>(xr[i]) - mu) * inv;
      C gw = cast_to<C>(gr[i]) * (w ? w[i] : C(1));
      sg += gw;
      sgn += gw * n;
    }
    group_sum2(sg, sgn, smem);
    const C mg = LAYER ? sg / C(D) : C(0);
    const C mgn = sgn / C(D);
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
      C n = (cast_to<C>(xr[i]) - mu) * inv;
      C gi = cast_to<C>(gr[i]);
      C gw = gi * (w ? w[i] : C(1));
      dr[i] = cast_to<T>(inv * (gw - mg - n * mgn));
      if (myw) myw[i] += gi * n;
      if (myb) myb[i] += gi;
    }
  }
}

// out[col] = sum over p < P of part[p * D + col], in order of p within each
// of the 8 y-threads, then the 8 in order: deterministic.
template <typename C, typename O>
__global__ void __launch_bounds__(256)
    column_sum(const C* __restrict__ part, int64_t P, int64_t D, O* __restrict__ out) {
  __shared__ C sm[8][33];
  int64_t col = int64_t(blockIdx.x) * 32 + threadIdx.x;
  C acc = 0;
  if (col < D) {
    for (int64_t p = threadIdx.y; p < P; p += 8) acc += part[p * D + col];
  }
  sm[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && col < D) {
    C t = 0;
#pragma unroll
    for (int y = 0; y < 8; ++y) t += sm[y][threadIdx.x];
    out[col] = cast_to<O>(t);
  }
}

template <typename C>
void launch_column_sum(const C* part, int64_t P, int64_t D, array& out,
                       cudaStream_t stream) {
  dim3 grid(unsigned((D + 31) / 32));
  cuda::dispatch_device_float(out.dtype(), "norm_vjp", [&](auto tag) {
    using O = decltype(tag);
    column_sum<C, O><<<grid, dim3(32, 8), 0, stream>>>(part, P, D,
                                                        cuda::gpu_ptr<O>(out));
  });
}

// Blocks for a grid-stride launch: one wave of resident blocks, at most
// `groups` (the row groups there are).
template <typename K>
int64_t resident_grid(K kernel, int threads, int64_t groups) {
  int per_sm = 0;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, 0) !=
          cudaSuccess ||
      per_sm < 1) {
    cudaGetLastError();  // clear a failed query; fall back to one per SM
    per_sm = 1;
  }
  int64_t resident = int64_t(std::max(cuda::sm_count(), 1)) * per_sm;
  return std::max<int64_t>(1, std::min(groups, resident));
}

struct VjpArgs {
  bool layer;
  const array& x;  // rows in T, row-contiguous
  const array* w;  // compute type, contiguous, 16-byte aligned
  const array& g;  // rows in T, row-contiguous
  array& dx;
  array* dw;
  array* db;
  float eps;
  const Stream& s;
};

template <typename T, int NV, int VEC, bool LAYER>
void launch_rows(const VjpArgs& a, int tpr, int64_t rows, int D,
                 cudaStream_t stream) {
  int rpb = tpr == 32 ? 8 : 1;
  if (tpr * rpb > kMaxThreads || (rpb > 1 && D > kWarpRowMax)) {
    throw std::runtime_error("[norm_vjp] Block of " + std::to_string(tpr) + "x" +
                             std::to_string(rpb) +
                             " threads exceeds the kernel's limits.");
  }
  auto kernel = norm_vjp_rows<T, NV, VEC, LAYER>;
  int64_t grid = resident_grid(kernel, tpr * rpb, (rows + rpb - 1) / rpb);
  bool need_w = a.dw != nullptr, need_b = LAYER && a.db != nullptr;
  size_t part_bytes = size_t(grid) * size_t(D) * sizeof(float);
  std::optional<cuda::Scratch> sw, sb;
  if (need_w) sw.emplace(part_bytes, a.s);
  if (need_b) sb.emplace(part_bytes, a.s);
  float* pw = need_w ? static_cast<float*>(sw->get()) : nullptr;
  float* pb = need_b ? static_cast<float*>(sb->get()) : nullptr;
  kernel<<<unsigned(grid), dim3(tpr, rpb), 0, stream>>>(
      cuda::gpu_ptr<T>(a.x), a.w ? cuda::gpu_ptr<float>(*a.w) : nullptr,
      cuda::gpu_ptr<T>(a.g), cuda::gpu_ptr<T>(a.dx), pw, pb, rows, D, a.eps);
  if (need_w) launch_column_sum(pw, grid, D, *a.dw, stream);
  if (need_b) launch_column_sum(pb, grid, D, *a.db, stream);
}

template <typename T, bool LAYER>
void launch_generic(const VjpArgs& a, int64_t rows, int64_t D, cudaStream_t stream) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  int threads = D >= 8192 ? 1024 : D >= 1024 ? 256 : 128;
  auto kernel = norm_vjp_generic<T, C, LAYER>;
  // Bound the scratch by ~4M partial values or one row per SM.
  int64_t cap = std::max<int64_t>(std::max(cuda::sm_count(), 1), (int64_t(1) << 22) / D);
  int64_t grid = resident_grid(kernel, threads, std::min(rows, cap));
  bool need_w = a.dw != nullptr, need_b = LAYER && a.db != nullptr;
  size_t part_bytes = size_t(grid) * size_t(D) * sizeof(C);
  std::optional<cuda::Scratch> sw, sb;
  if (need_w) sw.emplace(part_bytes, a.s);
  if (need_b) sb.emplace(part_bytes, a.s);
  C* pw = need_w ? static_cast<C*>(sw->get()) : nullptr;
  C* pb = need_b ? static_cast<C*>(sb->get()) : nullptr;
  kernel<<<unsigned(grid), threads, 0, stream>>>(
      cuda::gpu_ptr<T>(a.x), a.w ? cuda::gpu_ptr<C>(*a.w) : nullptr,
      cuda::gpu_ptr<T>(a.g), cuda::gpu_ptr<T>(a.dx), pw, pb, rows, D, a.eps);
  if (need_w) launch_column_sum(pw, grid, D, *a.dw, stream);
  if (need_b) launch_column_sum(pb, grid, D, *a.db, stream);
}

template <typename T, bool LAYER>
void launch_vjp_t(const VjpArgs& a, cudaStream_t stream) {
  int64_t D = a.x.shape(-1);
  int64_t rows = int64_t(a.x.size()) / D;
  auto warps = [](int64_t n) { return int((n + 31) / 32 * 32); };
  if constexpr (!std::is_same_v<T, double>) {
    constexpr int VEC = 16 / sizeof(T);
    constexpr int NVMAX = 16 / VEC;  // 16 columns per thread at most
    int64_t nvec = D / VEC;
    bool vec = D % VEC == 0 && aligned16(cuda::gpu_ptr<T>(a.x)) &&
               aligned16(cuda::gpu_ptr<T>(a.g)) && aligned16(cuda::gpu_ptr<T>(a.dx));
    if (vec && nvec <= int64_t(NVMAX) * kMaxThreads) {
      int d = int(D);
      if (nvec <= 32) {
        launch_rows<T, 1, VEC, LAYER>(a, 32, rows, d, stream);
      } else if (nvec <= 64 || NVMAX == 2) {
        launch_rows<T, 2, VEC, LAYER>(a, nvec <= 64 ? 32 : warps((nvec + 1) / 2),
                                      rows, d, stream);
      } else {
        if constexpr (NVMAX >= 4) {
          launch_rows<T, 4, VEC, LAYER>(
              a, nvec <= 128 ? 32 : warps((nvec + 3) / 4), rows, d, stream);
        }
      }
      return;
    }
    // Scalar loads, 8 columns per thread.
    if (D <= 8 * int64_t(kMaxThreads)) {
      launch_rows<T, 8, 1, LAYER>(a, D <= 256 ? 32 : warps((D + 7) / 8), rows,
                                  int(D), stream);
      return;
    }
  }
  launch_generic<T, LAYER>(a, rows, D, stream);
}

void norm_vjp_gpu(bool layer, float eps, bool hw, bool hb,
                  const std::vector<array>& inputs, std::vector<array>& outputs,
                  const Stream& s, const char* name) {
  for (auto& o : outputs) cuda::allocate(o, s);
  cudaStream_t stream = cuda::get_stream(s);
  array* dw = hw ? &outputs[1] : nullptr;
  array* db = hb ? &outputs[hw ? 2 : 1] : nullptr;
  Dtype dt = outputs[0].dtype();
  int64_t D = inputs[0].shape(-1);
  if (outputs[0].size() == 0) {
    // No rows (or D == 0): the parameter gradients are zeros.
    for (array* p : {dw, db}) {
      if (p && p->nbytes() > 0) {
        EMBER_CUDA_CHECK(cudaMemsetAsync(cuda::gpu_ptr<void>(*p), 0, p->nbytes(), stream));
      }
    }
    return;
  }
  (void)D;
  Dtype ct = dt == float64 ? float64 : float32;
  array x = prepare_rows(inputs[0], dt, s);
  array g = prepare_rows(inputs.back(), dt, s);
  std::optional<array> w;
  if (hw) w = prepare_vector(inputs[1], ct, s);
  VjpArgs a{layer, x, w ? &*w : nullptr, g, outputs[0], dw, db, eps, s};
  cuda::dispatch_device_float(dt, name, [&](auto tag) {
    using T = decltype(tag);
    if (layer) {
      launch_vjp_t<T, true>(a, stream);
    } else {
      launch_vjp_t<T, false>(a, stream);
    }
  });
  cuda::check_launch(name);
}

}  // namespace

void RMSNormVJP::eval_gpu(const std::vector<array>& inputs,
                          std::vector<array>& outputs) {
  norm_vjp_gpu(false, eps_, has_weight_, false, inputs, outputs, stream(),
               "rms_norm");
}

void LayerNormVJP::eval_gpu(const std::vector<array>& inputs,
                            std::vector<array>& outputs) {
  norm_vjp_gpu(true, eps_, has_weight_, has_bias_, inputs, outputs, stream(),
               "layer_norm");
}

}  // namespace ember
