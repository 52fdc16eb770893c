// GPU matmul / addmm (cuBLASLt) against float64 references computed in the
// test and against the CPU backend: every dtype, transposed / sliced /
// stepped / negative-stride / broadcast operands, batches that fold, stride
// or loop, vectors, empty shapes, addmm's alpha/beta/c layouts, TF32 switch,
// cuBLASLt autotuning (tuned results equal untuned ones, the tuned path is
// taken), mixed CPU/GPU graphs and gradients.
#include <gtest/gtest.h>

#include <optional>

#include "ember/ember.h"
#include "gpu_compare.h"
#include "test_utils.h"

// The TF32 and autotuning switches live in the CUDA backend; weak so that
// the test also links in builds without it.
namespace ember::cuda {
__attribute__((weak)) void set_tf32(bool enabled);
__attribute__((weak)) bool autotune_enabled();
__attribute__((weak)) void set_autotune(bool enabled);
__attribute__((weak)) void gemm_autotune_counts(int64_t& considered,
                                                int64_t& timed);
}

namespace ember {
namespace {

using namespace gpu_test;
using cd = std::complex<double>;

// alpha * a @ b + beta * c in complex double, with the scale
// |alpha| sum |a||b| + |beta c| of each element (for tolerances).
// a: (..., M, K), b: (..., K, N) with equal batch dims.
struct Ref {
  std::vector<cd> val;
  std::vector<double> scale;
};

Ref reference(const array& a, const array& b, float alpha = 1.0f,
              float beta = 0.0f, const std::optional<array>& c = {}) {
  auto av = cvalues(a), bv = cvalues(b);
  int64_t M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  int64_t batch = 1;
  for (int d = 0; d < a.ndim() - 2; ++d) batch *= a.shape(d);
  std::vector<cd> cv;
  if (c) cv = cvalues(*c);
  Ref r;
  r.val.assign(size_t(batch * M * N), 0.0);
  r.scale.assign(r.val.size(), 0.0);
  for (int64_t t = 0; t < batch; ++t) {
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        cd acc = 0;
        double sc = 0;
        for (int64_t k = 0; k < K; ++k) {
          cd x = av[(t * M + m) * K + k], y = bv[(t * K + k) * N + n];
          acc += x * y;
          sc += std::abs(x) * std::abs(y);
        }
        size_t o = size_t((t * M + m) * N + n);
        r.val[o] = double(alpha) * acc;
        r.scale[o] = std::abs(double(alpha)) * sc;
        if (c && beta != 0.0f) {
          r.val[o] += double(beta) * cv[o];
          r.scale[o] += std::abs(double(beta) * cv[o]);
        }
      }
    }
  }
  return r;
}

void expect_ref(const array& got, const Ref& r, Dtype dt, const std::string& what,
                double tol = -1) {
  if (tol < 0) tol = accum_tol(dt);
  auto g = cvalues(got);
  ASSERT_EQ(g.size(), r.val.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < g.size() && bad < 5; ++i) {
    double err = std::abs(g[i] - r.val[i]);
    double bound = tol * (r.scale[i] + 1e-30) + 1e-30;
    if (!(err <= bound)) {
      ++bad;
      ADD_FAILURE() << what << " [" << dname(dt) << "] index " << i << " got "
                    << g[i] << " want " << r.val[i] << " (bound " << bound << ")";
    }
  }
}

const std::vector<Dtype> kAll = {float32, float16, bfloat16, float64, complex64};

TEST(GpuMatmul, Dtypes2D) {
  EMBER_REQUIRE_GPU();
  struct S { int M, K, N; };
  std::vector<S> shapes = {{1, 1, 1},   {1, 37, 5},   {33, 17, 65},
                           {64, 64, 64}, {128, 1, 7},  {5, 300, 1},
                           {257, 190, 300}};
  uint64_t seed = 1;
  for (Dtype dt : kAll) {
    for (auto [M, K, N] : shapes) {
      auto a = rand_array({M, K}, dt, seed++);
      auto b = rand_array({K, N}, dt, seed++);
      auto out = matmul(a, b, gpu());
      EXPECT_EQ(out.dtype(), dt);
      EXPECT_EQ(out.shape(), Shape({M, N}));
      expect_ref(out, reference(a, b),
                 dt, "matmul " + std::to_string(M) + "x" + std::to_string(K) +
                         "x" + std::to_string(N));
    }
  }
}

