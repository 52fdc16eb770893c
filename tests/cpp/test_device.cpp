// Devices and streams; behaviour of the gpu device where it is missing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "ember/ember.h"
#include "test_utils.h"

using namespace ember;

TEST(Device, CpuAlwaysAvailable) {
  EXPECT_TRUE(is_available(Device::cpu));
  EXPECT_EQ(device_count(Device::cpu), 1);
  EXPECT_EQ(default_stream(Device::cpu).device, Device(Device::cpu));
}

TEST(Device, GpuUnavailableGivesClearError) {
  if (is_available(Device::gpu)) GTEST_SKIP() << "a GPU is present";
  EXPECT_EQ(device_count(Device::gpu), 0);
  EXPECT_EQ(default_device(), Device(Device::cpu));
  EXPECT_THROW(set_default_device(Device::gpu), std::invalid_argument);
  array a({1.0f, 2.0f});
  try {
    add(a, a, Device::gpu);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("gpu"), std::string::npos);
  }
}

// Whatever the default device (cpu, or gpu with EMBER_DEFAULT_DEVICE=gpu).
TEST(Device, StreamContextRestores) {
  Device dev = default_device();
  Stream cpu_default = default_stream(Device::cpu);
  Stream s = new_stream(Device::cpu);
  {
    StreamContext ctx(s);
    EXPECT_EQ(default_device(), Device(Device::cpu));
    EXPECT_EQ(default_stream(Device::cpu), s);
    array b = array({1.0f}) + 1.0f;
    expect_values(b, {2.0});
  }
  EXPECT_NE(default_stream(Device::cpu), s);
  EXPECT_EQ(default_stream(Device::cpu), cpu_default);
  EXPECT_EQ(default_device(), dev);
  if (is_available(Device::gpu)) {
    // The other way round: a gpu context restores the gpu default stream.
    Stream gpu_default = default_stream(Device::gpu);
    Stream g = new_stream(Device::gpu);
    {
      StreamContext ctx(g);
      EXPECT_EQ(default_device(), Device(Device::gpu));
      EXPECT_EQ(default_stream(Device::gpu), g);
    }
    EXPECT_EQ(default_stream(Device::gpu), gpu_default);
    EXPECT_EQ(default_stream(Device::cpu), cpu_default);
    EXPECT_EQ(default_device(), dev);
  }
}

TEST(Device, GpuPresentRunsOrReportsMissingKernels) {
  if (!is_available(Device::gpu)) GTEST_SKIP() << "no GPU on this machine";
  EXPECT_GE(device_count(Device::gpu), 1);
  // The gpu is the default when present, unless EMBER_DEFAULT_DEVICE=cpu.
  const char* env = std::getenv("EMBER_DEFAULT_DEVICE");
  bool gpu_default = !(env && std::string(env) == "cpu");
  EXPECT_EQ(default_device(), Device(gpu_default ? Device::gpu : Device::cpu));
  array a({1.0f, 2.0f});
  array b = add(a, a, Device::gpu);
  // Either a kernel runs or eval reports the missing kernel clearly.
  try {
    eval(b);
    expect_values(b, {2.0, 4.0});
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("[Add]"), std::string::npos) << e.what();
  }
  // The process stays usable on the cpu afterwards.
  expect_values(add(a, a, Device::cpu), {2.0, 4.0});
}
