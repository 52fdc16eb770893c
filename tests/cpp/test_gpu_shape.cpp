// GPU shape primitives against the CPU backend: views (broadcast, reshape,
// transpose, expand_dims, squeeze, split, diagonal, slice, view, as_strided)
// must share the input's device buffer and read back the same elements;
// copies (reshape of strided views, concatenate, flip, pad) must match the
// CPU for every dtype and input layout, empty arrays and 0-d arrays. Also
// stop_gradient and depends-style forwarding. Skipped without a GPU.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpu_test_utils.h"

namespace ember {
namespace {

using namespace gpu_test;

#define REQUIRE_GPU() \
  if (!have_gpu()) GTEST_SKIP() << "no GPU"

std::string ctx(const char* op, Dtype t, const char* layout) {
  return std::string(op) + " " + dtype_name(t) + " " + layout;
}

// (B, H, T, D) -> contiguous (B, T, H * D).
array merged_like(const array& v, Device dev, int d) {
  int b = v.shape(0), h = v.shape(1), t = v.shape(2);
  return reshape(transpose(v, {0, 2, 1, 3}, dev), {b, t, h * d}, dev);
}

// A GPU-resident copy of x (so that GPU views below view device data).
array on_gpu(const array& x) {
  array g = copy(x, kGpu);
  g.eval();
  return g;
}

TEST(GpuShape, ViewsShareTheBuffer) {
  REQUIRE_GPU();
  array x = on_gpu(random_array({4, 1, 6}, float32, 1));
  std::vector<array> views = {
      broadcast_to(x, {3, 4, 5, 6}, kGpu), reshape(x, {24}, kGpu),
      transpose(x, kGpu),                  expand_dims(x, {0, 2}, kGpu),
      squeeze(x, kGpu),                    diagonal(x, 0, 0, 2, kGpu),
      slice(x, {1, 0, 5}, {4, 1, -7}, {2, 1, -2}, kGpu),
      view(x, int32, kGpu),                as_strided(x, {3, 2}, {2, 5}, 1, kGpu),
      stop_gradient(x, kGpu),
  };
  for (auto& v : views) {
    v.eval();
    EXPECT_EQ(v.data_shared_ptr(), x.data_shared_ptr()) << shape_str(v.shape());
  }
  auto parts = split(x, 3, 2, kGpu);
  for (auto& p : parts) {
    p.eval();
    EXPECT_EQ(p.data_shared_ptr(), x.data_shared_ptr());
  }
}

TEST(GpuShape, ViewsEveryDtypeAndLayout) {
  REQUIRE_GPU();
  uint64_t seed = 10;
  for (Dtype t : all_dtypes()) {
    for (Layout l : all_layouts()) {
      array x = make_input({4, 6, 5}, t, l, seed++);
      auto check = [&](const char* op, auto fn) {
        expect_match(fn(kGpu), fn(kCpu), ctx(op, t, layout_name(l)));
      };
      check("broadcast_to", [&](StreamOrDevice s) {
        return broadcast_to(expand_dims(x, 1, s), {4, 3, 6, 5}, s);
      });
      check("reshape", [&](StreamOrDevice s) { return reshape(x, {6, 4, 5}, s); });
      check("reshape merge", [&](StreamOrDevice s) { return reshape(x, {24, 5}, s); });
      check("reshape flat", [&](StreamOrDevice s) { return reshape(x, {-1}, s); });
      check("transpose", [&](StreamOrDevice s) { return transpose(x, {2, 0, 1}, s); });
      check("expand_dims", [&](StreamOrDevice s) { return expand_dims(x, {0, 3}, s); });
      check("squeeze", [&](StreamOrDevice s) {
        return squeeze(expand_dims(x, 1, s), 1, s);
      });
      check("diagonal", [&](StreamOrDevice s) { return diagonal(x, 1, 0, 2, s); });
      check("diagonal neg", [&](StreamOrDevice s) { return diagonal(x, -2, 1, 2, s); });
      check("slice", [&](StreamOrDevice s) {
        return slice(x, {3, 1, 0}, {-5, 6, 5}, {-1, 2, 3}, s);
      });
      check("as_strided", [&](StreamOrDevice s) {
        return as_strided(x, {5, 4}, {3, 7}, 2, s);
      });
      check("stop_gradient", [&](StreamOrDevice s) { return stop_gradient(x, s); });
      auto pg = split(x, {1, 4}, 1, kGpu);
      auto pc = split(x, {1, 4}, 1, kCpu);
      ASSERT_EQ(pg.size(), pc.size());
      for (size_t i = 0; i < pg.size(); ++i) {
        expect_match(pg[i], pc[i], ctx("split", t, layout_name(l)));
      }
    }
  }
}

TEST(GpuShape, ViewDtypeReinterpretation) {
  REQUIRE_GPU();
  array x = random_array({6, 8}, float32, 3);
  for (Dtype t : {int32, uint32, uint8, int16, float16, uint64, float64, complex64}) {
    expect_match(view(x, t, kGpu), view(x, t, kCpu), ctx("view", t, "dense"));
    array xt = transpose(x, kCpu);
    expect_match(view(xt, t, kGpu), view(xt, t, kCpu), ctx("view", t, "transposed"));
    array xs = slice(x, {0, 0}, {6, 8}, {2, 1}, kCpu);
    expect_match(view(xs, t, kGpu), view(xs, t, kCpu), ctx("view", t, "strided"));
  }
}

TEST(GpuShape, CopiesEveryDtypeAndLayout) {
  REQUIRE_GPU();
  uint64_t seed = 200;
  for (Dtype t : all_dtypes()) {
    for (Layout l : all_layouts()) {
      array x = make_input({5, 4, 7}, t, l, seed++);
      array y = make_input({5, 3, 7}, t, Layout::dense, seed++);
      auto check = [&](const char* op, auto fn) {
        expect_match(fn(kGpu), fn(kCpu), ctx(op, t, layout_name(l)));
      };
      check("concatenate", [&](StreamOrDevice s) { return concatenate({x, y, x}, 1, s); });
      check("concatenate 0", [&](StreamOrDevice s) { return concatenate({x, x}, 0, s); });
      check("flip", [&](StreamOrDevice s) { return flip(x, {0, 2}, s); });
      check("flip all", [&](StreamOrDevice s) { return flip(x, s); });
      check("pad", [&](StreamOrDevice s) {
        return pad(x, {{1, 2}, {0, 3}, {2, 0}}, astype(array(2.0f), t, kCpu), "constant", s);
      });
      check("pad edge", [&](StreamOrDevice s) {
        return pad(x, {{1, 1}, {2, 2}, {0, 1}}, array(0), "edge", s);
      });
      check("transpose+reshape", [&](StreamOrDevice s) {
        return reshape(transpose(x, {2, 1, 0}, s), {7, 20}, s);
      });
    }
  }
}

TEST(GpuShape, MixedDtypeConcatenateEmptyAndScalar) {
  REQUIRE_GPU();
  array a = random_array({3, 4}, int32, 1, -9, 9);
  array b = random_array({3, 2}, float16, 2);
  array c = random_array({3, 0}, float32, 3);
  expect_match(concatenate({a, b, c}, 1, kGpu), concatenate({a, b, c}, 1, kCpu),
               "concatenate mixed dtypes");
  array e = random_array({0, 5}, float32, 4);
  expect_match(reshape(e, {5, 0}, kGpu), reshape(e, {5, 0}, kCpu), "reshape empty");
  expect_match(flip(e, kGpu), flip(e, kCpu), "flip empty");
  expect_match(pad(e, 1, array(7.0f), "constant", kGpu),
               pad(e, 1, array(7.0f), "constant", kCpu), "pad empty");
  expect_match(concatenate({e, e}, 0, kGpu), concatenate({e, e}, 0, kCpu),
               "concatenate empty");
  array s = array(2.5f);
  expect_match(reshape(s, {1, 1}, kGpu), reshape(s, {1, 1}, kCpu), "reshape 0-d");
  expect_match(broadcast_to(s, {3, 2}, kGpu), broadcast_to(s, {3, 2}, kCpu),
               "broadcast 0-d");
  expect_match(expand_dims(s, 0, kGpu), expand_dims(s, 0, kCpu), "expand 0-d");
}

TEST(GpuShape, LargeCopiesTakeTheFastPaths) {
  REQUIRE_GPU();
  // Multi-block transposes (tiles) and reshapes of strided views.
  for (Dtype t : {float32, float16, uint8, float64, complex64}) {
    array x = random_array({513, 1031}, t, 5);
    expect_match(reshape(transpose(x, kGpu), {-1}, kGpu),
                 reshape(transpose(x, kCpu), {-1}, kCpu), ctx("transpose", t, "large"));
    array y = random_array({7, 129, 65}, t, 6);
    expect_match(contiguous(transpose(y, {0, 2, 1}, kGpu), false, kGpu),
                 contiguous(transpose(y, {0, 2, 1}, kCpu), false, kCpu),
                 ctx("batched transpose", t, "large"));
    expect_match(flip(y, 2, kGpu), flip(y, 2, kCpu), ctx("flip", t, "large"));
    expect_match(pad(y, {{0, 0}, {3, 1}, {1, 5}}, array(1), "constant", kGpu),
                 pad(y, {{0, 0}, {3, 1}, {1, 5}}, array(1), "constant", kCpu),
                 ctx("pad", t, "large"));
  }
}

TEST(GpuShape, RowContiguousCopiesMoveWholeVectors) {
  REQUIRE_GPU();
  // (B, H, T, D) -> (B, T, H, D) and friends: rows contiguous on both sides
  // go as 16-byte words when rows, strides and pointers are aligned, and
  // element by element otherwise (odd rows, a start one element in).
  for (Dtype t : all_dtypes()) {
    for (int d : {64, 16, 24, 7}) {
      array x = random_array({3, 5, 37, d}, t, 11);
      auto merged = [&](const array& v, Device dev) {
        return reshape(transpose(v, {0, 2, 1, 3}, dev), {3, 37, 5 * d}, dev);
      };
      expect_match(merged(x, kGpu), merged(x, kCpu),
                   ctx("BHTD->BTHD", t, std::to_string(d).c_str()));
      // One element in: pointers no longer 16-byte aligned.
      int n = 3 * 5 * 36 * d;
      array y = reshape(slice(reshape(x, {-1}, kCpu), {1}, {1 + n}, kCpu),
                        {3, 5, 36, d}, kCpu);
      array yg = reshape(slice(reshape(on_gpu(x), {-1}, kGpu), {1}, {1 + n}, kGpu),
                         {3, 5, 36, d}, kGpu);
      expect_match(merged_like(yg, kGpu, d), merged_like(y, kCpu, d),
                   ctx("BHTD->BTHD offset by one", t, std::to_string(d).c_str()));
    }
  }
}

TEST(GpuShape, ManyDimensionsThatDoNotCollapse) {
  REQUIRE_GPU();
  // More strided dims than the kernels pass by value: split into launches.
  Shape shape(13, 2);
  shape[0] = 3;
  for (Dtype t : {float32, int8, complex64}) {
    array x = random_array(shape, t, 8);
    array tx = transpose(x, kCpu);  // all strides reversed
    expect_match(contiguous(tx, false, kGpu), contiguous(tx, false, kCpu),
                 ctx("contiguous", t, "13-d"));
    expect_match(flip(x, {0, 5, 12}, kGpu), flip(x, {0, 5, 12}, kCpu),
                 ctx("flip", t, "13-d"));
    expect_match(astype(tx, float16, kGpu), astype(tx, float16, kCpu),
                 ctx("astype", t, "13-d"));
  }
  array y = transpose(random_array(shape, float32, 9), kCpu);
  expect_match(exp(y, kGpu), exp(y, kCpu), "exp 13-d");
  array c = transpose(random_array(shape, bool_, 10), kCpu);
  expect_match(where(c, y, array(1.0f), kGpu), where(c, y, array(1.0f), kCpu),
               "where 13-d");
}

TEST(GpuShape, GpuViewsConsumedOnCpuAndGpu) {
  REQUIRE_GPU();
  array x = random_array({8, 9, 10}, float32, 7);
  array g = on_gpu(x);
  array tv = transpose(g, {1, 2, 0}, kGpu);            // a device view
  array sv = slice(tv, {8, 0, 1}, {-10, 10, 8}, {-2, 3, 2}, kGpu);
  array cpu_use = add(sv, array(1.0f), kCpu);          // device -> host
  array gpu_use = multiply(sv, sv, kGpu);              // view on the device
  array ref = slice(transpose(x, {1, 2, 0}, kCpu), {8, 0, 1}, {-10, 10, 8},
                    {-2, 3, 2}, kCpu);
  expect_match(cpu_use, add(ref, array(1.0f), kCpu), "view -> cpu");
  expect_match(gpu_use, multiply(ref, ref, kCpu), "view -> gpu");
  expect_match(reshape(sv, {-1}, kGpu), reshape(ref, {-1}, kCpu), "reshape of view");
}

}  // namespace
}  // namespace ember
