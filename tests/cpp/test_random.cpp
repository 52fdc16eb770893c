// Random: Threefry bits (bit-exact against an independent implementation of
// the recipe in spec/submodules.md §1), keys, and sampler statistics.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "ember/ember.h"
#include "ember/primitives/random.h"
#include "test_utils.h"

using namespace ember;

namespace {
// Reference Threefry-2x32-20 written from the spec, round by round.
std::pair<uint32_t, uint32_t> ref_threefry(uint32_t k0, uint32_t k1,
                                           uint32_t c0, uint32_t c1) {
  uint32_t ks0 = k0, ks1 = k1, ks2 = k0 ^ k1 ^ 0x1BD11BDAu;
  uint32_t ks[3] = {ks0, ks1, ks2};
  uint32_t x0 = c0 + ks0, x1 = c1 + ks1;
  int ra[4] = {13, 15, 26, 6}, rb[4] = {17, 29, 16, 24};
  for (int g = 0; g < 5; ++g) {
    int* r = (g % 2 == 0) ? ra : rb;
    for (int j = 0; j < 4; ++j) {
      x0 = x0 + x1;
      x1 = ((x1 << r[j]) | (x1 >> (32 - r[j]))) ^ x0;
    }
    x0 = x0 + ks[(g + 1) % 3];
    x1 = x1 + ks[(g + 2) % 3] + uint32_t(g + 1);
  }
  return {x0, x1};
}

// Reference bytes for one key and N bytes.
std::vector<uint8_t> ref_bytes(uint32_t k0, uint32_t k1, size_t N) {
  size_t W = (N + 3) / 4, h = W / 2, o = W % 2;
  std::vector<uint32_t> w(W);
  for (size_t i = 0; i < h; ++i) {
    auto [a, b] = ref_threefry(k0, k1, uint32_t(i), uint32_t(h + o + i));
    w[i] = a;
    w[i + h + o] = b;
  }
  if (o) w[h] = ref_threefry(k0, k1, uint32_t(h), 0).first;
  std::vector<uint8_t> out(N);
  std::memcpy(out.data(), w.data(), N);
  return out;
}

template <typename T>
std::vector<T> raw(array a) {
  a.eval();
  std::vector<T> v(a.size());
  auto c = contiguous(a);
  c.eval();
  std::memcpy(v.data(), c.data<T>(), a.size() * sizeof(T));
  return v;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}
double var_of(const std::vector<double>& v) {
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / v.size();
}
}  // namespace

