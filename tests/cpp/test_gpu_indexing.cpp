// GPU indexing kernels against the CPU backend on random inputs: slices and
// slice updates, dynamic slices, gathers (take, take_along_axis, gather),
// scatters with every reduction, put_along_axis / scatter_add_axis and
// masked_scatter, over every dtype, every index dtype, negative and
// out-of-range indices, broadcast indices, strided / transposed / reversed /
// broadcast sources, duplicate indices, empty index arrays and large sizes.
// Copies and integer/max/min results must match bitwise; floating sums and
// products (whose order differs under atomics) within a tolerance.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <sstream>

#include "test_utils.h"

namespace ember {
namespace {

const Device kGpu(DeviceType::gpu);
const Device kCpu(DeviceType::cpu);

#define REQUIRE_GPU() \
  if (!is_available(kGpu)) GTEST_SKIP() << "no GPU"

const std::vector<Dtype> kAll = {bool_,   uint8,   uint16,   uint32,   uint64,
                                 int8,    int16,   int32,    int64,    float16,
                                 float32, float64, bfloat16, complex64};
const std::vector<Dtype> kIdx = {uint8, uint16, uint32, uint64,
                                 int8,  int16,  int32,  int64};

uint64_t next_rand(uint64_t& x) {
  x += 0x9E3779B97F4A7C15ull;
  uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Random values: integers use all their bits, floats lie on a 1/64 grid in
// [-2, 2] (so short sums are exact), complex parts likewise.
array rand_array(const Shape& shape, Dtype dt, uint64_t seed) {
  size_t n = shape_size(shape), isz = size_of(dt);
  std::vector<uint8_t> buf(std::max<size_t>(n * isz, 1));
  uint64_t x = seed * 7919 + 17;
  for (size_t i = 0; i < n; ++i) {
    uint64_t r = next_rand(x);
    double f = double(int64_t(r % 257) - 128) / 64.0;
    double g = double(int64_t((r >> 24) % 257) - 128) / 64.0;
    uint8_t* p = buf.data() + i * isz;
    switch (dt) {
      case Dtype::bool_: p[0] = uint8_t(r >> 7) & 1; break;
      case Dtype::float16: {
        float16_t h{float(f)};
        std::memcpy(p, &h, 2);
        break;
      }
      case Dtype::bfloat16: {
        bfloat16_t h{float(f)};
        std::memcpy(p, &h, 2);
        break;
      }
      case Dtype::float32: {
        float v = float(f);
        std::memcpy(p, &v, 4);
        break;
      }
      case Dtype::float64: std::memcpy(p, &f, 8); break;
      case Dtype::complex64: {
        complex64_t c{float(f), float(g)};
        std::memcpy(p, &c, 8);
        break;
      }
      default: std::memcpy(p, &r, isz); break;
    }
  }
  return array(static_cast<const void*>(buf.data()), shape, dt);
}

// Small non-negative integers (exact in every dtype; sums stay exact).
array rand_small(const Shape& shape, Dtype dt, int hi, uint64_t seed) {
  std::vector<double> v(shape_size(shape));
  uint64_t x = seed * 104729 + 3;
  for (auto& e : v) e = double(next_rand(x) % uint64_t(hi + 1));
  return array(v, shape, dt);
}

// Index values uniform in [lo, hi] (lo raised to 0 for unsigned dtypes).
array rand_index(const Shape& shape, Dtype dt, int64_t lo, int64_t hi,
                 uint64_t seed) {
  if (is_unsigned(dt)) lo = std::max<int64_t>(lo, 0);
  std::vector<double> v(shape_size(shape));
  uint64_t x = seed * 31337 + 5;
  for (auto& e : v) e = double(lo + int64_t(next_rand(x) % uint64_t(hi - lo + 1)));
  return array(v, shape, dt);
}

// The same logical shape in other layouts (values differ; what matters is
// that the GPU and the CPU see the same input).
enum class Layout { dense, strided, transposed, reversed, broadcast };
const std::vector<Layout> kLayouts = {Layout::dense, Layout::strided,
                                      Layout::transposed, Layout::reversed,
                                      Layout::broadcast};

array layout_array(const Shape& shape, Dtype dt, Layout l, uint64_t seed) {
  int nd = int(shape.size());
  array out = rand_array(shape, dt, seed);
  if (nd == 0 || shape_size(shape) == 0) return out;
  switch (l) {
    case Layout::dense: break;
    case Layout::strided: {
      // Offset start, step 2 on the first dim, padded rows (odd offsets).
      Shape big = shape, start(nd, 0), stop = shape, step(nd, 1);
      if (nd > 1) {
        big[nd - 1] = shape[nd - 1] + 3;
        start[nd - 1] = 1;
        stop[nd - 1] = 1 + shape[nd - 1];
      }
      big[0] = shape[0] * 2 + 1;
      start[0] = 1;
      stop[0] = 1 + 2 * shape[0];
      step[0] = 2;
      out = slice(rand_array(big, dt, seed), start, stop, step, kCpu);
      break;
    }
    case Layout::transposed: {
      Shape rev(shape.rbegin(), shape.rend());
      out = transpose(rand_array(rev, dt, seed), kCpu);
      break;
    }
    case Layout::reversed: {
      Shape start(nd, 0), stop = shape, step(nd, 1);
      start[0] = shape[0] - 1;
      stop[0] = -shape[0] - 1;
      step[0] = -1;
      out = slice(rand_array(shape, dt, seed), start, stop, step, kCpu);
      break;
    }
    case Layout::broadcast: {
      Shape one = shape;
      one[0] = 1;
      out = broadcast_to(rand_array(one, dt, seed), shape, kCpu);
      break;
    }
  }
  out.eval();
  return out;
}

std::string elem_str(const array& a, size_t i) {
  std::ostringstream os;
  if (a.dtype() == complex64) {
    auto c = detail::read_element<complex64_t>(a, i);
    os << "(" << c.real() << ", " << c.imag() << ")";
  } else {
    os << detail::read_element<double>(a, i);
  }
  return os.str();
}

bool close(double x, double y, double tol) {
  if (std::isnan(y)) return std::isnan(x);
  if (std::isinf(y)) return x == y;
  return std::abs(x - y) <= tol * (1 + std::abs(y));
}

// GPU result against the CPU result: bitwise when tol == 0 (or for
// non-float dtypes), else elementwise within tol (NaNs match).
void expect_same(const array& gpu, const array& cpu, double tol = 0,
                 const std::string& what = "") {
  ASSERT_EQ(gpu.shape(), cpu.shape()) << what;
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  array g = contiguous(gpu, false, kCpu), c = contiguous(cpu, false, kCpu);
  eval({g, c});
  size_t n = g.size();
  if (n == 0) return;
  Dtype dt = g.dtype();
  int bad = 0;
  if (tol == 0 || !is_inexact(dt)) {
    size_t isz = g.itemsize();
    const uint8_t* a = g.data<uint8_t>();
    const uint8_t* b = c.data<uint8_t>();
    for (size_t i = 0; i < n && bad < 5; ++i) {
      if (std::memcmp(a + i * isz, b + i * isz, isz) != 0) {
        ADD_FAILURE() << what << " (" << dtype_name(dt) << ") element " << i
                      << ": gpu " << elem_str(g, i) << ", cpu " << elem_str(c, i);
        ++bad;
      }
    }
    return;
  }
  for (size_t i = 0; i < n && bad < 5; ++i) {
    bool ok;
    if (dt == complex64) {
      auto x = detail::read_element<complex64_t>(g, i);
      auto y = detail::read_element<complex64_t>(c, i);
      ok = close(x.real(), y.real(), tol) && close(x.imag(), y.imag(), tol);
    } else {
      ok = close(detail::read_element<double>(g, i),
                 detail::read_element<double>(c, i), tol);
    }
    if (!ok) {
      ADD_FAILURE() << what << " (" << dtype_name(dt) << ") element " << i
                    << ": gpu " << elem_str(g, i) << ", cpu " << elem_str(c, i);
      ++bad;
    }
  }
}

// Runs f on the GPU and on the CPU and compares.
void check(const std::function<array(Device)>& f, double tol = 0,
           const std::string& what = "") {
  array g = f(kGpu);
  array c = f(kCpu);
  expect_same(g, c, tol, what);
}

// Tolerance of sums/products whose order differs between the backends.
double tol_reduce(Dtype dt) {
  switch (dt) {
    case Dtype::float16: return 2e-2;
    case Dtype::bfloat16: return 1.5e-1;
    case Dtype::float64: return 1e-12;
    default: return 1e-5;
  }
}

std::string name(Dtype dt, const std::string& s) {
  return s + " " + dtype_name(dt);
}

// ------------------------------------------------------------ slices ----

TEST(GpuIndexing, SliceViews) {
  REQUIRE_GPU();
  for (Dtype dt : {float32, int8, complex64, bool_, bfloat16}) {
    for (Layout l : kLayouts) {
      array x = layout_array({6, 7, 5}, dt, l, 1);
      check([&](Device d) { return slice(x, {1, 0, 4}, {6, 7, -6}, {2, 3, -1}, d); },
            0, name(dt, "slice steps"));
      check([&](Device d) { return slice(x, {2, 1, 0}, {2, 7, 5}, d); }, 0,
            name(dt, "empty slice"));
      // A GPU op consuming a GPU slice view.
      check([&](Device d) {
        return take(slice(x, {5, 1, 0}, {0, 7, 5}, {-2, 2, 1}, d),
                    array({2, 0, -1}), 1, d);
      }, 0, name(dt, "take of a slice"));
    }
  }
}

TEST(GpuIndexing, SliceUpdateAllDtypes) {
  REQUIRE_GPU();
  for (Dtype dt : kAll) {
    for (Layout l : kLayouts) {
      array src = layout_array({5, 6, 7}, dt, l, 2);
      array upd = layout_array({2, 3, 7}, dt, l, 3);
      check([&](Device d) {
        return slice_update(src, upd, {1, 0, 0}, {5, 6, 7}, {2, 2, 1}, d);
      }, 0, name(dt, "slice_update"));
      check([&](Device d) {
        return slice_update(src, upd, {4, 5, 6}, {0, -7, -8}, {-2, -2, -1}, d);
      }, 0, name(dt, "slice_update negative strides"));
    }
    array src = rand_array({5, 6, 7}, dt, 4);
    array scalar = rand_array({}, dt, 5);
    check([&](Device d) {
      return slice_update(src, scalar, {0, 1, 2}, {5, 5, 7}, d);
    }, 0, name(dt, "slice_update broadcast scalar"));
    // The source is a fresh GPU temporary: its buffer is donated.
    Dtype other = dt == float64 ? float32 : float64;
    array base = rand_small({5, 6, 7}, other, 1, 6);
    array upd = rand_array({3, 6, 7}, dt, 7);
    check([&](Device d) {
      return slice_update(astype(base, dt, d), upd, {1, 0, 0}, {4, 6, 7}, d);
    }, 0, name(dt, "slice_update donated"));
    // A donated column-major source (a transposed temporary).
    array tbase = rand_small({7, 6, 5}, other, 1, 8);
    array tupd = rand_array({5, 2, 7}, dt, 9);
    check([&](Device d) {
      return slice_update(transpose(astype(tbase, dt, d), d), tupd, {0, 2, 0},
                          {5, 6, 7}, {1, 2, 1}, d);
    }, 0, name(dt, "slice_update donated column-major"));
    array sidx({4, -1, 0}, {3}, int32);
    check([&](Device d) {
      return scatter_add(transpose(astype(tbase, dt, d), d), sidx,
                         rand_array({3, 1, 6, 7}, dt, 10), 0, d);
    }, tol_reduce(dt), name(dt, "scatter_add donated column-major"));
  }
}

TEST(GpuIndexing, DynamicSliceAndUpdate) {
  REQUIRE_GPU();
  for (Dtype it : kIdx) {
    bool sgn = !is_unsigned(it);
    std::vector<std::vector<double>> starts = {
        {2, 1}, {double(sgn ? -3 : 6), double(sgn ? -1 : 4)},
        {100, double(sgn ? -50 : 0)}, {0, 0}};
    for (auto& st : starts) {
      array start(st, {2}, it);
      for (Dtype dt : {float32, int8, complex64, bool_, float16}) {
        array a = layout_array({9, 8, 5}, dt, Layout::strided, 8);
        check([&](Device d) { return slice(a, start, {0, 1}, {4, 3}, d); }, 0,
              name(dt, "dynamic slice"));
        check([&](Device d) { return slice(a, start, {1, 0}, {3, 4}, d); }, 0,
              name(dt, "dynamic slice reversed axes"));
        array upd = rand_array({4, 3, 1}, dt, 9);
        check([&](Device d) { return slice_update(a, upd, start, {0, 1}, d); },
              0, name(dt, "dynamic slice update"));
      }
    }
  }
  // Strided start array (every other element of a larger one).
  array big({1.0, 7.0, 3.0, 9.0}, {4}, int32);
  array start = slice(big, {0}, {4}, {2}, kCpu);
  start.eval();
  for (Layout l : kLayouts) {
    array a = layout_array({7, 6, 4}, float32, l, 10);
    check([&](Device d) { return slice(a, start, {0, 1}, {2, 2}, d); }, 0,
          "dynamic slice strided start");
    array upd = layout_array({2, 2, 4}, float32, l, 11);
    check([&](Device d) { return slice_update(a, upd, start, {0, 1}, d); }, 0,
          "dynamic slice update strided start");
  }
  // Empty slices.
  array a = rand_array({4, 5}, float32, 12);
  check([&](Device d) { return slice(a, array({1}), {0}, {0}, d); });
  check([&](Device d) {
    return slice_update(a, rand_array({0, 5}, float32, 13), array({2}), {0}, d);
  });
}

// ----------------------------------------------------------- gathers ----

TEST(GpuIndexing, GatherMultiAxisAllDtypes) {
  REQUIRE_GPU();
  for (Dtype dt : kAll) {
    for (Layout l : kLayouts) {
      array a = layout_array({7, 6, 5}, dt, l, 20);
      // Broadcast index arrays of different dtypes; negative and
      // out-of-range values (clamped).
      array i0 = rand_index({4, 1}, int32, -9, 8, 21);
      array i1 = rand_index({1, 3}, uint8, 0, 7, 22);
      check([&](Device d) { return gather(a, {i0, i1}, {0, 1}, {1, 1, 5}, d); },
            0, name(dt, "gather 2 axes"));
      check([&](Device d) { return gather(a, {i1, i0}, {2, 0}, {3, 4, 2}, d); },
            0, name(dt, "gather partial slices"));
      array i2 = rand_index({3, 2}, int64, -7, 6, 23);
      check([&](Device d) { return gather(a, i2, 1, {7, 1, 5}, d); }, 0,
            name(dt, "gather one axis"));
    }
  }
}

TEST(GpuIndexing, GatherIndexDtypesAndLayouts) {
  REQUIRE_GPU();
  array a = rand_array({10, 12, 6}, float32, 30);
  for (Dtype it : kIdx) {
    for (Layout l : kLayouts) {
      array i0 = layout_array({5, 4}, it, l, 31);  // random bits: wrap/clamp
      array i1 = rand_index({5, 4}, it, -20, 20, 32);
      check([&](Device d) { return gather(a, {i0, i1}, {0, 1}, {2, 3, 6}, d); },
            0, std::string("gather index ") + dtype_name(it));
      check([&](Device d) { return take(a, i1, 2, d); }, 0,
            std::string("take index ") + dtype_name(it));
    }
  }
  // Huge unsigned values are out of range (no wrap), as on the CPU.
  array huge(std::vector<uint64_t>{(1ull << 63) + 5, 3, ~0ull, 11}, {4}, uint64);
  check([&](Device d) { return take(a, huge, 0, d); });
  check([&](Device d) { return gather(a, huge, 1, {1, 2, 6}, d); });
}

TEST(GpuIndexing, GatherEmptyScalarAndManyDims) {
  REQUIRE_GPU();
  array a = rand_array({6, 5, 4}, int16, 40);
  check([&](Device d) {
    return gather(a, rand_index({0}, int32, 0, 5, 41), 0, {1, 5, 4}, d);
  });
  check([&](Device d) { return gather(a, array(-2), 0, {2, 3, 4}, d); });
  check([&](Device d) { return gather(a, std::vector<array>{}, {}, {3, 2, 1}, d); });
  check([&](Device d) { return take(a, rand_index({0, 3}, int64, 0, 3, 42), 1, d); });
  check([&](Device d) { return take(a, array(-1), 2, d); });
  // 14 alternately broadcast index dims don't collapse below the kernel's
  // limit: the indices are made dense first.
  Shape s0(14, 1), s1(14, 1);
  for (int i = 0; i < 14; ++i) (i % 2 ? s1 : s0)[i] = 2;
  array i0 = rand_index(s0, int32, -6, 5, 43);
  array i1 = rand_index(s1, int8, -5, 4, 44);
  check([&](Device d) { return gather(a, {i0, i1}, {0, 1}, {1, 1, 4}, d); });
}

TEST(GpuIndexing, TakeAndTakeAlongAxisAllDtypes) {
  REQUIRE_GPU();
  for (Dtype dt : kAll) {
    for (Layout l : kLayouts) {
      array a = layout_array({6, 7, 4}, dt, l, 50);
      for (int axis = 0; axis < 3; ++axis) {
        int n = a.shape(axis);
        array idx = rand_index({3, 2}, int32, -n - 2, n + 1, 51 + axis);
        check([&](Device d) { return take(a, idx, axis, d); }, 0,
              name(dt, "take axis " + std::to_string(axis)));
        Shape is = {6, 7, 4};
        is[axis] = 5;
        array ia = rand_index(is, int64, -n, n + 2, 55 + axis);
        check([&](Device d) { return take_along_axis(a, ia, axis, d); }, 0,
              name(dt, "take_along_axis " + std::to_string(axis)));
        Shape ib(3, 1);
        ib[axis] = 3;
        array ibr = rand_index(ib, int16, -n, n - 1, 58 + axis);
        check([&](Device d) { return take_along_axis(a, ibr, axis, d); }, 0,
              name(dt, "take_along_axis broadcast " + std::to_string(axis)));
      }
      check([&](Device d) { return take(a, rand_index({9}, uint16, 0, 200, 61), d); },
            0, name(dt, "take flat"));
    }
  }
  // A broadcast source along the gathered rows.
  array a = broadcast_to(rand_array({1, 7}, float32, 62), {5, 7}, kCpu);
  check([&](Device d) {
    return take_along_axis(a, rand_index({5, 3}, int32, -7, 6, 63), 1, d);
  });
}

TEST(GpuIndexing, TakeEmbeddingLarge) {
  REQUIRE_GPU();
  struct Case {
    Shape shape;
    Dtype dt;
    int n;
  };
  // Aligned rows (16-byte units), odd row sizes (scalar path), long rows
  // (threads loop over the row), 1-byte and 8-byte elements.
  for (const Case& c : {Case{{4096, 256}, float32, 100000},
                        Case{{5003, 129}, float32, 70000},
                        Case{{300, 3001}, bfloat16, 2000},
                        Case{{1000, 64}, bfloat16, 50000},
                        Case{{2000, 24}, int8, 80000},
                        Case{{777, 40}, complex64, 30000}}) {
    array table = rand_array(c.shape, c.dt, 70);
    int v = c.shape[0];
    array idx = rand_index({c.n}, int32, -v, v - 1, 71);
    check([&](Device d) { return take(table, idx, 0, d); }, 0,
          name(c.dt, "embedding"));
    // A sliced table: rows no longer start on 16-byte boundaries.
    array sub = slice(table, {1, 1}, {v, c.shape[1]}, kCpu);
    sub.eval();
    check([&](Device d) { return take(sub, idx, 0, d); }, 0,
          name(c.dt, "embedding of a slice"));
  }
  // take along the last axis of a large array (one index per element).
  array a = rand_array({512, 1024}, float32, 72);
  array ia = rand_index({512, 1024}, int32, -1024, 1023, 73);
  check([&](Device d) { return take_along_axis(a, ia, 1, d); });
  check([&](Device d) { return take_along_axis(a, ia, 0, d); });
}

// ---------------------------------------------------------- scatters ----

using ScatterFn = array (*)(const array&, const array&, const array&, int,
                            StreamOrDevice);

struct Reduction {
  const char* name;
  ScatterFn fn;
  bool float_exact;  // no rounding (copies, max, min)
};

const std::vector<Reduction> kReductions = {
    {"scatter_add", scatter_add, false},
    {"scatter_prod", scatter_prod, false},
    {"scatter_max", scatter_max, true},
    {"scatter_min", scatter_min, true}};

TEST(GpuIndexing, ScatterReductionsAllDtypes) {
  REQUIRE_GPU();
  for (Dtype dt : kAll) {
    for (Layout l : kLayouts) {
      array a = layout_array({10, 4}, dt, l, 80);
      // Duplicates, negatives and dropped out-of-range indices.
      array idx = rand_index({12}, int32, -13, 12, 81);
      array upd = layout_array({12, 1, 4}, dt, l, 82);
      for (auto& r : kReductions) {
        bool minmax = r.float_exact;
        if (dt == complex64 && minmax) continue;
        check([&](Device d) { return r.fn(a, idx, upd, 0, d); },
              r.float_exact ? 0 : tol_reduce(dt), name(dt, r.name));
      }
      // Unique positions: a plain scatter is exact.
      array perm({3.0, -1.0, 0.0, 7.0, -6.0, 20.0}, {6}, int64);
      array u6 = layout_array({6, 1, 4}, dt, l, 83);
      check([&](Device d) { return scatter(a, perm, u6, 0, d); }, 0,
            name(dt, "scatter"));
    }
  }
}

TEST(GpuIndexing, ScatterNanMaxMin) {
  REQUIRE_GPU();
  for (Dtype dt : {float32, float16, bfloat16, float64}) {
    array a = rand_array({8, 3}, dt, 90);
    std::vector<double> uv = {kNaN, 1, -1, 2, kNaN, 0.5, 3, 3, 3};
    array upd(uv, {3, 1, 3}, dt);
    array idx({2, 2, 5}, {3}, int32);
    check([&](Device d) { return scatter_max(a, idx, upd, 0, d); }, 1e-12,
          name(dt, "scatter_max NaN"));
    check([&](Device d) { return scatter_min(a, idx, upd, 0, d); }, 1e-12,
          name(dt, "scatter_min NaN"));
  }
}

// With duplicate indices any one update may win: every element must hold
// one of its candidates (or the source value when nothing hits it).
TEST(GpuIndexing, ScatterNoneDuplicatesAnyWins) {
  REQUIRE_GPU();
  for (Dtype dt : {float32, complex64, int8, float16, bool_, int64}) {
    array a = rand_array({8, 6}, dt, 100);
    array idx = rand_index({40}, int32, -8, 7, 101);
    array upd = rand_array({40, 1, 6}, dt, 102);
    array g = contiguous(scatter(a, idx, upd, 0, kGpu), false, kCpu);
    array ac = contiguous(a, false, kCpu), uc = contiguous(upd, false, kCpu);
    array ic = astype(idx, int64, kCpu);
    eval({g, ac, uc, ic});
    size_t isz = size_of(dt);
    const uint8_t* gp = g.data<uint8_t>();
    const uint8_t* ap = ac.data<uint8_t>();
    const uint8_t* up = uc.data<uint8_t>();
    const int64_t* ip = ic.data<int64_t>();
    for (int p = 0; p < 8; ++p) {
      for (int c = 0; c < 6; ++c) {
        const uint8_t* got = gp + (p * 6 + c) * isz;
        bool hit = false, match = false;
        for (int j = 0; j < 40; ++j) {
          if ((ip[j] + 8) % 8 != p) continue;
          hit = true;
          match = match || std::memcmp(got, up + (j * 6 + c) * isz, isz) == 0;
        }
        if (!hit) match = std::memcmp(got, ap + (p * 6 + c) * isz, isz) == 0;
        EXPECT_TRUE(match) << dtype_name(dt) << " at (" << p << ", " << c << ")";
      }
    }
  }
}

TEST(GpuIndexing, ScatterMultiAxisBroadcastStrided) {
  REQUIRE_GPU();
  for (Dtype dt : {float32, int16, uint8, bfloat16, complex64}) {
    for (Layout l : kLayouts) {
      array a = layout_array({6, 5, 4}, dt, l, 110);
      array i0 = rand_index({3, 1}, int32, -7, 6, 111);
      array i1 = rand_index({1, 2}, uint16, 0, 4, 112);
      array upd = layout_array({3, 2, 1, 3, 1}, dt, l, 113);
      check([&](Device d) { return scatter_add(a, {i0, i1}, upd, {0, 2}, d); },
            tol_reduce(dt), name(dt, "scatter_add 2 axes"));
      // Updates broadcast along the index dims.
      array ub = layout_array({1, 2, 2, 5, 1}, dt, l, 114);
      check([&](Device d) { return scatter_prod(a, {i0, i1}, ub, {0, 2}, d); },
            tol_reduce(dt), name(dt, "scatter_prod broadcast updates"));
      array i2({0, 3, -2, 1}, {2, 2}, int8);  // unique: exact
      array u2 = layout_array({2, 2, 6, 5, 1}, dt, l, 116);
      check([&](Device d) { return scatter(a, i2, u2, 2, d); }, 0,
            name(dt, "scatter full slices"));
    }
  }
}

TEST(GpuIndexing, ScatterEmptyAndScalarIndices) {
  REQUIRE_GPU();
  for (Dtype dt : {float32, int32, bool_}) {
    array a = rand_array({5, 4}, dt, 120);
    check([&](Device d) {
      return scatter_add(a, rand_index({0}, int32, 0, 4, 121),
                         rand_array({0, 1, 4}, dt, 122), 0, d);
    });
    check([&](Device d) {
      return scatter(a, array(-2), rand_array({2, 4}, dt, 123), 0, d);
    });
    check([&](Device d) {
      return scatter_max(a, array(1, uint8), rand_array({1, 3}, dt, 124), 1, d);
    });
    array empty = rand_array({0, 4}, dt, 125);
    check([&](Device d) {
      return scatter_add(empty, rand_index({3}, int32, 0, 0, 126),
                         rand_array({3, 0, 4}, dt, 127), 0, d);
    });
  }
}

// Heavy contention on few elements (CAS on the containing word for 8/16-bit
// types); integer-valued updates keep float sums exact in any order.
TEST(GpuIndexing, ScatterAtomicsContention) {
  REQUIRE_GPU();
  for (Dtype dt : kAll) {
    int slots = dt == bfloat16 ? 1024 : 64;
    array a = rand_small({slots}, dt, 1, 130);
    array idx = rand_index({100000}, int32, 0, slots - 1, 131);
    array upd = rand_small({100000, 1}, dt, 1, 132);
    check([&](Device d) { return scatter_add(a, idx, upd, 0, d); }, 0,
          name(dt, "contended scatter_add"));
    if (dt != complex64) {
      check([&](Device d) { return scatter_max(a, idx, upd, 0, d); }, 0,
            name(dt, "contended scatter_max"));
      check([&](Device d) { return scatter_min(a, idx, upd, 0, d); }, 0,
            name(dt, "contended scatter_min"));
    }
    // Products of 0/1 values (and random bits for integers: exact wraps).
    array pu = is_integral(dt) ? rand_array({100000, 1}, dt, 133) : upd;
    check([&](Device d) { return scatter_prod(a, idx, pu, 0, d); }, 0,
          name(dt, "contended scatter_prod"));
    if (dt != complex64) {
      array ru = rand_array({100000, 1}, dt, 134);
      check([&](Device d) { return scatter_max(a, idx, ru, 0, d); }, 0,
            name(dt, "contended scatter_max random"));
      check([&](Device d) { return scatter_min(a, idx, ru, 0, d); }, 0,
            name(dt, "contended scatter_min random"));
      if (is_integral(dt)) {  // wrapping sums are exact in any order
        check([&](Device d) { return scatter_add(a, idx, ru, 0, d); }, 0,
              name(dt, "contended scatter_add random"));
      }
    }
  }
}

TEST(GpuIndexing, ScatterAddEmbeddingGradLarge) {
  REQUIRE_GPU();
  // Values on a 1/64 grid with small sums: exact whatever the order.
  array grads = zeros_for_test({1000, 256});
  array idx = rand_index({50000}, int32, -1000, 999, 140);
  array upd = rand_array({50000, 1, 256}, float32, 141);
  check([&](Device d) { return scatter_add(grads, idx, upd, 0, d); }, 1e-6);
  array big = rand_array({200000, 3}, float32, 142);
  array perm = rand_index({300000}, int64, -200000, 199999, 143);
  array u = rand_array({300000, 1, 3}, float32, 144);
  check([&](Device d) { return scatter_max(big, perm, u, 0, d); });
}

TEST(GpuIndexing, PutAlongAxisAndScatterAddAxis) {
  REQUIRE_GPU();
  for (Dtype dt : kAll) {
    for (Layout l : kLayouts) {
      array a = layout_array({6, 7, 5}, dt, l, 150);
      for (int axis = 0; axis < 3; ++axis) {
        int n = a.shape(axis);
        // One index per line: unique targets, exact.
        Shape is = {6, 7, 5};
        is[axis] = 1;
        array i1 = rand_index(is, int32, -n, n - 1, 151 + axis);
        array v1 = layout_array(is, dt, l, 154 + axis);
        check([&](Device d) { return put_along_axis(a, i1, v1, axis, d); }, 0,
              name(dt, "put_along_axis " + std::to_string(axis)));
        // Indices broadcast along the other axes (row path), scalar values.
        Shape ib(3, 1);
        array ibr = rand_index(ib, int64, -n, n - 1, 157 + axis);
        check([&](Device d) {
          return put_along_axis(a, ibr, rand_array({}, dt, 160), axis, d);
        }, 0, name(dt, "put_along_axis broadcast " + std::to_string(axis)));
        // Duplicates and dropped out-of-range indices accumulate.
        is[axis] = 4;
        array i4 = rand_index(is, int16, -n - 2, n + 1, 161 + axis);
        array v4 = layout_array(is, dt, l, 164 + axis);
        check([&](Device d) { return scatter_add_axis(a, i4, v4, axis, d); },
              tol_reduce(dt),
              name(dt, "scatter_add_axis " + std::to_string(axis)));
        Shape ir(3, 1);
        ir[axis] = 4;
        ir[2 - (axis == 2)] = is[2 - (axis == 2)];
        array i4b = rand_index(ir, uint8, 0, n + 1, 167 + axis);
        check([&](Device d) { return scatter_add_axis(a, i4b, v4, axis, d); },
              tol_reduce(dt),
              name(dt, "scatter_add_axis broadcast " + std::to_string(axis)));
      }
    }
  }
  // Flattened put_along_axis and a large scatter_add_axis.
  array a = rand_array({300, 400}, float32, 170);
  std::vector<double> uniq(1000);
  for (int j = 0; j < 1000; ++j) uniq[j] = double((j * 7919) % 120000 - 60000);
  check([&](Device d) {
    return put_along_axis(a, array(uniq, {1000}, int32),
                          rand_array({1000}, float32, 172), d);
  }, 0);
  check([&](Device d) {
    return scatter_add_axis(a, rand_index({2000, 400}, int32, -300, 299, 173),
                            rand_array({2000, 400}, float32, 174), 0, d);
  }, 1e-5);
}

// With duplicate indices along the axis, the last update wins on the GPU as
// on the CPU (exact), in the element path, the row path (indices broadcast
// along the last dim) and long lines.
TEST(GpuIndexing, PutAlongAxisDuplicatesLastWins) {
  REQUIRE_GPU();
  for (Dtype dt : {float32, int8, complex64, bool_, float16, int64}) {
    for (Layout l : kLayouts) {
      array a = layout_array({6, 7, 5}, dt, l, 210);
      for (int axis = 0; axis < 3; ++axis) {
        int n = a.shape(axis);
        std::string ax = std::to_string(axis);
        Shape is = {6, 7, 5};
        is[axis] = 9;  // more updates than positions; some out of range
        array idx = rand_index(is, int32, -n - 1, n, 211 + axis);
        array v = layout_array(is, dt, l, 214 + axis);
        check([&](Device d) { return put_along_axis(a, idx, v, axis, d); }, 0,
              name(dt, "put_along_axis duplicates " + ax));
        Shape ib = is;
        ib[axis == 2 ? 1 : 2] = 1;  // row path when the last dim broadcasts
        array ibr = rand_index(ib, int16, -n, n - 1, 217 + axis);
        check([&](Device d) { return put_along_axis(a, ibr, v, axis, d); }, 0,
              name(dt, "put_along_axis broadcast duplicates " + ax));
        check([&](Device d) {
          return put_along_axis(a, ibr, rand_array({}, dt, 220), axis, d);
        }, 0, name(dt, "put_along_axis scalar duplicates " + ax));
      }
    }
  }
  // The case of Indexing.PutAlongAxis: row 1 writes twice to one place.
  array a = rand_array({3, 4}, float32, 221);
  array idx({3, 0, 1, 1, 2, -4}, {3, 2}, int32);
  array v({-1.0f, -2.0f, -3.0f, -4.0f, -5.0f, -6.0f}, {3, 2});
  check([&](Device d) { return put_along_axis(a, idx, v, 1, d); });
  // Long lines with many duplicates (winner keys past 16 bits) and the
  // flattened form.
  array big = rand_array({3000, 8}, float32, 222);
  array bi = rand_index({20000, 8}, int32, -3000, 2999, 223);
  array bv = rand_array({20000, 8}, float32, 224);
  check([&](Device d) { return put_along_axis(big, bi, bv, 0, d); });
  array fi = rand_index({100000}, int64, -24000, 23999, 225);
  array fv = rand_array({100000}, bfloat16, 226);
  array fb = rand_array({3000, 8}, bfloat16, 227);
  check([&](Device d) { return put_along_axis(fb, fi, fv, d); });
}

// A CPU copy that takes over the buffer of a GPU result (nothing else holds
// it) still reads the GPU's bytes.
TEST(GpuIndexing, GpuResultDonatedToCpuCopy) {
  REQUIRE_GPU();
  array a = rand_array({40, 6}, float32, 230);
  array idx = rand_index({25}, int32, -40, 39, 231);
  array g = contiguous(take(a, idx, 0, kGpu), false, kCpu);
  array h = negative(contiguous(take(a, idx, 0, kGpu), false, kCpu), kCpu);
  array c = take(a, idx, 0, kCpu);
  eval({g, h, c});
  expect_same(g, c);
  expect_same(h, negative(c, kCpu));
  // A CPU op that donates a GPU result's buffer and overwrites it, read by
  // a GPU op afterwards: the device copy must not be the stale one.
  array sel({0, 2, -1}, {3}, int32);
  auto chain = [&](Device d1, Device d2) {
    return take(negative(take(a, idx, 0, d1), d2), sel, 0, d1);
  };
  expect_same(chain(kGpu, kCpu), chain(kCpu, kCpu));
  auto chain2 = [&](Device d1, Device d2) {
    array s = scatter_add(take(a, idx, 0, d1), sel,
                          rand_array({3, 1, 6}, float32, 232), 0, d2);
    return add(s, array(1.0f), d1);
  };
  expect_same(chain2(kGpu, kCpu), chain2(kCpu, kCpu));
}

// ------------------------------------------------------------ masked ----

TEST(GpuIndexing, MaskedScatterAllDtypes) {
  REQUIRE_GPU();
  for (Dtype dt : kAll) {
    for (Layout l : kLayouts) {
      array a = layout_array({37, 41}, dt, l, 180);
      array mask = layout_array({37, 41}, bool_, l, 181);
      // Fewer values than true positions: they are reused cyclically.
      array few = rand_array({100}, dt, 182);
      check([&](Device d) { return masked_scatter(a, mask, few, d); }, 0,
            name(dt, "masked_scatter cyclic"));
      array many = layout_array({40, 41}, dt, l, 183);
      check([&](Device d) { return masked_scatter(a, mask, many, d); }, 0,
            name(dt, "masked_scatter"));
      array row = rand_array({1, 41}, bool_, 184);
      check([&](Device d) { return masked_scatter(a, row, many, d); }, 0,
            name(dt, "masked_scatter broadcast mask"));
      check([&](Device d) {
        return masked_scatter(a, mask, rand_array({}, dt, 185), d);
      }, 0, name(dt, "masked_scatter scalar"));
      check([&](Device d) {
        return masked_scatter(a, mask, rand_array({0}, dt, 186), d);
      }, 0, name(dt, "masked_scatter no values"));
    }
  }
  // Many blocks in the scan.
  array a = rand_array({3000, 1001}, float32, 187);
  array mask = rand_array({3000, 1001}, bool_, 188);
  array vals = rand_array({1234567}, float32, 189);
  check([&](Device d) { return masked_scatter(a, mask, vals, d); });
  array e = rand_array({0, 3}, int32, 190);
  check([&](Device d) {
    return masked_scatter(e, rand_array({0, 3}, bool_, 191),
                          rand_array({4}, int32, 192), d);
  });
}

// ------------------------------------------------------- mixed graphs ----

TEST(GpuIndexing, DependsAndMixedGraphs) {
  REQUIRE_GPU();
  array a = rand_array({50, 16}, float32, 200);
  array idx = rand_index({30}, int32, -50, 49, 201);
  // CPU -> GPU gather -> CPU -> GPU scatter -> CPU.
  auto run = [&](Device d1, Device d2) {
    array g = take(a, idx, 0, d1);
    array h = astype(g, float64, d2);
    array s = scatter_add(astype(a, float64, d1), idx,
                          reshape(h, {30, 1, 16}, d1), 0, d1);
    return astype(s, float32, d2);
  };
  expect_same(run(kGpu, kCpu), run(kCpu, kCpu), 1e-6);
  {
    StreamContext ctx(kGpu);  // depends() runs on the default stream
    auto outs = depends({take(a, idx, 0, kGpu)}, {a});
    expect_same(outs[0], take(a, idx, 0, kCpu));
  }
  // A donated GPU scatter chain.
  auto chain = [&](Device d) {
    array x = astype(a, float64, d);
    for (int i = 0; i < 4; ++i) {
      x = scatter_add(x, idx, reshape(take(a, idx, 0, d), {30, 1, 16}, d), 0, d);
      x = slice_update(x, take(x, array({i}), 0, d), {i + 1, 0}, {i + 2, 16}, d);
    }
    return x;
  };
  expect_same(chain(kGpu), chain(kCpu), 1e-12);
}

}  // namespace
}  // namespace ember
