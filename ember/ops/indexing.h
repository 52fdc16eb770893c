// Slicing, gather/scatter and indexing ops (spec/core.md §3, §10); the C++
// layer under Python's __getitem__, __setitem__ and .at[] updates.
//
// Index arrays may have any integer dtype; negative indices wrap once. Indices
// that are still out of range never touch memory outside the array: gathers
// (take, take_along_axis, gather, dynamic slice starts) clamp them into range,
// scatters (scatter*, put_along_axis) drop those updates.
#pragma once

#include <type_traits>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Strided slice a[start:stop:strides] per axis (Python slice rules: negative
/// bounds wrap, bounds clamp, negative strides allowed). A view of `a`.
array slice(const array& a, Shape start, Shape stop, Shape strides,
            StreamOrDevice s = {});
/// a[start:stop] per axis with unit strides.
array slice(const array& a, Shape start, Shape stop, StreamOrDevice s = {});
/// Dynamic slice: start positions along `axes` come from the integer array
/// `start_indices` (one per axis); `slice_size` is the output shape (one
/// entry per dimension of `a`, or one per entry of `axes`). Starts are
/// clamped so that the slice fits.
/// (A template so that braced lists pick the static overload.)
template <typename A,
          std::enable_if_t<std::is_same_v<std::decay_t<A>, array>, int> = 0>
array slice(const array& a, const A& start_indices, std::vector<int> axes,
            Shape slice_size, StreamOrDevice s = {});

/// Copy of `src` with src[start:stop:strides] replaced by `update` (broadcast
/// to the slice shape, cast to src's dtype).
array slice_update(const array& src, const array& update, Shape start,
                   Shape stop, Shape strides, StreamOrDevice s = {});
/// Same with unit strides.
array slice_update(const array& src, const array& update, Shape start,
                   Shape stop, StreamOrDevice s = {});
/// Dynamic slice update: the region of update's shape starting at
/// `start_indices` along `axes` (0 along other axes) is replaced by `update`.
template <typename A,
          std::enable_if_t<std::is_same_v<std::decay_t<A>, array>, int> = 0>
array slice_update(const array& src, const array& update,
                   const A& start_indices, std::vector<int> axes,
                   StreamOrDevice s = {});

/// Elements of `a` at `indices` along `axis`: the axis is replaced by the
/// index shape.
array take(const array& a, const array& indices, int axis,
           StreamOrDevice s = {});
/// take with one static index: drops `axis`; raises if out of range.
array take(const array& a, int index, int axis, StreamOrDevice s = {});
/// take from the flattened array.
array take(const array& a, const array& indices, StreamOrDevice s = {});
array take(const array& a, int index, StreamOrDevice s = {});

/// out[..., j, ...] = a[..., indices[..., j, ...], ...] along `axis`;
/// indices.ndim == a.ndim, the other axes broadcast.
array take_along_axis(const array& a, const array& indices, int axis,
                      StreamOrDevice s = {});
/// take_along_axis on the flattened array (axis=None).
array take_along_axis(const array& a, const array& indices,
                      StreamOrDevice s = {});
/// Copy of `a` with a[..., indices[..., j, ...], ...] = values along `axis`.
array put_along_axis(const array& a, const array& indices, const array& values,
                     int axis, StreamOrDevice s = {});
/// put_along_axis on the flattened array (axis=None); keeps a's shape.
array put_along_axis(const array& a, const array& indices, const array& values,
                     StreamOrDevice s = {});
/// Like put_along_axis but duplicate indices accumulate (sum).
array scatter_add_axis(const array& a, const array& indices,
                       const array& values, int axis, StreamOrDevice s = {});

/// Gathers slices of shape `slice_sizes` from `a` starting at the positions
/// given by `indices` (broadcast together, one array per entry of `axes`).
/// Output shape: broadcast index shape + slice_sizes.
array gather(const array& a, const std::vector<array>& indices,
             const std::vector<int>& axes, const Shape& slice_sizes,
             StreamOrDevice s = {});
array gather(const array& a, const array& indices, int axis,
             const Shape& slice_sizes, StreamOrDevice s = {});

/// Copy of `a` with slices `updates` written at `indices` along `axes`;
/// updates.shape = broadcast index shape + slice shape (a.ndim dims).
/// Which of several duplicate writes wins is unspecified.
array scatter(const array& a, const std::vector<array>& indices,
              const array& updates, const std::vector<int>& axes,
              StreamOrDevice s = {});
array scatter(const array& a, const array& indices, const array& updates,
              int axis, StreamOrDevice s = {});
/// scatter that adds the updates (duplicates accumulate).
array scatter_add(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});
array scatter_add(const array& a, const array& indices, const array& updates,
                  int axis, StreamOrDevice s = {});
/// scatter that multiplies by the updates (duplicates accumulate).
array scatter_prod(const array& a, const std::vector<array>& indices,
                   const array& updates, const std::vector<int>& axes,
                   StreamOrDevice s = {});
array scatter_prod(const array& a, const array& indices, const array& updates,
                   int axis, StreamOrDevice s = {});
/// scatter that keeps the maximum.
array scatter_max(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});
array scatter_max(const array& a, const array& indices, const array& updates,
                  int axis, StreamOrDevice s = {});
/// scatter that keeps the minimum.
array scatter_min(const array& a, const std::vector<array>& indices,
                  const array& updates, const std::vector<int>& axes,
                  StreamOrDevice s = {});
array scatter_min(const array& a, const array& indices, const array& updates,
                  int axis, StreamOrDevice s = {});

/// Copy of `a` where the positions with a true `mask` (bool, broadcast to
/// a's shape) take consecutive elements of `values` (flattened, row-major;
/// reused cyclically if it is shorter, so a single value fills every slot).
array masked_scatter(const array& a, const array& mask, const array& values,
                     StreamOrDevice s = {});

namespace detail {
array dynamic_slice(const array& a, const array& start_indices,
                    std::vector<int> axes, Shape slice_size, StreamOrDevice s);
array dynamic_slice_update(const array& src, const array& update,
                           const array& start_indices, std::vector<int> axes,
                           StreamOrDevice s);
}  // namespace detail

template <typename A, std::enable_if_t<std::is_same_v<std::decay_t<A>, array>, int>>
array slice(const array& a, const A& start_indices, std::vector<int> axes,
            Shape slice_size, StreamOrDevice s) {
  return detail::dynamic_slice(a, start_indices, std::move(axes),
                               std::move(slice_size), s);
}
template <typename A, std::enable_if_t<std::is_same_v<std::decay_t<A>, array>, int>>
array slice_update(const array& src, const array& update,
                   const A& start_indices, std::vector<int> axes,
                   StreamOrDevice s) {
  return detail::dynamic_slice_update(src, update, start_indices,
                                      std::move(axes), s);
}

/// Returns `inputs` unchanged, but computing them also computes
/// `dependencies` (extra graph edges).
std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies);

}  // namespace ember
