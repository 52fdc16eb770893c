"""Loss functions (``mlx.nn.losses`` API).

Every loss takes a ``reduction`` argument: ``'none'`` returns the element-wise
loss, ``'mean'`` and ``'sum'`` reduce over *all* elements.
"""

import math

import ember.core as mx

__all__ = [
    "cross_entropy",
    "binary_cross_entropy",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "gaussian_nll_loss",
    "kl_div_loss",
    "smooth_l1_loss",
    "triplet_loss",
    "hinge_loss",
    "huber_loss",
    "log_cosh_loss",
    "cosine_similarity_loss",
    "margin_ranking_loss",
]

_REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss, reduction):
    if reduction == "mean":
        return mx.mean(loss)
    if reduction == "sum":
        return mx.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(
        f"Invalid reduction; got {reduction!r}, expected one of 'none', 'mean', 'sum'."
    )


def _check_reduction(name, reduction):
    # Checked before any work so that a bad value never reaches graph building.
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"[{name}] Invalid reduction; got {reduction!r}, expected one of "
            "'none', 'mean', 'sum'."
        )


def _as_array(x):
    return x if isinstance(x, mx.array) else mx.array(x)


def _norm_axis(name, axis, ndim):
    if not -ndim <= axis < ndim:
        raise IndexError(
            f"[{name}] axis {axis} is out of bounds for an array with {ndim} dimensions."
        )
    return axis % ndim


def _same_shape(name, what, a, b):
    if a.shape != b.shape:
        raise ValueError(
            f"[{name}] {what} shapes must match; got {tuple(a.shape)} and {tuple(b.shape)}."
        )


def _target_classes(targets, num_classes):
    """The class each target selects along the class axis, as the scatter
    of take_along_axis's gradient resolves it (negative indices count from
    the end, anything else out of range selects nothing: -1), in int32 (int64
    when the class axis has 2**31 entries or more)."""
    idx_dtype = mx.int32 if num_classes < 2**31 else mx.int64
    if mx.issubdtype(targets.dtype, mx.signedinteger):
        t = targets.astype(mx.int64)  # t + num_classes must not wrap
        t = mx.where(t < 0, t + num_classes, t)
        valid = (t >= 0) & (t < num_classes)
    else:
        t = targets
        valid = t < num_classes
    return mx.where(valid, t.astype(idx_dtype), mx.array(-1, idx_dtype))


def _lse_and_score(logits, targets, ax):
    """``(logsumexp(logits, ax), logits at the target indices along ax)``.

    The vjp is one elementwise expression over the logits,
    ``g_lse * exp(logits - lse) + where(class == target, g_score, 0)``, with
    the (reduced) cotangents, ``lse`` and the targets broadcast along ``ax``
    and the class index a row along it, so that ``compile`` fuses the whole
    logits gradient into one kernel that reads the logits once and writes
    the gradient once (the gradient of take_along_axis alone would scatter
    into a zero array of the logits' size, a full extra write and read).
    """

    @mx.custom_function
    def lse_and_score(x, t):
        score = mx.take_along_axis(x, mx.expand_dims(t, ax), axis=ax)
        return mx.logsumexp(x, axis=ax), mx.squeeze(score, ax)

    @lse_and_score.vjp
    def lse_and_score_vjp(primals, cotangents, outputs):
        x, t = primals
        g_lse, g_score = cotangents
        num_classes = x.shape[ax]
        row = [1] * x.ndim
        row[ax] = num_classes
        cls = _target_classes(t, num_classes)
        classes = mx.arange(num_classes, dtype=cls.dtype).reshape(row)
        hit = classes == mx.expand_dims(cls, ax)
        g_lse = mx.expand_dims(g_lse, ax)
        g_score = mx.expand_dims(g_score, ax)
        lse = mx.expand_dims(outputs[0], ax)
        dx = g_lse * mx.exp(x - lse) + mx.where(hit, g_score, mx.zeros((), g_score.dtype))
        return dx, mx.zeros_like(t)

    return lse_and_score(logits, targets)


