#include "ember/ops/fast.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "ember/ops/utils.h"
#include "ember/primitives/fast.h"

namespace ember::fast {

namespace {
std::string dname(Dtype d) { return dtype_name(d); }

// Compute type of the fused math: float32, or float64 for float64 inputs.
Dtype compute_dtype(Dtype t) { return t == float64 ? float64 : float32; }

void check_affine(const char* op, const char* what, const array& p, int d) {
  if (p.ndim() != 1 || p.shape(0) != d) {
    throw std::invalid_argument(std::string("[") + op + "] " + what +
                                " must be 1-D with size " + std::to_string(d) +
                                " (the last dimension of x); got shape " +
                                shape_str(p.shape()) + ".");
  }
}
}  // namespace

// ---- rms_norm ----

array rms_norm(const array& x, const std::optional<array>& weight, float eps,
               StreamOrDevice s) {
  if (x.ndim() < 1) {
    throw std::invalid_argument(
        "[rms_norm] Input must have at least 1 dimension; got shape ().");
  }
  Dtype out = x.dtype();
  if (weight) {
    check_affine("rms_norm", "weight", *weight, x.shape(-1));
    out = promote_types(out, weight->dtype());
  }
  if (!is_floating_point(out)) {
    throw std::invalid_argument(
        "[rms_norm] Input must have a floating point dtype; got " + dname(out) +
        ".");
  }
  auto st = to_stream(s);
  bool hw = weight.has_value();
  FastFallback fb = [eps, hw, out, st](const std::vector<array>& in) {
    Dtype cd = compute_dtype(out);
    auto xf = astype(in[0], cd, st);
    auto r = rsqrt(add(mean(square(xf, st), -1, true, st), array(eps, cd), st), st);
    auto y = astype(multiply(xf, r, st), out, st);
    if (hw) y = multiply(y, astype(in[1], out, st), st);
    return std::vector<array>{y};
  };
  std::vector<array> inputs = {x};
  if (hw) inputs.push_back(*weight);
  return array(x.shape(), out, std::make_shared<RMSNorm>(st, fb, eps, hw),
               inputs);
}

// ---- layer_norm ----

array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s) {
  if (x.ndim() < 1) {
    throw std::invalid_argument(
        "[layer_norm] Input must have at least 1 dimension; got shape ().");
  }
  Dtype out = x.dtype();
  if (weight) {
    check_affine("layer_norm", "weight", *weight, x.shape(-1));
    out = promote_types(out, weight->dtype());
  }
  if (bias) {
    check_affine("layer_norm", "bias", *bias, x.shape(-1));
    out = promote_types(out, bias->dtype());
  }
  if (!is_floating_point(out)) {
    throw std::invalid_argument(
        "[layer_norm] Input must have a floating point dtype; got " +
        dname(out) + ".");
  }
  auto st = to_stream(s);
  bool hw = weight.has_value(), hb = bias.has_value();
  FastFallback fb = [eps, hw, hb, out, st](const std::vector<array>& in) {
    Dtype cd = compute_dtype(out);
    auto xf = astype(in[0], cd, st);
    auto xc = subtract(xf, mean(xf, -1, true, st), st);
    auto var = mean(square(xc, st), -1, true, st);
    auto y = astype(multiply(xc, rsqrt(add(var, array(eps, cd), st), st), st),
                    out, st);
    int i = 1;
    if (hw) y = multiply(y, astype(in[i++], out, st), st);
    if (hb) y = add(y, astype(in[i], out, st), st);
    return std::vector<array>{y};
  };
  std::vector<array> inputs = {x};
  if (hw) inputs.push_back(*weight);
  if (hb) inputs.push_back(*bias);
  return array(x.shape(), out, std::make_shared<LayerNorm>(st, fb, eps, hw, hb),
               inputs);
}

// ---- rope ----

array rope(const array& x, int dims, bool traditional,
           std::optional<float> base, float scale, int offset,
           const std::optional<array>& freqs, StreamOrDevice s) {
  return rope(x, dims, traditional, base, scale, array(offset, int32), freqs, s);
}

