// Elementwise binary ops: arithmetic, comparisons, logical and bitwise ops,
// against double references; dtypes, promotion, weak scalars, layouts,
// integer edge cases, errors, derivatives and vmap.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "ember/ember.h"
#include "ember/ops/indexing.h"
#include "test_utils.h"

using namespace ember;

namespace {

double py_mod(double a, double b) {
  double r = std::fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

struct BinaryCase {
  const char* name;
  std::function<array(const array&, const array&)> op;
  std::function<double(double, double)> ref;
  double lo_a, hi_a, lo_b, hi_b;
  bool differentiable = true;
};

std::vector<BinaryCase> float_cases() {
  return {
      {"add", [](const array& a, const array& b) { return add(a, b); },
       [](double a, double b) { return a + b; }, -3, 3, -3, 3},
      {"subtract", [](const array& a, const array& b) { return a - b; },
       [](double a, double b) { return a - b; }, -3, 3, -3, 3},
      {"multiply", [](const array& a, const array& b) { return a * b; },
       [](double a, double b) { return a * b; }, -3, 3, -3, 3},
      {"divide", [](const array& a, const array& b) { return a / b; },
       [](double a, double b) { return a / b; }, -3, 3, 0.5, 3},
      {"power", [](const array& a, const array& b) { return power(a, b); },
       [](double a, double b) { return std::pow(a, b); }, 0.5, 3, -2, 2},
      {"maximum", [](const array& a, const array& b) { return maximum(a, b); },
       [](double a, double b) { return std::max(a, b); }, -3, 3, -3, 3},
      {"minimum", [](const array& a, const array& b) { return minimum(a, b); },
       [](double a, double b) { return std::min(a, b); }, -3, 3, -3, 3},
      {"logaddexp",
       [](const array& a, const array& b) { return logaddexp(a, b); },
       [](double a, double b) { return std::log(std::exp(a) + std::exp(b)); },
       -3, 3, -3, 3},
      {"arctan2", [](const array& a, const array& b) { return arctan2(a, b); },
       [](double a, double b) { return std::atan2(a, b); }, -3, 3, -3, 3},
      {"remainder", [](const array& a, const array& b) { return a % b; },
       py_mod, -5, 5, 0.7, 2},
      {"floor_divide",
       [](const array& a, const array& b) { return floor_divide(a, b); },
       [](double a, double b) { return std::floor(a / b); }, -5, 5, 0.7, 2,
       false},
  };
}

}  // namespace

TEST(Binary, FloatOpsAllDtypes) {
  for (auto& c : float_cases()) {
    for (Dtype t : {float32, float64, float16, bfloat16}) {
      SCOPED_TRACE(std::string(c.name) + " " + dtype_name(t));
      array a(values(12, c.lo_a, c.hi_a, 1), {3, 4}, t);
      array b(values(12, c.lo_b, c.hi_b, 2), {3, 4}, t);
      array y = c.op(a, b);
      EXPECT_EQ(y.dtype(), t);
      auto av = to_vector(a), bv = to_vector(b);
      std::vector<double> expect;
      for (int i = 0; i < 12; ++i) expect.push_back(c.ref(av[i], bv[i]));
      auto got = to_vector(y);
      double tol = tol_elementwise(t);
      for (int i = 0; i < 12; ++i) {
        // floor/mod are discontinuous: low precision may round onto an edge.
        if ((std::string(c.name) == "remainder" ||
             std::string(c.name) == "floor_divide") &&
            t != float64 && t != float32) {
          continue;
        }
        EXPECT_NEAR(got[i], expect[i], tol * (1 + std::abs(expect[i])) * 4)
            << "at " << i;
      }
    }
  }
}

TEST(Binary, BroadcastingAndLayouts) {
  for (auto& c : float_cases()) {
    SCOPED_TRACE(c.name);
    array a(values(3, c.lo_a, c.hi_a, 3), {3, 1}, float32);
    array b(values(4, c.lo_b, c.hi_b, 4), {1, 4}, float32);
    auto av = to_vector(a), bv = to_vector(b);
    array y = c.op(a, b);
    EXPECT_EQ(y.shape(), (Shape{3, 4}));
    std::vector<double> expect;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) expect.push_back(c.ref(av[i], bv[j]));
    expect_values(y, expect, 2e-6);
    // Scalar on either side (0-d arrays).
    array s = array(float(c.lo_b + 0.25 * (c.hi_b - c.lo_b)));
    double sv = to_vector(s)[0];
    std::vector<double> e1, e2;
    for (double x : av) e1.push_back(c.ref(x, sv));
    expect_values(c.op(a, s), e1, 2e-6);
    array s2 = array(float(c.lo_a + 0.75 * (c.hi_a - c.lo_a)));
    double s2v = to_vector(s2)[0];
    for (double x : bv) e2.push_back(c.ref(s2v, x));
    expect_values(c.op(s2, b), e2, 2e-6);
    EXPECT_EQ(c.op(s2, s).ndim(), 0);
    // Transposed and sliced operands.
    array m(values(12, c.lo_a, c.hi_a, 5), {4, 3}, float32);
    array n(values(12, c.lo_b, c.hi_b, 6), {3, 4}, float32);
    auto mv = to_vector(m), nv = to_vector(n);
    array yt = c.op(transpose(m), n);
    std::vector<double> et;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j) et.push_back(c.ref(mv[j * 3 + i], nv[i * 4 + j]));
    expect_values(yt, et, 2e-6);
    array ys = c.op(slice(n, Shape{0, 1}, Shape{3, 4}, Shape{1, 2}), slice(transpose(m), Shape{0, 0}, Shape{3, 4}, Shape{1, 2}));
    std::vector<double> es;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 2; ++j)
        es.push_back(c.ref(nv[i * 4 + 1 + 2 * j], mv[(2 * j) * 3 + i]));
    expect_values(ys, es, 2e-6);
    // Empty.
    array e = c.op(zeros_for_test({0, 4}), zeros_for_test({1, 4}));
    EXPECT_EQ(e.shape(), (Shape{0, 4}));
    EXPECT_EQ(to_vector(e).size(), 0u);
  }
  EXPECT_THROW(add(zeros_for_test({2, 3}), zeros_for_test({4})),
               std::invalid_argument);
}

