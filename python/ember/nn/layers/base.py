"""``Module``: the base class of every layer (``mlx.nn.Module`` API).

A Module is a ``dict``: arrays, dicts, lists and tuples assigned as attributes
are stored as items, so the module itself is its parameter tree. Parameters
are the array items whose key doesn't start with ``_``, found recursively
through child Modules, dicts and lists.
"""

import os
import textwrap

import ember.core as mx
from ember.utils import tree_flatten, tree_unflatten

_ITEM_TYPES = (mx.array, dict, list, tuple)


def _default_is_leaf(module, key, value):
    return not isinstance(value, (Module, dict, list))


def _unwrap(module, key, value, filter_fn, map_fn, is_leaf_fn):
    # Entries of plain dicts/lists are filtered with the owning module and a
    # dotted key ("w.0"), so that freeze/unfreeze keys can name them.
    if is_leaf_fn(module, key, value):
        return map_fn(value)
    if isinstance(value, Module):
        return {
            k: _unwrap(value, k, v, filter_fn, map_fn, is_leaf_fn)
            for k, v in value.items()
            if filter_fn(value, k, v)
        }
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            sub = f"{key}.{k}"
            out[k] = (
                _unwrap(module, sub, v, filter_fn, map_fn, is_leaf_fn)
                if filter_fn(module, sub, v)
                else {}
            )
        return out
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            sub = f"{key}.{i}"
            out.append(
                _unwrap(module, sub, v, filter_fn, map_fn, is_leaf_fn)
                if filter_fn(module, sub, v)
                else {}
            )
        return out
    raise RuntimeError(
        f"[Module] Unexpected leaf of type {type(value).__name__} at key "
        f"{key!r} while traversing the module."
    )


def _child_pairs(module, prefix):
    """(dotted_name, child) pairs of the direct children, in insertion order."""
    pre = f"{prefix}." if prefix else ""
    return tree_flatten(module.children(), prefix=pre, is_leaf=Module.is_module)


