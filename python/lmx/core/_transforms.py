"""MLX's pytree-aware transforms over the engine's flat ones.

The engine differentiates and compiles functions of lists of arrays; here
Python callables whose arguments and results are trees (lists, tuples, dicts)
of arrays are flattened into such lists and rebuilt afterwards.
"""

import functools

from lmx import _core

_leaves = _core._tree_leaves
_replace = _core._tree_replace


def _grad_error(what):
    return ValueError(f"[value_and_grad] {what}")


def _check_output(out):
    if isinstance(out, _core.array):
        return
    if isinstance(out, tuple) and out and isinstance(out[0], _core.array):
        return
    raise _grad_error(
        "The return value of the function whose gradient we want to compute should be "
        "either a scalar array or a tuple with the first value being a scalar array "
        f"(Union[array, tuple[array, Any, ...]]); but {type(out).__name__} was returned."
    )


def value_and_grad(fun, argnums=None, argnames=[]):
    """Returns a function computing fun's value and its gradient with respect
    to the arguments in ``argnums`` (positions) and ``argnames`` (keywords)."""
    if isinstance(argnames, str):
        argnames = [argnames]
    names = list(argnames)
    if argnums is None:
        argnums = [] if names else 0
    nums = [argnums] if isinstance(argnums, int) else list(argnums)
    # MLX returns a bare gradient for one argument, a tuple for several and
    # None for none.
    single = len(nums) == 1

    def split(args, kwargs):
        for i in nums:
            if i >= len(args) or i < -len(args):
                raise _grad_error(
                    f"Can't compute the gradient of argument index {i} because the function "
                    f"is called with only {len(args)} positional arguments."
                )
        for n in names:
            if n not in kwargs:
                raise _grad_error(
                    f"Can't compute the gradient of keyword argument '{n}' because the "
                    "function is called with the following keyword arguments "
                    f"{list(kwargs)}."
                )
        diff = [args[i] for i in nums] + [kwargs[n] for n in names]
        from lmx.nn import Module

        if any(isinstance(d, Module) for d in diff):
            raise _grad_error(
                "Cannot differentiate with respect to a Module argument; use "
                "nn.value_and_grad(model, fn) for the gradient of its trainable parameters."
            )
        return diff

    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        diff = split(args, kwargs)
        per = [_leaves(d) for d in diff]
        flat = [x for leaves in per for x in leaves]
        traced_out = []

        def rebuild(xs):
            trees, pos = [], 0
            for d, leaves in zip(diff, per):
                trees.append(_replace(d, xs[pos : pos + len(leaves)]))
                pos += len(leaves)
            return trees

        def inner(xs):
            trees = rebuild(xs)
            new_args, new_kwargs = list(args), dict(kwargs)
            for k, i in enumerate(nums):
                new_args[i] = trees[k]
            for k, n in enumerate(names):
                new_kwargs[n] = trees[len(nums) + k]
            out = fun(*new_args, **new_kwargs)
            _check_output(out)
            traced_out.append(out)
            return _leaves(out)

        values, grads = _core._value_and_grad(inner, list(range(len(flat))), flat)
        value = _replace(traced_out[-1], values)
        trees = rebuild(grads)
        positional = trees[: len(nums)]
        pos_grads = positional[0] if single else (tuple(positional) if positional else None)
        if names:
            return value, (pos_grads, dict(zip(names, trees[len(nums) :])))
        return value, pos_grads

    return wrapped


def grad(fun, argnums=None, argnames=[]):
    """Returns a function computing the gradient of fun (see value_and_grad)."""
    vg = value_and_grad(fun, argnums, argnames)

    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        return vg(*args, **kwargs)[1]

    return wrapped


def _as_list(out, who):
    if isinstance(out, _core.array):
        return [out]
    if isinstance(out, (list, tuple)) and all(isinstance(o, _core.array) for o in out):
        return list(out)
    raise ValueError(f"[{who}] The function must return an array or a list of arrays.")


