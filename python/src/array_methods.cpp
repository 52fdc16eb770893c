// Operators and methods of `array` (spec/core.md §2). Scalar operands follow
// the weak typing rules; in-place operators replace the Python object's node.
#include "utils.h"

namespace ember::py {

array reduce_dispatch(const char* name, const array& a, nb::handle axis,
                      bool keepdims, StreamOrDevice s);
array var_dispatch(bool is_std, const array& a, nb::handle axis, bool keepdims,
                   int ddof, StreamOrDevice s);
array arg_reduce_dispatch(bool is_max, const array& a, std::optional<int> axis,
                          bool keepdims, StreamOrDevice s);
void init_array_indexing(nb::class_<array>& cls);

namespace {

using Binary = array (*)(const array&, const array&, StreamOrDevice);

void check_no_float(const array& a, const array& b, const char* op) {
  if (is_inexact(a.dtype()) || is_inexact(b.dtype())) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Floating point operands are not supported; got " +
                                dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()) + ".");
  }
}

template <bool Reflected>
void def_op(nb::class_<array>& cls, const char* dunder, Binary f, const char* op,
            bool int_only = false) {
  cls.def(dunder, [f, op, int_only](const array& self, nb::handle other) -> nb::object {
    if (!is_array_like(other)) return nb::borrow(Py_NotImplemented);
    array o = to_array_weak(other, self.dtype(), op);
    if (int_only) check_no_float(self, o, op);
    return nb::cast(Reflected ? f(o, self, {}) : f(self, o, {}));
  });
}

void def_iop(nb::class_<array>& cls, const char* dunder, Binary f, const char* op,
             bool int_only = false, bool float_only = false) {
  cls.def(dunder, [f, op, int_only, float_only](nb::handle self_h, nb::handle other) -> nb::object {
    array& self = *nb::inst_ptr<array>(self_h);
    if (!is_array_like(other)) return nb::borrow(Py_NotImplemented);
    if (float_only && !is_inexact(self.dtype())) {
      throw std::invalid_argument(std::string("[") + op +
                                  "] In-place true division requires a floating point "
                                  "array; got " + dtype_name(self.dtype()) + ".");
    }
    array o = to_array_weak(other, self.dtype(), op);
    if (int_only) check_no_float(self, o, op);
    self = f(self, o, {});
    return nb::borrow(self_h);
  });
}

array matmul_op(const array& a, const array& b, StreamOrDevice s) { return matmul(a, b, s); }

std::vector<int> axes_from_args(nb::args args) {
  std::vector<int> axes;
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) {
    for (nb::handle h : args[0]) axes.push_back(nb::cast<int>(h));
  } else {
    for (nb::handle h : args) axes.push_back(nb::cast<int>(h));
  }
  return axes;
}

}  // namespace

