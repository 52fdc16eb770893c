// eval_gpu of the trigonometric and hyperbolic unary ops and their inverses
// (float/double libm, f16/bf16 in float, complex64 in double). One pass over
// the input; memory bound for real inputs.
#include "ember/backend/cuda/unary/unary.cuh"
#include "ember/primitives/unary.h"

namespace ember {

EMBER_UNARY_GPU(Sin)
EMBER_UNARY_GPU(Cos)
EMBER_UNARY_GPU(Tan)
EMBER_UNARY_GPU(ArcSin)
EMBER_UNARY_GPU(ArcCos)
EMBER_UNARY_GPU(ArcTan)
EMBER_UNARY_GPU(Sinh)
EMBER_UNARY_GPU(Cosh)
EMBER_UNARY_GPU(Tanh)
EMBER_UNARY_GPU(ArcSinh)
EMBER_UNARY_GPU(ArcCosh)
EMBER_UNARY_GPU(ArcTanh)

}  // namespace ember
