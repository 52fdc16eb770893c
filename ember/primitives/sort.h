// Sorting primitives: along one axis, output shaped like the input.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Declares a sort-family primitive with an axis and an integer parameter.
#define EMBER_SORT_PRIMITIVE(NAME)                                          \
  class NAME : public UnaryPrimitive {                                      \
   public:                                                                  \
    NAME(Stream s, int axis, int kth = 0)                                   \
        : UnaryPrimitive(s), axis_(axis), kth_(kth) {}                      \
    EMBER_DEFINE_EVAL()                                                     \
    EMBER_DEFINE_GRADS()                                                    \
    EMBER_DEFINE_VMAP()                                                     \
    EMBER_DEFINE_NAME(NAME)                                                 \
    bool is_equivalent(const Primitive& o) const override {                 \
      auto& r = static_cast<const NAME&>(o);                                \
      return axis_ == r.axis_ && kth_ == r.kth_;                            \
    }                                                                       \
    std::vector<Shape> output_shapes(const std::vector<array>& inputs)      \
        override {                                                          \
      return {inputs[0].shape()};                                           \
    }                                                                       \
    int axis() const { return axis_; }                                      \
    int kth() const { return kth_; }                                        \
                                                                            \
   private:                                                                 \
    int axis_;                                                              \
    int kth_;                                                               \
  };

/// Stable sort along an axis, NaNs last.
EMBER_SORT_PRIMITIVE(Sort)
/// uint32 indices of a stable sort along an axis.
EMBER_SORT_PRIMITIVE(ArgSort)
/// Partition around position kth (non-negative) along an axis.
EMBER_SORT_PRIMITIVE(Partition)
/// uint32 indices of a partition around kth.
EMBER_SORT_PRIMITIVE(ArgPartition)

#undef EMBER_SORT_PRIMITIVE

/// Insertion points (uint32) of inputs[1] into the ascending inputs[0]. A
/// 2-D sequence (B, n) pairs row b with values[b] (used by vmap).
class SearchSorted : public UnaryPrimitive {
 public:
  SearchSorted(Stream s, bool right) : UnaryPrimitive(s), right_(right) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(SearchSorted)
  bool is_equivalent(const Primitive& o) const override {
    return right_ == static_cast<const SearchSorted&>(o).right_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[1].shape()};
  }
  bool right() const { return right_; }

 private:
  bool right_;
};

}  // namespace ember
