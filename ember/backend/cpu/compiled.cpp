// eval_cpu of Compiled: the fused group runs one primitive at a time with
// the CPU kernels (same results as the unfused graph; intermediates are
// released, and may be reused in place, after their last use).
#include "ember/primitives/compiled.h"

namespace ember {

void Compiled::eval_cpu(const std::vector<array>& inputs,
                        std::vector<array>& outputs) {
  eval_unfused(inputs, outputs,
               [](Primitive& p, const std::vector<array>& ins,
                  std::vector<array>& outs) { p.eval_cpu(ins, outs); });
}

}  // namespace ember
