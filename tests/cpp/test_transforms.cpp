// Function transformations: vjp, jvp, grad, value_and_grad, vmap,
// stop_gradient, custom_function, checkpoint, their nesting, and the
// table-driven derivative / batching checks of every primitive.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>

#include "ember/ember.h"
#include "ember/primitives/primitive.h"
#include "grad_check.h"
#include "test_utils.h"

using namespace ember;
using gradcheck::OpCase;

namespace {

using VFn = std::function<std::vector<array>(const std::vector<array>&)>;

// A primitive with no transformation rules (identity on the CPU).
class NoRules : public UnaryPrimitive {
 public:
  explicit NoRules(Stream s) : UnaryPrimitive(s) {}
  void eval_cpu(const std::vector<array>& inputs, array& out) override {
    out.copy_shared_buffer(inputs[0]);
  }
  // A view of the input on either device (the default may be the gpu).
  void eval_gpu(const std::vector<array>& inputs, array& out) override {
    out.copy_shared_buffer(inputs[0]);
  }
  const char* name() const override { return "NoRules"; }
};

array no_rules(const array& a) {
  auto shape = a.shape();
  return array(std::move(shape), a.dtype(),
               std::make_shared<NoRules>(default_stream(default_device())),
               {a});
}

}  // namespace

// ---------------------------------------------------------------- vjp / jvp

TEST(Transforms, VjpClosedForm) {
  array x({0.5f, -1.0f, 2.0f});
  array y({1.5f, 2.0f, -0.5f});
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{add(multiply(in[0], in[1]), sin(in[0]))};
  };
  array ct({1.0f, 2.0f, 3.0f});
  auto [outs, vjps] = vjp(f, {x, y}, {ct});
  ASSERT_EQ(outs.size(), 1u);
  ASSERT_EQ(vjps.size(), 2u);
  std::vector<double> xv{0.5, -1.0, 2.0}, yv{1.5, 2.0, -0.5}, cv{1, 2, 3};
  std::vector<double> gx, gy, o;
  for (int i = 0; i < 3; ++i) {
    gx.push_back(cv[i] * (yv[i] + std::cos(xv[i])));
    gy.push_back(cv[i] * xv[i]);
    o.push_back(xv[i] * yv[i] + std::sin(xv[i]));
  }
  expect_values(outs[0], o, 1e-6);
  expect_values(vjps[0], gx, 1e-6);
  expect_values(vjps[1], gy, 1e-6);
}

TEST(Transforms, VjpAccumulatesRepeatedUse) {
  // f(x) = x*x + x + exp(x): x is used four times.
  array x({0.3, -0.7}, {2}, float64);
  auto [o, g] = vjp([](const array& a) { return add(add(multiply(a, a), a), exp(a)); },
                    x, array({1.0, 1.0}, {2}, float64));
  expect_values(g, {2 * 0.3 + 1 + std::exp(0.3), 2 * -0.7 + 1 + std::exp(-0.7)},
                1e-12);
  // The same array passed twice gets two separate gradients.
  VFn f2 = [](const std::vector<array>& in) {
    return std::vector<array>{multiply(in[0], in[1])};
  };
  auto [o2, g2] = vjp(f2, {x, x}, {array({1.0, 1.0}, {2}, float64)});
  expect_values(g2[0], {0.3, -0.7}, 1e-12);
  expect_values(g2[1], {0.3, -0.7}, 1e-12);
}

TEST(Transforms, VjpUnusedInputAndIdentity) {
  array x(2.0f), y(3.0f);
  VFn f = [](const std::vector<array>& in) { return std::vector<array>{in[0]}; };
  auto [o, g] = vjp(f, {x, y}, {array(5.0f)});
  expect_values(g[0], {5.0});
  expect_values(g[1], {0.0});
  EXPECT_EQ(g[1].shape(), Shape{});
  EXPECT_EQ(g[1].dtype(), float32);
}

TEST(Transforms, VjpMultipleOutputs) {
  array x({1.0f, 2.0f});
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{exp(in[0]), multiply(in[0], in[0])};
  };
  auto [o, g] = vjp(f, {x}, {array({1.0f, 0.0f}), array({0.0f, 1.0f})});
  expect_values(g[0], {std::exp(1.0), 4.0}, 1e-6);
  // Output / cotangent mismatches.
  EXPECT_THROW(vjp(f, {x}, {array({1.0f, 0.0f})}), std::invalid_argument);
  EXPECT_THROW(vjp(f, {x}, {array({1.0f, 0.0f}), array({1.0f, 0.0f, 2.0f})}),
               std::invalid_argument);
  try {
    vjp(f, {x}, {array({1.0f, 0.0f}), array({1.0f, 0.0f, 2.0f})});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(3,)"), std::string::npos) << e.what();
  }
}

TEST(Transforms, VjpSkipsStopGradientOutputs) {
  array x({1.0f, 2.0f});
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{stop_gradient(exp(in[0])), multiply(in[0], in[0])};
  };
  auto [o, g] = vjp(f, {x}, {array({1.0f, 1.0f})});
  ASSERT_EQ(o.size(), 2u);
  expect_values(o[0], {std::exp(1.0), std::exp(2.0)}, 1e-6);
  expect_values(g[0], {2.0, 4.0}, 1e-6);
}

TEST(Transforms, CotangentIsCastToOutputDtype) {
  array x({1.0f, 2.0f}, float16);
  auto [o, g] = vjp([](const array& a) { return multiply(a, a); }, x,
                    array({1.0, 1.0}, {2}, float64));
  EXPECT_EQ(g.dtype(), float16);
  expect_values(g, {2.0, 4.0}, 1e-3);
}

TEST(Transforms, IntegerAndBoolGetZeroGradients) {
  // Integer primal.
  array i({1, 2, 3});
  auto [o, g] = vjp([](const array& a) { return multiply(astype(a, float32), astype(a, float32)); },
                    i, array({1.0f, 1.0f, 1.0f}));
  EXPECT_EQ(g.dtype(), int32);
  expect_values(g, {0, 0, 0});
  // Float through an integer cast: no gradient flows.
  array x({1.5f, 2.5f});
  auto [o2, g2] = vjp(
      [](const array& a) { return add(astype(astype(a, int32), float32), a); }, x,
      array({1.0f, 1.0f}));
  expect_values(g2, {1.0, 1.0});
  auto [o3, t3] = jvp(
      [](const array& a) { return astype(astype(a, int32), float32); }, x,
      array({1.0f, 1.0f}));
  expect_values(t3, {0.0, 0.0});
  // Integer output: its tangent is zero with the output dtype.
  auto [o4, t4] = jvp([](const array& a) { return astype(a, int32); }, x,
                      array({1.0f, 1.0f}));
  EXPECT_EQ(t4.dtype(), int32);
  expect_values(t4, {0, 0});
}

TEST(Transforms, JvpClosedForm) {
  array x({0.5, 1.5}, {2}, float64);
  array t({1.0, -2.0}, {2}, float64);
  auto [o, d] = jvp([](const array& a) { return log(multiply(a, exp(a))); }, x, t);
  // d/dx log(x e^x) = 1/x + 1
  expect_values(d, {(1 / 0.5 + 1) * 1.0, (1 / 1.5 + 1) * -2.0}, 1e-12);
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{divide(in[0], in[1]), subtract(in[0], in[1])};
  };
  array y({2.0, 4.0}, {2}, float64);
  array ty({0.5, 0.25}, {2}, float64);
  auto [os, ds] = jvp(f, {x, y}, {t, ty});
  expect_values(ds[0], {1.0 / 2 - 0.5 * 0.5 / 4, -2.0 / 4 - 1.5 * 0.25 / 16}, 1e-12);
  expect_values(ds[1], {0.5, -2.25}, 1e-12);
}

