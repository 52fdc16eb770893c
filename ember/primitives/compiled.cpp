// Compiled (fused elementwise group): transforms by expansion into the
// unfused graph, the shared one-primitive-at-a-time evaluation used by the
// CPU and by the GPU's fallback, and the per-primitive backend cache.
#include "ember/primitives/compiled.h"

#include <atomic>
#include <cstring>
#include <ostream>
#include <stdexcept>

#include "ember/ops/shape.h"
#include "ember/ops/utils.h"
#include "ember/primitives/compiled_source.h"
#include "ember/primitives/unary.h"
#include "ember/transforms/autodiff.h"
#include "ember/transforms/graph.h"

namespace ember {

namespace {

// Common shape of one node's inputs; dims no input provides (the group was
// traced with constants broadcast to them) keep the traced sizes.
Shape node_shape(const std::vector<Shape>& ins, const Shape* traced) {
  Shape common = broadcast_shapes(ins);
  if (traced && common.size() < traced->size()) {
    common.insert(common.begin(), traced->begin(),
                  traced->begin() + (traced->size() - common.size()));
  }
  return common;
}

}  // namespace

bool Compiled::is_equivalent(const Primitive& other) const {
  const auto& o = static_cast<const Compiled&>(other).tape();
  const auto& t = tape();
  if (t.input_dtypes != o.input_dtypes || t.outputs != o.outputs ||
      t.nodes.size() != o.nodes.size()) {
    return false;
  }
  for (size_t i = 0; i < t.num_inputs(); ++i) {
    if (t.literal(int(i)) != o.literal(int(i))) return false;
  }
  for (size_t k = 0; k < t.nodes.size(); ++k) {
    const auto& a = t.nodes[k];
    const auto& b = o.nodes[k];
    const Primitive& pa = *a.prim;
    const Primitive& pb = *b.prim;
    if (typeid(pa) != typeid(pb) || a.inputs != b.inputs ||
        a.dtype != b.dtype || !(a.prim == b.prim || pa.is_equivalent(pb))) {
      return false;
    }
  }
  return true;
}

std::vector<Shape> Compiled::output_shapes(const std::vector<array>& inputs) {
  std::vector<Shape> in;
  for (auto& a : inputs) in.push_back(a.shape());
  return expanded_shapes(in);
}

void Compiled::print(std::ostream& os) {
  os << "Compiled(";
  for (size_t k = 0; k < tape_->nodes.size(); ++k)
    os << (k ? ", " : "") << tape_->nodes[k].prim->name();
  os << ")";
}

std::vector<Shape> Compiled::expanded_shapes(const std::vector<Shape>& in_shapes,
                                             const Shape* traced) const {
  const auto& t = tape();
  std::vector<Shape> v(in_shapes.begin(), in_shapes.end());
  for (auto& n : t.nodes) {
    std::vector<Shape> ins;
    for (int s : n.inputs) ins.push_back(v[s]);
    v.push_back(node_shape(ins, traced));
  }
  std::vector<Shape> out;
  for (int o : t.outputs) out.push_back(v[o]);
  return out;
}

std::vector<array> Compiled::expand(const std::vector<array>& inputs,
                                    const Shape* traced) const {
  const auto& t = tape();
  std::vector<array> v(inputs.begin(), inputs.end());
  for (auto& n : t.nodes) {
    std::vector<array> ins;
    std::vector<Shape> shapes;
    for (int s : n.inputs) {
      ins.push_back(v[s]);
      shapes.push_back(v[s].shape());
    }
    Shape common = node_shape(shapes, traced);
    for (auto& a : ins) {
      if (a.shape() != common) a = broadcast_to(a, common, n.prim->stream());
    }
    v.emplace_back(common, n.dtype, n.prim, std::move(ins));
  }
  std::vector<array> out;
  for (int o : t.outputs) out.push_back(v[o]);
  return out;
}

void Compiled::eval_unfused(const std::vector<array>& inputs,
                            std::vector<array>& outputs,
                            const RunFn& run) const {
  const auto& t = tape();
  const int nin = int(t.num_inputs());
  std::vector<array> v(inputs.begin(), inputs.end());
  v.resize(nin + t.nodes.size(), array(std::shared_ptr<ArrayDesc>()));
  // Last node reading each value; results that are outputs stay alive.
  std::vector<int> last(v.size(), -1);
  for (size_t k = 0; k < t.nodes.size(); ++k) {
    for (int s : t.nodes[k].inputs) last[s] = int(k);
  }
  for (int o : t.outputs) last[o] = int(t.nodes.size());
  const Shape& shape = outputs[0].shape();
  std::vector<array> ins, outs;
  for (size_t k = 0; k < t.nodes.size(); ++k) {
    auto& n = t.nodes[k];
    ins.clear();
    for (int s : n.inputs) ins.push_back(v[s]);
    // Dropping intermediates read for the last time leaves `ins` as their
    // only owner, so the kernel may reuse their buffers.
    for (int s : n.inputs) {
      if (s >= nin && last[s] == int(k)) v[s] = array(std::shared_ptr<ArrayDesc>());
    }
    outs.assign(1, array(pool::make_shared<ArrayDesc>(shape, n.dtype)));
    run(*n.prim, ins, outs);
    v[nin + k] = std::move(outs[0]);
  }
  ins.clear();
  for (size_t j = 0; j < t.outputs.size(); ++j)
    outputs[j].copy_shared_buffer(v[t.outputs[j]]);
}

std::shared_ptr<void> Compiled::cached(const std::string& key) const {
  std::lock_guard<std::mutex> lock(cache_mtx_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

void Compiled::set_cached(const std::string& key,
                          std::shared_ptr<void> value) const {
  std::lock_guard<std::mutex> lock(cache_mtx_);
  cache_[key] = std::move(value);
}

// Derivatives: the vjp/jvp of the unfused group (so gradients of a fused
// graph are ordinary graphs; compile them again to fuse them).
std::vector<array> Compiled::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>&) {
  auto fun = [this](const std::vector<array>& xs) { return expand(xs); };
  auto all = detail::vjp_all_outputs(fun, primals, cotangents).second;
  std::vector<array> out;
  for (int a : argnums) out.push_back(all[a]);
  return out;
}

std::vector<array> Compiled::jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  std::vector<array> tans;
  for (auto& p : primals) tans.push_back(detail::zeros_like_(p, stream()));
  for (size_t i = 0; i < argnums.size(); ++i) tans[argnums[i]] = tangents[i];
  auto fun = [this](const std::vector<array>& xs) { return expand(xs); };
  return ember::jvp(fun, primals, tans).second;
}

// Batching keeps the group fused: align the batch axes, broadcast every
// input to the batched shape, and apply the same group.
std::pair<std::vector<array>, std::vector<int>> Compiled::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto [xs, ax] = detail::align_batch_axes(inputs, axes, stream());
  std::vector<Shape> shapes;
  for (auto& x : xs) shapes.push_back(x.shape());
  Shape common = broadcast_shapes(shapes);
  for (auto& x : xs) {
    if (x.shape() != common) x = broadcast_to(x, common, stream());
  }
  std::vector<Dtype> dtypes;
  for (int o : tape_->outputs) dtypes.push_back(tape_->value_dtype(o));
  auto outs = array::make_arrays(
      std::vector<Shape>(dtypes.size(), common), dtypes,
      std::make_shared<Compiled>(stream(), tape_), std::move(xs));
  return {std::move(outs), std::vector<int>(dtypes.size(), ax)};
}

namespace detail {

namespace {
std::atomic<size_t> fallbacks{0};
}  // namespace
size_t fused_fallback_count() { return fallbacks.load(); }
void note_fused_fallback() { fallbacks.fetch_add(1); }

bool fusable_elementwise(const Primitive& p, const std::vector<Dtype>& in,
                         Dtype out) {
  std::vector<std::string> args;
  for (size_t i = 0; i < in.size(); ++i) args.push_back("x" + std::to_string(i));
  return !fused_expr(p, in, out, args).empty();
}

std::optional<uint64_t> literal_bits(const array& a) {
  if (a.size() != 1 || a.has_primitive() || !a.is_available() ||
      a.dtype() == Dtype::complex64) {
    return std::nullopt;
  }
  auto data = a.data_shared_ptr();
  // Only a valid host copy: reading a device-only value would wait for it.
  if (!data || !(data->valid.load() & Data::kHost)) return std::nullopt;
  uint64_t bits = 0;
  std::memcpy(&bits, a.raw_data(), a.itemsize());
  return bits;
}

}  // namespace detail

}  // namespace ember
