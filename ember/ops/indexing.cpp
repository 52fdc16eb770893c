#include "ember/ops/indexing.h"

#include <algorithm>
#include <stdexcept>

#include "ember/ops/copy.h"
#include "ember/ops/shape.h"
#include "ember/ops/utils.h"
#include "ember/primitives/indexing.h"

namespace ember {

namespace {

std::string ints_str(const std::vector<int>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(v[i]);
  }
  return s + (v.size() == 1 ? ",)" : ")");
}

void check_int_indices(const array& idx, const char* op) {
  if (!is_integral(idx.dtype())) {
    throw std::invalid_argument(op_prefix(op) +
                                "Indices must be integers; got dtype " +
                                dtype_name(idx.dtype()) + ".");
  }
}

// Python slice semantics for one axis: returns (start, length); `stop` may be
// anything (clamped), `step` is nonzero.
std::pair<int, int> normalize_slice(int64_t start, int64_t stop, int64_t step,
                                    int64_t n) {
  if (step > 0) {
    if (start < 0) start += n;
    if (stop < 0) stop += n;
    start = std::clamp<int64_t>(start, 0, n);
    stop = std::clamp<int64_t>(stop, 0, n);
    int64_t len = stop > start ? (stop - start + step - 1) / step : 0;
    return {int(start), int(len)};
  }
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  start = std::clamp<int64_t>(start, -1, n - 1);
  stop = std::clamp<int64_t>(stop, -1, n - 1);
  int64_t len = start > stop ? (start - stop + (-step) - 1) / (-step) : 0;
  return {int(start), int(len)};
}

// Validates start/stop/strides and returns (normalised start, output shape).
std::pair<Shape, Shape> slice_params(const array& a, const Shape& start,
                                     const Shape& stop, const Shape& strides,
                                     const char* op) {
  if (start.size() != size_t(a.ndim()) || stop.size() != size_t(a.ndim()) ||
      strides.size() != size_t(a.ndim())) {
    throw std::invalid_argument(
        op_prefix(op) + "start, stop and strides must have one entry per " +
        "dimension of the array with shape " + shape_str(a.shape()) +
        "; got start " + shape_str(start) + ", stop " + shape_str(stop) +
        ", strides " + shape_str(strides) + ".");
  }
  Shape st(a.ndim()), shape(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) {
    if (strides[i] == 0) {
      throw std::invalid_argument(op_prefix(op) +
                                  "Slice strides must be nonzero; got " +
                                  shape_str(strides) + ".");
    }
    auto [b, n] = normalize_slice(start[i], stop[i], strides[i], a.shape(i));
    st[i] = n > 0 ? b : 0;
    shape[i] = n;
  }
  return {st, shape};
}

// Axes normalised (order kept) and checked for duplicates.
std::vector<int> checked_axes(const std::vector<int>& axes, int ndim,
                              const char* op) {
  std::vector<int> out;
  for (int ax : axes) out.push_back(normalize_axis(ax, ndim, op));
  auto sorted = out;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    throw std::invalid_argument(op_prefix(op) + "Repeated axes in " +
                                ints_str(axes) + ".");
  }
  return out;
}

// Start-index array of a dynamic slice: integral, one entry per axis.
array dynamic_starts(const array& start, size_t n_axes, const char* op) {
  check_int_indices(start, op);
  if (start.size() != n_axes) {
    throw std::invalid_argument(
        op_prefix(op) + "Expected one start index per axis (" +
        std::to_string(n_axes) + "); got start_indices of shape " +
        shape_str(start.shape()) + ".");
  }
  return reshape(start, {ShapeElem(n_axes)});
}

}  // namespace

// ---- static slices ----

