// eval_gpu body shared by the binary primitives (inputs already broadcast to
// the output shape, same dtype). Layouts, as on the CPU: both scalars; a
// scalar and a dense array, or two dense arrays with the same strides (one
// flat vectorised pass over the dense buffer, keeping its layout and
// donating an input buffer when possible); anything else reads through the
// strides into a row-contiguous output. Traffic: read 2n (or n + 1), write n.
#pragma once

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/device/binary_ops.cuh"
#include "ember/backend/cuda/device/elementwise.cuh"

namespace ember::cuda {

template <typename Op>
void binary_gpu(const std::vector<array>& inputs, array& out, const Stream& s,
                const char* name) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  dispatch_device(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_invocable_v<Op, T, T>) {
      using R = std::invoke_result_t<Op, T, T>;
      if (device_dtype_v<R> != out.dtype()) {
        throw std::invalid_argument(std::string("[") + name +
                                    "] Unexpected output dtype " +
                                    dtype_name(out.dtype()) + ".");
      }
      cudaStream_t cs = get_stream(s);
      if (out.size() == 0) {
        allocate(out, s);
        return;
      }
      const T* ap = gpu_ptr<T>(a);
      const T* bp = gpu_ptr<T>(b);
      bool a_scalar = a.data_size() == 1;
      bool b_scalar = b.data_size() == 1;
      if (a_scalar && b_scalar) {
        Strides st(out.ndim(), 0);
        allocate(out, s, 1, st, compute_flags(out.shape(), st, 1));
        launch_binary<T, T, R>(ap, bp, gpu_ptr<R>(out), Shape{1}, Strides{0},
                               Strides{0}, Strides{1}, cs, Op{}, name);
        return;
      }
      bool same_dense = a.flags().contiguous && b.flags().contiguous &&
                        a.strides() == b.strides() &&
                        a.data_size() == b.data_size();
      const array* layout = nullptr;
      if (a_scalar && b.flags().contiguous) layout = &b;
      if (b_scalar && a.flags().contiguous) layout = &a;
      if (same_dense) layout = &a;
      if (layout) {
        size_t n = layout->data_size();
        auto donate = [&](const array& x) {
          return x.itemsize() == out.itemsize() && x.flags().contiguous &&
                 x.data_size() == out.size() && donatable_gpu(x, s);
        };
        if (!a_scalar && donate(a)) {
          out.move_shared_buffer(a);
        } else if (!b_scalar && donate(b)) {
          out.move_shared_buffer(b);
        } else {
          allocate(out, s, n, layout->strides(), layout->flags());
        }
        launch_binary<T, T, R>(ap, bp, gpu_ptr<R>(out), Shape{ShapeElem(n)},
                               Strides{a_scalar ? 0 : 1},
                               Strides{b_scalar ? 0 : 1}, Strides{1}, cs, Op{},
                               name);
        return;
      }
      allocate(out, s);
      launch_binary<T, T, R>(ap, bp, gpu_ptr<R>(out), out.shape(), a.strides(),
                             b.strides(), out.strides(), cs, Op{}, name);
    } else {
      throw std::invalid_argument(std::string("[") + name +
                                  "] Not supported for dtype " +
                                  dtype_name(a.dtype()) + ".");
    }
  });
}

}  // namespace ember::cuda

#define EMBER_BINARY_GPU(NAME)                                        \
  void NAME::eval_gpu(const std::vector<array>& inputs, array& out) { \
    cuda::binary_gpu<cuda::NAME##Op>(inputs, out, stream(), #NAME);    \
  }
