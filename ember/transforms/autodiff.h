// Reverse and forward mode differentiation: vjp, jvp, grad, value_and_grad
// (spec/transforms.md §2-3). Transformations compose in any order.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Outputs of `fun(primals)` and the vector-Jacobian products of the
/// `cotangents` (one per output, outputs made by stop_gradient skipped).
std::pair<std::vector<array>, std::vector<array>> vjp(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& cotangents);
/// Single-array form of vjp.
std::pair<array, array> vjp(const std::function<array(const array&)>& fun,
                            const array& primal, const array& cotangent);

/// Outputs of `fun(primals)` and the Jacobian-vector products of the
/// `tangents` (one per primal, same shapes).
std::pair<std::vector<array>, std::vector<array>> jvp(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<array>& primals, const std::vector<array>& tangents);
/// Single-array form of jvp.
std::pair<array, array> jvp(const std::function<array(const array&)>& fun,
                            const array& primal, const array& tangent);

/// (inputs) -> (outputs of fun, gradients of the first output w.r.t. the
/// inputs listed in argnums, in increasing argnum order).
using ValueAndGradFn =
    std::function<std::pair<std::vector<array>, std::vector<array>>(
        const std::vector<array>&)>;
/// (inputs) -> (scalar output, gradients).
using SimpleValueAndGradFn = std::function<std::pair<array, std::vector<array>>(
    const std::vector<array>&)>;

/// Returns a function computing `fun`'s outputs and the gradient of its first
/// output (a 0-d array; the others are auxiliary and not differentiated)
/// with respect to the inputs in `argnums` (non-negative, distinct).
ValueAndGradFn value_and_grad(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    const std::vector<int>& argnums);
ValueAndGradFn value_and_grad(
    const std::function<std::vector<array>(const std::vector<array>&)>& fun,
    int argnum = 0);
/// value_and_grad of a function returning one scalar array.
SimpleValueAndGradFn value_and_grad(
    const std::function<array(const std::vector<array>&)>& fun,
    const std::vector<int>& argnums);
/// value_and_grad of a function of one array.
std::function<std::pair<array, array>(const array&)> value_and_grad(
    const std::function<array(const array&)>& fun);

/// Gradients of a scalar function with respect to the inputs in argnums.
std::function<std::vector<array>(const std::vector<array>&)> grad(
    const std::function<array(const std::vector<array>&)>& fun,
    const std::vector<int>& argnums);
std::function<std::vector<array>(const std::vector<array>&)> grad(
    const std::function<array(const std::vector<array>&)>& fun,
    int argnum = 0);
/// Gradient of a scalar function of one array.
std::function<array(const array&)> grad(
    const std::function<array(const array&)>& fun);

}  // namespace ember
