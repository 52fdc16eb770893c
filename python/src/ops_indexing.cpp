// NumPy-style indexing for `array` (__getitem__, __setitem__, .at[]) and the
// gather/scatter ops of spec/core.md §3 and §10.
#include <algorithm>
#include <climits>

#include "utils.h"

namespace ember::py {

namespace {

// One entry of an index tuple after Ellipsis expansion.
struct Entry {
  enum Kind { kInt, kSlice, kNone, kArray } kind;
  int64_t i = 0;                   // kInt
  int64_t start = 0, stop = 0, step = 1;  // kSlice (raw Python values)
  bool full = false;               // kSlice covering the whole axis
  std::optional<array> arr;        // kArray
};

int64_t clamp32(int64_t v) {
  return std::clamp<int64_t>(v, int64_t(INT32_MIN) + 1, int64_t(INT32_MAX) - 1);
}

int64_t get_index_int(nb::handle h) {
  int64_t v = nb::cast<int64_t>(nb::handle(PyNumber_Index(h.ptr())));
  return v;
}

Entry slice_entry(nb::handle h) {
  Entry e{Entry::kSlice};
  nb::handle start = h.attr("start"), stop = h.attr("stop"), step = h.attr("step");
  e.step = step.is_none() ? 1 : nb::cast<int64_t>(step);
  if (e.step == 0) throw std::invalid_argument("[slice] slice step cannot be zero.");
  if (e.step > 0) {
    e.start = start.is_none() ? 0 : clamp32(nb::cast<int64_t>(start));
    e.stop = stop.is_none() ? INT32_MAX - 1 : clamp32(nb::cast<int64_t>(stop));
  } else {
    e.start = start.is_none() ? INT32_MAX - 1 : clamp32(nb::cast<int64_t>(start));
    e.stop = stop.is_none() ? INT32_MIN + 1 : clamp32(nb::cast<int64_t>(stop));
  }
  e.full = start.is_none() && stop.is_none() && e.step == 1;
  return e;
}

bool is_bool_index(nb::handle h) {
  if (PyBool_Check(h.ptr())) return true;
  if (nb::isinstance<array>(h)) return nb::cast<array>(h).dtype() == Dtype::bool_;
  return false;
}

// Parses `idx` into entries; Ellipsis and missing trailing axes become full
// slices. Lists become integer arrays.
std::vector<Entry> parse_index(const array& a, nb::handle idx, const char* op) {
  std::vector<nb::handle> items;
  nb::object keep;
  if (PyTuple_Check(idx.ptr())) {
    for (nb::handle h : idx) items.push_back(h);
  } else {
    items.push_back(idx);
  }
  std::vector<Entry> entries;
  int consumed = 0, ellipsis = -1;
  std::vector<nb::object> holders;
  for (auto h : items) {
    if (h.ptr() == Py_Ellipsis) {
      if (ellipsis >= 0) throw std::out_of_range(std::string("[") + op + "] An index can only have a single ellipsis.");
      ellipsis = int(entries.size());
      continue;
    }
    if (h.is_none()) {
      entries.push_back(Entry{Entry::kNone});
    } else if (PySlice_Check(h.ptr())) {
      entries.push_back(slice_entry(h));
      consumed++;
    } else if (PyBool_Check(h.ptr())) {
      throw std::invalid_argument(std::string("[") + op +
                                  "] Boolean indices are not supported here.");
    } else if (PyLong_Check(h.ptr()) ||
               (!nb::isinstance<array>(h) && PyIndex_Check(h.ptr()) && !PyList_Check(h.ptr()))) {
      Entry e{Entry::kInt};
      e.i = get_index_int(h);
      if (e.i > INT32_MAX || e.i < INT32_MIN) {
        throw std::out_of_range(std::string("[") + op + "] Index " + std::to_string(e.i) +
                                " does not fit in int32.");
      }
      entries.push_back(e);
      consumed++;
    } else {
      array ia = to_array(h);
      if (ia.dtype() == Dtype::bool_) {
        throw std::invalid_argument(std::string("[") + op +
                                    "] Boolean mask indexing is not supported for reading.");
      }
      if (!is_integral(ia.dtype())) {
        throw std::invalid_argument(std::string("[") + op +
                                    "] Index arrays must have an integer dtype; got " +
                                    dtype_name(ia.dtype()) + ".");
      }
      Entry e{Entry::kArray};
      e.arr = ia;
      entries.push_back(e);
      consumed++;
    }
  }
  if (consumed > a.ndim()) {
    throw std::out_of_range(std::string("[") + op + "] Too many indices for array with " +
                            std::to_string(a.ndim()) + " dimensions; got " +
                            std::to_string(consumed) + ".");
  }
  Entry full{Entry::kSlice};
  full.start = 0;
  full.stop = INT32_MAX - 1;
  full.step = 1;
  full.full = true;
  int fill = a.ndim() - consumed;
  auto pos = ellipsis >= 0 ? entries.begin() + ellipsis : entries.end();
  entries.insert(pos, fill, full);
  return entries;
}

bool has_arrays(const std::vector<Entry>& es) {
  for (auto& e : es) {
    if (e.kind == Entry::kArray) return true;
  }
  return false;
}

struct BasicPlan {
  Shape start, stop, strides;  // per axis of `a`
  Shape sliced_shape;          // shape of the slice (ndim of a)
  Shape result_shape;          // shape of a[idx]
  bool identity = true;
};

BasicPlan basic_plan(const array& a, const std::vector<Entry>& es, const char* op) {
  BasicPlan p;
  int axis = 0;
  for (auto& e : es) {
    if (e.kind == Entry::kNone) {
      p.result_shape.push_back(1);
      continue;
    }
    int64_t n = a.shape()[axis];
    if (e.kind == Entry::kInt) {
      int64_t k = e.i < 0 ? e.i + n : e.i;
      if (k < 0 || k >= n) {
        throw std::out_of_range(std::string("[") + op + "] Index " + std::to_string(e.i) +
                                " is out of bounds for axis " + std::to_string(axis) +
                                " with size " + std::to_string(n) + ".");
      }
      p.start.push_back(ShapeElem(k));
      p.stop.push_back(ShapeElem(k + 1));
      p.strides.push_back(1);
      p.sliced_shape.push_back(1);
      p.identity = p.identity && n == 1;
    } else {
      // Python slice semantics (same as ember::slice) to know the length.
      int64_t start = e.start, stop = e.stop, step = e.step, len;
      if (step > 0) {
        if (start < 0) start += n;
        if (stop < 0) stop += n;
        start = std::clamp<int64_t>(start, 0, n);
        stop = std::clamp<int64_t>(stop, 0, n);
        len = stop > start ? (stop - start + step - 1) / step : 0;
      } else {
        if (start < 0) start += n;
        if (stop < 0) stop += n;
        start = std::clamp<int64_t>(start, -1, n - 1);
        stop = std::clamp<int64_t>(stop, -1, n - 1);
        len = start > stop ? (start - stop - step - 1) / (-step) : 0;
      }
      p.start.push_back(ShapeElem(e.start));
      p.stop.push_back(ShapeElem(e.stop));
      p.strides.push_back(ShapeElem(e.step));
      p.sliced_shape.push_back(ShapeElem(len));
      p.result_shape.push_back(ShapeElem(len));
      p.identity = p.identity && len == n && (step == 1 || n <= 1);
    }
    axis++;
  }
  return p;
}

array apply_slice(const array& a, const BasicPlan& p) {
  if (p.identity) return a;
  return slice(a, p.start, p.stop, p.strides);
}

// Advanced indexing layout: gather output is B + remaining dims; `perm` and
// `final_shape` reorder it like NumPy.
struct AdvPlan {
  BasicPlan basic;                 // slices applied first (arrays -> full axis)
  std::vector<array> indices;      // broadcast index arrays
  std::vector<int> axes;           // axes they index
  Shape bshape;                    // broadcast index shape
  Shape gathered_shape;            // B + non-indexed sliced dims
  std::vector<int> perm;           // gathered -> NumPy order (without None)
  Shape final_shape;               // with None dims
};

AdvPlan adv_plan(const array& a, std::vector<Entry> es, const char* op) {
  AdvPlan ap;
  // Ints become 0-d index arrays when arrays are present.
  for (auto& e : es) {
    if (e.kind == Entry::kInt) {
      e.kind = Entry::kArray;
      e.arr = array(int32_t(e.i));
    }
  }
  std::vector<Entry> basic_es;
  for (auto& e : es) {
    if (e.kind == Entry::kArray) {
      Entry f{Entry::kSlice};
      f.start = 0;
      f.stop = INT32_MAX - 1;
      f.step = 1;
      f.full = true;
      basic_es.push_back(f);
    } else if (e.kind != Entry::kNone) {
      basic_es.push_back(e);
    }
  }
  ap.basic = basic_plan(a, basic_es, op);
  std::vector<array> idx;
  int axis = 0, first_adv = -1, last_adv = -1, k = 0;
  bool contiguous = true;
  for (auto& e : es) {
    if (e.kind == Entry::kArray) {
      idx.push_back(*e.arr);
      ap.axes.push_back(axis);
      if (first_adv < 0) first_adv = k;
      else if (last_adv != k - 1) contiguous = false;
      last_adv = k;
    }
    if (e.kind != Entry::kNone) axis++;
    k++;
  }
  ap.indices = broadcast_arrays(idx);
  ap.bshape = ap.indices[0].shape();
  int nb_ = int(ap.bshape.size());
  for (auto d : ap.bshape) ap.gathered_shape.push_back(d);
  std::vector<int> rest_axes;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(ap.axes.begin(), ap.axes.end(), i) == ap.axes.end()) {
      rest_axes.push_back(i);
      ap.gathered_shape.push_back(ap.basic.sliced_shape[i]);
    }
  }
  // Where does the B block go? NumPy: in place of the first advanced entry
  // when the advanced entries are adjacent, else first.
  int slices_before = 0;
  if (contiguous) {
    for (int j = 0; j < first_adv; ++j) slices_before += es[j].kind == Entry::kSlice;
  }
  for (int j = 0; j < slices_before; ++j) ap.perm.push_back(nb_ + j);
  for (int j = 0; j < nb_; ++j) ap.perm.push_back(j);
  for (int j = slices_before; j < int(rest_axes.size()); ++j) ap.perm.push_back(nb_ + j);
  // Final shape: walk entries, None -> 1.
  int rest_i = 0;
  bool b_done = false;
  if (!contiguous) {
    for (auto d : ap.bshape) ap.final_shape.push_back(d);
    b_done = true;
  }
  for (auto& e : es) {
    if (e.kind == Entry::kNone) {
      ap.final_shape.push_back(1);
    } else if (e.kind == Entry::kArray) {
      if (!b_done) {
        for (auto d : ap.bshape) ap.final_shape.push_back(d);
        b_done = true;
      }
    } else {
      ap.final_shape.push_back(ap.basic.sliced_shape[rest_axes[rest_i++]]);
    }
  }
  return ap;
}

