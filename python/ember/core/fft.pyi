"""Discrete Fourier transforms."""

import ember.core
from ember.core import Device, DeviceType, Dtype, Stream, ThreadLocalStream, array


def fft(a: object, n: int | None = None, axis: int = -1, norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    One-dimensional discrete Fourier transform.

    Args:
        a (array): Input (complex64 result for any input dtype).
        n (int, optional): Length of the transformed axis; the input is
            zero-padded or truncated to it. Default: the input's length.
        axis (int): Axis to transform.
        norm (str): ``'backward'`` (default, no scaling), ``'ortho'``
            (``1/sqrt(n)``) or ``'forward'`` (``1/n``).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.fft.fft(mx.array([1.0, 0.0, 0.0, 0.0])).tolist()
        [(1+0j), (1+0j), (1+0j), (1+0j)]
    """

def ifft(a: object, n: int | None = None, axis: int = -1, norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    One-dimensional inverse discrete Fourier transform.

    Args:
        a (array): Input.
        n (int, optional): Length of the transformed axis (pads or truncates).
        axis (int): Axis to transform.
        norm (str): ``'backward'`` (default, ``1/n``), ``'ortho'`` or
            ``'forward'`` (no scaling).

    Returns:
        array: complex64.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.ifft(mx.array([4.0, 0.0, 0.0, 0.0])).tolist()
        [(1+0j), (1+0j), (1+0j), (1+0j)]
    """

def rfft(a: object, n: int | None = None, axis: int = -1, norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    One-dimensional DFT of real input: the ``n//2 + 1``
    non-negative frequency terms. The imaginary part of complex input is dropped.

    Args:
        a (array): Input.
        n (int, optional): Length of the real signal (pads or truncates).
        axis (int): Axis to transform.
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: complex64, ``n//2 + 1`` along ``axis``.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.rfft(mx.array([1.0, 1.0, 1.0, 1.0])).tolist()
        [(4+0j), 0j, 0j]
    """

def irfft(a: object, n: int | None = None, axis: int = -1, norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Inverse of ``rfft``: a real signal of length ``n``
    from its ``n//2 + 1`` non-negative frequency terms.

    Args:
        a (array): Input (treated as the half spectrum of a real signal).
        n (int, optional): Output length (default ``2 * (a.shape[axis] - 1)``);
            the input is truncated or padded to ``n//2 + 1`` terms.
        axis (int): Axis to transform.
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: float32.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.irfft(mx.array([4.0, 0.0, 0.0])).tolist()
        [1.0, 1.0, 1.0, 1.0]
    """

def fft2(a: object, s: object | None = None, axes: object = (-2, -1), norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Two-dimensional discrete Fourier transform.

    Args:
        a (array): Input.
        s (list(int), optional): Sizes of the transformed axes (pad/truncate).
        axes (list(int)): Axes to transform; default ``(-2, -1)``.
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: complex64.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.fft2(mx.ones((2, 2))).tolist()
        [[(4+0j), 0j], [0j, 0j]]
    """

def ifft2(a: object, s: object | None = None, axes: object = (-2, -1), norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Two-dimensional inverse discrete Fourier transform.

    Args:
        a (array): Input.
        s (list(int), optional): Sizes of the transformed axes (pad/truncate).
        axes (list(int)): Axes to transform; default ``(-2, -1)``.
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: complex64.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.ifft2(mx.array([[4.0, 0.0], [0.0, 0.0]])).tolist()
        [[(1+0j), (1+0j)], [(1+0j), (1+0j)]]
    """

def rfft2(a: object, s: object | None = None, axes: object = (-2, -1), norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Two-dimensional DFT of real input; the last axis in
    ``axes`` keeps ``n//2 + 1`` terms.

    Args:
        a (array): Input.
        s (list(int), optional): Sizes of the transformed axes (pad/truncate).
        axes (list(int)): Axes to transform; default ``(-2, -1)``.
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: complex64.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.rfft2(mx.ones((2, 2))).tolist()
        [[(4+0j), 0j], [0j, 0j]]
    """

def irfft2(a: object, s: object | None = None, axes: object = (-2, -1), norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Inverse of ``rfft2``.

    Args:
        a (array): Input.
        s (list(int), optional): Output sizes of the transformed axes; the last
            defaults to ``2 * (a.shape[axes[-1]] - 1)``.
        axes (list(int)): Axes to transform; default ``(-2, -1)``.
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: float32.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.irfft2(mx.array([[4.0, 0.0], [0.0, 0.0]])).tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """

def fftn(a: object, s: object | None = None, axes: object | None = None, norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    n-dimensional discrete Fourier transform.

    Args:
        a (array): Input.
        s (list(int), optional): Sizes of the transformed axes (pad/truncate).
        axes (list(int), optional): Axes to transform; default the last
            ``len(s)`` axes, or all axes when ``s`` is also None.
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: complex64.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.fftn(mx.ones((2, 2, 2)))[0, 0, 0].item()
        (8+0j)
    """

def ifftn(a: object, s: object | None = None, axes: object | None = None, norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    n-dimensional inverse discrete Fourier transform.

    Args:
        a (array): Input.
        s (list(int), optional): Sizes of the transformed axes (pad/truncate).
        axes (list(int), optional): Axes to transform (default as in ``fftn``).
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: complex64.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.ifftn(mx.ones((2, 2))).tolist()
        [[(1+0j), 0j], [0j, 0j]]
    """

def rfftn(a: object, s: object | None = None, axes: object | None = None, norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    n-dimensional DFT of real input; the last axis in
    ``axes`` keeps ``n//2 + 1`` terms.

    Args:
        a (array): Input.
        s (list(int), optional): Sizes of the transformed axes (pad/truncate).
        axes (list(int), optional): Axes to transform (default as in ``fftn``).
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: complex64.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.rfftn(mx.ones((2, 4))).shape
        (2, 3)
    """

def irfftn(a: object, s: object | None = None, axes: object | None = None, norm: str = 'backward', stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Inverse of ``rfftn``.

    Args:
        a (array): Input.
        s (list(int), optional): Output sizes of the transformed axes; the last
            defaults to ``2 * (a.shape[axes[-1]] - 1)``.
        axes (list(int), optional): Axes to transform (default as in ``fftn``).
        norm (str): ``'backward'``, ``'ortho'`` or ``'forward'``.

    Returns:
        array: float32.

    Example:
        >>> import ember.core as mx
        >>> mx.fft.irfftn(mx.fft.rfftn(mx.ones((2, 4))), s=(2, 4)).tolist()
        [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
    """

def fftfreq(n: int, d: float = 1.0, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Sample frequencies of an FFT of length n (float32).

    Args:
        n (int): Window length.
        d (float): Sample spacing.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.fft.fftfreq(4).tolist()
        [0.0, 0.25, -0.5, -0.25]
    """

def rfftfreq(n: int, d: float = 1.0, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Sample frequencies of an rfft of length n: n//2 + 1 values (float32).

    Args:
        n (int): Window length.
        d (float): Sample spacing.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.fft.rfftfreq(4).tolist()
        [0.0, 0.25, 0.5]
    """

def fftshift(arg0: object, axes: object | None = None, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Moves the zero-frequency term to the centre (roll by n//2 per axis).

    Args:
        a (array): Input.
        axes (int | list[int] | None): Axes (None = all).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.fft.fftshift(mx.arange(5)).tolist()
        [3, 4, 0, 1, 2]
    """

def ifftshift(arg0: object, axes: object | None = None, stream: Stream | ThreadLocalStream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Inverse of fftshift (roll by -(n//2) per axis).

    Args:
        a (array): Input.
        axes (int | list[int] | None): Axes (None = all).

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.fft.ifftshift(mx.arange(5)).tolist()
        [2, 3, 4, 0, 1]
    """
