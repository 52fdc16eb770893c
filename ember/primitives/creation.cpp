// Derivatives and batching rules of creation primitives.
#include "ember/primitives/creation.h"

namespace ember {

// Full's input is already broadcast to the output shape, so it is the identity.
std::vector<array> Full::vjp(const std::vector<array>&,
                             const std::vector<array>& cotangents,
                             const std::vector<int>& argnums,
                             const std::vector<array>&) {
  return std::vector<array>(argnums.size(), cotangents[0]);
}
std::vector<array> Full::jvp(const std::vector<array>&,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {tangents[0]};
}
std::pair<std::vector<array>, std::vector<int>> Full::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto& x = inputs[0];
  return {{array(x.shape(), x.dtype(), std::make_shared<Full>(stream()), {x})},
          {axes[0]}};
}

std::vector<array> Triangular::vjp(const std::vector<array>&,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums,
                                   const std::vector<array>&) {
  auto& c = cotangents[0];
  array g(c.shape(), c.dtype(),
          std::make_shared<Triangular>(stream(), k_, upper_, axis1_, axis2_),
          {c});
  return std::vector<array>(argnums.size(), g);
}
std::vector<array> Triangular::jvp(const std::vector<array>&,
                                   const std::vector<array>& tangents,
                                   const std::vector<int>&) {
  auto& t = tangents[0];
  return {array(t.shape(), t.dtype(),
                std::make_shared<Triangular>(stream(), k_, upper_, axis1_,
                                             axis2_),
                {t})};
}
// The batch axis is just another axis: shift the masked axes past it.
std::pair<std::vector<array>, std::vector<int>> Triangular::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto& x = inputs[0];
  int ax = axes[0];
  int a1 = axis1_, a2 = axis2_;
  if (ax >= 0) {
    if (ax <= a1) ++a1;
    if (ax <= a2) ++a2;
  }
  return {{array(x.shape(), x.dtype(),
                 std::make_shared<Triangular>(stream(), k_, upper_, a1, a2),
                 {x})},
          {ax}};
}

}  // namespace ember
