// ember::fft against a direct O(n^2) DFT computed in double in the test
// (power-of-two, odd, prime and large lengths; padding/truncation; axes;
// strided inputs; norms), error branches, and vjp/jvp/vmap rules.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "ember/ember.h"
#include "grad_check.h"
#include "test_utils.h"

namespace ember {
namespace {

using cd = std::complex<double>;

std::vector<cd> cvec(array a) {
  a.eval();
  std::vector<cd> v(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.dtype() == complex64) {
      auto z = detail::read_element<complex64_t>(a, i);
      v[i] = cd(z.real(), z.imag());
    } else {
      v[i] = cd(detail::read_element<double>(a, i), 0.0);
    }
  }
  return v;
}

// Direct DFT of every line along `ax` (row-major data of `shape`), each line
// zero-padded/truncated to n; inverse scales by 1/n.
std::vector<cd> dft(const std::vector<cd>& x, Shape& shape, int ax, int n,
                    bool inverse) {
  int64_t inner = 1, outer = 1;
  for (int i = 0; i < int(shape.size()); ++i) {
    if (i < ax) outer *= shape[i];
    if (i > ax) inner *= shape[i];
  }
  int len = shape[ax];
  std::vector<cd> y(outer * n * inner);
  double sgn = inverse ? 1.0 : -1.0;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      for (int k = 0; k < n; ++k) {
        cd s = 0;
        for (int j = 0; j < std::min(len, n); ++j) {
          double ang = sgn * 2.0 * M_PI * double((int64_t(j) * k) % n) / n;
          s += x[(o * len + j) * inner + i] * cd(std::cos(ang), std::sin(ang));
        }
        y[(o * n + k) * inner + i] = inverse ? s / double(n) : s;
      }
    }
  }
  shape[ax] = n;
  return y;
}

// Keeps the first m entries along ax.
std::vector<cd> keep(const std::vector<cd>& x, Shape& shape, int ax, int m) {
  int64_t inner = 1, outer = 1;
  for (int i = 0; i < int(shape.size()); ++i) {
    if (i < ax) outer *= shape[i];
    if (i > ax) inner *= shape[i];
  }
  int len = shape[ax];
  std::vector<cd> y(outer * m * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int k = 0; k < m; ++k)
      for (int64_t i = 0; i < inner; ++i)
        y[(o * m + k) * inner + i] =
            k < len ? x[(o * len + k) * inner + i] : cd(0);
  shape[ax] = m;
  return y;
}

// Hermitian completion of m = n/2 + 1 bins along ax to n bins.
std::vector<cd> hermitian(const std::vector<cd>& x, Shape& shape, int ax,
                          int n) {
  int64_t inner = 1, outer = 1;
  for (int i = 0; i < int(shape.size()); ++i) {
    if (i < ax) outer *= shape[i];
    if (i > ax) inner *= shape[i];
  }
  int m = shape[ax];
  std::vector<cd> y(outer * n * inner);
  for (int64_t o = 0; o < outer; ++o)
    for (int k = 0; k < n; ++k)
      for (int64_t i = 0; i < inner; ++i) {
        cd v = k < m ? x[(o * m + k) * inner + i]
                     : std::conj(x[(o * m + n - k) * inner + i]);
        if (k == 0 || (n % 2 == 0 && k == n / 2)) v = cd(v.real(), 0);
        y[(o * n + k) * inner + i] = v;
      }
  shape[ax] = n;
  return y;
}

void expect_cclose(const std::vector<cd>& got, const std::vector<cd>& want,
                   double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 1;
  for (auto& w : want) scale = std::max(scale, std::abs(w));
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_LT(std::abs(got[i] - want[i]), tol * scale)
        << what << " at " << i << ": got " << got[i] << " want " << want[i];
  }
}

array rand_real(Shape shape, uint64_t seed) {
  return array(randv(shape_size(shape), seed), shape, float64);
}

array rand_complex(Shape shape, uint64_t seed) {
  auto re = randv(shape_size(shape), seed),
       im = randv(shape_size(shape), seed + 99);
  std::vector<complex64_t> v(re.size());
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = complex64_t(float(re[i]), float(im[i]));
  return array(v, shape, complex64);
}

const double kTol = 2e-6;  // complex64 output, double internals

