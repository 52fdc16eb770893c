// Matrix products (spec/core.md §13): matmul, addmm, inner, outer,
// tensordot, kron, vecdot, einsum.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ember/core/array.h"

namespace ember {

/// Matrix product with NumPy semantics: 1-D operands are promoted to
/// matrices (and the added dim removed), batch dims broadcast. Float and
/// complex inputs only; 0-d inputs raise.
array matmul(const array& a, const array& b, StreamOrDevice s = {});
/// alpha * (a @ b) + beta * c, with c broadcast to the product's shape.
array addmm(const array& c, const array& a, const array& b, float alpha = 1.0f,
            float beta = 1.0f, StreamOrDevice s = {});

/// Sum product over the last axis of a and b (scalars multiply).
array inner(const array& a, const array& b, StreamOrDevice s = {});
/// Outer product of the flattened inputs: shape (a.size, b.size).
array outer(const array& a, const array& b, StreamOrDevice s = {});
/// Contracts the last `axes` dims of a with the first `axes` dims of b.
array tensordot(const array& a, const array& b, int axes = 2,
                StreamOrDevice s = {});
/// Contracts a's `axes_a` with b's `axes_b` (pairwise, same lengths).
array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s = {});
/// Kronecker product; the result has max(a.ndim, b.ndim) dims.
array kron(const array& a, const array& b, StreamOrDevice s = {});
/// sum(a * b, axis) after broadcasting a and b (complex a is conjugated).
array vecdot(const array& a, const array& b, int axis = -1,
             StreamOrDevice s = {});

/// Einstein summation, e.g. einsum("ij,jk->ik", {a, b}); supports implicit
/// output, repeated indices (diagonals) and "..." broadcasting.
array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s = {});
/// The contraction order einsum would use (pairs of operand positions in the
/// shrinking operand list) and a text report of the cost.
std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands);

}  // namespace ember
