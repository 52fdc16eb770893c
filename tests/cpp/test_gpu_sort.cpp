// GPU sort family, searchsorted and random bits against the CPU primitives
// on the same inputs. Sort and argsort must equal the CPU's stable NaN-last
// sort exactly (every dtype, axis and layout; short lines on the bitonic
// kernel, long ones on the radix sorts); partition / argpartition must
// satisfy the partition property and hold the same elements; searchsorted
// and random bits must be bit-identical; PsdSqrt within float tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "ember/primitives/random.h"
#include "ember/primitives/sort.h"
#include "gpu_reduce_sort_utils.h"

using namespace ember;
using namespace ember::gpu_rs;

namespace {

#define REQUIRE_GPU() \
  if (!is_available(Device(Device::gpu))) GTEST_SKIP() << "no GPU"

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Ties plus NaN, -0.0, +inf and -inf for floating dtypes.
array sort_input(const Shape& shape, Dtype dt, uint64_t seed, Layout l) {
  if (!is_floating_point(dt)) return make_layout(shape, dt, Kind::Ties, seed, l);
  array base = make_layout(shape, dt, Kind::Ties, seed, Layout::Dense);
  size_t n = base.size();
  std::vector<double> v(n);
  dispatch_all(dt, [&](auto tag) {
    using T = decltype(tag);
    const T* p = base.data<T>();
    for (size_t i = 0; i < n; ++i) v[i] = as_double(p[i]);
  });
  for (size_t i = 0; i < n; ++i) {
    if (i % 11 == 4) v[i] = kNaN;
    else if (i % 13 == 6) v[i] = -0.0;
    else if (i % 17 == 2) v[i] = kInf;
    else if (i % 19 == 8) v[i] = -kInf;
  }
  if (l == Layout::Dense) return array(v, shape, dt);
  // Same values through a strided view: reverse each axis of a reversed copy.
  int nd = int(shape.size());
  if (l == Layout::Reversed && nd > 0) {
    Shape start(nd), stop(nd), step(nd, -1);
    for (int i = 0; i < nd; ++i) {
      start[i] = shape[i] - 1;
      stop[i] = -shape[i] - 1;
    }
    array r = slice(array(v, shape, dt), start, stop, step, Device(Device::cpu));
    r.eval();
    return r;
  }
  array t = make_layout(shape, dt, Kind::Ties, seed, l);
  return t;
}

// Logical elements as doubles (real part of complex).
std::vector<double> host_doubles(array a) {
  a.eval();
  std::vector<double> out(a.size());
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = a.data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = as_double(p[loc_of(a, i)]);
  });
  return out;
}

// a <= b in NaN-last order.
bool nan_last_le(double a, double b) {
  if (std::isnan(b)) return true;
  if (std::isnan(a)) return false;
  return a <= b;
}

// Calls fn(line, position) -> flat row-major index for each line along axis.
struct Lines {
  int64_t outer = 1, n = 1, inner = 1;
  Lines(const Shape& s, int axis) {
    for (int i = 0; i < axis; ++i) outer *= s[i];
    n = s[axis];
    for (int i = axis + 1; i < int(s.size()); ++i) inner *= s[i];
  }
  int64_t count() const { return outer * inner; }
  int64_t at(int64_t line, int64_t k) const {
    int64_t o = line / inner, j = line % inner;
    return (o * n + k) * inner + j;
  }
};

