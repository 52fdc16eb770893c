"""ember: an MLX work-alike array framework.

``import ember.core as mx`` gives the MLX ``mlx.core`` API.
"""

from ember import core  # noqa: F401

__version__ = core.__version__
