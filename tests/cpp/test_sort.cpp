// Sorting, partitioning, topk and searchsorted. References use std::sort on
// doubles with an explicit NaN-last order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
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

bool nan_last(double a, double b) {
  if (std::isnan(b)) return !std::isnan(a);
  return a < b;
}

// Sorted values (or stable argsort) of each line of an (r, c) matrix, along
// axis 1 when `along_rows`, else along axis 0.
std::vector<double> ref_sort(const std::vector<double>& v, int r, int c,
                             bool along_rows, bool indices) {
  std::vector<double> out(v.size());
  int lines = along_rows ? r : c, n = along_rows ? c : r;
  for (int l = 0; l < lines; ++l) {
    auto at = [&](int i) { return along_rows ? l * c + i : i * c + l; };
    std::vector<int> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(),
                     [&](int a, int b) { return nan_last(v[at(a)], v[at(b)]); });
    for (int i = 0; i < n; ++i) out[at(i)] = indices ? idx[i] : v[at(idx[i])];
  }
  return out;
}

}  // namespace

TEST(Sort, SortAndArgsortAxes) {
  auto v = random_values(5 * 6, 1);
  v[3] = v[4];  // a tie in row 0 (stability)
  array a = make(v, {5, 6});
  expect_values(sort(a, -1), ref_sort(v, 5, 6, true, false));
  expect_values(sort(a, 1), ref_sort(v, 5, 6, true, false));
  expect_values(sort(a, 0), ref_sort(v, 5, 6, false, false));
  EXPECT_EQ(argsort(a).dtype(), uint32);
  expect_values(argsort(a, -1), ref_sort(v, 5, 6, true, true));
  expect_values(argsort(a, 0), ref_sort(v, 5, 6, false, true));
  // axis None flattens.
  EXPECT_EQ(sort(a, 0).shape(), (Shape{5, 6}));
  std::vector<double> all(v);
  std::sort(all.begin(), all.end());
  expect_values(sort(reshape(a, {-1})), all);
  EXPECT_EQ(sort(a, StreamOrDevice{}).shape(), (Shape{30}));
  expect_values(sort(a, StreamOrDevice{}), all);
  EXPECT_EQ(argsort(a, StreamOrDevice{}).shape(), (Shape{30}));
  // Transposed input.
  std::vector<double> tv(v.size());
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 6; ++j) tv[j * 5 + i] = v[i * 6 + j];
  }
  expect_values(sort(transpose(a), 1), ref_sort(tv, 6, 5, true, false));
  expect_values(argsort(transpose(a), 0), ref_sort(tv, 6, 5, false, true));
  // 3-D middle axis.
  auto w = random_values(2 * 4 * 3, 2);
  array b = make(w, {2, 4, 3});
  auto sb = to_vector(sort(b, 1));
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 3; ++k) {
      std::vector<double> line;
      for (int j = 0; j < 4; ++j) line.push_back(w[(i * 4 + j) * 3 + k]);
      std::sort(line.begin(), line.end());
      for (int j = 0; j < 4; ++j) EXPECT_FLOAT_EQ(sb[(i * 4 + j) * 3 + k], line[j]);
    }
  }
}

TEST(Sort, StableNanLastAndDtypes) {
  array n = make({3, NAN, 1, -INFINITY, NAN, 2}, {6});
  expect_values(sort(n), {-INFINITY, 1, 2, 3, NAN, NAN});
  expect_values(argsort(n), {3, 2, 5, 0, 1, 4});
  array ties = make({2, 1, 2, 1, 2}, {5});
  expect_values(argsort(ties), {1, 3, 0, 2, 4});
  for (Dtype dt : {int8, uint8, int32, uint64, int64, float16, bfloat16, float64}) {
    array x = make({5, 3, 9, 0, 3}, {5}, dt);
    EXPECT_EQ(sort(x).dtype(), dt);
    expect_values(sort(x), {0, 3, 3, 5, 9});
    expect_values(argsort(x), {3, 1, 4, 0, 2});
  }
  array b({true, false, true, false});
  expect_values(sort(b), {0, 0, 1, 1});
  expect_values(argsort(b), {1, 3, 0, 2});
  array i({-3, 7, -100}, int32);
  expect_values(sort(i), {-100, -3, 7});
}

