// compile's fused kernels on the GPU (Compiled::eval_gpu, NVRTC): a function
// compiled on the GPU stream gives the results of the same function run
// eagerly on the CPU, for float32/float16/bfloat16/int32 and every input
// layout (dense, transposed, broadcast, strided, reversed, misaligned),
// scalars and broadcast operands, several outputs, large sizes (vector path
// with odd tails, multi-block grid-stride), and the generated source
// compiles (no group falls back to the unfused kernels).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ember/primitives/compiled.h"
#include "compile_test_utils.h"
#include "gpu_test_utils.h"

using namespace ember;
using namespace ember::compile_test;
using namespace ember::gpu_test;

namespace {

using VFn = std::function<std::vector<array>(const std::vector<array>&)>;


size_t num_compiled(const detail::CompiledFunction& cf) {
  size_t c = 0;
  for (auto& e : cf.entries())
    for (auto& n : e.nodes) c += n == "Compiled";
  return c;
}

// `f` compiled on the GPU (traced, then replayed) against `f` run eagerly
// on the CPU; expects at least one fused node and no unfused fallback.
void check(const VFn& f, const std::vector<array>& ins, const std::string& what,
           double tol = -1) {
  std::vector<array> cpu;
  {
    StreamContext c(kCpu);
    cpu = f(ins);
  }
  size_t fallbacks = detail::fused_fallback_count();
  detail::CompiledFunction cf;
  for (int rep = 0; rep < 2; ++rep) {
    std::vector<array> gpu;
    {
      StreamContext c(kGpu);
      gpu = cf(f, ins);
    }
    ASSERT_EQ(gpu.size(), cpu.size()) << what;
    for (size_t k = 0; k < gpu.size(); ++k) {
      EXPECT_EQ(gpu[k].dtype(), cpu[k].dtype()) << what;
      // Half types: a one-ulp difference of a math function may propagate
      // through a few rounded steps of the chain.
      Dtype t = cpu[k].dtype();
      double tk = tol >= 0 ? tol
                  : (t == float16 || t == bfloat16) ? 4 * default_tol(t)
                                                    : -1;
      expect_match(gpu[k], cpu[k], what + " output " + std::to_string(k), tk);
    }
  }
  EXPECT_GE(num_compiled(cf), 1u) << what;
  EXPECT_EQ(detail::fused_fallback_count(), fallbacks)
      << what << ": the generated kernel did not compile (EMBER_DEBUG=1)";
}

array gelu_tanh(const array& x) {
  const float k = float(std::sqrt(2.0 / M_PI));
  return 0.5f * x * (1.0f + tanh(k * (x + 0.044715f * x * x * x)));
}

}  // namespace

TEST(GpuCompile, GeluEveryFloatDtypeAndLayout) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{gelu_tanh(in[0])};
  };
  for (Dtype t : {float32, float16, bfloat16}) {
    for (Layout l : all_layouts()) {
      array x = make_input({37, 29}, t, l, 11);
      check(f, {x}, std::string(dtype_name(t)) + " " + layout_name(l));
    }
  }
}

TEST(GpuCompile, LargeSizesAndOddTails) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  VFn f = [](const std::vector<array>& in) {
    array a = sigmoid(in[0]) * in[1] + 0.5f;
    return std::vector<array>{a, a * in[0] - in[1]};
  };
  for (Dtype t : {float32, bfloat16}) {
    for (int n : {1, 7, 4099, (1 << 20) + 3, 3 << 21}) {
      array x = make_input({n}, t, Layout::dense, 3);
      array y = make_input({n}, t, Layout::dense, 4);
      check(f, {x, y}, std::string(dtype_name(t)) + " n=" + std::to_string(n));
    }
  }
}

TEST(GpuCompile, BroadcastOperandsAndScalars) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  for (Dtype t : {float32, float16, bfloat16}) {
    VFn f = [](const std::vector<array>& in) {
      // in[1]: a row broadcast over in[0]; in[2]: a 0-d scalar.
      return std::vector<array>{
          exp(in[0] * in[1]) - in[2] * in[1] + maximum(in[0], in[2])};
    };
    for (Layout l : all_layouts()) {
      array x = make_input({19, 33}, t, l, 5);
      array b = make_input({33}, t, Layout::dense, 6, -1, 1);
      array s = make_input({}, t, Layout::dense, 7);
      check(f, {x, b, s}, std::string(dtype_name(t)) + " " + layout_name(l));
    }
  }
}

