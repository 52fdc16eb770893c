// vmap: trace the function once on data-less placeholders, then replay the
// nodes that depend on them, calling each primitive's batching rule.
#include "ember/transforms/vmap.h"

#include <stdexcept>
#include <string>
#include <unordered_map>

#include "ember/ops/shape.h"
#include "ember/primitives/transforms.h"
#include "ember/transforms/graph.h"

namespace ember {

namespace detail {

std::pair<std::vector<array>, std::vector<array>> vmap_trace(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& inputs, const std::vector<int>& in_axes) {
  std::vector<array> s_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (in_axes[i] < 0) {
      s_inputs.push_back(inputs[i]);
      continue;
    }
    Shape shape = inputs[i].shape();
    shape.erase(shape.begin() + in_axes[i]);
    s_inputs.emplace_back(
        std::move(shape), inputs[i].dtype(),
        std::make_shared<Placeholder>(default_stream(default_device()), "vmap"),
        std::vector<array>{});
    s_inputs.back().set_tracer(true);
  }
  auto s_outputs = fun(s_inputs);
  return {std::move(s_inputs), std::move(s_outputs)};
}

std::vector<array> vmap_replace(const std::vector<array>& inputs,
                                const std::vector<array>& s_inputs,
                                const std::vector<array>& s_outputs,
                                const std::vector<int>& in_axes,
                                const std::vector<int>& out_axes) {
  if (out_axes.size() != s_outputs.size()) {
    throw std::invalid_argument(
        "[vmap] Expected " + std::to_string(s_outputs.size()) +
        " out_axes (one per output); got " + std::to_string(out_axes.size()) +
        ".");
  }
  int size = -1;
  std::unordered_map<uintptr_t, std::pair<array, int>> tmap;
  std::unordered_set<uintptr_t> stop;
  for (size_t i = 0; i < s_inputs.size(); ++i) {
    if (in_axes[i] >= 0) {
      tmap.emplace(s_inputs[i].id(), std::make_pair(inputs[i], in_axes[i]));
      stop.insert(s_inputs[i].id());
      size = inputs[i].shape(in_axes[i]);
    }
  }

  std::vector<TapeEntry> tape;
  walk_graph(s_outputs, stop, [&](const array& a) {
    bool dep = false;
    for (auto& in : a.inputs()) dep = dep || tmap.count(in.id());
    if (!dep) return;
    auto outs = a.outputs();
    auto& prim = a.primitive();
    const auto& ins = a.inputs();
    std::vector<array> v_inputs;
    std::vector<int> v_axes;
    for (auto& in : ins) {
      auto it = tmap.find(in.id());
      if (it != tmap.end()) {
        v_inputs.push_back(it->second.first);
        v_axes.push_back(it->second.second);
      } else {
        v_inputs.push_back(in);
        v_axes.push_back(-1);
      }
    }
    auto [v_outs, v_out_axes] = prim.vmap(v_inputs, v_axes);
    if (v_outs.size() != outs.size() || v_out_axes.size() != outs.size()) {
      throw std::runtime_error(
          std::string("[vmap] The vmap rule of ") + prim.name() +
          " returned " + std::to_string(v_outs.size()) + " outputs and " +
          std::to_string(v_out_axes.size()) + " axes for " +
          std::to_string(outs.size()) + " outputs.");
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      int ax = v_out_axes[k];
      Shape expect = outs[k].shape();
      if (ax >= 0 && ax <= int(expect.size())) {
        expect.insert(expect.begin() + ax, size);
      }
      if ((ax < -1 || ax > int(outs[k].ndim())) || v_outs[k].shape() != expect) {
        throw std::runtime_error(
            std::string("[vmap] The vmap rule of ") + prim.name() +
            " returned an output of shape " + shape_str(v_outs[k].shape()) +
            " with batch axis " + std::to_string(ax) + " for output " +
            std::to_string(k) + " of shape " + shape_str(outs[k].shape()) +
            " and batch size " + std::to_string(size) + ".");
      }
      if (ax >= 0) tmap.emplace(outs[k].id(), std::make_pair(v_outs[k], ax));
    }
    tape.push_back({a, std::move(outs)});  // keeps output ids valid
  });

  std::vector<array> outputs;
  for (size_t i = 0; i < s_outputs.size(); ++i) {
    const array& o = s_outputs[i];
    int oax = out_axes[i];
    if (oax > o.ndim()) {
      throw std::out_of_range("[vmap] out_axes " + std::to_string(oax) +
                              " is out of bounds for output " +
                              std::to_string(i) + " with " +
                              std::to_string(o.ndim() + 1) +
                              " dimensions once batched.");
    }
    auto it = tmap.find(o.id());
    if (it != tmap.end()) {
      auto [v, vax] = it->second;
      if (oax < 0) {
        throw std::invalid_argument(
            "[vmap] Output " + std::to_string(i) +
            " depends on mapped inputs but its out_axes entry is None.");
      }
      outputs.push_back(vax == oax ? v : moveaxis(v, vax, oax));
    } else if (oax < 0) {
      outputs.push_back(o);
    } else {
      // Unbatched output: repeat it along the new axis (a broadcast view).
      Shape shape = o.shape();
      shape.insert(shape.begin() + oax, 1);
      array e = reshape(o, shape);
      shape[oax] = size;
      outputs.push_back(broadcast_to(e, shape));
    }
  }
  return outputs;
}

}  // namespace detail

