"""Random number generation (Threefry keys)."""

import ember.core
from ember.core import Device, DeviceType, Dtype, Stream, array


def key(seed: int) -> ember.core.array:
    """
    A PRNG key from a seed: uint32 array of shape (2,).

    Args:
        seed (int): The seed.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.key(0).shape
        (2,)
    """

def seed(seed: int) -> None:
    """
    Seeds the implicit PRNG state of this thread.

    Args:
        seed (int): The seed.

    Example:
        >>> import ember.core as mx
        >>> mx.random.seed(42)
    """

def split(key: object, num: int = 2, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Splits a key into ``num`` new keys, shape (num, 2).

    Args:
        key (array): The key.
        num (int): Number of keys.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.split(mx.random.key(0)).shape
        (2, 2)
    """

def uniform(low: object = 0, high: object = 1, shape: object = [], dtype: Dtype = ..., key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Uniform samples in [low, high).

    Args:
        low (scalar | array): Lower bound.
        high (scalar | array): Upper bound.
        shape (list[int]): Output shape.
        dtype (Dtype): float32, float16 or bfloat16.
        key (array | None): PRNG key (implicit state if None).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.uniform(shape=(2,), key=mx.random.key(0)).shape
        (2,)
    """

def normal(shape: object = [], dtype: Dtype = ..., loc: object | None = None, scale: object | None = None, key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Normal samples.

    Args:
        shape (list[int]): Output shape.
        dtype (Dtype): Floating or complex64.
        loc (scalar | array | None): Mean.
        scale (scalar | array | None): Standard deviation.
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.normal((3,)).shape
        (3,)
    """

def multivariate_normal(mean: object, cov: object, shape: object = [], dtype: Dtype = ..., key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Samples of a multivariate normal distribution.

    Args:
        mean (array): (..., n) means.
        cov (array): (..., n, n) covariances.
        shape (list[int]): Batch shape.
        dtype (Dtype): float32.
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.multivariate_normal(mx.zeros(2), mx.eye(2), (3,)).shape
        (3, 2)
    """

def randint(low: object, high: object, shape: object = [], dtype: Dtype = ..., key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Random integers in [low, high).

    Args:
        low (scalar | array): Lower bound.
        high (scalar | array): Upper bound (exclusive).
        shape (list[int]): Output shape.
        dtype (Dtype): Integer dtype.
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.randint(0, 10, (4,)).dtype
        ember.core.int32
    """

def bernoulli(p: object = 0.5, shape: object | None = None, key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Bool samples that are True with probability p.

    Args:
        p (float | array): Probability.
        shape (list[int] | None): Output shape (p.shape if None).
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.bernoulli(0.5, (3,)).dtype
        ember.core.bool
    """

def truncated_normal(lower: object, upper: object, shape: object | None = None, dtype: Dtype = ..., key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Normal samples truncated to (lower, upper).

    Args:
        lower (scalar | array): Lower bound.
        upper (scalar | array): Upper bound.
        shape (list[int] | None): Output shape.
        dtype (Dtype): Floating dtype.
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.truncated_normal(-1.0, 1.0, (2,)).shape
        (2,)
    """

def gumbel(shape: object = [], dtype: Dtype = ..., key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Standard Gumbel samples.

    Args:
        shape (list[int]): Output shape.
        dtype (Dtype): Floating dtype.
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.gumbel((2,)).shape
        (2,)
    """

def categorical(logits: object, axis: int = -1, shape: object | None = None, num_samples: int | None = None, key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Samples category indices (uint32) from unnormalised logits.

    Args:
        logits (array): Logits.
        axis (int): Category axis.
        shape (list[int] | None): Output shape.
        num_samples (int | None): Draws per distribution.
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.categorical(mx.zeros((2, 3))).shape
        (2,)
    """

def laplace(shape: object = [], dtype: Dtype = ..., loc: float = 0.0, scale: float = 1.0, key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Laplace samples.

    Args:
        shape (list[int]): Output shape.
        dtype (Dtype): Floating dtype.
        loc (float): Location.
        scale (float): Scale.
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.random.laplace((2,)).shape
        (2,)
    """

def permutation(x: object, axis: int = 0, key: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    A random permutation of arange(x) (uint32) or of an array along an axis.

    Args:
        x (int | array): Size or array.
        axis (int): Axis to shuffle.
        key (array | None): PRNG key.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> sorted(mx.random.permutation(4).tolist())
        [0, 1, 2, 3]
    """
