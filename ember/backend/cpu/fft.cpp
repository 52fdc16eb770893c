// CPU FFT. Algorithm: the input is copied into a row-contiguous
// complex<double> working buffer, then each transformed axis is processed as
// independent lines (gathered with the axis stride, transformed, scattered
// back), lines split across the pool with scheduler::parallel_for. A line of
// power-of-two length uses an iterative radix-2 Cooley-Tukey transform;
// other lengths use Bluestein's chirp-z algorithm (a circular convolution of
// power-of-two length m >= 2n - 1 done with the radix-2 transform). Inverse
// transforms are forward transforms read in reversed order. Twiddles and chirps
// are computed directly in double (no recurrences), so the error stays near
// double rounding before the final rounding to complex64/float32. Real
// transforms: rfft runs the complex transform on the real line and keeps
// n/2 + 1 bins; irfft rebuilds the Hermitian line and keeps the real part.
// Traffic: one read of the input, one write of the output, and one
// read+write of the 16-byte working buffer per axis.
#include "ember/primitives/fft.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "ember/backend/common/utils.h"
#include "ember/core/allocator.h"
#include "ember/core/scheduler.h"

namespace ember {

namespace {

using cd = std::complex<double>;

// Plain complex product (std::complex's operator* adds NaN/inf recovery).
inline cd cmul(cd a, cd b) {
  return {a.real() * b.real() - a.imag() * b.imag(),
          a.real() * b.imag() + a.imag() * b.real()};
}

bool is_pow2(int64_t n) { return (n & (n - 1)) == 0; }

// tw[k] = exp(-2 pi i k / L), k < L / 2.
std::vector<cd> twiddles(int64_t L) {
  std::vector<cd> tw(std::max<int64_t>(L / 2, 1));
  for (int64_t k = 0; k < L / 2; ++k) {
    double ang = -2.0 * M_PI * double(k) / double(L);
    tw[k] = {std::cos(ang), std::sin(ang)};
  }
  return tw;
}

// In-place unnormalised forward DFT of power-of-two length L.
void radix2(cd* x, int64_t L, const cd* tw) {
  for (int64_t i = 1, j = 0; i < L; ++i) {
    int64_t bit = L >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  for (int64_t len = 2; len <= L; len <<= 1) {
    int64_t half = len >> 1, step = L / len;
    for (int64_t i = 0; i < L; i += len) {
      cd* a = x + i;
      cd* b = x + i + half;
      for (int64_t k = 0; k < half; ++k) {
        cd v = cmul(b[k], tw[k * step]);
        cd u = a[k];
        a[k] = u + v;
        b[k] = u - v;
      }
    }
  }
}

// Everything a length-n line transform needs; shared read-only by threads.
struct Plan {
  int64_t n;
  int64_t m = 0;           // Bluestein convolution length (0: radix-2)
  std::vector<cd> tw;      // twiddles of n (radix-2) or m (Bluestein)
  std::vector<cd> chirp;   // w[k] = exp(-i pi k^2 / n)
  std::vector<cd> filter;  // DFT of the wrapped conj(w), times 1/m

  explicit Plan(int64_t n_) : n(n_) {
    if (is_pow2(n)) {
      tw = twiddles(n);
      return;
    }
    m = 1;
    while (m < 2 * n - 1) m <<= 1;
    tw = twiddles(m);
    chirp.resize(n);
    for (int64_t k = 0; k < n; ++k) {
      // k^2 mod 2n keeps the angle small and exact for large k.
      double ang = -M_PI * double((k * k) % (2 * n)) / double(n);
      chirp[k] = {std::cos(ang), std::sin(ang)};
    }
    filter.assign(m, cd(0, 0));
    filter[0] = std::conj(chirp[0]);
    for (int64_t k = 1; k < n; ++k) {
      filter[k] = filter[m - k] = std::conj(chirp[k]);
    }
    radix2(filter.data(), m, tw.data());
    for (auto& f : filter) f /= double(m);
  }

  // X[k] = w[k] sum_j (x[j] w[j]) conj(w[k - j]) for Bluestein.
  void forward(cd* x, cd* scratch) const {
    if (m == 0) {
      radix2(x, n, tw.data());
      return;
    }
    for (int64_t k = 0; k < n; ++k) scratch[k] = cmul(x[k], chirp[k]);
    for (int64_t k = n; k < m; ++k) scratch[k] = cd(0, 0);
    radix2(scratch, m, tw.data());
    // Inverse DFT of the product as conj(DFT(conj(.))); 1/m is in filter.
    for (int64_t k = 0; k < m; ++k) {
      scratch[k] = std::conj(cmul(scratch[k], filter[k]));
    }
    radix2(scratch, m, tw.data());
    for (int64_t k = 0; k < n; ++k)
      x[k] = cmul(std::conj(scratch[k]), chirp[k]);
  }

  // Unnormalised inverse DFT: X_inv[k] = X[(n - k) mod n] (no sign flips
  // of zeros, unlike conjugating twice).
  void backward(cd* x, cd* scratch) const {
    forward(x, scratch);
    std::reverse(x + 1, x + n);
  }
};

// Lines along axis `ax` of a row-contiguous shape: line l starts at
// (l / inner) * n * inner + l % inner and steps by inner.
struct Lines {
  int64_t inner = 1, count = 1;
};

Lines lines_of(const Shape& sh, int ax) {
  Lines r;
  int64_t outer = 1;
  for (int i = 0; i < int(sh.size()); ++i) {
    if (i < ax) outer *= sh[i];
    if (i > ax) r.inner *= sh[i];
  }
  r.count = outer * r.inner;
  return r;
}

int64_t grain_for(int64_t n) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1));
}

