// Primitives of the function transformations: stop_gradient, trace
// placeholders and user-defined transforms (Depends lives in indexing.h).
#pragma once

#include <string>

#include "ember/primitives/primitive.h"
#include "ember/transforms/custom.h"

namespace ember {

/// Identity whose derivative is zero.
class StopGradient : public UnaryPrimitive {
 public:
  explicit StopGradient(Stream s) : UnaryPrimitive(s) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(StopGradient)
  bool is_equivalent(const Primitive&) const override { return true; }
};

/// Data-less stand-in for an input while a transformation traces a function
/// (vmap); evaluating it raises an error naming the transformation.
class Placeholder : public UnaryPrimitive {
 public:
  Placeholder(Stream s, std::string context)
      : UnaryPrimitive(s), context_(std::move(context)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_NAME(Placeholder)
  const std::string& context() const { return context_; }

 private:
  std::string context_;
};

/// Outputs of a function with user-provided vjp / jvp / vmap rules. Inputs are
/// the function's inputs followed by its (stop-gradient) outputs, which the
/// primitive forwards without computing anything.
class CustomTransforms : public Primitive {
 public:
  CustomTransforms(Stream s, int num_outputs, CustomVJPFn vjp_fun,
                   CustomJVPFn jvp_fun, CustomVmapFn vmap_fun)
      : Primitive(s),
        num_outputs_(num_outputs),
        vjp_fun_(std::move(vjp_fun)),
        jvp_fun_(std::move(jvp_fun)),
        vmap_fun_(std::move(vmap_fun)) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(CustomTransforms)
  int num_outputs() const { return num_outputs_; }

 private:
  int num_outputs_;
  CustomVJPFn vjp_fun_;
  CustomJVPFn jvp_fun_;
  CustomVmapFn vmap_fun_;
};

}  // namespace ember
