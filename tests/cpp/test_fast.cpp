// Fast ops: rms_norm, layer_norm, rope, scaled_dot_product_attention against
// double-precision loops; gradients against closed forms / finite differences.
#include <gtest/gtest.h>

#include <cmath>

#include "ember/ember.h"
#include "ember/primitives/fast.h"
#include "test_utils.h"

using namespace ember;

namespace {
std::vector<double> rand_vec(size_t n, uint32_t seed, double lo = -2,
                             double hi = 2) {
  std::vector<double> v(n);
  uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& x : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x = lo + (hi - lo) * double(s >> 11) / double(1ULL << 53);
  }
  return v;
}
double tol_of(Dtype d) {
  return d == float16 ? 5e-3 : d == bfloat16 ? 3e-2 : d == float64 ? 1e-10 : 2e-5;
}
// Values as stored in dtype (so references start from the same inputs).
std::vector<double> rounded(const std::vector<double>& v, Dtype d) {
  return to_vector(astype(array(v, {int(v.size())}, float64), d));
}

std::vector<double> ref_rms(const std::vector<double>& x, int d,
                            const std::vector<double>* w, double eps) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    double ss = 0;
    for (int i = 0; i < d; ++i) ss += x[r * d + i] * x[r * d + i];
    double inv = 1 / std::sqrt(ss / d + eps);
    for (int i = 0; i < d; ++i)
      y[r * d + i] = x[r * d + i] * inv * (w ? (*w)[i] : 1.0);
  }
  return y;
}
std::vector<double> ref_ln(const std::vector<double>& x, int d,
                           const std::vector<double>* w,
                           const std::vector<double>* b, double eps) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / d; ++r) {
    double mu = 0, var = 0;
    for (int i = 0; i < d; ++i) mu += x[r * d + i] / d;
    for (int i = 0; i < d; ++i) var += (x[r * d + i] - mu) * (x[r * d + i] - mu) / d;
    double inv = 1 / std::sqrt(var + eps);
    for (int i = 0; i < d; ++i)
      y[r * d + i] = (x[r * d + i] - mu) * inv * (w ? (*w)[i] : 1.0) +
                     (b ? (*b)[i] : 0.0);
  }
  return y;
}
}  // namespace

TEST(Fast, RMSNormValues) {
  int R = 6, d = 40;
  auto xv = rand_vec(R * d, 1);
  auto wv = rand_vec(d, 2, 0.5, 1.5);
  for (auto dt : {float32, float16, bfloat16, float64}) {
    auto xr = rounded(xv, dt), wr = rounded(wv, dt);
    auto x = astype(array(xv, {2, 3, d}, float64), dt);
    auto w = astype(array(wv, {d}, float64), dt);
    auto y = fast::rms_norm(x, w, 1e-5f);
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_EQ(y.shape(), (Shape{2, 3, d}));
    expect_values(y, ref_rms(xr, d, &wr, 1e-5), tol_of(dt));
    expect_values(fast::rms_norm(x, std::nullopt, 1e-5f),
                  ref_rms(xr, d, nullptr, 1e-5), tol_of(dt));
  }
  // Promotion with the weight dtype; non-contiguous x; large rows.
  auto x16 = astype(array(xv, {R, d}, float64), float16);
  EXPECT_EQ(fast::rms_norm(x16, array(wv, {d}, float32), 1e-6f).dtype(), float32);
  auto xt = transpose(array(xv, {d, R}, float32));
  std::vector<double> xtv(R * d);
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < d; ++i) xtv[r * d + i] = float(xv[i * R + r]);
  expect_values(fast::rms_norm(xt, std::nullopt, 1e-5f),
                ref_rms(xtv, d, nullptr, 1e-5), 2e-5);
  auto big = rand_vec(300 * 512, 3);
  expect_values(fast::rms_norm(array(big, {300, 512}, float32), std::nullopt, 1e-5f),
                ref_rms(rounded(big, float32), 512, nullptr, 1e-5), 2e-5);
  EXPECT_EQ(fast::rms_norm(zeros({0, 4}), std::nullopt, 1e-5f).size(), 0u);
}

TEST(Fast, RMSNormErrors) {
  EXPECT_THROW(fast::rms_norm(array(1.0f), std::nullopt, 1e-5f),
               std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(zeros({2, 4}), zeros({3}), 1e-5f),
               std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(zeros({2, 4}), zeros({1, 4}), 1e-5f),
               std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(zeros({2, 4}, int32), std::nullopt, 1e-5f),
               std::invalid_argument);
}

