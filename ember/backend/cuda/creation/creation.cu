// eval_gpu of the creation primitives. Full: a vectorised fill from the
// device-resident scalar (or a copy / donation of a full input); Arange and
// Tri: one thread per element computing its value from its index; Triangular:
// a copy (or the donated input) followed by a kernel that zeroes the masked
// elements (per element size). All grid-stride, memory bound: each output
// element written once (Triangular: copied, then the masked part rewritten).
#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/device/elementwise.cuh"
#include "ember/primitives/creation.h"

namespace ember {

namespace cuda {
namespace {

template <typename T>
__global__ void arange_int(T* out, int64_t n, T start, T step) {
  int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
    out[i] = T(start + T(i) * step);
  }
}

template <typename T>
__global__ void arange_float(T* out, int64_t n, double start, double step) {
  int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += stride) {
    out[i] = cast_to<T>(start + double(i) * step);
  }
}

template <typename T>
__global__ void tri_kernel(T* out, int64_t n, int64_t m, int64_t k,
                           bool diagonal_only) {
  int64_t stride = int64_t(gridDim.x) * blockDim.x;
  T one = cast_to<T>(1), zero = cast_to<T>(0);
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
       idx < n * m; idx += stride) {
    int64_t i = idx / m, j = idx - i * m;
    bool on = diagonal_only ? (j == i + k) : (j <= i + k);
    out[idx] = on ? one : zero;
  }
}

// Row-major [outer, n, mid, m, inner]: zero j > i + k (lower) or j < i + k
// (upper).
template <typename U>
__global__ void triangular_zero(U* out, int64_t size, int64_t n, int64_t mid,
                                int64_t m, int64_t inner, int64_t k,
                                bool upper) {
  int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
       idx < size; idx += stride) {
    int64_t t = idx / inner;
    int64_t j = t % m;
    int64_t i = (t / m / mid) % n;
    if (upper ? (j < i + k) : (j > i + k)) out[idx] = U(0);
  }
}

// The start and step of arange as the CPU computes them, rounded through
// the output dtype.
template <typename H>
void arange_params(double start, double step, double& s0, double& st) {
  s0 = double(static_cast<H>(start));
  st = double(static_cast<H>(start + step)) - s0;
}
void arange_params_half(Dtype t, double start, double step, double& s0,
                        double& st) {
  if (t == Dtype::float16) {
    s0 = double(float(float16_t(start)));
    st = double(float(float16_t(start + step))) - s0;
  } else {
    s0 = double(float(bfloat16_t(start)));
    st = double(float(bfloat16_t(start + step))) - s0;
  }
}

}  // namespace
}  // namespace cuda

void Full::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  const Stream& s = stream();
  if (in.data_size() == 1 && out.size() > 0) {
    cuda::allocate(out, s);
    cuda::copy_gpu_raw(cuda::gpu_ptr<void>(in), in.dtype(), Strides{0},
                       cuda::gpu_ptr<void>(out), out.dtype(), Strides{1},
                       Shape{ShapeElem(out.size())}, cuda::get_stream(s));
    return;
  }
  if (in.flags().row_contiguous && in.data_size() == in.size() &&
      in.dtype() == out.dtype() && cuda::donatable_gpu(in, s)) {
    out.move_shared_buffer(in);
    return;
  }
  cuda::copy_gpu_contiguous(in, out, s);
}

void Arange::eval_gpu(const std::vector<array>&, array& out) {
  const Stream& s = stream();
  cuda::allocate(out, s);
  int64_t n = int64_t(out.size());
  if (n == 0) return;
  cudaStream_t cs = cuda::get_stream(s);
  unsigned blocks = cuda::elementwise_blocks(n);
  cuda::dispatch_device(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = cuda::gpu_ptr<T>(out);
    if constexpr (std::is_same_v<T, bool> ||
                  std::is_same_v<T, cuda::complex64_d>) {
      throw std::invalid_argument(std::string("[Arange] Not supported for dtype ") +
                                  dtype_name(out.dtype()) + ".");
    } else if constexpr (std::is_integral_v<T>) {
      T s0 = static_cast<T>(start_);
      T st = static_cast<T>(static_cast<T>(start_ + step_) - s0);
      cuda::arange_int<T><<<blocks, cuda::kThreads, 0, cs>>>(dst, n, s0, st);
    } else {
      double s0, st;
      if constexpr (std::is_same_v<T, __half> ||
                    std::is_same_v<T, __nv_bfloat16>) {
        cuda::arange_params_half(out.dtype(), start_, step_, s0, st);
      } else {
        cuda::arange_params<T>(start_, step_, s0, st);
      }
      cuda::arange_float<T><<<blocks, cuda::kThreads, 0, cs>>>(dst, n, s0, st);
    }
  });
  cuda::check_launch("Arange");
}

void Tri::eval_gpu(const std::vector<array>&, array& out) {
  const Stream& s = stream();
  cuda::allocate(out, s);
  int64_t n = out.shape(0), m = out.shape(1);
  if (n * m == 0) return;
  cudaStream_t cs = cuda::get_stream(s);
  cuda::dispatch_device(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::tri_kernel<T><<<cuda::elementwise_blocks(n * m), cuda::kThreads, 0,
                          cs>>>(cuda::gpu_ptr<T>(out), n, m, k_,
                                diagonal_only_);
  });
  cuda::check_launch("Tri");
}

void Triangular::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& in = inputs[0];
  const Stream& s = stream();
  if (in.flags().row_contiguous && in.data_size() == in.size() &&
      cuda::donatable_gpu(in, s)) {
    out.move_shared_buffer(in);
  } else {
    cuda::copy_gpu_contiguous(in, out, s);
  }
  if (out.size() == 0) return;
  auto& sh = out.shape();
  int64_t mid = 1, inner = 1;
  for (int i = axis1_ + 1; i < axis2_; ++i) mid *= sh[i];
  for (int i = axis2_ + 1; i < out.ndim(); ++i) inner *= sh[i];
  int64_t n = sh[axis1_], m = sh[axis2_];
  int64_t size = int64_t(out.size());
  cudaStream_t cs = cuda::get_stream(s);
  unsigned blocks = cuda::elementwise_blocks(size);
  void* p = cuda::gpu_ptr<void>(out);
  switch (out.itemsize()) {
    case 1:
      cuda::triangular_zero<<<blocks, cuda::kThreads, 0, cs>>>(
          static_cast<uint8_t*>(p), size, n, mid, m, inner, k_, upper_);
      break;
    case 2:
      cuda::triangular_zero<<<blocks, cuda::kThreads, 0, cs>>>(
          static_cast<uint16_t*>(p), size, n, mid, m, inner, k_, upper_);
      break;
    case 4:
      cuda::triangular_zero<<<blocks, cuda::kThreads, 0, cs>>>(
          static_cast<uint32_t*>(p), size, n, mid, m, inner, k_, upper_);
      break;
    default:
      cuda::triangular_zero<<<blocks, cuda::kThreads, 0, cs>>>(
          static_cast<uint64_t*>(p), size, n, mid, m, inner, k_, upper_);
      break;
  }
  cuda::check_launch("Triangular");
}

}  // namespace ember
