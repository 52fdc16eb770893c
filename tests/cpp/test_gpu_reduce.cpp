// GPU reductions, arg-reductions, softmax, logsumexp and scans against the
// CPU primitives on the same inputs: every dtype, every reduce / scan type,
// dense, transposed, broadcast, stepped, reversed and misaligned inputs,
// empty and 0-d arrays, sizes that take each kernel path (group rows, block
// rows split over blocks, column tiles split over blocks, chunked scans,
// register / online softmax), special values (NaN, +-inf), and graphs mixing
// CPU and GPU ops. Integer and bool results must match exactly.
#include <gtest/gtest.h>

#include <limits>

#include "ember/primitives/reduce.h"
#include "ember/primitives/scan.h"
#include "gpu_reduce_sort_utils.h"

using namespace ember;
using namespace ember::gpu_rs;

namespace {

#define REQUIRE_GPU() \
  if (!is_available(Device(Device::gpu))) GTEST_SKIP() << "no GPU"

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

Shape keep_shape(const Shape& s, const std::vector<int>& axes) {
  Shape o = s;
  for (int a : axes) o[a] = 1;
  return o;
}

const char* reduce_name(Reduce::ReduceType t) {
  switch (t) {
    case Reduce::And: return "all";
    case Reduce::Or: return "any";
    case Reduce::Sum: return "sum";
    case Reduce::Prod: return "prod";
    case Reduce::Min: return "min";
    case Reduce::Max: return "max";
  }
  return "?";
}

Dtype reduce_out_dtype(Reduce::ReduceType t, Dtype dt) {
  if (t == Reduce::And || t == Reduce::Or) return bool_;
  if (t == Reduce::Sum || t == Reduce::Prod) return sum_dtype(dt);
  return dt;
}

Kind reduce_kind(Reduce::ReduceType t) {
  switch (t) {
    case Reduce::And:
    case Reduce::Or: return Kind::Sparse;
    case Reduce::Sum: return Kind::Unit;
    case Reduce::Prod: return Kind::NearOne;
    default: return Kind::Signed;
  }
}

double reduce_tol(Reduce::ReduceType t, Dtype dt) {
  if (t == Reduce::Sum || t == Reduce::Prod) return acc_tol(dt);
  return 0;
}

void check_reduce(const array& x, Reduce::ReduceType t, const std::vector<int>& axes,
                  const std::string& ctx, double tol) {
  Dtype od = reduce_out_dtype(t, x.dtype());
  auto [g, c] = run_both<Reduce>(keep_shape(x.shape(), axes), od, {x}, t, axes);
  expect_match(g, c, tol, ctx);
}

struct Case {
  Shape shape;
  std::vector<int> axes;
};

// Values with NaN / inf / -inf sprinkled in (floating dtypes).
array with_specials(const Shape& shape, Dtype dt, uint64_t seed, int every = 7) {
  size_t n = 1;
  for (auto d : shape) n *= size_t(d);
  auto v = gen(n, dt, Kind::Signed, seed);
  for (size_t i = 0; i < n; ++i) {
    if (i % (every * 5) == 3) v[i] = kNaN;
    else if (i % (every * 3) == 1) v[i] = kInf;
    else if (i % (every * 2) == 5) v[i] = -kInf;
  }
  return array(v, shape, dt);
}

}  // namespace

// ---- Reduce ----

