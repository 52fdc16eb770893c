// Element functors for unary ops. f16/bf16 compute in float. A functor's
// requires-clause lists the element types it accepts; the kernel dispatch
// raises for the others (ops validate dtypes first, so that is a backstop).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
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
// c[0] x^(N-1) + ... + c[N-1], by Horner's rule (unrolled; loops over it
// vectorize).
template <std::size_t N>
inline float horner(float x, const float (&c)[N]) {
  float p = c[0];
  for (std::size_t i = 1; i < N; ++i) p = p * x + c[i];
  return p;
}

// Float bits of a selected by mask m (all ones or zero), else of b.
inline float select_bits(uint32_t m, float a, float b) {
  return std::bit_cast<float>((std::bit_cast<uint32_t>(a) & m) |
                              (std::bit_cast<uint32_t>(b) & ~m));
}

// exp(x) over all of float, branch-free so that loops over it vectorize:
// the input clamped to [-104, 89] (beyond, the result is 0 or inf anyway);
// x = n ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, Cody and Waite);
// exp(r) by Cephes' degree-6 polynomial; 2^n through the exponent bits of
// two factors, so that overflow gives inf and small results underflow
// gradually to subnormals and 0; n comes from the low mantissa bits of the
// rounding sum. NaN gives NaN. Within 1.02 ulp of exp for normal results.
// Float bits as an integer that orders like the float (an involution), so
// that clamps are integer min/max (float compares may trap on NaN, which
// keeps the compiler from vectorizing).
constexpr int32_t ordered_bits(int32_t i) { return i ^ ((i >> 31) & 0x7fffffff); }

// x = k ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, Cody and Waite); k
// from the low mantissa bits of the rounding sum. For |x| up to about 104.
struct Ln2Split {
  float r;
  int32_t k;
};
inline Ln2Split split_ln2(float x) {
  constexpr float kRound = 12582912.0f;
  const float t = x * 1.44269504f + kRound;
  const float n = t - kRound;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  return {r, std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kRound)};
}

inline float exp_f32_full(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  constexpr int32_t lo = ordered_bits(std::bit_cast<int32_t>(-104.0f));
  constexpr int32_t hi = ordered_bits(std::bit_cast<int32_t>(89.0f));
  int32_t m = ordered_bits(std::bit_cast<int32_t>(x));
  m = m < lo ? lo : m;
  m = m > hi ? hi : m;
  const auto [r, k] = split_ln2(std::bit_cast<float>(ordered_bits(m)));
  float p = horner(r, {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                       4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f});
  p = p * r * r + r + 1.0f;
  const int32_t k1 = k >> 1, k2 = k - k1;  // each in [-75, 65]
  const float v = p * std::bit_cast<float>((k1 + 127) << 23) *
                  std::bit_cast<float>((k2 + 127) << 23);
  const uint32_t is_nan = 0u - uint32_t((bits & 0x7fffffffu) > 0x7f800000u);
  return select_bits(is_nan, x, v);
}

// tanh in float, branch-free (the kernel's loop vectorizes; glibc's tanhf
// is a scalar call): |x| < 0.625 by an odd polynomial fitted for relative
// error (x + x^3 q(x^2)), beyond by 1 - 2 / (exp(2|x|) + 1), with |x|
// clamped at 9.5 where tanh rounds to 1. Within 1.3 ulp of tanh over float;
// keeps the sign of zero, gives +-1 for +-inf and NaN for NaN.
inline float tanh_f32(float x) {
  // Bit patterns of non-negative floats order like the floats (NaN above
  // inf), so the range tests and the clamp are integer operations: float
  // compares may trap on NaN, which keeps the compiler from vectorizing.
  const uint32_t ub = std::bit_cast<uint32_t>(x) & 0x7fffffffu;  // |x|
  const float ax = std::bit_cast<float>(ub);
  const float x2 = ax * ax;
  const float q = horner(x2, {0.002225229749456048f, -0.008268717676401138f,
                              0.021738369017839432f, -0.05395381525158882f,
                              0.13333263993263245f, -0.3333333134651184f});
  const float small = ax + ax * x2 * q;
  const uint32_t k95 = std::bit_cast<uint32_t>(9.5f);
  const float axc = std::bit_cast<float>(ub < k95 ? ub : k95);
  const float e = exp_f32_full(2.0f * axc);
  const float big = 1.0f - 2.0f / (e + 1.0f);
  const uint32_t use_small = 0u - uint32_t(ub < std::bit_cast<uint32_t>(0.625f));
  const uint32_t is_nan = 0u - uint32_t(ub > 0x7f800000u);
  const uint32_t r =
      std::bit_cast<uint32_t>(select_bits(is_nan, ax, select_bits(use_small, small, big)));
  return std::bit_cast<float>(r | (std::bit_cast<uint32_t>(x) & 0x80000000u));
}

