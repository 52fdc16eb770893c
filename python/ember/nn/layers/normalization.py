"""Normalization layers: LayerNorm, RMSNorm, GroupNorm, InstanceNorm, BatchNorm.

All of them normalise channels-last inputs (features on the last axis).
"""

import math

import ember.core as mx
from ember.nn.layers.base import Module

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm", "InstanceNorm", "BatchNorm"]


def _check_features(op, x, dims):
    if x.ndim == 0 or x.shape[-1] != dims:
        raise ValueError(
            f"[{op}] Expected input with {dims} features on the last axis; got shape "
            f"{tuple(x.shape)}."
        )


class LayerNorm(Module):
    """Normalises over the last axis: ``(x - mean) / sqrt(var + eps) * weight + bias``.

    Args:
        dims (int): Feature count (``weight`` ones, ``bias`` zeros).
        eps (float): Added to the variance.
        affine (bool): Learn ``weight`` (and ``bias``).
        bias (bool): With ``affine``, also learn ``bias``.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> [round(v, 3) for v in nn.LayerNorm(2)(mx.array([[1.0, 3.0]])).tolist()[0]]
        [-1.0, 1.0]
    """

    def __init__(self, dims, eps=1e-5, affine=True, bias=True):
        super().__init__()
        if affine:
            self.weight = mx.ones((dims,))
            if bias:
                self.bias = mx.zeros((dims,))
        self.eps = eps
        self.dims = dims

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x):
        _check_features("LayerNorm", x, self.dims)
        return mx.fast.layer_norm(x, self.get("weight"), self.get("bias"), self.eps)


class RMSNorm(Module):
    """Root-mean-square normalisation over the last axis: ``x / sqrt(mean(x²) + eps) * weight``.

    Args:
        dims (int): Feature count (``weight`` ones).
        eps (float): Added to the mean square.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> round(nn.RMSNorm(2)(mx.array([[3.0, 4.0]])).tolist()[0][0], 4)
        0.8485
    """

    def __init__(self, dims, eps=1e-5):
        super().__init__()
        self.weight = mx.ones((dims,))
        self.eps = eps

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, eps={self.eps}"

    def __call__(self, x):
        _check_features("RMSNorm", x, self.weight.shape[0])
        return mx.fast.rms_norm(x, self["weight"], self.eps)


class GroupNorm(Module):
    """Normalises groups of channels per sample (over the spatial axes too).

    By default the groups are formed from *interleaved* channels (channel
    ``c`` is in group ``c % num_groups``); ``pytorch_compatible=True`` uses
    contiguous blocks of ``dims // num_groups`` channels like PyTorch.

    Args:
        num_groups (int): Number of groups; must divide ``dims``.
        dims (int): Feature count.
        eps (float): Added to the variance.
        affine (bool): Learn ``weight`` (ones) and ``bias`` (zeros).
        pytorch_compatible (bool): Contiguous channel groups.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.GroupNorm(2, 4)(mx.zeros((1, 3, 4))).shape
        (1, 3, 4)
    """

    def __init__(self, num_groups, dims, eps=1e-5, affine=True, pytorch_compatible=False):
        super().__init__()
        if num_groups <= 0 or dims % num_groups != 0:
            raise ValueError(
                f"[GroupNorm] dims must be a multiple of num_groups; got dims={dims}, "
                f"num_groups={num_groups}."
            )
        if affine:
            self.bias = mx.zeros((dims,))
            self.weight = mx.ones((dims,))
        self.num_groups = num_groups
        self.dims = dims
        self.eps = eps
        self.pytorch_compatible = pytorch_compatible

    def _extra_repr(self):
        return (
            f"{self.num_groups}, {self.dims}, eps={self.eps}, affine={'weight' in self}, "
            f"pytorch_compatible={self.pytorch_compatible}"
        )

    def _normalize(self, x):
        g = self.num_groups
        batch, *rest, dims = x.shape
        if self.pytorch_compatible:
            size = dims // g
            y = x.reshape(batch, -1, g, size).transpose(0, 2, 1, 3).reshape(batch, g, -1)
            y = mx.fast.layer_norm(y, None, None, self.eps)
            y = y.reshape(batch, g, -1, size).transpose(0, 2, 1, 3)
            return y.reshape(batch, *rest, dims)
        y = x.reshape(batch, -1, g)
        mean = mx.mean(y, axis=1, keepdims=True)
        var = mx.var(y, axis=1, keepdims=True)
        y = (y - mean) * mx.rsqrt(var + self.eps)
        return y.reshape(batch, *rest, dims)

    def __call__(self, x):
        if x.ndim < 2:
            raise ValueError(
                f"[GroupNorm] Expected input of shape (N, ..., C); got shape {tuple(x.shape)}."
            )
        _check_features("GroupNorm", x, self.dims)
        y = self._normalize(x)
        return self.weight * y + self.bias if "weight" in self else y


