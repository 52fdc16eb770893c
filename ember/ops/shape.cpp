#include "ember/ops/shape.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "ember/backend/common/views.h"
#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/reduce.h"
#include "ember/ops/utils.h"
#include "ember/primitives/shape.h"

namespace ember {

namespace {

std::string vec_str(const std::vector<int>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(v[i]);
  }
  return s + (v.size() == 1 ? ",)" : ")");
}

}  // namespace

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  Shape bs;
  try {
    bs = broadcast_shapes(a.shape(), shape);
  } catch (const std::invalid_argument&) {
    bs = {};
  }
  if (bs != shape) {
    throw std::invalid_argument("[broadcast_to] Cannot broadcast array of shape " +
                                shape_str(a.shape()) + " to shape " +
                                shape_str(shape) + ".");
  }
  array out(shape, a.dtype(), std::make_shared<Broadcast>(to_stream(s), shape), {a});
  if (a.is_available() && a.data_shared_ptr() && !detail::in_tracing()) {
    // An evaluated array outside any transformation is broadcast at once:
    // the view needs no work, and as a node it would cost a task of the
    // stream per op (the scalar of `y + 1`, of `x * 0.5`).
    broadcast_view(a, out);
    out.set_status(Status::available);
    out.detach();
  }
  return out;
}

std::vector<array> broadcast_arrays(const std::vector<array>& inputs,
                                    StreamOrDevice s) {
  std::vector<Shape> shapes;
  for (auto& a : inputs) shapes.push_back(a.shape());
  Shape out = broadcast_shapes(shapes);
  std::vector<array> res;
  for (auto& a : inputs) res.push_back(broadcast_to(a, out, s));
  return res;
}

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  int infer = -1;
  size_t size = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw std::invalid_argument(
            "[reshape] Can only infer one dimension; got shape " +
            shape_str(shape) + ".");
      }
      infer = int(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument("[reshape] Invalid negative dimension in " +
                                  shape_str(shape) + ".");
    } else {
      size *= size_t(shape[i]);
    }
  }
  if (infer >= 0) {
    if (size == 0 || a.size() % size != 0) {
      throw std::invalid_argument("[reshape] Cannot reshape array of size " +
                                  std::to_string(a.size()) + " into shape " +
                                  shape_str(shape) + ".");
    }
    shape[infer] = ShapeElem(a.size() / size);
    size = a.size();
  }
  if (size != a.size()) {
    throw std::invalid_argument("[reshape] Cannot reshape array of size " +
                                std::to_string(a.size()) + " into shape " +
                                shape_str(shape) + ".");
  }
  if (shape == a.shape()) return a;
  return array(shape, a.dtype(), std::make_shared<Reshape>(to_stream(s), shape),
               {a});
}

namespace {
array transpose_impl(const array& a, std::vector<int> axes, StreamOrDevice s,
                     const char* op) {
  int nd = a.ndim();
  if (int(axes.size()) != nd) {
    throw std::invalid_argument(op_prefix(op) + "Received " +
                                std::to_string(axes.size()) +
                                " axes for array with " + std::to_string(nd) +
                                " dimensions; got axes " + vec_str(axes) + ".");
  }
  std::vector<bool> seen(nd, false);
  bool identity = true;
  for (int i = 0; i < nd; ++i) {
    int ax = normalize_axis(axes[i], nd, op);
    if (seen[ax]) {
      throw std::invalid_argument(op_prefix(op) + "Repeated axis " +
                                  std::to_string(axes[i]) + " in axes " +
                                  vec_str(axes) + ".");
    }
    seen[ax] = true;
    axes[i] = ax;
    identity = identity && ax == i;
  }
  if (identity) return a;
  Shape shape(nd);
  for (int i = 0; i < nd; ++i) shape[i] = a.shape()[axes[i]];
  return array(std::move(shape), a.dtype(),
               std::make_shared<Transpose>(to_stream(s), std::move(axes)), {a});
}
}  // namespace

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  return transpose_impl(a, std::move(axes), s, "transpose");
}

array transpose(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose_impl(a, std::move(axes), s, "transpose");
}

array permute_dims(const array& a, std::vector<int> axes, StreamOrDevice s) {
  return transpose_impl(a, std::move(axes), s, "permute_dims");
}

