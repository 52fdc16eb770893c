// The ember.core.linalg and ember.core.fft submodules (spec/submodules.md
// §2, §3). Here: the parts composed from other ops (linalg.norm, linalg.cross,
// fft.fftfreq/rfftfreq/fftshift/ifftshift); the factorizations are bound in
// linalg_decomp.cpp and the transforms in fft_transforms.cpp.
#include <cmath>
#include <limits>

#include "utils.h"

namespace ember::py {

void init_linalg_decomp(nb::module_& la);
void init_fft_transforms(nb::module_& fft);

namespace {

// |a| in a floating dtype (ints -> float32, complex -> float32).
array abs_float(const array& a, StreamOrDevice s) {
  array r = abs(a, s);
  return is_floating_point(r.dtype()) ? r : astype(r, Dtype::float32, s);
}

int norm_axis(int ax, int ndim) {
  int a = ax < 0 ? ax + ndim : ax;
  if (a < 0 || a >= ndim) {
    throw std::out_of_range("[linalg.norm] Axis " + std::to_string(ax) +
                            " is out of bounds for an array with " +
                            std::to_string(ndim) + " dimensions.");
  }
  return a;
}

array vector_norm(const array& a, nb::handle ord, std::vector<int> axes, bool keepdims,
                  StreamOrDevice s) {
  array x = abs_float(a, s);
  auto sq_sum = [&] { return sqrt(sum(square(x, s), axes, keepdims, s), s); };
  if (ord.is_none()) return sq_sum();
  if (nb::isinstance<nb::str>(ord)) {
    throw std::invalid_argument("[linalg.norm] String ord '" + nb::cast<std::string>(ord) +
                                "' is only valid for matrix norms.");
  }
  double p = nb::cast<double>(ord);
  if (p == 2.0) return sq_sum();
  if (std::isinf(p)) return p > 0 ? max(x, axes, keepdims, s) : min(x, axes, keepdims, s);
  if (p == 0.0) {
    return astype(sum(not_equal(x, zeros_like(x, s), s), axes, keepdims, s), x.dtype(), s);
  }
  if (p == 1.0) return sum(x, axes, keepdims, s);
  array pw = astype(array(p), x.dtype());
  array inv = astype(array(1.0 / p), x.dtype());
  return power(sum(power(x, pw, s), axes, keepdims, s), inv, s);
}

// Sum (which = 0), max (1) or min (-1) of the singular values of the (r, c)
// planes, with r and c kept as size-1 axes (CPU streams only, as svd).
array singular_values(const array& a, int r, int c, StreamOrDevice s, int which) {
  array x = a;
  if (!is_inexact(x.dtype()) || x.dtype() == float16 || x.dtype() == bfloat16) {
    x = astype(x, float32, s);
  }
  std::vector<int> perm;
  for (int i = 0; i < x.ndim(); ++i) {
    if (i != r && i != c) perm.push_back(i);
  }
  perm.push_back(r);
  perm.push_back(c);
  array sv = linalg::svd(transpose(x, perm, s), false, s)[0];
  array out = which == 0 ? sum(sv, -1, false, s)
                         : (which > 0 ? max(sv, -1, false, s) : min(sv, -1, false, s));
  return expand_dims(out, std::vector<int>{std::min(r, c), std::max(r, c)}, s);
}

array matrix_norm(const array& a, nb::handle ord, int r, int c, bool keepdims,
                  StreamOrDevice s) {
  array x = abs_float(a, s);
  auto finish = [&](array y) {
    // Reduced with keepdims; drop both axes unless asked to keep them.
    return keepdims ? y : squeeze(y, std::vector<int>{r, c}, s);
  };
  bool fro = ord.is_none() ||
             (nb::isinstance<nb::str>(ord) && nb::cast<std::string>(ord) == "fro");
  if (fro) return finish(sqrt(sum(square(x, s), std::vector<int>{r, c}, true, s), s));
  if (nb::isinstance<nb::str>(ord)) {
    std::string o = nb::cast<std::string>(ord);
    if (o == "nuc") return finish(singular_values(a, r, c, s, 0));
    throw std::invalid_argument("[linalg.norm] Invalid matrix norm ord '" + o +
                                "'; expected 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2.");
  }
  double p = nb::cast<double>(ord);
  if (std::isinf(p)) {  // max/min absolute row sum
    array rows = sum(x, c, true, s);
    return finish(p > 0 ? max(rows, r, true, s) : min(rows, r, true, s));
  }
  if (p == 1.0 || p == -1.0) {  // max/min absolute column sum
    array cols = sum(x, r, true, s);
    return finish(p > 0 ? max(cols, c, true, s) : min(cols, c, true, s));
  }
  if (p == 2.0 || p == -2.0) {
    return finish(singular_values(a, r, c, s, p > 0 ? 1 : -1));
  }
  throw std::invalid_argument("[linalg.norm] Invalid matrix norm ord " + std::to_string(p) +
                              "; expected 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2.");
}

array fft_roll(const array& a, nb::handle axes_, bool inverse, StreamOrDevice s) {
  const char* op = inverse ? "[fft.ifftshift] Axis " : "[fft.fftshift] Axis ";
  std::vector<int> axes;
  if (axes_.is_none()) {
    for (int i = 0; i < a.ndim(); ++i) axes.push_back(i);
  } else {
    axes = *to_axes(axes_);
  }
  if (axes.empty()) return a;
  Shape shift;
  for (int ax : axes) {
    int k = ax < 0 ? ax + a.ndim() : ax;
    if (k < 0 || k >= a.ndim()) {
      throw std::out_of_range(op + std::to_string(ax) +
                              " is out of bounds for an array with " +
                              std::to_string(a.ndim()) + " dimensions.");
    }
    ShapeElem n = a.shape(k);
    shift.push_back(inverse ? -(n / 2) : n / 2);
  }
  return roll(a, shift, axes, s);
}

}  // namespace

void init_linalg_fft(nb::module_& parent) {
  auto la = parent.def_submodule("linalg", "Linear algebra.");
  la.def(
      "norm",
      [](nb::handle a_, nb::handle ord, nb::handle axis, bool keepdims, StreamOrDevice s) {
        array a = to_array(a_);
        if (axis.is_none()) {
          if (ord.is_none()) {
            array x = abs_float(a, s);
            return sqrt(sum(square(x, s), keepdims, s), s);
          }
          if (a.ndim() == 1) return vector_norm(a, ord, {0}, keepdims, s);
          if (a.ndim() == 2) return matrix_norm(a, ord, 0, 1, keepdims, s);
          throw std::invalid_argument(
              "[linalg.norm] With ord given and axis=None the input must be 1-D or "
              "2-D; got shape " + shape_str(a.shape()) + ".");
        }
        std::vector<int> axes = *to_axes(axis);
        if (axes.size() == 1) {
          return vector_norm(a, ord, {norm_axis(axes[0], a.ndim())}, keepdims, s);
        }
        if (axes.size() == 2) {
          int r = norm_axis(axes[0], a.ndim()), c = norm_axis(axes[1], a.ndim());
          if (r == c) {
            throw std::invalid_argument("[linalg.norm] The two axes must differ; got " +
                                        std::to_string(axes[0]) + " and " +
                                        std::to_string(axes[1]) + ".");
          }
          return matrix_norm(a, ord, r, c, keepdims, s);
        }
        throw std::invalid_argument("[linalg.norm] axis must be an int or a pair of ints; "
                                    "got " + std::to_string(axes.size()) + " axes.");
      },
      nb::arg(), "ord"_a = nb::none(), "axis"_a = nb::none(), "keepdims"_a = false,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Vector or matrix norm.

``ord=None`` gives the 2-norm of vectors and the Frobenius norm of matrices
(and, with ``axis=None``, the 2-norm of the flattened array). Vector ords:
inf, -inf, 0 (count of non-zeros), any other p. Matrix ords: 'fro', inf/-inf
(max/min absolute row sum), 1/-1 (max/min absolute column sum), 2/-2
(largest/smallest singular value) and 'nuc' (sum of singular values); the
last three use the SVD and so run on CPU streams only.

Args:
    a (array): Input.
    ord (int | float | str | None): Order of the norm.
    axis (int | tuple[int, int] | None): Vector axis or matrix axes.
    keepdims (bool): Keep the reduced axes with size 1.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.linalg.norm(mx.array([3.0, 4.0])).item()
    5.0)");
  la.def(
      "cross",
      [](nb::handle a_, nb::handle b_, int axis, StreamOrDevice s) {
        array a = to_array(a_), b = to_array(b_);
        auto comps = [&](const array& x, const char* name) {
          if (x.ndim() == 0) {
            throw std::invalid_argument(std::string("[linalg.cross] ") + name +
                                        " must have at least 1 dimension.");
          }
          int ax = axis < 0 ? axis + x.ndim() : axis;
          if (ax < 0 || ax >= x.ndim()) {
            throw std::out_of_range("[linalg.cross] Axis " + std::to_string(axis) +
                                    " is out of bounds for " + name + " with shape " +
                                    shape_str(x.shape()) + ".");
          }
          ShapeElem n = x.shape(ax);
          if (n != 2 && n != 3) {
            throw std::invalid_argument(std::string("[linalg.cross] ") + name +
                                        " must have size 2 or 3 along the axis; got " +
                                        std::to_string(n) + ".");
          }
          std::vector<array> c;
          for (int i = 0; i < 3; ++i) {
            c.push_back(i < n ? take(x, i, ax, s) : zeros_like(take(x, 0, ax, s), s));
          }
          return std::make_pair(c, ax - x.ndim());
        };
        auto [u, ua] = comps(a, "a");
        auto [v, va] = comps(b, "b");
        int out_axis = std::min(ua, va);
        std::vector<array> w = {
            subtract(multiply(u[1], v[2], s), multiply(u[2], v[1], s), s),
            subtract(multiply(u[2], v[0], s), multiply(u[0], v[2], s), s),
            subtract(multiply(u[0], v[1], s), multiply(u[1], v[0], s), s)};
        w = broadcast_arrays(w, s);
        int nd = w[0].ndim() + 1;
        return stack(w, out_axis + nd, s);
      },
      nb::arg(), nb::arg(), "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
      R"(Cross product of 3-vectors along an axis (size-2 inputs get z = 0).

Args:
    a (array): First input.
    b (array): Second input.
    axis (int): Axis holding the vector components.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.linalg.cross(mx.array([1.0, 0.0, 0.0]), mx.array([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0])");

  init_linalg_decomp(la);

  auto fft = parent.def_submodule("fft", "Discrete Fourier transforms.");
  init_fft_transforms(fft);
  fft.def(
      "fftfreq",
      [](int n, double d, StreamOrDevice s) {
        if (n <= 0) {
          throw std::invalid_argument("[fft.fftfreq] n must be positive; got " +
                                      std::to_string(n) + ".");
        }
        // [0, 1, ..., (n-1)//2, -(n//2), ..., -1] / (d * n)
        array k = arange(0, n, 1, s);
        array wrapped = where(greater(k, array(int32_t((n - 1) / 2)), s),
                              subtract(k, array(int32_t(n)), s), k, s);
        return divide(astype(wrapped, Dtype::float32, s),
                      array(float(d * double(n))), s);
      },
      "n"_a, "d"_a = 1.0, "stream"_a = nb::none(),
      R"(Sample frequencies of an FFT of length n (float32).

Args:
    n (int): Window length.
    d (float): Sample spacing.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.fft.fftfreq(4).tolist()
    [0.0, 0.25, -0.5, -0.25])");
  fft.def(
      "rfftfreq",
      [](int n, double d, StreamOrDevice s) {
        if (n <= 0) {
          throw std::invalid_argument("[fft.rfftfreq] n must be positive; got " +
                                      std::to_string(n) + ".");
        }
        return divide(astype(arange(0, n / 2 + 1, 1, s), Dtype::float32, s),
                      array(float(d * double(n))), s);
      },
      "n"_a, "d"_a = 1.0, "stream"_a = nb::none(),
      R"(Sample frequencies of an rfft of length n: n//2 + 1 values (float32).

Args:
    n (int): Window length.
    d (float): Sample spacing.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.fft.rfftfreq(4).tolist()
    [0.0, 0.25, 0.5])");
  fft.def(
      "fftshift",
      [](nb::handle a, nb::handle axes, StreamOrDevice s) {
        return fft_roll(to_array(a), axes, false, s);
      },
      nb::arg(), "axes"_a = nb::none(), "stream"_a = nb::none(),
      R"(Moves the zero-frequency term to the centre (roll by n//2 per axis).

Args:
    a (array): Input.
    axes (int | list[int] | None): Axes (None = all).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.fft.fftshift(mx.arange(5)).tolist()
    [3, 4, 0, 1, 2])");
  fft.def(
      "ifftshift",
      [](nb::handle a, nb::handle axes, StreamOrDevice s) {
        return fft_roll(to_array(a), axes, true, s);
      },
      nb::arg(), "axes"_a = nb::none(), "stream"_a = nb::none(),
      R"(Inverse of fftshift (roll by -(n//2) per axis).

Args:
    a (array): Input.
    axes (int | list[int] | None): Axes (None = all).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.fft.ifftshift(mx.arange(5)).tolist()
    [2, 3, 4, 0, 1])");
}

}  // namespace ember::py
