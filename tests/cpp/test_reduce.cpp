// Reductions, argmax/argmin, softmax, logsumexp, median, var/std.
// References are plain double loops over the logical index space.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
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

// Reference fold over `axes` of row-major data of `shape`; keepdims shape.
std::vector<double> ref_reduce(
    const std::vector<double>& x, const Shape& shape, std::vector<int> axes,
    double init, const std::function<double(double, double)>& op) {
  int nd = int(shape.size());
  for (auto& a : axes) a = a < 0 ? a + nd : a;
  Shape oshape = shape;
  for (int a : axes) oshape[a] = 1;
  size_t osize = 1;
  for (auto d : oshape) osize *= d;
  std::vector<double> out(osize, init);
  std::vector<int> idx(nd, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    size_t o = 0;
    for (int d = 0; d < nd; ++d) o = o * oshape[d] + (oshape[d] == 1 ? 0 : idx[d]);
    out[o] = op(out[o], x[i]);
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

double add_op(double a, double b) { return a + b; }
double mul_op(double a, double b) { return a * b; }
double max_op(double a, double b) {
  return (std::isnan(a) || a > b) ? a : (std::isnan(b) ? b : b);
}
double min_op(double a, double b) {
  return (std::isnan(a) || a < b) ? a : b;
}

// Every subset of {0, ..., nd-1}.
std::vector<std::vector<int>> all_subsets(int nd) {
  std::vector<std::vector<int>> out;
  for (int m = 1; m < (1 << nd); ++m) {
    std::vector<int> s;
    for (int i = 0; i < nd; ++i) {
      if (m & (1 << i)) s.push_back(i);
    }
    out.push_back(s);
  }
  return out;
}

// Row-major values of a transposed (2-D) matrix.
std::vector<double> transpose_ref(const std::vector<double>& v, int r, int c) {
  std::vector<double> t(v.size());
  for (int i = 0; i < r; ++i) {
    for (int j = 0; j < c; ++j) t[j * r + i] = v[i * c + j];
  }
  return t;
}

}  // namespace

TEST(Reduce, SumAllAxisSubsets) {
  Shape shape{3, 4, 5};
  auto v = random_values(60, 1);
  array a = make(v, shape);
  for (auto& axes : all_subsets(3)) {
    auto ref = ref_reduce(v, shape, axes, 0.0, add_op);
    expect_values(sum(a, axes, true), ref, 1e-5);
    array b = sum(a, axes, false);
    EXPECT_EQ(b.ndim(), 3 - int(axes.size()));
    expect_values(b, ref, 1e-5);
  }
  expect_values(sum(a), {std::accumulate(v.begin(), v.end(), 0.0)}, 1e-5);
  EXPECT_EQ(sum(a).ndim(), 0);
  EXPECT_EQ(sum(a, true).shape(), (Shape{1, 1, 1}));
  expect_values(sum(a, -1), ref_reduce(v, shape, {2}, 0.0, add_op), 1e-5);
}

TEST(Reduce, MaxMinProdAllAxisSubsets) {
  Shape shape{2, 3, 4, 2};
  auto v = random_values(48, 2, 0.5, 1.5);
  array a = make(v, shape);
  for (auto& axes : all_subsets(4)) {
    expect_values(max(a, axes, true),
                  ref_reduce(v, shape, axes, -INFINITY, max_op), 1e-6);
    expect_values(min(a, axes), ref_reduce(v, shape, axes, INFINITY, min_op),
                  1e-6);
    expect_values(prod(a, axes), ref_reduce(v, shape, axes, 1.0, mul_op), 1e-5);
  }
}

TEST(Reduce, NonContiguousInputs) {
  auto v = random_values(6 * 7, 3);
  array a = make(v, {6, 7});
  auto tv = transpose_ref(v, 6, 7);  // (7, 6)
  array t = transpose(a);
  for (auto& axes : all_subsets(2)) {
    expect_values(sum(t, axes), ref_reduce(tv, {7, 6}, axes, 0.0, add_op), 1e-5);
    expect_values(max(t, axes), ref_reduce(tv, {7, 6}, axes, -INFINITY, max_op));
  }
  // Strided slice a[1:5:2, ::3].
  array sl = slice(a, Shape{1, 0}, Shape{5, 7}, Shape{2, 3});
  std::vector<double> sv;
  for (int i = 1; i < 5; i += 2) {
    for (int j = 0; j < 7; j += 3) sv.push_back(v[i * 7 + j]);
  }
  expect_values(sum(sl, 0), ref_reduce(sv, {2, 3}, {0}, 0.0, add_op), 1e-5);
  expect_values(sum(sl, 1), ref_reduce(sv, {2, 3}, {1}, 0.0, add_op), 1e-5);
  // Broadcast view: (4, 1) -> (4, 5).
  array col = make({1, 2, 3, 4}, {4, 1});
  array bc = broadcast_to(col, {4, 5});
  expect_values(sum(bc, 1), {5, 10, 15, 20});
  expect_values(sum(bc, 0), {10, 10, 10, 10, 10});
  expect_values(prod(bc), {std::pow(24.0, 5)}, 1e-5);
}

TEST(Reduce, LargeRowColumnAndFullReductions) {
  // Exercise the parallel split paths (few outputs, long reductions).
  const int n = 1 << 18;
  std::vector<float> ones(size_t(n) * 3, 1.0f);
  for (size_t i = 0; i < ones.size(); ++i) ones[i] = float(i % 7);
  std::vector<double> v(ones.begin(), ones.end());
  array a(ones, {n, 3});
  expect_values(sum(a, 0), ref_reduce(v, {n, 3}, {0}, 0.0, add_op), 1e-6);
  array b(ones, {3, n});
  expect_values(sum(b, 1), ref_reduce(v, {3, n}, {1}, 0.0, add_op), 1e-6);
  expect_values(sum(b), {ref_reduce(v, {3, n}, {0, 1}, 0.0, add_op)[0]}, 1e-6);
  expect_values(max(b, 1), {6, 6, 6});
  // Many outputs, short rows; and a middle axis.
  array c(ones, {n / 4, 4, 3});
  expect_values(sum(c, 1), ref_reduce(v, {n / 4, 4, 3}, {1}, 0.0, add_op));
  expect_values(sum(c, {0, 2}), ref_reduce(v, {n / 4, 4, 3}, {0, 2}, 0.0, add_op),
                1e-6);
}

TEST(Reduce, SumProdDtypeWidening) {
  array i8({100, 100, 100}, int8);
  EXPECT_EQ(sum(i8).dtype(), int32);
  EXPECT_EQ(sum(i8).item<int32_t>(), 300);
  EXPECT_EQ(prod(i8).item<int32_t>(), 1000000);
  array u8({200, 200}, uint8);
  EXPECT_EQ(sum(u8).dtype(), uint32);
  EXPECT_EQ(sum(u8).item<uint32_t>(), 400u);
  array b({true, true, false, true});
  EXPECT_EQ(sum(b).dtype(), int32);
  EXPECT_EQ(sum(b).item<int32_t>(), 3);
  array i64({int64_t(1) << 40, int64_t(1) << 40});
  EXPECT_EQ(sum(i64).dtype(), int64);
  EXPECT_EQ(sum(i64).item<int64_t>(), int64_t(1) << 41);
  array u64({uint64_t(3), uint64_t(4)});
  EXPECT_EQ(prod(u64).dtype(), uint64);
  EXPECT_EQ(prod(u64).item<uint64_t>(), 12u);
  array i16({int16_t(-3), int16_t(5)}, int16);
  EXPECT_EQ(sum(i16).dtype(), int32);
  EXPECT_EQ(sum(i16).item<int32_t>(), 2);
  // Floats keep their dtype and accumulate in float.
  auto v = random_values(1000, 4, 0.0, 1.0);
  double ref = std::accumulate(v.begin(), v.end(), 0.0);
  for (Dtype dt : {float16, bfloat16}) {
    array h = make(v, {1000}, dt);
    EXPECT_EQ(sum(h).dtype(), dt);
    double r = 0;
    for (double x : to_vector(h)) r += x;
    expect_values(sum(h), {r}, 1e-2);
    expect_values(mean(h), {r / 1000}, 1e-2);
  }
  array d = make(v, {1000}, float64);
  EXPECT_EQ(sum(d).dtype(), float64);
  expect_values(sum(d), {ref}, 1e-12);
  array c(std::vector<complex64_t>{{1, 2}, {3, -1}}, {2});
  EXPECT_EQ(sum(c).dtype(), complex64);
  auto cs = sum(c).item<complex64_t>();
  EXPECT_FLOAT_EQ(cs.real(), 4.0f);
  EXPECT_FLOAT_EQ(cs.imag(), 1.0f);
  // Empty axis list: no-op without widening.
  EXPECT_EQ(sum(i8, std::vector<int>{}).dtype(), int8);
}

TEST(Reduce, MaxMinNanAndDtypes) {
  array a({1.0f, NAN, 3.0f, 2.0f}, {2, 2});
  expect_values(max(a, 1), {NAN, 3.0});
  expect_values(min(a, 0), {1.0, NAN});
  expect_values(max(a), {NAN});
  array i({-5, 7, 3}, int32);
  EXPECT_EQ(max(i).dtype(), int32);
  EXPECT_EQ(max(i).item<int32_t>(), 7);
  EXPECT_EQ(min(i).item<int32_t>(), -5);
  array u({uint8_t(9), uint8_t(250), uint8_t(0)}, uint8);
  EXPECT_EQ(max(u).item<uint8_t>(), 250);
  EXPECT_EQ(min(u).item<uint8_t>(), 0);
  array b({false, true, false});
  EXPECT_EQ(max(b).dtype(), bool_);
  EXPECT_TRUE(max(b).item<bool>());
  EXPECT_FALSE(min(b).item<bool>());
  for (Dtype dt : {float16, bfloat16, float64}) {
    array h = make({0.5, -1.25, 3.5, 2.0}, {4}, dt);
    EXPECT_EQ(max(h).dtype(), dt);
    expect_values(max(h), {3.5});
    expect_values(min(h), {-1.25});
  }
  array inf = make({-INFINITY, -INFINITY}, {2});
  expect_values(max(inf), {-INFINITY});
}

TEST(Reduce, AllAnyCountNonzero) {
  array a({1.0f, 0.0f, 2.0f, 3.0f, 0.0f, 0.0f}, {2, 3});
  EXPECT_EQ(all(a).dtype(), bool_);
  EXPECT_FALSE(all(a).item<bool>());
  EXPECT_TRUE(any(a).item<bool>());
  expect_values(all(a, 0), {1, 0, 0});
  expect_values(any(a, 1), {1, 1});
  expect_values(any(a, 0, true), {1, 0, 1});
  EXPECT_EQ(any(a, 0, true).shape(), (Shape{1, 3}));
  EXPECT_EQ(count_nonzero(a).dtype(), int32);
  EXPECT_EQ(count_nonzero(a).item<int32_t>(), 3);
  expect_values(count_nonzero(a, 1), {2, 1});
  expect_values(count_nonzero(a, std::vector<int>{}), {1, 0, 1, 1, 0, 0});
  EXPECT_EQ(count_nonzero(a, std::vector<int>{}).dtype(), int32);
  EXPECT_EQ(all(a, std::vector<int>{}).dtype(), bool_);
  array nan = make({NAN}, {1});
  EXPECT_TRUE(all(nan).item<bool>());  // NaN is nonzero
  array e = zeros_for_test({0, 3});
  EXPECT_TRUE(all(e).item<bool>());
  EXPECT_FALSE(any(e).item<bool>());
  expect_values(all(e, 0), {1, 1, 1});
}

TEST(Reduce, EmptyAndScalar) {
  array e = zeros_for_test({0, 3});
  expect_values(sum(e, 0), {0, 0, 0});
  EXPECT_EQ(sum(e, 1).shape(), (Shape{0}));
  expect_values(prod(e, 0), {1, 1, 1});
  expect_values(sum(e), {0});
  expect_values(mean(e, 0), {NAN, NAN, NAN});
  EXPECT_EQ(max(e, 1).shape(), (Shape{0}));
  EXPECT_THROW(max(e), std::invalid_argument);
  EXPECT_THROW(min(e, 0), std::invalid_argument);
  array s(2.5f);
  EXPECT_FLOAT_EQ(sum(s).item<float>(), 2.5f);
  EXPECT_FLOAT_EQ(max(s).item<float>(), 2.5f);
  EXPECT_FLOAT_EQ(mean(s).item<float>(), 2.5f);
  EXPECT_EQ(argmax(s).item<uint32_t>(), 0u);
  EXPECT_EQ(sum(s, true).ndim(), 0);
}

TEST(Reduce, Errors) {
  array a = zeros_for_test({2, 3});
  EXPECT_THROW(sum(a, 2), std::out_of_range);
  EXPECT_THROW(sum(a, -3), std::out_of_range);
  EXPECT_THROW(max(a, {0, 0}), std::invalid_argument);
  EXPECT_THROW(mean(a, {1, -1}), std::invalid_argument);
  EXPECT_THROW(argmax(a, 5), std::out_of_range);
  EXPECT_THROW(argmin(zeros_for_test({0})), std::invalid_argument);
  EXPECT_THROW(argmax(zeros_for_test({2, 0}), 1), std::invalid_argument);
  EXPECT_THROW(var(a, 3), std::out_of_range);
  EXPECT_THROW(logsumexp(a, {4}), std::out_of_range);
  EXPECT_THROW(softmax(a, 2), std::out_of_range);
  EXPECT_THROW(median(a, -4), std::out_of_range);
  array c(std::vector<complex64_t>{{1, 2}}, {1});
  EXPECT_THROW(logsumexp(c), std::invalid_argument);
  EXPECT_THROW(softmax(c), std::invalid_argument);
  EXPECT_THROW(median(c), std::invalid_argument);
}

TEST(Reduce, MeanVarStd) {
  Shape shape{4, 5};
  auto v = random_values(20, 5);
  array a = make(v, shape);
  for (auto& axes : all_subsets(2)) {
    auto s = ref_reduce(v, shape, axes, 0.0, add_op);
    double n = double(v.size()) / double(s.size());
    std::vector<double> mu(s.size());
    for (size_t i = 0; i < s.size(); ++i) mu[i] = s[i] / n;
    expect_values(mean(a, axes), mu, 1e-5);
    // Sum of squared deviations, via explicit index mapping.
    std::vector<double> ss(s.size(), 0.0);
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 5; ++j) {
        int o = (axes.size() == 2) ? 0 : (axes[0] == 0 ? j : i);
        double d = v[i * 5 + j] - mu[o];
        ss[o] += d * d;
      }
    }
    for (int ddof : {0, 1}) {
      std::vector<double> var_ref(ss.size()), std_ref(ss.size());
      for (size_t i = 0; i < ss.size(); ++i) {
        var_ref[i] = ss[i] / (n - ddof);
        std_ref[i] = std::sqrt(var_ref[i]);
      }
      expect_values(var(a, axes, false, ddof), var_ref, 1e-5);
      expect_values(ember::std(a, axes, true, ddof), std_ref, 1e-5);
    }
  }
  // ddof >= N: divisor clamps to 0.
  expect_values(var(make({1, 2}, {2}), false, 2), {INFINITY});
  // Integer inputs promote to float32.
  array i({1, 2, 3, 4}, int32);
  EXPECT_EQ(mean(i).dtype(), float32);
  EXPECT_FLOAT_EQ(mean(i).item<float>(), 2.5f);
  EXPECT_EQ(var(i).dtype(), float32);
  EXPECT_FLOAT_EQ(var(i).item<float>(), 1.25f);
  // Complex: mean of |a - mean|^2 as float32.
  array c(std::vector<complex64_t>{{1, 1}, {-1, -1}}, {2});
  EXPECT_EQ(var(c).dtype(), float32);
  EXPECT_FLOAT_EQ(var(c).item<float>(), 2.0f);
  array h = make({1, 2, 3, 4}, {4}, float16);
  EXPECT_EQ(var(h).dtype(), float16);
  expect_values(var(h), {1.25}, 1e-3);
}