// Values `part` (logical, line-wise) partitioned around kth and holding the
// same multiset as `x`.
void check_partition_values(const std::vector<double>& x, const std::vector<double>& part,
                            const Shape& shape, int axis, int kth, const std::string& ctx) {
  Lines L(shape, axis);
  int bad = 0;
  for (int64_t line = 0; line < L.count() && bad < 5; ++line) {
    std::vector<double> a, b;
    for (int64_t k = 0; k < L.n; ++k) {
      a.push_back(x[L.at(line, k)]);
      b.push_back(part[L.at(line, k)]);
    }
    double pivot = b[kth];
    for (int64_t k = 0; k < L.n; ++k) {
      bool ok = k < kth ? nan_last_le(b[k], pivot) : (k > kth ? nan_last_le(pivot, b[k]) : true);
      if (!ok) {
        ++bad;
        ADD_FAILURE() << ctx << ": line " << line << " position " << k << " value " << b[k]
                      << " vs pivot " << pivot;
        break;
      }
    }
    auto lt = [](double u, double v) { return nan_last_le(u, v) && !nan_last_le(v, u); };
    std::sort(a.begin(), a.end(), lt);
    std::sort(b.begin(), b.end(), lt);
    for (int64_t k = 0; k < L.n; ++k) {
      bool same = (std::isnan(a[k]) && std::isnan(b[k])) || a[k] == b[k];
      if (!same) {
        ++bad;
        ADD_FAILURE() << ctx << ": line " << line << " holds different elements";
        break;
      }
    }
  }
}

}  // namespace

// ---- Sort / ArgSort ----

TEST(GpuSort, SortAndArgSortEveryDtypeAxisLayout) {
  REQUIRE_GPU();
  const std::vector<std::pair<Shape, int>> cases = {
      {{1}, 0},       {{5}, 0},       {{7, 64}, 1},    {{7, 64}, 0},     {{3, 1000}, 1},
      {{2, 2048}, 1}, {{2, 2049}, 1}, {{3, 5000}, 1},  {{5, 6, 7}, 0},   {{5, 6, 7}, 1},
      {{5, 6, 7}, 2}, {{0, 4}, 1},    {{3, 0}, 1},     {{2, 3, 1}, 2},   {{300, 3}, 0}};
  uint64_t seed = 2000;
  for (Dtype dt : all_dtypes()) {
    for (const auto& [shape, axis] : cases) {
      for (Layout l : all_layouts()) {
        array x = sort_input(shape, dt, ++seed, l);
        auto ctx = ctx_str("sort", dt, shape, {axis}, l);
        auto [gs, cs] = run_both<Sort>(shape, dt, {x}, axis, 0);
        expect_match(gs, cs, 0, ctx);
        auto [ga, ca] = run_both<ArgSort>(shape, uint32, {x}, axis, 0);
        expect_match(ga, ca, 0, "arg" + ctx);
      }
    }
  }
}

TEST(GpuSort, LongLinesOnRadixSorts) {
  REQUIRE_GPU();
  const std::vector<std::pair<Shape, int>> cases = {
      {{1, 1 << 20}, 1},  // one device-wide radix sort
      {{3, 100000}, 1},   // a device-wide sort per line
      {{100, 5000}, 1},   // segmented
      {{5000, 70}, 0},    // segmented along a strided axis
  };
  uint64_t seed = 3000;
  for (Dtype dt : {float32, int64, float16, uint8, float64, bool_, complex64, int16}) {
    for (const auto& [shape, axis] : cases) {
      array x = sort_input(shape, dt, ++seed, Layout::Dense);
      auto ctx = ctx_str("sort", dt, shape, {axis}, Layout::Dense);
      auto [gs, cs] = run_both<Sort>(shape, dt, {x}, axis, 0);
      expect_match(gs, cs, 0, ctx);
      auto [ga, ca] = run_both<ArgSort>(shape, uint32, {x}, axis, 0);
      expect_match(ga, ca, 0, "arg" + ctx);
    }
  }
}

// ---- Partition / ArgPartition ----

