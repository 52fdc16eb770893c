// Element functors for unary ops. f16/bf16 compute in float. A functor's
// requires-clause lists the element types it accepts; the kernel dispatch
// raises for the others (ops validate dtypes first, so that is a backstop).
#pragma once

#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

#include "ember/core/dtype.h"

namespace ember::cpu {

template <typename T>
using compute_t = std::conditional_t<std::is_same_v<T, float16_t> ||
                                         std::is_same_v<T, bfloat16_t>,
                                     float, T>;

template <typename T>
concept RealFloat = std::is_same_v<T, float16_t> ||
                    std::is_same_v<T, bfloat16_t> ||
                    std::is_same_v<T, float> || std::is_same_v<T, double>;
template <typename T>
concept Complex = std::is_same_v<T, complex64_t>;
template <typename T>
concept Inexact = RealFloat<T> || Complex<T>;
template <typename T>
concept Int = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <typename T>
concept Bool = std::is_same_v<T, bool>;
template <typename T>
concept Real = Int<T> || Bool<T> || RealFloat<T>;

namespace detail {
// Giles' single-precision erfinv polynomial, then Newton steps on erf.
template <typename F>
inline F erfinv(F y) {
  if (!(y > -1 && y < 1)) {
    if (y == 1) return std::numeric_limits<F>::infinity();
    if (y == -1) return -std::numeric_limits<F>::infinity();
    return std::numeric_limits<F>::quiet_NaN();
  }
  float yf = float(y);
  // A double just inside (-1, 1) may round to +/-1 in float.
  if (std::abs(yf) >= 1.0f) yf = std::copysign(0.99999994f, yf);
  float w = -std::log((1.0f - yf) * (1.0f + yf));
  float p;
  if (w < 5.0f) {
    w -= 2.5f;
    p = 2.81022636e-08f;
    p = 3.43273939e-07f + p * w;
    p = -3.5233877e-06f + p * w;
    p = -4.39150654e-06f + p * w;
    p = 0.00021858087f + p * w;
    p = -0.00125372503f + p * w;
    p = -0.00417768164f + p * w;
    p = 0.246640727f + p * w;
    p = 1.50140941f + p * w;
  } else {
    w = std::sqrt(w) - 3.0f;
    p = -0.000200214257f;
    p = 0.000100950558f + p * w;
    p = 0.00134934322f + p * w;
    p = -0.00367342844f + p * w;
    p = 0.00573950773f + p * w;
    p = -0.0076224613f + p * w;
    p = 0.00943887047f + p * w;
    p = 1.00167406f + p * w;
    p = 2.83297682f + p * w;
  }
  F x = F(p * yf);
  // Newton on erf (erf' = 2/sqrt(pi) e^{-x^2}): float(y) above may be off by
  // an ulp of float, so double needs a few more steps near |y| = 1.
  const F k = F(1.1283791670955126);
  const int steps = std::is_same_v<F, double> ? 10 : 2;
  for (int i = 0; i < steps; ++i) {
    F d = k * std::exp(-x * x);
    if (d == 0) break;
    F dx = (std::erf(x) - y) / d;
    x -= dx;
    if (std::abs(dx) <= std::numeric_limits<F>::epsilon() * std::abs(x)) break;
  }
  return x;
}

}  // namespace detail

struct AbsOp {
  template <typename T>
  auto operator()(T x) const {
    if constexpr (Complex<T>) {
      return std::abs(x);
    } else if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return x < 0 ? T(U(0) - U(x)) : x;  // wraps for the minimum like NumPy
    } else {
      return T(std::abs(compute_t<T>(x)));
    }
  }
};
struct SignOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (Bool<T> || std::is_unsigned_v<T>) {
      return T(x != 0);
    } else if constexpr (Complex<T>) {
      float m = std::abs(x);
      return m == 0 ? T(0) : x / m;
    } else if constexpr (Int<T>) {
      return T((x > 0) - (x < 0));
    } else {
      using C = compute_t<T>;
      C v = C(x);
      return std::isnan(v) ? x : T(C((v > 0) - (v < 0)));
    }
  }
};
struct NegativeOp {
  template <typename T>
    requires(!Bool<T>)
  T operator()(T x) const {
    if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return T(U(0) - U(x));  // wraps like NumPy
    } else {
      return T(-compute_t<T>(x));
    }
  }
};
struct SquareOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (Bool<T>) {
      return x;
    } else if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return T(U(x) * U(x));
    } else {
      auto v = compute_t<T>(x);
      return T(v * v);
    }
  }
};