TEST(Reduce, LogSumExp) {
  Shape shape{3, 4};
  auto v = random_values(12, 6, -3, 3);
  array a = make(v, shape);
  for (auto& axes : all_subsets(2)) {
    auto s = ref_reduce(v, shape, axes, 0.0,
                        [](double acc, double x) { return acc + std::exp(x); });
    for (auto& x : s) x = std::log(x);
    expect_values(logsumexp(a, axes), s, 1e-5);
  }
  // Large values do not overflow; infinities and NaN.
  expect_values(logsumexp(make({1000, 1000}, {2})), {1000 + std::log(2.0)}, 1e-6);
  expect_values(logsumexp(make({-INFINITY, -INFINITY}, {2})), {-INFINITY});
  expect_values(logsumexp(make({INFINITY, 1}, {2})), {INFINITY});
  expect_values(logsumexp(make({NAN, 1}, {2})), {NAN});
  expect_values(logsumexp(zeros_for_test({0, 2}), 0), {-INFINITY, -INFINITY});
  array i({0, 0}, int32);
  EXPECT_EQ(logsumexp(i).dtype(), float32);
  expect_values(logsumexp(i), {std::log(2.0)}, 1e-6);
  array h = make({0.5, 1.5, -1}, {3}, bfloat16);
  EXPECT_EQ(logsumexp(h).dtype(), bfloat16);
  expect_values(logsumexp(h), {std::log(std::exp(0.5) + std::exp(1.5) + std::exp(-1))},
                2e-2);
  // Transposed input, keepdims.
  array t = transpose(a);
  EXPECT_EQ(logsumexp(t, 0, true).shape(), (Shape{1, 3}));
}