TEST(GpuSort, PartitionProperty) {
  REQUIRE_GPU();
  const std::vector<std::pair<Shape, int>> cases = {
      {{37}, 0}, {{6, 50}, 1}, {{6, 50}, 0}, {{4, 5, 6}, 1}, {{2, 3000}, 1}};
  uint64_t seed = 4000;
  for (Dtype dt : all_dtypes()) {
    if (dt == complex64) continue;
    for (const auto& [shape, axis] : cases) {
      int n = shape[axis];
      for (int kth : {0, n / 2, n - 1}) {
        for (Layout l : {Layout::Dense, Layout::Transposed, Layout::Stepped}) {
          array x = sort_input(shape, dt, ++seed, l);
          auto ctx = ctx_str("partition", dt, shape, {axis}, l) + " kth " + std::to_string(kth);
          array p(shape, dt, std::make_shared<Partition>(gpu_stream(), axis, kth), {x});
          array ip(shape, uint32, std::make_shared<ArgPartition>(gpu_stream(), axis, kth), {x});
          auto xv = host_doubles(x);
          check_partition_values(xv, host_doubles(p), shape, axis, kth, ctx);
          // Indices: a permutation per line, pointing at partitioned values.
          auto iv = host_doubles(ip);
          Lines L(shape, axis);
          std::vector<double> gathered(xv.size());
          bool perm_ok = true;
          for (int64_t line = 0; line < L.count(); ++line) {
            std::vector<bool> seen(L.n, false);
            for (int64_t k = 0; k < L.n; ++k) {
              int64_t i = int64_t(iv[L.at(line, k)]);
              if (i < 0 || i >= L.n || seen[i]) {
                perm_ok = false;
                break;
              }
              seen[i] = true;
              gathered[L.at(line, k)] = xv[L.at(line, i)];
            }
          }
          ASSERT_TRUE(perm_ok) << "arg" << ctx << ": indices are not a permutation";
          check_partition_values(xv, gathered, shape, axis, kth, "arg" + ctx);
        }
      }
    }
  }
}

TEST(GpuSort, TopkThroughOps) {
  REQUIRE_GPU();
  Device gpu(Device::gpu), cpu(Device::cpu);
  array x = make({8, 300}, float32, Kind::Signed, 77);
  // topk = a partition then a slice; compare the sorted selections.
  array t_gpu = topk(x, 10, 1, gpu);
  array t_cpu = topk(x, 10, 1, cpu);
  expect_match(sort(t_gpu, 1, cpu), sort(t_cpu, 1, cpu), 0, "topk");
}

// ---- SearchSorted ----

TEST(GpuSearchSorted, EveryDtypeSideAndBatch) {
  REQUIRE_GPU();
  uint64_t seed = 5000;
  Device cpu(Device::cpu);
  for (Dtype dt : all_dtypes()) {
    if (dt == complex64) continue;
    for (int n : {0, 1, 7, 1000}) {
      array seq = sort(sort_input({n}, dt, ++seed, Layout::Dense), 0, cpu);
      seq.eval();
      for (Layout l : {Layout::Dense, Layout::Transposed, Layout::Stepped}) {
        array vals = sort_input({13, 9}, dt, ++seed, l);
        for (bool right : {false, true}) {
          auto [g, c] = run_both<SearchSorted>(vals.shape(), uint32, {seq, vals}, right);
          expect_match(g, c, 0, ctx_str(right ? "searchsorted right" : "searchsorted left",
                                        dt, {n}, {}, l));
        }
      }
    }
    // Batched: row b of a (B, n) sequence with the b-th block of values.
    array seqs = sort(sort_input({4, 50}, dt, ++seed, Layout::Dense), 1, cpu);
    seqs.eval();
    array vals = sort_input({4, 30}, dt, ++seed, Layout::Dense);
    for (bool right : {false, true}) {
      auto [g, c] = run_both<SearchSorted>(vals.shape(), uint32, {seqs, vals}, right);
      expect_match(g, c, 0, ctx_str("searchsorted batched", dt, {4, 50}, {}, Layout::Dense));
    }
  }
  // Unsorted sequences still follow the CPU's probe order.
  array seq = make({100}, float32, Kind::Signed, 1);
  array vals = make({500}, float32, Kind::Signed, 2);
  auto [g, c] = run_both<SearchSorted>(vals.shape(), uint32, {seq, vals}, false);
  expect_match(g, c, 0, "searchsorted unsorted");
}

// ---- RandomBits ----