TEST(Binary, LargeBinaryParallel) {
  int n = 1 << 18;
  std::vector<float> va(n), vb(n);
  for (int i = 0; i < n; ++i) {
    va[i] = float(i % 97);
    vb[i] = float(i % 89) * 0.5f;
  }
  array a(va, {n}), b(vb, {n});
  array y = a + b;
  y.eval();
  for (int i = 0; i < n; i += 1013) EXPECT_EQ(y.data<float>()[i], va[i] + vb[i]);
  // Strided (transposed) large case.
  array m = reshape(a, {512, 512});
  array z = transpose(m) * m;
  z.eval();
  auto zv = to_vector(z);
  for (int i = 0; i < 512; i += 37)
    for (int j = 0; j < 512; j += 41)
      EXPECT_EQ(zv[i * 512 + j], double(va[j * 512 + i]) * va[i * 512 + j]);
}

TEST(Binary, PromotionAndWeakScalars) {
  EXPECT_EQ(add(array({1}, int8), array({1}, uint8)).dtype(), int16);
  EXPECT_EQ(add(array({1}, uint64), array({1}, int32)).dtype(), float32);
  EXPECT_EQ(multiply(array({1}, float16), array({1}, bfloat16)).dtype(), float32);
  EXPECT_EQ(divide(array({1}, int32), array({2}, int32)).dtype(), float32);
  expect_values(divide(array({1}, int32), array({2}, int32)), {0.5});
  EXPECT_EQ((array({1}, int32) * 1.5).dtype(), float32);
  expect_values(array({2}, int32) * 1.5, {3});
  EXPECT_EQ((array({1.0f}, float16) * 2.0).dtype(), float16);
  EXPECT_EQ((array({1.0f}, bfloat16) + 2).dtype(), bfloat16);
  EXPECT_EQ((array({1}, uint8) + 3).dtype(), uint8);
  EXPECT_EQ((array({true}) + 1).dtype(), int32);
  EXPECT_EQ((2.0f - array({1}, int16)).dtype(), float32);
  EXPECT_EQ((array({1}, int64) + int64_t(5000000000)).dtype(), int64);
  EXPECT_THROW(array({1}, uint8) + 256, std::invalid_argument);
  EXPECT_THROW(array({1}, uint32) - (-1), std::invalid_argument);
  EXPECT_THROW(array({1}, int8) * 1000, std::invalid_argument);
  EXPECT_EQ((array({1}, int32) < 2.5).dtype(), bool_);
  expect_values(array({1, 3}, int32) < 2.5, {1, 0});
  EXPECT_EQ(add(array({true}), array({false})).dtype(), bool_);
  expect_values(add(array({true, false}), array({true, false})), {1, 0});
  EXPECT_EQ(add(array({1.0f}), array({complex64_t(0, 1)})).dtype(), complex64);
}

