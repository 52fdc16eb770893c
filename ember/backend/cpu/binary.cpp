// CPU evaluation of elementwise binary primitives: one line per op.
#include "ember/backend/cpu/binary_ops.h"
#include "ember/backend/cpu/elementwise.h"
#include "ember/primitives/binary.h"

namespace ember {

namespace {
// Output dtype equals the (common) input dtype.
template <typename Op>
void binary_same(const std::vector<array>& inputs, array& out, const char* name) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_invocable_v<Op, T, T>) {
      cpu::binary_kernel<T, T, T>(inputs[0], inputs[1], out, Op{});
    } else {
      throw std::invalid_argument(std::string("[") + name +
                                  "] Not supported for dtype " +
                                  dtype_name(out.dtype()) + ".");
    }
  });
}
}  // namespace

#define EMBER_BINARY_CPU(NAME) \
  void NAME::eval_cpu(const std::vector<array>& inputs, array& out) { \
    binary_same<cpu::NAME##Op>(inputs, out, #NAME);                    \
  }

EMBER_BINARY_CPU(Add)
EMBER_BINARY_CPU(Subtract)
EMBER_BINARY_CPU(Multiply)
EMBER_BINARY_CPU(Divide)

}  // namespace ember