TEST(GpuCompile, Int32Semantics) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  VFn f = [](const std::vector<array>& in) {
    const array& a = in[0];
    const array& b = in[1];
    array q = floor_divide(a, b) + remainder(a, b) * a;  // b may be 0
    array m = (q > 3) || (a == b);
    return std::vector<array>{where(m, -q, abs(a) * 7), m,
                              left_shift(a, b) ^ right_shift(a, b),
                              astype(q, float32) / 3.0f};
  };
  for (Layout l : all_layouts()) {
    array a = make_input({23, 41}, int32, l, 8, -50, 50);
    array b = make_input({23, 41}, int32, Layout::dense, 9, -6, 40);
    check(f, {a, b}, std::string("int32 ") + layout_name(l));
  }
}

TEST(GpuCompile, MixedDtypesAndIntermediateOutputs) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  VFn f = [](const std::vector<array>& in) {
    array xf = astype(in[0], float32);          // bf16 -> f32
    array h = astype(tanh(xf) * 2.0f, float16);  // f32 -> f16
    array s = sum(xf, /*axis=*/-1);              // outside the group
    return std::vector<array>{h, xf, s, logical_not(h > 0.5f)};
  };
  for (Layout l : {Layout::dense, Layout::transposed, Layout::strided}) {
    array x = make_input({64, 65}, bfloat16, l, 10);
    check(f, {x}, std::string("mixed ") + layout_name(l));
  }
}

TEST(GpuCompile, EmptyAndShapeless) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  StreamContext c(kGpu);
  auto cf = compile(
      [](const std::vector<array>& in) {
        return std::vector<array>{exp(in[0]) * in[0] + 1.0f};
      },
      /*shapeless=*/true);
  for (Shape sh : {Shape{3, 5}, Shape{0, 5}, Shape{70, 9}, Shape{1, 1}}) {
    array x = make_input(sh, float32, Layout::dense, 12);
    auto out = cf({x})[0];
    array ref = [&] {
      StreamContext cc(kCpu);
      return exp(x) * x + 1.0f;
    }();
    expect_match(out, ref, "shapeless " + shape_str(sh));
  }
}

TEST(GpuCompile, GradThroughFusedOnGpu) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  auto loss = [](const std::vector<array>& in) {
    return sum(gelu_tanh(in[0]) * in[1]);
  };
  array x = make_input({8, 16}, float32, Layout::dense, 13);
  array y = make_input({8, 16}, float32, Layout::dense, 14);
  std::vector<array> ref;
  {
    StreamContext c(kCpu);
    ref = grad(loss, std::vector<int>{0, 1})({x, y});
  }
  StreamContext c(kGpu);
  auto cg = compile(grad(loss, std::vector<int>{0, 1}));
  for (int rep = 0; rep < 2; ++rep) {
    auto gs = cg({x, y});
    expect_match(gs[0], ref[0], "grad x", 1e-5);
    expect_match(gs[1], ref[1], "grad y", 1e-5);
  }
}

// ---- Generated-kernel fast paths (float chains for half types, literal
// constants, products for literal powers, vector accesses with tails) ----

namespace {

// MLX's nn.gelu_approx as Python writes it: x**3 is a power with a 0-d
// constant exponent of x's dtype (a literal of the fused kernel).
array gelu_approx_py(const array& x) {
  const double k = std::sqrt(2.0 / M_PI);
  array cube = power(x, detail::weak_scalar(3, x.dtype()));
  return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * cube)));
}
array gelu_erf(const array& x) { return x * (1.0 + erf(x / std::sqrt(2.0))) / 2.0; }

// Elements of an evaluated array as doubles (row-major).
std::vector<double> host_values(const array& a) {
  array w = widened(a, float64);
  const double* p = w.data<double>();
  return std::vector<double>(p, p + w.size());
}