def vjp(fun, primals, cotangents):
    """(outputs, vector-Jacobian products) of fun at primals."""
    outs, vjps = _core._vjp(lambda xs: _as_list(fun(*xs), "vjp"), list(primals), list(cotangents))
    return outs, vjps


def jvp(fun, primals, tangents):
    """(outputs, Jacobian-vector products) of fun at primals."""
    outs, jvps = _core._jvp(lambda xs: _as_list(fun(*xs), "jvp"), list(primals), list(tangents))
    return outs, jvps


# ---- vmap ----


def _leaf_axes(spec, tree, who, extra_dim=0):
    """Axis per array leaf of `tree` from `spec`: an int or None for all of
    it, or a list, tuple or dict matching the tree's structure. None
    (unmapped) becomes -1 and a negative axis counts from the end of the
    leaf's dimensions (plus `extra_dim`, the batch axis of outputs)."""
    if spec is None or isinstance(spec, int):
        out = []
        for leaf in _leaves(tree):
            if spec is None:
                out.append(-1)
                continue
            ndim = leaf.ndim + extra_dim
            axis = spec + ndim if spec < 0 else spec
            if axis < 0 or axis >= ndim:
                raise ValueError(
                    f"[vmap] {who} axis {spec} is out of range for an array with "
                    f"{leaf.ndim} dimensions."
                )
            out.append(axis)
        return out
    if isinstance(spec, (list, tuple)) and isinstance(tree, (list, tuple)):
        if len(spec) != len(tree):
            raise ValueError(
                f"[vmap] {who} has {len(spec)} entries for a tree with {len(tree)} entries."
            )
        return [a for sp, t in zip(spec, tree) for a in _leaf_axes(sp, t, who, extra_dim)]
    if isinstance(spec, dict) and isinstance(tree, dict):
        if set(spec) != set(tree):
            raise ValueError(f"[vmap] {who} keys {sorted(spec)} do not match {sorted(tree)}.")
        return [a for k in tree for a in _leaf_axes(spec[k], tree[k], who, extra_dim)]
    raise ValueError(f"[vmap] {who} {spec!r} does not match the structure of the values.")


def vmap(fun, in_axes=0, out_axes=0):
    """Returns fun vectorized over a batch axis of its inputs: ``in_axes``
    gives the axis of each argument (None: shared by all examples) and
    ``out_axes`` where each output's batch axis goes."""

    @functools.wraps(fun)
    def wrapped(*args):
        spec = in_axes
        if isinstance(spec, list):
            spec = tuple(spec)
        if isinstance(spec, tuple) and len(spec) != len(args):
            raise ValueError(
                f"[vmap] in_axes has {len(spec)} entries but the function got "
                f"{len(args)} arguments."
            )
        axes = _leaf_axes(spec, args, "in_axes")
        if axes and all(a < 0 for a in axes):
            raise ValueError("[vmap] At least one input must be mapped (in_axes is all None).")
        flat = _leaves(args)
        traced = []

        def inner(xs):
            out = fun(*_replace(args, xs))
            traced.append(out)
            return _leaves(out)

        def resolve_out_axes(outs):
            return _leaf_axes(out_axes, traced[-1], "out_axes", extra_dim=1)

        results = _core._vmap(inner, flat, axes, resolve_out_axes)
        return _replace(traced[-1], results)

    return wrapped


# ---- custom_function and checkpoint ----


