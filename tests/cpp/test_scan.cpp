// Cumulative ops: cumsum, cumprod, cummax, cummin, logcumsumexp.
// References are plain double loops.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "ember/ember.h"
#include "test_utils.h"

using namespace ember;

namespace {

std::vector<double> random_values(size_t n, unsigned seed, double lo = -2.0,
                                  double hi = 2.0) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

array make(const std::vector<double>& v, Shape shape, Dtype dtype = float32) {
  return array(v, std::move(shape), dtype);
}

// Scan of row-major data of `shape` along `axis` with `op` from `init`.
std::vector<double> ref_scan(const std::vector<double>& x, const Shape& shape,
                             int axis, bool reverse, bool inclusive,
                             double init,
                             const std::function<double(double, double)>& op) {
  int nd = int(shape.size());
  int64_t n = shape[axis], inner = 1, outer = 1;
  for (int i = axis + 1; i < nd; ++i) inner *= shape[i];
  for (int i = 0; i < axis; ++i) outer *= shape[i];
  std::vector<double> out(x.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      double acc = init;
      for (int64_t k = 0; k < n; ++k) {
        int64_t i = reverse ? n - 1 - k : k;
        size_t p = size_t((o * n + i) * inner + j);
        if (inclusive) {
          acc = op(acc, x[p]);
          out[p] = acc;
        } else {
          out[p] = acc;
          acc = op(acc, x[p]);
        }
      }
    }
  }
  return out;
}

double add_op(double a, double b) { return a + b; }
double mul_op(double a, double b) { return a * b; }
double max_op(double a, double b) { return (std::isnan(a) || a > b) ? a : b; }
double min_op(double a, double b) { return (std::isnan(a) || a < b) ? a : b; }
double lae_op(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

}  // namespace

TEST(Scan, AllOpsAxesDirections) {
  Shape shape{3, 4, 5};
  auto v = random_values(60, 1, 0.5, 1.5);
  array a = make(v, shape);
  for (int axis = 0; axis < 3; ++axis) {
    for (bool rev : {false, true}) {
      for (bool inc : {true, false}) {
        expect_values(cumsum(a, axis, rev, inc),
                      ref_scan(v, shape, axis, rev, inc, 0.0, add_op), 1e-5);
        expect_values(cumprod(a, axis, rev, inc),
                      ref_scan(v, shape, axis, rev, inc, 1.0, mul_op), 1e-5);
        if (inc) {
          expect_values(cummax(a, axis, rev, inc),
                        ref_scan(v, shape, axis, rev, inc, -INFINITY, max_op));
          expect_values(cummin(a, axis, rev, inc),
                        ref_scan(v, shape, axis, rev, inc, INFINITY, min_op));
        }
        expect_values(logcumsumexp(a, axis, rev, inc),
                      ref_scan(v, shape, axis, rev, inc, -INFINITY, lae_op), 1e-5);
      }
    }
  }
  // Exclusive cummax starts from the dtype's lowest value.
  expect_values(cummax(make({1, 3, 2}, {3}), 0, false, false), {-INFINITY, 1, 3});
  expect_values(cummin(make({1, 3, 0}, {3}), 0, true, false), {0, 0, INFINITY});
  // Negative axis; axis None flattens.
  expect_values(cumsum(a, -1), ref_scan(v, shape, 2, false, true, 0.0, add_op), 1e-5);
  array flat = cumsum(a);
  EXPECT_EQ(flat.shape(), (Shape{60}));
  expect_values(flat, ref_scan(v, {60}, 0, false, true, 0.0, add_op), 1e-5);
  EXPECT_EQ(cumprod(a, true).shape(), (Shape{60}));
  EXPECT_EQ(cummax(a).shape(), (Shape{60}));
  EXPECT_EQ(logcumsumexp(array(1.0f)).shape(), (Shape{1}));
}

