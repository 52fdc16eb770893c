// Generated CUDA source of fused elementwise groups. Each node becomes one
// statement on values of its storage type (f16/bf16 as 16-bit structs), so
// that f16/bf16 results are rounded after every op exactly like the unfused
// kernels, which compute in float and store the storage type. Expressions
// mirror the CUDA functors branch by branch (integer wrap-around through
// unsigned types, division by zero, NaN rules, shift counts).
#include "ember/primitives/compiled_source.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace ember::detail {

namespace {

// Helpers every generated kernel starts with. Written for NVRTC without
// headers: no std library, only CUDA built-ins (expf, __uint_as_float, ...).
const char* kPreamble = R"EMSRC(
struct em_f16 { unsigned short b; };
struct em_bf16 { unsigned short b; };

__device__ __forceinline__ float em_h2f(em_f16 h) {
  float f;
  asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h.b));
  return f;
}
__device__ __forceinline__ em_f16 em_f2h(float f) {
  em_f16 h;
  asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h.b) : "f"(f));
  return h;
}
__device__ __forceinline__ float em_bf2f(em_bf16 h) {
  return __uint_as_float(((unsigned int)h.b) << 16);
}
__device__ __forceinline__ em_bf16 em_f2bf(float f) {
  em_bf16 h;
#if __CUDA_ARCH__ >= 800
  asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h.b) : "f"(f));