bool is_identity_perm(const std::vector<int>& p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] != int(i)) return false;
  }
  return true;
}

array getitem(const array& a, nb::handle idx) {
  if (a.ndim() == 0) {
    bool ok = (PyTuple_Check(idx.ptr()) && nb::len(idx) == 0) || idx.ptr() == Py_Ellipsis;
    if (ok) return a;
    if (!idx.is_none()) {
      throw std::invalid_argument("[getitem] Too many indices for a 0-d array.");
    }
  }
  auto es = parse_index(a, idx, "getitem");
  if (!has_arrays(es)) {
    auto p = basic_plan(a, es, "getitem");
    array r = apply_slice(a, p);
    return r.shape() == p.result_shape ? r : reshape(r, p.result_shape);
  }
  auto ap = adv_plan(a, es, "getitem");
  array s = apply_slice(a, ap.basic);
  Shape slice_sizes = ap.basic.sliced_shape;
  for (int ax : ap.axes) slice_sizes[ax] = 1;
  array g = gather(s, ap.indices, ap.axes, slice_sizes);
  g = reshape(g, ap.gathered_shape);
  if (!is_identity_perm(ap.perm)) g = transpose(g, ap.perm);
  return g.shape() == ap.final_shape ? g : reshape(g, ap.final_shape);
}

