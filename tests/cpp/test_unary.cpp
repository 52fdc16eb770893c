// Elementwise unary ops: values against double references, dtypes, layouts,
// edge cases, errors, derivatives (finite differences) and vmap.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <functional>
#include <limits>

#include "ember/ember.h"
#include "ember/ops/indexing.h"
#include "test_utils.h"

using namespace ember;

namespace {

double erfinv_ref(double y) {
  if (y == 1) return kInf;
  if (y == -1) return -kInf;
  if (!(y > -1 && y < 1)) return kNaN;
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    double m = 0.5 * (lo + hi);
    (std::erf(m) < y ? lo : hi) = m;
  }
  return 0.5 * (lo + hi);
}

struct UnaryCase {
  const char* name;
  std::function<array(const array&)> op;
  std::function<double(double)> ref;
  double lo, hi;
  bool differentiable = true;
};

std::vector<UnaryCase> float_cases() {
  return {
      {"abs", [](const array& a) { return abs(a); },
       [](double x) { return std::fabs(x); }, -3, 3},
      {"sign", [](const array& a) { return sign(a); },
       [](double x) { return double((x > 0) - (x < 0)); }, -3, 3, false},
      {"negative", [](const array& a) { return negative(a); },
       [](double x) { return -x; }, -3, 3},
      {"square", [](const array& a) { return square(a); },
       [](double x) { return x * x; }, -3, 3},
      {"reciprocal", [](const array& a) { return reciprocal(a); },
       [](double x) { return 1 / x; }, 0.5, 3},
      {"sqrt", [](const array& a) { return sqrt(a); },
       [](double x) { return std::sqrt(x); }, 0.1, 5},
      {"rsqrt", [](const array& a) { return rsqrt(a); },
       [](double x) { return 1 / std::sqrt(x); }, 0.1, 5},
      {"exp", [](const array& a) { return exp(a); },
       [](double x) { return std::exp(x); }, -3, 3},
      {"expm1", [](const array& a) { return expm1(a); },
       [](double x) { return std::expm1(x); }, -2, 2},
      {"log", [](const array& a) { return log(a); },
       [](double x) { return std::log(x); }, 0.1, 5},
      {"log2", [](const array& a) { return log2(a); },
       [](double x) { return std::log2(x); }, 0.1, 5},
      {"log10", [](const array& a) { return log10(a); },
       [](double x) { return std::log10(x); }, 0.1, 5},
      {"log1p", [](const array& a) { return log1p(a); },
       [](double x) { return std::log1p(x); }, -0.5, 3},
      {"sin", [](const array& a) { return sin(a); },
       [](double x) { return std::sin(x); }, -3, 3},
      {"cos", [](const array& a) { return cos(a); },
       [](double x) { return std::cos(x); }, -3, 3},
      {"tan", [](const array& a) { return tan(a); },
       [](double x) { return std::tan(x); }, -1.2, 1.2},
      {"arcsin", [](const array& a) { return arcsin(a); },
       [](double x) { return std::asin(x); }, -0.9, 0.9},
      {"arccos", [](const array& a) { return arccos(a); },
       [](double x) { return std::acos(x); }, -0.9, 0.9},
      {"arctan", [](const array& a) { return arctan(a); },
       [](double x) { return std::atan(x); }, -3, 3},
      {"sinh", [](const array& a) { return sinh(a); },
       [](double x) { return std::sinh(x); }, -2, 2},
      {"cosh", [](const array& a) { return cosh(a); },
       [](double x) { return std::cosh(x); }, -2, 2},
      {"tanh", [](const array& a) { return tanh(a); },
       [](double x) { return std::tanh(x); }, -2, 2},
      {"arcsinh", [](const array& a) { return arcsinh(a); },
       [](double x) { return std::asinh(x); }, -3, 3},
      {"arccosh", [](const array& a) { return arccosh(a); },
       [](double x) { return std::acosh(x); }, 1.2, 4},
      {"arctanh", [](const array& a) { return arctanh(a); },
       [](double x) { return std::atanh(x); }, -0.8, 0.8},
      {"degrees", [](const array& a) { return degrees(a); },
       [](double x) { return x * 180 / M_PI; }, -3, 3},
      {"radians", [](const array& a) { return radians(a); },
       [](double x) { return x * M_PI / 180; }, -200, 200},
      {"erf", [](const array& a) { return erf(a); },
       [](double x) { return std::erf(x); }, -2, 2},
      {"erfinv", [](const array& a) { return erfinv(a); }, erfinv_ref, -0.9,
       0.9},
      {"sigmoid", [](const array& a) { return sigmoid(a); },
       [](double x) { return 1 / (1 + std::exp(-x)); }, -4, 4},
      {"floor", [](const array& a) { return floor(a); },
       [](double x) { return std::floor(x); }, -3, 3, false},
      {"ceil", [](const array& a) { return ceil(a); },
       [](double x) { return std::ceil(x); }, -3, 3, false},
      {"trunc", [](const array& a) { return trunc(a); },
       [](double x) { return std::trunc(x); }, -3, 3, false},
      {"round", [](const array& a) { return round(a); },
       [](double x) { return std::nearbyint(x); }, -3, 3, false},
  };
}

