// Generated CUDA source of fused elementwise groups. Each node becomes one
// statement on values of its compute type (float for float16/bfloat16/
// float32, double for float64, the type itself for integers and bool);
// loads widen and stores narrow, the latter two half values per instruction
// (cvt.rn.{f16x2,bf16x2}.f32) in the vectorized loop. Expressions mirror
// the CUDA functors branch by branch (integer wrap-around through unsigned
// types, division by zero, NaN rules, shift counts).
//
// Half types (FusedHalf): in the `rounded` mode every float16/bfloat16 node
// result is rounded to its dtype, as the unfused kernels store it. In the
// `float_chain` mode (the default) results stay in float inside the kernel,
// as in PyTorch's and XLA's fused kernels (at least as accurate: one
// rounding at the store instead of one per op; a bf16 GELU, with exact math
// functions, came within 0.5 ulp of float64 where per-op rounding reached
// 2.5 ulp, on x >= -1.5 where the formula does not cancel), except for the
// chains that feed an op that is not continuous in its inputs
// (comparisons, floor/ceil/round, sign, remainder, floor_divide, astype):
// those are computed as unfused (rounded, precise functions), so that such
// results don't flip where the unfused values sit next to a threshold.
// Rounding after every op costs two instructions per op and element: a
// bf16 GELU is ~12 SASS instructions per element in float, ~29 rounded
// (43 with the precise tanhf of the rounded mode), and ~37 per element is
// the whole issue budget of an H200 streaming bf16 at 3.6 TB/s.
//
// Constants of the trace (CompiledTape::input_literals) are literals of the
// source, so the compiler folds them, and `power` with a literal exponent
// of 0, 1, 2, 3, 4, -1, -2 or 0.5 becomes products, a reciprocal or sqrt.
// For half-type results (outside those chains) a few functions use fast
// formulas whose error is far below the dtype's precision: exp (ex2.approx,
// rel. error ~2^-20 on the f16/bf16 range), sigmoid (ex2.approx and
// rcp.approx), tanh (tanh.approx.f32 for bfloat16, ~2^-11 relative against
// bf16's 2^-9 half ulp; for float16 an ex2/rcp formula with an odd
// polynomial near 0, ~2^-20 relative) and division by a literal
// (multiplication by its reciprocal). float32 and float64 keep the precise
// functions.
#include "ember/primitives/compiled_source.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "ember/core/half.h"

// GCC 12 reports -Wrestrict on std::string concatenations inlined into the
// generators below (a known false positive of its string model); every
// concatenation here is of distinct strings.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace ember::detail {

namespace {

// Helpers every generated kernel starts with. Written for NVRTC without
// headers: no std library, only CUDA built-ins (expf, __uint_as_float, ...).
const char* kPreamble = R"EMSRC(
struct em_f16 { unsigned short b; };
struct em_bf16 { unsigned short b; };

__device__ __forceinline__ float em_h2f(unsigned short h) {
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
  return f;
}
__device__ __forceinline__ unsigned short em_f2h(float f) {
  unsigned short h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
  return h;
}
__device__ __forceinline__ float em_bf2f(unsigned short h) {
  return __uint_as_float(((unsigned int)h) << 16);
}
__device__ __forceinline__ unsigned short em_f2bf(float f) {
#if __CUDA_ARCH__ >= 800
  unsigned short h;
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h) : "f"(f));
  return h;
#else
  unsigned int u = __float_as_uint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fff;
  return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
#endif
}
// Two floats as one 32-bit word of halves (lo in the low 16 bits), one
// instruction for both.
__device__ __forceinline__ unsigned int em_pack_h2(float lo, float hi) {
#if __CUDA_ARCH__ >= 800
  unsigned int r;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
#else
  return (unsigned int)em_f2h(lo) | ((unsigned int)em_f2h(hi) << 16);
#endif
}
__device__ __forceinline__ unsigned int em_pack_bf2(float lo, float hi) {
#if __CUDA_ARCH__ >= 800
  unsigned int r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
#else
  return (unsigned int)em_f2bf(lo) | ((unsigned int)em_f2bf(hi) << 16);
#endif
}
// A float rounded to float16 / bfloat16 and back.
__device__ __forceinline__ float em_rh(float x) { return em_h2f(em_f2h(x)); }
__device__ __forceinline__ float em_rbf(float x) { return em_bf2f(em_f2bf(x)); }

// Storage to compute type (load) and back (store, round to nearest even).
template <typename T>
__device__ __forceinline__ T em_up(T x) { return x; }
__device__ __forceinline__ float em_up(em_f16 x) { return em_h2f(x.b); }
__device__ __forceinline__ float em_up(em_bf16 x) { return em_bf2f(x.b); }
template <typename S>
struct EmDown {
  template <typename C>
  __device__ static __forceinline__ S to(C x) { return (S)x; }
};
template <>
struct EmDown<em_f16> {
  __device__ static __forceinline__ em_f16 to(float x) { return em_f16{em_f2h(x)}; }
};
template <>
struct EmDown<em_bf16> {
  __device__ static __forceinline__ em_bf16 to(float x) { return em_bf16{em_f2bf(x)}; }
};
template <typename S, typename C>
__device__ __forceinline__ S em_down(C x) { return EmDown<S>::to(x); }

#define EM_M1(N)                                                        \
  __device__ __forceinline__ float em_##N(float x) { return N##f(x); } \
  __device__ __forceinline__ double em_##N(double x) { return N(x); }
#define EM_M2(N)                                                                   \
  __device__ __forceinline__ float em_##N(float x, float y) { return N##f(x, y); } \
  __device__ __forceinline__ double em_##N(double x, double y) { return N(x, y); }