TEST(Reduce, Median) {
  array a = make({3, 1, 2, 8, 5, 4, 9, 7}, {2, 4});
  expect_values(median(a, 1), {2.5, 6.0});
  expect_values(median(a, 0), {4, 2.5, 5.5, 7.5});
  expect_values(median(a), {4.5});
  EXPECT_EQ(median(a, 1, true).shape(), (Shape{2, 1}));
  array o = make({5, 1, 9}, {3});
  expect_values(median(o), {5});
  array n = make({1, NAN, 2, 3, 4, 5}, {2, 3});
  expect_values(median(n, 1), {NAN, 4});
  array i({4, 1, 2}, int32);
  EXPECT_EQ(median(i).dtype(), float32);
  expect_values(median(i), {2});
  expect_values(median(make({1, INFINITY, 3}, {3})), {3});
  expect_values(median(transpose(a), 0), {2.5, 6.0});
  expect_values(median(make({1, 2, 3, 4}, {2, 2}), {0, 1}), {2.5});
  array h = make({1, 2, 3, 4}, {4}, float16);
  EXPECT_EQ(median(h).dtype(), float16);
  expect_values(median(h), {2.5}, 1e-3);
}

TEST(Reduce, ArgMaxArgMin) {
  array a = make({1, 5, 5, 2, 0, 0, -1, 7}, {2, 4});
  EXPECT_EQ(argmax(a).dtype(), uint32);
  EXPECT_EQ(argmax(a).item<uint32_t>(), 7u);
  EXPECT_EQ(argmin(a).item<uint32_t>(), 6u);
  expect_values(argmax(a, 1), {1, 3});  // first occurrence of the tie
  expect_values(argmin(a, 1), {0, 2});
  expect_values(argmax(a, 0), {0, 0, 0, 1});
  array amin0 = argmin(a, 0, true);
  EXPECT_EQ(amin0.shape(), (Shape{1, 4}));
  std::vector<uint32_t> amin0_ref{1, 1, 1, 0};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(take(amin0, i, 1).item<uint32_t>(), amin0_ref[i]) << i;
  }
  EXPECT_EQ(argmin(a, 0, true).shape(), (Shape{1, 4}));
  EXPECT_EQ(argmax(a, true).shape(), (Shape{1, 1}));
  // Transposed input, 3-D middle axis.
  expect_values(argmax(transpose(a), 1), {0, 0, 0, 1});
  auto v = random_values(2 * 5 * 3, 7);
  array b = make(v, {2, 5, 3});
  std::vector<double> ref;
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 3; ++k) {
      int best = 0;
      for (int j = 1; j < 5; ++j) {
        if (v[(i * 5 + j) * 3 + k] > v[(i * 5 + best) * 3 + k]) best = j;
      }
      ref.push_back(best);
    }
  }
  expect_values(argmax(b, 1), ref);
  // NaN counts as the extremum (first NaN).
  array n = make({1, NAN, 3, NAN}, {4});
  EXPECT_EQ(argmax(n).item<uint32_t>(), 1u);
  EXPECT_EQ(argmin(n).item<uint32_t>(), 1u);
  for (Dtype dt : {int8, uint16, int64, float16, bfloat16, float64, bool_}) {
    array x = make({0, 1, 1, 0}, {4}, dt);
    EXPECT_EQ(argmax(x).item<uint32_t>(), 1u) << dt;
    EXPECT_EQ(argmin(x).item<uint32_t>(), 0u) << dt;
  }
}