std::vector<double> map_ref(const std::function<double(double)>& f,
                          const std::vector<double>& x) {
  std::vector<double> out;
  for (double v : x) out.push_back(f(v));
  return out;
}

}  // namespace

TEST(Unary, FloatOpsAllDtypes) {
  for (auto& c : float_cases()) {
    for (Dtype t : {float32, float64, float16, bfloat16}) {
      SCOPED_TRACE(std::string(c.name) + " " + dtype_name(t));
      array x(values(12, c.lo, c.hi), {3, 4}, t);
      array y = c.op(x);
      EXPECT_EQ(y.dtype(), t);
      EXPECT_EQ(y.shape(), (Shape{3, 4}));
      // Reference from the (rounded) input values, in double.
      auto xin = to_vector(x);
      double tol = tol_elementwise(t);
      if (std::string(c.name) == "erfinv" && t == float32) tol = 1e-5;
      expect_values(y, map_ref(c.ref, xin), tol);
    }
  }
}

TEST(Unary, FloatOpsLayouts) {
  for (auto& c : float_cases()) {
    SCOPED_TRACE(c.name);
    auto v = values(12, c.lo, c.hi, 7);
    array x(v, {3, 4}, float32);
    auto xin = to_vector(x);
    // Transposed view.
    array xt = transpose(x);
    std::vector<double> expect_t;
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 3; ++i) expect_t.push_back(c.ref(xin[i * 4 + j]));
    array yt = c.op(xt);
    EXPECT_EQ(yt.shape(), (Shape{4, 3}));
    expect_values(yt, expect_t, 2e-6);
    // Broadcast view (stride 0 rows).
    array row(std::vector<double>(v.begin(), v.begin() + 4), {1, 4}, float32);
    auto rin = to_vector(row);
    std::vector<double> expect_b;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) expect_b.push_back(c.ref(rin[j]));
    expect_values(c.op(broadcast_to(row, {3, 4})), expect_b, 2e-6);
    // Sliced view (every other column).
    array xs = slice(x, Shape{0, 0}, Shape{3, 4}, Shape{1, 2});
    std::vector<double> expect_s;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; j += 2) expect_s.push_back(c.ref(xin[i * 4 + j]));
    expect_values(c.op(xs), expect_s, 2e-6);
    // 0-d and empty.
    array s = array(float(v[0]));
    array ys = c.op(s);
    EXPECT_EQ(ys.ndim(), 0);
    expect_values(ys, {c.ref(double(float(v[0])))}, 2e-6);
    array e = c.op(zeros_for_test({0, 3}));
    EXPECT_EQ(e.shape(), (Shape{0, 3}));
    EXPECT_EQ(to_vector(e).size(), 0u);
  }
}

TEST(Unary, LargeContiguousParallel) {
  // Large enough to be split across threads.
  int n = 1 << 18;
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = float(i % 1000) / 100.0f;
  array x(v, {n});
  array y = exp(negative(x));
  y.eval();
  const float* p = y.data<float>();
  for (int i = 0; i < n; i += 997) {
    EXPECT_NEAR(p[i], std::exp(-double(v[i])), 1e-6);
  }
}

// |got - ref| in units of the float spacing at ref (at least the smallest
// subnormal's).
static double ulp_error(float got, double ref) {
  float rf = std::fabs(float(ref));
  double ulp = double(std::nextafter(rf, std::numeric_limits<float>::infinity())) - double(rf);
  return std::fabs(double(got) - ref) / std::max(ulp, 1e-45);
}

// The largest ulp_error of results p[i] against ref(v[i]) in double, and the
// input where it occurred.
struct WorstUlp {
  double ulp = 0;
  float at = 0;
};
template <typename Ref>
static WorstUlp worst_ulp(const float* p, const std::vector<float>& v, Ref ref) {
  WorstUlp w;
  for (size_t i = 0; i < v.size(); ++i) {
    double e = ulp_error(p[i], ref(double(v[i])));
    if (e > w.ulp) w = {e, v[i]};
  }
  return w;
}