array slice(const array& a, Shape start, Shape stop, Shape strides,
            StreamOrDevice s) {
  auto [st, shape] = slice_params(a, start, stop, strides, "slice");
  if (shape == a.shape()) {
    bool identity = true;
    for (int i = 0; i < a.ndim(); ++i) {
      identity = identity && (shape[i] <= 1 || (st[i] == 0 && strides[i] == 1));
    }
    if (identity) return a;
  }
  return array(shape, a.dtype(),
               std::make_shared<Slice>(to_stream(s), st, strides, shape), {a});
}

array slice(const array& a, Shape start, Shape stop, StreamOrDevice s) {
  return slice(a, std::move(start), std::move(stop), Shape(a.ndim(), 1), s);
}

array slice_update(const array& src, const array& update, Shape start,
                   Shape stop, Shape strides, StreamOrDevice s) {
  auto [st, shape] = slice_params(src, start, stop, strides, "slice_update");
  if (update.ndim() > src.ndim()) {
    // Leading size-1 dims of the update are dropped (NumPy assignment rule).
    int extra = update.ndim() - src.ndim();
    for (int i = 0; i < extra; ++i) {
      if (update.shape(i) != 1) {
        throw std::invalid_argument(
            "[slice_update] Cannot broadcast update of shape " +
            shape_str(update.shape()) + " to the slice shape " +
            shape_str(shape) + ".");
      }
    }
  }
  Shape ushape(update.shape().end() - std::min(update.ndim(), src.ndim()),
               update.shape().end());
  Shape bs;
  try {
    bs = broadcast_shapes(ushape, shape);
  } catch (const std::invalid_argument&) {
  }
  if (bs != shape) {
    throw std::invalid_argument("[slice_update] Cannot broadcast update of shape " +
                                shape_str(update.shape()) +
                                " to the slice shape " + shape_str(shape) + ".");
  }
  auto st_ = to_stream(s);
  array upd = broadcast_to(reshape(astype(update, src.dtype(), st_), ushape, st_),
                           shape, st_);
  return array(src.shape(), src.dtype(),
               std::make_shared<SliceUpdate>(st_, st, strides), {src, upd});
}

array slice_update(const array& src, const array& update, Shape start,
                   Shape stop, StreamOrDevice s) {
  return slice_update(src, update, std::move(start), std::move(stop),
                      Shape(src.ndim(), 1), s);
}

// ---- dynamic slices ----

