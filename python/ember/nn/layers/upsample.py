"""Upsampling of channels-last inputs: nearest, linear and cubic interpolation.

Each spatial axis is resampled separately: for output position ``i`` a few
source indices and weights are computed on the host (they depend only on the
sizes), gathered with ``take`` and summed. Source coordinates follow the
PyTorch conventions: ``(i + 0.5) / scale - 0.5`` (``align_corners=False``) or
``i·(N - 1)/(M - 1)`` (``align_corners=True``); nearest uses ``floor(i / scale)``.
"""

import math

import numpy as np

import ember.core as mx
from ember.nn.layers.base import Module

__all__ = ["Upsample"]

_CUBIC_A = -0.5


def _cubic(t):
    t = np.abs(t)
    a = _CUBIC_A
    near = ((a + 2) * t - (a + 3)) * t * t + 1
    far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return np.where(t <= 1, near, np.where(t < 2, far, 0.0))


def _triangle(t):
    return np.maximum(0.0, 1.0 - np.abs(t))


def _source_coords(n, m, scale, align_corners):
    i = np.arange(m, dtype=np.float64)
    if align_corners:
        return i * ((n - 1) / (m - 1)) if m > 1 else np.zeros(m)
    return (i + 0.5) / scale - 0.5


def _taps(mode, n, m, scale, align_corners, antialias):
    """Host-side ``(indices (m, T), weights (m, T))`` of one axis."""
    if mode == "nearest":
        idx = np.minimum(np.floor(np.arange(m) / scale), n - 1).astype(np.int64)
        return idx[:, None], np.ones((m, 1))
    kernel, radius = (_triangle, 1.0) if mode == "linear" else (_cubic, 2.0)
    if antialias and m < n:
        # Downsampling: widen the filter by the scale so that every input
        # sample contributes (PIL/PyTorch antialias), then renormalise.
        ratio = (n - 1) / (m - 1) if (align_corners and m > 1) else n / m
        support = radius * ratio
        if align_corners:
            centers = np.arange(m) * ratio + 0.5
        else:
            centers = (np.arange(m) + 0.5) * ratio
        lo = np.maximum(np.trunc(centers - support + 0.5), 0).astype(np.int64)
        hi = np.minimum(np.trunc(centers + support + 0.5), n).astype(np.int64)
        width = int((hi - lo).max())
        idx = lo[:, None] + np.arange(width)[None, :]
        w = kernel((idx - centers[:, None] + 0.5) / ratio)
        w = np.where(idx < hi[:, None], w, 0.0)
        w = w / w.sum(axis=1, keepdims=True)
        return np.minimum(idx, n - 1), w
    src = _source_coords(n, m, scale, align_corners)
    if mode == "linear":
        src = np.clip(src, 0, n - 1)
        lo = np.floor(src)
        frac = src - lo
        idx = np.stack([lo, np.minimum(lo + 1, n - 1)], axis=1)
        w = np.stack([1 - frac, frac], axis=1)
    else:
        lo = np.floor(src)
        frac = src - lo
        offsets = np.arange(-1, 3)
        idx = lo[:, None] + offsets[None, :]
        w = _cubic(frac[:, None] - offsets[None, :])
        idx = np.clip(idx, 0, n - 1)
    return idx.astype(np.int64), w


def _check(op, x, scale_factor):
    dims = x.ndim - 2
    if dims < 1:
        raise ValueError(
            f"[{op}] Expected input of shape (N, *spatial, C) with at least one spatial "
            f"dimension; got shape {tuple(x.shape)}."
        )
    scale_factor = tuple(scale_factor)
    if len(scale_factor) != dims:
        raise ValueError(
            f"[{op}] Expected {dims} scale factors (one per spatial dimension); got "
            f"{scale_factor}."
        )
    if any(not s > 0 for s in scale_factor):
        raise ValueError(f"[{op}] Scale factors must be positive; got {scale_factor}.")
    return scale_factor


def _resample(op, x, scale_factor, mode, align_corners=False, antialias=False):
    scale_factor = _check(op, x, scale_factor)
    compute = x.dtype if mx.issubdtype(x.dtype, mx.floating) else mx.float32
    y = x
    for d, scale in enumerate(scale_factor):
        axis = d + 1
        n = x.shape[axis]
        m = int(scale * n)
        if m < 1 and n > 0:
            raise ValueError(
                f"[{op}] Scale factor {scale} turns spatial size {n} into {m}; the output "
                "must keep at least one element."
            )
        if m == n and scale == 1:
            continue
        if mode == "nearest" and float(scale).is_integer() and m == n * int(scale):
            y = mx.repeat(y, int(scale), axis=axis)
            continue
        idx, w = _taps(mode, n, m, scale, align_corners, antialias)
        taps = idx.shape[1]
        gathered = mx.take(y, mx.array(idx.reshape(-1).astype(np.int32)), axis=axis)
        if taps == 1:
            y = gathered
            continue
        shape = list(y.shape)
        shape[axis : axis + 1] = [m, taps]
        gathered = gathered.reshape(shape).astype(compute)
        wshape = [1] * len(shape)
        wshape[axis : axis + 2] = [m, taps]
        weights = mx.array(w.reshape(wshape), dtype=compute)
        y = (gathered * weights).sum(axis=axis + 1)
    return y


