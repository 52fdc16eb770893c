// Scan::eval_gpu: makes the input row-contiguous (in place when it can be
// donated, else copied into the output) and runs the scan of its type in
// place on the output (scan_*.cu; kernels in scan.cuh).
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/scan/scan.cuh"
#include "ember/primitives/scan.h"

namespace ember {

void Scan::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  const void* src = nullptr;
  if (in.flags().row_contiguous) {
    src = cuda::gpu_ptr<void>(in);
    if (in.size() > 0 && cuda::donatable_gpu(in, s)) {
      out.move_shared_buffer(in);
    } else {
      cuda::allocate(out, s);
    }
  } else {
    cuda::allocate(out, s);
    if (out.size() > 0) {
      cuda::copy_gpu_raw(cuda::gpu_ptr<void>(in), in.dtype(), in.strides(),
                         cuda::gpu_ptr<void>(out), out.dtype(), out.strides(),
                         in.shape(), cuda::get_stream(s));
    }
    src = cuda::gpu_ptr<void>(out);
  }
  if (out.size() == 0) return;
  cuda::ScanShape sh{1, in.shape(axis_), 1, reverse_, inclusive_};
  for (int i = 0; i < axis_; ++i) sh.outer *= in.shape(i);
  for (int i = axis_ + 1; i < in.ndim(); ++i) sh.inner *= in.shape(i);
  void* dst = cuda::gpu_ptr<void>(out);
  switch (type_) {
    case Sum: cuda::scan_sum(src, dst, out.dtype(), sh, s); break;
    case Prod: cuda::scan_prod(src, dst, out.dtype(), sh, s); break;
    case Max: cuda::scan_min_max(src, dst, out.dtype(), sh, true, s); break;
    case Min: cuda::scan_min_max(src, dst, out.dtype(), sh, false, s); break;
    case LogAddExp: cuda::scan_logaddexp(src, dst, out.dtype(), sh, s); break;
  }
}

}  // namespace ember