TEST(Scan, NonContiguousAndLarge) {
  auto v = random_values(6 * 7, 2);
  array a = make(v, {6, 7});
  std::vector<double> tv(v.size());
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 7; ++j) tv[j * 6 + i] = v[i * 7 + j];
  }
  array t = transpose(a);
  expect_values(cumsum(t, 1), ref_scan(tv, {7, 6}, 1, false, true, 0.0, add_op), 1e-5);
  expect_values(cummax(t, 0, true), ref_scan(tv, {7, 6}, 0, true, true, -INFINITY, max_op));
  array b = broadcast_to(make({1, 2, 3}, {3, 1}), {3, 4});
  expect_values(cumsum(b, 1), {1, 2, 3, 4, 2, 4, 6, 8, 3, 6, 9, 12});
  expect_values(cumsum(b, 0), {1, 1, 1, 1, 3, 3, 3, 3, 6, 6, 6, 6});
  // Large enough to run in parallel (rows and inner blocks).
  const int n = 1 << 16;
  std::vector<double> ones(size_t(n) * 4, 1.0);
  array big = make(ones, {4, n});
  auto r = to_vector(cumsum(big, 1));
  EXPECT_DOUBLE_EQ(r[n - 1], n);
  EXPECT_DOUBLE_EQ(r[4 * n - 1], n);
  array big2 = make(ones, {n, 4});
  auto r2 = to_vector(cumsum(big2, 0, true));
  EXPECT_DOUBLE_EQ(r2[0], n);
  EXPECT_DOUBLE_EQ(r2[4 * n - 1], 1);
}

TEST(Scan, DtypesAndNan) {
  array b({true, false, true, true});
  EXPECT_EQ(cumsum(b).dtype(), int32);
  expect_values(cumsum(b), {1, 1, 2, 3});
  EXPECT_EQ(cumprod(b).dtype(), int32);
  expect_values(cumprod(b), {1, 0, 0, 0});
  EXPECT_EQ(cummax(b).dtype(), bool_);
  expect_values(cummax(b), {1, 1, 1, 1});
  expect_values(cummin(b), {1, 0, 0, 0});
  array i8({int8_t(100), int8_t(100)}, int8);
  EXPECT_EQ(cumsum(i8).dtype(), int8);  // no widening for integers
  EXPECT_EQ(cumsum(i8, 0, false, true, int32).dtype(), int32);
  expect_values(cumsum(i8, 0, false, true, int32), {100, 200});
  expect_values(cumsum(make({1.5, 2.5}, {2}), 0, false, true, int32), {1, 3});
  array u({uint32_t(5), uint32_t(3), uint32_t(9)}, uint32);
  expect_values(cummin(u), {5, 3, 3});
  expect_values(cumprod(u), {5, 15, 135});
  array i({3, -1, 4}, int32);
  EXPECT_EQ(logcumsumexp(i).dtype(), float32);
  for (Dtype dt : {float16, bfloat16, float64}) {
    array h = make({0.5, 1.0, 1.5, 2.0}, {4}, dt);
    EXPECT_EQ(cumsum(h).dtype(), dt);
    double tol = dt == float64 ? 1e-12 : 1e-2;
    expect_values(cumsum(h), {0.5, 1.5, 3.0, 5.0}, tol);
    expect_values(cumprod(h), {0.5, 0.5, 0.75, 1.5}, tol);
    expect_values(cummax(make({1, 3, 2, 4}, {4}, dt)), {1, 3, 3, 4}, tol);
    expect_values(logcumsumexp(h, 0, true),
                  ref_scan({0.5, 1.0, 1.5, 2.0}, {4}, 0, true, true, -INFINITY, lae_op),
                  tol);
  }
  array c(std::vector<complex64_t>{{1, 1}, {2, -1}}, {2});
  auto cs = cumsum(c);
  EXPECT_EQ(cs.dtype(), complex64);
  EXPECT_FLOAT_EQ(take(cs, 1).item<complex64_t>().real(), 3.0f);
  array n = make({1, NAN, 3}, {3});
  expect_values(cummax(n), {1, NAN, NAN});
  expect_values(cummin(n), {1, NAN, NAN});
  expect_values(cumsum(n), {1, NAN, NAN});
  expect_values(logcumsumexp(make({-INFINITY, -INFINITY, 0}, {3})),
                {-INFINITY, -INFINITY, 0});
  expect_values(logcumsumexp(make({INFINITY, 0}, {2})), {INFINITY, INFINITY});
  expect_values(logcumsumexp(make({1000, 1000}, {2})), {1000, 1000 + std::log(2.0)},
                1e-6);
}

