// MaskedScatter on the GPU: out = a, then the i-th true position of the mask
// (row-major) takes values[i % n_values].
//
// Algorithm: the mask (made row-contiguous if it is a strided/broadcast
// view) is exclusive-scanned with CUB DeviceScan into per-element ranks
// (int32 when the size allows, else int64); one grid-stride kernel then
// writes the masked elements. Traffic: mask read twice, ranks written and
// read once, masked elements written, values gathered, plus the copy of a
// when its buffer can't be donated.
#include <cub/device/device_scan.cuh>

#include "ember/backend/cuda/copy.h"
#include "ember/backend/cuda/device/indexing.cuh"

namespace ember {
namespace cuda {
namespace {

template <typename I>
struct AddRank {
  __host__ __device__ I operator()(I a, I b) const { return a + b; }
};

template <typename U, typename I>
__global__ void masked_scatter_write(U* __restrict__ out,
                                     const bool* __restrict__ mask,
                                     const I* __restrict__ rank,
                                     const U* __restrict__ vals, int64_t vs,
                                     int64_t nv, int64_t n) {
  int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += step) {
    if (mask[i]) {
      int64_t k = int64_t(rank[i]);
      if (k >= nv) k %= nv;
      out[i] = vals[k * vs];
    }
  }
}

template <typename I>
void masked_scatter_impl(array& out, const array& mask, const array& vals,
                         const Stream& s) {
  cudaStream_t cs = get_stream(s);
  int64_t n = int64_t(out.size());
  const bool* mp = gpu_ptr<bool>(mask);
  size_t temp = 0;
  EMBER_CUDA_CHECK(cub::DeviceScan::ExclusiveScan(
      nullptr, temp, mp, static_cast<I*>(nullptr), AddRank<I>{}, I(0), n, cs));
  size_t rank_bytes = (size_t(n) * sizeof(I) + 255) / 256 * 256;
  Scratch scratch(rank_bytes + temp, s);
  I* rank = static_cast<I*>(scratch.get());
  void* tmp = static_cast<char*>(scratch.get()) + rank_bytes;
  EMBER_CUDA_CHECK(cub::DeviceScan::ExclusiveScan(tmp, temp, mp, rank,
                                                  AddRank<I>{}, I(0), n, cs));
  int64_t vs = vals.strides()[0];
  int64_t nv = int64_t(vals.size());
  unsigned grid = num_blocks(n, 256, int64_t(std::max(sm_count(), 1)) * 32);
  dispatch_unit(int(out.itemsize()), [&](auto u) {
    using U = decltype(u);
    masked_scatter_write<U, I><<<grid, 256, 0, cs>>>(
        gpu_ptr<U>(out), mp, rank, gpu_ptr<U>(vals), vs, nv, n);
  });
  check_launch("MaskedScatter");
}

}  // namespace
}  // namespace cuda

void MaskedScatter::eval_gpu(const std::vector<array>& inputs, array& out) {
  auto& a = inputs[0];
  auto& vals = inputs[2];
  const Stream& s = stream();
  if (a.flags().row_contiguous && a.size() > 0 && cuda::donatable_gpu(a, s)) {
    out.move_shared_buffer(a);
  } else {
    cuda::allocate(out, s);
    cuda::copy_gpu(a, out, s);
  }
  if (out.size() == 0 || vals.size() == 0) return;
  if (inputs[1].dtype() != bool_) {
    throw std::invalid_argument(
        std::string("[MaskedScatter] The mask must have dtype bool; got ") +
        dtype_name(inputs[1].dtype()) + ".");
  }
  array mask = cuda::contiguous_gpu(inputs[1], s);
  if (out.size() <= size_t(INT32_MAX)) {
    cuda::masked_scatter_impl<int32_t>(out, mask, vals, s);
  } else {
    cuda::masked_scatter_impl<int64_t>(out, mask, vals, s);
  }
}

}  // namespace ember