array rope(const array& x, int dims, bool traditional,
           std::optional<float> base, float scale, const array& offset,
           const std::optional<array>& freqs, StreamOrDevice s) {
  if (x.ndim() < 3) {
    throw std::invalid_argument(
        "[rope] Input must have at least 3 dimensions (B, *, T, D); got shape " +
        shape_str(x.shape()) + ".");
  }
  if (!is_floating_point(x.dtype())) {
    throw std::invalid_argument(
        "[rope] Input must have a floating point dtype; got " +
        dname(x.dtype()) + ".");
  }
  int D = x.shape(-1);
  if (dims <= 0 || dims % 2 != 0 || dims > D) {
    throw std::invalid_argument(
        "[rope] dims must be positive, even and at most the feature size " +
        std::to_string(D) + "; got " + std::to_string(dims) + ".");
  }
  if (base.has_value() == freqs.has_value()) {
    throw std::invalid_argument(
        "[rope] Exactly one of base and freqs must be given; got " +
        std::string(base ? "both" : "neither") + ".");
  }
  if (freqs && (freqs->ndim() != 1 || freqs->shape(0) != dims / 2)) {
    throw std::invalid_argument("[rope] freqs must have shape (" +
                                std::to_string(dims / 2) + ",); got " +
                                shape_str(freqs->shape()) + ".");
  }
  if (!is_integral(offset.dtype())) {
    throw std::invalid_argument(
        "[rope] offset must be an integer scalar or array; got dtype " +
        dname(offset.dtype()) + ".");
  }
  int B = x.shape(0);
  if (!(offset.ndim() == 0 || (offset.ndim() == 1 && offset.shape(0) == B))) {
    throw std::invalid_argument("[rope] offset must have shape () or (" +
                                std::to_string(B) + ",); got " +
                                shape_str(offset.shape()) + ".");
  }
  auto st = to_stream(s);
  float b = base.value_or(0.0f);
  bool hf = freqs.has_value();
  Dtype dt = x.dtype();
  FastFallback fb = [dims, traditional, b, scale, hf, dt, st](
                        const std::vector<array>& in) {
    auto& a = in[0];
    int nd = a.ndim(), T = a.shape(-2), Dx = a.shape(-1), half = dims / 2;
    auto off = astype(in[1], float32, st);
    auto pos = arange(0.0, double(T), 1.0, float32, st);
    if (off.ndim() == 1) {
      // (B, 1, ..., 1, T) positions, one offset per batch item.
      Shape sh(nd - 1, 1);
      sh[0] = off.shape(0);
      pos = add(reshape(off, sh, st), pos, st);
    } else {
      pos = add(pos, off, st);
    }
    pos = multiply(pos, array(scale), st);
    array inv(0.0f);
    if (hf) {
      inv = divide(array(1.0f), astype(in[2], float32, st), st);
    } else {
      auto e = divide(arange(0.0, double(dims), 2.0, float32, st),
                      array(float(dims)), st);
      inv = power(array(b), negative(e, st), st);
    }
    auto theta = multiply(expand_dims(pos, -1, st), inv, st);  // (..., T, half)
    auto c = astype(cos(theta, st), dt, st);
    auto sn = astype(sin(theta, st), dt, st);
    Shape zero(nd, 0), stop = a.shape();
    auto part = [&](int lo, int hi) {
      Shape b0 = zero, e0 = stop;
      b0[nd - 1] = lo;
      e0[nd - 1] = hi;
      return slice(a, b0, e0, st);
    };
    array rot(0.0f);
    if (traditional) {
      Shape sh = a.shape();
      sh[nd - 1] = half;
      sh.push_back(2);
      auto pairs = reshape(part(0, dims), sh, st);
      Shape b0(nd + 1, 0), e0 = sh;
      e0[nd] = 1;
      auto x1 = squeeze(slice(pairs, b0, e0, st), nd, st);
      b0[nd] = 1;
      e0[nd] = 2;
      auto x2 = squeeze(slice(pairs, b0, e0, st), nd, st);
      auto o1 = subtract(multiply(x1, c, st), multiply(x2, sn, st), st);
      auto o2 = add(multiply(x1, sn, st), multiply(x2, c, st), st);
      Shape osh = o1.shape();
      osh[nd - 1] = dims;
      rot = reshape(stack({o1, o2}, nd, st), osh, st);
    } else {
      auto x1 = part(0, half), x2 = part(half, dims);
      auto o1 = subtract(multiply(x1, c, st), multiply(x2, sn, st), st);
      auto o2 = add(multiply(x1, sn, st), multiply(x2, c, st), st);
      rot = concatenate({o1, o2}, nd - 1, st);
    }
    if (dims < Dx) rot = concatenate({rot, part(dims, Dx)}, nd - 1, st);
    return std::vector<array>{astype(rot, dt, st)};
  };
  std::vector<array> inputs = {x, offset};
  if (hf) inputs.push_back(*freqs);
  return array(x.shape(), dt,
               std::make_shared<RoPE>(st, fb, dims, traditional, b, scale, hf),
               inputs);
}