TEST(GpuMatmul, TransposedOperandsUseFlags) {
  EMBER_REQUIRE_GPU();
  int M = 45, K = 70, N = 33;
  uint64_t seed = 100;
  for (Dtype dt : kAll) {
    for (int ta = 0; ta < 2; ++ta) {
      for (int tb = 0; tb < 2; ++tb) {
        auto a = ta ? swapaxes(rand_array({K, M}, dt, seed++), 0, 1, kCpu)
                    : rand_array({M, K}, dt, seed++);
        auto b = tb ? swapaxes(rand_array({N, K}, dt, seed++), 0, 1, kCpu)
                    : rand_array({K, N}, dt, seed++);
        eval({a, b});
        expect_ref(matmul(a, b, gpu()), reference(a, b), dt,
                   "ta=" + std::to_string(ta) + " tb=" + std::to_string(tb));
      }
    }
  }
}

TEST(GpuMatmul, StridedOffsetAndBroadcastOperands) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 200;
  for (Dtype dt : kAll) {
    auto big = rand_array({40, 60}, dt, seed++);
    // Steps in both dims: packed.
    auto a1 = slice(big, {0, 0}, {40, 60}, {2, 3}, kCpu);  // (20, 20)
    // Negative strides (flip of both axes): packed.
    auto b1 = flip(rand_array({20, 9}, dt, seed++), std::vector<int>{0, 1}, kCpu);
    // Offset views (unaligned start): read in place.
    auto a2 = slice(big, {1, 3}, {18, 40}, kCpu);  // (17, 37), row stride 60
    auto b2 = slice(rand_array({40, 50}, dt, seed++), {3, 1}, {40, 12}, kCpu);
    // Broadcast rows (stride 0 inside the matrix): packed.
    auto row = rand_array({1, 11}, dt, seed++);
    auto b3 = broadcast_to(row, {37, 11}, kCpu);
    // Column step only: transposed flag with ld = step.
    auto a4 = swapaxes(slice(big, {0, 0}, {30, 60}, {1, 2}, kCpu), 0, 1, kCpu);
    auto b4 = rand_array({30, 4}, dt, seed++);
    eval({a1, b1, a2, b2, b3, a4});
    expect_ref(matmul(a1, b1, gpu()), reference(a1, b1), dt, "stepped@flipped");
    expect_ref(matmul(a2, b2, gpu()), reference(a2, b2), dt, "offset views");
    expect_ref(matmul(a2, b3, gpu()), reference(a2, b3), dt, "broadcast rows");
    expect_ref(matmul(a4, b4, gpu()), reference(a4, b4), dt, "column step");
  }
}

TEST(GpuMatmul, Batched) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 300;
  for (Dtype dt : kAll) {
    int B = 3, H = 4, M = 19, K = 23, N = 17;
    // Plain strided batch.
    auto a = rand_array({B, M, K}, dt, seed++);
    auto b = rand_array({B, K, N}, dt, seed++);
    expect_ref(matmul(a, b, gpu()), reference(a, b), dt, "batched");
    // b shared by every batch (folds into one product).
    auto w = broadcast_to(rand_array({K, N}, dt, seed++), {B, K, N}, kCpu);
    // a shared by every batch (batch stride 0 for a).
    auto x = broadcast_to(rand_array({M, K}, dt, seed++), {B, M, K}, kCpu);
    // Two batch dims broadcast crosswise: an outer host loop.
    auto a4 = broadcast_to(rand_array({B, 1, M, K}, dt, seed++), {B, H, M, K}, kCpu);
    auto b4 = broadcast_to(rand_array({1, H, K, N}, dt, seed++), {B, H, K, N}, kCpu);
    // Transposed batched views, and a batch of transposed slices.
    auto at = swapaxes(rand_array({B, K, M}, dt, seed++), 1, 2, kCpu);
    auto bt = transpose(rand_array({N, B, K}, dt, seed++), {1, 2, 0}, kCpu);
    // Batch-major permutation: (M, B, K) viewed as (B, M, K).
    auto ap = transpose(rand_array({M, B, K}, dt, seed++), {1, 0, 2}, kCpu);
    eval({w, x, a4, b4, at, bt, ap});
    expect_ref(matmul(a, w, gpu()), reference(a, w), dt, "shared b");
    expect_ref(matmul(x, b, gpu()), reference(x, b), dt, "shared a");
    expect_ref(matmul(a4, b4, gpu()), reference(a4, b4), dt, "crosswise batch");
    expect_ref(matmul(at, bt, gpu()), reference(at, bt), dt, "transposed batch");
    expect_ref(matmul(ap, b, gpu()), reference(ap, b), dt, "permuted batch");
    // M = 1 decoding shape with a shared weight.
    auto q = rand_array({B, 1, K}, dt, seed++);
    expect_ref(matmul(q, w, gpu()), reference(q, w), dt, "M=1 shared weight");
  }
}

