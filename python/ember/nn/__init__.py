"""Neural network layers, losses and initializers (``mlx.nn`` API).

Example:
    >>> import ember.core as mx, ember.nn as nn
    >>> nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))(mx.zeros((1, 4))).shape
    (1, 2)
"""

from ember.nn import init, losses  # noqa: F401
from ember.nn.layers import *  # noqa: F401,F403
from ember.nn.layers import Module  # noqa: F401
from ember.nn.utils import average_gradients, value_and_grad  # noqa: F401
