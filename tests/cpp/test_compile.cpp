// compile: results equal to the eager function (double references), cache
// hits and re-traces, shapeless replay, graph simplification (CSE, equal
// scalar constants, dead nodes), compile modes, and composition with grad,
// vjp, jvp and vmap in both orders.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "ember/ember.h"
#include "compile_test_utils.h"
#include "test_utils.h"

using namespace ember;
using namespace ember::compile_test;

namespace {

using VFn = std::function<std::vector<array>(const std::vector<array>&)>;



}  // namespace

TEST(Compile, MatchesEagerOnRandomInputs) {
  ModeGuard g;
  enable_compile();
  int traces = 0;
  VFn f = [&](const std::vector<array>& in) {
    ++traces;
    auto& x = in[0];
    auto& y = in[1];
    return std::vector<array>{exp(x) * y + sin(x * y) - x / 2.0f,
                              sum(x * x, /*axis=*/1)};
  };
  auto cf = compile(f);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    auto xv = values(12, -1.5, 1.5, seed);
    auto yv = values(12, -2.0, 2.0, seed + 10);
    auto outs = cf({vec(xv, {3, 4}), vec(yv, {3, 4})});
    ASSERT_EQ(outs.size(), 2u);
    std::vector<double> e0(12), e1(3, 0.0);
    for (int i = 0; i < 12; ++i) {
      e0[i] = std::exp(xv[i]) * yv[i] + std::sin(xv[i] * yv[i]) - xv[i] / 2;
      e1[i / 4] += xv[i] * xv[i];
    }
    EXPECT_EQ(outs[0].shape(), (Shape{3, 4}));
    expect_values(outs[0], e0, 1e-5);
    expect_values(outs[1], e1, 1e-5);
  }
  EXPECT_EQ(traces, 1);
}

TEST(Compile, ResultsAreLazy) {
  auto cf = compile([](const std::vector<array>& in) {
    return std::vector<array>{exp(in[0])};
  });
  array x({0.0f, 1.0f});
  cf({x})[0].eval();  // first call traces
  auto out = cf({x})[0];
  EXPECT_TRUE(out.has_primitive());
  EXPECT_EQ(out.status(), Status::unscheduled);
  expect_values(out, {1.0, std::exp(1.0)}, 1e-6);
}

TEST(Compile, CacheHitAndRetrace) {
  ModeGuard g;
  enable_compile();
  int traces = 0;
  auto cache = std::make_shared<detail::CompiledFunction>();
  VFn f = [&](const std::vector<array>& in) {
    ++traces;
    array acc = in[0];
    for (size_t i = 1; i < in.size(); ++i) acc = acc + in[i];
    return std::vector<array>{acc * 3.0f};
  };
  array a({1.0f, 2.0f}), b({3.0f, 4.0f});
  expect_values((*cache)(f, {a, b})[0], {12, 18});
  expect_values((*cache)(f, {b, a})[0], {12, 18});
  EXPECT_EQ(traces, 1);
  // New shape, new dtype, new input count, new key: each traces once.
  expect_values(
      (*cache)(f, {array({1.0f, 2.0f, 3.0f}), array({1.0f, 1.0f, 1.0f})})[0],
      {6, 9, 12});
  EXPECT_EQ(traces, 2);
  expect_values((*cache)(f, {array({1, 2}), array({3, 4})})[0], {12, 18});
  EXPECT_EQ(traces, 3);
  expect_values((*cache)(f, {a, b, a})[0], {15, 24});
  EXPECT_EQ(traces, 4);
  expect_values((*cache)(f, {a, b}, "other")[0], {12, 18});
  EXPECT_EQ(traces, 5);
  // Every one of them is cached now.
  (*cache)(f, {array({1, 2}), array({3, 4})});
  (*cache)(f, {a, b, a});
  (*cache)(f, {a, b});
  EXPECT_EQ(traces, 5);
  EXPECT_EQ(cache->num_traces(), 5u);
  EXPECT_EQ(cache->entries().size(), 5u);
  cache->clear();
  (*cache)(f, {a, b});
  EXPECT_EQ(traces, 6);
}

