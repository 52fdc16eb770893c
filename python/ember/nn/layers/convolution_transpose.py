"""Channels-last transposed convolutions: ConvTranspose1d, ConvTranspose2d, ConvTranspose3d.

Weights have the layout ``(C_out, *kernel, C_in)``.
"""

import math

import ember.core as mx
from ember.nn.layers.base import Module
from ember.nn.layers.convolution import _ntuple

__all__ = ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


class _ConvTransposeNd(Module):
    _n = 0
    _conv = None

    def __init__(
        self, in_channels, out_channels, kernel_size, stride, padding, dilation,
        output_padding, bias,
    ):  # fmt: skip
        super().__init__()
        name = type(self).__name__
        kernel = _ntuple(name, "kernel_size", kernel_size, self._n)
        scale = math.sqrt(1.0 / (in_channels * math.prod(kernel)))
        self.weight = mx.random.uniform(-scale, scale, (out_channels, *kernel, in_channels))
        if bias:
            self.bias = mx.zeros((out_channels,))
        one = self._n == 1
        self.stride = stride if one else _ntuple(name, "stride", stride, self._n)
        self.padding = padding if one else _ntuple(name, "padding", padding, self._n)
        self.dilation = dilation if one else _ntuple(name, "dilation", dilation, self._n)
        self.output_padding = (
            output_padding if one else _ntuple(name, "output_padding", output_padding, self._n)
        )

    def _extra_repr(self):
        kernel = self.weight.shape[1:-1]
        kernel = kernel[0] if self._n == 1 else tuple(kernel)
        return (
            f"{self.weight.shape[-1]}, {self.weight.shape[0]}, kernel_size={kernel}, "
            f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
            f"output_padding={self.output_padding}, bias={'bias' in self}"
        )

    def __call__(self, x):
        y = type(self)._conv(
            x, self["weight"], self.stride, self.padding, self.dilation, self.output_padding
        )
        if "bias" in self:
            y = y + self["bias"]
        return y


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over ``(N, L, C_in)`` inputs.

    ``weight`` ``(C_out, k, C_in)`` from U(±sqrt(1/(C_in·k))), ``bias`` zeros.
    Output length ``(L - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Kernel width.
        stride (int): Stride.
        padding (int): Padding removed from both sides of the output.
        dilation (int): Kernel dilation.
        output_padding (int): Extra size added to one side of the output.
        bias (bool): Whether to add a bias.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.ConvTranspose1d(2, 4, 3, stride=2)(mx.zeros((1, 5, 2))).shape
        (1, 11, 4)
    """

    _n = 1
    _conv = staticmethod(mx.conv_transpose1d)

    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
        output_padding=0, bias=True,
    ):  # fmt: skip
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding,
            bias,
        )  # fmt: skip


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over ``(N, H, W, C_in)`` inputs.

    ``weight`` ``(C_out, kh, kw, C_in)`` from U(±sqrt(1/(C_in·kh·kw))), ``bias`` zeros.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int | tuple): Kernel size.
        stride (int | tuple): Stride.
        padding (int | tuple): Padding removed from both sides of the output.
        dilation (int | tuple): Kernel dilation.
        output_padding (int | tuple): Extra size added to one side of the output.
        bias (bool): Whether to add a bias.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.ConvTranspose2d(2, 4, 2, stride=2)(mx.zeros((1, 3, 3, 2))).shape
        (1, 6, 6, 4)
    """

    _n = 2
    _conv = staticmethod(mx.conv_transpose2d)

    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
        output_padding=0, bias=True,
    ):  # fmt: skip
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding,
            bias,
        )  # fmt: skip


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over ``(N, D, H, W, C_in)`` inputs.

    ``weight`` ``(C_out, kd, kh, kw, C_in)`` from U(±sqrt(1/(C_in·kd·kh·kw))),
    ``bias`` zeros.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int | tuple): Kernel size.
        stride (int | tuple): Stride.
        padding (int | tuple): Padding removed from both sides of the output.
        dilation (int | tuple): Kernel dilation.
        output_padding (int | tuple): Extra size added to one side of the output.
        bias (bool): Whether to add a bias.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.ConvTranspose3d(2, 4, 2, stride=2)(mx.zeros((1, 2, 2, 2, 2))).shape
        (1, 4, 4, 4, 4)
    """

    _n = 3
    _conv = staticmethod(mx.conv_transpose3d)

    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
        output_padding=0, bias=True,
    ):  # fmt: skip
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, output_padding,
            bias,
        )  # fmt: skip