TEST(Unary, TanhFloat32WithinUlps) {
  // The CPU kernel (also when the suite runs with the GPU as default device;
  // CUDA's expf/tanhf have their own ulp bounds).
  StreamContext cpu_only(Device(DeviceType::cpu));
  // float tanh runs a vectorized polynomial/exp form: within 1.5 ulp of the
  // float64 tanh over a dense sweep (both branches and the switch at 0.625,
  // tiny and subnormal inputs, saturation), with tanh's special values.
  std::vector<float> v;
  for (int i = -200000; i <= 200000; ++i) v.push_back(float(i) * 6e-5f);
  for (float t = 1e-38f; t < 20.0f; t *= 1.01f) {
    v.push_back(t);
    v.push_back(-t);
  }
  for (float t : {0.625f, std::nextafter(0.625f, 0.0f), 9.5f, 1e-45f, 88.0f,
                  1e30f, 3.4e38f}) {
    v.push_back(t);
    v.push_back(-t);
  }
  array y = tanh(array(v, {int(v.size())}));
  y.eval();
  const float* p = y.data<float>();
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(std::signbit(p[i]), std::signbit(v[i])) << v[i];
  }
  WorstUlp w = worst_ulp(p, v, [](double x) { return std::tanh(x); });
  EXPECT_LE(w.ulp, 1.5) << "at " << w.at;
  std::vector<float> sv = {0.0f, -0.0f, float(kInf), -float(kInf), float(kNaN)};
  array s = tanh(array(sv, {5}));
  s.eval();
  const float* q = s.data<float>();
  EXPECT_EQ(q[0], 0.0f);
  EXPECT_FALSE(std::signbit(q[0]));
  EXPECT_TRUE(std::signbit(q[1]) && q[1] == 0.0f);
  EXPECT_EQ(q[2], 1.0f);
  EXPECT_EQ(q[3], -1.0f);
  EXPECT_TRUE(std::isnan(q[4]));
}

TEST(Unary, ErfFloat32WithinUlps) {
  // The CPU kernel (also when the suite runs with the GPU as default device).
  StreamContext cpu_only(Device(DeviceType::cpu));
  // float erf runs a vectorized polynomial below 1 and 1 - exp(polynomial)
  // up to 3.92: within 2.6 ulp of the float64 erf over a dense sweep (both
  // branches, the switches at 1 and 3.92, tiny and subnormal inputs,
  // saturation), the sign of zero kept, +-1 at +-inf, NaN for NaN.
  std::vector<float> v;
  for (int i = -300000; i <= 300000; ++i) v.push_back(float(i) * 1.5e-5f);
  for (float t = 1e-38f; t < 10.0f; t *= 1.003f) {
    v.push_back(t);
    v.push_back(-t);
  }
  for (float t : {1.0f, std::nextafter(1.0f, 0.0f), 3.92f, std::nextafter(3.92f, 0.0f),
                  1e-45f, 1e30f, 3.4e38f}) {
    v.push_back(t);
    v.push_back(-t);
  }
  array y = erf(array(v, {int(v.size())}));
  y.eval();
  const float* p = y.data<float>();
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(std::signbit(p[i]), std::signbit(v[i])) << v[i];
  }
  WorstUlp w = worst_ulp(p, v, [](double x) { return std::erf(x); });
  EXPECT_LE(w.ulp, 2.6) << "at " << w.at;
  std::vector<float> sv = {0.0f, -0.0f, float(kInf), -float(kInf), float(kNaN)};
  array s = erf(array(sv, {5}));
  s.eval();
  const float* q = s.data<float>();
  EXPECT_EQ(q[0], 0.0f);
  EXPECT_TRUE(std::signbit(q[1]) && q[1] == 0.0f);
  EXPECT_EQ(q[2], 1.0f);
  EXPECT_EQ(q[3], -1.0f);
  EXPECT_TRUE(std::isnan(q[4]));
}

