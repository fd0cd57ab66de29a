import lmx.core as mx
from lmx.utils import tree_flatten, tree_map, tree_map_with_path, tree_merge, tree_reduce, tree_unflatten


def test_flatten_unflatten_round_trip():
    tree = {"layers": [{"w": 1, "b": 2}, {"w": 3}], "x": 4}
    flat = tree_flatten(tree)
    assert flat == [("layers.0.w", 1), ("layers.0.b", 2), ("layers.1.w", 3), ("x", 4)]
    assert tree_unflatten(flat) == tree


def test_map_reduce_merge():
    tree = {"a": [1, 2], "b": (3,)}
    assert tree_map(lambda x: x * 10, tree) == {"a": [10, 20], "b": (30,)}
    assert tree_map(lambda x, y: x + y, tree, tree) == {"a": [2, 4], "b": (6,)}
    assert tree_map_with_path(lambda p, x: p, tree) == {"a": ["a.0", "a.1"], "b": ("b.0",)}
    assert tree_reduce(lambda acc, x: acc + x, tree, 0) == 6
    assert tree_merge({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}


def test_arrays_are_leaves():
    tree = {"w": mx.ones((2,))}
    assert tree_map(lambda a: a * 2, tree)["w"].tolist() == [2, 2]
