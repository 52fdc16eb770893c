// compile's kernel fusion: groups of elementwise nodes become Compiled nodes
// (checked through CompiledFunction::entries()), and fused functions give
// the results of the eager function (double references) for broadcasting,
// scalars, mixed dtypes, several outputs, intermediates used outside the
// group, shapeless replay on new shapes, and under grad/jvp/vmap.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "ember/ember.h"
#include "ember/primitives/compiled.h"
#include "ember/primitives/compiled_source.h"
#include "ember/primitives/all.h"
#include "compile_test_utils.h"
#include "test_utils.h"

using namespace ember;
using namespace ember::compile_test;

namespace {

using VFn = std::function<std::vector<array>(const std::vector<array>&)>;



double gelu_tanh(double x) {
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

array gelu_tanh(const array& x) {
  const float k = float(std::sqrt(2.0 / M_PI));
  return 0.5f * x * (1.0f + tanh(k * (x + 0.044715f * x * x * x)));
}

}  // namespace

TEST(CompileFusion, GeluChainBecomesOneNode) {
  ModeGuard g(true);
  detail::CompiledFunction cf;
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{gelu_tanh(in[0])};
  };
  for (uint32_t seed = 1; seed <= 2; ++seed) {
    auto xv = values(24, -4, 4, seed);
    auto out = cf(f, {vec(xv, {4, 6})})[0];
    std::vector<double> expect;
    for (double v : xv) expect.push_back(gelu_tanh(v));
    EXPECT_EQ(out.shape(), (Shape{4, 6}));
    expect_values(out, expect, 1e-5);
  }
  auto info = cf.entries().at(0);
  EXPECT_EQ(count(info.nodes, "Compiled"), 1u);
  EXPECT_EQ(count(info.nodes, "Tanh"), 0u);
  EXPECT_EQ(count(info.nodes, "Multiply"), 0u);
  ASSERT_EQ(info.fused.size(), 1u);
  EXPECT_EQ(count(info.fused[0], "Tanh"), 1u);
  EXPECT_GE(count(info.fused[0], "Multiply"), 4u);
  // Scalar constants stay outside as (broadcast) inputs of the group.
  for (auto& n : info.nodes) EXPECT_TRUE(n == "Compiled" || n == "Broadcast") << n;
}

TEST(CompileFusion, NoFuseModeAndEnvSwitch) {
  ModeGuard g(true);
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{exp(in[0]) * in[0] + 1.0f};
  };
  array x({0.5f, -1.0f, 2.0f});
  std::vector<double> expect;
  for (double v : {0.5, -1.0, 2.0}) expect.push_back(std::exp(v) * v + 1);
  set_compile_mode(CompileMode::no_fuse);
  detail::CompiledFunction a;
  expect_values(a(f, {x})[0], expect, 1e-6);
  EXPECT_EQ(count(a.entries().at(0).nodes, "Compiled"), 0u);

  enable_compile();
  setenv("EMBER_COMPILE_FUSE", "0", 1);
  detail::CompiledFunction b;
  expect_values(b(f, {x})[0], expect, 1e-6);
  unsetenv("EMBER_COMPILE_FUSE");
  EXPECT_EQ(count(b.entries().at(0).nodes, "Compiled"), 0u);
  EXPECT_EQ(count(b.entries().at(0).nodes, "Exp"), 1u);

  detail::CompiledFunction c;
  expect_values(c(f, {x})[0], expect, 1e-6);
  EXPECT_EQ(count(c.entries().at(0).nodes, "Compiled"), 1u);
}

