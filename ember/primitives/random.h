// Random primitives: counter-based raw bits keyed by a uint32 key array.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Threefry-2x32-20 bits. Input: keys of shape (..., 2) uint32; output:
/// keys.shape[:-1] + shape_, one equal chunk per key, of `width`-byte words.
class RandomBits : public UnaryPrimitive {
 public:
  RandomBits(Stream s, Shape shape, int width)
      : UnaryPrimitive(s), shape_(std::move(shape)), width_(width) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(RandomBits)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const RandomBits&>(o);
    return shape_ == r.shape_ && width_ == r.width_;
  }
  const Shape& shape() const { return shape_; }
  int width() const { return width_; }

 private:
  Shape shape_;
  int width_;
};

/// Symmetric square root X = Q sqrt(max(L, 0)) Q^T of symmetric PSD matrices
/// (..., n, n), computed in float64 with cyclic Jacobi.
class PsdSqrt : public UnaryPrimitive {
 public:
  explicit PsdSqrt(Stream s) : UnaryPrimitive(s) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(PsdSqrt)
  bool is_equivalent(const Primitive&) const override { return true; }
};

/// Solves X D + D X = G for D given X (symmetric PSD) and G: the vjp/jvp
/// of PsdSqrt. Inputs (X, G), both (..., n, n).
class PsdSqrtSylvester : public UnaryPrimitive {
 public:
  explicit PsdSqrtSylvester(Stream s) : UnaryPrimitive(s) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(PsdSqrtSylvester)
  bool is_equivalent(const Primitive&) const override { return true; }
};

}  // namespace ember