TEST(FFT, OneDimensionalLengths) {
  for (int n : {1, 2, 3, 4, 5, 7, 8, 12, 16, 17, 31, 64, 97, 100, 128, 243,
                1000, 1024}) {
    array x = rand_complex({2, n}, n);
    Shape sh = x.shape();
    auto want = dft(cvec(x), sh, 1, n, false);
    array y = fft::fft(x);
    EXPECT_EQ(y.dtype(), complex64);
    EXPECT_EQ(y.shape(), sh);
    expect_cclose(cvec(y), want, kTol, "fft n=" + std::to_string(n));
    Shape sh2 = x.shape();
    expect_cclose(cvec(fft::ifft(x)), dft(cvec(x), sh2, 1, n, true), kTol,
                  "ifft n=" + std::to_string(n));
    // Round trip.
    expect_cclose(cvec(fft::ifft(y)), cvec(x), kTol,
                  "ifft(fft) n=" + std::to_string(n));
  }
}

TEST(FFT, PaddingTruncationAxes) {
  array x = rand_complex({3, 6, 5}, 4);
  for (int axis : {0, 1, 2, -1, -2}) {
    int ax = axis < 0 ? axis + 3 : axis;
    for (int n : {1, 4, 6, 9, 16}) {
      Shape sh = x.shape();
      auto want = dft(cvec(x), sh, ax, n, false);
      array y = fft::fft(x, n, axis);
      EXPECT_EQ(y.shape(), sh);
      expect_cclose(cvec(y), want, kTol, "fft axis/n");
    }
  }
}

TEST(FFT, RealTransforms) {
  for (int n : {1, 2, 5, 8, 9, 16, 30, 31}) {
    array x = rand_real({3, n}, 10 + n);
    Shape sh = x.shape();
    auto full = dft(cvec(x), sh, 1, n, false);
    auto want = keep(full, sh, 1, n / 2 + 1);
    array y = fft::rfft(x);
    EXPECT_EQ(y.shape(), (Shape{3, n / 2 + 1}));
    EXPECT_EQ(y.dtype(), complex64);
    expect_cclose(cvec(y), want, kTol, "rfft n=" + std::to_string(n));
    // irfft with the signal's length recovers it.
    array back = fft::irfft(y, n);
    EXPECT_EQ(back.dtype(), float32);
    EXPECT_EQ(back.shape(), (Shape{3, n}));
    expect_cclose(cvec(back), cvec(x), kTol,
                  "irfft(rfft) n=" + std::to_string(n));
  }
  // irfft of arbitrary bins (imaginary DC/Nyquist parts ignored), default n,
  // and explicit n that pads or truncates the bins.
  array z = rand_complex({2, 5}, 77);
  for (int n : {8, 9, 4, 3, 12, 1}) {
    Shape sh = z.shape();
    auto bins = keep(cvec(z), sh, 1, n / 2 + 1);
    auto herm = hermitian(bins, sh, 1, n);
    auto want = dft(herm, sh, 1, n, true);
    for (auto& w : want) w = cd(w.real(), 0);
    array y = fft::irfft(z, n);
    EXPECT_EQ(y.shape(), (Shape{2, n}));
    expect_cclose(cvec(y), want, kTol, "irfft n=" + std::to_string(n));
  }
  EXPECT_EQ(fft::irfft(z).shape(), (Shape{2, 8}));
  // Complex input to rfft: the imaginary part is dropped.
  array c = rand_complex({7}, 5);
  expect_cclose(cvec(fft::rfft(c)), cvec(fft::rfft(real(c))), 1e-7,
                "rfft complex");
}

