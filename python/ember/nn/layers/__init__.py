"""Layers of ``ember.nn`` (one family per file, as in ``mlx.nn.layers``)."""

import importlib as _importlib

from ember.nn.layers.base import Module

# TODO(#5): plain imports once every layer file has landed; until then a
# missing file must not break ``import ember.nn``.
for _name in (
    "activations",
    "containers",
    "convolution",
    "convolution_transpose",
    "dropout",
    "embedding",
    "linear",
    "normalization",
    "pooling",
    "positional_encoding",
    "recurrent",
    "transformer",
    "upsample",
):
    try:
        _mod = _importlib.import_module(f"ember.nn.layers.{_name}")
    except ModuleNotFoundError as _e:
        if _e.name != f"ember.nn.layers.{_name}":
            raise
        continue
    for _k in getattr(_mod, "__all__", [k for k in vars(_mod) if not k.startswith("_")]):
        globals()[_k] = getattr(_mod, _k)
