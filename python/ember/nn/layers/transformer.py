"""Attention and transformer layers: ``MultiHeadAttention``,
``TransformerEncoderLayer``/``TransformerEncoder``,
``TransformerDecoderLayer``/``TransformerDecoder`` and ``Transformer``."""

import math

from ember.nn.layers.activations import relu
from ember.nn.layers.base import Module
from ember.nn.layers.dropout import Dropout
from ember.nn.layers.linear import Linear
from ember.nn.layers.normalization import LayerNorm

import ember.core as mx

__all__ = [
    "MultiHeadAttention",
    "TransformerEncoderLayer",
    "TransformerEncoder",
    "TransformerDecoderLayer",
    "TransformerDecoder",
    "Transformer",
]


class MultiHeadAttention(Module):
    """Multi-head attention.

    Projects queries, keys and values (``query_proj``, ``key_proj``,
    ``value_proj``), splits the features into ``num_heads`` heads, runs
    ``fast.scaled_dot_product_attention`` with scale ``1/sqrt(head_dim)`` and
    projects the merged heads with ``out_proj``.

    Args:
        dims (int): Features of the projected queries and keys.
        num_heads (int): Number of heads; must divide ``dims`` and ``value_dims``.
        query_input_dims (int, optional): Input features of the queries.
            Default: ``dims``.
        key_input_dims (int, optional): Input features of the keys.
            Default: ``dims``.
        value_input_dims (int, optional): Input features of the values.
            Default: ``key_input_dims``.
        value_dims (int, optional): Features of the projected values.
            Default: ``dims``.
        value_output_dims (int, optional): Output features. Default: ``dims``.
        bias (bool): Biases in the projections. Default: ``False``.

    Call ``(queries, keys, values, mask=None)`` with ``(B, L, D)`` inputs; the
    mask is additive (float) or boolean (``True`` keeps), broadcast against
    ``(B, num_heads, L_q, L_k)``, or the string ``"causal"``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> mha = nn.MultiHeadAttention(8, 2)
        >>> x = mx.ones((1, 3, 8))
        >>> mask = nn.MultiHeadAttention.create_additive_causal_mask(3)
        >>> mha(x, x, x, mask).shape
        (1, 3, 8)
    """

    def __init__(
        self,
        dims,
        num_heads,
        query_input_dims=None,
        key_input_dims=None,
        value_input_dims=None,
        value_dims=None,
        value_output_dims=None,
        bias=False,
    ):
        super().__init__()
        if not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError(
                f"[MultiHeadAttention] num_heads must be a positive integer; got {num_heads!r}."
            )
        if dims % num_heads != 0:
            raise ValueError(
                "[MultiHeadAttention] The input feature dimensions should be "
                f"divisible by the number of heads; got {dims} % {num_heads} != 0."
            )
        query_input_dims = query_input_dims or dims
        key_input_dims = key_input_dims or dims
        value_input_dims = value_input_dims or key_input_dims
        value_dims = value_dims or dims
        value_output_dims = value_output_dims or dims
        if value_dims % num_heads != 0:
            raise ValueError(
                "[MultiHeadAttention] value_dims should be divisible by the number "
                f"of heads; got {value_dims} % {num_heads} != 0."
            )

        self.num_heads = num_heads
        self.query_proj = Linear(query_input_dims, dims, bias=bias)
        self.key_proj = Linear(key_input_dims, dims, bias=bias)
        self.value_proj = Linear(value_input_dims, value_dims, bias=bias)
        self.out_proj = Linear(value_dims, value_output_dims, bias=bias)

    def _split_heads(self, x):
        # (B, L, D) -> (B, heads, L, D / heads)
        return mx.swapaxes(mx.unflatten(x, -1, (self.num_heads, -1)), -3, -2)

    def __call__(self, queries, keys, values, mask=None):
        queries = self._split_heads(self.query_proj(queries))
        keys = self._split_heads(self.key_proj(keys))
        values = self._split_heads(self.value_proj(values))
        scale = math.sqrt(1 / queries.shape[-1])
        out = mx.fast.scaled_dot_product_attention(
            queries, keys, values, scale=scale, mask=mask
        )
        out = mx.flatten(mx.swapaxes(out, -3, -2), -2, -1)
        return self.out_proj(out)

    @staticmethod
    def create_additive_causal_mask(N, dtype=mx.float32):
        """``(N, N)`` mask: 0 on and below the diagonal, ``finfo(dtype).min`` above.

        Example:
            >>> import ember.nn as nn
            >>> nn.MultiHeadAttention.create_additive_causal_mask(2)[0, 1].item() < -1e30
            True
        """
        idx = mx.arange(N)
        mask = idx[:, None] < idx[None]
        return mask.astype(dtype) * mx.finfo(dtype).min


