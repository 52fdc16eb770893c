// Conversion of Python values (scalars, nested lists, NumPy/DLPack arrays)
// into ember arrays and back. Weak-scalar rules follow spec/core.md §1.2.
#include <nanobind/ndarray.h>

#include <climits>
#include <complex>
#include <cstring>
#include <limits>

#include "utils.h"

namespace ember::py {

namespace {

nb::handle g_dtype_objects[kNumDtypes];

enum Kind { kBool = 0, kInt = 1, kFloat = 2, kComplex = 3 };

bool is_bool(nb::handle h) { return PyBool_Check(h.ptr()); }
bool is_int(nb::handle h) { return PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr()); }
bool is_float(nb::handle h) { return PyFloat_Check(h.ptr()); }
bool is_complex_obj(nb::handle h) { return PyComplex_Check(h.ptr()); }
bool is_seq(nb::handle h) { return PyList_Check(h.ptr()) || PyTuple_Check(h.ptr()); }

std::string py_type_name(nb::handle h) {
  return nb::cast<std::string>(nb::str(nb::handle((PyObject*)Py_TYPE(h.ptr())).attr("__name__")));
}

// Reads a Python int as int64 (or uint64 when it only fits there).
struct PyInt {
  bool is_unsigned = false;
  int64_t i = 0;
  uint64_t u = 0;
};
[[noreturn]] void int_too_big(nb::handle h) {
  throw std::overflow_error("[array] Python int " +
                            nb::cast<std::string>(nb::str(h)) +
                            " is out of the int64/uint64 range.");
}

PyInt read_int_checked(nb::handle h) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
  PyInt r;
  if (overflow == 0) {
    r.i = v;
    return r;
  }
  if (overflow > 0) {
    unsigned long long u = PyLong_AsUnsignedLongLong(h.ptr());
    if (!PyErr_Occurred()) {
      r.is_unsigned = true;
      r.u = u;
      return r;
    }
    PyErr_Clear();
  }
  int_too_big(h);
}

array int_scalar(const PyInt& v, Dtype d) {
  return v.is_unsigned ? array(v.u, d) : array(v.i, d);
}

// The 0-d arrays that Python scalars become in binary operations (`y + 1`)
// are kept per thread and reused: arrays are immutable values and a cached
// one is never donated (the cache holds a reference), so sharing it is
// invisible, while making one costs a buffer, descriptors and, on the GPU,
// a constant lookup per op. Direct-mapped: a colliding value replaces the
// slot's entry.
struct ScalarSlot {
  uint64_t bits = 0;
  int kind = -1;  // 0: signed int, 1: unsigned int, 2: float, 3: bool
  Dtype dtype = Dtype::float32;
  std::optional<array> value;
};

template <typename Make>
array cached_scalar(uint64_t bits, int kind, Dtype d, Make make) {
  constexpr size_t kSlots = 64;
  thread_local ScalarSlot slots[kSlots];
  uint64_t h = (bits ^ (uint64_t(kind) << 56) ^ (uint64_t(d) << 48)) * 0x9e3779b97f4a7c15ULL;
  ScalarSlot& s = slots[h >> 58];
  if (s.value && s.bits == bits && s.kind == kind && s.dtype == d) return *s.value;
  array a = make();
  s.bits = bits;
  s.kind = kind;
  s.dtype = d;
  s.value = a;
  return a;
}

array weak_int(const PyInt& v, Dtype d) {
  return cached_scalar(v.is_unsigned ? v.u : uint64_t(v.i), v.is_unsigned ? 1 : 0,
                       d, [&] { return int_scalar(v, d); });
}

// Default dtype of a lone Python int: int32, int64 outside the int32 range.
Dtype default_int_dtype(const PyInt& v) {
  if (v.is_unsigned) return Dtype::uint64;
  return (v.i < INT32_MIN || v.i > INT32_MAX) ? Dtype::int64 : Dtype::int32;
}