TEST(Compile, IntegerAndBoolDtypes) {
  auto cf = compile([](const std::vector<array>& in) {
    return std::vector<array>{(in[0] * in[1]) % 7, logical_not(in[2])};
  });
  array a({5, -3, 12}, Shape{3}, int32), b({4, 9, -2}, Shape{3}, int32);
  array c({true, false, true}, Shape{3}, bool_);
  auto outs = cf({a, b, c});
  // Python-style (floored) remainder.
  expect_values(outs[0], {6, 1, 4});
  expect_values(outs[1], {0, 1, 0});
  EXPECT_EQ(outs[0].dtype(), int32);
  EXPECT_EQ(outs[1].dtype(), bool_);
}

TEST(Compile, ScalarEmptyBroadcastAndViews) {
  auto cf = compile([](const std::vector<array>& in) {
    return std::vector<array>{in[0] * in[1] + 1.0f};
  });
  // Scalar with a row (broadcast inside the function).
  expect_values(cf({array(2.0f), array({1.0f, 2.0f, 3.0f})})[0], {3, 5, 7});
  // Empty.
  auto e = cf({zeros_for_test({0, 3}), zeros_for_test({0, 3})})[0];
  EXPECT_EQ(e.shape(), (Shape{0, 3}));
  EXPECT_EQ(to_vector(e).size(), 0u);
  // Non-contiguous inputs: a transposed view and a broadcast view.
  auto xv = values(6, -1, 1, 4);
  array x = transpose(vec(xv, {2, 3}));
  array y = broadcast_to(array({1.0f, 2.0f}), {3, 2});
  std::vector<double> expect(6);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) expect[i * 2 + j] = xv[j * 3 + i] * (j + 1) + 1;
  }
  expect_values(cf({x, y})[0], expect, 1e-6);
}

TEST(Compile, IdentityAndConstantOutputs) {
  array c({7.0f, 8.0f});
  int traces = 0;
  auto cf = compile([&](const std::vector<array>& in) {
    ++traces;
    return std::vector<array>{in[0], c, in[0] + c};
  });
  array x({1.0f, 2.0f});
  for (int k = 0; k < 2; ++k) {
    auto outs = cf({x});
    EXPECT_EQ(outs[0].id(), x.id());
    expect_values(outs[1], {7, 8});
    expect_values(outs[2], {8, 10});
  }
  EXPECT_EQ(traces, 1);
}

TEST(Compile, MultiOutputPrimitives) {
  auto cf = compile([](const std::vector<array>& in) {
    auto dm = divmod(in[0], in[1]);
    auto parts = split(in[0], 2, 0);
    return std::vector<array>{dm[0], dm[1], parts[1]};
  });
  array a({7.0f, -7.0f, 9.0f, 4.5f}), b({2.0f, 2.0f, -4.0f, 1.0f});
  for (int k = 0; k < 2; ++k) {
    auto outs = cf({a, b});
    expect_values(outs[0], {3, -4, -3, 4});
    expect_values(outs[1], {1, 1, -3, 0.5});
    expect_values(outs[2], {9, 4.5});
  }
}

TEST(Compile, CseMergesDuplicates) {
  ModeGuard g;
  auto body = [](const std::vector<array>& in) {
    const array& x = in[0];
    // Two separate literals 2 (equal scalar constants), two exp(x).
    array a = x * array(2.0f) + exp(x);
    array b = x * array(2.0f) + exp(x);
    return std::vector<array>{a * b};
  };
  array x({0.5f, -1.0f, 2.0f});
  std::vector<double> expect;
  for (double v : {0.5, -1.0, 2.0})
    expect.push_back(std::pow(2 * v + std::exp(v), 2));

  set_compile_mode(CompileMode::no_simplify);
  detail::CompiledFunction raw;
  expect_values(raw(body, {x})[0], expect, 1e-5);
  auto raw_nodes = raw.entries().at(0).nodes;
  EXPECT_EQ(raw_nodes.size(),
            9u);  // 2 x (Broadcast, Multiply, Exp, Add), Multiply
  EXPECT_EQ(raw.entries()[0].num_constants, 2u);

  // Simplification without fusion (test_compile_fusion.cpp covers fusion).
  set_compile_mode(CompileMode::no_fuse);
  detail::CompiledFunction simple;
  expect_values(simple(body, {x})[0], expect, 1e-5);
  auto info = simple.entries().at(0);
  EXPECT_EQ(info.nodes.size(), 5u);  // Broadcast, Multiply, Exp, Add, Multiply
  EXPECT_EQ(count(info.nodes, "Exp"), 1u);
  EXPECT_EQ(count(info.nodes, "Broadcast"), 1u);
  EXPECT_EQ(count(info.nodes, "Multiply"), 2u);
  EXPECT_EQ(info.num_constants, 1u);
  expect_values(simple(body, {x})[0], expect, 1e-5);  // replay
}

