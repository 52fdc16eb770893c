"""ember.utils tree helpers."""

from collections import namedtuple

import pytest

from ember.utils import (tree_flatten, tree_map, tree_map_with_path, tree_merge,
                         tree_reduce, tree_unflatten)


def test_tree_map_and_paths():
    t = {"a": [1, 2], "b": (3, {"c": 4}), "d": None}
    assert tree_map(lambda x: x if x is None else x * 2, t) == {
        "a": [2, 4], "b": (6, {"c": 8}), "d": None}
    assert tree_map(lambda x, y: x + y, [1, 2], [10, 20]) == [11, 22]
    assert tree_map(lambda x: len(x), [[1, 2], [3]], is_leaf=lambda x: isinstance(x, list)
                    and all(isinstance(i, int) for i in x)) == [2, 1]
    assert tree_map_with_path(lambda p, x: p, {"a": [1, (2,)]}) == {"a": ["a.0", ("a.1.0",)]}
    P = namedtuple("P", "x y")
    assert tree_map(lambda v: v + 1, P(1, 2)) == P(2, 3)


def test_flatten_unflatten():
    t = {"layers": [{"w": 1}, {"w": 2}], "b": 3}
    flat = tree_flatten(t)
    assert flat == [("layers.0.w", 1), ("layers.1.w", 2), ("b", 3)]
    assert tree_flatten(t, destination={}) == dict(flat)
    assert tree_flatten(5) == [("", 5)]
    assert tree_flatten([[], {}]) == []
    assert tree_flatten([1], prefix="p") == [("p.0", 1)]
    assert tree_unflatten(flat) == t
    assert tree_unflatten(dict(flat)) == t
    assert tree_unflatten([("", 7)]) == 7
    assert tree_unflatten([("0", 1), ("2", 3)]) == [1, {}, 3]


def test_reduce_merge():
    assert tree_reduce(lambda a, x: a + x, {"a": [1, 2], "b": 3}) == 6
    assert tree_reduce(lambda a, x: a + x, [1, 2], 10) == 13
    assert tree_merge({"a": 1, "c": []}, {"b": 2, "c": [5]}) == {"a": 1, "b": 2, "c": [5]}
    assert tree_merge([1, None], [None, 2]) == [1, 2]
    assert tree_merge({"a": 1}, {"a": 2}, merge_fn=lambda x, y: x + y) == {"a": 3}
    with pytest.raises(ValueError):
        tree_merge({"a": 1}, {"a": 2})
    with pytest.raises(ValueError):
        tree_merge([], {})
