// Convolutions: conv1d/2d/3d, conv_general, conv_transpose*, convolve; the
// Convolution primitive's vjp, jvp and vmap.
#include <gtest/gtest.h>

#include <cstdint>

#include "ember/ember.h"
#include "ember/primitives/conv.h"
#include "test_utils.h"

using namespace ember;

namespace {

struct Params {
  std::vector<int> stride, lo, hi, kd, idil;
  int groups = 1;
  bool flip = false;
};

// Reference: explicitly dilate and pad the input in double, then correlate.
std::pair<std::vector<double>, Shape> ref_conv(const std::vector<double>& x,
                                               const Shape& xs,
                                               const std::vector<double>& w,
                                               const Shape& ws, Params p) {
  int D = int(xs.size()) - 2;
  int N = xs[0], C = xs.back(), Co = ws[0], G = p.groups, Cg = C / G,
      Cog = Co / G;
  Shape ps{N};  // padded, dilated input shape
  for (int d = 0; d < D; ++d) {
    ps.push_back((xs[d + 1] - 1) * p.idil[d] + 1 + p.lo[d] + p.hi[d]);
  }
  ps.push_back(C);
  std::vector<double> xp(shape_size(ps), 0.0);
  Strides pst = row_strides(ps), xst = row_strides(xs);
  for (size_t i = 0; i < x.size(); ++i) {
    size_t r = i;
    int64_t off = 0;
    bool ok = true;
    for (int d = int(xs.size()) - 1; d >= 0; --d) {
      int64_t c = r % xs[d];
      r /= xs[d];
      if (d >= 1 && d <= D) {
        c = c * p.idil[d - 1] + p.lo[d - 1];
        if (c < 0 || c >= ps[d]) ok = false;
      }
      off += c * pst[d];
    }
    if (ok) xp[off] = x[i];
  }
  Shape os{N};
  for (int d = 0; d < D; ++d) {
    int wsz = (ws[d + 1] - 1) * p.kd[d] + 1;
    os.push_back((ps[d + 1] - wsz) / p.stride[d] + 1);
  }
  os.push_back(Co);
  Strides wst = row_strides(ws);
  std::vector<double> out(shape_size(os), 0.0);
  size_t KP = 1;
  for (int d = 0; d < D; ++d) KP *= ws[d + 1];
  for (size_t oi = 0; oi < out.size(); ++oi) {
    std::vector<int> o(os.size());
    size_t r = oi;
    for (int d = int(os.size()) - 1; d >= 0; --d) {
      o[d] = int(r % os[d]);
      r /= os[d];
    }
    int n = o[0], co = o.back(), g = co / Cog;
    double acc = 0;
    for (size_t kk = 0; kk < KP; ++kk) {
      std::vector<int> k(D);
      size_t q = kk;
      for (int d = D - 1; d >= 0; --d) {
        k[d] = int(q % ws[d + 1]);
        q /= ws[d + 1];
      }
      int64_t xoff = n * pst[0], woff = co * wst[0];
      for (int d = 0; d < D; ++d) {
        int kp = p.flip ? ws[d + 1] - 1 - k[d] : k[d];
        xoff += (int64_t(o[d + 1]) * p.stride[d] + int64_t(kp) * p.kd[d]) * pst[d + 1];
        woff += k[d] * wst[d + 1];
      }
      for (int c = 0; c < Cg; ++c) {
        acc += xp[xoff + g * Cg + c] * w[woff + c];
      }
    }
    out[oi] = acc;
  }
  return {out, os};
}

Params fill(Params p, int D) {
  auto f = [&](std::vector<int>& v, int d) {
    if (v.empty()) v = std::vector<int>(D, d);
    if (v.size() == 1) v = std::vector<int>(D, v[0]);
  };
  f(p.stride, 1);
  f(p.lo, 0);
  f(p.hi, 0);
  f(p.kd, 1);
  f(p.idil, 1);
  return p;
}

void check_conv(const array& x, const array& w, Params p, double tol) {
  int D = x.ndim() - 2;
  p = fill(p, D);
  array y = conv_general(x, w, p.stride, p.lo, p.hi, p.kd, p.idil, p.groups,
                         p.flip);
  auto [ref, shape] = ref_conv(to_vector(x), x.shape(), to_vector(w),
                               w.shape(), p);
  EXPECT_EQ(y.shape(), shape);
  expect_values(y, ref, tol);
}

}  // namespace