TEST(Compile, CseKeepsDifferentParameters) {
  ModeGuard g;
  set_compile_mode(CompileMode::no_fuse);
  auto body = [](const std::vector<array>& in) {
    // Same primitive type, different parameters / inputs: nothing to merge.
    return std::vector<array>{sum(in[0], 0) + sum(in[0], 1),
                              exp(in[0]) + exp(in[1])};
  };
  detail::CompiledFunction cf;
  auto xv = values(4, -1, 1, 2), yv = values(4, -1, 1, 3);
  auto outs = cf(body, {vec(xv, {2, 2}), vec(yv, {2, 2})});
  expect_values(outs[0],
                {xv[0] + xv[2] + xv[0] + xv[1], xv[1] + xv[3] + xv[2] + xv[3]},
                1e-6);
  std::vector<double> e1;
  for (int i = 0; i < 4; ++i) e1.push_back(std::exp(xv[i]) + std::exp(yv[i]));
  expect_values(outs[1], e1, 1e-6);
  auto nodes = cf.entries().at(0).nodes;
  EXPECT_EQ(count(nodes, "Reduce"), 2u);
  EXPECT_EQ(count(nodes, "Exp"), 2u);
}

TEST(Compile, DeadNodesRemoved) {
  ModeGuard g;
  set_compile_mode(CompileMode::no_fuse);
  detail::CompiledFunction cf;
  auto body = [](const std::vector<array>& in) {
    array unused = exp(in[0]) * 3.0f;  // never returned
    (void)unused;
    // The two sin(x) merge; the first one's consumers become dead.
    array s1 = sin(in[0]);
    array s2 = sin(in[0]);
    return std::vector<array>{s1 + s2};
  };
  expect_values(cf(body, {array({0.5f})})[0], {2 * std::sin(0.5)}, 1e-6);
  auto nodes = cf.entries().at(0).nodes;
  EXPECT_EQ(nodes, (std::vector<std::string>{"Sin", "Add"}));
}

TEST(Compile, ClosureArraysAreConstants) {
  array w({1.0f, 2.0f});
  array lazy_w = w * 10.0f;  // unevaluated closure graph: a single constant
  int traces = 0;
  auto cf = compile([&](const std::vector<array>& in) {
    ++traces;
    return std::vector<array>{in[0] * lazy_w};
  });
  expect_values(cf({array({1.0f, 1.0f})})[0], {10, 20});
  expect_values(cf({array({2.0f, 3.0f})})[0], {20, 60});
  EXPECT_EQ(traces, 1);
  detail::CompiledFunction c2;
  c2(
      [&](const std::vector<array>& in) {
        return std::vector<array>{in[0] * lazy_w};
      },
      {array({1.0f, 1.0f})});
  EXPECT_EQ(c2.entries().at(0).nodes, (std::vector<std::string>{"Multiply"}));
  EXPECT_EQ(c2.entries().at(0).num_constants, 1u);
}

TEST(Compile, DisabledRunsEagerly) {
  ModeGuard g;
  int calls = 0;
  auto cf = compile([&](const std::vector<array>& in) {
    ++calls;
    return std::vector<array>{in[0] + 1.0f};
  });
  disable_compile();
  EXPECT_EQ(compile_mode(), CompileMode::disabled);
  array x({1.0f});
  expect_values(cf({x})[0], {2});
  expect_values(cf({x})[0], {2});
  EXPECT_EQ(calls, 2);
  enable_compile();
  expect_values(cf({x})[0], {2});
  expect_values(cf({x})[0], {2});
  EXPECT_EQ(calls, 3);
  set_compile_mode(CompileMode::no_fuse);
  detail::CompiledFunction c;
  expect_values(c(
                    [](const std::vector<array>& in) {
                      return std::vector<array>{in[0] * 2.0f};
                    },
                    {x})[0],
                {2});
}

