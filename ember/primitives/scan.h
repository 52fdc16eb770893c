// Scan primitive: running sum / product / max / min / logaddexp along one
// axis (output has the input's shape).
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

class Scan : public UnaryPrimitive {
 public:
  enum ReduceType { Sum, Prod, Max, Min, LogAddExp };
  Scan(Stream s, ReduceType type, int axis, bool reverse, bool inclusive)
      : UnaryPrimitive(s),
        type_(type),
        axis_(axis),
        reverse_(reverse),
        inclusive_(inclusive) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Scan)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Scan&>(o);
    return type_ == r.type_ && axis_ == r.axis_ && reverse_ == r.reverse_ &&
           inclusive_ == r.inclusive_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  ReduceType type() const { return type_; }
  int axis() const { return axis_; }
  bool reverse() const { return reverse_; }
  bool inclusive() const { return inclusive_; }

 private:
  ReduceType type_;
  int axis_;
  bool reverse_;
  bool inclusive_;
};

}  // namespace ember