namespace detail {
array dynamic_slice(const array& a, const array& start_indices,
                    std::vector<int> axes, Shape slice_size, StreamOrDevice s) {
  auto ax = checked_axes(axes, a.ndim(), "slice");
  auto start = dynamic_starts(start_indices, ax.size(), "slice");
  Shape out_shape = a.shape();
  if (slice_size.size() == size_t(a.ndim())) {
    out_shape = slice_size;
  } else if (slice_size.size() == ax.size()) {
    for (size_t i = 0; i < ax.size(); ++i) out_shape[ax[i]] = slice_size[i];
  } else {
    throw std::invalid_argument(
        "[slice] slice_size must have one entry per dimension (" +
        std::to_string(a.ndim()) + ") or per axis (" +
        std::to_string(ax.size()) + "); got " + shape_str(slice_size) + ".");
  }
  for (int i = 0; i < a.ndim(); ++i) {
    if (out_shape[i] < 0 || out_shape[i] > a.shape(i)) {
      throw std::invalid_argument("[slice] Slice size " + shape_str(out_shape) +
                                  " does not fit in array of shape " +
                                  shape_str(a.shape()) + ".");
    }
    bool sliced = std::find(ax.begin(), ax.end(), i) != ax.end();
    if (!sliced && out_shape[i] != a.shape(i)) {
      throw std::invalid_argument(
          "[slice] Slice size " + shape_str(out_shape) + " must keep the full "
          "size of the axes not in " + ints_str(axes) + " for shape " +
          shape_str(a.shape()) + ".");
    }
  }
  return array(out_shape, a.dtype(),
               std::make_shared<DynamicSlice>(to_stream(s), ax, out_shape),
               {a, start});
}

array dynamic_slice_update(const array& src, const array& update,
                           const array& start_indices, std::vector<int> axes,
                           StreamOrDevice s) {
  auto ax = checked_axes(axes, src.ndim(), "slice_update");
  auto start = dynamic_starts(start_indices, ax.size(), "slice_update");
  if (update.ndim() > src.ndim()) {
    throw std::invalid_argument(
        "[slice_update] Update of shape " + shape_str(update.shape()) +
        " has more dimensions than the array of shape " +
        shape_str(src.shape()) + ".");
  }
  // Missing leading update dims are size 1 (NumPy broadcasting).
  Shape ushape(src.ndim() - update.ndim(), 1);
  ushape.insert(ushape.end(), update.shape().begin(), update.shape().end());
  for (int i = 0; i < src.ndim(); ++i) {
    bool sliced = std::find(ax.begin(), ax.end(), i) != ax.end();
    if (ushape[i] > src.shape(i) || (!sliced && ushape[i] != src.shape(i) &&
                                     ushape[i] != 1)) {
      throw std::invalid_argument(
          "[slice_update] Update of shape " + shape_str(update.shape()) +
          " does not fit the array of shape " + shape_str(src.shape()) +
          " with sliced axes " + ints_str(axes) + ".");
    }
    if (!sliced) ushape[i] = src.shape(i);
  }
  auto st = to_stream(s);
  Shape rs(src.ndim() - update.ndim(), 1);
  rs.insert(rs.end(), update.shape().begin(), update.shape().end());
  array upd =
      broadcast_to(reshape(astype(update, src.dtype(), st), rs, st), ushape, st);
  return array(src.shape(), src.dtype(),
               std::make_shared<DynamicSliceUpdate>(st, ax), {src, upd, start});
}
}  // namespace detail

// ---- take ----

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "take");
  check_int_indices(indices, "take");
  if (a.shape(axis) == 0 && indices.size() > 0) {
    throw std::out_of_range("[take] Cannot take from axis " +
                            std::to_string(axis) + " of size 0 of an array " +
                            "with shape " + shape_str(a.shape()) + ".");
  }
  auto st = to_stream(s);
  // One GatherAxis over the flattened indices, broadcast along the other axes
  // (stride 0), so `a` is read in place whatever its layout.
  ShapeElem m = ShapeElem(indices.size());
  Shape ishape(a.ndim(), 1);
  ishape[axis] = m;
  Shape gshape = a.shape();
  gshape[axis] = m;
  array idx = broadcast_to(reshape(indices, ishape, st), gshape, st);
  array out = array(gshape, a.dtype(), std::make_shared<GatherAxis>(st, axis),
                    {a, idx});
  Shape oshape(a.shape().begin(), a.shape().begin() + axis);
  oshape.insert(oshape.end(), indices.shape().begin(), indices.shape().end());
  oshape.insert(oshape.end(), a.shape().begin() + axis + 1, a.shape().end());
  return reshape(out, oshape, st);
}

array take(const array& a, int index, int axis, StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "take");
  int n = a.shape(axis);
  if (index < -n || index >= n) {
    throw std::out_of_range("[take] Index " + std::to_string(index) +
                            " is out of bounds for axis " +
                            std::to_string(axis) + " with size " +
                            std::to_string(n) + ".");
  }
  if (index < 0) index += n;
  Shape start(a.ndim(), 0), stop = a.shape();
  start[axis] = index;
  stop[axis] = index + 1;
  Shape oshape = a.shape();
  oshape.erase(oshape.begin() + axis);
  return reshape(slice(a, start, stop, s), oshape, s);
}

array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(reshape(a, {-1}, s), indices, 0, s);
}

array take(const array& a, int index, StreamOrDevice s) {
  return take(reshape(a, {-1}, s), index, 0, s);
}

// ---- along an axis ----

