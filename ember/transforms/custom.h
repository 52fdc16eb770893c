// Custom derivatives and batching rules, gradient checkpointing and
// stop_gradient (spec/transforms.md §6-7).
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// (primals, cotangents, outputs) -> one cotangent per primal.
using CustomVJPFn = std::function<std::vector<array>(
    const std::vector<array>&, const std::vector<array>&,
    const std::vector<array>&)>;
/// (primals, tangents, argnums) -> one tangent per output; `tangents[i]` is
/// the tangent of `primals[argnums[i]]` (the other primals have none).
using CustomJVPFn = std::function<std::vector<array>(
    const std::vector<array>&, const std::vector<array>&,
    const std::vector<int>&)>;
/// (inputs, axes) -> (outputs, output axes); axis -1 = not batched.
using CustomVmapFn =
    std::function<std::pair<std::vector<array>, std::vector<int>>(
        const std::vector<array>&, const std::vector<int>&)>;

/// Identity whose vjp and jvp are zero.
array stop_gradient(const array& a, StreamOrDevice s = {});

/// Wraps `fun` so that the given rules replace its vjp / jvp / vmap; a rule
/// left out falls back to transforming `fun` itself. Arrays captured by
/// `fun` from its closure are treated as constants.
std::function<std::vector<array>(const std::vector<array>&)> custom_function(
    std::function<std::vector<array>(const std::vector<array>&)> fun,
    std::optional<CustomVJPFn> fun_vjp = std::nullopt,
    std::optional<CustomJVPFn> fun_jvp = std::nullopt,
    std::optional<CustomVmapFn> fun_vmap = std::nullopt);

/// custom_function with only a custom vjp.
std::function<std::vector<array>(const std::vector<array>&)> custom_vjp(
    std::function<std::vector<array>(const std::vector<array>&)> fun,
    CustomVJPFn fun_vjp);

/// Gradient checkpointing: the intermediates of `fun` are not kept for the
/// backward pass; `fun` is recomputed there instead.
std::function<std::vector<array>(const std::vector<array>&)> checkpoint(
    std::function<std::vector<array>(const std::vector<array>&)> fun);

}  // namespace ember
