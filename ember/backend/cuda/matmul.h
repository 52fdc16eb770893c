// Dense matrix products on the GPU through cuBLASLt, shared by Matmul,
// AddMM and Convolution.
//
// TF32: float32 products use full float32 math by default. Set the
// environment variable EMBER_CUDA_TF32=1 (read once, at the first product) or
// call cuda::set_tf32(true) to let cuBLASLt round float32 inputs to TF32 on
// the tensor cores (about 8x faster, ~1e-3 relative error).
//
// Autotuning: a product of at least 2^32 flops (2 * M * N * K * batch, x4
// for complex64) asks cuBLASLt's heuristic for up to 8 algorithms; the
// first time its cached plan runs, every candidate is timed on the real
// operands on the op's stream (one warm-up and 3 timed runs each, CUDA
// events, one host wait) and the fastest is kept for the plan. Smaller
// products use the heuristic's first algorithm without timing.
// EMBER_CUDA_AUTOTUNE=0 (read once) or cuda::set_autotune(false) turns
// tuning off here and in cuDNN attention (fast/sdpa_cudnn.cpp). With
// EMBER_CUDA_PROFILE=1 each choice is printed to stderr and noted in the
// profile of the op that tuned.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "ember/core/array.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"

namespace ember::cuda {

/// A switch set by a set_*() call or, until then, by the environment
/// variable `var` read once: unset or empty gives `dflt`, "0" off, anything
/// else on. `v` starts at -1 (not read yet); set_*() stores 0 or 1.
bool switch_on(std::atomic<int>& v, const char* var, bool dflt);

/// Whether float32 products may use TF32 tensor cores.
bool tf32_enabled();
/// Allows (true) or forbids (false) TF32 for float32 products.
void set_tf32(bool enabled);

/// Whether GPU libraries may time candidate algorithms (EMBER_CUDA_AUTOTUNE,
/// default on).
bool autotune_enabled();
/// Allows (true) or forbids (false) autotuning from now on.
void set_autotune(bool enabled);
/// cuBLASLt plans that went through autotuning in this process: `considered`
/// counts those large enough to tune (with autotuning on), `timed` those of
/// them that had two or more candidates and were timed.
void gemm_autotune_counts(int64_t& considered, int64_t& timed);

/// Autotuning helpers (cuBLASLt here, cuDNN attention plans). Whether work
/// on `s` can be timed now: not while it is being captured into a CUDA
/// graph. When the capture is ember's own (graphs.cpp), the segment is then
/// run again without capture, and the tuning happens in that run.
bool can_time(const Stream& s);
/// Times n candidates on the CUDA stream of `s`: one warm-up run of each
/// (run(i) enqueues candidate i and returns false if it refused), then 3
/// rounds that run every candidate that warmed up once, each run between two
/// CUDA events (rounds spread clock drift over all candidates), then one
/// host wait on the last event. Returns each candidate's fastest run in ms,
/// -1 for those that refused.
std::vector<float> time_candidates(const Stream& s, int n,
                                   const std::function<bool(int)>& run);
/// Index of the fastest time (-1 if none ran); a later candidate must beat
/// an earlier one by 0.5% (timing noise must not move the choice off the
/// heuristic's order).
int fastest_candidate(const std::vector<float>& ms);

/// One operand of a row-major product: element (r, c) of the r x c matrix of
/// batch i lives at ptr + i * batch_stride + (trans ? c * ld + r : r * ld + c).
struct GemmOperand {
  const void* ptr;
  bool trans;
  int64_t ld;
  int64_t batch_stride;
};

/// For i < batch: C_i (M x N, element (r, c) at c + i * c_batch_stride +
/// r * ldc) = alpha * A_i (M x K) @ B_i (K x N) + beta * C_i, queued on the
/// CUDA stream of `s`. dtype: float16, bfloat16 (float32 accumulation),
/// float32, float64 or complex64. K must be > 0. beta == 0 ignores C.
/// `bias` (float16/bfloat16/float32 only, N elements of `dtype`) is added to
/// every row of the result by cuBLASLt's epilogue.
void gemm(const Stream& s, Dtype dtype, int64_t M, int64_t N, int64_t K,
          const GemmOperand& a, const GemmOperand& b, void* c, int64_t ldc,
          int64_t c_batch_stride, int64_t batch, float alpha, float beta,
          const void* bias = nullptr);

/// out = alpha * a @ b (+ bias, one row of out's dtype, when not null) by
/// the matrix-vector kernels of matmul/gemv.cu when the product is one
/// (see there: up to 8 rows of a against b = W.T, or b one column); returns
/// false, having queued nothing, otherwise. out is allocated,
/// row-contiguous.
bool try_gemv(const array& a, const array& b, array& out, float alpha, const void* bias,
              const Stream& s);

}  // namespace ember::cuda