// `got` against float64 values `ref` computed on the host from the inputs:
// |got - ref| <= tol * (1 + |ref|), NaN matching NaN, infinities exact.
void expect_near_ref(const array& got, const std::vector<double>& ref,
                     double tol, const std::string& what) {
  auto g = host_values(got);
  ASSERT_EQ(g.size(), ref.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < g.size() && bad < 5; ++i) {
    if (!close(g[i], ref[i], tol)) {
      ADD_FAILURE() << what << " at " << i << ": got " << g[i] << " want "
                    << ref[i];
      ++bad;
    }
  }
}

// One rounding of the float result at the store, plus the fast functions'
// error (far below the dtype's precision), against a float64 reference.
double ref_tol(Dtype t) {
  switch (t) {
    case Dtype::bfloat16: return 1.6e-2;
    case Dtype::float16: return 2e-3;
    case Dtype::float64: return 1e-12;
    default: return 2e-5;
  }
}

// f compiled on the GPU against f run eagerly on the GPU (unfused kernels).
void check_vs_gpu_eager(const VFn& f, const std::vector<array>& ins,
                        const std::string& what, double tol = -1) {
  std::vector<array> eager;
  {
    StreamContext c(kGpu);
    eager = f(ins);
  }
  detail::CompiledFunction cf;
  std::vector<array> fused;
  {
    StreamContext c(kGpu);
    fused = cf(f, ins);
  }
  ASSERT_EQ(fused.size(), eager.size());
  for (size_t k = 0; k < fused.size(); ++k) {
    Dtype t = eager[k].dtype();
    double tk = tol >= 0 ? tol
                : (t == float16 || t == bfloat16) ? 4 * default_tol(t)
                                                  : -1;
    expect_match(fused[k], eager[k], what + " (vs GPU eager) output " +
                                         std::to_string(k), tk);
  }
}

}  // namespace

TEST(GpuCompile, GeluFormsVectorTailsAndLayouts) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  VFn approx = [](const std::vector<array>& in) {
    return std::vector<array>{gelu_approx_py(in[0])};
  };
  VFn exact = [](const std::vector<array>& in) {
    return std::vector<array>{gelu_erf(in[0])};
  };
  auto gelu_tanh_ref = [](double x) {
    const double k = std::sqrt(2.0 / M_PI);
    return 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
  };
  auto gelu_erf_ref = [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); };
  for (Dtype t : {bfloat16, float16, float32}) {
    std::string dt = dtype_name(t);
    // Vector path (8 halves or 4 floats per access) with every tail length,
    // one block, many blocks, and more elements than threads in the grid.
    for (int n : {1, 7, 8, 9, 15, 17, 4099, (1 << 20) + 3, 3 << 21}) {
      array x = make_input({n}, t, Layout::dense, 21, -6, 6);
      std::string what = dt + " n=" + std::to_string(n);
      check(approx, {x}, "gelu_approx " + what);
      check(exact, {x}, "gelu " + what);
      if (n == ((1 << 20) + 3)) {
        check_vs_gpu_eager(approx, {x}, "gelu_approx " + what);
        auto xs = host_values(x);
        std::vector<double> ra, re;
        for (double v : xs) {
          ra.push_back(gelu_tanh_ref(v));
          re.push_back(gelu_erf_ref(v));
        }
        // The literals are rounded to the dtype (weakly typed scalars), so
        // the reference differs from the exact formula by about one ulp
        // of the dtype: twice the dtype's tolerance.
        StreamContext c(kGpu);
        detail::CompiledFunction ca, ce;
        expect_near_ref(ca(approx, {x})[0], ra, 2 * ref_tol(t),
                        "gelu_approx vs float64 " + what);
        expect_near_ref(ce(exact, {x})[0], re, 2 * ref_tol(t),
                        "gelu vs float64 " + what);
      }
    }
    // Misaligned (a slice starting at element 1), broadcast, strided,
    // transposed and reversed inputs.
    for (Layout l : all_layouts()) {
      for (Shape sh : {Shape{33, 65}, Shape{4, 1031}}) {
        array x = make_input(sh, t, l, 22, -6, 6);
        std::string what = dt + " " + layout_name(l) + " " + shape_str(sh);
        check(approx, {x}, "gelu_approx " + what);
        check(exact, {x}, "gelu " + what);
      }
    }
  }
}

