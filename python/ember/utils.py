"""Tree helpers over nested lists, tuples and dicts (``mlx.utils`` API).

A tree is any nesting of ``list``, ``tuple`` and ``dict``; everything else,
including ``None``, is a leaf.
"""

from collections import defaultdict


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _rebuild_tuple(tree, items):
    if _is_namedtuple(tree):
        return type(tree)(*items)
    return tuple(items)


def tree_map(fn, tree, *rest, is_leaf=None):
    """Applies ``fn`` to the leaves of ``tree`` (and matching leaves of ``rest``).

    Args:
        fn (Callable): Called as ``fn(leaf, *rest_leaves)``.
        tree: The tree to map over.
        *rest: Trees that contain ``tree``'s structure.
        is_leaf (Callable | None): Stops recursion where it returns True.

    Returns:
        A tree of the same structure with the results.

    Example:
        >>> from ember.utils import tree_map
        >>> tree_map(lambda x: x * 2, {"a": [1, 2], "b": 3})
        {'a': [2, 4], 'b': 6}
    """
    if is_leaf is not None and is_leaf(tree):
        return fn(tree, *rest)
    if isinstance(tree, (list, tuple)):
        items = [
            tree_map(fn, child, *(r[i] for r in rest), is_leaf=is_leaf)
            for i, child in enumerate(tree)
        ]
        return list(items) if isinstance(tree, list) else _rebuild_tuple(tree, items)
    if isinstance(tree, dict):
        return {
            k: tree_map(fn, child, *(r[k] for r in rest), is_leaf=is_leaf)
            for k, child in tree.items()
        }
    return fn(tree, *rest)


def tree_map_with_path(fn, tree, *rest, is_leaf=None, path=None):
    """Like :func:`tree_map` but calls ``fn(path, leaf, *rest_leaves)``.

    Args:
        fn (Callable): Called with the dotted path of each leaf first.
        tree: The tree to map over.
        *rest: Trees that contain ``tree``'s structure.
        is_leaf (Callable | None): Stops recursion where it returns True.
        path (str | None): Prefix of the paths.

    Returns:
        A tree of the same structure with the results.

    Example:
        >>> from ember.utils import tree_map_with_path
        >>> tree_map_with_path(lambda p, x: p, {"a": [1, 2]})
        {'a': ['a.0', 'a.1']}
    """
    if is_leaf is not None and is_leaf(tree):
        return fn(path, tree, *rest)

    def sub(key):
        return str(key) if path is None else f"{path}.{key}"

    if isinstance(tree, (list, tuple)):
        items = [
            tree_map_with_path(
                fn, child, *(r[i] for r in rest), is_leaf=is_leaf, path=sub(i)
            )
            for i, child in enumerate(tree)
        ]
        return list(items) if isinstance(tree, list) else _rebuild_tuple(tree, items)
    if isinstance(tree, dict):
        return {
            k: tree_map_with_path(
                fn, child, *(r[k] for r in rest), is_leaf=is_leaf, path=sub(k)
            )
            for k, child in tree.items()
        }
    return fn(path, tree, *rest)


def tree_flatten(tree, prefix="", is_leaf=None, destination=None):
    """Flattens a tree into ``(dotted_key, leaf)`` pairs.

    Args:
        tree: The tree.
        prefix (str): Prefix of the keys.
        is_leaf (Callable | None): Stops recursion where it returns True.
        destination (list | dict | None): Where to put the pairs; a dict
            gives ``{key: leaf}``.

    Returns:
        list[tuple[str, Any]] | dict[str, Any]

    Example:
        >>> from ember.utils import tree_flatten
        >>> tree_flatten([[1, 2], {"a": 3}])
        [('0.0', 1), ('0.1', 2), ('1.a', 3)]
    """
    if destination is None:
        destination = []
    add = (
        destination.__setitem__
        if isinstance(destination, dict)
        else lambda k, v: destination.append((k, v))
    )

    def rec(node, pre):
        if is_leaf is None or not is_leaf(node):
            if isinstance(node, (list, tuple)):
                for i, child in enumerate(node):
                    rec(child, f"{pre}.{i}" if pre else str(i))
                return
            if isinstance(node, dict):
                for k, child in node.items():
                    rec(child, f"{pre}.{k}" if pre else str(k))
                return
        add(pre, node)

    rec(tree, prefix[:-1] if prefix.endswith(".") else prefix)
    return destination