// In-place complex transform of every line along `ax`.
void complex_pass(std::vector<cd>& w, const Shape& sh, int ax, bool inverse) {
  int64_t n = sh[ax];
  if (n <= 1) return;
  Lines ls = lines_of(sh, ax);
  Plan plan(n);
  double scale = inverse ? 1.0 / double(n) : 1.0;
  scheduler::parallel_for(ls.count, grain_for(n), [&](int64_t b, int64_t e) {
    std::vector<cd> buf(n), scratch(plan.m);
    for (int64_t l = b; l < e; ++l) {
      cd* base = w.data() + (l / ls.inner) * n * ls.inner + l % ls.inner;
      cd* x = base;
      if (ls.inner != 1) {
        for (int64_t k = 0; k < n; ++k) buf[k] = base[k * ls.inner];
        x = buf.data();
      }
      if (inverse) {
        plan.backward(x, scratch.data());
        for (int64_t k = 0; k < n; ++k) x[k] *= scale;
      } else {
        plan.forward(x, scratch.data());
      }
      if (ls.inner != 1) {
        for (int64_t k = 0; k < n; ++k) base[k * ls.inner] = buf[k];
      }
    }
  });
}

// Real lines of length n along `ax` of r (shape in_sh) -> n/2 + 1 bins of w.
void rfft_pass(const std::vector<double>& r, const Shape& in_sh,
               std::vector<cd>& w, const Shape& out_sh, int ax) {
  int64_t n = in_sh[ax], m = out_sh[ax];
  Lines ls = lines_of(in_sh, ax);
  Plan plan(n);
  scheduler::parallel_for(ls.count, grain_for(n), [&](int64_t b, int64_t e) {
    std::vector<cd> buf(n), scratch(plan.m);
    for (int64_t l = b; l < e; ++l) {
      int64_t o = l / ls.inner, i = l % ls.inner;
      const double* src = r.data() + o * n * ls.inner + i;
      cd* dst = w.data() + o * m * ls.inner + i;
      for (int64_t k = 0; k < n; ++k) buf[k] = cd(src[k * ls.inner], 0.0);
      plan.forward(buf.data(), scratch.data());
      for (int64_t k = 0; k < m; ++k) dst[k * ls.inner] = buf[k];
    }
  });
}