TEST(CompileFusion, BroadcastScalarsAndViews) {
  ModeGuard g(true);
  auto cf = compile([](const std::vector<array>& in) {
    const array& x = in[0];  // (3, 4)
    const array& b = in[1];  // (4,)
    const array& s = in[2];  // 0-d
    return std::vector<array>{sqrt(exp(x) * b + s * s + 3.0f) - b / 2.0f};
  });
  auto xv = values(12, -1, 1, 3), bv = values(4, 0.5, 2, 4);
  auto ref = [&](const std::vector<double>& xs, double s) {
    std::vector<double> e;
    for (int i = 0; i < 12; ++i) {
      double b = bv[i % 4];
      e.push_back(std::sqrt(std::exp(xs[i]) * b + s * s + 3) - b / 2);
    }
    return e;
  };
  array x = vec(xv, {3, 4}), b = vec(bv, {4});
  expect_values(cf({x, b, array(0.75f)})[0], ref(xv, 0.75), 1e-5);
  // Same shapes, other layouts: a transposed view and a reversed slice.
  std::vector<double> xt(12);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) xt[j * 3 + i] = xv[i * 4 + j];
  array xtv = transpose(vec(xt, {4, 3}));
  expect_values(cf({xtv, b, array(-1.5f)})[0], ref(xv, -1.5), 1e-5);
  std::vector<double> spread(8, 100.0);
  for (int j = 0; j < 4; ++j) spread[2 * j] = bv[j];
  array bstep = slice(vec(spread, {8}), Shape{0}, Shape{8}, Shape{2});
  expect_values(cf({x, bstep, array(0.0f)})[0], ref(xv, 0.0), 1e-5);
  // Empty arrays.
  auto e = cf({zeros_for_test({0, 4}), b, array(1.0f)})[0];
  EXPECT_EQ(e.shape(), (Shape{0, 4}));
  e.eval();
}

TEST(CompileFusion, MixedDtypesAndSelect) {
  ModeGuard g(true);
  detail::CompiledFunction cf;
  VFn f = [](const std::vector<array>& in) {
    const array& i = in[0];  // int32
    const array& y = in[1];  // float32
    array q = floor_divide(i, array(3)) + remainder(i, array(-4));
    array mask = (astype(q, float32) * y) > 0.5f;
    array r = where(mask, exp(y), astype(i, float32) * 2.0f);
    return std::vector<array>{r, q, logical_not(mask)};
  };
  std::vector<double> iv = {-7, -4, -1, 0, 1, 5, 8, 11};
  auto yv = values(8, -2, 2, 9);
  auto outs = cf(f, {vec(iv, {8}, int32), vec(yv, {8})});
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_EQ(outs[0].dtype(), float32);
  EXPECT_EQ(outs[1].dtype(), int32);
  EXPECT_EQ(outs[2].dtype(), bool_);
  std::vector<double> e0, e1, e2;
  for (int k = 0; k < 8; ++k) {
    double a = iv[k];
    // Integer floor_divide truncates (MLX); remainder takes b's sign.
    double q = std::trunc(a / 3) + (a - (-4) * std::floor(a / -4));
    bool m = q * yv[k] > 0.5;
    e0.push_back(m ? std::exp(yv[k]) : a * 2);
    e1.push_back(q);
    e2.push_back(!m);
  }
  expect_values(outs[0], e0, 1e-6);
  expect_values(outs[1], e1, 0);
  expect_values(outs[2], e2, 0);
  auto info = cf.entries().at(0);
  EXPECT_EQ(count(info.nodes, "Compiled"), 1u);
  EXPECT_EQ(count(info.nodes, "Select"), 0u);
  EXPECT_EQ(count(info.nodes, "AsType"), 0u);
}

TEST(CompileFusion, HalfTypes) {
  ModeGuard g(true);
  for (Dtype t : {float16, bfloat16}) {
    auto cf = compile([](const std::vector<array>& in) {
      return std::vector<array>{sigmoid(in[0]) * in[0] + in[1]};
    });
    auto xv = values(16, -3, 3, 5), yv = values(16, -1, 1, 6);
    auto out = cf({vec(xv, {16}, t), vec(yv, {16}, t)})[0];
    EXPECT_EQ(out.dtype(), t);
    // References from the rounded inputs.
    auto xr = to_vector(vec(xv, {16}, t)), yr = to_vector(vec(yv, {16}, t));
    std::vector<double> e;
    for (int i = 0; i < 16; ++i)
      e.push_back(xr[i] / (1 + std::exp(-xr[i])) + yr[i]);
    expect_values(out, e, 3 * tol_elementwise(t));
  }
}