TEST(Fast, LayerNormValues) {
  int d = 24;
  auto xv = rand_vec(4 * d, 4);
  auto wv = rand_vec(d, 5, 0.5, 1.5), bv = rand_vec(d, 6);
  for (auto dt : {float32, float16, bfloat16, float64}) {
    auto xr = rounded(xv, dt), wr = rounded(wv, dt), br = rounded(bv, dt);
    auto x = astype(array(xv, {4, d}, float64), dt);
    auto w = astype(array(wv, {d}, float64), dt);
    auto b = astype(array(bv, {d}, float64), dt);
    expect_values(fast::layer_norm(x, w, b, 1e-5f), ref_ln(xr, d, &wr, &br, 1e-5),
                  tol_of(dt) * 2);
    expect_values(fast::layer_norm(x, std::nullopt, std::nullopt, 1e-5f),
                  ref_ln(xr, d, nullptr, nullptr, 1e-5), tol_of(dt) * 2);
    expect_values(fast::layer_norm(x, w, std::nullopt, 1e-5f),
                  ref_ln(xr, d, &wr, nullptr, 1e-5), tol_of(dt) * 2);
    expect_values(fast::layer_norm(x, std::nullopt, b, 1e-5f),
                  ref_ln(xr, d, nullptr, &br, 1e-5), tol_of(dt) * 2);
  }
  // Broadcast (stride-0) input rows.
  auto row = array(std::vector<double>(xv.begin(), xv.begin() + d), {d}, float32);
  auto xb = broadcast_to(row, {3, d});
  auto r1 = ref_ln(rounded(std::vector<double>(xv.begin(), xv.begin() + d), float32),
                   d, nullptr, nullptr, 1e-5);
  std::vector<double> r3;
  for (int i = 0; i < 3; ++i) r3.insert(r3.end(), r1.begin(), r1.end());
  expect_values(fast::layer_norm(xb, std::nullopt, std::nullopt, 1e-5f), r3, 2e-5);
  EXPECT_THROW(fast::layer_norm(zeros({2, 4}), std::nullopt, zeros({5}), 1e-5f),
               std::invalid_argument);
  EXPECT_THROW(fast::layer_norm(zeros({2, 4}), zeros({5}), std::nullopt, 1e-5f),
               std::invalid_argument);
  EXPECT_THROW(fast::layer_norm(array(1.0f), std::nullopt, std::nullopt, 1e-5f),
               std::invalid_argument);
  EXPECT_THROW(fast::layer_norm(zeros({2, 4}, int8), std::nullopt, std::nullopt, 1e-5f),
               std::invalid_argument);
}

TEST(Fast, NormGradients) {
  int R = 3, d = 7;
  auto xv = rand_vec(R * d, 7), wv = rand_vec(d, 8, 0.5, 1.5),
       bv = rand_vec(d, 9), gv = rand_vec(R * d, 10);
  auto x = array(xv, {R, d}, float64), w = array(wv, {d}, float64),
       b = array(bv, {d}, float64), g = array(gv, {R, d}, float64);
  double eps = 1e-5;
  // rms_norm closed form: dx = r (gw - n mean(gw n)), dw = sum g n.
  auto [outs, grads] = vjp(
      [&](const std::vector<array>& in) {
        return std::vector<array>{fast::rms_norm(in[0], in[1], float(eps))};
      },
      {x, w}, {g});
  std::vector<double> dx(R * d), dw(d, 0);
  for (int r = 0; r < R; ++r) {
    double ss = 0;
    for (int i = 0; i < d; ++i) ss += xv[r * d + i] * xv[r * d + i];
    double inv = 1 / std::sqrt(ss / d + double(float(eps)));
    double m = 0;
    for (int i = 0; i < d; ++i)
      m += gv[r * d + i] * wv[i] * xv[r * d + i] * inv / d;
    for (int i = 0; i < d; ++i) {
      double n = xv[r * d + i] * inv;
      dx[r * d + i] = inv * (gv[r * d + i] * wv[i] - n * m);
      dw[i] += gv[r * d + i] * n;
    }
  }
  expect_values(grads[0], dx, 1e-9);
  expect_values(grads[1], dw, 1e-9);
  // layer_norm: jvp against central differences of the double reference.
  auto dir = rand_vec(R * d, 11);
  auto [o2, t2] = jvp(
      [&](const std::vector<array>& in) {
        return std::vector<array>{fast::layer_norm(in[0], w, b, float(eps))};
      },
      {x}, {array(dir, {R, d}, float64)});
  double h = 1e-6;
  std::vector<double> xp(xv), xm(xv);
  for (int i = 0; i < R * d; ++i) {
    xp[i] += h * dir[i];
    xm[i] -= h * dir[i];
  }
  auto fp = ref_ln(xp, d, &wv, &bv, double(float(eps)));
  auto fm = ref_ln(xm, d, &wv, &bv, double(float(eps)));
  std::vector<double> fd(R * d);
  for (int i = 0; i < R * d; ++i) fd[i] = (fp[i] - fm[i]) / (2 * h);
  expect_values(t2[0], fd, 1e-6);
  // layer_norm vjp: bias gradient is the column sum of g.
  auto [o3, g3] = vjp(
      [&](const std::vector<array>& in) {
        return std::vector<array>{fast::layer_norm(in[0], in[1], in[2], float(eps))};
      },
      {x, w, b}, {g});
  std::vector<double> db(d, 0);
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < d; ++i) db[i] += gv[r * d + i];
  expect_values(g3[2], db, 1e-12);
  // <vjp_x(g), dir> == <g, jvp_x(dir)>.
  auto vx = to_vector(g3[0]), jx = to_vector(t2[0]);
  double lhs = 0, rhs = 0;
  for (int i = 0; i < R * d; ++i) {
    lhs += vx[i] * dir[i];
    rhs += gv[i] * jx[i];
  }
  EXPECT_NEAR(lhs, rhs, 1e-9);
}

