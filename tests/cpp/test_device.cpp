// Devices and streams; behaviour of the gpu device where it is missing.
#include <gtest/gtest.h>

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

TEST(Device, StreamContextRestores) {
  Stream s = new_stream(Device::cpu);
  {
    StreamContext ctx(s);
    EXPECT_EQ(default_stream(Device::cpu), s);
    array b = array({1.0f}) + 1.0f;
    expect_values(b, {2.0});
  }
  EXPECT_NE(default_stream(Device::cpu), s);
}

TEST(Device, GpuPresentRunsOrReportsMissingKernels) {
  if (!is_available(Device::gpu)) GTEST_SKIP() << "no GPU on this machine";
  EXPECT_GE(device_count(Device::gpu), 1);
  // Default stays cpu until the backend is complete (TODO(#6)).
  EXPECT_EQ(default_device(), Device(Device::cpu));
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
  expect_values(add(a, a), {2.0, 4.0});
}