TEST(GpuReduce, EveryDtypeTypeAxesAndLayout) {
  REQUIRE_GPU();
  const std::vector<Case> cases = {
      {{1000}, {0}},       {{7, 33}, {1}},    {{7, 33}, {0}},
      {{7, 33}, {0, 1}},   {{4, 5, 6}, {0, 2}}, {{4, 5, 6}, {1}},
      {{4, 5, 6}, {0, 1, 2}}, {{3, 1, 5}, {1}}, {{2, 3, 4, 5}, {1, 3}},
      {{}, {}},            {{0, 4}, {0}},     {{3, 0}, {0}},
  };
  const std::vector<Reduce::ReduceType> types = {Reduce::And, Reduce::Or,  Reduce::Sum,
                                                 Reduce::Prod, Reduce::Min, Reduce::Max};
  uint64_t seed = 1;
  for (Dtype dt : all_dtypes()) {
    for (auto t : types) {
      for (const auto& cs : cases) {
        for (Layout l : all_layouts()) {
          if (cs.shape.empty() && l != Layout::Dense) continue;
          array x = make_layout(cs.shape, dt, reduce_kind(t), ++seed, l);
          check_reduce(x, t, cs.axes, ctx_str(reduce_name(t), dt, cs.shape, cs.axes, l),
                       reduce_tol(t, dt));
        }
      }
    }
  }
}

TEST(GpuReduce, KernelPathsAtSize) {
  REQUIRE_GPU();
  const std::vector<Case> cases = {
      {{(1 << 24) + 5}, {0}},   // all-reduce split over blocks, vector tail
      {{3, 200003}, {1}},       // block rows split over blocks
      {{200003, 3}, {0}},       // column tiles split over blocks
      {{64, 70001}, {0}},       // many column tiles
      {{70001, 64}, {1}},       // group rows
      {{4096, 4100}, {1}},      // a block per row
      {{33, 5000, 7}, {0, 2}},  // short runs with outer reduced dims (flat)
      {{8, 300, 1000}, {0, 2}},  // long runs with outer reduced dims
      {{3000, 2000}, {0}},
      {{3000, 2000}, {1}},
  };
  uint64_t seed = 100;
  for (Dtype dt : {float32, int32, float64, int8, bfloat16}) {
    for (const auto& cs : cases) {
      for (Layout l : {Layout::Dense, Layout::Offset, Layout::Transposed}) {
        for (auto t : {Reduce::Sum, Reduce::Max, Reduce::Min}) {
          if (dt == bfloat16 && t == Reduce::Sum && l != Layout::Dense) continue;
          array x = make_layout(cs.shape, dt, reduce_kind(t), ++seed, l);
          // Sums of many values: float32 error grows with the row length.
          double tol = reduce_tol(t, dt) * (t == Reduce::Sum && dt == float32 ? 20 : 1);
          check_reduce(x, t, cs.axes, ctx_str(reduce_name(t), dt, cs.shape, cs.axes, l), tol);
        }
      }
    }
  }
  // Booleans and bytes: 16 elements per 16-byte load.
  for (auto t : {Reduce::And, Reduce::Or, Reduce::Sum}) {
    for (const auto& cs : cases) {
      array x = make_layout(cs.shape, bool_, Kind::Sparse, ++seed, Layout::Offset);
      check_reduce(x, t, cs.axes, ctx_str(reduce_name(t), bool_, cs.shape, cs.axes,
                                          Layout::Offset), 0);
    }
  }
}

TEST(GpuReduce, NaNAndInfinities) {
  REQUIRE_GPU();
  for (Dtype dt : float_dtypes()) {
    for (const Case& cs : std::vector<Case>{{{50, 41}, {1}}, {{50, 41}, {0}},
                                            {{3, 100003}, {1}}, {{100003}, {0}}}) {
      array x = with_specials(cs.shape, dt, 5);
      for (auto t : {Reduce::Max, Reduce::Min, Reduce::Sum, Reduce::And, Reduce::Or}) {
        check_reduce(x, t, cs.axes,
                     ctx_str(reduce_name(t), dt, cs.shape, cs.axes, Layout::Dense),
                     reduce_tol(t, dt));
      }
    }
  }
  // A single NaN anywhere in a long row.
  std::vector<double> v(1 << 20, 1.0);
  v[777777] = kNaN;
  array x(v, {1 << 20}, float32);
  check_reduce(x, Reduce::Max, {0}, "max with one NaN", 0);
  check_reduce(x, Reduce::Min, {0}, "min with one NaN", 0);
}

// ---- Leading-axis column sums (vectorized column kernels) ----

