// Derivatives and batching rules of fused fast primitives: through the
// op-composed fallback (the same math), so higher orders work too.
#include "ember/primitives/fast.h"

#include <optional>

#include "ember/ops/creation.h"
#include "ember/ops/shape.h"
#include "ember/transforms/autodiff.h"
#include "ember/transforms/vmap.h"

namespace ember {

namespace {
// fallback restricted to the inputs in `which`, the others held fixed.
FastFallback partial(const FastFallback& fb, const std::vector<array>& primals,
                     const std::vector<int>& which) {
  return [fb, primals, which](const std::vector<array>& xs) {
    auto ins = primals;
    for (size_t k = 0; k < which.size(); ++k) ins[which[k]] = xs[k];
    return fb(ins);
  };
}
}  // namespace

std::vector<array> FastPrimitive::vjp(const std::vector<array>& primals,
                                      const std::vector<array>& cotangents,
                                      const std::vector<int>& argnums,
                                      const std::vector<array>&) {
  std::vector<int> which;
  std::vector<array> xs;
  for (int a : argnums) {
    if (differentiable(a)) {
      which.push_back(a);
      xs.push_back(primals[a]);
    }
  }
  std::vector<array> grads;
  if (!which.empty()) {
    grads = ember::vjp(partial(fallback_, primals, which), xs, cotangents).second;
  }
  std::vector<array> out;
  size_t k = 0;
  for (int a : argnums) {
    out.push_back(differentiable(a) ? grads[k++]
                                    : zeros_like(primals[a], stream()));
  }
  return out;
}

std::vector<array> FastPrimitive::jvp(const std::vector<array>& primals,
                                      const std::vector<array>& tangents,
                                      const std::vector<int>& argnums) {
  std::vector<int> which;
  std::vector<array> xs, ts;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (differentiable(argnums[i])) {
      which.push_back(argnums[i]);
      xs.push_back(primals[argnums[i]]);
      ts.push_back(tangents[i]);
    }
  }
  if (which.empty()) {
    auto out = fallback_(primals)[0];
    return {zeros_like(out, stream())};
  }
  return {ember::jvp(partial(fallback_, primals, which), xs, ts).second[0]};
}

std::pair<std::vector<array>, std::vector<int>> FastPrimitive::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<std::optional<int>> in_axes;
  for (int a : axes) in_axes.push_back(a < 0 ? std::nullopt : std::optional<int>(a));
  return {ember::vmap(fallback_, in_axes, {0})(inputs), {0}};
}

namespace {
// The fused norms take any leading dims: a batch axis on x other than the
// last one passes straight through when the affine inputs aren't batched.
bool norm_batch_passthrough(const std::vector<array>& inputs,
                            const std::vector<int>& axes) {
  if (axes[0] < 0 || axes[0] == inputs[0].ndim() - 1) return false;
  for (size_t i = 1; i < axes.size(); ++i) {
    if (axes[i] >= 0) return false;
  }
  return true;
}
}  // namespace

std::pair<std::vector<array>, std::vector<int>> RMSNorm::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (!norm_batch_passthrough(inputs, axes)) {
    return FastPrimitive::vmap(inputs, axes);
  }
  auto& x = inputs[0];
  Dtype dt = has_weight_ ? promote_types(x.dtype(), inputs[1].dtype()) : x.dtype();
  return {{array(x.shape(), dt,
                 std::make_shared<RMSNorm>(stream(), fallback_, eps_, has_weight_),
                 inputs)},
          {axes[0]}};
}

std::pair<std::vector<array>, std::vector<int>> LayerNorm::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (!norm_batch_passthrough(inputs, axes)) {
    return FastPrimitive::vmap(inputs, axes);
  }
  auto& x = inputs[0];
  Dtype dt = x.dtype();
  for (size_t i = 1; i < inputs.size(); ++i) dt = promote_types(dt, inputs[i].dtype());
  return {{array(x.shape(), dt,
                 std::make_shared<LayerNorm>(stream(), fallback_, eps_,
                                             has_weight_, has_bias_),
                 inputs)},
          {axes[0]}};
}

}  // namespace ember
