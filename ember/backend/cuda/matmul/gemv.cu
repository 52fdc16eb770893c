// Matrix-vector products (batch-1 decoding) without cuBLASLt: y = x @ W.T
// for a few rows of x (max_vecs) with W an (N, K) row-major weight viewed transposed
// (nn.Linear), and y = A @ v with A (M, K) row-major and v one contiguous
// column. float16, bfloat16 and float32; float32 accumulation.
//
// Algorithm: one warp per matrix row. Each lane reads the row in 16-byte
// chunks (4 in flight, streamed past L1), and for each of the J <= 8 vectors
// loads the matching 16-byte chunk of the vector (cached; the vectors are
// small and read by every warp) and accumulates J float dot products; a
// scalar tail covers K not a multiple of the chunk. The warp's J sums are
// combined by shuffles and lane j writes y[j, row] (scaled by alpha, plus
// the bias of an AddMM whose c is one row). Traffic: one read of the matrix,
// the vectors from cache, one write of y.
//
// Measured on an H200 against cuBLASLt (EMBER_CUDA_GEMV=0) in one run, GB/s
// of weight read: (1, 4096) @ (11008, 4096).T bf16 3393 vs 3063 (PyTorch
// 3302); (1, 768) @ (50257, 768).T 2989 vs 2392; (1, 768) @ (3072, 768).T
// 596 vs 274; (2, 4096) @ (4096, 4096).T 2486 vs 2152; float32 (8, 4096) @
// (11008, 4096).T 2582 vs 1754. Not done: 11008 rows are 1376 blocks of 8
// rows, 1.3 waves of the 1056 that fit; smaller work units (several warps
// per row) would trim that tail.
//
// Eligible (else cuBLASLt): one batch, 16-byte aligned matrix rows and
// vector rows, rows of at least 512 bytes, at least kMinRows matrix rows.
// EMBER_CUDA_GEMV=0 (read once) sends every product to cuBLASLt (A/B
// benchmarks).
#include <cuda_runtime.h>

#include <atomic>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"
#include "ember/backend/cuda/matmul.h"

namespace ember::cuda {

namespace {

constexpr int kWarps = 8;       // matrix rows per 256-thread block
// Rows of x (M) handled in one pass: float32 up to 8; float16/bfloat16 up
// to 2, where converting every vector chunk made 4 and 8 rows slower than
// cuBLASLt (2635 and 1644 GB/s against 3096 and 3045 on (4 or 8, 4096) @
// (11008, 4096).T bf16; float32 8 rows: 2582 against 1754; H200).
constexpr int max_vecs(size_t elem_bytes) { return elem_bytes == 4 ? 8 : 2; }
constexpr int kUnroll = 4;      // 16-byte chunks in flight per lane
constexpr int64_t kMinRows = 1024;

template <typename T, int J>
__device__ __forceinline__ void fma_chunk(const uint4& wc, const T* __restrict__ x,
                                          int64_t ldx, int64_t k0, float (&acc)[J]) {
  constexpr int N = 16 / int(sizeof(T));
  const T* we = reinterpret_cast<const T*>(&wc);
  float wf[N];
#pragma unroll
  for (int i = 0; i < N; ++i) wf[i] = cast_to<float>(we[i]);
#pragma unroll
  for (int j = 0; j < J; ++j) {
    uint4 xc = __ldg(reinterpret_cast<const uint4*>(x + j * ldx + k0));
    const T* xe = reinterpret_cast<const T*>(&xc);
#pragma unroll
    for (int i = 0; i < N; ++i) acc[j] = fmaf(wf[i], cast_to<float>(xe[i]), acc[j]);
  }
}

// y[j * ys_j + r] = alpha * sum_k w[r * ldw + k] * x[j * ldx + k]
//                   (+ bias[r * bs]), for r < rows, j < J.
template <typename T, int J>
__global__ void __launch_bounds__(kWarps * 32)
    gemv_rows(const T* __restrict__ w, int64_t ldw, int64_t rows,
              const T* __restrict__ x, int64_t ldx, int64_t K, T* __restrict__ y,
              int64_t ys_j, const T* __restrict__ bias, int64_t bs, float alpha) {
  constexpr int N = 16 / int(sizeof(T));
  const int lane = threadIdx.x & 31;
  const int64_t r = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5);
  if (r >= rows) return;  // the whole warp: r is per warp
  const T* wr = w + r * ldw;
  const uint4* wv = reinterpret_cast<const uint4*>(wr);
  float acc[J];
#pragma unroll
  for (int j = 0; j < J; ++j) acc[j] = 0.0f;
  const int64_t nv = K / N;
  int64_t v = lane;
  for (; v + (kUnroll - 1) * 32 < nv; v += kUnroll * 32) {
    uint4 c[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) c[u] = __ldcs(wv + v + u * 32);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) fma_chunk<T, J>(c[u], x, ldx, (v + u * 32) * N, acc);
  }
  for (; v < nv; v += 32) fma_chunk<T, J>(__ldcs(wv + v), x, ldx, v * N, acc);
  for (int64_t k = nv * N + lane; k < K; k += 32) {
    float wk = cast_to<float>(wr[k]);
#pragma unroll
    for (int j = 0; j < J; ++j) acc[j] = fmaf(wk, cast_to<float>(x[j * ldx + k]), acc[j]);
  }
  float mine = 0.0f;
#pragma unroll
  for (int j = 0; j < J; ++j) {
    float t = acc[j];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
    if (lane == j) mine = t;
  }
  if (lane < J) {
    float val = alpha * mine;
    if (bias) val += cast_to<float>(bias[r * bs]);
    y[lane * ys_j + r] = cast_to<T>(val);
  }
}