namespace {

// x[r0 : r0 + R * rstep : rstep, c0 : c0 + M] of a dense (R * |rstep| + r0 + 1,
// W) buffer (negative rstep: rows walked backwards from the last one).
array col_view(int R, int M, int W, int c0, int rstep, Dtype dt, uint64_t seed) {
  Device cpu(Device::cpu);
  int arows = R * std::abs(rstep) + 1;
  array base = make({arows, W}, dt, Kind::Unit, seed);
  // Negative rstep: start at the last row, stop at row 0 (excluded).
  array v = rstep > 0 ? slice(base, {1, c0}, {1 + R * rstep, c0 + M}, {rstep, 1}, cpu)
                      : slice(base, {arows - 1, c0}, {arows - 1 + R * rstep, c0 + M},
                              {rstep, 1}, cpu);
  v.eval();
  return v;
}

void check_col_sum(const array& x, const std::vector<int>& axes, const std::string& ctx) {
  Dtype dt = x.dtype();
  // Long float32 sums: the CPU and GPU orders differ; error grows with R.
  double tol = acc_tol(dt) * ((dt == float32 || dt == complex64) ? 20 : 1);
  check_reduce(x, Reduce::Sum, axes, ctx, tol);
}

}  // namespace

TEST(GpuReduce, LeadingAxisColumnSums) {
  REQUIRE_GPU();
  struct V {
    int R, M, W, c0, rstep;
  };
  // Dense rows (W == M, c0 == 0) and column slices of wider rows: C odd or
  // not a multiple of the vector width, first column off a 16-byte boundary,
  // stepped and reversed rows, a single row, many rows.
  const std::vector<V> views = {
      {8192, 768, 768, 0, 1},   {4096, 3072, 3072, 0, 1}, {2048, 2304, 2304, 0, 1},
      {1000, 64, 64, 0, 1},     {1000, 771, 771, 0, 1},   {1000, 771, 1024, 1, 1},
      {1000, 13, 16, 0, 1},     {1000, 13, 32, 3, 1},     {777, 1, 64, 5, 1},
      {1000, 40, 48, 7, 1},     {1, 768, 768, 0, 1},      {1, 37, 64, 3, 1},
      {300, 96, 128, 0, 2},     {300, 95, 128, 1, -1},    {100003, 40, 40, 0, 1},
      {1 << 18, 8, 8, 0, 1},    {5, 5000, 5120, 2, 1},
  };
  uint64_t seed = 900;
  for (Dtype dt : {bfloat16, float16, float32, int32, int8, int64, uint8, bool_, float64,
                   complex64}) {
    for (const auto& v : views) {
      if (int64_t(v.R) * v.W > (int64_t(1) << 22) && dt != bfloat16 && dt != float32) continue;
      array x = col_view(v.R, v.M, v.W, v.c0, v.rstep, dt, ++seed);
      std::ostringstream os;
      os << "col sum view R=" << v.R << " M=" << v.M << " W=" << v.W << " c0=" << v.c0
         << " rstep=" << v.rstep;
      check_col_sum(x, {0}, ctx_str(os.str().c_str(), dt, x.shape(), {0}, Layout::Dense));
    }
  }
  // (B, T, C) cotangents summed over (0, 1), as bias gradients are.
  for (Dtype dt : {bfloat16, float32}) {
    for (const Shape& shape : std::vector<Shape>{{8, 1024, 768}, {2, 333, 2304}, {3, 5, 7}}) {
      array x = make(shape, dt, Kind::Unit, ++seed);
      check_col_sum(x, {0, 1}, ctx_str("col sum", dt, shape, {0, 1}, Layout::Dense));
    }
  }
  // Misaligned dense input (flat offset of one element).
  for (Dtype dt : {bfloat16, float32, int32}) {
    for (const Shape& shape : std::vector<Shape>{{4000, 64}, {3, 8}}) {
      array x = make_layout(shape, dt, Kind::Unit, ++seed, Layout::Offset);
      check_col_sum(x, {0}, ctx_str("col sum", dt, shape, {0}, Layout::Offset));
    }
  }
}

