// Unified memory on the GPU: arrays move between host and device as ops on
// either device consume them, memory statistics and limits cover device
// memory, and a machine without a GPU reports it unavailable.
#include <gtest/gtest.h>

#include <thread>

#include "test_utils.h"

namespace ember {
namespace {

const Device kGpu(DeviceType::gpu);
const Device kCpu(DeviceType::cpu);

bool have_gpu() { return is_available(kGpu); }

std::vector<float> iota_values(size_t n, float scale = 1.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * float(i % 1000) - 3.0f;
  return v;
}

TEST(GpuCore, UnavailableGpuIsAClearError) {
  if (have_gpu()) GTEST_SKIP() << "a GPU is present";
  EXPECT_EQ(device_count(DeviceType::gpu), 0);
  auto a = array({1.0f, 2.0f});
  try {
    auto b = add(a, a, kGpu);
    b.eval();
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("gpu"), std::string::npos) << e.what();
  }
  EXPECT_THROW(set_default_device(kGpu), std::invalid_argument);
}

TEST(GpuCore, HostArrayConsumedOnGpuAndBack) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  size_t n = 1 << 20;
  auto v = iota_values(n);
  array a(v, {int(n)});
  auto b = multiply(a, array(2.0f), kGpu);       // host -> device
  auto c = add(b, array(1.0f), kCpu);             // device -> host
  auto d = subtract(c, b, kGpu);                  // mixed: both copies valid
  auto e = multiply(d, d, kCpu);
  eval({b, c, d, e});
  const float* pb = b.data<float>();
  const float* pc = c.data<float>();
  const float* pd = d.data<float>();
  const float* pe = e.data<float>();
  for (size_t i = 0; i < n; i += 997) {
    ASSERT_EQ(pb[i], 2.0f * v[i]);
    ASSERT_EQ(pc[i], 2.0f * v[i] + 1.0f);
    ASSERT_EQ(pd[i], 1.0f);
    ASSERT_EQ(pe[i], 1.0f);
  }
}

TEST(GpuCore, ViewsOfDeviceDataReadOnHost) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  auto v = iota_values(64);
  array a(v, {8, 8});
  auto b = add(a, array(0.5f), kGpu);
  auto t = transpose(b, kGpu);                 // a view of device data
  auto s = slice(t, {1, 2}, {7, 8}, {2, 3}, kGpu);
  auto h = add(s, array(0.0f), kCpu);
  auto tc = contiguous(t, false, kCpu);  // host copy of a device view
  eval({t, h, tc});
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 8; ++j) {
      EXPECT_EQ(detail::read_element<float>(tc, i * 8 + j), v[j * 8 + i] + 0.5f);
      // Reading the strided view itself also works.
      EXPECT_EQ(detail::read_element<float>(t, i * 8 + j), v[j * 8 + i] + 0.5f);
    }
  }
  auto hv = to_vector(h);
  size_t k = 0;
  for (int i = 1; i < 7; i += 2) {
    for (int j = 2; j < 8; j += 3) {
      EXPECT_EQ(hv[k++], v[j * 8 + i] + 0.5f);
    }
  }
}

TEST(GpuCore, TwoGpuStreamsShareArrays) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  auto s1 = new_stream(kGpu);
  auto s2 = new_stream(kGpu);
  size_t n = 1 << 22;
  array a(iota_values(n), {int(n)});
  auto b = multiply(a, array(3.0f), s1);
  auto c = add(b, b, s2);  // waits for s1's kernel through the event
  auto d = subtract(c, b, s1);
  eval({d});
  auto vd = to_vector(d);
  auto va = iota_values(n);
  for (size_t i = 0; i < n; i += 4099) ASSERT_EQ(float(vd[i]), 3.0f * va[i]);
  synchronize(s1);
  synchronize(s2);
}

