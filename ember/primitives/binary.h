// Elementwise binary primitives (inputs already broadcast and promoted).
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Declares a parameterless elementwise binary primitive.
#define EMBER_BINARY_PRIMITIVE(NAME)                            \
  class NAME : public UnaryPrimitive {                          \
   public:                                                      \
    explicit NAME(Stream s) : UnaryPrimitive(s) {}              \
    EMBER_DEFINE_EVAL()                                         \
    EMBER_DEFINE_GRADS()                                        \
    EMBER_DEFINE_NAME(NAME)                                     \
    bool is_equivalent(const Primitive&) const override { return true; } \
  };

EMBER_BINARY_PRIMITIVE(Add)
EMBER_BINARY_PRIMITIVE(Subtract)
EMBER_BINARY_PRIMITIVE(Multiply)
EMBER_BINARY_PRIMITIVE(Divide)

}  // namespace ember
