// ember.core.fast (spec/submodules.md §4): fused normalisation, rotary
// embedding and attention with exact reference math.
#pragma once

#include <optional>
#include <string>

#include "ember/core/array.h"

namespace ember::fast {

/// x * rsqrt(mean(x^2, -1) + eps) computed in float32, cast to
/// result_type(x, weight), times weight (1-D, size x.shape(-1)) if given.
array rms_norm(const array& x, const std::optional<array>& weight, float eps,
               StreamOrDevice s = {});

/// (x - mean) * rsqrt(var + eps) over the last axis (biased var, float32),
/// cast, then * weight + bias when given.
array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps,
                 StreamOrDevice s = {});

/// Rotary position embedding of the first `dims` features of x (B, *, T, D)
/// at positions (arange(T) + offset) * scale; exactly one of base / freqs.
array rope(const array& x, int dims, bool traditional,
           std::optional<float> base, float scale, int offset,
           const std::optional<array>& freqs = std::nullopt,
           StreamOrDevice s = {});
/// `offset` is an integer array of shape () or (B,).
array rope(const array& x, int dims, bool traditional,
           std::optional<float> base, float scale, const array& offset,
           const std::optional<array>& freqs = std::nullopt,
           StreamOrDevice s = {});

/// softmax(scale * q @ k^T + mask) @ v for q (B, Nq, Tq, D), k (B, Nkv, Tkv,
/// D), v (B, Nkv, Tkv, Dv), Nq a multiple of Nkv. mask_mode "" or "causal";
/// mask_arr bool (True = attend) or additive; sinks (Nq,) extra logits.
array scaled_dot_product_attention(
    const array& queries, const array& keys, const array& values, float scale,
    const std::string& mask_mode = "",
    const std::optional<array>& mask_arr = std::nullopt,
    const std::optional<array>& sinks = std::nullopt, StreamOrDevice s = {});

}  // namespace ember::fast
