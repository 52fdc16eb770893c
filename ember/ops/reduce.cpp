#include "ember/ops/reduce.h"

#include <numeric>
#include <stdexcept>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/creation.h"
#include "ember/ops/indexing.h"
#include "ember/ops/shape.h"
#include "ember/ops/sort.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "ember/ops/utils.h"
#include "ember/primitives/reduce.h"

namespace ember {

namespace {

std::vector<int> all_axes(const array& a) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

Shape keepdims_shape(const array& a, const std::vector<int>& axes) {
  Shape shape = a.shape();
  for (int ax : axes) shape[ax] = 1;
  return shape;
}

Shape squeezed_shape(const array& a, const std::vector<int>& axes) {
  Shape shape;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) {
      shape.push_back(a.shape(i));
    }
  }
  return shape;
}

size_t reduced_size(const array& a, const std::vector<int>& axes) {
  size_t n = 1;
  for (int ax : axes) n *= size_t(a.shape(ax));
  return n;
}

// Reshapes a keepdims result to the squeezed shape when !keepdims.
array finish(const array& out, const array& a, const std::vector<int>& axes,
             bool keepdims, Stream s) {
  if (keepdims) return out;
  return reshape(out, squeezed_shape(a, axes), s);
}

array make_reduce(const array& a, Reduce::ReduceType type,
                  const std::vector<int>& axes, bool keepdims, Dtype dtype,
                  Stream s) {
  array out(keepdims_shape(a, axes), dtype,
            std::make_shared<Reduce>(s, type, axes), {a});
  return finish(out, a, axes, keepdims, s);
}

void check_nonempty(const array& a, const std::vector<int>& axes,
                    const char* op) {
  if (reduced_size(a, axes) == 0) {
    throw std::invalid_argument(
        op_prefix(op) + "Cannot reduce a zero-size slice (no identity); got "
        "array of shape " + shape_str(a.shape()) + ".");
  }
}

}  // namespace

// ---- all / any ----

array all(const array& a, const std::vector<int>& axes, bool keepdims,
          StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "all");
  if (ax.empty()) return astype(a, bool_, s);
  return make_reduce(a, Reduce::And, ax, keepdims, bool_, to_stream(s));
}
array any(const array& a, const std::vector<int>& axes, bool keepdims,
          StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "any");
  if (ax.empty()) return astype(a, bool_, s);
  return make_reduce(a, Reduce::Or, ax, keepdims, bool_, to_stream(s));
}

// ---- sum / prod / max / min ----

array sum(const array& a, const std::vector<int>& axes, bool keepdims,
          StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "sum");
  if (ax.empty()) return a;
  return make_reduce(a, Reduce::Sum, ax, keepdims, sum_dtype(a.dtype()),
                     to_stream(s));
}
array prod(const array& a, const std::vector<int>& axes, bool keepdims,
           StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "prod");
  if (ax.empty()) return a;
  return make_reduce(a, Reduce::Prod, ax, keepdims, sum_dtype(a.dtype()),
                     to_stream(s));
}
array max(const array& a, const std::vector<int>& axes, bool keepdims,
          StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "max");
  if (ax.empty()) return a;
  check_nonempty(a, ax, "max");
  return make_reduce(a, Reduce::Max, ax, keepdims, a.dtype(), to_stream(s));
}
array min(const array& a, const std::vector<int>& axes, bool keepdims,
          StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "min");
  if (ax.empty()) return a;
  check_nonempty(a, ax, "min");
  return make_reduce(a, Reduce::Min, ax, keepdims, a.dtype(), to_stream(s));
}

// ---- composites ----

array mean(const array& a, const std::vector<int>& axes, bool keepdims,
           StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "mean");
  Dtype dtype = at_least_float(a.dtype());
  double n = double(reduced_size(a, ax));
  array total = sum(astype(a, dtype, s), ax, keepdims, s);
  return multiply(total, array(1.0 / n, dtype), s);
}

array count_nonzero(const array& a, const std::vector<int>& axes,
                    bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "count_nonzero");
  return astype(sum(astype(a, bool_, s), ax, keepdims, s), int32, s);
}

array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims,
                StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "logsumexp");
  Dtype dtype = at_least_float(a.dtype());
  if (is_complex(dtype)) {
    throw std::invalid_argument(
        "[logsumexp] Expected a real input; got dtype complex64.");
  }
  array x = astype(a, dtype, s);
  if (ax.empty()) return x;
  auto st = to_stream(s);
  array out(keepdims_shape(x, ax), dtype, std::make_shared<LogSumExp>(st, ax),
            {x});
  return finish(out, x, ax, keepdims, st);
}

array var(const array& a, const std::vector<int>& axes, bool keepdims,
          int ddof, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "var");
  Dtype dtype = at_least_float(a.dtype());
  array x = astype(a, dtype, s);
  array mu = mean(x, ax, true, s);
  array d = subtract(x, mu, s);
  array sq = is_complex(dtype) ? square(abs(d, s), s) : multiply(d, d, s);
  Dtype rdtype = is_complex(dtype) ? float32 : dtype;
  double n = double(reduced_size(a, ax)) - double(ddof);
  return divide(sum(sq, ax, keepdims, s), array(std::max(n, 0.0), rdtype), s);
}

array std(const array& a, const std::vector<int>& axes, bool keepdims,
          int ddof, StreamOrDevice s) {
  return sqrt(var(a, axes, keepdims, ddof, s), s);
}