TEST(GpuMatmul, VectorsAndEmpty) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 400;
  for (Dtype dt : {float32, bfloat16}) {
    auto v = rand_array({31}, dt, seed++);
    auto m = rand_array({31, 12}, dt, seed++);
    auto m2 = rand_array({12, 31}, dt, seed++);
    auto vm = matmul(v, m, gpu());
    EXPECT_EQ(vm.shape(), Shape({12}));
    expect_ref(reshape(vm, {1, 12}, kCpu), reference(reshape(v, {1, 31}, kCpu), m),
               dt, "vec@mat");
    auto mv = matmul(m2, v, gpu());
    EXPECT_EQ(mv.shape(), Shape({12}));
    expect_ref(reshape(mv, {12, 1}, kCpu), reference(m2, reshape(v, {31, 1}, kCpu)),
               dt, "mat@vec");
    auto vv = matmul(v, v, gpu());
    EXPECT_EQ(vv.shape(), Shape({}));
    expect_ref(reshape(vv, {1, 1}, kCpu),
               reference(reshape(v, {1, 31}, kCpu), reshape(v, {31, 1}, kCpu)), dt,
               "vec@vec");
  }
  for (Dtype dt : kAll) {
    auto e1 = matmul(rand_array({0, 5}, dt, 1), rand_array({5, 7}, dt, 2), gpu());
    EXPECT_EQ(e1.shape(), Shape({0, 7}));
    e1.eval();
    auto e2 = matmul(rand_array({3, 0}, dt, 1), rand_array({0, 4}, dt, 2), gpu());
    EXPECT_EQ(e2.shape(), Shape({3, 4}));
    expect_close(e2, std::vector<double>(12, 0.0), {0.0}, 0.0, "K=0 " + dname(dt));
    auto e3 = matmul(rand_array({0, 3, 4}, dt, 1), rand_array({0, 4, 2}, dt, 2),
                     gpu());
    EXPECT_EQ(e3.shape(), Shape({0, 3, 2}));
    e3.eval();
  }
}

TEST(GpuAddMM, AlphaBetaAndLayoutsOfC) {
  EMBER_REQUIRE_GPU();
  uint64_t seed = 500;
  int M = 21, K = 34, N = 15;
  for (Dtype dt : kAll) {
    auto a = rand_array({M, K}, dt, seed++);
    auto b = rand_array({K, N}, dt, seed++);
    auto c = rand_array({M, N}, dt, seed++);
    for (auto [alpha, beta] : std::vector<std::pair<float, float>>{
             {1.0f, 1.0f}, {0.5f, -2.0f}, {2.0f, 0.0f}, {-1.0f, 0.25f}}) {
      auto got = addmm(c, a, b, alpha, beta, gpu());
      expect_ref(got, reference(a, b, alpha, beta, c), dt,
                 "addmm alpha=" + std::to_string(alpha) +
                     " beta=" + std::to_string(beta));
    }
    // c as a bias row broadcast over rows, and as a transposed view.
    auto bias = broadcast_to(rand_array({N}, dt, seed++), {M, N}, kCpu);
    auto ct = swapaxes(rand_array({N, M}, dt, seed++), 0, 1, kCpu);
    eval({bias, ct});
    expect_ref(addmm(bias, a, b, 1.0f, 1.0f, gpu()),
               reference(a, b, 1.0f, 1.0f, bias), dt, "bias c");
    expect_ref(addmm(ct, a, b, 1.5f, 0.5f, gpu()),
               reference(a, b, 1.5f, 0.5f, ct), dt, "transposed c");
    // Batched addmm with a transposed operand.
    auto ab = rand_array({2, M, K}, dt, seed++);
    auto bb = swapaxes(rand_array({2, N, K}, dt, seed++), 1, 2, kCpu);
    auto cb = rand_array({2, M, N}, dt, seed++);
    bb.eval();
    expect_ref(addmm(cb, ab, bb, 0.75f, 1.25f, gpu()),
               reference(ab, bb, 0.75f, 1.25f, cb), dt, "batched addmm");
  }
}

