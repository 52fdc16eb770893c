// Device element functors of the unary ops, with the semantics of the CPU
// functors in backend/cpu/unary_ops.h: f16/bf16 compute in float, integer
// negation/abs wrap like NumPy, NaN keeps its sign-less identity in sign,
// complex64 math goes through complex_math.cuh (evaluated in double).
// A functor's EMBER_ACCEPTS condition lists the element types it accepts.
#pragma once

#include <type_traits>

#include "ember/backend/cuda/device/complex_math.cuh"
#include "ember/backend/cuda/device/dtypes.cuh"

namespace ember::cuda {

template <typename T>
inline constexpr bool is_half_v =
    std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;
// Element categories (the kernels build as C++17, so no concepts).
template <typename T>
inline constexpr bool RealFloat = is_half_v<T> || std::is_same_v<T, float> ||
                                  std::is_same_v<T, double>;
template <typename T>
inline constexpr bool Complex = std::is_same_v<T, complex64_d>;
template <typename T>
inline constexpr bool Inexact = RealFloat<T> || Complex<T>;
template <typename T>
inline constexpr bool Int = std::is_integral_v<T> && !std::is_same_v<T, bool>;
template <typename T>
inline constexpr bool Bool = std::is_same_v<T, bool>;
template <typename T>
inline constexpr bool Real = Int<T> || Bool<T> || RealFloat<T>;

/// Restricts a functor template to the element types it accepts.
#define EMBER_ACCEPTS(...) std::enable_if_t<(__VA_ARGS__), int> = 0

/// Converts an element to its compute type (float for f16/bf16).
template <typename T>
__device__ inline acc_type_t<T> up(T x) {
  return static_cast<acc_type_t<T>>(x);
}
/// Rounds a compute-type value back to T.
template <typename T, typename C>
__device__ inline T down(C x) {
  return cast_to<T>(x);
}

// float/double overloads of the libm functions used below.
namespace dm {
#define EMBER_DM1(NAME)                                                   \
  __device__ inline float NAME(float x) { return ::NAME##f(x); }          \
  __device__ inline double NAME(double x) { return ::NAME(x); }
#define EMBER_DM2(NAME)                                                   \
  __device__ inline float NAME(float x, float y) { return ::NAME##f(x, y); } \
  __device__ inline double NAME(double x, double y) { return ::NAME(x, y); }
EMBER_DM1(sqrt)
EMBER_DM1(exp)
EMBER_DM1(expm1)
EMBER_DM1(log)
EMBER_DM1(log2)
EMBER_DM1(log10)
EMBER_DM1(log1p)
EMBER_DM1(sin)
EMBER_DM1(cos)
EMBER_DM1(tan)
EMBER_DM1(asin)
EMBER_DM1(acos)
EMBER_DM1(atan)
EMBER_DM1(sinh)
EMBER_DM1(cosh)
EMBER_DM1(tanh)
EMBER_DM1(asinh)
EMBER_DM1(acosh)
EMBER_DM1(atanh)
EMBER_DM1(erf)
EMBER_DM1(erfinv)
EMBER_DM1(floor)
EMBER_DM1(ceil)
EMBER_DM1(trunc)
EMBER_DM1(rint)
EMBER_DM1(fabs)
EMBER_DM2(fmod)
EMBER_DM2(pow)
EMBER_DM2(atan2)
EMBER_DM2(copysign)
#undef EMBER_DM1
#undef EMBER_DM2
}  // namespace dm

// Return types are spelled out: nvcc's host pass cannot deduce the return
// type of a __device__ function, and the dispatch asks for it on the host.
struct AbsOp {
  template <typename T>
  __device__ std::conditional_t<Complex<T>, float, T> operator()(T x) const {
    if constexpr (Complex<T>) {
      return ::hypotf(x.re, x.im);
    } else if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return x < 0 ? T(U(0) - U(x)) : x;
    } else {
      return down<T>(dm::fabs(up(x)));
    }
  }
};
struct SignOp {
  template <typename T>
  __device__ T operator()(T x) const {
    if constexpr (Bool<T> || std::is_unsigned_v<T>) {
      return T(x != 0);
    } else if constexpr (Complex<T>) {
      float m = ::hypotf(x.re, x.im);
      return m == 0 ? T(0.f, 0.f) : T(x.re / m, x.im / m);
    } else if constexpr (Int<T>) {
      return T((x > 0) - (x < 0));
    } else {
      auto v = up(x);
      using C = decltype(v);
      return isnan(v) ? x : down<T>(C((v > 0) - (v < 0)));
    }
  }
};
struct NegativeOp {
  template <typename T, EMBER_ACCEPTS((!Bool<T>))>
  __device__ T operator()(T x) const {
    if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return T(U(0) - U(x));
    } else if constexpr (Complex<T>) {
      return T(-x.re, -x.im);
    } else {
      return down<T>(-up(x));
    }
  }
};
struct SquareOp {
  template <typename T>
  __device__ T operator()(T x) const {
    if constexpr (Bool<T>) {
      return x;
    } else if constexpr (Int<T>) {
      using U = std::make_unsigned_t<T>;
      return T(U(x) * U(x));
    } else if constexpr (Complex<T>) {
      return x * x;
    } else {
      auto v = up(x);
      return down<T>(v * v);
    }
  }
};

// Real-float math: f16/bf16 in float, float and double natively.
#define EMBER_REAL_FLOAT_OP(NAME, EXPR)            \
  struct NAME {                                    \
    template <typename T, EMBER_ACCEPTS(RealFloat<T>)> \
    __device__ T operator()(T x_) const {          \
      auto x = up(x_);                             \
      using C = decltype(x);                       \
      (void)sizeof(C);                             \
      return down<T>(EXPR);                        \
    }                                              \
  };
// Same for complex64 too (CEXPR on cmath::cd z).
#define EMBER_INEXACT_OP(NAME, EXPR, CEXPR)        \
  struct NAME {                                    \
    template <typename T, EMBER_ACCEPTS(Inexact<T>)> \
    __device__ T operator()(T x_) const {          \
      if constexpr (Complex<T>) {                  \
        cmath::cd z = cmath::widen(x_);            \
        return cmath::narrow(CEXPR);               \
      } else {                                     \
        auto x = up(x_);                           \
        using C = decltype(x);                     \
        (void)sizeof(C);                           \
        return down<T>(EXPR);                      \
      }                                            \
    }                                              \
  };

EMBER_INEXACT_OP(SqrtOp, dm::sqrt(x), cmath::sqrt(z))
EMBER_INEXACT_OP(RsqrtOp, C(1) / dm::sqrt(x),
                 cmath::div(cmath::cd{1.0, 0.0}, cmath::sqrt(z)))
EMBER_INEXACT_OP(ExpOp, dm::exp(x), cmath::exp(z))
EMBER_INEXACT_OP(LogOp, dm::log(x), cmath::log(z))
EMBER_INEXACT_OP(Log10Op, dm::log10(x),
                 (cmath::cd{cmath::log(z).re / 2.302585092994046,
                            cmath::log(z).im / 2.302585092994046}))
EMBER_INEXACT_OP(Log2Op, dm::log2(x),
                 (cmath::cd{cmath::log(z).re / 0.6931471805599453,
                            cmath::log(z).im / 0.6931471805599453}))
EMBER_INEXACT_OP(SinOp, dm::sin(x), cmath::sin(z))
EMBER_INEXACT_OP(CosOp, dm::cos(x), cmath::cos(z))
EMBER_INEXACT_OP(TanOp, dm::tan(x), cmath::tan(z))
EMBER_INEXACT_OP(ArcSinOp, dm::asin(x), cmath::asin(z))
EMBER_INEXACT_OP(ArcCosOp, dm::acos(x), cmath::acos(z))
EMBER_INEXACT_OP(ArcTanOp, dm::atan(x), cmath::atan(z))
EMBER_INEXACT_OP(SinhOp, dm::sinh(x), cmath::sinh(z))
EMBER_INEXACT_OP(CoshOp, dm::cosh(x), cmath::cosh(z))
EMBER_INEXACT_OP(TanhOp, dm::tanh(x), cmath::tanh(z))
EMBER_INEXACT_OP(ArcSinhOp, dm::asinh(x), cmath::asinh(z))
EMBER_INEXACT_OP(ArcCoshOp, dm::acosh(x), cmath::acosh(z))
EMBER_INEXACT_OP(ArcTanhOp, dm::atanh(x), cmath::atanh(z))
EMBER_INEXACT_OP(SigmoidOp, C(1) / (C(1) + dm::exp(-x)),
                 cmath::div(cmath::cd{1.0, 0.0},
                            cmath::add(cmath::cd{1.0, 0.0},
                                       cmath::exp(cmath::neg(z)))))
// The CPU adds 1 in complex<float> before the log; do the same so that both
// round alike for small |z|.
EMBER_INEXACT_OP(Log1pOp, dm::log1p(x),
                 cmath::log(cmath::cd{double(x_.re + 1.0f), z.im}))
EMBER_REAL_FLOAT_OP(Expm1Op, dm::expm1(x))
EMBER_REAL_FLOAT_OP(ErfOp, dm::erf(x))
EMBER_REAL_FLOAT_OP(ErfInvOp, dm::erfinv(x))
EMBER_REAL_FLOAT_OP(FloorOp, dm::floor(x))
EMBER_REAL_FLOAT_OP(CeilOp, dm::ceil(x))
EMBER_REAL_FLOAT_OP(TruncOp, dm::trunc(x))
// rint rounds half to even, like nearbyint on the CPU.
EMBER_REAL_FLOAT_OP(RoundOp, dm::rint(x))
#undef EMBER_INEXACT_OP
#undef EMBER_REAL_FLOAT_OP

struct ConjugateOp {
  template <typename T, EMBER_ACCEPTS(Complex<T>)>
  __device__ T operator()(T x) const {
    return T(x.re, -x.im);
  }
};
struct RealOp {
  template <typename T, EMBER_ACCEPTS(Complex<T>)>
  __device__ float operator()(T x) const {
    return x.re;
  }
};
struct ImagOp {
  template <typename T, EMBER_ACCEPTS(Complex<T>)>
  __device__ float operator()(T x) const {
    return x.im;
  }
};
struct LogicalNotOp {
  template <typename T, EMBER_ACCEPTS(Bool<T>)>
  __device__ bool operator()(T x) const {
    return !x;
  }
};
struct BitwiseInvertOp {
  template <typename T, EMBER_ACCEPTS((Int<T> || Bool<T>))>
  __device__ T operator()(T x) const {
    if constexpr (Bool<T>) {
      return !x;
    } else {
      return T(~x);
    }
  }
};

}  // namespace ember::cuda