// Contiguous lines of 16 or more (float32 takes 8-lane running extremes):
// lengths around the 16-element step, ties spread over lanes (first index),
// +0/-0 ties, NaNs in the body, the first 16 and the tail, other dtypes
// through the generic loop, against a scalar reference.
TEST(Reduce, ArgMaxArgMinLongLines) {
  std::mt19937 gen(11);
  auto ref = [](const std::vector<double>& v, bool is_max) {
    size_t best = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (std::isnan(v[i])) return i;
      if (is_max ? v[i] > v[best] : v[i] < v[best]) best = i;
    }
    return best;
  };
  for (Dtype dt : {float32, float16, float64, int32}) {
    for (int n : {16, 17, 31, 32, 33, 47, 100, 257, 2048}) {
      for (int kind = 0; kind < 6; ++kind) {
        std::vector<double> v(n);
        for (auto& x : v) x = double(int(gen() % 9) - 4);  // many ties
        if (kind == 1) {
          for (auto& x : v) x = (gen() % 2) ? 0.0 : -0.0;
        } else if (kind >= 2 && dt != int32) {
          // A NaN at the start, in the first 16, in the body or in the tail.
          int at = kind == 2 ? 0 : kind == 3 ? 9 : kind == 4 ? n / 2 : n - 1;
          v[at] = NAN;
          if (kind == 4 && n > 40) v[n - 3] = NAN;  // only the first counts
        }
        array a = make(v, {1, n}, dt);
        std::string what = std::string(dtype_name(dt)) + " n " + std::to_string(n) +
                           " kind " + std::to_string(kind);
        EXPECT_EQ(argmax(a, 1).item<uint32_t>(), uint32_t(ref(v, true))) << what;
        EXPECT_EQ(argmin(a, 1).item<uint32_t>(), uint32_t(ref(v, false))) << what;
      }
    }
  }
  // Many rows (parallel) with the extreme in varying lanes.
  const int rows = 64, n = 300;
  std::vector<double> v(rows * n);
  for (auto& x : v) x = double(int(gen() % 1000));
  array a = make(v, {rows, n});
  auto gmax = to_vector(argmax(a, 1)), gmin = to_vector(argmin(a, 1));
  for (int r = 0; r < rows; ++r) {
    std::vector<double> line(v.begin() + r * n, v.begin() + (r + 1) * n);
    EXPECT_EQ(gmax[r], double(ref(line, true))) << "row " << r;
    EXPECT_EQ(gmin[r], double(ref(line, false))) << "row " << r;
  }
}