array permute_dims(const array& a, StreamOrDevice s) {
  return transpose(a, s);
}

array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  int nd = a.ndim();
  axis1 = normalize_axis(axis1, nd, "swapaxes");
  axis2 = normalize_axis(axis2, nd, "swapaxes");
  std::vector<int> axes(nd);
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[axis1], axes[axis2]);
  return transpose_impl(a, std::move(axes), s, "swapaxes");
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  int nd = a.ndim();
  source = normalize_axis(source, nd, "moveaxis");
  destination = normalize_axis(destination, nd, "moveaxis");
  std::vector<int> axes;
  for (int i = 0; i < nd; ++i) {
    if (i != source) axes.push_back(i);
  }
  axes.insert(axes.begin() + destination, source);
  return transpose_impl(a, std::move(axes), s, "moveaxis");
}

array expand_dims(const array& a, int axis, StreamOrDevice s) {
  return expand_dims(a, std::vector<int>{axis}, s);
}

array expand_dims(const array& a, const std::vector<int>& axes,
                  StreamOrDevice s) {
  if (axes.empty()) return a;
  int out_nd = a.ndim() + int(axes.size());
  auto ax = normalize_axes(axes, out_nd, "expand_dims");
  Shape shape;
  size_t k = 0, j = 0;
  for (int i = 0; i < out_nd; ++i) {
    if (k < ax.size() && ax[k] == i) {
      shape.push_back(1);
      ++k;
    } else {
      shape.push_back(a.shape()[j++]);
    }
  }
  return array(std::move(shape), a.dtype(),
               std::make_shared<ExpandDims>(to_stream(s), std::move(ax)), {a});
}

array squeeze(const array& a, StreamOrDevice s) {
  std::vector<int> axes;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape()[i] == 1) axes.push_back(i);
  }
  return squeeze(a, axes, s);
}

array squeeze(const array& a, int axis, StreamOrDevice s) {
  return squeeze(a, std::vector<int>{axis}, s);
}

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  if (axes.empty()) return a;
  auto ax = normalize_axes(axes, a.ndim(), "squeeze");
  for (int i : ax) {
    if (a.shape()[i] != 1) {
      throw std::invalid_argument(
          "[squeeze] Cannot squeeze axis " + std::to_string(i) + " of size " +
          std::to_string(a.shape()[i]) + " (must be 1); array shape " +
          shape_str(a.shape()) + ".");
    }
  }
  Shape shape;
  size_t k = 0;
  for (int i = 0; i < a.ndim(); ++i) {
    if (k < ax.size() && ax[k] == i) {
      ++k;
    } else {
      shape.push_back(a.shape()[i]);
    }
  }
  return array(std::move(shape), a.dtype(),
               std::make_shared<Squeeze>(to_stream(s), std::move(ax)), {a});
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  int nd = a.ndim();
  if (nd == 0) return reshape(a, {1}, s);
  int start = start_axis < 0 ? start_axis + nd : start_axis;
  int end = end_axis < 0 ? end_axis + nd : end_axis;
  start = std::max(start, 0);
  end = std::min(end, nd - 1);
  if (start >= nd) {
    throw std::invalid_argument("[flatten] Invalid start_axis " +
                                std::to_string(start_axis) +
                                " for array with " + std::to_string(nd) +
                                " dimensions.");
  }
  if (end < 0) {
    throw std::invalid_argument("[flatten] Invalid end_axis " +
                                std::to_string(end_axis) + " for array with " +
                                std::to_string(nd) + " dimensions.");
  }
  if (end < start) {
    throw std::invalid_argument(
        "[flatten] start_axis must be less than or equal to end_axis; got "
        "start_axis " + std::to_string(start_axis) + " and end_axis " +
        std::to_string(end_axis) + ".");
  }
  if (start == end) return a;
  Shape shape(a.shape().begin(), a.shape().begin() + start);
  ShapeElem m = 1;
  for (int i = start; i <= end; ++i) m *= a.shape()[i];
  shape.push_back(m);
  shape.insert(shape.end(), a.shape().begin() + end + 1, a.shape().end());
  return reshape(a, std::move(shape), s);
}