TEST(GpuAddMM, BetaZeroIgnoresNaNAndEmptySum) {
  EMBER_REQUIRE_GPU();
  for (Dtype dt : {float32, float16, bfloat16, float64}) {
    auto a = rand_array({4, 6}, dt, 1), b = rand_array({6, 5}, dt, 2);
    auto c = astype(full({4, 5}, std::nanf(""), float32, kCpu), dt, kCpu);
    c.eval();
    auto got = addmm(c, a, b, 1.0f, 0.0f, gpu());
    expect_ref(got, reference(a, b), dt, "beta=0 NaN c");
    // K = 0: out = beta * c.
    auto c2 = rand_array({3, 4}, dt, 3);
    auto e = addmm(c2, rand_array({3, 0}, dt, 4), rand_array({0, 4}, dt, 5), 2.0f,
                   -1.5f, gpu());
    auto cv = dvalues(c2);
    for (auto& x : cv) x *= -1.5;
    expect_close(e, cv, {1e-12}, accum_tol(dt), "K=0 addmm " + dname(dt));
    auto e0 = addmm(c2, rand_array({3, 0}, dt, 4), rand_array({0, 4}, dt, 5), 2.0f,
                    0.0f, gpu());
    expect_close(e0, std::vector<double>(12, 0.0), {0.0}, 0.0, "K=0 beta=0");
  }
}

// Matrix-vector products (the kernels of gemv.cu where eligible, cuBLASLt
// otherwise): up to 8 rows against a transposed weight, K not a multiple of
// the 16-byte chunk, sliced weights and vectors, misaligned vectors, 9 rows
// (cuBLASLt), a matrix against one column, addmm with a bias row and with
// beta 0 over NaNs.
TEST(GpuMatmul, MatrixVectorProducts) {
  EMBER_REQUIRE_GPU();
  struct S { int K, N, ld; };
  uint64_t seed = 700;
  for (Dtype dt : {float32, float16, bfloat16}) {
    for (auto [K, N, ld] : std::vector<S>{{768, 1024, 768}, {1001, 1100, 1024},
                                          {520, 2051, 520}}) {
      // W (N, K) inside rows of ld elements; b = W.T.
      auto w = slice(rand_array({N, ld}, dt, seed++), {0, 0}, {N, K}, kCpu);
      auto b = swapaxes(w, 0, 1, kCpu);
      auto bias = rand_array({N}, dt, seed++);
      eval({b});
      for (int M : {1, 2, 3, 8, 9}) {
        std::string what = dname(dt) + " M=" + std::to_string(M) + " K=" +
                           std::to_string(K) + " N=" + std::to_string(N);
        auto x = rand_array({M, K}, dt, seed++);
        auto xs = slice(rand_array({M, ld}, dt, seed++), {0, 0}, {M, K}, kCpu);
        auto xm = slice(rand_array({M, K + 1}, dt, seed++), {0, 1}, {M, K + 1}, kCpu);
        eval({xs, xm});
        expect_ref(matmul(x, b, gpu()), reference(x, b), dt, what + " x @ W.T");
        expect_ref(matmul(xs, b, gpu()), reference(xs, b), dt, what + " sliced x");
        expect_ref(matmul(xm, b, gpu()), reference(xm, b), dt, what + " misaligned x");
        auto c = broadcast_to(bias, {M, N}, kCpu);
        c.eval();
        expect_ref(addmm(c, x, b, 0.5f, 1.0f, gpu()), reference(x, b, 0.5f, 1.0f, c), dt,
                   what + " addmm bias row");
        auto cn = astype(full({M, N}, std::nanf(""), float32, kCpu), dt, kCpu);
        cn.eval();
        expect_ref(addmm(cn, x, b, 2.0f, 0.0f, gpu()), reference(x, b, 2.0f), dt,
                   what + " addmm beta 0");
      }
    }
    for (auto [M, K, ld] : std::vector<S>{{1024, 768, 768}, {1500, 1001, 1024}}) {
      auto a = slice(rand_array({M, ld}, dt, seed++), {0, 0}, {M, K}, kCpu);
      auto v = rand_array({K, 1}, dt, seed++);
      auto vs = slice(rand_array({K, 3}, dt, seed++), {0, 1}, {K, 2}, kCpu);
      auto c = broadcast_to(rand_array({1}, dt, seed++), {M, 1}, kCpu);
      eval({a, vs, c});
      std::string what = dname(dt) + " A @ v M=" + std::to_string(M);
      expect_ref(matmul(a, v, gpu()), reference(a, v), dt, what);
      expect_ref(matmul(a, vs, gpu()), reference(a, vs), dt, what + " strided v");
      expect_ref(addmm(c, a, v, 1.5f, 1.0f, gpu()), reference(a, v, 1.5f, 1.0f, c), dt,
                 what + " addmm");
    }
  }
}