EM_M1(sqrt) EM_M1(exp) EM_M1(expm1) EM_M1(log) EM_M1(log2) EM_M1(log10)
EM_M1(log1p) EM_M1(sin) EM_M1(cos) EM_M1(tan) EM_M1(asin) EM_M1(acos)
EM_M1(atan) EM_M1(sinh) EM_M1(cosh) EM_M1(tanh) EM_M1(asinh) EM_M1(acosh)
EM_M1(atanh) EM_M1(erf) EM_M1(erfinv) EM_M1(floor) EM_M1(ceil) EM_M1(trunc)
EM_M1(rint) EM_M1(fabs)
EM_M2(fmod) EM_M2(atan2) EM_M2(copysign)
#undef EM_M1
#undef EM_M2
// A power with a run-time exponent: small integer exponents (the same for
// every thread when the exponent is a scalar, so the branches don't
// diverge) as products; literal exponents are expanded by the generator.
__device__ __forceinline__ float em_pow(float x, float y) {
  if (y == 2.0f) return x * x;
  if (y == 3.0f) return x * x * x;
  if (y == 1.0f) return x;
  return powf(x, y);
}
__device__ __forceinline__ double em_pow(double x, double y) {
  if (y == 2.0) return x * x;
  if (y == 3.0) return x * x * x;
  if (y == 1.0) return x;
  return pow(x, y);
}
// x ** 0.5: sqrt, except pow(-0, 0.5) = +0 and pow(-inf, 0.5) = +inf.
template <typename C>
__device__ __forceinline__ C em_pow_half(C x) {
  return x == -(C)__int_as_float(0x7f800000) ? -x : em_sqrt(x) + (C)0;
}

