"""Parameter initializers (``mlx.nn.init`` API).

Each function returns an initializer ``fn(array) -> array`` that uses only the
shape of its argument and draws from ``ember.core.random``.
"""

import math

import ember.core as mx

__all__ = [
    "constant",
    "normal",
    "uniform",
    "identity",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "sparse",
    "orthogonal",
]


def constant(value, dtype=mx.float32):
    """Initializer that fills the array with ``value``.

    Args:
        value (float): The fill value.
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.init.constant(0.5)(mx.zeros((2, 2))).tolist()
        [[0.5, 0.5], [0.5, 0.5]]
    """

    def initializer(a):
        return mx.full(a.shape, value, dtype=dtype)

    return initializer


def normal(mean=0.0, std=1.0, dtype=mx.float32):
    """Initializer drawing from a normal distribution ``N(mean, std**2)``.

    Args:
        mean (float): Mean. Default: ``0.0``.
        std (float): Standard deviation. Default: ``1.0``.
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.init.normal()(mx.zeros((2, 3))).shape
        (2, 3)
    """

    def initializer(a):
        return mx.random.normal(shape=a.shape, dtype=dtype, loc=mean, scale=std)

    return initializer


def uniform(low=0.0, high=1.0, dtype=mx.float32):
    """Initializer drawing from a uniform distribution on ``[low, high)``.

    Args:
        low (float): Lower bound. Default: ``0.0``.
        high (float): Upper bound. Default: ``1.0``.
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.init.uniform(-1, 1)(mx.zeros((2, 3))).shape
        (2, 3)
    """

    def initializer(a):
        return mx.random.uniform(low, high, a.shape, dtype=dtype)

    return initializer


def identity(dtype=mx.float32):
    """Initializer returning the identity matrix (square 2-D arrays only).

    Args:
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.init.identity()(mx.zeros((2, 2))).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
    """

    def initializer(arr):
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise ValueError(
                "[identity] The input array must be square and 2-D; got shape "
                f"{tuple(arr.shape)}."
            )
        return mx.eye(arr.shape[0], dtype=dtype)

    return initializer


def _fans(name, a):
    if a.ndim < 2:
        raise ValueError(
            f"[{name}] Glorot / He initialization requires an array with at "
            f"least 2 dimensions; got shape {tuple(a.shape)}."
        )
    receptive = math.prod(a.shape[1:-1])
    return a.shape[-1] * receptive, a.shape[0] * receptive


def _fan(name, a, mode):
    fan_in, fan_out = _fans(name, a)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(
        f"[{name}] Invalid mode; got {mode!r}, expected 'fan_in' or 'fan_out'."
    )


def glorot_normal(dtype=mx.float32):
    """Glorot (Xavier) normal initializer.

    Draws from ``N(0, std**2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``,
    where ``fan_in = shape[-1] * r``, ``fan_out = shape[0] * r`` and ``r`` is
    the product of the middle dimensions.

    Args:
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array, float], array]: ``fn(a, gain=1.0)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.init.glorot_normal()(mx.zeros((4, 3)), gain=2.0).shape
        (4, 3)
    """

    def initializer(a, gain=1.0):
        fan_in, fan_out = _fans("glorot_normal", a)
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        return mx.random.normal(shape=a.shape, dtype=dtype) * std

    return initializer


def glorot_uniform(dtype=mx.float32):
    """Glorot (Xavier) uniform initializer.

    Draws from ``U(-limit, limit)`` with
    ``limit = gain * sqrt(6 / (fan_in + fan_out))``.

    Args:
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array, float], array]: ``fn(a, gain=1.0)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.init.glorot_uniform()(mx.zeros((4, 3))).shape
        (4, 3)
    """

    def initializer(a, gain=1.0):
        fan_in, fan_out = _fans("glorot_uniform", a)
        limit = gain * math.sqrt(6.0 / (fan_in + fan_out))
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def he_normal(dtype=mx.float32):
    """He (Kaiming) normal initializer.

    Draws from ``N(0, std**2)`` with ``std = gain / sqrt(fan)``; ``fan`` is
    ``fan_in`` or ``fan_out`` as chosen by ``mode``.

    Args:
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array, str, float], array]: ``fn(a, mode='fan_in', gain=1.0)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.init.he_normal()(mx.zeros((4, 3)), mode="fan_out").shape
        (4, 3)
    """

    def initializer(a, mode="fan_in", gain=1.0):
        fan = _fan("he_normal", a, mode)
        std = gain / math.sqrt(fan)
        return mx.random.normal(shape=a.shape, dtype=dtype) * std

    return initializer