TEST(Transforms, JvpErrors) {
  VFn f = [](const std::vector<array>& in) { return std::vector<array>{exp(in[0])}; };
  EXPECT_THROW(jvp(f, {array(1.0f)}, {}), std::invalid_argument);
  EXPECT_THROW(jvp(f, {array({1.0f, 2.0f})}, {array(1.0f)}), std::invalid_argument);
}

TEST(Transforms, EmptyAndScalarArrays) {
  array e = reshape(array({1.0f}), {1, 1});
  array empty(std::vector<float>{}, {0, 3});
  auto [o, g] = vjp([](const array& a) { return sin(a); }, empty,
                    array(std::vector<float>{}, {0, 3}));
  EXPECT_EQ(g.shape(), (Shape{0, 3}));
  g.eval();
  auto [o2, t2] = jvp([](const array& a) { return sin(a); }, empty,
                      array(std::vector<float>{}, {0, 3}));
  EXPECT_EQ(t2.shape(), (Shape{0, 3}));
  t2.eval();
  auto vo = vmap([](const array& a) { return exp(a); })(empty);
  EXPECT_EQ(vo.shape(), (Shape{0, 3}));
  vo.eval();
  auto g0 = grad([](const array& a) { return multiply(a, a); })(array(3.0f));
  expect_values(g0, {6.0});
}

TEST(Transforms, NonContiguousPrimals) {
  // Broadcast view (stride 0) and a reshaped input as primals.
  array b = broadcast_to(array({1.0f, 2.0f}), {3, 2});
  b.eval();
  auto [o, g] = vjp([](const array& a) { return multiply(a, a); }, b,
                    array({1.f, 1.f, 1.f, 1.f, 1.f, 1.f}, {3, 2}));
  expect_values(g, {2, 4, 2, 4, 2, 4});
}

// ------------------------------------------------------------------ grad

TEST(Transforms, GradAndValueAndGrad) {
  auto df = grad([](const array& x) { return multiply(sin(x), x); });
  expect_values(df(array(0.7)), {std::cos(0.7) * 0.7 + std::sin(0.7)}, 1e-6);
  auto vg = value_and_grad([](const array& x) { return exp(x); });
  auto [v, g] = vg(array(1.0f));
  expect_values(v, {std::exp(1.0)}, 1e-6);
  expect_values(g, {std::exp(1.0)}, 1e-6);
}

TEST(Transforms, GradArgnumsSortedAndAux) {
  VFn f = [](const std::vector<array>& in) {
    // loss = x * y^2 * z; aux = x + y
    return std::vector<array>{multiply(multiply(in[0], multiply(in[1], in[1])), in[2]),
                              add(in[0], in[1])};
  };
  array x(2.0), y(3.0), z(0.5);
  auto vg = value_and_grad(f, std::vector<int>{2, 0});
  auto [vals, grads] = vg({x, y, z});
  ASSERT_EQ(vals.size(), 2u);
  ASSERT_EQ(grads.size(), 2u);
  expect_values(vals[0], {9.0}, 1e-12);
  expect_values(vals[1], {5.0}, 1e-12);
  expect_values(grads[0], {9.0 * 0.5}, 1e-12);  // d/dx first (sorted)
  expect_values(grads[1], {18.0}, 1e-12);       // d/dz
  auto g = grad([](const std::vector<array>& in) { return multiply(in[0], in[1]); },
                std::vector<int>{1});
  expect_values(g({x, y})[0], {2.0}, 1e-12);
}

TEST(Transforms, GradSeedDtype) {
  auto g = grad([](const array& x) { return multiply(x, x); });
  auto r = g(array(1.5f, float16));
  EXPECT_EQ(r.dtype(), float16);
  expect_values(r, {3.0}, 1e-3);
  auto r2 = g(array(1.5f, bfloat16));
  EXPECT_EQ(r2.dtype(), bfloat16);
  expect_values(r2, {3.0}, 1e-2);
}

TEST(Transforms, GradErrors) {
  VFn f = [](const std::vector<array>& in) { return std::vector<array>{in[0]}; };
  EXPECT_THROW(value_and_grad(f, std::vector<int>{}), std::invalid_argument);
  EXPECT_THROW(value_and_grad(f, std::vector<int>{-1}), std::invalid_argument);
  EXPECT_THROW(value_and_grad(f, std::vector<int>{0, 0}), std::invalid_argument);
  try {
    value_and_grad(f, std::vector<int>{1, 1});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[grad] Repeated argnum 1"), std::string::npos);
  }
  // argnum beyond the inputs actually passed: error at call time.
  auto vg = value_and_grad(f, std::vector<int>{1});
  EXPECT_THROW(vg({array(1.0f)}), std::invalid_argument);
  // Non-scalar output.
  auto g = grad([](const array& x) { return exp(x); });
  EXPECT_THROW(g(array({1.0f})), std::invalid_argument);
  try {
    g(array({1.0f}));
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(1,)"), std::string::npos) << e.what();
  }
  // No outputs.
  auto vg2 = value_and_grad(
      [](const std::vector<array>&) { return std::vector<array>{}; }, 0);
  EXPECT_THROW(vg2({array(1.0f)}), std::invalid_argument);
  EXPECT_FALSE(ember::detail::in_tracing());
}

TEST(Transforms, FunctionThatThrowsLeavesCleanState) {
  auto g = grad([](const array& x) -> array {
    throw std::invalid_argument("user error 42");
  });
  try {
    g(array(1.0f));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "user error 42");
  }
  EXPECT_FALSE(ember::detail::in_tracing());
  EXPECT_THROW(vmap([](const array& x) -> array { throw std::runtime_error("boom"); })(
                   array({1.0f})),
               std::runtime_error);
  EXPECT_FALSE(ember::detail::in_tracing());
  // Things still work afterwards, and results are not tracers.
  auto g2 = grad([](const array& x) { return multiply(x, x); });
  array r = g2(array(2.0f));
  EXPECT_FALSE(r.is_tracer());
  expect_values(r, {4.0});
}

TEST(Transforms, PrimitiveWithoutRuleNamesIt) {
  auto g = grad([](const array& x) { return no_rules(multiply(x, x)); });
  try {
    g(array(1.0f));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("NoRules"), std::string::npos) << e.what();
  }
  try {
    jvp([](const array& x) { return no_rules(x); }, array(1.0f), array(1.0f));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("NoRules"), std::string::npos) << e.what();
  }
  try {
    vmap([](const array& x) { return no_rules(x); })(array({1.0f, 2.0f}));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("NoRules"), std::string::npos) << e.what();
  }
  // Not on the differentiated path: no rule needed.
  auto g2 = grad([](const std::vector<array>& in) {
    return multiply(in[0], no_rules(in[1]));
  });
  expect_values(g2({array(2.0f), array(3.0f)})[0], {3.0});
  EXPECT_FALSE(ember::detail::in_tracing());
}

TEST(Transforms, EvalInsideTracedFunction) {
  auto g = grad([](const array& x) {
    array y = exp(x);
    eval(y);  // must not cut the graph
    double v = y.item<double>();
    return multiply(y, array(v > 1 ? 2.0f : 3.0f, x.dtype()));
  });
  expect_values(g(array(0.5f)), {2.0 * std::exp(0.5)}, 1e-6);
}

