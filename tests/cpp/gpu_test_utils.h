// Helpers for GPU-versus-CPU tests: seeded random arrays of any dtype, the
// layouts an op input can arrive in (dense, transposed, broadcast, strided,
// reversed, misaligned offset), and an element-by-element comparison of a GPU
// result with the CPU result (exact for integers and bool, per-dtype
// tolerances for floats, NaN equal to NaN).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace ember::gpu_test {

inline const Device kGpu(DeviceType::gpu);
inline const Device kCpu(DeviceType::cpu);

inline bool have_gpu() { return is_available(kGpu); }

inline const std::vector<Dtype>& all_dtypes() {
  static const std::vector<Dtype> v = {bool_,  uint8,   uint16,   uint32, uint64,
                                       int8,   int16,   int32,    int64,  float16,
                                       float32, float64, bfloat16, complex64};
  return v;
}

/// n deterministic values in [lo, hi) from a 64-bit LCG.
inline std::vector<double> lcg_values(size_t n, double lo, double hi,
                                      uint64_t seed) {
  std::vector<double> v(n);
  uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& e : v) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    e = lo + (hi - lo) * (double(x >> 11) / double(1ULL << 53));
  }
  return v;
}

/// A host array of `shape` and `dtype` with values in [lo, hi): integers
/// rounded toward zero (unsigned types use [max(lo, 0), hi)), bool from the
/// sign, complex with independent real and imaginary parts.
inline array random_array(const Shape& shape, Dtype dtype, uint64_t seed,
                          double lo = -4, double hi = 4) {
  size_t n = shape_size(shape);
  if (is_unsigned(dtype)) lo = std::max(lo, 0.0);
  auto v = lcg_values(n, lo, hi, seed);
  if (dtype == complex64) {
    auto w = lcg_values(n, lo, hi, seed + 7919);
    std::vector<complex64_t> c(n);
    for (size_t i = 0; i < n; ++i) c[i] = complex64_t(float(v[i]), float(w[i]));
    return array(c, shape, complex64);
  }
  if (dtype == bool_) {
    std::vector<uint8_t> u(n);
    for (size_t i = 0; i < n; ++i) u[i] = v[i] > 0.5 * (lo + hi);
    return array(u, shape, bool_);
  }
  if (is_integral(dtype)) {
    for (auto& e : v) e = std::trunc(e);
  }
  return array(v, shape, dtype);
}

enum class Layout {
  dense,       // row-contiguous
  transposed,  // a transposed dense array (dense, not row-contiguous)
  broadcast,   // leading dim broadcast from 1 (stride 0)
  strided,     // every other element of the last dim
  reversed,    // negative strides on every dim
  offset,      // a view starting one element in (misaligned vectors)
};

inline const char* layout_name(Layout l) {
  switch (l) {
    case Layout::dense: return "dense";
    case Layout::transposed: return "transposed";
    case Layout::broadcast: return "broadcast";
    case Layout::strided: return "strided";
    case Layout::reversed: return "reversed";
    case Layout::offset: return "offset";
  }
  return "?";
}

inline const std::vector<Layout>& all_layouts() {
  static const std::vector<Layout> v = {Layout::dense,   Layout::transposed,
                                        Layout::broadcast, Layout::strided,
                                        Layout::reversed, Layout::offset};
  return v;
}

/// An evaluated array of logical `shape` whose buffer has layout `l`
/// (views computed on the CPU, so the GPU op reads a strided host buffer).
inline array make_input(const Shape& shape, Dtype dtype, Layout l,
                        uint64_t seed, double lo = -4, double hi = 4) {
  array a = random_array(shape, dtype, seed, lo, hi);
  int nd = int(shape.size());
  switch (l) {
    case Layout::dense:
      break;
    case Layout::transposed: {
      Shape rev(shape.rbegin(), shape.rend());
      a = transpose(random_array(rev, dtype, seed, lo, hi), kCpu);
      break;
    }
    case Layout::broadcast: {
      if (nd == 0) break;
      Shape one = shape;
      one[0] = 1;
      a = broadcast_to(random_array(one, dtype, seed, lo, hi), shape, kCpu);
      break;
    }
    case Layout::strided: {
      if (nd == 0) break;
      Shape big = shape;
      big.back() *= 2;
      Shape start(nd, 0), stop = big, step(nd, 1);
      step.back() = 2;
      a = slice(random_array(big, dtype, seed, lo, hi), start, stop, step, kCpu);
      break;
    }
    case Layout::reversed: {
      if (nd == 0) break;
      Shape start(nd), stop(nd), step(nd, -1);
      for (int i = 0; i < nd; ++i) {
        start[i] = shape[i] - 1;
        stop[i] = -int(shape[i]) - 1;
      }
      a = slice(a, start, stop, step, kCpu);
      break;
    }
    case Layout::offset: {
      if (nd == 0) break;
      Shape big = shape;
      big[0] += 1;
      Shape start(nd, 0), stop = big;
      start[0] = 1;
      a = slice(random_array(big, dtype, seed, lo, hi), start, stop, kCpu);
      break;
    }
  }
  a.eval();
  return a;
}

