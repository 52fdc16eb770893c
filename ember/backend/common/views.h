// Layouts of the shape primitives that are views (no data moves): each
// function points `out` at `in`'s buffer with recomputed strides, offset and
// flags. Shared by every backend: views never touch element data.
#pragma once

#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Makes `out` a view of `in` with `strides` at element `offset`.
void make_view(const array& in, array& out, const Strides& strides,
               int64_t offset = 0);

/// Strides that view `in` as `shape` without a copy, if they exist (NumPy's
/// attempt_nocopy_reshape); empty when a copy is needed.
Strides reshape_strides(const array& in, const Shape& shape);
/// Reshape as a view when `in` is row-contiguous or the dims allow it;
/// returns false (and leaves `out` alone) when a copy is needed.
bool reshape_view(const array& in, array& out);

/// `in` broadcast to out's shape (stride 0 on new and size-1 dims).
void broadcast_view(const array& in, array& out);
/// Output axis i is input axis axes[i].
void transpose_view(const array& in, array& out, const std::vector<int>& axes);
/// Size-1 axes inserted at the sorted output positions `axes`.
void expand_dims_view(const array& in, array& out,
                      const std::vector<int>& axes);
/// Sorted size-1 axes `axes` removed.
void squeeze_view(const array& in, array& out, const std::vector<int>& axes);
/// Pieces [bounds[i], bounds[i+1]) of `in` along `axis`.
void split_views(const array& in, std::vector<array>& outputs,
                 const std::vector<int>& bounds, int axis);
/// Diagonal `offset` of the (axis1, axis2) planes as the last axis.
void diagonal_view(const array& in, array& out, int offset, int axis1,
                   int axis2);

/// Strided slice: elements start[i] + k * step[i] of every axis.
void slice_view(const array& in, array& out, const Shape& start,
                const Shape& step);

}  // namespace ember