TEST(GpuRandomBits, BitIdenticalToCpu) {
  REQUIRE_GPU();
  Device cpu(Device::cpu);
  array k1 = random::key(1234);
  array keys3 = random::split(random::key(99), 3, cpu);  // (3, 2)
  keys3.eval();
  // Keys through a strided view: the transpose of a (2, 3) array.
  array kt = transpose(array({11u, 12u, 13u, 21u, 22u, 23u}, {2, 3}, uint32), {1, 0}, cpu);
  kt.eval();
  struct C {
    array keys;
    Shape shape;
    int width;
  };
  std::vector<C> cases = {
      {k1, {3}, 1},       {k1, {5, 7}, 2},  {k1, {1 << 20}, 4}, {k1, {7}, 4},
      {k1, {0}, 4},       {k1, {4097}, 1},  {k1, {1}, 2},       {k1, {2, 3}, 4},
      {keys3, {5}, 1},    {keys3, {33}, 4}, {keys3, {6}, 2},    {kt, {9}, 4},
      {kt, {10}, 1},
  };
  for (auto& cs : cases) {
    Shape oshape(cs.keys.shape().begin(), cs.keys.shape().end() - 1);
    oshape.insert(oshape.end(), cs.shape.begin(), cs.shape.end());
    Dtype dt = cs.width == 4 ? uint32 : cs.width == 2 ? uint16 : uint8;
    auto [g, c] = run_both<RandomBits>(oshape, dt, {cs.keys}, cs.shape, cs.width);
    expect_match(g, c, 0, ctx_str("random bits", dt, oshape, {cs.width}, Layout::Dense));
  }
  // Through the op.
  expect_match(random::bits({1000}, 4, k1, Device(Device::gpu)),
               random::bits({1000}, 4, k1, cpu), 0, "random::bits");
}

// ---- PsdSqrt ----

TEST(GpuPsdSqrt, MatchesCpuJacobi) {
  REQUIRE_GPU();
  Device cpu(Device::cpu);
  for (Dtype dt : {float32, float64}) {
    for (const Shape& bshape : std::vector<Shape>{{3, 5, 5}, {1, 40, 40}, {2, 1, 1}}) {
      array b = make(bshape, float64, Kind::Signed, 11);
      // Symmetric positive semi-definite: B B^T (+ a rank-deficient case).
      array spd = astype(matmul(b, swapaxes(b, -1, -2, cpu), cpu), dt, cpu);
      spd.eval();
      auto [g, c] = run_both<PsdSqrt>(bshape, dt, {spd});
      expect_match(g, c, dt == float32 ? 1e-4 : 1e-9,
                   ctx_str("psd_sqrt", dt, bshape, {}, Layout::Dense));
      array gm = astype(make(bshape, float64, Kind::Signed, 12), dt, cpu);
      gm.eval();
      auto [gs, csy] = run_both<PsdSqrtSylvester>(bshape, dt, {c, gm});
      expect_match(gs, csy, dt == float32 ? 2e-3 : 1e-7,
                   ctx_str("psd_sqrt_sylvester", dt, bshape, {}, Layout::Dense));
    }
  }
}

// ---- Mixed CPU / GPU graph ----

TEST(GpuSort, MixedCpuGpuGraph) {
  REQUIRE_GPU();
  Device gpu(Device::gpu), cpu(Device::cpu);
  array x = make({16, 500}, float32, Kind::Signed, 8);
  array y = negative(x, cpu);
  array s = sort(y, 1, gpu);                   // CPU result -> GPU
  array t = multiply(s, array(2.0f), cpu);     // GPU result -> CPU
  array a = argsort(t, 0, gpu);                // -> GPU again
  array s_ref = sort(y, 1, cpu);
  array a_ref = argsort(multiply(s_ref, array(2.0f), cpu), 0, cpu);
  expect_match(s, s_ref, 0, "sort in a mixed graph");
  expect_match(a, a_ref, 0, "argsort in a mixed graph");
}
