import numpy as np
import pytest

import lmx.core as mx
from conftest import finite_difference_grad

rng = np.random.default_rng(0)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.array(a), b, rtol=tol, atol=tol)


def test_conv_against_numpy():
    x = rng.normal(size=(1, 5, 5, 2)).astype(np.float32)
    w = rng.normal(size=(3, 3, 3, 2)).astype(np.float32)
    out = np.array(mx.conv2d(mx.array(x), mx.array(w), padding=1))
    ref = np.zeros((1, 5, 5, 3), dtype=np.float32)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    for i in range(5):
        for j in range(5):
            patch = xp[0, i : i + 3, j : j + 3, :]
            ref[0, i, j] = np.einsum("hwc,ohwc->o", patch, w)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_conv_gradients_match_finite_differences():
    x0 = rng.normal(size=(1, 4, 4, 2))
    w0 = rng.normal(size=(3, 2, 2, 2))

    def f_np(x):
        xp = mx.array(x.astype(np.float32))
        return mx.sum(mx.conv2d(xp, mx.array(w0.astype(np.float32)), stride=1, padding=1) ** 2).item()

    g = mx.grad(lambda x: mx.sum(mx.conv2d(x, mx.array(w0.astype(np.float32)), padding=1) ** 2))(
        mx.array(x0.astype(np.float32)))
    np.testing.assert_allclose(np.array(g), finite_difference_grad(f_np, x0.copy(), 1e-2), rtol=2e-2, atol=2e-2)


def test_conv_errors():
    with pytest.raises(ValueError, match=r"\[conv"):
        mx.conv2d(mx.zeros((1, 4, 4, 2)), mx.zeros((3, 2, 2, 5)))
    with pytest.raises(ValueError, match=r"\[conv1d\]|\[conv"):
        mx.conv1d(mx.zeros((4, 2)), mx.zeros((3, 2, 2)))


def test_conv1d_and_transpose_shapes():
    assert mx.conv1d(mx.zeros((1, 8, 2)), mx.zeros((4, 3, 2)), stride=2).shape == (1, 3, 4)
    assert mx.conv_transpose2d(mx.zeros((1, 4, 4, 3)), mx.zeros((2, 3, 3, 3)), stride=2, padding=1,
                               output_padding=1).shape == (1, 8, 8, 2)
    assert mx.conv3d(mx.zeros((1, 4, 4, 4, 1)), mx.zeros((2, 3, 3, 3, 1))).shape == (1, 2, 2, 2, 2)