class custom_function:
    """A function whose transforms may be given by hand: decorate it, then
    define ``@f.vjp`` (``(primals, cotangents, outputs) -> cotangents``),
    ``@f.jvp`` (``(primals, tangents) -> tangents of the outputs``) and
    ``@f.vmap`` (``(inputs, axes) -> (outputs, axes)``, None for unmapped).
    A transform not given uses the function itself."""

    def __init__(self, fun):
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._vjp = None
        self._jvp = None
        self._vmap = None

    def vjp(self, f):
        self._vjp = f
        return self

    def jvp(self, f):
        self._jvp = f
        return self

    def vmap(self, f):
        self._vmap = f
        return self

    def __call__(self, *args):
        flat = _leaves(args)
        traced = []

        def fun(xs):
            out = self._fun(*_replace(args, xs))
            traced.append(out)
            return _leaves(out)

        def out_tree():
            if not traced:
                fun(flat)
            return traced[-1]

        def vjp(primals, cotangents, outputs):
            tree = out_tree()
            cots = _replace(tree, cotangents)
            outs = _replace(tree, outputs)
            grads = self._vjp(_replace(args, primals), cots, outs)
            if isinstance(grads, _core.array):
                grads = (grads,)
            return _leaves(tuple(grads))

        def jvp(primals, tangents, argnums):
            full = [_core.zeros_like(p) for p in primals]
            for t, i in zip(tangents, argnums):
                full[i] = t
            out = self._jvp(_replace(args, primals), _replace(args, full))
            return _leaves(out)

        def vmap(inputs, axes):
            py_axes = [None if a < 0 else a for a in axes]
            outs, out_axes = self._vmap(_replace(args, inputs), tuple(py_axes))
            flat_outs = _leaves(outs)
            if isinstance(out_axes, int) or out_axes is None:
                out_axes = [out_axes] * len(flat_outs)
            return flat_outs, [-1 if a is None else a for a in out_axes]

        f = _core._custom_function(
            fun,
            vjp if self._vjp else None,
            jvp if self._jvp else None,
            vmap if self._vmap else None,
        )
        return _replace(out_tree(), f(flat))


def checkpoint(fun):
    """fun with its forward pass recomputed in the backward pass, so a
    gradient keeps only fun's inputs and outputs instead of every
    intermediate."""

    @functools.wraps(fun)
    def wrapped(*args):
        traced = []

        def flat_fun(xs):
            out = fun(*_replace(args, xs))
            traced.append(out)
            return _leaves(out)

        outs = _core._checkpoint(flat_fun)(_leaves(args))
        return _replace(traced[0], outs)

    return wrapped


# ---- compile ----


def _structure(tree):
    """A hashable description of a tree: containers and non-array leaves."""
    if type(tree) is tuple and all(type(t) is _core.array for t in tree):
        return ("T",) + ("A",) * len(tree)  # the common case: arrays only
    if isinstance(tree, _core.array):
        return "A"
    if isinstance(tree, list):
        return ("L",) + tuple(_structure(t) for t in tree)
    if isinstance(tree, tuple):
        return ("T",) + tuple(_structure(t) for t in tree)
    if isinstance(tree, dict):
        return ("D",) + tuple((k, _structure(v)) for k, v in tree.items())
    try:
        hash(tree)
        return ("O", type(tree), tree)
    except TypeError:
        return ("I", id(tree))


def _state_parts(tree, out):
    """The live state objects of compile's inputs/outputs, in order: modules,
    optimizers (anything with a ``state`` dict) and containers of arrays."""
    from lmx.nn import Module

    if isinstance(tree, Module):
        out.append(("module", tree))
    elif hasattr(tree, "_lmx_state_dict"):
        out.append(("dict", tree._lmx_state_dict()))
    elif isinstance(tree, (list, tuple)):
        for t in tree:
            _state_parts(t, out)
    elif isinstance(tree, dict):
        out.append(("dict", tree))
    elif isinstance(tree, _core.array):
        raise ValueError("[compile] State must be held in containers (a list or dict), not bare arrays.")
    return out


def _read_state(parts):
    # The engine walks modules (as their parameters) and containers alike.
    return _leaves([obj for _, obj in parts])


def _templates(parts):
    """Copies of the state's structure (the leaves are only placeholders)."""
    return [_replace(obj.parameters() if kind == "module" else obj, _leaves(obj)) for kind, obj in parts]