TEST(Reduce, Softmax) {
  Shape shape{3, 4, 2};
  auto v = random_values(24, 8, -4, 4);
  array a = make(v, shape);
  for (auto& axes : all_subsets(3)) {
    auto m = ref_reduce(v, shape, axes, -INFINITY, max_op);
    // Normaliser per reduced slice, then each element / its slice sum.
    std::vector<double> ex(v.size());
    std::vector<int> idx(3, 0);
    std::vector<double> z(m.size(), 0.0);
    auto out_index = [&](const std::vector<int>& id) {
      size_t o = 0;
      for (int d = 0; d < 3; ++d) {
        bool red = std::find(axes.begin(), axes.end(), d) != axes.end();
        o = o * (red ? 1 : shape[d]) + (red ? 0 : id[d]);
      }
      return o;
    };
    for (size_t i = 0; i < v.size(); ++i) {
      idx = {int(i / 8), int(i / 2 % 4), int(i % 2)};
      z[out_index(idx)] += std::exp(v[i]);
    }
    std::vector<double> ref(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      idx = {int(i / 8), int(i / 2 % 4), int(i % 2)};
      ref[i] = std::exp(v[i]) / z[out_index(idx)];
    }
    expect_values(softmax(a, axes), ref, 1e-5);
  }
  // Stable for large inputs; -inf entries get 0.
  expect_values(softmax(make({1000, 1000, -INFINITY}, {3})), {0.5, 0.5, 0});
  // Transposed view along the last axis.
  array t = transpose(make({1, 2, 3, 4}, {2, 2}));
  double e1 = std::exp(1.0), e3 = std::exp(3.0), e2 = std::exp(2.0), e4 = std::exp(4.0);
  expect_values(softmax(t, -1), {e1 / (e1 + e3), e3 / (e1 + e3), e2 / (e2 + e4),
                                 e4 / (e2 + e4)}, 1e-6);
  // Dtypes.
  array i({0, 0}, int32);
  EXPECT_EQ(softmax(i).dtype(), float32);
  expect_values(softmax(i), {0.5, 0.5});
  for (bool precise : {false, true}) {
    array h = make({1, 2, 3}, {3}, float16);
    EXPECT_EQ(softmax(h, -1, precise).dtype(), float16);
    double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    expect_values(softmax(h, -1, precise),
                  {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z}, 2e-3);
  }
  EXPECT_EQ(softmax(zeros_for_test({0, 3}), 1).shape(), (Shape{0, 3}));
}