TEST(Compile, EvalInsideTraceRaises) {
  auto cf = compile([](const std::vector<array>& in) {
    float v = (in[0] * 2.0f).item<float>();
    return std::vector<array>{in[0] + v};
  });
  try {
    cf({array(1.0f)});
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[compile]"), std::string::npos)
        << e.what();
  }
  // Arrays that don't depend on the inputs can be evaluated while tracing.
  array c({3.0f});
  auto ok = compile([&](const std::vector<array>& in) {
    float v = (c * 2.0f).item<float>();
    return std::vector<array>{in[0] + v};
  });
  expect_values(ok({array({1.0f})})[0], {7});
}

TEST(Compile, ShapelessReusesTrace) {
  int traces = 0;
  auto cf = compile(
      [&](const std::vector<array>& in) {
        ++traces;
        // Scalar literals are broadcast at trace time; shapeless replay
        // re-broadcasts them to the new shapes.
        array x = in[0];
        return std::vector<array>{
            x * 0.5f * (1.0f + erf(x / 1.4142135f)) + in[1], sum(x * x, -1)};
      },
      /*shapeless=*/true);
  auto check = [&](int rows, int cols, uint32_t seed) {
    auto xv = values(rows * cols, -2, 2, seed);
    auto bv = values(cols, -1, 1, seed + 1);
    auto outs = cf({vec(xv, {rows, cols}), vec(bv, {cols})});
    std::vector<double> e0, e1(rows, 0.0);
    for (int i = 0; i < rows * cols; ++i) {
      double v = xv[i];
      e0.push_back(v * 0.5 * (1 + std::erf(v / std::sqrt(2.0))) + bv[i % cols]);
      e1[i / cols] += v * v;
    }
    EXPECT_EQ(outs[0].shape(), (Shape{rows, cols}));
    EXPECT_EQ(outs[1].shape(), (Shape{rows}));
    expect_values(outs[0], e0, 1e-5);
    expect_values(outs[1], e1, 1e-5);
  };
  check(2, 3, 1);
  check(4, 5, 2);
  check(1, 1, 3);
  check(0, 2, 4);
  EXPECT_EQ(traces, 1);
  // ndim and dtype changes still retrace.
  cf({vec({1, 2}, {2}), vec({1, 2}, {2})});
  EXPECT_EQ(traces, 2);
  cf({vec({1, 2}, {1, 2}, float16), vec({1, 2}, {2}, float16)});
  EXPECT_EQ(traces, 3);
}

TEST(Compile, ShapelessErrors) {
  // Splitting an axis into a fixed shape can't follow a new input size.
  auto cf = compile(
      [](const std::vector<array>& in) {
        return std::vector<array>{reshape(in[0], {2, in[0].shape(0) / 2})};
      },
      true);
  expect_values(cf({vec({1, 2, 3, 4}, {4})})[0], {1, 2, 3, 4});
  try {
    cf({vec({1, 2, 3, 4, 5, 6}, {6})});
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("[compile]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Reshape"), std::string::npos) << msg;
  }
  // A primitive without a shapeless shape rule is named in the error.
  auto pf = compile(
      [](const std::vector<array>& in) {
        return std::vector<array>{pad(in[0], 1)};
      },
      true);
  expect_values(pf({vec({5}, {1})})[0], {0, 5, 0});
  try {
    pf({vec({5, 6}, {2})});
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Pad"), std::string::npos) << e.what();
  }
  // A broadcast to a fixed shape that the new input doesn't fit.
  auto bf = compile(
      [](const std::vector<array>& in) {
        return std::vector<array>{broadcast_to(in[0], {2, 3})};
      },
      true);
  expect_values(bf({vec({1, 2, 3}, {3})})[0], {1, 2, 3, 1, 2, 3});
  EXPECT_THROW(bf({vec({1, 2, 3, 4}, {4})}), std::invalid_argument);
  // Elementwise inputs whose new shapes don't broadcast.
  auto ef = compile(
      [](const std::vector<array>& in) {
        return std::vector<array>{in[0] + in[1]};
      },
      true);
  expect_values(ef({vec({1, 2}, {2}), vec({3, 4}, {2})})[0], {4, 6});
  expect_values(ef({vec({1, 2, 3}, {3}), vec({1}, {1})})[0], {2, 3, 4});
  EXPECT_THROW(ef({vec({1, 2, 3}, {3}), vec({1, 2}, {2})}),
               std::invalid_argument);
}