// Value for an update of a[idx]: weakly converted, cast to a's dtype, with
// leading size-1 dims stripped and broadcast to `shape`.
array update_value(const array& a, nb::handle v, const Shape& shape, const char* op) {
  array u = astype(to_array_weak(v, a.dtype(), op), a.dtype());
  int extra = u.ndim() - int(shape.size());
  if (extra > 0) {
    for (int i = 0; i < extra; ++i) {
      if (u.shape()[i] != 1) {
        throw std::invalid_argument(std::string("[") + op + "] Cannot broadcast value of shape " +
                                    shape_str(u.shape()) + " to the indexed shape " +
                                    shape_str(shape) + ".");
      }
    }
    u = reshape(u, Shape(u.shape().begin() + extra, u.shape().end()));
  }
  try {
    return broadcast_to(u, shape);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(std::string("[") + op + "] Cannot broadcast value of shape " +
                                shape_str(u.shape()) + " to the indexed shape " +
                                shape_str(shape) + ".");
  }
}

using ScatterFn = array (*)(const array&, const std::vector<array>&, const array&,
                            const std::vector<int>&, StreamOrDevice);

// Updates for scatter: value laid out as a[idx] (NumPy order), reordered to
// B + slice sizes (a.ndim dims with 1 on the indexed axes).
array scatter_updates(const array& a, const AdvPlan& ap, nb::handle v, const char* op) {
  array u = update_value(a, v, ap.final_shape, op);
  Shape no_none;
  // Drop None dims: final_shape without them equals perm-ordered gathered shape.
  Shape permuted;
  for (int p : ap.perm) permuted.push_back(ap.gathered_shape[p]);
  u = reshape(u, permuted);
  if (!is_identity_perm(ap.perm)) {
    std::vector<int> inv(ap.perm.size());
    for (size_t i = 0; i < ap.perm.size(); ++i) inv[ap.perm[i]] = int(i);
    u = transpose(u, inv);
  }
  Shape ushape = ap.bshape;
  for (int i = 0; i < a.ndim(); ++i) {
    bool indexed = std::find(ap.axes.begin(), ap.axes.end(), i) != ap.axes.end();
    ushape.push_back(indexed ? 1 : ap.basic.sliced_shape[i]);
  }
  return reshape(u, ushape);
}

