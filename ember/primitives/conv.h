// Convolution primitive (channels-last): input (N, *spatial, C_in), weight
// (C_out, *kernel, C_in / groups), output (N, *out_spatial, C_out).
#pragma once

#include "ember/primitives/primitive.h"

namespace ember {

/// General N-d cross-correlation (true convolution when `flip`) with
/// strides, low/high padding (may be negative: cropping), kernel and input
/// dilation, and groups.
class Convolution : public UnaryPrimitive {
 public:
  Convolution(Stream s, std::vector<int> stride, std::vector<int> padding_lo,
              std::vector<int> padding_hi, std::vector<int> kernel_dilation,
              std::vector<int> input_dilation, int groups, bool flip)
      : UnaryPrimitive(s),
        stride_(std::move(stride)),
        padding_lo_(std::move(padding_lo)),
        padding_hi_(std::move(padding_hi)),
        kernel_dilation_(std::move(kernel_dilation)),
        input_dilation_(std::move(input_dilation)),
        groups_(groups),
        flip_(flip) {}
  EMBER_DEFINE_EVAL()
  EMBER_DEFINE_GRADS()
  EMBER_DEFINE_VMAP()
  EMBER_DEFINE_NAME(Convolution)
  bool is_equivalent(const Primitive& o) const override {
    auto& c = static_cast<const Convolution&>(o);
    return stride_ == c.stride_ && padding_lo_ == c.padding_lo_ &&
           padding_hi_ == c.padding_hi_ &&
           kernel_dilation_ == c.kernel_dilation_ &&
           input_dilation_ == c.input_dilation_ && groups_ == c.groups_ &&
           flip_ == c.flip_;
  }

  std::vector<int> stride_;
  std::vector<int> padding_lo_;
  std::vector<int> padding_hi_;
  std::vector<int> kernel_dilation_;
  std::vector<int> input_dilation_;
  int groups_;
  bool flip_;
};

}  // namespace ember
