// Creation primitives: fills, ranges and triangular patterns.
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// Materialises its (already broadcast and cast) input into a fresh buffer.
class Full : public UnaryPrimitive {
 public:
  explicit Full(Stream s) : UnaryPrimitive(s) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Full)
  bool is_equivalent(const Primitive&) const override { return true; }
};

/// start + i * step for i in [0, size); no inputs.
class Arange : public UnaryPrimitive {
 public:
  Arange(Stream s, double start, double stop, double step)
      : UnaryPrimitive(s), start_(start), stop_(stop), step_(step) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_NAME(Arange)
  bool is_equivalent(const Primitive& o) const override {
    auto& a = static_cast<const Arange&>(o);
    return start_ == a.start_ && stop_ == a.stop_ && step_ == a.step_;
  }
  double start() const { return start_; }
  double step() const { return step_; }

 private:
  double start_, stop_, step_;
};

/// Matrix with ones where j - i == k (eye) or j - i <= k (tri); no inputs.
class Tri : public UnaryPrimitive {
 public:
  Tri(Stream s, int k, bool diagonal_only)
      : UnaryPrimitive(s), k_(k), diagonal_only_(diagonal_only) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_NAME(Tri)
  bool is_equivalent(const Primitive& o) const override {
    auto& t = static_cast<const Tri&>(o);
    return k_ == t.k_ && diagonal_only_ == t.diagonal_only_;
  }

 private:
  int k_;
  bool diagonal_only_;
};

/// Keeps x where j - i <= k (lower) or j - i >= k (upper), with i the index
/// along axis1 and j along axis2; zero elsewhere.
class Triangular : public UnaryPrimitive {
 public:
  Triangular(Stream s, int k, bool upper, int axis1, int axis2)
      : UnaryPrimitive(s), k_(k), upper_(upper), axis1_(axis1), axis2_(axis2) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Triangular)
  bool is_equivalent(const Primitive& o) const override {
    auto& t = static_cast<const Triangular&>(o);
    return k_ == t.k_ && upper_ == t.upper_ && axis1_ == t.axis1_ &&
           axis2_ == t.axis2_;
  }

 private:
  int k_;
  bool upper_;
  int axis1_, axis2_;
};

}  // namespace ember
