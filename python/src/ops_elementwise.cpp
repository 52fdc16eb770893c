// Element-wise unary, binary and ternary ops (spec/core.md §5-§7, §10).
#include <deque>

#include "utils.h"

namespace ember::py {

namespace {

using Unary = array (*)(const array&, StreamOrDevice);
using Binary = array (*)(const array&, const array&, StreamOrDevice);

const char* keep(std::string s) {
  static std::deque<std::string> store;
  store.push_back(std::move(s));
  return store.back().c_str();
}

const char* unary_doc(const char* name, const char* what, const char* example_in) {
  return keep(std::string(what) +
              "\n\nArgs:\n    a (array): Input array or scalar.\n\nReturns:\n    array\n\n"
              "Example:\n    >>> import ember.core as mx\n    >>> mx." +
              name + "(mx.array(" + example_in + "))");
}

const char* binary_doc(const char* name, const char* what) {
  return keep(std::string(what) +
              " Python scalars are weakly typed; inputs broadcast.\n\n"
              "Args:\n    a (array | scalar): First operand.\n"
              "    b (array | scalar): Second operand.\n\nReturns:\n    array\n\n"
              "Example:\n    >>> import ember.core as mx\n    >>> mx." +
              name + "(mx.array([1.0, 2.0]), 2.0)");
}

void def_unary(nb::module_& m, const char* name, Unary f, const char* what,
               const char* example = "[0.5, 1.0]") {
  m.def(
      name,
      [f](nb::handle a, StreamOrDevice s) { return f(to_array(a), s); },
      nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig(keep(std::string("def ") + name +
                   "(a: array | scalar, /, *, stream: Stream | Device | None = None) -> array")),
      unary_doc(name, what, example));
}

void def_binary(nb::module_& m, const char* name, Binary f, const char* what) {
  m.def(
      name,
      [f, name](nb::handle a, nb::handle b, StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b, name);
        return f(x, y, s);
      },
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      nb::sig(keep(std::string("def ") + name +
                   "(a: array | scalar, b: array | scalar, /, *, stream: Stream | Device | "
                   "None = None) -> array")),
      binary_doc(name, what));
}

}  // namespace

