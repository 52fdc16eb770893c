// eval_gpu of the logical (bool) and bitwise/shift (integer) binary ops.
// One pass; memory bound.
#include "ember/backend/cuda/binary/binary.cuh"
#include "ember/primitives/binary.h"

namespace ember {

EMBER_BINARY_GPU(LogicalAnd)
EMBER_BINARY_GPU(LogicalOr)
EMBER_BINARY_GPU(BitwiseAnd)
EMBER_BINARY_GPU(BitwiseOr)
EMBER_BINARY_GPU(BitwiseXor)
EMBER_BINARY_GPU(LeftShift)
EMBER_BINARY_GPU(RightShift)

}  // namespace ember