def _write_state(parts, leaves, templates=None):
    """Puts ``leaves`` into the live state objects, laid out as ``templates``
    (the structure the state had when the function was traced: an optimizer
    creates its state inside the first traced step) or as they are now."""
    if templates is None:
        templates = _templates(parts)
    pos = 0
    for (kind, obj), template in zip(parts, templates):
        new, pos = _core._tree_replace_from(template, leaves, pos)
        if kind == "module":
            obj.update(new, strict=False)
        else:
            obj.clear()
            obj.update(new)


def _snapshot(parts):
    return [obj.parameters() if kind == "module" else dict(obj) for kind, obj in parts]


def _restore(parts, snapshot):
    for (kind, obj), saved in zip(parts, snapshot):
        if kind == "module":
            obj.update(saved, strict=False)
        else:
            obj.clear()
            obj.update(saved)


def _arg_modules(tree, out):
    """Modules passed as arguments: compile treats them as state, so the
    function sees them with traced parameters (and may update them)."""
    from lmx.nn import Module

    if isinstance(tree, Module):
        out.append(("module", tree))
    elif isinstance(tree, (list, tuple)):
        for t in tree:
            _arg_modules(t, out)
    elif isinstance(tree, dict):
        for t in tree.values():
            _arg_modules(t, out)
    return out


def _parts(inputs, outputs, args):
    in_parts = _state_parts(inputs, []) if inputs is not None else []
    if outputs is inputs:
        out_parts = list(in_parts)
    else:
        out_parts = _state_parts(outputs, []) if outputs is not None else []
    modules = _arg_modules(args, [])
    return in_parts + modules, out_parts + modules


class _Compiled:
    def __init__(self, fun, inputs, outputs, shapeless):
        self._fun = fun
        self._inputs = inputs
        self._outputs = outputs
        self._shapeless = shapeless
        self._cache = {}
        functools.update_wrapper(self, fun)

    def __call__(self, *args, **kwargs):
        in_parts, out_parts = _parts(self._inputs, self._outputs, (args, kwargs))
        state_in = _read_state(in_parts)
        arg_leaves = _leaves((args, kwargs), modules=False)
        key = (_structure((args, kwargs)), len(state_in))
        entry = self._cache.get(key)
        if entry is None:
            entry = self._cache[key] = self._make_entry(args, kwargs, len(arg_leaves))
        results = entry["fn"](arg_leaves + state_in)
        n_out = entry["n_out"]
        if out_parts:
            _write_state(out_parts, results[n_out:], entry["templates"])
        return _replace(entry["out"], results[:n_out])

    def _make_entry(self, args, kwargs, n_args):
        entry = {}
        fun, inputs, outputs = self._fun, self._inputs, self._outputs

        def traced(xs):
            in_parts, out_parts = _parts(inputs, outputs, (args, kwargs))
            saved = _snapshot(in_parts)
            _write_state(in_parts, xs[n_args:])
            try:
                a, kw = _replace((args, kwargs), xs[:n_args], modules=False)
                out = fun(*a, **kw)
                out_leaves = _leaves(out)
                state_out = _read_state(out_parts)
                entry["templates"] = _templates(out_parts)
            finally:
                # The traced arrays must not stay in the user's objects.
                _restore(in_parts, saved)
            entry["out"] = out
            entry["n_out"] = len(out_leaves)
            return out_leaves + state_out

        entry["fn"] = _core._compile(traced, self._shapeless)
        return entry


def compile(fun=None, inputs=None, outputs=None, shapeless=False):
    """Traces ``fun`` once per input structure and shape and runs the fused
    graph afterwards. ``inputs``/``outputs`` name state (modules, optimizer
    states, dicts and lists of arrays) that the function reads or updates
    without taking it as an argument."""
    if fun is None:
        return functools.partial(compile, inputs=inputs, outputs=outputs, shapeless=shapeless)
    return _Compiled(fun, inputs, outputs, shapeless)