array scalar_default(nb::handle h, std::optional<Dtype> dtype) {
  if (is_bool(h)) return array(h.ptr() == Py_True, dtype.value_or(Dtype::bool_));
  if (is_int(h)) {
    auto v = read_int_checked(h);
    return int_scalar(v, dtype.value_or(default_int_dtype(v)));
  }
  if (is_float(h)) {
    double v = PyFloat_AS_DOUBLE(h.ptr());
    if (dtype && *dtype == Dtype::float64) return array(v, Dtype::float64);
    return array(v, dtype.value_or(Dtype::float32));
  }
  Py_complex c = PyComplex_AsCComplex(h.ptr());
  return array(complex64_t(float(c.real), float(c.imag)),
               dtype.value_or(Dtype::complex64));
}

// ---- nested lists ----

struct ListInfo {
  Shape shape;
  int leaf_depth = -1;
  int kind = kBool;
  bool any_array = false;
  bool any_scalar = false;
  bool big_int = false;
  bool uint64_int = false;
  std::vector<nb::handle> leaves;
};

void walk_list(nb::handle obj, int depth, ListInfo& info) {
  if (is_seq(obj)) {
    if (info.leaf_depth >= 0 && depth >= info.leaf_depth) {
      throw std::invalid_argument(
          "[array] Initialization encountered non-uniform length.");
    }
    size_t n = nb::len(obj);
    if (int(info.shape.size()) == depth) {
      if (n > size_t(INT32_MAX)) {
        throw std::overflow_error("[array] List too long.");
      }
      info.shape.push_back(ShapeElem(n));
    } else if (info.shape[depth] != ShapeElem(n)) {
      throw std::invalid_argument(
          "[array] Initialization encountered non-uniform length.");
    }
    if (n == 0) {
      // An empty list ends the nesting at this depth.
      if (info.leaf_depth < 0) {
        info.leaf_depth = depth + 1;
      } else if (info.leaf_depth != depth + 1) {
        throw std::invalid_argument(
            "[array] Initialization encountered non-uniform length.");
      }
      return;
    }
    for (nb::handle item : obj) walk_list(item, depth + 1, info);
    return;
  }
  if (info.leaf_depth < 0) {
    info.leaf_depth = depth;
  } else if (info.leaf_depth != depth) {
    throw std::invalid_argument(
        "[array] Initialization encountered non-uniform length.");
  }
  if (nb::isinstance<array>(obj)) {
    info.any_array = true;
  } else if (is_bool(obj)) {
    info.any_scalar = true;
  } else if (is_int(obj)) {
    info.any_scalar = true;
    info.kind = std::max(info.kind, int(kInt));
    auto v = read_int_checked(obj);
    if (v.is_unsigned) info.uint64_int = true;
    else if (v.i < INT32_MIN || v.i > INT32_MAX) info.big_int = true;
  } else if (is_float(obj)) {
    info.any_scalar = true;
    info.kind = std::max(info.kind, int(kFloat));
  } else if (is_complex_obj(obj)) {
    info.any_scalar = true;
    info.kind = std::max(info.kind, int(kComplex));
  } else {
    throw std::invalid_argument(
        "[array] Invalid type " + py_type_name(obj) +
        " received in array initialization; expected bool, int, float, "
        "complex or array leaves.");
  }
  info.leaves.push_back(obj);
}