def cross_entropy(
    logits, targets, weights=None, axis=-1, label_smoothing=0.0, reduction="none"
):
    """Cross entropy between logits and class indices or probabilities.

    ``loss = logsumexp(logits) - score`` where ``score`` is the logit of the
    target class (or ``sum(logits * targets)`` for probability targets). With
    label smoothing ``s`` the score becomes ``(1 - s) * score + s * mean(logits)``.

    Args:
        logits (array): Unnormalized scores.
        targets (array): Class indices (``logits.ndim - 1`` dimensions) or
            probabilities (same shape as ``logits``).
        weights (array, optional): Per-element weights, same shape as the loss.
        axis (int): Class axis. Default: ``-1``.
        label_smoothing (float): In ``[0, 1)``. Default: ``0``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> logits = mx.array([[2.0, -1.0], [-1.0, 2.0]])
        >>> nn.losses.cross_entropy(logits, mx.array([0, 1])).shape
        (2,)
    """
    _check_reduction("cross_entropy", reduction)
    if not 0 <= label_smoothing < 1:
        raise ValueError(
            f"[cross_entropy] label_smoothing must be in [0, 1); got {label_smoothing}."
        )
    logits = _as_array(logits)
    targets = _as_array(targets)
    ax = _norm_axis("cross_entropy", axis, logits.ndim)
    probs = targets.ndim == logits.ndim
    reduced = tuple(d for i, d in enumerate(logits.shape) if i != ax)
    if probs and targets.shape != logits.shape:
        raise ValueError(
            "[cross_entropy] Probability targets must have the logits' shape; got "
            f"targets {tuple(targets.shape)} and logits {tuple(logits.shape)}."
        )
    if not probs and tuple(targets.shape) != reduced:
        raise ValueError(
            "[cross_entropy] Class-index targets must have the logits' shape "
            f"without axis {axis}; got targets {tuple(targets.shape)} and logits "
            f"{tuple(logits.shape)}."
        )
    if probs:
        score = mx.sum(logits * targets, axis=ax)
        lse = mx.logsumexp(logits, axis=ax)
    else:
        lse, score = _lse_and_score(logits, targets, ax)
    if label_smoothing > 0:
        loss = (
            lse
            - (1 - label_smoothing) * score
            - label_smoothing * mx.mean(logits, axis=ax)
        )
    else:
        loss = lse - score
    if weights is not None:
        weights = _as_array(weights)
        if weights.shape != loss.shape:
            raise ValueError(
                "[cross_entropy] weights must have the loss shape; got weights "
                f"{tuple(weights.shape)} and loss {tuple(loss.shape)}."
            )
        loss = loss * weights
    return _reduce(loss, reduction)


def binary_cross_entropy(
    inputs, targets, weights=None, with_logits=True, reduction="mean"
):
    """Binary cross entropy.

    With ``with_logits``: ``logaddexp(0, x) - x * t``; otherwise ``inputs`` are
    probabilities and ``-(t * log(p) + (1 - t) * log(1 - p))`` with each log
    clipped below at ``-100``.

    Args:
        inputs (array): Logits or probabilities.
        targets (array): Targets in ``[0, 1]``, same shape as ``inputs``.
        weights (array, optional): Per-element weights, same shape as the loss.
        with_logits (bool): Whether ``inputs`` are logits. Default: ``True``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> x = mx.array([0.105361, 0.223144, 1.20397, 0.916291])
        >>> t = mx.array([0, 0, 1, 1])
        >>> round(nn.losses.binary_cross_entropy(x, t).item(), 4)
        0.5392
    """
    _check_reduction("binary_cross_entropy", reduction)
    inputs = _as_array(inputs)
    targets = _as_array(targets)
    _same_shape("binary_cross_entropy", "inputs and targets", inputs, targets)
    if with_logits:
        loss = mx.logaddexp(0.0, inputs) - inputs * targets
    else:
        log_p = mx.maximum(mx.log(inputs), -100.0)
        log_q = mx.maximum(mx.log(1 - inputs), -100.0)
        loss = -(targets * log_p + (1 - targets) * log_q)
    if weights is not None:
        weights = _as_array(weights)
        if weights.shape != loss.shape:
            raise ValueError(
                "[binary_cross_entropy] weights must have the loss shape; got "
                f"weights {tuple(weights.shape)} and loss {tuple(loss.shape)}."
            )
        loss = loss * weights
    return _reduce(loss, reduction)


