// Elementwise ops with three operands: where and clip (spec/core.md §10).
#pragma once

#include <optional>

#include "ember/core/array.h"

namespace ember {

/// condition ? x : y elementwise; condition is cast to bool, the result has
/// dtype promote(x, y) and the broadcast shape of all three.
array where(const array& condition, const array& x, const array& y,
            StreamOrDevice s = {});

/// minimum(maximum(a, a_min), a_max); either bound may be absent, not both.
array clip(const array& a, const std::optional<array>& a_min,
           const std::optional<array>& a_max, StreamOrDevice s = {});

}  // namespace ember
