// Derivatives and batching rules of the transformation primitives.
#include "ember/primitives/transforms.h"

#include <stdexcept>
#include <string>

#include "ember/ops/copy.h"
#include "ember/transforms/custom.h"
#include "ember/transforms/graph.h"

namespace ember {

std::vector<array> StopGradient::vjp(const std::vector<array>& primals,
                                     const std::vector<array>&,
                                     const std::vector<int>& argnums,
                                     const std::vector<array>&) {
  std::vector<array> out;
  for (int a : argnums) out.push_back(detail::zeros_like_(primals[a], stream()));
  return out;
}
std::vector<array> StopGradient::jvp(const std::vector<array>& primals,
                                     const std::vector<array>&,
                                     const std::vector<int>&) {
  return {detail::zeros_like_(primals[0], stream())};
}
std::pair<std::vector<array>, std::vector<int>> StopGradient::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{stop_gradient(inputs[0], stream())}, {axes[0]}};
}

std::vector<array> CustomTransforms::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>& outputs) {
  size_t n_in = primals.size() - num_outputs_;
  std::vector<array> inputs(primals.begin(), primals.begin() + n_in);
  auto all = vjp_fun_(inputs, cotangents, outputs);
  if (all.size() != n_in) {
    throw std::invalid_argument(
        "[custom_function] The custom vjp must return one cotangent per "
        "input (" + std::to_string(n_in) + "); got " +
        std::to_string(all.size()) + ".");
  }
  std::vector<array> out;
  for (int a : argnums) {
    if (a >= int(n_in)) {
      out.push_back(detail::zeros_like_(primals[a], stream()));
      continue;
    }
    if (all[a].shape() != primals[a].shape()) {
      throw std::invalid_argument(
          "[custom_function] The custom vjp returned a cotangent of shape " +
          shape_str(all[a].shape()) + " for input " + std::to_string(a) +
          " of shape " + shape_str(primals[a].shape()) + ".");
    }
    out.push_back(astype(all[a], primals[a].dtype(), stream()));
  }
  return out;
}

std::vector<array> CustomTransforms::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  size_t n_in = primals.size() - num_outputs_;
  std::vector<array> inputs(primals.begin(), primals.begin() + n_in);
  std::vector<array> tans;
  std::vector<int> args;
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] < int(n_in)) {
      tans.push_back(tangents[i]);
      args.push_back(argnums[i]);
    }
  }
  auto out = jvp_fun_(inputs, tans, args);
  if (out.size() != size_t(num_outputs_)) {
    throw std::invalid_argument(
        "[custom_function] The custom jvp must return one tangent per output "
        "(" + std::to_string(num_outputs_) + "); got " +
        std::to_string(out.size()) + ".");
  }
  for (int i = 0; i < num_outputs_; ++i) {
    const array& o = primals[n_in + i];
    if (out[i].shape() != o.shape()) {
      throw std::invalid_argument(
          "[custom_function] The custom jvp returned a tangent of shape " +
          shape_str(out[i].shape()) + " for output " + std::to_string(i) +
          " of shape " + shape_str(o.shape()) + ".");
    }
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> CustomTransforms::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  size_t n_in = inputs.size() - num_outputs_;
  bool any = false;
  for (size_t i = 0; i < n_in; ++i) any = any || axes[i] >= 0;
  if (!any) {
    // Only values captured by the function are batched: its (already
    // batched) outputs are the answer.
    return {std::vector<array>(inputs.begin() + n_in, inputs.end()),
            std::vector<int>(axes.begin() + n_in, axes.end())};
  }
  auto res = vmap_fun_(std::vector<array>(inputs.begin(), inputs.begin() + n_in),
                       std::vector<int>(axes.begin(), axes.begin() + n_in));
  if (res.first.size() != size_t(num_outputs_) ||
      res.second.size() != size_t(num_outputs_)) {
    throw std::invalid_argument(
        "[custom_function] The custom vmap must return one output and one "
        "axis per output (" + std::to_string(num_outputs_) + "); got " +
        std::to_string(res.first.size()) + " outputs and " +
        std::to_string(res.second.size()) + " axes.");
  }
  return res;
}

}  // namespace ember
