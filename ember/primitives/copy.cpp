// Derivatives and batching rules of copy primitives.
#include "ember/primitives/copy.h"

#include "ember/ops/copy.h"

namespace ember {

std::vector<array> AsType::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>&,
                               const std::vector<array>&) {
  return {astype(cotangents[0], primals[0].dtype(), stream())};
}
std::vector<array> AsType::jvp(const std::vector<array>&,
                               const std::vector<array>& tangents,
                               const std::vector<int>&) {
  return {astype(tangents[0], dtype_, stream())};
}

std::vector<array> Copy::vjp(const std::vector<array>&,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>&) {
  return {cotangents[0]};
}
std::vector<array> Copy::jvp(const std::vector<array>&,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {tangents[0]};
}

std::pair<std::vector<array>, std::vector<int>> AsType::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{astype(inputs[0], dtype_, stream())}, {axes[0]}};
}

std::pair<std::vector<array>, std::vector<int>> Copy::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto shape = inputs[0].shape();
  auto dtype = inputs[0].dtype();
  return {{array(std::move(shape), dtype,
                 std::make_shared<Copy>(stream(), allow_col_major_),
                 {inputs[0]})},
          {axes[0]}};
}

}  // namespace ember
