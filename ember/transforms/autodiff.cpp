// Reverse mode (vjp, grad) and forward mode (jvp) differentiation by tracing
// the function on tracer copies of the primals and walking the graph.
#include "ember/transforms/autodiff.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <unordered_map>

#include "ember/ops/binary.h"
#include "ember/ops/copy.h"
#include "ember/ops/indexing.h"
#include "ember/ops/shape.h"
#include "ember/primitives/transforms.h"
#include "ember/transforms/custom.h"
#include "ember/transforms/graph.h"

namespace ember {

namespace detail {

array zeros_like_(const array& a, Stream s) {
  return broadcast_to(array(0, a.dtype()), a.shape(), s);
}

}  // namespace detail

namespace {

using detail::is_differentiable;
using detail::TapeEntry;

bool is_stop_gradient(const array& a) {
  return a.has_primitive() && typeid(a.primitive()) == typeid(StopGradient);
}

Stream stream_of(const array& a) {
  return a.has_primitive() ? a.primitive().stream()
                           : default_stream(default_device());
}

// Fresh tracer arrays standing for the primals (an identity view each, so
// that the same array passed twice gets two identities).
std::vector<array> make_tracers(const std::vector<array>& primals) {
  std::vector<array> out;
  out.reserve(primals.size());
  for (auto& p : primals) {
    out.push_back(depends({p}, {})[0]);
    out.back().set_tracer(true);
  }
  return out;
}

std::string str(const Shape& s) { return shape_str(s); }

// Reverse pass. `cotan_outputs[j]` is the index of the output that receives
// cotangents[j]; when null, outputs made by stop_gradient are skipped and
// the rest are matched in order.
std::pair<std::vector<array>, std::vector<array>> vjp_impl(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& cotangents,
    const std::vector<int>* cotan_outputs) {
  detail::TracingScope scope;
  auto primals_ = make_tracers(primals);
  auto outputs = fun(primals_);

  std::vector<std::pair<int, int>> pairs;  // (output, cotangent)
  if (cotan_outputs) {
    for (size_t j = 0; j < cotan_outputs->size(); ++j) {
      pairs.emplace_back((*cotan_outputs)[j], int(j));
    }
  } else {
    int j = 0;
    for (int i = 0; i < int(outputs.size()); ++i) {
      if (is_stop_gradient(outputs[i])) continue;
      pairs.emplace_back(i, j++);
    }
    if (j != int(cotangents.size())) {
      throw std::invalid_argument(
          "[vjp] Number of outputs to differentiate (" + std::to_string(j) +
          ") does not match the number of cotangents (" +
          std::to_string(cotangents.size()) + ").");
    }
  }
  for (auto [i, j] : pairs) {
    if (outputs[i].shape() != cotangents[j].shape()) {
      throw std::invalid_argument(
          "[vjp] Output " + std::to_string(i) + " has shape " +
          str(outputs[i].shape()) + " but its cotangent has shape " +
          str(cotangents[j].shape()) + ".");
    }
  }

  // Nodes that depend on a differentiable primal, inputs before users.
  std::unordered_set<uintptr_t> calc_grad;
  std::unordered_set<uintptr_t> stop;
  for (auto& p : primals_) {
    stop.insert(p.id());
    if (is_differentiable(p.dtype())) calc_grad.insert(p.id());
  }
  std::vector<TapeEntry> tape;
  detail::walk_graph(outputs, stop, [&](const array& a) {
    if (is_stop_gradient(a)) return;
    bool dep = false;
    for (auto& in : a.inputs()) dep = dep || calc_grad.count(in.id());
    if (!dep) return;
    auto outs = a.outputs();
    bool any = false;
    for (auto& o : outs) {
      if (is_differentiable(o.dtype())) {
        calc_grad.insert(o.id());
        any = true;
      }
    }
    if (any) tape.push_back({a, std::move(outs)});
  });

  std::unordered_map<uintptr_t, array> cotan_map;
  auto accumulate = [&cotan_map](const array& target, array c, Stream s) {
    c = astype(std::move(c), target.dtype(), s);
    auto it = cotan_map.find(target.id());
    if (it == cotan_map.end()) {
      cotan_map.emplace(target.id(), std::move(c));
    } else {
      it->second = add(it->second, c, s);
    }
  };
  for (auto [i, j] : pairs) {
    auto& o = outputs[i];
    if (calc_grad.count(o.id())) accumulate(o, cotangents[j], stream_of(o));
  }

  for (auto it = tape.rbegin(); it != tape.rend(); ++it) {
    auto& [a, outs] = *it;
    bool has_cotan = false;
    for (auto& o : outs) has_cotan = has_cotan || cotan_map.count(o.id());
    if (!has_cotan) continue;
    auto& prim = a.primitive();
    Stream s = prim.stream();
    const auto& inputs = a.inputs();
    std::vector<int> argnums;
    for (int i = 0; i < int(inputs.size()); ++i) {
      if (calc_grad.count(inputs[i].id())) argnums.push_back(i);
    }
    std::vector<array> cotans;
    for (auto& o : outs) {
      auto c = cotan_map.find(o.id());
      if (c != cotan_map.end()) {
        cotans.push_back(std::move(c->second));
        cotan_map.erase(c);
      } else {
        cotans.push_back(detail::zeros_like_(o, s));
      }
    }
    auto vjps = prim.vjp(inputs, cotans, argnums, outs);
    if (vjps.size() != argnums.size()) {
      throw std::runtime_error(
          std::string("[vjp] The vjp of ") + prim.name() + " returned " +
          std::to_string(vjps.size()) + " cotangents for " +
          std::to_string(argnums.size()) + " inputs.");
    }
    for (size_t k = 0; k < argnums.size(); ++k) {
      const array& in = inputs[argnums[k]];
      if (vjps[k].shape() != in.shape()) {
        throw std::runtime_error(
            std::string("[vjp] The vjp of ") + prim.name() +
            " returned a cotangent of shape " + str(vjps[k].shape()) +
            " for input " + std::to_string(argnums[k]) + " of shape " +
            str(in.shape()) + ".");
      }
      accumulate(in, vjps[k], s);
    }
  }

  std::vector<array> vjps;
  for (auto& p : primals_) {
    auto c = cotan_map.find(p.id());
    if (c != cotan_map.end()) {
      vjps.push_back(c->second);
    } else {
      vjps.push_back(detail::zeros_like_(p, stream_of(p)));
    }
  }
  return {std::move(outputs), std::move(vjps)};
}

}  // namespace

std::pair<std::vector<array>, std::vector<array>> vjp(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& cotangents) {
  return vjp_impl(fun, primals, cotangents, nullptr);
}

namespace detail {
std::pair<std::vector<array>, std::vector<array>> vjp_all_outputs(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& cotangents) {
  std::vector<int> idx(cotangents.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = int(i);
  auto checked = [&fun, n = idx.size()](const std::vector<array>& xs) {
    auto outs = fun(xs);
    if (outs.size() != n) {
      throw std::invalid_argument(
          "[vjp] Number of outputs (" + std::to_string(outs.size()) +
          ") does not match the number of cotangents (" + std::to_string(n) +
          ").");
    }
    return outs;
  };
  return vjp_impl(checked, primals, cotangents, &idx);
}
}  // namespace detail

std::pair<array, array> vjp(const std::function<array(const array&)>& fun,
                            const array& primal, const array& cotangent) {
  auto vec_fun = [&fun](const std::vector<array>& xs) {
    return std::vector<array>{fun(xs[0])};
  };
  auto [outs, vjps] = vjp(vec_fun, {primal}, {cotangent});
  return {outs[0], vjps[0]};
}

std::pair<std::vector<array>, std::vector<array>> jvp(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& tangents) {
  if (primals.size() != tangents.size()) {
    throw std::invalid_argument(
        "[jvp] Number of primals (" + std::to_string(primals.size()) +
        ") does not match the number of tangents (" +
        std::to_string(tangents.size()) + ").");
  }
  for (size_t i = 0; i < primals.size(); ++i) {
    if (primals[i].shape() != tangents[i].shape()) {
      throw std::invalid_argument(
          "[jvp] Primal " + std::to_string(i) + " has shape " +
          str(primals[i].shape()) + " but its tangent has shape " +
          str(tangents[i].shape()) + ".");
    }
  }
  detail::TracingScope scope;
  auto primals_ = make_tracers(primals);
  auto outputs = fun(primals_);

  std::unordered_map<uintptr_t, array> tan_map;
  std::unordered_set<uintptr_t> stop;
  for (size_t i = 0; i < primals_.size(); ++i) {
    stop.insert(primals_[i].id());
    if (is_differentiable(primals_[i].dtype())) {
      tan_map.emplace(primals_[i].id(),
                      astype(tangents[i], primals_[i].dtype(),
                             stream_of(primals_[i])));
    }
  }
  std::vector<TapeEntry> tape;
  detail::walk_graph(outputs, stop, [&](const array& a) {
    if (is_stop_gradient(a)) return;
    bool dep = false;
    for (auto& in : a.inputs()) dep = dep || tan_map.count(in.id());
    if (!dep) return;
    auto outs = a.outputs();
    bool any = false;
    for (auto& o : outs) any = any || is_differentiable(o.dtype());
    if (!any) return;
    // Process now: inputs are visited first, so their tangents are known.
    auto& prim = a.primitive();
    const auto& inputs = a.inputs();
    std::vector<int> argnums;
    std::vector<array> tans;
    for (int i = 0; i < int(inputs.size()); ++i) {
      auto t = tan_map.find(inputs[i].id());
      if (t != tan_map.end()) {
        argnums.push_back(i);
        tans.push_back(t->second);
      }
    }
    auto jvps = prim.jvp(inputs, tans, argnums);
    if (jvps.size() != outs.size()) {
      throw std::runtime_error(
          std::string("[jvp] The jvp of ") + prim.name() + " returned " +
          std::to_string(jvps.size()) + " tangents for " +
          std::to_string(outs.size()) + " outputs.");
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      if (!is_differentiable(outs[k].dtype())) continue;
      if (jvps[k].shape() != outs[k].shape()) {
        throw std::runtime_error(
            std::string("[jvp] The jvp of ") + prim.name() +
            " returned a tangent of shape " + str(jvps[k].shape()) +
            " for output " + std::to_string(k) + " of shape " +
            str(outs[k].shape()) + ".");
      }
      tan_map.emplace(outs[k].id(),
                      astype(jvps[k], outs[k].dtype(), prim.stream()));
    }
    tape.push_back({a, std::move(outs)});  // keeps output ids valid
  });

  std::vector<array> jvps;
  for (auto& o : outputs) {
    auto t = tan_map.find(o.id());
    if (t != tan_map.end()) {
      jvps.push_back(t->second);
    } else {
      jvps.push_back(detail::zeros_like_(o, stream_of(o)));
    }
  }
  return {std::move(outputs), std::move(jvps)};
}

std::pair<array, array> jvp(const std::function<array(const array&)>& fun,
                            const array& primal, const array& tangent) {
  auto vec_fun = [&fun](const std::vector<array>& xs) {
    return std::vector<array>{fun(xs[0])};
  };
  auto [outs, jvps] = jvp(vec_fun, {primal}, {tangent});
  return {outs[0], jvps[0]};
}

ValueAndGradFn value_and_grad(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<int>& argnums) {
  if (argnums.empty()) {
    throw std::invalid_argument(
        "[grad] Must specify at least one argument to differentiate; got "
        "empty argnums.");
  }
  std::set<int> args;
  for (int a : argnums) {
    if (a < 0) {
      throw std::invalid_argument("[grad] Invalid argnum " + std::to_string(a) +
                                  "; argnums must be non-negative.");
    }
    if (!args.insert(a).second) {
      throw std::invalid_argument("[grad] Repeated argnum " +
                                  std::to_string(a) + " in argnums.");
    }
  }
  std::vector<int> sorted(args.begin(), args.end());
  return [fun, sorted](const std::vector<array>& inputs) {
    if (sorted.back() >= int(inputs.size())) {
      throw std::invalid_argument(
          "[grad] Invalid argnum " + std::to_string(sorted.back()) +
          " for a function called with " + std::to_string(inputs.size()) +
          " inputs.");
    }
    std::vector<array> ginputs;
    for (int a : sorted) ginputs.push_back(inputs[a]);
    auto gfun = [&](const std::vector<array>& gin) {
      std::vector<array> all(inputs);
      for (size_t i = 0; i < sorted.size(); ++i) all[sorted[i]] = gin[i];
      auto outs = fun(all);
      if (outs.empty()) {
        throw std::invalid_argument(
            "[grad] The function must return at least one array; got none.");
      }
      if (outs[0].ndim() != 0) {
        throw std::invalid_argument(
            "[grad] The function must return a scalar (0-d) array as its "
            "first output; got shape " +
            shape_str(outs[0].shape()) + ".");
      }
      // Auxiliary outputs are returned but not differentiated.
      for (size_t i = 1; i < outs.size(); ++i) outs[i] = stop_gradient(outs[i]);
      return outs;
    };
    std::vector<int> cotan_outputs{0};
    return vjp_impl(gfun, ginputs, {array(1.0f)}, &cotan_outputs);
  };
}

ValueAndGradFn value_and_grad(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    int argnum) {
  return value_and_grad(fun, std::vector<int>{argnum});
}

SimpleValueAndGradFn value_and_grad(
    const std::function<array(const std::vector<array>&)>& fun,
    const std::vector<int>& argnums) {
  auto vg = value_and_grad(
      [fun](const std::vector<array>& xs) {
        return std::vector<array>{fun(xs)};
      },
      argnums);
  return [vg](const std::vector<array>& xs) {
    auto [vals, grads] = vg(xs);
    return std::make_pair(vals[0], std::move(grads));
  };
}

std::function<std::pair<array, array>(const array&)> value_and_grad(
    const std::function<array(const array&)>& fun) {
  auto vg = value_and_grad(
      [fun](const std::vector<array>& xs) {
        return std::vector<array>{fun(xs[0])};
      },
      0);
  return [vg](const array& x) {
    auto [vals, grads] = vg({x});
    return std::make_pair(vals[0], grads[0]);
  };
}

std::function<std::vector<array>(const std::vector<array>&)> grad(
    const std::function<array(const std::vector<array>&)>& fun,
    const std::vector<int>& argnums) {
  auto vg = value_and_grad(fun, argnums);
  return [vg](const std::vector<array>& xs) { return vg(xs).second; };
}

std::function<std::vector<array>(const std::vector<array>&)> grad(
    const std::function<array(const std::vector<array>&)>& fun, int argnum) {
  return grad(fun, std::vector<int>{argnum});
}

std::function<array(const array&)> grad(
    const std::function<array(const array&)>& fun) {
  auto vg = value_and_grad(fun);
  return [vg](const array& x) { return vg(x).second; };
}

}  // namespace ember