TEST(Fast, NormVmap) {
  int V = 3, R = 2, d = 5;
  auto xv = rand_vec(V * R * d, 12);
  auto wv = rand_vec(d, 13);
  auto x = array(xv, {V, R, d}, float32);
  auto w = array(wv, {d}, float32);
  // Batch on axis 0 (passes through the fused kernel).
  auto f = vmap([&](const array& a) { return fast::rms_norm(a, w, 1e-5f); });
  expect_values(f(x), ref_rms(rounded(xv, float32), d, &wv, 1e-5), 1e-5);
  // Batch on the last axis: each column of (R, d, V) is a row.
  auto xt = moveaxis(x, 0, 2);
  auto f2 = vmap([&](const array& a) { return fast::layer_norm(a, std::nullopt, std::nullopt, 1e-5f); },
                 2, 0);
  expect_values(f2(xt), ref_ln(rounded(xv, float32), d, nullptr, nullptr, 1e-5), 1e-5);
  // Batched weights (V, d).
  auto wb = array(rand_vec(V * d, 14), {V, d}, float32);
  auto f3 = vmap([&](const array& a, const array& ww) {
    return fast::rms_norm(a, ww, 1e-5f);
  });
  auto out = to_vector(f3(x, wb));
  auto wbv = to_vector(wb);
  for (int vb = 0; vb < V; ++vb) {
    std::vector<double> xs(xv.begin() + vb * R * d, xv.begin() + (vb + 1) * R * d);
    std::vector<double> ws(wbv.begin() + vb * d, wbv.begin() + (vb + 1) * d);
    auto r = ref_rms(rounded(xs, float32), d, &ws, 1e-5);
    for (int i = 0; i < R * d; ++i) EXPECT_NEAR(out[vb * R * d + i], r[i], 1e-5);
  }
}

namespace {
// x: (B, H, T, D) flattened; offsets per batch.
std::vector<double> ref_rope(const std::vector<double>& x, int B, int H, int T,
                             int D, int dims, bool trad, double base,
                             double scale, const std::vector<double>& off,
                             const std::vector<double>* freqs, double sign = 1) {
  std::vector<double> y(x);
  int half = dims / 2;
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h)
      for (int t = 0; t < T; ++t) {
        double pos = (t + off[off.size() == 1 ? 0 : b]) * scale;
        const double* xr = &x[((b * H + h) * T + t) * D];
        double* yr = &y[((b * H + h) * T + t) * D];
        for (int i = 0; i < half; ++i) {
          double invf = freqs ? 1.0 / (*freqs)[i] : std::pow(base, -2.0 * i / dims);
          double th = sign * pos * invf;
          int i1 = trad ? 2 * i : i, i2 = trad ? 2 * i + 1 : i + half;
          yr[i1] = xr[i1] * std::cos(th) - xr[i2] * std::sin(th);
          yr[i2] = xr[i1] * std::sin(th) + xr[i2] * std::cos(th);
        }
      }
  return y;
}
}  // namespace

TEST(Fast, RopeValues) {
  int B = 2, H = 3, T = 5, D = 8;
  auto xv = rand_vec(B * H * T * D, 20);
  for (auto dt : {float32, float16, bfloat16}) {
    auto x = astype(array(xv, {B, H, T, D}, float64), dt);
    auto xr = rounded(xv, dt);
    double tol = dt == float32 ? 2e-5 : dt == float16 ? 4e-3 : 3e-2;
    for (bool trad : {false, true}) {
      for (int dims : {8, 4}) {
        auto y = fast::rope(x, dims, trad, 10000.0f, 1.0f, 3);
        EXPECT_EQ(y.dtype(), dt);
        expect_values(y, ref_rope(xr, B, H, T, D, dims, trad, 10000, 1, {3}, nullptr),
                      tol);
      }
    }
    // Array offsets per batch item and a position scale.
    auto y = fast::rope(x, 8, false, 500.0f, 0.5f, array({2, 7}));
    expect_values(y, ref_rope(xr, B, H, T, D, 8, false, 500, 0.5, {2, 7}, nullptr), tol);
  }
  // Custom freqs; 3-D input; scalar array offset.
  std::vector<double> fr = {1.0, 3.0, 10.0, 100.0};
  auto x3 = array(std::vector<double>(xv.begin(), xv.begin() + 1 * T * D), {1, T, D},
                  float32);
  auto y3 = fast::rope(x3, 8, true, std::nullopt, 1.0f, array(4),
                       array(fr, {4}, float32));
  expect_values(y3, ref_rope(rounded(std::vector<double>(xv.begin(), xv.begin() + T * D),
                                     float32),
                             1, 1, T, D, 8, true, 0, 1, {4}, &fr),
                2e-5);
  // Non-contiguous input.
  auto xt = swapaxes(array(xv, {B, H, D, T}, float32), 2, 3);
  std::vector<double> xtv(B * H * T * D);
  for (int bh = 0; bh < B * H; ++bh)
    for (int t = 0; t < T; ++t)
      for (int d = 0; d < D; ++d) xtv[(bh * T + t) * D + d] = float(xv[(bh * D + d) * T + t]);
  expect_values(fast::rope(xt, 6, false, 10000.0f, 1.0f, 0),
                ref_rope(xtv, B, H, T, D, 6, false, 10000, 1, {0}, nullptr), 2e-5);
}

TEST(Fast, RopeErrors) {
  auto x = zeros({1, 2, 4, 8});
  EXPECT_THROW(fast::rope(zeros({4, 8}), 8, false, 1e4f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 7, false, 1e4f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 10, false, 1e4f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, std::nullopt, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, 1e4f, 1.0f, 0, zeros({4})), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, std::nullopt, 1.0f, 0, zeros({3})),
               std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, 1e4f, 1.0f, array(1.0f)), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, 1e4f, 1.0f, array({1, 2})), std::invalid_argument);
  EXPECT_THROW(fast::rope(zeros({1, 2, 4, 8}, int32), 8, false, 1e4f, 1.0f, 0),
               std::invalid_argument);
}

