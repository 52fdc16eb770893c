// Dtype objects, categories, promotion helpers, finfo/iinfo (spec/core.md §1).
#include <cmath>
#include <limits>
#include <sstream>

#include "utils.h"

namespace ember::py {

namespace {

struct Finfo {
  int bits;
  double min, max, eps, smallest_normal;
  Dtype dtype;
};

struct Iinfo {
  nb::object min, max;
  Dtype dtype;
};

template <typename T>
Finfo make_finfo(Dtype d, int bits) {
  return Finfo{bits, double(std::numeric_limits<T>::lowest()),
               double(std::numeric_limits<T>::max()),
               double(std::numeric_limits<T>::epsilon()),
               double(std::numeric_limits<T>::min()), d};
}

Finfo finfo_of(Dtype d) {
  switch (d) {
    case Dtype::float16:
      return Finfo{16, -65504.0, 65504.0, std::ldexp(1.0, -10), std::ldexp(1.0, -14), d};
    case Dtype::bfloat16:
      return Finfo{16, -std::ldexp(2.0 - std::ldexp(1.0, -7), 127),
                   std::ldexp(2.0 - std::ldexp(1.0, -7), 127),
                   std::ldexp(1.0, -7), std::ldexp(1.0, -126), d};
    case Dtype::float32: return make_finfo<float>(d, 32);
    case Dtype::float64: return make_finfo<double>(d, 64);
    case Dtype::complex64: {
      auto f = make_finfo<float>(d, 32);
      return f;
    }
    default:
      throw std::invalid_argument(std::string("[finfo] dtype ") + dtype_name(d) +
                                  " is not inexact.");
  }
}

Iinfo iinfo_of(Dtype d) {
  Iinfo r;
  r.dtype = d;
  if (!is_integral(d)) {
    throw std::invalid_argument(std::string("[iinfo] dtype ") + dtype_name(d) +
                                " is not an integer type.");
  }
  dispatch_all(d, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if constexpr (std::is_unsigned_v<T>) {
        r.min = nb::steal(PyLong_FromUnsignedLongLong(0));
        r.max = nb::steal(PyLong_FromUnsignedLongLong(std::numeric_limits<T>::max()));
      } else {
        r.min = nb::steal(PyLong_FromLongLong(std::numeric_limits<T>::min()));
        r.max = nb::steal(PyLong_FromLongLong(std::numeric_limits<T>::max()));
      }
    }
  });
  return r;
}

Dtype dtype_of_arg(nb::handle h, const char* op) {
  if (nb::isinstance<PyDtype>(h)) return nb::inst_ptr<PyDtype>(h)->val;
  return to_array(h).dtype();
}

bool isdtype_kind(Dtype d, nb::handle kind) {
  if (nb::isinstance<PyDtype>(kind)) return nb::inst_ptr<PyDtype>(kind)->val == d;
  if (PyTuple_Check(kind.ptr())) {
    for (nb::handle k : kind) {
      if (isdtype_kind(d, k)) return true;
    }
    return false;
  }
  if (!PyUnicode_Check(kind.ptr())) {
    throw nb::type_error("[isdtype] kind must be a Dtype, a string or a tuple.");
  }
  std::string s = nb::cast<std::string>(kind);
  if (s == "bool") return d == Dtype::bool_;
  if (s == "signed integer") return is_signed_int(d);
  if (s == "unsigned integer") return is_unsigned(d);
  if (s == "integral") return is_integral(d);
  if (s == "real floating") return is_floating_point(d);
  if (s == "complex floating") return is_complex(d);
  if (s == "numeric") return d != Dtype::bool_;
  throw std::invalid_argument("[isdtype] Unknown kind '" + s + "'.");
}

}  // namespace

