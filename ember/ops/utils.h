// Helpers shared by op implementations: axis normalisation, broadcasting.
#pragma once

#include <string>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Maps a possibly negative axis into [0, ndim); throws std::out_of_range
/// "[op] Axis a is out of bounds for array with n dimensions.".
int normalize_axis(int axis, int ndim, const char* op);
/// Normalises, sorts and checks uniqueness of several axes.
std::vector<int> normalize_axes(const std::vector<int>& axes, int ndim,
                                const char* op);
/// NumPy broadcast of two / several shapes; throws std::invalid_argument.
Shape broadcast_shapes(const Shape& a, const Shape& b);
Shape broadcast_shapes(const std::vector<Shape>& shapes);
/// "[op] " prefix helper for error messages.
inline std::string op_prefix(const char* op) {
  return std::string("[") + op + "] ";
}

}  // namespace ember
