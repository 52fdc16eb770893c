// Shape manipulation ops (spec/core.md §9) and astype/contiguous/copy.
#include "utils.h"

namespace ember::py {

void init_ops_shape_extra(nb::module_& m);

void init_ops_shape(nb::module_& m) {
  m.def(
      "reshape",
      [](nb::handle a, nb::handle shape, StreamOrDevice s) {
        return reshape(to_array(a), to_shape(shape, "reshape"), s);
      },
      nb::arg(), "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Reshapes an array (one dimension may be -1).

Args:
    a (array): Input.
    shape (list[int]): New shape.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.reshape(mx.arange(6), (2, -1)).shape
    (2, 3))");
  m.def(
      "flatten",
      [](nb::handle a, int start, int end, StreamOrDevice s) {
        return flatten(to_array(a), start, end, s);
      },
      nb::arg(), "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Flattens axes start_axis..end_axis into one.

Args:
    a (array): Input.
    start_axis (int): First axis.
    end_axis (int): Last axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.flatten(mx.zeros((2, 3, 4)), 1).shape
    (2, 12))");
  m.def(
      "unflatten",
      [](nb::handle a, int axis, nb::handle shape, StreamOrDevice s) {
        return unflatten(to_array(a), axis, to_shape(shape, "unflatten"), s);
      },
      nb::arg(), "axis"_a, "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Splits one axis into several.

Args:
    a (array): Input.
    axis (int): Axis to split.
    shape (list[int]): New dims (one may be -1).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.unflatten(mx.zeros((6,)), 0, (2, 3)).shape
    (2, 3))");
  m.def(
      "squeeze",
      [](nb::handle a, nb::handle axis, StreamOrDevice s) {
        array x = to_array(a);
        auto axes = to_axes(axis);
        return axes ? squeeze(x, *axes, s) : squeeze(x, s);
      },
      nb::arg(), "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Removes size-1 axes (all of them if axis is None).

Args:
    a (array): Input.
    axis (int | list[int] | None): Axes to remove.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.squeeze(mx.zeros((1, 2, 1))).shape
    (2,))");
  m.def(
      "expand_dims",
      [](nb::handle a, nb::handle axis, StreamOrDevice s) {
        return expand_dims(to_array(a), *to_axes(axis), s);
      },
      nb::arg(), "axis"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Inserts size-1 axes.

Args:
    a (array): Input.
    axis (int | list[int]): Positions of the new axes.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.expand_dims(mx.zeros((2,)), 0).shape
    (1, 2))");
  auto transpose_fn = [](nb::handle a, std::optional<std::vector<int>> axes, StreamOrDevice s) {
    array x = to_array(a);
    return axes ? transpose(x, *axes, s) : transpose(x, s);
  };
  const char* transpose_doc = R"(Permutes the axes (reverses them when axes is None).

Args:
    a (array): Input.
    axes (list[int] | None): The permutation.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.transpose(mx.zeros((2, 3))).shape
    (3, 2))";
  m.def("transpose", transpose_fn, nb::arg(), "axes"_a = nb::none(),
        nb::kw_only(), "stream"_a = nb::none(), transpose_doc);
  m.def("permute_dims", transpose_fn, nb::arg(), "axes"_a = nb::none(),
        nb::kw_only(), "stream"_a = nb::none(), transpose_doc);
  m.def(
      "swapaxes",
      [](nb::handle a, int a1, int a2, StreamOrDevice s) { return swapaxes(to_array(a), a1, a2, s); },
      nb::arg(), "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Swaps two axes.

Args:
    a (array): Input.
    axis1 (int): First axis.
    axis2 (int): Second axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.swapaxes(mx.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2))");
  m.def(
      "moveaxis",
      [](nb::handle a, int src, int dst, StreamOrDevice s) { return moveaxis(to_array(a), src, dst, s); },
      nb::arg(), "source"_a, "destination"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Moves an axis to a new position.

Args:
    a (array): Input.
    source (int): Axis to move.
    destination (int): New position.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.moveaxis(mx.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2))");
  m.def(
      "broadcast_to",
      [](nb::handle a, nb::handle shape, StreamOrDevice s) {
        return broadcast_to(to_array(a), to_shape(shape, "broadcast_to"), s);
      },
      nb::arg(), "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Broadcasts an array to a shape (NumPy rules).

Args:
    a (array | scalar): Input.
    shape (list[int]): Target shape.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.broadcast_to(mx.array([1, 2]), (3, 2)).shape
    (3, 2))");
  m.def(
      "broadcast_arrays",
      [](nb::args arrays, StreamOrDevice s) {
        std::vector<array> xs;
        for (nb::handle h : arrays) xs.push_back(to_array(h));
        nb::list l;
        for (auto& a : broadcast_arrays(xs, s)) l.append(nb::cast(a));
        return nb::tuple(l);
      },
      "arrays"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Broadcasts arrays against each other.

Args:
    *arrays (array): Inputs.

Returns:
    tuple[array, ...]

Example:
    >>> import ember.core as mx
    >>> a, b = mx.broadcast_arrays(mx.zeros((2, 1)), mx.zeros((3,)))
    >>> a.shape
    (2, 3))");
  m.def(
      "broadcast_shapes",
      [](nb::args shapes) {
        std::vector<Shape> ss;
        for (nb::handle h : shapes) ss.push_back(to_shape(h, "broadcast_shapes"));
        if (ss.empty()) throw std::invalid_argument("[broadcast_shapes] No shapes given.");
        Shape out = broadcast_shapes(ss);
        nb::list l;
        for (auto d : out) l.append(d);
        return nb::tuple(l);
      },
      "shapes"_a,
      R"(The broadcast shape of several shapes.

Args:
    *shapes (tuple[int, ...]): Shapes.

Returns:
    tuple[int, ...]

Example:
    >>> import ember.core as mx
    >>> mx.broadcast_shapes((2, 1), (3,))
    (2, 3))");
  m.def(
      "astype",
      [](nb::handle a, Dtype d, StreamOrDevice s) { return astype(to_array(a), d, s); },
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Casts an array to a dtype.

Args:
    a (array): Input.
    dtype (Dtype): Target type.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.astype(mx.array([1.5]), mx.int32).tolist()
    [1])");
  m.def(
      "contiguous",
      [](nb::handle a, bool allow_col_major, StreamOrDevice s) {
        return contiguous(to_array(a), allow_col_major, s);
      },
      nb::arg(), "allow_col_major"_a = false, nb::kw_only(),
      "stream"_a = nb::none(),
      R"(A row-major (or column-major if allowed) copy when needed.

Args:
    a (array): Input.
    allow_col_major (bool): Accept column-major layouts.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.contiguous(mx.zeros((2, 3)).T).shape
    (3, 2))");
  init_ops_shape_extra(m);
}

}  // namespace ember::py