def l1_loss(predictions, targets, reduction="mean"):
    """Mean absolute error ``|predictions - targets|``.

    Args:
        predictions (array): Predictions.
        targets (array): Targets, same shape as ``predictions``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.losses.l1_loss(mx.array([1.0, 2.0]), mx.array([0.0, 4.0])).item()
        1.5
    """
    _check_reduction("l1_loss", reduction)
    predictions = _as_array(predictions)
    targets = _as_array(targets)
    _same_shape("l1_loss", "predictions and targets", predictions, targets)
    return _reduce(mx.abs(predictions - targets), reduction)


def mse_loss(predictions, targets, reduction="mean"):
    """Mean squared error ``(predictions - targets)**2``.

    Args:
        predictions (array): Predictions.
        targets (array): Targets, same shape as ``predictions``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.losses.mse_loss(mx.array([1.0, 2.0]), mx.array([0.0, 4.0])).item()
        2.5
    """
    _check_reduction("mse_loss", reduction)
    predictions = _as_array(predictions)
    targets = _as_array(targets)
    _same_shape("mse_loss", "predictions and targets", predictions, targets)
    return _reduce(mx.square(predictions - targets), reduction)


def nll_loss(inputs, targets, axis=-1, reduction="none"):
    """Negative log likelihood of class indices under log-probabilities.

    Args:
        inputs (array): Log-probabilities.
        targets (array): Class indices (``inputs`` without ``axis``).
        axis (int): Class axis. Default: ``-1``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: ``-inputs[..., targets]``, reduced.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> lp = mx.log(mx.array([[0.5, 0.5], [0.25, 0.75]]))
        >>> nn.losses.nll_loss(lp, mx.array([0, 1]), reduction="sum").shape
        ()
    """
    _check_reduction("nll_loss", reduction)
    inputs = _as_array(inputs)
    targets = _as_array(targets)
    ax = _norm_axis("nll_loss", axis, inputs.ndim)
    expected = tuple(d for i, d in enumerate(inputs.shape) if i != ax)
    if tuple(targets.shape) != expected:
        raise ValueError(
            "[nll_loss] targets must have the inputs' shape without axis "
            f"{axis}; got targets {tuple(targets.shape)} and inputs "
            f"{tuple(inputs.shape)}."
        )
    picked = mx.take_along_axis(inputs, mx.expand_dims(targets, ax), axis=ax)
    return _reduce(-mx.squeeze(picked, ax), reduction)


def gaussian_nll_loss(inputs, targets, vars, full=False, eps=1e-6, reduction="mean"):
    """Negative log likelihood of targets under a Gaussian.

    ``0.5 * (log(v) + (targets - inputs)**2 / v)`` with ``v = max(vars, eps)``,
    plus ``0.5 * log(2 * pi)`` when ``full``.

    Args:
        inputs (array): Predicted means.
        targets (array): Targets, same shape as ``inputs``.
        vars (array): Predicted variances, same shape as ``inputs``.
        full (bool): Include the constant term. Default: ``False``.
        eps (float): Lower bound on the variance. Default: ``1e-6``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> mu, t, v = mx.array([0.0]), mx.array([1.0]), mx.array([1.0])
        >>> nn.losses.gaussian_nll_loss(mu, t, v).item()
        0.5
    """
    _check_reduction("gaussian_nll_loss", reduction)
    inputs = _as_array(inputs)
    targets = _as_array(targets)
    vars = _as_array(vars)
    _same_shape("gaussian_nll_loss", "inputs and targets", inputs, targets)
    _same_shape("gaussian_nll_loss", "inputs and vars", inputs, vars)
    vars = mx.maximum(vars, eps)
    loss = 0.5 * (mx.log(vars) + mx.square(targets - inputs) / vars)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def kl_div_loss(inputs, targets, axis=-1, reduction="none"):
    """Kullback-Leibler divergence ``sum(exp(t) * (t - x), axis)``.

    Both ``inputs`` and ``targets`` are log-probabilities.

    Args:
        inputs (array): Log-probabilities of the approximation.
        targets (array): Log-probabilities of the target distribution.
        axis (int): Distribution axis. Default: ``-1``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: The divergence.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> lp = mx.log(mx.array([0.5, 0.5]))
        >>> nn.losses.kl_div_loss(lp, lp).item()
        0.0
    """
    _check_reduction("kl_div_loss", reduction)
    inputs = _as_array(inputs)
    targets = _as_array(targets)
    loss = mx.sum(mx.exp(targets) * (targets - inputs), axis=axis)
    return _reduce(loss, reduction)