// Fast functions for float16/bfloat16 results (see compiled_source.cpp).
__device__ __forceinline__ float em_ex2_approx(float x) {
  float r;
  asm("ex2.approx.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
}
__device__ __forceinline__ float em_rcp_approx(float x) {
  float r;
  asm("rcp.approx.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
}
__device__ __forceinline__ float em_ex2_ftz(float x) {
  float r;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
}
__device__ __forceinline__ float em_rcp_ftz(float x) {
  float r;
  asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
}
__device__ __forceinline__ float em_exp_fast(float x) {
  return em_ex2_approx(x * 1.44269504088896341f);
}
__device__ __forceinline__ float em_sigmoid_fast(float x) {
  // e^-x below 2^-126 adds nothing to 1: ex2 may flush it.
  return em_rcp_approx(1.0f + em_ex2_ftz(x * -1.44269504088896341f));
}
__device__ __forceinline__ float em_tanh_bf16(float x) {
#if __CUDA_ARCH__ >= 750
  float r;
  asm("tanh.approx.f32 %0, %1;" : "=f"(r) : "f"(x));
  return r;
#else
  return tanhf(x);
#endif
}
__device__ __forceinline__ float em_tanh_f16(float x) {
  float a = fabsf(x);
  // 1 - 2 / (e^2a + 1): e^2a >= 1, and a reciprocal below 2^-126 (or of
  // inf) flushed to 0 gives 1, so the flushing variants are exact enough.
  float t = 1.0f - 2.0f * em_rcp_ftz(em_ex2_ftz(a * 2.88539008177792681f) + 1.0f);
  if (a < 0.25f) {  // the odd Taylor polynomial to x^7 (no cancellation)
    float s = x * x;
    t = a + a * s * (-0.333333333f + s * (0.133333333f + s * -0.0539682540f));
  }
  return copysignf(t, x);
}

__device__ __forceinline__ bool em_isinf(float x) {
  return fabsf(x) == __int_as_float(0x7f800000);
}
__device__ __forceinline__ bool em_isinf(double x) {
  return fabs(x) == __longlong_as_double(0x7ff0000000000000LL);
}

template <typename C>
__device__ __forceinline__ C em_sign_f(C v) {
  return v != v ? v : (C)((v > (C)0) - (v < (C)0));
}
template <typename T, typename W>
__device__ __forceinline__ T em_floordiv_s(T a, T b) {
  if (b == (T)0) return (T)0;
  if (b == (T)-1) return (T)((W)0 - (W)a);
  return (T)(a / b);
}
template <typename T>
__device__ __forceinline__ T em_floordiv_u(T a, T b) {
  return b == (T)0 ? (T)0 : (T)(a / b);
}
template <typename T>
__device__ __forceinline__ T em_rem_s(T a, T b) {
  if (b == (T)0 || b == (T)-1) return (T)0;
  T r = (T)(a % b);
  return (r != 0 && ((r < 0) != (b < 0))) ? (T)(r + b) : r;
}
template <typename T>
__device__ __forceinline__ T em_rem_u(T a, T b) {
  return b == (T)0 ? (T)0 : (T)(a % b);
}
template <typename C>
__device__ __forceinline__ C em_rem_f(C x, C y) {
  C r = em_fmod(x, y);
  if (r != (C)0) {
    if ((y < (C)0) != (r < (C)0)) r += y;
  } else {
    r = em_copysign((C)0, y);
  }
  return r;
}
template <typename T, typename W>
__device__ __forceinline__ T em_ipow(T a, T b) {
  if (b < (T)0) return (T)0;  // never true for unsigned T
  W res = 1, base = (W)a, e = (W)b;
  while (e) {
    if (e & 1) res *= base;
    base *= base;
    e >>= 1;
  }
  return (T)res;
}
template <typename C>
__device__ __forceinline__ C em_max_f(C x, C y) {
  return (x > y || x != x) ? x : y;
}
template <typename C>
__device__ __forceinline__ C em_min_f(C x, C y) {
  return (x < y || x != x) ? x : y;
}
template <typename C>
__device__ __forceinline__ C em_logaddexp(C x, C y) {
  if (x != x || y != y) return x + y;
  C hi = x > y ? x : y, lo = x > y ? y : x;
  if (em_isinf(lo) && lo < (C)0) return hi;
  if (em_isinf(hi) && hi > (C)0) return hi;
  return hi + em_log1p(em_exp(lo - hi));
}
template <typename T, typename U, typename W>
__device__ __forceinline__ T em_shl(T a, T b) {
  if ((U)b >= sizeof(T) * 8) return (T)0;
  return (T)((W)(U)a << (U)b);
}
template <typename T, typename U>
__device__ __forceinline__ T em_shr(T a, T b) {
  if ((U)b >= sizeof(T) * 8) return a < (T)0 ? (T)-1 : (T)0;
  return (T)(a >> (U)b);
}

template <typename T, int N>
struct alignas(sizeof(T) * N) EmVec {
  T v[N];
};
)EMSRC";

enum class Kind { boolean, sint, uint, real, none };

Kind fuse_kind(Dtype t) {
  switch (t) {
    case Dtype::bool_: return Kind::boolean;
    case Dtype::int8:
    case Dtype::int16:
    case Dtype::int32:
    case Dtype::int64: return Kind::sint;
    case Dtype::uint8:
    case Dtype::uint16:
    case Dtype::uint32:
    case Dtype::uint64: return Kind::uint;
    case Dtype::float16:
    case Dtype::bfloat16:
    case Dtype::float32:
    case Dtype::float64: return Kind::real;
    default: return Kind::none;  // complex64: not fused
  }
}

bool is_half(Dtype t) { return t == Dtype::float16 || t == Dtype::bfloat16; }

// Storage type of a dtype in the generated source.
const char* ctype(Dtype t) {
  switch (t) {
    case Dtype::bool_: return "bool";
    case Dtype::uint8: return "unsigned char";
    case Dtype::uint16: return "unsigned short";
    case Dtype::uint32: return "unsigned int";
    case Dtype::uint64: return "unsigned long long";
    case Dtype::int8: return "signed char";
    case Dtype::int16: return "short";
    case Dtype::int32: return "int";
    case Dtype::int64: return "long long";
    case Dtype::float16: return "em_f16";
    case Dtype::bfloat16: return "em_bf16";
    case Dtype::float32: return "float";
    case Dtype::float64: return "double";
    default: return nullptr;
  }
}

// Type of a value of the dtype inside the kernel.
const char* vtype(Dtype t) {
  if (is_half(t)) return "float";
  return ctype(t);
}

// Unsigned type of the same size (integers).
const char* utype(Dtype t) {
  switch (size_of(t)) {
    case 1: return "unsigned char";
    case 2: return "unsigned short";
    case 4: return "unsigned int";
    default: return "unsigned long long";
  }
}
// Unsigned type wide enough that +, -, * of two values wrap without the
// promotion to int (the functors' unsigned-or-wider choice).
const char* wtype(Dtype t) {
  return size_of(t) <= 4 ? "unsigned int" : "unsigned long long";
}
// Compute type of a real dtype.
const char* comp(Dtype t) { return t == Dtype::float64 ? "double" : "float"; }

std::string cat(std::initializer_list<std::string> parts) {
  std::string s;
  for (auto& p : parts) s += p;
  return s;
}

// Exact source literal of a float / double value.
std::string float_literal(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  char buf[64];
  if (!std::isfinite(f)) {
    std::snprintf(buf, sizeof buf, "__int_as_float(0x%08xu)", u);
  } else {
    std::snprintf(buf, sizeof buf, "%af", double(f));
  }
  return buf;
}
std::string double_literal(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  char buf[64];
  if (!std::isfinite(d)) {
    std::snprintf(buf, sizeof buf, "__longlong_as_double(0x%016llxLL)",
                  (unsigned long long)u);
  } else {
    std::snprintf(buf, sizeof buf, "%a", d);
  }
  return buf;
}

// The numeric value of literal bits of a real dtype.
double real_value(Dtype t, uint64_t bits) {
  switch (t) {
    case Dtype::float16: return float(float16_t::from_bits(uint16_t(bits)));
    case Dtype::bfloat16: return float(bfloat16_t::from_bits(uint16_t(bits)));
    case Dtype::float32: {
      float f;
      uint32_t u = uint32_t(bits);
      std::memcpy(&f, &u, 4);
      return f;
    }
    default: {
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
  }
}

// Source literal (of the dtype's value type) for literal bits.
std::string literal_text(Dtype t, uint64_t bits) {
  switch (fuse_kind(t)) {
    case Kind::boolean: return (bits & 0xff) ? "true" : "false";
    case Kind::sint: {
      int nb = int(size_of(t)) * 8;
      int64_t v = nb == 64 ? int64_t(bits) : int64_t(bits << (64 - nb)) >> (64 - nb);
      std::string num = v == INT64_MIN ? "(-9223372036854775807LL - 1LL)"
                                       : std::to_string(v) + "LL";
      return cat({"((", ctype(t), ")", num, ")"});
    }
    case Kind::uint: {
      int nb = int(size_of(t)) * 8;
      uint64_t v = nb == 64 ? bits : bits & ((uint64_t(1) << nb) - 1);
      return cat({"((", ctype(t), ")", std::to_string(v), "ULL)"});
    }
    case Kind::real:
      return t == Dtype::float64 ? double_literal(real_value(t, bits))
                                 : float_literal(float(real_value(t, bits)));
    default: return "";
  }
}

// Ops whose result is not continuous in their inputs.
bool discontinuous(const std::string& op) {
  static const char* ops[] = {"Equal",   "NotEqual",     "Less",  "LessEqual",
                              "Greater", "GreaterEqual", "Floor", "Ceil",
                              "Trunc",   "Round",        "Sign",  "FloorDivide",
                              "Remainder", "AsType"};
  for (auto* o : ops) {
    if (op == o) return true;
  }
  return false;
}

// One node's expression. Arguments are value-type expressions; `lit[i]`
// holds argument i's value when it is a literal of a real dtype.
struct Gen {
  bool round = false;  // round half-type results to their dtype
  bool fast = true;    // fast functions for half-type results
  // A node result of dtype t, rounded when `round`.
  std::string res(Dtype t, const std::string& e) const {
    if (!is_half(t) || !round) return e;
    return (t == Dtype::float16 ? "em_rh(" : "em_rbf(") + e + ")";
  }

  std::string unary(const std::string& op, Dtype t, Dtype out,
                    const std::string& x) const {
    Kind k = fuse_kind(t);
    std::string T = ctype(t), W = wtype(t), C = comp(t);
    if (op == "LogicalNot") {
      return (k == Kind::boolean && out == Dtype::bool_) ? "(!" + x + ")" : "";
    }
    if (out != t) return "";
    if (op == "Abs") {
      if (k == Kind::boolean || k == Kind::uint) return x;
      if (k == Kind::sint)
        return cat({"(", x, " < 0 ? (", T, ")((", W, ")0 - (", W, ")", x,
                    ") : ", x, ")"});
      return "em_fabs(" + x + ")";
    }
    if (op == "Sign") {
      if (k == Kind::boolean || k == Kind::uint)
        return cat({"(", T, ")(", x, " != 0)"});
      if (k == Kind::sint)
        return cat({"(", T, ")((", x, " > 0) - (", x, " < 0))"});
      return "em_sign_f(" + x + ")";
    }
    if (op == "Negative") {
      if (k == Kind::sint || k == Kind::uint)
        return cat({"(", T, ")((", W, ")0 - (", W, ")", x, ")"});
      if (k == Kind::real) return "(-" + x + ")";
      return "";
    }
    if (op == "Square") {
      if (k == Kind::boolean) return x;
      if (k == Kind::sint || k == Kind::uint)
        return cat({"(", T, ")((", W, ")", x, " * (", W, ")", x, ")"});
      return res(t, x + " * " + x);
    }
    if (op == "BitwiseInvert") {
      if (k == Kind::boolean) return "(!" + x + ")";
      if (k == Kind::sint || k == Kind::uint) return cat({"(", T, ")(~", x, ")"});
      return "";
    }
    if (k != Kind::real) return "";
    // Integer-valued results of a value of the dtype are values of the
    // dtype: no rounding.
    static const std::pair<const char*, const char*> steps[] = {
        {"Floor", "floor"}, {"Ceil", "ceil"}, {"Trunc", "trunc"},
        {"Round", "rint"},  // half to even, as the CUDA RoundOp
    };
    for (auto& [name, fn] : steps) {
      if (op == name) return cat({"em_", fn, "(", x, ")"});
    }
    if (is_half(t) && fast) {
      if (op == "Exp") return res(t, "em_exp_fast(" + x + ")");
      if (op == "Sigmoid") return res(t, "em_sigmoid_fast(" + x + ")");
      if (op == "Tanh")
        return res(t, (t == Dtype::bfloat16 ? "em_tanh_bf16(" : "em_tanh_f16(") +
                          x + ")");
    }
    static const std::pair<const char*, const char*> fns[] = {
        {"Sqrt", "sqrt"},     {"Exp", "exp"},       {"Expm1", "expm1"},
        {"Log", "log"},       {"Log2", "log2"},     {"Log10", "log10"},
        {"Log1p", "log1p"},   {"Sin", "sin"},       {"Cos", "cos"},
        {"Tan", "tan"},       {"ArcSin", "asin"},   {"ArcCos", "acos"},
        {"ArcTan", "atan"},   {"Sinh", "sinh"},     {"Cosh", "cosh"},
        {"Tanh", "tanh"},     {"ArcSinh", "asinh"}, {"ArcCosh", "acosh"},
        {"ArcTanh", "atanh"}, {"Erf", "erf"},       {"ErfInv", "erfinv"},
    };
    for (auto& [name, fn] : fns) {
      if (op == name) return res(t, cat({"em_", fn, "(", x, ")"}));
    }
    if (op == "Rsqrt") return res(t, cat({"(", C, ")1 / em_sqrt(", x, ")"}));
    if (op == "Sigmoid")
      return res(t, cat({"(", C, ")1 / ((", C, ")1 + em_exp(-", x, "))"}));
    return "";
  }

  // x ** e for a literal e of a real dtype: products, a reciprocal or a
  // square root where they match pow (IEEE special cases included).
  std::string pow_literal(Dtype t, const std::string& x, double e) const {
    std::string C = comp(t);
    if (e == 0) return cat({"(", C, ")1"});  // pow(x, 0) = 1, NaN included
    if (e == 1) return x;
    if (e == 2) return res(t, "(" + x + " * " + x + ")");
    if (e == 3) return res(t, cat({"(", x, " * ", x, " * ", x, ")"}));
    if (e == 4) return res(t, cat({"((", x, " * ", x, ") * (", x, " * ", x, "))"}));
    if (e == -1) return res(t, cat({"((", C, ")1 / ", x, ")"}));
    if (e == -2) return res(t, cat({"((", C, ")1 / (", x, " * ", x, "))"}));
    if (e == 0.5) return res(t, "em_pow_half(" + x + ")");
    return "";
  }

  std::string binary(const std::string& op, Dtype t, Dtype out,
                     const std::string& a, const std::string& b,
                     const std::optional<double>& lb) const {
    Kind k = fuse_kind(t);
    bool integer = k == Kind::sint || k == Kind::uint;
    std::string T = ctype(t), W = wtype(t), U = utype(t), C = comp(t);
    // Comparisons and logical ops: bool results.
    static const std::pair<const char*, const char*> cmps[] = {
        {"Equal", " == "}, {"NotEqual", " != "}, {"Less", " < "},
        {"LessEqual", " <= "}};
    for (auto& [name, sym] : cmps) {
      if (op == name) return out == Dtype::bool_ ? "(" + a + sym + b + ")" : "";
    }
    if (op == "Greater")  // LessOp{}(b, a)
      return out == Dtype::bool_ ? "(" + b + " < " + a + ")" : "";
    if (op == "GreaterEqual")
      return out == Dtype::bool_ ? "(" + b + " <= " + a + ")" : "";
    if (op == "LogicalAnd" || op == "LogicalOr") {
      if (k != Kind::boolean || out != Dtype::bool_) return "";
      return cat({"(", a, op == "LogicalAnd" ? " && " : " || ", b, ")"});
    }
    if (out != t) return "";
    auto wrap = [&](const char* sym) {
      return cat({"(", T, ")((", W, ")", a, sym, "(", W, ")", b, ")"});
    };
    if (op == "Add") {
      if (k == Kind::boolean) return "(" + a + " || " + b + ")";
      return integer ? wrap(" + ") : res(t, "(" + a + " + " + b + ")");
    }
    if (op == "Subtract") {
      if (k == Kind::boolean) return "(" + a + " != " + b + ")";
      return integer ? wrap(" - ") : res(t, "(" + a + " - " + b + ")");
    }
    if (op == "Multiply") {
      if (k == Kind::boolean) return "(" + a + " && " + b + ")";
      return integer ? wrap(" * ") : res(t, "(" + a + " * " + b + ")");
    }
    if (op == "Divide") {
      if (k != Kind::real) return "";
      // By a literal: multiplication by its reciprocal where that is exact
      // (a power of two), or for half types (error ~1 float ulp).
      if (lb && std::isfinite(*lb) && *lb != 0) {
        double r = 1.0 / *lb;
        int ex = 0;
        bool pow2 = std::frexp(*lb, &ex) == 0.5 || std::frexp(*lb, &ex) == -0.5;
        bool normal = t == Dtype::float64
                          ? std::isnormal(r)
                          : std::isnormal(float(r)) && std::isnormal(float(*lb));
        if (normal && (pow2 || (is_half(t) && fast))) {
          std::string lr = t == Dtype::float64 ? double_literal(r)
                                               : float_literal(float(r));
          return res(t, "(" + a + " * " + lr + ")");
        }
      }
      return res(t, "(" + a + " / " + b + ")");
    }
    if (op == "FloorDivide") {
      if (k == Kind::sint)
        return cat({"em_floordiv_s<", T, ", ", W, ">(", a, ", ", b, ")"});
      if (k == Kind::uint) return cat({"em_floordiv_u(", a, ", ", b, ")"});
      if (k == Kind::real) return res(t, "em_floor(" + a + " / " + b + ")");
      return "";
    }
    if (op == "Remainder") {
      if (k == Kind::boolean) return "false";
      if (k == Kind::sint) return cat({"em_rem_s(", a, ", ", b, ")"});
      if (k == Kind::uint) return cat({"em_rem_u(", a, ", ", b, ")"});
      return res(t, cat({"em_rem_f(", a, ", ", b, ")"}));
    }
    if (op == "Power") {
      if (k == Kind::boolean) return "(" + a + " || !" + b + ")";
      if (integer) return cat({"em_ipow<", T, ", ", W, ">(", a, ", ", b, ")"});
      if (lb) {
        std::string e = pow_literal(t, a, *lb);
        if (!e.empty()) return e;
      }
      return res(t, cat({"em_pow(", a, ", ", b, ")"}));
    }
    if (op == "Maximum" || op == "Minimum") {
      bool mx = op == "Maximum";
      if (k == Kind::boolean)
        return cat({"(", a, mx ? " || " : " && ", b, ")"});
      if (integer)
        return cat({"(", a, mx ? " > " : " < ", b, " ? ", a, " : ", b, ")"});
      return cat({mx ? "em_max_f(" : "em_min_f(", a, ", ", b, ")"});
    }
    if (op == "LogAddExp")
      return k == Kind::real ? res(t, cat({"em_logaddexp(", a, ", ", b, ")"}))
                             : "";
    if (op == "ArcTan2")
      return k == Kind::real ? res(t, cat({"em_atan2(", a, ", ", b, ")"})) : "";
    if (op == "BitwiseAnd" || op == "BitwiseOr" || op == "BitwiseXor") {
      if (!integer && k != Kind::boolean) return "";
      const char* sym = op == "BitwiseAnd" ? " & " : op == "BitwiseOr" ? " | " : " ^ ";
      return cat({"(", T, ")(", a, sym, b, ")"});
    }
    if (op == "LeftShift")
      return integer ? cat({"em_shl<", T, ", ", U, ", ", W, ">(", a, ", ", b, ")"})
                     : "";
    if (op == "RightShift")
      return integer ? cat({"em_shr<", T, ", ", U, ">(", a, ", ", b, ")"}) : "";
    return "";
  }

  // astype with the semantics of cast_to: half types through float, to bool
  // is != 0, the rest a C cast.
  std::string astype(Dtype from, Dtype to, const std::string& x) const {
    if (from == to) return x;
    if (to == Dtype::bool_) return fuse_kind(from) == Kind::boolean ? x : "(" + x + " != 0)";
    if (is_half(to)) {
      std::string f = from == Dtype::float32 || is_half(from) ? x : "(float)" + x;
      return (to == Dtype::float16 ? "em_rh(" : "em_rbf(") + f + ")";
    }
    return cat({"((", ctype(to), ")", x, ")"});
  }

  std::string expr(const Primitive& p, const std::vector<Dtype>& in, Dtype out,
                   const std::vector<std::string>& args,
                   const std::vector<std::optional<double>>& lit) const {
    if (!ctype(out) || args.size() != in.size()) return "";
    for (Dtype t : in) {
      if (!ctype(t)) return "";
    }
    std::string op = p.name();
    if (op == "AsType") return in.size() == 1 ? astype(in[0], out, args[0]) : "";
    if (op == "Copy") return (in.size() == 1 && in[0] == out) ? args[0] : "";
    if (op == "Select") {
      if (in.size() != 3 || in[0] != Dtype::bool_ || in[1] != out ||
          in[2] != out) {
        return "";
      }
      return cat({"(", args[0], " ? ", args[1], " : ", args[2], ")"});
    }
    if (in.size() == 1) return unary(op, in[0], out, args[0]);
    if (in.size() == 2 && in[0] == in[1]) {
      std::optional<double> lb = lit.size() > 1 ? lit[1] : std::nullopt;
      return binary(op, in[0], out, args[0], args[1], lb);
    }
    return "";
  }
};

}  // namespace

std::string fused_expr(const Primitive& p, const std::vector<Dtype>& in,
                       Dtype out, const std::vector<std::string>& args,
                       FusedHalf mode) {
  bool r = mode == FusedHalf::rounded;
  return Gen{r, !r}.expr(p, in, out, args, {});
}

int fused_vec_width(const CompiledTape& t, const std::vector<char>& scalar) {
  size_t widest = 1;
  for (size_t i = 0; i < t.num_inputs(); ++i) {
    if (!scalar[i]) widest = std::max(widest, size_t(size_of(t.input_dtypes[i])));
  }
  for (int o : t.outputs) widest = std::max(widest, size_t(size_of(t.value_dtype(o))));
  return int(std::max<size_t>(16 / widest, 1));
}

namespace {

// Stores each output's `vec` results r<j>[0 .. vec) as one vector at
// out<j> + idx (float16/bfloat16 packed in pairs), indented by `pad`.
template <typename OutType>
void vector_stores(std::ostringstream& s, const std::string& pad,
                   const std::string& idx, int vec, size_t nout,
                   const OutType& otype) {
  for (size_t j = 0; j < nout; ++j) {
    Dtype o = otype(j);
    std::string J = std::to_string(j);
    if (is_half(o) && vec % 2 == 0) {
      s << pad << "EmVec<unsigned int, " << vec / 2 << "> pk_" << J << ";\n"
        << "#pragma unroll\n" << pad << "for (int k = 0; k < " << vec / 2
        << "; ++k) pk_" << J << ".v[k] = "
        << (o == Dtype::float16 ? "em_pack_h2" : "em_pack_bf2") << "(r" << J
        << "[2 * k], r" << J << "[2 * k + 1]);\n"
        << pad << "*reinterpret_cast<EmVec<unsigned int, " << vec / 2
        << ">*>(out" << J << " + " << idx << ") = pk_" << J << ";\n";
    } else {
      std::string O = ctype(o);
      s << pad << "EmVec<" << O << ", " << vec << "> pk_" << J << ";\n"
        << "#pragma unroll\n" << pad << "for (int k = 0; k < " << vec << "; ++k) pk_"
        << J << ".v[k] = em_down<" << O << ">(r" << J << "[k]);\n"
        << pad << "*reinterpret_cast<EmVec<" << O << ", " << vec << ">*>(out"
        << J << " + " << idx << ") = pk_" << J << ";\n";
    }
  }
}

// The rows kernel (see fused_rows_kernel_source): warps take tasks of up to
// CH columns of one row r; column operands ('c') are read once per task,
// dense operands ('d') by flat index r * C + c (as EmVec<T, vec> from the
// first column whose flat index is a multiple of vec when m.vec_ok, so rows
// of odd width keep aligned vector accesses), rows ('r') at column c,
// general operands ('g') at r * rs + c * cs. `call`, `results`, `store` and
// `entry` are kernel_source's helpers.
template <typename Call, typename Results, typename Store, typename Entry>
void rows_kernel(std::ostringstream& s, const CompiledTape& t,
                 const std::string& modes, int vec, const Call& call,
                 const Results& results, const Store& store,
                 const Entry& entry) {
  const size_t nin = t.num_inputs(), nout = t.outputs.size();
  auto is_lit = [&](size_t i) { return t.literal(int(i)).has_value(); };
  auto otype = [&](size_t j) { return t.value_dtype(t.outputs[j]); };
  auto I = [](size_t i) { return std::to_string(i); };
  const std::string V = std::to_string(vec);
  // Value of input i at column `col`, flat index `flat`.
  auto elem = [&](size_t i, const std::string& col, const std::string& flat) {
    switch (modes[i]) {
      case 'd': return "em_up(in" + I(i) + "[" + flat + "])";
      case 'r': return "em_up(in" + I(i) + "[" + col + "])";
      case 'g':
        return "em_up(p" + I(i) + "[(long long)(" + col + ") * cs" + I(i) + "])";
      case 'c': return "q" + I(i);
      default: return "s" + I(i);
    }
  };
  auto rname = [&](size_t j) { return "r" + I(j); };
  s << "struct EmRows {\n  long long C, CH, nchunk, tasks, vec_ok;\n"
    << "  long long rs[" << std::max<size_t>(nin, 1) << "];\n  long long cs["
    << std::max<size_t>(nin, 1) << "];\n};\n\n";
  s << "template <typename I>\n__device__ __forceinline__ void em_rows(";
  for (size_t i = 0; i < nin; ++i)
    s << "const " << ctype(t.input_dtypes[i]) << "* in" << i << ", ";
  for (size_t j = 0; j < nout; ++j) s << ctype(otype(j)) << "* out" << j << ", ";
  s << "I n, const EmRows& m) {\n"
       "  const I C = (I)m.C, CH = (I)m.CH, nchunk = (I)m.nchunk;\n"
       "  const I tasks = (I)m.tasks;\n"
       "  const unsigned int lane = threadIdx.x & 31u;\n"
       "  const I nw = ((I)gridDim.x * blockDim.x) >> 5;\n";
  for (size_t i = 0; i < nin; ++i) {
    if (is_lit(i)) continue;
    if (modes[i] == 's')
      s << "  const " << vtype(t.input_dtypes[i]) << " s" << i << " = em_up(in"
        << i << "[0]);\n";
    if (modes[i] == 'g') s << "  const long long cs" << i << " = m.cs[" << i << "];\n";
  }
  s << "  for (I task = ((I)blockIdx.x * blockDim.x + threadIdx.x) >> 5; "
       "task < tasks; task += nw) {\n"
       "    const I r = nchunk == 1 ? task : task / nchunk;\n"
       "    const I c0 = (task - r * nchunk) * CH;\n"
       "    const I c1 = C - c0 > CH ? c0 + CH : C;\n"
       "    const I base = r * C;\n";
  for (size_t i = 0; i < nin; ++i) {
    if (is_lit(i)) continue;
    if (modes[i] == 'c')
      s << "    const " << vtype(t.input_dtypes[i]) << " q" << i << " = em_up(in"
        << i << "[(long long)r * m.rs[" << i << "]]);\n";
    if (modes[i] == 'g')
      s << "    const " << ctype(t.input_dtypes[i]) << "* p" << i << " = in" << i
        << " + (long long)r * m.rs[" << i << "];\n";
  }
  // One element at column `cc` (declared by the caller).
  auto one = [&](const std::string& ind) {
    return results(ind) + ind +
           call([&](size_t i) { return elem(i, "cc", "base + cc"); }, rname) +
           "\n" + store(ind, "base + cc");
  };
  s << "    I ct = c0;\n";
  if (vec > 1) {
    s << "    if (m.vec_ok) {\n"
      << "      const I mis = (base + c0) % " << V << ";\n"
      << "      I cv = mis ? c0 + (" << V << " - mis) : c0;\n"
      << "      if (cv > c1) cv = c1;\n"
      << "      if (c0 + lane < cv) {\n"
      << "        const I cc = c0 + lane;\n"
      << one("        ") << "      }\n"
      << "      const I nv = (c1 - cv) / " << V << ";\n"
      << "      for (I w = lane; w < nv; w += 32) {\n"
      << "        const I cc = cv + w * " << V << ";\n"
      << "        const I fi = base + cc;\n";
    for (size_t i = 0; i < nin; ++i) {
      if (modes[i] != 'd' || is_lit(i)) continue;
      std::string T = ctype(t.input_dtypes[i]);
      s << "        const EmVec<" << T << ", " << V << "> a" << i
        << " = *reinterpret_cast<const EmVec<" << T << ", " << V << ">*>(in"
        << i << " + fi);\n";
    }
    for (size_t j = 0; j < nout; ++j)
      s << "        " << vtype(otype(j)) << " r" << j << "[" << V << "];\n";
    s << "#pragma unroll\n        for (int k = 0; k < " << V << "; ++k) {\n"
      << "          "
      << call(
             [&](size_t i) {
               return modes[i] == 'd' ? "em_up(a" + I(i) + ".v[k])"
                                      : elem(i, "cc + k", "fi + k");
             },
             [&](size_t j) { return "r" + I(j) + "[k]"; })
      << "\n        }\n";
    vector_stores(s, "        ", "fi", vec, nout, otype);
    s << "      }\n      ct = cv + nv * " << V << ";\n    }\n";
  }
  s << "    for (I cc = ct + lane; cc < c1; cc += 32) {\n"
    << one("      ") << "    }\n  }\n}\n\n";
  entry("em_rows", "EmRows m", "m");
}

// The three kernels share em_body and the entry point; `kind` is 'f' (flat),
// 's' (strided) or 'r' (rows, with per-input `modes`, see the header).
std::string kernel_source(const CompiledTape& t, char kind,
                          const std::vector<char>& scalar,
                          const std::string& modes, int vec, FusedHalf mode) {
  const bool strided = kind == 's';
  const size_t nin = t.num_inputs(), nout = t.outputs.size();
  std::ostringstream s;
  s << "// ember fused elementwise kernel:";
  for (auto& n : t.nodes) s << ' ' << n.prim->name();
  s << '\n' << kPreamble << '\n';

  // em_body: the group on one element, non-literal inputs by value (value
  // types), outputs by reference.
  auto is_lit = [&](size_t i) { return t.literal(int(i)).has_value(); };
  s << "__device__ __forceinline__ void em_body(";
  const char* sep = "";
  for (size_t i = 0; i < nin; ++i) {
    if (is_lit(i)) continue;
    s << sep << "const " << vtype(t.input_dtypes[i]) << " x" << i;
    sep = ", ";
  }
  for (size_t j = 0; j < nout; ++j) {
    s << sep << vtype(t.value_dtype(t.outputs[j])) << "& y" << j;
    sep = ", ";
  }
  s << ") {\n";
  for (size_t i = 0; i < nin; ++i) {
    if (!is_lit(i)) continue;
    s << "  const " << vtype(t.input_dtypes[i]) << " x" << i << " = "
      << literal_text(t.input_dtypes[i], *t.literal(int(i))) << ";\n";
  }
  auto name = [&](int v) {
    return v < int(nin) ? "x" + std::to_string(v)
                        : "v" + std::to_string(v - int(nin));
  };
  // Half-type values that flow into an op that is not continuous in them
  // (through half-type ops only): float_chain mode computes those chains
  // as the unfused kernels do (rounded after every op, precise functions),
  // so that comparisons, floor, astype, ... see the values they see unfused.
  std::vector<char> need(nin + t.nodes.size(), 0);
  for (size_t k = t.nodes.size(); k-- > 0;) {
    auto& n = t.nodes[k];
    if (!(need[nin + k] || discontinuous(n.prim->name()))) continue;
    for (int v : n.inputs) need[v] = need[v] || is_half(t.value_dtype(v));
  }
  for (size_t k = 0; k < t.nodes.size(); ++k) {
    auto& n = t.nodes[k];
    std::vector<Dtype> dts;
    std::vector<std::string> args;
    std::vector<std::optional<double>> lit;
    for (int v : n.inputs) {
      Dtype d = t.value_dtype(v);
      dts.push_back(d);
      args.push_back(name(v));
      auto bits = v < int(nin) ? t.literal(v) : std::nullopt;
      lit.push_back(bits && fuse_kind(d) == Kind::real
                        ? std::optional<double>(real_value(d, *bits))
                        : std::nullopt);
    }
    bool exact = mode == FusedHalf::rounded || need[nin + k];
    std::string e = Gen{exact, !exact}.expr(*n.prim, dts, n.dtype, args, lit);
    if (e.empty()) {
      throw std::invalid_argument(std::string("[Compiled] Cannot generate ") +
                                  n.prim->name() + " on " +
                                  dtype_name(n.dtype) + ".");
    }
    s << "  const " << vtype(n.dtype) << " v" << k << " = " << e << ";\n";
  }
  for (size_t j = 0; j < nout; ++j)
    s << "  y" << j << " = " << name(t.outputs[j]) << ";\n";
  s << "}\n\n";

  // Calls em_body with the value of each non-literal input (in(i)) and
  // output lvalues out(j).
  auto call = [&](auto in, auto out) {
    std::string c = "em_body(";
    const char* sp = "";
    for (size_t i = 0; i < nin; ++i) {
      if (is_lit(i)) continue;
      c += sp + in(i);
      sp = ", ";
    }
    for (size_t j = 0; j < nout; ++j) {
      c += sp + out(j);
      sp = ", ";
    }
    return c + ");";
  };
  auto otype = [&](size_t j) { return t.value_dtype(t.outputs[j]); };
  // Declares the value-type results r<j> and stores them to out<j>[at].
  auto results = [&](const std::string& ind) {
    std::string r;
    for (size_t j = 0; j < nout; ++j)
      r += ind + vtype(otype(j)) + " r" + std::to_string(j) + ";\n";
    return r;
  };
  auto store = [&](const std::string& ind, const std::string& at) {
    std::string r;
    for (size_t j = 0; j < nout; ++j) {
      std::string J = std::to_string(j);
      r += cat({ind, "out", J, "[", at, "] = em_down<", ctype(otype(j)), ">(r",
                J, ");\n"});
    }
    return r;
  };
  auto rname = [](size_t j) { return "r" + std::to_string(j); };
  // The kernel's entry point: calls `body` with 32-bit index arithmetic when
  // n fits (unsigned, so that i + step cannot wrap), 64-bit otherwise.
  auto entry = [&](const char* body, const char* param, const char* arg) {
    s << "extern \"C\" __global__ void __launch_bounds__(256) em_kernel(";
    for (size_t i = 0; i < nin; ++i)
      s << "const " << ctype(t.input_dtypes[i]) << "* in" << i << ", ";
    for (size_t j = 0; j < nout; ++j) s << ctype(otype(j)) << "* out" << j << ", ";
    s << "long long n, " << param << ") {\n";
    std::string args;
    for (size_t i = 0; i < nin; ++i) args += "in" + std::to_string(i) + ", ";
    for (size_t j = 0; j < nout; ++j) args += "out" + std::to_string(j) + ", ";
    s << "  if (n <= 2147483647LL) " << body << "<unsigned int>(" << args
      << "(unsigned int)n, " << arg << ");\n"
      << "  else " << body << "<unsigned long long>(" << args
      << "(unsigned long long)n, " << arg << ");\n}\n";
  };

  if (kind == 'r') {
    rows_kernel(s, t, modes, vec, call, results, store, entry);
    return s.str();
  }

  if (strided) {
    s << "struct EmMeta {\n  long long ndim;\n  long long shape["
      << kFusedMaxDims << "];\n  long long strides[" << nin << "]["
      << kFusedMaxDims << "];\n};\n\n";
    // One element per iteration: offsets from the row-major index, dims
    // innermost first (I: unsigned int when n fits, the offsets int64).
    s << "template <typename I>\n__device__ __forceinline__ void em_strided(";
    for (size_t i = 0; i < nin; ++i)
      s << "const " << ctype(t.input_dtypes[i]) << "* in" << i << ", ";
    for (size_t j = 0; j < nout; ++j)
      s << ctype(otype(j)) << "* out" << j << ", ";
    s << "I n, const EmMeta& m) {\n"
         "  const I step = (I)gridDim.x * blockDim.x;\n"
         "  for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {\n"
         "    I r = i;\n";
    for (size_t i = 0; i < nin; ++i)
      if (!is_lit(i)) s << "    long long o" << i << " = 0;\n";
    s << "    for (int d = (int)m.ndim - 1; d >= 0; --d) {\n"
         "      const I sz = (I)m.shape[d];\n"
         "      const long long c = (long long)(r % sz);\n"
         "      r /= sz;\n";
    for (size_t i = 0; i < nin; ++i)
      if (!is_lit(i)) s << "      o" << i << " += c * m.strides[" << i << "][d];\n";
    s << "    }\n" << results("    ") << "    "
      << call([&](size_t i) { return "em_up(in" + std::to_string(i) + "[o" +
                                     std::to_string(i) + "])"; },
              rname)
      << "\n" << store("    ", "i") << "  }\n}\n\n";
    entry("em_strided", "EmMeta m", "m");
    return s.str();
  }

  // Contiguous: scalars read once; dense operands as EmVec<T, vec> when
  // vec_ok (pointers aligned to the vector size), then a scalar tail.
  // Half-type outputs are stored as words of two (vec is even then: the
  // widest operand has at most 8 bytes).
  s << "template <typename I>\n__device__ __forceinline__ void em_flat(";
  for (size_t i = 0; i < nin; ++i)
    s << "const " << ctype(t.input_dtypes[i]) << "* in" << i << ", ";
  for (size_t j = 0; j < nout; ++j) s << ctype(otype(j)) << "* out" << j << ", ";
  s << "I n, int vec_ok) {\n"
       "  const I tid = (I)blockIdx.x * blockDim.x + threadIdx.x;\n"
       "  const I step = (I)gridDim.x * blockDim.x;\n";
  for (size_t i = 0; i < nin; ++i) {
    if (scalar[i] && !is_lit(i))
      s << "  const " << vtype(t.input_dtypes[i]) << " s" << i << " = em_up(in"
        << i << "[0]);\n";
  }
  auto scalar_or = [&](size_t i, const std::string& e) {
    return scalar[i] ? "s" + std::to_string(i) : e;
  };
  s << "  I start = 0;\n";
  if (vec > 1) {
    s << "  if (vec_ok) {\n    const I nv = n / " << vec << ";\n"
      << "    for (I w = tid; w < nv; w += step) {\n"
      << "      const I base = w * " << vec << ";\n";
    for (size_t i = 0; i < nin; ++i) {
      if (scalar[i] || is_lit(i)) continue;
      std::string T = ctype(t.input_dtypes[i]);
      s << "      const EmVec<" << T << ", " << vec << "> a" << i
        << " = *reinterpret_cast<const EmVec<" << T << ", " << vec
        << ">*>(in" << i << " + base);\n";
    }
    for (size_t j = 0; j < nout; ++j)
      s << "      " << vtype(otype(j)) << " r" << j << "[" << vec << "];\n";
    s << "#pragma unroll\n      for (int k = 0; k < " << vec << "; ++k) {\n"
      << "        "
      << call(
             [&](size_t i) {
               return scalar_or(i, "em_up(a" + std::to_string(i) + ".v[k])");
             },
             [&](size_t j) { return "r" + std::to_string(j) + "[k]"; })
      << "\n      }\n";
    vector_stores(s, "      ", "base", vec, nout, otype);
    s << "    }\n    start = nv * " << vec << ";\n  }\n";
  }
  s << "  for (I i = start + tid; i < n; i += step) {\n"
    << results("    ") << "    "
    << call([&](size_t i) {
              return scalar_or(i, "em_up(in" + std::to_string(i) + "[i])");
            },
            rname)
    << "\n" << store("    ", "i") << "  }\n}\n\n";
  entry("em_flat", "int vec_ok", "vec_ok");
  return s.str();
}

}  // namespace

std::string fused_kernel_source(const CompiledTape& t, bool strided,
                                 const std::vector<char>& scalar, int vec,
                                 FusedHalf mode) {
  return kernel_source(t, strided ? 's' : 'f', scalar, {}, vec, mode);
}

std::string fused_rows_kernel_source(const CompiledTape& t,
                                      const std::string& modes, int vec,
                                      FusedHalf mode) {
  if (modes.size() != t.num_inputs()) {
    throw std::invalid_argument(
        "[Compiled] fused_rows_kernel_source: " + std::to_string(modes.size()) +
        " input modes for " + std::to_string(t.num_inputs()) + " inputs.");
  }
  for (char m : modes) {
    if (std::string("dscrg").find(m) == std::string::npos) {
      throw std::invalid_argument(
          std::string("[Compiled] fused_rows_kernel_source: unknown input mode '") +
          m + "'.");
    }
  }
  if (vec < 1 || vec > 16 || (vec & (vec - 1))) {
    throw std::invalid_argument(
        "[Compiled] fused_rows_kernel_source: vector width " +
        std::to_string(vec) + " is not a power of two in [1, 16].");
  }
  std::vector<char> scalar(modes.size());
  for (size_t i = 0; i < modes.size(); ++i) scalar[i] = modes[i] == 's';
  return kernel_source(t, 'r', scalar, modes, vec, mode);
}

}  // namespace ember::detail