// Inexact-only math functions: std:: overloads cover float, double and
// std::complex<float>.
#define EMBER_INEXACT_UNARY_OP(NAME, EXPR)          \
  struct NAME {                                     \
    template <typename T>                           \
      requires Inexact<T>                           \
    T operator()(T x_) const {                      \
      auto x = compute_t<T>(x_);                    \
      using C = decltype(x);                        \
      (void)sizeof(C);                              \
      return T(EXPR);                               \
    }                                               \
  };
#define EMBER_REAL_FLOAT_UNARY_OP(NAME, EXPR)       \
  struct NAME {                                     \
    template <typename T>                           \
      requires RealFloat<T>                         \
    T operator()(T x_) const {                      \
      auto x = compute_t<T>(x_);                    \
      using C = decltype(x);                        \
      (void)sizeof(C);                              \
      return T(EXPR);                               \
    }                                               \
  };

EMBER_INEXACT_UNARY_OP(SqrtOp, std::sqrt(x))
EMBER_INEXACT_UNARY_OP(RsqrtOp, C(1) / std::sqrt(x))
EMBER_INEXACT_UNARY_OP(ExpOp, std::exp(x))
EMBER_REAL_FLOAT_UNARY_OP(Expm1Op, std::expm1(x))
EMBER_INEXACT_UNARY_OP(LogOp, std::log(x))
EMBER_INEXACT_UNARY_OP(Log10Op, std::log10(x))
EMBER_INEXACT_UNARY_OP(SinOp, std::sin(x))
EMBER_INEXACT_UNARY_OP(CosOp, std::cos(x))
EMBER_INEXACT_UNARY_OP(TanOp, std::tan(x))
EMBER_INEXACT_UNARY_OP(ArcSinOp, std::asin(x))
EMBER_INEXACT_UNARY_OP(ArcCosOp, std::acos(x))
EMBER_INEXACT_UNARY_OP(ArcTanOp, std::atan(x))
EMBER_INEXACT_UNARY_OP(SinhOp, std::sinh(x))
EMBER_INEXACT_UNARY_OP(CoshOp, std::cosh(x))
EMBER_INEXACT_UNARY_OP(TanhOp, std::tanh(x))
EMBER_INEXACT_UNARY_OP(ArcSinhOp, std::asinh(x))
EMBER_INEXACT_UNARY_OP(ArcCoshOp, std::acosh(x))
EMBER_INEXACT_UNARY_OP(ArcTanhOp, std::atanh(x))
EMBER_INEXACT_UNARY_OP(SigmoidOp, C(1) / (C(1) + std::exp(-x)))
EMBER_REAL_FLOAT_UNARY_OP(ErfOp, std::erf(x))
EMBER_REAL_FLOAT_UNARY_OP(ErfInvOp, detail::erfinv(x))
// Integer inputs never reach rounding kernels (the ops return them as is).
EMBER_REAL_FLOAT_UNARY_OP(FloorOp, std::floor(x))
EMBER_REAL_FLOAT_UNARY_OP(CeilOp, std::ceil(x))
EMBER_REAL_FLOAT_UNARY_OP(TruncOp, std::trunc(x))
// nearbyint honours the default round-half-to-even mode.
EMBER_REAL_FLOAT_UNARY_OP(RoundOp, std::nearbyint(x))
#undef EMBER_INEXACT_UNARY_OP
#undef EMBER_REAL_FLOAT_UNARY_OP

struct Log2Op {
  template <typename T>
    requires Inexact<T>
  T operator()(T x) const {
    if constexpr (Complex<T>) {
      return std::log(x) / float(M_LN2);
    } else {
      return T(std::log2(compute_t<T>(x)));
    }
  }
};
struct Log1pOp {
  template <typename T>
    requires Inexact<T>
  T operator()(T x) const {
    if constexpr (Complex<T>) {
      return std::log(x + T(1));
    } else {
      return T(std::log1p(compute_t<T>(x)));
    }
  }
};
struct ConjugateOp {
  template <typename T>
    requires Complex<T>
  T operator()(T x) const { return std::conj(x); }
};
struct RealOp {
  template <typename T>
    requires Complex<T>
  float operator()(T x) const { return x.real(); }
};
struct ImagOp {
  template <typename T>
    requires Complex<T>
  float operator()(T x) const { return x.imag(); }
};
struct LogicalNotOp {
  template <typename T>
    requires Bool<T>
  bool operator()(T x) const { return !x; }
};
struct BitwiseInvertOp {
  template <typename T>
    requires(Int<T> || Bool<T>)
  T operator()(T x) const {
    if constexpr (Bool<T>) {
      return !x;
    } else {
      return T(~x);
    }
  }
};

}  // namespace ember::cpu
