import numpy as np
import pytest

import lmx.core as mx
from conftest import finite_difference_grad

rng = np.random.default_rng(0)


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.array(a), b, rtol=tol, atol=tol)


def test_quantize_round_trip():
    w = mx.random.normal((32, 64), key=mx.random.key(1))
    wq, scales, biases = mx.quantize(w, group_size=32, bits=8)
    back = mx.dequantize(wq, scales, biases, group_size=32, bits=8)
    assert mx.max(mx.abs(back - w)).item() < 0.05
    x = mx.random.normal((2, 64), key=mx.random.key(2))
    y = mx.quantized_matmul(x, wq, scales, biases, transpose=True, group_size=32, bits=8)
    close(y, np.array(x) @ np.array(back).T, 1e-3)


def test_quantize_errors():
    with pytest.raises(ValueError, match=r"\[quantize\]"):
        mx.quantize(mx.zeros((4, 30)), group_size=32, bits=4)