TEST(CompileFusion, IntermediatesUsedOutsideBecomeOutputs) {
  ModeGuard g(true);
  detail::CompiledFunction cf;
  VFn f = [](const std::vector<array>& in) {
    array a = exp(in[0]) * 2.0f;       // used by the sum and returned
    array b = sin(a) + a;              // fused with a
    array s = sum(a, /*axis=*/1);      // reduction: outside the group
    return std::vector<array>{b, s, a};
  };
  auto xv = values(6, -1, 1, 11);
  auto outs = cf(f, {vec(xv, {2, 3})});
  std::vector<double> eb, es(2, 0.0), ea;
  for (int i = 0; i < 6; ++i) {
    double a = std::exp(xv[i]) * 2;
    ea.push_back(a);
    eb.push_back(std::sin(a) + a);
    es[i / 3] += a;
  }
  expect_values(outs[0], eb, 1e-6);
  expect_values(outs[1], es, 1e-6);
  expect_values(outs[2], ea, 1e-6);
  auto info = cf.entries().at(0);
  EXPECT_EQ(count(info.nodes, "Compiled"), 1u);
  EXPECT_EQ(count(info.nodes, "Exp"), 0u);
}

TEST(CompileFusion, NoCycleThroughReduction) {
  // exp(x) feeds a sum whose result comes back into the chain: fusing
  // exp(x) with the add would make the group depend on itself.
  ModeGuard g(true);
  detail::CompiledFunction cf;
  VFn f = [](const std::vector<array>& in) {
    array e = exp(in[0]) * 3.0f;
    array s = sum(e, /*axis=*/-1, /*keepdims=*/true);
    return std::vector<array>{tanh(e / s) * 2.0f};
  };
  auto xv = values(8, -1, 1, 12);
  for (int rep = 0; rep < 2; ++rep) {
    auto out = cf(f, {vec(xv, {2, 4})})[0];
    std::vector<double> e;
    for (int r = 0; r < 2; ++r) {
      double s = 0;
      for (int j = 0; j < 4; ++j) s += std::exp(xv[r * 4 + j]) * 3;
      for (int j = 0; j < 4; ++j)
        e.push_back(std::tanh(std::exp(xv[r * 4 + j]) * 3 / s) * 2);
    }
    expect_values(out, e, 1e-6);
  }
  auto info = cf.entries().at(0);
  // Two groups: {exp, multiply} before the sum, {divide, tanh, multiply}
  // after it.
  EXPECT_EQ(count(info.nodes, "Compiled"), 2u);
  EXPECT_EQ(count(info.nodes, "Reduce"), 1u);
}

TEST(CompileFusion, ShapelessNewShapes) {
  ModeGuard g(true);
  int traces = 0;
  auto cf = compile(
      [&](const std::vector<array>& in) {
        ++traces;
        array a = in[0] + 1.0f;
        return std::vector<array>{a * exp(in[1]) - 0.5f, a};
      },
      /*shapeless=*/true);
  auto run = [&](Shape sx, Shape sy) {
    auto xv = values(int(shape_size(sx)), -1, 1, 21);
    auto yv = values(int(shape_size(sy)), -1, 1, 22);
    auto outs = cf({vec(xv, sx), vec(yv, sy)});
    Shape so = broadcast_shapes(sx, sy);
    EXPECT_EQ(outs[0].shape(), so);
    EXPECT_EQ(outs[1].shape(), sx);  // unfused, a keeps x's shape
    std::vector<double> e0, e1;
    for (size_t i = 0; i < xv.size(); ++i) e1.push_back(xv[i] + 1);
    int rows = so[0], cols = so[1];
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        double xval = xv[(sx[0] == 1 ? 0 : r) * sx[1] + (sx[1] == 1 ? 0 : c)];
        double yval = yv[(sy[0] == 1 ? 0 : r) * sy[1] + (sy[1] == 1 ? 0 : c)];
        e0.push_back((xval + 1) * std::exp(yval) - 0.5);
      }
    }
    expect_values(outs[0], e0, 1e-6);
    expect_values(outs[1], e1, 1e-6);
  };
  run({2, 3}, {2, 3});
  run({4, 5}, {4, 5});
  run({1, 5}, {3, 5});  // the returned inner result is smaller than the rest
  run({3, 1}, {3, 4});
  EXPECT_EQ(traces, 1);
}