array flatten(const array& a, StreamOrDevice s) { return flatten(a, 0, -1, s); }

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "unflatten");
  if (shape.empty()) {
    throw std::invalid_argument(
        "[unflatten] Shape to unflatten to cannot be empty.");
  }
  int infer = -1;
  int64_t size = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw std::invalid_argument(
            "[unflatten] Can only infer one dimension; got shape " +
            shape_str(shape) + ".");
      }
      infer = int(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument("[unflatten] Invalid negative dimension in " +
                                  shape_str(shape) + ".");
    } else {
      size *= shape[i];
    }
  }
  int64_t dim = a.shape()[ax];
  if (infer >= 0) {
    if (size == 0 || dim % size != 0) {
      throw std::invalid_argument(
          "[unflatten] Cannot unflatten axis " + std::to_string(axis) +
          " of size " + std::to_string(dim) + " into shape " +
          shape_str(shape) + ".");
    }
    shape[infer] = ShapeElem(dim / size);
    size = dim;
  }
  if (size != dim) {
    throw std::invalid_argument("[unflatten] Cannot unflatten axis " +
                                std::to_string(axis) + " of size " +
                                std::to_string(dim) + " into shape " +
                                shape_str(shape) + ".");
  }
  Shape out(a.shape().begin(), a.shape().begin() + ax);
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), a.shape().begin() + ax + 1, a.shape().end());
  return reshape(a, std::move(out), s);
}

// ---- joining and splitting ----

array concatenate(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    throw std::invalid_argument(
        "[concatenate] No arrays provided for concatenation.");
  }
  int nd = arrays[0].ndim();
  if (nd == 0) {
    throw std::invalid_argument(
        "[concatenate] Zero-dimensional arrays cannot be concatenated.");
  }
  int ax = normalize_axis(axis, nd, "concatenate");
  Shape shape = arrays[0].shape();
  Dtype dtype = arrays[0].dtype();
  auto mismatch = [&]() {
    std::string msg =
        "[concatenate] All the input array dimensions must match exactly "
        "except for the concatenation axis " +
        std::to_string(axis) + "; got shapes";
    for (size_t i = 0; i < arrays.size(); ++i) {
      msg += (i ? ", " : " ") + shape_str(arrays[i].shape());
    }
    return std::invalid_argument(msg + ".");
  };
  for (size_t i = 1; i < arrays.size(); ++i) {
    auto& b = arrays[i];
    if (b.ndim() != nd) throw mismatch();
    for (int d = 0; d < nd; ++d) {
      if (d != ax && b.shape()[d] != shape[d]) throw mismatch();
    }
    shape[ax] += b.shape()[ax];
    dtype = promote_types(dtype, b.dtype());
  }
  if (arrays.size() == 1) return astype(arrays[0], dtype, s);
  return array(std::move(shape), dtype,
               std::make_shared<Concatenate>(to_stream(s), ax), arrays);
}

array concatenate(const std::vector<array>& arrays, StreamOrDevice s) {
  std::vector<array> flat;
  for (auto& a : arrays) flat.push_back(flatten(a, s));
  return concatenate(flat, 0, s);
}

array concat(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  return concatenate(arrays, axis, s);
}

array concat(const std::vector<array>& arrays, StreamOrDevice s) {
  return concatenate(arrays, s);
}

array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) {
    throw std::invalid_argument("[stack] No arrays provided for stacking.");
  }
  for (auto& b : arrays) {
    if (b.shape() != arrays[0].shape()) {
      throw std::invalid_argument(
          "[stack] All arrays must have the same shape; got " +
          shape_str(arrays[0].shape()) + " and " + shape_str(b.shape()) + ".");
    }
  }
  int ax = normalize_axis(axis, arrays[0].ndim() + 1, "stack");
  std::vector<array> ex;
  for (auto& b : arrays) ex.push_back(expand_dims(b, ax, s));
  return concatenate(ex, ax, s);
}

array stack(const std::vector<array>& arrays, StreamOrDevice s) {
  return stack(arrays, 0, s);
}

std::vector<array> unstack(const array& a, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw std::invalid_argument("[unstack] Cannot unstack a 0-d array.");
  }
  int ax = normalize_axis(axis, a.ndim(), "unstack");
  int n = a.shape()[ax];
  if (n == 0) return {};
  auto parts = n == 1 ? std::vector<array>{a} : split(a, n, ax, s);
  for (auto& p : parts) p = squeeze(p, ax, s);
  return parts;
}

