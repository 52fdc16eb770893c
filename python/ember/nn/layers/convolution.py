"""Channels-last convolutions: Conv1d, Conv2d, Conv3d.

Weights have the layout ``(C_out, *kernel, C_in / groups)``.
"""

import math

import ember.core as mx
from ember.nn.layers.base import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d"]


def _ntuple(op, name, value, n):
    """``value`` as an n-tuple of ints (an int is repeated)."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(f"[{op}] {name} must be an int or a tuple of {n} ints; got {value}.")
    return value


class _ConvNd(Module):
    _n = 0
    _conv = None

    def __init__(
        self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
    ):
        super().__init__()
        name = type(self).__name__
        if groups <= 0 or in_channels % groups != 0 or out_channels % groups != 0:
            raise ValueError(
                f"[{name}] in_channels and out_channels must be divisible by groups; got "
                f"in_channels={in_channels}, out_channels={out_channels}, groups={groups}."
            )
        kernel = _ntuple(name, "kernel_size", kernel_size, self._n)
        scale = math.sqrt(1.0 / (in_channels * math.prod(kernel)))
        self.weight = mx.random.uniform(
            -scale, scale, (out_channels, *kernel, in_channels // groups)
        )
        if bias:
            self.bias = mx.zeros((out_channels,))
        one = self._n == 1
        self.stride = stride if one else _ntuple(name, "stride", stride, self._n)
        self.padding = padding if one else _ntuple(name, "padding", padding, self._n)
        self.dilation = dilation if one else _ntuple(name, "dilation", dilation, self._n)
        self.groups = groups

    def _extra_repr(self):
        kernel = self.weight.shape[1:-1]
        kernel = kernel[0] if self._n == 1 else tuple(kernel)
        text = (
            f"{self.weight.shape[-1] * self.groups}, {self.weight.shape[0]}, "
            f"kernel_size={kernel}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, "
        )
        if self._n < 3:
            text += f"groups={self.groups}, "
        return text + f"bias={'bias' in self}"

    def __call__(self, x):
        y = type(self)._conv(
            x, self["weight"], self.stride, self.padding, self.dilation, self.groups
        )
        if "bias" in self:
            y = y + self["bias"]
        return y


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, L, C_in)`` inputs.

    ``weight`` ``(C_out, k, C_in/groups)`` from U(±sqrt(1/(C_in·k))), ``bias`` zeros.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Kernel width.
        stride (int): Stride.
        padding (int): Zero padding on both sides.
        dilation (int): Kernel dilation.
        groups (int): Channel groups (divides ``in_channels``).
        bias (bool): Whether to add a bias.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Conv1d(2, 4, 3)(mx.zeros((1, 8, 2))).shape
        (1, 6, 4)
    """

    _n = 1
    _conv = staticmethod(mx.conv1d)

    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
        groups=1, bias=True,
    ):  # fmt: skip
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
        )


class Conv2d(_ConvNd):
    """2-D convolution over ``(N, H, W, C_in)`` inputs.

    ``weight`` ``(C_out, kh, kw, C_in/groups)`` from U(±sqrt(1/(C_in·kh·kw))),
    ``bias`` zeros.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int | tuple): Kernel size.
        stride (int | tuple): Stride.
        padding (int | tuple): Zero padding on both sides.
        dilation (int | tuple): Kernel dilation.
        groups (int): Channel groups (divides ``in_channels``).
        bias (bool): Whether to add a bias.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Conv2d(2, 4, 3, padding=1)(mx.zeros((1, 5, 5, 2))).shape
        (1, 5, 5, 4)
    """

    _n = 2
    _conv = staticmethod(mx.conv2d)

    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
        groups=1, bias=True,
    ):  # fmt: skip
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
        )


class Conv3d(_ConvNd):
    """3-D convolution over ``(N, D, H, W, C_in)`` inputs (no groups).

    ``weight`` ``(C_out, kd, kh, kw, C_in)`` from U(±sqrt(1/(C_in·kd·kh·kw))),
    ``bias`` zeros.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int | tuple): Kernel size.
        stride (int | tuple): Stride.
        padding (int | tuple): Zero padding on both sides.
        dilation (int | tuple): Kernel dilation.
        bias (bool): Whether to add a bias.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Conv3d(2, 4, 3)(mx.zeros((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 4)
    """

    _n = 3
    _conv = staticmethod(mx.conv3d)

    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
        bias=True,
    ):  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, 1, bias)