TEST(GpuMatmul, LargeAgainstCpu) {
  EMBER_REQUIRE_GPU();
  // Multi-tile products with odd sizes; the CPU backend is the reference.
  struct S { int M, K, N; };
  uint64_t seed = 600;
  for (Dtype dt : {float32, bfloat16, float16}) {
    for (auto [M, K, N] : std::vector<S>{{1024, 1024, 1024}, {1000, 777, 513},
                                         {1, 4096, 4096}, {4096, 4096, 1}}) {
      auto a = rand_array({M, K}, dt, seed++);
      auto b = rand_array({K, N}, dt, seed++);
      auto g = matmul(a, b, gpu());
      auto c = matmul(a, b, kCpu);
      // Values are sums of K products of magnitude <= 1.
      double atol = accum_tol(dt) * std::sqrt(double(K)) * 2.0;
      expect_matches_cpu(g, c, atol, accum_tol(dt),
                         "large " + std::to_string(M) + "x" + std::to_string(K) +
                             "x" + std::to_string(N) + " " + dname(dt));
    }
  }
}

TEST(GpuMatmul, Tf32Switch) {
  EMBER_REQUIRE_GPU();
  if (gpu_as_cpu() || &cuda::set_tf32 == nullptr) GTEST_SKIP() << "no CUDA backend";
  auto a = rand_array({256, 512}, float32, 7), b = rand_array({512, 128}, float32, 8);
  auto ref = reference(a, b);
  cuda::set_tf32(true);
  auto t = matmul(a, b, gpu());
  t.eval();
  cuda::set_tf32(false);
  // TF32 keeps 10 mantissa bits of each input.
  expect_ref(t, ref, float32, "tf32 on", 2e-3);
  expect_ref(matmul(a, b, gpu()), ref, float32, "tf32 off");
}

bool have_autotune() {
  return !gpu_as_cpu() && &cuda::set_autotune != nullptr &&
         &cuda::autotune_enabled != nullptr &&
         &cuda::gemm_autotune_counts != nullptr;
}

// Restores the autotuning switch when it goes out of scope.
struct AutotuneGuard {
  bool old = cuda::autotune_enabled();
  ~AutotuneGuard() { cuda::set_autotune(old); }
};

std::pair<int64_t, int64_t> gemm_counts() {
  int64_t considered = 0, timed = 0;
  cuda::gemm_autotune_counts(considered, timed);
  return {considered, timed};
}