// Scatter update of a[idx] for an index with arrays. Partial slices are
// handled on the sliced sub-array (where every remaining slice is full), which
// is then written back with slice_update: slicing selects each element once, so
// duplicates still accumulate and the NumPy layout of the value is unchanged.
array advanced_update(const array& a, const std::vector<Entry>& es, nb::handle v,
                      const char* op, ScatterFn scat) {
  auto outer = adv_plan(a, es, op);
  array sub = apply_slice(a, outer.basic);
  std::vector<Entry> inner_es = es;
  for (auto& e : inner_es) {
    if (e.kind == Entry::kSlice) {
      e.start = 0;
      e.stop = INT32_MAX - 1;
      e.step = 1;
      e.full = true;
    }
  }
  auto ap = adv_plan(sub, inner_es, op);
  array u = scatter_updates(sub, ap, v, op);
  array updated = scat ? scat(sub, ap.indices, u, ap.axes, {})
                       : scatter(sub, ap.indices, u, ap.axes);
  if (outer.basic.identity) return updated;
  return slice_update(a, updated, outer.basic.start, outer.basic.stop,
                      outer.basic.strides);
}

array basic_update(const array& a, const std::vector<Entry>& es, nb::handle v,
                   const char* op, array (*combine)(const array&, const array&, StreamOrDevice)) {
  auto p = basic_plan(a, es, op);
  array u = update_value(a, v, p.result_shape, op);
  u = reshape(u, p.sliced_shape);
  if (combine) {
    array cur = apply_slice(a, p);
    u = astype(combine(cur, u, {}), a.dtype());
  }
  return slice_update(a, u, p.start, p.stop, p.strides);
}

