// eval_gpu for primitives that have no CUDA kernel yet: weak definitions,
// generated from primitives.def, that throw a clear error. A real kernel
// (a strong definition in a .cu file) replaces the weak one at link time.
#include <stdexcept>

#include "ember/primitives/all.h"

namespace ember {

#define EMBER_PRIMITIVE(NAME)                                              \
  __attribute__((weak)) void NAME::eval_gpu(const std::vector<array>&,     \
                                            array&) {                      \
    throw std::runtime_error("[" #NAME "] Not implemented on gpu yet.");   \
  }
#define EMBER_PRIMITIVE_MULTI(NAME)                                        \
  __attribute__((weak)) void NAME::eval_gpu(const std::vector<array>&,     \
                                            std::vector<array>&) {         \
    throw std::runtime_error("[" #NAME "] Not implemented on gpu yet.");   \
  }
#include "ember/primitives/primitives.def"
#undef EMBER_PRIMITIVE
#undef EMBER_PRIMITIVE_MULTI

}  // namespace ember
