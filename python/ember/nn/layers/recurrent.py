"""Recurrent layers: ``RNN``, ``GRU``, ``LSTM``.

Inputs are ``(..., L, D)`` (an optional batch prefix, then time, then
features); every layer returns the hidden state of every step,
``(..., L, H)``. Parameters are drawn from ``U(-1/sqrt(H), 1/sqrt(H))``.
"""

import math

from ember.nn.layers.base import Module

import ember.core as mx

__all__ = ["RNN", "GRU", "LSTM"]


def _check_sizes(name, input_size, hidden_size):
    for what, v in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(v, int) or v <= 0:
            raise ValueError(f"[{name}] {what} must be a positive integer; got {v!r}.")


def _check_input(name, x, input_size):
    if x.ndim < 2 or x.shape[-1] != input_size:
        raise ValueError(
            f"[{name}] Expected input of shape (..., L, {input_size}); got "
            f"{tuple(x.shape)}."
        )


def _project(x, w, b):
    # All time steps' input projections at once, outside the recurrence.
    return mx.addmm(b, x, w.T) if b is not None else x @ w.T


class RNN(Module):
    """Elman recurrent layer ``h_t = f(x_t Wxh^T + b + h_{t-1} Whh^T)``.

    Args:
        input_size (int): Features of the input ``D``.
        hidden_size (int): Features of the hidden state ``H``.
        bias (bool): Use ``bias``. Default: ``True``.
        nonlinearity (callable, optional): ``f``. Default: ``tanh``.

    Parameters: ``Wxh (H, D)``, ``Whh (H, H)``, ``bias (H,)`` (``None`` without
    bias). Call ``(x, hidden=None)``; ``hidden`` is the initial state
    ``(..., H)`` (none means the first step has no recurrent term).

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.RNN(3, 5)(mx.zeros((2, 4, 3))).shape
        (2, 4, 5)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity=None):
        super().__init__()
        _check_sizes("RNN", input_size, hidden_size)
        self.nonlinearity = nonlinearity or mx.tanh
        if not callable(self.nonlinearity):
            raise ValueError(
                f"[RNN] nonlinearity must be callable; got {nonlinearity!r}."
            )
        self.hidden_size = hidden_size
        s = 1.0 / math.sqrt(hidden_size)
        self.Wxh = mx.random.uniform(-s, s, (hidden_size, input_size))
        self.Whh = mx.random.uniform(-s, s, (hidden_size, hidden_size))
        self.bias = mx.random.uniform(-s, s, (hidden_size,)) if bias else None

    def _extra_repr(self):
        return (
            f"input_dims={self.Wxh.shape[1]}, hidden_size={self.hidden_size}, "
            f"nonlinearity={self.nonlinearity}, bias={self.bias is not None}"
        )

    def __call__(self, x, hidden=None):
        _check_input("RNN", x, self.Wxh.shape[1])
        x = _project(x, self.Wxh, self.bias)
        outs = []
        for t in range(x.shape[-2]):
            xt = x[..., t, :]
            if hidden is not None:
                xt = mx.addmm(xt, hidden, self.Whh.T)
            hidden = self.nonlinearity(xt)
            outs.append(hidden)
        return mx.stack(outs, axis=-2)


class GRU(Module):
    """Gated recurrent unit (gate order r, z, n).

    ``r, z = sigmoid(x Wx_rz^T + b_rz + h Wh_rz^T)``,
    ``n = tanh(x Wx_n^T + b_n + r * (h Wh_n^T + bhn))``,
    ``h' = (1 - z) * n + z * h``. Without an initial ``hidden`` the first
    step has no recurrent terms (``bhn`` included), as in MLX.

    Args:
        input_size (int): Features of the input ``D``.
        hidden_size (int): Features of the hidden state ``H``.
        bias (bool): Use ``b`` and ``bhn``. Default: ``True``.

    Parameters: ``Wx (3H, D)``, ``Wh (3H, H)``, ``b (3H,)``, ``bhn (H,)``.
    Call ``(x, hidden=None)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.GRU(3, 5)(mx.zeros((4, 3))).shape
        (4, 5)
    """

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        _check_sizes("GRU", input_size, hidden_size)
        self.hidden_size = hidden_size
        s = 1.0 / math.sqrt(hidden_size)
        self.Wx = mx.random.uniform(-s, s, (3 * hidden_size, input_size))
        self.Wh = mx.random.uniform(-s, s, (3 * hidden_size, hidden_size))
        self.b = mx.random.uniform(-s, s, (3 * hidden_size,)) if bias else None
        self.bhn = mx.random.uniform(-s, s, (hidden_size,)) if bias else None

    def _extra_repr(self):
        return (
            f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
            f"bias={self.b is not None}"
        )

    def __call__(self, x, hidden=None):
        _check_input("GRU", x, self.Wx.shape[1])
        H = self.hidden_size
        x = _project(x, self.Wx, self.b)
        x_rz, x_n = x[..., : 2 * H], x[..., 2 * H :]
        outs = []
        for t in range(x.shape[-2]):
            rz = x_rz[..., t, :]
            n = x_n[..., t, :]
            if hidden is not None:
                hp = hidden @ self.Wh.T
                hp_n = hp[..., 2 * H :]
                if self.bhn is not None:
                    hp_n = hp_n + self.bhn
                rz = rz + hp[..., : 2 * H]
            rz = mx.sigmoid(rz)
            r, z = rz[..., :H], rz[..., H:]
            if hidden is not None:
                n = n + r * hp_n
            n = mx.tanh(n)
            if hidden is not None:
                hidden = (1 - z) * n + z * hidden
            else:
                hidden = (1 - z) * n
            outs.append(hidden)
        return mx.stack(outs, axis=-2)


class LSTM(Module):
    """Long short-term memory (gate order i, f, g, o).

    ``i, f, o = sigmoid(...)``, ``g = tanh(...)`` of ``x Wx^T + bias + h Wh^T``;
    ``c' = f * c + i * g``, ``h' = o * tanh(c')``.

    Args:
        input_size (int): Features of the input ``D``.
        hidden_size (int): Features of the hidden state ``H``.
        bias (bool): Use ``bias``. Default: ``True``.

    Parameters: ``Wx (4H, D)``, ``Wh (4H, H)``, ``bias (4H,)``. Call
    ``(x, hidden=None, cell=None)`` → ``(all_hidden, all_cell)``, each
    ``(..., L, H)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> h, c = nn.LSTM(3, 5)(mx.zeros((2, 4, 3)))
        >>> h.shape, c.shape
        ((2, 4, 5), (2, 4, 5))
    """

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        _check_sizes("LSTM", input_size, hidden_size)
        self.hidden_size = hidden_size
        s = 1.0 / math.sqrt(hidden_size)
        self.Wx = mx.random.uniform(-s, s, (4 * hidden_size, input_size))
        self.Wh = mx.random.uniform(-s, s, (4 * hidden_size, hidden_size))
        self.bias = mx.random.uniform(-s, s, (4 * hidden_size,)) if bias else None

    def _extra_repr(self):
        return (
            f"input_dims={self.Wx.shape[1]}, hidden_size={self.hidden_size}, "
            f"bias={self.bias is not None}"
        )

    def __call__(self, x, hidden=None, cell=None):
        _check_input("LSTM", x, self.Wx.shape[1])
        H = self.hidden_size
        x = _project(x, self.Wx, self.bias)
        hs, cs = [], []
        for t in range(x.shape[-2]):
            ifgo = x[..., t, :]
            if hidden is not None:
                ifgo = mx.addmm(ifgo, hidden, self.Wh.T)
            i = mx.sigmoid(ifgo[..., :H])
            f = mx.sigmoid(ifgo[..., H : 2 * H])
            g = mx.tanh(ifgo[..., 2 * H : 3 * H])
            o = mx.sigmoid(ifgo[..., 3 * H :])
            cell = f * cell + i * g if cell is not None else i * g
            hidden = o * mx.tanh(cell)
            hs.append(hidden)
            cs.append(cell)
        return mx.stack(hs, axis=-2), mx.stack(cs, axis=-2)
