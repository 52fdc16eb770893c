// Reductions and softmax (spec/core.md §8, §16).
#include <cstring>

#include "utils.h"

namespace ember::py {

namespace {
using RedAll = array (*)(const array&, bool, StreamOrDevice);
using RedAxes = array (*)(const array&, const std::vector<int>&, bool, StreamOrDevice);

struct Red {
  const char* name;
  RedAll all;
  RedAxes axes;
};

#define EMBER_RED(N) \
  Red{#N, static_cast<RedAll>(&N), static_cast<RedAxes>(&N)}
const Red kReductions[] = {EMBER_RED(all),  EMBER_RED(any),  EMBER_RED(sum),
                           EMBER_RED(prod), EMBER_RED(max),  EMBER_RED(min),
                           EMBER_RED(mean), EMBER_RED(logsumexp),
                           EMBER_RED(median)};
#undef EMBER_RED

const char* red_doc(const char* name) {
  static std::vector<std::string> docs;
  docs.reserve(32);
  docs.push_back(std::string("``") + name +
                 "`` reduction over the given axes.\n\nArgs:\n"
                 "    a (array): Input array.\n"
                 "    axis (int | list[int] | None): Axes to reduce; None reduces all.\n"
                 "    keepdims (bool): Keep reduced axes with size 1.\n\n"
                 "Returns:\n    array\n\nExample:\n    >>> import ember.core as mx\n"
                 "    >>> mx." + name + "(mx.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)");
  return docs.back().c_str();
}
}  // namespace

array reduce_dispatch(const char* name, const array& a, nb::handle axis,
                      bool keepdims, StreamOrDevice s) {
  for (auto& r : kReductions) {
    if (std::strcmp(r.name, name) == 0) {
      auto axes = to_axes(axis);
      return axes ? r.axes(a, *axes, keepdims, s) : r.all(a, keepdims, s);
    }
  }
  throw std::invalid_argument(std::string("[reduce] Unknown reduction ") + name);
}

array var_dispatch(bool is_std, const array& a, nb::handle axis, bool keepdims,
                   int ddof, StreamOrDevice s) {
  auto axes = to_axes(axis);
  if (is_std) return axes ? ember::std(a, *axes, keepdims, ddof, s) : ember::std(a, keepdims, ddof, s);
  return axes ? var(a, *axes, keepdims, ddof, s) : var(a, keepdims, ddof, s);
}

array arg_reduce_dispatch(bool is_max, const array& a, std::optional<int> axis,
                          bool keepdims, StreamOrDevice s) {
  if (is_max) return axis ? argmax(a, *axis, keepdims, s) : argmax(a, keepdims, s);
  return axis ? argmin(a, *axis, keepdims, s) : argmin(a, keepdims, s);
}

void init_ops_reduce(nb::module_& m) {
  for (auto& r : kReductions) {
    const char* name = r.name;
    m.def(
        name,
        [name](nb::handle a, nb::handle axis, bool keepdims, StreamOrDevice s) {
          return reduce_dispatch(name, to_array(a), axis, keepdims, s);
        },
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false,
        nb::kw_only(), "stream"_a = nb::none(), red_doc(name));
  }
  m.def(
      "count_nonzero",
      [](nb::handle a, nb::handle axis, bool keepdims, StreamOrDevice s) {
        array x = to_array(a);
        auto axes = to_axes(axis);
        return axes ? count_nonzero(x, *axes, keepdims, s) : count_nonzero(x, keepdims, s);
      },
      nb::arg(), nb::kw_only(), "axis"_a = nb::none(),
      "keepdims"_a = false, "stream"_a = nb::none(),
      R"(Counts non-zero elements (int32).

Args:
    a (array): Input.
    axis (int | list[int] | None): Axes to count over.
    keepdims (bool): Keep reduced axes.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.count_nonzero(mx.array([0, 1, 2])).item()
    2)");
  for (bool is_std : {false, true}) {
    m.def(
        is_std ? "std" : "var",
        [is_std](nb::handle a, nb::handle axis, bool keepdims, int ddof, StreamOrDevice s) {
          return var_dispatch(is_std, to_array(a), axis, keepdims, ddof, s);
        },
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false,
        "ddof"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
        is_std ? R"(Standard deviation over axes (divisor N - ddof).

Args:
    a (array): Input.
    axis (int | list[int] | None): Axes.
    keepdims (bool): Keep reduced axes.
    ddof (int): Delta degrees of freedom.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.std(mx.array([1.0, 3.0])).item()
    1.0)"
               : R"(Variance over axes (divisor N - ddof).

Args:
    a (array): Input.
    axis (int | list[int] | None): Axes.
    keepdims (bool): Keep reduced axes.
    ddof (int): Delta degrees of freedom.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.var(mx.array([1.0, 3.0])).item()
    1.0)");
  }
  for (bool is_max : {false, true}) {
    m.def(
        is_max ? "argmax" : "argmin",
        [is_max](nb::handle a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
          return arg_reduce_dispatch(is_max, to_array(a), axis, keepdims, s);
        },
        nb::arg(), "axis"_a = nb::none(), "keepdims"_a = false,
        nb::kw_only(), "stream"_a = nb::none(),
        is_max ? R"(Index of the first maximum (uint32); None flattens.

Args:
    a (array): Input.
    axis (int | None): Axis.
    keepdims (bool): Keep the reduced axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.argmax(mx.array([1, 3, 2])).item()
    1)"
               : R"(Index of the first minimum (uint32); None flattens.

Args:
    a (array): Input.
    axis (int | None): Axis.
    keepdims (bool): Keep the reduced axis.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.argmin(mx.array([1, 3, 0])).item()
    2)");
  }
  m.def(
      "softmax",
      [](nb::handle a, nb::handle axis, bool precise, StreamOrDevice s) {
        array x = to_array(a);
        auto axes = to_axes(axis);
        return axes ? softmax(x, *axes, precise, s) : softmax(x, precise, s);
      },
      nb::arg(), "axis"_a = nb::none(), nb::kw_only(),
      "precise"_a = false, "stream"_a = nb::none(),
      R"(Softmax over the given axes (all if None).

Args:
    a (array): Input.
    axis (int | list[int] | None): Axes.
    precise (bool): Accumulate low-precision inputs in float32.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.softmax(mx.array([0.0, 0.0])).tolist()
    [0.5, 0.5])");
}

}  // namespace ember::py
