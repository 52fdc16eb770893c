// Joining, splitting, padding and other shape ops (spec/core.md §9), plus
// scans (§12) and sorting (§11).
#include "utils.h"

namespace ember::py {

namespace {

std::vector<array> to_array_list(nb::handle seq) {
  std::vector<array> out;
  for (nb::handle h : seq) out.push_back(to_array(h));
  return out;
}

nb::list to_pylist(const std::vector<array>& xs) {
  nb::list l;
  for (auto& a : xs) l.append(nb::cast(a));
  return l;
}

const char* doc(const char* s) { return s; }

using ScanFn = array (*)(const array&, int, bool, bool, std::optional<Dtype>, StreamOrDevice);
using ScanAllFn = array (*)(const array&, bool, bool, std::optional<Dtype>, StreamOrDevice);
using Scan2Fn = array (*)(const array&, int, bool, bool, StreamOrDevice);
using Scan2AllFn = array (*)(const array&, bool, bool, StreamOrDevice);

}  // namespace

void init_ops_shape_extra(nb::module_& m) {
  auto concat_fn = [](nb::handle arrays, std::optional<int> axis, StreamOrDevice s) {
    auto xs = to_array_list(arrays);
    return axis ? concatenate(xs, *axis, s) : concatenate(xs, s);
  };
  const char* concat_doc = R"(Joins arrays along an axis (None flattens them first).

Args:
    arrays (list[array]): Inputs.
    axis (int | None): Axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.concatenate([mx.array([1]), mx.array([2, 3])]).tolist()
    [1, 2, 3])";
  m.def("concatenate", concat_fn, nb::arg(), "axis"_a = 0, nb::kw_only(),
        "stream"_a = nb::none(), concat_doc);
  m.def("concat", concat_fn, nb::arg(), "axis"_a = 0, nb::kw_only(),
        "stream"_a = nb::none(), concat_doc);
  m.def(
      "stack",
      [](nb::handle arrays, int axis, StreamOrDevice s) {
        return stack(to_array_list(arrays), axis, s);
      },
      nb::arg(), "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      R"(Stacks arrays along a new axis.

Args:
    arrays (list[array]): Inputs of equal shape.
    axis (int): Position of the new axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.stack([mx.array([1, 2]), mx.array([3, 4])]).shape
    (2, 2))");
  m.def(
      "unstack",
      [](nb::handle x, int axis, StreamOrDevice s) {
        return to_pylist(unstack(to_array(x), axis, s));
      },
      nb::arg(), nb::kw_only(), "axis"_a = 0, "stream"_a = nb::none(),
      R"(Splits an array into a list along an axis (removing it).

Args:
    x (array): Input.
    axis (int): Axis.

Returns:
    list[array]

Example:
    >>> import ember.core as mx
    >>> len(mx.unstack(mx.zeros((3, 2))))
    3)");
  auto split_fn = [](nb::handle a, nb::handle ios, int axis, StreamOrDevice s) {
    array x = to_array(a);
    if (PyLong_Check(ios.ptr())) return to_pylist(split(x, nb::cast<int>(ios), axis, s));
    return to_pylist(split(x, to_shape(ios, "split"), axis, s));
  };
  m.def("split", split_fn, nb::arg(), "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(),
        "stream"_a = nb::none(),
        R"(Splits an array into equal sections or at the given indices.

Args:
    a (array): Input.
    indices_or_sections (int | list[int]): Number of sections or split points.
    axis (int): Axis.

Returns:
    list[array]

Example:
    >>> import ember.core as mx
    >>> [p.tolist() for p in mx.split(mx.arange(4), 2)]
    [[0, 1], [2, 3]])");
  m.def(
      "tile",
      [](nb::handle a, nb::handle reps, StreamOrDevice s) {
        auto r = to_shape(reps, "tile");
        return tile(to_array(a), std::vector<int>(r.begin(), r.end()), s);
      },
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Repeats the whole array ``reps`` times per axis.

Args:
    a (array): Input.
    reps (int | list[int]): Repetitions.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.tile(mx.array([1, 2]), 2).tolist()
    [1, 2, 1, 2])");
  m.def(
      "repeat",
      [](nb::handle a, int repeats, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a);
        return axis ? repeat(x, repeats, *axis, s) : repeat(x, repeats, s);
      },
      nb::arg(), "repeats"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Repeats each element (flattened if axis is None).

Args:
    array (array): Input.
    repeats (int): Repetitions.
    axis (int | None): Axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.repeat(mx.array([1, 2]), 2).tolist()
    [1, 1, 2, 2])");
  m.def(
      "pad",
      [](nb::handle a, nb::handle pad_width, std::string mode, nb::handle constant_values,
         StreamOrDevice s) {
        array x = to_array(a);
        array cv = to_array_weak(constant_values, x.dtype(), "pad");
        if (PyLong_Check(pad_width.ptr())) return pad(x, nb::cast<int>(pad_width), cv, mode, s);
        auto items = nb::cast<std::vector<nb::object>>(pad_width);
        std::vector<std::pair<int, int>> widths;
        if (items.size() == 1 && PyLong_Check(items[0].ptr())) {
          int w = nb::cast<int>(items[0]);
          return pad(x, w, cv, mode, s);
        }
        if (items.size() == 2 && PyLong_Check(items[0].ptr())) {
          return pad(x, std::make_pair(nb::cast<int>(items[0]), nb::cast<int>(items[1])), cv,
                     mode, s);
        }
        for (auto& it : items) {
          auto p = nb::cast<std::vector<int>>(it);
          if (p.size() == 1) widths.push_back({p[0], p[0]});
          else if (p.size() == 2) widths.push_back({p[0], p[1]});
          else throw std::invalid_argument("[pad] Each pad width must be (before, after).");
        }
        if (widths.size() == 1) return pad(x, widths[0], cv, mode, s);
        return pad(x, widths, cv, mode, s);
      },
      nb::arg(), "pad_width"_a, "mode"_a = "constant", "constant_values"_a = 0,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Pads an array.

Args:
    a (array): Input.
    pad_width (int | tuple | list[tuple]): Widths (before, after) per axis.
    mode (str): "constant", "edge", "reflect" or "symmetric".
    constant_values (scalar | array): Fill for "constant".

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.pad(mx.array([1, 2]), 1).tolist()
    [0, 1, 2, 0])");
  m.def(
      "flip",
      [](nb::handle a, nb::handle axis, StreamOrDevice s) {
        array x = to_array(a);
        auto axes = to_axes(axis);
        return axes ? flip(x, *axes, s) : flip(x, s);
      },
      nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Reverses the order of elements along axes (all if None).

Args:
    a (array): Input.
    axis (int | list[int] | None): Axes.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.flip(mx.array([1, 2, 3])).tolist()
    [3, 2, 1])");
  m.def(
      "roll",
      [](nb::handle a, nb::handle shift, nb::handle axis, StreamOrDevice s) {
        array x = to_array(a);
        auto axes = to_axes(axis);
        if (PyLong_Check(shift.ptr())) {
          int sh = nb::cast<int>(shift);
          return axes ? roll(x, sh, *axes, s) : roll(x, sh, s);
        }
        Shape sh = to_shape(shift, "roll");
        return axes ? roll(x, sh, *axes, s) : roll(x, sh, s);
      },
      nb::arg(), "shift"_a, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Rolls elements along axes (the flattened array if None).

Args:
    a (array): Input.
    shift (int | list[int]): Shift(s).
    axis (int | list[int] | None): Axes.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.roll(mx.array([1, 2, 3]), 1).tolist()
    [3, 1, 2])");
  m.def(
      "diagonal",
      [](nb::handle a, int offset, int axis1, int axis2, StreamOrDevice s) {
        return diagonal(to_array(a), offset, axis1, axis2, s);
      },
      "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "stream"_a = nb::none(),
      R"(A diagonal of the (axis1, axis2) planes, as the last axis.

Args:
    a (array): Input.
    offset (int): Diagonal offset.
    axis1 (int): First axis.
    axis2 (int): Second axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.diagonal(mx.eye(2)).tolist()
    [1.0, 1.0])");
  m.def(
      "diag",
      [](nb::handle a, int k, StreamOrDevice s) { return diag(to_array(a), k, s); },
      nb::arg(), "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      R"(Builds a diagonal matrix (1-D input) or extracts a diagonal (2-D).

Args:
    a (array): Input.
    k (int): Diagonal offset.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.diag(mx.array([1, 2])).tolist()
    [[1, 0], [0, 2]])");
  m.def(
      "trace",
      [](nb::handle a, int offset, int axis1, int axis2, std::optional<Dtype> dtype,
         StreamOrDevice s) {
        array x = to_array(a);
        return dtype ? trace(x, offset, axis1, axis2, *dtype, s)
                     : trace(x, offset, axis1, axis2, s);
      },
      nb::arg(), "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "dtype"_a = nb::none(),
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Sum along a diagonal.

Args:
    a (array): Input.
    offset (int): Diagonal offset.
    axis1 (int): First axis.
    axis2 (int): Second axis.
    dtype (Dtype | None): Result type.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.trace(mx.eye(3)).item()
    3.0)");
  using AtLeast = array (*)(const array&, StreamOrDevice);
  using AtLeastV = std::vector<array> (*)(const std::vector<array>&, StreamOrDevice);
  struct AL { const char* name; AtLeast f; AtLeastV fv; };
  for (auto al : {AL{"atleast_1d", &atleast_1d, &atleast_1d},
                  AL{"atleast_2d", &atleast_2d, &atleast_2d},
                  AL{"atleast_3d", &atleast_3d, &atleast_3d}}) {
    m.def(
        al.name,
        [al](nb::args arys, StreamOrDevice s) -> nb::object {
          auto xs = to_array_list(arys);
          if (xs.size() == 1) return nb::cast(al.f(xs[0], s));
          return to_pylist(al.fv(xs, s));
        },
        "arys"_a, "stream"_a = nb::none(),
        "Views with at least this many dimensions (one input -> array, several -> list).\n\n"
        "Args:\n    *arys (array): Inputs.\n\nReturns:\n    array | list[array]\n\n"
        "Example:\n    >>> import ember.core as mx\n    >>> mx.atleast_2d(mx.array(1)).ndim\n    2");
  }
  m.def(
      "view",
      [](nb::handle a, Dtype d, StreamOrDevice s) { return view(to_array(a), d, s); },
      nb::arg(), "dtype"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Reinterprets the bytes as another dtype.

Args:
    a (array): Input.
    dtype (Dtype): New type.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.view(mx.array([1.0]), mx.uint32).item()
    1065353216)");
  m.def(
      "as_strided",
      [](nb::handle a, nb::handle shape, nb::handle strides, size_t offset, StreamOrDevice s) {
        array x = to_array(a);
        Shape sh = shape.is_none() ? x.shape() : to_shape(shape, "as_strided");
        Strides st;
        if (strides.is_none()) {
          st = row_strides(sh);
        } else {
          for (nb::handle h : strides) st.push_back(nb::cast<int64_t>(h));
        }
        return as_strided(x, sh, st, offset, s);
      },
      nb::arg(), "shape"_a = nb::none(), "strides"_a = nb::none(), "offset"_a = 0,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(A strided view of the row-contiguous data (unsafe).

Args:
    a (array): Input.
    shape (list[int] | None): View shape.
    strides (list[int] | None): Element strides.
    offset (int): Element offset.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.as_strided(mx.arange(4), (2, 2), (1, 1)).tolist()
    [[0, 1], [1, 2]])");
  m.def(
      "diff",
      [](nb::handle a, int n, int axis, StreamOrDevice s) { return diff(to_array(a), n, axis, s); },
      nb::arg(), "n"_a = 1, "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
      R"(n-th forward difference along an axis.

Args:
    a (array): Input.
    n (int): Order.
    axis (int): Axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.diff(mx.array([1, 4, 9])).tolist()
    [3, 5])");

  // Scans (§12).
  struct S1 { const char* name; ScanFn f; ScanAllFn fa; };
  for (auto sc : {S1{"cumsum", &cumsum, &cumsum}, S1{"cumprod", &cumprod, &cumprod}}) {
    m.def(
        sc.name,
        [sc](nb::handle a, std::optional<int> axis, bool reverse, bool inclusive,
             std::optional<Dtype> dtype, StreamOrDevice s) {
          array x = to_array(a);
          return axis ? sc.f(x, *axis, reverse, inclusive, dtype, s)
                      : sc.fa(x, reverse, inclusive, dtype, s);
        },
        nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false,
        "inclusive"_a = true, "dtype"_a = nb::none(), "stream"_a = nb::none(),
        "Cumulative reduction along an axis (flattened if None).\n\nArgs:\n"
        "    a (array): Input.\n    axis (int | None): Axis.\n    reverse (bool): Scan from the end.\n"
        "    inclusive (bool): Include the current element.\n    dtype (Dtype | None): Cast first.\n\n"
        "Returns:\n    array\n\nExample:\n    >>> import ember.core as mx\n"
        "    >>> mx.cumsum(mx.array([1, 2, 3])).tolist()\n    [1, 3, 6]");
  }
  struct S2 { const char* name; Scan2Fn f; Scan2AllFn fa; };
  for (auto sc : {S2{"cummax", &cummax, &cummax}, S2{"cummin", &cummin, &cummin},
                  S2{"logcumsumexp", &logcumsumexp, &logcumsumexp}}) {
    m.def(
        sc.name,
        [sc](nb::handle a, std::optional<int> axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
          array x = to_array(a);
          return axis ? sc.f(x, *axis, reverse, inclusive, s) : sc.fa(x, reverse, inclusive, s);
        },
        nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false,
        "inclusive"_a = true, "stream"_a = nb::none(),
        "Cumulative reduction along an axis (flattened if None).\n\nArgs:\n"
        "    a (array): Input.\n    axis (int | None): Axis.\n    reverse (bool): Scan from the end.\n"
        "    inclusive (bool): Include the current element.\n\n"
        "Returns:\n    array\n\nExample:\n    >>> import ember.core as mx\n"
        "    >>> mx.cummax(mx.array([1, 3, 2])).tolist()\n    [1, 3, 3]");
  }

  // Sorting (§11).
  using SortFn = array (*)(const array&, int, StreamOrDevice);
  using SortAllFn = array (*)(const array&, StreamOrDevice);
  struct SO { const char* name; SortFn f; SortAllFn fa; };
  for (auto so : {SO{"sort", &sort, &sort}, SO{"argsort", &argsort, &argsort}}) {
    m.def(
        so.name,
        [so](nb::handle a, std::optional<int> axis, StreamOrDevice s) {
          array x = to_array(a);
          return axis ? so.f(x, *axis, s) : so.fa(x, s);
        },
        nb::arg(), "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
        "Stable sort (or sorting indices, uint32) along an axis; None flattens.\n\nArgs:\n"
        "    a (array): Input.\n    axis (int | None): Axis.\n\nReturns:\n    array\n\n"
        "Example:\n    >>> import ember.core as mx\n    >>> mx.sort(mx.array([3, 1, 2])).tolist()\n"
        "    [1, 2, 3]");
  }
  using PartFn = array (*)(const array&, int, int, StreamOrDevice);
  using PartAllFn = array (*)(const array&, int, StreamOrDevice);
  struct PA { const char* name; const char* arg; PartFn f; PartAllFn fa; };
  for (auto pa : {PA{"partition", "kth", &partition, &partition},
                  PA{"argpartition", "kth", &argpartition, &argpartition},
                  PA{"topk", "k", &topk, &topk}}) {
    m.def(
        pa.name,
        [pa](nb::handle a, int k, std::optional<int> axis, StreamOrDevice s) {
          array x = to_array(a);
          return axis ? pa.f(x, k, *axis, s) : pa.fa(x, k, s);
        },
        nb::arg(), nb::arg(pa.arg), "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
        "Partition / top-k selection along an axis; None flattens.\n\nArgs:\n"
        "    a (array): Input.\n    kth (int): Pivot position (k for topk).\n"
        "    axis (int | None): Axis.\n\nReturns:\n    array\n\n"
        "Example:\n    >>> import ember.core as mx\n"
        "    >>> sorted(mx.topk(mx.array([3, 1, 2]), 2).tolist())\n    [2, 3]");
  }
  m.def(
      "searchsorted",
      [](nb::handle seq, nb::handle values, std::string side, StreamOrDevice s) {
        array x = to_array(seq);
        return searchsorted(x, to_array_weak(values, x.dtype(), "searchsorted"), side, s);
      },
      nb::arg(), nb::arg(), "side"_a = "left", nb::kw_only(), "stream"_a = nb::none(),
      R"(Insertion indices of values into a sorted 1-D sequence (uint32).

Args:
    sorted_sequence (array): Ascending 1-D array.
    values (array | scalar): Values to place.
    side (str): "left" or "right".

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.searchsorted(mx.array([1, 2, 3]), mx.array([2])).tolist()
    [1])");
}

}  // namespace ember::py