array median(const array& a, const std::vector<int>& axes, bool keepdims,
             StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "median");
  Dtype dtype = at_least_float(a.dtype());
  if (is_complex(dtype)) {
    throw std::invalid_argument(
        "[median] Expected a real input; got dtype complex64.");
  }
  array x = astype(a, dtype, s);
  if (ax.empty()) return x;
  int n = int(reduced_size(a, ax));
  auto st = to_stream(s);
  Shape out_shape = keepdims ? keepdims_shape(a, ax) : squeezed_shape(a, ax);
  if (n == 0) return full(out_shape, std::nan(""), dtype, s);
  // Move the reduced axes last, flatten them, sort, pick the middle.
  std::vector<int> perm;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(ax.begin(), ax.end(), i) == ax.end()) perm.push_back(i);
  }
  for (int i : ax) perm.push_back(i);
  Shape flat_shape = squeezed_shape(a, ax);
  flat_shape.push_back(n);
  array sorted = sort(reshape(transpose(x, perm, s), flat_shape, s), -1, s);
  // Average in float32 at least so that f16 midpoints don't overflow.
  Dtype mid_dtype = promote_types(dtype, float32);
  array lo = astype(take(sorted, (n - 1) / 2, -1, s), mid_dtype, s);
  array hi = astype(take(sorted, n / 2, -1, s), mid_dtype, s);
  array med = astype(multiply(add(lo, hi, s), array(0.5, mid_dtype), s), dtype, s);
  // NaNs sort last: a NaN anywhere in the slice shows up at the end.
  array last = take(sorted, n - 1, -1, s);
  med = where(isnan(last, s), last, med, s);
  return reshape(med, out_shape, st);
}

// ---- argmax / argmin ----

namespace {
array arg_reduce(const array& a, int axis, bool keepdims,
                 ArgReduce::ReduceType type, const char* op, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), op);
  if (a.shape(ax) == 0) {
    throw std::invalid_argument(op_prefix(op) +
                                "Cannot take the arg of an empty axis; got "
                                "array of shape " + shape_str(a.shape()) + ".");
  }
  auto st = to_stream(s);
  array out(keepdims_shape(a, {ax}), uint32,
            std::make_shared<ArgReduce>(st, type, ax), {a});
  return finish(out, a, {ax}, keepdims, st);
}

array arg_reduce_all(const array& a, bool keepdims, ArgReduce::ReduceType type,
                     const char* op, StreamOrDevice s) {
  if (a.size() == 0) {
    throw std::invalid_argument(op_prefix(op) +
                                "Cannot take the arg of an empty array; got "
                                "shape " + shape_str(a.shape()) + ".");
  }
  array out = arg_reduce(reshape(a, {-1}, s), 0, false, type, op, s);
  if (keepdims) out = reshape(out, Shape(a.ndim(), 1), s);
  return out;
}
}  // namespace

array argmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::ArgMax, "argmax", s);
}
array argmax(const array& a, bool keepdims, StreamOrDevice s) {
  return arg_reduce_all(a, keepdims, ArgReduce::ArgMax, "argmax", s);
}
array argmin(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::ArgMin, "argmin", s);
}
array argmin(const array& a, bool keepdims, StreamOrDevice s) {
  return arg_reduce_all(a, keepdims, ArgReduce::ArgMin, "argmin", s);
}

// ---- softmax ----

array softmax(const array& a, const std::vector<int>& axes, bool precise,
              StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "softmax");
  Dtype dtype = at_least_float(a.dtype());
  if (is_complex(dtype)) {
    throw std::invalid_argument(
        "[softmax] Expected a real input; got dtype complex64.");
  }
  array x = astype(a, dtype, s);
  if (x.size() == 0) return x;
  auto shape = x.shape();
  return array(std::move(shape), dtype,
               std::make_shared<Softmax>(to_stream(s), ax, precise), {x});
}
array softmax(const array& a, int axis, bool precise, StreamOrDevice s) {
  return softmax(a, std::vector<int>{axis}, precise, s);
}
array softmax(const array& a, bool precise, StreamOrDevice s) {
  return softmax(a, all_axes(a), precise, s);
}

// ---- overloads: all axes / one axis ----

#define EMBER_REDUCE_OVERLOADS(NAME)                                      \
  array NAME(const array& a, bool keepdims, StreamOrDevice s) {           \
    return NAME(a, all_axes(a), keepdims, s);                             \
  }                                                                       \
  array NAME(const array& a, int axis, bool keepdims, StreamOrDevice s) { \
    return NAME(a, std::vector<int>{axis}, keepdims, s);                  \
  }
EMBER_REDUCE_OVERLOADS(all)
EMBER_REDUCE_OVERLOADS(any)
EMBER_REDUCE_OVERLOADS(sum)
EMBER_REDUCE_OVERLOADS(prod)
EMBER_REDUCE_OVERLOADS(max)
EMBER_REDUCE_OVERLOADS(min)
EMBER_REDUCE_OVERLOADS(mean)
EMBER_REDUCE_OVERLOADS(logsumexp)
EMBER_REDUCE_OVERLOADS(median)
EMBER_REDUCE_OVERLOADS(count_nonzero)
#undef EMBER_REDUCE_OVERLOADS

#define EMBER_VAR_OVERLOADS(NAME)                                              \
  array NAME(const array& a, bool keepdims, int ddof, StreamOrDevice s) {      \
    return NAME(a, all_axes(a), keepdims, ddof, s);                            \
  }                                                                            \
  array NAME(const array& a, int axis, bool keepdims, int ddof,                \
             StreamOrDevice s) {                                               \
    return NAME(a, std::vector<int>{axis}, keepdims, ddof, s);                 \
  }
EMBER_VAR_OVERLOADS(var)
EMBER_VAR_OVERLOADS(std)
#undef EMBER_VAR_OVERLOADS

}  // namespace ember
