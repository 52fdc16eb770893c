"""Embedding lookup table."""

import math

import ember.core as mx
from ember.nn.layers.base import Module

__all__ = ["Embedding"]


class Embedding(Module):
    """Maps integer ids to vectors: ``weight[x]``.

    ``weight`` has shape ``(num_embeddings, dims)`` drawn from N(1/sqrt(dims)).

    Args:
        num_embeddings (int): Vocabulary size.
        dims (int): Embedding size.

    Example:
        >>> import ember.core as mx, ember.nn as nn
        >>> nn.Embedding(10, 4)(mx.array([[1, 2]])).shape
        (1, 2, 4)
    """

    def __init__(self, num_embeddings, dims):
        super().__init__()
        scale = math.sqrt(1.0 / dims)
        self.weight = mx.random.normal(shape=(num_embeddings, dims), scale=scale)

    def _extra_repr(self):
        return f"{self.weight.shape[0]}, {self.weight.shape[1]}"

    def __call__(self, x):
        return self.weight[x]

    def as_linear(self, x):
        """Uses the table as a tied output projection: ``x @ weight.T``.

        Args:
            x (array): ``(..., dims)``.

        Returns:
            array: ``(..., num_embeddings)``.

        Example:
            >>> import ember.core as mx, ember.nn as nn
            >>> nn.Embedding(10, 4).as_linear(mx.zeros((2, 4))).shape
            (2, 10)
        """
        return x @ self.weight.T
