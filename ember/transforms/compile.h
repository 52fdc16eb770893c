// compile (spec/transforms.md §5): trace a function once per input signature
// on placeholders, simplify the traced graph, cache it, and replay it on
// later calls as new lazy arrays (no call into the function).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// What compiled functions do: run eagerly (disabled), trace and cache
/// without simplifying (no_simplify), simplify without fusing (no_fuse), or
/// everything (enabled, the default unless MLX_DISABLE_COMPILE or
/// EMBER_DISABLE_COMPILE is set in the environment at start-up). Fusion of
/// elementwise chains into Compiled nodes can also be turned off with
/// EMBER_COMPILE_FUSE=0 (read at each trace).
enum class CompileMode { disabled, no_simplify, no_fuse, enabled };

/// Sets the global compile mode (read at every call of a compiled function).
void set_compile_mode(CompileMode mode);
/// The current global compile mode.
CompileMode compile_mode();
/// set_compile_mode(CompileMode::disabled): compiled functions run eagerly.
void disable_compile();
/// set_compile_mode(CompileMode::enabled) (overrides the environment).
void enable_compile();

/// Returns a function with `fun`'s results whose graph is traced once per
/// signature (number of inputs, dtypes, shapes; ndims only when `shapeless`),
/// simplified and replayed on later calls. Results stay lazy and compose
/// with eval, grad, vjp, jvp and vmap. Arrays the function reads from its
/// closure are constants fixed at trace time.
std::function<std::vector<array>(const std::vector<array>&)> compile(
    std::function<std::vector<array>(const std::vector<array>&)> fun,
    bool shapeless = false);
/// compile of a function of one array.
std::function<array(const array&)> compile(
    std::function<array(const array&)> fun, bool shapeless = false);

namespace detail {

/// Shape of one cached trace (debug and tests).
struct CompiledEntryInfo {
  size_t num_inputs = 0;
  size_t num_constants = 0;  // arrays fixed at trace time
  size_t num_outputs = 0;
  std::vector<std::string> nodes;  // primitive names in replay order
  // For each Compiled node (fused group) in `nodes`, in order: the names of
  // the primitives it fuses.
  std::vector<std::vector<std::string>> fused;
};

/// The trace cache of one compiled function. The function is passed at each
/// call (the Python binding rebuilds its argument trees per call); `key`
/// holds what else selects a trace (tree structure, non-array constants).
class CompiledFunction {
 public:
  using Fn = std::function<std::vector<array>(const std::vector<array>&)>;
  explicit CompiledFunction(bool shapeless = false);
  ~CompiledFunction();
  CompiledFunction(const CompiledFunction&) = delete;
  CompiledFunction& operator=(const CompiledFunction&) = delete;

  /// Outputs of `fun(inputs)`: replayed from the cache, traced on a miss, or
  /// computed eagerly when compile is disabled.
  std::vector<array> operator()(const Fn& fun, const std::vector<array>& inputs,
                                const std::string& key = {});

  bool shapeless() const;
  /// Number of times a function was traced (cache misses).
  size_t num_traces() const;
  /// One entry per cached trace, oldest first.
  std::vector<CompiledEntryInfo> entries() const;
  /// Drops every cached trace.
  void clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace detail

}  // namespace ember
