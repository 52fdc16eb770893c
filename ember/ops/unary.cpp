#include "ember/ops/unary.h"

#include <cmath>
#include <limits>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/utils.h"
#include "ember/primitives/unary.h"

namespace ember {

namespace {
// Builds a unary node whose input is `a` cast to `in_dtype`.
template <typename P>
array make_unary(const array& a, Dtype in_dtype, Dtype out_dtype,
                 StreamOrDevice s) {
  auto st = to_stream(s);
  array in = astype(a, in_dtype, st);
  auto shape = in.shape();
  return array(std::move(shape), out_dtype, pool::make_shared<P>(st),
               {std::move(in)});
}
template <typename P>
array make_unary(const array& a, Dtype dtype, StreamOrDevice s) {
  return make_unary<P>(a, dtype, dtype, s);
}
// →F ops: integer and bool inputs compute in float32.
template <typename P>
array make_float_unary(const array& a, StreamOrDevice s) {
  return make_unary<P>(a, at_least_float(a.dtype()), s);
}

void reject_complex(const array& a, const char* op) {
  if (is_complex(a.dtype())) {
    throw std::invalid_argument(op_prefix(op) +
                                "Not supported for complex input; got dtype " +
                                dtype_name(a.dtype()) + ".");
  }
}

// A constant of `a`'s shape (a broadcast view of a scalar).
array filled_like(const array& a, bool v, StreamOrDevice s) {
  return broadcast_to(array(v), a.shape(), s);
}
}  // namespace

array abs(const array& a, StreamOrDevice s) {
  Dtype out = is_complex(a.dtype()) ? float32 : a.dtype();
  return make_unary<Abs>(a, a.dtype(), out, s);
}
array sign(const array& a, StreamOrDevice s) {
  return make_unary<Sign>(a, a.dtype(), s);
}
array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    throw std::invalid_argument(
        "[negative] The negative of a boolean array is not supported; got "
        "dtype bool.");
  }
  return make_unary<Negative>(a, a.dtype(), s);
}
array positive(const array& a, StreamOrDevice) { return a; }
array square(const array& a, StreamOrDevice s) {
  return make_unary<Square>(a, a.dtype(), s);
}
array reciprocal(const array& a, StreamOrDevice s) {
  Dtype t = at_least_float(a.dtype());
  return divide(array(1.0f, t), a, s);
}
array sqrt(const array& a, StreamOrDevice s) { return make_float_unary<Sqrt>(a, s); }
array rsqrt(const array& a, StreamOrDevice s) { return make_float_unary<Rsqrt>(a, s); }
array exp(const array& a, StreamOrDevice s) { return make_float_unary<Exp>(a, s); }
array expm1(const array& a, StreamOrDevice s) {
  reject_complex(a, "expm1");
  return make_float_unary<Expm1>(a, s);
}
array log(const array& a, StreamOrDevice s) { return make_float_unary<Log>(a, s); }
array log2(const array& a, StreamOrDevice s) { return make_float_unary<Log2>(a, s); }
array log10(const array& a, StreamOrDevice s) { return make_float_unary<Log10>(a, s); }
array log1p(const array& a, StreamOrDevice s) { return make_float_unary<Log1p>(a, s); }
array sin(const array& a, StreamOrDevice s) { return make_float_unary<Sin>(a, s); }
array cos(const array& a, StreamOrDevice s) { return make_float_unary<Cos>(a, s); }
array tan(const array& a, StreamOrDevice s) { return make_float_unary<Tan>(a, s); }
array arcsin(const array& a, StreamOrDevice s) { return make_float_unary<ArcSin>(a, s); }
array arccos(const array& a, StreamOrDevice s) { return make_float_unary<ArcCos>(a, s); }
array arctan(const array& a, StreamOrDevice s) { return make_float_unary<ArcTan>(a, s); }
array sinh(const array& a, StreamOrDevice s) { return make_float_unary<Sinh>(a, s); }
array cosh(const array& a, StreamOrDevice s) { return make_float_unary<Cosh>(a, s); }
array tanh(const array& a, StreamOrDevice s) { return make_float_unary<Tanh>(a, s); }
array arcsinh(const array& a, StreamOrDevice s) { return make_float_unary<ArcSinh>(a, s); }
array arccosh(const array& a, StreamOrDevice s) { return make_float_unary<ArcCosh>(a, s); }
array arctanh(const array& a, StreamOrDevice s) { return make_float_unary<ArcTanh>(a, s); }
array sigmoid(const array& a, StreamOrDevice s) { return make_float_unary<Sigmoid>(a, s); }

array degrees(const array& a, StreamOrDevice s) {
  Dtype t = at_least_float(a.dtype());
  return multiply(astype(a, t, s), array(180.0 / M_PI, t), s);
}
array radians(const array& a, StreamOrDevice s) {
  Dtype t = at_least_float(a.dtype());
  return multiply(astype(a, t, s), array(M_PI / 180.0, t), s);
}