array setitem(const array& a, nb::handle idx, nb::handle v) {
  // Boolean masks: masked scatter.
  bool mask = is_bool_index(idx) ||
              (!nb::isinstance<array>(idx) && !PyTuple_Check(idx.ptr()) &&
               !PyLong_Check(idx.ptr()) && !PySlice_Check(idx.ptr()) && !idx.is_none() &&
               idx.ptr() != Py_Ellipsis && is_array_like(idx) &&
               to_array(idx).dtype() == Dtype::bool_);
  if (mask) {
    array m = to_array(idx);
    if (m.ndim() > a.ndim() ||
        !std::equal(m.shape().begin(), m.shape().end(), a.shape().begin())) {
      if (m.ndim() != 0) {
        throw std::invalid_argument("[setitem] Boolean mask of shape " + shape_str(m.shape()) +
                                    " does not match the leading dimensions of the array "
                                    "with shape " + shape_str(a.shape()) + ".");
      }
    }
    Shape ms = m.shape();
    ms.resize(a.ndim(), 1);
    if (m.ndim() == 0) ms = Shape(a.ndim(), 1);
    array mb = broadcast_to(reshape(m, ms), a.shape());
    array vals = astype(to_array_weak(v, a.dtype(), "setitem"), a.dtype());
    return masked_scatter(a, mb, vals);
  }
  if (a.ndim() == 0) {
    bool ok = (PyTuple_Check(idx.ptr()) && nb::len(idx) == 0) || idx.ptr() == Py_Ellipsis;
    if (!ok) throw std::invalid_argument("[setitem] Too many indices for a 0-d array.");
    return astype(broadcast_to(to_array_weak(v, a.dtype(), "setitem"), {}), a.dtype());
  }
  auto es = parse_index(a, idx, "setitem");
  if (!has_arrays(es)) return basic_update(a, es, v, "setitem", nullptr);
  return advanced_update(a, es, v, "setitem", nullptr);
}

// x.at[idx]: stores the index; methods return updated copies.
struct ArrayAt {
  array a;
  std::optional<nb::object> idx;
};

enum class AtOp { add, subtract, multiply, divide, maximum, minimum };

array at_update(const ArrayAt& at, nb::handle v, AtOp op) {
  if (!at.idx) {
    throw std::invalid_argument("[at] Index the helper first, as in x.at[idx].add(v).");
  }
  const array& a = at.a;
  nb::handle idx = *at.idx;
  const char* name = "at";
  nb::object val = nb::borrow(v);
  if (op == AtOp::subtract) {
    val = nb::cast(negative(to_array_weak(v, a.dtype(), name)));
  } else if (op == AtOp::divide) {
    val = nb::cast(reciprocal(to_array_weak(v, a.dtype(), name)));
  }
  if (a.ndim() == 0) throw std::invalid_argument("[at] Cannot index a 0-d array.");
  auto es = parse_index(a, idx, name);
  using Bin = array (*)(const array&, const array&, StreamOrDevice);
  Bin combine = nullptr;
  ScatterFn scat = nullptr;
  switch (op) {
    case AtOp::add: case AtOp::subtract:
      combine = &add; scat = static_cast<ScatterFn>(&scatter_add); break;
    case AtOp::multiply: case AtOp::divide:
      combine = &multiply; scat = static_cast<ScatterFn>(&scatter_prod); break;
    case AtOp::maximum:
      combine = &maximum; scat = static_cast<ScatterFn>(&scatter_max); break;
    case AtOp::minimum:
      combine = &minimum; scat = static_cast<ScatterFn>(&scatter_min); break;
  }
  if (!has_arrays(es)) return basic_update(a, es, val, name, combine);
  return advanced_update(a, es, val, name, scat);
}

