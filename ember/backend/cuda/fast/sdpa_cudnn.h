// Attention through cuDNN's fused flash kernels (frontend graph API), used by
// ScaledDotProductAttention(VJP)::eval_gpu. Implemented in sdpa_cudnn.cpp
// (compiled by the host compiler; libcudnn.so.9 is loaded at run time, see
// there). Every entry point returns false when cuDNN is not available or
// does not support the configuration, so callers can fall back; failures at
// execution throw std::runtime_error.
#pragma once

#include <cstdint>

#include "ember/core/array.h"

namespace ember::cuda::sdpa_cudnn {

/// Problem sizes: q (B, Nq, Tq, D), k (B, Nkv, Tk, D), v (B, Nkv, Tk, Dv).
struct Dims {
  int B, Nq, Nkv, Tq, Tk, D, Dv;
};

/// Mask: 0 none, 1 causal (bottom-right aligned when Tq < Tk), 2 an
/// additive bias array of shape (Bm, Hm, Tq, Tk), row-contiguous, in the
/// io dtype (Bm in {1, B}, Hm in {1, Nq}).
struct Mask {
  int kind = 0;
  int Bm = 1, Hm = 1;
  const array* bias = nullptr;
};

/// EMBER_SDPA_KERNEL is unset or "cudnn" (the cuDNN path is wanted).
bool requested();

/// requested(), ember built with the cuDNN frontend, and libcudnn.so.9
/// loaded (tried once).
bool available();

/// Whether the forward with statistics and the backward graphs build for
/// these sizes with row-contiguous layouts (bias, if any, of full shape).
/// Cached; builds the graphs on first use.
bool supported(Dtype dt, const Dims& d, int mask_kind, float scale);

/// out (B, Nq, Tq, Dv; last stride 1, any positive other strides, e.g.
/// row-contiguous or (B, Tq, Nq, Dv) order) = attention of q, k, v (last
/// stride 1, other strides positive), and lse (B, Nq, Tq) float32
/// row-contiguous when given. Returns false (nothing enqueued) if cuDNN can't run it.
bool forward(const Stream& s, Dtype dt, const Dims& d, float scale,
             const Mask& mask, const array& q, const array& k, const array& v,
             array& out, array* lse);

/// dq, dk, dv (shapes of q, k, v; last stride 1, any positive other
/// strides) from q, k, v, out, d_out
/// (last stride 1) and the forward's lse. Returns false (nothing enqueued)
/// if cuDNN can't run it.
bool backward(const Stream& s, Dtype dt, const Dims& d, float scale,
              const Mask& mask, const array& q, const array& k,
              const array& v, const array& out, const array& dout,
              const array& lse, array& dq, array& dk, array& dv);

/// Graphs whose execution plan was picked by autotuning in this process
/// (see sdpa_cudnn.cpp): `considered` counts the graphs large enough to
/// tune that went through it (every candidate plan built), `timed` those of
/// them with two or more distinct candidates, which were timed. Exported for
/// the tests (this file's code is otherwise hidden).
__attribute__((visibility("default"))) void autotune_counts(
    int64_t& considered, int64_t& timed);

}  // namespace ember::cuda::sdpa_cudnn