// erf in float, branch-free (the kernel's loop vectorizes; glibc's erff is
// a scalar call): |x| < 1 by x P(x^2) (degree 6, fitted for relative
// error), 1 <= |x| < 3.92 by 1 - exp(p(|x| - 2.46)) (degree 10, fitted to
// log erfc), beyond by +-1 (erfc(3.92) is below half an ulp of 1). The
// coefficients were fitted in float64 and rounded to float one at a time,
// refitting the rest. Within 2.3 ulp of erf over float (a test sweeps
// it; 2.6 allowed); NaN gives NaN, the sign of zero is kept.
inline float erf_f32(float x) {
  const uint32_t ub = std::bit_cast<uint32_t>(x) & 0x7fffffffu;  // |x|
  const float a = std::bit_cast<float>(ub);
  const float s = a * a;
  const float q = horner(s, {7.854119758121669e-05f, -0.0008010278106667101f,
                             0.005188338458538055f, -0.02685381844639778f,
                             0.1128358542919159f, -0.3761262595653534f,
                             1.1283791065216064f});
  const float small = a * q;
  const uint32_t kb = std::bit_cast<uint32_t>(3.92f);
  const float t = std::bit_cast<float>(ub < kb ? ub : kb) - 2.46f;
  const float p = horner(t, {-5.065999175712932e-08f, -5.3167308777801736e-08f,
                             1.914938820846146e-06f, -1.3553049939218909e-05f,
                             8.0568490375299e-05f, -0.0004396402509883046f,
                             0.0022516062017530203f, -0.01121146697551012f,
                             -0.9425697326660156f, -5.277222156524658f,
                             -7.594217777252197f});
  const float big = 1.0f - exp_f32_full(p);
  const uint32_t use_small = 0u - uint32_t(ub < std::bit_cast<uint32_t>(1.0f));
  const uint32_t use_big = ~use_small & (0u - uint32_t(ub < kb));
  const uint32_t is_nan = 0u - uint32_t(ub > 0x7f800000u);
  const uint32_t r = std::bit_cast<uint32_t>(
      select_bits(is_nan, a, select_bits(use_small, small, select_bits(use_big, big, 1.0f))));
  return std::bit_cast<float>(r | (std::bit_cast<uint32_t>(x) & 0x80000000u));
}

// sin (shift 0) or cos (shift 1) in float for |x| <= kSinCosBound,
// branch-free: x = k pi/2 + r with |r| <= pi/4 (pi/2 in three float parts,
// fused multiply-adds), then sin r = r + r^3 S(r^2) or cos r = 1 - r^2/2 +
// r^4 C(r^2) by quadrant (k + shift) mod 4. The polynomials were fitted for
// relative error in float64 and rounded to float one coefficient at a time;
// the parts of pi/2 come from a 60-digit pi (the third part from float64
// arithmetic was 3% off, 1000 ulp near zeros of cos at 5e4). Within 1.54
// ulp of the float64 functions over a dense sweep. SinOp/CosOp take this
// path for blocks whose |x| all lie within the bound (larger, inf and NaN
// inputs go to std::sin/std::cos).
inline constexpr float kSinCosBound = 65536.0f;
inline float sincos_f32(float x, int shift) {
  constexpr float kRound = 12582912.0f;
  const float t = x * 0.636619772367581f + kRound;
  const float kf = t - kRound;
  const int32_t q = (std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kRound) + shift) & 3;
  float r = std::fma(kf, -1.5707963705062866f, x);
  r = std::fma(kf, 4.371138828673793e-08f, r);
  r = std::fma(kf, 1.7151245100058819e-15f, r);
  const float z = r * r;
  const float sp = horner(z, {2.7181142741028452e-06f, -0.00019839311426039785f,
                              0.008333329111337662f, -0.1666666716337204f});
  const float sv = std::fma(r * z, sp, r);
  const float cp = horner(z, {-2.720568375025323e-07f, 2.4799459424684756e-05f,
                              -0.0013888883404433727f, 0.0416666679084301f});
  const float cv = std::fma(z * z, cp, std::fma(z, -0.5f, 1.0f));
  const uint32_t use_cos = 0u - uint32_t(q & 1);
  const uint32_t v =
      std::bit_cast<uint32_t>(select_bits(use_cos, cv, sv)) ^ (uint32_t(q & 2) << 30);
  // sin(-0) is -0 (the reduction's additions of +0 lose the sign).
  const uint32_t xb = std::bit_cast<uint32_t>(x);
  const uint32_t keep_x = 0u - uint32_t(shift == 0 && (xb & 0x7fffffffu) == 0);
  return select_bits(keep_x, x, std::bit_cast<float>(v));
}

