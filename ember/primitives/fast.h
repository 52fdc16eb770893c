// Fused primitives of ember.core.fast. Each keeps a `fallback` that computes
// the same math with basic ops; vjp/jvp (and vmap where the fused kernel
// can't take the batch) differentiate / vectorise that fallback.
#pragma once

#include <functional>

#include "ember/primitives/primitive.h"

namespace ember {

using FastFallback = std::function<std::vector<array>(const std::vector<array>&)>;

namespace detail {
// Transforms of a fused primitive through its op-composed fallback (the same
// math), so higher orders work too. `differentiable(i)` tells which inputs
// carry gradients (e.g. not integer offsets).
std::vector<array> fallback_vjp(const FastFallback& fb,
                                const std::function<bool(int)>& differentiable,
                                const Stream& s,
                                const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums);
/// Tangents of every output of the fallback.
std::vector<array> fallback_jvp(const FastFallback& fb,
                                const std::function<bool(int)>& differentiable,
                                const Stream& s,
                                const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums);
/// Every output batched along axis 0.
std::pair<std::vector<array>, std::vector<int>> fallback_vmap(
    const FastFallback& fb, const std::vector<array>& inputs,
    const std::vector<int>& axes);
}  // namespace detail

/// Base of fused fast primitives (Base: UnaryPrimitive for one output,
/// Primitive for several): derivatives and batching through the fallback.
template <class Base>
class FastBase : public Base {
 public:
  FastBase(Stream s, FastFallback fallback)
      : Base(s), fallback_(std::move(fallback)) {}
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>&) override {
    return detail::fallback_vjp(fallback_, diff_fn(), this->stream(), primals,
                                cotangents, argnums);
  }
  std::vector<array> jvp(const std::vector<array>& primals,
                         const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override {
    return detail::fallback_jvp(fallback_, diff_fn(), this->stream(), primals,
                                tangents, argnums);
  }
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override {
    return detail::fallback_vmap(fallback_, inputs, axes);
  }
  const FastFallback& fallback() const { return fallback_; }

 protected:
  /// Inputs that carry no gradient (e.g. integer offsets).
  virtual bool differentiable(int) const { return true; }
  std::function<bool(int)> diff_fn() const {
    return [this](int i) { return differentiable(i); };
  }
  FastFallback fallback_;
};

/// Single-output fused primitive.
using FastPrimitive = FastBase<UnaryPrimitive>;
/// Multi-output fused primitive.
using FastMultiPrimitive = FastBase<Primitive>;

/// x * rsqrt(mean(x^2, -1) + eps) [* weight]; inputs (x[, weight]).
class RMSNorm : public FastPrimitive {
 public:
  RMSNorm(Stream s, FastFallback f, float eps, bool has_weight)
      : FastPrimitive(s, std::move(f)), eps_(eps), has_weight_(has_weight) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_NAME(RMSNorm)
  /// Through RMSNormVJP (one fused pass), not the fallback.
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const RMSNorm&>(o);
    return eps_ == r.eps_ && has_weight_ == r.has_weight_;
  }

 private:
  float eps_;
  bool has_weight_;
};

/// (x - mean) * rsqrt(var + eps) [* weight] [+ bias] over the last axis;
/// inputs (x[, weight][, bias]).
class LayerNorm : public FastPrimitive {
 public:
  LayerNorm(Stream s, FastFallback f, float eps, bool has_weight, bool has_bias)
      : FastPrimitive(s, std::move(f)), eps_(eps), has_weight_(has_weight),
        has_bias_(has_bias) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_NAME(LayerNorm)
  /// Through LayerNormVJP (one fused pass), not the fallback.
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const LayerNorm&>(o);
    return eps_ == r.eps_ && has_weight_ == r.has_weight_ &&
           has_bias_ == r.has_bias_;
  }

 private:
  float eps_;
  bool has_weight_, has_bias_;
};

/// Backward of RMSNorm. Inputs (x, [weight,] cotangent), x and cotangent
/// in the forward's output dtype; outputs (dx[, dweight]): dx in x's dtype,
/// dweight = sum over rows of cotangent * x * rsqrt(mean(x^2) + eps).
class RMSNormVJP : public FastMultiPrimitive {
 public:
  RMSNormVJP(Stream s, FastFallback f, float eps, bool has_weight)
      : FastMultiPrimitive(s, std::move(f)), eps_(eps), has_weight_(has_weight) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_NAME(RMSNormVJP)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const RMSNormVJP&>(o);
    return eps_ == r.eps_ && has_weight_ == r.has_weight_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  float eps_;
  bool has_weight_;
};

/// Backward of LayerNorm. Inputs (x, [weight,] cotangent) as RMSNormVJP;
/// outputs (dx[, dweight][, dbias]): dweight = sum over rows of cotangent *
/// normalised x, dbias = sum over rows of cotangent (produced when the
/// forward had a bias, which the backward does not need as an input).
class LayerNormVJP : public FastMultiPrimitive {
 public:
  LayerNormVJP(Stream s, FastFallback f, float eps, bool has_weight,
               bool has_bias)
      : FastMultiPrimitive(s, std::move(f)), eps_(eps), has_weight_(has_weight),
        has_bias_(has_bias) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_NAME(LayerNormVJP)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const LayerNormVJP&>(o);
    return eps_ == r.eps_ && has_weight_ == r.has_weight_ &&
           has_bias_ == r.has_bias_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

