// ember::fft (spec/submodules.md §3): NumPy-style discrete Fourier
// transforms. Sizes `n` zero-pad or truncate the input along the transformed
// axes; `norm` is "backward" (1/n on the inverse), "ortho" (1/sqrt(n) both
// ways) or "forward" (1/n on the forward transform). Complex results are
// complex64 (float64 inputs included); irfft* results are float32.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ember/core/array.h"

namespace ember::fft {

/// n-d DFT over `axes` (default: the last len(n) axes, or all axes) with
/// output sizes `n` (default: the input's sizes).
array fftn(const array& a, const std::optional<Shape>& n = std::nullopt,
           const std::optional<std::vector<int>>& axes = std::nullopt,
           const std::string& norm = "backward", StreamOrDevice s = {});
/// Inverse of fftn.
array ifftn(const array& a, const std::optional<Shape>& n = std::nullopt,
            const std::optional<std::vector<int>>& axes = std::nullopt,
            const std::string& norm = "backward", StreamOrDevice s = {});
/// n-d DFT of real input; the last transformed axis has n/2 + 1 outputs.
array rfftn(const array& a, const std::optional<Shape>& n = std::nullopt,
            const std::optional<std::vector<int>>& axes = std::nullopt,
            const std::string& norm = "backward", StreamOrDevice s = {});
/// Inverse of rfftn: real output; the last axis defaults to 2 (m - 1).
array irfftn(const array& a, const std::optional<Shape>& n = std::nullopt,
             const std::optional<std::vector<int>>& axes = std::nullopt,
             const std::string& norm = "backward", StreamOrDevice s = {});

/// 1-D transforms along `axis` with output length n (default: input length;
/// irfft: 2 (m - 1)).
array fft(const array& a, std::optional<int> n = std::nullopt, int axis = -1,
          const std::string& norm = "backward", StreamOrDevice s = {});
array ifft(const array& a, std::optional<int> n = std::nullopt, int axis = -1,
           const std::string& norm = "backward", StreamOrDevice s = {});
array rfft(const array& a, std::optional<int> n = std::nullopt, int axis = -1,
           const std::string& norm = "backward", StreamOrDevice s = {});
array irfft(const array& a, std::optional<int> n = std::nullopt, int axis = -1,
            const std::string& norm = "backward", StreamOrDevice s = {});

/// 2-D transforms over `axes` (default the last two).
array fft2(const array& a, const std::optional<Shape>& n = std::nullopt,
           const std::vector<int>& axes = {-2, -1},
           const std::string& norm = "backward", StreamOrDevice s = {});
array ifft2(const array& a, const std::optional<Shape>& n = std::nullopt,
            const std::vector<int>& axes = {-2, -1},
            const std::string& norm = "backward", StreamOrDevice s = {});
array rfft2(const array& a, const std::optional<Shape>& n = std::nullopt,
            const std::vector<int>& axes = {-2, -1},
            const std::string& norm = "backward", StreamOrDevice s = {});
array irfft2(const array& a, const std::optional<Shape>& n = std::nullopt,
             const std::vector<int>& axes = {-2, -1},
             const std::string& norm = "backward", StreamOrDevice s = {});

}  // namespace ember::fft
