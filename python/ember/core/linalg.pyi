"""Linear algebra."""

import ember.core
from ember.core import Device, DeviceType, Dtype, Stream, ThreadLocalStream, array


def norm(arg0: object, ord: object | None = None, axis: object | None = None, keepdims: bool = False, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Vector or matrix norm.

    ``ord=None`` gives the 2-norm of vectors and the Frobenius norm of matrices
    (and, with ``axis=None``, the 2-norm of the flattened array). Vector ords:
    inf, -inf, 0 (count of non-zeros), any other p. Matrix ords: 'fro', inf/-inf
    (max/min absolute row sum), 1/-1 (max/min absolute column sum), 2/-2
    (largest/smallest singular value) and 'nuc' (sum of singular values); the
    last three use the SVD and so run on CPU streams only.

    Args:
        a (array): Input.
        ord (int | float | str | None): Order of the norm.
        axis (int | tuple[int, int] | None): Vector axis or matrix axes.
        keepdims (bool): Keep the reduced axes with size 1.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.norm(mx.array([3.0, 4.0])).item()
        5.0
    """

def cross(arg0: object, arg1: object, axis: int = -1, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Cross product of 3-vectors along an axis (size-2 inputs get z = 0).

    Args:
        a (array): First input.
        b (array): Second input.
        axis (int): Axis holding the vector components.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.cross(mx.array([1.0, 0.0, 0.0]), mx.array([0.0, 1.0, 0.0])).tolist()
        [0.0, 0.0, 1.0]
    """

def qr(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> tuple:
    """
    Reduced QR factorization of the last two axes.

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
        [-5.0, -2.2]
    """

def svd(a: object, compute_uv: bool = True, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> object:
    """
    Singular value decomposition of the last two axes.

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
        [3.0, 2.0]
    """

def inv(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Inverse of square matrices (last two axes). A singular matrix raises
    when the result is evaluated.

    Args:
        a (array): Input of shape ``(..., N, N)``, float32 or float64.

    Returns:
        array: ``a⁻¹``.

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.inv(mx.array([[2.0, 1.0], [1.0, 1.0]]), stream=mx.cpu).tolist()
        [[1.0, -1.0], [-1.0, 2.0]]
    """

def tri_inv(a: object, upper: bool = False, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Inverse of triangular matrices; only the lower (or ``upper``)
    triangle of ``a`` is read and the other triangle of the result is zero.

    Args:
        a (array): Input of shape ``(..., N, N)``, float32 or float64.
        upper (bool): Use the upper triangle.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.tri_inv(mx.array([[2.0, 9.0], [1.0, 1.0]]), stream=mx.cpu).tolist()
        [[0.5, 0.0], [-0.5, 1.0]]
    """

def pinv(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Moore-Penrose pseudo-inverse via the SVD; singular values below
    ``max(M, N) * eps * max(S)`` count as zero.

    Args:
        a (array): Input of shape ``(..., M, N)``, float32 or float64.

    Returns:
        array: Shape ``(..., N, M)``.

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.pinv(mx.array([[2.0], [0.0]]), stream=mx.cpu).tolist()
        [[0.5, 0.0]]
    """

def cholesky(a: object, upper: bool = False, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Cholesky factor of symmetric positive definite matrices: ``L`` with
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
        [[2.0, 0.0], [1.0, 2.0]]
    """

def cholesky_inv(L: object, upper: bool = False, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Inverse of a symmetric positive definite matrix from its Cholesky
    factor.

    Args:
        L (array): The lower (or ``upper``) Cholesky factor, ``(..., N, N)``.
        upper (bool): ``L`` is the upper factor.

    Returns:
        array: The inverse of ``L @ L.T`` (or ``L.T @ L``).

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.cholesky_inv(mx.array([[2.0, 0.0], [0.0, 0.5]]), stream=mx.cpu).tolist()
        [[0.25, 0.0], [0.0, 4.0]]
    """

def eigvals(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Eigenvalues of general square matrices (complex64).

    Args:
        a (array): Input of shape ``(..., N, N)``; float32, float64 or complex64.

    Returns:
        array: Shape ``(..., N)``, complex64.

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.eigvals(mx.array([[2.0, 0.0], [0.0, 3.0]]), stream=mx.cpu).tolist()
        [(2+0j), (3+0j)]
    """

def eig(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> tuple:
    """
    Eigenvalues and right eigenvectors of general square matrices.

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
        [-1.0, 1.0]
    """

def eigvalsh(a: object, UPLO: str = 'L', *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Eigenvalues of symmetric (Hermitian) matrices in ascending order.

    Args:
        a (array): Input of shape ``(..., N, N)``; float32, float64 or complex64.
        UPLO (str): ``'L'`` or ``'U'``: the triangle that is read.

    Returns:
        array: Shape ``(..., N)``, real.

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.eigvalsh(mx.array([[2.0, 1.0], [1.0, 2.0]]), stream=mx.cpu).tolist()
        [1.0, 3.0]
    """

def eigh(a: object, UPLO: str = 'L', *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> tuple:
    """
    Eigenvalues (ascending) and orthonormal eigenvectors of symmetric
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
        [1.0, 2.0]
    """

def lu(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> tuple:
    """
    LU factorization with partial pivoting.

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
        ([1, 0], [[1.0, 0.0], [0.25, 1.0]], [[4.0, 4.0], [0.0, 1.0]])
    """

def lu_factor(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> tuple:
    """
    LU factorization in LAPACK's compact form.

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
        [1, 1]
    """

def solve(a: object, b: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Solves ``a @ x = b`` for square ``a``.

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
        [0.5, 0.25]
    """

def solve_triangular(a: object, b: object, *, upper: bool = False, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Solves ``tri(a) @ x = b`` reading only the lower (or ``upper``)
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
        [1.0, 1.0]
    """

def det(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Determinant of square matrices (via LU); integer inputs give
    float32. Real inputs only.

    Args:
        a (array): Shape ``(..., N, N)``.

    Returns:
        array: Shape ``(...)``.

    Example:
        >>> import ember.core as mx
        >>> mx.linalg.det(mx.array([[1.0, 2.0], [4.0, 4.0]]), stream=mx.cpu).item()
        -4.0
    """

def slogdet(a: object, *, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> tuple:
    """
    Sign and natural log of the absolute value of the determinant.

    Args:
        a (array): Shape ``(..., N, N)``; real.

    Returns:
        tuple(array, array): ``(sign, logabsdet)``; a singular matrix gives
        ``(0, -inf)``.

    Example:
        >>> import ember.core as mx
        >>> sign, logdet = mx.linalg.slogdet(mx.array([[2.0, 0.0], [0.0, -3.0]]), stream=mx.cpu)
        >>> sign.item(), round(logdet.item(), 4)
        (-1.0, 1.7918)
    """