// log in float, branch-free (vectorizes; glibc's logf is a scalar call):
// x = m 2^e with m in [sqrt(1/2), sqrt(2)) (subnormals scaled by 2^23
// first), log(1 + f) = f - f^2/2 + f^3 P(f) with P of degree 8 fitted for
// relative error and rounded to float one coefficient at a time, plus e ln2
// in two parts. log(0) = -inf, log(inf) = inf, negative and NaN give NaN.
// Within 0.77 ulp of the float64 log over a sweep of all positive floats.
inline float log_f32(float x) {
  const uint32_t b = std::bit_cast<uint32_t>(x);
  const uint32_t is_sub = 0u - uint32_t(b != 0 && b < 0x00800000u);
  const uint32_t bs = (std::bit_cast<uint32_t>(x * 8388608.0f) & is_sub) | (b & ~is_sub);
  int32_t e = int32_t((bs >> 23) & 0xff) - 127 - int32_t(is_sub & 23);
  float m = std::bit_cast<float>((bs & 0x007fffffu) | 0x3f800000u);  // [1, 2)
  const uint32_t big = 0u - uint32_t(m > 1.41421356f);
  m = select_bits(big, m * 0.5f, m);
  e += int32_t(big & 1);
  const float f = m - 1.0f;
  const float z = f * f;
  const float p = horner(f, {0.06746552139520645f, -0.11675629764795303f,
                             0.11888191103935242f, -0.12405594438314438f,
                             0.14219549298286438f, -0.16667994856834412f,
                             0.2000211924314499f, -0.25000008940696716f,
                             0.3333331346511841f});
  const float ef = float(e);
  float y = std::fma(z * f, p, ef * -0.00021219444170128554f);
  y = std::fma(z, -0.5f, y);
  const float r = std::fma(ef, 0.693359375f, f + y);
  // Specials: +-0 -> -inf, +inf -> inf, negative or NaN -> NaN.
  const uint32_t rb = std::bit_cast<uint32_t>(r);
  const uint32_t is_zero = 0u - uint32_t((b & 0x7fffffffu) == 0);
  const uint32_t is_inf = 0u - uint32_t(b == 0x7f800000u);
  const uint32_t is_bad = (0u - uint32_t(b > 0x7f800000u)) & ~is_zero;  // NaN, x < 0
  const uint32_t out = (rb & ~(is_zero | is_inf | is_bad)) | (0xff800000u & is_zero) |
                       (0x7f800000u & is_inf) | (0x7fc00000u & is_bad);
  return std::bit_cast<float>(out);
}

// log1p in float, branch-free: u = 1 + x, then log(u) * x / (u - 1) (the
// division corrects the rounding of u; Kahan's form), or x itself where u
// rounds to 1. log1p(inf) = inf, log1p(-1) = -inf, x < -1 and NaN give NaN,
// the sign of zero is kept. A test bounds the error against float64 log1p.
inline float log1p_f32(float x) {
  const float u = 1.0f + x;
  const float d = u - 1.0f;
  const float r = log_f32(u) * (x / d);
  const uint32_t xb = std::bit_cast<uint32_t>(x);
  const uint32_t keep_x = (0u - uint32_t((std::bit_cast<uint32_t>(d) & 0x7fffffffu) == 0)) |
                          (0u - uint32_t(xb == 0x7f800000u));  // u == 1, or +inf
  return select_bits(keep_x, x, r);
}

