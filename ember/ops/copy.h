// Dtype conversion and copies.
#pragma once

#include "ember/core/array.h"

namespace ember {

/// Converts `a` to `dtype` (returns `a` itself when the dtype matches).
array astype(array a, Dtype dtype, StreamOrDevice s = {});
/// A row-contiguous (or column-contiguous if allowed) copy when needed.
array contiguous(const array& a, bool allow_col_major = false,
                 StreamOrDevice s = {});
/// An explicit copy of `a`.
array copy(array a, StreamOrDevice s = {});

}  // namespace ember
