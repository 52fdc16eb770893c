// GPU attention forward and backward (cuDNN fused path, hand-written
// forward kernels, composed backward) against the CPU computing the same
// op in float32 on the same (dtype-rounded) inputs: bf16/f16/f32, head dims
// 64 and 128, no mask / causal (Tq == Tk, Tq < Tk bottom-right, Tq > Tk) /
// additive masks (broadcast and full) / boolean masks, GQA, strided q, and
// EMBER_SDPA_KERNEL / EMBER_SDPA_VJP switches, cuDNN plan autotuning
// (tuned results equal untuned ones) and cuDNN calls replayed from CUDA
// graphs (equal to direct calls), and the Hopper kernel (sdpa_hopper.cu:
// tails, GQA, Tq < Tk, strided q, persistent tiles, its logsumexp feeding
// the fused backward). CudnnFusedPathIsTaken fails
// when cuDNN did not load or rejected the main configuration (run it with
// EMBER_DEBUG=1 to see why).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "ember/ember.h"
#include "gpu_compare.h"
#include "test_utils.h"

// The autotuning switch and counters live in the CUDA backend; weak so that
// the test also links in builds without it.
namespace ember::cuda {
__attribute__((weak)) bool autotune_enabled();
__attribute__((weak)) void set_autotune(bool enabled);
__attribute__((weak)) void set_graphs(bool on);
__attribute__((weak)) void call_graph_counts(int64_t& captured, int64_t& replayed);
namespace sdpa_cudnn {
__attribute__((weak)) void autotune_counts(int64_t& considered, int64_t& timed);
}
namespace sdpa_hopper {
__attribute__((weak)) int64_t launch_count();
__attribute__((weak)) bool device_supported();
}
}  // namespace ember::cuda