TEST(FFT, MultiDimensional) {
  array x = rand_complex({3, 4, 5}, 21);
  // fftn over all axes = successive 1-D transforms.
  Shape sh = x.shape();
  auto want = cvec(x);
  for (int ax = 0; ax < 3; ++ax) want = dft(want, sh, ax, sh[ax], false);
  expect_cclose(cvec(fft::fftn(x)), want, kTol, "fftn");
  Shape sh_i = x.shape();
  auto want_i = cvec(x);
  for (int ax = 0; ax < 3; ++ax) want_i = dft(want_i, sh_i, ax, sh_i[ax], true);
  expect_cclose(cvec(fft::ifftn(x)), want_i, kTol, "ifftn");
  // fft2 with sizes on explicit axes (0, 2): pad axis 0, truncate axis 2.
  Shape sh2 = x.shape();
  auto w2 = dft(cvec(x), sh2, 0, 6, false);
  w2 = dft(w2, sh2, 2, 3, false);
  array y2 = fft::fft2(x, Shape{6, 3}, {0, 2});
  EXPECT_EQ(y2.shape(), (Shape{6, 4, 3}));
  expect_cclose(cvec(y2), w2, kTol, "fft2 s/axes");
  // fftn with s only: the last len(s) axes.
  Shape sh3 = x.shape();
  auto w3 = dft(cvec(x), sh3, 1, 4, false);
  w3 = dft(w3, sh3, 2, 8, false);
  expect_cclose(cvec(fft::fftn(x, Shape{4, 8})), w3, kTol, "fftn s");
  // rfft2 / irfft2: the last axis is the halved one.
  array r = rand_real({2, 6, 7}, 22);
  Shape rs = r.shape();
  auto wr = dft(cvec(r), rs, 2, 7, false);
  wr = keep(wr, rs, 2, 4);
  wr = dft(wr, rs, 1, 6, false);
  array yr = fft::rfft2(r);
  EXPECT_EQ(yr.shape(), (Shape{2, 6, 4}));
  expect_cclose(cvec(yr), wr, kTol, "rfft2");
  expect_cclose(cvec(fft::irfft2(yr, Shape{6, 7})), cvec(r), kTol, "irfft2");
  expect_cclose(cvec(fft::irfftn(fft::rfftn(r), Shape{2, 6, 7})), cvec(r), kTol,
                "irfftn");
  // rfftn over axes (2, 0): axis 0 is halved.
  array yr2 = fft::rfftn(r, std::nullopt, std::vector<int>{2, 0});
  EXPECT_EQ(yr2.shape(), (Shape{2, 6, 7}));
  Shape rs2 = r.shape();
  auto wr2 = dft(cvec(r), rs2, 0, 2, false);
  wr2 = keep(wr2, rs2, 0, 2);
  wr2 = dft(wr2, rs2, 2, 7, false);
  expect_cclose(cvec(yr2), wr2, kTol, "rfftn axes (2, 0)");
}

TEST(FFT, StridedAndBroadcastInputs) {
  array base = rand_complex({6, 5}, 31);
  array t = transpose(base);  // (5, 6) view
  Shape sh = t.shape();
  auto want = dft(cvec(t), sh, 1, 6, false);
  expect_cclose(cvec(fft::fft(t)), want, kTol, "transposed");
  array sl = slice(base, {0, 0}, {6, 5}, {2, 2});  // (3, 3) strided view
  Shape sh2 = sl.shape();
  expect_cclose(cvec(fft::fft(sl, std::nullopt, 0)),
                dft(cvec(sl), sh2, 0, 3, false), kTol, "sliced");
  array b = broadcast_to(rand_real({1, 8}, 5), {4, 8});
  Shape sh3 = b.shape();
  auto wb = keep(dft(cvec(b), sh3, 1, 8, false), sh3, 1, 5);
  expect_cclose(cvec(fft::rfft(b)), wb, kTol, "broadcast");
  // Empty batch.
  array e = fft::fft(zeros({0, 4}, complex64));
  EXPECT_EQ(e.shape(), (Shape{0, 4}));
  e.eval();
  // Integer input is promoted.
  array xi = array({1, 2, 3, 4}, int32);
  Shape shi = xi.shape();
  expect_cclose(cvec(fft::fft(xi)), dft(cvec(xi), shi, 0, 4, false), kTol,
                "int32");
}

TEST(FFT, Norms) {
  array x = rand_complex({10}, 41);
  auto base = cvec(fft::fft(x));
  auto scaled = [&](double c) {
    auto v = base;
    for (auto& e : v) e *= c;
    return v;
  };
  expect_cclose(cvec(fft::fft(x, std::nullopt, -1, "ortho")),
                scaled(1 / std::sqrt(10.0)), kTol, "ortho");
  expect_cclose(cvec(fft::fft(x, std::nullopt, -1, "forward")), scaled(0.1),
                kTol, "forward");
  auto inv = cvec(fft::ifft(x));
  for (auto& e : inv) e *= 10.0;
  expect_cclose(cvec(fft::ifft(x, std::nullopt, -1, "forward")), inv, kTol,
                "ifft forward");
  array r = rand_real({8}, 42);
  expect_cclose(
      cvec(fft::irfft(fft::rfft(r, std::nullopt, -1, "ortho"), 8, -1, "ortho")),
      cvec(r), kTol, "ortho round trip");
}