def smooth_l1_loss(predictions, targets, beta=1.0, reduction="mean"):
    """Smooth L1 loss.

    ``0.5 * d**2 / beta`` where ``d = |predictions - targets| < beta``, else
    ``d - 0.5 * beta``.

    Args:
        predictions (array): Predictions.
        targets (array): Targets, same shape as ``predictions``.
        beta (float): Threshold between the two regimes. Default: ``1.0``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'mean'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> p, t = mx.array([0.5, 3.0]), mx.array([0.0, 0.0])
        >>> nn.losses.smooth_l1_loss(p, t, reduction="none").tolist()
        [0.125, 2.5]
    """
    _check_reduction("smooth_l1_loss", reduction)
    predictions = _as_array(predictions)
    targets = _as_array(targets)
    _same_shape("smooth_l1_loss", "predictions and targets", predictions, targets)
    diff = mx.abs(predictions - targets)
    loss = mx.where(diff < beta, 0.5 * mx.square(diff) / beta, diff - 0.5 * beta)
    return _reduce(loss, reduction)


def triplet_loss(
    anchors, positives, negatives, axis=-1, p=2, margin=1.0, eps=1e-6, reduction="none"
):
    """Triplet margin loss ``max(d(a, p) - d(a, n) + margin, 0)``.

    ``d(a, b) = sqrt(sum((a - b)**p, axis) + eps)``, the same expression as
    ``mlx.nn.losses.triplet_loss`` (the Euclidean distance for ``p=2``).

    Args:
        anchors (array): Anchor embeddings.
        positives (array): Positive embeddings.
        negatives (array): Negative embeddings.
        axis (int): Feature axis. Default: ``-1``.
        p (int): Power in the distance. Default: ``2``.
        margin (float): Margin. Default: ``1.0``.
        eps (float): Added under the square root. Default: ``1e-6``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> a = mx.array([[0.0, 0.0]])
        >>> nn.losses.triplet_loss(a, a, a + 3.0).tolist()
        [0.0]
    """
    _check_reduction("triplet_loss", reduction)
    anchors = _as_array(anchors)
    positives = _as_array(positives)
    negatives = _as_array(negatives)
    d_pos = mx.sqrt(mx.sum(mx.power(anchors - positives, p), axis=axis) + eps)
    d_neg = mx.sqrt(mx.sum(mx.power(anchors - negatives, p), axis=axis) + eps)
    loss = mx.maximum(d_pos - d_neg + margin, 0)
    return _reduce(loss, reduction)


def hinge_loss(inputs, targets, reduction="none"):
    """Hinge loss ``max(1 - inputs * targets, 0)``.

    Args:
        inputs (array): Predicted scores.
        targets (array): Targets in ``{-1, 1}``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.losses.hinge_loss(mx.array([0.5, 2.0]), mx.array([1, 1])).tolist()
        [0.5, 0.0]
    """
    _check_reduction("hinge_loss", reduction)
    inputs = _as_array(inputs)
    targets = _as_array(targets)
    return _reduce(mx.maximum(1 - inputs * targets, 0), reduction)


