// eval_gpu of floor_divide, remainder, logaddexp, arctan2 and divmod.
// The single-output ops use binary.cuh. DivMod writes two row-contiguous
// outputs (quotient, remainder) in one pass over the inputs with the chunked
// general kernel (any input strides). Traffic: read 2n, write 2n elements.
#include "ember/backend/cuda/binary/binary.cuh"
#include "ember/primitives/binary.h"

namespace ember {

EMBER_BINARY_GPU(FloorDivide)
EMBER_BINARY_GPU(Remainder)
EMBER_BINARY_GPU(LogAddExp)
EMBER_BINARY_GPU(ArcTan2)

namespace cuda {
namespace {

template <typename T>
__global__ void divmod_general(const T* __restrict__ a, const T* __restrict__ b,
                               T* __restrict__ q, T* __restrict__ r,
                               StridedMeta<3> m, int64_t n) {
  int64_t sa = m.strides[0][m.ndim - 1], sb = m.strides[1][m.ndim - 1],
          so = m.strides[2][m.ndim - 1];
  for_each_chunk<3>(m, n, [&](int64_t (&off)[3], int cnt) {
    for (int j = 0; j < cnt; ++j) {
      T qq, rr;
      DivModOp{}(a[off[0] + j * sa], b[off[1] + j * sb], qq, rr);
      q[off[2] + j * so] = qq;
      r[off[2] + j * so] = rr;
    }
  });
}

}  // namespace
}  // namespace cuda

void DivMod::eval_gpu(const std::vector<array>& inputs,
                      std::vector<array>& outputs) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  const Stream& s = stream();
  for (auto& o : outputs) cuda::allocate(o, s);
  if (a.size() == 0) return;
  cuda::dispatch_device(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_invocable_v<cuda::DivModOp, T, T, T&, T&>) {
      auto [shape, st] = collapse_contiguous_dims(
          a.shape(), {a.strides(), b.strides(), outputs[0].strides()});
      const T* ap = cuda::gpu_ptr<T>(a);
      const T* bp = cuda::gpu_ptr<T>(b);
      T* qp = cuda::gpu_ptr<T>(outputs[0]);
      T* rp = cuda::gpu_ptr<T>(outputs[1]);
      cudaStream_t cs = cuda::get_stream(s);
      cuda::for_each_piece<3>(
          shape, st,
          [&](const cuda::StridedMeta<3>& m, const std::array<int64_t, 3>& off,
              int64_t pn) {
            int64_t inner = m.shape[m.ndim - 1];
            int64_t chunks =
                pn / inner * ((inner + cuda::kChunk - 1) / cuda::kChunk);
            cuda::divmod_general<T>
                <<<cuda::elementwise_blocks(chunks), cuda::kThreads, 0, cs>>>(
                    ap + off[0], bp + off[1], qp + off[2], rp + off[2], m, pn);
            cuda::check_launch("DivMod");
          });
    } else {
      throw std::invalid_argument(
          std::string("[DivMod] Not supported for dtype ") +
          dtype_name(a.dtype()) + ".");
    }
  });
}

}  // namespace ember
