// Matrix products (spec/core.md §13).
#include "utils.h"

namespace ember::py {

void init_ops_linalg(nb::module_& m) {
  m.def(
      "matmul",
      [](nb::handle a, nb::handle b, StreamOrDevice s) {
        return matmul(to_array(a), to_array(b), s);
      },
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Matrix product with broadcast batch dims (floating types only).

Args:
    a (array): Left operand.
    b (array): Right operand.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.matmul(mx.ones((2, 3)), mx.ones((3, 4))).shape
    (2, 4))");
  m.def(
      "addmm",
      [](nb::handle c, nb::handle a, nb::handle b, float alpha, float beta, StreamOrDevice s) {
        return addmm(to_array(c), to_array(a), to_array(b), alpha, beta, s);
      },
      nb::arg(), nb::arg(), nb::arg(), "alpha"_a = 1.0f, "beta"_a = 1.0f,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(``alpha * (a @ b) + beta * c``.

Args:
    c (array): Added matrix.
    a (array): Left operand.
    b (array): Right operand.
    alpha (float): Product scale.
    beta (float): ``c`` scale.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.addmm(mx.ones((2, 2)), mx.ones((2, 3)), mx.ones((3, 2))).tolist()
    [[4.0, 4.0], [4.0, 4.0]])");
  m.def(
      "inner",
      [](nb::handle a, nb::handle b, StreamOrDevice s) { return inner(to_array(a), to_array(b), s); },
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Inner product over the last axes.

Args:
    a (array): First input.
    b (array): Second input.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.inner(mx.array([1.0, 2.0]), mx.array([3.0, 4.0])).item()
    11.0)");
  m.def(
      "outer",
      [](nb::handle a, nb::handle b, StreamOrDevice s) { return outer(to_array(a), to_array(b), s); },
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Outer product of the flattened inputs.

Args:
    a (array): First input.
    b (array): Second input.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.outer(mx.array([1, 2]), mx.array([3, 4])).tolist()
    [[3, 4], [6, 8]])");
  m.def(
      "tensordot",
      [](nb::handle a, nb::handle b, nb::handle axes, StreamOrDevice s) {
        array x = to_array(a), y = to_array(b);
        if (PyLong_Check(axes.ptr())) return tensordot(x, y, nb::cast<int>(axes), s);
        auto pair = nb::cast<std::vector<nb::object>>(axes);
        if (pair.size() != 2) {
          throw std::invalid_argument("[tensordot] axes must be an int or a pair of axis lists.");
        }
        auto ax = *to_axes(pair[0]);
        auto bx = *to_axes(pair[1]);
        return tensordot(x, y, ax, bx, s);
      },
      nb::arg(), nb::arg(), "axes"_a = 2, nb::kw_only(), "stream"_a = nb::none(),
      R"(Tensor contraction over the given axes.

Args:
    a (array): First input.
    b (array): Second input.
    axes (int | tuple[list[int], list[int]]): Number of trailing/leading
        axes, or explicit axis lists.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.tensordot(mx.ones((2, 3)), mx.ones((3, 4)), axes=1).shape
    (2, 4))");
  m.def(
      "kron",
      [](nb::handle a, nb::handle b, StreamOrDevice s) { return kron(to_array(a), to_array(b), s); },
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Kronecker product.

Args:
    a (array): First input.
    b (array): Second input.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.kron(mx.array([1, 2]), mx.array([1, 1])).tolist()
    [1, 1, 2, 2])");
  m.def(
      "vecdot",
      [](nb::handle a, nb::handle b, int axis, StreamOrDevice s) {
        return vecdot(to_array(a), to_array(b), axis, s);
      },
      nb::arg(), nb::arg(), "axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
      R"(Vector dot product along an axis.

Args:
    a (array): First input.
    b (array): Second input.
    axis (int): Axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.vecdot(mx.array([1.0, 2.0]), mx.array([3.0, 4.0])).item()
    11.0)");
  m.def(
      "einsum",
      [](const std::string& subscripts, nb::args operands, StreamOrDevice s) {
        std::vector<array> xs;
        for (nb::handle h : operands) xs.push_back(to_array(h));
        return einsum(subscripts, xs, s);
      },
      "subscripts"_a, "operands"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Einstein summation.

Args:
    subscripts (str): e.g. ``"ij,jk->ik"``.
    *operands (array): Inputs.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.einsum("ij->ji", mx.zeros((2, 3))).shape
    (3, 2))");
  m.def(
      "einsum_path",
      [](const std::string& subscripts, nb::args operands) {
        std::vector<array> xs;
        for (nb::handle h : operands) xs.push_back(to_array(h));
        auto [path, info] = einsum_path(subscripts, xs);
        nb::list l;
        for (auto& p : path) {
          nb::list t;
          for (int i : p) t.append(i);
          l.append(nb::tuple(t));
        }
        return nb::make_tuple(l, info);
      },
      "subscripts"_a, "operands"_a,
      R"(The contraction order einsum would use.

Args:
    subscripts (str): Einsum subscripts.
    *operands (array): Inputs.

Returns:
    tuple[list[tuple[int, int]], str]

Example:
    >>> import ember.core as mx
    >>> path, info = mx.einsum_path("ij,jk->ik", mx.ones((2, 2)), mx.ones((2, 2))))");
}

}  // namespace ember::py