def tree_unflatten(tree):
    """Rebuilds a tree from ``(dotted_key, value)`` pairs or a dict.

    Levels whose keys are all integers become lists (gaps filled with ``{}``),
    others dicts; a single ``("", v)`` gives ``v``.

    Args:
        tree (list[tuple[str, Any]] | dict[str, Any]): Flat pairs.

    Returns:
        The nested tree.

    Example:
        >>> from ember.utils import tree_unflatten
        >>> tree_unflatten([("a.0", 1), ("a.1", 2), ("b", 3)])
        {'a': [1, 2], 'b': 3}
    """
    items = list(tree.items()) if isinstance(tree, dict) else list(tree)
    if len(items) == 1 and items[0][0] == "":
        return items[0][1]
    children = defaultdict(list)
    for key, value in items:
        head, _, tail = key.partition(".")
        children[head].append((tail, value))

    def build(sub):
        if len(sub) == 1 and sub[0][0] == "":
            return sub[0][1]
        return tree_unflatten(sub)

    if children and all(k.isdigit() for k in children):
        keys = sorted(children, key=int)
        out = [{} for _ in range(int(keys[-1]) + 1)]
        for k in keys:
            out[int(k)] = build(children[k])
        return out
    return {k: build(v) for k, v in children.items()}


def tree_reduce(fn, tree, initializer=None, is_leaf=None):
    """Left fold ``fn(acc, leaf)`` over the leaves of a tree.

    Args:
        fn (Callable): The reducer.
        tree: The tree.
        initializer: Initial accumulator (the first leaf if None).
        is_leaf (Callable | None): Stops recursion where it returns True.

    Returns:
        The accumulated value.

    Example:
        >>> from ember.utils import tree_reduce
        >>> tree_reduce(lambda acc, x: acc + x, {"a": [1, 2], "b": 3}, 0)
        6
    """
    leaves = [v for _, v in tree_flatten(tree, is_leaf=is_leaf)]
    it = iter(leaves)
    acc = initializer
    if acc is None:
        try:
            acc = next(it)
        except StopIteration:
            return None
    for leaf in it:
        acc = fn(acc, leaf)
    return acc


def _is_empty(x):
    return isinstance(x, (list, tuple, dict)) and len(x) == 0


def tree_merge(tree_a, tree_b, merge_fn=None):
    """Structural union of two trees.

    Empty containers count as missing; where both trees hold a leaf,
    ``merge_fn(a, b)`` decides (ValueError without it).

    Args:
        tree_a: First tree.
        tree_b: Second tree.
        merge_fn (Callable | None): Merges two leaves.

    Returns:
        The merged tree.

    Example:
        >>> from ember.utils import tree_merge
        >>> tree_merge({"a": 1}, {"b": 2})
        {'a': 1, 'b': 2}
    """
    if tree_a is None or _is_empty(tree_a):
        if _is_empty(tree_a) and _is_empty(tree_b) and type(tree_a) is not type(tree_b):
            raise ValueError(
                f"Trees contain empty containers of different types: "
                f"{type(tree_a).__name__} and {type(tree_b).__name__}."
            )
        return tree_b if tree_b is not None else tree_a
    if tree_b is None or _is_empty(tree_b):
        return tree_a
    if isinstance(tree_a, (list, tuple)) and isinstance(tree_b, (list, tuple)):
        n = max(len(tree_a), len(tree_b))
        items = [
            tree_merge(
                tree_a[i] if i < len(tree_a) else None,
                tree_b[i] if i < len(tree_b) else None,
                merge_fn,
            )
            for i in range(n)
        ]
        return list(items) if isinstance(tree_a, list) else _rebuild_tuple(tree_a, items)
    if isinstance(tree_a, dict) and isinstance(tree_b, dict):
        out = {}
        for k in list(tree_a) + [k for k in tree_b if k not in tree_a]:
            out[k] = tree_merge(tree_a.get(k), tree_b.get(k), merge_fn)
        return out
    if isinstance(tree_a, (list, tuple, dict)) or isinstance(tree_b, (list, tuple, dict)):
        raise ValueError(
            f"Trees have different structures: {type(tree_a).__name__} and "
            f"{type(tree_b).__name__}."
        )
    if merge_fn is None:
        raise ValueError(
            f"Trees contain leaves at the same location ({tree_a!r}, {tree_b!r}); "
            "pass merge_fn to combine them."
        )
    return merge_fn(tree_a, tree_b)