def huber_loss(inputs, targets, delta=1.0, reduction="none"):
    """Huber loss.

    ``0.5 * e**2`` for ``|e| <= delta``, else ``delta * (|e| - 0.5 * delta)``
    with ``e = inputs - targets``.

    Args:
        inputs (array): Predictions.
        targets (array): Targets.
        delta (float): Threshold between the regimes. Default: ``1.0``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.losses.huber_loss(mx.array([0.5, 3.0]), mx.array([0.0, 0.0])).tolist()
        [0.125, 2.5]
    """
    _check_reduction("huber_loss", reduction)
    inputs = _as_array(inputs)
    targets = _as_array(targets)
    abs_err = mx.abs(inputs - targets)
    quadratic = mx.minimum(abs_err, delta)
    linear = abs_err - quadratic
    loss = 0.5 * mx.square(quadratic) + delta * linear
    return _reduce(loss, reduction)


def log_cosh_loss(inputs, targets, reduction="none"):
    """Log-cosh loss ``log(cosh(inputs - targets))``, computed stably.

    Args:
        inputs (array): Predictions.
        targets (array): Targets.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> nn.losses.log_cosh_loss(mx.array([0.0]), mx.array([0.0])).tolist()
        [0.0]
    """
    _check_reduction("log_cosh_loss", reduction)
    inputs = _as_array(inputs)
    targets = _as_array(targets)
    err = inputs - targets
    # logaddexp(e, -e) - log 2 = log cosh(e) without overflowing cosh.
    loss = mx.logaddexp(err, -err) - math.log(2)
    return _reduce(loss, reduction)


def cosine_similarity_loss(x1, x2, axis=1, eps=1e-8, reduction="none"):
    """Cosine similarity ``sum(x1 * x2) / max(|x1| * |x2|, eps)`` along ``axis``.

    Returns the similarity itself (not ``1 - similarity``), as MLX does.

    Args:
        x1 (array): First set of vectors.
        x2 (array): Second set of vectors.
        axis (int): Vector axis. Default: ``1``.
        eps (float): Lower bound on the norm product. Default: ``1e-8``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: The similarity.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> x = mx.array([[1.0, 0.0], [0.0, 2.0]])
        >>> nn.losses.cosine_similarity_loss(x, x).tolist()
        [1.0, 1.0]
    """
    _check_reduction("cosine_similarity_loss", reduction)
    x1 = _as_array(x1)
    x2 = _as_array(x2)
    n1 = mx.sqrt(mx.sum(mx.square(x1), axis=axis))
    n2 = mx.sqrt(mx.sum(mx.square(x2), axis=axis))
    loss = mx.sum(x1 * x2, axis=axis) / mx.maximum(n1 * n2, eps)
    return _reduce(loss, reduction)


def margin_ranking_loss(inputs1, inputs2, targets, margin=0.0, reduction="none"):
    """Margin ranking loss ``max(0, -targets * (inputs1 - inputs2) + margin)``.

    Args:
        inputs1 (array): Scores of the first items.
        inputs2 (array): Scores of the second items.
        targets (array): ``1`` where the first should rank higher, ``-1`` else.
        margin (float): Margin. Default: ``0.0``.
        reduction (str): ``'none'`` | ``'mean'`` | ``'sum'``. Default: ``'none'``.

    Returns:
        array: The loss.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> a, b, t = mx.array([1.0, 0.0]), mx.array([0.0, 1.0]), mx.array([1, 1])
        >>> nn.losses.margin_ranking_loss(a, b, t).tolist()
        [0.0, 1.0]
    """
    _check_reduction("margin_ranking_loss", reduction)
    inputs1 = _as_array(inputs1)
    inputs2 = _as_array(inputs2)
    targets = _as_array(targets)
    if not (inputs1.shape == inputs2.shape == targets.shape):
        raise ValueError(
            "[margin_ranking_loss] inputs1, inputs2 and targets must have the "
            f"same shape; got {tuple(inputs1.shape)}, {tuple(inputs2.shape)} and "
            f"{tuple(targets.shape)}."
        )
    loss = mx.maximum(-targets * (inputs1 - inputs2) + margin, 0)
    return _reduce(loss, reduction)