TEST(Compile, ShapelessShapeOps) {
  // flatten, transpose, expand_dims/squeeze and a matrix product against a
  // closure weight: all follow the new leading size.
  auto wv = values(6, -1, 1, 9);
  array w = vec(wv, {3, 2});
  int traces = 0;
  auto cf = compile(
      [&](const std::vector<array>& in) {
        ++traces;
        array x = in[0];         // (b, 3)
        array y = matmul(x, w);  // (b, 2)
        array t = transpose(y);  // (2, b)
        array e = squeeze(expand_dims(t, 0), 0);
        return std::vector<array>{flatten(e),
                                  matmul(in[1], x)};  // (2b,), (c, 3)
      },
      true);
  for (int b : {2, 5, 1}) {
    auto xv = values(b * 3, -1, 1, b);
    auto zv = values(4 * b, -1, 1, b + 1);
    auto outs = cf({vec(xv, {b, 3}), vec(zv, {4, b})});
    std::vector<double> e0(2 * b), e1(12, 0.0);
    for (int i = 0; i < b; ++i) {
      for (int j = 0; j < 2; ++j) {
        double acc = 0;
        for (int k = 0; k < 3; ++k) acc += xv[i * 3 + k] * wv[k * 2 + j];
        e0[j * b + i] = acc;
      }
    }
    for (int r = 0; r < 4; ++r) {
      for (int c = 0; c < 3; ++c) {
        for (int i = 0; i < b; ++i)
          e1[r * 3 + c] += zv[r * b + i] * xv[i * 3 + c];
      }
    }
    EXPECT_EQ(outs[0].shape(), (Shape{2 * b}));
    EXPECT_EQ(outs[1].shape(), (Shape{4, 3}));
    expect_values(outs[0], e0, 1e-5);
    expect_values(outs[1], e1, 1e-5);
  }
  EXPECT_EQ(traces, 1);
  // Batched product with a broadcast (batch-less) weight.
  auto bf = compile(
      [&](const std::vector<array>& in) {
        return std::vector<array>{matmul(in[0], w)};
      },
      true);
  for (int batch : {2, 3}) {
    auto xv = values(batch * 3, -1, 1, 20 + batch);
    auto out = bf({vec(xv, {batch, 1, 3})});
    EXPECT_EQ(out[0].shape(), (Shape{batch, 1, 2}));
    std::vector<double> e;
    for (int i = 0; i < batch; ++i) {
      for (int j = 0; j < 2; ++j) {
        double acc = 0;
        for (int k = 0; k < 3; ++k) acc += xv[i * 3 + k] * wv[k * 2 + j];
        e.push_back(acc);
      }
    }
    expect_values(out[0], e, 1e-5);
  }
}

TEST(Compile, GradOfCompiled) {
  auto f = [](const std::vector<array>& in) {
    return sum(sin(in[0]) * in[1] + in[0] * in[0]);
  };
  auto cf = compile(
      [&](const std::vector<array>& in) { return std::vector<array>{f(in)}; });
  auto xv = values(5, -1, 1, 7), yv = values(5, -1, 1, 8);
  array x = vec(xv, {5}), y = vec(yv, {5});
  cf({x, y});  // traced outside grad, replayed on tracers below
  auto gfun = grad([&](const std::vector<array>& in) { return cf(in)[0]; },
                   std::vector<int>{0, 1});
  for (int k = 0; k < 2; ++k) {
    auto gs = gfun({x, y});
    std::vector<double> gx, gy;
    for (int i = 0; i < 5; ++i) {
      gx.push_back(std::cos(xv[i]) * yv[i] + 2 * xv[i]);
      gy.push_back(std::sin(xv[i]));
    }
    expect_values(gs[0], gx, 1e-5);
    expect_values(gs[1], gy, 1e-5);
  }
  // jvp and vjp through the replay too.
  auto [outs, tans] = jvp(
      cf, {x, y}, {vec(std::vector<double>(5, 1.0), {5}), zeros_for_test({5})});
  double t = 0;
  for (int i = 0; i < 5; ++i) t += std::cos(xv[i]) * yv[i] + 2 * xv[i];
  expect_values(tans[0], {t}, 1e-5);
}

TEST(Compile, CompiledOfGrad) {
  int traces = 0;
  auto g = grad(
      [&](const std::vector<array>& in) {
        ++traces;
        return sum(exp(in[0]) * in[0]);
      },
      0);
  auto cg = compile(g);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    auto xv = values(4, -1, 1, seed);
    std::vector<double> expect;
    for (double v : xv) expect.push_back(std::exp(v) * (v + 1));
    expect_values(cg({vec(xv, {4})})[0], expect, 1e-5);
  }
  EXPECT_EQ(traces, 1);
}