 private:
  float eps_;
  bool has_weight_, has_bias_;
};

/// Rotary embedding of the last axis; inputs (x, offset[, freqs]).
class RoPE : public FastPrimitive {
 public:
  RoPE(Stream s, FastFallback f, int dims, bool traditional, float base,
       float scale, bool has_freqs)
      : FastPrimitive(s, std::move(f)), dims_(dims), traditional_(traditional),
        base_(base), scale_(scale), has_freqs_(has_freqs) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_NAME(RoPE)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const RoPE&>(o);
    return dims_ == r.dims_ && traditional_ == r.traditional_ &&
           base_ == r.base_ && scale_ == r.scale_ && has_freqs_ == r.has_freqs_;
  }

 protected:
  bool differentiable(int i) const override { return i != 1; }

 private:
  int dims_;
  bool traditional_;
  float base_, scale_;
  bool has_freqs_;
};

/// softmax(scale * q @ k^T + mask) @ v with GQA; inputs (q, k, v[, mask]
/// [, sinks]). mask_kind: 0 none, 1 causal, 2 bool array, 3 additive array.
/// With output_lse (built inside a transformation when the fused backward
/// applies) a second output holds the float32 logsumexp of each row's
/// scores, shape (B, Nq, Tq), for ScaledDotProductAttentionVJP.
class ScaledDotProductAttention : public FastMultiPrimitive {
 public:
  ScaledDotProductAttention(Stream s, FastFallback f, float scale,
                            int mask_kind, bool has_sinks,
                            bool output_lse = false)
      : FastMultiPrimitive(s, std::move(f)), scale_(scale),
        mask_kind_(mask_kind), has_sinks_(has_sinks), output_lse_(output_lse) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_NAME(ScaledDotProductAttention)
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const ScaledDotProductAttention&>(o);
    return scale_ == r.scale_ && mask_kind_ == r.mask_kind_ &&
           has_sinks_ == r.has_sinks_ && output_lse_ == r.output_lse_;
  }
  float scale() const { return scale_; }
  int mask_kind() const { return mask_kind_; }
  bool has_sinks() const { return has_sinks_; }
  bool output_lse() const { return output_lse_; }

 protected:
  bool differentiable(int i) const override {
    return !(i == 3 && mask_kind_ == 2);
  }

 private:
  float scale_;
  int mask_kind_;
  bool has_sinks_;
  bool output_lse_;
};

/// Fused attention backward: inputs (q, k, v[, mask], out, lse, d_out), all
/// of q, k, v, out, d_out in one float dtype, mask as in the forward (bool or
/// additive, broadcast to (B, Nq, Tq, Tk)), lse the forward's float32
/// (B, Nq, Tq) logsumexp; outputs (dq, dk, dv). No gradient for the mask:
/// the forward's vjp takes the composed path when the mask needs one.
/// Derivatives through `fallback` (the composed vjp of the forward).
class ScaledDotProductAttentionVJP : public FastMultiPrimitive {
 public:
  ScaledDotProductAttentionVJP(Stream s, FastFallback f, float scale,
                               int mask_kind)
      : FastMultiPrimitive(s, std::move(f)), scale_(scale),
        mask_kind_(mask_kind) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_NAME(ScaledDotProductAttentionVJP)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const ScaledDotProductAttentionVJP&>(o);
    return scale_ == r.scale_ && mask_kind_ == r.mask_kind_;
  }
  float scale() const { return scale_; }
  int mask_kind() const { return mask_kind_; }

 protected:
  // The forward's outputs (out, lse) are recomputed by the fallback, which
  // differentiates q, k, v, d_out (and an additive mask) directly.
  bool differentiable(int i) const override {
    int m = mask_kind_ >= 2 ? 1 : 0;
    if (i == 3 && m) return mask_kind_ == 3;
    return i < 3 || i == 5 + m;
  }

 private:
  float scale_;
  int mask_kind_;
};

namespace detail {
/// Whether the forward should output its logsumexp and the vjp use
/// ScaledDotProductAttentionVJP, for attention on stream `s` with these
/// (already promoted) dtype and sizes. EMBER_SDPA_VJP=fallback disables the
/// fused backward, =fused forces it on the CPU too (tests); otherwise it is
/// used where the GPU backend supports it (gpu_sdpa_fused_supported).
bool sdpa_use_fused_vjp(const Stream& s, Dtype dt, int B, int Nq, int Nkv,
                        int Tq, int Tk, int D, int Dv, int mask_kind,
                        bool has_sinks);
/// GPU backend: true when the fused forward (with logsumexp) and backward
/// kernels run this configuration (cuDNN loaded and its graphs supported).
/// Defined by the CUDA backend (false without CUDA).
bool gpu_sdpa_fused_supported(Dtype dt, int B, int Nq, int Nkv, int Tq, int Tk,
                              int D, int Dv, int mask_kind);
}  // namespace detail

}  // namespace ember
