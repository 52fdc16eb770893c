// The `array` class: construction, properties, conversion protocols (NumPy,
// buffer, DLPack), repr, pickling. Operators and methods: array_methods.cpp.
#include <nanobind/ndarray.h>

#include <sstream>

#include "utils.h"

namespace ember::py {

void init_array_methods(nb::class_<array>& cls);

namespace {

char buffer_format(Dtype d) {
  switch (d) {
    case Dtype::bool_: return '?';
    case Dtype::uint8: return 'B';
    case Dtype::uint16: return 'H';
    case Dtype::uint32: return 'I';
    case Dtype::uint64: return 'Q';
    case Dtype::int8: return 'b';
    case Dtype::int16: return 'h';
    case Dtype::int32: return 'i';
    case Dtype::int64: return 'q';
    case Dtype::float16: return 'e';
    case Dtype::float32: return 'f';
    case Dtype::float64: return 'd';
    case Dtype::complex64: return 'Z';
    default: return 0;
  }
}

nb::dlpack::dtype to_dl(Dtype d) {
  using nb::dlpack::dtype_code;
  nb::dlpack::dtype t;
  t.lanes = 1;
  t.bits = uint8_t(size_of(d) * 8);
  switch (d) {
    case Dtype::bool_: t.code = uint8_t(dtype_code::Bool); break;
    case Dtype::uint8: case Dtype::uint16: case Dtype::uint32: case Dtype::uint64:
      t.code = uint8_t(dtype_code::UInt); break;
    case Dtype::int8: case Dtype::int16: case Dtype::int32: case Dtype::int64:
      t.code = uint8_t(dtype_code::Int); break;
    case Dtype::float16: case Dtype::float32: case Dtype::float64:
      t.code = uint8_t(dtype_code::Float); break;
    case Dtype::bfloat16: t.code = uint8_t(dtype_code::Bfloat); break;
    case Dtype::complex64: t.code = uint8_t(dtype_code::Complex); break;
  }
  return t;
}

// A view of an evaluated array's memory that keeps the array alive.
template <typename... Ts>
nb::ndarray<Ts...> make_ndarray(array a) {
  eval_nogil(a);
  std::vector<size_t> shape(a.shape().begin(), a.shape().end());
  std::vector<int64_t> strides(a.strides().begin(), a.strides().end());
  auto* keep = new array(a);
  nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<array*>(p); });
  return nb::ndarray<Ts...>(a.raw_data(), a.ndim(), shape.data(), owner,
                            strides.data(), to_dl(a.dtype()),
                            nb::device::cpu::value, 0);
}

nb::object to_numpy(const array& src, nb::handle dtype, std::optional<bool> copy) {
  array a = src;
  if (a.dtype() == Dtype::bfloat16) a = astype(a, Dtype::float32);
  nb::object out = nb::cast(make_ndarray<nb::numpy>(a), nb::rv_policy::reference);
  if (copy.value_or(false)) out = out.attr("copy")();
  if (!dtype.is_none()) out = out.attr("astype")(dtype, "copy"_a = false);
  return out;
}

std::string repr(const array& a) {
  array c = a;
  eval_nogil(c);  // interruptible; printing then finds the data ready
  std::ostringstream os;
  {
    nb::gil_scoped_release nogil;
    os << a;
  }
  return os.str();
}

array scalar_item_check(array& a, const char* op) {
  if (a.size() != 1) {
    throw std::invalid_argument(std::string("[") + op +
                                "] Only size-1 arrays can be converted to a "
                                "Python scalar; got shape " +
                                shape_str(a.shape()) + ".");
  }
  eval_nogil(a);
  return a;
}

// Buffer protocol: exports the evaluated data with byte strides.
struct BufferInfo {
  std::vector<Py_ssize_t> shape, strides;
  std::string format;
};

int array_getbuffer(PyObject* obj, Py_buffer* view, int flags) {
  if (!nb::inst_ready(obj)) {
    PyErr_SetString(PyExc_BufferError, "array is not initialised");
    return -1;
  }
  array& a = *nb::inst_ptr<array>(obj);
  char fmt = buffer_format(a.dtype());
  if (fmt == 0) {
    PyErr_SetString(PyExc_TypeError,
                    "bfloat16 arrays cannot be exported through the buffer "
                    "protocol; convert to float32 first.");
    return -1;
  }
  try {
    eval_nogil(a);
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return -1;
  }
  auto* info = new BufferInfo();
  info->format = fmt == 'Z' ? "Zf" : std::string(1, fmt);
  for (int i = 0; i < a.ndim(); ++i) {
    info->shape.push_back(a.shape()[i]);
    info->strides.push_back(a.strides()[i] * Py_ssize_t(a.itemsize()));
  }
  view->buf = a.raw_data();
  view->obj = obj;
  Py_INCREF(obj);
  view->len = Py_ssize_t(a.nbytes());
  view->readonly = 0;
  view->itemsize = Py_ssize_t(a.itemsize());
  view->format = (flags & PyBUF_FORMAT) ? info->format.data() : nullptr;
  view->ndim = a.ndim();
  view->shape = info->shape.data();
  view->strides = info->strides.data();
  view->suboffsets = nullptr;
  view->internal = info;
  return 0;
}

