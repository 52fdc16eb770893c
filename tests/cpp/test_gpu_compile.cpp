// compile's fused kernels on the GPU (Compiled::eval_gpu, NVRTC): a function
// compiled on the GPU stream gives the results of the same function run
// eagerly on the CPU, for float32/float16/bfloat16/int32 and every input
// layout (dense, transposed, broadcast, strided, reversed, misaligned),
// scalars and broadcast operands, several outputs, large sizes (vector path
// with odd tails, multi-block grid-stride), and the generated source
// compiles (no group falls back to the unfused kernels).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

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
