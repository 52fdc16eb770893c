// Derivatives and batching rules of elementwise unary primitives.
// Complex derivatives follow MLX's convention (abs' = sign(z), not conj).
#include "ember/primitives/unary.h"

#include <cmath>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"

namespace ember {

namespace detail {
std::pair<std::vector<array>, int> align_batch_axes(
    const std::vector<array>& inputs, const std::vector<int>& axes, Stream s) {
  int ax = -1;
  for (int a : axes) {
    if (a >= 0) {
      ax = a;
      break;
    }
  }
  if (ax < 0) return {inputs, -1};
  std::vector<array> out;
  out.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) {
      // A size-1 axis broadcasts against the batch.
      out.push_back(expand_dims(inputs[i], ax, s));
    } else if (axes[i] != ax) {
      out.push_back(moveaxis(inputs[i], axes[i], ax, s));
    } else {
      out.push_back(inputs[i]);
    }
  }
  return {std::move(out), ax};
}
}  // namespace detail

namespace {
array cst(double v, const array& like) { return array(v, like.dtype()); }

// jvp of an elementwise unary op is its vjp applied to the tangent.
#define EMBER_UNARY_JVP(NAME)                                     \
  std::vector<array> NAME::jvp(const std::vector<array>& primals, \
                               const std::vector<array>& tangents, \
                               const std::vector<int>& argnums) {  \
    return vjp(primals, tangents, argnums, {});                    \
  }

// vmap of an elementwise unary op: apply the op, keep the batch axis.
#define EMBER_UNARY_VMAP(NAME, EXPR)                                   \
  std::pair<std::vector<array>, std::vector<int>> NAME::vmap(          \
      const std::vector<array>& inputs, const std::vector<int>& axes) { \
    auto s = stream();                                                 \
    const array& x = inputs[0];                                        \
    return {{EXPR}, {axes[0]}};                                        \
  }

// vjp = cotangent * f'(x), with f'(x) given by EXPR over x, out, s.
#define EMBER_UNARY_GRAD(NAME, OUT_EXPR, DERIV_EXPR)                        \
  std::vector<array> NAME::vjp(const std::vector<array>& primals,           \
                               const std::vector<array>& cotangents,        \
                               const std::vector<int>&,                     \
                               const std::vector<array>& outputs) {         \
    auto s = stream();                                                      \
    const array& x = primals[0];                                            \
    auto out_fn = [&]() -> array {                                          \
      return outputs.empty() ? array(OUT_EXPR) : outputs[0];                \
    };                                                                      \
    (void)out_fn;                                                           \
    return {multiply(cotangents[0], DERIV_EXPR, s)};                        \
  }                                                                         \
  EMBER_UNARY_JVP(NAME)

// Piecewise-constant ops: zero derivative everywhere.
#define EMBER_UNARY_ZERO_GRAD(NAME)                                   \
  std::vector<array> NAME::vjp(const std::vector<array>& primals,     \
                               const std::vector<array>&,             \
                               const std::vector<int>&,               \
                               const std::vector<array>&) {           \
    return {zeros_like(primals[0], stream())};                        \
  }                                                                   \
  std::vector<array> NAME::jvp(const std::vector<array>& primals,     \
                               const std::vector<array>&,             \
                               const std::vector<int>&) {             \
    return {zeros_like(primals[0], stream())};                        \
  }
}  // namespace

// ---- derivatives ----

std::vector<array> Abs::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>&) {
  // abs'(0) = sign(0) = 0 (MLX/JAX convention).
  return {multiply(cotangents[0], sign(primals[0], stream()), stream())};
}
std::vector<array> Abs::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  auto s = stream();
  const array& x = primals[0];
  if (is_complex(x.dtype())) {
    // d|z| = Re(conj(z) dz) / |z|.
    return {real(multiply(conjugate(sign(x, s), s), tangents[0], s), s)};
  }
  return {multiply(tangents[0], sign(x, s), s)};
}

std::vector<array> Negative::vjp(const std::vector<array>&,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>&,
                                 const std::vector<array>&) {
  return {negative(cotangents[0], stream())};
}
EMBER_UNARY_JVP(Negative)

EMBER_UNARY_GRAD(Square, square(x, s), multiply(cst(2.0, x), x, s))
EMBER_UNARY_GRAD(Sqrt, sqrt(x, s),
                 reciprocal(multiply(cst(2.0, x), out_fn(), s), s))
EMBER_UNARY_GRAD(Rsqrt, rsqrt(x, s),
                 multiply(cst(-0.5, x), divide(out_fn(), x, s), s))
EMBER_UNARY_GRAD(Exp, exp(x, s), out_fn())
EMBER_UNARY_GRAD(Expm1, expm1(x, s), add(out_fn(), cst(1.0, x), s))
EMBER_UNARY_GRAD(Log, log(x, s), reciprocal(x, s))
EMBER_UNARY_GRAD(Log2, log2(x, s),
                 reciprocal(multiply(x, cst(M_LN2, x), s), s))
EMBER_UNARY_GRAD(Log10, log10(x, s),
                 reciprocal(multiply(x, cst(M_LN10, x), s), s))
EMBER_UNARY_GRAD(Log1p, log1p(x, s), reciprocal(add(x, cst(1.0, x), s), s))
EMBER_UNARY_GRAD(Sin, sin(x, s), cos(x, s))
EMBER_UNARY_GRAD(Cos, cos(x, s), negative(sin(x, s), s))
EMBER_UNARY_GRAD(Tan, tan(x, s), reciprocal(square(cos(x, s), s), s))
EMBER_UNARY_GRAD(ArcSin, arcsin(x, s),
                 rsqrt(subtract(cst(1.0, x), square(x, s), s), s))