void array_releasebuffer(PyObject*, Py_buffer* view) {
  delete static_cast<BufferInfo*>(view->internal);
}

PyType_Slot array_slots[] = {
    {Py_bf_getbuffer, (void*)array_getbuffer},
    {Py_bf_releasebuffer, (void*)array_releasebuffer},
    {0, nullptr}};

}  // namespace

void init_array(nb::module_& m) {
  nb::class_<array> cls(m, "array", nb::type_slots(array_slots),
                        "An N-dimensional array (lazily evaluated).");
  cls.def(
         "__init__",
         [](array* self, nb::handle val, std::optional<Dtype> dtype) {
           new (self) array(to_array(val, dtype));
         },
         "val"_a, "dtype"_a = nb::none(),
         R"(Creates an array from a scalar, nested list, NumPy array or array.

Args:
    val: bool/int/float/complex scalar, (nested) list or tuple, NumPy or
        DLPack array, or another array.
    dtype (Dtype | None): The element type; inferred when None.

Example:
    >>> import ember.core as mx
    >>> mx.array([[1, 2], [3, 4]]).shape
    (2, 2))")
      .def_prop_ro("shape",
                   [](const array& a) {
                     nb::list l;
                     for (auto d : a.shape()) l.append(d);
                     return nb::tuple(l);
                   },
                   "The array's dimensions as a tuple.")
      .def_prop_ro("ndim", &array::ndim, "Number of dimensions.")
      .def_prop_ro("size", &array::size, "Number of elements.")
      .def_prop_ro("itemsize", &array::itemsize, "Bytes per element.")
      .def_prop_ro("nbytes", &array::nbytes, "Total bytes of the elements.")
      .def_prop_ro("dtype", &array::dtype, "The element type.")
      .def(
          "item",
          [](array& a) {
            scalar_item_check(a, "item");
            // The single element may sit at any offset of a strided view.
            return element_to_python(a, 0);
          },
          R"(The value of a size-1 array as a Python scalar.

Returns:
    bool | int | float | complex

Example:
    >>> import ember.core as mx
    >>> mx.array([2.5]).item()
    2.5)")
      .def("tolist", [](array& a) { return to_list(a); },
           R"(The array's values as nested lists (a scalar for 0-d arrays).

Returns:
    list | bool | int | float | complex

Example:
    >>> import ember.core as mx
    >>> mx.array([[1, 2]]).tolist()
    [[1, 2]])")
      .def(
          "astype",
          [](const array& a, Dtype d, StreamOrDevice s) { return astype(a, d, s); },
          "dtype"_a, "stream"_a = nb::none(),
          R"(Casts the array to a dtype.

Args:
    dtype (Dtype): Target type.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.array([1.7]).astype(mx.int32).item()
    1)")
      .def("__array__", &to_numpy, "dtype"_a = nb::none(), "copy"_a = nb::none(),
           "Converts to a NumPy array (no copy where possible).")
      .def(
          "__dlpack__",
          [](const array& a, nb::kwargs kwargs) -> nb::object {
            // NumPy's exporter handles versioned capsules and writability;
            // bfloat16 (unknown to NumPy) goes out as a plain DLPack capsule.
            if (a.dtype() != Dtype::bfloat16) {
              return to_numpy(a, nb::none(), std::nullopt).attr("__dlpack__")(**kwargs);
            }
            return nb::cast(make_ndarray<>(a), nb::rv_policy::reference);
          },
          "Exports the array as a DLPack capsule.")
      .def("__dlpack_device__",
           [](const array&) { return nb::make_tuple(1, 0); },
           "DLPack device: (kDLCPU, 0).")
      .def("__array_namespace__",
           [](const array&, nb::handle) { return nb::module_::import_("ember.core"); },
           "api_version"_a = nb::none())
      .def("__repr__", &repr)
      .def("__str__", &repr)
      .def("__format__",
           [](array& a, const std::string& spec) -> nb::object {
             if (spec.empty()) return nb::str(repr(a).c_str());
             if (a.ndim() != 0) {
               throw nb::type_error("[format] Format specs are only supported for 0-d arrays.");
             }
             eval_nogil(a);
             return nb::module_::import_("builtins").attr("format")(element_to_python(a, 0), spec);
           })
      .def("__len__",
           [](const array& a) {
             if (a.ndim() == 0) throw nb::type_error("len() of a 0-d array");
             return a.shape()[0];
           })
      .def("__bool__",
           [](array& a) {
             scalar_item_check(a, "__bool__");
             return nb::cast<bool>(nb::module_::import_("builtins").attr("bool")(element_to_python(a, 0)));
           })
      .def("__int__",
           [](array& a) {
             scalar_item_check(a, "__int__");
             return nb::module_::import_("builtins").attr("int")(element_to_python(a, 0));
           })
      .def("__index__",
           [](array& a) {
             if (!is_integral(a.dtype()) && a.dtype() != Dtype::bool_) {
               throw nb::type_error("only integer arrays can be used as an index");
             }
             scalar_item_check(a, "__index__");
             return nb::module_::import_("builtins").attr("int")(element_to_python(a, 0));
           })
      .def("__float__",
           [](array& a) {
             scalar_item_check(a, "__float__");
             return nb::module_::import_("builtins").attr("float")(element_to_python(a, 0));
           })
      .def("__complex__",
           [](array& a) {
             scalar_item_check(a, "__complex__");
             return nb::module_::import_("builtins").attr("complex")(element_to_python(a, 0));
           })
      .def("__hash__", [](nb::handle self) { return (intptr_t)self.ptr(); })
      .def("__copy__", [](const array& a) { return array(a); })
      .def("__deepcopy__", [](const array& a, nb::handle) { return ember::copy(a); },
           "memo"_a)
      .def("__getstate__",
           [](const array& a) {
             // NumPy payload plus the dtype enum; bf16 travels as uint16 bits.
             array p = a.dtype() == Dtype::bfloat16 ? array(a) : a;
             nb::object payload;
             if (a.dtype() == Dtype::bfloat16) {
               array c = contiguous(a);
               eval_nogil(c);
               auto* keep = new array(c);
               nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<array*>(p); });
               std::vector<size_t> shape(c.shape().begin(), c.shape().end());
               nb::ndarray<nb::numpy, uint16_t> nd(c.raw_data(), c.ndim(), shape.data(), owner);
               payload = nb::cast(nd).attr("copy")();
             } else {
               payload = to_numpy(a, nb::none(), true);
             }
             return nb::make_tuple(payload, int(a.dtype()));
           })
      .def("__setstate__",
           [](array* self, nb::tuple state) {
             Dtype d = Dtype(nb::cast<int>(state[1]));
             if (d == Dtype::bfloat16) {
               nb::ndarray<nb::ro, uint16_t, nb::c_contig> nd =
                   nb::cast<nb::ndarray<nb::ro, uint16_t, nb::c_contig>>(state[0]);
               Shape shape;
               for (size_t i = 0; i < nd.ndim(); ++i) shape.push_back(ShapeElem(nd.shape(i)));
               new (self) array(nd.data(), shape, Dtype::bfloat16);
             } else {
               new (self) array(to_array(state[0], d));
             }
           });

  init_array_methods(cls);

  m.def(
      "asarray",
      [](nb::handle a, std::optional<Dtype> dtype, std::optional<bool> copy) {
        return asarray(a, dtype, copy);
      },
      nb::arg(), "dtype"_a = nb::none(), nb::kw_only(), "copy"_a = nb::none(),
      R"(Converts the input to an array, sharing memory when possible.

Args:
    a: Array-like input (array, NumPy/DLPack array, list, scalar).
    dtype (Dtype | None): Requested type.
    copy (bool | None): True always copies, False never does (error if a
        copy is needed), None copies only when needed.

Returns:
    array

Example:
    >>> import ember.core as mx, numpy as np
    >>> mx.asarray(np.arange(3)).tolist()
    [0, 1, 2])");
  m.def(
      "from_dlpack",
      [](nb::handle x, std::optional<bool> copy) {
        return asarray(x, std::nullopt, copy);
      },
      nb::arg(), nb::kw_only(), "copy"_a = nb::none(),
      R"(Creates an array from an object with ``__dlpack__`` (zero copy when
the layout allows).

Args:
    x: The DLPack producer.
    copy (bool | None): As in ``asarray``.

Returns:
    array

Example:
    >>> import ember.core as mx, numpy as np
    >>> mx.from_dlpack(np.ones(2, np.float32)).tolist()
    [1.0, 1.0])");
}

}  // namespace ember::py
