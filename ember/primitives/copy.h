// Primitives that copy data: dtype casts and forced copies.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Elementwise dtype conversion.
class AsType : public UnaryPrimitive {
 public:
  AsType(Stream s, Dtype dtype) : UnaryPrimitive(s), dtype_(dtype) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(AsType)
  bool is_equivalent(const Primitive& o) const override {
    return dtype_ == static_cast<const AsType&>(o).dtype_;
  }
  Dtype dtype() const { return dtype_; }

 private:
  Dtype dtype_;
};

/// A copy of the input (row-contiguous unless `allow_col_major`).
class Copy : public UnaryPrimitive {
 public:
  explicit Copy(Stream s, bool allow_col_major = false)
      : UnaryPrimitive(s), allow_col_major_(allow_col_major) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Copy)
  bool is_equivalent(const Primitive& o) const override { return true; }

 private:
  bool allow_col_major_;
};

}  // namespace ember
