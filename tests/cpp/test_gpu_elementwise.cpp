// GPU elementwise kernels against the CPU backend: every unary and binary
// op, divmod, where, astype/copy for every dtype pair, and the creation ops,
// on seeded random inputs in every layout (dense, transposed, broadcast,
// strided, reversed, misaligned), empty and 0-d arrays, and sizes that take
// the multi-block vectorised paths with odd tails. Also graphs that mix CPU
// and GPU ops and buffer donation. Skipped without a GPU.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "gpu_test_utils.h"

namespace ember {
namespace {

using namespace gpu_test;

#define REQUIRE_GPU() \
  if (!have_gpu()) GTEST_SKIP() << "no GPU"

using UnaryFn = std::function<array(const array&, StreamOrDevice)>;
using BinaryFn =
    std::function<array(const array&, const array&, StreamOrDevice)>;

struct UnaryCase {
  const char* name;
  UnaryFn fn;
  double lo, hi;
};

std::vector<UnaryCase> unary_cases() {
#define U(NAME, LO, HI)                                                     \
  UnaryCase {                                                               \
    #NAME, [](const array& a, StreamOrDevice s) { return NAME(a, s); }, LO, \
        HI                                                                  \
  }
  return {
      U(abs, -4, 4),       U(sign, -4, 4),     U(negative, -4, 4),
      U(square, -4, 4),    U(sqrt, -1, 9),     U(rsqrt, 0.05, 9),
      U(exp, -4, 4),       U(expm1, -2, 2),    U(log, -0.5, 9),
      U(log2, 0.01, 9),    U(log10, 0.01, 9),  U(log1p, -0.9, 9),
      U(sin, -4, 4),       U(cos, -4, 4),      U(tan, -1.4, 1.4),
      U(arcsin, -1, 1),    U(arccos, -1, 1),   U(arctan, -4, 4),
      U(sinh, -3, 3),      U(cosh, -3, 3),     U(tanh, -4, 4),
      U(arcsinh, -4, 4),   U(arccosh, 1, 6),   U(arctanh, -0.99, 0.99),
      U(erf, -3, 3),       U(erfinv, -0.99, 0.99), U(sigmoid, -6, 6),
      U(floor, -4, 4),     U(ceil, -4, 4),     U(trunc, -4, 4),
      U(conjugate, -4, 4), U(real, -4, 4),     U(imag, -4, 4),
      U(logical_not, -4, 4), U(bitwise_invert, -100, 100),
      UnaryCase{"round",
                [](const array& a, StreamOrDevice s) { return round(a, 0, s); },
                -4, 4},
  };
#undef U
}

// Runs fn on the CPU and on the GPU; false when the op rejects the dtype
// (checked when building the graph, the same on both devices; some ops
// raise invalid_argument, bitwise ones on floats runtime_error).
bool run_both(const std::function<array(StreamOrDevice)>& fn, array& cpu,
              array& gpu) {
  try {
    cpu = fn(kCpu);
  } catch (const std::exception&) {
    EXPECT_ANY_THROW(fn(kGpu));
    return false;
  }
  gpu = fn(kGpu);
  EXPECT_EQ(gpu.dtype(), cpu.dtype());
  return true;
}

std::string ctx(const char* op, Dtype t, const char* layout) {
  return std::string(op) + " " + dtype_name(t) + " " + layout;
}

TEST(GpuElementwise, UnaryEveryDtypeAndLayout) {
  REQUIRE_GPU();
  uint64_t seed = 1;
  for (auto& c : unary_cases()) {
    for (Dtype t : all_dtypes()) {
      for (Layout l : all_layouts()) {
        array x = make_input({5, 7, 9}, t, l, seed++, c.lo, c.hi);
        array rc(0.0f), rg(0.0f);
        if (!run_both([&](StreamOrDevice s) { return c.fn(x, s); }, rc, rg)) {
          break;
        }
        expect_match(rg, rc, ctx(c.name, t, layout_name(l)));
      }
    }
  }
}

TEST(GpuElementwise, UnaryEmptyScalarAndLarge) {
  REQUIRE_GPU();
  for (auto& c : unary_cases()) {
    for (Dtype t : {float32, float16, int32, complex64, bool_}) {
      for (Shape shape : {Shape{0}, Shape{3, 0}, Shape{}, Shape{(1 << 20) + 3}}) {
        array x = random_array(shape, t, 17, c.lo, c.hi);
        array rc(0.0f), rg(0.0f);
        if (!run_both([&](StreamOrDevice s) { return c.fn(x, s); }, rc, rg)) {
          break;
        }
        expect_match(rg, rc, ctx(c.name, t, shape_str(shape).c_str()));
      }
    }
  }
}

TEST(GpuElementwise, UnaryMisalignedLargeAndSpecialValues) {
  REQUIRE_GPU();
  // A one-element offset into a large buffer takes the unaligned path.
  for (Dtype t : {float32, float16, bfloat16, float64, uint8, int16}) {
    array x = make_input({(1 << 18) + 5}, t, Layout::offset, 3, -3, 3);
    expect_match(exp(x, kGpu), exp(x, kCpu), ctx("exp", t, "offset-large"));
    expect_match(abs(x, kGpu), abs(x, kCpu), ctx("abs", t, "offset-large"));
  }
  std::vector<float> sv = {0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN,
                           1e-30f, -1e30f, 0.5f, 1.5f, 2.5f, -2.5f};
  array x(sv, {int(sv.size())});
  for (auto& c : unary_cases()) {
    array rc(0.0f), rg(0.0f);
    if (!run_both([&](StreamOrDevice s) { return c.fn(x, s); }, rc, rg)) {
      continue;
    }
    expect_match(rg, rc, ctx(c.name, float32, "special"));
  }
  // Integer wrap-around of abs/negative at the minimum.
  array m({int8_t(-128), int8_t(127), int8_t(0)}, int8);
  expect_match(abs(m, kGpu), abs(m, kCpu), "abs int8 min");
  expect_match(negative(m, kGpu), negative(m, kCpu), "negative int8 min");
}

struct BinaryCase {
  const char* name;
  BinaryFn fn;
  double alo, ahi, blo, bhi;
};

std::vector<BinaryCase> binary_cases() {
#define B(NAME, ALO, AHI, BLO, BHI)                               \
  BinaryCase {                                                    \
    #NAME,                                                        \
        [](const array& a, const array& b, StreamOrDevice s) {    \
          return NAME(a, b, s);                                   \
        },                                                        \
        ALO, AHI, BLO, BHI                                        \
  }
  return {
      B(add, -50, 50, -50, 50),
      B(subtract, -50, 50, -50, 50),
      B(multiply, -20, 20, -20, 20),
      B(divide, -10, 10, -10, 10),
      B(floor_divide, -20, 20, -6, 6),
      B(remainder, -20, 20, -6, 6),
      B(power, 0, 4, -3, 5),
      B(maximum, -5, 5, -5, 5),
      B(minimum, -5, 5, -5, 5),
      B(logaddexp, -10, 10, -10, 10),
      B(arctan2, -3, 3, -3, 3),
      B(equal, -2, 2, -2, 2),
      B(not_equal, -2, 2, -2, 2),
      B(less, -2, 2, -2, 2),
      B(less_equal, -2, 2, -2, 2),
      B(greater, -2, 2, -2, 2),
      B(greater_equal, -2, 2, -2, 2),
      B(logical_and, -1, 1, -1, 1),
      B(logical_or, -1, 1, -1, 1),
      B(bitwise_and, -100, 100, -100, 100),
      B(bitwise_or, -100, 100, -100, 100),
      B(bitwise_xor, -100, 100, -100, 100),
      B(left_shift, -100, 100, -3, 70),
      B(right_shift, -100, 100, -3, 70),
  };
#undef B
}

TEST(GpuElementwise, BinaryEveryDtypeAndLayout) {
  REQUIRE_GPU();
  // (layout of a, layout of b); scalars are 0-d arrays broadcast by the op.
  std::vector<std::pair<Layout, Layout>> pairs = {
      {Layout::dense, Layout::dense},         {Layout::dense, Layout::broadcast},
      {Layout::transposed, Layout::transposed}, {Layout::transposed, Layout::dense},
      {Layout::strided, Layout::reversed},    {Layout::offset, Layout::offset},
      {Layout::reversed, Layout::broadcast},
  };
  uint64_t seed = 100;
  for (auto& c : binary_cases()) {
    for (Dtype t : all_dtypes()) {
      bool supported = true;
      for (auto [la, lb] : pairs) {
        array a = make_input({4, 6, 10}, t, la, seed++, c.alo, c.ahi);
        array b = make_input({4, 6, 10}, t, lb, seed++, c.blo, c.bhi);
        array rc(0.0f), rg(0.0f);
        if (!run_both([&](StreamOrDevice s) { return c.fn(a, b, s); }, rc, rg)) {
          supported = false;
          break;
        }
        expect_match(rg, rc,
                     ctx(c.name, t, (std::string(layout_name(la)) + "/" +
                                     layout_name(lb)).c_str()));
      }
      if (!supported) continue;
      // Scalar-array, array-scalar, both scalars, empty, large with a tail.
      array s0 = random_array({}, t, seed++, c.blo, c.bhi);
      array v = random_array({(1 << 20) + 3}, t, seed++, c.alo, c.ahi);
      array w = random_array({(1 << 20) + 3}, t, seed++, c.blo, c.bhi);
      array e = random_array({2, 0}, t, seed++, c.alo, c.ahi);
      array sa = random_array({}, t, seed++, c.alo, c.ahi);
      expect_match(c.fn(v, s0, kGpu), c.fn(v, s0, kCpu), ctx(c.name, t, "vector-scalar"));
      expect_match(c.fn(s0, v, kGpu), c.fn(s0, v, kCpu), ctx(c.name, t, "scalar-vector"));
      expect_match(c.fn(v, w, kGpu), c.fn(v, w, kCpu), ctx(c.name, t, "large"));
      expect_match(c.fn(sa, s0, kGpu), c.fn(sa, s0, kCpu), ctx(c.name, t, "0-d"));
      expect_match(c.fn(e, e, kGpu), c.fn(e, e, kCpu), ctx(c.name, t, "empty"));
    }
  }
}

TEST(GpuElementwise, BinaryBroadcastShapesAndSpecialValues) {
  REQUIRE_GPU();
  array a = random_array({3, 1, 5}, float32, 1);
  array b = random_array({1, 4, 1}, float32, 2);
  expect_match(add(a, b, kGpu), add(a, b, kCpu), "add broadcast 3d");
  array col = random_array({7, 1}, int32, 3, -9, 9);
  array row = random_array({1, 9}, int32, 4, -9, 9);
  expect_match(floor_divide(col, row, kGpu), floor_divide(col, row, kCpu),
               "floor_divide broadcast");
  // Many dims that cannot be collapsed (more than the kernels' fixed limit).
  Shape big(12, 2);
  array p = transpose(random_array(big, float32, 5), kCpu);
  array q = random_array(big, float32, 6);
  expect_match(multiply(p, q, kGpu), multiply(p, q, kCpu), "multiply 12-d");
  std::vector<float> sv = {0.0f, -0.0f, 1.0f, -1.0f, INFINITY, -INFINITY, NAN, 2.5f};
  size_t n = sv.size();
  std::vector<float> av, bv;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      av.push_back(sv[i]);
      bv.push_back(sv[j]);
    }
  }
  array x(av, {int(n * n)}), y(bv, {int(n * n)});
  for (auto& c : binary_cases()) {
    array rc(0.0f), rg(0.0f);
    if (!run_both([&](StreamOrDevice s) { return c.fn(x, y, s); }, rc, rg)) {
      continue;
    }
    expect_match(rg, rc, ctx(c.name, float32, "special"));
  }
  // Integer edge cases: division by 0 and -1 at the minimum, big shifts.
  array ia({int32_t(INT32_MIN), 7, -7, 0, 5}, int32);
  array ib({int32_t(-1), 0, 2, -3, 40}, int32);
  for (auto& c : binary_cases()) {
    array rc(0.0f), rg(0.0f);
    if (!run_both([&](StreamOrDevice s) { return c.fn(ia, ib, s); }, rc, rg)) {
      continue;
    }
    expect_match(rg, rc, ctx(c.name, int32, "edge"));
  }
}

