#include "ember/ops/scan.h"

#include <stdexcept>

#include "ember/ops/copy.h"
#include "ember/ops/shape.h"
#include "ember/ops/utils.h"
#include "ember/primitives/scan.h"

namespace ember {

namespace {
array make_scan(const array& a, Scan::ReduceType type, int axis, bool reverse,
                bool inclusive, Dtype dtype, const char* op, StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw std::invalid_argument(op_prefix(op) +
                                "Expected an array with at least one "
                                "dimension; got a 0-d array.");
  }
  int ax = normalize_axis(axis, a.ndim(), op);
  array x = astype(a, dtype, s);
  auto shape = x.shape();
  return array(std::move(shape), dtype,
               std::make_shared<Scan>(to_stream(s), type, ax, reverse, inclusive),
               {x});
}

// Output dtype of cumsum/cumprod: `dtype` if given, bool widens to int32.
Dtype accum_dtype(const array& a, std::optional<Dtype> dtype) {
  if (dtype) return *dtype;
  return a.dtype() == bool_ ? int32 : a.dtype();
}

array flat(const array& a, StreamOrDevice s) { return reshape(a, {-1}, s); }
}  // namespace

array cumsum(const array& a, int axis, bool reverse, bool inclusive,
             std::optional<Dtype> dtype, StreamOrDevice s) {
  Dtype d = accum_dtype(a, dtype);
  if (d == bool_) d = int32;
  return make_scan(a, Scan::Sum, axis, reverse, inclusive, d, "cumsum", s);
}
array cumsum(const array& a, bool reverse, bool inclusive,
             std::optional<Dtype> dtype, StreamOrDevice s) {
  return cumsum(flat(a, s), 0, reverse, inclusive, dtype, s);
}

array cumprod(const array& a, int axis, bool reverse, bool inclusive,
              std::optional<Dtype> dtype, StreamOrDevice s) {
  Dtype d = accum_dtype(a, dtype);
  if (d == bool_) d = int32;
  return make_scan(a, Scan::Prod, axis, reverse, inclusive, d, "cumprod", s);
}
array cumprod(const array& a, bool reverse, bool inclusive,
              std::optional<Dtype> dtype, StreamOrDevice s) {
  return cumprod(flat(a, s), 0, reverse, inclusive, dtype, s);
}

array cummax(const array& a, int axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return make_scan(a, Scan::Max, axis, reverse, inclusive, a.dtype(), "cummax",
                   s);
}
array cummax(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cummax(flat(a, s), 0, reverse, inclusive, s);
}

array cummin(const array& a, int axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return make_scan(a, Scan::Min, axis, reverse, inclusive, a.dtype(), "cummin",
                   s);
}
array cummin(const array& a, bool reverse, bool inclusive, StreamOrDevice s) {
  return cummin(flat(a, s), 0, reverse, inclusive, s);
}

array logcumsumexp(const array& a, int axis, bool reverse, bool inclusive,
                   StreamOrDevice s) {
  Dtype d = at_least_float(a.dtype());
  if (is_complex(d)) {
    throw std::invalid_argument(
        "[logcumsumexp] Expected a real input; got dtype complex64.");
  }
  return make_scan(a, Scan::LogAddExp, axis, reverse, inclusive, d,
                   "logcumsumexp", s);
}
array logcumsumexp(const array& a, bool reverse, bool inclusive,
                   StreamOrDevice s) {
  return logcumsumexp(flat(a, s), 0, reverse, inclusive, s);
}

}  // namespace ember
