// GPU fast ops (rms_norm, layer_norm, rope, scaled_dot_product_attention)
// against float64 references computed in the test and against the CPU
// backend: every float dtype, mixed input dtypes, strided inputs, short /
// odd / long rows (warp, block and looping kernels), every RoPE and mask
// variant (causal with Tq <, =, > Tk, boolean and additive arrays with
// broadcast strides, sinks, GQA), flash and generic attention paths, and
// gradients through the primitives' vjp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "ember/ember.h"
#include "gpu_compare.h"
#include "test_utils.h"

namespace ember {
namespace {

using namespace gpu_test;

// Tolerance for the fused row ops: a few roundings to the output dtype.
double row_tol(Dtype t) {
  switch (t) {
    case Dtype::float64: return 1e-12;
    case Dtype::float16: return 3e-3;
    case Dtype::bfloat16: return 2e-2;
    default: return 1e-5;
  }
}

const std::vector<Dtype> kFloats = {float32, float16, bfloat16, float64};

// ---- rms_norm / layer_norm ----

std::vector<double> ref_norm(const array& x, const std::optional<array>& w,
                             const std::optional<array>& b, float eps,
                             bool layer) {
  auto xv = dvalues(x);
  std::vector<double> wv, bv;
  if (w) wv = dvalues(*w);
  if (b) bv = dvalues(*b);
  int64_t D = x.shape(-1), rows = int64_t(x.size()) / D;
  std::vector<double> out(xv.size());
  for (int64_t r = 0; r < rows; ++r) {
    const double* xr = xv.data() + r * D;
    double mu = 0;
    if (layer) {
      for (int64_t i = 0; i < D; ++i) mu += xr[i];
      mu /= double(D);
    }
    double ss = 0;
    for (int64_t i = 0; i < D; ++i) ss += (xr[i] - mu) * (xr[i] - mu);
    double inv = 1.0 / std::sqrt(ss / double(D) + double(eps));
    for (int64_t i = 0; i < D; ++i) {
      double y = (xr[i] - mu) * inv;
      if (w) y *= wv[i];
      if (b) y += bv[i];
      out[r * D + i] = y;
    }
  }
  return out;
}

void check_norm(const array& x, const std::optional<array>& w,
                const std::optional<array>& b, float eps, bool layer,
                const std::string& what) {
  auto g = layer ? fast::layer_norm(x, w, b, eps, gpu())
                 : fast::rms_norm(x, w, eps, gpu());
  auto c = layer ? fast::layer_norm(x, w, b, eps, kCpu)
                 : fast::rms_norm(x, w, eps, kCpu);
  Dtype dt = c.dtype();
  double tol = row_tol(dt);
  // Values are O(1) (x, w, b in [-1, 1], normalised rows): absolute + relative.
  expect_close(g, ref_norm(x, w, b, eps, layer), {tol * 4}, tol, what + " vs f64");
  expect_matches_cpu(g, c, tol * 2, tol, what + " vs cpu");
}

TEST(GpuFast, RMSNormShapesAndDtypes) {
  EMBER_REQUIRE_GPU();
  // D: 1, odd (generic kernel), warp-sized, block-sized, long (looping).
  std::vector<Shape> shapes = {{7, 1},     {5, 33},     {64, 256}, {3, 4, 4096},
                               {1000, 768}, {2, 20000}, {9, 8},    {4, 1536}};
  uint64_t seed = 1;
  for (Dtype dt : kFloats) {
    for (auto& sh : shapes) {
      auto x = rand_array(sh, dt, seed++);
      auto w = rand_array({sh.back()}, dt, seed++);
      std::string what = "rms_norm " + dname(dt) + " D=" + std::to_string(sh.back());
      check_norm(x, std::nullopt, std::nullopt, 1e-5f, false, what);
      check_norm(x, w, std::nullopt, 1e-5f, false, what + " +w");
    }
  }
}

TEST(GpuFast, LayerNormShapesAndAffine) {
  EMBER_REQUIRE_GPU();
  std::vector<Shape> shapes = {{7, 1}, {5, 33}, {64, 256}, {3, 4, 4096},
                               {1000, 768}, {2, 40000}, {16, 8192}};
  uint64_t seed = 100;
  for (Dtype dt : kFloats) {
    for (auto& sh : shapes) {
      // Shifted inputs so that the mean matters.
      auto x = rand_array(sh, dt, seed++, -0.5, 1.5);
      auto w = rand_array({sh.back()}, dt, seed++);
      auto b = rand_array({sh.back()}, dt, seed++);
      std::string what = "layer_norm " + dname(dt) + " D=" + std::to_string(sh.back());
      check_norm(x, std::nullopt, std::nullopt, 1e-5f, true, what);
      check_norm(x, w, std::nullopt, 1e-5f, true, what + " +w");
      check_norm(x, std::nullopt, b, 1e-5f, true, what + " +b");
      check_norm(x, w, b, 1e-3f, true, what + " +w+b");
    }
  }
}

TEST(GpuFast, NormsMixedDtypesAndStridedInputs) {
  EMBER_REQUIRE_GPU();
  // x float16 with float32 weight: the output promotes to float32.
  auto x = rand_array({6, 128}, float16, 1);
  auto w = rand_array({128}, float32, 2);
  auto b = rand_array({128}, bfloat16, 3);
  check_norm(x, w, std::nullopt, 1e-5f, false, "rms f16 x f32 w");
  check_norm(x, w, b, 1e-5f, true, "ln f16 x f32 w bf16 b");
  // Transposed x, strided weight (every other element), broadcast rows.
  for (Dtype dt : {float32, bfloat16}) {
    auto xt = swapaxes(rand_array({256, 12}, dt, 4), 0, 1, kCpu);      // (12, 256)
    auto ws = slice(rand_array({512}, dt, 5), {0}, {512}, {2}, kCpu);  // (256,)
    auto xb = broadcast_to(rand_array({1, 256}, dt, 6), {5, 256}, kCpu);
    auto xo = slice(rand_array({10, 260}, dt, 7), {1, 3}, {9, 259}, kCpu);  // offset rows
    eval({xt, ws, xb, xo});
    check_norm(xt, ws, std::nullopt, 1e-5f, false, "rms transposed " + dname(dt));
    check_norm(xt, ws, ws, 1e-5f, true, "ln transposed " + dname(dt));
    check_norm(xb, std::nullopt, std::nullopt, 1e-5f, true, "ln broadcast " + dname(dt));
    check_norm(xo, std::nullopt, std::nullopt, 1e-5f, false, "rms offset " + dname(dt));
  }
  // Empty arrays.
  auto e = fast::rms_norm(rand_array({0, 16}, float32, 8), std::nullopt, 1e-5f, gpu());
  EXPECT_EQ(e.shape(), Shape({0, 16}));
  e.eval();
}

TEST(GpuFast, NormsUnalignedWeightsAndRows) {
  EMBER_REQUIRE_GPU();
  // Weight / bias at an offset of one element (not 16-byte aligned: copied
  // before the 16-byte loads), rows that start unaligned (a contiguous view
  // at an offset of one element: the generic kernel).
  for (Dtype dt : {float32, bfloat16}) {
    auto wbig = rand_array({1025}, float32, 11);
    auto w = slice(wbig, {1}, {1025}, kCpu);  // (1024,), offset 1
    auto b = slice(rand_array({1025}, float32, 12), {1}, {1025}, kCpu);
    auto x = rand_array({33, 1024}, dt, 13, -0.5, 1.5);
    auto flat = rand_array({1 + 9 * 1024}, dt, 14);
    auto xo = reshape(slice(flat, {1}, {1 + 9 * 1024}, kCpu), {9, 1024}, kCpu);
    eval({w, b, xo});
    check_norm(x, w, b, 1e-5f, true, "ln offset w/b " + dname(dt));
    check_norm(x, w, std::nullopt, 1e-5f, false, "rms offset w " + dname(dt));
    check_norm(xo, w, b, 1e-5f, true, "ln offset rows " + dname(dt));
  }
}

// ---- fused backward of the norms ----

// vjp of rms_norm / layer_norm on the device under test against the CPU,
// with cotangent g; dx, dweight and dbias compared (the parameter
// gradients are sums over rows: tolerance scaled by their magnitude).
void check_norm_vjp(bool layer, const array& x, const std::optional<array>& w,
                    const std::optional<array>& b, const array& g,
                    const std::string& what) {
  bool hw = w.has_value(), hb = b.has_value();
  std::vector<array> in = {x};
  if (hw) in.push_back(*w);
  if (hb) in.push_back(*b);
  auto run = [&](Device d) {
    auto f = [&, d](const std::vector<array>& a) {
      std::optional<array> ww, bb;
      int i = 1;
      if (hw) ww = a[i++];
      if (hb) bb = a[i];
      return std::vector<array>{layer ? fast::layer_norm(a[0], ww, bb, 1e-5f, d)
                                      : fast::rms_norm(a[0], ww, 1e-5f, d)};
    };
    return vjp(f, in, {g}).second;
  };
  auto gg = run(gpu());
  auto cc = run(kCpu);
  ASSERT_EQ(gg.size(), in.size());
  for (size_t k = 0; k < in.size(); ++k) {
    double tol = row_tol(cc[k].dtype());
    double scale = 1;
    for (double v : dvalues(cc[k])) scale = std::max(scale, std::abs(v));
    std::string name = what + (k == 0 ? " dx" : k == 1 && hw ? " dw" : " db");
    EXPECT_EQ(gg[k].dtype(), in[k].dtype()) << name;
    expect_matches_cpu(gg[k], cc[k], k == 0 ? tol * 4 : tol * 4 * scale, tol, name);
  }
}

TEST(GpuFast, NormVjpShapesAndDtypes) {
  EMBER_REQUIRE_GPU();
  // D: 1, odd (scalar loads), warp rows (several per block), block rows,
  // 1000 (not a power of two), 8192 (longest register rows), 12000
  // (looping kernel); many rows for many blocks of partial sums.
  std::vector<Shape> shapes = {{7, 1},    {300, 7},    {64, 256},  {2, 3, 96},
                               {1000, 768}, {257, 1000}, {3, 8192}, {5, 12000},
                               {4100, 64}};
  uint64_t seed = 900;
  for (Dtype dt : kFloats) {
    for (auto& sh : shapes) {
      int D = int(sh.back());
      auto x = rand_array(sh, dt, seed++, -0.5, 1.5);
      auto g = rand_array(sh, dt, seed++);
      auto w = rand_array({D}, dt, seed++);
      auto b = rand_array({D}, dt, seed++);
      std::string what = dname(dt) + " " + shape_str(sh);
      check_norm_vjp(false, x, std::nullopt, std::nullopt, g, "rms " + what);
      check_norm_vjp(false, x, w, std::nullopt, g, "rms+w " + what);
      check_norm_vjp(true, x, std::nullopt, std::nullopt, g, "ln " + what);
      check_norm_vjp(true, x, w, b, g, "ln+w+b " + what);
      if (D == 1000) check_norm_vjp(true, x, std::nullopt, b, g, "ln+b " + what);
    }
  }
}

TEST(GpuFast, NormVjpLargeRowCounts) {
  EMBER_REQUIRE_GPU();
  // Far more rows than resident blocks: each block adds many rows into its
  // partial row, then the column sums add the blocks (GPT-2 sized rows).
  for (Dtype dt : {bfloat16, float16, float32}) {
    for (auto sh : {Shape{8192, 768}, Shape{2048, 4096}, Shape{20000, 40}}) {
      auto x = rand_array(sh, dt, 31, -0.5, 1.5);
      auto g = rand_array(sh, dt, 32);
      auto w = rand_array({sh.back()}, dt, 33);
      auto b = rand_array({sh.back()}, dt, 34);
      std::string what = dname(dt) + " " + shape_str(sh);
      check_norm_vjp(true, x, w, b, g, "ln " + what);
      check_norm_vjp(false, x, w, std::nullopt, g, "rms " + what);
    }
  }
}

TEST(GpuFast, NormVjpLayoutsAndMixedDtypes) {
  EMBER_REQUIRE_GPU();
  // Transposed x, broadcast cotangent, strided and broadcast weights,
  // unaligned rows, mixed dtypes (bf16 x with f32 weight / bias).
  auto xt = swapaxes(rand_array({256, 12}, float32, 41), 0, 1, kCpu);  // (12, 256)
  auto gb = broadcast_to(rand_array({1, 256}, float32, 42), {12, 256}, kCpu);
  auto ws = slice(rand_array({512}, float32, 43), {0}, {512}, {2}, kCpu);
  auto wz = broadcast_to(rand_array({1}, float32, 44), {256}, kCpu);
  auto flat = rand_array({1 + 9 * 1024}, bfloat16, 45);
  auto xo = reshape(slice(flat, {1}, {1 + 9 * 1024}, kCpu), {9, 1024}, kCpu);
  eval({xt, gb, ws, wz, xo});
  check_norm_vjp(true, xt, ws, wz, gb, "ln transposed x, broadcast g");
  check_norm_vjp(false, xt, wz, std::nullopt, gb, "rms broadcast w");
  check_norm_vjp(true, xo, std::nullopt, std::nullopt, rand_array({9, 1024}, bfloat16, 46),
                 "ln unaligned rows");
  auto xb = rand_array({40, 512}, bfloat16, 47);
  auto w32 = rand_array({512}, float32, 48);
  auto bb = rand_array({512}, bfloat16, 49);
  check_norm_vjp(true, xb, w32, bb, rand_array({40, 512}, float32, 50), "ln bf16 x f32 w");
  check_norm_vjp(false, xb, w32, std::nullopt, rand_array({40, 512}, float32, 51),
                 "rms bf16 x f32 w");
  // No rows: dweight / dbias are zeros.
  auto xe = rand_array({0, 64}, float32, 52);
  check_norm_vjp(true, xe, rand_array({64}, float32, 53), rand_array({64}, float32, 54),
                 rand_array({0, 64}, float32, 55), "ln empty");
  // Loss = sum(y^2) computed on the device, and a second derivative (through
  // the fused backward's fallback ops).
  auto x = rand_array({16, 96}, float32, 56);
  auto w = rand_array({96}, float32, 57);
  auto gradw = [&](const array& xx, Device d) {
    return grad([&, d](const std::vector<array>& a) {
      auto y = fast::layer_norm(a[0], a[1], std::nullopt, 1e-5f, d);
      return sum(multiply(y, y, d), false, d);
    }, 1)({xx, w})[0];
  };
  auto hg = grad([&](const std::vector<array>& a) {
    return sum(square(gradw(a[0], gpu()), gpu()), false, gpu());
  })({x})[0];
  auto hc = grad([&](const std::vector<array>& a) {
    return sum(square(gradw(a[0], kCpu), kCpu), false, kCpu);
  })({x})[0];
  expect_matches_cpu(hg, hc, 1e-3, 1e-3, "second derivative");
}

// ---- rope ----

std::vector<double> ref_rope(const array& x, int dims, bool traditional,
                             std::optional<float> base, float scale,
                             const std::vector<double>& offs,
                             const std::optional<array>& freqs) {
  auto xv = dvalues(x);
  int64_t D = x.shape(-1), T = x.shape(-2), B = x.shape(0);
  int64_t rows = int64_t(x.size()) / D, per_batch = rows / B;
  int half = dims / 2;
  std::vector<double> inv(half);
  std::vector<double> fv;
  if (freqs) fv = dvalues(*freqs);
  for (int i = 0; i < half; ++i) {
    inv[i] = freqs ? 1.0 / fv[i] : std::pow(double(*base), -2.0 * i / dims);
  }
  std::vector<double> out = xv;
  for (int64_t r = 0; r < rows; ++r) {
    double off = offs.size() == 1 ? offs[0] : offs[r / per_batch];
    double pos = (double(r % T) + off) * scale;
    for (int i = 0; i < half; ++i) {
      int64_t i1 = traditional ? 2 * i : i, i2 = traditional ? 2 * i + 1 : i + half;
      double c = std::cos(pos * inv[i]), s = std::sin(pos * inv[i]);
      double x1 = xv[r * D + i1], x2 = xv[r * D + i2];
      out[r * D + i1] = x1 * c - x2 * s;
      out[r * D + i2] = x1 * s + x2 * c;
    }
  }
  return out;
}

TEST(GpuFast, RoPEVariants) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 300;
  struct Case {
    Shape shape;
    int dims;
  };
  std::vector<Case> cases = {{{1, 1, 5, 8}, 8},     {{2, 3, 17, 64}, 64},
                             {{2, 3, 17, 64}, 32},  {{3, 40, 6}, 4},
                             {{1, 2, 300, 128}, 128}, {{2, 1, 9, 10}, 6}};
  for (Dtype dt : kFloats) {
    double tol = row_tol(dt);
    // float32 angles of positions up to ~1000 carry ~1e-4 absolute error.
    double atol = dt == float32 || dt == float64 ? 5e-4 : tol * 4;
    for (auto& cs : cases) {
      auto x = rand_array(cs.shape, dt, seed++);
      for (bool trad : {false, true}) {
        for (int off : {0, 7, 1000}) {
          for (float scale : {1.0f, 0.5f}) {
            std::string what = "rope " + dname(dt) + " " + shape_str(cs.shape) +
                               " dims=" + std::to_string(cs.dims) +
                               " trad=" + std::to_string(trad) +
                               " off=" + std::to_string(off) +
                               " scale=" + std::to_string(scale);
            auto g = fast::rope(x, cs.dims, trad, 10000.0f, scale, off, std::nullopt, gpu());
            auto c = fast::rope(x, cs.dims, trad, 10000.0f, scale, off, std::nullopt, kCpu);
            expect_close(g, ref_rope(x, cs.dims, trad, 10000.0f, scale, {double(off)}, {}),
                         {atol}, tol, what + " vs f64");
            expect_matches_cpu(g, c, atol, tol, what + " vs cpu");
          }
        }
      }
    }
    // Per-batch offsets (int64), explicit freqs, transposed input.
    auto x = transpose(rand_array({3, 12, 2, 16}, dt, seed++), {0, 2, 1, 3}, kCpu);
    x.eval();
    array offs(std::vector<int64_t>{0, 5, 31}, {3}, int64);
    auto freqs = rand_array({8}, float32, seed++, 1.0, 100.0);
    for (bool trad : {false, true}) {
      auto g = fast::rope(x, 16, trad, std::nullopt, 1.0f, offs, freqs, gpu());
      auto c = fast::rope(x, 16, trad, std::nullopt, 1.0f, offs, freqs, kCpu);
      std::string what = "rope freqs/offsets " + dname(dt);
      expect_close(g, ref_rope(x, 16, trad, std::nullopt, 1.0f, {0, 5, 31}, freqs),
                   {atol}, tol, what + " vs f64");
      expect_matches_cpu(g, c, atol, tol, what + " vs cpu");
    }
  }
}

// ---- scaled_dot_product_attention ----

struct AttnCase {
  int B, Nq, Nkv, Tq, Tk, D, Dv;
  std::string mode;  // "", "causal", "bool", "add"
  bool sinks;
};

// Float64 reference; masked scores are a huge finite negative so that a
// fully masked row averages v (the CPU's rule); additive -inf stays -inf.
std::vector<double> ref_attention(const array& q, const array& k, const array& v,
                                  float scale, const AttnCase& c,
                                  const std::optional<array>& mask,
                                  const std::optional<array>& sinks) {
  auto qv = dvalues(q), kv = dvalues(k), vv = dvalues(v);
  std::vector<double> mv, sv;
  if (mask) mv = dvalues(*mask);  // full (B, Nq, Tq, Tk)
  if (sinks) sv = dvalues(*sinks);
  int G = c.Nq / c.Nkv;
  std::vector<double> out(size_t(c.B) * c.Nq * c.Tq * c.Dv, 0.0);
  std::vector<double> sc(c.Tk);
  const double masked = -1e300;
  for (int b = 0; b < c.B; ++b) {
    for (int h = 0; h < c.Nq; ++h) {
      int kh = h / G;
      for (int i = 0; i < c.Tq; ++i) {
        const double* qr = qv.data() + ((size_t(b) * c.Nq + h) * c.Tq + i) * c.D;
        double m = sinks ? sv[h] : -INFINITY;
        for (int j = 0; j < c.Tk; ++j) {
          const double* kr = kv.data() + ((size_t(b) * c.Nkv + kh) * c.Tk + j) * c.D;
          double dot = 0;
          for (int d = 0; d < c.D; ++d) dot += qr[d] * kr[d];
          dot *= scale;
          size_t mi = ((size_t(b) * c.Nq + h) * c.Tq + i) * c.Tk + j;
          if (c.mode == "causal" && j > i + c.Tk - c.Tq) dot = masked;
          if (c.mode == "bool" && mv[mi] == 0.0) dot = masked;
          if (c.mode == "add") dot += mv[mi];
          sc[j] = dot;
          m = std::max(m, dot);
        }
        double den = sinks ? std::exp(sv[h] - m) : 0.0;
        for (int j = 0; j < c.Tk; ++j) {
          sc[j] = std::exp(sc[j] - m);
          den += sc[j];
        }
        double* orow = out.data() + ((size_t(b) * c.Nq + h) * c.Tq + i) * c.Dv;
        for (int j = 0; j < c.Tk; ++j) {
          const double* vr = vv.data() + ((size_t(b) * c.Nkv + kh) * c.Tk + j) * c.Dv;
          for (int d = 0; d < c.Dv; ++d) orow[d] += sc[j] * vr[d];
        }
        for (int d = 0; d < c.Dv; ++d) orow[d] = den > 0 ? orow[d] / den : 0.0;
      }
    }
  }
  return out;
}

double attn_tol(Dtype t) {
  switch (t) {
    case Dtype::float64: return 1e-10;
    case Dtype::float16: return 5e-3;
    case Dtype::bfloat16: return 3e-2;
    default: return 2e-5;
  }
}

void check_attention(const AttnCase& c, Dtype dt, uint64_t seed,
                     bool transposed_q = false) {
  auto q = rand_array({c.B, c.Nq, c.Tq, c.D}, dt, seed);
  if (transposed_q) {
    q = transpose(rand_array({c.B, c.Tq, c.Nq, c.D}, dt, seed), {0, 2, 1, 3}, kCpu);
  }
  auto k = rand_array({c.B, c.Nkv, c.Tk, c.D}, dt, seed + 1);
  auto v = rand_array({c.B, c.Nkv, c.Tk, c.Dv}, dt, seed + 2);
  float scale = 1.0f / std::sqrt(float(c.D));
  std::optional<array> mask, sinks;
  Shape full = {c.B, c.Nq, c.Tq, c.Tk};
  if (c.mode == "bool") {
    // Broadcast over batch and heads; some rows fully masked.
    auto r = dvalues(rand_array({1, 1, c.Tq, c.Tk}, float32, seed + 3));
    std::vector<bool> bits(r.size());
    for (size_t i = 0; i < r.size(); ++i) {
      bits[i] = r[i] > -0.3 && (i / c.Tk) % 5 != 3;
    }
    std::vector<uint8_t> raw(bits.begin(), bits.end());
    mask = broadcast_to(astype(array(raw, {1, 1, c.Tq, c.Tk}, uint8), bool_, kCpu),
                        full, kCpu);
  } else if (c.mode == "add") {
    // Per-batch key bias with some -inf keys, broadcast over heads/queries.
    auto r = dvalues(rand_array({c.B, 1, 1, c.Tk}, float32, seed + 3, -2.0, 1.0));
    for (size_t i = 0; i < r.size(); i += 7) r[i] = -INFINITY;
    mask = broadcast_to(astype(array(r, {c.B, 1, 1, c.Tk}, float64), dt, kCpu), full,
                        kCpu);
  }
  if (c.sinks) sinks = rand_array({c.Nq}, float32, seed + 4, -1.0, 2.0);
  if (mask) mask->eval();
  q.eval();
  std::string mode = c.mode == "causal" ? "causal" : "";
  auto g = fast::scaled_dot_product_attention(q, k, v, scale, mode, mask, sinks, gpu());
  auto cpu = fast::scaled_dot_product_attention(q, k, v, scale, mode, mask, sinks, kCpu);
  std::string what = "sdpa " + dname(dt) + " B" + std::to_string(c.B) + " Nq" +
                     std::to_string(c.Nq) + " Nkv" + std::to_string(c.Nkv) + " Tq" +
                     std::to_string(c.Tq) + " Tk" + std::to_string(c.Tk) + " D" +
                     std::to_string(c.D) + "/" + std::to_string(c.Dv) + " mask '" +
                     c.mode + "'" + (c.sinks ? " sinks" : "") +
                     (transposed_q ? " transposed q" : "");
  // Sinks are used in the output dtype.
  std::optional<array> sinks_dt;
  if (sinks) sinks_dt = astype(*sinks, dt, kCpu);
  double tol = attn_tol(dt);
  expect_close(g, ref_attention(q, k, v, scale, c, mask, sinks_dt), {tol}, tol,
               what + " vs f64");
  expect_matches_cpu(g, cpu, tol, tol, what + " vs cpu");
}

TEST(GpuFast, AttentionFlashPath) {
  EMBER_REQUIRE_GPU();
  std::vector<AttnCase> cases = {
      {2, 4, 4, 100, 100, 64, 64, "", false},
      {1, 2, 2, 200, 200, 64, 64, "causal", false},
      {1, 2, 2, 37, 150, 64, 64, "causal", false},   // Tq < Tk (cache)
      {1, 2, 2, 1, 77, 64, 64, "causal", false},     // decoding
      {1, 2, 2, 150, 70, 64, 64, "causal", false},   // fully masked rows
      {2, 8, 2, 65, 130, 64, 64, "", false},         // GQA
      {2, 4, 4, 70, 90, 64, 64, "bool", false},
      {2, 4, 2, 70, 90, 64, 64, "add", false},
      {1, 4, 4, 130, 130, 64, 64, "causal", true},   // sinks
      {1, 2, 2, 129, 129, 128, 128, "causal", false},
      {2, 4, 1, 64, 200, 128, 128, "", true},
      {1, 2, 2, 50, 80, 128, 128, "bool", false},
  };
  uint64_t seed = 1000;
  for (Dtype dt : {bfloat16, float16}) {
    for (auto& c : cases) {
      check_attention(c, dt, seed);
      seed += 10;
    }
    check_attention({2, 4, 4, 90, 90, 64, 64, "causal", false}, dt, seed, true);
    check_attention({1, 3, 3, 33, 45, 128, 128, "", false}, dt, seed + 5, true);
  }
}

TEST(GpuFast, AttentionGenericPath) {
  EMBER_REQUIRE_GPU();
  std::vector<AttnCase> cases = {
      {2, 4, 2, 17, 33, 40, 24, "", false},
      {1, 2, 2, 40, 40, 16, 16, "causal", false},
      {1, 2, 2, 45, 20, 8, 8, "causal", true},  // fully masked rows + sinks
      {2, 2, 1, 9, 70, 64, 64, "bool", false},
      {2, 4, 4, 12, 50, 96, 96, "add", false},
      {1, 1, 1, 1, 1, 1, 1, "", false},
      {1, 2, 2, 5, 0, 8, 8, "", false},         // no keys: zeros
  };
  uint64_t seed = 2000;
  for (Dtype dt : {float32, float64, bfloat16, float16}) {
    for (auto& c : cases) {
      check_attention(c, dt, seed);
      seed += 10;
    }
  }
  // float32 with head dim 64 uses the generic kernel too.
  check_attention({2, 4, 4, 100, 100, 64, 64, "causal", false}, float32, seed, true);
}

TEST(GpuFast, AttentionLarge) {
  EMBER_REQUIRE_GPU();
  // Many query and key tiles (the benchmark's head dim).
  check_attention({1, 4, 4, 1024, 1024, 64, 64, "causal", false}, bfloat16, 3000);
  check_attention({1, 2, 2, 600, 1100, 128, 128, "", false}, float16, 3100);
}

TEST(GpuFast, AttentionMixedDtypesAndGradients) {
  EMBER_REQUIRE_GPU();
  // q float16, k/v float32: computed in float32 (promoted).
  auto q = rand_array({1, 2, 10, 16}, float16, 1);
  auto k = rand_array({1, 2, 12, 16}, float32, 2);
  auto v = rand_array({1, 2, 12, 16}, float32, 3);
  auto g = fast::scaled_dot_product_attention(q, k, v, 0.25f, "causal", std::nullopt,
                                              std::nullopt, gpu());
  auto c = fast::scaled_dot_product_attention(q, k, v, 0.25f, "causal", std::nullopt,
                                              std::nullopt, kCpu);
  EXPECT_EQ(g.dtype(), float32);
  expect_matches_cpu(g, c, 1e-5, 1e-5, "mixed dtypes");

  // The backward pass goes through the fallback's ops (on the GPU stream).
  auto f = [&](const std::vector<array>& in, Device d) {
    auto o = fast::scaled_dot_product_attention(in[0], in[1], in[2], 0.25f, "causal",
                                                std::nullopt, std::nullopt, d);
    return std::vector<array>{sum(multiply(o, o, d), false, d)};
  };
  auto qf = rand_array({1, 2, 10, 16}, float32, 4);
  auto [vg, gg] = vjp([&](const std::vector<array>& in) { return f(in, gpu()); },
                      {qf, k, v}, {array(1.0f)});
  auto [vc, gc] = vjp([&](const std::vector<array>& in) { return f(in, kCpu); },
                      {qf, k, v}, {array(1.0f)});
  for (int i = 0; i < 3; ++i) {
    expect_matches_cpu(gg[i], gc[i], 1e-5, 1e-4, "grad " + std::to_string(i));
  }
  // Norm gradients as well.
  auto x = rand_array({4, 32}, float32, 5);
  auto w = rand_array({32}, float32, 6);
  auto fn = [&](const std::vector<array>& in, Device d) {
    auto y = fast::layer_norm(in[0], in[1], std::nullopt, 1e-5f, d);
    return std::vector<array>{sum(multiply(y, y, d), false, d)};
  };
  auto [ng, ngg] = vjp([&](const std::vector<array>& in) { return fn(in, gpu()); },
                       {x, w}, {array(1.0f)});
  auto [nc, ncg] = vjp([&](const std::vector<array>& in) { return fn(in, kCpu); },
                       {x, w}, {array(1.0f)});
  expect_matches_cpu(ngg[0], ncg[0], 1e-4, 1e-4, "layer_norm grad x");
  expect_matches_cpu(ngg[1], ncg[1], 1e-4, 1e-4, "layer_norm grad w");
}

}  // namespace
}  // namespace ember
