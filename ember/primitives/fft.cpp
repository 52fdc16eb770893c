// Derivatives and batching of the FFT primitive. The transform is linear;
// its vjp is the adjoint (conjugate transpose, the same convention as
// Real/Imag: the cotangent of z = a + ib is dL/da + i dL/db). The adjoint of
// an unnormalised forward DFT is n times the inverse DFT; real transforms
// also weight the bins stored once for two (all but DC and Nyquist).
#include "ember/primitives/fft.h"

#include "ember/ops/binary.h"
#include "ember/ops/shape.h"

namespace ember {

namespace {

double axes_size(const Shape& shape, const std::vector<int>& axes) {
  double n = 1;
  for (int ax : axes) n *= shape[ax];
  return n;
}

// Along `ax` (length m of a real transform of length n): 1 at DC and, for
// even n, at the Nyquist bin; 2 elsewhere.
array hermitian_weights(int m, int n, int ax, int ndim, Stream s) {
  std::vector<float> w(m, 2.0f);
  if (m > 0) w[0] = 1.0f;
  if (n % 2 == 0 && n / 2 < m) w[n / 2] = 1.0f;
  Shape sh(ndim, 1);
  sh[ax] = m;
  return reshape(array(w, Shape{m}, float32), sh, s);
}

}  // namespace

std::vector<array> FFT::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&,
                            const std::vector<array>&) {
  auto s = stream();
  const array& x = primals[0];
  const array& g = cotangents[0];
  if (!real_) {
    double n = axes_size(x.shape(), axes_);
    array t(g.shape(), complex64,
            std::make_shared<FFT>(s, axes_, !inverse_, false), {g});
    return {multiply(t, array(float(inverse_ ? 1.0 / n : n)), s)};
  }
  int ax = axes_.back();
  if (!inverse_) {
    // rfft: x real, g has n/2 + 1 bins on ax.
    double n = axes_size(x.shape(), axes_);
    array w = hermitian_weights(g.shape(ax), real_size_, ax, g.ndim(), s);
    array h = divide(g, w, s);
    array t(x.shape(), float32,
            std::make_shared<FFT>(s, axes_, true, true, real_size_), {h});
    return {multiply(t, array(float(n)), s)};
  }
  // irfft: x complex with n/2 + 1 bins, g real of length n on ax.
  double n = axes_size(g.shape(), axes_);
  array w = hermitian_weights(x.shape(ax), real_size_, ax, x.ndim(), s);
  array t(x.shape(), complex64,
          std::make_shared<FFT>(s, axes_, false, true, real_size_), {g});
  return {multiply(t, divide(w, array(float(n)), s), s)};
}

std::vector<array> FFT::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  const array& t = tangents[0];
  return {
      array(output_shape(t.shape()), real_ && inverse_ ? float32 : complex64,
            std::make_shared<FFT>(stream(), axes_, inverse_, real_, real_size_),
            {t})};
}

std::pair<std::vector<array>, std::vector<int>> FFT::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto s = stream();
  int b = axes[0];
  array x = inputs[0];
  std::vector<int> new_axes = axes_;
  if (b >= 0) {
    x = moveaxis(x, b, 0, s);
    for (auto& ax : new_axes) ax += 1;
  }
  auto prim = std::make_shared<FFT>(s, new_axes, inverse_, real_, real_size_);
  return {{array(prim->output_shape(x.shape()),
                 real_ && inverse_ ? float32 : complex64, prim, {x})},
          {b >= 0 ? 0 : -1}};
}

}  // namespace ember
