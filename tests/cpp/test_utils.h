// Shared helpers for C++ tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <vector>

#include "ember/ember.h"

namespace ember {

/// Evaluates `a` and returns its elements (row-major) as doubles (real part
/// for complex).
inline std::vector<double> to_vector(array a) {
  a.eval();
  std::vector<double> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.dtype() == complex64) {
      out[i] = detail::read_element<complex64_t>(a, i).real();
    } else {
      out[i] = detail::read_element<double>(a, i);
    }
  }
  return out;
}

/// Checks values elementwise with a relative+absolute tolerance; NaNs match.
inline void expect_values(const array& a, const std::vector<double>& expect,
                          double tol = 1e-6) {
  auto got = to_vector(a);
  ASSERT_EQ(got.size(), expect.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expect[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
    } else if (std::isinf(expect[i])) {
      EXPECT_EQ(got[i], expect[i]) << "at " << i;
    } else {
      EXPECT_NEAR(got[i], expect[i], tol * (1 + std::abs(expect[i])))
          << "at index " << i;
    }
  }
}

/// A float32 array of zeros built from a raw buffer (no creation ops needed).
inline array zeros_for_test(Shape shape, Dtype dtype = float32) {
  size_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<float> v(n, 0.0f);
  return array(v, shape, dtype);
}


constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Deterministic pseudo-random values in [lo, hi] (a small LCG).
inline std::vector<double> values(int n, double lo, double hi,
                                  uint32_t seed = 1) {
  std::vector<double> v(n);
  uint32_t x = seed * 2654435761u + 12345u;
  for (int i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    v[i] = lo + (hi - lo) * (double(x >> 8) / double(1u << 24));
  }
  return v;
}

/// Deterministic values in [-1, 1] on a 0.001 grid.
inline std::vector<double> randv(size_t n, uint64_t seed) {
  std::vector<double> v(n);
  uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& e : v) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    e = double((x >> 11) % 2001) / 1000.0 - 1.0;
  }
  return v;
}

/// An array of `shape` filled with randv values.
inline array rnd(Shape shape, uint64_t seed, Dtype dt = float32) {
  return array(randv(shape_size(shape), seed), shape, dt);
}

/// Tolerance for one rounding of an elementwise result in `t`.
inline double tol_elementwise(Dtype t) {
  switch (t) {
    case Dtype::float64: return 1e-12;
    case Dtype::float16: return 4e-3;
    case Dtype::bfloat16: return 3e-2;
    default: return 2e-6;
  }
}

/// Tolerance for results accumulated over many products (matmul, conv).
inline double tol_products(Dtype t) {
  switch (t) {
    case Dtype::float16: return 1e-2;
    case Dtype::bfloat16: return 4e-2;
    case Dtype::float64: return 1e-12;
    default: return 1e-5;
  }
}

}  // namespace ember