array list_to_array(nb::handle obj, std::optional<Dtype> dtype) {
  ListInfo info;
  walk_list(obj, 0, info);
  if (info.any_array && info.any_scalar) {
    throw std::invalid_argument(
        "[array] Initialization mixes arrays and scalars in one list.");
  }
  if (info.any_array) {
    // Leaves are arrays of one shape: the result stacks them.
    std::vector<array> leaves;
    for (auto h : info.leaves) leaves.push_back(nb::cast<array>(h));
    Shape leaf_shape = leaves[0].shape();
    Dtype d = leaves[0].dtype();
    for (auto& l : leaves) {
      if (l.shape() != leaf_shape) {
        throw std::invalid_argument(
            "[array] Initialization encountered non-uniform length.");
      }
      d = promote_types(d, l.dtype());
    }
    if (dtype) d = *dtype;
    Shape shape = info.shape;
    shape.insert(shape.end(), leaf_shape.begin(), leaf_shape.end());
    std::vector<array> parts;
    for (auto& l : leaves) parts.push_back(contiguous(astype(l, d)));
    eval_nogil(parts);
    size_t chunk = shape_size(leaf_shape) * size_of(d);
    Buffer buf = allocator::malloc(std::max<size_t>(1, chunk * parts.size()));
    for (size_t i = 0; i < parts.size(); ++i) {
      if (chunk) {
        std::memcpy(static_cast<char*>(buf.ptr) + i * chunk,
                    parts[i].raw_data(), chunk);
      }
    }
    return array(buf, shape, d);
  }
  Shape shape = info.shape;
  size_t n = info.leaves.size();
  switch (info.kind) {
    case kBool: {
      Dtype d = dtype.value_or(info.leaves.empty() ? Dtype::float32 : Dtype::bool_);
      std::vector<bool> v(n);
      for (size_t i = 0; i < n; ++i) v[i] = info.leaves[i].ptr() == Py_True;
      return array(v, shape, d);
    }
    case kInt: {
      Dtype d = dtype.value_or(info.uint64_int ? Dtype::uint64
                               : info.big_int ? Dtype::int64
                                              : Dtype::int32);
      if (info.uint64_int) {
        std::vector<uint64_t> v(n);
        for (size_t i = 0; i < n; ++i) {
          auto h = info.leaves[i];
          if (is_bool(h)) { v[i] = h.ptr() == Py_True; continue; }
          auto x = read_int_checked(h);
          v[i] = x.is_unsigned ? x.u : uint64_t(x.i);
        }
        return array(v, shape, d);
      }
      std::vector<int64_t> v(n);
      for (size_t i = 0; i < n; ++i) {
        auto h = info.leaves[i];
        v[i] = is_bool(h) ? int64_t(h.ptr() == Py_True) : read_int_checked(h).i;
      }
      return array(v, shape, d);
    }
    case kFloat: {
      Dtype d = dtype.value_or(Dtype::float32);
      std::vector<double> v(n);
      for (size_t i = 0; i < n; ++i) {
        auto h = info.leaves[i];
        if (is_float(h)) v[i] = PyFloat_AS_DOUBLE(h.ptr());
        else if (is_bool(h)) v[i] = h.ptr() == Py_True;
        else v[i] = PyLong_AsDouble(h.ptr());
      }
      return array(v, shape, d);
    }
    default: {
      Dtype d = dtype.value_or(Dtype::complex64);
      std::vector<complex64_t> v(n);
      for (size_t i = 0; i < n; ++i) {
        Py_complex c = PyComplex_AsCComplex(info.leaves[i].ptr());
        v[i] = complex64_t(float(c.real), float(c.imag));
      }
      return array(v, shape, d);
    }
  }
}

// ---- NumPy / DLPack ----

using AnyArray = nb::ndarray<nb::ro>;

std::optional<Dtype> dl_to_dtype(const nb::dlpack::dtype& t) {
  using nb::dlpack::dtype_code;
  auto code = dtype_code(t.code);
  int bits = t.bits;
  if (t.lanes != 1) return std::nullopt;
  switch (code) {
    case dtype_code::Bool: return Dtype::bool_;
    case dtype_code::Int:
      switch (bits) {
        case 8: return Dtype::int8;
        case 16: return Dtype::int16;
        case 32: return Dtype::int32;
        case 64: return Dtype::int64;
      }
      break;
    case dtype_code::UInt:
      switch (bits) {
        case 8: return Dtype::uint8;
        case 16: return Dtype::uint16;
        case 32: return Dtype::uint32;
        case 64: return Dtype::uint64;
      }
      break;
    case dtype_code::Float:
      switch (bits) {
        case 16: return Dtype::float16;
        case 32: return Dtype::float32;
        case 64: return Dtype::float64;
      }
      break;
    case dtype_code::Bfloat:
      if (bits == 16) return Dtype::bfloat16;
      break;
    case dtype_code::Complex:
      if (bits == 64) return Dtype::complex64;
      if (bits == 128) return Dtype::complex64;  // converted below
      break;
    default: break;
  }
  return std::nullopt;
}