TEST(GpuCompile, PowerLiteralExponents) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  // Exponents that become products, a reciprocal or sqrt, and ones that
  // stay pow; float results near powf, integer results exact.
  for (double e : {2.0, 3.0, -1.0, 0.5, 2.5, 4.0, -2.0, 0.0, 1.0}) {
    VFn f = [e](const std::vector<array>& in) {
      array y = power(in[0], array(e, in[0].dtype()));
      return std::vector<array>{y, y * in[0]};
    };
    for (Dtype t : {float32, float16, bfloat16, float64}) {
      std::string what = std::string(dtype_name(t)) + " ** " + std::to_string(e);
      // Negative exponents of float16 inputs near 0 overflow the power
      // (> 65504) where y * x would not: the fused chain keeps y in float
      // (FusedHalfIntermediatesDoNotOverflow), the unfused one stores inf.
      // Compare the two away from that range.
      double lo = (e < 0 && t == float16) ? 0.05 : -3;
      for (Layout l : {Layout::dense, Layout::offset, Layout::strided}) {
        array x = make_input({37, 129}, t, l, 23, lo, 3);
        check(f, {x}, what + " " + layout_name(l));
      }
      // float64 reference (inputs of the dtype, so only the result rounds,
      // to inf past the dtype's range).
      array x = make_input({4099}, t, Layout::dense, 24, -3, 3);
      std::vector<double> exact;
      for (double v : host_values(x)) exact.push_back(std::pow(v, e));
      auto ref = host_values(astype(array(exact, {int(exact.size())}, float64), t, kCpu));
      StreamContext c(kGpu);
      detail::CompiledFunction cf;
      expect_near_ref(cf(f, {x})[0], ref, ref_tol(t), what + " vs float64");
    }
    if (e < 0 || e != std::trunc(e)) continue;
    for (Dtype t : {int32, int64, int8, uint8, uint32}) {
      std::string what = std::string(dtype_name(t)) + " ** " + std::to_string(e);
      for (Layout l : {Layout::dense, Layout::offset, Layout::reversed}) {
        array x = make_input({37, 129}, t, l, 25, -9, 9);
        check(f, {x}, what + " " + layout_name(l));  // exact for integers
      }
    }
  }
  // Negative integer exponents of signed integers give 0, as unfused.
  VFn neg = [](const std::vector<array>& in) {
    return std::vector<array>{power(in[0], array(-2, in[0].dtype())) + in[0]};
  };
  check(neg, {make_input({1000}, int32, Layout::dense, 26, -9, 9)}, "int32 ** -2");
}

TEST(GpuCompile, FusedHalfIntermediatesDoNotOverflow) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  // Inside a fused float16 chain values stay in float: (x ** -2) * x for
  // x = 1/512 is 512, where the unfused ops overflow x ** -2 to inf first.
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{power(in[0], array(-2.0, float16)) * in[0]};
  };
  array x(std::vector<float>{1.0f / 512, -1.0f / 512, 0.5f}, {3}, float16);
  StreamContext c(kGpu);
  detail::CompiledFunction cf;
  auto got = host_values(cf(f, {x})[0]);
  EXPECT_EQ(got, (std::vector<double>{512.0, -512.0, 2.0}));
  auto eager = host_values(f({x})[0]);
  EXPECT_TRUE(std::isinf(eager[0]) && std::isinf(eager[1]));
}