TEST(CompileFusion, GradOfFusedAndFusedGrad) {
  ModeGuard g(true);
  auto f = [](const std::vector<array>& in) {
    return std::vector<array>{sum(tanh(in[0]) * in[1] + exp(in[0] * in[1]))};
  };
  auto xv = values(6, -1, 1, 31), yv = values(6, -1, 1, 32);
  array x = vec(xv, {6}), y = vec(yv, {6});
  std::vector<double> gx, gy;
  for (int i = 0; i < 6; ++i) {
    double t = std::tanh(xv[i]), e = std::exp(xv[i] * yv[i]);
    gx.push_back((1 - t * t) * yv[i] + yv[i] * e);
    gy.push_back(t + xv[i] * e);
  }
  // grad of a compiled function (the Compiled node's vjp).
  auto cf = compile(f);
  auto gfun = grad([&](const std::vector<array>& in) { return cf(in)[0]; },
                   std::vector<int>{0, 1});
  auto gs = gfun({x, y});
  expect_values(gs[0], gx, 1e-5);
  expect_values(gs[1], gy, 1e-5);
  // A compiled gradient: the backward chain is fused too.
  detail::CompiledFunction cg;
  auto body = [&](const std::vector<array>& in) {
    return grad([&](const std::vector<array>& a) { return f(a)[0]; },
                std::vector<int>{0, 1})(in);
  };
  for (int rep = 0; rep < 2; ++rep) {
    auto gs2 = cg(body, {x, y});
    expect_values(gs2[0], gx, 1e-5);
    expect_values(gs2[1], gy, 1e-5);
  }
  EXPECT_GE(count(cg.entries().at(0).nodes, "Compiled"), 1u);
  // jvp through the fused node.
  std::vector<double> ones(6, 1.0);
  auto [outs, tans] = jvp(cf, {x, y}, {vec(ones, {6}), zeros_for_test({6})});
  double t = 0;
  for (double v : gx) t += v;
  expect_values(tans[0], {t}, 1e-5);
}

TEST(CompileFusion, VmapOfFused) {
  ModeGuard g(true);
  auto cf = compile([](const std::vector<array>& in) {
    array a = exp(in[0]) * in[1];
    return std::vector<array>{a + 1.0f, a * a};
  });
  auto xv = values(12, -1, 1, 41), yv = values(4, -1, 1, 42);
  array x = vec(xv, {3, 4}), y = vec(yv, {4});
  cf({vec(std::vector<double>(xv.begin(), xv.begin() + 4), {4}), y});
  auto vf = vmap(cf, {0, std::nullopt});
  auto outs = vf({x, y});
  std::vector<double> e0, e1;
  for (int i = 0; i < 12; ++i) {
    double a = std::exp(xv[i]) * yv[i % 4];
    e0.push_back(a + 1);
    e1.push_back(a * a);
  }
  EXPECT_EQ(outs[0].shape(), (Shape{3, 4}));
  expect_values(outs[0], e0, 1e-6);
  expect_values(outs[1], e1, 1e-6);
}