bool is_complex128(const nb::dlpack::dtype& t) {
  return nb::dlpack::dtype_code(t.code) == nb::dlpack::dtype_code::Complex &&
         t.bits == 128;
}

// Copies an arbitrarily strided foreign buffer into a row-major one.
void strided_copy(const char* src, char* dst, const std::vector<int64_t>& shape,
                  const std::vector<int64_t>& strides_bytes, size_t itemsize) {
  size_t n = 1;
  for (auto d : shape) n *= size_t(d);
  if (n == 0) return;
  int nd = int(shape.size());
  std::vector<int64_t> idx(nd, 0);
  int64_t off = 0;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(dst + i * itemsize, src + off, itemsize);
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        off += strides_bytes[d];
        break;
      }
      off -= strides_bytes[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

bool ndarray_is_row_contiguous(const AnyArray& nd) {
  int64_t expected = 1;
  for (int i = int(nd.ndim()) - 1; i >= 0; --i) {
    if (nd.shape(i) != 1 && nd.stride(i) != expected) return false;
    expected *= int64_t(nd.shape(i));
  }
  return true;
}

Shape nd_shape(const AnyArray& nd) {
  Shape shape;
  for (size_t i = 0; i < nd.ndim(); ++i) {
    if (nd.shape(i) > size_t(INT32_MAX)) {
      throw std::overflow_error("[array] Dimension too large for int32 shapes.");
    }
    shape.push_back(ShapeElem(nd.shape(i)));
  }
  return shape;
}

// Copy of a foreign array; float64/complex128 become float32/complex64
// unless `dtype` says otherwise.
array ndarray_to_array(const AnyArray& nd, std::optional<Dtype> dtype) {
  if (nd.device_type() != nb::device::cpu::value) {
    throw std::invalid_argument(
        "[array] Only CPU-resident DLPack/NumPy arrays can be converted.");
  }
  auto src_dt = dl_to_dtype(nd.dtype());
  if (!src_dt) {
    throw std::invalid_argument("[array] Unsupported NumPy/DLPack dtype (code " +
                                std::to_string(int(nd.dtype().code)) + ", " +
                                std::to_string(int(nd.dtype().bits)) +
                                " bits).");
  }
  Shape shape = nd_shape(nd);
  size_t itemsize = nd.dtype().bits / 8;
  std::vector<int64_t> sh, st;
  for (size_t i = 0; i < nd.ndim(); ++i) {
    sh.push_back(int64_t(nd.shape(i)));
    st.push_back(nd.stride(i) * int64_t(itemsize));
  }
  size_t n = shape_size(shape);
  Buffer buf = allocator::malloc(std::max<size_t>(1, n * itemsize));
  {
    nb::gil_scoped_release nogil;
    strided_copy(static_cast<const char*>(nd.data()), static_cast<char*>(buf.ptr),
                 sh, st, itemsize);
  }
  Dtype target = dtype.value_or(*src_dt == Dtype::float64 ? Dtype::float32 : *src_dt);
  if (is_complex128(nd.dtype())) {
    // complex128 -> complex64 by hand: ember has no complex128.
    Buffer out = allocator::malloc(std::max<size_t>(1, n * 8));
    auto* s = static_cast<const std::complex<double>*>(buf.ptr);
    auto* d = static_cast<complex64_t*>(out.ptr);
    for (size_t i = 0; i < n; ++i) d[i] = complex64_t(float(s[i].real()), float(s[i].imag()));
    allocator::free(buf);
    array a(out, shape, Dtype::complex64);
    return dtype ? astype(a, *dtype) : a;
  }
  array a(buf, shape, *src_dt);
  return target == *src_dt ? a : astype(a, target);
}

bool try_ndarray(nb::handle obj, AnyArray& nd) {
  return nb::try_cast<AnyArray>(obj, nd, false);
}

nb::object array_protocol(nb::handle obj) {
  if (nb::hasattr(obj, "__ember_array__")) return obj.attr("__ember_array__")();
  if (nb::hasattr(obj, "__mlx_array__")) return obj.attr("__mlx_array__")();
  return nb::object();
}

}  // namespace

