"""Positional encodings: ``RoPE``, ``SinusoidalPositionalEncoding``, ``ALiBi``."""

import math

from ember.nn.layers.base import Module

import ember.core as mx

__all__ = ["RoPE", "SinusoidalPositionalEncoding", "ALiBi"]


class RoPE(Module):
    """Rotary positional encoding (``fast.rope``).

    Rotates pairs of the first ``dims`` features of ``x`` (shape
    ``(..., L, D)``) by angles ``(offset + position) * scale * base**(-2i/dims)``.

    Args:
        dims (int): Number of features to rotate.
        traditional (bool): Rotate consecutive pairs ``(2i, 2i+1)`` instead of
            ``(i, i + dims/2)``. Default: ``False``.
        base (float): Base of the frequencies. Default: ``10000``.
        scale (float): Scale of the positions. Default: ``1.0``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.RoPE(4)(mx.ones((1, 3, 4)), offset=2).shape
        (1, 3, 4)
    """

    def __init__(self, dims, traditional=False, base=10000, scale=1.0):
        super().__init__()
        self.dims = dims
        self.traditional = traditional
        self.base = base
        self.scale = scale

    def _extra_repr(self):
        return f"{self.dims}, traditional={self.traditional}"

    def __call__(self, x, offset=0):
        return mx.fast.rope(
            x,
            self.dims,
            traditional=self.traditional,
            base=self.base,
            scale=self.scale,
            offset=offset,
        )


class SinusoidalPositionalEncoding(Module):
    """Sinusoidal positional encoding.

    Appends an axis of ``dims`` features ``[sin(x * s), cos(x * s)]`` (cosines
    first when ``cos_first``) where the ``dims // 2`` frequencies ``s`` go
    geometrically from ``max_freq`` down to ``min_freq``.

    Args:
        dims (int): Number of output features.
        min_freq (float): Lowest frequency. Default: ``0.0001``.
        max_freq (float): Highest frequency. Default: ``1``.
        scale (float, optional): Output scale. Default: ``sqrt(2 / dims)``.
        cos_first (bool): Put the cosines first. Default: ``False``.
        full_turns (bool): Multiply the frequencies by ``2 * pi``. Default:
            ``False``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.SinusoidalPositionalEncoding(8)(mx.arange(5)).shape
        (5, 8)
    """

    def __init__(
        self,
        dims,
        min_freq=0.0001,
        max_freq=1,
        scale=None,
        cos_first=False,
        full_turns=False,
    ):
        super().__init__()
        half = dims // 2
        if half < 1:
            raise ValueError(
                f"[SinusoidalPositionalEncoding] dims must be at least 2; got {dims}."
            )
        # One frequency only: the geometric sequence degenerates to max_freq.
        one_zero = 1 - mx.arange(0, half) / max(half - 1, 1)
        lo, hi = math.log(min_freq), math.log(max_freq)
        self._sigmas = mx.exp(one_zero * (hi - lo) + lo)
        if full_turns:
            self._sigmas = self._sigmas * (2 * math.pi)
        self.scale = scale or (2 / dims) ** 0.5
        self.cos_first = cos_first

    def __call__(self, x):
        y = mx.expand_dims(x, -1) * self._sigmas
        cosy, siny = mx.cos(y), mx.sin(y)
        parts = [cosy, siny] if self.cos_first else [siny, cosy]
        y = mx.concatenate(parts, axis=-1)
        if self.scale != 1:
            y = y * self.scale
        return y


class ALiBi(Module):
    """Attention with linear biases: adds ``-|i - j| * slope_h`` to scores.

    Call ``(attention_scores, offset=0, mask=None)`` with scores of shape
    ``(B, num_heads, L_q, L_k)``; query ``i`` sits at position ``offset + i``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.ALiBi()(mx.zeros((1, 2, 3, 3))).shape
        (1, 2, 3, 3)
    """

    _alibi_mask_key = None
    _alibi_mask = None

    @classmethod
    def create_alibi_matrix(
        cls,
        q_sequence_length,
        k_sequence_length,
        num_heads,
        offset,
        dtype=mx.float32,
    ):
        """Bias of shape ``(1, num_heads, q_sequence_length - offset, k_sequence_length)``.

        Rows are query positions ``offset .. q_sequence_length - 1``. The last
        matrix is cached on the class.
        """
        key = (q_sequence_length, k_sequence_length, num_heads, offset, dtype)
        if key != cls._alibi_mask_key:
            x1 = mx.arange(offset, q_sequence_length)
            x2 = mx.arange(0, k_sequence_length)
            distance = -mx.abs(x1[:, None] - x2[None, :])
            distance = mx.expand_dims(distance, (0, 1))
            slope = ALiBi.create_alibi_slope(num_heads, dtype=mx.float32)
            cls._alibi_mask = (distance * slope).astype(dtype)
            cls._alibi_mask_key = key
        return cls._alibi_mask

    @staticmethod
    def create_alibi_slope(num_heads, dtype=mx.float32):
        """Slopes ``2**(-8 h / num_heads)``, ``h = 1..num_heads``, shape ``(num_heads, 1, 1)``."""
        x = (2**8) ** (1 / num_heads)
        out = mx.power(x, -mx.arange(1, num_heads + 1).astype(mx.float32))
        return mx.expand_dims(out, (1, 2)).astype(dtype)

    def __call__(self, attention_scores, offset=0, mask=None):
        if attention_scores.ndim < 3:
            raise ValueError(
                "[ALiBi] attention_scores must have shape (B, num_heads, L_q, L_k); "
                f"got {tuple(attention_scores.shape)}."
            )
        alibi = ALiBi.create_alibi_matrix(
            q_sequence_length=attention_scores.shape[-2] + offset,
            k_sequence_length=attention_scores.shape[-1],
            num_heads=attention_scores.shape[1],
            offset=offset,
            dtype=attention_scores.dtype,
        )
        if mask is not None:
            alibi = alibi + mask
        return attention_scores + alibi