// Sums over a middle axis: every kept index other than the columns is its
// own (R, M) problem for the vectorized column kernels (when the strides
// allow; the others take the scalar column tiles and must agree too).
TEST(GpuReduce, MiddleAxisColumnSums) {
  REQUIRE_GPU();
  Device cpu(Device::cpu);
  uint64_t seed = 1300;
  const std::vector<Case> cases = {
      {{256, 4096, 64}, {1}},    // many problems, rows split over blocks
      {{4, 8192, 256}, {1}},     // few wide problems
      {{3, 5, 1000, 24}, {2}},   // two kept outer dims
      {{2, 3, 300, 40}, {1, 2}}, // two merged reduced dims
      {{1000, 7, 32}, {0}},      // kept dim inside the reduced one
      {{64, 33, 12}, {1}},       // rows of 12 (not whole 16-byte groups for int64)
      {{9, 100, 13}, {1}},       // odd columns: kept stride off 16 bytes
      {{4, 5000, 63}, {1}},      // the same with many rows (8 loads in flight)
      {{3000, 255}, {0}},        // rows off 16 bytes: scalar column tiles
      {{20000, 2, 8}, {1}},      // many tiny problems
      {{2, 1, 64}, {1}},         // one row each
  };
  for (Dtype dt : {bfloat16, float16, float32, int32, int8, int64, bool_, float64, complex64}) {
    for (const auto& c : cases) {
      int64_t n = 1;
      for (auto d : c.shape) n *= d;
      if (n > (int64_t(1) << 22) && dt != bfloat16 && dt != float32) continue;
      for (Layout l : {Layout::Dense, Layout::Offset}) {
        array x = make_layout(c.shape, dt, Kind::Unit, ++seed, l);
        check_col_sum(x, c.axes, ctx_str("middle-axis sum", dt, c.shape, c.axes, l));
      }
    }
  }
  // Kept dims whose memory order differs from the output's: (A, B, R, M)
  // viewed as (B, A, R, M).
  for (Dtype dt : {bfloat16, float32}) {
    array base = make({6, 5, 700, 48}, dt, Kind::Unit, ++seed);
    array x = transpose(base, {1, 0, 2, 3}, cpu);
    check_col_sum(x, {2}, ctx_str("middle-axis sum, swapped kept dims", dt, x.shape(), {2},
                                  Layout::Transposed));
  }
}

TEST(GpuReduce, LeadingAxisColumnSumsAreDeterministic) {
  REQUIRE_GPU();
  array x = make({8192, 768}, bfloat16, Kind::Signed, 4242);
  array y = make({20000, 300}, float32, Kind::Signed, 4243);
  Stream g = gpu_stream();
  array a = sum(x, std::vector<int>{0}, false, g), b = sum(x, std::vector<int>{0}, false, g);
  array c = sum(y, std::vector<int>{0}, false, g), d = sum(y, std::vector<int>{0}, false, g);
  array z = make({64, 4096, 64}, float32, Kind::Signed, 4244);
  array e = sum(z, std::vector<int>{1}, false, g), f = sum(z, std::vector<int>{1}, false, g);
  eval({a, b, c, d, e, f});
  expect_match(a, b, 0, "bf16 col sum run twice");
  expect_match(c, d, 0, "f32 col sum run twice");
  expect_match(e, f, 0, "f32 middle-axis sum run twice");
}

// ---- ArgReduce ----