TEST(Binary, PowerByScalarTwoThreeOrHalfIsProductsOrSqrt) {
  // x ** 2 and x ** 3 with one exponent for all elements run as products,
  // x ** 0.5 as sqrt: same values as pow (float64 reference rounded to the
  // dtype; pow(-0, 0.5) = +0 and pow(-inf, 0.5) = inf), for every
  // float dtype, strided and broadcast bases, special values; other
  // exponents and per-element exponents keep pow. A test of the CPU kernels:
  // it pins the CPU also when the suite runs with the GPU as default device
  // (CUDA's pow is within 2 ulp, not correctly rounded).
  StreamContext cpu_only(Device(DeviceType::cpu));
  std::vector<double> xs = {-3.5, -1.25, -0.0, 0.0, 0.3, 1.0, 2.5, 7.75, 1e-20,
                            -1e20, kInf, -kInf, kNaN};
  for (Dtype t : {float32, float16, bfloat16, float64}) {
    array x = astype(array(xs, {int(xs.size())}, float64), t);
    for (double e : {2.0, 3.0, 0.5, 2.5, -1.0}) {
      array y = power(x, array(e, t));
      std::vector<double> ref;
      for (double v : to_vector(x)) ref.push_back(std::pow(v, e));
      auto want = to_vector(astype(array(ref, {int(ref.size())}, float64), t));
      auto got = to_vector(y);
      for (size_t i = 0; i < xs.size(); ++i) {
        if (std::isnan(want[i])) {
          EXPECT_TRUE(std::isnan(got[i])) << dtype_name(t) << " " << xs[i] << "**" << e;
        } else {
          EXPECT_EQ(got[i], want[i]) << dtype_name(t) << " " << xs[i] << "**" << e;
          EXPECT_EQ(std::signbit(got[i]), std::signbit(want[i])) << xs[i] << "**" << e;
        }
      }
    }
  }
  // Strided and broadcast bases.
  array m = astype(reshape(arange(0, 24, 1), {4, 6}), float32) * 0.37f - 3.0f;
  array mt = transpose(m);
  auto check = [](const array& base, const array& got, double e) {
    auto b = to_vector(base);
    std::vector<double> ref;
    for (double v : b) ref.push_back(double(float(std::pow(v, e))));
    expect_values(got, ref, 1e-6);
  };
  check(mt, power(mt, array(3.0f)), 3.0);
  array row = astype(arange(0, 6, 1), float32) - 2.5f;
  array brow = broadcast_to(row, {4, 6});
  check(brow, power(brow, array(2.0f)), 2.0);
  // A per-element exponent that happens to be 3 everywhere: pow as before.
  check(m, power(m, full({4, 6}, 3.0f)), 3.0);
}

TEST(Binary, IntegerArithmetic) {
  // Wrapping arithmetic, no UB.
  expect_values(add(array({127}, int8), array({1}, int8)), {-128});
  expect_values(multiply(array({200}, uint8), array({2}, uint8)), {144});
  expect_values(subtract(array({0}, uint16), array({1}, uint16)), {65535});
  // MLX's integer floor_divide truncates toward zero.
  array a({-7, 7, -7, 7, 0}, int32), b({2, 2, -2, -2, 3}, int32);
  expect_values(floor_divide(a, b), {-3, 3, 3, -3, 0});
  EXPECT_EQ(floor_divide(a, b).dtype(), int32);
  // Division by zero and INT_MIN / -1 do not trap.
  expect_values(floor_divide(array({5, -3}, int32), array({0, 0}, int32)), {0, 0});
  expect_values(floor_divide(array({-128}, int8), array({-1}, int8)), {-128});
  expect_values(floor_divide(array({7u}, uint32), array({2u}, uint32)), {3});
  // remainder: sign of the divisor.
  expect_values(remainder(a, b), {1, 1, -1, -1, 0});
  expect_values(array({-7, 7}, int64) % array({3, -3}, int64), {2, -2});
  expect_values(remainder(array({5}, int32), array({0}, int32)), {0});
  expect_values(remainder(array({-128}, int8), array({-1}, int8)), {0});
  expect_values(remainder(array({7u, 9u}, uint8), array({3u, 4u}, uint8)), {1, 1});
  // bool floor_divide: true division then floor (float32).
  EXPECT_EQ(floor_divide(array({true}), array({true})).dtype(), float32);
}