TEST(Compile, VmapOfCompiledAndCompiledOfVmap) {
  auto f = [](const std::vector<array>& in) {
    return std::vector<array>{sum(in[0] * in[1]) + exp(in[0])};
  };
  auto cf = compile(f);
  auto xv = values(12, -1, 1, 3), yv = values(4, -1, 1, 4);
  array x = vec(xv, {3, 4}), y = vec(yv, {4});
  auto check = [&](const array& out) {
    std::vector<double> expect;
    for (int b = 0; b < 3; ++b) {
      double s = 0;
      for (int j = 0; j < 4; ++j) s += xv[b * 4 + j] * yv[j];
      for (int j = 0; j < 4; ++j) expect.push_back(s + std::exp(xv[b * 4 + j]));
    }
    EXPECT_EQ(out.shape(), (Shape{3, 4}));
    expect_values(out, expect, 1e-5);
  };
  auto vf = vmap(cf, {0, std::nullopt});
  check(vf({x, y})[0]);
  check(vf({x, y})[0]);
  auto cv = compile(vmap(f, {0, std::nullopt}));
  check(cv({x, y})[0]);
  check(cv({x, y})[0]);
}

TEST(Compile, ClosureOverTracerIsNotCached) {
  // The compiled function closes over a vjp tracer: each call must see the
  // current one (no stale trace) and gradients must flow through it.
  auto outer = [](const std::vector<array>& in) {
    const array x = in[0];
    auto inner = compile([x](const std::vector<array>& ys) {
      return std::vector<array>{ys[0] * x * x};
    });
    return sum(inner({array({1.0f, 2.0f})})[0]);
  };
  auto g = grad(outer, 0);
  expect_values(g({array(3.0f)})[0], {2 * 3.0 * 3}, 1e-6);
  expect_values(g({array(5.0f)})[0], {2 * 5.0 * 3}, 1e-6);

  // Same compiled object called inside grad with different closures.
  array holder(0.0f);
  int traces = 0;
  detail::CompiledFunction cache;
  auto gh = grad(
      [&](const std::vector<array>& in) {
        holder = in[0];
        auto fn = [&](const std::vector<array>& ys) {
          ++traces;
          return std::vector<array>{ys[0] * holder};
        };
        return sum(cache(fn, {array({1.0f, 1.0f})})[0]);
      },
      0);
  expect_values(gh({array(2.0f)})[0], {2}, 1e-6);
  expect_values(gh({array(4.0f)})[0], {2}, 1e-6);
  EXPECT_EQ(traces, 2);
  EXPECT_EQ(cache.entries().size(), 0u);
}

TEST(Compile, NestedCompiled) {
  int inner_traces = 0, outer_traces = 0;
  auto inner = compile([&](const std::vector<array>& in) {
    ++inner_traces;
    return std::vector<array>{exp(in[0]) + 1.0f};
  });
  auto outer = compile([&](const std::vector<array>& in) {
    ++outer_traces;
    return std::vector<array>{inner({in[0]})[0] * inner({in[1]})[0]};
  });
  for (int k = 0; k < 3; ++k) {
    auto out = outer({array({0.0f, 1.0f}), array({1.0f, 0.0f})});
    double e = std::exp(1.0) + 1;
    expect_values(out[0], {2 * e, e * 2}, 1e-6);
  }
  EXPECT_EQ(outer_traces, 1);
  EXPECT_EQ(inner_traces, 1);
}

TEST(Compile, UnaryOverloadAndErrors) {
  auto cf = compile(std::function<array(const array&)>(
      [](const array& x) { return square(x) - x; }));
  expect_values(cf(array({3.0f, -1.0f})), {6, 2});
  EXPECT_THROW(compile(VFn()), std::invalid_argument);
  EXPECT_THROW(compile(std::function<array(const array&)>()),
               std::invalid_argument);
  // Errors raised by the function while tracing propagate and cache nothing.
  detail::CompiledFunction c;
  VFn bad = [](const std::vector<array>& in) {
    return std::vector<array>{reshape(in[0], {5})};
  };
  EXPECT_THROW(c(bad, {array({1.0f, 2.0f})}), std::invalid_argument);
  EXPECT_EQ(c.entries().size(), 0u);
}