TEST(GpuArgReduce, EveryDtypeAxisAndLayout) {
  REQUIRE_GPU();
  const std::vector<std::pair<Shape, int>> cases = {
      {{1000}, 0},   {{7, 33}, 1},       {{7, 33}, 0},        {{4, 5, 6}, 1},
      {{4, 5, 6}, 2}, {{3, 1, 5}, 1},    {{50000}, 0},        {{3, 100000}, 1},
      {{100000, 3}, 0}, {{2, 3, 4, 5}, 2},
  };
  uint64_t seed = 300;
  for (Dtype dt : all_dtypes()) {
    for (auto t : {ArgReduce::ArgMin, ArgReduce::ArgMax}) {
      for (const auto& [shape, axis] : cases) {
        size_t n = 1;
        for (auto d : shape) n *= size_t(d);
        for (Layout l : all_layouts()) {
          if (n > 10000 && l != Layout::Dense && l != Layout::Transposed) continue;
          // Ties everywhere: the first index must win.
          array x = make_layout(shape, dt, Kind::Ties, ++seed, l);
          auto [g, c] = run_both<ArgReduce>(keep_shape(shape, {axis}), uint32, {x}, t, axis);
          expect_match(g, c, 0,
                       ctx_str(t == ArgReduce::ArgMax ? "argmax" : "argmin", dt, shape,
                               {axis}, l));
        }
      }
    }
  }
}

TEST(GpuArgReduce, NaNsFirstOneWins) {
  REQUIRE_GPU();
  for (Dtype dt : float_dtypes()) {
    for (const auto& [shape, axis] : std::vector<std::pair<Shape, int>>{
             {{40, 37}, 1}, {{40, 37}, 0}, {{2, 70000}, 1}, {{70000, 2}, 0}}) {
      array x = with_specials(shape, dt, 9, 3);
      for (auto t : {ArgReduce::ArgMin, ArgReduce::ArgMax}) {
        auto [g, c] = run_both<ArgReduce>(keep_shape(shape, {axis}), uint32, {x}, t, axis);
        expect_match(g, c, 0, ctx_str("arg with NaN", dt, shape, {axis}, Layout::Dense));
      }
    }
  }
}

// ---- Softmax ----

TEST(GpuSoftmax, RowLengthsAcrossKernelConfigs) {
  REQUIRE_GPU();
  const std::vector<int> lengths = {1,    3,    31,   128,  129,  500,   1024, 1500,
                                    2048, 4000, 8192, 10000, 16384, 20000, 70001};
  uint64_t seed = 500;
  for (Dtype dt : float_dtypes()) {
    double rtol = acc_tol(dt) * 2;
    double atol = dt == float16 ? 1e-7 : 1e-30;
    for (int n : lengths) {
      for (int rows : {7, std::max(1, std::min(300, (1 << 21) / n))}) {
        for (Layout l : {Layout::Dense, Layout::Offset}) {
          Shape shape{rows, n};
          array x = make_layout(shape, dt, Kind::Signed, ++seed, l);
          auto [g, c] = run_both<Softmax>(shape, dt, {x}, std::vector<int>{1}, false);
          expect_close(g, c, rtol, atol, ctx_str("softmax", dt, shape, {1}, l));
        }
      }
    }
  }
}

TEST(GpuSoftmax, FewLongRowsSplitPath) {
  REQUIRE_GPU();
  for (Dtype dt : {float32, bfloat16}) {
    for (const Shape& shape : std::vector<Shape>{{2, 300001}, {1, 1 << 21}}) {
      array x = make(shape, dt, Kind::Signed, 77);
      auto [g, c] = run_both<Softmax>(shape, dt, {x}, std::vector<int>{1}, true);
      expect_close(g, c, acc_tol(dt) * 5, 1e-30, ctx_str("softmax", dt, shape, {1},
                                                        Layout::Dense));
    }
  }
}