TEST(Binary, FloatRemainderAndFloorDivide) {
  array a({-7.5, 7.5, -7.5, 7.5, 6.0, -0.0}, float64);
  array b({2.0, 2.0, -2.0, -2.0, 3.0, 2.0}, float64);
  expect_values(remainder(a, b), {0.5, 1.5, -1.5, -0.5, 0.0, 0.0}, 1e-12);
  expect_values(floor_divide(a, b), {-4, 3, 3, -4, 2, -0.0}, 1e-12);
  // Remainder of 0 takes the divisor's sign.
  array r = remainder(array({6.0f}), array({-3.0f}));
  r.eval();
  EXPECT_TRUE(std::signbit(r.data<float>()[0]));
  expect_values(remainder(array({1.0f}), array({0.0f})), {kNaN});
  expect_values(floor_divide(array({1.0f}), array({0.0f})), {kInf});
  EXPECT_THROW(remainder(array({complex64_t(1, 0)}), array({1.0f})),
               std::invalid_argument);
  EXPECT_THROW(floor_divide(array({complex64_t(1, 0)}), array({1.0f})),
               std::invalid_argument);
}

TEST(Binary, DivMod) {
  array a({-7, 7, -7, 7, 5}, int32), b({2, 2, -2, -2, 0}, int32);
  auto qr = divmod(a, b);
  ASSERT_EQ(qr.size(), 2u);
  EXPECT_EQ(qr[0].dtype(), int32);
  EXPECT_EQ(qr[1].dtype(), int32);
  expect_values(qr[0], {-4, 3, 3, -4, 0});
  expect_values(qr[1], {1, 1, -1, -1, 0});
  // q * b + r == a for floats, floor semantics, broadcasting.
  array af(values(12, -9, 9, 8), {3, 4}, float64);
  array bf({1.5, -2.25, 0.75, -0.5}, float64);
  auto [q, r] = std::pair{divmod(af, bf)[0], divmod(af, bf)[1]};
  auto av = to_vector(af), bv = to_vector(bf), qv = to_vector(q), rv = to_vector(r);
  for (int i = 0; i < 12; ++i) {
    double x = av[i], y = bv[i % 4];
    EXPECT_NEAR(qv[i], std::floor(x / y), 1e-12);
    EXPECT_NEAR(rv[i], py_mod(x, y), 1e-12);
    EXPECT_NEAR(qv[i] * y + rv[i], x, 1e-12);
  }
  // Transposed inputs, float16, by zero, empty, scalar.
  array m(values(6, -5, 5, 9), {2, 3}, float32);
  auto qt = divmod(transpose(m), array(2.0f));
  auto mv = to_vector(m);
  std::vector<double> eq, er;
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i) {
      eq.push_back(std::floor(mv[i * 3 + j] / 2));
      er.push_back(py_mod(mv[i * 3 + j], 2));
    }
  expect_values(qt[0], eq, 1e-6);
  expect_values(qt[1], er, 1e-6);
  auto qh = divmod(array({7.0f, -7.0f}, float16), array({2.0f}, float16));
  EXPECT_EQ(qh[0].dtype(), float16);
  expect_values(qh[0], {3, -4});
  expect_values(qh[1], {1, 1});
  auto qz = divmod(array({1.0f}), array({0.0f}));
  expect_values(qz[0], {kInf});
  expect_values(qz[1], {kNaN});
  auto qe = divmod(zeros_for_test({0}), zeros_for_test({0}));
  EXPECT_EQ(qe[0].shape(), (Shape{0}));
  EXPECT_EQ(to_vector(qe[1]).size(), 0u);
  auto qs = divmod(array(-7), array(2));
  EXPECT_EQ(qs[0].ndim(), 0);
  EXPECT_EQ(qs[0].item<int>(), -4);
  EXPECT_EQ(qs[1].item<int>(), 1);
  EXPECT_THROW(divmod(array({complex64_t(1, 0)}), array({1.0f})),
               std::invalid_argument);
}

