// Derivatives and batching rules of random primitives.
#include "ember/primitives/random.h"

#include <optional>

#include "ember/ops/binary.h"
#include "ember/ops/creation.h"
#include "ember/ops/linalg.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"

namespace ember {

// Bits are integers: zero gradient with respect to the key.
std::vector<array> RandomBits::vjp(const std::vector<array>& primals,
                                   const std::vector<array>&,
                                   const std::vector<int>& argnums,
                                   const std::vector<array>&) {
  return std::vector<array>(argnums.size(),
                            zeros_like(primals[0], stream()));
}
std::vector<array> RandomBits::jvp(const std::vector<array>& primals,
                                   const std::vector<array>&,
                                   const std::vector<int>&) {
  Shape sh(primals[0].shape().begin(), primals[0].shape().end() - 1);
  sh.insert(sh.end(), shape_.begin(), shape_.end());
  Dtype dt = width_ == 4 ? uint32 : width_ == 2 ? uint16 : uint8;
  return {zeros(sh, dt, stream())};
}
std::pair<std::vector<array>, std::vector<int>> RandomBits::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto k = axes[0] > 0 ? moveaxis(inputs[0], axes[0], 0, stream()) : inputs[0];
  Shape sh(k.shape().begin(), k.shape().end() - 1);
  sh.insert(sh.end(), shape_.begin(), shape_.end());
  Dtype dt = width_ == 4 ? uint32 : width_ == 2 ? uint16 : uint8;
  return {{array(sh, dt, std::make_shared<RandomBits>(stream(), shape_, width_),
                 {k})},
          {axes[0] < 0 ? -1 : 0}};
}

namespace {
array sylvester(const array& x, const array& g, Stream s) {
  return array(x.shape(), x.dtype(), std::make_shared<PsdSqrtSylvester>(s),
               {x, g});
}
// Moves batch axes to the front, broadcasting unbatched inputs.
std::vector<array> batch_front(const std::vector<array>& inputs,
                               const std::vector<int>& axes, Stream s) {
  int b = 1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) b = inputs[i].shape(axes[i]);
  }
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) {
      out.push_back(moveaxis(inputs[i], axes[i], 0, s));
    } else {
      Shape sh = inputs[i].shape();
      sh.insert(sh.begin(), b);
      out.push_back(broadcast_to(expand_dims(inputs[i], 0, s), sh, s));
    }
  }
  return out;
}
}  // namespace

// X = sqrt(C) means C = X X, so dC = X dX + dX X; both directions solve
// the same (self-adjoint) Sylvester equation.
std::vector<array> PsdSqrt::vjp(const std::vector<array>&,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>& outputs) {
  return std::vector<array>(argnums.size(),
                            sylvester(outputs[0], cotangents[0], stream()));
}
std::vector<array> PsdSqrt::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  auto& c = primals[0];
  array x(c.shape(), c.dtype(), std::make_shared<PsdSqrt>(stream()), {c});
  return {sylvester(x, tangents[0], stream())};
}
std::pair<std::vector<array>, std::vector<int>> PsdSqrt::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto in = batch_front(inputs, axes, stream());
  return {{array(in[0].shape(), in[0].dtype(),
                 std::make_shared<PsdSqrt>(stream()), {in[0]})},
          {0}};
}
// Y = sylv(X, G) solves X Y + Y X = G, so X dY + dY X = dG - (dX Y + Y dX).
// The operator Y -> X Y + Y X is self-adjoint for symmetric X, which gives
// the vjp: Z = sylv(X, C), dG = Z, dX = -(Z Y^T + Y^T Z).
std::vector<array> PsdSqrtSylvester::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>& outputs) {
  auto s = stream();
  array y = outputs.empty() ? sylvester(primals[0], primals[1], s) : outputs[0];
  array z = sylvester(primals[0], cotangents[0], s);
  std::vector<array> out;
  for (int a : argnums) {
    if (a == 1) {
      out.push_back(z);
    } else {
      array yt = swapaxes(y, -1, -2, s);
      out.push_back(negative(add(matmul(z, yt, s), matmul(yt, z, s), s), s));
    }
  }
  return out;
}
std::vector<array> PsdSqrtSylvester::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  auto s = stream();
  array y = sylvester(primals[0], primals[1], s);
  std::optional<array> rhs;
  for (size_t i = 0; i < argnums.size(); ++i) {
    array term = argnums[i] == 1
                     ? tangents[i]
                     : negative(add(matmul(tangents[i], y, s),
                                    matmul(y, tangents[i], s), s), s);
    rhs = rhs ? add(*rhs, term, s) : term;
  }
  return {sylvester(primals[0], *rhs, s)};
}

std::pair<std::vector<array>, std::vector<int>> PsdSqrtSylvester::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto in = batch_front(inputs, axes, stream());
  return {{sylvester(in[0], in[1], stream())}, {0}};
}

}  // namespace ember