TEST(GpuCompile, PowerSpecialValues) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> v = {0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, inf, -inf, nan,
                           1e-30, -1e-30, 1e30, -1e30};
  for (Dtype t : {float32, float64, float16, bfloat16}) {
    array x(v, {int(v.size())}, t);
    x.eval();
    auto xs = host_values(x);
    for (double e : {2.0, 3.0, 4.0, -1.0, -2.0, 0.5, 0.0, 1.0, 2.5}) {
      VFn f = [e](const std::vector<array>& in) {
        // The multiply keeps the power inside a fused group (and keeps the
        // sign of zeros).
        return std::vector<array>{power(in[0], array(e, in[0].dtype())) * 1.0};
      };
      std::string what = std::string(dtype_name(t)) + " ** " + std::to_string(e);
      check(f, {x}, what);
      StreamContext c(kGpu);
      detail::CompiledFunction cf;
      array got = cf(f, {x})[0];
      auto gv = host_values(got);
      for (size_t i = 0; i < xs.size(); ++i) {
        double want = std::pow(xs[i], e);
        // Sign of zero and NaN/inf behaviour of pow (e.g. (-0) ** 0.5 = +0,
        // (-inf) ** 0.5 = +inf, x ** 0 = 1 for NaN).
        if (std::isnan(want)) {
          EXPECT_TRUE(std::isnan(gv[i])) << what << " x=" << xs[i];
        } else if (want == 0 || std::isinf(want)) {
          EXPECT_EQ(gv[i], want) << what << " x=" << xs[i];
          EXPECT_EQ(std::signbit(gv[i]), std::signbit(want)) << what << " x=" << xs[i];
        }
      }
    }
  }
}

TEST(GpuCompile, RuntimeScalarExponent) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  // A 0-d input (not a constant of the trace) stays a kernel argument: one
  // compiled function serves every exponent value.
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{power(in[0], in[1]) * 2.0f + in[0]};
  };
  array x = make_input({2049}, float32, Layout::dense, 27, 0, 3);
  detail::CompiledFunction cf;
  for (float e : {2.0f, 3.0f, 0.5f, -1.0f, 2.5f}) {
    array ev(e);
    std::vector<array> cpu;
    {
      StreamContext c(kCpu);
      cpu = f({x, ev});
    }
    StreamContext c(kGpu);
    expect_match(cf(f, {x, ev})[0], cpu[0], "float32 ** runtime " + std::to_string(e));
  }
  EXPECT_EQ(cf.num_traces(), 1u);
}

TEST(GpuCompile, HalfChainsRoundBeforeDiscontinuousOps) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  // Inside a fused kernel half-type values stay in float, but the chains
  // that feed comparisons, floor, astype, remainder or sign are computed as
  // unfused (rounded after every op): these results equal the unfused ones
  // exactly (IEEE +, -, * in float, then the same rounding), even where a
  // float chain would cross a threshold the rounded one does not.
  VFn f = [](const std::vector<array>& in) {
    const array& x = in[0];
    array y = x * 10.0;
    array z = (x * 1.7 + 0.3) * x - 0.9;  // inexact in the half types
    return std::vector<array>{floor(y), y > 7.0, astype(x * 7.0, int32),
                              remainder(y, array(3.0, y.dtype())), sign(x * 1e-3),
                              floor(z * 4.0), z > 0.25, astype(z * 9.0, int32),
                              z * 2.0};  // z also feeds a smooth output
  };
  for (Dtype t : {bfloat16, float16}) {
    for (Layout l : {Layout::dense, Layout::offset, Layout::transposed}) {
      array x = make_input({41, 67}, t, l, 28, -4, 4);
      check(f, {x}, std::string(dtype_name(t)) + " " + layout_name(l), 0.0);
    }
  }
}

TEST(GpuCompile, SigmoidExpSiluHalfFastPaths) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  VFn f = [](const std::vector<array>& in) {
    const array& x = in[0];
    return std::vector<array>{x * sigmoid(x), exp(x) - 1.0, tanh(x * 0.5) / 3.0};
  };
  for (Dtype t : {bfloat16, float16}) {
    for (int n : {9, 4099, (1 << 18) + 5}) {
      array x = make_input({n}, t, Layout::dense, 29, -10, 10);
      std::string what = std::string(dtype_name(t)) + " n=" + std::to_string(n);
      check(f, {x}, what);
      auto xs = host_values(x);
      std::vector<double> silu, ex, th;
      for (double v : xs) {
        silu.push_back(v / (1 + std::exp(-v)));
        ex.push_back(std::exp(v) - 1);
        th.push_back(std::tanh(v * 0.5) / 3);
      }
      StreamContext c(kGpu);
      detail::CompiledFunction cf;
      auto out = cf(f, {x});
      expect_near_ref(out[0], silu, ref_tol(t), "silu vs float64 " + what);
      expect_near_ref(out[1], ex, ref_tol(t), "exp vs float64 " + what);
      // tanh.approx.f32 for bfloat16 (~2^-11 relative) before the store.
      expect_near_ref(out[2], th, 2 * ref_tol(t), "tanh vs float64 " + what);
    }
  }
}

