// Helpers for the GPU tests of matmul, conv and the fast ops: random inputs
// of any dtype, the device under test, and elementwise comparisons.
// EMBER_TEST_GPU_AS_CPU=1 runs the "GPU" side on the CPU, which checks the
// tests themselves (shapes, references, tolerances) on machines without GPU.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdlib>
#include <string>
#include <vector>

#include "test_utils.h"

namespace ember::gpu_test {

inline const Device kCpu(DeviceType::cpu);

inline bool gpu_as_cpu() {
  const char* e = std::getenv("EMBER_TEST_GPU_AS_CPU");
  return e != nullptr && e[0] == '1';
}

/// The device under test.
inline Device gpu() {
  return gpu_as_cpu() ? Device(DeviceType::cpu) : Device(DeviceType::gpu);
}

inline bool have_gpu() {
  return gpu_as_cpu() || is_available(Device(DeviceType::gpu));
}

#define EMBER_REQUIRE_GPU() \
  if (!::ember::gpu_test::have_gpu()) GTEST_SKIP() << "no GPU"

/// Random values on a 0.001 grid in [lo, hi], as an evaluated CPU array of
/// `dt` (complex: random real and imaginary parts).
inline array rand_array(const Shape& shape, Dtype dt, uint64_t seed,
                        double lo = -1.0, double hi = 1.0) {
  size_t n = shape_size(shape);
  auto re = randv(n, seed);
  for (auto& v : re) v = lo + (v + 1.0) * 0.5 * (hi - lo);
  array a(0.0f);
  if (dt == complex64) {
    auto im = randv(n, seed + 7919);
    std::vector<complex64_t> c(n);
    for (size_t i = 0; i < n; ++i) c[i] = complex64_t(float(re[i]), float(im[i]));
    a = array(c, shape, complex64);
  } else {
    a = astype(array(re, shape, float64), dt, kCpu);
  }
  a.eval();
  return a;
}

/// Logical (row-major) values of any array as complex doubles.
inline std::vector<std::complex<double>> cvalues(array a) {
  a.eval();
  std::vector<std::complex<double>> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.dtype() == complex64) {
      auto c = detail::read_element<complex64_t>(a, i);
      out[i] = {double(c.real()), double(c.imag())};
    } else {
      out[i] = detail::read_element<double>(a, i);
    }
  }
  return out;
}

/// Logical values as doubles.
inline std::vector<double> dvalues(const array& a) { return to_vector(a); }

/// Expects |got - want| <= atol[i] + rtol * |want| elementwise (NaNs and
/// infinities must match exactly). Reports the first few mismatches.
inline void expect_close(const array& got_a, const std::vector<double>& want,
                         const std::vector<double>& atol, double rtol,
                         const std::string& what) {
  auto got = dvalues(got_a);
  ASSERT_EQ(got.size(), want.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < got.size() && bad < 5; ++i) {
    double g = got[i], w = want[i];
    bool ok;
    if (std::isnan(w)) {
      ok = std::isnan(g);
    } else if (std::isinf(w)) {
      ok = g == w;
    } else {
      double a = atol.empty() ? 0.0 : atol[atol.size() == 1 ? 0 : i];
      ok = std::abs(g - w) <= a + rtol * std::abs(w);
    }
    if (!ok) {
      ++bad;
      ADD_FAILURE() << what << ": index " << i << " got " << g << " want " << w;
    }
  }
}

/// Compares an array computed on the device under test with the same op
/// computed on the CPU: |gpu - cpu| <= atol + rtol * |cpu|.
inline void expect_matches_cpu(const array& g, const array& c, double atol,
                               double rtol, const std::string& what) {
  ASSERT_EQ(g.shape(), c.shape()) << what;
  ASSERT_EQ(g.dtype(), c.dtype()) << what;
  expect_close(g, dvalues(c), {atol}, rtol, what);
}

/// Unit roundoff-scaled tolerance for results accumulated in float32 and
/// rounded once to `t`.
inline double accum_tol(Dtype t) {
  switch (t) {
    case Dtype::float64: return 1e-12;
    case Dtype::float16: return 2e-3;
    case Dtype::bfloat16: return 1e-2;
    default: return 1e-5;
  }
}

inline std::string dname(Dtype t) { return dtype_name(t); }

}  // namespace ember::gpu_test
