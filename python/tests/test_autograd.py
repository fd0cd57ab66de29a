import numpy as np
import pytest

import lmx.core as mx
from conftest import finite_difference_grad


def test_grad_matches_finite_differences():
    x0 = np.random.default_rng(0).normal(size=(3, 2))

    def f_np(x):
        return float(np.sum(np.sin(x) * x) + np.sum(np.tanh(x) ** 2))

    def f(x):
        return mx.sum(mx.sin(x) * x) + mx.sum(mx.tanh(x) ** 2)

    g = mx.grad(f)(mx.array(x0.astype(np.float32)))
    np.testing.assert_allclose(np.array(g), finite_difference_grad(f_np, x0.copy()), rtol=1e-3, atol=1e-3)


def test_value_and_grad_pytrees_and_argnums():
    def loss(params, x, scale=1.0):
        return mx.sum((params["w"] * x + params["b"][0]) ** 2) * scale

    params = {"w": mx.array([1.0, 2.0]), "b": [mx.array(0.5)]}
    x = mx.array([3.0, -1.0])
    value, grads = mx.value_and_grad(loss)(params, x)
    assert value.item() == pytest.approx((3.5) ** 2 + (-1.5) ** 2)
    assert grads["w"].tolist() == pytest.approx([2 * 3.5 * 3, 2 * -1.5 * -1])
    assert grads["b"][0].item() == pytest.approx(2 * 3.5 + 2 * -1.5)
    gw, gx = mx.grad(loss, argnums=[0, 1])(params, x)
    assert gx.tolist() == pytest.approx([2 * 3.5 * 1, 2 * -1.5 * 2])
    (pos, kw) = mx.grad(lambda a, *, b: mx.sum(a * b), argnums=0, argnames="b")(x, b=x)
    assert kw["b"].tolist() == x.tolist()


def test_aux_outputs():
    def f(x):
        return mx.sum(x**2), {"aux": x + 1}

    (value, aux), g = mx.value_and_grad(f)(mx.array([1.0, 2.0]))
    assert value.item() == 5 and aux["aux"].tolist() == [2, 3] and g.tolist() == [2, 4]


def test_grad_errors():
    with pytest.raises(ValueError, match=r"\[value_and_grad\] The return value"):
        mx.grad(lambda x: None)(mx.array(1.0))
    with pytest.raises(ValueError, match="argument index 1"):
        mx.grad(lambda x: mx.sum(x), argnums=1)(mx.array(1.0))


def test_vjp_jvp():
    outs, vjps = mx.vjp(lambda x: x * x, [mx.array([1.0, 2.0])], [mx.array([1.0, 1.0])])
    assert outs[0].tolist() == [1, 4] and vjps[0].tolist() == [2, 4]
    outs, jvps = mx.jvp(lambda x: mx.sin(x), [mx.array([0.0])], [mx.array([2.0])])
    assert jvps[0].tolist() == [2.0]


def test_grad_of_grad_and_stop_gradient():
    d2 = mx.grad(mx.grad(lambda x: x**3))(mx.array(2.0))
    assert d2.item() == pytest.approx(12.0)
    g = mx.grad(lambda x: mx.sum(mx.stop_gradient(x) * x))(mx.array([3.0]))
    assert g.tolist() == [3.0]


def test_gradient_shapes_follow_mlx():
    x = mx.array([1.0, 2.0])
    g = mx.grad(lambda a, b: mx.sum(a * b), argnums=[0])(x, x)
    assert isinstance(g, mx.array)  # one argnum in a list: a bare gradient
    g2 = mx.grad(lambda a, b: mx.sum(a * b), argnums=(0, 1))(x, x)
    assert isinstance(g2, tuple) and len(g2) == 2
    pos, kw = mx.grad(lambda a, *, b: mx.sum(a * b), argnums=[], argnames=["b"])(x, b=x)
    assert pos is None and kw["b"].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="tuple with the first value being a scalar"):
        mx.value_and_grad(lambda a: [mx.sum(a), a])(x)
