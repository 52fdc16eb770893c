"""Optimizers, learning-rate schedules and gradient clipping (``mlx.optimizers`` API).

Example:
    >>> import ember.core as mx
    >>> import ember.optimizers as optim
    >>> opt = optim.Adam(learning_rate=optim.cosine_decay(1e-3, 1000))
    >>> params = {"w": mx.zeros((3,))}
    >>> params = opt.apply_gradients({"w": mx.ones((3,))}, params)
    >>> mx.eval(params, opt.state)
"""

from ember.optimizers.optimizers import (SGD, AdaDelta, Adafactor, Adagrad, Adam,
                                         Adamax, AdamW, Lion, MultiOptimizer, Muon,
                                         Optimizer, RMSprop, clip_grad_norm)
from ember.optimizers.schedulers import (cosine_decay, exponential_decay,
                                         join_schedules, linear_schedule, step_decay)

__all__ = [
    "Optimizer",
    "SGD",
    "RMSprop",
    "Adagrad",
    "AdaDelta",
    "Adam",
    "AdamW",
    "Adamax",
    "Lion",
    "Adafactor",
    "Muon",
    "MultiOptimizer",
    "clip_grad_norm",
    "exponential_decay",
    "step_decay",
    "cosine_decay",
    "linear_schedule",
    "join_schedules",
]
