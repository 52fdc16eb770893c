// Core engine: arrays, dtypes, graph evaluation, streams, memory.
#include <gtest/gtest.h>

#include <thread>

#include "ember/ember.h"
#include "test_utils.h"

using namespace ember;

TEST(Core, ScalarAndShape) {
  array a(3.5f);
  EXPECT_EQ(a.ndim(), 0);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(a.dtype(), float32);
  EXPECT_FLOAT_EQ(a.item<float>(), 3.5f);
  array b({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(b.shape(), (Shape{2, 3}));
  EXPECT_EQ(b.dtype(), int32);
  EXPECT_EQ(b.strides(), (Strides{3, 1}));
  EXPECT_EQ(b.nbytes(), 24u);
  EXPECT_THROW(array({1, 2, 3}, {2, 2}), std::invalid_argument);
}

TEST(Core, PromotionTable) {
  EXPECT_EQ(promote_types(uint64, int8), float32);
  EXPECT_EQ(promote_types(float16, bfloat16), float32);
  EXPECT_EQ(promote_types(int64, float16), float16);
  EXPECT_EQ(promote_types(float64, complex64), complex64);
  EXPECT_EQ(promote_types(uint8, int8), int16);
  EXPECT_EQ(promote_types(bool_, bool_), bool_);
  EXPECT_EQ(promote_types(uint32, int32), int64);
  EXPECT_TRUE(issubdtype(int8, DtypeCategory::integer));
  EXPECT_FALSE(issubdtype(bool_, DtypeCategory::number));
  EXPECT_TRUE(issubdtype(complex64, DtypeCategory::inexact));
}

TEST(Core, HalfConversions) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 1e-7f, 3.14159f}) {
    float16_t h(v);
    EXPECT_NEAR(float(h), v, std::abs(v) * 1e-3 + 1e-7);
    bfloat16_t b(v);
    EXPECT_NEAR(float(b), v, std::abs(v) * 1e-2 + 1e-7);
  }
  EXPECT_TRUE(std::isinf(float(float16_t(1e6f))));
  EXPECT_TRUE(std::isnan(float(bfloat16_t(NAN))));
}

TEST(Core, LazyAddAndEval) {
  array a({1.0f, 2.0f, 3.0f});
  array b({10.0f, 20.0f, 30.0f});
  array c = a + b;
  EXPECT_FALSE(c.is_available());
  eval(c);
  EXPECT_TRUE(c.is_available());
  EXPECT_FALSE(c.has_primitive());  // graph released
  expect_values(c, {11.0, 22.0, 33.0});
}

TEST(Core, SharedSubgraphEvaluatesOnce) {
  array a({1.0f, 2.0f});
  array b = exp(a);
  array c = b + b;
  array d = c * b;
  eval(d);
  auto e0 = std::exp(1.0), e1 = std::exp(2.0);
  expect_values(d, {2 * e0 * e0, 2 * e1 * e1}, 1e-5);
}

TEST(Core, DeepGraphNoRecursionProblems) {
  array x(0.0f);
  for (int i = 0; i < 200000; ++i) x = x + 1.0f;
  EXPECT_FLOAT_EQ(x.item<float>(), 200000.0f);
  // Unevaluated deep graphs are destroyed without overflowing the stack.
  array y(0.0f);
  for (int i = 0; i < 200000; ++i) y = y + 1.0f;
}

TEST(Core, BroadcastingBinary) {
  array a({1.0f, 2.0f, 3.0f}, {3, 1});
  array b({10.0f, 20.0f}, {1, 2});
  array c = a * b;
  EXPECT_EQ(c.shape(), (Shape{3, 2}));
  expect_values(c, {10, 20, 20, 40, 30, 60});
  EXPECT_THROW(add(array({1, 2, 3}), array({1, 2})), std::invalid_argument);
}

TEST(Core, PromotionInOps) {
  array a({1, 2}, int32);
  array b({0.5f, 0.25f});
  auto c = a + b;
  EXPECT_EQ(c.dtype(), float32);
  auto d = divide(array({1, 2}), array({2, 4}));
  EXPECT_EQ(d.dtype(), float32);
  expect_values(d, {0.5, 0.5});
}

TEST(Core, AsTypeAllPairs) {
  std::vector<Dtype> all = {bool_,   uint8,   uint16,  uint32, uint64,
                            int8,    int16,   int32,   int64,  float16,
                            float32, float64, bfloat16, complex64};
  array base({0.0f, 1.0f, 2.0f, 7.0f}, {2, 2});
  for (auto from : all) {
    for (auto to : all) {
      array x = astype(astype(base, from), to);
      std::vector<double> expect = {0, 1, 2, 7};
      if (from == bool_ || to == bool_) expect = {0, 1, 1, 1};
      expect_values(x, expect);
      EXPECT_EQ(x.dtype(), to);
    }
  }
}

TEST(Core, ErrorsRethrownToCaller) {
  array z = zeros_for_test({1 << 22});
  array big = z + 1.0f;
  clear_cache();
  auto limit = set_memory_limit(get_active_memory() + (1 << 20));
  EXPECT_THROW(eval(big), std::runtime_error);
  set_memory_limit(limit);
  // The process stays usable.
  array ok = array({1.0f}) + 1.0f;
  expect_values(ok, {2.0});
}

TEST(Core, StreamsAndCrossStreamDependencies) {
  Stream s2 = new_stream(Device::cpu);
  array a({1.0f, 2.0f});
  array b = add(a, a, s2);
  array c = multiply(b, b);  // default stream waits on s2
  expect_values(c, {4.0, 16.0});
  synchronize(s2);
  synchronize();
}

TEST(Core, AsyncEval) {
  array a({1.0f, 2.0f});
  array b = exp(a);
  async_eval({b});
  expect_values(b, {std::exp(1.0), std::exp(2.0)}, 1e-6);
}

TEST(Core, MemoryStats) {
  clear_cache();
  reset_peak_memory();
  size_t before = get_active_memory();
  {
    array a = zeros_for_test({1 << 20});
    a.eval();
    EXPECT_GE(get_active_memory(), before + (4u << 20));
  }
  EXPECT_GE(get_peak_memory(), before + (4u << 20));
  EXPECT_GT(get_cache_memory(), 0u);
  clear_cache();
  EXPECT_EQ(get_cache_memory(), 0u);
  size_t prev = set_cache_limit(0);
  set_cache_limit(prev);
  EXPECT_EQ(set_wired_limit(0), 0u);
}

TEST(Core, DonationReusesBuffer) {
  array a = zeros_for_test({1 << 16});
  a.eval();
  void* p = a.data<float>();
  array b = exp(a);
  a = array(0.0f);  // drop the only reference
  b.eval();
  EXPECT_EQ(b.data<float>(), p);
}

TEST(Core, ConcurrentEvalFromThreads) {
  std::vector<std::thread> ts;
  std::vector<float> results(4);
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([t, &results] {
      array x(static_cast<float>(t));
      for (int i = 0; i < 1000; ++i) x = x + 1.0f;
      results[t] = x.item<float>();
    });
  }
  for (auto& th : ts) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_FLOAT_EQ(results[t], t + 1000.0f);
}
