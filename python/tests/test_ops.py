import numpy as np
import pytest

import lmx.core as mx

rng = np.random.default_rng(0)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.array(a), b, rtol=tol, atol=tol)


def test_unary_against_numpy():
    x = rng.uniform(0.1, 0.9, size=(3, 4)).astype(np.float32)
    a = mx.array(x)
    for name, ref in [("exp", np.exp), ("log", np.log), ("sqrt", np.sqrt), ("sin", np.sin),
                      ("cos", np.cos), ("tanh", np.tanh), ("abs", np.abs), ("square", np.square),
                      ("arcsin", np.arcsin), ("log1p", np.log1p), ("floor", np.floor)]:
        close(getattr(mx, name)(a), ref(x))
    close(mx.sigmoid(a), 1 / (1 + np.exp(-x)))
    close(a.exp(), np.exp(x))


def test_binary_and_comparisons():
    x = rng.normal(size=(2, 3)).astype(np.float32)
    y = rng.normal(size=(3,)).astype(np.float32)
    a, b = mx.array(x), mx.array(y)
    close(mx.add(a, b), x + y)
    close(mx.maximum(a, 0.0), np.maximum(x, 0))
    close(mx.where(a > 0, a, b), np.where(x > 0, x, y))
    close(mx.logaddexp(a, b), np.logaddexp(x, y))
    assert mx.allclose(a, a).item()
    close(mx.clip(a, -0.5, 0.5), np.clip(x, -0.5, 0.5))


def test_reductions_axis_forms():
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    a = mx.array(x)
    close(mx.sum(a), x.sum(), 1e-4)
    close(mx.sum(a, axis=1), x.sum(1), 1e-5)
    close(a.sum(axis=(0, 2)), x.sum((0, 2)), 1e-5)
    close(mx.mean(a, axis=-1, keepdims=True), x.mean(-1, keepdims=True))
    close(mx.max(a, 0), x.max(0))
    close(mx.var(a, axis=1, ddof=1), x.var(1, ddof=1), 1e-5)
    assert mx.argmax(a, axis=1).tolist() == x.argmax(1).tolist()
    close(mx.logsumexp(a, axis=2), np.log(np.exp(x).sum(2)), 1e-5)
    close(mx.softmax(a, axis=-1), np.exp(x) / np.exp(x).sum(-1, keepdims=True))


def test_shapes():
    a = mx.arange(24)
    assert a.reshape(2, 3, 4).shape == (2, 3, 4)
    assert a.reshape((4, 6)).shape == (4, 6)
    assert mx.reshape(a, (2, -1)).shape == (2, 12)
    b = a.reshape(2, 3, 4)
    assert b.transpose(2, 0, 1).shape == (4, 2, 3)
    assert mx.transpose(b, (1, 0, 2)).shape == (3, 2, 4)
    assert mx.expand_dims(b, 0).shape == (1, 2, 3, 4)
    assert mx.squeeze(mx.zeros((1, 3, 1))).shape == (3,)
    assert mx.concatenate([b, b], axis=1).shape == (2, 6, 4)
    assert mx.stack([a, a]).shape == (2, 24)
    assert [p.shape for p in mx.split(a, 3)] == [(8,), (8,), (8,)]
    assert b.flatten().shape == (24,)
    assert mx.pad(mx.zeros((2, 2)), 1).shape == (4, 4)
    assert mx.pad(mx.zeros((2, 2)), [(0, 1), (2, 0)]).shape == (3, 4)
    assert mx.swapaxes(b, 0, 2).shape == (4, 3, 2)


def test_creation():
    assert mx.arange(5).dtype == mx.int32
    assert mx.arange(0, 1, 0.25).tolist() == [0, 0.25, 0.5, 0.75]
    assert mx.zeros(3).shape == (3,)
    assert mx.ones((2, 2), dtype=mx.int32).dtype == mx.int32
    assert mx.full((2,), 7).tolist() == [7, 7]
    assert mx.eye(3).tolist()[1] == [0, 1, 0]
    assert mx.linspace(0, 1, 5).tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert mx.tri(3).tolist()[0] == [1, 0, 0]


def test_scans_sort_take():
    x = np.array([[3, 1, 2], [0, 5, 4]], dtype=np.float32)
    a = mx.array(x)
    close(mx.cumsum(a, axis=1), np.cumsum(x, 1))
    close(mx.cumsum(a), np.cumsum(x))
    close(mx.sort(a), np.sort(x))
    assert mx.argsort(a, axis=1).tolist() == np.argsort(x, 1).tolist()
    close(mx.take(a, mx.array([2, 0]), axis=1), x[:, [2, 0]])
    close(mx.take_along_axis(a, mx.array([[0], [1]]), axis=1), [[3], [5]])
    assert sorted(mx.topk(a, 2, axis=1)[0].tolist()) == [2, 3]


def test_matmul_and_errors():
    x = rng.normal(size=(4, 5)).astype(np.float32)
    y = rng.normal(size=(5, 3)).astype(np.float32)
    close(mx.matmul(mx.array(x), mx.array(y)), x @ y, 1e-4)
    with pytest.raises(ValueError, match=r"\[matmul\]"):
        mx.matmul(mx.array(x), mx.array(x))


def test_stream_argument():
    a = mx.add(mx.array(1), 2, stream=mx.cpu)
    assert a.item() == 3
    with mx.stream(mx.cpu):
        assert mx.ones(2).sum().item() == 2
    assert mx.default_device() == mx.cpu
