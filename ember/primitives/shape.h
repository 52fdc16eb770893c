// Shape primitives: views and rearrangements of the input's elements.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// View of the input broadcast to a larger shape (stride 0 on new dims).
class Broadcast : public UnaryPrimitive {
 public:
  Broadcast(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Broadcast)
  bool is_equivalent(const Primitive& o) const override {
    return shape_ == static_cast<const Broadcast&>(o).shape_;
  }
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

/// Same elements in a new shape; a view when the input is row-contiguous.
class Reshape : public UnaryPrimitive {
 public:
  Reshape(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Reshape)
  bool is_equivalent(const Primitive& o) const override {
    return shape_ == static_cast<const Reshape&>(o).shape_;
  }
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

/// Permutation of the axes (output axis i is input axis axes[i]); a view.
class Transpose : public UnaryPrimitive {
 public:
  Transpose(Stream s, std::vector<int> axes)
      : UnaryPrimitive(s), axes_(std::move(axes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Transpose)
  bool is_equivalent(const Primitive& o) const override {
    return axes_ == static_cast<const Transpose&>(o).axes_;
  }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

/// Inserts size-1 axes at the (sorted, output) positions `axes`; a view.
class ExpandDims : public UnaryPrimitive {
 public:
  ExpandDims(Stream s, std::vector<int> axes)
      : UnaryPrimitive(s), axes_(std::move(axes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(ExpandDims)
  bool is_equivalent(const Primitive& o) const override {
    return axes_ == static_cast<const ExpandDims&>(o).axes_;
  }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

/// Removes the (sorted) size-1 axes `axes`; a view.
class Squeeze : public UnaryPrimitive {
 public:
  Squeeze(Stream s, std::vector<int> axes)
      : UnaryPrimitive(s), axes_(std::move(axes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Squeeze)
  bool is_equivalent(const Primitive& o) const override {
    return axes_ == static_cast<const Squeeze&>(o).axes_;
  }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

/// Joins the inputs along `axis` (inputs may differ in dtype; converted to
/// the output's dtype while copying).
class Concatenate : public UnaryPrimitive {
 public:
  Concatenate(Stream s, int axis) : UnaryPrimitive(s), axis_(axis) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Concatenate)
  bool is_equivalent(const Primitive& o) const override {
    return axis_ == static_cast<const Concatenate&>(o).axis_;
  }
  int axis() const { return axis_; }

 private:
  int axis_;
};

/// Pieces [bounds[i], bounds[i+1]) of the input along `axis`; one output per
/// piece, each a view.
class Split : public Primitive {
 public:
  Split(Stream s, std::vector<int> bounds, int axis)
      : Primitive(s), bounds_(std::move(bounds)), axis_(axis) {}
  EMBER_DEFINE_EVAL_MULTI()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Split)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const Split&>(o);
    return bounds_ == p.bounds_ && axis_ == p.axis_;
  }
  const std::vector<int>& bounds() const { return bounds_; }
  int axis() const { return axis_; }

 private:
  std::vector<int> bounds_;  // start of each piece, then the end of the last
  int axis_;
};

/// Reverses the order of the elements along `axes` (a copy).
class Flip : public UnaryPrimitive {
 public:
  Flip(Stream s, std::vector<int> axes)
      : UnaryPrimitive(s), axes_(std::move(axes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Flip)
  bool is_equivalent(const Primitive& o) const override {
    return axes_ == static_cast<const Flip&>(o).axes_;
  }
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

/// Constant padding: inputs (a, scalar pad value of a's dtype); `low`/`high`
/// widths for every axis.
class Pad : public UnaryPrimitive {
 public:
  Pad(Stream s, Shape low, Shape high)
      : UnaryPrimitive(s), low_(std::move(low)), high_(std::move(high)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Pad)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const Pad&>(o);
    return low_ == p.low_ && high_ == p.high_;
  }
  const Shape& low() const { return low_; }
  const Shape& high() const { return high_; }

 private:
  Shape low_, high_;
};

/// Diagonal `offset` of the (axis1, axis2) planes as the last axis; a view.
class Diagonal : public UnaryPrimitive {
 public:
  Diagonal(Stream s, int offset, int axis1, int axis2)
      : UnaryPrimitive(s), offset_(offset), axis1_(axis1), axis2_(axis2) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Diagonal)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const Diagonal&>(o);
    return offset_ == p.offset_ && axis1_ == p.axis1_ && axis2_ == p.axis2_;
  }

 private:
  int offset_, axis1_, axis2_;
};

/// Bit reinterpretation as the output dtype (not differentiable).
class View : public UnaryPrimitive {
 public:
  View(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(View)
  bool is_equivalent(const Primitive& o) const override {
    return dtype_ == static_cast<const View&>(o).dtype_;
  }

 private:
  Dtype dtype_;
};

/// Strided view of the input's row-contiguous data.
class AsStrided : public UnaryPrimitive {
 public:
  AsStrided(Stream s, Shape shape, Strides strides, size_t offset)
      : UnaryPrimitive(s),
        shape_(std::move(shape)),
        strides_(std::move(strides)),
        offset_(offset) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(AsStrided)
  bool is_equivalent(const Primitive& o) const override {
    auto& p = static_cast<const AsStrided&>(o);
    return shape_ == p.shape_ && strides_ == p.strides_ && offset_ == p.offset_;
  }

 private:
  Shape shape_;
  Strides strides_;
  size_t offset_;
};

}  // namespace ember
