// Shared helpers for C++ tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
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

}  // namespace ember