namespace {
std::string axes_str(const std::vector<std::optional<int>>& axes) {
  std::string s = "(";
  for (size_t i = 0; i < axes.size(); ++i) {
    s += (i ? ", " : "") + (axes[i] ? std::to_string(*axes[i]) : "None");
  }
  return s + (axes.size() == 1 ? ",)" : ")");
}
}  // namespace

std::function<std::vector<array>(const std::vector<array>&)> vmap(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<std::optional<int>>& in_axes,
    const std::vector<std::optional<int>>& out_axes) {
  return [fun, in_axes, out_axes](const std::vector<array>& inputs) {
    std::vector<std::optional<int>> ia = in_axes;
    if (ia.empty()) ia.assign(inputs.size(), 0);
    if (ia.size() != inputs.size()) {
      throw std::invalid_argument(
          "[vmap] Expected " + std::to_string(inputs.size()) +
          " in_axes (one per input); got " + std::to_string(ia.size()) + " " +
          axes_str(ia) + ".");
    }
    std::vector<int> axes(inputs.size(), -1);
    int size = -1;
    int first = -1;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!ia[i]) continue;
      int nd = inputs[i].ndim();
      int ax = *ia[i] < 0 ? *ia[i] + nd : *ia[i];
      if (ax < 0 || ax >= nd) {
        throw std::out_of_range(
            "[vmap] in_axes " + std::to_string(*ia[i]) +
            " is out of bounds for input " + std::to_string(i) + " with " +
            std::to_string(nd) + " dimensions.");
      }
      axes[i] = ax;
      int n = inputs[i].shape(ax);
      if (size < 0) {
        size = n;
        first = int(i);
      } else if (n != size) {
        throw std::invalid_argument(
            "[vmap] Inconsistent sizes of the mapped axes: input " +
            std::to_string(first) + " has size " + std::to_string(size) +
            " and input " + std::to_string(i) + " has size " +
            std::to_string(n) + ".");
      }
    }
    if (size < 0) {
      throw std::invalid_argument(
          "[vmap] At least one input must be mapped; got in_axes " +
          axes_str(ia) + ".");
    }
    detail::TracingScope scope;
    auto [s_inputs, s_outputs] = detail::vmap_trace(fun, inputs, axes);
    std::vector<std::optional<int>> oa = out_axes;
    if (oa.empty()) oa.assign(s_outputs.size(), 0);
    if (oa.size() != s_outputs.size()) {
      throw std::invalid_argument(
          "[vmap] Expected " + std::to_string(s_outputs.size()) +
          " out_axes (one per output); got " + std::to_string(oa.size()) + " " +
          axes_str(oa) + ".");
    }
    std::vector<int> oaxes(oa.size(), -1);
    for (size_t i = 0; i < oa.size(); ++i) {
      if (!oa[i]) continue;
      int nd = s_outputs[i].ndim() + 1;
      int ax = *oa[i] < 0 ? *oa[i] + nd : *oa[i];
      if (ax < 0 || ax >= nd) {
        throw std::out_of_range(
            "[vmap] out_axes " + std::to_string(*oa[i]) +
            " is out of bounds for output " + std::to_string(i) + " with " +
            std::to_string(nd) + " dimensions once batched.");
      }
      oaxes[i] = ax;
    }
    return detail::vmap_replace(inputs, s_inputs, s_outputs, axes, oaxes);
  };
}

std::function<array(const array&)> vmap(
    const std::function<array(const array&)>& fun, std::optional<int> in_axis,
    std::optional<int> out_axis) {
  auto vfun = vmap(
      [fun](const std::vector<array>& xs) {
        return std::vector<array>{fun(xs[0])};
      },
      {in_axis}, {out_axis});
  return [vfun](const array& x) { return vfun({x})[0]; };
}

std::function<array(const array&, const array&)> vmap(
    const std::function<array(const array&, const array&)>& fun,
    std::optional<int> in_axis_a, std::optional<int> in_axis_b,
    std::optional<int> out_axis) {
  auto vfun = vmap(
      [fun](const std::vector<array>& xs) {
        return std::vector<array>{fun(xs[0], xs[1])};
      },
      {in_axis_a, in_axis_b}, {out_axis});
  return [vfun](const array& a, const array& b) { return vfun({a, b})[0]; };
}

}  // namespace ember