TEST(GpuCompile, MixedDevicesAroundFusedGroup) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  // A CPU result feeds a fused GPU group whose result feeds a CPU op.
  array a = make_input({301, 17}, bfloat16, Layout::dense, 30);
  auto on_cpu = [](auto fn) {
    StreamContext c(kCpu);
    return fn();
  };
  array pre = on_cpu([&] { return exp(a * 0.25); });  // computed on the CPU
  detail::CompiledFunction cf;
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{gelu_approx_py(in[0]) * in[0]};
  };
  array fused = [&] {
    StreamContext c(kGpu);
    return cf(f, {pre})[0];
  }();
  // Back on the CPU.
  array post = on_cpu([&] { return sum(astype(fused, float32) * 1.0f); });
  array ref = on_cpu(
      [&] { return sum(astype(f({exp(a * 0.25)})[0], float32) * 1.0f); });
  expect_match(post, ref, "cpu -> fused gpu -> cpu", 5e-2);
}

// ---- The rows kernel: layouts that collapse to R x C with (R, 1) columns,
// (1, C) rows, scalars and dense or 2-d strided operands ----

namespace {

// True if the Compiled node `p` ran the rows kernel for some ordering of
// one of `options` (one mode letter per kernel input).
bool ran_rows_kernel(const std::shared_ptr<Primitive>& p,
                     const std::vector<std::string>& options) {
  auto* c = dynamic_cast<const Compiled*>(p.get());
  if (!c) return false;
  for (std::string modes : options) {
    std::sort(modes.begin(), modes.end());
    do {
      if (c->cached("r" + modes)) return true;
    } while (std::next_permutation(modes.begin(), modes.end()));
  }
  return false;
}

// A column-broadcast softmax-like chain with a row operand and a scalar:
// {exp(x - col) * row + s, x * col}.
std::vector<array> col_row_fn(const std::vector<array>& in) {
  const array& x = in[0];
  return {exp(x - in[1]) * in[2] + in[3], x * in[1]};
}

}  // namespace

TEST(GpuCompile, RowsKernelColumnAndRowBroadcasts) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  for (Dtype t : {float32, float16, bfloat16}) {
    for (Shape sh : {Shape{3, 128}, Shape{5, 129}, Shape{17, 257},
                     Shape{2, 50257}, Shape{64, 1000}, Shape{1, 4099},
                     Shape{9, 2051}}) {
      for (Layout l : all_layouts()) {
        std::string what = std::string(dtype_name(t)) + " " + shape_str(sh) +
                           " " + layout_name(l);
        array x = make_input(sh, t, l, 40, -3, 3);
        array col = make_input({sh[0], 1}, t, Layout::dense, 41, -1, 1);
        array row = make_input({sh[1]}, t, Layout::dense, 42, -1, 1);
        array s = make_input({}, t, Layout::dense, 43);
        check(col_row_fn, {x, col, row, s}, what);
      }
    }
  }
}

TEST(GpuCompile, RowsKernelIsTakenForColumnRowScalarPatterns) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  // Odd width: the dense operand's rows start at every alignment.
  for (Dtype t : {float32, bfloat16}) {
    array x = make_input({7, 50257}, t, Layout::dense, 44);
    array col = make_input({7, 1}, t, Layout::dense, 45, -1, 1);
    array row = make_input({50257}, t, Layout::dense, 46, -1, 1);
    array s = make_input({}, t, Layout::dense, 47);
    detail::CompiledFunction cf;
    std::vector<array> out;
    {
      StreamContext c(kGpu);
      out = cf(col_row_fn, {x, col, row, s});
    }
    ASSERT_TRUE(out[0].has_primitive());
    auto prim = out[0].primitive_ptr();
    eval(out);
    // The column may feed the group once (merged broadcasts) or twice.
    EXPECT_TRUE(ran_rows_kernel(prim, {"dcrs", "dccrs"})) << dtype_name(t);
    std::vector<array> ref;
    {
      StreamContext c(kCpu);
      ref = col_row_fn({x, col, row, s});
    }
    for (size_t k = 0; k < out.size(); ++k)
      expect_match(out[k], ref[k], std::string("rows ") + dtype_name(t),
                   t == bfloat16 ? 4 * default_tol(t) : -1);
  }
}