TEST(Binary, Power) {
  expect_values(power(array({3, -2, 5, 2}, int32), array({4, 3, 0, -1}, int32)),
                {81, -8, 1, 0});
  EXPECT_EQ(power(array({3}, int32), array({4}, int32)).dtype(), int32);
  expect_values(power(array({2}, uint8), array({9}, uint8)), {0});  // wraps
  expect_values(power(array({3}, int64), array({39}, int64)),
                {4052555153018976267.0}, 1e-15);
  expect_values(power(array({2.0f, 4.0f}), array({0.5f, -1.0f})), {std::sqrt(2.0), 0.25});
  expect_values(power(array({true, false}), array({false, true})), {1, 0});
  array zc = power(array({complex64_t(0, 1)}), array({complex64_t(2, 0)}));
  expect_values(zc, {-1}, 1e-6);
}

TEST(Binary, MaximumMinimumNaN) {
  array a({1.0, kNaN, 3.0, -kInf}, float32), b({kNaN, 2.0, 1.0, 5.0}, float32);
  expect_values(maximum(a, b), {kNaN, kNaN, 3, 5});
  expect_values(minimum(a, b), {kNaN, kNaN, 1, -kInf});
  expect_values(maximum(array({-3, 7}, int8), array({2, -9}, int8)), {2, 7});
  expect_values(minimum(array({3u}, uint32), array({9u}, uint32)), {3});
  expect_values(maximum(array({true, false}), array({false, false})), {1, 0});
  expect_values(maximum(array({1.0f}, float16), array({kNaN}, float16)), {kNaN});
}

TEST(Binary, LogAddExpArcTan2) {
  array a({kInf, -kInf, -kInf, 1000.0, 0.0, kNaN}, float32);
  array b({kInf, -kInf, 2.0, 1000.0, -kInf, 0.0}, float32);
  expect_values(logaddexp(a, b), {kInf, -kInf, 2, 1000 + std::log(2.0), 0, kNaN},
                1e-6);
  EXPECT_EQ(logaddexp(array({1}, int32), array({2}, int32)).dtype(), float32);
  EXPECT_EQ(arctan2(array({1}, int32), array({2}, int32)).dtype(), float32);
  expect_values(arctan2(array({1.0f, -1.0f, 0.0f}), array({-1.0f, -1.0f, -1.0f})),
                {std::atan2(1.0, -1.0), std::atan2(-1.0, -1.0), M_PI});
  EXPECT_THROW(logaddexp(array({complex64_t(1, 0)}), array({1.0f})),
               std::invalid_argument);
  EXPECT_THROW(arctan2(array({complex64_t(1, 0)}), array({1.0f})),
               std::invalid_argument);
}