TEST(Transforms, ResultsDoNotKeepGraphs) {
  // A training-style loop: the parameter must not accumulate a graph.
  array w(1.0f);
  auto g = grad([](const array& x) { return multiply(sin(x), x); });
  for (int it = 0; it < 5; ++it) {
    w = subtract(w, multiply(array(0.1f), g(w)));
    eval(w);
    EXPECT_FALSE(w.has_primitive());
  }
}

TEST(Transforms, DeepGraphsIterative) {
  const int n = 100000;
  array x(1.0f);
  auto f = [n](const array& a) {
    array y = a;
    array c(std::ldexp(1.0f, -17));  // exact sums in float32
    for (int i = 0; i < n; ++i) y = add(y, c);
    return y;
  };
  auto [o, g] = vjp(f, x, array(1.0f));
  expect_values(g, {1.0});
  auto [o2, t] = jvp(f, x, array(2.0f));
  expect_values(t, {2.0});
  auto vo = vmap(std::function<array(const array&)>(f))(array({1.0f, 2.0f}));
  double inc = n * std::ldexp(1.0, -17);
  expect_values(o, {1.0 + inc});
  expect_values(vo, {1.0 + inc, 2.0 + inc});
}

// ------------------------------------------------------------ stop_gradient

TEST(Transforms, StopGradient) {
  auto g = grad([](const array& x) { return multiply(x, stop_gradient(x)); });
  expect_values(g(array(3.0f)), {3.0});
  auto [o, t] = jvp([](const array& x) { return stop_gradient(exp(x)); }, array(1.0f),
                    array(1.0f));
  expect_values(o, {std::exp(1.0)}, 1e-6);
  expect_values(t, {0.0});
  auto v = vmap([](const array& x) { return stop_gradient(multiply(x, x)); })(
      array({1.0f, 2.0f}));
  expect_values(v, {1.0, 4.0});
  // A stop-gradient loss gives zero gradients.
  auto g2 = grad([](const array& x) { return stop_gradient(multiply(x, x)); });
  expect_values(g2(array(3.0f)), {0.0});
}

// ----------------------------------------------------------------- vmap

TEST(Transforms, VmapBasics) {
  array x({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {2, 3});
  array y({10.0f, 20.0f, 30.0f});
  // Map rows of x against an unmapped y.
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{multiply(in[0], in[1])};
  };
  auto r = vmap(f, {0, std::nullopt})({x, y});
  EXPECT_EQ(r[0].shape(), (Shape{2, 3}));
  expect_values(r[0], {10, 40, 90, 40, 100, 180});
  // Map columns (axis 1 == -1) and put the batch axis last.
  auto c = vmap(f, {-1, 0}, {-1})({x, y});
  EXPECT_EQ(c[0].shape(), (Shape{2, 3}));
  expect_values(c[0], {10, 40, 90, 40, 100, 180});
  auto c2 = vmap(f, {1, 0}, {0})({x, y});
  EXPECT_EQ(c2[0].shape(), (Shape{3, 2}));
  expect_values(c2[0], {10, 40, 40, 100, 90, 180});
  // Two-argument and one-argument forms.
  auto v2 = vmap([](const array& a, const array& b) { return add(a, b); }, 1, 0)(x, y);
  expect_values(v2, {11, 14, 22, 25, 33, 36});
  auto v1 = vmap([](const array& a) { return exp(a); }, 1, 1)(x);
  EXPECT_EQ(v1.shape(), (Shape{2, 3}));
}

TEST(Transforms, VmapUnbatchedOutputs) {
  array x({1.0f, 2.0f, 3.0f});
  array k({7.0f, 8.0f});
  VFn f = [&k](const std::vector<array>& in) {
    return std::vector<array>{exp(k), in[0], in[1]};
  };
  auto r = vmap(f, {0, std::nullopt}, {1, 0, std::nullopt})({x, array(5.0f)});
  EXPECT_EQ(r[0].shape(), (Shape{2, 3}));
  expect_values(r[0], {std::exp(7.), std::exp(7.), std::exp(7.), std::exp(8.),
                       std::exp(8.), std::exp(8.)},
                1e-6);
  expect_values(r[1], {1, 2, 3});
  EXPECT_EQ(r[2].shape(), Shape{});
  // A batched output with out_axes None is an error.
  EXPECT_THROW(vmap(f, {0, std::nullopt}, {0, std::nullopt, std::nullopt})(
                   {x, array(5.0f)}),
               std::invalid_argument);
}