TEST(GpuCompile, RowsKernelOneDimStridedAndEmpty) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{sigmoid(in[0]) * in[1] - in[0]};
  };
  // 1-d: a strided or reversed operand with a dense one (one row).
  for (Layout l : {Layout::strided, Layout::reversed}) {
    for (int n : {128, 1001, 70001}) {
      array a = make_input({n}, float32, l, 48);
      array b = make_input({n}, float32, Layout::dense, 49);
      check(f, {a, b}, std::string("1-d ") + layout_name(l) + " " +
                           std::to_string(n));
    }
  }
  // Empty layouts with broadcast operands.
  for (Shape sh : {Shape{0, 300}, Shape{300, 0}}) {
    array x = make_input(sh, bfloat16, Layout::dense, 50);
    array col = make_input({sh[0], 1}, bfloat16, Layout::dense, 51);
    array row = make_input({sh[1]}, bfloat16, Layout::dense, 52);
    array s = make_input({}, bfloat16, Layout::dense, 53);
    detail::CompiledFunction cf;
    StreamContext c(kGpu);
    auto out = cf(col_row_fn, {x, col, row, s});
    eval(out);
    EXPECT_EQ(out[0].shape(), sh);
    EXPECT_EQ(out[1].shape(), sh);
  }
}

// The logits gradient of nn.losses.cross_entropy (its custom vjp): one
// fused group g * exp(x - lse) + where(class == target, -g, 0) with lse,
// g and the targets as columns and the class index as a row, V odd; also
// through astype (float32 math on bfloat16 logits, as under autocast).
TEST(GpuCompile, CrossEntropyGradientGroup) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  auto grad_fn = [](bool upcast) {
    return [upcast](const std::vector<array>& in) {
      array x = upcast ? astype(in[0], float32) : in[0];
      const int N = x.shape(0), V = x.shape(1);
      array lse = logsumexp(x, {1}, true);
      array gl = reshape(astype(in[1], x.dtype()), {N, 1});
      array cls = reshape(arange(double(V), int32), {1, V});
      array tgt = reshape(in[2], {N, 1});
      array zero = zeros({}, x.dtype());
      array dx = gl * exp(x - lse) + where(equal(cls, tgt), negative(gl), zero);
      return std::vector<array>{upcast ? astype(dx, in[0].dtype()) : dx};
    };
  };
  for (Dtype t : {float32, bfloat16, float16}) {
    for (Shape sh : {Shape{4, 50257}, Shape{33, 1000}, Shape{1, 128}}) {
      array x = make_input(sh, t, Layout::dense, 54, -6, 6);
      array gl = make_input({sh[0]}, float32, Layout::dense, 55, 0.1, 1);
      array tg = make_input({sh[0]}, int32, Layout::dense, 56, 0, double(sh[1]));
      for (bool up : {false, true}) {
        if (up && t == float32) continue;
        std::string what = std::string(dtype_name(t)) + " " + shape_str(sh) +
                           (up ? " via float32" : "");
        // The CPU rounds x - lse to the half type before the exp (a few
        // percent of a probability); the one-hot term (|g| >= 0.1) is
        // still far outside the tolerance.
        check(grad_fn(up), {x, gl, tg}, what,
              t == float32 ? 1e-5 : 4 * default_tol(t));
      }
    }
  }
}