TEST(Scan, EmptyAndErrors) {
  array e = zeros_for_test({0, 3});
  EXPECT_EQ(cumsum(e, 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(cumprod(e, 1).shape(), (Shape{0, 3}));
  eval(cumsum(e, 0), cummax(e, 1), logcumsumexp(e, 0));
  EXPECT_EQ(cumsum(zeros_for_test({0})).shape(), (Shape{0}));
  array a = zeros_for_test({2, 3});
  EXPECT_THROW(cumsum(a, 2), std::out_of_range);
  EXPECT_THROW(cumprod(a, -3), std::out_of_range);
  EXPECT_THROW(cummax(a, 5), std::out_of_range);
  EXPECT_THROW(cummin(array(1.0f), 0), std::invalid_argument);
  EXPECT_THROW(logcumsumexp(a, 3), std::out_of_range);
  array c(std::vector<complex64_t>{{1, 1}}, {1});
  EXPECT_THROW(logcumsumexp(c), std::invalid_argument);
}

namespace {
void check_grads(const std::function<array(const array&)>& f, const array& x,
                 double tol = 1e-6) {
  array y = f(x);
  auto tv = random_values(x.size(), 21);
  auto cv = random_values(y.size(), 22);
  array t = make(tv, x.shape(), float64);
  array c = make(cv, y.shape(), float64);
  const double eps = 1e-6;
  auto xv = to_vector(x);
  std::vector<double> xp(xv), xm(xv);
  for (size_t i = 0; i < xv.size(); ++i) {
    xp[i] += eps * tv[i];
    xm[i] -= eps * tv[i];
  }
  auto fp = to_vector(f(make(xp, x.shape(), float64)));
  auto fm = to_vector(f(make(xm, x.shape(), float64)));
  std::vector<double> fd(fp.size());
  for (size_t i = 0; i < fd.size(); ++i) {
    // Exclusive scans start at a constant (+-inf for max/min/logaddexp).
    bool constant = std::isinf(fp[i]) && fp[i] == fm[i];
    fd[i] = constant ? 0.0 : (fp[i] - fm[i]) / (2 * eps);
  }
  auto [out, jv] = jvp(f, x, t);
  expect_values(jv, fd, tol);
  auto [out2, vj] = vjp(f, x, c);
  auto g = to_vector(vj);
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < g.size(); ++i) lhs += g[i] * tv[i];
  for (size_t i = 0; i < fd.size(); ++i) rhs += cv[i] * fd[i];
  EXPECT_NEAR(lhs, rhs, tol * (1 + std::abs(rhs)));
}
}  // namespace

TEST(Scan, Gradients) {
  auto v = random_values(12, 23, 0.5, 2.0);
  array x = make(v, {3, 4}, float64);
  for (int axis : {0, 1}) {
    for (bool rev : {false, true}) {
      for (bool inc : {true, false}) {
        check_grads([=](const array& a) { return cumsum(a, axis, rev, inc); }, x);
        check_grads([=](const array& a) { return cumprod(a, axis, rev, inc); }, x);
        check_grads([=](const array& a) { return cummax(a, axis, rev, inc); }, x);
        check_grads([=](const array& a) { return cummin(a, axis, rev, inc); }, x);
        check_grads([=](const array& a) { return logcumsumexp(a, axis, rev, inc); },
                    x);
      }
    }
  }
}

// Cumprod gradients are exact where inputs are 0: one zero, several zeros
// (adjacent and not) in one row, checked elementwise against finite
// differences for every direction / inclusivity.
TEST(Scan, CumprodGradientsWithZeros) {
  auto v = random_values(18, 31, 0.5, 2.0);
  for (int k : {1, 6, 9, 13, 14, 17}) v[k] = 0.0;  // rows: 1, 2, 3 zeros
  array x = make(v, {3, 6}, float64);
  const double eps = 1e-6;
  for (int axis : {0, 1}) {
    for (bool rev : {false, true}) {
      for (bool inc : {true, false}) {
        auto f = [=](const array& a) { return cumprod(a, axis, rev, inc); };
        SCOPED_TRACE("axis " + std::to_string(axis) + " reverse " +
                     std::to_string(rev) + " inclusive " + std::to_string(inc));
        check_grads(f, x);
        auto cv = random_values(18, 32);
        array c = make(cv, x.shape(), float64);
        auto [out, g] = vjp(f, x, c);
        auto gv = to_vector(g);
        std::vector<double> fd(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
          auto xp = v, xm = v;
          xp[i] += eps;
          xm[i] -= eps;
          auto fp = to_vector(f(make(xp, x.shape(), float64)));
          auto fm = to_vector(f(make(xm, x.shape(), float64)));
          for (size_t j = 0; j < fp.size(); ++j) {
            fd[i] += cv[j] * (fp[j] - fm[j]) / (2 * eps);
          }
        }
        for (double d : gv) EXPECT_TRUE(std::isfinite(d));
        expect_values(g, fd, 1e-6);
        // Tangents along single zero coordinates.
        for (int k : {1, 9, 14}) {
          std::vector<double> tv(18, 0.0);
          tv[k] = 1.0;
          auto [o, jv] = jvp(f, x, make(tv, x.shape(), float64));
          auto xp = v, xm = v;
          xp[k] += eps;
          xm[k] -= eps;
          auto fp = to_vector(f(make(xp, x.shape(), float64)));
          auto fm = to_vector(f(make(xm, x.shape(), float64)));
          std::vector<double> want(fp.size());
          for (size_t j = 0; j < fp.size(); ++j) want[j] = (fp[j] - fm[j]) / (2 * eps);
          expect_values(jv, want, 1e-6);
        }
      }
    }
  }
}

// cummax / cummin propagate NaN; its gradient goes to the NaN that produced
// each output (the latest one, as for ties).
TEST(Scan, CumMaxMinGradientFollowsNan) {
  double nan = std::nan("");
  array x = make({1.0, nan, 3.0, nan, 0.0}, {5}, float64);
  array c = make({1.0, 1.0, 1.0, 1.0, 1.0}, {5}, float64);
  for (bool is_max : {true, false}) {
    auto f = [=](const array& a) { return is_max ? cummax(a) : cummin(a); };
    auto [o, g] = vjp(f, x, c);
    expect_values(g, {1.0, 2.0, 0.0, 2.0, 0.0});
    auto [o2, jv] = jvp(f, x, make({1.0, 2.0, 3.0, 4.0, 5.0}, {5}, float64));
    expect_values(jv, {1.0, 2.0, 2.0, 4.0, 4.0});
    auto [o3, gr] = vjp([=](const array& a) { return is_max ? cummax(a, 0, true)
                                                             : cummin(a, 0, true); },
                        x, c);
    expect_values(gr, {0.0, 2.0, 0.0, 2.0, 1.0});
  }
}

TEST(Scan, Vmap) {
  auto v = random_values(24, 24);
  array x = make(v, {3, 2, 4});
  auto check = [&](const std::function<array(const array&)>& f, int in_axis) {
    array batched = vmap(f, in_axis, 0)(x);
    for (int i = 0; i < x.shape(in_axis); ++i) {
      expect_values(take(batched, i, 0), to_vector(f(take(x, i, in_axis))), 1e-5);
    }
  };
  for (int ax : {0, 1, 2}) {
    check([](const array& a) { return cumsum(a, 1); }, ax);
    check([](const array& a) { return cumprod(a, 0, true); }, ax);
    check([](const array& a) { return cummax(a, -1, false, false); }, ax);
    check([](const array& a) { return cummin(a); }, ax);
    check([](const array& a) { return logcumsumexp(a, 0); }, ax);
  }
}
