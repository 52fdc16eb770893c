// The discrete Fourier transform primitive (spec/submodules.md §3).
#pragma once

#include <vector>

#include "ember/primitives/primitive.h"

namespace ember {

/// Multi-axis DFT over `axes` (non-negative, distinct). Complex: complex64 in
/// and out, inverse scaled by 1/n per axis. `real` forward: float32 in,
/// complex64 out with the last axis of `axes` halved to n/2 + 1. `real`
/// inverse: complex64 in (n/2 + 1 on that axis), float32 out of length n,
/// the input treated as Hermitian. `real_size` is that n (0 when !real).
class FFT : public UnaryPrimitive {
 public:
  FFT(Stream s, std::vector<int> axes, bool inverse, bool real,
      int real_size = 0)
      : UnaryPrimitive(s),
        axes_(std::move(axes)),
        inverse_(inverse),
        real_(real),
        real_size_(real_size) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(FFT)
  bool is_equivalent(const Primitive& o) const override {
    auto& r = static_cast<const FFT&>(o);
    return axes_ == r.axes_ && inverse_ == r.inverse_ && real_ == r.real_ &&
           real_size_ == r.real_size_;
  }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {output_shape(inputs[0].shape())};
  }
  /// The output shape for an input of shape `in`.
  Shape output_shape(Shape in) const {
    if (real_) in[axes_.back()] = inverse_ ? real_size_ : real_size_ / 2 + 1;
    return in;
  }
  const std::vector<int>& axes() const { return axes_; }
  bool inverse() const { return inverse_; }
  bool real() const { return real_; }
  int real_size() const { return real_size_; }

 private:
  std::vector<int> axes_;
  bool inverse_;
  bool real_;
  int real_size_;
};

}  // namespace ember