array take_along_axis(const array& a, const array& indices, int axis,
                      StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), "take_along_axis");
  check_int_indices(indices, "take_along_axis");
  if (indices.ndim() != a.ndim()) {
    throw std::invalid_argument(
        "[take_along_axis] Indices of shape " + shape_str(indices.shape()) +
        " must have the same number of dimensions as the array of shape " +
        shape_str(a.shape()) + ".");
  }
  Shape sa = a.shape(), si = indices.shape();
  sa[axis] = 1;
  si[axis] = 1;
  Shape bs = broadcast_shapes(sa, si);
  if (a.shape(axis) == 0 && indices.shape(axis) > 0 && shape_size(bs) > 0) {
    throw std::out_of_range("[take_along_axis] Cannot take from axis " +
                            std::to_string(axis) + " of size 0 of an array " +
                            "with shape " + shape_str(a.shape()) + ".");
  }
  auto st = to_stream(s);
  Shape as = bs, is = bs;
  as[axis] = a.shape(axis);
  is[axis] = indices.shape(axis);
  return array(is, a.dtype(), std::make_shared<GatherAxis>(st, axis),
               {broadcast_to(a, as, st), broadcast_to(indices, is, st)});
}

array take_along_axis(const array& a, const array& indices, StreamOrDevice s) {
  return take_along_axis(reshape(a, {-1}, s), reshape(indices, {-1}, s), 0, s);
}

namespace {
array scatter_axis(const array& a, const array& indices, const array& values,
                   int axis, Scatter::ReduceType r, const char* op,
                   StreamOrDevice s) {
  axis = normalize_axis(axis, a.ndim(), op);
  check_int_indices(indices, op);
  if (indices.ndim() != a.ndim()) {
    throw std::invalid_argument(
        op_prefix(op) + "Indices of shape " + shape_str(indices.shape()) +
        " must have the same number of dimensions as the array of shape " +
        shape_str(a.shape()) + ".");
  }
  Shape is = a.shape();
  is[axis] = indices.shape(axis);
  Shape bs;
  try {
    bs = broadcast_shapes(indices.shape(), is);
  } catch (const std::invalid_argument&) {
  }
  if (bs != is) {
    throw std::invalid_argument(op_prefix(op) + "Indices of shape " +
                                shape_str(indices.shape()) +
                                " do not broadcast to the array of shape " +
                                shape_str(a.shape()) + " outside axis " +
                                std::to_string(axis) + ".");
  }
  try {
    bs = broadcast_shapes(values.shape(), is);
  } catch (const std::invalid_argument&) {
    bs = {};
  }
  if (bs != is) {
    throw std::invalid_argument(op_prefix(op) + "Values of shape " +
                                shape_str(values.shape()) +
                                " do not broadcast to the index shape " +
                                shape_str(is) + ".");
  }
  auto st = to_stream(s);
  return array(a.shape(), a.dtype(), std::make_shared<ScatterAxis>(st, r, axis),
               {a, broadcast_to(indices, is, st),
                broadcast_to(astype(values, a.dtype(), st), is, st)});
}
}  // namespace

array put_along_axis(const array& a, const array& indices, const array& values,
                     int axis, StreamOrDevice s) {
  return scatter_axis(a, indices, values, axis, Scatter::None, "put_along_axis",
                      s);
}

array put_along_axis(const array& a, const array& indices, const array& values,
                     StreamOrDevice s) {
  auto flat = put_along_axis(reshape(a, {-1}, s), reshape(indices, {-1}, s),
                             values.ndim() == 0 ? values : reshape(values, {-1}, s),
                             0, s);
  return reshape(flat, a.shape(), s);
}

array scatter_add_axis(const array& a, const array& indices,
                       const array& values, int axis, StreamOrDevice s) {
  return scatter_axis(a, indices, values, axis, Scatter::Sum,
                      "scatter_add_axis", s);
}

// ---- gather / scatter ----