TEST(FFT, Errors) {
  array x = rand_complex({4, 4}, 1);
  EXPECT_THROW(fft::fft(x, 0), std::invalid_argument);
  EXPECT_THROW(fft::fft(x, -2), std::invalid_argument);
  EXPECT_THROW(fft::fft(x, std::nullopt, 2), std::out_of_range);
  EXPECT_THROW(fft::fft(x, std::nullopt, -3), std::out_of_range);
  EXPECT_THROW(fft::fft(array(1.0f)), std::invalid_argument);
  EXPECT_THROW(fft::fft(x, std::nullopt, -1, "bogus"), std::invalid_argument);
  EXPECT_THROW(fft::fft2(x, std::nullopt, {0, 0}), std::invalid_argument);
  EXPECT_THROW(fft::fftn(x, Shape{2, 2, 2}), std::invalid_argument);
  EXPECT_THROW(fft::fftn(x, Shape{2}, std::vector<int>{0, 1}),
               std::invalid_argument);
  EXPECT_THROW(fft::fft2(rand_complex({4}, 2)), std::out_of_range);
  EXPECT_THROW(fft::irfft(rand_complex({1}, 2)),
               std::invalid_argument);  // n = 0
  EXPECT_THROW(fft::rfftn(x, std::nullopt, std::vector<int>{}),
               std::invalid_argument);
  // No axes: a complex copy.
  EXPECT_EQ(fft::fftn(x, std::nullopt, std::vector<int>{}).dtype(), complex64);
}

// ---------------------------------------------------------------- grads

using gradcheck::OpCase;

// Real-valued views of complex outputs keep the finite differences real.
std::vector<array> re_im(const array& y) { return {real(y), imag(y)}; }

std::vector<OpCase> grad_cases() {
  std::vector<OpCase> cs;
  auto add_case = [&](OpCase c) {
    c.eps = 0.1;  // linear maps: central differences are exact up to rounding
    c.tol = 1e-4;
    c.dtypes = {float32};
    cs.push_back(std::move(c));
  };
  for (int n : {8, 7}) {
    std::string k = std::to_string(n);
    add_case({"fft_" + k,
              [](const std::vector<array>& x) { return re_im(fft::fft(x[0])); },
              {{2, n}}});
    add_case(
        {"ifft_" + k,
         [](const std::vector<array>& x) { return re_im(fft::ifft(x[0])); },
         {{2, n}}});
    add_case(
        {"rfft_" + k,
         [](const std::vector<array>& x) { return re_im(fft::rfft(x[0])); },
         {{2, n}}});
    // A complex input built without complex products: fft of real data.
    add_case({"irfft_" + k,
              [n](const std::vector<array>& x) {
                array z = fft::fft(x[0], n / 2 + 1);
                return std::vector<array>{fft::irfft(z, n)};
              },
              {{3, n}}});
    add_case({"ifft_of_fft_" + k,
              [](const std::vector<array>& x) {
                return re_im(fft::ifft(fft::fft(x[0], std::nullopt, 0), 5, 1));
              },
              {{3, n}}});
  }
  add_case({"fft2_padded",
            [](const std::vector<array>& x) {
              return re_im(fft::fft2(x[0], Shape{4, 6}));
            },
            {{3, 5}}});
  add_case({"rfftn_3d",
            [](const std::vector<array>& x) { return re_im(fft::rfftn(x[0])); },
            {{2, 3, 6}}});
  add_case({"irfft2_ortho",
            [](const std::vector<array>& x) {
              array z = fft::fft2(x[0]);
              return std::vector<array>{
                  fft::irfft2(z, Shape{4, 5}, {-2, -1}, "ortho")};
            },
            {{4, 3}}});
  return cs;
}

class FFTGrad : public ::testing::TestWithParam<OpCase> {};

TEST_P(FFTGrad, Check) { gradcheck::check_op(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Rows, FFTGrad, ::testing::ValuesIn(grad_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(FFT, GradOfRealLossMatchesClosedForm) {
  // L = sum(w1 * Re fft(x) + w2 * Im fft(x)) for real x:
  // dL/dx_t = sum_k w1_k cos(2 pi k t / n) - w2_k sin(2 pi k t / n).
  int n = 6;
  auto xv = randv(n, 3), w1 = randv(n, 4), w2 = randv(n, 5);
  array w1a(w1, {n}, float32), w2a(w2, {n}, float32);
  auto loss = [&](const array& x) {
    array y = fft::fft(x);
    return sum(add(multiply(real(y), w1a), multiply(imag(y), w2a)));
  };
  array g = grad(loss)(array(xv, {n}, float32));
  std::vector<double> want(n);
  for (int t = 0; t < n; ++t)
    for (int k = 0; k < n; ++k) {
      double ang = 2 * M_PI * k * t / n;
      want[t] += w1[k] * std::cos(ang) - w2[k] * std::sin(ang);
    }
  expect_values(g, want, 1e-5);
}

}  // namespace
}  // namespace ember
