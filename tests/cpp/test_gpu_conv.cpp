// GPU convolution (im2col + cuBLASLt) against a float64 direct convolution
// computed in the test and against the CPU backend: 1-d/2-d/3-d/4-d,
// strides, asymmetric and negative padding, kernel and input dilation,
// groups (incl. depthwise), flip, pointwise fast path, strided inputs, every
// float dtype, empty batches, transposed convolutions and gradients.
#include <gtest/gtest.h>

#include "ember/ember.h"
#include "gpu_compare.h"
#include "test_utils.h"

namespace ember {
namespace {

using namespace gpu_test;

struct ConvArgs {
  std::vector<int> stride, lo, hi, kdil, idil;
  int groups = 1;
  bool flip = false;
};

// Direct convolution in double; returns values and the per-element scale
// sum |x||w| (for tolerances).
std::pair<std::vector<double>, std::vector<double>> ref_conv(
    const array& x, const array& w, const ConvArgs& a, const Shape& out_shape) {
  auto xv = dvalues(x), wv = dvalues(w);
  int D = x.ndim() - 2;
  int64_t N = x.shape(0), Cin = x.shape(-1), Cout = w.shape(0);
  int64_t G = a.groups, Cg = Cin / G, Cog = Cout / G;
  Shape S(x.shape().begin() + 1, x.shape().end() - 1);
  Shape K(w.shape().begin() + 1, w.shape().end() - 1);
  Shape O(out_shape.begin() + 1, out_shape.end() - 1);
  int64_t P = 1, KP = 1, SP = 1;
  for (int d = 0; d < D; ++d) {
    P *= O[d];
    KP *= K[d];
    SP *= S[d];
  }
  std::vector<double> out(size_t(N * P * Cout), 0.0), scale(out.size(), 0.0);
  std::vector<int64_t> o(D), k(D);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t p = 0; p < P; ++p) {
      int64_t rem = p;
      for (int d = D - 1; d >= 0; --d) {
        o[d] = rem % O[d];
        rem /= O[d];
      }
      for (int64_t kk = 0; kk < KP; ++kk) {
        int64_t r2 = kk;
        for (int d = D - 1; d >= 0; --d) {
          k[d] = r2 % K[d];
          r2 /= K[d];
        }
        int64_t off = 0;
        bool valid = true;
        for (int d = 0; d < D; ++d) {
          int64_t kp = a.flip ? K[d] - 1 - k[d] : k[d];
          int64_t j = o[d] * a.stride[d] + kp * a.kdil[d] - a.lo[d];
          int64_t span = (int64_t(S[d]) - 1) * a.idil[d] + 1;
          if (j < 0 || j >= span || j % a.idil[d] != 0) valid = false;
          off = off * S[d] + (valid ? j / a.idil[d] : 0);
        }
        if (!valid) continue;
        for (int64_t co = 0; co < Cout; ++co) {
          int64_t g = co / Cog;
          double acc = 0, sc = 0;
          for (int64_t c = 0; c < Cg; ++c) {
            double xe = xv[size_t((n * SP + off) * Cin + g * Cg + c)];
            double we = wv[size_t((co * KP + kk) * Cg + c)];
            acc += xe * we;
            sc += std::abs(xe * we);
          }
          out[size_t((n * P + p) * Cout + co)] += acc;
          scale[size_t((n * P + p) * Cout + co)] += sc;
        }
      }
    }
  }
  return {out, scale};
}

void check_conv(const array& x, const array& w, ConvArgs a, const std::string& what,
                bool unchecked = false) {
  int D = x.ndim() - 2;
  auto fill = [&](std::vector<int>& v, int dflt) {
    if (v.empty()) v.assign(D, dflt);
  };
  fill(a.stride, 1);
  fill(a.lo, 0);
  fill(a.hi, 0);
  fill(a.kdil, 1);
  fill(a.idil, 1);
  auto run = [&](Device d) {
    if (unchecked) {
      return detail::conv_general_unchecked(x, w, a.stride, a.lo, a.hi, a.kdil, a.idil,
                                            a.groups, a.flip, to_stream(d));
    }
    return conv_general(x, w, a.stride, a.lo, a.hi, a.kdil, a.idil, a.groups, a.flip,
                        d);
  };
  auto g = run(gpu());
  auto c = run(kCpu);
  ASSERT_EQ(g.shape(), c.shape()) << what;
  Dtype dt = g.dtype();
  auto [want, scale] = ref_conv(x, w, a, g.shape());
  double tol = accum_tol(dt);
  std::vector<double> atol(scale.size());
  for (size_t i = 0; i < scale.size(); ++i) atol[i] = tol * scale[i] + 1e-12;
  expect_close(g, want, atol, 0.0, what + " " + dname(dt) + " vs f64");
  expect_matches_cpu(g, c, tol * 4, tol, what + " " + dname(dt) + " vs cpu");
}

const std::vector<Dtype> kFloats = {float32, float16, bfloat16, float64};

TEST(GpuConv, Conv1d2d3dOptions) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 1;
  for (Dtype dt : kFloats) {
    auto x1 = rand_array({2, 17, 5}, dt, seed++);
    auto w1 = rand_array({7, 3, 5}, dt, seed++);
    check_conv(x1, w1, {{1}, {1}, {1}}, "conv1d pad 1");
    check_conv(x1, w1, {{3}, {0}, {2}, {2}}, "conv1d stride 3 dil 2");

    auto x2 = rand_array({2, 9, 11, 6}, dt, seed++);
    auto w2 = rand_array({8, 3, 3, 6}, dt, seed++);
    check_conv(x2, w2, {{2, 1}, {1, 2}, {1, 2}, {1, 2}}, "conv2d stride/pad/dil");
    check_conv(x2, w2, {{1, 1}, {0, 3}, {2, 0}}, "conv2d asymmetric pad");

    auto x3 = rand_array({1, 5, 6, 4, 3}, dt, seed++);
    auto w3 = rand_array({4, 2, 3, 2, 3}, dt, seed++);
    check_conv(x3, w3, {{1, 2, 1}, {1, 0, 1}, {1, 0, 1}}, "conv3d");
  }
}

