"""Neural network layers, losses and initializers (``mlx.nn`` API)."""

from ember.nn.layers import *  # noqa: F401,F403
from ember.nn.layers import Module  # noqa: F401
