// Internal helpers shared by the transformations: an iterative graph walk and
// small array constructors that need no other op family.
#pragma once

#include <functional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ember/core/array.h"

namespace ember::detail {

/// One node of a traced graph: a representative output and all outputs
/// (held so that their ids stay valid while the entry lives).
struct TapeEntry {
  array a;
  std::vector<array> outputs;
};

/// Visits the nodes reachable from `outputs` in post order (inputs first),
/// each node once, without descending into arrays whose id is in `stop` or
/// that have no primitive. Iterative, so deep graphs don't overflow the stack.
template <typename F>
void walk_graph(const std::vector<array>& outputs,
                const std::unordered_set<uintptr_t>& stop, F&& visit) {
  std::unordered_set<const Node*> seen;
  struct Frame {
    array a;
    size_t next;
  };
  std::vector<Frame> stack;
  auto push = [&](const array& a) {
    if (stop.count(a.id()) || !a.has_primitive()) return;
    if (!seen.insert(a.node().get()).second) return;
    stack.push_back({a, 0});
  };
  for (auto& out : outputs) {
    push(out);
    while (!stack.empty()) {
      auto& f = stack.back();
      const auto& ins = static_cast<const array&>(f.a).inputs();
      if (f.next < ins.size()) {
        array in = ins[f.next++];
        push(in);  // may reallocate the stack; `f` is not used after this
        continue;
      }
      array a = std::move(f.a);
      stack.pop_back();
      visit(a);
    }
  }
}

/// Zeros with the shape and dtype of `a` (a broadcast scalar, no buffer).
array zeros_like_(const array& a, Stream s);

/// Whether gradients flow through arrays of this dtype.
inline bool is_differentiable(Dtype t) { return is_inexact(t); }

/// vjp where cotangent j belongs to output j (stop_gradient outputs
/// included; their cotangents are ignored).
std::pair<std::vector<array>, std::vector<array>> vjp_all_outputs(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& cotangents);

}  // namespace ember::detail
