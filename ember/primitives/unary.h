// Elementwise unary primitives (input already cast to the op's dtype).
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

namespace detail {
/// Brings the batch axes of elementwise inputs (same per-example shape) to
/// one common axis; unbatched inputs get a size-1 axis there. Returns the
/// inputs and that axis (-1 when no input is batched).
std::pair<std::vector<array>, int> align_batch_axes(
    const std::vector<array>& inputs, const std::vector<int>& axes, Stream s);
}  // namespace detail

/// Declares a parameterless elementwise unary primitive.
#define EMBER_UNARY_PRIMITIVE(NAME)                                      \
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

EMBER_UNARY_PRIMITIVE(Abs)
EMBER_UNARY_PRIMITIVE(Sign)
EMBER_UNARY_PRIMITIVE(Negative)
EMBER_UNARY_PRIMITIVE(Square)
EMBER_UNARY_PRIMITIVE(Sqrt)
EMBER_UNARY_PRIMITIVE(Rsqrt)
EMBER_UNARY_PRIMITIVE(Exp)
EMBER_UNARY_PRIMITIVE(Expm1)
EMBER_UNARY_PRIMITIVE(Log)
EMBER_UNARY_PRIMITIVE(Log2)
EMBER_UNARY_PRIMITIVE(Log10)
EMBER_UNARY_PRIMITIVE(Log1p)
EMBER_UNARY_PRIMITIVE(Sin)
EMBER_UNARY_PRIMITIVE(Cos)
EMBER_UNARY_PRIMITIVE(Tan)
EMBER_UNARY_PRIMITIVE(ArcSin)
EMBER_UNARY_PRIMITIVE(ArcCos)
EMBER_UNARY_PRIMITIVE(ArcTan)
EMBER_UNARY_PRIMITIVE(Sinh)
EMBER_UNARY_PRIMITIVE(Cosh)
EMBER_UNARY_PRIMITIVE(Tanh)
EMBER_UNARY_PRIMITIVE(ArcSinh)
EMBER_UNARY_PRIMITIVE(ArcCosh)
EMBER_UNARY_PRIMITIVE(ArcTanh)
EMBER_UNARY_PRIMITIVE(Erf)
EMBER_UNARY_PRIMITIVE(ErfInv)
EMBER_UNARY_PRIMITIVE(Sigmoid)
EMBER_UNARY_PRIMITIVE(Floor)
EMBER_UNARY_PRIMITIVE(Ceil)
EMBER_UNARY_PRIMITIVE(Trunc)
EMBER_UNARY_PRIMITIVE(Round)
EMBER_UNARY_PRIMITIVE(Conjugate)
EMBER_UNARY_PRIMITIVE(Real)
EMBER_UNARY_PRIMITIVE(Imag)
EMBER_UNARY_PRIMITIVE(LogicalNot)
EMBER_UNARY_PRIMITIVE(BitwiseInvert)

}  // namespace ember