def he_uniform(dtype=mx.float32):
    """He (Kaiming) uniform initializer.

    Draws from ``U(-limit, limit)`` with ``limit = gain * sqrt(3 / fan)``.

    Args:
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array, str, float], array]: ``fn(a, mode='fan_in', gain=1.0)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.init.he_uniform()(mx.zeros((4, 3))).shape
        (4, 3)
    """

    def initializer(a, mode="fan_in", gain=1.0):
        fan = _fan("he_uniform", a, mode)
        limit = gain * math.sqrt(3.0 / fan)
        return mx.random.uniform(-limit, limit, a.shape, dtype=dtype)

    return initializer


def sparse(sparsity, mean=0.0, std=1.0, dtype=mx.float32):
    """Sparse initializer for 2-D arrays.

    Draws ``N(mean, std**2)`` values and zeroes ``ceil(sparsity * cols)``
    randomly chosen entries in every row.

    Args:
        sparsity (float): Fraction of zeros per row, in ``[0, 1]``.
        mean (float): Mean of the nonzero values. Default: ``0.0``.
        std (float): Standard deviation of the nonzero values. Default: ``1.0``.
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> w = nn.init.sparse(0.5)(mx.zeros((3, 4)))
        >>> (w == 0).sum(axis=1).tolist()
        [2, 2, 2]
    """

    def initializer(a):
        if a.ndim != 2:
            raise ValueError(
                f"[sparse] Only 2-D arrays are supported; got shape {tuple(a.shape)}."
            )
        rows, cols = a.shape
        num_zeros = int(math.ceil(sparsity * cols))
        # A random permutation per row: argsort of uniform noise.
        order = mx.argsort(mx.random.uniform(shape=a.shape), axis=1)
        values = mx.random.normal(shape=a.shape, dtype=dtype, loc=mean, scale=std)
        # Rank of each column in its row's permutation; the first num_zeros go.
        rank = mx.argsort(order, axis=1)
        return mx.where(rank < num_zeros, mx.zeros_like(values), values)

    return initializer


def _qr_q(m):
    """Q and diag(R) of the QR factorization of a square float32 matrix, on CPU."""
    q, r = mx.linalg.qr(m, stream=mx.cpu)
    return q, mx.diag(r)


def orthogonal(gain=1.0, dtype=mx.float32):
    """Orthogonal initializer for 2-D arrays.

    Takes the Q factor of the QR decomposition of a square normal matrix of
    size ``max(rows, cols)``, flips column signs so that ``diag(R) > 0``, and
    keeps the leading ``rows x cols`` block, scaled by ``gain``. Its rows
    (``rows <= cols``) or columns (``rows > cols``) are orthonormal.

    Args:
        gain (float): Scale factor. Default: ``1.0``.
        dtype (Dtype): Output dtype. Default: ``float32``.

    Returns:
        Callable[[array], array]: The initializer.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> w = nn.init.orthogonal()(mx.zeros((3, 3)))
        >>> mx.allclose(w @ w.T, mx.eye(3), atol=1e-5).item()
        True
    """

    def initializer(a):
        if a.ndim != 2:
            raise ValueError(
                f"[orthogonal] Only 2-D arrays are supported; got shape {tuple(a.shape)}."
            )
        rows, cols = a.shape
        n = max(rows, cols)
        q, d = _qr_q(mx.random.normal(shape=(n, n)))
        q = q * mx.where(d < 0, -1.0, 1.0)
        return (gain * q[:rows, :cols]).astype(dtype)

    return initializer
