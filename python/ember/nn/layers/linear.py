"""Identity, Linear and Bilinear layers."""

import math

import ember.core as mx
from ember.nn.layers.base import Module

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged; constructor arguments are ignored.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Identity(3, foo=1)(mx.array([1.0])).tolist()
        [1.0]
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def __call__(self, x):
        return x


class Linear(Module):
    """Affine map ``y = x @ weight.T + bias``.

    ``weight`` has shape ``(output_dims, input_dims)`` and ``bias``
    ``(output_dims,)``, both drawn from U(±1/sqrt(input_dims)).

    Args:
        input_dims (int): Size of the input features.
        output_dims (int): Size of the output features.
        bias (bool): Whether to add a bias.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Linear(4, 2)(mx.zeros((3, 4))).shape
        (3, 2)
    """

    def __init__(self, input_dims, output_dims, bias=True):
        super().__init__()
        scale = math.sqrt(1.0 / input_dims)
        self.weight = mx.random.uniform(-scale, scale, (output_dims, input_dims))
        if bias:
            self.bias = mx.random.uniform(-scale, scale, (output_dims,))

    def _extra_repr(self):
        out, inp = self.weight.shape
        return f"input_dims={inp}, output_dims={out}, bias={'bias' in self}"

    def __call__(self, x):
        if "bias" in self:
            return mx.addmm(self["bias"], x, self["weight"].T)
        return x @ self["weight"].T


class Bilinear(Module):
    """Bilinear map ``y_k = x1 @ weight[k] @ x2 + bias_k``.

    ``weight`` has shape ``(output_dims, input2_dims, input1_dims)`` and
    ``bias`` ``(output_dims,)``, both U(±1/sqrt(input1_dims)).

    Args:
        input1_dims (int): Features of the first input.
        input2_dims (int): Features of the second input.
        output_dims (int): Output features.
        bias (bool): Whether to add a bias.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Bilinear(2, 3, 4)(mx.zeros((5, 2)), mx.zeros((5, 3))).shape
        (5, 4)
    """

    def __init__(self, input1_dims, input2_dims, output_dims, bias=True):
        super().__init__()
        scale = math.sqrt(1.0 / input1_dims)
        self.weight = mx.random.uniform(-scale, scale, (output_dims, input2_dims, input1_dims))
        if bias:
            self.bias = mx.random.uniform(-scale, scale, (output_dims,))

    def _extra_repr(self):
        out, in2, in1 = self.weight.shape
        return f"input1_dims={in1}, input2_dims={in2}, output_dims={out}, bias={'bias' in self}"

    def __call__(self, x1, x2):
        out, in2, in1 = self.weight.shape
        if x1.shape[-1] != in1 or x2.shape[-1] != in2:
            raise ValueError(
                f"[Bilinear] Expected inputs with {in1} and {in2} features; got shapes "
                f"{tuple(x1.shape)} and {tuple(x2.shape)}."
            )
        batch = x1.shape[:-1]
        a = x1.reshape(-1, in1)
        b = x2.reshape(-1, in2)
        # (n, in1) @ (in1, out*in2) -> (n, out, in2), then contract with x2.
        w = self.weight.reshape(out * in2, in1).T
        y = (a @ w).reshape(-1, out, in2)
        y = (y @ b[:, :, None]).squeeze(-1)
        if "bias" in self:
            y = y + self.bias
        return y.reshape(*batch, out)
