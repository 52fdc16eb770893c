// Text form of arrays, matching MLX's repr (spec/core.md §2 and §22).
#pragma once

#include <ostream>

#include "ember/core/array.h"

namespace ember {

/// Global print options; precision -1 = default stream formatting
/// (6 significant digits), otherwise fixed notation with that many digits.
struct PrintOptions {
  int precision = -1;
};
PrintOptions get_print_options();
void set_print_options(PrintOptions opts);

/// Writes `array([1, 2, 3], dtype=int32)`; evaluates the array.
std::ostream& operator<<(std::ostream& os, const array& a);

}  // namespace ember
