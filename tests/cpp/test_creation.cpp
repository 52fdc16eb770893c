// Array creation: constants, ranges, triangles, grids, windows.
#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"
#include "ember/primitives/creation.h"
#include "test_utils.h"

using namespace ember;

namespace {
std::vector<double> seq(int n, double start = 0, double step = 1) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + i * step;
  return v;
}
const Dtype kAllDtypes[] = {bool_,  uint8,   uint16, uint32, uint64,
                            int8,   int16,   int32,  int64,  float16,
                            float32, float64, bfloat16, complex64};
}  // namespace

TEST(Creation, ZerosOnesAllDtypes) {
  for (auto dt : kAllDtypes) {
    auto z = zeros({2, 3}, dt);
    EXPECT_EQ(z.shape(), (Shape{2, 3}));
    EXPECT_EQ(z.dtype(), dt);
    expect_values(z, std::vector<double>(6, 0.0));
    auto o = ones({3}, dt);
    EXPECT_EQ(o.dtype(), dt);
    expect_values(o, std::vector<double>(3, 1.0));
  }
  EXPECT_EQ(zeros({4}).dtype(), float32);
}

TEST(Creation, ZerosScalarEmptyLarge) {
  auto z = zeros({});
  EXPECT_EQ(z.ndim(), 0);
  EXPECT_EQ(z.item<float>(), 0.0f);
  auto e = ones({0, 3}, int32);
  e.eval();
  EXPECT_EQ(e.size(), 0u);
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
  // Large enough to be split across cores.
  auto big = full({1000, 300}, array(2.5f));
  auto v = to_vector(big);
  for (double x : v) ASSERT_EQ(x, 2.5);
}

TEST(Creation, FullBroadcastAndDtype) {
  auto r = full({2, 3}, array({1.0f, 2.0f, 3.0f}));
  EXPECT_EQ(r.dtype(), float32);
  expect_values(r, {1, 2, 3, 1, 2, 3});
  auto c = full({3, 2}, array({7, 8, 9}, {3, 1}), float16);
  EXPECT_EQ(c.dtype(), float16);
  expect_values(c, {7, 7, 8, 8, 9, 9});
  EXPECT_EQ(full({2}, 3).dtype(), int32);
  EXPECT_EQ(full({2}, 3.0f).dtype(), float32);
  EXPECT_EQ(full({2}, true).dtype(), bool_);
  expect_values(full({2, 2}, 1.7, int32), {1, 1, 1, 1});
  expect_values(full({2}, 5, bfloat16), {5, 5});
  // Non-contiguous (transposed via broadcast of a column) and 0-d values.
  auto col = array({1.0, 2.0}, {2, 1});
  auto b = full({2, 2}, col, float64);
  expect_values(b, {1, 1, 2, 2});
  EXPECT_EQ(full({}, array(4)).item<int>(), 4);
}

TEST(Creation, FullErrors) {
  EXPECT_THROW(full({-1, 2}, 1.0f), std::invalid_argument);
  EXPECT_THROW(full({2, 2}, array({1, 2, 3})), std::invalid_argument);
  EXPECT_THROW(zeros({3, -2}), std::invalid_argument);
}

TEST(Creation, Likes) {
  auto a = array({1, 2, 3, 4}, {2, 2}, int16);
  auto z = zeros_like(a);
  EXPECT_EQ(z.dtype(), int16);
  EXPECT_EQ(z.shape(), (Shape{2, 2}));
  expect_values(z, {0, 0, 0, 0});
  auto o = ones_like(a, float32);
  EXPECT_EQ(o.dtype(), float32);
  expect_values(o, {1, 1, 1, 1});
  auto f = full_like(a, array(3.9f));
  EXPECT_EQ(f.dtype(), int16);
  expect_values(f, {3, 3, 3, 3});
  auto g = full_like(a, array(3.5f), float32);
  expect_values(g, {3.5, 3.5, 3.5, 3.5});
  EXPECT_EQ(zeros_like(array(1.0f)).ndim(), 0);
}

