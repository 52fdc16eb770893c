// CPU evaluation of elementwise unary primitives: one line per op.
#include "ember/backend/cpu/elementwise.h"
#include "ember/backend/cpu/unary_ops.h"
#include "ember/primitives/unary.h"

namespace ember {

namespace {
// Same input/output dtype, any dtype the op supports.
template <typename Op>
void unary_same(const array& in, array& out, const char* name) {
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      throw std::invalid_argument(std::string("[") + name +
                                  "] Not supported for dtype bool.");
    } else {
      cpu::unary_kernel<T, T>(in, out, Op{});
    }
  });
}

// Same as unary_same but for inexact dtypes only (ops that promote to float).
template <typename Op>
void unary_float(const array& in, array& out, const char* name) {
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                  std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t> ||
                  std::is_same_v<T, complex64_t>) {
      cpu::unary_kernel<T, T>(in, out, Op{});
    } else {
      throw std::invalid_argument(std::string("[") + name +
                                  "] Expected an inexact dtype; got " +
                                  dtype_name(in.dtype()) + ".");
    }
  });
}
}  // namespace

#define EMBER_UNARY_CPU(NAME, KIND) \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) { \
    KIND<cpu::NAME##Op>(inputs[0], out, #NAME);                        \
  }

EMBER_UNARY_CPU(Negative, unary_same)
EMBER_UNARY_CPU(Exp, unary_float)
EMBER_UNARY_CPU(Log, unary_float)
EMBER_UNARY_CPU(Sin, unary_float)
EMBER_UNARY_CPU(Cos, unary_float)

}  // namespace ember