TEST(Fast, RopeGradAndVmap) {
  int B = 1, H = 2, T = 3, D = 4;
  auto xv = rand_vec(B * H * T * D, 21), gv = rand_vec(B * H * T * D, 22);
  auto x = array(xv, {B, H, T, D}, float64);
  auto [o, g] = vjp([&](const array& a) { return fast::rope(a, 4, false, 100.0f, 1.0f, 2); },
                    x, array(gv, {B, H, T, D}, float64));
  // The rotation is orthogonal: the vjp rotates back.
  expect_values(g, ref_rope(gv, B, H, T, D, 4, false, 100, 1, {2}, nullptr, -1), 1e-6);
  auto [o2, t] = jvp([&](const array& a) { return fast::rope(a, 4, true, 100.0f, 1.0f, 2); },
                     x, array(gv, {B, H, T, D}, float64));
  expect_values(t, ref_rope(gv, B, H, T, D, 4, true, 100, 1, {2}, nullptr), 1e-6);
  // vmap over a leading axis with a per-batch offset array.
  int V = 2;
  auto xb = array(rand_vec(V * 2 * H * T * D, 23), {V, 2, H, T, D}, float32);
  auto off = array({1, 5});
  auto f = vmap([&](const array& a) { return fast::rope(a, 4, false, 100.0f, 1.0f, off); });
  auto r = f(xb);
  auto xbv = to_vector(xb), rv = to_vector(r);
  auto ref = ref_rope(xbv, V * 2, H, T, D, 4, false, 100, 1, {1, 5, 1, 5}, nullptr);
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(rv[i], ref[i], 2e-5);
}

namespace {
// q (B, Nq, Tq, D), k (B, Nkv, Tk, D), v (B, Nkv, Tk, Dv); mask_kind 0/1/2/3.
std::vector<double> ref_sdpa(const std::vector<double>& q, const std::vector<double>& k,
                             const std::vector<double>& v, int B, int Nq, int Nkv,
                             int Tq, int Tk, int D, int Dv, double scale, int mask_kind,
                             const std::vector<double>& mask,  // (B,Nq,Tq,Tk) dense
                             const std::vector<double>* sinks) {
  std::vector<double> out(B * Nq * Tq * Dv);
  int G = Nq / Nkv;
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < Nq; ++h)
      for (int i = 0; i < Tq; ++i) {
        int kh = h / G;
        std::vector<double> s(Tk);
        double m = sinks ? (*sinks)[h] : -INFINITY;
        for (int j = 0; j < Tk; ++j) {
          double dot = 0;
          for (int d = 0; d < D; ++d)
            dot += scale * q[((b * Nq + h) * Tq + i) * D + d] *
                   k[((b * Nkv + kh) * Tk + j) * D + d];
          double mv = mask.empty() ? 0 : mask[((b * Nq + h) * Tq + i) * Tk + j];
          if (mask_kind == 1 && j > i + Tk - Tq) dot = -3.4028234663852886e38;
          if (mask_kind == 2 && mv == 0) dot = -3.4028234663852886e38;
          if (mask_kind == 3) dot += mv;
          s[j] = dot;
          m = std::max(m, dot);
        }
        double den = sinks ? std::exp((*sinks)[h] - m) : 0;
        for (int j = 0; j < Tk; ++j) {
          s[j] = std::exp(s[j] - m);
          den += s[j];
        }
        for (int d = 0; d < Dv; ++d) {
          double acc = 0;
          for (int j = 0; j < Tk; ++j) acc += s[j] * v[((b * Nkv + kh) * Tk + j) * Dv + d];
          out[((b * Nq + h) * Tq + i) * Dv + d] = acc / den;
        }
      }
  return out;
}
}  // namespace

