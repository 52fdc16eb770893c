// CUDA error checking: every runtime/library call goes through a macro that
// throws std::runtime_error with file, line and the driver's message.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace ember::cuda {

inline void check_cuda(cudaError_t err, const char* expr, const char* file,
                       int line) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string("[cuda] ") + expr + " failed at " +
                             file + ":" + std::to_string(line) + ": " +
                             cudaGetErrorString(err));
  }
}

}  // namespace ember::cuda

#define EMBER_CUDA_CHECK(expr) \
  ::ember::cuda::check_cuda((expr), #expr, __FILE__, __LINE__)
