// Shape manipulation (spec/core.md §9): broadcasting, reshaping, transposing,
// joining and splitting, padding, ... Views share the input's buffer.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Broadcasts `a` to `shape` (NumPy rules); a view, no copy.
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
/// Broadcasts all inputs against each other.
std::vector<array> broadcast_arrays(const std::vector<array>& inputs,
                                    StreamOrDevice s = {});
/// Reshapes `a`; one dimension may be -1.
array reshape(const array& a, Shape shape, StreamOrDevice s = {});

/// Permutes the axes: output axis i is input axis `axes[i]`; a view.
array transpose(const array& a, std::vector<int> axes, StreamOrDevice s = {});
/// Reverses the axes; a view.
array transpose(const array& a, StreamOrDevice s = {});
/// Same as transpose.
array permute_dims(const array& a, std::vector<int> axes,
                   StreamOrDevice s = {});
array permute_dims(const array& a, StreamOrDevice s = {});
/// Swaps two axes; a view.
array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s = {});
/// Moves axis `source` to position `destination`; a view.
array moveaxis(const array& a, int source, int destination,
               StreamOrDevice s = {});

/// Inserts a size-1 axis at `axis` (an output position); a view.
array expand_dims(const array& a, int axis, StreamOrDevice s = {});
/// Inserts size-1 axes at the output positions `axes`; a view.
array expand_dims(const array& a, const std::vector<int>& axes,
                  StreamOrDevice s = {});
/// Removes all size-1 axes; a view.
array squeeze(const array& a, StreamOrDevice s = {});
/// Removes the size-1 axis `axis`; a view. Throws if its size is not 1.
array squeeze(const array& a, int axis, StreamOrDevice s = {});
/// Removes the size-1 axes `axes`; a view.
array squeeze(const array& a, const std::vector<int>& axes,
              StreamOrDevice s = {});

/// Merges axes start_axis..end_axis (clamped to the array) into one.
array flatten(const array& a, int start_axis, int end_axis = -1,
              StreamOrDevice s = {});
/// Flattens to 1-D.
array flatten(const array& a, StreamOrDevice s = {});
/// Splits axis `axis` into `shape` (one entry may be -1).
array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s = {});

/// Joins arrays along an existing axis; dtypes are promoted.
array concatenate(const std::vector<array>& arrays, int axis,
                  StreamOrDevice s = {});
/// Joins the flattened arrays (axis=None).
array concatenate(const std::vector<array>& arrays, StreamOrDevice s = {});
/// Same as concatenate.
array concat(const std::vector<array>& arrays, int axis, StreamOrDevice s = {});
array concat(const std::vector<array>& arrays, StreamOrDevice s = {});
/// Joins same-shape arrays along a new axis.
array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s = {});
array stack(const std::vector<array>& arrays, StreamOrDevice s = {});
/// Splits `a` along `axis` into its slices (the axis removed); views.
std::vector<array> unstack(const array& a, int axis = 0, StreamOrDevice s = {});

/// Splits into `num_splits` equal sections along `axis` (must divide); views.
std::vector<array> split(const array& a, int num_splits, int axis,
                         StreamOrDevice s = {});
std::vector<array> split(const array& a, int num_splits, StreamOrDevice s = {});
/// Splits at the points `indices` along `axis` (Python slice semantics:
/// negative points wrap, points clamp); views.
std::vector<array> split(const array& a, const Shape& indices, int axis,
                         StreamOrDevice s = {});
std::vector<array> split(const array& a, const Shape& indices,
                         StreamOrDevice s = {});

/// Repeats the whole array `reps[i]` times along axis i (NumPy tile).
array tile(const array& a, std::vector<int> reps, StreamOrDevice s = {});
/// Repeats each element `repeats` times along `axis`.
array repeat(const array& a, int repeats, int axis, StreamOrDevice s = {});
/// Repeats each element of the flattened array.
array repeat(const array& a, int repeats, StreamOrDevice s = {});