TEST(Fast, SDPAValues) {
  int B = 2, Nq = 4, Nkv = 2, Tq = 3, Tk = 5, D = 8, Dv = 6;
  auto qv = rand_vec(B * Nq * Tq * D, 30), kv = rand_vec(B * Nkv * Tk * D, 31),
       vv = rand_vec(B * Nkv * Tk * Dv, 32);
  double sc = 1.0 / std::sqrt(double(D));
  auto mb = rand_vec(B * Nq * Tq * Tk, 33, 0, 1);
  std::vector<double> boolm(mb.size()), addm = rand_vec(mb.size(), 34);
  for (size_t i = 0; i < mb.size(); ++i) boolm[i] = mb[i] < 0.7 ? 1 : 0;
  std::vector<double> sinks = {0.5, -1.0, 2.0, 0.0};
  for (auto dt : {float32, float16, bfloat16}) {
    auto q = astype(array(qv, {B, Nq, Tq, D}, float64), dt);
    auto k = astype(array(kv, {B, Nkv, Tk, D}, float64), dt);
    auto v = astype(array(vv, {B, Nkv, Tk, Dv}, float64), dt);
    auto qr = rounded(qv, dt), kr = rounded(kv, dt), vr = rounded(vv, dt);
    double tol = dt == float32 ? 1e-5 : dt == float16 ? 1e-2 : 5e-2;
    auto o = fast::scaled_dot_product_attention(q, k, v, float(sc));
    EXPECT_EQ(o.dtype(), dt);
    EXPECT_EQ(o.shape(), (Shape{B, Nq, Tq, Dv}));
    expect_values(o, ref_sdpa(qr, kr, vr, B, Nq, Nkv, Tq, Tk, D, Dv, sc, 0, {}, nullptr), tol);
    expect_values(fast::scaled_dot_product_attention(q, k, v, float(sc), "causal"),
                  ref_sdpa(qr, kr, vr, B, Nq, Nkv, Tq, Tk, D, Dv, sc, 1, {}, nullptr), tol);
    auto bm = astype(array(boolm, {B, Nq, Tq, Tk}, float64), bool_);
    expect_values(fast::scaled_dot_product_attention(q, k, v, float(sc), "", bm),
                  ref_sdpa(qr, kr, vr, B, Nq, Nkv, Tq, Tk, D, Dv, sc, 2, boolm, nullptr),
                  tol);
    auto am = astype(array(addm, {B, Nq, Tq, Tk}, float64), dt);
    expect_values(fast::scaled_dot_product_attention(q, k, v, float(sc), "", am),
                  ref_sdpa(qr, kr, vr, B, Nq, Nkv, Tq, Tk, D, Dv, sc, 3,
                           rounded(addm, dt), nullptr),
                  tol);
    auto sk = astype(array(sinks, {Nq}, float64), dt);
    expect_values(fast::scaled_dot_product_attention(q, k, v, float(sc), "causal",
                                                     std::nullopt, sk),
                  ref_sdpa(qr, kr, vr, B, Nq, Nkv, Tq, Tk, D, Dv, sc, 1, {}, &sinks),
                  tol);
  }
  // Broadcast mask (Tq, Tk) and a non-contiguous q.
  auto m2 = rand_vec(Tq * Tk, 35);
  std::vector<double> m2full;
  for (int i = 0; i < B * Nq; ++i) m2full.insert(m2full.end(), m2.begin(), m2.end());
  auto q = swapaxes(array(qv, {B, Tq, Nq, D}, float32), 1, 2);
  std::vector<double> qt(qv.size());
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < Tq; ++t)
      for (int h = 0; h < Nq; ++h)
        for (int d = 0; d < D; ++d)
          qt[((b * Nq + h) * Tq + t) * D + d] = float(qv[((b * Tq + t) * Nq + h) * D + d]);
  auto k = array(kv, {B, Nkv, Tk, D}, float32), v = array(vv, {B, Nkv, Tk, Dv}, float32);
  expect_values(fast::scaled_dot_product_attention(q, k, v, 0.3f, "",
                                                   array(m2, {Tq, Tk}, float32)),
                ref_sdpa(qt, rounded(kv, float32), rounded(vv, float32), B, Nq, Nkv, Tq,
                         Tk, D, Dv, 0.3, 3, rounded(m2full, float32), nullptr),
                1e-5);
  // Causal with Tq == Tk, one head (MQA with Nq = 4 and Nkv = 1).
  auto k1 = array(std::vector<double>(kv.begin(), kv.begin() + B * Tk * D), {B, 1, Tk, D}, float32);
  auto v1 = array(std::vector<double>(vv.begin(), vv.begin() + B * Tk * Dv), {B, 1, Tk, Dv}, float32);
  auto q5 = array(rand_vec(B * Nq * Tk * D, 36), {B, Nq, Tk, D}, float32);
  expect_values(fast::scaled_dot_product_attention(q5, k1, v1, 0.5f, "causal"),
                ref_sdpa(to_vector(q5), to_vector(k1), to_vector(v1), B, Nq, 1, Tk, Tk,
                         D, Dv, 0.5, 1, {}, nullptr),
                1e-5);
}

TEST(Fast, SDPAErrors) {
  auto q = zeros({1, 4, 3, 8}), k = zeros({1, 2, 5, 8}), v = zeros({1, 2, 5, 6});
  EXPECT_THROW(fast::scaled_dot_product_attention(zeros({4, 3, 8}), k, v, 1.0f),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, zeros({1, 3, 5, 8}),
                                                  zeros({1, 3, 5, 6}), 1.0f),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, zeros({1, 2, 5, 7}), v, 1.0f),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k, zeros({1, 2, 4, 6}), 1.0f),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, zeros({2, 2, 5, 8}), v, 1.0f),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k, v, 1.0f, "upper"),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k, v, 1.0f, "", zeros({3, 4})),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k, v, 1.0f, "", zeros({1, 1, 1, 3, 5})),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(astype(q, float16), astype(k, float16),
                                                  astype(v, float16), 1.0f, "",
                                                  zeros({3, 5})),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k, v, 1.0f, "", std::nullopt,
                                                  zeros({2})),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(astype(q, int32), astype(k, int32),
                                                  astype(v, int32), 1.0f),
               std::invalid_argument);
}