TEST(Unary, SinCosFloat32WithinUlps) {
  // The CPU kernel (also when the suite runs with the GPU as default device).
  StreamContext cpu_only(Device(DeviceType::cpu));
  // Contiguous float sin/cos take a vectorized reduction and polynomials for
  // blocks with |x| <= 65536: a dense sweep there (and the floats next to
  // multiples of pi/2, where results are tiny) against the float64
  // functions, within 1.6 ulp of the result (measured 1.54) and 1.6 ulps of
  // 1 in absolute terms; blocks holding larger values, inf or NaN fall back
  // to std::sin/std::cos (same results as the strided path), and -0 keeps
  // its sign for sin.
  std::vector<float> v;
  for (int i = -400000; i <= 400000; ++i) v.push_back(float(i) * 1e-4f);
  for (float t = 1e-38f; t < 65536.0f; t *= 1.0007f) {
    v.push_back(t);
    v.push_back(-t);
  }
  for (int k = 1; k < 41000; k += 7) {  // neighbours of k pi / 2
    float c = float(k * 1.5707963267948966);
    v.push_back(c);
    v.push_back(std::nextafter(c, 0.0f));
    v.push_back(-c);
  }
  v.push_back(65536.0f);
  array x(v, {int(v.size())});
  for (int which = 0; which < 2; ++which) {
    array y = which == 0 ? sin(x) : cos(x);
    y.eval();
    const float* p = y.data<float>();
    double worst_abs = 0, worst_rel = 0;
    float at_abs = 0, at_rel = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      double r = which == 0 ? std::sin(double(v[i])) : std::cos(double(v[i]));
      double a = std::fabs(double(p[i]) - r) / 5.960464477539063e-08;  // ulps of 1 (2^-24)
      if (a > worst_abs) {
        worst_abs = a;
        at_abs = v[i];
      }
      if (std::fabs(r) > 1e-30) {
        double e = ulp_error(p[i], r);
        if (e > worst_rel) {
          worst_rel = e;
          at_rel = v[i];
        }
      }
    }
    const char* name = which == 0 ? "sin" : "cos";
    EXPECT_LE(worst_abs, 1.6) << name << " at " << at_abs;
    EXPECT_LE(worst_rel, 1.6) << name << " at " << at_rel;
  }
  // Outside the fast path: the std functions' values exactly.
  std::vector<float> big = {1e5f, -3e7f, 1e30f, float(kInf), -float(kInf), float(kNaN), -0.0f};
  array b = array(big, {int(big.size())});
  array sb = sin(b), cb = cos(b);
  sb.eval();
  cb.eval();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(sb.data<float>()[i], std::sin(big[i])) << big[i];
    EXPECT_EQ(cb.data<float>()[i], std::cos(big[i])) << big[i];
  }
  for (size_t i = 3; i < 6; ++i) {
    EXPECT_TRUE(std::isnan(sb.data<float>()[i]) && std::isnan(cb.data<float>()[i]));
  }
  EXPECT_TRUE(std::signbit(sb.data<float>()[6]) && sb.data<float>()[6] == 0.0f);
  array z = sin(array(std::vector<float>{-0.0f, 0.0f}, {2}));  // fast path (block within bound)
  z.eval();
  EXPECT_TRUE(std::signbit(z.data<float>()[0]));
  EXPECT_FALSE(std::signbit(z.data<float>()[1]));
}

TEST(Unary, LogFloat32WithinUlps) {
  // The CPU kernel (also when the suite runs with the GPU as default device).
  StreamContext cpu_only(Device(DeviceType::cpu));
  // float log runs a vectorized reduction and polynomial: within 1 ulp of
  // the float64 log over every 4099th positive float (subnormals to the
  // largest) and dense sweeps around 1 and sqrt(2), and log's special values.
  std::vector<float> v;
  for (uint32_t b = 1; b < 0x7f800000u; b += 4099) v.push_back(std::bit_cast<float>(b));
  for (int i = -100000; i <= 100000; ++i) v.push_back(1.0f + float(i) * 1e-6f);
  for (int i = -1000; i <= 1000; ++i) v.push_back(1.41421356f + float(i) * 1e-7f);
  array y = log(array(v, {int(v.size())}));
  y.eval();
  const float* p = y.data<float>();
  // log(1) = 0 exactly: any other result is an error of 2^149 ulps here.
  WorstUlp w = worst_ulp(p, v, [](double x) { return std::log(x); });
  EXPECT_LE(w.ulp, 1.0) << "at " << w.at;  // measured 0.77
  std::vector<float> sv = {0.0f, -0.0f, float(kInf), -float(kInf), float(kNaN), -1.0f, 1.0f};
  array s = log(array(sv, {int(sv.size())}));
  s.eval();
  const float* q = s.data<float>();
  EXPECT_EQ(q[0], -float(kInf));
  EXPECT_EQ(q[1], -float(kInf));
  EXPECT_EQ(q[2], float(kInf));
  EXPECT_TRUE(std::isnan(q[3]));
  EXPECT_TRUE(std::isnan(q[4]));
  EXPECT_TRUE(std::isnan(q[5]));
  EXPECT_EQ(q[6], 0.0f);
}

