// Shape manipulation: broadcasting, reshaping, transposing, joining, ...
#pragma once

#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Broadcasts `a` to `shape` (NumPy rules); a view, no copy.
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
/// Broadcasts all inputs against each other.
std::vector<array> broadcast_arrays(const std::vector<array>& inputs,
                                    StreamOrDevice s = {});
/// Reshapes `a`; one dimension may be -1.
array reshape(const array& a, Shape shape, StreamOrDevice s = {});

}  // namespace ember