nb::handle g_core_module;
nb::handle core_module() { return g_core_module; }
void set_core_module(nb::handle m) { g_core_module = m; }

nb::handle dtype_object(Dtype d) { return g_dtype_objects[int(d)]; }
void register_dtype_object(Dtype d, nb::handle h) { g_dtype_objects[int(d)] = h; }

bool is_py_scalar(nb::handle obj) {
  return PyBool_Check(obj.ptr()) || PyLong_Check(obj.ptr()) ||
         PyFloat_Check(obj.ptr()) || PyComplex_Check(obj.ptr());
}

bool is_array_like(nb::handle obj) {
  if (nb::isinstance<array>(obj) || is_py_scalar(obj) || is_seq(obj)) return true;
  if (nb::hasattr(obj, "__ember_array__") || nb::hasattr(obj, "__mlx_array__")) return true;
  AnyArray nd;
  return try_ndarray(obj, nd);
}

array to_array(nb::handle obj, std::optional<Dtype> dtype) {
  if (nb::isinstance<array>(obj)) {
    array a = nb::cast<array>(obj);
    return dtype ? astype(a, *dtype) : a;
  }
  if (is_py_scalar(obj)) return scalar_default(obj, dtype);
  if (is_seq(obj)) return list_to_array(obj, dtype);
  if (auto o = array_protocol(obj); o.is_valid()) {
    if (!nb::isinstance<array>(o)) {
      throw std::invalid_argument("[array] __mlx_array__ must return an array.");
    }
    return to_array(o, dtype);
  }
  AnyArray nd;
  if (try_ndarray(obj, nd)) return ndarray_to_array(nd, dtype);
  // NumPy scalars and other objects exposing __array__.
  if (nb::hasattr(obj, "__array__")) {
    nb::object conv = obj.attr("__array__")();
    if (try_ndarray(conv, nd)) return ndarray_to_array(nd, dtype);
  }
  throw nb::type_error(("[array] Cannot convert object of type " + py_type_name(obj) +
                        " to an array.").c_str());
}

array to_array_weak(nb::handle obj, Dtype other, const char* op) {
  if (nb::isinstance<array>(obj)) return nb::cast<array>(obj);
  if (is_bool(obj)) {
    bool b = obj.ptr() == Py_True;
    return cached_scalar(b, 3, other, [&] { return array(b, other); });
  }
  if (is_int(obj)) {
    auto v = read_int_checked(obj);
    if (other == Dtype::bool_) return weak_int(v, default_int_dtype(v));
    if (is_integral(other) && size_of(other) <= 4) {
      int64_t lo = 0, hi = 0;
      dispatch_all(other, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          lo = int64_t(std::numeric_limits<T>::min());
          hi = int64_t(std::numeric_limits<T>::max());
        }
      });
      if (v.is_unsigned || v.i < lo || v.i > hi) {
        throw std::invalid_argument(
            std::string("[") + op + "] Converting " +
            nb::cast<std::string>(nb::str(obj)) + " to " + dtype_name(other) +
            " would result in overflow.");
      }
    }
    return weak_int(v, other);
  }
  if (is_float(obj)) {
    double v = PyFloat_AS_DOUBLE(obj.ptr());
    Dtype d = is_floating_point(other) ? other : Dtype::float32;
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));
    return cached_scalar(bits, 2, d, [&] { return array(v, d); });
  }
  if (is_complex_obj(obj)) return scalar_default(obj, std::nullopt);
  if (is_seq(obj)) return to_array(obj);
  if (auto o = array_protocol(obj); o.is_valid()) return to_array(o);
  AnyArray nd;
  if (try_ndarray(obj, nd)) return ndarray_to_array(nd, other);
  return to_array(obj);
}

