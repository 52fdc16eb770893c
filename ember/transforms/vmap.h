// Vectorizing map (spec/transforms.md §4): runs a function over an extra
// batch axis by replaying its traced graph with each primitive's vmap rule.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Vectorizes `fun` over axis `in_axes[i]` of input i (std::nullopt = not
/// mapped; negative axes count from the end of the input). Empty `in_axes`
/// maps axis 0 of every input. The batch axis of output j is placed at
/// `out_axes[j]` (negative: counted from the end of the batched output;
/// nullopt: the output must not depend on mapped inputs). Empty `out_axes`
/// puts it at 0 for every output.
std::function<std::vector<array>(const std::vector<array>&)> vmap(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<std::optional<int>>& in_axes = {},
    const std::vector<std::optional<int>>& out_axes = {});

/// vmap of a function of one array.
std::function<array(const array&)> vmap(
    const std::function<array(const array&)>& fun,
    std::optional<int> in_axis = 0, std::optional<int> out_axis = 0);

/// vmap of a function of two arrays.
std::function<array(const array&, const array&)> vmap(
    const std::function<array(const array&, const array&)>& fun,
    std::optional<int> in_axis_a = 0, std::optional<int> in_axis_b = 0,
    std::optional<int> out_axis = 0);

namespace detail {
/// Traces `fun` on placeholders of the mapped inputs (axis -1 = not mapped,
/// others non-negative); returns (traced inputs, traced outputs).
std::pair<std::vector<array>, std::vector<array>> vmap_trace(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& inputs, const std::vector<int>& in_axes);
/// Replays the traced graph on the real inputs; returns the outputs with
/// their batch axes moved to `out_axes` (-1 = leave unmapped).
std::vector<array> vmap_replace(const std::vector<array>& inputs,
                                const std::vector<array>& s_inputs,
                                const std::vector<array>& s_outputs,
                                const std::vector<int>& in_axes,
                                const std::vector<int>& out_axes);
}  // namespace detail

}  // namespace ember