namespace {
std::vector<array> split_bounds(const array& a, std::vector<int> bounds,
                                int ax, StreamOrDevice s) {
  std::vector<Shape> shapes;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    Shape sh = a.shape();
    sh[ax] = bounds[i + 1] - bounds[i];
    shapes.push_back(std::move(sh));
  }
  std::vector<Dtype> dtypes(shapes.size(), a.dtype());
  return array::make_arrays(std::move(shapes), std::move(dtypes),
                            std::make_shared<Split>(to_stream(s),
                                                    std::move(bounds), ax),
                            {a});
}
}  // namespace

std::vector<array> split(const array& a, int num_splits, int axis,
                         StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw std::invalid_argument("[split] Cannot split a 0-d array.");
  }
  int ax = normalize_axis(axis, a.ndim(), "split");
  int n = a.shape()[ax];
  if (num_splits <= 0) {
    throw std::invalid_argument(
        "[split] Number of splits must be positive; got " +
        std::to_string(num_splits) + ".");
  }
  if (n % num_splits != 0) {
    throw std::invalid_argument(
        "[split] Array split does not result in sections of equal size: axis " +
        std::to_string(axis) + " has size " + std::to_string(n) +
        ", got num_splits " + std::to_string(num_splits) + ".");
  }
  if (num_splits == 1) return {a};
  std::vector<int> bounds;
  for (int i = 0; i <= num_splits; ++i) bounds.push_back(i * (n / num_splits));
  return split_bounds(a, std::move(bounds), ax, s);
}

std::vector<array> split(const array& a, int num_splits, StreamOrDevice s) {
  return split(a, num_splits, 0, s);
}

std::vector<array> split(const array& a, const Shape& indices, int axis,
                         StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw std::invalid_argument("[split] Cannot split a 0-d array.");
  }
  int ax = normalize_axis(axis, a.ndim(), "split");
  int n = a.shape()[ax];
  if (indices.empty()) return {a};
  // Piece i is a[idx[i-1]:idx[i]] with Python slice semantics.
  std::vector<int> points{0};
  bool sorted = true;
  for (int idx : indices) {
    int p = idx < 0 ? std::max(idx + n, 0) : std::min(idx, n);
    sorted = sorted && p >= points.back();
    points.push_back(p);
  }
  points.push_back(n);
  if (sorted) return split_bounds(a, std::move(points), ax, s);
  // Unsorted points give empty or overlapping pieces: cut each one alone.
  std::vector<array> out;
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    int lo = points[i], hi = std::max(points[i], points[i + 1]);
    out.push_back(split_bounds(a, {0, lo, hi, n}, ax, s)[1]);
  }
  return out;
}

std::vector<array> split(const array& a, const Shape& indices,
                         StreamOrDevice s) {
  return split(a, indices, 0, s);
}

namespace {
// a[lo:hi] along `ax` as a view (lo <= hi within bounds).
array slice_axis(const array& a, int lo, int hi, int ax, StreamOrDevice s) {
  int n = a.shape()[ax];
  if (lo == 0 && hi == n) return a;
  if (lo == 0) return split(a, Shape{hi}, ax, s)[0];
  if (hi == n) return split(a, Shape{lo}, ax, s)[1];
  return split(a, Shape{lo, hi}, ax, s)[1];
}
}  // namespace

// ---- repetition ----

array tile(const array& a, std::vector<int> reps, StreamOrDevice s) {
  for (int r : reps) {
    if (r < 0) {
      throw std::invalid_argument("[tile] Repetitions must be non-negative; got " +
                                  vec_str(reps) + ".");
    }
  }
  Shape in = a.shape();
  int nd = std::max<int>(in.size(), reps.size());
  in.insert(in.begin(), nd - in.size(), 1);
  reps.insert(reps.begin(), nd - reps.size(), 1);
  // (1, d0, 1, d1, ...) broadcast to (r0, d0, r1, d1, ...), then merged.
  Shape expanded, bshape, out;
  for (int i = 0; i < nd; ++i) {
    expanded.push_back(1);
    expanded.push_back(in[i]);
    bshape.push_back(reps[i]);
    bshape.push_back(in[i]);
    out.push_back(reps[i] * in[i]);
  }
  array x = reshape(a, expanded, s);
  x = broadcast_to(x, bshape, s);
  return reshape(x, out, s);
}