TEST(GpuSoftmax, AxesLayoutsAndSpecialRows) {
  REQUIRE_GPU();
  const std::vector<Case> cases = {{{6, 50, 7}, {0}}, {{6, 50, 7}, {1}}, {{6, 50, 7}, {2}},
                                   {{6, 50, 7}, {0, 2}}, {{6, 50, 7}, {1, 2}},
                                   {{5}, {0}}, {{0, 5}, {1}}};
  uint64_t seed = 600;
  for (Dtype dt : float_dtypes()) {
    for (const auto& cs : cases) {
      for (Layout l : all_layouts()) {
        array x = make_layout(cs.shape, dt, Kind::Signed, ++seed, l);
        auto [g, c] = run_both<Softmax>(cs.shape, dt, {x}, cs.axes, false);
        expect_close(g, c, acc_tol(dt) * 2, dt == float16 ? 1e-7 : 1e-30,
                     ctx_str("softmax", dt, cs.shape, cs.axes, l));
      }
    }
    // Rows holding NaN, +inf, only -inf, or some -inf (short and long rows).
    for (int n : {9, 3000, 40000}) {
      std::vector<double> v(4 * size_t(n), 0.5);
      v[3] = kNaN;
      v[n + 1] = kInf;
      for (int i = 0; i < n; ++i) v[2 * size_t(n) + i] = -kInf;
      for (int i = 0; i < n; i += 2) v[3 * size_t(n) + i] = -kInf;
      array x(v, {4, n}, dt);
      auto [g, c] = run_both<Softmax>(Shape{4, n}, dt, {x}, std::vector<int>{1}, false);
      expect_close(g, c, acc_tol(dt) * 2, 1e-30, "softmax special rows");
    }
  }
}

// ---- LogSumExp ----

TEST(GpuLogSumExp, AxesLayoutsSpecialsAndEmpty) {
  REQUIRE_GPU();
  const std::vector<Case> cases = {{{1000}, {0}},        {{7, 33}, {1}},  {{7, 33}, {0}},
                                   {{4, 5, 6}, {0, 2}},  {{4, 5, 6}, {1}}, {{3, 0}, {1}},
                                   {{3, 200003}, {1}},   {{200003, 3}, {0}}, {{0, 3}, {1}}};
  uint64_t seed = 700;
  for (Dtype dt : float_dtypes()) {
    for (const auto& cs : cases) {
      for (Layout l : all_layouts()) {
        array x = make_layout(cs.shape, dt, Kind::Signed, ++seed, l);
        auto [g, c] = run_both<LogSumExp>(keep_shape(cs.shape, cs.axes), dt, {x}, cs.axes);
        expect_match(g, c, acc_tol(dt) * 2, ctx_str("logsumexp", dt, cs.shape, cs.axes, l));
      }
    }
    array x = with_specials({60, 31}, dt, 3, 2);
    for (int ax : {0, 1}) {
      auto [g, c] = run_both<LogSumExp>(keep_shape({60, 31}, {ax}), dt, {x},
                                        std::vector<int>{ax});
      expect_match(g, c, acc_tol(dt) * 2, "logsumexp special values");
    }
    std::vector<double> v(6, -kInf);
    array ninf(v, {2, 3}, dt);
    auto [g, c] = run_both<LogSumExp>(Shape{2, 1}, dt, {ninf}, std::vector<int>{1});
    expect_match(g, c, 0, "logsumexp of -inf rows");
  }
}

// ---- Scan ----

namespace {
const char* scan_name(Scan::ReduceType t) {
  switch (t) {
    case Scan::Sum: return "cumsum";
    case Scan::Prod: return "cumprod";
    case Scan::Max: return "cummax";
    case Scan::Min: return "cummin";
    case Scan::LogAddExp: return "logcumsumexp";
  }
  return "?";
}

void check_scan(const array& x, Scan::ReduceType t, int axis, bool reverse, bool inclusive,
                double tol, const std::string& ctx) {
  auto [g, c] = run_both<Scan>(x.shape(), x.dtype(), {x}, t, axis, reverse, inclusive);
  expect_match(g, c, tol, ctx + (reverse ? " reverse" : "") +
                              (inclusive ? " inclusive" : " exclusive"));
}
}  // namespace

