// Elementwise unary primitives.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Declares a parameterless elementwise unary primitive.
#define EMBER_UNARY_PRIMITIVE(NAME)                             \
  class NAME : public UnaryPrimitive {                          \
   public:                                                      \
    explicit NAME(Stream s) : UnaryPrimitive(s) {}              \
    EMBER_DEFINE_EVAL()                                         \
    EMBER_DEFINE_GRADS()                                        \
    EMBER_DEFINE_NAME(NAME)                                     \
    bool is_equivalent(const Primitive&) const override { return true; } \
  };

EMBER_UNARY_PRIMITIVE(Negative)
EMBER_UNARY_PRIMITIVE(Exp)
EMBER_UNARY_PRIMITIVE(Log)
EMBER_UNARY_PRIMITIVE(Sin)
EMBER_UNARY_PRIMITIVE(Cos)

}  // namespace ember
