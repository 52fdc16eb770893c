// eval_gpu body shared by the unary primitives (see the .cu files next to
// this header). A dense input (any dim order) is processed as one flat
// buffer and its layout kept (its buffer donated when nothing else uses it
// and the element sizes match); a strided input is read through its strides
// into a row-contiguous output. Traffic: read n, write n elements.
#pragma once

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/device/elementwise.cuh"
#include "ember/backend/cuda/device/unary_ops.cuh"

namespace ember::cuda {

template <typename Op>
void unary_gpu(const array& in, array& out, const Stream& s,
               const char* name) {
  dispatch_device(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_invocable_v<Op, T>) {
      using R = std::invoke_result_t<Op, T>;
      if (device_dtype_v<R> != out.dtype()) {
        throw std::invalid_argument(std::string("[") + name +
                                    "] Unexpected output dtype " +
                                    dtype_name(out.dtype()) + ".");
      }
      cudaStream_t cs = get_stream(s);
      const T* src = gpu_ptr<T>(in);
      if (in.flags().contiguous) {
        size_t n = in.data_size();
        if (in.itemsize() == out.itemsize() && donatable_gpu(in, s)) {
          out.move_shared_buffer(in);
        } else {
          allocate(out, s, n, in.strides(), in.flags());
        }
        launch_unary<T, R>(src, gpu_ptr<R>(out), Shape{ShapeElem(n)},
                           Strides{1}, Strides{1}, cs, Op{}, name);
        return;
      }
      allocate(out, s);
      launch_unary<T, R>(src, gpu_ptr<R>(out), in.shape(), in.strides(),
                         out.strides(), cs, Op{}, name);
    } else {
      throw std::invalid_argument(std::string("[") + name +
                                  "] Not supported for dtype " +
                                  dtype_name(in.dtype()) + ".");
    }
  });
}

}  // namespace ember::cuda

#define EMBER_UNARY_GPU(NAME)                                         \
  void NAME::eval_gpu(const std::vector<array>& inputs, array& out) { \
    cuda::unary_gpu<cuda::NAME##Op>(inputs[0], out, stream(), #NAME);  \
  }