TEST(Conv, Conv1dBasic) {
  array x = rnd({2, 9, 3}, 1), w = rnd({4, 3, 3}, 2);
  auto [ref, shape] = ref_conv(to_vector(x), x.shape(), to_vector(w), w.shape(),
                               fill({}, 1));
  array y = conv1d(x, w);
  EXPECT_EQ(y.shape(), (Shape{2, 7, 4}));
  expect_values(y, ref, 1e-5);
  // stride 2, padding 1, dilation 2
  Params p = fill({{2}, {1}, {1}, {2}, {1}, 1, false}, 1);
  auto r2 = ref_conv(to_vector(x), x.shape(), to_vector(w), w.shape(), p);
  array y2 = conv1d(x, w, 2, 1, 2);
  EXPECT_EQ(y2.shape(), r2.second);
  expect_values(y2, r2.first, 1e-5);
  // groups
  array xg = rnd({2, 8, 6}, 3), wg = rnd({4, 3, 2}, 4);
  Params pg = fill({}, 1);
  pg.groups = 3;
  EXPECT_THROW(conv1d(xg, wg, 1, 0, 1, 3), std::invalid_argument);  // 4 % 3
  array wg2 = rnd({6, 3, 2}, 5);
  auto r3 = ref_conv(to_vector(xg), xg.shape(), to_vector(wg2), wg2.shape(), pg);
  expect_values(conv1d(xg, wg2, 1, 0, 1, 3), r3.first, 1e-5);
}

TEST(Conv, Conv2dAndConv3d) {
  array x = rnd({2, 7, 6, 4}, 1), w = rnd({5, 3, 2, 2}, 2);
  Params p = fill({{2, 1}, {1, 0}, {1, 0}, {1, 2}, {}, 2, false}, 2);
  // 5 output channels don't split into 2 groups.
  EXPECT_THROW(conv2d(x, w, {2, 1}, {1, 0}, {1, 2}, 2), std::invalid_argument);
  array w6 = rnd({6, 3, 2, 2}, 3);
  auto r = ref_conv(to_vector(x), x.shape(), to_vector(w6), w6.shape(), p);
  array y = conv2d(x, w6, {2, 1}, {1, 0}, {1, 2}, 2);
  EXPECT_EQ(y.shape(), r.second);
  expect_values(y, r.first, 1e-5);
  // 1x1 pointwise fast path, with and without groups.
  check_conv(rnd({2, 4, 5, 6}, 4), rnd({3, 1, 1, 6}, 5), {}, 1e-5);
  Params pg;
  pg.groups = 2;
  check_conv(rnd({2, 4, 5, 6}, 4), rnd({4, 1, 1, 3}, 5), pg, 1e-5);
  // 3-D
  array x3 = rnd({1, 5, 4, 6, 2}, 6), w3 = rnd({3, 2, 3, 2, 2}, 7);
  Params p3 = fill({{1, 2, 1}, {1, 1, 0}, {1, 1, 0}, {1, 1, 2}, {}, 1, false}, 3);
  auto r3 = ref_conv(to_vector(x3), x3.shape(), to_vector(w3), w3.shape(), p3);
  array y3 = conv3d(x3, w3, {1, 2, 1}, {1, 1, 0}, {1, 1, 2});
  EXPECT_EQ(y3.shape(), r3.second);
  expect_values(y3, r3.first, 1e-5);
}

