// where and clip: values, dtypes, broadcasting, layouts, errors,
// derivatives and vmap.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ember/ember.h"
#include "ember/ops/indexing.h"
#include "test_utils.h"

using namespace ember;

namespace {
}

TEST(Ternary, WhereBasic) {
  array c({true, false, true});
  array x({1.0f, 2.0f, 3.0f}), y({10.0f, 20.0f, 30.0f});
  array r = where(c, x, y);
  EXPECT_EQ(r.dtype(), float32);
  expect_values(r, {1, 20, 3});
  // Condition cast to bool; promotion of x and y.
  array r2 = where(array({0, 2}, int32), array({1, 2}, int8), array({1.5, 2.5}, float16));
  EXPECT_EQ(r2.dtype(), float16);
  expect_values(r2, {1.5, 2});
  EXPECT_EQ(where(c, array({1}, uint8), array({1}, int8)).dtype(), int16);
  // Broadcasting of all three operands.
  array cb({true, false}, {2, 1});
  array rb = where(cb, array({1, 2, 3}), array(0));
  EXPECT_EQ(rb.shape(), (Shape{2, 3}));
  expect_values(rb, {1, 2, 3, 0, 0, 0});
  // 0-d and empty.
  EXPECT_EQ(where(array(true), array(1.0f), array(2.0f)).item<float>(), 1.0f);
  array e = where(zeros_for_test({0, 2}, bool_), zeros_for_test({1, 2}),
                  zeros_for_test({0, 1}));
  EXPECT_EQ(e.shape(), (Shape{0, 2}));
  EXPECT_EQ(to_vector(e).size(), 0u);
  EXPECT_THROW(where(c, array({1, 2}), y), std::invalid_argument);
}

TEST(Ternary, WhereAllDtypes) {
  for (Dtype t : {bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
                  float16, float32, float64, bfloat16, complex64}) {
    SCOPED_TRACE(dtype_name(t));
    array x({1.0, 0.0, 1.0, 3.0}, {4}, t), y({0.0, 1.0, 0.0, 2.0}, {4}, t);
    array r = where(array({true, true, false, false}), x, y);
    EXPECT_EQ(r.dtype(), t);
    if (t == bool_) {
      expect_values(r, {1, 0, 0, 1});
    } else {
      expect_values(r, {1, 0, 0, 2});
    }
  }
}

TEST(Ternary, WhereLayouts) {
  std::vector<float> xv(12), yv(12);
  std::vector<bool> cv(12);
  for (int i = 0; i < 12; ++i) {
    xv[i] = float(i);
    yv[i] = float(-i);
    cv[i] = (i * 7) % 3 == 0;
  }
  array x(xv, {3, 4}), y(yv, {4, 3}), c(cv, {3, 4});
  // Transposed y, sliced condition.
  array r = where(c, x, transpose(y));
  std::vector<double> e;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      e.push_back(cv[i * 4 + j] ? xv[i * 4 + j] : yv[j * 3 + i]);
  expect_values(r, e);
  array cs = slice(c, Shape{0, 0}, Shape{3, 4}, Shape{1, 2});
  array r2 = where(cs, slice(x, Shape{0, 1}, Shape{3, 4}, Shape{1, 2}), array(-100.0f));
  std::vector<double> e2;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      e2.push_back(cv[i * 4 + 2 * j] ? xv[i * 4 + 1 + 2 * j] : -100.0);
  expect_values(r2, e2);
  // All transposed together: the flat path keeps their layout.
  array rt = where(transpose(c), transpose(x), y);
  std::vector<double> et;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 3; ++i)
      et.push_back(cv[i * 4 + j] ? xv[i * 4 + j] : yv[j * 3 + i]);
  expect_values(rt, et);
  // Large, split across threads.
  int n = 1 << 18;
  std::vector<float> big(n);
  for (int i = 0; i < n; ++i) big[i] = float(i % 101) - 50;
  array b(big, {n});
  array rbig = where(b > 0, b, array(0.0f));
  rbig.eval();
  for (int i = 0; i < n; i += 999) {
    EXPECT_EQ(rbig.data<float>()[i], std::max(big[i], 0.0f));
  }
}

TEST(Ternary, Clip) {
  array a({-3.0f, 0.5f, 2.0f, 7.0f, float(kNaN)});
  expect_values(clip(a, array(0.0f), array(2.0f)), {0, 0.5, 2, 2, kNaN});
  expect_values(clip(a, std::nullopt, array(1.0f)), {-3, 0.5, 1, 1, kNaN});
  expect_values(clip(a, array(1.0f), std::nullopt), {1, 1, 2, 7, kNaN});
  // Array bounds broadcast.
  array m({1, 5, 9, 2}, {2, 2});
  array r = clip(m, array({2, 3}), array({4, 8}));
  EXPECT_EQ(r.dtype(), int32);
  expect_values(r, {2, 5, 4, 3});
  EXPECT_EQ(clip(array({1, 2}, int8), array(0, int8), array(1, int8)).dtype(), int8);
  EXPECT_EQ(clip(array({1.0f}, float16), array(0.0f, float16), std::nullopt).dtype(),
            float16);
  EXPECT_THROW(clip(a, std::nullopt, std::nullopt), std::invalid_argument);
}

TEST(Ternary, Gradients) {
  array c({true, false, true});
  array x({1.0, 2.0, 3.0}, float64), y({4.0, 5.0, 6.0}, float64);
  auto f = [&](const std::vector<array>& xs) {
    return std::vector<array>{where(c, xs[0], xs[1])};
  };
  auto [o, g] = vjp(f, {x, y}, {array({1.0, 2.0, 3.0}, float64)});
  expect_values(g[0], {1, 0, 3});
  expect_values(g[1], {0, 2, 0});
  auto [o2, t] = jvp(f, {x, y}, {array({1.0, 1.0, 1.0}, float64),
                                 array({-1.0, -1.0, -1.0}, float64)});
  expect_values(t[0], {1, -1, 1});
  // clip: gradient passes inside the bounds only.
  auto cf = [](const array& a) { return clip(a, array(0.0f), array(1.0f)); };
  auto [o3, gc] = vjp(cf, array({-1.0f, 0.5f, 2.0f}), array({1.0f, 1.0f, 1.0f}));
  expect_values(gc, {0, 1, 0});
}

TEST(Ternary, Vmap) {
  array c({true, false, false, true}, {2, 2});
  array x({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2});
  array y({10.0f, 20.0f});
  auto f = vmap(
      [](const std::vector<array>& xs) {
        return std::vector<array>{where(xs[0], xs[1], xs[2])};
      },
      {1, 0, std::nullopt}, {0});
  // batch k: where(c[:, k], x[k, :], y)
  auto r = f({c, x, y});
  EXPECT_EQ(r[0].shape(), (Shape{2, 2}));
  expect_values(r[0], {1, 20, 10, 4});
}