// ---- derivatives (float64, central finite differences) ----

namespace {
// Checks jvp and vjp of f at x against central differences along random
// directions.
void check_grads(const std::function<array(const array&)>& f, const array& x,
                 double tol = 1e-6, unsigned seed = 11) {
  array y = f(x);
  auto tv = random_values(x.size(), seed);
  auto cv = random_values(y.size(), seed + 1);
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
  for (size_t i = 0; i < fd.size(); ++i) fd[i] = (fp[i] - fm[i]) / (2 * eps);
  auto [out, jv] = jvp(f, x, t);
  expect_values(jv, fd, tol);
  // <vjp(c), t> == <c, J t>
  auto [out2, vj] = vjp(f, x, c);
  auto g = to_vector(vj);
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < g.size(); ++i) lhs += g[i] * tv[i];
  for (size_t i = 0; i < fd.size(); ++i) rhs += cv[i] * fd[i];
  EXPECT_NEAR(lhs, rhs, tol * (1 + std::abs(rhs)));
}
}  // namespace

TEST(Reduce, Gradients) {
  auto v = random_values(24, 12, 0.5, 2.0);
  array x = make(v, {2, 3, 4}, float64);
  for (auto axes : std::vector<std::vector<int>>{{0}, {1}, {2}, {0, 2}, {0, 1, 2}}) {
    check_grads([axes](const array& a) { return sum(a, axes); }, x);
    check_grads([axes](const array& a) { return prod(a, axes, true); }, x);
    check_grads([axes](const array& a) { return max(a, axes); }, x);
    check_grads([axes](const array& a) { return min(a, axes, true); }, x);
    check_grads([axes](const array& a) { return mean(a, axes); }, x);
    check_grads([axes](const array& a) { return var(a, axes, false, 1); }, x);
    check_grads([axes](const array& a) { return logsumexp(a, axes); }, x);
    check_grads([axes](const array& a) { return softmax(a, axes); }, x);
    check_grads([axes](const array& a) { return median(a, axes); }, x);
  }
  // prod with a zero: the gradient is the product of the others.
  array z = make({2, 0, 3}, {3}, float64);
  auto [p, g] = vjp([](const array& a) { return prod(a); }, z, array(1.0));
  expect_values(g, {0, 6, 0});
  // max ties share the cotangent.
  array tie = make({1, 3, 3}, {3}, float64);
  auto [m, gm] = vjp([](const array& a) { return max(a); }, tie, array(1.0));
  expect_values(gm, {0, 0.5, 0.5});
  // argmax has a zero gradient.
  auto [am, ga] = vjp(
      [](const array& a) { return astype(argmax(a, 0), float64); }, tie,
      make({1}, {}, float64));
  expect_values(ga, {0, 0, 0});
}

TEST(Reduce, Vmap) {
  auto v = random_values(24, 13);
  array x = make(v, {3, 2, 4});
  auto check = [&](const std::function<array(const array&)>& f, int in_axis) {
    array batched = vmap(f, in_axis, 0)(x);
    int n = x.shape(in_axis);
    ASSERT_EQ(batched.shape(0), n);
    for (int i = 0; i < n; ++i) {
      array ref = f(take(x, i, in_axis));
      expect_values(take(batched, i, 0), to_vector(ref), 1e-5);
    }
  };
  for (int ax : {0, 1, 2}) {
    check([](const array& a) { return sum(a, 1); }, ax);
    check([](const array& a) { return max(a, 0, true); }, ax);
    check([](const array& a) { return prod(a); }, ax);
    check([](const array& a) { return all(a, -1); }, ax);
    check([](const array& a) { return astype(argmax(a, 1), float32); }, ax);
    check([](const array& a) { return astype(argmin(a), float32); }, ax);
    check([](const array& a) { return softmax(a, 0); }, ax);
    check([](const array& a) { return logsumexp(a, -1, true); }, ax);
    check([](const array& a) { return var(a, 0); }, ax);
  }
}