void init_ops_elementwise(nb::module_& m) {
  def_unary(m, "abs", &abs, "Elementwise absolute value (complex -> float32).", "[-1.0, 2.0]");
  def_unary(m, "sign", &sign, "Elementwise sign (-1, 0 or 1).", "[-2.0, 0.0, 3.0]");
  def_unary(m, "negative", &negative, "Elementwise negation (bool input raises).");
  def_unary(m, "positive", &positive, "Identity (returns the input).");
  def_unary(m, "square", &square, "Elementwise square.");
  def_unary(m, "reciprocal", &reciprocal, "Elementwise 1/a (integers -> float32).");
  def_unary(m, "sqrt", &sqrt, "Elementwise square root (integers -> float32).");
  def_unary(m, "rsqrt", &rsqrt, "Elementwise 1/sqrt(a) (integers -> float32).");
  def_unary(m, "exp", &exp, "Elementwise e**a (integers -> float32).");
  def_unary(m, "expm1", &expm1, "Elementwise e**a - 1, accurate near 0.");
  def_unary(m, "log", &log, "Elementwise natural logarithm.");
  def_unary(m, "log2", &log2, "Elementwise base-2 logarithm.");
  def_unary(m, "log10", &log10, "Elementwise base-10 logarithm.");
  def_unary(m, "log1p", &log1p, "Elementwise log(1 + a), accurate near 0.");
  def_unary(m, "sin", &sin, "Elementwise sine (radians).");
  def_unary(m, "cos", &cos, "Elementwise cosine (radians).");
  def_unary(m, "tan", &tan, "Elementwise tangent (radians).");
  def_unary(m, "arcsin", &arcsin, "Elementwise inverse sine.");
  def_unary(m, "arccos", &arccos, "Elementwise inverse cosine.");
  def_unary(m, "arctan", &arctan, "Elementwise inverse tangent.");
  def_unary(m, "sinh", &sinh, "Elementwise hyperbolic sine.");
  def_unary(m, "cosh", &cosh, "Elementwise hyperbolic cosine.");
  def_unary(m, "tanh", &tanh, "Elementwise hyperbolic tangent.");
  def_unary(m, "arcsinh", &arcsinh, "Elementwise inverse hyperbolic sine.");
  def_unary(m, "arccosh", &arccosh, "Elementwise inverse hyperbolic cosine.", "[1.0, 2.0]");
  def_unary(m, "arctanh", &arctanh, "Elementwise inverse hyperbolic tangent.");
  def_unary(m, "degrees", &degrees, "Converts radians to degrees.");
  def_unary(m, "radians", &radians, "Converts degrees to radians.");
  def_unary(m, "erf", &erf, "Elementwise error function.");
  def_unary(m, "erfinv", &erfinv, "Elementwise inverse error function.");
  def_unary(m, "sigmoid", &sigmoid, "Elementwise logistic sigmoid 1/(1+e**-a).");
  def_unary(m, "floor", &floor, "Elementwise floor.", "[-1.5, 1.5]");
  def_unary(m, "ceil", &ceil, "Elementwise ceiling.", "[-1.5, 1.5]");
  def_unary(m, "trunc", &trunc, "Elementwise truncation toward zero.", "[-1.5, 1.5]");
  def_unary(m, "isnan", &isnan, "Elementwise test for NaN.");
  def_unary(m, "isinf", &isinf, "Elementwise test for +-inf.");
  def_unary(m, "isfinite", &isfinite, "Elementwise test for finite values.");
  def_unary(m, "isposinf", &isposinf, "Elementwise test for +inf.");
  def_unary(m, "isneginf", &isneginf, "Elementwise test for -inf.");
  def_unary(m, "conjugate", &conjugate, "Elementwise complex conjugate.");
  def_unary(m, "conj", &conj, "Elementwise complex conjugate.");
  def_unary(m, "real", &real, "Real part (complex -> float32).");
  def_unary(m, "imag", &imag, "Imaginary part (complex -> float32).");
  def_unary(m, "logical_not", &logical_not, "Elementwise logical not (-> bool).");
  def_unary(m, "bitwise_invert", &bitwise_invert,
            "Elementwise bitwise not (bool -> logical not).", "[1, 2]");

  m.def(
      "round",
      [](nb::handle a, int decimals, StreamOrDevice s) {
        return round(to_array(a), decimals, s);
      },
      nb::arg(), "decimals"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
      R"(Rounds to the given number of decimals (half to even).

Args:
    a (array): Input.
    decimals (int): Number of decimal places.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.round(mx.array([0.5, 1.5, 2.25]), 1).tolist()
    [0.5, 1.5, 2.200000047683716])");

  m.def(
      "nan_to_num",
      [](nb::handle a, float nan, std::optional<float> posinf,
         std::optional<float> neginf, StreamOrDevice s) {
        return nan_to_num(to_array(a), nan, posinf, neginf, s);
      },
      "a"_a, "nan"_a = 0.0f, "posinf"_a = nb::none(), "neginf"_a = nb::none(),
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Replaces NaN and infinities with finite numbers.

Args:
    a (array): Input.
    nan (float): Replacement for NaN.
    posinf (float | None): Replacement for +inf (dtype max if None).
    neginf (float | None): Replacement for -inf (dtype lowest if None).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.nan_to_num(mx.array([float("nan"), 1.0])).tolist()
    [0.0, 1.0])");

  def_binary(m, "add", &add, "Elementwise a + b.");
  def_binary(m, "subtract", &subtract, "Elementwise a - b.");
  def_binary(m, "multiply", &multiply, "Elementwise a * b.");
  def_binary(m, "divide", &divide, "Elementwise true division (at least float).");
  def_binary(m, "floor_divide", &floor_divide,
             "Elementwise floor division (integers truncate toward zero).");
  def_binary(m, "remainder", &remainder,
             "Elementwise remainder with the sign of the divisor.");
  def_binary(m, "power", &power, "Elementwise a ** b.");
  def_binary(m, "maximum", &maximum, "Elementwise maximum (NaN propagates).");
  def_binary(m, "minimum", &minimum, "Elementwise minimum (NaN propagates).");
  def_binary(m, "logaddexp", &logaddexp, "Elementwise log(exp(a) + exp(b)), stable.");
  def_binary(m, "arctan2", &arctan2, "Elementwise arctan(a / b) with quadrant.");
  def_binary(m, "equal", &equal, "Elementwise a == b (-> bool).");
  def_binary(m, "not_equal", &not_equal, "Elementwise a != b (-> bool).");
  def_binary(m, "less", &less, "Elementwise a < b (-> bool).");
  def_binary(m, "less_equal", &less_equal, "Elementwise a <= b (-> bool).");
  def_binary(m, "greater", &greater, "Elementwise a > b (-> bool).");
  def_binary(m, "greater_equal", &greater_equal, "Elementwise a >= b (-> bool).");
  def_binary(m, "logical_and", &logical_and, "Elementwise logical and (-> bool).");
  def_binary(m, "logical_or", &logical_or, "Elementwise logical or (-> bool).");
  def_binary(m, "logical_xor", &logical_xor, "Elementwise logical xor (-> bool).");
  def_binary(m, "bitwise_and", &bitwise_and, "Elementwise bitwise and (ints/bool).");
  def_binary(m, "bitwise_or", &bitwise_or, "Elementwise bitwise or (ints/bool).");
  def_binary(m, "bitwise_xor", &bitwise_xor, "Elementwise bitwise xor (ints/bool).");
  def_binary(m, "left_shift", &left_shift, "Elementwise a << b.");
  def_binary(m, "right_shift", &right_shift, "Elementwise a >> b.");

  m.def(
      "divmod",
      [](nb::handle a, nb::handle b, StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b, "divmod");
        auto r = divmod(x, y, s);
        return nb::make_tuple(r[0], r[1]);
      },
      nb::arg(), nb::arg(), nb::kw_only(), "stream"_a = nb::none(),
      R"(Floor quotient and remainder, ``(a // b, a % b)`` with floor rounding.

Args:
    a (array | scalar): Dividend.
    b (array | scalar): Divisor.

Returns:
    tuple[array, array]

Example:
    >>> import ember.core as mx
    >>> q, r = mx.divmod(mx.array([-7]), 2)
    >>> q.tolist(), r.tolist()
    ([-4], [1]))");

  m.def(
      "array_equal",
      [](nb::handle a, nb::handle b, bool equal_nan, StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b, "array_equal");
        return array_equal(x, y, equal_nan, s);
      },
      nb::arg(), nb::arg(), nb::kw_only(), "equal_nan"_a = false,
      "stream"_a = nb::none(),
      R"(Whether two arrays have the same shape and values (dtypes may differ).