array erf(const array& a, StreamOrDevice s) {
  reject_complex(a, "erf");
  return make_float_unary<Erf>(a, s);
}
array erfinv(const array& a, StreamOrDevice s) {
  reject_complex(a, "erfinv");
  return make_float_unary<ErfInv>(a, s);
}

array floor(const array& a, StreamOrDevice s) {
  reject_complex(a, "floor");
  if (!is_floating_point(a.dtype())) return a;
  return make_unary<Floor>(a, a.dtype(), s);
}
array ceil(const array& a, StreamOrDevice s) {
  reject_complex(a, "ceil");
  if (!is_floating_point(a.dtype())) return a;
  return make_unary<Ceil>(a, a.dtype(), s);
}
array trunc(const array& a, StreamOrDevice s) {
  reject_complex(a, "trunc");
  if (!is_floating_point(a.dtype())) return a;
  return make_unary<Trunc>(a, a.dtype(), s);
}
array round(const array& a, int decimals, StreamOrDevice s) {
  reject_complex(a, "round");
  if (decimals == 0) {
    if (!is_floating_point(a.dtype())) return a;
    return make_unary<Round>(a, a.dtype(), s);
  }
  Dtype t = at_least_float(a.dtype());
  // Scale in double precision so that 10^decimals is exact as far as the
  // dtype allows, then round half to even and scale back.
  array scale(std::pow(10.0, double(decimals)), t);
  array r = make_unary<Round>(multiply(astype(a, t, s), scale, s), t, s);
  return astype(divide(r, scale, s), a.dtype(), s);
}

array isnan(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return filled_like(a, false, s);
  return not_equal(a, a, s);
}
array isposinf(const array& a, StreamOrDevice s) {
  reject_complex(a, "isposinf");
  if (!is_floating_point(a.dtype())) return filled_like(a, false, s);
  return equal(a, array(std::numeric_limits<float>::infinity(), a.dtype()), s);
}
array isneginf(const array& a, StreamOrDevice s) {
  reject_complex(a, "isneginf");
  if (!is_floating_point(a.dtype())) return filled_like(a, false, s);
  return equal(a, array(-std::numeric_limits<float>::infinity(), a.dtype()), s);
}
array isinf(const array& a, StreamOrDevice s) {
  if (is_complex(a.dtype())) {
    return logical_or(isinf(real(a, s), s), isinf(imag(a, s), s), s);
  }
  if (!is_floating_point(a.dtype())) return filled_like(a, false, s);
  return equal(abs(a, s),
               array(std::numeric_limits<float>::infinity(), a.dtype()), s);
}
array isfinite(const array& a, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return filled_like(a, true, s);
  return logical_not(logical_or(isinf(a, s), isnan(a, s), s), s);
}

array nan_to_num(const array& a, float nan, std::optional<float> posinf,
                 std::optional<float> neginf, StreamOrDevice s) {
  Dtype t = a.dtype();
  if (!is_inexact(t)) return a;
  if (is_complex(t)) {
    // NumPy: each component is cleaned on its own.
    array re = nan_to_num(real(a, s), nan, posinf, neginf, s);
    array im = nan_to_num(imag(a, s), nan, posinf, neginf, s);
    return add(astype(re, t, s),
               multiply(astype(im, t, s), array(complex64_t(0.0f, 1.0f)), s), s);
  }
  double hi = 0;
  dispatch_all(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float16_t>) {
      hi = 65504.0;
    } else if constexpr (std::is_same_v<T, bfloat16_t>) {
      hi = 3.3895313892515355e38;
    } else if constexpr (std::is_floating_point_v<T>) {
      hi = double(std::numeric_limits<T>::max());
    }
  });
  array pv(double(posinf.value_or(float(hi))), t);
  array nv(double(neginf.value_or(float(-hi))), t);
  if (t == float64) {
    // float's max would lose float64's range.
    if (!posinf) pv = array(hi, t);
    if (!neginf) nv = array(-hi, t);
  }
  array out = where(isnan(a, s), array(double(nan), t), a, s);
  out = where(isposinf(a, s), pv, out, s);
  return where(isneginf(a, s), nv, out, s);
}

array conjugate(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) return a;
  return make_unary<Conjugate>(a, a.dtype(), s);
}
array conj(const array& a, StreamOrDevice s) { return conjugate(a, s); }
array real(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) return a;
  return make_unary<Real>(a, a.dtype(), float32, s);
}
array imag(const array& a, StreamOrDevice s) {
  if (!is_complex(a.dtype())) {
    return broadcast_to(array(0, a.dtype()), a.shape(), s);
  }
  return make_unary<Imag>(a, a.dtype(), float32, s);
}

array logical_not(const array& a, StreamOrDevice s) {
  return make_unary<LogicalNot>(a, bool_, s);
}
array bitwise_invert(const array& a, StreamOrDevice s) {
  if (is_inexact(a.dtype())) {
    throw std::invalid_argument(
        std::string("[bitwise_invert] Bitwise inversion requires an integer "
                    "or bool array; got dtype ") +
        dtype_name(a.dtype()) + ".");
  }
  return make_unary<BitwiseInvert>(a, a.dtype(), s);
}

}  // namespace ember
