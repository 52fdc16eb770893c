// Attention forward for Hopper GPUs (sdpa_hopper.cu): wgmma tensor-core
// products fed by bulk tensor copies (TMA), float16/bfloat16, head dim 64,
// no mask or causal. Built for sm_90a only; `forward` declines (returns
// false, nothing enqueued) on other devices and configurations so callers
// can fall back to cuDNN or the portable kernels (sdpa.cu).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace ember::cuda::sdpa_hopper {

struct Args {
  const void* q;  // (B, Nq, Tq, 64), strides q_s (batch, head, token)
  const void* k;  // (B, Nkv, Tk, 64)
  const void* v;  // (B, Nkv, Tk, 64)
  void* out;      // (B, Nq, Tq, 64), strides o_s
  float* lse;     // (B, Nq, Tq) float32 row-contiguous, or null
  int64_t q_s[3], k_s[3], v_s[3], o_s[3];  // element strides; feature stride 1
  int B, Nq, Nkv, Tq, Tk, D, Dv;
  float scale;
  bool causal;    // bottom-right aligned: row i sees keys j <= i + Tk - Tq
  bool half;      // float16 (else bfloat16)
};

/// Whether the device and sizes suit the kernel (layout not checked): a
/// compute capability 9.0 GPU, D == Dv == 64, Tq, Tk >= 1, Nq a multiple
/// of Nkv, scale > 0, and Tq <= Tk when causal (every row sees a key).
bool supported(int D, int Dv, int Tq, int Tk, int Nq, int Nkv, float scale,
               bool causal);

/// Enqueues the attention on `stream`; false (nothing enqueued) when
/// unsupported or when a layout can't be described to the copy engine
/// (16-byte aligned start, batch/head/token strides positive multiples of 8
/// elements).
bool forward(const Args& a, cudaStream_t stream);

/// Launches of the kernel in this process and whether this device runs it
/// (exported for the tests; this file's code is otherwise internal).
__attribute__((visibility("default"))) int64_t launch_count();
__attribute__((visibility("default"))) bool device_supported();

}  // namespace ember::cuda::sdpa_hopper