Args:
    a (array | scalar): First input.
    b (array | scalar): Second input.
    equal_nan (bool): Treat NaNs as equal.

Returns:
    array: A 0-d bool array.

Example:
    >>> import ember.core as mx
    >>> mx.array_equal(mx.array([1, 2]), mx.array([1.0, 2.0])).item()
    True)");

  m.def(
      "isclose",
      [](nb::handle a, nb::handle b, double rtol, double atol, bool equal_nan,
         StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b, "isclose");
        return isclose(x, y, rtol, atol, equal_nan, s);
      },
      nb::arg(), nb::arg(), "rtol"_a = 1e-5, "atol"_a = 1e-8,
      nb::kw_only(), "equal_nan"_a = false, "stream"_a = nb::none(),
      R"(Elementwise ``|a - b| <= atol + rtol * |b|``.

Args:
    a (array): First input.
    b (array): Second input.
    rtol (float): Relative tolerance.
    atol (float): Absolute tolerance.
    equal_nan (bool): Treat NaNs as equal.

Returns:
    array: bool array.

Example:
    >>> import ember.core as mx
    >>> mx.isclose(mx.array([1.0]), mx.array([1.0 + 1e-7])).tolist()
    [True])");

  m.def(
      "allclose",
      [](nb::handle a, nb::handle b, double rtol, double atol, bool equal_nan,
         StreamOrDevice s) {
        auto [x, y] = to_arrays(a, b, "allclose");
        return allclose(x, y, rtol, atol, equal_nan, s);
      },
      nb::arg(), nb::arg(), "rtol"_a = 1e-5, "atol"_a = 1e-8,
      nb::kw_only(), "equal_nan"_a = false, "stream"_a = nb::none(),
      R"(Whether all elements are close (see ``isclose``).

Args:
    a (array): First input.
    b (array): Second input.
    rtol (float): Relative tolerance.
    atol (float): Absolute tolerance.
    equal_nan (bool): Treat NaNs as equal.

Returns:
    array: 0-d bool array.

Example:
    >>> import ember.core as mx
    >>> mx.allclose(mx.array([1.0, 2.0]), mx.array([1.0, 2.0])).item()
    True)");

  m.def(
      "where",
      [](nb::handle cond, nb::handle x, nb::handle y, StreamOrDevice s) {
        array c = to_array(cond);
        auto [a, b] = to_arrays(x, y, "where");
        return where(c, a, b, s);
      },
      nb::arg(), nb::arg(), nb::arg(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Selects from ``x`` where ``condition`` is true, else from ``y``.

Args:
    condition (array): Cast to bool.
    x (array | scalar): Values where true.
    y (array | scalar): Values where false.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.where(mx.array([True, False]), 1, 2).tolist()
    [1, 2])");

  m.def(
      "clip",
      [](nb::handle a, nb::handle a_min, nb::handle a_max, StreamOrDevice s) {
        array x = to_array(a);
        if (a_min.is_none() && a_max.is_none()) {
          throw std::invalid_argument("[clip] At most one of a_min and a_max may be None.");
        }
        std::optional<array> lo, hi;
        if (!a_min.is_none()) lo = to_array_weak(a_min, x.dtype(), "clip");
        if (!a_max.is_none()) hi = to_array_weak(a_max, x.dtype(), "clip");
        return clip(x, lo, hi, s);
      },
      nb::arg(), "a_min"_a.none(), "a_max"_a.none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Clips values to ``[a_min, a_max]``.

Args:
    a (array): Input.
    a_min (scalar | array | None): Lower bound.
    a_max (scalar | array | None): Upper bound.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.clip(mx.array([-1, 5, 10]), 0, 6).tolist()
    [0, 5, 6])");
}

}  // namespace ember::py