void init_dtypes(nb::module_& m) {
  nb::class_<PyDtype>(m, "Dtype",
                      "An array element type, e.g. ``ember.core.float32``.")
      .def_prop_ro("size", [](const PyDtype& d) { return size_of(d.val); },
                   "Size of one element in bytes.")
      .def("__repr__", [](const PyDtype& d) {
        return std::string("ember.core.") + dtype_name(d.val);
      })
      .def("__eq__", [](const PyDtype& a, nb::handle b) {
        return nb::isinstance<PyDtype>(b) && nb::inst_ptr<PyDtype>(b)->val == a.val;
      }, "other"_a.none())
      .def("__ne__", [](const PyDtype& a, nb::handle b) {
        return !(nb::isinstance<PyDtype>(b) && nb::inst_ptr<PyDtype>(b)->val == a.val);
      }, "other"_a.none())
      .def("__hash__", [](const PyDtype& d) { return int(d.val); })
      .def("__reduce__", [](const PyDtype& d) {
        // Pickled as a reference to the module attribute (singletons).
        return std::string(d.val == Dtype::bool_ ? "bool_" : dtype_name(d.val));
      });

  for (int i = 0; i < kNumDtypes; ++i) {
    Dtype d = Dtype(i);
    nb::object o = nb::cast(PyDtype{d});
    std::string name = d == Dtype::bool_ ? "bool_" : dtype_name(d);
    m.attr(name.c_str()) = o;
    register_dtype_object(d, o);  // the module keeps the reference
  }

  nb::enum_<DtypeCategory>(m, "DtypeCategory", "Abstract dtype categories.")
      .value("complexfloating", DtypeCategory::complexfloating)
      .value("floating", DtypeCategory::floating)
      .value("inexact", DtypeCategory::inexact)
      .value("signedinteger", DtypeCategory::signedinteger)
      .value("unsignedinteger", DtypeCategory::unsignedinteger)
      .value("integer", DtypeCategory::integer)
      .value("number", DtypeCategory::number)
      .value("generic", DtypeCategory::generic)
      .export_values();

  m.def(
      "issubdtype",
      [](nb::handle a, nb::handle b) {
        bool a_cat = nb::isinstance<DtypeCategory>(a);
        bool b_cat = nb::isinstance<DtypeCategory>(b);
        if (!a_cat && !nb::isinstance<PyDtype>(a)) {
          throw nb::type_error("[issubdtype] Expected a Dtype or DtypeCategory.");
        }
        if (!b_cat && !nb::isinstance<PyDtype>(b)) {
          throw nb::type_error("[issubdtype] Expected a Dtype or DtypeCategory.");
        }
        if (!a_cat && !b_cat) {
          return nb::inst_ptr<PyDtype>(a)->val == nb::inst_ptr<PyDtype>(b)->val;
        }
        if (a_cat && !b_cat) return false;
        DtypeCategory cb = nb::cast<DtypeCategory>(b);
        if (a_cat) return issubdtype(nb::cast<DtypeCategory>(a), cb);
        return issubdtype(nb::inst_ptr<PyDtype>(a)->val, cb);
      },
      "arg1"_a, "arg2"_a,
      R"(Whether ``arg1`` is a subtype of ``arg2`` in the dtype hierarchy.

Args:
    arg1 (Dtype | DtypeCategory): The candidate.
    arg2 (Dtype | DtypeCategory): The dtype or category to test against.

Returns:
    bool

Example:
    >>> import ember.core as mx
    >>> mx.issubdtype(mx.float32, mx.floating)
    True)");

  m.def(
      "isdtype",
      [](Dtype d, nb::handle kind) { return isdtype_kind(d, kind); },
      "dtype"_a, "kind"_a,
      R"(Whether a dtype belongs to a kind (Array API ``isdtype``).

Args:
    dtype (Dtype): The dtype.
    kind: A Dtype, one of ``"bool"``, ``"signed integer"``,
        ``"unsigned integer"``, ``"integral"``, ``"real floating"``,
        ``"complex floating"``, ``"numeric"``, or a tuple of these.

Returns:
    bool

Example:
    >>> import ember.core as mx
    >>> mx.isdtype(mx.int8, "integral")
    True)");

  m.def(
      "result_type",
      [](nb::args args) {
        if (args.size() == 0) {
          throw std::invalid_argument("[result_type] At least one argument is required.");
        }
        Dtype d = dtype_of_arg(args[0], "result_type");
        for (size_t i = 1; i < args.size(); ++i) {
          d = promote_types(d, dtype_of_arg(args[i], "result_type"));
        }
        return d;
      },
      "arrays_or_dtypes"_a,
      R"(Dtype that results from promoting the given arrays and dtypes.

Args:
    *arrays_or_dtypes: Arrays or Dtypes.

Returns:
    Dtype

Example:
    >>> import ember.core as mx
    >>> mx.result_type(mx.int8, mx.float16)
    ember.core.float16)");

  m.def(
      "can_cast",
      [](nb::handle from, Dtype to) {
        Dtype f = dtype_of_arg(from, "can_cast");
        return promote_types(f, to) == to;
      },
      "from_"_a, "to"_a,
      R"(Whether ``from_`` can be cast to ``to`` under the promotion rules.

Args:
    from_ (array | Dtype): Source.
    to (Dtype): Target dtype.

Returns:
    bool

Example:
    >>> import ember.core as mx
    >>> mx.can_cast(mx.int8, mx.int32)
    True)");

  nb::class_<Finfo>(m, "finfo", "Machine limits of a floating point dtype.")
      .def("__init__", [](Finfo* f, Dtype d) { new (f) Finfo(finfo_of(d)); }, "dtype"_a)
      .def_ro("bits", &Finfo::bits)
      .def_ro("min", &Finfo::min)
      .def_ro("max", &Finfo::max)
      .def_ro("eps", &Finfo::eps)
      .def_ro("smallest_normal", &Finfo::smallest_normal)
      .def_ro("dtype", &Finfo::dtype)
      .def("__repr__", [](const Finfo& f) {
        std::ostringstream os;
        os << "finfo(min=" << f.min << ", max=" << f.max << ", dtype=" << f.dtype << ")";
        return os.str();
      });

  nb::class_<Iinfo>(m, "iinfo", "Limits of an integer dtype.")
      .def("__init__", [](Iinfo* f, Dtype d) { new (f) Iinfo(iinfo_of(d)); }, "dtype"_a)
      .def_prop_ro("min", [](const Iinfo& i) { return i.min; })
      .def_prop_ro("max", [](const Iinfo& i) { return i.max; })
      .def_ro("dtype", &Iinfo::dtype)
      .def("__repr__", [](const Iinfo& f) {
        return "iinfo(min=" + nb::cast<std::string>(nb::str(f.min)) + ", max=" +
               nb::cast<std::string>(nb::str(f.max)) + ", dtype=" +
               dtype_name(f.dtype) + ")";
      });
}

}  // namespace ember::py