TEST(Fast, SDPAGradAndVmap) {
  int B = 1, Nq = 2, Nkv = 1, Tq = 3, Tk = 4, D = 3, Dv = 2;
  auto qv = rand_vec(B * Nq * Tq * D, 40), kv = rand_vec(B * Nkv * Tk * D, 41),
       vv = rand_vec(B * Nkv * Tk * Dv, 42), gv = rand_vec(B * Nq * Tq * Dv, 43);
  auto q = array(qv, {B, Nq, Tq, D}, float64), k = array(kv, {B, Nkv, Tk, D}, float64),
       v = array(vv, {B, Nkv, Tk, Dv}, float64);
  std::vector<double> sinks = {0.3, -0.2};
  auto f = [&](const std::vector<array>& in) {
    return std::vector<array>{fast::scaled_dot_product_attention(
        in[0], in[1], in[2], 0.7f, "causal", std::nullopt, array(sinks, {2}, float64))};
  };
  auto [outs, grads] = vjp(f, {q, k, v}, {array(gv, {B, Nq, Tq, Dv}, float64)});
  // Directional derivative check for each input.
  std::vector<std::vector<double>> base = {qv, kv, vv};
  for (int a = 0; a < 3; ++a) {
    auto dir = rand_vec(base[a].size(), 50 + a);
    double h = 1e-6;
    auto pp = base, mm = base;
    for (size_t i = 0; i < dir.size(); ++i) {
      pp[a][i] += h * dir[i];
      mm[a][i] -= h * dir[i];
    }
    auto fp = ref_sdpa(pp[0], pp[1], pp[2], B, Nq, Nkv, Tq, Tk, D, Dv, double(0.7f), 1, {}, &sinks);
    auto fm = ref_sdpa(mm[0], mm[1], mm[2], B, Nq, Nkv, Tq, Tk, D, Dv, double(0.7f), 1, {}, &sinks);
    double fd = 0;
    for (size_t i = 0; i < fp.size(); ++i) fd += gv[i] * (fp[i] - fm[i]) / (2 * h);
    auto gvec = to_vector(grads[a]);
    double an = 0;
    for (size_t i = 0; i < dir.size(); ++i) an += gvec[i] * dir[i];
    EXPECT_NEAR(an, fd, 1e-6) << "input " << a;
  }
  // vmap over a new leading axis of q only.
  int V = 3;
  auto qb = array(rand_vec(V * B * Nq * Tq * D, 44), {V, B, Nq, Tq, D}, float32);
  auto kf = astype(k, float32), vf = astype(v, float32);
  auto g = vmap([&](const array& qq) {
    return fast::scaled_dot_product_attention(qq, kf, vf, 0.7f, "causal");
  });
  auto r = to_vector(g(qb));
  auto qbv = to_vector(qb);
  for (int i = 0; i < V; ++i) {
    std::vector<double> qs(qbv.begin() + i * B * Nq * Tq * D,
                           qbv.begin() + (i + 1) * B * Nq * Tq * D);
    auto ref = ref_sdpa(qs, to_vector(kf), to_vector(vf), B, Nq, Nkv, Tq, Tk, D, Dv,
                        double(0.7f), 1, {}, nullptr);
    for (size_t j = 0; j < ref.size(); ++j)
      EXPECT_NEAR(r[i * ref.size() + j], ref[j], 1e-5);
  }
}

// ---- fused backward of the norms (RMSNormVJP / LayerNormVJP) ----

namespace {
// sum(norm(x, w, b) * G) in double, for finite differences.
double norm_loss(bool layer, const std::vector<double>& x, int d,
                 const std::vector<double>* w, const std::vector<double>* b,
                 const std::vector<double>& G, double eps) {
  auto y = layer ? ref_ln(x, d, w, b, eps) : ref_rms(x, d, w, eps);
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += y[i] * G[i];
  return s;
}

std::vector<array> norm_call(bool layer, const std::vector<array>& in, bool hw,
                             bool hb, float eps) {
  std::optional<array> w, b;
  int i = 1;
  if (hw) w = in[i++];
  if (hb) b = in[i];
  return {layer ? fast::layer_norm(in[0], w, b, eps)
                : fast::rms_norm(in[0], w, eps)};
}
}  // namespace

TEST(Fast, NormFusedVjpFiniteDifferences) {
  // float64: every gradient against central differences of the double
  // reference, elementwise for short rows, along a random direction for
  // long ones; weight / bias present or not.
  const double eps = 1e-5, h = 1e-6;
  uint32_t seed = 100;
  for (bool layer : {false, true}) {
    for (int d : {1, 7, 16, 1000}) {
      for (int aff = 0; aff < (layer ? 4 : 2); ++aff) {
        bool hw = aff & 1, hb = layer && (aff & 2);
        int R = d >= 1000 ? 5 : 3;
        auto xv = rand_vec(R * d, seed++, -1.5, 2.5), gv = rand_vec(R * d, seed++);
        auto wv = rand_vec(d, seed++, 0.5, 1.5), bv = rand_vec(d, seed++);
        std::vector<array> in = {array(xv, {R, d}, float64)};
        if (hw) in.push_back(array(wv, {d}, float64));
        if (hb) in.push_back(array(bv, {d}, float64));
        auto [outs, grads] = vjp(
            [&](const std::vector<array>& a) {
              return norm_call(layer, a, hw, hb, float(eps));
            },
            in, {array(gv, {R, d}, float64)});
        // The backward is the fused node, not the fallback's ops.
        ASSERT_TRUE(grads[0].has_primitive());
        EXPECT_STREQ(grads[0].primitive().name(), layer ? "LayerNormVJP" : "RMSNormVJP");
        std::string what = std::string(layer ? "layer" : "rms") + " d=" +
                           std::to_string(d) + " aff=" + std::to_string(aff);
        const double e = double(float(eps));
        std::vector<std::vector<double>*> params = {&xv};
        if (hw) params.push_back(&wv);
        if (hb) params.push_back(&bv);
        for (size_t k = 0; k < params.size(); ++k) {
          auto got = to_vector(grads[k]);
          auto& p = *params[k];
          auto loss = [&]() {
            return norm_loss(layer, xv, d, hw ? &wv : nullptr, hb ? &bv : nullptr, gv, e);
          };
          if (p.size() <= 64) {
            for (size_t i = 0; i < p.size(); ++i) {
              double v = p[i];
              p[i] = v + h;
              double lp = loss();
              p[i] = v - h;
              double lm = loss();
              p[i] = v;
              EXPECT_NEAR(got[i], (lp - lm) / (2 * h), 1e-6 * (1 + std::abs(got[i])))
                  << what << " input " << k << " at " << i;
            }
          } else {
            auto dir = rand_vec(p.size(), seed++);
            auto orig = p;
            for (size_t i = 0; i < p.size(); ++i) p[i] = orig[i] + h * dir[i];
            double lp = loss();
            for (size_t i = 0; i < p.size(); ++i) p[i] = orig[i] - h * dir[i];
            double lm = loss();
            p = orig;
            double dot = 0;
            for (size_t i = 0; i < p.size(); ++i) dot += got[i] * dir[i];
            EXPECT_NEAR(dot, (lp - lm) / (2 * h), 1e-6 * (1 + std::abs(dot)))
                << what << " input " << k;
          }
        }
      }
    }
  }
}

