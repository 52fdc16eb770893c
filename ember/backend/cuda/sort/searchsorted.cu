// SearchSorted: one thread per value, a binary search over the (strided)
// sequence with the CPU's NaN-last order and the same probe sequence as
// std::lower_bound / std::upper_bound (so even unsorted input gives the
// CPU's answer). A 2-D sequence (B, n) pairs row b with the b-th block of
// values. Traffic: one read per value plus log2(n) cached sequence reads.
#include <vector>

#include "ember/backend/cuda/cuda.h"
#include "ember/backend/cuda/device/reduce_ops.cuh"
#include "ember/primitives/sort.h"

namespace ember {

namespace cuda {
namespace {

template <typename C>
__device__ __forceinline__ bool nan_last_less(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (b != b) return a == a;
    return a < b;
  } else {
    return less_d(a, b);
  }
}

template <typename T>
__global__ void searchsorted_kernel(const T* __restrict__ seq, const T* __restrict__ vals,
                                    uint32_t* __restrict__ out, int64_t total, int64_t n,
                                    int64_t s0, int64_t s1, int64_t per_batch,
                                    Dims vdims, bool right) {
  using C = cmp_type_t<T>;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    C v = cast_to<C>(vals[vdims.offset0(t)]);
    const T* row = seq + (per_batch > 0 ? (t / per_batch) * s0 : 0);
    int64_t first = 0, len = n;
    while (len > 0) {
      int64_t half = len >> 1, mid = first + half;
      C m = cast_to<C>(row[mid * s1]);
      bool go = right ? !nan_last_less(v, m) : nan_last_less(m, v);
      if (go) {
        first = mid + 1;
        len -= half + 1;
      } else {
        len = half;
      }
    }
    out[t] = uint32_t(first);
  }
}

}  // namespace
}  // namespace cuda

void SearchSorted::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& seq = inputs[0];
  const array& vals = inputs[1];
  const Stream& s = stream();
  cuda::allocate(out, s);
  if (out.size() == 0) return;
  bool batched = seq.ndim() == 2;
  int64_t n = seq.shape(-1);
  int64_t per_batch = batched ? int64_t(out.size()) / seq.shape(0) : 0;
  int64_t s0 = batched ? seq.strides()[0] : 0;
  int64_t s1 = seq.strides()[seq.ndim() - 1];
  // Values walk: size-1 dims dropped, contiguous dims merged.
  std::vector<int64_t> sh, st;
  for (int i = 0; i < vals.ndim(); ++i) {
    if (vals.shape(i) == 1) continue;
    int64_t d = vals.shape(i), si = vals.strides()[i];
    if (!sh.empty() && st.back() == si * d) {
      sh.back() *= d;
      st.back() = si;
    } else {
      sh.push_back(d);
      st.push_back(si);
    }
  }
  if (int(sh.size()) > cuda::kMaxDims) {
    throw std::runtime_error("[SearchSorted] Too many non-mergeable dimensions for the "
                             "GPU kernel; got " + std::to_string(sh.size()) + ".");
  }
  cuda::Dims vd;
  vd.n = int(sh.size());
  for (int i = 0; i < vd.n; ++i) {
    vd.shape[i] = sh[i];
    vd.s0[i] = st[i];
    vd.s1[i] = 0;
  }
  int64_t total = int64_t(out.size());
  cuda::dispatch_device(seq.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cuda::searchsorted_kernel<T><<<cuda::num_blocks(total), 256, 0, cuda::get_stream(s)>>>(
        cuda::gpu_ptr<T>(seq), cuda::gpu_ptr<T>(vals), cuda::gpu_ptr<uint32_t>(out), total,
        n, s0, s1, per_batch, vd, right_);
    cuda::check_launch("SearchSorted");
  });
}

}  // namespace ember