namespace {
// Checks and broadcasts index arrays; returns them and the normalised axes.
std::pair<std::vector<array>, std::vector<int>> prepare_indices(
    const array& a, const std::vector<array>& indices,
    const std::vector<int>& axes, const char* op, Stream s) {
  if (indices.size() != axes.size()) {
    throw std::invalid_argument(
        op_prefix(op) + "Expected one index array per axis; got " +
        std::to_string(indices.size()) + " index arrays and axes " +
        ints_str(axes) + ".");
  }
  if (indices.size() > size_t(a.ndim())) {
    throw std::invalid_argument(
        op_prefix(op) + "Too many index arrays (" +
        std::to_string(indices.size()) + ") for an array with shape " +
        shape_str(a.shape()) + ".");
  }
  auto ax = checked_axes(axes, a.ndim(), op);
  for (auto& idx : indices) check_int_indices(idx, op);
  std::vector<Shape> shapes;
  for (auto& idx : indices) shapes.push_back(idx.shape());
  Shape bs;
  try {
    bs = broadcast_shapes(shapes);
  } catch (const std::invalid_argument&) {
    std::string msg = op_prefix(op) + "Index arrays with shapes";
    for (auto& sh : shapes) msg += " " + shape_str(sh);
    throw std::invalid_argument(msg + " cannot be broadcast together.");
  }
  std::vector<array> out;
  for (auto& idx : indices) out.push_back(broadcast_to(idx, bs, s));
  return {out, ax};
}
}  // namespace