TEST(GpuCore, ManyThreadsUseTheGpu) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &bad] {
      for (int it = 0; it < 50; ++it) {
        array a(iota_values(4096, float(t + 1)), {4096});
        auto b = add(multiply(a, a, kGpu), array(1.0f), kGpu);
        b.eval();
        auto r = b.data<float>();
        auto v = iota_values(4096, float(t + 1));
        for (int i = 0; i < 4096; i += 511) {
          if (r[i] != v[i] * v[i] + 1.0f) ++bad;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(GpuCore, DeviceMemoryIsCountedAndFreed) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  synchronize(kGpu);
  size_t before = get_active_memory();
  {
    size_t n = 16 << 20;
    auto a = full({int(n)}, 1.0f, float32, kGpu);
    a.eval();
    EXPECT_GE(get_active_memory(), before + n * 4);
  }
  synchronize(kGpu);
  EXPECT_LT(get_active_memory(), before + (1 << 20));
}

TEST(GpuCore, AllocatingPastTheLimitIsAClearError) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  size_t old = set_memory_limit(get_active_memory() + (size_t(256) << 20));
  try {
    auto a = full({1 << 28}, 1.0f, float32, kGpu);  // 1 GiB
    a.eval();
    set_memory_limit(old);
    FAIL() << "expected an out-of-memory error";
  } catch (const std::runtime_error& e) {
    set_memory_limit(old);
    EXPECT_NE(std::string(e.what()).find("memory limit"), std::string::npos)
        << e.what();
  }
  // Still usable afterwards.
  auto b = add(array({1.0f, 2.0f}), array(1.0f), kGpu);
  expect_values(b, {2.0, 3.0});
}

TEST(GpuCore, MoreThanTheCardHasIsAClearError) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  // 2^40 bytes: larger than any card; must fail cleanly, not hang.
  size_t old = set_memory_limit(size_t(1) << 50);
  try {
    auto a = zeros({1 << 30, 1 << 8}, float32, kGpu);
    a.eval();
    set_memory_limit(old);
    FAIL() << "expected an out-of-memory error";
  } catch (const std::runtime_error& e) {
    set_memory_limit(old);
    EXPECT_NE(std::string(e.what()).find("GPU memory"), std::string::npos)
        << e.what();
  }
}

TEST(GpuCore, EvalWaitsForKernels) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  // A long chain on the GPU; eval returns with results complete, and the
  // device copy is read back exactly once per array.
  auto x = full({1 << 20}, 1.0f, float32, kGpu);
  for (int i = 0; i < 200; ++i) x = add(x, array(1.0f), kGpu);
  x.eval();
  EXPECT_EQ(x.data<float>()[12345], 201.0f);
}

// Every new host scalar is copied once into the device constant cache; that
// copy must have landed before any stream reads the slot, also while the
// copy engines are busy with other transfers (Fast.RopeValues once read a
// stale offset under load when the fill was a plain pageable cudaMemcpy).
TEST(GpuCore, FreshConstantsAreReadCorrectlyUnderCopyLoad) {
  if (!have_gpu()) GTEST_SKIP() << "no GPU";
  std::atomic<bool> stop{false};
  std::thread busy([&stop] {
    auto s2 = new_stream(kGpu);
    std::vector<float> host(size_t(1) << 24, 1.0f);  // 64 MiB per transfer
    while (!stop.load()) {
      array big(host.data(), {int(host.size())}, float32);
      auto r = multiply(big, array(1.0f), s2);
      r.eval();
    }
  });
  auto x = zeros({256}, float32, kGpu);
  x.eval();
  int bad = 0;
  for (int i = 0; i < 3000 && bad == 0; ++i) {
    float c = 0.25f + float(i) * 1.5f;  // a value no earlier test used
    auto y = add(x, array(c), kGpu);
    y.eval();
    auto r = y.data<float>();
    for (int j = 0; j < 256; j += 37) bad += r[j] != c;
  }
  stop = true;
  busy.join();
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace ember