TEST(Binary, Comparisons) {
  using Fn = std::function<array(const array&, const array&)>;
  std::vector<std::pair<Fn, std::function<bool(double, double)>>> cases = {
      {[](const array& a, const array& b) { return a == b; },
       [](double a, double b) { return a == b; }},
      {[](const array& a, const array& b) { return a != b; },
       [](double a, double b) { return a != b; }},
      {[](const array& a, const array& b) { return a < b; },
       [](double a, double b) { return a < b; }},
      {[](const array& a, const array& b) { return a <= b; },
       [](double a, double b) { return a <= b; }},
      {[](const array& a, const array& b) { return a > b; },
       [](double a, double b) { return a > b; }},
      {[](const array& a, const array& b) { return a >= b; },
       [](double a, double b) { return a >= b; }},
  };
  std::vector<double> av = {1, 2, 3, -1, 0, 5, kNaN, 2};
  std::vector<double> bv = {1, 3, 2, -1, 1, 5, kNaN, kNaN};
  for (Dtype t : {float32, float64, float16, bfloat16, int32, uint8, int64,
                  bool_, int8, uint64}) {
    SCOPED_TRACE(dtype_name(t));
    bool flt = is_floating_point(t);
    int n = flt ? 8 : 6;
    std::vector<double> a(av.begin(), av.begin() + n), b(bv.begin(), bv.begin() + n);
    if (t == uint8 || t == uint64 || t == bool_) {
      for (auto& x : a) x = std::abs(x);
      for (auto& x : b) x = std::abs(x);
    }
    array A(a, {n}, t), B(b, {n}, t);
    auto ar = to_vector(A), br = to_vector(B);
    for (auto& [f, ref] : cases) {
      array y = f(A, B);
      EXPECT_EQ(y.dtype(), bool_);
      std::vector<double> e;
      for (int i = 0; i < n; ++i) e.push_back(ref(ar[i], br[i]));
      expect_values(y, e);
    }
  }
  // Mixed dtypes compare in the promoted type; broadcasting; strided.
  expect_values(equal(array({1, 2}, int32), array({1.0f, 2.5f})), {1, 0});
  array m({1, 2, 3, 4}, {2, 2});
  expect_values(greater(transpose(m), m), {0, 1, 0, 0});
  expect_values(less(m, array({2, 3})), {1, 1, 0, 0});
  // Complex: equality and lexicographic order.
  array z1({complex64_t(1, 2), complex64_t(1, 2), complex64_t(0, 5)});
  array z2({complex64_t(1, 2), complex64_t(1, 3), complex64_t(1, -5)});
  expect_values(equal(z1, z2), {1, 0, 0});
  expect_values(less(z1, z2), {0, 1, 1});
  expect_values(greater_equal(z1, z2), {1, 0, 0});
}

TEST(Binary, ArrayEqualIsClose) {
  array a({1.0f, float(kNaN), 3.0f});
  EXPECT_FALSE(array_equal(a, a).item<bool>());
  EXPECT_TRUE(array_equal(a, a, true).item<bool>());
  EXPECT_TRUE(array_equal(array({1, 2}, int32), array({1.0f, 2.0f})).item<bool>());
  EXPECT_FALSE(array_equal(array({1, 2}), array({1, 2, 3})).item<bool>());
  EXPECT_FALSE(array_equal(array({1, 2}), array({1, 3})).item<bool>());
  EXPECT_EQ(array_equal(array({1}), array({1})).ndim(), 0);
  EXPECT_TRUE(array_equal(zeros_for_test({0}), zeros_for_test({0})).item<bool>());
  array x({1.0, 1.0, kInf, kInf, kNaN, 0.0, 1e10}, float32);
  array y({1.0 + 1e-6, 1.1, kInf, -kInf, kNaN, 1e-9, 1.000005e10}, float32);
  expect_values(isclose(x, y), {1, 0, 1, 0, 0, 1, 1});
  expect_values(isclose(x, y, 1e-5, 1e-8, true), {1, 0, 1, 0, 1, 1, 1});
  expect_values(isclose(array({1.0f}), array({1.5f}), 0.0, 0.6), {1});
  EXPECT_EQ(isclose(array({1}), array({1})).dtype(), bool_);
  EXPECT_TRUE(allclose(array({1.0f, 2.0f}), array({1.0f, 2.000001f})).item<bool>());
  EXPECT_FALSE(allclose(x, y).item<bool>());
  EXPECT_TRUE(allclose(array({kNaN}), array({kNaN}), 1e-5, 1e-8, true).item<bool>());
}

TEST(Binary, LogicalOps) {
  array a({true, true, false, false}), b({true, false, true, false});
  expect_values(logical_and(a, b), {1, 0, 0, 0});
  expect_values(logical_or(a, b), {1, 1, 1, 0});
  expect_values(logical_xor(a, b), {0, 1, 1, 0});
  expect_values(a && b, {1, 0, 0, 0});
  expect_values(a || b, {1, 1, 1, 0});
  // Inputs are cast to bool.
  array x({2.0f, 0.0f, -1.0f}), y({0, 3, 4}, int32);
  expect_values(logical_and(x, y), {0, 0, 1});
  expect_values(logical_xor(x, y), {1, 1, 0});
  EXPECT_EQ(logical_or(x, y).dtype(), bool_);
  expect_values(logical_and(array({true}), a), {1, 1, 0, 0});
}