TEST(Conv, ConvGeneralOptions) {
  array x = rnd({2, 6, 5, 4}, 1), w = rnd({3, 3, 2, 4}, 2);
  check_conv(x, w, {{1, 2}, {2, 0}, {0, 3}, {}, {}, 1, false}, 1e-5);  // asym pad
  check_conv(x, w, {{}, {1, 1}, {1, 1}, {}, {2, 3}, 1, false}, 1e-5);  // input dil
  check_conv(x, w, {{2, 1}, {1, 2}, {2, 1}, {2, 1}, {2, 1}, 1, true}, 1e-5);
  check_conv(x, w, {{}, {}, {}, {}, {}, 1, true}, 1e-5);  // flip
  check_conv(rnd({1, 6, 5, 4}, 3), rnd({4, 2, 2, 2}, 4),
             {{}, {1}, {1}, {}, {}, 2, true}, 1e-5);  // groups + flip + bcast
  // Single-value parameter vectors broadcast to every spatial dim.
  array y = conv_general(x, w, {2}, {1}, {1}, {1}, {1});
  auto r = ref_conv(to_vector(x), x.shape(), to_vector(w), w.shape(),
                    fill({{2, 2}, {1, 1}, {1, 1}, {}, {}, 1, false}, 2));
  expect_values(y, r.first, 1e-5);
  // Symmetric-padding overload.
  array y2 = conv_general(x, w, {1, 1}, {1, 2});
  auto r2 = ref_conv(to_vector(x), x.shape(), to_vector(w), w.shape(),
                     fill({{}, {1, 2}, {1, 2}, {}, {}, 1, false}, 2));
  expect_values(y2, r2.first, 1e-5);
}

TEST(Conv, ConvDtypes) {
  for (auto dt : {float16, bfloat16, float32, float64}) {
    array x = rnd({2, 6, 5, 4}, 1, dt), w = rnd({3, 3, 2, 4}, 2, dt);
    check_conv(x, w, {{2, 1}, {1, 0}, {1, 2}, {}, {}, 1, false}, tol_products(dt));
    check_conv(x, rnd({3, 1, 1, 4}, 3, dt), {}, tol_products(dt));  // pointwise
    EXPECT_EQ(conv2d(x, w).dtype(), dt);
  }
  EXPECT_EQ(conv1d(rnd({1, 4, 2}, 1, float16), rnd({1, 2, 2}, 1)).dtype(),
            float32);
}

TEST(Conv, ConvNonContiguous) {
  // Input built channels-first and transposed to channels-last (a view).
  array xc = rnd({2, 3, 7}, 1);                // (N, C, H)
  array x = transpose(xc, {0, 2, 1});          // (N, H, C)
  array wc = rnd({3, 4, 2}, 2);                // (C_in, C_out, k) -> (C_out, k, C_in)
  array w = transpose(wc, {1, 2, 0});
  check_conv(x, w, {{2}, {1}, {2}, {}, {}, 1, false}, 1e-5);
  // Broadcast weight (stride-0 view) and f16 view.
  array wb = broadcast_to(rnd({1, 2, 3}, 3), {5, 2, 3});
  check_conv(x, wb, {}, 1e-5);
  check_conv(astype(x, float16), astype(w, float16), {}, 1e-2);
}

TEST(Conv, ConvEmpty) {
  array y = conv1d(rnd({0, 5, 2}, 1), rnd({3, 2, 2}, 2));
  EXPECT_EQ(y.shape(), (Shape{0, 4, 3}));
  y.eval();
  array z = conv1d(rnd({2, 5, 2}, 1), rnd({0, 2, 2}, 2));
  EXPECT_EQ(z.shape(), (Shape{2, 4, 0}));
  z.eval();
  // Zero input channels: empty sums.
  array e = conv1d(rnd({1, 4, 0}, 1), rnd({2, 2, 0}, 2));
  expect_values(e, std::vector<double>(6, 0.0));
}

TEST(Conv, ConvErrors) {
  array x = rnd({2, 6, 4}, 1), w = rnd({3, 2, 4}, 2);
  EXPECT_THROW(conv1d(rnd({6, 4}, 1), w), std::invalid_argument);
  EXPECT_THROW(conv1d(x, rnd({3, 2, 2, 4}, 1)), std::invalid_argument);
  EXPECT_THROW(conv1d(x, rnd({3, 2, 3}, 1)), std::invalid_argument);  // C_in
  EXPECT_THROW(conv1d(x, w, 0), std::invalid_argument);
  EXPECT_THROW(conv1d(x, w, 1, -1), std::invalid_argument);
  EXPECT_THROW(conv1d(x, w, 1, 0, 0), std::invalid_argument);
  EXPECT_THROW(conv1d(x, w, 1, 0, 1, 0), std::invalid_argument);
  EXPECT_THROW(conv1d(x, rnd({3, 7, 4}, 1)), std::invalid_argument);  // too big
  EXPECT_THROW(conv1d(rnd({2, 6, 4}, 1, int32), rnd({3, 2, 4}, 1, int32)),
               std::invalid_argument);
  EXPECT_THROW(conv1d(astype(x, complex64), w), std::invalid_argument);
  EXPECT_THROW(conv2d(x, w), std::invalid_argument);
  EXPECT_THROW(conv3d(x, w), std::invalid_argument);
  EXPECT_THROW(conv_general(x, w, {1, 1}), std::invalid_argument);
  EXPECT_THROW(conv_general(x, w, {1}, {0}, {0}, {1}, {0}), std::invalid_argument);
  EXPECT_THROW(conv_general(rnd({2, 4}, 1), rnd({2, 4}, 1)), std::invalid_argument);
  EXPECT_THROW(conv_transpose1d(x, w, 1, -1), std::invalid_argument);
  EXPECT_THROW(conv_transpose1d(x, w, 1, 0, 1, -1), std::invalid_argument);
  EXPECT_THROW(conv_transpose2d(x, w), std::invalid_argument);
}

