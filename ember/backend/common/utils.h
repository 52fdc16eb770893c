// Shape, stride and broadcast helpers shared by every backend.
#pragma once

#include <tuple>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Merges adjacent dims that are contiguous in every stride set; drops
/// size-1 dims. Returns the collapsed shape and one strides vector per input.
std::pair<Shape, std::vector<Strides>> collapse_contiguous_dims(
    const Shape& shape, const std::vector<Strides>& strides);
std::pair<Shape, std::vector<Strides>> collapse_contiguous_dims(
    const std::vector<array>& arrays);

/// Element offset of logical (row-major) index `idx` through `strides`.
inline int64_t elem_to_loc(int64_t idx, const Shape& shape,
                           const Strides& strides) {
  int64_t loc = 0;
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    loc += (idx % shape[i]) * strides[i];
    idx /= shape[i];
  }
  return loc;
}

/// Walks the offsets of an n-d strided layout in row-major order, one step
/// at a time, without divisions.
class StridedIterator {
 public:
  StridedIterator(const Shape& shape, const Strides& strides, int dims);
  /// Positions at logical row-major index `idx` (over the first `dims` dims).
  void seek(int64_t idx);
  void step();
  int64_t loc = 0;

 private:
  Shape shape_;
  Strides strides_;
  std::vector<int32_t> pos_;
};

/// Layout flags of a strided view.
Flags compute_flags(const Shape& shape, const Strides& strides,
                    size_t data_size);

/// Number of elements spanned by a strided view (max offset + 1) when all
/// strides are non-negative.
size_t data_span(const Shape& shape, const Strides& strides);

}  // namespace ember
