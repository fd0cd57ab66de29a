import numpy as np
import pytest

import lmx.core as mx
from conftest import finite_difference_grad

rng = np.random.default_rng(0)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.array(a), b, rtol=tol, atol=tol)


def test_fast_ops():
    x = mx.random.normal((2, 8), key=mx.random.key(0))
    w = mx.ones((8,))
    xn = np.array(x)
    ref = xn / np.sqrt((xn**2).mean(-1, keepdims=True) + 1e-5)
    close(mx.fast.rms_norm(x, w, 1e-5), ref, 1e-4)
    q = mx.random.normal((1, 2, 4, 8), key=mx.random.key(3))
    out = mx.fast.scaled_dot_product_attention(q, q, q, scale=8**-0.5)
    qn = np.array(q)
    s = qn @ qn.transpose(0, 1, 3, 2) * 8**-0.5
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    close(out, p @ qn, 1e-4)


def test_layer_norm_and_rope():
    x = mx.random.normal((2, 8), key=mx.random.key(1))
    xn = np.array(x)
    ref = (xn - xn.mean(-1, keepdims=True)) / np.sqrt(xn.var(-1, keepdims=True) + 1e-5)
    close(mx.fast.layer_norm(x, None, None, 1e-5), ref, 1e-4)
    r = mx.fast.rope(mx.ones((1, 3, 4)), 4, traditional=False, base=10000.0, scale=1.0, offset=0)
    close(r[0, 0], [1, 1, 1, 1])  # position 0 is not rotated
    q = mx.ones((1, 1, 3, 4))
    causal = mx.fast.scaled_dot_product_attention(q, q, q, scale=0.5, mask="causal")
    assert causal.shape == (1, 1, 3, 4)


def test_rms_norm_gradient():
    x0 = rng.normal(size=(2, 4))
    w = mx.ones((4,))

    def f_np(x):
        return mx.sum(mx.fast.rms_norm(mx.array(x.astype(np.float32)), w, 1e-5) ** 3).item()

    g = mx.grad(lambda x: mx.sum(mx.fast.rms_norm(x, w, 1e-5) ** 3))(mx.array(x0.astype(np.float32)))
    np.testing.assert_allclose(np.array(g), finite_difference_grad(f_np, x0.copy(), 1e-2), rtol=3e-2, atol=3e-2)
