// Derivatives and batching rules of fused fast primitives: through the
// op-composed fallback (the same math), so higher orders work too.
#include "ember/primitives/fast.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"
#include "ember/transforms/autodiff.h"
#include "ember/transforms/vmap.h"

namespace ember {

namespace {
// fallback restricted to the inputs in `which`, the others held fixed.
FastFallback partial(const FastFallback& fb, const std::vector<array>& primals,
                     const std::vector<int>& which) {
  return [fb, primals, which](const std::vector<array>& xs) {
    auto ins = primals;
    for (size_t k = 0; k < which.size(); ++k) ins[which[k]] = xs[k];
    return fb(ins);
  };
}
}  // namespace

namespace detail {

std::vector<array> fallback_vjp(const FastFallback& fb,
                                const std::function<bool(int)>& differentiable,
                                const Stream& s,
                                const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums) {
  std::vector<int> which;
  std::vector<array> xs;
  for (int a : argnums) {
    if (differentiable(a)) {
      which.push_back(a);
      xs.push_back(primals[a]);
    }
  }
  std::vector<array> grads;
  if (!which.empty()) {
    grads = ember::vjp(partial(fb, primals, which), xs, cotangents).second;
  }
  std::vector<array> out;
  size_t k = 0;
  for (int a : argnums) {
    out.push_back(differentiable(a) ? grads[k++] : zeros_like(primals[a], s));
  }
  return out;
}

std::vector<array> fallback_jvp(const FastFallback& fb,
                                const std::function<bool(int)>& differentiable,
                                const Stream& s,
                                const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<int> which;
  std::vector<array> xs, ts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (differentiable(argnums[i])) {
      which.push_back(argnums[i]);
      xs.push_back(primals[argnums[i]]);
      ts.push_back(tangents[i]);
    }
  }
  if (which.empty()) {
    std::vector<array> zs;
    for (auto& o : fb(primals)) zs.push_back(zeros_like(o, s));
    return zs;
  }
  return ember::jvp(partial(fb, primals, which), xs, ts).second;
}

std::pair<std::vector<array>, std::vector<int>> fallback_vmap(
    const FastFallback& fb, const std::vector<array>& inputs,
    const std::vector<int>& axes) {
  std::vector<std::optional<int>> in_axes;
  for (int a : axes) in_axes.push_back(a < 0 ? std::nullopt : std::optional<int>(a));
  auto outs = ember::vmap(fb, in_axes, {})(inputs);
  std::vector<int> out_axes(outs.size(), 0);
  return {std::move(outs), std::move(out_axes)};
}

}  // namespace detail

namespace {
// The fused norms take any leading dims: a batch axis on x other than the
// last one passes straight through when the affine inputs aren't batched.
bool norm_batch_passthrough(const std::vector<array>& inputs,
                            const std::vector<int>& axes) {
  if (axes[0] < 0 || axes[0] == inputs[0].ndim() - 1) return false;
  for (size_t i = 1; i < axes.size(); ++i) {
    if (axes[i] >= 0) return false;
  }
  return true;
}
}  // namespace

std::pair<std::vector<array>, std::vector<int>> RMSNorm::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (!norm_batch_passthrough(inputs, axes)) {
    return FastPrimitive::vmap(inputs, axes);
  }
  auto& x = inputs[0];
  Dtype dt = has_weight_ ? promote_types(x.dtype(), inputs[1].dtype()) : x.dtype();
  return {{array(x.shape(), dt,
                 std::make_shared<RMSNorm>(stream(), fallback_, eps_, has_weight_),
                 inputs)},
          {axes[0]}};
}

std::pair<std::vector<array>, std::vector<int>> LayerNorm::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (!norm_batch_passthrough(inputs, axes)) {
    return FastPrimitive::vmap(inputs, axes);
  }
  auto& x = inputs[0];
  Dtype dt = x.dtype();
  for (size_t i = 1; i < inputs.size(); ++i) dt = promote_types(dt, inputs[i].dtype());
  return {{array(x.shape(), dt,
                 std::make_shared<LayerNorm>(stream(), fallback_, eps_,
                                             has_weight_, has_bias_),
                 inputs)},
          {axes[0]}};
}