def upsample_nearest(x, scale_factor):
    """Nearest-neighbour resampling: output ``i`` takes input ``floor(i / scale)``.

    Args:
        x (array): ``(N, *spatial, C)``.
        scale_factor (tuple[float]): One scale per spatial axis.

    Returns:
        array: ``(N, *[int(s·n)], C)``.

    Example:
        >>> import ember.core as mx
        >>> from ember.nn.layers.upsample import upsample_nearest
        >>> upsample_nearest(mx.array([[[1.0], [2.0]]]), (2,)).reshape(-1).tolist()
        [1.0, 1.0, 2.0, 2.0]
    """
    return _resample("upsample_nearest", x, scale_factor, "nearest")


def upsample_linear(x, scale_factor, align_corners=False, antialias=False):
    """(Multi-)linear interpolation along every spatial axis.

    Args:
        x (array): ``(N, *spatial, C)``.
        scale_factor (tuple[float]): One scale per spatial axis.
        align_corners (bool): Map the corner samples onto each other.
        antialias (bool): When downsampling, average over the whole footprint.

    Returns:
        array: ``(N, *[int(s·n)], C)``.

    Example:
        >>> import ember.core as mx
        >>> from ember.nn.layers.upsample import upsample_linear
        >>> upsample_linear(mx.array([[[0.0], [1.0]]]), (2,), True).reshape(-1).tolist()
        [0.0, 0.3333333432674408, 0.6666666865348816, 1.0]
    """
    return _resample("upsample_linear", x, scale_factor, "linear", align_corners, antialias)


def upsample_cubic(x, scale_factor, align_corners=False, antialias=False):
    """Cubic convolution (a = -0.5) along every spatial axis; borders are replicated.

    Args:
        x (array): ``(N, *spatial, C)``.
        scale_factor (tuple[float]): One scale per spatial axis.
        align_corners (bool): Map the corner samples onto each other.
        antialias (bool): When downsampling, average over the whole footprint.

    Returns:
        array: ``(N, *[int(s·n)], C)``.

    Example:
        >>> import ember.core as mx
        >>> from ember.nn.layers.upsample import upsample_cubic
        >>> upsample_cubic(mx.ones((1, 2, 1)), (2,)).reshape(-1).tolist()
        [1.0, 1.0, 1.0, 1.0]
    """
    return _resample("upsample_cubic", x, scale_factor, "cubic", align_corners, antialias)


class Upsample(Module):
    """Upsamples ``(N, *spatial, C)`` inputs by ``scale_factor``.

    Args:
        scale_factor (float | tuple): One scale, or one per spatial axis.
        mode (str): ``'nearest'``, ``'linear'`` or ``'cubic'``.
        align_corners (bool): Corner-aligned coordinates (linear/cubic).
        antialias (bool): Antialiased downsampling (linear/cubic only).

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Upsample(2)(mx.zeros((1, 3, 3, 2))).shape
        (1, 6, 6, 2)
    """

    _MODES = ("nearest", "linear", "cubic")

    def __init__(self, scale_factor, mode="nearest", align_corners=False, antialias=False):
        super().__init__()
        if mode not in self._MODES:
            raise ValueError(
                f"[Upsample] mode must be 'nearest', 'linear' or 'cubic'; got {mode!r}."
            )
        if mode == "nearest" and antialias:
            raise ValueError("[Upsample] antialias is not supported with mode='nearest'.")
        if isinstance(scale_factor, (list, tuple)):
            self.scale_factor = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor)
        self.mode = mode
        self.align_corners = align_corners
        self.antialias = antialias

    def _extra_repr(self):
        return (
            f"scale_factor={self.scale_factor}, mode={self.mode!r}, "
            f"align_corners={self.align_corners}, antialias={self.antialias}"
        )

    def __call__(self, x):
        dims = x.ndim - 2
        if dims < 1:
            raise ValueError(
                f"[Upsample] Expected input of shape (N, *spatial, C) with at least one "
                f"spatial dimension; got shape {tuple(x.shape)}."
            )
        scale = self.scale_factor
        if isinstance(scale, tuple):
            if len(scale) != dims:
                raise ValueError(
                    f"[Upsample] Expected {dims} scale factors for input shape "
                    f"{tuple(x.shape)}; got {scale}."
                )
        else:
            scale = (scale,) * dims
        if self.mode == "nearest":
            return upsample_nearest(x, scale)
        if self.mode == "linear":
            return upsample_linear(x, scale, self.align_corners, self.antialias)
        return upsample_cubic(x, scale, self.align_corners, self.antialias)
