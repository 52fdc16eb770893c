"""Fused kernels with exact reference math."""

import ember.core
from ember.core import Device, DeviceType, Dtype, Stream, array


def rms_norm(arg0: object, arg1: object | None, eps: float, *, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Root-mean-square normalisation over the last axis.

    Args:
        x (array): Input.
        weight (array | None): Scale (size = last dim).
        eps (float): Added to the mean square.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.fast.rms_norm(mx.ones((2, 4)), None, 1e-5).shape
        (2, 4)
    """

def layer_norm(arg0: object, arg1: object | None, arg2: object | None, eps: float, *, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Layer normalisation over the last axis.

    Args:
        x (array): Input.
        weight (array | None): Scale.
        bias (array | None): Shift.
        eps (float): Added to the variance.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.fast.layer_norm(mx.ones((2, 4)), None, None, 1e-5).shape
        (2, 4)
    """

def rope(arg0: object, dims: int, *, traditional: bool, base: float | None, scale: float, offset: object, freqs: object | None = None, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    Rotary positional embedding on the last axis.

    Args:
        a (array): Input (B, *, T, D).
        dims (int): Number of rotated features.
        traditional (bool): Rotate adjacent pairs instead of halves.
        base (float | None): Frequency base (exclusive with freqs).
        scale (float): Position scale.
        offset (int | array): Position offset.
        freqs (array | None): Explicit frequencies.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> mx.fast.rope(mx.ones((1, 2, 4)), 4, traditional=False, base=10000.0, scale=1.0, offset=0).shape
        (1, 2, 4)
    """

def scaled_dot_product_attention(arg0: object, arg1: object, arg2: object, /, *, scale: float, mask: object | None = None, sinks: object | None = None, force_fused: bool = False, stream: Stream | Device | DeviceType | None | None = None) -> ember.core.array:
    """
    softmax(scale * q @ k^T + mask) @ v with grouped-query support.

    Args:
        q (array): (B, N_q, T_q, D).
        k (array): (B, N_kv, T_kv, D).
        v (array): (B, N_kv, T_kv, D_v).
        scale (float): Query scale.
        mask (str | array | None): "causal", a bool mask or an additive mask.
        sinks (array | None): Per-head sink logits.

    Returns:
        array

    Example:
        >>> import ember.core as mx
        >>> q = mx.ones((1, 2, 3, 4))
        >>> mx.fast.scaled_dot_product_attention(q, q, q, scale=0.5).shape
        (1, 2, 3, 4)
    """
