// Strided copies with dtype conversion: the building block of astype,
// contiguous, reshape of strided views, concatenate and slice updates.
#pragma once

#include "ember/core/array.h"

namespace ember::cpu {

/// Converts one value between element types (complex->real takes the real
/// part, anything->bool tests for nonzero).
template <typename Dst, typename Src>
inline Dst convert(Src v) {
  if constexpr (std::is_same_v<Src, Dst>) {
    return v;
  } else if constexpr (std::is_same_v<Src, complex64_t>) {
    if constexpr (std::is_same_v<Dst, bool>) {
      return v != complex64_t(0);
    } else {
      return Dst(v.real());
    }
  } else if constexpr (std::is_same_v<Dst, complex64_t>) {
    return complex64_t(static_cast<float>(v), 0.0f);
  } else if constexpr (std::is_same_v<Dst, bool>) {
    return static_cast<float>(v) != 0.0f;
  } else if constexpr (std::is_same_v<Src, float16_t> ||
                       std::is_same_v<Src, bfloat16_t>) {
    return Dst(static_cast<float>(v));
  } else {
    return static_cast<Dst>(v);
  }
}

/// Copies `src` (any layout) into `dst` viewed with `dst_strides` at element
/// offset `dst_offset`; converts dtypes. `dst` must already have data.
void copy_strided(const array& src, array& dst, const Strides& dst_strides,
                  int64_t dst_offset = 0);
/// Allocates `out` row-contiguous and copies `in` into it (with cast).
void copy_contiguous(const array& in, array& out);
/// Allocates `out` as a dense buffer of `in`'s layout when `in` is dense
/// (keeping a transposed order), or row-contiguous otherwise, and copies.
void copy_preserve_layout(const array& in, array& out);

}  // namespace ember::cpu