TEST(Random, ThreefryKnownAnswers) {
  // Random123 known-answer vectors for threefry2x32_20.
  auto a = ref_threefry(0, 0, 0, 0);
  EXPECT_EQ(a.first, 0x6b200159u);
  EXPECT_EQ(a.second, 0x99ba4efeu);
  auto b = ref_threefry(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
  EXPECT_EQ(b.first, 0x1cb996fcu);
  EXPECT_EQ(b.second, 0xbb002be7u);
  auto c = ref_threefry(0x13198a2eu, 0x03707344u, 0x243f6a88u, 0x85a308d3u);
  EXPECT_EQ(c.first, 0xc4923a9cu);
  EXPECT_EQ(c.second, 0x483df7a0u);
  // One word: counter (0, 0) under key (0, 0).
  auto w = raw<uint32_t>(random::bits({1}, 4, random::key(0)));
  EXPECT_EQ(w[0], 0x6b200159u);
}

TEST(Random, KeyAndSplit) {
  auto k = random::key(0x123456789ABCDEFULL);
  EXPECT_EQ(k.dtype(), uint32);
  EXPECT_EQ(k.shape(), (Shape{2}));
  auto kv = raw<uint32_t>(k);
  EXPECT_EQ(kv[0], 0x01234567u);
  EXPECT_EQ(kv[1], 0x89ABCDEFu);
  // Same layout as JAX's PRNGKey(0) split.
  auto s = random::split(random::key(0), 2);
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  auto sv = raw<uint32_t>(s);
  EXPECT_EQ(sv, (std::vector<uint32_t>{4146024105u, 967050713u, 2718843009u,
                                       1272950319u}));
  auto [k1, k2] = random::split(random::key(0));
  EXPECT_EQ(raw<uint32_t>(k1), (std::vector<uint32_t>{4146024105u, 967050713u}));
  EXPECT_EQ(raw<uint32_t>(k2), (std::vector<uint32_t>{2718843009u, 1272950319u}));
  EXPECT_EQ(random::split(k, 5).shape(), (Shape{5, 2}));
  EXPECT_THROW(random::split(k, -1), std::invalid_argument);
}

TEST(Random, BitsMatchReference) {
  for (uint64_t seed : {0ULL, 7ULL, 0xDEADBEEF12345678ULL}) {
    auto k = random::key(seed);
    uint32_t k0 = uint32_t(seed >> 32), k1 = uint32_t(seed);
    for (int n : {1, 2, 3, 5, 8, 17, 1000, 100001}) {
      auto ref = ref_bytes(k0, k1, size_t(n) * 4);
      auto got = raw<uint32_t>(random::bits({n}, 4, k));
      ASSERT_EQ(std::memcmp(got.data(), ref.data(), ref.size()), 0)
          << "n=" << n << " seed=" << seed;
    }
    for (int n : {1, 2, 3, 6, 7, 9, 31}) {
      auto r2 = ref_bytes(k0, k1, size_t(n) * 2);
      auto g2 = raw<uint16_t>(random::bits({n}, 2, k));
      ASSERT_EQ(std::memcmp(g2.data(), r2.data(), r2.size()), 0) << n;
      auto r1 = ref_bytes(k0, k1, size_t(n));
      auto g1 = raw<uint8_t>(random::bits({n}, 1, k));
      ASSERT_EQ(std::memcmp(g1.data(), r1.data(), r1.size()), 0) << n;
    }
  }
  // Multi-dimensional shapes fill row-major.
  auto b = random::bits({3, 4}, random::key(3));
  EXPECT_EQ(b.shape(), (Shape{3, 4}));
  auto ref = ref_bytes(0, 3, 48);
  auto got = raw<uint32_t>(b);
  EXPECT_EQ(std::memcmp(got.data(), ref.data(), 48), 0);
  EXPECT_EQ(random::bits({0}, random::key(1)).size(), 0u);
  random::bits({0, 3}, random::key(1)).eval();
  EXPECT_EQ(random::bits({}, random::key(1)).ndim(), 0);
}

TEST(Random, BitsErrors) {
  EXPECT_THROW(random::bits({2}, 3, random::key(0)), std::invalid_argument);
  EXPECT_THROW(random::bits({2}, 4, array({1, 2})), std::invalid_argument);
  EXPECT_THROW(random::bits({2}, 4, array({1u, 2u, 3u}, uint32)),
               std::invalid_argument);
  EXPECT_THROW(random::bits({-2}, 4, random::key(0)), std::invalid_argument);
}

TEST(Random, RandomBitsBatchedKeys) {
  // Keys (3, 2): three equal chunks, one per key (used by vmap).
  auto keys = random::split(random::key(11), 3);
  keys.eval();
  auto kv = raw<uint32_t>(keys);
  auto out = random::bits({5}, random::key(0));
  auto& p = out.primitive();
  auto [o, ax] = p.vmap({keys}, {0});
  EXPECT_EQ(ax[0], 0);
  EXPECT_EQ(o[0].shape(), (Shape{3, 5}));
  auto got = raw<uint32_t>(o[0]);
  for (int k = 0; k < 3; ++k) {
    auto ref = ref_bytes(kv[2 * k], kv[2 * k + 1], 20);
    EXPECT_EQ(std::memcmp(got.data() + 5 * k, ref.data(), 20), 0) << k;
  }
  // Batch axis last: keys transposed to (2, 3).
  auto [o2, ax2] = p.vmap({transpose(keys)}, {1});
  EXPECT_EQ(ax2[0], 0);
  EXPECT_EQ(raw<uint32_t>(o2[0]), got);
  // Zero gradients.
  auto g = p.vjp({random::key(0)}, {out}, {0}, {out});
  expect_values(g[0], {0, 0});
  auto t = p.jvp({random::key(0)}, {random::key(0)}, {0});
  EXPECT_EQ(t[0].shape(), (Shape{5}));
  expect_values(t[0], {0, 0, 0, 0, 0});
}

TEST(Random, ImplicitStateAndSeed) {
  random::seed(5);
  auto a = to_vector(random::uniform({4}));
  auto b = to_vector(random::uniform({4}));
  EXPECT_NE(a, b);
  random::seed(5);
  auto c = to_vector(random::uniform({4}));
  EXPECT_EQ(a, c);
  // The implicit draw uses row 1 of split(key(5)).
  auto [st, sub] = random::split(random::key(5));
  EXPECT_EQ(to_vector(random::uniform({4}, float32, sub)), a);
  // Explicit keys are not consumed.
  auto k = random::key(9);
  EXPECT_EQ(to_vector(random::normal({3}, float32, k)),
            to_vector(random::normal({3}, float32, k)));
}

TEST(Random, UniformRecipeExact) {
  auto k = random::key(42);
  int n = 1000;
  auto ref = ref_bytes(0, 42, n * 4);
  std::vector<uint32_t> w(n);
  std::memcpy(w.data(), ref.data(), n * 4);
  auto u = to_vector(random::uniform(array(-2.0f), array(3.0f), {n}, float32, k));
  for (int i = 0; i < n; ++i) {
    float x = float(w[i]) / 4294967295.0f;
    x = std::min(x, std::nextafter(1.0f, 0.0f));
    volatile float prod = 5.0f * x;  // no fused multiply-add
    float r = prod + -2.0f;
    ASSERT_EQ(float(u[i]), r) << i;
  }
}

TEST(Random, UniformStats) {
  auto k = random::key(1);
  int n = 200000;
  auto v = to_vector(random::uniform(array(2.0f), array(5.0f), {n}, float32, k));
  for (double x : v) {
    ASSERT_GE(x, 2.0);
    ASSERT_LT(x, 5.0);
  }
  EXPECT_NEAR(mean_of(v), 3.5, 0.02);
  EXPECT_NEAR(var_of(v), 0.75, 0.01);
  for (auto dt : {float16, bfloat16}) {
    auto h = random::uniform({20000}, dt, k);
    EXPECT_EQ(h.dtype(), dt);
    auto hv = to_vector(h);
    for (double x : hv) {
      ASSERT_GE(x, 0.0);
      ASSERT_LT(x, 1.0);
    }
    EXPECT_NEAR(mean_of(hv), 0.5, 0.02);
  }
  // Array bounds broadcast to the shape.
  auto lo = array({0.0f, 10.0f});
  auto r = random::uniform(lo, add(lo, array(1.0f)), {1000, 2}, float32, k);
  auto rv = to_vector(r);
  for (int i = 0; i < 2000; ++i) {
    double base = (i % 2) * 10.0;
    ASSERT_GE(rv[i], base);
    ASSERT_LT(rv[i], base + 1);
  }
  EXPECT_EQ(random::uniform({}, float32, k).ndim(), 0);
  EXPECT_EQ(random::uniform({0, 4}, float32, k).size(), 0u);
}

TEST(Random, UniformErrors) {
  auto k = random::key(0);
  EXPECT_THROW(random::uniform({2}, float64, k), std::invalid_argument);
  EXPECT_THROW(random::uniform({2}, int32, k), std::invalid_argument);
  EXPECT_THROW(random::uniform(array({0.0f, 1.0f, 2.0f}), array(3.0f), {2},
                               float32, k),
               std::invalid_argument);
  EXPECT_THROW(random::uniform(array({0.0f, 1.0f}), array(3.0f), {},
                               float32, k),
               std::invalid_argument);
}

TEST(Random, NormalStatsAndRecipe) {
  auto k = random::key(2);
  int n = 200000;
  auto v = to_vector(random::normal({n}, float32, k));
  EXPECT_NEAR(mean_of(v), 0.0, 0.01);
  EXPECT_NEAR(var_of(v), 1.0, 0.02);
  // Recipe: sqrt(2) * erfinv(uniform(nextafter(-1, 0), 1)) with the same key.
  auto u = to_vector(random::uniform(array(std::nextafter(-1.0f, 0.0f)),
                                     array(1.0f), {n}, float32, k));
  for (int i = 0; i < 100; ++i) {
    // erf(x / sqrt 2) recovers u.
    EXPECT_NEAR(std::erf(v[i] / std::sqrt(2.0)), u[i], 1e-5);
  }
  auto w = to_vector(random::normal({n}, float32, array(3.0f), array(2.0f), k));
  EXPECT_NEAR(mean_of(w), 3.0, 0.02);
  EXPECT_NEAR(var_of(w), 4.0, 0.08);
  for (auto dt : {float16, bfloat16}) {
    auto h = to_vector(random::normal({20000}, dt, k));
    for (double x : h) ASSERT_TRUE(std::isfinite(x));
    EXPECT_NEAR(mean_of(h), 0.0, 0.05);
    EXPECT_NEAR(var_of(h), 1.0, 0.06);
  }
  // Complex: real and imaginary parts each N(0, 1/2).
  auto c = random::normal({50000}, complex64, k);
  EXPECT_EQ(c.dtype(), complex64);
  c.eval();
  auto cc = contiguous(c);
  cc.eval();
  std::vector<double> re, im;
  for (size_t i = 0; i < c.size(); ++i) {
    re.push_back(cc.data<complex64_t>()[i].real());
    im.push_back(cc.data<complex64_t>()[i].imag());
  }
  EXPECT_NEAR(var_of(re), 0.5, 0.02);
  EXPECT_NEAR(var_of(im), 0.5, 0.02);
  EXPECT_THROW(random::normal({2}, int32, k), std::invalid_argument);
  EXPECT_THROW(random::normal({2}, float32, array({1.0f, 2.0f, 3.0f}),
                              std::nullopt, k),
               std::invalid_argument);
}

TEST(Random, Randint) {
  auto k = random::key(3);
  auto r = random::randint(array(-3), array(4), {50000}, int32, k);
  EXPECT_EQ(r.dtype(), int32);
  auto v = to_vector(r);
  std::vector<int> counts(7, 0);
  for (double x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LE(x, 3);
    ASSERT_EQ(x, std::floor(x));
    counts[int(x) + 3]++;
  }
  for (int c : counts) EXPECT_NEAR(c / 50000.0, 1.0 / 7, 0.01);
  auto u8 = random::randint(array(0), array(256), {1000}, uint8, k);
  EXPECT_EQ(u8.dtype(), uint8);
  auto b = random::randint(array(0), array(2), {1000}, bool_, k);
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_NEAR(mean_of(to_vector(b)), 0.5, 0.06);
  EXPECT_THROW(random::randint(array(0), array(5), {3}, float32, k),
               std::invalid_argument);
}

TEST(Random, Bernoulli) {
  auto k = random::key(4);
  auto b = random::bernoulli(array(0.3f), {100000}, k);
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_NEAR(mean_of(to_vector(b)), 0.3, 0.01);
  auto p = array({0.0f, 1.0f, -1.0f, 2.0f});
  auto e = random::bernoulli(p, k);
  EXPECT_EQ(e.shape(), (Shape{4}));
  expect_values(e, {0, 1, 0, 1});
  EXPECT_EQ(random::bernoulli(std::optional<array>(k)).ndim(), 0);
  EXPECT_NEAR(mean_of(to_vector(random::bernoulli(array(0.5, float64), {20000}, k))),
              0.5, 0.02);
  EXPECT_THROW(random::bernoulli(array(1), k), std::invalid_argument);
  EXPECT_THROW(random::bernoulli(array({0.1f, 0.2f}), {3}, k),
               std::invalid_argument);
}

TEST(Random, TruncatedNormal) {
  auto k = random::key(5);
  auto t = random::truncated_normal(array(-1.0f), array(2.0f), Shape{100000},
                                    float32, k);
  auto v = to_vector(t);
  for (double x : v) {
    ASSERT_GE(x, -1.0);
    ASSERT_LE(x, 2.0);
  }
  // Mean of N(0,1) truncated to (a, b): (phi(a) - phi(b)) / (Phi(b) - Phi(a)).
  auto phi = [](double x) { return std::exp(-x * x / 2) / std::sqrt(2 * M_PI); };
  auto Phi = [](double x) { return 0.5 * (1 + std::erf(x / std::sqrt(2.0))); };
  double m = (phi(-1) - phi(2)) / (Phi(2) - Phi(-1));
  EXPECT_NEAR(mean_of(v), m, 0.01);
  auto d = random::truncated_normal(array({0.0f, 5.0f}), array(6.0f),
                                    std::nullopt, float32, k);
  EXPECT_EQ(d.shape(), (Shape{2}));
  EXPECT_THROW(random::truncated_normal(array(0.0f), array(1.0f), Shape{2},
                                        int32, k),
               std::invalid_argument);
}

TEST(Random, GumbelLaplace) {
  auto k = random::key(6);
  auto g = to_vector(random::gumbel({200000}, float32, k));
  EXPECT_NEAR(mean_of(g), 0.5772156649, 0.01);
  EXPECT_NEAR(var_of(g), M_PI * M_PI / 6, 0.03);
  auto l = to_vector(random::laplace({200000}, float32, 1.0f, 2.0f, k));
  EXPECT_NEAR(mean_of(l), 1.0, 0.03);
  EXPECT_NEAR(var_of(l), 8.0, 0.15);
  auto lh = random::laplace({10}, float16, 0.0f, 1.0f, k);
  EXPECT_EQ(lh.dtype(), float16);
  EXPECT_THROW(random::laplace({2}, int32, 0.0f, 1.0f, k),
               std::invalid_argument);
}

TEST(Random, Categorical) {
  auto k = random::key(7);
  std::vector<double> probs = {0.1, 0.2, 0.3, 0.4};
  std::vector<float> lg;
  for (double p : probs) lg.push_back(float(std::log(p)));
  auto logits = array(lg, {4});
  // Single distribution with a shape: inverse-CDF path.
  auto c = random::categorical(logits, -1, Shape{40000}, k);
  EXPECT_EQ(c.dtype(), uint32);
  EXPECT_EQ(c.shape(), (Shape{40000}));
  std::vector<double> cnt(4, 0);
  for (double x : to_vector(c)) cnt[int(x)] += 1;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(cnt[i] / 40000, probs[i], 0.01);
  // Batched distributions (Gumbel-max), axis 0 of (4, 3).
  auto l2 = broadcast_to(reshape(logits, {4, 1}), {4, 3});
  auto c2 = random::categorical(l2, 0, 20000, k);
  EXPECT_EQ(c2.shape(), (Shape{3, 20000}));
  std::vector<double> cnt2(4, 0);
  for (double x : to_vector(c2)) cnt2[int(x)] += 1;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(cnt2[i] / 60000, probs[i], 0.01);
  auto c3 = random::categorical(l2, 0, k);
  EXPECT_EQ(c3.shape(), (Shape{3}));
  auto c4 = random::categorical(transpose(l2), 1, Shape{5, 3}, k);
  EXPECT_EQ(c4.shape(), (Shape{5, 3}));
  for (double x : to_vector(c4)) EXPECT_LT(x, 4);
  // -inf logits are never drawn.
  auto only = array({-INFINITY, 0.0f, -INFINITY});
  for (double x : to_vector(random::categorical(only, 0, 100, k))) EXPECT_EQ(x, 1);
  EXPECT_THROW(random::categorical(l2, 0, Shape{2}, k), std::invalid_argument);
  EXPECT_THROW(random::categorical(l2, 2, k), std::out_of_range);
  EXPECT_THROW(random::categorical(array(1.0f), 0, k), std::invalid_argument);
  EXPECT_THROW(random::categorical(l2, 0, -1, k), std::invalid_argument);
}

TEST(Random, Permutation) {
  auto k = random::key(8);
  auto p = random::permutation(10, k);
  EXPECT_EQ(p.dtype(), uint32);
  auto v = to_vector(p);
  auto sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(sorted[i], i);
  // Equal to argsort of the raw bits.
  auto w = raw<uint32_t>(random::bits({10}, 4, k));
  for (int i = 0; i + 1 < 10; ++i) EXPECT_LT(w[int(v[i])], w[int(v[i + 1])]);
  auto x = reshape(arange(12.0, float32), {3, 4});
  auto px = random::permutation(x, 1, k);
  auto pv = to_vector(px);
  for (int r = 0; r < 3; ++r) {
    std::vector<double> row(pv.begin() + 4 * r, pv.begin() + 4 * r + 4);
    std::sort(row.begin(), row.end());
    for (int j = 0; j < 4; ++j) EXPECT_EQ(row[j], 4 * r + j);
    // Same column permutation in every row.
    EXPECT_EQ(pv[4 * r] - 4 * r, pv[0]);
  }
  EXPECT_EQ(random::permutation(0, k).size(), 0u);
  EXPECT_THROW(random::permutation(-1, k), std::invalid_argument);
  EXPECT_THROW(random::permutation(array(1.0f), 0, k), std::invalid_argument);
  EXPECT_THROW(random::permutation(x, 2, k), std::out_of_range);
}

TEST(Random, MultivariateNormal) {
  auto k = random::key(9);
  std::vector<float> cov = {4.0f, 1.2f, 0.0f, 1.2f, 1.0f, -0.3f,
                            0.0f, -0.3f, 2.0f};
  auto m = array({1.0f, -2.0f, 0.5f});
  int n = 60000;
  auto x = random::multivariate_normal(m, array(cov, {3, 3}), {n}, float32, k);
  EXPECT_EQ(x.shape(), (Shape{n, 3}));
  auto v = to_vector(x);
  double mu[3] = {0, 0, 0};
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < 3; ++j) mu[j] += v[i * 3 + j] / n;
  EXPECT_NEAR(mu[0], 1.0, 0.03);
  EXPECT_NEAR(mu[1], -2.0, 0.03);
  EXPECT_NEAR(mu[2], 0.5, 0.03);
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      double c = 0;
      for (int i = 0; i < n; ++i)
        c += (v[i * 3 + a] - mu[a]) * (v[i * 3 + b] - mu[b]);
      EXPECT_NEAR(c / n, cov[a * 3 + b], 0.08) << a << "," << b;
    }
  }
  // Batched mean (2, 3) broadcast with shape (4, 2).
  auto mb = random::multivariate_normal(broadcast_to(m, {2, 3}),
                                        array(cov, {3, 3}), {4, 2}, float32, k);
  EXPECT_EQ(mb.shape(), (Shape{4, 2, 3}));
  EXPECT_THROW(random::multivariate_normal(m, array(cov, {3, 3}), {2},
                                           float16, k),
               std::invalid_argument);
  EXPECT_THROW(random::multivariate_normal(m, array({1.0f, 2.0f}), {2},
                                           float32, k),
               std::invalid_argument);
  EXPECT_THROW(random::multivariate_normal(m, zeros({3, 2}), {}, float32, k),
               std::invalid_argument);
  EXPECT_THROW(random::multivariate_normal(m, zeros({2, 2}), {}, float32, k),
               std::invalid_argument);
}

