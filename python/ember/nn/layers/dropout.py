"""Dropout layers (identity in evaluation mode)."""

import ember.core as mx
from ember.nn.layers.base import Module

__all__ = ["Dropout", "Dropout2d", "Dropout3d"]


def _check_p(op, p):
    if not (0 <= p < 1):
        raise ValueError(f"[{op}] The dropout probability must be in [0, 1); got p={p}.")
    return 1 - p


class Dropout(Module):
    """Zeroes each element with probability ``p`` and scales the rest by ``1/(1-p)``.

    Args:
        p (float): Drop probability in ``[0, 1)``.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Dropout(0.5).eval()(mx.ones((2,))).tolist()
        [1.0, 1.0]
    """

    def __init__(self, p=0.5):
        super().__init__()
        self._p_1 = _check_p("Dropout", p)

    def _extra_repr(self):
        return f"p={1 - self._p_1}"

    def __call__(self, x):
        if self._p_1 == 1 or not self.training:
            return x
        mask = mx.random.bernoulli(self._p_1, x.shape)
        return (mask * x) * (1 / self._p_1)


class _ChannelDropout(Module):
    # Drops whole channels: one mask entry per (sample, channel), shared over
    # the spatial axes of a channels-last input.
    _name = ""
    _ndims = ()

    def __init__(self, p=0.5):
        super().__init__()
        self._p_1 = _check_p(self._name, p)

    def _extra_repr(self):
        return f"p={1 - self._p_1}"

    def __call__(self, x):
        if x.ndim not in self._ndims:
            raise ValueError(
                f"[{self._name}] Expected input with {self._ndims[0]} or "
                f"{self._ndims[1]} dimensions; got shape {tuple(x.shape)}."
            )
        if self._p_1 == 1 or not self.training:
            return x
        shape = list(x.shape)
        for axis in range(-self._ndims[0], -1):
            shape[axis] = 1
        mask = mx.random.bernoulli(self._p_1, shape)
        return (mask * x) * (1 / self._p_1)


class Dropout2d(_ChannelDropout):
    """Drops whole channels of ``(N, H, W, C)`` or ``(H, W, C)`` inputs.

    Args:
        p (float): Drop probability in ``[0, 1)``.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Dropout2d().eval()(mx.ones((1, 2, 2, 3))).shape
        (1, 2, 2, 3)
    """

    _name = "Dropout2d"
    _ndims = (3, 4)


class Dropout3d(_ChannelDropout):
    """Drops whole channels of ``(N, D, H, W, C)`` or ``(D, H, W, C)`` inputs.

    Args:
        p (float): Drop probability in ``[0, 1)``.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Dropout3d().eval()(mx.ones((1, 2, 2, 2, 3))).shape
        (1, 2, 2, 2, 3)
    """

    _name = "Dropout3d"
    _ndims = (4, 5)