TEST(Transforms, VmapErrors) {
  VFn f = [](const std::vector<array>& in) {
    return std::vector<array>{add(in[0], in[1])};
  };
  array a({1.0f, 2.0f, 3.0f});
  array b({1.0f, 2.0f});
  EXPECT_THROW(vmap(f, {std::nullopt, std::nullopt})({a, a}), std::invalid_argument);
  EXPECT_THROW(vmap(f)({a, b}), std::invalid_argument);
  try {
    vmap(f)({a, b});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("size 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(vmap(f, {1, 0})({a, a}), std::out_of_range);
  EXPECT_THROW(vmap(f, {-2, 0})({a, a}), std::out_of_range);
  EXPECT_THROW(vmap(f, {0})({a, a}), std::invalid_argument);
  EXPECT_THROW(vmap(f, {0, 0}, {2})({a, a}), std::out_of_range);
  EXPECT_THROW(vmap(f, {0, 0}, {0, 0})({a, a}), std::invalid_argument);
  EXPECT_THROW(vmap(f)({array(1.0f), array(2.0f)}), std::out_of_range);
  // Evaluating inside a vmapped function is a clear error.
  auto h = vmap([](const array& x) {
    array y = exp(x);
    y.eval();
    return y;
  });
  try {
    h(a);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("[vmap]"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(ember::detail::in_tracing());
}

TEST(Transforms, VmapOfVmap) {
  array x({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, {2, 3});
  array y({1.0f, 10.0f}, {2});
  // Outer maps y (size 2) and columns of x; inner maps rows of x.
  auto inner = vmap([](const array& a, const array& b) { return multiply(a, b); }, 0,
                    0, 0);
  std::function<array(const array&, const array&)> inner_fn = inner;
  auto outer = vmap(inner_fn, 1, std::nullopt, 0);
  // outer(x, y)[j] = inner(x[:, j], y) = x[:, j] * y (elementwise over rows)
  auto r = outer(x, y);
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  expect_values(r, {1, 40, 2, 50, 3, 60});
}

// --------------------------------------------------------------- nesting

TEST(Transforms, SecondAndThirdDerivatives) {
  // f = sin(exp(x)); f' = cos(e^x) e^x; f'' = -sin(e^x) e^2x + cos(e^x) e^x
  auto f = [](const array& x) { return sin(exp(x)); };
  auto d1 = grad(f);
  auto d2 = grad(d1);
  auto d3 = grad(d2);
  for (double x : {-0.5, 0.3, 1.1}) {
    double e = std::exp(x);
    expect_values(d1(array(x)), {std::cos(e) * e}, 1e-12);
    expect_values(d2(array(x)), {-std::sin(e) * e * e + std::cos(e) * e}, 1e-12);
    double f3 = -std::cos(e) * e * e * e - 2 * std::sin(e) * e * e -
                std::sin(e) * e * e + std::cos(e) * e;
    expect_values(d3(array(x)), {f3}, 1e-12);
  }
  // cos(x) * log(x): second derivative.
  auto g2 = grad(grad([](const array& x) { return multiply(cos(x), log(x)); }));
  double x = 1.3;
  double want = -std::cos(x) * std::log(x) - 2 * std::sin(x) / x - std::cos(x) / (x * x);
  expect_values(g2(array(x)), {want}, 1e-12);
}

TEST(Transforms, HessianVectorProducts) {
  // f(x, y) = x^2 y + exp(x y) (elementwise, cotangent ones); H v via
  // jvp of vjp and vjp of jvp.
  array x({0.5, -0.3}, {2}, float64), y({1.2, 0.7}, {2}, float64);
  array ones({1.0, 1.0}, {2}, float64);
  VFn f = [](const std::vector<array>& in) {
    auto& a = in[0];
    auto& b = in[1];
    return std::vector<array>{add(multiply(multiply(a, a), b), exp(multiply(a, b)))};
  };
  VFn gradf = [&](const std::vector<array>& in) { return vjp(f, in, {ones}).second; };
  array vx({1.0, 2.0}, {2}, float64), vy({-1.0, 0.5}, {2}, float64);
  auto [g, hv] = jvp(gradf, {x, y}, {vx, vy});
  std::vector<double> X{0.5, -0.3}, Y{1.2, 0.7}, VX{1, 2}, VY{-1, 0.5};
  std::vector<double> hx, hy;
  for (int i = 0; i < 2; ++i) {
    double a = X[i], b = Y[i], e = std::exp(a * b);
    double fxx = 2 * b + b * b * e, fyy = a * a * e, fxy = 2 * a + e + a * b * e;
    hx.push_back(fxx * VX[i] + fxy * VY[i]);
    hy.push_back(fxy * VX[i] + fyy * VY[i]);
  }
  expect_values(hv[0], hx, 1e-12);
  expect_values(hv[1], hy, 1e-12);
  // vjp of jvp: d/dx <ones, J v> gives the same H v (symmetric).
  VFn jvpf = [&](const std::vector<array>& in) { return jvp(f, in, {vx, vy}).second; };
  auto [t, hv2] = vjp(jvpf, {x, y}, {ones});
  expect_values(hv2[0], hx, 1e-12);
  expect_values(hv2[1], hy, 1e-12);
}

TEST(Transforms, PerExampleGradientsViaVmap) {
  // vmap(grad(f)) over a batch equals a loop of grad(f).
  auto f = [](const std::vector<array>& in) {
    return multiply(sin(multiply(in[0], in[1])), in[0]);
  };
  auto g = grad(f, std::vector<int>{0, 1});
  array xs({0.1, 0.5, -0.8, 1.2}, {4}, float64);
  array w(0.7, float64);
  auto per_ex = vmap(g, {0, std::nullopt})({xs, w});
  ASSERT_EQ(per_ex.size(), 2u);
  EXPECT_EQ(per_ex[1].shape(), (Shape{4}));
  std::vector<double> gx, gw;
  for (double x : {0.1, 0.5, -0.8, 1.2}) {
    auto r = g({array(x), w});
    gx.push_back(to_vector(r[0])[0]);
    gw.push_back(to_vector(r[1])[0]);
    double W = 0.7;
    EXPECT_NEAR(gx.back(), std::sin(x * W) + x * W * std::cos(x * W), 1e-12);
    EXPECT_NEAR(gw.back(), x * x * std::cos(x * W), 1e-12);
  }
  expect_values(per_ex[0], gx, 1e-12);
  expect_values(per_ex[1], gw, 1e-12);
}

TEST(Transforms, GradOfVmap) {
  // vjp through a vmapped function equals the unbatched derivative.
  array x({0.1, 0.5, -0.8}, {3}, float64);
  auto vf = vmap([](const array& a) { return multiply(exp(a), sin(a)); });
  auto [o, g] = vjp(vf, x, array({1.0, 2.0, 3.0}, {3}, float64));
  std::vector<double> want;
  std::vector<double> X{0.1, 0.5, -0.8};
  for (int i = 0; i < 3; ++i) {
    want.push_back((i + 1) * std::exp(X[i]) * (std::sin(X[i]) + std::cos(X[i])));
  }
  expect_values(g, want, 1e-12);
  // Second order through vmap: grad(grad) of a vmapped scalar function.
  auto h = vmap(grad(grad([](const array& a) { return sin(a); })));
  expect_values(h(x), {-std::sin(0.1), -std::sin(0.5), -std::sin(-0.8)}, 1e-12);
}

TEST(Transforms, JvpOfVjpAndVmapOfJvp) {
  array x({0.2, 0.9}, {2}, float64);
  auto f = [](const array& a) { return multiply(a, exp(a)); };
  auto jfun = [&](const array& a) {
    return jvp(std::function<array(const array&)>(f), a, array({1.0, 1.0}, {2}, float64))
        .second;
  };
  // vmap of jvp over a batch of rows.
  array xb({0.2, 0.9, -0.4, 0.1}, {2, 2}, float64);
  auto vj = vmap(std::function<array(const array&)>(jfun))(xb);
  std::vector<double> want;
  for (double v : {0.2, 0.9, -0.4, 0.1}) want.push_back(std::exp(v) * (1 + v));
  expect_values(vj, want, 1e-12);
}

// ------------------------------------------------------ custom functions

TEST(Transforms, CustomVjp) {
  std::atomic<int> calls{0};
  auto f = custom_vjp(
      [](const std::vector<array>& in) { return std::vector<array>{sin(in[0])}; },
      [&calls](const std::vector<array>& primals, const std::vector<array>& cot,
               const std::vector<array>& outs) {
        ++calls;
        EXPECT_EQ(outs.size(), 1u);
        return std::vector<array>{multiply(cot[0], array(10.0f))};
      });
  auto g = grad([&f](const array& x) { return f({x})[0]; });
  expect_values(g(array(0.3f)), {10.0});
  EXPECT_EQ(calls.load(), 1);
  // The forward value is the function's.
  expect_values(f({array(0.3f)})[0], {std::sin(0.3)}, 1e-6);
  // No custom jvp: jvp falls back to differentiating the function.
  auto [o, t] = jvp([&f](const array& x) { return f({x})[0]; }, array(0.3f), array(1.0f));
  expect_values(t, {std::cos(0.3)}, 1e-6);
  // Closure-captured arrays get no gradient through a custom function.
  array c(2.0f);
  auto fc = custom_vjp(
      [&c](const std::vector<array>& in) { return std::vector<array>{multiply(in[0], c)}; },
      [](const std::vector<array>&, const std::vector<array>& cot,
         const std::vector<array>&) { return std::vector<array>{cot[0]}; });
  auto gc = grad([&](const std::vector<array>& in) {
    c = in[1];
    return fc({in[0]})[0];
  }, std::vector<int>{0, 1});
  auto r = gc({array(1.0f), array(2.0f)});
  expect_values(r[0], {1.0});
  expect_values(r[1], {0.0});
  // A custom vjp returning the wrong number of cotangents.
  auto bad = custom_vjp(
      [](const std::vector<array>& in) { return std::vector<array>{exp(in[0])}; },
      [](const std::vector<array>&, const std::vector<array>&, const std::vector<array>&) {
        return std::vector<array>{};
      });
  EXPECT_THROW(grad([&bad](const array& x) { return bad({x})[0]; })(array(1.0f)),
               std::invalid_argument);
}

TEST(Transforms, CustomJvpAndVmap) {
  std::atomic<int> vmaps{0};
  auto f = custom_function(
      [](const std::vector<array>& in) {
        return std::vector<array>{multiply(in[0], in[1])};
      },
      std::nullopt,
      CustomJVPFn([](const std::vector<array>& primals, const std::vector<array>& tangents,
                     const std::vector<int>& argnums) {
        // Deliberately scaled so that use of the rule is visible.
        array t = multiply(tangents[0], array(100.0f));
        return std::vector<array>{t};
      }),
      CustomVmapFn([&vmaps](const std::vector<array>& inputs, const std::vector<int>& axes) {
        ++vmaps;
        EXPECT_EQ(axes[0], 0);
        EXPECT_EQ(axes[1], -1);
        return std::make_pair(std::vector<array>{multiply(inputs[0], inputs[1])},
                              std::vector<int>{0});
      }));
  auto [o, t] = jvp(f, {array(2.0f), array(3.0f)}, {array(1.0f), array(1.0f)});
  expect_values(t[0], {100.0});
  auto r = vmap(f, {0, std::nullopt})({array({1.0f, 2.0f}), array(3.0f)});
  EXPECT_EQ(vmaps.load(), 1);
  expect_values(r[0], {3.0, 6.0});
  // Without a custom vjp, grad differentiates the function itself.
  auto g = grad([&f](const std::vector<array>& in) { return f(in)[0]; },
                std::vector<int>{0, 1});
  auto gr = g({array(2.0f), array(3.0f)});
  expect_values(gr[0], {3.0});
  expect_values(gr[1], {2.0});
  // Without a custom vmap, vmap maps the function.
  auto h = custom_vjp(
      [](const std::vector<array>& in) { return std::vector<array>{exp(in[0])}; },
      [](const std::vector<array>& p, const std::vector<array>& c,
         const std::vector<array>& o) { return std::vector<array>{multiply(c[0], o[0])}; });
  auto hv = vmap(h)({array({0.0f, 1.0f})});
  expect_values(hv[0], {1.0, std::exp(1.0)}, 1e-6);
  // Per-example gradients through a custom vjp.
  auto gh = vmap(grad([&h](const array& x) { return h({x})[0]; }));
  expect_values(gh(array({0.0f, 1.0f})), {1.0, std::exp(1.0)}, 1e-6);
}

TEST(Transforms, Checkpoint) {
  std::atomic<int> calls{0};
  VFn body = [&calls](const std::vector<array>& in) {
    ++calls;
    return std::vector<array>{sin(multiply(exp(in[0]), in[1]))};
  };
  auto ck = checkpoint(body);
  auto loss = [&ck](const std::vector<array>& in) { return multiply(ck(in)[0], in[0]); };
  auto plain = [&body](const std::vector<array>& in) { return multiply(body(in)[0], in[0]); };
  array x(0.4, float64), w(1.3, float64);
  calls = 0;
  auto gc = grad(loss, std::vector<int>{0, 1})({x, w});
  eval(gc);
  EXPECT_EQ(calls.load(), 2);  // forward + recomputation in the backward pass
  auto gp = grad(plain, std::vector<int>{0, 1})({x, w});
  expect_values(gc[0], to_vector(gp[0]), 1e-12);
  expect_values(gc[1], to_vector(gp[1]), 1e-12);
  // Second order through a checkpoint.
  auto h = grad(grad([&ck](const array& a) { return ck({a, array(2.0, float64)})[0]; }));
  double a = 0.4, e = std::exp(a);
  // f = sin(2 e^a): f'' = -sin(2e^a) 4 e^2a + cos(2e^a) 2 e^a
  expect_values(h(array(a)), {-std::sin(2 * e) * 4 * e * e + std::cos(2 * e) * 2 * e},
                1e-12);
}

// ----------------------------------------------------- the op table

namespace {

VFn un(array (*op)(const array&, StreamOrDevice)) {
  return [op](const std::vector<array>& in) { return std::vector<array>{op(in[0], {})}; };
}
VFn bin(array (*op)(const array&, const array&, StreamOrDevice)) {
  return [op](const std::vector<array>& in) {
    return std::vector<array>{op(in[0], in[1], {})};
  };
}

// Input spec of a table row: kind 'f' uniform float in [lo, hi), 'a' float
// with |x| in [lo, hi) and a random sign (away from kinks at 0), 'i' int32
// in [lo, hi), 'u' distinct int32 in [0, hi), 'b' random bool.
struct In {
  Shape shape;
  char kind = 'f';
  double lo = -1, hi = 1;
};

array make_in(const In& in, std::mt19937& rng) {
  size_t n = shape_size(in.shape);
  std::vector<double> v(n);
  std::uniform_real_distribution<double> u(in.lo, in.hi);
  switch (in.kind) {
    case 'a':
      for (auto& x : v) x = u(rng) * (rng() % 2 ? 1 : -1);
      return array(v, in.shape, float64);
    case 'i':
      for (auto& x : v) x = std::floor(u(rng));
      return array(v, in.shape, int32);
    case 'u': {
      std::vector<int> perm(int(in.hi));
      for (int k = 0; k < int(perm.size()); ++k) perm[k] = k;
      std::shuffle(perm.begin(), perm.end(), rng);
      for (size_t k = 0; k < n; ++k) v[k] = perm[k];
      return array(v, in.shape, int32);
    }
    case 'z':
      // Like 'a' with exact zeros; rows of 6 hold 1, 2 or 3 of them.
      for (size_t k = 0; k < n; ++k) {
        static const bool zero[3][6] = {{0, 1, 0, 0, 0, 0},
                                        {1, 0, 0, 1, 0, 0},
                                        {0, 1, 1, 0, 0, 1}};
        v[k] = zero[(k / 6) % 3][k % 6] ? 0.0 : u(rng) * (rng() % 2 ? 1 : -1);
      }
      return array(v, in.shape, float64);
    case 'b':
      for (auto& x : v) x = rng() % 2;
      return array(v, in.shape, bool_);
    default:
      for (auto& x : v) x = u(rng);
      return array(v, in.shape, float64);
  }
}

std::vector<OpCase> op_table() {
  std::vector<OpCase> t;
  t.reserve(256);
  auto row = [&t](std::string name, VFn fn, std::vector<In> ins) {
    OpCase c;
    c.name = std::move(name);
    c.fn = std::move(fn);
    for (auto& in : ins) c.shapes.push_back(in.shape);
    c.make_input = [ins](int i, std::mt19937& rng) { return make_in(ins[i], rng); };
    t.push_back(c);
    return &t.back();
  };
  auto f1 = [](std::function<array(const array&)> op) {
    return VFn([op](const std::vector<array>& in) { return std::vector<array>{op(in[0])}; });
  };
  auto f2 = [](std::function<array(const array&, const array&)> op) {
    return VFn([op](const std::vector<array>& in) {
      return std::vector<array>{op(in[0], in[1])};
    });
  };
  auto f3 = [](std::function<array(const array&, const array&, const array&)> op) {
    return VFn([op](const std::vector<array>& in) {
      return std::vector<array>{op(in[0], in[1], in[2])};
    });
  };
  const Shape S{2, 3};
  OpCase* r;

  // ---- elementwise binary (inputs broadcast by the op)
  row("Add", bin(add), {{S}, {S}});
  row("AddBroadcast", bin(add), {{S}, {{3}}});
  row("Subtract", bin(subtract), {{S}, {{1, 3}}});
  row("Multiply", bin(multiply), {{S}, {{2, 1}}});
  row("MultiplyScalar", bin(multiply), {{{}}, {{4}}});
  row("Divide", bin(divide), {{S}, {S, 'f', 0.5, 2}});
  row("Power", bin(power), {{S, 'f', 0.5, 2}, {S}});
  row("Maximum", bin(maximum), {{S}, {S}});
  row("Minimum", bin(minimum), {{S}, {S}});
  row("LogAddExp", bin(logaddexp), {{S}, {S}});
  row("ArcTan2", bin(arctan2), {{S, 'a', 0.3, 1}, {S, 'a', 0.3, 1}});
  row("Remainder", bin(remainder), {{S, 'f', 1.05, 1.9}, {S, 'f', 0.7, 0.95}});
  row("FloorDivide", bin(floor_divide), {{S, 'f', 1.05, 1.9}, {S, 'f', 0.7, 0.95}});
  row("DivMod", [](const std::vector<array>& in) { return divmod(in[0], in[1]); },
      {{S, 'f', 1.05, 1.9}, {S, 'f', 0.7, 0.95}});
  for (auto [name, op] : std::vector<std::pair<std::string, array (*)(const array&, const array&, StreamOrDevice)>>{
           {"Equal", equal}, {"NotEqual", not_equal}, {"Less", less},
           {"LessEqual", less_equal}, {"Greater", greater},
           {"GreaterEqual", greater_equal}}) {
    row(name, bin(op), {{S}, {S}});
  }
  for (auto [name, op] : std::vector<std::pair<std::string, array (*)(const array&, const array&, StreamOrDevice)>>{
           {"LogicalAnd", logical_and}, {"LogicalOr", logical_or}}) {
    r = row(name, bin(op), {{S, 'b'}, {S, 'b'}});
    r->differentiable = false;
  }
  for (auto [name, op] : std::vector<std::pair<std::string, array (*)(const array&, const array&, StreamOrDevice)>>{
           {"BitwiseAnd", bitwise_and}, {"BitwiseOr", bitwise_or},
           {"BitwiseXor", bitwise_xor}, {"LeftShift", left_shift},
           {"RightShift", right_shift}}) {
    r = row(name, bin(op), {{S, 'i', 0, 8}, {S, 'i', 0, 4}});
    r->differentiable = false;
  }

  // ---- elementwise unary (domains avoid poles and kinks)
  struct U {
    const char* name;
    array (*op)(const array&, StreamOrDevice);
    char kind;
    double lo, hi;
  };
  for (auto u : std::vector<U>{
           {"Abs", abs, 'a', 0.2, 1},       {"Sign", sign, 'a', 0.2, 1},
           {"Negative", negative, 'f', -1, 1}, {"Square", square, 'f', -1, 1},
           {"Sqrt", sqrt, 'f', 0.5, 2},     {"Rsqrt", rsqrt, 'f', 0.5, 2},
           {"Reciprocal", reciprocal, 'f', 0.5, 2},
           {"Exp", exp, 'f', -1, 1},        {"Expm1", expm1, 'f', -1, 1},
           {"Log", log, 'f', 0.5, 2},       {"Log2", log2, 'f', 0.5, 2},
           {"Log10", log10, 'f', 0.5, 2},   {"Log1p", log1p, 'f', -0.5, 1},
           {"Sin", sin, 'f', -1, 1},        {"Cos", cos, 'f', -1, 1},
           {"Tan", tan, 'f', -1, 1},        {"ArcSin", arcsin, 'f', -0.8, 0.8},
           {"ArcCos", arccos, 'f', -0.8, 0.8}, {"ArcTan", arctan, 'f', -1, 1},
           {"Sinh", sinh, 'f', -1, 1},      {"Cosh", cosh, 'f', -1, 1},
           {"Tanh", tanh, 'f', -1, 1},      {"ArcSinh", arcsinh, 'f', -1, 1},
           {"ArcCosh", arccosh, 'f', 1.5, 3}, {"ArcTanh", arctanh, 'f', -0.8, 0.8},
           {"Erf", erf, 'f', -1, 1},        {"ErfInv", erfinv, 'f', -0.8, 0.8},
           {"Sigmoid", sigmoid, 'f', -2, 2}, {"Floor", floor, 'f', -2, 2},
           {"Ceil", ceil, 'f', -2, 2},      {"Trunc", trunc, 'f', -2, 2},
           {"Degrees", degrees, 'f', -1, 1}, {"Radians", radians, 'f', -1, 1},
           {"Positive", positive, 'f', -1, 1}}) {
    row(u.name, un(u.op), {{S, u.kind, u.lo, u.hi}});
  }
  row("Round", f1([](const array& a) { return round(a); }), {{S, 'f', -2, 2}});
  row("IsNaN", un(isnan), {{S}});
  r = row("LogicalNot", un(logical_not), {{S, 'b'}});
  r->differentiable = false;
  r = row("BitwiseInvert", un(bitwise_invert), {{S, 'i', 0, 100}});
  r->differentiable = false;

  // ---- ternary
  row("Select", f3([](const array& c, const array& x, const array& y) { return where(c, x, y); }),
      {{S, 'b'}, {S}, {{3}}});
  row("Clip", f3([](const array& a, const array& lo, const array& hi) { return clip(a, lo, hi); }),
      {{S, 'f', -2, 2}, {S, 'f', -1.5, -0.5}, {S, 'f', 0.5, 1.5}});

  // ---- copies and stop_gradient
  r = row("AsType", f1([](const array& a) {
            return astype(a, a.dtype() == float64 ? float32 : float64);
          }), {{S}});
  r->eps = 1e-3;  // the float64 check goes through float32 rounding
  r->tol = 1e-3;
  r->second_order = false;
  row("Copy", f1([](const array& a) { return copy(a); }), {{S}});
  // Finite differences can't see stop_gradient: batching rule only.
  r = row("StopGradient", f1([](const array& a) { return multiply(stop_gradient(a), a); }), {{S}});
  r->differentiable = false;

  // ---- reductions
  const Shape R{2, 3, 2};
  row("SumAll", f1([](const array& a) { return sum(a); }), {{R}});
  row("SumAxis", f1([](const array& a) { return sum(a, 1); }), {{R}});
  row("SumAxesKeepdims", f1([](const array& a) { return sum(a, {0, 2}, true); }), {{R}});
  row("Prod", f1([](const array& a) { return prod(a, 1); }), {{R, 'a', 0.5, 1.5}});
  row("ProdAll", f1([](const array& a) { return prod(a); }), {{S, 'a', 0.5, 1.5}});
  row("Max", f1([](const array& a) { return max(a, 1); }), {{R}});
  row("Min", f1([](const array& a) { return min(a, {0, 2}); }), {{R}});
  row("Mean", f1([](const array& a) { return mean(a, -1); }), {{R}});
  row("Var", f1([](const array& a) { return var(a, 1); }), {{R}});
  row("Std", f1([](const array& a) { return ember::std(a, 1, false, 1); }), {{R}});
  row("LogSumExp", f1([](const array& a) { return logsumexp(a, 1); }), {{R}});
  row("Softmax", f1([](const array& a) { return softmax(a, -1); }), {{R}});
  row("SoftmaxAxis0", f1([](const array& a) { return softmax(a, 0); }), {{R}});
  row("Median", f1([](const array& a) { return median(a, 1); }), {{{2, 3, 2}}});
  for (auto [name, fn] : std::vector<std::pair<std::string, VFn>>{
           {"ArgMax", f1([](const array& a) { return argmax(a, 1); })},
           {"ArgMin", f1([](const array& a) { return argmin(a, 0); })},
           {"All", f1([](const array& a) { return all(a, 1); })},
           {"Any", f1([](const array& a) { return any(a); })},
           {"CountNonzero", f1([](const array& a) { return count_nonzero(a, 1); })}}) {
    row(name, fn, {{R}});
  }

  // ---- scans
  row("CumSum", f1([](const array& a) { return cumsum(a, 1); }), {{R}});
  row("CumSumReverseExclusive", f1([](const array& a) { return cumsum(a, 0, true, false); }),
      {{R}});
  row("CumProd", f1([](const array& a) { return cumprod(a, 1); }), {{R, 'a', 0.5, 1.5}});
  row("CumProdReverse", f1([](const array& a) { return cumprod(a, -1, true); }),
      {{R, 'a', 0.5, 1.5}});
  row("CumProdZeros", f1([](const array& a) { return cumprod(a, 1); }),
      {{{3, 6}, 'z', 0.5, 1.5}});
  row("CumProdZerosReverse", f1([](const array& a) { return cumprod(a, 1, true); }),
      {{{3, 6}, 'z', 0.5, 1.5}});
  row("CumProdZerosExclusive", f1([](const array& a) { return cumprod(a, -1, false, false); }),
      {{{3, 6}, 'z', 0.5, 1.5}});
  row("CumProdZerosReverseExclusive",
      f1([](const array& a) { return cumprod(a, 1, true, false); }), {{{3, 6}, 'z', 0.5, 1.5}});
  row("CumProdZerosAxis0", f1([](const array& a) { return cumprod(a, 0); }),
      {{{6, 3}, 'z', 0.5, 1.5}});
  row("CumMax", f1([](const array& a) { return cummax(a, 1); }), {{R}});
  row("CumMin", f1([](const array& a) { return cummin(a, 0, true); }), {{R}});
  row("LogCumSumExp", f1([](const array& a) { return logcumsumexp(a, 1); }), {{R}});

  // ---- sorting
  row("Sort", f1([](const array& a) { return sort(a, 1); }), {{R}});
  row("SortFlat", f1([](const array& a) { return sort(a); }), {{S}});
  row("ArgSort", f1([](const array& a) { return argsort(a, 0); }), {{R}});
  row("Partition", f1([](const array& a) { return partition(a, 1, 1); }), {{R}});
  row("ArgPartition", f1([](const array& a) { return argpartition(a, 1, -1); }), {{R}});
  row("TopK", f1([](const array& a) { return topk(a, 2, 1); }), {{R}});
  r = row("SearchSorted", f2([](const array& a, const array& v) {
            return searchsorted(sort(a), v);
          }), {{{5}}, {{4}}});

  // ---- shapes
  row("BroadcastTo", f1([](const array& a) { return broadcast_to(a, {2, 2, 3}); }), {{{2, 1, 3}}});
  row("Reshape", f1([](const array& a) { return reshape(a, {3, 2}); }), {{S}});
  row("Transpose", f1([](const array& a) { return transpose(a, {2, 0, 1}); }), {{R}});
  row("MoveAxis", f1([](const array& a) { return moveaxis(a, 0, -1); }), {{R}});
  row("ExpandDims", f1([](const array& a) { return expand_dims(a, {0, 2}); }), {{S}});
  row("Squeeze", f1([](const array& a) { return squeeze(a, 1); }), {{{2, 1, 3}}});
  row("Concatenate", f2([](const array& a, const array& b) { return concatenate({a, b}, 1); }),
      {{S}, {{2, 2}}});
  row("Stack", f2([](const array& a, const array& b) { return stack({a, b}, 1); }), {{S}, {S}});
  row("Split", [](const std::vector<array>& in) { return split(in[0], 3, 1); }, {{{2, 3}}});
  row("SplitIndices", [](const std::vector<array>& in) { return split(in[0], Shape{1, 3}, 0); },
      {{{4, 2}}});
  row("Flip", f1([](const array& a) { return flip(a, 1); }), {{R}});
  row("Roll", f1([](const array& a) { return roll(a, 2, 1); }), {{R}});
  row("Pad", f1([](const array& a) { return pad(a, {{1, 0}, {0, 2}}); }), {{S}});
  row("PadValue", f2([](const array& a, const array& v) { return pad(a, {{1, 1}, {0, 1}}, v); }),
      {{S}, {{}}});
  row("Diagonal", f1([](const array& a) { return diagonal(a, 1, 0, 2); }), {{{3, 2, 4}}});
  row("Tile", f1([](const array& a) { return tile(a, {2, 1}); }), {{S}});
  row("Repeat", f1([](const array& a) { return repeat(a, 2, 1); }), {{S}});
  row("Flatten", f1([](const array& a) { return flatten(a, 1, 2); }), {{R}});
  row("AsStrided", f1([](const array& a) { return as_strided(a, {2, 2}, {1, 1}, 0); }),
      {{{5}}});
  r = row("View", f1([](const array& a) { return view(a, int32); }), {{S}});
  r->make_input = [](int, std::mt19937& rng) {
    return make_in({{2, 3}, 'f', -1, 1}, rng);
  };
  r->differentiable = false;

  // ---- indexing
  row("Slice", f1([](const array& a) { return slice(a, {0, 1}, {2, 3}); }), {{S}});
  row("SliceStrided", f1([](const array& a) { return slice(a, {3, 0}, {0, 3}, {-2, 2}); }),
      {{{4, 3}}});
  row("SliceUpdate", f2([](const array& a, const array& u) {
        return slice_update(a, u, {0, 1}, {2, 3});
      }), {{S}, {{2, 2}}});
  row("Take", f2([](const array& a, const array& i) { return take(a, i, 1); }),
      {{S}, {{4}, 'i', 0, 3}});
  row("TakeAlongAxis", f2([](const array& a, const array& i) {
        return take_along_axis(a, i, 1);
      }), {{S}, {{2, 4}, 'i', 0, 3}});
  row("PutAlongAxis", f3([](const array& a, const array& i, const array& v) {
        return put_along_axis(a, i, v, 0);
      }), {{{4, 3}}, {{1, 3}, 'i', 0, 4}, {{1, 3}}});
  row("ScatterAddAxis", f3([](const array& a, const array& i, const array& v) {
        return scatter_add_axis(a, i, v, 1);
      }), {{S}, {{2, 4}, 'i', 0, 3}, {{2, 4}}});
  row("Gather", f2([](const array& a, const array& i) { return gather(a, i, 0, {1, 3}); }),
      {{{4, 3}}, {{2}, 'i', 0, 4}});
  row("Scatter", f3([](const array& a, const array& i, const array& u) {
        return scatter(a, i, u, 0);
      }), {{{4, 3}}, {{2}, 'u', 0, 4}, {{2, 1, 3}}});
  row("ScatterAdd", f3([](const array& a, const array& i, const array& u) {
        return scatter_add(a, i, u, 0);
      }), {{{4, 3}}, {{3}, 'i', 0, 4}, {{3, 1, 3}}});
  row("ScatterProd", f3([](const array& a, const array& i, const array& u) {
        return scatter_prod(a, i, u, 0);
      }), {{{4, 3}, 'a', 0.5, 1.5}, {{2}, 'u', 0, 4}, {{2, 1, 3}, 'a', 0.5, 1.5}});
  row("ScatterProdZeroUpdates", f3([](const array& a, const array& i, const array& u) {
        return scatter_prod(a, i, u, 0);
      }), {{{4, 3}, 'a', 0.5, 1.5}, {{2}, 'u', 0, 4}, {{2, 1, 3}, 'z', 0.5, 1.5}});
  row("ScatterMax", f3([](const array& a, const array& i, const array& u) {
        return scatter_max(a, i, u, 0);
      }), {{{4, 3}}, {{2}, 'u', 0, 4}, {{2, 1, 3}}});
  row("ScatterMin", f3([](const array& a, const array& i, const array& u) {
        return scatter_min(a, i, u, 0);
      }), {{{4, 3}}, {{2}, 'u', 0, 4}, {{2, 1, 3}}});
  row("MaskedScatter", f3([](const array& a, const array& m, const array& v) {
        return masked_scatter(a, m, v);
      }), {{S}, {S, 'b'}, {{6}}});
  row("DynamicSlice", f2([](const array& a, const array& i) {
        return slice(a, i, {1}, {2, 2});
      }), {{{2, 4}}, {{1}, 'i', 0, 3}});
  row("DynamicSliceUpdate", f3([](const array& a, const array& u, const array& i) {
        return slice_update(a, u, i, {1});
      }), {{{2, 4}}, {{2, 2}}, {{1}, 'i', 0, 3}});

  // ---- creation
  row("Full", f1([](const array& v) { return full({2, 3}, v); }), {{{3}}});
  row("Tril", f1([](const array& a) { return tril(a, 0); }), {{{3, 3}}});
  row("Triu", f1([](const array& a) { return triu(a, 1); }), {{{2, 3, 3}}});

  // ---- matmul and convolution
  row("Matmul", f2([](const array& a, const array& b) { return matmul(a, b); }),
      {{{2, 3}}, {{3, 4}}});
  row("MatmulBatched", f2([](const array& a, const array& b) { return matmul(a, b); }),
      {{{2, 2, 3}}, {{3, 2}}});
  row("MatmulVector", f2([](const array& a, const array& b) { return matmul(a, b); }),
      {{{3}}, {{3, 2}}});
  row("AddMM", f3([](const array& c, const array& a, const array& b) {
        return addmm(c, a, b, 0.5f, 2.0f);
      }), {{{2, 4}}, {{2, 3}}, {{3, 4}}});
  row("Einsum", f2([](const array& a, const array& b) { return einsum("ij,kj->ik", {a, b}); }),
      {{{2, 3}}, {{4, 3}}});
  row("Conv1d", f2([](const array& x, const array& w) { return conv1d(x, w, 1, 1); }),
      {{{1, 5, 2}}, {{3, 3, 2}}});
  row("Conv1dStrided", f2([](const array& x, const array& w) { return conv1d(x, w, 2, 0, 1); }),
      {{{2, 6, 2}}, {{2, 2, 2}}});
  row("Conv2d", f2([](const array& x, const array& w) {
        return conv2d(x, w, {1, 1}, {1, 0});
      }), {{{1, 3, 3, 2}}, {{2, 2, 2, 2}}});
  row("ConvTranspose1d", f2([](const array& x, const array& w) {
        return conv_transpose1d(x, w, 2);
      }), {{{1, 3, 2}}, {{2, 2, 2}}});

  // ---- random (reparameterised samples with a fixed key; bits batch over keys)
  // Sampling runs in float32 at most (float64 inputs: FD through rounding).
  auto rdt = [](const array& a) { return a.dtype() == float64 ? float32 : a.dtype(); };
  r = row("NormalReparam", f2([rdt](const array& loc, const array& scale) {
        return random::normal({2, 3}, rdt(loc), loc, scale, random::key(7));
      }), {{{3}}, {{2, 1}, 'f', 0.5, 2}});
  r->eps = 1e-3;
  r->tol = 1e-3;
  r = row("UniformReparam", f2([rdt](const array& lo, const array& hi) {
        return random::uniform(lo, hi, {2, 3}, rdt(lo), random::key(3));
      }), {{{3}, 'f', -2, -1}, {{2, 1}, 'f', 1, 2}});
  r->eps = 1e-3;
  r->tol = 1e-3;
  r = row("MultivariateNormal", f2([](const array& mean, const array& a) {
            array cov = add(matmul(a, transpose(a)), multiply(eye(3, a.dtype()), array(0.5, a.dtype())));
            return random::multivariate_normal(mean, cov, {2}, float32, random::key(5));
          }), {{{3}}, {{3, 3}}});
  r->dtypes = {float32};
  r->eps = 1e-3;
  r->tol = 2e-3;
  r = row("RandomBits", f1([](const array& k) { return random::bits({2, 3}, 4, k); }), {{{2}}});
  r->make_input = [](int, std::mt19937& rng) { return random::key(rng()); };
  r->differentiable = false;
  return t;
}

}  // namespace

// Number of failures `body` reports whose message contains `what`.
template <typename F>
int count_failures(F&& body, const std::string& what) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
        &results);
    body();
  }
  int n = 0;
  for (int i = 0; i < results.size(); ++i) {
    n += std::string(results.GetTestPartResult(i).message()).find(what) !=
         std::string::npos;
  }
  return n;
}

// The checker itself must catch wrong rules.
TEST(Transforms, CheckerCatchesWrongRules) {
  auto wrong_vjp = custom_vjp(
      [](const std::vector<array>& in) { return std::vector<array>{sin(in[0])}; },
      [](const std::vector<array>& p, const std::vector<array>& c,
         const std::vector<array>&) { return std::vector<array>{multiply(c[0], p[0])}; });
  OpCase c;
  c.name = "WrongVjp";
  c.fn = wrong_vjp;
  c.shapes = {{2, 2}};
  c.second_order = false;
  EXPECT_GT(count_failures([&] { gradcheck::check_float64(c); }, "WrongVjp vjp of input 0"), 0);
  auto wrong_jvp = custom_function(
      [](const std::vector<array>& in) { return std::vector<array>{sin(in[0])}; },
      std::nullopt,
      CustomJVPFn([](const std::vector<array>& p, const std::vector<array>& t,
                     const std::vector<int>&) { return std::vector<array>{t[0]}; }));
  c.name = "WrongJvp";
  c.fn = wrong_jvp;
  EXPECT_GT(count_failures([&] { gradcheck::check_float64(c); }, "WrongJvp jvp of output 0"), 0);
  auto wrong_vmap = custom_function(
      [](const std::vector<array>& in) { return std::vector<array>{sin(in[0])}; },
      std::nullopt, std::nullopt,
      CustomVmapFn([](const std::vector<array>& in, const std::vector<int>& ax) {
        return std::make_pair(std::vector<array>{cos(in[0])}, std::vector<int>{ax[0]});
      }));
  c.name = "WrongVmap";
  c.fn = wrong_vmap;
  c.differentiable = false;
  EXPECT_GT(count_failures([&] { gradcheck::check_vmap(c); }, "WrongVmap vmap variant 0"), 0);
}

class OpGradients : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpGradients, VjpJvpVmap) { gradcheck::check_op(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Table, OpGradients, ::testing::ValuesIn(op_table()),
                         [](const ::testing::TestParamInfo<OpCase>& info) {
                           return info.param.name;
                         });