namespace {
// Reference transposed convolution (scatter form):
// out[n, i*s + k*d - p, co] += x[n, i, ci] * w[co, k, ci] (per group).
std::pair<std::vector<double>, Shape> ref_conv_t(
    const std::vector<double>& x, const Shape& xs, const std::vector<double>& w,
    const Shape& ws, std::vector<int> s, std::vector<int> p,
    std::vector<int> dil, std::vector<int> op, int groups) {
  int D = int(xs.size()) - 2;
  int N = xs[0], C = xs.back(), Co = ws[0], Cg = C / groups, Cog = Co / groups;
  Shape os{N};
  for (int d = 0; d < D; ++d) {
    os.push_back((xs[d + 1] - 1) * s[d] - 2 * p[d] + dil[d] * (ws[d + 1] - 1) + 1 +
                 op[d]);
  }
  os.push_back(Co);
  std::vector<double> out(shape_size(os), 0.0);
  Strides ost = row_strides(os), wst = row_strides(ws);
  size_t KP = 1;
  for (int d = 0; d < D; ++d) KP *= ws[d + 1];
  for (size_t xi = 0; xi < x.size(); ++xi) {
    std::vector<int> idx(xs.size());
    size_t r = xi;
    for (int d = int(xs.size()) - 1; d >= 0; --d) {
      idx[d] = int(r % xs[d]);
      r /= xs[d];
    }
    int n = idx[0], ci = idx.back(), g = ci / Cg;
    for (size_t kk = 0; kk < KP; ++kk) {
      size_t q = kk;
      std::vector<int> k(D);
      for (int d = D - 1; d >= 0; --d) {
        k[d] = int(q % ws[d + 1]);
        q /= ws[d + 1];
      }
      int64_t ooff = n * ost[0];
      int64_t woff = 0;
      bool ok = true;
      for (int d = 0; d < D; ++d) {
        int j = idx[d + 1] * s[d] + k[d] * dil[d] - p[d];
        if (j < 0 || j >= os[d + 1]) ok = false;
        ooff += int64_t(j) * ost[d + 1];
        woff += k[d] * wst[d + 1];
      }
      if (!ok) continue;
      for (int co = g * Cog; co < (g + 1) * Cog; ++co) {
        out[ooff + co] += x[xi] * w[co * wst[0] + woff + (ci - g * Cg)];
      }
    }
  }
  return {out, os};
}
}  // namespace