TEST(Unary, Log1pExpm1AtanFloat32WithinUlps) {
  // The CPU kernel (also when the suite runs with the GPU as default device).
  StreamContext cpu_only(Device(DeviceType::cpu));
  // float log1p, expm1 and atan run vectorized forms (log1p: Kahan's
  // correction over log; expm1 and atan: range reductions and
  // polynomials): over every 97th float of either sign where the result is
  // finite, and dense sweeps near 0 and the reduction boundaries, against
  // the float64 functions. Measured: log1p 2.42, expm1 1.41, atan 2.19 ulp.
  std::vector<float> all;
  for (uint32_t b = 0; b < 0x7f800000u; b += 97) {
    all.push_back(std::bit_cast<float>(b));
    all.push_back(std::bit_cast<float>(b | 0x80000000u));
  }
  for (int i = -100000; i <= 100000; ++i) all.push_back(float(i) * 1e-5f);
  for (float c : {0.41421356f, 2.41421356f, 1.0f, -1.0f}) {
    for (int i = -1000; i <= 1000; ++i) all.push_back(c + float(i) * 1e-7f);
  }
  auto keep = [&](auto pred) {
    std::vector<float> v;
    for (float x : all) {
      if (pred(x)) v.push_back(x);
    }
    return v;
  };
  struct Case {
    const char* name;
    std::vector<float> v;
    std::function<array(const array&)> op;
    std::function<double(double)> ref;
    double bound;
  };
  std::vector<Case> cases = {
      {"log1p", keep([](float x) { return x > -1.0f; }),
       [](const array& a) { return log1p(a); }, [](double x) { return std::log1p(x); }, 2.5},
      {"expm1", keep([](float x) { return x < 88.7f; }),
       [](const array& a) { return expm1(a); }, [](double x) { return std::expm1(x); }, 1.6},
      {"arctan", all, [](const array& a) { return arctan(a); },
       [](double x) { return std::atan(x); }, 2.3},
  };
  for (auto& c : cases) {
    array y = c.op(array(c.v, {int(c.v.size())}));
    y.eval();
    WorstUlp w = worst_ulp(y.data<float>(), c.v, c.ref);
    EXPECT_LE(w.ulp, c.bound) << c.name << " at " << w.at;
  }
  // Specials: signed zeros kept, overflow, the ends of the domains, NaN.
  const float inf = float(kInf);
  std::vector<float> sv = {0.0f, -0.0f, inf, -inf, float(kNaN), -1.0f, -2.0f, 89.0f, -100.0f};
  array x = array(sv, {int(sv.size())});
  array l = log1p(x), e = expm1(x), t = arctan(x);
  eval({l, e, t});
  const float* lp = l.data<float>();
  const float* ep = e.data<float>();
  const float* tp = t.data<float>();
  EXPECT_TRUE(lp[0] == 0.0f && !std::signbit(lp[0]));
  EXPECT_TRUE(lp[1] == 0.0f && std::signbit(lp[1]));
  EXPECT_EQ(lp[2], inf);
  EXPECT_TRUE(std::isnan(lp[3]) && std::isnan(lp[4]) && std::isnan(lp[6]));
  EXPECT_EQ(lp[5], -inf);
  EXPECT_TRUE(ep[0] == 0.0f && !std::signbit(ep[0]));
  EXPECT_TRUE(ep[1] == 0.0f && std::signbit(ep[1]));
  EXPECT_EQ(ep[2], inf);
  EXPECT_EQ(ep[3], -1.0f);
  EXPECT_TRUE(std::isnan(ep[4]));
  EXPECT_EQ(ep[7], inf);
  EXPECT_EQ(ep[8], -1.0f);
  EXPECT_TRUE(tp[0] == 0.0f && !std::signbit(tp[0]));
  EXPECT_TRUE(tp[1] == 0.0f && std::signbit(tp[1]));
  EXPECT_FLOAT_EQ(tp[2], float(M_PI / 2));
  EXPECT_FLOAT_EQ(tp[3], -float(M_PI / 2));
  EXPECT_TRUE(std::isnan(tp[4]));
  EXPECT_FLOAT_EQ(tp[5], -float(M_PI / 4));
}

TEST(Unary, ExpFloat32WithinUlps) {
  // The CPU kernel (also when the suite runs with the GPU as default device;
  // CUDA's expf/tanhf have their own ulp bounds).
  StreamContext cpu_only(Device(DeviceType::cpu));
  // float exp runs a vectorized range reduction and polynomial: within
  // 1.1 ulp of the float64 exp for normal results, gradual underflow to
  // subnormals and 0, inf past the range, NaN for NaN.
  std::vector<float> v;
  for (int i = -420000; i <= 420000; ++i) v.push_back(float(i) * 2.5e-4f);
  for (float t : {88.72f, 88.7228f, 88.73f, 89.0f, 100.0f, -87.3f, -100.0f,
                  -103.9f, -104.0f, -150.0f, 1e-30f, -1e-30f, 3.4e38f, -3.4e38f}) {
    v.push_back(t);
  }
  array y = exp(array(v, {int(v.size())}));
  y.eval();
  const float* p = y.data<float>();
  double worst = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    double r = std::exp(double(v[i]));
    float rf = float(r);
    if (std::isinf(rf) || rf == 0.0f) {
      EXPECT_EQ(p[i], rf) << v[i];
      continue;
    }
    worst = std::max(worst, ulp_error(p[i], r));
  }
  EXPECT_LE(worst, 1.1);
  std::vector<float> sv = {float(kInf), -float(kInf), float(kNaN), 0.0f, -0.0f};
  array s = exp(array(sv, {5}));
  s.eval();
  const float* q = s.data<float>();
  EXPECT_EQ(q[0], float(kInf));
  EXPECT_EQ(q[1], 0.0f);
  EXPECT_TRUE(std::isnan(q[2]));
  EXPECT_EQ(q[3], 1.0f);
  EXPECT_EQ(q[4], 1.0f);
  // Sigmoid goes through the same exp: saturates to 0 and 1, NaN stays.
  array g = sigmoid(array(std::vector<float>{-200.0f, 200.0f, 0.0f, float(kNaN)}, {4}));
  g.eval();
  const float* gq = g.data<float>();
  EXPECT_EQ(gq[0], 0.0f);
  EXPECT_EQ(gq[1], 1.0f);
  EXPECT_EQ(gq[2], 0.5f);
  EXPECT_TRUE(std::isnan(gq[3]));
}