/// Pads `a` with (before, after) widths per axis. `mode` is "constant"
/// (fills with `pad_value`), "edge", "reflect" or "symmetric".
array pad(const array& a, const std::vector<std::pair<int, int>>& pad_width,
          const array& pad_value = array(0), const std::string& mode = "constant",
          StreamOrDevice s = {});
/// Same (before, after) widths for every axis.
array pad(const array& a, const std::pair<int, int>& pad_width,
          const array& pad_value = array(0), const std::string& mode = "constant",
          StreamOrDevice s = {});
/// Same width on both sides of every axis.
array pad(const array& a, int pad_width, const array& pad_value = array(0),
          const std::string& mode = "constant", StreamOrDevice s = {});
/// Pads only `axes` with widths `low`/`high` (one entry per axis).
array pad(const array& a, const std::vector<int>& axes, const Shape& low,
          const Shape& high, const array& pad_value = array(0),
          const std::string& mode = "constant", StreamOrDevice s = {});

/// Rolls the flattened array by `shift` (elements wrap around).
array roll(const array& a, int shift, StreamOrDevice s = {});
/// Rolls the flattened array by the sum of `shift`.
array roll(const array& a, const Shape& shift, StreamOrDevice s = {});
/// Rolls along one axis.
array roll(const array& a, int shift, int axis, StreamOrDevice s = {});
/// Rolls every axis in `axes` by `shift`.
array roll(const array& a, int shift, const std::vector<int>& axes,
           StreamOrDevice s = {});
/// Rolls axis `axes[i]` by `shift[i]`.
array roll(const array& a, const Shape& shift, const std::vector<int>& axes,
           StreamOrDevice s = {});

/// Reverses the order of the elements along all axes.
array flip(const array& a, StreamOrDevice s = {});
/// Reverses along one axis.
array flip(const array& a, int axis, StreamOrDevice s = {});
/// Reverses along `axes`.
array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s = {});

/// The diagonal `offset` of the (axis1, axis2) planes; those axes are removed
/// and the diagonal is the last axis. A view.
array diagonal(const array& a, int offset = 0, int axis1 = 0, int axis2 = 1,
               StreamOrDevice s = {});
/// 1-D input: a matrix with `a` on diagonal k; 2-D input: its diagonal k.
array diag(const array& a, int k = 0, StreamOrDevice s = {});
/// Sum of the diagonal `offset` of the (axis1, axis2) planes, as `dtype`.
array trace(const array& a, int offset, int axis1, int axis2, Dtype dtype,
            StreamOrDevice s = {});
/// Same with the input's dtype.
array trace(const array& a, int offset, int axis1, int axis2,
            StreamOrDevice s = {});
array trace(const array& a, StreamOrDevice s = {});

/// Views with at least 1 / 2 / 3 dimensions (NumPy placement of new axes).
array atleast_1d(const array& a, StreamOrDevice s = {});
std::vector<array> atleast_1d(const std::vector<array>& a, StreamOrDevice s = {});
array atleast_2d(const array& a, StreamOrDevice s = {});
std::vector<array> atleast_2d(const std::vector<array>& a, StreamOrDevice s = {});
array atleast_3d(const array& a, StreamOrDevice s = {});
std::vector<array> atleast_3d(const std::vector<array>& a, StreamOrDevice s = {});

/// Reinterprets the bytes of `a` as `dtype`; the last axis is rescaled by the
/// ratio of the element sizes (0-d arrays need equal sizes).
array view(const array& a, Dtype dtype, StreamOrDevice s = {});
/// View of the row-contiguous data of `a` with element `strides` starting at
/// element `offset`. Throws if the view would reach outside the data.
array as_strided(const array& a, Shape shape, Strides strides,
                 size_t offset = 0, StreamOrDevice s = {});

/// n-th forward difference along `axis` (bool inputs use not_equal).
array diff(const array& a, int n = 1, int axis = -1, StreamOrDevice s = {});

namespace detail {
/// (..., n, m) zeros with `v` (shape (..., L)) on diagonal `offset` of the
/// last two axes; L must equal the diagonal's length.
array diag_embed(const array& v, int n, int m, int offset,
                 StreamOrDevice s = {});
}  // namespace detail

}  // namespace ember
