// eval_gpu of the power, exponential, logarithm and error-function unary
// ops (float/double libm, f16/bf16 in float, complex64 in double). One pass
// over the input; memory bound except for complex and double inputs.
#include "ember/backend/cuda/unary/unary.cuh"
#include "ember/primitives/unary.h"

namespace ember {

EMBER_UNARY_GPU(Sqrt)
EMBER_UNARY_GPU(Rsqrt)
EMBER_UNARY_GPU(Exp)
EMBER_UNARY_GPU(Expm1)
EMBER_UNARY_GPU(Log)
EMBER_UNARY_GPU(Log2)
EMBER_UNARY_GPU(Log10)
EMBER_UNARY_GPU(Log1p)
EMBER_UNARY_GPU(Sigmoid)
EMBER_UNARY_GPU(Erf)
EMBER_UNARY_GPU(ErfInv)

}  // namespace ember