TEST(CompileFusion, IntegerSemantics) {
  // Wrap-around, division by zero and negative operands through a fused
  // integer chain (the CPU runs the group with its own kernels; the GPU
  // kernel is generated to match them).
  ModeGuard g(true);
  auto cf = compile([](const std::vector<array>& in) {
    array a = in[0] * in[1] + in[0];
    return std::vector<array>{floor_divide(a, in[1]), remainder(a, in[1]),
                              -a};
  });
  std::vector<double> av = {-7, 7, 100, -100, 0, 3};
  std::vector<double> bv = {2, -2, 0, 3, 5, -1};
  auto outs = cf({vec(av, {6}, int8), vec(bv, {6}, int8)});
  for (int i = 0; i < 6; ++i) {
    int a8 = int8_t(uint8_t(int(av[i]) * int(bv[i]) + int(av[i])));
    int b = int(bv[i]);
    // MLX integer floor_divide truncates; division by zero gives 0.
    int q = b == 0 ? 0 : a8 / b;
    int r = b == 0 ? 0 : ((a8 % b) != 0 && ((a8 % b < 0) != (b < 0)) ? a8 % b + b : a8 % b);
    EXPECT_EQ(to_vector(outs[0])[i], double(int8_t(q))) << i;
    EXPECT_EQ(to_vector(outs[1])[i], double(r)) << i;
    EXPECT_EQ(to_vector(outs[2])[i], double(int8_t(uint8_t(-a8)))) << i;
  }
}

TEST(CompileFusion, GeneratorWhitelist) {
  Stream s = default_stream(Device::cpu);
  using detail::fusable_elementwise;
  EXPECT_TRUE(fusable_elementwise(Exp(s), {float32}, float32));
  EXPECT_TRUE(fusable_elementwise(Exp(s), {bfloat16}, bfloat16));
  EXPECT_FALSE(fusable_elementwise(Exp(s), {complex64}, complex64));
  EXPECT_FALSE(fusable_elementwise(Exp(s), {int32}, int32));
  EXPECT_FALSE(fusable_elementwise(Negative(s), {bool_}, bool_));
  EXPECT_TRUE(fusable_elementwise(Divide(s), {float16, float16}, float16));
  EXPECT_FALSE(fusable_elementwise(Divide(s), {int32, int32}, int32));
  EXPECT_TRUE(fusable_elementwise(Less(s), {int64, int64}, bool_));
  EXPECT_TRUE(fusable_elementwise(AsType(s, bfloat16), {int32}, bfloat16));
  EXPECT_FALSE(fusable_elementwise(AsType(s, complex64), {float32}, complex64));
  EXPECT_TRUE(fusable_elementwise(Select(s), {bool_, uint8, uint8}, uint8));
  EXPECT_FALSE(fusable_elementwise(StopGradient(s), {float32}, float32));
}