// ---- fused backward of the norms ----
//
// With n = normalised x (LayerNorm: (x - mean) * r, RMSNorm: x * r, r =
// rsqrt(var + eps) or rsqrt(mean(x^2) + eps)) and gw = cotangent * weight:
//   RMSNorm:   dx = r * (gw - n * mean(gw * n))
//   LayerNorm: dx = r * (gw - mean(gw) - n * mean(gw * n))
//   dweight = sum over rows of cotangent * n, dbias = sum over rows of
//   cotangent.
// The fallbacks below compute the same with basic ops (in float, or double
// for float64), so derivatives of the backward (second order) go through
// them.

namespace {
Dtype compute_dtype(Dtype t) { return t == float64 ? float64 : float32; }

// Sum over every axis but the last.
array sum_rows(const array& a, Stream s) {
  if (a.ndim() <= 1) return a;
  std::vector<int> axes(a.ndim() - 1);
  for (int i = 0; i + 1 < a.ndim(); ++i) axes[i] = i;
  return sum(a, axes, false, s);
}

// Dtype the fused backward writes a weight or bias gradient in (the kernels
// write floating types; others are cast afterwards).
Dtype param_grad_dtype(const array& p, Dtype out) {
  return is_floating_point(p.dtype()) ? p.dtype() : out;
}

// Fallback of the norms' backward: inputs (x, [weight,] cotangent), outputs
// (dx[, dweight][, dbias]) in `dtypes`.
FastFallback norm_vjp_fallback(bool layer, float eps, bool hw, bool hb,
                               std::vector<Dtype> dtypes, Stream st) {
  return [=](const std::vector<array>& in) {
    Dtype cd = compute_dtype(in[0].dtype());
    auto xf = astype(in[0], cd, st);
    auto gf = astype(in.back(), cd, st);
    array n(0.0f), r(0.0f);
    if (layer) {
      auto xc = subtract(xf, mean(xf, -1, true, st), st);
      r = rsqrt(add(mean(square(xc, st), -1, true, st), array(eps, cd), st), st);
      n = multiply(xc, r, st);
    } else {
      r = rsqrt(add(mean(square(xf, st), -1, true, st), array(eps, cd), st), st);
      n = multiply(xf, r, st);
    }
    auto gw = hw ? multiply(gf, astype(in[1], cd, st), st) : gf;
    auto proj = multiply(n, mean(multiply(gw, n, st), -1, true, st), st);
    auto inner = subtract(gw, proj, st);
    if (layer) inner = subtract(inner, mean(gw, -1, true, st), st);
    std::vector<array> out = {astype(multiply(r, inner, st), dtypes[0], st)};
    size_t k = 1;
    if (hw) out.push_back(astype(sum_rows(multiply(gf, n, st), st), dtypes[k++], st));
    if (hb) out.push_back(astype(sum_rows(gf, st), dtypes[k], st));
    return out;
  };
}

// Shared vjp of RMSNorm / LayerNorm: one fused backward node, its outputs
// picked per argnum (input i of the forward <-> output i of the backward).
template <typename VJP, typename... Flags>
std::vector<array> norm_vjp(bool layer, float eps, bool hw, bool hb,
                            const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>& argnums,
                            const std::vector<array>& outputs, Stream s,
                            Flags... flags) {
  const array& x = primals[0];
  Dtype dt = outputs[0].dtype();
  std::vector<array> ins = {astype(x, dt, s)};
  std::vector<Shape> shapes = {x.shape()};
  std::vector<Dtype> dtypes = {dt};
  int i = 1;
  if (hw) {
    ins.push_back(primals[i]);
    shapes.push_back(primals[i].shape());
    dtypes.push_back(param_grad_dtype(primals[i], dt));
    ++i;
  }
  if (hb) {
    shapes.push_back(primals[i].shape());
    dtypes.push_back(param_grad_dtype(primals[i], dt));
  }
  ins.push_back(astype(cotangents[0], dt, s));
  auto prim = std::make_shared<VJP>(
      s, norm_vjp_fallback(layer, eps, hw, hb, dtypes, s), eps, flags...);
  auto grads = array::make_arrays(shapes, dtypes, prim, ins);
  std::vector<array> out;
  for (int a : argnums) out.push_back(astype(grads[a], primals[a].dtype(), s));
  return out;
}
}  // namespace

