// ember.core.linalg factorizations and solves (spec/submodules.md §2): thin
// bindings over ember::linalg (ops/linalg.h). Like MLX, they run on CPU
// streams only: pass ``stream=mx.cpu`` when the default device is the GPU.
#include "utils.h"

namespace ember::py {

namespace {

nb::tuple pair(const std::pair<array, array>& p) { return nb::make_tuple(p.first, p.second); }

}  // namespace

void init_linalg_decomp(nb::module_& la) {
  la.def(
      "qr", [](nb::handle a, StreamOrDevice s) { return pair(linalg::qr(to_array(a), s)); }, "a"_a,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Reduced QR factorization of the last two axes.

Args:
    a (array): Input of shape ``(..., M, N)``, float32 or float64.

Returns:
    tuple(array, array): ``Q`` of shape ``(..., M, K)`` with orthonormal
    columns and upper-triangular ``R`` of shape ``(..., K, N)``,
    ``K = min(M, N)``, with ``Q @ R == a``.

Example:
    >>> import ember.core as mx
    >>> q, r = mx.linalg.qr(mx.array([[3.0, 1.0], [4.0, 2.0]]), stream=mx.cpu)
    >>> [round(v, 4) for v in r[0].tolist()]
    [-5.0, -2.2])");
  la.def(
      "svd",
      [](nb::handle a, bool compute_uv, StreamOrDevice s) -> nb::object {
        auto r = linalg::svd(to_array(a), compute_uv, s);
        if (r.size() == 1) return nb::cast(r[0]);
        return nb::make_tuple(r[0], r[1], r[2]);
      },
      "a"_a, "compute_uv"_a = true, nb::kw_only(), "stream"_a = nb::none(),
      R"(Singular value decomposition of the last two axes.

Args:
    a (array): Input of shape ``(..., M, N)``; float32, float64 or complex64.
    compute_uv (bool): Also return the singular vectors.

Returns:
    tuple(array, array, array) or array: ``(U, S, Vt)`` with ``U`` of shape
    ``(..., M, M)``, ``S`` (descending, real) of shape ``(..., K)`` and ``Vt``
    of shape ``(..., N, N)``, such that
    ``a == U[..., :K] @ diag(S) @ Vt[..., :K, :]``; only ``S`` when
    ``compute_uv`` is False.

Example:
    >>> import ember.core as mx
    >>> mx.linalg.svd(mx.array([[3.0, 0.0], [0.0, -2.0]]), compute_uv=False, stream=mx.cpu).tolist()
    [3.0, 2.0])");
  la.def(
      "inv", [](nb::handle a, StreamOrDevice s) { return linalg::inv(to_array(a), s); }, "a"_a,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Inverse of square matrices (last two axes). A singular matrix raises
when the result is evaluated.

Args:
    a (array): Input of shape ``(..., N, N)``, float32 or float64.

Returns:
    array: ``a⁻¹``.

Example:
    >>> import ember.core as mx
    >>> mx.linalg.inv(mx.array([[2.0, 1.0], [1.0, 1.0]]), stream=mx.cpu).tolist()
    [[1.0, -1.0], [-1.0, 2.0]])");
  la.def(
      "tri_inv",
      [](nb::handle a, bool upper, StreamOrDevice s) {
        return linalg::tri_inv(to_array(a), upper, s);
      },
      "a"_a, "upper"_a = false, nb::kw_only(), "stream"_a = nb::none(),
      R"(Inverse of triangular matrices; only the lower (or ``upper``)
triangle of ``a`` is read and the other triangle of the result is zero.

Args:
    a (array): Input of shape ``(..., N, N)``, float32 or float64.
    upper (bool): Use the upper triangle.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.linalg.tri_inv(mx.array([[2.0, 9.0], [1.0, 1.0]]), stream=mx.cpu).tolist()
    [[0.5, 0.0], [-0.5, 1.0]])");
  la.def(
      "pinv", [](nb::handle a, StreamOrDevice s) { return linalg::pinv(to_array(a), s); }, "a"_a,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Moore-Penrose pseudo-inverse via the SVD; singular values below
``max(M, N) * eps * max(S)`` count as zero.

Args:
    a (array): Input of shape ``(..., M, N)``, float32 or float64.

Returns:
    array: Shape ``(..., N, M)``.

Example:
    >>> import ember.core as mx
    >>> mx.linalg.pinv(mx.array([[2.0], [0.0]]), stream=mx.cpu).tolist()
    [[0.5, 0.0]])");
  la.def(
      "cholesky",
      [](nb::handle a, bool upper, StreamOrDevice s) {
        return linalg::cholesky(to_array(a), upper, s);
      },
      "a"_a, "upper"_a = false, nb::kw_only(), "stream"_a = nb::none(),
      R"(Cholesky factor of symmetric positive definite matrices: ``L`` with
``L @ L.T == a`` (or ``U`` with ``U.T @ U == a`` when ``upper``). Only that
triangle of ``a`` is read; the input is not checked for symmetry, and a
matrix that is not positive definite raises when evaluated.

Args:
    a (array): Input of shape ``(..., N, N)``, float32 or float64.
    upper (bool): Return the upper factor.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.linalg.cholesky(mx.array([[4.0, 2.0], [2.0, 5.0]]), stream=mx.cpu).tolist()
    [[2.0, 0.0], [1.0, 2.0]])");
  la.def(
      "cholesky_inv",
      [](nb::handle l, bool upper, StreamOrDevice s) {
        return linalg::cholesky_inv(to_array(l), upper, s);
      },
      "L"_a, "upper"_a = false, nb::kw_only(), "stream"_a = nb::none(),
      R"(Inverse of a symmetric positive definite matrix from its Cholesky
factor.

Args:
    L (array): The lower (or ``upper``) Cholesky factor, ``(..., N, N)``.
    upper (bool): ``L`` is the upper factor.

Returns:
    array: The inverse of ``L @ L.T`` (or ``L.T @ L``).

Example:
    >>> import ember.core as mx
    >>> mx.linalg.cholesky_inv(mx.array([[2.0, 0.0], [0.0, 0.5]]), stream=mx.cpu).tolist()
    [[0.25, 0.0], [0.0, 4.0]])");
  la.def(
      "eigvals", [](nb::handle a, StreamOrDevice s) { return linalg::eigvals(to_array(a), s); },
      "a"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Eigenvalues of general square matrices (complex64).

Args:
    a (array): Input of shape ``(..., N, N)``; float32, float64 or complex64.

Returns:
    array: Shape ``(..., N)``, complex64.

Example:
    >>> import ember.core as mx
    >>> mx.linalg.eigvals(mx.array([[2.0, 0.0], [0.0, 3.0]]), stream=mx.cpu).tolist()
    [(2+0j), (3+0j)])");
  la.def(
      "eig", [](nb::handle a, StreamOrDevice s) { return pair(linalg::eig(to_array(a), s)); },
      "a"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Eigenvalues and right eigenvectors of general square matrices.

Args:
    a (array): Input of shape ``(..., N, N)``; float32, float64 or complex64.

Returns:
    tuple(array, array): ``w`` of shape ``(..., N)`` and ``v`` of shape
    ``(..., N, N)`` (both complex64) whose columns are unit eigenvectors:
    ``a @ v == v * w[..., None, :]``.

Example:
    >>> import ember.core as mx
    >>> w, v = mx.linalg.eig(mx.array([[0.0, -1.0], [1.0, 0.0]]), stream=mx.cpu)
    >>> sorted(z.imag for z in w.tolist())
    [-1.0, 1.0])");
  la.def(
      "eigvalsh",
      [](nb::handle a, std::string uplo, StreamOrDevice s) {
        return linalg::eigvalsh(to_array(a), uplo, s);
      },
      "a"_a, "UPLO"_a = "L", nb::kw_only(), "stream"_a = nb::none(),
      R"(Eigenvalues of symmetric (Hermitian) matrices in ascending order.

Args:
    a (array): Input of shape ``(..., N, N)``; float32, float64 or complex64.
    UPLO (str): ``'L'`` or ``'U'``: the triangle that is read.

Returns:
    array: Shape ``(..., N)``, real.

Example:
    >>> import ember.core as mx
    >>> mx.linalg.eigvalsh(mx.array([[2.0, 1.0], [1.0, 2.0]]), stream=mx.cpu).tolist()
    [1.0, 3.0])");
  la.def(
      "eigh",
      [](nb::handle a, std::string uplo, StreamOrDevice s) {
        return pair(linalg::eigh(to_array(a), uplo, s));
      },
      "a"_a, "UPLO"_a = "L", nb::kw_only(), "stream"_a = nb::none(),
      R"(Eigenvalues (ascending) and orthonormal eigenvectors of symmetric
(Hermitian) matrices.

Args:
    a (array): Input of shape ``(..., N, N)``; float32, float64 or complex64.
    UPLO (str): ``'L'`` or ``'U'``: the triangle that is read.

Returns:
    tuple(array, array): ``w`` of shape ``(..., N)`` and ``v`` of shape
    ``(..., N, N)`` with ``a @ v == v * w[..., None, :]``.

Example:
    >>> import ember.core as mx
    >>> w, v = mx.linalg.eigh(mx.array([[2.0, 0.0], [0.0, 1.0]]), stream=mx.cpu)
    >>> w.tolist()
    [1.0, 2.0])");
  la.def(
      "lu",
      [](nb::handle a, StreamOrDevice s) {
        auto r = linalg::lu(to_array(a), s);
        return nb::make_tuple(r[0], r[1], r[2]);
      },
      "a"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(LU factorization with partial pivoting.

Args:
    a (array): Input of shape ``(..., M, N)``, float32 or float64.

Returns:
    tuple(array, array, array): ``(P, L, U)``: ``P`` (uint32, ``(..., M)``)
    row indices, ``L`` unit lower triangular ``(..., M, K)`` and ``U`` upper
    triangular ``(..., K, N)``, with ``a == L[P] @ U`` (batched:
    ``take_along_axis(L, P[..., None], -2) @ U``).

Example:
    >>> import ember.core as mx
    >>> p, l, u = mx.linalg.lu(mx.array([[1.0, 2.0], [4.0, 4.0]]), stream=mx.cpu)
    >>> p.tolist(), l.tolist(), u.tolist()
    ([1, 0], [[1.0, 0.0], [0.25, 1.0]], [[4.0, 4.0], [0.0, 1.0]]))");
  la.def(
      "lu_factor",
      [](nb::handle a, StreamOrDevice s) { return pair(linalg::lu_factor(to_array(a), s)); }, "a"_a,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(LU factorization in LAPACK's compact form.

Args:
    a (array): Input of shape ``(..., M, N)``, float32 or float64.

Returns:
    tuple(array, array): ``LU`` (``L`` below the diagonal without its unit
    diagonal, ``U`` on and above it) and ``pivots`` (uint32, 0-based, shape
    ``(..., K)``): row ``i`` was swapped with row ``pivots[i]``.

Example:
    >>> import ember.core as mx
    >>> lu, piv = mx.linalg.lu_factor(mx.array([[1.0, 2.0], [3.0, 4.0]]), stream=mx.cpu)
    >>> piv.tolist()
    [1, 1])");
  la.def(
      "solve",
      [](nb::handle a, nb::handle b, StreamOrDevice s) {
        return linalg::solve(to_array(a), to_array(b), s);
      },
      "a"_a, "b"_a, nb::kw_only(), "stream"_a = nb::none(),
      R"(Solves ``a @ x = b`` for square ``a``.

Args:
    a (array): Shape ``(..., N, N)``, float32 or float64.
    b (array): Shape ``(N,)`` (a vector) or ``(..., N, R)``; batch dims
        broadcast with those of ``a``.

Returns:
    array: ``x``, shaped like the broadcast ``b``. A singular ``a`` raises
    when evaluated.

Example:
    >>> import ember.core as mx
    >>> mx.linalg.solve(mx.array([[2.0, 0.0], [0.0, 4.0]]), mx.array([1.0, 1.0]), stream=mx.cpu).tolist()
    [0.5, 0.25])");
  la.def(
      "solve_triangular",
      [](nb::handle a, nb::handle b, bool upper, StreamOrDevice s) {
        return linalg::solve_triangular(to_array(a), to_array(b), upper, s);
      },
      "a"_a, "b"_a, nb::kw_only(), "upper"_a = false, "stream"_a = nb::none(),
      R"(Solves ``tri(a) @ x = b`` reading only the lower (or ``upper``)
triangle of ``a``.

Args:
    a (array): Shape ``(..., N, N)``, float32 or float64.
    b (array): Shape ``(N,)`` or ``(..., N, R)``.
    upper (bool): Use the upper triangle of ``a``.

Returns:
    array

Example:
    >>> import ember.core as mx
    >>> mx.linalg.solve_triangular(mx.array([[2.0, 7.0], [1.0, 1.0]]), mx.array([2.0, 2.0]), stream=mx.cpu).tolist()
    [1.0, 1.0])");
  la.def(
      "det", [](nb::handle a, StreamOrDevice s) { return linalg::det(to_array(a), s); }, "a"_a,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Determinant of square matrices (via LU); integer inputs give
float32. Real inputs only.

Args:
    a (array): Shape ``(..., N, N)``.

Returns:
    array: Shape ``(...)``.

Example:
    >>> import ember.core as mx
    >>> mx.linalg.det(mx.array([[1.0, 2.0], [4.0, 4.0]]), stream=mx.cpu).item()
    -4.0)");
  la.def(
      "slogdet",
      [](nb::handle a, StreamOrDevice s) { return pair(linalg::slogdet(to_array(a), s)); }, "a"_a,
      nb::kw_only(), "stream"_a = nb::none(),
      R"(Sign and natural log of the absolute value of the determinant.

Args:
    a (array): Shape ``(..., N, N)``; real.

Returns:
    tuple(array, array): ``(sign, logabsdet)``; a singular matrix gives
    ``(0, -inf)``.

Example:
    >>> import ember.core as mx
    >>> sign, logdet = mx.linalg.slogdet(mx.array([[2.0, 0.0], [0.0, -3.0]]), stream=mx.cpu)
    >>> sign.item(), round(logdet.item(), 4)
    (-1.0, 1.7918))");
}

}  // namespace ember::py