array gather(const array& a, const std::vector<array>& indices,
             const std::vector<int>& axes, const Shape& slice_sizes,
             StreamOrDevice s) {
  auto st = to_stream(s);
  auto [idx, ax] = prepare_indices(a, indices, axes, "gather", st);
  if (slice_sizes.size() != size_t(a.ndim())) {
    throw std::invalid_argument(
        "[gather] slice_sizes must have one entry per dimension of the array "
        "with shape " + shape_str(a.shape()) + "; got " +
        shape_str(slice_sizes) + ".");
  }
  for (int i = 0; i < a.ndim(); ++i) {
    if (slice_sizes[i] < 0 || slice_sizes[i] > a.shape(i)) {
      throw std::invalid_argument("[gather] Slice sizes " +
                                  shape_str(slice_sizes) +
                                  " must be between 0 and the array shape " +
                                  shape_str(a.shape()) + ".");
    }
  }
  Shape out_shape = idx.empty() ? Shape{} : idx[0].shape();
  size_t n_idx = shape_size(out_shape);
  for (size_t k = 0; k < ax.size(); ++k) {
    if (a.shape(ax[k]) == 0 && n_idx > 0) {
      throw std::out_of_range("[gather] Cannot gather from axis " +
                              std::to_string(ax[k]) + " of size 0 of an " +
                              "array with shape " + shape_str(a.shape()) + ".");
    }
  }
  out_shape.insert(out_shape.end(), slice_sizes.begin(), slice_sizes.end());
  std::vector<array> inputs = {a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  return array(out_shape, a.dtype(),
               std::make_shared<Gather>(st, ax, slice_sizes), std::move(inputs));
}

array gather(const array& a, const array& indices, int axis,
             const Shape& slice_sizes, StreamOrDevice s) {
  return gather(a, std::vector<array>{indices}, std::vector<int>{axis},
                slice_sizes, s);
}

namespace {
array scatter_impl(const array& a, const std::vector<array>& indices,
                   const array& updates, const std::vector<int>& axes,
                   Scatter::ReduceType r, const char* op, StreamOrDevice s) {
  auto st = to_stream(s);
  auto [idx, ax] = prepare_indices(a, indices, axes, op, st);
  if ((r == Scatter::Max || r == Scatter::Min) && a.dtype() == complex64) {
    throw std::invalid_argument(op_prefix(op) +
                                "Not supported for dtype complex64.");
  }
  Shape ishape = idx.empty() ? Shape{} : idx[0].shape();
  int ni = int(ishape.size());
  if (updates.ndim() != ni + a.ndim()) {
    throw std::invalid_argument(
        op_prefix(op) + "Updates of shape " + shape_str(updates.shape()) +
        " must have " + std::to_string(ni + a.ndim()) +
        " dimensions (index shape " + shape_str(ishape) +
        " followed by one slice dimension per axis of the array with shape " +
        shape_str(a.shape()) + ").");
  }
  Shape ushape = ishape;
  for (int i = 0; i < a.ndim(); ++i) {
    int us = updates.shape(ni + i);
    if (us > a.shape(i)) {
      throw std::invalid_argument(
          op_prefix(op) + "Update slice of shape " +
          shape_str(Shape(updates.shape().begin() + ni, updates.shape().end())) +
          " is larger than the array of shape " + shape_str(a.shape()) + ".");
    }
    ushape.push_back(us);
  }
  for (int i = 0; i < ni; ++i) {
    if (updates.shape(i) != ishape[i] && updates.shape(i) != 1) {
      throw std::invalid_argument(
          op_prefix(op) + "Leading update dimensions of " +
          shape_str(updates.shape()) + " must match the index shape " +
          shape_str(ishape) + ".");
    }
  }
  std::vector<array> inputs = {a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  inputs.push_back(broadcast_to(astype(updates, a.dtype(), st), ushape, st));
  return array(a.shape(), a.dtype(), std::make_shared<Scatter>(st, r, ax),
               std::move(inputs));
}
}  // namespace

#define EMBER_SCATTER_OP(NAME, REDUCE)                                         \
  array NAME(const array& a, const std::vector<array>& indices,                \
             const array& updates, const std::vector<int>& axes,               \
             StreamOrDevice s) {                                               \
    return scatter_impl(a, indices, updates, axes, Scatter::REDUCE, #NAME, s); \
  }                                                                            \
  array NAME(const array& a, const array& indices, const array& updates,       \
             int axis, StreamOrDevice s) {                                     \
    return scatter_impl(a, {indices}, updates, {axis}, Scatter::REDUCE, #NAME, \
                        s);                                                    \
  }
EMBER_SCATTER_OP(scatter, None)
EMBER_SCATTER_OP(scatter_add, Sum)
EMBER_SCATTER_OP(scatter_prod, Prod)
EMBER_SCATTER_OP(scatter_max, Max)
EMBER_SCATTER_OP(scatter_min, Min)
#undef EMBER_SCATTER_OP

// ---- masks and dependencies ----

array masked_scatter(const array& a, const array& mask, const array& values,
                     StreamOrDevice s) {
  if (mask.dtype() != bool_) {
    throw std::invalid_argument(
        "[masked_scatter] The mask must have dtype bool; got " +
        std::string(dtype_name(mask.dtype())) + ".");
  }
  Shape bs;
  try {
    bs = broadcast_shapes(mask.shape(), a.shape());
  } catch (const std::invalid_argument&) {
  }
  if (bs != a.shape()) {
    throw std::invalid_argument("[masked_scatter] Mask of shape " +
                                shape_str(mask.shape()) +
                                " does not broadcast to the array of shape " +
                                shape_str(a.shape()) + ".");
  }
  auto st = to_stream(s);
  return array(a.shape(), a.dtype(), std::make_shared<MaskedScatter>(st),
               {a, broadcast_to(mask, a.shape(), st),
                reshape(astype(values, a.dtype(), st), {-1}, st)});
}

std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies) {
  if (inputs.empty()) return {};
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& x : inputs) {
    shapes.push_back(x.shape());
    dtypes.push_back(x.dtype());
  }
  std::vector<array> all = inputs;
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  return array::make_arrays(
      shapes, dtypes,
      std::make_shared<Depends>(to_stream(StreamOrDevice{}), int(inputs.size())),
      all);
}

}  // namespace ember