TEST(Conv, ConvTranspose) {
  array x = rnd({2, 5, 4}, 1), w = rnd({3, 3, 4}, 2);
  for (auto [s, p, d, op] : std::vector<std::array<int, 4>>{
           {1, 0, 1, 0}, {2, 1, 1, 1}, {3, 2, 2, 0}, {2, 0, 1, 1}, {1, 3, 1, 0}}) {
    auto r = ref_conv_t(to_vector(x), x.shape(), to_vector(w), w.shape(), {s},
                        {p}, {d}, {op}, 1);
    array y = conv_transpose1d(x, w, s, p, d, op);
    EXPECT_EQ(y.shape(), r.second) << s << p << d << op;
    expect_values(y, r.first, 1e-5);
  }
  // groups
  array wg = rnd({6, 2, 2}, 3);
  auto rg = ref_conv_t(to_vector(x), x.shape(), to_vector(wg), wg.shape(), {2},
                       {0}, {1}, {0}, 2);
  expect_values(conv_transpose1d(x, wg, 2, 0, 1, 0, 2), rg.first, 1e-5);
  // 2-D and 3-D
  array x2 = rnd({1, 4, 3, 2}, 4), w2 = rnd({3, 2, 3, 2}, 5);
  auto r2 = ref_conv_t(to_vector(x2), x2.shape(), to_vector(w2), w2.shape(),
                       {2, 1}, {1, 0}, {1, 2}, {1, 0}, 1);
  array y2 = conv_transpose2d(x2, w2, {2, 1}, {1, 0}, {1, 2}, {1, 0});
  EXPECT_EQ(y2.shape(), r2.second);
  expect_values(y2, r2.first, 1e-5);
  array x3 = rnd({1, 3, 2, 3, 2}, 6), w3 = rnd({2, 2, 2, 2, 2}, 7);
  auto r3 = ref_conv_t(to_vector(x3), x3.shape(), to_vector(w3), w3.shape(),
                       {2, 1, 2}, {0, 1, 1}, {1, 1, 1}, {0, 0, 1}, 1);
  array y3 = conv_transpose3d(x3, w3, {2, 1, 2}, {0, 1, 1}, {1, 1, 1}, {0, 0, 1});
  EXPECT_EQ(y3.shape(), r3.second);
  expect_values(y3, r3.first, 1e-5);
  // f16
  auto rh = ref_conv_t(to_vector(astype(x, float16)), x.shape(),
                       to_vector(astype(w, float16)), w.shape(), {2}, {1}, {1},
                       {0}, 1);
  expect_values(conv_transpose1d(astype(x, float16), astype(w, float16), 2, 1),
                rh.first, 1e-2);
}

TEST(Conv, Convolve) {
  auto av = randv(7, 1), vv = randv(3, 2);
  array a(av, {7}), v(vv, {3});
  int m = 7, n = 3;
  std::vector<double> full(m + n - 1, 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) full[i + j] += av[i] * vv[j];
  expect_values(convolve(a, v), full, 1e-5);
  expect_values(convolve(v, a), full, 1e-5);  // swapped: same result
  std::vector<double> valid(full.begin() + (n - 1), full.begin() + m);
  expect_values(convolve(a, v, "valid"), valid, 1e-5);
  int off = (n - 1) / 2;
  std::vector<double> same(full.begin() + off, full.begin() + off + m);
  expect_values(convolve(a, v, "same"), same, 1e-5);
  // Even kernel length for "same" (NumPy centring).
  auto wv = randv(4, 3);
  array w4(wv, {4});
  std::vector<double> f4(m + 3, 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < 4; ++j) f4[i + j] += av[i] * wv[j];
  std::vector<double> s4(f4.begin() + 1, f4.begin() + 1 + m);
  expect_values(convolve(a, w4, "same"), s4, 1e-5);
  // Integer inputs compute in float32.
  array ci = convolve(array({1, 2, 3}), array({0, 1}));
  EXPECT_EQ(ci.dtype(), float32);
  expect_values(ci, {0, 1, 2, 3});
  EXPECT_THROW(convolve(a, v, "bad"), std::invalid_argument);
  EXPECT_THROW(convolve(rnd({2, 2}, 1), v), std::invalid_argument);
  EXPECT_THROW(convolve(rnd({0}, 1), v), std::invalid_argument);
}

namespace {
// <cot, f(x)> for a linear f gives gradients by probing unit vectors.
std::vector<double> linear_grad(const std::function<std::vector<double>(
                                    const std::vector<double>&)>& f,
                                size_t n, const std::vector<double>& cot) {
  std::vector<double> g(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> e(n, 0.0);
    e[i] = 1.0;
    auto y = f(e);
    double acc = 0;
    for (size_t j = 0; j < y.size(); ++j) acc += y[j] * cot[j];
    g[i] = acc;
  }
  return g;
}
}  // namespace