EMBER_UNARY_GRAD(ArcCos, arccos(x, s),
                 negative(rsqrt(subtract(cst(1.0, x), square(x, s), s), s), s))
EMBER_UNARY_GRAD(ArcTan, arctan(x, s),
                 reciprocal(add(cst(1.0, x), square(x, s), s), s))
EMBER_UNARY_GRAD(Sinh, sinh(x, s), cosh(x, s))
EMBER_UNARY_GRAD(Cosh, cosh(x, s), sinh(x, s))
EMBER_UNARY_GRAD(Tanh, tanh(x, s),
                 subtract(cst(1.0, x), square(out_fn(), s), s))
EMBER_UNARY_GRAD(ArcSinh, arcsinh(x, s),
                 rsqrt(add(square(x, s), cst(1.0, x), s), s))
EMBER_UNARY_GRAD(ArcCosh, arccosh(x, s),
                 rsqrt(subtract(square(x, s), cst(1.0, x), s), s))
EMBER_UNARY_GRAD(ArcTanh, arctanh(x, s),
                 reciprocal(subtract(cst(1.0, x), square(x, s), s), s))
// erf' = 2/sqrt(pi) e^{-x^2}; erfinv' = sqrt(pi)/2 e^{erfinv(x)^2}.
EMBER_UNARY_GRAD(Erf, erf(x, s),
                 multiply(cst(M_2_SQRTPI, x),
                          exp(negative(square(x, s), s), s), s))
EMBER_UNARY_GRAD(ErfInv, erfinv(x, s),
                 multiply(cst(0.5 * std::sqrt(M_PI), x),
                          exp(square(out_fn(), s), s), s))
EMBER_UNARY_GRAD(Sigmoid, sigmoid(x, s),
                 multiply(out_fn(), subtract(cst(1.0, x), out_fn(), s), s))

EMBER_UNARY_ZERO_GRAD(Sign)
EMBER_UNARY_ZERO_GRAD(Floor)
EMBER_UNARY_ZERO_GRAD(Ceil)
EMBER_UNARY_ZERO_GRAD(Trunc)
EMBER_UNARY_ZERO_GRAD(Round)
EMBER_UNARY_ZERO_GRAD(LogicalNot)
EMBER_UNARY_ZERO_GRAD(BitwiseInvert)

std::vector<array> Conjugate::vjp(const std::vector<array>&,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&,
                                  const std::vector<array>&) {
  return {conjugate(cotangents[0], stream())};
}
EMBER_UNARY_JVP(Conjugate)

std::vector<array> Real::vjp(const std::vector<array>&,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>&) {
  return {astype(cotangents[0], complex64, stream())};
}
std::vector<array> Real::jvp(const std::vector<array>&,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {real(tangents[0], stream())};
}

std::vector<array> Imag::vjp(const std::vector<array>&,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>&) {
  // Transpose of z -> Im z as a real-linear map: c -> i c.
  return {multiply(array(complex64_t(0.0f, 1.0f)), cotangents[0], stream())};
}
std::vector<array> Imag::jvp(const std::vector<array>&,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {imag(tangents[0], stream())};
}

// ---- batching: elementwise, so the batch axis is kept as is ----

EMBER_UNARY_VMAP(Abs, abs(x, s))
EMBER_UNARY_VMAP(Sign, sign(x, s))
EMBER_UNARY_VMAP(Negative, negative(x, s))
EMBER_UNARY_VMAP(Square, square(x, s))
EMBER_UNARY_VMAP(Sqrt, sqrt(x, s))
EMBER_UNARY_VMAP(Rsqrt, rsqrt(x, s))
EMBER_UNARY_VMAP(Exp, exp(x, s))
EMBER_UNARY_VMAP(Expm1, expm1(x, s))
EMBER_UNARY_VMAP(Log, log(x, s))
EMBER_UNARY_VMAP(Log2, log2(x, s))
EMBER_UNARY_VMAP(Log10, log10(x, s))
EMBER_UNARY_VMAP(Log1p, log1p(x, s))
EMBER_UNARY_VMAP(Sin, sin(x, s))
EMBER_UNARY_VMAP(Cos, cos(x, s))
EMBER_UNARY_VMAP(Tan, tan(x, s))
EMBER_UNARY_VMAP(ArcSin, arcsin(x, s))
EMBER_UNARY_VMAP(ArcCos, arccos(x, s))
EMBER_UNARY_VMAP(ArcTan, arctan(x, s))
EMBER_UNARY_VMAP(Sinh, sinh(x, s))
EMBER_UNARY_VMAP(Cosh, cosh(x, s))
EMBER_UNARY_VMAP(Tanh, tanh(x, s))
EMBER_UNARY_VMAP(ArcSinh, arcsinh(x, s))
EMBER_UNARY_VMAP(ArcCosh, arccosh(x, s))
EMBER_UNARY_VMAP(ArcTanh, arctanh(x, s))
EMBER_UNARY_VMAP(Erf, erf(x, s))
EMBER_UNARY_VMAP(ErfInv, erfinv(x, s))
EMBER_UNARY_VMAP(Sigmoid, sigmoid(x, s))
EMBER_UNARY_VMAP(Floor, floor(x, s))
EMBER_UNARY_VMAP(Ceil, ceil(x, s))
EMBER_UNARY_VMAP(Trunc, trunc(x, s))
EMBER_UNARY_VMAP(Round, round(x, 0, s))
EMBER_UNARY_VMAP(Conjugate, conjugate(x, s))
EMBER_UNARY_VMAP(Real, real(x, s))
EMBER_UNARY_VMAP(Imag, imag(x, s))
EMBER_UNARY_VMAP(LogicalNot, logical_not(x, s))
EMBER_UNARY_VMAP(BitwiseInvert, bitwise_invert(x, s))

}  // namespace ember
