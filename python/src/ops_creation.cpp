// Array creation ops (spec/core.md §4).
#include <cmath>
#include <climits>

#include "utils.h"

namespace ember::py {

namespace {
bool is_int_like(nb::handle h) { return PyLong_Check(h.ptr()); }
}  // namespace

void init_ops_creation(nb::module_& m) {
  m.def(
      "zeros",
      [](nb::handle shape, std::optional<Dtype> dtype, StreamOrDevice s) {
        return zeros(to_shape(shape, "zeros"), dtype.value_or(Dtype::float32), s);
      },
      "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(An array of zeros.

Args:
    shape (int | list[int]): Shape.
    dtype (Dtype): Element type (float32 by default).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.zeros((2,)).tolist()
    [0.0, 0.0])");
  m.def(
      "ones",
      [](nb::handle shape, std::optional<Dtype> dtype, StreamOrDevice s) {
        return ones(to_shape(shape, "ones"), dtype.value_or(Dtype::float32), s);
      },
      "shape"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(An array of ones.

Args:
    shape (int | list[int]): Shape.
    dtype (Dtype): Element type (float32 by default).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.ones(2, dtype=mx.int32).tolist()
    [1, 1])");
  m.def(
      "full",
      [](nb::handle shape, nb::handle vals, std::optional<Dtype> dtype, StreamOrDevice s) {
        array v = to_array(vals);
        Shape sh = to_shape(shape, "full");
        return dtype ? full(sh, v, *dtype, s) : full(sh, v, s);
      },
      "shape"_a, "vals"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(An array of ``shape`` filled with ``vals`` (broadcast).

Args:
    shape (int | list[int]): Shape.
    vals (scalar | array): Fill value(s).
    dtype (Dtype | None): Element type (inferred from vals if None).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.full((2,), 7).tolist()
    [7, 7])");
  m.def(
      "zeros_like",
      [](nb::handle a, std::optional<Dtype> dtype, StreamOrDevice s) {
        array x = to_array(a);
        return dtype ? zeros_like(x, *dtype, s) : zeros_like(x, s);
      },
      nb::arg(), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Zeros with the shape (and by default dtype) of ``a``.

Args:
    a (array): Template.
    dtype (Dtype | None): Element type.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.zeros_like(mx.array([1, 2])).tolist()
    [0, 0])");
  m.def(
      "ones_like",
      [](nb::handle a, std::optional<Dtype> dtype, StreamOrDevice s) {
        array x = to_array(a);
        return dtype ? ones_like(x, *dtype, s) : ones_like(x, s);
      },
      nb::arg(), "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Ones with the shape (and by default dtype) of ``a``.

Args:
    a (array): Template.
    dtype (Dtype | None): Element type.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.ones_like(mx.array([1, 2])).tolist()
    [1, 1])");
  m.def(
      "full_like",
      [](nb::handle a, nb::handle vals, std::optional<Dtype> dtype, StreamOrDevice s) {
        array x = to_array(a);
        array v = to_array_weak(vals, dtype.value_or(x.dtype()), "full_like");
        return dtype ? full_like(x, v, *dtype, s) : full_like(x, v, s);
      },
      nb::arg(), "vals"_a, "dtype"_a = nb::none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(An array like ``a`` filled with ``vals``.

Args:
    a (array): Template.
    vals (scalar | array): Fill value(s).
    dtype (Dtype | None): Element type (a.dtype if None).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.full_like(mx.array([1.0, 2.0]), 3).tolist()
    [3.0, 3.0])");
  m.def(
      "arange",
      [](nb::handle a, nb::handle b, nb::handle c, std::optional<Dtype> dtype,
         StreamOrDevice s) {
        // arange(stop) / arange(start, stop[, step]).
        nb::handle start_h, stop_h, step_h;
        if (b.is_none()) {
          stop_h = a;
        } else {
          start_h = a;
          stop_h = b;
        }
        step_h = c;
        auto check = [](nb::handle h) {
          if (!h.is_valid() || h.is_none()) return;
          if (PyBool_Check(h.ptr()) || !(PyLong_Check(h.ptr()) || PyFloat_Check(h.ptr()))) {
            throw nb::type_error("[arange] start, stop and step must be int or float.");
          }
        };
        check(start_h);
        check(stop_h);
        check(step_h);
        bool all_int = (!start_h.is_valid() || is_int_like(start_h)) && is_int_like(stop_h) &&
                       (step_h.is_none() || is_int_like(step_h));
        double start = start_h.is_valid() ? nb::cast<double>(start_h) : 0.0;
        double stop = nb::cast<double>(stop_h);
        double step = step_h.is_none() ? 1.0 : nb::cast<double>(step_h);
        Dtype d = Dtype::float32;
        if (all_int) {
          bool big = std::fabs(start) > INT32_MAX || std::fabs(stop) > INT32_MAX;
          d = big ? Dtype::int64 : Dtype::int32;
        }
        return arange(start, stop, step, dtype.value_or(d), s);
      },
      "start"_a, "stop"_a = nb::none(), "step"_a = nb::none(), "dtype"_a = nb::none(),
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Evenly spaced values in ``[start, stop)``.

Args:
    start (int | float): Start (or stop when called with one argument).
    stop (int | float | None): End (exclusive).
    step (int | float | None): Spacing (1 by default).
    dtype (Dtype | None): int32 if all arguments are ints, else float32.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.arange(1, 7, 2).tolist()
    [1, 3, 5])");
  m.def(
      "linspace",
      [](double start, double stop, int num, bool endpoint, std::optional<Dtype> dtype,
         StreamOrDevice s) {
        return linspace(start, stop, num, endpoint, dtype.value_or(Dtype::float32), s);
      },
      "start"_a, "stop"_a, "num"_a = 50, "endpoint"_a = true, "dtype"_a = nb::none(),
      "stream"_a = nb::none(),
      R"(``num`` evenly spaced values from start to stop.

Args:
    start (float): First value.
    stop (float): Last value (included if endpoint).
    num (int): Number of values.
    endpoint (bool): Include ``stop``.
    dtype (Dtype): float32 by default.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.linspace(0, 1, 3).tolist()
    [0.0, 0.5, 1.0])");
  m.def(
      "eye",
      [](int n, std::optional<int> mm, int k, std::optional<Dtype> dtype, StreamOrDevice s) {
        return eye(n, mm.value_or(n), k, dtype.value_or(Dtype::float32), s);
      },
      "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = nb::none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(n x m matrix with ones on the k-th diagonal.

Args:
    n (int): Rows.
    m (int | None): Columns (n if None).
    k (int): Diagonal offset.
    dtype (Dtype): float32 by default.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]])");
  m.def(
      "identity",
      [](int n, std::optional<Dtype> dtype, StreamOrDevice s) {
        return identity(n, dtype.value_or(Dtype::float32), s);
      },
      "n"_a, "dtype"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(The n x n identity matrix.

Args:
    n (int): Size.
    dtype (Dtype): float32 by default.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.identity(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]])");
  m.def(
      "tri",
      [](int n, std::optional<int> mm, int k, std::optional<Dtype> dtype, StreamOrDevice s) {
        return tri(n, mm.value_or(n), k, dtype.value_or(Dtype::float32), s);
      },
      "n"_a, "m"_a = nb::none(), "k"_a = 0, "dtype"_a = nb::none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Ones at and below the k-th diagonal.

Args:
    n (int): Rows.
    m (int | None): Columns.
    k (int): Diagonal offset.
    dtype (Dtype): float32 by default.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.tri(2).tolist()
    [[1.0, 0.0], [1.0, 1.0]])");
  m.def(
      "tril",
      [](nb::handle x, int k, StreamOrDevice s) { return tril(to_array(x), k, s); },
      "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      R"(Zeros above the k-th diagonal.

Args:
    x (array): Input (ndim >= 2).
    k (int): Diagonal offset.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.tril(mx.ones((2, 2))).tolist()
    [[1.0, 0.0], [1.0, 1.0]])");
  m.def(
      "triu",
      [](nb::handle x, int k, StreamOrDevice s) { return triu(to_array(x), k, s); },
      "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      R"(Zeros below the k-th diagonal.

Args:
    x (array): Input (ndim >= 2).
    k (int): Diagonal offset.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.triu(mx.ones((2, 2))).tolist()
    [[1.0, 1.0], [0.0, 1.0]])");
  m.def(
      "meshgrid",
      [](nb::args arrays, bool sparse, std::string indexing, StreamOrDevice s) {
        std::vector<array> xs;
        for (nb::handle h : arrays) xs.push_back(to_array(h));
        auto r = meshgrid(xs, sparse, indexing, s);
        nb::list l;
        for (auto& a : r) l.append(nb::cast(a));
        return nb::tuple(l);
      },
      "arrays"_a, "sparse"_a = false, "indexing"_a = "xy", "stream"_a = nb::none(),
      R"(Coordinate grids from 1-D coordinate arrays.

Args:
    *arrays (array): Coordinates.
    sparse (bool): Return broadcastable grids.
    indexing (str): "xy" (Cartesian) or "ij" (matrix).

Returns:
    tuple[array, ...]

Example:
    >>> import ember.core as mx
    >>> x, y = mx.meshgrid(mx.array([1, 2]), mx.array([3, 4, 5]))
    >>> x.shape
    (3, 2))");
  using Win = array (*)(int, StreamOrDevice);
  struct W { const char* name; Win f; };
  for (auto w : {W{"hanning", &hanning}, W{"hamming", &hamming}, W{"blackman", &blackman},
                 W{"bartlett", &bartlett}}) {
    static std::vector<std::string> docs;
    docs.reserve(8);
    docs.push_back(std::string("The ") + w.name +
                   " window of length M (float32).\n\nArgs:\n    M (int): Length.\n\n"
                   "Returns:\n    array\n\nExample:\n    >>> import ember.core as mx\n"
                   "    >>> mx." + w.name + "(4).shape\n    (4,)");
    m.def(w.name, [f = w.f](int M, StreamOrDevice s) { return f(M, s); }, "M"_a,
          nb::kw_only(), "stream"_a = nb::none(), docs.back().c_str());
  }
}

}  // namespace ember::py