// expm1 in float, branch-free: x = n ln2 + r with |r| <= ln2 / 2
// (split_ln2), expm1(r) by its Taylor series to r^8 (the next term is
// below 1e-9 of the result), then expm1(x) = 2^n expm1(r) + (2^n - 1) in one
// fused multiply-add (2^n - 1 is exact for the n in range). x below -17
// gives -1, above 20 exp(x) (the same float, inf past 88.72); |x| below
// 2^-25 gives x (the sign of zero is kept); NaN gives NaN.
inline float expm1_f32(float x) {
  constexpr int32_t lo = ordered_bits(std::bit_cast<int32_t>(-17.0f));
  constexpr int32_t hi = ordered_bits(std::bit_cast<int32_t>(20.0f));
  const uint32_t xb = std::bit_cast<uint32_t>(x);
  const uint32_t ub = xb & 0x7fffffffu;
  const int32_t o = ordered_bits(std::bit_cast<int32_t>(x));
  const int32_t oc = o < lo ? lo : (o > hi ? hi : o);
  const auto [r, k] = split_ln2(std::bit_cast<float>(ordered_bits(oc)));
  const float q = horner(r, {1.0f / 40320, 1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24,
                             1.0f / 6, 0.5f});
  const float p = std::fma(r * r, q, r);
  const float s = std::bit_cast<float>((k + 127) << 23);  // 2^k, k in [-25, 29]
  const float core = std::fma(s, p, s - 1.0f);
  const uint32_t use_big = 0u - uint32_t(o > hi);
  const uint32_t use_m1 = 0u - uint32_t(o < lo);
  const uint32_t use_x = 0u - uint32_t(ub < 0x33000000u);  // |x| < 2^-25
  const uint32_t is_nan = 0u - uint32_t(ub > 0x7f800000u);
  float res = select_bits(use_big, exp_f32_full(x), select_bits(use_m1, -1.0f, core));
  return select_bits(use_x | is_nan, x, res);
}

// atan in float, branch-free: |x| reduced to t in [-0.4143, 0.4143] by
// atan|x| = pi/2 + atan(-1/|x|) above tan(3pi/8) and pi/4 + atan((|x| - 1) /
// (|x| + 1)) above tan(pi/8), then t + t^3 P(t^2) (Cephes' atanf
// coefficients); the sign of x is put back (-0 stays -0). +-inf gives
// +-pi/2, NaN gives NaN.
inline float atan_f32(float x) {
  const uint32_t xb = std::bit_cast<uint32_t>(x);
  const uint32_t ub = xb & 0x7fffffffu;
  const float a = std::bit_cast<float>(ub);
  const uint32_t big = 0u - uint32_t(ub > std::bit_cast<uint32_t>(2.414213562373095f));
  const uint32_t mid = ~big & (0u - uint32_t(ub > std::bit_cast<uint32_t>(0.4142135623730950f)));
  const float t = select_bits(big, -1.0f / a, select_bits(mid, (a - 1.0f) / (a + 1.0f), a));
  // pi/2 and pi/4 as float plus the float of the remainder.
  const float base = select_bits(big, 1.5707963267948966f,
                                 select_bits(mid, 0.7853981633974483f, 0.0f));
  const float base_lo = select_bits(big, -4.371138828673793e-08f,
                                    select_bits(mid, -2.1855694143368964e-08f, 0.0f));
  const float z = t * t;
  const float p = horner(z, {8.05374449538e-2f, -1.38776856032e-1f, 1.99777106478e-1f,
                             -3.33329491539e-1f});
  const float r = base + (std::fma(p * z, t, t) + base_lo);
  const uint32_t is_nan = 0u - uint32_t(ub > 0x7f800000u);
  const float signed_r = std::bit_cast<float>(std::bit_cast<uint32_t>(r) | (xb & 0x80000000u));
  return select_bits(is_nan, x, signed_r);
}

// NAME(x): the float form above for float, the std function for double.
#define EMBER_FLOAT_FORM(NAME, F32, STD)             \
  template <typename C>                              \
  inline C NAME(C x) {                               \
    if constexpr (std::is_same_v<C, float>) {        \
      return F32(x);                                 \
    } else {                                         \
      return STD(x);                                 \
    }                                                \
  }