std::pair<array, array> to_arrays(nb::handle a, nb::handle b, const char* op) {
  bool a_arr = nb::isinstance<array>(a);
  bool b_arr = nb::isinstance<array>(b);
  if (a_arr && b_arr) return {nb::cast<array>(a), nb::cast<array>(b)};
  if (a_arr) {
    array x = nb::cast<array>(a);
    return {x, to_array_weak(b, x.dtype(), op)};
  }
  if (b_arr) {
    array y = nb::cast<array>(b);
    return {to_array_weak(a, y.dtype(), op), y};
  }
  // Neither is an ember array: strong ones (lists, __mlx_array__) decide.
  bool a_weak = is_py_scalar(a), b_weak = is_py_scalar(b);
  if (a_weak && !b_weak) {
    array y = to_array(b);
    return {to_array_weak(a, y.dtype(), op), y};
  }
  if (b_weak && !a_weak) {
    array x = to_array(a);
    return {x, to_array_weak(b, x.dtype(), op)};
  }
  return {to_array(a), to_array(b)};
}

array asarray(nb::handle obj, std::optional<Dtype> dtype, std::optional<bool> copy) {
  bool must_copy = copy.value_or(false);
  bool never_copy = copy.has_value() && !*copy;
  if (nb::isinstance<array>(obj)) {
    array a = nb::cast<array>(obj);
    if (dtype && *dtype != a.dtype()) {
      if (never_copy) {
        throw std::invalid_argument(
            "[asarray] A dtype change requires a copy but copy=False.");
      }
      return astype(a, *dtype);
    }
    return must_copy ? ember::copy(a) : a;
  }
  AnyArray nd;
  if (!is_py_scalar(obj) && !is_seq(obj) && try_ndarray(obj, nd)) {
    auto src = dl_to_dtype(nd.dtype());
    bool same_type = src && !is_complex128(nd.dtype()) && (!dtype || *dtype == *src);
    bool shareable = same_type && !must_copy &&
                     nd.device_type() == nb::device::cpu::value &&
                     ndarray_is_row_contiguous(nd);
    if (shareable) {
      // Keep the foreign owner alive until the last view of the data dies.
      auto* keep = new AnyArray(nd);
      return array(const_cast<void*>(nd.data()), nd_shape(nd), *src,
                   [keep](void*) {
                     if (!Py_IsInitialized() || _Py_IsFinalizing()) return;
                     nb::gil_scoped_acquire gil;
                     delete keep;
                   });
    }
    if (never_copy) {
      throw std::invalid_argument(
          "[asarray] Cannot share the memory of this object (layout or dtype) "
          "and copy=False.");
    }
    return ndarray_to_array(nd, dtype ? dtype : src);
  }
  if (never_copy) {
    throw std::invalid_argument(
        "[asarray] Converting a Python object requires a copy but copy=False.");
  }
  return to_array(obj, dtype);
}

namespace {
// Waits with the GIL released, waking every 50 ms to run Python's signal
// handlers (a no-op off the main thread). Ctrl-C then raises
// KeyboardInterrupt while the queued work finishes in the background: its
// arrays stay scheduled and a later read waits for them, so nothing is lost.
void wait_interruptible(array& a) {
  while (a.status() == Status::scheduled) {
    bool done;
    {
      nb::gil_scoped_release nogil;
      done = scheduler::wait_for(a.event_stream(), a.event_seq(),
                                 std::chrono::milliseconds(50));
    }
    if (done) break;
    if (PyErr_CheckSignals() != 0) throw nb::python_error();
  }
  if (a.status() == Status::available) {
    a.wait();  // rethrows an eval error
    return;
  }
  nb::gil_scoped_release nogil;  // marks it available (GPU: waits for kernels)
  a.wait();
}
}  // namespace

