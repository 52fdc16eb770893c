// Round trips and malformed-file handling of ember/io (.npy, .npz,
// .safetensors).
#include <gtest/gtest.h>

#include "test_utils.h"

using namespace ember;

TEST(IO, Smoke) {
  array a({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {2, 3});
  save("/tmp/ember_io_smoke.npy", a);
  array b = load_npy("/tmp/ember_io_smoke.npy");
  expect_values(b, {1, 2, 3, 4, 5, 6});
  savez("/tmp/ember_io_smoke", {{"a", a}, {"t", transpose(a)}});
  auto z = load_npz("/tmp/ember_io_smoke.npz");
  expect_values(z.at("t"), {1, 4, 2, 5, 3, 6});
  savez_compressed("/tmp/ember_io_smokec", {{"a", a}, {"t", transpose(a)}});
  auto zc = load_npz("/tmp/ember_io_smokec.npz");
  expect_values(zc.at("t"), {1, 4, 2, 5, 3, 6});
  save_safetensors("/tmp/ember_io_smoke", {{"a", a}, {"t", transpose(a)}},
                   {{"k", "v"}});
  auto st = load_safetensors("/tmp/ember_io_smoke.safetensors");
  expect_values(st.first.at("t"), {1, 4, 2, 5, 3, 6});
  EXPECT_EQ(st.second.at("k"), "v");
}
