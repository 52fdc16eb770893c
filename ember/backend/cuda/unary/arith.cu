// eval_gpu of the sign, rounding, complex-part and logical/bitwise unary
// ops. One pass over the input (unary.cuh picks the layout); memory bound:
// read n, write n elements.
#include "ember/backend/cuda/unary/unary.cuh"
#include "ember/primitives/unary.h"

namespace ember {

EMBER_UNARY_GPU(Abs)
EMBER_UNARY_GPU(Sign)
EMBER_UNARY_GPU(Negative)
EMBER_UNARY_GPU(Square)
EMBER_UNARY_GPU(Floor)
EMBER_UNARY_GPU(Ceil)
EMBER_UNARY_GPU(Trunc)
EMBER_UNARY_GPU(Round)
EMBER_UNARY_GPU(Conjugate)
EMBER_UNARY_GPU(Real)
EMBER_UNARY_GPU(Imag)
EMBER_UNARY_GPU(LogicalNot)
EMBER_UNARY_GPU(BitwiseInvert)

}  // namespace ember
