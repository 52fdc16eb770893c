// Matrix products (spec/core.md §13): matmul, addmm, inner, outer,
// tensordot, kron, vecdot, einsum; and ember::linalg factorizations and
// solves (spec/submodules.md §2), which run on CPU streams only.
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

namespace ember::linalg {

// Every function below takes float32/float64 matrices in the last two axes
// (svd/eig/eigvals/eigh/eigvalsh also complex64), batches over the leading
// axes, and raises std::invalid_argument on a GPU stream (as MLX does).

/// Reduced QR: (Q, R) with Q (..., M, K) orthonormal columns, R (..., K, N)
/// upper triangular and Q @ R = a, K = min(M, N).
std::pair<array, array> qr(const array& a, StreamOrDevice s = {});
/// Singular value decomposition: {U, S, Vt} with a = U[:, :K] diag(S)
/// Vt[:K] (U (..., M, M), Vt (..., N, N), S descending), or {S} alone.
std::vector<array> svd(const array& a, bool compute_uv = true,
                       StreamOrDevice s = {});
/// Inverse of square matrices; singular inputs raise at eval.
array inv(const array& a, StreamOrDevice s = {});
/// Inverse of the lower (or upper) triangle of square matrices.
array tri_inv(const array& a, bool upper = false, StreamOrDevice s = {});
/// Moore-Penrose pseudo-inverse (..., N, M) via the SVD; singular values
/// below max(M, N) * eps * max(S) are treated as zero.
array pinv(const array& a, StreamOrDevice s = {});
/// Cholesky factor L with L Lᵀ = a (or U with Uᵀ U = a), reading only that
/// triangle; no positive-definiteness check (as in MLX).
array cholesky(const array& a, bool upper = false, StreamOrDevice s = {});
/// Inverse of the matrix whose Cholesky factor is `l` (lower or upper).
array cholesky_inv(const array& l, bool upper = false, StreamOrDevice s = {});
/// Eigenvalues of general square matrices (complex64).
array eigvals(const array& a, StreamOrDevice s = {});
/// (w, v): eigenvalues and unit-norm eigenvectors (columns of v), complex64.
std::pair<array, array> eig(const array& a, StreamOrDevice s = {});
/// Ascending real eigenvalues of symmetric/Hermitian matrices; only the
/// `uplo` ("L" or "U") triangle is read.
array eigvalsh(const array& a, const std::string& uplo = "L",
               StreamOrDevice s = {});
/// (w, v) of symmetric/Hermitian matrices; a @ v = v * w.
std::pair<array, array> eigh(const array& a, const std::string& uplo = "L",
                             StreamOrDevice s = {});
/// {P, L, U} with P (uint32 row indices, (..., M)), L (..., M, K) unit lower,
/// U (..., K, N) upper, and a = L[P] @ U.
std::vector<array> lu(const array& a, StreamOrDevice s = {});
/// (LU, pivots): LAPACK-style compact LU and 0-based row swaps (uint32).
std::pair<array, array> lu_factor(const array& a, StreamOrDevice s = {});
/// x with a @ x = b; b is (..., N) when 1-D else (..., N, R); batch dims
/// broadcast. Singular a raises at eval.
array solve(const array& a, const array& b, StreamOrDevice s = {});
/// x with tri(a) @ x = b reading the lower (or upper) triangle of a.
array solve_triangular(const array& a, const array& b, bool upper = false,
                       StreamOrDevice s = {});
/// Determinant (integer inputs promote to float32); real inputs only.
array det(const array& a, StreamOrDevice s = {});
/// (sign, log|det|); singular matrices give (0, -inf).
std::pair<array, array> slogdet(const array& a, StreamOrDevice s = {});

}  // namespace ember::linalg