/// Relative/absolute tolerance for comparing float results of `dtype`.
inline double default_tol(Dtype dtype) {
  switch (dtype) {
    case Dtype::float16: return 2e-3;
    case Dtype::bfloat16: return 1.6e-2;
    case Dtype::float64: return 1e-12;
    case Dtype::complex64: return 1e-4;
    default: return 2e-5;
  }
}

inline bool close(double g, double c, double tol) {
  if (std::isnan(c)) return std::isnan(g);
  if (std::isinf(c)) return g == c;
  return std::abs(g - c) <= tol * (1 + std::abs(c));
}

/// Row-contiguous CPU copy of `a` widened to `wide` (exact for every value
/// of a's dtype), ready to be read through data<T>().
inline array widened(const array& a, Dtype wide) {
  array w = contiguous(astype(a, wide, kCpu), false, kCpu);
  w.eval();
  return w;
}

/// Expects `gpu` (computed on the GPU) to match `cpu` element by element;
/// `tol` < 0 picks the dtype's default tolerance.
inline void expect_match(array gpu, array cpu, const std::string& what,
                         double tol = -1) {
  gpu.eval();
  cpu.eval();
  ASSERT_EQ(gpu.shape(), cpu.shape()) << what;
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  Dtype t = cpu.dtype();
  if (tol < 0) tol = default_tol(t);
  size_t n = cpu.size();
  int bad = 0;
  if (t == complex64) {
    array gw = widened(gpu, complex64), cw = widened(cpu, complex64);
    const complex64_t* gp = gw.data<complex64_t>();
    const complex64_t* cp = cw.data<complex64_t>();
    for (size_t i = 0; i < n && bad < 5; ++i) {
      auto g = gp[i], c = cp[i];
      // Relative to the magnitude: a small part of a large value only
      // carries the absolute error of the whole.
      bool nan_c = std::isnan(c.real()) || std::isnan(c.imag());
      bool nan_g = std::isnan(g.real()) || std::isnan(g.imag());
      bool inf_c = std::isinf(c.real()) || std::isinf(c.imag());
      bool ok = nan_c ? nan_g
                : inf_c ? (close(g.real(), c.real(), tol) &&
                           close(g.imag(), c.imag(), tol))
                        : std::abs(std::complex<double>(g) -
                                   std::complex<double>(c)) <=
                              tol * (1 + std::abs(std::complex<double>(c)));
      if (!ok) {
        ADD_FAILURE() << what << " at " << i << ": gpu " << g << " cpu " << c;
        ++bad;
      }
    }
  } else if (is_floating_point(t)) {
    array gw = widened(gpu, float64), cw = widened(cpu, float64);
    const double* gp = gw.data<double>();
    const double* cp = cw.data<double>();
    for (size_t i = 0; i < n && bad < 5; ++i) {
      if (!close(gp[i], cp[i], tol)) {
        ADD_FAILURE() << what << " at " << i << ": gpu " << gp[i] << " cpu "
                      << cp[i];
        ++bad;
      }
    }
  } else {
    array gw = widened(gpu, int64), cw = widened(cpu, int64);
    const int64_t* gp = gw.data<int64_t>();
    const int64_t* cp = cw.data<int64_t>();
    for (size_t i = 0; i < n && bad < 5; ++i) {
      if (gp[i] != cp[i]) {
        ADD_FAILURE() << what << " at " << i << ": gpu " << gp[i] << " cpu "
                      << cp[i];
        ++bad;
      }
    }
  }
}

}  // namespace ember::gpu_test