// ---- scaled_dot_product_attention ----

namespace {
double lowest_of(Dtype t) {
  switch (t) {
    case Dtype::float16:
      return -65504.0;
    case Dtype::bfloat16:
      return -3.3895313892515355e38;
    case Dtype::float64:
      return std::numeric_limits<double>::lowest();
    default:
      return double(std::numeric_limits<float>::lowest());
  }
}
}  // namespace

array scaled_dot_product_attention(const array& q, const array& k,
                                   const array& v, float scale,
                                   const std::string& mask_mode,
                                   const std::optional<array>& mask_arr,
                                   const std::optional<array>& sinks,
                                   StreamOrDevice s) {
  const char* op = "[scaled_dot_product_attention] ";
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) {
    throw std::invalid_argument(
        std::string(op) + "queries, keys and values must have rank 4; got "
        "shapes " + shape_str(q.shape()) + ", " + shape_str(k.shape()) + ", " +
        shape_str(v.shape()) + ".");
  }
  int B = q.shape(0), Nq = q.shape(1), Tq = q.shape(2), D = q.shape(3);
  int Nkv = k.shape(1), Tk = k.shape(2), Dv = v.shape(3);
  if (k.shape(0) != B || v.shape(0) != B) {
    throw std::invalid_argument(std::string(op) +
                                "Batch sizes differ; got shapes " +
                                shape_str(q.shape()) + ", " +
                                shape_str(k.shape()) + ", " +
                                shape_str(v.shape()) + ".");
  }
  if (k.shape(3) != D) {
    throw std::invalid_argument(std::string(op) +
                                "queries and keys must have the same feature "
                                "size; got " + std::to_string(D) + " and " +
                                std::to_string(k.shape(3)) + ".");
  }
  if (v.shape(1) != Nkv || v.shape(2) != Tk) {
    throw std::invalid_argument(std::string(op) +
                                "keys and values must have the same heads and "
                                "length; got shapes " + shape_str(k.shape()) +
                                " and " + shape_str(v.shape()) + ".");
  }
  if (Nkv == 0 || Nq % Nkv != 0) {
    throw std::invalid_argument(std::string(op) +
                                "The number of query heads must be a multiple "
                                "of the number of key/value heads; got " +
                                std::to_string(Nq) + " and " +
                                std::to_string(Nkv) + ".");
  }
  Dtype out = promote_types(promote_types(q.dtype(), k.dtype()), v.dtype());
  if (!is_floating_point(out)) {
    throw std::invalid_argument(std::string(op) +
                                "Inputs must have a floating point dtype; got " +
                                dname(out) + ".");
  }
  if (!mask_mode.empty() && mask_mode != "causal") {
    throw std::invalid_argument(std::string(op) +
                                "Invalid mask mode; got '" + mask_mode +
                                "', expected '' or 'causal'.");
  }
  if (!mask_mode.empty() && mask_arr) {
    throw std::invalid_argument(std::string(op) +
                                "Give either the causal mask mode or a mask "
                                "array, not both.");
  }
  auto st = to_stream(s);
  Shape full_shape = {B, Nq, Tq, Tk};
  int mask_kind = mask_mode == "causal" ? 1 : 0;
  std::optional<array> mask;
  if (mask_arr) {
    if (mask_arr->ndim() > 4) {
      throw std::invalid_argument(std::string(op) +
                                  "Mask must have rank at most 4; got shape " +
                                  shape_str(mask_arr->shape()) + ".");
    }
    Shape bs;
    try {
      bs = broadcast_shapes(mask_arr->shape(), full_shape);
    } catch (const std::invalid_argument&) {
      bs = {};
    }
    if (bs != full_shape) {
      throw std::invalid_argument(std::string(op) + "Mask of shape " +
                                  shape_str(mask_arr->shape()) +
                                  " does not broadcast to " +
                                  shape_str(full_shape) + ".");
    }
    if (mask_arr->dtype() == bool_) {
      mask_kind = 2;
      mask = broadcast_to(*mask_arr, full_shape, st);
    } else {
      if (promote_types(mask_arr->dtype(), out) != out) {
        throw std::invalid_argument(std::string(op) + "Mask dtype " +
                                    dname(mask_arr->dtype()) +
                                    " does not promote to the output dtype " +
                                    dname(out) + ".");
      }
      mask_kind = 3;
      mask = broadcast_to(astype(*mask_arr, out, st), full_shape, st);
    }
  }
  if (sinks && (sinks->ndim() != 1 || sinks->shape(0) != Nq)) {
    throw std::invalid_argument(std::string(op) + "sinks must have shape (" +
                                std::to_string(Nq) + ",); got " +
                                shape_str(sinks->shape()) + ".");
  }
  bool hs = sinks.has_value();
  // Inside a transformation (vjp/grad, also vmap/compile) the forward also
  // gives the row logsumexp when the fused backward would use it.
  bool with_lse = ember::detail::in_tracing() && q.dtype() == out &&
                  k.dtype() == out && v.dtype() == out &&
                  ember::detail::sdpa_use_fused_vjp(st, out, B, Nq, Nkv, Tq,
                                                    Tk, D, Dv, mask_kind, hs);
  FastFallback fb = [scale, mask_kind, hs, out, st, with_lse](
                        const std::vector<array>& in) {
    auto q = astype(in[0], out, st), k = astype(in[1], out, st),
         v = astype(in[2], out, st);
    int B = q.shape(0), Nq = q.shape(1), Tq = q.shape(2);
    int Nkv = k.shape(1), Tk = k.shape(2), Dv = v.shape(3);
    int G = Nq / Nkv;
    // Group query heads per key/value head: (B, Nkv, G, T, D).
    auto q5 = reshape(multiply(q, array(scale, out), st),
                      {B, Nkv, G, Tq, q.shape(3)}, st);
    auto k5 = expand_dims(k, 2, st), v5 = expand_dims(v, 2, st);
    auto scores = matmul(q5, swapaxes(k5, -1, -2, st), st);
    Shape s5 = {B, Nkv, G, Tq, Tk};
    int i = 3;
    array low(lowest_of(out), out);
    array lse(0.0f);
    if (mask_kind == 1) {
      auto m = tri(Tq, Tk, Tk - Tq, bool_, st);
      scores = where(m, scores, low, st);
    } else if (mask_kind == 2) {
      auto m = reshape(broadcast_to(in[i++], {B, Nq, Tq, Tk}, st), s5, st);
      scores = where(m, scores, low, st);
    } else if (mask_kind == 3) {
      auto m = reshape(broadcast_to(astype(in[i++], out, st), {B, Nq, Tq, Tk}, st),
                       s5, st);
      scores = add(scores, m, st);
    }
    if (hs) {
      auto sk = reshape(astype(in[i], out, st), {1, Nkv, G, 1, 1}, st);
      sk = broadcast_to(sk, {B, Nkv, G, Tq, 1}, st);
      auto p = softmax(concatenate({sk, scores}, 4, st), 4, true, st);
      scores = slice(p, {0, 0, 0, 0, 1}, {B, Nkv, G, Tq, Tk + 1}, st);
    } else {
      if (with_lse) {
        lse = reshape(logsumexp(astype(scores, float32, st), 4, false, st),
                      {B, Nq, Tq}, st);
      }
      scores = softmax(scores, 4, true, st);
    }
    auto o = matmul(scores, v5, st);
    std::vector<array> res = {reshape(o, {B, Nq, Tq, Dv}, st)};
    if (with_lse) res.push_back(lse);
    return res;
  };
  std::vector<array> inputs = {q, k, v};
  if (mask) inputs.push_back(*mask);
  if (hs) inputs.push_back(*sinks);
  if (with_lse) {
    return array::make_arrays(
        {{B, Nq, Tq, Dv}, {B, Nq, Tq}}, {out, float32},
        std::make_shared<ScaledDotProductAttention>(st, fb, scale, mask_kind,
                                                    hs, true),
        inputs)[0];
  }
  return array({B, Nq, Tq, Dv}, out,
               std::make_shared<ScaledDotProductAttention>(st, fb, scale,
                                                           mask_kind, hs),
               inputs);
}

}  // namespace ember::fast
