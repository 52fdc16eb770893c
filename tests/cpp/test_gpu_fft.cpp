// GPU FFT (cuFFT) against the CPU backend (double internals) and, for a few
// cases, a direct O(n^2) DFT in double: complex forward/inverse over power
// of two, odd, prime and large lengths, n padding/truncation, every axis,
// multi-axis transforms (including more than 3 axes, which run as several
// cuFFT passes), rfft/irfft (n = 1, 2, odd, even; arbitrary bins with
// imaginary DC/Nyquist parts), real transforms over permuted axes, strided /
// transposed / broadcast / offset inputs, empty batches, norms, float64 and
// integer inputs (promoted by the op), gradients and mixed CPU/GPU graphs.
// Single-precision cuFFT: errors are compared to the largest magnitude of
// the reference (the error of a DFT scales with the norm of its input).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "test_utils.h"

namespace ember {
namespace {

using cd = std::complex<double>;

const Device kGpu(DeviceType::gpu);
const Device kCpu(DeviceType::cpu);

#define REQUIRE_GPU() \
  if (!is_available(kGpu)) GTEST_SKIP() << "no GPU"

std::vector<cd> cvalues(const array& a) {
  array c = contiguous(astype(a, complex64, kCpu), false, kCpu);
  c.eval();
  const complex64_t* p = c.data<complex64_t>();
  std::vector<cd> v(c.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = cd(p[i].real(), p[i].imag());
  return v;
}

// max |got - want| <= tol * max(1, max |want|).
void expect_close(const array& got, const std::vector<cd>& want, double tol,
                  const std::string& what) {
  auto g = cvalues(got);
  ASSERT_EQ(g.size(), want.size()) << what;
  double scale = 1;
  for (auto& w : want) scale = std::max(scale, std::abs(w));
  int bad = 0;
  for (size_t i = 0; i < g.size() && bad < 5; ++i) {
    if (!(std::abs(g[i] - want[i]) <= tol * scale)) {
      ADD_FAILURE() << what << " at " << i << ": gpu " << g[i] << " want "
                    << want[i] << " (scale " << scale << ")";
      ++bad;
    }
  }
}

const double kTol = 4e-6;

// Runs f on the GPU and on the CPU; same shape and dtype, values within tol.
void check(const std::function<array(Device)>& f, const std::string& what,
           double tol = kTol) {
  array g = f(kGpu);
  array c = f(kCpu);
  eval({g, c});
  ASSERT_EQ(g.shape(), c.shape()) << what;
  ASSERT_EQ(g.dtype(), c.dtype()) << what;
  expect_close(g, cvalues(c), tol, what);
}

array rand_complex(const Shape& shape, uint64_t seed) {
  auto re = randv(shape_size(shape), seed);
  auto im = randv(shape_size(shape), seed + 99);
  std::vector<complex64_t> v(re.size());
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = complex64_t(float(re[i]), float(im[i]));
  }
  return array(v, shape, complex64);
}

array rand_real(const Shape& shape, uint64_t seed, Dtype dt = float32) {
  return array(randv(shape_size(shape), seed), shape, dt);
}

// Direct DFT along the last axis of row-major lines of length n.
std::vector<cd> dft_last(const std::vector<cd>& x, int64_t n, bool inverse) {
  std::vector<cd> y(x.size());
  double sgn = inverse ? 1.0 : -1.0;
  for (size_t o = 0; o < x.size() / size_t(n); ++o) {
    for (int64_t k = 0; k < n; ++k) {
      cd s = 0;
      for (int64_t j = 0; j < n; ++j) {
        double ang = sgn * 2.0 * M_PI * double((j * k) % n) / double(n);
        s += x[o * n + j] * cd(std::cos(ang), std::sin(ang));
      }
      y[o * n + k] = inverse ? s / double(n) : s;
    }
  }
  return y;
}

TEST(GpuFFT, ComplexLengthsAgainstDirectDft) {
  REQUIRE_GPU();
  for (int n : {1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 64, 97, 100, 128, 243,
                1000, 1024, 4099}) {
    array x = rand_complex({3, n}, n);
    auto xv = cvalues(x);
    std::string w = " n=" + std::to_string(n);
    array y = fft::fft(x, std::nullopt, -1, "backward", kGpu);
    EXPECT_EQ(y.dtype(), complex64);
    expect_close(y, dft_last(xv, n, false), kTol, "fft vs dft" + w);
    expect_close(fft::ifft(x, std::nullopt, -1, "backward", kGpu),
                 dft_last(xv, n, true), kTol, "ifft vs dft" + w);
    expect_close(fft::ifft(y, std::nullopt, -1, "backward", kGpu), xv, kTol,
                 "ifft(fft)" + w);
    check([&](Device d) { return fft::fft(x, std::nullopt, -1, "backward", d); },
          "fft vs cpu" + w);
  }
}

TEST(GpuFFT, LargeAndBatched) {
  REQUIRE_GPU();
  // One long line (multi-kernel cuFFT plan), many short lines, a large
  // prime (Bluestein inside cuFFT).
  array a = rand_complex({1 << 18}, 1);
  check([&](Device d) { return fft::fft(a, std::nullopt, -1, "backward", d); },
        "fft 2^18", 1e-5);
  array b = rand_complex({4096, 48}, 2);
  check([&](Device d) { return fft::ifft(b, std::nullopt, -1, "backward", d); },
        "ifft batch 4096");
  check([&](Device d) { return fft::fft(b, std::nullopt, 0, "backward", d); },
        "fft axis 0 of 4096", 1e-5);
  array p = rand_complex({2, 10007}, 3);
  check([&](Device d) { return fft::fft(p, std::nullopt, -1, "backward", d); },
        "fft prime 10007", 1e-5);
  array r = rand_real({64, 3000}, 4);
  check([&](Device d) { return fft::rfft(r, std::nullopt, -1, "backward", d); },
        "rfft batch");
}

TEST(GpuFFT, PaddingTruncationAxes) {
  REQUIRE_GPU();
  array x = rand_complex({3, 6, 5}, 4);
  for (int axis : {0, 1, 2, -1, -2}) {
    for (int n : {1, 4, 6, 9, 16}) {
      std::string w = " axis " + std::to_string(axis) + " n=" + std::to_string(n);
      check([&](Device d) { return fft::fft(x, n, axis, "backward", d); },
            "fft" + w);
      check([&](Device d) { return fft::ifft(x, n, axis, "backward", d); },
            "ifft" + w);
    }
  }
}

TEST(GpuFFT, MultiAxis) {
  REQUIRE_GPU();
  array x = rand_complex({3, 4, 5}, 21);
  check([&](Device d) { return fft::fftn(x, std::nullopt, std::nullopt, "backward", d); },
        "fftn");
  check([&](Device d) { return fft::ifftn(x, std::nullopt, std::nullopt, "backward", d); },
        "ifftn");
  check([&](Device d) { return fft::fft2(x, Shape{6, 3}, {0, 2}, "backward", d); },
        "fft2 s axes (0, 2)");
  check([&](Device d) { return fft::fft2(x, std::nullopt, {2, 0}, "backward", d); },
        "fft2 axes (2, 0)");
  check([&](Device d) { return fft::fftn(x, Shape{4, 8}, std::nullopt, "backward", d); },
        "fftn s");
  check([&](Device d) {
    return fft::ifftn(x, std::nullopt, std::vector<int>{1}, "backward", d);
  }, "ifftn one middle axis");
  // More than 3 axes: several cuFFT passes with permutes in between.
  array y = rand_complex({3, 4, 1, 5, 6}, 22);
  check([&](Device d) { return fft::fftn(y, std::nullopt, std::nullopt, "backward", d); },
        "fftn 5-D");
  check([&](Device d) { return fft::ifftn(y, std::nullopt, std::nullopt, "backward", d); },
        "ifftn 5-D");
  check([&](Device d) {
    return fft::fftn(y, std::nullopt, std::vector<int>{4, 0, 3, 1}, "backward", d);
  }, "fftn 4 permuted axes");
  // Axes of length 1 only: a copy.
  array z = rand_complex({1, 7, 1}, 23);
  check([&](Device d) {
    return fft::fftn(z, std::nullopt, std::vector<int>{0, 2}, "backward", d);
  }, "fftn length-1 axes");
}

TEST(GpuFFT, RealTransforms) {
  REQUIRE_GPU();
  for (int n : {1, 2, 3, 5, 8, 9, 16, 30, 31, 1000}) {
    std::string w = " n=" + std::to_string(n);
    array x = rand_real({3, n}, 10 + n);
    check([&](Device d) { return fft::rfft(x, std::nullopt, -1, "backward", d); },
          "rfft" + w);
    array y = fft::rfft(x, std::nullopt, -1, "backward", kCpu);
    check([&](Device d) { return fft::irfft(y, n, -1, "backward", d); },
          "irfft(rfft)" + w);
    expect_close(fft::irfft(y, n, -1, "backward", kGpu), cvalues(x), kTol,
                 "irfft round trip" + w);
    // Along the first axis (strided lines).
    array xt = rand_real({n, 4}, 50 + n);
    check([&](Device d) { return fft::rfft(xt, std::nullopt, 0, "backward", d); },
          "rfft axis 0" + w);
  }
  // irfft of arbitrary bins: imaginary DC/Nyquist parts are ignored; the
  // bins are padded or truncated to n / 2 + 1.
  array z = rand_complex({2, 5}, 77);
  for (int n : {8, 9, 4, 3, 12, 1, 2}) {
    check([&](Device d) { return fft::irfft(z, n, -1, "backward", d); },
          "irfft bins n=" + std::to_string(n));
    check([&](Device d) { return fft::irfft(z, n, 0, "backward", d); },
          "irfft bins axis 0 n=" + std::to_string(n));
  }
  check([&](Device d) { return fft::irfft(z, std::nullopt, -1, "backward", d); },
        "irfft default n");
  // Complex input to rfft: the op takes the real part.
  array c = rand_complex({7}, 5);
  check([&](Device d) { return fft::rfft(c, std::nullopt, -1, "backward", d); },
        "rfft complex input");
}

TEST(GpuFFT, RealMultiAxis) {
  REQUIRE_GPU();
  array r = rand_real({2, 6, 7}, 22);
  check([&](Device d) { return fft::rfft2(r, std::nullopt, {-2, -1}, "backward", d); },
        "rfft2");
  check([&](Device d) { return fft::rfftn(r, std::nullopt, std::nullopt, "backward", d); },
        "rfftn");
  check([&](Device d) {
    return fft::rfftn(r, std::nullopt, std::vector<int>{2, 0}, "backward", d);
  }, "rfftn axes (2, 0)");
  array zr = rand_complex({2, 6, 4}, 23);
  check([&](Device d) { return fft::irfft2(zr, Shape{6, 7}, {-2, -1}, "backward", d); },
        "irfft2 arbitrary bins");
  check([&](Device d) { return fft::irfftn(zr, std::nullopt, std::nullopt, "backward", d); },
        "irfftn arbitrary bins");
  check([&](Device d) {
    return fft::irfftn(zr, Shape{3, 5}, std::vector<int>{2, 0}, "backward", d);
  }, "irfftn axes (2, 0) with s");
  // Round trips.
  array yr = fft::rfftn(r, std::nullopt, std::nullopt, "backward", kGpu);
  expect_close(fft::irfftn(yr, Shape{2, 6, 7}, std::nullopt, "backward", kGpu),
               cvalues(r), kTol, "irfftn(rfftn)");
  // More than 3 axes.
  array r5 = rand_real({3, 2, 4, 5, 6}, 24);
  check([&](Device d) { return fft::rfftn(r5, std::nullopt, std::nullopt, "backward", d); },
        "rfftn 5-D");
  array z5 = rand_complex({3, 2, 4, 5, 4}, 25);
  check([&](Device d) { return fft::irfftn(z5, std::nullopt, std::nullopt, "backward", d); },
        "irfftn 5-D");
  check([&](Device d) {
    return fft::irfftn(z5, std::nullopt, std::vector<int>{0, 4, 1, 2}, "backward", d);
  }, "irfftn 4 permuted axes");
  // The real axis of length 1 with other axes transformed.
  array r1 = rand_real({5, 1}, 26);
  check([&](Device d) { return fft::rfftn(r1, std::nullopt, std::nullopt, "backward", d); },
        "rfftn real axis n=1");
  array z1 = rand_complex({5, 3}, 27);
  check([&](Device d) { return fft::irfftn(z1, Shape{5, 1}, std::nullopt, "backward", d); },
        "irfftn real axis n=1");
}

TEST(GpuFFT, LayoutsAndDtypes) {
  REQUIRE_GPU();
  array base = rand_complex({6, 5}, 31);
  array t = transpose(base, kCpu);  // (5, 6) view
  check([&](Device d) { return fft::fft(t, std::nullopt, -1, "backward", d); },
        "transposed");
  array sl = slice(base, {0, 0}, {6, 5}, {2, 2}, kCpu);  // strided view
  check([&](Device d) { return fft::fft(sl, std::nullopt, 0, "backward", d); },
        "strided");
  array rev = slice(base, {5, 4}, {-7, -6}, {-1, -1}, kCpu);  // reversed
  check([&](Device d) { return fft::fftn(rev, std::nullopt, std::nullopt, "backward", d); },
        "reversed");
  array off = slice(rand_real({9, 8}, 32), {1, 1}, {9, 8}, kCpu);  // offset
  check([&](Device d) { return fft::rfft(off, std::nullopt, -1, "backward", d); },
        "offset real");
  array b = broadcast_to(rand_real({1, 8}, 5), {4, 8}, kCpu);
  check([&](Device d) { return fft::rfft(b, std::nullopt, -1, "backward", d); },
        "broadcast");
  // Empty batch.
  array e = fft::fft(zeros({0, 4}, complex64, kCpu), std::nullopt, -1,
                     "backward", kGpu);
  EXPECT_EQ(e.shape(), (Shape{0, 4}));
  e.eval();
  array er = fft::irfft(zeros({3, 0, 5}, complex64, kCpu), 8, -1, "backward",
                        kGpu);
  EXPECT_EQ(er.shape(), (Shape{3, 0, 8}));
  er.eval();
  // float64, float16 and integer inputs are promoted by the op.
  array x64 = rand_real({3, 10}, 33, float64);
  check([&](Device d) { return fft::fft(x64, std::nullopt, -1, "backward", d); },
        "float64");
  check([&](Device d) { return fft::rfft(x64, std::nullopt, -1, "backward", d); },
        "rfft float64");
  array x16 = rand_real({3, 10}, 34, float16);
  check([&](Device d) { return fft::rfft(x16, std::nullopt, -1, "backward", d); },
        "rfft float16");
  array xi = array({1, 2, 3, 4, -5}, int32);
  check([&](Device d) { return fft::fft(xi, std::nullopt, -1, "backward", d); },
        "int32");
}

TEST(GpuFFT, Norms) {
  REQUIRE_GPU();
  array x = rand_complex({4, 10}, 41);
  array r = rand_real({4, 12}, 42);
  for (const char* norm : {"backward", "ortho", "forward"}) {
    std::string w = std::string(" ") + norm;
    check([&](Device d) { return fft::fft(x, std::nullopt, -1, norm, d); },
          "fft" + w);
    check([&](Device d) { return fft::ifft(x, std::nullopt, -1, norm, d); },
          "ifft" + w);
    check([&](Device d) { return fft::rfft(r, std::nullopt, -1, norm, d); },
          "rfft" + w);
    check([&](Device d) { return fft::irfft(x, 12, -1, norm, d); },
          "irfft" + w);
    check([&](Device d) { return fft::ifft2(x, std::nullopt, {0, 1}, norm, d); },
          "ifft2" + w);
  }
}

TEST(GpuFFT, GradientsAndMixedGraphs) {
  REQUIRE_GPU();
  // vjp of rfft and irfft run FFT primitives on the GPU.
  array xr = rand_real({3, 8}, 51);
  auto loss = [](Device d) {
    return [d](const array& x) {
      array y = fft::rfft(x, std::nullopt, -1, "backward", d);
      array z = fft::irfft(multiply(y, y, d), 8, -1, "backward", d);
      return sum(multiply(z, z, d), false, d);
    };
  };
  check([&](Device d) { return grad(loss(d))(xr); }, "grad rfft/irfft", 1e-5);
  // GPU fft -> CPU op -> GPU ifft -> CPU.
  array x = rand_complex({5, 16}, 52);
  auto run = [&](Device d1, Device d2) {
    array y = fft::fft(x, std::nullopt, -1, "backward", d1);
    array w = multiply(y, array(complex64_t(0.5f, -1.0f)), d2);
    array z = fft::ifft(w, std::nullopt, 0, "backward", d1);
    return abs(z, d2);
  };
  array g = run(kGpu, kCpu), c = run(kCpu, kCpu);
  eval({g, c});
  expect_close(g, cvalues(c), kTol, "mixed graph");
}

}  // namespace
}  // namespace ember