TEST(Binary, BitwiseAndShifts) {
  array a({12, -1, 5}, int32), b({10, 7, 0}, int32);
  expect_values(bitwise_and(a, b), {8, 7, 0});
  expect_values(bitwise_or(a, b), {14, -1, 5});
  expect_values(bitwise_xor(a, b), {6, -8, 5});
  expect_values(a & b, {8, 7, 0});
  expect_values(a | 1, {13, -1, 5});
  expect_values(a ^ b, {6, -8, 5});
  expect_values(bitwise_and(array({true, true}), array({true, false})), {1, 0});
  EXPECT_EQ(bitwise_or(array({true}), array({false})).dtype(), bool_);
  EXPECT_EQ(bitwise_or(array({1}, uint8), array({1}, int8)).dtype(), int16);
  expect_values(left_shift(array({1, 3, -1}, int32), array({4, 1, 2}, int32)),
                {16, 6, -4});
  expect_values(right_shift(array({16, -16, 7}, int32), array({2, 2, 1}, int32)),
                {4, -4, 3});
  expect_values(array({1}, uint8) << array({7}, uint8), {128});
  expect_values(array({255}, uint8) >> 4, {15});
  // Shift counts >= width or negative give 0 (or -1 for negative >>).
  expect_values(left_shift(array({1, 1}, int32), array({32, -1}, int32)), {0, 0});
  expect_values(right_shift(array({-8, 8}, int32), array({40, 40}, int32)), {-1, 0});
  expect_values(left_shift(array({1}, uint8), array({8}, uint8)), {0});
  // bool inputs become uint8.
  array bs = left_shift(array({true}), array({true}));
  EXPECT_EQ(bs.dtype(), uint8);
  expect_values(bs, {2});
  for (auto f : std::vector<std::function<array(const array&, const array&)>>{
           [](const array& x, const array& y) { return bitwise_and(x, y); },
           [](const array& x, const array& y) { return bitwise_or(x, y); },
           [](const array& x, const array& y) { return bitwise_xor(x, y); },
           [](const array& x, const array& y) { return left_shift(x, y); },
           [](const array& x, const array& y) { return right_shift(x, y); }}) {
    EXPECT_THROW(f(array({1.0f}), array({1}, int32)), std::runtime_error);
    EXPECT_THROW(f(array({1}, int32), array({1.0}, float64)), std::runtime_error);
    EXPECT_THROW(f(array({complex64_t(1, 0)}), array({1}, int32)),
                 std::runtime_error);
  }
}

// ---- derivatives against central finite differences (float64) ----

TEST(Binary, GradientsFiniteDifferences) {
  for (auto& c : float_cases()) {
    SCOPED_TRACE(c.name);
    auto av = values(6, c.lo_a, c.hi_a, 11), bv = values(6, c.lo_b, c.hi_b, 12);
    array a(av, {2, 3}, float64), b(bv, {2, 3}, float64);
    auto ta = values(6, -1, 1, 13), tb = values(6, -1, 1, 14);
    auto fn = [&](const std::vector<array>& xs) {
      return std::vector<array>{c.op(xs[0], xs[1])};
    };
    auto [outs, jt] = jvp(fn, {a, b}, {array(ta, {2, 3}, float64),
                                       array(tb, {2, 3}, float64)});
    std::vector<double> fd, fa, fb;
    double eps = 1e-6;
    for (int i = 0; i < 6; ++i) {
      auto d = [&](double da, double db) {
        return (c.ref(av[i] + eps * da, bv[i] + eps * db) -
                c.ref(av[i] - eps * da, bv[i] - eps * db)) / (2 * eps);
      };
      fd.push_back(c.differentiable ? d(ta[i], tb[i]) : 0);
      fa.push_back(c.differentiable ? d(1, 0) : 0);
      fb.push_back(c.differentiable ? d(0, 1) : 0);
    }
    expect_values(jt[0], fd, 1e-5);
    auto [outs2, g] = vjp(fn, {a, b}, {array(std::vector<double>(6, 1.0), {2, 3},
                                             float64)});
    ASSERT_EQ(g.size(), 2u);
    expect_values(g[0], fa, 1e-5);
    expect_values(g[1], fb, 1e-5);
  }
}