#else
  unsigned int u = __float_as_uint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) {
    h.b = 0x7fff;
  } else {
    h.b = (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
#endif
  return h;
}

// Conversions with the semantics of cast_to (device/dtypes.cuh): half types
// go through float, to bool is != 0, the rest is a C cast.
template <typename To>
struct EmCvt {
  template <typename F>
  __device__ static __forceinline__ To from(F x) { return (To)x; }
  __device__ static __forceinline__ To from(em_f16 x) { return (To)em_h2f(x); }
  __device__ static __forceinline__ To from(em_bf16 x) { return (To)em_bf2f(x); }
};
template <>
struct EmCvt<bool> {
  template <typename F>
  __device__ static __forceinline__ bool from(F x) { return x != (F)0; }
  __device__ static __forceinline__ bool from(bool x) { return x; }
  __device__ static __forceinline__ bool from(em_f16 x) { return em_h2f(x) != 0.f; }
  __device__ static __forceinline__ bool from(em_bf16 x) { return em_bf2f(x) != 0.f; }
};
template <>
struct EmCvt<em_f16> {
  template <typename F>
  __device__ static __forceinline__ em_f16 from(F x) { return em_f2h((float)x); }
  __device__ static __forceinline__ em_f16 from(em_f16 x) { return x; }
  __device__ static __forceinline__ em_f16 from(em_bf16 x) { return em_f2h(em_bf2f(x)); }
};
template <>
struct EmCvt<em_bf16> {
  template <typename F>
  __device__ static __forceinline__ em_bf16 from(F x) { return em_f2bf((float)x); }
  __device__ static __forceinline__ em_bf16 from(em_bf16 x) { return x; }
  __device__ static __forceinline__ em_bf16 from(em_f16 x) { return em_f2bf(em_h2f(x)); }
};
template <typename To, typename F>
__device__ __forceinline__ To em_cast(F x) { return EmCvt<To>::from(x); }

// Compute type: float for the half types, the type itself otherwise.
template <typename T>
__device__ __forceinline__ T em_up(T x) { return x; }
__device__ __forceinline__ float em_up(em_f16 x) { return em_h2f(x); }
__device__ __forceinline__ float em_up(em_bf16 x) { return em_bf2f(x); }

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
// Small integer exponents (x**2, x**3 in GELU and norms) as products: powf
// costs ~60 instructions and made fused chains compute-bound. The exponent
// is the same for every thread, so the branches don't diverge.
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

__device__ __forceinline__ bool em_isinf(float x) {
  return fabsf(x) == __int_as_float(0x7f800000);
}
__device__ __forceinline__ bool em_isinf(double x) {
  return fabs(x) == __longlong_as_double(0x7ff0000000000000LL);
}

template <typename T>
__device__ __forceinline__ T em_sign_f(T x) {
  auto v = em_up(x);
  typedef decltype(v) C;
  return v != v ? x : em_cast<T>((C)((v > (C)0) - (v < (C)0)));
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
template <typename T>
__device__ __forceinline__ T em_max_f(T a, T b) {
  auto x = em_up(a);
  auto y = em_up(b);
  return (x > y || x != x) ? a : b;
}
template <typename T>
__device__ __forceinline__ T em_min_f(T a, T b) {
  auto x = em_up(a);
  auto y = em_up(b);
  return (x < y || x != x) ? a : b;
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

std::string unary_expr(const std::string& op, Dtype t, Dtype out,
                       const std::string& x) {
  Kind k = fuse_kind(t);
  std::string T = ctype(t), W = wtype(t), C = comp(t);
  std::string up = "em_up(" + x + ")";
  auto down = [&](const std::string& e) { return "em_cast<" + T + ">(" + e + ")"; };
  if (op == "LogicalNot") {
    return (k == Kind::boolean && out == Dtype::bool_) ? "(!" + x + ")" : "";
  }
  if (out != t) return "";
  if (op == "Abs") {
    if (k == Kind::boolean || k == Kind::uint) return x;
    if (k == Kind::sint)
      return cat({"(", x, " < 0 ? (", T, ")((", W, ")0 - (", W, ")", x,
                  ") : ", x, ")"});
    return down("em_fabs(" + up + ")");
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
    if (k == Kind::real) return down("-" + up);
    return "";
  }
  if (op == "Square") {
    if (k == Kind::boolean) return x;
    if (k == Kind::sint || k == Kind::uint)
      return cat({"(", T, ")((", W, ")", x, " * (", W, ")", x, ")"});
    return down(up + " * " + up);
  }
  if (op == "BitwiseInvert") {
    if (k == Kind::boolean) return "(!" + x + ")";
    if (k == Kind::sint || k == Kind::uint) return cat({"(", T, ")(~", x, ")"});
    return "";
  }
  if (k != Kind::real) return "";
  // Real-float math in the compute type, rounded back to T.
  static const std::pair<const char*, const char*> fns[] = {
      {"Sqrt", "sqrt"},     {"Exp", "exp"},         {"Expm1", "expm1"},
      {"Log", "log"},       {"Log2", "log2"},       {"Log10", "log10"},
      {"Log1p", "log1p"},   {"Sin", "sin"},         {"Cos", "cos"},
      {"Tan", "tan"},       {"ArcSin", "asin"},     {"ArcCos", "acos"},
      {"ArcTan", "atan"},   {"Sinh", "sinh"},       {"Cosh", "cosh"},
      {"Tanh", "tanh"},     {"ArcSinh", "asinh"},   {"ArcCosh", "acosh"},
      {"ArcTanh", "atanh"}, {"Erf", "erf"},         {"ErfInv", "erfinv"},
      {"Floor", "floor"},   {"Ceil", "ceil"},       {"Trunc", "trunc"},
      {"Round", "rint"},  // half to even, as the CUDA RoundOp
  };
  for (auto& [name, fn] : fns) {
    if (op == name) return down(cat({"em_", fn, "(", up, ")"}));
  }
  if (op == "Rsqrt") return down(cat({"(", C, ")1 / em_sqrt(", up, ")"}));
  if (op == "Sigmoid")
    return down(cat({"(", C, ")1 / ((", C, ")1 + em_exp(-", up, "))"}));
  return "";
}

std::string binary_expr(const std::string& op, Dtype t, Dtype out,
                        const std::string& a, const std::string& b) {
  Kind k = fuse_kind(t);
  bool integer = k == Kind::sint || k == Kind::uint;
  std::string T = ctype(t), W = wtype(t), U = utype(t);
  std::string ua = "em_up(" + a + ")", ub = "em_up(" + b + ")";
  auto down = [&](const std::string& e) { return "em_cast<" + T + ">(" + e + ")"; };
  // Comparisons and logical ops: bool results.
  static const std::pair<const char*, const char*> cmps[] = {
      {"Equal", " == "}, {"NotEqual", " != "}, {"Less", " < "},
      {"LessEqual", " <= "}};
  for (auto& [name, sym] : cmps) {
    if (op == name) return out == Dtype::bool_ ? "(" + ua + sym + ub + ")" : "";
  }
  if (op == "Greater")  // LessOp{}(b, a)
    return out == Dtype::bool_ ? "(" + ub + " < " + ua + ")" : "";
  if (op == "GreaterEqual")
    return out == Dtype::bool_ ? "(" + ub + " <= " + ua + ")" : "";
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
    return integer ? wrap(" + ") : down(ua + " + " + ub);
  }
  if (op == "Subtract") {
    if (k == Kind::boolean) return "(" + a + " != " + b + ")";
    return integer ? wrap(" - ") : down(ua + " - " + ub);
  }
  if (op == "Multiply") {
    if (k == Kind::boolean) return "(" + a + " && " + b + ")";
    return integer ? wrap(" * ") : down(ua + " * " + ub);
  }
  if (op == "Divide") return k == Kind::real ? down(ua + " / " + ub) : "";
  if (op == "FloorDivide") {
    if (k == Kind::sint)
      return cat({"em_floordiv_s<", T, ", ", W, ">(", a, ", ", b, ")"});
    if (k == Kind::uint) return cat({"em_floordiv_u(", a, ", ", b, ")"});
    if (k == Kind::real) return down("em_floor(" + ua + " / " + ub + ")");
    return "";
  }
  if (op == "Remainder") {
    if (k == Kind::boolean) return "false";
    if (k == Kind::sint) return cat({"em_rem_s(", a, ", ", b, ")"});
    if (k == Kind::uint) return cat({"em_rem_u(", a, ", ", b, ")"});
    return down(cat({"em_rem_f(", ua, ", ", ub, ")"}));
  }
  if (op == "Power") {
    if (k == Kind::boolean) return "(" + a + " || !" + b + ")";
    if (integer) return cat({"em_ipow<", T, ", ", W, ">(", a, ", ", b, ")"});
    return down(cat({"em_pow(", ua, ", ", ub, ")"}));
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
    return k == Kind::real ? down(cat({"em_logaddexp(", ua, ", ", ub, ")"}))
                           : "";
  if (op == "ArcTan2")
    return k == Kind::real ? down(cat({"em_atan2(", ua, ", ", ub, ")"})) : "";
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

}  // namespace

std::string fused_expr(const Primitive& p, const std::vector<Dtype>& in,
                       Dtype out, const std::vector<std::string>& args) {
  if (!ctype(out) || args.size() != in.size()) return "";
  for (Dtype t : in) {
    if (!ctype(t)) return "";
  }
  std::string op = p.name();
  if (op == "AsType") return in.size() == 1 ? "em_cast<" + std::string(ctype(out)) + ">(" + args[0] + ")" : "";
  if (op == "Copy") return (in.size() == 1 && in[0] == out) ? args[0] : "";
  if (op == "Select") {
    if (in.size() != 3 || in[0] != Dtype::bool_ || in[1] != out ||
        in[2] != out) {
      return "";
    }
    return cat({"(", args[0], " ? ", args[1], " : ", args[2], ")"});
  }
  if (in.size() == 1) return unary_expr(op, in[0], out, args[0]);
  if (in.size() == 2 && in[0] == in[1])
    return binary_expr(op, in[0], out, args[0], args[1]);
  return "";
}

int fused_vec_width(const CompiledTape& t, const std::vector<char>& scalar) {
  size_t widest = 1;
  for (size_t i = 0; i < t.num_inputs(); ++i) {
    if (!scalar[i]) widest = std::max(widest, size_t(size_of(t.input_dtypes[i])));
  }
  for (int o : t.outputs) widest = std::max(widest, size_t(size_of(t.value_dtype(o))));
  return int(std::max<size_t>(16 / widest, 1));
}

std::string fused_kernel_source(const CompiledTape& t, bool strided,
                                 const std::vector<char>& scalar, int vec) {
  const size_t nin = t.num_inputs();
  std::ostringstream s;
  s << "// ember fused elementwise kernel:";
  for (auto& n : t.nodes) s << ' ' << n.prim->name();
  s << '\n' << kPreamble << '\n';

  // em_body: the group on one element, inputs by value, outputs by reference.
  s << "__device__ __forceinline__ void em_body(";
  for (size_t i = 0; i < nin; ++i)
    s << (i ? ", " : "") << "const " << ctype(t.input_dtypes[i]) << " x" << i;
  for (size_t j = 0; j < t.outputs.size(); ++j)
    s << ", " << ctype(t.value_dtype(t.outputs[j])) << "& y" << j;
  s << ") {\n";
  auto name = [&](int v) {
    return v < int(nin) ? "x" + std::to_string(v)
                        : "v" + std::to_string(v - int(nin));
  };
  for (size_t k = 0; k < t.nodes.size(); ++k) {
    auto& n = t.nodes[k];
    std::vector<Dtype> dts;
    std::vector<std::string> args;
    for (int v : n.inputs) {
      dts.push_back(t.value_dtype(v));
      args.push_back(name(v));
    }
    std::string e = fused_expr(*n.prim, dts, n.dtype, args);
    if (e.empty()) {
      throw std::invalid_argument(std::string("[Compiled] Cannot generate ") +
                                  n.prim->name() + " on " +
                                  dtype_name(n.dtype) + ".");
    }
    s << "  const " << ctype(n.dtype) << " v" << k << " = " << e << ";\n";
  }
  for (size_t j = 0; j < t.outputs.size(); ++j)
    s << "  y" << j << " = " << name(t.outputs[j]) << ";\n";
  s << "}\n\n";

  if (strided) {
    s << "struct EmMeta {\n  long long ndim;\n  long long shape["
      << kFusedMaxDims << "];\n  long long strides[" << nin << "]["
      << kFusedMaxDims << "];\n};\n";
  }
  s << "extern \"C\" __global__ void __launch_bounds__(256) em_kernel(";
  for (size_t i = 0; i < nin; ++i)
    s << "const " << ctype(t.input_dtypes[i]) << "* in" << i << ", ";
  for (size_t j = 0; j < t.outputs.size(); ++j)
    s << ctype(t.value_dtype(t.outputs[j])) << "* out" << j << ", ";
  s << "long long n, " << (strided ? "EmMeta m" : "int vec_ok") << ") {\n";
  s << "  const long long tid = (long long)blockIdx.x * blockDim.x + "
       "threadIdx.x;\n"
       "  const long long step = (long long)gridDim.x * blockDim.x;\n";
  // Calls em_body with input expressions in(i) and output lvalues out(j).
  auto call = [&](auto in, auto out) {
    std::string c = "em_body(";
    for (size_t i = 0; i < nin; ++i) c += (i ? ", " : "") + in(i);
    for (size_t j = 0; j < t.outputs.size(); ++j) c += ", " + out(j);
    return c + ");";
  };
  auto idx = [](const char* p, size_t k, const std::string& at) {
    return p + std::to_string(k) + "[" + at + "]";
  };
  if (strided) {
    // Offsets from the row-major index, dims innermost first; 32-bit index
    // arithmetic when n fits (offsets stay 64-bit).
    auto loop = [&](const char* I) {
      s << "    " << I << " r = (" << I << ")i;\n";
      for (size_t i = 0; i < nin; ++i) s << "    long long o" << i << " = 0;\n";
      s << "    for (int d = (int)m.ndim - 1; d >= 0; --d) {\n"
        << "      " << I << " sz = (" << I << ")m.shape[d];\n"
        << "      long long c = (long long)(r % sz);\n      r /= sz;\n";
      for (size_t i = 0; i < nin; ++i)
        s << "      o" << i << " += c * m.strides[" << i << "][d];\n";
      s << "    }\n    "
        << call([&](size_t i) { return idx("in", i, "o" + std::to_string(i)); },
                [&](size_t j) { return idx("out", j, "i"); })
        << "\n";
    };
    s << "  if (n <= 2147483647LL) {\n"
         "    for (long long i = tid; i < n; i += step) {\n";
    loop("unsigned int");
    s << "    }\n  } else {\n"
         "    for (long long i = tid; i < n; i += step) {\n";
    loop("unsigned long long");
    s << "    }\n  }\n}\n";
    return s.str();
  }
  // Contiguous: scalars read once; dense operands as EmVec<T, vec> when
  // vec_ok (pointers aligned to the vector size), then a scalar tail.
  for (size_t i = 0; i < nin; ++i) {
    if (scalar[i])
      s << "  const " << ctype(t.input_dtypes[i]) << " s" << i << " = in" << i
        << "[0];\n";
  }
  auto scalar_or = [&](size_t i, const std::string& e) {
    return scalar[i] ? "s" + std::to_string(i) : e;
  };
  s << "  long long start = 0;\n";
  if (vec > 1) {
    s << "  if (vec_ok) {\n    const long long nv = n / " << vec << ";\n"
      << "    for (long long w = tid; w < nv; w += step) {\n"
      << "      const long long base = w * " << vec << ";\n";
    for (size_t i = 0; i < nin; ++i) {
      if (scalar[i]) continue;
      std::string T = ctype(t.input_dtypes[i]);
      s << "      const EmVec<" << T << ", " << vec << "> a" << i
        << " = *reinterpret_cast<const EmVec<" << T << ", " << vec
        << ">*>(in" << i << " + base);\n";
    }
    for (size_t j = 0; j < t.outputs.size(); ++j) {
      s << "      EmVec<" << ctype(t.value_dtype(t.outputs[j])) << ", " << vec
        << "> r" << j << ";\n";
    }
    s << "#pragma unroll\n      for (int k = 0; k < " << vec << "; ++k) {\n"
      << "        "
      << call(
             [&](size_t i) {
               return scalar_or(i, "a" + std::to_string(i) + ".v[k]");
             },
             [&](size_t j) { return "r" + std::to_string(j) + ".v[k]"; })
      << "\n      }\n";
    for (size_t j = 0; j < t.outputs.size(); ++j) {
      std::string O = ctype(t.value_dtype(t.outputs[j]));
      s << "      *reinterpret_cast<EmVec<" << O << ", " << vec << ">*>(out"
        << j << " + base) = r" << j << ";\n";
    }
    s << "    }\n    start = nv * " << vec << ";\n  }\n";
  }
  s << "  for (long long i = start + tid; i < n; i += step) {\n    "
    << call([&](size_t i) { return scalar_or(i, idx("in", i, "i")); },
            [&](size_t j) { return idx("out", j, "i"); })
    << "\n  }\n}\n";
  return s.str();
}

}  // namespace ember::detail