TEST(Unary, PromotionToFloat) {
  array xi({1, 2, 4}, int32);
  for (auto& c : float_cases()) {
    std::string n = c.name;
    SCOPED_TRACE(n);
    if (n == "abs" || n == "sign" || n == "negative" || n == "square" ||
        n == "floor" || n == "ceil" || n == "trunc" || n == "round") {
      EXPECT_EQ(c.op(xi).dtype(), int32);
      continue;
    }
    EXPECT_EQ(c.op(xi).dtype(), float32);
  }
  EXPECT_EQ(exp(array({true, false})).dtype(), float32);
  EXPECT_EQ(sqrt(array({1, 4}, uint8)).dtype(), float32);
  expect_values(sqrt(array({1, 4, 9}, int64)), {1, 2, 3});
}

TEST(Unary, IntegerBehaviour) {
  expect_values(abs(array({-3, 0, 5}, int8)), {3, 0, 5});
  EXPECT_EQ(abs(array({-3}, int8)).dtype(), int8);
  // The minimum wraps like NumPy instead of being undefined.
  expect_values(abs(array({-128}, int8)), {-128});
  expect_values(abs(array({200}, uint8)), {200});
  expect_values(sign(array({-7, 0, 9}, int32)), {-1, 0, 1});
  expect_values(sign(array({0, 9}, uint16)), {0, 1});
  expect_values(sign(array({true, false})), {1, 0});
  EXPECT_EQ(sign(array({true})).dtype(), bool_);
  expect_values(negative(array({-7, 0, 9}, int64)), {7, 0, -9});
  expect_values(negative(array({1, 255}, uint8)), {255, 1});
  expect_values(square(array({-7, 3}, int16)), {49, 9});
  expect_values(square(array({true, false})), {1, 0});
  expect_values(positive(array({-1, 2})), {-1, 2});
  // Rounding ops keep integers as they are.
  array xi({-3, 4}, int32);
  EXPECT_EQ(floor(xi).id(), xi.id());
  EXPECT_EQ(ceil(xi).id(), xi.id());
  EXPECT_EQ(trunc(xi).id(), xi.id());
  EXPECT_EQ(round(xi).id(), xi.id());
}

TEST(Unary, NegativeBoolThrows) {
  EXPECT_THROW(negative(array({true})), std::invalid_argument);
  EXPECT_THROW(-array({true}), std::invalid_argument);
}

TEST(Unary, RoundHalfToEven) {
  array x({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4f, -2.6f});
  expect_values(round(x), {0, 2, 2, -0.0, -2, -2, 2, -3});
  expect_values(round(array({1.2345, -2.675, 12.5}, float64), 2),
                {1.23, -2.68, 12.5}, 1e-12);
  expect_values(round(array({1.25f, 1.35f}), 1), {1.2, 1.4}, 1e-6);
  // Integers with decimals compute in float and cast back.
  array r = round(array({15, 25, 149, -35}, int32), -1);
  EXPECT_EQ(r.dtype(), int32);
  expect_values(r, {20, 20, 150, -40});
  EXPECT_EQ(round(array({1.5f}, float16)).dtype(), float16);
  expect_values(round(array({2.5f, 3.5f}, bfloat16)), {2, 4});
}

TEST(Unary, ComplexSupport) {
  array z({complex64_t(3, 4), complex64_t(0, 0), complex64_t(-1, 1)});
  array a = abs(z);
  EXPECT_EQ(a.dtype(), float32);
  expect_values(a, {5, 0, std::sqrt(2.0)});
  array sg = sign(z);
  EXPECT_EQ(sg.dtype(), complex64);
  sg.eval();
  EXPECT_NEAR(detail::read_element<complex64_t>(sg, 0).imag(), 0.8f, 1e-6);
  EXPECT_NEAR(detail::read_element<complex64_t>(sg, 1).real(), 0.0f, 1e-6);
  array c = conj(z);
  EXPECT_EQ(c.dtype(), complex64);
  c.eval();
  EXPECT_EQ(detail::read_element<complex64_t>(c, 0), complex64_t(3, -4));
  array re = real(z), im = imag(z);
  EXPECT_EQ(re.dtype(), float32);
  EXPECT_EQ(im.dtype(), float32);
  expect_values(re, {3, 0, -1});
  expect_values(im, {4, 0, 1});
  array e = exp(array({complex64_t(0, float(M_PI))}));
  e.eval();
  auto ev = detail::read_element<complex64_t>(e, 0);
  EXPECT_NEAR(ev.real(), -1, 1e-6);
  EXPECT_NEAR(ev.imag(), 0, 1e-6);
  array sq = sqrt(array({complex64_t(-4, 0)}));
  sq.eval();
  EXPECT_NEAR(detail::read_element<complex64_t>(sq, 0).imag(), 2, 1e-6);
  array l2 = log2(array({complex64_t(8, 0)}));
  expect_values(l2, {3}, 1e-6);
  expect_values(log1p(array({complex64_t(1, 0)})), {std::log(2.0)}, 1e-6);
  // Real input: conj/real return it, imag gives zeros.
  array xr({1.0f, -2.0f});
  EXPECT_EQ(conj(xr).id(), xr.id());
  EXPECT_EQ(real(xr).id(), xr.id());
  expect_values(imag(xr), {0, 0});
  EXPECT_EQ(imag(xr).dtype(), float32);
}