TEST(CompileFusion, GeneratedSourceShape) {
  // The kernel text for a bf16 GELU-like group: contiguous kernel with
  // 8-wide (16-byte) vector accesses, bf16 pairs packed by one conversion,
  // float values inside (rounded after every op only in FusedHalf::rounded),
  // scalars hoisted, strided kernel with EmMeta.
  Stream s = default_stream(Device::cpu);
  CompiledTape t;
  t.input_dtypes = {bfloat16, bfloat16};
  t.nodes.push_back({std::make_shared<Multiply>(s), {0, 1}, bfloat16});
  t.nodes.push_back({std::make_shared<Tanh>(s), {2}, bfloat16});
  t.outputs = {3};
  std::vector<char> scalar = {0, 1};
  EXPECT_EQ(detail::fused_vec_width(t, scalar), 8);
  auto flat = detail::fused_kernel_source(t, false, scalar, 8);
  EXPECT_NE(flat.find("extern \"C\" __global__"), std::string::npos);
  EXPECT_NE(flat.find("const float v0 = (x0 * x1);"), std::string::npos);
  EXPECT_NE(flat.find("em_tanh_bf16(v0)"), std::string::npos);
  EXPECT_NE(flat.find("EmVec<em_bf16, 8>"), std::string::npos);
  EXPECT_NE(flat.find("em_pack_bf2(r0[2 * k], r0[2 * k + 1])"), std::string::npos);
  EXPECT_NE(flat.find("const float s1 = em_up(in1[0]);"), std::string::npos);
  EXPECT_NE(flat.find("em_flat<unsigned int>"), std::string::npos);
  auto rounded = detail::fused_kernel_source(t, false, scalar, 8,
                                             detail::FusedHalf::rounded);
  EXPECT_NE(rounded.find("const float v0 = em_rbf((x0 * x1));"), std::string::npos);
  auto strided = detail::fused_kernel_source(t, true, scalar, 1);
  EXPECT_NE(strided.find("long long strides[2][8];"), std::string::npos);
  EXPECT_EQ(strided.find("#include"), std::string::npos);

  // Literal inputs: folded into the body, and x ** 3 becomes products.
  CompiledTape p;
  p.input_dtypes = {float32, float32};
  p.input_literals = {std::nullopt, 0x40400000u};  // 3.0f
  p.nodes.push_back({std::make_shared<Power>(s), {0, 1}, float32});
  p.outputs = {2};
  auto pf = detail::fused_kernel_source(p, false, {0, 1}, 4);
  EXPECT_NE(pf.find("const float x1 = 0x1.8p+1f;"), std::string::npos) << pf;
  EXPECT_NE(pf.find("(x0 * x0 * x0)"), std::string::npos) << pf;
  EXPECT_EQ(pf.find("s1 = "), std::string::npos) << pf;  // not read
  // Integer power keeps its exact repeated squaring.
  p.input_dtypes = {int32, int32};
  p.input_literals = {std::nullopt, 3u};
  p.nodes[0].dtype = int32;
  auto pi = detail::fused_kernel_source(p, false, {0, 1}, 4);
  EXPECT_NE(pi.find("const int x1 = ((int)3LL);"), std::string::npos) << pi;
  EXPECT_NE(pi.find("em_ipow<int, unsigned int>(x0, x1)"), std::string::npos) << pi;
}

TEST(CompileFusion, ScalarConstantsBecomeLiterals) {
  // The fusion pass records the values of scalar constants (broadcast or
  // not) in the tape; inputs of the function, 0-d or not, stay run-time.
  ModeGuard g(true);
  detail::CompiledFunction cf;
  VFn f = [](const std::vector<array>& in) {
    array cube = power(in[0], detail::weak_scalar(3, in[0].dtype()));
    return std::vector<array>{(cube * 0.5f + in[0]) * in[1]};
  };
  array x = vec({1, -2, 3, 0.5}, {2, 2});
  array y = vec({4}, {});
  auto out = cf(f, {x, y});
  ASSERT_TRUE(out[0].has_primitive());
  auto* c = dynamic_cast<const Compiled*>(&out[0].primitive());
  ASSERT_NE(c, nullptr);
  const auto& t = c->tape();
  ASSERT_EQ(t.input_literals.size(), t.num_inputs());
  std::vector<float> lits;
  size_t runtime = 0;
  for (size_t i = 0; i < t.num_inputs(); ++i) {
    if (auto b = t.literal(int(i))) {
      float v;
      uint32_t u = uint32_t(*b);
      std::memcpy(&v, &u, 4);
      lits.push_back(v);
    } else {
      ++runtime;
    }
  }
  std::sort(lits.begin(), lits.end());
  EXPECT_EQ(lits, (std::vector<float>{0.5f, 3.0f}));
  EXPECT_EQ(runtime, 2u);  // x and y
  std::vector<double> expect;
  for (double v : {1.0, -2.0, 3.0, 0.5}) expect.push_back((v * v * v * 0.5 + v) * 4);
  expect_values(out[0], expect, 1e-6);
}
