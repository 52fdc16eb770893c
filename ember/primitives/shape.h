// Shape primitives: views and rearrangements of the input's elements.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// View of the input broadcast to a larger shape (stride 0 on new dims).
class Broadcast : public UnaryPrimitive {
 public:
  Broadcast(Stream s, Shape shape) : UnaryPrimitive(s), shape_(std::move(shape)) {}
  EMBER_DEFINE_EVAL()
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
  EMBER_DEFINE_NAME(Reshape)
  bool is_equivalent(const Primitive& o) const override {
    return shape_ == static_cast<const Reshape&>(o).shape_;
  }
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
};

}  // namespace ember
