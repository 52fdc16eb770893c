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
