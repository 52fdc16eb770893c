"""Module-level transformations: ``value_and_grad``, ``checkpoint``, ``average_gradients``."""

from functools import wraps

import ember.core as mx
from ember.utils import tree_flatten, tree_map, tree_unflatten

__all__ = ["value_and_grad", "checkpoint", "average_gradients"]


def _with_parameters(model, fn, transform):
    # fn reads the parameters from the model, so the transformation's traced
    # copies are written into it for the duration of the call; the caller's
    # arrays are put back afterwards so that no traced value outlives it.
    def inner(params, *args, **kwargs):
        model.update(params)
        return fn(*args, **kwargs)

    transformed = transform(inner)

    @wraps(fn)
    def call(*args, **kwargs):
        params = model.trainable_parameters()
        try:
            return transformed(params, *args, **kwargs)
        finally:
            model.update(params)

    return call


def value_and_grad(model, fn):
    """Value and gradient of ``fn`` with respect to ``model.trainable_parameters()``.

    Args:
        model (Module): The model whose trainable parameters are differentiated.
        fn (Callable): Called as ``fn(*args, **kwargs)``; uses ``model``.

    Returns:
        Callable: ``g(*args, **kwargs) -> (value, grads)`` with ``grads``
        shaped like ``model.trainable_parameters()``.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> model = nn.Linear(2, 1)
        >>> loss_and_grad = nn.value_and_grad(model, lambda x: model(x).sum())
        >>> loss, grads = loss_and_grad(mx.ones((3, 2)))
        >>> grads["weight"].tolist()
        [[3.0, 3.0]]
    """
    return _with_parameters(model, fn, mx.value_and_grad)


def checkpoint(module, fn=None):
    """Gradient checkpointing: ``fn``'s intermediates are recomputed in the backward pass.

    Args:
        module (Module): Module whose trainable parameters ``fn`` uses.
        fn (Callable | None): Function to checkpoint (default: ``module.__call__``).

    Returns:
        Callable: Same signature and result as ``fn``.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> lin = nn.Linear(2, 2)
        >>> nn.utils.checkpoint(lin)(mx.ones((1, 2))).shape
        (1, 2)
    """
    if fn is None:
        fn = module.__call__
    return _with_parameters(module, fn, mx.checkpoint)


def average_gradients(
    gradients, group=None, all_reduce_size=32 * 1024**2, communication_stream=None
):
    """Mean of a gradient tree over the processes of a distributed group.

    With one process (or without ``ember.core.distributed``) the tree is
    returned unchanged.

    Args:
        gradients: Tree of arrays.
        group: Distributed group (default: the global group).
        all_reduce_size (int): Bytes per all-reduce buffer (≤ 0: one per leaf).
        communication_stream: Stream for the communication.

    Returns:
        The averaged tree.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.average_gradients({"w": mx.ones((2,))})["w"].tolist()
        [1.0, 1.0]
    """
    dist = getattr(mx, "distributed", None)
    if dist is None:
        return gradients
    group = group or dist.init()
    n = group.size()
    if n == 1:
        return gradients
    kwargs = {"group": group}
    if communication_stream is not None:
        kwargs["stream"] = communication_stream
    if all_reduce_size <= 0:
        return tree_map(lambda g: dist.all_sum(g, **kwargs) / n, gradients)
    # Pack same-dtype leaves into flat buffers of about all_reduce_size bytes.
    flat = tree_flatten(gradients)
    out = [None] * len(flat)
    by_dtype = {}
    for i, (_, g) in enumerate(flat):
        by_dtype.setdefault(g.dtype, []).append(i)
    for indices in by_dtype.values():
        batch, nbytes = [], 0
        for pos, i in enumerate(indices):
            batch.append(i)
            nbytes += flat[i][1].nbytes
            if nbytes >= all_reduce_size or pos == len(indices) - 1:
                parts = [flat[j][1] for j in batch]
                buf = dist.all_sum(mx.concatenate([p.reshape(-1) for p in parts]), **kwargs) / n
                offsets = [0]
                for p in parts:
                    offsets.append(offsets[-1] + p.size)
                for j, p, a, b in zip(batch, parts, offsets, offsets[1:]):
                    out[j] = buf[a:b].reshape(p.shape)
                batch, nbytes = [], 0
    return tree_unflatten([(k, v) for (k, _), v in zip(flat, out)])