std::vector<array> RMSNorm::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>& outputs) {
  return norm_vjp<RMSNormVJP>(false, eps_, has_weight_, false, primals,
                              cotangents, argnums, outputs, stream(),
                              has_weight_);
}

std::vector<array> LayerNorm::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums,
                                  const std::vector<array>& outputs) {
  return norm_vjp<LayerNormVJP>(true, eps_, has_weight_, has_bias_, primals,
                                cotangents, argnums, outputs, stream(),
                                has_weight_, has_bias_);
}

std::vector<Shape> RMSNormVJP::output_shapes(const std::vector<array>& inputs) {
  std::vector<Shape> out = {inputs[0].shape()};
  if (has_weight_) out.push_back(inputs[1].shape());
  return out;
}

std::vector<Shape> LayerNormVJP::output_shapes(const std::vector<array>& inputs) {
  std::vector<Shape> out = {inputs[0].shape()};
  if (has_weight_) out.push_back(inputs[1].shape());
  if (has_bias_) out.push_back({inputs[0].shape(-1)});
  return out;
}

// ---- scaled_dot_product_attention: the fused backward ----

namespace detail {

bool sdpa_use_fused_vjp(const Stream& s, Dtype dt, int B, int Nq, int Nkv,
                        int Tq, int Tk, int D, int Dv, int mask_kind,
                        bool has_sinks) {
  if (has_sinks) return false;
  if (dt != float16 && dt != bfloat16 && dt != float32) return false;
  if (int64_t(B) * Nq * Tq == 0 || Tk == 0) return false;
  const char* env = std::getenv("EMBER_SDPA_VJP");
  if (env != nullptr && std::strcmp(env, "fallback") == 0) return false;
  if (s.device.type == Device::gpu) {
    return gpu_sdpa_fused_supported(dt, B, Nq, Nkv, Tq, Tk, D, Dv, mask_kind);
  }
  return env != nullptr && std::strcmp(env, "fused") == 0;
}

}  // namespace detail

std::vector<array> ScaledDotProductAttention::vjp(
    const std::vector<array>& primals, const std::vector<array>& cotangents,
    const std::vector<int>& argnums, const std::vector<array>& outputs) {
  const int m = mask_kind_ >= 2 ? 1 : 0;
  bool fused = output_lse_ && !has_sinks_ && outputs.size() == 2 &&
               cotangents.size() == 2;
  for (int a : argnums) {
    // The fused kernels give no gradient for an additive mask.
    if (a == 3 && mask_kind_ == 3) fused = false;
  }
  Dtype dt = outputs[0].dtype();
  for (int i = 0; i < 3 && fused; ++i) fused = primals[i].dtype() == dt;
  if (!fused) {
    return FastMultiPrimitive::vjp(primals, cotangents, argnums, outputs);
  }
  const Stream& st = stream();
  std::vector<array> ins = {primals[0], primals[1], primals[2]};
  if (m) ins.push_back(primals[3]);
  ins.push_back(outputs[0]);
  ins.push_back(outputs[1]);
  ins.push_back(astype(cotangents[0], dt, st));
  // Derivatives of the fused backward: the composed vjp of the forward's
  // fallback, which recomputes out and lse from q, k, v (so those two
  // inputs get no cotangent, and the total derivative stays right).
  FastFallback fwd = fallback_;
  FastFallback bwd = [fwd, m](const std::vector<array>& in) {
    std::vector<array> fin = {in[0], in[1], in[2]};
    if (m) fin.push_back(in[3]);
    auto f = [fwd, fin](const std::vector<array>& xs) {
      auto a = fin;
      for (int i = 0; i < 3; ++i) a[i] = xs[i];
      return std::vector<array>{fwd(a)[0]};
    };
    return ember::vjp(f, {in[0], in[1], in[2]}, {in[5 + m]}).second;
  };
  auto grads = array::make_arrays(
      {primals[0].shape(), primals[1].shape(), primals[2].shape()},
      {dt, dt, dt},
      std::make_shared<ScaledDotProductAttentionVJP>(st, bwd, scale_,
                                                     mask_kind_),
      ins);
  std::vector<array> out;
  for (int a : argnums) {
    out.push_back(a < 3 ? grads[a] : zeros_like(primals[a], st));
  }
  return out;
}

}  // namespace ember