TEST(GpuElementwise, DivModEveryDtypeAndLayout) {
  REQUIRE_GPU();
  uint64_t seed = 900;
  for (Dtype t : all_dtypes()) {
    for (Layout l : all_layouts()) {
      array a = make_input({3, 5, 8}, t, l, seed++, -20, 20);
      array b = make_input({3, 5, 8}, t, Layout::dense, seed++, -6, 6);
      std::vector<array> rc, rg;
      try {
        rc = divmod(a, b, kCpu);
      } catch (const std::exception&) {
        EXPECT_ANY_THROW(divmod(a, b, kGpu));
        break;
      }
      rg = divmod(a, b, kGpu);
      expect_match(rg[0], rc[0], ctx("divmod q", t, layout_name(l)));
      expect_match(rg[1], rc[1], ctx("divmod r", t, layout_name(l)));
    }
  }
  array e = zeros({0, 4}, int32);
  auto r = divmod(e, e, kGpu);
  EXPECT_EQ(r[0].shape(), Shape({0, 4}));
  r[1].eval();
}

TEST(GpuElementwise, WhereEveryDtypeAndLayout) {
  REQUIRE_GPU();
  uint64_t seed = 300;
  for (Dtype t : all_dtypes()) {
    for (Layout l : all_layouts()) {
      array c = make_input({4, 5, 6}, bool_, l, seed++);
      array x = make_input({4, 5, 6}, t, Layout::dense, seed++);
      array y = make_input({4, 5, 6}, t, l, seed++);
      expect_match(where(c, x, y, kGpu), where(c, x, y, kCpu),
                   ctx("where", t, layout_name(l)));
    }
    array c = random_array({(1 << 20) + 1}, bool_, seed++);
    array x = random_array({(1 << 20) + 1}, t, seed++);
    array y = random_array({}, t, seed++);
    expect_match(where(c, x, y, kGpu), where(c, x, y, kCpu), ctx("where", t, "large/scalar"));
    array cs = random_array({}, bool_, seed++);
    expect_match(where(cs, y, x, kGpu), where(cs, y, x, kCpu), ctx("where", t, "scalar cond"));
    array e = random_array({0, 3}, t, seed++);
    expect_match(where(zeros({0, 3}, bool_), e, e, kGpu),
                 where(zeros({0, 3}, bool_), e, e, kCpu), ctx("where", t, "empty"));
  }
}