TEST(Creation, ArangeOverloads) {
  auto a = arange(5);
  EXPECT_EQ(a.dtype(), int32);
  expect_values(a, seq(5));
  auto b = arange(2, 11, 3);
  EXPECT_EQ(b.dtype(), int32);
  expect_values(b, {2, 5, 8});
  auto c = arange(0.0, 1.0, 0.25);
  EXPECT_EQ(c.dtype(), float32);
  expect_values(c, {0, 0.25, 0.5, 0.75});
  auto d = arange(5.0, 0.0, -1.5, float64);
  EXPECT_EQ(d.dtype(), float64);
  expect_values(d, {5, 3.5, 2, 0.5});
  auto e = arange(3.0);
  EXPECT_EQ(e.dtype(), float32);
  expect_values(e, {0, 1, 2});
  expect_values(arange(1.0, 4.0, int8), {1, 2, 3});
  expect_values(arange(1.0, 4.0), {1, 2, 3});
  expect_values(arange(4.0, uint16), {0, 1, 2, 3});
  expect_values(arange(3, 6), {3, 4, 5});
  EXPECT_EQ(arange(int64_t(0), int64_t(3), int64_t(1)).dtype(), int32);
  auto big = arange(int64_t(5000000000LL), int64_t(5000000003LL), int64_t(1));
  EXPECT_EQ(big.dtype(), int64);
  expect_values(big, {5e9, 5e9 + 1, 5e9 + 2});
  for (auto dt : {float16, bfloat16}) {
    auto h = arange(0.0, 8.0, 2.0, dt);
    EXPECT_EQ(h.dtype(), dt);
    expect_values(h, {0, 2, 4, 6});
  }
}

TEST(Creation, ArangeEmptyAndLarge) {
  EXPECT_EQ(arange(5, 5).size(), 0u);
  EXPECT_EQ(arange(5, 2).size(), 0u);
  EXPECT_EQ(arange(0.0, 10.0, -1.0).size(), 0u);
  arange(3, 1).eval();
  // Length is ceil((stop - start) / step).
  EXPECT_EQ(arange(0.0, 1.0, 0.3).size(), 4u);
  int n = 200000;
  auto l = arange(0.0, double(n), 1.0, float64);
  expect_values(l, seq(n));
}

TEST(Creation, ArangeIntegerStep) {
  // Fractional step with an integer dtype: step used = int(start+step)-int(start).
  expect_values(arange(0.0, 3.0, 0.5, int32), {0, 0, 0, 0, 0, 0});
  expect_values(arange(1.0, 3.0, 0.5, int32), {1, 1, 1, 1});
}

TEST(Creation, ArangeErrors) {
  EXPECT_THROW(arange(0.0, 10.0, 0.0), std::invalid_argument);
  EXPECT_THROW(arange(0, 10, 0), std::invalid_argument);
  EXPECT_THROW(arange(0.0, NAN, 1.0), std::invalid_argument);
  EXPECT_THROW(arange(0.0, 1.0, NAN), std::invalid_argument);
  EXPECT_THROW(arange(0.0, INFINITY, 1.0), std::invalid_argument);
  EXPECT_THROW(arange(-INFINITY, 0.0, 1.0), std::invalid_argument);
  EXPECT_THROW(arange(0.0, 3.0, 1.0, bool_), std::invalid_argument);
  EXPECT_THROW(arange(0.0, 3.0, 1.0, complex64), std::invalid_argument);
  EXPECT_THROW(arange(0.0, 1e12, 1.0), std::invalid_argument);
}

TEST(Creation, Linspace) {
  auto a = linspace(0.0, 1.0, 5);
  EXPECT_EQ(a.dtype(), float32);
  expect_values(a, {0, 0.25, 0.5, 0.75, 1.0});
  auto b = linspace(-3.0, 7.0, 11, float64);
  EXPECT_EQ(b.dtype(), float64);
  expect_values(b, seq(11, -3), 1e-12);
  auto c = linspace(0.0, 1.0, 4, false);
  expect_values(c, {0, 0.25, 0.5, 0.75});
  expect_values(linspace(2.0, 5.0, 1), {2});
  EXPECT_EQ(linspace(2.0, 5.0, 0).size(), 0u);
  // Endpoints are exact.
  auto d = linspace(0.1, 0.7, 7);
  auto v = to_vector(d);
  EXPECT_EQ(float(v[0]), 0.1f);
  EXPECT_EQ(float(v[6]), 0.7f);
  expect_values(linspace(0.0, 4.0, 3, int32), {0, 2, 4});
  expect_values(linspace(0.0, 1.0, 3, float16), {0, 0.5, 1}, 1e-3);
  EXPECT_EQ(linspace(0.0, 1.0).size(), 50u);
  EXPECT_THROW(linspace(0.0, 1.0, -1), std::invalid_argument);
}

