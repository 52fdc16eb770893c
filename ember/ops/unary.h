// Elementwise unary ops (spec/core.md §5).
#pragma once

#include "ember/core/array.h"

namespace ember {

/// -a elementwise; bool input raises.
array negative(const array& a, StreamOrDevice s = {});
/// e^a; integer inputs promote to float32.
array exp(const array& a, StreamOrDevice s = {});
/// Natural logarithm; integer inputs promote to float32.
array log(const array& a, StreamOrDevice s = {});
/// Sine (radians); integer inputs promote to float32.
array sin(const array& a, StreamOrDevice s = {});
/// Cosine (radians); integer inputs promote to float32.
array cos(const array& a, StreamOrDevice s = {});

}  // namespace ember
