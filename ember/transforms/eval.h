// Evaluation of lazy arrays.
#pragma once

#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Computes the arrays and everything they depend on; blocks until done.
/// Rethrows the first error raised by a kernel.
void eval(std::vector<array> outputs);
/// Schedules the computation and returns at once; reading data waits.
void async_eval(std::vector<array> outputs);

template <typename... Arrays>
void eval(const array& a, const Arrays&... rest) {
  eval(std::vector<array>{a, rest...});
}

}  // namespace ember
