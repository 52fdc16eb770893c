"""Max and average pooling over the spatial axes of channels-last inputs."""

import math

import ember.core as mx
from ember.nn.layers.base import Module
from ember.nn.layers.convolution import _ntuple

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d"]


def _sliding_windows(op, x, window, strides):
    """View of ``x`` ``(N, *S, C)`` as ``(N, *out, *window, C)`` (no copy)."""
    n = len(window)
    if x.ndim != n + 2:
        raise ValueError(
            f"[{op}] Expected input of shape (N, {n} spatial dims, C); got shape "
            f"{tuple(x.shape)}."
        )
    shape = tuple(x.shape)
    elem_strides = [1] * x.ndim
    for axis in range(x.ndim - 2, -1, -1):
        elem_strides[axis] = elem_strides[axis + 1] * shape[axis + 1]
    spatial = shape[1:-1]
    out = []
    for size, w, s in zip(spatial, window, strides):
        if size < w:
            raise ValueError(
                f"[{op}] The (padded) input {spatial} is smaller than the kernel "
                f"{tuple(window)}."
            )
        out.append((size - w) // s + 1)
    view_shape = [shape[0], *out, *window, shape[-1]]
    view_strides = [
        elem_strides[0],
        *(elem_strides[1 + i] * strides[i] for i in range(n)),
        *elem_strides[1:-1],
        elem_strides[-1],
    ]
    return mx.as_strided(x, view_shape, view_strides)


class _PoolNd(Module):
    _n = 0

    def __init__(self, kernel_size, stride, padding):
        super().__init__()
        name = type(self).__name__
        self._kernel_size = _ntuple(name, "kernel_size", kernel_size, self._n)
        self._stride = (
            self._kernel_size if stride is None else _ntuple(name, "stride", stride, self._n)
        )
        self._padding = _ntuple(name, "padding", padding, self._n)
        if any(k <= 0 for k in self._kernel_size) or any(s <= 0 for s in self._stride):
            raise ValueError(
                f"[{name}] kernel_size and stride must be positive; got kernel_size="
                f"{self._kernel_size}, stride={self._stride}."
            )
        if any(p < 0 or p > k // 2 for p, k in zip(self._padding, self._kernel_size)):
            raise ValueError(
                f"[{name}] padding must be in [0, kernel_size // 2]; got padding="
                f"{self._padding}, kernel_size={self._kernel_size}."
            )
        self._axes = tuple(range(-self._n - 1, -1))

    def _extra_repr(self):
        return f"kernel_size={self._kernel_size}, stride={self._stride}, padding={self._padding}"

    def _pad_value(self, dtype):
        return 0

    def _reduce(self, windows):
        raise NotImplementedError

    def __call__(self, x):
        if any(self._padding):
            widths = [(0, 0)] + [(p, p) for p in self._padding] + [(0, 0)]
            x = mx.pad(x, widths, constant_values=self._pad_value(x.dtype))
        windows = _sliding_windows(type(self).__name__, x, self._kernel_size, self._stride)
        return self._reduce(windows)


class _MaxPool(_PoolNd):
    def _pad_value(self, dtype):
        if mx.issubdtype(dtype, mx.inexact):
            return -math.inf
        if dtype == mx.bool_:
            return False
        return mx.iinfo(dtype).min

    def _reduce(self, windows):
        return mx.max(windows, axis=self._axes)


class _AvgPool(_PoolNd):
    # Padded zeros count in the mean (count_include_pad).
    def _reduce(self, windows):
        return mx.mean(windows, axis=self._axes)


_POOL_DOC = """{kind} pooling over the {n}-D spatial axes of ``(N, {dims}, C)`` inputs.

    Args:
        kernel_size (int | tuple): Window size.
        stride (int | tuple | None): Window step (default: ``kernel_size``).
        padding (int | tuple): Symmetric padding ({pad}), at most ``kernel_size // 2``.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.{name}(2)(mx.zeros((1, {example}, 3))).shape
        (1, {result}, 3)
    """


def _pool_class(name, base, n):
    dims = ", ".join(["L"] if n == 1 else ["D", "H", "W"][3 - n :])
    doc = _POOL_DOC.format(
        kind="Max" if base is _MaxPool else "Average",
        n=n,
        dims=dims,
        pad="with -inf" if base is _MaxPool else "with zeros, counted in the mean",
        name=name,
        example=", ".join(["4"] * n),
        result=", ".join(["2"] * n),
    )

    def __init__(self, kernel_size, stride=None, padding=0):
        base.__init__(self, kernel_size, stride, padding)

    cls = type(name, (base,), {"_n": n, "__init__": __init__, "__doc__": doc})
    cls.__module__ = __name__
    return cls


MaxPool1d = _pool_class("MaxPool1d", _MaxPool, 1)
MaxPool2d = _pool_class("MaxPool2d", _MaxPool, 2)
MaxPool3d = _pool_class("MaxPool3d", _MaxPool, 3)
AvgPool1d = _pool_class("AvgPool1d", _AvgPool, 1)
AvgPool2d = _pool_class("AvgPool2d", _AvgPool, 2)
AvgPool3d = _pool_class("AvgPool3d", _AvgPool, 3)