TEST(Fast, NormFusedVjpMatchesFallback) {
  // float32: the fused backward against the vjp of the primitive's own
  // composed fallback (same math with basic ops); 3-D x, a broadcast
  // cotangent (from a sum), a broadcast (stride 0) weight and a strided x.
  const float eps = 1e-5f;
  uint32_t seed = 300;
  for (bool layer : {false, true}) {
    for (int d : {1, 7, 64, 1000}) {
      for (int aff = 0; aff < (layer ? 4 : 2); ++aff) {
        bool hw = aff & 1, hb = layer && (aff & 2);
        auto x = array(rand_vec(2 * 3 * d, seed++, -1, 3), {2, 3, d}, float32);
        std::vector<array> in = {x};
        if (hw) in.push_back(array(rand_vec(d, seed++, 0.5, 1.5), {d}, float32));
        if (hb) in.push_back(array(rand_vec(d, seed++), {d}, float32));
        auto g = array(rand_vec(2 * 3 * d, seed++), {2, 3, d}, float32);
        auto y = norm_call(layer, in, hw, hb, eps)[0];
        FastFallback fb = static_cast<FastPrimitive&>(y.primitive()).fallback();
        auto [o1, fused] = vjp(
            [&](const std::vector<array>& a) { return norm_call(layer, a, hw, hb, eps); },
            in, {g});
        auto [o2, ref] = vjp(fb, in, {g});
        std::string what = std::string(layer ? "layer" : "rms") + " d=" + std::to_string(d);
        for (size_t k = 0; k < in.size(); ++k) {
          EXPECT_EQ(fused[k].dtype(), in[k].dtype()) << what;
          auto r = to_vector(ref[k]);
          // Sums over rows (dweight, dbias) and dx alike: float rounding.
          auto got = to_vector(fused[k]);
          ASSERT_EQ(got.size(), r.size());
          for (size_t i = 0; i < r.size(); ++i) {
            EXPECT_NEAR(got[i], r[i], 2e-4 * (1 + std::abs(r[i])))
                << what << " input " << k << " at " << i;
          }
        }
      }
    }
  }
  // Broadcast cotangent (loss = sum), broadcast weight, transposed x.
  int d = 24;
  auto xt = transpose(array(rand_vec(d * 5, 400, -1, 2), {d, 5}, float32));
  auto wb = broadcast_to(array(1.5f), {d});
  auto loss = [&](const std::vector<array>& a) {
    return std::vector<array>{sum(fast::layer_norm(a[0], a[1], std::nullopt, eps))};
  };
  auto [o, gr] = vjp(loss, {xt, wb}, {array(1.0f)});
  auto yb = fast::layer_norm(xt, wb, std::nullopt, eps);
  FastFallback fb = static_cast<FastPrimitive&>(yb.primitive()).fallback();
  auto [o2, gref] = vjp(
      [&](const std::vector<array>& a) { return std::vector<array>{sum(fb(a)[0])}; },
      {xt, wb}, {array(1.0f)});
  expect_values(gr[0], to_vector(gref[0]), 1e-4);
  expect_values(gr[1], to_vector(gref[1]), 1e-4);
}