class InstanceNorm(Module):
    """Normalises each channel of each sample over the spatial axes.

    Args:
        dims (int): Feature count.
        eps (float): Added to the variance.
        affine (bool): Learn ``weight`` (ones) and ``bias`` (zeros).

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.InstanceNorm(3)(mx.zeros((2, 4, 3))).shape
        (2, 4, 3)
    """

    def __init__(self, dims, eps=1e-5, affine=False):
        super().__init__()
        if affine:
            self.weight = mx.ones((dims,))
            self.bias = mx.zeros((dims,))
        self.dims = dims
        self.eps = eps

    def _extra_repr(self):
        return f"{self.dims}, eps={self.eps}, affine={'weight' in self}"

    def __call__(self, x):
        if x.ndim < 3:
            raise ValueError(
                f"[InstanceNorm] Expected input of shape (N, ..., C) with at least 3 "
                f"dimensions; got shape {tuple(x.shape)}."
            )
        _check_features("InstanceNorm", x, self.dims)
        axes = tuple(range(1, x.ndim - 1))
        mean = mx.mean(x, axis=axes, keepdims=True)
        var = mx.var(x, axis=axes, keepdims=True)
        y = (x - mean) * mx.rsqrt(var + self.eps)
        return self.weight * y + self.bias if "weight" in self else y


class BatchNorm(Module):
    """Batch normalisation over all axes but the last.

    Training mode normalises with the batch statistics (biased variance) and
    updates ``running_mean``/``running_var`` as ``(1 - momentum) * r +
    momentum * stat`` (unbiased variance); evaluation mode uses the running
    statistics. The running statistics are parameters that stay frozen.

    Args:
        num_features (int): Feature count.
        eps (float): Added to the variance.
        momentum (float): Weight of the new statistics.
        affine (bool): Learn ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats (bool): Keep running statistics.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> bn = nn.BatchNorm(3)
        >>> bn(mx.zeros((4, 3))).shape
        (4, 3)
    """

    _STATS = ["running_mean", "running_var"]

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = mx.ones((num_features,))
            self.bias = mx.zeros((num_features,))
        if track_running_stats:
            self.running_mean = mx.zeros((num_features,))
            self.running_var = mx.ones((num_features,))
            self.freeze(keys=self._STATS, recurse=False)

    def _unfreeze_local(self, keys):
        # The running statistics stay frozen whatever is unfrozen.
        super()._unfreeze_local(keys)
        if self.track_running_stats:
            self._no_grad.update(self._STATS)

    def _extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={'weight' in self}, track_running_stats={self.track_running_stats}"
        )

    def __call__(self, x):
        if not 2 <= x.ndim <= 4:
            raise ValueError(
                f"[BatchNorm] Expected input with 2, 3 or 4 dimensions; got shape "
                f"{tuple(x.shape)}."
            )
        _check_features("BatchNorm", x, self.num_features)
        axes = tuple(range(x.ndim - 1))
        if self.training or not self.track_running_stats:
            mean = mx.mean(x, axis=axes)
            var = mx.var(x, axis=axes)
            if self.training and self.track_running_stats:
                n = math.prod(x.shape[:-1])
                unbiased = var * (n / (n - 1)) if n > 1 else var
                m = self.momentum
                self.running_mean = (1 - m) * self.running_mean + m * mx.stop_gradient(mean)
                self.running_var = (1 - m) * self.running_var + m * mx.stop_gradient(unbiased)
        else:
            mean = self.running_mean
            var = self.running_var
        y = (x - mean) * mx.rsqrt(var + self.eps)
        return self.weight * y + self.bias if "weight" in self else y
