// Rotary position embedding of the last axis (traditional: adjacent pairs
// (2i, 2i+1); otherwise halves (i, i + dims/2)); features past `dims` are
// copied. Angle = (t + offset[b]) * scale * inv_freq[i], inv_freq =
// base^(-2i/dims) (computed on the host as the CPU does) or 1/freqs[i].
// cos/sin are rounded to the input dtype before the rotation (as the CPU).
// Launch: blockDim (tx, ty): tx threads over the pairs/tail of a row, ty rows
// per block, grid-stride over rows. Traffic: one read and one write of x.
#include <cuda_runtime.h>

#include <cmath>
#include <optional>

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/dtypes.cuh"
#include "ember/primitives/fast.h"

namespace ember {

namespace {

using cuda::cast_to;

constexpr int kMaxHostFreqs = 256;

struct RopeParams {
  int64_t rows, T, per_batch;
  int D, dims, half;
  float scale;
  const float* offsets;   // 1 or B values
  int64_t n_offsets;
  const float* freqs;     // dims/2 frequencies, or null
  float base;
  bool host_inv;          // inv_freq below holds the values
  bool traditional;
  float inv_freq[kMaxHostFreqs];
};

// Blocks are 256 threads (tx * ty below).
template <typename T>
__global__ void __launch_bounds__(256)
    rope_kernel(const T* __restrict__ x, T* __restrict__ out,
                const RopeParams p) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  int W = p.half + (p.D - p.dims);
  for (int64_t r = blockIdx.x * int64_t(blockDim.y) + threadIdx.y; r < p.rows;
       r += int64_t(gridDim.x) * blockDim.y) {
    int64_t t = r % p.T;
    float off = p.offsets[p.n_offsets == 1 ? 0 : r / p.per_batch];
    float pos = (float(t) + off) * p.scale;
    const T* xr = x + r * p.D;
    T* orow = out + r * p.D;
    for (int i = threadIdx.x; i < W; i += blockDim.x) {
      if (i < p.half) {
        float inv;
        if (p.host_inv) {
          inv = p.inv_freq[i];
        } else if (p.freqs) {
          inv = 1.0f / p.freqs[i];
        } else {
          inv = powf(p.base, -float(2 * i) / float(p.dims));
        }
        float th = pos * inv;
        C c = cast_to<C>(cast_to<T>(cosf(th)));
        C s = cast_to<C>(cast_to<T>(sinf(th)));
        int i1 = p.traditional ? 2 * i : i;
        int i2 = p.traditional ? 2 * i + 1 : i + p.half;
        C x1 = cast_to<C>(xr[i1]), x2 = cast_to<C>(xr[i2]);
        orow[i1] = cast_to<T>(x1 * c - x2 * s);
        orow[i2] = cast_to<T>(x1 * s + x2 * c);
      } else {
        int j = p.dims + (i - p.half);
        orow[j] = xr[j];
      }
    }
  }
}

array as_contiguous(const array& a, Dtype dt, const Stream& s) {
  if (a.dtype() == dt && a.flags().row_contiguous) return a;
  array c = cuda::empty_gpu(a.shape(), dt, s);
  cuda::copy_gpu(a, c, s);
  return c;
}

}  // namespace

void RoPE::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  array x = as_contiguous(inputs[0], out.dtype(), s);
  // Offsets (any integer dtype, scalar or per batch) as float32, like the CPU.
  array offs = as_contiguous(inputs[1], float32, s);
  std::optional<array> freqs;
  if (has_freqs_) freqs = as_contiguous(inputs[2], float32, s);

  RopeParams p{};
  p.D = int(x.shape(-1));
  p.T = x.shape(-2);
  p.rows = int64_t(x.size()) / p.D;
  p.per_batch = p.rows / std::max<int64_t>(x.shape(0), 1);
  p.dims = dims_;
  p.half = dims_ / 2;
  p.scale = scale_;
  p.offsets = cuda::gpu_ptr<float>(offs);
  p.n_offsets = int64_t(offs.size());
  p.freqs = freqs ? cuda::gpu_ptr<float>(*freqs) : nullptr;
  p.base = base_;
  p.traditional = traditional_;
  p.host_inv = !has_freqs_ && p.half <= kMaxHostFreqs;
  if (p.host_inv) {
    for (int i = 0; i < p.half; ++i) {
      p.inv_freq[i] = std::pow(base_, -float(2 * i) / float(dims_));
    }
  }
  int W = p.half + (p.D - p.dims);
  int tx = 32;
  while (tx < W && tx < 256) tx *= 2;
  int ty = std::max(1, 256 / tx);
  int64_t blocks = (p.rows + ty - 1) / ty;
  unsigned grid = unsigned(std::min<int64_t>(blocks, 65535LL * 32));
  cudaStream_t stream = cuda::get_stream(s);
  cuda::dispatch_device_float(out.dtype(), "rope", [&](auto tag) {
    using T = decltype(tag);
    rope_kernel<T><<<grid, dim3(tx, ty), 0, stream>>>(cuda::gpu_ptr<T>(x),
                                                       cuda::gpu_ptr<T>(out), p);
  });
  cuda::check_launch("rope");
}

}  // namespace ember