TEST(GpuElementwise, AsTypeEveryDtypePair) {
  REQUIRE_GPU();
  uint64_t seed = 500;
  for (Dtype from : all_dtypes()) {
    for (Dtype to : all_dtypes()) {
      // Values every destination holds exactly (no out-of-range casts).
      for (Layout l : {Layout::dense, Layout::transposed, Layout::reversed,
                       Layout::broadcast, Layout::offset}) {
        array x = make_input({6, 7, 5}, from, l, seed++, 0, 100);
        expect_match(astype(x, to, kGpu), astype(x, to, kCpu),
                     std::string("astype ") + dtype_name(from) + "->" +
                         dtype_name(to) + " " + layout_name(l));
      }
      array big = random_array({(1 << 19) + 7}, from, seed++, -60, 60);
      if (!is_unsigned(to) && to != int8) {
        expect_match(astype(big, to, kGpu), astype(big, to, kCpu),
                     std::string("astype ") + dtype_name(from) + "->" +
                         dtype_name(to) + " large");
      }
    }
  }
  // Scalars, empty arrays and negative values into signed types.
  array s = array(-3.75f);
  for (Dtype to : {int8, int32, int64, float16, bfloat16, complex64, bool_}) {
    expect_match(astype(s, to, kGpu), astype(s, to, kCpu), "astype scalar");
    expect_match(astype(zeros({0}, float32), to, kGpu),
                 astype(zeros({0}, float32), to, kCpu), "astype empty");
  }
  // A GPU result cast in place (its buffer donated) keeps the right values.
  array v = random_array({1000}, int32, 9, -50, 50);
  expect_match(astype(add(v, v, kGpu), float32, kGpu),
               astype(add(v, v, kCpu), float32, kCpu), "astype donated");
}

