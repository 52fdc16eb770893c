// eval_gpu of the comparisons (bool output) and of maximum/minimum (NaN
// propagating; complex ordered lexicographically). One pass; memory bound.
#include "ember/backend/cuda/binary/binary.cuh"
#include "ember/primitives/binary.h"

namespace ember {

EMBER_BINARY_GPU(Equal)
EMBER_BINARY_GPU(NotEqual)
EMBER_BINARY_GPU(Less)
EMBER_BINARY_GPU(LessEqual)
EMBER_BINARY_GPU(Greater)
EMBER_BINARY_GPU(GreaterEqual)
EMBER_BINARY_GPU(Maximum)
EMBER_BINARY_GPU(Minimum)

}  // namespace ember