TEST(GpuScan, EveryDtypeTypeAxisAndDirection) {
  REQUIRE_GPU();
  const std::vector<std::pair<Shape, int>> cases = {
      {{5}, 0}, {{3, 17}, 1}, {{3, 17}, 0}, {{2, 600}, 1}, {{4, 7, 5}, 1}, {{1, 1}, 0},
      {{0, 3}, 1}, {{3, 40}, 1}};
  uint64_t seed = 900;
  for (Dtype dt : all_dtypes()) {
    std::vector<Scan::ReduceType> types = {Scan::Sum, Scan::Prod, Scan::Max, Scan::Min};
    if (is_floating_point(dt)) types.push_back(Scan::LogAddExp);
    for (auto t : types) {
      Kind k = t == Scan::Sum ? Kind::Unit : t == Scan::Prod ? Kind::NearOne : Kind::Signed;
      double tol = (t == Scan::Max || t == Scan::Min) ? 0 : acc_tol(dt);
      for (const auto& [shape, axis] : cases) {
        for (bool reverse : {false, true}) {
          for (bool inclusive : {true, false}) {
            for (Layout l : {Layout::Dense, Layout::Transposed, Layout::Reversed}) {
              array x = make_layout(shape, dt, k, ++seed, l);
              check_scan(x, t, axis, reverse, inclusive, tol,
                         ctx_str(scan_name(t), dt, shape, {axis}, l));
            }
          }
        }
      }
    }
  }
}

TEST(GpuScan, ChunkedLongLinesAndSpecials) {
  REQUIRE_GPU();
  const std::vector<std::pair<Shape, int>> cases = {
      {{2, 300000}, 1}, {{300000, 3}, 0}, {{1, 1 << 20}, 1}, {{5, 20000, 2}, 1}};
  uint64_t seed = 1200;
  for (Dtype dt : {int32, int64, float64, float32, uint8}) {
    for (const auto& [shape, axis] : cases) {
      for (bool reverse : {false, true}) {
        for (bool inclusive : {true, false}) {
          array x = make(shape, dt, Kind::Unit, ++seed);
          double tol = dt == float32 ? 2e-4 : acc_tol(dt);
          check_scan(x, Scan::Sum, axis, reverse, inclusive, tol,
                     ctx_str("cumsum", dt, shape, {axis}, Layout::Dense));
          check_scan(x, Scan::Max, axis, reverse, inclusive, 0,
                     ctx_str("cummax", dt, shape, {axis}, Layout::Dense));
        }
      }
    }
  }
  for (Dtype dt : float_dtypes()) {
    array x = with_specials({9, 700}, dt, 4, 20);
    for (auto t : {Scan::Max, Scan::Min, Scan::Sum, Scan::LogAddExp}) {
      check_scan(x, t, 1, false, true, acc_tol(dt), scan_name(t) + std::string(" specials"));
    }
  }
}

// ---- Mixed CPU / GPU graphs ----

TEST(GpuReduce, MixedCpuGpuGraph) {
  REQUIRE_GPU();
  Device gpu(Device::gpu), cpu(Device::cpu);
  array x = make({64, 257}, float32, Kind::Unit, 42);
  // CPU producer -> GPU reductions -> CPU consumer -> GPU softmax / scan.
  array a = exp(x, cpu);
  array s_gpu = sum(a, std::vector<int>{1}, true, gpu);
  array m_cpu = multiply(s_gpu, s_gpu, cpu);
  array sm_gpu = softmax(m_cpu, 0, false, gpu);
  array cs_gpu = cumsum(sm_gpu, 0, false, true, std::nullopt, gpu);
  array s_ref = sum(a, std::vector<int>{1}, true, cpu);
  array m_ref = multiply(s_ref, s_ref, cpu);
  array sm_ref = softmax(m_ref, 0, false, cpu);
  array cs_ref = cumsum(sm_ref, 0, false, true, std::nullopt, cpu);
  expect_match(s_gpu, s_ref, 1e-5, "sum in a mixed graph");
  expect_match(cs_gpu, cs_ref, 1e-4, "softmax + cumsum in a mixed graph");
  // A GPU result read back twice and reduced again on the GPU.
  array am = argmax(a, 1, true, gpu);
  array am_ref = argmax(a, 1, true, cpu);
  expect_match(am, am_ref, 0, "argmax");
  expect_match(max(a, std::vector<int>{0, 1}, true, gpu), max(a, std::vector<int>{0, 1}, true, cpu),
               0, "max of all");
}
