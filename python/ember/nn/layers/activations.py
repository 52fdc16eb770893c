"""Activation functions and their Module wrappers (``mlx.nn`` activations)."""

import math

import ember.core as mx
from ember.nn.layers.base import Module

__all__ = [
    "celu", "elu", "gelu", "gelu_approx", "gelu_fast_approx", "glu", "hard_shrink",
    "hard_tanh", "hardswish", "leaky_relu", "log_sigmoid", "log_softmax", "mish",
    "prelu", "relu", "relu2", "relu6", "selu", "sigmoid", "silu", "softmax", "softmin",
    "softplus", "softshrink", "softsign", "step", "tanh",
    "CELU", "ELU", "GELU", "GLU", "HardShrink", "HardTanh", "Hardswish", "LeakyReLU",
    "LogSigmoid", "LogSoftmax", "Mish", "PReLU", "ReLU", "ReLU2", "ReLU6", "SELU",
    "SiLU", "Sigmoid", "Softmax", "Softmin", "Softplus", "Softshrink", "Softsign",
    "Step", "Tanh",
]  # fmt: skip


def _zero(x):
    return mx.array(0, dtype=x.dtype)


# Elementwise chains compiled for any shape, as in MLX: on the GPU each runs
# as one generated kernel (compile's fusion); the public functions below keep
# their own names and docstrings.
_silu = mx.compile(lambda x: x * mx.sigmoid(x), shapeless=True)
_gelu = mx.compile(lambda x: x * (1 + mx.erf(x / math.sqrt(2))) / 2, shapeless=True)
_gelu_approx = mx.compile(
    lambda x: 0.5 * x * (1 + mx.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    shapeless=True,
)
_gelu_fast_approx = mx.compile(lambda x: x * mx.sigmoid(1.702 * x), shapeless=True)


def _fusable(x):
    return isinstance(x, mx.array)


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.sigmoid(mx.array([0.0])).tolist()
        [0.5]
    """
    return mx.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.tanh(mx.array([0.0])).tolist()
        [0.0]
    """
    return mx.tanh(x)


def relu(x):
    """``max(x, 0)``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.relu(mx.array([-1.0, 2.0])).tolist()
        [0.0, 2.0]
    """
    return mx.maximum(x, 0)


def relu2(x):
    """``relu(x) ** 2``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.relu2(mx.array([-1.0, 3.0])).tolist()
        [0.0, 9.0]
    """
    return mx.square(mx.maximum(x, 0))


def relu6(x):
    """``min(max(x, 0), 6)``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.relu6(mx.array([-1.0, 8.0])).tolist()
        [0.0, 6.0]
    """
    return mx.minimum(mx.maximum(x, 0), 6.0)


def leaky_relu(x, negative_slope=0.01):
    """``max(negative_slope * x, x)``.

    Args:
        x (array): Input.
        negative_slope (float): Slope for negative inputs.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.leaky_relu(mx.array([-2.0, 2.0]), 0.5).tolist()
        [-1.0, 2.0]
    """
    return mx.maximum(negative_slope * x, x)


def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        x (array): Input.
        alpha (float): Scale of the negative part.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.elu(mx.array([1.0])).tolist()
        [1.0]
    """
    return mx.where(x > 0, x, alpha * (mx.exp(x) - 1))


def celu(x, alpha=1.0):
    """``max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)``.

    Args:
        x (array): Input.
        alpha (float): Scale of the negative part.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.celu(mx.array([2.0])).tolist()
        [2.0]
    """
    return mx.maximum(x, 0.0) + alpha * (mx.exp(mx.minimum(x, 0.0) / alpha) - 1)


def selu(x):
    """Scaled ELU: ``1.0507 * elu(x, 1.67326)``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> round(nn.selu(mx.array([1.0])).item(), 4)
        1.0507
    """
    return elu(x, 1.67326) * 1.0507


def silu(x):
    """``x * sigmoid(x)`` (swish).

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.silu(mx.array([0.0])).tolist()
        [0.0]
    """
    return _silu(x) if _fusable(x) else x * mx.sigmoid(x)


def gelu(x):
    """Exact GELU ``x * (1 + erf(x / sqrt(2))) / 2``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.gelu(mx.array([0.0])).tolist()
        [0.0]
    """
    return _gelu(x) if _fusable(x) else x * (1 + mx.erf(x / math.sqrt(2))) / 2


def gelu_approx(x):
    """Tanh approximation ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.gelu_approx(mx.array([0.0])).tolist()
        [0.0]
    """
    if _fusable(x):
        return _gelu_approx(x)
    return 0.5 * x * (1 + mx.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def gelu_fast_approx(x):
    """Sigmoid approximation ``x * sigmoid(1.702 x)``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.gelu_fast_approx(mx.array([0.0])).tolist()
        [0.0]
    """
    return _gelu_fast_approx(x) if _fusable(x) else x * mx.sigmoid(1.702 * x)


def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in halves ``a, b`` along ``axis``; ``a * sigmoid(b)``.

    Args:
        x (array): Input; ``x.shape[axis]`` must be even.
        axis (int): Axis to split.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.glu(mx.array([2.0, 0.0])).tolist()
        [1.0]
    """
    if x.shape[axis] % 2 != 0:
        raise ValueError(f"[glu] The size of axis {axis} must be even; got shape {tuple(x.shape)}.")
    a, b = mx.split(x, 2, axis=axis)
    return a * mx.sigmoid(b)