TEST(GpuConv, GroupsDepthwiseAndPointwise) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 100;
  for (Dtype dt : kFloats) {
    auto x = rand_array({2, 8, 7, 8}, dt, seed++);
    auto wg = rand_array({12, 3, 3, 2}, dt, seed++);  // 4 groups
    check_conv(x, wg, {{1, 1}, {1, 1}, {1, 1}, {}, {}, 4}, "groups 4");
    auto xd = rand_array({2, 8, 7, 6}, dt, seed++);
    auto wd = rand_array({6, 3, 3, 1}, dt, seed++);  // depthwise
    check_conv(xd, wd, {{2, 2}, {1, 1}, {1, 1}, {}, {}, 6}, "depthwise");
    auto xp = rand_array({2, 7, 5, 16}, dt, seed++);
    auto wp = rand_array({24, 1, 1, 16}, dt, seed++);
    check_conv(xp, wp, {}, "pointwise");
    auto wpg = rand_array({24, 1, 1, 8}, dt, seed++);
    check_conv(xp, wpg, {{}, {}, {}, {}, {}, 2}, "pointwise groups 2");
    // 1x1 with stride is not pointwise (goes through im2col).
    check_conv(xp, wp, {{2, 2}}, "1x1 stride 2");
  }
}

TEST(GpuConv, InputDilationFlipNegativePaddingAndHigherDims) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 200;
  for (Dtype dt : kFloats) {
    auto x = rand_array({2, 6, 7, 3}, dt, seed++);
    auto w = rand_array({5, 3, 2, 3}, dt, seed++);
    check_conv(x, w, {{1, 2}, {2, 1}, {1, 3}, {1, 1}, {2, 3}, 1, true},
               "input dilation + flip");
    check_conv(x, w, {{1, 1}, {-1, 1}, {1, -2}, {2, 1}, {1, 1}}, "negative padding",
               true);
    auto x4 = rand_array({1, 3, 4, 3, 5, 2}, dt, seed++);
    auto w4 = rand_array({3, 2, 2, 1, 3, 2}, dt, seed++);
    check_conv(x4, w4, {{1, 2, 1, 1}, {0, 1, 0, 1}, {0, 1, 0, 1}}, "4 spatial dims");
  }
}

TEST(GpuConv, StridedInputsEmptyAndLarge) {
  EMBER_REQUIRE_GPU();
  // Transposed input view and a stepped weight view.
  auto xt = transpose(rand_array({2, 6, 9, 8}, float32, 1), {0, 2, 1, 3}, kCpu);
  auto ws = slice(rand_array({8, 3, 3, 8}, float32, 2), {0, 0, 0, 0}, {8, 3, 3, 8},
                  {2, 1, 1, 1}, kCpu);
  eval({xt, ws});
  check_conv(xt, ws, {{1, 1}, {1, 1}, {1, 1}}, "strided views");
  // Empty batch.
  auto e = conv2d(rand_array({0, 5, 5, 3}, float32, 3), rand_array({4, 3, 3, 3}, float32, 4),
                  {1, 1}, {1, 1}, {1, 1}, 1, gpu());
  EXPECT_EQ(e.shape(), Shape({0, 5, 5, 4}));
  e.eval();
  // A realistic layer, against the CPU.
  for (Dtype dt : {bfloat16, float32}) {
    auto x = rand_array({8, 32, 32, 64}, dt, 5);
    auto w = rand_array({128, 3, 3, 64}, dt, 6);
    auto g = conv2d(x, w, {1, 1}, {1, 1}, {1, 1}, 1, gpu());
    auto c = conv2d(x, w, {1, 1}, {1, 1}, {1, 1}, 1, kCpu);
    double tol = accum_tol(dt);
    expect_matches_cpu(g, c, tol * 24, tol, "large conv2d " + dname(dt));
  }
}

TEST(GpuConv, TransposedConvAndGradients) {
  EMBER_REQUIRE_GPU();
  auto x = rand_array({2, 5, 6, 4}, float32, 10);
  auto w = rand_array({3, 3, 3, 4}, float32, 11);
  auto g = conv_transpose2d(x, w, {2, 2}, {1, 1}, {1, 1}, {1, 0},
                            1, gpu());
  auto c = conv_transpose2d(x, w, {2, 2}, {1, 1}, {1, 1}, {1, 0},
                            1, kCpu);
  expect_matches_cpu(g, c, 1e-5, 1e-5, "conv_transpose2d");
  auto f = [&](const std::vector<array>& in, Device d) {
    auto y = conv2d(in[0], in[1], {2, 1}, {1, 1}, {1, 2}, 1, d);
    return std::vector<array>{sum(multiply(y, y, d), false, d)};
  };
  auto [vg, gg] = vjp([&](const std::vector<array>& in) { return f(in, gpu()); },
                      {x, w}, {array(1.0f)});
  auto [vc, gc] = vjp([&](const std::vector<array>& in) { return f(in, kCpu); },
                      {x, w}, {array(1.0f)});
  expect_matches_cpu(gg[0], gc[0], 1e-4, 1e-4, "conv grad x");
  expect_matches_cpu(gg[1], gc[1], 1e-4, 1e-4, "conv grad w");
}

}  // namespace
}  // namespace ember
