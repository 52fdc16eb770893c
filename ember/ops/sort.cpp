#include "ember/ops/sort.h"

#include <stdexcept>

#include "ember/ops/copy.h"
#include "ember/ops/indexing.h"
#include "ember/ops/shape.h"
#include "ember/ops/utils.h"
#include "ember/primitives/sort.h"

namespace ember {

namespace {
template <typename P>
array make_sort(const array& a, int axis, int kth, Dtype dtype, const char* op,
                StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw std::invalid_argument(op_prefix(op) +
                                "Expected an array with at least one "
                                "dimension; got a 0-d array.");
  }
  int ax = normalize_axis(axis, a.ndim(), op);
  auto shape = a.shape();
  return array(std::move(shape), dtype,
               std::make_shared<P>(to_stream(s), ax, kth), {a});
}

int check_kth(const array& a, int kth, int axis, const char* op) {
  if (a.ndim() == 0) return kth;
  int n = a.shape(normalize_axis(axis, a.ndim(), op));
  if (kth < -n || kth >= n) {
    throw std::invalid_argument(op_prefix(op) + "kth " + std::to_string(kth) +
                                " is out of range for an axis of size " +
                                std::to_string(n) + ".");
  }
  return kth < 0 ? kth + n : kth;
}

array flat(const array& a, StreamOrDevice s) { return reshape(a, {-1}, s); }
}  // namespace

array sort(const array& a, int axis, StreamOrDevice s) {
  return make_sort<Sort>(a, axis, 0, a.dtype(), "sort", s);
}
array sort(const array& a, StreamOrDevice s) { return sort(flat(a, s), 0, s); }

array argsort(const array& a, int axis, StreamOrDevice s) {
  return make_sort<ArgSort>(a, axis, 0, uint32, "argsort", s);
}
array argsort(const array& a, StreamOrDevice s) {
  return argsort(flat(a, s), 0, s);
}

array partition(const array& a, int kth, int axis, StreamOrDevice s) {
  int k = check_kth(a, kth, axis, "partition");
  return make_sort<Partition>(a, axis, k, a.dtype(), "partition", s);
}
array partition(const array& a, int kth, StreamOrDevice s) {
  return partition(flat(a, s), kth, 0, s);
}

array argpartition(const array& a, int kth, int axis, StreamOrDevice s) {
  int k = check_kth(a, kth, axis, "argpartition");
  return make_sort<ArgPartition>(a, axis, k, uint32, "argpartition", s);
}
array argpartition(const array& a, int kth, StreamOrDevice s) {
  return argpartition(flat(a, s), kth, 0, s);
}

array topk(const array& a, int k, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw std::invalid_argument(
        "[topk] Expected an array with at least one dimension; got a 0-d "
        "array.");
  }
  int ax = normalize_axis(axis, a.ndim(), "topk");
  int n = a.shape(ax);
  if (k < 0 || k > n) {
    throw std::invalid_argument("[topk] k " + std::to_string(k) +
                                " is out of range for an axis of size " +
                                std::to_string(n) + ".");
  }
  if (k == 0 || k == n) {
    // Nothing to select / everything selected: no partition needed.
    Shape start(a.ndim(), 0), stop = a.shape();
    start[ax] = n - k;
    return slice(a, start, stop, s);
  }
  array p = make_sort<Partition>(a, ax, n - k, a.dtype(), "topk", s);
  Shape start(a.ndim(), 0), stop = a.shape();
  start[ax] = n - k;
  return slice(p, start, stop, s);
}
array topk(const array& a, int k, StreamOrDevice s) {
  return topk(flat(a, s), k, 0, s);
}

array searchsorted(const array& sorted_sequence, const array& values,
                   const std::string& side, StreamOrDevice s) {
  if (sorted_sequence.ndim() != 1) {
    throw std::invalid_argument(
        "[searchsorted] Expected a 1-D sorted sequence; got shape " +
        shape_str(sorted_sequence.shape()) + ".");
  }
  if (side != "left" && side != "right") {
    throw std::invalid_argument(
        "[searchsorted] side must be 'left' or 'right'; got '" + side + "'.");
  }
  if (is_complex(sorted_sequence.dtype()) || is_complex(values.dtype())) {
    throw std::invalid_argument(
        "[searchsorted] Complex inputs are not supported; got dtype complex64.");
  }
  // Compare in the promoted dtype.
  Dtype dtype = promote_types(sorted_sequence.dtype(), values.dtype());
  array seq = astype(sorted_sequence, dtype, s);
  array v = astype(values, dtype, s);
  auto shape = v.shape();
  return array(std::move(shape), uint32,
               std::make_shared<SearchSorted>(to_stream(s), side == "right"),
               {seq, v});
}

}  // namespace ember
