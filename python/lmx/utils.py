"""Tree utilities over Python containers (lists, tuples, dicts), as
mlx.utils. A module counts as the dict of its parameters."""

from collections import defaultdict


def _as_tree(tree):
    from lmx.nn import Module

    return tree.parameters() if isinstance(tree, Module) else tree


def tree_map(fn, tree, *rest, is_leaf=None):
    """Applies fn to the leaves of tree (and the matching leaves of rest)."""
    if is_leaf is not None and is_leaf(tree):
        return fn(tree, *rest)
    tree = _as_tree(tree)
    if isinstance(tree, (list, tuple)):
        return type(tree)(
            tree_map(fn, child, *(r[i] for r in rest), is_leaf=is_leaf) for i, child in enumerate(tree)
        )
    if isinstance(tree, dict):
        return {k: tree_map(fn, child, *(r[k] for r in rest), is_leaf=is_leaf) for k, child in tree.items()}
    return fn(tree, *rest)


def tree_map_with_path(fn, tree, *rest, is_leaf=None, path=None):
    """tree_map whose fn also receives the dotted path of each leaf."""
    if is_leaf is not None and is_leaf(tree):
        return fn(path, tree, *rest)
    tree = _as_tree(tree)
    if isinstance(tree, (list, tuple)):
        prefix = f"{path}." if path else ""
        return type(tree)(
            tree_map_with_path(fn, child, *(r[i] for r in rest), is_leaf=is_leaf, path=f"{prefix}{i}")
            for i, child in enumerate(tree)
        )
    if isinstance(tree, dict):
        prefix = f"{path}." if path else ""
        return {
            k: tree_map_with_path(fn, child, *(r[k] for r in rest), is_leaf=is_leaf, path=f"{prefix}{k}")
            for k, child in tree.items()
        }
    return fn(path, tree, *rest)


def tree_flatten(tree, prefix="", is_leaf=None):
    """[(dotted path, leaf)] in order, e.g. [("layers.0.weight", w), ...]."""
    flat_prefix = prefix[1:] if prefix.startswith(".") else prefix
    if is_leaf is not None and is_leaf(tree):
        return [(flat_prefix, tree)]
    tree = _as_tree(tree)
    if isinstance(tree, (list, tuple)):
        out = []
        for i, t in enumerate(tree):
            out.extend(tree_flatten(t, f"{prefix}.{i}", is_leaf))
        return out
    if isinstance(tree, dict):
        out = []
        for k, t in tree.items():
            out.extend(tree_flatten(t, f"{prefix}.{k}", is_leaf))
        return out
    return [(flat_prefix, tree)]


def tree_unflatten(tree):
    """Rebuilds a tree from tree_flatten's output; integer keys make lists."""
    if len(tree) == 1 and tree[0][0] == "":
        return tree[0][1]
    try:
        int(tree[0][0].split(".", maxsplit=1)[0])
        is_list = True
    except (ValueError, IndexError):
        is_list = False
    children = defaultdict(list)
    for key, value in tree:
        current, *rest = key.split(".", maxsplit=1)
        children[current].append((rest[0] if rest else "", value))
    if is_list:
        keys = sorted((int(k), k) for k in children)
        out = []
        for i, k in keys:
            out.extend([{}] * (i - len(out)))
            out.append(tree_unflatten(children[k]))
        return out
    return {k: tree_unflatten(v) for k, v in children.items()}


def tree_reduce(fn, tree, initializer=None, is_leaf=None):
    """Folds fn over the leaves of tree, left to right."""
    if is_leaf is not None and is_leaf(tree):
        return tree if initializer is None else fn(initializer, tree)
    tree = _as_tree(tree)
    acc = initializer
    if isinstance(tree, (list, tuple)):
        children = tree
    elif isinstance(tree, dict):
        children = tree.values()
    else:
        return tree if initializer is None else fn(initializer, tree)
    for child in children:
        acc = tree_reduce(fn, child, acc, is_leaf)
    return acc


def tree_merge(tree_a, tree_b, merge_fn=None):
    """Merges two trees with disjoint leaves (or leaves merge_fn combines)."""
    tree_a, tree_b = _as_tree(tree_a), _as_tree(tree_b)
    if isinstance(tree_a, (dict, list, tuple)) and len(tree_a) == 0:
        return tree_b
    if isinstance(tree_b, (dict, list, tuple)) and len(tree_b) == 0:
        return tree_a
    if isinstance(tree_a, (list, tuple)) and isinstance(tree_b, (list, tuple)):
        if len(tree_a) != len(tree_b):
            raise ValueError("[tree_merge] Lists of different lengths cannot be merged.")
        return type(tree_a)(tree_merge(a, b, merge_fn) for a, b in zip(tree_a, tree_b))
    if isinstance(tree_a, dict) and isinstance(tree_b, dict):
        out = dict(tree_a)
        for k, v in tree_b.items():
            out[k] = tree_merge(tree_a[k], v, merge_fn) if k in tree_a else v
        return out
    if merge_fn is None:
        raise ValueError(
            "[tree_merge] Trees contain leaves at the same locations; pass merge_fn to combine them."
        )
    return merge_fn(tree_a, tree_b)
