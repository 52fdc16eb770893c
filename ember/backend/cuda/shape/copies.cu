// eval_gpu of the shape primitives that copy: concatenate (one strided copy
// per input into its slab of the output), flip (a copy through negated
// output strides) and pad (a vectorised fill with the device-resident pad
// value, then a strided copy of the input into the interior). Kernels are
// those of copy.h; traffic: each input element read once, each output
// element written once (pad: the interior twice).
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/primitives/shape.h"

namespace ember {

void Concatenate::eval_gpu(const std::vector<array>& inputs, array& out) {
  cuda::allocate(out, stream());
  int64_t step = out.strides()[axis_];
  int64_t off = 0;
  for (auto& in : inputs) {
    cuda::copy_gpu(in, out, out.strides(), off * step, stream());
    off += in.shape()[axis_];
  }
}

void Flip::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  cuda::allocate(out, stream());
  Strides st = out.strides();
  int64_t off = 0;
  for (int a : axes_) {
    off += int64_t(out.shape()[a] - 1) * st[a];
    st[a] = -st[a];
  }
  cuda::copy_gpu(in, out, st, off, stream());
}

void Pad::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  auto& val = inputs[1];
  cuda::allocate(out, stream());
  if (out.size() == 0) return;
  // The pad value stays on the device: a stride-0 source fills the output.
  cuda::copy_gpu_raw(cuda::gpu_ptr<void>(val), val.dtype(), Strides{0},
                     cuda::gpu_ptr<void>(out), out.dtype(), Strides{1},
                     Shape{ShapeElem(out.size())},
                     cuda::get_stream(stream()));
  int64_t off = 0;
  for (int i = 0; i < out.ndim(); ++i) off += low_[i] * out.strides()[i];
  cuda::copy_gpu(in, out, out.strides(), off, stream());
}

}  // namespace ember
