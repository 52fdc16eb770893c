// custom_function / custom_vjp / checkpoint: the function's outputs are
// wrapped in a CustomTransforms node that carries the user's rules.
#include "ember/transforms/custom.h"

#include <stdexcept>

#include "ember/ops/indexing.h"
#include "ember/primitives/transforms.h"
#include "ember/transforms/autodiff.h"
#include "ember/transforms/graph.h"
#include "ember/transforms/vmap.h"

namespace ember {

array stop_gradient(const array& a, StreamOrDevice s) {
  auto shape = a.shape();
  return array(std::move(shape), a.dtype(),
               std::make_shared<StopGradient>(to_stream(s)), {a});
}

using Fun = std::function<std::vector<array>(const std::vector<array>&)>;

Fun custom_function(Fun fun, std::optional<CustomVJPFn> fun_vjp,
                    std::optional<CustomJVPFn> fun_jvp,
                    std::optional<CustomVmapFn> fun_vmap) {
  if (!fun_vjp && !fun_jvp && !fun_vmap) return fun;
  CustomVJPFn vjp_fn = fun_vjp ? std::move(*fun_vjp)
                               : CustomVJPFn([fun](const std::vector<array>& primals,
                                                   const std::vector<array>& cotangents,
                                                   const std::vector<array>&) {
                                   return detail::vjp_all_outputs(fun, primals, cotangents)
                                       .second;
                                 });
  CustomJVPFn jvp_fn =
      fun_jvp ? std::move(*fun_jvp)
              : CustomJVPFn([fun](const std::vector<array>& primals,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>& argnums) {
                  std::vector<array> all;
                  for (size_t i = 0, j = 0; i < primals.size(); ++i) {
                    if (j < argnums.size() && argnums[j] == int(i)) {
                      all.push_back(tangents[j++]);
                    } else {
                      all.push_back(detail::zeros_like_(
                          primals[i], default_stream(default_device())));
                    }
                  }
                  return jvp(fun, primals, all).second;
                });
  CustomVmapFn vmap_fn =
      fun_vmap ? std::move(*fun_vmap)
               : CustomVmapFn([fun](const std::vector<array>& inputs,
                                    const std::vector<int>& axes) {
                   std::vector<std::optional<int>> in_axes;
                   for (int a : axes) {
                     in_axes.push_back(a >= 0 ? std::optional<int>(a) : std::nullopt);
                   }
                   auto outs = vmap(fun, in_axes)(inputs);
                   return std::make_pair(outs, std::vector<int>(outs.size(), 0));
                 });
  return [fun, vjp_fn, jvp_fn, vmap_fn](const std::vector<array>& args) {
    auto outputs = fun(args);
    if (outputs.empty()) return outputs;
    // Gradients reach the inputs only through the custom rules.
    for (auto& o : outputs) o = stop_gradient(o);
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    for (auto& o : outputs) {
      shapes.push_back(o.shape());
      dtypes.push_back(o.dtype());
    }
    std::vector<array> inputs(args);
    inputs.insert(inputs.end(), outputs.begin(), outputs.end());
    return array::make_arrays(
        std::move(shapes), std::move(dtypes),
        std::make_shared<CustomTransforms>(default_stream(default_device()),
                                           int(outputs.size()), vjp_fn, jvp_fn,
                                           vmap_fn),
        std::move(inputs));
  };
}

Fun custom_vjp(Fun fun, CustomVJPFn fun_vjp) {
  return custom_function(std::move(fun), std::move(fun_vjp));
}

Fun checkpoint(Fun fun) {
  auto vjp_fn = [fun](const std::vector<array>& primals,
                      const std::vector<array>& cotangents,
                      const std::vector<array>& outputs) {
    // Recompute the forward pass only once the original outputs exist, so
    // that its intermediates are not alive at the same time.
    return detail::vjp_all_outputs(fun, depends(primals, outputs), cotangents)
        .second;
  };
  return custom_vjp(fun, vjp_fn);
}

}  // namespace ember