// Launches the kernel for J = nvec (J <= max_vecs(sizeof(T))).
template <typename T, int J = 1>
void dispatch(int nvec, const void* w, int64_t ldw, int64_t rows, const void* x,
              int64_t ldx, int64_t K, void* y, int64_t ys_j, const void* bias,
              int64_t bs, float alpha, cudaStream_t st) {
  if constexpr (J < max_vecs(sizeof(T))) {
    if (nvec > J) {
      dispatch<T, J + 1>(nvec, w, ldw, rows, x, ldx, K, y, ys_j, bias, bs, alpha, st);
      return;
    }
  }
  unsigned blocks = unsigned((rows + kWarps - 1) / kWarps);
  gemv_rows<T, J><<<blocks, kWarps * 32, 0, st>>>(
      static_cast<const T*>(w), ldw, rows, static_cast<const T*>(x), ldx, K,
      static_cast<T*>(y), ys_j, static_cast<const T*>(bias), bs, alpha);
}

std::atomic<int> g_gemv{-1};  // EMBER_CUDA_GEMV, default on

bool enabled() { return switch_on(g_gemv, "EMBER_CUDA_GEMV", true); }

bool aligned(const void* p, int64_t ld, int64_t nrows, size_t es) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0 &&
         (nrows <= 1 || (ld * int64_t(es)) % 16 == 0);
}

}  // namespace

bool try_gemv(const array& a, const array& b, array& out, float alpha, const void* bias,
              const Stream& s) {
  Dtype dt = out.dtype();
  if (!enabled() || (dt != Dtype::float16 && dt != Dtype::bfloat16 && dt != Dtype::float32)) {
    return false;
  }
  int nd = out.ndim();
  for (int d = 0; d + 2 < nd; ++d) {
    if (out.shape(d) != 1) return false;
  }
  const int64_t M = out.shape(-2), N = out.shape(-1), K = a.shape(-1);
  const size_t es = size_of(dt);
  if (K * int64_t(es) < 512) return false;
  const void* w;
  const void* x;
  int64_t ldw, ldx, rows, J, ys_j, bs;
  if (M <= max_vecs(es) && N >= kMinRows && b.strides(-2) == 1 && a.strides(-1) == 1) {
    // x (M, K) @ W.T: the rows of W are b's columns.
    w = gpu_ptr<void>(b);
    ldw = b.strides(-1);
    rows = N;
    x = gpu_ptr<void>(a);
    ldx = a.strides(-2);
    J = M;
    ys_j = N;
    bs = 1;
  } else if (N == 1 && M >= kMinRows && a.strides(-1) == 1 && b.strides(-2) == 1) {
    // A (M, K) @ v: the rows of A against b's one column.
    w = gpu_ptr<void>(a);
    ldw = a.strides(-2);
    rows = M;
    x = gpu_ptr<void>(b);
    ldx = 0;
    J = 1;
    ys_j = 0;
    bs = 0;  // c is one element broadcast over the rows
  } else {
    return false;
  }
  if (!aligned(w, ldw, rows, es) || !aligned(x, ldx, J, es) || ldw < K) return false;
  cudaStream_t st = get_stream(s);
  void* y = gpu_ptr<void>(out);
  switch (dt) {
    case Dtype::float16:
      dispatch<__half>(int(J), w, ldw, rows, x, ldx, K, y, ys_j, bias, bs, alpha, st);
      break;
    case Dtype::bfloat16:
      dispatch<__nv_bfloat16>(int(J), w, ldw, rows, x, ldx, K, y, ys_j, bias, bs, alpha, st);
      break;
    default:
      dispatch<float>(int(J), w, ldw, rows, x, ldx, K, y, ys_j, bias, bs, alpha, st);
      break;
  }
  check_launch("matmul");
  return true;
}

}  // namespace ember::cuda