TEST(Fast, NormFusedVjpHalfTypesAndEdges) {
  // f16 / bf16: computed in float from the rounded inputs, against a
  // double reference of the same formulas.
  uint32_t seed = 500;
  for (Dtype dt : {float16, bfloat16}) {
    for (bool layer : {false, true}) {
      int R = 4, d = 40;
      auto xv = rounded(rand_vec(R * d, seed++, -1, 2), dt);
      auto gv = rounded(rand_vec(R * d, seed++), dt);
      auto wv = rounded(rand_vec(d, seed++, 0.5, 1.5), dt);
      std::vector<array> in = {astype(array(xv, {R, d}, float64), dt),
                               astype(array(wv, {d}, float64), dt)};
      auto [o, gr] = vjp(
          [&](const std::vector<array>& a) {
            return norm_call(layer, a, true, false, 1e-5f);
          },
          {in[0], in[1]}, {astype(array(gv, {R, d}, float64), dt)});
      EXPECT_EQ(gr[0].dtype(), dt);
      EXPECT_EQ(gr[1].dtype(), dt);
      std::vector<double> dx(R * d), dw(d, 0);
      for (int r = 0; r < R; ++r) {
        const double* xr = &xv[r * d];
        double mu = 0;
        if (layer) {
          for (int i = 0; i < d; ++i) mu += xr[i] / d;
        }
        double ss = 0;
        for (int i = 0; i < d; ++i) ss += (xr[i] - mu) * (xr[i] - mu);
        double inv = 1 / std::sqrt(ss / d + double(1e-5f));
        double mg = 0, mgn = 0;
        for (int i = 0; i < d; ++i) {
          double n = (xr[i] - mu) * inv, gw = gv[r * d + i] * wv[i];
          mg += gw / d;
          mgn += gw * n / d;
          dw[i] += gv[r * d + i] * n;
        }
        for (int i = 0; i < d; ++i) {
          double n = (xr[i] - mu) * inv, gw = gv[r * d + i] * wv[i];
          dx[r * d + i] = inv * (gw - (layer ? mg : 0) - n * mgn);
        }
      }
      double tol = tol_of(dt) * 2;
      expect_values(gr[0], dx, tol);
      expect_values(gr[1], dw, tol);
    }
  }
  // Mixed dtypes: f16 x with an f32 weight (output f32); gradients in the
  // inputs' dtypes.
  auto x16 = astype(array(rand_vec(3 * 8, 600), {3, 8}, float64), float16);
  auto w32 = array(rand_vec(8, 601, 0.5, 1.5), {8}, float32);
  auto [o, gm] = vjp(
      [&](const std::vector<array>& a) { return norm_call(true, a, true, false, 1e-5f); },
      {x16, w32}, {array(rand_vec(3 * 8, 602), {3, 8}, float32)});
  EXPECT_EQ(gm[0].dtype(), float16);
  EXPECT_EQ(gm[1].dtype(), float32);
  // No rows: dx empty, dweight / dbias zeros.
  auto xe = zeros({0, 5}, float32);
  auto we = ones({5}, float32), be = ones({5}, float32);
  auto [oe, ge] = vjp(
      [&](const std::vector<array>& a) { return norm_call(true, a, true, true, 1e-5f); },
      {xe, we, be}, {zeros({0, 5}, float32)});
  EXPECT_EQ(ge[0].shape(), Shape({0, 5}));
  expect_values(ge[1], std::vector<double>(5, 0.0));
  expect_values(ge[2], std::vector<double>(5, 0.0));
  // 1-D x (a single row).
  auto x1 = array(rand_vec(9, 603), {9}, float64);
  auto [o1, g1] = vjp(
      [&](const std::vector<array>& a) { return norm_call(false, a, true, false, 1e-5f); },
      {x1, array(rand_vec(9, 604), {9}, float64)}, {array(rand_vec(9, 605), {9}, float64)});
  auto [o1r, g1r] = vjp(
      [&](const std::vector<array>& a) {
        auto y = fast::rms_norm(a[0], a[1], 1e-5f);
        FastFallback fb = static_cast<FastPrimitive&>(y.primitive()).fallback();
        return fb(a);
      },
      {x1, array(rand_vec(9, 604), {9}, float64)}, {array(rand_vec(9, 605), {9}, float64)});
  expect_values(g1[0], to_vector(g1r[0]), 1e-10);
  expect_values(g1[1], to_vector(g1r[1]), 1e-10);
}

TEST(Fast, NormFusedVjpSecondOrderAndVmap) {
  // Second derivative through the fused backward's fallback: the Hessian-
  // vector product of sum(layer_norm(x) * G) against central differences
  // of the (fused) gradient.
  int R = 3, d = 6;
  auto xv = rand_vec(R * d, 700, -1, 2), Gv = rand_vec(R * d, 701),
       wv = rand_vec(d, 702, 0.5, 1.5), dir = rand_vec(R * d, 703);
  auto w = array(wv, {d}, float64), G = array(Gv, {R, d}, float64);
  for (bool layer : {false, true}) {
    auto gradx = [&](const array& x) {
      return grad([&](const std::vector<array>& a) {
        auto y = layer ? fast::layer_norm(a[0], w, std::nullopt, 1e-5f)
                       : fast::rms_norm(a[0], w, 1e-5f);
        return sum(multiply(y, G));
      })({x})[0];
    };
    auto [o, hv] = jvp([&](const std::vector<array>& a) {
      return std::vector<array>{gradx(a[0])};
    }, {array(xv, {R, d}, float64)}, {array(dir, {R, d}, float64)});
    double h = 1e-6;
    std::vector<double> xp(xv), xm(xv);
    for (int i = 0; i < R * d; ++i) {
      xp[i] += h * dir[i];
      xm[i] -= h * dir[i];
    }
    auto gp = to_vector(gradx(array(xp, {R, d}, float64)));
    auto gm = to_vector(gradx(array(xm, {R, d}, float64)));
    std::vector<double> fd(R * d);
    for (int i = 0; i < R * d; ++i) fd[i] = (gp[i] - gm[i]) / (2 * h);
    expect_values(hv[0], fd, 1e-5);
    // vjp of the gradient (reverse over reverse) agrees with the jvp.
    auto [o2, rv] = vjp([&](const std::vector<array>& a) {
      return std::vector<array>{gradx(a[0])};
    }, {array(xv, {R, d}, float64)}, {array(dir, {R, d}, float64)});
    // The Hessian is symmetric: H dir computed both ways.
    expect_values(rv[0], to_vector(hv[0]), 1e-8);
  }
  // vmap of the gradient: batched rows through the fused backward's
  // batching rule match per-slice gradients.
  int V = 3;
  auto xb = array(rand_vec(V * R * d, 710), {V, R, d}, float32);
  auto gfun = [&](const array& x) {
    return grad([&](const std::vector<array>& a) {
      return sum(square(fast::layer_norm(a[0], a[1], std::nullopt, 1e-5f)));
    }, 1)({x, astype(w, float32)})[0];
  };
  auto batched = vmap(gfun)(xb);
  EXPECT_EQ(batched.shape(), Shape({V, d}));
  auto bv = to_vector(batched);
  for (int v = 0; v < V; ++v) {
    auto one = to_vector(gfun(slice(xb, {v, 0, 0}, {v + 1, R, d})));
    std::vector<double> want(one.begin(), one.end());
    for (int i = 0; i < d; ++i) EXPECT_NEAR(bv[v * d + i], want[i], 1e-5);
  }
}