class Module(dict):
    """Base class for layers and models.

    Subclasses call ``super().__init__()`` and define ``__call__``. Arrays,
    dicts, lists and tuples assigned as attributes become dict items
    (``m.weight`` is ``m["weight"]``); other values are plain attributes.

    Example:
        >>> import ember.core as mx
        >>> import ember.nn as nn
        >>> class Affine(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.w = mx.ones((2,))
        ...     def __call__(self, x):
        ...         return self.w * x
        >>> sorted(Affine().parameters())
        ['w']
    """

    def __init__(self):
        self._no_grad = set()
        self._training = True

    # ------------------------------------------------------------ storage
    def __getattr__(self, key):
        value = self.get(key, None)
        if value is not None:
            return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def __setattr__(self, key, value):
        if isinstance(value, _ITEM_TYPES):
            if key not in self and key in self.__dict__:
                object.__delattr__(self, key)
            self[key] = value
        else:
            super().__setattr__(key, value)
            self.pop(key, None)

    def __delattr__(self, key):
        if key in self:
            del self[key]
        else:
            super().__delattr__(key)

    # dict subclasses are unhashable; modules are compared and hashed by identity
    # so that they can be used as keys (e.g. in caches).
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def _extra_repr(self):
        return ""

    def __repr__(self):
        children = _child_pairs(self, "")
        text = f"{type(self).__name__}({self._extra_repr()}"
        for name, child in children:
            text += "\n" + textwrap.indent(f"({name}): {child!r}", "  ")
        if children:
            text += "\n"
        return text + ")"

    # --------------------------------------------------------- properties
    @property
    def training(self):
        """bool: Whether the module is in training mode."""
        return self._training

    @property
    def state(self):
        """The module itself: its items are its state tree."""
        return self

    # ------------------------------------------------------------ filters
    @staticmethod
    def is_module(value):
        """True when ``value`` is a :class:`Module`."""
        return isinstance(value, Module)

    @staticmethod
    def valid_child_filter(module, key, value):
        """Children live in dicts and lists (Modules are dicts)."""
        return isinstance(value, (dict, list))

    @staticmethod
    def valid_parameter_filter(module, key, value):
        """Arrays, dicts and lists whose key doesn't start with ``_``."""
        return isinstance(value, (dict, list, mx.array)) and not key.startswith("_")

    @staticmethod
    def trainable_parameter_filter(module, key, value):
        """Valid parameters that are not frozen."""
        return Module.valid_parameter_filter(module, key, value) and key not in module._no_grad

    def filter_and_map(self, filter_fn, map_fn=None, is_leaf_fn=None):
        """Walks the module tree and returns the selected (mapped) values.

        Args:
            filter_fn (Callable): ``filter_fn(module, key, value) -> bool``
                selects values; dict/list entries that fail it become ``{}``.
            map_fn (Callable | None): Applied to each selected leaf.
            is_leaf_fn (Callable | None): ``is_leaf_fn(module, key, value)``
                stops the recursion (default: anything but Module/dict/list).

        Returns:
            dict: A tree mirroring the module's attribute names.

        Example:
            >>> import ember.nn as nn
            >>> sorted(nn.Linear(2, 3).filter_and_map(nn.Module.valid_parameter_filter))
            ['bias', 'weight']
        """
        map_fn = map_fn or (lambda x: x)
        is_leaf_fn = is_leaf_fn or _default_is_leaf
        return {
            k: _unwrap(self, k, v, filter_fn, map_fn, is_leaf_fn)
            for k, v in self.items()
            if filter_fn(self, k, v)
        }

    # -------------------------------------------------------- tree access
    def parameters(self):
        """All parameters as a nested dict.

        Returns:
            dict: ``{name: array | dict | list}``.

        Example:
            >>> import ember.nn as nn
            >>> nn.Linear(2, 3).parameters()["weight"].shape
            (3, 2)
        """
        return self.filter_and_map(self.valid_parameter_filter)

    def trainable_parameters(self):
        """Parameters that are not frozen, as a nested dict.

        Returns:
            dict: The trainable subset of :meth:`parameters`.

        Example:
            >>> import ember.nn as nn
            >>> list(nn.Linear(2, 3).freeze(keys="bias").trainable_parameters())
            ['weight']
        """
        return self.filter_and_map(self.trainable_parameter_filter)

    def children(self):
        """Direct child modules, nested in the dicts/lists that hold them.

        Returns:
            dict: ``{name: Module | dict | list}``.

        Example:
            >>> import ember.nn as nn
            >>> len(nn.Sequential(nn.ReLU(), nn.ReLU()).children()["layers"])
            2
        """
        return self.filter_and_map(
            self.valid_child_filter, is_leaf_fn=lambda m, k, v: isinstance(v, Module)
        )

    def leaf_modules(self):
        """Modules without child modules, nested like :meth:`children`.

        Returns:
            dict: The leaf-module tree.

        Example:
            >>> import ember.nn as nn
            >>> nn.Sequential(nn.Linear(1, 1)).leaf_modules()["layers"][0]
            Linear(input_dims=1, output_dims=1, bias=True)
        """

        def is_leaf_module(m, k, v):
            return isinstance(v, Module) and len(tree_flatten(v.children())) == 0

        return self.filter_and_map(self.valid_child_filter, is_leaf_fn=is_leaf_module)

    def named_modules(self):
        """All modules with their dotted names, self (``""``) first.

        The walk is stack-based: after a module come the subtrees of its
        children, the last child's subtree first.

        Returns:
            list[tuple[str, Module]]

        Example:
            >>> import ember.nn as nn
            >>> [n for n, _ in nn.Sequential(nn.ReLU(), nn.Tanh()).named_modules()]
            ['', 'layers.1', 'layers.0']
        """
        out = []
        stack = [("", self)]
        while stack:
            name, module = stack.pop()
            out.append((name, module))
            stack.extend(_child_pairs(module, name))
        return out

    def modules(self):
        """All modules, in :meth:`named_modules` order.

        Returns:
            list[Module]

        Example:
            >>> import ember.nn as nn
            >>> len(nn.Sequential(nn.ReLU(), nn.Tanh()).modules())
            3
        """
        return [m for _, m in self.named_modules()]

    # ----------------------------------------------------------- mutation
    def update(self, parameters, strict=True):
        """Replaces parameters from a (partial) nested tree.

        Args:
            parameters (dict): Tree of new arrays, shaped like
                :meth:`parameters` (missing entries are left alone).
            strict (bool): Raise ValueError on unknown keys, non-array values
                where an array lives, and list indices out of range.

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.core as mx
            >>> import ember.nn as nn
            >>> m = nn.Linear(2, 2).update({"bias": mx.ones((2,))})
            >>> m.bias.tolist()
            [1.0, 1.0]
        """

        def assign(container, key, new, path):
            current = container[key]
            if isinstance(current, mx.array):
                if not isinstance(new, mx.array):
                    # {} marks an entry that the filter left out (e.g. frozen)
                    if strict and not (isinstance(new, (dict, list)) and len(new) == 0):
                        raise ValueError(
                            f"[Module.update] Parameter {path!r} must be an array; "
                            f"got {type(new).__name__}."
                        )
                    return
                container[key] = new
            else:
                walk(current, new, path)

        def walk(dst, src, path):
            if isinstance(src, dict):
                if not isinstance(dst, dict):
                    if strict and src:
                        raise ValueError(
                            f"[Module.update] Expected a {type(dst).__name__} at "
                            f"{path!r}; got a dict."
                        )
                    return
                for k, v in src.items():
                    sub = f"{path}.{k}" if path else str(k)
                    if k in dst:
                        assign(dst, k, v, sub)
                    elif strict:
                        raise ValueError(
                            f"[Module.update] Module does not have parameter named {sub!r}."
                        )
            elif isinstance(src, list):
                if not isinstance(dst, (list, tuple)):
                    if strict:
                        raise ValueError(
                            f"[Module.update] Expected a {type(dst).__name__} at "
                            f"{path!r}; got a list."
                        )
                    return
                for i, v in enumerate(src):
                    sub = f"{path}.{i}" if path else str(i)
                    if i >= len(dst):
                        if strict:
                            raise ValueError(
                                f"[Module.update] List index {sub!r} is out of range "
                                f"(the module's list has {len(dst)} entries)."
                            )
                        continue
                    if isinstance(dst, tuple):
                        if strict:
                            raise ValueError(f"[Module.update] Cannot update tuple entry {sub!r}.")
                        continue
                    assign(dst, i, v, sub)
            elif strict:
                raise ValueError(
                    f"[Module.update] Received invalid type {type(src).__name__} "
                    f"at {path or 'the top level'!r}."
                )

        walk(self, parameters, "")
        return self

    def update_modules(self, modules, strict=True):
        """Replaces sub-modules from a (partial) nested tree.

        Args:
            modules (dict): Tree of new modules, shaped like :meth:`children`.
            strict (bool): Raise ValueError on unknown keys or values that are
                neither modules nor containers of modules.

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.nn as nn
            >>> m = nn.Sequential(nn.ReLU()).update_modules({"layers": [nn.Tanh()]})
            >>> m.layers[0]
            Tanh()
        """

        def assign(container, key, new, path):
            current = container[key]
            if isinstance(current, Module) and isinstance(new, Module):
                container[key] = new
            elif isinstance(current, (dict, list)):
                walk(current, new, path)
            elif strict and not (isinstance(new, (dict, list)) and len(new) == 0):
                raise ValueError(
                    f"[Module.update_modules] Cannot put a {type(new).__name__} at "
                    f"{path!r} (holds a {type(current).__name__})."
                )

        def walk(dst, src, path):
            if isinstance(src, dict):
                if not isinstance(dst, dict):
                    if strict and src:
                        raise ValueError(
                            f"[Module.update_modules] Expected a {type(dst).__name__} "
                            f"at {path!r}; got a dict."
                        )
                    return
                for k, v in src.items():
                    sub = f"{path}.{k}" if path else str(k)
                    if k in dst:
                        assign(dst, k, v, sub)
                    elif strict:
                        raise ValueError(
                            f"[Module.update_modules] Module does not have sub-module "
                            f"named {sub!r}."
                        )
            elif isinstance(src, list):
                if not isinstance(dst, list):
                    if strict and src:
                        raise ValueError(
                            f"[Module.update_modules] Expected a {type(dst).__name__} "
                            f"at {path!r}; got a list."
                        )
                    return
                for i, v in enumerate(src):
                    sub = f"{path}.{i}" if path else str(i)
                    if i >= len(dst):
                        if strict:
                            raise ValueError(
                                f"[Module.update_modules] List index {sub!r} is out of "
                                f"range (the module's list has {len(dst)} entries)."
                            )
                        continue
                    assign(dst, i, v, sub)
            elif strict:
                raise ValueError(
                    f"[Module.update_modules] Received invalid type "
                    f"{type(src).__name__} at {path or 'the top level'!r}."
                )

        walk(self, modules, "")
        return self

    def apply(self, map_fn, filter_fn=None):
        """Maps the (filtered) parameters and writes the results back.

        Args:
            map_fn (Callable): ``array -> array``.
            filter_fn (Callable | None): Selects parameters (default
                :meth:`valid_parameter_filter`).

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.core as mx
            >>> import ember.nn as nn
            >>> m = nn.Linear(2, 2).apply(lambda p: mx.zeros_like(p))
            >>> m.weight.sum().item()
            0.0
        """
        filter_fn = filter_fn or self.valid_parameter_filter
        return self.update(self.filter_and_map(filter_fn, map_fn))

    def apply_to_modules(self, apply_fn):
        """Calls ``apply_fn(name, module)`` on every module (``named_modules`` order).

        Args:
            apply_fn (Callable): ``(str, Module) -> None``.

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.nn as nn
            >>> names = []
            >>> _ = nn.Sequential(nn.ReLU()).apply_to_modules(lambda n, m: names.append(n))
            >>> names
            ['', 'layers.0']
        """
        stack = [("", self)]
        while stack:
            name, module = stack.pop()
            apply_fn(name, module)
            stack.extend(_child_pairs(module, name))
        return self

    def _local_parameter_keys(self):
        # Dotted keys of the arrays held directly by this module (not by children).
        tree = self.filter_and_map(
            lambda m, k, v: not isinstance(v, Module) and m.valid_parameter_filter(m, k, v)
        )
        return [k for k, _ in tree_flatten(tree)]

    def _visited(self, recurse):
        return self.modules() if recurse else [self]

    def _check_keys(self, op, keys, recurse):
        known = set()
        for m in self._visited(recurse):
            known.update(m.keys())
            known.update(m._local_parameter_keys())
        missing = [k for k in keys if k not in known]
        if missing:
            raise KeyError(f"[Module.{op}] Module doesn't contain member(s) {missing}.")

    def freeze(self, *, recurse=True, keys=None, strict=False):
        """Excludes parameters from :meth:`trainable_parameters`.

        Args:
            recurse (bool): Also freeze the sub-modules.
            keys (str | list[str] | None): Local parameter names to freeze in
                each visited module (default: all of its parameters).
            strict (bool): With ``keys``, raise KeyError when a key exists in
                none of the visited modules.

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.nn as nn
            >>> nn.Linear(2, 2).freeze().trainable_parameters()
            {}
        """
        if isinstance(keys, str):
            keys = [keys]
        if keys is not None and strict:
            self._check_keys("freeze", keys, recurse)
        for m in self._visited(recurse):
            m._no_grad.update(m._local_parameter_keys() if keys is None else keys)
        return self

    def unfreeze(self, *, recurse=True, keys=None, strict=False):
        """Makes frozen parameters trainable again.

        Args:
            recurse (bool): Also unfreeze the sub-modules.
            keys (str | list[str] | None): Names to unfreeze (default: all).
            strict (bool): With ``keys``, raise KeyError when a key exists in
                none of the visited modules.

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.nn as nn
            >>> sorted(nn.Linear(2, 2).freeze().unfreeze(keys="bias").trainable_parameters())
            ['bias']
        """
        if isinstance(keys, str):
            keys = [keys]
        if keys is not None and strict:
            self._check_keys("unfreeze", keys, recurse)
        for m in self._visited(recurse):
            m._unfreeze_local(keys)
        return self

    def _unfreeze_local(self, keys):
        # Hook for layers whose buffers must stay frozen (BatchNorm).
        if keys is None:
            self._no_grad.clear()
        else:
            self._no_grad.difference_update(keys)

    def _set_training_mode(self, mode):
        self._training = mode

    def train(self, mode=True):
        """Sets training mode on this module and all sub-modules.

        Args:
            mode (bool): True for training, False for evaluation.

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.nn as nn
            >>> nn.Dropout().train(False).training
            False
        """
        mode = bool(mode)
        return self.apply_to_modules(lambda _, m: m._set_training_mode(mode))

    def eval(self):
        """Sets evaluation mode (``train(False)``).

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.nn as nn
            >>> nn.Dropout().eval().training
            False
        """
        return self.train(False)

    def set_dtype(self, dtype, predicate=lambda t: mx.issubdtype(t, mx.floating)):
        """Casts the parameters whose dtype matches ``predicate``.

        Args:
            dtype (Dtype): Target dtype.
            predicate (Callable | None): ``Dtype -> bool``; default casts
                floating-point parameters only; None casts all.

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.core as mx
            >>> import ember.nn as nn
            >>> nn.Linear(2, 2).set_dtype(mx.float16).weight.dtype
            ember.core.float16
        """
        if predicate is None:
            predicate = lambda _: True  # noqa: E731
        return self.apply(lambda p: p.astype(dtype) if predicate(p.dtype) else p)

    # ----------------------------------------------------------------- io
    def load_weights(self, file_or_weights, strict=True):
        """Loads parameters from a file or a list of ``(dotted_name, array)``.

        Args:
            file_or_weights (str | os.PathLike | list[tuple[str, array]]): A
                ``.safetensors``/``.npz`` path (anything ``load`` reads) or pairs.
            strict (bool): Raise ValueError on extra or missing names,
                non-array values and shape mismatches (dtypes aren't checked).

        Returns:
            Module: ``self``.

        Example:
            >>> import ember.core as mx
            >>> import ember.nn as nn
            >>> m = nn.Linear(2, 1).load_weights(
            ...     [("weight", mx.ones((1, 2))), ("bias", mx.zeros((1,)))])
            >>> m.weight.tolist()
            [[1.0, 1.0]]
        """
        weights = file_or_weights
        if isinstance(weights, (str, os.PathLike)):
            loaded = mx.load(os.fspath(weights))
            if isinstance(loaded, tuple):  # (arrays, metadata)
                loaded = loaded[0]
            if not isinstance(loaded, dict):
                raise ValueError(
                    f"[Module.load_weights] {os.fspath(weights)!r} holds a single "
                    "array, not named weights."
                )
            weights = list(loaded.items())
        elif isinstance(weights, dict):
            weights = list(weights.items())
        else:
            weights = list(weights)
        if strict:
            new = dict(weights)
            current = dict(tree_flatten(self.parameters()))
            extra = sorted(new.keys() - current.keys())
            if extra:
                raise ValueError(
                    f"[Module.load_weights] Received {len(extra)} parameters not in "
                    f"the model: {', '.join(extra)}."
                )
            missing = sorted(current.keys() - new.keys())
            if missing:
                raise ValueError(
                    f"[Module.load_weights] Missing {len(missing)} parameters: "
                    f"{', '.join(missing)}."
                )
            for name, cur in current.items():
                value = new[name]
                if not isinstance(value, mx.array):
                    raise ValueError(
                        f"[Module.load_weights] Expected an array for parameter "
                        f"{name!r}; got {type(value).__name__}."
                    )
                if tuple(value.shape) != tuple(cur.shape):
                    raise ValueError(
                        f"[Module.load_weights] Expected shape {tuple(cur.shape)} for "
                        f"parameter {name!r}; got {tuple(value.shape)}."
                    )
        if weights:
            self.update(tree_unflatten(weights), strict=False)
        return self

    def save_weights(self, file):
        """Saves the parameters to ``.safetensors`` or ``.npz``.

        Args:
            file (str | os.PathLike): Path; the extension picks the format.

        Example:
            >>> import os, tempfile
            >>> import ember.nn as nn
            >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
            >>> nn.Linear(2, 2).save_weights(path)
        """
        path = os.fspath(file)
        flat = dict(tree_flatten(self.parameters()))
        if path.endswith(".npz"):
            mx.savez(path, **flat)
        elif path.endswith(".safetensors"):
            mx.save_safetensors(path, flat)
        else:
            raise ValueError(
                f"[Module.save_weights] Unsupported file extension in {path!r}; "
                "use '.npz' or '.safetensors'."
            )
