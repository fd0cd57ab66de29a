import numpy as np
import pytest

import lmx.core as mx


def test_vmap_axes_and_trees():
    x = mx.arange(6.0).reshape(2, 3)
    y = mx.array([10.0, 20.0, 30.0])
    out = mx.vmap(lambda a, b: a + b, in_axes=(0, None))(x, y)
    assert out.tolist() == [[10, 21, 32], [13, 24, 35]]
    # Negative axes count from the end; out_axes moves the batch.
    out = mx.vmap(lambda a: a * 2, in_axes=-1, out_axes=1)(x)
    assert np.array_equal(out, np.array(x) * 2)
    s = mx.vmap(mx.sum, in_axes=1)(x)
    assert s.tolist() == [3, 5, 7]
    # Trees of inputs and outputs.
    f = mx.vmap(lambda d: {"s": d["a"] + d["b"], "p": (d["a"] * d["b"],)},
                in_axes=({"a": 0, "b": None},))
    r = f({"a": x, "b": y})
    assert r["s"].shape == (2, 3) and r["p"][0].tolist() == [[0, 20, 60], [30, 80, 150]]


def test_vmap_composes():
    x = mx.arange(6.0).reshape(2, 3) * 0.3
    per_example = mx.vmap(mx.grad(lambda v: (mx.sin(v) * v).sum()))(x)
    assert np.allclose(per_example, np.cos(np.array(x)) * np.array(x) + np.sin(np.array(x)))
    g = mx.grad(lambda v: mx.vmap(lambda r: mx.exp(r).sum())(v).sum())(x)
    assert np.allclose(g, np.exp(np.array(x)))
    vv = mx.vmap(mx.vmap(lambda r: r * 2 + 1))(x)
    assert np.allclose(vv, np.array(x) * 2 + 1)
    c = mx.compile(mx.vmap(lambda r: (r * r).sum()))(x)
    assert np.allclose(c, (np.array(x) ** 2).sum(1))
    keys = mx.random.split(mx.random.key(0), 3)
    draws = mx.vmap(lambda k: mx.random.uniform(shape=(2,), key=k))(keys)
    assert draws.shape == (3, 2)
    assert draws[1].tolist() == mx.random.uniform(shape=(2,), key=keys[1]).tolist()


def test_vmap_errors():
    x = mx.zeros((2, 3))
    with pytest.raises(ValueError, match=r"\[vmap\] Inconsistent axis sizes: 2 and 3."):
        mx.vmap(lambda a, b: a + b)(x, mx.zeros((3,)))
    with pytest.raises(ValueError, match=r"\[vmap\] in_axes axis 2 is out of range"):
        mx.vmap(lambda a: a, in_axes=2)(x)
    with pytest.raises(ValueError, match=r"\[vmap\] in_axes has 1 entries"):
        mx.vmap(lambda a, b: a, in_axes=(0,))(x, x)


def test_custom_function_and_checkpoint():
    @mx.custom_function
    def f(x, y):
        return mx.sin(x) * y

    @f.vjp
    def f_vjp(primals, cotangent, output):
        x, y = primals
        return cotangent * 2, cotangent * 3

    x, y = mx.array([0.5, 1.0]), mx.array([2.0, 3.0])
    assert np.allclose(f(x, y), np.sin(np.array(x)) * np.array(y))
    gx, gy = mx.grad(lambda a, b: f(a, b).sum(), argnums=(0, 1))(x, y)
    assert gx.tolist() == [2.0, 2.0] and gy.tolist() == [3.0, 3.0]

    @f.jvp
    def f_jvp(primals, tangents):
        return tangents[0] * 10 + tangents[1]

    _, t = mx.jvp(f, [x, y], [mx.ones_like(x), mx.zeros_like(y)])
    assert t[0].tolist() == [10.0, 10.0]

    @f.vmap
    def f_vmap(inputs, axes):
        a, b = inputs
        return mx.sin(a) * b, axes[0]

    v = mx.vmap(f, in_axes=(0, None))(mx.stack([x, x]), y)
    assert v.shape == (2, 2)

    def block(h, w):
        return mx.tanh(h @ w)

    w = mx.random.normal((4, 4), key=mx.random.key(0))
    h = mx.random.normal((2, 4), key=mx.random.key(1))
    plain = mx.grad(lambda w: block(block(h, w), w).sum())(w)
    ck = mx.checkpoint(block)
    checked = mx.grad(lambda w: ck(ck(h, w), w).sum())(w)
    assert np.allclose(plain, checked, atol=1e-6)
    d = mx.depends(mx.array([1.0]), [mx.array(2.0)])
    assert d.tolist() == [1.0]


def test_export_to_dot(tmp_path):
    import io

    x = mx.array([1.0, 2.0])
    y = mx.exp(x) * 2
    buf = io.StringIO()
    mx.export_to_dot(buf, y, x=x)
    text = buf.getvalue()
    assert text.startswith("digraph {") and '"x"' in text and "Exp" in text
    path = tmp_path / "g.dot"
    mx.export_to_dot(str(path), y)
    assert path.read_text().startswith("digraph {")
