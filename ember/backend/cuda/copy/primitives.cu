// eval_gpu of AsType and Copy: donate the input's buffer when nothing else
// uses it (in-place cast for equal element sizes, no work for Copy), else a
// strided copy (copy.h). Traffic: n * (sizeof(in) + sizeof(out)).
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/primitives/copy.h"

namespace ember {

void AsType::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  const Stream& s = stream();
  if (in.itemsize() == out.itemsize() && in.flags().contiguous &&
      cuda::donatable_gpu(in, s)) {
    // Same element size: convert in place (each element is read before it
    // is written, by the same thread).
    const void* src = cuda::gpu_ptr<void>(in);
    Dtype src_dtype = in.dtype();
    Shape flat{ShapeElem(in.data_size())};
    bool same = src_dtype == out.dtype();
    out.move_shared_buffer(in);
    if (same) return;
    cuda::copy_gpu_raw(src, src_dtype, Strides{1}, cuda::gpu_ptr<void>(out),
                       out.dtype(), Strides{1}, flat, cuda::get_stream(s));
    return;
  }
  cuda::copy_gpu_preserve_layout(in, out, s);
}

void Copy::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  const Stream& s = stream();
  if (in.flags().row_contiguous ||
      (allow_col_major_ && in.flags().col_contiguous)) {
    if (cuda::donatable_gpu(in, s)) {
      out.move_shared_buffer(in);
      return;
    }
  }
  if (allow_col_major_ && in.flags().col_contiguous) {
    cuda::copy_gpu_preserve_layout(in, out, s);
    return;
  }
  cuda::copy_gpu_contiguous(in, out, s);
}

}  // namespace ember