struct ArrayIterator {
  array a;
  int i = 0;
};

}  // namespace

void init_array_indexing(nb::class_<array>& cls) {
  cls.def("__getitem__", [](const array& a, nb::handle idx) { return getitem(a, idx); },
          "index"_a.none());
  cls.def("__setitem__", [](nb::handle self, nb::handle idx, nb::handle v) {
    array& a = *nb::inst_ptr<array>(self);
    a = setitem(a, idx, v);
  }, "index"_a.none(), "value"_a);
  nb::class_<ArrayAt>(core_module(), "ArrayAt", "Helper for out-of-place scatter updates: x.at[idx].add(v).")
      .def("__getitem__", [](const ArrayAt& at, nb::object idx) {
        return ArrayAt{at.a, idx};
      }, "index"_a.none())
      .def("add", [](const ArrayAt& at, nb::handle v) { return at_update(at, v, AtOp::add); },
           "value"_a, "Adds value at the indices (duplicates accumulate).")
      .def("subtract", [](const ArrayAt& at, nb::handle v) { return at_update(at, v, AtOp::subtract); },
           "value"_a, "Subtracts value at the indices.")
      .def("multiply", [](const ArrayAt& at, nb::handle v) { return at_update(at, v, AtOp::multiply); },
           "value"_a, "Multiplies by value at the indices.")
      .def("divide", [](const ArrayAt& at, nb::handle v) { return at_update(at, v, AtOp::divide); },
           "value"_a, "Divides by value at the indices.")
      .def("maximum", [](const ArrayAt& at, nb::handle v) { return at_update(at, v, AtOp::maximum); },
           "value"_a, "Elementwise maximum with value at the indices.")
      .def("minimum", [](const ArrayAt& at, nb::handle v) { return at_update(at, v, AtOp::minimum); },
           "value"_a, "Elementwise minimum with value at the indices.");
  cls.def_prop_ro("at", [](const array& a) { return ArrayAt{a, std::nullopt}; },
                  "Out-of-place scatter updates: ``x.at[idx].add(v)``.");

  nb::class_<ArrayIterator>(core_module(), "ArrayIterator")
      .def("__iter__", [](nb::handle self) { return nb::borrow(self); })
      .def("__next__", [](ArrayIterator& it) {
        if (it.i >= it.a.shape()[0]) throw nb::stop_iteration();
        return take(it.a, it.i++, 0);
      });
  cls.def("__iter__", [](const array& a) {
    if (a.ndim() == 0) throw nb::type_error("iteration over a 0-d array");
    return ArrayIterator{a, 0};
  });
}