EMBER_FLOAT_FORM(exp_of, exp_f32_full, std::exp)
EMBER_FLOAT_FORM(tanh_of, tanh_f32, std::tanh)
EMBER_FLOAT_FORM(erf_of, erf_f32, std::erf)
EMBER_FLOAT_FORM(log_of, log_f32, std::log)
EMBER_FLOAT_FORM(log1p_of, log1p_f32, std::log1p)
EMBER_FLOAT_FORM(expm1_of, expm1_f32, std::expm1)
EMBER_FLOAT_FORM(atan_of, atan_f32, std::atan)
#undef EMBER_FLOAT_FORM

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
// float (and f16/bf16, computed in float): detail::exp_f32_full.
EMBER_INEXACT_UNARY_OP(ExpOp, detail::exp_of(x))
// float (and f16/bf16, computed in float): detail::expm1_f32.
EMBER_REAL_FLOAT_UNARY_OP(Expm1Op, detail::expm1_of(x))
// float (and f16/bf16, computed in float): detail::log_f32.
EMBER_INEXACT_UNARY_OP(LogOp, detail::log_of(x))
EMBER_INEXACT_UNARY_OP(Log10Op, std::log10(x))
EMBER_INEXACT_UNARY_OP(SinOpScalar, std::sin(x))
EMBER_INEXACT_UNARY_OP(CosOpScalar, std::cos(x))
EMBER_INEXACT_UNARY_OP(TanOp, std::tan(x))
EMBER_INEXACT_UNARY_OP(ArcSinOp, std::asin(x))
EMBER_INEXACT_UNARY_OP(ArcCosOp, std::acos(x))
// float (and f16/bf16, computed in float): detail::atan_f32.
EMBER_INEXACT_UNARY_OP(ArcTanOp, detail::atan_of(x))
EMBER_INEXACT_UNARY_OP(SinhOp, std::sinh(x))
EMBER_INEXACT_UNARY_OP(CoshOp, std::cosh(x))
// float (and f16/bf16, computed in float): detail::tanh_f32.
EMBER_INEXACT_UNARY_OP(TanhOp, detail::tanh_of(x))
EMBER_INEXACT_UNARY_OP(ArcSinhOp, std::asinh(x))
EMBER_INEXACT_UNARY_OP(ArcCoshOp, std::acosh(x))
EMBER_INEXACT_UNARY_OP(ArcTanhOp, std::atanh(x))
EMBER_INEXACT_UNARY_OP(SigmoidOp, C(1) / (C(1) + detail::exp_of(-x)))
// float (and f16/bf16, computed in float): detail::erf_f32.
EMBER_REAL_FLOAT_UNARY_OP(ErfOp, detail::erf_of(x))
EMBER_REAL_FLOAT_UNARY_OP(ErfInvOp, detail::erfinv(x))
// Integer inputs never reach rounding kernels (the ops return them as is).
EMBER_REAL_FLOAT_UNARY_OP(FloorOp, std::floor(x))
EMBER_REAL_FLOAT_UNARY_OP(CeilOp, std::ceil(x))
EMBER_REAL_FLOAT_UNARY_OP(TruncOp, std::trunc(x))
// nearbyint honours the default round-half-to-even mode.
EMBER_REAL_FLOAT_UNARY_OP(RoundOp, std::nearbyint(x))
#undef EMBER_INEXACT_UNARY_OP
#undef EMBER_REAL_FLOAT_UNARY_OP

// sin and cos: element-wise through std::sin/std::cos; contiguous float
// runs go through block(): blocks of 256 whose |x| all lie within
// kSinCosBound use detail::sincos_f32 (vectorized), other blocks the std
// functions. Each element is read before its output is written, so in-place
// (donated) buffers are fine.
template <int Shift, typename Scalar>
struct SinCosOp : Scalar {
  using Scalar::operator();
  void block(const float* src, float* dst, int64_t n) const {
    constexpr int64_t B = 256;
    constexpr uint32_t kBound = std::bit_cast<uint32_t>(detail::kSinCosBound);
    for (int64_t i0 = 0; i0 < n; i0 += B) {
      const int64_t m = std::min(B, n - i0);
      const float* s = src + i0;
      float* d = dst + i0;
      uint32_t worst = 0;
      for (int64_t j = 0; j < m; ++j) {
        const uint32_t a = std::bit_cast<uint32_t>(s[j]) & 0x7fffffffu;
        worst = a > worst ? a : worst;
      }
      if (worst <= kBound) {
        for (int64_t j = 0; j < m; ++j) d[j] = detail::sincos_f32(s[j], Shift);
      } else {
        for (int64_t j = 0; j < m; ++j) d[j] = Scalar{}(s[j]);
      }
    }
  }
};
using SinOp = SinCosOp<0, SinOpScalar>;
using CosOp = SinCosOp<1, CosOpScalar>;

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
      return T(detail::log1p_of(compute_t<T>(x)));
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