array repeat(const array& a, int repeats, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "repeat");
  if (repeats < 0) {
    throw std::invalid_argument(
        "[repeat] Number of repeats cannot be negative; got " +
        std::to_string(repeats) + ".");
  }
  if (repeats == 1) return a;
  array x = expand_dims(a, ax + 1, s);
  Shape bs = x.shape();
  bs[ax + 1] = repeats;
  return flatten(broadcast_to(x, bs, s), ax, ax + 1, s);
}

array repeat(const array& a, int repeats, StreamOrDevice s) {
  return repeat(flatten(a, s), repeats, 0, s);
}

// ---- padding ----

namespace {
// Contiguous runs (start, length, reversed) of source indices that fill the
// padded positions [-lo, 0) or [n, n + hi) of an axis of size n.
struct Run {
  int start, len;
  bool reversed;
};

int reflect_index(int64_t i, int n, bool symmetric) {
  if (symmetric) {
    int64_t m = ((i % (2 * n)) + 2 * n) % (2 * n);
    return int(m < n ? m : 2 * n - 1 - m);
  }
  if (n == 1) return 0;
  int64_t p = 2 * (n - 1);
  int64_t m = ((i % p) + p) % p;
  return int(m < n ? m : p - m);
}

std::vector<Run> index_runs(int64_t from, int64_t to, int n, bool symmetric) {
  std::vector<Run> runs;
  for (int64_t i = from; i < to; ++i) {
    int j = reflect_index(i, n, symmetric);
    if (!runs.empty()) {
      auto& r = runs.back();
      int last = r.reversed ? r.start : r.start + r.len - 1;
      if (r.len == 1 && (j == last + 1 || j == last - 1)) {
        r.reversed = j == last - 1;
        if (r.reversed) r.start = j;
        ++r.len;
        continue;
      }
      if (!r.reversed && j == last + 1) {
        ++r.len;
        continue;
      }
      if (r.reversed && j == last - 1) {
        r.start = j;
        ++r.len;
        continue;
      }
    }
    runs.push_back({j, 1, false});
  }
  return runs;
}

array pad_impl(const array& a, const Shape& low, const Shape& high,
               const array& pad_value, const std::string& mode,
               StreamOrDevice s) {
  int nd = a.ndim();
  for (int i = 0; i < nd; ++i) {
    if (low[i] < 0 || high[i] < 0) {
      throw std::invalid_argument(
          "[pad] Pad widths must be non-negative; got (" +
          std::to_string(low[i]) + ", " + std::to_string(high[i]) +
          ") for axis " + std::to_string(i) + ".");
    }
  }
  if (mode == "constant") {
    if (pad_value.ndim() != 0) {
      throw std::invalid_argument(
          "[pad] The pad value must be a scalar; got shape " +
          shape_str(pad_value.shape()) + ".");
    }
    bool none = true;
    for (int i = 0; i < nd; ++i) none = none && low[i] == 0 && high[i] == 0;
    if (none) return a;
    Shape shape = a.shape();
    for (int i = 0; i < nd; ++i) shape[i] += low[i] + high[i];
    return array(std::move(shape), a.dtype(),
                 std::make_shared<Pad>(to_stream(s), low, high),
                 {a, astype(pad_value, a.dtype(), s)});
  }
  bool edge = mode == "edge";
  bool symmetric = mode == "symmetric";
  if (!edge && !symmetric && mode != "reflect") {
    throw std::invalid_argument(
        "[pad] Invalid padding mode '" + mode +
        "'; expected 'constant', 'edge', 'reflect' or 'symmetric'.");
  }
  array x = a;
  for (int ax = 0; ax < nd; ++ax) {
    if (low[ax] == 0 && high[ax] == 0) continue;
    int n = a.shape()[ax];
    if (n == 0) {
      throw std::invalid_argument(
          "[pad] Cannot extend empty axis " + std::to_string(ax) +
          " with mode '" + mode + "'; only 'constant' pads empty axes.");
    }
    std::vector<array> parts;
    auto add_runs = [&](int64_t from, int64_t to) {
      if (from == to) return;
      if (edge) {
        int j = from < 0 ? 0 : n - 1;
        Shape bs = x.shape();
        bs[ax] = int(to - from);
        parts.push_back(broadcast_to(slice_axis(x, j, j + 1, ax, s), bs, s));
        return;
      }
      for (auto& r : index_runs(from, to, n, symmetric)) {
        array piece = slice_axis(x, r.start, r.start + r.len, ax, s);
        parts.push_back(r.reversed ? flip(piece, ax, s) : piece);
      }
    };
    add_runs(-int64_t(low[ax]), 0);
    parts.push_back(x);
    add_runs(n, int64_t(n) + high[ax]);
    x = concatenate(parts, ax, s);
  }
  return x;
}
}  // namespace

