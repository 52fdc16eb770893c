// Matrix product primitives. Inputs have the same number of dims (>= 2)
// and identical (already broadcast) batch dims.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// out[..., m, n] = sum_k a[..., m, k] * b[..., k, n].
class Matmul : public UnaryPrimitive {
 public:
  explicit Matmul(Stream s) : UnaryPrimitive(s) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Matmul)
  bool is_equivalent(const Primitive&) const override { return true; }
};

/// out = alpha * (a @ b) + beta * c; inputs (a, b, c), c has out's shape.
class AddMM : public UnaryPrimitive {
 public:
  AddMM(Stream s, float alpha, float beta)
      : UnaryPrimitive(s), alpha_(alpha), beta_(beta) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(AddMM)
  bool is_equivalent(const Primitive& o) const override {
    auto& other = static_cast<const AddMM&>(o);
    return alpha_ == other.alpha_ && beta_ == other.beta_;
  }
  float alpha() const { return alpha_; }
  float beta() const { return beta_; }

 private:
  float alpha_;
  float beta_;
};

}  // namespace ember