void eval_nogil(array& a) {
  if (a.status() == Status::unscheduled) {
    nb::gil_scoped_release nogil;
    ember::async_eval({a});
  }
  wait_interruptible(a);
}

void eval_nogil(std::vector<array>& arrs) {
  bool pending = false;
  for (auto& a : arrs) pending = pending || a.status() == Status::unscheduled;
  if (pending) {
    nb::gil_scoped_release nogil;
    ember::async_eval(arrs);
  }
  std::exception_ptr first;
  for (auto& a : arrs) {
    try {
      wait_interruptible(a);
    } catch (nb::python_error&) {
      throw;
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

void tree_arrays(nb::handle tree, std::vector<array>& out) {
  if (nb::isinstance<array>(tree)) {
    out.push_back(nb::cast<array>(tree));
  } else if (PyList_Check(tree.ptr()) || PyTuple_Check(tree.ptr())) {
    for (nb::handle h : tree) tree_arrays(h, out);
  } else if (PyDict_Check(tree.ptr())) {
    nb::dict d = nb::borrow<nb::dict>(tree);
    for (auto [k, v] : d) tree_arrays(v, out);
  } else if (nb::isinstance<RandomState>(tree)) {
    out.push_back(random::get_state());
  }
}

nb::object element_to_python(const array& a, int64_t offset) {
  nb::object r;
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T v = a.data<T>()[offset];
    if constexpr (std::is_same_v<T, bool>) {
      r = nb::bool_(v);
    } else if constexpr (std::is_same_v<T, complex64_t>) {
      r = nb::steal(PyComplex_FromDoubles(v.real(), v.imag()));
    } else if constexpr (std::is_same_v<T, float16_t> ||
                         std::is_same_v<T, bfloat16_t>) {
      r = nb::float_(double(float(v)));
    } else if constexpr (std::is_floating_point_v<T>) {
      r = nb::float_(double(v));
    } else if constexpr (std::is_unsigned_v<T>) {
      r = nb::steal(PyLong_FromUnsignedLongLong((unsigned long long)v));
    } else {
      r = nb::steal(PyLong_FromLongLong((long long)v));
    }
  });
  return r;
}

namespace {
nb::object list_rec(const array& a, int dim, int64_t offset) {
  if (dim == a.ndim()) return element_to_python(a, offset);
  nb::list l;
  int64_t st = a.strides()[dim];
  for (int i = 0; i < a.shape()[dim]; ++i) {
    l.append(list_rec(a, dim + 1, offset + i * st));
  }
  return l;
}
}  // namespace

nb::object to_list(array& a) {
  eval_nogil(a);
  return list_rec(a, 0, 0);
}

std::optional<std::vector<int>> to_axes(nb::handle axis) {
  if (axis.is_none()) return std::nullopt;
  if (PyLong_Check(axis.ptr())) return std::vector<int>{nb::cast<int>(axis)};
  std::vector<int> out;
  for (nb::handle h : axis) out.push_back(nb::cast<int>(h));
  return out;
}

Shape to_shape(nb::handle shape, const char* op) {
  Shape out;
  auto get = [&](nb::handle h) {
    int64_t v = nb::cast<int64_t>(h);
    if (v > INT32_MAX || v < INT32_MIN) {
      throw std::overflow_error(std::string("[") + op +
                                "] Shape dimension " + std::to_string(v) +
                                " does not fit in int32.");
    }
    return ShapeElem(v);
  };
  if (PyLong_Check(shape.ptr())) {
    out.push_back(get(shape));
    return out;
  }
  for (nb::handle h : shape) out.push_back(get(h));
  return out;
}

}  // namespace ember::py