TEST(GpuElementwise, CopyEveryLayoutAndTransposeTiles) {
  REQUIRE_GPU();
  uint64_t seed = 700;
  for (Dtype t : all_dtypes()) {
    for (Layout l : all_layouts()) {
      array x = make_input({9, 33, 17}, t, l, seed++);
      array g = contiguous(x, false, kGpu);
      g.eval();
      EXPECT_TRUE(g.flags().row_contiguous);
      expect_match(g, contiguous(x, false, kCpu), ctx("contiguous", t, layout_name(l)));
    }
    // Tiled transposes: 2-D, batched 3-D, sizes not multiples of 32.
    for (Shape shape : {Shape{257, 131}, Shape{3, 70, 45}, Shape{1000, 9}}) {
      array x = random_array(shape, t, seed++);
      array tx = swapaxes(x, -1, -2, kCpu);
      expect_match(contiguous(tx, false, kGpu), contiguous(tx, false, kCpu),
                   ctx("transpose copy", t, shape_str(shape).c_str()));
    }
    array y = random_array({4, 5}, t, seed++);
    expect_match(copy(y, kGpu), copy(y, kCpu), ctx("copy", t, "dense"));
    expect_match(contiguous(transpose(y, kCpu), true, kGpu),
                 contiguous(transpose(y, kCpu), true, kCpu), ctx("copy", t, "col-major"));
  }
}

