// Strided copies and dtype casts on the GPU: the building block of astype,
// contiguous copies, reshapes of strided views, concatenate, pad and flip.
// Other families call these to make their inputs contiguous. All functions
// only queue work on the given stream (no synchronization).
#pragma once

#include <cuda_runtime.h>

#include "ember/core/array.h"

namespace ember::cuda {

/// Copies the `shape` elements of `src` (element strides `src_strides`) into
/// `dst` (`dst_strides`), converting src_dtype -> dst_dtype. Pointers are
/// device pointers to the first element; strides may be 0 (src) or negative.
void copy_gpu_raw(const void* src, Dtype src_dtype, const Strides& src_strides,
                  void* dst, Dtype dst_dtype, const Strides& dst_strides,
                  const Shape& shape, cudaStream_t stream);

/// Copies `src` (any layout) into `dst` viewed with `dst_strides` at element
/// offset `dst_offset`, converting to dst's dtype; dst must have device data.
void copy_gpu(const array& src, array& dst, const Strides& dst_strides,
              int64_t dst_offset, const Stream& s);
/// Copies `src` into `dst` through dst's own strides.
void copy_gpu(const array& src, array& dst, const Stream& s);

/// Gives `out` a fresh row-contiguous device buffer and copies `in` into it.
void copy_gpu_contiguous(const array& in, array& out, const Stream& s);
/// Gives `out` `in`'s dense layout when `in` is dense (keeping a transposed
/// order; one flat pass), else a row-contiguous buffer; copies with cast.
void copy_gpu_preserve_layout(const array& in, array& out, const Stream& s);

/// A device array of `shape` with a fresh row-contiguous buffer (for
/// temporaries; freed in stream order when the last reference goes).
array empty_gpu(const Shape& shape, Dtype dtype, const Stream& s);
/// `in` itself when it is row-contiguous, else a row-contiguous device copy
/// of it (same dtype).
array contiguous_gpu(const array& in, const Stream& s);

/// True when a kernel on `s` may overwrite `in`'s buffer in place: nothing
/// else refers to it and no other GPU stream has used it.
bool donatable_gpu(const array& in, const Stream& s);

}  // namespace ember::cuda
