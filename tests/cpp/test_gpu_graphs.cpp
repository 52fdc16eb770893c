// CUDA-graph capture of repeated segments (backend/cuda/graphs.cpp): repeated
// evals are captured, updated and launched as graphs, and give the same
// values as direct launches and as the CPU; host uploads, arrays dropped
// while a segment is captured, CPU ops in between, several streams and
// threads, and differentiation all keep working. Each test also checks that
// graphs were really launched and no capture was lost, so a silent fallback
// to direct launches fails the test. Skips without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "ember/ember.h"
#include "test_utils.h"

namespace ember::cuda {
// In the CUDA backend; weak so that a CPU-only build links (then skipped).
__attribute__((weak)) void set_graphs(bool on);
__attribute__((weak)) void graph_counts(int64_t& captured, int64_t& launched,
                                        int64_t& instantiated, int64_t& updated,
                                        int64_t& failed);
__attribute__((weak)) size_t device_active_memory();
}  // namespace ember::cuda

namespace ember {
namespace {

const Device kGpu(DeviceType::gpu);
const Device kCpu(DeviceType::cpu);

#define REQUIRE_GRAPHS()                                                 \
  if (!is_available(kGpu) || &cuda::graph_counts == nullptr ||           \
      &cuda::set_graphs == nullptr)                                      \
  GTEST_SKIP() << "no GPU"

struct Counts {
  int64_t captured = 0, launched = 0, instantiated = 0, updated = 0, failed = 0;
  static Counts now() {
    Counts c;
    cuda::graph_counts(c.captured, c.launched, c.instantiated, c.updated, c.failed);
    return c;
  }
  Counts operator-(const Counts& o) const {
    return {captured - o.captured, launched - o.launched,
            instantiated - o.instantiated, updated - o.updated, failed - o.failed};
  }
};

// Turns graphs on for a test and restores the default after it.
struct GraphsOn {
  GraphsOn() { cuda::set_graphs(true); }
  ~GraphsOn() { cuda::set_graphs(true); }
};

std::vector<float> host_values(int n, float scale) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = scale * float((i * 37) % 11 - 5);
  return v;
}

// y = ((x + c) * 0.5 - 1) repeated: a chain of dependent tiny ops.
array chain(const array& x, int steps, StreamOrDevice s) {
  array y = x;
  for (int i = 0; i < steps; ++i) {
    y = add(y, x, s);
    y = multiply(y, array(0.5f), s);
    y = subtract(y, array(1.0f), s);
  }
  return y;
}

TEST(GpuGraphs, RepeatedChainIsCapturedUpdatedAndCorrect) {
  REQUIRE_GRAPHS();
  GraphsOn on;
  array xh(host_values(16, 0.25f), {16});
  array x = add(xh, array(0.0f), kGpu);
  eval(x);
  auto want = to_vector(chain(xh, 100, kCpu));
  Counts before = Counts::now();
  for (int it = 0; it < 4; ++it) {
    array y = chain(x, 100, kGpu);  // 300 ops: segments of 64 tasks
    eval(y);
    expect_values(y, want, 1e-5);
  }
  Counts d = Counts::now() - before;
  // The first sight of each segment runs directly; later ones are captured.
  EXPECT_GT(d.launched, 8);
  EXPECT_GE(d.instantiated, 1);
  EXPECT_GT(d.updated, 0);
  EXPECT_EQ(d.failed, 0);
  // Off: the same values, no graph.
  cuda::set_graphs(false);
  Counts b2 = Counts::now();
  array y = chain(x, 100, kGpu);
  eval(y);
  expect_values(y, want, 1e-5);
  EXPECT_EQ((Counts::now() - b2).captured, 0);
}

TEST(GpuGraphs, HostUploadsAndCpuOpsBetweenCapturedSegments) {
  REQUIRE_GRAPHS();
  GraphsOn on;
  Counts before = Counts::now();
  for (int it = 0; it < 5; ++it) {
    // A fresh host array each iteration: uploaded inside a captured segment.
    auto hv = host_values(1000, 0.01f * float(it + 1));
    array xh(hv, {10, 100});
    array g = exp(multiply(add(xh, array(1.0f), kGpu), array(0.1f), kGpu), kGpu);
    array r = sum(g, 1, false, kGpu);
    array c = multiply(r, array(2.0f), kCpu);  // CPU op on a GPU result
    array z = add(softmax(g, -1, false, kGpu), reshape(c, {10, 1}, kGpu), kGpu);
    eval(z);
    array gw = exp(multiply(add(xh, array(1.0f), kCpu), array(0.1f), kCpu), kCpu);
    array rw = multiply(sum(gw, 1, false, kCpu), array(2.0f), kCpu);
    array zw = add(softmax(gw, -1, false, kCpu), reshape(rw, {10, 1}, kCpu), kCpu);
    expect_values(z, to_vector(zw), 1e-5);
  }
  Counts d = Counts::now() - before;
  EXPECT_GT(d.launched, 0);
  EXPECT_EQ(d.failed, 0);
}

TEST(GpuGraphs, ArraysDroppedWhileCapturedAreFreedAfterward) {
  REQUIRE_GRAPHS();
  GraphsOn on;
  synchronize(kGpu);
  size_t base = cuda::device_active_memory();
  array xh(host_values(4096, 0.001f), {4096});
  auto want = to_vector(chain(xh, 30, kCpu));
  Counts before = Counts::now();
  for (int it = 0; it < 6; ++it) {
    array x = add(xh, array(0.0f), kGpu);
    array y = chain(x, 30, kGpu);
    async_eval({y});
    x = array(0.0f);  // dropped while its users may be being captured
    eval(y);
    expect_values(y, want, 1e-5);
  }
  Counts d = Counts::now() - before;
  EXPECT_GT(d.launched, 0);
  EXPECT_EQ(d.failed, 0);
  synchronize(kGpu);
  // Every deferred free ran: only the constant cache may have grown.
  EXPECT_LE(cuda::device_active_memory(), base + 4096 * 4);
}

TEST(GpuGraphs, GradientStepsWithMatmulMatchCpu) {
  REQUIRE_GRAPHS();
  GraphsOn on;
  auto loss = [](const std::vector<array>& p, Device d) {
    array h = tanh(add(matmul(p[2], p[0], d), p[1], d), d);
    return sum(multiply(h, h, d), false, d);
  };
  std::vector<float> w0 = host_values(64 * 32, 0.01f), b0 = host_values(32, 0.1f),
                     x0 = host_values(8 * 64, 0.05f);
  auto run = [&](Device d, int steps) {
    array w(w0, {64, 32}), b(b0, {32}), x(x0, {8, 64});
    w = add(w, array(0.0f), d);
    b = add(b, array(0.0f), d);
    x = add(x, array(0.0f), d);
    auto vg = value_and_grad(
        [&](const std::vector<array>& p) { return loss(p, d); }, {0, 1});
    std::vector<std::vector<double>> losses;
    for (int i = 0; i < steps; ++i) {
      auto [l, g] = vg({w, b, x});
      w = subtract(w, multiply(g[0], array(0.01f), d), d);
      b = subtract(b, multiply(g[1], array(0.01f), d), d);
      eval({l, w, b});
      losses.push_back(to_vector(l));
    }
    losses.push_back(to_vector(w));
    return losses;
  };
  Counts before = Counts::now();
  auto got = run(kGpu, 6);
  auto want = run(kCpu, 6);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].size(), want[i].size());
    for (size_t j = 0; j < got[i].size(); ++j) {
      EXPECT_NEAR(got[i][j], want[i][j], 1e-3 * (1 + std::abs(want[i][j])))
          << "step " << i << " element " << j;
    }
  }
  EXPECT_EQ((Counts::now() - before).failed, 0);
}

TEST(GpuGraphs, ThreadsOnTheirOwnStreams) {
  REQUIRE_GRAPHS();
  GraphsOn on;
  array xh(host_values(64, 0.1f), {64});
  auto want = to_vector(chain(xh, 40, kCpu));
  std::vector<int> bad(3, 0);
  std::vector<std::thread> threads;
  Counts before = Counts::now();
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      Stream s = new_stream(kGpu);
      array x = add(xh, array(0.0f), s);
      for (int it = 0; it < 5; ++it) {
        array y = chain(x, 40, s);
        eval(y);
        auto v = to_vector(y);
        for (size_t i = 0; i < v.size(); ++i) {
          if (std::abs(v[i] - want[i]) > 1e-5 * (1 + std::abs(want[i]))) bad[t] += 1;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad, (std::vector<int>{0, 0, 0}));
  Counts d = Counts::now() - before;
  EXPECT_GT(d.launched, 0);
  EXPECT_EQ(d.failed, 0);
}

}  // namespace
}  // namespace ember
