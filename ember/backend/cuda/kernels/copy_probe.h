// Device copy used by the CUDA self-test (tests/cpp/test_cuda.cpp).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace ember::cuda {
/// dst[i] = src[i] for n floats of device memory, queued on `stream`.
void copy_probe(const float* src, float* dst, size_t n, cudaStream_t stream);
}  // namespace ember::cuda
