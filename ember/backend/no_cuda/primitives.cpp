// eval_gpu for builds without CUDA: every primitive throws a clear error.
#include <stdexcept>

#include "ember/ember.h"
#include "ember/primitives/all.h"

namespace ember {

#define EMBER_PRIMITIVE(NAME)                                                 \
  void NAME::eval_gpu(const std::vector<array>&, array&) {                    \
    throw std::runtime_error("[" #NAME "] Not implemented on gpu: ember was " \
                             "built without CUDA.");                          \
  }
#define EMBER_PRIMITIVE_MULTI(NAME)                                           \
  void NAME::eval_gpu(const std::vector<array>&, std::vector<array>&) {       \
    throw std::runtime_error("[" #NAME "] Not implemented on gpu: ember was " \
                             "built without CUDA.");                          \
  }
#include "ember/primitives/primitives.def"
#undef EMBER_PRIMITIVE
#undef EMBER_PRIMITIVE_MULTI

namespace detail {
bool gpu_is_available() { return false; }
int gpu_device_count() { return 0; }
bool gpu_sdpa_fused_supported(Dtype, int, int, int, int, int, int, int, int) {
  return false;
}
}  // namespace detail

}  // namespace ember
