// Derivatives and batching rule of Select (where).
#include "ember/primitives/ternary.h"

#include "ember/ops/creation.h"
#include "ember/ops/ternary.h"
#include "ember/ops/binary.h"
#include "ember/primitives/unary.h"

namespace ember {

std::vector<array> Select::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  auto s = stream();
  const array& c = cotangents[0];
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 0) {
      out.push_back(zeros_like(primals[0], s));  // the condition is discrete
    } else {
      array z = zeros_like(c, s);
      out.push_back(a == 1 ? where(primals[0], c, z, s)
                           : where(primals[0], z, c, s));
    }
  }
  return out;
}

std::vector<array> Select::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  array tx = zeros_like(primals[1], s), ty = zeros_like(primals[2], s);
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 1) tx = tangents[i];
    if (argnums[i] == 2) ty = tangents[i];
  }
  return {where(primals[0], tx, ty, s)};
}

std::pair<std::vector<array>, std::vector<int>> Select::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto [xs, ax] = detail::align_batch_axes(inputs, axes, stream());
  return {{where(xs[0], xs[1], xs[2], stream())}, {ax}};
}

}  // namespace ember