void init_array_methods(nb::class_<array>& cls) {
  def_op<false>(cls, "__add__", &add, "add");
  def_op<true>(cls, "__radd__", &add, "add");
  def_op<false>(cls, "__sub__", &subtract, "subtract");
  def_op<true>(cls, "__rsub__", &subtract, "subtract");
  def_op<false>(cls, "__mul__", &multiply, "multiply");
  def_op<true>(cls, "__rmul__", &multiply, "multiply");
  def_op<false>(cls, "__truediv__", &divide, "divide");
  def_op<true>(cls, "__rtruediv__", &divide, "divide");
  def_op<false>(cls, "__floordiv__", &floor_divide, "floor_divide");
  def_op<true>(cls, "__rfloordiv__", &floor_divide, "floor_divide");
  def_op<false>(cls, "__mod__", &remainder, "remainder");
  def_op<true>(cls, "__rmod__", &remainder, "remainder");
  def_op<false>(cls, "__pow__", &power, "power");
  def_op<true>(cls, "__rpow__", &power, "power");
  def_op<false>(cls, "__lt__", &less, "less");
  def_op<false>(cls, "__le__", &less_equal, "less_equal");
  def_op<false>(cls, "__gt__", &greater, "greater");
  def_op<false>(cls, "__ge__", &greater_equal, "greater_equal");
  def_op<false>(cls, "__and__", &bitwise_and, "bitwise_and", true);
  def_op<false>(cls, "__or__", &bitwise_or, "bitwise_or", true);
  def_op<false>(cls, "__xor__", &bitwise_xor, "bitwise_xor", true);
  def_op<false>(cls, "__lshift__", &left_shift, "left_shift", true);
  def_op<false>(cls, "__rshift__", &right_shift, "right_shift", true);
  cls.def("__matmul__", [](const array& a, const array& b) { return matmul(a, b); });

  cls.def("__eq__", [](const array& a, nb::handle b) -> nb::object {
    if (!is_array_like(b)) return nb::bool_(false);
    return nb::cast(equal(a, to_array_weak(b, a.dtype(), "equal")));
  }, "other"_a.none());
  cls.def("__ne__", [](const array& a, nb::handle b) -> nb::object {
    if (!is_array_like(b)) return nb::bool_(true);
    return nb::cast(not_equal(a, to_array_weak(b, a.dtype(), "not_equal")));
  }, "other"_a.none());
  // Defining __eq__ clears the hash; arrays hash by identity as in MLX.
  cls.def("__hash__", [](nb::handle self) { return (intptr_t)self.ptr(); });

  def_iop(cls, "__iadd__", &add, "add");
  def_iop(cls, "__isub__", &subtract, "subtract");
  def_iop(cls, "__imul__", &multiply, "multiply");
  def_iop(cls, "__itruediv__", &divide, "divide", false, true);
  def_iop(cls, "__ifloordiv__", &floor_divide, "floor_divide");
  def_iop(cls, "__imod__", &remainder, "remainder");
  def_iop(cls, "__ipow__", &power, "power");
  def_iop(cls, "__imatmul__", &matmul_op, "matmul");
  def_iop(cls, "__iand__", &bitwise_and, "bitwise_and", true);
  def_iop(cls, "__ior__", &bitwise_or, "bitwise_or", true);
  def_iop(cls, "__ixor__", &bitwise_xor, "bitwise_xor", true);
  def_iop(cls, "__ilshift__", &left_shift, "left_shift", true);
  def_iop(cls, "__irshift__", &right_shift, "right_shift", true);

  cls.def("__neg__", [](const array& a) { return negative(a); });
  cls.def("__abs__", [](const array& a) { return abs(a); });
  cls.def("__invert__", [](const array& a) {
    if (is_inexact(a.dtype())) {
      throw std::invalid_argument(std::string("[bitwise_invert] Floating point input is not "
                                              "supported; got ") + dtype_name(a.dtype()) + ".");
    }
    return a.dtype() == Dtype::bool_ ? logical_not(a) : bitwise_invert(a);
  });

  // Unary methods.
  using Unary = array (*)(const array&, StreamOrDevice);
  auto unary = [&](const char* name, Unary f) {
    cls.def(name, [f](const array& a, StreamOrDevice s) { return f(a, s); },
            nb::kw_only(), "stream"_a = nb::none(),
            "Same as the function of this name with the array as first argument.");
  };
  unary("abs", &abs);
  unary("square", &square);
  unary("sqrt", &sqrt);
  unary("rsqrt", &rsqrt);
  unary("reciprocal", &reciprocal);
  unary("exp", &exp);
  unary("log", &log);
  unary("log2", &log2);
  unary("log10", &log10);
  unary("log1p", &log1p);
  unary("sin", &sin);
  unary("cos", &cos);
  unary("conj", &conj);
  cls.def("round", [](const array& a, int decimals, StreamOrDevice s) {
    return round(a, decimals, s);
  }, "decimals"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
  "Rounds to the given number of decimals.");
  cls.def_prop_ro("real", [](const array& a) { return real(a); }, "Real part.");
  cls.def_prop_ro("imag", [](const array& a) { return imag(a); }, "Imaginary part.");

  // Reductions.
  for (const char* name : {"all", "any", "sum", "prod", "min", "max", "mean", "logsumexp"}) {
    cls.def(name,
            [name](const array& a, nb::handle axis, bool keepdims, StreamOrDevice s) {
              return reduce_dispatch(name, a, axis, keepdims, s);
            },
            "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(),
            "stream"_a = nb::none(),
            "Reduction over the given axes (all if None).");
  }
  cls.def("var", [](const array& a, nb::handle axis, bool keepdims, int ddof, StreamOrDevice s) {
    return var_dispatch(false, a, axis, keepdims, ddof, s);
  }, "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(),
  "stream"_a = nb::none(), "Variance over the given axes.");
  cls.def("std", [](const array& a, nb::handle axis, bool keepdims, int ddof, StreamOrDevice s) {
    return var_dispatch(true, a, axis, keepdims, ddof, s);
  }, "axis"_a = nb::none(), "keepdims"_a = false, "ddof"_a = 0, nb::kw_only(),
  "stream"_a = nb::none(), "Standard deviation over the given axes.");
  cls.def("argmax", [](const array& a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
    return arg_reduce_dispatch(true, a, axis, keepdims, s);
  }, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(),
  "Indices of the maximum (uint32).");
  cls.def("argmin", [](const array& a, std::optional<int> axis, bool keepdims, StreamOrDevice s) {
    return arg_reduce_dispatch(false, a, axis, keepdims, s);
  }, "axis"_a = nb::none(), "keepdims"_a = false, nb::kw_only(), "stream"_a = nb::none(),
  "Indices of the minimum (uint32).");

  // Shape methods.
  cls.def("reshape", [](const array& a, nb::args shape, StreamOrDevice s) {
    Shape sh = shape.size() == 1 && !PyLong_Check(shape[0].ptr())
                   ? to_shape(shape[0], "reshape")
                   : to_shape(shape, "reshape");
    return reshape(a, sh, s);
  }, "shape"_a, nb::kw_only(), "stream"_a = nb::none(),
  "Reshapes the array; shape as a tuple or as separate ints.");
  cls.def("transpose", [](const array& a, nb::args axes, StreamOrDevice s) {
    if (axes.size() == 0) return transpose(a, s);
    return transpose(a, axes_from_args(axes), s);
  }, "axes"_a, nb::kw_only(), "stream"_a = nb::none(),
  "Permutes the axes (reverses them when none are given).");
  cls.def_prop_ro("T", [](const array& a) { return transpose(a); }, "Transposed array.");
  cls.def("flatten", [](const array& a, int start, int end, StreamOrDevice s) {
    return flatten(a, start, end, s);
  }, "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(), "stream"_a = nb::none(),
  "Flattens the axes from start_axis to end_axis.");
  cls.def("squeeze", [](const array& a, nb::handle axis, StreamOrDevice s) {
    auto axes = to_axes(axis);
    return axes ? squeeze(a, *axes, s) : squeeze(a, s);
  }, "axis"_a = nb::none(), nb::kw_only(), "stream"_a = nb::none(),
  "Removes size-1 axes.");
  cls.def("moveaxis", [](const array& a, int src, int dst, StreamOrDevice s) {
    return moveaxis(a, src, dst, s);
  }, "source"_a, "destination"_a, nb::kw_only(), "stream"_a = nb::none(),
  "Moves an axis to a new position.");
  cls.def("swapaxes", [](const array& a, int a1, int a2, StreamOrDevice s) {
    return swapaxes(a, a1, a2, s);
  }, "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a = nb::none(), "Swaps two axes.");

  // Scans, splitting, diagonals, view.
  using ScanFn = array (*)(const array&, int, bool, bool, std::optional<Dtype>, StreamOrDevice);
  using ScanAllFn = array (*)(const array&, bool, bool, std::optional<Dtype>, StreamOrDevice);
  using Scan2Fn = array (*)(const array&, int, bool, bool, StreamOrDevice);
  using Scan2AllFn = array (*)(const array&, bool, bool, StreamOrDevice);
  struct S1 { const char* name; ScanFn f; ScanAllFn fa; };
  for (auto sc : {S1{"cumsum", &cumsum, &cumsum}, S1{"cumprod", &cumprod, &cumprod}}) {
    cls.def(sc.name,
            [sc](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                 StreamOrDevice s) {
              return axis ? sc.f(a, *axis, reverse, inclusive, std::nullopt, s)
                          : sc.fa(a, reverse, inclusive, std::nullopt, s);
            },
            "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
            "stream"_a = nb::none(), "Cumulative reduction along an axis.");
  }
  struct S2 { const char* name; Scan2Fn f; Scan2AllFn fa; };
  for (auto sc : {S2{"cummax", &cummax, &cummax}, S2{"cummin", &cummin, &cummin},
                  S2{"logcumsumexp", &logcumsumexp, &logcumsumexp}}) {
    cls.def(sc.name,
            [sc](const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                 StreamOrDevice s) {
              return axis ? sc.f(a, *axis, reverse, inclusive, s) : sc.fa(a, reverse, inclusive, s);
            },
            "axis"_a = nb::none(), nb::kw_only(), "reverse"_a = false, "inclusive"_a = true,
            "stream"_a = nb::none(), "Cumulative reduction along an axis.");
  }
  cls.def("split", [](const array& a, nb::handle ios, int axis, StreamOrDevice s) {
    std::vector<array> parts = PyLong_Check(ios.ptr())
                                   ? split(a, nb::cast<int>(ios), axis, s)
                                   : split(a, to_shape(ios, "split"), axis, s);
    nb::list l;
    for (auto& p : parts) l.append(nb::cast(p));
    return l;
  }, "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(), "stream"_a = nb::none(),
  "Splits into sections or at indices.");
  cls.def("diagonal", [](const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
    return diagonal(a, offset, axis1, axis2, s);
  }, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "stream"_a = nb::none(), "A diagonal.");
  cls.def("diag", [](const array& a, int k, StreamOrDevice s) { return diag(a, k, s); },
          "k"_a = 0, nb::kw_only(), "stream"_a = nb::none(), "Diagonal matrix or diagonal.");
  cls.def("view", [](const array& a, Dtype d, StreamOrDevice s) { return view(a, d, s); },
          "dtype"_a, nb::kw_only(), "stream"_a = nb::none(), "Bit reinterpretation.");

  init_array_indexing(cls);
}

}  // namespace ember::py
