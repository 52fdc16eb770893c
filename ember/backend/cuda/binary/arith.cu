// eval_gpu of add, subtract, multiply, divide and power. Contiguous inputs:
// one grid-stride pass with 16-byte vector loads (add of n float32 moves
// 12n bytes, bandwidth bound); see binary.cuh for the other layouts.
#include "ember/backend/cuda/binary/binary.cuh"
#include "ember/primitives/binary.h"

namespace ember {

EMBER_BINARY_GPU(Add)
EMBER_BINARY_GPU(Subtract)
EMBER_BINARY_GPU(Multiply)
EMBER_BINARY_GPU(Divide)
EMBER_BINARY_GPU(Power)

}  // namespace ember
