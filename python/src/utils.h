// Shared pieces of the Python bindings: type casters for Dtype and
// StreamOrDevice, conversion of Python values to arrays (spec/core.md §1.2,
// §1.3) and evaluation without the GIL.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/tuple.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace ember::py {

/// The Python-visible Dtype object (one singleton per dtype).
struct PyDtype {
  Dtype val;
};
/// `new_thread_local_stream`: stands for a different stream on each thread,
/// created on that thread's first use (devices.cpp).
struct ThreadLocalStream {
  Device device;
  uint64_t id;
  Stream resolve() const;
};
/// The sentinel `ember.core.random.state`: a 1-element list-like view of the
/// calling thread's implicit PRNG key (random.cpp).
struct RandomState {};

/// The extension module (set first thing in module init).
nb::handle core_module();
void set_core_module(nb::handle m);
/// The singleton Python object of a dtype (borrowed from the module).
nb::handle dtype_object(Dtype d);
void register_dtype_object(Dtype d, nb::handle h);

/// Strong conversion (array constructor rules): scalars use default dtypes,
/// lists are parsed, NumPy/DLPack data is copied (float64 -> float32).
array to_array(nb::handle obj, std::optional<Dtype> dtype = std::nullopt);
/// True for Python bool/int/float/complex (weakly typed scalars).
bool is_py_scalar(nb::handle obj);
/// Converts `obj` for a binary operation with an array of dtype `other`:
/// Python scalars and NumPy arrays are weak (§1.2), others strong.
array to_array_weak(nb::handle obj, Dtype other, const char* op);
/// Both operands of a binary function with the weak-scalar rules.
std::pair<array, array> to_arrays(nb::handle a, nb::handle b,
                                  const char* op = "binary");
/// Zero-copy import when possible (`asarray`, `from_dlpack`).
array asarray(nb::handle obj, std::optional<Dtype> dtype,
              std::optional<bool> copy);
/// Is `obj` convertible to an array (array, scalar, list, ndarray, ...)?
bool is_array_like(nb::handle obj);

/// Evaluates with the GIL released (kernels may need it to free buffers);
/// Ctrl-C on the main thread interrupts the wait with KeyboardInterrupt.
void eval_nogil(array& a);
void eval_nogil(std::vector<array>& arrs);
/// Collects every array leaf of a pytree (list/tuple/dict).
void tree_arrays(nb::handle tree, std::vector<array>& out);

/// Python value of element `idx` (row-major logical index) of an evaluated
/// array: bool, int, float or complex.
nb::object element_to_python(const array& a, int64_t offset);
/// Nested list (or scalar for 0-d) of an array's values.
nb::object to_list(array& a);

/// Axis arguments: None, int or sequence of ints.
std::optional<std::vector<int>> to_axes(nb::handle axis);
/// Shape argument: int or sequence of ints.
Shape to_shape(nb::handle shape, const char* op);

}  // namespace ember::py

namespace nanobind::detail {

template <>
struct type_caster<ember::Dtype> {
  NB_TYPE_CASTER(ember::Dtype, const_name("Dtype"))
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept {
    if (!nb::isinstance<ember::py::PyDtype>(src)) return false;
    value = nb::inst_ptr<ember::py::PyDtype>(src)->val;
    return true;
  }
  static handle from_cpp(ember::Dtype d, rv_policy, cleanup_list*) noexcept {
    return ember::py::dtype_object(d).inc_ref();
  }
};

template <>
struct type_caster<ember::StreamOrDevice> {
  NB_TYPE_CASTER(ember::StreamOrDevice,
                 const_name("Stream | ThreadLocalStream | Device | DeviceType | None"))
  bool from_python(handle src, uint8_t, cleanup_list*) noexcept {
    if (src.is_none()) {
      value = std::monostate{};
      return true;
    }
    if (nb::isinstance<ember::Stream>(src)) {
      value = *nb::inst_ptr<ember::Stream>(src);
      return true;
    }
    if (nb::isinstance<ember::Device>(src)) {
      value = *nb::inst_ptr<ember::Device>(src);
      return true;
    }
    if (nb::isinstance<ember::py::ThreadLocalStream>(src)) {
      try {
        value = nb::inst_ptr<ember::py::ThreadLocalStream>(src)->resolve();
      } catch (...) {
        return false;
      }
      return true;
    }
    ember::DeviceType t;
    if (nb::try_cast<ember::DeviceType>(src, t, false)) {
      value = ember::Device(t, 0);
      return true;
    }
    return false;
  }
  static handle from_cpp(const ember::StreamOrDevice&, rv_policy,
                         cleanup_list*) noexcept {
    return none().release();
  }
};

}  // namespace nanobind::detail

namespace ember::py {
// Registration functions of the binding files.
void init_dtypes(nb::module_& m);
void init_array(nb::module_& m);
void init_devices(nb::module_& m);

}  // namespace ember::py