// More than 2^31 elements: the rows kernel's 64-bit index variant (odd
// width, so every row start has another alignment). Exact small-integer
// values: x[r][c] = r % 7 + c % 5, col[r] = r % 3, out = x * col + 1.
TEST(GpuCompile, RowsKernelBeyondInt32Elements) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  const int R = 65537, C = 32771;  // R * C = 2147713027 > 2^31 - 1
  StreamContext sc(kGpu);
  array ri = reshape(arange(double(R), int32), {R, 1});
  array ci = reshape(arange(double(C), int32), {1, C});
  array x = astype(remainder(ri, array(7)), bfloat16) +
            astype(remainder(ci, array(5)), bfloat16);
  array col = astype(remainder(ri, array(3)), bfloat16);
  eval(x, col);
  detail::CompiledFunction cf;
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{in[0] * in[1] + 1.0f};
  };
  auto out = cf(f, {x, col});
  ASSERT_TRUE(out[0].has_primitive());
  auto prim = out[0].primitive_ptr();
  eval(out);
  EXPECT_TRUE(ran_rows_kernel(prim, {"dcs", "dc"}));
  for (int r : {0, 1, 2, R / 2, R - 2, R - 1}) {
    // A copy of the row (a small buffer) read on the host.
    array row = astype(slice(out[0], {r, 0}, {r + 1, C}), float32);
    auto p = host_values(row);
    ASSERT_EQ(p.size(), size_t(C));
    int bad = 0;
    for (int c = 0; c < C && bad < 5; ++c) {
      double want = double((r % 7 + c % 5) * (r % 3) + 1);
      if (p[c] != want) {
        ADD_FAILURE() << "row " << r << " col " << c << ": got " << p[c]
                      << " want " << want;
        ++bad;
      }
    }
  }
}

// A widening cast whose result a reduction also reads (float32 logits from
// bfloat16 ones, whose logsumexp the group reads) is recomputed inside the
// group from the narrow input: the kernel reads 2 bytes per element
// instead of 4. Same values (the cast is exact).
TEST(GpuCompile, WideningCastRecomputedInsideGroup) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  ModeGuard g(true);
  VFn f = [](const std::vector<array>& in) {
    array xf = astype(in[0], float32);
    array lse = logsumexp(xf, {1}, true);
    return std::vector<array>{astype(exp(xf - lse) * 2.0f - xf, in[0].dtype()),
                              lse};
  };
  for (Dtype t : {bfloat16, float16}) {
    array x = make_input({6, 1001}, t, Layout::dense, 57);
    check(f, {x}, std::string("recomputed cast ") + dtype_name(t));
    detail::CompiledFunction cf;
    std::vector<array> out;
    {
      StreamContext c(kGpu);
      out = cf(f, {x});
    }
    ASSERT_TRUE(out[0].has_primitive());
    auto prim = out[0].primitive_ptr();
    auto* c = dynamic_cast<const Compiled*>(prim.get());
    ASSERT_NE(c, nullptr);
    const CompiledTape& tp = c->tape();
    bool narrow_in = false, wide_in = false, cast_of_input = false;
    for (Dtype d : tp.input_dtypes) {
      narrow_in = narrow_in || d == t;
    }
    for (const array& a : out[0].inputs()) {
      // The materialized cast read back would be an input made by AsType.
      wide_in = wide_in || (a.has_primitive() &&
                            a.primitive().name() == std::string("AsType"));
    }
    for (auto& n : tp.nodes) {
      cast_of_input = cast_of_input ||
                      (n.prim->name() == std::string("AsType") &&
                       n.inputs.size() == 1 &&
                       n.inputs[0] < int(tp.num_inputs()) && n.dtype == float32);
    }
    EXPECT_TRUE(narrow_in) << dtype_name(t);
    EXPECT_TRUE(cast_of_input) << dtype_name(t);
    EXPECT_FALSE(wide_in) << dtype_name(t);
    eval(out);
  }
  // The cast's input is itself fused with the cast (another group): that
  // group must also export the narrow value for the clone to read.
  VFn f2 = [](const std::vector<array>& in) {
    array u = in[0] * 2.0f + in[0];  // narrow
    array xf = astype(u, float32);
    array lse = logsumexp(xf, {1}, true);
    return std::vector<array>{exp(xf - lse) - xf * 0.5f, lse};
  };
  for (Dtype t : {bfloat16, float16}) {
    array x = make_input({5, 777}, t, Layout::dense, 58, -2, 2);
    check(f2, {x}, std::string("recomputed cast of a fused value ") + dtype_name(t));
  }
}
