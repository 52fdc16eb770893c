// Sorting, selection and search (spec/core.md §11). Without an axis the
// flattened array is used.
#pragma once

#include <string>

#include "ember/core/array.h"

namespace ember {

/// Sorted copy along `axis` (stable; NaNs last).
array sort(const array& a, int axis, StreamOrDevice s = {});
array sort(const array& a, StreamOrDevice s = {});
/// Indices (uint32) that sort `a` along `axis` (stable; NaNs last).
array argsort(const array& a, int axis, StreamOrDevice s = {});
array argsort(const array& a, StreamOrDevice s = {});
/// Copy with the element at position kth (negative counts from the end) in
/// its sorted place, smaller-or-equal elements before it, larger after.
array partition(const array& a, int kth, int axis, StreamOrDevice s = {});
array partition(const array& a, int kth, StreamOrDevice s = {});
/// Indices (uint32) that partition `a` around kth along `axis`.
array argpartition(const array& a, int kth, int axis, StreamOrDevice s = {});
array argpartition(const array& a, int kth, StreamOrDevice s = {});
/// The k largest elements along `axis`, in no particular order.
array topk(const array& a, int k, int axis, StreamOrDevice s = {});
array topk(const array& a, int k, StreamOrDevice s = {});
/// Insertion indices (uint32, shape of `values`) of `values` into the 1-D
/// ascending `sorted_sequence`; side "left" counts elements < v, "right" <= v.
array searchsorted(const array& sorted_sequence, const array& values,
                   const std::string& side = "left", StreamOrDevice s = {});

}  // namespace ember