def _ffn(layer, y, dropout):
    return layer.linear2(dropout(layer.activation(layer.linear1(y))))


class TransformerEncoderLayer(Module):
    """Self-attention block followed by a two-layer MLP, with residuals.

    ``norm_first`` (pre-norm): ``x + attn(ln1(x))``, then ``x + mlp(ln2(x))``;
    otherwise (post-norm): ``ln1(x + attn(x))``, then ``ln2(x + mlp(x))``.

    Args:
        dims (int): Model features.
        num_heads (int): Attention heads.
        mlp_dims (int, optional): Hidden features of the MLP. Default: ``4 * dims``.
        dropout (float): Dropout after attention and inside the MLP. Default: ``0.0``.
        activation (callable): MLP activation. Default: ``relu``.
        norm_first (bool): Pre-norm instead of post-norm. Default: ``True``.

    Call ``(x, mask)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.TransformerEncoderLayer(8, 2)(mx.ones((1, 3, 8)), None).shape
        (1, 3, 8)
    """

    def __init__(
        self,
        dims,
        num_heads,
        mlp_dims=None,
        dropout=0.0,
        activation=relu,
        norm_first=True,
    ):
        super().__init__()
        mlp_dims = mlp_dims or dims * 4
        self.attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = LayerNorm(dims)
        self.ln2 = LayerNorm(dims)
        self.linear1 = Linear(dims, mlp_dims)
        self.linear2 = Linear(mlp_dims, dims)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation
        self.norm_first = norm_first

    def __call__(self, x, mask):
        if self.norm_first:
            y = self.ln1(x)
            x = x + self.dropout1(self.attention(y, y, y, mask))
            return x + _ffn(self, self.ln2(x), self.dropout2)
        x = self.ln1(x + self.dropout1(self.attention(x, x, x, mask)))
        return self.ln2(x + _ffn(self, x, self.dropout2))


def _maybe_checkpoint(layer, enabled):
    if not enabled:
        return layer
    from ember.nn.utils import checkpoint

    return checkpoint(layer)


class TransformerEncoder(Module):
    """A stack of ``TransformerEncoderLayer`` (item ``layers``) and a final ``ln``.

    Args:
        num_layers (int): Number of layers.
        dims, num_heads, mlp_dims, dropout, activation, norm_first: as in
            ``TransformerEncoderLayer``.
        checkpoint (bool): Gradient-checkpoint each layer. Default: ``False``.

    Call ``(x, mask)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.TransformerEncoder(2, 8, 2)(mx.ones((1, 3, 8)), None).shape
        (1, 3, 8)
    """

    def __init__(
        self,
        num_layers,
        dims,
        num_heads,
        mlp_dims=None,
        dropout=0.0,
        activation=relu,
        norm_first=True,
        checkpoint=False,
    ):
        super().__init__()
        self.layers = [
            TransformerEncoderLayer(
                dims, num_heads, mlp_dims, dropout, activation, norm_first
            )
            for _ in range(num_layers)
        ]
        self.ln = LayerNorm(dims)
        self.checkpoint = checkpoint

    def __call__(self, x, mask):
        for layer in self.layers:
            x = _maybe_checkpoint(layer, self.checkpoint)(x, mask)
        return self.ln(x)


class TransformerDecoderLayer(Module):
    """Self-attention, cross-attention over ``memory``, then a two-layer MLP.

    Pre-norm (``norm_first``): ``x + self_attn(ln1(x))``,
    ``x + cross_attn(ln2(x), memory)``, ``x + mlp(ln3(x))``; post-norm applies
    ``ln1..ln3`` after each residual sum instead.

    Args:
        dims (int): Model features.
        num_heads (int): Attention heads.
        mlp_dims (int, optional): Hidden features of the MLP. Default: ``4 * dims``.
        dropout (float): Dropout after each attention and inside the MLP.
            Default: ``0.0``.
        activation (callable): MLP activation. Default: ``relu``.
        norm_first (bool): Pre-norm instead of post-norm. Default: ``True``.

    Call ``(x, memory, x_mask, memory_mask)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> layer = nn.TransformerDecoderLayer(8, 2)
        >>> layer(mx.ones((1, 3, 8)), mx.ones((1, 5, 8)), None, None).shape
        (1, 3, 8)
    """

    def __init__(
        self,
        dims,
        num_heads,
        mlp_dims=None,
        dropout=0.0,
        activation=relu,
        norm_first=True,
    ):
        super().__init__()
        mlp_dims = mlp_dims or dims * 4
        self.self_attention = MultiHeadAttention(dims, num_heads)
        self.cross_attention = MultiHeadAttention(dims, num_heads)
        self.ln1 = LayerNorm(dims)
        self.ln2 = LayerNorm(dims)
        self.ln3 = LayerNorm(dims)
        self.linear1 = Linear(dims, mlp_dims)
        self.linear2 = Linear(mlp_dims, dims)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = activation
        self.norm_first = norm_first

    def __call__(self, x, memory, x_mask, memory_mask):
        if self.norm_first:
            y = self.ln1(x)
            x = x + self.dropout1(self.self_attention(y, y, y, x_mask))
            y = self.ln2(x)
            y = self.cross_attention(y, memory, memory, memory_mask)
            x = x + self.dropout2(y)
            return x + _ffn(self, self.ln3(x), self.dropout3)
        x = self.ln1(x + self.dropout1(self.self_attention(x, x, x, x_mask)))
        y = self.cross_attention(x, memory, memory, memory_mask)
        x = self.ln2(x + self.dropout2(y))
        return self.ln3(x + _ffn(self, x, self.dropout3))


