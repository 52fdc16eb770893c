"""Layers of ``ember.nn`` (one family per file, as in ``mlx.nn.layers``)."""

from ember.nn.layers.activations import *  # noqa: F401,F403
from ember.nn.layers.base import Module  # noqa: F401
from ember.nn.layers.containers import *  # noqa: F401,F403
from ember.nn.layers.convolution import *  # noqa: F401,F403
from ember.nn.layers.convolution_transpose import *  # noqa: F401,F403
from ember.nn.layers.dropout import *  # noqa: F401,F403
from ember.nn.layers.embedding import *  # noqa: F401,F403
from ember.nn.layers.linear import *  # noqa: F401,F403
from ember.nn.layers.normalization import *  # noqa: F401,F403
from ember.nn.layers.pooling import *  # noqa: F401,F403
from ember.nn.layers.positional_encoding import *  # noqa: F401,F403
from ember.nn.layers.recurrent import *  # noqa: F401,F403
from ember.nn.layers.transformer import *  # noqa: F401,F403
from ember.nn.layers.upsample import *  # noqa: F401,F403
