// Elementwise binary primitives (inputs already broadcast and promoted).
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Declares a parameterless elementwise binary primitive.
#define EMBER_BINARY_PRIMITIVE(NAME)                                     \
  class NAME : public UnaryPrimitive {                                   \
   public:                                                               \
    explicit NAME(Stream s) : UnaryPrimitive(s) {}                       \
    EMBER_DEFINE_EVAL()                                                  \
    EMBER_DEFINE_GRADS()                                                 \
    EMBER_DEFINE_VMAP()                                                  \
    EMBER_DEFINE_NAME(NAME)                                              \
    bool is_equivalent(const Primitive&) const override { return true; } \
    std::vector<Shape> output_shapes(const std::vector<array>& inputs)   \
        override {                                                       \
      return {inputs[0].shape()};                                        \
    }                                                                    \
  };

EMBER_BINARY_PRIMITIVE(Add)
EMBER_BINARY_PRIMITIVE(Subtract)
EMBER_BINARY_PRIMITIVE(Multiply)
EMBER_BINARY_PRIMITIVE(Divide)
EMBER_BINARY_PRIMITIVE(FloorDivide)
EMBER_BINARY_PRIMITIVE(Remainder)
EMBER_BINARY_PRIMITIVE(Power)
EMBER_BINARY_PRIMITIVE(Maximum)
EMBER_BINARY_PRIMITIVE(Minimum)
EMBER_BINARY_PRIMITIVE(LogAddExp)
EMBER_BINARY_PRIMITIVE(ArcTan2)
EMBER_BINARY_PRIMITIVE(Equal)
EMBER_BINARY_PRIMITIVE(NotEqual)
EMBER_BINARY_PRIMITIVE(Less)
EMBER_BINARY_PRIMITIVE(LessEqual)
EMBER_BINARY_PRIMITIVE(Greater)
EMBER_BINARY_PRIMITIVE(GreaterEqual)
EMBER_BINARY_PRIMITIVE(LogicalAnd)
EMBER_BINARY_PRIMITIVE(LogicalOr)
EMBER_BINARY_PRIMITIVE(BitwiseAnd)
EMBER_BINARY_PRIMITIVE(BitwiseOr)
EMBER_BINARY_PRIMITIVE(BitwiseXor)
EMBER_BINARY_PRIMITIVE(LeftShift)
EMBER_BINARY_PRIMITIVE(RightShift)

/// (floor(a / b), a mod b) in one pass: two outputs of the input dtype.
class DivMod : public Primitive {
 public:
  explicit DivMod(Stream s) : Primitive(s) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(DivMod)
  bool is_equivalent(const Primitive&) const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape(), inputs[0].shape()};
  }
};

}  // namespace ember
