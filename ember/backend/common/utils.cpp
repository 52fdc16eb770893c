#include "ember/backend/common/utils.h"

#include <algorithm>

namespace ember {

std::pair<Shape, std::vector<Strides>> collapse_contiguous_dims(
    const Shape& shape, const std::vector<Strides>& strides) {
  Shape out_shape;
  std::vector<Strides> out_strides(strides.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    bool merge = !out_shape.empty();
    if (merge) {
      for (size_t k = 0; k < strides.size(); ++k) {
        if (out_strides[k].back() != strides[k][i] * shape[i]) {
          merge = false;
          break;
        }
      }
    }
    if (merge) {
      out_shape.back() *= shape[i];
      for (size_t k = 0; k < strides.size(); ++k) {
        out_strides[k].back() = strides[k][i];
      }
    } else {
      out_shape.push_back(shape[i]);
      for (size_t k = 0; k < strides.size(); ++k) {
        out_strides[k].push_back(strides[k][i]);
      }
    }
  }
  if (out_shape.empty()) {
    out_shape.push_back(1);
    for (auto& s : out_strides) s.push_back(0);
  }
  return {out_shape, out_strides};
}

std::pair<Shape, std::vector<Strides>> collapse_contiguous_dims(
    const std::vector<array>& arrays) {
  std::vector<Strides> strides;
  for (auto& a : arrays) strides.push_back(a.strides());
  return collapse_contiguous_dims(arrays[0].shape(), strides);
}

StridedIterator::StridedIterator(const Shape& shape, const Strides& strides,
                                 int dims)
    : shape_(shape.begin(), shape.begin() + dims),
      strides_(strides.begin(), strides.begin() + dims),
      pos_(dims, 0) {}

void StridedIterator::seek(int64_t idx) {
  loc = 0;
  for (int i = int(shape_.size()) - 1; i >= 0; --i) {
    pos_[i] = int32_t(idx % shape_[i]);
    loc += pos_[i] * strides_[i];
    idx /= shape_[i];
  }
}

void StridedIterator::step() {
  for (int i = int(shape_.size()) - 1; i >= 0; --i) {
    if (++pos_[i] < shape_[i]) {
      loc += strides_[i];
      return;
    }
    loc -= int64_t(pos_[i] - 1) * strides_[i];
    pos_[i] = 0;
  }
}

Flags compute_flags(const Shape& shape, const Strides& strides,
                    size_t data_size) {
  Flags f;
  size_t size = 1;
  for (auto d : shape) size *= size_t(d);
  int64_t expect = 1;
  f.row_contiguous = true;
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    if (shape[i] == 1) continue;
    if (strides[i] != expect) {
      f.row_contiguous = false;
      break;
    }
    expect *= shape[i];
  }
  expect = 1;
  f.col_contiguous = true;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (strides[i] != expect) {
      f.col_contiguous = false;
      break;
    }
    expect *= shape[i];
  }
  // Dense in some dim order (e.g. any transpose of a packed array).
  std::vector<std::pair<int64_t, int64_t>> dims;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1) dims.emplace_back(strides[i], shape[i]);
  }
  std::sort(dims.begin(), dims.end());
  bool dense = true;
  expect = 1;
  for (auto& [st, n] : dims) {
    if (st != expect) {
      dense = false;
      break;
    }
    expect *= n;
  }
  f.contiguous = dense && data_size == size;
  return f;
}

size_t data_span(const Shape& shape, const Strides& strides) {
  int64_t span = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return 0;
    span += int64_t(shape[i] - 1) * strides[i];
  }
  return size_t(span);
}

}  // namespace ember