TEST(Creation, EyeIdentityTri) {
  auto e = eye(3);
  EXPECT_EQ(e.dtype(), float32);
  expect_values(e, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  expect_values(eye(2, 4, 1, int32), {0, 1, 0, 0, 0, 0, 1, 0});
  expect_values(eye(3, 2, -1), {0, 0, 1, 0, 0, 1});
  expect_values(eye(2, 2, 5), {0, 0, 0, 0});
  expect_values(identity(2, bool_), {1, 0, 0, 1});
  EXPECT_EQ(eye(0).size(), 0u);
  for (int n : {1, 3, 7}) {
    for (int m : {1, 4, 6}) {
      for (int k : {-3, -1, 0, 2, 8}) {
        for (auto dt : {float32, float16, int64, complex64}) {
          auto t = tri(n, m, k, dt);
          std::vector<double> ref(n * m), refe(n * m);
          for (int i = 0; i < n; ++i) {
            for (int j = 0; j < m; ++j) {
              ref[i * m + j] = j <= i + k ? 1 : 0;
              refe[i * m + j] = j == i + k ? 1 : 0;
            }
          }
          expect_values(t, ref);
          expect_values(eye(n, m, k, dt), refe);
        }
      }
    }
  }
  expect_values(tri(2), {1, 0, 1, 1});
  auto big = eye(700);
  auto v = to_vector(big);
  double s = 0;
  for (double x : v) s += x;
  EXPECT_EQ(s, 700);
  EXPECT_EQ(v[701], 1);
  EXPECT_THROW(eye(-1), std::invalid_argument);
  EXPECT_THROW(tri(2, -3), std::invalid_argument);
}

namespace {
std::vector<double> tri_ref(const std::vector<double>& x, int batch, int n,
                            int m, int k, bool upper) {
  std::vector<double> r(x);
  for (int b = 0; b < batch; ++b) {
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < m; ++j) {
        bool keep = upper ? (j - i >= k) : (j - i <= k);
        if (!keep) r[(b * n + i) * m + j] = 0;
      }
    }
  }
  return r;
}
}  // namespace

TEST(Creation, TrilTriu) {
  int B = 2, n = 3, m = 4;
  std::vector<double> x(B * n * m);
  for (size_t i = 0; i < x.size(); ++i) x[i] = double(i) + 1;
  auto a = array(x, {B, n, m}, float32);
  for (int k : {-4, -1, 0, 1, 2, 5}) {
    expect_values(tril(a, k), tri_ref(x, B, n, m, k, false));
    expect_values(triu(a, k), tri_ref(x, B, n, m, k, true));
  }
  for (auto dt : {int8, float16, bfloat16, float64, complex64, bool_}) {
    auto ad = astype(a, dt);
    auto xr = to_vector(ad);
    expect_values(tril(ad, 0), tri_ref(xr, B, n, m, 0, false));
    EXPECT_EQ(triu(ad).dtype(), dt);
  }
  // Infinities above the diagonal become zeros (not NaN).
  auto inf = full({2, 2}, array(INFINITY));
  expect_values(tril(inf), {INFINITY, 0, INFINITY, INFINITY});
  EXPECT_THROW(tril(array({1, 2, 3})), std::invalid_argument);
  EXPECT_THROW(triu(array(1.0f)), std::invalid_argument);
  EXPECT_EQ(tril(zeros({0, 3})).size(), 0u);
  tril(zeros({0, 3})).eval();
}

TEST(Creation, TrilNonContiguous) {
  // A broadcast view (stride 0 rows) and a sliced-like view via broadcast.
  auto row = array({1.0f, 2.0f, 3.0f});
  auto b = broadcast_to(row, {3, 3});
  expect_values(tril(b), {1, 0, 0, 1, 2, 0, 1, 2, 3});
  expect_values(triu(b, 1), {0, 2, 3, 0, 0, 3, 0, 0, 0});
}