TEST(Unary, ComplexErrors) {
  array z({complex64_t(1, 1)});
  EXPECT_THROW(expm1(z), std::invalid_argument);
  EXPECT_THROW(erf(z), std::invalid_argument);
  EXPECT_THROW(erfinv(z), std::invalid_argument);
  EXPECT_THROW(floor(z), std::invalid_argument);
  EXPECT_THROW(ceil(z), std::invalid_argument);
  EXPECT_THROW(trunc(z), std::invalid_argument);
  EXPECT_THROW(round(z), std::invalid_argument);
  EXPECT_THROW(isposinf(z), std::invalid_argument);
  EXPECT_THROW(isneginf(z), std::invalid_argument);
}

TEST(Unary, SpecialValues) {
  array x({kNaN, kInf, -kInf, 0.0, -1.0}, float32);
  expect_values(sign(x), {kNaN, 1, -1, 0, -1});
  expect_values(sqrt(x), {kNaN, kInf, kNaN, 0, kNaN});
  expect_values(log(x), {kNaN, kInf, kNaN, -kInf, kNaN});
  expect_values(sigmoid(x), {kNaN, 1, 0, 0.5, 1 / (1 + std::exp(1.0))});
  expect_values(erfinv(array({1.0f, -1.0f, 2.0f, 0.0f})), {kInf, -kInf, kNaN, 0});
  // erfinv near 1 is ill-conditioned: |dx| ~ eps / erf'(x).
  expect_values(erfinv(array({0.999999, -0.5, -0.99999999}, float64)),
                {erfinv_ref(0.999999), erfinv_ref(-0.5), erfinv_ref(-0.99999999)},
                1e-9);
  expect_values(abs(array({-0.0f})), {0.0});
}

TEST(Unary, Classification) {
  array x({kNaN, kInf, -kInf, 0.0, -1.5}, float32);
  expect_values(isnan(x), {1, 0, 0, 0, 0});
  expect_values(isinf(x), {0, 1, 1, 0, 0});
  expect_values(isfinite(x), {0, 0, 0, 1, 1});
  expect_values(isposinf(x), {0, 1, 0, 0, 0});
  expect_values(isneginf(x), {0, 0, 1, 0, 0});
  EXPECT_EQ(isnan(x).dtype(), bool_);
  EXPECT_EQ(isinf(x).dtype(), bool_);
  EXPECT_EQ(isfinite(x).dtype(), bool_);
  EXPECT_EQ(isposinf(x).dtype(), bool_);
  EXPECT_EQ(isneginf(x).dtype(), bool_);
  array xh({kNaN, kInf, 1.0}, float16);
  expect_values(isnan(xh), {1, 0, 0});
  expect_values(isinf(array({kNaN, -kInf, 1.0}, bfloat16)), {0, 1, 0});
  array xi({1, 2}, int32);
  expect_values(isnan(xi), {0, 0});
  expect_values(isinf(xi), {0, 0});
  expect_values(isfinite(xi), {1, 1});
  expect_values(isposinf(xi), {0, 0});
  EXPECT_EQ(isnan(xi).shape(), (Shape{2}));
  array z({complex64_t(kNaN, 0), complex64_t(0, kInf), complex64_t(1, 1)});
  expect_values(isnan(z), {1, 0, 0});
  expect_values(isinf(z), {0, 1, 0});
  expect_values(isfinite(z), {0, 0, 1});
  EXPECT_EQ(isnan(zeros_for_test({0})).shape(), (Shape{0}));
}

