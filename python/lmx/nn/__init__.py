"""lmx.nn: modules, layers, activations, losses and initializers, as mlx.nn.

The classes are the C++ lmx::nn classes; what is added here is only what
Python's side of Module needs: the tree-shaped views MLX returns
(children, leaf_modules), the MLX-order module walk, and value_and_grad.
"""

import functools
import sys

from lmx import core as _mx
from lmx._core import _nn
from lmx._core._nn import *  # noqa: F401,F403  (Module, the layers, activations)
from lmx._core._nn import Module, init, losses  # noqa: F401
from lmx.utils import tree_unflatten as _tree_unflatten

# `import lmx.nn.losses` and `from lmx.nn.init import ...` as in MLX.
sys.modules[__name__ + ".losses"] = losses
sys.modules[__name__ + ".init"] = init


def _children(self):
    """Direct submodules in the structure they are held in (dicts, lists)."""
    return _tree_unflatten(list(self._children()))


def _named_modules(self):
    """(path, module) for this module and all below it, as MLX orders them."""
    out, stack = [], [("", self)]
    while stack:
        prefix, m = stack.pop()
        out.append((prefix, m))
        for name, child in m._children():
            stack.append((f"{prefix}.{name}" if prefix else name, child))
    return out


def _modules(self):
    return [m for _, m in _named_modules(self)]


def _leaf_modules(self):
    leaves = [(k, m) for k, m in _named_modules(self) if not m._children() and k]
    return _tree_unflatten(list(reversed(leaves)))


def _apply(self, *args, **kwargs):
    """``apply(map_fn, filter_fn=None)`` maps parameters, as MLX; the seeds'
    functional ``apply(params, x)`` runs the forward pass on ``params``."""
    if args and callable(args[0]) and not isinstance(args[0], (dict, list)):
        map_fn = args[0]
        filter_fn = args[1] if len(args) > 1 else kwargs.get("filter_fn")
        for _, m in _named_modules(self):
            local = {k: v for k, v in m.parameters().items() if not isinstance(v, dict)}
            new = {}
            for k, v in local.items():
                if filter_fn is not None and not filter_fn(m, k, v):
                    continue
                new[k] = _mx_tree_map(map_fn, v)
            if new:
                m.update(new, strict=False)
        return self
    params, rest = args[0], args[1:]
    saved = self.parameters()
    self.update(params, strict=False)
    try:
        return self(*rest, **kwargs)
    finally:
        self.update(saved, strict=False)


def _mx_tree_map(fn, tree):
    from lmx.utils import tree_map

    return tree_map(fn, tree)


def _apply_to_modules(self, apply_fn):
    for name, m in _named_modules(self):
        apply_fn(name, m)
    return self


def _update_modules(self, modules, strict=True):
    from lmx.utils import tree_flatten

    flat = tree_flatten(modules, is_leaf=lambda x: isinstance(x, Module))
    return self._update_modules(flat, strict)


def _getitem(self, key):
    if key not in self.keys():
        raise KeyError(key)
    return getattr(self, key)


# MLX's Module is a dict of its parameters, submodules and containers.
Module.__getitem__ = _getitem
Module.__contains__ = lambda self, key: key in self.keys()
Module.__iter__ = lambda self: iter(self.keys())
Module.values = lambda self: [getattr(self, k) for k in self.keys()]
Module.items = lambda self: [(k, getattr(self, k)) for k in self.keys()]
Module.get = lambda self, key, default=None: getattr(self, key) if key in self.keys() else default
Module.is_module = staticmethod(lambda value: isinstance(value, Module))
Module.children = _children
Module.named_modules = _named_modules
Module.modules = _modules
Module.leaf_modules = _leaf_modules
Module.apply = _apply
Module.apply_to_modules = _apply_to_modules
Module.update_modules = _update_modules


def value_and_grad(model, fn):
    """fn's value and its gradient with respect to model's trainable
    parameters; call the result as fn would be called."""

    def inner(params, *args, **kwargs):
        model.update(params, strict=False)
        return fn(*args, **kwargs)

    vg = _mx.value_and_grad(inner)

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        params = model.trainable_parameters()
        try:
            return vg(params, *args, **kwargs)
        finally:
            # The traced arrays must not stay in the model.
            model.update(params, strict=False)

    return wrapped


def average_gradients(gradients, group=None, all_reduce_size=32 * 1024**2, communication_type=None,
                      communication_stream=None):
    """The mean of ``gradients`` (a tree of arrays) over the ranks of ``group``
    (the world by default), small arrays bucketed into all_sum calls of about
    ``all_reduce_size`` bytes (0: one call per array), travelling in
    ``communication_type`` when given. A group of one returns them as they are.
    ``communication_stream`` is accepted for MLX's signature; collectives run on
    the CPU."""
    del communication_stream
    return _mx.distributed._average_gradients(gradients, group, all_reduce_size, communication_type)