TEST(Creation, TriangularGradsAndVmap) {
  auto x = array({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2});
  auto out = tril(x);
  auto& p = out.primitive();
  auto g = p.vjp({x}, {ones({2, 2})}, {0}, {out});
  expect_values(g[0], {1, 0, 1, 1});
  auto t = p.jvp({x}, {full({2, 2}, array(2.0f))}, {0});
  expect_values(t[0], {2, 0, 2, 2});
  // Batch along the last axis: x3[i, j, b] = b*10 + i*2 + j.
  std::vector<double> v(2 * 2 * 3);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int b = 0; b < 3; ++b) v[(i * 2 + j) * 3 + b] = b * 10 + i * 2 + j + 1;
  auto x3 = array(v, {2, 2, 3}, float32);
  auto [outs, axes] = p.vmap({x3}, {2});
  EXPECT_EQ(axes[0], 2);
  std::vector<double> ref(v);
  for (int b = 0; b < 3; ++b) ref[(0 * 2 + 1) * 3 + b] = 0;  // (i=0, j=1)
  expect_values(outs[0], ref);
  auto [outs0, axes0] = p.vmap({x3}, {0});
  EXPECT_EQ(axes0[0], 0);
  // Batch on axis 0: matrices are (2, 3) per batch item.
  std::vector<double> r0(v);
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j)
        if (j > i) r0[(b * 2 + i) * 3 + j] = 0;
  expect_values(outs0[0], r0);
}

TEST(Creation, FullGradsAndVmap) {
  auto v = array({1.0f, 2.0f});
  auto out = full({2}, v);
  auto& p = out.primitive();
  auto g = p.vjp({v}, {array({3.0f, 4.0f})}, {0}, {out});
  expect_values(g[0], {3, 4});
  auto t = p.jvp({v}, {array({5.0f, 6.0f})}, {0});
  expect_values(t[0], {5, 6});
  auto [o, ax] = p.vmap({array({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2})}, {1});
  EXPECT_EQ(ax[0], 1);
  expect_values(o[0], {1, 2, 3, 4});
}

TEST(Creation, Meshgrid) {
  auto x = array({1, 2, 3});
  auto y = array({4, 5});
  auto xy = meshgrid({x, y});
  ASSERT_EQ(xy.size(), 2u);
  EXPECT_EQ(xy[0].shape(), (Shape{2, 3}));
  expect_values(xy[0], {1, 2, 3, 1, 2, 3});
  expect_values(xy[1], {4, 4, 4, 5, 5, 5});
  auto ij = meshgrid({x, y}, false, "ij");
  EXPECT_EQ(ij[0].shape(), (Shape{3, 2}));
  expect_values(ij[0], {1, 1, 2, 2, 3, 3});
  expect_values(ij[1], {4, 5, 4, 5, 4, 5});
  auto sp = meshgrid({x, y}, true);
  EXPECT_EQ(sp[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(sp[1].shape(), (Shape{2, 1}));
  auto z = array({7.0f, 8.0f});
  auto three = meshgrid({x, y, z});
  EXPECT_EQ(three[2].shape(), (Shape{2, 3, 2}));
  auto t2 = to_vector(three[2]);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(t2[i], i % 2 ? 8 : 7);
  auto one = meshgrid({x});
  EXPECT_EQ(one[0].shape(), (Shape{3}));
  EXPECT_TRUE(meshgrid({}).empty());
  EXPECT_THROW(meshgrid({x, y}, false, "xz"), std::invalid_argument);
}

TEST(Creation, Windows) {
  const double pi = 3.14159265358979323846;
  for (int M : {2, 5, 12}) {
    std::vector<double> han(M), ham(M), bla(M), bar(M);
    for (int n = 0; n < M; ++n) {
      double c = std::cos(2 * pi * n / (M - 1));
      double c2 = std::cos(4 * pi * n / (M - 1));
      han[n] = 0.5 - 0.5 * c;
      ham[n] = 0.54 - 0.46 * c;
      bla[n] = 0.42 - 0.5 * c + 0.08 * c2;
      bar[n] = 1 - std::abs(2.0 * n / (M - 1) - 1);
    }
    auto h = hanning(M);
    EXPECT_EQ(h.dtype(), float32);
    expect_values(h, han, 1e-5);
    expect_values(hamming(M), ham, 1e-5);
    expect_values(blackman(M), bla, 1e-5);
    expect_values(bartlett(M), bar, 1e-6);
  }
  for (auto f : {hanning, hamming, blackman, bartlett}) {
    EXPECT_EQ(f(0, {}).size(), 0u);
    EXPECT_EQ(f(-3, {}).size(), 0u);
    expect_values(f(1, {}), {1});
  }
}