array pad(const array& a, const std::vector<int>& axes, const Shape& low,
          const Shape& high, const array& pad_value, const std::string& mode,
          StreamOrDevice s) {
  if (axes.size() != low.size() || axes.size() != high.size()) {
    throw std::invalid_argument(
        "[pad] Got " + std::to_string(axes.size()) + " axes but " +
        std::to_string(low.size()) + " low and " + std::to_string(high.size()) +
        " high pad widths; expected one of each per axis.");
  }
  Shape lo(a.ndim(), 0), hi(a.ndim(), 0);
  std::vector<bool> seen(a.ndim(), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = normalize_axis(axes[i], a.ndim(), "pad");
    if (seen[ax]) {
      throw std::invalid_argument("[pad] Repeated axis " +
                                  std::to_string(axes[i]) + ".");
    }
    seen[ax] = true;
    lo[ax] = low[i];
    hi[ax] = high[i];
  }
  return pad_impl(a, lo, hi, pad_value, mode, s);
}

array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width,
          const array& pad_value, const std::string& mode, StreamOrDevice s) {
  int nd = a.ndim();
  Shape lo(nd), hi(nd);
  if (pad_width.size() == 1) {
    std::fill(lo.begin(), lo.end(), pad_width[0].first);
    std::fill(hi.begin(), hi.end(), pad_width[0].second);
  } else if (int(pad_width.size()) == nd) {
    for (int i = 0; i < nd; ++i) {
      lo[i] = pad_width[i].first;
      hi[i] = pad_width[i].second;
    }
  } else {
    throw std::invalid_argument(
        "[pad] Invalid number of padding sizes passed to pad with axes of "
        "size " + std::to_string(nd) + "; got " +
        std::to_string(pad_width.size()) + " (before, after) pairs.");
  }
  return pad_impl(a, lo, hi, pad_value, mode, s);
}

array pad(const array& a, const std::pair<int, int>& pad_width,
          const array& pad_value, const std::string& mode, StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int, int>>{pad_width}, pad_value, mode,
             s);
}

array pad(const array& a, int pad_width, const array& pad_value,
          const std::string& mode, StreamOrDevice s) {
  return pad(a, std::vector<std::pair<int, int>>{{pad_width, pad_width}},
             pad_value, mode, s);
}

// ---- roll and flip ----

array roll(const array& a, const Shape& shift, const std::vector<int>& axes,
           StreamOrDevice s) {
  if (shift.size() != axes.size() && shift.size() != 1 && axes.size() != 1) {
    throw std::invalid_argument(
        "[roll] Shift and axes must have the same length (or one of them "
        "length 1); got " + std::to_string(shift.size()) + " shifts and " +
        std::to_string(axes.size()) + " axes.");
  }
  size_t k = std::max(shift.size(), axes.size());
  std::vector<int64_t> total(a.ndim(), 0);
  for (size_t i = 0; i < k; ++i) {
    int ax = normalize_axis(axes[axes.size() == 1 ? 0 : i], a.ndim(), "roll");
    total[ax] += shift[shift.size() == 1 ? 0 : i];
  }
  array x = a;
  for (int ax = 0; ax < a.ndim(); ++ax) {
    int n = a.shape()[ax];
    if (n == 0) continue;
    int sh = int(((total[ax] % n) + n) % n);
    if (sh == 0) continue;
    auto parts = split(x, Shape{n - sh}, ax, s);
    x = concatenate({parts[1], parts[0]}, ax, s);
  }
  return x;
}

array roll(const array& a, int shift, const std::vector<int>& axes,
           StreamOrDevice s) {
  return roll(a, Shape{shift}, axes, s);
}

