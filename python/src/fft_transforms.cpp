// ember.core.fft transforms (spec/submodules.md §3): fft/ifft/rfft/irfft in
// 1-D, 2-D and n-D over ember::fft (ops/fft.h). `stream` is
// positional-or-keyword here, as in MLX.
#include "utils.h"

namespace ember::py {

namespace {

std::optional<Shape> sizes(nb::handle s, const char* op) {
  if (s.is_none()) return std::nullopt;
  return to_shape(s, op);
}

using Fn1 = array (*)(const array&, std::optional<int>, int, const std::string&, StreamOrDevice);
using FnN = array (*)(const array&, const std::optional<Shape>&,
                      const std::optional<std::vector<int>>&, const std::string&, StreamOrDevice);
using Fn2 = array (*)(const array&, const std::optional<Shape>&, const std::vector<int>&,
                      const std::string&, StreamOrDevice);

void def1(nb::module_& m, const char* name, Fn1 fn, const char* doc) {
  m.def(
      name,
      [fn](nb::handle a, std::optional<int> n, int axis, const std::string& norm,
           StreamOrDevice s) { return fn(to_array(a), n, axis, norm, s); },
      "a"_a, "n"_a = nb::none(), "axis"_a = -1, "norm"_a = "backward", "stream"_a = nb::none(),
      doc);
}

void def2(nb::module_& m, const char* name, Fn2 fn, const char* doc) {
  m.def(
      name,
      [fn, name](nb::handle a, nb::handle s_, nb::handle axes_, const std::string& norm,
                 StreamOrDevice s) {
        auto axes = to_axes(axes_);
        if (!axes) {
          throw std::invalid_argument(std::string("[fft.") + name +
                                      "] axes must be a "
                                      "sequence of ints; got None.");
        }
        return fn(to_array(a), sizes(s_, name), *axes, norm, s);
      },
      "a"_a, "s"_a = nb::none(), "axes"_a = nb::make_tuple(-2, -1), "norm"_a = "backward",
      "stream"_a = nb::none(), doc);
}

void defn(nb::module_& m, const char* name, FnN fn, const char* doc) {
  m.def(
      name,
      [fn, name](nb::handle a, nb::handle s_, nb::handle axes_, const std::string& norm,
                 StreamOrDevice s) {
        return fn(to_array(a), sizes(s_, name), to_axes(axes_), norm, s);
      },
      "a"_a, "s"_a = nb::none(), "axes"_a = nb::none(), "norm"_a = "backward",
      "stream"_a = nb::none(), doc);
}

}  // namespace

void init_fft_transforms(nb::module_& m) {
  def1(m, "fft", fft::fft, R"(One-dimensional discrete Fourier transform.

Args:
    a (array): Input (complex64 result for any input dtype).
    n (int, optional): Length of the transformed axis; the input is
        zero-padded or truncated to it. Default: the input's length.
    axis (int): Axis to transform.
    norm (str): ``'backward'`` (default, no scaling), ``'ortho'``
        (``1/sqrt(n)``) or ``'forward'`` (``1/n``).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.fft.fft(mx.array([1.0, 0.0, 0.0, 0.0])).tolist()
    [(1+0j), (1+0j), (1+0j), (1+0j)])");
  def1(m, "ifft", fft::ifft, R"(One-dimensional inverse discrete Fourier transform.

Args:
    a (array): Input.
    n (int, optional): Length of the transformed axis (pads or truncates).
    axis (int): Axis to transform.
    norm (str): ``'backward'`` (default, ``1/n``), ``'ortho'`` or
        ``'forward'`` (no scaling).

Returns:
    array: complex64.

Example:
    >>> import ember.core as mx
    >>> mx.fft.ifft(mx.array([4.0, 0.0, 0.0, 0.0])).tolist()
    [(1+0j), (1+0j), (1+0j), (1+0j)])");
  def1(m, "rfft", fft::rfft, R"(One-dimensional DFT of real input: the ``n//2 + 1``
non-negative frequency terms. The imaginary part of complex input is dropped.

Args:
    a (array): Input.
    n (int, optional): Length of the real signal (pads or truncates).
    axis (int): Axis to transform.
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: complex64, ``n//2 + 1`` along ``axis``.

Example:
    >>> import ember.core as mx
    >>> mx.fft.rfft(mx.array([1.0, 1.0, 1.0, 1.0])).tolist()
    [(4+0j), 0j, 0j])");
  def1(m, "irfft", fft::irfft, R"(Inverse of ``rfft``: a real signal of length ``n``
from its ``n//2 + 1`` non-negative frequency terms.

Args:
    a (array): Input (treated as the half spectrum of a real signal).
    n (int, optional): Output length (default ``2 * (a.shape[axis] - 1)``);
        the input is truncated or padded to ``n//2 + 1`` terms.
    axis (int): Axis to transform.
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: float32.

Example:
    >>> import ember.core as mx
    >>> mx.fft.irfft(mx.array([4.0, 0.0, 0.0])).tolist()
    [1.0, 1.0, 1.0, 1.0])");
  def2(m, "fft2", fft::fft2, R"(Two-dimensional discrete Fourier transform.

Args:
    a (array): Input.
    s (list(int), optional): Sizes of the transformed axes (pad/truncate).
    axes (list(int)): Axes to transform; default ``(-2, -1)``.
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: complex64.

Example:
    >>> import ember.core as mx
    >>> mx.fft.fft2(mx.ones((2, 2))).tolist()
    [[(4+0j), 0j], [0j, 0j]])");
  def2(m, "ifft2", fft::ifft2, R"(Two-dimensional inverse discrete Fourier transform.

Args:
    a (array): Input.
    s (list(int), optional): Sizes of the transformed axes (pad/truncate).
    axes (list(int)): Axes to transform; default ``(-2, -1)``.
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: complex64.

Example:
    >>> import ember.core as mx
    >>> mx.fft.ifft2(mx.array([[4.0, 0.0], [0.0, 0.0]])).tolist()
    [[(1+0j), (1+0j)], [(1+0j), (1+0j)]])");
  def2(m, "rfft2", fft::rfft2, R"(Two-dimensional DFT of real input; the last axis in
``axes`` keeps ``n//2 + 1`` terms.

Args:
    a (array): Input.
    s (list(int), optional): Sizes of the transformed axes (pad/truncate).
    axes (list(int)): Axes to transform; default ``(-2, -1)``.
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: complex64.

Example:
    >>> import ember.core as mx
    >>> mx.fft.rfft2(mx.ones((2, 2))).tolist()
    [[(4+0j), 0j], [0j, 0j]])");
  def2(m, "irfft2", fft::irfft2, R"(Inverse of ``rfft2``.

Args:
    a (array): Input.
    s (list(int), optional): Output sizes of the transformed axes; the last
        defaults to ``2 * (a.shape[axes[-1]] - 1)``.
    axes (list(int)): Axes to transform; default ``(-2, -1)``.
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: float32.

Example:
    >>> import ember.core as mx
    >>> mx.fft.irfft2(mx.array([[4.0, 0.0], [0.0, 0.0]])).tolist()
    [[1.0, 1.0], [1.0, 1.0]])");
  defn(m, "fftn", fft::fftn, R"(n-dimensional discrete Fourier transform.

Args:
    a (array): Input.
    s (list(int), optional): Sizes of the transformed axes (pad/truncate).
    axes (list(int), optional): Axes to transform; default the last
        ``len(s)`` axes, or all axes when ``s`` is also None.
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: complex64.

Example:
    >>> import ember.core as mx
    >>> mx.fft.fftn(mx.ones((2, 2, 2)))[0, 0, 0].item()
    (8+0j))");
  defn(m, "ifftn", fft::ifftn, R"(n-dimensional inverse discrete Fourier transform.

Args:
    a (array): Input.
    s (list(int), optional): Sizes of the transformed axes (pad/truncate).
    axes (list(int), optional): Axes to transform (default as in ``fftn``).
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: complex64.

Example:
    >>> import ember.core as mx
    >>> mx.fft.ifftn(mx.ones((2, 2))).tolist()
    [[(1+0j), 0j], [0j, 0j]])");
  defn(m, "rfftn", fft::rfftn, R"(n-dimensional DFT of real input; the last axis in
``axes`` keeps ``n//2 + 1`` terms.

Args:
    a (array): Input.
    s (list(int), optional): Sizes of the transformed axes (pad/truncate).
    axes (list(int), optional): Axes to transform (default as in ``fftn``).
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: complex64.

Example:
    >>> import ember.core as mx
    >>> mx.fft.rfftn(mx.ones((2, 4))).shape
    (2, 3))");
  defn(m, "irfftn", fft::irfftn, R"(Inverse of ``rfftn``.

Args:
    a (array): Input.
    s (list(int), optional): Output sizes of the transformed axes; the last
        defaults to ``2 * (a.shape[axes[-1]] - 1)``.
    axes (list(int), optional): Axes to transform (default as in ``fftn``).
    norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

Returns:
    array: float32.

Example:
    >>> import ember.core as mx
    >>> mx.fft.irfftn(mx.fft.rfftn(mx.ones((2, 4))), s=(2, 4)).tolist()
    [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]])");
}

}  // namespace ember::py