TEST(Unary, NanToNum) {
  array x({kNaN, kInf, -kInf, 2.0}, float32);
  double fmax = std::numeric_limits<float>::max();
  expect_values(nan_to_num(x), {0, fmax, -fmax, 2});
  expect_values(nan_to_num(x, 5.0f, 100.0f, -100.0f), {5, 100, -100, 2});
  array xd({kNaN, kInf, -kInf}, float64);
  double dmax = std::numeric_limits<double>::max();
  expect_values(nan_to_num(xd), {0, dmax, -dmax});
  array xh({kInf, kNaN}, float16);
  EXPECT_EQ(nan_to_num(xh).dtype(), float16);
  expect_values(nan_to_num(xh), {65504, 0});
  array xi({1, 2}, int32);
  EXPECT_EQ(nan_to_num(xi).id(), xi.id());
  array z({complex64_t(kNaN, kInf)});
  array zc = nan_to_num(z);
  zc.eval();
  EXPECT_EQ(detail::read_element<complex64_t>(zc, 0),
            complex64_t(0, std::numeric_limits<float>::max()));
}

TEST(Unary, LogicalNotAndInvert) {
  array b({true, false});
  expect_values(logical_not(b), {0, 1});
  expect_values(logical_not(array({0.0f, 2.5f})), {1, 0});
  EXPECT_EQ(logical_not(array({3, 0})).dtype(), bool_);
  expect_values(!array({3, 0}), {0, 1});
  expect_values(bitwise_invert(array({0, 5, -1}, int32)), {-1, -6, 0});
  expect_values(bitwise_invert(array({0, 5}, uint8)), {255, 250});
  expect_values(bitwise_invert(b), {0, 1});
  EXPECT_EQ(bitwise_invert(b).dtype(), bool_);
  expect_values(~array({1}, int64), {-2});
  EXPECT_THROW(bitwise_invert(array({1.0f})), std::invalid_argument);
  EXPECT_THROW(~array({complex64_t(1, 0)}), std::invalid_argument);
}

// ---- derivatives against central finite differences (float64) ----

TEST(Unary, GradientsFiniteDifferences) {
  for (auto& c : float_cases()) {
    SCOPED_TRACE(c.name);
    auto xv = values(6, c.lo, c.hi, 3);
    if (std::string(c.name) == "abs") xv = {-2.0, -0.7, 0.3, 1.1, 2.5, -1.4};
    array x(xv, {2, 3}, float64);
    array t(values(6, -1, 1, 5), {2, 3}, float64);
    auto fn = [&](const array& a) { return c.op(a); };
    auto [y, jt] = jvp(fn, x, t);
    auto [y2, vt] = vjp(fn, x, t);
    std::vector<double> fd;
    auto tv = to_vector(t);
    double eps = 1e-6;
    for (int i = 0; i < 6; ++i) {
      if (!c.differentiable) {
        fd.push_back(0);
        continue;
      }
      fd.push_back((c.ref(xv[i] + eps * tv[i]) - c.ref(xv[i] - eps * tv[i])) /
                   (2 * eps));
    }
    expect_values(jt, fd, 1e-6);
    expect_values(vt, fd, 1e-6);
  }
}

TEST(Unary, GradientConventions) {
  // abs'(0) = 0.
  auto [y, g] = vjp([](const array& a) { return abs(a); },
                    array({0.0f, -2.0f}), array({1.0f, 1.0f}));
  expect_values(g, {0, -1});
  // Complex: real / imag / conj are real-linear maps.
  array z({complex64_t(1, 2)});
  auto [yr, gr] = vjp([](const array& a) { return real(a); }, z, array({3.0f}));
  gr.eval();
  EXPECT_EQ(detail::read_element<complex64_t>(gr, 0), complex64_t(3, 0));
  auto [yi, gi] = vjp([](const array& a) { return imag(a); }, z, array({3.0f}));
  gi.eval();
  EXPECT_EQ(detail::read_element<complex64_t>(gi, 0), complex64_t(0, 3));
  auto [yj, tj] = jvp([](const array& a) { return imag(a); }, z,
                      array({complex64_t(5, 7)}));
  expect_values(tj, {7});
  // Integer / bool outputs have zero derivatives.
  auto [yl, gl] = vjp([](const array& a) { return astype(logical_not(a), float32); },
                      array({1.0f, 0.0f}), array({1.0f, 1.0f}));
  expect_values(gl, {0, 0});
}

TEST(Unary, Vmap) {
  array x(values(6, 0.2, 0.9), {2, 3}, float32);
  auto xin = to_vector(x);
  for (auto& c : float_cases()) {
    SCOPED_TRACE(c.name);
    auto f = vmap([&](const array& a) { return c.op(a); }, 1, 0);
    array y = f(x);  // maps over columns: y[j, i] = f(x[i, j])
    EXPECT_EQ(y.shape(), (Shape{3, 2}));
    std::vector<double> expect;
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 2; ++i) expect.push_back(c.ref(xin[i * 3 + j]));
    expect_values(y, expect, 2e-6);
  }
  auto g = vmap([](const array& a) { return isnan(logical_not(a)); });
  expect_values(g(array({1.0f, 0.0f})), {0, 0});
  auto h = vmap([](const array& a) { return bitwise_invert(a); });
  expect_values(h(array({1, 2}, int32)), {-2, -3});
}