TEST(GpuMatmul, AutotuneMatchesUntuned) {
  EMBER_REQUIRE_GPU();
  if (!have_autotune()) GTEST_SKIP() << "no CUDA backend";
  AutotuneGuard guard;
  // Products of at least 2^32 flops (2 M N K batch: the tuning threshold),
  // each of a shape (or layout) no other test uses: plans are cached per
  // problem, and the first run of a plan with tuning on times it. Each runs
  // with tuning off first (the heuristic's first algorithm), then on (the
  // run that tunes, whose output comes from the chosen algorithm), then on
  // again (the cached choice).
  struct Case {
    std::string what;
    array a, b;
    std::optional<array> c;
    float alpha = 1.0f, beta = 0.0f;
  };
  uint64_t seed = 700;
  auto r = [&](const Shape& sh, Dtype dt) { return rand_array(sh, dt, seed++); };
  std::vector<Case> cases;
  cases.push_back({"bf16 2048x3072x2048", r({2048, 3072}, bfloat16),
                   r({3072, 2048}, bfloat16)});
  cases.push_back({"bf16 transposed a and b",
                   swapaxes(r({3072, 2048}, bfloat16), 0, 1, kCpu),
                   swapaxes(r({2048, 3072}, bfloat16), 0, 1, kCpu)});
  cases.push_back({"bf16 batched 8x1024x1152x1024", r({8, 1024, 1152}, bfloat16),
                   r({8, 1152, 1024}, bfloat16)});
  cases.push_back({"f16 batched, transposed b", r({8, 1024, 1152}, float16),
                   swapaxes(r({8, 1024, 1152}, float16), 1, 2, kCpu)});
  cases.push_back({"f32 1536x2048x3072", r({1536, 2048}, float32),
                   r({2048, 3072}, float32)});
  // addmm with beta != 0: the timing runs must not touch c.
  cases.push_back({"bf16 addmm beta 1.5", r({2048, 2560}, bfloat16),
                   r({2560, 2304}, bfloat16), r({2048, 2304}, bfloat16), 0.5f,
                   1.5f});
  for (auto& cs : cases) {
    eval({cs.a, cs.b});
    auto run = [&]() {
      array out = cs.c ? addmm(*cs.c, cs.a, cs.b, cs.alpha, cs.beta, gpu())
                       : matmul(cs.a, cs.b, gpu());
      out.eval();
      return out;
    };
    Dtype dt = cs.a.dtype();
    int64_t K = cs.a.shape(-1);
    cuda::set_autotune(false);
    auto before = gemm_counts();
    array off = run();
    EXPECT_EQ(gemm_counts(), before) << cs.what << ": tuned with tuning off";
    cuda::set_autotune(true);
    array on = run();
    auto after = gemm_counts();
    EXPECT_GT(after.first, before.first) << cs.what << ": tuning not taken";
    EXPECT_GT(after.second, before.second)
        << cs.what << ": cuBLASLt offered a single algorithm (nothing timed)";
    array again = run();
    EXPECT_EQ(gemm_counts(), after) << cs.what << ": tuned twice";
    // Values are sums of K products of magnitude <= 1 (plus beta * c).
    double atol = accum_tol(dt) * std::sqrt(double(K)) * 2.0 + accum_tol(dt) * 4;
    expect_matches_cpu(on, off, atol, accum_tol(dt), cs.what + " tuned vs untuned");
    expect_matches_cpu(again, off, atol, accum_tol(dt), cs.what + " cached choice");
    array ref = cs.c ? addmm(*cs.c, cs.a, cs.b, cs.alpha, cs.beta, kCpu)
                     : matmul(cs.a, cs.b, kCpu);
    expect_matches_cpu(on, ref, atol, accum_tol(dt), cs.what + " tuned vs cpu");
  }
}

TEST(GpuMatmul, AutotuneSkipsSmallProducts) {
  EMBER_REQUIRE_GPU();
  if (!have_autotune()) GTEST_SKIP() << "no CUDA backend";
  AutotuneGuard guard;
  cuda::set_autotune(true);
  // 2 * 1000 * 1100 * 1200 flops < 2^32: the heuristic's first, no timing.
  auto a = rand_array({1000, 1100}, bfloat16, 800);
  auto b = rand_array({1100, 1200}, bfloat16, 801);
  auto before = gemm_counts();
  auto g = matmul(a, b, gpu());
  g.eval();
  EXPECT_EQ(gemm_counts(), before);
  expect_matches_cpu(g, matmul(a, b, kCpu), accum_tol(bfloat16) * std::sqrt(1100.0) * 2,
                     accum_tol(bfloat16), "small product");
}

TEST(GpuMatmul, MixedGraphAndGradients) {
  EMBER_REQUIRE_GPU();
  auto a = rand_array({16, 24}, float32, 11), b = rand_array({24, 8}, float32, 12);
  // CPU -> GPU -> CPU -> GPU.
  auto x = add(a, array(1.0f), kCpu);
  auto y = matmul(x, b, gpu());
  auto z = multiply(y, array(2.0f), kCpu);
  auto w = matmul(z, swapaxes(b, 0, 1, kCpu), gpu());
  auto yc = matmul(x, b, kCpu);
  auto wc = matmul(multiply(yc, array(2.0f), kCpu), swapaxes(b, 0, 1, kCpu), kCpu);
  expect_matches_cpu(w, wc, 1e-4, 1e-5, "mixed graph");
  // Gradients of sum(a @ b) flow through matmuls of transposed operands.
  auto f = [&](const std::vector<array>& in, Device d) {
    return std::vector<array>{sum(matmul(in[0], in[1], d), false, d)};
  };
  auto [vg, gg] = vjp([&](const std::vector<array>& in) { return f(in, gpu()); },
                      {a, b}, {array(1.0f)});
  auto [vc, gc] = vjp([&](const std::vector<array>& in) { return f(in, kCpu); },
                      {a, b}, {array(1.0f)});
  expect_matches_cpu(gg[0], gc[0], 1e-5, 1e-5, "grad a");
  expect_matches_cpu(gg[1], gc[1], 1e-5, 1e-5, "grad b");
}

}  // namespace
}  // namespace ember
