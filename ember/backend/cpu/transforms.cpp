// CPU evaluation of the transformation primitives: all of them forward
// buffers of their inputs (no copies, O(1) work).
#include <stdexcept>

#include "ember/primitives/transforms.h"

namespace ember {

void StopGradient::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.copy_shared_buffer(inputs[0]);
}

void Placeholder::eval_cpu(const std::vector<array>&, array& out) {
  throw std::invalid_argument(
      "[" + context_ +
      "] Cannot evaluate arrays computed from a transformed input inside the "
      "function: while tracing, the input of shape " + shape_str(out.shape()) +
      " is a placeholder without data.");
}

void CustomTransforms::eval_cpu(const std::vector<array>& inputs,
                                std::vector<array>& outputs) {
  size_t first = inputs.size() - outputs.size();
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i].copy_shared_buffer(inputs[first + i]);
  }
}

}  // namespace ember
