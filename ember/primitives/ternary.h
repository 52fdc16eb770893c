// Elementwise primitives with three inputs.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// out = cond ? x : y; inputs (bool cond, x, y of the output dtype) are
/// already broadcast to the output shape.
class Select : public UnaryPrimitive {
 public:
  explicit Select(Stream s) : UnaryPrimitive(s) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Select)
  bool is_equivalent(const Primitive&) const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
};

}  // namespace ember
