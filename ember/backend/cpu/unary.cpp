// CPU evaluation of elementwise unary primitives: one line per op.
// Each op is one pass over the input (contiguous: a flat loop the compiler
// vectorises; strided: collapsed dims), split across cores by unary_kernel.
// Traffic: read n inputs, write n outputs.
#include "ember/backend/cpu/elementwise.h"
#include "ember/backend/cpu/unary_ops.h"
#include "ember/primitives/unary.h"

namespace ember {

namespace {
// The output element type is whatever Op returns for the input type
// (float for complex abs/real/imag, else the input type).
template <typename Op>
void unary_op(const array& in, array& out, const char* name) {
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_invocable_v<Op, T>) {
      using R = std::invoke_result_t<Op, T>;
      if (dtype_of_v<R> != out.dtype()) {
        throw std::invalid_argument(std::string("[") + name +
                                    "] Unexpected output dtype " +
                                    dtype_name(out.dtype()) + ".");
      }
      cpu::unary_kernel<T, R>(in, out, Op{});
    } else {
      throw std::invalid_argument(std::string("[") + name +
                                  "] Not supported for dtype " +
                                  dtype_name(in.dtype()) + ".");
    }
  });
}
}  // namespace

#define EMBER_UNARY_CPU(NAME)                                         \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) { \
    unary_op<cpu::NAME##Op>(inputs[0], out, #NAME);                    \
  }

EMBER_UNARY_CPU(Abs)
EMBER_UNARY_CPU(Sign)
EMBER_UNARY_CPU(Negative)
EMBER_UNARY_CPU(Square)
EMBER_UNARY_CPU(Sqrt)
EMBER_UNARY_CPU(Rsqrt)
EMBER_UNARY_CPU(Exp)
EMBER_UNARY_CPU(Expm1)
EMBER_UNARY_CPU(Log)
EMBER_UNARY_CPU(Log2)
EMBER_UNARY_CPU(Log10)
EMBER_UNARY_CPU(Log1p)
EMBER_UNARY_CPU(Sin)
EMBER_UNARY_CPU(Cos)
EMBER_UNARY_CPU(Tan)
EMBER_UNARY_CPU(ArcSin)
EMBER_UNARY_CPU(ArcCos)
EMBER_UNARY_CPU(ArcTan)
EMBER_UNARY_CPU(Sinh)
EMBER_UNARY_CPU(Cosh)
EMBER_UNARY_CPU(Tanh)
EMBER_UNARY_CPU(ArcSinh)
EMBER_UNARY_CPU(ArcCosh)
EMBER_UNARY_CPU(ArcTanh)
EMBER_UNARY_CPU(Erf)
EMBER_UNARY_CPU(ErfInv)
EMBER_UNARY_CPU(Sigmoid)
EMBER_UNARY_CPU(Floor)
EMBER_UNARY_CPU(Ceil)
EMBER_UNARY_CPU(Trunc)
EMBER_UNARY_CPU(Round)
EMBER_UNARY_CPU(Conjugate)
EMBER_UNARY_CPU(Real)
EMBER_UNARY_CPU(Imag)
EMBER_UNARY_CPU(LogicalNot)
EMBER_UNARY_CPU(BitwiseInvert)

}  // namespace ember
