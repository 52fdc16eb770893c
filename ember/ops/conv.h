// Convolutions (spec/core.md §14), channels-last: input (N, *spatial, C_in),
// weight (C_out, *kernel, C_in / groups). Cross-correlation unless flipped.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// 1-D convolution of (N, H, C_in) with (C_out, kH, C_in / groups).
array conv1d(const array& input, const array& weight, int stride = 1,
             int padding = 0, int dilation = 1, int groups = 1,
             StreamOrDevice s = {});
/// 2-D convolution of (N, H, W, C_in) with (C_out, kH, kW, C_in / groups).
array conv2d(const array& input, const array& weight,
             const std::pair<int, int>& stride = {1, 1},
             const std::pair<int, int>& padding = {0, 0},
             const std::pair<int, int>& dilation = {1, 1}, int groups = 1,
             StreamOrDevice s = {});
/// 3-D convolution of (N, D, H, W, C_in) with (C_out, kD, kH, kW, C_in/groups).
array conv3d(const array& input, const array& weight,
             const std::tuple<int, int, int>& stride = {1, 1, 1},
             const std::tuple<int, int, int>& padding = {0, 0, 0},
             const std::tuple<int, int, int>& dilation = {1, 1, 1},
             int groups = 1, StreamOrDevice s = {});

/// General N-d convolution. Each parameter vector has one entry per spatial
/// dim (a single entry is broadcast); padding is applied low and high.
array conv_general(const array& input, const array& weight,
                   std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi,
                   std::vector<int> kernel_dilation = {},
                   std::vector<int> input_dilation = {}, int groups = 1,
                   bool flip = false, StreamOrDevice s = {});
/// Same with symmetric padding.
array conv_general(const array& input, const array& weight,
                   std::vector<int> stride = {}, std::vector<int> padding = {},
                   std::vector<int> kernel_dilation = {},
                   std::vector<int> input_dilation = {}, int groups = 1,
                   bool flip = false, StreamOrDevice s = {});

/// Transposed 1-D convolution (gradient of conv1d w.r.t. its input).
array conv_transpose1d(const array& input, const array& weight, int stride = 1,
                       int padding = 0, int dilation = 1,
                       int output_padding = 0, int groups = 1,
                       StreamOrDevice s = {});
/// Transposed 2-D convolution.
array conv_transpose2d(const array& input, const array& weight,
                       const std::pair<int, int>& stride = {1, 1},
                       const std::pair<int, int>& padding = {0, 0},
                       const std::pair<int, int>& dilation = {1, 1},
                       const std::pair<int, int>& output_padding = {0, 0},
                       int groups = 1, StreamOrDevice s = {});
/// Transposed 3-D convolution.
array conv_transpose3d(const array& input, const array& weight,
                       const std::tuple<int, int, int>& stride = {1, 1, 1},
                       const std::tuple<int, int, int>& padding = {0, 0, 0},
                       const std::tuple<int, int, int>& dilation = {1, 1, 1},
                       const std::tuple<int, int, int>& output_padding = {0, 0, 0},
                       int groups = 1, StreamOrDevice s = {});

/// NumPy-style 1-D discrete convolution; mode "full", "valid" or "same".
array convolve(const array& a, const array& v, const std::string& mode = "full",
               StreamOrDevice s = {});

namespace detail {
/// Builds a Convolution node without user-level checks; padding may be
/// negative (crops). Used by conv_transpose and the derivative rules.
array conv_general_unchecked(const array& input, const array& weight,
                             std::vector<int> stride,
                             std::vector<int> padding_lo,
                             std::vector<int> padding_hi,
                             std::vector<int> kernel_dilation,
                             std::vector<int> input_dilation, int groups,
                             bool flip, Stream s);
}  // namespace detail

}  // namespace ember
