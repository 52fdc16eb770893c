// GPU discovery and device information. A CUDA build on a machine without a
// GPU reports the gpu device as unavailable instead of failing.
#include <cuda_runtime.h>

#include <string>
#include <unordered_map>
#include <variant>

#include "ember/backend/cuda/device.h"
#include "ember/backend/cuda/utils.h"
#include "ember/core/device.h"

namespace ember {

namespace cuda {
void install_residency_hooks();
}

namespace detail {
int gpu_device_count() {
  static int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // clear the sticky "no device" error
      return 0;
    }
    if (n > 0) cuda::install_residency_hooks();
    return n;
  }();
  return count;
}
bool gpu_is_available() { return gpu_device_count() > 0; }
}  // namespace detail

namespace cuda {
std::unordered_map<std::string, std::variant<std::string, size_t>> device_info(
    int index) {
  if (index >= detail::gpu_device_count()) {
    throw std::runtime_error("[device_info] GPU " + std::to_string(index) +
                             " is not available.");
  }
  cudaDeviceProp prop;
  EMBER_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  return {
      {"device_name", std::string(prop.name)},
      {"architecture", "sm_" + std::to_string(prop.major * 10 + prop.minor)},
      {"total_memory", size_t(prop.totalGlobalMem)},
      {"sm_count", size_t(prop.multiProcessorCount)},
  };
}
}  // namespace cuda

}  // namespace ember