// Lines of at least 128 take the radix sort: every real dtype against the
// stable reference, with ties, +0/-0 (kept in input order, sign bits
// included), NaNs and infinities, along contiguous and strided axes.
TEST(Sort, LongLinesRadixMatchesStableSort) {
  std::mt19937 gen(7);
  const int r = 3, c = 300;
  for (Dtype dt : {float32, float64, float16, bfloat16, int8, uint8, int16, uint16,
                   int32, uint32, int64, uint64, bool_}) {
    std::vector<double> v(r * c);
    bool fl = dt == float32 || dt == float64 || dt == float16 || dt == bfloat16;
    for (int i = 0; i < r * c; ++i) {
      int k = int(gen() % 16);
      if (dt == bool_) {
        v[i] = double(k % 2);
      } else if (!fl) {
        bool sgn = dt == int8 || dt == int16 || dt == int32 || dt == int64;
        v[i] = double(int(gen() % 200) - (sgn ? 100 : 0));
      } else if (k == 0) {
        v[i] = NAN;
      } else if (k == 1) {
        v[i] = -0.0;
      } else if (k == 2) {
        v[i] = 0.0;
      } else if (k == 3) {
        v[i] = k % 2 ? INFINITY : -INFINITY;
      } else if (k == 4) {
        v[i] = -INFINITY;
      } else {
        v[i] = double(int(gen() % 64) - 32) / 4.0;  // ties, exact in every dtype
      }
    }
    array a = make(v, {r, c}, dt);
    std::string what = std::string("dtype ") + dtype_name(dt);
    auto check = [&](const array& got, const std::vector<double>& want, const char* how) {
      auto g = to_vector(got);
      ASSERT_EQ(g.size(), want.size()) << what << " " << how;
      for (size_t i = 0; i < g.size(); ++i) {
        bool same = (std::isnan(g[i]) && std::isnan(want[i])) ||
                    (g[i] == want[i] && std::signbit(g[i]) == std::signbit(want[i]));
        ASSERT_TRUE(same) << what << " " << how << " index " << i << ": " << g[i]
                          << " vs " << want[i];
      }
    };
    check(sort(a, 1), ref_sort(v, r, c, true, false), "sort rows");
    check(argsort(a, 1), ref_sort(v, r, c, true, true), "argsort rows");
    // Strided lines: the transposed (c, r) view sorted along axis 0.
    std::vector<double> tv(v.size());
    for (int i = 0; i < r; ++i) {
      for (int j = 0; j < c; ++j) tv[j * r + i] = v[i * c + j];
    }
    check(sort(transpose(a), 0), ref_sort(tv, c, r, false, false), "sort strided");
    check(argsort(transpose(a), 0), ref_sort(tv, c, r, false, true), "argsort strided");
  }
}

TEST(Sort, PartitionAndTopk) {
  auto v = random_values(4 * 9, 3);
  array a = make(v, {4, 9});
  for (int kth : {0, 4, 8, -1, -9}) {
    int k = kth < 0 ? kth + 9 : kth;
    auto p = to_vector(partition(a, kth, 1));
    auto pi = to_vector(argpartition(a, kth, -1));
    auto s = ref_sort(v, 4, 9, true, false);
    for (int r = 0; r < 4; ++r) {
      EXPECT_FLOAT_EQ(p[r * 9 + k], s[r * 9 + k]);
      for (int i = 0; i < 9; ++i) {
        if (i < k) EXPECT_LE(p[r * 9 + i], p[r * 9 + k]);
        if (i > k) EXPECT_GE(p[r * 9 + i], p[r * 9 + k]);
        // argpartition indices point at the partitioned values.
        float val = float(v[r * 9 + int(pi[r * 9 + i])]);
        if (i == k) EXPECT_FLOAT_EQ(val, s[r * 9 + k]);
      }
      std::vector<double> idx(pi.begin() + r * 9, pi.begin() + r * 9 + 9);
      std::sort(idx.begin(), idx.end());
      for (int i = 0; i < 9; ++i) EXPECT_EQ(idx[i], i);  // a permutation
    }
  }
  EXPECT_EQ(argpartition(a, 2).dtype(), uint32);
  EXPECT_EQ(partition(a, 2).shape(), (Shape{36}));
  // partition along axis 0.
  auto p0 = to_vector(partition(a, 1, 0));
  auto s0 = ref_sort(v, 4, 9, false, false);
  for (int c = 0; c < 9; ++c) EXPECT_FLOAT_EQ(p0[9 + c], s0[9 + c]);
  // topk: the k largest, any order.
  for (int k : {0, 1, 3, 9}) {
    array t = topk(a, k, 1);
    EXPECT_EQ(t.shape(), (Shape{4, k}));
    auto tv = to_vector(t);
    auto s = ref_sort(v, 4, 9, true, false);
    for (int r = 0; r < 4; ++r) {
      std::vector<double> got(tv.begin() + r * k, tv.begin() + r * k + k);
      std::sort(got.begin(), got.end());
      for (int i = 0; i < k; ++i) EXPECT_FLOAT_EQ(got[i], s[r * 9 + 9 - k + i]);
    }
  }
  array t0 = topk(a, 2, 0);
  EXPECT_EQ(t0.shape(), (Shape{2, 9}));
  array tf = topk(make({1, 9, 3, 7}, {2, 2}), 2);
  auto tfv = to_vector(tf);
  std::sort(tfv.begin(), tfv.end());
  EXPECT_EQ(tfv, (std::vector<double>{7, 9}));
}