namespace ember {
namespace {

using namespace gpu_test;

struct EnvGuard {
  std::string name;
  std::optional<std::string> old;
  EnvGuard(const char* n, const char* v) : name(n) {
    if (const char* o = std::getenv(n)) old = o;
    if (v) {
      ::setenv(n, v, 1);
    } else {
      ::unsetenv(n);
    }
  }
  ~EnvGuard() {
    if (old) {
      ::setenv(name.c_str(), old->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
};

struct Result {
  std::vector<array> vals;  // out, dq, dk, dv
  bool fused = false;       // forward gave the logsumexp (fused backward)
};

// Output and gradients of sum(sdpa(q, k, v) * g) on `dev`.
Result fwd_bwd(const array& q, const array& k, const array& v,
               const std::optional<array>& mask, const std::string& mode,
               float scale, const array& g, Device dev) {
  Result r;
  auto f = [&](const std::vector<array>& xs) {
    auto o = fast::scaled_dot_product_attention(xs[0], xs[1], xs[2], scale, mode,
                                                mask, std::nullopt, dev);
    r.fused = o.siblings().size() == 1;
    return std::vector<array>{o};
  };
  auto [outs, grads] = vjp(f, {q, k, v}, {g});
  r.vals = {outs[0], grads[0], grads[1], grads[2]};
  eval(r.vals);
  return r;
}

// |got - want| <= tol * (max |want| + |want|).
void expect_rel(const array& got, const array& want, double tol,
                const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  auto gv = dvalues(got), wv = dvalues(want);
  double mx = 0;
  for (double w : wv) mx = std::max(mx, std::abs(w));
  int bad = 0;
  for (size_t i = 0; i < gv.size() && bad < 5; ++i) {
    if (!(std::abs(gv[i] - wv[i]) <= tol * (mx + std::abs(wv[i])))) {
      ++bad;
      ADD_FAILURE() << what << ": index " << i << " got " << gv[i] << " want "
                    << wv[i] << " (max |want| " << mx << ")";
    }
  }
}

double out_tol(Dtype t) {
  return t == bfloat16 ? 2e-2 : t == float16 ? 4e-3 : 2e-4;
}
double grad_tol(Dtype t) {
  return t == bfloat16 ? 4e-2 : t == float16 ? 8e-3 : 5e-4;
}

struct Shape4 {
  int B, Nq, Nkv, Tq, Tk, D;
};

std::string describe(const Shape4& s, Dtype dt, const std::string& mode,
                     int mask) {
  return "B" + std::to_string(s.B) + " Nq" + std::to_string(s.Nq) + " Nkv" +
         std::to_string(s.Nkv) + " Tq" + std::to_string(s.Tq) + " Tk" +
         std::to_string(s.Tk) + " D" + std::to_string(s.D) + " " +
         dtype_name(dt) + " '" + mode + "' mask" + std::to_string(mask);
}

// Runs one configuration on the GPU and on the CPU (float32) and compares.
// mask: 0 none, 2 bool (Tq, Tk) broadcast, 3 additive (Tq, Tk) broadcast,
// 4 additive full (B, Nq, Tq, Tk). Returns whether the GPU took the fused
// backward.
bool check_case(const Shape4& s, Dtype dt, const std::string& mode, int mask_kind,
                uint64_t seed, bool strided_q = false) {
  std::string what = describe(s, dt, mode, mask_kind) + (strided_q ? " strided-q" : "");
  array q = rand_array({s.B, s.Nq, s.Tq, s.D}, dt, seed, -2, 2);
  if (strided_q) {
    // (B, Tq, Nq, D) memory viewed as (B, Nq, Tq, D).
    q = swapaxes(rand_array({s.B, s.Tq, s.Nq, s.D}, dt, seed, -2, 2), 1, 2, kCpu);
  }
  array k = rand_array({s.B, s.Nkv, s.Tk, s.D}, dt, seed + 1, -2, 2);
  array v = rand_array({s.B, s.Nkv, s.Tk, s.D}, dt, seed + 2);
  array g = rand_array({s.B, s.Nq, s.Tq, s.D}, dt, seed + 3);
  std::optional<array> mask, mask32;
  if (mask_kind == 2) {
    auto u = rand_array({s.Tq, s.Tk}, float32, seed + 4, 0, 1);
    // Keep key 0 for every row so that no row is fully masked.
    auto keep0 = less(arange(0, s.Tk, 1, int32, kCpu), array(1), kCpu);
    mask = logical_or(less(u, array(0.7f), kCpu), keep0, kCpu);
    mask32 = mask;
  } else if (mask_kind == 3) {
    mask = rand_array({s.Tq, s.Tk}, dt, seed + 4, -3, 1);
    mask32 = astype(*mask, float32, kCpu);
  } else if (mask_kind == 4) {
    mask = rand_array({s.B, s.Nq, s.Tq, s.Tk}, dt, seed + 4, -3, 1);
    mask32 = astype(*mask, float32, kCpu);
  }
  float scale = float(1.0 / std::sqrt(double(s.D)));
  auto gpu_r = fwd_bwd(q, k, v, mask, mode, scale, g, gpu());
  auto f32 = [&](const array& a) { return astype(a, float32, kCpu); };
  auto cpu_r = fwd_bwd(f32(q), f32(k), f32(v), mask32, mode, scale, f32(g), kCpu);
  const char* names[] = {"out", "dq", "dk", "dv"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(gpu_r.vals[i].dtype(), dt) << what << " " << names[i];
    expect_rel(gpu_r.vals[i], cpu_r.vals[i], i == 0 ? out_tol(dt) : grad_tol(dt),
               what + " " + names[i]);
  }
  return gpu_r.fused;
}

TEST(GpuSdpa, ForwardBackwardMatchCpu) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 1000;
  for (int D : {64, 128}) {
    for (Dtype dt : {bfloat16, float16, float32}) {
      check_case({2, 4, 4, 128, 128, D}, dt, "", 0, seed += 10);
      check_case({2, 4, 4, 128, 128, D}, dt, "causal", 0, seed += 10);
      // GQA, Tq < Tk: causal aligned bottom-right.
      check_case({1, 4, 2, 64, 192, D}, dt, "causal", 0, seed += 10);
      // Odd lengths.
      check_case({2, 2, 1, 100, 100, D}, dt, "causal", 0, seed += 10);
      check_case({1, 2, 2, 37, 77, D}, dt, "", 0, seed += 10);
      // Tq > Tk causal: fully masked rows (built-in kernels / composed).
      check_case({1, 2, 1, 96, 64, D}, dt, "causal", 0, seed += 10);
      // Masks.
      check_case({2, 4, 2, 64, 128, D}, dt, "", 2, seed += 10);
      check_case({2, 4, 2, 64, 128, D}, dt, "", 3, seed += 10);
      check_case({1, 2, 2, 64, 64, D}, dt, "", 4, seed += 10);
      // Decoding-like single query (built-in forward kernels).
      check_case({2, 4, 4, 1, 80, D}, dt, "", 0, seed += 10);
      // Strided q (a transposed (B, T, H, D) buffer).
      check_case({2, 4, 4, 64, 64, D}, dt, "causal", 0, seed += 10, true);
    }
  }
}

// ---- (B, T, H, D) ordered results ----
//
// When q is a (B, H, T, D) view of (B, T, H, D) memory (GPT-2's
// reshape(B, T, H, D).transpose(0, 2, 1, 3) of a fused qkv projection), the
// GPU writes the attention output in (B, T, H, D) order (strides
// (T H D, D, H D, 1)), so that transposing back and reshaping to (B, T, H D)
// is free; the fused backward does the same for dq, dk, dv of such q, k, v.

// Columns [c0, c0 + H D) of a (B, T, W) buffer as a (B, H, T, D) view.
array bthd_view(const array& buf, int c0, int H, int D) {
  int B = buf.shape(0), T = buf.shape(1);
  array sl = slice(buf, {0, 0, c0}, {B, T, c0 + H * D}, kCpu);
  array t = transpose(reshape(sl, {B, T, H, D}, kCpu), {0, 2, 1, 3}, kCpu);
  t.eval();
  return t;
}

Strides bthd_strides(const Shape& s) {
  int64_t H = s[1], T = s[2], D = s[3];
  return {T * H * D, D, H * D, 1};
}
Strides row_strides4(const Shape& s) {
  return {int64_t(s[1]) * s[2] * s[3], int64_t(s[2]) * s[3], s[3], 1};
}

struct BthdCase {
  Shape4 s;
  Dtype dt;
  std::string mode;
  int mask;       // as in check_case: 0 none, 3 additive broadcast, 2 boolean
  bool q_bthd;    // q (and the output cotangent) as (B, T, H, D) views
  bool kv_bthd;   // k and v as (B, T, H, D) views
};

// Values against the CPU; strides of the output (inference and training)
// and, on the fused backward, of dq, dk, dv. Returns whether the backward
// was fused.
bool check_bthd(const BthdCase& c, uint64_t seed) {
  const Shape4& s = c.s;
  const Dtype dt = c.dt;
  std::string what = describe(s, dt, c.mode, c.mask) + (c.q_bthd ? " q-bthd" : "") +
                     (c.kv_bthd ? " kv-bthd" : "");
  const int Cq = s.Nq * s.D, Ck = s.Nkv * s.D;
  array q(0.0f), k(0.0f), v(0.0f), g(0.0f);
  if (c.q_bthd) {
    // A fused projection (B, Tq, Cq + 2 Ck) when k, v come from it too.
    array buf = rand_array({s.B, s.Tq, Cq + 2 * Ck}, dt, seed, -2, 2);
    q = bthd_view(buf, 0, s.Nq, s.D);
    g = bthd_view(rand_array({s.B, s.Tq, Cq}, dt, seed + 3), 0, s.Nq, s.D);
    if (c.kv_bthd && s.Tq == s.Tk) {
      k = bthd_view(buf, Cq, s.Nkv, s.D);
      v = bthd_view(buf, Cq + Ck, s.Nkv, s.D);
    }
  } else {
    q = rand_array({s.B, s.Nq, s.Tq, s.D}, dt, seed, -2, 2);
    g = rand_array({s.B, s.Nq, s.Tq, s.D}, dt, seed + 3);
  }
  if (k.ndim() != 4) {
    if (c.kv_bthd) {
      array kv = rand_array({s.B, s.Tk, 2 * Ck}, dt, seed + 1, -2, 2);
      k = bthd_view(kv, 0, s.Nkv, s.D);
      v = bthd_view(kv, Ck, s.Nkv, s.D);
    } else {
      k = rand_array({s.B, s.Nkv, s.Tk, s.D}, dt, seed + 1, -2, 2);
      v = rand_array({s.B, s.Nkv, s.Tk, s.D}, dt, seed + 2);
    }
  }
  std::optional<array> mask, mask32;
  if (c.mask == 3) {
    mask = rand_array({s.Tq, s.Tk}, dt, seed + 4, -3, 1);
    mask32 = astype(*mask, float32, kCpu);
  } else if (c.mask == 2) {
    auto u = rand_array({s.Tq, s.Tk}, float32, seed + 4, 0, 1);
    auto keep0 = less(arange(0, s.Tk, 1, int32, kCpu), array(1), kCpu);
    mask = logical_or(less(u, array(0.7f), kCpu), keep0, kCpu);
    mask32 = mask;
  }
  float scale = float(1.0 / std::sqrt(double(s.D)));
  auto gpu_r = fwd_bwd(q, k, v, mask, c.mode, scale, g, gpu());
  auto f32 = [&](const array& a) { return astype(a, float32, kCpu); };
  auto cpu_r = fwd_bwd(f32(q), f32(k), f32(v), mask32, c.mode, scale, f32(g), kCpu);
  const char* names[] = {"out", "dq", "dk", "dv"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(gpu_r.vals[i].dtype(), dt) << what << " " << names[i];
    expect_rel(gpu_r.vals[i], cpu_r.vals[i], i == 0 ? out_tol(dt) : grad_tol(dt),
               what + " " + names[i]);
  }
  // Inference (single output; cuDNN or the built-in kernels).
  array inf = fast::scaled_dot_product_attention(q, k, v, scale, c.mode, mask,
                                                 std::nullopt, gpu());
  inf.eval();
  expect_rel(inf, cpu_r.vals[0], out_tol(dt), what + " inference");
  // The user's next step: back to (B, T, H D).
  Shape oshape = inf.shape();
  array merged = reshape(transpose(inf, {0, 2, 1, 3}, gpu()),
                         {s.B, s.Tq, s.Nq * s.D}, gpu());
  merged.eval();
  array merged_cpu = reshape(transpose(cpu_r.vals[0], {0, 2, 1, 3}, kCpu),
                             {s.B, s.Tq, s.Nq * s.D}, kCpu);
  expect_rel(merged, merged_cpu, out_tol(dt), what + " transposed back");
  if (!gpu_as_cpu()) {
    const bool bthd_out = c.q_bthd && s.Nq > 1 && s.Tq > 1;
    Strides want = bthd_out ? bthd_strides(oshape) : row_strides4(oshape);
    EXPECT_EQ(inf.strides(), want) << what << ": inference output strides";
    EXPECT_EQ(gpu_r.vals[0].strides(), want) << what << ": training output strides";
    EXPECT_EQ(inf.flags().contiguous, true) << what << ": output is dense";
    EXPECT_EQ(inf.flags().row_contiguous, !bthd_out) << what << ": row_contiguous flag";
    if (bthd_out) {
      // The transpose + reshape is a view of the attention's buffer.
      EXPECT_TRUE(merged.flags().row_contiguous) << what;
      EXPECT_EQ(merged.data_shared_ptr(), inf.data_shared_ptr())
          << what << ": transpose + reshape copied the output";
    }
    if (gpu_r.fused) {
      const Shape qs = q.shape(), ks = k.shape(), vs = v.shape();
      EXPECT_EQ(gpu_r.vals[1].strides(),
                (c.q_bthd && s.Nq > 1 && s.Tq > 1) ? bthd_strides(qs) : row_strides4(qs))
          << what << ": dq strides";
      EXPECT_EQ(gpu_r.vals[2].strides(),
                (c.kv_bthd && s.Nkv > 1 && s.Tk > 1) ? bthd_strides(ks) : row_strides4(ks))
          << what << ": dk strides";
      EXPECT_EQ(gpu_r.vals[3].strides(),
                (c.kv_bthd && s.Nkv > 1 && s.Tk > 1) ? bthd_strides(vs) : row_strides4(vs))
          << what << ": dv strides";
    }
  }
  return gpu_r.fused;
}

TEST(GpuSdpa, BthdLayoutOutputs) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 5000;
  for (Dtype dt : {bfloat16, float16}) {
    for (int D : {64, 128}) {
      std::vector<BthdCase> cases = {
          // GPT-2: q, k, v slices of one projection, causal.
          {{2, 4, 4, 128, 128, D}, dt, "causal", 0, true, true},
          // Contiguous (B, H, T, D) inputs keep row-contiguous results.
          {{2, 4, 4, 128, 128, D}, dt, "causal", 0, false, false},
          // Only q, or only k / v, in (B, T, H, D) order.
          {{2, 4, 4, 128, 128, D}, dt, "", 0, true, false},
          {{2, 4, 4, 128, 128, D}, dt, "causal", 0, false, true},
          // GQA, Tq < Tk (bottom-right causal).
          {{2, 4, 2, 64, 192, D}, dt, "causal", 0, true, true},
          // Additive and boolean masks (boolean: composed backward).
          {{2, 4, 2, 64, 128, D}, dt, "", 3, true, true},
          {{1, 4, 4, 64, 64, D}, dt, "", 2, true, true},
          // Odd length, one batch.
          {{1, 2, 2, 100, 100, D}, dt, "causal", 0, true, true},
          // Single head: (B, T, 1, D) is (B, 1, T, D); row-contiguous.
          {{2, 1, 1, 64, 64, D}, dt, "causal", 0, true, true},
      };
      for (const auto& c : cases) check_bthd(c, seed += 10);
    }
  }
  // float32 (built-in generic kernel forward, composed backward).
  check_bthd({{2, 4, 4, 64, 64, 32}, float32, "causal", 0, true, true}, seed += 10);
  // Decoding-like short query block (built-in kernels).
  check_bthd({{2, 4, 4, 16, 80, 64}, bfloat16, "", 0, true, true}, seed += 10);
}

TEST(GpuSdpa, BthdLayoutFusedPathAndKernelSwitches) {
  EMBER_REQUIRE_GPU();
  if (gpu_as_cpu()) GTEST_SKIP() << "GPU tests on the CPU";
  {
    EnvGuard k("EMBER_SDPA_KERNEL", nullptr), vj("EMBER_SDPA_VJP", nullptr);
    EXPECT_TRUE(check_bthd({{2, 12, 12, 256, 256, 64}, bfloat16, "causal", 0, true, true}, 71))
        << "cuDNN fused attention not used (EMBER_DEBUG=1 says why)";
    EXPECT_TRUE(check_bthd({{2, 4, 2, 128, 256, 128}, float16, "causal", 0, true, true}, 72))
        << "GQA";
  }
  // The hand-written forward kernels write the (B, T, H, D) order too.
  for (const char* kern : {"v1", "v2", "v2-nosplit", "generic"}) {
    EnvGuard k("EMBER_SDPA_KERNEL", kern);
    for (Dtype dt : {bfloat16, float16}) {
      check_bthd({{2, 4, 4, 128, 128, 64}, dt, "causal", 0, true, true}, 73);
      check_bthd({{1, 4, 2, 64, 160, 128}, dt, "", 3, true, true}, 74);
      // Decoding: few queries, keys split over blocks (v2).
      check_bthd({{1, 8, 8, 4, 1024, 64}, dt, "", 0, true, true}, 75);
    }
  }
}

TEST(GpuSdpa, LargerCausal) {
  EMBER_REQUIRE_GPU();
  check_case({2, 8, 8, 512, 512, 64}, bfloat16, "causal", 0, 7);
  check_case({1, 8, 2, 384, 512, 128}, float16, "causal", 0, 8);
}

TEST(GpuSdpa, CudnnFusedPathIsTaken) {
  EMBER_REQUIRE_GPU();
  if (gpu_as_cpu()) GTEST_SKIP() << "GPU tests on the CPU";
  EnvGuard k("EMBER_SDPA_KERNEL", nullptr), vj("EMBER_SDPA_VJP", nullptr);
  for (int D : {64, 128}) {
    for (Dtype dt : {bfloat16, float16}) {
      bool fused = check_case({2, 4, 4, 256, 256, D}, dt, "causal", 0, 31);
      EXPECT_TRUE(fused) << "cuDNN fused attention not used for "
                         << describe({2, 4, 4, 256, 256, D}, dt, "causal", 0)
                         << " (EMBER_DEBUG=1 says why)";
      EXPECT_TRUE(check_case({2, 4, 2, 128, 256, D}, dt, "causal", 0, 32))
          << "GQA, Tq < Tk";
      EXPECT_TRUE(check_case({2, 4, 4, 128, 128, D}, dt, "", 0, 33)) << "no mask";
    }
  }
  // float32 and boolean masks take the composed backward.
  EXPECT_FALSE(check_case({1, 2, 2, 64, 64, 64}, float32, "causal", 0, 34));
  EXPECT_FALSE(check_case({1, 2, 2, 64, 64, 64}, bfloat16, "", 2, 35));
}

TEST(GpuSdpa, KernelSwitches) {
  EMBER_REQUIRE_GPU();
  {
    // A hand-written forward kernel selected: no cuDNN, composed backward.
    EnvGuard k("EMBER_SDPA_KERNEL", "v1");
    EXPECT_FALSE(check_case({2, 4, 4, 128, 128, 64}, bfloat16, "causal", 0, 50));
  }
  {
    EnvGuard k("EMBER_SDPA_KERNEL", "v2");
    EXPECT_FALSE(check_case({2, 4, 4, 128, 128, 64}, float16, "causal", 0, 51));
  }
  {
    EnvGuard k("EMBER_SDPA_VJP", "fallback");
    EXPECT_FALSE(check_case({2, 4, 4, 128, 128, 64}, bfloat16, "causal", 0, 52));
  }
}

bool hopper_device() {
  return &cuda::sdpa_hopper::device_supported != nullptr &&
         cuda::sdpa_hopper::device_supported();
}

// Forward only: sdpa on the GPU against the CPU in float32.
void check_forward(const Shape4& s, Dtype dt, const std::string& mode, uint64_t seed,
                   bool bthd_q = false) {
  std::string what = describe(s, dt, mode, 0) + (bthd_q ? " bthd-q" : "");
  array q = bthd_q ? swapaxes(rand_array({s.B, s.Tq, s.Nq, s.D}, dt, seed, -2, 2), 1, 2, kCpu)
                   : rand_array({s.B, s.Nq, s.Tq, s.D}, dt, seed, -2, 2);
  array k = rand_array({s.B, s.Nkv, s.Tk, s.D}, dt, seed + 1, -2, 2);
  array v = rand_array({s.B, s.Nkv, s.Tk, s.D}, dt, seed + 2);
  float scale = float(1.0 / std::sqrt(double(s.D)));
  array got = fast::scaled_dot_product_attention(q, k, v, scale, mode, std::nullopt,
                                                 std::nullopt, gpu());
  auto f32 = [&](const array& a) { return astype(a, float32, kCpu); };
  array want = fast::scaled_dot_product_attention(f32(q), f32(k), f32(v), scale, mode,
                                                  std::nullopt, std::nullopt, kCpu);
  eval({got, want});
  expect_rel(got, want, out_tol(dt), what);
}

TEST(GpuSdpa, HopperKernelMatchesCpu) {
  EMBER_REQUIRE_GPU();
  if (gpu_as_cpu()) GTEST_SKIP() << "GPU tests on the CPU";
  if (!hopper_device()) GTEST_SKIP() << "not a compute capability 9.0 GPU";
  auto launches = [] { return cuda::sdpa_hopper::launch_count(); };
  {
    EnvGuard k("EMBER_SDPA_KERNEL", "hopper");
    for (Dtype dt : {bfloat16, float16}) {
      for (const char* mode : {"causal", ""}) {
        const int64_t before = launches();
        // Tiles of 192 rows and 128 keys with tails on both.
        check_case({2, 4, 4, 256, 256, 64}, dt, mode, 0, 90);
        check_case({1, 3, 3, 200, 200, 64}, dt, mode, 0, 91);
        // GQA, Tq < Tk (causal: bottom-right aligned), key tail.
        check_case({2, 4, 2, 100, 300, 64}, dt, mode, 0, 92);
        check_forward({1, 2, 1, 64, 1000, 64}, dt, mode, 93);
        // q as a (B, T, H, D) view; the output takes that order.
        check_forward({2, 6, 6, 129, 129, 64}, dt, mode, 94, true);
        EXPECT_EQ(launches() - before, 5) << dtype_name(dt) << " '" << mode << "'";
      }
    }
    // More tiles than multiprocessors: each persistent block walks several.
    // Below 1536 queries the tiles have 128 rows, from there on 192.
    int64_t before = launches();
    check_forward({4, 16, 16, 1024, 1024, 64}, bfloat16, "causal", 95);
    check_forward({3, 8, 4, 768, 896, 64}, float16, "", 96);
    check_forward({2, 16, 16, 1600, 1600, 64}, bfloat16, "causal", 103);
    check_forward({1, 4, 2, 1700, 1800, 64}, float16, "causal", 104);
    check_forward({1, 4, 2, 1700, 1800, 64}, bfloat16, "", 105, true);
    EXPECT_EQ(launches() - before, 5);
    // Not for this kernel: more queries than keys (causal), head dim 128,
    // float32, fewer than 64 queries. The other kernels run them.
    before = launches();
    check_forward({1, 2, 2, 256, 128, 64}, bfloat16, "causal", 97);
    check_forward({1, 2, 2, 128, 128, 128}, bfloat16, "causal", 98);
    check_forward({1, 2, 2, 128, 128, 64}, float32, "causal", 99);
    check_forward({1, 2, 2, 32, 128, 64}, bfloat16, "causal", 100);
    EXPECT_EQ(launches() - before, 0);
  }
  {
    // Default: causal attention takes the Hopper kernel, its logsumexp
    // feeding cuDNN's fused backward (gradients checked against the CPU).
    EnvGuard k("EMBER_SDPA_KERNEL", nullptr), vj("EMBER_SDPA_VJP", nullptr);
    const int64_t before = launches();
    bool fused = check_case({2, 4, 4, 384, 384, 64}, bfloat16, "causal", 0, 101);
    EXPECT_GE(launches() - before, 1);
    const bool cudnn = fused;  // the fused backward needs cuDNN
    if (cudnn) {
      EXPECT_TRUE(check_case({2, 4, 2, 192, 320, 64}, float16, "causal", 0, 102));
    }
  }
}

std::pair<int64_t, int64_t> sdpa_tune_counts() {
  int64_t considered = 0, timed = 0;
  cuda::sdpa_cudnn::autotune_counts(considered, timed);
  return {considered, timed};
}

TEST(GpuSdpa, AutotuneMatchesUntuned) {
  EMBER_REQUIRE_GPU();
  if (gpu_as_cpu() || &cuda::set_autotune == nullptr ||
      &cuda::autotune_enabled == nullptr ||
      &cuda::sdpa_cudnn::autotune_counts == nullptr) {
    GTEST_SKIP() << "no CUDA backend";
  }
  EnvGuard k("EMBER_SDPA_KERNEL", nullptr), vj("EMBER_SDPA_VJP", nullptr);
  struct Restore {
    bool old = cuda::autotune_enabled();
    ~Restore() { cuda::set_autotune(old); }
  } restore;
  // Graphs of at least 2^33 flops (the tuning threshold) of shapes no other
  // test uses (graphs are cached per shape and per tuning switch): forward
  // with logsumexp, fused backward and the inference forward, each run with
  // tuning off (heuristic mode A's first plan) and on (all candidates built
  // and timed at the first execution, then the fastest).
  struct Case {
    Shape4 s;
    Dtype dt;
    std::string mode;
  };
  uint64_t seed = 90;
  for (auto& cs : std::vector<Case>{{{4, 8, 8, 1536, 1536, 128}, bfloat16, "causal"},
                                    {{4, 8, 2, 1024, 1536, 64}, float16, ""}}) {
    auto [B, Nq, Nkv, Tq, Tk, D] = cs.s;
    std::string what = describe(cs.s, cs.dt, cs.mode, 0);
    auto q = rand_array({B, Nq, Tq, D}, cs.dt, seed++, -2, 2);
    auto k = rand_array({B, Nkv, Tk, D}, cs.dt, seed++, -2, 2);
    auto v = rand_array({B, Nkv, Tk, D}, cs.dt, seed++);
    auto g = rand_array({B, Nq, Tq, D}, cs.dt, seed++);
    float scale = float(1.0 / std::sqrt(double(D)));
    auto infer = [&]() {
      auto o = fast::scaled_dot_product_attention(q, k, v, scale, cs.mode,
                                                  std::nullopt, std::nullopt, gpu());
      o.eval();
      return o;
    };
    cuda::set_autotune(false);
    auto before = sdpa_tune_counts();
    auto off = fwd_bwd(q, k, v, std::nullopt, cs.mode, scale, g, gpu());
    auto off_inf = infer();
    EXPECT_EQ(sdpa_tune_counts(), before) << what << ": tuned with tuning off";
    cuda::set_autotune(true);
    auto on = fwd_bwd(q, k, v, std::nullopt, cs.mode, scale, g, gpu());
    auto on_inf = infer();
    auto after = sdpa_tune_counts();
    EXPECT_TRUE(off.fused) << what << ": cuDNN fused path not taken (tuning off)";
    EXPECT_TRUE(on.fused) << what << ": cuDNN fused path not taken (tuning on)";
    // Forward with logsumexp, backward, inference forward.
    EXPECT_GE(after.first - before.first, 3) << what << ": tuning not taken";
    std::printf("[ autotune ] %s: %lld graphs tuned, %lld with several candidates "
                "timed (EMBER_CUDA_PROFILE=1 prints the times)\n",
                what.c_str(), (long long)(after.first - before.first),
                (long long)(after.second - before.second));
    const char* names[] = {"out", "dq", "dk", "dv"};
    for (int i = 0; i < 4; ++i) {
      expect_rel(on.vals[i], off.vals[i], i == 0 ? out_tol(cs.dt) : grad_tol(cs.dt),
                 what + " tuned vs untuned " + names[i]);
    }
    expect_rel(on_inf, off_inf, out_tol(cs.dt), what + " tuned vs untuned inference");
    expect_rel(on_inf, off.vals[0], out_tol(cs.dt), what + " inference vs training");
    // Cached choices: nothing is timed again.
    auto again = fwd_bwd(q, k, v, std::nullopt, cs.mode, scale, g, gpu());
    EXPECT_EQ(sdpa_tune_counts(), after) << what << ": tuned twice";
    for (int i = 0; i < 4; ++i) {
      expect_rel(again.vals[i], on.vals[i], i == 0 ? out_tol(cs.dt) : grad_tol(cs.dt),
                 what + " cached choice " + names[i]);
    }
  }
}

TEST(GpuSdpa, CudnnCallsReplayFromGraphs) {
  EMBER_REQUIRE_GPU();
  if (gpu_as_cpu() || &cuda::call_graph_counts == nullptr ||
      &cuda::set_graphs == nullptr) {
    GTEST_SKIP() << "no CUDA backend";
  }
  // "cudnn": the causal forward too goes to cuDNN (else the Hopper kernel).
  EnvGuard kern("EMBER_SDPA_KERNEL", "cudnn"), vj("EMBER_SDPA_VJP", nullptr);
  struct Restore {
    ~Restore() { cuda::set_graphs(true); }
  } restore;
  Shape4 sh{2, 4, 4, 256, 256, 64};
  auto [B, Nq, Nkv, Tq, Tk, D] = sh;
  auto q = rand_array({B, Nq, Tq, D}, bfloat16, 70, -2, 2);
  auto k = rand_array({B, Nkv, Tk, D}, bfloat16, 71, -2, 2);
  auto v = rand_array({B, Nkv, Tk, D}, bfloat16, 72);
  auto g = rand_array({B, Nq, Tq, D}, bfloat16, 73);
  auto infer = [&](float scale) {
    auto o = fast::scaled_dot_product_attention(q, k, v, scale, "causal",
                                                std::nullopt, std::nullopt, gpu());
    o.eval();
    synchronize(gpu());  // an idle stream: where replays are used
    return o;
  };
  // Direct calls (graphs off) are the reference.
  cuda::set_graphs(false);
  auto want = fwd_bwd(q, k, v, std::nullopt, "causal", 0.125f, g, gpu());
  auto want_a = infer(0.125f), want_b = infer(0.25f);
  ASSERT_TRUE(want.fused) << "cuDNN fused path not taken (EMBER_DEBUG=1 says why)";
  cuda::set_graphs(true);
  int64_t c0 = 0, r0 = 0, c1 = 0, r1 = 0;
  cuda::call_graph_counts(c0, r0);
  const char* names[] = {"out", "dq", "dk", "dv"};
  for (int it = 0; it < 6; ++it) {
    // Results are dropped each time, so the buffers (and the graphs' keys)
    // come back; the scale alternates (it is part of the key).
    auto got = fwd_bwd(q, k, v, std::nullopt, "causal", 0.125f, g, gpu());
    synchronize(gpu());
    for (int i = 0; i < 4; ++i) {
      expect_rel(got.vals[i], want.vals[i], i == 0 ? 1e-6 : grad_tol(bfloat16),
                 std::string("replayed ") + names[i]);
    }
    expect_rel(infer(0.125f), want_a, 1e-6, "replayed inference, scale 1/8");
    expect_rel(infer(0.25f), want_b, 1e-6, "replayed inference, scale 1/4");
  }
  cuda::call_graph_counts(c1, r1);
  EXPECT_GE(c1 - c0, 2) << "no cuDNN call was captured";
  EXPECT_GE(r1 - r0, 4) << "no captured cuDNN call was replayed";
  std::printf("[ replay ] cuDNN calls captured %lld, replayed %lld\n",
              (long long)(c1 - c0), (long long)(r1 - r0));
}

TEST(GpuSdpa, InferenceAndMixedGraphs) {
  EMBER_REQUIRE_GPU();
  // Forward outside any transformation (single output), cuDNN or not, then
  // a CPU op on the result and a GPU vjp of a graph that starts on the CPU.
  auto q = rand_array({2, 4, 128, 64}, bfloat16, 60, -2, 2);
  auto k = rand_array({2, 4, 128, 64}, bfloat16, 61, -2, 2);
  auto v = rand_array({2, 4, 128, 64}, bfloat16, 62);
  auto og = fast::scaled_dot_product_attention(q, k, v, 0.125f, "causal",
                                               std::nullopt, std::nullopt, gpu());
  auto oc = fast::scaled_dot_product_attention(astype(q, float32, kCpu),
                                               astype(k, float32, kCpu),
                                               astype(v, float32, kCpu), 0.125f,
                                               "causal", std::nullopt,
                                               std::nullopt, kCpu);
  EXPECT_EQ(og.siblings().size(), 0u);
  expect_rel(og, oc, out_tol(bfloat16), "inference forward");
  auto back = multiply(astype(og, float32, kCpu), array(2.0f), kCpu);
  expect_rel(back, multiply(oc, array(2.0f), kCpu), out_tol(bfloat16), "gpu -> cpu");
  // Gradient through a CPU op feeding the GPU attention.
  auto f = [&](const std::vector<array>& xs, Device dev) {
    auto qq = multiply(xs[0], array(1.5f), kCpu);
    auto o = fast::scaled_dot_product_attention(astype(qq, bfloat16, kCpu), k, v, 0.125f,
                                                "causal", std::nullopt, std::nullopt, dev);
    return std::vector<array>{sum(astype(o, float32, dev), false, dev)};
  };
  auto qf = astype(q, float32, kCpu);
  std::function<std::vector<array>(const std::vector<array>&)> fg =
      [&](const std::vector<array>& x) { return f(x, gpu()); };
  std::function<std::vector<array>(const std::vector<array>&)> fc =
      [&](const std::vector<array>& x) { return f(x, kCpu); };
  auto gg = vjp(fg, {qf}, {array(1.0f)}).second[0];
  auto gc = vjp(fc, {qf}, {array(1.0f)}).second[0];
  expect_rel(gg, gc, grad_tol(bfloat16), "mixed graph grad");
}

}  // namespace
}  // namespace ember
