// The fused elementwise primitive that compile's fusion pass (transforms/
// compile.cpp) puts in place of a group of elementwise nodes: it holds the
// group as a small tape of (primitive, inputs, dtype) and produces several
// outputs of one shape. The GPU runs it as one generated kernel (NVRTC,
// backend/cuda/compiled.cpp); the CPU runs the tape with the CPU kernels.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/primitives/primitive.h"

namespace ember {

/// A fused group. Values: the inputs [0, num_inputs), then node k's result
/// at num_inputs + k (nodes in topological order). Every input and result
/// has the output shape when the primitive runs (inputs arrive broadcast).
struct CompiledTape {
  struct Node {
    std::shared_ptr<Primitive> prim;  // elementwise, single output
    std::vector<int> inputs;          // value indices
    Dtype dtype;                      // result dtype
  };
  std::vector<Dtype> input_dtypes;
  std::vector<Node> nodes;
  std::vector<int> outputs;  // value indices of node results, distinct
  /// Per input (or empty): the value of an input that is a scalar constant
  /// of the trace (a host literal, maybe broadcast), as its bytes in the
  /// input's dtype, zero-extended. The GPU kernel then uses the value as a
  /// literal (e.g. x ** 3 becomes x * x * x); the input is still passed, so
  /// every other evaluation is unchanged.
  std::vector<std::optional<uint64_t>> input_literals;

  size_t num_inputs() const { return input_dtypes.size(); }
  std::optional<uint64_t> literal(int input) const {
    return size_t(input) < input_literals.size() ? input_literals[input]
                                                 : std::nullopt;
  }
  Dtype value_dtype(int v) const {
    return v < int(num_inputs()) ? input_dtypes[v]
                                 : nodes[v - num_inputs()].dtype;
  }
};

/// Several elementwise primitives evaluated as one node (see CompiledTape).
class Compiled : public Primitive {
 public:
  Compiled(Stream s, std::shared_ptr<const CompiledTape> tape)
      : Primitive(s), tape_(std::move(tape)) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Compiled)
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  void print(std::ostream& os) override;

  const CompiledTape& tape() const { return *tape_; }
  const std::shared_ptr<const CompiledTape>& tape_ptr() const { return tape_; }

  /// The group as ordinary lazy arrays (one node per fused primitive) on
  /// `inputs`; each node broadcasts its inputs to their common shape, and
  /// dims no input provides take their size from `traced` when given (as in
  /// a shapeless replay). Used by vjp/jvp and by compile's replay.
  std::vector<array> expand(const std::vector<array>& inputs,
                            const Shape* traced = nullptr) const;
  /// Output shapes of expand() for inputs of these shapes (no arrays built).
  std::vector<Shape> expanded_shapes(const std::vector<Shape>& in_shapes,
                                     const Shape* traced = nullptr) const;

  /// Runs the group one primitive at a time with `run` (a backend's eval of
  /// one primitive), releasing intermediates after their last use, and
  /// makes each output share its result's buffer.
  using RunFn = std::function<void(Primitive&, const std::vector<array>&,
                                   std::vector<array>&)>;
  void eval_unfused(const std::vector<array>& inputs,
                    std::vector<array>& outputs, const RunFn& run) const;

  /// Backend state cached per primitive (e.g. the GPU's compiled kernels,
  /// keyed by input layout), shared by every replay of the trace.
  std::shared_ptr<void> cached(const std::string& key) const;
  void set_cached(const std::string& key, std::shared_ptr<void> value) const;

 private:
  std::shared_ptr<const CompiledTape> tape_;
  mutable std::mutex cache_mtx_;
  mutable std::unordered_map<std::string, std::shared_ptr<void>> cache_;
};

namespace detail {
/// True if a Compiled group may hold `p` applied to inputs of `in` dtypes
/// with result dtype `out`: the GPU code generator (compiled_source.h)
/// implements it with the semantics of the unfused CUDA kernel.
bool fusable_elementwise(const Primitive& p, const std::vector<Dtype>& in,
                         Dtype out);
/// The bytes of `a` as a CompiledTape literal when it is a one-element host
/// constant (no primitive, host copy valid) of a dtype the generator
/// supports; nullopt otherwise.
std::optional<uint64_t> literal_bits(const array& a);
/// Times a backend ran a group unfused because its generated kernel was
/// unavailable (e.g. NVRTC failed); for tests and debugging.
size_t fused_fallback_count();
void note_fused_fallback();
}  // namespace detail

}  // namespace ember