TEST(Sort, SearchSorted) {
  array seq = make({1, 2, 2, 4, 8}, {5});
  array vals = make({0, 1, 2, 3, 8, 9, 2.5}, {7});
  EXPECT_EQ(searchsorted(seq, vals).dtype(), uint32);
  expect_values(searchsorted(seq, vals), {0, 0, 1, 3, 4, 5, 3});
  expect_values(searchsorted(seq, vals, "right"), {0, 1, 3, 3, 5, 5, 3});
  array v2 = make({2, 5, 0, 100}, {2, 2});
  EXPECT_EQ(searchsorted(seq, v2).shape(), (Shape{2, 2}));
  expect_values(searchsorted(seq, v2), {1, 4, 0, 5});
  // Integer sequence, float values (promoted), NaN goes last.
  array iseq({1, 3, 5}, int32);
  expect_values(searchsorted(iseq, make({2.5, NAN}, {2})), {1, 3});
  expect_values(searchsorted(iseq, array(3, int32), "right"), {2});
  EXPECT_EQ(searchsorted(iseq, array(3, int32)).ndim(), 0);
  // Empty sequence / values; strided values.
  expect_values(searchsorted(zeros_for_test({0}), make({1}, {1})), {0});
  EXPECT_EQ(searchsorted(seq, zeros_for_test({0})).shape(), (Shape{0}));
  expect_values(searchsorted(seq, transpose(v2)), {1, 0, 4, 5});
  EXPECT_THROW(searchsorted(zeros_for_test({2, 2}), vals), std::invalid_argument);
  EXPECT_THROW(searchsorted(seq, vals, "middle"), std::invalid_argument);
}

TEST(Sort, EmptyAndErrors) {
  array e = zeros_for_test({0, 3});
  EXPECT_EQ(sort(e, 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(argsort(e, 1).shape(), (Shape{0, 3}));
  eval(sort(e, 0), argsort(e, 1), sort(e));
  array a = zeros_for_test({2, 3});
  EXPECT_THROW(sort(a, 2), std::out_of_range);
  EXPECT_THROW(argsort(a, -3), std::out_of_range);
  EXPECT_THROW(sort(array(1.0f), 0), std::invalid_argument);
  EXPECT_THROW(partition(a, 3, 1), std::invalid_argument);
  EXPECT_THROW(partition(a, -4, 1), std::invalid_argument);
  EXPECT_THROW(argpartition(a, 2, 0), std::invalid_argument);
  EXPECT_THROW(partition(a, 0, 2), std::out_of_range);
  EXPECT_THROW(topk(a, 4, 1), std::invalid_argument);
  EXPECT_THROW(topk(a, -1), std::invalid_argument);
  EXPECT_THROW(topk(a, 1, 3), std::out_of_range);
}

namespace {
void check_grads(const std::function<array(const array&)>& f, const array& x,
                 double tol = 1e-6) {
  array y = f(x);
  auto tv = random_values(x.size(), 31);
  auto cv = random_values(y.size(), 32);
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
  auto [out2, vj] = vjp(f, x, c);
  auto g = to_vector(vj);
  double lhs = 0, rhs = 0;
  for (size_t i = 0; i < g.size(); ++i) lhs += g[i] * tv[i];
  for (size_t i = 0; i < fd.size(); ++i) rhs += cv[i] * fd[i];
  EXPECT_NEAR(lhs, rhs, tol * (1 + std::abs(rhs)));
}
}  // namespace

TEST(Sort, Gradients) {
  array x = make(random_values(12, 33), {3, 4}, float64);
  for (int axis : {0, 1}) {
    check_grads([=](const array& a) { return sort(a, axis); }, x);
    check_grads([=](const array& a) { return partition(a, 1, axis); }, x);
    check_grads([=](const array& a) { return topk(a, 2, axis); }, x);
  }
  auto [o, g] = vjp([](const array& a) { return astype(argsort(a, 0), float64); },
                    x, make(std::vector<double>(12, 1.0), {3, 4}, float64));
  expect_values(g, std::vector<double>(12, 0.0));
}

TEST(Sort, Vmap) {
  array x = make(random_values(24, 34), {3, 2, 4});
  auto check = [&](const std::function<array(const array&)>& f, int in_axis) {
    array batched = vmap(f, in_axis, 0)(x);
    for (int i = 0; i < x.shape(in_axis); ++i) {
      expect_values(take(batched, i, 0), to_vector(f(take(x, i, in_axis))), 1e-6);
    }
  };
  for (int ax : {0, 1, 2}) {
    check([](const array& a) { return sort(a, 0); }, ax);
    check([](const array& a) { return astype(argsort(a, -1), float32); }, ax);
    check([](const array& a) { return sort(partition(a, 1, -1), -1); }, ax);
    check([](const array& a) {
      return astype(sort(argpartition(a, 0, 0), 0), float32);
    }, ax);
  }
  // searchsorted with a batched sequence and/or batched values.
  array seqs = make({1, 2, 3, 10, 20, 30}, {2, 3});
  array vals = make({2.5, 25}, {2});
  auto f = [](const array& s, const array& v) { return searchsorted(s, v); };
  expect_values(vmap(f, 0, 0, 0)(seqs, vals), {2, 2});
  expect_values(vmap(f, 0, std::nullopt, 0)(seqs, array(15.0f)), {3, 1});
  array seq = make({1, 2, 3}, {3});
  expect_values(vmap(f, std::nullopt, 0, 0)(seq, make({0, 5}, {2})), {0, 3});
}
