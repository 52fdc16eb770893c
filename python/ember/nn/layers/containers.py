"""Sequential container."""

from ember.nn.layers.base import Module

__all__ = ["Sequential"]


class Sequential(Module):
    """Calls its layers in order, feeding each output to the next.

    The layers are stored in the item ``layers`` (a list), so parameters are
    named ``layers.0.weight`` and so on. Plain callables are allowed too.

    Args:
        *modules: Modules or callables.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Sequential(nn.Linear(2, 3), nn.ReLU())(mx.zeros((1, 2))).shape
        (1, 3)
    """

    def __init__(self, *modules):
        super().__init__()
        self.layers = list(modules)

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