def softplus(x):
    """``log(1 + exp(x))`` computed as ``logaddexp(x, 0)``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> round(nn.softplus(mx.array([0.0])).item(), 4)
        0.6931
    """
    return mx.logaddexp(x, _zero(x))


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> round(nn.log_sigmoid(mx.array([0.0])).item(), 4)
        -0.6931
    """
    return -softplus(-x)


def softsign(x):
    """``x / (1 + |x|)``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.softsign(mx.array([1.0])).tolist()
        [0.5]
    """
    return mx.divide(x, 1 + mx.abs(x))


def mish(x):
    """``x * tanh(softplus(x))``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.mish(mx.array([0.0])).tolist()
        [0.0]
    """
    return x * mx.tanh(softplus(x))


def softshrink(x, lambd=0.5):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Args:
        x (array): Input.
        lambd (float): Threshold.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.softshrink(mx.array([1.0, 0.2, -1.0])).tolist()
        [0.5, 0.0, -0.5]
    """
    return mx.where(mx.abs(x) > lambd, x - mx.sign(x) * lambd, _zero(x))


def hard_shrink(x, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0.

    Args:
        x (array): Input.
        lambd (float): Threshold.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.hard_shrink(mx.array([1.0, 0.2])).tolist()
        [1.0, 0.0]
    """
    return mx.where(mx.abs(x) > lambd, x, _zero(x))


def hard_tanh(x, min_val=-1.0, max_val=1.0):
    """Clips ``x`` to ``[min_val, max_val]``.

    Args:
        x (array): Input.
        min_val (float): Lower bound.
        max_val (float): Upper bound.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.hard_tanh(mx.array([-3.0, 0.5, 3.0])).tolist()
        [-1.0, 0.5, 1.0]
    """
    return mx.minimum(mx.maximum(x, min_val), max_val)


def hardswish(x):
    """``x * min(max(x + 3, 0), 6) / 6``.

    Args:
        x (array): Input.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.hardswish(mx.array([3.0])).tolist()
        [3.0]
    """
    return x * mx.minimum(mx.maximum(x + 3, 0), 6) / 6


def step(x, threshold=0.0):
    """1 where ``x >= threshold``, else 0 (integer result).

    Args:
        x (array): Input.
        threshold (float): Threshold.

    Returns:
        array: int32.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.step(mx.array([-1.0, 0.0, 2.0])).tolist()
        [0, 1, 1]
    """
    return mx.where(x >= threshold, 1, 0)


def prelu(x, alpha):
    """``max(0, x) + alpha * min(0, x)``.

    Args:
        x (array): Input.
        alpha (array): Slope(s) of the negative part (broadcast against ``x``).

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.prelu(mx.array([-2.0, 2.0]), mx.array([0.5])).tolist()
        [-1.0, 2.0]
    """
    return mx.maximum(0, x) + alpha * mx.minimum(0, x)


def softmax(x, axis=-1):
    """Softmax along ``axis``.

    Args:
        x (array): Input.
        axis (int): Axis to normalise.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.softmax(mx.array([0.0, 0.0])).tolist()
        [0.5, 0.5]
    """
    return mx.softmax(x, axis=axis)


def softmin(x, axis=-1):
    """``softmax(-x)`` along ``axis``.

    Args:
        x (array): Input.
        axis (int): Axis to normalise.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.softmin(mx.array([0.0, 0.0])).tolist()
        [0.5, 0.5]
    """
    return mx.softmax(-x, axis=axis)


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``, shifted by the (constant) maximum.

    Args:
        x (array): Input.
        axis (int): Axis to normalise.

    Returns:
        array

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> round(nn.log_softmax(mx.array([0.0, 0.0])).tolist()[0], 4)
        -0.6931
    """
    shifted = x - mx.stop_gradient(mx.max(x, axis=axis, keepdims=True))
    return shifted - mx.logsumexp(shifted, axis=axis, keepdims=True)


class _Elementwise(Module):
    # Module wrapper of a function without parameters.
    _fn = None

    def __call__(self, x):
        return type(self)._fn(x)


def _wrap(fn, name, doc):
    cls = type(name, (_Elementwise,), {"_fn": staticmethod(fn), "__doc__": doc})
    cls.__module__ = __name__
    return cls


ReLU = _wrap(relu, "ReLU", "Applies :func:`relu`.")
ReLU2 = _wrap(relu2, "ReLU2", "Applies :func:`relu2`.")
ReLU6 = _wrap(relu6, "ReLU6", "Applies :func:`relu6`.")
Sigmoid = _wrap(sigmoid, "Sigmoid", "Applies :func:`sigmoid`.")
Tanh = _wrap(tanh, "Tanh", "Applies :func:`tanh`.")
SiLU = _wrap(silu, "SiLU", "Applies :func:`silu`.")
Mish = _wrap(mish, "Mish", "Applies :func:`mish`.")
SELU = _wrap(selu, "SELU", "Applies :func:`selu`.")
Softplus = _wrap(softplus, "Softplus", "Applies :func:`softplus`.")
Softsign = _wrap(softsign, "Softsign", "Applies :func:`softsign`.")
Hardswish = _wrap(hardswish, "Hardswish", "Applies :func:`hardswish`.")
HardTanh = _wrap(hard_tanh, "HardTanh", "Applies :func:`hard_tanh` with bounds ±1.")
LogSigmoid = _wrap(log_sigmoid, "LogSigmoid", "Applies :func:`log_sigmoid`.")
Softmax = _wrap(softmax, "Softmax", "Applies :func:`softmax` over the last axis.")
LogSoftmax = _wrap(log_softmax, "LogSoftmax", "Applies :func:`log_softmax` over the last axis.")
Softmin = _wrap(softmin, "Softmin", "Applies :func:`softmin` over the last axis.")


class LeakyReLU(Module):
    """Applies :func:`leaky_relu`.

    Args:
        negative_slope (float): Slope for negative inputs.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.LeakyReLU(0.5)(mx.array([-2.0])).tolist()
        [-1.0]
    """

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self._negative_slope = negative_slope

    def __call__(self, x):
        return leaky_relu(x, self._negative_slope)


class ELU(Module):
    """Applies :func:`elu`.

    Args:
        alpha (float): Scale of the negative part.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.ELU()(mx.array([1.0])).tolist()
        [1.0]
    """

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return elu(x, self._alpha)


class CELU(Module):
    """Applies :func:`celu`.

    Args:
        alpha (float): Scale of the negative part.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.CELU()(mx.array([1.0])).tolist()
        [1.0]
    """

    def __init__(self, alpha=1.0):
        super().__init__()
        self._alpha = alpha

    def __call__(self, x):
        return celu(x, self._alpha)


class Softshrink(Module):
    """Applies :func:`softshrink`.

    Args:
        lambd (float): Threshold.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Softshrink()(mx.array([1.0])).tolist()
        [0.5]
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return softshrink(x, self.lambd)


class HardShrink(Module):
    """Applies :func:`hard_shrink`.

    Args:
        lambd (float): Threshold.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.HardShrink()(mx.array([0.2])).tolist()
        [0.0]
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def __call__(self, x):
        return hard_shrink(x, self.lambd)


class Step(Module):
    """Applies :func:`step`.

    Args:
        threshold (float): Threshold.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Step()(mx.array([1.0])).tolist()
        [1]
    """

    def __init__(self, threshold=0.0):
        super().__init__()
        self.threshold = threshold

    def __call__(self, x):
        return step(x, self.threshold)


class GLU(Module):
    """Applies :func:`glu`.

    Args:
        axis (int): Axis to split.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.GLU()(mx.array([2.0, 0.0])).tolist()
        [1.0]
    """

    def __init__(self, axis=-1):
        super().__init__()
        self.axis = axis

    def __call__(self, x):
        return glu(x, self.axis)


class GELU(Module):
    """Applies :func:`gelu` or one of its approximations.

    Args:
        approx (str): ``'none'`` (exact), ``'precise'`` or ``'tanh'``
            (:func:`gelu_approx`), ``'fast'`` (:func:`gelu_fast_approx`).

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.GELU("tanh")(mx.array([0.0])).tolist()
        [0.0]
    """

    _FUNCTIONS = {
        "none": gelu,
        "precise": gelu_approx,
        "tanh": gelu_approx,
        "fast": gelu_fast_approx,
    }

    def __init__(self, approx="none"):
        super().__init__()
        if approx not in self._FUNCTIONS:
            raise ValueError(
                f"[GELU] approx must be 'none', 'precise', 'tanh' or 'fast'; got {approx!r}."
            )
        self._act = self._FUNCTIONS[approx]

    def __call__(self, x):
        return self._act(x)


class PReLU(Module):
    """Applies :func:`prelu` with a learned slope ``weight`` (``num_parameters``,).

    Args:
        num_parameters (int): Number of slopes (1, or the channel count).
        init (float): Initial slope.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.PReLU()(mx.array([-4.0])).tolist()
        [-1.0]
    """

    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.weight = mx.full([num_parameters], init)

    def __call__(self, x):
        return prelu(x, self.weight)