array roll(const array& a, int shift, int axis, StreamOrDevice s) {
  return roll(a, Shape{shift}, std::vector<int>{axis}, s);
}

array roll(const array& a, const Shape& shift, StreamOrDevice s) {
  int64_t total = 0;
  for (int v : shift) total += v;
  int64_t n = int64_t(a.size());
  int sh = n ? int(total % n) : 0;
  return reshape(roll(flatten(a, s), Shape{sh}, std::vector<int>{0}, s),
                 a.shape(), s);
}

array roll(const array& a, int shift, StreamOrDevice s) {
  return roll(a, Shape{shift}, s);
}

array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "flip");
  std::vector<int> kept;
  for (int i : ax) {
    if (a.shape()[i] > 1) kept.push_back(i);
  }
  if (kept.empty()) return a;
  return array(a.shape(), a.dtype(),
               std::make_shared<Flip>(to_stream(s), std::move(kept)), {a});
}

array flip(const array& a, int axis, StreamOrDevice s) {
  return flip(a, std::vector<int>{axis}, s);
}

array flip(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return flip(a, axes, s);
}

// ---- diagonals ----

array diagonal(const array& a, int offset, int axis1, int axis2,
               StreamOrDevice s) {
  int nd = a.ndim();
  if (nd < 2) {
    throw std::invalid_argument(
        "[diagonal] Array must have at least two dimensions; got shape " +
        shape_str(a.shape()) + ".");
  }
  int a1 = normalize_axis(axis1, nd, "diagonal");
  int a2 = normalize_axis(axis2, nd, "diagonal");
  if (a1 == a2) {
    throw std::invalid_argument(
        "[diagonal] axis1 and axis2 cannot be the same axis; got " +
        std::to_string(axis1) + " and " + std::to_string(axis2) + ".");
  }
  int64_t n1 = a.shape()[a1], n2 = a.shape()[a2];
  int64_t len = offset >= 0 ? std::min(n1, n2 - offset)
                            : std::min(n1 + offset, n2);
  Shape shape;
  for (int i = 0; i < nd; ++i) {
    if (i != a1 && i != a2) shape.push_back(a.shape()[i]);
  }
  shape.push_back(ShapeElem(std::max<int64_t>(len, 0)));
  return array(std::move(shape), a.dtype(),
               std::make_shared<Diagonal>(to_stream(s), offset, a1, a2), {a});
}

array diag(const array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 1) {
    int n = a.shape()[0] + std::abs(k);
    return detail::diag_embed(a, n, n, k, s);
  }
  if (a.ndim() == 2) return diagonal(a, k, 0, 1, s);
  throw std::invalid_argument("[diag] Input must be 1-D or 2-D; got shape " +
                              shape_str(a.shape()) + ".");
}

array trace(const array& a, int offset, int axis1, int axis2, Dtype dtype,
            StreamOrDevice s) {
  array d = diagonal(a, offset, axis1, axis2, s);
  return astype(sum(d, -1, false, s), dtype, s);
}

array trace(const array& a, int offset, int axis1, int axis2,
            StreamOrDevice s) {
  return trace(a, offset, axis1, axis2, a.dtype(), s);
}

array trace(const array& a, StreamOrDevice s) {
  return trace(a, 0, 0, 1, a.dtype(), s);
}

namespace detail {
array diag_embed(const array& v, int n, int m, int offset, StreamOrDevice s) {
  // Diagonal element i of an (n, m) matrix sits at flat position
  // i * (m + 1) + front: lay v out with m zeros after each element.
  int nd = v.ndim();
  int64_t len = v.shape()[nd - 1];
  int64_t front = offset >= 0 ? offset : -int64_t(offset) * m;
  int64_t total = int64_t(n) * m;
  array x = expand_dims(v, -1, s);
  Shape lo(nd + 1, 0), hi(nd + 1, 0);
  hi[nd] = m;
  x = pad_impl(x, lo, hi, array(0, v.dtype()), "constant", s);
  x = flatten(x, nd - 1, nd, s);
  int64_t cur = front + len * (m + 1);
  if (cur > total) {
    x = slice_axis(x, 0, int(total - front), nd - 1, s);
    cur = total;
  }
  Shape plo(nd, 0), phi(nd, 0);
  plo[nd - 1] = int(front);
  phi[nd - 1] = int(total - cur);
  x = pad_impl(x, plo, phi, array(0, v.dtype()), "constant", s);
  return unflatten(x, nd - 1, {n, m}, s);
}
}  // namespace detail

