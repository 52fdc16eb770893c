// Indexing primitives: strided and dynamic slices, gathers and scatters.
// Parameters are stored normalised (non-negative starts, nonzero strides).
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Strided view out[i] = a[start + i * strides] per axis; `shape` is the
/// output shape.
class Slice : public UnaryPrimitive {
 public:
  Slice(Stream s, Shape start, Shape strides, Shape shape)
      : UnaryPrimitive(s), start_(std::move(start)),
        strides_(std::move(strides)), shape_(std::move(shape)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Slice)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const Slice&>(o);
    return start_ == p.start_ && strides_ == p.strides_ && shape_ == p.shape_;
  }
  const Shape& start() const { return start_; }
  const Shape& strides() const { return strides_; }

 private:
  Shape start_;
  Shape strides_;
  Shape shape_;
};

/// Inputs (src, update): copy of src with the strided region (of update's
/// shape) at start replaced by update.
class SliceUpdate : public UnaryPrimitive {
 public:
  SliceUpdate(Stream s, Shape start, Shape strides)
      : UnaryPrimitive(s), start_(std::move(start)), strides_(std::move(strides)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(SliceUpdate)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const SliceUpdate&>(o);
    return start_ == p.start_ && strides_ == p.strides_;
  }
  const Shape& start() const { return start_; }
  const Shape& strides() const { return strides_; }

 private:
  Shape start_;
  Shape strides_;
};

/// Inputs (a, start_indices): slice of the output's shape starting at the
/// (clamped) runtime positions along axes.
class DynamicSlice : public UnaryPrimitive {
 public:
  DynamicSlice(Stream s, std::vector<int> axes, Shape slice_size)
      : UnaryPrimitive(s), axes_(std::move(axes)),
        slice_size_(std::move(slice_size)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(DynamicSlice)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const DynamicSlice&>(o);
    return axes_ == p.axes_ && slice_size_ == p.slice_size_;
  }
  const std::vector<int>& axes() const { return axes_; }
  const Shape& slice_size() const { return slice_size_; }

 private:
  std::vector<int> axes_;
  Shape slice_size_;
};

/// Inputs (src, update, start_indices).
class DynamicSliceUpdate : public UnaryPrimitive {
 public:
  DynamicSliceUpdate(Stream s, std::vector<int> axes)
      : UnaryPrimitive(s), axes_(std::move(axes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(DynamicSliceUpdate)
  bool is_equivalent(const Primitive& o) const override {
    return axes_ == static_cast<const DynamicSliceUpdate&>(o).axes_;
  }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

/// Inputs (a, idx_0, ..., idx_k-1) with the indices already broadcast
/// together; output = idx shape + slice_sizes.
class Gather : public UnaryPrimitive {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : UnaryPrimitive(s), axes_(std::move(axes)),
        slice_sizes_(std::move(slice_sizes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Gather)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const Gather&>(o);
    return axes_ == p.axes_ && slice_sizes_ == p.slice_sizes_;
  }
  const std::vector<int>& axes() const { return axes_; }
  const Shape& slice_sizes() const { return slice_sizes_; }

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

/// Inputs (a, idx_0, ..., idx_k-1, updates).
class Scatter : public UnaryPrimitive {
 public:
  enum ReduceType { None, Sum, Prod, Max, Min };
  Scatter(Stream s, ReduceType r, std::vector<int> axes)
      : UnaryPrimitive(s), reduce_(r), axes_(std::move(axes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Scatter)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const Scatter&>(o);
    return reduce_ == p.reduce_ && axes_ == p.axes_;
  }
  ReduceType reduce_type() const { return reduce_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  ReduceType reduce_;
  std::vector<int> axes_;
};

/// Inputs (a, indices), same ndim, same shape except along axis:
/// out[.., j, ..] = a[.., indices[.., j, ..], ..].
class GatherAxis : public UnaryPrimitive {
 public:
  GatherAxis(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(GatherAxis)
  bool is_equivalent(const Primitive& o) const override {
    return axis_ == static_cast<const GatherAxis&>(o).axis_;
  }
  int axis() const { return axis_; }

 private:
  int axis_;
};

/// Inputs (a, indices, updates); indices and updates share a shape equal to
/// a's except along axis. Only None and Sum reductions.
class ScatterAxis : public UnaryPrimitive {
 public:
  ScatterAxis(Stream s, Scatter::ReduceType r, int axis)
      : UnaryPrimitive(s), reduce_(r), axis_(axis) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(ScatterAxis)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const ScatterAxis&>(o);
    return reduce_ == p.reduce_ && axis_ == p.axis_;
  }
  Scatter::ReduceType reduce_type() const { return reduce_; }
  int axis() const { return axis_; }

 private:
  Scatter::ReduceType reduce_;
  int axis_;
};

/// Inputs (a, mask, values): mask (bool) has a's shape, values is 1-D.
class MaskedScatter : public UnaryPrimitive {
 public:
  explicit MaskedScatter(Stream s) : UnaryPrimitive(s) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(MaskedScatter)
  bool is_equivalent(const Primitive&) const override { return true; }
};

/// Inputs (x_0..x_n-1, deps...): outputs are views of x_0..x_n-1.
class Depends : public Primitive {
 public:
  Depends(Stream s, int n_inputs) : Primitive(s), n_(n_inputs) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Depends)
  int num_inputs() const { return n_; }

 private:
  int n_;
};

}  // namespace ember