TEST(Binary, GradientConventions) {
  auto f = [](const std::vector<array>& xs) {
    return std::vector<array>{maximum(xs[0], xs[1]), minimum(xs[0], xs[1])};
  };
  array a({1.0f, 2.0f, 3.0f}), b({1.0f, 5.0f, 0.0f});
  array ones({1.0f, 1.0f, 1.0f}), zero({0.0f, 0.0f, 0.0f});
  // Ties give the whole gradient to the first argument.
  auto [o1, gmax] = vjp(f, {a, b}, {ones, zero});
  expect_values(gmax[0], {1, 0, 1});
  expect_values(gmax[1], {0, 1, 0});
  auto [o2, gmin] = vjp(f, {a, b}, {zero, ones});
  expect_values(gmin[0], {1, 1, 0});
  expect_values(gmin[1], {0, 0, 1});
  // power at x = 0: d/dx 0^0 = 0, d/dy 0^y = 0 (log 0 replaced).
  auto p = [](const std::vector<array>& xs) {
    return std::vector<array>{power(xs[0], xs[1])};
  };
  auto [o3, gp] = vjp(p, {array({0.0f, 0.0f}), array({0.0f, 2.0f})},
                      {array({1.0f, 1.0f})});
  expect_values(gp[0], {0, 0});
  expect_values(gp[1], {0, 0});
  // Comparisons and bitwise ops have zero gradients.
  auto cmp = [](const std::vector<array>& xs) {
    return std::vector<array>{astype(less(xs[0], xs[1]), float32)};
  };
  auto [o4, gc] = vjp(cmp, {a, b}, {ones});
  expect_values(gc[0], {0, 0, 0});
  // divmod: gradient flows through the remainder.
  auto dm = [](const std::vector<array>& xs) {
    return std::vector<array>{divmod(xs[0], xs[1])[1]};
  };
  auto [o5, gd] = vjp(dm, {array({7.0f, -7.0f}), array({2.0f, 2.0f})},
                      {array({1.0f, 1.0f})});
  expect_values(gd[0], {1, 1});
  expect_values(gd[1], {-3, 4});
  auto [o6, td] = jvp(dm, {array({7.0f}), array({2.0f})},
                      {array({1.0f}), array({1.0f})});
  expect_values(td[0], {1 - 3});
}

TEST(Binary, Vmap) {
  array a(values(6, 0.5, 2, 21), {2, 3}, float32);
  array b(values(6, 0.5, 2, 22), {3, 2}, float32);
  array v(values(3, 0.5, 2, 23), {3}, float32);
  auto avv = to_vector(a), bvv = to_vector(b), vv = to_vector(v);
  for (auto& c : float_cases()) {
    SCOPED_TRACE(c.name);
    // a mapped on axis 0, b on axis 1: y[i, j] = f(a[i, j], b[j, i]).
    auto f = vmap(c.op, 0, 1, 0);
    array y = f(a, b);
    EXPECT_EQ(y.shape(), (Shape{2, 3}));
    std::vector<double> e;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) e.push_back(c.ref(avv[i * 3 + j], bvv[j * 2 + i]));
    expect_values(y, e, 1e-5);
    // Second input not mapped.
    auto g = vmap(c.op, 0, std::nullopt, 0);
    std::vector<double> e2;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) e2.push_back(c.ref(avv[i * 3 + j], vv[j]));
    expect_values(g(a, v), e2, 1e-5);
    // Output batch axis moved to the end.
    auto h = vmap(c.op, 1, 0, 1);
    array z = h(a, b);  // z[j, i] -> mapped over columns of a / rows of b
    EXPECT_EQ(z.shape(), (Shape{2, 3}));
  }
  auto d = vmap(
      [](const std::vector<array>& xs) { return divmod(xs[0], xs[1]); },
      {0, std::nullopt}, {0, 1});
  auto qr = d({array({7, -7, 9, 4}, {2, 2}, int32), array({2, 4}, int32)});
  expect_values(qr[0], {3, -2, 4, 1});
  EXPECT_EQ(qr[1].shape(), (Shape{2, 2}));
  expect_values(qr[1], {1, 1, 1, 0});
  auto cmpf = vmap([](const array& x, const array& y) { return x < y; }, 1, 0);
  expect_values(cmpf(array({1, 5, 3, 2}, {2, 2}, int32), array({2, 2, 2, 2}, {2, 2}, int32)),
                {1, 0, 0, 0});
}