// n/2 + 1 Hermitian bins along `ax` of w -> n real samples of out (float).
void irfft_pass(const std::vector<cd>& w, const Shape& in_sh, float* out,
                const Shape& out_sh, int ax) {
  int64_t m = in_sh[ax], n = out_sh[ax];
  Lines ls = lines_of(in_sh, ax);
  Plan plan(n);
  double scale = 1.0 / double(n);
  scheduler::parallel_for(ls.count, grain_for(n), [&](int64_t b, int64_t e) {
    std::vector<cd> buf(n), scratch(plan.m);
    for (int64_t l = b; l < e; ++l) {
      int64_t o = l / ls.inner, i = l % ls.inner;
      const cd* src = w.data() + o * m * ls.inner + i;
      float* dst = out + o * n * ls.inner + i;
      // Imaginary parts of DC/Nyquist only add imaginary output; dropped.
      for (int64_t k = 0; k < m && k < n; ++k) buf[k] = src[k * ls.inner];
      for (int64_t k = m; k < n; ++k)
        buf[k] = std::conj(src[(n - k) * ls.inner]);
      plan.backward(buf.data(), scratch.data());
      for (int64_t k = 0; k < n; ++k)
        dst[k * ls.inner] = float(buf[k].real() * scale);
    }
  });
}

// Row-major copy of a strided array into a vector, converting each element.
template <typename Src, typename Dst, typename F>
std::vector<Dst> load(const array& in, F conv) {
  std::vector<Dst> v(in.size());
  const Src* p = in.data<Src>();
  if (in.flags().row_contiguous) {
    scheduler::parallel_for(int64_t(v.size()), 1 << 15,
                            [&](int64_t b, int64_t e) {
                              for (int64_t k = b; k < e; ++k) v[k] = conv(p[k]);
                            });
    return v;
  }
  scheduler::parallel_for(
      int64_t(v.size()), 1 << 15, [&](int64_t b, int64_t e) {
        StridedIterator it(in.shape(), in.strides(), in.ndim());
        it.seek(b);
        for (int64_t k = b; k < e; ++k, it.step()) v[k] = conv(p[it.loc]);
      });
  return v;
}

}  // namespace

void FFT::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocator::malloc(std::max<size_t>(out.nbytes(), 1)));
  if (out.size() == 0) return;
  auto to_cd = [](complex64_t z) { return cd(z.real(), z.imag()); };
  auto store = [&](const std::vector<cd>& w) {
    complex64_t* o = out.data<complex64_t>();
    scheduler::parallel_for(
        int64_t(w.size()), 1 << 15, [&](int64_t b, int64_t e) {
          for (int64_t k = b; k < e; ++k)
            o[k] = complex64_t(float(w[k].real()), float(w[k].imag()));
        });
  };
  if (!real_) {
    auto w = load<complex64_t, cd>(in, to_cd);
    for (int ax : axes_) complex_pass(w, in.shape(), ax, inverse_);
    store(w);
  } else if (!inverse_) {
    auto r = load<float, double>(in, [](float v) { return double(v); });
    std::vector<cd> w(out.size());
    rfft_pass(r, in.shape(), w, out.shape(), axes_.back());
    for (size_t i = 0; i + 1 < axes_.size(); ++i) {
      complex_pass(w, out.shape(), axes_[i], false);
    }
    store(w);
  } else {
    auto w = load<complex64_t, cd>(in, to_cd);
    for (size_t i = 0; i + 1 < axes_.size(); ++i) {
      complex_pass(w, in.shape(), axes_[i], true);
    }
    irfft_pass(w, in.shape(), out.data<float>(), out.shape(), axes_.back());
  }
}

}  // namespace ember