// ---- dimension helpers ----

array atleast_1d(const array& a, StreamOrDevice s) {
  return a.ndim() == 0 ? reshape(a, {1}, s) : a;
}

array atleast_2d(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1, 1}, s);
  if (a.ndim() == 1) return expand_dims(a, 0, s);
  return a;
}

array atleast_3d(const array& a, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1, 1, 1}, s);
  if (a.ndim() == 1) return expand_dims(a, {0, 2}, s);
  if (a.ndim() == 2) return expand_dims(a, 2, s);
  return a;
}

std::vector<array> atleast_1d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (auto& x : a) out.push_back(atleast_1d(x, s));
  return out;
}

std::vector<array> atleast_2d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (auto& x : a) out.push_back(atleast_2d(x, s));
  return out;
}

std::vector<array> atleast_3d(const std::vector<array>& a, StreamOrDevice s) {
  std::vector<array> out;
  for (auto& x : a) out.push_back(atleast_3d(x, s));
  return out;
}

// ---- reinterpretation ----

array view(const array& a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  int in = size_of(a.dtype()), out = size_of(dtype);
  Shape shape = a.shape();
  if (in != out) {
    if (a.ndim() == 0) {
      throw std::invalid_argument(
          "[view] Changing the type of a scalar is only allowed for types "
          "with the same size; got " + std::to_string(in) + " and " +
          std::to_string(out) + " bytes.");
    }
    int64_t bytes = int64_t(shape.back()) * in;
    if (bytes % out != 0) {
      throw std::invalid_argument(
          "[view] Cannot view array of shape " + shape_str(shape) + " with " +
          std::to_string(in) + "-byte elements as " + std::to_string(out) +
          "-byte elements: the last axis is not divisible.");
    }
    shape.back() = ShapeElem(bytes / out);
  }
  return array(std::move(shape), dtype,
               std::make_shared<View>(to_stream(s), dtype), {a});
}

array as_strided(const array& a, Shape shape, Strides strides, size_t offset,
                 StreamOrDevice s) {
  if (shape.size() != strides.size()) {
    throw std::invalid_argument(
        "[as_strided] Shape " + shape_str(shape) + " and " +
        std::to_string(strides.size()) +
        " strides must have the same length.");
  }
  int64_t lo = int64_t(offset), hi = int64_t(offset);
  bool empty = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      throw std::invalid_argument("[as_strided] Negative dimension in shape " +
                                  shape_str(shape) + ".");
    }
    if (shape[i] == 0) empty = true;
    int64_t ext = int64_t(shape[i] - 1) * strides[i];
    (ext < 0 ? lo : hi) += ext;
  }
  if (!empty && (lo < 0 || hi >= int64_t(a.size()))) {
    throw std::invalid_argument(
        "[as_strided] The view with shape " + shape_str(shape) +
        " and offset " + std::to_string(offset) +
        " reaches elements [" + std::to_string(lo) + ", " + std::to_string(hi) +
        "] outside an array of size " + std::to_string(a.size()) + ".");
  }
  auto prim = std::make_shared<AsStrided>(to_stream(s), shape,
                                          std::move(strides),
                                          empty ? 0 : offset);
  return array(std::move(shape), a.dtype(), std::move(prim), {a});
}

// ---- differences ----

array diff(const array& a, int n, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw std::invalid_argument(
        "[diff] Input must be at least one-dimensional; got a 0-d array.");
  }
  if (n < 0) {
    throw std::invalid_argument("[diff] Order n must be non-negative; got " +
                                std::to_string(n) + ".");
  }
  int ax = normalize_axis(axis, a.ndim(), "diff");
  array x = a;
  for (int k = 0; k < n; ++k) {
    int len = x.shape()[ax];
    if (len == 0) break;
    array hi = slice_axis(x, 1, len, ax, s);
    array lo = slice_axis(x, 0, len - 1, ax, s);
    x = x.dtype() == bool_ ? not_equal(hi, lo, s) : subtract(hi, lo, s);
  }
  return x;
}

}  // namespace ember
