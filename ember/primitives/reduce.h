// Reduction primitives. Outputs keep the reduced axes with size 1; the ops
// squeeze them when keepdims is false.
#pragma once

#include <vector>

#include "ember/primitives/primitive.h"

namespace ember {

/// Sum / product / min / max / and / or over a sorted set of axes.
class Reduce : public UnaryPrimitive {
 public:
  enum ReduceType { And, Or, Sum, Prod, Min, Max };
  Reduce(Stream s, ReduceType type, std::vector<int> axes)
      : UnaryPrimitive(s), type_(type), axes_(std::move(axes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Reduce)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Reduce&>(o);
    return type_ == r.type_ && axes_ == r.axes_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  ReduceType type() const { return type_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  ReduceType type_;
  std::vector<int> axes_;
};

/// Index (uint32) of the first min / max along one axis.
class ArgReduce : public UnaryPrimitive {
 public:
  enum ReduceType { ArgMin, ArgMax };
  ArgReduce(Stream s, ReduceType type, int axis)
      : UnaryPrimitive(s), type_(type), axis_(axis) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(ArgReduce)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const ArgReduce&>(o);
    return type_ == r.type_ && axis_ == r.axis_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  ReduceType type() const { return type_; }
  int axis() const { return axis_; }

 private:
  ReduceType type_;
  int axis_;
};

/// Fused, numerically stable softmax over a sorted set of axes (output has
/// the input's shape). `precise` accumulates f16/bf16 in float32.
class Softmax : public UnaryPrimitive {
 public:
  Softmax(Stream s, std::vector<int> axes, bool precise)
      : UnaryPrimitive(s), axes_(std::move(axes)), precise_(precise) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Softmax)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const Softmax&>(o);
    return axes_ == r.axes_ && precise_ == r.precise_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
  const std::vector<int>& axes() const { return axes_; }
  bool precise() const { return precise_; }

 private:
  std::vector<int> axes_;
  bool precise_;
};

/// Fused log(sum(exp(a))) over a sorted set of axes (keepdims shape).
class LogSumExp : public UnaryPrimitive {
 public:
  LogSumExp(Stream s, std::vector<int> axes)
      : UnaryPrimitive(s), axes_(std::move(axes)) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(LogSumExp)
  bool is_equivalent(const Primitive& o) const override {
    return axes_ == static_cast<const LogSumExp&>(o).axes_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
  const std::vector<int>& axes() const { return axes_; }

 private:
  std::vector<int> axes_;
};

}  // namespace ember
