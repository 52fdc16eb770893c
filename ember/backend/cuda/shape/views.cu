// eval_gpu of the shape primitives that are views of their input: the
// layouts come from backend/common/views.h (the same code as the CPU), so no
// kernel runs and no bytes move. Reshape of a layout that cannot be viewed,
// View between element sizes of a non-contiguous input and AsStrided of a
// non-row-contiguous input first make a row-contiguous copy (copy.h).
#include "ember/backend/common/utils.h"
#include "ember/backend/common/views.h"
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/primitives/indexing.h"
#include "ember/primitives/shape.h"

namespace ember {

void Broadcast::eval_gpu(const std::vector<array>& inputs, array& out) {
  broadcast_view(inputs[0], out);
}

void Reshape::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (reshape_view(in, out)) return;
  cuda::allocate(out, stream());
  cuda::copy_gpu(in, out, row_strides(in.shape()), 0, stream());
}

void Transpose::eval_gpu(const std::vector<array>& inputs, array& out) {
  transpose_view(inputs[0], out, axes_);
}

void ExpandDims::eval_gpu(const std::vector<array>& inputs, array& out) {
  expand_dims_view(inputs[0], out, axes_);
}

void Squeeze::eval_gpu(const std::vector<array>& inputs, array& out) {
  squeeze_view(inputs[0], out, axes_);
}

void Split::eval_gpu(const std::vector<array>& inputs,
                     std::vector<array>& outputs) {
  split_views(inputs[0], outputs, bounds_, axis_);
}

void Diagonal::eval_gpu(const std::vector<array>& inputs, array& out) {
  diagonal_view(inputs[0], out, offset_, axis1_, axis2_);
}

void Slice::eval_gpu(const std::vector<array>& inputs, array& out) {
  slice_view(inputs[0], out, start_, strides_);
}

void View::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  if (in.itemsize() == out.itemsize() && in.flags().contiguous) {
    out.copy_shared_buffer(in);
    return;
  }
  array src = cuda::contiguous_gpu(in, stream());
  auto st = row_strides(out.shape());
  out.copy_shared_buffer(src, st, compute_flags(out.shape(), st, out.size()),
                         out.size());
}

void AsStrided::eval_gpu(const std::vector<array>& inputs, array& out) {
  array src = cuda::contiguous_gpu(inputs[0], stream());
  make_view(src, out, strides_, int64_t(offset_));
}

}  // namespace ember