TEST(Random, PsdSqrtAndGrads) {
  // A = [[2, 1], [1, 2]] has sqrt with eigenvalues sqrt(3), 1.
  auto a = array({2.0, 1.0, 1.0, 2.0}, {2, 2}, float64);
  auto x = array(a.shape(), float64, std::make_shared<PsdSqrt>(to_stream({})),
                 {a});
  auto prim = x.primitive_ptr();  // eval detaches the node
  double s3 = std::sqrt(3.0);
  double d = (s3 + 1) / 2, o = (s3 - 1) / 2;
  expect_values(x, {d, o, o, d}, 1e-12);
  // vjp/jvp against central finite differences of the reference.
  auto ref_sqrt = [&](double e00, double e01, double e11) {
    // Closed form for a symmetric 2x2: sqrt(A) = (A + sqrt(det) I) / t.
    double det = e00 * e11 - e01 * e01;
    double sd = std::sqrt(det);
    double t = std::sqrt(e00 + e11 + 2 * sd);
    return std::vector<double>{(e00 + sd) / t, e01 / t, e01 / t, (e11 + sd) / t};
  };
  auto& p = *prim;
  auto tan = array({0.3, 0.1, 0.1, -0.2}, {2, 2}, float64);
  auto jv = to_vector(p.jvp({a}, {tan}, {0})[0]);
  double h = 1e-6;
  auto fp = ref_sqrt(2 + 0.3 * h, 1 + 0.1 * h, 2 - 0.2 * h);
  auto fm = ref_sqrt(2 - 0.3 * h, 1 - 0.1 * h, 2 + 0.2 * h);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(jv[i], (fp[i] - fm[i]) / (2 * h), 1e-6);
  // vjp: <vjp(G), T> == <G, jvp(T)> for symmetric G, T.
  auto G = array({1.0, -0.5, -0.5, 2.0}, {2, 2}, float64);
  auto vj = to_vector(p.vjp({a}, {G}, {0}, {x})[0]);
  auto Gv = to_vector(G), Tv = to_vector(tan);
  double lhs = 0, rhs = 0;
  for (int i = 0; i < 4; ++i) {
    lhs += vj[i] * Tv[i];
    rhs += Gv[i] * jv[i];
  }
  EXPECT_NEAR(lhs, rhs, 1e-9);
  // vmap over a batch on the last axis.
  auto ab = stack({a, multiply(a, array(4.0, float64))}, 2);
  auto [outs, axes] = p.vmap({ab}, {2});
  EXPECT_EQ(axes[0], 0);
  auto ov = to_vector(outs[0]);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(ov[i], to_vector(x)[i], 1e-12);
    EXPECT_NEAR(ov[4 + i], 2 * to_vector(x)[i], 1e-12);
  }
}