TEST(Conv, ConvVjpJvp) {
  struct Case {
    Shape xs, ws;
    Params p;
  };
  std::vector<Case> cases = {
      {{2, 7, 3}, {4, 3, 3}, {{1}, {0}, {0}, {1}, {1}, 1, false}},
      {{2, 9, 4}, {4, 3, 2}, {{2}, {1}, {2}, {2}, {1}, 2, false}},
      {{1, 6, 2}, {2, 2, 2}, {{3}, {0}, {1}, {1}, {2}, 1, false}},
      {{1, 5, 2}, {3, 3, 2}, {{1}, {4}, {0}, {1}, {1}, 1, true}},
      {{2, 5, 4, 2}, {3, 2, 3, 2}, {{2, 1}, {1, 0}, {0, 2}, {1, 2}, {1, 2}, 1, true}},
      {{1, 4, 3, 4}, {4, 2, 2, 2}, {{1, 2}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 2, false}},
  };
  for (auto& c : cases) {
    array x = rnd(c.xs, 1), w = rnd(c.ws, 2);
    auto xv = to_vector(x), wv = to_vector(w);
    Params p = c.p;
    array y = conv_general(x, w, p.stride, p.lo, p.hi, p.kd, p.idil, p.groups,
                           p.flip);
    array cot = rnd(y.shape(), 3);
    auto cv = to_vector(cot);
    auto grads = y.primitive().vjp(y.inputs(), {cot}, {0, 1}, {y});
    auto dx = linear_grad(
        [&](const std::vector<double>& e) {
          return ref_conv(e, c.xs, wv, c.ws, p).first;
        },
        xv.size(), cv);
    auto dw = linear_grad(
        [&](const std::vector<double>& e) {
          return ref_conv(xv, c.xs, e, c.ws, p).first;
        },
        wv.size(), cv);
    EXPECT_EQ(grads[0].shape(), x.shape());
    EXPECT_EQ(grads[1].shape(), w.shape());
    expect_values(grads[0], dx, 1e-5);
    expect_values(grads[1], dw, 1e-5);
    // jvp: conv(tx, w) + conv(x, tw).
    array tx = rnd(c.xs, 4), tw = rnd(c.ws, 5);
    auto t = y.primitive().jvp(y.inputs(), {tx, tw}, {0, 1});
    auto r1 = ref_conv(to_vector(tx), c.xs, wv, c.ws, p).first;
    auto r2 = ref_conv(xv, c.xs, to_vector(tw), c.ws, p).first;
    for (size_t i = 0; i < r1.size(); ++i) r1[i] += r2[i];
    expect_values(t[0], r1, 1e-5);
    auto t1 = y.primitive().jvp(y.inputs(), {tw}, {1});
    expect_values(t1[0], r2, 1e-5);
  }
}

TEST(Conv, ConvVmap) {
  int B = 3;
  Params p{{2, 1}, {1, 0}, {0, 1}, {1, 2}, {1, 1}, 2, true};
  Shape xs{2, 5, 6, 4}, ws{4, 2, 2, 2};
  array xb = rnd({2, B, 5, 6, 4}, 1);  // batched along axis 1
  array wb = rnd({4, 2, 2, 2, B}, 2);  // batched along the last axis
  array x0 = rnd(xs, 3), w0 = rnd(ws, 4);
  array proto = conv_general(x0, w0, p.stride, p.lo, p.hi, p.kd, p.idil,
                             p.groups, p.flip);
  auto& prim = proto.primitive();
  auto xv = to_vector(xb), wv = to_vector(wb);
  auto slice_x = [&](int b) {
    std::vector<double> v;
    for (int n = 0; n < 2; ++n)
      for (int i = 0; i < 5 * 6 * 4; ++i) v.push_back(xv[(n * B + b) * 120 + i]);
    return v;
  };
  auto slice_w = [&](int b) {
    std::vector<double> v;
    for (int i = 0; i < 4 * 2 * 2 * 2; ++i) v.push_back(wv[i * B + b]);
    return v;
  };
  auto check = [&](array xin, int ax, array win, int aw) {
    auto [outs, axes] = prim.vmap({xin, win}, {ax, aw});
    array y = moveaxis(outs[0], axes[0], 0);
    std::vector<double> expect;
    for (int b = 0; b < B; ++b) {
      auto xs_b = ax >= 0 ? slice_x(b) : to_vector(x0);
      auto ws_b = aw >= 0 ? slice_w(b) : to_vector(w0);
      auto r = ref_conv(xs_b, xs, ws_b, ws, p).first;
      expect.insert(expect.end(), r.begin(), r.end());
    }
    expect_values(y, expect, 1e-5);
  };
  check(xb, 1, w0, -1);
  check(x0, -1, wb, 4);
  check(xb, 1, wb, 4);
}