class TransformerDecoder(Module):
    """A stack of ``TransformerDecoderLayer`` (item ``layers``) and a final ``ln``.

    Args:
        num_layers (int): Number of layers.
        dims, num_heads, mlp_dims, dropout, activation, norm_first: as in
            ``TransformerDecoderLayer``.
        checkpoint (bool): Gradient-checkpoint each layer. Default: ``False``.

    Call ``(x, memory, x_mask, memory_mask)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> dec = nn.TransformerDecoder(2, 8, 2)
        >>> dec(mx.ones((1, 3, 8)), mx.ones((1, 4, 8)), None, None).shape
        (1, 3, 8)
    """

    def __init__(
        self,
        num_layers,
        dims,
        num_heads,
        mlp_dims=None,
        dropout=0.0,
        activation=relu,
        norm_first=True,
        checkpoint=False,
    ):
        super().__init__()
        self.layers = [
            TransformerDecoderLayer(
                dims, num_heads, mlp_dims, dropout, activation, norm_first
            )
            for _ in range(num_layers)
        ]
        self.ln = LayerNorm(dims)
        self.checkpoint = checkpoint

    def __call__(self, x, memory, x_mask, memory_mask):
        for layer in self.layers:
            x = _maybe_checkpoint(layer, self.checkpoint)(
                x, memory, x_mask, memory_mask
            )
        return self.ln(x)


class Transformer(Module):
    """Encoder-decoder transformer (items ``encoder`` and ``decoder``).

    Args:
        dims (int): Model features. Default: ``512``.
        num_heads (int): Attention heads. Default: ``8``.
        num_encoder_layers (int): Default: ``6``.
        num_decoder_layers (int): Default: ``6``.
        mlp_dims (int, optional): MLP hidden features. Default: ``4 * dims``.
        dropout (float): Default: ``0.0``.
        activation (callable): MLP activation. Default: ``relu``.
        custom_encoder (Module, optional): Replaces the default encoder.
        custom_decoder (Module, optional): Replaces the default decoder.
        norm_first (bool): Pre-norm layers. Default: ``True``.
        checkpoint (bool): Gradient-checkpoint each layer. Default: ``False``.

    Call ``(src, tgt, src_mask, tgt_mask, memory_mask)``.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> t = nn.Transformer(8, 2, 1, 1)
        >>> t(mx.ones((1, 4, 8)), mx.ones((1, 3, 8)), None, None, None).shape
        (1, 3, 8)
    """

    def __init__(
        self,
        dims=512,
        num_heads=8,
        num_encoder_layers=6,
        num_decoder_layers=6,
        mlp_dims=None,
        dropout=0.0,
        activation=relu,
        custom_encoder=None,
        custom_decoder=None,
        norm_first=True,
        checkpoint=False,
    ):
        super().__init__()
        self.encoder = (
            custom_encoder
            if custom_encoder is not None
            else TransformerEncoder(
                num_encoder_layers,
                dims,
                num_heads,
                mlp_dims,
                dropout,
                activation,
                norm_first,
                checkpoint,
            )
        )
        self.decoder = (
            custom_decoder
            if custom_decoder is not None
            else TransformerDecoder(
                num_decoder_layers,
                dims,
                num_heads,
                mlp_dims,
                dropout,
                activation,
                norm_first,
                checkpoint,
            )
        )

    def __call__(self, src, tgt, src_mask, tgt_mask, memory_mask):
        memory = self.encoder(src, src_mask)
        return self.decoder(tgt, memory, tgt_mask, memory_mask)