void init_ops_indexing(nb::module_& m) {
  m.def(
      "take",
      [](nb::handle a, nb::handle indices, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a);
        if (PyLong_Check(indices.ptr())) {
          int i = nb::cast<int>(indices);
          return axis ? take(x, i, *axis, s) : take(x, i, s);
        }
        array idx = to_array(indices);
        return axis ? take(x, idx, *axis, s) : take(x, idx, s);
      },
      nb::arg(), "indices"_a, "axis"_a = nb::none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Takes elements along an axis (the flattened array if axis is None).

Args:
    a (array): Input.
    indices (int | array): Integer indices; negative values wrap.
    axis (int | None): Axis to index.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.take(mx.array([10, 20, 30]), mx.array([2, 0])).tolist()
    [30, 10])");
  m.def(
      "take_along_axis",
      [](nb::handle a, nb::handle indices, std::optional<int> axis, StreamOrDevice s) {
        array x = to_array(a), idx = to_array(indices);
        return axis ? take_along_axis(x, idx, *axis, s) : take_along_axis(x, idx, s);
      },
      nb::arg(), "indices"_a, "axis"_a = nb::none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Takes values along an axis at matching index positions.

Args:
    a (array): Input.
    indices (array): Same ndim as ``a``.
    axis (int | None): Axis (None flattens).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.take_along_axis(mx.array([[1, 2], [3, 4]]), mx.array([[1], [0]]), axis=1).tolist()
    [[2], [3]])");
  m.def(
      "put_along_axis",
      [](nb::handle a, nb::handle indices, nb::handle values, std::optional<int> axis,
         StreamOrDevice s) {
        array x = to_array(a), idx = to_array(indices);
        array v = to_array_weak(values, x.dtype(), "put_along_axis");
        return axis ? put_along_axis(x, idx, v, *axis, s) : put_along_axis(x, idx, v, s);
      },
      nb::arg(), "indices"_a, "values"_a, "axis"_a.none(), nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Copy of ``a`` with values written at indices along an axis.

Args:
    a (array): Input.
    indices (array): Index array.
    values (array | scalar): Values.
    axis (int | None): Axis (None flattens).

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.put_along_axis(mx.zeros((2, 2)), mx.array([[1], [0]]), 1.0, axis=1).tolist()
    [[0.0, 1.0], [1.0, 0.0]])");
  m.def(
      "slice",
      [](nb::handle a, nb::handle start_indices, std::vector<int> axes, nb::handle slice_size,
         StreamOrDevice s) {
        return slice(to_array(a), to_array(start_indices), axes,
                     to_shape(slice_size, "slice"), s);
      },
      nb::arg(), "start_indices"_a, "axes"_a, "slice_size"_a, nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Dynamic slice: starts come from an integer array, sizes are static.

Args:
    a (array): Input.
    start_indices (array): One start per axis in ``axes``.
    axes (list[int]): Sliced axes.
    slice_size (list[int]): Output shape.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.slice(mx.arange(5), mx.array([1]), [0], [2]).tolist()
    [1, 2])");
  m.def(
      "slice_update",
      [](nb::handle a, nb::handle update, nb::handle start_indices, std::vector<int> axes,
         StreamOrDevice s) {
        array x = to_array(a);
        return slice_update(x, to_array_weak(update, x.dtype(), "slice_update"),
                            to_array(start_indices), axes, s);
      },
      nb::arg(), "update"_a, "start_indices"_a, "axes"_a, nb::kw_only(),
      "stream"_a = nb::none(),
      R"(Dynamic slice update: writes ``update`` starting at ``start_indices``.

Args:
    a (array): Input.
    update (array): The new values.
    start_indices (array): One start per axis in ``axes``.
    axes (list[int]): Axes of the starts.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.slice_update(mx.zeros(4), mx.ones(2), mx.array([1]), [0]).tolist()
    [0.0, 1.0, 1.0, 0.0])");
  m.def(
      "depends",
      [](nb::handle inputs, nb::handle deps) -> nb::object {
        std::vector<array> ins, ds;
        bool single = nb::isinstance<array>(inputs);
        tree_arrays(inputs, ins);
        tree_arrays(deps, ds);
        auto out = depends(ins, ds);
        if (single) return nb::cast(out[0]);
        return nb::cast(out);
      },
      "inputs"_a, "dependencies"_a,
      R"(Returns ``inputs`` with extra graph edges on ``dependencies``.

Args:
    inputs (array | list[array]): Arrays to return.
    dependencies (array | list[array]): Arrays computed with them.

Returns:
    array | list[array]

Example:
    >>> import ember.core as mx
    >>> mx.depends(mx.array(1), mx.array(2)).item()
    1)");
}

}  // namespace ember::py
