// A device-to-device copy kernel used by the CUDA self-test: grid-stride
// loop, 16-byte vector loads; traffic = 2 x bytes.
#include "ember/backend/cuda/kernels/copy_probe.h"
#include "ember/backend/cuda/utils.h"

namespace ember::cuda {

__global__ void copy_vec4(const float4* __restrict__ src, float4* __restrict__ dst,
                          size_t n4) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n4;
       i += size_t(gridDim.x) * blockDim.x) {
    dst[i] = src[i];
  }
}

void copy_probe(const float* src, float* dst, size_t n, cudaStream_t stream) {
  size_t n4 = n / 4;
  int block = 256;
  int grid = int(std::min<size_t>((n4 + block - 1) / block, 132 * 32));
  if (n4 > 0) {
    copy_vec4<<<grid, block, 0, stream>>>(reinterpret_cast<const float4*>(src),
                                          reinterpret_cast<float4*>(dst), n4);
    EMBER_CUDA_CHECK(cudaGetLastError());
  }
  if (n % 4) {
    EMBER_CUDA_CHECK(cudaMemcpyAsync(dst + n4 * 4, src + n4 * 4,
                                     (n % 4) * sizeof(float),
                                     cudaMemcpyDeviceToDevice, stream));
  }
}

}  // namespace ember::cuda