TEST(GpuElementwise, CreationOps) {
  REQUIRE_GPU();
  for (Dtype t : all_dtypes()) {
    expect_match(full({33, 17}, array(3.0f), t, kGpu), full({33, 17}, array(3.0f), t, kCpu),
                 ctx("full", t, "scalar"));
    array row = random_array({1, 17}, t, 4);
    expect_match(full({33, 17}, row, t, kGpu), full({33, 17}, row, t, kCpu),
                 ctx("full", t, "row"));
    expect_match(full({0, 3}, array(1.0f), t, kGpu), full({0, 3}, array(1.0f), t, kCpu),
                 ctx("full", t, "empty"));
    expect_match(zeros({(1 << 20) + 3}, t, kGpu), zeros({(1 << 20) + 3}, t, kCpu),
                 ctx("zeros", t, "large"));
    for (int k : {-2, 0, 3}) {
      expect_match(eye(7, 9, k, t, kGpu), eye(7, 9, k, t, kCpu), ctx("eye", t, "7x9"));
      expect_match(tri(7, 9, k, t, kGpu), tri(7, 9, k, t, kCpu), ctx("tri", t, "7x9"));
      array x = random_array({2, 6, 5}, t, 10 + k);
      expect_match(tril(x, k, kGpu), tril(x, k, kCpu), ctx("tril", t, "2x6x5"));
      expect_match(triu(x, k, kGpu), triu(x, k, kCpu), ctx("triu", t, "2x6x5"));
      array xt = transpose(random_array({5, 6}, t, 20 + k), kCpu);
      expect_match(triu(xt, k, kGpu), triu(xt, k, kCpu), ctx("triu", t, "transposed"));
    }
  }
  for (Dtype t : {uint8, int8, int16, int32, int64, uint32, uint64, float16,
                  bfloat16, float32, float64}) {
    expect_match(arange(0, 100, 1, t, kGpu), arange(0, 100, 1, t, kCpu),
                 ctx("arange", t, "0:100"));
    expect_match(arange(3, 90, 7, t, kGpu), arange(3, 90, 7, t, kCpu),
                 ctx("arange", t, "3:90:7"));
    expect_match(arange(5, 5, 1, t, kGpu), arange(5, 5, 1, t, kCpu),
                 ctx("arange", t, "empty"));
  }
  for (Dtype t : {int8, int32, int64, float32, float64}) {
    expect_match(arange(50, -20, -3, t, kGpu), arange(50, -20, -3, t, kCpu),
                 ctx("arange", t, "negative step"));
  }
  expect_match(arange(0.5, 1e6, 0.25, float32, kGpu),
               arange(0.5, 1e6, 0.25, float32, kCpu), "arange large float32");
  expect_match(arange(-1.0, 1.0, 0.01, float64, kGpu),
               arange(-1.0, 1.0, 0.01, float64, kCpu), "arange float64");
}

TEST(GpuElementwise, MixedCpuGpuGraphs) {
  REQUIRE_GPU();
  array x = random_array({64, 33}, float32, 1);
  array y = random_array({33}, float32, 2);
  auto chain = [&](StreamOrDevice d1, StreamOrDevice d2) {
    array a = add(x, y, d1);
    array b = multiply(a, exp(a, d2), d2);
    array e = where(greater(b, a, d1), sqrt(abs(b, d2), d2), negative(a, d1), d2);
    return maximum(e, astype(a, float16, d1), d2);
  };
  expect_match(chain(kCpu, kGpu), chain(kCpu, kCpu), "mixed cpu->gpu");
  expect_match(chain(kGpu, kCpu), chain(kCpu, kCpu), "mixed gpu->cpu");
  expect_match(chain(kGpu, kGpu), chain(kCpu, kCpu), "all gpu");
  // A GPU intermediate that is donated must not corrupt a live reference.
  array t = add(x, y, kGpu);
  array u = exp(t, kGpu);
  // Intermediates donated; log1p(exp(.)) is well conditioned (sin(exp(.))
  // magnifies the last-ulp differences of float32 exp between CPU and GPU).
  array w = log1p(exp(add(x, y, kGpu), kGpu), kGpu);
  eval({u, w});
  expect_match(t, add(x, y, kCpu), "kept intermediate");
  expect_match(u, exp(add(x, y, kCpu), kCpu), "consumer");
  expect_match(w, log1p(exp(add(x, y, kCpu), kCpu), kCpu), "donated chain");
  // Streams: a second GPU stream consumes the first's results.
  Stream s2 = new_stream(kGpu);
  array p = multiply(t, t, kGpu);
  array q = add(p, t, s2);
  expect_match(q, add(multiply(t, t, kCpu), t, kCpu), "two gpu streams");
}

}  // namespace
}  // namespace ember
